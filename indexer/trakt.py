"""The Trakt API source: an aiohttp client, a resumable full crawl and an incremental sync into the working store.

Contracts (trakt/trakt-api, docs.trakt.tv):
- every call sends `Content-Type: application/json`, `trakt-api-version: 2` and `trakt-api-key: <client id>`;
- lists paginate with `?page=&limit=` and answer `X-Pagination-Page`, `-Limit`, `-Page-Count`, `-Item-Count`;
- `extended=full` adds overview, tagline, released/first_aired, runtime, country, language, genres, rating,
  votes, ...; `extended=images` adds image paths without a scheme (the two combine as `full,images`);
- the rate limit (1000 GETs per 5 minutes per app) answers HTTP 429 with `Retry-After` seconds and an
  `X-Ratelimit` JSON (`remaining`, `until`); a bad or missing key is 403 (401 when OAuth would be needed);
- `/{movies|shows}/updates/{start_date}` lists `{"updated_at", "movie"|"show"}` changed since a UTC time that
  is at most 30 days back and only accurate to the hour;
- `/{movies|shows}/{id}/people` gives `cast[].person.name` in billing order and `crew.directing[]` with jobs.

Crawl: `/movies/popular` and `/shows/popular` (the most complete lists ordered by popularity, so `--limit N`
keeps the most useful titles), pages interleaved movie/show; a limit is shared half and half between movies
and shows (a kind whose list runs out leaves the rest to the other). Each page is upserted
together with its checkpoint in ONE transaction, so a crawl killed at any point resumes after the last committed
page: nothing is lost and nothing is stored twice (ids are stable, upserts idempotent). Cast and directors are
fetched for the `people_top_n` most popular movies and the `people_top_n` most popular shows (by list rank),
before their page is committed. Titles outside the top N keep any people already stored. `popularity` is
derived from the list rank (`rank_popularity`), as Trakt publishes no popularity figure.

Sync: updates since the start of the last completed crawl or sync, applied to the Trakt titles already in the
store (the crawl decides what the catalog holds; titles we do not carry are counted as `ignored`).
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import random
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
from tqdm import tqdm

from indexer.config import TraktSettings
from indexer.records import RecordError, Title, parse_record

log = logging.getLogger("morelike.trakt")

API_VERSION = "2"
EXTENDED = "full,images"
KINDS = ("movie", "show")
CRAWL_KEY = "trakt.crawl"  # JSON checkpoint of the full crawl
SYNC_KEY = "trakt.sync"  # JSON checkpoint of the incremental sync
SINCE_KEY = "trakt.updates_since"  # ISO UTC start of the last completed crawl/sync: where the next sync starts
UPDATES_MAX_AGE = timedelta(days=30)
MAX_CAST = 10  # same depth as the bundled catalog ("up to 10 names in billing order")
MAX_BACKOFF_S = 60.0
MAX_REPORTED_MALFORMED = 10  # malformed items logged as warnings per run; the rest are only counted
RETRYABLE_STATUS = frozenset({408, 500, 502, 503, 504, 520, 521, 522, 524})


class TraktError(Exception):
    """The Trakt source cannot go on; the message is one sentence for the operator.

    `summary` (when set) tells what the run did before it stopped; its checkpoint is saved."""

    summary: TraktRunSummary | None = None


class _NotFound(TraktError):
    pass


class _CapReached(Exception):
    pass


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
class TraktRunSummary:
    mode: str  # "crawl" | "sync"
    requests: int = 0  # HTTP requests sent this run, retries included (what the cap counts)
    retries: int = 0
    pages: int = 0  # list pages committed this run
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    malformed: int = 0  # items skipped because they could not be mapped to a Title
    ignored: int = 0  # sync: updated titles the store does not carry
    people: int = 0  # people lists fetched
    stopped_by_cap: bool = False
    completed: bool = False
    resumed: bool = False  # continued a crawl/sync a previous run left unfinished

    @property
    def stored(self) -> int:
        return self.inserted + self.updated + self.unchanged

    def add(self, stats: Any) -> None:
        self.inserted += stats.inserted
        self.updated += stats.updated
        self.unchanged += stats.unchanged

    def __str__(self) -> str:
        return self.line()

    def line(self) -> str:
        state = "completed" if self.completed else ("stopped_by_cap" if self.stopped_by_cap else "incomplete")
        return (
            f"trakt {self.mode} {state}: requests={self.requests} retries={self.retries} pages={self.pages} "
            f"stored={self.stored} inserted={self.inserted} updated={self.updated} unchanged={self.unchanged} "
            f"malformed={self.malformed} ignored={self.ignored} people={self.people} resumed={self.resumed}"
            + (" (request cap reached: rerun to continue)" if self.stopped_by_cap else "")
        )


@dataclass
class Page:
    items: list[Any]
    page: int
    limit: int
    page_count: int | None
    item_count: int | None

    @property
    def is_last(self) -> bool:
        if not self.items:
            return True
        if self.page_count is not None:
            return self.page >= self.page_count
        return len(self.items) < self.limit


# --------------------------------------------------------------------------------------------------------------
# Mapping Trakt payloads onto catalog rows


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


def trakt_title(kind: str, obj: Any, *, cast: Sequence[str] = (), directors: Sequence[str] = ()) -> Title:
    """Map one Trakt movie/show object (extended=full) to a `Title`; raises RecordError when it cannot."""
    if not isinstance(obj, dict):
        raise RecordError(f"expected a {kind} object, got {type(obj).__name__}")
    ids = obj.get("ids")
    if not isinstance(ids, dict):
        raise RecordError("'ids' is missing")
    trakt_id = ids.get("trakt")
    if not isinstance(trakt_id, int) or isinstance(trakt_id, bool) or trakt_id <= 0:
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


def parse_people(body: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Cast names in billing order and directors from a people payload; raises RecordError on a bad shape."""
    if not isinstance(body, dict):
        raise RecordError("people: expected an object")
    cast: list[str] = []
    for entry in body.get("cast") or []:
        name = (entry.get("person") or {}).get("name") if isinstance(entry, dict) else None
        if isinstance(name, str) and name.strip() and name.strip() not in cast:
            cast.append(name.strip())
    directors: list[str] = []
    crew = body.get("crew") or {}
    if not isinstance(crew, dict):
        raise RecordError("people: 'crew' must be an object")
    for entry in crew.get("directing") or []:
        if not isinstance(entry, dict):
            continue
        jobs = entry.get("jobs") if isinstance(entry.get("jobs"), list) else [entry.get("job")]
        name = (entry.get("person") or {}).get("name")
        if "Director" in jobs and isinstance(name, str) and name.strip() and name.strip() not in directors:
            directors.append(name.strip())
    return tuple(cast[:MAX_CAST]), tuple(directors)


