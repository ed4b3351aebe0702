"""The catalog's per-title numbers and id lists as arrays: what the snapshot reads from a build's catalog for the
ranking and the filters (kinds, years, ratings, genres as bits, people as id lists, services, ...).

`CatalogArrays.read` makes them from a build's catalog.sqlite, the one definition of how its columns become arrays
(a missing year 0, a missing vote count -1, people interned in key order, cast before directors). The writer calls it
on the catalog it has just written and stores the arrays in the build's `columns/` folder; the snapshot loads those
(`CatalogArrays.load`) and reads only the strings from SQLite. A build without the folder (published before it
existed) is read with `CatalogArrays.read` at load, as every load did before: parsing three JSON columns and
interning every credited name took 13 of the 24 s that a 1.3M-title build took to load (issue 24).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, fields
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np

from morelike.build.precomputed import add_arrays, save_arrays
from morelike.catalog.records import KIND_CODE
from morelike.catalog.watch import service_bits
from morelike.idlists import IdLists
from morelike.titleindex import Strings

# The catalog columns the arrays are made of, in the order `read` unpacks them.
_SELECT = (
    'kind, year, runtime, genres, rating, votes, language, popularity, "cast", directors, story_chars, '
    "rating_source, anime, sources"
)
_NAMES_FILE = "names.json"  # the three name lists; every other field is <field>.npy (an IdLists: .ptr and .ids)
_NAME_LISTS = ("languages", "genre_names", "people_names")
MAX_GENRES = 64  # genre_bits is a uint64


@dataclass
class CatalogArrays:
    kinds: np.ndarray  # int8, catalog.records.KIND_CODE
    years: np.ndarray  # int16, 0: unknown
    runtimes: np.ndarray  # int32, -1: unknown
    ratings: np.ndarray  # f32, NaN: unknown
    votes: np.ndarray  # int64, -1: unknown
    vote_sources: np.ndarray  # int16, one code per rating source (in order of first appearance)
    popularity: np.ndarray  # f32, 0: unknown
    lang_codes: np.ndarray  # int16 into `languages`, -1: unknown
    languages: list[str]
    genre_bits: np.ndarray  # uint64, bit i: genre_names[i]
    genre_names: list[str]
    cast: IdLists  # title -> person ids (into `people_names`), billing order
    directors: IdLists
    people_names: list[str]
    story: np.ndarray  # bool: the title has a synopsis of its own
    anime: np.ndarray  # bool
    services: np.ndarray  # uint16, morelike.catalog.watch.SERVICE_BIT per title

    @classmethod
    def read(cls, con: sqlite3.Connection) -> CatalogArrays:
        """The arrays of a build's catalog (keys 0..n-1). Column by column: zip(*rows) and numpy's conversions run
        in C, where a loop over 1.3M rows in Python cost most of a 38 s load. ValueError past MAX_GENRES genres."""
        rows = con.execute(f"SELECT {_SELECT} FROM titles ORDER BY key").fetchall()
        n = len(rows)
        cols = list(zip(*rows, strict=True)) if n else [()] * (_SELECT.count(",") + 1)
        del rows
        (kind_c, year_c, runtime_c, genres_c, rating_c, vote_c, lang_c, pop_c, cast_c, dirs_c, story_c, source_c,
         anime_c, sources_c) = cols  # fmt: skip
        kinds = np.zeros(n, dtype=np.int8)
        kind_arr = np.asarray(kind_c, dtype=object)
        for name, code in KIND_CODE.items():
            kinds[kind_arr == name] = code
        # Most rows name no service, and the rest share a few combinations of tags: one JSON parse per distinct
        # string of source tags.
        bits_of = {raw: service_bits(json.loads(raw)) if "watch" in raw else 0 for raw in dict.fromkeys(sources_c)}
        source_idx = {src: i for i, src in enumerate(dict.fromkeys(v or "" for v in source_c))}
        lowered = [lang.lower() if lang else None for lang in lang_c]
        lang_idx = {lang: i for i, lang in enumerate(dict.fromkeys(v for v in lowered if v is not None))}
        # One JSON parse per column (a C call over one string) instead of three json.loads per title.
        genre_col = json.loads("[" + ",".join(genres_c) + "]")
        cast_col = json.loads("[" + ",".join(cast_c) + "]")
        dir_col = json.loads("[" + ",".join(dirs_c) + "]")
        genre_idx = {g: i for i, g in enumerate(dict.fromkeys(chain.from_iterable(genre_col)))}
        if len(genre_idx) > MAX_GENRES:
            raise ValueError(f"{len(genre_idx)} genres; the engine handles {MAX_GENRES}")
        genre_bits = np.zeros(n, dtype=np.uint64)
        for i, gl in enumerate(genre_col):
            bits = 0
            for g in gl:
                bits |= 1 << genre_idx[g]
            genre_bits[i] = bits
        # People: every name once, in order of first appearance (cast before directors, title by title), then each
        # list as ids through a dict lookup run by map().
        both = (p for cl, dl in zip(cast_col, dir_col, strict=True) for p in chain(cl, dl))
        people = {p: i for i, p in enumerate(dict.fromkeys(both))}
        return cls(
            kinds=kinds,
            years=_filled(year_c, 0, np.int16),
            runtimes=_filled(runtime_c, -1, np.int32),
            ratings=np.array(rating_c, dtype=np.float64).astype(np.float32),
            votes=_filled(vote_c, -1, np.int64),
            vote_sources=np.fromiter((source_idx[v or ""] for v in source_c), dtype=np.int16, count=n),
            popularity=_filled(pop_c, 0.0, np.float32),
            lang_codes=np.fromiter((lang_idx[v] if v is not None else -1 for v in lowered), dtype=np.int16, count=n),
            languages=list(lang_idx),
            genre_bits=genre_bits,
            genre_names=list(genre_idx),
            cast=_id_lists(cast_col, people),
            directors=_id_lists(dir_col, people),
            people_names=list(people),
            story=np.fromiter(map(bool, story_c), dtype=bool, count=n),
            anime=np.fromiter(map(bool, anime_c), dtype=bool, count=n),
            services=np.fromiter(map(bits_of.__getitem__, sources_c), dtype=np.uint16, count=n),
        )

    @classmethod
    def blank(cls, n: int, **given) -> CatalogArrays:
        """Arrays for `n` titles of which nothing is known but what `given` says (a snapshot over generated data:
        bench and tests): every title with a story of its own, no year, votes, rating, genres, people or service."""
        empty = IdLists(np.zeros(n + 1, dtype=np.int32), np.zeros(0, dtype=np.int32))
        unknown: dict[str, Any] = {
            "kinds": np.zeros(n, np.int8),
            "years": np.zeros(n, np.int16),
            "runtimes": np.full(n, -1, np.int32),
            "ratings": np.full(n, np.nan, np.float32),
            "votes": np.full(n, -1, np.int64),
            "vote_sources": np.zeros(n, np.int16),
            "popularity": np.zeros(n, np.float32),
            "lang_codes": np.full(n, -1, np.int16),
            "languages": [],
            "genre_bits": np.zeros(n, np.uint64),
            "genre_names": [],
            "cast": empty,
            "directors": empty,
            "people_names": [],
            "story": np.ones(n, bool),
            "anime": np.zeros(n, bool),
            "services": np.zeros(n, np.uint16),
        }
        return cls(**(unknown | {name: value for name, value in given.items() if value is not None}))

    # -- on disk ---------------------------------------------------------------------------------------------
    def save(self, folder: Path) -> list[Path]:
        """Write every field into `folder` (created): the files written."""
        written = save_arrays(folder, self._arrays())
        names = {name: getattr(self, name) for name in _NAME_LISTS}
        (folder / _NAMES_FILE).write_text(json.dumps(names, ensure_ascii=False), encoding="utf-8")
        return [*written, folder / _NAMES_FILE]

    @classmethod
    def load(cls, folder: Path, count: int) -> CatalogArrays:
        """Read what `save` wrote for a build of `count` titles. ValueError when a file does not fit (OSError when
        one is missing)."""
        expected = {f.name: None for f in fields(cls) if f.name not in _NAME_LISTS}
        read: dict = {}
        for name in expected:
            if name in ("cast", "directors"):
                ptr = np.load(folder / f"{name}.ptr.npy", allow_pickle=False)
                ids = np.load(folder / f"{name}.ids.npy", allow_pickle=False)
                if ptr.shape != (count + 1,) or ptr.dtype != np.int32 or ids.dtype != np.int32 or ptr[-1] != len(ids):
                    raise ValueError(f"{name}.ptr.npy and {name}.ids.npy do not fit {count} titles")
                read[name] = IdLists(ptr, ids)
            else:
                array = np.load(folder / f"{name}.npy", allow_pickle=False)
                if array.shape != (count,):
                    raise ValueError(f"{name}.npy does not hold one value per title")
                read[name] = array
        names = json.loads((folder / _NAMES_FILE).read_text(encoding="utf-8"))
        for name in _NAME_LISTS:
            if not isinstance(names.get(name), list):
                raise ValueError(f"{_NAMES_FILE} lacks {name}")
            read[name] = names[name]
        out = cls(**read)
        # Every field its own dtype, as `read` makes it: a file of another build's making would rank wrongly.
        made = {f.name: getattr(out, f.name).dtype for f in fields(cls) if isinstance(getattr(out, f.name), np.ndarray)}
        if made != _DTYPES:
            raise ValueError("a column file has an unexpected type")
        return out

    def _arrays(self) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, IdLists):
                out[f"{f.name}.ptr"], out[f"{f.name}.ids"] = value.ptr, value.ids
            elif isinstance(value, np.ndarray):
                out[f.name] = value
        return out


_DTYPES = {
    "kinds": np.dtype(np.int8),
    "years": np.dtype(np.int16),
    "runtimes": np.dtype(np.int32),
    "ratings": np.dtype(np.float32),
    "votes": np.dtype(np.int64),
    "vote_sources": np.dtype(np.int16),
    "popularity": np.dtype(np.float32),
    "lang_codes": np.dtype(np.int16),
    "genre_bits": np.dtype(np.uint64),
    "story": np.dtype(bool),
    "anime": np.dtype(bool),
    "services": np.dtype(np.uint16),
}


def _filled(column, unknown, dtype) -> np.ndarray:
    """A column of numbers or None as `dtype`, None read as `unknown` (numpy reads None as NaN in a float array)."""
    values = np.array(column, dtype=np.float64)
    return np.where(np.isnan(values), unknown, values).astype(dtype)


def _id_lists(lists: list[list[str]], ids: dict[str, int]) -> IdLists:
    """Names per row as an IdLists of their ids in `ids`."""
    ptr = np.zeros(len(lists) + 1, dtype=np.int32)
    np.cumsum(np.fromiter(map(len, lists), dtype=np.int64, count=len(lists)), out=ptr[1:])
    flat = np.fromiter(map(ids.__getitem__, chain.from_iterable(lists)), dtype=np.int32, count=int(ptr[-1]))
    return IdLists(ptr, flat)


# The snapshot's per-title strings (catalog columns, in the order `CatalogStrings` holds them): read from the catalog
# in one query, or stored by the build beside the arrays as string columns (`Strings`) and split into lists at load:
# at 1.3M titles the query and the unzipping of its rows took 5.5 of a load's 8.3 s.
_STRING_COLUMNS = ("id", "ref", "title", "collection", "norm_title", "story_names")


@dataclass
class CatalogStrings:
    ids: list[str]
    refs: list[str]
    titles: list[str]
    collections: list[str | None]
    norms: list[str]
    story_names: list[str]

    @classmethod
    def read(cls, con: sqlite3.Connection) -> CatalogStrings:
        """The strings of a build's catalog (keys 0..n-1): the one definition, which the build stores.
        ValueError when the keys are not 0..n-1."""
        rows = con.execute(f"SELECT key, {', '.join(_STRING_COLUMNS)} FROM titles ORDER BY key").fetchall()
        n = len(rows)
        if n and (rows[0][0], rows[-1][0]) != (0, n - 1):
            raise ValueError("the catalog's keys are not 0..n-1")
        cols = list(zip(*rows, strict=True)) if n else [()] * (len(_STRING_COLUMNS) + 1)
        del rows
        _, ids, refs, titles, collections, norms, names = cols
        return cls(list(ids), list(refs), list(titles), list(collections), list(norms), list(names))

    def save(self, folder: Path) -> list[Path]:
        """Into `folder` (made by CatalogArrays.save) as `text.<column>.blob.npy` and `.off.npy`."""
        arrays: dict[str, np.ndarray] = {}
        for column, values in zip(_STRING_COLUMNS, self._lists(), strict=True):
            arrays |= Strings.of(value or "" for value in values).arrays(f"text.{column}")
        return add_arrays(folder, arrays)

    @classmethod
    def load(cls, folder: Path, count: int) -> CatalogStrings | None:
        """What `save` wrote for a build of `count` titles; None when the build has none (one published before
        them). ValueError when a column does not fit."""
        if not (folder / f"text.{_STRING_COLUMNS[0]}.off.npy").is_file():
            return None
        lists = []
        for column in _STRING_COLUMNS:
            name = f"text.{column}"
            arrays = {f"{name}.{part}": np.load(folder / f"{name}.{part}.npy") for part in ("blob", "off")}
            strings = Strings.from_arrays(arrays, name)
            if len(strings) != count:
                raise ValueError(f"{name} does not hold one string per title")
            lists.append(strings.decode(0, count))
        ids, refs, titles, collections, norms, names = lists
        return cls(ids, refs, titles, [c or None for c in collections], norms, names)

    def _lists(self) -> tuple[list, ...]:
        return (self.ids, self.refs, self.titles, self.collections, self.norms, self.story_names)
