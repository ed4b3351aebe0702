"""The engine facade: the only thing the faces (Discord bot, REST API, terminal) call.

Synchronous and thread-safe. Each call reads `self._snap` once and works on that snapshot only, so a hot reload
(which builds a whole new Snapshot and then swaps one attribute) never mixes two builds inside one answer.
The sentence-transformers model is imported and loaded only when free text first needs it: the bot starts fast
and idles small.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING

import numpy as np

from morelike.build.reader import PublishedError, current_build_id, open_published
from morelike.engine import explain
from morelike.engine.franchise import prepare as franchise_prepare
from morelike.engine.franchise import siblings
from morelike.engine.rank import Profile, Ranked, Ranker, RankerError, boosted, gated, rank
from morelike.engine.rank import prepare as rank_prepare
from morelike.engine.search import filter_mask
from morelike.engine.snapshot import Snapshot, release_freed_memory
from morelike.engine.types import (
    ANIMATED,
    Candidate,
    EngineError,
    FilterError,
    Filters,
    Recommendation,
    Resolution,
    SimilarPage,
    TitleCard,
)
from morelike.settings import Config

if TYPE_CHECKING:
    from morelike.encoders import Encoder

log = logging.getLogger("morelike.engine")
# Blends: content similarity alone (a point between two stories), and never a title without a story.
CONTENT_RANKER = dataclasses.replace(Ranker.cosine_only(), sink_no_story=True)

MAX_K = 50
PER_OTHER_SERIES = 1  # titles of one other series a main list keeps (the variety rule; 2 measured, bench/README.md)
MAX_RANK = 1_000  # page * k + k: deeper than anyone scrolls, and it bounds the work of one call
MAX_TEXT = 1_000
BLEND_MIN, BLEND_MAX = 2, 3


def _one_blas_thread() -> None:
    """One BLAS thread in a process that serves queries: a query's matrix-vector products (the known pool's scan,
    0.1 ms) are too small to share, and OpenBLAS's second thread, waiting for a core the other requests hold, made
    each one take 8 ms on a busy 2-core machine (bench/README.md). Requests run in parallel instead."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")


def _keys_of(snap: Snapshot, ids: Collection[str]) -> set[int]:
    """The rows of catalog ids (or refs) in this build; ids it no longer has are skipped: a member's hidden titles
    are kept by catalog id, so they outlive rebuilds that drop or renumber a title."""
    if isinstance(ids, str):
        raise FilterError("exclude", "exclude takes a list of ids, not one string")
    keys = (snap.key_of(i) for i in ids)
    return {k for k in keys if k is not None}


def _check_paging(k: int, page: int) -> None:
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_K:
        raise FilterError("k", f"k must be a whole number from 1 to {MAX_K}, got {k!r}")
    if isinstance(page, bool) or not isinstance(page, int) or page < 0:
        raise FilterError("page", f"page must be a whole number from 0, got {page!r}")
    if (page + 1) * k > MAX_RANK:
        raise FilterError("page", f"page {page} is past the first {MAX_RANK} results")


def anime_default(snap: Snapshot, key: int, filters: Filters) -> Filters:
    """The `anime` filter a title's "more like this" gets when none is asked: an anime query keeps anime and other
    animation (its nearest live-action stories are mostly remakes and adaptations people asked to keep apart), any
    other query leaves anime out (issue 21). `include` mixes everything, `only`/`exclude` are taken as they are."""
    if filters.anime is not None:
        return filters
    return dataclasses.replace(filters, anime=ANIMATED if snap.anime[key] else "exclude")


