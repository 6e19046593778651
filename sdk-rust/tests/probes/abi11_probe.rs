//! abi11-probe: the v1.1 test driver of both SDKs (the AssemblyScript twin is
//! `sdk-assemblyscript/test/drivers/abi11-probe`); both run the vector files in its `vectors/`.
//! A made-up protocol with a connection setup, two framings and device events:
//!
//! - framing on `tcp`: `len body` (len = body length, 1..255); on `serial`: `body xor`, no length
//!   field, so a frame ends at line silence (`frame_end`, the XOR of the body checks it);
//! - setup: `S` → `s size`; `size` (≥ 1) is how many points one read may carry, negotiated anew
//!   after every `link_up`, and kept in the state (schema 1: the size, 0 = none);
//! - read: `R tag first count` → `r tag v0 v1 …` (one u8 per point, as u64 records);
//! - write: `W tag point value` → `w tag point value` (confirmed) or `x tag point code` (refused);
//! - event: `E code` at any time: a device status (`GOOD` for 0, else `BAD_DEVICE` with the code);
//!   while a request is outstanding it is `NOT_ANSWER`;
//! - correlation key (ABI §7.12): `0x10000 | kind << 8 | tag`, kind `r` for R/r, `w` for W/w/x, `s`
//!   (tag 0) for S/s; events have none.
//!
//! Tags count 1, 2, 3 … per request. Points have no keys; every point is one u8 of the device.

use weir_sdk::{
    Config, Direction, Driver, Error, FrameEnd, FrameLen, Manifest, Out, Quality, Request, Transport, Tx,
    Value,
};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Asked {
    Setup,
    Read { tag: u8, first: u8, count: u8 },
    Write { tag: u8, point: u8, observed: bool },
}

pub struct Abi11Probe {
    transport: Transport,
    points: usize,
    size: Option<u8>,
    next_point: usize,
    next_tag: u8,
    asked: Option<Asked>,
}

fn xor(bytes: &[u8]) -> u8 {
    bytes.iter().fold(0, |a, b| a ^ b)
}

impl Abi11Probe {
    /// The body of a complete frame in this device's framing, or why it is none.
    fn body<'a>(&self, frame: &'a [u8]) -> Result<&'a [u8], Error> {
        match self.transport {
            Transport::Serial => match frame.split_last() {
                Some((&check, body)) if !body.is_empty() && xor(body) == check => Ok(body),
                _ => Err(Error::Proto("serial frame with a wrong XOR check".into())),
            },
            _ => match frame.split_first() {
                Some((&len, body)) if len as usize == body.len() && len > 0 => Ok(body),
                _ => Err(Error::Proto("tcp frame whose length byte does not match".into())),
            },
        }
    }

    fn send(&mut self, tx: &mut Tx, body: &[u8]) -> Result<(), Error> {
        match self.transport {
            Transport::Serial => {
                tx.put(body)?;
                tx.put_u8(xor(body))
            }
            _ => {
                tx.put_u8(body.len() as u8)?;
                tx.put(body)
            }
        }
    }

    fn tag(&mut self) -> u8 {
        let t = self.next_tag;
        self.next_tag = if t == 255 { 1 } else { t + 1 };
        t
    }
}

impl Driver for Abi11Probe {
    const MANIFEST: Manifest = Manifest {
        name: "abi11-probe",
        version: "0.1.0",
        protocol: "abi11-probe",
        transport: Transport::Tcp,
        passive: false,
        state_schema: Some(1),
    };
    const TRANSPORTS: &'static [Transport] = &[Transport::Tcp, Transport::Serial];
    const UNSOLICITED: bool = true;
    const MAX_DEVICES: Option<u32> = Some(2);

