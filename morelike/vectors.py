"""What "nearer than X % of the catalog" means for one title: a fixed sample of the catalog, and the cosine a
title's nearest share of it reaches.

The build stores each title's figure (`near.npy`) and the engine's franchise rules read it (or compute it the same
way for a build without it). It lives here, under neither `morelike.build` nor `morelike.engine`, so that the
writer can compute it without importing the engine that reads the build: the two packages stay independent
(tests/test_layout.py checks packages for import loops, not only modules).
"""

from __future__ import annotations

import numpy as np

# Two same-titled works are a remake pair only when they are closer than 99.5% of the catalog is to the query ("The
# Heat" is not "Heat"; morelike.engine.franchise). `near.npy` stores each title's cosine at this percentile.
REMAKE_MIN_PERCENTILE = 0.995
CATALOG_SAMPLE = 4_096  # titles a percentile is read from (the same fixed keys at build and at query time)


def catalog_sample(n: int) -> np.ndarray:
    """The fixed sample of a catalog's keys (sorted) that "nearer than X % of the catalog" is read from."""
    return np.sort(np.random.default_rng(0).choice(n, min(n, CATALOG_SAMPLE), replace=False))


def nearer_than(vectors: np.ndarray, keys: np.ndarray, percentile: float) -> np.ndarray:
    """Per title of `keys`: the cosine its nearest (1 - percentile) share of the catalog reaches, read off the
    fixed catalog sample (what "among its nearest 0.5 %" means for that title)."""
    n = len(vectors)
    sample = np.asarray(vectors[catalog_sample(n)], dtype=np.float32)
    kth = min(len(sample) - 1, int(percentile * len(sample)))
    out = np.empty(len(keys), dtype=np.float32)
    for s in range(0, len(keys), 2048):
        sims = np.asarray(vectors[keys[s : s + 2048]], dtype=np.float32) @ sample.T
        out[s : s + 2048] = np.partition(sims, kth, axis=1)[:, kth]
    return out
