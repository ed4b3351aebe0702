"""Series detection: which titles belong to the same franchise as a given one.

FlixRec's own showcase, "Now You See Me", returned twenty FBI films and not "Now You See Me 2", while other
franchise queries drowned in their own sequels. The catalog has no franchise data (`collection` is empty in the
bundled file), so series are read off the titles themselves:

- a stem: the normalised title before a subtitle (":" or " - "), with trailing sequel markers removed
  ("2", "III", "Part II", "Chapter 3", "Vol. 2"): "The Godfather Part II" -> "godfather";
- titles sharing a stem form a *group*; so do titles sharing two of their lead cast and directors whose content
  is close ("Harry Potter and the …" films share no stem but share three leads); the engine keeps at most one
  title per group in a result list;
- a group member is a confirmed *sibling* of the query when the relation is strong enough to show it as "same
  series": a numbered sequel, a subtitle of a distinctive stem, a remake (same title, other year) whose content
  is close, or any of those backed by shared directors or lead cast; a shared `collection` always counts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from morelike.catalog.normalize import normalize_title

MAX_SERIES = 10  # titles shown in a series list
REMAKE_MIN_COSINE = 0.5  # two same-titled works this close in content are a remake pair, not a name clash
_SUBTITLE = re.compile(r"\s*(?::|\s[-–—]\s)\s*")
_ROMAN = {
    "ii": 2, "iii": 3, "iv": 4, "vi": 6, "vii": 7, "viii": 8, "ix": 9, "xi": 11, "xii": 12,
}  # fmt: skip
_ROMAN_AFTER_WORD = {"i": 1, "v": 5, "x": 10, **_ROMAN}  # "Part I", "Chapter V" (alone they are words: "Malcolm X")
_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
_PART_WORDS = frozenset({"part", "chapter", "vol", "volume", "episode", "book"})
PEOPLE_MIN_SHARED = 2  # lead cast + directors in common for a people link…
PEOPLE_MIN_COSINE = 0.55  # … and this close in content (two stars in two unrelated films stay unrelated);
PEOPLE_MIN_COSINE_3 = 0.4  # with three or more people in common, sequels whose plots drift still link
PEOPLE_MAX_TITLES = 80  # a person in more titles than this (studio-era stock players) links nothing
_MAX_SEQUEL_NUMBER = 12  # "Toy Story 4" is a sequel; "Apollo 13" and "District 9"… mostly are not (9 is kept)


@dataclass(frozen=True)
class Stem:
    stem: str  # normalised series stem ("" when the title has none)
    number: int | None  # sequel number when the title carried one
    subtitled: bool  # the title had a subtitle after ":" or " - "


def _sequel_number(words: list[str]) -> tuple[list[str], int | None]:
    """Strip one trailing sequel marker ("2", "ii", "part 2", "part ii", "chapter two") from normalised words."""
    if len(words) >= 3 and words[-2] in _PART_WORDS:
        last = words[-1]
        num = int(last) if last.isdigit() else _ROMAN_AFTER_WORD.get(last) or _NUMBER_WORDS.get(last)
        if num is not None:
            return words[:-2], num
    if len(words) >= 2:
        last = words[-1]
        if last.isdigit() and 1 < int(last) <= _MAX_SEQUEL_NUMBER:
            return words[:-1], int(last)
        if last in _ROMAN:
            return words[:-1], _ROMAN[last]
    return words, None


def title_stem(title: str) -> Stem:
    head, *rest = _SUBTITLE.split(title.strip(), maxsplit=1)
    subtitled = bool(rest and rest[0].strip() and normalize_title(head))
    if not subtitled:
        head = title
    words = normalize_title(head).split()
    words, number = _sequel_number(words)
    if number is None and subtitled:  # "Toy Story 2: …" is rare, but "Rambo III: …" is not
        words, number = _sequel_number(words)
    return Stem(" ".join(words), number, subtitled)


def _needs_stemming(title: str, norm: str) -> bool:
    """Whether `title_stem` could differ from the plain normalised title (most titles: no)."""
    if ":" in title or " - " in title or " – " in title or " — " in title:
        return True
    words = norm.split()
    if len(words) < 2:
        return False
    last = words[-1]
    return last.isdigit() or last in _ROMAN_AFTER_WORD or last in _NUMBER_WORDS


def stems(titles: Sequence[str], norms: Sequence[str] | None = None) -> list[str]:
    """`title_stem(t).stem` for every title; `norms` (the published `norm_title` column) skips the regex work for
    titles that carry no subtitle and no sequel marker."""
    out = []
    for i, t in enumerate(titles):
        norm = norms[i] if norms is not None else None
        if norm is not None and not _needs_stemming(t, norm):
            out.append(norm)
        else:
            out.append(title_stem(t).stem)
    return out


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
) -> np.ndarray:
    """One int per title: titles sharing a stem or a collection, or joined by a people link (an (m, 2) array
    of key pairs, see `people_links`), get the same id; -1 for titles alone."""
    n = len(titles)
    first_of: dict[str, int] = {}
    src, dst = [], []
    for i, stem in enumerate(stems(titles, norms)):
        coll = collections[i] if collections is not None else None
        key = f"c:{coll.casefold()}" if coll else stem
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


def _distinctive(stem: str) -> bool:
    """A subtitle stem that names a franchise rather than a common word ("Alien:", not "Love:")."""
    words = stem.split()
    return len(words) >= 2 or (len(words) == 1 and len(words[0]) >= 5)


def is_sibling(
    a: str,
    b: str,
    *,
    year_a: int | None = None,
    year_b: int | None = None,
    cosine: float = 0.0,
    shared_people: bool = False,
    people_link: bool = False,
    same_collection: bool = False,
) -> bool:
    """Whether titles `a` and `b` are in the same series (see the module docstring for the rules).
    `shared_people`: a director or lead in common; `people_link`: the strong link (PEOPLE_MIN_SHARED people in
    common and content within PEOPLE_MIN_COSINE), enough on its own."""
    if same_collection:
        return True
    sa, sb = title_stem(a), title_stem(b)
    if not sa.stem or sa.stem != sb.stem:
        return people_link
    if sa.number is not None or sb.number is not None:
        # Two numbered titles with the same number are different works with a shared name ("Apollo 13" twice).
        return sa.number != sb.number or shared_people
    if sa.subtitled or sb.subtitled:
        return _distinctive(sa.stem) or shared_people
    # Same title: a remake when from another year and about the same story; same-year namesakes are different works.
    if year_a is not None and year_a == year_b:
        return shared_people
    return cosine >= REMAKE_MIN_COSINE or shared_people or people_link


def siblings(snap, key: int) -> list[int]:
    """Confirmed series siblings of `key` in snapshot `snap`, oldest first (all of them; lists show MAX_SERIES)."""
    group = int(snap.groups[key])
    if group < 0:
        return []
    members = [int(m) for m in snap.group_members.of(group) if m != key]
    if not members:
        return []
    q = snap.vector(key)
    cosines = np.asarray(snap.vectors[members], dtype=np.float32) @ q
    q_dirs = set(snap.directors.of(key).tolist())
    q_lead = set(snap.lead_cast(key).tolist())
    q_coll = snap.collections[key] if snap.collections is not None else None
    year = int(snap.years[key]) or None
    out = []
    q_people = q_dirs | q_lead
    for m, cos in zip(members, cosines.tolist(), strict=True):
        m_people = set(snap.directors.of(m).tolist()) | set(snap.lead_cast(m).tolist())
        common = len(q_people & m_people)
        coll = snap.collections[m] if snap.collections is not None else None
        if is_sibling(
            snap.titles[key],
            snap.titles[m],
            year_a=year,
            year_b=int(snap.years[m]) or None,
            cosine=cos,
            shared_people=common >= 1,
            people_link=people_linked(common, cos),
            same_collection=bool(q_coll and coll and q_coll.casefold() == coll.casefold()),
        ):
            out.append(m)
    out.sort(key=lambda m: (int(snap.years[m]) or 9999, snap.titles[m]))
    return out
