// abi11-probe: the v1.1 test driver of both SDKs (the Rust twin is
// sdk-rust/tests/probes/abi11_probe.rs); both run the vector files in vectors/. A made-up protocol
// with a connection setup, two framings and device events:
//
//   framing on tcp: `len body` (len = body length, 1..255); on serial: `body xor`, no length
//   field, so a frame ends at line silence (frameEnd; the XOR of the body checks it)
//   setup : S → s size; size (≥ 1) is how many points one read may carry, negotiated anew after
//           every linkUp and kept in the state (schema 1: the size, 0 = none)
//   read  : R tag first count → r tag v0 v1 … (one u8 per point, as u64 records)
//   write : W tag point value → w tag point value (confirmed) or x tag point code (refused)
//   event : E code at any time: a device status (GOOD for 0, else BAD_DEVICE with the code);
//           while a request is outstanding it is NOT_ANSWER
//   correlation key (ABI §7.12): 0x10000 | kind << 8 | tag, kind r for R/r, w for W/w/x, s (tag 0)
//   for S/s; events have none
//
// Tags count 1, 2, 3 … per request. Points have no keys; every point is one u8 of the device.

import {
  Bytes, DeviceConfig, Driver, Manifest, Quality, Records, Request, Status, ValueType, Writer, discard, needMore,
  registerDriver, resync,
} from "weir-driver-sdk/assembly";

export * from "weir-driver-sdk/assembly/exports";

const NONE: i32 = 0;
const SETUP: i32 = 1;
const READ: i32 = 2;
const WRITE: i32 = 3;

function xor(bytes: Bytes, from: i32, to: i32): u8 {
  let x: u8 = 0;
  for (let i = from; i < to; i++) x ^= bytes.at(i);
  return x;
}

class Abi11Probe extends Driver {
  serial: bool = false;
  points: i32 = 0;
  size: i32 = 0; // 0 = not negotiated
  nextPoint: i32 = 0;
  nextTag: i32 = 1;
  asked: i32 = NONE;
  askedTag: i32 = 0;
  askedFirst: i32 = 0;
  askedCount: i32 = 0;
  askedPoint: i32 = 0;
  askedObserved: bool = false;

  describe(): Manifest {
    const m = new Manifest("abi11-probe", "0.1.0", "abi11-probe", "tcp");
    m.stateSchema = 1;
    m.transports = ["tcp", "serial"];
    m.unsolicited = true;
    m.maxDevices = 2;
    return m;
  }

  open(config: DeviceConfig, nowUs: i64): i32 {
    config.device.only([]);
    for (let i = 0; i < config.points.length; i++) config.points[i].only([]);
    if (config.points.length > 255) config.fail(config.points.length.toString() + " points; abi11-probe reads at most 255");
    const error = config.error;
    if (error !== null) return this.fail(Status.E_CONFIG, error);
    this.serial = config.transport == "serial";
    this.points = config.points.length;
    return Status.OK;
  }

  linkUp(nowUs: i64): i32 {
    // A fresh connection: the size is negotiated again, the cycle starts over.
    this.size = 0;
    this.nextPoint = 0;
    this.asked = NONE;
    return Status.OK;
  }

  /** The body of a complete frame in this device's framing, or null. */
  body(frame: Bytes): Bytes | null {
    if (this.serial) {
      if (frame.length < 2 || xor(frame, 0, frame.length - 1) != frame.at(frame.length - 1)) return null;
      return frame.slice(0, frame.length - 1);
    }
    if (frame.length < 2 || <i32>frame.at(0) != frame.length - 1) return null;
    return frame.slice(1, frame.length);
  }

  send(tx: Writer, body: u8[]): void {
    if (!this.serial) tx.u8(<u8>body.length);
    let x: u8 = 0;
    for (let i = 0; i < body.length; i++) {
      tx.u8(body[i]);
      x ^= body[i];
    }
    if (this.serial) tx.u8(x);
  }

  tag(): i32 {
    const t = this.nextTag;
    this.nextTag = t == 255 ? 1 : t + 1;
    return t;
  }

  poll(nowUs: i64, tx: Request): i32 {
    if (this.size == 0) {
      this.send(tx, [0x53]);
      this.asked = SETUP;
      return Status.OK;
    }
    if (this.nextPoint >= this.points) {
      this.nextPoint = 0;
      return Status.OK; // nothing written: the cycle is complete
    }
    const first = this.nextPoint;
    const count = min(this.size, this.points - this.nextPoint);
    const tag = this.tag();
    this.send(tx, [0x52, <u8>tag, <u8>first, <u8>count]);
    this.nextPoint += count;
    this.asked = READ;
    this.askedTag = tag;
    this.askedFirst = first;
    this.askedCount = count;
    return Status.OK;
  }

  frameLen(rx: Bytes): i32 {
    // On serial there is no length field: only line silence ends a frame (frameEnd).
    if (this.serial || rx.length == 0) return needMore();
    const len = <i32>rx.at(0);
    if (len == 0) return resync(1);
    return rx.length <= len ? needMore(1 + len) : 1 + len;
  }

  frameEnd(rx: Bytes): i32 {
    if (rx.at(0) == 0) return resync(1);
    if (rx.length < 2) return discard();
    return xor(rx, 0, rx.length - 1) == rx.at(rx.length - 1) ? rx.length : discard();
  }

