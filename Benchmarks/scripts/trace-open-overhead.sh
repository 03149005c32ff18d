#!/usr/bin/env bash
# Cost of tracing a syscall: a loop of N open+close (a small C program), timed
# untraced, under `vigil trace` writing JSON lines (openat's path, pid and return
# value) to a file, under bpftrace printing the same fields, under auditd with an
# openat rule, and under `vigil trace` with a filter that matches nothing. Counts
# the events each tracer delivered against the N opens the loop is known to do.
# Usage: Benchmarks/scripts/trace-open-overhead.sh [path/to/vigil] [N] [ROUNDS]
set -euo pipefail
vigil=$(realpath "${1:-.build/release/vigil}")
n=${2:-1000000}
rounds=${3:-3}
out=${OUT:-/tmp/vigil-bench}
mkdir -p "$out"
here=$(dirname "$(realpath "$0")")
cc=/opt/swift/usr/bin/clang; [ -x "$cc" ] || cc=cc
"$cc" -O2 -o "$out/open-loop" "$here/open-loop.c"
target="$out/open-target"
echo data > "$target"
[ -d /sys/kernel/tracing/events ] || mount -t tracefs nodev /sys/kernel/tracing
if ! command -v auditctl > /dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq auditd > /dev/null 2>&1 || true
fi

loop() {
  local start end
  start=$(date +%s%N)
  "$out/open-loop" "$target" "$n"
  end=$(date +%s%N)
  echo $(( (end - start) / 1000000 ))
}

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
ratio() { awk "BEGIN { printf \"%.2f\", $1 / $2 }"; }

# vigil in the background, filtered in the kernel; $1: a name for the case, rest: flags.
run_vigil() {
  local name=$1; shift
  rm -f "$out/$name.jsonl"
  "$vigil" trace --format json -o "$out/$name.jsonl" --rotate-size 0 "$@" 2> "$out/$name-summary.txt" &
  local pid=$!
  sleep 1.5
  local ms; ms=$(loop)
  sleep 1
  kill -INT $pid; wait $pid || true
  eval "${name}_ms+=($ms)"
  eval "${name}_events=$(grep -c "\"$target\"" "$out/$name.jsonl" || true)"
  eval "${name}_lost=$(sed -n 's/^lost: \([0-9]*\) in the kernel.*/\1/p' "$out/$name-summary.txt")"
}

run_bpftrace() {
  bpftrace -e 'tracepoint:syscalls:sys_enter_openat /comm == "open-loop"/ { @path[tid] = args->filename; }
               tracepoint:syscalls:sys_exit_openat /@path[tid]/ { printf("%d %s %d\n", pid, str(@path[tid]), args->ret); delete(@path[tid]); }' \
    > "$out/bpftrace.txt" 2> "$out/bpftrace-err.txt" &
  local pid=$!
  for _ in $(seq 100); do grep -q "Attaching" "$out/bpftrace.txt" 2>/dev/null && break; sleep 0.1; done
  sleep 1
  bt_ms+=("$(loop)")
  sleep 1
  kill -INT $pid; wait $pid || true
  bt_events=$(grep -c " $target " "$out/bpftrace.txt" || true)
}

run_auditd() {
  command -v auditctl > /dev/null || { audit_ms+=(0); return; }
  rm -f /var/log/audit/audit.log*
  mkdir -p /var/log/audit
  auditd > /dev/null 2>&1 || true
  sleep 1
  local lost_before; lost_before=$(auditctl -s | awk '/^lost/ { print $2 }')
  auditctl -a always,exit -F arch=b64 -S openat -F exe="$out/open-loop" -k vigilbench > /dev/null
  audit_ms+=("$(loop)")
  sleep 2
  auditctl -d always,exit -F arch=b64 -S openat -F exe="$out/open-loop" -k vigilbench > /dev/null
  audit_lost=$(( $(auditctl -s | awk '/^lost/ { print $2 }') - lost_before ))
  audit_events=$(cat /var/log/audit/audit.log* 2>/dev/null | grep -c "key=\"vigilbench\"" || true)
  pkill -x auditd || true
  sleep 1
}

base_ms=(); syscall_ms=(); open_ms=(); none_ms=(); bt_ms=(); audit_ms=()
for round in $(seq "$rounds"); do
  base_ms+=("$(loop)")
  run_vigil syscall --syscalls openat --comm open-loop
  run_vigil open --events open --comm open-loop
  run_vigil none --syscalls openat --comm no-such-comm
  run_bpftrace
  run_auditd
done
base=$(printf '%s\n' "${base_ms[@]}" | median)
s=$(printf '%s\n' "${syscall_ms[@]}" | median)
o=$(printf '%s\n' "${open_ms[@]}" | median)
f=$(printf '%s\n' "${none_ms[@]}" | median)
b=$(printf '%s\n' "${bt_ms[@]}" | median)
a=$(printf '%s\n' "${audit_ms[@]}" | median)

echo "loop: $n × open+close of one file, median of $rounds interleaved rounds"
echo "runs (ms): none ${base_ms[*]} | vigil syscall ${syscall_ms[*]} | vigil open ${open_ms[*]} | vigil filtered-out ${none_ms[*]} | bpftrace ${bt_ms[*]} | auditd ${audit_ms[*]}"
echo "| tracer | loop (ms) | slowdown | events written (of $n) | lost (reported) |"
echo "|---|---:|---:|---:|---:|"
echo "| none | $base | 1.00× | – | – |"
echo "| vigil trace --syscalls openat --comm open-loop (JSON lines to a file) | $s | $(ratio "$s" "$base")× | $syscall_events | $syscall_lost |"
echo "| vigil trace --events open --comm open-loop (adds the resolved path) | $o | $(ratio "$o" "$base")× | $open_events | $open_lost |"
echo "| bpftrace printf of pid, path, ret | $b | $(ratio "$b" "$base")× | $bt_events | – |"
if [ "$a" != 0 ]; then
  echo "| auditd, rule -S openat -F exe=… | $a | $(ratio "$a" "$base")× | $audit_events | $audit_lost |"
fi
echo "| vigil trace --syscalls openat --comm no-such-comm (filtered out) | $f | $(ratio "$f" "$base")× | $none_events | $none_lost |"
