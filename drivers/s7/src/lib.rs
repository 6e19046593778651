//! Weir driver for Siemens S7 CPUs (S7-300/400/1200/1500, LOGO!, and the PLCs that speak S7comm):
//! ISO-on-TCP (RFC 1006 TPKT, ISO 8073 COTP class 0) connection setup with rack/slot or explicit
//! TSAPs, S7 Setup Communication with PDU length negotiation after every connect (ABI v1.1
//! `weir_link_up`), Read Var of many items packed into as few requests as the negotiated PDU
//! allows, Write Var, item and header errors as bad points, and decoding of recorded traffic
//! (S7ANY and WinCC's DBREAD items) with or without a point map. Sans-I/O: the Weir host moves
//! the bytes. Byte layouts follow Wireshark's packet-s7comm.c and packet-cotp.c.

pub mod address;
pub mod map;
pub mod plan;
pub mod proto;
pub mod value;

use address::{Area, Type};
use map::{DeviceConfig, Point};
use plan::{Limits, ReadRequest};
use proto::{DataItem, ItemSpec, Tpdu};
use value::Decoded;
use weir_sdk::{
    Config, Direction, Driver, Error, FrameLen, Manifest, Out, Quality, Request, Transport, Tx, Value,
};

/// Version of the `save_state` payload: after the schema, the phase (u8), the negotiated PDU
/// length (u16 LE), the COTP TPDU size (u16 LE) and the next PDU reference (u16 LE).
pub const STATE_SCHEMA: u32 = 1;

/// Correlation keys (ABI §7.12): an S7 PDU by its PDU reference, a COTP connect by the CR's source
/// reference (the CC and DR carry it as their destination reference).
pub const CORR_S7: u32 = 0x1_0000;
pub const CORR_COTP: u32 = 0x2_0000;

/// The largest S7 PDU reassembled from COTP segments: the largest TPKT length.
const MAX_REASSEMBLY: usize = 65535;

/// Where the connection stands. Every new link starts at `Connect` (ABI §7.9).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// The next request is the COTP connection request.
    Connect,
    /// COTP is connected; the next request is Setup Communication.
    Setup,
    /// The PDU length is negotiated; the cycle reads the plan.
    Ready,
}

/// Where a configured point lies inside the items of a recorded request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Cover {
    point: u32,
    item: usize,
    /// The area of a DBREAD item (0 for S7ANY).
    area: usize,
    offset: usize,
    bit: u8,
}

/// What the outstanding request asked for.
#[derive(Clone, Debug, PartialEq)]
enum Asked {
    Connect {
        src_ref: u16,
        tsap: u16,
    },
    Setup {
        pdu_ref: u16,
        proposed: u16,
    },
    /// Request `plan` of the read plan.
    Read {
        pdu_ref: u16,
        plan: usize,
    },
    /// A write of point `point`, confirmed as `value` when the device accepts it.
    Write {
        pdu_ref: u16,
        point: u32,
        value: Decoded,
    },
    /// A recorded Read Var or Write Var (`weir_observe`): its items, the written data of a Write Var,
    /// and where configured points lie in them.
    Observed {
        pdu_ref: u16,
        write: bool,
        items: Vec<ItemSpec>,
        written: Vec<Vec<u8>>,
        covers: Vec<Cover>,
    },
}

impl Asked {
    fn pdu_ref(&self) -> Option<u16> {
        match self {
            Asked::Connect { .. } => None,
            Asked::Setup { pdu_ref, .. }
            | Asked::Read { pdu_ref, .. }
            | Asked::Write { pdu_ref, .. }
            | Asked::Observed { pdu_ref, .. } => Some(*pdu_ref),
        }
    }

    fn function(&self) -> u8 {
        match self {
            Asked::Connect { .. } => 0,
            Asked::Setup { .. } => proto::FUNC_SETUP,
            Asked::Read { .. } => proto::FUNC_READ_VAR,
            Asked::Write { .. } => proto::FUNC_WRITE_VAR,
            Asked::Observed { write, .. } => {
                if *write {
                    proto::FUNC_WRITE_VAR
                } else {
                    proto::FUNC_READ_VAR
                }
            }
        }
    }
}

/// Why a point has no value this cycle.
#[derive(Clone, Debug, PartialEq)]
struct Failure {
    quality: Quality,
    /// The device's code (item return code, or header error class << 8 | code) for `BAD_DEVICE`.
    code: Option<u64>,
    text: String,
}

impl Failure {
    fn value(&self) -> Value<'static> {
        match self.code {
            Some(c) => Value::U64(c),
            None => Value::Null,
        }
    }
}

/// Texts of one call's bad records, joined for `weir_last_error`.
#[derive(Default)]
struct Notes(Vec<String>);

impl Notes {
    fn add(&mut self, text: String) {
        if !self.0.contains(&text) {
            self.0.push(text);
        }
    }

    fn flush(self, out: &mut Out) {
        if !self.0.is_empty() {
            out.set_last_error(self.0.join("; "));
        }
    }
}

/// One S7 device.
pub struct S7 {
    device: DeviceConfig,
    points: Vec<Point>,
    phase: Phase,
    /// The negotiated PDU length (0 before Setup Communication) and COTP TPDU size.
    pdu: u16,
    tpdu: usize,
    plans: Vec<ReadRequest>,
    next_plan: usize,
    /// The cycle ends at the next `poll` (after a failed setup or a lost connection).
    end_cycle: bool,
    next_ref: u16,
    next_conn_ref: u16,
    outstanding: Option<Asked>,
    /// COTP DT segments of an S7 PDU whose last segment has not come yet.
    segments: Vec<u8>,
    /// This cycle's bytes of each point (read in parts) and the first failure of each.
    values: Vec<Vec<u8>>,
    failed: Vec<Option<Failure>>,
}

