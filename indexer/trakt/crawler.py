"""The full crawl: Trakt's popular movies and shows into the working store, resumable at every point.

`/movies/popular` and `/shows/popular` (the most complete lists ordered by popularity, so `--limit N` keeps the
most useful titles), pages interleaved movie/show; a limit is shared half and half between movies and shows (a
kind whose list runs out leaves the rest to the other). Each page is upserted together with its checkpoint in ONE
transaction, so a crawl killed at any point resumes after the last committed page: nothing is lost and nothing
is stored twice (ids are stable, upserts idempotent). The checkpoint records the next list position per kind
(page and offset), so a crawl cut short by its limit can later be extended without refetching what it has.

Cast and directors are fetched for the `people_top_n` most popular movies and the `people_top_n` most popular
shows (by list rank), after their page is committed: the checkpoint past a page lists its titles whose people are
still to fetch, and each people answer is stored with the checkpoint that strikes its title off. So a crawl killed
among a page's people calls loses none of the page's titles and fetches neither the page nor the people it already
has again. Titles outside the top N, and top titles until their people arrive, keep any people already stored.
`popularity` is derived from the list rank (`rank_popularity`), as Trakt publishes no popularity figure.

Other names (`/{kind}s/{id}/aliases` and `/{kind}s/{id}/translations`: two requests a title, stored together) are
fetched the same way for the `aliases_top_n` most popular movies and shows, after their people: what lookups find a
title by in its own language. The checkpoint records the N the crawl's pages were read with, so raising
`aliases_top_n` later (or running this code on a crawl finished before it fetched names) fetches the names the
stored top titles lack, and nothing else, before the crawl counts as complete again.

A completed crawl is not redone: a rerun (a build killed while encoding or publishing, say) goes straight on to
the next phase. `sync` keeps a crawled catalog current; `fresh=True` (`--recrawl`) starts over.

Progress counts requests, what Trakt's rate limit counts (a page of 100 titles and one title's people cost the
same), against the total `requests_left` plans from the lists' `X-Pagination-Item-Count`s (kept in the checkpoint):
its time left is the requests left at the pace they are answered, rate-limit waits included, and holds from the
head of the lists (three requests a title) to their tail (one request per 100 titles), and across a resume.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from indexer.trakt.client import CapReached, KeyRejected, TraktClient, TraktError
from indexer.trakt.payload import item_ids, parse_aliases, parse_people, rank_popularity, trakt_title
from indexer.trakt.runs import (
    CRAWL_KEY,
    SINCE_KEY,
    Skipped,
    TraktRunSummary,
    cap_without_progress,
    check_budget,
    iso,
    load_json,
    now,
    parse_iso,
)
from morelike.catalog.records import KINDS, RecordError, Title
from morelike.progress import Progress, tqdm  # a bar on a terminal, plain lines in a log
from morelike.settings import TRAKT_MAX_PAGE_LIMIT, TraktSettings

if TYPE_CHECKING:
    from indexer.store import Outcome

log = logging.getLogger("morelike.trakt")
FORMAT = 2


def progress_bar(enabled: bool, desc: str, unit: str = "title") -> Progress:
    # smoothing=0: the rate is the average since the start, so the time left stays steady through rate-limit pauses
    return tqdm(total=None, unit=unit, desc=desc, disable=not enabled, dynamic_ncols=True, leave=True, smoothing=0)


@dataclass
class Run:
    """One run's working parts: the store, the client, the summary and the progress bar."""

    store: Any
    client: TraktClient
    summary: TraktRunSummary
    bar: Progress
    known_totals: dict[str, int] = field(default_factory=dict)
    counted: dict[str, Outcome] = field(default_factory=dict)  # what this run's pages did to the titles queued

    def set_total(self, kind: str, item_count: int | None, limit: int | None) -> None:
        if item_count is None:
            return
        self.known_totals[kind] = item_count
        total = sum(self.known_totals.values())
        self.bar.total = min(total, limit) if limit is not None else total
        self.bar.refresh()

    def track(self, left: int | None, titles: int) -> None:
        """The crawl's bar counts requests, the unit Trakt's rate limit counts: it moves to the requests sent so far
        and its total is those plus `left` (what the crawl still needs, None while unknown), so the time left is
        requests left at the rate they are being answered, rate-limit waits included."""
        self.bar.total = None if left is None else self.client.requests + left
        self.bar.set_description(f"trakt crawl ({titles:,} titles)", refresh=False)
        self.bar.update(self.client.requests - self.bar.n)

    def parse(self, kind: str, objs: Sequence[tuple[int, Any]]) -> list[tuple[int, Title]]:
        """(rank, Title) for every well-formed item; the rest is counted and named (id, slug), never fatal."""
        out: list[tuple[int, Title]] = []
        seen: set[str] = set()
        for rank, obj in objs:
            try:
                title = trakt_title(kind, obj)
            except RecordError as exc:
                self.summary.malformed += 1
                trakt_id, slug = item_ids(obj)
                self.summary.skip(Skipped(kind, trakt_id, slug, f"{exc} (list rank {rank})", "not stored"))
                continue
            if title.id not in seen:
                seen.add(title.id)
                out.append((rank, title))
        return out

    async def people(self, title: Title) -> dict[str, Any] | None:
        """The title's cast and directors as Title fields, or None to keep what is stored (Trakt has none)."""
        if title.trakt_id is None:  # `fill` fetches only for titles that have one
            return None
        body = await self.client.get_people(title.kind, title.trakt_id)
        self.summary.people += 1
        if body is None:
            return None
        try:
            cast, directors = parse_people(body)
        except RecordError as exc:
            log.info("trakt people_malformed kind=%s trakt_id=%s reason=%s", title.kind, title.trakt_id, exc)
            return None
        return {"cast": cast, "directors": directors}

    async def aliases(self, title: Title) -> dict[str, Any] | None:
        """The title's other names (aliases, then translated titles) as Title fields, or None to keep what is stored
        (Trakt has neither, or sent one malformed)."""
        if title.trakt_id is None:  # `fill` fetches only for titles that have one
            return None
        aliases = await self.client.get_aliases(title.kind, title.trakt_id)
        translations = await self.client.get_translations(title.kind, title.trakt_id)
        self.summary.aliases += 1
        if aliases is None and translations is None:
            return None
        try:
            return {"aliases": parse_aliases(title, aliases, translations)}
        except RecordError as exc:
            log.info("trakt aliases_malformed kind=%s trakt_id=%s reason=%s", title.kind, title.trakt_id, exc)
            return None

    async def listed(self, ranked: Sequence[tuple[int, Title]]) -> list[Title]:
        """The page's titles as stored before any people call: popularity from the rank, people and other names
        from the stored row (a list item carries none, and a later crawl must not wipe them)."""
        out: list[Title] = []
        for rank, title in ranked:
            title = replace(title, popularity=rank_popularity(rank))
            stored = await self.store.get(title.id)
            if stored is not None:
                title = replace(title, cast=stored.cast, directors=stored.directors, aliases=stored.aliases)
            out.append(title)
        return out

    def count_filled(self, title_id: str, outcome: Outcome | None) -> None:
        """A title counts once in a run's summary: new people or names make it updated unless its page already
        counted it as inserted or updated (a title whose page a killed run stored is counted here, when it changes)."""
        if outcome != "updated":
            return
        earlier = self.counted.get(title_id)
        if earlier == "unchanged":
            self.summary.unchanged -= 1
        if earlier in (None, "unchanged"):
            self.summary.updated += 1
            self.counted[title_id] = "updated"


