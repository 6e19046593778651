//! Siemens addresses in STEP 7 syntax (`DB1.DBX0.1`, `DB1.DBW2`, `MW200`, `I0.0`, `QW4`, `T5`) and
//! the S7 data types of a point (`BOOL` … `LREAL`, `STRING[n]`). Area codes and transport sizes are
//! those of the S7ANY item (Wireshark's packet-s7comm.c names them; so does the driver README).

use std::fmt;

/// The highest byte offset an S7ANY address can carry: the address field is 24 bits of
/// `byte * 8 + bit`.
pub const MAX_BYTE: u32 = 0x1F_FFFF;

/// An S7 memory area, as the area byte (and, for data blocks, the DB number) of an S7ANY item says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Area {
    /// I (0x81): process image of the inputs.
    Inputs,
    /// Q (0x82): process image of the outputs.
    Outputs,
    /// M (0x83): flags (Merker).
    Flags,
    /// DB (0x84): a data block.
    Db(u16),
    /// T (0x1D): S7 timers, addressed by number.
    Timers,
    /// C (0x1C): S7 counters, addressed by number.
    Counters,
    /// P (0x80): direct peripheral access; only decoded from recorded traffic.
    Peripheral,
    /// DI (0x85): an instance data block; only decoded from recorded traffic.
    InstanceDb(u16),
    /// L (0x86): local data; only decoded from recorded traffic.
    Local,
    /// V (0x87): previous local data; only decoded from recorded traffic.
    PrevLocal,
    /// Any other area byte (the S7-200 areas); only decoded from recorded traffic.
    Other(u8),
}

impl Area {
    /// The area byte of an S7ANY item.
    pub fn code(self) -> u8 {
        match self {
            Area::Peripheral => 0x80,
            Area::Inputs => 0x81,
            Area::Outputs => 0x82,
            Area::Flags => 0x83,
            Area::Db(_) => 0x84,
            Area::InstanceDb(_) => 0x85,
            Area::Local => 0x86,
            Area::PrevLocal => 0x87,
            Area::Counters => 0x1C,
            Area::Timers => 0x1D,
            Area::Other(c) => c,
        }
    }

    /// The DB number field of an S7ANY item (0 outside data blocks).
    pub fn db(self) -> u16 {
        match self {
            Area::Db(n) | Area::InstanceDb(n) => n,
            _ => 0,
        }
    }

    /// The area of an S7ANY item's area byte and DB number field.
    pub fn from_item(code: u8, db: u16) -> Area {
        match code {
            0x80 => Area::Peripheral,
            0x81 => Area::Inputs,
            0x82 => Area::Outputs,
            0x83 => Area::Flags,
            0x84 => Area::Db(db),
            0x85 => Area::InstanceDb(db),
            0x86 => Area::Local,
            0x87 => Area::PrevLocal,
            0x1C => Area::Counters,
            0x1D => Area::Timers,
            c => Area::Other(c),
        }
    }

    /// Timers and counters are addressed by number, every other area by byte and bit.
    pub fn numbered(self) -> bool {
        matches!(self, Area::Timers | Area::Counters)
    }

    /// The STEP 7 prefix of a byte address in this area: `DB1.DB` (then `X`/`B`/`W`/`D`), `M`, `I`,
    /// `Q`, `P`, `DI5.DI`, `L`, `V`; `AREA0x03 ` for an area STEP 7 has no letter for.
    fn prefix(self) -> String {
        match self {
            Area::Db(n) => format!("DB{n}.DB"),
            Area::InstanceDb(n) => format!("DI{n}.DI"),
            Area::Inputs => "I".into(),
            Area::Outputs => "Q".into(),
            Area::Flags => "M".into(),
            Area::Peripheral => "P".into(),
            Area::Local => "L".into(),
            Area::PrevLocal => "V".into(),
            Area::Timers => "T".into(),
            Area::Counters => "C".into(),
            Area::Other(c) => format!("AREA{c:#04x} "),
        }
    }

    /// `DB1.DBX2.0`, `M0.0`: the address of bit `bit` of byte `byte`.
    pub fn bit_name(self, byte: u32, bit: u8) -> String {
        match self {
            Area::Db(_) | Area::InstanceDb(_) => format!("{}X{byte}.{bit}", self.prefix()),
            _ => format!("{}{byte}.{bit}", self.prefix()),
        }
    }

