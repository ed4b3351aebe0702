"""The final ranking: the story finds the candidates, and what else the catalog knows orders them.

Candidates are the titles whose stories are nearest the query's, and nothing else (issue 19): the `pool_content`
nearest of all (for a catalog title, the build's stored nearest titles that pass the filter) and the `pool_known`
nearest among the well-known titles (`well_known`: fame >= KNOWN_FAME, a scan of their vectors), since the titles a fan
names are well known and a title three thousand places down the story ranking is rarely one; and, where the build
has the free-text space, the `pool_text` well-known titles nearest under that second reading of the story. People,
era and popularity then re-order titles whose stories are alike; they never bring in a story that is not (before, a
prior pool of the best titles by everything but the story made "Now You See Me" answer with other Morgan Freeman
films).

The score is a linear model over features a film fan would name, with weights fitted by `bench/fit_ranker.py` as a
pairwise ranker inside this pool, on both kinds of public "more like this" judgments (behaviour and content lists;
the fan panel only judges), and shipped in `ranker_weights.json`:

    content, content_sq   cosine of the two texts' vectors (and its square)
    content_text          cosine of the same texts under the build's free-text model (`[model] free_text`,
                          trained on another teacher: a second reading of the story); `content` where the build
                          has no free-text space
    genres, genres_shared Jaccard of the genre sets, and the number of genres in common (up to 3)
    era, era_close        exp(-|Δyear| / 20) and exp(-|Δyear| / 5)
    fame, rated, rating   the title's votes as a percentile within its rating source (snapshot.fame), has any
                          votes, the rating where rated
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
FAMILY_NEAR. The pool does not depend on the page asked for, so pages are consecutive slices of one ranking.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numkong
import numpy as np

from morelike.engine.search import POOL_ENOUGH, SearchResult, top_k
from morelike.vectors import catalog_sample

if TYPE_CHECKING:
    from morelike.engine.snapshot import Snapshot

FEATURES = (
    "content",
    "content_sq",
    "content_text",
    "genres",
    "genres_shared",
    "era",
    "era_close",
    "fame",
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
# What a description can have (its one reading of the story, and the title's own standing).
FREE_TEXT_FEATURES = ("content", "content_sq", "fame", "rated", "rating", "story")
FREE_TEXT_POOL = 300  # a description's candidates: its nearest texts (the same depth as the plain cosine's pool)
# The candidate pool: the nearest stories of all, and the nearest among the well-known titles (bench/README.md has
# the sizes measured).
POOL_CONTENT, POOL_KNOWN = 64, 1500
POOL_TEXT = 800  # and the nearest well-known titles in the free-text space (the second reading of the story)
KNOWN_FAME = 0.5  # the well-known titles: at least half of their rating source's titles have fewer votes
# ... and at most this many of them, the best known first: each query scans them all, and at Trakt's size (1.3M
# titles) half of every rating source is 302k titles, a 25 ms scan and sort per query. The bundled catalog has 13k.
KNOWN_MAX = 50_000
# People (a shared director, shared leads) re-order titles whose stories are alike: they count for a title only
# when its story is among the query's nearest PEOPLE_NEAR share of the catalog. Ungated, a fitted cast weight made
# "Now You See Me" answer with other Morgan Freeman films (The Dark Knight, Oblivion, Lucy).
PEOPLE_NEAR = 0.01
# A shared director counts within the query's nearest 5 %: an auteur's tone carries further than a star's face
# (bench/README.md: fan R@20 0.371 -> 0.379 against the 1 % gate, recs 0.1067 -> 0.1078).
DIRECTOR_NEAR = 0.05
# The int8 scan's rounding (at most 0.005 of cosine) moves a title up to 74 places at the edge of a pool of 1,500
# well-known titles of the bundled catalog (800 in the free-text space: 54; 300 queries each); twice that many more
# are scored exactly, so the pool is the exact one.
SCAN_MARGIN = 160
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
    texts: tuple[int, ...] = ()  # the query's titles, whose free-text vectors (their mean) give `content_text`
    # People and family links count only for titles at least this close in story (story_floor: the query's nearest
    # PEOPLE_NEAR of the catalog); -inf until rank() sets it from the query's vector.
    people_floor: float = -np.inf
    director_floor: float = -np.inf  # the same for a shared director (its nearest DIRECTOR_NEAR)

    @classmethod
    def of(cls, snap: Snapshot, keys: list[int]) -> Profile:
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
            texts=tuple(keys) if snap.free_text is not None else (),
        )


@dataclass(frozen=True)
class Ranker:
    weights: np.ndarray  # float32, one per FEATURES entry
    model: str = ""  # what the weights were fitted for (informational: any index can use them)
    recipe: str = ""
    pool_content: int = POOL_CONTENT
    pool_known: int = POOL_KNOWN
    pool_text: int = POOL_TEXT
    fitted: dict | None = None  # how the fit went (bench/fit_ranker.py)
    # The same fit with one reading of the story (content_text held at 0): for a description, which has no second
    # reading, and for a build without the free-text space. None (an older weights file): `weights` throughout.
    one_reading: np.ndarray | None = None
    sink_no_story: bool = True  # the no-story rule (off only for bench baselines)

    @classmethod
    def load(cls, path: Path = WEIGHTS_FILE) -> Ranker:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            return cls(
                weights=_weights_of(data["weights"], path),
                model=str(data.get("model", "")),
                recipe=str(data.get("recipe", "")),
                pool_content=int(data.get("pool_content", POOL_CONTENT)),
                pool_known=int(data.get("pool_known", POOL_KNOWN)),
                pool_text=int(data.get("pool_text", POOL_TEXT)),
                fitted=data.get("fitted"),
                one_reading=_weights_of(data["one_reading_weights"], path) if "one_reading_weights" in data else None,
            )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            if isinstance(exc, RankerError):
                raise
            raise RankerError(f"the ranker weights in {path} cannot be read ({exc})") from None

    @classmethod
    def cosine_only(cls) -> Ranker:
        """Plain cosine (bench baselines and tests): every other weight zero, the nearest stories only."""
        w = np.zeros(len(FEATURES), dtype=np.float32)
        w[F["content"]] = 1.0
        return cls(weights=w, model="", recipe="", pool_content=300, pool_known=0, sink_no_story=False)

    def for_free_text(self) -> Ranker:
        """These fitted weights for a description: only the features a description and a title can share (the
        story's closeness) or that are the title's own (how well known and how well rated it is, whether it has a
        story); a description has no genres, era, kind or people to match, and one reading of the story (the
        free-text space): the one-reading fit where the weights file has it. The candidates are the true nearest
        FREE_TEXT_POOL texts, which the weights then order as they order alike stories for /similar."""
        fitted = self.one_reading if self.one_reading is not None else self.weights
        w = np.zeros(len(FEATURES), dtype=np.float32)
        for name in FREE_TEXT_FEATURES:
            w[F[name]] = fitted[F[name]]
        return replace(
            self,
            weights=w,
            one_reading=None,
            pool_content=FREE_TEXT_POOL,
            pool_known=0,
            pool_text=0,
            sink_no_story=True,
        )

    def weights_for(self, snap: Snapshot) -> np.ndarray:
        """The weights for ranking in `snap`: the one-reading fit where the build has no free-text space."""
        if snap.free_text is None and self.one_reading is not None:
            return self.one_reading
        return self.weights

    def to_json(self) -> dict:
        out = {
            "model": self.model,
            "recipe": self.recipe,
            "pool_content": self.pool_content,
            "pool_known": self.pool_known,
            "pool_text": self.pool_text,
            "weights": _weights_json(self.weights),
        }
        if self.one_reading is not None:
            out["one_reading_weights"] = _weights_json(self.one_reading)
        out["fitted"] = self.fitted or {}
        return out


def _weights_of(weights: dict, path: Path) -> np.ndarray:
    missing = [f for f in FEATURES if f not in weights]
    if missing:
        raise RankerError(f"{path} lacks weights for {', '.join(missing)}")
    return np.asarray([float(weights[f]) for f in FEATURES], dtype=np.float32)


def _weights_json(weights: np.ndarray) -> dict[str, float]:
    return {f: round(float(w), 6) for f, w in zip(FEATURES, weights, strict=True)}


def boosted(ranker: Ranker, weight: float) -> Ranker:
    """The cast/director boost (`[engine] boost`): a shared director adds `weight` x the content weights (0.15: as
    much as 15% of a perfect content match under both readings), each shared lead half that, on top of the fitted
    weights."""

    def boost(weights: np.ndarray) -> np.ndarray:
        w = weights.copy()
        extra = weight * (abs(float(w[F["content"]])) + abs(float(w[F["content_text"]])))  # both readings
        w[F["director"]] += extra
        w[F["cast"]] += extra / 2
        return w

    one = boost(ranker.one_reading) if ranker.one_reading is not None else None
    return replace(ranker, weights=boost(ranker.weights), one_reading=one)


def _hits(people: tuple[int, ...], inverted) -> tuple[np.ndarray, np.ndarray]:
    """(the titles listing any of `people`, sorted; how many of them each lists), read off the inverted lists
    without a pass over the catalog."""
    parts = [inverted.of(p) for p in people]
    if not parts:
        return np.empty(0, np.int64), np.empty(0, np.float32)
    keys, counts = np.unique(np.concatenate(parts), return_counts=True)
    return keys.astype(np.int64), counts.astype(np.float32)


def _people_hits(snap: Snapshot, people: tuple[int, ...], inverted, keys: np.ndarray | None = None) -> np.ndarray:
    """Per title of `keys` (None: every title), how many of `people` it lists (float32)."""
    hit_keys, counts = _hits(people, inverted)
    if keys is None:
        out = np.zeros(snap.n, dtype=np.float32)
        out[hit_keys] = counts
        return out
    if len(hit_keys) == 0:
        return np.zeros(len(keys), dtype=np.float32)
    pos, found = _lookup(hit_keys, keys)
    return np.where(found, counts[pos], np.float32(0.0)).astype(np.float32)


def features(
    snap: Snapshot,
    profile: Profile,
    keys: np.ndarray | None,
    cosines: np.ndarray | None,
    text_cosines: np.ndarray | None = None,
) -> np.ndarray:
    """The feature matrix of `keys` (None: every title) against `profile`; content columns are 0 when
    `cosines` is None. `text_cosines`: the free-text space's cosines of `keys` when the caller has them."""
    sel = slice(None) if keys is None else keys
    n = snap.n if keys is None else len(keys)
    out = np.zeros((n, len(FEATURES)), dtype=np.float32)
    if cosines is not None:
        out[:, F["content"]] = cosines
        out[:, F["content_sq"]] = cosines * cosines
    if text_cosines is not None:
        out[:, F["content_text"]] = text_cosines
    elif profile.texts and snap.free_text is not None:
        out[:, F["content_text"]] = _text_cosines(snap.free_text.vectors, profile.texts, sel)
    elif cosines is not None:
        # A build without the free-text space (`free_text = ""`): the one reading stands in for the second, so the
        # fitted weights keep their shape (alone, content's fitted curve peaks at cosine 0.67 and would rank a
        # middling story above a near-identical one).
        out[:, F["content_text"]] = cosines
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
    out[:, F["fame"]] = snap.fame[sel]
    out[:, F["rated"]] = snap.rated[sel]
    out[:, F["rating"]] = snap.rating0[sel]
    out[:, F["story"]] = snap.story[sel]
    if profile.kind >= 0:
        out[:, F["same_kind"]] = snap.kinds[sel] == profile.kind
    if profile.directors:
        out[:, F["director"]] = _people_hits(snap, profile.directors, snap.director_titles, keys) > 0
    if profile.lead_cast:
        out[:, F["cast"]] = np.minimum(_people_hits(snap, profile.lead_cast, snap.cast_titles, keys), MAX_SHARED)
    out[:, F["series"]], out[:, F["family"]] = _franchise_columns(snap, profile, keys)
    if np.isfinite(profile.people_floor):  # people and family links count for alike stories only
        far = cosines < profile.people_floor if cosines is not None else np.ones(n, dtype=bool)
        far_d = cosines < profile.director_floor if cosines is not None else np.ones(n, dtype=bool)
        out[far_d, F["director"]] = 0.0
        out[far, F["cast"]] = 0.0
        out[far, F["family"]] = 0.0
    if profile.language >= 0:
        out[:, F["language"]] = snap.lang_codes[sel] == profile.language
    return out


def _text_cosines(vectors: np.ndarray, query: tuple[int, ...], sel) -> np.ndarray:
    """Cosines in the free-text space between the mean of the query titles' vectors and the rows `sel`."""
    return np.asarray(vectors[sel], dtype=np.float32) @ _text_query(vectors, query)


def _text_query(vectors: np.ndarray, query: tuple[int, ...]) -> np.ndarray:
    """The query titles' mean free-text vector, unit length."""
    q = np.asarray(vectors[list(query)], dtype=np.float32).mean(axis=0)
    return q / max(float(np.linalg.norm(q)), 1e-12)


def _franchise_columns(snap: Snapshot, profile: Profile, keys: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
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
            family = _lookup(kin, keys)[1]
    return series, family


_GAPS = np.arange(256, dtype=np.float32)
_ERA_TABLE = np.exp(-_GAPS / ERA_SCALE).astype(np.float32)  # |Δyear| -> feature, looked up instead of exp()
_ERA_CLOSE_TABLE = np.exp(-_GAPS / ERA_CLOSE_SCALE).astype(np.float32)


class _Scan:
    """The well-known titles' rows of one space, twice: in int8, packed for numkong's SIMD dot products (VNNI where
    the CPU has it), which the scan of every row reads; and in f16 as stored, for the exact cosines of the few it
    picks. The f32 scan this replaced read 13.5 MB a space, evicted from cache by each query's other reads (1.4 ms
    a space on one thread, int8 0.4 ms; bench/README.md). Each dimension is scaled to its own range and the scale
    folded into the query, so the scan gives the cosine up to rounding (0.005 at most on the bundled catalog)."""

    def __init__(self, vectors: np.ndarray, keys: np.ndarray) -> None:
        self.rows = np.asarray(vectors[keys], dtype=np.float16)
        wide = self.rows.astype(np.float32)
        top = np.abs(wide).max(axis=0) if len(keys) else np.ones(vectors.shape[1], np.float32)
        self.scale = (np.where(top > 0, top, 1.0) / 127.0).astype(np.float32)
        self.packed = numkong.dots_pack(np.rint(wide / self.scale).astype(np.int8), dtype="int8") if len(keys) else None

    def sims(self, q: np.ndarray) -> np.ndarray:
        """Approximate cosines of every row with unit vector `q` (f32)."""
        if self.packed is None:
            return np.empty(0, np.float32)
        scaled = q * self.scale
        step = max(float(np.abs(scaled).max()), 1e-30) / 127.0
        x = scaled / step
        # The query in two int8 rows, its rounding and the rest at 1/254 of a step, read in the same pass over the
        # rows: a query rounded once made most of the scan's error (up to 0.019 of cosine on the bundled catalog;
        # in two rows 0.005, what the rows' own rounding leaves).
        high = np.rint(x)
        low = np.rint((x - high) * 254.0)
        both = np.asarray(numkong.dots_packed(np.stack([high, low]).astype(np.int8), self.packed), dtype=np.float32)
        return (both[0] + both[1] / np.float32(254.0)) * np.float32(step)


def dots(rows: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Cosines of f16 `rows` with unit vector `q` (f32 sums, numkong's f16 kernel: half the bytes of an f32 copy
    and no conversion pass). Every exact cosine of the ranking is this one function, so a title scores the same
    whichever part of the pool found it."""
    if not len(rows):
        return np.empty(0, np.float32)
    packed = numkong.dots_pack(np.asarray(q, dtype=np.float16)[None, :], dtype="f16")
    return np.asarray(numkong.dots_packed(np.asarray(rows, dtype=np.float16), packed), dtype=np.float32)[:, 0]


class _Known:
    """The well-known titles of one snapshot (sorted keys) and their rows in each space: the known pool is one
    int8 scan per space per query."""

    def __init__(self, snap: Snapshot) -> None:
        self.keys = well_known(snap)
        self.story = _Scan(snap.vectors, self.keys)
        text = snap.free_text
        self.text = _Scan(text.vectors, self.keys) if text is not None else None

    def cosines(self, scan: _Scan, vectors: np.ndarray, keys: np.ndarray, q: np.ndarray) -> np.ndarray:
        """Exact cosines of `keys` (sorted) with `q` in the space of `scan`, whose stored rows are `vectors`: read
        from the scan's copy where a title is well known, else from the store."""
        out = np.empty(len(keys), np.float32)
        if not len(keys):
            return out
        at, hit = _lookup(self.keys, keys)
        out[hit] = dots(scan.rows[at[hit]], q)
        if not hit.all():
            out[~hit] = dots(vectors[keys[~hit]], q)
        return out


def well_known(snap: Snapshot) -> np.ndarray:
    """The well-known titles (sorted keys): fame >= KNOWN_FAME, the KNOWN_MAX best known where more pass (by fame,
    then votes)."""
    keys = np.flatnonzero(snap.fame >= KNOWN_FAME).astype(np.int64)
    if len(keys) > KNOWN_MAX:
        order = np.lexsort((snap.votes[keys], snap.fame[keys]))  # the last key sorts first
        keys = np.sort(keys[order[-KNOWN_MAX:]])
    return keys


def prepare(snap: Snapshot) -> None:
    """Gather the snapshot's well-known titles and the catalog sample now (the engine calls it at load, so no query
    pays for it)."""
    _known(snap)
    _sample(snap)


def _sample(snap: Snapshot) -> _Scan:
    """The fixed catalog sample that "the query's nearest X %" is read from, as an int8 scan (a percentile of 4,096
    cosines does not need their last digit, and the f32 sample's 4 MB left the cache between queries)."""
    return snap.derived.cached("rank.sample", lambda: _Scan(snap.vectors, catalog_sample(snap.n)))


def _known(snap: Snapshot) -> _Known:
    return snap.derived.cached("rank.known", lambda: _Known(snap))


def story_floor(snap: Snapshot, q: np.ndarray, share: float = PEOPLE_NEAR) -> float:
    """The cosine that the query's nearest `share` of the catalog reaches, read off the fixed catalog sample."""
    return story_floors(snap, q, (share,))[0]


def story_floors(snap: Snapshot, q: np.ndarray, shares: tuple[float, ...]) -> tuple[float, ...]:
    """story_floor for several shares, from one pass over the sample."""
    sims = _sample(snap).sims(q)
    if len(sims) < 2:
        return tuple(-np.inf for _ in shares)
    kths = [len(sims) - 1 - int(share * (len(sims) - 1)) for share in shares]
    part = np.partition(sims, kths)
    return tuple(float(part[k]) for k in kths)


def gated(snap: Snapshot, profile: Profile, q: np.ndarray) -> Profile:
    """`profile` with both story gates set for `q`: people (PEOPLE_NEAR) and a shared director (DIRECTOR_NEAR)."""
    people, director = story_floors(snap, q, (PEOPLE_NEAR, DIRECTOR_NEAR))
    return replace(profile, people_floor=people, director_floor=director)


def with_story_floor(snap: Snapshot, profile: Profile, q: np.ndarray) -> Profile:
    """`profile` with its people and family gate set for query vector `q` (rank() and bench/fit_ranker.py use it
    alike)."""
    if np.isfinite(profile.people_floor) or not (profile.directors or profile.lead_cast or profile.kin):
        return profile  # set already (Engine.similar reads it once for the series list too), or nothing to gate
    return gated(snap, profile, q)


def _exact_best(known: _Known, scan: _Scan, vectors: np.ndarray, q: np.ndarray, m: int, mask, excluded):
    """The `m` well-known titles nearest `q` in the space of `scan`, by exact cosine: the scan's best m + SCAN_MARGIN
    (its rounding cannot move a title further), scored exactly, the best m kept. (sorted keys, cosines)."""
    if m <= 0 or not len(known.keys):
        return np.empty(0, np.int64), np.empty(0, np.float32)
    sims = scan.sims(q)
    if mask is not None:
        sims[~mask[known.keys]] = -np.inf
    if len(excluded):
        at, found = _lookup(known.keys, excluded)
        sims[at[found]] = -np.inf
    take = min(m + SCAN_MARGIN, len(sims))
    picked = np.argpartition(-sims, take - 1)[:take]
    picked = np.sort(picked[np.isfinite(sims[picked])])  # positions in known.keys, so keys come out sorted
    cos = dots(scan.rows[picked], q)
    if len(picked) > m:
        best = np.sort(np.argpartition(-cos, m - 1)[:m])
        picked, cos = picked[best], cos[best]
    return known.keys[picked], cos


@dataclass(frozen=True)
class Ranked:
    keys: np.ndarray  # int64, best first
    scores: np.ndarray  # float32 final score
    cosines: np.ndarray  # float32 content similarity
    pool_median: np.ndarray  # (len(FEATURES),) the median candidate: what "stands out" is measured against
    snap: Snapshot | None = None
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
        assert self.snap is not None and self.profile is not None, "rows of a ranking that rank() made"
        return features(self.snap, self.profile, self.keys[idx], self.cosines[idx])


def _empty_ranked() -> Ranked:
    return Ranked(np.empty(0, np.int64), np.empty(0, np.float32), np.empty(0, np.float32),
                  np.zeros(len(FEATURES), np.float32))  # fmt: skip


def _stored_neighbours(
    snap: Snapshot, key: int | None, need: int, mask: np.ndarray | None, excluded: np.ndarray
) -> SearchResult | None:
    """The content pool from the build's stored nearest titles of `key` (SearchResult, scores not set): at most
    `need` of them, those that pass the filter; None when the build stored none (or `q` is no catalog title)."""
    if key is None or snap.neighbours is None or need <= 0:
        return None
    near = np.asarray(snap.neighbours[key], dtype=np.int64)
    near = near[near >= 0]
    if mask is not None:
        near = near[mask[near]]
    near = _not_in(near, excluded)
    near = near[:need]
    return SearchResult(near, np.zeros(len(near), np.float32), "stored", exhausted=False)


def _keep_family_near(snap: Snapshot, profile: Profile, keys, scores, cosines, sink: bool):
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


def candidates(
    snap: Snapshot,
    ranker: Ranker,
    q: np.ndarray,
    mask: np.ndarray | None,
    excluded: np.ndarray,
    n_allowed: int,
    query_key: int | None = None,
    texts: tuple[int, ...] = (),
) -> tuple[np.ndarray, np.ndarray]:
    """The pool rank() scores, (keys, cosines): the `pool_known` nearest well-known stories and the nearest stories
    of all titles, as many as make `pool_content + pool_known` in all (more when the catalog, or a filter, has
    few well-known titles), and the `pool_text` well-known titles nearest the query titles `texts` in the free-text
    space, among the titles that pass `mask` and are not `excluded` (sorted keys).

    A catalog title's nearest stories are the build's stored neighbours that pass the filter when enough pass
    (search.POOL_ENOUGH): no walk per query. Without a known pool (plain cosine, free text), the content pool is the
    answer and must be the true nearest, with exact cosines."""
    keys, cosines, _ = _pool(snap, ranker, q, mask, excluded, n_allowed, query_key, texts)
    return keys, cosines


def _pool(snap, ranker, q, mask, excluded, n_allowed, query_key, texts):
    """candidates(), and the pool's cosines in the free-text space when the query has that reading (None if not)."""
    total = min(ranker.pool_content + max(ranker.pool_known, 0), n_allowed)
    if ranker.pool_known <= 0:
        pool = top_k(snap, q, total, mask, excluded.tolist(), rescore=True)
        return pool.keys.astype(np.int64), pool.scores.astype(np.float32), None
    well_known = _known(snap)
    known, known_cos = _exact_best(well_known, well_known.story, snap.vectors, q, ranker.pool_known, mask, excluded)
    text_space = snap.free_text if ranker.pool_text > 0 and texts else None
    text_scan = well_known.text if text_space is not None else None
    if text_space is not None and text_scan is not None:
        qt = _text_query(text_space.vectors, texts)
        by_text, by_text_cos = _exact_best(
            well_known, text_scan, text_space.vectors, qt, ranker.pool_text, mask, excluded
        )
        extra = _not_in(by_text, known)
        known = np.concatenate([known, extra])
        known_cos = np.concatenate([known_cos, well_known.cosines(well_known.story, snap.vectors, extra, q)])
    need = max(min(ranker.pool_content, n_allowed), total - len(known))
    content = _stored_neighbours(snap, query_key, need, mask, excluded)
    # The stored nearest that pass the filter are the content pool when POOL_ENOUGH of them pass: the default
    # `anime` filter drops a few on most queries, and a walk for the last few would cost more than the rest of the
    # query (0.9 ms). A narrow filter (a decade, a language) leaves fewer: the index is searched for its own nearest.
    if content is None or len(content.keys) < need * POOL_ENOUGH:
        content = top_k(snap, q, need, mask, excluded.tolist(), rescore=False)
    near = _not_in(np.sort(content.keys.astype(np.int64)), known)
    keys = np.concatenate([near, known])
    cosines = np.concatenate([well_known.cosines(well_known.story, snap.vectors, near, q), known_cos])
    order = np.argsort(keys, kind="stable")
    keys, cosines = keys[order], cosines[order]
    if text_space is None or text_scan is None:
        return keys, cosines, None
    # The free-text cosines of the whole pool, exact as the story's: the text scan's picks have theirs already.
    text_cos = np.empty(len(keys), np.float32)
    at, have = _lookup(by_text, keys)
    text_cos[have] = by_text_cos[at[have]]
    text_cos[~have] = well_known.cosines(text_scan, text_space.vectors, keys[~have], qt)
    return keys, cosines, text_cos


def _lookup(sorted_keys: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each of `values` sits in `sorted_keys` and whether it is there: (positions, found). A binary search a
    value: at a query's sizes it beats the set-up of np.isin and np.setdiff1d, which sort both sides."""
    if not len(sorted_keys):
        return np.zeros(len(values), np.int64), np.zeros(len(values), bool)
    at = np.minimum(np.searchsorted(sorted_keys, values), len(sorted_keys) - 1)
    return at, sorted_keys[at] == values


def _not_in(keys: np.ndarray, sorted_keys: np.ndarray) -> np.ndarray:
    """The entries of `keys` absent from `sorted_keys`, in their order."""
    return keys[~_lookup(sorted_keys, keys)[1]]


def rank(
    snap: Snapshot,
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
    w = ranker.weights_for(snap)
    sink = ranker.sink_no_story and profile.story
    profile = with_story_floor(snap, profile, q)
    keys, cosines, text_cosines = _pool(snap, ranker, q, mask, excluded, n_allowed, query_key, profile.texts)
    feats = features(snap, profile, keys, cosines, text_cosines)
    scores = feats @ w
    if sink:
        scores = scores - NO_STORY_SINK * (~snap.story[keys])
    best = np.lexsort((keys, -scores))
    keys, scores, cosines = keys[best], scores[best].astype(np.float32), cosines[best].astype(np.float32)
    top = feats[best[:MEDIAN_OF]]
    if keep_family and (profile.kin or profile.named >= 0) and len(keys) > FAMILY_NEAR:
        moved = _keep_family_near(snap, profile, keys, scores, cosines, sink)
        if moved[0] is not keys:
            keys, scores, cosines = moved
            top = features(snap, profile, keys[:MEDIAN_OF], cosines[:MEDIAN_OF])
    # What "stands out" is measured against: the median of the best MEDIAN_OF candidates (the company a result
    # keeps on its page, not the whole pool).
    median = _median_rows(top)
    return Ranked(keys, scores, cosines, median.astype(np.float32), snap, profile, top)
