//! CAN frames as they cross the boundary on a `can` link (ABI.md §6.4, v1.1): an 8-byte header
//! (`id` u32 LE, `flags`, `len`, `dlc`, a reserved 0) followed by `len` data bytes. The host
//! delivers exactly one frame per framing round, so a driver's `frame_len` is [`frame_len`];
//! requests in `tx` are one or more encoded frames back to back ([`CanFrame::encode`]).
//!
//! ```
//! use weir_sdk::can::CanFrame;
//! let bytes = weir_sdk::can::candump("18FEF100#FF003CFFFFFFFFFF").unwrap();
//! let (frame, len) = CanFrame::decode(&bytes).unwrap();
//! assert_eq!((frame.id, frame.is_extended(), frame.data.len(), len), (0x18FE_F100, true, 8, 16));
//! assert_eq!(frame.to_candump(), "18FEF100#FF003CFFFFFFFFFF");
//! ```

use crate::abi::{CAN_BRS, CAN_ESI, CAN_EXT, CAN_FDF, CAN_HEADER_SIZE, CAN_RTR};
use crate::driver::FrameLen;
use crate::error::Error;
use crate::out::Tx;
use core::fmt::Write as _;

/// ISO 11898-1: the data bytes of an FD frame for data length codes 9 … 15.
const FD_LENGTHS: [usize; 7] = [12, 16, 20, 24, 32, 48, 64];
const KNOWN_FLAGS: u8 = CAN_EXT | CAN_RTR | CAN_FDF | CAN_BRS | CAN_ESI;

/// ABI.md §6.4: the data bytes a frame with this data length code carries.
pub fn data_length(dlc: u8, fd: bool) -> usize {
    match dlc {
        0..=8 => dlc as usize,
        9..=15 if fd => FD_LENGTHS[dlc as usize - 9],
        _ => 8,
    }
}

/// The data length code of an FD frame with `len` data bytes, if one fits.
pub fn fd_dlc(len: usize) -> Option<u8> {
    match len {
        0..=8 => Some(len as u8),
        _ => FD_LENGTHS.iter().position(|&l| l == len).map(|i| 9 + i as u8),
    }
}

/// One CAN frame; `data` borrows the bytes it was decoded from or will be encoded from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CanFrame<'a> {
    /// 11-bit base identifier, or 29-bit with [`CAN_EXT`].
    pub id: u32,
    /// The §6.4 flag bits ([`CAN_EXT`], [`CAN_RTR`], [`CAN_FDF`], [`CAN_BRS`], [`CAN_ESI`]).
    pub flags: u8,
    /// The 4-bit data length code as on the bus; for a remote frame the requested length.
    pub dlc: u8,
    pub data: &'a [u8],
}

