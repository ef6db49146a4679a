#!/usr/bin/env bash
# The console's fleet view with many instances, against a real sshd this script starts on
# 127.0.0.1 (see bench/lib/sshd.sh): an inventory of N instances (default 30), each under its
# own SSH alias of that one loopback host (so each row has its own SSH connection), the
# console in a 200×50 tmux pane at the default 1 s refresh.
#
#   console CPU   % of one core over BENCH_SECONDS (30), once every row is up
#   SSH traffic   loopback bytes per second per instance over the same window (both ways;
#                 everything on `lo`, so an upper bound)
#   drill-in      from Enter on a fleet row to that instance's dashboard on screen, ms
#                 (median of 5)
#
# Usage: bench/fleet.sh [--instances N] [--seconds S]
# Environment: STATION_BIN (default target/release/station, built when missing),
#   BENCH_KEEP=1 (keep the work folder).
set -euo pipefail

ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
INSTANCES=${BENCH_INSTANCES:-30}
SECONDS_MEASURED=${BENCH_SECONDS:-30}
while (($#)); do
    case $1 in
    --instances) INSTANCES=$2 && shift ;;
    --seconds) SECONDS_MEASURED=$2 && shift ;;
    -h | --help)
        sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'
        exit 0
        ;;
    *) echo "fleet: unknown argument $1 (see --help)" >&2 && exit 1 ;;
    esac
    shift
done
STATION_BIN=${STATION_BIN:-$ROOT/target/release/station}
[[ -x $STATION_BIN ]] || (cd "$ROOT" && cargo build --release --quiet)
command -v tmux >/dev/null || {
    echo "fleet: needs tmux" >&2
    exit 1
}

# shellcheck source=bench/lib/sshd.sh
source "$ROOT/bench/lib/sshd.sh"
WORK=$(mktemp -d /tmp/station-bench-fleet.XXXXXX)
TMUX_SOCKET=$WORK/tmux.sock
cleanup() {
    set +e
    tmux -S "$TMUX_SOCKET" kill-server 2>/dev/null
    local_env "$STATION_BIN" agent stop >/dev/null 2>&1
    stop_bench_sshd
    [[ ${BENCH_KEEP:-0} == 1 ]] || rm -rf "$WORK"
}
trap cleanup EXIT INT TERM
start_bench_sshd
local_env "$STATION_BIN" status --on bench --json >/dev/null

# Each instance gets its own alias (b01, b02, …: the same sshd), so each row has its own SSH
# connection, as instances on different machines would.
sed -i 's/^Host bench$/Host bench b??/' "$WORK/home/.ssh/config"
inventory=$WORK/home/.config/station/instances.toml
: >"$inventory"
for ((i = 1; i <= INSTANCES; i++)); do
    printf '[[instance]]\nname = "i%02d"\nhost = "b%02d"\n\n' "$i" "$i" >>"$inventory"
done

screen() { tmux -S "$TMUX_SOCKET" capture-pane -p -t bench; }
up_rows() { screen | grep -c ' up ' || true; }
# Waits up to $2 seconds for `$1` (a command) to succeed.
wait_for() {
    local deadline=$((SECONDS + $2))
    until eval "$1"; do
        ((SECONDS < deadline)) || return 1
        sleep 0.01
    done
}

tmux -S "$TMUX_SOCKET" -f /dev/null new-session -d -s bench -x 200 -y 50 \
    "$(declare -f local_env); WORK=$WORK REMOTE_COMMAND=$(printf %q "$REMOTE_COMMAND"); local_env $STATION_BIN"
pane=$(tmux -S "$TMUX_SOCKET" display-message -p -t bench '#{pane_pid}')
# The pane runs a shell function that runs `env … station`; env execs the console.
wait_for 'pgrep -P "$pane" >/dev/null' 10
console=$(pgrep -P "$pane" | head -n1)
# The screen shows at most 45 rows; all of ours fit when N ≤ 40.
visible=$((INSTANCES < 40 ? INSTANCES : 40))
wait_for '(($(up_rows) >= visible))' 60 || {
    screen >&2
    echo "fleet: the rows did not all come up" >&2
    exit 1
}
sleep 3

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
lo_bytes() { awk -F'[: ]+' '$2 == "lo" {printf "%.0f\n", $3 + $11}' /proc/net/dev; }
hz=$(getconf CLK_TCK)
t0=$(now_us) c0=$(ticks "$console") b0=$(lo_bytes)
sleep "$SECONDS_MEASURED"
t1=$(now_us) c1=$(ticks "$console") b1=$(lo_bytes)
cpu=$(awk -v c=$((c1 - c0)) -v hz="$hz" -v us=$((t1 - t0)) 'BEGIN {printf "%.2f", c / hz / (us / 1e6) * 100}')
traffic=$(awk -v b=$((b1 - b0)) -v n="$INSTANCES" -v us=$((t1 - t0)) 'BEGIN {printf "%.0f", b / (us / 1e6) / n}')

drills=()
for round in 1 2 3 4 5; do
    # Alternate between two instances, so that every Enter opens a new connection.
    name=i01 moves=(g g j)
    if ((round % 2 == 0)); then name=i02 moves=(g g j j); fi
    tmux -S "$TMUX_SOCKET" send-keys -t bench 0
    wait_for 'screen | grep -q "i02"' 10
    tmux -S "$TMUX_SOCKET" send-keys -t bench "${moves[@]}"
    sleep 0.3
    t0=$(now_us)
    tmux -S "$TMUX_SOCKET" send-keys -t bench Enter
    wait_for 'screen | head -n1 | grep -q "▸ $name.*live" && screen | grep -q "CPU"' 10 || {
        screen >&2
        echo "fleet: the dashboard of $name did not show" >&2
        exit 1
    }
    t1=$(now_us)
    drills+=("$((t1 - t0))")
done
drill=$(printf '%s\n' "${drills[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.0f", a[3] / 1000}')

printf 'fleet of %d instances (one loopback sshd), %d s measured\n' "$INSTANCES" "$SECONDS_MEASURED"
printf '  console CPU:        %s %% of one core (target ≤ 3 %%)\n' "$cpu"
printf '  SSH traffic:        %s B/s per instance (target ≤ 2048)\n' "$traffic"
printf '  Enter → dashboard:  %s ms, median of 5 (target ≤ 150 ms)\n' "$drill"
