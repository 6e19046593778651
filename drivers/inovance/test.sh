#!/bin/sh
# Runs the Inovance driver's own tests: builds build/inovance.wasm, checks that the committed
# vectors are exactly what tools/gen_vectors.py generates, runs every vector file through the
# SDK's Node runner (the module on Node's WebAssembly, through its real exports), and, where
# tshark is installed, decodes every vector frame with Wireshark's Modbus/TCP dissector.
# The Java host runs the same vector files (drivers module, DriverVectorsTest).
# Usage: drivers/inovance/test.sh
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
sh "$HERE/build.sh" "$HERE/build"
if ! command -v python3 >/dev/null 2>&1; then
  echo "error: python3 not found: tools/gen_vectors.py --check needs it (run tools/setup.sh)" >&2
  exit 1
fi
python3 "$HERE/tools/gen_vectors.py" --check
node "$HERE/../../sdk-assemblyscript/bin/weir-vectors.js" "$HERE/build/inovance.wasm" "$HERE/vectors"
if command -v tshark >/dev/null 2>&1; then
  python3 "$HERE/tools/check_tshark.py"
else
  echo "tshark not found: the frames of vectors/ were not decoded by Wireshark here (apt-get install tshark, then python3 tools/check_tshark.py)"
fi
