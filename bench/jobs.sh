#!/usr/bin/env bash
# Job runner throughput and latency of Station beside task-spooler (`tsp`) and pueue, measured
# the same way in the same run (see bench/README.md and shared/reference/BASELINES.md), each
# with 2 slots and its own state folder:
#
#   submit     500 sequential CLI submits of `true`, jobs/s
#   drain      500 × `true` from the first submit until all are done, jobs/s
#   roundtrip  submit one `true` and wait for it, median of 20, ms: two commands for every
#              program (`station submit` then `station wait`), and for Station also the one
#              command `station submit --wait` (column one-cmd)
#   history    Station only: median submit cost at 0 and at 10,000 finished jobs, ms, and
#              the agent's RSS with 10,000 finished jobs (MiB)
#
# Usage: bench/jobs.sh [--programs "station tsp pueue"] [--history N]
# Environment: STATION_BIN (default target/release/station, built when missing),
#   BENCH_JOBS (500), BENCH_HISTORY (10000), BENCH_SETTLE_SECONDS (5, before the second
#   history timing), BENCH_KEEP=1 (keep the work folder).
set -euo pipefail

ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
PROGRAMS=${BENCH_PROGRAMS:-station tsp pueue}
JOBS=${BENCH_JOBS:-500}
HISTORY=${BENCH_HISTORY:-10000}
ROUNDTRIPS=20

log() { printf 'jobs: %s\n' "$*" >&2; }
die() {
    printf 'jobs: error: %s\n' "$*" >&2
    exit 1
}

while (($#)); do
    case $1 in
    --programs) PROGRAMS=$2 && shift ;;
    --history) HISTORY=$2 && shift ;;
    -h | --help)
        sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'
        exit 0
        ;;
    *) die "unknown argument $1 (see --help)" ;;
    esac
    shift
done

STATION_BIN=${STATION_BIN:-$ROOT/target/release/station}
if [[ ! -x $STATION_BIN ]]; then
    log "building $STATION_BIN"
    (cd "$ROOT" && cargo build --release --quiet)
fi

WORK=$(mktemp -d /tmp/station-bench-jobs.XXXXXX)
STATION_HOME=$WORK/station
TSP_SOCKET=$WORK/tsp.sock
PUEUE_CONFIG=$WORK/pueue.yml
cleanup() {
    set +e
    env_station "$STATION_BIN" agent stop >/dev/null 2>&1
    TS_SOCKET=$TSP_SOCKET tsp -K >/dev/null 2>&1
    if [[ -f $PUEUE_CONFIG ]]; then
        pueue -c "$PUEUE_CONFIG" shutdown >/dev/null 2>&1
        # Its daemon still writes its state for a moment; let it finish before removing it.
        for _ in {1..50}; do
            pgrep -f "pueued -c $PUEUE_CONFIG" >/dev/null || break
            sleep 0.1
        done
    fi
    [[ ${BENCH_KEEP:-0} == 1 ]] || rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

now_us() {
    local t=${EPOCHREALTIME/[.,]/}
    printf '%s' "$t"
}

# Runs a command with Station's isolated folders.
env_station() {
    env -i PATH="$PATH" LANG=C.UTF-8 HOME="$STATION_HOME" \
        XDG_CONFIG_HOME="$STATION_HOME/config" XDG_STATE_HOME="$STATION_HOME/state" \
        XDG_RUNTIME_DIR="$STATION_HOME/runtime" "$@"
}

# ---- per-program verbs: start, submit, wait_all, submit_wait ---------------------------------

station_start() {
    mkdir -p "$STATION_HOME"/{config/station,state,runtime}
    chmod 700 "$STATION_HOME/runtime"
    printf '[jobs]\ncpu_slots = 2\n' >"$STATION_HOME/config/station/config.toml"
    env_station "$STATION_BIN" agent >/dev/null
}
station_submit() { env_station "$STATION_BIN" submit -- true; }
station_wait_all() { env_station "$STATION_BIN" wait "$@" >/dev/null; }
station_submit_wait() { env_station "$STATION_BIN" wait "$(station_submit)" >/dev/null; }
# The same in one command (`submit --wait`), reported in its own column.
station_submit_wait_one() { env_station "$STATION_BIN" submit --wait -- true >/dev/null; }

tsp_start() {
    export TS_SOCKET=$TSP_SOCKET TS_SAVELIST=$WORK/tsp-list TS_MAXFINISHED=100000 TMPDIR=$WORK
    tsp -S 2
}
tsp_submit() { tsp true; }
tsp_wait_all() {
    local id
    for id in "$@"; do tsp -w "$id" >/dev/null || true; done
}
tsp_submit_wait() { tsp -w "$(tsp true)" >/dev/null; }

pueue_start() {
    mkdir -p "$WORK/pueue"
    printf 'shared:\n  pueue_directory: %s\n  runtime_directory: %s\n  use_unix_socket: true\n' \
        "$WORK/pueue" "$WORK/pueue" >"$PUEUE_CONFIG"
    pueued -c "$PUEUE_CONFIG" -d >/dev/null
    local i
    for ((i = 0; i < 100; i++)); do
        pueue -c "$PUEUE_CONFIG" status >/dev/null 2>&1 && break
        sleep 0.05
    done
    pueue -c "$PUEUE_CONFIG" parallel 2 >/dev/null
}
pueue_submit() { pueue -c "$PUEUE_CONFIG" add --print-task-id -- true; }
pueue_wait_all() { pueue -c "$PUEUE_CONFIG" wait >/dev/null; }
pueue_submit_wait() {
    pueue -c "$PUEUE_CONFIG" add --print-task-id -- true >/dev/null
    pueue -c "$PUEUE_CONFIG" wait >/dev/null
}

available() {
    case $1 in
    station) [[ -x $STATION_BIN ]] ;;
    tsp) command -v tsp >/dev/null ;;
    pueue) command -v pueue >/dev/null && command -v pueued >/dev/null ;;
    *) return 1 ;;
    esac
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# ---- measurements ----------------------------------------------------------------------------

