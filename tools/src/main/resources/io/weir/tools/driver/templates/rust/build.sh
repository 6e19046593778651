#!/bin/sh
# Builds the driver to WebAssembly: OUT_DIR/{{name}}.wasm (default OUT_DIR: build/).
#
# Debian's Rust toolchain by path (rustc 1.63 + libstd-rust-dev-wasm32), offline: a rustup cargo
# first on the PATH has no wasm32 standard library on the build machines. The link flags are in
# .cargo/config.toml. WEIR_SDK_RUST overrides where the SDK is.
# Usage: ./build.sh [OUT_DIR]
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "${1:-$HERE/build}"
OUT_DIR=$(cd "${1:-$HERE/build}" && pwd)
SDK=${WEIR_SDK_RUST:-{{sdk_rust}}}
if [ ! -f "$SDK/toolchain.sh" ]; then
  echo "error: $SDK/toolchain.sh not found: set WEIR_SDK_RUST to the sdk-rust folder of a Weir checkout (and the path of weir-sdk in Cargo.toml)" >&2
  exit 1
fi
. "$SDK/toolchain.sh"
weir_cargo_env "$HERE"
cd "$HERE" # cargo reads .cargo/config.toml from the folder it runs in

# `cargo rustc --crate-type cdylib`, not `cargo build`: cargo drops `lto = true` for a crate that
# is also an rlib, and only as a cdylib is the SDK optimised together with the driver.
"$CARGO" rustc --offline --release --lib --crate-type cdylib --target wasm32-unknown-unknown
cp "$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/{{crate}}.wasm" "$OUT_DIR/{{name}}.wasm"
echo "{{name}}.wasm: $(wc -c < "$OUT_DIR/{{name}}.wasm" | tr -d ' ') bytes -> $OUT_DIR/{{name}}.wasm"
