"""The one-line "why" on every recommendation: shared genres, shared people, similarity.

Kept short (it sits under a title in a Discord embed): at most three genres and two names.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from morelike.engine.snapshot import Snapshot


def _names(snap: Snapshot, ids: Sequence[int], limit: int) -> str:
    return ", ".join(snap.people_names[int(p)] for p in list(ids)[:limit])


def shared_people(snap: Snapshot, a: int, b: int) -> tuple[list[int], list[int]]:
    """(shared directors, shared lead cast of `a` found anywhere in `b`'s cast), in `a`'s billing order."""
    dirs_b = set(snap.directors.of(b).tolist())
    cast_b = set(snap.cast.of(b).tolist())
    directors = [p for p in snap.directors.of(a).tolist() if p in dirs_b]
    cast = [p for p in snap.lead_cast(a).tolist() if p in cast_b]
    return directors, cast


def similarity_pct(score: float) -> int:
    return max(0, min(100, round(float(score) * 100)))


# The ranking's features, grouped into the reasons a person would give (morelike/engine/rank.py).
REASON_GROUPS = {
    "people": ("director", "cast"),
    "series": ("series",),
    "genres": ("genres", "genres_shared"),
    "content": ("content", "content_sq"),
    "era": ("era", "era_close"),
    "known": ("votes", "rated", "rating"),
}
MAX_REASONS = 3
WELL_KNOWN_VOTES = 20_000


def contributions(row: np.ndarray, median: np.ndarray, weights: np.ndarray) -> dict[str, float]:
    """How much each reason lifted this title above the median candidate: sum of weight x (value - median)."""
    from morelike.engine.rank import F

    delta = (np.asarray(row, dtype=np.float32) - median) * weights
    return {group: float(sum(delta[F[f]] for f in feats)) for group, feats in REASON_GROUPS.items()}


def _votes_text(votes: int) -> str:
    if votes >= 1_000_000:
        return f"{votes / 1_000_000:.1f}M votes"
    return f"{votes // 1000}k votes"


def why(
    snap: Snapshot,
    sources: Sequence[int],
    key: int,
    cosine: float,
    *,
    free_text: bool = False,
    contributions: dict[str, float] | None = None,
) -> str:
    """Explain `key` against the query titles `sources` (empty for free text): the reasons that actually lifted
    it in the ranking, strongest first (at most three), ending with how close the stories are."""
    phrases: dict[str, str] = {}
    if sources:
        bits = 0
        for s in sources:
            bits |= int(snap.genre_bits[s])
        common = int(snap.genre_bits[key]) & bits
        genres = [g for i, g in enumerate(snap.genre_names) if common >> i & 1]
        if genres:
            phrases["genres"] = "shared: " + ", ".join(genres[:3])
        directors: list[int] = []
        cast: list[int] = []
        for s in sources:
            d, c = shared_people(snap, s, key)
            directors += [p for p in d if p not in directors]
            cast += [p for p in c if p not in cast]
        people = []
        if directors:
            people.append("same director: " + _names(snap, directors, 1))
        if cast:
            people.append("also stars " + _names(snap, cast, 2))
        if people:
            phrases["people"] = " · ".join(people)
        group = int(snap.name_groups[key])
        if group >= 0 and any(int(snap.name_groups[s]) == group for s in sources):
            phrases["series"] = "same series"
        years = [int(snap.years[s]) for s in sources if int(snap.years[s]) > 0]
        year = int(snap.years[key])
        if years and year and min(abs(year - y) for y in years) <= 5:
            phrases["era"] = f"also from the {year // 10 * 10}s"
    votes = int(snap.votes[key])
    if votes >= WELL_KNOWN_VOTES:
        rating = float(snap.ratings[key])
        phrases["known"] = "well known (" + _votes_text(votes) + (f", {rating:.1f}/10)" if rating == rating else ")")
    pct = similarity_pct(cosine)
    content = f"{pct}% match to your description" if free_text else f"story {pct}% alike"
    if contributions is None:  # no ranking detail: the old, fixed order
        order = ["genres", "people"]
    else:
        order = sorted((g for g in phrases if contributions.get(g, 0.0) > 0), key=lambda g: -contributions[g])
        for always in ("people", "series"):  # a shared director or star, or the same series, is always worth saying
            if always in phrases and always not in order:
                order.insert(0, always)
    parts = [phrases[g] for g in order if g in phrases][: MAX_REASONS - 1]
    parts.append(content)
    text = " · ".join(parts)
    return text[:1].upper() + text[1:]


def people_sharing(snap: Snapshot, query: int) -> np.ndarray:
    """Every title sharing a director or a lead-cast name with `query`."""
    parts = [snap.director_titles.of(int(p)) for p in snap.directors.of(query)]
    parts += [snap.cast_titles.of(int(p)) for p in snap.lead_cast(query)]  # billed anywhere in the title
    if not parts:
        return np.empty(0, np.int64)
    keys = np.unique(np.concatenate(parts).astype(np.int64))
    return keys[keys != query]