class Engine:
    def __init__(self, config: Config, snapshot: Snapshot, ranker: Ranker | None = None) -> None:
        self.config = config
        self._snap = snapshot
        if ranker is None:
            try:
                ranker = Ranker.load()
            except RankerError as exc:
                raise EngineError(f"The ranking cannot start: {exc}.") from None
        self.ranker = ranker
        self._reload_lock = threading.Lock()
        self._encoders: dict[str, Encoder] = {}  # by model name: the story model, the free-text one
        self._encoder_lock = threading.Lock()
        self._refused_build: str | None = None

    # -- lifecycle -------------------------------------------------------------------------------------------
    @classmethod
    def open(cls, config: Config, ranker: Ranker | None = None) -> Engine:
        """Open the published build `current` points at; EngineError if there is none or its model differs.
        Similar search is ready on return; the title resolver (autocomplete) finishes building in a background
        thread, so the bot starts fast, and a resolve/suggest call arriving earlier waits for it."""
        engine = cls(config, cls._load(config, resolver=False), ranker)
        snap = engine._snap
        threading.Thread(target=lambda: snap.resolver, name="morelike-resolver", daemon=True).start()
        return engine

    @staticmethod
    def _load(config: Config, resolver: bool = True) -> Snapshot:
        started = time.perf_counter()
        _one_blas_thread()
        try:
            published = open_published(
                config.state_dir, expect_model=config.model.name, expect_recipe=config.model.text_recipe
            )
        except PublishedError as exc:
            raise EngineError(str(exc)) from None
        if published.manifest.get("model") != config.model.name:  # open_published checks it; keep the promise here
            raise EngineError(
                f"The published index was built with model '{published.manifest.get('model')}' but the "
                f"configuration sets '{config.model.name}': rebuild the index or change [model] name."
            )
        try:
            snap = Snapshot.load(published)
        except (OSError, ValueError) as exc:
            raise EngineError(f"The published build {published.build_id} cannot be read ({exc}); rebuild it.") from None
        # The per-snapshot tables of the ranking and of the series rules, built now rather than by a first query.
        rank_prepare(snap)
        franchise_prepare(snap)
        if resolver:  # a reload swaps in a snapshot that is ready for everything
            snap.resolver  # noqa: B018
        log.info(
            "event=engine_loaded build=%s titles=%d seconds=%.2f", snap.build_id, snap.n, time.perf_counter() - started
        )
        return snap

    @property
    def snapshot(self) -> Snapshot:
        return self._snap

    @property
    def build_id(self) -> str:
        return self._snap.build_id

    def reload_if_changed(self) -> bool:
        """Load the build `current` points at if it is not the one being served; True when it swapped."""
        target = current_build_id(self.config.state_dir)
        if target is None or target == self._snap.build_id or target == self._refused_build:
            return False
        with self._reload_lock:
            if target == self._snap.build_id:
                return False
            try:
                snap = self._load(self.config)
            except EngineError as exc:
                # Keep serving the build we have; say so once per refused build, not every poll.
                self._refused_build = target
                log.warning("event=reload_refused build=%s reason=%r", target, str(exc))
                return False
            old, self._snap = self._snap, snap
            log.info("event=reloaded old=%s new=%s", old.build_id, snap.build_id)
            del old
            release_freed_memory()  # the replaced snapshot's cycles, now garbage
            return True

    # -- titles ----------------------------------------------------------------------------------------------
    def genres(self) -> list[str]:
        return sorted(self._snap.genre_names)

    def get(self, id_or_ref: str) -> TitleCard | None:
        snap = self._snap
        key = snap.key_of(id_or_ref)
        return None if key is None else snap.card(key)

    def suggest(self, prefix: str, limit: int = 25, kind: str | None = None) -> list[TitleCard]:
        """Autocomplete; an empty prefix gives the best-known titles (what a just-focused field is offered)."""
        snap = self._snap
        if not isinstance(prefix, str):
            return []
        return snap.cards([key for key, _ in snap.resolver.suggest(prefix, limit=limit, kind=kind)])

    def resolve(self, text: str, limit: int = 10) -> Resolution:
        snap = self._snap
        if not isinstance(text, str) or not text.strip():
            return Resolution([], None)
        result = snap.resolver.resolve(text, limit=limit)
        cards = snap.cards([key for key, _, _ in result.candidates])
        candidates = [
            Candidate(card, float(score), matched)
            for card, (_, score, matched) in zip(cards, result.candidates, strict=True)
        ]
        clear = snap.card(result.clear_key) if result.clear_key is not None else None
        same = set(result.same_title)
        same_title = [c for c, (key, _, _) in zip(candidates, result.candidates, strict=True) if key in same]
        return Resolution(candidates, clear, same_title)

    def _key(self, snap: Snapshot, id_or_ref: str) -> int:
        key = snap.key_of(id_or_ref)
        if key is None:
            raise EngineError(f"No title with id {id_or_ref!r} in the index.")
        return key

    # -- recommendations -------------------------------------------------------------------------------------
    def similar(
        self,
        id: str,
        filters: Filters | None = None,
        k: int = 5,
        page: int = 0,
        franchise: bool | None = None,
        boost: bool | None = None,
        exclude: Collection[str] = (),
    ) -> SimilarPage:
        """Titles like `id`. `franchise`: its own series goes to `.series` and the main list keeps one title per
        other series; `boost`: titles sharing its director or lead cast rank higher. None = bot.toml default.
        `exclude`: catalog ids never to show (a member's "not for me", what they watched), left out of the main
        list and the series list alike; the page still fills from the titles after them."""
        snap = self._snap
        filters = filters or Filters()
        _check_paging(k, page)
        use_franchise = self.config.engine.franchise if franchise is None else bool(franchise)
        use_boost = self.config.engine.boost if boost is None else bool(boost)
        key = self._key(snap, id)
        filters = anime_default(snap, key, filters)
        q = np.asarray(snap.vector(key), dtype=np.float32)
        # What "an alike story" means for this query: the series list and the ranking's gates.
        profile = gated(snap, Profile.of(snap, [key]), q)
        floor = profile.people_floor
        hidden = _keys_of(snap, exclude)
        series = [k for k in self._series(snap, key, floor) if k not in hidden] if use_franchise else []
        shown = self._page(
            snap,
            q,
            profile,
            filter_mask(snap, filters),
            exclude=[*snap.same_work(key).tolist(), *series, *hidden],
            k=k,
            page=page,
            one_per_series=use_franchise,
            own_kin=frozenset(snap.family(key).tolist()),
            own_group=int(snap.groups[key]),
            boost=use_boost,
            query_key=key,
        )
        ranked, rows, has_more = shown
        cards = snap.cards([key] + [int(ranked.keys[i]) for i in rows] + series)
        items = self._recommendations(snap, cards[1 : len(rows) + 1], ranked, rows, [key])
        return SimilarPage(
            query=cards[0],
            items=items,
            page=page,
            k=k,
            has_more=has_more,
            series=cards[len(rows) + 1 :],
        )

    def discover(
        self, text: str, filters: Filters | None = None, k: int = 5, page: int = 0, exclude: Collection[str] = ()
    ) -> SimilarPage:
        """Titles matching a free-text description, encoded with the index's model (loaded on first use).
        `exclude`: catalog ids never to show, as for `similar`."""
        if not isinstance(text, str) or not text.strip():
            raise FilterError("q", "describe what you want to watch, e.g. 'a heist by stage magicians'")
        if len(text) > MAX_TEXT:
            raise FilterError("q", f"the description is {len(text)} characters long; keep it under {MAX_TEXT}")
        filters = filters or Filters()
        _check_paging(k, page)
        # The build's free-text space when it has one (any of 16 languages), else the story space (English).
        snap = self._snap.free_text_view()
        mask = filter_mask(snap, filters)
        q = self.encode(text.strip(), free_text=True)
        if q.shape[0] != snap.vectors.shape[1]:
            raise EngineError(f"The model gives {q.shape[0]} dimensions but the index has {snap.vectors.shape[1]}.")
        # A description has no genres, era or people of its own: its nearest texts, ordered by the fitted weights of
        # what it can share with a title (the story) and of what is the title's own (fame, rating); titles without
        # a story never answer it.
        ranked, rows, has_more = self._page(
            snap, q, Profile(story=True), mask, exclude=sorted(_keys_of(snap, exclude)), k=k, page=page,
            one_per_series=self.config.engine.franchise, ranker=self.ranker.for_free_text(),
        )  # fmt: skip
        items = self._recommendations(
            snap, snap.cards([int(ranked.keys[i]) for i in rows]), ranked, rows, [], free_text=True
        )
        return SimilarPage(None, items, page, k, has_more, [])

    def blend(self, ids: Sequence[str], filters: Filters | None = None, k: int = 5, page: int = 0) -> SimilarPage:
        """Titles close to two or three titles at once: the mean of their unit vectors, re-normalised, ranked
        against their genres, eras and people together. The inputs and (with franchise handling on) their
        series are left out."""
        if isinstance(ids, str) or not BLEND_MIN <= len(ids) <= BLEND_MAX:
            raise FilterError("ids", f"blend takes {BLEND_MIN} or {BLEND_MAX} titles")
        filters = filters or Filters()
        _check_paging(k, page)
        snap = self._snap
        keys = list(dict.fromkeys(self._key(snap, i) for i in ids))
        if len(keys) < BLEND_MIN:
            raise FilterError("ids", "blend needs two different titles")
        use_franchise = self.config.engine.franchise
        exclude = set(keys)
        if use_franchise:
            for key in keys:
                exclude.update(siblings(snap, key))
        q = np.mean([snap.vector(key) for key in keys], axis=0)
        norm = float(np.linalg.norm(q))
        if norm < 1e-6:
            raise EngineError("These titles point in opposite directions; there is nothing between them to find.")
        ranked, rows, has_more = self._page(
            snap,
            q / norm,
            Profile.of(snap, keys),
            filter_mask(snap, filters),
            exclude=sorted(exclude),
            k=k,
            page=page,
            one_per_series=use_franchise,
            ranker=CONTENT_RANKER,  # a point between two stories: content decides, as for free text
        )
        items = self._recommendations(snap, snap.cards([int(ranked.keys[i]) for i in rows]), ranked, rows, keys)
        return SimilarPage(None, items, page, k, has_more, [])

    @staticmethod
    def _series(snap: Snapshot, key: int, floor: float) -> list[int]:
        """The query's own series, whole and oldest first: its confirmed siblings, every title of its named series
        (snapshot.named_groups) and its family with a story above `floor`, one row per work, none of them a
        duplicate of the query. Whole, because a
        cut at ten left the rest to compete in the main list, where "The Matrix Reloaded" ranked while
        "Revolutions" was in the series list: one franchise split in two (issue 19)."""
        members = set(siblings(snap, key))
        named = int(snap.named_groups[key])
        if named >= 0:
            members.update(int(k) for k in snap.named_members.of(named))
        # Its family (what the why line calls "same franchise": "The Matrix Reloaded" for "The Matrix", whose
        # confirmed siblings are "Revolutions" and "The Animatrix") whose story is among the query's nearest: in
        # the main list beside a series list holding its siblings, one franchise was split in two. A family link
        # to a story that is not alike ("Assassin's Creed" for "Rocky", through a shared lead) stays a ranking
        # feature, not a claim of "same series".
        kin = snap.kin_keys(key)
        if len(kin):
            q = np.asarray(snap.vector(key), dtype=np.float32)
            close = np.asarray(snap.vectors[kin], dtype=np.float32) @ q >= floor
            members.update(int(k) for k in kin[close].tolist() if snap.story[k] or not snap.story[key])
        own = int(snap.works[key])
        best: dict[int, int] = {}  # work -> its best-known row
        for k in members:
            w = int(snap.works[k])
            if w != own and (w not in best or snap.votes[k] > snap.votes[best[w]]):
                best[w] = k
        return sorted(best.values(), key=lambda k: (int(snap.years[k]), k))

    def _ranker_for(self, boost: bool) -> Ranker:
        if not boost:
            return self.ranker
        return boosted(self.ranker, float(self.config.engine.boost_weight))

    def _page(
        self,
        snap: Snapshot,
        q: np.ndarray,
        profile: Profile,
        mask: np.ndarray | None,
        *,
        exclude: Sequence[int],
        k: int,
        page: int,
        one_per_series: bool,
        own_kin: frozenset[int] = frozenset(),
        own_group: int = -1,
        boost: bool = False,
        ranker: Ranker | None = None,
        query_key: int | None = None,
    ) -> tuple[Ranked, list[int], bool]:
        """One page of the ranking: (the ranking, the rows of it shown on this page, whether more follow).

        The ranking does not depend on the page, and the series rule walks it from the top every time, so page
        p is exactly the slice [p*k, (p+1)*k) of one list. The series rule keeps PER_OTHER_SERIES titles per
        *other* series; titles of the query's own named series and family (`own_kin`: nodes, snapshot.family) or
        of its group (`own_group`, snapshot.groups: people links too) that are not confirmed siblings stay: they
        may well be its sequels ("Fast Five" for "Furious 7"), and the ranking decides whether they show."""
        ranked = rank(
            snap, ranker or self._ranker_for(boost), q, profile, mask, list(exclude), query_key,
            keep_family=one_per_series and query_key is not None,
        )  # fmt: skip
        start, stop = page * k, (page + 1) * k
        kept: list[int] = []
        seen: dict[int, int] = {}
        works = snap.works
        shown_works = {int(works[k]) for k in exclude}  # the query's work and its series list
        for i, key in enumerate(ranked.keys.tolist()):
            work = int(works[key])
            if work in shown_works:  # a catalog duplicate of a title already shown
                continue
            shown_works.add(work)
            if one_per_series:
                g = int(snap.groups[key])
                if g >= 0 and g != own_group and int(snap.nodes[key]) not in own_kin:
                    if seen.get(g, 0) >= PER_OTHER_SERIES:
                        continue
                    seen[g] = seen.get(g, 0) + 1
            kept.append(i)
            if len(kept) > stop:
                break
        return ranked, kept[start:stop], len(kept) > stop

    def _recommendations(
        self,
        snap: Snapshot,
        cards: list[TitleCard],
        ranked: Ranked,
        rows: list[int],
        sources: list[int],
        *,
        free_text: bool = False,
    ) -> list[Recommendation]:
        explainer = explain.Explainer(snap, sources, free_text=free_text)
        reasons = explain.contributions(ranked.feature_rows(rows), ranked.pool_median, self.ranker.weights)
        return [
            Recommendation(
                card,
                float(ranked.scores[row]),
                explainer.why(int(ranked.keys[row]), float(ranked.cosines[row]), lifted),
            )
            for card, row, lifted in zip(cards, rows, reasons, strict=True)
        ]

    # -- free text -------------------------------------------------------------------------------------------
    def encode(self, text: str, free_text: bool = False) -> np.ndarray:
        """The unit vector of `text` under the index's model, or (`free_text`) under the model of the build's
        free-text space when it has one: the one that made those vectors, whatever bot.toml says now. Each model is
        imported and loaded once, on first use."""
        space = self._snap.free_text if free_text else None
        name = space.model if space is not None else self.config.model.name
        encoder = self._encoders.get(name)
        if encoder is None:
            with self._encoder_lock:
                encoder = self._encoders.get(name)
                if encoder is None:
                    from morelike.encoders import load_encoder  # here: the bot only pays for torch on first use

                    started = time.perf_counter()
                    settings = dataclasses.replace(self.config.model, name=name, batch_size=0)
                    try:
                        encoder = load_encoder(settings, self.config.state_dir / "models")
                    except Exception as exc:
                        raise EngineError(f"The model '{name}' cannot be loaded: {exc}") from None
                    self._encoders[name] = encoder
                    log.info("event=model_loaded model=%s seconds=%.2f", name, time.perf_counter() - started)
        vec = encoder.encode_query(text)
        return np.asarray(vec, dtype=np.float32).reshape(-1)
