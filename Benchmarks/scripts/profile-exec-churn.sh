#!/usr/bin/env bash
# Profiles a shell that runs /bin/true N times (fork, exec, a millisecond of the
# loader, exit), where most samples belong to a program that exec replaced or that
# exited before the profiler could read its mappings. Counts, per profiler and run,
# the samples whose user part names a frame that is no code ("[unknown]" addresses)
# and the ones marked as not nameable. Peers: `perf record -a -g` (frame pointers) and
# `perf record -a --call-graph dwarf`, which learn mappings from the kernel's mmap
# records, counting only the samples of `sh` and `true`. perf runs system-wide
# (per CPU, as Vigil samples): counting per task, as `perf record -- CMD` does, a
# child that runs less than one period (1 ms) is never sampled at all.
# Usage: Benchmarks/scripts/profile-exec-churn.sh [ROUNDS] [N] VIGIL...
set -euo pipefail
rounds=${1:-3}
n=${2:-3000}
shift 2 || true
[ $# -ge 1 ] || { echo "usage: $0 ROUNDS N path/to/vigil [another/vigil ...]" >&2; exit 2; }
for v in "$@"; do [ -x "$v" ] || { echo "$v: not an executable" >&2; exit 2; }; done
out=${OUT:-/tmp/vigil-exec-churn}
mkdir -p "$out"
workload=(/bin/sh -c "i=0; while [ \$i -lt $n ]; do /bin/true; i=\$((i+1)); done")

# Folded stacks (comm;frames… count) → "samples unknown marked".
count_folded() {
  awk '{ c = $NF; t += c
         if ($0 ~ /\[unknown\]/) u += c
         else if ($0 ~ /\[(process exited|program replaced|in execve|user unwind failed|user stack truncated)/) m += c }
       END { printf "%d %d %d\n", t, u, m }' "$1"
}

# perf script → "samples unknown": a sample whose user frames include an address
# perf could not place in any mapping or symbol.
count_perf() {
  perf script -F comm,ip,sym,dso 2> /dev/null | awk '
    /^[^ \t]/ { if (n && keep) { t++; if (bad) u++ } n = 1; bad = 0; keep = ($1 == "sh" || $1 == "true"); next }
    NF == 0 { next }
    /\(\[unknown\]\)/ && $1 !~ /^ffffffff/ { bad = 1 }
    END { if (n && keep) { t++; if (bad) u++ } printf "%d %d -\n", t, u }'
}

for r in $(seq "$rounds"); do
  i=0
  for v in "$@"; do
    i=$((i + 1))
    "$v" profile --frequency 997 --format folded -o "$out/vigil$i.folded" -- "${workload[@]}" > /dev/null 2>&1
    echo "round $r vigil$i ($v): $(count_folded "$out/vigil$i.folded")"
  done
  if command -v perf > /dev/null; then
    (cd "$out" && perf record -q -a -F 997 -g -o perf-fp.data -- "${workload[@]}" > /dev/null 2>&1)
    echo "round $r perf -g: $(cd "$out" && cp perf-fp.data perf.data; count_perf)"
    (cd "$out" && perf record -q -a -F 997 --call-graph dwarf -o perf-dwarf.data -- "${workload[@]}" > /dev/null 2>&1)
    echo "round $r perf dwarf: $(cd "$out" && cp perf-dwarf.data perf.data; count_perf)"
  fi
done
echo "columns: samples, samples with a frame that is no code ([unknown]), samples marked as not nameable"
