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

use crate::abi::{self, Quality};
use crate::dispatch::Instance;
use crate::driver::Driver;
use json::Json;
use std::fmt;
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
        write!(f, "{} {v}, {}}}", self.value.type_name(), self.quality.name())
    }
}

/// What a poll or write put into `tx`, with the meta fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sent {
    pub bytes: Vec<u8>,
    pub expect: bool,
    pub timeout_ms: i32,
}

/// The framing answer read back from the return value and meta.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing {
    Complete(usize),
    NeedMore { need: usize },
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
const SUCCESS_CHECKS: [&str; 5] = ["expect", "expect_hex", "expect_len", "expect_need", "expect_timeout_ms"];

/// One vector's run: the instance under test, and what `reopen_with_state` needs.
struct Run<'a, D: Driver> {
    host: Host<D>,
    config: &'a str,
    /// The payload of the last successful `save_state` step.
    saved: Option<Vec<u8>>,
}

fn run_vector<D: Driver>(v: &Json) -> Result<(), String> {
    check_keys(
        v,
        &["name", "source", "config", "steps", "expect_open_error", "expect_last_error"],
        "vector",
    )?;
    if v.get("source").and_then(Json::as_str).map_or(true, str::is_empty) {
        return Err("missing \"source\" (a capture with frame numbers, a spec section or a device)".into());
    }
    let config = v.get("config").and_then(Json::as_str).ok_or("missing string \"config\"")?;
    let steps = v.get("steps").and_then(Json::as_arr).ok_or("missing array \"steps\"")?;
    let open_error = error_field(v, "expect_open_error")?;
    let mut host = Host::<D>::new().map_err(|e| format!("layout: {e}"))?;
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
    let mut run = Run { host, config, saved: None };
    for (i, step) in steps.iter().enumerate() {
        let call = step.get("call").and_then(Json::as_str).unwrap_or("");
        run_step(&mut run, call, step).map_err(|e| format!("step {i} ({call}): {e}"))?;
    }
    Ok(())
}

fn expect_hex_matches(want: &str, got: &str) -> Result<(), String> {
    if got != want {
        return Err(format!("request bytes differ\n  expected: {want:?}\n  actual:   {got:?}"));
    }
    Ok(())
}

