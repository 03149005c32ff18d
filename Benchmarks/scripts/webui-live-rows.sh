#!/usr/bin/env bash
# A live query page holding ROWS result rows (issue 15): a fresh `BIN server` whose SQLite
# store is seeded with one host and one answered live query of ROWS rows (six columns,
# as `SELECT * FROM processes` gives), then the campaign page, its later pages and the
# exports fetched REPEAT times over one kept-alive TLS connection with a logged-in
# session. Prints a markdown table: time to the first byte (median and max, ms), time to
# the last byte, and the page's size and gzip size.
#
# usage: Benchmarks/scripts/webui-live-rows.sh BIN      (e.g. .build/release/vigil)
# env:   ROWS=10000  REPEAT=20  KEEP=1 keeps the work dir
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: $0 BIN" >&2; exit 2; }
BIN=$(realpath "$1")
ROWS=${ROWS:-10000}
REPEAT=${REPEAT:-20}
WORK=$(mktemp -d /tmp/webui-live-rows.XXXXXX)
. "$(dirname "$0")/webui-server.sh"

start; stop
now=$(date +%s)
sqlite3 "$WORK/data/server.db" >/dev/null <<SQL
PRAGMA journal_mode=WAL;
BEGIN;
INSERT INTO hosts(id, host_identifier, node_key_hash, hostname, enrolled_at, last_seen) VALUES (1, 'host-1', 'k1', 'host-1', $now, $now);
INSERT INTO campaigns(id, sql, created_at) VALUES (1, 'SELECT * FROM processes', $now);
INSERT INTO campaign_targets(campaign_id, host_id, state, row_count, sent_at, answered_at) VALUES (1, 1, 'answered', $ROWS, $now, $now);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $ROWS)
INSERT INTO campaign_rows(campaign_id, host_id, columns)
SELECT 1, 1, json_object('cmdline', printf('/usr/lib/example/worker --id %d --config /etc/example/worker.conf', i), 'name', printf('worker-%d', i),
                         'parent', '1', 'pid', CAST(1000 + i AS TEXT), 'resident_size', CAST(4096 * i AS TEXT), 'state', 'S') FROM n;
COMMIT;
SQL
start

log_in

last=$(sqlite3 "$WORK/data/server.db" "SELECT id FROM campaign_rows ORDER BY id LIMIT 1 OFFSET $((ROWS / 2))")
pages=("/live/1" "/live/1?after=$last" "/live/1/results.csv" "/live/1/results.json")
echo "| page ($ROWS rows) | first byte, median ms | max ms | last byte, median ms | bytes | gzip bytes |"
echo "|---|---|---|---|---|---|"
for page in "${pages[@]}"; do
    urls=()
    for _ in $(seq "$REPEAT"); do urls+=(-o /dev/null "https://127.0.0.1:$port$page"); done
    times=$(curl -sS --cacert "$WORK/data/tls/ca.pem" -b "$jar" -w '%{time_starttransfer} %{time_total}\n' "${urls[@]}" | tail -n +2)
    curl -sS --cacert "$WORK/data/tls/ca.pem" -b "$jar" "https://127.0.0.1:$port$page" >"$WORK/page.out"
    bytes=$(wc -c <"$WORK/page.out")
    gz=$(gzip -c "$WORK/page.out" | wc -c)
    echo "$times" | python3 -c "
import statistics, sys
rows = [l.split() for l in sys.stdin if l.strip()]
first = [float(r[0]) * 1000 for r in rows]
total = [float(r[1]) * 1000 for r in rows]
print('| \`$page\` | %.1f | %.1f | %.1f | $bytes | $gz |' % (statistics.median(first), max(first), statistics.median(total)))"
done
rows_in_page=$(curl -sS --cacert "$WORK/data/tls/ca.pem" -b "$jar" "https://127.0.0.1:$port/live/1" | grep -o '<tr><td>host-1</td>' | wc -l)
echo "rows drawn in /live/1: $rows_in_page"
