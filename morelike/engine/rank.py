"""The final ranking: content similarity combined with what the catalog knows about both titles.

Pure cosine over text vectors did little better than counting shared genres against what people find similar
(bench/README.md): a title's words, Wikipedia boilerplate and synopsis-less rows decided. The score here is a
linear model over features a film fan would name, with weights fitted on public "more like this" judgments by
`bench/fit_ranker.py` (k-fold, reproducible) and shipped in `ranker_weights.json`:

    content, content_sq   cosine of the two texts' vectors (and its square: close stories count more)
    genres, genres_shared Jaccard of the genre sets, and the number of genres in common (up to 3)
    era, era_close        exp(-|Δyear| / 20) and exp(-|Δyear| / 5)
    votes, rated, rating  log(1 + votes), has any votes, the rating where rated: a prior for known titles
    story                 the title has a synopsis of its own
    same_kind             movie for a movie, show for a show
    director, cast        shares a director; lead cast of the query billed in it (up to 3)
    language              same original language (where both are known)
    series                in the query's named series (a shared title stem, a series name or a collection;
                          snapshot.named_groups, franchise.py)
    family                in its wider family only (a family link: a shared lead, rare title word or character
                          name, and a close story; snapshot.family, franchise.family_links)

On top of the weights, two rules: when the query has a story, titles without one come after every title with
one (a row that is a title plus one genre word is never a good answer to a plot); and (`keep_family`) a title of
the query's own franchise whose story is among the query's FAMILY_NEAR nearest is never ranked below position
FAMILY_NEAR: plain cosine would have shown it, and era and cast (co-viewing habits) must not push "Creed III" off
"Rocky"'s first two pages.

Candidates are the union of the `pool_content` nearest vectors (for a catalog title, those of the build's stored
nearest titles that pass the filter, however few, the prior pool growing by the rest; else HNSW or exact by the
filter planner) and the `pool_prior` best titles by every non-content feature, scored over the whole catalog (or
a filter's passing titles) in vectorised numpy. The pool does not depend on the page asked for, so pages are
consecutive slices of one ranking.
"""

from __future__ import annotations

import json
import threading
import weakref
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from usearch.index import MetricKind
from usearch.index import search as exact_search

from morelike.engine.search import SearchResult, passing_keys, top_k

FEATURES = (
    "content",
    "content_sq",
    "genres",
    "genres_shared",
    "era",
    "era_close",
    "votes",
    "rated",
    "rating",
    "story",
    "same_kind",
    "director",
    "cast",
    "language",
    "series",
    "family",
)
F = {name: i for i, name in enumerate(FEATURES)}
WEIGHTS_FILE = Path(__file__).with_name("ranker_weights.json")
NO_STORY_SINK = 1_000.0  # subtracted from titles without a story when the query has one
ERA_SCALE, ERA_CLOSE_SCALE = 20.0, 5.0
MAX_SHARED = 3
MEDIAN_OF = 100
# The candidate pool: the nearest stories plus the best titles by everything else. The answers are the same from
# 30 + 200 to 100 + 1,000 (bench/README.md); these leave room for forty pages of ten.
POOL_CONTENT, POOL_PRIOR = 50, 400
FAMILY_NEAR = 20  # the keep_family rule: plain cosine's top 20, the franchise benchmark's window (bench/README.md)


class RankerError(ValueError):
    """The ranker weights cannot be used; the message says why."""


@dataclass(frozen=True)
class Profile:
    """What the ranking knows about the query: one title, the blend of a few, or nothing (free text)."""

    genre_bits: int = 0
    year: int = 0  # 0: unknown
    kind: int = -1  # catalog.records.KIND_CODE value, -1: any
    language: int = -1  # snapshot language code, -1: unknown
    directors: tuple[int, ...] = ()
    lead_cast: tuple[int, ...] = ()
    story: bool = False  # the query has a synopsis: titles without one sink
    kin: tuple[int, ...] = ()  # the query's family outside its named series (snapshot.kin_keys), sorted keys
    named: int = -1  # the query's named series (snapshot.named_groups), -1: none

    @classmethod
    def of(cls, snap, keys: list[int]) -> Profile:
        """The profile of one title, or of several blended (their genres and people together, mean year)."""
        years = [int(snap.years[k]) for k in keys if int(snap.years[k]) > 0]
        kinds = {int(snap.kinds[k]) for k in keys}
        langs = {int(snap.lang_codes[k]) for k in keys}
        nodes = {int(snap.nodes[k]) for k in keys}
        named = {int(snap.named_groups[k]) for k in keys}
        bits = 0
        directors: list[int] = []
        lead: list[int] = []
        for k in keys:
            bits |= int(snap.genre_bits[k])
            directors += [int(p) for p in snap.directors.of(k) if int(p) not in directors]
            lead += [int(p) for p in snap.lead_cast(k) if int(p) not in lead]
        return cls(
            genre_bits=bits,
            year=round(sum(years) / len(years)) if years else 0,
            kind=kinds.pop() if len(kinds) == 1 else -1,
            language=langs.pop() if len(langs) == 1 else -1,
            directors=tuple(directors),
            lead_cast=tuple(lead),
            story=any(bool(snap.story[k]) for k in keys),
            kin=tuple(snap.kin_keys(keys[0]).tolist()) if len(nodes) == 1 and keys else (),
            named=named.pop() if len(named) == 1 else -1,
        )


