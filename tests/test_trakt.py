"""The Trakt source against a local fake Trakt server, over a real socket, into a real SQLite store."""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import os
import random
import signal
import sqlite3
import sys
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import pytest

from indexer import trakt
from indexer.store import Store
from indexer.trakt import TraktClient, TraktError, crawl, trakt_title
from indexer.trakt.client import retry_after
from morelike.catalog.records import RecordError
from morelike.settings import TraktSettings
from tests.conftest import TRAKT_PAGE, trakt_settings
from tests.fakes.trakt_server import WORLD_ID, FakeTrakt, add_world_titles, make_catalog, make_movie, make_show

KEY = "test-client-id-5f3a9c"
N_MOVIES, N_SHOWS, PAGE = 250, 120, TRAKT_PAGE
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
async def fake():
    server = FakeTrakt(make_catalog(N_MOVIES, N_SHOWS), client_id=KEY)
    await server.start()
    yield server
    await server.stop()


# The crawl fetches people for the 5 most popular movies and shows unless a test says otherwise.
settings = partial(trakt_settings, people_top_n=5)


class FakeClock:
    """The Trakt client's clock and sleep: a sleep notes its seconds and moves the clock on at once, so a test
    asserts the waits the client chose without spending them."""

    def __init__(self) -> None:
        self.now = 0.0
        self.waits: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


async def stored_ids(store: Store) -> list[str]:
    return await store.ids()


def all_ids() -> set[str]:
    return {f"trakt-movie-{i}" for i in range(1, N_MOVIES + 1)} | {f"trakt-show-{i}" for i in range(1, N_SHOWS + 1)}


# --------------------------------------------------------------------------------------------------------------
# full crawl, pagination, mapping


async def test_crawl_reads_every_page_and_maps_fields(fake, store):
    summary = await crawl(store, settings(fake), KEY)

    assert summary.completed and not summary.stopped_by_cap and summary.malformed == 0
    # Every page of both lists exactly once; the item counts match the X-Pagination-Item-Count headers.
    assert [fake.page_hits("/movies/popular", p) for p in range(1, 7)] == [1, 1, 1, 1, 1, 0]
    assert [fake.page_hits("/shows/popular", p) for p in range(1, 5)] == [1, 1, 1, 0]
    assert summary.inserted == N_MOVIES + N_SHOWS == await store.count()
    assert await store.count("movie") == N_MOVIES and await store.count("show") == N_SHOWS
    assert set(await stored_ids(store)) == all_ids()

    src = fake.catalog.find("movie", "1")
    movie = await store.get("trakt-movie-1")
    assert (movie.title, movie.year, movie.released, movie.runtime) == (
        src["title"],
        src["year"],
        src["released"],
        src["runtime"],
    )
    assert movie.overview == src["overview"] and movie.tagline == src["tagline"]
    assert movie.genres == tuple(src["genres"]) and movie.language == src["language"]
    assert movie.country == src["country"].upper()
    assert (movie.imdb_id, movie.tmdb_id, movie.trakt_id, movie.trakt_slug) == (
        src["ids"]["imdb"],
        src["ids"]["tmdb"],
        1,
        src["ids"]["slug"],
    )
    assert movie.rating == pytest.approx(src["rating"]) and movie.votes == src["votes"]
    assert movie.poster == "https://" + src["images"]["poster"][0]
    assert movie.sources == ("trakt",) and movie.kind == "movie"
    popularity = [(await store.get(f"trakt-movie-{i}")).popularity for i in (1, 2, 51, 250)]
    assert popularity == sorted(popularity, reverse=True) and popularity[0] > popularity[1]  # list order kept

    show_src = fake.catalog.find("show", "1")
    show = await store.get("trakt-show-1")  # same Trakt number as movie 1: separate id spaces, separate rows
    assert show.kind == "show" and show.title == show_src["title"]
    assert show.year == int(show_src["first_aired"][:4]) and show.released == show_src["first_aired"][:10]
    assert show.tvdb_id == show_src["ids"]["tvdb"] and show.imdb_id == show_src["ids"]["imdb"]

    state = json.loads(await store.get_state(trakt.CRAWL_KEY))
    assert state["status"] == "completed"
    assert await store.get_state(trakt.SINCE_KEY) == state["started_at"]

    # A rerun of a completed crawl fetches no titles (a build killed after its crawl goes on to encode), only
    # checks the key with one minimal request ...
    served = len(fake.log)
    again = await crawl(store, settings(fake), KEY)
    assert again.completed and again.already_complete and again.requests == 1
    assert fake.log[served:] == [("/movies/popular", 1)] and again.stored == 0
    assert "already complete" in again.line() and "--recrawl" in again.line()
    # ... and a recrawl (fresh=True) starts over and changes nothing.
    fresh = await crawl(store, settings(fake), KEY, fresh=True)
    assert fresh.completed and not fresh.resumed and not fresh.already_complete
    assert (fresh.inserted, fresh.updated, fresh.unchanged) == (0, 0, N_MOVIES + N_SHOWS)


