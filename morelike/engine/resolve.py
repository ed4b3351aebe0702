"""Title resolution: from what people type to catalog keys, and prefix autocomplete.

Pure: the engine makes one `TitleResolver` per published build, over the `TitleIndex` the build stored
(morelike.titleindex: arrays and string columns, mapped) or one made from `ResolverRow`s, and asks it questions; no
I/O here. Everything is keyed by the published build's dense `key`.

How a query is answered (`resolve`):

1. Ids and URLs first: our own ids (`imdb-tt…`, `trakt-movie-N`, `tmdb-movie-N`, `wiki-…`), the short `ref`,
   bare IMDb ids (`tt0113277`), and IMDb / Trakt / TMDB URLs. An id that names a title is the one clear winner;
   an id-shaped query that names nothing returns no candidates (guessing a film from "tt9999999" would mislead).
   A Trakt slug we do not know ("heat-1995") is read as a title plus a year hint, which is how Trakt builds slugs.
2. Exact normalised title (`morelike.catalog.normalize.normalize_title`: case, accents, punctuation, one leading
   article, any script), normalised original title, or one of the title's other names (its aliases and translated
   titles, where the source has them: "Le fabuleux destin d'Amélie Poulain", "千と千尋の神隠し"). Every title sharing
   it is offered ("Heat" 1972, 1986 and 1995), even beyond `limit`: same-title entries are never collapsed to one.
   Of these, `same_title` says which are the very title typed, article included ("Heat" is not "The Heat"; "thing"
   is "The Thing" when no title is just "Thing"; a title's own name before another title's alias): the one rule
   every face's "Which one?" follows, the others being looser matches.
3. A trailing year ("heat 1995", "The Thing (1982)") is a hint: it picks among same-title entries and reorders
   fuzzy ones. A title that *is* a year or ends in one ("1917", "Blade Runner 2049") still matches exactly.
4. Typos and partial titles: rapidfuzz, never a hand-written edit distance. Two passes over the unique normalised
   titles, both in C: `fuzz.ratio` over whole titles of about the typed length that start with its first or second
   letter or its second word's (typos: "godfahter", "now you se me", "teh cellar"), and a word pass —
   each query word is matched against the title vocabulary with `fuzz.ratio`, and titles are scored by the
   IDF-weighted share of query words they contain (partial titles: "shawshank", "star wars empire strikes").
   The measured alternatives (see bench/resolve.py) were worse: WRatio and partial_ratio rank one- and
   two-letter titles at 90-100 for any query and cost 35-65 ms over the catalog; token_set_ratio gives 100 to
   every title containing the query ("heat" → "big heat").

What an id or link names is read by `parse_reference` (pure, no catalog needed), so a face can say "no title has
the IMDb id tt1670345" instead of guessing titles from the letters of a URL.

`suggest` (autocomplete) answers what people send: nothing yet (Discord asks as soon as the field is focused:
the best-known titles), a pasted id or link (its title), a title with a year ("heat 1995": that entry first),
and prefixes. Prefixes never scan: prefix lookups by bisect over sorted arrays built once (whole normalised
titles, then every word-start suffix "you see me", "see me"), the best by popularity taken with numpy
`argpartition`; a `fuzz.ratio` pass fills the list only when prefixes find fewer than `limit` titles.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import numpy as np
from rapidfuzz import fuzz, process

from morelike.catalog.normalize import normalize_title
from morelike.catalog.records import KIND_CODE
from morelike.titleindex import (  # the MATCH_ names and ResolverRow are this module's API too
    MATCH_ALIAS,
    MATCH_NAMES,
    MATCH_ORIGINAL,
    MATCH_TITLE,
    START_BUCKETS,
    ResolverRow,
    Strings,
    TitleIndex,
    band_code,
    band_codes,
    trakt_lookup,
)

__all__ = ["MATCH_ALIAS", "MATCH_FUZZY", "MATCH_ID", "MATCH_ORIGINAL", "MATCH_TITLE", "ResolverRow", "TitleResolver"]

MATCH_ID = "id"
MATCH_FUZZY = "fuzzy"

# Scores (0-100). Exact matches are 100; a year hint that disagrees costs points but never hides a title.
_EXACT = 100.0
_YEAR_NEAR_PENALTY = 4.0  # release years differ by one between sources (festival vs theatrical release)
_YEAR_MISS_PENALTY = 20.0
_FUZZY_CUTOFF = 55.0  # below this a fuzzy candidate is noise
_RATIO_CUTOFF = 65.0  # whole-title typo pass; partial titles come from the word pass
_WORD_CUTOFF = 80.0  # a query word matches a title word at this fuzz.ratio or better ("se"~"see", "godfahter")
_CLEAR_FUZZY_MIN = 85.0  # a typo match is a clear winner only when this close ...
_CLEAR_FUZZY_GAP = 6.0  # ... and this far ahead of the next distinct title
_SUGGEST_EXACT = 100.0
_SUGGEST_PREFIX = 90.0
_SUGGEST_WORD = 80.0
_SUGGEST_FUZZY_SCALE = 0.7  # fuzzy fill-ins always rank below any prefix hit
_SUGGEST_FUZZY_MIN, _SUGGEST_FUZZY_MAX = 3, 14  # typed lengths that get a typo fill-in
_SUGGEST_FUZZY_BUCKETS = START_BUCKETS  # title-start lengths compared with what was typed
_MAX_QUERY_CHARS, _MAX_QUERY_WORDS = 200, 12  # nobody types more for a title; bounds the work of one call
_POPULARITY_BONUS = 3.0  # fuzzy scores gain up to this much for popular titles ("dark night" → The Dark Knight)

_YEAR_TAIL = re.compile(r"^(?P<rest>.*?\S)[\s,.\-–—:/]*[(\[]?(?<!\d)(?P<year>(?:18|19|20)\d\d)[)\]]?\s*$")
_IMDB_ID = re.compile(r"^(?:imdb-)?(tt\d{5,10})$", re.IGNORECASE)
_TRAKT_ID = re.compile(r"^trakt-(movie|show)-(\d+)$", re.IGNORECASE)
_TMDB_ID = re.compile(r"^tmdb-movie-(\d+)$", re.IGNORECASE)
_REF = re.compile(r"^[a-z2-7]{10}$")
_SLUG_YEAR = re.compile(r"^(?P<rest>.+)-(?P<year>(?:18|19|20)\d\d)$")


@dataclass(frozen=True)
class ResolveResult:
    # (key, score 0-100, matched: "id" | "title" | "original_title" | "alias" | "fuzzy")
    candidates: list[tuple[int, float, str]]
    clear_key: int | None  # set only when one candidate is a clear winner
    # The candidates that are the very title typed (see `same_titles`), in candidate order: what a face offers
    # as "Which one?". The other candidates are looser matches ("did you mean").
    same_title: tuple[int, ...] = ()


@dataclass(frozen=True)
class _IdQuery:
    """What an id-shaped query asks for; `title_text` is set when a Trakt slug should be read as a title."""

    key: int | None
    title_text: str | None = None


_SOURCE_WORDS = {"imdb": "IMDb", "trakt": "Trakt", "tmdb": "TMDB"}


@dataclass(frozen=True)
class Reference:
    """An id or link to a title on another site, as typed or pasted: `source` "imdb" | "trakt" | "tmdb", `kind`
    "movie" | "show" | None, `value` the id (tt0113277, 1102) or a Trakt slug (`slug`: True)."""

    source: str
    kind: str | None
    value: str
    slug: bool = False

    def __str__(self) -> str:
        """ "the IMDb id tt1670345", "the Trakt movie heat-1995": how a sentence names it."""
        site = _SOURCE_WORDS[self.source]
        if self.source == "imdb":
            return f"the IMDb id {self.value}" if _IMDB_ID.match(self.value) else f"the IMDb page {self.value}"
        return f"the {site} {self.kind or 'title'} {self.value}"


def parse_reference(text: str) -> Reference | None:
    """What an IMDb / Trakt / TMDB id or URL names; None for text that is no such reference (a title, our own id,
    a link to another site). Pure: it says what was asked for, not whether the catalog has it."""
    text = (text or "").strip()
    if m := _IMDB_ID.match(text):
        return Reference("imdb", None, m.group(1).lower())
    if m := _TRAKT_ID.match(text):
        return Reference("trakt", m.group(1).lower(), m.group(2))
    if m := _TMDB_ID.match(text):
        return Reference("tmdb", "movie", m.group(1))
    if "/" not in text or " " in text:
        return None
    url = urlsplit(text if "://" in text else "https://" + text)
    host = (url.hostname or "").removeprefix("www.").removeprefix("m.")
    parts = [unquote(p) for p in url.path.split("/") if p]
    if host == "imdb.com" or host.endswith(".imdb.com"):
        for part in parts:
            if m := _IMDB_ID.match(part):
                return Reference("imdb", None, m.group(1).lower())
        return Reference("imdb", None, text)  # an IMDb page that names no title (a person, a list)
    if (host == "trakt.tv" or host.endswith(".trakt.tv")) and len(parts) >= 2 and parts[0] in ("movies", "shows"):
        kind = "movie" if parts[0] == "movies" else "show"
        ident = parts[1].casefold()
        return Reference("trakt", kind, ident, slug=not ident.isdigit())
    if (host == "themoviedb.org" or host.endswith(".themoviedb.org")) and len(parts) >= 2 and parts[0] == "movie":
        digits = re.match(r"\d+", parts[1])
        return Reference("tmdb", "movie", digits.group() if digits else parts[1])
    return None


class _PrefixArray:
    """Sorted strings with their keys and popularity: every string starting with a prefix is one bisect away."""

    def __init__(self, strings: Strings, keys: np.ndarray, popularity: np.ndarray, kinds: np.ndarray) -> None:
        self.strings = strings
        self.keys = keys
        self.pop = popularity[keys]
        self.kinds = kinds[keys]

    def range(self, prefix: str) -> tuple[int, int]:
        return self.strings.prefixed(prefix)

    def best(self, lo: int, hi: int, want: int, kind_code: int | None) -> list[int]:
        """Keys in [lo, hi) by popularity, best first, at least `want` distinct ones when that many exist."""
        if hi <= lo:
            return []
        pop = self.pop[lo:hi]
        if kind_code is not None:
            pop = np.where(self.kinds[lo:hi] == kind_code, pop, -np.inf)
        take = min(hi - lo, want * 3)  # word suffixes repeat a key; over-take so dedupe still leaves `want`
        while True:
            if take < hi - lo:
                idx = np.argpartition(-pop, take - 1)[:take]
            else:
                idx = np.arange(hi - lo)
            # Ties (many titles have no popularity) break by string order so results are stable.
            idx = idx[np.lexsort((idx, -pop[idx]))]
            out: list[int] = []
            seen: set[int] = set()
            for i in idx:
                if pop[i] == -np.inf:
                    break
                key = int(self.keys[lo + i])
                if key not in seen:
                    seen.add(key)
                    out.append(key)
            if len(out) >= want or take >= hi - lo:
                return out
            take = min(hi - lo, take * 4)


class TitleResolver:
    """Resolves typed text to catalog keys, over a `TitleIndex`: made from rows (`TitleResolver(rows)`), or from
    the index a build stored (`from_index`: a second at 1.3M titles where making it takes 35-40 s)."""

    def __init__(self, rows: Sequence[ResolverRow]) -> None:
        self._use(TitleIndex.compute(rows))

    @classmethod
    def from_index(cls, index: TitleIndex) -> TitleResolver:
        resolver = cls.__new__(cls)
        resolver._use(index)
        return resolver

    # ----------------------------------------------------------------------------------------- construction
    def _use(self, index: TitleIndex) -> None:
        """What the questions read, from the index: its arrays as they are, and the few columns that rapidfuzz
        scans whole as Python lists (one decode each)."""
        self._index = ix = index
        self._popularity = np.asarray(ix.popularity, dtype=np.float64)
        self._kinds = np.asarray(ix.kinds)
        self._years = np.asarray(ix.years)
        self._names = ix.names
        self._entry_ptr, self._entry_key, self._entry_match = ix.entry_ptr, ix.entry_key, ix.entry_match
        first = np.asarray(ix.entry_key[np.asarray(ix.entry_ptr[:-1])], dtype=np.int64)
        self._norm_best_pop = self._popularity[first] if len(first) else np.zeros(0)
        top_pop = float(self._popularity.max()) if len(self._popularity) else 0.0
        self._bonus = _POPULARITY_BONUS * np.log1p(self._popularity) / math.log1p(top_pop) if top_pop > 0 else None
        self._by_len_idx = np.asarray(ix.by_len, dtype=np.int64)
        self._by_len_norms = ix.by_len_names.decode(0, len(ix.by_len_names))
        self._by_len_code = band_codes(self._by_len_norms)  # ascending: the names' order
        self._by_popularity = np.asarray(ix.by_popularity, dtype=np.int64)
        self._vocab = ix.vocab.decode(0, len(ix.vocab))  # sorted: a word's position is a bisect away
        self._post_ptr, self._post_ids = ix.post_ptr, ix.post_ids
        total = max(len(self._names), 1)
        self._idf = np.log(1 + total / np.maximum(np.diff(np.asarray(ix.post_ptr)), 1)).astype(np.float64)
        self._whole = _PrefixArray(ix.whole, np.asarray(ix.whole_keys), self._popularity, self._kinds)
        self._words = _PrefixArray(ix.words, np.asarray(ix.words_keys), self._popularity, self._kinds)
        # Typo fill-in for autocomplete compares the typed text with title starts a little longer than it, so a
        # long title is not penalised for the part not typed yet: one sorted column of distinct starts per bucket
        # length (their titles are a bisect away in `_whole`).
        self._starts = dict(zip(_SUGGEST_FUZZY_BUCKETS, ix.starts, strict=True))
        self._ids = ix.ids

    def _entries(self, norm: str) -> list[tuple[int, str]]:
        """(key, "title" | "original_title" | "alias") of every title with the normalised name `norm`, most
        popular first."""
        i = self._index.name_table.get(norm)
        return [] if i is None else self._entries_at(i)

    def _entries_at(self, i: int) -> list[tuple[int, str]]:
        lo, hi = int(self._entry_ptr[i]), int(self._entry_ptr[i + 1])
        matches = self._entry_match[lo:hi].tolist()
        return [(key, MATCH_NAMES[m]) for key, m in zip(self._entry_key[lo:hi].tolist(), matches, strict=True)]

    def _postings(self, vidx: int) -> np.ndarray:
        return np.asarray(self._post_ids[self._post_ptr[vidx] : self._post_ptr[vidx + 1]], dtype=np.int64)

    def _year_of(self, key: int) -> int | None:
        return int(self._years[key]) or None

    # ------------------------------------------------------------------------------------------ suggest
    def suggest(self, prefix: str, limit: int = 25, kind: str | None = None) -> list[tuple[int, float]]:
        """Autocomplete: up to `limit` (key, score) best first. Nothing typed: the best-known titles. An id or
        link: its title. Else exact title, a year hint's pick ("heat 1995"), title prefix, word prefix, fuzzy."""
        kind_code = KIND_CODE.get(kind) if kind else None
        if limit <= 0:
            return []
        text = (prefix or "")[:_MAX_QUERY_CHARS].strip()
        if not text:
            return self._popular(limit, kind_code)
        id_query = self._parse_id(text)
        if id_query is not None:
            if id_query.key is not None:
                keep = kind_code is None or self._kinds[id_query.key] == kind_code
                return [(id_query.key, _SUGGEST_EXACT)] if keep else []
            if id_query.title_text is None:
                return []  # an id that names nothing here: offering look-alike titles would mislead
            text = id_query.title_text
        out = self._suggest(text, limit, kind, typos=True)
        hinted = self._year_hinted(text, kind_code)
        if hinted:
            # "heat 1995": the entry of that title and year first; prefixes of the whole text rarely match.
            seen = {k for k, _ in hinted}
            out = (hinted + [(k, s) for k, s in out if k not in seen])[:limit]
        return out

    def _popular(self, limit: int, kind_code: int | None) -> list[tuple[int, float]]:
        order = self._by_popularity
        if kind_code is not None:
            order = order[self._kinds[order] == kind_code]
        return [(int(k), _SUGGEST_WORD) for k in order[:limit]]

    def _year_hinted(self, text: str, kind_code: int | None) -> list[tuple[int, float]]:
        """Same-title entries of "title year" text, the one of that year first (none when it is no such text)."""
        m = _YEAR_TAIL.match(text)
        if not m:
            return []
        year = int(m.group("year"))
        entries = self._entries(normalize_title(m.group("rest")))
        keys = [k for k, _ in entries if kind_code is None or self._kinds[k] == kind_code]
        keys.sort(key=lambda k: self._year_penalty(k, year))  # stable: popularity order within a penalty
        return [(k, _SUGGEST_EXACT - self._year_penalty(k, year)) for k in keys]

    def _suggest(self, prefix: str, limit: int, kind: str | None, *, typos: bool) -> list[tuple[int, float]]:
        prefix = prefix[:_MAX_QUERY_CHARS]
        query = normalize_title(prefix, drop_article=False)
        if limit <= 0 or not query:
            return []
        kind_code = KIND_CODE.get(kind) if kind else None  # "both" or None: every kind
        out: list[tuple[int, float]] = []
        seen: set[int] = set()

        def add(keys: list[int], score: float) -> None:
            for key in keys:
                if key not in seen and len(out) < limit:
                    seen.add(key)
                    out.append((key, score))

        bare = normalize_title(prefix)
        exact = [k for k, _ in self._entries(bare) if kind_code is None or self._kinds[k] == kind_code]
        add(exact, _SUGGEST_EXACT)
        if len(out) < limit:
            lo, hi = self._whole.range(query)
            add(self._whole.best(lo, hi, limit, kind_code), _SUGGEST_PREFIX)
        if len(out) < limit and bare != query:  # "the godf": the article-free form too
            lo, hi = self._whole.range(bare)
            add(self._whole.best(lo, hi, limit, kind_code), _SUGGEST_PREFIX)
        if len(out) < limit:
            lo, hi = self._words.range(query)
            add(self._words.best(lo, hi, limit, kind_code), _SUGGEST_WORD)
        if typos and len(out) < limit and _SUGGEST_FUZZY_MIN <= len(bare) <= _SUGGEST_FUZZY_MAX:
            # A typo in what was typed so far ("godfah", "interstel"): compare with title starts of about the
            # same length, so a long title is not penalised for the part not yet typed.
            bucket = next(n for n in _SUGGEST_FUZZY_BUCKETS if n > len(bare) or n == _SUGGEST_FUZZY_BUCKETS[-1])
            # The first letter is taken as typed (Elasticsearch's fuzzy `prefix_length: 1`): people rarely get
            # it wrong, and it cuts the comparisons twentyfold so autocomplete stays fast under load.
            starts = self._starts[bucket]
            lo = bisect_left(starts, bare[0])
            hi = bisect_left(starts, bare[0] + "\U0010ffff", lo)
            for start, score, _ in process.extract(
                bare, starts[lo:hi], scorer=fuzz.ratio, processor=None, limit=limit, score_cutoff=68
            ):
                lo, hi = self._whole.range(start)
                add(self._whole.best(lo, hi, limit - len(out), kind_code), round(score * _SUGGEST_FUZZY_SCALE, 2))
                if len(out) >= limit:
                    break
        return out

    # ------------------------------------------------------------------------------------------ resolve
    def resolve(self, text: str, limit: int = 10) -> ResolveResult:
        """Ranked candidates for typed text; `clear_key` only when one of them is unambiguous."""
        raw = (text or "").strip()
        if not raw or limit <= 0:
            return ResolveResult([], None)
        id_query = self._parse_id(raw)
        if id_query is not None:
            if id_query.key is not None:
                return ResolveResult([(id_query.key, _EXACT, MATCH_ID)], id_query.key, (id_query.key,))
            if id_query.title_text is None:
                return ResolveResult([], None)
            raw = id_query.title_text
        return self._resolve_title(raw, limit)

    def _resolve_title(self, raw: str, limit: int) -> ResolveResult:
        raw = raw[:_MAX_QUERY_CHARS]
        full = normalize_title(raw)
        year: int | None = None
        rest = full
        m = _YEAR_TAIL.match(raw)
        if m:
            year = int(m.group("year"))
            rest = normalize_title(m.group("rest"))
        if not full:
            return ResolveResult([], None)

        # Exact normalised matches. The whole text wins over the year reading: "1917", "Blade Runner 2049".
        exact: list[tuple[int, str]] = self._entries(full)
        hinted = year is not None and bool(rest) and rest != full
        if exact:
            hinted = False
        elif hinted:
            exact = self._entries(rest)
        query = rest if hinted else full

        scored: dict[int, tuple[float, str]] = {}
        for key, matched in exact:
            scored[key] = (_EXACT, matched)
        if exact:
            # An exact hit needs no typo search; its neighbours by prefix ("Now You See Me 2") are the
            # alternatives worth offering, scored by how much of them was typed.
            # Sized by `limit`, not by the same-title count: a title shared by thousands of rows must not
            # make the neighbour lookup thousands long (the same-title rows are all offered anyway).
            for key, _ in self._suggest(query, limit + min(len(exact), limit), None, typos=False):
                if key not in scored:
                    scored[key] = (
                        self._near(self._fuzzy_score(query, self._norm_of(key)), key),
                        MATCH_FUZZY,
                    )
        else:
            for key, score in self._fuzzy(query, limit * 3):
                scored[key] = (score, MATCH_FUZZY)
        if hinted and year is not None:
            scored = {k: (s - self._year_penalty(k, year), m) for k, (s, m) in scored.items()}

        exact_keys = {k for k, _ in exact}
        typed = normalize_title(m.group("rest") if hinted and m else raw, drop_article=False)
        same = self._same_titles(exact, query, typed)
        # Among equal scores, the very title typed comes before titles that only normalise alike ("Heat" before
        # "The Heat", whose article the normaliser drops), then the most popular.
        ranked = sorted(scored.items(), key=lambda kv: (-kv[1][0], kv[0] not in same, -self._popularity[kv[0]], kv[0]))
        # Same-title entries are all offered, even past `limit`.
        keep = [kv for i, kv in enumerate(ranked) if i < limit or kv[0] in exact_keys]
        candidates = [(key, round(max(score, 0.0), 2), matched) for key, (score, matched) in keep]
        clear = self._clear(candidates, same, exact_keys, hinted, year, query)
        return ResolveResult(candidates, clear, tuple(key for key, _, _ in candidates if key in same))

    def _same_titles(self, exact: list[tuple[int, str]], norm: str, typed: str) -> set[int]:
        """Which exact matches (of normalised `norm`) are "the same title" as `typed` (normalised, its article
        kept): the rule every face's "Which one?" follows. The entries whose title (or original title) reads as
        typed, article and all: "Heat" is Heat 1972, 1986 and 1995, not "The Heat" (2013), which the normaliser
        makes alike by dropping its article. When no entry reads as typed ("thing" for "The Thing" 1982 and 2011),
        every exact match is: the typist left the article out, as people do. A title's own name comes before
        another title's alias: only when no title or original title matches are the titles an alias names the
        same title (the German "Hangover" is The Hangover, unless a film is called "Hangover")."""
        pool = [(k, matched) for k, matched in exact if matched != MATCH_ALIAS] or exact
        literal = {
            k for k, matched in pool if normalize_title(self._text(k, matched, norm), drop_article=False) == typed
        }
        return literal or {k for k, _ in pool}

    def _text(self, key: int, matched: str, norm: str) -> str:
        """The text, as the catalog has it, of `key`'s name that normalises to `norm` (matched as `matched`)."""
        if matched == MATCH_ALIAS:
            ix = self._index
            lo, hi = np.searchsorted(ix.alias_keys, [key, key + 1]).tolist()
            return next(ix.alias_texts[i] for i in range(lo, hi) if ix.alias_norms[i] == norm)
        title = self._index.titles[key]
        return (self._index.originals[key] or title) if matched == MATCH_ORIGINAL else title

    def _of_year(self, keys: set[int], year: int) -> set[int]:
        """The keys released in `year`, else those a year off (sources disagree by one), else none."""
        return {k for k in keys if self._year_of(k) == year} or {
            k for k in keys if (have := self._year_of(k)) is not None and abs(have - year) == 1
        }

    def _year_penalty(self, key: int, year: int) -> float:
        have = self._year_of(key)
        if have is None:
            return _YEAR_MISS_PENALTY / 2
        if have == year:
            return 0.0
        return _YEAR_NEAR_PENALTY if abs(have - year) == 1 else _YEAR_MISS_PENALTY

    def _clear(
        self,
        candidates: list[tuple[int, float, str]],
        same: set[int],
        exact_keys: set[int],
        hinted: bool,
        year: int | None,
        query: str,
    ) -> int | None:
        if not candidates:
            return None
        if exact_keys:
            pool = same
            if hinted and year is not None:
                # The year picks among the same-title entries; failing that, among all that normalise alike
                # ("heat 2013": The Heat, the only one of that year).
                pool = self._of_year(same, year) or self._of_year(exact_keys, year)
            return next(iter(pool)) if len(pool) == 1 else None
        # Only fuzzy matches: clear when the best is a close whole-title match well ahead of the next title.
        top_key, top_score, _ = candidates[0]
        if top_score < _CLEAR_FUZZY_MIN:
            return None
        if len(candidates) > 1 and candidates[1][1] > top_score - _CLEAR_FUZZY_GAP:
            return None
        if hinted and year is not None and self._year_of(top_key) != year:
            return None
        return top_key

    def _popularity_bonus(self, key: int) -> float:
        return float(self._bonus[key]) if self._bonus is not None else 0.0

    def _near(self, score: float, key: int) -> float:
        """A fuzzy score with its popularity bonus, kept under an exact match's: "Now You See Me 2" must never
        rank above "Now You See Me" for that typed title, however popular it is."""
        return min(score + self._popularity_bonus(key), _EXACT - 0.01)

    def _norm_of(self, key: int) -> str:
        return normalize_title(self._index.titles[key])

    @staticmethod
    def _fuzzy_score(query: str, norm: str, coverage: float | None = None) -> float:
        """Whole-title similarity, or word coverage when that says more (a partial title); never 100."""
        ratio = fuzz.ratio(query, norm)
        if coverage is None:
            coverage = fuzz.token_set_ratio(query, norm) / 100.0 if ratio < 100 else 1.0
        return min(max(ratio, 75.0 * coverage + 0.25 * ratio), 99.0) - 0.01

    def _word_matches(self, word: str) -> list[tuple[float, int]]:
        """(similarity 0-1, vocab index) of title words a typed word stands for: itself and its longer forms
        ("philosopher" → "philosophers"), else typo neighbours ("godfahter" → "godfather")."""
        vocab = self._vocab  # sorted
        known = bisect_left(vocab, word)
        if known < len(vocab) and vocab[known] == word:
            out = [(1.0, known)]
            if len(word) >= 4:
                hi = bisect_left(vocab, word + "\U0010ffff", known)
                for other in range(known + 1, min(hi, known + 20)):
                    out.append((fuzz.ratio(word, vocab[other]) / 100.0, other))
            return out
        if len(word) <= 2:
            return []
        return [
            (sim / 100.0, idx)
            for _, sim, idx in process.extract(
                word, self._vocab, scorer=fuzz.ratio, processor=None, limit=12, score_cutoff=_WORD_CUTOFF
            )
        ]

    def _fuzzy(self, query: str, limit: int) -> list[tuple[int, float]]:
        """(key, score) for titles near `query`: whole-title typos and IDF-weighted word coverage."""
        candidates: set[int] = set()  # norm indices
        # Whole-title typos: fuzz.ratio >= cutoff needs a length within a factor of the query's (2·min/(n+m)),
        # so only that band of the length-sorted titles is compared.
        n = len(query)
        c = _RATIO_CUTOFF / 100.0
        # And titles starting with its first or second letter (a first letter dropped, doubled or swapped with the
        # next: "atrix", "amtrix") or its second word's (a misspelt article the normaliser keeps: "teh cellar"): at
        # 1.3M titles the whole band of lengths was a million titles, 100 ms a typo; those letters' share of it is
        # 10x fewer. Only a wrong first letter ("natrix") is left to the word pass.
        lengths = np.array([int(n * c / (2 - c)), int(n * (2 - c) / c) + 1])
        second_word = query.find(" ") + 1
        for first in dict.fromkeys(query[:2] + (query[second_word] if second_word else "")):
            lo, hi = np.searchsorted(self._by_len_code, band_code(ord(first), lengths)).tolist()
            for _, _, pos in process.extract(
                query, self._by_len_norms[lo:hi], scorer=fuzz.ratio, processor=None, limit=limit,
                score_cutoff=_RATIO_CUTOFF,
            ):  # fmt: skip
                candidates.add(int(self._by_len_idx[lo + pos]))
        # Word coverage, each word adding to only the names that hold it: at 1.3M titles a dense array per word
        # (made, scaled, added) cost 3 ms each, most of a typo's resolve. np.zeros maps zero pages, so the names no
        # word touches cost nothing until the one comparison at the end.
        coverage = np.zeros(len(self._names), dtype=np.float64)
        total = 0.0
        max_idf = float(self._idf.max()) if len(self._idf) else 1.0
        for word in query.split()[:_MAX_QUERY_WORDS]:
            matches = self._word_matches(word)
            # An unknown word weighs like the rarest word: a title lacking it is missing something specific.
            weight = float(self._idf[matches[0][1]]) if matches and matches[0][0] == 1.0 else max_idf
            total += weight
            counted = np.zeros(len(self._names), dtype=bool) if len(matches) > 1 else None
            for sim, vidx in sorted(matches, key=lambda m: -m[0]):  # a name counts the word's best match only
                holders = self._postings(vidx)
                if counted is not None:
                    holders = holders[~counted[holders]]
                    counted[holders] = True
                coverage[holders] += weight * sim  # a posting list holds each name once
        if total > 0:
            # coverage / total >= 0.5 over the names that could pass (one comparison over the array, no division)
            near = np.flatnonzero(coverage >= 0.5 * total * (1 - 1e-9))
            top = near[coverage[near] / total >= 0.5]
            if len(top) > limit:
                order = np.lexsort((-self._norm_best_pop[top], -coverage[top] / total))
                top = top[order[:limit]]
            candidates.update(top.tolist())
        best: dict[int, float] = {}  # a title near by several of its names scores by the nearest
        for idx in candidates:
            norm = self._names[idx]
            base = self._fuzzy_score(query, norm, float(coverage[idx]) / total if total > 0 else 0.0)
            if base < _FUZZY_CUTOFF:
                continue
            for key, _ in self._entries_at(idx):
                best[key] = max(best.get(key, 0.0), self._near(base, key))
        return sorted(best.items(), key=lambda ks: (-ks[1], -self._popularity[ks[0]], ks[0]))

    # ----------------------------------------------------------------------------------------------- ids
    def _parse_id(self, raw: str) -> _IdQuery | None:
        """None when `raw` does not look like an id or URL; else what it names."""
        text = raw.strip()
        folded = text.casefold()
        ids = self._ids
        if (key := ids["ids"].get(folded)) is not None:
            return _IdQuery(key)
        if _REF.match(text) and (key := ids["refs"].get(text)) is not None:
            return _IdQuery(key)
        ref = parse_reference(text)
        if ref is None:
            return None
        if ref.source == "imdb":
            return _IdQuery(ids["imdb"].get(ref.value))
        if ref.source == "tmdb":
            return _IdQuery(ids["tmdb"].get(str(int(ref.value))) if ref.value.isdigit() else None)
        if not ref.slug:
            return _IdQuery(ids["trakt"].get(trakt_lookup(ref.kind, int(ref.value))) if ref.kind is not None else None)
        if (key := ids["slugs"].get(ref.value)) is not None:
            return _IdQuery(key)
        # Trakt slugs are the title in kebab case, plus "-<year>" when needed: read it as a title query.
        m = _SLUG_YEAR.match(ref.value)
        words = (m.group("rest") if m else ref.value).replace("-", " ")
        return _IdQuery(None, f"{words} {m.group('year')}" if m else words)
