//! Modbus TCP framing and names: the MBAP header (Modbus Messaging on TCP/IP Implementation Guide
//! v1.0b §3.1.3) and the function and exception codes of Modbus Application Protocol v1.1b3.

use weir_sdk::FrameLen;

/// MBAP header: transaction id (2), protocol id (2), length (2), unit id (1).
pub const HEADER_LEN: usize = 7;

/// "The length field is a byte count of the following fields, including the Unit Identifier and
/// data fields" (Messaging guide §3.1.3); the PDU is at most 253 bytes (AP §4.1), so 2..=254.
pub const MIN_LENGTH: usize = 2;
pub const MAX_LENGTH: usize = 254;

/// A parsed MBAP header and PDU.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Adu<'a> {
    pub transaction: u16,
    pub unit: u8,
    /// Function code and data.
    pub pdu: &'a [u8],
}

/// Framing of received bytes (ABI.md §7.2): protocol id must be 0 and the length field 2..=254;
/// anything else cannot start a frame, so the host drops one byte and tries again.
pub fn frame_len(rx: &[u8], rx_cap: usize) -> FrameLen {
    // Protocol id and length in one load: each load of a driver compiled to WebAssembly is a call
    // into the host's memory, unless its JIT inlines it.
    let words = match rx.get(2..6) {
        Some(b) => u32::from_be_bytes(b.try_into().expect("4 bytes")),
        None if rx.len() >= 4 && (rx[2] != 0 || rx[3] != 0) => return FrameLen::Resync(1),
        None => return FrameLen::NeedMore(0),
    };
    if words >> 16 != 0 {
        return FrameLen::Resync(1);
    }
    let length = (words & 0xFFFF) as usize;
    if !(MIN_LENGTH..=MAX_LENGTH).contains(&length) {
        return FrameLen::Resync(1);
    }
    let total = 6 + length;
    if total > rx_cap {
        return FrameLen::Resync(1);
    }
    if rx.len() >= total {
        FrameLen::Complete(total)
    } else {
        FrameLen::NeedMore(total)
    }
}

/// Parses one complete ADU, checking the header against the frame's own length.
pub fn parse(frame: &[u8]) -> Result<Adu<'_>, String> {
    if frame.len() < HEADER_LEN + 1 {
        return Err(format!(
            "frame of {} bytes is shorter than an MBAP header plus function code (8)",
            frame.len()
        ));
    }
    let protocol = u16::from_be_bytes([frame[2], frame[3]]);
    if protocol != 0 {
        return Err(format!("MBAP protocol id is {protocol}, Modbus is 0"));
    }
    let length = u16::from_be_bytes([frame[4], frame[5]]) as usize;
    if length != frame.len() - 6 {
        return Err(format!(
            "MBAP length field says {length} bytes follow, the frame has {}",
            frame.len() - 6
        ));
    }
    Ok(Adu {
        transaction: u16::from_be_bytes([frame[0], frame[1]]),
        unit: frame[6],
        pdu: &frame[HEADER_LEN..],
    })
}

/// The name of a public function code (Modbus AP v1.1b3 §5.1), for error messages.
pub fn function_name(code: u8) -> &'static str {
    match code {
        1 => "read coils",
        2 => "read discrete inputs",
        3 => "read holding registers",
        4 => "read input registers",
        5 => "write single coil",
        6 => "write single register",
        7 => "read exception status",
        8 => "diagnostics",
        11 => "get comm event counter",
        12 => "get comm event log",
        15 => "write multiple coils",
        16 => "write multiple registers",
        17 => "report server id",
        20 => "read file record",
        21 => "write file record",
        22 => "mask write register",
        23 => "read/write multiple registers",
        24 => "read FIFO queue",
        43 => "encapsulated interface transport",
        _ => "not a public function code",
    }
}

/// The name of an exception code (Modbus AP v1.1b3 §7).
pub fn exception_name(code: u8) -> &'static str {
    match code {
        1 => "illegal function",
        2 => "illegal data address",
        3 => "illegal data value",
        4 => "server device failure",
        5 => "acknowledge",
        6 => "server device busy",
        8 => "memory parity error",
        10 => "gateway path unavailable",
        11 => "gateway target device failed to respond",
        _ => "unknown exception code",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framing() {
        let rsp = [0, 1, 0, 0, 0, 5, 1, 3, 2, 0, 42];
        assert_eq!(frame_len(&rsp, 512), FrameLen::Complete(11));
        assert_eq!(frame_len(&[rsp, rsp].concat(), 512), FrameLen::Complete(11));
        assert_eq!(frame_len(&rsp[..3], 512), FrameLen::NeedMore(0));
        assert_eq!(frame_len(&rsp[..6], 512), FrameLen::NeedMore(11));
        assert_eq!(frame_len(&rsp[..10], 512), FrameLen::NeedMore(11));
        assert_eq!(frame_len(&[0, 1, 0, 1], 512), FrameLen::Resync(1));
        assert_eq!(frame_len(&[0, 1, 0, 0, 0, 1], 512), FrameLen::Resync(1));
        assert_eq!(frame_len(&[0, 1, 0, 0, 0, 255], 512), FrameLen::Resync(1));
        assert_eq!(frame_len(&[0, 1, 0, 0, 0, 254], 512), FrameLen::NeedMore(260));
        assert_eq!(frame_len(&[0, 1, 0, 0, 0, 254], 259), FrameLen::Resync(1));
    }

    #[test]
    fn parse_checks_header() {
        assert!(parse(&[0, 1, 0, 0, 0, 5, 1, 3, 2, 0])
            .unwrap_err()
            .contains("says 5 bytes follow, the frame has 4"));
        assert!(parse(&[0, 1, 0, 0, 0, 1, 1]).unwrap_err().contains("shorter"));
        let adu = parse(&[0, 9, 0, 0, 0, 3, 7, 0x83, 2]).unwrap();
        assert_eq!((adu.transaction, adu.unit, adu.pdu), (9, 7, &[0x83u8, 2][..]));
    }
}
