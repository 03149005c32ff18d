#!/usr/bin/env bash
# Cost of tracing process events: a shell loop that runs /bin/true N times (N forks,
# N execs, N exits), timed untraced, under `vigil trace` (machine-wide, JSON lines to a
# file) and under bpftrace printing the same events, in one run. Also counts the
# events each tracer delivered against the N the loop is known to have caused.
# Usage: Benchmarks/scripts/trace-process-overhead.sh [path/to/vigil] [N]
set -euo pipefail
vigil=$(realpath "${1:-.build/release/vigil}")
n=${2:-3000}
out=${OUT:-/tmp/vigil-bench}
mkdir -p "$out"
[ -d /sys/kernel/tracing/events ] || mount -t tracefs nodev /sys/kernel/tracing  # bpftrace's tracepoints need it

loop() {
  local start end
  start=$(date +%s%N)
  bash -c "for ((i = 0; i < $n; i++)); do /bin/true; done"
  end=$(date +%s%N)
  echo $(( (end - start) / 1000000 ))
}

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# The three cases are interleaved round by round so that drift in the VM's speed
# hits them alike; each figure is the median over the rounds.
run_vigil() {
  "$vigil" trace --format json -o "$out/vigil.jsonl" 2> "$out/vigil-summary.txt" &
  local pid=$!
  sleep 1
  vigil_ms+=("$(loop)")
  sleep 0.5
  kill -INT $pid; wait $pid || true
  vigil_exec=$(grep -c '"event":"exec".*"filename":"/bin/true"' "$out/vigil.jsonl" || true)
  vigil_exit=$(grep -c '"event":"exit".*"comm":"true"' "$out/vigil.jsonl" || true)
  vigil_lost=$(sed -n 's/^lost: \([0-9]*\) in the kernel.*/\1/p' "$out/vigil-summary.txt")
}

run_bpftrace() {
  bpftrace -e 'tracepoint:sched:sched_process_exec { printf("exec %d %d %s %s\n", pid, uid, comm, str(args->filename)); }
               tracepoint:sched:sched_process_exit { printf("exit %d %s\n", pid, comm); }' > "$out/bpftrace.txt" 2>/dev/null &
  local pid=$!
  for _ in $(seq 100); do grep -q . "$out/bpftrace.txt" 2>/dev/null && break; sleep 0.1; done
  sleep 1
  bt_ms+=("$(loop)")
  sleep 0.5
  kill -INT $pid; wait $pid || true
  bt_exec=$(grep -c '^exec .* /bin/true$' "$out/bpftrace.txt" || true)
  bt_exit=$(grep -c '^exit [0-9]* true$' "$out/bpftrace.txt" || true)
}

base_ms=(); vigil_ms=(); bt_ms=()
for round in 1 2 3 4 5; do
  base_ms+=("$(loop)")
  run_vigil
  run_bpftrace
done
base=$(printf '%s\n' "${base_ms[@]}" | median)
vigil_med=$(printf '%s\n' "${vigil_ms[@]}" | median)
bt_med=$(printf '%s\n' "${bt_ms[@]}" | median)

echo "loop: $n × /bin/true (fork + exec + exit), median of 5 interleaved rounds"
echo "runs (ms): none ${base_ms[*]} | vigil ${vigil_ms[*]} | bpftrace ${bt_ms[*]}"
echo "| tracer | loop (ms) | slowdown | exec events (of $n) | exit events (of $n) |"
echo "|---|---:|---:|---:|---:|"
echo "| none | $base | 1.00× | – | – |"
echo "| vigil trace --format json -o FILE | $vigil_med | $(awk "BEGIN { printf \"%.2f\", $vigil_med / $base }")× | $vigil_exec | $vigil_exit |"
echo "| bpftrace printf | $bt_med | $(awk "BEGIN { printf \"%.2f\", $bt_med / $base }")× | $bt_exec | $bt_exit |"
echo "vigil reported lost in kernel: ${vigil_lost:-?}"
