#!/usr/bin/env bash
# The idle agent: `vigil agent` with the embedded default schedule for SECONDS
# (default 600). Every 10 s it reads the supervisor's and the worker's CPU time and
# RSS from /proc; at the end it reports each one's CPU as a share of one core, and
# their RSS (mean and peak). The worker's own telemetry (vigil_telemetry) is not
# used: this is measured from outside.
# With `enrolled` as the third argument, a `vigil server` runs on a loopback port and
# the agent is enrolled to it as `vigil up` enrolls its agent (held-open read, config
# refresh every 60 s, results and telemetry every 10 s); the server's own CPU is not
# counted.
# Usage: Benchmarks/scripts/agent-idle.sh [path/to/vigil] [SECONDS] [enrolled]
set -euo pipefail
vigil=$(realpath "${1:-.build/release/vigil}")
seconds=${2:-600}
mode=${3:-alone}
data=$(mktemp -d /tmp/vigil-agent-idle.XXXXXX)
server=
flags=()
if [ "$mode" = enrolled ]; then
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "$vigil" server --listen "127.0.0.1:$port" --data-dir "$data/server" > "$data/server.out" 2> "$data/server.log" &
  server=$!
  for _ in $(seq 100); do grep -q "listening on" "$data/server.out" 2>/dev/null && break; sleep 0.1; done
  printf '%s\n' "--tls_hostname=127.0.0.1:$port" "--tls_server_certs=$data/server/tls/ca.pem" \
    "--enroll_secret_path=$data/server/enroll_secret" --config_plugin=tls --config_refresh=60 \
    --logger_plugin=filesystem,tls --logger_tls_period=10 --disable_distributed=false --distributed_plugin=tls \
    --distributed_interval=10 > "$data/agent.flags"
  flags=(--flagfile "$data/agent.flags")
fi
"$vigil" agent --data-dir "$data/agent" "${flags[@]}" 2> "$data/agent.log" &
sup=$!
trap 'kill -TERM $sup 2>/dev/null; wait $sup 2>/dev/null; [ -n "$server" ] && kill -TERM $server 2>/dev/null; wait 2>/dev/null; rm -rf "$data"' EXIT
sleep 5  # start-up is not idle: it is reported apart
worker=$(awk -v p="$sup" '$4 == p { print $1 }' /proc/[0-9]*/stat 2>/dev/null | head -1)
[ -n "$worker" ] || { echo "no worker"; cat "$data/agent.log"; exit 1; }
tck=$(getconf CLK_TCK); page=$(getconf PAGESIZE)
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
rss() { awk -v p="$page" '{ printf "%d", $24 * p / 1048576 }' "/proc/$1/stat"; }
w0=$(ticks "$worker"); s0=$(ticks "$sup"); wstart=$(rss "$worker")
wpeak=0; spk=0; wsum=0; n=0
for _ in $(seq $((seconds / 10))); do
  sleep 10
  w=$(rss "$worker"); s=$(rss "$sup"); n=$((n + 1)); wsum=$((wsum + w))
  [ "$w" -gt "$wpeak" ] && wpeak=$w; [ "$s" -gt "$spk" ] && spk=$s
done
w1=$(ticks "$worker"); s1=$(ticks "$sup")
runs=$(grep -c '"name"' "$data/agent/results.log" || true)
echo "idle agent ($mode), ${seconds} s (after 5 s of start-up), $(nproc) CPUs"
echo "| process | CPU (share of one core) | RSS at start (MB) | RSS mean (MB) | RSS peak (MB) |"
echo "|---|---:|---:|---:|---:|"
awk -v a="$w0" -v b="$w1" -v t="$tck" -v s="$seconds" -v r0="$wstart" -v m="$((wsum / n))" -v p="$wpeak" \
  'BEGIN { printf "| worker (queries, telemetry) | %.3f%% | %d | %d | %d |\n", (b - a) / t / s * 100, r0, m, p }'
awk -v a="$s0" -v b="$s1" -v t="$tck" -v s="$seconds" -v p="$spk" \
  'BEGIN { printf "| supervisor (watchdog, sampling every 2 s) | %.3f%% | - | - | %d |\n", (b - a) / t / s * 100, p }'
echo "result lines logged: $runs"
# RSS counts the binary's pages the supervisor shares; PSS splits shared pages.
echo "worker at the end: $(awk '/^Rss:|^Pss:|^Private_Dirty:/ { printf "%s %d MB  ", $1, $2 / 1024 }' "/proc/$worker/smaps_rollup")"
