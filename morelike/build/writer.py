"""Publishing a build: snapshot DB + usearch index + vectors + manifest, swapped in atomically.

Everything is written into a hidden temporary folder, fsynced, renamed to `builds/<build_id>`, and only then
is the `current` symlink replaced (symlink under a temp name + rename, atomic on POSIX). A reader resolves
`current` once and reads all files from that one folder, so it never sees a half-written index nor a DB and
an index from different builds. Old builds are pruned, keeping `keep_builds` (the current one included), so a
reader that resolved the previous build a moment ago still finds its files.

Every title must be reachable: a search of its own vector finds it (`_reachable_index`). HNSW alone does not
promise that. Byte-identical vectors (synopsis-less rows whose text is only their genres: one vector shared by
over a thousand titles in the bundled catalog) never prune each other in usearch's neighbour heuristic, so such a
group links only to itself and becomes a sink that also hides unrelated titles; and a few far-out titles end up
with no link leading to them. So the graph holds each copy of an identical vector a tiny offset apart (only in
the graph: vectors.npy, and so every score, is unchanged), and the publish searches every title's own vector,
re-inserts those it does not find (`_Reachability.repair`) and records how many stay unreachable
(`manifest["unreachable"]`, and a warning naming them). The check walks every title's vector quickly (32 wide, one
result) and searches a page wide only for the titles that walk missed and for every copy of a shared vector: the
count is exact for copies, and for the rest may miss a title that only a wider walk loses (checking every title a
page wide would take 18 minutes a space at 1.3M titles).
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import secrets
import shutil
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from usearch.index import Index

from morelike.build.columns import CatalogArrays, CatalogStrings
from morelike.build.layout import (
    BUILDS,
    COLUMNS_DIR,
    CURRENT,
    DB_FILE,
    DTYPES,
    FORMAT_VERSION,
    INDEX_FILE,
    MANIFEST_FILE,
    NEAR_FILE,
    NEIGHBOURS_FILE,
    PRECOMPUTED_DIR,
    RESOLVER_DIR,
    TEXT_INDEX_FILE,
    TEXT_VECTORS_FILE,
    VECTORS_FILE,
    current_build,
    published_manifest,
)
from morelike.build.names import write_index as write_resolver_index
from morelike.build.precomputed import CatalogColumns
from morelike.catalog.documents import StoryNames, story_chars
from morelike.catalog.normalize import normalize_title
from morelike.catalog.records import LIST_FIELDS, TITLE_FIELDS, Title, Titles, title_ref
from morelike.catalog.watch import is_anime
from morelike.native import trim_heap
from morelike.progress import tqdm  # a bar on a terminal, plain lines in a log
from morelike.settings import IndexSettings
from morelike.vectors import REMAKE_MIN_PERCENTILE, nearer_than

# Past this many titles a build stores no nearest-titles table. At Trakt's size (1.3M) the table is 333 MB, mapped
# (a query reads one row), and it adds 8.5-12 min to a 2 h build (its pass: 511 s); it makes /similar 20 % faster
# there (9.6 -> 7.6 ms at p50) and one REST worker 37 % (91 -> 125 a second): bench/README.md, "Serving 1.3 million
# titles".
NEIGHBOURS_MAX_TITLES = 2_000_000
NEIGHBOURS_BATCH = 4_096

# Reachability (see the module docstring). A title is reachable when a search of its own vector, SELF_SEARCH_K
# results wide (plus one per other copy of an identical vector: each copy takes a place) and as broad as the build's
# expansion_search, returns it.
SELF_SEARCH_K = 10
# How far apart the graph holds the copies of one identical vector: a random offset of this norm, cosine 1 - 5e-5,
# far below any real neighbour's distance, yet kept by f16 (each component moves by 1e-2/sqrt(dim): 6e-4 at 256
# dimensions, about ten f16 steps).
DUPLICATE_SPREAD = 1e-2
SIEVE_EXPANSION = 32  # the quick pass over every title: those it finds are reachable, the rest are checked fully
REPAIR_ROUNDS = 4  # re-insertions of the titles still unfound, each round checking only them
REPAIR_HOSTS = 2  # where its search ended: candidates to give their graph node to a title re-insertion left unfound
CHECK_PASSES = 4  # full passes at most: a re-insertion may unlink another title, so a pass follows each repair

log = logging.getLogger(__name__)


class PublishError(RuntimeError):
    """A build could not be published; nothing visible to readers changed."""


@dataclass
class PublishResult:
    build_id: str
    build_dir: Path
    count: int
    seconds: float
    skipped: bool = False  # the current build already has this exact content
    unreachable: int = 0  # titles a search of their own vector does not find (manifest["unreachable"])


_SNAPSHOT_SCHEMA = """
CREATE TABLE titles (
    key INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    ref TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL, title TEXT NOT NULL, original_title TEXT, year INTEGER, released TEXT, overview TEXT,
    tagline TEXT, genres TEXT NOT NULL, runtime INTEGER, country TEXT, language TEXT, rating REAL, votes INTEGER,
    rating_source TEXT, popularity REAL, "cast" TEXT NOT NULL, directors TEXT NOT NULL, keywords TEXT NOT NULL,
    collection TEXT, imdb_id TEXT, tmdb_id INTEGER, trakt_id INTEGER, trakt_slug TEXT, tvdb_id INTEGER,
    wikipedia TEXT, seasons INTEGER, poster TEXT, sources TEXT NOT NULL,
    norm_title TEXT NOT NULL, norm_original_title TEXT,
    story_chars INTEGER NOT NULL DEFAULT 0,
    story_names TEXT NOT NULL DEFAULT '',
    aliases TEXT NOT NULL DEFAULT '[]',
    anime INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX titles_norm_title ON titles (norm_title, year);
CREATE INDEX titles_norm_original_title ON titles (norm_original_title, year);
CREATE INDEX titles_imdb ON titles (imdb_id);
"""


def _title_row(key: int, title: Title, chars: int, names: str) -> list:
    row: list = [key, title.id, title_ref(title.id)]
    for name in TITLE_FIELDS[1:]:
        value = getattr(title, name)
        row.append(json.dumps(list(value), ensure_ascii=False) if name in LIST_FIELDS else value)
    row += [normalize_title(title.title), normalize_title(title.original_title) or None, chars, names]
    row.append(int(is_anime(title.genres, title.country, title.language)))  # decided once, here (format 6)
    return row


def _checksum_add(digest: Any, title: Title) -> None:
    digest.update(json.dumps(title.to_dict(), sort_keys=True, ensure_ascii=False).encode("utf-8"))
    digest.update(b"\n")


@dataclass
class _CatalogRead:
    """What publish reads off the titles in one pass (the second writes the build's catalog): a build streams
    its catalog from the working store rather than hold 1.3M Title objects (issue 24)."""

    ids: list[str]
    checksum: str
    chars: list[int]
    names: StoryNames
    columns: CatalogColumns

    @classmethod
    def of(cls, titles: Iterable[Title]) -> _CatalogRead:
        read = cls([], "", [], StoryNames(), CatalogColumns())
        digest = hashlib.sha256()
        for title in titles:
            read.ids.append(title.id)
            read.chars.append(story_chars(title))
            read.names.add(title)
            read.columns.add(title)
            _checksum_add(digest, title)
        read.checksum = digest.hexdigest()
        return read


def _bytes(array: np.ndarray) -> memoryview:
    """An array's bytes without a copy (hashing a 1.3M-title build's vectors copied 666 MB each time)."""
    return np.ascontiguousarray(array).data


def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _shown(titles: Titles, desc: str, progress: bool) -> Iterator[Title]:
    """`titles` with a progress bar (a pass over 1.3M titles read back from the store takes a minute or more)."""
    with tqdm(total=len(titles), desc=desc, unit="title", disable=not progress, dynamic_ncols=True) as bar:
        for title in titles:
            yield title
            bar.update()


def _write_columns(db: Path, folder: Path) -> list[Path]:
    """The catalog's numbers and id lists as arrays, and its per-title strings, made from the catalog just written the
    way a load of a build without them makes them (morelike.build.columns), so the snapshot loads them instead; the
    files written."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        arrays = CatalogArrays.read(con)
        strings = CatalogStrings.read(con)
    except ValueError as exc:
        raise PublishError(f"the catalog cannot be published: {exc}") from None
    finally:
        con.close()
    return [*arrays.save(folder), *strings.save(folder)]


def _write_snapshot_db(path: Path, titles: Iterable[Title], chars: Sequence[int], names: Sequence[str]) -> None:
    con = sqlite3.connect(path)
    try:
        con.executescript(_SNAPSHOT_SCHEMA)
        columns = [
            "key",
            "id",
            "ref",
            *TITLE_FIELDS[1:],
            "norm_title",
            "norm_original_title",
            "story_chars",
            "story_names",
            "anime",
        ]
        sql = f"INSERT INTO titles ({', '.join(f'{chr(34)}{c}{chr(34)}' for c in columns)}) VALUES "
        sql += f"({', '.join('?' * len(columns))})"
        with con:
            con.executemany(sql, (_title_row(key, t, chars[key], names[key]) for key, t in enumerate(titles)))
        refs = con.execute("SELECT COUNT(DISTINCT ref) FROM titles").fetchone()[0]
        if refs != len(chars):  # 1 in ~10^10 at this size; refuse rather than serve the wrong title
            raise PublishError("two title ids share a short ref; rename one of them")
    finally:
        con.close()


def _build_usearch(check: _Reachability, settings: IndexSettings, progress: bool) -> Index:
    n, dim = check.queries.shape
    index = Index(
        ndim=dim,
        metric="cos",
        dtype=settings.dtype,
        connectivity=settings.connectivity,
        expansion_add=settings.expansion_add,
        expansion_search=settings.expansion_search,
    )
    keys = np.arange(n, dtype=np.uint64)
    step = 4096
    with tqdm(total=n, desc="index", unit="title", disable=not progress, dynamic_ncols=True) as bar:
        for start in range(0, n, step):
            index.add(keys[start : start + step], check.graph(np.arange(start, min(n, start + step))))
            bar.update(min(step, n - start))
    return index


def neighbour_count(settings: IndexSettings, n: int) -> int:
    """How many nearest titles a build of `n` titles stores per title (0: none)."""
    if n > NEIGHBOURS_MAX_TITLES or n < 2:
        return 0
    return min(int(settings.neighbours), n - 1)


def _neighbours(index: Index, vectors: np.ndarray, k: int, progress: bool) -> tuple[np.ndarray, np.ndarray]:
    """Each title's `k` nearest other titles by content, nearest first (int32; -1 where fewer exist), from one
    batched HNSW walk per title as wide as a query's own content pool walk (morelike/engine/search.py); and whether
    that walk found the title itself (the reachability check's first pass)."""
    n = len(vectors)
    out = np.full((n, k), -1, dtype=np.int32)
    found_self = np.zeros(n, dtype=bool)
    index.expansion_search = k + 1
    with tqdm(total=n, desc="neighbours", unit="title", disable=not progress, dynamic_ncols=True) as bar:
        for start in range(0, n, NEIGHBOURS_BATCH):
            stop = min(n, start + NEIGHBOURS_BATCH)
            found = index.search(_f32(vectors[start:stop]), k + 1, threads=0)
            keys = np.asarray(found.keys).astype(np.int64)
            counts = np.asarray(found.counts)
            for own, got, count in zip(range(start, stop), keys, counts, strict=True):
                mine = got[:count] == own
                found_self[own] = mine.any()
                others = got[:count][~mine][:k]
                out[own, : len(others)] = others
            bar.update(stop - start)
    return out, found_self


def _identical_groups(stored: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows with byte-identical stored vectors: per row its group, per group its first row and its size."""
    rows = np.ascontiguousarray(stored).view(np.dtype((np.void, stored.dtype.itemsize * stored.shape[1]))).ravel()
    _, first, group, sizes = np.unique(rows, return_index=True, return_inverse=True, return_counts=True)
    return group.ravel(), first, sizes


def _offsets(n: int, dim: int, scale: float, seed: int) -> np.ndarray:
    """`n` random offsets of norm about `scale` (fixed seed: the same catalog makes the same graph input)."""
    return np.random.default_rng(seed).standard_normal((n, dim), dtype=np.float32) * np.float32(scale / math.sqrt(dim))


def _f32(rows: np.ndarray) -> np.ndarray:
    """Rows as the graph is built and searched with: f32 (a batch at a time; a catalog-sized f32 copy of f16
    vectors is 1.3 GB at 1.3M titles)."""
    return rows.astype(np.float32, copy=False)


class _Reachability:
    """Searches of the titles' own vectors over one HNSW graph, and re-insertion of those it misses.

    `queries` are the vectors as published (what a search for a title sends; f16 or f32, read as f32), `graph()`
    what the graph holds per title: the same, but copies of an identical vector `DUPLICATE_SPREAD` apart."""

    index: Index

    def __init__(self, queries: np.ndarray, expansion_search: int) -> None:
        self.queries = queries
        self.expansion_search = expansion_search
        self.group, self.first, self.sizes = _identical_groups(queries)
        copies = np.flatnonzero((self.sizes[self.group] > 1) & queries.any(axis=1))  # a zero vector has no direction
        # Only the copies' offsets are kept (a catalog-sized second matrix is not): row `slot[key]` of `offset`.
        self.slot = np.full(len(queries), -1, dtype=np.int64)
        self.slot[copies] = np.arange(len(copies))
        self.offset = _offsets(len(copies), queries.shape[1], DUPLICATE_SPREAD, seed=0)
        self.copies = len(copies)
        self.repaired = 0
        self.ends: dict[int, np.ndarray] = {}

    def graph(self, keys: np.ndarray) -> np.ndarray:
        """What the graph holds for `keys`: their vectors, a copy's moved by its offset."""
        rows = _f32(self.queries[keys])
        moved = self.slot[keys] >= 0
        rows[moved] += self.offset[self.slot[keys][moved]]
        return rows

    def sieve(self, progress: bool) -> np.ndarray:
        """Whether a quick walk (SIEVE_EXPANSION wide) finds each title's own vector (a walk that finds it, a wider
        one finds too: `unreachable` checks only the others)."""
        n = len(self.queries)
        found_self = np.zeros(n, dtype=bool)
        self.index.expansion_search = SIEVE_EXPANSION
        with tqdm(total=n, desc="reachable", unit="title", disable=not progress, dynamic_ncols=True) as bar:
            for start in range(0, n, NEIGHBOURS_BATCH):
                stop = min(n, start + NEIGHBOURS_BATCH)
                keys = np.asarray(self.index.search(_f32(self.queries[start:stop]), 1, threads=0).keys).reshape(-1)
                found_self[start:stop] = keys == np.arange(start, stop)
                bar.update(stop - start)
        return found_self

    def unreachable(self, rows: np.ndarray) -> np.ndarray:
        """Which of `rows` a search of their own vector misses (sorted keys). One search per distinct vector."""
        rows = np.unique(np.asarray(rows, dtype=np.int64))
        if not len(rows):
            return rows
        groups = self.group[rows]
        order = np.argsort(groups, kind="stable")
        rows, groups = rows[order], groups[order]
        distinct, starts = np.unique(groups, return_index=True)
        members = np.split(rows, starts[1:])
        wanted = SELF_SEARCH_K + self.sizes[distinct] - 1
        missed = []
        for k in np.unique(wanted):
            batch = np.flatnonzero(wanted == k)
            self.index.expansion_search = max(self.expansion_search, int(k))
            found = self.index.search(_f32(self.queries[self.first[distinct[batch]]]), int(k), threads=0)
            keys = np.asarray(found.keys).reshape(len(batch), -1).astype(np.int64)
            for i, got in zip(batch, keys, strict=True):
                lost = members[i][~np.isin(members[i], got)]
                missed.append(lost)
                for key in lost.tolist():  # where the walk ended instead (`repair` may swap them)
                    self.ends[key] = got[(got >= 0) & (got < len(self.queries))][:REPAIR_HOSTS]  # no padding
        return np.sort(np.concatenate(missed))

    def repair(self, missed: np.ndarray) -> np.ndarray:
        """Re-insert `missed` until found (REPAIR_ROUNDS at most); the keys still unfound.

        A re-inserted title links to the graph as it is now and is linked back from its neighbours, unless their
        lists are full of titles nearer them: a far-out title, whose walk ends elsewhere (often among a group of
        copies, every one about as near it), stays unlinked. So from the second round on, such a title takes over
        the graph node where its own search ended instead (usearch re-inserts into freed nodes in the order they
        were freed, and a node keeps the links that lead to it): the walk that ended there now ends at the title.
        The title that held the node is re-inserted into the title's old one, and checked too. A copy of an
        identical vector also comes back with a new, smaller offset, nearer its vector than the other copies."""
        for round_ in range(REPAIR_ROUNDS):
            if not len(missed):
                break
            hosts: list[tuple[int, int]] = []
            if round_:
                copies = missed[(self.sizes[self.group[missed]] > 1) & self.queries[missed].any(axis=1)]
                scale = DUPLICATE_SPREAD / 2**round_
                self.offset[self.slot[copies]] = _offsets(len(copies), self.queries.shape[1], scale, round_)
                hosts = self._hosts(missed)
            breadth = self.index.expansion_add
            # A re-inserted title walks the graph as widely as a search does: it then links to what a search finds.
            self.index.expansion_add = max(breadth, self.expansion_search)
            plain = np.setdiff1d(missed, [key for key, _ in hosts])
            if len(plain):  # one thread: each title gets its own node back
                self.index.remove(plain.astype(np.uint64))
                self.index.add(plain.astype(np.uint64), self.graph(plain), threads=1)
            for key, host in hosts:
                self.index.remove(np.array([host, key], dtype=np.uint64))  # frees the host's node first
                self.index.add(np.array([key, host], dtype=np.uint64), self.graph(np.array([key, host])), threads=1)
            self.index.expansion_add = breadth
            self.repaired += len(missed) + len(hosts)
            missed = self.unreachable(np.union1d(missed, [host for _, host in hosts]))
        return missed

    def _hosts(self, missed: np.ndarray) -> list[tuple[int, int]]:
        """(title, host) pairs: for each of `missed`, the first title its search ended at instead that is free
        to give up its node (not missed itself, not its copy, not another's host)."""
        taken = set(missed.tolist())
        pairs = []
        for key in missed.tolist():
            for host in self.ends.get(key, np.empty(0, dtype=np.int64)).tolist():
                if host not in taken and self.group[host] != self.group[key]:
                    taken.add(host)
                    pairs.append((key, host))
                    break
        return pairs


def _reachable_index(
    queries: np.ndarray, settings: IndexSettings, k: int, progress: bool
) -> tuple[Index, np.ndarray | None, np.ndarray, _Reachability]:
    """The HNSW index of `queries` (the published vectors), checked so that a search of every title's own vector
    finds it and repaired where not; the last pass is the neighbours walk when the build stores neighbours (so they
    are read off the final graph). Returns the index, the neighbours (None when k is 0), the keys still unreachable
    and the checker (its counts)."""
    check = _Reachability(queries, settings.expansion_search)
    index = check.index = _build_usearch(check, settings, progress)
    table = None
    for attempt in range(CHECK_PASSES):
        if k and attempt:
            table, found_self = _neighbours(index, queries, k, progress)
        else:
            found_self = check.sieve(progress)
        # A title whose vector others share is checked in full whatever the quick walk found: among identical
        # vectors its first hit is a tie won by chance, which says nothing of a search a page wide (one search per
        # shared vector, so this costs little). Counted from the quick walk, the manifest could miss a few.
        found_self &= check.sizes[check.group] == 1
        missed = check.unreachable(np.flatnonzero(~found_self))
        if not len(missed) or attempt == CHECK_PASSES - 1:
            break
        check.repair(missed)
    if k and table is None:  # all reachable at the first pass: the graph is final
        table, _ = _neighbours(index, queries, k, progress)
    index.expansion_search = settings.expansion_search
    return index, table, missed, check


def _log_reachability(ids: Sequence[str], unreachable: np.ndarray, check: _Reachability) -> None:
    log.info(
        "event=reachability titles=%d identical_copies=%d reinserted=%d unreachable=%d",
        len(ids),
        check.copies,
        check.repaired,
        len(unreachable),
    )
    if len(unreachable):
        shown = ",".join(ids[int(key)] for key in unreachable[:10])
        log.warning(
            "event=unreachable_titles count=%d of=%d ids=%s%s (a search of their own vector does not find them)",
            len(unreachable),
            len(ids),
            shown,
            ",…" if len(unreachable) > 10 else "",
        )


def _index_settings(settings: IndexSettings) -> dict:
    """The HNSW settings a build is made (and searched) with; a change makes a new build."""
    return {
        "connectivity": settings.connectivity,
        "expansion_add": settings.expansion_add,
        "expansion_search": settings.expansion_search,
        "neighbours": settings.neighbours,
    }


def publish(
    published_dir: Path,
    titles: Titles,
    vectors: np.ndarray,
    *,
    model: str,
    text_recipe: str,
    source: str,
    settings: IndexSettings,
    encoder: dict | None = None,
    progress: bool = False,
    free_text: tuple[str, np.ndarray] | None = None,
) -> PublishResult:
    """Publish `titles` (key = position) with their L2-normalised `vectors` as the new current build; `free_text`
    (model name, L2-normalised vectors in key order) adds /discover's own space beside the story one.

    `titles` is iterated twice (a list, or the working store's `StoredTitles`, which reads them again each time)."""
    started = time.perf_counter()
    if settings.dtype not in DTYPES:
        raise PublishError(f"[index] dtype must be one of {', '.join(DTYPES)}, got {settings.dtype!r}")
    if len(titles) != len(vectors):
        raise PublishError(f"{len(titles)} titles but {len(vectors)} vectors")
    if not titles:
        raise PublishError("nothing to publish: the catalog has no valid titles")
    read = _CatalogRead.of(_shown(titles, "read catalog", progress))
    if len(read.ids) != len(vectors):  # the titles changed under a reader (a store read mid-way): not published
        raise PublishError(f"{len(read.ids)} titles read but {len(vectors)} vectors")
    checksum, chars, names = read.checksum, read.chars, read.names.result()
    stored = vectors.astype(np.float32 if settings.dtype == "f32" else np.float16, copy=False)
    # What the code derived from the catalog (the vectors, each title's story length and names): an upgrade that
    # changes the text recipe's cleaning re-encodes titles of an unchanged catalog, and must publish them.
    derived = hashlib.sha256(_bytes(stored))
    text_model, text_stored = None, None
    if free_text:
        text_model, text_stored = free_text[0], free_text[1].astype(stored.dtype, copy=False)
    if text_stored is not None:
        if len(text_stored) != len(titles):
            raise PublishError(f"{len(titles)} titles but {len(text_stored)} free-text vectors")
        derived.update(f"free_text={text_model}".encode())
        derived.update(_bytes(text_stored))
    derived.update(json.dumps([chars, list(names)], ensure_ascii=False).encode("utf-8"))
    # What "among this title's nearest 0.5 %" means for each title (the franchise rules read it), and what the
    # snapshot would otherwise compute at every load (the franchise graph, works, fame): made once, here. Hashed
    # into the content, so a change to the rules that made them publishes a build of the same catalog again.
    began = time.perf_counter()
    near = nearer_than(stored, np.arange(len(titles)), REMAKE_MIN_PERCENTILE)
    precomputed = read.columns.precomputed(stored, names, near)
    log.info("event=precomputed titles=%d seconds=%.1f", len(titles), time.perf_counter() - began)
    ids = read.ids
    del read  # the columns: what the graph below needs is in `precomputed` now
    trim_heap()
    derived.update(precomputed.digest())
    content = derived.hexdigest()
    published_dir.mkdir(parents=True, exist_ok=True)
    live = current_build(published_dir)
    manifest = published_manifest(published_dir)
    if live is not None and manifest is not None and "build_id" in manifest:
        same = (
            manifest.get("catalog_sha256"),
            manifest.get("model"),
            manifest.get("dtype"),
            manifest.get("text_recipe"),
            manifest.get("format"),
            manifest.get("index"),
            manifest.get("content_sha256"),
        )
        # A build from before the reachability check (no "unreachable" in its manifest) may hide titles: rebuilt.
        checked = isinstance(manifest.get("unreachable"), int)
        wanted = (checksum, model, settings.dtype, text_recipe, FORMAT_VERSION, _index_settings(settings), content)
        if same == wanted and checked:
            seconds = time.perf_counter() - started
            return PublishResult(manifest["build_id"], live, len(titles), seconds, True, manifest["unreachable"])
    # (an unreadable current build is simply replaced)

    builds = published_dir / BUILDS
    builds.mkdir(exist_ok=True)
    build_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f") + "-" + secrets.token_hex(3)  # sorts by time
    tmp = builds / f".{build_id}.tmp"
    tmp.mkdir()
    try:
        _write_snapshot_db(tmp / DB_FILE, _shown(titles, "write catalog", progress), chars, names)
        del names
        columns_files = _write_columns(tmp / DB_FILE, tmp / COLUMNS_DIR)
        began = time.perf_counter()
        resolver_files = write_resolver_index(tmp / DB_FILE, tmp / RESOLVER_DIR)
        trim_heap()
        log.info("event=resolver_index titles=%d seconds=%.1f", len(titles), time.perf_counter() - began)
        np.save(tmp / VECTORS_FILE, stored)
        # A search for a title sends its published vector: the graph is built from, and checked with, those.
        k = neighbour_count(settings, len(ids))
        index, table, unreachable, check = _reachable_index(stored, settings, k, progress)
        index.save(str(tmp / INDEX_FILE))
        if table is not None:
            np.save(tmp / NEIGHBOURS_FILE, table)
        _log_reachability(ids, unreachable, check)
        np.save(tmp / NEAR_FILE, near)
        precomputed_files = precomputed.save(tmp / PRECOMPUTED_DIR)
        del index
        text_files: tuple[str, ...] = ()
        if text_stored is not None:
            # The free-text space gets the same reachability repair: a description must be able to find any title.
            text_index, _, text_unreachable, _ = _reachable_index(text_stored, settings, 0, progress)
            np.save(tmp / TEXT_VECTORS_FILE, text_stored)
            text_index.save(str(tmp / TEXT_INDEX_FILE))
            del text_index
            text_files = (TEXT_VECTORS_FILE, TEXT_INDEX_FILE)
        manifest = {
            "format": FORMAT_VERSION,
            "build_id": build_id,
            "model": model,
            "dimensions": int(vectors.shape[1]),
            "text_recipe": text_recipe,
            "count": len(titles),
            "dtype": settings.dtype,
            "metric": "cos",
            "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "catalog_sha256": checksum,
            "content_sha256": content,
            "source": source,
            "index": _index_settings(settings),  # the reader searches with expansion_search (morelike/engine/search.py)
            "encoder": encoder,  # backend, device, precision that made the vectors (None: not known)
            "neighbours": k,  # nearest titles stored per title in neighbours.npy (0: no file)
            "unreachable": len(unreachable),  # titles a search of their own vector does not find (writer.py)
            # /discover's space: its model and dimensions (None: free text searches the story index)
            "free_text": None
            if text_stored is None
            else {"model": text_model, "dimensions": int(text_stored.shape[1]), "unreachable": len(text_unreachable)},
        }
        (tmp / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n")
        files = (DB_FILE, VECTORS_FILE, INDEX_FILE, MANIFEST_FILE, NEAR_FILE, *([NEIGHBOURS_FILE] if k else []))
        for name in (*files, *text_files):
            _fsync_path(tmp / name)
        for path in (*precomputed_files, *columns_files, *resolver_files):
            _fsync_path(path)
        for folder in (PRECOMPUTED_DIR, COLUMNS_DIR, RESOLVER_DIR):
            _fsync_path(tmp / folder)
        _fsync_path(tmp)
        final = builds / build_id
        os.rename(tmp, final)
        _fsync_path(builds)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    # The swap: readers see the old build or the new one, never a mix.
    link_tmp = published_dir / f".{CURRENT}.{build_id}.tmp"
    os.symlink(Path(BUILDS) / build_id, link_tmp)
    os.replace(link_tmp, published_dir / CURRENT)
    _fsync_path(published_dir)
    prune(published_dir, settings.keep_builds)
    return PublishResult(build_id, final, len(titles), time.perf_counter() - started, unreachable=len(unreachable))


def prune(published_dir: Path, keep: int) -> list[str]:
    """Remove old builds and leftovers of interrupted ones, keeping the newest `keep` (current always kept)."""
    builds = published_dir / BUILDS
    live = current_build(published_dir)
    removed = []
    for leftover in builds.glob(".*.tmp"):
        shutil.rmtree(leftover, ignore_errors=True)
    for stale_link in published_dir.glob(f".{CURRENT}.*.tmp"):
        stale_link.unlink(missing_ok=True)
    done = sorted((p for p in builds.iterdir() if p.is_dir() and not p.name.startswith(".")), reverse=True)
    for old in done[max(keep, 1) :]:
        if live is not None and old.resolve() == live:
            continue
        shutil.rmtree(old, ignore_errors=True)
        removed.append(old.name)
    return removed