def test_a_trakt_title_carries_every_id_trakt_gives():
    """The README's promise: a Trakt row carries every id of Trakt's `ids` object (movies: trakt, slug, imdb, tmdb;
    shows also tvdb), each kept in its own field, which the published build stores."""
    fields = {"trakt": "trakt_id", "slug": "trakt_slug", "imdb": "imdb_id", "tmdb": "tmdb_id", "tvdb": "tvdb_id"}
    rng, now = random.Random(7), datetime.now(UTC)
    for kind, obj in (("movie", make_movie(42, rng, now)), ("show", make_show(42, rng, now))):
        ids = obj["ids"]
        assert set(ids) <= set(fields), f"a {kind} id the catalog has no field for: {set(ids) - set(fields)}"
        title = trakt_title(kind, obj)
        assert {key: getattr(title, fields[key]) for key in ids} == ids
    assert set(make_show(1, rng, now)["ids"]) == set(fields)  # a show has all five


@pytest.mark.parametrize(("limit", "movies", "shows"), [(120, 60, 60), (300, 180, 120), (0, 0, 0)])
async def test_limit_is_shared_between_movies_and_shows(fake, store, limit, movies, shows):
    summary = await crawl(store, settings(fake), KEY, limit=limit)

    assert summary.completed and summary.stored == limit == await store.count()
    # Half each; when the 120 shows run out, movies take the rest.
    assert await store.count("movie") == movies and await store.count("show") == shows
    assert {f"trakt-movie-{i}" for i in range(1, movies + 1)} <= set(await stored_ids(store))  # the most popular
    assert await store.get_state(trakt.SINCE_KEY) is not None


async def test_people_fetched_for_top_n_only_and_never_wiped(fake, store):
    await crawl(store, settings(fake, people_top_n=3), KEY)

    for kind in ("movies", "shows"):
        assert [fake.hits[f"/{kind}/{i}/people"] for i in range(1, 6)] == [1, 1, 1, 0, 0]
    assert sum(n for path, n in fake.hits.items() if path.endswith("/people")) == 6

    people = fake.catalog.people[("movie", 2)]
    movie = await store.get("trakt-movie-2")
    assert movie.cast == tuple(c["person"]["name"] for c in people["cast"])  # billing order
    assert movie.directors == (people["crew"]["directing"][0]["person"]["name"],)  # writers are not directors
    assert (await store.get("trakt-movie-4")).cast == ()

    # A later crawl that fetches no people keeps the stored ones instead of wiping them.
    rerun = await crawl(store, settings(fake, people_top_n=0), KEY)
    assert rerun.updated == 0
    assert (await store.get("trakt-movie-2")).cast == movie.cast

    # Stored before their people arrive, titles still count once a run: new people alone make one updated.
    people["cast"].reverse()
    again = await crawl(store, settings(fake, people_top_n=3), KEY, fresh=True)
    assert (again.inserted, again.updated, again.unchanged) == (0, 1, N_MOVIES + N_SHOWS - 1)
    assert (await store.get("trakt-movie-2")).cast == movie.cast[::-1]


# --------------------------------------------------------------------------------------------------------------
# other names: aliases and translations (issue 20)

