//! The wire formats: TPKT (RFC 1006 §6), COTP class 0 (ISO 8073 / RFC 905 §13) and the S7comm
//! PDU (protocol id 0x32) with Setup Communication, Read Var and Write Var, as Wireshark's
//! packet-s7comm.c and packet-cotp.c decode them. Names of return and error codes are Wireshark's.

use weir_sdk::FrameLen;

/// RFC 1006 §6: "vrsn 8 bits, this field is always 3".
pub const TPKT_VERSION: u8 = 3;
/// TPKT header (4) + the shortest COTP header, a DT (3).
pub const MIN_FRAME: usize = 7;

/// COTP TPDU codes (ISO 8073 §13.1, table 8): the high nibble of the second header byte.
pub const COTP_CR: u8 = 0xE0;
pub const COTP_CC: u8 = 0xD0;
pub const COTP_DR: u8 = 0x80;
pub const COTP_DC: u8 = 0xC0;
pub const COTP_DT: u8 = 0xF0;
pub const COTP_ER: u8 = 0x70;
/// COTP DT: the EOT bit of the TPDU number byte (the last TPDU of a user data unit).
pub const COTP_EOT: u8 = 0x80;

/// COTP CR/CC parameter codes (ISO 8073 §13.3.4): TPDU size, calling and called TSAP.
pub const PARAM_TPDU_SIZE: u8 = 0xC0;
pub const PARAM_CALLING_TSAP: u8 = 0xC1;
pub const PARAM_CALLED_TSAP: u8 = 0xC2;
/// TPDU size code 0x0A: 2^10 = 1024 bytes, the largest class 0 allows.
pub const TPDU_SIZE_1024: u8 = 0x0A;

pub const S7_PROTOCOL_ID: u8 = 0x32;
pub const ROSCTR_JOB: u8 = 0x01;
pub const ROSCTR_ACK: u8 = 0x02;
pub const ROSCTR_ACK_DATA: u8 = 0x03;
pub const ROSCTR_USERDATA: u8 = 0x07;

pub const FUNC_READ_VAR: u8 = 0x04;
pub const FUNC_WRITE_VAR: u8 = 0x05;
pub const FUNC_SETUP: u8 = 0xF0;

/// Variable specification of a Read/Write Var item, and its syntax ids.
pub const VAR_SPEC: u8 = 0x12;
pub const SYNTAX_S7ANY: u8 = 0x10;
pub const SYNTAX_DBREAD: u8 = 0xB0;

/// Item transport sizes (request) used by this driver.
pub const TS_BIT: u8 = 0x01;
pub const TS_BYTE: u8 = 0x02;
pub const TS_COUNTER: u8 = 0x1C;
pub const TS_TIMER: u8 = 0x1D;

/// Data transport sizes (in the data part): BIT, BYTE/WORD/DWORD and INTEGER count their length in
/// bits; the others in bytes.
pub const DTS_BIT: u8 = 0x03;
pub const DTS_BYTE: u8 = 0x04;
pub const DTS_INT: u8 = 0x05;
pub const DTS_OCTETS: u8 = 0x09;

/// Item return code: success.
pub const RC_SUCCESS: u8 = 0xFF;

/// S7 header sizes: a Job or Userdata PDU has 10 bytes, an Ack or Ack_Data 12 (error class and
/// code follow).
pub const JOB_HEADER: usize = 10;
pub const ACK_HEADER: usize = 12;
/// Request bytes of one S7ANY item in the parameter part.
pub const ITEM_SPEC: usize = 12;

/// Framing (ABI §7.2) by the TPKT header: version 3, reserved 0, a length of at least 7 bytes and
/// at most `rx_cap`. Anything else is no TPKT: drop one byte and look again.
pub fn frame_len(rx: &[u8], rx_cap: usize) -> FrameLen {
    if rx.is_empty() {
        return FrameLen::NeedMore(0);
    }
    if rx[0] != TPKT_VERSION || (rx.len() > 1 && rx[1] != 0) {
        return FrameLen::Resync(1);
    }
    if rx.len() < 4 {
        return FrameLen::NeedMore(0);
    }
    let len = u16::from_be_bytes([rx[2], rx[3]]) as usize;
    if len < MIN_FRAME || len > rx_cap {
        return FrameLen::Resync(1);
    }
    if rx.len() < len {
        FrameLen::NeedMore(len)
    } else {
        FrameLen::Complete(len)
    }
}

