#!/bin/sh
# Builds the CAN DBC + J1939 driver to WebAssembly: OUT_DIR/can-dbc.wasm.
#
# Uses Debian's Rust toolchain by path (rustc 1.63 + libstd-rust-dev-wasm32): a rustup cargo on
# the PATH has no wasm32 target on these machines. Offline: the driver has no crate dependencies.
# Usage: drivers/can-dbc/build.sh OUT_DIR
set -eu

if [ $# -ne 1 ]; then
  echo "usage: $0 OUT_DIR" >&2
  exit 2
fi
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$1"
OUT_DIR=$(cd "$1" && pwd)

. "$HERE/../../sdk-rust/toolchain.sh"
weir_cargo_env "$HERE"
# Size and safety: profile.release in Cargo.toml sets opt-level=s, lto, codegen-units=1,
# panic=abort. A 64 KiB shadow stack (rustc's default is 1 MiB) keeps the initial memory small;
# the maximum memory is the ABI's limit of 1024 pages (ABI.md §3.2).
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-C link-arg=-zstack-size=65536 -C link-arg=--max-memory=67108864"

"$CARGO" build --offline --release --lib --target wasm32-unknown-unknown --manifest-path "$HERE/Cargo.toml"

WASM="$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/can_dbc.wasm"
# ABI.md §3.1: the host refuses any import outside weir_host_v1.{log,panic}; catch it here first.
if command -v wasm-objdump >/dev/null 2>&1; then
  BAD_IMPORTS=$(wasm-objdump -x -j Import "$WASM" | grep ' <- ' | grep -v -E '<- weir_host_v1\.(log|panic)$' || true)
  if [ -n "$BAD_IMPORTS" ]; then
    echo "error: can-dbc.wasm imports more than weir_host_v1.log/panic:" >&2
    echo "$BAD_IMPORTS" >&2
    exit 1
  fi
fi
cp "$WASM" "$OUT_DIR/can-dbc.wasm"
SIZE=$(wc -c < "$OUT_DIR/can-dbc.wasm" | tr -d ' ')
echo "can-dbc.wasm: $SIZE bytes -> $OUT_DIR/can-dbc.wasm"
