//! Weir driver for Modbus TCP and Modbus RTU: reads coils, discrete inputs, holding and input
//! registers (function codes 1, 2, 3, 4) with a point map batched into as few requests as the
//! protocol allows; writes coils (FC5) and holding registers (FC6, FC16). Sans-I/O: the Weir host
//! moves the bytes. The host key `weir.transport` (ABI.md §5.1) picks the framing: MBAP on `tcp`,
//! RTU (slave address, PDU, CRC) on `serial`, which is also what an `rtu+tcp://` link reports.
//! References: Modbus Application Protocol Specification v1.1b3 ("AP"), Modbus Messaging on
//! TCP/IP Implementation Guide v1.0b ("Messaging") and Modbus over Serial Line Specification and
//! Implementation Guide v1.02 ("Serial Line").

pub mod decode;
pub mod map;
pub mod mbap;
pub mod rtu;

use decode::Decoding;
use map::{Area, DeviceConfig, Point, PointType, ReadPlan};
use weir_sdk::{
    Capacities, Config, Direction, Driver, Error, FrameEnd, FrameLen, Manifest, Out, Quality, Request,
    Transport, Tx, Value,
};

/// How a device's frames travel: the PDU inside an MBAP header (Modbus TCP), or between a slave
/// address and a CRC (Modbus RTU, on a serial line or tunnelled through TCP).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing {
    Mbap,
    Rtu,
}

/// Version of the `save_state` payload: after the schema, the next transaction id (u16 LE).
pub const STATE_SCHEMA: u32 = 1;

/// What the outstanding request asked for.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Asked {
    /// A read of `quantity` registers/bits from `start`, serving the configured points of
    /// `served` (none in discovery mode, where every item is named instead).
    Read { area: Area, start: u16, quantity: u16, served: Served },
    /// A write to one point with FC5, FC6 or FC16; the response echoes `start` and `echo`.
    Write { point: u32, function: u8, start: u16, echo: u16 },
}

/// The configured points a read serves: those of a planned request (no copy per cycle), or those
/// found inside a recorded request given to `observe` ([`Modbus::observed`]). Neither owns memory,
/// so the outstanding request is a few words that `poll` and `on_frame` store and clear without
/// drop code: the host compiles each export to one JVM method whose JIT inlines its memory accesses
/// only up to a budget of bytecode (BENCHMARKS.md §12), and freeing an old request's vectors
/// inlined into the cycle's exports used that budget up.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Served {
    Plan(usize),
    Observed,
}

#[derive(Clone, Copy, Debug, PartialEq)]
struct Outstanding {
    /// The MBAP transaction id; RTU has none (0).
    transaction: u16,
    unit: u8,
    framing: Framing,
    asked: Asked,
}

impl Outstanding {
    fn function(&self) -> u8 {
        match &self.asked {
            Asked::Read { area, .. } => area.read_function(),
            Asked::Write { function, .. } => *function,
        }
    }

    fn describe(&self) -> String {
        let f = self.function();
        let whom = match self.framing {
            Framing::Mbap => format!("transaction {}, unit {}", self.transaction, self.unit),
            Framing::Rtu => format!("slave {}", self.unit),
        };
        match &self.asked {
            Asked::Read { start, quantity, .. } => {
                format!("FC{f} {} at {start}, quantity {quantity} ({whom})", mbap::function_name(f))
            }
            Asked::Write { start, .. } => format!("FC{f} {} at {start} ({whom})", mbap::function_name(f)),
        }
    }
}

/// One Modbus device, on TCP or on a serial line.
pub struct Modbus {
    framing: Framing,
    device: DeviceConfig,
    points: Vec<Point>,
    plans: Vec<ReadPlan>,
    /// How to decode the response to each plan, index for index.
    decodings: Vec<Decoding>,
    /// Index of the next plan to send in this cycle.
    next_plan: usize,
    /// Transaction id of the next request (Messaging §3.1.3: used for transaction pairing).
    next_transaction: u16,
    outstanding: Option<Outstanding>,
    /// How to decode the response to the request `observe` adopted last ([`Served::Observed`]).
    observed: Decoding,
    /// ABI.md §7.1 (1.2): the host ends a cycle after a request marked last, without a closing
    /// `poll`; so the last request of the plan is marked, and the next `poll` starts a new cycle.
    /// With an older host the closing `poll` ends it, as before.
    ends_cycles: bool,
}

