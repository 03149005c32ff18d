#!/usr/bin/env bash
# Vigil's processes table against ps and psutil, start-up included, in one hyperfine
# run with 2,000 extra processes alive; then `WHERE pid = X` with 50 and 5,000.
# Usage: Benchmarks/scripts/compare-processes.sh [path/to/vigil]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
vigil=$(realpath "${1:-.build/release/vigil}")
out=${OUT:-/tmp/vigil-bench}
mkdir -p "$out"
source "$here/spawn.sh"
py=/usr/bin/python3

spawn_idle 2000
echo "processes in /proc: $(ls -d /proc/[0-9]* | wc -l)"
hyperfine -N --warmup 3 --runs 30 --export-json "$out/processes.json" \
  "ps -eo pid,comm,args" \
  "$vigil query 'SELECT pid, name, cmdline FROM processes'" \
  "$py -c 'import psutil; [p.info for p in psutil.process_iter([\"pid\", \"name\", \"cmdline\"])]'" \
  "ps -eo pid,ppid,pgid,uid,euid,suid,gid,egid,sgid,stat,ni,nlwp,rss,vsz,lstart,cputime,comm,args" \
  "$vigil query 'SELECT * FROM processes'" \
  "$py -c 'import psutil; [p.info for p in psutil.process_iter([\"pid\", \"name\", \"exe\", \"cmdline\", \"status\", \"cwd\", \"uids\", \"gids\", \"memory_info\", \"cpu_times\", \"io_counters\", \"create_time\", \"ppid\", \"num_threads\", \"nice\"])]'" >/dev/null
"$py" "$here/summarize.py" "$out/processes.json" "ps -eo pid,comm,args"
kill "${SPAWNED[@]}" 2>/dev/null; wait 2>/dev/null || true

for n in 50 5000; do
  spawn_idle "$n"
  echo
  echo "WHERE pid = X with $n extra processes ($(ls -d /proc/[0-9]* | wc -l) in /proc):"
  hyperfine -N --warmup 3 --runs 40 --export-json "$out/pid-$n.json" \
    "ps -p $$ -o pid,comm,args" \
    "$vigil query 'SELECT * FROM processes WHERE pid = $$'" >/dev/null
  "$py" "$here/summarize.py" "$out/pid-$n.json" "ps -p $$ -o pid,comm,args"
  kill "${SPAWNED[@]}" 2>/dev/null; wait 2>/dev/null || true
done
