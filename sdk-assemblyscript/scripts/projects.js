// The driver projects of this package: examples/<name>/ and the SDK's test drivers in
// test/drivers/<name>/, each with assembly/index.ts, vectors/ and build/<name>.wasm.

import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";

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
  if (projects.length === 0) throw new Error("no driver projects under examples/ or test/drivers/");
  return projects;
}
