"""The REST API: a thin aiohttp face on `bot.engine.Engine` (`python -m bot api`).

Every answer is JSON, errors included: a bad parameter is a 400 naming the parameter and why, an unknown title
or route a 404, anything unexpected a 500 with no traceback (the traceback goes to the log). Engine calls run in
worker threads (`asyncio.to_thread`): similar-title search may scan, free text runs the model, and the event loop
must keep answering health checks meanwhile. A background task hot-reloads a newly published index.

The query parameters of each route are declared once, in `ROUTES`; the parser and the OpenAPI document
(`/openapi.json`) are both built from that table, so the document cannot drift from what the server accepts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import Any

from aiohttp import web

from bot.engine import Engine, EngineError, FilterError, Filters, Resolution, SimilarPage, TitleCard
from indexer.config import Config

log = logging.getLogger("morelike.api")

API_VERSION = "1.0.0"
MAX_SEARCH = 50
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
# Engine filter field -> the query parameter a client sent it as.
_FIELD_TO_PARAM = {"genres": "genre", "exclude_genres": "exclude_genre", "ids": "id"}


class ParamError(Exception):
    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message)
        self.parameter = parameter
        self.message = message


@dataclass(frozen=True)
class Param:
    name: str
    type: str  # "string" | "integer" | "number" | "boolean"
    description: str
    repeat: bool = False  # may be given several times (and comma-separated)
    required: bool = False
    minimum: float | None = None
    maximum: float | None = None
    enum: tuple[str, ...] | None = None
    default: Any = None

    def openapi(self) -> dict:
        schema: dict[str, Any] = {"type": self.type}
        for key in ("minimum", "maximum", "default"):
            if getattr(self, key) is not None:
                schema[key] = getattr(self, key)
        if self.enum:
            schema["enum"] = list(self.enum)
        if self.repeat:
            schema = {"type": "array", "items": schema}
        out = {"name": self.name, "in": "query", "description": self.description, "schema": schema}
        if self.required:
            out["required"] = True
        if self.repeat:
            out.update(style="form", explode=True)
        return out


FILTER_PARAMS = (
    Param("kind", "string", "movie, show or both (default both)", enum=("movie", "show", "both")),
    Param("genre", "string", "genre every result must have (repeat or comma-separate for several)", repeat=True),
    Param("exclude_genre", "string", "genre no result may have (repeat or comma-separate)", repeat=True),
    Param("year_min", "integer", "earliest release year", minimum=1800, maximum=2200),
    Param("year_max", "integer", "latest release year", minimum=1800, maximum=2200),
    Param("runtime_min", "integer", "shortest runtime in minutes", minimum=0),
    Param("runtime_max", "integer", "longest runtime in minutes", minimum=0),
    Param("language", "string", "original language, ISO 639-1 (e.g. fr)"),
    Param("rating_min", "number", "lowest rating, 0-10", minimum=0, maximum=10),
    Param("votes_min", "integer", "fewest votes behind the rating (a popularity floor)", minimum=0),
)
PAGE_PARAMS = (
    Param("k", "integer", "results per page", minimum=1, maximum=50, default=5),
    Param("page", "integer", "page number, from 0", minimum=0, default=0),
)
SEARCH_PARAMS = (
    Param("q", "string", "what was typed: a title (typos, missing accents, a year hint) or an id/URL", required=True),
    Param("limit", "integer", "most candidates (same-title entries are all kept)", minimum=1, maximum=MAX_SEARCH),
)
SUGGEST_PARAMS = (
    Param("q", "string", "the prefix typed so far", required=True),
    Param("limit", "integer", "most suggestions", minimum=1, maximum=MAX_SEARCH, default=25),
    Param("kind", "string", "movie or show only", enum=("movie", "show", "both")),
)
SIMILAR_PARAMS = (
    *FILTER_PARAMS,
    *PAGE_PARAMS,
    Param("franchise", "boolean", "the title's own series as a separate list, one title per other series"),
    Param("boost", "boolean", "rank titles sharing the director or lead cast higher"),
)
DISCOVER_PARAMS = (Param("q", "string", "a description, e.g. 'a heist by stage magicians'", required=True),)
DISCOVER_PARAMS = (*DISCOVER_PARAMS, *FILTER_PARAMS, *PAGE_PARAMS)
BLEND_PARAMS = (
    Param("id", "string", "two or three title ids or refs", repeat=True, required=True),
    *FILTER_PARAMS,
    *PAGE_PARAMS,
)


# ------------------------------------------------------------------------------------------- parameters
def _values(request: web.Request, spec: Param) -> list[str]:
    raw = request.query.getall(spec.name, [])
    if spec.repeat:
        return [part.strip() for value in raw for part in value.split(",") if part.strip()]
    if len(raw) > 1:
        raise ParamError(spec.name, "must be given once")
    return [raw[0].strip()] if raw else []


def parse_params(request: web.Request, specs: tuple[Param, ...]) -> dict[str, Any]:
    """Query parameters by `specs`, typed; ParamError names the first bad one."""
    known = {s.name for s in specs}
    for name in request.query:
        if name not in known:
            raise ParamError(name, f"unknown parameter (this route takes: {', '.join(sorted(known))})")
    out: dict[str, Any] = {}
    for spec in specs:
        values = _values(request, spec)
        if not values:
            if spec.required:
                raise ParamError(spec.name, "is required")
            out[spec.name] = [] if spec.repeat else spec.default
            continue
        typed = [_convert(spec, v) for v in values]
        out[spec.name] = typed if spec.repeat else typed[0]
    return out


def _convert(spec: Param, value: str) -> Any:
    if spec.type == "integer":
        try:
            number: Any = int(value)
        except ValueError:
            raise ParamError(spec.name, f"must be an integer, got {value!r}") from None
    elif spec.type == "number":
        try:
            number = float(value)
        except ValueError:
            raise ParamError(spec.name, f"must be a number, got {value!r}") from None
        if number != number or number in (float("inf"), float("-inf")):
            raise ParamError(spec.name, f"must be a finite number, got {value!r}")
    elif spec.type == "boolean":
        folded = value.lower()
        if folded in _TRUE:
            return True
        if folded in _FALSE:
            return False
        raise ParamError(spec.name, f"must be true or false, got {value!r}")
    else:
        if not value:
            raise ParamError(spec.name, "must not be empty")
        if spec.enum and value.lower() not in spec.enum:
            raise ParamError(spec.name, f"must be one of {', '.join(spec.enum)}, got {value!r}")
        return value.lower() if spec.enum else value
    if spec.minimum is not None and number < spec.minimum:
        raise ParamError(spec.name, f"must be at least {spec.minimum:g}, got {value}")
    if spec.maximum is not None and number > spec.maximum:
        raise ParamError(spec.name, f"must be at most {spec.maximum:g}, got {value}")
    return number


def filters_from(params: dict[str, Any], known_genres: list[str]) -> Filters:
    known = set(known_genres)
    for name in ("genre", "exclude_genre"):
        for genre in params[name]:
            slug = genre.strip().lower().replace(" ", "-")
            if slug not in known:
                raise ParamError(name, f"unknown genre {genre!r} (known: {', '.join(sorted(known))})")
    try:
        return Filters(
            kind=params["kind"],
            genres=tuple(params["genre"]),
            exclude_genres=tuple(params["exclude_genre"]),
            year_min=params["year_min"],
            year_max=params["year_max"],
            runtime_min=params["runtime_min"],
            runtime_max=params["runtime_max"],
            language=params["language"],
            rating_min=params["rating_min"],
            votes_min=params["votes_min"],
        )
    except FilterError as exc:
        raise ParamError(_FIELD_TO_PARAM.get(exc.field, exc.field), str(exc)) from None


# ------------------------------------------------------------------------------------------------- JSON
def card_json(card: TitleCard) -> dict:
    data = asdict(card)
    for name in ("genres", "cast", "directors"):
        data[name] = list(data[name])
    data["label"] = card.label
    return data


def page_json(page: SimilarPage) -> dict:
    return {
        "query": card_json(page.query) if page.query else None,
        "items": [{"title": card_json(r.card), "score": round(r.score, 4), "why": r.why} for r in page.items],
        "page": page.page,
        "k": page.k,
        "has_more": page.has_more,
        "series": [card_json(c) for c in page.series],
    }


def resolution_json(query: str, res: Resolution) -> dict:
    return {
        "query": query,
        "clear": card_json(res.clear) if res.clear else None,
        "candidates": [
            {"title": card_json(c.card), "score": round(c.score, 2), "matched": c.matched} for c in res.candidates
        ],
    }


def error_response(status: int, message: str, parameter: str | None = None) -> web.Response:
    body: dict[str, Any] = {"status": status, "message": message}
    if parameter is not None:
        body["parameter"] = parameter
    return web.json_response({"error": body}, status=status)


# --------------------------------------------------------------------------------------------- handlers
ENGINE_KEY: web.AppKey[Engine] = web.AppKey("engine", Engine)
CONFIG_KEY: web.AppKey[Config] = web.AppKey("config", Config)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _engine(request: web.Request) -> Engine:
    return request.app[ENGINE_KEY]


async def _card_or_404(engine: Engine, title_id: str) -> TitleCard:
    card = await asyncio.to_thread(engine.get, title_id)
    if card is None:
        raise web.HTTPNotFound(reason=f"No title with id or ref {title_id!r}.")
    return card


async def healthz(request: web.Request) -> web.Response:
    engine = _engine(request)
    snap = engine.snapshot
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
    limit = params["limit"] or 10
    res = await asyncio.to_thread(_engine(request).resolve, params["q"], limit)
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
    page = await asyncio.to_thread(
        engine.similar, card.id, filters, params["k"], params["page"], params["franchise"], params["boost"]
    )
    return web.json_response(page_json(page))


async def discover(request: web.Request) -> web.Response:
    engine = _engine(request)
    params = parse_params(request, DISCOVER_PARAMS)
    filters = filters_from(params, engine.genres())
    page = await asyncio.to_thread(engine.discover, params["q"], filters, params["k"], params["page"])
    return web.json_response(page_json(page))


async def blend(request: web.Request) -> web.Response:
    engine = _engine(request)
    params = parse_params(request, BLEND_PARAMS)
    filters = filters_from(params, engine.genres())
    if not 2 <= len(params["id"]) <= 3:
        raise ParamError("id", f"give two or three title ids, got {len(params['id'])}")
    cards = [await _card_or_404(engine, i) for i in params["id"]]
    page = await asyncio.to_thread(engine.blend, [c.id for c in cards], filters, params["k"], params["page"])
    body = page_json(page)
    body["inputs"] = [card_json(c) for c in cards]
    return web.json_response(body)


async def genres(request: web.Request) -> web.Response:
    parse_params(request, ())
    return web.json_response({"genres": _engine(request).genres()})


async def openapi(request: web.Request) -> web.Response:
    return web.json_response(openapi_document())


@dataclass(frozen=True)
class Route:
    path: str  # aiohttp pattern
    handler: Handler
    summary: str
    params: tuple[Param, ...]
    responses: tuple[int, ...]  # error statuses besides 200 and 500
    schema: str
    path_id: bool = False


ROUTES: tuple[Route, ...] = (
    Route("/healthz", healthz, "Health, the published build served, its size and model", (), (), "Health"),
    Route("/openapi.json", openapi, "This OpenAPI 3 document", (), (), "OpenAPI"),
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
        (400, 404),
        "SimilarPage",
        path_id=True,
    ),
    Route("/v1/titles/{id:.+}", get_title, "One title by id or ref", (), (400, 404), "Title", path_id=True),
    Route("/v1/discover", discover, "Titles matching a free-text description", DISCOVER_PARAMS, (400,), "SimilarPage"),
    Route("/v1/blend", blend, "Titles like two or three titles at once", BLEND_PARAMS, (400, 404), "SimilarPage"),
)


def _openapi_path(pattern: str) -> str:
    return pattern.replace("{id:.+}", "{id}")


def _schemas() -> dict:
    s, i, n, b = {"type": "string"}, {"type": "integer"}, {"type": "number"}, {"type": "boolean"}
    nullable = lambda t: {**t, "nullable": True}  # noqa: E731
    strings = {"type": "array", "items": s}
    title = {
        "type": "object",
        "required": ["id", "ref", "kind", "title", "label"],
        "properties": {
            "id": s,
            "ref": {**s, "description": "10-character stable handle, accepted wherever an id is"},
            "kind": {"type": "string", "enum": ["movie", "show"]},
            "title": s,
            "label": {**s, "description": "title and year, e.g. 'Heat (1995)'"},
            "original_title": nullable(s),
            "year": nullable(i),
            "runtime": nullable(i),
            "genres": strings,
            "rating": nullable(n),
            "votes": nullable(i),
            "language": nullable(s),
            "country": nullable(s),
            "overview": nullable(s),
            "cast": strings,
            "directors": strings,
            "url": nullable(s),
            "poster": nullable(s),
        },
    }
    ref = lambda name: {"$ref": f"#/components/schemas/{name}"}  # noqa: E731
    return {
        "Title": title,
        "Error": {
            "type": "object",
            "required": ["error"],
            "properties": {
                "error": {
                    "type": "object",
                    "required": ["status", "message"],
                    "properties": {"status": i, "message": s, "parameter": {**s, "description": "the bad parameter"}},
                }
            },
        },
        "Resolution": {
            "type": "object",
            "properties": {
                "query": s,
                "clear": {**ref("Title"), "nullable": True},
                "candidates": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "title": ref("Title"),
                            "score": {**n, "minimum": 0, "maximum": 100},
                            "matched": {"type": "string", "enum": ["id", "title", "original_title", "fuzzy"]},
                        },
                    },
                },
            },
        },
        "Suggestions": {
            "type": "object",
            "properties": {"query": s, "titles": {"type": "array", "items": ref("Title")}},
        },
        "SimilarPage": {
            "type": "object",
            "properties": {
                "query": {**ref("Title"), "nullable": True},
                "items": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"title": ref("Title"), "score": n, "why": s},
                    },
                },
                "page": i,
                "k": i,
                "has_more": b,
                "series": {"type": "array", "items": ref("Title")},
                "inputs": {"type": "array", "items": ref("Title"), "description": "blend only: the titles blended"},
            },
        },
        "Health": {
            "type": "object",
            "properties": {
                "status": s,
                "build_id": s,
                "count": i,
                "model": s,
                "dimensions": i,
                "built_at": s,
                "source": nullable(s),
            },
        },
        "Genres": {"type": "object", "properties": {"genres": strings}},
        "OpenAPI": {"type": "object"},
    }


_ERROR_TEXT = {
    400: "a bad parameter",
    404: "no such title",
    500: "an internal error (no details)",
    503: "the engine cannot answer now (e.g. the model cannot be loaded)",
}


def openapi_document() -> dict:
    paths: dict[str, dict] = {}
    for route in ROUTES:
        params = [p.openapi() for p in route.params]
        if route.path_id:
            params.insert(
                0,
                {
                    "name": "id",
                    "in": "path",
                    "required": True,
                    "description": "a title id (URL-encoded) or its ref",
                    "schema": {"type": "string"},
                },
            )
        responses = {
            "200": {
                "description": "OK",
                "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{route.schema}"}}},
            }
        }
        for status in (*route.responses, 500, 503):
            responses[str(status)] = {
                "description": _ERROR_TEXT[status],
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            }
        op = {"summary": route.summary, "operationId": route.handler.__name__, "responses": responses}
        if params:
            op["parameters"] = params
        paths[_openapi_path(route.path)] = {"get": op}
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "MoreLike API",
            "version": API_VERSION,
            "description": "Content-based 'more like this' recommendations for movies and TV shows.",
        },
        "paths": paths,
        "components": {"schemas": _schemas()},
    }


# ------------------------------------------------------------------------------------------------- app
@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every failure becomes a JSON error body; a traceback only ever reaches the log."""
    try:
        return await handler(request)
    except ParamError as exc:
        return error_response(400, exc.message, exc.parameter)
    except FilterError as exc:
        return error_response(400, str(exc), _FIELD_TO_PARAM.get(exc.field, exc.field))
    except EngineError as exc:
        # Handlers check parameters and ids first, so what the engine still refuses is on the server's side
        # (the model cannot load, the index does not match it): say so, and that it is not the caller's fault.
        log.warning("event=api_engine_error path=%s reason=%r", request.path, str(exc))
        return error_response(503, str(exc))
    except web.HTTPException as exc:
        if exc.status == 404:
            message = exc.reason if exc.reason != "Not Found" else f"No route {request.path}."
        else:
            message = exc.reason
        return error_response(exc.status, message)
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("event=api_error method=%s path=%s", request.method, request.path)
        return error_response(500, "Internal error; the server log has the details.")