AMELIE, MOSCOW = f"trakt-movie-{WORLD_ID}", f"trakt-movie-{WORLD_ID + 3}"


@pytest.fixture
async def world():
    """The fake Trakt with real films in other languages and scripts at the top of its movie list."""
    server = FakeTrakt(add_world_titles(make_catalog(60, 20)), client_id=KEY)
    await server.start()
    yield server
    await server.stop()


def name_calls(fake) -> list[str]:
    return [path for path, _ in fake.log if path.endswith(("/aliases", "/translations"))]


async def test_other_names_are_fetched_for_the_top_n_only_and_never_wiped(world, store):
    summary = await crawl(store, settings(world, people_top_n=0, aliases_top_n=3), KEY)

    assert summary.completed and summary.aliases == 6  # 3 movies and 3 shows, two requests each
    top = [f"/movies/{WORLD_ID + i}" for i in range(3)] + [f"/shows/{i}" for i in (1, 2, 3)]
    assert sorted(name_calls(world)) == sorted(f"{t}/{what}" for t in top for what in ("aliases", "translations"))
    amelie = await store.get(AMELIE)
    # Translated titles first, then aliases; none twice, none that folds like the title ("Amelie"), no English
    # translation (the title itself), no translation without a title.
    assert amelie.aliases == (
        "Le Fabuleux Destin d'Amélie Poulain",
        "Die fabelhafte Welt der Amélie",
        "アメリ",
        "Амели",
        "Amélie from Montmartre",
    )
    assert amelie.original_title is None  # Trakt sent none for it
    spirited = await store.get(f"trakt-movie-{WORLD_ID + 1}")
    assert spirited.original_title == "千と千尋の神隠し" and "千と千尋の神隠し" not in spirited.aliases
    assert (await store.get(MOSCOW)).aliases == ()  # rank 4: beyond the top 3
    assert (await store.get("trakt-show-1")).aliases == ()  # Trakt has only its English title

    # A recrawl that fetches no names keeps the stored ones.
    again = await crawl(store, settings(world, people_top_n=0, aliases_top_n=0), KEY, fresh=True)
    assert again.updated == 0 and (await store.get(AMELIE)).aliases == amelie.aliases


async def test_a_finished_crawl_fetches_the_names_it_lacks_and_nothing_else(world, store):
    """A crawl finished before names were fetched (or with a smaller aliases_top_n) gets the names of its stored top
    titles on the next run, without reading a list page again, stopping cleanly at the request cap on the way;
    the next sync still starts where it would have."""
    await crawl(store, settings(world, aliases_top_n=0), KEY)
    since = await store.get_state(trakt.SINCE_KEY)
    state = json.loads(await store.get_state(trakt.CRAWL_KEY))
    del state["aliases_top_n"], state["aliases"]  # as code from before issue 20 left it
    await store.set_state(trakt.CRAWL_KEY, json.dumps(state))
    served = len(world.log)

    capped = await crawl(store, settings(world, aliases_top_n=4, max_requests=5), KEY)
    assert capped.stopped_by_cap and not capped.already_complete and capped.aliases == 2
    rest = await crawl(store, settings(world, aliases_top_n=4), KEY)
    assert rest.completed and rest.resumed and rest.aliases == 6

    fetched = world.log[served:]
    assert not [path for path, _ in fetched if path.endswith("/popular")]  # no list page read again
    assert len(fetched) == 8 * 2 + 1  # 4 movies and 4 shows, two calls each, and the one the cap cut short
    assert (await store.get(MOSCOW)).aliases == ("Москва слезам не верит", "Moskau glaubt den Tränen nicht",
                                                  "Moskva slezam ne verit")  # fmt: skip
    assert await store.get_state(trakt.SINCE_KEY) == since
    assert (await crawl(store, settings(world, aliases_top_n=4), KEY)).already_complete
    # A larger N later fetches the ranks it adds, not the ones it has.
    served = len(world.log)
    assert (await crawl(store, settings(world, aliases_top_n=5), KEY)).aliases == 2
    assert sorted(path for path, _ in world.log[served:]) == [
        f"/movies/{WORLD_ID + 4}/aliases", f"/movies/{WORLD_ID + 4}/translations", "/shows/5/aliases",
        "/shows/5/translations",
    ]  # fmt: skip


