"""The development set of what people find similar, and how an answer is scored against it.

`../shared/eval/tmdb_recommendations_dev.json` (read its README): TMDB's recommendation lists for 1,316 movies,
joined to the bundled catalog. Internal use only: it is read from there, never copied into the repository.

The answer scored is the product's, as a user gets it: the same-series list first, then the main list, 20 titles,
with the query and the catalog's duplicates of it (same kind, normalised title and year) left out.
- R@20/top10 (primary): |answer ∩ TMDB's first 10| / |TMDB's first 10|, averaged over queries;
- nDCG@20: binary relevance against the whole list.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from morelike.catalog.normalize import normalize_title

REPO = Path(__file__).resolve().parent.parent
DEV_SET = REPO.parent / "shared" / "eval" / "tmdb_recommendations_dev.json"
ANSWER = 20


@dataclass(frozen=True)
class Judged:
    key: int  # the query title
    same: frozenset[int]  # the query and its catalog duplicates: never counted
    targets: tuple[int, ...]  # what people found similar, best first


def duplicates_of(snap) -> dict[int, frozenset[int]]:
    """key -> every key of the same work (same kind, normalised title and year), itself included."""
    norms = snap.norms or [normalize_title(t) for t in snap.titles]
    groups: dict[tuple, list[int]] = defaultdict(list)
    for k in range(snap.n):
        groups[(int(snap.kinds[k]), norms[k], int(snap.years[k]))].append(k)
    return {k: frozenset(g) for g in groups.values() for k in g}


def load(snap, path: Path = DEV_SET) -> list[Judged]:
    if not path.exists():
        raise SystemExit(f"The development set is not at {path} (see ../shared/eval/README.md); pass --eval PATH.")
    data = json.loads(path.read_text(encoding="utf-8"))
    dups = duplicates_of(snap)
    out = []
    for q in data["queries"]:
        key = snap.key_of(q["id"])
        if key is None:
            continue
        targets = tuple(k for k in (snap.key_of(t) for t in q["similar"]) if k is not None)
        if targets:
            out.append(Judged(key, dups[key], targets))
    return out


def answer(page, snap, same: frozenset[int], n: int = ANSWER) -> list[int]:
    """The keys a user sees for a SimilarPage: series list first, then the main list, `n` in all."""
    keys = [snap.key_of(c.id) for c in page.series] + [snap.key_of(r.card.id) for r in page.items]
    out = []
    for k in keys:
        if k is not None and k not in same and k not in out:
            out.append(k)
    return out[:n]


def score(judged: list[Judged], answers: list[list[int]]) -> dict[str, float]:
    recall, ndcg = [], []
    for j, got in zip(judged, answers, strict=True):
        top10 = set(j.targets[:10])
        everything = set(j.targets)
        got = got[:ANSWER]
        recall.append(len(top10 & set(got)) / len(top10))
        dcg = sum(1 / math.log2(i + 2) for i, k in enumerate(got) if k in everything)
        ideal = sum(1 / math.log2(i + 2) for i in range(min(ANSWER, len(everything))))
        ndcg.append(dcg / ideal)
    return {"r20_top10": sum(recall) / len(recall), "ndcg20": sum(ndcg) / len(ndcg), "queries": len(judged)}
