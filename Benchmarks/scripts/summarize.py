#!/usr/bin/env python3
"""Print a hyperfine JSON export as a Markdown table with each command's ratio
to a named baseline (the peer), so BENCHMARKS.md can quote it directly."""
import json
import sys

path, baseline = sys.argv[1], sys.argv[2]
extra = sys.argv[3] if len(sys.argv) > 3 else None  # e.g. "mbps:1024" for throughput
results = json.load(open(path))["results"]
base = next(r for r in results if r["command"] == baseline)["mean"]
head = "| command | mean (ms) | σ (ms) | min (ms) | vs `" + baseline + "` |"
if extra:
    head += " MB/s |"
print(head)
print("|---|---:|---:|---:|---:|" + ("---:|" if extra else ""))
for r in results:
    line = "| `%s` | %.1f | %.1f | %.1f | %.2f× |" % (
        r["command"], r["mean"] * 1e3, r["stddev"] * 1e3, r["min"] * 1e3, r["mean"] / base)
    if extra:
        mb = float(extra.split(":")[1])
        line += " %.0f |" % (mb / r["mean"])
    print(line)