measure() {
    local p=$1 i t0 t1 ids=() samples=()
    "${p}_start"
    # submit: sequential CLI submits.
    t0=$(now_us)
    for ((i = 0; i < JOBS; i++)); do ids+=("$("${p}_submit")"); done
    t1=$(now_us)
    local submit_rate
    submit_rate=$(awk -v n="$JOBS" -v us=$((t1 - t0)) 'BEGIN {printf "%.0f", n / (us / 1e6)}')
    "${p}_wait_all" "${ids[@]}"
    # drain: submit JOBS more, then wait for all of them.
    ids=()
    t0=$(now_us)
    for ((i = 0; i < JOBS; i++)); do ids+=("$("${p}_submit")"); done
    "${p}_wait_all" "${ids[@]}"
    t1=$(now_us)
    local drain_rate
    drain_rate=$(awk -v n="$JOBS" -v us=$((t1 - t0)) 'BEGIN {printf "%.0f", n / (us / 1e6)}')
    # roundtrip: one job, submit then wait.
    for ((i = 0; i < ROUNDTRIPS; i++)); do
        t0=$(now_us)
        "${p}_submit_wait"
        t1=$(now_us)
        samples+=("$(((t1 - t0)))")
    done
    local roundtrip one="-"
    roundtrip=$(printf '%s\n' "${samples[@]}" | median | awk '{printf "%.1f", $1 / 1000}')
    if declare -F "${p}_submit_wait_one" >/dev/null; then
        samples=()
        for ((i = 0; i < ROUNDTRIPS; i++)); do
            t0=$(now_us)
            "${p}_submit_wait_one"
            t1=$(now_us)
            samples+=("$(((t1 - t0)))")
        done
        one=$(printf '%s\n' "${samples[@]}" | median | awk '{printf "%.1f", $1 / 1000}')
    fi
    printf '%-8s %12s %12s %14s %14s\n' "$p" "$submit_rate" "$drain_rate" "$roundtrip" "$one"
}

submit_cost_ms() {
    local i t0 t1 samples=()
    for ((i = 0; i < 50; i++)); do
        t0=$(now_us)
        station_submit >/dev/null
        t1=$(now_us)
        samples+=("$((t1 - t0))")
    done
    printf '%s\n' "${samples[@]}" | median | awk '{printf "%.2f", $1 / 1000}'
}

history() {
    local before after rss pid i ids=()
    before=$(submit_cost_ms)
    log "filling the history with $HISTORY finished jobs"
    for ((i = 0; i < HISTORY; i++)); do ids+=("$(station_submit)"); done
    station_wait_all "${ids[@]}"
    # Let the disk write back what 10,000 jobs just created before timing again.
    sync
    sleep "${BENCH_SETTLE_SECONDS:-5}"
    after=$(submit_cost_ms)
    pid=$(env_station "$STATION_BIN" agent status --json | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p' | head -n1)
    rss=$(awk '/^VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$pid/status")
    printf '\nStation submit cost: %s ms with %s finished jobs before, %s ms with %s more after; agent RSS %s MiB\n' \
        "$before" "$((2 * JOBS + ROUNDTRIPS))" "$after" "$HISTORY" "$rss"
}

printf '%-8s %12s %12s %14s %14s\n' program "submit/s" "drain/s" "roundtrip ms" "one-cmd ms"
for p in $PROGRAMS; do
    if available "$p"; then
        measure "$p"
    else
        printf '%-8s %12s\n' "$p" "not installed"
    fi
done
if [[ " $PROGRAMS " == *" station "* ]] && ((HISTORY > 0)); then
    history
fi
