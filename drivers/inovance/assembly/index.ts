// inovance: Inovance PLCs (H3U, H5U, Easy, AM series) over Modbus TCP, with points named by the
// PLC's own soft elements (D100, M8, X17, QX3.2 …) and mapped to Modbus addresses by the tables
// of elements.ts. Grew out of sdk-assemblyscript/examples/modbus-lite. References:
//   [AP]   MODBUS Application Protocol Specification V1.1b3
//   [TCP]  MODBUS Messaging on TCP/IP Implementation Guide V1.0b

import {
  Bytes, ConfigLine, DeviceConfig, Driver, Manifest, Quality, Records, Request, Status, ValueType, WordOrder,
  Writer, decodeU16, decodeU32, encodeU16, encodeU32, needMore, parseWordOrder, registerDriver, resync,
} from "weir-driver-sdk/assembly";
import {
  FC_READ_COILS, FC_READ_DISCRETE, FC_READ_HOLDING, Resolved, Segment, Series, Type, alternatives, findSeries,
  resolve, seriesNames, typeName,
} from "./elements";

export * from "weir-driver-sdk/assembly/exports";

const FC_WRITE_COIL: u8 = 0x05; // [AP] §6.5
const FC_WRITE_REGISTER: u8 = 0x06; // [AP] §6.6
const FC_WRITE_COILS: u8 = 0x0f; // [AP] §6.11
const FC_WRITE_REGISTERS: u8 = 0x10; // [AP] §6.12
const EXCEPTION_BIT: u8 = 0x80; // [AP] §7: function code + 0x80
const MAX_READ_REGISTERS: i32 = 125; // [AP] §6.3: 1 to 125 registers
const MAX_READ_BITS: i32 = 2000; // [AP] §6.1, §6.2: 1 to 2000 coils or inputs
const MBAP_SIZE: i32 = 7; // [TCP] §3.1.3: transaction id, protocol id, length, unit id
// [TCP] §3.1.3: the length field counts the unit id and the PDU, which is at most 253 bytes
// ([AP] §4.1); the shortest PDU (a function code alone) makes 2.
const MIN_MBAP_LENGTH: i32 = 2;
const MAX_MBAP_LENGTH: i32 = 254;
/** The SDK's out region holds 2048 records: one read may serve at most that many points. */
const MAX_POINTS_PER_READ: i32 = 2048;
const STATE_SCHEMA: i32 = 1;

const ORDERS: string[] = ["ABCD", "CDAB", "BADC", "DCBA"];
const WRITES: string[] = ["single", "multiple"];
const DEVICE_KEYS: string[] = ["series", "unit", "max_registers", "max_bits", "max_gap", "timeout_ms", "writes"];
const POINT_KEYS: string[] = ["element", "type", "order", "scale", "offset"];
const VALUE_TYPE_NAMES: string[] = ["null", "bool", "i64", "u64", "f64", "str", "bytes"];

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

function areaName(fc: u8, plural: bool): string {
  const name = fc == FC_READ_COILS ? "coil" : fc == FC_READ_DISCRETE ? "discrete input" : "holding register";
  return plural ? name + "s" : name;
}

class Point {
  constructor(
    public index: i32,
    /** the canonical element name, for messages */
    public name: string,
    public segment: Segment,
    public address: i32,
    /** bits (1) or registers (1, 2) */
    public width: i32,
    /** bit inside a register, or -1 */
    public bit: i32,
    public type: Type,
    public order: WordOrder,
    public scaled: bool,
    public scale: f64,
    public offset: f64,
    /** why writes are refused, or "" */
    public readOnly: string,
  ) {}

  get fc(): u8 {
    return this.segment.fc;
  }
}

/** One request on the wire: a read of a range, or a write of one point. */
class Exchange {
  tid: u16 = 0;
  unit: u8 = 0;
  /** the points a read serves, in ascending point index */
  points: Point[] = [];
  /** the point a write writes, or null for a read */
  written: Point | null = null;
  /** FC5/FC6: the value field the response must echo; FC15/FC16: the quantity */
  echo: u16 = 0;

  constructor(
    public fc: u8,
    public segment: Segment,
    public start: i32,
    public count: i32,
  ) {}

  /** `D100-D102`, `X0-X17`, `D100`: the elements of a read's range. */
  elements(): string {
    const s = this.segment;
    const first = s.name(s.elementAt(this.start));
    const last = s.name(s.elementAt(this.start + this.count - 1));
    return first == last ? first : first + "-" + last;
  }

