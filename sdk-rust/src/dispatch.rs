//! Layer 2: the export dispatcher. [`Instance`] owns the regions and the device table and turns
//! each ABI export (raw `i32`/`i64` arguments, data in regions) into a [`Driver`] call.
//! [`export_driver!`](crate::export_driver) binds the `weir_*` exports of a wasm module to one
//! static `Instance`; the native harness ([`crate::testing`]) drives its own `Instance` through
//! exactly the same methods and regions.

use crate::abi::{
    self, META_BLOB_USED, META_CORR, META_EXPECT, META_FRAME_FLAGS, META_NEED, META_REQ_FLAGS, META_SKIP,
    META_TIMEOUT_MS, RECORD_SIZE,
};
use crate::config::Config;
use crate::driver::{Direction, Driver, FrameEnd, FrameLen, Request, Transport, Value};
use crate::error::Error;
use crate::out::{Out, Tx};
use core::fmt::Write as _;
use std::collections::BTreeMap;

/// The default region capacities ([`Capacities::DEFAULT`]), each at least its ABI.md §4 minimum.
pub const CFG_CAP: usize = 65536;
pub const RX_CAP: usize = 4096;
pub const TX_CAP: usize = 4096;
pub const OUT_CAP: usize = RECORD_SIZE * 2048;
pub const BLOB_CAP: usize = 65536;
pub const STATE_CAP: usize = 4096;
pub const ERR_CAP: usize = 1024;

/// The capacities of a driver's regions (ABI.md §4), [`Driver::CAPACITIES`]. The SDK allocates
/// them once, when the instance starts, and every byte of them is linear memory the host keeps
/// for the instance's life (a page of 64 KiB per device and more), so a driver asks for what its
/// protocol needs rather than the most it could use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Capacities {
    /// Bytes of `cfg`: the largest config text (ABI.md §5) and write value the driver accepts.
    pub cfg: usize,
    /// Bytes of `rx`: the largest frame, and more if the host should hand over more at once.
    pub rx: usize,
    /// Bytes of `tx`: the largest request.
    pub tx: usize,
    /// Records `out` holds: the most one call can write (ABI.md §4: at least 2048).
    pub records: usize,
    /// Bytes of `blob`: names, texts and byte values of one call, and the manifest.
    pub blob: usize,
    /// Bytes of `state`: the largest `save_state` payload including its 4-byte schema (0 for a
    /// driver that keeps no state).
    pub state: usize,
    /// Bytes of `err`: longer `weir_last_error` texts are cut.
    pub err: usize,
}

impl Capacities {
    /// What a driver gets unless it asks: room for large configs, blobs and states.
    pub const DEFAULT: Capacities = Capacities {
        cfg: CFG_CAP,
        rx: RX_CAP,
        tx: TX_CAP,
        records: OUT_CAP / RECORD_SIZE,
        blob: BLOB_CAP,
        state: STATE_CAP,
        err: ERR_CAP,
    };

    /// The ABI.md §4 minimum of every region (`state` 0).
    pub const MINIMUM: Capacities = Capacities {
        cfg: abi::MIN_CFG_CAP,
        rx: abi::MIN_RX_CAP,
        tx: abi::MIN_TX_CAP,
        records: abi::MIN_OUT_CAP / RECORD_SIZE,
        blob: abi::MIN_BLOB_CAP,
        state: 0,
        err: abi::MIN_ERR_CAP,
    };

    /// Bytes of `out`.
    pub const fn out(&self) -> usize {
        self.records * RECORD_SIZE
    }

    /// The first capacity below its ABI.md §4 minimum, or one a u32 layout field cannot hold.
    pub fn problem(&self) -> Option<String> {
        let min = Capacities::MINIMUM;
        let fields = [
            ("cfg", self.cfg, min.cfg),
            ("rx", self.rx, min.rx),
            ("tx", self.tx, min.tx),
            ("records", self.records, min.records),
            ("blob", self.blob, min.blob),
            ("err", self.err, min.err),
        ];
        for (name, cap, least) in fields {
            if cap < least {
                return Some(format!("capacity {name} = {cap} is below the ABI minimum {least} (ABI.md §4)"));
            }
        }
        let total = [self.cfg, self.rx, self.tx, self.out(), self.blob, self.state, self.err]
            .iter()
            .try_fold(ARENA_HEAD, |sum, cap| sum.checked_add(*cap)?.checked_add(7));
        match total {
            Some(t) if t <= u32::MAX as usize / 2 => None,
            _ => Some("the capacities add up to more than linear memory can hold".into()),
        }
    }
}

/// Bytes before the first region: the 64-byte layout, the 32-byte meta struct, padding to 128.
const ARENA_HEAD: usize = 128;
const META_AT: usize = abi::LAYOUT_SIZE;

/// Where each region lies in the arena: layout, meta, then the regions in layout order. Every
/// offset is a multiple of 8, so `out` is 8-byte aligned as ABI.md §4 requires (the arena is a
/// `Vec<u64>`).
#[derive(Clone, Copy, Debug)]
struct Offsets {
    cfg: usize,
    rx: usize,
    tx: usize,
    out: usize,
    blob: usize,
    state: usize,
    err: usize,
    end: usize,
}

/// `n` rounded up to a multiple of 8.
const fn up(n: usize) -> usize {
    (n + 7) & !7
}

impl Offsets {
    const fn of(c: &Capacities) -> Offsets {
        let cfg = ARENA_HEAD;
        let rx = up(cfg + c.cfg);
        let tx = up(rx + c.rx);
        let out = up(tx + c.tx);
        let blob = up(out + c.out());
        let state = up(blob + c.blob);
        let err = up(state + c.state);
        let end = up(err + c.err);
        Offsets { cfg, rx, tx, out, blob, state, err, end }
    }
}

struct Device<D> {
    /// `None` after a failed `weir_open`: the entry only keeps the reason for `weir_last_error`.
    driver: Option<D>,
    last_error: String,
    /// The point of the write whose response is outstanding (`weir_write` with `meta.expect` 1):
    /// with agreed version 1.1 the records of that point in its response are write results.
    write_point: Option<u32>,
}

