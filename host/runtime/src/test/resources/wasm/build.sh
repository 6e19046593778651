#!/bin/sh
# Rebuilds every fixture .wasm from its .wat with wabt's wat2wasm (the build itself does not need
# wabt: the .wasm files are committed). Two fixtures use proposals wat2wasm leaves off by default.
set -e
cd "$(dirname "$0")"
for wat in *.wat; do
    name=${wat%.wat}
    case $name in
        memory-shared) flags=--enable-threads ;;
        memory-two) flags=--enable-multi-memory ;;
        memory64) flags=--enable-memory64 ;;
        *) flags= ;;
    esac
    wat2wasm $flags "$wat" -o "$name.wasm"
done