@dataclass(frozen=True)
class Ranker:
    weights: np.ndarray  # float32, one per FEATURES entry
    model: str = ""  # what the weights were fitted for (informational: any index can use them)
    recipe: str = ""
    pool_content: int = POOL_CONTENT
    pool_prior: int = POOL_PRIOR
    fitted: dict | None = None  # how the fit went (bench/fit_ranker.py)
    sink_no_story: bool = True  # the no-story rule (off only for bench baselines)

    @classmethod
    def load(cls, path: Path = WEIGHTS_FILE) -> Ranker:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            weights = data["weights"]
            missing = [f for f in FEATURES if f not in weights]
            if missing:
                raise RankerError(f"{path} lacks weights for {', '.join(missing)}")
            return cls(
                weights=np.asarray([float(weights[f]) for f in FEATURES], dtype=np.float32),
                model=str(data.get("model", "")),
                recipe=str(data.get("recipe", "")),
                pool_content=int(data.get("pool_content", POOL_CONTENT)),
                pool_prior=int(data.get("pool_prior", POOL_PRIOR)),
                fitted=data.get("fitted"),
            )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            if isinstance(exc, RankerError):
                raise
            raise RankerError(f"the ranker weights in {path} cannot be read ({exc})") from None

    @classmethod
    def cosine_only(cls) -> Ranker:
        """Plain cosine (bench baselines and tests): every other weight zero, no prior pool."""
        w = np.zeros(len(FEATURES), dtype=np.float32)
        w[F["content"]] = 1.0
        return cls(weights=w, model="", recipe="", pool_content=300, pool_prior=0, sink_no_story=False)

    def to_json(self) -> dict:
        return {
            "model": self.model,
            "recipe": self.recipe,
            "pool_content": self.pool_content,
            "pool_prior": self.pool_prior,
            "weights": {f: round(float(w), 6) for f, w in zip(FEATURES, self.weights, strict=True)},
            "fitted": self.fitted or {},
        }


def boosted(ranker: Ranker, weight: float) -> Ranker:
    """The cast/director boost (`[engine] boost`): a shared director adds `weight` x the content weight (0.15: as
    much as 15% of a perfect content match), each shared lead half that, on top of the fitted weights."""
    w = ranker.weights.copy()
    extra = weight * abs(float(w[F["content"]]))
    w[F["director"]] += extra
    w[F["cast"]] += extra / 2
    return replace(ranker, weights=w)


def _hits(people: tuple[int, ...], inverted) -> tuple[np.ndarray, np.ndarray]:
    """(the titles listing any of `people`, sorted; how many of them each lists), read off the inverted lists
    without a pass over the catalog."""
    parts = [inverted.of(p) for p in people]
    if not parts:
        return np.empty(0, np.int64), np.empty(0, np.float32)
    keys, counts = np.unique(np.concatenate(parts), return_counts=True)
    return keys.astype(np.int64), counts.astype(np.float32)


def _people_hits(snap, people: tuple[int, ...], inverted, keys: np.ndarray | None = None) -> np.ndarray:
    """Per title of `keys` (None: every title), how many of `people` it lists (float32)."""
    hit_keys, counts = _hits(people, inverted)
    if keys is None:
        out = np.zeros(snap.n, dtype=np.float32)
        out[hit_keys] = counts
        return out
    if len(hit_keys) == 0:
        return np.zeros(len(keys), dtype=np.float32)
    pos = np.minimum(np.searchsorted(hit_keys, keys), len(hit_keys) - 1)
    return np.where(hit_keys[pos] == keys, counts[pos], np.float32(0.0)).astype(np.float32)