  onFrame(frame: Bytes, nowUs: i64, out: Records): i32 {
    const b = this.body(frame);
    if (b === null) {
      return this.fail(Status.E_PROTO, this.serial ? "serial frame with a wrong XOR check" : "tcp frame whose length byte does not match");
    }
    const body: Bytes = b;
    const kind = body.at(0);
    if (kind == 0x45 && body.length >= 2) {
      const code = body.at(1);
      if (code == 0) out.writeNull(Records.DEVICE, Quality.GOOD);
      else {
        out.writeU64(Records.DEVICE, code, Quality.BAD_DEVICE);
        this.explain("device event " + code.toString());
      }
      if (this.asked != NONE) out.notAnswer();
      return Status.OK;
    }
    if (kind == 0x73 && this.asked == SETUP && body.length >= 2) {
      if (body.at(1) == 0) return this.fail(Status.E_PROTO, "setup answer with size 0");
      this.size = body.at(1);
      this.asked = NONE;
      return Status.OK;
    }
    if (kind == 0x72 && this.asked == READ && body.length >= 2) {
      if (<i32>body.at(1) != this.askedTag) {
        return this.fail(Status.E_PROTO, "answer tag " + body.at(1).toString() + ", outstanding request has tag " + this.askedTag.toString());
      }
      if (body.length < 2 + this.askedCount) return this.fail(Status.E_PROTO, "message of " + body.length.toString() + " bytes is short");
      for (let i = 0; i < this.askedCount; i++) out.writeU64(this.askedFirst + i, body.at(2 + i));
      this.asked = NONE;
      return Status.OK;
    }
    if ((kind == 0x77 || kind == 0x78) && this.asked == WRITE && body.length >= 4) {
      if (<i32>body.at(1) != this.askedTag || <i32>body.at(2) != this.askedPoint) {
        return this.fail(Status.E_PROTO, "write answer tag " + body.at(1).toString() + " point " + body.at(2).toString() +
          ", outstanding " + this.askedTag.toString() + " " + this.askedPoint.toString());
      }
      const quality = kind == 0x77 ? Quality.GOOD : Quality.BAD_DEVICE;
      if (kind == 0x78) this.explain("write of point " + this.askedPoint.toString() + " refused with code " + body.at(3).toString());
      // The SDK marks the records of a point written by weir_write itself; an adopted (observed)
      // write is marked here.
      out.writeU64(this.askedObserved ? Records.writeResult(this.askedPoint) : this.askedPoint, body.at(3), quality);
      this.asked = NONE;
      return Status.OK;
    }
    return this.fail(Status.E_PROTO, "message " + String.fromCharCode(kind) + " does not answer the outstanding request");
  }

  onTimeout(nowUs: i64, out: Records): i32 {
    const asked = this.asked;
    this.asked = NONE;
    if (asked == NONE) return this.fail(Status.E_ORDER, "no request outstanding");
    if (asked == SETUP) out.writeStr(Records.DEVICE, "no answer to the setup", Quality.BAD_COMM);
    else if (asked == READ) {
      for (let i = 0; i < this.askedCount; i++) out.writeNull(this.askedFirst + i, Quality.BAD_COMM);
    } else {
      out.writeNull(this.askedObserved ? Records.writeResult(this.askedPoint) : this.askedPoint, Quality.BAD_COMM);
    }
    return Status.OK;
  }

  write(point: i32, vtype: u8, value: i64, nowUs: i64, tx: Request): i32 {
    if (point >= this.points) return this.fail(Status.E_INVAL, "point " + point.toString() + " is not in the point map");
    if ((vtype != ValueType.U64 && vtype != ValueType.I64) || value < 0 || value > 255) {
      return this.fail(Status.E_INVAL, "abi11-probe writes 0..255");
    }
    const tag = this.tag();
    this.send(tx, [0x57, <u8>tag, <u8>point, <u8>value]);
    this.asked = WRITE;
    this.askedTag = tag;
    this.askedPoint = point;
    this.askedObserved = false;
    return Status.OK;
  }

  observe(request: Bytes): i32 {
    const b = this.body(request);
    if (b === null) return this.fail(Status.E_PROTO, "not a frame of abi11-probe");
    const body: Bytes = b;
    const kind = body.at(0);
    if (kind == 0x53 && body.length == 1) this.asked = SETUP;
    else if (kind == 0x52 && body.length == 4) {
      this.asked = READ;
      this.askedTag = body.at(1);
      this.askedFirst = body.at(2);
      this.askedCount = body.at(3);
    } else if (kind == 0x57 && body.length == 4) {
      this.asked = WRITE;
      this.askedTag = body.at(1);
      this.askedPoint = body.at(2);
      this.askedObserved = true;
    } else return this.fail(Status.E_UNSUPPORTED, "not a request of abi11-probe");
    return Status.OK;
  }

  correlationKey(frame: Bytes, request: bool): u32 {
    const b = this.body(frame);
    if (b === null) return 0;
    const body: Bytes = b;
    const tag: u32 = body.length > 1 ? body.at(1) : 0;
    const kind = body.at(0);
    if (kind == 0x53 || kind == 0x73) return 0x10000 | (0x73 << 8);
    if (kind == 0x52 || kind == 0x72) return 0x10000 | (0x72 << 8) | tag;
    if (kind == 0x57 || kind == 0x77 || kind == 0x78) return 0x10000 | (0x77 << 8) | tag;
    return 0;
  }

  saveState(state: Writer): i32 {
    state.u8(<u8>this.size);
    return Status.OK;
  }

  loadState(state: Bytes): i32 {
    if (state.length != 1) return this.fail(Status.E_SCHEMA, "schema 1 with " + state.length.toString() + " bytes; abi11-probe reads schema 1 with 1");
    this.size = state.at(0);
    return Status.OK;
  }
}

registerDriver((): Driver => new Abi11Probe());
