// Inovance soft elements (D100, M8, X17, QX3.2 …) and the Modbus addresses they are served at.
// Every table below follows a published table; the README names each source with its document,
// page and table, and says where two sources disagree.
//
//   [H3U]  Inovance, H3U Series PLC Programming Manual, §9.8.3 "Soft Element Access Addresses
//          When the H3U PLC Serves as a Slave Station", printed page 654: coil addressing table
//   [HSL]  HslCommunication, Profinet/Inovance/InovanceHelper.cs (PraseInovanceH3UAddress,
//          PraseInovanceH5UAddress, PraseInovanceAMAddress) and the address tables of
//          InovanceSerial.cs: the H3U register table, and the H5U/AM bases
//   [NEU]  EMQX Neuron documentation, "Inovance Modbus TCP" (modbus-hc-tcp.md): the table of
//          small PLCs (Easy series, H5U) and of medium PLCs (AM series, AC series)

/** Function code that reads an area: Modbus AP v1.1b §6.1 (coils), §6.2 (discrete), §6.3 (holding). */
export const FC_READ_COILS: u8 = 0x01;
export const FC_READ_DISCRETE: u8 = 0x02;
export const FC_READ_HOLDING: u8 = 0x03;

/** How a segment numbers its elements. */
export enum Numbering {
  /** M100, D100: decimal element numbers */
  DECIMAL = 0,
  /** X17, Y377: octal element numbers, as Inovance (like the FX family) writes inputs and outputs */
  OCTAL = 1,
  /** QX3.2, IX0.7: byte.bit, the IEC addressing of the AM series; the element is byte × 8 + bit */
  BYTE_BIT = 2,
}

/** One row of a series' table: a run of elements served at consecutive Modbus addresses. */
export class Segment {
  constructor(
    /** the element letters: M, SM, D, QX … */
    public prefix: string,
    /** the read function code: FC_READ_COILS, FC_READ_DISCRETE or FC_READ_HOLDING */
    public fc: u8,
    /** the first and last element number of the row (8000 and 8511 for M8000-M8511) */
    public first: i32,
    public last: i32,
    /** the Modbus address of the first element */
    public base: i32,
    public numbering: Numbering,
    /** registers per element: 1, or 2 for the H3U's 32-bit counters C200-C255 */
    public registers: i32,
    /** a 32-bit value may span two consecutive elements (D100 and D101); false for T, C */
    public pairs: bool,
    /** the driver refuses writes: inputs (X, IX) */
    public readOnly: bool,
  ) {}

  /** The Modbus address of element `n` (first ≤ n ≤ last). */
  address(n: i32): i32 {
    return this.base + (n - this.first) * this.registers;
  }

  /** The element at Modbus address `a`, which lies in this segment. */
  elementAt(a: i32): i32 {
    return this.first + (a - this.base) / this.registers;
  }

  /** One past the segment's last Modbus address. */
  get end(): i32 {
    return this.address(this.last) + this.registers;
  }

  get isBit(): bool {
    return this.fc != FC_READ_HOLDING;
  }

  /** `X17`, `QX3.2`, `D100`: element `n` as Inovance writes it. */
  name(n: i32): string {
    return this.prefix + number(n, this.numbering);
  }

  /** `M0-M7679`, `X0-X377`, `QX0.0-QX8191.7`. */
  range(): string {
    return this.name(this.first) + "-" + this.name(this.last);
  }
}

function number(n: i32, numbering: Numbering): string {
  if (numbering == Numbering.OCTAL) return n.toString(8);
  if (numbering == Numbering.BYTE_BIT) return (n >> 3).toString() + "." + (n & 7).toString();
  return n.toString();
}

/** A PLC series: its name in the config (`series=h3u`) and its table. */
export class Series {
  constructor(
    public name: string,
    public segments: Segment[],
  ) {}

  /** The element letters this series knows, in table order: "M, SM, S, …". */
  prefixes(): string {
    const seen: string[] = [];
    for (let i = 0; i < this.segments.length; i++) {
      const p = this.segments[i].prefix;
      if (!seen.includes(p)) seen.push(p);
    }
    if (this.name == "am") {
      // Views onto MW that this driver resolves itself (see resolveAm).
      seen.push("MD");
      seen.push("MX");
    }
    return seen.join(", ");
  }

