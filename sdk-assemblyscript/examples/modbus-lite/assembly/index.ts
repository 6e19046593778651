// modbus-lite: a Modbus TCP driver written with the Weir AssemblyScript SDK. It reads holding
// (FC3) and input (FC4) registers as u16/i16 points, batching adjacent registers, and replays
// recorded FC3/FC4 exchanges in discovery mode. References:
//   [AP]   MODBUS Application Protocol Specification V1.1b3
//   [TCP]  MODBUS Messaging on TCP/IP Implementation Guide V1.0b

import {
  Bytes, ConfigLine, DeviceConfig, Driver, Manifest, Quality, Records, Request, Status, WordOrder,
  decodeU16, needMore, parseWordOrder, registerDriver, resync,
} from "weir-driver-sdk/assembly";

export * from "weir-driver-sdk/assembly/exports";

const FC_READ_HOLDING: u8 = 0x03; // [AP] §6.3
const FC_READ_INPUT: u8 = 0x04; // [AP] §6.4
const EXCEPTION_BIT: u8 = 0x80; // [AP] §7: function code + 0x80
const MAX_READ_REGISTERS: i32 = 125; // [AP] §6.3: quantity of registers 1 to 125 (0x7D)
const MBAP_SIZE: i32 = 7; // [TCP] §3.1.3: transaction id, protocol id, length, unit id
// [TCP] §3.1.3: the length field counts the unit id and the PDU; a PDU is at most 253 bytes
// ([AP] §4.1), and the shortest (an FC with no data) makes 2.
const MIN_MBAP_LENGTH: i32 = 2;
const MAX_MBAP_LENGTH: i32 = 254;

const AREAS: string[] = ["holding", "input"];
const TYPES: string[] = ["u16", "i16"];
const ORDERS: string[] = ["ABCD", "CDAB", "BADC", "DCBA"];
// The device keys of the Rust modbus driver (drivers/modbus), so its register configs run here.
// max_bits is accepted for that reason only: modbus-lite reads no coils or discrete inputs.
const DEVICE_KEYS: string[] = ["unit", "max_registers", "max_bits", "max_gap", "timeout_ms"];
const POINT_KEYS: string[] = ["area", "address", "type", "order", "scale", "offset"];

/** [AP] §7 exception codes. */
function exceptionName(code: u8): string {
  switch (code) {
    case 0x01: return "illegal function";
    case 0x02: return "illegal data address";
    case 0x03: return "illegal data value";
    case 0x04: return "server device failure";
    case 0x05: return "acknowledge";
    case 0x06: return "server device busy";
    case 0x08: return "memory parity error";
    case 0x0a: return "gateway path unavailable";
    case 0x0b: return "gateway target device failed to respond";
  }
  return "unknown exception";
}

/** ABI §6.2 names in discovery mode: `holding/<address>`, `input/<address>` (the PDU's 0-based address). */
function areaPrefix(fc: u8): string {
  return fc == FC_READ_HOLDING ? "holding/" : "input/";
}

class Point {
  constructor(
    public index: i32,
    public fc: u8,
    public address: i32,
    public signed: bool,
    public order: WordOrder,
    public scaled: bool,
    public scale: f64,
    public offset: f64,
  ) {}
}

/** One read request: the registers [start, start+count) of one area, and the points in them. */
class Read {
  tid: u16 = 0;
  unit: u8 = 0;
  points: Point[] = [];

  constructor(
    public fc: u8,
    public start: i32,
    public count: i32,
  ) {}

  /** Worded as the Rust modbus driver words it, so both drivers' errors read alike. */
  describe(): string {
    return "FC" + this.fc.toString() + " read " + (this.fc == FC_READ_HOLDING ? "holding" : "input") +
      " registers at " + this.start.toString() + ", quantity " + this.count.toString() + " (transaction " +
      this.tid.toString() + ", unit " + this.unit.toString() + ")";
  }
}

