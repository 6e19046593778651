#!/bin/sh
# Builds the Inovance driver to WebAssembly: OUT_DIR/inovance.wasm.
#
# AssemblyScript 0.28.20 through the SDK's weir-asc (sdk-assemblyscript/bin/weir-asc.js), which
# compiles with the options the ABI needs and then checks the module's imports and exports as the
# host will. Installs the npm packages it needs on first use (npm ci, from the lock files).
# Usage: drivers/inovance/build.sh OUT_DIR
set -eu

if [ $# -ne 1 ]; then
  echo "usage: $0 OUT_DIR" >&2
  exit 2
fi
HERE=$(cd "$(dirname "$0")" && pwd)
SDK=$(cd "$HERE/../../sdk-assemblyscript" && pwd)
mkdir -p "$1"
OUT_DIR=$(cd "$1" && pwd)

for tool in node npm; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "error: $tool not found: the Inovance driver is AssemblyScript and builds with Node 20 (run tools/setup.sh)" >&2
    exit 1
  fi
done
# weir-asc runs from the SDK's own folder (node resolves the file: link to its real path), so the
# SDK needs its node_modules; the driver's own node_modules link the SDK under its package name.
if [ ! -d "$SDK/node_modules/assemblyscript" ]; then
  (cd "$SDK" && npm ci --no-audit --no-fund --prefer-offline)
fi
if [ ! -e "$HERE/node_modules/weir-driver-sdk/package.json" ] || [ ! -d "$HERE/node_modules/assemblyscript" ]; then
  (cd "$HERE" && npm ci --no-audit --no-fund --prefer-offline)
fi
cd "$HERE"
node "$SDK/bin/weir-asc.js" assembly/index.ts -o "$OUT_DIR/inovance.wasm"