impl Modbus {
    /// The read plans decided at open (for tests and diagnostics).
    pub fn plans(&self) -> &[ReadPlan] {
        &self.plans
    }

    fn served<'a>(&'a self, served: &'a Served) -> &'a Decoding {
        match served {
            Served::Plan(i) => &self.decodings[*i],
            Served::Observed => &self.observed,
        }
    }

    fn discovery(&self) -> bool {
        self.points.is_empty()
    }

    /// The framing of this device.
    pub fn framing(&self) -> Framing {
        self.framing
    }

    fn start_request(&mut self, tx: &mut Tx, pdu: &[u8], asked: Asked) -> Result<Request, Error> {
        let unit = self.device.unit;
        let transaction = match self.framing {
            Framing::Mbap => {
                let transaction = self.next_transaction;
                tx.put_u16_be(transaction)?;
                tx.put_u16_be(0)?; // protocol id: 0 = Modbus
                tx.put_u16_be(1 + pdu.len() as u16)?;
                tx.put_u8(unit)?;
                tx.put(pdu)?;
                self.next_transaction = transaction.wrapping_add(1);
                transaction
            }
            Framing::Rtu => {
                let mut adu = Vec::with_capacity(pdu.len() + 3);
                adu.push(unit);
                adu.extend_from_slice(pdu);
                rtu::append_crc(&mut adu);
                tx.put(&adu)?;
                0
            }
        };
        // Serial Line §2.1: "The broadcast requests ... no response is returned".
        if self.framing == Framing::Rtu && unit == 0 {
            self.outstanding = None;
            return Ok(Request { expect: false, timeout_ms: self.device.timeout_ms, last: false });
        }
        self.outstanding = Some(Outstanding { transaction, unit, framing: self.framing, asked });
        Ok(Request { expect: true, timeout_ms: self.device.timeout_ms, last: false })
    }

    /// Records for every point of a read whose data could not be had (exception, timeout).
    fn bad_records(&self, out: &mut Out, asked: &Asked, value: Value, quality: Quality) -> Result<(), Error> {
        match asked {
            Asked::Read { area, start, served, .. } => {
                let points = self.served(served);
                if points.is_empty() {
                    out.named(&format!("{}/{start}", area.name()), value, quality)
                } else {
                    points.points().try_for_each(|p| out.record(p, value, quality))
                }
            }
            Asked::Write { point, .. } => out.record(*point, value, quality),
        }
    }

    fn decode_read(
        &self,
        area: Area,
        start: u16,
        quantity: u16,
        points: &Decoding,
        data: &[u8],
        out: &mut Out,
    ) -> Result<(), Error> {
        if points.is_empty() {
            return discover(area, start, quantity, data, out);
        }
        points.decode(area, data, out)
    }

    /// Decodes `frame` as the response to the outstanding request without changing any state.
    ///
    /// The common case, a well-formed answer to a read, is checked in one pass and decoded; every
    /// other frame (an exception, a write's echo, anything malformed) goes the long way, which
    /// checks field by field and names what is wrong. Two paths because the host compiles each
    /// function of the module to one JVM method and inlines its memory accesses only while the
    /// method is small: error messages and rare cases would crowd out the loads of every response.
    #[inline]
    fn decode_response(&self, frame: &[u8], out: &mut Out) -> Result<(), Error> {
        let req = match &self.outstanding {
            Some(req) => req,
            None => return Err(no_request()),
        };
        if let (Framing::Mbap, Asked::Read { area, start, quantity, served }) = (req.framing, &req.asked) {
            // AP §6.1-6.4: byte count = N registers × 2, or ⌈N bits / 8⌉; Messaging §3.1.3: the
            // MBAP length counts the unit id and the PDU.
            let count = if area.is_bits() { (*quantity as usize + 7) / 8 } else { *quantity as usize * 2 };
            let n = frame.len();
            // The header as the request makes it expect (transaction, protocol 0, length, unit,
            // function), compared as one little-endian word: one load of the frame, not eight.
            let [t0, t1] = req.transaction.to_be_bytes();
            let [l0, l1] = ((n as u16).wrapping_sub(6)).to_be_bytes();
            let expected = u64::from_le_bytes([t0, t1, 0, 0, l0, l1, req.unit, area.read_function()]);
            if n == 9 + count
                && u64::from_le_bytes(frame[..8].try_into().expect("8 bytes")) == expected
                && usize::from(frame[8]) == count
            {
                return self.decode_read(*area, *start, *quantity, self.served(served), &frame[9..], out);
            }
        }
        self.decode_checked(req, frame, out)
    }

