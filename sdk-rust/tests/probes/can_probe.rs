//! can-probe: the CAN test driver of both SDKs (the AssemblyScript twin is
//! `sdk-assemblyscript/test/drivers/can-probe`); both run the vector files in its `vectors/`.
//! A passive J1939 listener (SAE J1939-21/-71) for one source address:
//!
//! - `point N pgn=65265`: CCVS wheel-based vehicle speed, bytes 2-3 little-endian in 1/256 km/h,
//!   as an f64 record in km/h (the only PGN it decodes);
//! - TP.CM request-to-send (PGN 60416, control byte 16) addressed to its own address: it answers
//!   with clear-to-send for all packets (control byte 17), sent from `weir_poll` after `POLL_NOW`;
//! - `request_pgn=N` (device key): a Request (PGN 59904) for PGN N at the start of every cycle,
//!   sent with `meta.expect` 0;
//! - a source silent for `silence_ms` (default 1000) gives a `BAD_COMM` device status at the next
//!   tick, and `GOOD` when it is heard again.
//!
//! Device keys: `sa` (the peer's source address, required), `own` (default 249), `silence_ms`,
//! `request_pgn`. The transport is `can`, so `weir_abi_version` reports 1.1.

use weir_sdk::can::{self, CanFrame};
use weir_sdk::{Config, Driver, Error, FrameLen, Manifest, Out, Quality, Request, Transport, Tx, Value};

const PGN_CCVS: u32 = 65265;
const PGN_TP_CM: u32 = 0xEC00;
const PGN_REQUEST: u32 = 0xEA00;

pub struct CanProbe {
    sa: u32,
    own: u32,
    silence_us: i64,
    request_pgn: Option<u32>,
    speed_points: Vec<u32>,
    last_heard_us: i64,
    silent: bool,
    clear_to_send: Option<(u8, u32)>,
    requested: bool,
}

/// J1939-21: the PGN of a 29-bit identifier (PDU1 formats carry the destination in PS).
fn pgn_of(id: u32) -> u32 {
    let pf = (id >> 16) & 0xff;
    if pf >= 240 {
        (id >> 8) & 0x3ffff
    } else {
        (id >> 8) & 0x3ff00
    }
}

impl Driver for CanProbe {
    const MANIFEST: Manifest = Manifest {
        name: "can-probe",
        version: "0.1.0",
        protocol: "j1939-probe",
        transport: Transport::Can,
        passive: true,
        state_schema: None,
    };

    fn open(config: &Config, now_us: i64) -> Result<Self, Error> {
        config.known_keys(&["sa", "own", "silence_ms", "request_pgn"], &["pgn"])?;
        let sa = config.device.int_in("sa", None, 0, 253)? as u32;
        let own = config.device.int_in("own", Some(249), 0, 253)? as u32;
        let silence_ms = config.device.int_in("silence_ms", Some(1000), 1, 60000)?;
        let request_pgn = match config.device.get("request_pgn") {
            None => None,
            Some(_) => Some(config.device.int_in("request_pgn", None, 0, 0x3ffff)? as u32),
        };
        let mut speed_points = Vec::new();
        for (i, p) in config.points.iter().enumerate() {
            let pgn = p.int_in("pgn", None, 0, 0x3ffff)?;
            if pgn != PGN_CCVS as i64 {
                return Err(p.error(format!("pgn={pgn} is not decoded by can-probe (65265 only)")));
            }
            speed_points.push(i as u32);
        }
        config.finish()?;
        Ok(CanProbe {
            sa,
            own,
            silence_us: silence_ms * 1000,
            request_pgn,
            speed_points,
            last_heard_us: now_us,
            silent: false,
            clear_to_send: None,
            requested: false,
        })
    }

    fn link_up(&mut self, now_us: i64) -> Result<(), Error> {
        self.last_heard_us = now_us;
        Ok(())
    }

    fn poll(&mut self, tx: &mut Tx, _now_us: i64) -> Result<Option<Request>, Error> {
        let send = Request { expect: false, timeout_ms: 0, last: false };
        if let Some((packets, pgn)) = self.clear_to_send.take() {
            let p = pgn.to_le_bytes();
            let data = [17, packets, 1, 0xff, 0xff, p[0], p[1], p[2]];
            let id = 7 << 26 | PGN_TP_CM << 8 | self.sa << 8 | self.own;
            CanFrame::classic(id, true, &data)?.encode(tx)?;
            return Ok(Some(send));
        }
        match self.request_pgn {
            Some(pgn) if !self.requested => {
                self.requested = true;
                let p = pgn.to_le_bytes();
                let id = 6 << 26 | PGN_REQUEST << 8 | self.sa << 8 | self.own;
                CanFrame::classic(id, true, &p[..3])?.encode(tx)?;
                Ok(Some(send))
            }
            _ => {
                self.requested = false;
                Ok(None)
            }
        }
    }

    fn frame_len(&mut self, rx: &[u8], _rx_cap: usize) -> FrameLen {
        can::frame_len(rx)
    }

    fn on_frame(&mut self, frame: &[u8], out: &mut Out, now_us: i64) -> Result<(), Error> {
        let (f, _) = CanFrame::decode(frame)?;
        if !f.is_extended() || f.is_remote() || f.id & 0xff != self.sa {
            return Ok(());
        }
        self.last_heard_us = now_us;
        if self.silent {
            self.silent = false;
            out.device_status(Value::Null, Quality::GOOD)?;
        }
        match pgn_of(f.id) {
            PGN_CCVS if f.data.len() >= 3 => {
                let speed = u16::from_le_bytes([f.data[1], f.data[2]]) as f64 / 256.0;
                for &p in &self.speed_points {
                    out.record(p, Value::F64(speed), Quality::GOOD)?;
                }
            }
            PGN_TP_CM if (f.id >> 8) & 0xff == self.own && f.data.len() == 8 && f.data[0] == 16 => {
                let pgn = u32::from_le_bytes([f.data[5], f.data[6], f.data[7], 0]);
                self.clear_to_send = Some((f.data[3], pgn));
                out.poll_now();
            }
            _ => {}
        }
        Ok(())
    }

    fn on_timeout(&mut self, _out: &mut Out, _now_us: i64) -> Result<(), Error> {
        Err(Error::Order("can-probe sends no request that expects a response".into()))
    }

    fn tick(&mut self, out: &mut Out, now_us: i64) -> Result<(), Error> {
        if !self.silent && now_us - self.last_heard_us >= self.silence_us {
            self.silent = true;
            let text = format!("source address {:#04x} silent for {} ms", self.sa, self.silence_us / 1000);
            out.device_status(Value::Str(&text), Quality::BAD_COMM)?;
            out.set_last_error(text);
        }
        Ok(())
    }
}
