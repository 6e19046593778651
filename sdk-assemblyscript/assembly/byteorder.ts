// Byte and word order of multi-register values. The names spell where the bytes of the value
// A B C D (A most significant) travel on the wire, as Modbus device manuals do:
//   ABCD  big-endian (Modbus's own register order: MODBUS AP v1.1b §4.2 "big-Endian")
//   DCBA  little-endian
//   BADC  bytes swapped inside each 16-bit word, words big-endian
//   CDAB  words swapped (the low word first), bytes big-endian inside each word
// For 8-byte values the same rule extends to A…H (CDAB: G H E F C D A B). For 2-byte values
// ABCD and CDAB are big-endian, DCBA and BADC little-endian.

import { Bytes, Writer } from "./bytes";
import { panicWith } from "./host";

export enum WordOrder {
  ABCD = 0,
  DCBA = 1,
  BADC = 2,
  CDAB = 3,
}

/** The order named `text`, or -1 for an unknown name. */
export function parseWordOrder(text: string): i32 {
  if (text == "ABCD") return WordOrder.ABCD;
  if (text == "DCBA") return WordOrder.DCBA;
  if (text == "BADC") return WordOrder.BADC;
  if (text == "CDAB") return WordOrder.CDAB;
  return -1;
}

export function wordOrderName(order: WordOrder): string {
  switch (order) {
    case WordOrder.ABCD: return "ABCD";
    case WordOrder.DCBA: return "DCBA";
    case WordOrder.BADC: return "BADC";
    case WordOrder.CDAB: return "CDAB";
  }
  return "unknown order " + (<i32>order).toString();
}

/** Wire position of the value's byte `j` (0 = most significant) in an `n`-byte field. */
// @ts-ignore: decorator
@inline
function wirePosition(j: i32, n: i32, order: WordOrder): i32 {
  switch (order) {
    case WordOrder.DCBA: return n - 1 - j;
    case WordOrder.BADC: return j ^ 1;
    case WordOrder.CDAB: return n - 2 - (j & ~1) + (j & 1);
    default: return j;
  }
}

function decode(source: Bytes, at: i32, n: i32, order: WordOrder): u64 {
  if (at < 0 || at + n > source.length) {
    panicWith("decode of " + n.toString() + " bytes at " + at.toString() + " outside " +
      source.length.toString() + " bytes");
  }
  let value: u64 = 0;
  for (let j = 0; j < n; j++) {
    value = (value << 8) | <u64>load<u8>(source.ptr + <usize>(at + wirePosition(j, n, order)));
  }
  return value;
}

function encode(target: Writer, value: u64, n: i32, order: WordOrder): void {
  for (let p = 0; p < n; p++) {
    // Find the value byte that travels at wire position p (each order is its own inverse map).
    let j = 0;
    while (wirePosition(j, n, order) != p) j++;
    target.u8(<u8>(value >> (<u64>(8 * (n - 1 - j)))));
  }
}

export function decodeU16(source: Bytes, at: i32, order: WordOrder): u16 {
  return <u16>decode(source, at, 2, order);
}

export function decodeU32(source: Bytes, at: i32, order: WordOrder): u32 {
  return <u32>decode(source, at, 4, order);
}

export function decodeU64(source: Bytes, at: i32, order: WordOrder): u64 {
  return decode(source, at, 8, order);
}

export function decodeF32(source: Bytes, at: i32, order: WordOrder): f32 {
  return reinterpret<f32>(decodeU32(source, at, order));
}

export function decodeF64(source: Bytes, at: i32, order: WordOrder): f64 {
  return reinterpret<f64>(decodeU64(source, at, order));
}

export function encodeU16(target: Writer, value: u16, order: WordOrder): void {
  encode(target, <u64>value, 2, order);
}

export function encodeU32(target: Writer, value: u32, order: WordOrder): void {
  encode(target, <u64>value, 4, order);
}

export function encodeU64(target: Writer, value: u64, order: WordOrder): void {
  encode(target, value, 8, order);
}
