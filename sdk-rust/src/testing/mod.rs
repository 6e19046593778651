//! Native test harness: a host simulation that drives a [`Driver`] through the very dispatcher
//! the wasm exports use ([`Instance`]), reading the layout and exchanging bytes through the
//! regions, plus a runner for golden vector files (`driver-abi/VECTORS.md`).
//!
//! ```ignore
//! #[test]
//! fn vectors() {
//!     weir_sdk::testing::assert_vector_dir::<MyDriver>(concat!(env!("CARGO_MANIFEST_DIR"), "/vectors"));
//! }
//! ```

pub mod json;
mod module;

pub use module::{assert_module_file, check_module, HOST_CAP_PAGES, MAX_PAGES};

use crate::abi::{self, Quality};
use crate::can::{self, CanFrame};
use crate::config::Config;
use crate::dispatch::{self, Instance};
use crate::driver::Driver;
use json::Json;
use std::fmt;
use std::fmt::Write as _;
use std::path::Path;

/// `now_us` of every vector step (VECTORS.md).
pub const VECTOR_NOW_US: i64 = 1_700_000_000_000_000;

/// A region as the host reads it from the layout: (address, capacity).
#[derive(Clone, Copy, Debug)]
struct Region {
    at: usize,
    cap: usize,
}

/// A failed call: the ABI error code and the driver's `weir_last_error` text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub code: i32,
    pub last_error: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}): {:?}", abi::error_name(self.code), self.code, self.last_error)
    }
}

/// A decoded record value.
#[derive(Clone, Debug, PartialEq)]
pub enum RecordValue {
    Null,
    Bool(bool),
    I64(i64),
    U64(u64),
    F64(f64),
    Str(String),
    Bytes(Vec<u8>),
    /// A value type this harness does not know, with its raw bits.
    Unknown(u8, u64),
}

impl RecordValue {
    pub fn type_name(&self) -> &'static str {
        match self {
            RecordValue::Null => "null",
            RecordValue::Bool(_) => "bool",
            RecordValue::I64(_) => "i64",
            RecordValue::U64(_) => "u64",
            RecordValue::F64(_) => "f64",
            RecordValue::Str(_) => "str",
            RecordValue::Bytes(_) => "bytes",
            RecordValue::Unknown(..) => "unknown",
        }
    }
}

/// A record read back from `out` (and `blob`), ABI.md §6.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    /// The point index, unless the record is named.
    pub point: Option<u32>,
    /// The name of a named record (§6.2).
    pub name: Option<String>,
    pub value: RecordValue,
    pub quality: Quality,
    pub flags: u8,
    pub ts_us: i64,
}

impl fmt::Display for Record {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.name, self.point) {
            _ if self.flags & abi::FLAG_DEVICE_STATUS != 0 => write!(f, "{{device status, ")?,
            (Some(n), _) => write!(f, "{{name {n:?}, ")?,
            (None, Some(p)) => write!(f, "{{point {p}, ")?,
            _ => write!(f, "{{")?,
        }
        let v = match &self.value {
            RecordValue::Null => "null".to_string(),
            RecordValue::Bool(b) => b.to_string(),
            RecordValue::I64(v) => v.to_string(),
            RecordValue::U64(v) => v.to_string(),
            RecordValue::F64(v) => format!("{v:?}"),
            RecordValue::Str(s) => format!("{s:?}"),
            RecordValue::Bytes(b) => to_hex(b),
            RecordValue::Unknown(t, bits) => format!("vtype {t} bits {bits:#x}"),
        };
        let result = if self.flags & abi::FLAG_WRITE_RESULT != 0 { ", write result" } else { "" };
        write!(f, "{} {v}, {}{result}}}", self.value.type_name(), self.quality.name())
    }
}

/// What a poll or write put into `tx`, with the meta fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sent {
    pub bytes: Vec<u8>,
    pub expect: bool,
    pub timeout_ms: i32,
}

/// The answer of `weir_on_bytes` (ABI.md §7.13) read back from the return value and meta.
#[derive(Clone, Debug, PartialEq)]
pub enum BytesDecoded {
    /// A frame of `len` bytes was decoded into `records`.
    Decoded { len: usize, records: Vec<Record> },
    /// `E_PARTIAL`: no complete frame yet; `meta.need`.
    Partial { need: usize },
    /// `E_RESYNC`: drop `meta.skip` bytes.
    Resync { skip: usize },
}

/// The framing answer read back from the return value and meta.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing {
    Complete(usize),
    NeedMore { need: usize },
    Resync { skip: usize },
}

/// The answer of `weir_frame_end` read back from the return value and meta (ABI.md §7.10).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameEnding {
    Frame(usize),
    Discard,
    Resync { skip: usize },
}

/// A simulated host around one driver instance. It checks the layout as the Weir host does and
/// then talks to the driver only through the regions and the `weir_*` entry points.
pub struct Host<D: Driver> {
    inst: Instance<D>,
    meta_at: usize,
    cfg: Region,
    rx: Region,
    tx: Region,
    out: Region,
    blob: Region,
    state: Region,
    err: Region,
}

fn to_hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Decodes lower-case (or upper-case) hex without separators.
pub fn from_hex(s: &str) -> Result<Vec<u8>, String> {
    if s.len() % 2 != 0 {
        return Err(format!("hex string of odd length {}", s.len()));
    }
    (0..s.len())
        .step_by(2)
        .map(|i| {
            u8::from_str_radix(&s[i..i + 2], 16)
                .map_err(|_| format!("invalid hex \"{}\" at {i}", &s[i..i + 2]))
        })
        .collect()
}

fn u32_at(mem: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([mem[at], mem[at + 1], mem[at + 2], mem[at + 3]])
}

impl<D: Driver> Host<D> {
    /// Instantiates the driver and validates its layout as ABI.md §4 demands.
    pub fn new() -> Result<Host<D>, String> {
        let mut inst = Instance::<D>::new();
        let at = inst.layout() as usize;
        let mem = inst.memory();
        let mem_len = mem.len();
        if u32_at(mem, at) != abi::LAYOUT_MAGIC {
            return Err(format!("layout magic is {:#x}, want {:#x}", u32_at(mem, at), abi::LAYOUT_MAGIC));
        }
        if u32_at(mem, at + 4) as usize != abi::LAYOUT_SIZE {
            return Err(format!("layout size is {}", u32_at(mem, at + 4)));
        }
        let region = |i: usize| Region {
            at: u32_at(mem, at + 8 + 8 * i) as usize,
            cap: u32_at(mem, at + 12 + 8 * i) as usize,
        };
        let regions = [region(0), region(1), region(2), region(3), region(4), region(5), region(6)];
        let names = ["cfg", "rx", "tx", "out", "blob", "state", "err"];
        let mins = [
            abi::MIN_CFG_CAP,
            abi::MIN_RX_CAP,
            abi::MIN_TX_CAP,
            abi::MIN_OUT_CAP,
            abi::MIN_BLOB_CAP,
            0,
            abi::MIN_ERR_CAP,
        ];
        let mut spans = vec![(at, at + abi::LAYOUT_SIZE + abi::META_SIZE, "layout+meta")];
        for ((r, name), min) in regions.iter().zip(names).zip(mins) {
            if r.cap < min {
                return Err(format!("{name}_cap {} is below the minimum {min}", r.cap));
            }
            if r.at + r.cap > mem_len {
                return Err(format!("{name} region ends at {} beyond memory ({mem_len})", r.at + r.cap));
            }
            spans.push((r.at, r.at + r.cap, name));
        }
        if regions[3].at % 8 != 0 || regions[3].cap % abi::RECORD_SIZE != 0 {
            return Err("out must be 8-byte aligned and a multiple of 24 bytes".into());
        }
        spans.sort();
        for w in spans.windows(2) {
            if w[0].1 > w[1].0 && w[1].1 > w[1].0 {
                return Err(format!("regions {} and {} overlap", w[0].2, w[1].2));
            }
        }
        Ok(Host {
            inst,
            meta_at: at + abi::LAYOUT_SIZE,
            cfg: regions[0],
            rx: regions[1],
            tx: regions[2],
            out: regions[3],
            blob: regions[4],
            state: regions[5],
            err: regions[6],
        })
    }

