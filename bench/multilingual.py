"""Multilingual free text: does `/discover` find the same titles when the description is not in English?

    python bench/multilingual.py [--sample N] [--free-text NAME ...] [--out bench/results_quality.md]

60 descriptions (bench/discover_descriptions.json: 25 plots, 15 moods, 10 settings, 10 kinds of title), each
written in English and translated by hand into es, fr, de, ja, it, pt, ko, zh and ru. For each language: the share
of the English description's top 10 that the translated description recovers in its own top 10, averaged over the
60 (English is 1.0 by construction). A constant answer would recover everything, so English quality is measured
beside it: for the 25 plot descriptions, the rank of the title a fan means by it (`intended` in the same file:
"a chemistry teacher becomes a drug dealer" is Breaking Bad), as hit@10 and MRR. Nothing is fitted on this file.

Each configuration is a real build of the catalog with the ordinary indexer (under state_root(), reused when
current), answered by the real engine:
- the story space: `[model] free_text = ""`, descriptions search the story index (the landed default);
- each `--free-text` model (default: bot.toml's, `crosslingual:morelike-multilingual`).
Also: the free-text model's catalog encode rate and the query's time (median over the 600 queries).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gzip
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.results import state_root, write_section  # noqa: E402
from morelike.engine import Engine  # noqa: E402
from morelike.settings import load_config  # noqa: E402

DESCRIPTIONS = REPO / "bench" / "discover_descriptions.json"
K = 10


def load_descriptions() -> tuple[list[str], list[dict[str, str]], dict[int, list[str]]]:
    data = json.loads(DESCRIPTIONS.read_text(encoding="utf-8"))
    intended = {int(i): names for i, names in data.get("intended", {}).items()}
    return data["languages"], data["descriptions"], intended


def measure(engine: Engine, langs, descriptions, intended) -> dict:
    recovered = {lang: [] for lang in langs}
    ranks, times = [], []
    for i, texts in enumerate(descriptions):
        tops = {}
        for lang in langs:
            started = time.perf_counter()
            tops[lang] = [r.card for r in engine.discover(texts[lang], k=K).items]
            times.append(time.perf_counter() - started)
        english = {c.id for c in tops["en"]}
        for lang in langs:
            recovered[lang].append(len({c.id for c in tops[lang]} & english) / K)
        if i in intended:
            ranks.append(intended_rank(engine, texts["en"], intended[i]))
    ranks = np.asarray(ranks, dtype=np.float64)
    return {
        "recovered": {lang: float(np.mean(v)) for lang, v in recovered.items()},
        "hit10": float(np.mean(ranks <= 10)),
        "mrr": float(np.mean(1.0 / ranks)),
        "ms": 1000 * statistics.median(times),
    }


def intended_rank(engine: Engine, text: str, names: list[str], depth: int = 200) -> float:
    """1-based rank of the first title named `names` among the first `depth` answers (depth + 1: not there)."""
    wanted = {n.casefold() for n in names}
    page_size = 50
    for page in range(depth // page_size):
        items = engine.discover(text, k=page_size, page=page).items
        for j, item in enumerate(items):
            if item.card.title.casefold() in wanted:
                return page * page_size + j + 1
    return depth + 1


def sample_catalog(source: Path, dest: Path, n: int) -> Path:
    """The `n` best-known titles that have a synopsis, as a catalog file of their own (their raw lines)."""
    from morelike.catalog.documents import story_chars
    from morelike.catalog.records import parse_record

    rows = []
    with gzip.open(source, "rt", encoding="utf-8") as f:
        for line in f:
            try:
                title = parse_record(json.loads(line))
            except (ValueError, TypeError, KeyError):
                continue
            if story_chars(title) > 0:
                rows.append((-(title.votes or 0), title.id, line))
    rows.sort()
    dest.parent.mkdir(parents=True, exist_ok=True)
    if not dest.exists():
        tmp = dest.with_suffix(".tmp")
        with gzip.open(tmp, "wt", encoding="utf-8") as f:
            f.writelines(line for _, _, line in rows[:n])
        tmp.replace(dest)
    return dest


def built(config_path: Path | None, free_text: str, sample: int):
    """A config whose state dir holds a current build with `[model] free_text = free_text`."""
    from indexer import pipeline

    config = load_config(config_path)
    config.model.free_text = free_text
    slug = (free_text or "story").replace(":", "-").replace("/", "-")
    state = state_root() / f"multilingual-{sample or 'full'}-{slug}"
    catalog = config.path(config.paths.catalog)
    if sample:
        catalog = sample_catalog(catalog, state / "catalog.jsonl.gz", sample)
    config.paths.state_dir = str(state)
    started = time.perf_counter()
    summary = asyncio.run(pipeline.build(config, str(catalog), progress=False))
    seconds = time.perf_counter() - started
    print(f"  built {state.name}: {summary.published:,} titles, {summary.free_text_encoded:,} free-text encoded "
          f"in {seconds:.0f} s", flush=True)  # fmt: skip
    return config


def free_text_rate(config) -> float:
    """Catalog texts/s of the build's free-text model (the indexer's encode, on 5,000 catalog texts)."""
    from indexer.sources import read_catalog
    from morelike.catalog.documents import document_text
    from morelike.encoders import load_encoder
    from morelike.settings import ModelSettings

    titles = [t for _, t in read_catalog(config.path(config.paths.catalog)) if not isinstance(t, Exception)][:5000]
    encoder = load_encoder(ModelSettings(name=config.model.free_text), config.state_dir / "models")
    texts = [document_text(t) for t in titles]
    started = time.perf_counter()
    encoder.encode(texts)
    return len(texts) / (time.perf_counter() - started)


def cpu_flags() -> str:
    try:
        flags = next(line for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("flags"))
    except (OSError, StopIteration):
        return platform.processor()
    wanted = ("avx2", "avx512f", "avx512_bf16", "avx512_vnni", "amx_bf16")
    return " ".join(f for f in wanted if f" {f}" in flags)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], allow_abbrev=False)
    ap.add_argument("--config", type=Path, default=None)
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "results_quality.md")
    ap.add_argument("--free-text", nargs="*", default=None, help="[model] free_text models (default: bot.toml's)")
    ap.add_argument("--sample", type=int, default=0, help="the N best-known titles with a synopsis (0: all)")
    args = ap.parse_args(argv)
    langs, descriptions, intended = load_descriptions()
    models = args.free_text or [load_config(args.config).model.free_text]
    rows = []
    for model in ["", *models]:
        label = f"`{model}`" if model else 'story space (`free_text = ""`: English only, the landed default)'
        config = built(args.config, model, args.sample)
        engine = Engine.open(config)
        got = measure(engine, langs, descriptions, intended)
        rate = f"{free_text_rate(config):,.0f}" if model else "—"
        shares = " | ".join(f"{got['recovered'][lang]:.2f}" for lang in langs if lang != "en")
        rows.append(f"| {label} | {shares} | {got['hit10']:.2f} | {got['mrr']:.3f} | {got['ms']:.1f} | {rate} |")
        print(rows[-1], flush=True)
    scope = f"the {args.sample:,} best-known titles with a synopsis" if args.sample else "the full bundled catalog"
    lines = [
        "## Multilingual free text (bench/multilingual.py)",
        "",
        f"- {dt.datetime.now(dt.UTC).isoformat(timespec='seconds')}; {scope}; CPU flags: {cpu_flags()}; "
        f"{os.cpu_count()} cores; load {os.getloadavg()[0]:.1f}",
        f"- {len(descriptions)} descriptions in {len(langs)} languages; per language, the share of the English "
        f"description's top {K} that the translation's own top {K} recovers; English: hit@10 and MRR of the "
        f"intended title for {len(intended)} plot descriptions; query: median ms per /discover; encode: the "
        "free-text model's catalog texts/s",
        "",
        "| free text | " + " | ".join(lang for lang in langs if lang != "en") + " | en hit@10 | en MRR | query ms "
        "| encode/s |",
        "|---|" + "---|" * (len(langs) - 1) + "---|---|---|---|",
        *rows,
    ]
    text = "\n".join(lines)
    print(text)
    write_section(args.out, "multilingual", text)


if __name__ == "__main__":
    main()
