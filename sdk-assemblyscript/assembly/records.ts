// The point-record writer (ABI.md §6). Records go to `out`, names and text/byte values to `blob`.
// When either region is full the writer stops and remembers why; the dispatcher then returns
// E_NOSPACE with that explanation instead of a truncated batch.

import { FrameFlag, Quality, RecordFlag, RECORD_SIZE, ValueType } from "./abi";
import { Bytes } from "./bytes";
import { BLOB, BLOB_CAP, OUT, OUT_CAP } from "./regions";
import { utf8Length } from "./text";

/**
 * Names the point of a record: a point index (any i32 ≥ 0 converts implicitly), or a name
 * written by `Records.name()` for discovery mode (ABI §6.2), marked by bit 32. Bit 33 marks a
 * write result (`Records.writeResult(point)`, ABI §6.3), bit 34 the device itself
 * (`Records.DEVICE`, a device status).
 */
export type PointKey = i64;

const NAMED_KEY: i64 = 1 << 32;
const WRITE_RESULT_KEY: i64 = 1 << 33;
const DEVICE_KEY: i64 = 1 << 34;

/** Pass as `deviceTsUs` (the default) to let the host stamp the record with `now_us`. */
export const HOST_TIME: i64 = i64.MIN_VALUE;

/**
 * The records of one call. It knows the agreed version: with 1.0 it leaves out what v1.0 does not
 * define, so a driver behaves on a v1.0 host as a v1.0 driver — a device status is dropped, a good
 * write result is dropped (v1.0: no record means success), a bad one loses its WRITE_RESULT flag,
 * and `notAnswer()` turns the call into E_PROTO (v1.0: the request stays outstanding).
 */
export class Records {
  /** The key of a device-status record (ABI §6.3, v1.1): `out.writeNull(Records.DEVICE, Quality.BAD_COMM)`. */
  static readonly DEVICE: PointKey = DEVICE_KEY;

  /** The key of a write result for `point` (ABI §6.3, v1.1), for writes adopted by observe. */
  static writeResult(point: i32): PointKey {
    return WRITE_RESULT_KEY | <i64>point;
  }

  /** Records written by the current call. */
  count: i32 = 0;
  /** Bytes of `blob` used by the current call (ABI §4 meta.blob_used). */
  blobUsed: i32 = 0;
  /** Why the last write did not fit, or null. */
  overflow: string | null = null;
  /** Why a record was refused (a device status of the wrong value type), or null: E_INVAL. */
  invalid: string | null = null;
  /** The agreed minor version (ABI §3.3). */
  abiMinor: i32 = 0;
  /** ABI §7.3 (v1.1): the frame flags of weir_on_frame. */
  frameFlags: i32 = 0;

  reset(): void {
    this.count = 0;
    this.blobUsed = 0;
    this.overflow = null;
    this.invalid = null;
    this.frameFlags = 0;
  }

  /**
   * ABI §7.3 (v1.1): this frame is not the answer to the outstanding request; the host keeps
   * waiting and takes the records as readings.
   */
  notAnswer(): void {
    this.frameFlags |= FrameFlag.NOT_ANSWER;
  }

  /**
   * ABI §7.3 (v1.1): the driver has a request to send in reaction to this frame; the host calls
   * weir_poll as soon as no request is outstanding. Ignored with agreed version 1.0.
   */
  pollNow(): void {
    this.frameFlags |= FrameFlag.POLL_NOW;
  }

  /** @internal: WRITE_RESULT on the records of `point` that answer a write (ABI §6.3). */
  markWriteResults(point: i32): void {
    for (let i = 0; i < this.count; i++) {
      const rec = OUT + <usize>(i * RECORD_SIZE);
      const flags = load<u8>(rec, 5);
      if (load<u32>(rec) == <u32>point && (flags & (RecordFlag.NAMED | RecordFlag.DEVICE_STATUS)) == 0) {
        store<u8>(rec, flags | RecordFlag.WRITE_RESULT, 5);
      }
    }
  }

  /** @internal, ABI §7.6 with agreed 1.0: no record means a write succeeded; only bad ones stay. */
  dropConfirmations(point: i32): void {
    let kept = 0;
    for (let i = 0; i < this.count; i++) {
      const rec = OUT + <usize>(i * RECORD_SIZE);
      const confirmation = load<u32>(rec) == <u32>point &&
        (load<u8>(rec, 5) & (RecordFlag.NAMED | RecordFlag.DEVICE_STATUS)) == 0 &&
        (load<u16>(rec, 6) & 0x8000) == 0;
      if (!confirmation) {
        if (kept != i) memory.copy(OUT + <usize>(kept * RECORD_SIZE), rec, <usize>RECORD_SIZE);
        kept++;
      }
    }
    this.count = kept;
  }

  /**
   * Stores `path` (e.g. `holding/100`) in `blob` as a u16 length plus UTF-8 (ABI §6.2) and
   * returns the key of a named record.
   */
  name(path: string): PointKey {
    const n = utf8Length(path);
    if (n > 0xffff) {
      this.overflow = "point name of " + n.toString() + " bytes exceeds the 65535 of ABI §6.2";
      return NAMED_KEY;
    }
    const at = this.blobUsed;
    if (!this.reserveBlob(2 + n, "name")) return NAMED_KEY;
    store<u16>(BLOB + <usize>at, <u16>n);
    String.UTF8.encodeUnsafe(
      changetype<usize>(path),
      path.length,
      BLOB + <usize>at + 2,
      false,
      String.UTF8.ErrorMode.REPLACE,
    );
    return NAMED_KEY | <i64>at;
  }

