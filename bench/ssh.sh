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
command -v sshd >/dev/null || [[ -x /usr/sbin/sshd ]] || {
    echo "ssh: needs openssh-server (apt-get install openssh-server)" >&2
    exit 1
}

WORK=$(mktemp -d /tmp/station-bench-ssh.XXXXXX)
SSHD_PID=""
cleanup() {
    set +e
    [[ -n $SSHD_PID ]] && kill "$SSHD_PID" 2>/dev/null
    env_remote "$STATION_BIN" agent stop >/dev/null 2>&1
    [[ ${BENCH_KEEP:-0} == 1 ]] || rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

mkdir -p "$WORK"/{home/.ssh,remote/{home,config,state,runtime},server} /run/sshd
chmod 700 "$WORK/home/.ssh" "$WORK/remote/runtime"
env_remote() {
    env -i PATH="$PATH" LANG=C.UTF-8 HOME="$WORK/remote/home" XDG_CONFIG_HOME="$WORK/remote/config" \
        XDG_STATE_HOME="$WORK/remote/state" XDG_RUNTIME_DIR="$WORK/remote/runtime" "$@"
}
ssh-keygen -q -t ed25519 -N '' -f "$WORK/server/host_ed25519"
ssh-keygen -q -t ed25519 -N '' -f "$WORK/home/.ssh/id_bench"
cp "$WORK/home/.ssh/id_bench.pub" "$WORK/server/authorized_keys"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$WORK/server/sshd_config" <<EOF
Port $PORT
ListenAddress 127.0.0.1
HostKey $WORK/server/host_ed25519
AuthorizedKeysFile $WORK/server/authorized_keys
PidFile $WORK/server/sshd.pid
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin yes
LogLevel ERROR
EOF
/usr/sbin/sshd -D -f "$WORK/server/sshd_config" -E "$WORK/server/sshd.log" &
SSHD_PID=$!
echo "[127.0.0.1]:$PORT $(cut -d' ' -f1,2 "$WORK/server/host_ed25519.pub")" >"$WORK/home/.ssh/known_hosts"
cat >"$WORK/home/.ssh/config" <<EOF
Host bench
    HostName 127.0.0.1
    Port $PORT
    User $(id -un)
    IdentityFile $WORK/home/.ssh/id_bench
    IdentitiesOnly yes
    UserKnownHostsFile $WORK/home/.ssh/known_hosts
EOF
for _ in {1..100}; do
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
    sleep 0.05
done

REMOTE_COMMAND="env HOME=$WORK/remote/home XDG_CONFIG_HOME=$WORK/remote/config XDG_STATE_HOME=$WORK/remote/state XDG_RUNTIME_DIR=$WORK/remote/runtime $STATION_BIN agent --stdio"
local_env() {
    env -i PATH="$PATH" LANG=C.UTF-8 HOME="$WORK/home" STATION_REMOTE_COMMAND="$REMOTE_COMMAND" "$@"
}
# The remote agent starts once, outside the timing.
local_env "$STATION_BIN" status --on bench --json >/dev/null

now_us() {
    local t=${EPOCHREALTIME/[.,]/}
    printf '%s' "$t"
}
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