/// The device table of an instance. Hosts number the devices of an instance from 0 (the lowest
/// free handle), so handles below [`Devices::DIRECT`] index a vector: every call of a cycle finds
/// its device with a bounds check, where a `BTreeMap` searched a tree on each of them (a cost
/// close to decoding a few points, BENCHMARKS.md §1). Larger handles, which ABI.md §2.6 allows,
/// live in a map.
struct Devices<D> {
    direct: Vec<Option<Device<D>>>,
    far: BTreeMap<i32, Device<D>>,
}

impl<D> Devices<D> {
    const DIRECT: usize = 1024;

    fn new() -> Devices<D> {
        Devices { direct: Vec::new(), far: BTreeMap::new() }
    }

    #[inline]
    fn get(&self, dev: i32) -> Option<&Device<D>> {
        if (dev as u32 as usize) < Self::DIRECT {
            self.direct.get(dev as usize).and_then(Option::as_ref)
        } else {
            self.far.get(&dev)
        }
    }

    #[inline]
    fn get_mut(&mut self, dev: i32) -> Option<&mut Device<D>> {
        if (dev as u32 as usize) < Self::DIRECT {
            self.direct.get_mut(dev as usize).and_then(Option::as_mut)
        } else {
            self.far.get_mut(&dev)
        }
    }

    fn insert(&mut self, dev: i32, device: Device<D>) {
        if (dev as u32 as usize) < Self::DIRECT {
            let i = dev as usize;
            if self.direct.len() <= i {
                self.direct.resize_with(i + 1, || None);
            }
            self.direct[i] = Some(device);
        } else {
            self.far.insert(dev, device);
        }
    }

    fn remove(&mut self, dev: i32) -> Option<Device<D>> {
        if (dev as u32 as usize) < Self::DIRECT {
            self.direct.get_mut(dev as usize).and_then(Option::take)
        } else {
            self.far.remove(&dev)
        }
    }

    fn is_empty(&self) -> bool {
        self.far.is_empty() && self.direct.iter().all(Option::is_none)
    }

    fn values(&self) -> impl Iterator<Item = &Device<D>> {
        self.direct.iter().flatten().chain(self.far.values())
    }
}

/// One driver instance: its memory regions, its open devices and the agreed ABI version.
pub struct Instance<D: Driver> {
    arena: Vec<u64>,
    devices: Devices<D>,
    /// ABI.md §3.3: 0 until `weir_host_abi` agreed on 1.1.
    agreed_minor: u16,
}

/// ABI.md §3.3: the oldest minor version `D` runs on: `D::MIN_ABI_MINOR`, and 1 for a driver with
/// the `can` transport (v1.0 defines no CAN frame encoding).
pub fn min_abi_minor<D: Driver>() -> u16 {
    let can = D::MANIFEST.transport == Transport::Can || D::TRANSPORTS.contains(&Transport::Can);
    D::MIN_ABI_MINOR.max(u16::from(can)).min(abi::LATEST_MINOR)
}

/// ABI.md §3.3: the newest minor version `D` knows: `D::NEWEST_ABI_MINOR`, at most what the SDK
/// speaks and at least what `D` needs.
pub fn newest_abi_minor<D: Driver>() -> u16 {
    D::NEWEST_ABI_MINOR.min(abi::LATEST_MINOR).max(min_abi_minor::<D>())
}

/// `weir_abi_version`: `(1 << 16) | min_abi_minor` (ABI.md §3.3: the oldest version the driver
/// runs on, so that a driver that can do without v1.1 loads on a v1.0 host).
pub fn abi_version<D: Driver>() -> i32 {
    (1 << 16) | i32::from(min_abi_minor::<D>())
}

/// Every transport of `D` (ABI.md §3.4 `transports`; only the primary one if none are listed).
pub fn transports<D: Driver>() -> Vec<Transport> {
    if D::TRANSPORTS.is_empty() {
        vec![D::MANIFEST.transport]
    } else {
        D::TRANSPORTS.to_vec()
    }
}

/// The manifest JSON of ABI.md §3.4 with the v1.1 fields of `D`; the reason if `D`'s constants
/// break §3.4.
pub fn manifest_json<D: Driver>() -> Result<String, String> {
    let mut json = D::MANIFEST.to_json();
    json.pop(); // the closing brace
    if !D::TRANSPORTS.is_empty() {
        if !D::TRANSPORTS.contains(&D::MANIFEST.transport) {
            return Err(format!(
                "TRANSPORTS must contain the manifest's transport \"{}\" (ABI §3.4)",
                D::MANIFEST.transport.name()
            ));
        }
        let names: Vec<String> = D::TRANSPORTS.iter().map(|t| format!("\"{}\"", t.name())).collect();
        for (i, t) in D::TRANSPORTS.iter().enumerate() {
            if D::TRANSPORTS[..i].contains(t) {
                return Err(format!("TRANSPORTS lists \"{}\" twice (ABI §3.4)", t.name()));
            }
        }
        // fmt::Write for String cannot fail.
        let _ = write!(json, ",\"transports\":[{}]", names.join(","));
    }
    if D::UNSOLICITED {
        json.push_str(",\"unsolicited\":true");
    }
    if let Some(n) = D::MAX_DEVICES {
        if n == 0 {
            return Err("MAX_DEVICES must be at least 1 (ABI §3.4)".into());
        }
        let _ = write!(json, ",\"max_devices\":{n}");
    }
    json.push('}');
    Ok(json)
}

/// Mutable views of the regions of one arena that the calls outside a cycle use (the cycle's own
/// calls slice what they need themselves).
struct Regions<'a> {
    cfg: &'a mut [u8],
    rx: &'a mut [u8],
    tx: &'a mut [u8],
    blob: &'a mut [u8],
    state: &'a mut [u8],
    err: &'a mut [u8],
}

fn arena_bytes(arena: &mut [u64]) -> &mut [u8] {
    // SAFETY: a `u64` buffer is valid as `len * 8` initialized bytes; `u8` has no alignment or
    // validity requirements; the returned borrow keeps the buffer borrowed and unaliased.
    unsafe { std::slice::from_raw_parts_mut(arena.as_mut_ptr() as *mut u8, arena.len() * 8) }
}

