"""The catalog row: one movie or show, as every source yields it and the store keeps it.

Field names follow the bundled catalog (data/README.md); Trakt rows are mapped onto the same fields.
`parse_record` is the single gate for outside data: anything it accepts is safe to store.
"""

from __future__ import annotations

import base64
import hashlib
import math
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from typing import Any, Literal, Protocol, overload

KINDS = ("movie", "show")
# The small int a kind is held as in the engine's arrays (and only there: records and JSON keep the name).
KIND_CODE = {kind: code for code, kind in enumerate(KINDS)}
LIST_FIELDS = ("genres", "cast", "directors", "keywords", "sources", "aliases")
MAX_TEXT = 20_000  # a synopsis longer than this is broken data, not a synopsis
MAX_TITLE = 500  # characters of a title, an original title or an alias
# Other names of one title: Trakt gives its most translated films about a hundred (aliases and translations);
# a list longer than this is broken data, and every name costs the resolver a lookup entry.
MAX_ALIASES = 200


class RecordError(ValueError):
    """A catalog item that cannot be stored; the message says which field and why."""


@dataclass(frozen=True, slots=True)
class Title:
    id: str
    kind: str
    title: str
    original_title: str | None = None
    year: int | None = None
    released: str | None = None
    overview: str | None = None
    tagline: str | None = None
    genres: tuple[str, ...] = ()
    runtime: int | None = None
    country: str | None = None
    language: str | None = None
    rating: float | None = None
    votes: int | None = None
    rating_source: str | None = None
    popularity: float | None = None
    cast: tuple[str, ...] = ()
    directors: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    collection: str | None = None
    imdb_id: str | None = None
    tmdb_id: int | None = None
    trakt_id: int | None = None
    trakt_slug: str | None = None
    tvdb_id: int | None = None
    wikipedia: str | None = None
    seasons: int | None = None
    poster: str | None = None
    sources: tuple[str, ...] = field(default=())
    # Other names the title is known by (Trakt's aliases and translated titles), distinct from `title` and
    # `original_title`: the resolver finds the title by them, the card still shows `title`.
    aliases: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        # Not dataclasses.asdict: its deep copy of every field cost 14 s of a 100k-title publish (issue 24), and the
        # fields are plain values and tuples of strings.
        data = {name: getattr(self, name) for name in TITLE_FIELDS}
        for name in LIST_FIELDS:
            data[name] = list(data[name])
        return data


TITLE_FIELDS = tuple(f.name for f in fields(Title))


class Titles(Protocol):
    """Titles a build may read more than once: a list, or the working store's `StoredTitles`, which reads them
    from the file again at each pass instead of holding them all (issue 24)."""

    def __len__(self) -> int: ...

    def __iter__(self) -> Iterator[Title]: ...


def title_ref(title_id: str) -> str:
    """A short, stable handle for a title id (ids can exceed Discord's 100-character custom_id)."""
    digest = hashlib.blake2b(title_id.encode("utf-8"), digest_size=8).digest()
    return base64.b32encode(digest).decode("ascii").lower()[:10]


@overload
def _text(obj: dict, name: str, *, required: Literal[True], limit: int = 500) -> str: ...
@overload
def _text(obj: dict, name: str, *, required: bool = False, limit: int = 500) -> str | None: ...
def _text(obj: dict, name: str, *, required: bool = False, limit: int = 500) -> str | None:
    value = obj.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise RecordError(f"'{name}' is missing or empty")
        return None
    if not isinstance(value, str):
        raise RecordError(f"'{name}' must be a string, got {type(value).__name__}")
    value = value.strip()
    if len(value) > limit:
        raise RecordError(f"'{name}' is {len(value)} characters long (limit {limit})")
    return value


def _int(obj: dict, name: str, *, lo: int | None = None, hi: int | None = None) -> int | None:
    value = obj.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise RecordError(f"'{name}' must be an integer, got a boolean")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value.strip())
    if not isinstance(value, int):
        raise RecordError(f"'{name}' must be an integer, got {value!r}")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise RecordError(f"'{name}' is {value}, outside {lo}..{hi}")
    return value


