"""The franchise graph over the whole catalog: groups, series stems that name other titles, named groups and
family links (see `morelike.franchise` for the rules). Computed from catalog data alone: titles, people, story
vectors and names; the per-query checks read what it made (`morelike.engine.franchise`).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from morelike.catalog.normalize import normalize_title
from morelike.franchise.titles import declared_series, distinctive, numbered_stems, stems, title_stem
from morelike.idlists import IdLists
from morelike.vectors import REMAKE_MIN_PERCENTILE, catalog_sample, nearer_than

LEAD_CAST = 3  # the billed names that count as "lead cast" for the boost and the series check
# The absolute cosines below are the default model's (static:morelike-story). They were set on the plain
# distillation it replaced, whose cosines sit much higher (0.6 there is reached by a query's ~5,600 nearest titles,
# 0.40 here; 0.5 there ~17,800 nearest, 0.28 here), and were carried over by matching those ranks (median over 300
# titles): kept absolute, El Camino left Breaking Bad's series list (0.41 under the trained model). The family link's
# was kept (below). Another model needs them measured again (bench/README.md, issue 19).
REMAKE_MIN_COSINE = 0.28  # two same-titled works this close in content are a remake pair, not a name clash…
# … and closer than REMAKE_MIN_PERCENTILE of the catalog is to the query (morelike.vectors, which the build shares)
# A title AT that boundary is inside it: the same two f16 rows widened and summed in another order differ by ~1e-7,
# and which way such a tie fell decided whether "The Price She Paid" (1924) was the 1917 film's remake.
NEAR_SLACK = 1e-5
PEOPLE_MIN_SHARED = 2  # lead cast + directors in common for a people link…
PEOPLE_MIN_COSINE = 0.34  # … and this close in content (two stars in two unrelated films stay unrelated);
PEOPLE_MIN_COSINE_3 = 0.22  # with three or more people in common, sequels whose plots drift still link
PEOPLE_MAX_TITLES = 80  # a person in more titles than this (studio-era stock players) links nothing
PHRASE_MIN_COSINE = 0.4  # a title that starts with a series stem joins it only when its story is this close
PHRASE_MIN_PERCENTILE = 0.995  # … and nearer to it than 99.5% of the catalog is (about its 285 nearest of 57k);
PHRASE_MIN_PERCENTILE_ONE_WORD = 0.999  # a one-word name is often a word too ("Alien from L.A."): its 57 nearest
SUBTITLES_FOR_ONE_WORD = 3
FAMILY_MIN_WORD = 5  # a title word that can tie two titles' families ("jurassic", "bourne", "furious")…
FAMILY_MAX_TITLES = 20  # … when at most this many titles hold it
FAMILY_MAX_SIZE = 30  # titles a family may reach through such links
# Not carried over: family links now show in the series list, and 0.28 let the name "Matrix" tie Commando to it.
FAMILY_MIN_COSINE = 0.5
FAMILY_MIN_PAIRS = 2  # close title pairs that make two franchises one family
WEAK_MIN_COSINE = 0.3  # a title carrying a long series name joins its family (not its series list) from here…
WEAK_ENDS_MIN_WORDS = 3  # … and one ending with the name only when the name has three words ("The Wolf of Wall Street")
NAME_PAIR_TITLES = 2  # a name only two synopses use: one story among the other's nearest is enough (below)
# In more synopses than this a "name" is a common one ("Paris", "Jack") or a people, place or title word ("Jews",
# "Delhi", "Scottish", "Shakespeare", "Wars": 23-39 synopses); Godzilla is in 16, Skywalker in 10.
NAME_MAX_TITLES = 20
PHRASE_MAX_TITLES = 40  # a stem that starts more titles than this is a common phrase, not a franchise name


def _components(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Connected components over edges (a[i], b[i]): each node's smallest member (hook and shortcut, numpy)."""
    lab = np.arange(n, dtype=np.int64)
    if len(a) == 0:
        return lab
    while True:
        before = lab.copy()
        m = np.minimum(lab[a], lab[b])
        np.minimum.at(lab, a, m)
        np.minimum.at(lab, b, m)
        np.minimum.at(lab, before, lab)  # hook: a root takes the smallest label its members reached
        while True:
            jumped = lab[lab]
            if np.array_equal(jumped, lab):
                break
            lab = jumped
        if np.array_equal(lab, before):
            return lab


