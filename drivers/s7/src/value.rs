//! S7 values in bytes (big-endian, as S7 CPUs store them) and as ABI values.

use crate::address::Type;
use weir_sdk::Value;

/// A decoded value that owns its text.
#[derive(Clone, Debug, PartialEq)]
pub enum Decoded {
    Bool(bool),
    I64(i64),
    U64(u64),
    F64(f64),
    Str(String),
}

impl Decoded {
    pub fn as_value(&self) -> Value<'_> {
        match self {
            Decoded::Bool(b) => Value::Bool(*b),
            Decoded::I64(v) => Value::I64(*v),
            Decoded::U64(v) => Value::U64(*v),
            Decoded::F64(v) => Value::F64(*v),
            Decoded::Str(s) => Value::Str(s),
        }
    }
}

/// S7 characters are bytes; this driver reads them as ISO 8859-1 (Latin-1), whose 256 code points
/// are the first 256 of Unicode.
fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| b as char).collect()
}

/// Three BCD digits in the low 12 bits of `w`; `None` if a nibble is above 9.
fn bcd3(w: u16) -> Option<u32> {
    let d = [(w >> 8) & 0xF, (w >> 4) & 0xF, w & 0xF];
    if d.iter().any(|&n| n > 9) {
        return None;
    }
    Some(d[0] as u32 * 100 + d[1] as u32 * 10 + d[2] as u32)
}

/// Decodes `bytes` (the point's `read_size` bytes) as `ty`; `bit` selects the bit of a BOOL's
/// byte. The error says why the bytes are no value of the type.
pub fn decode(ty: Type, bytes: &[u8], bit: u8) -> Result<Decoded, String> {
    let be = |n: usize| -> u64 { bytes[..n].iter().fold(0u64, |acc, &b| acc << 8 | b as u64) };
    Ok(match ty {
        Type::Bool => Decoded::Bool(bytes[0] >> bit & 1 == 1),
        Type::Byte | Type::Usint => Decoded::U64(bytes[0] as u64),
        Type::Sint => Decoded::I64(bytes[0] as i8 as i64),
        Type::Char => Decoded::Str(latin1(&bytes[..1])),
        Type::Word | Type::Uint => Decoded::U64(be(2)),
        Type::Int => Decoded::I64(be(2) as u16 as i16 as i64),
        Type::Dword | Type::Udint => Decoded::U64(be(4)),
        Type::Dint => Decoded::I64(be(4) as u32 as i32 as i64),
        Type::Real => Decoded::F64(f32::from_bits(be(4) as u32) as f64),
        Type::Lreal => Decoded::F64(f64::from_bits(be(8))),
        Type::String(max) => {
            // STEP 7 STRING: byte 0 the declared maximum, byte 1 the actual length, then the
            // characters.
            let actual = bytes[1];
            if actual > max {
                return Err(format!(
                    "STRING actual length {actual} is longer than the {max} characters configured (declared maximum in the PLC: {})",
                    bytes[0]
                ));
            }
            Decoded::Str(latin1(&bytes[2..2 + actual as usize]))
        }
        Type::Timer => {
            // S7 timer word: bits 12-13 the time base (10 ms, 100 ms, 1 s, 10 s), bits 0-11 three
            // BCD digits; the value in seconds.
            let w = be(2) as u16;
            let digits =
                bcd3(w).ok_or_else(|| format!("timer word {w:#06x} holds a digit that is not BCD"))?;
            let base = [0.01, 0.1, 1.0, 10.0][(w >> 12 & 3) as usize];
            Decoded::F64(digits as f64 * base)
        }
        Type::Counter => {
            let w = be(2) as u16;
            Decoded::U64(
                bcd3(w).ok_or_else(|| format!("counter word {w:#06x} holds a digit that is not BCD"))? as u64,
            )
        }
    })
}

/// An integer in a value that may be a number of another ABI type; `None` if it is not an
/// integer.
fn integer(value: &Value) -> Option<i128> {
    match *value {
        Value::I64(v) => Some(v as i128),
        Value::U64(v) => Some(v as i128),
        Value::F64(v) if v.is_finite() && v.fract() == 0.0 && v.abs() < 1e19 => Some(v as i128),
        Value::Bool(b) => Some(b as i128),
        _ => None,
    }
}

