"""Atomic publish: a reader during rebuilds always sees one complete, self-consistent build."""

import gc
import os
import shutil
import sqlite3
import threading
from pathlib import Path

import numpy as np
import pytest

from morelike.build.layout import BUILDS
from morelike.build.reader import PublishedError, current_build_id, open_published
from morelike.build.writer import PublishError, prune, publish
from morelike.catalog.records import parse_record
from morelike.engine.search import top_k
from morelike.engine.snapshot import Snapshot
from morelike.settings import IndexSettings
from tests.conftest import publish_test_build


def _catalog(n: int, tag: str):
    titles = [
        parse_record({"id": f"{tag}-{i:05d}", "kind": "movie", "title": f"{tag} {i}", "year": 2000}) for i in range(n)
    ]
    rng = np.random.default_rng(n)
    vectors = rng.normal(size=(n, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return titles, vectors


def _publish(state, n, tag, keep=2):
    titles, vectors = _catalog(n, tag)
    return publish_test_build(state, titles, vectors, keep_builds=keep)


def test_published_build_is_complete_and_searchable(tmp_path):
    result = _publish(tmp_path, 50, "a")
    pub = open_published(tmp_path, expect_model="m")
    assert pub.build_id == result.build_id == current_build_id(tmp_path)
    assert pub.manifest["count"] == 50 and pub.manifest["dimensions"] == 16 and pub.manifest["metric"] == "cos"
    con = sqlite3.connect(pub.db_path)
    key, title_id = con.execute("SELECT key, id FROM titles WHERE id = 'a-00007'").fetchone()
    hits = pub.index.search(np.asarray(pub.vectors[key], dtype=np.float32), 3)
    assert int(hits.keys[0]) == key and title_id == "a-00007"
    assert not any(p.name.startswith(".") for p in (tmp_path / "published" / BUILDS).iterdir())


def test_same_content_is_not_republished_and_old_builds_are_pruned(tmp_path):
    first = _publish(tmp_path, 30, "a")
    assert _publish(tmp_path, 30, "a").skipped
    _publish(tmp_path, 31, "b")
    third = _publish(tmp_path, 32, "c")
    builds = sorted(p.name for p in (tmp_path / "published" / BUILDS).iterdir())
    assert len(builds) == 2 and first.build_id not in builds and third.build_id in builds


def test_same_catalog_with_new_vectors_is_republished(tmp_path):
    """An upgrade that cleans the texts otherwise re-encoded titles of an unchanged catalog and kept serving the
    old vectors ("already current, nothing to publish")."""
    titles, vectors = _catalog(30, "a")
    args = dict(model="m", text_recipe="flixrec", source="test", settings=IndexSettings())
    first = publish(tmp_path / "published", titles, vectors, **args)
    changed = vectors.copy()
    changed[3] = -changed[3]  # one title's text was re-encoded
    second = publish(tmp_path / "published", titles, changed, **args)
    assert not second.skipped and second.build_id != first.build_id
    pub = open_published(tmp_path)
    assert np.allclose(np.asarray(pub.vectors[3], dtype=np.float32), changed[3], atol=1e-3)
    assert publish(tmp_path / "published", titles, changed, **args).skipped


def test_model_mismatch_and_missing_index_are_clear(tmp_path):
    with pytest.raises(PublishedError, match="No index published yet"):
        open_published(tmp_path)
    _publish(tmp_path, 10, "a")
    with pytest.raises(PublishedError, match=r"built with model 'm' but bot\.toml sets 'other'"):
        open_published(tmp_path, expect_model="other")


def test_nothing_to_publish_is_refused_without_touching_current(tmp_path):
    _publish(tmp_path, 10, "a")
    before = current_build_id(tmp_path)
    with pytest.raises(PublishError, match="nothing to publish"):
        publish(
            tmp_path / "published",
            [],
            np.zeros((0, 16), np.float32),
            model="m",
            text_recipe="flixrec",
            source="t",
            settings=IndexSettings(),
        )
    assert current_build_id(tmp_path) == before


def test_a_reader_during_rebuilds_never_sees_a_half_written_or_mixed_build(tmp_path):
    _publish(tmp_path, 40, "gen0", keep=3)
    stop = threading.Event()
    seen, problems = set(), []

    def reader():
        while not stop.is_set():
            try:
                pub = open_published(tmp_path)
                n, first_id = pub.db.execute("SELECT COUNT(*), MIN(id) FROM titles").fetchone()
                manifest = pub.manifest
                if not (n == manifest["count"] == len(pub.index) == pub.vectors.shape[0]):
                    problems.append(("count mismatch", n, manifest["count"], len(pub.index)))
                if not first_id.startswith(f"gen{n - 40}-"):  # each generation has a distinct size and tag
                    problems.append(("mixed build", n, first_id))
                seen.add(pub.build_id)
            except Exception as exc:  # any failure in the reader must fail the test, not just warn
                problems.append(("reader failed", repr(exc)))

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for gen in range(1, 8):
            _publish(tmp_path, 40 + gen, f"gen{gen}", keep=3)
    finally:
        stop.set()
        thread.join()
    assert problems == []
    assert len(seen) >= 2  # the reader really overlapped several swaps


def test_leftovers_of_a_killed_publish_are_cleaned_and_never_served(tmp_path):
    _publish(tmp_path, 10, "a")
    builds = tmp_path / "published" / BUILDS
    (builds / ".20990101T000000000000-dead00.tmp").mkdir()
    os.symlink("builds/nowhere", tmp_path / "published" / ".current.x.tmp")
    assert open_published(tmp_path).manifest["count"] == 10
    prune(tmp_path / "published", keep=2)
    assert not any(p.name.startswith(".") for p in builds.iterdir())
    assert not (tmp_path / "published" / ".current.x.tmp").is_symlink()


def _publish_with(state, settings, n=60, tag="s"):
    titles, vectors = _catalog(n, tag)
    return publish(
        state / "published", titles, vectors, model="m", text_recipe="flixrec", source="test", settings=settings
    )


def test_a_snapshot_owns_its_builds_connection_from_load_to_close(tmp_path):
    _publish(tmp_path, 30, "a")
    pub = open_published(tmp_path)
    conn = pub.db  # the build's connection, before the load takes it over
    snap = Snapshot.load(pub)
    assert pub.db is None  # handed over: one owner
    shutil.rmtree(pub.build_dir)  # a later publish pruned the build before its first card was read
    assert snap.card(snap.key_of("a-00007")).title == "a 7"  # the connection opened with the build still reads
    del snap
    gc.collect()
    with pytest.raises(sqlite3.ProgrammingError):  # closed once its snapshot is gone (a hot reload drops it)
        conn.execute("SELECT 1")

    _publish(tmp_path, 31, "b")
    with open_published(tmp_path) as pub:
        other = Snapshot.load(pub)
    other.close()
    with pytest.raises(RuntimeError, match="closed"):
        other.card(0)


class _Spy:
    """The real usearch index, noting the search breadth each search ran with."""

    def __init__(self, index):
        self.index, self.seen = index, []

    def __getattr__(self, name):
        return getattr(self.index, name)

    def __setattr__(self, name, value):
        if name == "expansion_search":
            self.index.expansion_search = value
        else:
            super().__setattr__(name, value)

    def search(self, *args, **kwargs):
        self.seen.append(self.index.expansion_search)
        return self.index.search(*args, **kwargs)


def test_expansion_search_is_recorded_in_the_build_and_used_by_every_search(tmp_path):
    first = _publish_with(tmp_path, IndexSettings(expansion_search=777))
    with open_published(tmp_path) as pub:
        assert pub.manifest["index"]["expansion_search"] == 777
        snap = Snapshot.load(pub)
    assert snap.expansion_search == 777
    snap.index = spy = _Spy(snap.index)
    result = top_k(snap, np.asarray(snap.vectors[3], dtype=np.float32), 5, force="hnsw")
    assert spy.seen == [777] and int(result.keys[0]) == 3
    # A change of the setting alone makes a new build (same titles): the next search uses the new breadth.
    assert not _publish_with(tmp_path, IndexSettings(expansion_search=50)).skipped
    with open_published(tmp_path) as pub:
        assert Snapshot.load(pub).expansion_search == 50 and pub.build_id != first.build_id


def test_each_titles_nearest_are_stored_with_the_build_nearest_first(tmp_path):
    """neighbours.npy: for every title, its `k` nearest other titles by cosine (what /similar's content pool reads
    instead of an HNSW walk per query), -1 where the catalog has fewer."""
    titles, vectors = _catalog(300, "n")
    publish(tmp_path / "published", titles, vectors, model="m", text_recipe="flixrec", source="test",
            settings=IndexSettings(neighbours=8))  # fmt: skip
    with open_published(tmp_path) as pub:
        assert pub.manifest["neighbours"] == 8 and pub.neighbours.shape == (300, 8)
        stored = np.asarray(pub.neighbours)
    sims = vectors @ vectors.T
    np.fill_diagonal(sims, -np.inf)
    exact = np.argsort(-sims, axis=1)[:, :8]
    assert (stored != np.arange(300)[:, None]).all()  # never the title itself
    overlap = np.mean([len(set(a) & set(b)) / 8 for a, b in zip(stored.tolist(), exact.tolist(), strict=True)])
    assert overlap >= 0.95
    rows = sims[np.arange(300)[:, None], stored]
    assert (np.diff(rows, axis=1) <= 1e-3).all()  # nearest first (f16 index distances: a small tolerance)

    # A catalog smaller than k: every other title, then -1; k = 0: no file, and the reader does not ask for one.
    _publish_with(tmp_path / "tiny", IndexSettings(neighbours=8), n=5)
    with open_published(tmp_path / "tiny") as pub:
        assert pub.manifest["neighbours"] == 4 and sorted(pub.neighbours[0].tolist()) == [1, 2, 3, 4]
    _publish_with(tmp_path / "off", IndexSettings(neighbours=0))
    with open_published(tmp_path / "off") as pub:
        assert pub.manifest["neighbours"] == 0 and pub.neighbours is None
        assert not (pub.build_dir / "neighbours.npy").exists()


def test_a_neighbours_file_that_does_not_match_the_manifest_is_refused(tmp_path):
    _publish_with(tmp_path, IndexSettings(neighbours=8))
    build = tmp_path / "published" / "current"
    np.save(build / "neighbours.npy", np.zeros((59, 8), dtype=np.int32))  # one row short
    with pytest.raises(PublishedError, match="inconsistent with its manifest"):
        open_published(tmp_path)


def test_each_titles_nearest_half_percent_is_stored_and_is_what_the_franchise_rules_read(tmp_path):
    """near.npy holds, per title, the cosine its nearest 0.5 % of the catalog sample reaches: the same numbers the
    family links and the remake test computed at every load and for every series list; a damaged one is refused."""
    from morelike.engine.franchise import remake_threshold
    from morelike.vectors import REMAKE_MIN_PERCENTILE, nearer_than

    titles, vectors = _catalog(400, "a")
    publish(tmp_path / "published", titles, vectors, model="m", text_recipe="flixrec", source="test",
            settings=IndexSettings())  # fmt: skip
    with open_published(tmp_path) as pub:
        assert pub.near.shape == (400,) and pub.near.dtype == np.float32
        assert np.allclose(pub.near, nearer_than(np.asarray(pub.vectors), np.arange(400), REMAKE_MIN_PERCENTILE))
        stored = Snapshot.load(pub)
    with open_published(tmp_path) as pub:
        pub.near = None  # a snapshot whose rules read it off the catalog sample themselves
        computed = Snapshot.load(pub)
    for key in (0, 17, 399):
        q = stored.vector(key)
        assert remake_threshold(stored, q, key) == pytest.approx(remake_threshold(computed, q, key), abs=1e-6)
    assert np.array_equal(stored.kin.ptr, computed.kin.ptr) and np.array_equal(stored.kin.ids, computed.kin.ids)
    np.save(tmp_path / "published" / "current" / "near.npy", np.zeros(399, dtype=np.float32))
    with pytest.raises(PublishedError, match="inconsistent with its manifest"):
        open_published(tmp_path)


def test_a_free_text_space_is_published_beside_the_story_one_and_changes_republish(tmp_path):
    titles, vectors = _catalog(40, "a")
    text = np.roll(vectors, 1, axis=1)  # another space of the same titles (8 dims would do as well)
    args = dict(model="m", text_recipe="flixrec", source="test", settings=IndexSettings())
    first = publish(tmp_path / "published", titles, vectors, free_text=("t", text), **args)
    pub = open_published(tmp_path)
    assert pub.manifest["free_text"]["model"] == "t" and pub.free_text.model == "t"
    hits = pub.free_text.index.search(text[7], 1)
    assert int(hits.keys[0]) == 7 and np.allclose(np.asarray(pub.free_text.vectors[7], np.float32), text[7], atol=1e-3)
    assert publish(tmp_path / "published", titles, vectors, free_text=("t", text), **args).skipped
    # The free-text model alone changed: the story vectors are the same, the build is not.
    second = publish(tmp_path / "published", titles, vectors, free_text=("u", text), **args)
    assert not second.skipped and second.build_id != first.build_id
    # No free-text space any more: the build says so and the reader has none.
    publish(tmp_path / "published", titles, vectors, **args)
    pub = open_published(tmp_path)
    assert pub.manifest["free_text"] is None and pub.free_text is None


def test_free_text_vectors_of_other_titles_are_refused(tmp_path):
    titles, vectors = _catalog(20, "a")
    with pytest.raises(PublishError, match="free-text"):
        publish(tmp_path / "published", titles, vectors, model="m", text_recipe="flixrec", source="test",
                settings=IndexSettings(), free_text=("t", vectors[:19]))  # fmt: skip
    assert current_build_id(tmp_path) is None


def test_a_free_text_space_that_does_not_match_its_manifest_is_refused(tmp_path):
    titles, vectors = _catalog(20, "a")
    publish(tmp_path / "published", titles, vectors, model="m", text_recipe="flixrec", source="test",
            settings=IndexSettings(), free_text=("t", vectors))  # fmt: skip
    build = tmp_path / "published" / "current"
    np.save(build / "text_vectors.npy", np.zeros((19, 16), np.float16))
    with pytest.raises(PublishedError, match="inconsistent"):
        open_published(tmp_path)


def _published_without(state: Path, tmp_path: Path, folder: str) -> tuple[Path, Path]:
    """A copy of the state dir `state` whose current build lacks `folder` (a build published before it existed):
    the copy and its build."""
    from morelike.build.layout import current_build

    older = tmp_path / "state"
    shutil.copytree(state, older, symlinks=True)
    build = current_build(older / "published")
    assert build is not None
    shutil.rmtree(build / folder)
    return older, build


def test_the_catalogs_numbers_are_stored_ready_and_a_build_without_them_loads_the_same(small_published, tmp_path):
    """A build stores the catalog's numbers and id lists as arrays (columns/: kinds, years, ratings, genres as
    bits, people as id lists, services, ...) and its per-title strings (ids, titles, norms, ...) for the snapshot to
    load instead of querying and parsing its catalog (13 of a 1.3M build's 24 s load, then 5.5 of 8.3 s); a build
    published before them is read from its catalog as before: the same snapshot. A damaged file is refused with one
    sentence."""
    from morelike.build.layout import COLUMNS_DIR
    from morelike.titleindex import Strings

    with open_published(small_published) as pub:
        assert pub.columns is not None and len(pub.columns.kinds) == pub.manifest["count"]
        stored = Snapshot.load(pub)
    older, build = _published_without(small_published, tmp_path, COLUMNS_DIR)
    with open_published(older) as pub:
        assert pub.columns is None
        parsed = Snapshot.load(pub)
    assert stored.n == parsed.n == 402
    for name in ("kinds", "years", "runtimes", "ratings", "votes", "popularity", "lang_codes", "genre_bits",
                 "story", "anime", "services", "fame"):  # fmt: skip
        a, b = getattr(stored, name), getattr(parsed, name)
        assert a.dtype == b.dtype and np.array_equal(a, b, equal_nan=a.dtype.kind == "f"), name
    for name in ("languages", "genre_names", "people_names", "titles", "ids", "refs", "norms", "story_names",
                 "collections"):  # fmt: skip
        assert getattr(stored, name) == getattr(parsed, name), name
    assert any(stored.story_names) and stored.norms[0]  # not empty
    for name in ("cast", "directors"):
        a, b = getattr(stored, name), getattr(parsed, name)
        assert np.array_equal(a.ptr, b.ptr) and np.array_equal(a.ids, b.ids), name
    assert stored.services.any() and len(stored.people_names) > 100 and len(stored.genre_names) > 5  # not empty
    shutil.copytree(small_published / "published" / "current" / COLUMNS_DIR, build / COLUMNS_DIR)
    np.save(build / COLUMNS_DIR / "years.npy", np.zeros(401, dtype=np.int16))
    with pytest.raises(PublishedError, match=r"cannot be read .*years\.npy does not hold one value per title"):
        open_published(older)
    np.save(build / COLUMNS_DIR / "years.npy", np.zeros(402, dtype=np.int16))
    other = Strings.of(["a title"] * 401)  # a column of another build's catalog
    np.save(build / COLUMNS_DIR / "text.title.blob.npy", other.blob)
    np.save(build / COLUMNS_DIR / "text.title.off.npy", other.offsets)
    with pytest.raises(PublishedError, match=r"cannot be read .*text\.title does not hold one string per title"):
        open_published(older)


def test_the_title_resolvers_index_is_stored_and_loads_without_being_made_again(small_published, tmp_path, monkeypatch):
    """A build stores the title resolver's index (resolver/: names, prefixes, title starts, word index, id lookups as
    arrays) so that a load maps it instead of making it (35-40 s and the GIL at 1.3M titles, every answer meanwhile
    slowed down); it answers as one made from the catalog does, which is what a build from before it gets. A damaged
    file is refused with one sentence."""
    from morelike.build.layout import RESOLVER_DIR
    from morelike.titleindex import TitleIndex

    older, build = _published_without(small_published, tmp_path, RESOLVER_DIR)
    with open_published(older) as pub:
        assert pub.resolver is None
        made = Snapshot.load(pub).resolver
    with open_published(small_published) as pub:
        assert pub.resolver is not None and len(pub.resolver.titles) == pub.manifest["count"] == 402
        snap = Snapshot.load(pub)

    def made_again(rows):
        raise AssertionError("the stored index was made again")

    monkeypatch.setattr(TitleIndex, "compute", made_again)
    stored = snap.resolver
    asked = ["heat", "heat 1995", "the ma", "matrx", "now you se me", "amelie", "star wars empire", "tt0133093",
             "https://trakt.tv/movies/heat-1995", "IMDB-TT0113277", snap.refs[7], snap.ids[9], "",
             "zzzz qqq"]  # fmt: skip
    for text in asked:
        assert stored.resolve(text) == made.resolve(text), text
        assert stored.suggest(text, 25) == made.suggest(text, 25), text
        assert stored.suggest(text, 10, kind="show") == made.suggest(text, 10, kind="show"), text
    assert stored.resolve("heat").same_title and stored.suggest("the ma", 25)  # the questions found something
    assert stored.resolve(snap.ids[9]).clear_key == 9
    shutil.copytree(small_published / "published" / "current" / RESOLVER_DIR, build / RESOLVER_DIR)
    np.save(build / RESOLVER_DIR / "years.npy", np.zeros(401, dtype=np.int16))
    with pytest.raises(PublishedError, match=r"cannot be read .*resolver's arrays do not fit"):
        open_published(older)
