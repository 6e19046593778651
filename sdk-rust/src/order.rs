//! Byte and word order of multi-register values.
//!
//! Devices that carry 32- and 64-bit values in 16-bit registers disagree on the order. The names
//! follow common gateway documentation: the letters spell, in wire order, the bytes of the
//! big-endian value, `A` being its most significant byte.
//!
//! | order | 32-bit on the wire | 64-bit on the wire | also called |
//! |---|---|---|---|
//! | `ABCD` | A B C D | A B C D E F G H | big-endian |
//! | `CDAB` | C D A B | G H E F C D A B | word swap (low word first) |
//! | `BADC` | B A D C | B A D C F E H G | byte swap |
//! | `DCBA` | D C B A | H G F E D C B A | little-endian |
//!
//! Each 16-bit register travels big-endian (Modbus AP v1.1b3 §4.2), so a register value `r`
//! contributes the bytes `r >> 8, r & 0xff`.

use std::str::FromStr;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WordOrder {
    ABCD,
    CDAB,
    BADC,
    DCBA,
}

impl WordOrder {
    fn swaps_bytes(self) -> bool {
        matches!(self, WordOrder::BADC | WordOrder::DCBA)
    }

    fn reverses_words(self) -> bool {
        matches!(self, WordOrder::CDAB | WordOrder::DCBA)
    }

    pub fn name(self) -> &'static str {
        match self {
            WordOrder::ABCD => "ABCD",
            WordOrder::CDAB => "CDAB",
            WordOrder::BADC => "BADC",
            WordOrder::DCBA => "DCBA",
        }
    }

    /// The registers, in wire order, that carry the big-endian bytes `value` in this order.
    fn registers<const N: usize, const W: usize>(self, value: [u8; N]) -> [u16; W] {
        let mut regs = [0u16; W];
        for i in 0..W {
            let mut r = u16::from_be_bytes([value[2 * i], value[2 * i + 1]]);
            if self.swaps_bytes() {
                r = r.swap_bytes();
            }
            let slot = if self.reverses_words() { W - 1 - i } else { i };
            regs[slot] = r;
        }
        regs
    }

    /// Decodes a 16-bit value from one register: `BADC` and `DCBA` swap its two bytes, `ABCD` and
    /// `CDAB` leave them (there is only one word to reverse).
    #[inline]
    pub fn u16_from(self, reg: u16) -> u16 {
        if self.swaps_bytes() {
            reg.swap_bytes()
        } else {
            reg
        }
    }

    /// Decodes a 32-bit value from two registers given in wire order.
    pub fn u32_from(self, regs: [u16; 2]) -> u32 {
        self.u32_from_be(u32::from(regs[0]) << 16 | u32::from(regs[1]))
    }

    /// Decodes a 64-bit value from four registers given in wire order.
    pub fn u64_from(self, regs: [u16; 4]) -> u64 {
        let wire = u64::from(regs[0]) << 48 | u64::from(regs[1]) << 32 | u64::from(regs[2]) << 16;
        self.u64_from_be(wire | u64::from(regs[3]))
    }

    /// Decodes a 16-bit value from its two bytes as they travel on the wire (one register).
    #[inline]
    pub fn u16_from_wire(self, bytes: [u8; 2]) -> u16 {
        self.u16_from(u16::from_be_bytes(bytes))
    }

    /// Decodes a 32-bit value from its four bytes as they travel on the wire (two registers).
    ///
    /// Straight from the bytes with shifts and masks, no intermediate array: a driver compiled to
    /// WebAssembly keeps everything in locals, which the host's JIT keeps in registers, where an
    /// array would be stores and loads of linear memory (one host call each when not inlined).
    #[inline]
    pub fn u32_from_wire(self, bytes: [u8; 4]) -> u32 {
        self.u32_from_be(u32::from_be_bytes(bytes))
    }

    /// Decodes a 64-bit value from its eight bytes as they travel on the wire (four registers).
    #[inline]
    pub fn u64_from_wire(self, bytes: [u8; 8]) -> u64 {
        self.u64_from_be(u64::from_be_bytes(bytes))
    }

    /// The value whose wire bytes, read as one big-endian number, are `wire`.
    #[inline]
    fn u32_from_be(self, wire: u32) -> u32 {
        match self {
            WordOrder::ABCD => wire,
            WordOrder::CDAB => wire.rotate_left(16),
            WordOrder::BADC => (wire & 0x00FF_00FF) << 8 | (wire >> 8) & 0x00FF_00FF,
            WordOrder::DCBA => wire.swap_bytes(),
        }
    }

    #[inline]
    fn u64_from_be(self, wire: u64) -> u64 {
        // Swapping the bytes of every word (BADC) and reversing the words (CDAB) together
        // reverse all bytes (DCBA); each is its own inverse.
        let badc = |v: u64| (v & 0x00FF_00FF_00FF_00FF) << 8 | (v >> 8) & 0x00FF_00FF_00FF_00FF;
        match self {
            WordOrder::ABCD => wire,
            WordOrder::CDAB => badc(wire.swap_bytes()),
            WordOrder::BADC => badc(wire),
            WordOrder::DCBA => wire.swap_bytes(),
        }
    }

    /// Encodes a 16-bit value into one register (the inverse of [`WordOrder::u16_from`]).
    pub fn u16_to(self, value: u16) -> u16 {
        self.u16_from(value)
    }

    /// Encodes a 32-bit value into two registers in wire order.
    pub fn u32_to(self, value: u32) -> [u16; 2] {
        self.registers::<4, 2>(value.to_be_bytes())
    }

    /// Encodes a 64-bit value into four registers in wire order.
    pub fn u64_to(self, value: u64) -> [u16; 4] {
        self.registers::<8, 4>(value.to_be_bytes())
    }
}

