#!/usr/bin/env bash
# Idle cost of Station's console and agent beside htop, btop and bottom, measured the same way
# in the same run (see bench/README.md and shared/reference/BASELINES.md):
#
#   each program in a 200×50 tmux pane, 1 s refresh, its own XDG folders;
#   first frame: from launching the command until capture-pane shows its drawn screen;
#   then 5 s to settle, then BENCH_SECONDS (60) measured: CPU (utime+stime) as % of one core,
#   peak RSS (VmHWM), bytes written to the terminal (wchar) per second.
#
# Station runs twice: once starting its own agent, once with the agent already running.
#
# Usage: bench/idle.sh [--procs N] [--seconds S] [--runs R] [--programs "station htop …"]
# Environment: STATION_BIN (default target/release/station, built when missing),
#   BENCH_SECONDS, BENCH_SETTLE_SECONDS (5), BENCH_EXTRA_PROCS (0), BENCH_RUNS (1),
#   BENCH_PROGRAMS, BENCH_FRAME_TIMEOUT (10 s), BENCH_AGENT_WARMUP (3 s),
#   BENCH_OUT (also write the raw TSV there), BENCH_KEEP=1 (keep the work folder).
set -euo pipefail

ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/lib/common.sh
source "$ROOT/bench/lib/common.sh"
# shellcheck source=bench/lib/programs.sh
source "$ROOT/bench/lib/programs.sh"

SECONDS_MEASURED=${BENCH_SECONDS:-60}
SETTLE=${BENCH_SETTLE_SECONDS:-5}
EXTRA_PROCS=${BENCH_EXTRA_PROCS:-0}
RUNS=${BENCH_RUNS:-1}
PROGRAMS=${BENCH_PROGRAMS:-station htop btop bottom}
FRAME_TIMEOUT=${BENCH_FRAME_TIMEOUT:-10}
AGENT_WARMUP=${BENCH_AGENT_WARMUP:-3}
WIDTH=200 HEIGHT=50

while (($#)); do
    case $1 in
    --procs) EXTRA_PROCS=$2 && shift ;;
    --seconds) SECONDS_MEASURED=$2 && shift ;;
    --runs) RUNS=$2 && shift ;;
    --programs) PROGRAMS=$2 && shift ;;
    -h | --help)
        sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'
        exit 0
        ;;
    *) die "unknown argument $1 (see --help)" ;;
    esac
    shift
done
for n in "$SECONDS_MEASURED" "$SETTLE" "$EXTRA_PROCS" "$RUNS" "$FRAME_TIMEOUT" "$AGENT_WARMUP"; do
    [[ $n =~ ^[0-9]+$ ]] || die "expected a whole number, got '$n'"
done
command -v tmux >/dev/null || die "tmux is missing: run scripts/install-test-deps.sh"
command -v python3 >/dev/null || die "python3 is missing (it prints the report)"

# Station's two runs, then the peers that are installed.
STATION_BIN=${STATION_BIN:-$ROOT/target/release/station}
selected=()
for p in $PROGRAMS; do
    case $p in
    station)
        if [[ ! -x $STATION_BIN && $STATION_BIN == "$ROOT/target/release/station" ]]; then
            log "building $STATION_BIN (cargo build --release)"
            (cd "$ROOT" && cargo build --release --quiet) || die "cargo build --release failed"
        fi
        [[ -x $STATION_BIN ]] || die "STATION_BIN=$STATION_BIN is not an executable"
        selected+=(station-cold station-warm)
        ;;
    htop | btop | bottom)
        if program_path "$p" >/dev/null; then
            selected+=("$p")
        else
            log "$p is not installed, skipped (scripts/install-bench-peers.sh installs it)"
        fi
        ;;
    *) die "unknown program '$p' (station, htop, btop, bottom)" ;;
    esac
