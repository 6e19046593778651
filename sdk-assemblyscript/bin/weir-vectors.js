#!/usr/bin/env node
// Runs conformance vectors (driver-abi/VECTORS.md) against a driver module on Node's
// WebAssembly engine, through the same regions and exports the Weir host uses.
//
//   weir-vectors <driver.wasm> <vectors.json | vector dir>...
//
// Exits 1 if any vector fails, if the module breaks the ABI module contract, or if no vector
// ran at all (an empty directory must not pass as green).

import { readFile, realpath } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { DriverModule } from "../runner/driver-instance.js";
import { VectorError, runVectorFile, vectorFiles } from "../runner/vectors.js";

export async function runVectors(wasmPath, paths, out = console.log) {
  const driver = DriverModule.compile(await readFile(wasmPath));
  const foreign = driver.imports().filter((i) => i.module !== "weir_host_v1");
  if (foreign.length > 0) throw new Error(`${wasmPath} imports ${foreign.map((i) => `${i.module}.${i.name}`).join(", ")}`);
  const files = await vectorFiles(paths);
  let passed = 0;
  let failed = 0;
  let steps = 0;
  for (const file of files) {
    for (const r of await runVectorFile(driver, file)) {
      steps += r.steps;
      if (r.failure === null) {
        passed++;
        out(`ok     ${r.file} › ${r.name} (${r.steps} steps)`);
      } else {
        failed++;
        out(`FAILED ${r.file} › ${r.name}\n       ${r.failure}`);
      }
    }
  }
  return { files: files.length, passed, failed, steps };
}

async function main(argv) {
  if (argv.length < 2 || argv.includes("-h") || argv.includes("--help")) {
    console.error("usage: weir-vectors <driver.wasm> <vectors.json | vector dir>...");
    process.exit(2);
  }
  const [wasm, ...paths] = argv;
  const r = await runVectors(wasm, paths);
  const total = r.passed + r.failed;
  console.log(`${wasm}: ${total} vectors (${r.steps} steps) in ${r.files} file(s): ${r.passed} passed, ${r.failed} failed`);
  if (total === 0) {
    console.error(`weir-vectors: no vectors found in ${paths.join(", ")}`);
    process.exit(1);
  }
  process.exit(r.failed > 0 ? 1 : 0);
}

if (process.argv[1] && (await realpath(process.argv[1])) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((e) => {
    console.error(`weir-vectors: ${e instanceof VectorError ? "bad vector file: " : ""}${e.message}`);
    process.exit(1);
  });
}
