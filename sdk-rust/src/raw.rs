//! Layer 1: the host imports, named exactly as in ABI.md §3.1.
//!
//! On `wasm32` these are real imports from `weir_host_v1`. On every other target they are a
//! recording stub, so drivers and the vector harness run natively under `cargo test`; the harness
//! reads what was recorded with [`take_log`] and [`take_panics`].

#[cfg(target_arch = "wasm32")]
mod imports {
    #[link(wasm_import_module = "weir_host_v1")]
    extern "C" {
        /// `weir_host_v1.log(level: i32, ptr: i32, len: i32) -> ()`
        pub fn log(level: i32, ptr: i32, len: i32);
        /// `weir_host_v1.panic(ptr: i32, len: i32) -> ()`
        pub fn panic(ptr: i32, len: i32);
    }
}

#[cfg(target_arch = "wasm32")]
pub use imports::{log, panic};

#[cfg(not(target_arch = "wasm32"))]
mod stub {
    use std::cell::RefCell;

    // Clippy 1.63 flags the `const { }` initializer that thread_local! expands to as an interior
    // mutable const; the RefCells are per-thread statics, never copied out of a const.
    thread_local! {
        #[allow(clippy::declare_interior_mutable_const)]
        static LOG: RefCell<Vec<(i32, String)>> = const { RefCell::new(Vec::new()) };
        #[allow(clippy::declare_interior_mutable_const)]
        static PANICS: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
    }

    // A wasm32 (ptr, len) pair cannot address native memory, so the raw stubs record only the
    // call; the safe wrappers `log_str`/`panic_str` (what the SDK itself uses) record the text.
    fn text(ptr: i32, len: i32) -> String {
        format!("<{len} bytes at {ptr:#x}>")
    }

    /// Native stand-in for `weir_host_v1.log`.
    ///
    /// # Safety
    /// Kept `unsafe` like the real import; natively it never dereferences `ptr`.
    pub unsafe fn log(level: i32, ptr: i32, len: i32) {
        let message = text(ptr, len);
        LOG.with(|l| l.borrow_mut().push((level, message)));
    }

    /// Native stand-in for `weir_host_v1.panic`.
    ///
    /// # Safety
    /// Kept `unsafe` like the real import; natively it never dereferences `ptr`.
    pub unsafe fn panic(ptr: i32, len: i32) {
        let message = text(ptr, len);
        PANICS.with(|p| p.borrow_mut().push(message));
    }

    pub(crate) fn record_log(level: i32, message: &str) {
        LOG.with(|l| l.borrow_mut().push((level, message.to_string())));
    }

    pub(crate) fn record_panic(message: &str) {
        PANICS.with(|p| p.borrow_mut().push(message.to_string()));
    }

    /// Everything logged on this thread since the last call, as (level, message).
    pub fn take_log() -> Vec<(i32, String)> {
        LOG.with(|l| std::mem::take(&mut *l.borrow_mut()))
    }

    /// Every panic message reported on this thread since the last call.
    pub fn take_panics() -> Vec<String> {
        PANICS.with(|p| std::mem::take(&mut *p.borrow_mut()))
    }
}

#[cfg(not(target_arch = "wasm32"))]
pub use stub::{log, panic, take_log, take_panics};

/// Logs `message` at `level` through the host (ABI.md §3.1; the host truncates to 1024 bytes).
pub fn log_str(level: crate::abi::Level, message: &str) {
    #[cfg(target_arch = "wasm32")]
    unsafe {
        log(level as i32, message.as_ptr() as i32, message.len() as i32)
    }
    #[cfg(not(target_arch = "wasm32"))]
    stub::record_log(level as i32, message)
}

/// Reports `message` to the host just before the driver traps (ABI.md §3.1).
pub fn panic_str(message: &str) {
    #[cfg(target_arch = "wasm32")]
    unsafe {
        panic(message.as_ptr() as i32, message.len() as i32)
    }
    #[cfg(not(target_arch = "wasm32"))]
    stub::record_panic(message)
}
