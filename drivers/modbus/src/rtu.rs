//! Modbus RTU framing (Modbus over Serial Line Specification and Implementation Guide v1.02,
//! "Serial Line"): slave address (1 byte), PDU, CRC-16 (2 bytes, low byte first). The same framing
//! runs over TCP when a serial device server passes an RTU line on unchanged (`rtu+tcp://`).
//!
//! RTU has no length field. A response's length follows from its function code where the PDU
//! says it (Modbus AP v1.1b3 §6: a byte count after read responses, fixed-size echoes of writes,
//! two-byte exceptions); for the rest the end of a frame is the line falling silent (Serial Line
//! §2.5.1.1: 3.5 character times), which the host reports with `weir_frame_end`.

use weir_sdk::{FrameEnd, FrameLen};

/// Serial Line §2.5.1: "The maximum size of a MODBUS RTU frame is 256 bytes."
pub const MAX_ADU: usize = 256;

/// The smallest frame: address, function code, CRC.
pub const MIN_ADU: usize = 4;

/// Serial Line §2.2: 0 is the broadcast address, 1..247 are slave addresses, 248..255 reserved.
pub const MAX_SLAVE: u8 = 247;

/// CRC-16/MODBUS (Serial Line §6.2.2): polynomial 0xA001 (0x8005 reflected), initial 0xFFFF; the
/// frame carries it low byte first.
pub fn crc16(bytes: &[u8]) -> u16 {
    let mut crc: u16 = 0xFFFF;
    for &b in bytes {
        crc ^= b as u16;
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xA001 } else { crc >> 1 };
        }
    }
    crc
}

/// Appends the CRC of `adu` to it, low byte first.
pub fn append_crc(adu: &mut Vec<u8>) {
    let crc = crc16(adu);
    adu.extend_from_slice(&crc.to_le_bytes());
}

/// The CRC a frame carries in its last two bytes (low byte first). `frame.len() >= 2`.
fn carried_crc(frame: &[u8]) -> u16 {
    u16::from_le_bytes([frame[frame.len() - 2], frame[frame.len() - 1]])
}

/// True when the last two bytes of `frame` are the CRC of the others.
pub fn crc_ok(frame: &[u8]) -> bool {
    frame.len() >= MIN_ADU && crc16(&frame[..frame.len() - 2]) == carried_crc(frame)
}

/// A parsed RTU frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Adu<'a> {
    pub slave: u8,
    /// Function code and data, without the CRC.
    pub pdu: &'a [u8],
}

/// Parses one complete RTU frame, checking its length and CRC.
pub fn parse(frame: &[u8]) -> Result<Adu<'_>, String> {
    if frame.len() < MIN_ADU {
        return Err(format!(
            "RTU frame of {} bytes is shorter than address, function code and CRC (4)",
            frame.len()
        ));
    }
    if frame.len() > MAX_ADU {
        return Err(format!("RTU frame of {} bytes is longer than 256 (Serial Line §2.5.1)", frame.len()));
    }
    let computed = crc16(&frame[..frame.len() - 2]);
    let carried = carried_crc(frame);
    if computed != carried {
        return Err(format!("CRC {carried:#06x} in the frame, {computed:#06x} computed over its bytes"));
    }
    Ok(Adu { slave: frame[0], pdu: &frame[1..frame.len() - 2] })
}

/// The length of a response with function code `rx[1]` when its PDU says it, counting address
/// and CRC: `Some(Some(n))`; `Some(None)` when more bytes are needed to tell; `None` when the
/// function code does not say (then only silence ends the frame).
fn response_len(rx: &[u8]) -> Option<Option<usize>> {
    let f = rx[1];
    // Address + function code + CRC around the data.
    let around = |data: usize| Some(Some(1 + 1 + data + 2));
    let counted = |at: usize| -> Option<Option<usize>> {
        // The byte count sits at rx[at]; the data follow it.
        match rx.get(at) {
            Some(&n) => Some(Some(at + 1 + n as usize + 2)),
            None => Some(None),
        }
    };
    if f & 0x80 != 0 {
        // AP §7: exception function code, exception code.
        return around(1);
    }
    match f {
        // AP §6.1-6.4: byte count, then data. §6.14 FC12, §6.13 FC17, §6.14-6.15 FC20/21 and
        // §6.17 FC23 also start their response with a one-byte count.
        1 | 2 | 3 | 4 | 12 | 17 | 20 | 21 | 23 => counted(2),
        // AP §6.5, §6.6: echo of address and value; §6.11, §6.12: address and quantity.
        5 | 6 | 15 | 16 => around(4),
        // AP §6.7 FC7: one byte of status; §6.9 FC11: status and event count.
        7 => around(1),
        11 => around(4),
        // AP §6.16 FC22: echo of address, AND mask and OR mask.
        22 => around(6),
        // AP §6.18 FC24: a two-byte byte count.
        24 => match (rx.get(2), rx.get(3)) {
            (Some(&hi), Some(&lo)) => Some(Some(4 + u16::from_be_bytes([hi, lo]) as usize + 2)),
            _ => Some(None),
        },
        // FC8 (diagnostics) echoes sub-function data of varying length, FC43 (MEI) carries
        // objects, and user-defined codes are unknown: only silence ends them.
        _ => None,
    }
}

