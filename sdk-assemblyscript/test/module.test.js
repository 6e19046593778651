// The module contract (ABI.md §3) and the layout (§4) of every module the SDK builds, and the
// static check itself on modules that break the contract.
import asc from "assemblyscript/asc";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { checkModuleInterface } from "../runner/module-check.js";
import { bytes, driver, hex, NOW, wasmPath } from "./drivers.js";

const BUILT = ["modbus-lite", "scpi-minimal", "sdk-probe"];

async function compileSource(source, extra = []) {
  const result = await asc.compileString(source, { runtime: "stub", ...Object.fromEntries(extra) });
  assert.equal(result.error, null, `asc failed: ${result.stderr}`);
  return result.binary;
}

describe("built modules", () => {
  for (const name of BUILT) {
    it(`${name} imports only weir_host_v1 and meets the module contract`, () => {
      const file = readFileSync(wasmPath(name));
      assert.deepEqual(checkModuleInterface(file), []);
      const imports = WebAssembly.Module.imports(new WebAssembly.Module(file));
      for (const i of imports) {
        assert.equal(i.module, "weir_host_v1", `import ${i.module}.${i.name}`);
        assert.ok(["log", "panic"].includes(i.name), `import ${i.module}.${i.name}`);
      }
      const exports = WebAssembly.Module.exports(new WebAssembly.Module(file)).map((e) => e.name);
      assert.ok(exports.includes("memory"));
      assert.ok(exports.includes("weir_abi_v1"));
      assert.ok(exports.includes("weir_gc"));
    });

    it(`${name} has the ABI §4 layout and meta at fixed addresses from instantiation on`, () => {
      const instance = driver(name).instantiate();
      const base = instance.exports.weir_layout();
      const raw = new Uint8Array(instance.memory.buffer, base, 96);
      assert.equal(hex(raw.subarray(0, 8)), "5745495240000000", "magic WEIR, size 64");
      assert.equal(hex(raw.subarray(64, 96)), "00".repeat(32), "meta starts zeroed");
      const l = instance.layout;
      assert.ok(l.cfg.cap >= 4096 && l.rx.cap >= 512 && l.tx.cap >= 512 && l.blob.cap >= 4096 && l.err.cap >= 128);
      assert.ok(l.out.cap >= 24 * 2048 && l.out.cap % 24 === 0 && l.out.ptr % 8 === 0);
      assert.equal(instance.abiVersion(), 0x00010000);
      // The regions are static: another instance of the same module has them at the same place.
      const again = driver(name).instantiate();
      assert.deepEqual(again.layout, l);
      instance.open(0, "device\n", NOW);
      assert.equal(instance.exports.weir_layout(), base, "layout never moves");
    });
  }

  it("writes a named record exactly as the ABI §6.2 byte example", () => {
    const probe = driver("sdk-probe").instantiate();
    assert.equal(probe.open(0, "device\n", NOW), 0);
    // probe tag 7: u16 value 513, then the name input/7
    const n = probe.exports.weir_on_frame(0, probe.put("rx", bytes("07090201696e7075742f37")), NOW);
    assert.equal(n, 1);
    const out = new Uint8Array(probe.memory.buffer, probe.layout.out.ptr, 24);
    assert.equal(hex(out), "000000000301000000000000000000000102000000000000");
    const blob = new Uint8Array(probe.memory.buffer, probe.layout.blob.ptr, 9);
    assert.equal(hex(blob), "070069 6e7075742f37".replace(" ", ""));
    assert.equal(probe.meta().blobUsed, 9);
  });
});

describe("module check refuses what the host refuses", () => {
  it("names env.abort, which asc imports unless abort is routed to the SDK", async () => {
    const binary = await compileSource("export function third(a: i32[]): i32 { return a[3]; }");
    const problems = checkModuleInterface(binary);
    assert.ok(
      problems.includes("import env.abort (function) is not one of weir_host_v1.log, weir_host_v1.panic"),
      problems.join("\n"),
    );
    assert.ok(problems.includes("required export weir_layout is missing"), problems.join("\n"));
  });

  it("names an export with the wrong signature, and accepts a memory without maximum as the host does", async () => {
    const binary = await compileSource("export function weir_poll(dev: i32): i32 { return dev; }");
    const problems = checkModuleInterface(binary);
    assert.ok(problems.includes("export weir_poll has signature (i32) -> (i32), ABI §3.2 says (i32, i64) -> (i32)"), problems.join("\n"));
    // ABI §9: no declared maximum runs with the host's cap as its maximum (the Java host and the
    // Rust harness's check_module accept it too).
    assert.ok(!problems.some((p) => p.includes("maximum")), problems.join("\n"));
  });
});