impl S7 {
    /// The phase of the connection (for tests and diagnostics).
    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// The negotiated PDU length, 0 before Setup Communication.
    pub fn pdu(&self) -> u16 {
        self.pdu
    }

    /// The read plan of the negotiated PDU length.
    pub fn plans(&self) -> &[ReadRequest] {
        &self.plans
    }

    fn discovery(&self) -> bool {
        self.points.is_empty()
    }

    fn limits(&self) -> Limits {
        // A request must fit one TPDU (its 3-byte DT header included); a response may come in
        // segments, which this driver reassembles.
        let request = (self.pdu as usize).min(self.tpdu.saturating_sub(3));
        Limits { request, response: self.pdu as usize, max_items: self.device.max_items }
    }

    fn negotiated(&mut self, pdu: u16) {
        self.pdu = pdu;
        self.phase = Phase::Ready;
        self.plans = plan::plan(&self.points, &self.limits());
        self.next_plan = 0;
    }

    fn take_ref(&mut self) -> u16 {
        let r = self.next_ref;
        self.next_ref = r.wrapping_add(1);
        r
    }

    fn request(&self) -> Request {
        Request { expect: true, timeout_ms: self.device.timeout_ms, last: false }
    }

    fn setup_request(&self) -> Request {
        Request { expect: true, timeout_ms: self.device.setup_timeout_ms, last: false }
    }

    fn point_label(&self, index: u32) -> String {
        format!("point {index} ({})", self.points[index as usize].name())
    }

    /// Records for a point whose last part has come: its failure, or its value.
    fn emit(&mut self, index: u32, out: &mut Out, notes: &mut Notes) -> Result<(), Error> {
        let p = self.points[index as usize];
        if let Some(f) = self.failed[index as usize].take() {
            notes.add(format!("{}: {}", self.point_label(index), f.text));
            return out.record(index, f.value(), f.quality);
        }
        // A BOOL is read as a BIT item: its one data byte is 0 or 1, so bit 0 holds it.
        match value::decode(p.ty, &self.values[index as usize], 0) {
            Ok(v) => out.record(index, v.as_value(), Quality::GOOD),
            Err(why) => {
                notes.add(format!("{}: {why}", self.point_label(index)));
                out.record(index, Value::Null, Quality::BAD_PROTOCOL)
            }
        }
    }

    /// Fails every part of plan request `plan` with `failure` and emits the points whose last part
    /// it holds.
    fn fail_read(
        &mut self,
        plan: usize,
        failure: &Failure,
        out: &mut Out,
        notes: &mut Notes,
    ) -> Result<(), Error> {
        let parts = self.plans[plan].parts.clone();
        for part in &parts {
            let slot = &mut self.failed[part.point as usize];
            if slot.is_none() {
                *slot = Some(failure.clone());
            }
            if part.offset + part.len == self.points[part.point as usize].read_size() {
                self.emit(part.point, out, notes)?;
            }
        }
        Ok(())
    }

