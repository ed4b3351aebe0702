"""What the build computes once from the catalog alone, for the engine to load instead of recompute: the franchise
graph (morelike.franchise.graph), one id per work (the catalog's duplicate rows of one film) and each title's fame.

Made at publish (`Precomputed.of_titles`), stored as .npy files in the build's `precomputed/` folder (format 7), read
back by the reader (`Precomputed.load`). A snapshot over generated data (bench, tests) has no build and computes the
same arrays from its own columns (`Precomputed.compute`, the one definition both paths call). Before format 7 the
snapshot computed them at every load: about 1 s of the bundled catalog's 2-3 s, and more than linearly so at a
Trakt-size catalog (issue 24).
"""

from __future__ import annotations

import hashlib
from array import array as _ints  # compact int columns while a build reads its titles
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from morelike.catalog.normalize import normalize_title
from morelike.catalog.records import KIND_CODE, Title
from morelike.franchise.graph import FranchiseGraph
from morelike.idlists import IdLists

# Per-title int32 columns of the graph, then its id lists (each stored as <name>.ptr.npy and <name>.ids.npy).
_GRAPH_COLUMNS = ("stem_codes", "series_stem", "groups", "named_groups", "nodes")
_GRAPH_LISTS = ("kin", "named_members", "group_members")
_NUMBERED = "numbered_stems"  # the stems some title numbers, as a sorted array of strings
_LISTS = (*_GRAPH_LISTS, "work_members")
# The files of `precomputed/`, <stem>.npy each, in the order `digest` hashes them.
STEMS = (_NUMBERED, *_GRAPH_COLUMNS, *(f"{name}.{part}" for name in _LISTS for part in ("ptr", "ids")), "works", "fame")


def fame(votes: np.ndarray, sources: np.ndarray) -> np.ndarray:
    """Per title, how well known it is: the share of titles rated by the same source (`rating_source`) that have
    fewer votes, in (0, 1]; 0 for a title without votes. Raw counts are not comparable across sources (an IMDb
    count is ~100x a TMDB one: "Heat" (1995) has 5,629 TMDB votes, "Batman" (1989) 370,675 IMDb votes), and a fan's
    answers are the well-known titles of a kind (bench/README.md, issue 19)."""
    out = np.zeros(len(votes), dtype=np.float32)
    for code in np.unique(sources):
        rows = np.flatnonzero((sources == code) & (votes > 0))
        if len(rows):
            counts = np.sort(votes[rows])  # equal counts get equal fame
            out[rows] = np.searchsorted(counts, votes[rows], side="right").astype(np.float32) / len(rows)
    return out


def work_ids(kinds: np.ndarray, norms: Sequence[str], years: np.ndarray) -> np.ndarray:
    """One id per work (kind, normalised title, year): the catalog lists some films more than once ("Titanic" 1997
    three times), and a duplicate is never an answer, nor two rows of one work (issue 19)."""
    ids: dict[tuple[int, str, int], int] = {}
    return np.fromiter(
        (ids.setdefault((int(k), nt, int(y)), len(ids)) for k, nt, y in zip(kinds, norms, years, strict=True)),
        dtype=np.int32,
        count=len(norms),
    )


