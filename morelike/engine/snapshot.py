"""One published build, held in memory the compact way: what every query needs, as numpy arrays.

Memory is the constraint (the bot idles under 300 MB with the full catalog): vectors stay memory-mapped (f16),
metadata that filters and ranking touch lives in small typed arrays, people are interned into ids (CSR
arrays), and full cards (overview, poster, full cast) are read from the build's SQLite file on demand and kept
in a small LRU cache. A Snapshot never changes after it is built; a hot reload builds a new one.

What a catalog-wide computation makes (the franchise graph, one id per work, each title's fame) is read from the
build (morelike.build.precomputed), made once at publish. What the snapshot still derives itself is in one place,
`Derived`: lookups (by id, ref and genre name; person -> titles), the ranking's elementwise prior columns, and the
caches its queries fill.

A loaded Snapshot owns its build's catalog connection, opened once with the build (so the cards stay readable
even after a later publish prunes the build's folder) and closed by `close()` or, at the latest, when the last
user of the snapshot lets go of it (a hot reload leaves in-flight answers on the old snapshot).
"""

from __future__ import annotations

import copy
import dataclasses
import gc
import json
import sqlite3
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote, unquote

import numpy as np

from morelike.build.columns import CatalogArrays, CatalogStrings
from morelike.build.names import catalog_rows, resolver_popularity
from morelike.build.precomputed import Precomputed
from morelike.catalog.normalize import normalize_title
from morelike.catalog.records import KINDS
from morelike.catalog.watch import Offer, offers
from morelike.engine.types import TitleCard
from morelike.franchise.graph import LEAD_CAST
from morelike.idlists import IdLists
from morelike.native import trim_heap

if TYPE_CHECKING:
    from usearch.index import Index

    from morelike.build.reader import FreeTextSpace
    from morelike.engine.resolve import TitleResolver
    from morelike.titleindex import TitleIndex

CARD_CACHE = 4096
DEFAULT_EXPANSION_SEARCH = 300  # builds published before the manifest recorded [index] expansion_search


def title_url(kind: str, imdb_id, trakt_slug, tmdb_id, wikipedia) -> str | None:
    if trakt_slug:
        return f"https://trakt.tv/{'shows' if kind == 'show' else 'movies'}/{quote(trakt_slug)}"
    if imdb_id:
        return f"https://www.imdb.com/title/{quote(imdb_id)}/"
    if tmdb_id:
        return f"https://www.themoviedb.org/{'tv' if kind == 'show' else 'movie'}/{tmdb_id}"
    if wikipedia:
        # Catalog names come both raw ("Don't_Tell") and already percent-encoded ("Don%27t_Tell"): decode first,
        # so an encoded one is not encoded twice ("%2527").
        return f"https://en.wikipedia.org/wiki/{quote(unquote(wikipedia).replace(' ', '_'))}"
    return None


def _private_view(vectors: np.ndarray) -> np.ndarray:
    """A separate memory map of the same file for one-off scans at load: unmapped when dropped, so the pages it
    touched do not stay in the bot's resident memory."""
    filename = getattr(vectors, "filename", None)
    if isinstance(vectors, np.memmap) and filename:
        try:
            return np.load(filename, mmap_mode="r")
        except (OSError, ValueError):
            pass
    return vectors


_CARD_FIELDS = tuple(f.name for f in dataclasses.fields(TitleCard))
_WATCH = _CARD_FIELDS.index("watch")


def astuple_shallow(card: TitleCard) -> tuple:
    """The card's fields in order (dataclasses.astuple would deep-copy them), its offers as plain strings too: a
    tuple of strings is one the cyclic collector stops tracking (within two collections), an Offer object is not."""
    row = [getattr(card, name) for name in _CARD_FIELDS]
    row[_WATCH] = tuple(part for o in card.watch for part in (o.service, o.region, o.as_of))  # flat: one level
    return tuple(row)


