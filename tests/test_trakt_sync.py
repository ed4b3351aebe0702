"""The incremental sync against the fake Trakt, over a real socket, into a real SQLite store: no update lost.

The feed is paginated by offset, oldest first: a title touched while a sync pages through it (or while a sync is
paused at its request cap) moves to the end and shifts every later item one place back. Malformed items are
fetched again by id, or keep the window open until they can be applied.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from indexer import trakt
from indexer.trakt import TraktError, crawl, sync
from tests.conftest import trakt_settings
from tests.fakes.trakt_server import WORLD_ID, FakeTrakt, add_world_titles, make_catalog

KEY = "test-client-id-sync-81d2"


@pytest.fixture
async def fake():
    server = FakeTrakt(make_catalog(250, 120), client_id=KEY)
    await server.start()
    yield server
    await server.stop()


def hour_of(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:00:00Z")


async def crawled(fake, store, since: datetime, **kw) -> None:
    """A completed crawl whose next sync reads from `since` (so a test can date its updates after it)."""
    await crawl(store, trakt_settings(fake), KEY, **kw)
    await store.set_state(trakt.SINCE_KEY, hour_of(since))


async def assert_store_matches_trakt(fake, store, kind: str, ids) -> None:
    """Every listed title holds exactly what Trakt serves now (the fields an update can change)."""
    for trakt_id in ids:
        src = fake.catalog.find(kind, str(trakt_id))
        got = await store.get(f"trakt-{kind}-{trakt_id}")
        assert (got.title, got.overview) == (src["title"], src["overview"]), f"{kind} {trakt_id} lost its update"


async def test_sync_updates_the_original_title_and_keeps_the_other_names(store):
    """Issue 20: the feed carries a title's original title, which the sync applies; not its aliases or translations,
    so the names the crawl fetched stay (and no name calls are made)."""
    async with FakeTrakt(add_world_titles(make_catalog(10, 5)), client_id=KEY) as fake:
        await crawl(store, trakt_settings(fake, aliases_top_n=2), KEY)
        amelie = await store.get(f"trakt-movie-{WORLD_ID}")
        assert amelie.original_title is None and "Amélie from Montmartre" in amelie.aliases
        fake.catalog.touch("movie", WORLD_ID, original_title="Le Fabuleux Destin d'Amélie Poulain")
        served = len(fake.log)

        summary = await sync(store, trakt_settings(fake, aliases_top_n=2), KEY)

        assert summary.completed and summary.updated == 1 and summary.aliases == 0
        assert all(path.startswith(("/movies/updates/", "/shows/updates/")) for path, _ in fake.log[served:])
        synced = await store.get(f"trakt-movie-{WORLD_ID}")
        assert synced.original_title == "Le Fabuleux Destin d'Amélie Poulain" and synced.aliases == amelie.aliases


async def test_sync_applies_only_updated_titles(fake, store):
    await crawl(store, trakt_settings(fake, people_top_n=5), KEY, limit=200)  # movies 1-100, shows 1-100
    crawled_since = await store.get_state(trakt.SINCE_KEY)
    before = {t.id: t for t in [await store.get(i) for i in await store.ids()]}
    fake.catalog.touch("movie", 3, overview="A brand new synopsis.")
    fake.catalog.touch("movie", 40, title="Renamed Forty")
    fake.catalog.touch("show", 2, genres=["documentary"])
    fake.catalog.touch("movie", 200)  # changed on Trakt, but not in our catalog
    fake.catalog.touch("movie", 41)  # touched without a change we store
    crawl_log = len(fake.log)

    summary = await sync(store, trakt_settings(fake), KEY)

    assert summary.completed and summary.malformed == 0 and summary.rereads == 0
    assert (summary.updated, summary.unchanged, summary.inserted, summary.ignored) == (3, 1, 0, 1)
    sync_paths = [path for path, _ in fake.log[crawl_log:]]
    since_hour = hour_of(datetime.fromisoformat(crawled_since.replace("Z", "+00:00")))
    assert sync_paths == [f"/movies/updates/{since_hour}", f"/shows/updates/{since_hour}"]

    assert (await store.get("trakt-movie-3")).overview == "A brand new synopsis."
    assert (await store.get("trakt-movie-3")).cast == before["trakt-movie-3"].cast != ()  # people kept
    assert (await store.get("trakt-movie-40")).title == "Renamed Forty"
    assert (await store.get("trakt-movie-40")).popularity == before["trakt-movie-40"].popularity
    assert (await store.get("trakt-show-2")).genres == ("documentary",)
    assert await store.get("trakt-movie-200") is None
    for title_id, old in before.items():
        if title_id not in {"trakt-movie-3", "trakt-movie-40", "trakt-show-2"}:
            assert await store.get(title_id) == old
    sync_state = json.loads(await store.get_state(trakt.SYNC_KEY))
    assert sync_state["status"] == "completed" and summary.held_at is None
    assert await store.get_state(trakt.SINCE_KEY) == hour_of(datetime.fromisoformat(sync_state["started_at"]))
    assert await store.state_with_prefix(trakt.SEEN_PREFIX) == {}  # drift bookkeeping is cleared when done

    again = await sync(store, trakt_settings(fake), KEY)
    assert again.completed and again.updated == 0 and again.inserted == 0


async def test_malformed_updates_are_fetched_by_id_or_keep_the_window_open(fake, store):
    start = datetime.now(UTC) - timedelta(hours=6)
    await crawled(fake, store, start, limit=200)  # movies 1-100, shows 1-100 carried
    at = start + timedelta(hours=1)
    fake.catalog.touch("movie", 3, at=at, overview="Fixed on Trakt.")
    fake.catalog.corrupt_update("movie", 3, lambda item: item | {"title": 42})  # the feed's copy is broken
    fake.catalog.touch("show", 7, at=at, title="Renamed Seven")
    fake.catalog.corrupt_update("show", 7, lambda item: {k: v for k, v in item.items() if k != "title"})
    broken_at = start + timedelta(hours=2)
    fake.catalog.touch("movie", 5, at=broken_at, title=None)  # broken on Trakt itself: the feed and /movies/5
    fake.catalog.touch("movie", 150, at=at)  # not a title we carry: nothing to fetch
    fake.catalog.corrupt_update("movie", 150, lambda item: item | {"year": "soon"})
    fake.catalog.raw_update("movie", {"updated_at": "x", "movie": {"title": "No ids"}}, at=at)

    summary = await sync(store, trakt_settings(fake), KEY)

    assert fake.hits["/movies/3"] == fake.hits["/shows/7"] == fake.hits["/movies/5"] == 1  # fetched by id
    assert fake.hits["/movies/150"] == 0
    assert summary.malformed == 5 and summary.refetched == 2 and summary.ignored == 1
    assert (await store.get("trakt-movie-3")).overview == "Fixed on Trakt."
    assert (await store.get("trakt-show-7")).title == "Renamed Seven"
    # What could not be applied is named (Trakt id and slug, and why), and holds the next sync's start back.
    slug5 = fake.catalog.find("movie", "5")["ids"]["slug"]
    named = "\n".join(summary.lines())
    assert f"movie trakt_id=5 slug={slug5}" in named and "GET /movies/5 too" in named
    assert "movie trakt_id=? slug=?" in named and "no Trakt id or slug" in named
    assert summary.skipped_total == 2
    held = await store.get_state(trakt.SINCE_KEY)
    assert held == summary.held_at == hour_of(start)  # the id-less item has no usable time: no advance at all
    assert "the next sync starts at" in summary.line()

    # Trakt fixes movie 5 and drops the id-less item: the next sync applies it and moves on.
    fake.catalog.raw_updates.clear()
    fake.catalog.touch("movie", 5, at=broken_at + timedelta(minutes=5), title="Five, Repaired")
    later = await sync(store, trakt_settings(fake), KEY)
    assert later.completed and later.skipped_total == 0 and later.held_at is None
    assert (await store.get("trakt-movie-5")).title == "Five, Repaired"
    assert await store.get_state(trakt.SINCE_KEY) > held


async def test_titles_moving_between_pages_while_the_sync_reads_are_not_lost(fake, store):
    start = datetime.now(UTC) - timedelta(hours=10)
    await crawled(fake, store, start)
    touched = list(range(1, 121))  # 120 updates: pages of 50, 50 and 20, oldest first
    for i in touched:
        fake.catalog.touch("movie", i, at=start + timedelta(hours=1, seconds=i), overview=f"v1 of {i}")

    def editor_touches_titles_already_read():
        for i in (2, 4, 6):  # on page 1, which the sync has read: they jump to the end, the rest shifts back
            fake.catalog.touch("movie", i, overview=f"v2 of {i}")

    fake.fail("/movies/updates/*", "call", page=2, fn=editor_touches_titles_already_read)

    summary = await sync(store, trakt_settings(fake), KEY)

    await assert_store_matches_trakt(fake, store, "movie", touched)  # 51, 52, 53 were skipped by plain paging
    assert summary.completed and summary.rereads >= 1
    assert (await store.get("trakt-movie-4")).overview == "v2 of 4"
    assert summary.held_at is None


async def test_malformed_items_and_titles_moving_between_pages_together_lose_nothing(fake, store):
    start = datetime.now(UTC) - timedelta(hours=10)
    await crawled(fake, store, start)
    touched = list(range(1, 131))
    for i in touched:
        fake.catalog.touch("movie", i, at=start + timedelta(hours=1, seconds=i), overview=f"v1 of {i}")
    for i in (5, 49, 50, 51, 77, 120):  # broken in the feed only, around the page boundaries too
        fake.catalog.corrupt_update(
            "movie", i, lambda item: item | {"ids": {"trakt": item["ids"]["trakt"]}, "title": []}
        )

    def editor():
        for i in (1, 3, 52):
            fake.catalog.touch("movie", i, overview=f"v2 of {i}")

    fake.fail("/movies/updates/*", "call", page=2, fn=editor)
    fake.fail("/movies/updates/*", "call", page=3, fn=lambda: fake.catalog.touch("movie", 60, overview="v2 of 60"))

    summary = await sync(store, trakt_settings(fake), KEY)

    await assert_store_matches_trakt(fake, store, "movie", touched)
    assert summary.completed and summary.rereads >= 1 and summary.refetched >= 6 and summary.skipped_total == 0
    assert summary.held_at is None


async def test_a_sync_paused_at_its_cap_loses_nothing_when_titles_move_before_it_resumes(fake, store):
    start = datetime.now(UTC) - timedelta(hours=10)
    await crawled(fake, store, start)
    touched = list(range(1, 141))
    for i in touched:
        fake.catalog.touch("movie", i, at=start + timedelta(hours=2, seconds=i), overview=f"v1 of {i}")
    first = await sync(store, trakt_settings(fake, max_requests=2), KEY)  # movie pages 1 and 2, then the cap
    assert first.stopped_by_cap and not first.completed and first.pages == 2
    for i in (10, 60, 70):  # already read; they move to the end while the sync waits
        fake.catalog.touch("movie", i, overview=f"v2 of {i}")

    rest = await sync(store, trakt_settings(fake), KEY)

    await assert_store_matches_trakt(fake, store, "movie", touched)
    assert rest.resumed and rest.completed and rest.rereads >= 1
    assert (await store.get("trakt-movie-70")).overview == "v2 of 70"


async def test_a_feed_that_never_settles_is_reported_and_read_again_next_time(fake, store):
    start = datetime.now(UTC) - timedelta(hours=10)
    await crawled(fake, store, start)
    for i in range(1, 121):
        fake.catalog.touch("movie", i, at=start + timedelta(hours=3, seconds=i), overview=f"v1 of {i}")
    turn = iter(range(1, 10_000))

    def restless_editor():
        fake.catalog.touch("movie", next(turn), overview="again")  # before every page 2 of every pass

    fake.fail("/movies/updates/*", "call", page=2, fn=restless_editor, times=100)

    summary = await sync(store, trakt_settings(fake), KEY)

    assert not summary.completed and summary.unstable and summary.rereads == trakt.syncer.MAX_PASSES - 1
    assert "kept moving" in summary.line()
    assert await store.get_state(trakt.SINCE_KEY) <= hour_of(start + timedelta(hours=3))  # not past what it missed


async def test_sync_resumes_after_cap(fake, store):
    await crawl(store, trakt_settings(fake), KEY, limit=100)
    fake.catalog.touch("show", 1, overview="Changed show.")
    first = await sync(store, trakt_settings(fake, max_requests=1), KEY)
    assert first.stopped_by_cap and not first.completed

    rest = await sync(store, trakt_settings(fake), KEY)
    assert rest.resumed and rest.completed and rest.updated == 1
    assert sum(1 for path, _ in fake.log if path.startswith("/movies/updates/")) == 1  # not fetched again
    assert (await store.get("trakt-show-1")).overview == "Changed show."


async def test_sync_needs_a_recent_crawl(fake, store):
    with pytest.raises(TraktError, match=r"^No completed Trakt crawl to sync from: run `python -m indexer build"):
        await sync(store, trakt_settings(fake), KEY)
    old = (datetime.now(UTC) - timedelta(days=40)).strftime("%Y-%m-%dT%H:%M:%SZ")
    await store.set_state(trakt.SINCE_KEY, old)
    with pytest.raises(TraktError, match=r"more than 30 days ago .* --recrawl"):
        await sync(store, trakt_settings(fake), KEY)
    assert fake.hits.total() == 0
