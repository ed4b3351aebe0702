"""What a face repeats back of what a person typed: shortened the same way everywhere.

A title or description can be any length (a pasted page, a 100,000-character argument); repeating it whole in a
sentence buries the sentence. Every face (Discord, the terminal) cuts an echo with `shorten`, at a word boundary,
with an ellipsis, so one reads the same whichever face said it.
"""

from __future__ import annotations

ECHO = 60  # what a person typed, repeated back in a sentence
ELLIPSIS = "…"


def shorten(text: str | None, limit: int, *, keep_lines: bool = False) -> str:
    """`text` cut at a word boundary to at most `limit` characters, with an ellipsis when cut.

    Runs of whitespace become one space; `keep_lines` keeps line breaks (messages built from lines)."""
    if keep_lines:
        text = "\n".join(" ".join(line.split()) for line in (text or "").splitlines()).strip()
    else:
        text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    if limit <= 1:
        return ELLIPSIS[:limit]
    cut = text[: limit - 1]
    space = len(cut) if text[limit - 1] == " " else cut.rfind(" ")  # the cut may already end a word
    if space >= limit // 2:  # a word boundary not too far back; otherwise cut inside the (very long) word
        cut = cut[:space]
    return cut.rstrip(" ,;:.-–—") + ELLIPSIS
