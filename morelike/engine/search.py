"""Filtered nearest-neighbour search that always fills the page.

FlixRec asked the index for its top 69 and filtered afterwards, so a narrow filter returned three results or
none. usearch 2.26's Python search takes no filter predicate, so each query is planned the way Qdrant's planner
chooses by filter cardinality:

- filters become one boolean mask over the snapshot's arrays (vectorised numpy; genres are a bitmask);
- few titles pass (or the index is small): exact scan of the passing rows (a filter's rows are gathered once
  from the memory-mapped f16 matrix and kept as f32 where they fit, scored by numpy's product; otherwise
  usearch's SIMD exact search reads the f16 rows; never an f32 copy of the whole matrix);
- many pass: HNSW search over-fetching by the inverse of the passing fraction, then the mask; when that comes up
  short (the filter is rare *near this query*), the exact scan answers instead, so a page is never short while
  enough titles match.

Every returned score is the exact cosine recomputed from the stored vectors, so both paths rank alike.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from usearch.index import MetricKind
from usearch.index import search as exact_search

from morelike.catalog.records import KIND_CODE
from morelike.catalog.watch import ANIMATION_GENRE, ANIME_GENRE, SERVICE_BIT
from morelike.engine.filters import unknown_genre
from morelike.engine.snapshot import Snapshot
from morelike.engine.types import ANIMATED, FilterError, Filters

EXACT_MAX_ROWS = 12_000  # at most this many passing rows: scan them exactly (about 1-3 ms here)
EXACT_MAX_FRACTION = 0.02  # ... or at most this share of the catalog
EXACT_MARGIN = 8
OVERFETCH = 1.5  # HNSW asks for this many times the expected number of hits
MIN_FETCH = 64
MAX_FETCH = 4_096  # beyond this an HNSW walk costs more than the exact scan it tries to avoid
# A candidate pool (the ranking's nearest stories, beside its exact scan of the well-known titles) found this far is
# taken as it is: the build's stored nearest titles when a filter leaves this share of them (rank.py), or a walk
# MAX_FETCH wide; a filter that leaves fewer near the query is searched for its own nearest (a walk, or exactly).
POOL_ENOUGH = 0.5


@dataclass
class SearchResult:
    keys: np.ndarray  # int64, best first
    scores: np.ndarray  # float32 cosine similarity
    plan: str  # "exact", "hnsw" or "hnsw>exact" (the over-fetch came up short)
    exhausted: bool  # fewer than asked exist: no more pages after these

    def cut(self, need: int) -> SearchResult:
        return SearchResult(self.keys[:need], self.scores[:need], self.plan, self.exhausted)

    def replan(self, plan: str) -> SearchResult:
        return SearchResult(self.keys, self.scores, plan, self.exhausted)


FILTER_CACHE = 32  # filter combinations whose masks are kept per snapshot (people reuse a few combinations)
ROWS_CACHE_ENTRY = 10 << 20  # gathered vectors of one narrow filter, at most (1% of 1M titles at 384-d f16)
ROWS_CACHE_BUDGET = 32 << 20  # all cached rows of one snapshot together


class _SearchState:
    """What search keeps per snapshot: the filter masks it built, and the lock around the HNSW index.

    Held by the snapshot (`Snapshot.derived`, with its other caches), so it goes with the snapshot after a hot
    reload."""

    def __init__(self) -> None:
        self.filters: OrderedDict = OrderedDict()  # Filters -> [mask, passing keys, their vectors or None]
        self.by_mask: dict[int, list] = {}  # id(mask) -> the same entry, for `_passing`
        self.filter_lock = threading.Lock()
        self.index_lock = threading.Lock()  # usearch's expansion_search is per index: set+search together


def _state(snap: Snapshot) -> _SearchState:
    return snap.derived.cached("search", _SearchState)


def filter_mask(snap: Snapshot, f: Filters) -> np.ndarray | None:
    """The titles passing `f` as a read-only boolean array, or None when nothing is filtered. Cached per
    snapshot with the sorted keys that pass, which the exact scan reuses."""
    if not f.active:
        return None
    state = _state(snap)
    cache = state.filters
    with state.filter_lock:
        hit = cache.get(f)
        if hit is not None:
            cache.move_to_end(f)
            return hit[0]
    mask = _build_mask(snap, f)
    mask.flags.writeable = False
    keys = np.flatnonzero(mask)
    # A narrow filter's rows are gathered once: the exact scan then reads them in place of a random gather
    # from the memory map (the largest cost of a narrow query at 1M titles).
    # Kept as f32 where that fits: numpy's f32 product over them is ten times faster than usearch's exact f16 scan,
    # and converting f16 on every query would cost more than the scan.
    dim = snap.vectors.shape[1]
    rows = None
    if 0 < len(keys) * dim * 4 <= ROWS_CACHE_ENTRY:
        rows = np.asarray(snap.vectors[keys], dtype=np.float32)
    elif 0 < len(keys) * dim * snap.vectors.dtype.itemsize <= ROWS_CACHE_ENTRY:
        rows = np.asarray(snap.vectors[keys])
    with state.filter_lock:
        entry = [mask, keys, rows]
        cache[f] = entry
        state.by_mask[id(mask)] = entry
        while len(cache) > FILTER_CACHE:
            old_mask = cache.popitem(last=False)[1][0]
            state.by_mask.pop(id(old_mask), None)
        total = sum(e[2].nbytes for e in cache.values() if e[2] is not None)
        for e in cache.values():  # oldest first: drop their rows until the cache fits its budget
            if total <= ROWS_CACHE_BUDGET:
                break
            if e[2] is not None:
                total -= e[2].nbytes
                e[2] = None
    return mask


def _passing(snap: Snapshot, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """Sorted keys passing `mask`, and their vectors when cached (masks from `filter_mask` are cached)."""
    state = _state(snap)
    with state.filter_lock:
        hit = state.by_mask.get(id(mask))
        if hit is not None and hit[0] is mask:
            return hit[1], hit[2]
    return np.flatnonzero(mask), None


def _build_mask(snap: Snapshot, f: Filters) -> np.ndarray:
    mask: np.ndarray | None = None

    def add(cond: np.ndarray) -> None:
        nonlocal mask
        mask = cond if mask is None else (mask & cond)

    if f.kind is not None:
        add(snap.kinds == KIND_CODE[f.kind])
    if f.genres or f.exclude_genres:
        for name, genres in (("genres", f.genres), ("exclude_genres", f.exclude_genres)):
            unknown = unknown_genre(genres, snap.genre_bit)
            if unknown is not None:
                known = ", ".join(sorted(snap.genre_names))
                raise FilterError(name, f"unknown genre {unknown!r}; known genres: {known}")
        want = sum(snap.genre_bit[g] for g in f.genres)
        avoid = sum(snap.genre_bit[g] for g in f.exclude_genres)
        if want:
            add((snap.genre_bits & np.uint64(want)) == np.uint64(want))
        if avoid:
            add((snap.genre_bits & np.uint64(avoid)) == 0)
    if f.year_min is not None:
        add(snap.years >= f.year_min)  # unknown year is 0: fails any minimum
    if f.year_max is not None:
        add((snap.years <= f.year_max) & (snap.years > 0))
    if f.runtime_min is not None:
        add(snap.runtimes >= f.runtime_min)
    if f.runtime_max is not None:
        add((snap.runtimes <= f.runtime_max) & (snap.runtimes >= 0))
    if f.language is not None:
        code = snap.languages.index(f.language) if f.language in snap.languages else -2
        add(snap.lang_codes == code)
    if f.rating_min is not None:
        add(snap.ratings >= f.rating_min)  # NaN (unknown) compares False
    if f.votes_min is not None:
        add(snap.votes >= f.votes_min)
    if f.on:
        add((snap.services & np.uint16(sum(SERVICE_BIT[s] for s in f.on))) != 0)  # any of them
    if f.anime == "only":
        add(snap.anime)
    elif f.anime == "exclude":
        add(~snap.anime)
    elif f.anime == ANIMATED:  # anime, or animation by the genre any source gives it
        drawn = sum(snap.genre_bit.get(g, 0) for g in (ANIMATION_GENRE, ANIME_GENRE))
        add(snap.anime | ((snap.genre_bits & np.uint64(drawn)) != 0))
    return mask if mask is not None else np.ones(snap.n, dtype=bool)


def _exact(snap: Snapshot, q: np.ndarray, need: int, mask: np.ndarray | None, exclude: list[int]) -> SearchResult:
    cached_rows = None
    if mask is None and not exclude:
        rows, keys = snap.vectors, None
    else:
        keys, cached_rows = (np.arange(snap.n), None) if mask is None else _passing(snap, mask)
        if cached_rows is not None:
            rows = cached_rows  # excluded keys are dropped from the answer instead
        else:
            if exclude:  # a lookup in a boolean array: np.isin would hash every passing key
                dropped = np.zeros(snap.n, dtype=bool)
                dropped[exclude] = True
                keys = keys[~dropped[keys]]
            rows = snap.vectors[keys]
    if keys is None:
        total = snap.n - len(exclude)
    elif cached_rows is not None and exclude and mask is not None:
        total = len(keys) - int(np.count_nonzero(mask[exclude]))  # the cached keys are the mask's
    else:
        total = len(keys)
    extra = len(exclude) if cached_rows is not None else 0
    count = min(need + EXACT_MARGIN + extra, len(rows))
    if total <= 0 or count <= 0:
        return SearchResult(np.empty(0, np.int64), np.empty(0, np.float32), "exact", True)
    if rows.dtype == np.float32:
        sims = np.asarray(rows) @ q
        pos = np.argpartition(-sims, count - 1)[:count] if count < len(sims) else np.arange(len(sims))
    else:  # f16 rows: usearch's SIMD scan reads them as they are
        qv = q.astype(rows.dtype, copy=False)
        m = exact_search(np.asarray(rows), qv, count, MetricKind.IP, exact=True, threads=1)
        pos = np.asarray(m.keys, dtype=np.int64)[:count]
    found = pos if keys is None else keys[pos]
    if extra:
        found = found[~np.isin(found, exclude)]
    # The SIMD scan scores in f16; a small margin rescored in f32 settles near-ties at the page boundary.
    return _rescore(snap, q, found, "exact", exhausted=total <= need).cut(need)


def _rescore(snap: Snapshot, q: np.ndarray, keys: np.ndarray, plan: str, exhausted: bool) -> SearchResult:
    """Exact f32 cosine for the chosen keys, re-sorted: both plans return identical scores and order."""
    if len(keys) == 0:
        return SearchResult(np.empty(0, np.int64), np.empty(0, np.float32), plan, exhausted)
    order = np.argsort(keys)  # memmap gathers read faster in key order
    vecs = np.asarray(snap.vectors[keys[order]], dtype=np.float32)
    scores = np.empty(len(keys), dtype=np.float32)
    scores[order] = vecs @ q
    best = np.lexsort((keys, -scores))
    return SearchResult(keys[best].astype(np.int64), scores[best], plan, exhausted)


def _hnsw(snap: Snapshot, q: np.ndarray, fetch: int, breadth: int) -> tuple[np.ndarray, np.ndarray]:
    """Keys and (f16) cosine similarities of an HNSW walk `breadth` wide, in its order."""
    with _state(snap).index_lock:
        index = snap.index
        assert index is not None, "an HNSW walk needs the build's index"  # the planner walks only where there is one
        old = index.expansion_search
        index.expansion_search = max(breadth, fetch)
        try:
            matches = index.search(q, fetch, threads=1)
        finally:
            index.expansion_search = old
    return np.asarray(matches.keys, dtype=np.int64), 1.0 - np.asarray(matches.distances, dtype=np.float32)


def top_k(
    snap: Snapshot,
    q: np.ndarray,
    need: int,
    mask: np.ndarray | None = None,
    exclude: Iterable[int] = (),
    *,
    force: str | None = None,
    rescore: bool = True,
) -> SearchResult:
    """The `need` titles closest to unit vector `q` among those passing `mask`, minus `exclude`, best first.

    `force` ("exact" or "hnsw") overrides the planner (bench/ and tests compare the plans). `rescore=False` is for
    a caller that scores the keys itself (the ranker's candidate pool): an HNSW answer then comes in the walk's
    order with its f16 similarities, without the over-fetch and the exact f32 re-sort that cost most of a query."""
    q = np.asarray(q, dtype=np.float32).reshape(-1)
    exclude = sorted({int(k) for k in exclude})
    n_pass = snap.n if mask is None else int(np.count_nonzero(mask))
    if mask is None:
        n_pass -= len(exclude)
    else:
        n_pass -= int(np.count_nonzero(mask[exclude])) if exclude else 0
    need = max(0, int(need))
    if need == 0 or n_pass <= 0:
        return SearchResult(np.empty(0, np.int64), np.empty(0, np.float32), "exact", n_pass <= 0)
    fraction = n_pass / snap.n
    fetch = math.ceil((need + len(exclude)) / fraction * OVERFETCH) + MIN_FETCH
    small = n_pass <= EXACT_MAX_ROWS or fraction <= EXACT_MAX_FRACTION or fetch > MAX_FETCH
    if force == "exact" or (force is None and (snap.index is None or small)):
        return _exact(snap, q, need, mask, exclude)
    if not rescore:  # no re-sort margin: only what the filter and the exclusions are expected to remove
        fetch = math.ceil((need + len(exclude)) / fraction * (OVERFETCH if mask is not None else 1.0)) + EXACT_MARGIN
    fetch = min(fetch, snap.n)

    def walk(width: int, breadth: int) -> tuple[np.ndarray, np.ndarray]:
        """The titles of a walk `width` wide that pass the filter and are not excluded, in its order."""
        keys, sims = _hnsw(snap, q, width, breadth)
        keep = np.ones(len(keys), dtype=bool) if mask is None else mask[keys]
        if exclude:
            keep &= ~np.isin(keys, exclude)
        return keys[keep], sims[keep]

    # The build's [index] expansion_search is the breadth that holds the exact top 20; a candidate pool that is
    # re-scored by the caller does not need it.
    keys, sims = walk(fetch, snap.expansion_search if rescore else fetch)
    if not rescore and len(keys) >= need:
        return SearchResult(keys[:need], sims[:need], "hnsw", exhausted=False)
    if not rescore and fetch < snap.n and not _rows_in_memory(snap, mask):
        # A candidate pool (its caller scores it beside other candidates) that the walk left short: the query's
        # neighbourhood holds few titles that pass (a comedy under "drama"). The exact scan of a broad filter's
        # rows gathers them from the memory map: 150-480 ms at 1.3M titles, for a quarter of the queries under a
        # genre filter. One walk as wide as a walk pays is taken instead, and what it finds is the pool's share.
        wide = min(MAX_FETCH, snap.n)
        keys, sims = walk(wide, wide)
        keys, sims = keys[:need], sims[:need]
        if len(keys) >= need * POOL_ENOUGH:
            return SearchResult(keys, sims, "hnsw-wide", exhausted=False)
    if len(keys) >= need:
        # HNSW order comes from f16 distances: rescore a margin past `need`, then cut.
        return _rescore(snap, q, keys[: need * 2], "hnsw", exhausted=False).cut(need)
    if fetch >= snap.n:  # the walk saw everything there is
        return _rescore(snap, q, keys, "hnsw", exhausted=True)
    return _exact(snap, q, need, mask, exclude).replan("hnsw>exact")


def _rows_in_memory(snap: Snapshot, mask: np.ndarray | None) -> bool:
    """Whether the exact scan of `mask`'s rows reads them from memory (a narrow filter's gathered rows), not from
    the memory map."""
    if mask is None:
        return False
    _, rows = _passing(snap, mask)
    return rows is not None


def brute_force(snap: Snapshot, q: np.ndarray, need: int, mask: np.ndarray | None = None, exclude=()) -> np.ndarray:
    """Reference answer (tests, bench): f32 numpy over every passing row."""
    vecs = np.asarray(snap.vectors, dtype=np.float32)
    scores = vecs @ np.asarray(q, dtype=np.float32)
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    if exclude:
        scores[list(exclude)] = -np.inf
    n_ok = int(np.isfinite(scores).sum())
    need = min(need, n_ok)
    top = np.argpartition(-scores, need - 1)[:need] if need else np.empty(0, np.int64)
    return top[np.lexsort((top, -scores[top]))]