@dataclass(frozen=True)
class Precomputed:
    """The arrays a build stores for its snapshot (row i = key i)."""

    graph: FranchiseGraph
    works: np.ndarray  # int32: one id per work (`work_ids`)
    work_members: IdLists  # work id -> keys
    fame: np.ndarray  # f32: how well known each title is among those rated by the same source (`fame`)

    @classmethod
    def compute(
        cls,
        *,
        titles: Sequence[str],
        norms: Sequence[str],
        collections: Sequence[str | None] | None,
        cast: IdLists,
        directors: IdLists,
        kinds: np.ndarray,
        years: np.ndarray,
        votes: np.ndarray,
        vote_sources: np.ndarray,
        vectors: np.ndarray,
        story_names: Sequence[str] | None,
        near: np.ndarray | None,
    ) -> Precomputed:
        """The arrays of a catalog given as the snapshot holds it: person ids per title (`cast`, `directors`),
        `kinds` (KIND_CODE), `years` (0: none), `votes` (-1: none), `vote_sources` (an int per rating source),
        the story vectors, the synopses' names and each title's nearest-0.5 % cosine (None: read off the sample)."""
        works = work_ids(kinds, norms, years)
        return cls(
            graph=FranchiseGraph.compute(titles, norms, collections, cast, directors, vectors, story_names, near),
            works=works,
            work_members=IdLists.grouped(works),
            fame=fame(votes, vote_sources),
        )

    @classmethod
    def of_titles(
        cls, titles: Iterable[Title], vectors: np.ndarray, story_names: Sequence[str], near: np.ndarray
    ) -> Precomputed:
        """The arrays of the catalog a build publishes (see `CatalogColumns`)."""
        columns = CatalogColumns()
        for title in titles:
            columns.add(title)
        return columns.precomputed(vectors, story_names, near)

    # -- on disk ---------------------------------------------------------------------------------------------
    def arrays(self) -> dict[str, np.ndarray]:
        """Every stored array by file stem, in a fixed order (what `save` writes and `digest` hashes)."""
        flat: dict[str, np.ndarray] = {_NUMBERED: np.asarray(sorted(self.graph.numbered_stems), dtype=str)}
        flat |= {name: getattr(self.graph, name) for name in _GRAPH_COLUMNS}
        for name in _LISTS:
            lists = self.work_members if name == "work_members" else getattr(self.graph, name)
            flat[f"{name}.ptr"], flat[f"{name}.ids"] = lists.ptr, lists.ids
        flat["works"], flat["fame"] = self.works, self.fame
        return {name: flat[name] for name in STEMS}

    def save(self, folder: Path) -> list[Path]:
        """Write the arrays into `folder` (created); the files written."""
        return save_arrays(folder, self.arrays())

    def digest(self) -> bytes:
        """A hash of every array: a change to the rules that made them changes a build's content."""
        h = hashlib.sha256()
        for name, array in self.arrays().items():
            h.update(f"{name}:{array.dtype.str}:{array.shape}".encode())
            h.update(np.ascontiguousarray(array).tobytes())
        return h.digest()

    @classmethod
    def load(cls, folder: Path, count: int) -> Precomputed:
        """Read what `save` wrote for a build of `count` titles. ValueError when a file does not fit (OSError when
        one is missing)."""
        read = {name: np.load(folder / f"{name}.npy", allow_pickle=False) for name in STEMS}
        for name in (*_GRAPH_COLUMNS, "works"):
            if read[name].shape != (count,) or read[name].dtype != np.int32:
                raise ValueError(f"{name}.npy does not hold one int32 per title")
        if read["fame"].shape != (count,) or read["fame"].dtype != np.float32:
            raise ValueError("fame.npy does not hold one f32 per title")
        if read[_NUMBERED].ndim != 1 or read[_NUMBERED].dtype.kind != "U":
            raise ValueError(f"{_NUMBERED}.npy holds no list of strings")

        def lists(name: str) -> IdLists:
            ptr, ids = read[f"{name}.ptr"], read[f"{name}.ids"]
            if ptr.ndim != 1 or not len(ptr) or ptr.dtype != np.int32 or ids.dtype != np.int32 or ptr[-1] != len(ids):
                raise ValueError(f"{name}.ptr.npy and {name}.ids.npy do not fit each other")
            return IdLists(ptr, ids)

        stored: dict[str, Any] = {name: read[name] for name in _GRAPH_COLUMNS}  # the arrays, then the id lists
        stored |= {name: lists(name) for name in _GRAPH_LISTS}
        graph = FranchiseGraph(numbered_stems=frozenset(read[_NUMBERED].tolist()), **stored)
        return cls(graph=graph, works=read["works"], work_members=lists("work_members"), fame=read["fame"])


def save_arrays(folder: Path, arrays: dict[str, np.ndarray]) -> list[Path]:
    """Each array as `<name>.npy` in `folder` (created): the files written (a build's `precomputed/`, `columns/`)."""
    folder.mkdir()
    return add_arrays(folder, arrays)


def add_arrays(folder: Path, arrays: dict[str, np.ndarray]) -> list[Path]:
    """Each array as `<name>.npy` in `folder`, which exists: the files written."""
    written = []
    for name, array in arrays.items():
        np.save(folder / f"{name}.npy", array, allow_pickle=False)
        written.append(folder / f"{name}.npy")
    return written


class CatalogColumns:
    """The columns `Precomputed` is made of, read off a build's records one at a time (`add`, in key order) the way
    the snapshot reads them back from the build's catalog (people interned in key order, cast before directors; a
    missing year 0, a missing vote count -1), so both give the same arrays. Compact columns, not the records: a
    build of 1.3M titles streams its catalog instead of holding every Title (issue 24)."""

    def __init__(self) -> None:
        self.titles: list[str] = []
        self.norms: list[str] = []
        self.collections: list[str | None] = []
        self._people: dict[str, int] = {}
        self._sources: dict[str, int] = {}
        # CSR (ptr, ids) per role, as IdLists holds them
        self._lists = {role: (_ints("i", [0]), _ints("i")) for role in ("cast", "directors")}
        self._kinds, self._years = _ints("b"), _ints("h")
        self._votes, self._vote_sources = _ints("q"), _ints("h")

    def add(self, t: Title) -> None:
        self.titles.append(t.title)
        self.norms.append(normalize_title(t.title))
        self.collections.append(t.collection)
        intern = self._people.setdefault
        for role, people in (("cast", t.cast), ("directors", t.directors)):
            ptr, ids = self._lists[role]
            ids.extend(intern(p, len(self._people)) for p in people)
            ptr.append(len(ids))
        self._kinds.append(KIND_CODE.get(t.kind, 0))
        self._years.append(t.year or 0)
        self._votes.append(-1 if t.votes is None else t.votes)
        self._vote_sources.append(self._sources.setdefault(t.rating_source or "", len(self._sources)))

    def _id_lists(self, role: str) -> IdLists:
        ptr, ids = self._lists[role]
        return IdLists(np.frombuffer(ptr, dtype=np.int32).copy(), np.frombuffer(ids, dtype=np.int32).copy())

    def precomputed(self, vectors: np.ndarray, story_names: Sequence[str], near: np.ndarray) -> Precomputed:
        return Precomputed.compute(
            titles=self.titles,
            norms=self.norms,
            collections=self.collections if any(self.collections) else None,
            cast=self._id_lists("cast"),
            directors=self._id_lists("directors"),
            kinds=np.frombuffer(self._kinds, dtype=np.int8).copy(),
            years=np.frombuffer(self._years, dtype=np.int16).copy(),
            votes=np.frombuffer(self._votes, dtype=np.int64).copy(),
            vote_sources=np.frombuffer(self._vote_sources, dtype=np.int16).copy(),
            vectors=vectors,
            story_names=story_names,
            near=near,
        )
