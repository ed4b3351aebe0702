"""The HTTP layer under the routes: JSON errors for everything, cache validators, connection limits, serving.

- `json_errors` turns every failure a handler raises into the JSON error body, keeping the exception's headers
  (a 405 carries `Allow`, as RFC 9110 requires). `get_and_head_only` makes any other method a 405 on any target
  (CONNECT's target has no path; the router would call it a 404); a method aiohttp's parser does not know at all
  ("FOO") gets the same 405 from `handle_error` below.
- Requests aiohttp cannot even parse (a URL over 8,190 bytes, oversized or too many headers, a bad method, a bad
  Content-Length) never reach a handler or a middleware: aiohttp answers them from its protocol object, in plain
  text, and logs a traceback at ERROR. `ApiRunner` serves through a protocol whose `handle_error` answers the same
  JSON error body and logs one INFO line; there is no public hook for this (aio-libs/aiohttp#3287).
- `conditional_get`: every GET/HEAD answer of the served build carries an ETag keyed by the build id (and the API
  version, and the language of an answer said in one other than English: its Content-Language), with
  `Cache-Control: no-cache` so caches revalidate; an `If-None-Match` naming the current tag turns a 200 into a 304
  (errors stay errors). A hot reload changes the tag, so nothing stale is ever confirmed. An answer that depends on
  a person's Trakt history (`trakt_user`) is `Cache-Control: private, no-store` with no ETag: the build's tag
  says nothing about that history, so it must never confirm such an answer (and nothing may store it).
- A `trakt_user` whose history cannot be read is one sentence naming the parameter: no such user 404, a private
  profile 400, Trakt unreachable or answering badly 502, Trakt asking to slow down or no TRAKT_CLIENT_ID 503.
- Connections: `keepalive_timeout` closes a connection that has not completed a request within that time, from
  its opening or its last answer; an idle client and one dribbling its headers alike (aiohttp starts the timer at
  `connection_made`). Request lines and header fields are capped at 8,190 bytes, and 128 headers.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import hdrs, web
from aiohttp.http_exceptions import BadHttpMessage, BadHttpMethod, LineTooLong

from bot.rest.params import FIELD_TO_PARAM, ParamError
from morelike.answers import error_body
from morelike.engine import Engine, EngineError, FilterError
from morelike.i18n import ENGLISH
from morelike.trakt_user import HistoryCache, TraktUserError

log = logging.getLogger("morelike.api")

# 1.2: candidates say `same_title`; 1.3: `lang` / Accept-Language say the why lines in the client's language. The ETag
# carries it, so no cache keeps an older version's answers.
API_VERSION = "1.3.0"
KEEPALIVE_TIMEOUT_S = 30.0  # idle or slow-header connections; a reverse proxy's idle upstream ones too
MAX_LINE_SIZE = 8190
MAX_FIELD_SIZE = 8190
MAX_HEADERS = 128
ENGINE_KEY: web.AppKey[Engine] = web.AppKey("engine", Engine)
HISTORIES_KEY: web.AppKey[HistoryCache] = web.AppKey("trakt_histories", HistoryCache)  # trakt_user's, cached
TRAKT_URL_KEY: web.AppKey[str] = web.AppKey("trakt_base_url", str)  # where trakt_user's history is read ([trakt])
PRIVATE = "private, no-store"  # the Cache-Control of an answer that depends on a person's Trakt history
TRAKT_PARAM = "trakt_user"
# TraktUserError.reason -> the status it is answered with (anything else: 502, Trakt failed us).
TRAKT_STATUS = {"unknown_user": 404, "private": 400, "rate_limited": 503, "not_configured": 503}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def error_response(
    status: int, message: str, parameter: str | None = None, headers: dict[str, str] | None = None
) -> web.Response:
    resp = web.json_response(error_body(status, message, parameter), status=status, headers=headers)
    resp.headers["Cache-Control"] = "no-store"  # an error is about this moment (a reload may fix a 404)
    return resp


# ------------------------------------------------------------------------------------------ middlewares
def _passed_on_headers(exc: web.HTTPException) -> dict[str, str]:
    """The headers an aiohttp HTTP exception carries that belong on the answer (Allow, Location, Retry-After…);
    the body-describing ones are the JSON body's own."""
    skip = {hdrs.CONTENT_TYPE, hdrs.CONTENT_LENGTH, hdrs.CONTENT_ENCODING}
    return {name: value for name, value in exc.headers.items() if name not in skip}


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every failure becomes a JSON error body; a traceback only ever reaches the log."""
    try:
        return await handler(request)
    except ParamError as exc:
        return error_response(400, exc.message, exc.parameter)
    except FilterError as exc:
        return error_response(400, str(exc), FIELD_TO_PARAM.get(exc.field, exc.field))
    except TraktUserError as exc:
        log.info("event=api_trakt_refused reason=%s", exc.reason)
        return error_response(TRAKT_STATUS.get(exc.reason, 502), str(exc), TRAKT_PARAM)
    except EngineError as exc:
        # Handlers check parameters and ids first, so what the engine still refuses is on the server's side
        # (the model cannot load, the index does not match it): say so, and that it is not the caller's fault.
        log.warning("event=api_engine_error path=%s reason=%r", request.path, str(exc))
        return error_response(503, str(exc))
    except web.HTTPException as exc:
        if exc.status == 404 and exc.reason == "Not Found":
            message = f"No route {request.path[:200]}."
        elif exc.status == 405:
            message = not_allowed_text(request.method)
        else:
            message = exc.reason
        return error_response(exc.status, message, headers=_passed_on_headers(exc))
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("event=api_error method=%s path=%s", request.method, request.path)
        return error_response(500, "Internal error; the server log has the details.")


ALLOWED_METHODS = (hdrs.METH_GET, hdrs.METH_HEAD)
ALLOW = ",".join(ALLOWED_METHODS)  # the `Allow` header of every 405, as aiohttp writes it
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # RFC 9110 token: what any HTTP method is


def not_allowed_text(method: str) -> str:
    return f"{method[:40]} is not allowed here; this API answers {ALLOW}."


@web.middleware
async def get_and_head_only(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every route answers GET and HEAD, nothing else, so any other method is a 405 naming them, whatever the
    target: the router would call `CONNECT host:port` (a target with no path) or an unknown method on an unknown
    path a 404 "No route", which says nothing about the real problem."""
    if request.method not in ALLOWED_METHODS:
        raise web.HTTPMethodNotAllowed(request.method, ALLOWED_METHODS, headers={hdrs.ALLOW: ALLOW})
    return await handler(request)