  describe(): string {
    const ids = "; transaction " + this.tid.toString() + ", unit " + this.unit.toString() + ")";
    const written = this.written;
    if (written !== null) {
      const single = this.fc == FC_WRITE_COIL || this.fc == FC_WRITE_REGISTER;
      const area = written.segment.isBit ? areaName(FC_READ_COILS, !single) : areaName(FC_READ_HOLDING, !single);
      return "FC" + this.fc.toString() + " write " + written.name + " (" + area + (single ? " " : " at ") +
        this.start.toString() + (single ? "" : ", quantity " + this.count.toString()) + ids;
    }
    return "FC" + this.fc.toString() + " read " + this.elements() + " (" + areaName(this.fc, true) + " at " +
      this.start.toString() + ", quantity " + this.count.toString() + ids;
  }
}

/** The value of `key`, one of `allowed`; absent gives `fallback`. Worded as the Modbus driver words it. */
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

function parsePoint(line: ConfigLine, series: Series): Point | null {
  const element = line.get("element");
  if (element === null) {
    line.fail("missing key \"element\" (an element such as D100, M8 or " + (series.name == "am" ? "QX0.0" : "X17") + ")");
    return null;
  }
  const r: Resolved = resolve(series, element, line.get("type"));
  const error = r.error;
  if (error !== null) {
    line.fail(error);
    return null;
  }
  const order = oneOf(line, "order", "byte order", ORDERS, "CDAB");
  if (r.type == Type.BOOL) {
    for (let k = 2; k < POINT_KEYS.length; k++) {
      if (line.has(POINT_KEYS[k])) {
        line.fail(POINT_KEYS[k] + " applies to register values; " + r.name + " is a bool");
        return null;
      }
    }
  }
  const scale = line.number("scale", 1.0);
  const offset = line.number("offset", 0.0);
  if (!isFinite(scale) || !isFinite(offset)) {
    line.fail("scale and offset must be finite numbers");
    return null;
  }
  if (line.has("scale") && scale == 0) {
    line.fail("scale=0 makes every value the offset (and a write impossible to invert)");
    return null;
  }
  return new Point(
    line.index, r.name, r.segment!, r.address, r.width, r.bit, r.type,
    <WordOrder>parseWordOrder(order.length > 0 ? order : "CDAB"),
    line.has("scale") || line.has("offset"), scale, offset, r.readOnly,
  );
}

function byAddress(a: Point, b: Point): i32 {
  if (a.fc != b.fc) return <i32>a.fc - <i32>b.fc;
  if (a.segment.base != b.segment.base) return a.segment.base - b.segment.base;
  if (a.address != b.address) return a.address - b.address;
  return a.index - b.index;
}

function byIndex(a: Point, b: Point): i32 {
  return a.index - b.index;
}

/**
 * Reads at open ([AP] §6.1-6.3): points of one segment (one row of the series' table) share a
 * request of at most `maxRegisters`/`maxBits` when the hole before a point is at most `maxGap`.
 * A request never spans two rows: the addresses between rows are no elements, and a PLC answers
 * a read of them with exception 2.
 */
function batch(points: Point[], maxRegisters: i32, maxBits: i32, maxGap: i32): Exchange[] {
  const sorted = points.slice(0);
  sorted.sort(byAddress);
  const reads: Exchange[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const p = sorted[i];
    const limit = p.segment.isBit ? maxBits : maxRegisters;
    if (reads.length > 0) {
      const last = reads[reads.length - 1];
      const end = last.start + last.count;
      if (last.segment == p.segment && p.address - end <= maxGap && p.address + p.width - last.start <= limit &&
        last.points.length < MAX_POINTS_PER_READ) {
        if (p.address + p.width > end) last.count = p.address + p.width - last.start;
        last.points.push(p);
        continue;
      }
    }
    const read = new Exchange(p.fc, p.segment, p.address, p.width);
    read.points.push(p);
    reads.push(read);
  }
  for (let r = 0; r < reads.length; r++) reads[r].points.sort(byIndex);
  return reads;
}

/** Half away from zero, as a PLC operator expects 2.5 → 3 and -2.5 → -3. */
function roundHalfAway(x: f64): f64 {
  return x < 0 ? -Math.floor(-x + 0.5) : Math.floor(x + 0.5);
}

