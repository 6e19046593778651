//! Decoding a read response straight from the frame into records.
//!
//! At open (or `observe`) every point a read serves becomes a [`Slot`]: where its bytes are in the
//! response's data, its type, order and bit, packed into one `u64`. Decoding a response is then
//! one pass over the slots that reads each value from the frame's bytes with shifts and writes its
//! record — no allocation, no intermediate arrays, one load per point for its description. The
//! host runs this code compiled to JVM bytecode, where every load or store of linear memory is a
//! call that its JIT inlines only while the function stays small; so the loop is a function of its
//! own and every rare path (errors, text) is out of line.

use crate::map::{Area, Point, PointType};
use weir_sdk::{Error, Out, Quality, Stopped, Value, WordOrder};

// Slot layout, from the least significant bit: point index (32), position of the point's data
// (16: byte offset for registers, bit offset for coils and discrete inputs), kind (4), order (2),
// bit of a register (4), scaled (1).
const AT_SHIFT: u32 = 32;
const KIND_SHIFT: u32 = 48;
const ORDER_SHIFT: u32 = 52;
const BIT_SHIFT: u32 = 54;
const SCALED: u64 = 1 << 58;

// Kinds: how the bytes at `at` become a value.
const BIT: u64 = 0; // a coil or discrete input: bit `at` of the data (AP §6.1: LSB first)
const REGISTER_BIT: u64 = 1; // one bit of the register at byte `at`
const U16: u64 = 2;
const I16: u64 = 3;
const U32: u64 = 4;
const I32: u64 = 5;
const F32: u64 = 6;
const U64: u64 = 7;
const I64: u64 = 8;
const F64: u64 = 9;

/// [`Decoding::decode_until`]: every record written.
const DECODED: u32 = u32::MAX;
/// [`Decoding::decode_until`]: `out` has no room for the records.
const OUT_FULL: u32 = u32::MAX - 1;

/// One configured point of a read, ready to decode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slot(u64);

impl Slot {
    /// The slot of `p` in a read of its area starting at `start`; `p` lies inside the read.
    pub fn new(p: &Point, start: u16) -> Slot {
        let offset = u64::from(p.address - start);
        let (kind, at) = match (p.area.is_bits(), p.ty) {
            (true, _) => (BIT, offset),
            (false, PointType::Bool) => (REGISTER_BIT, 2 * offset),
            (false, ty) => {
                let kind = match ty {
                    PointType::U16 => U16,
                    PointType::I16 => I16,
                    PointType::U32 => U32,
                    PointType::I32 => I32,
                    PointType::F32 => F32,
                    PointType::U64 => U64,
                    PointType::I64 => I64,
                    _ => F64,
                };
                (kind, 2 * offset)
            }
        };
        let order = match p.order {
            WordOrder::ABCD => 0,
            WordOrder::CDAB => 1,
            WordOrder::BADC => 2,
            WordOrder::DCBA => 3,
        };
        let scaled = if p.scale.is_some() || p.offset.is_some() { SCALED } else { 0 };
        Slot(
            u64::from(p.index)
                | at << AT_SHIFT
                | kind << KIND_SHIFT
                | order << ORDER_SHIFT
                | u64::from(p.bit.unwrap_or(0)) << BIT_SHIFT
                | scaled,
        )
    }

    pub fn point(self) -> u32 {
        self.0 as u32
    }

    fn at(self) -> usize {
        (self.0 >> AT_SHIFT) as u16 as usize
    }

    fn kind(self) -> u64 {
        self.0 >> KIND_SHIFT & 0xF
    }

    fn order(self) -> WordOrder {
        match self.0 >> ORDER_SHIFT & 3 {
            0 => WordOrder::ABCD,
            1 => WordOrder::CDAB,
            2 => WordOrder::BADC,
            _ => WordOrder::DCBA,
        }
    }

    fn bit(self) -> u32 {
        (self.0 >> BIT_SHIFT & 0xF) as u32
    }

    fn scaled(self) -> bool {
        self.0 & SCALED != 0
    }
}

/// The points one read serves, in ascending point index, and the scale and offset of each (1 and
/// 0 where the point has none).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Decoding {
    slots: Vec<Slot>,
    scales: Vec<(f64, f64)>,
}

impl Decoding {
    /// The slots of `indexes` (ascending) of `points`, for a read of `area` starting at `start`.
    pub fn new(points: &[Point], indexes: &[u32], start: u16) -> Decoding {
        let mut d = Decoding { slots: Vec::with_capacity(indexes.len()), scales: Vec::new() };
        d.scales.reserve(indexes.len());
        for &i in indexes {
            let p = &points[i as usize];
            d.slots.push(Slot::new(p, start));
            d.scales.push((p.scale.unwrap_or(1.0), p.offset.unwrap_or(0.0)));
        }
        d
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// The point indexes, ascending.
    pub fn points(&self) -> impl Iterator<Item = u32> + '_ {
        self.slots.iter().map(|s| s.point())
    }

