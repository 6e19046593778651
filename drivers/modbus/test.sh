#!/bin/sh
# Runs the Modbus driver's native tests: every vector file in vectors/ through the SDK harness,
# plus unit tests. Offline, with Debian's toolchain, everything under drivers/modbus/target.
# First STYLE.md's Rust checks, cargo fmt --check and cargo clippy -D warnings (host and wasm32),
# through the SDK's lint.sh; it says "run tools/setup.sh" when rustfmt or clippy is missing.
# Usage: drivers/modbus/test.sh [extra cargo test arguments]
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
RUSTC=${WEIR_RUSTC:-/usr/bin/rustc}
CARGO=${WEIR_CARGO:-/usr/bin/cargo}
RUSTDOC=${WEIR_RUSTDOC:-/usr/bin/rustdoc}
for tool in "$RUSTC" "$CARGO" "$RUSTDOC"; do
  if [ ! -x "$tool" ]; then
    echo "error: $tool not found: Debian's Rust toolchain is missing (run tools/setup.sh; it installs rustc, cargo, libstd-rust-dev-wasm32)" >&2
    exit 1
  fi
done
export RUSTC RUSTDOC
export CARGO_HOME="$HERE/target/cargo-home"
export CARGO_TARGET_DIR="$HERE/target/cargo"
export CARGO_NET_OFFLINE=true
WEIR_RUSTC="$RUSTC" WEIR_CARGO="$CARGO" sh "$HERE/../../sdk-rust/lint.sh" "$HERE"
exec "$CARGO" test --offline --manifest-path "$HERE/Cargo.toml" "$@"