fn regions_of<'a>(arena: &'a mut [u64], at: &Offsets, caps: &Capacities) -> Regions<'a> {
    let mem = arena_bytes(arena);
    let (_, rest) = mem.split_at_mut(at.cfg);
    let (cfg, rest) = rest.split_at_mut(at.rx - at.cfg);
    let (rx, rest) = rest.split_at_mut(at.tx - at.rx);
    let (tx, rest) = rest.split_at_mut(at.out - at.tx);
    let (_, rest) = rest.split_at_mut(at.blob - at.out);
    let (blob, rest) = rest.split_at_mut(at.state - at.blob);
    let (state, rest) = rest.split_at_mut(at.err - at.state);
    let (err, _) = rest.split_at_mut(at.end - at.err);
    Regions {
        cfg: &mut cfg[..caps.cfg],
        rx: &mut rx[..caps.rx],
        tx: &mut tx[..caps.tx],
        blob: &mut blob[..caps.blob],
        state: &mut state[..caps.state],
        err: &mut err[..caps.err],
    }
}

/// Writes `v` little-endian at `mem[at..at + 8]`.
#[inline]
fn put_u64(mem: &mut [u8], at: usize, v: u64) {
    if let Some(b) = mem.get_mut(at..at + 8) {
        let b: &mut [u8; 8] = b.try_into().expect("an 8-byte range");
        *b = v.to_le_bytes();
    }
}

/// Writes `v` little-endian at `mem[at..at + 4]`.
#[inline]
fn put_u32(mem: &mut [u8], at: usize, v: u32) {
    if let Some(b) = mem.get_mut(at..at + 4) {
        let b: &mut [u8; 4] = b.try_into().expect("a 4-byte range");
        *b = v.to_le_bytes();
    }
}

impl<D: Driver> Default for Instance<D> {
    fn default() -> Self {
        Self::new()
    }
}

impl<D: Driver> Instance<D> {
    /// The capacities of the regions, and where each lies in the arena: constants of the driver,
    /// so that every call's offsets and bounds are immediates in its code, not loads of the
    /// instance's fields (in a driver compiled to WebAssembly each load is a call into the host's
    /// memory, unless its JIT inlines it; a call of the cycle made nine such loads).
    const CAPS: Capacities = D::CAPACITIES;
    const AT: Offsets = Offsets::of(&D::CAPACITIES);

    /// Allocates the arena once (it never moves afterwards, ABI.md §2.2) and writes the layout.
    ///
    /// # Panics
    ///
    /// If `D::CAPACITIES` breaks ABI.md §4 (a capacity below its minimum): the module traps at
    /// its first call, with the reason, before the host reads a layout.
    pub fn new() -> Instance<D> {
        #[cfg(target_arch = "wasm32")]
        install_panic_hook();
        let caps = Self::CAPS;
        if let Some(problem) = caps.problem() {
            panic!("{} {}: {problem}", D::MANIFEST.name, D::MANIFEST.version);
        }
        let at = Self::AT;
        let mut inst = Instance { arena: vec![0u64; at.end / 8], devices: Devices::new(), agreed_minor: 0 };
        let base = inst.base();
        let mem = inst.memory();
        // ABI.md §4: magic, size, then (ptr, cap) for cfg, rx, tx, out, blob, state, err.
        let regions: [(usize, usize); 7] = [
            (at.cfg, caps.cfg),
            (at.rx, caps.rx),
            (at.tx, caps.tx),
            (at.out, caps.out()),
            (at.blob, caps.blob),
            (at.state, caps.state),
            (at.err, caps.err),
        ];
        put_u32(mem, 0, abi::LAYOUT_MAGIC);
        put_u32(mem, 4, abi::LAYOUT_SIZE as u32);
        for (i, (at, cap)) in regions.iter().enumerate() {
            put_u32(mem, 8 + 8 * i, base + *at as u32);
            put_u32(mem, 12 + 8 * i, *cap as u32);
        }
        inst
    }

    /// The address of the arena in linear memory: real on wasm32; 0 natively, where the harness
    /// treats the arena itself as the module's memory.
    fn base(&self) -> u32 {
        #[cfg(target_arch = "wasm32")]
        {
            self.arena.as_ptr() as usize as u32
        }
        #[cfg(not(target_arch = "wasm32"))]
        {
            0
        }
    }

    /// The arena as bytes: layout, meta and regions, as the host sees them at `weir_layout()`.
    pub fn memory(&mut self) -> &mut [u8] {
        arena_bytes(&mut self.arena)
    }

    /// The capacities of the regions (`D::CAPACITIES`).
    pub fn capacities(&self) -> Capacities {
        Self::CAPS
    }