/// A TPKT frame around `payload` (COTP header and user data).
fn tpkt(payload: &[u8]) -> Vec<u8> {
    let len = (payload.len() + 4) as u16;
    let mut f = vec![TPKT_VERSION, 0, (len >> 8) as u8, len as u8];
    f.extend_from_slice(payload);
    f
}

/// COTP CR (ISO 8073 §13.3): class 0, TPDU size 1024, calling and called TSAP.
pub fn connection_request(src_ref: u16, local_tsap: u16, remote_tsap: u16) -> Vec<u8> {
    let mut c = vec![0, COTP_CR, 0, 0];
    c.extend_from_slice(&src_ref.to_be_bytes());
    c.push(0); // class 0, no options
    c.extend_from_slice(&[PARAM_TPDU_SIZE, 1, TPDU_SIZE_1024]);
    c.extend_from_slice(&[PARAM_CALLING_TSAP, 2]);
    c.extend_from_slice(&local_tsap.to_be_bytes());
    c.extend_from_slice(&[PARAM_CALLED_TSAP, 2]);
    c.extend_from_slice(&remote_tsap.to_be_bytes());
    c[0] = (c.len() - 1) as u8; // the length indicator counts the bytes after itself
    tpkt(&c)
}

/// A COTP DT (class 0: LI 2, code 0xF0, EOT with TPDU number 0) carrying one S7 PDU.
pub fn data(pdu: &[u8]) -> Vec<u8> {
    let mut p = vec![2, COTP_DT, COTP_EOT];
    p.extend_from_slice(pdu);
    tpkt(&p)
}

/// One TPDU, as far as this driver reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tpdu<'a> {
    ConnectRequest {
        src_ref: u16,
        calling: Option<u16>,
        called: Option<u16>,
    },
    ConnectConfirm {
        dst_ref: u16,
        src_ref: u16,
        tpdu_size: Option<usize>,
    },
    DisconnectRequest {
        dst_ref: u16,
        reason: u8,
    },
    Data {
        eot: bool,
        payload: &'a [u8],
    },
    Error {
        dst_ref: u16,
        cause: u8,
    },
    /// Any other TPDU code (DC, AK, ED …).
    Other(u8),
}

