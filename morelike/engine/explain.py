"""The one-line "why" on every recommendation: shared genres, shared people, similarity.

Kept short (it sits under a title in a Discord embed): at most three genres and two names. Said as reasons
(`morelike.i18n.Reason`: a message key and its values), so each face says them in its user's locale; the `Why`
returned reads as the English line.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from morelike.engine.snapshot import Snapshot
from morelike.i18n import Count, Reason, Why


def _names(snap: Snapshot, ids: Sequence[int], limit: int) -> str:
    return ", ".join(snap.people_names[int(p)] for p in list(ids)[:limit])


def similarity_pct(score: float) -> int:
    return max(0, min(100, round(float(score) * 100)))


# The ranking's features, grouped into the reasons a person would give (morelike/engine/rank.py).
REASON_GROUPS = {
    "people": ("director", "cast"),
    "series": ("series", "family"),
    "genres": ("genres", "genres_shared"),
    "content": ("content", "content_sq"),
    "era": ("era", "era_close"),
    "known": ("fame", "rated", "rating"),
}
MAX_REASONS = 3
WELL_KNOWN_VOTES = 20_000


def _group_matrix() -> np.ndarray:
    from morelike.engine.rank import FEATURES

    m = np.zeros((len(FEATURES), len(REASON_GROUPS)), dtype=np.float32)
    for j, feats in enumerate(REASON_GROUPS.values()):
        for f in feats:
            m[FEATURES.index(f), j] = 1.0
    return m


def contributions(rows: np.ndarray, median: np.ndarray, weights: np.ndarray) -> list[dict[str, float]]:
    """How much each reason lifted each title (a row of features) above the median candidate: the sum over the
    reason's features of weight x (value - median), for all rows in one product."""
    rows = np.atleast_2d(np.asarray(rows, dtype=np.float32))
    sums = ((rows - median) * weights) @ _GROUPS
    names = list(REASON_GROUPS)
    return [dict(zip(names, row, strict=True)) for row in sums.tolist()]


class Explainer:
    """The "why" lines of one answer: what the query titles (`sources`, empty for free text) bring is read once,
    then each result is compared against it."""

    def __init__(self, snap: Snapshot, sources: Sequence[int], *, free_text: bool = False) -> None:
        self.snap = snap
        self.free_text = free_text
        self.sources = [int(s) for s in sources]
        bits = 0
        directors: list[int] = []
        lead: list[list[int]] = []
        for s in self.sources:
            bits |= int(snap.genre_bits[s])
            directors += [p for p in snap.directors.of(s).tolist() if p not in directors]
            lead.append(snap.lead_cast(s).tolist())
        self.bits = bits
        self.genres = [(1 << i, g) for i, g in enumerate(snap.genre_names) if bits >> i & 1]  # the query's, in order
        self.directors = directors
        self.lead = lead  # per source, in billing order
        self.family = {int(node) for s in self.sources for node in snap.family(s)}  # nodes (snapshot.family)
        self.named = {int(snap.named_groups[s]) for s in self.sources} - {-1}  # named series
        self.years = [int(snap.years[s]) for s in self.sources if int(snap.years[s]) > 0]

    def _phrases(self, key: int) -> dict[str, tuple[Reason, ...]]:
        """Per reason group, what this title shares with the query (a group may say two things: people)."""
        snap = self.snap
        phrases: dict[str, tuple[Reason, ...]] = {}
        if self.sources:
            theirs = int(snap.genre_bits[key])
            genres = [g for bit, g in self.genres if theirs & bit]
            if genres:
                phrases["genres"] = (Reason("why.genres", {"genres": ", ".join(genres[:3])}),)
            people: list[Reason] = []
            if self.directors:
                dirs_b = set(snap.directors.of(key).tolist())
                directors = [p for p in self.directors if p in dirs_b]
                if directors:
                    people.append(Reason("why.director", {"name": _names(snap, directors, 1)}))
            cast_b = set(snap.cast.of(key).tolist())
            cast: list[int] = []
            for lead in self.lead:
                cast += [p for p in lead if p in cast_b and p not in cast]
            if cast:
                people.append(Reason("why.cast", {"names": _names(snap, cast, 2)}))
            if people:
                phrases["people"] = tuple(people)
            if int(snap.named_groups[key]) in self.named:
                phrases["series"] = (Reason("why.series"),)
            elif int(snap.nodes[key]) in self.family:  # a family link: no "same series" claim
                phrases["series"] = (Reason("why.franchise"),)
            year = int(snap.years[key])
            if self.years and year and min(abs(year - y) for y in self.years) <= 5:
                phrases["era"] = (Reason("why.era", {"decade": year // 10 * 10}),)
        votes = int(snap.votes[key])
        if votes >= WELL_KNOWN_VOTES:
            rating = float(snap.ratings[key])
            phrases["known"] = (
                (Reason("why.known", {"votes": Count(votes), "rating": round(rating, 1)}),)
                if rating == rating  # NaN: no rating
                else (Reason("why.known_unrated", {"votes": Count(votes)}),)
            )
        return phrases

    def why(self, key: int, cosine: float, contributions: dict[str, float] | None = None) -> Why:
        """The reasons that actually lifted `key` in the ranking, strongest first (at most three), ending with
        how close the stories are."""
        phrases = self._phrases(int(key))
        pct = similarity_pct(cosine)
        content = Reason("why.description" if self.free_text else "why.story", {"pct": pct})
        if contributions is None:  # no ranking detail: the old, fixed order
            order = ["genres", "people"]
        else:
            order = sorted((g for g in phrases if contributions.get(g, 0.0) > 0), key=lambda g: -contributions[g])
            for always in ("people", "series"):  # a shared director or star, or the same series, is always said
                if always in phrases and always not in order:
                    order.insert(0, always)
            franchise = phrases.get("series") == (Reason("why.franchise"),)
            if franchise and contributions.get("series", 0.0) <= 0:
                order.remove("series")  # a family link to a story unlike the query's is no franchise claim
        groups = [phrases[g] for g in order if g in phrases][: MAX_REASONS - 1]
        return Why([*(reason for group in groups for reason in group), content])


_GROUPS = _group_matrix()


def people_sharing(snap: Snapshot, query: int) -> np.ndarray:
    """Every title sharing a director or a lead-cast name with `query`."""
    parts = [snap.director_titles.of(int(p)) for p in snap.directors.of(query)]
    parts += [snap.cast_titles.of(int(p)) for p in snap.lead_cast(query)]  # billed anywhere in the title
    if not parts:
        return np.empty(0, np.int64)
    keys = np.unique(np.concatenate(parts).astype(np.int64))
    return keys[keys != query]
