# Sourced by the scripts that read bpf_stats: checks the vigil binaries given ("$@"),
# sets $out (scratch directory), $here (the scripts) and $cc, installs bpftool if
# missing, and turns kernel.bpf_stats_enabled on until the script exits.
for vigil in "$@"; do [ -x "$vigil" ] || { echo "$0: $vigil is not an executable vigil binary" >&2; exit 2; }; done
out=${OUT:-/tmp/vigil-bench}
mkdir -p "$out"
here=$(dirname "$(realpath "$0")")
cc=/opt/swift/usr/bin/clang; [ -x "$cc" ] || cc=cc
command -v bpftool > /dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bpftool > /dev/null
bpf_stats_before=$(sysctl -n kernel.bpf_stats_enabled)
sysctl -q kernel.bpf_stats_enabled=1
trap 'sysctl -q kernel.bpf_stats_enabled="$bpf_stats_before"' EXIT
