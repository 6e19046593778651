//! Layer 3: the friendly `Driver` trait. Implement it and register it with
//! [`export_driver!`](crate::export_driver); the SDK writes every ABI export.

use crate::abi::Quality;
use crate::config::Config;
use crate::dispatch::Capacities;
use crate::error::Error;
use crate::out::{Out, Tx};
use core::fmt::Write as _;

/// `tcp`, `serial` or `can` (ABI.md §3.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    Tcp,
    Serial,
    Can,
}

impl Transport {
    pub fn name(self) -> &'static str {
        match self {
            Transport::Tcp => "tcp",
            Transport::Serial => "serial",
            Transport::Can => "can",
        }
    }

    /// The transport named `tcp`, `serial` or `can`.
    pub fn from_name(name: &str) -> Option<Transport> {
        match name {
            "tcp" => Some(Transport::Tcp),
            "serial" => Some(Transport::Serial),
            "can" => Some(Transport::Can),
            _ => None,
        }
    }
}

/// The v1.0 fields of the manifest `weir_describe` writes (ABI.md §3.4). The v1.1 fields are the
/// [`Driver`] constants `TRANSPORTS`, `UNSOLICITED` and `MAX_DEVICES`, so that a driver written for
/// v1.0 of this SDK still compiles.
#[derive(Clone, Copy, Debug)]
pub struct Manifest {
    /// `[a-z0-9-]{1,32}`
    pub name: &'static str,
    /// semantic version
    pub version: &'static str,
    /// e.g. `modbus-tcp`
    pub protocol: &'static str,
    pub transport: Transport,
    /// true if the driver only listens; `poll` then always ends the cycle.
    pub passive: bool,
    /// version of the state payload; `None` = the driver keeps no state across a swap.
    pub state_schema: Option<u32>,
}

impl Manifest {
    /// The manifest as the JSON object of ABI.md §3.4.
    pub fn to_json(&self) -> String {
        let mut s = format!(
            "{{\"name\":{},\"version\":{},\"protocol\":{},\"transport\":\"{}\"",
            json_string(self.name),
            json_string(self.version),
            json_string(self.protocol),
            self.transport.name()
        );
        if self.passive {
            s.push_str(",\"passive\":true");
        }
        if let Some(schema) = self.state_schema {
            // fmt::Write for String cannot fail.
            let _ = write!(s, ",\"state_schema\":{schema}");
        }
        s.push('}');
        s
    }
}

fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            // fmt::Write for String cannot fail.
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A typed value (ABI.md §6.1 value types). `Str`/`Bytes` borrow: the writer copies them to `blob`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value<'a> {
    Null,
    Bool(bool),
    I64(i64),
    U64(u64),
    F64(f64),
    Str(&'a str),
    Bytes(&'a [u8]),
}

/// Words for an error message: `the text "on"`, `the bytes 01 ff`, `the integer -3`.
impl std::fmt::Display for Value<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Null => write!(f, "null"),
            Value::Bool(b) => write!(f, "the bool {b}"),
            Value::I64(v) => write!(f, "the integer {v}"),
            Value::U64(v) => write!(f, "the unsigned integer {v}"),
            Value::F64(v) => write!(f, "the number {v}"),
            Value::Str(s) => write!(f, "the text \"{}\"", s.escape_debug()),
            Value::Bytes([]) => write!(f, "no bytes"),
            Value::Bytes(b) => {
                write!(f, "the bytes")?;
                for x in b.iter() {
                    write!(f, " {x:02x}")?;
                }
                Ok(())
            }
        }
    }
}

/// What `poll` or `write` put into `tx`: whether a response follows and how long to wait.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Request {
    /// `meta.expect`: 1 if a response follows.
    pub expect: bool,
    /// `meta.timeout_ms`: 0 = the host default (1000 ms).
    pub timeout_ms: u32,
    /// The request flag `LAST` (ABI.md §7.1, v1.2): the last request of its cycle, after which
    /// the host ends the cycle without calling `poll` again. The SDK passes it on only with
    /// agreed version 1.2 ([`Config::abi_minor`]); with an older one the host still calls `poll`
    /// to end the cycle, so a driver sets it, and takes the next `poll` as a new cycle, only when
    /// the agreed version is 1.2. Ignored for `write`.
    pub last: bool,
}

