"""Titles in their own language, end to end (issue 20): the real Trakt client crawls the fake Trakt on 127.0.0.1
(original titles, aliases and translations of its top titles), the indexer builds and publishes, and the engine finds
each film by the names people type in their language and script, answering with the title it has."""

from __future__ import annotations

import json
import sqlite3

import pytest

from indexer import pipeline
from morelike.build.layout import FORMAT_VERSION, MANIFEST_FILE
from morelike.build.reader import PublishedError, open_published
from morelike.engine import Engine
from tests.conftest import make_config
from tests.fakes.trakt_server import WORLD_ID, FakeTrakt, add_world_titles, make_catalog

KEY = "world-titles-client-id"
FILMS = {  # Trakt id -> the title the catalog shows
    WORLD_ID: "Amélie",
    WORLD_ID + 1: "Spirited Away",
    WORLD_ID + 2: "Parasite",
    WORLD_ID + 3: "Moscow Does Not Believe in Tears",
    WORLD_ID + 4: "The Lives of Others",
    WORLD_ID + 5: "Life Is Beautiful",
    WORLD_ID + 6: "Y Tu Mamá También",
    WORLD_ID + 7: "Godzilla",
}


@pytest.fixture(scope="module")
def world_state(tmp_path_factory):
    """A state dir published from a crawl of the fake Trakt with names fetched for its top 8 movies and shows."""
    import asyncio

    state = tmp_path_factory.mktemp("world") / "state"

    async def crawl_and_build():
        async with FakeTrakt(add_world_titles(make_catalog(30, 10)), client_id=KEY) as fake:
            trakt = {"base_url": fake.base_url, "page_limit": 20, "backoff_s": 0.01, "people_top_n": 0,
                     "aliases_top_n": 8}  # fmt: skip
            summary = await pipeline.build(make_config(state, trakt=trakt), "trakt", progress=False,
                                           trakt_client_id=KEY)  # fmt: skip
            return summary, list(fake.log)

    summary, log = asyncio.run(crawl_and_build())
    assert summary.published == 48 and summary.trakt.aliases == 16
    return state, log


@pytest.fixture(scope="module")
def engine(world_state):
    state, _ = world_state
    return Engine.open(make_config(state))


@pytest.mark.parametrize(
    ("typed", "trakt_id"),
    [
        ("Le fabuleux destin d'Amélie Poulain", WORLD_ID),  # a translation: Trakt sent no original title for it
        ("le fabuleux destin d amelie poulain", WORLD_ID),
        ("アメリ", WORLD_ID),
        ("Амели", WORLD_ID),
        ("Amélie from Montmartre", WORLD_ID),  # an alias
        ("千と千尋の神隠し", WORLD_ID + 1),  # original title (kanji and kana)
        ("千与千寻", WORLD_ID + 1),  # Chinese translation (hanzi)
        ("Le Voyage de Chihiro", WORLD_ID + 1),
        ("기생충", WORLD_ID + 2),  # hangul
        ("パラサイト 半地下の家族", WORLD_ID + 2),
        ("Москва слезам не верит", WORLD_ID + 3),  # Cyrillic, a translation only
        ("МОСКВА СЛЁЗАМ НЕ ВЕРИТ", WORLD_ID + 3),
        ("Das Leben der Anderen", WORLD_ID + 4),
        ("das leben der anderen", WORLD_ID + 4),
        ("La vita è bella", WORLD_ID + 5),
        ("la vita e bella", WORLD_ID + 5),
        ("Y tu mamá también", WORLD_ID + 6),
        ("y tu mama tambien", WORLD_ID + 6),
        ("ゴジラ", WORLD_ID + 7),
        ("ｺﾞｼﾞﾗ", WORLD_ID + 7),  # half-width katakana
    ],
)
def test_a_title_is_found_by_its_names_in_other_languages_and_scripts(engine, typed, trakt_id):
    res = engine.resolve(typed)
    assert res.clear is not None, f"{typed!r} found {[c.card.title for c in res.candidates]}"
    assert res.clear.id == f"trakt-movie-{trakt_id}"
    assert res.clear.title == FILMS[trakt_id]  # the card shows the title the catalog has