/** "a, b or c", as the Rust modbus driver lists allowed values. */
function alternatives(allowed: string[]): string {
  if (allowed.length == 1) return allowed[0];
  return allowed.slice(0, allowed.length - 1).join(", ") + " or " + allowed[allowed.length - 1];
}

/**
 * The value of `key`, one of `allowed`; absent gives `fallback` (an error if null). Worded as the
 * Rust modbus driver words it (`unknown byte order "ACBD" (expected ABCD, CDAB, BADC or DCBA)`),
 * so both drivers' errors read alike.
 */
function oneOf(line: ConfigLine, key: string, what: string, allowed: string[], fallback: string | null): string {
  const v = line.get(key);
  if (v === null) {
    if (fallback !== null) return fallback;
    line.fail("missing key \"" + key + "\" (expected " + alternatives(allowed) + ")");
    return "";
  }
  if (!allowed.includes(v)) {
    line.fail("unknown " + what + " \"" + v + "\" (expected " + alternatives(allowed) + ")");
    return "";
  }
  return v;
}

function parsePoint(line: ConfigLine): Point {
  const area = oneOf(line, "area", "area", AREAS, null);
  const address = <i32>line.requireInt("address", 0, 65535);
  const type = oneOf(line, "type", "type", TYPES, "u16");
  const order = oneOf(line, "order", "byte order", ORDERS, "ABCD");
  const scale = line.number("scale", 1.0);
  const offset = line.number("offset", 0.0);
  return new Point(
    line.index,
    area == "input" ? FC_READ_INPUT : FC_READ_HOLDING,
    address,
    type == "i16",
    <WordOrder>parseWordOrder(order.length > 0 ? order : "ABCD"),
    line.has("scale") || line.has("offset"),
    scale,
    offset,
  );
}

/**
 * [AP] §6.3/§6.4: registers of one area share a request of at most `maxRegisters` (≤ 125) when
 * the hole between them is at most `maxGap` registers (read and discarded). Records of a request
 * come in ascending point index.
 */
function batch(points: Point[], maxRegisters: i32, maxGap: i32): Read[] {
  const sorted = points.slice(0);
  sorted.sort((a: Point, b: Point): i32 => a.fc != b.fc ? <i32>a.fc - <i32>b.fc : a.address - b.address);
  const reads: Read[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const p = sorted[i];
    if (reads.length > 0) {
      const last = reads[reads.length - 1];
      const end = last.start + last.count; // one past the last register read
      if (p.fc == last.fc && p.address - end <= maxGap && p.address - last.start < maxRegisters) {
        if (p.address >= end) last.count = p.address - last.start + 1;
        last.points.push(p);
        continue;
      }
    }
    const read = new Read(p.fc, p.address, 1);
    read.points.push(p);
    reads.push(read);
  }
  for (let r = 0; r < reads.length; r++) reads[r].points.sort((a: Point, b: Point): i32 => a.index - b.index);
  return reads;
}

class ModbusLite extends Driver {
  unit: u8 = 1;
  timeoutMs: i32 = 0;
  discovery: bool = true;
  reads: Read[] = [];
  next: i32 = 0;
  nextTid: u16 = 1;
  outstanding: Read | null = null;

  describe(): Manifest {
    return new Manifest("modbus-lite", "0.1.0", "modbus-tcp", "tcp");
  }

