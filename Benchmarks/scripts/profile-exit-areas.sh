#!/usr/bin/env bash
# What the profiler's exit hook (profile_exit) costs the exit of a sampled process
# with N memory areas: kernel.bpf_stats_enabled gives the hook's total run time while
# `vigil profile` runs and a process with N areas (many-areas.c) burns a second and
# exits. The total includes the other exits on the host in that window; a small N
# shows that part. Binaries are interleaved.
# Usage: Benchmarks/scripts/profile-exit-areas.sh "N..." VIGIL...
# e.g.   Benchmarks/scripts/profile-exit-areas.sh "10 990 60000" old/vigil .build/release/vigil
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: $0 \"N...\" VIGIL... (e.g. $0 \"10 990 60000\" .build/release/vigil)" >&2
  exit 2
fi
sizes=$1; shift
# shellcheck source=bpf-stats-setup.sh
source "$(dirname "$(realpath "$0")")/bpf-stats-setup.sh"
"$cc" -O2 -o "$out/many-areas" "$here/many-areas.c"
stats() {
  bpftool -j prog show | python3 -c 'import json, sys
p = [p for p in json.load(sys.stdin) if p.get("name") == "profile_exit"][-1]
print(p.get("run_time_ns", 0), p.get("run_cnt", 0))'
}
echo "| binary | areas | exits hooked | hook time, all of them (µs) |"
echo "|---|---:|---:|---:|"
for n in $sizes; do
  for vigil in "$@"; do
    "$vigil" profile --duration 5s -o "$out/exit-areas.pb.gz" > /dev/null 2> "$out/exit-areas.err" &
    pid=$!
    for _ in $(seq 100); do bpftool -j prog show 2> /dev/null | grep -q '"name":"profile_exit"' && break; sleep 0.1; done
    sleep 0.5
    read -r t0 c0 < <(stats)
    "$out/many-areas" "$n"
    read -r t1 c1 < <(stats)
    wait $pid
    echo "| $vigil | $n | $((c1 - c0)) | $(( (t1 - t0) / 1000 )) |"
  done
done
