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

Filters: comma-separated items in declaration order, each a filter's one-letter key and its value, both from the
filters' declaration (`morelike.engine.types.Filters`, `DiscordOption.state`): today `k` kind (m|s), `g` genre, `x`
excluded genre, `a` year from, `b` year to, `t` max runtime, `l` language, `r` min rating, `o` a service it was on,
`n` the anime filter (only|exclude|include). Values never contain `:` or `,`. After them, `h` carries the `hide:` a
member typed on /similar (`w` what they watched, `l` that and their watchlist, `n` nothing), so a click on that message
follows it rather than their stored default; a custom_id without `h` (every one sent before it existed) means the
default.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from morelike.engine.filters import DiscordOption, FilterSpec, specs
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
FORMATS = (
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
UNKNOWN_TEMPLATE = r"(?s)(?!(?:{})\Z).*".format("|".join(re.sub(r"\(\?P<\w+>", "(?:", t) for t in FORMATS))

# /similar hide: -> its letter in the state (the choices themselves: `cogs.similar.HIDE_CHOICES`, made from these keys).
HIDE_CODES = {"watched": "w", "watchlist": "l", "nothing": "n"}
_HIDE_NAMES = {v: k for k, v in HIDE_CODES.items()}
HIDE_KEY = "h"
FILTERS_VALUE = re.compile(r"^[a-z0-9.\-]+$")  # what a filter value may contain


class StateError(EngineError, ValueError):
    """State that cannot be carried in, or read back from, a custom_id; the message is one sentence. `said`:
    what to tell a person instead, in their locale, when it is theirs to act on (see `widgets.user_text`)."""

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


def carried(filters_type: type[Filters] = Filters) -> tuple[tuple[FilterSpec, DiscordOption], ...]:
    """The declared filters Discord offers (`morelike.engine.filters`) with their options, in declaration order: the
    filters a state carries, each under its `DiscordOption.state` letter."""
    return tuple((spec, spec.discord) for spec in specs(filters_type) if spec.discord is not None)


def _encoded(spec: FilterSpec, option: DiscordOption, value: Any) -> str:
    """One filter's value in a state: a choice by its short form (`state_values`), numbers as written (`7.5`), text
    checked to be carriable. A filter of several values carries its first (Discord's options take one)."""
    if spec.many:
        value = value[0]
    if option.state_values is not None:
        return option.state_values[value]
    if spec.type == "whole":
        return str(value)
    if spec.type == "number":
        return f"{value:g}"
    return _check_value(option.name, str(value))


def encode_filters(f: Filters, hide: str | None = None) -> str:
    """Compact, order-stable text for the filters the Discord face offers, and the typed `hide:` (None: none)."""
    items: list[str] = []
    for spec, option in carried(type(f)):
        value = getattr(f, spec.field)
        if value != spec.empty:
            items.append(option.state + _encoded(spec, option, value))
    if hide is not None:
        items.append(HIDE_KEY + HIDE_CODES[hide])
    return ",".join(items)


def decode_hide(text: str) -> str | None:
    """The `hide:` a state carries (watched, watchlist, nothing), or None: the member's default."""
    found = [item[1:] for item in text.split(",") if item.startswith(HIDE_KEY)] if text else []
    if not found:
        return None
    if len(found) > 1 or found[0] not in _HIDE_NAMES:
        raise StateError(f"bad hide state {text!r}")
    return _HIDE_NAMES[found[0]]


def _decoded(spec: FilterSpec, option: DiscordOption, text: str) -> Any:
    """`_encoded` read back (KeyError or ValueError when it is not what that filter carries)."""
    value: Any = text
    if option.state_values is not None:
        value = {short: v for v, short in option.state_values.items()}[text]
    elif spec.type == "whole":
        value = int(text)
    elif spec.type == "number":
        value = float(text)
    return (value,) if spec.many else value


def decode_filters(text: str, filters_type: type[Filters] = Filters) -> Filters:
    if not text:
        return filters_type()
    by_key = {option.state: (spec, option) for spec, option in carried(filters_type)}
    values: dict[str, Any] = {}
    try:
        for item in text.split(","):
            key, value = item[:1], item[1:]
            if not FILTERS_VALUE.match(value):
                raise StateError(f"bad filter item {item!r}")
            if key == HIDE_KEY:
                continue  # the typed hide: (`decode_hide`), not a filter
            if key not in by_key:
                raise StateError(f"unknown filter key {key!r}")
            spec, option = by_key[key]
            values[spec.field] = _decoded(spec, option, value)
        return filters_type(**values)
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