async def test_name_calls_honour_the_rate_limit_and_count_against_the_page_budget(world, store):
    world.fail("/movies/*/translations", status=429, retry_after=1)
    clock = FakeClock()
    summary = await crawl(store, settings(world, people_top_n=0, aliases_top_n=2), KEY, clock=clock, sleep=clock.sleep)
    assert summary.completed and summary.retries == 1
    path = f"/movies/{WORLD_ID}/translations"
    assert [served for served, _ in world.log].count(path) == 2
    assert clock.waits == [1.0]  # Retry-After: 1 honoured, the one wait of the crawl
    assert (await store.get(AMELIE)).aliases[0] == "Le Fabuleux Destin d'Amélie Poulain"

    with pytest.raises(TraktError) as err:  # a page, its 5 people and 5 titles' names: 1 + 5 + 10 requests
        await crawl(store, settings(world, max_requests=3, people_top_n=5, aliases_top_n=5), KEY, fresh=True)
    assert "costs up to 16 requests" in str(err.value) and "aliases_top_n" in str(err.value)


def test_other_names_from_malformed_or_missing_payloads():
    from indexer.trakt.payload import parse_aliases

    title = trakt_title("movie", {"title": "Heat", "original_title": "Heat!", "ids": {"trakt": 1}})
    aliases = [{"title": "Heat"}, {"title": " Kampf der Titanen "}, {"country": "de"}, "x", {"title": 42}]
    names = parse_aliases(title, [*aliases, {"title": "x" * 501}], None)
    assert names == ("Kampf der Titanen",)
    assert parse_aliases(title, None, None) == ()
    with pytest.raises(RecordError):
        parse_aliases(title, {"title": "not a list"}, [])


# --------------------------------------------------------------------------------------------------------------
# failures: rate limit, server errors, dropped connections, timeouts, malformed items, bad key


async def test_429_waits_retry_after_then_succeeds(fake, store):
    fake.fail("/movies/popular", page=2, status=429, retry_after=1)
    clock = FakeClock()

    summary = await crawl(store, settings(fake), KEY, clock=clock, sleep=clock.sleep)

    assert summary.completed and summary.retries == 1
    assert fake.log.count(("/movies/popular", 2)) == 2
    assert clock.waits == [1.0]  # Retry-After: 1 honoured (backoff alone would be ~0.01 s)
    assert await store.count() == N_MOVIES + N_SHOWS


async def test_exhausted_rate_limit_window_pauses_before_next_request(fake, store):
    fake.fail("/movies/popular", "exhaust", page=1, retry_after=1)
    clock = FakeClock()
    served_at_pause: list[int] = []

    async def sleep(seconds: float) -> None:
        served_at_pause.append(len(fake.log))
        await clock.sleep(seconds)

    summary = await crawl(store, settings(fake, people_top_n=0), KEY, clock=clock, sleep=sleep)

    assert summary.completed and summary.retries == 0
    assert fake.log[:2] == [("/movies/popular", 1), ("/shows/popular", 1)]
    # One pause, right after the answer that spent the window: X-Ratelimit's `until` (1-2 s ahead, whole seconds by
    # Trakt's clock) waited for, instead of earning a 429.
    assert served_at_pause == [1] and len(clock.waits) == 1 and 0.9 <= clock.waits[0] <= 2.0


def test_retry_after_forms():
    now = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    future, past = now + timedelta(seconds=30), now - timedelta(seconds=5)
    assert retry_after({"Retry-After": "7"}, now) == 7.0
    assert retry_after({"Retry-After": email.utils.format_datetime(future, usegmt=True)}, now) == 30.0
    assert retry_after({"Retry-After": email.utils.format_datetime(past, usegmt=True)}, now) == 0.0
    limit = json.dumps({"remaining": 0, "until": future.strftime("%Y-%m-%dT%H:%M:%SZ")})
    assert retry_after({"X-Ratelimit": limit}, now) == 30.0
    assert retry_after({}, now) is None


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_server_errors_are_retried(fake, store, status):
    fake.fail("/shows/popular", page=1, status=status, times=2)

    summary = await crawl(store, settings(fake), KEY)

    assert summary.completed and summary.retries == 2
    assert fake.page_hits("/shows/popular", 1) == 3
    assert set(await stored_ids(store)) == all_ids()


