"""The JSON the faces answer with (REST API, terminal `--json`), and the JSON Schema of each shape, side by side
so they change together.

The schemas are strict (every property listed and required, no others allowed) and the Title schema is derived
from `TitleCard`'s own fields and types, so a field added to the engine's card appears in the document by itself.
The terminal's `--json` prints these same shapes.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import asdict, fields
from typing import Any

from morelike.catalog.watch import Offer
from morelike.engine import Resolution, SimilarPage, TitleCard
from morelike.engine.resolve import MATCH_ALIAS, MATCH_FUZZY, MATCH_ID, MATCH_ORIGINAL, MATCH_TITLE
from morelike.i18n import ENGLISH, why_text

# ------------------------------------------------------------------------------------------------- JSON
_CARD_FIELDS = tuple(f.name for f in fields(TitleCard))


def card_json(card: TitleCard) -> dict:
    """The card's fields (tuples as lists, an offer as a dict, as `asdict` gives them) and its label. Field
    by field, not `asdict`, whose recursive deep copy made a page's JSON 0.23 ms instead of 0.09 (bundled catalog)."""
    data = {}
    for name in _CARD_FIELDS:
        value = getattr(card, name)
        if isinstance(value, tuple):
            value = [asdict(v) if isinstance(v, Offer) else v for v in value]
        data[name] = value
    data["label"] = card.label
    return data


def page_json(page: SimilarPage, locale: str = ENGLISH) -> dict:
    """A page of results; each `why` said in `locale` (the only text of the answer that is not catalog data)."""
    return {
        "query": card_json(page.query) if page.query else None,
        "items": [
            {"title": card_json(r.card), "score": round(r.score, 4), "why": why_text(r.why, locale)} for r in page.items
        ],
        "page": page.page,
        "k": page.k,
        "has_more": page.has_more,
        "series": [card_json(c) for c in page.series],
    }


def resolution_json(query: str, res: Resolution) -> dict:
    same = {c.card.id for c in res.same_title}
    return {
        "query": query,
        "clear": card_json(res.clear) if res.clear else None,
        "candidates": [
            {
                "title": card_json(c.card),
                "score": round(c.score, 2),
                "matched": c.matched,
                "same_title": c.card.id in same,
            }
            for c in res.candidates
        ],
    }


def error_body(status: int, message: str, parameter: str | None = None) -> dict:
    body: dict[str, Any] = {"status": status, "message": message}
    if parameter is not None:
        body["parameter"] = parameter
    return {"error": body}


# ---------------------------------------------------------------------------------------------- schemas
_JSON_TYPES = {str: "string", int: "integer", float: "number", bool: "boolean"}
_CARD_DOCS = {
    "id": "stable id: imdb-tt…, tmdb-movie-N, jw-tm…/jw-ts… or wiki-<article>",
    "ref": "10-character stable handle, accepted wherever an id is",
    "kind": "movie or show",
    "year": "release year (first-air year for shows)",
    "runtime": "minutes (episode runtime for shows)",
    "rating": "0-10",
    "language": "original language, ISO 639-1",
    "country": "ISO 3166-1 alpha-2 production country",
    "url": "the best page about the title (IMDb, TMDB, Trakt or Wikipedia)",
    "poster": "an image URL",
    "anime": "anime: Trakt's anime genre, or Japanese animation by country or language",
    "watch": "services the title was on, each with the region and date of that data (not what is on them now)",
}


def _type_schema(hint: Any) -> dict:
    """JSON Schema (2020-12, as OpenAPI 3.1 uses) for a dataclass field's type: str, int | None, tuple[str, ...]."""
    args = typing.get_args(hint)
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        inner = [a for a in args if a is not type(None)]
        if len(inner) != 1:
            raise TypeError(f"no JSON type for {hint!r}")
        schema = _type_schema(inner[0])
        return {**schema, "type": [schema["type"], "null"]}
    if typing.get_origin(hint) in (tuple, list):
        return {"type": "array", "items": _type_schema(args[0])}
    if hint in _JSON_TYPES:
        return {"type": _JSON_TYPES[hint]}
    if dataclasses.is_dataclass(hint):  # a record inside the card (an Offer): every field required
        hints = typing.get_type_hints(hint)
        return _obj({f.name: _type_schema(hints[f.name]) for f in fields(hint)})
    raise TypeError(f"no JSON type for {hint!r}")


