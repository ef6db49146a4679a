# shellcheck shell=bash disable=SC2034 # results go back in globals (ARGV, AGENT_PID)
# The programs bench/idle.sh measures: how each is found, configured (1 s refresh, its own
# XDG_CONFIG_HOME), started, and how to tell that its first frame is on the screen. Sourced.
#
# Programs: station-cold (the console starts the agent), station-warm (the agent already
# runs), htop, btop, bottom.

HOST_NAME=$(</proc/sys/kernel/hostname)

# Prints the path of PROGRAM's executable, or fails when it is not installed.
program_path() {
    case $1 in
    station-*) [[ -x $STATION_BIN ]] && printf '%s' "$STATION_BIN" ;;
    htop | btop) command -v "$1" ;;
    bottom) command -v btm || { [[ -x ${CARGO_HOME:-$HOME/.cargo}/bin/btm ]] &&
        printf '%s' "${CARGO_HOME:-$HOME/.cargo}/bin/btm"; } ;;
    *) return 1 ;;
    esac
}

program_version() {
    local path
    path=$(program_path "$1") || return 0
    case $1 in
    station-*) "$path" --version 2>/dev/null | head -n1 ;;
    htop) "$path" --version | head -n1 ;;
    btop) printf 'btop %s' "$("$path" --version | grep -o '[0-9][0-9.]*' | head -n1)" ;;
    bottom) "$path" --version | head -n1 ;;
    esac
}

# program_argv PROGRAM: sets ARGV to the command line, 1 s refresh.
program_argv() {
    local path
    path=$(program_path "$1")
    case $1 in
    station-*) ARGV=("$path") ;;
    htop) ARGV=("$path" -d 10) ;;
    btop) ARGV=("$path") ;; # update_ms = 1000 in its config, see program_setup
    bottom) ARGV=("$path" --rate 1000) ;;
    esac
}

# program_setup PROGRAM DIR: creates DIR/{home,config,state,runtime} and PROGRAM's config,
# and writes DIR/env, the whole environment of the pane (one NAME=value a line).
program_setup() {
    local program=$1 dir=$2 sub
    for sub in home config state runtime; do mkdir -p "$dir/$sub"; done
    chmod 700 "$dir/runtime"
    case $program in
    btop)
        mkdir -p "$dir/config/btop"
        printf 'update_ms = 1000\n' >"$dir/config/btop/btop.conf"
        ;;
    esac
    {
        printf 'PATH=%s\n' "$PATH"
        printf 'LANG=C.UTF-8\n'
        printf 'HOME=%s\n' "$dir/home"
        printf 'XDG_CONFIG_HOME=%s\n' "$dir/config"
        printf 'XDG_STATE_HOME=%s\n' "$dir/state"
        printf 'XDG_RUNTIME_DIR=%s\n' "$dir/runtime"
    } >"$dir/env"
}

# frame_drawn PROGRAM SCREEN: whether SCREEN (a capture) shows PROGRAM's first full frame.
frame_drawn() {
    local s=$2
    case $1 in
    station-*) [[ $s == *"$HOST_NAME"* && $s == *CPU* ]] ;;
    htop) [[ $s == *"Load average"* && $s == *PID* && $s == *Command* ]] ;;
    btop) [[ $s == *¹cpu* && $s == *⁴proc* && $s == *Pid:* ]] ;;
    bottom) [[ $s == *Memory* && $s == *Processes* && $s == *PID* ]] ;;
    *) return 1 ;;
    esac
}

# ---- Station's agent -----------------------------------------------------------------------

# station_env DIR: runs the rest of the command line with DIR's environment.
station_env() {
    local dir=$1
    shift
    local -a env_args
    mapfile -t env_args <"$dir/env"
    env -i "${env_args[@]}" "$@"
}

# The agent's pid from its pidfile, when that process runs.
station_agent_pid() {
    local pidfile=$1/runtime/station/agent.pid pid
    [[ -f $pidfile ]] || return 1
    read -r pid _ <"$pidfile" || return 1
    [[ $pid =~ ^[0-9]+$ ]] && alive "$pid" && printf '%s' "$pid"
}

# wait_for_station_agent DIR TIMEOUT_S: until the pidfile names a live agent and its socket
# exists; sets AGENT_PID.
wait_for_station_agent() {
    local dir=$1 deadline=$(($(now_us) + $2 * 1000000))
    until AGENT_PID=$(station_agent_pid "$dir") && [[ -S $dir/runtime/station/agent.sock ]]; do
        (($(now_us) < deadline)) || return 1
        nap 0.01
    done
}

# Starts the agent of the instance in DIR (detached) and waits until it serves.
start_station_agent() {
    CLEANUP_STATIONS+=("$1")
    station_env "$1" "$STATION_BIN" agent >"$1/agent-start.log" 2>&1 ||
        die "station agent failed to start: $(cat "$1/agent-start.log")"
    wait_for_station_agent "$1" 10 || die "the agent did not come up (see $1/state)"
}

# Stops the agent of the instance in DIR, by `station agent stop`, else by signal.
stop_station_agent() {
    local dir=$1 pid
    pid=$(station_agent_pid "$dir") || return 0
    station_env "$dir" timeout 10 "$STATION_BIN" agent stop >/dev/null 2>&1 ||
        kill -TERM "$pid" 2>/dev/null
    local deadline=$(($(now_us) + 5000000))
    while alive "$pid" && (($(now_us) < deadline)); do nap 0.05; done
    alive "$pid" && kill -KILL "$pid" 2>/dev/null
    return 0
}
