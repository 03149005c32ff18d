#!/usr/bin/env bash
# Accuracy of `vigil profile` against `perf record --call-graph dwarf` on workloads
# with a known answer: Tests/VigilCLITests/Fixtures/proportion.{c,swift}, where
# alpha, beta and gamma take 50%, 30% and 20% of the CPU by construction. The C
# build has no frame pointers (-O2 -fomit-frame-pointer); the Swift build is plain
# `swiftc -O` (no frame pointers, and no call frame information for the three leaf
# functions). Each workload runs under `vigil profile --format folded --frequency 99`
# and, separately, under `perf record -F 99 --call-graph dwarf`, alternating which
# goes first, RUNS times. perf's stacks are folded here (`perf script`, root first,
# no offsets); both sides drop kernel frames and the comm prefix, keep only samples
# of the workload's own comm, and are compared for: each function's share of the
# three functions' self samples; the share of samples whose stack reaches `main`;
# the mean user stack depth; and how much of the two profiles is identical stacks
# (the sum over distinct folded stacks of min(share in vigil, share in perf)).
# Usage: Benchmarks/scripts/profile-accuracy.sh [path/to/vigil] [SECONDS] [RUNS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
fixtures=$(cd "$here/../../Tests/VigilCLITests/Fixtures" && pwd)
vigil=$(realpath "${1:-.build/release/vigil}")
seconds=${2:-10}
runs=${3:-3}
out=${OUT:-/tmp/vigil-bench/profile-accuracy}
clang=${CLANG:-/opt/swift/usr/bin/clang}
swiftc=${SWIFTC:-/opt/swift/usr/bin/swiftc}
demangle=${SWIFT_DEMANGLE:-/opt/swift/usr/bin/swift-demangle}
if [[ -z ${REPORT_ONLY:-} ]]; then  # REPORT_ONLY=1: tables from the files of an earlier run in $out
rm -rf "$out"
mkdir -p "$out/c" "$out/swift"

# Both binaries are named `proportion`, as in ProfileModesTests: the comm, and the
# Swift module name (so Swift functions are proportion.alpha(...)).
"$clang" -O2 -fomit-frame-pointer -o "$out/c/proportion" "$fixtures/proportion.c"
(cd "$out/swift" && "$swiftc" -O -o "$out/swift/proportion" "$fixtures/proportion.swift")

for r in $(seq "$runs"); do
  for w in c swift; do
    bin="$out/$w/proportion"
    run_vigil() {
      "$vigil" profile --format folded -o "$out/$w/vigil.$r.folded" --frequency 99 -- "$bin" "$seconds" \
        > /dev/null 2> "$out/$w/vigil.$r.err"
    }
    run_perf() {
      perf record -q -F 99 --call-graph dwarf -o "$out/$w/perf.$r.data" -- "$bin" "$seconds" \
        > /dev/null 2> "$out/$w/perf.$r.err"
      perf script -i "$out/$w/perf.$r.data" --no-inline -F comm,tid,ip,sym,dso \
        > "$out/$w/perf.$r.script" 2> /dev/null
    }
    if (( r % 2 )); then run_vigil; run_perf; else run_perf; run_vigil; fi
    echo "run $r $w: $(grep '^user stacks' "$out/$w/vigil.$r.err")" >&2
  done
done
fi

python3 - "$out" "$runs" "$seconds" "$demangle" <<'EOF'
import collections, re, subprocess, sys

out, runs, seconds, demangle = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
COMM = "proportion"
FUNCS = {
    "c": ["alpha", "beta", "gamma_"],
    "swift": ["proportion.alpha(Swift.Double) -> Swift.Double",
              "proportion.beta(Swift.Double) -> Swift.Double",
              "proportion.gamma(Swift.Double) -> Swift.Double"],
}
EXPECTED = [50.0, 30.0, 20.0]
SHORT = ["alpha", "beta", "gamma"]
# Vigil's markers of an incomplete stack (Frame.Marker): not frames.
MARKER = re.compile(r"^\[(user|kernel) (stack truncated|unwind failed)\]$|^\[process ")

# Kernel text symbols, to take the kernel's frames off the leaf end of Vigil's
# folded stacks (the folded format does not mark them; perf's dso does).
kernel = set()
with open("/proc/kallsyms") as f:
    for line in f:
        p = line.split()
        if len(p) >= 3 and p[1] in "tTwW":
            kernel.add(p[2])

