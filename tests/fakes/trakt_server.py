"""A local fake of the Trakt API (v2), built from the public contracts in trakt/trakt-api and docs.trakt.tv.

What it serves (GET only, JSON):
  /movies/popular, /shows/popular                 paginated lists (page/limit, X-Pagination-* headers)
  /movies/updates/{start_date}, /shows/updates/…  `[{"updated_at": …, "movie"|"show": {…}}]`, paginated
  /movies/{id}, /shows/{id}                       one title (id = Trakt id or slug)
  /movies/{id}/people, /shows/{id}/people         `{"cast": [...], "crew": {"directing": [...], ...}}`
  /movies/{id}/aliases, /shows/{id}/aliases       `[{"title", "country"}]`: other titles, not paginated
  /movies/{id}/translations[/{language}], /shows/… `[{"title", "overview", "tagline", "language", "country"}]`: every
                                                  language (or the one asked for), not paginated; `title` may be null
`extended=full` adds the full fields, `extended=images` the image paths (comma-combinable, as documented);
without it items are the minimal `{title, year, ids}`, so a client that forgets `extended=full` is caught.

Required headers are checked like Trakt does: a missing or wrong `trakt-api-key` is HTTP 403 ("invalid API key"),
a wrong `trakt-api-version` is 400, a missing JSON content type is 412.

Faults can be injected per path (glob) and page: an HTTP status (429 with Retry-After and X-Ratelimit, 500, 502,
503, ...), a dropped connection (headers and half the body, then the socket is closed), a delay (to trigger client
timeouts), a hang (blocks until released; used to SIGKILL a crawl at a known point) and a call (runs a function,
e.g. an editor touching titles, just before the request is answered). Every request is counted per path and
logged with its page.

Titles carry `original_title` where Trakt has one (`extended=full`; nullish), and every title has its English
translation; `add_world_titles` puts real films with their original titles, aliases and translations in other
languages and scripts at the top of the movie list.

The updates feed behaves as documented: one item per title changed since `start_date`, oldest first, paginated
by offset, so a title touched while a client pages through moves to the end and every later item shifts one place
back (the page drift a client must survive). `Catalog.corrupt_update` serves a title's feed item malformed while
`/movies/{id}` still answers it well formed; `Catalog.raw_update` adds a feed item that belongs to no title.

Standalone (demo for `python -m indexer build --source trakt`):
    python -m tests.fakes.trakt_server --port 8765 --client-id demo [--bundled data/catalog.jsonl.gz]
then set `[trakt] base_url = "http://127.0.0.1:8765"` and `TRAKT_CLIENT_ID=demo`.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import fnmatch
import gzip
import json
import math
import random
import re
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp import web

from tests.fakes.trakt_accounts import TraktAccounts

API_VERSION = "2"
DEFAULT_LIMIT = 10  # documented default when `limit` is omitted
MAX_LIMIT = 100  # our lists clamp larger limits (documented: "higher values are clamped rather than rejected")
UPDATES_MAX_AGE = timedelta(days=30)  # documented: start_date can be at most 30 days in the past
MINIMAL_FIELDS = ("title", "year", "ids")

# --------------------------------------------------------------------------------------------------------------
# Catalog: Trakt-shaped payloads


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


_WORDS = (
    "silent harbor crimson winter midnight garden broken signal last frontier hidden kingdom iron river "
    "golden hour paper moon distant shore wild heart glass city hollow crown lost echo northern light "
    "burning sky velvet storm quiet storm empty road falling star secret tide lonely planet"
).split()
_GENRES = (
    "action adventure animation comedy crime documentary drama family fantasy history horror mystery romance "
    "science-fiction thriller war western"
).split()
_PEOPLE = (
    "Ava Stone|Liam Carter|Mia Lopez|Noah Fischer|Zoe Tanaka|Ethan Brooks|Lena Novak|Omar Haddad|Sara Lind|"
    "Kenji Mori|Ines Duarte|Tom Becker|Nora Quinn|Ravi Patel|Elsa Berg|Hugo Martin"
).split("|")


def _slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def make_people(rng: random.Random, kind: str) -> dict:
    """A people payload: cast in billing order, crew grouped by department (documented shape)."""
    names = rng.sample(_PEOPLE, 6)

    def person(name: str) -> dict:
        return {"name": name, "ids": {"trakt": sum(map(ord, name)), "slug": _slugify(name)}}

    cast = [
        {"character": f"Role {i + 1}", "characters": [f"Role {i + 1}"], "person": person(n)}
        | ({"episode_count": 10} if kind == "show" else {})
        for i, n in enumerate(names[:4])
    ]
    crew = {
        "directing": [{"job": "Director", "jobs": ["Director"], "person": person(names[4])}],
        "writing": [{"job": "Screenplay", "jobs": ["Screenplay"], "person": person(names[5])}],
    }
    return {"cast": cast, "crew": crew}


def make_movie(trakt_id: int, rng: random.Random, updated_at: datetime) -> dict:
    words = rng.sample(_WORDS, 2)
    title = f"The {words[0].title()} {words[1].title()} {trakt_id}"
    year = rng.randint(1950, 2024)
    return {
        "title": title,
        "year": year,
        "ids": {
            "trakt": trakt_id,
            "slug": f"{_slugify(title)}-{year}",
            "imdb": f"tt{1000000 + trakt_id}",
            "tmdb": 50000 + trakt_id,
        },
        "tagline": f"Every {words[0]} hides a {words[1]}.",
        "overview": f"A story about a {words[0]} {words[1]} and the people caught in it ({trakt_id}).",
        "released": f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        "runtime": rng.randint(80, 180),
        "country": rng.choice(["us", "gb", "fr", "jp", "kr"]),
        "trailer": None,
        "homepage": None,
        "status": "released",
        "rating": round(rng.uniform(4, 9), 5),
        "votes": rng.randint(1, 50000),
        "comment_count": rng.randint(0, 100),
        "updated_at": _iso(updated_at),
        "language": rng.choice(["en", "fr", "ja", "ko"]),
        "languages": ["en"],
        "available_translations": ["en"],
        "genres": rng.sample(_GENRES, 2),
        "certification": "PG-13",
        "original_title": title,
        "images": {
            "fanart": [],
            "poster": [f"media.trakt.tv/images/movies/{trakt_id:09d}/posters/medium/p.jpg.webp"],
            "logo": [],
            "clearart": [],
            "banner": [],
            "thumb": [],
        },
    }


def make_show(trakt_id: int, rng: random.Random, updated_at: datetime) -> dict:
    words = rng.sample(_WORDS, 2)
    title = f"{words[0].title()} {words[1].title()} {trakt_id}"
    year = rng.randint(1980, 2024)
    first_aired = datetime(year, rng.randint(1, 12), rng.randint(1, 28), 2, 0, tzinfo=UTC)
    return {
        "title": title,
        "year": year,
        "ids": {
            "trakt": trakt_id,
            "slug": _slugify(title),
            "tvdb": 70000 + trakt_id,
            "imdb": f"tt{2000000 + trakt_id}",
            "tmdb": 60000 + trakt_id,
        },
        "tagline": None,
        "overview": f"A series about a {words[0]} {words[1]} ({trakt_id}).",
        "first_aired": _iso(first_aired),
        "airs": {"day": "Sunday", "time": "21:00", "timezone": "America/New_York"},
        "runtime": rng.choice([22, 30, 45, 60]),
        "certification": "TV-MA",
        "network": rng.choice(["HBO", "AMC", "BBC One", "Netflix"]),
        "country": rng.choice(["us", "gb"]),
        "trailer": None,
        "homepage": None,
        "status": rng.choice(["returning series", "ended", "canceled"]),
        "rating": round(rng.uniform(4, 9), 5),
        "votes": rng.randint(1, 50000),
        "comment_count": rng.randint(0, 100),
        "updated_at": _iso(updated_at),
        "language": "en",
        "languages": ["en"],
        "available_translations": ["en"],
        "genres": rng.sample(_GENRES, 2),
        "aired_episodes": rng.randint(6, 120),
        "original_title": title,
    }


@dataclass
class Catalog:
    """Titles in popularity order per kind, their people, and the update log the updates endpoints read."""

    movies: list[Any] = field(default_factory=list)
    shows: list[Any] = field(default_factory=list)
    people: dict[tuple[str, int], dict] = field(default_factory=dict)
    aliases: dict[tuple[str, int], list[dict]] = field(default_factory=dict)  # (kind, id) -> aliases; absent: none
    # (kind, id) -> translations; absent: the English one, made from the title as it is then
    translations: dict[tuple[str, int], list[dict]] = field(default_factory=dict)
    feed_mutations: dict[tuple[str, int], Any] = field(default_factory=dict)  # (kind, id) -> fn(item) -> item
    # kind -> the item count its popular list announces (X-Pagination-Item-Count) when larger than the titles held:
    # a scaled catalog whose list says "1,100,000 movies" and serves its first pages (later pages are empty).
    listed: dict[str, int] = field(default_factory=dict)
    raw_updates: list[tuple[str, datetime, Any]] = field(default_factory=list)  # (kind, when, raw feed item)

    def items(self, kind: str) -> list[Any]:
        return self.movies if kind == "movie" else self.shows

    def find(self, kind: str, ref: str) -> dict | None:
        for obj in self.items(kind):
            if not isinstance(obj, dict) or not isinstance(obj.get("ids"), dict):
                continue
            ids = obj["ids"]
            if str(ids.get("trakt")) == ref or ids.get("slug") == ref:
                return obj
        return None

    def touch(self, kind: str, trakt_id: int, at: datetime | None = None, **changes: Any) -> dict:
        """Change a title (as a Trakt editor would) and record it in the updates feed."""
        obj = self.find(kind, str(trakt_id))
        if obj is None:
            raise KeyError(f"{kind} {trakt_id}")
        obj.update(changes)
        obj["updated_at"] = _iso(at or datetime.now(UTC))
        return obj

    def corrupt_update(self, kind: str, trakt_id: int, mutate) -> None:
        """Serve this title's updates-feed item as `mutate(copy of the movie/show object)` returns it."""
        self.feed_mutations[(kind, trakt_id)] = mutate

    def raw_update(self, kind: str, item: Any, at: datetime) -> None:
        """A feed item (`{"updated_at", kind: ...}` or anything else) that belongs to no catalog title."""
        self.raw_updates.append((kind, at, item))


