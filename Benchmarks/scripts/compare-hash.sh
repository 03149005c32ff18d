#!/usr/bin/env bash
# Hash throughput on one 1 GiB file (page-cached): Vigil's hash table against
# sha256sum and openssl in one hyperfine run.
# Usage: Benchmarks/scripts/compare-hash.sh [path/to/vigil]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
vigil=$(realpath "${1:-.build/release/vigil}")
out=${OUT:-/tmp/vigil-bench}
mkdir -p "$out"
file="$out/1g.bin"
[ -f "$file" ] && [ "$(stat -c %s "$file")" -eq 1073741824 ] || head -c 1G /dev/urandom > "$file"
cat "$file" > /dev/null  # warm the page cache so every tool reads from memory
grep -o -m1 -w sha_ni /proc/cpuinfo || echo "no sha_ni"
hyperfine -N --warmup 1 --runs 8 --export-json "$out/hash.json" \
  "openssl dgst -sha256 $file" \
  "sha256sum $file" \
  "$vigil query \"SELECT sha256 FROM hash WHERE path = '$file'\"" >/dev/null
/usr/bin/python3 "$here/summarize.py" "$out/hash.json" "openssl dgst -sha256 $file" "mbps:1073.741824"
