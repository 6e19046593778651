//! Writers over the driver → host regions: `tx` (request bytes) and `out` + `blob` (records).

use crate::abi::{self, Quality};
use crate::driver::Value;
use crate::error::Error;

/// The request frame being built in `tx`.
pub struct Tx<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl<'a> Tx<'a> {
    pub fn new(buf: &'a mut [u8]) -> Tx<'a> {
        Tx { buf, len: 0 }
    }

    /// Appends bytes; `E_NOSPACE` if `tx` is full.
    pub fn put(&mut self, bytes: &[u8]) -> Result<(), Error> {
        let end = self.len + bytes.len();
        if end > self.buf.len() {
            return Err(self.full(end));
        }
        self.buf[self.len..end].copy_from_slice(bytes);
        self.len = end;
        Ok(())
    }

    /// Appends a fixed number of bytes, e.g. a whole header built in a local array. The length is
    /// known when the driver is compiled, so the copy is a few wide stores instead of a call of
    /// `memcpy`, which a driver compiled to WebAssembly runs as a byte loop.
    #[inline]
    pub fn put_array<const N: usize>(&mut self, bytes: [u8; N]) -> Result<(), Error> {
        let end = self.len + N;
        match self.buf.get_mut(self.len..end) {
            Some(dst) => {
                let dst: &mut [u8; N] = dst.try_into().expect("a range of N bytes");
                *dst = bytes;
                self.len = end;
                Ok(())
            }
            None => Err(self.full(end)),
        }
    }

    /// Appends `head` then `body`, little-endian: 12 bytes in two stores, e.g. a request header
    /// packed into words (`u64::from_le_bytes` of its bytes). An array given to
    /// [`Tx::put_array`] may be stored a byte at a time, in a driver compiled to WebAssembly a call
    /// into the host's memory each.
    #[inline]
    pub fn put_words(&mut self, head: u64, body: u32) -> Result<(), Error> {
        let end = self.len + 12;
        match self.buf.get_mut(self.len..end) {
            Some(dst) => {
                dst[..8].copy_from_slice(&head.to_le_bytes());
                dst[8..].copy_from_slice(&body.to_le_bytes());
                self.len = end;
                Ok(())
            }
            None => Err(self.full(end)),
        }
    }

    #[cold]
    #[inline(never)]
    fn full(&self, end: usize) -> Error {
        Error::NoSpace(format!("request of {end} bytes does not fit tx ({} bytes)", self.buf.len()))
    }

    pub fn put_u8(&mut self, v: u8) -> Result<(), Error> {
        self.put(&[v])
    }

    /// Appends a big-endian u16 (network order, as most field protocols use).
    pub fn put_u16_be(&mut self, v: u16) -> Result<(), Error> {
        self.put(&v.to_be_bytes())
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The bytes written so far.
    pub fn bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    /// The bytes written so far, mutable (e.g. to patch a length field).
    pub fn bytes_mut(&mut self) -> &mut [u8] {
        &mut self.buf[..self.len]
    }
}

/// The records of one call: 24-byte records in `out`, names and strings in `blob` (ABI.md §6), and
/// (v1.1) the frame flags of `weir_on_frame`.
///
/// The writer knows the agreed version: with 1.0 it leaves out what v1.0 does not define, so a
/// driver behaves on a v1.0 host exactly as a v1.0 driver — a device status is dropped, a good
/// write result is dropped (v1.0: no record means success), a bad one loses its `WRITE_RESULT`
/// flag (v1.0: the `BAD_DEVICE` record of the point), and `not_answer` turns the call into
/// `E_PROTO` (v1.0: the request stays outstanding).
pub struct Out<'a> {
    out: &'a mut [u8],
    count: usize,
    blob: &'a mut [u8],
    blob_used: usize,
    last_error: Option<String>,
    abi_minor: u16,
    frame_flags: u32,
}

impl<'a> Out<'a> {
    /// A writer for agreed version 1.0.
    pub fn new(out: &'a mut [u8], blob: &'a mut [u8]) -> Out<'a> {
        Out::with_abi_minor(out, blob, 0)
    }

