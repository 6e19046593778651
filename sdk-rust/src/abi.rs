//! Constants of the Weir driver ABI v1.2 (`driver-abi/ABI.md` §10, §8, §7.3, §6, §5.1, §4, §3.3).
//! `tests/abi_document.rs` checks every one against the tables of ABI.md.

/// ABI.md §10.1: the import module every host function lives in.
pub const IMPORT_MODULE: &str = "weir_host_v1";
/// ABI.md §10.1: the marker export, never called.
pub const MARKER_EXPORT: &str = "weir_abi_v1";
/// ABI.md §10.1 "ABI version of this document": `(major << 16) | minor`, v1.2.
pub const ABI_VERSION: i32 = 0x0001_0002;
/// ABI.md §10.1 "base version (v1.0)": what `weir_abi_version` reports for a driver that runs on a
/// v1.0 host (§3.3: the oldest version the driver runs on).
pub const BASE_VERSION: i32 = 0x0001_0000;
/// The newest minor version this SDK speaks (§3.3: the agreed version is at most this, and at most
/// the driver's `Driver::NEWEST_ABI_MINOR`).
pub const LATEST_MINOR: u16 = 2;
/// ABI.md §4: the bytes `57 45 49 52` ("WEIR") read as a little-endian u32.
pub const LAYOUT_MAGIC: u32 = 0x5249_4557;
/// ABI.md §4: size of the layout struct in v1.0.
pub const LAYOUT_SIZE: usize = 64;
/// ABI.md §4: the meta struct follows the layout, 32 bytes.
pub const META_SIZE: usize = 32;
/// ABI.md §6.1: one point record.
pub const RECORD_SIZE: usize = 24;

/// ABI.md §4 minimum capacities.
pub const MIN_CFG_CAP: usize = 4096;
pub const MIN_RX_CAP: usize = 512;
pub const MIN_TX_CAP: usize = 512;
pub const MIN_OUT_CAP: usize = RECORD_SIZE * 2048;
pub const MIN_BLOB_CAP: usize = 4096;
pub const MIN_ERR_CAP: usize = 128;

/// Error codes, ABI.md §8.
pub const E_INVAL: i32 = -1;
pub const E_NOSPACE: i32 = -2;
pub const E_NODEV: i32 = -3;
pub const E_ORDER: i32 = -4;
pub const E_PROTO: i32 = -5;
pub const E_UNSUPPORTED: i32 = -7;
pub const E_CONFIG: i32 = -8;
pub const E_SCHEMA: i32 = -9;
pub const E_RESYNC: i32 = -10;
/// ABI.md §7.13 (1.2): `weir_on_bytes` found no complete frame yet.
pub const E_PARTIAL: i32 = -11;
pub const E_INTERNAL: i32 = -99;

/// The ABI name of an error code (`E_PROTO` …); unknown negative codes are `E_INTERNAL` (§8).
pub fn error_name(code: i32) -> &'static str {
    match code {
        E_INVAL => "E_INVAL",
        E_NOSPACE => "E_NOSPACE",
        E_NODEV => "E_NODEV",
        E_ORDER => "E_ORDER",
        E_PROTO => "E_PROTO",
        E_UNSUPPORTED => "E_UNSUPPORTED",
        E_CONFIG => "E_CONFIG",
        E_SCHEMA => "E_SCHEMA",
        E_RESYNC => "E_RESYNC",
        E_PARTIAL => "E_PARTIAL",
        _ => "E_INTERNAL",
    }
}

/// The code of an ABI error name, for vector files.
pub fn error_code(name: &str) -> Option<i32> {
    Some(match name {
        "E_INVAL" => E_INVAL,
        "E_NOSPACE" => E_NOSPACE,
        "E_NODEV" => E_NODEV,
        "E_ORDER" => E_ORDER,
        "E_PROTO" => E_PROTO,
        "E_UNSUPPORTED" => E_UNSUPPORTED,
        "E_CONFIG" => E_CONFIG,
        "E_SCHEMA" => E_SCHEMA,
        "E_RESYNC" => E_RESYNC,
        "E_PARTIAL" => E_PARTIAL,
        "E_INTERNAL" => E_INTERNAL,
        _ => return None,
    })
}

/// Value types, ABI.md §6.1.
pub const VT_NULL: u8 = 0;
pub const VT_BOOL: u8 = 1;
pub const VT_I64: u8 = 2;
pub const VT_U64: u8 = 3;
pub const VT_F64: u8 = 4;
pub const VT_STR: u8 = 5;
pub const VT_BYTES: u8 = 6;