    /// The connection cannot go on: `BAD_COMM` records for every point not read yet this cycle
    /// (all of them when `from_plan` is `None`), the device status `status` (`BAD_COMM`, or
    /// `BAD_DEVICE` with the device's code), and the cycle ends. `weir_last_error` is `text`.
    fn connection_failed(
        &mut self,
        from_plan: Option<usize>,
        text: String,
        status: (Value<'static>, Quality),
        out: &mut Out,
    ) -> Result<(), Error> {
        let failure = Failure { quality: Quality::BAD_COMM, code: None, text: text.clone() };
        match from_plan {
            Some(first) => {
                let mut notes = Notes::default();
                for plan in first..self.plans.len() {
                    self.fail_read(plan, &failure, out, &mut notes)?;
                }
            }
            None => {
                for i in 0..self.points.len() as u32 {
                    out.record(i, Value::Null, Quality::BAD_COMM)?;
                }
            }
        }
        out.device_status(status.0, status.1)?;
        self.end_cycle = true;
        out.set_last_error(text);
        Ok(())
    }

    /// Decodes `frame` as the answer to `asked`. On error the caller keeps `asked` outstanding.
    fn answer(&mut self, asked: &Asked, frame: &[u8], out: &mut Out) -> Result<(), Error> {
        match proto::parse_tpdu(frame).map_err(Error::Proto)? {
            Tpdu::ConnectConfirm { dst_ref, tpdu_size, .. } => match asked {
                Asked::Connect { src_ref, .. } if *src_ref == dst_ref => {
                    // ISO 8073 §13.3.4 b): without the parameter the TPDU size is 128 bytes.
                    self.tpdu = tpdu_size.unwrap_or(128).min(1024);
                    self.phase = Phase::Setup;
                    Ok(())
                }
                Asked::Connect { src_ref, .. } => Err(Error::Proto(format!(
                    "COTP CC for reference {dst_ref:#06x} does not answer the connection request {src_ref:#06x}"
                ))),
                other => Err(Error::Proto(format!(
                    "a COTP CC arrived while {} is outstanding",
                    describe(other)
                ))),
            },
            Tpdu::DisconnectRequest { reason, .. } => {
                let text = match asked {
                    Asked::Connect { tsap, .. } => format!(
                        "the device refused the COTP connection to TSAP {:02x}.{:02x} with a disconnect request, reason {reason:#04x} ({}); check rack and slot (or remote_tsap)",
                        tsap >> 8,
                        tsap & 0xff,
                        proto::disconnect_reason(reason)
                    ),
                    other => format!(
                        "the device disconnected (COTP DR, reason {reason:#04x}: {}) while {} was outstanding",
                        proto::disconnect_reason(reason),
                        describe(other)
                    ),
                };
                self.lost(asked, text, reason, out)
            }
            Tpdu::Error { cause, .. } => {
                let text = format!(
                    "the device rejected a TPDU (COTP ER, cause {cause:#04x}: {}) while {} was outstanding",
                    proto::error_cause(cause),
                    describe(asked)
                );
                self.lost(asked, text, cause, out)
            }
            Tpdu::Data { eot, payload } => {
                if !eot {
                    // ISO 8073 §13.7: a user data unit in several DT TPDUs; only the last has EOT.
                    if self.segments.len() + payload.len() > MAX_REASSEMBLY {
                        self.segments.clear();
                        return Err(Error::Proto("COTP segments exceed 65535 bytes without EOT".into()));
                    }
                    self.segments.extend_from_slice(payload);
                    out.not_answer();
                    return Ok(());
                }
                if self.segments.is_empty() {
                    self.answer_pdu(asked, payload, out)
                } else {
                    let mut pdu = std::mem::take(&mut self.segments);
                    pdu.extend_from_slice(payload);
                    self.answer_pdu(asked, &pdu, out)
                }
            }
            Tpdu::ConnectRequest { .. } => Err(Error::Proto("the device sent a COTP connection request".into())),
            Tpdu::Other(code) => Err(Error::Proto(format!(
                "COTP {} from the device does not answer {}",
                proto::tpdu_name(code),
                describe(asked)
            ))),
        }
    }

    /// The device ended the connection (DR, with its reason) or rejected a TPDU (ER, with its
    /// cause): what was asked fails, and so does the rest of the cycle.
    fn lost(&mut self, asked: &Asked, text: String, code: u8, out: &mut Out) -> Result<(), Error> {
        self.phase = Phase::Connect;
        self.pdu = 0;
        self.segments.clear();
        let from = match asked {
            Asked::Read { plan, .. } => Some(*plan),
            Asked::Write { point, .. } => {
                out.write_result(*point, Value::Null, Quality::BAD_COMM)?;
                Some(self.next_plan)
            }
            Asked::Observed { .. } => {
                let failure = Failure { quality: Quality::BAD_COMM, code: None, text };
                return self.observed_failed(asked, &failure, out);
            }
            Asked::Connect { .. } | Asked::Setup { .. } => None,
        };
        self.connection_failed(from, text, (Value::U64(code as u64), Quality::BAD_DEVICE), out)
    }

    fn answer_pdu(&mut self, asked: &Asked, pdu: &[u8], out: &mut Out) -> Result<(), Error> {
        let p = proto::parse_pdu(pdu).map_err(Error::Proto)?;
        match p.header.rosctr {
            proto::ROSCTR_ACK | proto::ROSCTR_ACK_DATA => {}
            proto::ROSCTR_USERDATA => {
                // A CPU pushes Userdata (alarms, cyclic data) on its own: not the answer.
                out.not_answer();
                return Ok(());
            }
            other => {
                return Err(Error::Proto(format!(
                    "S7 {} PDU (ROSCTR {other:#04x}) from the device where an Ack_Data was expected",
                    proto::rosctr_name(other)
                )))
            }
        }
        let want = asked.pdu_ref().ok_or_else(|| {
            Error::Proto("an S7 PDU arrived while the COTP connection request is outstanding".into())
        })?;
        if p.header.pdu_ref != want {
            return Err(Error::Proto(format!(
                "PDU reference {} does not match the outstanding request's {want}",
                p.header.pdu_ref
            )));
        }
        let (class, code) = (p.header.error_class, p.header.error_code);
        if class != 0 || code != 0 {
            let failure = Failure {
                quality: Quality::BAD_DEVICE,
                code: Some(u16::from_be_bytes([class, code]) as u64),
                text: format!("{} refused: {}", describe(asked), proto::header_error(class, code)),
            };
            return self.refused(asked, failure, out);
        }
        if p.header.rosctr == proto::ROSCTR_ACK {
            return Err(Error::Proto(format!("an Ack without data or error answers {}", describe(asked))));
        }
        let f = asked.function();
        if p.param.first() != Some(&f) {
            return Err(Error::Proto(format!(
                "the Ack_Data's function {} does not answer {}",
                p.param.first().map_or("(none)".to_string(), |x| format!("{x:#04x}")),
                describe(asked)
            )));
        }
        match asked {
            Asked::Setup { proposed, .. } => {
                let offered = proto::parse_setup(p.param).map_err(Error::Proto)?;
                // The device answers with at most what was proposed; a larger answer is taken down.
                let pdu = offered.min(*proposed);
                if pdu < map::MIN_PDU {
                    let text = format!(
                        "the device offered a PDU of {offered} bytes, fewer than the {} this driver needs",
                        map::MIN_PDU
                    );
                    return self.connection_failed(
                        None,
                        text,
                        (Value::U64(offered as u64), Quality::BAD_DEVICE),
                        out,
                    );
                }
                self.negotiated(pdu);
                out.device_status(Value::Null, Quality::GOOD)
            }
            Asked::Read { plan, .. } => self.read_response(*plan, p.param, p.data, out),
            Asked::Write { point, value, .. } => {
                let rc = write_return_code(p.param, p.data)?;
                if rc == proto::RC_SUCCESS {
                    out.write_result(*point, value.as_value(), Quality::GOOD)
                } else {
                    out.set_last_error(format!(
                        "{}: write refused with item return code {rc:#04x} ({})",
                        self.point_label(*point),
                        proto::return_code_name(rc)
                    ));
                    out.write_result(*point, Value::U64(rc as u64), Quality::BAD_DEVICE)
                }
            }
            Asked::Observed { .. } => self.observed_response(asked, p.param, p.data, out),
            Asked::Connect { .. } => unreachable!("a COTP connect has no PDU reference"),
        }
    }

    /// A header error: the whole request failed.
    fn refused(&mut self, asked: &Asked, failure: Failure, out: &mut Out) -> Result<(), Error> {
        match asked {
            Asked::Setup { .. } => {
                let status = (failure.value(), Quality::BAD_DEVICE);
                self.connection_failed(None, failure.text, status, out)
            }
            Asked::Read { plan, .. } => {
                let mut notes = Notes::default();
                self.fail_read(*plan, &failure, out, &mut notes)?;
                notes.flush(out);
                Ok(())
            }
            Asked::Write { point, .. } => {
                out.set_last_error(format!("{}: {}", self.point_label(*point), failure.text));
                out.write_result(*point, failure.value(), failure.quality)
            }
            Asked::Observed { .. } => self.observed_failed(asked, &failure, out),
            Asked::Connect { .. } => unreachable!("a COTP connect has no PDU reference"),
        }
    }

    fn read_response(&mut self, plan: usize, param: &[u8], data: &[u8], out: &mut Out) -> Result<(), Error> {
        let parts = self.plans[plan].parts.clone();
        let items = read_items(param, data, parts.len())?;
        let mut notes = Notes::default();
        for (part, item) in parts.iter().zip(items.iter()) {
            let index = part.point as usize;
            let p = self.points[index];
            if item.return_code != proto::RC_SUCCESS {
                let failure = Failure {
                    quality: Quality::BAD_DEVICE,
                    code: Some(item.return_code as u64),
                    text: format!(
                        "item return code {:#04x} ({})",
                        item.return_code,
                        proto::return_code_name(item.return_code)
                    ),
                };
                if self.failed[index].is_none() {
                    self.failed[index] = Some(failure);
                }
            } else if item.data.len() != part.len as usize {
                let failure = Failure {
                    quality: Quality::BAD_PROTOCOL,
                    code: None,
                    text: format!(
                        "the device returned {} bytes where {} were asked",
                        item.data.len(),
                        part.len
                    ),
                };
                if self.failed[index].is_none() {
                    self.failed[index] = Some(failure);
                }
            } else {
                let at = part.offset as usize;
                self.values[index][at..at + item.data.len()].copy_from_slice(item.data);
            }
            if part.offset + part.len == p.read_size() {
                self.emit(part.point, out, &mut notes)?;
            }
        }
        notes.flush(out);
        Ok(())
    }

    /// Bad records for what a recorded request asked, when its whole answer failed.
    fn observed_failed(&mut self, asked: &Asked, failure: &Failure, out: &mut Out) -> Result<(), Error> {
        let (write, items, covers) = match asked {
            Asked::Observed { write, items, covers, .. } => (*write, items, covers),
            _ => return Ok(()),
        };
        out.set_last_error(failure.text.clone());
        if self.discovery() {
            if write {
                // The SDK has no named write results (ABI §6.3): see the README.
                return Ok(());
            }
            for item in items {
                for name in item_names(item) {
                    out.named(&name, failure.value(), failure.quality)?;
                }
            }
            return Ok(());
        }
        for c in covers {
            if write {
                out.write_result(c.point, failure.value(), failure.quality)?;
            } else {
                out.record(c.point, failure.value(), failure.quality)?;
            }
        }
        Ok(())
    }

    fn observed_response(
        &mut self,
        asked: &Asked,
        param: &[u8],
        data: &[u8],
        out: &mut Out,
    ) -> Result<(), Error> {
        let (write, items, written, covers) = match asked {
            Asked::Observed { write, items, written, covers, .. } => (*write, items, written, covers),
            _ => return Ok(()),
        };
        let mut notes = Notes::default();
        if write {
            if param.len() != 2 || param[1] as usize != items.len() || data.len() != items.len() {
                return Err(Error::Proto(format!(
                    "Write Var response with parameter {} and {} data bytes does not answer {} items",
                    proto::hex(param),
                    data.len(),
                    items.len()
                )));
            }
            if self.discovery() {
                // The SDK has no named write results (ABI §6.3): see the README.
                return Ok(());
            }
            for c in covers {
                let rc = data[c.item];
                let p = self.points[c.point as usize];
                if rc != proto::RC_SUCCESS {
                    notes.add(format!(
                        "{}: write refused with item return code {rc:#04x} ({})",
                        self.point_label(c.point),
                        proto::return_code_name(rc)
                    ));
                    out.write_result(c.point, Value::U64(rc as u64), Quality::BAD_DEVICE)?;
                    continue;
                }
                match cover_bytes(&p, written[c.item].as_slice(), c)
                    .and_then(|b| value::decode(p.ty, b, c.bit))
                {
                    Ok(v) => out.write_result(c.point, v.as_value(), Quality::GOOD)?,
                    Err(why) => {
                        notes.add(format!("{}: {why}", self.point_label(c.point)));
                        out.write_result(c.point, Value::Null, Quality::BAD_PROTOCOL)?
                    }
                }
            }
            notes.flush(out);
            return Ok(());
        }
        let data_items = read_items(param, data, items.len())?;
        if self.discovery() {
            for (item, d) in items.iter().zip(data_items.iter()) {
                named_records(item, d, out, &mut notes)?;
            }
            notes.flush(out);
            return Ok(());
        }
        for c in covers {
            let p = self.points[c.point as usize];
            let d = &data_items[c.item];
            if d.return_code != proto::RC_SUCCESS {
                notes.add(format!(
                    "{}: item return code {:#04x} ({})",
                    self.point_label(c.point),
                    d.return_code,
                    proto::return_code_name(d.return_code)
                ));
                out.record(c.point, Value::U64(d.return_code as u64), Quality::BAD_DEVICE)?;
                continue;
            }
            let area_data = match &items[c.item] {
                ItemSpec::DbRead(areas) => dbread_areas(areas, d.data).map(|v| v[c.area].1),
                ItemSpec::Any { .. } => Ok(d.data),
            };
            let decoded = area_data
                .and_then(|bytes| cover_bytes(&p, bytes, c))
                .and_then(|b| value::decode(p.ty, b, c.bit));
            match decoded {
                Ok(v) => out.record(c.point, v.as_value(), Quality::GOOD)?,
                Err(why) => {
                    notes.add(format!("{}: {why}", self.point_label(c.point)));
                    out.record(c.point, Value::Null, Quality::BAD_PROTOCOL)?
                }
            }
        }
        notes.flush(out);
        Ok(())
    }

    /// Where each configured point lies in `items` (wholly inside one item), in point order: the
    /// first item that reads it, or the last that writes it (a CPU applies the items of a Write Var
    /// in order, so the last one decides the value).
    fn covers(&self, items: &[ItemSpec], write: bool) -> Vec<Cover> {
        let mut covers = Vec::new();
        for p in &self.points {
            let mut candidates =
                items.iter().enumerate().filter_map(|(i, item)| cover(p, item).map(|c| (i, c)));
            let found = if write { candidates.last() } else { candidates.next() };
            if let Some((item, (area, offset, bit))) = found {
                covers.push(Cover { point: p.index, item, area, offset, bit });
            }
        }
        covers
    }
}

/// `Read Var of 3 items (PDU reference 5)` and the like, for messages.
fn describe(asked: &Asked) -> String {
    match asked {
        Asked::Connect { src_ref, tsap } => {
            format!(
                "the COTP connection request (reference {src_ref:#06x}, TSAP {:02x}.{:02x})",
                tsap >> 8,
                tsap & 0xff
            )
        }
        Asked::Setup { pdu_ref, proposed } => {
            format!("Setup Communication (PDU length {proposed}, PDU reference {pdu_ref})")
        }
        Asked::Read { pdu_ref, .. } => format!("Read Var (PDU reference {pdu_ref})"),
        Asked::Write { pdu_ref, .. } => format!("Write Var (PDU reference {pdu_ref})"),
        Asked::Observed { pdu_ref, write, items, .. } => format!(
            "{} of {} items (PDU reference {pdu_ref})",
            if *write { "Write Var" } else { "Read Var" },
            items.len()
        ),
    }
}

/// The return code of a one-item Write Var response.
fn write_return_code(param: &[u8], data: &[u8]) -> Result<u8, Error> {
    if param.len() != 2 || param[1] != 1 || data.len() != 1 {
        return Err(Error::Proto(format!(
            "Write Var response with parameter {} and {} data bytes does not answer one item",
            proto::hex(param),
            data.len()
        )));
    }
    Ok(data[0])
}

/// The data items of a Read Var response to `n` items.
fn read_items<'a>(param: &[u8], data: &'a [u8], n: usize) -> Result<Vec<DataItem<'a>>, Error> {
    if param.len() != 2 || param[1] as usize != n {
        return Err(Error::Proto(format!(
            "Read Var response parameter {} does not answer {n} items",
            proto::hex(param)
        )));
    }
    proto::parse_data_items(data, n).map_err(Error::Proto)
}

