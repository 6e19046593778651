// Constants of the Weir driver ABI v1.1 (driver-abi/ABI.md). Numeric values are normative;
// test/abi-document.test.js compiles every constant of this file and checks it against the tables
// of ABI.md, as AbiDocumentTest does for the Java constants.

/** ABI.md §10.1 "ABI version of this document": `(major << 16) | minor`, v1.1. */
export const ABI_VERSION: i32 = 0x00010001;

/**
 * ABI.md §10.1 "base version (v1.0)": what `weir_abi_version` reports for a driver that runs on a
 * v1.0 host (§3.3: the oldest version the driver runs on).
 */
export const BASE_VERSION: i32 = 0x00010000;

/** The newest minor version this SDK speaks (§3.3: the agreed version is at most this). */
export const LATEST_MINOR: i32 = 1;

/** ABI.md §6.4: the header in front of a CAN frame's data. */
export const CAN_HEADER_SIZE: i32 = 8;

/** ABI.md §4 and §10.1. */
export const LAYOUT_MAGIC: u32 = 0x52494557;
export const LAYOUT_SIZE: i32 = 64;
export const META_SIZE: i32 = 32;
export const RECORD_SIZE: i32 = 24;

/** ABI.md §8: error codes. Data-plane exports return them as negative values. */
export namespace Status {
  export const OK: i32 = 0;
  export const E_INVAL: i32 = -1;
  export const E_NOSPACE: i32 = -2;
  export const E_NODEV: i32 = -3;
  export const E_ORDER: i32 = -4;
  export const E_PROTO: i32 = -5;
  export const E_UNSUPPORTED: i32 = -7;
  export const E_CONFIG: i32 = -8;
  export const E_SCHEMA: i32 = -9;
  export const E_RESYNC: i32 = -10;
  export const E_INTERNAL: i32 = -99;
}

/** The ABI name of an error code, for messages ("E_PROTO"). */
export function statusName(code: i32): string {
  switch (code) {
    case 0: return "OK";
    case -1: return "E_INVAL";
    case -2: return "E_NOSPACE";
    case -3: return "E_NODEV";
    case -4: return "E_ORDER";
    case -5: return "E_PROTO";
    case -7: return "E_UNSUPPORTED";
    case -8: return "E_CONFIG";
    case -9: return "E_SCHEMA";
    case -10: return "E_RESYNC";
    case -99: return "E_INTERNAL";
  }
  return code >= 0 ? code.toString() : "E_INTERNAL(" + code.toString() + ")";
}

/** ABI.md §6.1: value types of a point record. */
export namespace ValueType {
  export const NULL: u8 = 0;
  export const BOOL: u8 = 1;
  export const I64: u8 = 2;
  export const U64: u8 = 3;
  export const F64: u8 = 4;
  export const STR: u8 = 5;
  export const BYTES: u8 = 6;
}

/** ABI.md §6.1: record flags; WRITE_RESULT and DEVICE_STATUS are v1.1 (§6.3). */
export namespace RecordFlag {
  export const NAMED: u8 = 0x01;
  export const DEVICE_TS: u8 = 0x02;
  export const WRITE_RESULT: u8 = 0x04;
  export const DEVICE_STATUS: u8 = 0x08;
}

/** ABI.md §7.3 (v1.1): the flags weir_on_frame writes to meta.frame_flags. */
export namespace FrameFlag {
  export const NOT_ANSWER: i32 = 0x01;
  export const POLL_NOW: i32 = 0x02;
}

/** ABI.md §4: offsets of the meta fields; corr and frame_flags are v1.1. */
export namespace MetaOffset {
  export const EXPECT: i32 = 0;
  export const TIMEOUT_MS: i32 = 4;
  export const SKIP: i32 = 8;
  export const NEED: i32 = 12;
  export const BLOB_USED: i32 = 16;
  export const CORR: i32 = 20;
  export const FRAME_FLAGS: i32 = 24;
}

/** ABI.md §6.4 (v1.1): the flags byte of a CAN frame's header. */
export namespace CanFlag {
  export const EXT: u8 = 0x01;
  export const RTR: u8 = 0x02;
  export const FDF: u8 = 0x04;
  export const BRS: u8 = 0x08;
  export const ESI: u8 = 0x10;
}

/** ABI.md §5.1 (v1.1): keys with this prefix are the host's. */
export const HOST_KEY_PREFIX: string = "weir.";
/** ABI.md §5.1: the transport of the device's link. */
export const HOST_KEY_TRANSPORT: string = "weir.transport";

/**
 * ABI.md §6.1: quality codes. The top two bits give the class (good, uncertain, bad), the low
 * bits a reason.
 */
export namespace Quality {
  export const GOOD: u16 = 0x0000;
  export const UNCERTAIN: u16 = 0x4000;
  export const BAD: u16 = 0x8000;
  export const BAD_COMM: u16 = 0x8001;
  export const BAD_CONFIG: u16 = 0x8002;
  export const BAD_DEVICE: u16 = 0x8003;
  export const BAD_PROTOCOL: u16 = 0x8004;
}

/** ABI.md §10.3: log levels of `weir_host_v1.log`. */
export namespace LogLevel {
  export const ERROR: i32 = 0;
  export const WARN: i32 = 1;
  export const INFO: i32 = 2;
  export const DEBUG: i32 = 3;
}