/// Parses TPKT + COTP. `frame` is one whole TPKT frame (as `frame_len` cut it).
pub fn parse_tpdu(frame: &[u8]) -> Result<Tpdu<'_>, String> {
    if frame.len() < MIN_FRAME || frame[0] != TPKT_VERSION || frame[1] != 0 {
        return Err(format!("not a TPKT frame: {}", hex(&frame[..frame.len().min(8)])));
    }
    let tpkt_len = u16::from_be_bytes([frame[2], frame[3]]) as usize;
    if tpkt_len != frame.len() {
        return Err(format!("TPKT length {tpkt_len} but the frame has {} bytes", frame.len()));
    }
    let li = frame[4] as usize;
    if li < 2 || 5 + li > frame.len() {
        return Err(format!("COTP length indicator {li} does not fit a {}-byte frame", frame.len()));
    }
    let code = frame[5] & 0xF0;
    let header = &frame[5..5 + li];
    let be = |i: usize| u16::from_be_bytes([header[i], header[i + 1]]);
    match code {
        COTP_DT => {
            // ISO 8073 §13.7: class 0 DT has LI 2 and one byte of EOT + TPDU number.
            if li != 2 {
                return Err(format!("COTP DT with length indicator {li}, class 0 has 2"));
            }
            Ok(Tpdu::Data { eot: header[1] & COTP_EOT != 0, payload: &frame[7..] })
        }
        COTP_CR | COTP_CC => {
            if li < 6 {
                return Err(format!(
                    "COTP {} with length indicator {li}, at least 6 expected",
                    tpdu_name(code)
                ));
            }
            let (mut tpdu_size, mut calling, mut called) = (None, None, None);
            let mut at = 6;
            while at < li {
                if at + 2 > li || at + 2 + header[at + 1] as usize > li {
                    return Err(format!(
                        "COTP {} parameter at byte {} runs past the header",
                        tpdu_name(code),
                        at + 5
                    ));
                }
                let (p, n) = (header[at], header[at + 1] as usize);
                let v = &header[at + 2..at + 2 + n];
                match (p, n) {
                    // ISO 8073 §13.3.4 b): 2^code bytes, codes 7 (128) to 13 (8192).
                    (PARAM_TPDU_SIZE, 1) if (7..=13).contains(&v[0]) => tpdu_size = Some(1usize << v[0]),
                    (PARAM_TPDU_SIZE, _) => {
                        return Err(format!(
                            "COTP {} TPDU size parameter {} is not a size code 7..13",
                            tpdu_name(code),
                            hex(v)
                        ))
                    }
                    (PARAM_CALLING_TSAP, 2) => calling = Some(u16::from_be_bytes([v[0], v[1]])),
                    (PARAM_CALLED_TSAP, 2) => called = Some(u16::from_be_bytes([v[0], v[1]])),
                    _ => {}
                }
                at += 2 + n;
            }
            if code == COTP_CR {
                Ok(Tpdu::ConnectRequest { src_ref: be(3), calling, called })
            } else {
                Ok(Tpdu::ConnectConfirm { dst_ref: be(1), src_ref: be(3), tpdu_size })
            }
        }
        COTP_DR => {
            if li < 6 {
                return Err(format!("COTP DR with length indicator {li}, at least 6 expected"));
            }
            Ok(Tpdu::DisconnectRequest { dst_ref: be(1), reason: header[5] })
        }
        COTP_ER => {
            if li < 4 {
                return Err(format!("COTP ER with length indicator {li}, at least 4 expected"));
            }
            Ok(Tpdu::Error { dst_ref: be(1), cause: header[3] })
        }
        other => Ok(Tpdu::Other(other)),
    }
}

/// ISO 8073 names of TPDU codes.
pub fn tpdu_name(code: u8) -> &'static str {
    match code {
        COTP_CR => "CR (connection request)",
        COTP_CC => "CC (connection confirm)",
        COTP_DR => "DR (disconnect request)",
        COTP_DC => "DC (disconnect confirm)",
        COTP_DT => "DT (data)",
        COTP_ER => "ER (TPDU error)",
        0x10 => "ED (expedited data)",
        0x20 => "EA (expedited data acknowledgement)",
        0x50 => "RJ (reject)",
        0x60 => "AK (data acknowledgement)",
        _ => "(unknown TPDU code)",
    }
}

/// ISO 8073 §13.5.3 e): reasons of a DR.
pub fn disconnect_reason(reason: u8) -> &'static str {
    match reason {
        0x00 => "reason not specified",
        0x01 => "congestion at TSAP",
        0x02 => "session entity not attached to TSAP",
        0x03 => "address unknown",
        0x80 => "normal disconnect initiated by session entity",
        0x81 => "remote transport entity congestion at connect request time",
        0x82 => "connection negotiation failed",
        0x83 => "duplicate source reference",
        0x84 => "mismatched references",
        0x85 => "protocol error",
        0x87 => "reference overflow",
        0x88 => "connection request refused on this network connection",
        0x8A => "header or parameter length invalid",
        _ => "unknown reason",
    }
}

/// ISO 8073 §13.12.3: reject causes of an ER.
pub fn error_cause(cause: u8) -> &'static str {
    match cause {
        0x00 => "reason not specified",
        0x01 => "invalid parameter code",
        0x02 => "invalid TPDU type",
        0x03 => "invalid parameter value",
        _ => "unknown cause",
    }
}

/// An S7 PDU header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    pub rosctr: u8,
    pub pdu_ref: u16,
    /// Error class and code of an Ack or Ack_Data (0, 0 = no error).
    pub error_class: u8,
    pub error_code: u8,
}

/// A parsed S7 PDU: header, parameter part, data part.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pdu<'a> {
    pub header: Header,
    pub param: &'a [u8],
    pub data: &'a [u8],
}