def _fresh_state(settings: TraktSettings) -> dict:
    return {
        "format": FORMAT,
        "status": "running",
        "started_at": iso(now()),
        "page_limit": settings.page_limit,
        "base_url": settings.base_url.rstrip("/"),
        "next": {k: [1, 0] for k in KINDS},  # the next list position per kind: page, items of it already used
        "done": {k: False for k in KINDS},  # the kind's list was read to its end
        "taken": {k: 0 for k in KINDS},  # titles stored per kind (what a limit counts)
        "people": [],  # ids of stored titles whose people are still to fetch (the last stored page's top titles)
        "aliases": [],  # ids of stored titles whose other names are still to fetch (likewise)
        "aliases_top_n": settings.aliases_top_n,  # every stored title of list rank <= this has (or is queued for) names
    }


def _usable(state: dict | None) -> dict | None:
    """A checkpoint this code can continue, upgraded from the first format; None when it must start over."""
    if state is None or state.get("status") not in ("running", "completed"):
        return None
    page_limit = state.get("page_limit")
    if not isinstance(page_limit, int) or isinstance(page_limit, bool) or not 1 <= page_limit <= TRAKT_MAX_PAGE_LIMIT:
        log.warning("trakt crawl_checkpoint_discarded reason=page_limit=%r: starting the crawl over", page_limit)
        return None
    try:
        if state.get("format") != FORMAT:  # first format: whole pages only, no recorded limit
            state = {
                **state,
                "format": FORMAT,
                "next": {k: [int(state["pages"][k]) + 1, 0] for k in KINDS},
            }
            state.pop("pages", None)
        state["next"] = {k: [int(state["next"][k][0]), int(state["next"][k][1])] for k in KINDS}
        state["done"] = {k: bool(state["done"][k]) for k in KINDS}
        state["taken"] = {k: int(state["taken"][k]) for k in KINDS}
        state["people"] = [str(title_id) for title_id in state.get("people", [])]  # absent before it was kept
        state["aliases"] = [str(title_id) for title_id in state.get("aliases", [])]
        state["aliases_top_n"] = int(state.get("aliases_top_n", 0))  # absent: a crawl that fetched no names
        counts = state.get("item_counts") or {}  # absent before progress counted requests: learnt again
        state["item_counts"] = {k: int(counts[k]) for k in KINDS if k in counts}
    except (KeyError, TypeError, ValueError, IndexError):
        log.warning("trakt crawl_checkpoint_discarded reason=unreadable: starting the crawl over")
        return None
    return state


