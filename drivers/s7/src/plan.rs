//! The read plan: the points of the map packed into as few Read Var requests as the negotiated
//! PDU length allows. Both directions count: the request (12 + 12 bytes per item) must fit, and so
//! must the response (14 + per item 4 bytes of header, its data and a fill byte after odd data
//! that another item follows). A value larger than one response carries is read in parts.

use crate::map::Point;
use crate::proto::{self, ACK_HEADER, ITEM_SPEC, JOB_HEADER};

/// Bytes of a Read Var request before its items: header, function, item count.
pub const REQUEST_BASE: usize = JOB_HEADER + 2;
/// Bytes of a Read Var response before its data items: header, function, item count.
pub const RESPONSE_BASE: usize = ACK_HEADER + 2;
/// Bytes of a data item header: return code, transport size, length.
pub const DATA_ITEM_HEADER: usize = 4;

/// One item of a planned request: `len` bytes of point `point`'s value, from byte `offset` of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Part {
    pub point: u32,
    pub offset: u32,
    pub len: u32,
}

/// One Read Var request of the plan.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReadRequest {
    pub parts: Vec<Part>,
    /// Bytes of the request's S7 PDU and of its response's.
    pub request_len: usize,
    pub response_len: usize,
}

impl ReadRequest {
    fn new() -> ReadRequest {
        ReadRequest { parts: Vec::new(), request_len: REQUEST_BASE, response_len: RESPONSE_BASE }
    }

    /// Whether the last item's data has an odd length (a fill byte follows it if an item is added).
    fn last_odd(&self) -> bool {
        self.parts.last().map_or(false, |p| p.len % 2 == 1)
    }

    /// Data bytes one more item could carry, within the PDU lengths and the item limit.
    fn room(&self, limits: &Limits) -> usize {
        if self.parts.len() >= limits.max_items || self.request_len + ITEM_SPEC > limits.request {
            return 0;
        }
        let used = self.response_len + self.last_odd() as usize + DATA_ITEM_HEADER;
        limits.response.saturating_sub(used)
    }

    fn add(&mut self, part: Part) {
        self.response_len += self.last_odd() as usize + DATA_ITEM_HEADER + part.len as usize;
        self.request_len += ITEM_SPEC;
        self.parts.push(part);
    }

    /// The S7ANY item that reads `part` of `point`: a BIT for a BOOL, a TIMER or COUNTER for T and
    /// C, else BYTE × len from the part's first byte.
    pub fn item(point: &Point, part: &Part) -> [u8; ITEM_SPEC] {
        let a = point.address;
        let (area, db) = (a.area.code(), a.area.db());
        if point.area().numbered() {
            let tsize = if point.area() == crate::address::Area::Timers {
                proto::TS_TIMER
            } else {
                proto::TS_COUNTER
            };
            return proto::any_item(tsize, 1, db, area, a.byte);
        }
        if point.ty == crate::address::Type::Bool {
            return proto::any_item(proto::TS_BIT, 1, db, area, a.byte * 8 + a.bit as u32);
        }
        proto::any_item(proto::TS_BYTE, part.len as u16, db, area, (a.byte + part.offset) * 8)
    }
}

/// What bounds a request: the request's and the response's PDU length (the request may be bound
/// lower by the COTP TPDU size) and the item count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub request: usize,
    pub response: usize,
    pub max_items: usize,
}

