// vector-probe: the vector runners' test driver. The Rust harness has the same driver
// (sdk-rust/src/testing/tests.rs) and runs the same vectors/runner.json, so the three runners
// (Rust, Node, Java) are checked against one file. A made-up protocol, not a device's:
//
//   poll      : 01 counter (the counter is the device state: it starts at 1 and survives a
//               save_state / load_state hot swap)
//   response  : tag, length, payload (frameLen: 2 + length; a leading ff is garbage, skip 1)
//     tag 08  : u64 payload[0] with device timestamp 1 700 000 000 123 456 µs (flag DEVICE_TS)
//     other   : u64 payload[0], host timestamp
//   write     : echoes the value: 20 + STR bytes, 21 + BYTES, 22 + i64 BE; other types E_UNSUPPORTED
//   config    : `device refuse=X` fails the open with E_CONFIG; no other keys

import { Bytes, DeviceConfig, Driver, Manifest, Quality, Records, Request, Status, ValueType, Writer, needMore, registerDriver, resync } from "weir-driver-sdk/assembly";
import { CFG, CFG_CAP } from "weir-driver-sdk/assembly/regions";

export * from "weir-driver-sdk/assembly/exports";

const DEVICE_TS: i64 = 1_700_000_000_123_456;

class VectorProbe extends Driver {
  counter: u8 = 1;
  waiting: bool = false;

  describe(): Manifest {
    const m = new Manifest("vector-probe", "0.1.0", "vector-probe", "tcp");
    m.stateSchema = 3;
    return m;
  }

  open(config: DeviceConfig, nowUs: i64): i32 {
    const refuse = config.device.get("refuse");
    if (refuse !== null) config.device.fail("refuse=" + refuse + " asked to refuse the open");
    config.device.only(["refuse"]);
    const error = config.error;
    if (error !== null) return this.fail(Status.E_CONFIG, error);
    return Status.OK;
  }

  poll(nowUs: i64, tx: Request): i32 {
    tx.u8(0x01).u8(this.counter++);
    this.waiting = true;
    return Status.OK;
  }

  frameLen(rx: Bytes): i32 {
    if (rx.length >= 1 && rx.at(0) == 0xff) return resync(1);
    if (rx.length < 2) return needMore();
    const total = 2 + <i32>rx.at(1);
    return rx.length < total ? needMore(total) : total;
  }

  onFrame(frame: Bytes, nowUs: i64, out: Records): i32 {
    if (!this.waiting) return this.fail(Status.E_ORDER, "nothing outstanding");
    this.waiting = false;
    const value: u64 = frame.length > 2 ? <u64>frame.at(2) : 0;
    if (frame.at(0) == 0x08) out.writeU64(0, value, Quality.GOOD, DEVICE_TS);
    else out.writeU64(0, value);
    return Status.OK;
  }

  onTimeout(nowUs: i64, out: Records): i32 {
    this.waiting = false;
    out.writeNull(0, Quality.BAD_COMM);
    return Status.OK;
  }

  write(point: i32, vtype: u8, value: i64, nowUs: i64, tx: Request): i32 {
    if (vtype == ValueType.STR || vtype == ValueType.BYTES) {
      // ABI §7.6: the host put the bytes in cfg; value = offset (low 32 bits) | length << 32.
      const offset = <i32>(value & 0xffffffff);
      const length = <i32>(value >>> 32);
      if (offset < 0 || length < 0 || offset + length > CFG_CAP) {
        return this.fail(Status.E_INVAL, "write value at cfg[" + offset.toString() + "..+" + length.toString() + "] is outside cfg");
      }
      tx.u8(vtype == ValueType.STR ? 0x20 : 0x21).bytes(new Bytes(CFG + <usize>offset, length));
    } else if (vtype == ValueType.I64) {
      tx.u8(0x22).u32be(<u32>(value >>> 32)).u32be(<u32>value);
    } else {
      return this.fail(Status.E_UNSUPPORTED, "vector-probe writes str, bytes and i64");
    }
    return Status.OK;
  }

  saveState(state: Writer): i32 {
    state.u8(this.counter);
    return Status.OK;
  }

  loadState(state: Bytes): i32 {
    if (state.length != 1) return this.fail(Status.E_SCHEMA, "schema 3 with " + state.length.toString() + " bytes, want 1");
    this.counter = state.at(0);
    return Status.OK;
  }
}

registerDriver((): Driver => new VectorProbe());