    fn open(config: &Config, _now_us: i64) -> Result<Self, Error> {
        config.known_keys(&[], &[])?;
        if config.points.len() > 255 {
            return Err(Error::Config(format!(
                "{} points; abi11-probe reads at most 255",
                config.points.len()
            )));
        }
        config.finish()?;
        Ok(Abi11Probe {
            transport: config.transport().unwrap_or(Self::MANIFEST.transport),
            points: config.points.len(),
            size: None,
            next_point: 0,
            next_tag: 1,
            asked: None,
        })
    }

    fn link_up(&mut self, _now_us: i64) -> Result<(), Error> {
        // A fresh connection: the size is negotiated again, the cycle starts over.
        self.size = None;
        self.next_point = 0;
        self.asked = None;
        Ok(())
    }

    fn poll(&mut self, tx: &mut Tx, _now_us: i64) -> Result<Option<Request>, Error> {
        let size = match self.size {
            None => {
                self.send(tx, b"S")?;
                self.asked = Some(Asked::Setup);
                return Ok(Some(Request::expecting_response()));
            }
            Some(size) => size,
        };
        if self.next_point >= self.points {
            self.next_point = 0;
            return Ok(None);
        }
        let first = self.next_point as u8;
        let count = size.min((self.points - self.next_point) as u8);
        let tag = self.tag();
        self.send(tx, &[b'R', tag, first, count])?;
        self.next_point += count as usize;
        self.asked = Some(Asked::Read { tag, first, count });
        Ok(Some(Request::expecting_response()))
    }

    fn frame_len(&mut self, rx: &[u8], _rx_cap: usize) -> FrameLen {
        match (self.transport, rx.first()) {
            // No length field: only line silence ends a frame (frame_end).
            (Transport::Serial, _) => FrameLen::NeedMore(0),
            (_, None) => FrameLen::NeedMore(0),
            (_, Some(0)) => FrameLen::Resync(1),
            (_, Some(&len)) if rx.len() <= len as usize => FrameLen::NeedMore(1 + len as usize),
            (_, Some(&len)) => FrameLen::Complete(1 + len as usize),
        }
    }

    fn frame_end(&mut self, rx: &[u8]) -> Result<FrameEnd, Error> {
        Ok(match rx {
            [0, ..] => FrameEnd::Resync(1),
            [_] => FrameEnd::Discard,
            [body @ .., check] if xor(body) == *check => FrameEnd::Frame(rx.len()),
            _ => FrameEnd::Discard,
        })
    }

    fn on_frame(&mut self, frame: &[u8], out: &mut Out, _now_us: i64) -> Result<(), Error> {
        let body = self.body(frame)?;
        let byte = |i: usize| {
            body.get(i)
                .copied()
                .ok_or_else(|| Error::Proto(format!("message of {} bytes is short", body.len())))
        };
        match (body[0], self.asked) {
            (b'E', asked) => {
                let code = byte(1)?;
                if code == 0 {
                    out.device_status(Value::Null, Quality::GOOD)?;
                } else {
                    out.device_status(Value::U64(code as u64), Quality::BAD_DEVICE)?;
                    out.set_last_error(format!("device event {code}"));
                }
                if asked.is_some() {
                    out.not_answer();
                }
                Ok(())
            }
            (b's', Some(Asked::Setup)) => {
                let size = byte(1)?;
                if size == 0 {
                    return Err(Error::Proto("setup answer with size 0".into()));
                }
                self.size = Some(size);
                self.asked = None;
                Ok(())
            }
            (b'r', Some(Asked::Read { tag, first, count })) => {
                if byte(1)? != tag {
                    return Err(Error::Proto(format!(
                        "answer tag {}, outstanding request has tag {tag}",
                        byte(1)?
                    )));
                }
                for i in 0..count {
                    out.record((first + i) as u32, Value::U64(byte(2 + i as usize)? as u64), Quality::GOOD)?;
                }
                self.asked = None;
                Ok(())
            }
            (b'w' | b'x', Some(Asked::Write { tag, point, observed })) => {
                if byte(1)? != tag || byte(2)? != point {
                    return Err(Error::Proto(format!(
                        "write answer tag {} point {}, outstanding {tag} {point}",
                        byte(1)?,
                        byte(2)?
                    )));
                }
                let (value, quality) = if body[0] == b'w' {
                    (Value::U64(byte(3)? as u64), Quality::GOOD)
                } else {
                    out.set_last_error(format!("write of point {point} refused with code {}", byte(3)?));
                    (Value::U64(byte(3)? as u64), Quality::BAD_DEVICE)
                };
                // The SDK marks the records of a point written by weir_write itself; an adopted
                // (observed) write is marked here.
                if observed {
                    out.write_result(point as u32, value, quality)?;
                } else {
                    out.record(point as u32, value, quality)?;
                }
                self.asked = None;
                Ok(())
            }
            (kind, _) => Err(Error::Proto(format!(
                "message {:?} does not answer the outstanding request",
                kind as char
            ))),
        }
    }