class Inovance extends Driver {
  series: Series | null = null;
  unit: u8 = 1;
  timeoutMs: i32 = 0;
  multipleWrites: bool = false;
  points: Point[] = [];
  reads: Exchange[] = [];
  next: i32 = 0;
  nextTid: u16 = 1;
  outstanding: Exchange | null = null;

  describe(): Manifest {
    const m = new Manifest("inovance", "0.1.0", "modbus-tcp", "tcp");
    m.stateSchema = STATE_SCHEMA;
    return m;
  }

  open(config: DeviceConfig, nowUs: i64): i32 {
    const device = config.device;
    // Unknown keys first: a misspelt key must not be reported as a missing one.
    device.only(DEVICE_KEYS);
    for (let i = 0; i < config.points.length; i++) config.points[i].only(POINT_KEYS);
    const names = seriesNames();
    const seriesName = oneOf(device, "series", "series", names, null);
    this.unit = <u8>device.int("unit", 1, 0, 255);
    const maxRegisters = <i32>device.int("max_registers", MAX_READ_REGISTERS, 1, MAX_READ_REGISTERS);
    const maxBits = <i32>device.int("max_bits", MAX_READ_BITS, 1, MAX_READ_BITS);
    const maxGap = <i32>device.int("max_gap", 0, 0, 2000);
    this.timeoutMs = <i32>device.int("timeout_ms", 0, 0, 3600000);
    this.multipleWrites = oneOf(device, "writes", "writes", WRITES, "single") == "multiple";
    let error = config.error;
    if (error !== null) return this.fail(Status.E_CONFIG, error);
    const series = findSeries(seriesName)!;
    this.series = series;
    for (let i = 0; i < config.points.length; i++) {
      const p = parsePoint(config.points[i], series);
      if (p === null) break;
      this.points.push(p);
    }
    error = config.error;
    if (error !== null) return this.fail(Status.E_CONFIG, error);
    this.reads = batch(this.points, maxRegisters, maxBits, maxGap);
    return Status.OK;
  }

  /** [TCP] §3.1.3 MBAP header: transaction id, protocol id 0, length (unit + PDU), unit id. */
  private begin(tx: Request, exchange: Exchange, pduLength: i32): void {
    exchange.tid = this.nextTid++;
    exchange.unit = this.unit;
    tx.u16be(exchange.tid).u16be(0).u16be(<u16>(pduLength + 1)).u8(exchange.unit);
    tx.timeoutMs = this.timeoutMs;
    this.outstanding = exchange;
  }