# --------------------------------------------------------------------------------------------------------------
# HTTP client


def _header_int(headers: Mapping[str, str], name: str) -> int | None:
    value = headers.get(name)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds to wait from `Retry-After` (seconds or an HTTP date), else from `X-Ratelimit`'s `until`."""
    value = headers.get("Retry-After")
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            try:
                when = email.utils.parsedate_to_datetime(value)
                return max(0.0, (when - datetime.now(UTC)).total_seconds())
            except (TypeError, ValueError):
                pass
    return _ratelimit_wait(headers, only_if_exhausted=False)


def _ratelimit_wait(headers: Mapping[str, str], *, only_if_exhausted: bool = True) -> float | None:
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
    return max(0.0, (until - datetime.now(UTC)).total_seconds())


class TraktClient:
    """GET-only Trakt client with retries, rate-limit waits and a hard cap on requests."""

    def __init__(self, settings: TraktSettings, client_id: str | None, *, max_requests: int | None = None) -> None:
        if not client_id or not client_id.strip():
            raise TraktError("No Trakt API key: set TRAKT_CLIENT_ID to your Trakt app's client id.")
        self.settings = settings
        self.base_url = settings.base_url.rstrip("/")
        self.max_requests = settings.max_requests if max_requests is None else max_requests
        self.requests = 0
        self.retries = 0
        self._key = _Secret(client_id.strip())
        self._session: aiohttp.ClientSession | None = None
        self._rng = random.Random()
        self._pause_until = 0.0  # monotonic time before which no request is sent (X-Ratelimit exhausted)

    def __repr__(self) -> str:
        return f"TraktClient(base_url={self.base_url!r}, requests={self.requests}, max_requests={self.max_requests})"

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

    async def get(self, path: str, params: Mapping[str, Any] | None = None) -> tuple[Any, Mapping[str, str]]:
        """GET `path`; returns (decoded JSON, headers). Retries 429/5xx/timeouts/dropped connections."""
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
            pause = self._pause_until - time.monotonic()
            if pause > 0:
                log.info("trakt rate_limit_pause wait_s=%.1f", pause)
                await asyncio.sleep(pause)
            if self.requests >= self.max_requests:
                raise _CapReached
            self.requests += 1
            wait: float | None = None
            try:
                async with self._session.get(url, params=params, headers=headers) as resp:
                    status = resp.status
                    if status == 200:
                        body = await resp.read()
                        data = json.loads(body)
                        limit_wait = _ratelimit_wait(resp.headers)
                        if limit_wait:
                            self._pause_until = time.monotonic() + limit_wait
                        return data, resp.headers
                    if status in (401, 403):
                        raise TraktError(f"Trakt rejected the API key (HTTP {status}): check TRAKT_CLIENT_ID.")
                    if status == 404:
                        raise _NotFound(f"Trakt has no {path} (HTTP 404): check [trakt] base_url in bot.toml.")
                    if status == 429:
                        wait = _retry_after(resp.headers)
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
            if attempt > self.settings.max_retries:
                raise TraktError(
                    self._scrub(
                        f"Trakt kept failing on GET {path} ({reason}) after {attempt} attempts; "
                        "progress is checkpointed, rerun to continue."
                    )
                )
            delay = wait if wait is not None else self._backoff(attempt)
            self.retries += 1
            level = logging.WARNING if delay >= 10 else logging.INFO
            log.log(level, "trakt retry path=%s reason=%s attempt=%d wait_s=%.2f", path, reason, attempt, delay)
            await asyncio.sleep(delay)

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
        )

    async def get_people(self, kind: str, trakt_id: int) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
        """(cast, directors) of one title, or None when Trakt has none or sent a malformed payload."""
        try:
            body, _ = await self.get(f"/{kind}s/{trakt_id}/people")
        except _NotFound:
            return None
        try:
            return parse_people(body)
        except RecordError as exc:
            log.info("trakt people_malformed kind=%s trakt_id=%s reason=%s", kind, trakt_id, exc)
            return None


