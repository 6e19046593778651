#!/bin/sh
# Runs the CAN DBC driver's native tests: every vector file in vectors/ through the SDK harness,
# plus unit tests. Offline, with Debian's toolchain, everything under drivers/can-dbc/target.
# First STYLE.md's Rust checks, cargo fmt --check and cargo clippy -D warnings (host and wasm32),
# through the SDK's lint.sh; it says "run tools/setup.sh" when rustfmt or clippy is missing.
# Usage: drivers/can-dbc/test.sh [extra cargo test arguments]
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../../sdk-rust/toolchain.sh"
weir_cargo_env "$HERE"
RUSTDOC=${WEIR_RUSTDOC:-/usr/bin/rustdoc}
if [ ! -x "$RUSTDOC" ]; then
  echo "error: $RUSTDOC not found: Debian's Rust toolchain is missing (run tools/setup.sh; it installs rustc, cargo, libstd-rust-dev-wasm32)" >&2
  exit 1
fi
export RUSTDOC
WEIR_RUSTC="$RUSTC" WEIR_CARGO="$CARGO" sh "$HERE/../../sdk-rust/lint.sh" "$HERE"
exec "$CARGO" test --offline --manifest-path "$HERE/Cargo.toml" "$@"