def make_catalog(n_movies: int, n_shows: int, *, seed: int = 7, updated_at: datetime | None = None) -> Catalog:
    """A deterministic synthetic catalog; movie and show Trakt ids overlap on purpose (separate id spaces)."""
    rng = random.Random(seed)
    stamp = updated_at or datetime(2024, 1, 1, tzinfo=UTC)
    catalog = Catalog()
    for i in range(1, n_movies + 1):
        catalog.movies.append(make_movie(i, rng, stamp))
        catalog.people[("movie", i)] = make_people(rng, "movie")
    for i in range(1, n_shows + 1):
        catalog.shows.append(make_show(i, rng, stamp))
        catalog.people[("show", i)] = make_people(rng, "show")
    return catalog


# Real films whose names people type in their own language: (title, year, language, country, original_title or None
# (Trakt's field is nullish), aliases [(title, country)], translations [(title or None, language, country)]).
WORLD_TITLES: tuple[tuple, ...] = (
    ("Amélie", 2001, "fr", "fr", None,
     [("Amélie from Montmartre", "us"), ("Amelie", "de")],
     [("Le Fabuleux Destin d'Amélie Poulain", "fr", "fr"), ("Die fabelhafte Welt der Amélie", "de", "de"),
      ("アメリ", "ja", "jp"), ("Амели", "ru", "ru"), (None, "it", "it")]),
    ("Spirited Away", 2001, "ja", "jp", "千と千尋の神隠し",
     [("Sen to Chihiro no kamikakushi", "jp"), ("Chihiros Reise ins Zauberland", "de")],
     [("千と千尋の神隠し", "ja", "jp"), ("千与千寻", "zh", "cn"), ("El viaje de Chihiro", "es", "es"),
      ("Le Voyage de Chihiro", "fr", "fr")]),
    ("Parasite", 2019, "ko", "kr", "기생충",
     [("Gisaengchung", "kr")],
     [("기생충", "ko", "kr"), ("パラサイト 半地下の家族", "ja", "jp"), ("Паразиты", "ru", "ru")]),
    ("Moscow Does Not Believe in Tears", 1980, "ru", "su", None,
     [("Moskva slezam ne verit", "ru")],
     [("Москва слезам не верит", "ru", "ru"), ("Moskau glaubt den Tränen nicht", "de", "de")]),
    ("The Lives of Others", 2006, "de", "de", "Das Leben der Anderen",
     [],
     [("Das Leben der Anderen", "de", "de"), ("La vida de los otros", "es", "es"), ("La Vie des autres", "fr", "fr")]),
    ("Life Is Beautiful", 1997, "it", "it", "La vita è bella",
     [],
     [("La vita è bella", "it", "it"), ("Das Leben ist schön", "de", "de"), ("La vida es bella", "es", "es")]),
    ("Y Tu Mamá También", 2001, "es", "mx", None,
     [("And Your Mother Too", "us")],
     [("Y tu mamá también", "es", "mx"), ("Y tu mamá también – Lust for Life", "de", "de")]),
    ("Godzilla", 1954, "ja", "jp", "ゴジラ",
     [("Gojira", "jp")],
     [("ゴジラ", "ja", "jp"), ("Годзилла", "ru", "ru")]),
)  # fmt: skip
WORLD_ID = 90_001  # Trakt ids of the world titles, in WORLD_TITLES order


