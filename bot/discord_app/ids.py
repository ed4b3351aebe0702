"""The state a button or select carries in its custom_id, so it keeps working after the bot restarts.

Discord gives a component 100 characters of custom_id and nothing else survives a restart, so every click
encodes what it needs: the title's 10-character `ref` (ids can exceed 100 characters), the page, and the
filters in a compact form. Formats (each at most 100 characters, checked):

    ml:sim:<ref>:<page>:<filters>     Previous / Next page of a result list
    ml:ref:<ref>:<filters>            the refine select of a result list (the option picked changes the filters)
    ml:pick:<ref>:<filters>           a "Which one?" button: show this title's results
    ml:picks:<filters>                the "Which one?" select (the option values are refs)
    ml:card:<ref>                     a "Which one?" button of /title: show this title's card
    ml:cards                          the "Which one?" select of /title
    ml:hide:<ref>:<page>:<filters>    the "Not for me" select of a result page (the option values are refs)
    ml:hid:<page>                     Previous / Next page of /hidden
    ml:unhide:<page>                  /hidden's restore select (the option values are the member's entry numbers)

Filters: comma-separated items, each a one-letter key and its value: `k` kind (m|s), `g` genre, `x` excluded
genre, `a` year from, `b` year to, `t` max runtime, `l` language, `r` min rating, `o` a service it was on, `n` the
anime filter (only|exclude|include). Values never contain `:` or `,`. After them, `h` carries the `hide:` a member
typed on /similar (`w` what they watched, `l` that and their watchlist, `n` nothing), so a click on that message
follows it rather than their stored default; a custom_id without `h` (every one sent before it existed) means the
default.
"""

from __future__ import annotations

import re
from dataclasses import replace

from morelike.engine.types import EngineError, Filters
from morelike.i18n import ENGLISH, Reason

MAX_CUSTOM_ID = 100
MAX_PAGE = 999
REF = r"[a-z2-7]{10}"
FILTERS = r"[a-z0-9.,\-]*"

SIMILAR_TEMPLATE = rf"ml:sim:(?P<ref>{REF}):(?P<page>\d{{1,3}}):(?P<filters>{FILTERS})"
REFINE_TEMPLATE = rf"ml:ref:(?P<ref>{REF}):(?P<filters>{FILTERS})"
PICK_TEMPLATE = rf"ml:pick:(?P<ref>{REF}):(?P<filters>{FILTERS})"
PICK_SELECT_TEMPLATE = rf"ml:picks:(?P<filters>{FILTERS})"
CARD_TEMPLATE = rf"ml:card:(?P<ref>{REF})"
CARD_SELECT_TEMPLATE = r"ml:cards"
HIDE_TEMPLATE = rf"ml:hide:(?P<ref>{REF}):(?P<page>\d{{1,3}}):(?P<filters>{FILTERS})"
HIDDEN_PAGE_TEMPLATE = r"ml:hid:(?P<page>\d{1,4})"
RESTORE_TEMPLATE = r"ml:unhide:(?P<page>\d{1,4})"
_KNOWN_FORMATS = (
    SIMILAR_TEMPLATE,
    REFINE_TEMPLATE,
    PICK_TEMPLATE,
    PICK_SELECT_TEMPLATE,
    CARD_TEMPLATE,
    CARD_SELECT_TEMPLATE,
    HIDE_TEMPLATE,
    HIDDEN_PAGE_TEMPLATE,
    RESTORE_TEMPLATE,
)
# Every custom_id that is in none of the formats above (fullmatch: the lookahead refuses exactly the known ones).
UNKNOWN_TEMPLATE = r"(?s)(?!(?:{})\Z).*".format("|".join(re.sub(r"\(\?P<\w+>", "(?:", t) for t in _KNOWN_FORMATS))

_KINDS = {"movie": "m", "show": "s"}
# /similar hide: -> its letter in the state (the choices themselves: `flows.HIDE_CHOICES`, made from these keys).
HIDE_CODES = {"watched": "w", "watchlist": "l", "nothing": "n"}
_HIDE_NAMES = {v: k for k, v in HIDE_CODES.items()}
_KIND_CODES = {v: k for k, v in _KINDS.items()}
FILTERS_VALUE = re.compile(r"^[a-z0-9.\-]+$")  # what a filter value may contain


class StateError(EngineError, ValueError):
    """State that cannot be carried in, or read back from, a custom_id; the message is one sentence. `said`:
    what to tell a person instead, in their locale, when it is theirs to act on (see `flows.user_text`)."""

    def __init__(self, message: str, said: Reason | None = None) -> None:
        super().__init__(message)
        self.said = said


def _refused(key: str, **params: str) -> StateError:
    """A state error said to a person (a result list cannot be built with what they asked for)."""
    said = Reason(key, params)
    return StateError(said.said(ENGLISH), said)


def _check_value(key: str, value: str) -> str:
    if not FILTERS_VALUE.match(value):
        shown = value if len(value) <= 40 else value[:39] + "…"
        raise _refused("error.unfilterable", option=key, value=shown)
    return value


