"""The engine's public values: what every face (Discord, REST, terminal) receives and passes in.

All frozen, so a face can cache or share them across threads without copying.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from morelike.catalog.watch import SERVICES, Offer

KIND_CHOICES = ("movie", "show")
# The `anime` filter: anime titles only, none, or both kinds mixed. Unset, `Engine.similar` decides from the query
# (an anime query keeps animation, a live-action one leaves anime out); ANIMATED is that first default, never typed.
ANIME_CHOICES = ("only", "exclude", "include")
ANIMATED = "animated"


class EngineError(Exception):
    """The engine cannot do what was asked; the message is one sentence a person can act on."""


class FilterError(EngineError, ValueError):
    """A filter value is unusable; `field` names the filter so an API can say which parameter is wrong."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name


@dataclass(frozen=True)
class TitleCard:
    id: str
    ref: str
    kind: str
    title: str
    original_title: str | None
    year: int | None
    runtime: int | None
    genres: tuple[str, ...]
    rating: float | None
    votes: int | None
    language: str | None
    country: str | None
    overview: str | None
    cast: tuple[str, ...]
    directors: tuple[str, ...]
    url: str | None
    poster: str | None
    anime: bool = False  # morelike.catalog.watch.is_anime
    watch: tuple[Offer, ...] = ()  # where it was on, with the region and date of that data (never "now")

    @property
    def label(self) -> str:
        """ "Heat (1995)": how a title is named in lists and pickers."""
        return f"{self.title} ({self.year})" if self.year else self.title


@dataclass(frozen=True)
class Candidate:
    card: TitleCard
    score: float  # 0..100, higher is a closer match to what was typed
    matched: str  # the text that matched (title, original title, id…)


@dataclass(frozen=True)
class Pick:
    """What every face does with a `Resolution` (`Resolution.pick()`): answer with `title`; or, `asks`, ask "Which
    one?" among `offered` (best first) and name `looser` as "did you mean"; or neither (nothing matched: the face
    says so in its own words)."""

    title: TitleCard | None = None  # the answer, when there is one
    offered: list[Candidate] = field(default_factory=list)  # the choices when asking (two or more)
    looser: list[Candidate] = field(default_factory=list)  # near matches named beside them, best first

    @property
    def asks(self) -> bool:
        return self.title is None and bool(self.offered)

    @property
    def best(self) -> TitleCard | None:
        """The answer, else the first choice: what a face takes when nobody can be asked (`ask --first`, no stdin)."""
        return self.title if self.title is not None or not self.offered else self.offered[0].card


@dataclass(frozen=True)
class Resolution:
    candidates: list[Candidate] = field(default_factory=list)
    clear: TitleCard | None = None  # set when one candidate is the unambiguous answer
    # The candidates that are the very title typed ("Heat": the films titled Heat, not "The Heat"), best first:
    # what every face offers to pick from. The resolver's rule (`resolve.TitleResolver._same_titles`), so the
    # faces never re-derive it from `matched`.
    same_title: list[Candidate] = field(default_factory=list)

    @property
    def looser(self) -> list[Candidate]:
        """The other candidates, best first: near matches a face may offer as "did you mean"."""
        same = {c.card.id for c in self.same_title}
        return [c for c in self.candidates if c.card.id not in same]

    def pick(self) -> Pick:
        """ "Which title did you mean", decided once for every face: the clear title, or the only one offered, is
        the answer; else the same-title entries ("Heat" 1972, 1986, 1995) are the choices and the looser matches
        ("The Heat") are named as "did you mean" beside them, never mixed in; with no same-title entry every
        candidate is a choice (typos, partial titles)."""
        if self.clear is not None:
            return Pick(title=self.clear)
        offered = self.same_title or self.candidates
        if len(offered) == 1:
            return Pick(title=offered[0].card)
        return Pick(offered=list(offered), looser=self.looser if self.same_title else [])


def _opt_number(name: str, value, kind: type, lo: float, hi: float):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FilterError(name, f"{name} must be a number, got {value!r}")
    if kind is int:
        if isinstance(value, float) and not value.is_integer():
            raise FilterError(name, f"{name} must be a whole number, got {value!r}")
        value = int(value)
    else:
        value = float(value)
    if not lo <= value <= hi:
        raise FilterError(name, f"{name} must be between {lo:g} and {hi:g}, got {value!r}")
    return value