/// The areas of a DBREAD item's data: each `(return code, bytes)`. The data of a DBREAD answer is
/// not documented; two layouts are read: a return code byte before each area's bytes (the layout
/// CISA's ICSNPP S7comm parser reads), or the areas' bytes back to back (return code 0xFF each).
fn dbread_areas<'a>(areas: &[(u8, u16, u16)], data: &'a [u8]) -> Result<Vec<(u8, &'a [u8])>, String> {
    let plain: usize = areas.iter().map(|a| a.0 as usize).sum();
    let coded = plain + areas.len();
    let mut out = Vec::with_capacity(areas.len());
    let mut at = 0;
    if data.len() == coded {
        for a in areas {
            let n = a.0 as usize;
            out.push((data[at], &data[at + 1..at + 1 + n]));
            at += 1 + n;
        }
    } else if data.len() == plain {
        for a in areas {
            let n = a.0 as usize;
            out.push((proto::RC_SUCCESS, &data[at..at + n]));
            at += n;
        }
    } else {
        return Err(format!(
            "DBREAD data of {} bytes fits neither {plain} bytes of {} areas nor {coded} with a return code each",
            data.len(),
            areas.len()
        ));
    }
    Ok(out)
}

/// The names of what an item asked for (one per DBREAD area).
fn item_names(item: &ItemSpec) -> Vec<String> {
    match item {
        ItemSpec::Any { area, db, tsize, count, address } => {
            vec![address::item_name(Area::from_item(*area, *db), *tsize, *count, *address)]
        }
        ItemSpec::DbRead(areas) => areas
            .iter()
            .map(|(len, db, start)| {
                address::item_name(Area::Db(*db), proto::TS_BYTE, *len as u16, *start as u32 * 8)
            })
            .collect(),
    }
}