def _num(value: float) -> str:
    return f"{value:g}"


def encode_filters(f: Filters, hide: str | None = None) -> str:
    """Compact, order-stable text for the filters the Discord face offers, and the typed `hide:` (None: none)."""
    items: list[str] = []
    if f.kind:
        items.append("k" + _KINDS[f.kind])
    if f.genres:
        items.append("g" + _check_value("genre", f.genres[0]))
    if f.exclude_genres:
        items.append("x" + _check_value("exclude_genre", f.exclude_genres[0]))
    if f.year_min is not None:
        items.append(f"a{f.year_min}")
    if f.year_max is not None:
        items.append(f"b{f.year_max}")
    if f.runtime_max is not None:
        items.append(f"t{f.runtime_max}")
    if f.language:
        items.append("l" + _check_value("language", f.language))
    if f.rating_min is not None:
        items.append("r" + _num(f.rating_min))
    if f.on:
        items.append("o" + _check_value("on", f.on[0]))
    if f.anime:
        items.append("n" + _check_value("anime", f.anime))
    if hide is not None:
        items.append("h" + HIDE_CODES[hide])
    return ",".join(items)


def decode_hide(text: str) -> str | None:
    """The `hide:` a state carries (watched, watchlist, nothing), or None: the member's default."""
    found = [item[1:] for item in text.split(",") if item.startswith("h")] if text else []
    if not found:
        return None
    if len(found) > 1 or found[0] not in _HIDE_NAMES:
        raise StateError(f"bad hide state {text!r}")
    return _HIDE_NAMES[found[0]]


def decode_filters(text: str) -> Filters:
    if not text:
        return Filters()
    values: dict = {}
    try:
        for item in text.split(","):
            key, value = item[:1], item[1:]
            if not FILTERS_VALUE.match(value):
                raise StateError(f"bad filter item {item!r}")
            if key == "k":
                values["kind"] = _KIND_CODES[value]
            elif key == "g":
                values["genres"] = (value,)
            elif key == "x":
                values["exclude_genres"] = (value,)
            elif key == "a":
                values["year_min"] = int(value)
            elif key == "b":
                values["year_max"] = int(value)
            elif key == "t":
                values["runtime_max"] = int(value)
            elif key == "l":
                values["language"] = value
            elif key == "r":
                values["rating_min"] = float(value)
            elif key == "o":
                values["on"] = (value,)
            elif key == "n":
                values["anime"] = value
            elif key == "h":
                continue  # the typed hide: (`decode_hide`), not a filter
            else:
                raise StateError(f"unknown filter key {key!r}")
        return Filters(**values)
    except (KeyError, ValueError) as exc:  # FilterError is a ValueError too
        raise StateError(f"bad filters {text!r}: {exc}") from None


def _checked(custom_id: str) -> str:
    if len(custom_id) > MAX_CUSTOM_ID:
        # Only reachable with every filter set to its longest value; said to a person, so in their words.
        raise _refused("error.too_many_filters")
    return custom_id


def similar_id(ref: str, page: int, f: Filters, hide: str | None = None) -> str:
    return _checked(f"ml:sim:{ref}:{min(max(page, 0), MAX_PAGE)}:{encode_filters(f, hide)}")


def refine_id(ref: str, f: Filters, hide: str | None = None) -> str:
    return _checked(f"ml:ref:{ref}:{encode_filters(f, hide)}")


def pick_id(ref: str, f: Filters, hide: str | None = None) -> str:
    return _checked(f"ml:pick:{ref}:{encode_filters(f, hide)}")


def pick_select_id(f: Filters, hide: str | None = None) -> str:
    return _checked(f"ml:picks:{encode_filters(f, hide)}")


def card_id(ref: str) -> str:
    return _checked(f"ml:card:{ref}")


CARD_SELECT_ID = "ml:cards"


def hide_id(ref: str, page: int, f: Filters, hide: str | None = None) -> str:
    return _checked(f"ml:hide:{ref}:{min(max(page, 0), MAX_PAGE)}:{encode_filters(f, hide)}")


MAX_HIDDEN_PAGE = 9999  # /hidden pages of 25: far more titles than anyone hides


def hidden_page_id(page: int) -> str:
    return f"ml:hid:{min(max(page, 0), MAX_HIDDEN_PAGE)}"


def restore_id(page: int) -> str:
    return f"ml:unhide:{min(max(page, 0), MAX_HIDDEN_PAGE)}"


# Refine select option values: "k:movie", "k:show", "k:any", "g:<genre>", "g:" (any genre).
def refine_value(kind: str, value: str) -> str:
    return f"{kind}:{value}"


def apply_refine(f: Filters, value: str) -> Filters:
    """The filters after picking a refine option."""
    key, _, arg = value.partition(":")
    if key == "k":
        return replace(f, kind=None if arg == "any" else arg)
    if key == "g":
        excluded = tuple(g for g in f.exclude_genres if g != arg)
        return replace(f, genres=(arg,) if arg else (), exclude_genres=excluded)
    raise StateError(f"unknown refine option {value!r}")