def _obj(properties: dict[str, dict], optional: tuple[str, ...] = ()) -> dict:
    return {
        "type": "object",
        "required": [name for name in properties if name not in optional],
        "properties": properties,
        "additionalProperties": False,
    }


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable_ref(name: str) -> dict:
    return {"anyOf": [_ref(name), {"type": "null"}]}


def title_schema() -> dict:
    hints = typing.get_type_hints(TitleCard)
    props: dict[str, dict] = {}
    for f in fields(TitleCard):
        prop = _type_schema(hints[f.name])
        if f.name in _CARD_DOCS:
            prop["description"] = _CARD_DOCS[f.name]
        props[f.name] = prop
    props["kind"]["enum"] = ["movie", "show"]
    props["label"] = {"type": "string", "description": "title and year, e.g. 'Heat (1995)'"}
    return _obj(props)


def schemas() -> dict:
    s, i, n, b = {"type": "string"}, {"type": "integer"}, {"type": "number"}, {"type": "boolean"}
    titles = {"type": "array", "items": _ref("Title")}
    return {
        "Title": title_schema(),
        "Error": _obj(
            {
                "error": _obj(
                    {
                        "status": {**i, "minimum": 400, "maximum": 599},
                        "message": {**s, "description": "one sentence saying what is wrong"},
                        "parameter": {**s, "description": "the bad parameter, when one is at fault"},
                    },
                    optional=("parameter",),
                )
            }
        ),
        "Resolution": _obj(
            {
                "query": s,
                "clear": {**_nullable_ref("Title"), "description": "the title meant, when it is unambiguous"},
                "candidates": {
                    "type": "array",
                    "items": _obj(
                        {
                            "title": _ref("Title"),
                            "score": {**n, "minimum": 0, "maximum": 100},
                            "matched": {"enum": [MATCH_ID, MATCH_TITLE, MATCH_ORIGINAL, MATCH_ALIAS, MATCH_FUZZY]},
                            "same_title": {
                                **b,
                                "description": 'the very title typed ("Heat": the films titled Heat, not '
                                '"The Heat"): the candidates to choose from; the others are looser matches',
                            },
                        }
                    ),
                },
            }
        ),
        "Suggestions": _obj({"query": s, "titles": titles}),
        "SimilarPage": _obj(
            {
                "query": {**_nullable_ref("Title"), "description": "the title asked about; null for discover, blend"},
                "items": {
                    "type": "array",
                    "items": _obj({"title": _ref("Title"), "score": n, "why": {**s, "minLength": 1}}),
                },
                "page": {**i, "minimum": 0},
                "k": {**i, "minimum": 1},
                "has_more": b,
                "series": {**titles, "description": "the title's own series (similar, franchise on)"},
                "inputs": {**titles, "description": "blend only: the titles blended"},
                "hidden_watched": {
                    **i,
                    "minimum": 0,
                    "description": "trakt_user only (and the terminal's --trakt-user): how many titles of the "
                    "catalog were left out as watched by that Trakt user",
                },
            },
            optional=("inputs", "hidden_watched"),
        ),
        "Health": _obj(
            {
                "status": {"enum": ["ok"]},
                "build_id": s,
                "count": {**i, "minimum": 0},
                "model": {"type": ["string", "null"]},
                "dimensions": {"type": ["integer", "null"]},
                "built_at": {"type": ["string", "null"]},
                "source": {"type": ["string", "null"]},
            }
        ),
        "Genres": _obj({"genres": {"type": "array", "items": s}}),
        "OpenAPI": {"type": "object", "required": ["openapi", "info", "paths"]},
    }