  poll(nowUs: i64, tx: Request): i32 {
    if (this.next >= this.reads.length) {
      this.next = 0; // ABI §7.1: an empty request ends the cycle; the next call starts the next one
      return Status.OK;
    }
    const read = this.reads[this.next++];
    // [AP] §6.1-6.3: function code, starting address, quantity.
    this.begin(tx, read, 5);
    tx.u8(read.fc).u16be(<u16>read.start).u16be(<u16>read.count);
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

  /** ABI §7.12: (transaction id << 16) | (unit id << 8) | function code without the exception bit. */
  correlationKey(frame: Bytes, request: bool): u32 {
    if (frame.length < MBAP_SIZE + 1) return 0;
    return (<u32>frame.u16be(0) << 16) | (<u32>frame.at(6) << 8) | <u32>(frame.at(7) & 0x7f);
  }

  onFrame(frame: Bytes, nowUs: i64, out: Records): i32 {
    const ex = this.outstanding;
    if (ex === null) return this.fail(Status.E_ORDER, "a response arrived but no request is outstanding");
    if (frame.length < MBAP_SIZE + 2) {
      return this.fail(Status.E_PROTO, "response of " + frame.length.toString() +
        " bytes is shorter than an MBAP header, a function code and one byte");
    }
    // [TCP] §3.1.3: the transaction id pairs a response with its request; another id is a late
    // or stray answer, and the request stays outstanding (ABI §7.3).
    const tid = frame.u16be(0);
    if (tid != ex.tid) {
      return this.fail(Status.E_PROTO, "transaction id " + tid.toString() +
        " does not match the outstanding request's " + ex.tid.toString());
    }
    if (frame.u16be(2) != 0 || <i32>frame.u16be(4) != frame.length - 6) {
      return this.fail(Status.E_PROTO, "malformed MBAP header: protocol id " + frame.u16be(2).toString() +
        ", length " + frame.u16be(4).toString() + " for a " + frame.length.toString() + "-byte frame");
    }
    const unit = frame.at(6);
    if (unit != ex.unit) {
      return this.fail(Status.E_PROTO, "unit id " + unit.toString() + " does not match the outstanding request's unit " +
        ex.unit.toString());
    }
    const fc = frame.at(7);
    if (fc == (ex.fc | EXCEPTION_BIT)) {
      // [AP] §7: the function code with its top bit set, then one exception code.
      if (frame.length != MBAP_SIZE + 2) {
        return this.fail(Status.E_PROTO, "exception response to FC" + ex.fc.toString() + " has " +
          (frame.length - MBAP_SIZE).toString() + " bytes of PDU, expected 2");
      }
      const code = frame.at(8);
      this.outstanding = null;
      const written = ex.written;
      if (written !== null) out.writeU64(written.index, code, Quality.BAD_DEVICE);
      else for (let i = 0; i < ex.points.length; i++) out.writeU64(ex.points[i].index, code, Quality.BAD_DEVICE);
      this.explain("exception " + code.toString() + " (" + exceptionName(code) + ") to " + ex.describe());
      return Status.OK;
    }
    if (fc != ex.fc) {
      return this.fail(Status.E_PROTO, "function code " + fc.toString() + " does not answer " + ex.describe());
    }
    const written = ex.written;
    if (written !== null) return this.writeResponse(frame, ex, written, out);
    // [AP] §6.1-6.3: byte count = ⌈N bits / 8⌉ or 2 × N registers, then the data.
    const expected = ex.segment.isBit ? (ex.count + 7) >> 3 : 2 * ex.count;
    const byteCount = <i32>frame.at(8);
    if (byteCount != expected || frame.length != MBAP_SIZE + 2 + byteCount) {
      return this.fail(Status.E_PROTO, "byte count " + byteCount.toString() + " in a " + frame.length.toString() +
        "-byte frame does not answer " + ex.describe() + " (expected " + expected.toString() + ")");
    }
    this.outstanding = null;
    const data = MBAP_SIZE + 2;
    for (let i = 0; i < ex.points.length; i++) {
      const p = ex.points[i];
      const offset = p.address - ex.start;
      if (ex.segment.isBit) {
        // [AP] §6.1: the first bit is the least significant bit of the first data byte.
        out.writeBool(p.index, ((frame.at(data + (offset >> 3)) >> <u8>(offset & 7)) & 1) != 0);
      } else {
        this.record(out, p, frame, data + 2 * offset);
      }
    }
    return Status.OK;
  }

  /** The point's value from its registers at `at` in `frame` (each register big-endian, [AP] §4.2). */
  private record(out: Records, p: Point, frame: Bytes, at: i32): void {
    if (p.type == Type.BOOL) {
      out.writeBool(p.index, ((frame.u16be(at) >> <u16>p.bit) & 1) != 0);
      return;
    }
    let value: f64;
    let integer: i64 = 0;
    switch (p.type) {
      case Type.U16: integer = <i64>decodeU16(frame, at, p.order); break;
      case Type.I16: integer = <i64><i16>decodeU16(frame, at, p.order); break;
      case Type.U32: integer = <i64>decodeU32(frame, at, p.order); break;
      case Type.I32: integer = <i64><i32>decodeU32(frame, at, p.order); break;
      default: break;
    }
    if (p.type == Type.F32) value = <f64>reinterpret<f32>(decodeU32(frame, at, p.order));
    else value = <f64>integer;
    if (p.scaled) out.writeF64(p.index, value * p.scale + p.offset);
    else if (p.type == Type.F32) out.writeF64(p.index, value);
    else if (p.type == Type.I16 || p.type == Type.I32) out.writeI64(p.index, integer);
    else out.writeU64(p.index, <u64>integer);
  }

  /**
   * [AP] §6.5/§6.6: the normal response to FC5/FC6 echoes the request; §6.11/§6.12: FC15/FC16
   * answer with the starting address and the quantity written.
   */
  private writeResponse(frame: Bytes, ex: Exchange, p: Point, out: Records): i32 {
    if (frame.length != MBAP_SIZE + 5 || <i32>frame.u16be(8) != ex.start || frame.u16be(10) != ex.echo) {
      return this.fail(Status.E_PROTO, "response " + hex(frame, MBAP_SIZE, frame.length) + " does not echo " +
        ex.describe() + " (expected " + expectedEcho(ex) + ")");
    }
    this.outstanding = null;
    // ABI §6.3: a good write result carries the value the device confirmed; FC15/FC16 confirm
    // none. The SDK marks these records WRITE_RESULT (v1.1) or drops them (v1.0: no record = done).
    if (ex.fc == FC_WRITE_COIL) out.writeBool(p.index, ex.echo == 0xff00);
    else if (ex.fc == FC_WRITE_REGISTER) this.record(out, p, frame, 10);
    else out.writeNull(p.index, Quality.GOOD);
    return Status.OK;
  }

  onTimeout(nowUs: i64, out: Records): i32 {
    const ex = this.outstanding;
    if (ex === null) return this.fail(Status.E_ORDER, "a timeout but no request is outstanding");
    this.outstanding = null;
    const written = ex.written;
    if (written !== null) out.writeNull(written.index, Quality.BAD_COMM);
    else for (let i = 0; i < ex.points.length; i++) out.writeNull(ex.points[i].index, Quality.BAD_COMM);
    this.explain("no response to " + ex.describe());
    return Status.OK;
  }

  write(point: i32, vtype: u8, value: i64, nowUs: i64, tx: Request): i32 {
    if (point >= this.points.length) {
      return this.fail(Status.E_INVAL, "point " + point.toString() + " is not in the point map (" +
        this.points.length.toString() + " points)");
    }
    const p = this.points[point];
    if (p.readOnly.length > 0) {
      return this.fail(Status.E_UNSUPPORTED, "point " + point.toString() + " (" + p.name + ") is read-only: " + p.readOnly);
    }
    const label = "point " + point.toString() + " (" + p.name + ", type " + typeName(p.type) + ")";
    if (p.type == Type.BOOL) {
      let on = false;
      if (vtype == ValueType.BOOL) on = value != 0;
      else if ((vtype == ValueType.I64 || vtype == ValueType.U64) && (value == 0 || value == 1)) on = value == 1;
      else return this.fail(Status.E_INVAL, label + " takes a bool, got " + describeValue(vtype, value));
      const ex = new Exchange(this.multipleWrites ? FC_WRITE_COILS : FC_WRITE_COIL, p.segment, p.address, 1);
      ex.written = p;
      if (this.multipleWrites) {
        // [AP] §6.11: address, quantity 1, byte count 1, the bit in the LSB.
        ex.echo = 1;
        this.begin(tx, ex, 7);
        tx.u8(ex.fc).u16be(<u16>p.address).u16be(1).u8(1).u8(on ? 1 : 0);
      } else {
        // [AP] §6.5: 0xFF00 requests ON, 0x0000 OFF.
        ex.echo = on ? 0xff00 : 0;
        this.begin(tx, ex, 5);
        tx.u8(ex.fc).u16be(<u16>p.address).u16be(ex.echo);
      }
      return Status.OK;
    }
    const raw = this.rawValue(p, label, vtype, value);
    if (raw.failed) return Status.E_INVAL;
    const words = new Writer(memory.data(4), 4);
    if (p.width == 1) encodeU16(words, <u16>raw.bits, p.order);
    else encodeU32(words, <u32>raw.bits, p.order);
    const view = words.view();
    const single = p.width == 1 && !this.multipleWrites;
    const ex = new Exchange(single ? FC_WRITE_REGISTER : FC_WRITE_REGISTERS, p.segment, p.address, p.width);
    ex.written = p;
    if (single) {
      // [AP] §6.6: address, the register value.
      ex.echo = view.u16be(0);
      this.begin(tx, ex, 5);
      tx.u8(ex.fc).u16be(<u16>p.address).bytes(view);
    } else {
      // [AP] §6.12: address, quantity, byte count, the registers.
      ex.echo = <u16>p.width;
      this.begin(tx, ex, 6 + 2 * p.width);
      tx.u8(ex.fc).u16be(<u16>p.address).u16be(<u16>p.width).u8(<u8>(2 * p.width)).bytes(view);
    }
    return Status.OK;
  }

  /** The register bits of a write of `value` to `p`, with scale/offset inverted; or failed. */
  private rawValue(p: Point, label: string, vtype: u8, value: i64): RawValue {
    const result = new RawValue();
    const integerType = p.type != Type.F32;
    let min: f64 = 0;
    let max: f64 = 0;
    let range = "";
    switch (p.type) {
      case Type.U16: max = 65535; range = "0..65535"; break;
      case Type.I16: min = -32768; max = 32767; range = "-32768..32767"; break;
      case Type.U32: max = 4294967295; range = "0..4294967295"; break;
      case Type.I32: min = -2147483648; max = 2147483647; range = "-2147483648..2147483647"; break;
      default: min = -f32.MAX_VALUE; max = f32.MAX_VALUE; range = "largest finite f32 ±3.4028234663852886e+38"; break;
    }
    let number: f64;
    if (vtype == ValueType.F64) number = reinterpret<f64>(value);
    else if (vtype == ValueType.I64) number = <f64>value;
    else if (vtype == ValueType.U64) number = <f64><u64>value;
    else if (vtype == ValueType.BOOL) number = value != 0 ? 1 : 0;
    else {
      this.fail(Status.E_INVAL, label + " takes a number, got " + describeValue(vtype, value));
      result.failed = true;
      return result;
    }
    // An integer that needs no scaling is checked exactly, not through a double.
    if (integerType && !p.scaled && (vtype == ValueType.I64 || vtype == ValueType.U64)) {
      const negative = vtype == ValueType.I64 && value < 0;
      const big = vtype == ValueType.U64 && <u64>value > <u64>4294967295;
      if (big || (negative && value < <i64>min) || (!negative && !big && value > <i64>max)) {
        this.fail(Status.E_INVAL, label + ": value " + describeNumber(vtype, value) + " is outside the range of " +
          typeName(p.type) + " (" + range + ")");
        result.failed = true;
        return result;
      }
      result.bits = <u32><i32>value;
      return result;
    }
    const raw = p.scaled ? (number - p.offset) / p.scale : number;
    if (!isFinite(raw)) {
      this.fail(Status.E_INVAL, label + ": value " + number.toString() + " is not finite");
      result.failed = true;
      return result;
    }
    const r = integerType ? roundHalfAway(raw) : raw;
    if (r < min || r > max) {
      this.fail(Status.E_INVAL, label + ": value " + number.toString() + (p.scaled ? " (raw " + r.toString() + ")" : "") +
        " is outside the range of " + typeName(p.type) + " (" + range + ")");
      result.failed = true;
      return result;
    }
    if (p.type == Type.F32) result.bits = reinterpret<u32>(<f32>r);
    else if (p.type == Type.U32) result.bits = <u32>(<u64>r);
    else result.bits = <u32><i32>(<i64>r);
    return result;
  }

  saveState(state: Writer): i32 {
    state.u16le(this.nextTid);
    return Status.OK;
  }

  loadState(state: Bytes): i32 {
    if (state.length != 2) {
      return this.fail(Status.E_SCHEMA, "state payload of " + state.length.toString() +
        " bytes after the schema; this driver reads schema 1 with 2 (the next transaction id)");
    }
    this.nextTid = state.u16le(0);
    return Status.OK;
  }
}

class RawValue {
  bits: u32 = 0;
  failed: bool = false;
}

function describeNumber(vtype: u8, value: i64): string {
  return vtype == ValueType.U64 ? (<u64>value).toString() : value.toString();
}

/** `bool true`, `f64 1.5`, `str` … for messages about a write's value. */
function describeValue(vtype: u8, value: i64): string {
  if (vtype >= <u8>VALUE_TYPE_NAMES.length) return "value type " + vtype.toString();
  const name = VALUE_TYPE_NAMES[vtype];
  if (vtype == ValueType.BOOL) return name + " " + (value != 0 ? "true" : "false");
  if (vtype == ValueType.I64 || vtype == ValueType.U64) return name + " " + describeNumber(vtype, value);
  if (vtype == ValueType.F64) return name + " " + reinterpret<f64>(value).toString();
  return name;
}

function expectedEcho(ex: Exchange): string {
  let s = hex2(ex.fc) + hex2(<u8>(ex.start >> 8)) + hex2(<u8>ex.start);
  s += hex2(<u8>(ex.echo >> 8)) + hex2(<u8>ex.echo);
  return s;
}

function hex2(b: u8): string {
  const digits = "0123456789abcdef";
  return digits.charAt(b >> 4) + digits.charAt(b & 15);
}

function hex(frame: Bytes, from: i32, to: i32): string {
  let s = "";
  for (let i = from; i < to; i++) s += hex2(frame.at(i));
  return s;
}

registerDriver((): Driver => new Inovance());
