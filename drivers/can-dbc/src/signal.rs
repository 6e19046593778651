//! One DBC signal: where its bits lie in the payload, how they scale, and what the raw value means
//! (Vector's DBC format: `SG_ name : start|length@order sign (factor,offset) [min|max]`, `VAL_`
//! value tables, `SIG_VALTYPE_` IEEE floats), plus the SAE J1939-71 §5.1.4 ranges that mark a
//! parameter "not available" or "error".

use weir_sdk::Error;

/// `@1` in a DBC is Intel (little-endian), `@0` Motorola (big-endian).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    Intel,
    Motorola,
}

/// How the raw bits are read: an integer (signed or not) or an IEEE float (`SIG_VALTYPE_` 1 or 2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Int { signed: bool },
    F32,
    F64,
}

/// What a J1939 parameter's raw value says about itself (J1939-71 §5.1.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum J1939Indicator {
    NotAvailable,
    Error,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Signal {
    pub start: u16,
    pub len: u8,
    pub order: Order,
    pub kind: Kind,
    pub factor: f64,
    pub offset: f64,
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// `VAL_` table: raw value → label.
    pub choices: Vec<(i64, String)>,
}

/// The decoded value of a signal, before it becomes a record.
#[derive(Clone, Debug, PartialEq)]
pub enum Physical<'a> {
    Int(i64),
    Float(f64),
    Label(&'a str),
}

impl Physical<'_> {
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Physical::Int(v) => Some(*v as f64),
            Physical::Float(v) => Some(*v),
            Physical::Label(_) => None,
        }
    }
}

impl Signal {
    /// The bit positions the signal covers, most significant first for Motorola and least
    /// significant first for Intel, each checked to lie inside `size` bytes.
    pub fn check_fits(&self, size: usize) -> Result<(), String> {
        let bits = size * 8;
        match self.order {
            Order::Intel => {
                let end = self.start as usize + self.len as usize;
                if end > bits {
                    return Err(format!(
                        "start={} len={} (Intel) ends at bit {} but the message has {size} bytes ({bits} bits)",
                        self.start,
                        self.len,
                        end - 1
                    ));
                }
            }
            Order::Motorola => {
                let mut pos = self.start as usize;
                for i in 0..self.len {
                    if pos >= bits {
                        return Err(format!(
                            "start={} len={} (Motorola) reaches bit {pos} but the message has {size} bytes ({bits} bits)",
                            self.start, self.len
                        ));
                    }
                    if i + 1 < self.len {
                        pos = if pos % 8 == 0 { pos + 15 } else { pos - 1 };
                    }
                }
            }
        }
        Ok(())
    }

    /// The raw bits, right-aligned. The caller has checked that the payload is long enough.
    pub fn raw(&self, data: &[u8]) -> u64 {
        let bit = |pos: usize| u64::from((data[pos / 8] >> (pos % 8)) & 1);
        let mut raw = 0u64;
        match self.order {
            Order::Intel => {
                for i in 0..self.len as usize {
                    raw |= bit(self.start as usize + i) << i;
                }
            }
            Order::Motorola => {
                let mut pos = self.start as usize;
                for i in 0..self.len {
                    raw = raw << 1 | bit(pos);
                    if i + 1 < self.len {
                        pos = if pos % 8 == 0 { pos + 15 } else { pos - 1 };
                    }
                }
            }
        }
        raw
    }

    /// The raw value as a signed integer when the signal is signed, else as unsigned (in an i128
    /// so that 64-bit unsigned values fit).
    pub fn raw_int(&self, raw: u64) -> i128 {
        match self.kind {
            Kind::Int { signed: true } if self.len < 64 && raw >> (self.len - 1) & 1 == 1 => {
                raw as i128 - (1i128 << self.len)
            }
            Kind::Int { signed: true } => raw as i64 as i128,
            _ => raw as i128,
        }
    }

    /// J1939-71 §5.1.4: 1-byte parameters 0xFE = error, 0xFF = not available; 2 and 4 bytes the
    /// same in the most significant byte (0xFExx…, 0xFFxx…); discrete parameters of 2 to 7 bits
    /// all ones = not available and all ones less one = error (2 bits: 10 error, 11 not
    /// available). Only unsigned integer signals of 2 bits or more follow these ranges.
    pub fn j1939_indicator(&self, raw: u64) -> Option<J1939Indicator> {
        if self.kind != (Kind::Int { signed: false }) || self.len < 2 {
            return None;
        }
        let (top, ones) =
            if self.len >= 8 { (raw >> (self.len - 8), 0xFFu64) } else { (raw, (1u64 << self.len) - 1) };
        if top == ones {
            Some(J1939Indicator::NotAvailable)
        } else if top == ones - 1 {
            Some(J1939Indicator::Error)
        } else {
            None
        }
    }

