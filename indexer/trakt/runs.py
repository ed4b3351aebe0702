"""What a crawl and a sync share: the run summary, checkpoint keys, clocks and the request budget."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from indexer.trakt.client import TraktClient, TraktError

log = logging.getLogger("morelike.trakt")

CRAWL_KEY = "trakt.crawl"  # JSON checkpoint of the full crawl
SYNC_KEY = "trakt.sync"  # JSON checkpoint of the incremental sync
SINCE_KEY = "trakt.updates_since"  # ISO UTC hour the next sync reads updates from
SEEN_PREFIX = "trakt.sync.seen."  # per page of a sync pass: the items first seen on it (drift detection)
MAX_LISTED_SKIPS = 10  # skipped items named in a summary; the rest are counted


@dataclass
class Skipped:
    """One item a run could not use, named the way an operator looks it up on Trakt."""

    kind: str
    trakt_id: int | None
    slug: str | None
    reason: str
    outcome: str  # what became of it: "not stored", "kept for the next sync", ...

    def __str__(self) -> str:
        who = f"{self.kind} trakt_id={self.trakt_id if self.trakt_id is not None else '?'} slug={self.slug or '?'}"
        return f"{who}: {self.reason} ({self.outcome})"

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in ("kind", "trakt_id", "slug", "reason", "outcome")}


@dataclass
class TraktRunSummary:
    mode: str  # "crawl" | "sync"
    requests: int = 0  # HTTP requests sent this run, retries included (what the cap counts)
    retries: int = 0
    pages: int = 0  # list pages committed this run
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    malformed: int = 0  # items that could not be mapped to a Title as sent
    ignored: int = 0  # sync: updated titles the store does not carry
    people: int = 0  # people lists fetched
    aliases: int = 0  # titles whose other names (aliases and translations: two requests) were fetched
    refetched: int = 0  # sync: malformed feed items fetched again by id and applied
    rereads: int = 0  # sync: passes over the feed again because titles moved between pages while it was read
    stopped_by_cap: bool = False
    completed: bool = False
    already_complete: bool = False  # crawl: a finished crawl covers the request; only the key is checked
    resumed: bool = False  # continued a crawl/sync a previous run left unfinished (or extended a smaller one)
    unstable: bool = False  # sync: the feed still moved after the last allowed re-read
    held_at: str | None = None  # sync: the next sync starts here (not later) to retry what was not applied
    skipped: list[Skipped] = field(default_factory=list)
    skipped_total: int = 0

    @property
    def stored(self) -> int:
        return self.inserted + self.updated + self.unchanged

    def add(self, stats: Any) -> None:
        self.inserted += stats.inserted
        self.updated += stats.updated
        self.unchanged += stats.unchanged

    def skip(self, item: Skipped) -> None:
        self.skipped_total += 1
        if len(self.skipped) < MAX_LISTED_SKIPS:
            self.skipped.append(item)
        log.info("trakt %s skipped %s", self.mode, item)

    def __str__(self) -> str:
        return self.line()

    @property
    def state(self) -> str:
        if self.already_complete:
            return "already complete"
        if self.completed:
            return "completed"
        if self.stopped_by_cap:
            return "stopped_by_cap"
        return "incomplete"

    def line(self) -> str:
        text = (
            f"trakt {self.mode} {self.state}: requests={self.requests} retries={self.retries} pages={self.pages} "
            f"stored={self.stored} inserted={self.inserted} updated={self.updated} unchanged={self.unchanged} "
            f"malformed={self.malformed} ignored={self.ignored} people={self.people} aliases={self.aliases} "
            f"resumed={self.resumed}"
        )
        if self.mode == "sync":
            text += f" refetched={self.refetched} rereads={self.rereads} skipped={self.skipped_total}"
        if self.already_complete:
            text += (
                " (no titles fetched: `python -m indexer sync` applies Trakt's changes since, "
                "`build --source trakt --recrawl` crawls again)"
            )
        if self.unstable:
            text += " (Trakt's updates kept moving between pages: rerun sync to read them again)"
        if self.held_at:
            text += f" (the next sync starts at {self.held_at} to retry what was not applied)"
        if self.stopped_by_cap:
            text += " (request cap reached: rerun to continue)"
        return text

    def lines(self) -> list[str]:
        """The summary line, then one line per skipped item (the first few) saying what and why."""
        out = [self.line()]
        out += [f"  skipped {item}" for item in self.skipped]
        if self.skipped_total > len(self.skipped):
            out.append(f"  … and {self.skipped_total - len(self.skipped)} more skipped (-v logs each)")
        return out


def now() -> datetime:
    return datetime.now(UTC)


def iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> datetime:
    dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def hour(dt: datetime) -> str:
    """Trakt's updates are only accurate to the hour, and it asks callers to drop minutes for its cache."""
    return iso(dt.replace(minute=0, second=0, microsecond=0))


def load_json(text: str | None) -> dict | None:
    if not text:
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


def check_budget(client: TraktClient, summary: TraktRunSummary, cost: int, what: str) -> bool:
    """Whether the next page (costing up to `cost` requests) fits in what is left of the request cap.

    A page that cannot be afforded is not started, so that a capped run ends on a finished page (a crawl's
    people included). When not even one page fits in a run, no rerun can ever progress: that is one sentence, not a
    silent stop."""
    if client.remaining >= cost:
        return True
    if summary.pages == 0:
        spent = f" ({client.requests} already spent)" if client.requests else ""
        raise TraktError(
            f"[trakt] max_requests = {client.max_requests} is too low to store even one page{spent}: {what} "
            f"costs up to {cost} requests, so nothing was stored; set max_requests to at least {cost + client.requests}"
            f" (or lower page_limit, people_top_n or aliases_top_n)."
        )
    return False


def cap_without_progress(client: TraktClient, summary: TraktRunSummary) -> TraktError | None:
    """The error for a run the cap stopped before it stored one page (retries ate the budget), else None."""
    if summary.pages or summary.people or summary.aliases:  # what a killed crawl left is stored title by title
        return None
    return TraktError(
        f"[trakt] max_requests = {client.max_requests} ran out before one page could be stored "
        f"({client.retries} retries on the way), so nothing was stored; raise max_requests and rerun."
    )
