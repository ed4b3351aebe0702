"""Title normalisation shared by the indexer (stored `norm_title`) and the engine's resolver.

People type "amelie", "thing", "godfather 2" or "Fast & Furious"; the catalog says "Amélie", "The Thing",
"The Godfather Part II" and "Fast and Furious". Normalising both sides the same way makes exact lookups cheap
and leaves only real typos to the fuzzy matcher.
"""

from __future__ import annotations

import re
import unicodedata

# One leading article is dropped: "The Thing" and "Thing" must meet. Foreign articles matter for original
# titles ("La Haine", "Le Samouraï", "Das Boot"). Not "die": in the catalog's (mostly English) titles it is the verb
# far more often ("Die Hard", "Die Another Day"), and dropping it left the Die Hard films the stem "hard".
_ARTICLES = frozenset({"the", "a", "an", "la", "le", "les", "l", "el", "los", "las", "der", "das", "il", "lo"})
_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)


def strip_accents(text: str) -> str:
    if text.isascii():  # most titles: nothing to decompose (a C check instead of a Python loop per character)
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def normalize_title(text: str | None, *, drop_article: bool = True) -> str:
    """Casefold, strip accents, `&`→and, punctuation→space, drop one leading article, collapse spaces."""
    if not text:
        return ""
    folded = strip_accents(text).casefold().replace("&", " and ").replace("'", "").replace("’", "")
    words = _NON_WORD.sub(" ", folded).replace("_", " ").split()
    if drop_article and len(words) > 1 and words[0] in _ARTICLES:
        words = words[1:]
    return " ".join(words)