    /// `DB1.DBW2`, `MB10`, `QD4`: the address of a byte (`B`), word (`W`) or double word (`D`).
    pub fn sized_name(self, letter: char, byte: u32) -> String {
        format!("{}{letter}{byte}", self.prefix())
    }
}

/// The S7 data type of a configured point: how many bytes it takes and how they read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Type {
    Bool,
    Byte,
    Char,
    Sint,
    Usint,
    Word,
    Int,
    Uint,
    Dword,
    Dint,
    Udint,
    Real,
    Lreal,
    /// S7 `STRING[n]`: a maximum length byte, an actual length byte, then `n` characters.
    String(u8),
    /// An S7 timer: a word of time base and three BCD digits.
    Timer,
    /// An S7 counter: a word of three BCD digits.
    Counter,
}

/// What the `type` key and the `:TYPE` suffix accept, for error messages.
pub const TYPE_NAMES: &str =
    "BOOL, BYTE, CHAR, SINT, USINT, WORD, INT, UINT, DWORD, DINT, UDINT, REAL, LREAL, STRING or STRING[n]";

impl Type {
    /// The type named `text` (any case): `REAL`, `string[20]` …
    pub fn parse(text: &str) -> Result<Type, String> {
        let upper = text.to_ascii_uppercase();
        let t = match upper.as_str() {
            "BOOL" => Type::Bool,
            "BYTE" => Type::Byte,
            "CHAR" => Type::Char,
            "SINT" => Type::Sint,
            "USINT" => Type::Usint,
            "WORD" => Type::Word,
            "INT" => Type::Int,
            "UINT" => Type::Uint,
            "DWORD" => Type::Dword,
            "DINT" => Type::Dint,
            "UDINT" => Type::Udint,
            "REAL" => Type::Real,
            "LREAL" => Type::Lreal,
            // STEP 7: a STRING without a length holds 254 characters.
            "STRING" => Type::String(254),
            _ => match upper.strip_prefix("STRING[").and_then(|r| r.strip_suffix(']')) {
                Some(digits) => match digits.parse::<u16>() {
                    Ok(n) if (1..=254).contains(&n) && digits.bytes().all(|b| b.is_ascii_digit()) => {
                        Type::String(n as u8)
                    }
                    _ => return Err(format!("STRING length \"{digits}\" is not 1..254")),
                },
                None => return Err(format!("unknown type \"{text}\" (expected {TYPE_NAMES})")),
            },
        };
        Ok(t)
    }

    /// Bytes the value takes in the PLC's memory (a BOOL reads its one byte's bit).
    pub fn size(self) -> u32 {
        match self {
            Type::Bool | Type::Byte | Type::Char | Type::Sint | Type::Usint => 1,
            Type::Word | Type::Int | Type::Uint | Type::Timer | Type::Counter => 2,
            Type::Dword | Type::Dint | Type::Udint | Type::Real => 4,
            Type::Lreal => 8,
            Type::String(n) => n as u32 + 2,
        }
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Type::Bool => "BOOL",
            Type::Byte => "BYTE",
            Type::Char => "CHAR",
            Type::Sint => "SINT",
            Type::Usint => "USINT",
            Type::Word => "WORD",
            Type::Int => "INT",
            Type::Uint => "UINT",
            Type::Dword => "DWORD",
            Type::Dint => "DINT",
            Type::Udint => "UDINT",
            Type::Real => "REAL",
            Type::Lreal => "LREAL",
            Type::String(n) => return write!(f, "STRING[{n}]"),
            Type::Timer => "TIMER",
            Type::Counter => "COUNTER",
        };
        f.write_str(name)
    }
}

/// The access width that a STEP 7 address spells: `X` (a bit), `B`, `W`, `D`, or a timer/counter
/// number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Width {
    Bit,
    Byte,
    Word,
    Dword,
    Number,
}

/// A parsed STEP 7 address: area, byte offset (or timer/counter number), bit, width.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Address {
    pub area: Area,
    /// The byte offset, or the number of a timer or counter.
    pub byte: u32,
    pub bit: u8,
    pub width: Width,
}

