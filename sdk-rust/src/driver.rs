//! Layer 3: the friendly `Driver` trait. Implement it and register it with
//! [`export_driver!`](crate::export_driver); the SDK writes every ABI export.

use crate::config::Config;
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
}

/// The manifest `weir_describe` writes (ABI.md §3.4).
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
}

impl Request {
    /// A request that expects a response within the host's default timeout.
    pub const fn expecting_response() -> Request {
        Request { expect: true, timeout_ms: 0 }
    }
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
    /// What `weir_describe` reports.
    const MANIFEST: Manifest;

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

    /// `weir_on_timeout`: `BAD_COMM` records for the outstanding request (ABI.md §7.4).
    fn on_timeout(&mut self, out: &mut Out, now_us: i64) -> Result<(), Error>;

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
