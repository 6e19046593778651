// Views over the static regions. The dispatcher owns one instance of each and re-points it for
// every call, so the hot path allocates nothing.

import { panicWith } from "./host";
import { decodeUtf8, encodeUtf8 } from "./text";

/** A read-only span of driver memory: a received frame in `rx`, or a state payload. */
export class Bytes {
  /**
   * The most bytes the region behind this view can hold: for `rx` in `frameLen`, the `rx`
   * capacity, so that a frame that can never fit is answered with `resync` (ABI §7.2).
   */
  capacity: i32;

  constructor(
    public ptr: usize = 0,
    public length: i32 = 0,
    capacity: i32 = -1,
  ) {
    this.capacity = capacity < 0 ? length : capacity;
  }

  /** The byte at `index`; reading past the end is a driver bug and traps with a message. */
  at(index: i32): u8 {
    this.check(index, 1);
    return load<u8>(this.ptr + <usize>index);
  }

  u16be(index: i32): u16 {
    this.check(index, 2);
    return bswap<u16>(load<u16>(this.ptr + <usize>index));
  }

  i16be(index: i32): i16 {
    return <i16>this.u16be(index);
  }

  u16le(index: i32): u16 {
    this.check(index, 2);
    return load<u16>(this.ptr + <usize>index);
  }

  u32be(index: i32): u32 {
    this.check(index, 4);
    return bswap<u32>(load<u32>(this.ptr + <usize>index));
  }

  u32le(index: i32): u32 {
    this.check(index, 4);
    return load<u32>(this.ptr + <usize>index);
  }

  /** The sub-span `[start, end)`, as a new view (allocates one small object). */
  slice(start: i32, end: i32): Bytes {
    if (start < 0 || end < start || end > this.length) {
      panicWith(
        "Bytes.slice(" + start.toString() + ", " + end.toString() + ") outside " +
          this.length.toString() + " bytes",
      );
    }
    return new Bytes(this.ptr + <usize>start, end - start);
  }

  /** Bytes `[start, end)` decoded as UTF-8. */
  text(start: i32 = 0, end: i32 = -1): string {
    const stop = end < 0 ? this.length : end;
    if (start < 0 || stop < start || stop > this.length) {
      panicWith("Bytes.text(" + start.toString() + ", " + stop.toString() + ") outside " +
        this.length.toString() + " bytes");
    }
    return decodeUtf8(this.ptr + <usize>start, stop - start);
  }

  /** Index of the first `value` at or after `from`, or -1. */
  indexOf(value: u8, from: i32 = 0): i32 {
    for (let i = max(from, 0); i < this.length; i++) {
      if (load<u8>(this.ptr + <usize>i) == value) return i;
    }
    return -1;
  }

  private check(index: i32, size: i32): void {
    if (index < 0 || index > this.length - size) {
      panicWith(
        "read of " + size.toString() + " byte(s) at " + index.toString() + " outside " +
          this.length.toString() + " bytes",
      );
    }
  }
}

/**
 * Appends bytes to a region (`tx`, `state`). Writing past the capacity sets `overflowed` instead
 * of trapping; the dispatcher then returns E_NOSPACE (ABI §8) with an explanation.
 */
export class Writer {
  length: i32 = 0;
  overflowed: bool = false;

  constructor(
    public ptr: usize,
    public capacity: i32,
  ) {}

  reset(): void {
    this.length = 0;
    this.overflowed = false;
  }

  private room(size: i32): bool {
    if (this.length + size > this.capacity) {
      this.overflowed = true;
      return false;
    }
    return true;
  }

  u8(value: u8): Writer {
    if (this.room(1)) {
      store<u8>(this.ptr + <usize>this.length, value);
      this.length += 1;
    }
    return this;
  }

  u16be(value: u16): Writer {
    if (this.room(2)) {
      store<u16>(this.ptr + <usize>this.length, bswap<u16>(value));
      this.length += 2;
    }
    return this;
  }

  u16le(value: u16): Writer {
    if (this.room(2)) {
      store<u16>(this.ptr + <usize>this.length, value);
      this.length += 2;
    }
    return this;
  }

  u32be(value: u32): Writer {
    if (this.room(4)) {
      store<u32>(this.ptr + <usize>this.length, bswap<u32>(value));
      this.length += 4;
    }
    return this;
  }

  u32le(value: u32): Writer {
    if (this.room(4)) {
      store<u32>(this.ptr + <usize>this.length, value);
      this.length += 4;
    }
    return this;
  }

  /** Appends a copy of `source`. */
  bytes(source: Bytes): Writer {
    if (this.room(source.length)) {
      memory.copy(this.ptr + <usize>this.length, source.ptr, <usize>source.length);
      this.length += source.length;
    }
    return this;
  }

  /** Appends `value` as UTF-8 (lone surrogates replaced by U+FFFD). */
  text(value: string): Writer {
    const encoded = encodeUtf8(value);
    const n = encoded.byteLength;
    if (this.room(n)) {
      memory.copy(this.ptr + <usize>this.length, changetype<usize>(encoded), <usize>n);
      this.length += n;
    }
    return this;
  }

  /** Overwrites the big-endian u16 at `index` (a length field known only at the end). */
  patchU16be(index: i32, value: u16): void {
    if (index < 0 || index + 2 > this.length) {
      panicWith("Writer.patchU16be(" + index.toString() + ") outside " + this.length.toString() +
        " written bytes");
    }
    store<u16>(this.ptr + <usize>index, bswap<u16>(value));
  }

  /** What has been written so far, as a view. */
  view(): Bytes {
    return new Bytes(this.ptr, this.length);
  }
}

/**
 * The request a driver builds in `tx` (weir_poll, weir_write), with the side results of ABI §4
 * meta: whether a response is expected, and the response timeout (0 = host default).
 */
export class Request extends Writer {
  expect: bool = true;
  timeoutMs: i32 = 0;

  reset(): void {
    super.reset();
    this.expect = true;
    this.timeoutMs = 0;
  }
}
