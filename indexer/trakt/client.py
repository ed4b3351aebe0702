"""The HTTP side of the Trakt source: a GET-only aiohttp client, its retry policy and the request cap.

Contracts (trakt/trakt-api, docs.trakt.tv):
- every call sends `Content-Type: application/json`, `trakt-api-version: 2` and `trakt-api-key: <client id>`;
- lists paginate with `?page=&limit=` and answer `X-Pagination-Page`, `-Limit`, `-Page-Count`, `-Item-Count`; a
  larger limit than a list allows is clamped (the answer's `X-Pagination-Limit` says what was used);
- the rate limit (1000 GETs per 5 minutes per app) answers HTTP 429 with `Retry-After` seconds and an
  `X-Ratelimit` JSON (`remaining`, `until`); a bad or missing key is 403 (401 when OAuth would be needed).

Retries: 429 waits `Retry-After` (never less), 5xx / timeouts / dropped connections / truncated JSON back off
exponentially with jitter; anything else is one sentence. The waits go through the client's `clock` and `sleep`
(`time.monotonic` and `asyncio.sleep` unless injected), so tests check them without waiting. Every request,
retries included, counts against the per-run cap; reaching it raises `CapReached`, which the runs turn into a
clean stop at the last checkpoint.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from morelike.settings import TraktSettings

log = logging.getLogger("morelike.trakt")

API_VERSION = "2"
EXTENDED = "full,images"
MAX_BACKOFF_S = 60.0
RETRYABLE_STATUS = frozenset({408, 500, 502, 503, 504, 520, 521, 522, 524})


class TraktError(Exception):
    """The Trakt source cannot go on; the message is one sentence for the operator.

    `summary` (when set) tells what the run did before it stopped; its checkpoint is saved."""

    summary: Any = None


class NotFound(TraktError):
    pass


class KeyRejected(TraktError):
    """Trakt refused the API key (HTTP 401/403): no retry or rerun helps until TRAKT_CLIENT_ID is fixed."""


class CapReached(Exception):
    """The run's request cap is spent; the caller stops at its last checkpoint."""


