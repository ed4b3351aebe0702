"""Bench: what a full Trakt crawl costs within Trakt's rate limit, and what `indexer sync` costs afterwards (issue 24).

    python bench/crawl.py [--catalog FILE] [--limit 20000] [--all-limit 2000] [--throttled-limit 3000]
                          [--throttle 100/2] [--updates 5000] [--out bench/results_crawl.md]

Runs the real crawler (`indexer.trakt.crawl`, what `python -m indexer build --source trakt --limit N` runs before
it encodes) and the real sync against the tests' fake Trakt (tests/fakes/trakt_server.py) on 127.0.0.1, serving a
scaled catalog: the first rows of a synthetic catalog (`--catalog`, a file `bench/scale.py generate` wrote; without
it the same rows are generated here) as Trakt payloads, its popular lists announcing Trakt's size in their
`X-Pagination-Item-Count` (1,100,000 movies and 200,000 shows: TMDB's size, `--movies`/`--shows`). Every request
is counted by endpoint. Phases, each into a fresh store:

1. the slice: `--limit` titles with the default [trakt] settings (page_limit 100, people_top_n 500,
   aliases_top_n 250), unthrottled: requests by endpoint, and the planned total (`requests_left`) checked against
   what was sent;
2. people and other names for every title: `--all-limit` titles with people_top_n and aliases_top_n above it;
3. Trakt's rate limit, scaled down (`--throttle LIMIT/SECONDS`, fixed windows, HTTP 429 with `Retry-After` and
   `X-Ratelimit` as documented): a crawl of `--throttled-limit` titles, its progress lines (what a log shows) kept
   with their times, so the time left they announced is compared with the time it took;
4. kill and resume: the same crawl in a child process, SIGKILLed half way, then resumed here: what was fetched
   twice;
5. sync: `--updates` titles touched on the fake after phase 1's crawl, then `sync`: requests per 1,000 changes, and
   a second sync with nothing changed.

Then the extrapolation to the whole announced catalog at Trakt's documented 1,000 GETs per 5 minutes (the
crawl's own `requests_left` with the announced counts, so the plan and the code agree), with the defaults and
with people (and names) for every title. Writes its section of `--out` and prints it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gzip
import io
import json
import os
import platform
import random
import re
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

SCRIPT = Path(__file__).resolve()
REPO = SCRIPT.parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from aiohttp import web  # noqa: E402

from bench.results import write_section  # noqa: E402
from indexer.store import Store  # noqa: E402
from indexer.trakt import SINCE_KEY, crawl, sync  # noqa: E402
from indexer.trakt.crawler import _fresh_state, requests_left  # noqa: E402
from morelike.settings import TraktSettings  # noqa: E402
from tests.fakes.trakt_server import FakeTrakt, catalog_from_rows  # noqa: E402

KEY = "bench-crawl-client-id"
TRAKT_LIMIT, TRAKT_PERIOD_S = 1000, 300  # documented: AUTHED/UNAUTHED_API_GET_LIMIT, 1000 calls every 5 minutes
TRAKT_RATE = TRAKT_LIMIT / TRAKT_PERIOD_S  # 3.33 requests/s
PHASES = ("list pages", "people", "names (aliases + translations)", "updates pages", "title refetch", "other")


def phase(path: str) -> str:
    if path.endswith("/popular"):
        return PHASES[0]
    if path.endswith("/people"):
        return PHASES[1]
    if path.endswith(("/aliases", "/translations")) or "/translations/" in path:
        return PHASES[2]
    if "/updates/" in path:
        return PHASES[3]
    if re.fullmatch(r"/(movies|shows)/[^/]+", path):
        return PHASES[4]
    return PHASES[5]


class TimedFake(FakeTrakt):
    """The tests' fake, timing its own work (so the client's share of a run can be told apart)."""

    server_s = 0.0

    @web.middleware
    async def _middleware(self, request, handler):
        started = time.perf_counter()
        try:
            return await super()._middleware(request, handler)
        finally:
            self.server_s += time.perf_counter() - started

    def reset(self) -> None:
        self.log.clear()
        self.hits.clear()
        self.server_s = 0.0

    def by_phase(self) -> Counter[str]:
        return Counter(phase(path) for path, _ in self.log)


def catalog_rows(path: Path | None, movies: int, shows: int):
    """Rows of a scale catalog in file order; generated like `bench/scale.py generate` when no file is given."""
    if path is not None:
        with gzip.open(path, "rt", encoding="utf-8") if path.suffix == ".gz" else open(path, encoding="utf-8") as fh:
            for line in fh:
                yield json.loads(line)
        return
    from bench.scale import BUNDLED, Generator, Pools

    yield from Generator(Pools(BUNDLED), 0).rows(10**9)  # the first rows of any N (the same bytes as the file's)


def settings_for(fake: FakeTrakt, **overrides) -> TraktSettings:
    """The default [trakt] settings but for the fake's URL and no request cap in the way."""
    return TraktSettings(**({"base_url": fake.base_url, "max_requests": 10_000_000} | overrides))