/// Discovery mode: one named record per item (per DBREAD area): the returned bytes as lower-case
/// hex text, or the item return code.
fn named_records(item: &ItemSpec, d: &DataItem, out: &mut Out, notes: &mut Notes) -> Result<(), Error> {
    let names = item_names(item);
    if d.return_code != proto::RC_SUCCESS {
        for name in &names {
            notes.add(format!(
                "{name}: item return code {:#04x} ({})",
                d.return_code,
                proto::return_code_name(d.return_code)
            ));
            out.named(name, Value::U64(d.return_code as u64), Quality::BAD_DEVICE)?;
        }
        return Ok(());
    }
    match item {
        ItemSpec::Any { .. } => out.named(&names[0], Value::Str(&proto::hex(d.data)), Quality::GOOD),
        ItemSpec::DbRead(areas) => match dbread_areas(areas, d.data) {
            Ok(parts) => {
                for (name, (rc, bytes)) in names.iter().zip(parts) {
                    if rc == proto::RC_SUCCESS {
                        out.named(name, Value::Str(&proto::hex(bytes)), Quality::GOOD)?;
                    } else {
                        notes.add(format!(
                            "{name}: item return code {rc:#04x} ({})",
                            proto::return_code_name(rc)
                        ));
                        out.named(name, Value::U64(rc as u64), Quality::BAD_DEVICE)?;
                    }
                }
                Ok(())
            }
            Err(why) => {
                for name in &names {
                    notes.add(format!("{name}: {why}"));
                    out.named(name, Value::Null, Quality::BAD_PROTOCOL)?;
                }
                Ok(())
            }
        },
    }
}

