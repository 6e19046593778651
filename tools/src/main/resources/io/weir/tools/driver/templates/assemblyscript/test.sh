#!/bin/sh
# Builds build/{{name}}.wasm and runs vectors/ through the SDK's Node runner (the module on
# Node's WebAssembly, through its real exports). Then `weir driver test .` runs the same vectors
# against the module in the Weir host.
# Usage: ./test.sh
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
SDK=${WEIR_SDK_AS:-{{sdk_as}}}
sh "$HERE/build.sh" "$HERE/build"
node "$SDK/bin/weir-vectors.js" "$HERE/build/{{name}}.wasm" "$HERE/vectors"
