#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine (JDK 17, Maven, Node 20 and git only) lacks for the
# build and the tests. Idempotent: packages already installed are skipped, and nothing touches the
# network when everything is there. npm packages are installed by the Maven build (npm ci).
set -euo pipefail

# Build: Debian's Rust with the wasm32 standard library (crates.io is not needed).
# Tests: wabt (wat2wasm for hand-written test modules), socat (pty pairs for serial peers),
# tshark (Wireshark's dissectors as an independent oracle), openssl (ShangMi interop).
PACKAGES=(
    rustc
    cargo
    libstd-rust-dev-wasm32
    # rustc's /usr/bin/rust-lld (the wasm32 linker) points into lld-14, which Debian lists only as
    # a Recommends of libstd-rust-dev-wasm32, so --no-install-recommends would leave it out.
    lld-14
    # STYLE.md: Rust code passes `cargo fmt --check` and `cargo clippy -D warnings`; sdk-rust's
    # Maven build and drivers/modbus/test.sh run both, with Debian's 1.63 tools matching rustc.
    rustfmt
    rust-clippy
    wabt
    socat
    tshark
    # OpenSSL 3's command line: a second SM2/SM3/SM4 implementation for the uplink's interop
    # tests (tools/receiver OpenSslInteropIT, MalformedEnvelopeIT).
    openssl
)

missing=()
for p in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done

for tool in java mvn node npm git; do
    if ! command -v "$tool" > /dev/null; then
        echo "setup.sh: '$tool' is not installed; this project expects JDK 17, Maven, Node 20, git" >&2
        exit 1
    fi
done

if ((${#missing[@]} == 0)); then
    exit 0
fi

if [[ $(id -u) -eq 0 ]]; then
    SUDO=()
elif command -v sudo > /dev/null; then
    SUDO=(sudo)
else
    echo "setup.sh: need root (or sudo) to install: ${missing[*]}" >&2
    exit 1
fi

echo "setup.sh: installing ${missing[*]}" >&2
# tshark asks whether non-root users may capture; answer "no" ahead of time.
echo "wireshark-common wireshark-common/install-setuid boolean false" | "${SUDO[@]}" debconf-set-selections
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -q
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
