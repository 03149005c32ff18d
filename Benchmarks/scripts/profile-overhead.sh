#!/usr/bin/env bash
# Cost of whole-system CPU profiling on a busy machine: both cores run a busy loop
# while `vigil profile` (19 Hz, stacks unwound and symbolized, pprof written), then
# `perf record -F 19 -a -g` and `perf record -F 19 -a --call-graph dwarf` (each
# followed by `perf report`, its post-processing) sample the machine for the same
# time. Reports each tool's own CPU (user + system, as a share of one core over
# the capture) and peak RSS, from GNU time.
# Usage: Benchmarks/scripts/profile-overhead.sh [path/to/vigil] [SECONDS]
set -euo pipefail
vigil=$(realpath "${1:-.build/release/vigil}")
seconds=${2:-60}
out=${OUT:-/tmp/vigil-bench}
mkdir -p "$out"

busy=()
for _ in $(seq "$(nproc)"); do sh -c 'while :; do :; done' & busy+=($!); done
trap 'kill "${busy[@]}" 2>/dev/null || true' EXIT

measure() {  # name, command...: "user sys maxrss_kb"
  local name=$1; shift
  /usr/bin/time -f "%U %S %M" -o "$out/$name.time" "$@" > "$out/$name.out" 2>&1
  cat "$out/$name.time" | tail -1
}
share() { awk -v u="$1" -v s="$2" -v t="$seconds" 'BEGIN { printf "%.2f%%", (u + s) / t * 100 }'; }

read -r vu vs vm < <(measure vigil "$vigil" profile --duration "${seconds}s" -o "$out/vigil.pb.gz")
read -r pu ps pm < <(measure perf-g perf record -q -F 19 -a -g -o "$out/perf-g.data" -- sleep "$seconds")
read -r pru prs prm < <(measure perf-g-report perf report -i "$out/perf-g.data" --stdio)
read -r du ds dm < <(measure perf-dwarf perf record -q -F 19 -a --call-graph dwarf -o "$out/perf-dwarf.data" -- sleep "$seconds")
read -r dru drs drm < <(measure perf-dwarf-report perf report -i "$out/perf-dwarf.data" --stdio)

echo "whole machine, $(nproc) CPUs busy, 19 Hz per CPU, ${seconds} s each"
echo "| profiler | capture CPU (share of one core) | post-processing CPU (s) | total CPU (share of one core) | peak RSS (MB) |"
echo "|---|---:|---:|---:|---:|"
echo "| vigil profile (unwinding, symbolization, pprof included) | $(share "$vu" "$vs") | (included) | $(share "$vu" "$vs") | $((vm / 1024)) |"
echo "| perf record -g + perf report | $(share "$pu" "$ps") | $(awk "BEGIN { print $pru + $prs }") | $(share "$(awk "BEGIN { print $pu + $pru }")" "$(awk "BEGIN { print $ps + $prs }")") | $((pm / 1024)) / $((prm / 1024)) |"
echo "| perf record --call-graph dwarf + perf report | $(share "$du" "$ds") | $(awk "BEGIN { print $dru + $drs }") | $(share "$(awk "BEGIN { print $du + $dru }")" "$(awk "BEGIN { print $ds + $drs }")") | $((dm / 1024)) / $((drm / 1024)) |"
grep -E "samples in|user stacks" "$out/vigil.out" || true