impl Address {
    /// The default type of the width: BOOL, BYTE, WORD, DWORD, TIMER or COUNTER.
    pub fn default_type(self) -> Type {
        match (self.width, self.area) {
            (Width::Bit, _) => Type::Bool,
            (Width::Byte, _) => Type::Byte,
            (Width::Word, _) => Type::Word,
            (Width::Dword, _) => Type::Dword,
            (Width::Number, Area::Timers) => Type::Timer,
            (Width::Number, _) => Type::Counter,
        }
    }

    /// Whether `ty` may be read at this address: a bit is a BOOL; a word or double word a type of
    /// that size; a byte address starts a one-byte type, an LREAL or a STRING.
    pub fn fits(self, ty: Type) -> bool {
        match self.width {
            Width::Bit => ty == Type::Bool,
            Width::Byte => matches!(
                ty,
                Type::Byte | Type::Char | Type::Sint | Type::Usint | Type::Lreal | Type::String(_)
            ),
            Width::Word => ty != Type::Timer && ty != Type::Counter && ty.size() == 2,
            Width::Dword => ty.size() == 4,
            Width::Number => ty == self.default_type(),
        }
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self.width {
            Width::Bit => self.area.bit_name(self.byte, self.bit),
            Width::Byte => self.area.sized_name('B', self.byte),
            Width::Word => self.area.sized_name('W', self.byte),
            Width::Dword => self.area.sized_name('D', self.byte),
            Width::Number => format!("{}{}", self.area.prefix(), self.byte),
        };
        f.write_str(&s)
    }
}

/// Examples for error messages.
pub const EXAMPLES: &str = "DB1.DBX0.1, DB1.DBB3, DB1.DBW2, DB1.DBD4, MW200, M0.0, IB2, QW4, T5, C3";

/// Parses a STEP 7 address with an optional `:TYPE` suffix (`DB1.DBD8:REAL`). Letters may be in
/// any case. The error says what is wrong, without the point's name.
pub fn parse(text: &str) -> Result<(Address, Option<Type>), String> {
    let (addr, ty) = match text.split_once(':') {
        Some((a, t)) => (a, Some(Type::parse(t)?)),
        None => (text, None),
    };
    let upper = addr.to_ascii_uppercase();
    let bad = |why: &str| format!("address \"{addr}\" {why} (expected STEP 7 syntax such as {EXAMPLES})");
    let a = if let Some(rest) = upper.strip_prefix("DB") {
        let (db, rest) = number(rest).ok_or_else(|| bad("has no data block number after DB"))?;
        if db == 0 || db > 65535 {
            return Err(bad("names data block 0 or one above 65535 (DB1..DB65535)"));
        }
        let rest = rest
            .strip_prefix(".DB")
            .ok_or_else(|| bad("needs .DBX, .DBB, .DBW or .DBD after the DB number"))?;
        sized(Area::Db(db as u16), rest, true).map_err(|w| bad(w))?
    } else {
        let mut chars = upper.chars();
        let area = match chars.next() {
            Some('M') => Area::Flags,
            Some('I') => Area::Inputs,
            Some('Q') => Area::Outputs,
            Some('T') => Area::Timers,
            Some('C') => Area::Counters,
            _ => return Err(bad("does not start with DB, M, I, Q, T or C")),
        };
        let rest = chars.as_str();
        if area.numbered() {
            match number(rest) {
                Some((n, "")) if n <= 65535 => Address { area, byte: n, bit: 0, width: Width::Number },
                _ => return Err(bad("needs a number 0..65535 after T or C")),
            }
        } else {
            sized(area, rest, false).map_err(|w| bad(w))?
        }
    };
    if let Some(t) = ty {
        if !a.fits(t) {
            return Err(format!("type {t} does not fit address \"{addr}\" ({})", fit_hint(a, t)));
        }
    }
    Ok((a, ty))
}

/// Why `t` does not fit `a`, and what to write instead.
fn fit_hint(a: Address, t: Type) -> String {
    let start = Address { width: Width::Byte, bit: 0, ..a };
    match (a.width, t) {
        (Width::Bit, _) => {
            format!("a bit address holds a BOOL; {t} needs a byte address such as {start}:{t}")
        }
        (_, Type::Bool) => "a BOOL needs a bit address such as DB1.DBX0.1 or M0.0".to_string(),
        (Width::Number, _) => "timers and counters have their own type".to_string(),
        (_, Type::Timer | Type::Counter) => {
            "TIMER and COUNTER are the types of T and C addresses".to_string()
        }
        (w, _) => {
            let size = match w {
                Width::Byte => 1,
                Width::Word => 2,
                _ => 4,
            };
            let letter = match t.size() {
                2 => "W",
                4 => "D",
                _ => "B",
            };
            let better = a.area.sized_name(letter.chars().next().unwrap_or('B'), a.byte);
            format!("the address spans {size} byte(s), {t} takes {}: use {better}:{t}", t.size())
        }
    }
}