  /** The segment of `fc` that holds Modbus address `a`, or null. */
  segmentAt(fc: u8, a: i32): Segment | null {
    for (let i = 0; i < this.segments.length; i++) {
      const s = this.segments[i];
      if (s.fc == fc && a >= s.base && a < s.end) return s;
    }
    return null;
  }
}

const D: Numbering = Numbering.DECIMAL;
const O: Numbering = Numbering.OCTAL;
const BB: Numbering = Numbering.BYTE_BIT;
const COIL: u8 = FC_READ_COILS;
const DISC: u8 = FC_READ_DISCRETE;
const HOLD: u8 = FC_READ_HOLDING;

// [H3U] coil addressing table (variable, head address, number of coils), and [HSL] for the
// registers: D at 0, SD at 0x2400, R at 0x3000, T at 0xF000, C0-C199 at 0xF400, C200-C255 (32-bit
// counters, two registers each) at 0xF700.
const H3U: Series = new Series("h3u", [
  new Segment("M", COIL, 0, 7679, 0x0000, D, 1, false, false),
  new Segment("M", COIL, 8000, 8511, 0x1f40, D, 1, false, false),
  new Segment("SM", COIL, 0, 1023, 0x2400, D, 1, false, false),
  new Segment("S", COIL, 0, 4095, 0xe000, D, 1, false, false),
  new Segment("T", COIL, 0, 511, 0xf000, D, 1, false, false),
  new Segment("C", COIL, 0, 255, 0xf400, D, 1, false, false),
  new Segment("X", COIL, 0, 0o377, 0xf800, O, 1, false, true),
  new Segment("Y", COIL, 0, 0o377, 0xfc00, O, 1, false, false),
  new Segment("D", HOLD, 0, 8511, 0x0000, D, 1, true, false),
  new Segment("SD", HOLD, 0, 1023, 0x2400, D, 1, true, false),
  new Segment("R", HOLD, 0, 32767, 0x3000, D, 1, true, false),
  new Segment("T", HOLD, 0, 511, 0xf000, D, 1, false, false),
  new Segment("C", HOLD, 0, 199, 0xf400, D, 1, false, false),
  new Segment("C", HOLD, 200, 255, 0xf700, D, 2, false, false),
]);

// [NEU] small PLCs (Easy series, H5U); [HSL] PraseInovanceH5UAddress has the same bases.
function smallPlc(name: string): Series {
  return new Series(name, [
    new Segment("M", COIL, 0, 7999, 0x0000, D, 1, false, false),
    new Segment("B", COIL, 0, 32767, 0x3000, D, 1, false, false),
    new Segment("S", COIL, 0, 4095, 0xe000, D, 1, false, false),
    new Segment("X", COIL, 0, 0o1777, 0xf800, O, 1, false, true),
    new Segment("Y", COIL, 0, 0o1777, 0xfc00, O, 1, false, false),
    new Segment("D", HOLD, 0, 7999, 0x0000, D, 1, true, false),
    new Segment("R", HOLD, 0, 32767, 0x3000, D, 1, true, false),
  ]);
}

// [NEU] medium PLCs (AM series, AC series): QX coils, IX discrete inputs (FC2, as [HSL] reads
// them), MW holding registers, each from address 0.
const AM: Series = new Series("am", [
  new Segment("QX", COIL, 0, 65535, 0x0000, BB, 1, false, false),
  new Segment("IX", DISC, 0, 65535, 0x0000, BB, 1, false, true),
  new Segment("MW", HOLD, 0, 65535, 0x0000, D, 1, true, false),
]);

export const SERIES: Series[] = [H3U, smallPlc("h5u"), smallPlc("easy"), AM];

export function seriesNames(): string[] {
  const names: string[] = [];
  for (let i = 0; i < SERIES.length; i++) names.push(SERIES[i].name);
  return names;
}

export function findSeries(name: string): Series | null {
  for (let i = 0; i < SERIES.length; i++) if (SERIES[i].name == name) return SERIES[i];
  return null;
}

/** The value types of a point (config key `type`). */
export enum Type {
  BOOL = 0,
  U16 = 1,
  I16 = 2,
  U32 = 3,
  I32 = 4,
  F32 = 5,
}

export const TYPE_NAMES: string[] = ["bool", "u16", "i16", "u32", "i32", "f32"];