impl Request {
    /// A request that expects a response within the host's default timeout.
    pub const fn expecting_response() -> Request {
        Request { expect: true, timeout_ms: 0, last: false }
    }

    /// This request, marked as the last of its cycle (see [`Request::last`]).
    pub const fn last_of_cycle(self) -> Request {
        Request { last: true, ..self }
    }
}

/// Which way a frame travels, for [`Driver::correlation_key`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// A request: one the host adopts with `weir_observe`.
    Request,
    /// A frame from the device, completed by `weir_frame_len` or `weir_frame_end`.
    Response,
}

/// The answer of `frame_end` when the line fell silent (ABI.md §7.10, v1.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameEnd {
    /// `rx[0..n]` is a complete frame (`0 < n ≤ rx.len()`).
    Frame(usize),
    /// The pending bytes are no frame: the host drops them all.
    Discard,
    /// `rx[0..]` does not start a frame: drop this many bytes (≥ 1) and frame the rest.
    Resync(usize),
}

/// The framing answer of `frame_len` (ABI.md §7.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameLen {
    /// A complete frame of this many bytes starts at `rx[0]`.
    Complete(usize),
    /// More bytes are needed; the total frame size if known, else 0.
    NeedMore(usize),
    /// `rx[0..]` does not start a frame: drop this many bytes (≥ 1).
    Resync(usize),
}

/// A protocol driver for one device. The dispatcher keeps one value per open device handle, so an
/// instance serves many devices. Optional calls default to `E_UNSUPPORTED`.
pub trait Driver: Sized {
    /// What `weir_describe` reports (the v1.0 fields; the v1.1 ones follow).
    const MANIFEST: Manifest;

    /// ABI.md §3.4 `transports` (v1.1): every transport the driver can use, `MANIFEST.transport`
    /// among them. Empty (the default) means only `MANIFEST.transport`. The host says which one a
    /// device uses with the host key `weir.transport` ([`Config::transport`]).
    const TRANSPORTS: &'static [Transport] = &[];

    /// ABI.md §3.4 `unsolicited` (v1.1): frame and decode bytes that arrive with no request
    /// outstanding (a passive driver gets them anyway).
    const UNSOLICITED: bool = false;

    /// ABI.md §3.4 `max_devices` (v1.1): device handles one instance serves; `None` = no limit.
    /// The SDK also refuses a further handle with `E_UNSUPPORTED`, the v1.0 way.
    const MAX_DEVICES: Option<u32> = None;

    /// ABI.md §3.3: the oldest minor version the driver runs on, which `weir_abi_version` reports.
    /// Leave it 0 if the driver can do without v1.1 (it checks [`Config::abi_minor`] before using
    /// a v1.1 feature); set 1 if it cannot, e.g. because it needs `link_up` to set up its
    /// connection. A driver with the `can` transport reports 1 whatever this says, since v1.0
    /// defines no CAN frame encoding.
    const MIN_ABI_MINOR: u16 = 0;

    /// ABI.md §3.3: the newest minor version the driver is written for, the most `weir_host_abi`
    /// agrees on. 1 (the default) keeps it at v1.1. Set 2 for v1.2 if the driver either never
    /// sets [`Request::last`] or, with [`Config::abi_minor`] 2, sets it and starts a new cycle at
    /// the next `poll`; the SDK then also serves `weir_on_bytes` (§7.13) from `frame_len` and
    /// `on_frame`.
    const NEWEST_ABI_MINOR: u16 = 1;

    /// The capacities of the regions the SDK allocates for one instance (ABI.md §4). Ask for what
    /// the protocol needs — its largest request, frame, config and state — since the host keeps
    /// all of it for every instance; [`Capacities::DEFAULT`] is generous.
    const CAPACITIES: Capacities = Capacities::DEFAULT;