def _genre_tuple(name: str, value) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    out: list[str] = []
    for g in value:
        if not isinstance(g, str) or not g.strip():
            raise FilterError(name, f"{name} must be genre names, got {g!r}")
        slug = g.strip().lower().replace(" ", "-")
        if slug not in out:
            out.append(slug)
    return tuple(out)


@dataclass(frozen=True)
class Filters:
    """Every filter is optional; all given ones must hold (genres: the title has ALL of `genres`, NONE of
    `exclude_genres`). A title whose value is unknown (no runtime, no rating…) fails a filter on that value."""

    kind: str | None = None  # "movie", "show", or None/"both"
    genres: tuple[str, ...] = ()
    exclude_genres: tuple[str, ...] = ()
    year_min: int | None = None
    year_max: int | None = None
    runtime_min: int | None = None
    runtime_max: int | None = None
    language: str | None = None  # ISO 639-1, e.g. "fr"
    rating_min: float | None = None
    votes_min: int | None = None
    on: tuple[str, ...] = ()  # services (morelike.catalog.watch.SERVICES): the title was on ANY of them
    anime: str | None = None  # ANIME_CHOICES, or ANIMATED (anime or animation); None: the query decides

    def __post_init__(self) -> None:
        kind = self.kind
        if kind is not None:
            if not isinstance(kind, str) or kind.strip().lower() not in (*KIND_CHOICES, "both", "all", ""):
                raise FilterError("kind", f"kind must be movie, show or both, got {kind!r}")
            kind = kind.strip().lower()
            object.__setattr__(self, "kind", kind if kind in KIND_CHOICES else None)
        object.__setattr__(self, "genres", _genre_tuple("genres", self.genres))
        object.__setattr__(self, "exclude_genres", _genre_tuple("exclude_genres", self.exclude_genres))
        both = set(self.genres) & set(self.exclude_genres)
        if both:
            raise FilterError("exclude_genres", f"genre {sorted(both)[0]!r} is both required and excluded")
        for name in ("year_min", "year_max"):
            object.__setattr__(self, name, _opt_number(name, getattr(self, name), int, 1800, 2200))
        for name in ("runtime_min", "runtime_max"):
            object.__setattr__(self, name, _opt_number(name, getattr(self, name), int, 0, 100_000))
        object.__setattr__(self, "rating_min", _opt_number("rating_min", self.rating_min, float, 0, 10))
        object.__setattr__(self, "votes_min", _opt_number("votes_min", self.votes_min, int, 0, 10**12))
        for lo, hi in (("year_min", "year_max"), ("runtime_min", "runtime_max")):
            a, b = getattr(self, lo), getattr(self, hi)
            if a is not None and b is not None and a > b:
                raise FilterError(lo, f"{lo} ({a}) is greater than {hi} ({b})")
        lang = self.language
        if lang is not None:
            if not isinstance(lang, str) or not lang.strip().isalpha() or len(lang.strip()) > 8:
                raise FilterError("language", f"language must be a language code such as 'en', got {lang!r}")
            object.__setattr__(self, "language", lang.strip().lower())
        on = (self.on,) if isinstance(self.on, str) else self.on
        if not isinstance(on, tuple | list) or any(s not in SERVICES for s in on):
            raise FilterError("on", f"on must name services among {', '.join(SERVICES)}, got {self.on!r}")
        object.__setattr__(self, "on", tuple(dict.fromkeys(on)))
        if self.anime is not None and self.anime not in (*ANIME_CHOICES, ANIMATED):
            raise FilterError("anime", f"anime must be one of {', '.join(ANIME_CHOICES)}, got {self.anime!r}")

    @property
    def active(self) -> bool:
        """Whether any title can fail these filters (`anime="include"` lets every title through)."""
        return (self if self.anime != "include" else replace(self, anime=None)) != Filters()


@dataclass(frozen=True)
class Recommendation:
    card: TitleCard
    score: float  # ranking score: cosine similarity, plus the boost when the boost is on
    why: str  # one short line: shared genres, shared people, similarity % (an i18n.Why: English, and its reasons)


@dataclass(frozen=True)
class SimilarPage:
    query: TitleCard | None  # the title asked about (None for free text and blends)
    items: list[Recommendation]
    page: int
    k: int
    has_more: bool
    series: list[TitleCard] = field(default_factory=list)  # the query's own series, when franchise handling is on
