"""The title resolver's catalog-wide index as arrays: made once from the catalog, stored by the build, mapped at load.

`morelike.engine.resolve.TitleResolver` answers lookups, autocomplete and typos from lookups built over every name of
every title (normalised names and the titles sharing each, sorted prefixes and word suffixes, title starts for the
typo fill-in, a word index, the id lookups). As Python dicts, lists and tuples those took 35-40 s to build at 1.3M
titles, 1.9 GB, and the GIL the whole time, so every /similar answered during that minute crawled (issue 24). Here
they are numpy arrays and string blobs: `TitleIndex.compute(rows)` makes them (the build, from the catalog it has
just written, `morelike.build.names`; a load of a build without them, the same way), `arrays()` / `from_arrays()`
store and read them, and a sorted string column is searched by bisect without a Python object per string (`Strings`).

Pure: no I/O here.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, overload

import numpy as np

from morelike.catalog.normalize import title_forms
from morelike.catalog.records import KIND_CODE, Title, title_ref

MATCH_TITLE = "title"
MATCH_ORIGINAL = "original_title"
MATCH_ALIAS = "alias"  # one of the title's other names (an alias or a translated title)
MATCH_NAMES = (MATCH_TITLE, MATCH_ORIGINAL, MATCH_ALIAS)  # stored as their index (`entry_match`)
# Title-start lengths the typo fill-in of autocomplete compares with what was typed (TitleResolver._suggest).
START_BUCKETS = (4, 6, 8, 10, 12, 15)
_SEP = "\x00"  # after each string of a blob: no name holds one (normalised names are words and spaces)
_TOP = "\U0010ffff"  # sorts after every character: [prefix, prefix + _TOP) is what starts with prefix


@dataclass(frozen=True)
class ResolverRow:
    key: int
    id: str
    title: str
    original_title: str | None
    year: int | None
    kind: str
    popularity: float  # higher = more popular
    imdb_id: str | None
    trakt_id: int | None
    trakt_slug: str | None
    tmdb_id: int | None
    ref: str | None = None  # the published build stores it; computed from `id` when not given
    aliases: tuple[str, ...] = ()  # other names (Title.aliases): found like the title, answered with the title

    @classmethod
    def from_title(cls, title: Title, key: int) -> ResolverRow:
        """The resolver's view of a catalog row (bench and tests build resolvers straight from catalog files)."""
        return cls(
            key=key,
            id=title.id,
            title=title.title,
            original_title=title.original_title,
            year=title.year,
            kind=title.kind,
            popularity=title.popularity or 0.0,
            imdb_id=title.imdb_id,
            trakt_id=title.trakt_id,
            trakt_slug=title.trakt_slug,
            tmdb_id=title.tmdb_id,
            aliases=title.aliases,
        )


class Strings(Sequence[str]):
    """A list of strings held as one UTF-8 blob (each string followed by NUL; `offsets[i]` is where string i starts,
    `offsets[-1]` the blob's length): a byte a character and no Python object per string. Items are decoded when
    read, so a sorted one is searched by bisect in microseconds, and a range is decoded at once (`decode`)."""

    def __init__(self, blob: np.ndarray, offsets: np.ndarray) -> None:
        if offsets.ndim != 1 or not len(offsets) or int(offsets[-1]) != len(blob) or blob.dtype != np.uint8:
            raise ValueError("a string column's blob and offsets do not fit each other")
        self.blob, self.offsets = blob, offsets
        self._bytes = blob.data.cast("B") if len(blob) else memoryview(b"")

    @classmethod
    def of(cls, strings: Iterable[str]) -> Strings:
        items = list(strings)
        if not items:
            return cls(np.zeros(0, np.uint8), np.zeros(1, np.int64))
        joined = _SEP.join(items) + _SEP
        if joined.count(_SEP) != len(items):  # a raw name with a NUL in it (broken data): dropped, not split
            joined = _SEP.join(s.replace(_SEP, "") for s in items) + _SEP
        blob = np.frombuffer(joined.encode("utf-8", "surrogatepass"), dtype=np.uint8)
        ends = np.flatnonzero(blob == 0) + 1
        return cls(blob, np.concatenate([[0], ends]).astype(np.int64))

    def __len__(self) -> int:
        return len(self.offsets) - 1

    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> list[str]: ...
    def __getitem__(self, i: int | slice) -> str | list[str]:
        if isinstance(i, slice):  # a range: decoded at once
            lo, hi, step = i.indices(len(self))
            return self.decode(lo, hi) if step == 1 else self.decode(0, len(self))[i]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        return str(self._bytes[self.offsets[i] : self.offsets[i + 1] - 1], "utf-8", "surrogatepass")

    def __iter__(self) -> Iterator[str]:
        return iter(self.decode(0, len(self)))

    def decode(self, lo: int, hi: int) -> list[str]:
        """Items lo..hi-1 as a list, in one decode."""
        if hi <= lo:
            return []
        return str(self._bytes[self.offsets[lo] : self.offsets[hi] - 1], "utf-8", "surrogatepass").split(_SEP)

    def find(self, text: str) -> int:
        """The position of `text` in a sorted column, -1 if absent."""
        i = bisect_left(self, text)
        return i if i < len(self) and self[i] == text else -1

    def prefixed(self, prefix: str) -> tuple[int, int]:
        """The range of a sorted column's items that start with `prefix`."""
        lo = bisect_left(self, prefix)
        return lo, bisect_left(self, prefix + _TOP, lo)

    def arrays(self, name: str) -> dict[str, np.ndarray]:
        return {f"{name}.blob": self.blob, f"{name}.off": self.offsets}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], name: str) -> Strings:
        return cls(arrays[f"{name}.blob"], arrays[f"{name}.off"])


