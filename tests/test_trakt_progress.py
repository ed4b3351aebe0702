"""The crawl's progress counts what Trakt's rate limit counts, requests, and knows how many are left, so its time
left (requests left at the rate they are answered) holds through the people and name calls at the head of the
lists, rate-limit waits and a resumed crawl (issue 24)."""

from __future__ import annotations

import asyncio
import io
from functools import partial
from typing import ClassVar

import pytest

from indexer.trakt import crawl
from indexer.trakt import crawler as crawler_module
from morelike.progress import LineProgress
from tests.conftest import trakt_settings
from tests.fakes.trakt_server import FakeTrakt, make_catalog

KEY = "test-client-id-progress"
settings = partial(trakt_settings, people_top_n=60, aliases_top_n=30)  # the head spans pages of 50


class Bar:
    """Stands in for the progress bar and records (count, total) at every move."""

    bars: ClassVar[list[Bar]] = []

    def __init__(self, iterable=None, *, total=None, desc="", unit="it", disable=False, **kwargs) -> None:
        self.total, self.desc, self.unit, self.n = total, desc, unit, 0
        self.records: list[tuple[int, int | None]] = []
        Bar.bars.append(self)

    def update(self, n: int = 1) -> None:
        self.n += n
        self.records.append((self.n, self.total))

    def refresh(self) -> None:
        pass

    def set_description(self, desc: str | None = None, refresh: bool = True) -> None:
        self.desc = desc or ""

    def close(self) -> None:
        pass

    def __enter__(self) -> Bar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@pytest.fixture
def bars(monkeypatch):
    Bar.bars = []
    monkeypatch.setattr(crawler_module, "tqdm", Bar)
    return Bar.bars


@pytest.fixture
async def fake():
    server = FakeTrakt(make_catalog(250, 120), client_id=KEY)
    await server.start()
    yield server
    await server.stop()


def assert_total_is_what_was_sent(bar: Bar, requests: int) -> None:
    """Once the lists have said their counts, every total is the number of requests the run ends up sending."""
    totals = [total for _, total in bar.records if total is not None]
    assert totals and set(totals) == {requests}, sorted(set(totals))
    assert bar.records[-1] == (requests, requests) and bar.unit == "request"


@pytest.mark.parametrize("limit", [None, 300, 161])
async def test_the_bar_counts_requests_and_knows_the_total_early(fake, store, bars, limit):
    summary = await crawl(store, settings(fake), KEY, limit=limit, progress=True)

    assert summary.completed and summary.requests == len(fake.log)
    (bar,) = bars
    assert_total_is_what_was_sent(bar, summary.requests)
    # Known from the first show page on, while the first movie page's people and names are still being fetched:
    # a bar in titles would have sat at 50 for 90 of its 120 requests, and its rate said nothing of the rest.
    first_known = next(n for n, total in bar.records if total is not None)
    assert first_known <= 1 + 50 + 2 * 30 + 1
    assert bar.desc == f"trakt crawl ({summary.stored:,} titles)"


async def test_a_resumed_crawl_knows_its_total_from_its_first_request(fake, store, bars):
    capped = await crawl(store, settings(fake, max_requests=230), KEY, progress=True)
    assert capped.stopped_by_cap
    first = bars.pop()
    assert first.records[-1][0] == capped.requests < first.records[-1][1]  # stopped short of the total: it says so

    rest = await crawl(store, settings(fake), KEY, progress=True)
    assert rest.completed and rest.resumed
    (bar,) = bars
    assert bar.records[0][1] is not None  # the counts came back with the checkpoint
    assert_total_is_what_was_sent(bar, rest.requests)
    assert capped.requests + rest.requests == len(fake.log)  # nothing fetched twice


