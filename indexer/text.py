"""The text each title is embedded from.

The baseline is FlixRec's recipe, kept byte for byte so results are comparable with the app this product
grows from; any other recipe must be measured in bench/ before it becomes the default.
"""

from __future__ import annotations

import hashlib

from indexer.records import Title

RECIPES = ("flixrec",)


def document_text(title: Title, recipe: str = "flixrec") -> str:
    if recipe != "flixrec":
        raise ValueError(f"unknown text recipe {recipe!r}; known: {', '.join(RECIPES)}")
    overview = title.overview or ""
    tagline = title.tagline or ""
    return f"{title.title}: {overview} -  {tagline} Genres:-  {' '.join(title.genres)}"


def text_hash(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()