fn run_step<D: Driver>(run: &mut Run<'_, D>, call: &str, step: &Json) -> Result<(), String> {
    let now = VECTOR_NOW_US;
    let dev = DEV;
    let want_error = expected_error(step)?;
    if want_error.is_some() {
        for k in SUCCESS_CHECKS {
            if step.get(k).is_some() {
                return Err(format!("\"expect_error\" excludes \"{k}\" (a check that could never run)"));
            }
        }
    }
    match call {
        "poll" => {
            check_keys(
                step,
                &["call", "expect_hex", "expect_timeout_ms", "expect_error", "expect_last_error"],
                "step",
            )?;
            if let Some(sent) = check_error(run.host.poll(dev, now), want_error)? {
                let want = step.get("expect_hex").and_then(Json::as_str).ok_or("missing \"expect_hex\"")?;
                let got = sent.as_ref().map(|s| to_hex(&s.bytes)).unwrap_or_default();
                expect_hex_matches(want, &got)?;
                if let (Some(t), Some(s)) = (step.get("expect_timeout_ms"), &sent) {
                    let t = t.as_i64().ok_or("\"expect_timeout_ms\" must be an integer")?;
                    if i64::from(s.timeout_ms) != t {
                        return Err(format!("timeout_ms: expected {t}, actual {}", s.timeout_ms));
                    }
                }
            }
        }
        "observe" => {
            check_keys(step, &["call", "hex", "expect_error", "expect_last_error"], "step")?;
            let bytes = hex_field(step, "hex")?;
            check_error(run.host.observe(dev, &bytes), want_error)?;
        }
        "frame_len" => {
            check_keys(
                step,
                &["call", "hex", "expect_len", "expect_need", "expect_error", "expect_skip", "expect_last_error"],
                "step",
            )?;
            let bytes = hex_field(step, "hex")?;
            let want_len = uint_field(step, "expect_len")?;
            let want_need = uint_field(step, "expect_need")?;
            let want_skip = uint_field(step, "expect_skip")?;
            if want_need.is_some() && want_len != Some(0) {
                return Err("\"expect_need\" needs \"expect_len\": 0".into());
            }
            if want_skip.is_some() && want_error != Some(abi::E_RESYNC) {
                return Err("\"expect_skip\" needs \"expect_error\": \"E_RESYNC\"".into());
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
                (Some(abi::E_RESYNC), Err((_, skip))) => {
                    if skip < 1 {
                        return Err(format!("E_RESYNC with meta.skip {skip} (must be at least 1)"));
                    }
                    if let Some(want) = want_skip {
                        if skip as u64 != want {
                            return Err(format!("skip: expected {want}, actual {skip}"));
                        }
                    }
                }
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
                }
            }
        }
        "frame" | "timeout" => {
            let keys: &[&str] = if call == "frame" {
                &["call", "hex", "expect", "expect_error", "expect_last_error"]
            } else {
                &["call", "expect", "expect_error", "expect_last_error"]
            };
            check_keys(step, keys, "step")?;
            let got = if call == "frame" {
                let bytes = hex_field(step, "hex")?;
                run.host.on_frame(dev, &bytes, now)
            } else {
                run.host.on_timeout(dev, now)
            };
            if let Some(records) = check_error(got, want_error)? {
                let want = step.get("expect").and_then(Json::as_arr).ok_or("missing array \"expect\"")?;
                compare_records(want, &records)?;
            }
        }
        "write" => {
            check_keys(
                step,
                &["call", "point", "type", "value", "expect_hex", "expect_error", "expect_last_error"],
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
                let want = step.get("expect_hex").and_then(Json::as_str).ok_or("missing \"expect_hex\"")?;
                expect_hex_matches(want, &to_hex(&sent.bytes))?;
            }
        }
        "save_state" => {
            check_keys(step, &["call", "expect_hex", "expect_len", "expect_error", "expect_last_error"], "step")?;
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
            check_keys(step, &["call", "hex", "expect_error", "expect_last_error"], "step")?;
            let payload = match step.get("hex") {
                Some(_) => hex_field(step, "hex")?,
                None => run
                    .saved
                    .clone()
                    .ok_or("no state to load: no earlier save_state step succeeded and no \"hex\"")?,
            };
            run.host.close(dev).map_err(|f| format!("weir_close failed with {f}"))?;
            // ABI §7.7: the hot swap opens the device on a new instance with the same config.
            run.host = Host::<D>::new().map_err(|e| format!("layout: {e}"))?;
            run.host.open(dev, run.config, now).map_err(|f| format!("reopen: weir_open failed with {f}"))?;
            check_error(run.host.load_state(dev, &payload), want_error)?;
        }
        "" => return Err("missing \"call\"".into()),
        other => {
            return Err(format!(
                "unknown call {other:?} (poll, observe, frame_len, frame, timeout, write, save_state, reopen_with_state)"
            ))
        }
    }
    check_last_error(run, step)
}

fn check_last_error<D: Driver>(run: &mut Run<'_, D>, step: &Json) -> Result<(), String> {
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

fn compare_records(want: &[Json], got: &[Record]) -> Result<(), String> {
    let listing = || {
        let w: Vec<String> = want.iter().map(Json::to_text).collect();
        let g: Vec<String> = got.iter().map(Record::to_string).collect();
        format!("\n  expected: [{}]\n  actual:   [{}]", w.join(", "), g.join(", "))
    };
    // Malformed expectations are the vector's fault: report them even when the counts differ.
    for w in want {
        check_keys(w, &["point", "name", "type", "value", "quality", "ts_us"], "expected record")?;
    }
    if want.len() != got.len() {
        return Err(format!("expected {} records, actual {}{}", want.len(), got.len(), listing()));
    }
    for (i, (w, g)) in want.iter().zip(got).enumerate() {
        if let Err(e) = compare_record(w, g) {
            return Err(format!("record {i}: {e}{}", listing()));
        }
    }
    Ok(())
}

fn compare_record(w: &Json, g: &Record) -> Result<(), String> {
    match (w.get("point"), w.get("name")) {
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
    let unknown_flags = g.flags & !(abi::FLAG_NAMED | abi::FLAG_DEVICE_TS);
    if unknown_flags != 0 {
        return Err(format!("flag bits {unknown_flags:#04x} are not defined by ABI §6.1, actual {g}"));
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