    /// A writer for the agreed minor version `abi_minor` (ABI.md §3.3).
    pub fn with_abi_minor(out: &'a mut [u8], blob: &'a mut [u8], abi_minor: u16) -> Out<'a> {
        Out { out, count: 0, blob, blob_used: 0, last_error: None, abi_minor, frame_flags: 0 }
    }

    /// The agreed minor version.
    pub fn abi_minor(&self) -> u16 {
        self.abi_minor
    }

    /// ABI.md §6.3 (v1.1): the outcome of a write of `point`: `GOOD` = confirmed, with the value
    /// the device confirmed (or `Value::Null`); a bad quality = failed. The SDK marks the records
    /// of the point written by `weir_write` itself; use this for writes adopted by `observe`.
    pub fn write_result(&mut self, point: u32, value: Value, quality: Quality) -> Result<(), Error> {
        self.push(point, abi::FLAG_WRITE_RESULT, value, quality, 0)
    }

    /// ABI.md §6.3 (v1.1): the status of the device or its link (`GOOD`, `BAD_COMM` when silent,
    /// `BAD_DEVICE` with a fault code …); `value` is `Value::Null`, a `U64` code or a `Str` reason.
    pub fn device_status(&mut self, value: Value, quality: Quality) -> Result<(), Error> {
        if !matches!(value, Value::Null | Value::U64(_) | Value::Str(_)) {
            return Err(Error::Inval(format!("a device status carries null, a u64 or a text, not {value}")));
        }
        self.push(0, abi::FLAG_DEVICE_STATUS, value, quality, 0)
    }

    /// ABI.md §7.3 (v1.1): this frame is not the answer to the outstanding request; the host keeps
    /// waiting and takes the records as readings.
    pub fn not_answer(&mut self) {
        self.frame_flags |= abi::FRAME_NOT_ANSWER;
    }

    /// ABI.md §7.3 (v1.1): the driver has a request to send in reaction to this frame; the host
    /// calls `weir_poll` as soon as no request is outstanding. Ignored with agreed version 1.0.
    pub fn poll_now(&mut self) {
        self.frame_flags |= abi::FRAME_POLL_NOW;
    }

    /// ABI.md §7.6 with agreed version 1.0: a write's response has no record on success, so the
    /// records of the written `point` that are not bad are removed (a bad one stays, without flag).
    pub(crate) fn drop_confirmations(&mut self, point: u32) {
        let mut kept = 0;
        for i in 0..self.count {
            let at = i * abi::RECORD_SIZE;
            let r = &self.out[at..at + abi::RECORD_SIZE];
            let p = u32::from_le_bytes([r[0], r[1], r[2], r[3]]);
            let quality = u16::from_le_bytes([r[6], r[7]]);
            let confirmation = p == point
                && r[5] & (abi::FLAG_NAMED | abi::FLAG_DEVICE_STATUS) == 0
                && quality & 0x8000 == 0;
            if !confirmation {
                self.out.copy_within(at..at + abi::RECORD_SIZE, kept * abi::RECORD_SIZE);
                kept += 1;
            }
        }
        self.count = kept;
    }

    /// The frame flags set so far.
    pub fn frame_flags(&self) -> u32 {
        self.frame_flags
    }

    /// Sets `WRITE_RESULT` on every record of `point` that is neither named nor a device status:
    /// the dispatcher's marking of the records that answer a write.
    pub(crate) fn mark_write_results(&mut self, point: u32) {
        for r in self.out[..self.count * abi::RECORD_SIZE].chunks_exact_mut(abi::RECORD_SIZE) {
            let p = u32::from_le_bytes([r[0], r[1], r[2], r[3]]);
            if p == point && r[5] & (abi::FLAG_NAMED | abi::FLAG_DEVICE_STATUS) == 0 {
                r[5] |= abi::FLAG_WRITE_RESULT;
            }
        }
    }

    /// A record for point `point` of the point map, host timestamp.
    #[inline]
    pub fn record(&mut self, point: u32, value: Value, quality: Quality) -> Result<(), Error> {
        self.push(point, 0, value, quality, 0)
    }

    /// `n` records for points of the point map, host timestamp, the `i`-th from `f(i)`: the
    /// driver's decode loop with the record writing inlined into it. The records go to `out` at a
    /// cursor kept in a local, and the count is updated once at the end: in a driver compiled to
    /// WebAssembly each load or store of the writer's own fields is a call into the host's memory,
    /// which `record` pays per record. Numbers, bools and nulls only (a text or bytes value is an
    /// `Error::Inval`; write those with [`Out::record`]). On an error from `f` no record of the
    /// batch is kept.
    #[inline]
    pub fn records_each<F>(&mut self, n: usize, mut f: F) -> Result<(), Error>
    where
        F: FnMut(usize) -> Result<(u32, Value<'static>, Quality), Error>,
    {
        let start = self.count * abi::RECORD_SIZE;
        let end = start + n * abi::RECORD_SIZE;
        if end > self.out.len() {
            return Err(self.out_full());
        }
        let buf = &mut self.out[start..end];
        for (i, r) in buf.chunks_exact_mut(abi::RECORD_SIZE).enumerate() {
            let (point, value, quality) = f(i)?;
            if !number_record(r, point, value, quality) {
                return Err(not_a_number(point));
            }
        }
        self.count += n;
        Ok(())
    }

    /// [`Out::records_each`] for a loop with no error message to make in it: `f(i)` gives the
    /// `i`-th record or `None` to stop the batch, and the result says where it stopped
    /// ([`Stopped::At`], also for a text or bytes value) or that `out` has no room for `n` more
    /// records ([`Stopped::Full`]; [`Out::full_error`] says it in words). Nothing of a stopped
    /// batch is kept. In a driver compiled to WebAssembly an `Error` (it owns a `String`) made
    /// inside such a loop goes through a shadow-stack frame that the function then sets up on
    /// every call; a `Stopped` stays in locals, and the caller turns it into its error out of line.
    #[inline]
    pub fn records_until<F>(&mut self, n: usize, mut f: F) -> Result<(), Stopped>
    where
        F: FnMut(usize) -> Option<(u32, Value<'static>, Quality)>,
    {
        let start = self.count * abi::RECORD_SIZE;
        let end = start + n * abi::RECORD_SIZE;
        if end > self.out.len() {
            return Err(Stopped::Full);
        }
        let buf = &mut self.out[start..end];
        for (i, r) in buf.chunks_exact_mut(abi::RECORD_SIZE).enumerate() {
            let (point, value, quality) = match f(i) {
                Some(record) => record,
                None => return Err(Stopped::At(i)),
            };
            if !number_record(r, point, value, quality) {
                return Err(Stopped::At(i));
            }
        }
        self.count += n;
        Ok(())
    }

    /// The `E_NOSPACE` error of a batch that does not fit `out` ([`Stopped::Full`]).
    #[cold]
    #[inline(never)]
    pub fn full_error(&self) -> Error {
        self.out_full()
    }

    /// A record carrying a timestamp from the device (flag `DEVICE_TS`).
    pub fn record_at(&mut self, point: u32, value: Value, quality: Quality, ts_us: i64) -> Result<(), Error> {
        self.push(point, abi::FLAG_DEVICE_TS, value, quality, ts_us)
    }

    /// A named record (discovery mode, ABI.md §6.2): the name goes to `blob` as u16 length + UTF-8.
    pub fn named(&mut self, name: &str, value: Value, quality: Quality) -> Result<(), Error> {
        if name.len() > u16::MAX as usize {
            return Err(Error::Inval(format!("record name of {} bytes is longer than 65535", name.len())));
        }
        let offset = self.blob_put(&(name.len() as u16).to_le_bytes(), name.as_bytes())?;
        self.push(offset, abi::FLAG_NAMED, value, quality, 0)
    }

    /// Sets the text `weir_last_error` returns after this call, e.g. why records are bad.
    pub fn set_last_error(&mut self, text: impl Into<String>) {
        self.last_error = Some(text.into());
    }

    pub fn count(&self) -> usize {
        self.count
    }

    pub fn blob_used(&self) -> usize {
        self.blob_used
    }

    pub(crate) fn has_last_error(&self) -> bool {
        self.last_error.is_some()
    }

    pub(crate) fn take_last_error(&mut self) -> Option<String> {
        self.last_error.take()
    }

    fn blob_put(&mut self, head: &[u8], body: &[u8]) -> Result<u32, Error> {
        let start = self.blob_used;
        let end = start + head.len() + body.len();
        if end > self.blob.len() {
            return Err(Error::NoSpace(format!("blob region full ({} bytes)", self.blob.len())));
        }
        self.blob[start..start + head.len()].copy_from_slice(head);
        self.blob[start + head.len()..end].copy_from_slice(body);
        self.blob_used = end;
        Ok(start as u32)
    }

    /// Writes one record. The common case (a number, bool or null value) is inlined into the
    /// driver's loop and ends in [`Out::put`]; text, bytes and the v1.0 rules for v1.1 flags are
    /// out of line, so that they do not weigh on it.
    #[inline]
    fn push(
        &mut self,
        point: u32,
        flags: u8,
        value: Value,
        quality: Quality,
        ts_us: i64,
    ) -> Result<(), Error> {
        if flags & (abi::FLAG_DEVICE_STATUS | abi::FLAG_WRITE_RESULT) != 0 && self.abi_minor < 1 {
            return self.push_v10(point, flags, value, quality, ts_us);
        }
        let (vtype, bits) = match value {
            Value::Null => (abi::VT_NULL, 0u64),
            Value::Bool(b) => (abi::VT_BOOL, b as u64),
            Value::I64(v) => (abi::VT_I64, v as u64),
            Value::U64(v) => (abi::VT_U64, v),
            Value::F64(v) => (abi::VT_F64, v.to_bits()),
            Value::Str(s) => return self.push_blob(point, flags, abi::VT_STR, s.as_bytes(), quality, ts_us),
            Value::Bytes(b) => return self.push_blob(point, flags, abi::VT_BYTES, b, quality, ts_us),
        };
        self.put(point, vtype, flags, quality.0, ts_us, bits)
    }

    /// ABI.md §3.3: a v1.0 host knows neither `DEVICE_STATUS` nor `WRITE_RESULT`; say what v1.0
    /// would say, or nothing.
    #[inline(never)]
    fn push_v10(
        &mut self,
        point: u32,
        mut flags: u8,
        value: Value,
        quality: Quality,
        ts_us: i64,
    ) -> Result<(), Error> {
        if flags & abi::FLAG_DEVICE_STATUS != 0 {
            return Ok(());
        }
        if quality.0 & 0x8000 == 0 {
            return Ok(());
        }
        flags &= !abi::FLAG_WRITE_RESULT;
        self.push(point, flags, value, quality, ts_us)
    }

    /// A record whose value lives in `blob` (ABI.md §6.1: u32 offset, then u32 length).
    #[inline(never)]
    fn push_blob(
        &mut self,
        point: u32,
        flags: u8,
        vtype: u8,
        bytes: &[u8],
        quality: Quality,
        ts_us: i64,
    ) -> Result<(), Error> {
        if self.count * abi::RECORD_SIZE + abi::RECORD_SIZE > self.out.len() {
            return Err(self.out_full());
        }
        let off = self.blob_put(&[], bytes)?;
        self.put(point, vtype, flags, quality.0, ts_us, off as u64 | (bytes.len() as u64) << 32)
    }

    /// The 24 bytes of ABI.md §6.1 as three little-endian u64 stores — `point`, `vtype`, `flags`
    /// and `quality` in the first — instead of one store per field: each store of a driver
    /// compiled to WebAssembly is a call into the host's memory, unless its JIT inlines it.
    #[inline]
    fn put(
        &mut self,
        point: u32,
        vtype: u8,
        flags: u8,
        quality: u16,
        ts_us: i64,
        bits: u64,
    ) -> Result<(), Error> {
        let at = self.count * abi::RECORD_SIZE;
        let r = match self.out.get_mut(at..at + abi::RECORD_SIZE) {
            Some(r) => r,
            None => return Err(self.out_full()),
        };
        let head =
            u64::from(point) | u64::from(vtype) << 32 | u64::from(flags) << 40 | u64::from(quality) << 48;
        r[0..8].copy_from_slice(&head.to_le_bytes());
        r[8..16].copy_from_slice(&ts_us.to_le_bytes());
        r[16..24].copy_from_slice(&bits.to_le_bytes());
        self.count += 1;
        Ok(())
    }

    #[cold]
    #[inline(never)]
    fn out_full(&self) -> Error {
        Error::NoSpace(format!("out region full ({} records)", self.out.len() / abi::RECORD_SIZE))
    }
}

/// Writes the record of a number, bool or null of point `point`, host timestamp, to `r` (24 bytes)
/// as three little-endian u64 stores; false for a text or bytes value (nothing written).
#[inline(always)]
fn number_record(r: &mut [u8], point: u32, value: Value, quality: Quality) -> bool {
    let (vtype, bits) = match value {
        Value::Null => (abi::VT_NULL, 0u64),
        Value::Bool(b) => (abi::VT_BOOL, b as u64),
        Value::I64(v) => (abi::VT_I64, v as u64),
        Value::U64(v) => (abi::VT_U64, v),
        Value::F64(v) => (abi::VT_F64, v.to_bits()),
        Value::Str(_) | Value::Bytes(_) => return false,
    };
    let head = u64::from(point) | u64::from(vtype) << 32 | u64::from(quality.0) << 48;
    let r: &mut [u8; abi::RECORD_SIZE] = r.try_into().expect("a record");
    r[0..8].copy_from_slice(&head.to_le_bytes());
    r[8..16].copy_from_slice(&0i64.to_le_bytes());
    r[16..24].copy_from_slice(&bits.to_le_bytes());
    true
}

/// Where [`Out::records_until`] stopped a batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stopped {
    /// `out` has no room for the batch; nothing was written.
    Full,
    /// At this record: its function gave `None`, or a text or bytes value.
    At(usize),
}