    fn regions(&mut self) -> Regions<'_> {
        regions_of(&mut self.arena, &Self::AT, &Self::CAPS)
    }

    #[inline]
    fn set_meta(&mut self, field: usize, v: i32) {
        put_u32(arena_bytes(&mut self.arena), META_AT + field, v as u32);
    }

    /// Runs `f` on the open device `dev`, storing the message of an error as its last error.
    fn with_device<R>(
        &mut self,
        dev: i32,
        f: impl FnOnce(&mut D, Regions<'_>) -> Result<R, Error>,
    ) -> Result<R, i32> {
        // Disjoint borrows: the regions live in `arena`, the device in `devices`.
        let regions = regions_of(&mut self.arena, &Self::AT, &Self::CAPS);
        let device = match self.devices.get_mut(dev) {
            Some(d) => d,
            None => return Err(abi::E_NODEV),
        };
        let driver = match device.driver.as_mut() {
            Some(d) => d,
            None => return Err(abi::E_NODEV),
        };
        match f(driver, regions) {
            Ok(r) => Ok(r),
            Err(e) => {
                device.last_error = e.message().to_string();
                Err(e.code())
            }
        }
    }

    fn set_last_error(&mut self, dev: i32, text: String) {
        if let Some(d) = self.devices.get_mut(dev) {
            d.last_error = text;
        }
    }

    /// `weir_layout() -> i32`
    pub fn layout(&mut self) -> i32 {
        self.base() as i32
    }

    /// The agreed minor ABI version (ABI.md §3.3).
    pub fn agreed_minor(&self) -> u16 {
        self.agreed_minor
    }

    /// `weir_host_abi(version) -> i32` (ABI.md §3.3): the host's version in, the agreed version
    /// out: the host's minor, at most the newest this SDK speaks, at least the driver's oldest.
    #[inline(never)]
    pub fn host_abi(&mut self, version: i32) -> i32 {
        if version < 0 || version >> 16 != 1 {
            return abi::E_INVAL;
        }
        if !self.devices.is_empty() {
            // §3.3: before any call but weir_abi_version and weir_layout.
            return abi::E_ORDER;
        }
        let host_minor = (version & 0xffff) as u16;
        let min = min_abi_minor::<D>();
        if host_minor < min {
            return abi::E_UNSUPPORTED;
        }
        self.agreed_minor = host_minor.min(newest_abi_minor::<D>()).max(min);
        (1 << 16) | i32::from(self.agreed_minor)
    }

    /// `E_ORDER` for a v1.1 call when the agreed version is 1.0: a host does not make it.
    fn require_v11(&mut self, dev: i32, call: &str) -> Result<(), i32> {
        if self.agreed_minor >= 1 {
            return Ok(());
        }
        if !self.devices.get(dev).map_or(false, |d| d.driver.is_some()) {
            return Err(abi::E_NODEV);
        }
        self.set_last_error(dev, format!("{call} is a v1.1 call, but the host agreed on ABI 1.0 (ABI §3.3)"));
        Err(abi::E_ORDER)
    }

    /// `weir_describe() -> i32`
    #[inline(never)]
    pub fn describe(&mut self) -> i32 {
        let json = match manifest_json::<D>() {
            Ok(json) => json,
            Err(problem) => {
                crate::raw::log_str(abi::Level::Error, &format!("manifest: {problem}"));
                return abi::E_INTERNAL;
            }
        };
        let r = self.regions();
        if json.len() > r.blob.len() {
            return abi::E_NOSPACE;
        }
        r.blob[..json.len()].copy_from_slice(json.as_bytes());
        self.set_meta(META_BLOB_USED, json.len() as i32);
        json.len() as i32
    }

    /// `weir_open(dev, cfg_len, now_us) -> i32`
    #[inline(never)]
    pub fn open(&mut self, dev: i32, cfg_len: i32, now_us: i64) -> i32 {
        if dev < 0 {
            return abi::E_INVAL;
        }
        if let Some(mut old) = self.devices.remove(dev) {
            if let Some(d) = old.driver.as_mut() {
                d.close();
            }
        }
        let open_others = self.open_devices();
        let agreed = self.agreed_minor;
        let cfg_cap = Self::CAPS.cfg;
        let result = if cfg_len < 0 || cfg_len as usize > cfg_cap {
            Err(Error::Inval(format!("cfg_len {cfg_len} is outside 0..{cfg_cap}")))
        } else if D::MAX_DEVICES.map_or(false, |max| open_others >= max as usize) {
            // ABI §2.6: the v1.0 way of saying so; a v1.1 host never asks for more (max_devices).
            Err(Error::Unsupported(format!(
                "this driver serves at most {} devices per instance (max_devices)",
                D::MAX_DEVICES.unwrap_or(0)
            )))
        } else {
            let cfg = &self.regions().cfg[..cfg_len as usize];
            match std::str::from_utf8(cfg) {
                Err(e) => Err(Error::Config(format!("config text is not UTF-8: {e}"))),
                Ok(text) => Config::parse_from_host(text, agreed, &transports::<D>())
                    .and_then(|c| open_driver::<D>(&c, now_us)),
            }
        };
        match result {
            Ok(driver) => {
                self.devices.insert(
                    dev,
                    Device { driver: Some(driver), last_error: String::new(), write_point: None },
                );
                0
            }
            Err(e) => {
                let code = e.code();
                self.devices.insert(
                    dev,
                    Device { driver: None, last_error: e.message().to_string(), write_point: None },
                );
                code
            }
        }
    }

    /// `weir_close(dev) -> i32`
    #[inline(never)]
    pub fn close(&mut self, dev: i32) -> i32 {
        match self.devices.remove(dev) {
            Some(Device { driver: Some(mut d), .. }) => {
                d.close();
                0
            }
            _ => abi::E_NODEV,
        }
    }

    fn finish_request(&mut self, dev: i32, r: Result<(usize, Option<Request>), i32>) -> i32 {
        match r {
            Ok((_, None)) => {
                self.set_meta(META_EXPECT, 0);
                self.set_meta(META_TIMEOUT_MS, 0);
                0
            }
            Ok((0, Some(_))) => {
                self.set_last_error(dev, "driver returned a request but wrote no bytes to tx".into());
                abi::E_INTERNAL
            }
            Ok((len, Some(req))) => {
                self.set_meta(META_EXPECT, req.expect as i32);
                self.set_meta(META_TIMEOUT_MS, req.timeout_ms as i32);
                len as i32
            }
            Err(code) => code,
        }
    }

    fn set_write_point(&mut self, dev: i32, point: Option<u32>) {
        if let Some(d) = self.devices.get_mut(dev) {
            d.write_point = point;
        }
    }

    /// `weir_poll(dev, now_us) -> i32`
    ///
    /// Like every call of a cycle (`poll`, `frame_len`, `on_frame`), it looks the device up once
    /// and touches only the regions it needs: the host calls these thousands of times a second,
    /// and in a driver compiled to WebAssembly every load and store is a call into the host's
    /// memory.
    pub fn poll(&mut self, dev: i32, now_us: i64) -> i32 {
        let (tx_at, tx_cap) = (Self::AT.tx, Self::CAPS.tx);
        let mem = arena_bytes(&mut self.arena);
        let device = match self.devices.get_mut(dev) {
            Some(d) => d,
            None => return abi::E_NODEV,
        };
        // The host polls only with no request outstanding, so no write is.
        device.write_point = None;
        let driver = match device.driver.as_mut() {
            Some(d) => d,
            None => return abi::E_NODEV,
        };
        let mut tx = Tx::new(&mut mem[tx_at..tx_at + tx_cap]);
        let r = driver.poll(&mut tx, now_us);
        let len = tx.len();
        let (rc, expect, timeout, last) = match r {
            Ok(None) => (0, 0, 0, false),
            Ok(Some(req)) if len > 0 => (len as i32, req.expect as i32, req.timeout_ms as i32, req.last),
            Ok(Some(_)) => return empty_request(device),
            Err(e) => return failed(device, e),
        };
        // meta.expect and meta.timeout_ms are adjacent: one store.
        put_u64(mem, META_AT + META_EXPECT, u64::from(expect as u32) | u64::from(timeout as u32) << 32);
        if self.agreed_minor >= 2 && rc > 0 {
            // ABI.md §7.1 (1.2): written with every request, so a flag never outlives its request.
            put_u32(mem, META_AT + META_REQ_FLAGS, if last { abi::REQ_LAST } else { 0 });
        }
        rc
    }

    /// `weir_frame_len(dev, rx_len) -> i32`
    pub fn frame_len(&mut self, dev: i32, rx_len: i32) -> i32 {
        let (rx_at, rx_cap) = (Self::AT.rx, Self::CAPS.rx);
        let mem = arena_bytes(&mut self.arena);
        let device = match self.devices.get_mut(dev) {
            Some(d) => d,
            None => return abi::E_NODEV,
        };
        let driver = match device.driver.as_mut() {
            Some(d) => d,
            None => return abi::E_NODEV,
        };
        if rx_len < 0 || rx_len as usize > rx_cap {
            return rx_len_outside(device, rx_len, rx_cap);
        }
        let n = rx_len as usize;
        match driver.frame_len(&mem[rx_at..rx_at + n], rx_cap) {
            FrameLen::Complete(len) if len > 0 && len <= n => {
                // As set_corr, with the device already at hand.
                if self.agreed_minor >= 1 {
                    let key = driver.correlation_key(&mem[rx_at..rx_at + len], Direction::Response);
                    put_u32(mem, META_AT + META_CORR, key);
                }
                len as i32
            }
            FrameLen::Complete(len) => framed_outside(device, len, rx_len),
            // ABI.md §7.2: a frame longer than rx_cap is garbage, never "need more".
            FrameLen::NeedMore(total) if total > rx_cap => {
                put_u32(mem, META_AT + META_SKIP, 1);
                frame_too_long(device, total, rx_cap)
            }
            FrameLen::NeedMore(total) => {
                put_u32(mem, META_AT + META_NEED, total as u32);
                0
            }
            FrameLen::Resync(skip) => {
                let skip = skip.max(1).min(n.max(1));
                put_u32(mem, META_AT + META_SKIP, skip as u32);
                abi::E_RESYNC
            }
        }
    }

    /// With agreed version 1.1, `meta.corr` = the correlation key of `rx[..n]` (ABI.md §7.12).
    fn set_corr(&mut self, dev: i32, n: usize, direction: Direction) {
        if self.agreed_minor < 1 {
            return;
        }
        let key = match self.devices.get(dev).and_then(|d| d.driver.as_ref()) {
            Some(d) => {
                d.correlation_key(&arena_bytes(&mut self.arena)[Self::AT.rx..Self::AT.rx + n], direction)
            }
            None => return,
        };
        self.set_meta(META_CORR, key as i32);
    }

    /// Runs a call that writes records. `answer` says how it relates to an outstanding write:
    /// `Some(true)` for `on_frame` (its records answer the write unless the frame is not the
    /// answer), `Some(false)` for `on_timeout` (it always ends the request), `None` for calls that
    /// do not end a request (`tick`).
    fn records(
        &mut self,
        dev: i32,
        f: impl FnOnce(&mut D, &[u8], &mut Out) -> Result<(), Error>,
        rx_len: i32,
        answer: Option<bool>,
    ) -> i32 {
        let agreed = self.agreed_minor;
        let (at, caps) = (Self::AT, Self::CAPS);
        let mem = arena_bytes(&mut self.arena);
        let device = match self.devices.get_mut(dev) {
            Some(d) => d,
            None => {
                put_u32(mem, META_AT + META_BLOB_USED, 0);
                return abi::E_NODEV;
            }
        };
        let driver = match device.driver.as_mut() {
            Some(d) => d,
            None => {
                put_u32(mem, META_AT + META_BLOB_USED, 0);
                return abi::E_NODEV;
            }
        };
        if rx_len < 0 || rx_len as usize > caps.rx {
            return length_outside(device, rx_len, caps.rx);
        }
        // Disjoint views: meta and rx lie before out, blob right after it.
        let (head, tail) = mem.split_at_mut(at.out);
        let (out_region, tail) = tail.split_at_mut(at.blob - at.out);
        let mut out = Out::with_abi_minor(&mut out_region[..caps.out()], &mut tail[..caps.blob], agreed);
        let result = f(driver, &head[at.rx..at.rx + rx_len as usize], &mut out);
        // The common case, with agreed version 1.1 or later: records, no error, no write whose
        // answer this could be, no text for weir_last_error. Everything else is finished out of
        // line, which keeps this function small enough for the host's JIT (see `failed`).
        if result.is_ok() && device.write_point.is_none() && !out.has_last_error() && agreed >= 1 {
            put_u32(head, META_AT + META_BLOB_USED, out.blob_used() as u32);
            if answer == Some(true) {
                put_u32(head, META_AT + META_FRAME_FLAGS, out.frame_flags());
            }
            return out.count() as i32;
        }
        finish_records(device, head, &mut out, result, answer, agreed)
    }

    fn check_rx_len(&mut self, dev: i32, len: i32) -> Result<usize, i32> {
        if !self.devices.get(dev).map_or(false, |d| d.driver.is_some()) {
            return Err(abi::E_NODEV);
        }
        let rx_cap = Self::CAPS.rx;
        if len < 0 || len as usize > rx_cap {
            self.set_last_error(dev, format!("length {len} is outside rx (0..{rx_cap})"));
            return Err(abi::E_INVAL);
        }
        Ok(len as usize)
    }

    /// `weir_on_frame(dev, len, now_us) -> i32`
    pub fn on_frame(&mut self, dev: i32, len: i32, now_us: i64) -> i32 {
        self.records(dev, |d, rx, out| d.on_frame(rx, out, now_us), len, Some(true))
    }

    /// `weir_on_bytes(dev, rx_len, now_us) -> i32` (ABI.md §7.13, v1.2): `frame_len`, and for a
    /// complete frame at `rx[0]` `on_frame`, in one call. `meta.need` is written on every return:
    /// the frame's length after a decode (its records' count or its decoding error), the size
    /// needed on `E_PARTIAL`, 0 when no frame was found.
    pub fn on_bytes(&mut self, dev: i32, rx_len: i32, now_us: i64) -> i32 {
        if self.agreed_minor < 2 {
            return self.on_bytes_before_v12(dev);
        }
        let n = self.frame_len(dev, rx_len);
        if n > 0 {
            self.set_meta(META_NEED, n);
            return self.on_frame(dev, n, now_us);
        }
        if n == 0 {
            // frame_len wrote meta.need, the size of the frame if known.
            return abi::E_PARTIAL;
        }
        self.set_meta(META_NEED, 0);
        n
    }

    /// `weir_on_bytes` with an agreed version before 1.2, out of line (see `failed`).
    #[cold]
    #[inline(never)]
    fn on_bytes_before_v12(&mut self, dev: i32) -> i32 {
        self.set_meta(META_NEED, 0);
        if self.devices.get(dev).map_or(true, |d| d.driver.is_none()) {
            return abi::E_NODEV;
        }
        self.set_last_error(
            dev,
            "weir_on_bytes is a v1.2 call, but the host agreed on an older ABI (ABI §3.3)".into(),
        );
        abi::E_ORDER
    }

    /// `weir_on_timeout(dev, now_us) -> i32`
    #[inline(never)]
    pub fn on_timeout(&mut self, dev: i32, now_us: i64) -> i32 {
        self.records(dev, |d, _, out| d.on_timeout(out, now_us), 0, Some(false))
    }

    /// `weir_tick(dev, now_us) -> i32` (ABI.md §7.11, v1.1)
    #[inline(never)]
    pub fn tick(&mut self, dev: i32, now_us: i64) -> i32 {
        if let Err(code) = self.require_v11(dev, "weir_tick") {
            return code;
        }
        self.records(dev, |d, _, out| d.tick(out, now_us), 0, None)
    }

    /// `weir_link_up(dev, now_us) -> i32` (ABI.md §7.9, v1.1)
    #[inline(never)]
    pub fn link_up(&mut self, dev: i32, now_us: i64) -> i32 {
        if let Err(code) = self.require_v11(dev, "weir_link_up") {
            return code;
        }
        match self.with_device(dev, |d, _| d.link_up(now_us)) {
            Ok(()) => 0,
            Err(code) => code,
        }
    }

    /// `weir_frame_end(dev, rx_len) -> i32` (ABI.md §7.10, v1.1)
    #[inline(never)]
    pub fn frame_end(&mut self, dev: i32, rx_len: i32) -> i32 {
        if let Err(code) = self.require_v11(dev, "weir_frame_end") {
            return code;
        }
        let len = match self.check_rx_len(dev, rx_len) {
            Ok(0) => {
                self.set_last_error(dev, "weir_frame_end with no bytes pending (ABI §7.10)".into());
                return abi::E_INVAL;
            }
            Ok(len) => len,
            Err(code) => return code,
        };
        match self.with_device(dev, |d, r| d.frame_end(&r.rx[..len])) {
            Err(code) => code,
            Ok(FrameEnd::Frame(n)) if n > 0 && n <= len => {
                self.set_corr(dev, n, Direction::Response);
                n as i32
            }
            Ok(FrameEnd::Frame(n)) => {
                self.set_last_error(dev, format!("driver ended a frame of {n} bytes out of {len} pending"));
                abi::E_INTERNAL
            }
            Ok(FrameEnd::Discard) => 0,
            Ok(FrameEnd::Resync(skip)) => {
                self.set_meta(META_SKIP, skip.clamp(1, len) as i32);
                abi::E_RESYNC
            }
        }
    }

    /// `weir_observe(dev, len) -> i32`
    #[inline(never)]
    pub fn observe(&mut self, dev: i32, len: i32) -> i32 {
        let len = match self.check_rx_len(dev, len) {
            Ok(len) => len,
            Err(code) => return code,
        };
        // An adopted request ends whatever write was outstanding; the driver marks the results
        // of an adopted write itself (Out::write_result).
        self.set_write_point(dev, None);
        match self.with_device(dev, |d, r| d.observe(&r.rx[..len])) {
            Ok(()) => {
                self.set_corr(dev, len, Direction::Request);
                0
            }
            Err(code) => code,
        }
    }

    /// `weir_write(dev, point, vtype, value, now_us) -> i32`
    #[inline(never)]
    pub fn write(&mut self, dev: i32, point: i32, vtype: i32, value: i64, now_us: i64) -> i32 {
        let cfg_cap = Self::CAPS.cfg;
        let r = self.with_device(dev, |d, r| {
            if point < 0 {
                return Err(Error::Inval(format!("point {point} is negative")));
            }
            let bits = value as u64;
            let blob_ref = || {
                let (off, len) = ((bits & 0xffff_ffff) as usize, (bits >> 32) as usize);
                if off.checked_add(len).map_or(true, |end| end > cfg_cap) {
                    Err(Error::Inval(format!(
                        "write value at cfg[{off}..+{len}] is outside cfg ({cfg_cap} bytes)"
                    )))
                } else {
                    Ok((off, len))
                }
            };
            let cfg: &[u8] = r.cfg;
            let v = match vtype {
                x if x == abi::VT_NULL as i32 => Value::Null,
                x if x == abi::VT_BOOL as i32 => match value {
                    0 => Value::Bool(false),
                    1 => Value::Bool(true),
                    _ => return Err(Error::Inval(format!("BOOL value {value} is neither 0 nor 1"))),
                },
                x if x == abi::VT_I64 as i32 => Value::I64(value),
                x if x == abi::VT_U64 as i32 => Value::U64(bits),
                x if x == abi::VT_F64 as i32 => Value::F64(f64::from_bits(bits)),
                x if x == abi::VT_STR as i32 => {
                    let (off, len) = blob_ref()?;
                    Value::Str(
                        std::str::from_utf8(&cfg[off..off + len])
                            .map_err(|e| Error::Inval(format!("STR write value is not UTF-8: {e}")))?,
                    )
                }
                x if x == abi::VT_BYTES as i32 => {
                    let (off, len) = blob_ref()?;
                    Value::Bytes(&cfg[off..off + len])
                }
                _ => return Err(Error::Inval(format!("unknown value type {vtype}"))),
            };
            let mut tx = Tx::new(r.tx);
            let req = d.write(point as u32, v, &mut tx, now_us)?;
            Ok((tx.len(), Some(req)))
        });
        let expect = matches!(r, Ok((n, Some(Request { expect: true, .. }))) if n > 0);
        let n = self.finish_request(dev, r);
        self.set_write_point(dev, if n > 0 && expect { Some(point as u32) } else { None });
        n
    }

    /// `weir_save_state(dev) -> i32`
    #[inline(never)]
    pub fn save_state(&mut self, dev: i32) -> i32 {
        let r = self.with_device(dev, |d, r| {
            let schema = D::MANIFEST.state_schema.ok_or_else(|| {
                Error::Unsupported("this driver keeps no state (no state_schema in its manifest)".into())
            })?;
            let mut payload = schema.to_le_bytes().to_vec();
            d.save_state(&mut payload)?;
            if payload.len() > r.state.len() {
                return Err(Error::NoSpace(format!(
                    "state of {} bytes does not fit the state region ({} bytes)",
                    payload.len(),
                    r.state.len()
                )));
            }
            r.state[..payload.len()].copy_from_slice(&payload);
            Ok(payload.len() as i32)
        });
        r.unwrap_or_else(|code| code)
    }

    /// `weir_load_state(dev, len) -> i32`
    #[inline(never)]
    pub fn load_state(&mut self, dev: i32, len: i32) -> i32 {
        let r = self.with_device(dev, |d, r| {
            if D::MANIFEST.state_schema.is_none() {
                return Err(Error::Unsupported("this driver keeps no state".into()));
            }
            if len < 0 || len as usize > r.state.len() {
                return Err(Error::Inval(format!("state length {len} is outside 0..{}", r.state.len())));
            }
            let payload = &r.state[..len as usize];
            if payload.len() < 4 {
                return Err(Error::Schema(format!("state payload of {len} bytes has no 4-byte schema")));
            }
            let schema = u32::from_le_bytes([payload[0], payload[1], payload[2], payload[3]]);
            d.load_state(schema, &payload[4..])?;
            Ok(0)
        });
        r.unwrap_or_else(|code| code)
    }

    /// `weir_last_error(dev) -> i32`: changes nothing but `err` (ABI.md §7.8).
    #[inline(never)]
    pub fn last_error(&mut self, dev: i32) -> i32 {
        let text = match self.devices.get(dev) {
            Some(d) => d.last_error.clone(),
            None => return abi::E_NODEV,
        };
        // Truncate to err's capacity on a UTF-8 character boundary.
        let mut n = text.len().min(Self::CAPS.err);
        while !text.is_char_boundary(n) {
            n -= 1;
        }
        self.regions().err[..n].copy_from_slice(&text.as_bytes()[..n]);
        n as i32
    }

    /// Number of open devices (for tests and diagnostics).
    pub fn open_devices(&self) -> usize {
        self.devices.values().filter(|d| d.driver.is_some()).count()
    }
}

