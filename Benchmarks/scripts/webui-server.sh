# Sourced by the web UI benchmarks: a `vigil server` of their own in WORK (start, stop,
# cleanup on exit) and a browser's login through the form (cookies in WORK/cookies).
# Needs BIN and WORK set; sets PID and port.
PID=""
cleanup() {
    if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
    [ "${KEEP:-0}" = 1 ] && echo "kept $WORK" >&2 || rm -rf "$WORK"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
start() {
    "$BIN" server --listen "127.0.0.1:$port" --data-dir "$WORK/data" >"$WORK/server.out" 2>"$WORK/server.log" &
    PID=$!
    for _ in $(seq 100); do grep -q "listening on" "$WORK/server.out" 2>/dev/null && return; sleep 0.1; done
    echo "the server did not start: $(cat "$WORK/server.log")" >&2; exit 1
}
stop() { kill "$PID"; wait "$PID" || true; PID=""; }

# Log in through the form, as a browser does.
jar="$WORK/cookies"
log_in() {
    curl -sS --cacert "$WORK/data/tls/ca.pem" -c "$jar" -b "$jar" "https://127.0.0.1:$port/login" >"$WORK/login.html"
    local csrf
    csrf=$(sed -n 's/.*name="csrf_token" value="\([0-9a-f]*\)".*/\1/p' "$WORK/login.html")
    curl -sS --cacert "$WORK/data/tls/ca.pem" -c "$jar" -b "$jar" -o /dev/null \
        --data-urlencode username=admin --data-urlencode "password=$(cat "$WORK/data/admin_password")" --data-urlencode "csrf_token=$csrf" \
        "https://127.0.0.1:$port/login"
}