    /// `weir_open`: builds the device from its config (ABI.md §5). Reject what you do not
    /// understand with `Error::Config`, naming line and key. Call `config.known_keys(..)` first, so
    /// that a misspelt key is reported as such rather than as a missing one, and `config.finish()`
    /// last to reject a known key no one read.
    fn open(config: &Config, now_us: i64) -> Result<Self, Error>;

    /// `weir_poll`: writes the next request of the cycle into `tx` and returns `Some`, or `None`
    /// when the cycle is complete (ABI.md §7.1).
    fn poll(&mut self, tx: &mut Tx, now_us: i64) -> Result<Option<Request>, Error>;

    /// `weir_frame_len`: framing of the received bytes (ABI.md §7.2). `rx_cap` is the capacity of
    /// the `rx` region: a frame longer than that must be `Resync`.
    fn frame_len(&mut self, rx: &[u8], rx_cap: usize) -> FrameLen;

    /// `weir_on_frame`: decodes a complete frame into records (ABI.md §7.3). A device exception
    /// is records with `BAD_DEVICE` quality plus `out.set_last_error`, not an `Err`.
    fn on_frame(&mut self, frame: &[u8], out: &mut Out, now_us: i64) -> Result<(), Error>;

    /// `weir_on_timeout`: `BAD_COMM` records for the outstanding request (ABI.md §7.4). The
    /// default marks the points of [`Driver::pending`] `BAD_COMM` (nothing when it is `None`).
    fn on_timeout(&mut self, out: &mut Out, _now_us: i64) -> Result<(), Error> {
        match self.pending() {
            Some(p) => p.time_out(out),
            None => Ok(()),
        }
    }

    /// The request outstanding with the points it reads, for the default `on_timeout`: a driver
    /// that keeps a [`Pending`] returns it here and need not write `on_timeout` at all.
    fn pending(&mut self) -> Option<&mut Pending> {
        None
    }

    /// `weir_observe`: adopts a recorded request as the outstanding one (ABI.md §7.5).
    fn observe(&mut self, request: &[u8]) -> Result<(), Error> {
        let _ = request;
        Err(Error::Unsupported("this driver does not replay recorded traffic (observe)".into()))
    }

    /// `weir_write`: encodes a write of `value` to `point` into `tx` (ABI.md §7.6).
    fn write(&mut self, point: u32, value: Value, tx: &mut Tx, now_us: i64) -> Result<Request, Error> {
        let _ = (point, value, tx, now_us);
        Err(Error::Unsupported("this driver does not write".into()))
    }

    /// `weir_save_state`: appends the state payload after the 4-byte schema the SDK writes from
    /// `MANIFEST.state_schema` (ABI.md §7.7).
    fn save_state(&self, state: &mut Vec<u8>) -> Result<(), Error> {
        let _ = state;
        Err(Error::Unsupported("this driver keeps no state".into()))
    }

    /// `weir_load_state`: restores a payload saved under `schema` (the payload's first 4 bytes,
    /// already removed from `state`). Return `Error::Schema` for a schema you cannot read.
    fn load_state(&mut self, schema: u32, state: &[u8]) -> Result<(), Error> {
        let _ = (schema, state);
        Err(Error::Unsupported("this driver keeps no state".into()))
    }

    /// `weir_close`: the device is forgotten right after this.
    fn close(&mut self) {}

    /// `weir_link_up` (ABI.md §7.9, v1.1): the device's link has just come up, a fresh connection.
    /// A driver that sets up a connection (S7: COTP connect, Setup Communication) forgets what it
    /// negotiated here and starts its next cycle with the setup exchanges. The default answers
    /// `E_UNSUPPORTED`: the driver does not use link events, so the host never reconnects on its
    /// behalf. Any other error makes the host reconnect.
    fn link_up(&mut self, now_us: i64) -> Result<(), Error> {
        let _ = now_us;
        Err(Error::Unsupported("this driver does not use link events".into()))
    }

    /// `weir_frame_end` (ABI.md §7.10, v1.1): the serial line fell silent with `rx` pending, which
    /// `frame_len` had not completed. The default answers `E_UNSUPPORTED`: the host keeps waiting.
    fn frame_end(&mut self, rx: &[u8]) -> Result<FrameEnd, Error> {
        let _ = rx;
        Err(Error::Unsupported("this driver does not frame by line silence".into()))
    }