def add_world_titles(catalog: Catalog) -> Catalog:
    """Put WORLD_TITLES at the top of the movie list (most popular first), with their aliases and translations."""
    stamp = _iso(datetime(2024, 1, 1, tzinfo=UTC))
    movies = []
    for i, (title, year, language, country, original, aliases, translations) in enumerate(WORLD_TITLES):
        trakt_id = WORLD_ID + i
        movies.append({
            "title": title,
            "year": year,
            "ids": {"trakt": trakt_id, "slug": f"{_slugify(title)}-{year}", "imdb": f"tt{9_000_000 + trakt_id}",
                    "tmdb": 80_000 + trakt_id},
            "tagline": None,
            "overview": f"{title}: a {year} film from {country.upper()}, as the world knows it under many names.",
            "released": f"{year}-06-01",
            "runtime": 110,
            "country": country,
            "rating": 8.0,
            "votes": 20_000,
            "updated_at": stamp,
            "language": language,
            "languages": [language],
            "available_translations": sorted({lang for _, lang, _ in translations} | {"en"}),
            "genres": ["drama"],
            "original_title": original,
        })  # fmt: skip
        catalog.aliases[("movie", trakt_id)] = [{"title": t, "country": c} for t, c in aliases]
        catalog.translations[("movie", trakt_id)] = [
            {"title": title, "overview": movies[-1]["overview"], "tagline": None, "language": "en", "country": "us"}
        ] + [
            {"title": t, "overview": f"({lang}) …", "tagline": None, "language": lang, "country": c}
            for t, lang, c in translations
        ]
        catalog.people[("movie", trakt_id)] = {"cast": [], "crew": {}}
    catalog.movies[:0] = movies
    return catalog


