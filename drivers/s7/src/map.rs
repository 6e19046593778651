//! The device config (ABI §5): connection keys on the device line, one STEP 7 address per point.

use crate::address::{self, Address, Area, Type, Width};
use weir_sdk::{Config, Error, Params};

/// Keys of the device line.
pub const DEVICE_KEYS: &[&str] = &[
    "rack",
    "slot",
    "connection",
    "local_tsap",
    "remote_tsap",
    "pdu",
    "max_items",
    "timeout_ms",
    "setup_timeout_ms",
];
/// Keys of a point line.
pub const POINT_KEYS: &[&str] = &["address", "type"];

/// The PDU length this driver proposes unless `pdu=` says otherwise: 960 bytes, the largest an S7
/// CPU (S7-400, S7-1500) offers; the device answers with what it supports.
pub const DEFAULT_PDU: u16 = 960;
/// The smallest negotiated PDU the driver works with: a Read Var of one item is 24 bytes, a
/// Write Var of one bit 29.
pub const MIN_PDU: u16 = 32;

/// The device line, decided at open.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceConfig {
    /// TSAP of this client (COTP CR calling TSAP).
    pub local_tsap: u16,
    /// TSAP of the CPU (COTP CR called TSAP): connection type and rack * 32 + slot.
    pub remote_tsap: u16,
    /// The PDU length proposed in Setup Communication.
    pub pdu: u16,
    /// At most this many items in one Read Var.
    pub max_items: usize,
    /// `meta.timeout_ms` of every Read Var and Write Var (0 = the host default).
    pub timeout_ms: u32,
    /// `meta.timeout_ms` of the COTP connect and Setup Communication.
    pub setup_timeout_ms: u32,
}

/// One configured point: its address and type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Point {
    pub index: u32,
    pub address: Address,
    pub ty: Type,
}

impl Point {
    pub fn area(&self) -> Area {
        self.address.area
    }

    /// The point as the user wrote it, normalised: `DB1.DBD8:REAL`; the type only when it is not
    /// the address's default.
    pub fn name(&self) -> String {
        if self.ty == self.address.default_type() {
            self.address.to_string()
        } else {
            format!("{}:{}", self.address, self.ty)
        }
    }

    /// Bytes one read of the point returns: the bit's byte (BIT item), the word of a timer or
    /// counter, or the type's bytes.
    pub fn read_size(&self) -> u32 {
        match self.ty {
            Type::Bool => 1,
            t => t.size(),
        }
    }

    /// A BYTE range can be read in parts when it does not fit one PDU; a bit, a timer and a counter
    /// are one item each.
    pub fn splittable(&self) -> bool {
        self.address.width != Width::Bit && !self.area().numbered()
    }
}

/// `0100` or `01.00`: a TSAP as two bytes in hex.
fn tsap(p: &Params, key: &str) -> Result<Option<u16>, Error> {
    let v = match p.get(key) {
        Some(v) => v,
        None => return Ok(None),
    };
    let digits: String = v.chars().filter(|&c| c != '.').collect();
    let ok = digits.len() == 4
        && digits.chars().all(|c| c.is_ascii_hexdigit())
        && (v.len() == 4 || (v.len() == 5 && v.as_bytes()[2] == b'.'));
    match u16::from_str_radix(&digits, 16) {
        Ok(t) if ok => Ok(Some(t)),
        _ => Err(p.error(format!("{key}={v} is not a TSAP of two hex bytes, e.g. 0100 or 01.02"))),
    }
}

/// Reads and checks the config: every key of every line known, then the values, then no key left
/// unread.
pub fn parse(config: &Config) -> Result<(DeviceConfig, Vec<Point>), Error> {
    config.known_keys(DEVICE_KEYS, POINT_KEYS)?;
    let d = &config.device;
    let remote = tsap(d, "remote_tsap")?;
    let local = tsap(d, "local_tsap")?.unwrap_or(0x0100);
    let remote_tsap = match remote {
        Some(t) => {
            if let Some(k) = ["rack", "slot", "connection"].iter().find(|k| d.get(k).is_some()) {
                return Err(d.error(format!(
                    "{k} and remote_tsap both given: remote_tsap replaces connection, rack and slot"
                )));
            }
            t
        }
        None => {
            // The called TSAP of an S7 CPU: connection type (1 PG, 2 OP, 3 S7 basic), then
            // rack * 32 + slot (Snap7, libnodave and TIA Portal agree on this layout).
            let kind: u16 = match d.get("connection").unwrap_or("pg") {
                "pg" => 1,
                "op" => 2,
                "basic" => 3,
                other => {
                    return Err(d.error(format!(
                        "connection={other} is not pg, op or basic (the TSAP's first byte 1, 2, 3)"
                    )))
                }
            };
            let rack = d.int_in("rack", Some(0), 0, 7)? as u16;
            let slot = d.int_in("slot", Some(1), 0, 31)? as u16;
            kind << 8 | (rack * 32 + slot)
        }
    };
    let device = DeviceConfig {
        local_tsap: local,
        remote_tsap,
        pdu: d.int_in("pdu", Some(DEFAULT_PDU as i64), 64, DEFAULT_PDU as i64)? as u16,
        // Snap7 (Cli_ReadMultiVars) and libnodave read at most 20 variables per request: the limit
        // S7-300/400 CPUs are documented with. The PDU length may allow fewer.
        max_items: d.int_in("max_items", Some(20), 1, 255)? as usize,
        timeout_ms: d.int_in("timeout_ms", Some(0), 0, 60_000)? as u32,
        // A connection is set up once; its answer may wait for a CPU that is busy starting (and
        // for a host whose first calls of a fresh module are slow). Retrying a COTP connect on the
        // same TCP connection is never right, so the setup waits longer than a read.
        setup_timeout_ms: d.int_in("setup_timeout_ms", Some(5_000), 0, 60_000)? as u32,
    };
    let mut points = Vec::with_capacity(config.points.len());
    for (i, p) in config.points.iter().enumerate() {
        let text = p.require::<String>("address")?;
        let (address, suffix) = address::parse(&text).map_err(|e| p.error(e))?;
        let key = match p.get("type") {
            None => None,
            Some(t) => Some(Type::parse(t).map_err(|e| p.error(format!("type={t}: {e}")))?),
        };
        let ty = match (suffix, key) {
            (Some(_), Some(_)) => {
                return Err(
                    p.error(format!("the type is given twice, in address={text} and type=: give it once"))
                )
            }
            (Some(t), None) => t,
            (None, Some(t)) => {
                if !address.fits(t) {
                    // The same words as for the suffix form.
                    let msg = address::parse(&format!("{text}:{t}")).err().unwrap_or_default();
                    return Err(p.error(msg));
                }
                t
            }
            (None, None) => address.default_type(),
        };
        let end = address.byte as u64 + ty.size() as u64 - 1;
        if !address.area.numbered() && end > address::MAX_BYTE as u64 {
            return Err(p.error(format!("{ty} at {address} runs past byte {}", address::MAX_BYTE)));
        }
        points.push(Point { index: i as u32, address, ty });
    }
    config.finish()?;
    Ok((device, points))
}