/// A Job PDU: header (protocol id, ROSCTR 1, redundancy id 0, PDU reference, lengths), parameter,
/// data.
pub fn job(pdu_ref: u16, param: &[u8], data: &[u8]) -> Vec<u8> {
    let mut p = vec![S7_PROTOCOL_ID, ROSCTR_JOB, 0, 0];
    p.extend_from_slice(&pdu_ref.to_be_bytes());
    p.extend_from_slice(&(param.len() as u16).to_be_bytes());
    p.extend_from_slice(&(data.len() as u16).to_be_bytes());
    p.extend_from_slice(param);
    p.extend_from_slice(data);
    p
}

/// Parses an S7 PDU. The header's parameter and data lengths must add up to the PDU exactly.
pub fn parse_pdu(pdu: &[u8]) -> Result<Pdu<'_>, String> {
    if pdu.len() < JOB_HEADER {
        return Err(format!("S7 PDU of {} bytes is shorter than its 10-byte header", pdu.len()));
    }
    if pdu[0] != S7_PROTOCOL_ID {
        return Err(format!("protocol id {:#04x} is not S7comm (0x32)", pdu[0]));
    }
    let rosctr = pdu[1];
    let header_len = if rosctr == ROSCTR_ACK || rosctr == ROSCTR_ACK_DATA { ACK_HEADER } else { JOB_HEADER };
    if pdu.len() < header_len {
        return Err(format!(
            "S7 {} PDU of {} bytes is shorter than its {header_len}-byte header",
            rosctr_name(rosctr),
            pdu.len()
        ));
    }
    let param_len = u16::from_be_bytes([pdu[6], pdu[7]]) as usize;
    let data_len = u16::from_be_bytes([pdu[8], pdu[9]]) as usize;
    if header_len + param_len + data_len != pdu.len() {
        return Err(format!(
            "S7 header says {header_len} + {param_len} + {data_len} bytes (header, parameter, data), the PDU has {}",
            pdu.len()
        ));
    }
    let (error_class, error_code) = if header_len == ACK_HEADER { (pdu[10], pdu[11]) } else { (0, 0) };
    Ok(Pdu {
        header: Header { rosctr, pdu_ref: u16::from_be_bytes([pdu[4], pdu[5]]), error_class, error_code },
        param: &pdu[header_len..header_len + param_len],
        data: &pdu[header_len + param_len..],
    })
}

pub fn rosctr_name(rosctr: u8) -> &'static str {
    match rosctr {
        ROSCTR_JOB => "Job",
        ROSCTR_ACK => "Ack",
        ROSCTR_ACK_DATA => "Ack_Data",
        ROSCTR_USERDATA => "Userdata",
        _ => "unknown ROSCTR",
    }
}

/// Wireshark's names of S7 functions.
pub fn function_name(f: u8) -> &'static str {
    match f {
        0x00 => "CPU services",
        FUNC_SETUP => "Setup Communication",
        FUNC_READ_VAR => "Read Var",
        FUNC_WRITE_VAR => "Write Var",
        0x1A => "Request download",
        0x1B => "Download block",
        0x1C => "Download ended",
        0x1D => "Start upload",
        0x1E => "Upload",
        0x1F => "End upload",
        0x28 => "PI-Service",
        0x29 => "PLC Stop",
        _ => "unknown function",
    }
}

/// Setup Communication parameter (8 bytes): function, reserved, max AmQ calling, max AmQ called,
/// PDU length.
pub fn setup_param(amq_calling: u16, amq_called: u16, pdu_len: u16) -> Vec<u8> {
    let mut p = vec![FUNC_SETUP, 0];
    p.extend_from_slice(&amq_calling.to_be_bytes());
    p.extend_from_slice(&amq_called.to_be_bytes());
    p.extend_from_slice(&pdu_len.to_be_bytes());
    p
}

/// The negotiated PDU length of a Setup Communication parameter.
pub fn parse_setup(param: &[u8]) -> Result<u16, String> {
    if param.len() != 8 || param[0] != FUNC_SETUP {
        return Err(format!("Setup Communication parameter {} is not F0 00 + 3 words", hex(param)));
    }
    Ok(u16::from_be_bytes([param[6], param[7]]))
}

