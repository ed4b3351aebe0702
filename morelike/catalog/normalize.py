"""Title normalisation shared by the indexer (stored `norm_title`) and the engine's resolver.

People type "amelie", "thing", "godfather 2" or "Fast & Furious"; the catalog says "Amélie", "The Thing",
"The Godfather Part II" and "Fast and Furious". Normalising both sides the same way makes exact lookups cheap
and leaves only real typos to the fuzzy matcher. Titles in their own language fold the same way: "la vita e bella",
"МОСКВА" and half-width "ｺﾞｼﾞﾗ" meet "La vita è bella", "Москва" and "ゴジラ".
"""

from __future__ import annotations

import re
import unicodedata

# One leading article is dropped: "The Thing" and "Thing" must meet. Foreign articles matter for original
# titles ("La Haine", "Le Samouraï", "Das Boot"). Not "die": in the catalog's (mostly English) titles it is the verb
# far more often ("Die Hard", "Die Another Day"), and dropping it left the Die Hard films the stem "hard".
_ARTICLES = frozenset({"the", "a", "an", "la", "le", "les", "l", "el", "los", "las", "der", "das", "il", "lo"})
_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)
# NFKD splits が into か + U+3099: that mark makes another kana (ga, not ka), so it is a letter, not an accent.
_KANA_VOICING = frozenset("\u3099\u309a")


def strip_accents(text: str) -> str:
    """Compatibility forms unfolded (full-width and half-width letters, ligatures, "Ⅻ") and accents dropped ("é" → "e",
    "ё" → "е"), in composed form: hangul stays syllables and kana keep their voicing ("ｺﾞｼﾞﾗ" → "ゴジラ")."""
    if text.isascii():  # most titles: nothing to decompose (a C check instead of a Python loop per character)
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(ch for ch in decomposed if not unicodedata.combining(ch) or ch in _KANA_VOICING)
    return unicodedata.normalize("NFC", kept)  # NFKD also split what is no accent: hangul syllables, が


def normalize_title(text: str | None, *, drop_article: bool = True) -> str:
    """Casefold, strip accents, `&`→and, punctuation→space, drop one leading article, collapse spaces.

    Any script: `\\w` is Unicode, so kanji, kana, hangul and Cyrillic are words like Latin ones."""
    norm, full = title_forms(text)
    return norm if drop_article else full


def title_forms(text: str | None) -> tuple[str, str]:
    """`normalize_title(text)` and `normalize_title(text, drop_article=False)` from one pass (the resolver needs
    both of every name: 4 million names at Trakt's size)."""
    if not text:
        return "", ""
    # Case folds before and after: before, so a capital's accent goes with it ("İ" → "i̇" → "i"); after, for what
    # unfolding made ("Ⅻ" → "XII").
    folded = strip_accents(text.casefold()).casefold()
    folded = folded.replace("&", " and ").replace("'", "").replace("’", "")
    words = _NON_WORD.sub(" ", folded).replace("_", " ").split()
    full = " ".join(words)
    if len(words) > 1 and words[0] in _ARTICLES:
        return full[len(words[0]) + 1 :], full
    return full, full