async def run_crawl(fake: TimedFake, folder: Path, name: str, limit: int, **overrides) -> dict:
    fake.reset()
    store = await Store.open(folder / f"{name}.sqlite")
    try:
        settings = settings_for(fake, **overrides)
        state = _fresh_state(settings)
        counts = {k: max(len(fake.catalog.items(k)), fake.catalog.listed.get(k, 0)) for k in ("movie", "show")}
        planned = requests_left(state, counts, limit, settings.people_top_n, settings.aliases_top_n)
        cpu, started = time.process_time(), time.perf_counter()
        summary = await crawl(store, settings, KEY, limit=limit)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        await store.close()
    assert summary.completed and summary.stored == limit, summary.line()
    return {
        "titles": summary.stored,
        "requests": summary.requests,
        "planned": planned,
        "by_phase": dict(fake.by_phase()),
        "wall_s": wall,
        "cpu_s": cpu,
        "server_s": fake.server_s,
        "summary": summary.line(),
    }


class Stamped(io.TextIOBase):
    """A log stream that keeps each line with the time it was written (what a progress log looks like)."""

    def __init__(self) -> None:
        self.lines: list[tuple[float, str]] = []

    def isatty(self) -> bool:
        return False

    def write(self, text: str) -> int:
        for line in text.splitlines():
            if line.strip():
                self.lines.append((time.perf_counter(), line))
        return len(text)


LINE = re.compile(r"trakt crawl \((?P<titles>[\d,]+) titles\): (?P<n>[\d,]+)/(?P<total>[\d,]+) requests .*?, "
                  r"(?P<rate>[\d,.]+) requests/s(?:, about (?P<left>[\d.]+) (?P<unit>s|min|h) left)?")  # fmt: skip


def _seconds(value: str, unit: str) -> float:
    return float(value) * {"s": 1, "min": 60, "h": 3600}[unit]


async def throttled(fake: TimedFake, folder: Path, limit: int, window: tuple[int, float]) -> dict:
    """A crawl under a scaled-down rate limit, its progress lines kept with their times."""
    fake.reset()
    rate = fake.limit_rate(*window)
    stream = Stamped()
    os.environ["MORELIKE_PROGRESS"], os.environ["MORELIKE_PROGRESS_INTERVAL"] = "lines", "2"
    store = await Store.open(folder / "throttled.sqlite")
    try:
        started = time.perf_counter()
        with contextlib.redirect_stderr(stream):
            summary = await crawl(store, settings_for(fake), KEY, limit=limit, progress=True)
        ended = time.perf_counter()
    finally:
        await store.close()
        fake.rate = None
    assert summary.completed, summary.line()
    checks = []
    for at, line in stream.lines:
        match = LINE.search(line)
        if match and match["left"]:
            checks.append(
                {
                    "at_s": at - started,
                    "done": int(match["n"].replace(",", "")) / int(match["total"].replace(",", "")),
                    "said_left_s": _seconds(match["left"], match["unit"]),
                    "took_s": ended - at,
                    "line": line,
                }
            )
    return {
        "titles": summary.stored,
        "requests": summary.requests,
        "retries": summary.retries,
        "refused": rate.refused,
        "windows": rate.windows,
        "wall_s": ended - started,
        "window": f"{window[0]} requests / {window[1]:g} s",
        "window_rate": window[0] / window[1],
        "by_phase": dict(fake.by_phase()),
        "eta": checks,
        "lines": [(round(at - started, 1), line) for at, line in stream.lines],
        "last_line": stream.lines[-1][1] if stream.lines else "",
    }