def catalog_from_bundled(path: str | Path, n_movies: int, n_shows: int) -> Catalog:
    """Trakt-shaped payloads made from real bundled titles (most voted first), for demos with sensible results."""
    rows: dict[str, list[dict]] = {"movie": [], "show": []}
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            if row.get("overview") and row.get("year"):
                rows[row["kind"]].append(row)
    chosen = [sorted(rows[kind], key=lambda r: -(r.get("votes") or 0))[:n] for kind, n in
              (("movie", n_movies), ("show", n_shows))]  # fmt: skip
    return catalog_from_rows([*chosen[0], *chosen[1]], n_movies, n_shows)


def catalog_from_rows(rows: Iterable[dict], n_movies: int, n_shows: int) -> Catalog:
    """Trakt-shaped payloads made from catalog rows (the bundled JSONL format, data/README.md) in the order given,
    which is the popular lists' order: the first `n_movies` movies and `n_shows` shows, Trakt ids 1, 2, ... per
    kind, with their cast and directors as people. Reads no further than it needs (a long file is fine)."""
    catalog = Catalog()
    stamp = _iso(datetime(2024, 1, 1, tzinfo=UTC))
    wanted = {"movie": n_movies, "show": n_shows}
    for row in rows:
        kind = row.get("kind")
        if kind not in wanted or not row.get("title"):
            continue
        held = catalog.items(kind)
        if len(held) >= wanted[kind]:
            if all(len(catalog.items(k)) >= n for k, n in wanted.items()):
                break
            continue
        i = len(held) + 1
        year = row.get("year")
        ids: dict[str, Any] = {"trakt": i, "slug": f"{_slugify(row['title'])}-{year or i}"}
        ids |= {"imdb": row.get("imdb_id"), "tmdb": row.get("tmdb_id")}
        obj = {
            "title": row["title"],
            "year": year,
            "ids": ids,
            "tagline": row.get("tagline"),
            "overview": row.get("overview"),
            "runtime": row.get("runtime"),
            "country": (row.get("country") or "").lower() or None,
            "rating": row.get("rating"),
            "votes": row.get("votes") or 0,
            "updated_at": stamp,
            "language": row.get("language"),
            "genres": row.get("genres") or [],
            "original_title": None,
        }
        if kind == "movie":
            obj["released"] = row.get("released") or (f"{year}-01-01" if year else None)
        else:
            ids["tvdb"] = None
            aired = f"{year}-01-01T00:00:00.000Z" if year else None
            obj |= {"first_aired": aired, "network": None, "aired_episodes": 0}
        held.append(obj)
        cast = [{"character": "", "characters": [], "person": {"name": n}} for n in row.get("cast") or []]
        directing = [
            {"job": "Director", "jobs": ["Director"], "person": {"name": n}} for n in row.get("directors") or []
        ]
        catalog.people[(kind, i)] = {"cast": cast, "crew": {"directing": directing}}
    return catalog


