"""Filtered similar search: every filter, combined filters, narrow filters that still fill the page, paging and
the query planner (exact scan vs HNSW over-fetch vs the fallback), always against brute force."""

from __future__ import annotations

import numpy as np
import pytest
from usearch.index import Index

from morelike.catalog.watch import ANIMATION_GENRE, ANIME_GENRE
from morelike.engine import Engine, FilterError, Filters
from morelike.engine.engine import anime_default
from morelike.engine.rank import Ranker
from morelike.engine.search import brute_force, filter_mask, top_k
from morelike.engine.snapshot import Snapshot
from tests.conftest import make_config

# -- the planner, on a synthetic catalog big enough for the HNSW path (real usearch index) ----------------------

N, DIM, CLUSTERS = 20_000, 32, 10


@pytest.fixture(scope="module")
def synthetic():
    rng = np.random.default_rng(7)
    centres = rng.standard_normal((CLUSTERS, DIM)).astype(np.float32)
    cluster = rng.integers(0, CLUSTERS, N)
    vecs = centres[cluster] + 0.6 * rng.standard_normal((N, DIM)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    vecs16 = vecs.astype(np.float16)
    index = Index(ndim=DIM, metric="cos", dtype="f16", connectivity=16, expansion_add=128)
    index.add(np.arange(N, dtype=np.uint64), vecs)
    snap = Snapshot.synthetic(
        vecs16,
        index,
        kinds=rng.integers(0, 2, N).astype(np.int8),
        years=rng.integers(1950, 2024, N).astype(np.int16),
        genre_bits=rng.integers(0, 8, N).astype(np.uint64),
        genre_names=["a", "b", "c"],
    )
    return snap, cluster


def _recall(got: np.ndarray, want: np.ndarray) -> float:
    return len(set(got.tolist()) & set(want.tolist())) / max(1, len(want))


def test_unfiltered_uses_the_index_and_matches_brute_force(synthetic):
    snap, _ = synthetic
    recalls = []
    for qk in range(0, N, N // 40):
        res = top_k(snap, snap.vector(qk), 20, None, [qk])
        assert res.plan == "hnsw" and len(res.keys) == 20 and qk not in res.keys
        assert np.all(np.diff(res.scores) <= 1e-6)  # best first
        recalls.append(_recall(res.keys, brute_force(snap, snap.vector(qk), 20, None, [qk])))
    assert np.mean(recalls) >= 0.99


def test_narrow_filter_is_scanned_exactly(synthetic):
    snap, _ = synthetic
    mask = (snap.years == 1990) & (snap.kinds == 1)  # ~0.7% of titles
    assert 50 < mask.sum() < 400
    for qk in (3, 999, 12345):
        res = top_k(snap, snap.vector(qk), 20, mask, [qk])
        assert res.plan == "exact"
        assert res.keys.tolist() == brute_force(snap, snap.vector(qk), 20, mask, [qk]).tolist()


def test_filter_rare_near_the_query_falls_back_to_exact(synthetic):
    """90% of titles pass, but none near the query: the over-fetch comes up short and the exact scan answers."""
    snap, cluster = synthetic
    qk = 42
    mask = cluster != cluster[qk]
    res = top_k(snap, snap.vector(qk), 20, mask, [qk])
    assert res.plan == "hnsw>exact"
    assert res.keys.tolist() == brute_force(snap, snap.vector(qk), 20, mask, [qk]).tolist()
    assert bool(np.all(mask[res.keys]))


def test_a_candidate_pool_left_short_by_a_broad_filter_takes_a_wide_walk_not_a_scan(synthetic):
    """The ranking's pool of nearest stories (rescore=False), under a broad filter that none near the query passes
    (a comedy under "drama"): an exact scan of the filter's rows read them from the memory map, 150-480 ms at 1.3M
    titles for a quarter of the queries under a genre filter. A walk as wide as a walk pays finds passing titles
    instead; the pool is theirs, nearest first among what it saw, and every one passes."""
    snap, cluster = synthetic
    qk = 42
    mask = cluster != cluster[qk]  # 90 % pass, none of the query's cluster
    pool = top_k(snap, snap.vector(qk), 64, mask, [qk], rescore=False)
    assert pool.plan == "hnsw-wide" and len(pool.keys) == 64 and bool(np.all(mask[pool.keys]))
    exact = set(brute_force(snap, snap.vector(qk), 64, mask, [qk]).tolist())
    assert len(exact & set(pool.keys.tolist())) >= 32  # near ones, not any passing titles
    # An answer (rescore=True) is still the exact nearest.
    assert top_k(snap, snap.vector(qk), 20, mask, [qk]).plan == "hnsw>exact"


def test_forced_plans_agree(synthetic):
    snap, _ = synthetic
    mask = snap.kinds == 0
    for qk in (5, 505, 5005):
        a = top_k(snap, snap.vector(qk), 10, mask, [qk], force="exact")
        b = top_k(snap, snap.vector(qk), 10, mask, [qk], force="hnsw")
        assert (a.plan, b.plan) == ("exact", "hnsw")
        assert _recall(b.keys, a.keys) >= 0.9
        np.testing.assert_allclose(a.scores[:5], brute_force_scores(snap, qk, a.keys[:5]), atol=1e-5)


def brute_force_scores(snap, qk, keys):
    return np.asarray(snap.vectors[keys], dtype=np.float32) @ snap.vector(qk)


def test_fewer_passing_than_asked_returns_all_of_them_and_says_so(synthetic):
    snap, _ = synthetic
    mask = np.zeros(N, dtype=bool)
    mask[[10, 20, 30, 40]] = True
    res = top_k(snap, snap.vector(10), 20, mask, [10])
    assert sorted(res.keys.tolist()) == [20, 30, 40] and res.exhausted
    empty = top_k(snap, snap.vector(10), 5, np.zeros(N, dtype=bool))
    assert len(empty.keys) == 0 and empty.exhausted


def test_genre_mask_requires_all_included_and_none_excluded(synthetic):
    snap, _ = synthetic
    m = filter_mask(snap, Filters(genres=("a", "b"), exclude_genres=("c",)))
    assert m.tolist() == (snap.genre_bits == 3).tolist()
    with pytest.raises(FilterError) as err:
        filter_mask(snap, Filters(genres=("zombie",)))
    assert err.value.field == "genres" and "zombie" in str(err.value)


# -- the real small index: filters through the Engine, checked against brute force on the cards -------------------


@pytest.fixture(scope="module")
def engine(small_published):
    # These tests are about filtering and planning, checked against brute-force cosine: rank by cosine alone.
    # (The fitted ranking over filtered candidates is checked against whole-catalog scoring in test_rank.py.)
    return Engine.open(make_config(small_published), ranker=Ranker.cosine_only())


def _passes(card, f: Filters) -> bool:
    def ge(v, lo):
        return lo is None or (v is not None and v >= lo)

    def le(v, hi):
        return hi is None or (v is not None and v <= hi)

    return (
        (f.kind is None or card.kind == f.kind)
        and all(g in card.genres for g in f.genres)
        and not any(g in card.genres for g in f.exclude_genres)
        and ge(card.year, f.year_min)
        and le(card.year, f.year_max)
        and ge(card.runtime, f.runtime_min)
        and le(card.runtime, f.runtime_max)
        and (f.language is None or card.language == f.language)
        and ge(card.rating, f.rating_min)
        and ge(card.votes, f.votes_min)
        and _anime_passes(card, f.anime)
    )


def _anime_passes(card, anime: str | None) -> bool:
    """The anime filter by its definition (issue 21), read off the card: `animated` keeps anime and animation."""
    if anime == "only":
        return card.anime
    if anime == "exclude":
        return not card.anime
    if anime == "animated":
        return card.anime or any(g in card.genres for g in (ANIMATION_GENRE, ANIME_GENRE))
    return True


def _expected(engine, query_id: str, f: Filters, n: int) -> list[str]:
    snap = engine.snapshot
    qk = snap.key_of(query_id)
    f = anime_default(snap, qk, f)  # what "more like this" applies when the anime filter is not set
    keys = [k for k in range(snap.n) if k != qk and _passes(snap.card(k), f)]
    scores = np.asarray(snap.vectors[keys], dtype=np.float32) @ snap.vector(qk)
    order = sorted(range(len(keys)), key=lambda i: (-scores[i], keys[i]))
    return [snap.ids[keys[i]] for i in order[:n]]


def _heat(engine) -> str:
    return next(c.card.id for c in engine.resolve("Heat 1995").candidates if c.card.year == 1995)


FILTER_CASES = [
    Filters(kind="show"),
    Filters(kind="movie"),
    Filters(genres=("crime",)),
    Filters(genres=("crime", "drama")),
    Filters(exclude_genres=("drama", "comedy")),
    Filters(year_min=1990),
    Filters(year_max=1960),
    Filters(year_min=1980, year_max=1999),
    Filters(runtime_min=150),
    Filters(runtime_max=95),
    Filters(language="fr"),
    Filters(rating_min=8.0),
    Filters(votes_min=500_000),
    Filters(kind="movie", genres=("action",), exclude_genres=("comedy",), year_min=1985, rating_min=6.5),
    Filters(kind="movie", year_min=2000, year_max=2015, runtime_min=90, runtime_max=130, votes_min=10_000),
]


@pytest.mark.parametrize("f", FILTER_CASES, ids=lambda f: repr(f)[8:60])
def test_each_filter_and_combinations_match_brute_force(engine, f):
    query = _heat(engine)
    k = 10
    page = engine.similar(query, f, k=k, franchise=False)
    got = [r.card.id for r in page.items]
    want = _expected(engine, query, f, k + 1)
    assert len(want) >= 3  # every case matches something: an empty answer would pass vacuously
    assert got == want[:k]
    assert all(_passes(r.card, f) for r in page.items)
    assert page.has_more == (len(want) > k)
    assert query not in got


def test_narrow_filter_fills_the_page_where_top69_then_filter_comes_up_short(engine):
    query = _heat(engine)
    f = Filters(kind="show")
    snap = engine.snapshot
    qk = snap.key_of(query)
    # FlixRec's way: the 69 nearest, then the filter.
    scores = np.asarray(snap.vectors, dtype=np.float32) @ snap.vector(qk)
    top69 = [k for k in np.argsort(-scores)[:70].tolist() if k != qk][:69]
    flixrec = [k for k in top69 if snap.kinds[k] == 1]
    assert len(flixrec) < 10  # the old way is short here…
    page = engine.similar(query, f, k=10, franchise=False)
    assert len(page.items) == 10  # …ours fills the page
    assert [r.card.id for r in page.items] == _expected(engine, query, f, 10)


def test_paging_walks_the_same_ranking(engine):
    query = _heat(engine)
    whole = [r.card.id for r in engine.similar(query, k=20, franchise=False).items]
    pages = [engine.similar(query, k=5, page=p, franchise=False) for p in range(4)]
    assert [r.card.id for p in pages for r in p.items] == whole
    assert all(p.has_more for p in pages) and [p.page for p in pages] == [0, 1, 2, 3]


def test_last_page_is_partial_and_says_no_more(engine):
    query = _heat(engine)
    f = Filters(language="fr")
    n = len(_expected(engine, query, f, 100))
    assert 2 < n < 10
    last = (n - 1) // 2
    page = engine.similar(query, f, k=2, page=last, franchise=False)
    assert len(page.items) == n - 2 * last and not page.has_more
    beyond = engine.similar(query, f, k=2, page=last + 1, franchise=False)
    assert beyond.items == [] and not beyond.has_more


def test_never_returns_the_query_title(engine):
    snap = engine.snapshot
    for qk in range(0, snap.n, 3):
        page = engine.similar(snap.ids[qk], k=8, franchise=False)
        assert snap.ids[qk] not in [r.card.id for r in page.items]
        assert len(page.items) == 8


def test_nothing_matching_is_an_empty_page_not_an_error(engine):
    page = engine.similar(_heat(engine), Filters(language="xx"), k=5)
    assert page.items == [] and not page.has_more


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"kind": "film"}, "kind"),
        ({"year_min": 2000, "year_max": 1990}, "year_min"),
        ({"rating_min": 11}, "rating_min"),
        ({"runtime_min": -5}, "runtime_min"),
        ({"votes_min": 2.5}, "votes_min"),
        ({"genres": ("drama",), "exclude_genres": ("drama",)}, "exclude_genres"),
        ({"language": "e n"}, "language"),
    ],
)
def test_bad_filter_values_name_the_filter(kwargs, field):
    with pytest.raises(FilterError) as err:
        Filters(**kwargs)
    assert err.value.field == field and str(err.value)


def test_unknown_genre_and_bad_paging_are_refused_with_the_parameter(engine):
    query = _heat(engine)
    with pytest.raises(FilterError) as err:
        engine.similar(query, Filters(genres=("zombie-musical",)))
    assert err.value.field == "genres"
    for kwargs, field in (({"k": 0}, "k"), ({"k": 500}, "k"), ({"page": -1}, "page"), ({"page": 10_000}, "page")):
        with pytest.raises(FilterError) as err:
            engine.similar(query, **kwargs)
        assert err.value.field == field


def test_filter_masks_are_cached_read_only_per_snapshot(synthetic):
    snap, _ = synthetic
    f = Filters(kind="show", year_min=2000)
    a = filter_mask(snap, f)
    assert a is filter_mask(snap, Filters(kind="show", year_min=2000))
    assert not a.flags.writeable
    assert a.tolist() == ((snap.kinds == 1) & (snap.years >= 2000)).tolist()
    assert filter_mask(snap, Filters()) is None