  /**
   * Like `name(prefix + index.toString())` without allocating: the hot path of discovery mode,
   * where every register gets a name such as `holding/100`.
   */
  indexedName(prefix: string, index: u32): PointKey {
    const prefixLength = utf8Length(prefix);
    let digits = 1;
    for (let rest = index / 10; rest > 0; rest /= 10) digits++;
    const n = prefixLength + digits;
    const at = this.blobUsed;
    if (!this.reserveBlob(2 + n, "name")) return NAMED_KEY;
    const base = BLOB + <usize>at;
    store<u16>(base, <u16>n);
    String.UTF8.encodeUnsafe(changetype<usize>(prefix), prefix.length, base + 2, false, String.UTF8.ErrorMode.REPLACE);
    let rest = index;
    for (let d = digits - 1; d >= 0; d--) {
      store<u8>(base + 2 + <usize>(prefixLength + d), <u8>(0x30 + rest % 10));
      rest /= 10;
    }
    return NAMED_KEY | <i64>at;
  }

  /** A record with no value (`NULL`), for bad quality: no response, bad configuration … */
  writeNull(key: PointKey, quality: u16, deviceTsUs: i64 = HOST_TIME): void {
    this.put(key, ValueType.NULL, 0, quality, deviceTsUs);
  }

  writeBool(key: PointKey, value: bool, quality: u16 = Quality.GOOD, deviceTsUs: i64 = HOST_TIME): void {
    this.put(key, ValueType.BOOL, value ? 1 : 0, quality, deviceTsUs);
  }

  writeI64(key: PointKey, value: i64, quality: u16 = Quality.GOOD, deviceTsUs: i64 = HOST_TIME): void {
    this.put(key, ValueType.I64, value, quality, deviceTsUs);
  }

  writeU64(key: PointKey, value: u64, quality: u16 = Quality.GOOD, deviceTsUs: i64 = HOST_TIME): void {
    this.put(key, ValueType.U64, <i64>value, quality, deviceTsUs);
  }

  writeF64(key: PointKey, value: f64, quality: u16 = Quality.GOOD, deviceTsUs: i64 = HOST_TIME): void {
    this.put(key, ValueType.F64, reinterpret<i64>(value), quality, deviceTsUs);
  }

  /** A `STR` record: the text goes to `blob` as UTF-8, the value is (offset, length). */
  writeStr(key: PointKey, value: string, quality: u16 = Quality.GOOD, deviceTsUs: i64 = HOST_TIME): void {
    const n = utf8Length(value);
    const at = this.blobUsed;
    if (!this.reserveBlob(n, "text value")) return;
    String.UTF8.encodeUnsafe(
      changetype<usize>(value),
      value.length,
      BLOB + <usize>at,
      false,
      String.UTF8.ErrorMode.REPLACE,
    );
    this.put(key, ValueType.STR, (<i64>n << 32) | <i64>at, quality, deviceTsUs);
  }

  /** A `BYTES` record: the bytes go to `blob`, the value is (offset, length). */
  writeBytes(key: PointKey, value: Bytes, quality: u16 = Quality.GOOD, deviceTsUs: i64 = HOST_TIME): void {
    const at = this.blobUsed;
    if (!this.reserveBlob(value.length, "byte value")) return;
    memory.copy(BLOB + <usize>at, value.ptr, <usize>value.length);
    this.put(key, ValueType.BYTES, (<i64>value.length << 32) | <i64>at, quality, deviceTsUs);
  }

  /** Any record, for value types the typed writers do not cover. */
  put(key: PointKey, vtype: u8, value: i64, quality: u16, deviceTsUs: i64): void {
    if (this.overflow !== null) return;
    let flags: u8 = 0;
    if ((key & WRITE_RESULT_KEY) != 0) flags |= RecordFlag.WRITE_RESULT;
    if ((key & DEVICE_KEY) != 0) {
      flags |= RecordFlag.DEVICE_STATUS;
      if (vtype != ValueType.NULL && vtype != ValueType.U64 && vtype != ValueType.STR) {
        this.invalid = "a device status carries null, a u64 or a text (ABI §6.3)";
        return;
      }
    }
    if (this.abiMinor < 1) {
      // ABI §3.3: a v1.0 host knows neither flag; say what v1.0 would say, or nothing.
      if ((flags & RecordFlag.DEVICE_STATUS) != 0) return;
      if ((flags & RecordFlag.WRITE_RESULT) != 0) {
        if ((quality & 0x8000) == 0) return;
        flags &= ~RecordFlag.WRITE_RESULT;
      }
    }
    if (this.count * RECORD_SIZE + RECORD_SIZE > OUT_CAP) {
      this.overflow =
        "out region full: more than " + (OUT_CAP / RECORD_SIZE).toString() + " records in one call";
      return;
    }
    const rec = OUT + <usize>(this.count * RECORD_SIZE);
    if ((key & NAMED_KEY) != 0) flags |= RecordFlag.NAMED;
    if (deviceTsUs != HOST_TIME) flags |= RecordFlag.DEVICE_TS;
    // ABI §6.3: a device status has point 0.
    store<u32>(rec, (key & DEVICE_KEY) != 0 ? 0 : <u32>(key & 0xffffffff), 0);
    store<u8>(rec, vtype, 4);
    store<u8>(rec, flags, 5);
    store<u16>(rec, quality, 6);
    store<i64>(rec, deviceTsUs != HOST_TIME ? deviceTsUs : 0, 8);
    store<i64>(rec, value, 16);
    this.count++;
  }

  private reserveBlob(size: i32, what: string): bool {
    if (this.overflow !== null) return false;
    if (this.blobUsed + size > BLOB_CAP) {
      this.overflow =
        "blob region full: " + what + " of " + size.toString() + " bytes after " +
        this.blobUsed.toString() + " of " + BLOB_CAP.toString() + " bytes";
      return false;
    }
    this.blobUsed += size;
    return true;
  }
}