    /// Every response the fast path of [`Modbus::decode_response`] did not take (an RTU frame,
    /// an exception, a write's echo, anything malformed), checked field by field in the order the
    /// protocol defines them.
    #[inline(never)]
    fn decode_checked(&self, req: &Outstanding, frame: &[u8], out: &mut Out) -> Result<(), Error> {
        let pdu = match self.framing {
            Framing::Mbap => {
                let adu = mbap::parse(frame).map_err(Error::Proto)?;
                // Messaging §3.1.3: the transaction id pairs a response with its request. A
                // mismatch is a late or stray answer; the request stays outstanding (ABI.md §7.3).
                if adu.transaction != req.transaction {
                    return Err(Error::Proto(format!(
                        "transaction id {} does not match the outstanding request's {}",
                        adu.transaction, req.transaction
                    )));
                }
                if adu.unit != req.unit {
                    return Err(Error::Proto(format!(
                        "unit id {} does not match the outstanding request's unit {}",
                        adu.unit, req.unit
                    )));
                }
                adu.pdu
            }
            Framing::Rtu => {
                let adu = rtu::parse(frame).map_err(Error::Proto)?;
                // Serial Line §2.1: the slave answers with its own address. Another address is
                // another slave's answer (a late one, or two slaves with one address).
                if adu.slave != req.unit {
                    return Err(Error::Proto(format!(
                        "slave id {} does not match the outstanding request's slave {}",
                        adu.slave, req.unit
                    )));
                }
                adu.pdu
            }
        };
        let f = req.function();
        let code = pdu[0];
        // AP §7: an exception response carries the function code with its MSB set, then one
        // exception code byte.
        if code == f | 0x80 {
            if pdu.len() != 2 {
                return Err(Error::Proto(format!(
                    "exception response to FC{f} has {} bytes of PDU, expected 2",
                    pdu.len()
                )));
            }
            let e = pdu[1];
            out.set_last_error(format!("exception {e} ({}) to {}", mbap::exception_name(e), req.describe()));
            return self.bad_records(out, &req.asked, Value::U64(e as u64), Quality::BAD_DEVICE);
        }
        if code != f {
            return Err(Error::Proto(format!(
                "function code {code} does not answer the outstanding FC{f} ({})",
                mbap::function_name(f)
            )));
        }
        match &req.asked {
            Asked::Read { area, start, quantity, served } => {
                // AP §6.1-6.4: byte count = N registers × 2, or ⌈N bits / 8⌉.
                let expected =
                    if area.is_bits() { (*quantity as usize + 7) / 8 } else { *quantity as usize * 2 };
                if pdu.len() < 2 {
                    return Err(Error::Proto(format!("FC{f} response has no byte count")));
                }
                let count = pdu[1] as usize;
                if count != expected {
                    return Err(Error::Proto(format!(
                        "byte count {count} does not match quantity {quantity} of the request (expected {expected})"
                    )));
                }
                if pdu.len() - 2 != count {
                    return Err(Error::Proto(format!(
                        "byte count {count} but the PDU carries {} data bytes",
                        pdu.len() - 2
                    )));
                }
                self.decode_read(*area, *start, *quantity, self.served(served), &pdu[2..], out)?;
            }
            Asked::Write { start, echo, .. } => {
                // AP §6.5/6.6: the normal response echoes the request; §6.12: FC16 returns the
                // starting address and quantity of registers written.
                let want: Vec<u8> =
                    [f].iter().copied().chain(start.to_be_bytes()).chain(echo.to_be_bytes()).collect();
                if pdu != want.as_slice() {
                    return Err(Error::Proto(format!(
                        "FC{f} response {} does not echo the request {}",
                        hex(pdu),
                        hex(&want)
                    )));
                }
            }
        }
        Ok(())
    }

