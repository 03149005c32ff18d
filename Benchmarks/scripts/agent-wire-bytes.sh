#!/usr/bin/env bash
# Bytes on the wire between one real agent and its server (issue 18): `BIN up` (a
# server and a local agent enrolled to it at the defaults: config every 60 s, results,
# live query reads and telemetry every 10 s, the embedded schedule), and iptables
# counters on loopback for the server's port: IP packets both ways, TLS and TCP/IP
# headers included. Counted over MEASURE seconds after WARM seconds (enrollment and the
# first config left out), and scaled to a day.
#
# usage: Benchmarks/scripts/agent-wire-bytes.sh BIN     (root: iptables)
# env:   WARM=60 MEASURE=300 PORT=18443 KEEP=1
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 BIN" >&2; exit 2; }
BIN=$(realpath "$1")
WARM=${WARM:-60}
MEASURE=${MEASURE:-300}
PORT=${PORT:-18443}
WORK=$(mktemp -d /tmp/agent-wire.XXXXXX)
tag="agent-wire-$PORT"
iptables -w -I INPUT -i lo -p tcp --dport "$PORT" -m comment --comment "$tag-in" 2>/dev/null
iptables -w -I INPUT -i lo -p tcp --sport "$PORT" -m comment --comment "$tag-out" 2>/dev/null
cleanup() {
    [ -n "${UP:-}" ] && { kill -INT "$UP" 2>/dev/null || true; wait "$UP" 2>/dev/null || true; }
    iptables -w -D INPUT -i lo -p tcp --dport "$PORT" -m comment --comment "$tag-in" 2>/dev/null || true
    iptables -w -D INPUT -i lo -p tcp --sport "$PORT" -m comment --comment "$tag-out" 2>/dev/null || true
    [ "${KEEP:-0}" = 1 ] && echo "kept $WORK" >&2 || rm -rf "$WORK"
}
trap cleanup EXIT
counters() { iptables -w -nvxL INPUT 2>/dev/null | awk -v t="$tag" '$0 ~ t"-in " {i=$2} $0 ~ t"-out " {o=$2} END {print i+0, o+0}'; }

"$BIN" up --listen "127.0.0.1:$PORT" --data-dir "$WORK/data" >"$WORK/up.out" 2>"$WORK/up.err" &
UP=$!
sleep "$WARM"
kill -0 "$UP" 2>/dev/null || { tail -20 "$WORK/up.err" >&2; echo "vigil up died" >&2; exit 1; }
read -r in0 out0 < <(counters); t0=$(date +%s.%N)
sleep "$MEASURE"
read -r in1 out1 < <(counters); t1=$(date +%s.%N)
kill -0 "$UP" 2>/dev/null || { tail -20 "$WORK/up.err" >&2; echo "vigil up died" >&2; exit 1; }
python3 - "$in0" "$out0" "$in1" "$out1" "$t0" "$t1" "$BIN" <<'PY'
import sys
in0, out0, in1, out1 = map(int, sys.argv[1:5]); t0, t1 = map(float, sys.argv[5:7])
day = 86400 / (t1 - t0)
print(f"{sys.argv[7]}: over {t1 - t0:.0f} s, to the server {(in1 - in0) * day / 1e6:.2f} MB a day, "
      f"from the server {(out1 - out0) * day / 1e6:.2f} MB a day")
PY
