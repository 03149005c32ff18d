#!/usr/bin/env bash
# Cost of tracing a syscall: a loop of N open+close (a small C program), timed
# untraced, under `vigil trace` writing JSON lines (openat's path, pid and return
# value) to a file, under bpftrace printing the same fields, under auditd with an
# openat rule, and under `vigil trace` with a filter that matches nothing. Counts
# the events each tracer delivered against the N opens the loop is known to do.
# Two reference cases give the floor under any BPF tracer on the same hook
# (floor-tracer/): a program that does nothing, and one that writes only time, pid,
# return value and path to a ring buffer.
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
"$cc" -target bpf -O2 -g -D__TARGET_ARCH_x86 -I "$here/../../bpf" -c "$here/floor-tracer/floor.bpf.c" -o "$out/floor.bpf.o"
"$cc" -O2 -o "$out/floor" "$here/floor-tracer/floor.c" -lbpf
target="$out/open-target"
echo data > "$target"
[ -d /sys/kernel/tracing/events ] || mount -t tracefs nodev /sys/kernel/tracing
command -v bpftool > /dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bpftool > /dev/null 2>&1 || true
if ! command -v auditctl > /dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq auditd > /dev/null 2>&1 || true
fi

# Runs the loop; appends its wall time (ms) to ${1}_ms and its fastest 50,000-iteration
# chunk (ns per open+close) to ${1}_floor. This VM's noise only adds time and comes in
# spells of seconds (the untraced loop alone ran 0.8 to 1.8 s in one hour), so the
# fastest chunk over all rounds is the steadiest figure of each case's own cost.
loop() {
  local name=$1 start end floor
  start=$(date +%s%N)
  floor=$("$out/open-loop" "$target" "$n" 50000)
  end=$(date +%s%N)
  eval "${name}_ms+=($(( (end - start) / 1000000 )))"
  eval "${name}_floor+=($floor)"
}

# SIGINT, then SIGKILL after 30 s: bpftrace once sat in epoll_wait after its SIGINT
# for over five minutes, and the whole run with it.
stop() {
  kill -INT "$1" 2> /dev/null || true
  for _ in $(seq 150); do kill -0 "$1" 2> /dev/null || break; sleep 0.2; done
  kill -KILL "$1" 2> /dev/null || true
  wait "$1" 2> /dev/null || true
}

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
ratio() { awk "BEGIN { printf \"%.2f\", $1 / $2 }"; }

# Waits until process $1 has a program on sys_exit_openat (bpftool lists what each process
# attached), then a moment more for its other hooks. A fixed sleep was not enough: in a
# slow spell vigil's start-up took longer, and the loop's first opens went untraced.
attached() {
  command -v bpftool > /dev/null || { sleep 3; return; }
  for _ in $(seq 300); do
    bpftool perf show 2> /dev/null | grep -q "^pid $1 .*sys_exit_openat" && break
    sleep 0.1
  done
  sleep 0.5
}

# vigil in the background, filtered in the kernel; $1: a name for the case, rest: flags.
run_vigil() {
  local name=$1; shift
  rm -f "$out/$name.jsonl"
  "$vigil" trace --format json -o "$out/$name.jsonl" --rotate-size 0 "$@" 2> "$out/$name-summary.txt" &
  local pid=$!
  attached $pid
  loop "$name"
  sleep 1
  stop $pid
  eval "${name}_events+=($(grep -c "\"$target\"" "$out/$name.jsonl" || true))"
  eval "${name}_lost+=($(sed -n 's/^lost: \([0-9]*\) in the kernel.*/\1/p' "$out/$name-summary.txt"))"
}

# The floor tracer with program $2 (nothing or minimal); $1: a name for the case.
run_floor() {
  local name=$1
  "$out/floor" "$out/floor.bpf.o" "$2" > "$out/$name.txt" &
  local pid=$!
  for _ in $(seq 100); do grep -q attached "$out/$name.txt" 2>/dev/null && break; sleep 0.1; done
  loop "$name"
  sleep 0.2
  stop $pid
  eval "${name}_events+=($(sed -n 's/^records //p' "$out/$name.txt"))"
}

run_bpftrace() {
  bpftrace -e 'tracepoint:syscalls:sys_enter_openat /comm == "open-loop"/ { @path[tid] = args->filename; }
               tracepoint:syscalls:sys_exit_openat /@path[tid]/ { printf("%d %s %d\n", pid, str(@path[tid]), args->ret); delete(@path[tid]); }' \
    > "$out/bpftrace.txt" 2> "$out/bpftrace-err.txt" &
  local pid=$!
  for _ in $(seq 100); do grep -q "Attaching" "$out/bpftrace.txt" 2>/dev/null && break; sleep 0.1; done
  sleep 1
  loop bt
  sleep 1
  stop $pid
  bt_events+=($(grep -c " $target " "$out/bpftrace.txt" || true))
}