/// Packs `points` in index order into requests. An item goes into the current request if it fits;
/// else a new request starts — unless the value is larger than any one response carries, then it
/// fills what room is left and continues in the next requests.
pub fn plan(points: &[Point], limits: &Limits) -> Vec<ReadRequest> {
    let empty = ReadRequest::new();
    let max_single = empty.room(limits);
    let mut plans = Vec::new();
    let mut current = ReadRequest::new();
    for p in points {
        let size = p.read_size();
        let mut offset = 0;
        while offset < size {
            let rest = size - offset;
            let room = current.room(limits) as u32;
            if room >= rest {
                current.add(Part { point: p.index, offset, len: rest });
                offset = size;
            } else if p.splittable() && rest as usize > max_single && room > 0 {
                current.add(Part { point: p.index, offset, len: room });
                offset += room;
                plans.push(std::mem::replace(&mut current, ReadRequest::new()));
            } else if current.parts.is_empty() {
                // Only a PDU too small for one item of 2 bytes gets here; map::MIN_PDU rules it out.
                unreachable!("an item of {rest} bytes does not fit an empty request of {limits:?}");
            } else {
                plans.push(std::mem::replace(&mut current, ReadRequest::new()));
            }
        }
    }
    if !current.parts.is_empty() {
        plans.push(current);
    }
    plans
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::address::{self, Type};

    fn points(addrs: &[&str]) -> Vec<Point> {
        addrs
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let (address, t) = address::parse(s).unwrap();
                Point { index: i as u32, address, ty: t.unwrap_or_else(|| address.default_type()) }
            })
            .collect()
    }

    fn limits(pdu: usize) -> Limits {
        Limits { request: pdu, response: pdu, max_items: 255 }
    }

    #[test]
    fn nineteen_items_fill_a_240_byte_request() {
        // PLC4X's capture: 19 single-item reads per request at PDU 240 (12 + 19 * 12 = 240).
        let addrs: Vec<String> = (0..40).map(|i| format!("DB1.DBW{}", 2 * i)).collect();
        let refs: Vec<&str> = addrs.iter().map(|s| s.as_str()).collect();
        let plans = plan(&points(&refs), &limits(240));
        assert_eq!(plans.iter().map(|p| p.parts.len()).collect::<Vec<_>>(), vec![19, 19, 2]);
        assert_eq!(plans[0].request_len, 240);
        assert_eq!(plans[0].response_len, 14 + 19 * 6);
    }

    #[test]
    fn the_response_bounds_large_values_and_fill_bytes_count() {
        // STRING[100] takes 102 bytes: two fit a 240-byte response (14 + 106 + 106 = 226), a third
        // does not.
        let p = points(&["DB1.DBB0:STRING[100]", "DB1.DBB200:STRING[100]", "DB1.DBB400:STRING[100]"]);
        let plans = plan(&p, &limits(240));
        assert_eq!(plans.len(), 2);
        assert_eq!(plans[0].response_len, 226);
        // Odd data: BYTE, BYTE → 14 + 5 + 1 (fill) + 5.
        let plans = plan(&points(&["MB0", "MB1"]), &limits(240));
        assert_eq!(plans[0].response_len, 25);
    }

    #[test]
    fn a_value_larger_than_a_pdu_is_read_in_parts() {
        // 256 bytes at PDU 240: room for 222 in the first response, the rest in the next.
        let p = points(&["MW0", "DB1.DBB0:STRING[254]", "MB7"]);
        let plans = plan(&p, &limits(240));
        assert_eq!(
            plans[0].parts,
            vec![Part { point: 0, offset: 0, len: 2 }, Part { point: 1, offset: 0, len: 216 }]
        );
        assert_eq!(plans[0].response_len, 240);
        assert_eq!(
            plans[1].parts,
            vec![Part { point: 1, offset: 216, len: 40 }, Part { point: 2, offset: 0, len: 1 }]
        );
        assert_eq!(Type::String(254).size(), 256);
    }

    #[test]
    fn the_item_limit_and_a_smaller_request_limit_apply() {
        let p = points(&["M0.0", "M0.1", "M0.2", "M0.3", "M0.4"]);
        let plans = plan(&p, &Limits { request: 240, response: 240, max_items: 2 });
        assert_eq!(plans.iter().map(|p| p.parts.len()).collect::<Vec<_>>(), vec![2, 2, 1]);
        let plans = plan(&p, &Limits { request: 12 + 36, response: 240, max_items: 20 });
        assert_eq!(plans.iter().map(|p| p.parts.len()).collect::<Vec<_>>(), vec![3, 2]);
    }
}