    /// The instance under test (e.g. for `open_devices`).
    pub fn instance(&mut self) -> &mut Instance<D> {
        &mut self.inst
    }

    /// `weir_abi_version` (ABI.md §3.3).
    pub fn abi_version(&self) -> i32 {
        dispatch::abi_version::<D>()
    }

    /// `weir_host_abi(version)`: the agreed version, or the negative return.
    pub fn host_abi(&mut self, version: i32) -> i32 {
        self.inst.host_abi(version)
    }

    /// `meta.corr` (ABI.md §7.12), as the last call left it.
    pub fn corr(&mut self) -> u32 {
        self.meta(abi::META_CORR) as u32
    }

    /// `meta.frame_flags` (ABI.md §7.3), as the last `weir_on_frame` left it.
    pub fn frame_flags(&mut self) -> u32 {
        self.meta(abi::META_FRAME_FLAGS) as u32
    }

    /// `weir_link_up` (ABI.md §7.9).
    pub fn link_up(&mut self, dev: i32, now_us: i64) -> Result<(), Failure> {
        match self.inst.link_up(dev, now_us) {
            0 => Ok(()),
            code => Err(self.fail(dev, code)),
        }
    }

    /// `weir_frame_end` over `bytes` placed in `rx` (ABI.md §7.10).
    pub fn frame_end(&mut self, dev: i32, bytes: &[u8]) -> Result<FrameEnding, Failure> {
        self.put(self.rx, bytes)?;
        match self.inst.frame_end(dev, bytes.len() as i32) {
            n if n > 0 && n as usize <= bytes.len() => Ok(FrameEnding::Frame(n as usize)),
            n if n > 0 => Err(Failure {
                code: abi::E_INTERNAL,
                last_error: format!(
                    "harness: frame_end returned {n} > {} pending (a violation)",
                    bytes.len()
                ),
            }),
            0 => Ok(FrameEnding::Discard),
            abi::E_RESYNC => Ok(FrameEnding::Resync { skip: self.meta(abi::META_SKIP) as usize }),
            code => Err(self.fail(dev, code)),
        }
    }

    /// `weir_tick` (ABI.md §7.11).
    pub fn tick(&mut self, dev: i32, now_us: i64) -> Result<Vec<Record>, Failure> {
        let n = self.inst.tick(dev, now_us);
        self.records(dev, n)
    }

    fn meta(&mut self, field: usize) -> i32 {
        let at = self.meta_at + field;
        u32_at(self.inst.memory(), at) as i32
    }

    fn put(&mut self, r: Region, bytes: &[u8]) -> Result<(), Failure> {
        if bytes.len() > r.cap {
            return Err(Failure {
                code: abi::E_INVAL,
                last_error: format!("harness: {} bytes exceed the region ({})", bytes.len(), r.cap),
            });
        }
        self.inst.memory()[r.at..r.at + bytes.len()].copy_from_slice(bytes);
        Ok(())
    }

    fn read(&mut self, r: Region, len: usize) -> Vec<u8> {
        self.inst.memory()[r.at..r.at + len.min(r.cap)].to_vec()
    }

    fn fail(&mut self, dev: i32, code: i32) -> Failure {
        Failure { code, last_error: self.last_error(dev).unwrap_or_default() }
    }