// The error paths of the cycle's calls (`poll`, `frame_len`, `on_frame`, `on_bytes`), out of line:
// the host compiles each function of the module to one JVM method, whose JIT inlines the memory
// accesses only up to a budget of bytecode per method (BENCHMARKS.md §12); text formatting and
// string moves inlined into the hot path would use it up and leave the hot path's own loads and
// stores as calls.

/// Stores `e`'s message as the device's last error; returns its code.
#[cold]
#[inline(never)]
fn failed<D>(device: &mut Device<D>, e: Error) -> i32 {
    device.last_error = e.message().to_string();
    e.code()
}

#[cold]
#[inline(never)]
fn empty_request<D>(device: &mut Device<D>) -> i32 {
    failed(device, Error::Internal("driver returned a request but wrote no bytes to tx".into()))
}

#[cold]
#[inline(never)]
fn rx_len_outside<D>(device: &mut Device<D>, rx_len: i32, rx_cap: usize) -> i32 {
    failed(device, Error::Inval(format!("rx_len {rx_len} is outside 0..{rx_cap}")))
}

#[cold]
#[inline(never)]
fn framed_outside<D>(device: &mut Device<D>, len: usize, rx_len: i32) -> i32 {
    failed(device, Error::Internal(format!("driver framed {len} bytes out of {rx_len} received")))
}

