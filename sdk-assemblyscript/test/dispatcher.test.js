// The export dispatcher (layer 2): device table, failed opens, error texts, state hand-over,
// abort routing, describe, memory under the minimal runtime.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DriverPanic, ERRORS } from "../runner/driver-instance.js";
import { bytes, driver, hex, NOW } from "./drivers.js";

const CFG_ONE = (unit) => `device unit=${unit}\npoint 0 area=holding address=100\n`;

describe("device table", () => {
  it("answers E_NODEV for every call on a handle never opened", () => {
    const m = driver("modbus-lite").instantiate();
    const e = m.exports;
    assert.equal(e.weir_poll(3, NOW), ERRORS.E_NODEV);
    assert.equal(e.weir_frame_len(3, 0), ERRORS.E_NODEV);
    assert.equal(e.weir_on_frame(3, 0, NOW), ERRORS.E_NODEV);
    assert.equal(e.weir_on_timeout(3, NOW), ERRORS.E_NODEV);
    assert.equal(e.weir_observe(3, 0), ERRORS.E_NODEV);
    assert.equal(e.weir_write(3, 0, 3, 1n, NOW), ERRORS.E_NODEV);
    assert.equal(e.weir_save_state(3), ERRORS.E_NODEV);
    assert.equal(e.weir_load_state(3, 0), ERRORS.E_NODEV);
    assert.equal(e.weir_last_error(3), ERRORS.E_NODEV);
    assert.equal(e.weir_close(3), ERRORS.E_NODEV);
    assert.equal(e.weir_open(-1, 0, NOW), ERRORS.E_INVAL);
  });

  it("keeps the reason of a failed open readable, and the handle closed", () => {
    const m = driver("modbus-lite").instantiate();
    assert.equal(m.open(5, "device\npoint 0 area=coil address=1\n", NOW), ERRORS.E_CONFIG);
    assert.equal(m.lastError(5).text, 'point 0: unknown area "coil" (expected holding or input)');
    assert.equal(m.poll(5, NOW).status, ERRORS.E_NODEV);
    assert.equal(m.open(5, CFG_ONE(1), NOW), 0);
    assert.equal(m.lastError(5).text, "");
    assert.equal(hex(m.poll(5, NOW).request), "000100000006010300640001");
  });

  it("opens an open handle afresh (ABI §2.6) and forgets a closed one", () => {
    const m = driver("modbus-lite").instantiate();
    assert.equal(m.open(0, CFG_ONE(1), NOW), 0);
    assert.equal(hex(m.poll(0, NOW).request), "000100000006010300640001");
    assert.equal(m.open(0, CFG_ONE(2), NOW), 0);
    // a fresh device: transaction ids start again, the new config's unit is used
    assert.equal(hex(m.poll(0, NOW).request), "000100000006020300640001");
    assert.equal(m.lastError(0).text, "");
    assert.equal(m.close(0), 0);
    assert.equal(m.poll(0, NOW).status, ERRORS.E_NODEV);
    assert.equal(m.close(0), ERRORS.E_NODEV);
  });

  it("serves many devices in one instance, each with its own state", () => {
    const m = driver("modbus-lite").instantiate();
    assert.equal(m.open(0, CFG_ONE(1), NOW), 0);
    assert.equal(m.open(2147483647, CFG_ONE(2), NOW), 0);
    assert.equal(hex(m.poll(0, NOW).request), "000100000006010300640001");
    assert.equal(hex(m.poll(2147483647, NOW).request), "000100000006020300640001");
    const r = m.onFrame(2147483647, bytes("00010000000502030200ff"), NOW);
    assert.deepEqual(r.records, [{ point: 0, type: "u64", value: 255n, quality: "GOOD" }]);
    // device 0's request is still outstanding: the same answer bytes from unit 1 decode there
    assert.equal(m.onFrame(0, bytes("00010000000502030200ff"), NOW).status, ERRORS.E_PROTO);
    assert.equal(m.lastError(0).text, "unit 2 does not match the request's unit 1");
    assert.equal(m.lastError(2147483647).text, "");
  });

  it("checks lengths against the regions", () => {
    const m = driver("modbus-lite").instantiate();
    assert.equal(m.exports.weir_open(0, m.layout.cfg.cap + 1, NOW), ERRORS.E_INVAL);
    assert.match(m.lastError(0).text, /config length 32769 is outside the cfg region/);
    assert.equal(m.open(0, CFG_ONE(1), NOW), 0);
    assert.equal(m.exports.weir_frame_len(0, m.layout.rx.cap + 1), ERRORS.E_INVAL);
    assert.equal(m.lastError(0).text, "rx_len 1025 is outside the region (0..1024)");
    assert.equal(m.exports.weir_on_frame(0, -1, NOW), ERRORS.E_INVAL);
  });
});