@dataclass(frozen=True)
class StringTable:
    """A lookup from strings to title keys: sorted unique strings and their keys, searched by bisect."""

    strings: Strings
    keys: np.ndarray  # int32

    @classmethod
    def of(cls, pairs: Iterable[tuple[str, int]]) -> StringTable:
        """From (string, key) pairs; a later pair wins a string given twice (as a dict would)."""
        table = dict(pairs)
        ordered = sorted(table)
        return cls(Strings.of(ordered), np.fromiter(map(table.__getitem__, ordered), np.int32, len(ordered)))

    def get(self, text: str) -> int | None:
        i = self.strings.find(text)
        return None if i < 0 else int(self.keys[i])

    def arrays(self, name: str) -> dict[str, np.ndarray]:
        return self.strings.arrays(name) | {f"{name}.keys": self.keys}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], name: str) -> StringTable:
        return cls(Strings.from_arrays(arrays, name), arrays[f"{name}.keys"])


# The id lookups, by what a typed id or link is matched on (TitleResolver._parse_id).
ID_TABLES = ("ids", "refs", "imdb", "trakt", "slugs", "tmdb")


def trakt_lookup(kind: str | None, trakt_id: int) -> str:
    """The `trakt` table's string for a Trakt id (Trakt numbers movies and shows apart)."""
    return f"{kind}/{trakt_id}"