/// ABI.md §7.2: a frame longer than `rx` is garbage; the caller writes `meta.skip`.
#[cold]
#[inline(never)]
fn frame_too_long<D>(device: &mut Device<D>, total: usize, rx_cap: usize) -> i32 {
    failed(device, Error::Inval(format!("frame of {total} bytes exceeds rx capacity {rx_cap}")));
    abi::E_RESYNC
}

/// The rest of [`Instance::records`] after the driver wrote its records: an error, the answer to
/// an outstanding write, a text for `weir_last_error`, the rules of agreed version 1.0.
#[inline(never)]
fn finish_records<D>(
    device: &mut Device<D>,
    head: &mut [u8],
    out: &mut Out,
    result: Result<(), Error>,
    answer: Option<bool>,
    agreed: u16,
) -> i32 {
    let flags = out.frame_flags();
    let ends_request = match answer {
        Some(true) => flags & abi::FRAME_NOT_ANSWER == 0,
        Some(false) => true,
        None => false,
    };
    if let (Ok(()), true, Some(p)) = (&result, ends_request, device.write_point) {
        if agreed >= 1 {
            // ABI §6.3: the records of the written point in its response are write results.
            out.mark_write_results(p);
        } else {
            // ABI §7.6 for 1.0: no record means the write succeeded.
            out.drop_confirmations(p);
        }
    }
    let count = out.count();
    put_u32(head, META_AT + META_BLOB_USED, out.blob_used() as u32);
    if let Err(e) = result {
        device.last_error = e.message().to_string();
        return e.code();
    }
    if let Some(text) = out.take_last_error() {
        device.last_error = text;
    }
    if ends_request {
        device.write_point = None;
    }
    if answer == Some(true) {
        if agreed >= 1 {
            put_u32(head, META_AT + META_FRAME_FLAGS, flags);
        } else if flags & abi::FRAME_NOT_ANSWER != 0 {
            // ABI §7.3: v1.0 has no NOT_ANSWER; its word for it is E_PROTO.
            device.last_error = "the frame is not the answer to the outstanding request; its records are \
                                 dropped (agreed ABI 1.0 has no NOT_ANSWER)"
                .into();
            return abi::E_PROTO;
        }
    }
    count as i32
}

