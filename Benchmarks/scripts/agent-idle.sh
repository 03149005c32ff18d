#!/usr/bin/env bash
# The idle agent: `vigil agent` with the embedded default schedule for SECONDS
# (default 600). Every 10 s it reads the supervisor's and the worker's CPU time and
# RSS from /proc; at the end it reports each one's CPU as a share of one core, and
# their RSS (mean and peak). The worker's own telemetry (vigil_telemetry) is not
# used: this is measured from outside.
# Usage: Benchmarks/scripts/agent-idle.sh [path/to/vigil] [SECONDS]
set -euo pipefail
vigil=$(realpath "${1:-.build/release/vigil}")
seconds=${2:-600}
data=$(mktemp -d /tmp/vigil-agent-idle.XXXXXX)
"$vigil" agent --data-dir "$data" 2> "$data/agent.log" &
sup=$!
trap 'kill -TERM $sup 2>/dev/null; wait $sup 2>/dev/null; rm -rf "$data"' EXIT
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
runs=$(grep -c '"name"' "$data/results.log" || true)
echo "idle agent, default schedule, ${seconds} s (after 5 s of start-up), $(nproc) CPUs"
echo "| process | CPU (share of one core) | RSS at start (MB) | RSS mean (MB) | RSS peak (MB) |"
echo "|---|---:|---:|---:|---:|"
awk -v a="$w0" -v b="$w1" -v t="$tck" -v s="$seconds" -v r0="$wstart" -v m="$((wsum / n))" -v p="$wpeak" \
  'BEGIN { printf "| worker (queries, telemetry) | %.3f%% | %d | %d | %d |\n", (b - a) / t / s * 100, r0, m, p }'
awk -v a="$s0" -v b="$s1" -v t="$tck" -v s="$seconds" -v p="$spk" \
  'BEGIN { printf "| supervisor (watchdog, sampling every 2 s) | %.3f%% | - | - | %d |\n", (b - a) / t / s * 100, p }'
echo "result lines logged: $runs"
# RSS counts the binary's pages the supervisor shares; PSS splits shared pages.
echo "worker at the end: $(awk '/^Rss:|^Pss:|^Private_Dirty:/ { printf "%s %d MB  ", $1, $2 / 1024 }' "/proc/$worker/smaps_rollup")"
