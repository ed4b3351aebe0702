"""Lists of int ids per row as CSR arrays (title -> people, person -> titles, series -> titles): the compact shape the
build stores and the snapshot holds (build and engine)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass
class IdLists:
    """One list of int ids per row, as CSR arrays: title -> people (name ids), person -> titles, series -> titles.
    A few MB for the whole catalog."""

    ptr: np.ndarray  # int32, len n+1
    ids: np.ndarray  # int32

    def of(self, key: int) -> np.ndarray:
        return self.ids[self.ptr[key] : self.ptr[key + 1]]

    @classmethod
    def from_lists(cls, lists: Sequence[Sequence[int]]) -> IdLists:
        """Row i lists `lists[i]`."""
        ptr = np.zeros(len(lists) + 1, dtype=np.int32)
        np.cumsum([len(x) for x in lists], out=ptr[1:])
        flat = np.fromiter((i for x in lists for i in x), dtype=np.int32, count=int(ptr[-1]))
        return cls(ptr, flat)

    @classmethod
    def grouped(cls, groups: np.ndarray) -> IdLists:
        """Group id -> its keys, ascending, from one group id per key (-1, alone, is left out)."""
        grouped = np.flatnonzero(groups >= 0)
        order = grouped[np.argsort(groups[grouped], kind="stable")]
        ptr = np.zeros(int(groups.max(initial=-1)) + 2, dtype=np.int64)
        np.cumsum(np.bincount(groups[grouped], minlength=len(ptr) - 1), out=ptr[1:])
        return cls(ptr.astype(np.int32), order.astype(np.int32))

    def inverted(self, n_ids: int) -> IdLists:
        """The other way round: id -> the rows that list it (person -> titles)."""
        counts = np.diff(self.ptr)
        keys = np.repeat(np.arange(len(counts), dtype=np.int32), counts)
        ids = self.ids
        order = np.argsort(ids, kind="stable")
        ptr = np.zeros(n_ids + 1, dtype=np.int32)
        np.cumsum(np.bincount(ids, minlength=n_ids), out=ptr[1:])
        return IdLists(ptr, keys[order])