async def _reload_loop(engine: Engine, interval_s: float) -> None:
    while True:
        await asyncio.sleep(interval_s)
        try:
            if await asyncio.to_thread(engine.reload_if_changed):
                log.info("event=api_reloaded build=%s", engine.build_id)
        except Exception:  # a bad build must not stop the loop: the engine keeps serving the old one
            log.exception("event=api_reload_failed")


def create_app(engine: Engine, settings: Config | None = None) -> web.Application:
    """The API over `engine`; `settings` (default: the engine's config) gives the reload interval."""
    config = settings or engine.config
    app = web.Application(middlewares=[json_errors])
    app[ENGINE_KEY] = engine
    app[CONFIG_KEY] = config
    for route in ROUTES:
        app.router.add_get(route.path, route.handler, allow_head=False)

    async def hot_reload(app: web.Application):
        interval = config.engine.reload_interval_s
        task = asyncio.create_task(_reload_loop(engine, interval)) if interval > 0 else None
        yield
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    app.cleanup_ctx.append(hot_reload)
    return app


async def serve(engine: Engine, config: Config, host: str | None = None, port: int | None = None) -> None:
    """Serve until cancelled (Ctrl-C)."""
    runner = web.AppRunner(create_app(engine, config), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host or config.api.host, port if port is not None else config.api.port)
    await site.start()
    for address in runner.addresses:
        print(f"MoreLike API on http://{address[0]}:{address[1]}/ (OpenAPI at /openapi.json)", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
