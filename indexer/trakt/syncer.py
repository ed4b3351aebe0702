"""The incremental sync: Trakt's updates feed applied to the Trakt titles in the store, losing none.

`/{movies|shows}/updates/{start_date}` lists `{"updated_at", "movie"|"show"}` for every title changed since a UTC
hour at most 30 days back, one item per title, and it is paginated by offset. Two things can make a reader miss
an update, and both are handled here:

- **A malformed item** (a title Trakt sent in a shape we cannot map) is fetched again by its Trakt id or slug
  (`/{kind}s/{id}?extended=full,images`) and applied from that. An item that still cannot be applied (no id to
  fetch it by, or malformed there too) is named in the summary and *keeps the window open*: the next sync starts
  no later than that item's `updated_at` hour, so it is read again until it can be applied.
- **Page drift**: a title re-touched while the feed is being read (or while a sync paused at its request cap)
  leaves its place and reappears further on, so every later item shifts and the one at the next page boundary is
  never served. Each pass over a feed records the items first seen on each page (in the checkpoint, so a paused
  sync keeps them); a pass is complete only when it has seen as many distinct titles as the last page's
  `X-Pagination-Item-Count` says the feed holds (the feed only grows while it is read: a moved title stays in
  it). Otherwise titles were skipped, and the feed is read again from the earliest point where one could have
  been (the hour of the last item on the page where the first moved title was first seen, or of the pass's
  start by Trakt's clock), up to `MAX_PASSES` passes.

Titles we do not carry are counted as `ignored` (the crawl decides what the catalog holds). An update keeps the
people and other names (aliases, translated titles) the crawl stored: the feed carries neither, and fetching them
again for every updated top title would cost three requests each on every sync; a recrawl refreshes them.

A completed sync moves the start of the next one to the hour this run began reading (by Trakt's `Date`), so anything
touched while it ran is read again next time; items it could not apply hold that start back to their own hour.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from indexer.trakt.client import CapReached, NotFound, TraktClient, TraktError
from indexer.trakt.crawler import Run, progress_bar
from indexer.trakt.payload import item_ids, item_key, parse_time, trakt_title
from indexer.trakt.runs import (
    SEEN_PREFIX,
    SINCE_KEY,
    SYNC_KEY,
    Skipped,
    TraktRunSummary,
    cap_without_progress,
    check_budget,
    hour,
    iso,
    load_json,
    now,
    parse_iso,
)
from morelike.catalog.records import KINDS, RecordError, Title
from morelike.settings import TRAKT_MAX_PAGE_LIMIT, TraktSettings

log = logging.getLogger("morelike.trakt")
FORMAT = 2
MAX_PASSES = 4  # passes over one feed per run; a feed still moving after that is read again by the next sync
UPDATES_MAX_AGE = timedelta(days=30)  # documented: start_date can be at most 30 days in the past


def _kind_state(since: str) -> dict:
    return {
        "since": since,  # the start_date this pass reads from (an hour)
        "pass": 1,
        "page": 0,  # the last page of this pass committed
        "done": False,
        "t0": None,  # Trakt's clock when this pass read its first page
        "dup_page": None,  # the earliest page where a title seen again later was first seen
        "page_last": {},  # page -> updated_at of its last item (where a re-read starts)
        "seen": 0,  # distinct items seen in this pass
    }


def _seen_key(kind: str, ks: dict, page: int) -> str:
    return f"{SEEN_PREFIX}{kind}.p{ks['pass']}.{page:06d}"


async def _load_seen(store: Any, kind: str, ks: dict) -> dict[str, int]:
    """item key -> the page of this pass where it was first seen, as the checkpoints recorded it."""
    prefix = f"{SEEN_PREFIX}{kind}.p{ks['pass']}."
    seen: dict[str, int] = {}
    for key, value in (await store.state_with_prefix(prefix)).items():
        page = int(key.rsplit(".", 1)[1])
        for item in json.loads(value):
            seen.setdefault(item, page)
    return seen


def _usable(state: dict | None) -> dict | None:
    if state is None or state.get("status") != "running":
        return None
    page_limit = state.get("page_limit")
    if not isinstance(page_limit, int) or isinstance(page_limit, bool) or not 1 <= page_limit <= TRAKT_MAX_PAGE_LIMIT:
        return None
    if state.get("format") != FORMAT:
        # A sync of the first format: start its feeds over from the same point (it recorded no drift data).
        since = state.get("since")
        if not isinstance(since, str):
            return None
        return _fresh(since, state.get("started_at") or iso(now()), page_limit)
    return state


def _fresh(since: str, started_at: str, page_limit: int) -> dict:
    return {
        "format": FORMAT,
        "status": "running",
        "since": since,  # where this run began reading (an hour)
        "started_at": started_at,  # when this run began reading, by Trakt's clock once it answered
        "page_limit": page_limit,
        "kinds": {k: _kind_state(since) for k in KINDS},
        "pending": {},  # item key -> what could not be applied (kept for the next sync)
        "gone": {},  # item key -> titles Trakt no longer has (404 when fetched again)
        "rereads": 0,
    }


async def sync(
    store: Any,
    settings: TraktSettings,
    client_id: str | None,
    *,
    progress: bool = False,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> TraktRunSummary:
    """Apply Trakt's updates since the last completed crawl/sync to the Trakt titles in `store`; `clock` and `sleep`
    are the client's (its retry and rate-limit waits)."""
    summary = TraktRunSummary("sync")
    client = TraktClient(settings, client_id, clock=clock, sleep=sleep)
    state = _usable(load_json(await store.get_state(SYNC_KEY)))
    if state is not None:
        summary.resumed = True
    else:
        since_text = await store.get_state(SINCE_KEY)
        if not since_text:
            raise TraktError(
                "No completed Trakt crawl to sync from: run `python -m indexer build --source trakt` first."
            )
        since = parse_iso(since_text)
        if now() - since > UPDATES_MAX_AGE:
            raise TraktError(
                f"The last Trakt crawl or sync started on {since:%Y-%m-%d}, more than 30 days ago (the limit of "
                "Trakt's updates): run `python -m indexer build --source trakt --recrawl` to crawl again."
            )
        await store.delete_state(SEEN_PREFIX)  # leftovers of an older run's passes
        state = _fresh(hour(since), iso(now()), settings.page_limit)
    async with client:
        with progress_bar(progress, "trakt sync") as bar:
            run = Run(store, client, summary, bar)
            try:
                await _Sync(run, state).read_feeds()
            except CapReached:
                error = cap_without_progress(client, summary)
                if error is not None:
                    summary.requests, summary.retries = client.requests, client.retries
                    error.summary = summary
                    raise error from None
                summary.stopped_by_cap = True
                log.warning("trakt request_cap_reached max_requests=%d: rerun sync to continue", client.max_requests)
            except TraktError as exc:
                exc.summary = summary
                raise
            finally:
                summary.requests, summary.retries = client.requests, client.retries
    log.info("%s", summary.line())
    return summary


