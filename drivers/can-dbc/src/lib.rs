//! Weir driver `can-dbc`: decodes CAN and CAN FD frames into signals described by a DBC file, and
//! SAE J1939 parameter groups including multi-packet messages (TP.CM BAM and RTS/CTS, TP.DT).
//!
//! The host turns the DBC into point lines (ABI §5 cannot carry a file); see README.md for the
//! keys. The driver is passive: every frame on the bus is delivered to it, and the only frames it
//! sends are J1939 transport answers (CTS, EndOfMsgAck, Abort) when an RTS names its own address.

pub mod j1939;
pub mod map;
pub mod signal;

use j1939::{J1939Id, Role, Session};
use map::{Field, Key, Map, Message};
use signal::{J1939Indicator, Physical};
use weir_sdk::can::{self, CanFrame};
use weir_sdk::{
    Config, Driver, Error, FrameLen, Level, Manifest, Out, Quality, Request, Transport, Tx, Value,
};

/// Sessions reassembled at once; an RTS beyond this is aborted ("resources needed elsewhere").
const MAX_SESSIONS: usize = 32;

pub struct CanDbc {
    map: Map,
    j1939: bool,
    /// This node's J1939 address: an RTS to it is answered.
    own: Option<u8>,
    /// Only frames from this source address are decoded.
    source: Option<u8>,
    /// Packets one CTS allows at most.
    cts_packets: u8,
    sessions: Vec<Session>,
    /// Encoded frames waiting for the next `poll`.
    queue: Vec<u8>,
}

/// A decoded frame or reassembled message, as the point map matches it.
struct Payload<'a> {
    /// The CAN id for messages, or the J1939 PGN and source address.
    origin: Origin,
    data: &'a [u8],
    fd: bool,
    /// Reassembled by TP: its length is the TP size, which may exceed the DBC size (variable
    /// length groups such as DM1).
    transport: bool,
}

#[derive(Clone, Copy)]
enum Origin {
    Can { id: u32, ext: bool },
    J1939 { pgn: u32, sa: u8 },
}

impl Origin {
    fn describe(self) -> String {
        match self {
            Origin::Can { id, ext: true } => format!("frame {id:08X}"),
            Origin::Can { id, ext: false } => format!("frame {id:03X}"),
            Origin::J1939 { pgn, sa } => format!("PGN {pgn} from {sa:#04x}"),
        }
    }

    fn matches(self, key: Key) -> bool {
        match (self, key) {
            (Origin::Can { id, ext }, Key::Can { id: k, ext: e }) => id == k && ext == e,
            (Origin::J1939 { pgn, sa }, Key::J1939 { pgn: p, sa: s }) => {
                pgn == p && s.map_or(true, |s| s == sa)
            }
            _ => false,
        }
    }
}

/// The shortest CAN FD payload that holds `size` bytes: an FD frame is padded up to it.
fn fd_padded(size: usize) -> usize {
    (0..=15u8).map(|dlc| can::data_length(dlc, true)).find(|&l| l >= size).unwrap_or(usize::MAX)
}

impl CanDbc {
    fn send(&mut self, da: u8, data: [u8; 8], out: &mut Out) -> Result<(), Error> {
        let own = match self.own {
            Some(a) => a,
            None => return Ok(()),
        };
        let id = J1939Id::pdu1(7, j1939::PGN_TP_CM, da, own);
        let mut buf = [0u8; 16];
        let mut tx = Tx::new(&mut buf);
        CanFrame::classic(id, true, &data)?.encode(&mut tx)?;
        let n = tx.len();
        self.queue.extend_from_slice(&buf[..n]);
        out.poll_now();
        Ok(())
    }

    fn cts(&mut self, i: usize, out: &mut Out, now_us: i64) -> Result<(), Error> {
        let s = &mut self.sessions[i];
        let count = s.window(self.cts_packets);
        s.window_end = s.next - 1 + count;
        s.deadline_us = now_us + j1939::T2_US;
        s.timer = "T2";
        let p = s.pgn.to_le_bytes();
        let (da, next) = (s.sa, s.next);
        self.send(da, [j1939::CM_CTS, count, next, 0xFF, 0xFF, p[0], p[1], p[2]], out)
    }

    fn abort(&mut self, da: u8, pgn: u32, reason: u8, out: &mut Out) -> Result<(), Error> {
        let p = pgn.to_le_bytes();
        self.send(da, [j1939::CM_ABORT, reason, 0xFF, 0xFF, 0xFF, p[0], p[1], p[2]], out)
    }

    /// An expected condition: one log line, and the text `weir_last_error` returns.
    fn report(out: &mut Out, text: String) {
        weir_sdk::log(Level::Warn, &text);
        out.set_last_error(text);
    }