  open(config: DeviceConfig, nowUs: i64): i32 {
    const device = config.device;
    // Unknown keys of every line first, as the Rust modbus driver does: a misspelt key must not
    // be reported as a missing one or hide behind another line's value error.
    device.only(DEVICE_KEYS);
    for (let i = 0; i < config.points.length; i++) config.points[i].only(POINT_KEYS);
    this.unit = <u8>device.int("unit", 1, 0, 255);
    const maxRegisters = <i32>device.int("max_registers", MAX_READ_REGISTERS, 1, MAX_READ_REGISTERS);
    const maxGap = <i32>device.int("max_gap", 0, 0, 2000);
    this.timeoutMs = <i32>device.int("timeout_ms", 0, 0, 3600000);
    device.int("max_bits", 2000, 1, 2000);
    const points: Point[] = [];
    for (let i = 0; i < config.points.length; i++) points.push(parsePoint(config.points[i]));
    const error = config.error;
    if (error !== null) return this.fail(Status.E_CONFIG, error);
    this.discovery = config.discovery;
    this.reads = batch(points, maxRegisters, maxGap);
    return Status.OK;
  }

  poll(nowUs: i64, tx: Request): i32 {
    if (this.next >= this.reads.length) {
      this.next = 0; // ABI §7.1: an empty request ends the cycle; the next tick starts over
      return Status.OK;
    }
    const read = this.reads[this.next++];
    read.tid = this.nextTid++;
    read.unit = this.unit;
    // [TCP] §3.1.3 MBAP: transaction id, protocol id 0, length (unit + 5-byte PDU), unit id;
    // [AP] §6.3/§6.4 PDU: function code, starting address, quantity of registers.
    tx.u16be(read.tid).u16be(0).u16be(6).u8(read.unit);
    tx.u8(read.fc).u16be(<u16>read.start).u16be(<u16>read.count);
    tx.timeoutMs = this.timeoutMs;
    this.outstanding = read;
    return Status.OK;
  }

  frameLen(rx: Bytes): i32 {
    const n = rx.length;
    // [TCP] §3.1.3: the protocol identifier is 0 for Modbus; anything else is not a frame start.
    if (n >= 3 && rx.at(2) != 0) return resync(1);
    if (n >= 4 && rx.at(3) != 0) return resync(1);
    if (n < 6) return needMore(0);
    const length = <i32>rx.u16be(4);
    if (length < MIN_MBAP_LENGTH || length > MAX_MBAP_LENGTH) return resync(1);
    const total = 6 + length;
    return n < total ? needMore(total) : total;
  }

  observe(request: Bytes): i32 {
    if (request.length < MBAP_SIZE + 1) {
      return this.fail(Status.E_PROTO, "request of " + request.length.toString() +
        " bytes is shorter than an MBAP header and a function code");
    }
    if (request.u16be(2) != 0) {
      return this.fail(Status.E_PROTO, "protocol identifier " + request.u16be(2).toString() + " is not 0 (Modbus)");
    }
    const fc = request.at(7);
    if (fc != FC_READ_HOLDING && fc != FC_READ_INPUT) {
      return this.fail(Status.E_UNSUPPORTED,
        "function code " + fc.toString() + " is not read by modbus-lite (FC3, FC4 only)");
    }
    if (request.length != MBAP_SIZE + 5 || <i32>request.u16be(4) != request.length - 6) {
      return this.fail(Status.E_PROTO, "FC" + fc.toString() + " request of " + request.length.toString() +
        " bytes with MBAP length " + request.u16be(4).toString() + " (a read request is 12 bytes, length 6)");
    }
    // A recorded request is adopted even with a quantity outside 1..125: the device's answer
    // (usually exception 3, illegal data value) is what the replay must show.
    const read = new Read(fc, <i32>request.u16be(8), <i32>request.u16be(10));
    read.tid = request.u16be(0);
    read.unit = request.at(6);
    for (let r = 0; r < this.reads.length; r++) {
      const points = this.reads[r].points;
      for (let i = 0; i < points.length; i++) {
        const p = points[i];
        if (p.fc == fc && p.address >= read.start && p.address < read.start + read.count) read.points.push(p);
      }
    }
    read.points.sort((a: Point, b: Point): i32 => a.index - b.index);
    this.outstanding = read;
    return Status.OK;
  }