    fn encode_write(&self, point: &Point, value: Value) -> Result<(u8, Vec<u16>), Error> {
        let index = point.index;
        let bad = |why: String| Error::Inval(format!("point {index}: {why}"));
        if point.area == Area::Coil {
            let on = match value {
                Value::Bool(b) => b,
                Value::I64(0) | Value::U64(0) => false,
                Value::I64(1) | Value::U64(1) => true,
                other => {
                    return Err(Error::Inval(format!(
                        "point {index} (coil {}) takes a bool, got {other}",
                        point.address
                    )))
                }
            };
            // AP §6.5: 0xFF00 requests ON, 0x0000 OFF.
            return Ok((5, vec![if on { 0xFF00 } else { 0x0000 }]));
        }
        if point.ty == PointType::Bool {
            return Err(Error::Unsupported(format!(
                "point {index}: writing one bit of a holding register (mask write, FC22) is not supported"
            )));
        }
        let scaled = point.scale.is_some() || point.offset.is_some();
        let number: f64 = match value {
            Value::F64(v) => v,
            Value::I64(v) if !scaled && matches!(point.ty, PointType::I64) => {
                return Ok((16, point.order.u64_to(v as u64).to_vec()))
            }
            Value::U64(v) if !scaled && matches!(point.ty, PointType::U64) => {
                return Ok((16, point.order.u64_to(v).to_vec()))
            }
            Value::I64(v) => v as f64,
            Value::U64(v) => v as f64,
            Value::Bool(b) => b as u8 as f64,
            other => {
                return Err(Error::Inval(format!(
                    "point {index} ({} {}, type {}) takes a number, got {other}",
                    point.area.name(),
                    point.address,
                    point.ty.name()
                )))
            }
        };
        let raw = if scaled {
            let scale = point.scale.unwrap_or(1.0);
            if scale == 0.0 {
                return Err(bad("scale=0 cannot be inverted for a write".into()));
            }
            (number - point.offset.unwrap_or(0.0)) / scale
        } else {
            number
        };
        if !raw.is_finite() {
            return Err(bad(format!("value {number} is not finite")));
        }
        let int_in = |min: f64, max: f64| -> Result<i128, Error> {
            let r = raw.round();
            if r < min || r > max {
                Err(bad(format!("value {number} is outside the range of {} ({min}..{max})", point.ty.name())))
            } else {
                Ok(r as i128)
            }
        };
        let o = point.order;
        let regs: Vec<u16> = match point.ty {
            PointType::U16 => vec![o.u16_to(int_in(0.0, 65535.0)? as u16)],
            PointType::I16 => vec![o.u16_to(int_in(-32768.0, 32767.0)? as i16 as u16)],
            PointType::U32 => o.u32_to(int_in(0.0, 4294967295.0)? as u32).to_vec(),
            PointType::I32 => o.u32_to(int_in(-2147483648.0, 2147483647.0)? as i32 as u32).to_vec(),
            PointType::F32 => o.u32_to((raw as f32).to_bits()).to_vec(),
            PointType::U64 => o.u64_to(int_in(0.0, u64::MAX as f64)? as u64).to_vec(),
            PointType::I64 => o.u64_to(int_in(i64::MIN as f64, i64::MAX as f64)? as i64 as u64).to_vec(),
            PointType::F64 => o.u64_to(raw.to_bits()).to_vec(),
            PointType::Bool => unreachable!("register bits are refused above"),
        };
        // AP §6.6: FC6 writes one register; AP §6.12: FC16 writes 1 to 123 registers.
        Ok((if regs.len() == 1 { 6 } else { 16 }, regs))
    }
}

/// Discovery mode: one named record per item the request asked for (its quantity, not the
/// padding bits of the last byte, AP §6.1: "remaining bits ... padded").
#[inline(never)]
fn discover(area: Area, start: u16, quantity: u16, data: &[u8], out: &mut Out) -> Result<(), Error> {
    for i in 0..quantity {
        let name = format!("{}/{}", area.name(), start as u32 + i as u32);
        if area.is_bits() {
            out.named(&name, Value::Bool(bit(data, i as usize)), Quality::GOOD)?;
        } else {
            let r = register(data, i as usize);
            out.named(&name, Value::U64(r as u64), Quality::GOOD)?;
        }
    }
    Ok(())
}

/// Serial Line §2.5.1: slave address, AP §6.1-6.4 function code, starting address, quantity, then
/// the CRC, low byte first; a fixed array, no allocation. (A device at the broadcast address has no
/// plans, so this request is always answered.) Out of line: `poll` of a Modbus TCP device does not
/// carry it.
#[inline(never)]
fn rtu_read(tx: &mut Tx, unit: u8, function: u8, start: u16, quantity: u16) -> Result<(), Error> {
    let [s0, s1] = start.to_be_bytes();
    let [q0, q1] = quantity.to_be_bytes();
    let adu = [unit, function, s0, s1, q0, q1];
    let [c0, c1] = rtu::crc16(&adu).to_le_bytes();
    tx.put_array([unit, function, s0, s1, q0, q1, c0, c1])
}