    fn tp_cm(&mut self, id: J1939Id, data: &[u8], out: &mut Out, now_us: i64) -> Result<(), Error> {
        if data.len() < 8 {
            Self::report(
                out,
                format!("J1939 TP.CM from {:#04x} has {} data bytes, not 8", id.sa, data.len()),
            );
            return Ok(());
        }
        let pgn = j1939::cm_pgn(data);
        let size = u16::from_le_bytes([data[1], data[2]]) as usize;
        match data[0] {
            control @ (j1939::CM_BAM | j1939::CM_RTS) => {
                let bam = control == j1939::CM_BAM;
                if bam && id.da != j1939::GLOBAL {
                    Self::report(
                        out,
                        format!(
                            "J1939 TP.CM BAM from {:#04x} to {:#04x}: a BAM goes to the global address",
                            id.sa, id.da
                        ),
                    );
                    return Ok(());
                }
                let responder = !bam && Some(id.da) == self.own;
                if let Some(old) = self.sessions.iter().position(|s| s.sa == id.sa && s.da == id.da) {
                    let old = self.sessions.remove(old);
                    Self::report(out, format!("{} replaced by a new TP.CM", old.describe()));
                }
                let packets = data[3];
                if !(9..=j1939::MAX_SIZE).contains(&size) || packets as usize != j1939::packets_for(size) {
                    Self::report(
                        out,
                        format!(
                            "J1939 TP.CM from {:#04x} for PGN {pgn}: {size} bytes in {packets} packets is no transport session (9-1785 bytes, 7 a packet)",
                            id.sa
                        ),
                    );
                    if responder && size > j1939::MAX_SIZE {
                        self.abort(id.sa, pgn, j1939::ABORT_TOO_LARGE, out)?;
                    }
                    return Ok(());
                }
                if self.sessions.len() >= MAX_SESSIONS {
                    Self::report(
                        out,
                        format!(
                            "J1939 TP.CM from {:#04x} for PGN {pgn}: {MAX_SESSIONS} sessions already open",
                            id.sa
                        ),
                    );
                    if responder {
                        self.abort(id.sa, pgn, j1939::ABORT_RESOURCES, out)?;
                    }
                    return Ok(());
                }
                let role = if bam {
                    Role::Bam
                } else if responder {
                    Role::Responder
                } else {
                    Role::Overheard
                };
                self.sessions.push(Session {
                    sa: id.sa,
                    da: id.da,
                    pgn,
                    size,
                    packets,
                    next: 1,
                    window_end: packets,
                    max_per_cts: if bam || data[4] == 0 { 0xFF } else { data[4] },
                    data: Vec::with_capacity(packets as usize * 7),
                    role,
                    deadline_us: now_us + if bam { j1939::T1_US } else { j1939::T2_US },
                    timer: if bam { "T1" } else { "T2" },
                });
                if responder {
                    self.cts(self.sessions.len() - 1, out, now_us)?;
                }
            }
            j1939::CM_CTS => {
                // A CTS goes from the receiver (sa) to the originator (da) of a session we overhear.
                if let Some(s) = self
                    .sessions
                    .iter_mut()
                    .find(|s| s.sa == id.da && s.da == id.sa && s.role == Role::Overheard)
                {
                    let (count, next) = (data[1], data[2]);
                    if count == 0 {
                        s.deadline_us = now_us + j1939::T4_US;
                        s.timer = "T4";
                    } else {
                        s.next = next.max(1);
                        s.window_end = next.saturating_add(count - 1);
                        s.deadline_us = now_us + j1939::T2_US;
                        s.timer = "T2";
                    }
                }
            }
            j1939::CM_END_OF_MSG_ACK => {}
            j1939::CM_ABORT => {
                let at = self.sessions.iter().position(|s| {
                    (s.sa == id.sa && s.da == id.da || s.sa == id.da && s.da == id.sa) && s.pgn == pgn
                });
                if let Some(at) = at {
                    let s = self.sessions.remove(at);
                    Self::report(
                        out,
                        format!(
                            "{} aborted by {:#04x}: reason {} ({})",
                            s.describe(),
                            id.sa,
                            data[1],
                            j1939::abort_reason(data[1])
                        ),
                    );
                }
            }
            other => {
                Self::report(
                    out,
                    format!("J1939 TP.CM from {:#04x}: control byte {other} is not defined", id.sa),
                );
            }
        }
        Ok(())
    }

