"""The routes: one handler per route, and `ROUTES`, the table both the router and the OpenAPI document read.

Engine calls run in worker threads (`asyncio.to_thread`): similar-title search may scan, free text runs the
model, and the event loop must keep answering health checks meanwhile.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from aiohttp import hdrs, web

from bot.rest import openapi
from bot.rest.http import ENGINE_KEY, HISTORIES_KEY, PRIVATE, TRAKT_URL_KEY, Handler
from bot.rest.params import (
    BLEND_PARAMS,
    DISCOVER_PARAMS,
    SEARCH_PARAMS,
    SIMILAR_PARAMS,
    SUGGEST_PARAMS,
    Param,
    ParamError,
    answer_locale,
    filters_from,
    parse_params,
    shown,
)
from morelike.answers import card_json, page_json, resolution_json
from morelike.engine import Engine, SimilarPage, TitleCard
from morelike.engine.engine import BLEND_MAX, BLEND_MIN
from morelike.trakt_user import watched_for_face


def _engine(request: web.Request) -> Engine:
    return request.app[ENGINE_KEY]


async def _card_or_404(engine: Engine, title_id: str) -> TitleCard:
    card = await asyncio.to_thread(engine.get, title_id)
    if card is None:
        raise web.HTTPNotFound(reason=f"No title with id or ref {shown(title_id, 100)}.")
    return card


def page_response(request: web.Request, params: dict, page: SimilarPage, **extra: object) -> web.Response:
    """A page of results in the locale the request asks for, saying which (Content-Language), and that the answer
    varies with Accept-Language (so a cache keeps one copy per language). An answer that left out what a Trakt
    user watched (`hidden_watched` in `extra`) depends on their history, not only on the build: it is marked
    private and never stored, so the build's ETag (conditional_get) never confirms it."""
    locale = answer_locale(request, params)
    body = page_json(page, locale) | extra
    headers: dict[str, str] = {hdrs.CONTENT_LANGUAGE: locale, hdrs.VARY: hdrs.ACCEPT_LANGUAGE}
    if "hidden_watched" in extra:
        headers[hdrs.CACHE_CONTROL] = PRIVATE
    return web.json_response(body, headers=headers)


async def leave_out_watched(request: web.Request, params: dict) -> tuple[frozenset[str], dict[str, int]]:
    """`trakt_user`: the catalog ids of what that Trakt user watched, and the answer's `hidden_watched` count
    (nothing without it). The core's code, as the terminal's --trakt-user; a TraktUserError is json_errors' to
    say. Histories are cached per server (HISTORY_TTL_S)."""
    user = params.get("trakt_user")
    if user is None:
        return frozenset(), {}
    app = request.app
    watched = await watched_for_face(app[TRAKT_URL_KEY], username=user, cache=app[HISTORIES_KEY])
    known = await asyncio.to_thread(watched.in_catalog, _engine(request).get)
    return known, {"hidden_watched": len(known)}


async def healthz(request: web.Request) -> web.Response:
    parse_params(request, ())
    snap = _engine(request).snapshot
    manifest = snap.manifest or {}
    return web.json_response(
        {
            "status": "ok",
            "build_id": snap.build_id,
            "count": snap.n,
            "model": manifest.get("model"),
            "dimensions": manifest.get("dimensions"),
            "built_at": manifest.get("built_at"),
            "source": manifest.get("source"),
        }
    )


async def search_titles(request: web.Request) -> web.Response:
    params = parse_params(request, SEARCH_PARAMS)
    res = await asyncio.to_thread(_engine(request).resolve, params["q"], params["limit"])
    return web.json_response(resolution_json(params["q"], res))


async def suggest_titles(request: web.Request) -> web.Response:
    params = parse_params(request, SUGGEST_PARAMS)
    kind = None if params["kind"] in (None, "both") else params["kind"]
    cards = await asyncio.to_thread(_engine(request).suggest, params["q"], params["limit"], kind)
    return web.json_response({"query": params["q"], "titles": [card_json(c) for c in cards]})


async def get_title(request: web.Request) -> web.Response:
    parse_params(request, ())
    card = await _card_or_404(_engine(request), request.match_info["id"])
    return web.json_response(card_json(card))