impl FromStr for WordOrder {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "ABCD" => Ok(WordOrder::ABCD),
            "CDAB" => Ok(WordOrder::CDAB),
            "BADC" => Ok(WordOrder::BADC),
            "DCBA" => Ok(WordOrder::DCBA),
            _ => Err(format!("unknown byte order \"{s}\" (expected ABCD, CDAB, BADC or DCBA)")),
        }
    }
}

/// Reads big-endian 16-bit registers from a byte slice (Modbus AP v1.1b3 §4.2).
pub fn registers_be(bytes: &[u8]) -> Vec<u16> {
    bytes.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    // 123.456f32 = 0x42F6E979: A=42 B=F6 C=E9 D=79.
    #[test]
    fn f32_in_every_order() {
        let bits = 123.456f32.to_bits();
        assert_eq!(bits, 0x42F6_E979);
        assert_eq!(WordOrder::ABCD.u32_from([0x42F6, 0xE979]), bits);
        assert_eq!(WordOrder::CDAB.u32_from([0xE979, 0x42F6]), bits);
        assert_eq!(WordOrder::BADC.u32_from([0xF642, 0x79E9]), bits);
        assert_eq!(WordOrder::DCBA.u32_from([0x79E9, 0xF642]), bits);
    }

    #[test]
    fn u64_in_every_order() {
        let v = 0x0102_0304_0506_0708u64;
        assert_eq!(WordOrder::ABCD.u64_from([0x0102, 0x0304, 0x0506, 0x0708]), v);
        assert_eq!(WordOrder::CDAB.u64_from([0x0708, 0x0506, 0x0304, 0x0102]), v);
        assert_eq!(WordOrder::BADC.u64_from([0x0201, 0x0403, 0x0605, 0x0807]), v);
        assert_eq!(WordOrder::DCBA.u64_from([0x0807, 0x0605, 0x0403, 0x0201]), v);
    }

    // The same values from their wire bytes, and every order against the register form.
    #[test]
    fn from_wire_bytes() {
        let bits = 123.456f32.to_bits();
        assert_eq!(WordOrder::ABCD.u32_from_wire([0x42, 0xF6, 0xE9, 0x79]), bits);
        assert_eq!(WordOrder::CDAB.u32_from_wire([0xE9, 0x79, 0x42, 0xF6]), bits);
        assert_eq!(WordOrder::BADC.u32_from_wire([0xF6, 0x42, 0x79, 0xE9]), bits);
        assert_eq!(WordOrder::DCBA.u32_from_wire([0x79, 0xE9, 0xF6, 0x42]), bits);
        let v = 0x0102_0304_0506_0708u64;
        assert_eq!(WordOrder::CDAB.u64_from_wire([7, 8, 5, 6, 3, 4, 1, 2]), v);
        assert_eq!(WordOrder::BADC.u64_from_wire([2, 1, 4, 3, 6, 5, 8, 7]), v);
        assert_eq!(WordOrder::DCBA.u64_from_wire([8, 7, 6, 5, 4, 3, 2, 1]), v);
        assert_eq!(WordOrder::BADC.u16_from_wire([0x34, 0x12]), 0x1234);
        for order in [WordOrder::ABCD, WordOrder::CDAB, WordOrder::BADC, WordOrder::DCBA] {
            let regs = order.u64_to(v);
            let mut wire = [0u8; 8];
            for (i, r) in regs.iter().enumerate() {
                wire[2 * i..2 * i + 2].copy_from_slice(&r.to_be_bytes());
            }
            assert_eq!(order.u64_from_wire(wire), v, "{order:?}");
            let regs = order.u32_to(0xDEAD_BEEF);
            let wire = [(regs[0] >> 8) as u8, regs[0] as u8, (regs[1] >> 8) as u8, regs[1] as u8];
            assert_eq!(order.u32_from_wire(wire), 0xDEAD_BEEF, "{order:?}");
        }
    }

    #[test]
    fn encode_inverts_decode() {
        for order in [WordOrder::ABCD, WordOrder::CDAB, WordOrder::BADC, WordOrder::DCBA] {
            assert_eq!(order.u32_from(order.u32_to(0xDEAD_BEEF)), 0xDEAD_BEEF, "{order:?}");
            let v = 0x1122_3344_5566_7788;
            assert_eq!(order.u64_from(order.u64_to(v)), v, "{order:?}");
        }
        assert_eq!(WordOrder::CDAB.u32_to(0x42F6_E979), [0xE979, 0x42F6]);
        assert_eq!(WordOrder::DCBA.u16_from(0x1234), 0x3412);
        assert_eq!(WordOrder::CDAB.u16_from(0x1234), 0x1234);
    }

    #[test]
    fn unknown_order_is_named() {
        let e = "ABDC".parse::<WordOrder>().unwrap_err();
        assert!(e.contains("\"ABDC\""), "{e}");
    }
}