async def test_rate_limit_waits_show_in_the_rate_and_the_total_counts_the_refusals(store, bars):
    """Against Trakt's documented limit (scaled: 20 GETs a second), the crawl waits Retry-After on each 429; the
    refused requests count like any other (Trakt counts them against the run's cap too), the total follows."""
    server = FakeTrakt(make_catalog(100, 60), client_id=KEY)
    await server.start()
    rate = server.limit_rate(20, 1.0)
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        await asyncio.sleep(seconds)

    log = io.StringIO()
    try:
        summary = await crawl(store, settings(server, people_top_n=20, aliases_top_n=0), KEY, progress=True,
                              sleep=sleep)  # fmt: skip
    finally:
        await server.stop()
    assert summary.completed and rate.refused >= 1 and summary.retries == rate.refused
    assert len(waits) == rate.refused and all(wait >= 1 for wait in waits)  # Retry-After, whole seconds
    (bar,) = bars
    totals = [total for _, total in bar.records if total is not None]
    assert totals == sorted(totals) and totals[0] >= summary.requests - rate.refused  # each 429 adds its retry
    assert bar.records[-1] == (summary.requests, summary.requests)
    assert summary.requests == rate.served + rate.refused == 2 + 2 + 40 + rate.refused

    # The lines a log gets say requests, their rate and the time left.
    line = LineProgress(total=None, desc="trakt crawl (60 titles)", unit="request", file=log, interval=0)
    line.total = summary.requests
    line.update(10)
    assert f"trakt crawl (60 titles): 10/{summary.requests} requests" in log.getvalue()
    assert "requests/s" in log.getvalue() and "left" in log.getvalue()


def test_requests_left_counts_pages_people_names_and_queues():
    state = {
        "next": {"movie": [1, 0], "show": [1, 0]},
        "done": {"movie": False, "show": False},
        "taken": {"movie": 0, "show": 0},
        "people": [],
        "aliases": [],
        "page_limit": 100,
    }
    counts = {"movie": 1_100_000, "show": 200_000}
    # The full crawl with the defaults: 13,000 pages, 500 + 500 people, 250 + 250 titles' names at two requests.
    assert crawler_module.requests_left(state, counts, None, 500, 250) == 13_000 + 1_000 + 1_000
    assert crawler_module.requests_left(state, {"movie": 1_100_000}, None, 500, 250) is None  # shows unknown
    # Half way through page 3 of the movies, 40 people and 10 titles' names queued, shows done.
    state |= {"next": {"movie": [3, 50], "show": [2, 0]}, "done": {"movie": False, "show": True},
              "taken": {"movie": 250, "show": 80}, "people": ["x"] * 40, "aliases": ["y"] * 10}  # fmt: skip
    assert crawler_module.requests_left(state, {"movie": 1000}, None, 500, 250) == 8 + 250 + 0 + 40 + 20
    # A limit of 1,000 with the 80 shows done: the movies take the other 920, of which 250 are stored.
    assert crawler_module.requests_left(state, {"movie": 1000}, 1000, 500, 250) == 8 + 250 + 60
    # A Trakt that serves pages of 50 although 100 were asked.
    state["served_limit"] = {"movie": 50}
    state["next"]["movie"] = [6, 0]
    assert crawler_module.requests_left(state, {"movie": 1000}, None, 0, 0) == 15 + 60


async def test_a_scaled_catalog_announces_trakts_size_and_a_limited_crawl_plans_for_its_slice(store, bars):
    """bench/crawl.py's fake: lists that say 1.1 million movies and 200,000 shows while holding their first rows."""
    catalog = make_catalog(150, 150)
    catalog.listed = {"movie": 1_100_000, "show": 200_000}
    server = FakeTrakt(catalog, client_id=KEY)
    await server.start()
    try:
        summary = await crawl(store, settings(server), KEY, limit=200, progress=True)
    finally:
        await server.stop()
    assert summary.completed and summary.stored == 200
    (bar,) = bars
    assert_total_is_what_was_sent(bar, summary.requests)
    assert summary.requests == 2 * (2 + 60 + 2 * 30)  # a kind: two pages of 50, 60 people, 30 titles' names