def features(snap, profile: Profile, keys: np.ndarray | None, cosines: np.ndarray | None) -> np.ndarray:
    """The feature matrix of `keys` (None: every title) against `profile`; content columns are 0 when
    `cosines` is None (the prior)."""
    sel = slice(None) if keys is None else keys
    n = snap.n if keys is None else len(keys)
    out = np.zeros((n, len(FEATURES)), dtype=np.float32)
    if cosines is not None:
        out[:, F["content"]] = cosines
        out[:, F["content_sq"]] = cosines * cosines
    if profile.genre_bits:
        bits = snap.genre_bits[sel]
        q = np.uint64(profile.genre_bits)
        inter = np.bitwise_count(bits & q).astype(np.float32)
        union = np.bitwise_count(bits | q).astype(np.float32)
        out[:, F["genres"]] = inter / np.maximum(union, 1.0)
        out[:, F["genres_shared"]] = np.minimum(inter, MAX_SHARED)
    if profile.year:
        years = snap.years[sel]
        gap = np.minimum(np.abs(years.astype(np.int32) - profile.year), 255)
        known = years > 0
        out[:, F["era"]] = np.where(known, _ERA_TABLE[gap], 0.0)
        out[:, F["era_close"]] = np.where(known, _ERA_CLOSE_TABLE[gap], 0.0)
    out[:, F["votes"]] = snap.log_votes[sel]
    out[:, F["rated"]] = snap.rated[sel]
    out[:, F["rating"]] = snap.rating0[sel]
    out[:, F["story"]] = snap.story[sel]
    if profile.kind >= 0:
        out[:, F["same_kind"]] = snap.kinds[sel] == profile.kind
    if profile.directors:
        out[:, F["director"]] = _people_hits(snap, profile.directors, snap.director_titles, keys) > 0
    if profile.lead_cast:
        out[:, F["cast"]] = np.minimum(_people_hits(snap, profile.lead_cast, snap.cast_titles, keys), MAX_SHARED)
    if profile.language >= 0:
        out[:, F["language"]] = snap.lang_codes[sel] == profile.language
    out[:, F["series"]], out[:, F["family"]] = _franchise_columns(snap, profile, keys)
    return out