def norm_name(name):
    name = re.sub(r"^\[unknown\].*", "[unknown]", name)
    name = re.sub(r"@@?[A-Z_]+[0-9.]*$", "", name)  # __libc_start_main@@GLIBC_2.34
    return name

def read_vigil(path):
    """Folded lines -> Counter of tuples of user frames, root first."""
    stacks, kernel_samples = collections.Counter(), 0
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            stack, _, count = line.rpartition(" ")
            frames = stack.split(";")
            if frames[0] != COMM:
                continue
            frames = frames[1:]
            k = len(frames)
            while k > 0 and frames[k - 1] in kernel:
                k -= 1
            if k < len(frames):
                kernel_samples += int(count)
            stacks[tuple(norm_name(x) for x in frames[:k])] += int(count)
    return stacks, kernel_samples

def read_perf(path):
    """`perf script -F comm,tid,ip,sym,dso` -> Counter of user stacks, root first."""
    stacks, kernel_samples = collections.Counter(), 0
    comm, frames, had_kernel = None, [], False
    def flush():
        nonlocal kernel_samples
        if comm == COMM:
            stacks[tuple(reversed(frames))] += 1
            kernel_samples += had_kernel
    with open(path, errors="replace") as f:
        for line in f:
            if not line.strip():
                continue
            if not line[0].isspace():
                if comm is not None:
                    flush()
                comm, frames, had_kernel = line.split()[0], [], False
                continue
            m = re.match(r"\s*[0-9a-f]+\s+(.*?)\s+\(([^()]*)\)\s*$", line)
            if not m:
                continue
            sym, dso = m.group(1), m.group(2)
            if dso.startswith("[kernel") or dso.startswith("[bpf") or sym.startswith("bpf_prog_"):
                had_kernel = True
                continue
            frames.append(norm_name(sym))
    if comm is not None:
        flush()
    # perf 6.1 does not demangle Swift; swift-demangle does it the way Vigil does.
    mangled = sorted({x for s in stacks for x in s if re.match(r"_?\$[sS]", x)})
    if mangled:
        names = subprocess.run([demangle], input="\n".join(mangled) + "\n", capture_output=True,
                               text=True, check=True).stdout.splitlines()
        table = dict(zip(mangled, names))
        fixed = collections.Counter()
        for s, n in stacks.items():
            fixed[tuple(table.get(x, x) for x in s)] += n
        stacks = fixed
    return stacks, kernel_samples

def metrics(stacks, funcs):
    total = sum(stacks.values())
    self_counts = [0, 0, 0]
    main = depth = 0
    for s, n in stacks.items():
        frames = [x for x in s if not MARKER.match(x)]
        if frames and frames[-1] in funcs:
            self_counts[funcs.index(frames[-1])] += n
        if "main" in frames:
            main += n
        depth += len(frames) * n
    three = sum(self_counts) or 1
    return {
        "total": total,
        "shares": [100 * c / three for c in self_counts],
        "in_three": 100 * sum(self_counts) / (total or 1),
        "main": 100 * main / (total or 1),
        "depth": depth / (total or 1),
    }

def overlap(a, b):
    ta, tb = sum(a.values()) or 1, sum(b.values()) or 1
    return 100 * sum(min(a[s] / ta, b[s] / tb) for s in set(a) & set(b))

def seen_by(a, b):
    """Share of a's samples whose stack b has too (at least once)."""
    return 100 * sum(n for s, n in a.items() if s in b) / (sum(a.values()) or 1)

def summary(path):
    """Vigil's own counts: (samples, user stacks unwound with CFI, incomplete). The
    incomplete stacks are counted among the CFI ones too (CFI took them part way)."""
    samples = cfi = incomplete = 0
    with open(path) as f:
        for line in f:
            m = re.match(r"(\d+) samples in ", line)
            if m:
                samples = int(m.group(1))
            m = re.match(r"user stacks: (\d+) unwound with call frame information, (\d+) incomplete", line)
            if m:
                cfi, incomplete = int(m.group(1)), int(m.group(2))
    return samples, cfi, incomplete

def pct(x): return f"{x:.1f}%"