def requests_left(
    state: dict, item_counts: dict[str, int], limit: int | None, people_top_n: int, aliases_top_n: int
) -> int | None:
    """The requests a crawl in `state` still needs to finish: the list pages left (at the page size Trakt serves),
    a people request for each title of list rank <= `people_top_n` and two for other names for each of rank <=
    `aliases_top_n` still to come, and what the queues hold. Counted from the lists' `X-Pagination-Item-Count`s
    (`item_counts`) and `limit` shared as the crawl shares it; None until a list not yet finished has said its count.
    Exact when nothing fails or is malformed (retries and 404s add to it; the bar's total follows)."""
    left = len(state["people"]) + 2 * len(state["aliases"])
    halves = {"movie": (limit + 1) // 2, "show": limit // 2} if limit is not None else {}
    for kind in KINDS:
        other = "show" if kind == "movie" else "movie"
        if state["done"][kind]:
            continue
        count = item_counts.get(kind)
        if count is None:
            return None
        offset = state["next"][kind][1]
        size = int(state.get("served_limit", {}).get(kind, state["page_limit"]))
        position = _position(state, kind)  # list items already used
        titles = count - position
        if limit is not None:
            # The other kind keeps its half unless its list runs out first; this kind gets the rest.
            if state["done"][other]:
                theirs = state["taken"][other]
            elif other in item_counts:
                theirs = min(halves[other], state["taken"][other] + item_counts[other] - _position(state, other))
            else:
                theirs = halves[other]
            titles = min(titles, limit - theirs - state["taken"][kind])
        if titles <= 0:
            continue
        end = position + titles
        left += -(-(offset + titles) // size)  # pages: the next one is read again from its start
        left += max(0, min(people_top_n, end) - position) + 2 * max(0, min(aliases_top_n, end) - position)
    return left


def _position(state: dict, kind: str) -> int:
    page_no, offset = state["next"][kind]
    return (page_no - 1) * int(state.get("served_limit", {}).get(kind, state["page_limit"])) + offset


def covers(state: dict, limit: int | None) -> bool:
    """Whether a completed crawl already holds what a crawl with `limit` would fetch."""
    if not sum(state["taken"].values()):
        return False  # it stored nothing (Trakt sent empty lists): nothing to keep, try again
    if all(state["done"].values()):
        return True  # both lists were read to their end
    return limit is not None and limit <= sum(state["taken"].values())


async def crawl(
    store: Any,
    settings: TraktSettings,
    client_id: str | None,
    *,
    limit: int | None = None,
    progress: bool = False,
    fresh: bool = False,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> TraktRunSummary:
    """Crawl Trakt's popular movies and shows into `store`, resuming an unfinished crawl where it stopped.

    A completed crawl that covers `limit` is not fetched again (`already_complete`); a larger limit extends it.
    Stops cleanly (checkpoint saved, `stopped_by_cap`) when `settings.max_requests` is reached; a rerun
    continues. A completed crawl records its start time, from which `sync` picks up changes. `clock` and `sleep`
    are the client's (its retry and rate-limit waits)."""
    summary = TraktRunSummary("crawl")
    if limit is not None and limit < 0:
        raise ValueError("limit must be >= 0")
    client = TraktClient(settings, client_id, clock=clock, sleep=sleep)
    state = None if fresh else _usable(load_json(await store.get_state(CRAWL_KEY)))
    if state is not None and state.get("base_url", client.base_url) != client.base_url:
        log.info("trakt crawl_restart reason=base_url_changed old=%s", state["base_url"])
        state = None  # a crawl of another API is not this one's
    if state is not None:
        await _queue_missing_aliases(store, state, settings.aliases_top_n)
    if state is not None and state["status"] == "completed":
        if covers(state, limit) and not state["aliases"]:
            await _check_key(client, summary)
            summary.completed = summary.already_complete = True
            log.info("trakt crawl_already_complete started_at=%s taken=%s", state["started_at"], state["taken"])
            return summary
        # A larger limit than the finished crawl had, or top titles without their other names: continue its lists
        # from where it stopped and fetch those names. The next sync still starts where it would have.
        since = await store.get_state(SINCE_KEY)
        state = {**state, "status": "running", "started_at": iso(now()), "since_floor": since}
        summary.resumed = new_start = True
        log.info(
            "trakt crawl_extend next=%s taken=%s limit=%s aliases_to_fetch=%d",
            state["next"],
            state["taken"],
            limit,
            len(state["aliases"]),
        )
    elif state is not None:
        summary.resumed, new_start = True, False
        log.info("trakt crawl_resume next=%s taken=%s", state["next"], state["taken"])
    else:
        state, new_start = _fresh_state(settings), True
    async with client:
        with progress_bar(progress, "trakt crawl", unit="request") as bar:
            run = Run(store, client, summary, bar)
            try:
                await _crawl_pages(run, state, settings, limit, new_start)
            except CapReached:
                error = cap_without_progress(client, summary)
                if error is not None:
                    summary.requests, summary.retries = client.requests, client.retries
                    error.summary = summary
                    raise error from None
                summary.stopped_by_cap = True
                log.warning(
                    "trakt request_cap_reached max_requests=%d next=%s: rerun to continue",
                    client.max_requests,
                    state["next"],
                )
            except TraktError as exc:
                exc.summary = summary
                raise
            finally:
                summary.requests, summary.retries = client.requests, client.retries
    log.info("%s", summary.line())
    return summary


async def _queue_missing_aliases(store: Any, state: dict, top_n: int) -> None:
    """Queue for their other names the stored titles of list rank up to `top_n` the crawl's pages were read with a
    smaller N for (none, before this code fetched names), unless they already have some; record `top_n` as covered.

    A smaller `top_n` than before is recorded too: pages read from now on queue only ranks up to it."""
    covered = state["aliases_top_n"]
    state["aliases_top_n"] = top_n
    if top_n <= covered:
        return
    queued = set(state["aliases"])
    for kind in KINDS:  # the crawl's ranks are its popularity order (`rank_popularity`)
        for title_id in await store.top_ids(f"trakt-{kind}-", top_n - covered, offset=covered):
            title = await store.get(title_id)
            if title_id not in queued and title is not None and not title.aliases:
                state["aliases"].append(title_id)


async def _check_key(client: TraktClient, summary: TraktRunSummary) -> None:
    """One request for a run that fetches nothing else, so that a wrong TRAKT_CLIENT_ID is said now (KeyRejected)
    rather than passing until the next sync; Trakt being unreachable does not stop a build of what is stored."""
    async with client:
        try:
            await client.check_key()
        except KeyRejected as exc:
            exc.summary = summary
            raise
        except TraktError as exc:
            log.warning("trakt key_not_checked reason=%s", exc)
        finally:
            summary.requests, summary.retries = client.requests, client.retries


def _completion_since(state: dict) -> str:
    """Where the next sync starts: this crawl's start, or earlier when it only extended an older crawl."""
    started = state["started_at"]
    floor = state.get("since_floor")
    if floor:
        return min(started, floor, key=parse_iso)
    return started


async def _crawl_pages(run: Run, state: dict, settings: TraktSettings, limit: int | None, new_start: bool) -> None:
    page_limit = int(state["page_limit"])  # a resumed crawl keeps its page size, so page numbers stay valid
    top_n = settings.people_top_n
    aliases_top_n = state["aliases_top_n"]  # settings.aliases_top_n, once `_queue_missing_aliases` recorded it
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

    def checkpoint() -> dict[str, str]:
        done = finished() and not state["people"] and not state["aliases"]
        out = {CRAWL_KEY: json.dumps({**state, "status": "completed" if done else "running"})}
        if done:
            out[SINCE_KEY] = _completion_since(state)
        return out

    committed = False

    # Each list's X-Pagination-Item-Count, kept in the checkpoint so that a resumed crawl has its ETA at once.
    item_counts: dict[str, int] = state.setdefault("item_counts", {})

    def tick() -> None:
        left = requests_left(state, item_counts, limit, top_n, aliases_top_n)
        run.track(left, sum(taken.values()))

    async def fill(queue: str, fetch: Callable[[Title], Awaitable[dict[str, Any] | None]]) -> None:
        """What `fetch` gives each title `state[queue]` lists (people, other names), each stored with the checkpoint
        that strikes its title off: a kill loses at most the requests under way for one title."""
        nonlocal committed
        while state[queue]:
            title_id, *rest = state[queue]
            title = await run.store.get(title_id)
            fields = None
            if title is not None and title.trakt_id is not None:
                fields = await fetch(title)
            state[queue] = rest
            rows = [replace(title, **fields)] if title is not None and fields is not None else []
            outcomes: dict[str, Outcome] = {}
            await run.store.upsert_titles(rows, state=checkpoint(), outcomes=outcomes)
            committed = True
            run.count_filled(title_id, outcomes.get(title_id))
            tick()

    async def fill_pending() -> None:
        await fill("people", run.people)
        await fill("aliases", run.aliases)

    tick()
    await fill_pending()  # what a killed run left (or a finished crawl lacks), before any new page
    first_response = new_start
    while not finished():
        for kind in KINDS:
            if kind_done(kind):
                continue
            page_no, offset = state["next"][kind]
            served = int(state.get("served_limit", {}).get(kind, page_limit))  # Trakt may clamp the page size
            start = (page_no - 1) * served + offset
            end = page_no * served
            # The list, then people for ranks <= people_top_n, then two requests for names for ranks <= aliases_top_n.
            cost = 1 + max(0, min(top_n, end) - start) + 2 * max(0, min(aliases_top_n, end) - start)
            if not check_budget(run.client, run.summary, cost, f"the next page ({kind}s page {page_no})"):
                raise CapReached
            page = await run.client.get_page(f"/{kind}s/popular", page_no, page_limit)
            if first_response and page.server_time is not None:
                # Trakt's clock dates its updates: a sync from our clock's hour could miss some if ours runs fast.
                state["started_at"] = min(state["started_at"], iso(page.server_time), key=parse_iso)
            first_response = False
            state.setdefault("served_limit", {})[kind] = page.limit
            if page.item_count is not None:
                item_counts[kind] = page.item_count
            base = (page_no - 1) * page.limit
            ranked = run.parse(kind, list(enumerate(page.items[offset:], start=base + offset + 1)))
            used = len(page.items)  # list items of this page consumed after this commit
            if limit is not None:
                room = max(0, int(quota(kind) - taken[kind]))
                if len(ranked) > room:
                    ranked = ranked[:room]
                    used = ranked[-1][0] - base if ranked else offset
            titles = await run.listed(ranked)
            taken[kind] += len(titles)
            state["people"] = [t.id for rank, t in ranked if rank <= top_n and t.trakt_id is not None]
            state["aliases"] = [t.id for rank, t in ranked if rank <= aliases_top_n and t.trakt_id is not None]
            if used >= len(page.items):
                state["next"][kind] = [page_no + 1, 0]
                state["done"][kind] = page.is_last
            else:
                state["next"][kind] = [page_no, used]
            outcomes: dict[str, Outcome] = {}
            stats = await run.store.upsert_titles(titles, state=checkpoint(), outcomes=outcomes)
            committed = True
            queued = {*state["people"], *state["aliases"]}  # only they can change again in this run
            run.counted.update((title_id, outcome) for title_id, outcome in outcomes.items() if title_id in queued)
            run.summary.add(stats)
            run.summary.pages += 1
            tick()
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
            await fill_pending()
    if not committed:
        # Reached without committing a page in this run (limit=0, or the limit was already met on resume).
        for key, value in checkpoint().items():
            await run.store.set_state(key, value)
    tick()
    run.summary.completed = True
