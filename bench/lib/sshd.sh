# shellcheck shell=bash
# A real OpenSSH sshd on 127.0.0.1 for the SSH benchmarks, and a client HOME whose
# ~/.ssh/config names it `bench`. Sourced, not run. Needs WORK (a temporary folder) and
# STATION_BIN; sets SSHD_PID, PORT and REMOTE_COMMAND, and defines env_remote and local_env.

# Runs a command with the remote side's Station folders (the agent that sshd sessions reach).
env_remote() {
    env -i PATH="$PATH" LANG=C.UTF-8 HOME="$WORK/remote/home" XDG_CONFIG_HOME="$WORK/remote/config" \
        XDG_STATE_HOME="$WORK/remote/state" XDG_RUNTIME_DIR="$WORK/remote/runtime" "$@"
}

# Runs a command as the client: its own HOME (~/.ssh), XDG folders, and the remote command.
local_env() {
    env -i PATH="$PATH" LANG=C.UTF-8 TERM="${TERM:-xterm-256color}" HOME="$WORK/home" \
        XDG_CONFIG_HOME="$WORK/home/.config" XDG_STATE_HOME="$WORK/home/.state" \
        XDG_RUNTIME_DIR="$WORK/home/.runtime" STATION_REMOTE_COMMAND="$REMOTE_COMMAND" "$@"
}

# Makes keys, starts sshd (stopped by stop_bench_sshd), writes known_hosts and the alias.
start_bench_sshd() {
    command -v /usr/sbin/sshd >/dev/null || {
        echo "needs openssh-server (apt-get install openssh-server)" >&2
        return 1
    }
    mkdir -p "$WORK"/{home/.ssh,home/.config/station,home/.state,home/.runtime} \
        "$WORK"/remote/{home,config,state,runtime} "$WORK/server" /run/sshd
    chmod 700 "$WORK/home/.ssh" "$WORK/home/.runtime" "$WORK/remote/runtime"
    ssh-keygen -q -t ed25519 -N '' -f "$WORK/server/host_ed25519"
    ssh-keygen -q -t ed25519 -N '' -f "$WORK/home/.ssh/id_bench"
    cp "$WORK/home/.ssh/id_bench.pub" "$WORK/server/authorized_keys"
    PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    cat >"$WORK/server/sshd_config" <<CONFIG
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
MaxStartups 100
MaxSessions 100
LogLevel ERROR
CONFIG
    /usr/sbin/sshd -D -f "$WORK/server/sshd_config" -E "$WORK/server/sshd.log" &
    SSHD_PID=$!
    echo "[127.0.0.1]:$PORT $(cut -d' ' -f1,2 "$WORK/server/host_ed25519.pub")" >"$WORK/home/.ssh/known_hosts"
    cat >"$WORK/home/.ssh/config" <<CONFIG
Host bench
    HostName 127.0.0.1
    Port $PORT
    User $(id -un)
    IdentityFile $WORK/home/.ssh/id_bench
    IdentitiesOnly yes
    UserKnownHostsFile $WORK/home/.ssh/known_hosts
CONFIG
    local _
    for _ in {1..100}; do
        (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
        sleep 0.05
    done
    # As on a real remote: the binary installed where `station fleet install` puts it, reached
    # through the default launcher (a `sh -c` that prefers it over `station` on the PATH).
    local version bin
    version=$("$STATION_BIN" --version | awk '{print $2}')
    bin="$WORK/remote/home/.local/share/station/bin"
    mkdir -p "$bin"
    ln -sf "$STATION_BIN" "$bin/station-$version"
    REMOTE_COMMAND="env HOME=$WORK/remote/home XDG_CONFIG_HOME=$WORK/remote/config XDG_STATE_HOME=$WORK/remote/state XDG_RUNTIME_DIR=$WORK/remote/runtime sh -c 'p=\"\$HOME/.local/share/station/bin/station-$version\"; if [ -x \"\$p\" ]; then exec \"\$p\" agent --stdio; fi; exec station agent --stdio'"
}

stop_bench_sshd() {
    [[ -n ${SSHD_PID:-} ]] && kill "$SSHD_PID" 2>/dev/null
    env_remote "$STATION_BIN" agent stop >/dev/null 2>&1
    return 0
}

now_us() {
    local t=${EPOCHREALTIME/[.,]/}
    printf '%s' "$t"
}