def _franchise_columns(snap, profile: Profile, keys: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Per title of `keys` (None: every title): in the query's named series, and in its wider family only (the
    `series` and `family` features; the keep_family rule moves titles that are either)."""
    n = snap.n if keys is None else len(keys)
    series = np.zeros(n, dtype=bool)
    if profile.named >= 0:
        series = snap.named_groups[slice(None) if keys is None else keys] == profile.named
    family = np.zeros(n, dtype=bool)
    if profile.kin:
        kin = np.asarray(profile.kin, dtype=np.int64)  # sorted
        if keys is None:
            family[kin] = True
        else:
            family = kin[np.minimum(np.searchsorted(kin, keys), len(kin) - 1)] == keys
    return series, family


_GAPS = np.arange(256, dtype=np.float32)
_ERA_TABLE = np.exp(-_GAPS / ERA_SCALE).astype(np.float32)  # |Δyear| -> feature, looked up instead of exp()
_ERA_CLOSE_TABLE = np.exp(-_GAPS / ERA_CLOSE_SCALE).astype(np.float32)


class _Tables:
    """Query-independent arrays of the prior for one snapshot: each title's genre set, and its kind and year, as
    an index into a small per-query table. The prior over the whole catalog is then two gathers from tables of a
    few thousand entries instead of a dozen passes of arithmetic over every title (most of a query's cost)."""

    def __init__(self, snap) -> None:
        self.patterns, inverse = np.unique(snap.genre_bits, return_inverse=True)
        self.pattern_of = inverse.astype(np.int32).reshape(-1)
        years = np.maximum(snap.years.astype(np.int32), 0)  # 0: unknown
        self.n_years = int(years.max()) + 1 if snap.n else 1
        self.kinds = max(int(snap.kinds.max()) + 1, 1) if snap.n else 1
        self.year_kind_of = (snap.kinds.astype(np.int32) * self.n_years + years).astype(np.int32)
        self.static: dict[tuple[bytes, bool], np.ndarray] = {}

    def static_prior(self, snap, ranker: Ranker, sink: bool) -> np.ndarray:
        """The query-independent part (votes, rating, story; the no-story sink when `sink`), per weights."""
        key = (ranker.weights.tobytes(), sink)
        hit = self.static.get(key)
        if hit is None:
            w = ranker.weights
            hit = (w[F["votes"]] * snap.log_votes + w[F["rated"]] * snap.rated + w[F["rating"]] * snap.rating0
                   + w[F["story"]] * snap.story).astype(np.float32)  # fmt: skip
            if sink:
                hit -= np.float32(NO_STORY_SINK) * (~snap.story)
            if len(self.static) > 8:
                self.static.clear()
            self.static[key] = hit
        return hit


# Per snapshot (weakly keyed, so it goes with the snapshot): the prior's tables.
_CACHES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_CACHES_LOCK = threading.Lock()


def prepare(snap) -> None:
    """Build the snapshot's prior tables now (the engine calls it at load, so no query pays for it)."""
    _tables(snap)


def _tables(snap) -> _Tables:
    hit = _CACHES.get(snap)
    if hit is None:
        with _CACHES_LOCK:
            hit = _CACHES.get(snap)
            if hit is None:
                hit = _CACHES[snap] = _Tables(snap)
    return hit


def prior(snap, ranker: Ranker, profile: Profile, *, sink: bool = False, keys: np.ndarray | None = None) -> np.ndarray:
    """`features(snap, profile, keys, None) @ weights` for every title (or the sorted `keys`), without the (n, F)
    matrix: the same numbers (tests/test_rank.py checks it), summed from per-query tables gathered by each title's
    genre set and kind and year. `sink`: minus NO_STORY_SINK for titles without a story."""
    w = ranker.weights
    t = _tables(snap)
    static = t.static_prior(snap, ranker, sink)
    out = static.copy() if keys is None else static[keys]

    def of(column: np.ndarray) -> np.ndarray:
        return column if keys is None else column[keys]

    if profile.genre_bits:
        q = np.uint64(profile.genre_bits)
        inter = np.bitwise_count(t.patterns & q).astype(np.float32)
        union = np.bitwise_count(t.patterns | q).astype(np.float32)
        per_pattern = w[F["genres"]] * (inter / np.maximum(union, 1.0)) + w[F["genres_shared"]] * np.minimum(
            inter, MAX_SHARED
        )
        out += np.take(per_pattern.astype(np.float32), of(t.pattern_of))
    if profile.year or profile.kind >= 0:
        table = np.zeros((t.kinds, t.n_years), dtype=np.float32)
        if profile.year:
            gap = np.minimum(np.abs(np.arange(t.n_years, dtype=np.int32) - profile.year), 255)
            table += w[F["era"]] * _ERA_TABLE[gap] + w[F["era_close"]] * _ERA_CLOSE_TABLE[gap]
            table[:, 0] = 0.0  # unknown year
        if 0 <= profile.kind < t.kinds:
            table[profile.kind] += w[F["same_kind"]]
        out += np.take(table.reshape(-1), of(t.year_kind_of))
    if profile.language >= 0:
        out += w[F["language"]] * (of(snap.lang_codes) == profile.language)
    if profile.directors:
        hit_keys, _ = _hits(profile.directors, snap.director_titles)
        _add_at(out, keys, hit_keys, w[F["director"]])
    if profile.lead_cast:
        hit_keys, counts = _hits(profile.lead_cast, snap.cast_titles)
        _add_at(out, keys, hit_keys, w[F["cast"]] * np.minimum(counts, MAX_SHARED))
    if profile.named >= 0:  # its members, not a comparison over the whole catalog
        _add_at(out, keys, np.asarray(snap.named_members.of(profile.named), dtype=np.int64), w[F["series"]])
    if profile.kin:
        _add_at(out, keys, np.asarray(profile.kin, dtype=np.int64), w[F["family"]])
    return out


def _add_at(out: np.ndarray, keys: np.ndarray | None, hit_keys: np.ndarray, values) -> None:
    """out[position of each hit key] += value; `out` is over every title (keys None) or over sorted `keys`."""
    if keys is None:
        out[hit_keys] += values
        return
    if len(keys) == 0 or len(hit_keys) == 0:
        return
    pos = np.minimum(np.searchsorted(keys, hit_keys), len(keys) - 1)
    found = keys[pos] == hit_keys
    out[pos[found]] += values[found] if np.ndim(values) else values


TOP_SAMPLE = 4_096


def _top_m(scores: np.ndarray, m: int) -> np.ndarray:
    """The positions of the `m` largest finite scores (unordered), as np.argpartition would give them, without
    partitioning the whole catalog: a threshold read off an evenly spaced sample keeps a few times `m` rows,
    and only those are partitioned. Falls back to the full partition when the sample guesses too high."""
    n = len(scores)
    if m >= n:
        return np.flatnonzero(np.isfinite(scores))
    if n > 4 * TOP_SAMPLE and m * 8 < n:
        sample = scores[:: n // TOP_SAMPLE]
        # Aim for about 2 m rows above the threshold: the sample's share of them, and no lower than needed.
        r = min(len(sample) - 1, int(2 * m * len(sample) / n) + 8)
        threshold = np.partition(sample, len(sample) - 1 - r)[len(sample) - 1 - r]
        above = np.flatnonzero(scores >= threshold)
        if len(above) >= m:
            picked = above[np.argpartition(-scores[above], m - 1)[:m]]
            return picked[np.isfinite(scores[picked])]
    picked = np.argpartition(-scores, m - 1)[:m]
    return picked[np.isfinite(scores[picked])]


def _cosines(snap, q: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Cosine of `q` with each of `keys` (sorted): usearch's SIMD inner product over the gathered rows, which
    reads f16 rows without numpy's slow f16 -> f32 conversion of the whole block."""
    if len(keys) == 0:
        return np.empty(0, np.float32)
    rows = np.take(np.asarray(snap.vectors), keys, axis=0)
    m = exact_search(rows, q.astype(rows.dtype, copy=False), len(keys), MetricKind.IP, exact=True, threads=1)
    out = np.empty(len(keys), dtype=np.float32)
    out[np.asarray(m.keys, dtype=np.int64)[: len(keys)]] = 1.0 - np.asarray(m.distances, dtype=np.float32)[: len(keys)]
    return out


@dataclass(frozen=True)
class Ranked:
    keys: np.ndarray  # int64, best first
    scores: np.ndarray  # float32 final score
    cosines: np.ndarray  # float32 content similarity
    pool_median: np.ndarray  # (len(FEATURES),) the median candidate: what "stands out" is measured against
    snap: object = None
    profile: Profile | None = None
    top_features: np.ndarray | None = None  # the features of the first MEDIAN_OF rows (the median's company)

    def feature_rows(self, rows: list[int]) -> np.ndarray:
        """The feature matrix of the given rows of the ranking (for the why lines): a page needs ten of them, not
        the whole pool's, and they are usually among the rows the median was taken over."""
        if not rows:
            return np.zeros((0, len(FEATURES)), np.float32)
        idx = np.asarray(rows, dtype=np.int64)
        top = self.top_features
        if top is not None and int(idx.max()) < len(top):
            return top[idx]
        return features(self.snap, self.profile, self.keys[idx], self.cosines[idx])


def _empty_ranked() -> Ranked:
    return Ranked(np.empty(0, np.int64), np.empty(0, np.float32), np.empty(0, np.float32),
                  np.zeros(len(FEATURES), np.float32))  # fmt: skip


def _stored_neighbours(snap, key: int | None, need: int, mask: np.ndarray | None, excluded: np.ndarray):
    """The content pool from the build's stored nearest titles of `key` (SearchResult, scores not set): at most
    `need` of them, those that pass the filter; None when the build stored none (or `q` is no catalog title)."""
    if key is None or snap.neighbours is None or need <= 0:
        return None
    near = np.asarray(snap.neighbours[key], dtype=np.int64)
    near = near[near >= 0]
    if mask is not None:
        near = near[mask[near]]
    if len(excluded):  # `excluded` is sorted: a binary search beats np.isin's set-up at this size
        at = np.minimum(np.searchsorted(excluded, near), len(excluded) - 1)
        near = near[excluded[at] != near]
    near = near[:need]
    return SearchResult(near, np.zeros(len(near), np.float32), "stored", exhausted=False)


def _keep_family_near(snap, profile: Profile, keys, scores, cosines, sink: bool):
    """The ranking with every family title among the FAMILY_NEAR nearest stories moved up to just inside the first
    FAMILY_NEAR rows (in score order; each takes the score of the title it now precedes, so scores stay sorted).
    A synopsis-less title is not moved when the no-story rule holds: it never answers a query with a story."""
    nearest = np.argpartition(-cosines, FAMILY_NEAR - 1)[:FAMILY_NEAR]
    late = nearest[nearest >= FAMILY_NEAR]
    if not len(late):
        return keys, scores, cosines
    series, family = _franchise_columns(snap, profile, keys[late])
    moved = series | family
    if sink:
        moved &= snap.story[keys[late]]
    late = np.sort(late[moved])
    if not len(late):
        return keys, scores, cosines
    order = np.delete(np.arange(len(keys)), late)
    at = FAMILY_NEAR - len(late)
    order = np.concatenate([order[:at], late, order[at:]])
    keys, scores, cosines = keys[order], scores[order].copy(), cosines[order]
    scores[: FAMILY_NEAR + 1] = np.maximum.accumulate(scores[: FAMILY_NEAR + 1][::-1])[::-1]
    return keys, scores, cosines


def _median_rows(rows: np.ndarray) -> np.ndarray:
    """np.median(rows, axis=0), from one sort of a small matrix (np.median's own path costs more than the sort)."""
    n = len(rows)
    if n == 0:
        return np.zeros(rows.shape[1] if rows.ndim == 2 else len(FEATURES), np.float32)
    ordered = np.sort(rows, axis=0)
    mid = n // 2
    return ordered[mid] if n % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def rank(
    snap,
    ranker: Ranker,
    q: np.ndarray,
    profile: Profile,
    mask: np.ndarray | None,
    exclude: list[int],
    query_key: int | None = None,
    keep_family: bool = False,
) -> Ranked:
    """Every candidate for unit vector `q` scored and sorted, best first (ties by key: stable across calls).
    `query_key`: `q` is that title's own vector, so its stored nearest titles can be the content pool;
    `keep_family`: the franchise rule of the module's docstring (the query's family from `profile`)."""
    q = np.asarray(q, dtype=np.float32).reshape(-1)
    excluded = np.asarray(sorted(set(exclude)), dtype=np.int64)
    n_allowed = (snap.n if mask is None else int(np.count_nonzero(mask))) - (
        len(excluded) if mask is None else int(np.count_nonzero(mask[excluded]))
    )
    if n_allowed <= 0:
        return _empty_ranked()
    w = ranker.weights
    sink = ranker.sink_no_story and profile.story
    # With a prior pool the content pool only has to hold the candidates that similarity alone would lift (the fit
    # is the same with 30 to 100 of them, bench/README.md), so it is taken from the stored neighbours or a narrow
    # HNSW walk; without one the content pool is the answer and must be the true nearest, with exact cosines.
    # Under a filter, those of the stored neighbours that pass, however few: the prior pool grows by as many as
    # are missing. A scan of the passing rows for the rest cost 0.6-1.2 ms (a 10 % filter's 7 MB of vectors,
    # memory-bound) and changed the top 10 of 0-0.7 % of queries (bench/README.md).
    need = min(ranker.pool_content, n_allowed)
    content = _stored_neighbours(snap, query_key, need, mask, excluded) if ranker.pool_prior > 0 else None
    if content is None:
        content = top_k(snap, q, need, mask, exclude, rescore=ranker.pool_prior == 0)
    if ranker.pool_prior > 0:
        # Under a filter only the passing titles are scored (a narrow one: a few hundred, not the catalog).
        passing = None if mask is None else passing_keys(snap, mask)
        values = prior(snap, ranker, profile, sink=sink, keys=passing)
        if len(excluded):
            _add_at(values, passing, excluded, -np.inf)
        m = min(ranker.pool_prior + need - len(content.keys), n_allowed)
        best = _top_m(values, m)
        keys = np.unique(np.concatenate([content.keys, best if passing is None else passing[best]]).astype(np.int64))
        cosines = _cosines(snap, q, keys)
        at = keys if passing is None else np.searchsorted(passing, keys)  # content keys pass the filter too
        scores = w[F["content"]] * cosines + w[F["content_sq"]] * cosines * cosines + values[at]
    else:
        keys, cosines = content.keys, content.scores
        feats = features(snap, profile, keys, cosines)
        scores = feats @ w
        if sink:
            scores = scores - NO_STORY_SINK * (~snap.story[keys])
    best = np.lexsort((keys, -scores))
    keys, scores, cosines = keys[best], scores[best].astype(np.float32), cosines[best].astype(np.float32)
    if keep_family and (profile.kin or profile.named >= 0) and len(keys) > FAMILY_NEAR:
        keys, scores, cosines = _keep_family_near(snap, profile, keys, scores, cosines, sink)
    # What "stands out" is measured against: the median of the best MEDIAN_OF candidates (the company a result
    # keeps on its page, not the whole pool).
    top = features(snap, profile, keys[:MEDIAN_OF], cosines[:MEDIAN_OF])
    median = _median_rows(top)
    return Ranked(keys, scores, cosines, median.astype(np.float32), snap, profile, top)
