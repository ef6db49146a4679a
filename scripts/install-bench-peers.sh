#!/usr/bin/env bash
# Installs the monitors that bench/idle.sh measures beside Station, at the versions that
# shared/reference/BASELINES.md used: htop and btop from Debian packages, bottom 0.15.0 from
# crates.io. Idempotent: what is already installed is left alone.
#
# bottom is compiled from source by `cargo install`; on a 2-core machine that takes several
# minutes. Skip it with BENCH_SKIP_BOTTOM=1.
set -euo pipefail

BOTTOM_VERSION=0.15.0

if ((EUID == 0)); then
    as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root=(sudo -n)
else
    as_root=(false)
fi

missing=()
for program in htop btop; do
    command -v "$program" >/dev/null 2>&1 || missing+=("$program")
done
if ((${#missing[@]} > 0)); then
    if [[ ${as_root[0]:-} == false ]] || ! command -v apt-get >/dev/null 2>&1; then
        echo "install-bench-peers: missing ${missing[*]}; install them as root with: apt-get install ${missing[*]}" >&2
        exit 1
    fi
    echo "install-bench-peers: installing ${missing[*]} from Debian packages"
    export DEBIAN_FRONTEND=noninteractive
    "${as_root[@]}" apt-get update -qq
    "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "install-bench-peers: $(htop --version | head -n1); btop $(btop --version | grep -o '[0-9][0-9.]*' | head -n1)"

if [[ ${BENCH_SKIP_BOTTOM:-0} == 1 ]]; then
    echo "install-bench-peers: skipping bottom (BENCH_SKIP_BOTTOM=1)"
    exit 0
fi
btm_bin=$(command -v btm || echo "${CARGO_HOME:-$HOME/.cargo}/bin/btm")
if [[ -x $btm_bin ]] && "$btm_bin" --version 2>/dev/null | grep -q " $BOTTOM_VERSION"; then
    echo "install-bench-peers: $("$btm_bin" --version) already installed"
    exit 0
fi
if ! command -v cargo >/dev/null 2>&1; then
    echo "install-bench-peers: cargo not found; install Rust to build bottom $BOTTOM_VERSION" >&2
    exit 1
fi
echo "install-bench-peers: building bottom $BOTTOM_VERSION with cargo install (this takes several minutes)"
cargo install bottom --version "$BOTTOM_VERSION" --locked --quiet
echo "install-bench-peers: $("${CARGO_HOME:-$HOME/.cargo}/bin/btm" --version) installed"
