"""The one-line "why" on every recommendation: shared genres, shared people, similarity.

Kept short (it sits under a title in a Discord embed): at most three genres and two names.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bot.engine.snapshot import Snapshot


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


def why(snap: Snapshot, sources: Sequence[int], key: int, cosine: float, *, free_text: bool = False) -> str:
    """Explain `key` against the query titles `sources` (empty for free text)."""
    parts: list[str] = []
    if sources:
        bits = 0
        for s in sources:
            bits |= int(snap.genre_bits[s])
        common = int(snap.genre_bits[key]) & bits
        genres = [g for i, g in enumerate(snap.genre_names) if common >> i & 1]
        if genres:
            parts.append("shared genres: " + ", ".join(genres[:3]))
        directors: list[int] = []
        cast: list[int] = []
        for s in sources:
            d, c = shared_people(snap, s, key)
            directors += [p for p in d if p not in directors]
            cast += [p for p in c if p not in cast]
        if directors:
            parts.append("same director: " + _names(snap, directors, 1))
        if cast:
            parts.append("also stars " + _names(snap, cast, 2))
    pct = similarity_pct(cosine)
    parts.append(f"{pct}% match to your description" if free_text else f"{pct}% similar")
    text = " · ".join(parts)
    return text[:1].upper() + text[1:]


def boost_bonus(snap: Snapshot, query: int, keys: np.ndarray, weight: float) -> np.ndarray:
    """The boost added to each key's cosine: `weight` x (0.6 for a shared director + 0.4 x the share of the
    query's lead cast that appears in the title)."""
    q_dirs = set(snap.directors.of(query).tolist())
    q_lead = snap.lead_cast(query).tolist()
    out = np.zeros(len(keys), dtype=np.float32)
    if not q_dirs and not q_lead:
        return out
    for i, k in enumerate(keys.tolist()):
        d = bool(q_dirs.intersection(snap.directors.of(k).tolist()))
        cast = set(snap.cast.of(k).tolist())
        c = sum(1 for p in q_lead if p in cast) / len(q_lead) if q_lead else 0.0
        out[i] = weight * (0.6 * d + 0.4 * c)
    return out


def people_sharing(snap: Snapshot, query: int) -> np.ndarray:
    """Every title sharing a director or a lead-cast name with `query` (the boost's candidate set)."""
    parts = [snap.director_titles.of(int(p)) for p in snap.directors.of(query)]
    parts += [snap.cast_titles.of(int(p)) for p in snap.lead_cast(query)]  # billed anywhere in the title
    if not parts:
        return np.empty(0, np.int64)
    keys = np.unique(np.concatenate(parts).astype(np.int64))
    return keys[keys != query]
