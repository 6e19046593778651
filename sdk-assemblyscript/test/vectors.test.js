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
function one(steps, extra = {}, config = "device\npoint 0\n") {
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
    assert.equal(results.length, 8);
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
    await fails(one([{ call: "poll", expect_hex: "0101", expect_response: false }]), "expected meta.expect 0, got 1");
    await fails(one([{ call: "poll", expect_hex: "0101" }, { call: "frame", hex: "010107", expect: [{ point: 0, type: "u64", value: 7, quality: "GOOD" }] }], {}, "device\n"), "outside the point map of 0 points (ABI §9)");
    await fails(one([{ call: "poll", expect_hex: "0101" }], { expect_abi_version: "1.1" }), "weir_abi_version: expected 1.1, got 1.0");
  });

  it("holds v1.1 calls and fields to a v1.1 host (the Rust harness has the same cases)", async () => {
    const v11 = { host_abi: "1.1" };
    const cfg = "device weir.transport=tcp\npoint 0\n";
    await malformed(one([{ call: "link_up" }]), 'call "link_up" needs a vector with "host_abi": "1.1"');
    await malformed(one([{ call: "frame_len", can: "123#00", expect_len: 9 }]), 'field "can" needs a vector with "host_abi": "1.1"');
    await malformed(one([{ call: "link_up" }], { host_abi: "1.2" }, cfg), '"host_abi" must be "1.0" or "1.1"');
    await malformed(one([{ call: "poll", expect_hex: "0101" }], { expect_agreed: "1.1" }), '"expect_agreed" needs "host_abi": "1.1"');
    await malformed(one([{ call: "frame_len", hex: "00", can: "123#00", expect_len: 9 }], v11, cfg), 'a step has one of "hex", "text" and "can", not more');
    // The text form of bytes (VECTORS.md): one byte a character, at most one form a step.
    await malformed(one([{ call: "frame_len", hex: "00", text: "A", expect_len: 1 }]), 'a step has one of "hex", "text" and "can", not more');
    await malformed(one([{ call: "poll", expect_hex: "0101", expect_text: "\u0001\u0001" }]), 'a step has one of "expect_hex", "expect_text" and "expect_can", not more');
    await malformed(one([{ call: "frame_len", text: "\u20ac", expect_len: 1 }]), '"text" character 0 is U+20AC, above U+00FF');
    await malformed(one([{ call: "timeout", text: "A", expect: [] }]), 'unknown field "text"');
    await malformed(one([{ call: "poll", expect_hex: "0101", at_ms: 5 }, { call: "poll", expect_hex: "0102", at_ms: 4 }], v11, cfg), '"at_ms" 4 goes back in time');
    await malformed(one([{ call: "poll", expect_hex: "0101" }], v11, "device\npoint 0\n"), "lacks the host key weir.transport");
    await malformed(one([{ call: "poll", expect_hex: "0101" }], v11, "device weir.transport=tcp refuse=1\n"), "host keys come last");
    await malformed(one([{ call: "poll", expect_hex: "0101" }], {}, cfg), "holds a weir. key");
    await malformed(one([{ call: "frame", hex: "010107", expect: [], expect_frame_flags: ["NOT_ANSWR"] }], v11, cfg), 'unknown frame flag "NOT_ANSWR"');
    await malformed(one([{ call: "frame", hex: "010107", expect: [{ point: 0, type: "u64", value: 7, quality: "GOOD", write_result: true }] }]), 'field "write_result" needs a vector with "host_abi": "1.1"');
    await malformed(one([{ call: "frame_len", hex: "08", expect_len: 0, expect_corr: 1 }], v11, cfg), '"expect_corr" needs "expect_len" > 0');
    await malformed(one([{ call: "poll", expect_can: ["123#R9"] }], v11, cfg), "one length digit 0-8");
    await malformed(one([{ call: "open", confg: "device\n" }]), 'unknown field "confg"');
    await fails(one([{ call: "unsolicited", hex: "010107", expect: [] }], v11, cfg), "neither passive nor unsolicited");
    await fails(one([{ call: "poll", expect_hex: "0101" }], { host_abi: "1.1", expect_agreed: "1.0" }, cfg), "agreed version: expected 1.0, got 1.1");
    await fails(
      one([{ call: "poll", expect_hex: "0101" }, { call: "frame", hex: "010107", expect: [{ point: 0, type: "u64", value: 7, quality: "GOOD" }], expect_frame_flags: ["POLL_NOW"] }], v11, cfg),
      'expected meta.frame_flags ["POLL_NOW"], got []',
    );
    await fails(
      one([{ call: "poll", expect_hex: "0101" }, { call: "frame", hex: "010107", expect: [{ point: 0, type: "u64", value: 7, quality: "GOOD", write_result: true }] }], v11, cfg),
      "expected a write result, got flag WRITE_RESULT clear",
    );
    await fails(
      one([{ call: "poll", expect_hex: "0101" }, { call: "frame", hex: "010107", expect: [{ device_status: true, type: "u64", value: 7, quality: "GOOD" }] }], v11, cfg),
      "expected a device status, got flag DEVICE_STATUS clear",
    );
    await fails(one([{ call: "frame_len", hex: "080107", expect_len: 3, expect_corr: 1 }], v11, cfg), "expected meta.corr 0x1, got 0x0");
    await fails(one([{ call: "poll", expect_can: ["123#01"] }], v11, cfg), "malformed CAN frame at offset 0");
  });

  it("refuses a CAN driver for a v1.0 host, as a v1.0 host does", async () => {
    const can = DriverModule.compile(readFileSync("test/drivers/can-probe/build/can-probe.wasm"));
    const file = join(dir, "can.json");
    writeFileSync(file, JSON.stringify({ driver: "can-probe", vectors: [{ name: "v", source: "test", config: "device sa=0\n", steps: [{ call: "poll", expect_hex: "" }] }] }));
    const [r] = await runVectorFile(can, file);
    assert.equal(r.failure, "weir_abi_version is 0x00010001: a v1.0 host refuses this driver (driver needs ABI 1.1, host speaks 1.0)");
  });

  it("holds the v1.1 probes to every new check", async () => {
    const probe11 = DriverModule.compile(readFileSync("test/drivers/abi11-probe/build/abi11-probe.wasm"));
    const cases = [
      [[{ call: "frame_len", hex: "027302", expect_len: 3, expect_corr: 94977 }], "expected meta.corr 0x17301, got 0x17300"],
      [[{ call: "write", point: 1, type: "u64", value: 7, expect_hex: "0457010107" }, { call: "frame", hex: "0477010107", expect: [{ point: 1, type: "u64", value: 7, quality: "GOOD" }] }], "expected a reading, got flag WRITE_RESULT set"],
      [[{ call: "link_up" }, { call: "poll", expect_hex: "0153" }, { call: "frame", hex: "027302", expect: [] }, { call: "poll", expect_hex: "0452010002" }, { call: "frame", hex: "024503", expect: [{ device_status: true, type: "u64", value: 3, quality: "BAD_DEVICE" }] }], 'expected meta.frame_flags [], got ["NOT_ANSWER"]'],
      [[{ call: "unsolicited", hex: "024501", expect: [{ point: 0, type: "u64", value: 1, quality: "BAD_DEVICE" }] }], "expected no device status, got flag DEVICE_STATUS"],
      [[{ call: "link_up" }, { call: "poll", expect_hex: "0153", expect_response: false }], "expected meta.expect 0, got 1"],
    ];
    for (const [steps, want] of cases) {
      const file = join(dir, `p${files++}.json`);
      writeFileSync(file, JSON.stringify({ driver: "abi11-probe", vectors: [{ name: "v", source: "test", config: "device weir.transport=tcp\npoint 0\npoint 1\n", host_abi: "1.1", steps }] }));
      const [r] = await runVectorFile(probe11, file);
      assert.ok(r.failure !== null && r.failure.includes(want), `${JSON.stringify(r.failure)} does not contain ${JSON.stringify(want)}`);
    }
  });
});
