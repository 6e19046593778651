// Builds every driver of this package: the examples (examples/<name>/assembly/index.ts →
// examples/<name>/build/<name>.wasm) and the SDK's own test drivers (test/drivers/<name>/…).
// With --check, type-checks them without writing (asc --noEmit).

import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { buildDriver } from "../bin/weir-asc.js";

export async function driverProjects() {
  const projects = [];
  for (const parent of ["examples", join("test", "drivers")]) {
    for (const name of (await readdir(parent)).sort()) {
      const entry = join(parent, name, "assembly", "index.ts");
      if (await stat(entry).then(() => true, () => false)) {
        projects.push({ name, dir: join(parent, name), entry, wasm: join(parent, name, "build", `${name}.wasm`) });
      }
    }
  }
  return projects;
}

const check = process.argv.includes("--check");
const projects = await driverProjects();
if (projects.length === 0) {
  console.error("build: no driver projects found under examples/ or test/drivers/");
  process.exit(1);
}
for (const p of projects) {
  try {
    const size = await buildDriver({ entry: p.entry, outFile: p.wasm, check });
    console.log(check ? `type-checked ${p.entry}` : `built ${p.wasm} (${size} bytes)`);
  } catch (e) {
    console.error(`build: ${e.message}`);
    process.exit(1);
  }
}
