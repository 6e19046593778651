// The vector runner (runner/vectors.js, VECTORS.md) on its own test driver, vector-probe: every
// feature passes on a conforming driver, and every typo, unknown field or wrong expectation
// fails loudly, naming what was wrong. sdk-rust/src/testing/tests.rs holds the same cases for
// the Rust harness.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { DriverModule } from "../runner/driver-instance.js";
import { VectorError, runVectorFile } from "../runner/vectors.js";

const probe = DriverModule.compile(readFileSync("test/drivers/vector-probe/build/vector-probe.wasm"));
const dir = mkdtempSync(join(tmpdir(), "weir-vectors-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

async function run(doc) {
  const file = join(dir, `v${files++}.json`);
  writeFileSync(file, typeof doc === "string" ? doc : JSON.stringify(doc));
  return runVectorFile(probe, file);
}

/** A file with one vector of `steps` and extra vector fields. */
function one(steps, extra = {}, config = "device\n") {
  return { driver: "vector-probe", vectors: [{ name: "v", source: "test", config, ...extra, steps }] };
}

async function malformed(doc, message) {
  await assert.rejects(run(doc), (e) => {
    assert.ok(e instanceof VectorError, `${e}`);
    assert.ok(e.message.includes(message), `${JSON.stringify(e.message)} does not contain ${JSON.stringify(message)}`);
    return true;
  });
}

async function fails(doc, message) {
  const results = await run(doc);
  assert.equal(results.length, 1);
  assert.notEqual(results[0].failure, null, "the vector passed but must fail");
  assert.ok(results[0].failure.includes(message), `${JSON.stringify(results[0].failure)} does not contain ${JSON.stringify(message)}`);
}

describe("vector runner", () => {
  it("passes the shared runner vectors (the Rust harness and the Java host run the same file)", async () => {
    const results = await runVectorFile(probe, "test/drivers/vector-probe/vectors/runner.json");
    assert.deepEqual(results.map((r) => r.failure), results.map(() => null));
    assert.equal(results.length, 6);
  });

  it("refuses unknown calls and fields anywhere, and duplicate keys", async () => {
    await malformed(one([{ call: "save_sate" }]), 'unknown call "save_sate"');
    await malformed(one([{ call: "frame_len", hex: "08", expect_len: 0, expect_nede: 0 }]), 'unknown field "expect_nede"');
    await malformed(one([{ call: "poll", expect_hex: "0101" }], { expect_open_eror: "E_CONFIG" }), 'unknown field "expect_open_eror"');
    await malformed(
      one([{ call: "poll", expect_hex: "0101" }, { call: "frame", hex: "080107", expect: [{ point: 0, type: "u64", value: 7, quality: "GOOD", ts: 1 }] }]),
      'unknown field "ts"',
    );
    await malformed({ driver: "vector-probe", vector: [], vectors: [] }, 'file: unknown field "vector"');
    await malformed('{"driver":"vector-probe","vectors":[{"name":"v","source":"t","config":"device\\n","steps":[{"call":"poll","expect_hex":"0101","expect_hex":"0102"}]}]}', 'duplicate key "expect_hex"');
    await malformed({ driver: "modbus", vectors: [] }, 'manifest name is "vector-probe"');
    await malformed(one([{ call: "poll", expect_error: "E_NODEVICE" }]), 'unknown ABI error name "E_NODEVICE"');
    await malformed(one([{ call: "write", point: 0, type: "string", value: "x", expect_hex: "" }]), 'unknown write type "string"');
    await malformed(one([{ call: "write", point: 0, type: "bytes", value: "0g", expect_hex: "" }]), "is not an even-length hex string");
    await malformed(one([{ call: "frame_len", hex: "0800", expect_len: 2, expect_need: 2 }]), '"expect_need" needs "expect_len": 0');
    await malformed(one([{ call: "frame_len", hex: "0800", expect_len: 0, expect_skip: 1 }]), '"expect_skip" needs "expect_error": "E_RESYNC"');
    await malformed(one([{ call: "poll", expect_hex: "0101" }, { call: "frame", hex: "010107", expect: [{ point: 0, type: "u64", value: 7, quality: "FINE" }] }]), 'unknown quality name "FINE"');
    await malformed(one([]), '"steps" is empty');
    await malformed(one([{ call: "frame", hex: "010107", expect_error: "E_ORDER", expect: [] }]), '"expect_error" excludes "expect"');
    await malformed(one([{ call: "poll", expect_hex: "0101" }], { expect_last_error: "x" }), 'needs "expect_open_error"');
    await malformed(one([{ call: "reopen_with_state" }]), "no state to load");
  });

  it("fails wrong expectations, saying expected and actual", async () => {
    await fails(one([], { expect_open_error: "E_CONFIG" }), "open: expected E_CONFIG, got 0 (opened)");
    await fails(one([], { expect_open_error: "E_INVAL" }, "device refuse=1\n"), "open: expected E_INVAL, got E_CONFIG");
    await fails(one([], { expect_open_error: "E_CONFIG", expect_last_error: "refuse=2" }, "device refuse=1\n"), 'expected last_error containing "refuse=2"');
    await fails(one([{ call: "poll", expect_hex: "0101" }], {}, "device refuse=1\n"), "weir_open returned E_CONFIG");
    await fails(one([{ call: "frame_len", hex: "0803", expect_len: 0, expect_need: 4 }]), "expected meta.need 4, got 5");
    await fails(
      one([{ call: "poll", expect_hex: "0101" }, { call: "frame", hex: "010107", expect: [{ point: 0, type: "u64", value: 7, quality: "GOOD", ts_us: 1700000000123456 }] }]),
      "got flag DEVICE_TS clear",
    );
    await fails(
      one([{ call: "poll", expect_hex: "0101" }, { call: "frame", hex: "080107", expect: [{ point: 0, type: "u64", value: 7, quality: "GOOD" }] }]),
      "expected no device timestamp",
    );
    await fails(
      one([{ call: "poll", expect_hex: "0101" }, { call: "frame", hex: "080107", expect: [{ point: 0, type: "u64", value: 7, quality: "GOOD", ts_us: 1700000000123457 }] }]),
      "ts_us: expected 1700000000123457, got 1700000000123456",
    );
    await fails(one([{ call: "save_state", expect_hex: "0300000002" }]), "expected state payload 0300000002, got 0300000001");
    await fails(one([{ call: "save_state", expect_len: 4 }]), "expected state payload length 4, got 5");
    await fails(
      one([{ call: "poll", expect_hex: "0101" }, { call: "save_state" }, { call: "reopen_with_state" }, { call: "poll", expect_hex: "0101" }]),
      "expected request 0101, got 0102",
    );
    await fails(one([{ call: "reopen_with_state", hex: "0300000001", expect_error: "E_SCHEMA" }]), "expected E_SCHEMA, got status 0");
    await fails(one([{ call: "write", point: 0, type: "str", value: "ab", expect_hex: "2061" }]), "expected request 2061, got 206162");
    await fails(one([{ call: "write", point: 0, type: "bytes", value: "AB", expect_hex: "21AB" }]), "expected request 21AB, got 21ab");
  });
});
