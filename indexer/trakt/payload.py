"""Mapping Trakt payloads onto catalog rows (pure functions, no I/O).

`extended=full` adds overview, tagline, released/first_aired, runtime, country, language, genres, rating, votes,
...; `extended=images` adds image paths without a scheme (the two combine as `full,images`).
`/{movies|shows}/{id}/people` gives `cast[].person.name` in billing order and `crew.directing[]` with jobs.
`/{movies|shows}/updates/{start_date}` items are `{"updated_at", "movie"|"show"}`.
`/{movies|shows}/{id}/aliases` is `[{"title", "country"}]` (other titles, by country), and
`/{movies|shows}/{id}/translations` is `[{"title", "overview", "tagline", "language", "country"}]` (every language;
a translation may have no title); neither paginates.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from morelike.catalog.normalize import normalize_title
from morelike.catalog.records import MAX_ALIASES, MAX_TITLE, RecordError, Title, parse_record

MAX_CAST = 10  # same depth as the bundled catalog ("up to 10 names in billing order")


def _upper(value: Any) -> Any:
    return value.upper() if isinstance(value, str) else value


def _poster(images: Any) -> str | None:
    if not isinstance(images, dict):
        return None
    posters = images.get("poster")
    if not isinstance(posters, list) or not posters or not isinstance(posters[0], str):
        return None
    path = posters[0]
    return path if path.startswith(("http://", "https://")) else f"https://{path}"


def _positive_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def item_ids(obj: Any) -> tuple[int | None, str | None]:
    """(Trakt id, slug) of a movie/show object, as far as they can be read from it, even a malformed one."""
    ids = obj.get("ids") if isinstance(obj, dict) else None
    if not isinstance(ids, dict):
        return None, None
    slug = ids.get("slug")
    return _positive_int(ids.get("trakt")), slug if isinstance(slug, str) and slug.strip() else None


def describe_item(kind: str, obj: Any) -> str:
    """How an operator finds an item on Trakt: `movie trakt_id=123 slug=heat-1995`."""
    trakt_id, slug = item_ids(obj)
    return f"{kind} trakt_id={trakt_id if trakt_id is not None else '?'} slug={slug or '?'}"


def item_key(obj: Any) -> str:
    """A stable identity for an item of a list: its Trakt id, else its slug, else a digest of its content."""
    trakt_id, slug = item_ids(obj)
    if trakt_id is not None:
        return f"t{trakt_id}"
    if slug is not None:
        return f"s:{slug}"
    blob = json.dumps(obj, sort_keys=True, default=str, ensure_ascii=False)
    return "h:" + hashlib.blake2b(blob.encode("utf-8"), digest_size=8).hexdigest()


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 UTC timestamp as Trakt writes it ("2024-01-01T10:00:00.000Z"), or None when it is not one."""
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def trakt_title(kind: str, obj: Any, *, cast: Sequence[str] = (), directors: Sequence[str] = ()) -> Title:
    """Map one Trakt movie/show object (extended=full) to a `Title`; raises RecordError when it cannot."""
    if not isinstance(obj, dict):
        raise RecordError(f"expected a {kind} object, got {type(obj).__name__}")
    ids = obj.get("ids")
    if not isinstance(ids, dict):
        raise RecordError("'ids' is missing")
    trakt_id = ids.get("trakt")
    if _positive_int(trakt_id) is None:
        raise RecordError(f"'ids.trakt' must be a positive integer, got {trakt_id!r}")
    votes = obj.get("votes")
    rating = obj.get("rating") if votes else None  # Trakt reports 0.0 for titles nobody rated
    record: dict[str, Any] = {
        "id": f"trakt-{kind}-{trakt_id}",
        "kind": kind,
        "title": obj.get("title"),
        "original_title": obj.get("original_title"),
        "year": obj.get("year"),
        "overview": obj.get("overview"),
        "tagline": obj.get("tagline"),
        "genres": obj.get("genres"),
        "runtime": obj.get("runtime"),
        "country": _upper(obj.get("country")),  # Trakt sends "us"; the catalog uses ISO 3166 "US"
        "language": obj.get("language"),
        "rating": rating,
        "votes": votes,
        "rating_source": "trakt" if rating is not None else None,
        "imdb_id": ids.get("imdb"),
        "tmdb_id": ids.get("tmdb"),
        "trakt_id": trakt_id,
        "trakt_slug": ids.get("slug"),
        "tvdb_id": ids.get("tvdb"),
        "poster": _poster(obj.get("images")),
        "cast": list(cast),
        "directors": list(directors),
        "sources": ["trakt"],
    }
    if kind == "movie":
        record["released"] = obj.get("released")
    else:
        first_aired = obj.get("first_aired")
        if first_aired is not None and not isinstance(first_aired, str):
            raise RecordError(f"'first_aired' must be a string, got {first_aired!r}")
        if first_aired:
            record["released"] = first_aired[:10]
            if first_aired[:4].isdigit():
                record["year"] = int(first_aired[:4])
    if record["original_title"] == record["title"]:
        record["original_title"] = None
    return parse_record(record)


