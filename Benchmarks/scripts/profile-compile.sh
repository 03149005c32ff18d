#!/usr/bin/env bash
# Cost of whole-system profiling on a machine running large binaries: a release build
# of this package (swift-frontend, swift-driver, swift-build, clang, ld: binaries of
# 100-260 MB with large symbol tables and .eh_frame) runs while `vigil profile` and
# `perf record -F 19 -a -g` sample the machine at the same time for SECONDS; then
# `perf report` post-processes perf's file. Reports user + system CPU and peak RSS
# (GNU time) of each.
# Usage: Benchmarks/scripts/profile-compile.sh [path/to/vigil] [SECONDS]
set -euo pipefail
vigil=$(realpath "${1:-.build/release/vigil}")
seconds=${2:-60}
out=${OUT:-/tmp/vigil-bench}
src=$(mktemp -d)
mkdir -p "$out"
git archive HEAD | tar -x -C "$src"
(cd "$src" && swift build --scratch-path "$src/.build" -c release --product vigil > "$out/compile.log" 2>&1) &
build=$!
trap 'pkill -f "scratch-path $src" 2>/dev/null || true; kill $build 2>/dev/null || true; rm -rf "$src"' EXIT
sleep 20  # past dependency resolution, into compiling
/usr/bin/time -f "%U %S %M" -o "$out/compile-vigil.time" "$vigil" profile --duration "${seconds}s" -o "$out/compile-vigil.pb.gz" > "$out/compile-vigil.out" 2>&1 &
/usr/bin/time -f "%U %S %M" -o "$out/compile-perf.time" perf record -q -F 19 -a -g -o "$out/compile-perf.data" -- sleep "$seconds" > /dev/null 2>&1 &
wait %2 %3
/usr/bin/time -f "%U %S %M" -o "$out/compile-perf-report.time" perf report -i "$out/compile-perf.data" --stdio > /dev/null 2>&1
read -r vu vs vm < "$out/compile-vigil.time"
read -r pu ps pm < "$out/compile-perf.time"
read -r ru rs rm < "$out/compile-perf-report.time"
share() { awk -v c="$1" -v t="$seconds" 'BEGIN { printf "%.2f%%", c / t * 100 }'; }
echo "a release build of this package running, 19 Hz per CPU, ${seconds} s, both profilers at once"
echo "| profiler | CPU (share of one core) | peak RSS (MB) |"
echo "|---|---:|---:|"
echo "| vigil profile (all included) | $(share "$(awk "BEGIN { print $vu + $vs }")") | $((vm / 1024)) |"
echo "| perf record -g + perf report | $(share "$(awk "BEGIN { print $pu + $ps + $ru + $rs }")") | $((pm / 1024)) / $((rm / 1024)) |"
grep -E "samples in|user stacks" "$out/compile-vigil.out" || true
