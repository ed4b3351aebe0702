"""The OpenAPI 3.1 document (`/openapi.json`), built from the route table and the parameter declarations.

3.1 because its schemas are plain JSON Schema: `null` is a type (`["string", "null"]`, `anyOf` with a `$ref`),
where 3.0's `nullable` beside a `$ref` is ignored by validators. What the server enforces across parameters
(year_min <= year_max, (page + 1) * k <= 1000, blend's different titles) cannot be said in a schema and is said
in the descriptions; the paging rule also in an `x-max-rank` extension on `page` and `k`, for clients to read.
The genre enum is the served build's genres, so the document is per build, like its ETag. Routes whose answers
carry fixed text (the `why` lines) describe how its language is chosen: the `lang` query parameter, else the
`Accept-Language` header (a header parameter here), and the answer's `Content-Language` and `Vary`.
The tests check the document with openapi-spec-validator and every answer against it with openapi-core.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.rest.http import API_VERSION
from bot.rest.params import MAX_RANK, RANK_RULE, Param
from morelike.answers import schemas
from morelike.engine.languages import codes as language_codes
from morelike.i18n import LOCALES

if TYPE_CHECKING:
    from bot.rest.routes import Route

HEAT_1995 = "tmdb-movie-949"  # in the bundled catalog (data/README.md)
NOT_BLANK = r"\S"  # JSON Schema patterns search (unanchored): at least one character that is not whitespace

_ERROR_TEXT = {
    400: "a bad parameter (`parameter` names it)",
    404: "no such title, or (trakt_user) no Trakt user by that name",
    502: "Trakt (asked for trakt_user's history) could not be reached or answered badly",
    500: "an internal error (no details)",
    503: "the engine cannot answer now (e.g. the model cannot be loaded), or trakt_user was given and this server "
    "has no TRAKT_CLIENT_ID or Trakt asks it to slow down",
}
_CACHE_HEADERS = {
    "ETag": {
        "description": "the served build's tag: send it back as If-None-Match for a 304 while the build is served",
        "schema": {"type": "string"},
    },
    "Cache-Control": {"description": "no-cache (store, but revalidate)", "schema": {"type": "string"}},
}
_VARY = {
    "Vary": {
        "description": "Accept-Language: the answer's language follows it (unless `lang` is given)",
        "schema": {"type": "string"},
    }
}
_LOCALISED_HEADERS = {
    **_CACHE_HEADERS,
    **_VARY,
    "Content-Language": {
        "description": "the language the `why` lines are said in",
        "schema": {"type": "string", "enum": list(LOCALES)},
    },
}
ACCEPT_LANGUAGE = {
    "name": "Accept-Language",
    "in": "header",
    "description": (
        "the client's languages (RFC 9110), read when `lang` is not given: the supported one of highest q is used "
        f"({', '.join(LOCALES)}), English when none is"
    ),
    "schema": {"type": "string"},
    "example": "fr-CA, fr;q=0.9, en;q=0.5",
}


def param_schema(param: Param) -> dict:
    schema: dict[str, Any] = {"type": param.type}
    for key, name in (("minimum", "minimum"), ("maximum", "maximum"), ("default", "default")):
        if getattr(param, key) is not None:
            schema[name] = getattr(param, key)
    if param.type == "string":
        schema["minLength"] = 1
        schema["pattern"] = NOT_BLANK  # values are stripped, so whitespace alone is as empty as nothing
        if param.max_length is not None:
            schema["maxLength"] = param.max_length
        if param.pattern is not None:  # anchored: JSON Schema patterns search; the server strips the value
            schema["pattern"] = rf"^\s*{param.pattern}\s*$"
    if param.enum:
        schema["enum"] = list(param.enum)
    if param.genre:
        schema = {"$ref": "#/components/schemas/Genre"}
    if param.language:
        schema = {"$ref": "#/components/schemas/Language"}
    if param.repeat:
        schema = {"type": "array", "items": schema}
        if param.min_items is not None:
            schema.update(minItems=param.min_items, uniqueItems=True)
        if param.max_items is not None:
            schema["maxItems"] = param.max_items
    return schema


def param_object(param: Param) -> dict:
    out: dict[str, Any] = {
        "name": param.name,
        "in": "query",
        "description": param.description,
        "schema": param_schema(param),
    }
    if param.required:
        out["required"] = True
    if param.repeat:
        out.update(style="form", explode=True)
    if param.example is not None:
        out["example"] = param.example
    if param.max_rank:
        out["x-max-rank"] = {
            "rule": RANK_RULE,
            "max_rank": MAX_RANK,
            "description": "pages reach the first max_rank results; a request past them is a 400 on page",
        }
    return out


def _json(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}


def _operation(route: Route, head: bool) -> dict:
    params = [param_object(p) for p in route.params]
    if route.path_id:
        params.insert(
            0,
            {
                "name": "id",
                "in": "path",
                "required": True,
                "description": "a title id (URL-encoded) or its ref",
                "schema": {"type": "string", "minLength": 1},
                "example": HEAT_1995,
            },
        )
    if route.localized:
        params.append(ACCEPT_LANGUAGE)
    ok: dict[str, Any] = {"description": "OK", "headers": _LOCALISED_HEADERS if route.localized else _CACHE_HEADERS}
    if not head:
        ok["content"] = _json({"$ref": f"#/components/schemas/{route.schema}"})
    responses: dict[str, Any] = {
        "200": ok,
        "304": {
            "description": "Not Modified: If-None-Match named the current ETag",
            "headers": {**_CACHE_HEADERS, **_VARY} if route.localized else _CACHE_HEADERS,
        },
    }
    if route.private:  # the answer depends on a member's history: never cached, so no validator
        ok["headers"] = {
            **{k: v for k, v in ok["headers"].items() if k != "ETag"},
            "Cache-Control": {
                "description": "no-cache (store, but revalidate); with trakt_user: private, no-store, and no ETag",
                "schema": {"type": "string"},
            },
        }
    for status in (*route.responses, 500, 503):
        responses[str(status)] = {"description": _ERROR_TEXT[status]}
        if not head:
            responses[str(status)]["content"] = _json({"$ref": "#/components/schemas/Error"})
    name = route.handler.__name__
    op: dict[str, Any] = {
        "summary": route.summary if not head else f"{route.summary} (headers only)",
        "operationId": f"{name}_head" if head else name,
        "responses": responses,
    }
    if params:
        op["parameters"] = params
    return op


def document(routes: tuple[Route, ...], genres: list[str]) -> dict:
    paths: dict[str, dict] = {}
    for route in routes:
        path = route.path.replace("{id:.+}", "{id}")
        paths[path] = {"get": _operation(route, head=False), "head": _operation(route, head=True)}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "MoreLike API",
            "version": API_VERSION,
            "description": (
                "Content-based 'more like this' recommendations for movies and TV shows. No authentication: serve "
                "it on localhost, or behind a reverse proxy that adds authentication and TLS. Every answer is "
                "JSON, errors included. Across parameters the server also enforces: year_min <= year_max, "
                "runtime_min <= runtime_max, no genre both required and excluded, (page + 1) * k <= 1000, and "
                "blend's two or three ids naming different titles (an id and its ref are one title). The `why` "
                "lines of similar, discover and blend are said in the language `lang`, else Accept-Language, asks "
                f"for ({', '.join(LOCALES)}; English otherwise); titles, synopses and genres are catalog data."
            ),
        },
        "servers": [{"url": "/", "description": "where this document was fetched from"}],
        "paths": paths,
        "components": {
            "schemas": {
                **schemas(),
                "Genre": {"type": "string", "enum": list(genres), "description": "a genre of the served build"},
                "Language": {"type": "string", "enum": sorted(language_codes()), "description": "ISO 639-1"},
            }
        },
    }
