"""The text each title is embedded from, and how much of a story a title really has.

Two recipes (the manifest records which one built an index; the bot refuses a mismatch, like the model):

- `flixrec`: FlixRec's recipe byte for byte (title, overview, tagline, genres), kept so results stay comparable
  with the app this product grows from.
- `story` (the default, measured in bench/README.md): the synopsis and the genres, WITHOUT the title and without
  Wikipedia's lead boilerplate. The title's words made "Heat" match "White Heat" and "The Big Heat"; the lead
  ("X is a 1936 American comedy film directed by Y and starring Z.") made 22k pre-1960 rows alike whatever their
  plot. The lead's descriptor is kept ("A heist crime film."), credits and release sentences are dropped: people,
  era and genres are ranking signals of their own (morelike/engine/rank.py), not words for the encoder.

`synopsis(title)` is the cleaned overview; `story_chars` its length, published with each title so the engine
can keep titles with no story (title + one genre) out of the answers to titles that have one. `story_names`
reads the proper names each synopsis uses (Kildare, Eeyore, Salander): a franchise's characters are what ties
"Internes Can't Take Money" to "Young Dr. Kildare" when their titles share nothing (morelike/franchise/graph.py).
"""

from __future__ import annotations

import calendar
import hashlib
import re
from collections import Counter
from collections.abc import Iterable
from typing import Literal, get_args

import regex

from morelike.catalog.records import Title

Recipe = Literal["story", "flixrec"]  # the [model] text_recipe setting
RECIPES: tuple[str, ...] = get_args(Recipe)
DEFAULT_RECIPE = "story"
MIN_STORY_CHARS = 60  # below this a "synopsis" is a credit line or a genre word, not a story
RECIPE_VERSION = 1  # of the `story` recipe: bump when its text changes (a shipped trained model records it)

# "<Title> is a 1936 American comedy film directed by …" — the lead sentence of a Wikipedia film article.
_LEAD = re.compile(
    r"^[^.]{0,200}?\b(?:is|was)\s+(?:an?|the)\s+(?P<desc>[^.]{0,160}?)\b"
    r"(?P<noun>film|movie|picture|serial|documentary|series|cartoon)\b.*?"
    # … up to the sentence's end: a period that ends no initial or title ("D.W. Griffith", "J. Carrol Naish",
    # "Dr. Kildare"): stopping there left "Carrol Naish, Ferike Boros and John Ince." as the story of 6,000 rows.
    r"(?:(?<!\b[A-Z])(?<!\b(?:Dr|Mr|St))(?<!\bMrs)\.(?:\s+|$)|$)",
    re.IGNORECASE,
)
# Words of the lead's descriptor that say nothing about the story (era and country are ranking signals).
_NOT_DESCRIPTIVE = re.compile(
    r"\b(?:\d{4}|American|British|English|independent|feature|short|full-length|Hollywood|pre-Code|"
    r"black-and-white|color|colour|Technicolor|[A-Z][a-z]+-(?:American|British))\b[\s,]*",
    re.IGNORECASE,
)
# Sentences that are credits or release facts rather than plot.
_CREDIT_SENTENCE = re.compile(
    r"^(?:it|the film|the movie|the picture|this film)\s+(?:stars|starred|features|co-stars|"
    r"was (?:directed|produced|written|released|distributed|filmed|shot|made|nominated)|"
    r"is (?:directed|produced|written|based))\b|^(?:directed|produced|written) by\b|"
    r"^(?:it|the film) was (?:the )?(?:first|second|third|last|final|only)\b",
    re.IGNORECASE,
)
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'])")
_SPACES = re.compile(r"\s+")


def _is_wikipedia_lead(title: Title, overview: str) -> bool:
    sources = title.sources or ()
    return "wikipedia" in sources and (overview.startswith(title.title[:12]) or tuple(sources) == ("wikipedia",))


def synopsis(title: Title) -> str:
    """The overview with Wikipedia's lead boilerplate and credit sentences removed ("" when nothing is left)."""
    text = (title.overview or "").strip()
    if not text or not _is_wikipedia_lead(title, text):
        return text
    lead = _LEAD.match(text)
    if lead:
        desc = _SPACES.sub(" ", _NOT_DESCRIPTIVE.sub(" ", lead.group("desc"))).strip(" ,-")
        text = text[lead.end() :].strip()
        if desc:
            text = f"A {desc} {lead.group('noun').lower()}. {text}".strip()
    return " ".join(s for s in _SENTENCE_BREAK.split(text) if not _CREDIT_SENTENCE.match(s)).strip()


def story_chars(title: Title) -> int:
    """Characters of real synopsis (0 when the title has no story to compare)."""
    n = len(synopsis(title))
    return n if n >= MIN_STORY_CHARS else 0


