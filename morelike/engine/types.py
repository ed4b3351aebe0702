"""The engine's public values: what every face (Discord, REST, terminal) receives and passes in.

All frozen, so a face can cache or share them across threads without copying.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

from morelike.catalog.watch import SERVICES, Offer
from morelike.engine.filters import DiscordOption, FilterSpec, declare, genre_slug, specs

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


def _opt_number(name: str, value: Any, kind: type, lo: float, hi: float) -> int | float | None:
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


def _genre_tuple(name: str, value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    out: list[str] = []
    for g in value:
        if not isinstance(g, str) or not g.strip():
            raise FilterError(name, f"{name} must be genre names, got {g!r}")
        slug = genre_slug(g)
        if slug not in out:
            out.append(slug)
    return tuple(out)


def _choice(spec: FilterSpec, value: Any) -> str | tuple[str, ...] | None:
    name = spec.field
    if spec.many:  # any of several: each must be offered, exactly as offered
        given = (value,) if isinstance(value, str) else value
        if not isinstance(given, tuple | list) or any(v not in spec.choices for v in given):
            raise FilterError(name, f"{name} must name {spec.what}s among {', '.join(spec.choices)}, got {value!r}")
        return tuple(dict.fromkeys(given))
    if value is None:
        return None
    folded = value.strip().lower() if isinstance(value, str) else None
    if folded in spec.unset:
        return None
    if folded is None or folded not in (*spec.choices, *spec.hidden):
        raise FilterError(name, f"{name} must be one of {', '.join(spec.offered)}, got {value!r}")
    return folded


def _language(name: str, value: Any) -> str | None:
    """The shape of a language code; the faces check it names one (`morelike.engine.languages.iso639_1`)."""
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip().isalpha() or len(value.strip()) > 8:
        raise FilterError(name, f"{name} must be a language code such as 'en', got {value!r}")
    return value.strip().lower()


def _checked(spec: FilterSpec, value: Any) -> Any:
    """A filter's value as the engine keeps it, by its declared type; FilterError naming the field otherwise."""
    if spec.type == "choice":
        return _choice(spec, value)
    if spec.type == "genre":
        return _genre_tuple(spec.field, value)
    if spec.type == "language":
        return _language(spec.field, value)
    lo = -math.inf if spec.minimum is None else spec.minimum
    hi = math.inf if spec.maximum is None else spec.maximum
    return _opt_number(spec.field, value, int if spec.type == "whole" else float, lo, hi)


@dataclass(frozen=True)
class Filters:
    """Every filter is optional; all given ones must hold (genres: the title has ALL of `genres`, NONE of
    `exclude_genres`). A title whose value is unknown (no runtime, no rating…) fails a filter on that value.

    Each field is a filter's one declaration (`morelike.engine.filters`): its type, bounds and texts, and how each
    face offers it. The faces derive their options from these; the engine's mask is `search._build_mask`."""

    kind: str | None = declare(
        FilterSpec(
            "choice",
            "movie, show or both (default both)",
            choices=KIND_CHOICES,
            unset=("both", "all", ""),
            discord=DiscordOption("kind", "k", discover=True, state_values={"movie": "m", "show": "s"}),
            shown={"movie": "filters.movies_only", "show": "filters.shows_only"},
        )
    )
    genres: tuple[str, ...] = declare(
        FilterSpec(
            "genre",
            "genre every result must have (repeat or comma-separate for several)",
            many=True,
            param="genre",
            example="crime",
            discord=DiscordOption("genre", "g", discover=True),
            shown="filters.genre",
        )
    )
    exclude_genres: tuple[str, ...] = declare(
        FilterSpec(
            "genre",
            "genre no result may have (repeat or comma-separate); not one of the required genres",
            many=True,
            param="exclude_genre",
            disjoint="genres",
            discord=DiscordOption("exclude_genre", "x"),
            shown="filters.no_genre",
        )
    )
    year_min: int | None = declare(
        FilterSpec(
            "whole",
            "earliest release year",
            minimum=1800,
            maximum=2200,
            at_most="year_max",
            metavar="YEAR",
            discord=DiscordOption("year_from", "a"),
            shown="filters.from_year",
            shown_range="filters.years",
        )
    )
    year_max: int | None = declare(
        FilterSpec(
            "whole",
            "latest release year",
            minimum=1800,
            maximum=2200,
            metavar="YEAR",
            discord=DiscordOption("year_to", "b"),
            shown="filters.until_year",
        )
    )
    runtime_min: int | None = declare(
        FilterSpec(
            "whole",
            "shortest runtime in minutes",
            minimum=0,
            maximum=100_000,
            at_most="runtime_max",
            metavar="MIN",
            shown="filters.runtime_min",
        )
    )
    runtime_max: int | None = declare(
        FilterSpec(
            "whole",
            "longest runtime in minutes",
            minimum=0,
            maximum=100_000,
            metavar="MIN",
            discord=DiscordOption("max_runtime", "t"),
            shown="filters.runtime_max",
        )
    )
    language: str | None = declare(  # ISO 639-1, e.g. "fr"
        FilterSpec(
            "language",
            "original language, an ISO 639-1 code (e.g. fr)",
            metavar="CODE",
            example="fr",
            discord=DiscordOption("language", "l"),
            shown="filters.language",
        )
    )
    rating_min: float | None = declare(
        FilterSpec(
            "number",
            "lowest rating, 0-10",
            minimum=0,
            maximum=10,
            metavar="R",
            discord=DiscordOption("min_rating", "r"),
            shown="filters.rating_min",
        )
    )
    votes_min: int | None = declare(
        FilterSpec(
            "whole",
            "fewest votes behind the rating (a popularity floor)",
            minimum=0,
            maximum=10**12,
            metavar="N",
            shown="filters.votes_min",
        )
    )
    on: tuple[str, ...] = declare(  # the title was on ANY of these services (morelike.catalog.watch.SERVICES)
        FilterSpec(
            "choice",
            "a streaming service the title was on (repeat or comma-separate: any of them); the bundled catalog's "
            "data is the US catalogs of mid-2022, each title's `watch` says the region and date of its own",
            many=True,
            choices=tuple(SERVICES),
            noun="service",
            metavar="SERVICE",
            example="netflix",
            discord=DiscordOption("on", "o", discover=True),
        )
    )
    anime: str | None = declare(  # None: the query decides (`Engine.similar`)
        FilterSpec(
            "choice",
            "only anime, exclude it, or include it among the rest; unset, a title's similar titles leave anime out "
            "unless the title is anime (then live action is left out), and other searches include it",
            choices=ANIME_CHOICES,
            hidden=(ANIMATED,),
            discord=DiscordOption("anime", "n", discover=True),
        )
    )

    def __post_init__(self) -> None:
        declared = specs(type(self))
        for spec in declared:
            object.__setattr__(self, spec.field, _checked(spec, getattr(self, spec.field)))
        for spec in declared:  # the rules between two filters, once each alone is known to be good
            if spec.disjoint:
                both = set(getattr(self, spec.field)) & set(getattr(self, spec.disjoint))
                if both:
                    raise FilterError(spec.field, f"{spec.what} {sorted(both)[0]!r} is both required and excluded")
            if spec.at_most:
                a, b = getattr(self, spec.field), getattr(self, spec.at_most)
                if a is not None and b is not None and a > b:
                    raise FilterError(spec.field, f"{spec.field} ({a}) is greater than {spec.at_most} ({b})")

    @property
    def active(self) -> bool:
        """Whether any title can fail these filters (`anime="include"` lets every title through)."""
        return (self if self.anime != "include" else replace(self, anime=None)) != type(self)()


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