    /// `weir_tick` (ABI.md §7.11, v1.1): a schedule tick; write device-status records (a passive
    /// peer gone silent) or readings derived from time. The default answers `E_UNSUPPORTED`, after
    /// which the host stops calling it.
    fn tick(&mut self, out: &mut Out, now_us: i64) -> Result<(), Error> {
        let _ = (out, now_us);
        Err(Error::Unsupported("this driver does not use ticks".into()))
    }

    /// ABI.md §7.12 (v1.1): the correlation key of a frame, derived from its bytes alone, equal
    /// for a request and its response; 0 (the default) = none. For Modbus TCP:
    /// `(transaction << 16) | (unit << 8) | (function & 0x7f)`.
    fn correlation_key(&self, frame: &[u8], direction: Direction) -> u32 {
        let _ = (frame, direction);
        0
    }
}

#[cfg(test)]
mod tests {
    use super::Value;

    #[test]
    fn values_read_as_words_in_error_messages() {
        assert_eq!(Value::Str("on").to_string(), "the text \"on\"");
        assert_eq!(Value::Str("a\"b").to_string(), "the text \"a\\\"b\"");
        assert_eq!(Value::Bytes(&[1, 255]).to_string(), "the bytes 01 ff");
        assert_eq!(Value::Bytes(&[]).to_string(), "no bytes");
        assert_eq!(Value::I64(-3).to_string(), "the integer -3");
        assert_eq!(Value::U64(7).to_string(), "the unsigned integer 7");
        assert_eq!(Value::F64(1.5).to_string(), "the number 1.5");
        assert_eq!(Value::Bool(true).to_string(), "the bool true");
        assert_eq!(Value::Null.to_string(), "null");
    }
}

/// The request a driver waits for and the points its answer carries: set in `poll`, taken in
/// `on_frame`, and marked `BAD_COMM` by the default `on_timeout` when no answer comes.
#[derive(Clone, Debug, Default)]
pub struct Pending {
    points: Vec<u32>,
    what: String,
    outstanding: bool,
}

impl Pending {
    /// A request for `points` is on its way; `what` names it in the timeout's last error.
    pub fn ask(&mut self, points: &[u32], what: impl Into<String>) {
        self.points.clear();
        self.points.extend_from_slice(points);
        self.what = what.into();
        self.outstanding = true;
    }

    /// The points of the outstanding request, which is then answered; `None` when nothing is
    /// outstanding (an answer nobody asked for: `Error::Order`).
    pub fn take(&mut self) -> Option<Vec<u32>> {
        if !self.outstanding {
            return None;
        }
        self.outstanding = false;
        Some(std::mem::take(&mut self.points))
    }

    /// The points of the outstanding request, still outstanding.
    pub fn points(&self) -> Option<&[u32]> {
        self.outstanding.then_some(self.points.as_slice())
    }

    /// No answer came: every point of the outstanding request `BAD_COMM`, and `no answer to …` as
    /// the last error. Nothing outstanding writes nothing.
    pub fn time_out(&mut self, out: &mut Out) -> Result<(), Error> {
        let points = match self.take() {
            Some(p) => p,
            None => return Ok(()),
        };
        out.set_last_error(format!("no answer to {}", self.what));
        for p in points {
            out.record(p, Value::Null, Quality::BAD_COMM)?;
        }
        Ok(())
    }
}

/// `frame_len` for a protocol whose frames end with `delimiter` (a text line: `b'\n'`): the frame
/// up to and including it; more bytes while it has not come; `Resync` dropping what came once a
/// frame could no longer fit `rx` (ABI.md §7.2).
pub fn delimited(rx: &[u8], rx_cap: usize, delimiter: u8) -> FrameLen {
    match rx.iter().position(|&b| b == delimiter) {
        Some(end) => FrameLen::Complete(end + 1),
        None if rx.len() >= rx_cap => FrameLen::Resync(rx.len()),
        None => FrameLen::NeedMore(0),
    }
}
