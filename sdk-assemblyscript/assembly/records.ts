// The point-record writer (ABI.md §6). Records go to `out`, names and text/byte values to `blob`.
// When either region is full the writer stops and remembers why; the dispatcher then returns
// E_NOSPACE with that explanation instead of a truncated batch.

import { Quality, RecordFlag, RECORD_SIZE, ValueType } from "./abi";
import { Bytes } from "./bytes";
import { BLOB, BLOB_CAP, OUT, OUT_CAP } from "./regions";
import { utf8Length } from "./text";

/**
 * Names the point of a record: a point index (any i32 ≥ 0 converts implicitly), or a name
 * written by `Records.name()` for discovery mode (ABI §6.2), marked by bit 32.
 */
export type PointKey = i64;

const NAMED_KEY: i64 = 1 << 32;

/** Pass as `deviceTsUs` (the default) to let the host stamp the record with `now_us`. */
export const HOST_TIME: i64 = i64.MIN_VALUE;

export class Records {
  /** Records written by the current call. */
  count: i32 = 0;
  /** Bytes of `blob` used by the current call (ABI §4 meta.blob_used). */
  blobUsed: i32 = 0;
  /** Why the last write did not fit, or null. */
  overflow: string | null = null;

  reset(): void {
    this.count = 0;
    this.blobUsed = 0;
    this.overflow = null;
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
    if (this.count * RECORD_SIZE + RECORD_SIZE > OUT_CAP) {
      this.overflow =
        "out region full: more than " + (OUT_CAP / RECORD_SIZE).toString() + " records in one call";
      return;
    }
    const rec = OUT + <usize>(this.count * RECORD_SIZE);
    let flags: u8 = 0;
    if ((key & NAMED_KEY) != 0) flags |= RecordFlag.NAMED;
    if (deviceTsUs != HOST_TIME) flags |= RecordFlag.DEVICE_TS;
    store<u32>(rec, <u32>(key & 0xffffffff), 0);
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