# --------------------------------------------------------------------------------------------------------------
# Crawl and sync


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_iso(text: str) -> datetime:
    dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _hour(dt: datetime) -> str:
    """Trakt's updates are only accurate to the hour, and it asks callers to drop minutes for its cache."""
    return _iso(dt.replace(minute=0, second=0, microsecond=0))


def _load_json(text: str | None) -> dict | None:
    if not text:
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


@dataclass
class _Run:
    store: Any
    client: TraktClient
    summary: TraktRunSummary
    bar: tqdm
    known_totals: dict[str, int] = field(default_factory=dict)

    def set_total(self, kind: str, item_count: int | None, limit: int | None) -> None:
        if item_count is None:
            return
        self.known_totals[kind] = item_count
        total = sum(self.known_totals.values())
        self.bar.total = min(total, limit) if limit is not None else total
        self.bar.refresh()

    def parse(self, kind: str, objs: Sequence[tuple[int, Any]]) -> list[tuple[int, Title]]:
        """(rank, Title) for every well-formed item; the rest is counted and logged, never fatal."""
        out: list[tuple[int, Title]] = []
        seen: set[str] = set()
        for rank, obj in objs:
            try:
                title = trakt_title(kind, obj)
            except RecordError as exc:
                self.summary.malformed += 1
                level = logging.WARNING if self.summary.malformed <= MAX_REPORTED_MALFORMED else logging.DEBUG
                log.log(level, "trakt skipped malformed item kind=%s rank=%d reason=%s", kind, rank, exc)
                continue
            if title.id not in seen:
                seen.add(title.id)
                out.append((rank, title))
        return out

    async def with_people(self, kind: str, ranked: Sequence[tuple[int, Title]], top_n: int | None) -> list[Title]:
        """Attach popularity (from the rank) and people: fetched for ranks <= top_n, else kept from the stored row."""
        out: list[Title] = []
        for rank, title in ranked:
            title = replace(title, popularity=rank_popularity(rank))
            people = None
            if top_n is not None and rank <= top_n and title.trakt_id is not None:
                people = await self.client.get_people(kind, title.trakt_id)
                self.summary.people += 1
            if people is None:
                stored = await self.store.get(title.id)
                if stored is not None:
                    people = (stored.cast, stored.directors)
            if people is not None:
                title = replace(title, cast=tuple(people[0]), directors=tuple(people[1]))
            out.append(title)
        return out


