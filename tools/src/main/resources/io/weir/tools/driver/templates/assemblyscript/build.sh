#!/bin/sh
# Builds the driver to WebAssembly: OUT_DIR/{{name}}.wasm (default OUT_DIR: build/).
#
# With the SDK's weir-asc (AssemblyScript 0.28.20 with the options the ABI needs, then the module
# checked as the host checks it). Offline: node_modules/ links the SDK of the Weir checkout and its
# assemblyscript (installed there by the Weir build); nothing comes from the npm registry.
# WEIR_SDK_AS overrides where the SDK is.
# Usage: ./build.sh [OUT_DIR]
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "${1:-$HERE/build}"
OUT_DIR=$(cd "${1:-$HERE/build}" && pwd)
SDK=${WEIR_SDK_AS:-{{sdk_as}}}
if ! command -v node >/dev/null 2>&1; then
  echo "error: node not found: AssemblyScript drivers build with Node 20 (run tools/setup.sh of the Weir checkout)" >&2
  exit 1
fi
if [ ! -f "$SDK/bin/weir-asc.js" ]; then
  echo "error: $SDK/bin/weir-asc.js not found: set WEIR_SDK_AS to the sdk-assemblyscript folder of a Weir checkout" >&2
  exit 1
fi
if [ ! -d "$SDK/node_modules/assemblyscript" ]; then
  echo "error: $SDK/node_modules/assemblyscript not found: build the SDK once (mvn -pl sdk-assemblyscript install, or npm ci in $SDK)" >&2
  exit 1
fi
# asc resolves `weir-driver-sdk/assembly` through node_modules beside the sources.
mkdir -p "$HERE/node_modules"
ln -sfn "$SDK" "$HERE/node_modules/weir-driver-sdk"
ln -sfn "$SDK/node_modules/assemblyscript" "$HERE/node_modules/assemblyscript"
cd "$HERE"
node "$SDK/bin/weir-asc.js" assembly/index.ts -o "$OUT_DIR/{{name}}.wasm"