/// `B2`, `W4`, `D8`, `X0.1` (with `db` true) or `B2`, `W4`, `D8`, `0.1` (M, I, Q) after the area.
fn sized(area: Area, rest: &str, db: bool) -> Result<Address, &'static str> {
    let (width, rest) = match rest.chars().next() {
        Some('B') => (Width::Byte, &rest[1..]),
        Some('W') => (Width::Word, &rest[1..]),
        Some('D') => (Width::Dword, &rest[1..]),
        Some('X') if db => (Width::Bit, &rest[1..]),
        Some(c) if !db && c.is_ascii_digit() => (Width::Bit, rest),
        _ => {
            return Err(if db {
                "needs X (bit), B (byte), W (word) or D (double word) after .DB"
            } else {
                "needs B, W or D and a byte offset, or byte.bit (MW200, M0.0)"
            })
        }
    };
    let (byte, rest) = number(rest).ok_or("has no byte offset")?;
    if byte > MAX_BYTE {
        return Err("has a byte offset above 2097151 (the largest an S7 address carries)");
    }
    if width == Width::Bit {
        let bit = match rest.strip_prefix('.').and_then(number) {
            Some((b, "")) if b <= 7 => b as u8,
            _ => return Err("needs a bit number 0..7 after the byte offset (byte.bit)"),
        };
        return Ok(Address { area, byte, bit, width });
    }
    if !rest.is_empty() {
        return Err("has something after the byte offset (a bit number belongs to X or byte.bit addresses)");
    }
    Ok(Address { area, byte, bit: 0, width })
}

/// The leading decimal number of `s` and what follows it; `None` without a digit or above u32.
fn number(s: &str) -> Option<(u32, &str)> {
    let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    if end == 0 || end > 9 {
        return None;
    }
    s[..end].parse::<u32>().ok().map(|n| (n, &s[end..]))
}

/// Name of an S7ANY item transport size (Wireshark's item_transportsizenames; 0x13 WCHAR from
/// Apache PLC4X's s7.mspec), `0x..` for one without a name.
pub fn transport_size_name(tsize: u8) -> String {
    let name = match tsize {
        0x01 => "BIT",
        0x02 => "BYTE",
        0x03 => "CHAR",
        0x04 => "WORD",
        0x05 => "INT",
        0x06 => "DWORD",
        0x07 => "DINT",
        0x08 => "REAL",
        0x09 => "DATE",
        0x0A => "TOD",
        0x0B => "TIME",
        0x0C => "S5TIME",
        0x0F => "DATE_AND_TIME",
        0x13 => "WCHAR",
        0x1C => "COUNTER",
        0x1D => "TIMER",
        0x1E => "IEC_COUNTER",
        0x1F => "IEC_TIMER",
        0x20 => "HS_COUNTER",
        other => return format!("{other:#04x}"),
    };
    name.to_string()
}

/// Bytes of one element of an item transport size, where STEP 7 fixes it.
fn element_size(tsize: u8) -> Option<u32> {
    match tsize {
        0x02 | 0x03 => Some(1),
        0x04 | 0x05 | 0x09 | 0x0C | 0x13 | 0x1C | 0x1D => Some(2),
        0x06 | 0x07 | 0x08 | 0x0A | 0x0B => Some(4),
        0x0F => Some(8),
        _ => None,
    }
}