async def similar_titles(request: web.Request) -> web.Response:
    engine = _engine(request)
    params = parse_params(request, SIMILAR_PARAMS)
    filters = filters_from(params, engine.genres())
    card = await _card_or_404(engine, request.match_info["id"])
    exclude, extra = await leave_out_watched(request, params)
    page = await asyncio.to_thread(
        engine.similar, card.id, filters, params["k"], params["page"], params["franchise"], params["boost"], exclude
    )
    return page_response(request, params, page, **extra)


async def discover(request: web.Request) -> web.Response:
    engine = _engine(request)
    params = parse_params(request, DISCOVER_PARAMS)
    filters = filters_from(params, engine.genres())
    exclude, extra = await leave_out_watched(request, params)
    page = await asyncio.to_thread(engine.discover, params["q"], filters, params["k"], params["page"], exclude)
    return page_response(request, params, page, **extra)


def _blend_ids(engine: Engine, values: list[str]) -> list[str]:
    """Each `id` value is an id or ref as given (552 catalog ids contain a comma), else a comma-separated list."""
    out: list[str] = []
    for value in values:
        if "," in value and engine.get(value) is None:
            out.extend(part.strip() for part in value.split(",") if part.strip())
        else:
            out.append(value)
    return out


async def blend(request: web.Request) -> web.Response:
    engine = _engine(request)
    params = parse_params(request, BLEND_PARAMS)
    filters = filters_from(params, engine.genres())
    wanted = await asyncio.to_thread(_blend_ids, engine, params["id"])
    if not BLEND_MIN <= len(wanted) <= BLEND_MAX:
        raise ParamError("id", f"give two or three title ids, got {len(wanted)}")
    cards = [await _card_or_404(engine, i) for i in wanted]
    if len({c.id for c in cards}) < len(cards):
        raise ParamError("id", "give two or three different titles (an id and its ref are the same title)")
    page = await asyncio.to_thread(engine.blend, [c.id for c in cards], filters, params["k"], params["page"])
    return page_response(request, params, page, inputs=[card_json(c) for c in cards])


async def genres(request: web.Request) -> web.Response:
    parse_params(request, ())
    return web.json_response({"genres": _engine(request).genres()})


async def openapi_json(request: web.Request) -> web.Response:
    parse_params(request, ())
    return web.json_response(openapi.document(ROUTES, _engine(request).genres()))


@dataclass(frozen=True)
class Route:
    path: str  # aiohttp pattern
    handler: Handler
    summary: str
    params: tuple[Param, ...]
    responses: tuple[int, ...]  # error statuses besides 200 and 500
    schema: str
    path_id: bool = False
    localized: bool = False  # the answer has fixed text (`why`): `lang` / Accept-Language choose its language
    private: bool = False  # takes trakt_user: such an answer is private, no-store, without an ETag


ROUTES: tuple[Route, ...] = (
    Route("/healthz", healthz, "Health, the published build served, its size and model", (), (400,), "Health"),
    Route("/openapi.json", openapi_json, "This OpenAPI 3.1 document", (), (400,), "OpenAPI"),
    Route("/v1/genres", genres, "Genre names the filters accept", (), (400,), "Genres"),
    Route(
        "/v1/titles/search",
        search_titles,
        "Resolve typed text to ranked candidates; `clear` is set when one is unambiguous",
        SEARCH_PARAMS,
        (400,),
        "Resolution",
    ),
    Route(
        "/v1/titles/suggest",
        suggest_titles,
        "Autocomplete: titles by prefix, best first",
        SUGGEST_PARAMS,
        (400,),
        "Suggestions",
    ),
    # Registered before the plain title route: ids may contain '/', so `{id}` matches greedily.
    Route(
        "/v1/titles/{id:.+}/similar",
        similar_titles,
        "Titles like this one, filtered and paged, with its own series apart",
        SIMILAR_PARAMS,
        (400, 404, 502),
        "SimilarPage",
        path_id=True,
        localized=True,
        private=True,
    ),
    Route("/v1/titles/{id:.+}", get_title, "One title by id or ref", (), (400, 404), "Title", path_id=True),
    Route(
        "/v1/discover",
        discover,
        "Titles matching a free-text description",
        DISCOVER_PARAMS,
        (400, 404, 502),
        "SimilarPage",
        localized=True,
        private=True,
    ),
    Route(
        "/v1/blend",
        blend,
        "Titles like two or three titles at once",
        BLEND_PARAMS,
        (400, 404),
        "SimilarPage",
        localized=True,
    ),
)
