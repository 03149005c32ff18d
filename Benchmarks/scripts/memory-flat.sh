#!/usr/bin/env bash
# Peak RSS of `vigil query` as the result grows from 1,000 to 1,000,000 rows
# (rows of a virtual table cross-joined with a counter, printed as JSON lines and as a table).
# Usage: Benchmarks/scripts/memory-flat.sh [path/to/vigil]
set -euo pipefail
vigil=$(realpath "${1:-.build/release/vigil}")
echo "| rows | peak RSS (KiB) | wall (s) |"
echo "|---:|---:|---:|"
for rows in 1000 10000 100000 1000000; do
  # vigil_tables has a few hundred rows: cross-join it with a counter to reach $rows.
  sql="WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < $rows / 100)
       SELECT c.x, t.table_name, t.column_name, t.column_description FROM c, (SELECT * FROM vigil_tables LIMIT 100) t"
  for format in jsonl table; do
    /usr/bin/time -f "%M %e" -o /tmp/vigil-mem.txt "$vigil" query "$sql" --format $format > /tmp/vigil-mem-out.txt
    read -r rss wall < /tmp/vigil-mem.txt
    echo "| $rows ($format, $(wc -l < /tmp/vigil-mem-out.txt) lines) | $rss | $wall |"
  done
done