rows, per_run, examples = [], [], {}
for w in ("c", "swift"):
    funcs = FUNCS[w]
    pooled = {"vigil": collections.Counter(), "perf": collections.Counter()}
    kern = {"vigil": 0, "perf": 0}
    vsamples = cfi = incomplete = 0
    each = {"vigil": [], "perf": []}
    for r in range(1, runs + 1):
        v, vk = read_vigil(f"{out}/{w}/vigil.{r}.folded")
        p, pk = read_perf(f"{out}/{w}/perf.{r}.script")
        pooled["vigil"].update(v); pooled["perf"].update(p)
        each["vigil"].append(v); each["perf"].append(p)
        kern["vigil"] += vk; kern["perf"] += pk
        s = summary(f"{out}/{w}/vigil.{r}.err")
        vsamples += s[0]; cfi += s[1]; incomplete += s[2]
        mv, mp = metrics(v, funcs), metrics(p, funcs)
        per_run.append((w, r, mv, mp, overlap(v, p), s))
    mv, mp = metrics(pooled["vigil"], funcs), metrics(pooled["perf"], funcs)
    ov = {
        "pooled": overlap(pooled["vigil"], pooled["perf"]),
        "run": sum(x[4] for x in per_run if x[0] == w) / runs,
        # The noise floor: the same tool against itself, run r against run r+1.
        "vv": sum(overlap(a, b) for a, b in zip(each["vigil"], each["vigil"][1:])) / max(runs - 1, 1),
        "pp": sum(overlap(a, b) for a, b in zip(each["perf"], each["perf"][1:])) / max(runs - 1, 1),
        "v_in_p": seen_by(pooled["vigil"], pooled["perf"]),
        "p_in_v": seen_by(pooled["perf"], pooled["vigil"]),
    }
    rows.append((w, mv, mp, ov, kern, (vsamples, cfi), incomplete))
    examples[w] = {t: pooled[t].most_common(4) for t in pooled}

label = {"c": "C, `-O2 -fomit-frame-pointer`", "swift": "Swift, `swiftc -O`"}
print(f"{runs} runs per tool and workload, {seconds} s of CPU each, 99 Hz; samples pooled over the runs.")
print()
print("| workload | tool | samples | alpha | beta | gamma | largest error | in the three | stacks reaching `main` | mean depth |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
for w, mv, mp, ov, kern, cfi, incomplete in rows:
    print(f"| {label[w]} | expected | – | 50.0% | 30.0% | 20.0% | – | – | 100% | – |")
    for tool, m in (("`vigil profile`", mv), ("`perf record --call-graph dwarf`", mp)):
        err = max(abs(s - e) for s, e in zip(m["shares"], EXPECTED))
        print(f"| | {tool} | {m['total']:,} | " + " | ".join(pct(s) for s in m["shares"])
              + f" | {err:.1f} pp | {pct(m['in_three'])} | {pct(m['main'])} | {m['depth']:.2f} |")
print()
print("Identical stacks: the sum over distinct folded stacks of min(share in one profile, share in the other).")
print()
print("| workload | vigil vs perf, pooled | vigil vs perf, per run (mean) | vigil vs vigil, run to run | perf vs perf, run to run | vigil's samples whose stack perf also has | perf's samples whose stack vigil also has | vigil's summary: samples / unwound with CFI / incomplete | samples with kernel frames vigil / perf |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
for w, mv, mp, ov, kern, cfi, incomplete in rows:
    print(f"| {label[w]} | {pct(ov['pooled'])} | {pct(ov['run'])} | {pct(ov['vv'])} | {pct(ov['pp'])} | {pct(ov['v_in_p'])} | {pct(ov['p_in_v'])} "
          f"| {cfi[0]:,} / {cfi[1]:,} / {incomplete:,} | {kern['vigil']} / {kern['perf']} |")
print()
print("Per run (alpha/beta/gamma self shares; reaching main; identical stacks):")
print()
print("| workload | run | vigil shares | perf shares | vigil → main | perf → main | identical | vigil incomplete |")
print("|---|---:|---|---|---:|---:|---:|---:|")
for w, r, mv, mp, ov, s in per_run:
    f = lambda m: " / ".join(f"{x:.1f}" for x in m["shares"])
    print(f"| {w} | {r} | {f(mv)} | {f(mp)} | {pct(mv['main'])} | {pct(mp['main'])} | {pct(ov)} | {s[2]} of {s[0]} |")
print()
print("Most frequent stacks (pooled, root first):")
for w in ("c", "swift"):
    for t, top in examples[w].items():
        for s, n in top:
            print(f"  {w} {t:5} {n:6}  {';'.join(s) or '(empty)'}")
print()
print("Vigil's incomplete stacks (pooled):")
for w in ("c", "swift"):
    for r in range(1, runs + 1):
        with open(f"{out}/{w}/vigil.{r}.folded") as f:
            for line in f:
                if "[user " in line or "[kernel " in line or "[process " in line:
                    print(f"  {w} run {r}: {line.rstrip()}")
EOF