def rank_popularity(rank: int) -> float:
    """Trakt has no popularity figure, only the order of its popular lists: 1000 for #1, 500 for #2, ...

    Higher is more popular, like the bundled catalog's TMDB popularity, so the resolver and `--limit` can rank
    Trakt titles; it is comparable between the movie and the show list, not with TMDB's scale."""
    return round(1000.0 / max(1, rank), 6)


def _person_name(entry: Any) -> str | None:
    person = entry.get("person") if isinstance(entry, dict) else None
    name = person.get("name") if isinstance(person, dict) else None
    return name.strip() if isinstance(name, str) and name.strip() else None


def parse_people(body: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Cast names in billing order and directors from a people payload; raises RecordError on a bad shape."""
    if not isinstance(body, dict):
        raise RecordError("people: expected an object")
    cast_entries = body.get("cast") or []
    crew = body.get("crew") or {}
    if not isinstance(cast_entries, list):
        raise RecordError("people: 'cast' must be a list")
    if not isinstance(crew, dict) or not isinstance(crew.get("directing") or [], list):
        raise RecordError("people: 'crew' must be an object of lists")
    cast: list[str] = []
    for entry in cast_entries:
        name = _person_name(entry)
        if name and name not in cast:
            cast.append(name)
    directors: list[str] = []
    for entry in crew.get("directing") or []:
        if not isinstance(entry, dict):
            continue
        jobs = listed if isinstance(listed := entry.get("jobs"), list) else [entry.get("job")]
        name = _person_name(entry)
        if "Director" in jobs and name and name not in directors:
            directors.append(name)
    return tuple(cast[:MAX_CAST]), tuple(directors)


def parse_aliases(title: Title, aliases: Any, translations: Any) -> tuple[str, ...]:
    """The other names of `title` from its aliases and translations payloads (either may be None: Trakt had none):
    translated titles first (one per language, the names people of that language type), then the aliases, each name
    once by its folded form and none that folds like the title or its original title (the resolver has those), at
    most MAX_ALIASES. Entries without a usable title are skipped; a payload that is no list raises RecordError."""
    seen = {normalize_title(title.title), normalize_title(title.original_title)}
    names: list[str] = []
    for what, body in (("translations", translations), ("aliases", aliases)):
        if body is None:
            continue
        if not isinstance(body, list):
            raise RecordError(f"{what}: expected a list, got {type(body).__name__}")
        for entry in body:
            name = entry.get("title") if isinstance(entry, dict) else None
            if not isinstance(name, str) or len(name := name.strip()) > MAX_TITLE:
                continue
            norm = normalize_title(name)
            if norm and norm not in seen:
                seen.add(norm)
                names.append(name)
                if len(names) == MAX_ALIASES:
                    return tuple(names)
    return tuple(names)
