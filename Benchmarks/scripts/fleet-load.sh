#!/usr/bin/env bash
# The fleet server under simulated agents (issue 14): Benchmarks/fleet-load speaks
# osquery's TLS API (and Vigil's held-open read) as N agents would, against a fresh
# `BIN server` on a free loopback port per run. Server CPU (utime+stime from
# /proc/PID/stat, % of one core) and RSS are sampled every second; only the steady
# window after ramp-up and settling counts. Prints a markdown table, then the live
# query over 1,000 agents (time from submission to the last target's answer).
#
# usage: Benchmarks/scripts/fleet-load.sh BIN      (e.g. .build/release/vigil)
# env:   STEADY=120 (s per run)  RAMP_1K=30 RAMP_10K=60 (5,000 agents and up) RAMP_20K=90 (15,000 and up) (s)
#        QUIET_WAIT_MAX=1200 (s to wait
#        for a running compiler before each run)  RUNS="1000:0 10000:0 10000:1" (AGENTS:HELD_FRACTION)
#        A run may name generator flags after a second colon, comma-separated without
#        dashes, a value after "=": RUNS="1000:1:no-etag,telemetry-every=0" (see fleet-load --help)
#        LIVE_AGENTS=1000 LIVE_RAMP=20 LIVE_STEADY=30 LIVE_MODES="1 0" (held, polling)
#        LIVE_FLAGS="..." (more generator options for the live runs)  LIVE=0 skips them
#        KEEP=1 keeps the work dir
#        FLEET_LOAD=PATH: a generator already built (release), instead of building it here
#        (to compare two generators against the same server)
#        Bytes on the wire (IP packets to and from the server's port, TLS and TCP/IP
#        headers included) are counted by iptables rules on loopback when iptables runs
#        here (root), and reported per host per day over the steady window
#        BACKEND=postgres: the server on a PostgreSQL cluster the script starts (Debian's
#        postgresql, default settings, Unix socket), a fresh database per run; its CPU is
#        reported beside the server's
#        SERVERS=2 (with BACKEND=postgres): that many servers on the one database, sharing
#        the first's certificate, the generator's agents split between them round robin
#        (agent i to server i mod N, as a load balancer pinning clients); CPU and RSS are
#        the servers' sums, the live query is submitted to the first server
#        SERVER_CPU=0.25: each server may use at most that many cores (a CPU cgroup of its
#        own with a CFS quota), as if it ran on a machine of that size: on a machine too
#        small to give servers their own, this shows whether a second server adds capacity
#        UI_LISTEN=1: the first server serves its web UI and REST API on a port of their own
#        (`--ui-listen`), where the live query's REST calls then go
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: $0 BIN" >&2; exit 2; }
BIN=$(realpath "$1")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
STEADY=${STEADY:-120}
RAMP_1K=${RAMP_1K:-30}
RAMP_10K=${RAMP_10K:-60}
RAMP_20K=${RAMP_20K:-90}
QUIET_WAIT_MAX=${QUIET_WAIT_MAX:-1200}
RUNS=${RUNS:-"1000:0 10000:0 10000:1"}

# 10,000 agents are 10,000 sockets in each process; the hard limit may be lower than
# 65536 in a container, so take what is allowed. The generator splits its agents among
# worker processes when they do not fit its limit; the server cannot (20,000 here: at
# 20,000 agents the last few connections wait for a descriptor).
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
echo "open-file limit: $(ulimit -n)" >&2

if [ -n "${FLEET_LOAD:-}" ]; then
    GEN=$(realpath "$FLEET_LOAD")
else
    nice -n 19 swift build -c release --package-path Benchmarks/fleet-load --scratch-path Benchmarks/fleet-load/.build >&2
    GEN="$ROOT/Benchmarks/fleet-load/.build/release/fleet-load"
fi

WORK=$(mktemp -d /tmp/fleet-load.XXXXXX)
SAMPLER_PID=""
COUNTING=()
BACKEND=${BACKEND:-sqlite}
DBNAME=""
export SERVERS=${SERVERS:-1}
if [ "$SERVERS" -gt 1 ] && [ "$BACKEND" != postgres ]; then
    echo "SERVERS=$SERVERS needs BACKEND=postgres: the servers share one database" >&2; exit 2