@dataclass(frozen=True)
class TitleIndex:
    """Everything `TitleResolver` looks things up in, as arrays (key = the build's dense title key)."""

    popularity: np.ndarray  # f64 per key, higher = more popular (0: unknown)
    kinds: np.ndarray  # int8 per key, KIND_CODE (-1: unknown)
    years: np.ndarray  # int16 per key, 0: unknown
    titles: Strings  # per key: the title as the catalog has it
    originals: Strings  # per key: the original title ("": none)
    names: Strings  # every normalised name, in order of first appearance (the word index and tie orders use it)
    name_table: StringTable  # normalised name -> its position in `names`
    entry_ptr: np.ndarray  # int64: the titles of name i are entries entry_ptr[i]..entry_ptr[i+1]-1 ...
    entry_key: np.ndarray  # int32 ... most popular first (ties by key)
    entry_match: np.ndarray  # int8, index into MATCH_NAMES
    by_len: np.ndarray  # int32: `names` positions by first character, then length (stable): see `band_code`
    # The names in that order, read into a list at load (rapidfuzz scans bands of it): stored, not reordered from
    # `names` at load, which made the resolver's start at 1.3M titles 0.4-0.7 -> 1.0-1.1 s for 33 MB of disk.
    by_len_names: Strings
    whole: Strings  # sorted whole names (article dropped and kept) ...
    whole_keys: np.ndarray  # int32 ... and their keys (ties in key order)
    words: Strings  # sorted word-start suffixes of every name ...
    words_keys: np.ndarray  # int32
    starts: tuple[Strings, ...]  # per START_BUCKETS length: the names' distinct starts of that length, sorted
    vocab: Strings  # every word of the names, sorted
    post_ptr: np.ndarray  # int64: names holding vocab word i are post_ids[post_ptr[i]:post_ptr[i+1]] (ascending)
    post_ids: np.ndarray  # int32
    alias_keys: np.ndarray  # int32, ascending: the titles with other names ...
    alias_norms: Strings  # ... each name normalised ...
    alias_texts: Strings  # ... and as the source has it
    by_popularity: np.ndarray  # int32: keys best known first (ties by key)
    ids: dict[str, StringTable]  # ID_TABLES

    @classmethod
    def compute(cls, rows: Sequence[ResolverRow]) -> TitleIndex:
        """The index of `rows`, sorted by key here (a later row wins an id two rows share)."""
        rows = sorted(rows, key=lambda r: r.key)
        size = (rows[-1].key + 1) if rows else 0
        keys = [r.key for r in rows]
        pop = np.array([r.popularity for r in rows], dtype=np.float64).reshape(-1)  # None reads as NaN
        popularity = np.zeros(size, dtype=np.float64)
        popularity[keys] = np.where(np.isfinite(pop), pop, 0.0)
        kinds = np.full(size, -1, dtype=np.int8)
        kinds[keys] = [KIND_CODE.get(r.kind, -1) for r in rows]
        years = np.zeros(size, dtype=np.int16)
        years[keys] = [r.year or 0 for r in rows]
        titles, originals = [""] * size, [""] * size
        for r in rows:
            titles[r.key], originals[r.key] = r.title, r.original_title or ""
        # Normalised name -> [(key, match)], every key sharing it; the prefix arrays' strings made with the names
        # (every name normalised once, both forms in one pass): its normalised form, its form with the leading
        # article kept ("the th" must reach "The Thing", "thing" too), and every word-start suffix of the latter.
        norm_keys: dict[str, list[tuple[int, int]]] = defaultdict(list)
        whole: list[tuple[str, int]] = []
        words: list[tuple[str, int]] = []
        aliases: list[tuple[int, str, str]] = []

        def prefixes(norm: str, full: str, key: int) -> None:
            whole.append((norm, key))
            if full != norm:
                whole.append((full, key))
            at = full.find(" ")  # normalised: words one space apart
            while at >= 0:
                words.append((full[at + 1 :], key))
                at = full.find(" ", at + 1)

        for row in rows:
            norm, full = title_forms(row.title)
            if norm:
                norm_keys[norm].append((row.key, 0))
                prefixes(norm, full, row.key)
            orig, orig_full = title_forms(row.original_title)
            if orig and orig != norm:
                norm_keys[orig].append((row.key, 1))
                prefixes(orig, orig_full, row.key)
            named = {norm, orig}
            for alias in row.aliases:  # each folded name once per title: one entry a name
                folded, folded_full = title_forms(alias)
                if folded and folded not in named:
                    named.add(folded)
                    norm_keys[folded].append((row.key, 2))
                    aliases.append((row.key, folded, alias))
                    prefixes(folded, folded_full, row.key)
        pop_list = popularity.tolist()  # a list reads one value ten times faster than an array
        for entries in norm_keys.values():  # most popular first within a same-title set
            if len(entries) > 1:  # most titles are unique: no Python sort call for them
                entries.sort(key=lambda e: (-pop_list[e[0]], e[0]))
        names = list(norm_keys)
        counts = np.fromiter(map(len, norm_keys.values()), np.int64, len(names))
        entry_ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        flat = [e for entries in norm_keys.values() for e in entries]
        by_len = np.argsort(band_codes(names), kind="stable").astype(np.int32)
        # The word index: each word of the names, the names holding it (ascending).
        postings: dict[str, list[int]] = defaultdict(list)
        for i, norm in enumerate(names):
            for word in set(norm.split()):
                postings[word].append(i)
        vocab = sorted(postings)
        post_counts = np.fromiter((len(postings[w]) for w in vocab), np.int64, len(vocab))
        aliases.sort(key=itemgetter(0, 1))
        by_id = zip(map(str.casefold, (r.id for r in rows)), keys, strict=True)
        return cls(
            popularity=popularity,
            kinds=kinds,
            years=years,
            titles=Strings.of(titles),
            originals=Strings.of(originals),
            names=Strings.of(names),
            name_table=StringTable.of(zip(names, range(len(names)), strict=True)),
            entry_ptr=entry_ptr,
            entry_key=np.fromiter(map(itemgetter(0), flat), np.int32, len(flat)),
            entry_match=np.fromiter(map(itemgetter(1), flat), np.int8, len(flat)),
            by_len=by_len,
            by_len_names=Strings.of(map(names.__getitem__, by_len.tolist())),
            **_prefix_column("whole", whole),
            **_prefix_column("words", words),
            starts=tuple(Strings.of(sorted({norm[:length] for norm in names})) for length in START_BUCKETS),
            vocab=Strings.of(vocab),
            post_ptr=np.concatenate([[0], np.cumsum(post_counts)]).astype(np.int64),
            post_ids=np.fromiter((i for w in vocab for i in postings[w]), np.int32, int(post_counts.sum())),
            alias_keys=np.fromiter(map(itemgetter(0), aliases), np.int32, len(aliases)),
            alias_norms=Strings.of(map(itemgetter(1), aliases)),
            alias_texts=Strings.of(map(itemgetter(2), aliases)),
            by_popularity=(np.lexsort((np.arange(size), -popularity)) if size else np.zeros(0)).astype(np.int32),
            ids={
                "ids": StringTable.of(by_id),
                "refs": StringTable.of((r.ref or title_ref(r.id), r.key) for r in rows),
                "imdb": StringTable.of((r.imdb_id.casefold(), r.key) for r in rows if r.imdb_id),
                "trakt": StringTable.of(
                    (trakt_lookup(r.kind, r.trakt_id), r.key) for r in rows if r.trakt_id is not None
                ),
                "slugs": StringTable.of((r.trakt_slug.casefold(), r.key) for r in rows if r.trakt_slug),
                "tmdb": StringTable.of(
                    (str(r.tmdb_id), r.key) for r in rows if r.tmdb_id is not None and r.kind == "movie"
                ),
            },
        )

    def arrays(self) -> dict[str, np.ndarray]:
        """Every array by file name (`from_arrays` reads them back)."""
        out = {name: getattr(self, name) for name in _ARRAYS}
        for name in _STRINGS:
            out |= getattr(self, name).arrays(name)
        for length, starts in zip(START_BUCKETS, self.starts, strict=True):
            out |= starts.arrays(f"starts{length}")
        out |= self.name_table.arrays("name_table")
        for name, table in self.ids.items():
            out |= table.arrays(f"id_{name}")
        return out

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], count: int) -> TitleIndex:
        """What `arrays()` gave, for a catalog of `count` titles; ValueError when the arrays do not fit it or
        each other (KeyError when one is missing)."""
        fields: dict[str, Any] = {name: arrays[name] for name in _ARRAYS}
        fields |= {name: Strings.from_arrays(arrays, name) for name in _STRINGS}
        index = cls(
            **fields,
            starts=tuple(Strings.from_arrays(arrays, f"starts{length}") for length in START_BUCKETS),
            name_table=StringTable.from_arrays(arrays, "name_table"),
            ids={name: StringTable.from_arrays(arrays, f"id_{name}") for name in ID_TABLES},
        )
        n_names = len(index.names)
        fits = (
            index.popularity.shape == index.kinds.shape == index.years.shape == (count,)
            and len(index.titles) == count == len(index.originals) == len(index.by_popularity)
            and len(index.entry_ptr) == n_names + 1 == len(index.by_len) + 1 == len(index.by_len_names) + 1
            and int(index.entry_ptr[-1]) == len(index.entry_key) == len(index.entry_match)
            and len(index.whole) == len(index.whole_keys)
            and len(index.words) == len(index.words_keys)
            and len(index.post_ptr) == len(index.vocab) + 1
            and int(index.post_ptr[-1]) == len(index.post_ids)
            and len(index.alias_keys) == len(index.alias_norms) == len(index.alias_texts)
            and len(index.name_table.strings) == n_names
            and all(len(table.strings) == len(table.keys) for table in index.ids.values())
        )
        if not fits:
            raise ValueError("the resolver's arrays do not fit each other or the catalog")
        return index