    /// The physical value: a label from the value table if the raw value has one, else
    /// `raw × factor + offset`, an integer when factor and offset are integers (as cantools
    /// decodes), else a float.
    pub fn physical(&self, raw: u64) -> Physical<'_> {
        match self.kind {
            Kind::F32 => {
                return Physical::Float(f32::from_bits(raw as u32) as f64 * self.factor + self.offset)
            }
            Kind::F64 => return Physical::Float(f64::from_bits(raw) * self.factor + self.offset),
            Kind::Int { .. } => {}
        }
        let int = self.raw_int(raw);
        if let Some((_, label)) = self.choices.iter().find(|(v, _)| *v as i128 == int) {
            return Physical::Label(label);
        }
        if is_integral(self.factor) && is_integral(self.offset) {
            let scaled = int
                .checked_mul(self.factor as i128)
                .and_then(|v| v.checked_add(self.offset as i128))
                .and_then(|v| i64::try_from(v).ok());
            if let Some(v) = scaled {
                return Physical::Int(v);
            }
        }
        Physical::Float(int as f64 * self.factor + self.offset)
    }

    /// `[min|max]` of the DBC, when the physical value lies outside it.
    pub fn out_of_range(&self, value: f64) -> bool {
        self.min.map_or(false, |m| value < m) || self.max.map_or(false, |m| value > m)
    }
}

fn is_integral(v: f64) -> bool {
    v.fract() == 0.0 && v.abs() < 9.0e15
}

/// Decodes `%XX` escapes of a config value (a value table label may hold spaces, `=` or any
/// UTF-8, which ABI §5 values cannot).
pub fn unescape(text: &str) -> Result<String, Error> {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = text.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok());
            match hex {
                Some(v) => {
                    out.push(v);
                    i += 3;
                }
                None => {
                    return Err(Error::Config(format!(
                        "\"%\" at {i} of \"{text}\" is not followed by two hex digits"
                    )))
                }
            }
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out)
        .map_err(|_| Error::Config(format!("\"{text}\" unescapes to bytes that are not UTF-8")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sig(start: u16, len: u8, order: Order, signed: bool) -> Signal {
        Signal {
            start,
            len,
            order,
            kind: Kind::Int { signed },
            factor: 1.0,
            offset: 0.0,
            min: None,
            max: None,
            choices: Vec::new(),
        }
    }

    #[test]
    fn intel_and_motorola_bits() {
        let data = [0xC0, 0x60, 0xE0, 0, 0, 0, 0, 0];
        let t = sig(0, 12, Order::Motorola, true);
        assert!(t.check_fits(8).is_ok());
        let m = sig(7, 12, Order::Motorola, false);
        assert_eq!(m.raw(&data), 0xC06);
        let i = sig(8, 16, Order::Intel, false);
        assert_eq!(i.raw(&data), 0xE060);
        assert!(sig(60, 8, Order::Intel, false).check_fits(8).is_err());
        assert!(sig(56, 8, Order::Motorola, false).check_fits(8).is_err());
        assert!(sig(63, 8, Order::Motorola, false).check_fits(8).is_ok());
    }

    #[test]
    fn signed_and_indicators() {
        let s = sig(0, 4, Order::Intel, true);
        assert_eq!(s.raw_int(0xF), -1);
        assert_eq!(s.raw_int(0x7), 7);
        let u = sig(0, 16, Order::Intel, false);
        assert_eq!(u.j1939_indicator(0xFFFF), Some(J1939Indicator::NotAvailable));
        assert_eq!(u.j1939_indicator(0xFE12), Some(J1939Indicator::Error));
        assert_eq!(u.j1939_indicator(0xFAFF), None);
        let d = sig(0, 2, Order::Intel, false);
        assert_eq!(d.j1939_indicator(3), Some(J1939Indicator::NotAvailable));
        assert_eq!(d.j1939_indicator(2), Some(J1939Indicator::Error));
        assert_eq!(d.j1939_indicator(1), None);
        assert_eq!(sig(0, 1, Order::Intel, false).j1939_indicator(1), None);
    }

    #[test]
    fn escapes() {
        assert_eq!(unescape("Not%20available").unwrap(), "Not available");
        assert_eq!(unescape("a%3Db").unwrap(), "a=b");
        assert!(unescape("a%2").is_err());
        assert!(unescape("%FF").is_err());
    }
}
