// Builds every driver of this package: the examples (examples/<name>/assembly/index.ts →
// examples/<name>/build/<name>.wasm) and the SDK's own test drivers (test/drivers/<name>/…).
// With --check, type-checks them without writing (asc --noEmit).

import { buildDriver } from "../bin/weir-asc.js";
import { driverProjects } from "./projects.js";

const check = process.argv.includes("--check");
const projects = await driverProjects();
for (const p of projects) {
  try {
    const size = await buildDriver({ entry: p.entry, outFile: p.wasm, check });
    console.log(check ? `type-checked ${p.entry}` : `built ${p.wasm} (${size} bytes)`);
  } catch (e) {
    console.error(`build: ${e.message}`);
    process.exit(1);
  }
}
