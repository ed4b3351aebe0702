"""Shared fixtures: one small real index, built once per test session with the real model.

`small_published` is read-only for tests: a test that publishes or mutates must copy it first
(`copy_state(small_published, tmp_path)`).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

import indexer  # noqa: F401 - C++ runtime load order before any test imports usearch (morelike/native.py)

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REPO = Path(__file__).resolve().parent.parent
# The default model is distilled once (morelike/encoders/static.py): every index the suite builds shares that one
# distillation, kept between runs in the ignored var/ folder.
os.environ.setdefault("MORELIKE_STATIC_CACHE", str(REPO / "var" / "test-models"))
SMALL_CATALOG = REPO / "tests" / "data" / "small_catalog.jsonl"


def make_config(state_dir: Path, **sections):
    """A Config whose state lives in `state_dir`; keyword args override settings per section."""
    from morelike.settings import Config

    config = Config(base_dir=REPO)
    config.paths.state_dir = str(state_dir)
    for section, values in sections.items():
        for key, value in values.items():
            setattr(getattr(config, section), key, value)
    return config


def publish_test_build(state_dir: Path, titles, vectors, **index_settings):
    """Publish `titles` with `vectors` as a build of model "m" (the flixrec recipe) under `state_dir`: the writer's
    tests, without the indexer."""
    from morelike.build.writer import publish
    from morelike.settings import IndexSettings

    return publish(
        state_dir / "published",
        titles,
        vectors,
        model="m",
        text_recipe="flixrec",
        source="test",
        settings=IndexSettings(**index_settings),
    )


def copy_state(state_dir: Path, dest: Path) -> Path:
    """A private, writable copy of a state dir (the `current` symlink is relative, so it survives the copy)."""
    target = dest / "state"
    shutil.copytree(state_dir, target, symlinks=True)
    return target


@pytest.fixture(scope="session")
def small_catalog_path() -> Path:
    return SMALL_CATALOG


@pytest.fixture(scope="session")
def small_published(tmp_path_factory, small_catalog_path) -> Path:
    """A state dir holding a real published build of the small catalog (real model, real usearch)."""
    from indexer import pipeline

    state = tmp_path_factory.mktemp("small_published")
    summary = asyncio.run(pipeline.build(make_config(state), str(small_catalog_path), progress=False))
    assert summary.published == 402 and summary.bad_lines == 0
    return state


# "The Heat" (2013), its bundled catalog line shortened: it normalises like "Heat" (the article is dropped), a case
# the small catalog lacks.
THE_HEAT = {
    "id": "tmdb-movie-136795", "kind": "movie", "title": "The Heat", "original_title": None, "year": 2013,
    "overview": "Uptight and straight-laced, FBI Special Agent Sarah Ashburn is a methodical investigator with a "
    "reputation for excellence. Shannon Mullins, one of Boston P.D.'s finest, is foul-mouthed and has a very short "
    "fuse. When these two wildly incompatible law officers join forces to bring down a ruthless drug lord, they "
    "become the last thing anyone expected: Buddies.",
    "genres": ["action", "comedy"], "country": "US", "language": "en", "rating": 6.6, "votes": 3440,
    "popularity": 45.753, "cast": ["Sandra Bullock", "Melissa McCarthy"], "tmdb_id": 136795,
}  # fmt: skip


@pytest.fixture(scope="session")
def heat_published(tmp_path_factory, small_catalog_path) -> Path:
    """The small catalog plus "The Heat" (2013), built and published like `small_published` (read-only too): where
    "Heat" meets a title that only normalises alike."""
    from indexer import pipeline

    folder = tmp_path_factory.mktemp("heat_published")
    catalog = folder / "catalog.jsonl"
    catalog.write_text(small_catalog_path.read_text(encoding="utf-8") + json.dumps(THE_HEAT) + "\n", encoding="utf-8")
    summary = asyncio.run(pipeline.build(make_config(folder / "state"), str(catalog), progress=False))
    assert summary.published == 403 and summary.bad_lines == 0
    return folder / "state"


@pytest.fixture
async def store(tmp_path):
    """A real, empty working store in this test's folder (closed after the test)."""
    from indexer.store import Store

    s = await Store.open(tmp_path / "morelike.sqlite")
    yield s
    await s.close()


TRAKT_PAGE = 50  # items per page in the Trakt tests: their expected counts are multiples of it


@pytest.fixture
def unwritable_dir(tmp_path):
    """A folder this process's user cannot create files in (for root: an immutable folder, as root bypasses modes)."""
    folder = tmp_path / "var"
    folder.mkdir()
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i", str(folder)], check=True)
    else:
        folder.chmod(0o555)
    yield folder
    if os.geteuid() == 0:
        subprocess.run(["chattr", "-i", str(folder)], check=True)
    else:
        folder.chmod(0o755)


def trakt_settings(fake, **overrides):
    """[trakt] settings against a fake Trakt server (tests/fakes/trakt_server.py): small pages, fast retries, a
    request cap no test reaches unless it sets one, and no people or alias calls unless a test asks (they add
    requests)."""
    from morelike.settings import TraktSettings

    values = dict(base_url=fake.base_url, page_limit=TRAKT_PAGE, backoff_s=0.01, timeout_s=5.0, max_retries=3)
    values |= dict(people_top_n=0, aliases_top_n=0, max_requests=1000)
    values.update(overrides)
    return TraktSettings(**values)


@pytest.fixture
def small_config(small_published):
    """Config pointing at the shared small index (read-only)."""
    return make_config(small_published)
