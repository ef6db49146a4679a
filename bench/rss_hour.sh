#!/usr/bin/env bash
# Watches the console's and the agent's resident memory for a long run (default one hour) in a
# 200×50 tmux pane with simulated GPUs, printing VmRSS once a minute: memory must stay flat.
#   bench/rss_hour.sh [MINUTES]
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-60}
bin=${STATION_BIN:-target/release/station}
[ -x "$bin" ] || cargo build --release
work=$(mktemp -d /tmp/station-rss.XXXXXX)
export HOME=$work XDG_CONFIG_HOME=$work/config XDG_STATE_HOME=$work/state XDG_RUNTIME_DIR=$work/run
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
sock=$work/tmux.sock
cleanup() {
  "$bin" agent stop >/dev/null 2>&1 || true
  tmux -S "$sock" kill-server 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM
tmux -S "$sock" -f /dev/null new-session -d -x 200 -y 50 "$(realpath "$bin") --simulate-gpus 2"
pidfile=$XDG_RUNTIME_DIR/station/agent.pid
for _ in $(seq 200); do [ -s "$pidfile" ] && break; sleep 0.05; done
agent=$(cat "$pidfile")
console=$(tmux -S "$sock" display -p '#{pane_pid}')
rss() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
printf '%8s  %14s  %12s\n' minute "console KiB" "agent KiB"
for m in $(seq 0 "$minutes"); do
  printf '%8d  %14s  %12s\n' "$m" "$(rss "$console")" "$(rss "$agent")"
  [ "$m" -lt "$minutes" ] && sleep 60
done