/// Where point `p` lies wholly inside `item`: the DBREAD area (0 for S7ANY), the offset of its
/// bytes in the item's data, and the bit of a BOOL in its byte. `None` if it does not, or if the
/// item's element size is not fixed.
fn cover(p: &Point, item: &ItemSpec) -> Option<(usize, usize, u8)> {
    let (byte, size) = (p.address.byte as usize, p.read_size() as usize);
    let inside = |start: usize, len: usize| byte >= start && byte + size <= start + len;
    match item {
        ItemSpec::Any { area, db, tsize, count, address } => {
            if Area::from_item(*area, *db) != p.area() {
                return None;
            }
            let (address, count) = (*address as usize, *count as usize);
            if p.area().numbered() {
                let ok = matches!(*tsize, proto::TS_TIMER | proto::TS_COUNTER)
                    && byte >= address
                    && byte < address + count;
                return if ok { Some((0, (byte - address) * 2, 0)) } else { None };
            }
            if *tsize == proto::TS_BIT {
                let same = p.ty == Type::Bool && count == 1 && address == byte * 8 + p.address.bit as usize;
                return if same { Some((0, 0, 0)) } else { None };
            }
            let elem = match *tsize {
                0x02 | 0x03 => 1,
                0x04 | 0x05 => 2,
                0x06 | 0x07 | 0x08 => 4,
                _ => return None,
            };
            if address % 8 == 0 && inside(address / 8, count * elem) {
                Some((0, byte - address / 8, p.address.bit))
            } else {
                None
            }
        }
        ItemSpec::DbRead(areas) => areas
            .iter()
            .enumerate()
            .filter(|(_, (len, db, start))| {
                Area::Db(*db) == p.area() && inside(*start as usize, *len as usize)
            })
            .map(|(i, (_, _, start))| (i, byte - *start as usize, p.address.bit))
            .next(),
    }
}

/// The point's bytes inside an item's data; an error if the device returned fewer.
fn cover_bytes<'a>(p: &Point, data: &'a [u8], c: &Cover) -> Result<&'a [u8], String> {
    let n = if p.ty == Type::Bool { 1 } else { p.read_size() as usize };
    data.get(c.offset..c.offset + n).ok_or_else(|| {
        format!("the item's data has {} bytes, the point needs {n} from byte {}", data.len(), c.offset)
    })
}

impl Driver for S7 {
    const MANIFEST: Manifest = Manifest {
        name: "s7",
        version: "0.1.0",
        protocol: "s7comm",
        transport: Transport::Tcp,
        passive: false,
        state_schema: Some(STATE_SCHEMA),
    };

    /// ABI §3.3: the connection is set up after `weir_link_up`, a v1.1 call.
    const MIN_ABI_MINOR: u16 = 1;

    fn open(config: &Config, _now_us: i64) -> Result<Self, Error> {
        let (device, points) = map::parse(config)?;
        let values = points.iter().map(|p| vec![0u8; p.read_size() as usize]).collect();
        let failed = vec![None; points.len()];
        Ok(S7 {
            device,
            points,
            phase: Phase::Connect,
            pdu: 0,
            tpdu: 1024,
            plans: Vec::new(),
            next_plan: 0,
            end_cycle: false,
            next_ref: 1,
            next_conn_ref: 1,
            outstanding: None,
            segments: Vec::new(),
            values,
            failed,
        })
    }

    fn link_up(&mut self, _now_us: i64) -> Result<(), Error> {
        // ABI §7.9: a fresh connection; what was negotiated on the last one is gone.
        self.phase = Phase::Connect;
        self.pdu = 0;
        self.tpdu = 1024;
        self.plans.clear();
        self.next_plan = 0;
        self.end_cycle = false;
        self.outstanding = None;
        self.segments.clear();
        Ok(())
    }

    fn poll(&mut self, tx: &mut Tx, _now_us: i64) -> Result<Option<Request>, Error> {
        if let Some(asked) = &self.outstanding {
            return Err(Error::Order(format!("{} is still outstanding", describe(asked))));
        }
        if self.end_cycle {
            self.end_cycle = false;
            self.next_plan = 0;
            return Ok(None);
        }
        match self.phase {
            Phase::Connect => {
                let src_ref = self.next_conn_ref;
                // ISO 8073: source reference 0 is not used.
                self.next_conn_ref = src_ref.checked_add(1).unwrap_or(1);
                tx.put(&proto::connection_request(src_ref, self.device.local_tsap, self.device.remote_tsap))?;
                self.outstanding = Some(Asked::Connect { src_ref, tsap: self.device.remote_tsap });
                return Ok(Some(self.setup_request()));
            }
            Phase::Setup => {
                let pdu_ref = self.take_ref();
                let proposed = self.device.pdu;
                // One job at a time each way: the driver never has two requests outstanding.
                tx.put(&proto::data(&proto::job(pdu_ref, &proto::setup_param(1, 1, proposed), &[])))?;
                self.outstanding = Some(Asked::Setup { pdu_ref, proposed });
                return Ok(Some(self.setup_request()));
            }
            Phase::Ready => {
                if self.next_plan >= self.plans.len() {
                    self.next_plan = 0;
                    return Ok(None);
                }
                let plan = self.next_plan;
                if plan == 0 {
                    self.failed.iter_mut().for_each(|f| *f = None);
                }
                let r = &self.plans[plan];
                let mut param = vec![proto::FUNC_READ_VAR, r.parts.len() as u8];
                for part in &r.parts {
                    param.extend_from_slice(&ReadRequest::item(&self.points[part.point as usize], part));
                }
                let pdu_ref = self.take_ref();
                tx.put(&proto::data(&proto::job(pdu_ref, &param, &[])))?;
                self.outstanding = Some(Asked::Read { pdu_ref, plan });
                self.next_plan += 1;
            }
        }
        Ok(Some(self.request()))
    }

