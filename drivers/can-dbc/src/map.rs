//! The point map: point lines (one per DBC signal, written by the host's DBC converter) grouped
//! into the messages they belong to.
//!
//! ```text
//! device j1939=1 address=249
//! point 0 pgn=61444 size=8 start=24 len=16 factor=0.125 min=0 max=8031.875
//! point 1 pgn=61444 size=8 field=source
//! point 2 id=0x1F4 size=4 start=8 len=8 choices=0:zero,1:one,2:two
//! point 3 id=0xC8 size=8 start=16 len=12 factor=0.1 switch=4 mux=0
//! point 4 id=0xC8 size=8 start=0 len=4
//! ```

use crate::signal::{unescape, Kind, Order, Signal};
use weir_sdk::{Config, Error, Params};

/// The device keys and point keys this driver knows.
pub const DEVICE_KEYS: &[&str] = &["j1939", "address", "source", "cts_packets"];
pub const POINT_KEYS: &[&str] = &[
    "id", "ext", "fd", "pgn", "sa", "size", "field", "start", "len", "order", "signed", "float", "factor",
    "offset", "min", "max", "choices", "switch", "mux",
];

/// Which frames a message is carried in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    /// A plain CAN identifier (11-bit, or 29-bit with `ext`).
    Can { id: u32, ext: bool },
    /// A J1939 parameter group, from one source address or (`None`, a DBC id whose source address
    /// is the placeholder 0xFE) from any.
    J1939 { pgn: u32, sa: Option<u8> },
}

#[derive(Clone, Debug)]
pub enum Field {
    Signal {
        signal: Signal,
        mux: Option<(u32, u64)>,
    },
    /// The source address of the frame the message came in (J1939 only).
    Source,
}

#[derive(Clone, Debug)]
pub struct Point {
    pub field: Field,
    /// J1939-71 "not available"/"error" ranges apply (the point's message is a J1939 PGN).
    pub j1939: bool,
}

#[derive(Clone, Debug)]
pub struct Message {
    pub key: Key,
    /// The DBC message length in bytes (`BO_ id name: size`).
    pub size: usize,
    /// Whether the DBC declares it a CAN FD frame (`fd=1`): its frames may be padded up to the
    /// next FD length.
    pub fd: bool,
    /// The point indexes of its signals, ascending.
    pub points: Vec<u32>,
}

pub struct Map {
    pub points: Vec<Point>,
    pub messages: Vec<Message>,
}

fn flag(p: &Params, key: &str) -> Result<bool, Error> {
    match p.get(key) {
        None | Some("0") | Some("false") => Ok(false),
        Some("1") | Some("true") => Ok(true),
        Some(v) => Err(p.error(format!("{key}={v} is not 0, 1, true or false"))),
    }
}

/// An integer written in decimal or with `0x`.
fn int(p: &Params, key: &str, min: u64, max: u64) -> Result<Option<u64>, Error> {
    let text = match p.get(key) {
        None => return Ok(None),
        Some(t) => t,
    };
    let parsed = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => text.parse::<u64>(),
    };
    match parsed {
        Ok(v) if v >= min && v <= max => Ok(Some(v)),
        Ok(v) => Err(p.error(format!("{key}={v} is out of range {min}..{max}"))),
        Err(_) => Err(p.error(format!("{key}={text} is not an integer"))),
    }
}

fn number(p: &Params, key: &str) -> Result<Option<f64>, Error> {
    match p.get(key) {
        None => Ok(None),
        Some(t) => match t.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(Some(v)),
            _ => Err(p.error(format!("{key}={t} is not a finite number"))),
        },
    }
}

fn choices(p: &Params) -> Result<Vec<(i64, String)>, Error> {
    let text = match p.get("choices") {
        None => return Ok(Vec::new()),
        Some(t) => t,
    };
    let mut out: Vec<(i64, String)> = Vec::new();
    for item in text.split(',') {
        let (v, label) =
            item.split_once(':').ok_or_else(|| p.error(format!("choices: \"{item}\" is not VALUE:LABEL")))?;
        let v: i64 = v.parse().map_err(|_| p.error(format!("choices: \"{v}\" is not an integer")))?;
        if out.iter().any(|(seen, _)| *seen == v) {
            return Err(p.error(format!("choices: value {v} given twice")));
        }
        out.push((v, unescape(label).map_err(|e| p.error(format!("choices: {}", e.message())))?));
    }
    Ok(out)
}

