#!/usr/bin/env bash
# The web UI's pages with a large fleet in the database (issue 15): a fresh `BIN server`
# whose SQLite store is seeded with N hosts (sqlite3, in one transaction: host names,
# last-seen times spread over two hours, half of them in a label, five scheduled
# queries' costs each), then each page fetched REPEAT times over one kept-alive TLS
# connection with a logged-in session. Prints a markdown table of the server's time to
# the first byte per page (median and max, ms) and the page's size.
#
# usage: Benchmarks/scripts/webui-hosts.sh BIN      (e.g. .build/release/vigil)
# env:   HOSTS=100000  REPEAT=20  KEEP=1 keeps the work dir
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: $0 BIN" >&2; exit 2; }
BIN=$(realpath "$1")
HOSTS=${HOSTS:-100000}
REPEAT=${REPEAT:-20}
WORK=$(mktemp -d /tmp/webui-hosts.XXXXXX)
. "$(dirname "$0")/webui-server.sh"

# First start: schema, secrets, admin password. Then the fleet, straight into the store.
start; stop
now=$(date +%s)
sqlite3 "$WORK/data/server.db" >/dev/null <<SQL
PRAGMA journal_mode=WAL;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $HOSTS)
INSERT INTO hosts(host_identifier, node_key_hash, hostname, uuid, platform, os_name, os_version, agent, agent_version,
                  cpu_brand, physical_memory, enrolled_at, last_seen)
SELECT printf('host-%06d', i), printf('%064d', i), printf('host-%06d.example', i), printf('U-%06d', i), 'debian', 'Debian GNU/Linux',
       '12 (bookworm)', 'vigil', '0.1.0', 'Test CPU', 8589934592, $now - 86400, $now - (i * 7919) % 7200 FROM n;
-- The search index the store keeps beside the hosts (SQLiteSchema.hostSearch).
INSERT INTO host_search(rowid, host_identifier, hostname, uuid) SELECT id, host_identifier, hostname, uuid FROM hosts;
INSERT INTO labels(name, description, query, created_at) VALUES ('half', 'every other host', NULL, $now);
INSERT INTO label_membership(label_id, host_id, member, updated_at) SELECT 1, id, 1, $now FROM hosts WHERE id % 2 = 0;
WITH q(name) AS (VALUES ('processes'), ('listening_ports'), ('users'), ('crontab'), ('os_version'))
INSERT INTO host_schedule(host_id, name, query, interval, executions, wall_time_ms, user_time, system_time, average_memory,
                          output_size, denylisted, last_wall_time_ms, errors)
SELECT h.id, q.name, 'SELECT * FROM ' || q.name, 60, 100, (h.id % 97) * 10, (h.id % 89) * 5, (h.id % 13), 1048576, 4096, 0, 3, 0
FROM hosts h, q;
COMMIT;
SQL
start

# Log in through the form, as a browser does (cookies in a jar).
log_in

# The dashboard's first load sums every host's schedule costs (then cached for a minute).
first=$(curl -sS --cacert "$WORK/data/tls/ca.pem" -b "$jar" -o /dev/null -w '%{time_appconnect} %{time_starttransfer}' "https://127.0.0.1:$port/")
echo "$first" | awk '{printf "dashboard first load (fleet-wide sums computed): %.1f ms to first byte after the TLS handshake\n", ($2 - $1) * 1000}'
first=$(curl -sS --cacert "$WORK/data/tls/ca.pem" -b "$jar" -o /dev/null -w '%{time_appconnect} %{time_starttransfer}' "https://127.0.0.1:$port/performance")
echo "$first" | awk '{printf "query performance first load (percentiles computed): %.1f ms to first byte after the TLS handshake\n", ($2 - $1) * 1000}'

pages=(
    "/hosts"
    "/hosts?page=1000"
    "/hosts?q=host-0999"
    "/hosts?status=offline"
    "/hosts?sort=last_seen&order=desc"
    "/hosts?sort=os&page=500"
    "/hosts?sort=enrolled&order=desc"
    "/hosts?label=half&page=100"
    "/"
    "/hosts/$((HOSTS / 2))"
    "/performance"
    "/performance/query?name=processes"
)
echo "| page ($HOSTS hosts) | time to first byte, median ms | max ms | bytes | gzip bytes |"
echo "|---|---|---|---|---|"
for page in "${pages[@]}"; do
    urls=()
    for _ in $(seq "$REPEAT"); do urls+=(-o /dev/null "https://127.0.0.1:$port$page"); done
    # One curl, one kept-alive connection: the first request pays the TLS handshake and is left out.
    times=$(curl -sS --cacert "$WORK/data/tls/ca.pem" -b "$jar" -w '%{time_starttransfer}\n' "${urls[@]}" | tail -n +2)
    curl -sS --cacert "$WORK/data/tls/ca.pem" -b "$jar" "https://127.0.0.1:$port$page" >"$WORK/page.html"
    grep -q '<h1>' "$WORK/page.html" || { echo "$page did not render: $(head -c 300 "$WORK/page.html")" >&2; exit 1; }
    bytes=$(wc -c <"$WORK/page.html")
    gz=$(gzip -c "$WORK/page.html" | wc -c)
    echo "$times" | python3 -c "
import statistics, sys
t = [float(x) * 1000 for x in sys.stdin if x.strip()]
print('| \`$page\` | %.1f | %.1f | $bytes | $gz |' % (statistics.median(t), max(t)))"
done