def build_etag(build_id: str, locale: str = ENGLISH) -> str:
    """The entity tag of every answer computed from build `build_id` (ASCII letters, digits, '.', '-', '_'), said
    in `locale`: the same URL answers other bytes in another language, so each language has its own tag."""
    safe = "".join(c if c.isascii() and (c.isalnum() or c in "._-") else "_" for c in build_id)
    tag = f"{safe}.{API_VERSION}"
    return tag if locale == ENGLISH else f"{tag}.{locale}"


@web.middleware
async def conditional_get(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.method not in (hdrs.METH_GET, hdrs.METH_HEAD):
        return await handler(request)
    # The build is read before the handler runs: if a reload lands meanwhile, the answer is newer than its tag,
    # which costs one revalidation later but never confirms a stale copy.
    build_id = request.app[ENGINE_KEY].build_id
    resp = await handler(request)
    if resp.status != 200:  # RFC 9110 13.2.1: preconditions only apply to what would be a 2xx
        return resp
    if resp.headers.get(hdrs.CACHE_CONTROL) == PRIVATE:  # a person's history made it: the build's tag cannot say
        return resp
    etag = build_etag(build_id, resp.headers.get(hdrs.CONTENT_LANGUAGE, ENGLISH))
    wanted = request.if_none_match
    if wanted and any(tag.value in (etag, "*") for tag in wanted):
        # RFC 9110 15.4.5: a 304 carries the Vary the 200 would have (with its ETag and Cache-Control, below).
        resp = web.Response(
            status=304, headers={hdrs.VARY: resp.headers[hdrs.VARY]} if hdrs.VARY in resp.headers else None
        )
    resp.etag = etag
    resp.headers[hdrs.CACHE_CONTROL] = "no-cache"
    return resp


# --------------------------------------------------------------------------------------- the protocol
def _unknown_method(exc: BaseException | None) -> str | None:
    """The method of a request refused for its method alone: any token is a method to HTTP, but aiohttp's C parser
    (llhttp) knows a fixed list and refuses the rest ("FOO") before the app sees them. None when the request line
    holds no method token at all ("G(T", TLS bytes): that request is malformed, a 400."""
    if not isinstance(exc, BadHttpMethod):
        return None
    # llhttp's message quotes the request line: Invalid method encountered: b'FOO / HTTP/1.1'
    found = re.search(r"b'([^\s']+) ", str(exc.message))
    return found.group(1) if found and _TOKEN.fullmatch(found.group(1)) else None


def _unparsable_reason(exc: BaseException | None, status: int) -> str:
    if isinstance(exc, LineTooLong):
        return f"The request line or a header is too long (at most {MAX_LINE_SIZE} bytes)."
    if isinstance(exc, BadHttpMethod):
        return "The request line names no HTTP method; this API answers GET and HEAD."
    if isinstance(exc, BadHttpMessage):
        first = str(exc.message).strip().splitlines()[0] if str(exc.message).strip() else "Bad Request"
        return f"The request is not valid HTTP/1.1: {first[:200].rstrip(' :.')}."
    return "The request could not be read." if status < 500 else "Internal error; the server log has the details."


class _JsonErrorProtocol(web.RequestHandler):
    __slots__ = ()

    def handle_error(
        self,
        request: web.BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        """aiohttp's own answer to a request it could not parse (or a handler that escaped every middleware):
        the API's JSON error body instead of text/plain, and one log line instead of a traceback. A method the
        parser does not know is a 405 naming the two it may use, as the app answers any other method."""
        method = _unknown_method(exc)
        if method is not None:
            status = 405
        if status >= 500:
            log.error("event=api_error status=%d remote=%s", status, request.remote, exc_info=exc)
        else:
            reason = type(exc).__name__ if exc is not None else (message or "")
            log.info("event=api_unparsable_request status=%d remote=%s reason=%s", status, request.remote, reason)
        if request.writer.output_size > 0:  # an answer has started: nothing more can be said on this connection
            raise ConnectionError("Response is sent already, cannot send another response with the error message")
        if method is not None:
            resp = error_response(status, not_allowed_text(method), headers={hdrs.ALLOW: ALLOW})
        else:
            resp = error_response(status, _unparsable_reason(exc, status))
        resp.force_close()
        return resp


class _JsonErrorServer(web.Server):
    def __call__(self) -> web.RequestHandler:
        return _JsonErrorProtocol(self, loop=self._loop, **self._kwargs)


class ApiRunner(web.AppRunner):
    """`web.AppRunner` with the API's connection limits, and the protocol that answers unparsable requests in
    JSON. Tests serve through it too, so they see what production serves."""

    def __init__(self, app: web.Application, *, keepalive_timeout: float = KEEPALIVE_TIMEOUT_S, **kwargs: Any):
        kwargs.setdefault("access_log", None)
        super().__init__(
            app,
            keepalive_timeout=keepalive_timeout,
            max_line_size=MAX_LINE_SIZE,
            max_field_size=MAX_FIELD_SIZE,
            max_headers=MAX_HEADERS,
            **kwargs,
        )

    async def _make_server(self) -> web.Server:
        made = await super()._make_server()
        return _JsonErrorServer(
            made.request_handler,
            request_factory=made.request_factory,
            handler_cancellation=made.handler_cancellation,
            loop=made._loop,
            **made._kwargs,
        )


# ------------------------------------------------------------------------------------------------ serve
def is_local(host: str) -> bool:
    """Whether binding `host` keeps the API on this machine (loopback only)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False  # a name or '' (every interface): treat as reachable from elsewhere


def warn_if_exposed(hosts: list[str]) -> bool:
    """One WARNING when any bound address is reachable from other machines: the API has no authentication."""
    exposed = sorted({h for h in hosts if not is_local(h)})
    if exposed:
        log.warning(
            "event=api_exposed hosts=%s note=%r",
            ",".join(exposed),
            "the API has no authentication: keep it on localhost or behind a reverse proxy that adds it",
        )
    return bool(exposed)
