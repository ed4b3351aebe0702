"""What each member asked the bot to remember: the one owner of `<state dir>/members.sqlite` (aiosqlite).

Kept apart from the indexer's store and the published builds: those are rebuilt and replaced, a member's choices
must outlive both. Everything is keyed by the member (a Discord user id) and by the catalog `id` of a title, never
by its row or ref (both change with a rebuild), so a hidden title stays hidden after a restart and a rebuild, and
comes back if a later build drops it and a still later one has it again.

Every query names the member: no method reads or changes another member's rows, whatever id a click carries.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import aiosqlite

FILE_NAME = "members.sqlite"
SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS hidden (
    entry INTEGER PRIMARY KEY,           -- what a restore select carries: short and meaningless to anyone else
    member INTEGER NOT NULL,
    title_id TEXT NOT NULL,              -- the catalog id: stable across rebuilds
    label TEXT NOT NULL,                 -- "Heat (1995) · Movie" when hidden: listed even if a rebuild drops it
    hidden_at REAL NOT NULL,
    UNIQUE (member, title_id)
);
CREATE TABLE IF NOT EXISTS settings (
    member INTEGER PRIMARY KEY,
    hide_watched INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS trakt_links (
    member INTEGER PRIMARY KEY,
    sealed BLOB NOT NULL,                -- the tokens, encrypted (morelike.trakt_user.TokenBox); never plain text
    expires_at REAL NOT NULL,
    linked_at REAL NOT NULL
);
"""


@dataclass(frozen=True)
class HiddenTitle:
    entry: int
    title_id: str
    label: str
    hidden_at: float


@dataclass(frozen=True)
class SealedLink:
    """A member's Trakt link as stored: the encrypted tokens and when the access token expires."""

    sealed: bytes
    expires_at: float


class MemberStore:
    """The per-member store. Opened on first use (one connection, aiosqlite's own thread), closed by `close()`."""

    def __init__(self, path: Path, clock: Callable[[], float] = time.time) -> None:
        self.path = Path(path)
        self._clock = clock
        self._db: aiosqlite.Connection | None = None
        self._opening = asyncio.Lock()

    @classmethod
    def in_state_dir(cls, state_dir: Path) -> MemberStore:
        return cls(Path(state_dir) / FILE_NAME)

    async def _conn(self) -> aiosqlite.Connection:
        if self._db is None:
            async with self._opening:
                if self._db is None:
                    self.path.parent.mkdir(parents=True, exist_ok=True)
                    db = await aiosqlite.connect(self.path)
                    await db.execute("PRAGMA journal_mode=WAL")
                    await db.executescript(_SCHEMA)
                    await db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
                    await db.commit()
                    self._db = db
        return self._db

    async def close(self) -> None:
        if self._db is not None:
            db, self._db = self._db, None
            await db.close()

    # -- "not for me" --------------------------------------------------------------------------------------------
    async def hide(self, member: int, title_id: str, label: str) -> None:
        """Hide a title from all of `member`'s later answers (hiding it twice keeps the first time)."""
        db = await self._conn()
        await db.execute(
            "INSERT OR IGNORE INTO hidden (member, title_id, label, hidden_at) VALUES (?, ?, ?, ?)",
            (member, title_id, label, self._clock()),
        )
        await db.commit()

    async def restore(self, member: int, entry: int) -> HiddenTitle | None:
        """Un-hide one of `member`'s hidden titles; None when they have no such entry (another member's included)."""
        db = await self._conn()
        async with db.execute(
            "SELECT entry, title_id, label, hidden_at FROM hidden WHERE member = ? AND entry = ?", (member, entry)
        ) as cur:
            row = await cur.fetchone()
        if row is None:
            return None
        await db.execute("DELETE FROM hidden WHERE member = ? AND entry = ?", (member, entry))
        await db.commit()
        return HiddenTitle(*row)

    async def hidden_ids(self, member: int) -> frozenset[str]:
        db = await self._conn()
        async with db.execute("SELECT title_id FROM hidden WHERE member = ?", (member,)) as cur:
            return frozenset(row[0] for row in await cur.fetchall())

    async def hidden_page(self, member: int, page: int, size: int) -> tuple[list[HiddenTitle], int]:
        """One page of `member`'s hidden titles, latest first, and how many they have in all."""
        db = await self._conn()
        async with db.execute("SELECT COUNT(*) FROM hidden WHERE member = ?", (member,)) as cur:
            row = await cur.fetchone()  # COUNT(*): always one row
        total = row[0] if row is not None else 0
        async with db.execute(
            "SELECT entry, title_id, label, hidden_at FROM hidden WHERE member = ? "
            "ORDER BY hidden_at DESC, entry DESC LIMIT ? OFFSET ?",
            (member, size, max(page, 0) * size),
        ) as cur:
            return [HiddenTitle(*row) for row in await cur.fetchall()], int(total)

    # -- settings -------------------------------------------------------------------------------------------------
    async def hide_watched(self, member: int) -> bool:
        db = await self._conn()
        async with db.execute("SELECT hide_watched FROM settings WHERE member = ?", (member,)) as cur:
            row = await cur.fetchone()
        return bool(row and row[0])

    async def set_hide_watched(self, member: int, on: bool) -> None:
        db = await self._conn()
        await db.execute(
            "INSERT INTO settings (member, hide_watched) VALUES (?, ?) "
            "ON CONFLICT (member) DO UPDATE SET hide_watched = excluded.hide_watched",
            (member, int(on)),
        )
        await db.commit()

    # -- Trakt links (sealed: this module never sees a token in clear) ---------------------------------------------
    async def save_link(self, member: int, link: SealedLink) -> None:
        db = await self._conn()
        await db.execute(
            "INSERT INTO trakt_links (member, sealed, expires_at, linked_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (member) DO UPDATE SET sealed = excluded.sealed, expires_at = excluded.expires_at",
            (member, link.sealed, link.expires_at, self._clock()),
        )
        await db.commit()

    async def link(self, member: int) -> SealedLink | None:
        db = await self._conn()
        async with db.execute("SELECT sealed, expires_at FROM trakt_links WHERE member = ?", (member,)) as cur:
            row = await cur.fetchone()
        return None if row is None else SealedLink(bytes(row[0]), float(row[1]))

    async def delete_link(self, member: int) -> bool:
        db = await self._conn()
        cur = await db.execute("DELETE FROM trakt_links WHERE member = ?", (member,))
        await db.commit()
        return cur.rowcount > 0
