// The SDK's test command (npm test): the vector files of every driver project through its built
// module, then the node:test suites in test/. Fails if a module is missing, if any project has no
// vectors, or if nothing ran — a green run always means tests ran.

import { spawnSync } from "node:child_process";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { runVectors } from "../bin/weir-vectors.js";
import { driverProjects } from "./projects.js";

const exists = (p) => stat(p).then(() => true, () => false);
let failures = 0;
let vectors = 0;

for (const p of await driverProjects()) {
  if (!(await exists(p.wasm))) {
    console.error(`test: ${p.wasm} is missing; run npm run build first`);
    process.exit(1);
  }
  const dir = join(p.dir, "vectors");
  if (!(await exists(dir))) {
    console.error(`test: ${p.dir} has no vectors/ folder; every driver project is tested by vectors`);
    process.exit(1);
  }
  console.log(`# ${p.name}: ${p.wasm}`);
  const r = await runVectors(p.wasm, [dir]);
  console.log(`# ${p.name}: ${r.passed + r.failed} vectors, ${r.steps} steps, ${r.passed} passed, ${r.failed} failed`);
  if (r.passed + r.failed === 0) {
    console.error(`test: no vectors ran for ${p.name}`);
    process.exit(1);
  }
  vectors += r.passed + r.failed;
  failures += r.failed;
}

const suites = (await readdir("test")).filter((n) => n.endsWith(".test.js")).sort().map((n) => join("test", n));
if (suites.length === 0) {
  console.error("test: no test/*.test.js suites found");
  process.exit(1);
}
const run = spawnSync(process.execPath, ["--test", "--test-reporter=spec", ...suites], { stdio: "inherit" });
console.log(`# vectors: ${vectors} run, ${failures} failed; node:test suites: ${run.status === 0 ? "passed" : "FAILED"}`);
process.exit(failures > 0 || run.status !== 0 ? 1 : 0);
