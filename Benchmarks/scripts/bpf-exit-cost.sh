#!/usr/bin/env bash
# The kernel's own cost of tracing an open: with kernel.bpf_stats_enabled, the average
# run time per call of the program each vigil binary attaches to sys_exit_openat, while
# the open+close loop runs N times under `vigil trace FLAGS --comm open-loop`. Binaries
# are interleaved over ROUNDS so a slow spell of the VM hits them alike.
# Usage: Benchmarks/scripts/bpf-exit-cost.sh ROUNDS N "FLAGS" VIGIL...
# e.g.   Benchmarks/scripts/bpf-exit-cost.sh 5 200000 "--events open" old/vigil .build/release/vigil
set -euo pipefail
if [ $# -lt 4 ]; then
  echo "usage: $0 ROUNDS N \"FLAGS\" VIGIL... (e.g. $0 5 200000 \"--events open\" old/vigil .build/release/vigil)" >&2
  exit 2
fi
rounds=$1 n=$2 flags=$3; shift 3
# shellcheck source=bpf-stats-setup.sh
source "$(dirname "$(realpath "$0")")/bpf-stats-setup.sh"
"$cc" -O2 -o "$out/open-loop" "$here/open-loop.c"
echo data > "$out/open-target"
[ -d /sys/kernel/tracing/events ] || mount -t tracefs nodev /sys/kernel/tracing
for round in $(seq "$rounds"); do
  for vigil in "$@"; do
    # shellcheck disable=SC2086
    "$vigil" trace --format json -o "$out/exit-cost.jsonl" --rotate-size 0 $flags --comm open-loop 2> "$out/exit-cost.err" &
    pid=$!
    prog=""
    for _ in $(seq 300); do
      kill -0 "$pid" 2> /dev/null || break
      prog=$(bpftool perf show 2> /dev/null | awk -v p="$pid" '$1 == "pid" && $2 == p && /sys_exit_openat/ { for (i = 1; i <= NF; i++) if ($i == "prog_id") print $(i + 1) }' | head -1)
      [ -n "$prog" ] && break
      sleep 0.1
    done
    if [ -z "$prog" ]; then
      kill -INT "$pid" 2> /dev/null || true
      wait "$pid" || true
      echo "$0: $vigil attached nothing to sys_exit_openat; it said:" >&2
      cat "$out/exit-cost.err" >&2
      exit 1
    fi
    sleep 0.3
    chunk=$("$out/open-loop" "$out/open-target" "$n" 50000)
    cost=$(bpftool -j prog show id "$prog" | python3 -c 'import json, sys; d = json.load(sys.stdin); print("%.0f %d" % (d.get("run_time_ns", 0) / max(1, d.get("run_cnt", 1)), d.get("run_cnt", 0)))')
    kill -INT "$pid" 2> /dev/null || true
    wait "$pid" || true
    echo "round $round $vigil: ${cost% *} ns per call over ${cost#* } calls; loop's fastest chunk $chunk ns"
  done
done
