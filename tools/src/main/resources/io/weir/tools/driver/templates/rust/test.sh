#!/bin/sh
# Builds build/{{name}}.wasm, checks the code with cargo fmt and clippy (the SDK's lint.sh; it
# names the fix when the formatting is off), and runs vectors/ natively through the SDK harness.
# Then `weir driver test .` runs the same vectors against the module in the Weir host.
# Usage: ./test.sh [extra cargo test arguments]
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
SDK=${WEIR_SDK_RUST:-{{sdk_rust}}}
sh "$HERE/build.sh" "$HERE/build"
. "$SDK/toolchain.sh"
weir_cargo_env "$HERE"
export RUSTDOC=${WEIR_RUSTDOC:-/usr/bin/rustdoc}
if [ "${WEIR_NO_LINT:-}" != 1 ]; then
  WEIR_RUSTC="$RUSTC" WEIR_CARGO="$CARGO" sh "$SDK/lint.sh" "$HERE"
fi
cd "$HERE"
exec "$CARGO" test --offline "$@"
