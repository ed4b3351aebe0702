"""The indexer's working store: one SQLite file (WAL) holding titles, the embedding cache and crawl state.

Schema changes are versioned migrations keyed by `PRAGMA user_version`, applied in order inside a transaction,
so an old store upgrades in place and a half-applied migration never sticks.
Upserts are idempotent: a title identical to the stored row is not rewritten, so a rerun over the same input
changes nothing (not even `updated_at`). Crawl checkpoints are written in the same transaction as the rows they
cover, which is what makes a killed crawl resumable without duplicates or loss.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import aiosqlite
import numpy as np

from morelike.catalog.normalize import normalize_title
from morelike.catalog.records import LIST_FIELDS, TITLE_FIELDS, Title

# Column order of the `titles` table after all migrations: every Title field, then derived lookup columns.
DATA_COLUMNS = TITLE_FIELDS
DERIVED_COLUMNS = ("norm_title", "norm_original_title")

MIGRATIONS: tuple[str, ...] = (
    # 1: titles, embedding cache, crawl state
    """
    CREATE TABLE titles (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('movie', 'show')),
        title TEXT NOT NULL,
        original_title TEXT,
        year INTEGER,
        released TEXT,
        overview TEXT,
        tagline TEXT,
        genres TEXT NOT NULL DEFAULT '[]',
        runtime INTEGER,
        country TEXT,
        language TEXT,
        rating REAL,
        votes INTEGER,
        rating_source TEXT,
        popularity REAL,
        "cast" TEXT NOT NULL DEFAULT '[]',
        directors TEXT NOT NULL DEFAULT '[]',
        keywords TEXT NOT NULL DEFAULT '[]',
        collection TEXT,
        imdb_id TEXT,
        tmdb_id INTEGER,
        trakt_id INTEGER,
        trakt_slug TEXT,
        tvdb_id INTEGER,
        wikipedia TEXT,
        seasons INTEGER,
        poster TEXT,
        sources TEXT NOT NULL DEFAULT '[]',
        norm_title TEXT NOT NULL,
        norm_original_title TEXT,
        updated_at REAL NOT NULL
    );
    CREATE INDEX titles_norm_title ON titles (norm_title, year);
    CREATE INDEX titles_norm_original_title ON titles (norm_original_title, year);
    CREATE INDEX titles_year ON titles (year);
    CREATE INDEX titles_imdb ON titles (imdb_id);
    CREATE TABLE embeddings (
        title_id TEXT PRIMARY KEY REFERENCES titles (id) ON DELETE CASCADE,
        model TEXT NOT NULL,
        text_hash TEXT NOT NULL,
        vector BLOB NOT NULL
    );
    CREATE TABLE sync_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
    # 2: external-id lookups the Trakt sync needs (updates arrive keyed by Trakt id)
    """
    CREATE INDEX titles_trakt ON titles (kind, trakt_id);
    CREATE INDEX titles_tmdb ON titles (kind, tmdb_id);
    """,
    # 3: a title's other names (Trakt aliases and translated titles, a JSON list like the other list fields)
    """
    ALTER TABLE titles ADD COLUMN aliases TEXT NOT NULL DEFAULT '[]';
    """,
    # 4: a vector per title *and model*: the story space and /discover's free-text space are cached side by side
    # (one row per title overwrote the story vectors with the free-text ones, and every build re-encoded both)
    """
    CREATE TABLE embeddings_by_model (
        title_id TEXT NOT NULL REFERENCES titles (id) ON DELETE CASCADE,
        model TEXT NOT NULL,
        text_hash TEXT NOT NULL,
        vector BLOB NOT NULL,
        PRIMARY KEY (title_id, model)
    );
    INSERT INTO embeddings_by_model SELECT title_id, model, text_hash, vector FROM embeddings;
    DROP TABLE embeddings;
    ALTER TABLE embeddings_by_model RENAME TO embeddings;
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


async def _connect(path: Path) -> aiosqlite.Connection:
    """`aiosqlite.connect`, safe to stop: a stop (Ctrl-C, SIGTERM) that lands while it connects lets the connection
    finish and closes it before the stop goes on. Left behind, the connection's thread would hand its result to an
    event loop already closed: a traceback after a clean stop."""
    connecting = asyncio.ensure_future(aiosqlite.connect(path, isolation_level=None))
    try:
        return await asyncio.shield(connecting)
    except asyncio.CancelledError:
        await asyncio.wait([connecting])  # a second stop here gives up at once
        if not connecting.cancelled() and connecting.exception() is None:
            await connecting.result().close()
        raise


async def _one(cursor: aiosqlite.Cursor) -> Any:
    """The one value of a query that always answers one row of one column (COUNT(*), a PRAGMA)."""
    (value,) = await cursor.fetchone() or (None,)
    return value


class StoreError(RuntimeError):
    """The working store cannot be used; the message says why."""


Outcome = Literal["inserted", "updated", "unchanged"]  # what an upsert did to one title


@dataclass
class UpsertStats:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    def __iadd__(self, other: UpsertStats) -> UpsertStats:
        self.inserted += other.inserted
        self.updated += other.updated
        self.unchanged += other.unchanged
        return self


def _row_values(title: Title) -> list:
    values = []
    for name in DATA_COLUMNS:
        value = getattr(title, name)
        values.append(json.dumps(list(value), ensure_ascii=False) if name in LIST_FIELDS else value)
    values.append(normalize_title(title.title))
    values.append(normalize_title(title.original_title) or None)
    return values


def row_to_title(row: aiosqlite.Row | dict) -> Title:
    data = {name: row[name] for name in DATA_COLUMNS}
    for name in LIST_FIELDS:
        data[name] = tuple(json.loads(data[name] or "[]"))
    return Title(**data)


_COLS = [*DATA_COLUMNS, *DERIVED_COLUMNS]
_QUOTED = [f'"{c}"' for c in _COLS]
# The WHERE clause makes an identical row a no-op: SQLite then reports 0 changes and updated_at stays put.
_UPSERT_SQL = (
    f"INSERT INTO titles ({', '.join(_QUOTED)}, updated_at) VALUES ({', '.join('?' * (len(_COLS) + 1))}) "
    f"ON CONFLICT(id) DO UPDATE SET "
    + ", ".join(f"{q} = excluded.{q}" for q in _QUOTED[1:])
    + ", updated_at = excluded.updated_at WHERE "
    + " OR ".join(f"{q} IS NOT excluded.{q}" for q in _QUOTED[1:])
)


_IDS_PER_QUERY = 500  # bound parameters of one IN (...) query, well under SQLite's limit


class Store:
    def __init__(self, db: aiosqlite.Connection, path: Path) -> None:
        self._db = db
        self.path = path

    @classmethod
    async def open(cls, path: str | Path) -> Store:
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = await _connect(path)
        except (OSError, aiosqlite.Error) as exc:
            raise StoreError(f"cannot open the working store {path}: {exc}") from None
        db.row_factory = aiosqlite.Row
        store = cls(db, path)
        try:
            await db.execute("PRAGMA journal_mode=WAL")
            await db.execute("PRAGMA synchronous=NORMAL")
            await db.execute("PRAGMA foreign_keys=ON")
            await db.execute("PRAGMA busy_timeout=10000")
            await store._migrate()
        except BaseException:
            await db.close()
            raise
        return store

    async def _migrate(self) -> None:
        version = await _one(await self._db.execute("PRAGMA user_version"))
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"the working store {self.path} has schema version {version}, newer than this code's "
                f"{SCHEMA_VERSION}: upgrade MoreLike or use another state_dir"
            )
        for number in range(version + 1, SCHEMA_VERSION + 1):
            script = MIGRATIONS[number - 1]
            # executescript would COMMIT implicitly; run statement by statement inside one transaction instead.
            await self._db.execute("BEGIN IMMEDIATE")
            try:
                for statement in filter(str.strip, script.split(";")):
                    await self._db.execute(statement)
                await self._db.execute(f"PRAGMA user_version = {number}")
                await self._db.execute("COMMIT")
            except BaseException:
                await self._rollback()
                raise

    async def _rollback(self) -> None:
        """Undo the transaction under way, if there still is one. A stop (Ctrl-C, SIGTERM: a cancellation) that lands
        while COMMIT is awaited finds it done, since aiosqlite runs what was queued: nothing is left to roll back, and
        the stop, not "cannot rollback", is what the caller must see."""
        try:
            await self._db.execute("ROLLBACK")
        except sqlite3.OperationalError as exc:
            if "no transaction is active" not in str(exc):
                raise

    async def schema_version(self) -> int:
        version = await _one(await self._db.execute("PRAGMA user_version"))
        return version

    async def close(self) -> None:
        await self._db.close()

    async def _write_state(self, state: dict[str, str] | None) -> None:
        for key, value in (state or {}).items():
            await self._db.execute(
                "INSERT INTO sync_state (key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    async def upsert_titles(
        self,
        titles: Sequence[Title],
        state: dict[str, str] | None = None,
        *,
        outcomes: dict[str, Outcome] | None = None,
    ) -> UpsertStats:
        """Insert or update titles; `state` is written in the same transaction (atomic checkpoints).

        `outcomes`, when given, receives what happened to each title: for a caller that writes one title twice
        in a run (the crawl: its list data, then its people) and counts it once."""
        stats = UpsertStats()
        now = time.time()
        # Two round trips a batch, not two a title: each aiosqlite call is a hop to its thread, and per-title calls
        # capped a 1.3M-title import at 2,200 titles/s (issue 24). What each title does is decided here against the
        # stored rows (the same test as the upsert's WHERE clause, which stays as the guard); only new and changed
        # rows are written. A title twice in one batch counts like two upserts in a row.
        stored = await self._stored_values({t.id for t in titles})
        writes = []
        for title in titles:
            values = _row_values(title)
            before = stored.get(title.id)
            outcome: Outcome = "inserted" if before is None else "unchanged" if before == values else "updated"
            if outcome != "unchanged":
                writes.append([*values, now])
                stored[title.id] = values
            setattr(stats, outcome, getattr(stats, outcome) + 1)
            if outcomes is not None:
                outcomes[title.id] = outcome
        await self._db.execute("BEGIN IMMEDIATE")
        try:
            if writes:
                await self._db.executemany(_UPSERT_SQL, writes)
            await self._write_state(state)
            await self._db.execute("COMMIT")
        except BaseException:
            await self._rollback()
            raise
        return stats

    async def _stored_values(self, ids: set[str]) -> dict[str, list]:
        """The stored rows of `ids` as `_row_values` gives a title's (those the store has)."""
        found: dict[str, list] = {}
        wanted = sorted(ids)
        for start in range(0, len(wanted), _IDS_PER_QUERY):
            chunk = wanted[start : start + _IDS_PER_QUERY]
            cursor = await self._db.execute(
                f"SELECT {', '.join(_QUOTED)} FROM titles WHERE id IN ({', '.join('?' * len(chunk))})", chunk
            )
            for row in await cursor.fetchall():
                found[row[0]] = list(row)
        return found

    async def get_state(self, key: str) -> str | None:
        row = await (await self._db.execute("SELECT value FROM sync_state WHERE key = ?", (key,))).fetchone()
        return row[0] if row else None

    async def set_state(self, key: str, value: str) -> None:
        await self._db.execute("BEGIN IMMEDIATE")
        try:
            await self._write_state({key: value})
            await self._db.execute("COMMIT")
        except BaseException:
            await self._rollback()
            raise

    async def delete_state(self, prefix: str) -> None:
        await self._db.execute("DELETE FROM sync_state WHERE key LIKE ? ESCAPE '\\'", (_like_prefix(prefix),))

    async def state_with_prefix(self, prefix: str) -> dict[str, str]:
        cursor = await self._db.execute(
            "SELECT key, value FROM sync_state WHERE key LIKE ? ESCAPE '\\' ORDER BY key", (_like_prefix(prefix),)
        )
        return {r[0]: r[1] for r in await cursor.fetchall()}

    async def all_state(self) -> dict[str, str]:
        rows = await (await self._db.execute("SELECT key, value FROM sync_state ORDER BY key")).fetchall()
        return {r[0]: r[1] for r in rows}

    async def count(self, kind: str | None = None) -> int:
        if kind:
            cursor = await self._db.execute("SELECT COUNT(*) FROM titles WHERE kind = ?", (kind,))
        else:
            cursor = await self._db.execute("SELECT COUNT(*) FROM titles")
        return await _one(cursor)

    async def get(self, title_id: str) -> Title | None:
        row = await (await self._db.execute("SELECT * FROM titles WHERE id = ?", (title_id,))).fetchone()
        return row_to_title(row) if row else None

    async def iter_titles(self, order: str = "id") -> AsyncIterator[Title]:
        if order not in ("id", "popularity"):
            raise ValueError(order)
        sql = "SELECT * FROM titles ORDER BY " + ("id" if order == "id" else "popularity DESC NULLS LAST, id")
        async with self._db.execute(sql) as cursor:
            async for row in cursor:
                yield row_to_title(row)

    async def top_ids(self, prefix: str, limit: int, offset: int = 0) -> list[str]:
        """Ids starting with `prefix`, most popular first (ties by id): the `offset`-th to the (`offset`+`limit`)-th."""
        cursor = await self._db.execute(
            "SELECT id FROM titles WHERE id LIKE ? ESCAPE '\\' ORDER BY popularity DESC NULLS LAST, id "
            "LIMIT ? OFFSET ?",
            (_like_prefix(prefix), limit, offset),
        )
        return [r[0] for r in await cursor.fetchall()]

    async def remove_except(self, keep: set[str], protect_prefix: str | None = None) -> int:
        """Delete titles not in `keep` (a file catalog is authoritative), sparing ids with `protect_prefix`."""
        gone = [
            tid
            for tid in await self.ids()
            if tid not in keep and not (protect_prefix and tid.startswith(protect_prefix))
        ]
        if not gone:
            return 0
        await self._db.execute("BEGIN IMMEDIATE")
        try:
            await self._db.executemany("DELETE FROM titles WHERE id = ?", [(tid,) for tid in gone])
            await self._db.execute("COMMIT")
        except BaseException:
            await self._rollback()
            raise
        return len(gone)

    async def ids(self) -> list[str]:
        rows = await (await self._db.execute("SELECT id FROM titles ORDER BY id")).fetchall()
        return [r[0] for r in rows]

    # --- embedding cache: only titles whose text changed are re-encoded on a rebuild -----------------------
    async def cached_hashes(self, model: str) -> dict[str, str]:
        cursor = await self._db.execute("SELECT title_id, text_hash FROM embeddings WHERE model = ?", (model,))
        return {r[0]: r[1] for r in await cursor.fetchall()}

    async def put_embeddings(self, model: str, items: Sequence[tuple[str, str, np.ndarray]]) -> None:
        await self._db.execute("BEGIN IMMEDIATE")
        try:
            await self._db.executemany(
                "INSERT INTO embeddings (title_id, model, text_hash, vector) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(title_id, model) DO UPDATE SET text_hash = excluded.text_hash, vector = excluded.vector",
                [(tid, model, h, np.asarray(v, dtype=np.float32).tobytes()) for tid, h, v in items],
            )
            await self._db.execute("COMMIT")
        except BaseException:
            await self._rollback()
            raise

    async def embedding_dimensions(self, model: str) -> int:
        row = await (
            await self._db.execute("SELECT vector FROM embeddings WHERE model = ? LIMIT 1", (model,))
        ).fetchone()
        if row is None:
            raise StoreError(f"no cached embeddings for model {model}")
        return len(row[0]) // 4

    async def embedding_chunks(
        self, model: str, ids: Sequence[str], dim: int, rows: int = 65_536
    ) -> AsyncIterator[tuple[int, np.ndarray]]:
        """`model`'s vectors of `ids` (sorted, as `StoredTitles.ids`) in that order, as (first position, float32
        rows) chunks of `rows`: a build reads 1.3M vectors without a second catalog-sized f32 copy (issue 24).
        StoreError when one of `ids` has none."""
        position = 0
        chunk = np.empty((min(rows, len(ids)), dim), dtype=np.float32)
        filled = 0
        sql = "SELECT title_id, vector FROM embeddings WHERE model = ? ORDER BY title_id"
        async with self._db.execute(sql, (model,)) as cursor:
            async for tid, blob in cursor:
                if position + filled >= len(ids) or tid != ids[position + filled]:
                    if position + filled < len(ids) and tid > ids[position + filled]:  # passed it: it has none
                        raise StoreError(f"{ids[position + filled]!r} has no cached embedding for model {model}")
                    continue  # a title outside this build
                chunk[filled] = np.frombuffer(blob, dtype=np.float32)
                filled += 1
                if filled == len(chunk):
                    yield position, chunk
                    position, filled = position + filled, 0
        if filled:
            yield position, chunk[:filled]
            position += filled
        if position != len(ids):
            raise StoreError(f"{len(ids) - position} titles have no cached embedding for model {model}")


def _like_prefix(prefix: str) -> str:
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


class StoredTitles:
    """The store's titles of `ids` in id order (a build's keys), read from the file again at each iteration.

    What a build encodes and publishes from: one pass per use instead of every Title held at once, which was 5 GB
    at 1.3M titles (issue 24). Reads go through their own read-only connection (WAL: the writer's open transaction
    is not seen, and does not block them)."""

    def __init__(self, path: Path, ids: Sequence[str]) -> None:
        self.path = path
        self.ids = sorted(set(ids))  # SQLite orders TEXT by its UTF-8 bytes, which is Python's code-point order
        self._wanted = frozenset(self.ids)

    def __len__(self) -> int:
        return len(self.ids)

    def __iter__(self) -> Iterator[Title]:
        con = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True)
        con.row_factory = sqlite3.Row
        read = 0
        try:
            for row in con.execute("SELECT * FROM titles ORDER BY id"):
                if row["id"] in self._wanted:
                    read += 1
                    yield row_to_title(row)
        finally:
            con.close()
        if read != len(self.ids):
            raise StoreError(f"{len(self.ids) - read} of the build's titles are no longer in the working store")
