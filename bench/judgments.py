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
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

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


# -- the other two judgments of ../shared/eval (issue 19) --------------------------------------------------------
SIMILAR_SET = DEV_SET.with_name("tmdb_similar_dev.json")  # TMDB's content lists: same shape, scored like DEV_SET
FAN_PANEL = DEV_SET.with_name("fan_panel_dev.txt")
FAN_MIN_ANSWERS = 3  # the panel's README: queries with fewer answers in the catalog are skipped


@dataclass(frozen=True)
class FanQuery:
    label: str  # "Title (year)" as the panel writes it
    key: int
    same: frozenset[int]
    answers: tuple[frozenset[int], ...]  # one set per answer: its catalog rows (duplicates count once)
    labels: tuple[str, ...]  # the answers as written, in the panel's order


def _parse_label(text: str) -> tuple[str, int | None, str | None]:
    """'Title (2001) [show]' -> (title, year, kind)."""
    text = text.strip()
    kind = None
    m = re.search(r"\s*\[(movie|show)\]\s*$", text)
    if m:
        kind, text = m.group(1), text[: m.start()]
    m = re.fullmatch(r"(.*?)\s*\((\d{4})\)", text)
    return (m.group(1), int(m.group(2)), kind) if m else (text, None, kind)


def _title_index(snap) -> dict[str, list[int]]:
    norms = snap.norms or [normalize_title(t) for t in snap.titles]
    index: dict[str, list[int]] = defaultdict(list)
    for k, norm in enumerate(norms):
        index[norm].append(k)
    return index


def _rows(index, snap, title: str, year: int | None, kind: str | None) -> list[int]:
    """The catalog rows of one panel label: normalised title, year within one, the kind where given."""
    code = {"movie": 0, "show": 1}.get(kind or "", -1)
    return [
        k
        for k in index.get(normalize_title(title), [])
        if (year is None or abs(int(snap.years[k]) - year) <= 1) and (code < 0 or int(snap.kinds[k]) == code)
    ]


def load_fan(snap, path: Path = FAN_PANEL) -> list[FanQuery]:
    """The fan panel joined to the catalog as its README says (the query: its most-voted matching row)."""
    if not path.exists():
        raise SystemExit(f"The fan panel is not at {path} (see ../shared/eval/README.md).")
    index = _title_index(snap)
    dups = duplicates_of(snap)
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#") or "=>" not in line:
            continue
        head, tail = line.split("=>", 1)
        title, year, kind = _parse_label(head)
        rows = _rows(index, snap, title, year, kind or "movie")
        if not rows:
            continue
        key = max(rows, key=lambda k: int(snap.votes[k]))
        answers, labels = [], []
        for part in tail.split(";"):
            if not part.strip():
                continue
            t, y, kd = _parse_label(part)
            found = frozenset(r for r in _rows(index, snap, t, y, kd) if r not in dups[key])
            if found:
                answers.append(found)
                labels.append(part.strip())
        if len(answers) >= FAN_MIN_ANSWERS:
            out.append(FanQuery(head.strip(), key, dups[key], tuple(answers), tuple(labels)))
    return out


def fan_recall(q: FanQuery, got: list[int], n: int) -> float:
    """Answers found in the first `n` titles a user sees / min(n, answers in the catalog)."""
    seen = set(got[:n])
    return sum(1 for rows in q.answers if rows & seen) / min(n, len(q.answers))


def fan_score(queries: list[FanQuery], answers: list[list[int]]) -> dict[str, float]:
    r10 = [fan_recall(q, got, 10) for q, got in zip(queries, answers, strict=True)]
    r20 = [fan_recall(q, got, 20) for q, got in zip(queries, answers, strict=True)]
    return {"fan_r10": sum(r10) / len(r10), "fan_r20": sum(r20) / len(r20), "fan_queries": len(queries)}


def story_percentiles(teacher: np.ndarray, row_of: np.ndarray, key: int, got: list[int]) -> list[float]:
    """Per answer, the share of the catalog's stories at least as close to the query's as the answer's, under
    the reference story model (`teacher`: its unit vectors by catalog row; `row_of`: snapshot key -> row; a zero
    row has no story). An answer without a story counts as 1.0 (it is no story near the query's)."""
    t = np.asarray(teacher, dtype=np.float32)
    q = t[row_of[key]]
    cos = t @ q
    has = np.linalg.norm(t, axis=1) > 0
    has[row_of[key]] = False
    ranked = np.sort(cos[has])
    out = []
    for k in got:
        r = row_of[k]
        if not has[r]:
            out.append(1.0)
            continue
        out.append(float(len(ranked) - np.searchsorted(ranked, cos[r], side="left")) / len(ranked))
    return out


def repeats(snap, key: int, same: frozenset[int], got: list[int]) -> tuple[int, int]:
    """(answers that are the query or a catalog duplicate of it, answers that repeat an earlier one's work)."""
    norms = snap.norms or [normalize_title(t) for t in snap.titles]

    def work(k: int) -> tuple:
        return (int(snap.kinds[k]), norms[k], int(snap.years[k]))

    self_hits = sum(1 for k in got if k == key or k in same or work(k) == work(key))
    works = [work(k) for k in got]
    return self_hits, len(works) - len(set(works))
