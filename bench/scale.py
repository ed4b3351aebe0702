"""Scale benchmark (issue 24): a Trakt-size catalog on one machine.

    python bench/scale.py generate --titles N --out FILE [--seed S] [--source CATALOG]
    python bench/scale.py serve --state DIR [--state DIR ...] [--out bench/results_scale.md]

writes a deterministic synthetic catalog of N titles in the bundled catalog's JSONL format (data/README.md), made
from the bundled one (data/catalog.jsonl.gz): every row is modelled on a real row (its kind, genres, which fields
it has), with its title recombined from real title words (sometimes a sequel number or a subtitle), its year moved a
little, its synopsis recombined from real synopsis sentences of the same genre, and its people real names recombined.
Same-title groups (several works under one name, different years) and duplicates (one work twice under different
ids) come at the bundled catalog's rates. The same source, N and seed give the same bytes (a `.gz` FILE too: no
time or file name of this run in its header), and a run with a larger N begins with the same rows.

It streams: only the pools drawn from the bundled catalog and a 4 MiB filter of the names used stay in memory, so
1.3 million titles cost what 1,000 do.

`serve` measures each published build (a state dir: the bundled 57k build first as the baseline, then the one
`python -m indexer build --source FILE` made of the generated catalog), each in fresh processes, in one run:
- the engine in a process of its own: `Engine.open` (similar search ready), the title resolver built (autocomplete
  ready), the free-text encoder loaded (first /discover), resident memory, and p50 / p99 of /similar with and without
  a filter, resolve, autocomplete, the title card and /discover over the same seeded sample of titles;
- the REST API (`python -m bot api`, pinned to one core with taskset): from its launch to its first /similar answer,
  then requests a second and p50 / p99 with 50 clients and with 10 (the clients run on the other core), and its
  resident memory after the load.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import hashlib
import json
import os
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.resolve import typo  # noqa: E402  (the damage bench/resolve.py measures accuracy with)
from indexer.sources import read_catalog  # noqa: E402
from morelike.catalog.normalize import normalize_title  # noqa: E402
from morelike.catalog.records import Title  # noqa: E402

BUNDLED = REPO / "data" / "catalog.jsonl.gz"
GZIP_NAME = "catalog.jsonl"  # the name a .gz output's header carries, whatever FILE is called
YEAR_MIN, YEAR_MAX = 1890, 2025
SERIES_RATE = 0.02  # works that start a short series ("Name", "Name 2", "Name: Subtitle")
SEQUEL_RATE = 0.03  # lone works named like a sequel or with a subtitle
SMALL_WORDS = frozenset(
    "a an and at by for from in into of on or out over the to under up with vs "
    "de la le les el los das der die und".split()
)
ROMAN = ("II", "III", "IV", "V")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“'(])")
_WORD = re.compile(r"\S+")


class Pools:
    """What the generator draws from, taken once from the source catalog in file order (so always the same)."""

    def __init__(self, source: Path) -> None:
        self.rows: list[Title] = []
        title_words: list[str] = []
        sentences: dict[str, list[str]] = {}
        first_names: list[str] = []
        surnames: list[str] = []
        name_counts: Counter[str] = Counter()
        for _, row in read_catalog(source):
            if not isinstance(row, Title):
                continue
            self.rows.append(row)
            title_words.extend(w for w in _WORD.findall(row.title) if w.lower() not in SMALL_WORDS)
            name_counts[normalize_title(row.title)] += 1
            if row.overview:
                pool = sentences.setdefault(_genre_key(row), [])
                pool.extend(s for s in _SENTENCE.split(row.overview) if len(s) > 20)
            for person in (*row.cast, *row.directors):
                parts = person.split()
                if len(parts) >= 2:
                    first_names.append(parts[0])
                    surnames.append(" ".join(parts[1:]))
        if not self.rows:
            raise SystemExit(f"{source}: no catalog rows to draw from")
        self.title_words = title_words
        self.sentences = sentences
        self.all_sentences = [s for key in sorted(sentences) for s in sentences[key]]
        self.first_names = first_names
        self.surnames = surnames
        # Same-title groups: how many rows share one (normalised) name, as the source has them, by name.
        sizes = Counter(name_counts.values())
        self.group_sizes = sorted(sizes)
        self.group_weights = [sizes[s] for s in self.group_sizes]
        # Duplicates: the same work (kind, normalised title, year) under more than one id.
        works = Counter((r.kind, normalize_title(r.title), r.year) for r in self.rows)
        dup_sizes = Counter(n for n in works.values() if n > 1)
        self.duplicate_rate = sum(dup_sizes.values()) / len(works)
        self.duplicate_sizes = sorted(dup_sizes) or [2]
        self.duplicate_weights = [dup_sizes[s] for s in self.duplicate_sizes] or [1]


def _genre_key(row: Title) -> str:
    return f"{row.kind}:{row.genres[0] if row.genres else ''}"


class NameFilter:
    """A Bloom filter of the normalised names already written: fresh names stay fresh at any N in fixed memory."""

    BITS = 1 << 25  # 4 MiB: about 0.1 % false positives at 1.3M names, which only cost a redraw

    def __init__(self) -> None:
        self.bits = bytearray(self.BITS // 8)

    def _slots(self, name: str) -> list[int]:
        digest = hashlib.blake2b(name.encode("utf-8"), digest_size=12).digest()
        return [int.from_bytes(digest[i : i + 4], "little") % self.BITS for i in (0, 4, 8)]

    def __contains__(self, name: str) -> bool:
        return all(self.bits[s >> 3] >> (s & 7) & 1 for s in self._slots(name))

    def add(self, name: str) -> None:
        for s in self._slots(name):
            self.bits[s >> 3] |= 1 << (s & 7)


class Generator:
    def __init__(self, pools: Pools, seed: int) -> None:
        self.pools = pools
        self.rng = random.Random(f"morelike-scale:{seed}")
        self.names = NameFilter()
        self.serial = 0

    # --- names ---------------------------------------------------------------------------------------------------
    def _recombine(self, template: str) -> str:
        rng, words = self.rng, self.pools.title_words
        parts = _WORD.findall(template) or [rng.choice(words)]
        out = [rng.choice(words) if w.lower() not in SMALL_WORDS and rng.random() < 0.6 else w for w in parts]
        if rng.random() < 0.25 or (len(out) == 1 and rng.random() < 0.5):
            out.insert(rng.randrange(len(out) + 1), rng.choice(words))
        return " ".join(out)

    def fresh_name(self, template: str) -> str:
        """A name no earlier group used (normalised), recombined from real title words."""
        for attempt in range(50):
            name = self._recombine(template)
            if attempt > 5:
                name = f"{name} {self.rng.choice(self.pools.title_words)}"
            norm = normalize_title(name)
            if norm and norm not in self.names:
                self.names.add(norm)
                return name
        raise RuntimeError("no fresh name after 50 draws")

    def claim(self, name: str) -> None:
        self.names.add(normalize_title(name))

    # --- people --------------------------------------------------------------------------------------------------
    def person(self, real: str, variant: int) -> str:
        """`real` itself (variant 0) or a recombined name: the same (real, variant) is the same person everywhere,
        so one variant of a cast list keeps its actors' careers and co-stars, as the source has them."""
        if variant == 0:
            return real
        digest = hashlib.blake2b(f"{real}\x00{variant}".encode(), digest_size=8).digest()
        first = self.pools.first_names[int.from_bytes(digest[:4], "little") % len(self.pools.first_names)]
        last = self.pools.surnames[int.from_bytes(digest[4:], "little") % len(self.pools.surnames)]
        return f"{first} {last}"

    # --- rows ----------------------------------------------------------------------------------------------------
    def _id(self, template: Title) -> dict:
        """A unique id in the scheme of the template's (imdb, tmdb, JustWatch or Wikipedia), with its id fields."""
        self.serial += 1
        n = self.serial
        scheme = template.id.split("-", 1)[0]
        if scheme == "imdb":
            return {"id": f"imdb-tt{90_000_000 + n}", "imdb_id": f"tt{90_000_000 + n}"}
        if scheme == "tmdb":
            return {"id": f"tmdb-movie-{5_000_000 + n}", "tmdb_id": 5_000_000 + n}
        if scheme == "jw":
            return {"id": f"jw-t{'s' if template.kind == 'show' else 'm'}{9_000_000 + n}"}
        return {"id": f"wiki-Synthetic_title_{n}", "wikipedia": f"Synthetic_title_{n}"}

    def _overview(self, template: Title) -> str | None:
        if not template.overview:
            return None
        rng = self.rng
        pool = self.pools.sentences.get(_genre_key(template)) or self.pools.all_sentences
        count = max(1, min(len(_SENTENCE.split(template.overview)) + rng.randint(-1, 1), 8))
        return " ".join(rng.choice(pool) for _ in range(count))

    def row(self, template: Title, name: str, year: int) -> dict:
        rng = self.rng
        variant = rng.randrange(2 + 2 * (self.serial // len(self.pools.rows)))
        ids = self._id(template)
        released = None
        if template.released:
            released = f"{year:04d}{template.released[4:]}"
            if released[5:] == "02-29":
                released = f"{year:04d}-02-28"
        rating = template.rating
        if rating is not None:
            rating = round(min(10.0, max(0.0, rating + rng.uniform(-0.8, 0.8))), 1)
        votes = template.votes
        if votes is not None:
            votes = max(0, int(votes * rng.uniform(0.3, 1.7)))
        popularity = template.popularity
        if popularity is not None:
            popularity = round(popularity * rng.uniform(0.5, 1.5), 3)
        runtime = template.runtime
        if runtime:
            runtime = max(1, runtime + rng.randint(-10, 10))
        row = {
            "id": ids["id"],
            "kind": template.kind,
            "title": name,
            "original_title": None,
            "year": year,
            "released": released,
            "overview": self._overview(template),
            "tagline": None,
            "genres": list(template.genres),
            "runtime": runtime,
            "country": template.country,
            "language": template.language,
            "rating": rating,
            "votes": votes,
            "popularity": popularity,
            "cast": [self.person(p, variant) for p in template.cast],
            "directors": [self.person(p, variant) for p in template.directors],
            "keywords": [],
            "collection": None,
            "imdb_id": ids.get("imdb_id"),
            "tmdb_id": ids.get("tmdb_id"),
            "rating_source": template.rating_source,
        }
        if template.kind == "show":
            row["seasons"] = max(1, (template.seasons or 1) + rng.randint(-1, 1))
        row["wikipedia"] = ids.get("wikipedia")
        row["sources"] = list(template.sources)
        return row

    def duplicate(self, row: dict, template: Title) -> dict:
        """The same work again under another id: another source's row of it (its synopsis kept or rewritten)."""
        other = self.rng.choice(self.pools.rows)
        ids = self._id(other)
        copy = dict(row, id=ids["id"], imdb_id=ids.get("imdb_id"), tmdb_id=ids.get("tmdb_id"))
        copy["wikipedia"] = ids.get("wikipedia")
        copy["sources"] = list(other.sources)
        if self.rng.random() < 0.5:
            copy["overview"] = self._overview(template)
        return copy

    def _year(self, template: Title) -> int:
        base = template.year or self.rng.randint(1950, 2020)
        return min(YEAR_MAX, max(YEAR_MIN, base + self.rng.randint(-4, 4)))

    def works(self) -> Iterator[list[tuple[Title, str, int]]]:
        """Groups of (template, name, year): a same-title group, a short series or one work."""
        rng, rows = self.rng, self.pools.rows
        while True:
            size = rng.choices(self.pools.group_sizes, self.pools.group_weights)[0]
            templates = [rng.choice(rows) for _ in range(size)]
            if size > 1:  # several works under one name, each its own year
                name = self.fresh_name(templates[0].title)
                years: list[int] = []
                for t in templates:
                    year = self._year(t)
                    while year in years:
                        year = year + 1 if year < YEAR_MAX else YEAR_MIN + len(years)
                    years.append(year)
                yield [(t, name, y) for t, y in zip(templates, years, strict=True)]
                continue
            template = templates[0]
            draw = rng.random()
            if draw < SERIES_RATE:
                base = self.fresh_name(template.title)
                year = min(self._year(template), YEAR_MAX - 12)
                group = [(template, base, year)]
                for k in range(rng.randint(1, 3)):
                    year += rng.randint(1, 4)
                    if rng.random() < 0.7:
                        name = f"{base} {k + 2 if rng.random() < 0.8 else ROMAN[k]}"
                    else:
                        name = f"{base}: {self.fresh_name(rng.choice(rows).title)}"
                    self.claim(name)
                    group.append((template, name, year))
                yield group
            elif draw < SERIES_RATE + SEQUEL_RATE:
                base = self.fresh_name(template.title)
                name = f"{base} {rng.randint(2, 5)}" if rng.random() < 0.5 else f"{base}: {rng.choice(rows).title}"
                self.claim(name)
                yield [(template, name, self._year(template))]
            else:
                yield [(template, self.fresh_name(template.title), self._year(template))]

    def rows(self, n: int) -> Iterator[dict]:
        written = 0
        rng = self.rng
        dup_rate = self.pools.duplicate_rate
        for group in self.works():
            for template, name, year in group:
                row = self.row(template, name, year)
                copies = [row]
                if rng.random() < dup_rate:
                    extra = rng.choices(self.pools.duplicate_sizes, self.pools.duplicate_weights)[0] - 1
                    copies += [self.duplicate(row, template) for _ in range(extra)]
                for r in copies:
                    yield r
                    written += 1
                    if written >= n:
                        return


def generate(titles: int, out: Path, *, seed: int = 0, source: Path = BUNDLED, pools: Pools | None = None) -> int:
    """Write `titles` synthetic rows to `out` (JSONL, gzip when it ends in .gz); returns the count written.
    `pools` (drawn from `source`) may be passed in to generate several catalogs from one reading."""
    gen = Generator(pools or Pools(source), seed)
    count = 0
    with open(out, "wb") as raw:
        sink = gzip.GzipFile(filename=GZIP_NAME, mode="wb", fileobj=raw, mtime=0) if out.suffix == ".gz" else raw
        try:
            buffer: list[str] = []
            for row in gen.rows(titles):
                buffer.append(json.dumps(row, ensure_ascii=False, separators=(",", ":")))
                count += 1
                if len(buffer) >= 2000:
                    sink.write(("\n".join(buffer) + "\n").encode("utf-8"))
                    buffer.clear()
            if buffer:
                sink.write(("\n".join(buffer) + "\n").encode("utf-8"))
        finally:
            if sink is not raw:
                sink.close()
    return count


# --- serve: a published build's start, latency, REST throughput and memory ----------------------------------------

SERVE_SEED = 20261207
DESCRIPTIONS = (
    "a heist by stage magicians",
    "a lonely robot falls in love",
    "detectives hunt a serial killer in a rainy city",
    "a family road trip goes wrong",
    "space explorers find an alien signal",
    "a boxer's last fight",
    "two friends open a restaurant",
    "a haunted house in the countryside",
)


def _rss_mb(pid: int | None = None, field: str = "VmRSS") -> float:
    """Resident memory; `field` "RssFile": the part of it that is mapped files (the build's vectors, graph and
    arrays: page cache, shared by every process that maps the build)."""
    for line in Path(f"/proc/{pid or 'self'}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _pct(samples: list[float]) -> tuple[float, float]:
    import numpy as np

    ms = np.asarray(samples) * 1000
    return float(np.percentile(ms, 50)), float(np.percentile(ms, 99))


def _config(state: Path):
    from morelike.settings import load_config

    toml = state / "bench-serve.toml"
    toml.write_text(f'[paths]\nstate_dir = "{state}"\n\n[api]\nport = 0\n')
    return toml, load_config(toml)


def engine_figures(state: Path, queries: int) -> dict:
    """Run in its own process (`scale.py engine`): what one bot process costs on the build in `state`."""
    import random

    from morelike.engine import Engine, Filters

    _, config = _config(state)
    started = time.perf_counter()
    engine = Engine.open(config)
    out: dict = {"load_s": time.perf_counter() - started}
    snap = engine.snapshot
    _ = snap.resolver  # built in the background since open: autocomplete is ready when it is
    out["resolver_s"] = time.perf_counter() - started
    out["titles"] = snap.n
    out["rss_loaded_mb"], out["rss_file_loaded_mb"] = _rss_mb(), _rss_mb(field="RssFile")
    rng = random.Random(SERVE_SEED)
    keys = [rng.randrange(snap.n) for _ in range(queries)]
    cards = snap.cards(keys)
    drama = Filters(genres=("drama",))
    timed: dict[str, list[float]] = {}

    def time_it(name: str, call, *args) -> None:
        began = time.perf_counter()
        call(*args)
        timed.setdefault(name, []).append(time.perf_counter() - began)

    for card in cards:
        time_it("similar", engine.similar, card.id)
        time_it("similar (genre drama)", engine.similar, card.id, drama)
        time_it("resolve", engine.resolve, card.title)
        time_it("resolve (one typo)", engine.resolve, typo(card.title, rng))
        time_it("autocomplete", engine.suggest, card.title[:4])
        time_it("title card", engine.get, card.id)
    began = time.perf_counter()
    engine.discover(DESCRIPTIONS[0])
    out["first_discover_s"] = time.perf_counter() - began
    for _ in range(max(1, queries // 50)):
        for text in DESCRIPTIONS:
            time_it("discover", engine.discover, text)
    out["latency_ms"] = {name: _pct(samples) for name, samples in timed.items()}
    out["rss_after_mb"], out["rss_file_after_mb"] = _rss_mb(), _rss_mb(field="RssFile")
    return out


async def _rest_load(base: str, paths: list[str], clients: int, seconds: float) -> dict:
    import aiohttp

    latencies: list[float] = []
    errors = 0
    stop = time.perf_counter() + seconds

    async def client(number: int, session: aiohttp.ClientSession) -> None:
        nonlocal errors
        i = number
        while time.perf_counter() < stop:
            began = time.perf_counter()
            async with session.get(base + paths[i % len(paths)]) as response:
                await response.read()
                errors += response.status != 200
            latencies.append(time.perf_counter() - began)
            i += clients

    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector) as session:
        began = time.perf_counter()
        await asyncio.gather(*(client(n, session) for n in range(clients)))
        elapsed = time.perf_counter() - began
    p50, p99 = _pct(latencies)
    return {"rps": len(latencies) / elapsed, "p50_ms": p50, "p99_ms": p99, "errors": errors}


def rest_figures(state: Path, seconds: float) -> dict:
    """`python -m bot api` on the build in `state`, pinned to CPU 1 (this process, the clients, to CPU 0)."""
    import random
    import sqlite3
    import subprocess
    import urllib.parse
    import urllib.request

    from morelike.build.layout import DB_FILE, current_build

    toml, config = _config(state)
    build = current_build(config.published_dir)
    con = sqlite3.connect(f"file:{build / DB_FILE}?mode=ro", uri=True)
    n = con.execute("SELECT COUNT(*) FROM titles").fetchone()[0]
    rng = random.Random(SERVE_SEED)
    ids = [con.execute("SELECT id FROM titles WHERE key = ?", (rng.randrange(n),)).fetchone()[0] for _ in range(500)]
    con.close()
    paths = [f"/v1/titles/{urllib.parse.quote(i, safe='')}/similar" for i in ids]
    os.sched_setaffinity(0, {0})
    launched = time.perf_counter()
    api = subprocess.Popen(
        ["taskset", "-c", "1", sys.executable, "-m", "bot", "--config", str(toml), "api"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        line = api.stdout.readline() if api.stdout else ""
        base = line.split(" on ", 1)[1].split(" ", 1)[0].rstrip("/")
        while True:
            try:
                with urllib.request.urlopen(base + paths[0], timeout=30) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.05)
        out: dict = {"first_answer_s": time.perf_counter() - launched}
        asyncio.run(_rest_load(base, paths, 10, 3.0))  # warm: every route's first call, the allocator
        out["clients_50"] = asyncio.run(_rest_load(base, paths, 50, seconds))
        out["clients_10"] = asyncio.run(_rest_load(base, paths, 10, seconds))
        out["rss_mb"] = _rss_mb(api.pid)
        return out
    finally:
        api.terminate()
        api.wait(timeout=30)
        os.sched_setaffinity(0, set(range(os.cpu_count() or 1)))


def _serve_table(runs: list[tuple[Path, dict, dict]], meta: str) -> str:
    lines = [meta, ""]
    header = "| figure | " + " | ".join(f"{e['titles']:,} titles" for _, e, _ in runs) + " | target at 1.3M |"
    lines += [header, "|---|" + "---|" * (len(runs) + 1)]

    def row(name: str, values: list[str], target: str) -> None:
        lines.append(f"| {name} | " + " | ".join(values) + f" | {target} |")

    row("engine open: similar ready (s)", [f"{e['load_s']:.2f}" for _, e, _ in runs], "< 3 (first interaction)")
    row("title resolver built: autocomplete ready (s)", [f"{e['resolver_s']:.2f}" for _, e, _ in runs], "< 10")
    row("first /discover, the free-text encoder loaded (s)", [f"{e['first_discover_s']:.2f}" for _, e, _ in runs],
        "ready < 10")  # fmt: skip
    targets = {"similar": "p99 < 15", "similar (genre drama)": "p99 < 15", "resolve": "p99 < 20",
               "resolve (one typo)": "p99 < 20", "autocomplete": "p99 < 20", "title card": "p99 < 5",
               "discover": "–"}  # fmt: skip
    for name, target in targets.items():
        row(f"{name} p50 / p99 (ms)", [f"{e['latency_ms'][name][0]:.2f} / {e['latency_ms'][name][1]:.2f}"
            for _, e, _ in runs], target)  # fmt: skip
    row("engine process RSS loaded / after the queries (MB)",
        [f"{e['rss_loaded_mb']:.0f} / {e['rss_after_mb']:.0f}" for _, e, _ in runs], "< 3,000")  # fmt: skip
    row("… of it the build's files, mapped (page cache, shared between processes) (MB)",
        [f"{e['rss_file_loaded_mb']:.0f} / {e['rss_file_after_mb']:.0f}" for _, e, _ in runs], "–")  # fmt: skip
    row("REST API: launch to first /similar answer (s)", [f"{r['first_answer_s']:.2f}" for _, _, r in runs], "< 10")
    for clients in (50, 10):
        row(f"REST API, one core, {clients} clients: requests/s; p50 / p99 (ms)",
            [f"{r[f'clients_{clients}']['rps']:.0f}; {r[f'clients_{clients}']['p50_ms']:.1f} / "
             f"{r[f'clients_{clients}']['p99_ms']:.1f}" for _, _, r in runs],
            "within 20 % of 57k" if clients == 50 else "p99 < 100")  # fmt: skip
    row("REST API process RSS after the load (MB)", [f"{r['rss_mb']:.0f}" for _, _, r in runs], "< 3,000")
    return "\n".join(lines)


def serve(states: list[Path], queries: int, seconds: float, out: Path | None) -> int:
    import datetime as dt
    import json as _json
    import subprocess

    flags = sorted(
        {f for f in Path("/proc/cpuinfo").read_text().split() if f in {"avx2", "avx512f", "avx512_bf16", "avx512_vnni"}}
    )
    load = os.getloadavg()
    runs = []
    for state in states:
        child = subprocess.run(
            [sys.executable, __file__, "engine", "--state", str(state), "--queries", str(queries)],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        engine = _json.loads(child.stdout.strip().splitlines()[-1])
        print(f"{state}: engine {engine}", file=sys.stderr)
        rest = rest_figures(state, seconds)
        print(f"{state}: rest {rest}", file=sys.stderr)
        runs.append((state, engine, rest))
    meta = (
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, CPU flags {' '.join(flags)}, load "
        f"average {load[0]:.1f} before / {os.getloadavg()[0]:.1f} after; {queries} titles sampled per build (seed "
        f"{SERVE_SEED}), REST {seconds:.0f} s per client count. Builds: "
        + "; ".join(f"{s} ({e['titles']:,} titles)" for s, e, _ in runs)
    )
    table = _serve_table(runs, meta)
    print(table)
    if out is not None:
        from bench.results import write_section

        write_section(out, "scale-serve", table)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/scale.py", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    gen = sub.add_parser("generate", help="write a deterministic synthetic catalog of N titles")
    gen.add_argument("--titles", type=int, required=True, help="how many titles (rows) to write")
    gen.add_argument("--out", type=Path, required=True, help="the JSONL file to write (.gz: gzip-compressed)")
    gen.add_argument("--seed", type=int, default=0, help="another seed gives another catalog (default 0)")
    gen.add_argument("--source", type=Path, default=BUNDLED, help="the catalog to draw from (default: bundled)")
    srv = sub.add_parser("serve", help="start, latency, REST throughput and memory of published builds")
    srv.add_argument("--state", type=Path, action="append", required=True, help="a state dir with a published build")
    srv.add_argument("--queries", type=int, default=500, help="titles sampled per build (default 500)")
    srv.add_argument("--seconds", type=float, default=15.0, help="REST load per client count (default 15)")
    srv.add_argument("--out", type=Path, help="the results file to write the table into (e.g. bench/results_scale.md)")
    eng = sub.add_parser("engine", help=argparse.SUPPRESS)
    eng.add_argument("--state", type=Path, required=True)
    eng.add_argument("--queries", type=int, default=500)
    args = parser.parse_args(argv)
    if args.command == "serve":
        return serve([s.resolve() for s in args.state], args.queries, args.seconds, args.out)
    if args.command == "engine":
        print(json.dumps(engine_figures(args.state.resolve(), args.queries)))
        return 0
    if args.titles < 1:
        parser.error("--titles must be at least 1")
    started = time.perf_counter()
    count = generate(args.titles, args.out, seed=args.seed, source=args.source)
    elapsed = time.perf_counter() - started
    print(f"wrote {count:,} titles to {args.out} in {elapsed:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