    fn frame_len(&mut self, rx: &[u8], rx_cap: usize) -> FrameLen {
        proto::frame_len(rx, rx_cap)
    }

    fn on_frame(&mut self, frame: &[u8], out: &mut Out, _now_us: i64) -> Result<(), Error> {
        let asked = self
            .outstanding
            .take()
            .ok_or_else(|| Error::Order("a frame arrived but no request is outstanding".into()))?;
        let result = self.answer(&asked, frame, out);
        // ABI §7.3: a frame that is not the answer (an error, or NOT_ANSWER) leaves the request
        // outstanding, so a late right answer is still taken.
        if result.is_err() || out.frame_flags() & weir_sdk::abi::FRAME_NOT_ANSWER != 0 {
            self.outstanding = Some(asked);
        }
        result
    }

    fn on_timeout(&mut self, out: &mut Out, _now_us: i64) -> Result<(), Error> {
        let asked = self
            .outstanding
            .take()
            .ok_or_else(|| Error::Order("timeout but no request is outstanding".into()))?;
        self.segments.clear();
        let failure = Failure {
            quality: Quality::BAD_COMM,
            code: None,
            text: format!("no response to {}", describe(&asked)),
        };
        match &asked {
            Asked::Connect { .. } | Asked::Setup { .. } => {
                self.connection_failed(None, failure.text, (Value::Null, Quality::BAD_COMM), out)
            }
            Asked::Read { plan, .. } => {
                let mut notes = Notes::default();
                self.fail_read(*plan, &failure, out, &mut notes)?;
                notes.flush(out);
                Ok(())
            }
            Asked::Write { point, .. } => {
                out.set_last_error(format!("{}: {}", self.point_label(*point), failure.text));
                out.write_result(*point, Value::Null, Quality::BAD_COMM)
            }
            Asked::Observed { .. } => self.observed_failed(&asked, &failure, out),
        }
    }

    fn observe(&mut self, request: &[u8]) -> Result<(), Error> {
        let bad = |e: String| Error::Proto(format!("recorded request: {e}"));
        self.segments.clear();
        let payload = match proto::parse_tpdu(request).map_err(bad)? {
            Tpdu::ConnectRequest { src_ref, called, .. } => {
                self.outstanding = Some(Asked::Connect { src_ref, tsap: called.unwrap_or(0) });
                return Ok(());
            }
            Tpdu::Data { eot: true, payload } => payload,
            Tpdu::Data { eot: false, .. } => {
                return Err(Error::Unsupported(
                    "recorded request is a COTP segment without EOT; segmented requests are not decoded"
                        .into(),
                ))
            }
            other => {
                return Err(Error::Unsupported(format!(
                    "recorded frame is a COTP {}, not a request",
                    match other {
                        Tpdu::ConnectConfirm { .. } => proto::tpdu_name(proto::COTP_CC),
                        Tpdu::DisconnectRequest { .. } => proto::tpdu_name(proto::COTP_DR),
                        Tpdu::Error { .. } => proto::tpdu_name(proto::COTP_ER),
                        Tpdu::Other(code) => proto::tpdu_name(code),
                        _ => "TPDU",
                    }
                )))
            }
        };
        let p = proto::parse_pdu(payload).map_err(bad)?;
        match p.header.rosctr {
            proto::ROSCTR_JOB => {}
            proto::ROSCTR_USERDATA => {
                return Err(Error::Unsupported(
                    "recorded Userdata PDU (SZL, alarms, cyclic data) is not decoded by this driver".into(),
                ))
            }
            other => {
                return Err(Error::Proto(format!(
                    "recorded frame is an S7 {} PDU, not a Job",
                    proto::rosctr_name(other)
                )))
            }
        }
        let pdu_ref = p.header.pdu_ref;
        let f = *p.param.first().ok_or_else(|| bad("Job without a parameter part".into()))?;
        match f {
            proto::FUNC_SETUP => {
                let proposed = proto::parse_setup(p.param).map_err(bad)?;
                self.outstanding = Some(Asked::Setup { pdu_ref, proposed });
            }
            proto::FUNC_READ_VAR | proto::FUNC_WRITE_VAR => {
                let write = f == proto::FUNC_WRITE_VAR;
                let items = proto::parse_items(p.param).map_err(|e| {
                    if e.contains("syntax id") {
                        Error::Unsupported(format!("recorded request: {e}"))
                    } else {
                        bad(e)
                    }
                })?;
                let written = if write {
                    proto::parse_data_items(p.data, items.len())
                        .map_err(bad)?
                        .iter()
                        .map(|d| d.data.to_vec())
                        .collect()
                } else {
                    if !p.data.is_empty() {
                        return Err(bad(format!("Read Var Job with {} data bytes", p.data.len())));
                    }
                    Vec::new()
                };
                let covers = self.covers(&items, write);
                if !self.discovery() && covers.is_empty() {
                    return Err(Error::Unsupported(format!(
                        "recorded {} of {} items covers no configured point",
                        proto::function_name(f),
                        items.len()
                    )));
                }
                self.outstanding = Some(Asked::Observed { pdu_ref, write, items, written, covers });
            }
            other => {
                return Err(Error::Unsupported(format!(
                "recorded Job function {other:#04x} ({}) is not Setup Communication, Read Var or Write Var",
                proto::function_name(other)
            )))
            }
        }
        Ok(())
    }

