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
    series                in the query's named series (a shared title stem or collection; franchise.py)

On top of the weights, one rule: when the query has a story, titles without one come after every title with
one (a row that is a title plus one genre word is never a good answer to a plot).

Candidates are the union of the `pool_content` nearest vectors (HNSW or exact, by the filter planner) and the
`pool_prior` best titles by every non-content feature, scored over the whole catalog in vectorised numpy. The
pool does not depend on the page asked for, so pages are consecutive slices of one ranking.
"""

from __future__ import annotations

import json
import weakref
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from morelike.engine.search import top_k

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
)
F = {name: i for i, name in enumerate(FEATURES)}
WEIGHTS_FILE = Path(__file__).with_name("ranker_weights.json")
NO_STORY_SINK = 1_000.0  # subtracted from titles without a story when the query has one
ERA_SCALE, ERA_CLOSE_SCALE = 20.0, 5.0
MAX_SHARED = 3
MEDIAN_OF = 100


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
    group: int = -1  # the query's named series (snapshot.name_groups), -1: none

    @classmethod
    def of(cls, snap, keys: list[int]) -> Profile:
        """The profile of one title, or of several blended (their genres and people together, mean year)."""
        years = [int(snap.years[k]) for k in keys if int(snap.years[k]) > 0]
        kinds = {int(snap.kinds[k]) for k in keys}
        langs = {int(snap.lang_codes[k]) for k in keys}
        groups = {int(snap.name_groups[k]) for k in keys}
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
            group=groups.pop() if len(groups) == 1 else -1,
        )


@dataclass(frozen=True)
class Ranked:
    keys: np.ndarray  # int64, best first
    scores: np.ndarray  # float32 final score
    cosines: np.ndarray  # float32 content similarity
    features: np.ndarray  # (len(keys), len(FEATURES)) float32, for explanations
    pool_median: np.ndarray  # (len(FEATURES),) the median candidate: what "stands out" is measured against


@dataclass(frozen=True)
class Ranker:
    weights: np.ndarray  # float32, one per FEATURES entry
    model: str = ""  # what the weights were fitted for (informational: any index can use them)
    recipe: str = ""
    pool_content: int = 100
    pool_prior: int = 1_000
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
                pool_content=int(data.get("pool_content", 100)),
                pool_prior=int(data.get("pool_prior", 1_000)),
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


def _people_hits(snap, people: tuple[int, ...], inverted) -> np.ndarray:
    """Per title, how many of `people` it lists (float32 over the whole catalog)."""
    out = np.zeros(snap.n, dtype=np.float32)
    for p in people:
        np.add.at(out, inverted.of(p), 1.0)
    return out


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
        out[:, F["director"]] = _people_hits(snap, profile.directors, snap.director_titles)[sel] > 0
    if profile.lead_cast:
        out[:, F["cast"]] = np.minimum(_people_hits(snap, profile.lead_cast, snap.cast_titles)[sel], MAX_SHARED)
    if profile.language >= 0:
        out[:, F["language"]] = snap.lang_codes[sel] == profile.language
    if profile.group >= 0:
        out[:, F["series"]] = snap.name_groups[sel] == profile.group
    return out


_GAPS = np.arange(256, dtype=np.float32)
_ERA_TABLE = np.exp(-_GAPS / ERA_SCALE).astype(np.float32)  # |Δyear| -> feature, looked up instead of exp()
_ERA_CLOSE_TABLE = np.exp(-_GAPS / ERA_CLOSE_SCALE).astype(np.float32)


# Per snapshot (weakly keyed, so it goes with the snapshot): query-independent arrays of the ranking, per weights.
_CACHES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _static_prior(snap, ranker: Ranker) -> np.ndarray:
    """The query-independent part of the prior (votes, rating, story), once per build and weights."""
    cache = _CACHES.setdefault(snap, {})
    key = ("static", ranker.weights.tobytes())
    hit = cache.get(key)
    if hit is None:
        w = ranker.weights
        hit = (w[F["votes"]] * snap.log_votes + w[F["rated"]] * snap.rated + w[F["rating"]] * snap.rating0
               + w[F["story"]] * snap.story).astype(np.float32)  # fmt: skip
        if len(cache) > 8:
            cache.clear()
        cache[key] = hit
    return hit


def prior(snap, ranker: Ranker, profile: Profile) -> np.ndarray:
    """`features(snap, profile, None, None) @ weights` for every title, without the (n, F) matrix: the same
    numbers (tests/test_rank.py checks it), computed as a sum of vectors over the whole catalog."""
    w = ranker.weights
    out = _static_prior(snap, ranker).copy()
    if profile.genre_bits:
        q = np.uint64(profile.genre_bits)
        inter = np.bitwise_count(snap.genre_bits & q).astype(np.float32)
        union = np.bitwise_count(snap.genre_bits | q).astype(np.float32)
        out += w[F["genres"]] * (inter / np.maximum(union, 1.0))
        out += w[F["genres_shared"]] * np.minimum(inter, MAX_SHARED)
    if profile.year:
        gap = np.minimum(np.abs(snap.years.astype(np.int32) - profile.year), 255)
        era = w[F["era"]] * _ERA_TABLE[gap] + w[F["era_close"]] * _ERA_CLOSE_TABLE[gap]
        out += np.where(snap.years > 0, era, np.float32(0.0))
    if profile.kind >= 0:
        out += w[F["same_kind"]] * (snap.kinds == profile.kind)
    if profile.directors:
        out += w[F["director"]] * (_people_hits(snap, profile.directors, snap.director_titles) > 0)
    if profile.lead_cast:
        out += w[F["cast"]] * np.minimum(_people_hits(snap, profile.lead_cast, snap.cast_titles), MAX_SHARED)
    if profile.language >= 0:
        out += w[F["language"]] * (snap.lang_codes == profile.language)
    if profile.group >= 0:
        out += w[F["series"]] * (snap.name_groups == profile.group)
    return out


def rank(
    snap,
    ranker: Ranker,
    q: np.ndarray,
    profile: Profile,
    mask: np.ndarray | None,
    exclude: list[int],
) -> Ranked:
    """Every candidate for unit vector `q` scored and sorted, best first (ties by key: stable across calls)."""
    q = np.asarray(q, dtype=np.float32).reshape(-1)
    allowed = np.ones(snap.n, dtype=bool) if mask is None else mask.copy()
    if exclude:
        allowed[np.asarray(exclude, dtype=np.int64)] = False
    n_allowed = int(np.count_nonzero(allowed))
    if n_allowed == 0:
        empty = np.empty(0, np.int64)
        return Ranked(empty, np.empty(0, np.float32), np.empty(0, np.float32),
                      np.zeros((0, len(FEATURES)), np.float32), np.zeros(len(FEATURES), np.float32))  # fmt: skip
    # With a prior pool the content pool only has to hold the candidates that similarity alone would lift (the fit
    # is the same with 50 or 300 of them, bench/README.md), so it is taken from a narrow HNSW walk; without one the
    # content pool is the answer and must be the true nearest.
    content = top_k(snap, q, min(ranker.pool_content, n_allowed), mask, exclude, rescore=ranker.pool_prior == 0).keys
    parts = [content]
    if ranker.pool_prior > 0:
        scores = prior(snap, ranker, profile)
        if ranker.sink_no_story and profile.story:
            scores -= NO_STORY_SINK * (~snap.story)
        scores[~allowed] = -np.inf
        m = min(ranker.pool_prior, n_allowed)
        best = np.argpartition(-scores, m - 1)[:m] if m < snap.n else np.arange(snap.n)
        parts.append(best[np.isfinite(scores[best])])
    keys = np.unique(np.concatenate(parts).astype(np.int64))
    order = np.argsort(keys)  # memmap gathers read faster in key order (unique already sorts)
    cosines = np.asarray(snap.vectors[keys[order]], dtype=np.float32) @ q
    feats = features(snap, profile, keys, cosines)
    scores = feats @ ranker.weights
    if ranker.sink_no_story and profile.story:
        scores = scores - NO_STORY_SINK * (~snap.story[keys])
    best = np.lexsort((keys, -scores))
    # What "stands out" is measured against: the median of the best MEDIAN_OF candidates (the company a result
    # keeps on its page, not the whole pool).
    top = feats[best[:MEDIAN_OF]]
    median = np.median(top, axis=0) if len(top) else np.zeros(len(FEATURES), np.float32)
    return Ranked(keys[best], scores[best].astype(np.float32), cosines[best], feats[best], median.astype(np.float32))