describe("describe, log, errors", () => {
  it("writes the manifest JSON into blob", () => {
    assert.deepEqual(driver("modbus-lite").instantiate().describe(), {
      name: "modbus-lite", version: "0.1.0", protocol: "modbus-tcp", transport: "tcp",
    });
    const probe = driver("sdk-probe").instantiate();
    const n = probe.exports.weir_describe();
    assert.equal(probe.meta().blobUsed, n);
    assert.deepEqual(probe.describe(), {
      name: "sdk-probe", version: "0.1.0", protocol: "weir-sdk-probe", transport: "tcp", state_schema: 7,
    });
  });

  it("logs through weir_host_v1.log", () => {
    const probe = driver("sdk-probe").instantiate();
    assert.equal(probe.open(0, "device order=BADC label=bench-3\n", NOW), 0);
    assert.deepEqual(probe.logs, [{ level: 2, message: "bench-3 opened, order BADC" }]);
  });

  it("routes AssemblyScript's abort to weir_host_v1.panic, which ends the call", () => {
    const probe = driver("sdk-probe").instantiate();
    assert.equal(probe.open(0, "device\n", NOW), 0);
    assert.throws(
      () => probe.onFrame(0, bytes("ee00"), NOW),
      (e) => e instanceof DriverPanic && /Index out of range at ~lib\/array\.ts:\d+:\d+/.test(e.panicMessage),
    );
  });

  it("cuts a long last_error at a character boundary inside the err region", () => {
    const probe = driver("sdk-probe").instantiate();
    const key = "é".repeat(400); // 800 bytes of UTF-8, an invalid key
    assert.equal(probe.open(1, `device ${key}=1\n`, NOW), ERRORS.E_CONFIG);
    const n = probe.exports.weir_last_error(1);
    assert.ok(n <= probe.layout.err.cap && n > probe.layout.err.cap - 2, `length ${n}`);
    const text = probe.lastError(1).text; // decoded with fatal: true, so no cut character
    assert.ok(text.startsWith('device: invalid key "éé'), text.slice(0, 40));
  });

  it("explains a negative return the driver did not explain", () => {
    const probe = driver("sdk-probe").instantiate();
    assert.equal(probe.open(0, "device\n", NOW), 0);
    // tag 0x0b with 2000 names overflows blob: the SDK reports E_NOSPACE with its own reason
    assert.equal(probe.onFrame(0, bytes("0b0207d0"), NOW).status, ERRORS.E_NOSPACE);
    assert.match(probe.lastError(0).text, /^on_frame: blob region full: name of \d+ bytes after \d+ of 16384 bytes$/);
    const ok = probe.onFrame(0, bytes("0b020190"), NOW); // 400 names fit
    assert.equal(ok.status, 400);
    assert.deepEqual(ok.records[399], { name: "soak/register/399", type: "u64", value: 399n, quality: "GOOD" });
  });
});

describe("state hand-over (ABI §7.7)", () => {
  it("saves with the manifest's state_schema first and restores on a new instance", () => {
    const cfg = "device label=line-2\n";
    const old = driver("sdk-probe").instantiate();
    assert.equal(old.open(0, cfg, NOW), 0);
    old.poll(0, NOW);
    old.poll(0, NOW);
    old.poll(0, NOW); // counter now 2
    const saved = old.saveState(0);
    assert.equal(hex(saved.state), "07000000" + "02000000" + Buffer.from("line-2").toString("hex"));
    const fresh = driver("sdk-probe").instantiate();
    assert.equal(fresh.open(0, cfg, NOW), 0);
    assert.equal(fresh.loadState(0, saved.state).status, 0);
    assert.equal(hex(fresh.poll(0, NOW).request), "10080102030400000002");
  });

  it("refuses a payload of another schema with E_SCHEMA", () => {
    const probe = driver("sdk-probe").instantiate();
    assert.equal(probe.open(0, "device\n", NOW), 0);
    assert.equal(probe.loadState(0, bytes("0800000001000000")).status, ERRORS.E_SCHEMA);
    assert.equal(probe.lastError(0).text, "load_state: state schema 8, this driver reads schema 7; starting cold");
    assert.equal(probe.loadState(0, bytes("07")).status, ERRORS.E_SCHEMA);
  });

  it("is E_UNSUPPORTED for a driver without state_schema", () => {
    const m = driver("modbus-lite").instantiate();
    assert.equal(m.open(0, CFG_ONE(1), NOW), 0);
    assert.equal(m.saveState(0).status, ERRORS.E_UNSUPPORTED);
    assert.equal(m.loadState(0, bytes("00000000")).status, ERRORS.E_UNSUPPORTED);
  });
});