export function typeName(t: Type): string {
  return TYPE_NAMES[<i32>t];
}

/** Registers a value of type `t` takes (0 for bool). */
export function typeRegisters(t: Type): i32 {
  if (t == Type.BOOL) return 0;
  return t == Type.U16 || t == Type.I16 ? 1 : 2;
}

/**
 * A point's element, resolved: where it is read and written. `error` is set instead when the
 * element text or its type does not fit the series' table.
 */
export class Resolved {
  error: string | null = null;
  /** the canonical element name (`X17`, `D100.3`, `MD2`) */
  name: string = "";
  segment: Segment | null = null;
  /** the Modbus address of the element's first bit or register */
  address: i32 = 0;
  /** bits (1) or registers (1, 2) the value takes */
  width: i32 = 1;
  /** for a bit inside a register (D100.3, MX1.1): 0..15, LSB = 0; else -1 */
  bit: i32 = -1;
  type: Type = Type.BOOL;
  /** writes are refused, with this reason; "" = writable */
  readOnly: string = "";
}

function failed(r: Resolved, message: string): Resolved {
  r.error = message;
  return r;
}

function isDigit(c: i32): bool {
  return c >= 0x30 && c <= 0x39;
}

function isLetter(c: i32): bool {
  return c >= 0x41 && c <= 0x5a;
}

/** Digits `text` in `radix` (8 or 10) as an integer, or -1 (not digits of that radix, or > 999999). */
function parseDigits(text: string, radix: i32): i32 {
  if (text.length == 0 || text.length > 6) return -1;
  let v = 0;
  for (let i = 0; i < text.length; i++) {
    const d = text.charCodeAt(i) - 0x30;
    if (d < 0 || d >= radix) return -1;
    v = v * radix + d;
  }
  return v;
}

/** The segments of `series` with `prefix`, bit areas or register areas. */
function segmentsOf(series: Series, prefix: string, bits: bool): Segment[] {
  const found: Segment[] = [];
  for (let i = 0; i < series.segments.length; i++) {
    const s = series.segments[i];
    if (s.prefix == prefix && s.isBit == bits) found.push(s);
  }
  return found;
}

function ranges(segments: Segment[]): string {
  const parts: string[] = [];
  for (let i = 0; i < segments.length; i++) parts.push(segments[i].range());
  return parts.join(", ");
}

function containing(segments: Segment[], n: i32): Segment | null {
  for (let i = 0; i < segments.length; i++) {
    if (n >= segments[i].first && n <= segments[i].last) return segments[i];
  }
  return null;
}

/** `a`, `a or b`, `a, b or c` */
export function alternatives(allowed: string[]): string {
  if (allowed.length == 1) return allowed[0];
  return allowed.slice(0, allowed.length - 1).join(", ") + " or " + allowed[allowed.length - 1];
}

/**
 * Resolves the element text `text` (e.g. `D100`, `x17`, `QX3.2`, `D100.3`) with the type name
 * `typeText` (null: the element's default type) on `series`.
 */