async def test_dropped_connection_is_retried(fake, store):
    fake.fail("/movies/popular", "drop", page=2)
    fake.fail("/shows/3/people", "drop")

    summary = await crawl(store, settings(fake), KEY)

    assert summary.completed and summary.retries == 2
    assert fake.page_hits("/movies/popular", 2) == 2 and fake.hits["/shows/3/people"] == 2
    assert set(await stored_ids(store)) == all_ids()
    assert (await store.get("trakt-show-3")).cast  # the retried people call landed


async def test_timeout_is_retried(fake, store):
    fake.fail("/shows/popular", "delay", page=2, delay=1.5)

    summary = await crawl(store, settings(fake, timeout_s=0.5), KEY)

    assert summary.completed and summary.retries >= 1  # >=: a loaded machine may time out elsewhere too
    assert fake.page_hits("/shows/popular", 2) >= 2
    assert await store.count("show") == N_SHOWS


async def test_persistent_failure_is_one_sentence_and_rerun_continues(fake, store):
    fake.fail("/movies/popular", page=2, status=503, times=4)  # max_retries=3: four attempts, all fail

    with pytest.raises(TraktError) as err:
        await crawl(store, settings(fake), KEY)

    message = str(err.value)
    assert message.startswith("Trakt kept failing on GET /movies/popular (HTTP 503) after 4 attempts")
    assert "\n" not in message and KEY not in message
    assert err.value.summary is not None and err.value.summary.pages == 2  # movies p1, shows p1 committed
    assert await store.count() == 2 * PAGE

    summary = await crawl(store, settings(fake), KEY)
    assert summary.resumed and summary.completed
    assert fake.page_hits("/movies/popular", 1) == 1 and fake.page_hits("/shows/popular", 1) == 1
    assert set(await stored_ids(store)) == all_ids()


async def test_malformed_items_are_skipped_and_counted(store):
    catalog = make_catalog(60, 10)
    bad = [
        {"title": "No ids at all", "year": 2001},
        {"title": "String id", "ids": {"trakt": "abc", "slug": "x"}},
        {"title": 42, "ids": {"trakt": 9001, "slug": "y"}},
        "not an object",
        {"title": "Bad year", "year": "soon", "ids": {"trakt": 9002, "slug": "z"}},
        {"title": "", "ids": {"trakt": 9003, "slug": "empty"}},
    ]
    for offset, item in enumerate(bad):
        catalog.movies.insert(5 + offset * 11, item)
    catalog.shows.insert(3, {"title": "Show with bad airing", "ids": {"trakt": 9004}, "first_aired": 20200101})
    async with FakeTrakt(catalog, client_id=KEY) as server:
        summary = await crawl(store, settings(server, page_limit=20), KEY)

    assert summary.completed and summary.malformed == len(bad) + 1
    assert await store.count("movie") == 60 and await store.count("show") == 10
    # Each is named the way an operator looks it up on Trakt (id and slug), with where it was and why.
    named = "\n".join(summary.lines())
    assert "skipped movie trakt_id=9001 slug=y: 'title' must be a string" in named
    assert "skipped movie trakt_id=? slug=x: 'ids.trakt' must be a positive integer, got 'abc'" in named
    assert "skipped show trakt_id=9004 slug=?: 'first_aired' must be a string" in named and "list rank 4" in named
    assert summary.skipped_total == 7 and named.count("\n  skipped ") == 7


async def test_bad_or_missing_key_is_one_clear_sentence(fake, store):
    with pytest.raises(TraktError) as err:
        await crawl(store, settings(fake), "wrong-key")
    assert str(err.value) == "Trakt rejected the API key (HTTP 403): check TRAKT_CLIENT_ID."
    assert err.value.summary.requests == 1  # not retried: a bad key never gets better
    assert await store.count() == 0

    for missing in (None, "", "  "):
        with pytest.raises(TraktError, match=r"^No Trakt API key: set TRAKT_CLIENT_ID"):
            await crawl(store, settings(fake), missing)


