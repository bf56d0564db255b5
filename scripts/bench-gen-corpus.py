#!/usr/bin/env python3
"""Runs the shared corpus generator (gen_corpus.py) unchanged, only faster at large sizes.

    scripts/bench-gen-corpus.py GEN_CORPUS_PY --pages 100000 --out DIR

gen_corpus.py picks popular link targets with `rng.choices(pages, popularity)`, which sums the
N weights again on every call: quadratic, about half an hour for 100,000 pages. Python's
`choices` turns `weights` into cumulative weights and bisects them; this wrapper remembers the
cumulative weights of each weights list, so every choice, and therefore the corpus (byte for byte,
STAMP included), is exactly what gen_corpus.py itself writes.
"""

import importlib.util
import itertools
import random
import sys


class CachingRandom(random.Random):
    """`random.Random` whose `choices` reuses the cumulative weights of a weights list it saw."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._cum = {}

    def choices(self, population, weights=None, *, cum_weights=None, k=1):
        if weights is not None and cum_weights is None:
            key = (id(weights), len(weights))
            cached = self._cum.get(key)
            if cached is None or cached[0] is not weights:
                cached = (weights, list(itertools.accumulate(weights)))
                self._cum[key] = cached
            return super().choices(population, cum_weights=cached[1], k=k)
        return super().choices(population, weights, cum_weights=cum_weights, k=k)


def main():
    path = sys.argv[1]
    spec = importlib.util.spec_from_file_location("gen_corpus", path)
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    # gen_corpus.py calls random.Random(...) through its module's `random`; hand it the subclass.
    gen.random = type("random_with_cache", (), {"Random": CachingRandom})
    sys.argv = [path] + sys.argv[2:]
    gen.main()


if __name__ == "__main__":
    main()
