#!/bin/sh
# STYLE.md's Rust checks for one crate: `cargo fmt --check`, then `cargo clippy -D warnings` for
# the host (all targets: lib, tests, examples) and for wasm32-unknown-unknown (lib and examples,
# the code that ships as a driver module). Offline, with Debian's toolchain.
#
# Usage: sdk-rust/lint.sh [CRATE_DIR]   (default: the directory holding this script)
# CARGO_HOME and CARGO_TARGET_DIR default to CRATE_DIR/target/cargo-home and CRATE_DIR/target/cargo;
# WEIR_CARGO / WEIR_RUSTC pick another toolchain (its rustfmt and clippy must sit beside its cargo).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
CRATE=$(cd "${1:-$HERE}" && pwd)
if [ ! -f "$CRATE/Cargo.toml" ]; then
  echo "error: $CRATE has no Cargo.toml: lint.sh takes the crate directory" >&2
  exit 2
fi

. "$HERE/toolchain.sh"
# cargo finds its fmt/clippy subcommands on the PATH; a rustup cargo-fmt or cargo-clippy earlier on
# the PATH would lint with another compiler version than $RUSTC, so the toolchain's own directory
# goes first.
BIN=$(dirname "$CARGO")
for tool in cargo-fmt rustfmt; do
  if [ ! -x "$BIN/$tool" ]; then
    echo "error: $BIN/$tool not found: rustfmt is missing (run tools/setup.sh; it installs rustfmt)" >&2
    exit 1
  fi
done
for tool in cargo-clippy clippy-driver; do
  if [ ! -x "$BIN/$tool" ]; then
    echo "error: $BIN/$tool not found: clippy is missing (run tools/setup.sh; it installs rust-clippy)" >&2
    exit 1
  fi
done

export PATH="$BIN:$PATH"
export RUSTFMT="$BIN/rustfmt"
weir_cargo_env "$CRATE"
MANIFEST="$CRATE/Cargo.toml"

echo "cargo fmt --check: $CRATE"
if ! "$CARGO" fmt --check --manifest-path "$MANIFEST"; then
  # The diff above is what rustfmt would change; the fix is to let it change it, with this
  # toolchain's rustfmt (a rustup one formats by another version's rules).
  echo "error: cargo fmt --check: $CRATE is not formatted as rustfmt.toml says; the diff is above." >&2
  echo "       fix: (cd $CRATE && PATH=$BIN:\$PATH $CARGO fmt), then run this again" >&2
  exit 1
fi
echo "cargo clippy -D warnings (host, all targets): $CRATE"
"$CARGO" clippy --offline --all-targets --manifest-path "$MANIFEST" -- -D warnings
echo "cargo clippy -D warnings (wasm32-unknown-unknown, release, lib + examples): $CRATE"
"$CARGO" clippy --offline --release --target wasm32-unknown-unknown --lib --examples \
  --manifest-path "$MANIFEST" -- -D warnings