async def test_a_finished_crawl_still_checks_the_key_with_one_request(fake, store, caplog):
    """A completed crawl fetches no titles again, but a wrong key must not pass unnoticed until the next sync."""
    await crawl(store, settings(fake), KEY)
    served = len(fake.log)

    with pytest.raises(TraktError) as err:
        await crawl(store, settings(fake), "wrong-key")
    assert str(err.value) == "Trakt rejected the API key (HTTP 403): check TRAKT_CLIENT_ID."
    assert err.value.summary.requests == 1 and len(fake.log) == served + 1  # one request, not retried

    # Trakt unreachable or failing is no reason to stop a build of the finished crawl: said, then on with it.
    fake.fail("/movies/popular", status=503)
    again = await crawl(store, settings(fake), KEY)
    assert again.already_complete and again.requests == 1 and "trakt key_not_checked" in caplog.text
    await fake.stop()
    assert (await crawl(store, settings(fake), KEY)).already_complete


async def test_api_key_never_in_logs_or_reprs(fake, store, caplog):
    caplog.set_level(logging.DEBUG)
    fake.fail("/movies/popular", page=1, status=500)
    fake.fail("/shows/popular", "drop", page=1)
    async with TraktClient(settings(fake), KEY) as client:
        assert KEY not in repr(client) and KEY not in repr(vars(client))
    summary = await crawl(store, settings(fake), KEY)
    assert summary.retries == 2 and "trakt retry" in caplog.text
    assert KEY not in caplog.text and KEY not in repr(summary)


# --------------------------------------------------------------------------------------------------------------
# request cap, resume after a kill


async def test_request_cap_stops_cleanly_and_rerun_continues(fake, store):
    capped = await crawl(store, settings(fake, max_requests=4, people_top_n=0), KEY)

    assert capped.stopped_by_cap and not capped.completed
    assert capped.requests == 4 and capped.pages == 4 and await store.count() == 4 * PAGE
    assert json.loads(await store.get_state(trakt.CRAWL_KEY))["status"] == "running"
    assert await store.get_state(trakt.SINCE_KEY) is None  # an unfinished crawl is no sync starting point

    rest = await crawl(store, settings(fake, people_top_n=0), KEY)
    assert rest.resumed and rest.completed and rest.requests == 4  # movies 3-5, shows 3
    assert rest.inserted == N_MOVIES + N_SHOWS - 4 * PAGE and rest.unchanged == 0
    for page in (1, 2):
        assert fake.page_hits("/movies/popular", page) == 1 and fake.page_hits("/shows/popular", page) == 1
    assert set(await stored_ids(store)) == all_ids()


async def test_a_finished_limited_crawl_is_extended_without_refetching(fake, store):
    first = await crawl(store, settings(fake, people_top_n=0), KEY, limit=120)  # movies 1-60, shows 1-60
    assert first.completed and await store.count() == 120
    served = len(fake.log)
    assert (await crawl(store, settings(fake, people_top_n=0), KEY, limit=100)).already_complete
    assert fake.log[served:] == [("/movies/popular", 1)]  # a smaller limit is covered: only the key is checked
    served = len(fake.log)

    more = await crawl(store, settings(fake, people_top_n=0), KEY, limit=300)

    assert more.completed and more.resumed and (more.inserted, more.unchanged) == (180, 0)
    assert await store.count("movie") == 180 and await store.count("show") == 120
    again = fake.log[served:]
    assert ("/movies/popular", 1) not in again and ("/shows/popular", 1) not in again
    assert again.count(("/movies/popular", 2)) == 1  # page 2 was cut at item 10: read on from there
    assert set(await stored_ids(store)) == {f"trakt-movie-{i}" for i in range(1, 181)} | {
        f"trakt-show-{i}" for i in range(1, 121)
    }


