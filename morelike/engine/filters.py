"""How a filter is declared: once, as a field of `Filters` (morelike/engine/types.py), from which every face derives
what it offers.

A `FilterSpec` says what a value is (its `type`, bounds, choices), how people are told about it (`help`, `metavar`,
`shown`) and, where the Discord face offers it, under which option name and custom_id letter (`DiscordOption`). The
faces read the specs, never a list of their own: Discord's command options, choices and ranges and the filters a
custom_id carries (bot/discord_app), the REST API's query parameters and their OpenAPI schemas (bot/rest/params.py),
the terminal's flags (bot/terminal.py), and the engine's own checks (`Filters.__post_init__`). Adding a filter is a
field of `Filters`, its mask in `morelike.engine.search._build_mask`, and a test.

Each face handles each *type* once (a range of whole numbers is `Range[int, lo, hi]` on Discord, an integer schema
with minimum and maximum in REST, a `whole_number` flag in the terminal), so a new filter of a known type needs no
face code. Texts a face translates (Discord's option names and descriptions, the words of the result list's
filters line) are keyed in the message catalogue (morelike/locales/) by the names given here.

No import of the engine's types: `types.py` builds `Filters` from this vocabulary.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

# What a value is. `choice`: one of `choices` (text); `genre`: a genre of the served build, given as typed and
# compared as a slug (`genre_slug`); `whole` / `number`: an int / a float within [minimum, maximum]; `language`: an
# ISO 639-1 code (the faces check it against the code list, `morelike.engine.languages`).
FilterType = Literal["choice", "genre", "whole", "number", "language"]


@dataclass(frozen=True)
class DiscordOption:
    """How the Discord face offers a filter: option `name` of /similar (and of /discover when `discover`), carried
    in a result list's custom_ids under the one letter `state` (unique; `h` is taken by the member's `hide:`), a
    value shortened there through `state_values` when given. The option's texts are the catalogue's
    `option.<name>.name` / `option.<name>.description` (the spec's `help` where the catalogue has none)."""

    name: str
    state: str
    discover: bool = False
    state_values: Mapping[str, str] | None = None


@dataclass(frozen=True)
class FilterSpec:
    type: FilterType
    help: str  # one line, in English, for the REST document and the terminal's --help (and Discord's fallback)
    many: bool = False  # a tuple of values (any of them, or all of them: the engine's mask decides); else one
    param: str = ""  # the REST query parameter and the terminal flag (--year-min); "" means the field's name
    minimum: float | None = None  # whole / number: the bounds every face states and the engine enforces
    maximum: float | None = None
    choices: tuple[str, ...] = ()  # choice: the values offered
    unset: tuple[str, ...] = ()  # choice: values meaning "no filter" (the first is offered beside the choices)
    hidden: tuple[str, ...] = ()  # choice: values only the engine sets (never offered)
    noun: str = ""  # what one value is called in a sentence ("service"); "" means the type's name
    at_most: str = ""  # the field this one may not exceed (year_min <= year_max)
    disjoint: str = ""  # the field whose values this one may not share (exclude_genres vs genres)
    metavar: str | None = None  # the terminal's placeholder for the value (YEAR)
    example: Any = None  # a value for the REST document
    discord: DiscordOption | None = None
    # The words of the result list's filters line: a catalogue key whose `{value}` is the value (one per value of a
    # choice, as a mapping), and, on a lower bound whose `at_most` bound is set too, `shown_range` ({start}, {end}).
    # None: the filter is not named there.
    shown: str | Mapping[str, str] | None = None
    shown_range: str | None = None
    field: str = ""  # the `Filters` field: filled in by `specs()`

    @property
    def name(self) -> str:
        """The name a client types: the REST parameter, and the terminal flag without its dashes."""
        return self.param or self.field

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    @property
    def what(self) -> str:
        return self.noun or self.type

    @property
    def offered(self) -> tuple[str, ...]:
        """A choice's values as a client may send them: the choices, and the first `unset` value."""
        return (*self.choices, *self.unset[:1])

    @property
    def empty(self) -> Any:
        """The value that filters nothing."""
        return () if self.many else None


def declare(spec: FilterSpec) -> Any:
    """A `Filters` field declared by `spec` (its default filters nothing)."""
    return dataclasses.field(default=spec.empty, metadata={"filter": spec})


# Per class: a `Filters` is checked against its specs each time one is made. A dict rather than functools.cache,
# whose `Hashable` argument mypy refuses a `type[Filters]` for (python/mypy#11470).
_SPECS: dict[type, tuple[FilterSpec, ...]] = {}


def specs(filters_type: type) -> tuple[FilterSpec, ...]:
    """The declared filters of a `Filters` class (or a subclass adding one), in declaration order: the order every
    face lists them in."""
    if filters_type not in _SPECS:
        _SPECS[filters_type] = tuple(
            dataclasses.replace(f.metadata["filter"], field=f.name)
            for f in dataclasses.fields(filters_type)
            if "filter" in f.metadata
        )
    return _SPECS[filters_type]


def spec_of(filters_type: type, field_name: str) -> FilterSpec:
    return next(s for s in specs(filters_type) if s.field == field_name)


def values_of(spec: FilterSpec, value: Any) -> tuple[Any, ...]:
    """A filter's value as a tuple of values (one, or none when unset)."""
    if spec.many:
        return tuple(value)
    return () if value is None else (value,)


def described(spec: FilterSpec, declared: Iterable[FilterSpec], name: Callable[[FilterSpec], str]) -> str:
    """`spec.help` with the rule it shares with another bound ("at most year_max", "at least year_min"), each filter
    called by `name` (a face's own word for it: the REST parameter, the terminal flag)."""
    declared = tuple(declared)
    notes = [f"at most {name(s)}" for s in declared if s.field == spec.at_most]
    notes += [f"at least {name(s)}" for s in declared if s.at_most == spec.field]
    return "; ".join((spec.help, *notes))


def genre_slug(text: str) -> str:
    """A genre as typed ("Science Fiction", " crime ") as the catalog names it ("science-fiction", "crime"): the one
    rule every face and the engine compare genres by."""
    return text.strip().lower().replace(" ", "-")


def genre_label(slug: str) -> str:
    """A genre as a sentence names it ("science fiction")."""
    return slug.replace("-", " ")


def unknown_genre(values: Iterable[str], known: Collection[str]) -> str | None:
    """The first of `values` (as typed) that names no genre in `known` (the served build's), or None."""
    return next((v for v in values if genre_slug(v) not in known), None)
