#!/usr/bin/env bash
# `station status --on HOST` end to end beside OpenSSH's `ssh HOST true`, in the same run,
# against a real sshd this script starts on 127.0.0.1 (its own host key, authorized_keys and
# config; stopped by PID on exit). Both use the same ~/.ssh/config alias, key and
# known_hosts. The remote agent is started once before timing (steady state).
#
# Usage: bench/ssh.sh [--runs N]
# Environment: STATION_BIN (default target/release/station, built when missing),
#   BENCH_RUNS (30), BENCH_KEEP=1 (keep the work folder).
set -euo pipefail

ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${BENCH_RUNS:-30}
while (($#)); do
    case $1 in
    --runs) RUNS=$2 && shift ;;
    -h | --help)
        sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'
        exit 0
        ;;
    *) echo "ssh: unknown argument $1 (see --help)" >&2 && exit 1 ;;
    esac
    shift
done

STATION_BIN=${STATION_BIN:-$ROOT/target/release/station}
if [[ ! -x $STATION_BIN ]]; then
    (cd "$ROOT" && cargo build --release --quiet)
fi
# shellcheck source=bench/lib/sshd.sh
source "$ROOT/bench/lib/sshd.sh"

WORK=$(mktemp -d /tmp/station-bench-ssh.XXXXXX)
cleanup() {
    set +e
    stop_bench_sshd
    [[ ${BENCH_KEEP:-0} == 1 ]] || rm -rf "$WORK"
}
trap cleanup EXIT INT TERM
start_bench_sshd

# The remote agent starts once, outside the timing.
local_env "$STATION_BIN" status --on bench --json >/dev/null

median_ms() { sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.1f", m/1000}'; }
time_runs() {
    local i t0 t1 samples=()
    for ((i = 0; i < RUNS; i++)); do
        t0=$(now_us)
        "$@" >/dev/null
        t1=$(now_us)
        samples+=("$((t1 - t0))")
    done
    printf '%s\n' "${samples[@]}" | median_ms
}

ssh_ms=$(time_runs local_env ssh -F "$WORK/home/.ssh/config" -o BatchMode=yes bench true)
station_ms=$(time_runs local_env "$STATION_BIN" status --on bench --json)
printf '%-34s %10s\n' "command (median of $RUNS)" "ms"
printf '%-34s %10s\n' "ssh bench true (OpenSSH)" "$ssh_ms"
printf '%-34s %10s\n' "station status --on bench --json" "$station_ms"
awk -v s="$station_ms" -v o="$ssh_ms" 'BEGIN {printf "ratio: %.2f× (target ≤ 1.5×)\n", s / o}'
