// sdk-probe: the SDK's own test driver. It speaks a small type-length-value protocol made for
// these tests (not a device protocol) so that every public SDK function is compiled — asc checks
// only what is reachable — and observable through vectors and node tests:
//
//   request  (poll)  : 0x10, 4, u32 0x01020304 in the device's byte order, u32 cycle counter BE
//   request  (write) : 0x20, vtype, 8-byte value BE
//   response         : tag, length, payload (frameLen: 2 + length)
//     0x01 bool · 0x02 i64 BE · 0x03 u64 BE · 0x04 f64 · 0x09 f32 · 0x0a u32 (last three in the
//     device's `order`) · 0x05 text · 0x06 bytes · 0x07 u16 value BE then a name (named u64)
//     · 0x08 u64 with an 8-byte device timestamp first · 0x0b `count` named records (blob soak)
//     · 0xe0 error: payload is the text for weir_last_error, returns E_PROTO
//     · 0xee an out-of-bounds array read (AssemblyScript abort → weir_host_v1.panic → trap)

import {
  Bytes, DeviceConfig, Driver, LogLevel, Manifest, Quality, Records, Request, Status, ValueType, WordOrder,
  Writer, decodeF32, decodeF64, decodeU32, decodeU64, encodeU16, encodeU32, encodeU64, logText, needMore,
  parseWordOrder, registerDriver, resync, wordOrderName,
} from "weir-driver-sdk/assembly";

export * from "weir-driver-sdk/assembly/exports";

const ORDERS: string[] = ["ABCD", "DCBA", "BADC", "CDAB"];

class Probe extends Driver {
  order: WordOrder = WordOrder.ABCD;
  cycles: u32 = 0;
  points: i32 = 0;
  gain: f64 = 1.0;
  label: string = "";
  waiting: bool = false;

  describe(): Manifest {
    const m = new Manifest("sdk-probe", "0.1.0", "weir-sdk-probe", "tcp");
    m.stateSchema = 7;
    return m;
  }

  open(config: DeviceConfig, nowUs: i64): i32 {
    const device = config.device;
    device.only(["order", "gain", "limit", "label"]);
    this.order = <WordOrder>parseWordOrder(device.choice("order", ORDERS, "ABCD"));
    this.gain = device.number("gain", 1.0);
    device.int("limit", 10, -5, 100);
    this.label = device.text("label", "probe");
    for (let i = 0; i < config.points.length; i++) {
      const point = config.points[i];
      point.only(["tag"]);
      point.requireInt("tag", 0, 255);
    }
    this.points = config.points.length;
    const error = config.error;
    if (error !== null) return this.fail(Status.E_CONFIG, error);
    logText(LogLevel.INFO, this.label + " opened, order " + wordOrderName(this.order));
    return Status.OK;
  }

  poll(nowUs: i64, tx: Request): i32 {
    if (this.waiting) {
      this.waiting = false;
      return Status.OK;
    }
    tx.u8(0x10).u8(8);
    encodeU32(tx, 0x01020304, this.order);
    tx.u32be(this.cycles++);
    tx.timeoutMs = 250;
    this.waiting = true;
    return Status.OK;
  }

  frameLen(rx: Bytes): i32 {
    if (rx.length >= 1 && rx.at(0) == 0xff) return resync(2);
    if (rx.length < 2) return needMore();
    const total = 2 + <i32>rx.at(1);
    return rx.length < total ? needMore(total) : total;
  }

  onFrame(frame: Bytes, nowUs: i64, out: Records): i32 {
    const tag = frame.at(0);
    const body = frame.slice(2, frame.length);
    switch (tag) {
      case 0x01: out.writeBool(0, body.at(0) != 0); break;
      case 0x02: out.writeI64(0, <i64>decodeU64(body, 0, WordOrder.ABCD)); break;
      case 0x03: out.writeU64(0, decodeU64(body, 0, WordOrder.ABCD)); break;
      case 0x04: out.writeF64(0, decodeF64(body, 0, this.order) * this.gain); break;
      case 0x09: out.writeF64(0, <f64>decodeF32(body, 0, this.order)); break;
      case 0x0a: out.writeU64(0, <u64>decodeU32(body, 0, this.order)); break;
      case 0x05: out.writeStr(0, body.text()); break;
      case 0x06: out.writeBytes(0, body); break;
      case 0x07: out.writeU64(out.name(body.text(2)), <u64>body.u16be(0)); break;
      case 0x08: out.writeU64(1, body.u32be(8), Quality.UNCERTAIN, <i64>decodeU64(body, 0, WordOrder.ABCD)); break;
      case 0x0b: {
        const count = <i32>body.u16be(0);
        for (let i = 0; i < count; i++) out.writeU64(out.name("soak/register/" + i.toString()), <u64>i);
        break;
      }
      case 0xe0: return this.fail(Status.E_PROTO, body.text());
      case 0xee: {
        const empty: i32[] = [];
        return empty[body.length]; // out of bounds: the SDK's abort handler panics
      }
      default: return this.fail(Status.E_PROTO, "unknown tag " + tag.toString());
    }
    this.waiting = false;
    return Status.OK;
  }

  onTimeout(nowUs: i64, out: Records): i32 {
    if (!this.waiting) return this.fail(Status.E_ORDER, "timeout with nothing outstanding");
    this.waiting = false;
    for (let i = 0; i < this.points; i++) out.writeNull(i, Quality.BAD_COMM);
    this.explain("probe timed out");
    return Status.OK;
  }

  observe(request: Bytes): i32 {
    if (request.length < 1 || request.at(0) != 0x10) return this.fail(Status.E_PROTO, "not a probe request");
    this.waiting = true;
    return Status.OK;
  }

  write(point: i32, vtype: u8, value: i64, nowUs: i64, tx: Request): i32 {
    if (point >= this.points) return this.fail(Status.E_INVAL, "point " + point.toString() + " does not exist");
    if (vtype == ValueType.STR || vtype == ValueType.BYTES) {
      return this.fail(Status.E_UNSUPPORTED, "probe writes numbers only");
    }
    tx.u8(0x20).u8(vtype);
    encodeU64(tx, <u64>value, WordOrder.ABCD);
    encodeU16(tx, <u16>point, this.order);
    tx.expect = false;
    return Status.OK;
  }

  saveState(state: Writer): i32 {
    state.u32le(this.cycles).text(this.label);
    return Status.OK;
  }

  loadState(state: Bytes): i32 {
    if (state.length < 4) return this.fail(Status.E_SCHEMA, "probe state is 4+ bytes");
    this.cycles = state.u32le(0);
    this.label = state.text(4);
    return Status.OK;
  }
}

registerDriver((): Driver => new Probe());
