#!/usr/bin/env bash
# Cost of file integrity monitoring to the processes that write files: a loop of N
# open(O_TRUNC)+write+close (a small C program), timed with nothing watching, under
# `vigil agent` with file_paths on another directory (what every process on the host
# pays: the kernel filters the write out), under `vigil agent` watching the file's
# directory, under inotifywait -m on that directory (what osquery's file_events uses),
# and under auditd with a watch rule (-w DIR -p wa). Counts the events each delivered.
# Usage: Benchmarks/scripts/fim-overhead.sh [path/to/vigil] [N] [ROUNDS]
set -euo pipefail
vigil=$(realpath "${1:-.build/release/vigil}")
n=${2:-1000000}
rounds=${3:-3}
# On tmpfs: on ext4 a truncating rewrite is flushed at close (auto_da_alloc), so the
# loop would measure the disk, not the watchers.
out=${OUT:-/dev/shm/vigil-bench}/fim
rm -rf "$out"; mkdir -p "$out/watched" "$out/other"
here=$(dirname "$(realpath "$0")")
cc=/opt/swift/usr/bin/clang; [ -x "$cc" ] || cc=cc
"$cc" -O2 -o "$out/write-loop" "$here/write-loop.c"
target="$out/watched/target"
need() { command -v "$1" > /dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" > /dev/null 2>&1 || true; }
need inotifywait inotify-tools
need auditctl auditd

loop() {
  local start end
  start=$(date +%s%N)
  "$out/write-loop" "$target" "$n"
  end=$(date +%s%N)
  echo $(( (end - start) / 1000000 ))
}
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
ratio() { awk "BEGIN { printf \"%.2f\", $1 / $2 }"; }

# $1: case name, $2: the directory file_paths watches.
run_vigil() {
  local name=$1 watch=$2 data="$out/data-$1"
  rm -rf "$data"; mkdir -p "$data"
  cat > "$out/$name.yaml" <<YAML
options:
  watchdog_level: -1
  events_max: 10000000
file_paths:
  bench: ["$watch/%%"]
schedule:
  tick: {query: "SELECT 1", interval: 3600}
YAML
  "$vigil" agent --config "$out/$name.yaml" --data-dir "$data" 2> "$out/$name.log" &
  local pid=$!
  for _ in $(seq 100); do grep -q "file_events" "$out/$name.log" 2>/dev/null && break; sleep 0.1; done
  sleep 1
  eval "${name}_ms+=($(loop))"
  sleep 1.5
  eval "${name}_events=$("$vigil" query --agent --data-dir "$data" --format csv "SELECT count(*) AS n FROM file_events" | tail -1)"
  eval "${name}_lost=$("$vigil" query --agent --data-dir "$data" --format csv "SELECT lost_in_kernel + dropped_overflow FROM vigil_events WHERE name = 'file_events'" | tail -1)"
  kill -TERM $pid; wait $pid || true
}

run_inotify() {
  inotifywait -m -q -e modify,close_write,create,delete,attrib,moved_from,moved_to "$out/watched" > "$out/inotify.txt" 2> /dev/null &
  local pid=$!
  sleep 1
  inotify_ms+=("$(loop)")
  sleep 1
  kill $pid; wait $pid || true
  inotify_events=$(wc -l < "$out/inotify.txt")
}

run_auditd() {
  command -v auditctl > /dev/null || { audit_ms+=(0); return; }
  rm -f /var/log/audit/audit.log*; mkdir -p /var/log/audit
  auditd > /dev/null 2>&1 || true
  sleep 1
  auditctl -w "$out/watched" -p wa -k vigilfim > /dev/null
  audit_ms+=("$(loop)")
  sleep 2
  auditctl -W "$out/watched" -p wa -k vigilfim > /dev/null
  audit_events=$(cat /var/log/audit/audit.log* 2>/dev/null | grep -c 'key="vigilfim"' || true)
  pkill -x auditd || true
  sleep 1
}

base_ms=(); other_ms=(); watched_ms=(); inotify_ms=(); audit_ms=()
for round in $(seq "$rounds"); do
  base_ms+=("$(loop)")
  run_vigil other "$out/other"
  run_vigil watched "$out/watched"
  run_inotify
  run_auditd
done
base=$(printf '%s\n' "${base_ms[@]}" | median)
o=$(printf '%s\n' "${other_ms[@]}" | median)
w=$(printf '%s\n' "${watched_ms[@]}" | median)
i=$(printf '%s\n' "${inotify_ms[@]}" | median)
a=$(printf '%s\n' "${audit_ms[@]}" | median)
echo "loop: $n × open(O_TRUNC)+write+close of one file, median of $rounds interleaved rounds"
echo "runs (ms): none ${base_ms[*]} | vigil other ${other_ms[*]} | vigil watched ${watched_ms[*]} | inotifywait ${inotify_ms[*]} | auditd ${audit_ms[*]}"
echo "| watcher | loop (ms) | slowdown | events (last round) | lost |"
echo "|---|---:|---:|---:|---:|"
echo "| none | $base | 1.00× | – | – |"
echo "| vigil agent, file_paths on another directory | $o | $(ratio "$o" "$base")× | $other_events | $other_lost |"
echo "| vigil agent, file_paths on the file's directory | $w | $(ratio "$w" "$base")× | $watched_events | $watched_lost |"
echo "| inotifywait -m on the directory (osquery's mechanism) | $i | $(ratio "$i" "$base")× | $inotify_events | – |"
if [ "$a" != 0 ]; then
  echo "| auditd -w DIR -p wa | $a | $(ratio "$a" "$base")× | $audit_events | – |"
fi