def child(args: argparse.Namespace) -> None:
    """The crawl in its own process (phase 4), to be SIGKILLed."""

    async def main() -> None:
        store = await Store.open(args.store)
        settings = TraktSettings(base_url=args.base_url, max_requests=10_000_000)
        try:
            await crawl(store, settings, KEY, limit=args.limit)
        finally:
            await store.close()

    asyncio.run(main())


async def kill_and_resume(fake: TimedFake, folder: Path, limit: int) -> dict:
    fake.reset()
    path = folder / "killed.sqlite"
    settings = settings_for(fake)
    planned = requests_left(_fresh_state(settings), {"movie": 10**7, "show": 10**7}, limit, 500, 250)
    kill_at = planned // 2
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(SCRIPT), "_child", "--base-url", fake.base_url, "--store", str(path),
        "--limit", str(limit), cwd=REPO,
    )  # fmt: skip
    await asyncio.wait_for(fake.wait_requests(kill_at), timeout=300)
    proc.send_signal(signal.SIGKILL)
    await proc.wait()
    before = list(fake.log)
    store = await Store.open(path)
    try:
        summary = await crawl(store, settings, KEY, limit=limit)
        stored = await store.count()
    finally:
        await store.close()
    after = fake.log[len(before) :]
    seen = Counter(before)
    twice = [item for item in after if seen[item]]
    return {
        "killed_after": len(before),
        "planned": planned,
        "resumed": summary.resumed,
        "resumed_requests": len(after),
        "fetched_twice": twice,
        "stored": stored,
        "limit": limit,
    }