fi
SERVER_PIDS=()
CGROUPS=()
SERVER_CPU=${SERVER_CPU:-}
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ "$BACKEND" = postgres ]; then
    [ -n "$PGBIN" ] || { echo "BACKEND=postgres needs Debian's postgresql" >&2; exit 1; }
    mkdir -p "$WORK/pg"; chown postgres "$WORK" "$WORK/pg"
    runuser -u postgres -- "$PGBIN/initdb" -D "$WORK/pg/data" -A trust -U postgres >/dev/null
    runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/pg/data" -o "-c listen_addresses='' -k $WORK/pg -c max_connections=200" \
        -l "$WORK/pg/log" -w start >/dev/null
fi
cleanup() {
    [ "$BACKEND" = postgres ] && runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/pg/data" -m fast stop >/dev/null 2>&1 || true
    [ -n "$SAMPLER_PID" ] && kill "$SAMPLER_PID" 2>/dev/null || true
    for p in "${SERVER_PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
    uncount
    uncap
    [ "${KEEP:-0}" = 1 ] && echo "kept $WORK" >&2 || rm -rf "$WORK"
}
trap cleanup EXIT

# Wait (bounded) while a compiler runs, so that it does not share the two cores with the run.
quiet() {
    local waited=0
    while pgrep -r D,R,S -x swift-frontend >/dev/null || pgrep -r D,R,S -x swift-build >/dev/null; do
        if [ "$waited" -ge "$QUIET_WAIT_MAX" ]; then
            echo "NOT QUIET: a compiler still runs after ${QUIET_WAIT_MAX}s ($(uptime))" >&2
            echo "not-quiet" ; return
        fi
        echo "compiler running ($(uptime | sed 's/.*load/load/')); waiting" >&2
        sleep 30; waited=$((waited + 30))
    done
    echo "quiet"
}

# cap PID: at most $SERVER_CPU cores for the process and its threads (cgroup v2's cpu.max,
# or v1's cpu controller), in a group of its own removed by uncap.
cap() {
    local pid=$1 quota g
    quota=$(awk -v c="$SERVER_CPU" 'BEGIN { printf "%d", c * 100000 }')
    if grep -qw cpu /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
        grep -qw cpu /sys/fs/cgroup/cgroup.subtree_control || echo +cpu >/sys/fs/cgroup/cgroup.subtree_control
        g=/sys/fs/cgroup/fleet-load-$pid; mkdir "$g"; echo "$quota 100000" >"$g/cpu.max"
    elif [ -d /sys/fs/cgroup/cpu ]; then
        g=/sys/fs/cgroup/cpu/fleet-load-$pid; mkdir "$g"
        echo 100000 >"$g/cpu.cfs_period_us"; echo "$quota" >"$g/cpu.cfs_quota_us"
    else
        echo "SERVER_CPU needs a cgroup CPU controller (cgroup v2 with cpu, or v1's /sys/fs/cgroup/cpu)" >&2; exit 1
    fi
    echo "$pid" >"$g/cgroup.procs"
    CGROUPS+=("$g")
}

uncap() {
    local g
    for g in "${CGROUPS[@]}"; do rmdir "$g" 2>/dev/null || true; done
    CGROUPS=()
}