async def test_a_finished_crawl_that_stored_nothing_or_read_another_api_is_not_kept(store):
    async with FakeTrakt(make_catalog(0, 0), client_id=KEY) as empty:
        assert (await crawl(store, settings(empty), KEY)).stored == 0
    async with FakeTrakt(make_catalog(3, 2), client_id=KEY) as server:
        again = await crawl(store, settings(server), KEY)  # the same state dir, now with titles to read
        assert again.completed and not again.already_complete and again.inserted == 5
        assert (await crawl(store, settings(server), KEY)).already_complete
    async with FakeTrakt(make_catalog(4, 2), client_id=KEY) as other:  # another base_url: its own crawl
        assert (await crawl(store, settings(other), KEY)).inserted == 1


async def test_a_cap_too_low_for_one_page_says_so_before_spending_requests(fake, store):
    with pytest.raises(TraktError) as err:
        await crawl(store, settings(fake, max_requests=3, people_top_n=5), KEY)
    message = str(err.value)
    assert message.startswith("[trakt] max_requests = 3 is too low to store even one page")
    assert "costs up to 6 requests" in message and "set max_requests to at least 6" in message
    assert fake.hits.total() == 0 and await store.count() == 0  # nothing spent on a run that cannot progress

    fake.fail("/movies/popular", page=1, status=503, times=5)  # retries eat a cap that fits one page
    with pytest.raises(TraktError, match=r"max_requests = 2 ran out before one page could be stored \(1 retries"):
        await crawl(store, settings(fake, max_requests=2, people_top_n=0), KEY)


async def test_a_checkpoint_with_a_bad_page_limit_is_not_inherited(fake, store):
    stale = {"status": "running", "started_at": "2026-01-01T00:00:00Z", "page_limit": 0,
             "pages": {"movie": 2, "show": 2}, "done": {"movie": False, "show": False},
             "taken": {"movie": 20, "show": 20}}  # fmt: skip
    await store.set_state(trakt.CRAWL_KEY, json.dumps(stale))

    summary = await crawl(store, settings(fake), KEY)

    assert summary.completed and not summary.resumed
    assert json.loads(await store.get_state(trakt.CRAWL_KEY))["page_limit"] == PAGE
    assert [fake.page_hits("/movies/popular", p) for p in range(1, 7)] == [1, 1, 1, 1, 1, 0]  # pages of 50


@pytest.mark.parametrize("base_url", ["api.trakt.tv", "ftp://api.trakt.tv", "https://"])
def test_a_base_url_without_http_and_host_is_one_sentence(base_url):
    with pytest.raises(TraktError, match=r"^\[trakt\] base_url = .* is not an http:// or https:// URL with a host"):
        TraktClient(TraktSettings(base_url=base_url), KEY)


CRAWL_SCRIPT = """
import asyncio, os, sys
from morelike.settings import TraktSettings
from indexer.store import Store
from indexer.trakt import crawl

async def main():
    store = await Store.open(sys.argv[1])
    s = TraktSettings(base_url=sys.argv[2], page_limit=50, backoff_s=0.01, people_top_n=5, aliases_top_n=5,
                      timeout_s=30)
    await crawl(store, s, os.environ["TRAKT_CLIENT_ID"])

asyncio.run(main())
"""


def committed(db: Path) -> tuple[int, set[tuple[str, int]]]:
    """Rows in the store and the list pages its crawl checkpoint says are done, read as another process would."""
    with sqlite3.connect(db) as conn:
        count = conn.execute("SELECT COUNT(*) FROM titles").fetchone()[0]
        row = conn.execute("SELECT value FROM sync_state WHERE key = ?", (trakt.CRAWL_KEY,)).fetchone()
    nxt = json.loads(row[0])["next"] if row else {}
    assert all(offset == 0 for _, offset in nxt.values())  # no limit: pages are stored whole
    return count, {(f"/{kind}s/popular", p) for kind, (n, _) in nxt.items() for p in range(1, n)}