    fn on_timeout(&mut self, out: &mut Out, _now_us: i64) -> Result<(), Error> {
        match self.asked.take() {
            None => Err(Error::Order("no request outstanding".into())),
            Some(Asked::Setup) => out.device_status(Value::Str("no answer to the setup"), Quality::BAD_COMM),
            Some(Asked::Read { first, count, .. }) => {
                (first..first + count).try_for_each(|p| out.record(p as u32, Value::Null, Quality::BAD_COMM))
            }
            Some(Asked::Write { point, observed, .. }) if observed => {
                out.write_result(point as u32, Value::Null, Quality::BAD_COMM)
            }
            Some(Asked::Write { point, .. }) => out.record(point as u32, Value::Null, Quality::BAD_COMM),
        }
    }

    fn write(&mut self, point: u32, value: Value, tx: &mut Tx, _now_us: i64) -> Result<Request, Error> {
        if point as usize >= self.points {
            return Err(Error::Inval(format!("point {point} is not in the point map")));
        }
        let v = match value {
            Value::U64(v) if v <= 255 => v as u8,
            Value::I64(v) if (0..=255).contains(&v) => v as u8,
            other => return Err(Error::Inval(format!("abi11-probe writes 0..255, not {other}"))),
        };
        let tag = self.tag();
        self.send(tx, &[b'W', tag, point as u8, v])?;
        self.asked = Some(Asked::Write { tag, point: point as u8, observed: false });
        Ok(Request::expecting_response())
    }

    fn observe(&mut self, request: &[u8]) -> Result<(), Error> {
        let body = self.body(request)?;
        self.asked = Some(match body {
            [b'S'] => Asked::Setup,
            [b'R', tag, first, count] => Asked::Read { tag: *tag, first: *first, count: *count },
            [b'W', tag, point, _] => Asked::Write { tag: *tag, point: *point, observed: true },
            _ => return Err(Error::Unsupported("not a request of abi11-probe".into())),
        });
        Ok(())
    }

    fn correlation_key(&self, frame: &[u8], _direction: Direction) -> u32 {
        let body = match self.body(frame) {
            Ok(b) => b,
            Err(_) => return 0,
        };
        let tag = body.get(1).copied().unwrap_or(0) as u32;
        match body[0] {
            b'S' | b's' => 0x10000 | (b's' as u32) << 8,
            b'R' | b'r' => 0x10000 | (b'r' as u32) << 8 | tag,
            b'W' | b'w' | b'x' => 0x10000 | (b'w' as u32) << 8 | tag,
            _ => 0,
        }
    }

    fn save_state(&self, state: &mut Vec<u8>) -> Result<(), Error> {
        state.push(self.size.unwrap_or(0));
        Ok(())
    }

    fn load_state(&mut self, schema: u32, state: &[u8]) -> Result<(), Error> {
        match (schema, state) {
            (1, [size]) => {
                self.size = if *size == 0 { None } else { Some(*size) };
                Ok(())
            }
            _ => Err(Error::Schema(format!(
                "schema {schema} with {} bytes; abi11-probe reads schema 1 with 1",
                state.len()
            ))),
        }
    }
}