# --------------------------------------------------------------------------------------------------------------
# Faults


@dataclass
class Fault:
    path: str  # glob on the request path, e.g. "/movies/popular" or "/movies/*/people"
    action: str  # "status" | "drop" | "delay" | "hang" | "call" | "exhaust" (200 with X-Ratelimit remaining 0)
    page: int | None = None  # only requests for this page (None: any)
    times: int = 1  # how many matching requests it hits
    status: int = 503
    retry_after: int | None = None
    delay: float = 0.0
    fn: Any = None  # "call": run before the request is answered
    hits: int = 0

    def matches(self, path: str, page: int | None) -> bool:
        return self.hits < self.times and fnmatch.fnmatchcase(path, self.path) and self.page in (None, page)


class RateLimit:
    """A fixed-window request limit like Trakt's `X-Ratelimit` describes: `limit` calls per `period` seconds,
    the window running from its first request to `until`. Counts what it served and what it refused."""

    def __init__(self, limit: int, period_s: float, *, on_success: bool = False) -> None:
        self.limit = limit
        self.period_s = period_s
        self.on_success = on_success
        self.window_end = 0.0  # loop-independent wall clock (time.time) at which the current window ends
        self.used = 0
        self.served = 0
        self.refused = 0
        self.windows = 0

    def _roll(self) -> float:
        now = time.time()
        if now >= self.window_end:
            self.window_end = now + self.period_s
            self.used = 0
            self.windows += 1
        return now

    def admit(self) -> web.Response | None:
        """None when the request fits in the window (and is counted), else the documented 429."""
        now = self._roll()
        if self.used < self.limit:
            self.used += 1
            self.served += 1
            return None
        self.refused += 1
        seconds = max(1, math.ceil(self.window_end - now))
        return _error(429, "Rate Limit Exceeded", {"Retry-After": str(seconds), "X-Ratelimit": self.header()})

    def header(self) -> str:
        until = datetime.fromtimestamp(math.ceil(self.window_end), UTC)  # whole seconds, never early
        info = {"name": "UNAUTHED_API_GET_LIMIT", "period": self.period_s, "limit": self.limit}
        info |= {"remaining": max(0, self.limit - self.used), "until": until.strftime("%Y-%m-%dT%H:%M:%SZ")}
        return json.dumps(info)