# A run of capitalised words inside a sentence (after a lowercase word, a digit or a comma): a name, not a
# sentence start. A possessive keeps its name ("Riddick's" -> "Riddick"). Letters are Unicode letters (the
# `regex` module's \p{Lu}/\p{Ll}): with ASCII classes "Skarsgård" was read as a name "Skarsg" that no credit
# matched, and it tied John Wick to Dune (Bill and Stellan Skarsgård).
_NAME_RUN = regex.compile(r"(?<=[\p{Ll}0-9,;]\s)\p{Lu}\p{Ll}+(?:['’]s)?(?:\s+\p{Lu}\p{Ll}+(?:['’]s)?)*")
_CREDITED = regex.compile(r"\b(?:by|with|starring)\s$")  # "directed by Bob Clampett", "with Spring Byington"
# Between two names of one credit list: "produced by Lucy Fisher, Pouya Shabazian and Douglas Wick".
_LIST_GAP = regex.compile(r"\s*(?:,\s*(?:and\s+)?|\s+and\s+|\s*&\s*)")
_POSSESSIVE = regex.compile(r"['’]s$")
_LOWER_WORD = regex.compile(r"\b\p{Ll}\p{Ll}+\b")
MIN_NAME_CHARS = 3  # "Gru"
MAX_NAME_WORDS = 2  # "Dominic Toretto"; a longer run is a credited author's full name, a place or an institution
# Capitalised in any sentence, and no one's name: two synopses set "in October" are not one franchise.
_NOT_NAMES = frozenset([*calendar.month_name[1:], *calendar.day_name])


def story_names(titles: Iterable[Title]) -> list[str]:
    """Per title, the proper names its synopsis uses, space-separated and sorted ("" for none).

    Read over the whole catalog, because a capitalised word is a name only by how the catalog uses it: a word
    written lowercase in more synopses than capitalised ones is a common word ("Minions", "Ocean", "Concert"), and
    a word of more credited people's names than synopses is an actor's or director's name from film credits
    ("Byington", "Huston"), not a character. A title's own cast and directors, and names right after "by",
    "with" or "starring" (with the rest of their list: "by Lucy Fisher, Pouya Shabazian and Douglas Wick"), are
    credits too."""
    names = StoryNames()
    for title in titles:
        names.add(title)
    return names.result()


class StoryNames:
    """`story_names` read one title at a time (`add`, in key order), so a build streams its catalog once instead
    of holding every title (issue 24); `result()` once all are read."""

    def __init__(self) -> None:
        self.lowercase: Counter[str] = Counter()
        self.credited: Counter[str] = Counter()
        self.found: list[tuple[str, ...]] = []

    def add(self, title: Title) -> None:
        text = synopsis(title)
        self.lowercase.update(set(_LOWER_WORD.findall(text)))
        own = {word for person in (*title.cast, *title.directors) for word in person.split()}
        self.credited.update(own)
        names: set[str] = set()
        credits_end = -1  # where the last credited name ended: the names listed after it are credits too
        for run in _NAME_RUN.finditer(text):
            if _CREDITED.search(text, max(0, run.start() - 10), run.start()) or (
                credits_end >= 0 and _LIST_GAP.fullmatch(text, credits_end, run.start())
            ):
                credits_end = run.end()
                continue
            credits_end = -1
            words = run.group().split()
            if len(words) > MAX_NAME_WORDS:  # "Arthur Conan Doyle", "Edgar Rice Burroughs": an author, not a character
                continue
            for word in words:
                word = _POSSESSIVE.sub("", word)
                if len(word) >= MIN_NAME_CHARS and word not in own and word not in _NOT_NAMES:
                    names.add(word)
        self.found.append(tuple(sorted(names)))  # a tuple: a set per title weighs 3x more at 1.3M titles

    def result(self) -> list[str]:
        capitalised = Counter(word for names in self.found for word in names)
        lowercase, credited = self.lowercase, self.credited
        return [
            " ".join(w for w in names if lowercase[w.lower()] < capitalised[w] and credited[w] < capitalised[w])
            for names in self.found
        ]


def document_text(title: Title, recipe: str = DEFAULT_RECIPE) -> str:
    if recipe == "flixrec":
        overview = title.overview or ""
        tagline = title.tagline or ""
        return f"{title.title}: {overview} -  {tagline} Genres:-  {' '.join(title.genres)}"
    if recipe == "story":
        parts = [synopsis(title)]
        if title.tagline:
            parts.append(title.tagline.strip())
        if title.genres:
            parts.append("Genres: " + ", ".join(g.replace("-", " ") for g in title.genres) + ".")
        text = " ".join(p for p in parts if p)
        # A title with neither story nor genres still needs a non-empty text; its title is all there is.
        return text or title.title
    raise ValueError(f"unknown text recipe {recipe!r}; known: {', '.join(RECIPES)}")


def text_hash(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()