def card_from_tuple(row: tuple) -> TitleCard:
    """The card `astuple_shallow` cached."""
    fields_ = list(row)
    flat = row[_WATCH]
    fields_[_WATCH] = tuple(Offer(*flat[i : i + 3]) for i in range(0, len(flat), 3))
    return TitleCard(*fields_)


def release_freed_memory() -> None:
    """Hand memory freed by the load's temporary Python objects back to the OS (glibc keeps it otherwise), and put
    what survives out of the cyclic collector's reach.

    A loaded catalog is a few million long-lived Python objects (titles, ids, the resolver's index); every full
    collection walked all of them, 5-10 ms, and now and then one landed inside a query: most of /similar's p99
    (bench/README.md). `gc.freeze` parks the survivors in a permanent generation; unfreezing first lets the
    garbage of a snapshot that was replaced be collected with the rest."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    trim_heap()


def _close_under(db: sqlite3.Connection, lock: threading.RLock) -> None:
    with lock:
        db.close()


T = TypeVar("T")


@dataclass
class Columns:
    """A catalog's per-title data as a snapshot holds it (row i = key i): what `Snapshot.load` reads from the build's
    catalog, or what `Snapshot.synthetic` is given."""

    ids: list[str]
    refs: list[str]
    titles: list[str]
    arrays: CatalogArrays  # the numbers and id lists: kinds, years, ratings, genres, people, ... (build/columns.py)
    collections: list[str | None] | None = None  # None: no title has one
    norms: list[str] | None = None  # normalised titles (morelike.catalog.normalize), when the build has them
    # Per title, the proper names its synopsis uses (morelike.catalog.documents.story_names), space-separated.
    story_names: list[str] | None = None


class Derived:
    """What a snapshot derives itself rather than reads from its build, in one place: lookups (by id, ref and genre
    name; person -> titles, whose person ids are interned as the catalog is read), the ranking's prior columns that
    are elementwise views of the votes and ratings, and the caches its queries fill (`cached`: the catalog sample,
    the filter planner's masks and index lock). Held by the snapshot, so all of it goes with the snapshot after a
    hot reload. A catalog-wide computation belongs in the build instead (morelike.build.precomputed)."""

    def __init__(self, columns: Columns) -> None:
        arrays = columns.arrays
        votes, ratings = arrays.votes, arrays.ratings
        # The ranking's per-title prior columns (morelike/engine/rank.py; `fame`, which sorts, is precomputed).
        self.rated = (votes > 0).astype(np.float32)
        self.log_votes = np.log1p(np.maximum(votes, 0)).astype(np.float32)
        self.rating0 = np.where((votes > 0) & np.isfinite(ratings), ratings, 0.0).astype(np.float32)
        self.genre_bit = {g: 1 << i for i, g in enumerate(arrays.genre_names)}
        self.key_by_id = {v: i for i, v in enumerate(columns.ids)}
        self.key_by_ref = {v: i for i, v in enumerate(columns.refs)}
        n_people = len(arrays.people_names)
        self.cast_titles = arrays.cast.inverted(n_people)  # person -> titles: the boost's candidates
        self.director_titles = arrays.directors.inverted(n_people)
        self._caches: dict[str, Any] = {}
        self._lock = threading.Lock()

    def cached(self, name: str, make: Callable[[], T]) -> T:
        """The snapshot's cache `name`, made by `make` on first use (once, whichever thread asks first)."""
        hit = self._caches.get(name)
        if hit is None:
            with self._lock:
                hit = self._caches.get(name)
                if hit is None:
                    hit = self._caches[name] = make()
        return hit

    def for_view(self) -> Derived:
        """The same lookups with empty caches, for a view of the snapshot over other vectors (`free_text_view`):
        its sample and filter caches hold rows of those vectors."""
        view = copy.copy(self)
        view._caches, view._lock = {}, threading.Lock()
        return view


def _computed(columns: Columns, vectors: np.ndarray, near: np.ndarray | None) -> Precomputed:
    """What a build would have stored for these columns: for a snapshot over generated data, which has no build."""
    arrays = columns.arrays
    return Precomputed.compute(
        titles=columns.titles,
        norms=columns.norms if columns.norms is not None else [normalize_title(t) for t in columns.titles],
        collections=columns.collections,
        cast=arrays.cast,
        directors=arrays.directors,
        kinds=arrays.kinds,
        years=arrays.years,
        votes=arrays.votes,
        vote_sources=arrays.vote_sources,
        vectors=_private_view(vectors),
        story_names=columns.story_names,
        near=near,
    )


class Snapshot:
    """An immutable view of one build. Build with `Snapshot.load(published)` (or `Snapshot.synthetic` for generated
    data in bench/ and the tests)."""

    def __init__(
        self,
        *,
        build_id: str,
        manifest: dict,
        vectors: np.ndarray,
        index: Index | None,
        columns: Columns,
        precomputed: Precomputed | None = None,
        neighbours: np.ndarray | None = None,
        near: np.ndarray | None = None,
        free_text: FreeTextSpace | None = None,
        db: sqlite3.Connection | None = None,
        db_path: Path | None = None,
        build_dir: Path | None = None,
        expansion_search: int | None = None,
        resolver_index: TitleIndex | None = None,
    ) -> None:
        """`precomputed`: what the build stored for these columns (None: computed here, for generated data)."""
        self.build_id, self.manifest, self.build_dir = build_id, manifest, build_dir
        self.free_text = free_text  # /discover's space (morelike.build.reader); None: free text uses the story one
        self._free_text_view: Snapshot | None = None
        self.vectors = vectors
        self.index = index
        # (n, k) int32, each title's nearest by content, -1 padded (morelike/build/writer.py); None: not stored.
        self.neighbours = neighbours
        # (n,) f32: the cosine each title's nearest 0.5 % of the catalog reaches (the build's near.npy); None: the
        # franchise rules read it off the catalog sample themselves.
        self.near = near
        c = columns
        self.n = len(c.ids)
        self.ids, self.refs, self.titles = c.ids, c.refs, c.titles
        a = c.arrays
        self.kinds, self.years, self.runtimes = a.kinds, a.years, a.runtimes
        self.ratings, self.votes, self.popularity = a.ratings, a.votes, a.popularity
        self.lang_codes, self.languages = a.lang_codes, a.languages
        self.genre_bits, self.genre_names = a.genre_bits, a.genre_names
        self.cast, self.directors, self.people_names = a.cast, a.directors, a.people_names
        self.story, self.anime, self.services = a.story, a.anime, a.services
        self.collections, self.norms, self.story_names = c.collections, c.norms, c.story_names
        # The franchise graph (morelike.franchise.graph), the works and fame: stored by the build.
        built = precomputed if precomputed is not None else _computed(c, vectors, near)
        graph = built.graph
        self.numbered_stems = graph.numbered_stems  # "saw" (Saw II): "Saw V" is its fifth
        self.stem_codes, self.series_stem = graph.stem_codes, graph.series_stem
        self.groups, self.group_members = graph.groups, graph.group_members
        self.named_groups, self.named_members = graph.named_groups, graph.named_members
        self.nodes, self.kin, self._named_count = graph.nodes, graph.kin, graph.named_count
        self.works, self.work_members, self.fame = built.works, built.work_members, built.fame
        # Derived here, in one place (see Derived).
        self.derived = derived = Derived(c)
        self.rated, self.log_votes, self.rating0 = derived.rated, derived.log_votes, derived.rating0
        self.genre_bit, self.key_by_id, self.key_by_ref = derived.genre_bit, derived.key_by_id, derived.key_by_ref
        self.cast_titles, self.director_titles = derived.cast_titles, derived.director_titles
        self.db_path = db_path
        # HNSW search breadth (at least this many candidates per query): [index] expansion_search of the build
        index_settings = given if isinstance(given := manifest.get("index"), dict) else {}
        self.expansion_search = int(
            expansion_search or index_settings.get("expansion_search") or DEFAULT_EXPANSION_SEARCH
        )
        self._db = db
        # Reentrant: close() runs the finalizer while holding it. The finalizer takes it too, so a process that
        # exits while the resolver thread reads the catalog closes the connection after the read, not under it
        # (that was a segfault at exit: `ask` refusing a bad filter while the resolver was still being made).
        self._db_lock = threading.RLock()
        self._db_closer = weakref.finalize(self, _close_under, db, self._db_lock) if db is not None else None
        self._cards: OrderedDict[int, tuple] = OrderedDict()
        self._resolver: TitleResolver | None = None
        self._resolver_index = resolver_index  # the build's (morelike.build.names); None: made from the catalog
        self._resolver_lock = threading.Lock()

    # -- loading ---------------------------------------------------------------------------------------------
    @classmethod
    def load(cls, published) -> Snapshot:
        """Read a `morelike.build.reader.Published` build into memory (vectors and index stay mapped).

        The snapshot takes over the build's open catalog connection: it reads the arrays from it now and the
        cards from it later, and closes it (`close()`, or when the snapshot is dropped)."""
        con = published.take_db()
        try:
            return cls._load(published, con)
        except BaseException:
            con.close()
            raise

    @classmethod
    def _load(cls, published, con: sqlite3.Connection) -> Snapshot:
        # The strings, numbers and id lists: stored ready by the build, or (a build from before) read from the
        # catalog now.
        strings, arrays = published.strings, published.columns
        try:
            strings = strings if strings is not None else CatalogStrings.read(con)
            arrays = arrays if arrays is not None else CatalogArrays.read(con)
        except ValueError as exc:
            raise ValueError(f"build {published.build_id}: {exc}") from None
        if len(strings.ids) != len(published.vectors):
            raise ValueError(
                f"build {published.build_id}: catalog keys do not match the {len(published.vectors)} vectors"
            )
        collections = strings.collections
        snap = cls(
            build_id=published.build_id,
            manifest=published.manifest,
            vectors=published.vectors,
            index=published.index,
            neighbours=published.neighbours,
            near=published.near,
            free_text=published.free_text,
            columns=Columns(
                ids=strings.ids,
                refs=strings.refs,
                titles=strings.titles,
                arrays=arrays,
                collections=collections if any(collections) else None,
                norms=strings.norms,
                story_names=strings.story_names,
            ),
            precomputed=published.precomputed,
            resolver_index=published.resolver,
            db_path=Path(published.db_path),
            build_dir=Path(published.build_dir),
            db=con,
        )
        release_freed_memory()
        return snap

    @classmethod
    def synthetic(
        cls,
        vectors: np.ndarray,
        index: Index | None,
        *,
        titles: list[str] | None = None,
        kinds: np.ndarray | None = None,
        years: np.ndarray | None = None,
        runtimes: np.ndarray | None = None,
        ratings: np.ndarray | None = None,
        votes: np.ndarray | None = None,
        lang_codes: np.ndarray | None = None,
        languages: Sequence[str] = (),
        genre_bits: np.ndarray | None = None,
        genre_names: Sequence[str] = (),
        cast: Sequence[Sequence[str]] | None = None,
        directors: Sequence[Sequence[str]] | None = None,
    ) -> Snapshot:
        """A snapshot over generated data (bench/, planner and ranking tests): ids are "syn-<key>", no DB; people
        only where `cast`/`directors` (names per title) are given."""
        n = len(vectors)
        ids = [f"syn-{i}" for i in range(n)]
        people: dict[str, int] = {}

        def lists(names: Sequence[Sequence[str]] | None) -> IdLists | None:
            if names is None:
                return None
            return IdLists.from_lists([[people.setdefault(p, len(people)) for p in row] for row in names])

        cast_lists, director_lists = lists(cast), lists(directors)
        return cls(
            build_id="synthetic",
            manifest={"model": "synthetic", "count": n, "dimensions": int(vectors.shape[1])},
            vectors=vectors,
            index=index,
            columns=Columns(
                ids=ids,
                refs=[f"{i:010d}" for i in range(n)],
                titles=titles if titles is not None else ids,
                arrays=CatalogArrays.blank(
                    n,
                    kinds=kinds,
                    years=years,
                    runtimes=runtimes,
                    ratings=ratings,
                    votes=votes,
                    lang_codes=lang_codes,
                    languages=list(languages),
                    genre_bits=genre_bits,
                    genre_names=list(genre_names),
                    cast=cast_lists,
                    directors=director_lists,
                    people_names=list(people),
                ),
            ),
        )

    # -- lookups ---------------------------------------------------------------------------------------------
    def key_of(self, id_or_ref: str) -> int | None:
        if not isinstance(id_or_ref, str):
            return None
        text = id_or_ref.strip()
        key = self.key_by_id.get(text)
        return key if key is not None else self.key_by_ref.get(text.lower())

    def vector(self, key: int) -> np.ndarray:
        return np.asarray(self.vectors[key], dtype=np.float32)

    def genres_of(self, key: int) -> list[str]:
        bits = int(self.genre_bits[key])
        return [g for i, g in enumerate(self.genre_names) if bits >> i & 1]

    def same_work(self, key: int) -> np.ndarray:
        """`key` and the catalog's other rows of the same work (same kind, normalised title and year), ascending."""
        return np.asarray(self.work_members.of(int(self.works[key])), dtype=np.int64)

    def family(self, key: int) -> np.ndarray:
        """The nodes of `key`'s family (`nodes`: its named series or itself, and what a family link ties to it)."""
        node = int(self.nodes[key])
        return np.concatenate([[node], self.kin.of(node)]).astype(np.int32)

    def kin_keys(self, key: int) -> np.ndarray:
        """The titles of `key`'s family outside its own named series, sorted (what the `family` feature lifts)."""
        parts = [
            self.named_members.of(node) if node < self._named_count else np.asarray([node - self._named_count])
            for node in self.kin.of(int(self.nodes[key])).tolist()
        ]
        return np.unique(np.concatenate(parts)).astype(np.int64) if parts else np.empty(0, np.int64)

    def lead_cast(self, key: int) -> np.ndarray:
        return self.cast.of(key)[:LEAD_CAST]

    def card(self, key: int) -> TitleCard:
        return self.cards([key])[0]

    def cards(self, keys: Sequence[int]) -> list[TitleCard]:
        """Cards for `keys`, in order: cached ones from the LRU, the rest read in one SQLite query."""
        keys = [int(k) for k in keys]
        with self._db_lock:
            found: dict[int, TitleCard] = {}
            for k in keys:
                hit = self._cards.get(k)
                if hit is not None:
                    self._cards.move_to_end(k)
                    found[k] = card_from_tuple(hit)
            missing = sorted({k for k in keys if k not in found})
            if missing:
                for k, card in self._read_cards(missing):
                    found[k] = card
                    # Kept as a plain tuple of strings and numbers, which the cyclic GC stops tracking: thousands
                    # of cached card objects made every full collection cost milliseconds inside a query.
                    self._cards[k] = astuple_shallow(card)
                while len(self._cards) > CARD_CACHE:
                    self._cards.popitem(last=False)
            return [found[k] for k in keys]

    def _read_cards(self, keys: list[int]) -> list[tuple[int, TitleCard]]:
        if self.db_path is None:  # synthetic snapshot (bench): what the arrays know
            return [(k, self._array_card(k)) for k in keys]
        if self._db is None:
            raise RuntimeError(f"snapshot of build {self.build_id} is closed")
        rows = self._db.execute(
            # The three JSON lists come as one array: one parse per card instead of three.
            "SELECT key, id, ref, kind, title, original_title, year, runtime, "
            """'[' || genres || ',' || "cast" || ',' || directors || ']', rating, votes, language, """
            "country, overview, imdb_id, trakt_slug, tmdb_id, wikipedia, poster, anime, sources FROM titles "
            f"WHERE key IN ({','.join('?' * len(keys))})",
            keys,
        ).fetchall()
        out = []
        for row in rows:
            (key, tid, ref, kind, title, original, year, runtime, lists, rating, votes, language, country,
             overview, imdb_id, trakt_slug, tmdb_id, wikipedia, poster, anime, sources) = row  # fmt: skip
            genres, cast, directors = json.loads(lists)
            card = TitleCard(
                id=tid,
                ref=ref,
                kind=kind,
                title=title,
                original_title=original,
                year=year,
                runtime=runtime,
                genres=tuple(genres),
                rating=rating,
                votes=votes,
                language=language,
                country=country,
                overview=overview,
                cast=tuple(cast),
                directors=tuple(directors),
                url=title_url(kind, imdb_id, trakt_slug, tmdb_id, wikipedia),
                poster=poster,
                anime=bool(anime),
                watch=offers(json.loads(sources)),
            )
            out.append((key, card))
        return out

    def _array_card(self, key: int) -> TitleCard:
        def opt(v, missing):
            return None if v == missing else v.item()

        rating = float(self.ratings[key])
        lang = int(self.lang_codes[key])
        return TitleCard(
            id=self.ids[key],
            ref=self.refs[key],
            kind=KINDS[int(self.kinds[key])],
            title=self.titles[key],
            original_title=None,
            year=opt(self.years[key], 0),
            runtime=opt(self.runtimes[key], -1),
            genres=tuple(self.genres_of(key)),
            rating=None if np.isnan(rating) else rating,
            votes=opt(self.votes[key], -1),
            language=self.languages[lang] if lang >= 0 else None,
            country=None,
            overview=None,
            cast=tuple(self.people_names[p] for p in self.cast.of(key)),
            directors=tuple(self.people_names[p] for p in self.directors.of(key)),
            url=None,
            poster=None,
            anime=bool(self.anime[key]),
        )

    # -- resolution ------------------------------------------------------------------------------------------
    @property
    def resolver(self) -> TitleResolver:
        if self._resolver is None:
            with self._resolver_lock:
                if self._resolver is None:
                    resolver = self._build_resolver()
                    release_freed_memory()
                    # Published last: a caller that sees the resolver never races the collection and freeze above.
                    self._resolver = resolver
        return self._resolver

    def _build_resolver(self) -> TitleResolver:
        """From the index the build stored (a second at 1.3M titles); for a build from before it, the same index
        made from the catalog's rows (morelike.build.names.catalog_rows); for generated data, from the columns."""
        from morelike.engine.resolve import ResolverRow, TitleResolver

        if self._resolver_index is not None:
            return TitleResolver.from_index(self._resolver_index)
        with self._db_lock:
            rows = catalog_rows(self._db) if self._db is not None else None
        if rows is not None:
            return TitleResolver(rows)
        popularity = resolver_popularity(self.votes, self.popularity).tolist()
        years = [year or None for year in self.years.tolist()]
        kinds = [KINDS[kind] for kind in self.kinds.tolist()]
        none = [None] * self.n
        return TitleResolver(
            list(map(ResolverRow, range(self.n), self.ids, self.titles, none, years, kinds, popularity, none, none,
                     none, none, self.refs))
        )  # fmt: skip

    def free_text_view(self) -> Snapshot:
        """This snapshot searched in its free-text space: the same titles, metadata and cards, with the free-text
        vectors and index in place of the story ones (no stored neighbours: a description is no catalog title).
        Itself when the build has no such space. Made once, with caches of its own (`Derived.for_view`)."""
        if self.free_text is None:
            return self
        if self._free_text_view is None:
            view = copy.copy(self)
            view.vectors, view.index = self.free_text.vectors, self.free_text.index
            view.neighbours, view.near, view.free_text = None, None, None
            view.derived = self.derived.for_view()  # its own sample and filter caches: rows of the other vectors
            view._free_text_view = view
            self._free_text_view = view
        return self._free_text_view

    def close(self) -> None:
        """Close the build's catalog connection now (cards can no longer be read)."""
        with self._db_lock:
            if self._db_closer is not None:
                self._db_closer()  # closes once; the finalizer is spent
            self._db = None