#[cold]
#[inline(never)]
fn no_request() -> Error {
    Error::Order("a frame arrived but no request is outstanding".into())
}

/// Register `i` of a read response's data (AP §6.3: big-endian, two bytes per register).
fn register(data: &[u8], i: usize) -> u16 {
    u16::from_be_bytes([data[2 * i], data[2 * i + 1]])
}

/// Bit `i` of a read response's data (AP §6.1: "The LSB of the first data byte contains the
/// output addressed in the query").
fn bit(data: &[u8], i: usize) -> bool {
    data[i / 8] >> (i % 8) & 1 == 1
}

impl Driver for Modbus {
    const MANIFEST: Manifest = Manifest {
        name: "modbus",
        version: "0.2.0",
        protocol: "modbus",
        transport: Transport::Tcp,
        passive: false,
        state_schema: Some(STATE_SCHEMA),
    };

    /// ABI.md §3.4 (1.1): one instance serves up to 64 devices. A device costs the instance a
    /// few KiB (its point map and read plans) beside the regions every instance has (~150 KiB), so
    /// sharing is what lets a gateway poll thousands of devices in little memory; 64 bounds how
    /// many devices one trap takes down with it (`weir bench devices`, BENCHMARKS.md).
    const MAX_DEVICES: Option<u32> = Some(64);

    /// What Modbus TCP needs (ABI.md §4), not the SDK's generous default: an ADU is at most 260
    /// bytes (Messaging §4.1), the state 6 bytes. `cfg` stays large for point maps of a thousand
    /// points; `blob` holds the names of the most items one request reads in discovery mode
    /// (2000 bits, `discrete/65535` and its 2-byte length each).
    const CAPACITIES: Capacities =
        Capacities { cfg: 65536, rx: 1024, tx: 512, records: 2048, blob: 32768, state: 64, err: 512 };

    /// ABI.md §3.4 (v1.1): MBAP on `tcp`, RTU on `serial` (a serial line, or `rtu+tcp://`). A
    /// v1.0 host knows only `transport`, so there the driver is the Modbus TCP driver it was.
    const TRANSPORTS: &'static [Transport] = &[Transport::Tcp, Transport::Serial];

    /// ABI.md §3.3 (1.2): the last request of a cycle is marked `LAST` (§7.1), and the SDK serves
    /// `weir_on_bytes` (§7.13): a cycle of one request that arrives whole is two calls, not four.
    const NEWEST_ABI_MINOR: u16 = 2;

    fn open(config: &Config, _now_us: i64) -> Result<Self, Error> {
        let framing = match config.transport() {
            Some(Transport::Serial) => Framing::Rtu,
            _ => Framing::Mbap,
        };
        let (device, points) = map::parse(config)?;
        if framing == Framing::Rtu && device.unit > rtu::MAX_SLAVE {
            return Err(config.device.error(format!(
                "unit={} is a reserved address on a serial line (slaves are 1..247, 0 broadcasts \
                 writes; Serial Line §2.2)",
                device.unit
            )));
        }
        // Serial Line §2.1: no slave answers a broadcast, so a device at address 0 is written to,
        // never read: its cycles send nothing.
        let plans = if framing == Framing::Rtu && device.unit == 0 {
            Vec::new()
        } else {
            map::plan(&device, &points)
        };
        // Each response becomes one batch of records; overlapping points could make one request
        // serve more points than `out` holds.
        let max_records = Self::CAPACITIES.records;
        if let Some(p) = plans.iter().find(|p| p.points.len() > max_records) {
            return Err(Error::Config(format!(
                "FC{} request at {} serves {} points, more than the {max_records} records one response may give",
                p.area.read_function(),
                p.start,
                p.points.len()
            )));
        }
        let decodings = plans.iter().map(|p| Decoding::new(&points, &p.points, p.start)).collect();
        Ok(Modbus {
            framing,
            device,
            points,
            plans,
            decodings,
            next_plan: 0,
            next_transaction: 1,
            outstanding: None,
            observed: Decoding::default(),
            ends_cycles: config.abi_minor() >= 2,
        })
    }