    fn tp_dt(&mut self, id: J1939Id, data: &[u8], out: &mut Out, now_us: i64) -> Result<(), Error> {
        let at = match self.sessions.iter().position(|s| s.sa == id.sa && s.da == id.da) {
            Some(at) => at,
            None => return Ok(()), // no session: a transfer that began before we listened
        };
        if data.is_empty() {
            return Ok(());
        }
        let seq = data[0];
        let s = &mut self.sessions[at];
        if seq != s.next || seq > s.window_end {
            let reason =
                if seq < s.next { j1939::ABORT_DUPLICATE_SEQUENCE } else { j1939::ABORT_BAD_SEQUENCE };
            let s = self.sessions.remove(at);
            Self::report(
                out,
                format!(
                    "{}: TP.DT sequence number {seq} where {} was due; session dropped",
                    s.describe(),
                    s.next
                ),
            );
            if s.role == Role::Responder {
                self.abort(s.sa, s.pgn, reason, out)?;
            }
            return Ok(());
        }
        s.data.extend_from_slice(&data[1..data.len().min(8)]);
        s.next = s.next.wrapping_add(1);
        if seq == s.packets {
            let mut s = self.sessions.remove(at);
            if s.data.len() < s.size {
                Self::report(out, format!("{}: the packets carried {} bytes", s.describe(), s.data.len()));
                return Ok(());
            }
            s.data.truncate(s.size);
            if s.role == Role::Responder {
                let (z, p) = (s.size.to_le_bytes(), s.pgn.to_le_bytes());
                self.send(
                    s.sa,
                    [j1939::CM_END_OF_MSG_ACK, z[0], z[1], s.packets, 0xFF, p[0], p[1], p[2]],
                    out,
                )?;
            }
            let payload = Payload {
                origin: Origin::J1939 { pgn: s.pgn, sa: s.sa },
                data: &s.data,
                fd: false,
                transport: true,
            };
            return self.decode(&payload, out);
        }
        if s.role == Role::Responder && seq == s.window_end {
            return self.cts(at, out, now_us);
        }
        s.deadline_us = now_us + j1939::T1_US;
        s.timer = "T1";
        Ok(())
    }

    fn decode(&self, payload: &Payload, out: &mut Out) -> Result<(), Error> {
        if self.map.points.is_empty() {
            let name = match payload.origin {
                Origin::Can { id, ext: true } => format!("can/{id:08X}"),
                Origin::Can { id, ext: false } => format!("can/{id:03X}"),
                Origin::J1939 { pgn, sa } => format!("j1939/{pgn}/{sa}"),
            };
            return out.named(&name, Value::Bytes(payload.data), Quality::GOOD);
        }
        for m in self.map.messages.iter().filter(|m| payload.origin.matches(m.key)) {
            self.decode_message(m, payload, out)?;
        }
        Ok(())
    }

    fn decode_message(&self, m: &Message, payload: &Payload, out: &mut Out) -> Result<(), Error> {
        let n = payload.data.len();
        let fits = n == m.size || payload.transport && n > m.size || payload.fd && n == fd_padded(m.size);
        if !fits {
            let first = m.points[0];
            let last = m.points[m.points.len() - 1];
            out.set_last_error(format!(
                "{} carries {n} data bytes, its DBC message has {} (points {first}-{last})",
                payload.origin.describe(),
                m.size
            ));
            for &p in &m.points {
                out.record(p, Value::Null, Quality::BAD_PROTOCOL)?;
            }
            return Ok(());
        }
        for &p in &m.points {
            let point = &self.map.points[p as usize];
            let (signal, mux) = match &point.field {
                Field::Source => {
                    if let Origin::J1939 { sa, .. } = payload.origin {
                        out.record(p, Value::U64(u64::from(sa)), Quality::GOOD)?;
                    }
                    continue;
                }
                Field::Signal { signal, mux } => (signal, mux),
            };
            if let Some((switch, value)) = mux {
                if let Field::Signal { signal: s, .. } = &self.map.points[*switch as usize].field {
                    if s.raw(payload.data) != *value {
                        continue;
                    }
                }
            }
            let raw = signal.raw(payload.data);
            if point.j1939 {
                match signal.j1939_indicator(raw) {
                    Some(J1939Indicator::NotAvailable) => {
                        out.set_last_error(format!(
                            "point {p}: not available (raw {raw:#x}, J1939-71 §5.1.4) in {}",
                            payload.origin.describe()
                        ));
                        out.record(p, Value::Null, Quality::BAD)?;
                        continue;
                    }
                    Some(J1939Indicator::Error) => {
                        out.set_last_error(format!(
                            "point {p}: the sender reports an error (raw {raw:#x}, J1939-71 §5.1.4) in {}",
                            payload.origin.describe()
                        ));
                        out.record(p, Value::U64(raw), Quality::BAD_DEVICE)?;
                        continue;
                    }
                    None => {}
                }
            }
            let physical = signal.physical(raw);
            let quality = match physical.as_f64() {
                Some(v) if signal.out_of_range(v) => {
                    out.set_last_error(format!(
                        "point {p}: {v} lies outside the DBC range [{}|{}] in {}",
                        signal.min.unwrap_or(f64::NEG_INFINITY),
                        signal.max.unwrap_or(f64::INFINITY),
                        payload.origin.describe()
                    ));
                    Quality::UNCERTAIN
                }
                _ => Quality::GOOD,
            };
            match physical {
                Physical::Int(v) => out.record(p, Value::I64(v), quality)?,
                Physical::Float(v) => out.record(p, Value::F64(v), quality)?,
                Physical::Label(l) => out.record(p, Value::Str(l), quality)?,
            }
        }
        Ok(())
    }
}

