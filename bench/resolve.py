"""Title resolution and autocomplete speed over the full bundled catalog (issue 3: suggest p99 < 20 ms).

    python -m bench.resolve [--catalog data/catalog.jsonl.gz] [--queries 2000] [--seed 7]

Rows come straight from the catalog through `morelike.catalog.records.parse_record`, keyed in file order like a
published
build. Autocomplete queries are what a person types: prefixes (1 to 12 characters) of random titles, weighted
toward popular ones, typed lower-case without accents. Resolve queries are whole titles with the three kinds of
damage people do: exact, one dropped/swapped letter, and a trailing year hint. Also printed: top-1 accuracy of
resolve on the damaged titles (the intended title ranked first, same-title entries counted as a hit), and the
scorer comparison that chose `fuzz.ratio` + word coverage over WRatio / token_set_ratio / partial_ratio.
"""

from __future__ import annotations

import argparse
import gzip
import json
import platform
import random
import time
from pathlib import Path

from rapidfuzz import fuzz, process

from morelike.catalog.normalize import normalize_title
from morelike.catalog.records import RecordError, parse_record
from morelike.engine.resolve import ResolverRow, TitleResolver


def load_rows(path: Path) -> list[ResolverRow]:
    rows: list[ResolverRow] = []
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            try:
                t = parse_record(json.loads(line))
            except RecordError:
                continue
            rows.append(ResolverRow.from_title(t, len(rows)))
    return rows


def percentiles(samples_ms: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples_ms)
    p = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return p(0.50), p(0.99), ordered[-1]


def typo(text: str, rng: random.Random) -> str:
    letters = [i for i, ch in enumerate(text) if ch.isalpha()]
    if len(letters) < 4:
        return text
    i = rng.choice(letters[1:-1])
    if rng.random() < 0.5:
        return text[:i] + text[i + 1 :]  # dropped letter
    return text[:i] + text[i + 1] + text[i] + text[i + 2 :]  # swapped letters


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--catalog", default="data/catalog.jsonl.gz")
    ap.add_argument("--queries", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    rng = random.Random(args.seed)

    rows = load_rows(Path(args.catalog))
    t0 = time.perf_counter()
    resolver = TitleResolver(rows)
    build_s = time.perf_counter() - t0
    print(f"machine: {platform.processor() or platform.machine()}, python {platform.python_version()}")
    print(f"catalog rows: {len(rows)}; TitleResolver built in {build_s:.2f} s")

    # Popular titles are typed more often; half the sample is from the 2,000 most popular, half uniform.
    by_pop = sorted(rows, key=lambda r: -r.popularity)[:2000]
    picks = [rng.choice(by_pop) if i % 2 else rng.choice(rows) for i in range(args.queries)]

    prefixes = []
    for row in picks:
        typed = normalize_title(row.title, drop_article=False) or row.title
        prefixes.append(typed[: rng.randint(1, 12)])
    for p in prefixes[:50]:  # warm-up
        resolver.suggest(p)
    samples = []
    for p in prefixes:
        t = time.perf_counter()
        got = resolver.suggest(p, 25)
        samples.append((time.perf_counter() - t) * 1000)
        assert len(got) <= 25
    p50, p99, worst = percentiles(samples)
    print(
        f"suggest (25, prefixes 1-12 chars, n={len(samples)}): p50 {p50:.2f} ms  p99 {p99:.2f} ms  max {worst:.2f} ms"
    )

    for name, make in (
        ("exact title", lambda r: r.title),
        ("one typo", lambda r: typo(r.title, rng)),
        ("title + year", lambda r: f"{r.title.lower()} {r.year}" if r.year else r.title),
    ):
        samples, hits = [], 0
        for row in picks[: args.queries // 2]:
            query = make(row)
            t = time.perf_counter()
            res = resolver.resolve(query)
            samples.append((time.perf_counter() - t) * 1000)
            top = res.candidates[0][0] if res.candidates else None
            target = normalize_title(row.title)
            if top is not None and normalize_title(rows[top].title) == target:
                hits += 1
        p50, p99, worst = percentiles(samples)
        print(
            f"resolve {name:<13} n={len(samples)}: p50 {p50:.2f} ms  p99 {p99:.2f} ms  max {worst:.2f} ms"
            f"  top-1 {hits / len(samples):.3f}"
        )

    # The scorer comparison behind the choice in morelike/engine/resolve.py: rapidfuzz scorers over unique titles.
    norms = sorted({normalize_title(r.title) for r in rows})
    sample = [typo(r.title, rng) for r in picks[:200]]
    truth = [normalize_title(r.title) for r in picks[:200]]
    print(f"scorer comparison, process.extract top-1 on {len(sample)} one-typo titles over {len(norms)} titles:")
    for name, scorer in (
        ("ratio", fuzz.ratio),
        ("WRatio", fuzz.WRatio),
        ("token_set_ratio", fuzz.token_set_ratio),
        ("token_sort_ratio", fuzz.token_sort_ratio),
    ):
        t = time.perf_counter()
        hits = 0
        for q, want in zip(sample, truth, strict=True):
            best = process.extractOne(normalize_title(q), norms, scorer=scorer, processor=None)
            hits += best is not None and best[0] == want
        ms = (time.perf_counter() - t) * 1000 / len(sample)
        print(f"  {name:<17} top-1 {hits / len(sample):.3f}  {ms:.1f} ms/query")
    print(f"  {'TitleResolver':<17} top-1 ", end="")
    hits = 0
    for q, want in zip(sample, truth, strict=True):
        res = resolver.resolve(q)
        hits += bool(res.candidates) and normalize_title(rows[res.candidates[0][0]].title) == want
    print(f"{hits / len(sample):.3f}")


if __name__ == "__main__":
    main()
