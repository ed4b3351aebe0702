"""Shared fixtures: one small real index, built once per test session with the real model.

`small_published` is read-only for tests: a test that publishes or mutates must copy it first
(`copy_state(small_published, tmp_path)`).
"""

from __future__ import annotations

import asyncio
import os
import shutil
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


@pytest.fixture
async def store(tmp_path):
    """A real, empty working store in this test's folder (closed after the test)."""
    from indexer.store import Store

    s = await Store.open(tmp_path / "morelike.sqlite")
    yield s
    await s.close()


TRAKT_PAGE = 50  # items per page in the Trakt tests: their expected counts are multiples of it


def trakt_settings(fake, **overrides):
    """[trakt] settings against a fake Trakt server (tests/fakes/trakt_server.py): small pages, fast retries, a
    request cap no test reaches unless it sets one, and no people calls unless a test asks (they add requests)."""
    from morelike.settings import TraktSettings

    values = dict(base_url=fake.base_url, page_limit=TRAKT_PAGE, backoff_s=0.01, timeout_s=5.0, max_retries=3)
    values |= dict(people_top_n=0, max_requests=1000)
    values.update(overrides)
    return TraktSettings(**values)


@pytest.fixture
def small_config(small_published):
    """Config pointing at the shared small index (read-only)."""
    return make_config(small_published)