async def sync_cost(fake: TimedFake, folder: Path, updates: int) -> dict:
    """Touch `updates` titles on the fake (some outside the slice) after phase 1's crawl, then sync, twice."""
    store = await Store.open(folder / "slice.sqlite")
    try:
        # As if the crawl had finished three hours ago and the titles changed two hours ago: the first sync reads
        # them, the second (straight after) starts at the hour the first began and finds nothing new.
        now = datetime.now(UTC)
        await store.set_state(SINCE_KEY, (now - timedelta(hours=3)).strftime("%Y-%m-%dT%H:00:00Z"))
        rng = random.Random(24)
        held = [obj for kind in ("movie", "show") for obj in fake.catalog.items(kind)]
        stamp = (now - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        for obj in rng.sample(held, min(updates, len(held))):  # what Catalog.touch does, without its lookup
            obj |= {"overview": f"Changed for the bench ({obj['ids']['trakt']}).", "updated_at": stamp}
        settings = settings_for(fake)
        fake.reset()
        cpu, started = time.process_time(), time.perf_counter()
        summary = await sync(store, settings, KEY)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        first = {"requests": summary.requests, "by_phase": dict(fake.by_phase()), "wall_s": wall, "cpu_s": cpu,
                 "server_s": fake.server_s, "applied": summary.updated, "ignored": summary.ignored,
                 "summary": summary.line()}  # fmt: skip
        fake.reset()
        again = await sync(store, settings, KEY)
        second = {"requests": again.requests, "by_phase": dict(fake.by_phase()), "summary": again.line()}
    finally:
        await store.close()
    assert summary.completed and again.completed
    return {"touched": min(updates, len(held)), "first": first, "quiet": second}


def extrapolate(movies: int, shows: int) -> list[dict]:
    """The crawl's own plan for the whole announced catalog, at Trakt's documented rate."""
    rows = []
    most = 1_000_000  # people_top_n's and aliases_top_n's maximum: every show and all but the last 100,000 movies
    every = max(movies, shows)
    for label, page_limit, top_n, names in (
        ("defaults (page_limit 100, people_top_n 500, aliases_top_n 250)", 100, 500, 250),
        ("people_top_n 1,000,000 (its maximum)", 100, most, 250),
        ("people_top_n and aliases_top_n 1,000,000", 100, most, most),
        ("people and other names for every title (past the settings' maximum)", 100, every, every),
        ("defaults, if Trakt served 250 a page (page_limit 250)", 250, 500, 250),
    ):
        state = _fresh_state(TraktSettings(page_limit=page_limit))
        requests = requests_left(state, {"movie": movies, "show": shows}, None, top_n, names)
        pages = -(-movies // page_limit) - (-shows // page_limit)
        rows.append({"setting": label, "requests": requests, "pages": pages, "hours": requests / TRAKT_RATE / 3600})
    return rows


def cpu_flags() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return "?"
    model = next((line.split(":", 1)[1].strip() for line in out.splitlines() if line.startswith("Model name")), "?")
    flags = next((line.split(":", 1)[1].split() for line in out.splitlines() if line.startswith("Flags")), [])
    wanted = [f for f in ("avx2", "avx512f", "avx512_bf16", "avx512_vnni", "amx_bf16") if f in flags]
    return f"{model}, flags {' '.join(wanted) or 'none of avx2/avx512'}"


def client_cost(a: dict, b: dict) -> tuple[float, float]:
    """CPU seconds of the client per list page and per other request, from two runs with different mixes."""
    p1, p2 = a["by_phase"].get(PHASES[0], 0), b["by_phase"].get(PHASES[0], 0)
    o1, o2 = a["requests"] - p1, b["requests"] - p2
    c1, c2 = a["cpu_s"] - a["server_s"], b["cpu_s"] - b["server_s"]
    det = p1 * o2 - p2 * o1
    if det:
        page, other = (c1 * o2 - c2 * o1) / det, (p1 * c2 - p2 * c1) / det
        if page > 0 and other > 0:
            return page, other
    average = (c1 + c2) / (a["requests"] + b["requests"])
    return average, average


def per_1000(count: int, titles: int) -> str:
    return f"{1000 * count / titles:,.1f}" if titles else "–"


def report(r: dict) -> str:
    a, b, c, k, s = r["slice"], r["all"], r["throttled"], r["kill"], r["sync"]
    head_people = min(500, a["titles"] // 2) * 2
    head_names = min(250, a["titles"] // 2) * 2 * 2
    lines = [
        f"`python bench/crawl.py {r['argv']}` — {r['date']}, {r['machine']}, {os.cpu_count()} cores, "
        f"load average {r['load_before']} before, {r['load_after']} after; catalog: {r['catalog']}; the fake's lists "
        f"announce {r['movies']:,} movies and {r['shows']:,} shows. Run time {r['total_s']:.0f} s, peak RSS "
        f"{r['rss_mb']:.0f} MB (the fake's catalog included).",
        "",
        f"**1. The slice: {a['titles']:,} titles, default settings, unthrottled** — {a['requests']:,} requests "
        f"(planned by the crawl's `requests_left` before it started: {a['planned']:,}) in {a['wall_s']:.1f} s "
        f"({a['requests'] / a['wall_s']:,.0f} requests/s; CPU {a['cpu_s']:.1f} s, of it the fake's "
        f"{a['server_s']:.1f} s: the client side costs {1000 * (a['cpu_s'] - a['server_s']) / a['requests']:.1f} ms "
        "a request, page writes included).",
        "",
        "| phase | requests | per 1,000 titles of the slice | what it is |",
        "|---|---:|---:|---|",
    ]
    what = {
        PHASES[0]: "one per 100 titles (page_limit's default; the size served, `X-Pagination-Limit`, counts)",
        PHASES[1]: f"one per title of rank ≤ people_top_n: {head_people:,} for the top 500 movies and shows, then none",
        PHASES[2]: f"two per title of rank ≤ aliases_top_n: {head_names:,} for the top 250 movies and shows",
    }
    for name in PHASES:
        count = a["by_phase"].get(name, 0)
        if count:
            lines.append(f"| {name} | {count:,} | {per_1000(count, a['titles'])} | {what.get(name, '')} |")
    lines.append(f"| **all** | **{a['requests']:,}** | **{per_1000(a['requests'], a['titles'])}** | |")
    lines += [
        "",
        f"**2. People and names for every title** ({b['titles']:,} titles, people_top_n and aliases_top_n "
        f"1,000,000): "
        + ", ".join(f"{name} {per_1000(n, b['titles'])}" for name, n in b["by_phase"].items())
        + f" per 1,000 titles; {b['requests']:,} requests (planned {b['planned']:,}) in {b['wall_s']:.1f} s.",
        "",
        f"**3. Rate-limited** (the fake enforcing {c['window']}: {c['window_rate']:.0f} requests/s, "
        f"{c['window_rate'] / TRAKT_RATE:.0f}x Trakt's 3.33): {c['titles']:,} titles, {c['requests']:,} requests of "
        f"which {c['refused']} were answered 429 (one per window, each waited out by its `Retry-After`: "
        f"{c['retries']} retries), {c['wall_s']:.1f} s = {c['requests'] / c['wall_s']:.1f} requests/s over "
        f"{c['windows']} windows. The progress lines (every 2 s) count requests from the start; the total is known "
        f"from the first show page, after the first movie page's people and names (first line with it: "
        f"`{c['eta'][0]['line'] if c['eta'] else '?'}`). What they said was left, against what it took:",
        "",
        "| at | done | said left | took |",
        "|---:|---:|---:|---:|",
    ]
    for check in c["eta"]:
        lines.append(f"| {check['at_s']:.0f} s | {100 * check['done']:.0f} % | {check['said_left_s']:.0f} s | "
                     f"{check['took_s']:.0f} s |")  # fmt: skip
    lines += [
        "",
        f"Last line: `{c['last_line']}`",
        "",
        f"**4. Kill and resume**: a crawl of {k['limit']:,} titles SIGKILLed after {k['killed_after']:,} requests "
        f"(of {k['planned']:,}); the rerun resumed ({k['resumed']}), sent {k['resumed_requests']:,} more and fetched "
        f"{len(k['fetched_twice'])} request(s) twice ({', '.join(p for p, _ in k['fetched_twice']) or 'none'}: the "
        f"title in flight, whose aliases and translations are stored together); the store holds {k['stored']:,} "
        "titles.",
        "",
        f"**5. Sync** after the slice: {s['touched']:,} titles touched on the fake (some outside the slice: "
        f"{s['first']['ignored']:,} ignored), `sync` sent {s['first']['requests']:,} requests "
        f"({', '.join(f'{n} {p}' for p, n in s['first']['by_phase'].items())}), applied {s['first']['applied']:,} in "
        f"{s['first']['wall_s']:.1f} s: {per_1000(s['first']['requests'], s['touched'])} requests per 1,000 changed "
        f"titles. The next sync, with nothing changed since: {s['quiet']['requests']} requests (an empty page of "
        "each feed).",
        "",
        f"**Extrapolated to the whole catalog** ({r['movies']:,} movies + {r['shows']:,} shows), at Trakt's documented "
        "1,000 GETs per 5 minutes (the crawl sends one request at a time, so this holds while Trakt answers within "
        "0.3 s; the client's own CPU, last column, is far below it):",
        "",
        "| settings | requests | at 3.33 requests/s | the client's CPU |",
        "|---|---:|---:|---:|",
    ]
    page_s, other_s = client_cost(a, b)
    for row in r["extrapolated"]:
        hours = row["hours"]
        took = f"{hours * 60:.0f} min" if hours < 2 else f"{hours:.0f} h ({hours / 24:.1f} days)"
        cpu = row["pages"] * page_s + (row["requests"] - row["pages"]) * other_s
        lines.append(f"| {row['setting']} | {row['requests']:,} | {took} | {cpu / 60:,.1f} min |")
    lines += [
        "",
        f"The client's CPU (phases 1 and 2 solved for the two kinds of request, the fake's own time taken out): "
        f"{1000 * page_s:.1f} ms a list page of 100 titles (parsed and written with its checkpoint), "
        f"{1000 * other_s:.1f} ms a people or names request (one title written with its checkpoint).",
    ]
    return "\n".join(lines)


async def main_async(args: argparse.Namespace) -> dict:
    started = time.perf_counter()
    load_before = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    hold = max(args.limit, args.all_limit, args.throttled_limit) // 2
    hold += hold // 10  # a margin of titles outside the slice (the sync's feed names some it does not carry)
    catalog = catalog_from_rows(catalog_rows(args.catalog, hold, hold), hold, hold)
    catalog.listed = {"movie": args.movies, "show": args.shows}
    fake = TimedFake(catalog, client_id=KEY)
    await fake.start()
    results: dict = {}
    try:
        with tempfile.TemporaryDirectory(prefix="bench-crawl-") as tmp:
            folder = Path(tmp)
            results["slice"] = await run_crawl(fake, folder, "slice", args.limit)
            print(f"slice: {results['slice']['summary']}", file=sys.stderr)
            results["all"] = await run_crawl(fake, folder, "all", args.all_limit, people_top_n=1_000_000,
                                             aliases_top_n=1_000_000)  # fmt: skip
            print(f"all: {results['all']['summary']}", file=sys.stderr)
            limit, seconds = args.throttle.split("/")
            results["throttled"] = await throttled(fake, folder, args.throttled_limit, (int(limit), float(seconds)))
            print(f"throttled: {results['throttled']['last_line']}", file=sys.stderr)
            results["kill"] = await kill_and_resume(fake, folder, args.throttled_limit)
            print(f"kill: twice={results['kill']['fetched_twice']}", file=sys.stderr)
            results["sync"] = await sync_cost(fake, folder, args.updates)
            print(f"sync: {results['sync']['first']['summary']}", file=sys.stderr)
    finally:
        await fake.stop()
    results["extrapolated"] = extrapolate(args.movies, args.shows)
    results |= {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{cpu_flags()}, Python {platform.python_version()}",
        "load_before": load_before,
        "load_after": " / ".join(f"{x:.1f}" for x in os.getloadavg()),
        "catalog": str(args.catalog) if args.catalog else "generated here (bench/scale.py's rows, seed 0)",
        "movies": args.movies,
        "shows": args.shows,
        "total_s": time.perf_counter() - started,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "argv": " ".join(sys.argv[1:]),
    }
    return results


def main(argv: list[str] | None = None) -> int:
    if argv is None:
        argv = sys.argv[1:]
    if argv[:1] == ["_child"]:
        parser = argparse.ArgumentParser()
        parser.add_argument("_child")
        parser.add_argument("--base-url", required=True)
        parser.add_argument("--store", required=True)
        parser.add_argument("--limit", type=int, required=True)
        child(parser.parse_args(argv))
        return 0
    parser = argparse.ArgumentParser(prog="bench/crawl.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--catalog", type=Path, help="a bench/scale.py catalog to serve the first rows of")
    parser.add_argument("--movies", type=int, default=1_100_000, help="the movie count the list announces")
    parser.add_argument("--shows", type=int, default=200_000, help="the show count the list announces")
    parser.add_argument("--limit", type=int, default=20_000, help="titles in the slice (phase 1)")
    parser.add_argument("--all-limit", type=int, default=2_000, help="titles with people and names for all (phase 2)")
    parser.add_argument("--throttled-limit", type=int, default=3_000, help="titles under the rate limit (3, 4)")
    parser.add_argument("--throttle", default="100/2", help="the scaled rate limit, LIMIT/SECONDS (default 100/2)")
    parser.add_argument("--updates", type=int, default=5_000, help="titles touched before the sync (phase 5)")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results_crawl.md")
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    args = parser.parse_args(argv)
    results = asyncio.run(main_async(args))
    text = report(results)
    write_section(args.out, "crawl", "## Trakt crawl and sync (issue 24)\n\n" + text)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str))
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