def _float(obj: dict, name: str, *, lo: float | None = None, hi: float | None = None) -> float | None:
    value = obj.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise RecordError(f"'{name}' must be a number, got a boolean")
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise RecordError(f"'{name}' must be a number, got {value!r}") from None
    if not isinstance(value, int | float) or math.isnan(value) or math.isinf(value):
        raise RecordError(f"'{name}' must be a number, got {value!r}")
    value = float(value)
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise RecordError(f"'{name}' is {value}, outside {lo}..{hi}")
    return value


def _str_list(obj: dict, name: str) -> tuple[str, ...]:
    value = obj.get(name)
    if value is None or value == "":
        return ()
    if isinstance(value, str):  # CSV cells carry lists as "a|b|c" or "a, b"
        sep = "|" if "|" in value else ","
        value = [part for part in value.split(sep)]
    if not isinstance(value, list | tuple):
        raise RecordError(f"'{name}' must be a list of strings")
    out: list[str] = []
    for item in value:
        if not isinstance(item, str):
            raise RecordError(f"'{name}' must be a list of strings, found {item!r}")
        item = item.strip()
        if item and item not in out:
            out.append(item)
    return tuple(out)


def _aliases(obj: dict) -> tuple[str, ...]:
    names = _str_list(obj, "aliases")
    if len(names) > MAX_ALIASES:
        raise RecordError(f"'aliases' has {len(names)} names (limit {MAX_ALIASES})")
    for name in names:
        if len(name) > MAX_TITLE:
            raise RecordError(f"'aliases' has a name {len(name)} characters long (limit {MAX_TITLE})")
    return names


def parse_record(obj: Any) -> Title:
    """Validate one catalog item (a decoded JSON object or CSV row) into a `Title`."""
    if not isinstance(obj, dict):
        raise RecordError(f"expected a JSON object, got {type(obj).__name__}")
    kind = _text(obj, "kind", required=True)
    if kind not in KINDS:
        raise RecordError(f"'kind' must be 'movie' or 'show', got {kind!r}")
    released = _text(obj, "released", limit=40)
    if released is not None:
        released = released[:10]
        if len(released) != 10 or released[4] != "-" or released[7] != "-":
            raise RecordError(f"'released' must be YYYY-MM-DD, got {obj.get('released')!r}")
    genres = tuple(g.lower().replace(" ", "-") for g in _str_list(obj, "genres"))
    return Title(
        id=_text(obj, "id", required=True, limit=200),
        kind=kind,
        title=_text(obj, "title", required=True, limit=MAX_TITLE),
        original_title=_text(obj, "original_title", limit=MAX_TITLE),
        year=_int(obj, "year", lo=1870, hi=2100),
        released=released,
        overview=_text(obj, "overview", limit=MAX_TEXT),
        tagline=_text(obj, "tagline", limit=1000),
        genres=genres,
        runtime=_int(obj, "runtime", lo=0, hi=100_000),
        country=_text(obj, "country", limit=8),
        language=_text(obj, "language", limit=8),
        rating=_float(obj, "rating", lo=0, hi=10),
        votes=_int(obj, "votes", lo=0),
        rating_source=_text(obj, "rating_source", limit=20),
        popularity=_float(obj, "popularity", lo=0),
        cast=_str_list(obj, "cast"),
        directors=_str_list(obj, "directors"),
        keywords=_str_list(obj, "keywords"),
        collection=_text(obj, "collection"),
        imdb_id=_text(obj, "imdb_id", limit=20),
        tmdb_id=_int(obj, "tmdb_id", lo=0),
        trakt_id=_int(obj, "trakt_id", lo=0),
        trakt_slug=_text(obj, "trakt_slug"),
        tvdb_id=_int(obj, "tvdb_id", lo=0),
        wikipedia=_text(obj, "wikipedia"),
        seasons=_int(obj, "seasons", lo=0),
        poster=_text(obj, "poster", limit=1000),
        sources=_str_list(obj, "sources"),
        aliases=_aliases(obj),
    )
