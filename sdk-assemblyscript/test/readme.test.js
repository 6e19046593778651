// The README's minimal driver is the file the build compiles and the vectors test, byte for byte.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { it } from "node:test";

it("README shows examples/scpi-minimal/assembly/index.ts verbatim", () => {
  const readme = readFileSync("README.md", "utf8");
  const start = readme.indexOf("```ts\n") + "```ts\n".length;
  const block = readme.slice(start, readme.indexOf("```", start));
  assert.equal(block, readFileSync("examples/scpi-minimal/assembly/index.ts", "utf8"));
});