    /// Writes one `GOOD` record per point from `data`, the data bytes of a read response of
    /// `area` whose byte count the caller checked against the request's quantity (AP §6.1-6.4),
    /// so every slot lies inside it.
    #[inline]
    pub fn decode(&self, area: Area, data: &[u8], out: &mut Out) -> Result<(), Error> {
        match self.decode_until(area, data, out) {
            DECODED => Ok(()),
            stopped => Err(self.stopped(stopped, data.len(), out)),
        }
    }

    /// The loop of [`Decoding::decode`]: [`DECODED`], [`OUT_FULL`] or the index of the slot
    /// outside `data`. It makes no `Error` (the caller does, out of line) and returns a word, not
    /// a `Result` (which goes through memory): an error made inside it went through a shadow-stack
    /// frame that it then set up on every call, three calls of the host's `Instance.global` and
    /// the copies through that frame.
    #[inline(never)]
    fn decode_until(&self, area: Area, data: &[u8], out: &mut Out) -> u32 {
        debug_assert!(self.slots.iter().all(|s| s.kind() != BIT || area.is_bits()));
        let slots = &self.slots[..];
        let scales = &self.scales[..slots.len()];
        let r = out.records_until(slots.len(), |i| {
            let slot = slots[i];
            if slot.0 >> KIND_SHIFT == U16 {
                // A plain u16 (ABCD, unscaled), the commonest point: one test, not three switches.
                let at = slot.at();
                let b = data.get(at..at + 2)?;
                return Some((
                    slot.point(),
                    Value::U64(u64::from(u16::from_be_bytes([b[0], b[1]]))),
                    Quality::GOOD,
                ));
            }
            let value = match value(slot, data) {
                Some(Raw::Int(v, signed)) if !slot.scaled() => {
                    if signed {
                        Value::I64(v as i64)
                    } else {
                        Value::U64(v)
                    }
                }
                Some(Raw::Float(v)) if !slot.scaled() => Value::F64(v),
                Some(Raw::Bool(b)) => Value::Bool(b),
                Some(raw) => {
                    let (scale, offset) = scales[i];
                    Value::F64(raw.number() * scale + offset)
                }
                None => return None,
            };
            Some((slot.point(), value, Quality::GOOD))
        });
        match r {
            Ok(()) => DECODED,
            Err(Stopped::Full) => OUT_FULL,
            // At most `Capacities::records` slots (2048, checked at open).
            Err(Stopped::At(i)) => i as u32,
        }
    }

    #[cold]
    #[inline(never)]
    fn stopped(&self, stopped: u32, len: usize, out: &Out) -> Error {
        match stopped {
            OUT_FULL => out.full_error(),
            i => outside(self.slots[i as usize], len),
        }
    }
}

/// A value as read from the frame, before scaling.
enum Raw {
    /// The integer and whether it is signed (its bits sign-extended to 64).
    Int(u64, bool),
    Float(f64),
    Bool(bool),
}

impl Raw {
    /// As a number for raw × scale + offset.
    fn number(self) -> f64 {
        match self {
            Raw::Int(v, true) => v as i64 as f64,
            Raw::Int(v, false) => v as f64,
            Raw::Float(v) => v,
            Raw::Bool(b) => b as u8 as f64,
        }
    }
}

/// The bytes `data[at..at + N]`, or `None` past its end.
#[inline]
fn bytes<const N: usize>(data: &[u8], at: usize) -> Option<[u8; N]> {
    let mut b = [0u8; N];
    b.copy_from_slice(data.get(at..at + N)?);
    Some(b)
}

/// The value of `slot` in `data`.
#[inline]
fn value(slot: Slot, data: &[u8]) -> Option<Raw> {
    let at = slot.at();
    let o = slot.order();
    Some(match slot.kind() {
        // AP §6.1: "The LSB of the first data byte contains the output addressed in the query".
        BIT => Raw::Bool(data.get(at / 8)? >> (at % 8) & 1 == 1),
        REGISTER_BIT => Raw::Bool(u16::from_be_bytes(bytes(data, at)?) >> slot.bit() & 1 == 1),
        U16 => Raw::Int(u64::from(o.u16_from_wire(bytes(data, at)?)), false),
        I16 => Raw::Int(o.u16_from_wire(bytes(data, at)?) as i16 as i64 as u64, true),
        U32 => Raw::Int(u64::from(o.u32_from_wire(bytes(data, at)?)), false),
        I32 => Raw::Int(o.u32_from_wire(bytes(data, at)?) as i32 as i64 as u64, true),
        F32 => Raw::Float(f64::from(f32::from_bits(o.u32_from_wire(bytes(data, at)?)))),
        U64 => Raw::Int(o.u64_from_wire(bytes(data, at)?), false),
        I64 => Raw::Int(o.u64_from_wire(bytes(data, at)?), true),
        _ => Raw::Float(f64::from_bits(o.u64_from_wire(bytes(data, at)?))),
    })
}

#[cold]
#[inline(never)]
fn outside(slot: Slot, len: usize) -> Error {
    Error::Internal(format!("point {} lies outside the {len} data bytes of the response", slot.point()))
}