start_server() {
    local dir=$1
    mkdir -p "$dir"
    local database=()
    if [ "$BACKEND" = postgres ]; then
        local db="vigil_$(basename "$dir" | tr -c 'a-z0-9\n' '_')"
        "$PGBIN/psql" -h "$WORK/pg" -U postgres -qc "CREATE DATABASE $db" postgres
        database=(--database "postgres://postgres@/$db?host=$WORK/pg")
        DBNAME=$db
    fi
    # --enroll-rate 0: the generator's agents all enroll from 127.0.0.1. Servers after the
    # first share its certificate; the enroll secret and admin password are in the database.
    SERVER_PIDS=(); URLS=(); PORTS=(); COUNTING=()
    local k
    for k in $(seq 1 "$SERVERS"); do
        local data="$dir/data" tls=()
        if [ "$k" -gt 1 ]; then data="$dir/data$k"; tls=(--tls-cert "$dir/data/tls/server.pem" --tls-key "$dir/data/tls/server.key"); fi
        local ui=()
        [ "${UI_LISTEN:-0}" = 1 ] && ui=(--ui-listen 127.0.0.1:0)
        "$BIN" server --listen 127.0.0.1:0 --data-dir "$data" --enroll-rate 0 "${database[@]}" "${tls[@]}" "${ui[@]}" >"$dir/server$k.out" 2>"$dir/server$k.err" &
        local pid=$!
        SERVER_PIDS+=("$pid")
        [ -n "$SERVER_CPU" ] && cap "$pid"
        for _ in $(seq 1 300); do
            if grep -q "listening on https://" "$dir/server$k.out" 2>/dev/null; then break; fi
            kill -0 "$pid" 2>/dev/null || { cat "$dir/server$k.err" >&2; echo "server $k died" >&2; exit 1; }
            sleep 0.1
        done
        local url; url=$(grep -o "https://127.0.0.1:[0-9]*" "$dir/server$k.out" | head -1)
        [ -n "$url" ] || { echo "server $k did not say where it listens" >&2; exit 1; }
        URLS+=("$url"); PORTS+=("${url##*:}")
        if iptables -w -nL INPUT >/dev/null 2>&1; then
            iptables -w -I INPUT -i lo -p tcp --dport "${url##*:}" -m comment --comment "fleet-load-${url##*:}-in" 2>/dev/null
            iptables -w -I INPUT -i lo -p tcp --sport "${url##*:}" -m comment --comment "fleet-load-${url##*:}-out" 2>/dev/null
            COUNTING+=("${url##*:}")
        fi
    done
    URL=${URLS[0]}
    # With UI_LISTEN=1 the first server's REST API (the live query's calls) has its own port.
    API_URL=$(grep -o "web UI and API: https://127.0.0.1:[0-9]*" "$dir/server1.out" | grep -o "https://.*" || true)
}

# Bytes to and from the servers' ports so far ("0 0" without iptables).
wire_bytes() {
    [ "${#COUNTING[@]}" -gt 0 ] || { echo "0 0"; return; }
    iptables -w -nvxL INPUT 2>/dev/null | awk -v ports="${COUNTING[*]}" '
        BEGIN { n = split(ports, p, " ") }
        { for (k = 1; k <= n; k++) { if ($0 ~ "fleet-load-"p[k]"-in ") i += $2; if ($0 ~ "fleet-load-"p[k]"-out ") o += $2 } }
        END { print i+0, o+0 }'
}

uncount() {
    local port
    for port in "${COUNTING[@]}"; do
        iptables -w -D INPUT -i lo -p tcp --dport "$port" -m comment --comment "fleet-load-$port-in" 2>/dev/null || true
        iptables -w -D INPUT -i lo -p tcp --sport "$port" -m comment --comment "fleet-load-$port-out" 2>/dev/null || true
    done
    COUNTING=()
}

stop_server() {
    uncount
    local p
    for p in "${SERVER_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${SERVER_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    SERVER_PIDS=()
    uncap
}

