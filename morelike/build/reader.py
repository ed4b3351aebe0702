"""Reading a published build: the bot's (and bench's) view of what the indexer published.

`open_published` resolves the `current` symlink once and opens every file from that one build folder, so the
DB, the vectors and the index always belong together, whatever a concurrent publish does. The open handles keep
the build readable even after a later publish prunes its folder.

Each resource has one owner: the `Published` until something takes it over (`take_db`, as `Snapshot.load`
does), and whoever opens a `Published` closes it (`with open_published(...) as pub:`) or hands it on.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from usearch.index import Index

from morelike.build.columns import CatalogArrays, CatalogStrings
from morelike.build.layout import (
    COLUMNS_DIR,
    DB_FILE,
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
)
from morelike.build.names import load_index as load_resolver_index
from morelike.build.precomputed import Precomputed
from morelike.titleindex import TitleIndex


class PublishedError(RuntimeError):
    """No usable published build; the message says what to do."""


@dataclass(frozen=True)
class FreeTextSpace:
    """The catalog's texts under /discover's model (`[model] free_text`): row i = key i, memory-mapped."""

    model: str
    vectors: np.ndarray
    index: Index


@dataclass
class Published:
    build_dir: Path
    manifest: dict
    db_path: Path
    db: sqlite3.Connection | None  # opened with the build: its files stay readable if a later publish prunes them
    vectors: np.ndarray  # memory-mapped, row i = key i, L2-normalised
    index: Index  # memory-mapped view
    neighbours: np.ndarray | None = None  # memory-mapped (count, k) int32, each title's nearest; None: not stored
    near: np.ndarray | None = None  # (count,) f32: the cosine of each title's nearest 0.5 % (format 4)
    free_text: FreeTextSpace | None = None  # /discover's own space, when the build has one
    # What the build computed once for the snapshot (format 7: the franchise graph, works, fame); None: the
    # snapshot computes it from its columns (as every load did before format 7)
    precomputed: Precomputed | None = None
    # The catalog's numbers and id lists, stored ready by the build (morelike.build.columns); None: a build from
    # before, whose snapshot reads them from the catalog
    columns: CatalogArrays | None = None
    # The catalog's per-title strings, stored the same way (a build from before them: None, read from the catalog)
    strings: CatalogStrings | None = None
    # The title resolver's index, stored by the build (morelike.build.names); None: the snapshot makes it
    resolver: TitleIndex | None = None

    @property
    def build_id(self) -> str:
        return self.manifest["build_id"]

    def take_db(self) -> sqlite3.Connection:
        """Hand the open catalog connection to a new owner (who closes it); this Published no longer holds it."""
        if self.db is None:
            raise PublishedError(f"The connection to build {self.build_id} was already handed over or closed.")
        db, self.db = self.db, None
        return db

    def close(self) -> None:
        if self.db is not None:
            db, self.db = self.db, None
            db.close()

    def __enter__(self) -> Published:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def published_dir_of(state_dir: str | Path) -> Path:
    return Path(state_dir) / "published"


def current_build_id(state_dir: str | Path) -> str | None:
    """The build id `current` points at now (cheap: used to poll for hot reloads)."""
    build = current_build(published_dir_of(state_dir))
    return build.name if build else None


def open_published(
    state_dir: str | Path, expect_model: str | None = None, expect_recipe: str | None = None
) -> Published:
    published = published_dir_of(state_dir)
    build = current_build(published)
    if build is None:
        raise PublishedError(f"No index published yet in {published}: run `python -m indexer build` first.")
    try:
        manifest = json.loads((build / MANIFEST_FILE).read_text())
    except (OSError, ValueError) as exc:
        raise PublishedError(
            f"The published build {build.name} has no readable manifest ({exc}); rebuild it."
        ) from None
    if manifest.get("format") != FORMAT_VERSION:
        raise PublishedError(
            f"The published build {build.name} has format {manifest.get('format')}, this code reads "
            f"{FORMAT_VERSION}: rebuild with `python -m indexer build`."
        )
    if expect_model is not None and manifest.get("model") != expect_model:
        raise PublishedError(
            f"The published index was built with model '{manifest.get('model')}' but bot.toml sets "
            f"'{expect_model}': rebuild with `python -m indexer build` or change [model] name back."
        )
    if expect_recipe is not None and manifest.get("text_recipe") != expect_recipe:
        # Same model, other text: query vectors (free text, blends) and stored ones would not be comparable.
        raise PublishedError(
            f"The published index was built with text recipe '{manifest.get('text_recipe')}' but bot.toml sets "
            f"'{expect_recipe}': rebuild with `python -m indexer build` or change [model] text_recipe back."
        )
    try:
        vectors = np.load(build / VECTORS_FILE, mmap_mode="r")
        index = Index.restore(str(build / INDEX_FILE), view=True)
        k = int(manifest.get("neighbours") or 0)
        neighbours = np.load(build / NEIGHBOURS_FILE, mmap_mode="r") if k else None
        near = np.load(build / NEAR_FILE)
        count = int(manifest["count"])
        precomputed = Precomputed.load(build / PRECOMPUTED_DIR, count)
        stored = (build / COLUMNS_DIR).is_dir()
        columns = CatalogArrays.load(build / COLUMNS_DIR, count) if stored else None
        strings = CatalogStrings.load(build / COLUMNS_DIR, count) if stored else None
        resolver = load_resolver_index(build / RESOLVER_DIR, count) if (build / RESOLVER_DIR).is_dir() else None
        free_text = _free_text(build, manifest)
        # immutable=1: the snapshot never changes after publish, so SQLite may skip all locking.
        db = sqlite3.connect(f"file:{build / DB_FILE}?mode=ro&immutable=1", uri=True, check_same_thread=False)
    except (OSError, ValueError, RuntimeError, KeyError, sqlite3.Error) as exc:
        raise PublishedError(f"The published build {build.name} cannot be read ({exc}); rebuild it.") from None
    try:
        db.execute("SELECT 1 FROM titles LIMIT 1")  # reads the schema now, while the file is surely there
    except sqlite3.Error as exc:
        db.close()
        raise PublishedError(f"The published build {build.name} cannot be read ({exc}); rebuild it.") from None
    bad_neighbours = neighbours is not None and (neighbours.shape != (count, k) or neighbours.dtype != np.int32)
    bad_near = near.shape != (count,) or near.dtype != np.float32
    bad_free_text = free_text is not None and not _fits(
        free_text.vectors, free_text.index, count, manifest["free_text"]["dimensions"]
    )
    if not _fits(vectors, index, count, manifest["dimensions"]) or bad_neighbours or bad_near or bad_free_text:
        db.close()
        raise PublishedError(f"The published build {build.name} is inconsistent with its manifest; rebuild it.")
    return Published(
        build, manifest, build / DB_FILE, db, vectors, index, neighbours, near, free_text, precomputed, columns,
        strings, resolver,
    )  # fmt: skip


def _free_text(build: Path, manifest: dict) -> FreeTextSpace | None:
    """The build's free-text space (memory-mapped), or None when it has none."""
    described = manifest.get("free_text")
    if not described:
        return None
    vectors = np.load(build / TEXT_VECTORS_FILE, mmap_mode="r")
    index = Index.restore(str(build / TEXT_INDEX_FILE), view=True)
    return FreeTextSpace(str(described["model"]), vectors, index)


def _fits(vectors: np.ndarray, index: Index | None, count: int, dimensions: int) -> bool:
    """A space (vectors and their index) holds one row per title, of the manifest's dimensions."""
    return index is not None and len(index) == count and vectors.shape == (count, dimensions)
