#!/usr/bin/env bash
# Installs the programs the benchmarks measure beside Station, at the versions that
# shared/reference/BASELINES.md used: htop, btop and task-spooler from Debian packages,
# bottom 0.15.0 and pueue 4.0.4 from crates.io. Idempotent: what is already installed is
# left alone.
#
# bottom and pueue are compiled from source by `cargo install`; on a 2-core machine that
# takes several minutes each. Skip them with BENCH_SKIP_BOTTOM=1 and BENCH_SKIP_PUEUE=1.
set -euo pipefail

BOTTOM_VERSION=0.15.0
PUEUE_VERSION=4.0.4

if ((EUID == 0)); then
    as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root=(sudo -n)
else
    as_root=(false)
fi

missing=()
declare -A package_of=([htop]=htop [btop]=btop [tsp]=task-spooler)
for program in htop btop tsp; do
    command -v "$program" >/dev/null 2>&1 || missing+=("${package_of[$program]}")
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
echo "install-bench-peers: $(htop --version | head -n1); btop $(btop --version | grep -o '[0-9][0-9.]*' | head -n1); task-spooler (tsp)"

# Builds crate $1 at version $2 with cargo install unless `$3 --version` already says so.
cargo_peer() {
    local crate=$1 version=$2 program=$3
    local bin
    bin=$(command -v "$program" || echo "${CARGO_HOME:-$HOME/.cargo}/bin/$program")
    if [[ -x $bin ]] && "$bin" --version 2>/dev/null | grep -q " $version"; then
        echo "install-bench-peers: $("$bin" --version) already installed"
        return 0
    fi
    if ! command -v cargo >/dev/null 2>&1; then
        echo "install-bench-peers: cargo not found; install Rust to build $crate $version" >&2
        return 1
    fi
    echo "install-bench-peers: building $crate $version with cargo install (this takes several minutes)"
    cargo install "$crate" --version "$version" --locked --quiet
    echo "install-bench-peers: $crate $version installed"
}

if [[ ${BENCH_SKIP_BOTTOM:-0} == 1 ]]; then
    echo "install-bench-peers: skipping bottom (BENCH_SKIP_BOTTOM=1)"
else
    cargo_peer bottom "$BOTTOM_VERSION" btm
fi
# pueue (bench/jobs.sh), as BASELINES.md measured it. Skip with BENCH_SKIP_PUEUE=1.
if [[ ${BENCH_SKIP_PUEUE:-0} != 1 ]]; then
    cargo_peer pueue "$PUEUE_VERSION" pueue
fi
