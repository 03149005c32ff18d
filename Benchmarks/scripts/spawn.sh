# Sourced by the benchmark scripts: start N idle processes and stop them on exit.
spawn_idle() {
  local n=$1
  SPAWNED=()
  for ((i = 0; i < n; i++)); do
    sleep 3600 &
    SPAWNED+=($!)
  done
  trap 'kill "${SPAWNED[@]}" 2>/dev/null; wait 2>/dev/null' EXIT
}