impl Driver for CanDbc {
    const MANIFEST: Manifest = Manifest {
        name: "can-dbc",
        version: "0.1.0",
        protocol: "can-dbc-j1939",
        transport: Transport::Can,
        passive: true,
        state_schema: None,
    };
    const MAX_DEVICES: Option<u32> = Some(64);
    const MIN_ABI_MINOR: u16 = 1;

    fn open(config: &Config, _now_us: i64) -> Result<Self, Error> {
        config.known_keys(map::DEVICE_KEYS, map::POINT_KEYS)?;
        let d = &config.device;
        let j1939 = match d.get("j1939") {
            None | Some("0") | Some("false") => false,
            Some("1") | Some("true") => true,
            Some(v) => return Err(d.error(format!("j1939={v} is not 0, 1, true or false"))),
        };
        let address = |key: &str| -> Result<Option<u8>, Error> {
            match d.get(key) {
                None => Ok(None),
                Some(_) if !j1939 => Err(d.error(format!("{key}= needs j1939=1"))),
                Some(_) => Ok(Some(d.int_in(key, None, 0, 253)? as u8)),
            }
        };
        let own = address("address")?;
        let source = address("source")?;
        let cts_packets = d.int_in("cts_packets", Some(16), 1, 255)? as u8;
        let map = Map::parse(config, j1939)?;
        config.finish()?;
        Ok(CanDbc { map, j1939, own, source, cts_packets, sessions: Vec::new(), queue: Vec::new() })
    }

    fn link_up(&mut self, _now_us: i64) -> Result<(), Error> {
        // A new link: sessions in flight cannot finish on it.
        self.sessions.clear();
        self.queue.clear();
        Ok(())
    }

    fn poll(&mut self, tx: &mut Tx, _now_us: i64) -> Result<Option<Request>, Error> {
        if self.queue.is_empty() {
            return Ok(None);
        }
        tx.put(&self.queue)?;
        self.queue.clear();
        Ok(Some(Request { expect: false, timeout_ms: 0, last: false }))
    }

    fn frame_len(&mut self, rx: &[u8], _rx_cap: usize) -> FrameLen {
        can::frame_len(rx)
    }

    fn on_frame(&mut self, frame: &[u8], out: &mut Out, now_us: i64) -> Result<(), Error> {
        let (f, _) = CanFrame::decode(frame)?;
        if f.is_remote() {
            return Ok(());
        }
        if self.j1939 && f.is_extended() {
            let id = J1939Id::parse(f.id);
            if Some(id.sa) == self.own || self.source.map_or(false, |s| s != id.sa) {
                return Ok(());
            }
            return match id.pgn {
                j1939::PGN_TP_CM => self.tp_cm(id, f.data, out, now_us),
                j1939::PGN_TP_DT => self.tp_dt(id, f.data, out, now_us),
                pgn => {
                    let origin = Origin::J1939 { pgn, sa: id.sa };
                    self.decode(&Payload { origin, data: f.data, fd: f.is_fd(), transport: false }, out)?;
                    if self.map.points.is_empty() {
                        return Ok(());
                    }
                    // A 29-bit message the DBC does not treat as J1939 (VFrameFormat ExtendedCAN)
                    // is matched by its whole identifier.
                    let origin = Origin::Can { id: f.id, ext: true };
                    self.decode(&Payload { origin, data: f.data, fd: f.is_fd(), transport: false }, out)
                }
            };
        }
        let origin = Origin::Can { id: f.id, ext: f.is_extended() };
        self.decode(&Payload { origin, data: f.data, fd: f.is_fd(), transport: false }, out)
    }

    fn on_timeout(&mut self, _out: &mut Out, _now_us: i64) -> Result<(), Error> {
        Err(Error::Order("can-dbc sends no request that expects a response".into()))
    }

    fn tick(&mut self, out: &mut Out, now_us: i64) -> Result<(), Error> {
        let mut i = 0;
        while i < self.sessions.len() {
            if now_us < self.sessions[i].deadline_us {
                i += 1;
                continue;
            }
            let s = self.sessions.remove(i);
            Self::report(out, format!("{}: timed out ({}, J1939-21)", s.describe(), s.timer));
            if s.role == Role::Responder {
                self.abort(s.sa, s.pgn, j1939::ABORT_TIMEOUT, out)?;
            }
        }
        Ok(())
    }
}

weir_sdk::export_driver!(CanDbc);