export function resolve(series: Series, text: string, typeText: string | null): Resolved {
  const r = new Resolved();
  const upper = text.toUpperCase();
  let letters = 0;
  while (letters < upper.length && isLetter(upper.charCodeAt(letters))) letters++;
  const prefix = upper.substring(0, letters);
  const rest = upper.substring(letters);
  const quoted = "element \"" + text + "\"";
  if (letters == 0) {
    return failed(r, quoted + " does not start with an element name (" + series.prefixes() + " on " + series.name + ")");
  }
  if (rest.length == 0) return failed(r, quoted + " has no number (e.g. " + prefix + "0)");
  if (series.name == "am" && (prefix == "MD" || prefix == "MX")) return resolveAm(r, series, prefix, rest, quoted, typeText);
  const bitSegments = segmentsOf(series, prefix, true);
  const wordSegments = segmentsOf(series, prefix, false);
  if (bitSegments.length == 0 && wordSegments.length == 0) {
    return failed(r, quoted + ": no element " + prefix + " on " + series.name + " (elements: " + series.prefixes() + ")");
  }
  const dot = rest.indexOf(".");
  const head = dot < 0 ? rest : rest.substring(0, dot);
  const tail = dot < 0 ? "" : rest.substring(dot + 1);
  if (dot >= 0 && tail.length == 0) return failed(r, quoted + " ends with \".\" (a bit number follows it)");

  // A bit segment numbered byte.bit (QX, IX)
  if (bitSegments.length > 0 && bitSegments[0].numbering == Numbering.BYTE_BIT) {
    const s = bitSegments[0];
    if (dot < 0) return failed(r, quoted + ": " + prefix + " is addressed as byte.bit (" + prefix + head + ".0 … " + prefix + head + ".7)");
    const byte = parseDigits(head, 10);
    const bit = parseDigits(tail, 10);
    if (byte < 0) return failed(r, quoted + ": byte \"" + head + "\" is not a decimal number");
    if (bit < 0 || bit > 7) return failed(r, quoted + ": bit \"" + tail + "\" is out of range 0..7");
    const n = byte * 8 + bit;
    if (n > s.last) return failed(r, quoted + " does not exist on " + series.name + " (" + s.range() + ")");
    return bitElement(r, series, s, n, typeText);
  }

  // A bit of a register: D100.3
  if (dot >= 0) {
    if (wordSegments.length == 0) {
      return failed(r, quoted + ": " + prefix + " is a bit element; only register elements take .bit (e.g. D100.3)");
    }
    const bit = parseDigits(tail, 10);
    if (bit < 0 || bit > 15) return failed(r, quoted + ": bit \"" + tail + "\" is out of range 0..15");
    const n = parseDigits(head, 10);
    if (n < 0) return failed(r, quoted + ": \"" + head + "\" is not a decimal element number");
    const s = containing(wordSegments, n);
    if (s === null) return failed(r, quoted + " does not exist on " + series.name + " (" + ranges(wordSegments) + ")");
    if (s.registers != 1) return failed(r, quoted + ": " + s.name(n) + " is a 32-bit counter; .bit needs a 16-bit register element");
    if (typeText !== null && typeText != "bool") {
      return failed(r, quoted + " is one bit: type must be bool, not " + typeText);
    }
    r.name = s.name(n) + "." + bit.toString();
    r.segment = s;
    r.address = s.address(n);
    r.width = 1;
    r.bit = bit;
    r.type = Type.BOOL;
    r.readOnly = "writing one bit of register " + s.name(n) + " would need a read-modify-write of the whole register, which is not atomic";
    return r;
  }

  // T and C of the H3U are both a contact (coil) and a current value (register): type bool
  // picks the contact, any other type the value.
  const wantsBit = typeText !== null ? typeText == "bool" : wordSegments.length == 0;
  const segments = wantsBit ? bitSegments : wordSegments;
  if (segments.length == 0) {
    if (wantsBit) return failed(r, quoted + ": " + prefix + " is a register element; type bool needs a bit: " + prefix + head + ".0 … " + prefix + head + ".15");
    return failed(r, quoted + ": " + prefix + " is a bit element on " + series.name + ": type must be bool, not " + typeText!);
  }
  const octal = segments[0].numbering == Numbering.OCTAL;
  const n = parseDigits(head, octal ? 8 : 10);
  if (n < 0) {
    if (octal) return failed(r, quoted + ": " + prefix + " is numbered in octal on " + series.name + " (digits 0-7)");
    return failed(r, quoted + ": \"" + head + "\" is not a decimal element number");
  }
  const s = containing(segments, n);
  if (s === null) return failed(r, quoted + " does not exist on " + series.name + " (" + ranges(segments) + ")");
  if (wantsBit) return bitElement(r, series, s, n, typeText);
  return wordElement(r, series, s, n, typeText, quoted);
}

function bitElement(r: Resolved, series: Series, s: Segment, n: i32, typeText: string | null): Resolved {
  if (typeText !== null && typeText != "bool") {
    return failed(r, "element \"" + s.name(n) + "\": " + s.prefix + " is a bit element on " + series.name + ": type must be bool, not " + typeText);
  }
  r.name = s.name(n);
  r.segment = s;
  r.address = s.address(n);
  r.width = 1;
  r.type = Type.BOOL;
  if (s.readOnly) {
    r.readOnly = s.prefix + " is an input: the PLC refreshes " + s.name(n) + " from its terminal every scan, so a write would not stay";
  }
  return r;
}