def group_ids(
    titles: Sequence[str],
    collections: Sequence[str | None] | None = None,
    links: np.ndarray | None = None,
    norms: Sequence[str] | None = None,
    own: Sequence[str] | None = None,
    namesakes: bool = True,
) -> np.ndarray:
    """One int per title: titles sharing a stem or a collection, or joined by a people link (an (m, 2) array
    of key pairs, see `people_links`), get the same id; -1 for titles alone. `own`: `stems(titles, norms)`, if
    known (a snapshot makes three groupings from one stem pass). `namesakes=False`: a stem joins its titles only
    when one of them carries more than the stem (a number or a subtitle: "Toy Story 2", "Halloween II") or a link
    touches one of them (a series name other titles carry: "Planet of the Apes" 1968 and 2001), so that works that
    merely share a title ("Crash" 2004 and Cronenberg's 1996 "Crash") are not one named series; a
    remake among them is still a series sibling through `siblings`, which reads the other grouping."""
    n = len(titles)
    own = stems(titles, norms) if own is None else own
    serial: set[str] = set()
    if not namesakes:
        norms = [normalize_title(t) for t in titles] if norms is None else norms
        serial = {stem for stem, norm in zip(own, norms, strict=True) if stem and stem != norm}
        if links is not None and len(links):  # a series name that other titles carry ("Planet of the Apes")
            serial |= {own[k] for k in np.unique(links).tolist() if own[k]}
    first_of: dict[str, int] = {}
    src, dst = [], []
    for i, stem in enumerate(own):
        coll = collections[i] if collections is not None else None
        key = f"c:{coll.casefold()}" if coll else (stem if namesakes or stem in serial else "")
        if key:
            j = first_of.setdefault(key, i)
            if j != i:
                src.append(j)
                dst.append(i)
    a = np.asarray(src, dtype=np.int64)
    b = np.asarray(dst, dtype=np.int64)
    if links is not None and len(links):
        a = np.concatenate([a, links[:, 0].astype(np.int64)])
        b = np.concatenate([b, links[:, 1].astype(np.int64)])
    roots = _components(n, a, b)
    _, inverse, counts = np.unique(roots, return_inverse=True, return_counts=True)
    out = np.full(n, -1, dtype=np.int32)
    shared = counts[inverse] > 1
    dense = np.cumsum(counts > 1) - 1  # ids 0.. for groups of two or more
    out[shared] = dense[inverse[shared]]
    return out


def _names_a_series(stem: str, titles: Sequence[str]) -> bool:
    """Whether titles sharing `stem` make it a franchise name that other titles may carry. One word must come
    with a numbered sequel or three subtitled entries ("Terminator 2", "Godzilla: …" ×3), since a single word
    with one subtitle is as often a common word ("Hollywood: The Great Stars"); longer stems need one sequel or
    subtitle, or three words."""
    if len(titles) < 2 or not distinctive(stem):
        return False
    marks = [title_stem(t) for t in titles]
    numbered = sum(m.number is not None for m in marks)
    subtitled = sum(m.subtitled for m in marks)
    if len(stem.split()) == 1:
        return numbered >= 1 or subtitled >= SUBTITLES_FOR_ONE_WORD
    return numbered + subtitled >= 1 or len(stem.split()) >= 3