    /// `weir_last_error`; `None` for an unknown device.
    pub fn last_error(&mut self, dev: i32) -> Option<String> {
        let n = self.inst.last_error(dev);
        if n < 0 {
            return None;
        }
        let bytes = self.read(self.err, n as usize);
        Some(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// `weir_describe`: the manifest JSON.
    pub fn describe(&mut self) -> Result<String, Failure> {
        let n = self.inst.describe();
        if n < 0 {
            return Err(Failure { code: n, last_error: String::new() });
        }
        Ok(String::from_utf8_lossy(&self.read(self.blob, n as usize)).into_owned())
    }

    /// `weir_open` with `config` in `cfg`.
    pub fn open(&mut self, dev: i32, config: &str, now_us: i64) -> Result<(), Failure> {
        self.put(self.cfg, config.as_bytes())?;
        match self.inst.open(dev, config.len() as i32, now_us) {
            0 => Ok(()),
            code => Err(self.fail(dev, code)),
        }
    }

    /// `weir_close`.
    pub fn close(&mut self, dev: i32) -> Result<(), Failure> {
        match self.inst.close(dev) {
            0 => Ok(()),
            code => Err(Failure { code, last_error: String::new() }),
        }
    }

    fn sent(&mut self, dev: i32, n: i32) -> Result<Option<Sent>, Failure> {
        if n < 0 {
            return Err(self.fail(dev, n));
        }
        if n as usize > self.tx.cap {
            return Err(Failure {
                code: abi::E_INTERNAL,
                last_error: format!("harness: returned length {n} exceeds tx"),
            });
        }
        if n == 0 {
            return Ok(None);
        }
        let bytes = self.read(self.tx, n as usize);
        Ok(Some(Sent { bytes, expect: self.meta(0) != 0, timeout_ms: self.meta(4) }))
    }

    /// `weir_poll`: the next request, or `None` at the end of the cycle.
    pub fn poll(&mut self, dev: i32, now_us: i64) -> Result<Option<Sent>, Failure> {
        let n = self.inst.poll(dev, now_us);
        self.sent(dev, n)
    }

    /// `weir_write` of a raw (vtype, value) pair.
    pub fn write(
        &mut self,
        dev: i32,
        point: i32,
        vtype: u8,
        value: i64,
        now_us: i64,
    ) -> Result<Sent, Failure> {
        let n = self.inst.write(dev, point, vtype as i32, value, now_us);
        match self.sent(dev, n)? {
            Some(s) => Ok(s),
            None => {
                Err(Failure { code: abi::E_INTERNAL, last_error: "harness: write returned 0 bytes".into() })
            }
        }
    }

    /// `weir_write` of a `STR` or `BYTES` value: the bytes go to `cfg[0..]` and `value` carries
    /// their offset (0, low 32 bits) and length (high 32 bits), ABI.md §7.6.
    pub fn write_blob(
        &mut self,
        dev: i32,
        point: i32,
        vtype: u8,
        bytes: &[u8],
        now_us: i64,
    ) -> Result<Sent, Failure> {
        self.put(self.cfg, bytes)?;
        self.write(dev, point, vtype, (bytes.len() as i64) << 32, now_us)
    }

    /// `weir_frame_len` over `bytes` placed in `rx`.
    pub fn frame_len(&mut self, dev: i32, bytes: &[u8]) -> Result<Framing, Failure> {
        self.put(self.rx, bytes)?;
        let n = self.inst.frame_len(dev, bytes.len() as i32);
        match n {
            n if n > 0 => Ok(Framing::Complete(n as usize)),
            0 => Ok(Framing::NeedMore { need: self.meta(12) as usize }),
            abi::E_RESYNC => Ok(Framing::Resync { skip: self.meta(8) as usize }),
            code => Err(self.fail(dev, code)),
        }
    }

    fn records(&mut self, dev: i32, n: i32) -> Result<Vec<Record>, Failure> {
        if n < 0 {
            return Err(self.fail(dev, n));
        }
        let n = n as usize;
        if n * abi::RECORD_SIZE > self.out.cap {
            return Err(Failure {
                code: abi::E_INTERNAL,
                last_error: format!("harness: {n} records exceed out"),
            });
        }
        let blob_used = self.meta(16) as usize;
        let out = self.read(self.out, n * abi::RECORD_SIZE);
        let blob = self.read(self.blob, blob_used);
        let blob_str = |off: usize, len: usize| -> Result<Vec<u8>, Failure> {
            blob.get(off..off + len).map(|b| b.to_vec()).ok_or(Failure {
                code: abi::E_INTERNAL,
                last_error: format!("harness: blob reference {off}+{len} beyond blob_used {blob_used}"),
            })
        };
        let mut records = Vec::with_capacity(n);
        for r in out.chunks_exact(abi::RECORD_SIZE) {
            let point = u32_at(r, 0);
            let vtype = r[4];
            let flags = r[5];
            let quality = Quality(u16::from_le_bytes([r[6], r[7]]));
            let ts_us = i64::from_le_bytes(r[8..16].try_into().unwrap());
            let bits = u64::from_le_bytes(r[16..24].try_into().unwrap());
            let (off, len) = ((bits & 0xffff_ffff) as usize, (bits >> 32) as usize);
            let value = match vtype {
                abi::VT_NULL => RecordValue::Null,
                abi::VT_BOOL => RecordValue::Bool(bits & 1 == 1),
                abi::VT_I64 => RecordValue::I64(bits as i64),
                abi::VT_U64 => RecordValue::U64(bits),
                abi::VT_F64 => RecordValue::F64(f64::from_bits(bits)),
                abi::VT_STR => RecordValue::Str(String::from_utf8_lossy(&blob_str(off, len)?).into_owned()),
                abi::VT_BYTES => RecordValue::Bytes(blob_str(off, len)?),
                t => RecordValue::Unknown(t, bits),
            };
            let (point, name) = if flags & abi::FLAG_NAMED != 0 {
                let off = point as usize;
                let head = blob_str(off, 2)?;
                let len = u16::from_le_bytes([head[0], head[1]]) as usize;
                (None, Some(String::from_utf8_lossy(&blob_str(off + 2, len)?).into_owned()))
            } else {
                (Some(point), None)
            };
            records.push(Record { point, name, value, quality, flags, ts_us });
        }
        Ok(records)
    }

    /// `weir_on_frame` over `frame` placed in `rx`.
    pub fn on_frame(&mut self, dev: i32, frame: &[u8], now_us: i64) -> Result<Vec<Record>, Failure> {
        self.put(self.rx, frame)?;
        let n = self.inst.on_frame(dev, frame.len() as i32, now_us);
        self.records(dev, n)
    }

    /// `weir_on_bytes` (ABI.md §7.13, v1.2) over `bytes` placed in `rx`: the frame it decoded with
    /// its records, or the framing answer when it found none to decode.
    pub fn on_bytes(&mut self, dev: i32, bytes: &[u8], now_us: i64) -> Result<BytesDecoded, Failure> {
        self.put(self.rx, bytes)?;
        let n = self.inst.on_bytes(dev, bytes.len() as i32, now_us);
        let need = self.meta(abi::META_NEED);
        match n {
            abi::E_PARTIAL => Ok(BytesDecoded::Partial { need: need as usize }),
            abi::E_RESYNC => Ok(BytesDecoded::Resync { skip: self.meta(abi::META_SKIP) as usize }),
            n if need < 0 || need as usize > bytes.len() || (n >= 0 && need == 0) => Err(Failure {
                code: abi::E_INTERNAL,
                last_error: format!(
                    "harness: weir_on_bytes returned {n} with meta.need {need} for {} bytes",
                    bytes.len()
                ),
            }),
            n => Ok(BytesDecoded::Decoded { len: need as usize, records: self.records(dev, n)? }),
        }
    }

    /// `meta.req_flags` (ABI.md §7.1, v1.2), as the last `weir_poll` left it.
    pub fn req_flags(&mut self) -> u32 {
        self.meta(abi::META_REQ_FLAGS) as u32
    }

    /// `weir_on_timeout`.
    pub fn on_timeout(&mut self, dev: i32, now_us: i64) -> Result<Vec<Record>, Failure> {
        let n = self.inst.on_timeout(dev, now_us);
        self.records(dev, n)
    }

    /// `weir_observe` of a recorded request placed in `rx`.
    pub fn observe(&mut self, dev: i32, request: &[u8]) -> Result<(), Failure> {
        self.put(self.rx, request)?;
        match self.inst.observe(dev, request.len() as i32) {
            0 => Ok(()),
            code => Err(self.fail(dev, code)),
        }
    }

    /// `weir_save_state`: the payload.
    pub fn save_state(&mut self, dev: i32) -> Result<Vec<u8>, Failure> {
        let n = self.inst.save_state(dev);
        if n < 0 {
            return Err(self.fail(dev, n));
        }
        Ok(self.read(self.state, n as usize))
    }

    /// `weir_load_state` with `payload` in `state`.
    pub fn load_state(&mut self, dev: i32, payload: &[u8]) -> Result<(), Failure> {
        self.put(self.state, payload)?;
        match self.inst.load_state(dev, payload.len() as i32) {
            0 => Ok(()),
            code => Err(self.fail(dev, code)),
        }
    }
}

/// The outcome of one vector file.
#[derive(Debug, Default)]
pub struct Report {
    pub file: String,
    /// Names of the vectors that passed.
    pub passed: Vec<String>,
    /// One message per failed vector: vector name, step index, expected vs actual.
    pub failures: Vec<String>,
}

/// Runs every vector of `path` against `D`, each on a fresh instance.
pub fn run_vector_file<D: Driver>(path: impl AsRef<Path>) -> Report {
    let path = path.as_ref();
    let mut report = Report { file: path.display().to_string(), ..Report::default() };
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            report.failures.push(format!("{}: cannot read: {e}", report.file));
            return report;
        }
    };
    let doc = match json::parse(&text) {
        Ok(d) => d,
        Err(e) => {
            report.failures.push(format!("{}: {e}", report.file));
            return report;
        }
    };
    if let Err(e) = check_file::<D>(&doc) {
        report.failures.push(format!("{}: {e}", report.file));
        return report;
    }
    let vectors = match doc.get("vectors").and_then(Json::as_arr) {
        Some(v) => v,
        None => {
            report.failures.push(format!("{}: no \"vectors\" array", report.file));
            return report;
        }
    };
    let mut seen: Vec<&str> = Vec::new();
    for (i, v) in vectors.iter().enumerate() {
        let name = v.get("name").and_then(Json::as_str).unwrap_or("");
        let label = format!("{}: vector {i} {name:?}", report.file);
        if name.is_empty() {
            report.failures.push(format!("{label}: missing \"name\""));
            continue;
        }
        if seen.contains(&name) {
            report.failures.push(format!("{label}: name is not unique in the file"));
            continue;
        }
        seen.push(name);
        match run_vector::<D>(v) {
            Ok(()) => report.passed.push(name.to_string()),
            Err(e) => report.failures.push(format!("{label}: {e}")),
        }
    }
    report
}

/// Runs one vector file and panics with every failure; returns the number of vectors passed.
pub fn assert_vector_file<D: Driver>(path: impl AsRef<Path>) -> usize {
    let report = run_vector_file::<D>(path);
    println!("{}: {} vectors passed, {} failed", report.file, report.passed.len(), report.failures.len());
    if !report.failures.is_empty() {
        panic!(
            "{} of {} vectors failed:\n{}",
            report.failures.len(),
            report.failures.len() + report.passed.len(),
            report.failures.join("\n\n")
        );
    }
    report.passed.len()
}