  onFrame(frame: Bytes, nowUs: i64, out: Records): i32 {
    const read = this.outstanding;
    if (read === null) return this.fail(Status.E_ORDER, "response with no outstanding request");
    if (frame.length < MBAP_SIZE + 2) {
      return this.fail(Status.E_PROTO, "response of " + frame.length.toString() +
        " bytes is shorter than an MBAP header, function code and one byte");
    }
    const tid = frame.u16be(0);
    if (tid != read.tid) {
      return this.fail(Status.E_PROTO, "transaction id " + tid.toString() +
        " does not match the outstanding request's " + read.tid.toString());
    }
    if (frame.u16be(2) != 0 || <i32>frame.u16be(4) != frame.length - 6) {
      return this.fail(Status.E_PROTO, "malformed MBAP header: protocol id " + frame.u16be(2).toString() +
        ", length " + frame.u16be(4).toString() + " for a " + frame.length.toString() + "-byte frame");
    }
    const unit = frame.at(6);
    if (unit != read.unit) {
      return this.fail(Status.E_PROTO, "unit " + unit.toString() + " does not match the request's unit " +
        read.unit.toString());
    }
    const fc = frame.at(7);
    if (fc == (read.fc | EXCEPTION_BIT)) {
      if (frame.length != MBAP_SIZE + 2) {
        return this.fail(Status.E_PROTO, "exception response of " + frame.length.toString() + " bytes (expected 9)");
      }
      const code = frame.at(8);
      this.outstanding = null;
      if (this.discovery) {
        out.writeU64(out.indexedName(areaPrefix(read.fc), read.start), code, Quality.BAD_DEVICE);
      } else {
        for (let i = 0; i < read.points.length; i++) out.writeU64(read.points[i].index, code, Quality.BAD_DEVICE);
      }
      this.explain("exception " + code.toString() + " (" + exceptionName(code) + ") to " + read.describe());
      return Status.OK;
    }
    if (fc != read.fc) {
      return this.fail(Status.E_PROTO, "function code " + fc.toString() + " does not answer " + read.describe());
    }
    const byteCount = <i32>frame.at(8);
    if (byteCount != 2 * read.count || frame.length != MBAP_SIZE + 2 + byteCount) {
      return this.fail(Status.E_PROTO, "byte count " + byteCount.toString() + " in a " + frame.length.toString() +
        "-byte frame does not answer " + read.describe() + " (expected " + (2 * read.count).toString() + ")");
    }
    this.outstanding = null;
    const data = MBAP_SIZE + 2; // first register value ([AP] §6.3: byte count, then 2 bytes each)
    if (this.discovery) {
      const prefix = areaPrefix(read.fc);
      for (let i = 0; i < read.count; i++) {
        out.writeU64(out.indexedName(prefix, read.start + i), frame.u16be(data + 2 * i));
      }
      return Status.OK;
    }
    for (let i = 0; i < read.points.length; i++) {
      const p = read.points[i];
      const raw = decodeU16(frame, data + 2 * (p.address - read.start), p.order);
      const value: i64 = p.signed ? <i64><i16>raw : <i64>raw;
      if (p.scaled) out.writeF64(p.index, <f64>value * p.scale + p.offset);
      else if (p.signed) out.writeI64(p.index, value);
      else out.writeU64(p.index, <u64>value);
    }
    return Status.OK;
  }

  onTimeout(nowUs: i64, out: Records): i32 {
    const read = this.outstanding;
    if (read === null) return this.fail(Status.E_ORDER, "timeout with no outstanding request");
    this.outstanding = null;
    if (this.discovery) {
      const prefix = areaPrefix(read.fc);
      for (let i = 0; i < read.count; i++) out.writeNull(out.indexedName(prefix, read.start + i), Quality.BAD_COMM);
    } else {
      for (let i = 0; i < read.points.length; i++) out.writeNull(read.points[i].index, Quality.BAD_COMM);
    }
    this.explain("no response to " + read.describe());
    return Status.OK;
  }
}

registerDriver((): Driver => new ModbusLite());