/// The STEP 7 name of an S7ANY item of a recorded request: one element of one, two or four bytes
/// (or one bit) reads as an address (`DB1.DBX2.0`, `DB1.DBW2`, `MD20`, `T5`); anything else as an
/// ANY pointer (`P#DB1.DBX0.0 BYTE 64`, `P#M10.0 WORD 4`, `P#T0 TIMER 8`).
pub fn item_name(area: Area, tsize: u8, count: u16, address: u32) -> String {
    if area.numbered() {
        return if count == 1 {
            format!("{}{address}", area.prefix())
        } else {
            format!("P#{}{address} {} {count}", area.prefix(), transport_size_name(tsize))
        };
    }
    let (byte, bit) = (address / 8, (address % 8) as u8);
    if count == 1 && bit == 0 {
        let letter = match element_size(tsize) {
            Some(1) => Some('B'),
            Some(2) => Some('W'),
            Some(4) => Some('D'),
            _ => None,
        };
        if let Some(l) = letter {
            return area.sized_name(l, byte);
        }
    }
    if count == 1 && tsize == 0x01 {
        return area.bit_name(byte, bit);
    }
    format!("P#{} {} {count}", area.bit_name(byte, bit), transport_size_name(tsize))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> String {
        let (a, t) = parse(s).unwrap();
        match t {
            Some(t) => format!("{a}:{t}"),
            None => format!("{a}"),
        }
    }

    #[test]
    fn the_siemens_examples_parse_and_print_back() {
        for s in [
            "DB1.DBX0.1",
            "DB1.DBB3",
            "DB1.DBW2",
            "DB1.DBD4",
            "MW200",
            "MB10",
            "MD20",
            "M0.0",
            "I0.0",
            "IB2",
            "Q0.0",
            "QW4",
            "T5",
            "C3",
            "DB1.DBD8:REAL",
            "DB65535.DBB2097151:STRING[20]",
        ] {
            assert_eq!(ok(s), s);
        }
        assert_eq!(ok("db1.dbw2:int"), "DB1.DBW2:INT");
        assert_eq!(ok("mb0:string"), "MB0:STRING[254]");
    }

    #[test]
    fn mistakes_say_what_is_wrong() {
        let e = |s: &str| parse(s).unwrap_err();
        assert!(e("DB0.DBW2").contains("data block 0"), "{}", e("DB0.DBW2"));
        assert!(e("DB1.DBW").contains("has no byte offset"));
        assert!(e("DB1.DBX0").contains("bit number 0..7"));
        assert!(e("DB1.DBX0.8").contains("bit number 0..7"));
        assert!(e("DB1.DBW2.1").contains("something after the byte offset"));
        assert!(e("DB1.W2").contains(".DBX, .DBB, .DBW or .DBD"));
        assert!(e("X10").contains("does not start with DB, M, I, Q, T or C"));
        assert!(e("MB2097152").contains("above 2097151"));
        assert!(e("T").contains("number 0..65535"));
        assert_eq!(
            e("DB1.DBW2:REAL"),
            "type REAL does not fit address \"DB1.DBW2\" (the address spans 2 byte(s), REAL takes 4: use DB1.DBD2:REAL)"
        );
        assert!(e("M0.0:INT").contains("needs a byte address such as MB0:INT"));
        assert!(e("MW0:BOOL").contains("a BOOL needs a bit address"));
        assert!(e("DB1.DBB0:STRING[255]").contains("not 1..254"));
        assert!(e("DB1.DBB0:FLOAT").contains("unknown type \"FLOAT\""));
    }

    #[test]
    fn recorded_items_are_named_in_step7_syntax() {
        assert_eq!(item_name(Area::Db(1), 0x04, 1, 16), "DB1.DBW2");
        assert_eq!(item_name(Area::Db(1), 0x01, 1, 17), "DB1.DBX2.1");
        assert_eq!(item_name(Area::Db(1), 0x08, 1, 64), "DB1.DBD8");
        assert_eq!(item_name(Area::Flags, 0x01, 1, 8), "M1.0");
        assert_eq!(item_name(Area::Flags, 0x02, 16, 0), "P#M0.0 BYTE 16");
        assert_eq!(item_name(Area::Db(1), 0x02, 64, 0), "P#DB1.DBX0.0 BYTE 64");
        assert_eq!(item_name(Area::Timers, 0x1D, 1, 5), "T5");
        assert_eq!(item_name(Area::Counters, 0x1C, 8, 0), "P#C0 COUNTER 8");
        assert_eq!(item_name(Area::Outputs, 0x02, 1, 8), "QB1");
        assert_eq!(item_name(Area::Db(4), 0x13, 1, 138 * 8), "DB4.DBW138");
        assert_eq!(item_name(Area::Other(3), 0x02, 2, 0), "P#AREA0x03 0.0 BYTE 2");
    }
}
