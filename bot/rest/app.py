"""The REST API: a thin aiohttp face on `morelike.engine.Engine` (`python -m bot api`).

Every answer is JSON, errors included: a bad parameter is a 400 naming the parameter and why, an unknown title
or route a 404, any method but GET and HEAD a 405 with `Allow` (CONNECT and unknown methods too), a request
aiohttp cannot parse a 400, anything unexpected a 500 with no traceback (the traceback goes to the log). Every
GET route answers HEAD too. GET answers carry an ETag keyed by the served build. A background task hot-reloads
a newly published index.

The API has no authentication: it is meant for localhost, or behind a reverse proxy; binding another address
logs a warning once. The parts live in `bot.rest`; the query parameters of each route are declared once, and
the parser and the OpenAPI document (`/openapi.json`) are both built from that declaration.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiohttp import web

from bot.rest.http import (
    API_VERSION,
    ENGINE_KEY,
    HISTORIES_KEY,
    TRAKT_URL_KEY,
    ApiRunner,
    build_etag,
    conditional_get,
    get_and_head_only,
    json_errors,
    warn_if_exposed,
)
from bot.rest.openapi import document
from bot.rest.routes import ROUTES
from morelike.answers import card_json, page_json, resolution_json
from morelike.engine import Engine
from morelike.engine.languages import codes as language_codes
from morelike.settings import Config
from morelike.trakt_user import HistoryCache

__all__ = [
    "API_VERSION",
    "ROUTES",
    "ApiRunner",
    "build_etag",
    "card_json",
    "create_app",
    "openapi_document",
    "page_json",
    "resolution_json",
    "serve",
]

log = logging.getLogger("morelike.api")


def openapi_document(engine: Engine) -> dict:
    """The OpenAPI document `engine`'s API serves at /openapi.json."""
    return document(ROUTES, engine.genres())


async def _reload_loop(engine: Engine, interval_s: float) -> None:
    while True:
        await asyncio.sleep(interval_s)
        try:
            if await asyncio.to_thread(engine.reload_if_changed):
                log.info("event=api_reloaded build=%s", engine.build_id)
        except Exception:  # a bad build must not stop the loop: the engine keeps serving the old one
            log.exception("event=api_reload_failed")


def create_app(engine: Engine, settings: Config | None = None) -> web.Application:
    """The API over `engine`; `settings` (default: the engine's config) gives the reload interval and the Trakt
    `trakt_user` histories are read from ([trakt] base_url; TRAKT_CLIENT_ID from the environment).
    Serve it with `ApiRunner` (as `serve` does) for the connection limits and JSON answers to unparsable requests."""
    config = settings or engine.config
    language_codes()  # read pycountry's tables now, not on the event loop at the first language filter
    app = web.Application(middlewares=[json_errors, get_and_head_only, conditional_get])
    app[ENGINE_KEY] = engine
    app[TRAKT_URL_KEY] = str(config.trakt.base_url)
    app[HISTORIES_KEY] = HistoryCache()  # trakt_user's histories: one Trakt fetch per user per HISTORY_TTL_S
    for route in ROUTES:
        app.router.add_get(route.path, route.handler)  # HEAD too (allow_head): `curl -I /healthz`

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
    runner = ApiRunner(create_app(engine, config))
    await runner.setup()
    site = web.TCPSite(runner, host or config.api.host, port if port is not None else config.api.port)
    await site.start()
    warn_if_exposed([str(address[0]) for address in runner.addresses])
    for address in runner.addresses:
        print(f"MoreLike API on http://{address[0]}:{address[1]}/ (OpenAPI at /openapi.json)", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