impl<'a> CanFrame<'a> {
    /// A classic data frame; `dlc` is the number of bytes (at most 8).
    pub fn classic(id: u32, extended: bool, data: &'a [u8]) -> Result<CanFrame<'a>, Error> {
        let f = CanFrame { id, flags: if extended { CAN_EXT } else { 0 }, dlc: data.len() as u8, data };
        if data.len() > 8 {
            return Err(Error::Inval(format!(
                "a classic CAN frame carries at most 8 bytes, not {}",
                data.len()
            )));
        }
        f.check().map(|_| f)
    }

    /// An FD frame; `data.len()` must be an FD length (0–8, 12, 16, 20, 24, 32, 48, 64).
    pub fn fd(id: u32, extended: bool, bit_rate_switch: bool, data: &'a [u8]) -> Result<CanFrame<'a>, Error> {
        let dlc = fd_dlc(data.len())
            .ok_or_else(|| Error::Inval(format!("{} data bytes is no CAN FD length", data.len())))?;
        let mut flags = CAN_FDF;
        if extended {
            flags |= CAN_EXT;
        }
        if bit_rate_switch {
            flags |= CAN_BRS;
        }
        let f = CanFrame { id, flags, dlc, data };
        f.check().map(|_| f)
    }

    /// A remote frame asking for `dlc` bytes.
    pub fn remote(id: u32, extended: bool, dlc: u8) -> Result<CanFrame<'static>, Error> {
        let f = CanFrame { id, flags: CAN_RTR | if extended { CAN_EXT } else { 0 }, dlc, data: &[] };
        f.check().map(|_| f)
    }

    pub fn is_extended(&self) -> bool {
        self.flags & CAN_EXT != 0
    }

    pub fn is_remote(&self) -> bool {
        self.flags & CAN_RTR != 0
    }

    pub fn is_fd(&self) -> bool {
        self.flags & CAN_FDF != 0
    }

    /// Bytes of the encoded frame: header and data.
    pub fn encoded_len(&self) -> usize {
        CAN_HEADER_SIZE + self.data.len()
    }

    /// Every rule of ABI.md §6.4, with a message naming the broken one.
    pub fn check(&self) -> Result<(), Error> {
        let bad = |m: String| Err(Error::Inval(format!("CAN frame: {m} (ABI §6.4)")));
        if self.flags & !KNOWN_FLAGS != 0 {
            return bad(format!("flags {:#04x} have bits that are not defined", self.flags));
        }
        let max_id = if self.is_extended() { 0x1FFF_FFFF } else { 0x7FF };
        if self.id > max_id {
            return bad(format!(
                "identifier {:#x} does not fit {}",
                self.id,
                if self.is_extended() { "29 bits" } else { "11 bits without EXT" }
            ));
        }
        if self.dlc > 15 {
            return bad(format!("dlc {} is not a 4-bit code", self.dlc));
        }
        if self.is_fd() && self.is_remote() {
            return bad("an FD frame has no remote form".into());
        }
        if !self.is_fd() && self.flags & (CAN_BRS | CAN_ESI) != 0 {
            return bad("BRS and ESI exist only on FD frames".into());
        }
        let want = if self.is_remote() { 0 } else { data_length(self.dlc, self.is_fd()) };
        if self.data.len() != want {
            return bad(format!("dlc {} carries {want} data bytes, not {}", self.dlc, self.data.len()));
        }
        Ok(())
    }

    /// Decodes the frame at the start of `bytes`, checking every rule of §6.4; returns it and its
    /// encoded length. `E_PROTO` names what is wrong.
    pub fn decode(bytes: &'a [u8]) -> Result<(CanFrame<'a>, usize), Error> {
        if bytes.len() < CAN_HEADER_SIZE {
            return Err(Error::Proto(format!(
                "a CAN frame needs its 8-byte header, {} bytes given",
                bytes.len()
            )));
        }
        let id = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        if id & 0xE000_0000 != 0 {
            return Err(Error::Proto(format!("CAN id field {id:#010x} has bits 29-31 set")));
        }
        if bytes[7] != 0 {
            return Err(Error::Proto("CAN header byte 7 is reserved and must be 0".into()));
        }
        let len = bytes[5] as usize;
        if bytes.len() < CAN_HEADER_SIZE + len {
            return Err(Error::Proto(format!(
                "CAN frame says len {len}, but only {} data bytes follow its header",
                bytes.len() - CAN_HEADER_SIZE
            )));
        }
        let f = CanFrame {
            id,
            flags: bytes[4],
            dlc: bytes[6],
            data: &bytes[CAN_HEADER_SIZE..CAN_HEADER_SIZE + len],
        };
        f.check().map_err(|e| Error::Proto(e.message().to_string()))?;
        Ok((f, CAN_HEADER_SIZE + len))
    }

    /// Appends the encoded frame to `tx` (a request is one or more frames back to back).
    pub fn encode(&self, tx: &mut Tx) -> Result<(), Error> {
        self.check()?;
        tx.put(&self.id.to_le_bytes())?;
        tx.put(&[self.flags, self.data.len() as u8, self.dlc, 0])?;
        tx.put(self.data)
    }

    /// The frame in candump notation, upper-case as candump prints it (`18FEF100#FF00`,
    /// `123##1AABB`, `321#R4`).
    pub fn to_candump(&self) -> String {
        let mut s =
            if self.is_extended() { format!("{:08X}#", self.id) } else { format!("{:03X}#", self.id) };
        if self.is_remote() {
            s.push('R');
            if self.dlc > 0 {
                // fmt::Write for String cannot fail.
                let _ = write!(s, "{}", self.dlc);
            }
            return s;
        }
        if self.is_fd() {
            let f = u8::from(self.flags & CAN_BRS != 0) | u8::from(self.flags & CAN_ESI != 0) << 1;
            let _ = write!(s, "#{f:X}");
        }
        for b in self.data {
            let _ = write!(s, "{b:02X}");
        }
        s
    }
}

/// `frame_len` of a driver on a `can` link: the host puts exactly one encoded frame in `rx`
/// (ABI.md §6.4), so this is its header's `8 + len`. A malformed header is `Resync` of the whole
/// buffer, which the host drops as garbage.
pub fn frame_len(rx: &[u8]) -> FrameLen {
    if rx.len() < CAN_HEADER_SIZE {
        return FrameLen::NeedMore(CAN_HEADER_SIZE);
    }
    match CanFrame::decode(rx) {
        Ok((_, n)) => FrameLen::Complete(n),
        Err(_) if rx.len() < CAN_HEADER_SIZE + rx[5] as usize => {
            FrameLen::NeedMore(CAN_HEADER_SIZE + rx[5] as usize)
        }
        Err(_) => FrameLen::Resync(rx.len()),
    }
}

/// Parses candump notation (`ID#DATA`, `ID#R` with an optional length digit, `ID##F` + data for
/// FD; 3 hex digits of identifier for a base frame, 8 for an extended one; data bytes may be
/// separated by dots) and returns the encoded frame, as the vector runner writes it into `rx`.
pub fn candump(text: &str) -> Result<Vec<u8>, String> {
    let fail = |m: &str| format!("CAN frame \"{text}\": {m}");
    let (id_text, rest) = text.split_once('#').ok_or_else(|| fail("no '#' (candump notation ID#DATA)"))?;
    let extended = match id_text.len() {
        3 => false,
        8 => true,
        _ => return Err(fail("the identifier must be 3 hex digits (11-bit) or 8 (29-bit)")),
    };
    let id =
        u32::from_str_radix(id_text, 16).map_err(|_| fail(&format!("\"{id_text}\" is not hexadecimal")))?;
    let hex = |digits: &str| -> Result<Vec<u8>, String> {
        let compact: String = digits.chars().filter(|&c| c != '.').collect();
        if compact.len() % 2 != 0 || !compact.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(fail(&format!("data \"{digits}\" is not whole hex bytes")));
        }
        Ok((0..compact.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&compact[i..i + 2], 16).unwrap_or(0))
            .collect())
    };
    let mut buf = [0u8; CAN_HEADER_SIZE + 64];
    let mut tx = Tx::new(&mut buf);
    let frame_result = if let Some(fd) = rest.strip_prefix('#') {
        let digit = fd.chars().next().ok_or_else(|| fail("an FD frame needs a flags digit after \"##\""))?;
        let bits = digit
            .to_digit(16)
            .ok_or_else(|| fail(&format!("FD flags digit '{digit}' is not hexadecimal")))?;
        if bits & !0x7 != 0 {
            return Err(fail(&format!("FD flags digit '{digit}' has bits other than 1, 2, 4")));
        }
        let data = hex(&fd[digit.len_utf8()..])?;
        let dlc = fd_dlc(data.len()).ok_or_else(|| {
            fail(&format!("{} data bytes is no FD length (0-8, 12, 16, 20, 24, 32, 48, 64)", data.len()))
        })?;
        let mut flags = CAN_FDF | if extended { CAN_EXT } else { 0 };
        if bits & 1 != 0 {
            flags |= CAN_BRS;
        }
        if bits & 2 != 0 {
            flags |= CAN_ESI;
        }
        CanFrame { id, flags, dlc, data: &data }.encode(&mut tx)
    } else if let Some(r) = rest.strip_prefix('R').or_else(|| rest.strip_prefix('r')) {
        let dlc = match r.as_bytes() {
            [] => 0,
            [d @ b'0'..=b'8'] => d - b'0',
            _ => return Err(fail("a remote frame is ID#R or ID#R plus one length digit 0-8")),
        };
        CanFrame { id, flags: CAN_RTR | if extended { CAN_EXT } else { 0 }, dlc, data: &[] }.encode(&mut tx)
    } else {
        if rest.contains('_') {
            return Err(fail("dlc 9-15 of classic frames (candump's '_') is not supported; write hex"));
        }
        let data = hex(rest)?;
        if data.len() > 8 {
            return Err(fail(&format!("a classic frame carries at most 8 data bytes, not {}", data.len())));
        }
        CanFrame { id, flags: if extended { CAN_EXT } else { 0 }, dlc: data.len() as u8, data: &data }
            .encode(&mut tx)
    };
    frame_result.map_err(|e| fail(e.message()))?;
    let n = tx.len();
    Ok(buf[..n].to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect::<Vec<_>>().join(" ")
    }

    // The byte examples of ABI.md §6.4 (tests/abi_document.rs checks them against the document).
    #[test]
    fn abi_byte_examples() {
        assert_eq!(
            hex(&candump("18FEF100#FF003CFFFFFFFFFF").unwrap()),
            "00 f1 fe 18 01 08 08 00 ff 00 3c ff ff ff ff ff"
        );
        assert_eq!(
            hex(&candump("123##1112233445566778899AABBCC").unwrap()),
            "23 01 00 00 0c 0c 09 00 11 22 33 44 55 66 77 88 99 aa bb cc"
        );
        assert_eq!(hex(&candump("321#R4").unwrap()), "21 03 00 00 02 00 04 00");
    }

    #[test]
    fn decode_round_trips_and_names_what_is_wrong() {
        for text in ["7DF#02010D", "1ABCDEF0##3", "123##0AABBCCDDEEFF001122334455", "321#R", "000#"] {
            let bytes = candump(text).unwrap();
            let (f, n) = CanFrame::decode(&bytes).unwrap();
            assert_eq!(n, bytes.len());
            assert_eq!(f.to_candump(), text);
        }
        let e = |b: &[u8]| CanFrame::decode(b).unwrap_err().message().to_string();
        assert!(e(&[1, 0, 0, 0x20, 0, 0, 0, 0]).contains("bits 29-31 set"));
        assert!(e(&[1, 0, 0, 0, 0, 0, 0, 1]).contains("byte 7 is reserved"));
        assert!(e(&[1, 0, 0, 0, 0, 2, 2, 0, 0xaa]).contains("only 1 data bytes follow"));
        assert!(e(&[0, 8, 0, 0, 0, 0, 0, 0]).contains("does not fit 11 bits"));
        assert!(e(&[1, 0, 0, 0, 0x06, 0, 0, 0]).contains("no remote form"));
        assert!(e(&[1, 0, 0, 0, 0x08, 0, 0, 0]).contains("only on FD frames"));
        assert!(e(&[1, 0, 0, 0, 0x20, 0, 0, 0]).contains("0x20 have bits"));
        // A remote frame asks for dlc bytes and carries none.
        assert_eq!(CanFrame::decode(&[1, 0, 0, 0, 0x02, 0, 4, 0]).unwrap().0.to_candump(), "001#R4");
    }

    #[test]
    fn candump_mistakes_are_named() {
        let e = |t: &str| candump(t).unwrap_err();
        assert!(e("123").contains("no '#'"));
        assert!(e("1234#00").contains("3 hex digits"));
        assert!(e("12G#00").contains("\"12G\" is not hexadecimal"));
        assert!(e("123#0").contains("not whole hex bytes"));
        assert!(e("123#001122334455667788").contains("at most 8 data bytes, not 9"));
        assert!(e("123#R9").contains("one length digit 0-8"));
        assert!(e("123#1122334455667788_C").contains("'_'"));
        assert!(e("123##8").contains("bits other than 1, 2, 4"));
        assert_eq!(candump("123##0").unwrap().len(), CAN_HEADER_SIZE);
        assert!(e(&format!("123##0{}", "00".repeat(13))).contains("13 data bytes is no FD length"));
    }

    #[test]
    fn frame_len_is_one_frame() {
        let bytes = candump("18FEF100#FF003CFFFFFFFFFF").unwrap();
        assert_eq!(frame_len(&bytes), FrameLen::Complete(16));
        assert_eq!(frame_len(&bytes[..5]), FrameLen::NeedMore(8));
        assert_eq!(frame_len(&bytes[..10]), FrameLen::NeedMore(16));
        let mut bad = bytes;
        bad[7] = 1;
        assert_eq!(frame_len(&bad), FrameLen::Resync(16));
        assert_eq!(data_length(9, true), 12);
        assert_eq!(data_length(9, false), 8);
        assert_eq!(fd_dlc(48), Some(14));
        assert_eq!(fd_dlc(13), None);
    }
}
