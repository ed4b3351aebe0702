import asyncio
import sqlite3
import threading

import aiosqlite
import pytest

from indexer.store import MIGRATIONS, SCHEMA_VERSION, Store, StoreError
from morelike.catalog.records import parse_record


def _title(**overrides):
    row = {"id": "imdb-tt0113277", "kind": "movie", "title": "Heat", "year": 1995, "genres": ["crime", "drama"]}
    row.update(overrides)
    return parse_record(row)


async def test_new_store_is_migrated_to_the_latest_version_in_wal_mode(tmp_path):
    store = await Store.open(tmp_path / "s.sqlite")
    assert await store.schema_version() == SCHEMA_VERSION == len(MIGRATIONS)
    await store.close()
    con = sqlite3.connect(tmp_path / "s.sqlite")
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    names = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert {"titles_norm_title", "titles_norm_original_title", "titles_trakt"} <= names


async def test_an_old_store_is_upgraded_in_place_keeping_its_rows(tmp_path):
    path = tmp_path / "old.sqlite"
    con = sqlite3.connect(path)
    for statement in filter(str.strip, MIGRATIONS[0].split(";")):  # a store as version 1 left it
        con.execute(statement)
    con.execute("INSERT INTO titles (id, kind, title, norm_title, updated_at) VALUES ('x', 'movie', 'Heat', 'heat', 0)")
    con.execute("PRAGMA user_version = 1")
    con.commit()
    con.close()
    store = await Store.open(path)
    assert await store.schema_version() == SCHEMA_VERSION
    assert (await store.get("x")).title == "Heat"
    await store.close()


async def test_a_store_from_newer_code_is_refused(tmp_path):
    path = tmp_path / "new.sqlite"
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    con.close()
    with pytest.raises(StoreError, match="newer than this code"):
        await Store.open(path)


async def test_upsert_is_idempotent_and_reports_changes(tmp_path):
    store = await Store.open(tmp_path / "s.sqlite")
    first = await store.upsert_titles([_title(), _title(id="imdb-tt0069080", year=1972)])
    assert (first.inserted, first.updated, first.unchanged) == (2, 0, 0)
    con = sqlite3.connect(tmp_path / "s.sqlite")
    before = con.execute("SELECT id, updated_at FROM titles ORDER BY id").fetchall()
    again = await store.upsert_titles([_title(), _title(id="imdb-tt0069080", year=1972)])
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)
    assert con.execute("SELECT id, updated_at FROM titles ORDER BY id").fetchall() == before
    changed = await store.upsert_titles([_title(rating=8.3)])
    assert (changed.inserted, changed.updated) == (0, 1)
    assert (await store.get("imdb-tt0113277")).rating == 8.3
    assert await store.count() == 2
    await store.close()


async def test_checkpoint_state_commits_with_its_rows_or_not_at_all(tmp_path):
    store = await Store.open(tmp_path / "s.sqlite")
    await store.upsert_titles([_title()], state={"crawl.page": "1"})
    assert await store.get_state("crawl.page") == "1"

    bad = _title(id="x2")
    object.__setattr__(bad, "kind", "film")  # violates the CHECK constraint mid-transaction
    with pytest.raises(sqlite3.IntegrityError):
        await store.upsert_titles([_title(id="x1"), bad], state={"crawl.page": "2"})
    assert await store.get_state("crawl.page") == "1"
    assert await store.get("x1") is None
    await store.close()


async def test_people_are_stored_with_their_title_and_a_change_of_people_is_an_update(tmp_path):
    # The Trakt crawl adds cast and directors to a title and upserts it: that is the only way people are written.
    store = await Store.open(tmp_path / "s.sqlite")
    await store.upsert_titles([_title()])
    people = _title(cast=["Al Pacino", "Robert De Niro"], directors=["Michael Mann"])
    assert (await store.upsert_titles([people])).updated == 1
    assert (await store.upsert_titles([people])).unchanged == 1
    title = await store.get("imdb-tt0113277")
    assert title.cast == ("Al Pacino", "Robert De Niro") and title.directors == ("Michael Mann",)
    await store.close()