/// An S7ANY item (12 bytes): variable specification, length 10, syntax id 0x10, transport size,
/// count, DB number, area, 24-bit address (byte * 8 + bit, or a timer/counter number).
pub fn any_item(tsize: u8, count: u16, db: u16, area: u8, address: u32) -> [u8; ITEM_SPEC] {
    let c = count.to_be_bytes();
    let d = db.to_be_bytes();
    let a = address.to_be_bytes();
    [VAR_SPEC, 0x0A, SYNTAX_S7ANY, tsize, c[0], c[1], d[0], d[1], area, a[1], a[2], a[3]]
}

/// One item of a recorded Read/Write Var request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ItemSpec {
    /// S7ANY (syntax 0x10): the area, its transport size and element count, the 24-bit address.
    Any { area: u8, db: u16, tsize: u8, count: u16, address: u32 },
    /// DBREAD (syntax 0xB0, WinCC on S7-400): byte ranges of data blocks, each (length, DB, start).
    DbRead(Vec<(u8, u16, u16)>),
}

/// The items of a Read Var (`with_data` false) or Write Var parameter part.
pub fn parse_items(param: &[u8]) -> Result<Vec<ItemSpec>, String> {
    if param.len() < 2 {
        return Err(format!("parameter part of {} bytes has no item count", param.len()));
    }
    let n = param[1] as usize;
    let mut items = Vec::with_capacity(n);
    let mut at = 2;
    for i in 0..n {
        if at + 3 > param.len() {
            return Err(format!("item {} of {n} is missing from the parameter part", i + 1));
        }
        let (spec, len, syntax) = (param[at], param[at + 1] as usize, param[at + 2]);
        if spec != VAR_SPEC || at + 2 + len > param.len() {
            return Err(format!(
                "item {} of {n} is not a variable specification (12 len ..): {}",
                i + 1,
                hex(&param[at..param.len().min(at + 12)])
            ));
        }
        let body = &param[at + 2..at + 2 + len];
        match syntax {
            SYNTAX_S7ANY if len == 10 => items.push(ItemSpec::Any {
                tsize: body[1],
                count: u16::from_be_bytes([body[2], body[3]]),
                db: u16::from_be_bytes([body[4], body[5]]),
                area: body[6],
                address: u32::from_be_bytes([0, body[7], body[8], body[9]]),
            }),
            // Wireshark's s7comm_syntaxid_dbread: number of areas, then per area a length byte,
            // the DB number and the start address (two bytes each).
            SYNTAX_DBREAD if len >= 7 => {
                let areas = body[1] as usize;
                if len != 2 + 5 * areas {
                    return Err(format!(
                        "item {} of {n}: DBREAD with {areas} areas has length {len}, expected {}",
                        i + 1,
                        2 + 5 * areas
                    ));
                }
                let mut list = Vec::with_capacity(areas);
                for a in 0..areas {
                    let e = &body[2 + 5 * a..7 + 5 * a];
                    list.push((e[0], u16::from_be_bytes([e[1], e[2]]), u16::from_be_bytes([e[3], e[4]])));
                }
                items.push(ItemSpec::DbRead(list));
            }
            other => {
                return Err(format!(
                    "item {} of {n} uses syntax id {other:#04x} ({}) with length {len}; this driver decodes S7ANY (0x10) and DBREAD (0xb0)",
                    i + 1,
                    syntax_name(other)
                ))
            }
        }
        at += 2 + len;
    }
    if at != param.len() {
        return Err(format!("{} bytes follow the last of {n} items in the parameter part", param.len() - at));
    }
    Ok(items)
}

/// Wireshark's names of item syntax ids.
pub fn syntax_name(syntax: u8) -> &'static str {
    match syntax {
        0x10 => "S7ANY",
        0x13 => "PBC-R_ID",
        0x15 => "ALARM_LOCKFREE",
        0x16 => "ALARM_IND",
        0x19 => "ALARM_ACK",
        0x1A => "ALARM_QUERYREQ",
        0x1C => "NOTIFY_IND",
        0x82 => "NCK",
        0x83 => "NCK_METRIC",
        0x84 => "NCK_INCH",
        0xA2 => "DRIVEESANY",
        0xB0 => "DBREAD",
        0xB2 => "1200SYM",
        _ => "unknown syntax id",
    }
}