def _progress(enabled: bool, desc: str) -> tqdm:
    return tqdm(total=None, unit="title", desc=desc, disable=not enabled, dynamic_ncols=True, leave=True)


async def crawl(
    store: Any, settings: TraktSettings, client_id: str | None, *, limit: int | None = None, progress: bool = False
) -> TraktRunSummary:
    """Crawl Trakt's popular movies and shows into `store`, resuming an unfinished crawl where it stopped.

    Stops cleanly (checkpoint saved, `stopped_by_cap`) when `settings.max_requests` is reached; a rerun
    continues. A completed crawl records its start time, from which `sync` picks up changes."""
    summary = TraktRunSummary("crawl")
    if limit is not None and limit < 0:
        raise ValueError("limit must be >= 0")
    client = TraktClient(settings, client_id)
    state = _load_json(await store.get_state(CRAWL_KEY))
    if state is not None and state.get("status") == "running":
        summary.resumed = True
        log.info("trakt crawl_resume pages=%s taken=%s", state["pages"], state["taken"])
    else:
        state = {
            "status": "running",
            "started_at": _iso(_now()),
            "page_limit": settings.page_limit,
            "pages": {k: 0 for k in KINDS},
            "done": {k: False for k in KINDS},
            "taken": {k: 0 for k in KINDS},  # titles stored per kind (what a limit counts)
        }
    async with client:
        with _progress(progress, "trakt crawl") as bar:
            run = _Run(store, client, summary, bar)
            try:
                await _crawl_pages(run, state, settings, limit)
            except _CapReached:
                summary.stopped_by_cap = True
                log.warning(
                    "trakt request_cap_reached max_requests=%d pages=%s: rerun to continue",
                    client.max_requests,
                    state["pages"],
                )
            except TraktError as exc:
                exc.summary = summary
                raise
            finally:
                summary.requests, summary.retries = client.requests, client.retries
    log.info("%s", summary.line())
    return summary


async def _crawl_pages(run: _Run, state: dict, settings: TraktSettings, limit: int | None) -> None:
    page_limit = int(state["page_limit"])  # a resumed crawl keeps its page size, so page numbers stay valid
    top_n = settings.people_top_n
    taken = state["taken"]

    def quota(kind: str) -> float:
        """A limit is shared half and half, and a kind whose list ran out leaves the rest to the other."""
        if limit is None:
            return float("inf")
        other = "show" if kind == "movie" else "movie"
        if state["done"][other]:
            return limit - taken[other]
        return (limit + 1) // 2 if kind == "movie" else limit // 2

    def kind_done(kind: str) -> bool:
        return state["done"][kind] or taken[kind] >= quota(kind)

    def finished() -> bool:
        return all(kind_done(k) for k in KINDS)

    completion_written = False
    while not finished():
        for kind in KINDS:
            if kind_done(kind):
                continue
            page_no = state["pages"][kind] + 1
            page = await run.client.get_page(f"/{kind}s/popular", page_no, page_limit)
            if page_no == 1 or kind not in run.known_totals:
                run.set_total(kind, page.item_count, limit)
            first_rank = (page_no - 1) * page.limit + 1
            ranked = run.parse(kind, list(enumerate(page.items, start=first_rank)))
            if limit is not None:
                ranked = ranked[: max(0, int(quota(kind) - taken[kind]))]
            titles = await run.with_people(kind, ranked, top_n)
            state["pages"][kind] = page_no
            taken[kind] += len(titles)
            if page.is_last:
                state["done"][kind] = True
            checkpoint = {CRAWL_KEY: json.dumps({**state, "status": "completed" if finished() else "running"})}
            if finished():
                checkpoint[SINCE_KEY] = state["started_at"]
                completion_written = True
            stats = await run.store.upsert_titles(titles, state=checkpoint)
            run.summary.add(stats)
            run.summary.pages += 1
            run.bar.update(len(titles))
            log.debug(
                "trakt page kind=%s page=%d/%s items=%d stored=%d inserted=%d updated=%d",
                kind,
                page_no,
                page.page_count,
                len(page.items),
                len(titles),
                stats.inserted,
                stats.updated,
            )
    if not completion_written:
        # Reached without committing a page in this run (limit=0, or the limit was already met on resume).
        await run.store.set_state(CRAWL_KEY, json.dumps({**state, "status": "completed"}))
        await run.store.set_state(SINCE_KEY, state["started_at"])
    run.summary.completed = True