class _Sync:
    def __init__(self, run: Run, state: dict) -> None:
        self.run = run
        self.state = state
        self.store = run.store
        self.client: TraktClient = run.client
        self.summary = run.summary

    async def read_feeds(self) -> None:
        self.first_response = not self.summary.resumed
        for kind in KINDS:
            ks = self.state["kinds"][kind]
            seen = await _load_seen(self.store, kind, ks)
            while not ks["done"]:
                if not check_budget(self.client, self.summary, 1, f"a page of {kind} updates"):
                    raise CapReached
                seen = await self._page(kind, ks, seen)
        self.summary.unstable = any(self.state["kinds"][k].get("unstable_since") for k in KINDS)
        self.summary.completed = not self.summary.unstable
        await self.store.delete_state(SEEN_PREFIX)

    async def _page(self, kind: str, ks: dict, seen: dict[str, int]) -> dict[str, int]:
        page_no = ks["page"] + 1
        page = await self.client.get_page(f"/{kind}s/updates/{ks['since']}", page_no, int(self.state["page_limit"]))
        clock = page.server_time or now()
        if ks["t0"] is None:
            ks["t0"] = iso(clock)
        if self.first_response:
            # Trakt's clock dates its updates: the next sync starts from this run's start by that clock.
            self.state["started_at"] = min(self.state["started_at"], iso(clock), key=parse_iso)
            self.first_response = False
        if kind not in self.run.known_totals:
            self.run.set_total(kind, page.item_count, None)
        first_seen: list[str] = []
        titles: list[Title] = []
        last_time: datetime | None = None
        for raw in page.items:
            obj = raw.get(kind) if isinstance(raw, dict) else raw
            key = item_key(obj)
            if key in seen:
                ks["dup_page"] = min(ks["dup_page"] or seen[key], seen[key])
            else:
                seen[key] = page_no
                first_seen.append(key)
            updated_at = parse_time(raw.get("updated_at")) if isinstance(raw, dict) else None
            last_time = updated_at or last_time
            title = await self._title(kind, key, obj, updated_at)
            if title is not None:
                titles.append(title)
        ks["page"] = page_no
        ks["seen"] = len(seen)
        if last_time is not None:
            ks["page_last"][str(page_no)] = iso(last_time)
        seen_key = _seen_key(kind, ks, page_no)
        if page.is_last:
            seen = self._end_of_pass(kind, ks, page.item_count, seen)
        checkpoint = {SYNC_KEY: None, seen_key: json.dumps(first_seen)}
        done = all(self.state["kinds"][k]["done"] for k in KINDS)
        if done:
            next_since = self._next_since()
            checkpoint[SINCE_KEY] = next_since
            self.state["next_since"] = next_since
        checkpoint[SYNC_KEY] = json.dumps({**self.state, "status": "completed" if done else "running"})
        stats = await self.store.upsert_titles(titles, state=checkpoint)
        self.summary.add(stats)
        self.summary.pages += 1
        self.run.bar.update(len(page.items))
        log.debug(
            "trakt updates kind=%s pass=%d page=%d/%s items=%d applied=%d",
            kind,
            ks["pass"],
            page_no,
            page.page_count,
            len(page.items),
            len(titles),
        )
        return seen

    def _end_of_pass(self, kind: str, ks: dict, item_count: int | None, seen: dict[str, int]) -> dict[str, int]:
        """Complete when every title the feed now holds was seen; else start another pass where a skip could be."""
        if item_count is None or len(seen) >= item_count:
            ks["done"] = True
            return seen
        missed = item_count - len(seen)
        log.info(
            "trakt updates_drift kind=%s pass=%d missed=%d dup_page=%s: reading the feed again",
            kind,
            ks["pass"],
            missed,
            ks["dup_page"],
        )
        if ks["pass"] >= MAX_PASSES:
            self.summary.unstable = True
            ks["done"] = True
            ks["unstable_since"] = self._rewind(ks)
            return seen
        fresh = _kind_state(self._rewind(ks))
        fresh["pass"] = ks["pass"] + 1
        ks.clear()
        ks.update(fresh)  # in place: the run loop and the checkpoint hold this very dict
        self.state["rereads"] += 1
        self.summary.rereads += 1
        return {}

    @staticmethod
    def _rewind(ks: dict) -> str:
        """The hour from which a re-read finds every title this pass may have skipped.

        A skip happens at a page boundary after the page where a moved title was first seen, so everything skipped
        is at or after that page's last `updated_at` (the feed is oldest first); were it newest first, what moved
        and what shifted past a boundary were touched after the pass began. Without a moved title to go by, the
        pass is read again whole."""
        candidates = [parse_iso(ks["since"])]
        if ks["dup_page"] is not None and str(ks["dup_page"]) in ks["page_last"]:
            boundary = parse_iso(ks["page_last"][str(ks["dup_page"])])
            if ks["t0"]:
                boundary = min(boundary, parse_iso(ks["t0"]))
            candidates.append(boundary)
        return hour(max(candidates))

    def _next_since(self) -> str:
        """Where the next sync reads from: this run's start, held back by what could not be applied."""
        since = parse_iso(self.state["since"])
        points = [parse_iso(self.state["started_at"])]
        for item in self.state["pending"].values():
            points.append(parse_iso(item["updated_at"]) if item.get("updated_at") else since)
        for k in KINDS:
            if self.state["kinds"][k].get("unstable_since"):
                points.append(parse_iso(self.state["kinds"][k]["unstable_since"]))
        start = hour(max(since, min(points)))
        if self.state["pending"] or any(self.state["kinds"][k].get("unstable_since") for k in KINDS):
            self.summary.held_at = start
        return start

    async def _title(self, kind: str, key: str, obj: Any, updated_at: datetime | None) -> Title | None:
        """The update as a Title to store (people and popularity kept from the crawl), or None when there is none."""
        try:
            title = trakt_title(kind, obj)
        except RecordError as exc:
            self.summary.malformed += 1
            title = await self._refetch(kind, key, obj, exc, updated_at)
            if title is None:
                return None
        stored = await self.store.get(title.id)
        if stored is None:
            self.summary.ignored += 1
            return None
        self.state["pending"].pop(key, None)  # applied after all (a later pass, or a later sync)
        # Updates carry neither people, other names nor a rank: keep what the crawl stored. (An update does carry
        # the title and original title, which lookups find it by.)
        return replace(
            title, cast=stored.cast, directors=stored.directors, popularity=stored.popularity, aliases=stored.aliases
        )

    async def _refetch(self, kind: str, key: str, obj: Any, exc: RecordError, updated_at: datetime | None):
        """A malformed feed item, fetched again by its id: the Title, or None (ignored, gone or pending)."""
        trakt_id, slug = item_ids(obj)
        if trakt_id is not None and await self.store.get(f"trakt-{kind}-{trakt_id}") is None:
            self.summary.ignored += 1  # not a title we carry: nothing to apply
            return None
        ref = trakt_id if trakt_id is not None else slug
        reason = f"the updates feed sent it malformed ({exc})"
        if ref is None:
            return self._pending(kind, key, trakt_id, slug, f"{reason} with no Trakt id or slug to fetch it by",
                                 updated_at)  # fmt: skip
        try:
            body = await self.client.get_title(kind, ref)
        except NotFound:
            if key in self.state["gone"]:
                return None
            self.state["gone"][key] = True
            self.summary.skip(Skipped(kind, trakt_id, slug, f"{reason}, and GET /{kind}s/{ref} is 404",
                                      "Trakt no longer has it; nothing to apply"))  # fmt: skip
            return None
        try:
            title = trakt_title(kind, body)
        except RecordError as again:
            return self._pending(kind, key, trakt_id, slug, f"{reason}, and GET /{kind}s/{ref} too ({again})",
                                 updated_at)  # fmt: skip
        self.summary.refetched += 1
        log.info("trakt sync refetched %s trakt_id=%s slug=%s after: %s", kind, trakt_id, slug, exc)
        return title

    def _pending(self, kind, key, trakt_id, slug, reason: str, updated_at: datetime | None) -> None:
        known = key in self.state["pending"]
        self.state["pending"][key] = {
            "kind": kind,
            "trakt_id": trakt_id,
            "slug": slug,
            "reason": reason,
            "updated_at": iso(updated_at) if updated_at else None,
        }
        if not known:  # a re-read pass meets it again: name it once
            self.summary.skip(Skipped(kind, trakt_id, slug, reason, "not applied: the next sync reads it again"))
        return None
