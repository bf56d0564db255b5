#!/usr/bin/env python3
"""Split the labelled evaluation queries once, at random, into a tuning and a held-out half.

In:  all-labelled.tsv (category TAB query TAB expected TAB acceptable_top3; `#` comments).
Out: tuning.tsv and heldout.tsv in the same format, with a comment header.

The split is stratified by category: within each category (taken in sorted order) the rows
are shuffled with one random.Random seeded with SEED, and the first half goes to tuning. When
a category has an odd count, the extra row goes alternately to tuning and held-out (first odd
category: tuning), so the halves differ by at most one row.

Run from any directory: `python3 tests/search/queries/split.py`. The output is deterministic;
running it again must give the committed files byte for byte. It was run once, on 2026-12-07,
and must not be re-run with another seed or on a changed input to improve a score.
"""

import collections
import pathlib
import random

SEED = 20261207
HERE = pathlib.Path(__file__).resolve().parent


def read_rows(path):
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) == 3:
            fields.append("")
        if len(fields) != 4:
            raise SystemExit(f"{path}: bad row (want 4 tab-separated fields): {line!r}")
        rows.append(fields)
    return rows


def main():
    rows = read_rows(HERE / "all-labelled.tsv")
    by_cat = collections.defaultdict(list)
    for row in rows:
        by_cat[row[0]].append(row)

    rng = random.Random(SEED)
    tuning, heldout = [], []
    extra_to_tuning = True
    for cat in sorted(by_cat):
        group = list(by_cat[cat])
        rng.shuffle(group)
        half = len(group) // 2
        if len(group) % 2:
            if extra_to_tuning:
                half += 1
            extra_to_tuning = not extra_to_tuning
        tuning.extend(group[:half])
        heldout.extend(group[half:])

    header = (
        "# {name}: {n} queries of the independent evaluation set (issue 14), split by split.py\n"
        "# with seed {seed}, stratified by category. Protocol and rules: README.md.\n"
        "# category\tquery\texpected\tacceptable_top3\n"
    )
    for name, part in (("tuning.tsv", tuning), ("heldout.tsv", heldout)):
        text = header.format(name=name, n=len(part), seed=SEED)
        text += "".join("\t".join(r) + "\n" for r in part)
        (HERE / name).write_text(text, encoding="utf-8")

    counts = collections.Counter((r[0], "tuning") for r in tuning)
    counts.update((r[0], "heldout") for r in heldout)
    print(f"{'category':<10} {'tuning':>7} {'heldout':>8}")
    for cat in sorted(by_cat):
        print(f"{cat:<10} {counts[(cat, 'tuning')]:>7} {counts[(cat, 'heldout')]:>8}")
    print(f"{'total':<10} {len(tuning):>7} {len(heldout):>8}")


if __name__ == "__main__":
    main()