/// The bytes that write `value` as `ty`. A STRING writes its actual length byte and characters
/// (from the point's byte + 1), leaving the PLC's declared maximum alone. The error says why the
/// value does not fit.
pub fn encode(ty: Type, value: &Value) -> Result<Vec<u8>, String> {
    let int_in = |min: i128, max: i128| -> Result<i128, String> {
        match integer(value) {
            Some(v) if v >= min && v <= max => Ok(v),
            Some(v) => Err(format!("{v} is outside the range of {ty} ({min}..{max})")),
            None => Err(format!("{ty} takes an integer, got {value}")),
        }
    };
    let number = || -> Result<f64, String> {
        match *value {
            Value::F64(v) => Ok(v),
            Value::I64(v) => Ok(v as f64),
            Value::U64(v) => Ok(v as f64),
            _ => Err(format!("{ty} takes a number, got {value}")),
        }
    };
    let chars = |s: &str| -> Result<Vec<u8>, String> {
        s.chars()
            .map(|c| {
                u8::try_from(c as u32).map_err(|_| {
                    format!("character {c:?} is not in ISO 8859-1, the character set of S7 strings")
                })
            })
            .collect()
    };
    Ok(match ty {
        Type::Bool => match *value {
            Value::Bool(b) => vec![b as u8],
            _ => vec![int_in(0, 1)? as u8],
        },
        Type::Byte | Type::Usint => vec![int_in(0, 255)? as u8],
        Type::Sint => vec![int_in(-128, 127)? as i8 as u8],
        Type::Word | Type::Uint => (int_in(0, 65535)? as u16).to_be_bytes().to_vec(),
        Type::Int => (int_in(-32768, 32767)? as i16).to_be_bytes().to_vec(),
        Type::Dword | Type::Udint => (int_in(0, u32::MAX as i128)? as u32).to_be_bytes().to_vec(),
        Type::Dint => (int_in(i32::MIN as i128, i32::MAX as i128)? as i32).to_be_bytes().to_vec(),
        Type::Real => {
            let v = number()?;
            if !v.is_finite() || v.abs() > f32::MAX as f64 {
                return Err(format!("{v} is not a finite REAL (at most ±3.4028235e38)"));
            }
            (v as f32).to_bits().to_be_bytes().to_vec()
        }
        Type::Lreal => {
            let v = number()?;
            if !v.is_finite() {
                return Err(format!("{v} is not a finite LREAL"));
            }
            v.to_bits().to_be_bytes().to_vec()
        }
        Type::Char => match value {
            Value::Str(s) if s.chars().count() == 1 => chars(s)?,
            _ => return Err(format!("CHAR takes a text of one character, got {value}")),
        },
        Type::String(max) => match value {
            Value::Str(s) => {
                let bytes = chars(s)?;
                if bytes.len() > max as usize {
                    return Err(format!("a text of {} characters does not fit STRING[{max}]", bytes.len()));
                }
                let mut out = vec![bytes.len() as u8];
                out.extend_from_slice(&bytes);
                out
            }
            _ => return Err(format!("STRING takes a text, got {value}")),
        },
        Type::Timer | Type::Counter => return Err(format!("{ty} values are not written by this driver")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_decodes_big_endian() {
        assert_eq!(decode(Type::Int, &[0xf6, 0x88], 0), Ok(Decoded::I64(-2424)));
        assert_eq!(decode(Type::Word, &[0xa5, 0xb8], 0), Ok(Decoded::U64(0xa5b8)));
        assert_eq!(decode(Type::Dint, &[0xf1, 0x8c, 0x9f, 0x48], 0), Ok(Decoded::I64(-242442424)));
        assert_eq!(decode(Type::Real, &[0x40, 0x49, 0x0f, 0xdc], 0), Ok(Decoded::F64(3.1415929794311523)));
        assert_eq!(decode(Type::Bool, &[0b0000_0100], 2), Ok(Decoded::Bool(true)));
        assert_eq!(decode(Type::Sint, &[0xff], 0), Ok(Decoded::I64(-1)));
        assert_eq!(
            decode(Type::String(10), &[10, 3, b'a', 0xe4, b'c', 0, 0, 0, 0, 0, 0, 0], 0),
            Ok(Decoded::Str("aäc".into()))
        );
        assert!(decode(Type::String(2), &[10, 3, 1, 2], 0).unwrap_err().contains("actual length 3"));
        // WinCC capture: T "2504" = 504 s (time base 2 = 1 s), C "0011" = 11.
        assert_eq!(decode(Type::Timer, &[0x25, 0x04], 0), Ok(Decoded::F64(504.0)));
        assert_eq!(decode(Type::Counter, &[0x00, 0x11], 0), Ok(Decoded::U64(11)));
        assert!(decode(Type::Counter, &[0x00, 0x1a], 0).is_err());
    }

    #[test]
    fn writes_check_the_range() {
        assert_eq!(encode(Type::Int, &Value::I64(-2)), Ok(vec![0xff, 0xfe]));
        assert_eq!(encode(Type::Real, &Value::F64(1.1)), Ok(vec![0x3f, 0x8c, 0xcc, 0xcd]));
        assert_eq!(encode(Type::String(5), &Value::Str("hi")), Ok(vec![2, b'h', b'i']));
        assert!(encode(Type::String(1), &Value::Str("hi")).unwrap_err().contains("does not fit STRING[1]"));
        assert!(encode(Type::Byte, &Value::I64(256))
            .unwrap_err()
            .contains("outside the range of BYTE (0..255)"));
        assert!(encode(Type::Int, &Value::F64(1.5)).unwrap_err().contains("takes an integer"));
        assert!(encode(Type::String(9), &Value::Str("€")).unwrap_err().contains("ISO 8859-1"));
        assert_eq!(encode(Type::Bool, &Value::Bool(true)), Ok(vec![1]));
    }
}