class FakeTrakt:
    """The fake server. `await start()` returns its base URL; counts live in `hits` and `log`."""

    def __init__(
        self,
        catalog: Catalog | None = None,
        *,
        client_id: str = "test-client-id",
        client_secret: str = "test-client-secret",
    ) -> None:
        self.catalog = catalog or make_catalog(250, 120)
        self.client_id = client_id
        # Members' side: OAuth device flow, tokens, histories (tests/fakes/trakt_accounts.py).
        self.accounts = TraktAccounts(client_id, client_secret)
        self.faults: list[Fault] = []
        self.max_limit = MAX_LIMIT  # the largest page a list serves; a larger `limit` is clamped to it
        self.rate: RateLimit | None = None  # see `limit_rate`
        self.hits: Counter[str] = Counter()  # path -> requests served (faulted ones included)
        self.log: list[tuple[str, int | None]] = []  # (path, page) in arrival order
        self.hung = asyncio.Event()  # set when a "hang" fault caught a request
        self.release = asyncio.Event()  # set it to let hung requests finish
        self._arrived = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    # -- control ---------------------------------------------------------------------------------------------
    def fail(self, path: str, action: str = "status", **kw: Any) -> Fault:
        fault = Fault(path=path, action=action, **kw)
        self.faults.append(fault)
        return fault

    def limit_rate(self, limit: int, period_s: float, *, on_success: bool = False) -> RateLimit:
        """Enforce Trakt's documented rate limit, scaled: `limit` GETs per fixed window of `period_s` seconds
        (Trakt's: 1000 per 300 s). A request over it is HTTP 429 with `Retry-After` (whole seconds to the window's
        end, rounded up) and the `X-Ratelimit` JSON, as documented; `on_success` also puts `X-Ratelimit` (with
        `remaining`) on every answer. `self.rate = None` lifts it."""
        self.rate = RateLimit(limit, period_s, on_success=on_success)
        return self.rate

    async def wait_requests(self, n: int) -> None:
        """Return once at least `n` requests have arrived."""
        while len(self.log) < n:
            self._arrived.clear()
            await self._arrived.wait()

    def page_hits(self, path: str, page: int) -> int:
        return sum(1 for p, n in self.log if p == path and n == page)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self, port: int = 0) -> str:
        app = web.Application()
        app.router.add_get("/{kind:movies|shows}/popular", self._popular)
        app.router.add_get("/{kind:movies|shows}/updates/{start_date}", self._updates)
        app.router.add_get("/{kind:movies|shows}/{ref}/people", self._people)
        app.router.add_get("/{kind:movies|shows}/{ref}/aliases", self._aliases)
        app.router.add_get("/{kind:movies|shows}/{ref}/translations", self._translations)
        app.router.add_get("/{kind:movies|shows}/{ref}/translations/{language}", self._translations)
        app.router.add_get("/{kind:movies|shows}/{ref}", self._summary)
        self.accounts.install(app.router, self._paginate)
        app.middlewares.append(self._middleware)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        self.port = self._runner.addresses[0][1]  # the bound port (the OS's choice when port is 0)
        return self.base_url

    async def stop(self) -> None:
        self.release.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTrakt:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- plumbing --------------------------------------------------------------------------------------------
    @web.middleware
    async def _middleware(self, request: web.Request, handler):
        page = _int_arg(request, "page")
        self.hits[request.path] += 1
        self.log.append((request.path, page))
        self._arrived.set()
        if request.headers.get("trakt-api-key") != self.client_id:
            return _error(403, "Forbidden - invalid API key or unapproved app")
        if request.headers.get("trakt-api-version") != API_VERSION:
            return _error(400, "Bad Request - trakt-api-version 2 is required")
        if not request.headers.get("Content-Type", "").startswith("application/json"):
            return _error(412, "Precondition Failed - use application/json content type")
        rate = self.rate
        if rate is not None:
            refusal = rate.admit()
            if refusal is not None:
                return refusal
        for fault in self.faults:
            if fault.matches(request.path, page):
                fault.hits += 1
                return await self._apply(fault, request, handler)
        response = await handler(request)
        if rate is not None and rate.on_success and response.status == 200:
            response.headers["X-Ratelimit"] = rate.header()
        return response

    async def _apply(self, fault: Fault, request: web.Request, handler):
        if fault.action == "status":
            headers = {}
            if fault.status == 429:
                seconds = fault.retry_after if fault.retry_after is not None else 1
                headers["Retry-After"] = str(seconds)
                headers["X-Ratelimit"] = _ratelimit_header(seconds)
            return _error(fault.status, "injected", headers)
        if fault.action == "exhaust":  # a normal answer that used the last request of the window
            response = await handler(request)
            response.headers["X-Ratelimit"] = _ratelimit_header(fault.retry_after or 1, at_second=True)
            return response
        if fault.action == "delay":
            await asyncio.sleep(fault.delay)
            return await handler(request)
        if fault.action == "call":
            fault.fn()
            return await handler(request)
        if fault.action == "hang":
            self.hung.set()
            await self.release.wait()
            return await handler(request)
        if fault.action == "drop":
            real = await handler(request)
            body = real.body if isinstance(real.body, bytes) else b"[]"
            response = web.StreamResponse(status=200, headers=dict(real.headers))
            response.content_length = len(body)
            response.content_type = "application/json"
            await response.prepare(request)
            await response.write(body[: max(1, len(body) // 2)])
            assert request.transport is not None
            request.transport.close()  # the client sees the connection die mid-body
            return response
        raise ValueError(f"unknown fault action {fault.action!r}")

    def _view(self, obj: Any, extended: set[str]) -> Any:
        if not isinstance(obj, dict):
            return obj  # malformed items are served as they are
        if "full" in extended:
            out = {k: v for k, v in obj.items() if k != "images"}
        else:
            out = {k: obj[k] for k in MINIMAL_FIELDS if k in obj}
        if "images" in extended and "images" in obj:
            out["images"] = obj["images"]
        return copy.deepcopy(out)

    def _paginate(
        self, request: web.Request, items: list[Any], *, count: int | None = None, view: Any = None
    ) -> web.Response:
        """One page of `items` (each passed through `view` when given: only the page's are copied) with the
        X-Pagination headers; `count` is the item count they announce when the list is longer than `items`."""
        page = max(1, _int_arg(request, "page") or 1)
        limit = _int_arg(request, "limit") or DEFAULT_LIMIT
        limit = max(1, min(limit, self.max_limit))
        count = len(items) if count is None else count
        page_count = max(1, -(-count // limit))
        chunk = items[(page - 1) * limit : page * limit]
        if view is not None:
            chunk = [view(item) for item in chunk]
        headers = {
            "X-Pagination-Page": str(page),
            "X-Pagination-Limit": str(limit),
            "X-Pagination-Page-Count": str(page_count),
            "X-Pagination-Item-Count": str(count),
        }
        return web.json_response(chunk, headers=headers)

    # -- endpoints -------------------------------------------------------------------------------------------
    async def _popular(self, request: web.Request) -> web.Response:
        kind = request.match_info["kind"][:-1]
        extended = _extended(request)
        items = self.catalog.items(kind)
        count = max(len(items), self.catalog.listed.get(kind, 0))
        return self._paginate(request, items, count=count, view=lambda obj: self._view(obj, extended))

    async def _updates(self, request: web.Request) -> web.Response:
        kind = request.match_info["kind"][:-1]
        start = _parse_start_date(request.match_info["start_date"])
        if start is None:
            return _error(400, "Bad Request - start_date must be an ISO 8601 date or UTC datetime")
        if start < datetime.now(UTC) - UPDATES_MAX_AGE - timedelta(hours=1):
            return _error(400, "Bad Request - start_date can be at most 30 days in the past")
        extended = _extended(request)
        changed = []
        for obj in self.catalog.items(kind):
            stamp = obj.get("updated_at") if isinstance(obj, dict) else None
            when = _parse_start_date(stamp) if isinstance(stamp, str) else None
            if when is not None and when >= start:
                changed.append((when, obj))
        for raw_kind, when, item in self.catalog.raw_updates:
            if raw_kind == kind and when >= start:
                changed.append((when, _Raw(item)))
        changed.sort(key=lambda pair: pair[0])  # oldest first; a touched title moves to the end

        def feed_item(obj: Any) -> Any:  # only the page's items are copied
            if isinstance(obj, _Raw):
                return copy.deepcopy(obj.item)
            view = self._view(obj, extended)
            trakt_id = obj.get("ids", {}).get("trakt") if isinstance(obj.get("ids"), dict) else None
            mutate = self.catalog.feed_mutations.get((kind, trakt_id))
            return {"updated_at": obj["updated_at"], kind: mutate(view) if mutate else view}

        return self._paginate(request, [obj for _, obj in changed], view=feed_item)

    async def _summary(self, request: web.Request) -> web.Response:
        kind = request.match_info["kind"][:-1]
        obj = self.catalog.find(kind, request.match_info["ref"])
        if obj is None:
            return _error(404, "Not Found - method exists, but no record found")
        return web.json_response(self._view(obj, _extended(request)))

    async def _people(self, request: web.Request) -> web.Response:
        kind = request.match_info["kind"][:-1]
        obj = self.catalog.find(kind, request.match_info["ref"])
        if obj is None:
            return _error(404, "Not Found - method exists, but no record found")
        people = self.catalog.people.get((kind, obj["ids"]["trakt"]), {"cast": [], "crew": {}})
        return web.json_response(people)

    async def _aliases(self, request: web.Request) -> web.Response:
        kind = request.match_info["kind"][:-1]
        obj = self.catalog.find(kind, request.match_info["ref"])
        if obj is None:
            return _error(404, "Not Found - method exists, but no record found")
        return web.json_response(self.catalog.aliases.get((kind, obj["ids"]["trakt"]), []))

    async def _translations(self, request: web.Request) -> web.Response:
        kind = request.match_info["kind"][:-1]
        obj = self.catalog.find(kind, request.match_info["ref"])
        if obj is None:
            return _error(404, "Not Found - method exists, but no record found")
        english = {"title": obj.get("title"), "overview": obj.get("overview"), "tagline": obj.get("tagline"),
                   "language": "en", "country": "us"}  # fmt: skip
        translations = self.catalog.translations.get((kind, obj["ids"]["trakt"]), [english])
        language = request.match_info.get("language")
        return web.json_response([t for t in translations if language in (None, t.get("language"))])


@dataclass
class _Raw:
    """A feed item that belongs to no title (`Catalog.raw_update`), served as it is."""

    item: Any


def _int_arg(request: web.Request, name: str) -> int | None:
    value = request.query.get(name)
    return int(value) if value and value.isdigit() else None


def _extended(request: web.Request) -> set[str]:
    return {part.strip() for part in request.query.get("extended", "").split(",") if part.strip()}


def _parse_start_date(text: str) -> datetime | None:
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _ratelimit_header(seconds: float, *, at_second: bool = False) -> str:
    """The documented X-Ratelimit JSON with `remaining` 0 and `until` `seconds` from now."""
    until = datetime.now(UTC) + timedelta(seconds=seconds)
    if at_second:  # round up, so the window really lasts at least `seconds`
        until = until.replace(microsecond=0) + timedelta(seconds=1)
    info = {"name": "UNAUTHED_API_GET_LIMIT", "period": 300, "limit": 1000, "remaining": 0}
    return json.dumps(info | {"until": until.strftime("%Y-%m-%dT%H:%M:%SZ")})


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response({"error": message}, status=status, headers=headers)


# --------------------------------------------------------------------------------------------------------------
# Standalone


async def _serve(args: argparse.Namespace) -> None:
    if args.bundled:
        catalog = catalog_from_bundled(args.bundled, args.movies, args.shows)
    else:
        catalog = make_catalog(args.movies, args.shows, seed=args.seed)
    fake = FakeTrakt(catalog, client_id=args.client_id)
    url = await fake.start(args.port)
    print(f"fake Trakt serving {len(catalog.movies)} movies and {len(catalog.shows)} shows at {url}", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await fake.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve a fake Trakt API on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--client-id", default="demo", help="the trakt-api-key the server accepts")
    parser.add_argument("--movies", type=int, default=300)
    parser.add_argument("--shows", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--bundled", help="build payloads from this catalog.jsonl.gz (real titles) instead")
    args = parser.parse_args(argv)
    try:
        asyncio.run(_serve(args))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