/// Framing of a slave's response (ABI.md §7.2). A frame whose length the function code gives is
/// complete once that many bytes are in and its CRC is right; a wrong CRC, address 0 or a reserved
/// address (no response comes from them) and a length past 256 bytes or `rx_cap` start no frame:
/// the host drops one byte and tries again. Other function codes wait for the line's silence.
pub fn frame_len(rx: &[u8], rx_cap: usize) -> FrameLen {
    if rx.is_empty() {
        return FrameLen::NeedMore(0);
    }
    if rx[0] == 0 || rx[0] > MAX_SLAVE {
        return FrameLen::Resync(1);
    }
    if rx.len() < 2 {
        return FrameLen::NeedMore(0);
    }
    if rx[1] & 0x7F == 0 {
        // Function code 0 is not valid (AP §4.1: codes 1..255, exceptions 129..255).
        return FrameLen::Resync(1);
    }
    match response_len(rx) {
        None | Some(None) => FrameLen::NeedMore(0),
        Some(Some(total)) if total > MAX_ADU || total > rx_cap => FrameLen::Resync(1),
        Some(Some(total)) if rx.len() < total => FrameLen::NeedMore(total),
        Some(Some(total)) if crc_ok(&rx[..total]) => FrameLen::Complete(total),
        Some(Some(_)) => FrameLen::Resync(1),
    }
}

/// The line fell silent with `rx` pending, which [`frame_len`] had not completed (ABI.md §7.10):
/// a frame whose length is unknown ends here if its CRC is right. Otherwise (a frame cut short,
/// noise, a wrong CRC) the first byte starts no frame, but a frame may still follow it: line noise
/// glued to the front of a response (a byte whose "byte count" asks for more than ever came) must
/// not cost the response. So the host drops one byte and frames the rest, until fewer bytes than
/// the smallest frame are left, which are no frame.
pub fn frame_end(rx: &[u8]) -> FrameEnd {
    if rx.len() < MIN_ADU {
        return FrameEnd::Discard;
    }
    if rx[0] == 0 || rx[0] > MAX_SLAVE {
        return FrameEnd::Resync(1);
    }
    match response_len(rx) {
        // The function code gives a length, and frame_len found no frame of it here.
        Some(_) => FrameEnd::Resync(1),
        None if rx.len() <= MAX_ADU && crc_ok(rx) => FrameEnd::Frame(rx.len()),
        None => FrameEnd::Resync(1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
    }

    #[test]
    fn crc_of_real_frames() {
        // sigrok-dumps brainchild-io-16do, line 2: FC1 request to slave 1, CRC 0x0dca on the wire.
        assert_eq!(crc16(&hex("010100030001")), 0xCA0D);
        assert!(crc_ok(&hex("0101000300010dca")));
        assert!(!crc_ok(&hex("0101000300010dcb")));
        // Serial Line §6.2.2 check value of CRC-16/MODBUS over "123456789".
        assert_eq!(crc16(b"123456789"), 0x4B37);
    }

    #[test]
    fn lengths_from_function_codes() {
        let rsp = hex("010302020178e4");
        assert_eq!(frame_len(&rsp, 4096), FrameLen::Complete(7));
        assert_eq!(frame_len(&rsp[..2], 4096), FrameLen::NeedMore(0));
        assert_eq!(frame_len(&rsp[..3], 4096), FrameLen::NeedMore(7));
        assert_eq!(frame_len(&rsp[..6], 4096), FrameLen::NeedMore(7));
        assert_eq!(frame_len(&[rsp.clone(), rsp].concat(), 4096), FrameLen::Complete(7));
        assert_eq!(frame_len(&hex("01050003ff007c3a"), 4096), FrameLen::Complete(8));
        let mut exc = hex("018302");
        append_crc(&mut exc);
        assert_eq!(frame_len(&exc, 4096), FrameLen::Complete(5));
        // Wrong CRC, address 0, reserved address, function code 0.
        assert_eq!(frame_len(&hex("010302020178e5"), 4096), FrameLen::Resync(1));
        assert_eq!(frame_len(&hex("00"), 4096), FrameLen::Resync(1));
        assert_eq!(frame_len(&hex("f8"), 4096), FrameLen::Resync(1));
        assert_eq!(frame_len(&hex("0100"), 4096), FrameLen::Resync(1));
        // A byte count that runs past 256 bytes.
        assert_eq!(frame_len(&hex("0103fc"), 4096), FrameLen::Resync(1));
        assert_eq!(frame_len(&hex("0103fb"), 4096), FrameLen::NeedMore(256));
        assert_eq!(frame_len(&hex("0103fb"), 255), FrameLen::Resync(1));
        // FC8 and FC43 wait for silence.
        assert_eq!(frame_len(&hex("010800000000e00b"), 4096), FrameLen::NeedMore(0));
    }

    #[test]
    fn silence_ends_what_lengths_cannot() {
        let mut diag = hex("0108000012ab");
        append_crc(&mut diag);
        assert_eq!(frame_end(&diag), FrameEnd::Frame(6 + 2));
        diag[3] ^= 1;
        assert_eq!(frame_end(&diag), FrameEnd::Resync(1));
        assert_eq!(frame_end(&hex("0103040000")), FrameEnd::Resync(1));
        assert_eq!(frame_end(&hex("010304")), FrameEnd::Discard);
        assert_eq!(frame_end(&hex("01")), FrameEnd::Discard);
        assert_eq!(frame_end(&hex("00010300")), FrameEnd::Resync(1));
    }

    #[test]
    fn parse_checks_crc_and_length() {
        let frame = hex("010302020178e4");
        let adu = parse(&frame).unwrap();
        assert_eq!((adu.slave, adu.pdu), (1, &[3u8, 2, 2, 1][..]));
        assert_eq!(
            parse(&hex("010302020178e5")).unwrap_err(),
            "CRC 0xe578 in the frame, 0xe478 computed over its bytes"
        );
        assert!(parse(&hex("0103e4")).unwrap_err().contains("shorter"));
    }
}
