# Sourced (not run) by the Rust build, test and lint scripts: picks Debian's toolchain by path and
# checks it, then keeps everything cargo writes under CRATE_DIR/target, offline.
#
# Debian's rustc 1.63 + libstd-rust-dev-wasm32 build for wasm32-unknown-unknown; a rustup cargo on
# the PATH has no wasm32 target on these machines. WEIR_RUSTC / WEIR_CARGO pick another toolchain.
# Usage: . sdk-rust/toolchain.sh; weir_cargo_env CRATE_DIR

RUSTC=${WEIR_RUSTC:-/usr/bin/rustc}
CARGO=${WEIR_CARGO:-/usr/bin/cargo}
for tool in "$RUSTC" "$CARGO"; do
  if [ ! -x "$tool" ]; then
    echo "error: $tool not found: Debian's Rust toolchain is missing (run tools/setup.sh; it installs rustc, cargo, libstd-rust-dev-wasm32)" >&2
    exit 1
  fi
done
SYSROOT=$("$RUSTC" --print sysroot)
if [ ! -d "$SYSROOT/lib/rustlib/wasm32-unknown-unknown/lib" ]; then
  echo "error: $RUSTC has no wasm32-unknown-unknown standard library in $SYSROOT/lib/rustlib (run tools/setup.sh; it installs libstd-rust-dev-wasm32)" >&2
  exit 1
fi
export RUSTC

# Everything cargo writes stays under CRATE_DIR/target, so `mvn clean` or `rm -rf target` removes
# it and nothing depends on ~/.cargo; crates.io is unreachable and the crates have no dependencies.
weir_cargo_env() {
  export CARGO_HOME="${CARGO_HOME:-$1/target/cargo-home}"
  export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$1/target/cargo}"
  export CARGO_NET_OFFLINE=true
}