async def test_a_store_from_before_aliases_is_upgraded_and_keeps_its_titles(tmp_path):
    """Issue 20: a working store of schema 2 (no other names per title) gains them in place; its rows read with none,
    and a title's other names are stored with it, a change of them being an update like any other field's."""
    path = tmp_path / "v2.sqlite"
    con = sqlite3.connect(path)
    for script in MIGRATIONS[:2]:
        for statement in filter(str.strip, script.split(";")):
            con.execute(statement)
    con.execute("INSERT INTO titles (id, kind, title, norm_title, updated_at) VALUES ('x', 'movie', 'Amélie', 'a', 0)")
    con.execute("PRAGMA user_version = 2")
    con.commit()
    con.close()
    store = await Store.open(path)
    try:
        assert (await store.get("x")).aliases == ()
        names = ("Le Fabuleux Destin d'Amélie Poulain", "アメリ", "Амели")
        amelie = _title(id="x", title="Amélie", year=2001, aliases=list(names))
        assert (await store.upsert_titles([amelie])).updated == 1
        assert (await store.upsert_titles([amelie])).unchanged == 1
        assert (await store.get("x")).aliases == names  # in order, in their own scripts
    finally:
        await store.close()


def test_a_stop_while_the_store_connects_closes_the_connection_before_the_loop_closes(tmp_path, monkeypatch):
    """A stop (Ctrl-C, SIGTERM: the main task cancelled) landing while the store connects, and `asyncio.run` ending
    right after it, as the indexer's does: the connection is closed first. Left behind, its thread handed the new
    connection to the closed event loop, and a clean `docker stop` ended in "Event loop is closed" tracebacks."""
    errors: list[BaseException] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: errors.append(args.exc_value))
    before = set(threading.enumerate())

    async def stopped_while_connecting() -> None:
        task = asyncio.create_task(Store.open(tmp_path / "s.sqlite"))
        await asyncio.sleep(0)  # the task now waits for the connection
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(stopped_while_connecting())
    for thread in set(threading.enumerate()) - before:
        thread.join(10)
    assert errors == []


async def test_a_stop_that_lands_on_commit_keeps_the_write_and_is_still_a_stop(tmp_path):
    """aiosqlite runs a queued COMMIT even when its awaiting task is cancelled meanwhile: the rollback for the stop
    then had no transaction to undo and raised "cannot rollback" (exit 1, a traceback) instead of the stop."""
    path = tmp_path / "s.sqlite"
    await (await Store.open(path)).close()  # created and migrated
    db = await aiosqlite.connect(path, isolation_level=None)
    db.row_factory = aiosqlite.Row

    class StoppedAtCommit:  # the connection Store's constructor takes, with a stop landing on every COMMIT
        def __getattr__(self, name):
            return getattr(db, name)

        def execute(self, sql, *args):
            if sql == "COMMIT":
                asyncio.current_task().cancel()  # what SIGTERM does to the main task, landing on this await
            return db.execute(sql, *args)

    store = Store(StoppedAtCommit(), path)
    with pytest.raises(asyncio.CancelledError):
        await store.set_state("checkpoint", "page 7")
    with pytest.raises(asyncio.CancelledError):
        await store.upsert_titles([_title()])
    await store.close()
    store = await Store.open(path)  # what the next run finds
    assert await store.get_state("checkpoint") == "page 7"
    assert (await store.get("imdb-tt0113277")).title == "Heat"
    await store.close()