    fn poll(&mut self, tx: &mut Tx, _now_us: i64) -> Result<Option<Request>, Error> {
        if self.next_plan >= self.plans.len() {
            self.next_plan = 0;
            return Ok(None);
        }
        let index = self.next_plan;
        let (area, start, quantity) = {
            let plan = &self.plans[index];
            (plan.area, plan.start, plan.quantity)
        };
        self.next_plan += 1;
        let last = self.ends_cycles && self.next_plan == self.plans.len();
        if last {
            self.next_plan = 0;
        }
        let asked = Asked::Read { area, start, quantity, served: Served::Plan(index) };
        let unit = self.device.unit;
        let transaction = match self.framing {
            Framing::Rtu => {
                rtu_read(tx, unit, area.read_function(), start, quantity)?;
                0
            }
            Framing::Mbap => {
                // Messaging §3.1.3 MBAP header (transaction, protocol 0, length 6, unit), then AP
                // §6.1-6.4 function code, starting address, quantity: one array, written to tx in
                // one go.
                let transaction = self.next_transaction;
                let [t0, t1] = transaction.to_be_bytes();
                let [s0, s1] = start.to_be_bytes();
                let [q0, q1] = quantity.to_be_bytes();
                // Two words (LLVM stored the array a byte at a time).
                let head = u64::from_le_bytes([t0, t1, 0, 0, 0, 6, unit, area.read_function()]);
                let body = u32::from_le_bytes([s0, s1, q0, q1]);
                tx.put_words(head, body)?;
                self.next_transaction = transaction.wrapping_add(1);
                transaction
            }
        };
        self.outstanding = Some(Outstanding { transaction, unit, framing: self.framing, asked });
        Ok(Some(Request { expect: true, timeout_ms: self.device.timeout_ms, last }))
    }

    fn frame_len(&mut self, rx: &[u8], rx_cap: usize) -> FrameLen {
        match self.framing {
            Framing::Mbap => mbap::frame_len(rx, rx_cap),
            Framing::Rtu => rtu::frame_len(rx, rx_cap),
        }
    }

    fn frame_end(&mut self, rx: &[u8]) -> Result<FrameEnd, Error> {
        match self.framing {
            Framing::Mbap => {
                Err(Error::Unsupported("MBAP frames carry their length; they do not end at silence".into()))
            }
            Framing::Rtu => Ok(rtu::frame_end(rx)),
        }
    }

    /// ABI.md §7.12. Modbus TCP: `(transaction id << 16) | (unit id << 8) | (function code & 0x7F)`.
    /// Modbus RTU has no transaction id and one request at a time on a line, so a response pairs
    /// with the request before it: the key `(slave address << 8) | (function code & 0x7F)` only
    /// keeps a response from another slave or to another function from being paired with it.
    fn correlation_key(&self, frame: &[u8], _direction: Direction) -> u32 {
        match self.framing {
            Framing::Mbap if frame.len() > mbap::HEADER_LEN => {
                // The header's first 8 bytes in one load (little-endian: byte i at bits 8i).
                let h = u64::from_le_bytes(frame[..8].try_into().expect("8 bytes"));
                let transaction = (h & 0xFF) << 8 | (h >> 8 & 0xFF);
                (transaction << 16 | (h >> 48 & 0xFF) << 8 | (h >> 56 & 0x7F)) as u32
            }
            Framing::Rtu if frame.len() >= 2 => (frame[0] as u32) << 8 | (frame[1] & 0x7F) as u32,
            _ => 0,
        }
    }

    fn on_frame(&mut self, frame: &[u8], out: &mut Out, _now_us: i64) -> Result<(), Error> {
        // A response (data or exception) completes the request; an error leaves it outstanding,
        // so a late right answer is still taken (ABI.md §7.3).
        let result = self.decode_response(frame, out);
        if result.is_ok() {
            self.outstanding = None;
        }
        result
    }

    fn on_timeout(&mut self, out: &mut Out, _now_us: i64) -> Result<(), Error> {
        let req = self
            .outstanding
            .take()
            .ok_or_else(|| Error::Order("timeout but no request is outstanding".into()))?;
        out.set_last_error(format!("no response to {}", req.describe()));
        self.bad_records(out, &req.asked, Value::Null, Quality::BAD_COMM)
    }