# One line a second: time, the servers' utime, stime (ticks), RSS (kB), open fds, threads
# (summed over the servers), and the whole machine's busy ticks (/proc/stat), to tell what
# else ran beside servers and generator.
sample() {
    local out=$1; shift
    while kill -0 "$1" 2>/dev/null; do
        local ut=0 st=0 rss=0 fds=0 threads=0 busy pid
        for pid in "$@"; do
            local f; f=$(cut -d' ' -f14,15 "/proc/$pid/stat" 2>/dev/null) || continue
            ut=$((ut + ${f% *})); st=$((st + ${f#* }))
            rss=$((rss + $(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)))
            threads=$((threads + $(awk '/^Threads:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)))
            fds=$((fds + $(ls "/proc/$pid/fd" 2>/dev/null | wc -l)))
        done
        busy=$(awk '/^cpu / {print $2+$3+$4+$7+$8+$9; exit}' /proc/stat)
        # PostgreSQL's processes (0 with the embedded database): utime+stime in ticks.
        local db=0
        for p in $(pgrep -x postgres 2>/dev/null); do
            db=$((db + $(cut -d' ' -f14 "/proc/$p/stat" 2>/dev/null || echo 0) + $(cut -d' ' -f15 "/proc/$p/stat" 2>/dev/null || echo 0)))
        done
        echo "$(date +%s.%N) $ut $st $rss $fds $threads $busy $db $(wire_bytes)" >>"$out"
        sleep 1
    done
}

# Every 5 s: time and the database's size in bytes (SQLite: its pages in use, the WAL's
# not yet copied included; PostgreSQL: pg_database_size), for its growth per host per day.
dbsize() {
    local out=$1 dir=$2
    while :; do
        local bytes=""
        if [ "$BACKEND" = postgres ]; then
            bytes=$("$PGBIN/psql" -h "$WORK/pg" -U postgres -Atc "SELECT pg_database_size('$DBNAME')" postgres 2>/dev/null || true)
        elif [ -f "$dir/data/server.db" ]; then
            bytes=$(sqlite3 "$dir/data/server.db" "SELECT (p.page_count - f.freelist_count) * s.page_size FROM pragma_page_count() p, pragma_freelist_count() f, pragma_page_size() s" 2>/dev/null || true)
        fi
        [ -n "$bytes" ] && echo "$(date +%s.%N) $bytes" >>"$out"
        sleep 5
    done
}

# run NAME AGENTS HELD_FRACTION RAMP [generator options...]
run() {
    local name=$1 agents=$2 held=$3 ramp=$4; shift 4
    local dir="$WORK/$name"
    local state; state=$(quiet)
    start_server "$dir"
    sample "$dir/samples" "${SERVER_PIDS[@]}" &
    SAMPLER_PID=$!
    dbsize "$dir/dbsize" "$dir" &
    local dbsize_pid=$!
    echo "run $name: $agents agents, held fraction $held, ramp ${ramp}s, steady ${STEADY}s, servers ${URLS[*]} ($state)" >&2
    local rc=0 urls=() u
    for u in "${URLS[@]}"; do urls+=(--url "$u"); done
    [ -n "$API_URL" ] && urls+=(--api-url "$API_URL")
    "$GEN" "${urls[@]}" --ca "$dir/data/tls/ca.pem" --secret "@$dir/data/enroll_secret" --agents "$agents" \
        --held-fraction "$held" --ramp "$ramp" --settle 15 --duration "$STEADY" --log-every 10 --config-every 60 "$@" \
        >"$dir/summary.json" 2>"$dir/generator.err" || rc=$?
    kill "$SAMPLER_PID" "$dbsize_pid" 2>/dev/null || true; wait "$SAMPLER_PID" "$dbsize_pid" 2>/dev/null || true; SAMPLER_PID=""
    local alive=yes p; for p in "${SERVER_PIDS[@]}"; do kill -0 "$p" 2>/dev/null || alive=no; done
    stop_server
    echo "$name $agents $held $state $rc $alive" >>"$WORK/runs"
    [ "$rc" = 0 ] || { echo "generator exited $rc; last lines:" >&2; tail -5 "$dir/generator.err" >&2; }
    [ "$alive" = yes ] || { echo "server died during the run; last lines:" >&2; tail -n 20 "$dir"/server*.err >&2; }
    cat "$dir"/server*.err | grep -ciE "error|warning" | sed 's/^/server log lines with error|warning: /' >&2 || true
}

for spec in $RUNS; do
    IFS=: read -r agents held flags <<<"$spec"
    ramp=$RAMP_1K; [ "$agents" -ge 5000 ] && ramp=$RAMP_10K; [ "$agents" -ge 15000 ] && ramp=$RAMP_20K
    extra=()
    # name=value gives "--name value".
    for f in ${flags//,/ }; do if [[ $f == *=* ]]; then extra+=("--${f%%=*}" "${f#*=}"); else extra+=("--$f"); fi; done
    label=${flags//,/-}; label=${label//=/}
    run "a${agents}-h${held}${label:+-$label}" "$agents" "$held" "$ramp" "${extra[@]}"
done
if [ "${LIVE:-1}" != 0 ]; then
    # Live queries over 1,000 agents: all Vigil agents (held-open reads), then all osquery (polling).
    LIVE_STEADY=${LIVE_STEADY:-30}
    LIVE_AGENTS=${LIVE_AGENTS:-1000}
    LIVE_RAMP=${LIVE_RAMP:-20}
    STEADY_SAVED=$STEADY; STEADY=$LIVE_STEADY
    # LIVE_FLAGS: more generator options for these runs (e.g. "--log-every 3600 --config-every 3600
    # --telemetry-every 0": held reads only, one connection per agent, so that 10,000 held
    # agents fit in this container's 20,000 open files per process).
    read -r -a live_flags <<<"${LIVE_FLAGS:-}"
    for mode in ${LIVE_MODES:-1 0}; do
        run "live-h$mode" "$LIVE_AGENTS" "$mode" "$LIVE_RAMP" --live-query --admin-password-file "$WORK/live-h$mode/data/admin_password" \
            --live-timeout 30 "${live_flags[@]}"
    done
    STEADY=$STEADY_SAVED
fi

python3 - "$WORK" <<'EOF'
import json, os, sys
work = sys.argv[1]
tick = os.sysconf("SC_CLK_TCK")
runs = [l.split() for l in open(os.path.join(work, "runs"))]

def server_figures(d, s):
    rows = []
    for line in open(os.path.join(d, "samples")):
        f = line.split()
        if len(f) >= 6:
            rows.append((float(f[0]), (int(f[1]) + int(f[2])) / tick, int(f[3]) / 1024, int(f[4]), int(f[5]),
                         int(f[6]) / tick if len(f) > 6 else 0, int(f[7]) / tick if len(f) > 7 else 0))
    w = [r for r in rows if s["steady_start_unix"] - 1 <= r[0] <= s["steady_end_unix"] + 1]
    wire = [(float(l.split()[0]), int(l.split()[8]), int(l.split()[9])) for l in open(os.path.join(d, "samples")) if len(l.split()) >= 10]
    wire = [x for x in wire if s["steady_start_unix"] - 1 <= x[0] <= s["steady_end_unix"] + 1]
    if len(w) < 2:
        return None
    mean = (w[-1][1] - w[0][1]) / (w[-1][0] - w[0][0]) * 100
    peak = max((b[1] - a[1]) / (b[0] - a[0]) * 100 for a, b in zip(w, w[1:]))
    machine = (w[-1][5] - w[0][5]) / (w[-1][0] - w[0][0]) * 100
    db = (w[-1][6] - w[0][6]) / (w[-1][0] - w[0][0]) * 100
    # What ran besides server, database and generator (a compiler, tests): machine busy − those.
    other = machine - mean - db - s["generator_cpu_pct_one_core"]
    # Bytes per host per day, to and from the server, over the steady window (None without iptables).
    per_day = None
    if len(wire) >= 2 and wire[-1][1] > wire[0][1]:
        span = wire[-1][0] - wire[0][0]
        per_day = tuple((wire[-1][k] - wire[0][k]) / span * 86400 / s["agents"] for k in (1, 2))
    # The database's growth over the steady window, kB per host per day (before retention).
    growth = None
    try:
        sizes = [(float(l.split()[0]), int(l.split()[1])) for l in open(os.path.join(d, "dbsize")) if len(l.split()) == 2]
        sizes = [x for x in sizes if s["steady_start_unix"] - 3 <= x[0] <= s["steady_end_unix"] + 3]
        if len(sizes) >= 2 and sizes[-1][0] > sizes[0][0]:
            growth = (sizes[-1][1] - sizes[0][1]) / (sizes[-1][0] - sizes[0][0]) * 86400 / s["agents"] / 1000
    except OSError:
        pass
    return mean, peak, max(r[2] for r in w), max(r[3] for r in w), max(r[4] for r in w), other, db, per_day, growth

def lat(s, e):
    x = s["endpoints"].get(e)
    return f'{x["p50_ms"]:.1f} / {x["p99_ms"]:.1f}' if x and x["ok"] else "–"

print("| agents | mode | server CPU % of one core (mean / max 1 s) | PostgreSQL CPU % | server RSS MB | server fds | req/s | config p50/p99 ms | log p50/p99 ms | distributed read (osquery) or held read (Vigil) p50/p99 ms | telemetry p50/p99 ms | enroll p50/p99 ms | errors | generator CPU % | other CPU % | MB per host per day to / from the server | database growth, kB per host per day |")
print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
live = []
for name, agents, held, state, rc, alive in runs:
    d = os.path.join(work, name)
    try:
        s = json.load(open(os.path.join(d, "summary.json")))
    except Exception as e:
        print(f"| {agents} | {name} | run failed (generator rc {rc}, server alive {alive}) | | | | | | | | | |")
        continue
    if s.get("live_query"):
        live.append((name, s, state))
        continue
    f = server_figures(d, s)
    mode = "osquery polling" if held == "0" else ("Vigil held reads" if held == "1" else f"held {held}")
    if "no-etag" in name: mode += ", no ETag"
    if "gzip-logs" in name: mode += ", gzip logs"
    if "telemetry-every0" in name: mode += ", no telemetry"
    if int(os.environ.get("SERVERS", "1")) > 1: mode += f", {os.environ['SERVERS']} servers on one PostgreSQL"
    if os.environ.get("SERVER_CPU"): mode += f", each server capped at {os.environ['SERVER_CPU']} core"
    if state != "quiet": mode += " (compiler running)"
    ep = s["endpoints"]
    errors = sum(x["errors"] for k, x in ep.items() if k != "enroll")
    kinds = {}
    for k, x in ep.items():
        for kind, n in x["error_kinds"].items():
            kinds[f"{k}: {kind}"] = n
    reqs = sum(x["rate_per_s"] for k, x in ep.items() if k != "enroll")
    read = "distributed/wait" if held == "1" else "distributed/read"
    cpu = f"{f[0]:.1f} / {f[1]:.1f}" if f else "–"
    wire = f"{f[7][0] / 1e6:.2f} / {f[7][1] / 1e6:.2f}" if f and f[7] else "–"
    print(f"| {int(agents):,} | {mode} | {cpu} | {f[6]:.1f} | {f[2]:.0f} | {f[3]} | {reqs:.0f} | {lat(s, 'config')} | {lat(s, 'log')} | {lat(s, read)} | {lat(s, 'telemetry')} | {lat(s, 'enroll')} | {errors} | {s['generator_cpu_pct_one_core']:.0f} | {f[5]:.0f} | {wire} | {f'{f[8]:,.0f}' if f[8] is not None else '–'} |" if f else
          f"| {agents} | {mode} | – | | | | | | | | {errors} | |")
    if kinds:
        print(f"<!-- {name} errors: {json.dumps(kinds)} -->")
print()
for name, s, state in live:
    q = s["live_query"]
    kind = "Vigil held reads" if name.endswith("h1") else "osquery polling (distributed_interval 10 s)"
    seen = f'{q["server_seen_all_ms"]:.0f} ms' if q.get("server_seen_all_ms") is not None else "not all within the timeout"
    last = f'{q["last_write_ms"]:.0f} ms' if q.get("last_write_ms") is not None else "–"
    print(f"- Live query over {q['targets']:,} agents, {kind}: {q['answered']:,}/{q['targets']:,} answered; "
          f"server showed all answered {seen} after submission (polled every 100 ms); last agent's write done at {last}; "
          f"submission took {q['submit_ms']:.0f} ms; counts {q['counts']}{'' if state == 'quiet' else ' (compiler running)'}")
EOF
echo "work dir: $WORK" >&2