@pytest.mark.parametrize(
    ("hang_path", "hang_page", "expected", "refetched"),
    [
        # killed between pages: m1, s1, m2, s2 committed; m3 is fetched again
        ("/movies/popular", 3, 200, ("/movies/popular", 3)),
        # killed among a page's people calls: m1 and s1 are stored (s1 before its people), shows 1-2 have their
        # people; only the people call under way is sent again, not s1 nor the people it already has
        ("/shows/3/people", None, 100, ("/shows/3/people", None)),
        # killed between a title's two name calls (issue 20): m1 is stored with its people and m1's names; m2's
        # aliases are asked again with its translations, a title's names being stored together
        ("/movies/2/translations", None, 50, ("/movies/2/translations", None)),
        # killed at an arbitrary moment (wherever the crawl is when the 9th request arrives)
        (None, None, None, None),
    ],
)
async def test_resume_after_sigkill(fake, tmp_path, hang_path, hang_page, expected, refetched):
    db = tmp_path / "morelike.sqlite"
    if hang_path:
        fake.fail(hang_path, "hang", page=hang_page)
    env = dict(os.environ, TRAKT_CLIENT_ID=KEY, PYTHONPATH=str(REPO))
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", CRAWL_SCRIPT, str(db), fake.base_url, cwd=REPO, env=env
    )
    reached = asyncio.ensure_future(fake.hung.wait() if hang_path else fake.wait_requests(9))
    exited = asyncio.ensure_future(proc.wait())
    try:
        await asyncio.wait({reached, exited}, timeout=30, return_when=asyncio.FIRST_COMPLETED)
        was_reached = reached.done()
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGKILL)
        await exited
        reached.cancel()
    assert was_reached and proc.returncode == -signal.SIGKILL  # killed mid-crawl, not finished or crashed
    fake.release.set()

    before, done_pages = committed(db)
    assert before == PAGE * len(done_pages)  # every checkpointed page is in the store, and nothing more
    if expected is not None:
        assert before == expected
    hits_before = list(fake.log)

    store = await Store.open(db)
    try:
        summary = await crawl(store, settings(fake, aliases_top_n=5), KEY)
        assert summary.completed
        assert set(await stored_ids(store)) == all_ids()  # nothing lost, nothing extra (ids are the key)
        assert summary.inserted == len(all_ids()) - before  # committed rows are not written again
        for kind in ("movie", "show"):  # and the top titles have their people, whenever the kill came
            assert all([(await store.get(f"trakt-{kind}-{i}")).cast for i in range(1, 6)]), kind
    finally:
        await store.close()

    rerun = fake.log[len(hits_before) :]
    rerun_pages = [entry for entry in rerun if entry[0].endswith("/popular")]
    assert len(rerun_pages) == len(set(rerun_pages))
    assert not done_pages & set(rerun_pages)  # completed pages are not fetched again
    # nor anything but the requests for the one title the kill cut short (its names are two, stored together)
    cut_short = hits_before[-1]
    title_calls = {cut_short, (cut_short[0].replace("/translations", "/aliases"), None)}
    assert set(hits_before) & set(rerun) <= (title_calls if cut_short[0].endswith("/translations") else {cut_short})
    for kind in ("movies", "shows"):  # the top titles' names were asked for, whenever the kill came
        assert all(fake.hits[f"/{kind}/{i}/aliases"] and fake.hits[f"/{kind}/{i}/translations"] for i in range(1, 6))
    if refetched:
        assert refetched in rerun and refetched == hits_before[-1]


# --------------------------------------------------------------------------------------------------------------
# mapping edge cases (pure)


def test_mapping_edge_cases():
    show = trakt_title(
        "show",
        {"title": "Unaired", "year": 2027, "ids": {"trakt": 5, "slug": "u"}, "first_aired": None, "rating": 0.0,
         "votes": 0, "country": None},
    )  # fmt: skip
    assert show.year == 2027 and show.released is None and show.rating is None and show.rating_source is None
    movie = trakt_title("movie", {"title": "Same", "original_title": "Same", "ids": {"trakt": 7}})
    assert movie.original_title is None and movie.id == "trakt-movie-7"
    for bad in ({"title": "x", "ids": {"trakt": True}}, {"title": "x", "ids": []}, {"title": "x", "ids": {"trakt": 0}}):
        with pytest.raises(RecordError):
            trakt_title("movie", bad)