impl Map {
    /// Reads the point lines. `j1939` is the device's `j1939` key: `pgn=` needs it.
    pub fn parse(config: &Config, j1939: bool) -> Result<Map, Error> {
        let mut points = Vec::with_capacity(config.points.len());
        let mut messages: Vec<Message> = Vec::new();
        // (message, switch point) of every multiplexed signal, checked once all points are read.
        let mut switches: Vec<(usize, u32, usize)> = Vec::new();
        for (index, p) in config.points.iter().enumerate() {
            let key = match (p.get("id").is_some(), p.get("pgn").is_some()) {
                (true, true) => return Err(p.error("give id= or pgn=, not both")),
                (false, false) => {
                    return Err(p.error("missing key \"id\" (a CAN identifier) or \"pgn\" (J1939)"))
                }
                (true, false) => {
                    let ext = flag(p, "ext")?;
                    let id = int(p, "id", 0, if ext { 0x1FFF_FFFF } else { 0x7FF })?.unwrap_or(0);
                    Key::Can { id: id as u32, ext }
                }
                (false, true) => {
                    if !j1939 {
                        return Err(p.error("pgn= needs j1939=1 on the device line"));
                    }
                    let pgn = int(p, "pgn", 0, 0x3FFFF)?.unwrap_or(0) as u32;
                    if (pgn >> 8) & 0xFF < 240 && pgn & 0xFF != 0 {
                        return Err(p.error(format!(
                            "pgn={pgn} is a PDU1 group (PF {} < 240) with a non-zero low byte, which J1939-21 does not define",
                            (pgn >> 8) & 0xFF
                        )));
                    }
                    let sa = int(p, "sa", 0, 253)?.map(|v| v as u8);
                    Key::J1939 { pgn, sa }
                }
            };
            if matches!(key, Key::Can { .. }) && p.get("sa").is_some() {
                return Err(p.error("sa= belongs to pgn= points (J1939)"));
            }
            let size = int(p, "size", 1, 1785)?
                .ok_or_else(|| p.error("missing key \"size\" (the message length in bytes)"))?
                as usize;
            let fd = flag(p, "fd")?;
            if matches!(key, Key::Can { .. }) && size > 64 {
                return Err(p.error(format!("size={size}: a CAN frame carries at most 64 bytes")));
            }
            if matches!(key, Key::Can { .. }) && size > 8 && !fd {
                return Err(
                    p.error(format!("size={size} needs fd=1: a classic CAN frame carries at most 8 bytes"))
                );
            }
            let message = match messages.iter().position(|m| m.key == key) {
                Some(m) if messages[m].size != size => {
                    return Err(p.error(format!(
                        "size={size}, but point {} of the same message says size={}",
                        messages[m].points[0], messages[m].size
                    )))
                }
                Some(m) => m,
                None => {
                    messages.push(Message { key, size, fd, points: Vec::new() });
                    messages.len() - 1
                }
            };
            messages[message].points.push(index as u32);
            let field = match p.get("field") {
                Some("source") => {
                    if !matches!(key, Key::J1939 { .. }) {
                        return Err(p.error("field=source needs a pgn= point"));
                    }
                    Field::Source
                }
                Some(other) => {
                    return Err(p.error(format!("field={other} is unknown (the one field is \"source\")")))
                }
                None => {
                    let signal = signal(p, size)?;
                    let mux = match (int(p, "switch", 0, u32::MAX as u64)?, int(p, "mux", 0, u64::MAX)?) {
                        (None, None) => None,
                        (Some(s), Some(v)) => {
                            switches.push((message, s as u32, index));
                            Some((s as u32, v))
                        }
                        _ => return Err(p.error("switch= and mux= go together")),
                    };
                    Field::Signal { signal, mux }
                }
            };
            points.push(Point { field, j1939: matches!(key, Key::J1939 { .. }) });
        }
        for (message, switch, index) in switches {
            let what = format!("point {index}");
            if !messages[message].points.contains(&switch) {
                return Err(Error::Config(format!(
                    "{what}: switch={switch} is not a point of the same message"
                )));
            }
            match &points[switch as usize].field {
                Field::Signal { signal, mux: None } if matches!(signal.kind, Kind::Int { .. }) => {}
                Field::Signal { mux: Some(_), .. } => {
                    return Err(Error::Config(format!(
                    "{what}: switch={switch} is itself multiplexed (extended multiplexing is not supported)"
                )))
                }
                _ => {
                    return Err(Error::Config(format!("{what}: switch={switch} is not an integer signal")));
                }
            }
        }
        Ok(Map { points, messages })
    }
}

fn signal(p: &Params, size: usize) -> Result<Signal, Error> {
    let start =
        int(p, "start", 0, 511)?.ok_or_else(|| p.error("missing key \"start\" (the start bit)"))? as u16;
    let len = int(p, "len", 1, 64)?.ok_or_else(|| p.error("missing key \"len\" (the length in bits)"))? as u8;
    let order = match p.get("order") {
        None | Some("intel") => Order::Intel,
        Some("motorola") => Order::Motorola,
        Some(o) => return Err(p.error(format!("order={o} is not intel or motorola"))),
    };
    let signed = flag(p, "signed")?;
    let kind = match p.get("float") {
        None => Kind::Int { signed },
        Some("32") if len == 32 => Kind::F32,
        Some("64") if len == 64 => Kind::F64,
        Some(f @ ("32" | "64")) => return Err(p.error(format!("float={f} needs len={f}, not {len}"))),
        Some(f) => return Err(p.error(format!("float={f} is not 32 or 64"))),
    };
    let factor = number(p, "factor")?.unwrap_or(1.0);
    let offset = number(p, "offset")?.unwrap_or(0.0);
    let (min, max) = (number(p, "min")?, number(p, "max")?);
    if let (Some(a), Some(b)) = (min, max) {
        if a > b {
            return Err(p.error(format!("min={a} is above max={b}")));
        }
    }
    let choices = choices(p)?;
    if !choices.is_empty() && kind != (Kind::Int { signed }) {
        return Err(p.error("choices= needs an integer signal"));
    }
    let s = Signal { start, len, order, kind, factor, offset, min, max, choices };
    s.check_fits(size).map_err(|m| p.error(m))?;
    Ok(s)
}