done
((${#selected[@]})) || die "nothing to measure"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/station-bench.XXXXXX")
NAP_FIFO=$WORK/nap
mkfifo "$NAP_FIFO"
trap cleanup EXIT
trap 'log interrupted; exit 130' INT TERM
RESULTS=$WORK/results.tsv
CLK_TCK=$(getconf CLK_TCK)

printf 'run\tprogram\tversion\tframe_ms\tseconds\tcpu_ticks\tagent_cpu_ticks\trss_kb\tagent_rss_kb\twchar\tprocs\terror\n' >"$RESULTS"

# measure RUN PROGRAM: one program from launch to the end of its window; appends a line.
measure() {
    local run=$1 program=$2 dir=$WORK/$2.$1
    local agent_pid="" error="" frame="" seconds="" cpu="" agent_cpu="" rss="" agent_rss="" bytes=""
    mkdir -p "$dir"
    program_setup "$program" "$dir"
    [[ $program == station-* ]] && CLEANUP_STATIONS+=("$dir")
    if [[ $program == station-warm ]]; then
        start_station_agent "$dir"
        agent_pid=$AGENT_PID
        pause "$AGENT_WARMUP" # a running agent has samples and history to serve
    fi
    program_argv "$program"
    start_gated_pane "$dir" "$WIDTH" "$HEIGHT" "$dir/env" -- "${ARGV[@]}"
    local pid=$PANE_PID start
    start=$(now_us)
    open_gate "$dir"
    if ! wait_for_frame "$dir" "$program" "$start" "$FRAME_TIMEOUT"; then
        error="no frame within ${FRAME_TIMEOUT}s"
        log "$program: $error; last screen:"
        printf '%s\n' "$LAST_SCREEN" | sed -n '1,15p' >&2
    else
        frame=$FRAME_MS
        if [[ $program == station-cold ]]; then
            wait_for_station_agent "$dir" 5 && agent_pid=$AGENT_PID ||
                error="the console started no agent"
        fi
        log "$program: first frame after ${frame} ms; settling ${SETTLE}s, measuring ${SECONDS_MEASURED}s"
        pause "$SETTLE"
        local c0 a0=0 w0 t0 c1 a1=0 w1 t1
        c0=$(cpu_ticks "$pid") && w0=$(wchar "$pid") || error="exited before measuring"
        [[ -n $agent_pid ]] && { a0=$(cpu_ticks "$agent_pid") || error="agent exited"; }
        t0=$(now_us)
        [[ -z $error ]] && pause "$SECONDS_MEASURED"
        t1=$(now_us)
        if [[ -z $error ]]; then
            c1=$(cpu_ticks "$pid") && w1=$(wchar "$pid") && rss=$(status_kb "$pid" VmHWM) ||
                error="exited while measured"
            if [[ -n $agent_pid ]]; then
                a1=$(cpu_ticks "$agent_pid") && agent_rss=$(status_kb "$agent_pid" VmHWM) ||
                    error="agent exited while measured"
            fi
        fi
        if [[ -z $error ]]; then
            seconds=$(awk -v us=$((t1 - t0)) 'BEGIN { printf "%.3f", us / 1e6 }')
            cpu=$((c1 - c0)) bytes=$((w1 - w0))
            [[ -n $agent_pid ]] && agent_cpu=$((a1 - a0))
        fi
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$run" "$program" \
        "$(program_version "$program")" "$frame" "$seconds" "$cpu" "$agent_cpu" "$rss" \
        "$agent_rss" "$bytes" "$(process_count)" "$error" >>"$RESULTS"
    tmux -S "$dir/tmux.sock" kill-server 2>/dev/null || true
    [[ $program == station-* ]] && stop_station_agent "$dir"
    return 0
}

log "work folder $WORK; ${#selected[@]} programs × $RUNS run(s) × (${SETTLE}s + ${SECONDS_MEASURED}s)"
((EXTRA_PROCS > 0)) && spawn_idle_processes "$EXTRA_PROCS"
log "$(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $(process_count) processes"

for ((run = 1; run <= RUNS; run++)); do
    for program in "${selected[@]}"; do measure "$run" "$program"; done
done

[[ -n ${BENCH_OUT:-} ]] && cp "$RESULTS" "$BENCH_OUT"
python3 "$ROOT/bench/lib/report.py" "$RESULTS" --clk-tck "$CLK_TCK" --extra-procs "$EXTRA_PROCS"