function parseType(r: Resolved, typeText: string, allowed: string[], what: string): i32 {
  if (!allowed.includes(typeText)) {
    if (!TYPE_NAMES.includes(typeText)) {
      failed(r, "unknown type \"" + typeText + "\" (expected " + alternatives(TYPE_NAMES) + ")");
    } else {
      failed(r, "type " + typeText + " does not fit " + what + " (expected " + alternatives(allowed) + ")");
    }
    return -1;
  }
  return TYPE_NAMES.indexOf(typeText);
}

function wordElement(r: Resolved, series: Series, s: Segment, n: i32, typeText: string | null, quoted: string): Resolved {
  r.name = s.name(n);
  r.segment = s;
  r.address = s.address(n);
  let t: i32;
  if (s.registers == 2) {
    // H3U C200-C255: 32-bit counters, one element in two registers.
    t = parseType(r, typeText !== null ? typeText : "i32", ["i32", "u32"], r.name + ", a 32-bit counter");
  } else if (!s.pairs) {
    t = parseType(r, typeText !== null ? typeText : "u16", ["u16", "i16"], r.name + ", a 16-bit " +
      (s.prefix == "T" ? "timer" : "counter") + " value");
  } else {
    t = parseType(r, typeText !== null ? typeText : "u16", ["u16", "i16", "u32", "i32", "f32"], r.name);
  }
  if (t < 0) return r;
  r.type = <Type>t;
  if (s.registers == 2) {
    r.width = 2;
    return r;
  }
  r.width = typeRegisters(r.type);
  if (r.width == 2 && n + 1 > s.last) {
    return failed(r, quoted + ": type " + typeName(r.type) + " takes " + s.name(n) + " and " + s.name(n + 1) +
      ", but " + s.name(n + 1) + " does not exist on " + series.name + " (" + s.range() + ")");
  }
  return r;
}

/**
 * AM series views onto the MW registers, IEC style: MD n is the double word of MW 2n and MW 2n+1;
 * MX b.x is bit x of byte b, and bytes 2n and 2n+1 are the low and high byte of MW n ([NEU]:
 * "MX1.1" is bit 10 counted from 1 of the first register, "MD1" is the third register; [HSL]:
 * MB100 and MB101 are MW50).
 */
function resolveAm(r: Resolved, series: Series, prefix: string, rest: string, quoted: string, typeText: string | null): Resolved {
  const mw = series.segments[2];
  if (prefix == "MD") {
    const n = parseDigits(rest, 10);
    if (n < 0) return failed(r, quoted + ": \"" + rest + "\" is not a decimal element number");
    if (n > 32767) return failed(r, quoted + " does not exist on am (MD0-MD32767, the double words of MW0-MW65535)");
    const t = parseType(r, typeText !== null ? typeText : "i32", ["i32", "u32", "f32"], "MD" + n.toString() + ", a double word");
    if (t < 0) return r;
    r.name = "MD" + n.toString();
    r.segment = mw;
    r.address = 2 * n;
    r.width = 2;
    r.type = <Type>t;
    return r;
  }
  const dot = rest.indexOf(".");
  if (dot < 0) return failed(r, quoted + ": MX is addressed as byte.bit (MX" + rest + ".0 … MX" + rest + ".7)");
  const byte = parseDigits(rest.substring(0, dot), 10);
  const bit = parseDigits(rest.substring(dot + 1), 10);
  if (byte < 0) return failed(r, quoted + ": byte \"" + rest.substring(0, dot) + "\" is not a decimal number");
  if (bit < 0 || bit > 7) return failed(r, quoted + ": bit \"" + rest.substring(dot + 1) + "\" is out of range 0..7");
  if (byte > 131071) return failed(r, quoted + " does not exist on am (MX0.0-MX131071.7, the bytes of MW0-MW65535)");
  if (typeText !== null && typeText != "bool") return failed(r, quoted + " is one bit: type must be bool, not " + typeText);
  r.name = "MX" + byte.toString() + "." + bit.toString();
  r.segment = mw;
  r.address = byte >> 1;
  r.width = 1;
  r.bit = (byte & 1) * 8 + bit;
  r.type = Type.BOOL;
  r.readOnly = "writing one bit of register MW" + (byte >> 1).toString() + " would need a read-modify-write of the whole register, which is not atomic";
  return r;
}
