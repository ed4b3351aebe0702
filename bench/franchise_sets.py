"""An independent labelled franchise set for the sibling-recall benchmarks (issue 19).

`bench/franchise.py` holds the franchise labels the project's rules were tuned against, so recall measured on them
flatters the rules. `franchises_wikipedia.txt` (beside this file) is a second set from a different public source:
film series as Wikipedia's film-series articles list them, written from public knowledge, not from the catalog or
the tuned labels. It is used only to MEASURE sibling recall; no rule or weight of the product reads it.

Format, one franchise a line (`#` lines are comments): `Franchise name => Title (year); Title (year); ...`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from morelike.catalog.normalize import normalize_title

if TYPE_CHECKING:
    from morelike.engine.snapshot import Snapshot

_MEMBER = re.compile(r"^(?P<title>.+?) \((?P<year>\d{4})\)$")
_DEFAULT_PATH = Path(__file__).with_name("franchises_wikipedia.txt")
YEAR_SLACK = 1  # release years differ by a year between sources (festival vs. release, Japan vs. US)


@dataclass(frozen=True)
class LabelledFranchise:
    name: str
    members: tuple[tuple[str, int], ...]  # (title, year)


def parse(text: str) -> list[LabelledFranchise]:
    """The franchises in `text`; a malformed line raises ValueError naming its (1-based) line number."""
    out: list[LabelledFranchise] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, rest = line.partition(" => ")
        if not sep or not name.strip() or not rest.strip():
            raise ValueError(f"line {number}: expected 'Franchise name => Title (year); ...': {line!r}")
        members: list[tuple[str, int]] = []
        for part in rest.split("; "):
            match = _MEMBER.match(part.strip())
            if match is None:
                raise ValueError(f"line {number}: member {part!r} is not 'Title (YYYY)'")
            members.append((match["title"].strip(), int(match["year"])))
        out.append(LabelledFranchise(name.strip(), tuple(members)))
    return out


def load_wikipedia(path: Path = _DEFAULT_PATH) -> list[LabelledFranchise]:
    """The Wikipedia-sourced set (`franchises_wikipedia.txt`)."""
    return parse(path.read_text(encoding="utf-8"))


def join(franchises: Iterable[LabelledFranchise], snap: Snapshot) -> dict[str, list[int]]:
    """Franchise name -> catalog keys of its members found in `snap`.

    A member joins on normalised-title equality with the year within ±YEAR_SLACK; where several rows match, the one
    with the most votes. Members not in the catalog are dropped, and so are franchises with fewer than 2 joined
    members. A key may appear under more than one franchise (crossovers are listed in both).
    """
    norms = snap.norms if snap.norms is not None else [normalize_title(t) for t in snap.titles]
    by_norm: dict[str, list[int]] = {}
    for key, norm in enumerate(norms):
        if norm:
            by_norm.setdefault(norm, []).append(key)
    years, votes = snap.years, snap.votes
    out: dict[str, list[int]] = {}
    for franchise in franchises:
        keys: list[int] = []
        for title, year in franchise.members:
            rows = [k for k in by_norm.get(normalize_title(title), ()) if abs(int(years[k]) - year) <= YEAR_SLACK]
            if not rows:
                continue
            best = max(rows, key=lambda k: float(votes[k]))
            if best not in keys:
                keys.append(best)
        if len(keys) >= 2:
            out[franchise.name] = keys
    return out