async def sync(
    store: Any, settings: TraktSettings, client_id: str | None, *, progress: bool = False
) -> TraktRunSummary:
    """Apply Trakt's updates since the last completed crawl/sync to the Trakt titles in `store`."""
    summary = TraktRunSummary("sync")
    client = TraktClient(settings, client_id)
    state = _load_json(await store.get_state(SYNC_KEY))
    if state is not None and state.get("status") == "running":
        summary.resumed = True
    else:
        since_text = await store.get_state(SINCE_KEY)
        if not since_text:
            raise TraktError(
                "No completed Trakt crawl to sync from: run `python -m indexer build --source trakt` first."
            )
        since = _parse_iso(since_text)
        if _now() - since > UPDATES_MAX_AGE:
            raise TraktError(
                f"The last Trakt crawl or sync started on {since:%Y-%m-%d}, more than 30 days ago (the limit of "
                "Trakt's updates): run `python -m indexer build --source trakt` to crawl again."
            )
        state = {
            "status": "running",
            "since": _hour(since),
            "started_at": _iso(_now()),
            "page_limit": settings.page_limit,
            "pages": {k: 0 for k in KINDS},
            "done": {k: False for k in KINDS},
        }
    async with client:
        with _progress(progress, "trakt sync") as bar:
            run = _Run(store, client, summary, bar)
            try:
                await _sync_pages(run, state)
            except _CapReached:
                summary.stopped_by_cap = True
                log.warning("trakt request_cap_reached max_requests=%d: rerun sync to continue", client.max_requests)
            except TraktError as exc:
                exc.summary = summary
                raise
            finally:
                summary.requests, summary.retries = client.requests, client.retries
    log.info("%s", summary.line())
    return summary


async def _sync_pages(run: _Run, state: dict) -> None:
    page_limit = int(state["page_limit"])
    for kind in KINDS:
        while not state["done"][kind]:
            page_no = state["pages"][kind] + 1
            page = await run.client.get_page(f"/{kind}s/updates/{state['since']}", page_no, page_limit)
            if page_no == 1 or kind not in run.known_totals:
                run.set_total(kind, page.item_count, None)
            objs: list[tuple[int, Any]] = []
            first_rank = (page_no - 1) * page.limit + 1
            for rank, item in enumerate(page.items, start=first_rank):
                objs.append((rank, item.get(kind) if isinstance(item, dict) else item))
            titles: list[Title] = []
            for _, title in run.parse(kind, objs):
                stored = await run.store.get(title.id)
                if stored is None:
                    run.summary.ignored += 1
                    continue
                # Updates carry neither people nor a rank: keep what the crawl stored.
                titles.append(
                    replace(title, cast=stored.cast, directors=stored.directors, popularity=stored.popularity)
                )
            state["pages"][kind] = page_no
            state["done"][kind] = page.is_last
            done = all(state["done"].values())
            checkpoint = {SYNC_KEY: json.dumps({**state, "status": "completed" if done else "running"})}
            if done:
                checkpoint[SINCE_KEY] = state["started_at"]
            stats = await run.store.upsert_titles(titles, state=checkpoint)
            run.summary.add(stats)
            run.summary.pages += 1
            run.bar.update(len(page.items))
            log.debug("trakt updates kind=%s page=%d/%s items=%d applied=%d", kind, page_no, page.page_count,
                      len(page.items), len(titles))  # fmt: skip
    run.summary.completed = True