@pytest.mark.parametrize(
    ("typed", "trakt_id"),
    [
        ("le fabuleux destin d'amelie poulian", WORLD_ID),  # typos in Latin-script names
        ("moskau glaubt den tranen nich", WORLD_ID + 3),
        ("sen to chihro no kamikakushi", WORLD_ID + 1),
    ],
)
def test_typos_in_latin_script_names_still_find_the_title(engine, typed, trakt_id):
    res = engine.resolve(typed)
    assert res.candidates and res.candidates[0].card.id == f"trakt-movie-{trakt_id}"


@pytest.mark.parametrize(
    ("typed", "trakt_id"),
    [("le fabuleux", WORLD_ID), ("千と千", WORLD_ID + 1), ("기생", WORLD_ID + 2), ("москва сл", WORLD_ID + 3),
     ("das leben d", WORLD_ID + 4)],
)  # fmt: skip
def test_autocomplete_offers_the_title_by_its_other_names(engine, typed, trakt_id):
    cards = engine.suggest(typed)
    assert cards and cards[0].id == f"trakt-movie-{trakt_id}" and cards[0].title == FILMS[trakt_id]


def test_the_build_carries_the_names_and_calls_for_them_only_for_the_top_titles(world_state):
    state, log = world_state
    with open_published(state) as pub:
        assert pub.manifest["format"] == FORMAT_VERSION
        (names,) = pub.db.execute("SELECT aliases FROM titles WHERE id = ?", (f"trakt-movie-{WORLD_ID}",)).fetchone()
        assert "Le Fabuleux Destin d'Amélie Poulain" in json.loads(names)
    calls = [path for path, _ in log if path.endswith(("/aliases", "/translations"))]
    assert len(calls) == 2 * 16  # 8 movies and 8 shows, two calls each
    assert "/shows/9/aliases" not in calls and f"/movies/{WORLD_ID + 8}/aliases" not in calls


def test_a_build_of_the_previous_format_is_refused_with_a_sentence(world_state, tmp_path):
    """Format 4 builds have no other names: the reader says to rebuild instead of serving a build it cannot read."""
    from tests.conftest import copy_state

    state = copy_state(world_state[0], tmp_path)
    with open_published(state) as pub:
        manifest = json.loads((pub.build_dir / MANIFEST_FILE).read_text())
        build = pub.build_dir
    (build / MANIFEST_FILE).write_text(json.dumps({**manifest, "format": FORMAT_VERSION - 1}))
    with sqlite3.connect(build / "catalog.sqlite") as con:
        con.execute("ALTER TABLE titles DROP COLUMN aliases")
    with pytest.raises(PublishedError, match=rf"has format {FORMAT_VERSION - 1}, this code reads {FORMAT_VERSION}"):
        open_published(state)


def test_the_bundled_catalog_gives_no_title_in_its_own_language():
    """data/README.md says so: no row has an original title or other names (the non-English films are all under
    their English titles), so only a Trakt crawl, or an operator's own catalog, brings them."""
    import gzip

    from tests.conftest import REPO

    with gzip.open(REPO / "data" / "catalog.jsonl.gz", "rt", encoding="utf-8") as catalog:
        rows = [json.loads(line) for line in catalog]
    assert not any(row.get("original_title") or row.get("aliases") for row in rows)
    assert sum(1 for row in rows if row.get("language") not in (None, "en")) == 2190


def test_a_file_catalog_may_carry_other_names():
    from morelike.catalog.records import MAX_ALIASES, RecordError, parse_record

    row = {"id": "x", "kind": "movie", "title": "Amélie", "aliases": ["アメリ", "Амели"]}
    assert parse_record(row).aliases == ("アメリ", "Амели")
    assert parse_record({**row, "aliases": "アメリ|Амели"}).aliases == ("アメリ", "Амели")  # a CSV cell
    for bad in ([f"name {i}" for i in range(MAX_ALIASES + 1)], ["x" * 501], [42]):
        with pytest.raises(RecordError, match="'aliases'"):
            parse_record({**row, "aliases": bad})
