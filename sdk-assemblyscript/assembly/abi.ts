// Constants of the Weir driver ABI v1 (driver-abi/ABI.md). Numeric values are normative;
// AbiDocumentTest on the Java side checks the same tables.

/** ABI.md §3.3: `(major << 16) | minor`. */
export const ABI_VERSION: i32 = 0x00010000;

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

/** ABI.md §6.1: record flags. */
export namespace RecordFlag {
  export const NAMED: u8 = 0x01;
  export const DEVICE_TS: u8 = 0x02;
}

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