class _Secret:
    """Holds the API key so that no repr, log line or traceback can show it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "<redacted>"

    __str__ = __repr__


@dataclass
class Page:
    items: list[Any]
    page: int
    limit: int
    page_count: int | None
    item_count: int | None
    server_time: datetime | None = None  # the answer's `Date`: Trakt's clock, which its `updated_at`s use

    @property
    def is_last(self) -> bool:
        if not self.items:
            return True
        if self.page_count is not None:
            return self.page >= self.page_count
        return len(self.items) < self.limit


def _header_int(headers: Mapping[str, str], name: str) -> int | None:
    value = headers.get(name)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def server_time(headers: Mapping[str, str]) -> datetime | None:
    value = headers.get("Date")
    if not value:
        return None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def retry_after(headers: Mapping[str, str], now: datetime | None = None) -> float | None:
    """Seconds to wait from `Retry-After` (seconds or an HTTP date), else from `X-Ratelimit`'s `until`; dates are
    counted from `now` (the current UTC time unless given)."""
    value = headers.get("Retry-After")
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            try:
                when = email.utils.parsedate_to_datetime(value)
                return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
            except (TypeError, ValueError):
                pass
    return ratelimit_wait(headers, only_if_exhausted=False, now=now)


def ratelimit_wait(
    headers: Mapping[str, str], *, only_if_exhausted: bool = True, now: datetime | None = None
) -> float | None:
    raw = headers.get("X-Ratelimit")
    if not raw:
        return None
    try:
        info = json.loads(raw)
        if only_if_exhausted and info.get("remaining", 1) > 0:
            return None
        until = datetime.fromisoformat(str(info["until"]).replace("Z", "+00:00"))
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    return max(0.0, (until - (now or datetime.now(UTC))).total_seconds())


def check_base_url(base_url: str) -> str:
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TraktError(
            f'[trakt] base_url = "{base_url}" is not an http:// or https:// URL with a host; '
            'Trakt\'s is "https://api.trakt.tv".'
        )
    return base_url.rstrip("/")


class TraktClient:
    """GET-only Trakt client with retries, rate-limit waits and a hard cap on requests.

    Every wait is `await sleep(seconds)`, and the rate-limit pause is kept on `clock` (monotonic seconds)."""

    def __init__(
        self,
        settings: TraktSettings,
        client_id: str | None,
        *,
        max_requests: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if not client_id or not client_id.strip():
            raise TraktError("No Trakt API key: set TRAKT_CLIENT_ID to your Trakt app's client id.")
        self.settings = settings
        self.base_url = check_base_url(settings.base_url)
        self.max_requests = settings.max_requests if max_requests is None else max_requests
        self.requests = 0
        self.retries = 0
        self._key = _Secret(client_id.strip())
        self._session: aiohttp.ClientSession | None = None
        self.clock = clock
        self.sleep = sleep
        self._rng = random.Random()
        self._pause_until = 0.0  # `clock` time before which no request is sent (X-Ratelimit exhausted)

    def __repr__(self) -> str:
        return f"TraktClient(base_url={self.base_url!r}, requests={self.requests}, max_requests={self.max_requests})"

    @property
    def remaining(self) -> int:
        return max(0, self.max_requests - self.requests)

    async def __aenter__(self) -> TraktClient:
        timeout = aiohttp.ClientTimeout(total=self.settings.timeout_s)
        self._session = aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=4))
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _scrub(self, text: str) -> str:
        return text.replace(self._key.reveal(), "<redacted>")

    def _backoff(self, attempt: int) -> float:
        base = min(MAX_BACKOFF_S, self.settings.backoff_s * (2 ** (attempt - 1)))
        return base / 2 + self._rng.uniform(0, base / 2)  # "equal jitter": never zero, never in lockstep

    async def get(
        self, path: str, params: Mapping[str, Any] | None = None, *, max_retries: int | None = None
    ) -> tuple[Any, Mapping[str, str]]:
        """GET `path`; returns (decoded JSON, headers). Retries 429/5xx/timeouts/dropped connections, up to
        `max_retries` times ([trakt] max_retries unless given)."""
        retries = self.settings.max_retries if max_retries is None else max_retries
        if self._session is None:
            raise RuntimeError("TraktClient must be used as 'async with TraktClient(...) as client'")
        headers = {
            "Content-Type": "application/json",
            "trakt-api-version": API_VERSION,
            "trakt-api-key": self._key.reveal(),
        }
        url = self.base_url + path
        attempt = 0
        while True:
            pause = self._pause_until - self.clock()
            if pause > 0:
                log.info("trakt rate_limit_pause wait_s=%.1f", pause)
                await self.sleep(pause)
            if self.requests >= self.max_requests:
                raise CapReached
            self.requests += 1
            if attempt:
                self.retries += 1  # counted when the retry is sent, not when it is planned
            wait: float | None = None
            try:
                async with self._session.get(url, params=params, headers=headers) as resp:
                    status = resp.status
                    if status == 200:
                        body = await resp.read()
                        data = json.loads(body)
                        limit_wait = ratelimit_wait(resp.headers)
                        if limit_wait:
                            self._pause_until = self.clock() + limit_wait
                        return data, resp.headers
                    if status in (401, 403):
                        raise KeyRejected(f"Trakt rejected the API key (HTTP {status}): check TRAKT_CLIENT_ID.")
                    if status == 404:
                        raise NotFound(f"Trakt has no {path} (HTTP 404): check [trakt] base_url in bot.toml.")
                    if status == 429:
                        wait = retry_after(resp.headers)
                        reason = "HTTP 429"
                    elif status in RETRYABLE_STATUS:
                        reason = f"HTTP {status}"
                    else:
                        raise TraktError(f"Trakt answered HTTP {status} to GET {path}; the request cannot succeed.")
            except aiohttp.ClientConnectorError:
                reason = f"cannot connect to {self.base_url}"
            except (aiohttp.ClientPayloadError, aiohttp.ClientConnectionError) as exc:
                reason = f"connection dropped: {type(exc).__name__}"
            except TimeoutError:
                reason = f"timeout after {self.settings.timeout_s:g}s"
            except (json.JSONDecodeError, UnicodeDecodeError):
                reason = "invalid JSON"
            attempt += 1
            if attempt > retries:
                raise TraktError(
                    self._scrub(
                        f"Trakt kept failing on GET {path} ({reason}) after {attempt} attempts; "
                        "progress is checkpointed, rerun to continue."
                    )
                )
            delay = wait if wait is not None else self._backoff(attempt)
            level = logging.WARNING if delay >= 10 else logging.INFO
            log.log(level, "trakt retry path=%s reason=%s attempt=%d wait_s=%.2f", path, reason, attempt, delay)
            await self.sleep(delay)

    async def get_page(self, path: str, page: int, limit: int, *, extended: str | None = EXTENDED) -> Page:
        params: dict[str, Any] = {"page": page, "limit": limit}
        if extended:
            params["extended"] = extended
        body, headers = await self.get(path, params)
        if not isinstance(body, list):
            raise TraktError(f"Trakt sent {type(body).__name__} instead of a list for GET {path} page {page}.")
        return Page(
            items=body,
            page=_header_int(headers, "X-Pagination-Page") or page,
            limit=_header_int(headers, "X-Pagination-Limit") or limit,
            page_count=_header_int(headers, "X-Pagination-Page-Count"),
            item_count=_header_int(headers, "X-Pagination-Item-Count"),
            server_time=server_time(headers),
        )

    async def check_key(self) -> None:
        """KeyRejected when Trakt refuses the API key, from its cheapest answer: one movie, minimal fields.

        Sent once, never retried: a run that needs nothing else from Trakt must not wait on it. Any other failure
        (unreachable, 5xx) is a TraktError the caller may shrug off; only the key's rejection is certain."""
        await self.get("/movies/popular", {"page": 1, "limit": 1}, max_retries=0)

    async def get_title(self, kind: str, ref: int | str) -> Any:
        """One movie or show by Trakt id or slug (`extended=full,images`), as Trakt sent it; NotFound on 404."""
        body, _ = await self.get(f"/{kind}s/{ref}", {"extended": EXTENDED})
        return body

    async def get_people(self, kind: str, trakt_id: int) -> Any | None:
        """The raw people payload of one title, or None when Trakt has none (404)."""
        return await self._optional(f"/{kind}s/{trakt_id}/people")

    async def get_aliases(self, kind: str, trakt_id: int) -> Any | None:
        """The raw aliases payload of one title (its other titles, by country), or None when Trakt has none (404)."""
        return await self._optional(f"/{kind}s/{trakt_id}/aliases")

    async def get_translations(self, kind: str, trakt_id: int) -> Any | None:
        """The raw translations of one title, every language in one answer, or None when Trakt has none (404)."""
        return await self._optional(f"/{kind}s/{trakt_id}/translations")

    async def _optional(self, path: str) -> Any | None:
        try:
            body, _ = await self.get(path)
        except NotFound:
            return None
        return body