/// One item of the data part: its return code, data transport size and data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DataItem<'a> {
    pub return_code: u8,
    pub tsize: u8,
    pub data: &'a [u8],
}

/// Bytes of data behind a data item header: the length field counts bits for the transport sizes
/// BIT, BYTE/WORD/DWORD and INTEGER, bytes for the others.
pub fn data_bytes(tsize: u8, length: u16) -> usize {
    match tsize {
        DTS_BIT | DTS_BYTE | DTS_INT => (length as usize + 7) / 8,
        _ => length as usize,
    }
}

/// The `n` items of a Read Var response's (or Write Var request's) data part. An item with data
/// (return code 0xFF, or 0x00 as Wireshark reads it) is followed by a fill byte when its length is
/// odd and another item follows; an item with any other return code is its 4-byte header only.
pub fn parse_data_items(data: &[u8], n: usize) -> Result<Vec<DataItem<'_>>, String> {
    let mut items = Vec::with_capacity(n);
    let mut at = 0;
    for i in 0..n {
        if at + 4 > data.len() {
            return Err(format!(
                "data item {} of {n} is missing (the data part has {} bytes)",
                i + 1,
                data.len()
            ));
        }
        let (rc, tsize) = (data[at], data[at + 1]);
        let length = u16::from_be_bytes([data[at + 2], data[at + 3]]);
        at += 4;
        if rc != RC_SUCCESS && rc != 0x00 {
            items.push(DataItem { return_code: rc, tsize, data: &[] });
            continue;
        }
        let len = data_bytes(tsize, length);
        if at + len > data.len() {
            return Err(format!(
                "data item {} of {n} announces {len} bytes, {} are left in the data part",
                i + 1,
                data.len() - at
            ));
        }
        items.push(DataItem { return_code: rc, tsize, data: &data[at..at + len] });
        at += len;
        if len % 2 == 1 && i + 1 < n {
            if at >= data.len() {
                return Err(format!("data item {} of {n} has an odd length but no fill byte", i + 1));
            }
            at += 1;
        }
    }
    if at != data.len() {
        return Err(format!("{} bytes follow the last of {n} data items", data.len() - at));
    }
    Ok(items)
}

/// Wireshark's words for an item return code (s7comm_item_return_valuenames).
pub fn return_code_name(rc: u8) -> &'static str {
    match rc {
        0x00 => "reserved",
        0x01 => "hardware error",
        0x03 => "accessing the object not allowed",
        0x05 => "invalid address: the address is out of range",
        0x06 => "data type not supported",
        0x07 => "data type inconsistent",
        0x0A => "object does not exist",
        0xFF => "success",
        _ => "unknown return code",
    }
}

/// Wireshark's words for a header error class (errcls_names).
pub fn error_class_name(class: u8) -> &'static str {
    match class {
        0x00 => "no error",
        0x81 => "application relationship",
        0x82 => "object definition",
        0x83 => "no resources available",
        0x84 => "error on service processing",
        0x85 => "error on supplies",
        0x87 => "access error",
        _ => "unknown error class",
    }
}