def phrase_series(
    titles: Sequence[str], norms: Sequence[str], vectors: np.ndarray, own: Sequence[str] | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Titles named by a series stem: (series stem id per title, -1 for none; key pairs to join in groups; key pairs
    of the wider family only, which join groups but are no confirmed siblings).

    A title belongs to the shortest series stem that is its own stem, or that its title starts with (ends with, for
    stems of two words or more; or is the plural of) when its story is close to one of the stem's own titles: within
    PHRASE_MIN_COSINE, and nearer than PHRASE_MIN_PERCENTILE of the catalog is. "The Terminator" and "Terminator 2"
    make "terminator" a series stem; "Terminator Salvation" starts with it and tells a close story, so it joins;
    "Terminal Velocity" does not start with it, and "Samurai Gourmet" (a food show) is not close to "Samurai III"."""
    n = len(titles)
    own = stems(titles, norms) if own is None else own  # `own`: `stems(titles, norms)`, if known
    by_stem: dict[str, list[int]] = {}
    for i, stem in enumerate(own):
        if stem:
            by_stem.setdefault(stem, []).append(i)
    series = {stem: keys for stem, keys in by_stem.items() if _names_a_series(stem, [titles[k] for k in keys])}
    # A subtitle that says whose it is ("El Camino: A Breaking Bad Movie", "Solo: A Star Wars Story") names a
    # series even when that series has one title (the show), and vouches for the title it is on.
    declared: dict[str, list[int]] = {}
    for j, title in enumerate(titles):
        told = declared_series(title)
        if told and told in by_stem and told != own[j]:
            declared.setdefault(told, []).append(j)
            series.setdefault(told, by_stem[told])
    first_word: dict[str, list[int]] = {}
    last_word: dict[str, list[int]] = {}
    for i, norm in enumerate(norms):
        if " " in norm:
            first_word.setdefault(norm.split(" ", 1)[0], []).append(i)
            last_word.setdefault(norm.rsplit(" ", 1)[1], []).append(i)
    names = sorted(series)
    # (named, partner, cosine, stem id, said so by its subtitle)
    found: list[tuple[np.ndarray, np.ndarray, np.ndarray, int, np.ndarray]] = []
    weak: list[np.ndarray] = [np.empty((0, 2), dtype=np.int64)]
    one_word = np.asarray([" " not in stem for stem in names])
    for sid, stem in enumerate(names):
        owners = np.asarray(series[stem], dtype=np.int64)
        words = stem.split()
        head, tail = stem + " ", " " + stem
        starts = [j for j in first_word.get(words[0], ()) if norms[j].startswith(head) and own[j] != stem]
        # A title ending with the name while its own stem names another series is a crossover ("Phineas and
        # Ferb: Star Wars", "Robot Chicken: Star Wars"): joined, it bridged both franchises into one group, and
        # every Phineas and Ferb film ranked as Star Wars's own series. A series whose own name ends with this
        # one is a part of it ("The Amazing Spider-Man" and its sequel) and joins.
        ends = (
            [
                j
                for j in last_word.get(words[-1], ())
                if norms[j].endswith(tail) and (own[j] not in series or own[j].endswith(tail))
            ]
            if len(words) >= 2
            else []
        )
        plural = by_stem.get(stem + "s", ())  # "Aliens", "Predators": the sequel named as the plural
        subtitled = declared.get(stem, ())
        named = np.asarray(sorted(set(starts) | set(ends) | set(plural) | set(subtitled)), dtype=np.int64)
        if 0 < len(named) <= PHRASE_MAX_TITLES:
            # A title may be told close to the plural sequel too: "Alien Resurrection" is nearest to "Aliens"
            # (0.78), not to "Alien" (0.67). The plural title itself is still judged against the stem's own.
            partners = np.concatenate([owners, np.asarray(plural, dtype=np.int64)])
            cos = np.asarray(vectors[named], dtype=np.float32) @ np.asarray(vectors[partners], dtype=np.float32).T
            cos[named[:, None] == partners[None, :]] = -1.0  # not its own partner
            best = cos.argmax(axis=1)
            top = cos[np.arange(len(named)), best]
            close = top >= PHRASE_MIN_COSINE
            found.append((named[close], partners[best[close]], top[close], sid, np.isin(named[close], subtitled)))
            # The family, not the series list: a long name is evidence enough that a title starting with it (or
            # ending with it, from three words) belongs with the franchise even when the story is not close by
            # this model ("Mad Max Beyond Thunderdome", "Evil Dead Rise", "War for the Planet of the Apes").
            if len(words) >= 2:
                long_enough = np.isin(named, starts) | (len(words) >= WEAK_ENDS_MIN_WORDS)
                loose = long_enough & (top >= WEAK_MIN_COSINE)
                weak.append(np.stack([partners[best[loose]], named[loose]], axis=1))
    named = np.concatenate([f[0] for f in found]) if found else np.empty(0, np.int64)
    partner = np.concatenate([f[1] for f in found]) if found else np.empty(0, np.int64)
    top = np.concatenate([f[2] for f in found]) if found else np.empty(0, np.float32)
    sid_of = np.concatenate([np.full(len(f[0]), f[3]) for f in found]) if found else np.empty(0, np.int64)
    said = np.concatenate([f[4] for f in found]) if found else np.empty(0, bool)
    if len(named):
        # How the partner ranks among the title's neighbours, read off a fixed sample of the catalog: a stem's
        # title that is only as close as a few hundred others (an "alien" film to another) is not a sequel.
        sims = np.asarray(vectors[named], dtype=np.float32) @ np.asarray(vectors[catalog_sample(n)], np.float32).T
        nearer = (sims > top[:, None]).mean(axis=1)
        need = np.where(one_word[sid_of], PHRASE_MIN_PERCENTILE_ONE_WORD, PHRASE_MIN_PERCENTILE)
        # A title whose subtitle names the series needs the close story (PHRASE_MIN_COSINE) but not the rank: "El
        # Camino" is 0.66 from "Breaking Bad", which 0.5 % of the catalog's crime stories are closer than.
        keep = (nearer <= 1.0 - need) | said
        named, partner, sid_of = named[keep], partner[keep], sid_of[keep]
    stem_of = np.full(n, -1, dtype=np.int32)
    width = np.full(n, 1 << 30, dtype=np.int32)  # words of the stem a title was given (the shortest wins)
    for sid, stem in enumerate(names):
        members = np.concatenate([np.asarray(series[stem], dtype=np.int64), named[sid_of == sid]])
        better = width[members] > len(stem.split())
        stem_of[members[better]] = sid
        width[members[better]] = len(stem.split())
    links = np.stack([partner, named], axis=1) if len(named) else np.empty((0, 2), dtype=np.int64)
    return stem_of, links, np.concatenate(weak).astype(np.int64)


def _pairs_sharing(labels: np.ndarray, owners: np.ndarray, max_size: int) -> list[np.ndarray]:
    """Key pairs ((m, 2) arrays, one per bucket) of owners that share a label held by 2 to `max_size` owners
    (a person, a name). Vectorised: labels are bucketed by how many owners hold them, and each bucket's pairs are
    made at once."""
    if len(labels) == 0:
        return []
    order = np.lexsort((owners, labels))
    labels, owners = labels[order], owners[order]
    starts = np.flatnonzero(np.r_[True, labels[1:] != labels[:-1]])
    sizes = np.diff(np.r_[starts, len(labels)])
    out = []
    for size in np.unique(sizes[(sizes >= 2) & (sizes <= max_size)]).tolist():
        rows = owners[starts[sizes == size][:, None] + np.arange(size)]
        i, j = np.triu_indices(size, 1)
        out.append(np.stack([rows[:, i].ravel(), rows[:, j].ravel()], axis=1))
    return out


def _name_holders(names: Sequence[str]) -> dict[str, list[int]]:
    """Per proper name (`story_names`) that 2 to NAME_MAX_TITLES synopses use, the titles using it."""
    by_name: dict[str, list[int]] = {}
    for key, text in enumerate(names):
        for name in text.split():
            by_name.setdefault(name, []).append(key)
    return {name: keys for name, keys in by_name.items() if 2 <= len(keys) <= NAME_MAX_TITLES}


def _vouched_pairs(holders: dict[str, list[int]], norms: Sequence[str], lead_cast, directors) -> list[list[int]]:
    """The names only two synopses use that one of the two titles carries ("Minions: The Rise of Gru"), or whose
    two titles share a lead or a director (Doinel: "The 400 Blows" and "Stolen Kisses", Truffaut and Léaud).
    Without either, a name two synopses share was mostly a real one (a critic, a city, a novelist: Siskel,
    Winnipeg, Crichton; 35 of 40 sampled links) tying two unrelated stories."""
    out = []
    for name, keys in holders.items():
        if len(keys) > NAME_PAIR_TITLES:
            continue
        word = name.lower()
        people = [set(lead_cast.of(k)[:LEAD_CAST].tolist()) | set(directors.of(k).tolist()) for k in keys]
        if any(word in norms[k].split() for k in keys) or people[0] & people[1]:
            out.append(keys)
    return out


def _pair_cosines(vectors: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """The cosine of each key pair, in slices: f16 rows gathered and widened a few MB at a time."""
    cos = np.empty(len(pairs), dtype=np.float32)
    for s in range(0, len(pairs), 16_384):
        va = np.asarray(vectors[pairs[s : s + 16_384, 0]], dtype=np.float32)
        vb = np.asarray(vectors[pairs[s : s + 16_384, 1]], dtype=np.float32)
        cos[s : s + 16_384] = np.einsum("ij,ij->i", va, vb)
    return cos


def _near_thresholds(vectors: np.ndarray, near: np.ndarray | None, pairs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per pair, the cosine each side's nearest 0.5 % of the catalog reaches (less NEAR_SLACK): the build's
    `near` (the same numbers, read once at publish), else read off the catalog sample."""
    involved = np.unique(pairs)
    if near is not None:
        threshold = np.asarray(near[involved], dtype=np.float32)
    else:
        threshold = nearer_than(vectors, involved, REMAKE_MIN_PERCENTILE)
    threshold = threshold - NEAR_SLACK
    return threshold[np.searchsorted(involved, pairs[:, 0])], threshold[np.searchsorted(involved, pairs[:, 1])]


NAME_MIN_COHERENCE = 0.25  # share of a name's holder pairs whose stories are each among the other's nearest


def _coherent(lists: list[list[int]], vectors: np.ndarray, near: np.ndarray | None, n: int) -> list[list[int]]:
    """The name lists whose holders tell one story: a character's name recurs in stories that are close to one
    another (Eeyore's six synopses: 80 % of their pairs are each among the other's nearest 0.5 %), a real one
    (Zeus, Blackbeard, "Federation", "Armageddon") in stories that mostly are not (7-22 %). Two holders only: kept
    (the pair rule of family_links judges them)."""
    pairs = _pairs_within([keys for keys in lists if len(keys) > 2])
    if not pairs:
        return lists
    both = np.concatenate(pairs)
    cos = _pair_cosines(vectors, both)
    ta, tb = _near_thresholds(vectors, near, both)
    mutual = (cos >= FAMILY_MIN_COSINE) & (cos >= ta) & (cos >= tb)
    codes = np.sort(both, axis=1) @ np.asarray([n, 1], dtype=np.int64)
    close = set(codes[mutual].tolist())
    kept = []
    for keys in lists:
        if len(keys) <= 2:
            kept.append(keys)
            continue
        ks = sorted(keys)
        total = hits = 0
        for i, a in enumerate(ks):
            for b in ks[i + 1 :]:
                total += 1
                hits += (a * n + b) in close
        if hits >= NAME_MIN_COHERENCE * total:
            kept.append(keys)
    return kept


def _codes_in(codes: np.ndarray, pairs: list[np.ndarray], n: int) -> np.ndarray:
    """Which of the sorted pair `codes` (a * n + b, a < b) are among `pairs` (arrays of key pairs)."""
    if not pairs:
        return np.zeros(len(codes), dtype=bool)
    both = np.sort(np.concatenate(pairs), axis=1)
    return np.isin(codes, both[:, 0] * n + both[:, 1])


def _pairs_within(lists: list[list[int]]) -> list[np.ndarray]:
    """Every pair of titles that one of `lists` (titles sharing a word or a name) holds together."""
    if not lists:
        return []
    labels = np.repeat(np.arange(len(lists)), [len(keys) for keys in lists])
    owners = np.fromiter(itertools.chain.from_iterable(lists), dtype=np.int64)
    return _pairs_sharing(labels, owners, max(len(keys) for keys in lists))


def _chained_along(links: np.ndarray, lists: list[list[int]], n: int) -> np.ndarray:
    """`links` plus the pairs that a chain of links within one of `lists` joins: "The Bourne Legacy" is close to
    "The Bourne Ultimatum", which is close to "The Bourne Identity", all three holding "bourne", so Legacy and
    Identity are family. A chain may not change words: "Ronal the Barbarian" shares "barbarian" with Conan and
    a character's name with Fullmetal Alchemist, and Conan is not Fullmetal Alchemist's family."""
    if len(links) == 0 or not lists:
        return links
    linked = np.unique(np.sort(links, axis=1) @ np.asarray([n, 1], dtype=np.int64))
    involved = np.zeros(n, dtype=bool)
    involved[links.ravel()] = True
    out = [links]
    owners = np.fromiter(itertools.chain.from_iterable(lists), dtype=np.int64)
    label = np.repeat(np.arange(len(lists)), [len(keys) for keys in lists])
    counts = np.bincount(label[involved[owners]], minlength=len(lists))
    for at in np.flatnonzero(counts >= 3).tolist():  # a chain needs three linked titles
        ks = np.asarray(sorted(k for k in lists[at] if involved[k]), dtype=np.int64)
        i, j = np.triu_indices(len(ks), 1)
        codes = ks[i] * n + ks[j]
        hit = linked[np.minimum(np.searchsorted(linked, codes), len(linked) - 1)] == codes
        if hit.sum() < 2:
            continue
        comp = _components(len(ks), i[hit], j[hit])
        joined = comp[i] == comp[j]
        out.append(np.stack([ks[i[joined & ~hit]], ks[j[joined & ~hit]]], axis=1))
    return np.concatenate(out)


def family_links(
    norms: Sequence[str],
    named: np.ndarray,
    series_stem: np.ndarray,
    lead_cast,
    directors,
    vectors: np.ndarray,
    names: Sequence[str] | None = None,
    near: np.ndarray | None = None,
) -> np.ndarray:
    """Key pairs of the wider family that no title stem shows: two titles with close stories (cosine >=
    FAMILY_MIN_COSINE and among the nearest 0.5 % of the catalog, as below), when either
    - both carry a series name (`series_stem`: a numbered or subtitled franchise, not merely namesakes) and share
      a director or a lead ("Creed" and "Rocky"), or
    - their titles share a word of five letters or more that few titles hold at all ("The Bourne Legacy" and
      "The Bourne Identity", "2 Fast 2 Furious" and "The Fate of the Furious"), each story among the other's
      nearest, or
    - their synopses share a proper name that at most NAME_MAX_TITLES synopses use (`names`: the build's
      `story_names`): Eeyore and Kanga tie "The Tigger Movie" to "Pooh's Heffalump Movie", Kildare ties
      "Internes Can't Take Money" (1937) to the Dr. Kildare films, Salander the Millennium films.
    A chain of such links along one word or name joins its ends too (`_chained_along`). They make the family (the
    ranking's `family` feature, the one-per-series exemption), not the series list."""
    n = len(norms)
    pairs: list[np.ndarray] = [np.empty((0, 2), dtype=np.int64)]
    # A rare word: few titles hold it anywhere ("jurassic"), unlike "point" or "daddy" (Point Break, Point Blank).
    anywhere: dict[str, int] = {}
    for norm in norms:
        for word in set(norm.split()):
            anywhere[word] = anywhere.get(word, 0) + 1
    by_word: dict[str, list[int]] = {}
    for i, norm in enumerate(norms):
        for word in set(norm.split()):
            if len(word) >= FAMILY_MIN_WORD and not word.isdigit() and anywhere[word] <= FAMILY_MAX_TITLES:
                by_word.setdefault(word, []).append(i)
    word_lists = [keys for keys in by_word.values() if 2 <= len(keys) <= FAMILY_MAX_TITLES]
    pairs += _pairs_within(word_lists)
    in_series = np.flatnonzero(series_stem >= 0)
    for csr, first in ((lead_cast, LEAD_CAST), (directors, None)):
        at, people = ragged(csr, in_series, first)
        pairs += _pairs_sharing(people, in_series[at], PEOPLE_MAX_TITLES)
    holders = _name_holders(names) if names is not None else {}
    name_lists = _coherent(list(holders.values()), vectors, near, n) if holders else []
    by_name = _pairs_within(name_lists)
    both = np.sort(np.concatenate(pairs + by_name), axis=1)
    codes = np.unique(both[:, 0] * n + both[:, 1])  # one row per pair (1-D unique: far faster than axis=0)
    from_name = _codes_in(codes, by_name, n)
    vouched = _vouched_pairs(holders, norms, lead_cast, directors)
    from_pair_name = _codes_in(codes, _pairs_within(vouched), n)
    cand = np.stack([codes // n, codes % n], axis=1)
    keep = cand[:, 0] != cand[:, 1]
    if len(named):
        keep &= (named[cand[:, 0]] != named[cand[:, 1]]) | (named[cand[:, 0]] < 0)
    cand, from_name, from_pair_name = cand[keep], from_name[keep], from_pair_name[keep]
    if len(cand) == 0:
        return np.empty((0, 2), dtype=np.int64)
    cos = _pair_cosines(vectors, cand)
    close = cos >= FAMILY_MIN_COSINE
    cand, cos, from_name, from_pair_name = cand[close], cos[close], from_name[close], from_pair_name[close]
    if len(cand) == 0 or n < 1 / (1 - REMAKE_MIN_PERCENTILE):
        return cand
    ta, tb = _near_thresholds(vectors, near, cand)
    # Each story among the other's nearest 0.5 %: one side alone linked Mulan and Life (a shared star), and
    # "Havana" and "Havana Rose" or "Virus" and "Virus Undead" (a shared rare word). So Jurassic World, close to
    # Jurassic Park, stays out of its family by title alone: Jurassic Park is as close to many other adventures.
    # A name that only the two synopses use is the exception: one side is enough. "Despicable Me" is close to
    # so many animated comedies that "Minions: The Rise of Gru" (Gru, cosine 0.69) is not among its nearest 0.5 %.
    close = ((cos >= ta) & (cos >= tb)) | (from_pair_name & ((cos >= ta) | (cos >= tb)))
    cand, cos, from_name = cand[close], cos[close], from_name[close]
    # Two franchises are one family only on two or more such pairs: one pair alone made "The Santa Clause" Toy
    # Story's family (Tim Allen, two family comedies); "Creed" and "Rocky" have six. A title on its own needs one,
    # and so does a shared character: a name few synopses use is evidence that a shared star is not.
    node = np.where(named[cand] >= 0, -1 - named[cand].astype(np.int64), cand)  # a series, or the title itself
    lo, hi = np.minimum(node[:, 0], node[:, 1]), np.maximum(node[:, 0], node[:, 1])
    _, inverse, counts = np.unique(np.stack([lo, hi], axis=1), axis=0, return_inverse=True, return_counts=True)
    enough = (counts[inverse.reshape(-1)] >= FAMILY_MIN_PAIRS) | (node[:, 0] >= 0) | (node[:, 1] >= 0) | from_name
    return _chained_along(_capped_unions(named, cand[enough], cos[enough]), word_lists + name_lists, n)


def _capped_unions(named: np.ndarray, pairs: np.ndarray, cos: np.ndarray) -> np.ndarray:
    """The pairs to keep, closest first, such that no family grows past FAMILY_MAX_SIZE titles: family links must
    not chain two franchises into a studio era (B-westerns sharing stock players would make one of 1,400 titles,
    and the one-per-series rule would then thin every list that touches it)."""
    parent: dict[int, int] = {}
    size: dict[int, int] = {}
    group_size = np.bincount(named[named >= 0]) if (named >= 0).any() else np.zeros(0, np.int64)

    def root(x: int) -> int:
        while parent.get(x, x) != x:
            parent[x] = parent.get(parent[x], parent[x])
            x = parent[x]
        return x

    def node(key: int) -> int:  # a title stands for its named series, or for itself
        g = int(named[key])
        node_id = -1 - g if g >= 0 else key
        if node_id not in size:
            size[node_id] = int(group_size[g]) if g >= 0 else 1
        return node_id

    kept = []
    for i in np.argsort(-cos, kind="stable").tolist():
        a, b = root(node(int(pairs[i, 0]))), root(node(int(pairs[i, 1])))
        if a == b:
            kept.append(i)
        elif size[a] + size[b] <= FAMILY_MAX_SIZE:
            parent[b] = a
            size[a] += size[b]
            kept.append(i)
    return pairs[np.sort(np.asarray(kept, dtype=np.int64))] if kept else np.empty((0, 2), dtype=np.int64)


def people_linked(common: int, cosine: float) -> bool:
    """The strong people link: enough people in common, and content close enough for that many."""
    if common >= 3:
        return cosine >= PEOPLE_MIN_COSINE_3
    return common >= PEOPLE_MIN_SHARED and cosine >= PEOPLE_MIN_COSINE


def people_links(lead_cast, directors, vectors: np.ndarray, n: int, lead: int = 3) -> np.ndarray:
    """Key pairs passing `people_linked` (lead cast and directors in common, close content).
    Vectorised: people are bucketed by how many titles they are in, and each bucket's pairs are made at once
    (people in more than PEOPLE_MAX_TITLES titles are skipped)."""
    persons, keys = [], []
    for csr, first in ((lead_cast, lead), (directors, None)):
        counts = np.diff(csr.ptr)
        rank = np.arange(len(csr.ids)) - np.repeat(csr.ptr[:-1], counts)
        keep = rank < first if first is not None else np.ones(len(csr.ids), dtype=bool)
        persons.append(csr.ids[keep].astype(np.int64))
        keys.append(np.repeat(np.arange(n, dtype=np.int64), counts)[keep])
    pk = np.unique(np.concatenate(persons) * n + np.concatenate(keys))  # sorted by person, then title
    person, key = pk // n, pk % n
    if len(person) == 0:
        return np.empty((0, 2), dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, person[1:] != person[:-1]])
    sizes = np.diff(np.r_[starts, len(person)])
    pair_codes = []
    for size in np.unique(sizes[(sizes >= 2) & (sizes <= PEOPLE_MAX_TITLES)]).tolist():
        rows = key[starts[sizes == size][:, None] + np.arange(size)]  # (people, size), keys ascending
        i, j = np.triu_indices(size, 1)
        pair_codes.append((rows[:, i] * n + rows[:, j]).ravel())
    if not pair_codes:
        return np.empty((0, 2), dtype=np.int64)
    codes, counts = np.unique(np.concatenate(pair_codes), return_counts=True)
    codes, counts = codes[counts >= PEOPLE_MIN_SHARED], counts[counts >= PEOPLE_MIN_SHARED]
    a, b = codes // n, codes % n
    cos = np.empty(len(a), dtype=np.float32)
    for s in range(0, len(a), 8192):
        va = np.asarray(vectors[a[s : s + 8192]], dtype=np.float32)
        vb = np.asarray(vectors[b[s : s + 8192]], dtype=np.float32)
        cos[s : s + 8192] = np.einsum("ij,ij->i", va, vb)
    ok = np.where(counts >= 3, cos >= PEOPLE_MIN_COSINE_3, cos >= PEOPLE_MIN_COSINE)
    return np.stack([a[ok], b[ok]], axis=1)


def ragged(lists, keys: np.ndarray, cap: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(owner position, id) for every id in `lists` (IdLists) of each of `keys`, at most `cap` per key."""
    start = lists.ptr[keys].astype(np.int64)
    stop = lists.ptr[keys + 1].astype(np.int64)
    if cap is not None:
        stop = np.minimum(stop, start + cap)
    counts = stop - start
    owners = np.repeat(np.arange(len(keys)), counts)
    offsets = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    return owners, lists.ids[np.repeat(start, counts) + offsets].astype(np.int64)


def _kin(nodes: np.ndarray, links: np.ndarray) -> IdLists:
    """Node -> the other nodes a link of `links` (key pairs) touches directly, ascending."""
    a, b = nodes[links[:, 0]].astype(np.int64), nodes[links[:, 1]].astype(np.int64)
    src, dst = np.concatenate([a, b]), np.concatenate([b, a])
    width = int(nodes.max(initial=0)) + 1
    codes = np.unique(src[src != dst] * width + dst[src != dst])
    ptr = np.zeros(width + 1, dtype=np.int64)
    np.cumsum(np.bincount(codes // width, minlength=width), out=ptr[1:])
    return IdLists(ptr.astype(np.int32), (codes % width).astype(np.int32))


@dataclass(frozen=True)
class FranchiseGraph:
    """The franchise graph of one catalog (row i = key i), made by `compute` from catalog data alone: the build
    makes it once and stores it (morelike.build.precomputed), the snapshot holds it and the per-query checks read it
    (morelike.engine.franchise)."""

    numbered_stems: frozenset[str]  # stems some title numbers ("saw" from "Saw II"): "Saw V" is its fifth
    stem_codes: np.ndarray  # int32: each title's stem as an int (-1: none), so a group's members compare at once
    series_stem: np.ndarray  # int32: the series stem naming each title (-1: none), `phrase_series`
    groups: np.ndarray  # int32: one id per group (stem, collection, people or phrase link; -1: alone)
    named_groups: np.ndarray  # int32: named series only (`group_ids(namesakes=False)`, no people links)
    nodes: np.ndarray  # int32: a title's node in the family graph: its named series, or itself (below)
    kin: IdLists  # node -> the nodes a family link touches directly
    named_members: IdLists  # named series id -> keys
    group_members: IdLists  # group id -> keys
    named_count: int = field(init=False)  # nodes below this are named series, the rest `named_count + key`

    def __post_init__(self) -> None:
        object.__setattr__(self, "named_count", int(self.named_groups.max(initial=-1)) + 1)

    @classmethod
    def compute(
        cls,
        titles: Sequence[str],
        norms: Sequence[str],
        collections: Sequence[str | None] | None,
        cast: IdLists,
        directors: IdLists,
        vectors: np.ndarray,
        story_names: Sequence[str] | None = None,
        near: np.ndarray | None = None,
    ) -> FranchiseGraph:
        """The graph of a catalog: `titles` and their `norms` (normalize_title), `collections` (None: none),
        `cast` and `directors` (person ids per title, billing order), the story `vectors` (unit rows), the synopses'
        proper names (`story_names`, space-separated) and each title's nearest-0.5 % cosine (`near`, None: read
        off the catalog sample)."""
        n = len(titles)
        links = people_links(cast, directors, vectors, n, LEAD_CAST)
        numbered = numbered_stems(titles, norms)
        own = stems(titles, norms, numbered)  # one pass for the three groupings and the series names
        codes: dict[str, int] = {}
        stem_codes = np.fromiter(
            (codes.setdefault(st, len(codes)) if st else -1 for st in own), dtype=np.int32, count=n
        )
        # Titles named by a series stem ("Terminator Salvation" by "terminator").
        series_stem, phrase_links, weak_links = phrase_series(titles, norms, vectors, own)
        phrase_links = np.concatenate([phrase_links, weak_links])
        groups = group_ids(titles, collections, np.concatenate([links, phrase_links]), norms, own)
        # Named series (a shared title stem that some title numbers or subtitles, a series stem or a collection; no
        # people links, no mere namesakes): what the ranking's `series` feature goes by. A people link alone ("Now
        # You See Me" and "Zombieland" share two leads) keeps a list varied, but does not make a title the query's
        # series; a shared title alone made Cronenberg's "Crash" the first answer to "Crash" (2004), "same series".
        named = group_ids(titles, collections, phrase_links, norms, own, namesakes=False)
        # The wider family ("Creed" for "Rocky"): the `family` feature and the own-family exemption from one per
        # series. A title's node is its named series, or itself; its family is its node and the nodes a family
        # link touches directly, not their links in turn: closed transitively, "The Real Lost World" (Arthur Conan
        # Doyle) made Conan the Barbarian Jurassic World's family. In `groups` the links would chain the people
        # links' components into a studio era, and every other query's one-per-series rule would thin its list.
        family = family_links(norms, named, series_stem, cast, directors, vectors, story_names, near)
        named_count = int(named.max(initial=-1)) + 1
        nodes = np.where(named >= 0, named, named_count + np.arange(n)).astype(np.int32)
        return cls(
            numbered_stems=numbered,
            stem_codes=stem_codes,
            series_stem=series_stem,
            groups=groups,
            named_groups=named,
            nodes=nodes,
            kin=_kin(nodes, family),
            named_members=IdLists.grouped(named),
            group_members=IdLists.grouped(groups),
        )
