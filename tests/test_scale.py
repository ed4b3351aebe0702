"""bench/scale.py's synthetic catalog generator (issue 24): deterministic bytes, rows the product's parser accepts with
unique ids, same-title groups and duplicates at the bundled catalog's rates, and a small one builds into an index
that answers. Only small catalogs here: nothing in the suite needs the large one."""

from __future__ import annotations

import asyncio
import gzip
import importlib.util
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from indexer.sources import read_catalog
from morelike.catalog.normalize import normalize_title
from morelike.catalog.records import Title
from tests.conftest import REPO, make_config

SCRIPT = REPO / "bench" / "scale.py"
BUNDLED = REPO / "data" / "catalog.jsonl.gz"


def _load_scale():
    spec = importlib.util.spec_from_file_location("bench_scale", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


scale = _load_scale()


@pytest.fixture(scope="module")
def pools():
    return scale.Pools(BUNDLED)


def _generate(pools, tmp_path: Path, name: str, n: int, seed: int = 0) -> Path:
    out = tmp_path / name
    assert scale.generate(n, out, seed=seed, pools=pools) == n
    return out


def _rows(path: Path) -> list[Title]:
    rows = []
    for number, row in read_catalog(path):
        assert isinstance(row, Title), f"line {number}: {row}"
        rows.append(row)
    return rows


def _rates(rows: list[Title]) -> dict[str, float]:
    """Shares of rows: in a same-title group (normalised name shared by 2+ rows), in a work listed more than once
    (kind, normalised name and year: what the engine counts as one work), and shows."""
    names = Counter(normalize_title(r.title) for r in rows)
    works = Counter((r.kind, normalize_title(r.title), r.year) for r in rows)
    n = len(rows)
    return {
        "same_title": sum(c for c in names.values() if c > 1) / n,
        "duplicates": sum(c for c in works.values() if c > 1) / n,
        "shows": sum(r.kind == "show" for r in rows) / n,
    }


def test_the_command_writes_the_same_bytes_for_the_same_n_and_seed(tmp_path, pools):
    out = tmp_path / "cli.jsonl.gz"
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "generate", "--titles", "300", "--out", str(out)],
        capture_output=True, text=True, cwd=tmp_path, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    again = _generate(pools, tmp_path, "again.jsonl.gz", 300)
    assert out.read_bytes() == again.read_bytes()  # gzip too: no time or file name of the run in the header
    plain = _generate(pools, tmp_path, "plain.jsonl", 300)
    assert gzip.decompress(out.read_bytes()) == plain.read_bytes()
    assert len(plain.read_text(encoding="utf-8").splitlines()) == 300


def test_another_seed_or_n_gives_another_catalog(tmp_path, pools):
    base = _generate(pools, tmp_path, "base.jsonl", 300).read_bytes()
    seeded = _generate(pools, tmp_path, "seeded.jsonl", 300, seed=1).read_bytes()
    longer = _generate(pools, tmp_path, "longer.jsonl", 301).read_bytes()
    assert seeded != base
    assert longer != base and longer.startswith(base)  # a larger N begins with the same rows
    assert len(longer.splitlines()) == 301


def test_every_row_parses_with_unique_ids_and_varied_text(tmp_path, pools):
    rows = _rows(_generate(pools, tmp_path, "rows.jsonl.gz", 2000))
    assert len(rows) == 2000
    assert len({r.id for r in rows}) == 2000
    assert len({r.imdb_id for r in rows if r.imdb_id}) == sum(1 for r in rows if r.imdb_id)
    overviews = [r.overview for r in rows if r.overview]
    assert len(overviews) > 0.9 * len(rows) and len(set(overviews)) > 0.95 * len(overviews)
    assert len({r.title for r in rows}) > 0.8 * len(rows)
    assert len({r.year for r in rows}) > 50
    people = Counter(p for r in rows for p in r.cast)
    assert len(people) > 1000 and people.most_common(1)[0][1] > 1  # many people, some in several titles
    assert any(r.title.endswith((" 2", " 3", " II")) or ": " in r.title for r in rows)  # sequels, subtitles


def test_same_title_groups_duplicates_and_shows_come_at_the_bundled_rates(tmp_path, pools):
    bundled = _rates(pools.rows)
    synthetic = _rates(_rows(_generate(pools, tmp_path, "rates.jsonl", 20_000)))
    assert 0.8 * bundled["same_title"] < synthetic["same_title"] < 1.2 * bundled["same_title"]
    assert 0.3 * bundled["duplicates"] < synthetic["duplicates"] < 3 * bundled["duplicates"]
    assert abs(synthetic["shows"] - bundled["shows"]) < 0.02


def test_a_small_generated_catalog_builds_and_answers_similar(tmp_path, pools):
    from indexer import pipeline
    from morelike.engine import Engine

    catalog = _generate(pools, tmp_path, "small.jsonl", 300)
    state = tmp_path / "state"
    summary = asyncio.run(pipeline.build(make_config(state), str(catalog), progress=False))
    assert summary.published == 300 and summary.bad_lines == 0
    engine = Engine.open(make_config(state))
    rows = _rows(catalog)
    movie = next(r for r in rows if r.kind == "movie" and r.overview)
    found = engine.resolve(f"{movie.title} {movie.year}")
    assert movie.id in [c.card.id for c in found.candidates]
    page = engine.similar(movie.id, k=5)
    assert page.query.id == movie.id and len(page.items) == 5
    assert movie.id not in [item.card.id for item in page.items]