run_auditd() {
  command -v auditctl > /dev/null || { audit_ms+=(0); audit_floor+=(0); return; }
  rm -f /var/log/audit/audit.log*
  mkdir -p /var/log/audit
  auditd > /dev/null 2>&1 || true
  sleep 1
  local lost_before; lost_before=$(auditctl -s | awk '/^lost/ { print $2 }')
  auditctl -a always,exit -F arch=b64 -S openat -F exe="$out/open-loop" -k vigilbench > /dev/null
  loop audit
  sleep 2
  auditctl -d always,exit -F arch=b64 -S openat -F exe="$out/open-loop" -k vigilbench > /dev/null
  audit_lost=$(( $(auditctl -s | awk '/^lost/ { print $2 }') - lost_before ))
  audit_events=$(cat /var/log/audit/audit.log* 2>/dev/null | grep -c "key=\"vigilbench\"" || true)
  pkill -x auditd || true
  sleep 1
}

base_ms=(); syscall_ms=(); open_ms=(); none_ms=(); bt_ms=(); audit_ms=(); empty_ms=(); minimal_ms=()
syscall_events=(); open_events=(); none_events=(); bt_events=(); syscall_lost=(); open_lost=(); none_lost=(); minimal_events=(); empty_events=()
base_floor=(); syscall_floor=(); open_floor=(); none_floor=(); bt_floor=(); audit_floor=(); empty_floor=(); minimal_floor=()
for round in $(seq "$rounds"); do
  loop base
  run_vigil syscall --syscalls openat --comm open-loop
  run_vigil open --events open --comm open-loop
  run_vigil none --syscalls openat --comm no-such-comm
  run_floor empty nothing
  run_floor minimal minimal
  run_bpftrace
  loop base
  run_auditd
done
lowest() { sort -g | head -1; }
# base, s, o, f, b, a: medians of wall time; the same with _f: the fastest chunk.
for pair in base:base s:syscall o:open f:none b:bt a:audit e:empty m:minimal; do
  var=${pair%%:*} case=${pair#*:}
  eval "$var=\$(printf '%s\\n' \"\${${case}_ms[@]}\" | median)"
  eval "${var}_f=\$(printf '%s\\n' \"\${${case}_floor[@]}\" | lowest)"
done

echo "loop: $n × open+close of one file, $rounds interleaved rounds"
echo "runs (ms): none ${base_ms[*]} | empty program ${empty_ms[*]} | minimal tracer ${minimal_ms[*]} | vigil syscall ${syscall_ms[*]} | vigil open ${open_ms[*]} | vigil filtered-out ${none_ms[*]} | bpftrace ${bt_ms[*]} | auditd ${audit_ms[*]}"
echo "fastest chunks (ns per open+close): none ${base_floor[*]} | empty program ${empty_floor[*]} | minimal tracer ${minimal_floor[*]} | vigil syscall ${syscall_floor[*]} | vigil open ${open_floor[*]} | vigil filtered-out ${none_floor[*]} | bpftrace ${bt_floor[*]} | auditd ${audit_floor[*]}"
# Events and losses: the worst round of each (fewest written, most lost), every round listed above.
worst() { local list=$1 pick=$2; eval "printf '%s\\n' \"\${${list}[@]}\"" | sort -g | $pick -1; }
echo "events written per round: minimal tracer ${minimal_events[*]} | vigil syscall ${syscall_events[*]} | vigil open ${open_events[*]} | vigil filtered-out ${none_events[*]} | bpftrace ${bt_events[*]}"
echo "lost (reported) per round: vigil syscall ${syscall_lost[*]} | vigil open ${open_lost[*]} | vigil filtered-out ${none_lost[*]}"
echo "| tracer | loop (ms, median) | slowdown | fastest chunk (ns/iteration) | slowdown | events written (of $n, worst round) | lost (reported, worst round) |"
echo "|---|---:|---:|---:|---:|---:|---:|"
echo "| none | $base | 1.00× | $base_f | 1.00× | – | – |"
echo "| floor: a program that does nothing on sys_exit_openat | $e | $(ratio "$e" "$base")× | $e_f | $(ratio "$e_f" "$base_f")× | – | – |"
echo "| floor: time, pid, ret, path to a ring buffer (no filter, no output) | $m | $(ratio "$m" "$base")× | $m_f | $(ratio "$m_f" "$base_f")× | $(worst minimal_events head) | – |"
echo "| vigil trace --syscalls openat --comm open-loop (JSON lines to a file) | $s | $(ratio "$s" "$base")× | $s_f | $(ratio "$s_f" "$base_f")× | $(worst syscall_events head) | $(worst syscall_lost tail) |"
echo "| vigil trace --events open --comm open-loop (adds the resolved path) | $o | $(ratio "$o" "$base")× | $o_f | $(ratio "$o_f" "$base_f")× | $(worst open_events head) | $(worst open_lost tail) |"
echo "| bpftrace printf of pid, path, ret | $b | $(ratio "$b" "$base")× | $b_f | $(ratio "$b_f" "$base_f")× | $(worst bt_events head) | – |"
if [ "$a" != 0 ]; then
  echo "| auditd, rule -S openat -F exe=… | $a | $(ratio "$a" "$base")× | $a_f | $(ratio "$a_f" "$base_f")× | $audit_events | $audit_lost |"
fi
echo "| vigil trace --syscalls openat --comm no-such-comm (filtered out) | $f | $(ratio "$f" "$base")× | $f_f | $(ratio "$f_f" "$base_f")× | $(worst none_events head) | $(worst none_lost tail) |"
