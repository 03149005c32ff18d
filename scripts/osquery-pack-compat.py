#!/usr/bin/env python3
"""Run every Linux query of osquery pack files through `vigil query` and report
which fail and why (no such table / function / column).

    scripts/osquery-pack-compat.py --vigil .build/debug/vigil PACK.conf...

A query counts as Linux when its platform (or its pack's) is absent or names
linux, posix, ubuntu, centos, redhat or gentoo. The packs are osquery's files
(packs/*.conf in osquery's repository); they are not part of Vigil. Files ending
in .tsv are read as NAME<TAB>SQL lines instead.
"""
import argparse, collections, json, os, re, subprocess, sys

LINUX = {"linux", "posix", "ubuntu", "centos", "redhat", "gentoo", "all", "any"}

def is_linux(platform):
    return not platform or bool(LINUX & {p.strip() for p in platform.split(",")})

def queries(path):
    pack = os.path.splitext(os.path.basename(path))[0]
    text = open(path, encoding="utf-8").read()
    if path.endswith(".tsv"):
        for line in text.splitlines():
            name, sql = line.split("\t", 1)
            yield pack, name, sql
        return
    doc = json.loads(text)
    for name, q in doc.get("queries", {}).items():
        if is_linux(q.get("platform") or doc.get("platform")):
            yield pack, name, q["query"]

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vigil", default="vigil")
    ap.add_argument("packs", nargs="+")
    args = ap.parse_args()
    total = ok = 0
    reasons = collections.Counter()
    for path in args.packs:
        for pack, name, sql in queries(path):
            total += 1
            p = subprocess.run([args.vigil, "query", "--format", "json", sql], capture_output=True, text=True, timeout=600)
            if p.returncode == 0:
                ok += 1
                continue
            err = (p.stderr.strip().splitlines() or ["exit %d" % p.returncode])[-1]
            m = re.search(r"no such (table|function|column): ([\w.]+)", err)
            key = "no such %s: %s" % (m.group(1), m.group(2)) if m else err[:120]
            reasons[key] += 1
            print("FAIL %s/%s: %s" % (pack, name, key))
    print("\n%d of %d Linux pack queries run (%.1f%%)" % (ok, total, 100.0 * ok / max(total, 1)))
    for key, n in reasons.most_common():
        print("%4d  %s" % (n, key))
    return 0 if ok == total else 1

if __name__ == "__main__":
    sys.exit(main())
