#!/bin/sh
# Makes fixture11.wat and fixture11-passive.wat from fixture11.wat.in (they differ only in the
# manifest and in $passive), then their .wasm with wat2wasm.
set -e
cd "$(dirname "$0")"
gen() {
  m="$3"; len=$(printf '%s' "$m" | wc -c); esc=$(printf '%s' "$m" | sed 's/"/\\\\"/g')
  sed -e "s/@PASSIVE@/$2/" -e "s/@MANIFEST_LEN@/$len/" -e "s|@MANIFEST@|$esc|" fixture11.wat.in > "$1.wat"
  wat2wasm "$1.wat" -o "$1.wasm"
}
gen fixture11 0 '{"name":"fixture11","version":"1.1.0","protocol":"fixture-frames","transport":"tcp","transports":["tcp","serial"],"unsolicited":true,"max_devices":4}'
gen fixture11-passive 1 '{"name":"fixture11-passive","version":"1.1.0","protocol":"fixture-frames","transport":"can","passive":true,"max_devices":4}'