/// Runs every `*.json` file of `dir` (sorted) and panics with every failure.
pub fn assert_vector_dir<D: Driver>(dir: impl AsRef<Path>) -> usize {
    let dir = dir.as_ref();
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list vector directory {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().map_or(false, |x| x == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no *.json vector files in {}", dir.display());
    let mut passed = 0;
    let mut failures = Vec::new();
    for f in &files {
        let r = run_vector_file::<D>(f);
        println!("{}: {} vectors passed, {} failed", r.file, r.passed.len(), r.failures.len());
        passed += r.passed.len();
        failures.extend(r.failures);
    }
    if !failures.is_empty() {
        panic!("{} vectors failed ({passed} passed):\n{}", failures.len(), failures.join("\n\n"));
    }
    passed
}

/// VECTORS.md: a file has `driver` (the manifest name) and `vectors`, nothing else.
fn check_file<D: Driver>(doc: &Json) -> Result<(), String> {
    check_keys(doc, &["driver", "vectors"], "file")?;
    let driver = doc.get("driver").and_then(Json::as_str).ok_or("missing string \"driver\"")?;
    let mut host = Host::<D>::new().map_err(|e| format!("layout: {e}"))?;
    let manifest = host.describe().map_err(|f| format!("weir_describe failed with {f}"))?;
    let manifest = json::parse(&manifest).map_err(|e| format!("manifest is not JSON: {e}"))?;
    let name = manifest.get("name").and_then(Json::as_str).unwrap_or("");
    if driver != name {
        return Err(format!("\"driver\" is {driver:?}, but the driver's manifest name is {name:?}"));
    }
    Ok(())
}

fn check_keys(obj: &Json, allowed: &[&str], what: &str) -> Result<(), String> {
    if !matches!(obj, Json::Obj(_)) {
        return Err(format!("{what} must be a JSON object, not {}", obj.to_text()));
    }
    // Duplicate keys never get here: json::parse rejects them.
    for k in obj.keys() {
        if !allowed.contains(&k) {
            return Err(format!("{what}: unknown field \"{k}\" (allowed: {})", allowed.join(", ")));
        }
    }
    Ok(())
}

/// VECTORS.md's text form of bytes: each character is one byte, U+0000 to U+00FF (JSON escapes
/// such as `\r\n` or `\u0002` give control bytes); a character above U+00FF is refused, so that
/// a byte count never depends on an encoding.
fn text_field(step: &Json, key: &str) -> Result<Vec<u8>, String> {
    let s = step.get(key).and_then(Json::as_str).ok_or_else(|| format!("\"{key}\" must be a string"))?;
    s.chars()
        .enumerate()
        .map(|(i, c)| {
            u8::try_from(u32::from(c)).map_err(|_| {
                format!(
                    "\"{key}\" character {i} is U+{:04X}, above U+00FF (in the text form each character is \
                     one byte; write other bytes with \\u00XX escapes or as \"hex\")",
                    u32::from(c)
                )
            })
        })
        .collect()
}

/// Bytes in the text form, escaped as JSON would, for messages about text steps.
fn as_text(bytes: &[u8]) -> String {
    let mut s = String::from("\"");
    for &b in bytes {
        match b {
            b'\n' => s.push_str("\\n"),
            b'\r' => s.push_str("\\r"),
            b'\t' => s.push_str("\\t"),
            b'"' => s.push_str("\\\""),
            b'\\' => s.push_str("\\\\"),
            0x20..=0x7e => s.push(char::from(b)),
            _ => {
                let _ = write!(s, "\\u{b:04x}");
            }
        }
    }
    s.push('"');
    s
}

/// A step's `hex` or `text` input (exactly one).
fn bytes_input(step: &Json) -> Result<Vec<u8>, String> {
    match (step.get("hex"), step.get("text")) {
        (Some(_), None) => hex_field(step, "hex"),
        (None, Some(_)) => text_field(step, "text"),
        (Some(_), Some(_)) => Err("a step has one of \"hex\", \"text\" and \"can\", not more".into()),
        (None, None) => Err("missing string \"hex\"".into()),
    }
}

fn hex_field(step: &Json, key: &str) -> Result<Vec<u8>, String> {
    let s = step.get(key).and_then(Json::as_str).ok_or_else(|| format!("missing string \"{key}\""))?;
    from_hex(s).map_err(|e| format!("\"{key}\": {e}"))
}

fn error_field(obj: &Json, key: &str) -> Result<Option<i32>, String> {
    match obj.get(key) {
        None => Ok(None),
        Some(Json::Str(name)) => abi::error_code(name)
            .map(Some)
            .ok_or_else(|| format!("\"{key}\": unknown ABI error name {name:?}")),
        Some(other) => Err(format!("\"{key}\" must be a string, not {}", other.to_text())),
    }
}

fn expected_error(step: &Json) -> Result<Option<i32>, String> {
    error_field(step, "expect_error")
}

/// An optional non-negative integer field.
fn uint_field(obj: &Json, key: &str) -> Result<Option<u64>, String> {
    match obj.get(key) {
        None => Ok(None),
        Some(v) => v.as_u64().map(Some).ok_or_else(|| format!("\"{key}\" must be a non-negative integer")),
    }
}

/// Compares an outcome that may be an error against `expect_error`.
fn check_error<T>(got: Result<T, Failure>, want: Option<i32>) -> Result<Option<T>, String> {
    match (got, want) {
        (Ok(v), None) => Ok(Some(v)),
        (Ok(_), Some(code)) => Err(format!("expected {}, but the call succeeded", abi::error_name(code))),
        (Err(f), None) => Err(format!("call failed with {f}")),
        (Err(f), Some(code)) if f.code == code => Ok(None),
        (Err(f), Some(code)) => Err(format!("expected {}, got {f}", abi::error_name(code))),
    }
}

const DEV: i32 = 0;

/// VECTORS.md: the checks of a successful call, which `expect_error` excludes.
const SUCCESS_CHECKS: [&str; 10] = [
    "expect",
    "expect_hex",
    "expect_text",
    "expect_len",
    "expect_need",
    "expect_timeout_ms",
    "expect_can",
    "expect_corr",
    "expect_frame_flags",
    "expect_response",
];

/// One vector's run: the instance under test, and what `reopen_with_state` needs.
struct Run<D: Driver> {
    host: Host<D>,
    config: String,
    /// The payload of the last successful `save_state` step.
    saved: Option<Vec<u8>>,
    /// The minor version of the host the runner plays (`host_abi`).
    host_minor: u16,
    /// The agreed minor version (ABI §3.3).
    agreed: u16,
    /// `now_us` of the current step (`at_ms`).
    now_us: i64,
    /// Point lines of the config, for the point-index check (ABI §9).
    points: usize,
}

/// `"1.0"` / `"1.1"` / `"1.2"` → the minor version.
fn minor_field(v: &Json, key: &str) -> Result<Option<u16>, String> {
    match v.get(key) {
        None => Ok(None),
        Some(Json::Str(s)) if s == "1.0" => Ok(Some(0)),
        Some(Json::Str(s)) if s == "1.1" => Ok(Some(1)),
        Some(Json::Str(s)) if s == "1.2" => Ok(Some(2)),
        Some(other) => Err(format!("\"{key}\" must be \"1.0\", \"1.1\" or \"1.2\", not {}", other.to_text())),
    }
}

/// A fresh instance as a host of minor `host_minor` makes it: the layout check, then (1.1)
/// `weir_host_abi` with the checks of ABI §3.3. Returns the agreed minor version.
fn new_host<D: Driver>(host_minor: u16) -> Result<(Host<D>, u16), String> {
    let mut host = Host::<D>::new().map_err(|e| format!("layout: {e}"))?;
    let version = host.abi_version();
    let driver_minor = (version & 0xffff) as u16;
    if version >> 16 != 1 || driver_minor > host_minor {
        return Err(format!(
            "weir_abi_version is {version:#010x}: a v1.{host_minor} host refuses this driver (driver needs ABI 1.{driver_minor}, host speaks 1.{host_minor})"
        ));
    }
    if host_minor < 1 {
        return Ok((host, 0));
    }
    let host_version = (1 << 16) | i32::from(host_minor);
    let agreed = host.host_abi(host_version);
    let agreed_minor = (agreed & 0xffff) as u16;
    if agreed < 0 || agreed >> 16 != 1 || agreed_minor < driver_minor || agreed_minor > host_minor {
        return Err(format!(
            "weir_host_abi({host_version:#010x}) returned {agreed:#x}; the agreed version must be 1.{driver_minor} to 1.{host_minor} (ABI §3.3)"
        ));
    }
    Ok((host, agreed_minor))
}

/// VECTORS.md: with agreed 1.1 the config ends its device line with the host keys, `weir.transport`
/// among them; with 1.0 it holds no `weir.` key.
fn check_host_keys(config: &str, agreed: u16) -> Result<(), String> {
    let device = config.lines().next().unwrap_or("");
    let keys: Vec<&str> = device.split(' ').skip(1).map(|p| p.split('=').next().unwrap_or("")).collect();
    let host_at = keys.iter().position(|k| k.starts_with(abi::HOST_KEY_PREFIX));
    if agreed >= 1 {
        if !keys.contains(&abi::HOST_KEY_TRANSPORT) {
            return Err(format!(
                "the agreed version is 1.1, but the config's device line lacks the host key {} a v1.1 host adds (ABI §5.1)",
                abi::HOST_KEY_TRANSPORT
            ));
        }
        if let Some(at) = host_at {
            if keys[at..].iter().any(|k| !k.starts_with(abi::HOST_KEY_PREFIX)) {
                return Err("the host keys come last on the device line (ABI §5.1)".into());
            }
        }
    } else if config.split(|c| c == ' ' || c == '\n').any(|w| w.starts_with(abi::HOST_KEY_PREFIX)) {
        return Err(
            "the agreed version is 1.0, but the config holds a weir. key (a v1.0 host adds none, ABI §5.1)"
                .into(),
        );
    }
    Ok(())
}

fn point_count(config: &str) -> usize {
    Config::parse(config).map(|c| c.points.len()).unwrap_or(0)
}

fn run_vector<D: Driver>(v: &Json) -> Result<(), String> {
    check_keys(
        v,
        &[
            "name",
            "source",
            "config",
            "steps",
            "expect_open_error",
            "expect_last_error",
            "host_abi",
            "expect_abi_version",
            "expect_agreed",
        ],
        "vector",
    )?;
    if v.get("source").and_then(Json::as_str).map_or(true, str::is_empty) {
        return Err("missing \"source\" (a capture with frame numbers, a spec section or a device)".into());
    }
    let config = v.get("config").and_then(Json::as_str).ok_or("missing string \"config\"")?;
    let steps = v.get("steps").and_then(Json::as_arr).ok_or("missing array \"steps\"")?;
    let open_error = error_field(v, "expect_open_error")?;
    let host_minor = minor_field(v, "host_abi")?.unwrap_or(0);
    let want_version = minor_field(v, "expect_abi_version")?;
    let want_agreed = minor_field(v, "expect_agreed")?;
    if want_agreed.is_some() && host_minor < 1 {
        return Err("\"expect_agreed\" needs \"host_abi\": \"1.1\"".into());
    }
    if let Some(want) = want_version {
        let got = (dispatch::abi_version::<D>() & 0xffff) as u16;
        if got != want {
            return Err(format!("weir_abi_version: expected 1.{want}, actual 1.{got}"));
        }
    }
    let (mut host, agreed) = new_host::<D>(host_minor)?;
    if let Some(want) = want_agreed {
        if agreed != want {
            return Err(format!("agreed version: expected 1.{want}, actual 1.{agreed}"));
        }
    }
    check_host_keys(config, agreed)?;
    match (host.open(DEV, config, VECTOR_NOW_US), open_error) {
        (Ok(()), None) => {
            if v.get("expect_last_error").is_some() {
                return Err("\"expect_last_error\" on a vector needs \"expect_open_error\"".into());
            }
            if steps.is_empty() {
                return Err(
                    "\"steps\" is empty (only a vector with \"expect_open_error\" may have no steps)".into(),
                );
            }
        }
        (Ok(()), Some(code)) => {
            return Err(format!("open: expected {}, but weir_open returned 0", abi::error_name(code)))
        }
        (Err(f), None) => return Err(format!("open failed with {f}")),
        (Err(f), Some(code)) if f.code != code => {
            return Err(format!("open: expected {}, got {f}", abi::error_name(code)))
        }
        (Err(f), Some(_)) => {
            if let Some(want) = v.get("expect_last_error") {
                let want = want.as_str().ok_or("\"expect_last_error\" must be a string")?;
                if !f.last_error.contains(want) {
                    return Err(format!(
                        "open: last_error does not contain {want:?}\n  actual: {:?}",
                        f.last_error
                    ));
                }
            }
        }
    }
    let mut run = Run {
        host,
        config: config.to_string(),
        saved: None,
        host_minor,
        agreed,
        now_us: VECTOR_NOW_US,
        points: point_count(config),
    };
    let mut at_ms = 0;
    for (i, step) in steps.iter().enumerate() {
        let call = step.get("call").and_then(Json::as_str).unwrap_or("");
        let step_at =
            uint_field(step, "at_ms").map_err(|e| format!("step {i} ({call}): {e}"))?.unwrap_or(at_ms);
        if step_at < at_ms {
            return Err(format!(
                "step {i} ({call}): \"at_ms\" {step_at} goes back in time (an earlier step is at {at_ms})"
            ));
        }
        at_ms = step_at;
        run.now_us = VECTOR_NOW_US + at_ms as i64 * 1000;
        run_step(&mut run, call, step).map_err(|e| format!("step {i} ({call}): {e}"))?;
    }
    Ok(())
}

/// The v1.1 calls and fields of VECTORS.md: they need `"host_abi": "1.1"` and an agreed 1.1.
const V11_CALLS: [&str; 4] = ["link_up", "frame_end", "tick", "unsolicited"];
const V11_STEP_FIELDS: [&str; 4] = ["can", "expect_can", "expect_corr", "expect_frame_flags"];

fn check_v11<D: Driver>(run: &Run<D>, call: &str, step: &Json) -> Result<(), String> {
    let uses: Vec<&str> = V11_STEP_FIELDS.iter().copied().filter(|k| step.get(k).is_some()).collect();
    let what = if V11_CALLS.contains(&call) {
        format!("call {call:?}")
    } else if let Some(k) = uses.first() {
        format!("field {k:?}")
    } else {
        return Ok(());
    };
    if run.host_minor < 1 {
        return Err(format!("{what} needs a vector with \"host_abi\": \"1.1\""));
    }
    if run.agreed < 1 {
        return Err(format!(
            "{what} is v1.1, but the driver agreed on ABI 1.0: a host would not make this call"
        ));
    }
    Ok(())
}

/// The bytes of a step's `hex` or `can` input (exactly one).
fn frame_input(step: &Json) -> Result<Vec<u8>, String> {
    match step.get("can") {
        None => bytes_input(step),
        Some(_) if step.get("hex").is_some() || step.get("text").is_some() => {
            Err("a step has one of \"hex\", \"text\" and \"can\", not more".into())
        }
        Some(c) => can::candump(c.as_str().ok_or("\"can\" must be a string")?),
    }
}

/// `expect_can`: the frames `tx` must hold, back to back (ABI §6.4).
fn check_can_request(want: &Json, bytes: &[u8]) -> Result<(), String> {
    let want = want.as_arr().ok_or("\"expect_can\" must be an array of candump frames")?;
    let mut expected = Vec::new();
    for w in want {
        let text = w.as_str().ok_or("\"expect_can\" must be an array of candump frames")?;
        let encoded = can::candump(text)?;
        expected.push(CanFrame::decode(&encoded).map_err(|e| e.message().to_string())?.0.to_candump());
    }
    let mut got = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let (f, n) = CanFrame::decode(&bytes[at..]).map_err(|e| {
            format!("tx holds a malformed CAN frame at offset {at}: {} (a violation, ABI §6.4)", e.message())
        })?;
        got.push(f.to_candump());
        at += n;
    }
    if got != expected {
        return Err(format!("CAN frames in tx differ\n  expected: {expected:?}\n  actual:   {got:?}"));
    }
    Ok(())
}

fn check_request(step: &Json, sent: Option<&Sent>) -> Result<(), String> {
    let bytes = sent.map(|s| s.bytes.clone()).unwrap_or_default();
    let given = ["expect_hex", "expect_text", "expect_can"].iter().filter(|k| step.get(k).is_some()).count();
    if given > 1 {
        return Err("a step has one of \"expect_hex\", \"expect_text\" and \"expect_can\", not more".into());
    }
    match (step.get("expect_hex"), step.get("expect_text"), step.get("expect_can")) {
        (Some(h), _, _) => {
            expect_hex_matches(h.as_str().ok_or("\"expect_hex\" must be a string")?, &to_hex(&bytes))?
        }
        (_, Some(_), _) => {
            let want = text_field(step, "expect_text")?;
            if want != bytes {
                return Err(format!(
                    "request bytes differ\n  expected: {}\n  actual:   {}\n  (hex {})",
                    as_text(&want),
                    as_text(&bytes),
                    to_hex(&bytes)
                ));
            }
        }
        (_, _, Some(c)) => check_can_request(c, &bytes)?,
        (None, None, None) => return Err("missing \"expect_hex\"".into()),
    }
    if let (Some(want), Some(s)) = (step.get("expect_response"), sent) {
        let want = match want {
            Json::Bool(b) => *b,
            _ => return Err("\"expect_response\" must be true or false".into()),
        };
        if s.expect != want {
            return Err(format!("meta.expect: expected {}, actual {}", u8::from(want), u8::from(s.expect)));
        }
    }
    Ok(())
}

fn check_corr<D: Driver>(run: &mut Run<D>, step: &Json) -> Result<(), String> {
    if let Some(want) = uint_field(step, "expect_corr")? {
        let got = run.host.corr();
        if u64::from(got) != want {
            return Err(format!("meta.corr: expected {want:#x}, actual {got:#x}"));
        }
    }
    Ok(())
}

const FRAME_FLAG_NAMES: [(&str, u32); 2] =
    [("NOT_ANSWER", abi::FRAME_NOT_ANSWER), ("POLL_NOW", abi::FRAME_POLL_NOW)];

fn check_frame_flags<D: Driver>(run: &mut Run<D>, step: &Json) -> Result<(), String> {
    let mut want = 0;
    if let Some(list) = step.get("expect_frame_flags") {
        for name in list.as_arr().ok_or("\"expect_frame_flags\" must be an array of flag names")? {
            let name = name.as_str().unwrap_or("");
            let (_, bit) = FRAME_FLAG_NAMES
                .iter()
                .find(|(n, _)| *n == name)
                .ok_or_else(|| format!("unknown frame flag {name:?} (NOT_ANSWER, POLL_NOW)"))?;
            want |= bit;
        }
    }
    if run.agreed >= 1 {
        let got = run.host.frame_flags();
        if got != want {
            let names = |f: u32| {
                FRAME_FLAG_NAMES.iter().filter(|(_, b)| f & b != 0).map(|(n, _)| *n).collect::<Vec<_>>()
            };
            return Err(format!(
                "meta.frame_flags: expected {:?}, actual {:?} ({got:#x})",
                names(want),
                names(got)
            ));
        }
    }
    Ok(())
}

fn expect_hex_matches(want: &str, got: &str) -> Result<(), String> {
    if got != want {
        return Err(format!("request bytes differ\n  expected: {want:?}\n  actual:   {got:?}"));
    }
    Ok(())
}

fn run_step<D: Driver>(run: &mut Run<D>, call: &str, step: &Json) -> Result<(), String> {
    let now = run.now_us;
    let dev = DEV;
    let want_error = expected_error(step)?;
    if want_error.is_some() {
        for k in SUCCESS_CHECKS {
            if step.get(k).is_some() {
                return Err(format!("\"expect_error\" excludes \"{k}\" (a check that could never run)"));
            }
        }
    }
    check_v11(run, call, step)?;
    fn keys(more: &[&'static str]) -> Vec<&'static str> {
        ["call", "expect_error", "expect_last_error", "at_ms"].iter().chain(more.iter()).copied().collect()
    }
    match call {
        "poll" => {
            check_keys(
                step,
                &keys(&["expect_hex", "expect_text", "expect_can", "expect_timeout_ms", "expect_response"]),
                "step",
            )?;
            if let Some(sent) = check_error(run.host.poll(dev, now), want_error)? {
                check_request(step, sent.as_ref())?;
                if let (Some(t), Some(s)) = (step.get("expect_timeout_ms"), &sent) {
                    let t = t.as_i64().ok_or("\"expect_timeout_ms\" must be an integer")?;
                    if i64::from(s.timeout_ms) != t {
                        return Err(format!("timeout_ms: expected {t}, actual {}", s.timeout_ms));
                    }
                }
            }
        }
        "observe" => {
            check_keys(step, &keys(&["hex", "text", "expect_corr"]), "step")?;
            let bytes = bytes_input(step)?;
            if check_error(run.host.observe(dev, &bytes), want_error)?.is_some() {
                check_corr(run, step)?;
            } else if step.get("expect_corr").is_some() {
                return Err("\"expect_corr\" needs a call that succeeds".into());
            }
        }
        "frame_len" => {
            check_keys(
                step,
                &keys(&["hex", "text", "can", "expect_len", "expect_need", "expect_skip", "expect_corr"]),
                "step",
            )?;
            let bytes = frame_input(step)?;
            let want_len = uint_field(step, "expect_len")?;
            let want_need = uint_field(step, "expect_need")?;
            let want_skip = uint_field(step, "expect_skip")?;
            if want_need.is_some() && want_len != Some(0) {
                return Err("\"expect_need\" needs \"expect_len\": 0".into());
            }
            if want_skip.is_some() && want_error != Some(abi::E_RESYNC) {
                return Err("\"expect_skip\" needs \"expect_error\": \"E_RESYNC\"".into());
            }
            if step.get("expect_corr").is_some() && !matches!(want_len, Some(n) if n > 0) {
                return Err("\"expect_corr\" needs \"expect_len\" > 0".into());
            }
            if want_error.is_some() == want_len.is_some() {
                return Err("a frame_len step has exactly one of \"expect_len\" and \"expect_error\"".into());
            }
            let got = match run.host.frame_len(dev, &bytes) {
                Ok(Framing::Resync { skip }) => Err((abi::E_RESYNC, skip)),
                Ok(other) => Ok(other),
                Err(f) => match want_error {
                    Some(code) if code == f.code => return check_last_error(run, step),
                    Some(code) => return Err(format!("expected {}, got {f}", abi::error_name(code))),
                    None => return Err(format!("call failed with {f}")),
                },
            };
            match (want_error, got) {
                (Some(abi::E_RESYNC), Err((_, skip))) => check_skip(skip, want_skip)?,
                (Some(code), Err((_, skip))) => {
                    return Err(format!("expected {}, actual E_RESYNC with skip {skip}", abi::error_name(code)))
                }
                (Some(code), Ok(got)) => {
                    return Err(format!("expected {}, actual {got:?}", abi::error_name(code)))
                }
                (None, Err((_, skip))) => {
                    return Err(format!(
                        "expected length {}, actual E_RESYNC with skip {skip}",
                        want_len.unwrap_or_default()
                    ))
                }
                (None, Ok(got)) => {
                    let want = want_len.unwrap_or_default();
                    let got_len = match got {
                        Framing::Complete(n) => n as u64,
                        _ => 0,
                    };
                    if got_len != want {
                        return Err(format!("expected length {want}, actual {got:?}"));
                    }
                    if let (Some(want), Framing::NeedMore { need }) = (want_need, got) {
                        if need as u64 != want {
                            return Err(format!("meta.need: expected {want}, actual {need}"));
                        }
                    }
                    check_corr(run, step)?;
                }
            }
        }
        "frame_end" => {
            check_keys(step, &keys(&["hex", "text", "expect_len", "expect_skip", "expect_corr"]), "step")?;
            let bytes = bytes_input(step)?;
            let want_len = uint_field(step, "expect_len")?;
            let want_skip = uint_field(step, "expect_skip")?;
            if want_skip.is_some() && want_error != Some(abi::E_RESYNC) {
                return Err("\"expect_skip\" needs \"expect_error\": \"E_RESYNC\"".into());
            }
            if step.get("expect_corr").is_some() && !matches!(want_len, Some(n) if n > 0) {
                return Err("\"expect_corr\" needs \"expect_len\" > 0".into());
            }
            if want_error.is_some() == want_len.is_some() {
                return Err("a frame_end step has exactly one of \"expect_len\" and \"expect_error\"".into());
            }
            match (run.host.frame_end(dev, &bytes), want_error) {
                (Ok(FrameEnding::Resync { skip }), Some(abi::E_RESYNC)) => check_skip(skip, want_skip)?,
                (Ok(got), Some(code)) => return Err(format!("expected {}, actual {got:?}", abi::error_name(code))),
                (Err(f), Some(code)) if f.code == code => {}
                (Err(f), Some(code)) => return Err(format!("expected {}, got {f}", abi::error_name(code))),
                (Err(f), None) => return Err(format!("call failed with {f}")),
                (Ok(got), None) => {
                    let want = want_len.unwrap_or_default();
                    let got_len = match got {
                        FrameEnding::Frame(n) => n as u64,
                        FrameEnding::Discard => 0,
                        FrameEnding::Resync { skip } => {
                            return Err(format!("expected length {want}, actual E_RESYNC with skip {skip}"))
                        }
                    };
                    if got_len != want {
                        return Err(format!("expected length {want}, actual {got:?}"));
                    }
                    check_corr(run, step)?;
                }
            }
        }
        "frame" | "timeout" | "tick" | "unsolicited" => {
            let more: &[&str] = match call {
                "frame" | "unsolicited" => &["hex", "text", "can", "expect", "expect_frame_flags"],
                _ => &["expect"],
            };
            check_keys(step, &keys(more), "step")?;
            if call == "unsolicited" {
                let manifest = run.host.describe().map_err(|f| format!("weir_describe failed with {f}"))?;
                let manifest = json::parse(&manifest).map_err(|e| format!("manifest is not JSON: {e}"))?;
                let yes = |k: &str| matches!(manifest.get(k), Some(Json::Bool(true)));
                if !yes("passive") && !yes("unsolicited") {
                    return Err("the manifest is neither passive nor unsolicited: a host drops bytes that arrive with no request outstanding (ABI §7.3)".into());
                }
            }
            let got = match call {
                "frame" | "unsolicited" if run.agreed >= 2 => {
                    // ABI §7.13: a v1.2 host frames and decodes a whole frame in one call.
                    let bytes = frame_input(step)?;
                    match run.host.on_bytes(dev, &bytes, now) {
                        Ok(BytesDecoded::Decoded { len, records }) if len == bytes.len() => Ok(records),
                        Ok(other) => {
                            return Err(format!(
                                "weir_on_bytes over the whole frame of {} bytes answered {other:?}",
                                bytes.len()
                            ))
                        }
                        Err(f) => Err(f),
                    }
                }
                "frame" | "unsolicited" => {
                    let bytes = frame_input(step)?;
                    run.host.on_frame(dev, &bytes, now)
                }
                "timeout" => run.host.on_timeout(dev, now),
                _ => run.host.tick(dev, now),
            };
            if let Some(records) = check_error(got, want_error)? {
                let want = step.get("expect").and_then(Json::as_arr).ok_or("missing array \"expect\"")?;
                compare_records(want, &records, run.agreed, run.points, run.now_us)?;
                if call == "frame" || call == "unsolicited" {
                    check_frame_flags(run, step)?;
                }
            }
        }
        "write" => {
            check_keys(
                step,
                &keys(&["point", "type", "value", "expect_hex", "expect_text", "expect_can", "expect_response"]),
                "step",
            )?;
            let point = step.get("point").and_then(Json::as_i64).ok_or("missing integer \"point\"")?;
            let ty = step.get("type").and_then(Json::as_str).ok_or("missing string \"type\"")?;
            let value = step.get("value").ok_or("missing \"value\"")?;
            let got = match encode_write_value(ty, value)? {
                WriteValue::Scalar(vtype, bits) => run.host.write(dev, point as i32, vtype, bits, now),
                WriteValue::Blob(vtype, bytes) => run.host.write_blob(dev, point as i32, vtype, &bytes, now),
            };
            if let Some(sent) = check_error(got, want_error)? {
                check_request(step, Some(&sent))?;
            }
        }
        "save_state" => {
            check_keys(step, &keys(&["expect_hex", "expect_len"]), "step")?;
            if let Some(payload) = check_error(run.host.save_state(dev), want_error)? {
                if let Some(want) = step.get("expect_hex") {
                    let want = want.as_str().ok_or("\"expect_hex\" must be a string")?;
                    if to_hex(&payload) != want {
                        return Err(format!(
                            "state payload differs\n  expected: {want:?}\n  actual:   {:?}",
                            to_hex(&payload)
                        ));
                    }
                }
                if let Some(want) = uint_field(step, "expect_len")? {
                    if payload.len() as u64 != want {
                        return Err(format!("state payload length: expected {want}, actual {}", payload.len()));
                    }
                }
                run.saved = Some(payload);
            }
        }
        "reopen_with_state" => {
            check_keys(step, &keys(&["hex"]), "step")?;
            let payload = match step.get("hex") {
                Some(_) => hex_field(step, "hex")?,
                None => run
                    .saved
                    .clone()
                    .ok_or("no state to load: no earlier save_state step succeeded and no \"hex\"")?,
            };
            run.host.close(dev).map_err(|f| format!("weir_close failed with {f}"))?;
            // ABI §7.7: the hot swap opens the device on a new instance with the same config.
            let (host, agreed) = new_host::<D>(run.host_minor)?;
            run.host = host;
            run.agreed = agreed;
            let config = run.config.clone();
            run.host.open(dev, &config, now).map_err(|f| format!("reopen: weir_open failed with {f}"))?;
            check_error(run.host.load_state(dev, &payload), want_error)?;
        }
        "open" => {
            check_keys(step, &keys(&["config"]), "step")?;
            let config = match step.get("config") {
                None => run.config.clone(),
                Some(c) => c.as_str().ok_or("\"config\" must be a string")?.to_string(),
            };
            check_host_keys(&config, run.agreed)?;
            // ABI §2.6: weir_open of an open handle discards the device and opens it afresh.
            if check_error(run.host.open(dev, &config, now), want_error)?.is_some() {
                run.points = point_count(&config);
                run.config = config;
            }
        }
        "link_up" => {
            check_keys(step, &keys(&[]), "step")?;
            check_error(run.host.link_up(dev, now), want_error)?;
        }
        "" => return Err("missing \"call\"".into()),
        other => {
            return Err(format!(
                "unknown call {other:?} (poll, observe, frame_len, frame, timeout, write, save_state, reopen_with_state, open, link_up, frame_end, tick, unsolicited)"
            ))
        }
    }
    check_last_error(run, step)
}

fn check_skip(skip: usize, want: Option<u64>) -> Result<(), String> {
    if skip < 1 {
        return Err(format!("E_RESYNC with meta.skip {skip} (must be at least 1)"));
    }
    if let Some(want) = want {
        if skip as u64 != want {
            return Err(format!("skip: expected {want}, actual {skip}"));
        }
    }
    Ok(())
}

fn check_last_error<D: Driver>(run: &mut Run<D>, step: &Json) -> Result<(), String> {
    if let Some(want) = step.get("expect_last_error") {
        let want = want.as_str().ok_or("\"expect_last_error\" must be a string")?;
        let got = run.host.last_error(DEV).unwrap_or_default();
        if !got.contains(want) {
            return Err(format!("last_error does not contain {want:?}\n  actual: {got:?}"));
        }
    }
    Ok(())
}

/// A write value as `weir_write` takes it: scalar bits, or bytes that go to `cfg` (ABI §7.6).
enum WriteValue {
    Scalar(u8, i64),
    Blob(u8, Vec<u8>),
}

fn encode_write_value(ty: &str, value: &Json) -> Result<WriteValue, String> {
    let bad = || format!("write value {} is not a {ty}", value.to_text());
    Ok(match ty {
        "null" => match value {
            Json::Null => WriteValue::Scalar(abi::VT_NULL, 0),
            _ => return Err(bad()),
        },
        "bool" => match value {
            Json::Bool(b) => WriteValue::Scalar(abi::VT_BOOL, *b as i64),
            _ => return Err(bad()),
        },
        "i64" => WriteValue::Scalar(abi::VT_I64, value.as_i64().ok_or_else(bad)?),
        "u64" => WriteValue::Scalar(abi::VT_U64, value.as_u64().ok_or_else(bad)? as i64),
        "f64" => WriteValue::Scalar(abi::VT_F64, value.as_f64().ok_or_else(bad)?.to_bits() as i64),
        "str" => WriteValue::Blob(abi::VT_STR, value.as_str().ok_or_else(bad)?.as_bytes().to_vec()),
        "bytes" => {
            let h = value.as_str().ok_or_else(bad)?;
            WriteValue::Blob(abi::VT_BYTES, from_hex(h).map_err(|e| format!("write value: {e}"))?)
        }
        _ => return Err(format!("unknown write type {ty:?} (null, bool, i64, u64, f64, str, bytes)")),
    })
}

fn compare_records(
    want: &[Json],
    got: &[Record],
    agreed: u16,
    points: usize,
    now_us: i64,
) -> Result<(), String> {
    // ABI §9: a record that is neither named nor a device status names a point of the point map.
    for g in got {
        if let Some(p) = g.point {
            if g.flags & abi::FLAG_DEVICE_STATUS == 0 && p as usize >= points {
                return Err(format!(
                    "record {g} names point {p}, outside the point map of {points} points (ABI §9)"
                ));
            }
        }
    }
    let _ = now_us;
    let listing = || {
        let w: Vec<String> = want.iter().map(Json::to_text).collect();
        let g: Vec<String> = got.iter().map(Record::to_string).collect();
        format!("\n  expected: [{}]\n  actual:   [{}]", w.join(", "), g.join(", "))
    };
    // Malformed expectations are the vector's fault: report them even when the counts differ.
    for w in want {
        check_keys(
            w,
            &["point", "name", "type", "value", "quality", "ts_us", "write_result", "device_status"],
            "expected record",
        )?;
        for k in ["write_result", "device_status"] {
            match w.get(k) {
                None => {}
                Some(Json::Bool(true)) if agreed >= 1 => {}
                Some(Json::Bool(true)) => {
                    return Err(format!("expected record field {k:?} is v1.1; the agreed version is 1.0"))
                }
                Some(other) => return Err(format!("\"{k}\" must be true, not {}", other.to_text())),
            }
        }
    }
    if want.len() != got.len() {
        return Err(format!("expected {} records, actual {}{}", want.len(), got.len(), listing()));
    }
    for (i, (w, g)) in want.iter().zip(got).enumerate() {
        if let Err(e) = compare_record(w, g, agreed) {
            return Err(format!("record {i}: {e}{}", listing()));
        }
    }
    Ok(())
}

fn compare_record(w: &Json, g: &Record, agreed: u16) -> Result<(), String> {
    let device_status = g.flags & abi::FLAG_DEVICE_STATUS != 0;
    match (w.get("point"), w.get("name")) {
        (None, None) if w.get("device_status").is_some() => {
            if !device_status {
                return Err(format!("expected a device status, actual flag DEVICE_STATUS clear, {g}"));
            }
            if g.point != Some(0) {
                return Err(format!("a device status has point 0 (ABI §6.3), actual {g}"));
            }
        }
        (_, _) if w.get("device_status").is_some() => {
            return Err("an expected device status has neither \"point\" nor \"name\"".into())
        }
        (Some(p), None) => {
            let p = p.as_u64().ok_or("\"point\" must be an integer")?;
            if g.point != Some(p as u32) {
                return Err(format!("expected point {p}, actual {g}"));
            }
        }
        (None, Some(n)) => {
            let n = n.as_str().ok_or("\"name\" must be a string")?;
            if g.name.as_deref() != Some(n) {
                return Err(format!("expected name {n:?}, actual {g}"));
            }
        }
        _ => return Err("an expected record has exactly one of \"point\" and \"name\"".into()),
    }
    if device_status && w.get("device_status").is_none() {
        return Err(format!("expected no device status, actual flag DEVICE_STATUS, {g}"));
    }
    let write_result = g.flags & abi::FLAG_WRITE_RESULT != 0;
    match (w.get("write_result").is_some(), write_result) {
        (true, false) => return Err(format!("expected a write result, actual flag WRITE_RESULT clear, {g}")),
        (false, true) => return Err(format!("expected a reading, actual flag WRITE_RESULT set, {g}")),
        _ => {}
    }
    let ty = w.get("type").and_then(Json::as_str).ok_or("missing \"type\"")?;
    if !["null", "bool", "i64", "u64", "f64", "str", "bytes"].contains(&ty) {
        return Err(format!("unknown type {ty:?}"));
    }
    if g.value.type_name() != ty {
        return Err(format!("expected type {ty}, actual {g}"));
    }
    let q = w.get("quality").and_then(Json::as_str).ok_or("missing \"quality\"")?;
    let q = Quality::from_name(q).ok_or_else(|| format!("unknown quality name {q:?}"))?;
    if g.quality != q {
        return Err(format!("expected quality {}, actual {g}", q.name()));
    }
    let v = w.get("value").ok_or("missing \"value\"")?;
    let equal = match (&g.value, v) {
        (RecordValue::Null, Json::Null) => true,
        (RecordValue::Bool(b), Json::Bool(e)) => b == e,
        (RecordValue::I64(x), e) => e.as_i64() == Some(*x),
        (RecordValue::U64(x), e) => e.as_u64() == Some(*x),
        (RecordValue::F64(x), e) => match e.as_f64() {
            // VECTORS.md: f64 equal within 1e-9 relative.
            Some(e) => *x == e || (x - e).abs() <= 1e-9 * e.abs(),
            None => false,
        },
        (RecordValue::Str(s), Json::Str(e)) => s == e,
        (RecordValue::Bytes(b), Json::Str(e)) => to_hex(b) == *e,
        _ => false,
    };
    if !equal {
        return Err(format!("expected value {}, actual {g}", v.to_text()));
    }
    let unknown_flags = g.flags & !abi::known_record_flags(agreed);
    if unknown_flags != 0 {
        return Err(format!(
            "flag bits {unknown_flags:#04x} are not defined by ABI §6.1 for agreed version 1.{agreed}, actual {g}"
        ));
    }
    let device_ts = g.flags & abi::FLAG_DEVICE_TS != 0;
    match w.get("ts_us") {
        Some(t) => {
            let t = t.as_i64().ok_or("\"ts_us\" must be an integer")?;
            if !device_ts {
                return Err(format!("expected device timestamp {t}, actual flag DEVICE_TS clear, {g}"));
            }
            if g.ts_us != t {
                return Err(format!("expected ts_us {t}, actual {}, {g}", g.ts_us));
            }
        }
        None if device_ts => {
            return Err(format!(
                "expected no device timestamp, actual flag DEVICE_TS with ts_us {}, {g}",
                g.ts_us
            ))
        }
        None if g.ts_us != 0 => {
            return Err(format!("ts_us {} without flag DEVICE_TS (ABI §6.1: 0), {g}", g.ts_us))
        }
        None => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests;
