"""Reading a title: its series stem, sequel number and subtitle ("The Godfather Part II" -> "godfather", 2), and the
series a subtitle declares ("El Camino: A Breaking Bad Movie"). Pure string work, one title at a time (with the
catalog's numbered stems where a lone "V" may be a number); the catalog-wide grouping is `morelike.franchise.graph`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import NamedTuple

from morelike.catalog.normalize import normalize_title

_SUBTITLE = re.compile(r"\s*(?::|\s[-–—]\s)\s*")
_ROMAN = {
    "ii": 2, "iii": 3, "iv": 4, "vi": 6, "vii": 7, "viii": 8, "ix": 9, "xi": 11, "xii": 12,
}  # fmt: skip
_ROMAN_AFTER_WORD = {"i": 1, "v": 5, "x": 10, **_ROMAN}  # "Part I", "Chapter V" (alone they are words: "Malcolm X")
_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
_PART_WORDS = frozenset({"part", "chapter", "vol", "volume", "episode", "book"})
_MAX_SEQUEL_NUMBER = 12  # "Toy Story 4" is a sequel; "Apollo 13" and "District 9"… mostly are not (9 is kept)


class Stem(NamedTuple):  # a tuple of atoms: the cyclic GC stops tracking the cached ones
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


@functools.lru_cache(maxsize=1 << 16)  # a series check asks for the same titles' stems on every query
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


_LONE_NUMERALS = {"i": 1, "v": 5, "x": 10}


def catalog_stem(title: str, numbered: frozenset[str] | set[str]) -> Stem:
    """`title_stem`, reading a lone trailing "I", "V" or "X" as a sequel number when the rest is the stem of a
    numbered series in this catalog: "Saw V" and "Saw X" are Saw's fifth and tenth ("Saw II" exists), while
    "Malcolm X" stays a title (no "Malcolm 2")."""
    st = title_stem(title)
    if st.number is None and len(st.stem) > 2 and st.stem[-2] == " " and st.stem[-1] in _LONE_NUMERALS:
        prefix = st.stem[:-2]
        if prefix in numbered:
            return Stem(prefix, _LONE_NUMERALS[st.stem[-1]], st.subtitled)
    return st


def numbered_stems(titles: Sequence[str], norms: Sequence[str] | None = None) -> frozenset[str]:
    """The stems that carry a sequel number somewhere in the catalog ("saw" from "Saw II")."""
    out = set()
    for i, t in enumerate(titles):
        if norms is None or _needs_stemming(t, norms[i]):
            st = title_stem(t)
            if st.number is not None:
                out.add(st.stem)
    return frozenset(out)


def stems(
    titles: Sequence[str], norms: Sequence[str] | None = None, numbered: frozenset[str] | None = None
) -> list[str]:
    """`catalog_stem(t).stem` for every title; `norms` (the published `norm_title` column) skips the regex work for
    titles that carry no subtitle and no sequel marker; `numbered`: `numbered_stems(titles, norms)`, if known."""
    if numbered is None:
        numbered = numbered_stems(titles, norms)
    out = []
    for i, t in enumerate(titles):
        norm = norms[i] if norms is not None else None
        if norm is not None and not _needs_stemming(t, norm):
            out.append(norm)
        else:
            out.append(catalog_stem(t, numbered).stem)
    return out


_DECLARED = re.compile(r"^an?\s+(.+?)\s+(?:movie|film|story|special)$", re.IGNORECASE)


def declared_series(title: str) -> str | None:
    """The series a subtitle says a title belongs to, normalised: "El Camino: A Breaking Bad Movie" -> "breaking
    bad"; a name of two words or more ("A Christmas Story" says nothing)."""
    parts = _SUBTITLE.split(title.strip(), maxsplit=1)
    if len(parts) < 2:
        return None
    m = _DECLARED.match(parts[1].strip())
    told = normalize_title(m.group(1)) if m else ""
    return told if len(told.split()) >= 2 else None


def distinctive(stem: str) -> bool:
    """A subtitle stem that names a franchise rather than a common word ("Alien:", not "Love:")."""
    words = stem.split()
    return len(words) >= 2 or (len(words) == 1 and len(words[0]) >= 5)