# TitleIndex's fields stored as one array each, and as a string column each (`Strings.arrays`).
_ARRAYS = ("popularity", "kinds", "years", "entry_ptr", "entry_key", "entry_match", "by_len", "whole_keys",
           "words_keys", "post_ptr", "post_ids", "alias_keys", "by_popularity")  # fmt: skip
_STRINGS = ("titles", "originals", "names", "by_len_names", "whole", "words", "vocab", "alias_norms", "alias_texts")


def band_codes(names: Sequence[str]) -> np.ndarray:
    """Each name's first character and length in one sortable int64: names sorted by it put the names that start
    alike and are about as long together, and a band of lengths after a first character is a searchsorted away."""
    first = np.fromiter((ord(name[0]) if name else 0 for name in names), dtype=np.int64, count=len(names))
    length = np.fromiter(map(len, names), dtype=np.int64, count=len(names))
    return band_code(first, np.minimum(length, _MAX_BAND_LENGTH))


def band_code(first: int | np.ndarray, length: int | np.ndarray) -> np.ndarray:
    return np.left_shift(first, 16) | length


_MAX_BAND_LENGTH = 0xFFFF


def _prefix_column(name: str, pairs: list[tuple[str, int]]) -> dict:
    """`pairs` (string, key) in ascending key order, sorted: a stable sort by string alone orders them as a sort of
    the pairs would, at a third of its cost (no tuple compared: 9.2 -> 3.2 s for 3M pairs here)."""
    pairs.sort(key=itemgetter(0))
    return {
        name: Strings.of(map(itemgetter(0), pairs)),
        f"{name}_keys": np.fromiter(map(itemgetter(1), pairs), dtype=np.int32, count=len(pairs)),
    }
