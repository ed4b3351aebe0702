"""/discover in any language (issue 20): the build's free-text space, its model, and what a description finds.

Real parts: the small catalog built by the real indexer with the default settings (the story space and the
free-text space), the shipped models, USE multilingual for the queries."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import numpy as np
import pytest

from morelike.build.layout import TEXT_INDEX_FILE, TEXT_VECTORS_FILE, current_build
from morelike.engine import Engine
from morelike.settings import ModelSettings
from tests.conftest import make_config

REPO = Path(__file__).resolve().parent.parent

# The same description in English and four other languages; the small catalog holds the title it describes.
TWINS = {
    "Breaking Bad": {
        "en": "a chemistry teacher becomes a drug dealer",
        "es": "un profesor de química se convierte en traficante de drogas",
        "fr": "un professeur de chimie devient trafiquant de drogue",
        "de": "ein Chemielehrer wird zum Drogendealer",
        "ja": "化学教師が麻薬の売人になる",
    },
    "Spirited Away": {
        "en": "a girl enters a world of spirits to save her parents",
        "es": "una niña entra en un mundo de espíritus para salvar a sus padres",
        "fr": "une fille entre dans un monde d'esprits pour sauver ses parents",
        "de": "ein Mädchen betritt eine Geisterwelt, um seine Eltern zu retten",
        "ja": "少女が両親を救うため精霊の世界に入る",
    },
}


def titles_of(page) -> list[str]:
    return [item.card.title for item in page.items]


@pytest.fixture(scope="module")
def engine(small_published):
    return Engine.open(make_config(small_published))


def test_the_default_build_has_a_free_text_space_beside_the_story_one(small_published):
    build = current_build(small_published / "published")
    manifest = json.loads((build / "manifest.json").read_text())
    assert manifest["free_text"]["model"] == ModelSettings().free_text == "crosslingual:morelike-multilingual"
    vectors = np.load(build / TEXT_VECTORS_FILE)
    assert vectors.shape == (402, manifest["free_text"]["dimensions"]) and (build / TEXT_INDEX_FILE).is_file()
    story = np.load(build / "vectors.npy")
    assert not np.array_equal(vectors[:, : story.shape[1]], story)  # a space of its own, not a copy


@pytest.mark.parametrize("title", sorted(TWINS))
def test_a_description_in_another_language_finds_what_its_english_twin_finds(engine, title):
    english = titles_of(engine.discover(TWINS[title]["en"], k=5))
    assert english[0] == title
    for lang, text in TWINS[title].items():
        found = titles_of(engine.discover(text, k=5))
        assert title in found[:3], (lang, found)
        assert len(set(found) & set(english)) >= 2, (lang, found, english)


def test_without_a_free_text_space_descriptions_search_the_story_space(small_published, tmp_path):
    """`free_text = ""`: no second space is built, and /discover answers from the story index as before."""
    from indexer import pipeline

    config = make_config(tmp_path / "state", model={"free_text": ""})
    summary = asyncio.run(pipeline.build(config, str(REPO / "tests" / "data" / "small_catalog.jsonl")))
    assert summary.free_text_encoded == 0
    build = current_build(tmp_path / "state" / "published")
    assert json.loads((build / "manifest.json").read_text())["free_text"] is None
    assert not (build / TEXT_VECTORS_FILE).exists()
    engine = Engine.open(config)
    assert engine.snapshot.free_text_view() is engine.snapshot
    assert "Breaking Bad" in titles_of(engine.discover(TWINS["Breaking Bad"]["en"], k=5))


def test_queries_use_the_model_that_built_the_space_not_the_configured_one(small_published):
    """bot.toml changed after the build: the free-text vectors on disk were made by the build's model, and a query
    encoded with another model would be compared with vectors of another space."""
    engine = Engine.open(make_config(small_published, model={"free_text": ""}))
    assert "Spirited Away" in titles_of(engine.discover(TWINS["Spirited Away"]["ja"], k=3))


def test_the_shipped_free_text_model_is_small_and_made_from_the_bundled_catalog():
    from morelike.encoders import load_encoder
    from morelike.encoders.crosslingual import NAME, fingerprint_inputs
    from morelike.encoders.static import SHIPPED, SHIPPED_MARKER

    folder = SHIPPED / NAME
    meta = json.loads((folder / SHIPPED_MARKER).read_text(encoding="utf-8"))
    assert meta["inputs"] == fingerprint_inputs((REPO / "data" / "catalog.jsonl.gz").read_bytes())
    assert sum(f.stat().st_size for f in folder.iterdir()) < 20_000_000
    encoder = load_encoder(ModelSettings(name=ModelSettings().free_text), Path("unused"))
    docs = encoder.encode(["Two stage magicians rob a bank during their show.", "A shark attacks a beach town."])
    query = encoder.encode_query("un atraco cometido por magos de escenario")
    assert query.shape == (1, docs.shape[1]) and np.isclose(float(np.linalg.norm(query)), 1.0, atol=1e-5)
    assert float(docs[0] @ query[0]) > float(docs[1] @ query[0])