async def test_a_title_keeps_one_vector_per_model_and_an_old_store_keeps_its_vectors(tmp_path):
    """Issue 20: the story space and /discover's free-text space cache their vectors side by side. With one row per
    title, encoding the free-text model overwrote the story vectors, and every build re-encoded both."""
    import numpy as np

    path = tmp_path / "v3.sqlite"
    con = sqlite3.connect(path)
    for script in MIGRATIONS[:3]:
        for statement in filter(str.strip, script.split(";")):
            con.execute(statement)
    con.execute("INSERT INTO titles (id, kind, title, norm_title, updated_at) VALUES ('x', 'movie', 'Heat', 'h', 0)")
    old = np.arange(4, dtype=np.float32)
    con.execute("INSERT INTO embeddings VALUES ('x', 'story', 'h1', ?)", (old.tobytes(),))
    con.execute("PRAGMA user_version = 3")
    con.commit()
    con.close()
    store = await Store.open(path)
    try:
        assert await store.cached_hashes("story") == {"x": "h1"}  # the upgrade kept the vector
        await store.put_embeddings("free", [("x", "h2", np.ones(3, np.float32))])
        await store.put_embeddings("story", [("x", "h3", old + 1)])
        assert await store.cached_hashes("story") == {"x": "h3"} and await store.cached_hashes("free") == {"x": "h2"}
        assert [c.tolist() async for _, c in store.embedding_chunks("story", ["x"], 4)] == [[(old + 1).tolist()]]
        assert [c.tolist() async for _, c in store.embedding_chunks("free", ["x"], 3)] == [[np.ones(3).tolist()]]
    finally:
        await store.close()


async def test_a_batch_is_upserted_as_its_titles_would_be_one_by_one(tmp_path):
    """A batch is decided against the stored rows at once (two round trips, not two per title: issue 24): a title
    twice in one batch is inserted then updated, the last one stays, and a float that equals the stored int is no
    change (as the upsert's own IS NOT says)."""
    store = await Store.open(tmp_path / "s.sqlite")
    try:
        await store.upsert_titles([_title(rating=8.0)])
        outcomes: dict = {}
        stats = await store.upsert_titles(
            [_title(id="a", year=1990), _title(rating=8), _title(id="a", year=1991), _title(id="a", year=1991)],
            outcomes=outcomes,
        )
        assert (stats.inserted, stats.updated, stats.unchanged) == (1, 1, 2)
        assert outcomes == {"a": "unchanged", "imdb-tt0113277": "unchanged"}  # each title's last outcome
        assert (await store.get("a")).year == 1991
    finally:
        await store.close()


async def test_stored_titles_are_read_again_in_id_order_and_a_vanished_one_is_an_error(tmp_path):
    from indexer.store import StoredTitles

    store = await Store.open(tmp_path / "s.sqlite")
    try:
        await store.upsert_titles([_title(id=i, title=i.upper()) for i in ("b", "é", "a", "c", "trakt-1")])
        titles = StoredTitles(store.path, ["é", "a", "b", "a"])
        assert len(titles) == 3
        assert [t.id for t in titles] == [t.id for t in titles] == ["a", "b", "é"]  # twice, in SQLite's order
        assert [t.title for t in titles] == ["A", "B", "É"]
        await store.remove_except({"a", "é"})
        with pytest.raises(StoreError, match="1 of the build's titles are no longer in the working store"):
            list(titles)
    finally:
        await store.close()


async def test_embedding_chunks_give_the_vectors_of_the_ids_in_their_order(tmp_path):
    import numpy as np

    store = await Store.open(tmp_path / "s.sqlite")
    try:
        ids = ["a", "b", "c", "d", "e"]
        await store.upsert_titles([_title(id=i) for i in [*ids, "x"]])
        await store.put_embeddings("m", [(i, "h", np.full(3, n, dtype=np.float32)) for n, i in enumerate([*ids, "x"])])
        wanted = ["a", "c", "d", "e"]  # "b" and "x" belong to no build here
        chunks = [(start, chunk.copy()) async for start, chunk in store.embedding_chunks("m", wanted, 3, rows=2)]
        assert [start for start, _ in chunks] == [0, 2]
        assert np.concatenate([c for _, c in chunks])[:, 0].tolist() == [0, 2, 3, 4]
        with pytest.raises(StoreError, match="'bb' has no cached embedding for model m"):
            _ = [c async for c in store.embedding_chunks("m", ["a", "bb", "c"], 3)]
        with pytest.raises(StoreError, match="1 titles have no cached embedding"):
            _ = [c async for c in store.embedding_chunks("m", ["a", "zz"], 3)]
    finally:
        await store.close()
