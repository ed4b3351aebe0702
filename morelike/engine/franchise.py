"""The per-query series checks: which titles of a query's group are its confirmed siblings (`siblings`, the rules
of `is_sibling`), and how close a same-titled work must be to count as its remake (`remake_threshold`). They read
the franchise graph a snapshot holds (`morelike.franchise.graph`, made over the whole catalog).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from morelike.franchise.graph import (
    LEAD_CAST,
    NEAR_SLACK,
    PEOPLE_MIN_COSINE,
    PEOPLE_MIN_COSINE_3,
    PEOPLE_MIN_SHARED,
    REMAKE_MIN_COSINE,
    ragged,
)
from morelike.franchise.titles import catalog_stem, distinctive
from morelike.vectors import REMAKE_MIN_PERCENTILE, catalog_sample

if TYPE_CHECKING:
    from morelike.engine.snapshot import Snapshot


def people_linked(common: int, cosine: float) -> bool:
    """The strong people link: enough people in common, and content close enough for that many."""
    if common >= 3:
        return cosine >= PEOPLE_MIN_COSINE_3
    return common >= PEOPLE_MIN_SHARED and cosine >= PEOPLE_MIN_COSINE


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
    same_series_stem: bool = False,
    remake_min: float = REMAKE_MIN_COSINE,
    numbered: frozenset[str] = frozenset(),
) -> bool:
    """Whether titles `a` and `b` are in the same series (see `morelike.franchise` for the rules).
    `shared_people`: a director or lead in common; `people_link`: the strong link (PEOPLE_MIN_SHARED people in
    common and content within PEOPLE_MIN_COSINE), enough on its own; `remake_min`: how close the stories of two
    same-titled works must be for a remake (`siblings` raises it to the query's own nearest 0.5%); `numbered`: the
    catalog's numbered stems (`numbered_stems`, for "Saw V")."""
    if same_collection:
        return True
    sa, sb = catalog_stem(a, numbered), catalog_stem(b, numbered)
    if not sa.stem or sa.stem != sb.stem:
        return people_link or same_series_stem
    if sa.number is not None or sb.number is not None:
        # Two numbered titles with the same number are different works with a shared name ("Apollo 13" twice).
        return sa.number != sb.number or shared_people
    if sa.subtitled or sb.subtitled:
        return distinctive(sa.stem) or shared_people
    # Same title: a remake when from another year and about the same story; same-year namesakes are different works.
    if year_a is not None and year_a == year_b:
        return shared_people
    return cosine >= remake_min or shared_people or people_link


def sample_vectors(snap: Snapshot) -> np.ndarray:
    """The snapshot's sample vectors (f32), read once and kept with the snapshot (`Snapshot.derived`): a fixed
    sample of the catalog's vectors, what "close for this query" is read from."""
    return snap.derived.cached(
        "sample_vectors", lambda: np.asarray(snap.vectors[catalog_sample(snap.n)], dtype=np.float32)
    )


def prepare(snap: Snapshot) -> None:
    """What the series lists read, made at load so no query pays for it: the sample vectors, for a build without
    each title's stored nearest-0.5 % cosine (`Snapshot.near`); a build with it needs nothing."""
    if snap.near is None:
        sample_vectors(snap)


def remake_threshold(snap: Snapshot, q: np.ndarray, key: int | None = None) -> float:
    """The cosine a same-titled work needs to be the query's remake: REMAKE_MIN_COSINE, or more when the query is
    that close to much of the catalog (a static model puts most same-genre films near 0.5). `key`: the query's,
    when it is a catalog title (the build stored its figure: `Snapshot.near`)."""
    if snap.n < 1 / (1 - REMAKE_MIN_PERCENTILE):  # too few titles for a percentile to mean anything
        return REMAKE_MIN_COSINE
    if snap.near is not None and key is not None:
        return max(REMAKE_MIN_COSINE, float(snap.near[key]) - NEAR_SLACK)
    sims = sample_vectors(snap) @ q
    kth = min(len(sims) - 1, int(REMAKE_MIN_PERCENTILE * len(sims)))  # as `nearer_than` reads it
    return max(REMAKE_MIN_COSINE, float(np.partition(sims, kth)[kth]) - NEAR_SLACK)


def _people_in_common(snap: Snapshot, keys: np.ndarray, people: set[int]) -> np.ndarray:
    """Per title of `keys`, how many of `people` are among its directors and lead cast (each person once)."""
    if not people or len(keys) == 0:
        return np.zeros(len(keys), dtype=np.int64)
    d_owner, d_ids = ragged(snap.directors, keys)
    c_owner, c_ids = ragged(snap.cast, keys, LEAD_CAST)
    owners = np.concatenate([d_owner, c_owner])
    ids = np.concatenate([d_ids, c_ids])
    hit = np.isin(ids, np.fromiter(people, dtype=np.int64))
    pairs = np.unique(owners[hit] * (int(ids.max(initial=0)) + 1) + ids[hit])  # one count per (title, person)
    return np.bincount(pairs // (int(ids.max(initial=0)) + 1), minlength=len(keys))


def siblings(snap: Snapshot, key: int, limit: int | None = None) -> list[int]:
    """Confirmed series siblings of `key` in snapshot `snap`, oldest first: all of them, or the `limit` closest in
    content."""
    group = int(snap.groups[key])
    if group < 0:
        return []
    member_keys = np.asarray(snap.group_members.of(group), dtype=np.int64)
    member_keys = member_keys[member_keys != key]
    if not len(member_keys):
        return []
    q_dirs = set(snap.directors.of(key).tolist())
    q_lead = set(snap.lead_cast(key).tolist())
    collections = snap.collections
    q_coll = collections[key] if collections is not None else None
    q_stem = int(snap.series_stem[key])
    # Only members that `is_sibling` could accept are read further: the same stem, series name or collection,
    # or enough people in common for a people link. A people-linked group can hold a thousand titles of one
    # studio era, and reading all their vectors cost such a query 5-10 ms.
    commons_all = _people_in_common(snap, member_keys, q_dirs | q_lead)
    possible = commons_all >= PEOPLE_MIN_SHARED
    q_code = int(snap.stem_codes[key])
    if q_code >= 0:
        possible |= snap.stem_codes[member_keys] == q_code
    if q_stem >= 0:
        possible |= snap.series_stem[member_keys] == q_stem
    same_coll = np.zeros(len(member_keys), dtype=bool)
    if q_coll and collections is not None:
        folded = q_coll.casefold()  # not empty: a member without a collection ("") never matches it
        same_coll = np.fromiter(
            ((collections[m] or "").casefold() == folded for m in member_keys.tolist()),
            dtype=bool,
            count=len(member_keys),
        )
        possible |= same_coll
    member_keys, commons_all, same_coll = member_keys[possible], commons_all[possible], same_coll[possible]
    if not len(member_keys):
        return []
    members = member_keys.tolist()
    q = snap.vector(key)
    cosines = np.asarray(snap.vectors[member_keys], dtype=np.float32) @ q  # keys ascending: a forward read
    year = int(snap.years[key]) or None
    # How close a story must be to count as told again for this query: among its nearest 0.5 % (and cosine 0.5).
    # Both a remake (same title) and a sequel known only by shared people must pass it: three shared people and a
    # cosine of 0.4 made Rashomon "same series" as Seven Samurai, two made Memories of Murder Parasite's.
    # The threshold is never below REMAKE_MIN_COSINE, so it is only worth reading off the sample when a member is
    # that close (most group members of most queries are not).
    told_again = REMAKE_MIN_COSINE
    if (cosines >= REMAKE_MIN_COSINE).any():
        told_again = remake_threshold(snap, np.asarray(q, dtype=np.float32), key)
    out: list[int] = []
    closeness: dict[int, float] = {}
    commons = commons_all.tolist()
    years = snap.years[member_keys].tolist()
    stems = snap.series_stem[member_keys].tolist()
    q_named = int(snap.named_groups[key])
    named = snap.named_groups[member_keys].tolist()
    for m, cos, common, m_year, m_stem, m_named, m_coll in zip(
        members, cosines.tolist(), commons, years, stems, named, same_coll.tolist(), strict=True
    ):
        closeness[m] = cos
        # Shared people do not make a title of another named series this one's sibling: the same director and
        # star made "Insidious: Chapter 2" The Conjuring's "same series". That is a family (family_links).
        cross = q_named >= 0 and m_named >= 0 and m_named != q_named
        if is_sibling(
            snap.titles[key],
            snap.titles[m],
            year_a=year,
            year_b=m_year or None,
            cosine=cos,
            shared_people=common >= 1,
            people_link=people_linked(common, cos) and cos >= told_again and not cross,
            same_collection=m_coll,
            same_series_stem=q_stem >= 0 and m_stem == q_stem,
            remake_min=told_again,
            numbered=snap.numbered_stems,
        ):
            out.append(m)
    if limit is not None and len(out) > limit:
        out = sorted(out, key=lambda m: (-closeness[m], m))[:limit]
    out.sort(key=lambda m: (int(snap.years[m]) or 9999, snap.titles[m]))
    return out