    fn observe(&mut self, request: &[u8]) -> Result<(), Error> {
        let recorded = |e: String| Error::Proto(format!("recorded request: {e}"));
        let (transaction, unit, pdu) = match self.framing {
            Framing::Mbap => {
                let adu = mbap::parse(request).map_err(recorded)?;
                (adu.transaction, adu.unit, adu.pdu)
            }
            Framing::Rtu => {
                let adu = rtu::parse(request).map_err(recorded)?;
                (0, adu.slave, adu.pdu)
            }
        };
        let f = pdu[0];
        let area = match Area::of_read_function(f) {
            Some(a) => a,
            None if f & 0x80 != 0 => {
                return Err(Error::Proto(format!(
                    "recorded frame has function code {f:#04x}: an exception response, not a request"
                )))
            }
            None => {
                return Err(Error::Unsupported(format!(
                    "function code {f} ({}) is not a read (this driver decodes FC1, FC2, FC3, FC4)",
                    mbap::function_name(f)
                )))
            }
        };
        // AP §6.1-6.4: function code, starting address (2), quantity (2).
        if pdu.len() != 5 {
            return Err(Error::Proto(format!(
                "recorded FC{f} request has {} bytes of PDU, expected 5",
                pdu.len()
            )));
        }
        let start = u16::from_be_bytes([pdu[1], pdu[2]]);
        let quantity = u16::from_be_bytes([pdu[3], pdu[4]]);
        if start as u32 + quantity as u32 > 65536 {
            return Err(Error::Proto(format!(
                "recorded FC{f} request reads {quantity} items from {start}, past address 65535"
            )));
        }
        // With a point map, the configured points that lie wholly inside the range are decoded.
        let points = self
            .points
            .iter()
            .filter(|p| p.area == area && p.address >= start && p.end() <= start as u32 + quantity as u32)
            .map(|p| p.index)
            .collect::<Vec<_>>();
        let decoding = Decoding::new(&self.points, &points, start);
        if !self.discovery() && points.is_empty() {
            return Err(Error::Unsupported(format!(
                "recorded FC{f} request for {quantity} items at {start} covers no configured point"
            )));
        }
        if self.framing == Framing::Rtu && unit == 0 {
            // Serial Line §2.1: a broadcast is a write; no slave answers it.
            return Err(Error::Proto(format!(
                "recorded FC{f} request is addressed to 0, the broadcast address, which no slave answers"
            )));
        }
        self.observed = decoding;
        self.outstanding = Some(Outstanding {
            transaction,
            unit,
            framing: self.framing,
            asked: Asked::Read { area, start, quantity, served: Served::Observed },
        });
        Ok(())
    }

    fn write(&mut self, point: u32, value: Value, tx: &mut Tx, _now_us: i64) -> Result<Request, Error> {
        let p = self.points.get(point as usize).cloned().ok_or_else(|| {
            Error::Inval(format!("point {point} is not in the point map ({} points)", self.points.len()))
        })?;
        if matches!(p.area, Area::Discrete | Area::Input) {
            return Err(Error::Unsupported(format!("point {point}: area {} is read-only", p.area.name())));
        }
        let (function, regs) = self.encode_write(&p, value)?;
        let mut pdu = vec![function];
        pdu.extend_from_slice(&p.address.to_be_bytes());
        let echo = if function == 16 {
            pdu.extend_from_slice(&(regs.len() as u16).to_be_bytes());
            pdu.push(regs.len() as u8 * 2);
            regs.iter().for_each(|r| pdu.extend_from_slice(&r.to_be_bytes()));
            regs.len() as u16
        } else {
            pdu.extend_from_slice(&regs[0].to_be_bytes());
            regs[0]
        };
        self.start_request(tx, &pdu, Asked::Write { point, function, start: p.address, echo })
    }

    fn save_state(&self, state: &mut Vec<u8>) -> Result<(), Error> {
        state.extend_from_slice(&self.next_transaction.to_le_bytes());
        Ok(())
    }

    fn load_state(&mut self, schema: u32, state: &[u8]) -> Result<(), Error> {
        if schema != STATE_SCHEMA || state.len() != 2 {
            return Err(Error::Schema(format!(
                "state schema {schema} with {} payload bytes; this driver reads schema {STATE_SCHEMA} with 2",
                state.len()
            )));
        }
        self.next_transaction = u16::from_le_bytes([state[0], state[1]]);
        Ok(())
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

weir_sdk::export_driver!(Modbus);