#[cold]
#[inline(never)]
fn length_outside<D>(device: &mut Device<D>, rx_len: i32, rx_cap: usize) -> i32 {
    failed(device, Error::Inval(format!("length {rx_len} is outside rx (0..{rx_cap})")))
}

/// `D::open` in a function of its own. Calls outside a cycle are kept apart from each other and
/// from the cycle's calls: the host compiles every function of the module to one JVM method, and
/// one that inlined a config parser, a write encoder and a state reader would grow past what the
/// JVM compiles (8000 bytes of bytecode) or even loads (64 KiB).
#[inline(never)]
fn open_driver<D: Driver>(config: &Config, now_us: i64) -> Result<D, Error> {
    D::open(config, now_us)
}

/// Reports a panic's message through `weir_host_v1.panic` before the module traps (ABI.md §3.1).
#[cfg(target_arch = "wasm32")]
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let message = info.to_string();
        crate::raw::panic_str(&message);
    }));
}

/// Generates every `weir_*` export of ABI.md §3.2 (v1.2) for a [`Driver`] type, bound to one static
/// [`Instance`]. Only on `wasm32`; natively it expands to nothing, and tests use
/// [`crate::testing`].
///
/// ```ignore
/// weir_sdk::export_driver!(MyDriver);
/// ```
#[macro_export]
macro_rules! export_driver {
    ($driver:ty) => {
        #[cfg(target_arch = "wasm32")]
        #[doc(hidden)]
        pub mod __weir_exports {
            use super::*;

            static mut INSTANCE: ::core::option::Option<$crate::Instance<$driver>> = None;

            #[inline]
            fn instance() -> &'static mut $crate::Instance<$driver> {
                // SAFETY: ABI.md §2.7 — the host never calls an instance re-entrantly or from two
                // threads at once, so there is never a second live reference.
                match unsafe { INSTANCE.as_mut() } {
                    Some(instance) => instance,
                    None => start(),
                }
            }

            /// The first call allocates the regions; out of line, so that every later call's
            /// path stays a load and a branch.
            #[cold]
            #[inline(never)]
            fn start() -> &'static mut $crate::Instance<$driver> {
                // SAFETY: as in `instance`.
                unsafe { INSTANCE.get_or_insert_with($crate::Instance::new) }
            }

            /// The ABI v1 version marker (ABI.md §3.3); never called.
            #[no_mangle]
            pub extern "C" fn weir_abi_v1() {}

            /// ABI.md §3.3: the oldest version this driver runs on.
            #[no_mangle]
            pub extern "C" fn weir_abi_version() -> i32 {
                $crate::dispatch::abi_version::<$driver>()
            }

            #[no_mangle]
            pub extern "C" fn weir_host_abi(version: i32) -> i32 {
                instance().host_abi(version)
            }

            #[no_mangle]
            pub extern "C" fn weir_link_up(dev: i32, now_us: i64) -> i32 {
                instance().link_up(dev, now_us)
            }

            #[no_mangle]
            pub extern "C" fn weir_frame_end(dev: i32, rx_len: i32) -> i32 {
                instance().frame_end(dev, rx_len)
            }

            #[no_mangle]
            pub extern "C" fn weir_tick(dev: i32, now_us: i64) -> i32 {
                instance().tick(dev, now_us)
            }

            #[no_mangle]
            pub extern "C" fn weir_layout() -> i32 {
                instance().layout()
            }

            #[no_mangle]
            pub extern "C" fn weir_describe() -> i32 {
                instance().describe()
            }

            #[no_mangle]
            pub extern "C" fn weir_open(dev: i32, cfg_len: i32, now_us: i64) -> i32 {
                instance().open(dev, cfg_len, now_us)
            }

            #[no_mangle]
            pub extern "C" fn weir_close(dev: i32) -> i32 {
                instance().close(dev)
            }

            #[no_mangle]
            pub extern "C" fn weir_poll(dev: i32, now_us: i64) -> i32 {
                instance().poll(dev, now_us)
            }

            #[no_mangle]
            pub extern "C" fn weir_frame_len(dev: i32, rx_len: i32) -> i32 {
                instance().frame_len(dev, rx_len)
            }

            #[no_mangle]
            pub extern "C" fn weir_on_frame(dev: i32, len: i32, now_us: i64) -> i32 {
                instance().on_frame(dev, len, now_us)
            }

            #[no_mangle]
            pub extern "C" fn weir_on_bytes(dev: i32, rx_len: i32, now_us: i64) -> i32 {
                instance().on_bytes(dev, rx_len, now_us)
            }

            #[no_mangle]
            pub extern "C" fn weir_on_timeout(dev: i32, now_us: i64) -> i32 {
                instance().on_timeout(dev, now_us)
            }

            #[no_mangle]
            pub extern "C" fn weir_observe(dev: i32, len: i32) -> i32 {
                instance().observe(dev, len)
            }

            #[no_mangle]
            pub extern "C" fn weir_write(dev: i32, point: i32, vtype: i32, value: i64, now_us: i64) -> i32 {
                instance().write(dev, point, vtype, value, now_us)
            }

            #[no_mangle]
            pub extern "C" fn weir_save_state(dev: i32) -> i32 {
                instance().save_state(dev)
            }

            #[no_mangle]
            pub extern "C" fn weir_load_state(dev: i32, len: i32) -> i32 {
                instance().load_state(dev, len)
            }

            #[no_mangle]
            pub extern "C" fn weir_last_error(dev: i32) -> i32 {
                instance().last_error(dev)
            }

            // No `weir_gc` (optional, ABI §3.2): Rust frees memory eagerly, and an empty export
            // would cost the host a call into the module at the end of every cycle.
        }
    };
}