describe("memory under the minimal runtime", () => {
  // sdk-probe tag 0x0b builds each name by string concatenation: 400 names = about 1,200 garbage
  // objects per frame. Without collection memory would grow with every frame.
  for (const [label, gcEvery] of [["with weir_gc between cycles", 10], ["without weir_gc (SDK collects)", 0]]) {
    it(`stays flat over 5,000 allocating frames ${label}`, () => {
      const m = driver("sdk-probe").instantiate();
      assert.equal(m.open(0, "device\n", NOW), 0);
      const frame = bytes("0b020190");
      let pagesAfterWarmup = 0;
      for (let i = 1; i <= 5000; i++) {
        assert.equal(m.exports.weir_on_frame(0, m.put("rx", frame), NOW), 400);
        if (gcEvery && i % gcEvery === 0) m.gc();
        if (i === 1000) pagesAfterWarmup = m.memory.buffer.byteLength / 65536;
      }
      const pages = m.memory.buffer.byteLength / 65536;
      assert.equal(pages, pagesAfterWarmup, `memory grew from ${pagesAfterWarmup} to ${pages} pages`);
      assert.ok(pages <= 64, `${pages} pages`);
      console.log(`# sdk-probe allocation soak ${label}: ${pages} pages`);
    });
  }

  it("modbus-lite replays 20,000 discovery frames without growing memory", () => {
    // indexedName writes `holding/<n>` straight into blob: the replay hot path allocates nothing.
    const m = driver("modbus-lite").instantiate();
    assert.equal(m.open(0, "device\n", NOW), 0);
    const pagesAtStart = m.memory.buffer.byteLength / 65536;
    const req = bytes("00010000000601030000007d");
    const resp = bytes("0001000000fd0103fa" + "1234".repeat(125));
    for (let i = 0; i < 20000; i++) {
      assert.equal(m.observe(0, req).status, 0);
      assert.equal(m.exports.weir_on_frame(0, m.put("rx", resp), NOW), 125);
    }
    assert.equal(m.memory.buffer.byteLength / 65536, pagesAtStart);
  });
});

describe("ABI v1.1 dispatcher (the Rust SDK's tests/abi11_probes.rs has the same cases)", () => {
  it("reports the oldest version it runs on and agrees on a version (ABI §3.3)", () => {
    assert.equal(driver("abi11-probe").instantiate().abiVersion(), 0x00010000);
    assert.equal(driver("can-probe").instantiate().abiVersion(), 0x00010001, "CAN needs v1.1");
    assert.equal(driver("modbus-lite").instantiate().abiVersion(), 0x00010000, "an example using nothing new");
    const m = driver("abi11-probe").instantiate();
    assert.equal(m.hostAbi(0x00010001), 0x00010001);
    assert.equal(m.hostAbi(0x00010007), 0x00010001, "a later host still gets what the SDK knows");
    assert.equal(m.hostAbi(0x00010000), 0x00010000);
    assert.equal(m.hostAbi(0x00020000), ERRORS.E_INVAL);
    assert.equal(driver("can-probe").instantiate().hostAbi(0x00010000), ERRORS.E_UNSUPPORTED);
    const opened = driver("abi11-probe").instantiate();
    assert.equal(opened.open(0, "device\n", NOW), 0);
    assert.equal(opened.hostAbi(0x00010001), ERRORS.E_ORDER, "only before the first open");
  });

  it("refuses v1.1 calls while the agreed version is 1.0", () => {
    const m = driver("abi11-probe").instantiate();
    assert.equal(m.open(0, "device\npoint 0\n", NOW), 0);
    assert.equal(m.linkUp(0, NOW).status, ERRORS.E_ORDER);
    assert.equal(m.lastError(0).text, "weir_link_up is a v1.1 call, but the host agreed on ABI 1.0 (ABI §3.3)");
    assert.equal(m.frameEnd(0, bytes("6162")).status, ERRORS.E_ORDER);
    assert.equal(m.tick(0, NOW).status, ERRORS.E_ORDER);
    assert.equal(m.linkUp(5, NOW).status, ERRORS.E_NODEV);
  });

  it("checks the answers of frame_end", () => {
    const m = driver("abi11-probe").instantiate();
    m.hostAbi(0x00010001);
    assert.equal(m.open(0, "device weir.transport=serial\npoint 0\n", NOW), 0);
    const r = m.frameEnd(0, bytes("730271"));
    assert.equal(r.status, 3);
    assert.equal(r.meta.corr, 0x17300);
    const resync = m.frameEnd(0, bytes("0001"));
    assert.deepEqual([resync.status, resync.meta.skip], [ERRORS.E_RESYNC, 1]);
    assert.equal(m.frameEnd(0, new Uint8Array(0)).status, ERRORS.E_INVAL);
  });

  it("writes the v1.1 manifest fields and keeps max_devices (ABI §2.6, §3.4)", () => {
    const m = driver("abi11-probe").instantiate();
    assert.deepEqual(m.describe(), {
      name: "abi11-probe", version: "0.1.0", protocol: "abi11-probe", transport: "tcp", state_schema: 1,
      transports: ["tcp", "serial"], unsolicited: true, max_devices: 2,
    });
    assert.equal(m.open(0, "device\n", NOW), 0);
    assert.equal(m.open(7, "device\n", NOW), 0);
    assert.equal(m.open(7, "device\n", NOW), 0, "a second open of the same handle is no new device");
    assert.equal(m.open(9, "device\n", NOW), ERRORS.E_UNSUPPORTED);
    assert.equal(m.lastError(9).text, "this driver serves at most 2 devices per instance (max_devices)");
    assert.equal(m.close(0), 0);
    assert.equal(m.open(9, "device\n", NOW), 0);
  });
});
