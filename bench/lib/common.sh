# shellcheck shell=bash disable=SC2034 # results go back in globals (PANE_PID, FRAME_MS…)
# Helpers for bench/idle.sh: logging, waiting without forks, tmux panes started behind a
# gate, /proc readers and a cleanup registry. Sourced, not run.

log() { printf 'idle: %s\n' "$*" >&2; }
die() {
    printf 'idle: error: %s\n' "$*" >&2
    exit 1
}

# Monotonic-enough wall clock in microseconds, without a fork (bash 5's EPOCHREALTIME).
now_us() {
    local t=${EPOCHREALTIME/[.,]/}
    printf '%s' "$t"
}

# Sleeps for $1 seconds (fractions allowed) without forking: `read` times out on a fifo
# nobody writes to. Used for the short pauses of polling loops.
nap() { read -r -t "$1" _ <>"$NAP_FIFO" || true; }

# Sleeps $1 seconds in a way a trapped INT or TERM interrupts at once (bash runs traps only
# between foreground commands, but during `wait`).
pause() {
    sleep "$1" &
    PAUSE_PID=$!
    wait "$PAUSE_PID"
    PAUSE_PID=""
}

# ---- cleanup registry ----------------------------------------------------------------------

CLEANUP_SOCKETS=()  # tmux server sockets
CLEANUP_STATIONS=() # Station instance folders (agents to stop)
CLEANUP_GROUPS=()   # process groups to kill (the extra sleeps)
PAUSE_PID=""        # the `sleep` of pause()

# Kills everything the benchmark started and removes its work folder; safe to run twice.
cleanup() {
    set +e
    local sock dir pgid
    [[ -n $PAUSE_PID ]] && kill "$PAUSE_PID" 2>/dev/null
    for sock in "${CLEANUP_SOCKETS[@]}"; do
        [[ -S $sock ]] && tmux -S "$sock" kill-server 2>/dev/null
    done
    for dir in "${CLEANUP_STATIONS[@]}"; do stop_station_agent "$dir"; done
    for pgid in "${CLEANUP_GROUPS[@]}"; do kill -TERM -- "-$pgid" 2>/dev/null; done
    CLEANUP_SOCKETS=() CLEANUP_STATIONS=() CLEANUP_GROUPS=() PAUSE_PID=""
    if [[ -n ${WORK:-} && -d $WORK && ${BENCH_KEEP:-0} != 1 ]]; then
        rm -rf "$WORK"
    fi
    return 0
}

# ---- /proc ---------------------------------------------------------------------------------

# utime+stime of process $1 in clock ticks (all its threads), or nothing when it is gone.
cpu_ticks() {
    local stat
    stat=$(<"/proc/$1/stat") 2>/dev/null || return 1
    # Fields after the command (which may hold spaces): state is field 3, utime 14, stime 15.
    local -a f
    read -r -a f <<<"${stat##*) }"
    printf '%s' $((f[11] + f[12]))
}

# A field of /proc/$1/status in kB (VmHWM, VmRSS…).
status_kb() {
    local key value
    while read -r key value _; do
        [[ $key == "$2:" ]] && {
            printf '%s' "$value"
            return 0
        }
    done <"/proc/$1/status"
    return 1
}

# wchar of /proc/$1/io: bytes the process passed to write-like calls.
wchar() {
    local key value
    while read -r key value; do
        [[ $key == wchar: ]] && {
            printf '%s' "$value"
            return 0
        }
    done <"/proc/$1/io"
    return 1
}

# Whether process $1 runs (a zombie does not).
alive() {
    local stat
    stat=$(<"/proc/$1/stat") 2>/dev/null || return 1
    [[ ${stat##*) } != Z* ]]
}

process_count() {
    local -a pids=(/proc/[0-9]*)
    printf '%s' "${#pids[@]}"
}

# ---- tmux ----------------------------------------------------------------------------------

# start_gated_pane DIR WIDTH HEIGHT ENV_FILE -- ARGV...
# Starts a private tmux server (socket DIR/tmux.sock) whose pane waits on the fifo DIR/go
# and then execs ARGV with exactly the environment in ENV_FILE (one NAME=value a line), so
# the clock can start at the moment the program is launched, not when tmux is. Sets PANE_PID.
start_gated_pane() {
    local dir=$1 width=$2 height=$3 env_file=$4
    shift 5
    local sock=$dir/tmux.sock
    mkfifo "$dir/go"
    cat >"$dir/tmux.conf" <<'EOF'
set -g default-terminal xterm-256color
set -g status off
set -g remain-on-exit on
EOF
    local -a env_args
    mapfile -t env_args <"$env_file"
    CLEANUP_SOCKETS+=("$sock")
    # shellcheck disable=SC2016 # the inner sh expands $0 and $@
    env -i "${env_args[@]}" tmux -u -S "$sock" -f "$dir/tmux.conf" new-session -d -s bench \
        -x "$width" -y "$height" -c "$dir" -- \
        sh -c 'read -r _ < "$0"; exec "$@"' "$dir/go" "$@" ||
        die "tmux new-session failed for $*"
    PANE_PID=$(tmux -S "$sock" display-message -p -t bench '#{pane_pid}')
    local deadline=$(($(now_us) + 5000000))
    until [[ $(<"/proc/$PANE_PID/wchan") == wait_for_partner ]] 2>/dev/null; do
        (($(now_us) < deadline)) || die "the pane's gate did not open its fifo"
        nap 0.002
    done
}

# Releases the gate of the pane in DIR: the program starts now.
open_gate() { printf 'go\n' >"$1/go"; }

capture() { tmux -S "$1/tmux.sock" capture-pane -p -t bench 2>/dev/null; }

# wait_for_frame DIR PROGRAM START_US TIMEOUT_S: polls the screen until PROGRAM's
# frame_drawn predicate holds; sets FRAME_MS (from START_US to the end of the capture that
# first showed the frame: a bound from above, by one capture, ~2–5 ms). Returns 1 on timeout
# with the last screen in LAST_SCREEN.
wait_for_frame() {
    local dir=$1 program=$2 start=$3 timeout=$4 screen now
    local deadline=$((start + timeout * 1000000))
    while :; do
        screen=$(capture "$dir")
        now=$(now_us)
        if frame_drawn "$program" "$screen"; then
            FRAME_MS=$(((now - start) / 1000)).$(printf '%03d' $(((now - start) % 1000)))
            return 0
        fi
        if ((now > deadline)); then
            LAST_SCREEN=$screen
            return 1
        fi
        nap 0.003
    done
}

# ---- extra processes -----------------------------------------------------------------------

# spawn_idle_processes N: N sleeping processes in a process group of their own.
spawn_idle_processes() {
    local n=$1 pgid
    # setsid execs in place (a background job is no group leader), so $! is the group's id.
    # shellcheck disable=SC2016 # the inner bash expands $0
    setsid bash -c 'for ((i = 0; i < $0; i++)); do sleep 86400 & done; wait' "$n" &
    pgid=$!
    CLEANUP_GROUPS+=("$pgid")
    local deadline=$(($(now_us) + 60000000))
    until (($(pgrep -c -g "$pgid" sleep || true) >= n)); do
        (($(now_us) < deadline)) || die "could not start $n idle processes"
        nap 0.1
    done
    log "started $n idle sleep processes (group $pgid); $(process_count) processes now"
}
