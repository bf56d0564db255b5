#!/usr/bin/env python3
"""Flags runs of N or more consecutive words that a content page shares with a source document.

The knowledge base must be written in its own words; this finds sentences that stayed too close
to the sources. Usage: scripts/copy-check.py [SEEDS_DIR] [N]  (default ../shared/seeds, 8 words)
"""
import pathlib
import re
import sys

seeds = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/seeds")
n = int(sys.argv[2]) if len(sys.argv) > 2 else 8
word = re.compile(r"[\wæøåÆØÅ§%-]+")


def words(text):
    return [w.lower() for w in word.findall(text)]


grams = set()
for f in sorted(seeds.glob("*.txt")):
    w = words(f.read_text(encoding="utf-8", errors="replace"))
    grams.update(tuple(w[i:i + n]) for i in range(len(w) - n + 1))

hits = 0
for page in sorted(pathlib.Path("content").rglob("*.md")):
    text = page.read_text(encoding="utf-8")
    body = text.split("\n---\n", 1)[-1]
    body = re.sub(r"\(([^)]*linje[^)]*)\)", "", body)  # line references are not prose
    body = re.sub(r"«[^»]{0,200}»", " | ", body)  # short marked quotations are allowed
    body = re.sub(r"```chart.*?```", "", body, flags=re.S)  # chart labels name survey items
    body = re.sub(r"\]\((?:https?://)[^)\s]*\)", "]", body)  # link targets (web addresses) are not prose
    w = words(body)
    i = 0
    while i <= len(w) - n:
        if tuple(w[i:i + n]) in grams:
            j = i + n
            while j < len(w) and tuple(w[j - n + 1:j + 1]) in grams:
                j += 1
            print(f"{page}: {' '.join(w[i:j])}")
            hits += 1
            i = j
        else:
            i += 1
print(f"{hits} overlapping run(s) of {n}+ words", file=sys.stderr)
sys.exit(1 if hits else 0)