/// Wireshark's words for a header error (class << 8 | code, param_errcode_names), where they name it.
pub fn error_code_name(error: u16) -> Option<&'static str> {
    Some(match error {
        0x0110 => "invalid block number",
        0x0111 => "invalid request length",
        0x0112 => "invalid parameter",
        0x0113 => "invalid block type",
        0x0114 => "block not found",
        0x8001 => "the requested service cannot be performed while the block is in the current status",
        0x8003 => "S7 protocol error: error occurred while transferring the block",
        0x8100 => "application, general error: service unknown to remote module",
        0x8104 => "this service is not implemented on the module or a frame error was reported",
        0x8204 => "the type specification for the object is inconsistent",
        0x8205 => "a copied block already exists and is not linked",
        0x8301 => "insufficient memory space or work memory on the module",
        0x8302 => "too few resources available or the processor resources are not available",
        0x8304 => "no further parallel upload possible, there is a resource bottleneck",
        0x8305 => "function not available",
        0x8306 => "insufficient work memory",
        0x8307 => "not enough retentive work memory",
        0x8401 => "S7 protocol error: invalid service sequence",
        0x8402 => "service cannot execute owing to status of the addressed object",
        0x8404 => "S7 protocol: the function cannot be performed",
        0x8405 => "remote block is in DISABLE state, the function cannot be performed",
        0x8500 => "S7 protocol error: wrong frames",
        0x8503 => "alarm from the module: service canceled prematurely",
        0x8701 => {
            "error addressing the object on the communications partner (for example, area length error)"
        }
        0x8702 => "the requested service is not supported by the module",
        0x8703 => "access to object refused",
        0x8704 => "access error: object damaged",
        _ => return None,
    })
}

/// `header error class 0x81 code 0x04 (application relationship: this service is not …)`.
pub fn header_error(class: u8, code: u8) -> String {
    let words = match error_code_name(u16::from_be_bytes([class, code])) {
        Some(w) => format!("{}: {w}", error_class_name(class)),
        None => error_class_name(class).to_string(),
    };
    format!("header error class {class:#04x} code {code:#04x} ({words})")
}

/// Lower-case hex without separators.
pub fn hex(b: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        s.push(DIGITS[(x >> 4) as usize] as char);
        s.push(DIGITS[(x & 0xF) as usize] as char);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
    }

    #[test]
    fn connection_request_has_snap7s_layout() {
        // Snap7 and libnodave send the same parameters (TPDU size, calling and called TSAP).
        assert_eq!(
            hex(&connection_request(1, 0x0100, 0x0102)),
            "0300001611e00000000100c0010ac1020100c2020102"
        );
    }

    #[test]
    fn the_corpus_connect_confirm_parses() {
        // libnodave demo capture, frame 8 (S7-300).
        let cc = unhex("0300001611d00001000300c00109c1020100c2020102");
        assert_eq!(
            parse_tpdu(&cc).unwrap(),
            Tpdu::ConnectConfirm { dst_ref: 1, src_ref: 3, tpdu_size: Some(512) }
        );
    }

    #[test]
    fn data_items_follow_wiresharks_rules() {
        // WinCC capture frame 9: BIT with a fill byte, REAL in bytes, DWORD and WORD in bits.
        let data = unhex("ff0300010100ff070004aabbccddff040020feadbeefff040010babe");
        let items = parse_data_items(&data, 4).unwrap();
        assert_eq!(items[0].data, &[1]);
        assert_eq!(items[1].data, &[0xaa, 0xbb, 0xcc, 0xdd]);
        assert_eq!(items[3].data, &[0xba, 0xbe]);
        // s7ident capture frame 32: error items are their 4-byte header only.
        let errors = unhex("0a0000040a000004");
        let items = parse_data_items(&errors, 2).unwrap();
        assert_eq!(items[1].return_code, 0x0a);
        assert!(parse_data_items(&unhex("ff0300010100"), 1).unwrap_err().contains("follow the last"));
        assert!(parse_data_items(&unhex("ff030001"), 1).unwrap_err().contains("announces 1 bytes"));
    }

    #[test]
    fn framing_by_tpkt() {
        assert_eq!(frame_len(&[3, 0, 0], 4096), FrameLen::NeedMore(0));
        assert_eq!(frame_len(&[3, 0, 0, 22, 17], 4096), FrameLen::NeedMore(22));
        assert_eq!(frame_len(&[4, 0, 0, 22], 4096), FrameLen::Resync(1));
        assert_eq!(frame_len(&[3, 1], 4096), FrameLen::Resync(1));
        assert_eq!(frame_len(&[3, 0, 0, 6], 4096), FrameLen::Resync(1));
        assert_eq!(frame_len(&[3, 0, 0x10, 0x01], 4096), FrameLen::Resync(1));
        assert_eq!(frame_len(&[3, 0, 0, 7, 2, 0xf0, 0x80, 9], 4096), FrameLen::Complete(7));
    }
}
