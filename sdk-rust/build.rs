//! Fails a wasm32 build early, and says what to do, when the compiler has no wasm32 standard
//! library. On the build machines that is a rustup `cargo`/`rustc` first on the PATH: offline it
//! stops at "can't find crate for `std`" with the advice `rustup target add wasm32-unknown-unknown`,
//! which cannot download anything here. Debian's toolchain (`/usr/bin/cargo`, `/usr/bin/rustc`
//! with `libstd-rust-dev-wasm32`) has the library; the drivers' `build.sh` scripts use it.
use std::path::Path;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let target = std::env::var("TARGET").unwrap_or_default();
    if target != "wasm32-unknown-unknown" {
        return;
    }
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let sysroot = match Command::new(&rustc).arg("--print").arg("sysroot").output() {
        Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout).trim().to_string(),
        // Cannot tell: let the compiler speak for itself.
        _ => return,
    };
    let lib = Path::new(&sysroot).join("lib/rustlib/wasm32-unknown-unknown/lib");
    if lib.is_dir() {
        return;
    }
    eprintln!(
        "error: {rustc} (sysroot {sysroot}) has no wasm32-unknown-unknown standard library.\n\
         This is usually a rustup cargo first on the PATH; offline, `rustup target add` cannot \
         download it.\n\
         Build with Debian's toolchain instead: run the driver's ./build.sh, or\n  \
         RUSTC=/usr/bin/rustc /usr/bin/cargo build --offline --release --target wasm32-unknown-unknown\n\
         (Debian packages rustc, cargo, libstd-rust-dev-wasm32: run tools/setup.sh)"
    );
    std::process::exit(1);
}