/// Record flags, ABI.md §6.1. `WRITE_RESULT` and `DEVICE_STATUS` are v1.1 (§6.3).
pub const FLAG_NAMED: u8 = 0x01;
pub const FLAG_DEVICE_TS: u8 = 0x02;
pub const FLAG_WRITE_RESULT: u8 = 0x04;
pub const FLAG_DEVICE_STATUS: u8 = 0x08;

/// The record flags of each minor version: bits outside them read as zero (§3.3).
pub fn known_record_flags(minor: u16) -> u8 {
    if minor >= 1 {
        FLAG_NAMED | FLAG_DEVICE_TS | FLAG_WRITE_RESULT | FLAG_DEVICE_STATUS
    } else {
        FLAG_NAMED | FLAG_DEVICE_TS
    }
}

/// Frame flags that `weir_on_frame` writes to `meta.frame_flags`, ABI.md §7.3 (v1.1).
pub const FRAME_NOT_ANSWER: u32 = 0x01;
pub const FRAME_POLL_NOW: u32 = 0x02;

/// Request flags that `weir_poll` writes to `meta.req_flags`, ABI.md §7.1 (v1.2).
pub const REQ_LAST: u32 = 0x01;

/// Offsets in the meta struct, ABI.md §4; `corr` and `frame_flags` are v1.1, `req_flags` v1.2.
pub const META_EXPECT: usize = 0;
pub const META_TIMEOUT_MS: usize = 4;
pub const META_SKIP: usize = 8;
pub const META_NEED: usize = 12;
pub const META_BLOB_USED: usize = 16;
pub const META_CORR: usize = 20;
pub const META_FRAME_FLAGS: usize = 24;
pub const META_REQ_FLAGS: usize = 28;

/// ABI.md §6.4: the header in front of a CAN frame's data; the flags of its `flags` byte.
pub const CAN_HEADER_SIZE: usize = 8;
pub const CAN_EXT: u8 = 0x01;
pub const CAN_RTR: u8 = 0x02;
pub const CAN_FDF: u8 = 0x04;
pub const CAN_BRS: u8 = 0x08;
pub const CAN_ESI: u8 = 0x10;

/// ABI.md §5.1: keys with this prefix are the host's.
pub const HOST_KEY_PREFIX: &str = "weir.";
/// ABI.md §5.1: the transport of the device's link.
pub const HOST_KEY_TRANSPORT: &str = "weir.transport";

/// Log levels, ABI.md §10.3.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(i32)]
pub enum Level {
    Error = 0,
    Warn = 1,
    Info = 2,
    Debug = 3,
}

/// A quality code, ABI.md §6.1: the top two bits are the class, the low bits a reason.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quality(pub u16);

impl Quality {
    pub const GOOD: Quality = Quality(0x0000);
    pub const UNCERTAIN: Quality = Quality(0x4000);
    pub const BAD: Quality = Quality(0x8000);
    pub const BAD_COMM: Quality = Quality(0x8001);
    pub const BAD_CONFIG: Quality = Quality(0x8002);
    pub const BAD_DEVICE: Quality = Quality(0x8003);
    pub const BAD_PROTOCOL: Quality = Quality(0x8004);

    pub fn name(self) -> &'static str {
        match self.0 {
            0x0000 => "GOOD",
            0x4000 => "UNCERTAIN",
            0x8000 => "BAD",
            0x8001 => "BAD_COMM",
            0x8002 => "BAD_CONFIG",
            0x8003 => "BAD_DEVICE",
            0x8004 => "BAD_PROTOCOL",
            q if q & 0xC000 == 0x4000 => "UNCERTAIN",
            q if q & 0x8000 != 0 => "BAD",
            _ => "GOOD",
        }
    }

    pub fn from_name(name: &str) -> Option<Quality> {
        Some(match name {
            "GOOD" => Quality::GOOD,
            "UNCERTAIN" => Quality::UNCERTAIN,
            "BAD" => Quality::BAD,
            "BAD_COMM" => Quality::BAD_COMM,
            "BAD_CONFIG" => Quality::BAD_CONFIG,
            "BAD_DEVICE" => Quality::BAD_DEVICE,
            "BAD_PROTOCOL" => Quality::BAD_PROTOCOL,
            _ => return None,
        })
    }

    pub fn is_good(self) -> bool {
        self.0 & 0xC000 == 0
    }
}