    fn write(&mut self, point: u32, value: Value, tx: &mut Tx, _now_us: i64) -> Result<Request, Error> {
        if let Some(asked) = &self.outstanding {
            return Err(Error::Order(format!("{} is still outstanding", describe(asked))));
        }
        let p = *self.points.get(point as usize).ok_or_else(|| {
            Error::Inval(format!("point {point} is not in the point map ({} points)", self.points.len()))
        })?;
        if p.area().numbered() {
            return Err(Error::Unsupported(format!(
                "{}: timers and counters are read-only in this driver",
                self.point_label(point)
            )));
        }
        if self.phase != Phase::Ready {
            return Err(Error::Order(format!(
                "{}: the S7 connection is not set up yet (COTP connect and Setup Communication run at the start of the next cycle)",
                self.point_label(point)
            )));
        }
        let bytes = value::encode(p.ty, &value)
            .map_err(|e| Error::Inval(format!("{}: {e}", self.point_label(point))))?;
        let confirmed = match (p.ty, &value) {
            (Type::String(_), Value::Str(s)) => Decoded::Str((*s).to_string()),
            (Type::Bool, _) => Decoded::Bool(bytes[0] == 1),
            (ty, _) => value::decode(ty, &bytes, 0).map_err(Error::Inval)?,
        };
        let a = p.address;
        let (area, db) = (a.area.code(), a.area.db());
        let (item, tsize, length) = if p.ty == Type::Bool {
            (proto::any_item(proto::TS_BIT, 1, db, area, a.byte * 8 + a.bit as u32), proto::DTS_BIT, 1u16)
        } else {
            // A STRING is written from its actual length byte on (byte + 1).
            let start = a.byte + if let Type::String(_) = p.ty { 1 } else { 0 };
            let n = bytes.len() as u16;
            (proto::any_item(proto::TS_BYTE, n, db, area, start * 8), proto::DTS_BYTE, n * 8)
        };
        let size = plan::REQUEST_BASE + proto::ITEM_SPEC + plan::DATA_ITEM_HEADER + bytes.len();
        let limit = self.limits().request;
        if size > limit {
            return Err(Error::Inval(format!(
                "{}: {} bytes do not fit one Write Var: the negotiated PDU of {limit} bytes carries at most {}",
                self.point_label(point),
                bytes.len(),
                limit - (size - bytes.len())
            )));
        }
        let mut param = vec![proto::FUNC_WRITE_VAR, 1];
        param.extend_from_slice(&item);
        let mut data = vec![0, tsize];
        data.extend_from_slice(&length.to_be_bytes());
        data.extend_from_slice(&bytes);
        let pdu_ref = self.take_ref();
        tx.put(&proto::data(&proto::job(pdu_ref, &param, &data)))?;
        self.outstanding = Some(Asked::Write { pdu_ref, point, value: confirmed });
        Ok(self.request())
    }

    fn save_state(&self, state: &mut Vec<u8>) -> Result<(), Error> {
        state.push(self.phase as u8);
        state.extend_from_slice(&self.pdu.to_le_bytes());
        state.extend_from_slice(&(self.tpdu as u16).to_le_bytes());
        state.extend_from_slice(&self.next_ref.to_le_bytes());
        Ok(())
    }

    fn load_state(&mut self, schema: u32, state: &[u8]) -> Result<(), Error> {
        if schema != STATE_SCHEMA || state.len() != 7 {
            return Err(Error::Schema(format!(
                "state schema {schema} with {} payload bytes; this driver reads schema {STATE_SCHEMA} with 7",
                state.len()
            )));
        }
        let word = |i: usize| u16::from_le_bytes([state[i], state[i + 1]]);
        let (pdu, tpdu) = (word(1), word(3) as usize);
        let phase = match state[0] {
            0 => Phase::Connect,
            1 => Phase::Setup,
            2 if (map::MIN_PDU..=self.device.pdu).contains(&pdu) => Phase::Ready,
            _ => {
                return Err(Error::Schema(format!(
                    "state phase {} with PDU length {pdu} is not a state of this device (PDU {}..{})",
                    state[0],
                    map::MIN_PDU,
                    self.device.pdu
                )))
            }
        };
        if !(128..=1024).contains(&tpdu) || !tpdu.is_power_of_two() {
            return Err(Error::Schema(format!("state TPDU size {tpdu} is not 128, 256, 512 or 1024")));
        }
        self.tpdu = tpdu;
        self.next_ref = word(5);
        self.phase = phase;
        if phase == Phase::Ready {
            self.negotiated(pdu);
        }
        Ok(())
    }

    fn correlation_key(&self, frame: &[u8], direction: Direction) -> u32 {
        match (proto::parse_tpdu(frame), direction) {
            (Ok(Tpdu::Data { payload, .. }), _)
                if payload.len() >= proto::JOB_HEADER
                    && payload[0] == proto::S7_PROTOCOL_ID
                    && matches!(payload[1], 1 | 2 | 3 | 7) =>
            {
                CORR_S7 | u16::from_be_bytes([payload[4], payload[5]]) as u32
            }
            (Ok(Tpdu::ConnectRequest { src_ref, .. }), Direction::Request) => CORR_COTP | src_ref as u32,
            (Ok(Tpdu::ConnectConfirm { dst_ref, .. }), Direction::Response)
            | (Ok(Tpdu::DisconnectRequest { dst_ref, .. }), Direction::Response)
            | (Ok(Tpdu::Error { dst_ref, .. }), Direction::Response) => CORR_COTP | dst_ref as u32,
            _ => 0,
        }
    }
}

weir_sdk::export_driver!(S7);
