#!/usr/bin/env python3
"""Run every Linux query of osquery pack files through `vigil query` and report
which fail and why (no such table / function / column).

    scripts/osquery-pack-compat.py --vigil .build/debug/vigil PACK.conf...
    scripts/osquery-pack-compat.py --agent-data-dir /var/lib/vigil DIR/*.sql

A query counts as Linux when its platform (or its pack's) is absent or names
linux, posix, ubuntu, centos, redhat or gentoo. The packs are osquery's files
(packs/*.conf in osquery's repository); they are not part of Vigil. Files ending
in .tsv are read as NAME<TAB>SQL lines instead; files ending in .sql hold one
query each (a query library's layout, such as osquery-defense-kit's), whose
platform is a `-- platform:` comment or, without one, a `-macos`/`-darwin`/
`-windows` suffix of the file name.

Queries that read an event table (`process_events`, `socket_events`, ...) are
what osqueryd runs on a schedule, not osqueryi: with --agent-data-dir they are
asked of a running `vigil agent` (`vigil query --agent --data-dir DIR`), where
the event tables live, and count as running when the agent answers.
"""
import argparse, collections, json, os, re, subprocess, sys

LINUX = {"linux", "posix", "ubuntu", "centos", "redhat", "gentoo", "all", "any"}

def is_linux(platform):
    return not platform or bool(LINUX & {p.strip() for p in platform.split(",")})

EVENT_TABLE = re.compile(r"\b(?!osquery_events\b|vigil_events\b)[a-z_]+_events\b", re.I)
NAME_PLATFORM = re.compile(r"[-_](macos|darwin|windows)$", re.I)

def sql_file(path):
    """One query per .sql file; its platform from a comment, else from its name."""
    name = os.path.splitext(os.path.basename(path))[0]
    text = open(path, encoding="utf-8").read()
    m = re.search(r"^--\s*platform:\s*(\S+)", text, re.M)
    platform = m.group(1) if m else (NAME_PLATFORM.search(name) or [None, None])[1]
    return name, platform, text

def queries(path):
    pack = os.path.splitext(os.path.basename(path))[0]
    if path.endswith(".sql"):
        name, platform, sql = sql_file(path)
        if is_linux(platform):
            yield os.path.basename(os.path.dirname(os.path.abspath(path))), name, sql
        return
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
    ap.add_argument("--agent-data-dir", help="ask the agent serving this data directory the queries that read event tables")
    ap.add_argument("packs", nargs="+")
    args = ap.parse_args()
    total = ok = in_agent = 0
    reasons = collections.Counter()
    for path in args.packs:
        for pack, name, sql in queries(path):
            total += 1
            command = [args.vigil, "query", "--format", "json"]
            if args.agent_data_dir and EVENT_TABLE.search(sql):
                command += ["--agent", "--data-dir", args.agent_data_dir]
                in_agent += 1
            p = subprocess.run(command + [sql], capture_output=True, text=True, timeout=600)
            if p.returncode == 0:
                ok += 1
                continue
            err = (p.stderr.strip().splitlines() or ["exit %d" % p.returncode])[-1]
            m = re.search(r"no such (table|function|column): ([\w.]+)", err)
            key = "no such %s: %s" % (m.group(1), m.group(2)) if m else err[:120]
            reasons[key] += 1
            print("FAIL %s/%s: %s" % (pack, name, key))
    print("\n%d of %d Linux pack queries run (%.1f%%)" % (ok, total, 100.0 * ok / max(total, 1)))
    if in_agent:
        print("%d of them read event tables and were asked of the agent" % in_agent)
    for key, n in reasons.most_common():
        print("%4d  %s" % (n, key))
    return 0 if ok == total else 1

if __name__ == "__main__":
    sys.exit(main())
