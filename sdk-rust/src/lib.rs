//! # weir-sdk
//!
//! Zero-dependency SDK for Weir protocol drivers (WebAssembly modules behind the Weir driver ABI
//! v1.1, `driver-abi/ABI.md`; a driver that uses no v1.1 feature also loads on a v1.0 host). Three layers, as proxy-wasm and Extism PDKs cut them:
//!
//! 1. [`raw`] — the host imports `weir_host_v1.log` / `weir_host_v1.panic`, exactly as the ABI
//!    names them (a recording stub on native targets);
//! 2. the dispatcher — [`Instance`] owns the regions (layout, meta, `cfg`, `rx`, `tx`, `out`,
//!    `blob`, `state`, `err`) and a table of open devices; [`export_driver!`] generates every
//!    `weir_*` export on top of it, including the version marker;
//! 3. the [`Driver`] trait with default methods, and the types it works with: [`Config`],
//!    [`Out`]/[`Tx`] writers, [`Error`], [`FrameLen`], [`WordOrder`].
//!
//! [`testing`] runs golden vector files (`driver-abi/VECTORS.md`) natively against a driver,
//! through the same [`Instance`] the wasm exports use.

pub mod abi;
pub mod can;
pub mod config;
pub mod dispatch;
pub mod driver;
pub mod error;
pub mod order;
pub mod out;
pub mod raw;
#[cfg(not(target_arch = "wasm32"))]
pub mod testing;

pub use abi::{Level, Quality};
pub use can::CanFrame;
pub use config::{Config, Params};
pub use dispatch::{Capacities, Instance};
pub use driver::{
    delimited, Direction, Driver, FrameEnd, FrameLen, Manifest, Pending, Request, Transport, Value,
};
pub use error::Error;
pub use order::WordOrder;
pub use out::{Out, Stopped, Tx};

/// Logs through the host (`weir_host_v1.log`).
pub fn log(level: Level, message: &str) {
    raw::log_str(level, message)
}