#[cold]
#[inline(never)]
fn not_a_number(point: u32) -> Error {
    Error::Inval(format!(
        "records_each writes numbers, bools and nulls; point {point} has a text or bytes value"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect::<Vec<_>>().join(" ")
    }

    // The byte examples of ABI.md §6.1 and §6.2.
    #[test]
    fn abi_byte_examples() {
        let mut out = [0u8; 72];
        let mut blob = [0u8; 64];
        let mut o = Out::new(&mut out, &mut blob);
        o.record(7, Value::F64(21.5), Quality::GOOD).unwrap();
        o.record(2, Value::U64(2), Quality::BAD_DEVICE).unwrap();
        o.named("input/7", Value::U64(513), Quality::GOOD).unwrap();
        assert_eq!(o.count(), 3);
        assert_eq!(o.blob_used(), 9);
        assert_eq!(
            hex(&out[0..24]),
            "07 00 00 00 04 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 80 35 40"
        );
        assert_eq!(
            hex(&out[24..48]),
            "02 00 00 00 03 00 03 80 00 00 00 00 00 00 00 00 02 00 00 00 00 00 00 00"
        );
        assert_eq!(
            hex(&out[48..72]),
            "00 00 00 00 03 01 00 00 00 00 00 00 00 00 00 00 01 02 00 00 00 00 00 00"
        );
        assert_eq!(hex(&blob[0..9]), "07 00 69 6e 70 75 74 2f 37");
    }

    // The v1.1 byte examples of ABI.md §6.3, and the same calls with agreed version 1.0.
    #[test]
    fn write_result_and_device_status() {
        let mut out = [0u8; 96];
        let mut blob = [0u8; 64];
        let mut o = Out::with_abi_minor(&mut out, &mut blob, 1);
        o.write_result(4, Value::U64(1000), Quality::GOOD).unwrap();
        o.device_status(Value::Null, Quality::BAD_COMM).unwrap();
        o.record(5, Value::U64(1), Quality::GOOD).unwrap();
        o.record(4, Value::U64(2), Quality::GOOD).unwrap();
        assert!(o.device_status(Value::F64(1.0), Quality::GOOD).is_err());
        o.mark_write_results(5);
        assert_eq!(o.count(), 4);
        assert_eq!(
            hex(&out[0..24]),
            "04 00 00 00 03 04 00 00 00 00 00 00 00 00 00 00 e8 03 00 00 00 00 00 00"
        );
        assert_eq!(
            hex(&out[24..48]),
            "00 00 00 00 00 08 01 80 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"
        );
        assert_eq!(out[48 + 5], abi::FLAG_WRITE_RESULT, "point 5 marked");
        assert_eq!(out[72 + 5], 0, "point 4's reading left alone");

        let mut out = [0u8; 48];
        let mut o = Out::new(&mut out, &mut blob);
        o.write_result(4, Value::U64(1000), Quality::GOOD).unwrap();
        o.device_status(Value::Null, Quality::BAD_COMM).unwrap();
        o.write_result(4, Value::U64(2), Quality::BAD_DEVICE).unwrap();
        assert_eq!(o.count(), 1, "v1.0: no record for a confirmed write, no device status");
        assert_eq!(
            hex(&out[0..24]),
            "04 00 00 00 03 00 03 80 00 00 00 00 00 00 00 00 02 00 00 00 00 00 00 00"
        );
    }

    // records_each writes the same bytes as record, keeps nothing of a failed batch and refuses
    // a batch that does not fit.
    #[test]
    fn records_each_is_record_in_a_batch() {
        let values = [Value::F64(21.5), Value::U64(2), Value::Bool(true), Value::I64(-3), Value::Null];
        let mut one = [0u8; 24 * 6];
        let mut blob = [0u8; 8];
        let mut o = Out::new(&mut one, &mut blob);
        o.record(9, Value::U64(1), Quality::GOOD).unwrap();
        for (i, v) in values.iter().enumerate() {
            o.record(i as u32 + 1, *v, Quality(i as u16)).unwrap();
        }
        let mut batch = [0u8; 24 * 6];
        let mut blob = [0u8; 8];
        let mut o = Out::new(&mut batch, &mut blob);
        o.record(9, Value::U64(1), Quality::GOOD).unwrap();
        let failed = o.records_each(5, |i| {
            if i == 3 {
                Err(Error::Proto("stop".into()))
            } else {
                Ok((i as u32 + 1, values[i], Quality(i as u16)))
            }
        });
        assert!(failed.is_err());
        assert_eq!(o.count(), 1, "nothing of a failed batch is kept");
        assert_eq!(
            o.records_each(6, |_| Ok((0, Value::Null, Quality::GOOD))).unwrap_err().code(),
            abi::E_NOSPACE
        );
        assert_eq!(
            o.records_each(1, |_| Ok((0, Value::Str("x"), Quality::GOOD))).unwrap_err().code(),
            abi::E_INVAL
        );
        o.records_each(5, |i| Ok((i as u32 + 1, values[i], Quality(i as u16)))).unwrap();
        assert_eq!(o.count(), 6);
        assert_eq!(hex(&batch), hex(&one));
    }

    // records_until writes the bytes records_each writes, keeps nothing of a stopped batch and
    // says where it stopped.
    #[test]
    fn records_until_is_records_each_with_a_stop() {
        let values = [Value::F64(21.5), Value::U64(2), Value::Bool(true), Value::I64(-3), Value::Null];
        let mut each = [0u8; 24 * 6];
        let mut blob = [0u8; 8];
        let mut o = Out::new(&mut each, &mut blob);
        o.record(9, Value::U64(1), Quality::GOOD).unwrap();
        o.records_each(5, |i| Ok((i as u32 + 1, values[i], Quality(i as u16)))).unwrap();
        let mut until = [0u8; 24 * 6];
        let mut blob = [0u8; 8];
        let mut o = Out::new(&mut until, &mut blob);
        o.record(9, Value::U64(1), Quality::GOOD).unwrap();
        let stopped = o.records_until(5, |i| {
            if i == 3 {
                None
            } else {
                Some((i as u32 + 1, values[i], Quality(i as u16)))
            }
        });
        assert_eq!(stopped, Err(Stopped::At(3)));
        assert_eq!(o.count(), 1, "nothing of a stopped batch is kept");
        assert_eq!(o.records_until(6, |_| Some((0, Value::Null, Quality::GOOD))), Err(Stopped::Full));
        assert_eq!(o.full_error().code(), abi::E_NOSPACE);
        assert_eq!(
            o.records_until(2, |i| Some((
                0,
                if i == 1 { Value::Str("x") } else { Value::Null },
                Quality::GOOD
            ))),
            Err(Stopped::At(1))
        );
        assert_eq!(o.count(), 1);
        assert_eq!(o.records_until(5, |i| Some((i as u32 + 1, values[i], Quality(i as u16)))), Ok(()));
        assert_eq!(o.count(), 6);
        assert_eq!(hex(&until), hex(&each));
    }

    #[test]
    fn full_regions_are_nospace() {
        let mut out = [0u8; 24];
        let mut blob = [0u8; 4];
        let mut o = Out::new(&mut out, &mut blob);
        assert_eq!(o.named("abc", Value::Null, Quality::BAD).unwrap_err().code(), abi::E_NOSPACE);
        o.record(0, Value::Bool(true), Quality::GOOD).unwrap();
        assert_eq!(o.record(1, Value::Null, Quality::BAD).unwrap_err().code(), abi::E_NOSPACE);
        let mut tx_buf = [0u8; 2];
        let mut tx = Tx::new(&mut tx_buf);
        tx.put_u16_be(0x0102).unwrap();
        assert!(tx.put_u8(3).is_err());
        assert_eq!(tx.put_array([3]).unwrap_err().code(), abi::E_NOSPACE);
        assert_eq!(tx.bytes(), &[1, 2]);
        let mut tx_buf = [0u8; 4];
        let mut tx = Tx::new(&mut tx_buf);
        tx.put_array([1, 2, 3]).unwrap();
        assert_eq!(tx.bytes(), &[1, 2, 3]);
        let mut tx_buf = [0u8; 13];
        let mut tx = Tx::new(&mut tx_buf);
        tx.put_u8(9).unwrap();
        tx.put_words(0x0807_0605_0403_0201, 0x0C0B_0A09).unwrap();
        assert_eq!(tx.bytes(), &[9, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
        assert_eq!(tx.put_words(0, 0).unwrap_err().code(), abi::E_NOSPACE);
        let mut tx_buf = [0u8; 12];
        let mut tx = Tx::new(&mut tx_buf);
        tx.put_u8(9).unwrap();
        assert_eq!(
            tx.put_words(0, 0).unwrap_err().code(),
            abi::E_NOSPACE,
            "12 bytes after one do not fit 12"
        );
        assert_eq!(tx.len(), 1);
    }
}
