"""The title resolver's index for a build's catalog (`resolver/`): made by the publish from the catalog it has just
written, mapped by the snapshot at load (morelike.titleindex). A build without it (published before it existed) gets
the same index made from its catalog by `catalog_rows`, the one definition of a catalog row's names, ids and
popularity as the resolver reads them."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np

from morelike.build.precomputed import save_arrays
from morelike.titleindex import ResolverRow, TitleIndex

_SELECT = (
    "key, id, ref, title, original_title, year, kind, votes, popularity, imdb_id, trakt_id, trakt_slug, tmdb_id, "
    "aliases"
)


def catalog_rows(con: sqlite3.Connection) -> list[ResolverRow]:
    """Every title of a build's catalog as the resolver reads it, in key order (popularity: `resolver_popularity`)."""
    rows = con.execute(f"SELECT {_SELECT} FROM titles ORDER BY key").fetchall()
    if not rows:
        return []
    (keys, ids, refs, titles, originals, years, kinds, votes, pops, imdb, trakt, slugs, tmdb,
     aliases) = zip(*rows, strict=True)  # fmt: skip
    del rows
    popularity = resolver_popularity(
        np.asarray([v if v is not None else -1 for v in votes], dtype=np.int64),
        np.asarray([p or 0.0 for p in pops], dtype=np.float32),
    )
    names = [tuple(json.loads(a)) if a and a != "[]" else () for a in aliases]
    return list(
        map(
            ResolverRow,
            keys,
            ids,
            titles,
            originals,
            [year or None for year in years],
            kinds,
            popularity.tolist(),
            imdb,
            trakt,
            slugs,
            tmdb,
            refs,
            names,
        )
    )


def resolver_popularity(votes: np.ndarray, popularity: np.ndarray) -> np.ndarray:
    """How well known each title is to the resolver (f64): its vote count (-1: unknown, read as 0) plus its source's
    popularity (f32), the snapshot's arrays as they hold them. A title many people rated is a title people type."""
    return np.maximum(votes, 0).astype(np.float64) + popularity.astype(np.float64)


def write_index(db: Path, folder: Path) -> list[Path]:
    """The resolver's index of the catalog in `db`, saved in `folder`: the files written."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = catalog_rows(con)
    finally:
        con.close()
    index = TitleIndex.compute(rows)
    del rows
    return save_arrays(folder, index.arrays())


def load_index(folder: Path, count: int) -> TitleIndex:
    """What `write_index` saved, memory-mapped. ValueError when it does not fit a catalog of `count` titles (OSError or
    KeyError when a file is missing)."""
    arrays = {path.name.removesuffix(".npy"): np.load(path, mmap_mode="r") for path in folder.glob("*.npy")}
    return TitleIndex.from_arrays(arrays, count)
