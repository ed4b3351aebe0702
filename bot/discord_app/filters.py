"""The filters on Discord: what /similar and /discover offer, made from the filters' one declaration in the core
(`morelike.engine.filters`, the fields of `Filters`), and how a result list says them.

`filter_options` writes a command's filter options into its callback (types, ranges, choices, descriptions, genre
autocomplete); `make_filters` reads what a command got back into `Filters`, saying a bad combination in the user's
words; the custom_id state the same filters travel in is `ids.encode_filters`. Each filter *type* is handled here
once, so a new filter of a known type needs nothing here.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import discord
from discord import app_commands

from bot.discord_app import text, widgets
from bot.discord_app.translator import loc, option_label
from morelike import i18n
from morelike.engine.filters import FilterSpec, genre_label, genre_slug, spec_of, specs, unknown_genre, values_of
from morelike.engine.types import FilterError, Filters
from morelike.i18n import ENGLISH, number, tr

if TYPE_CHECKING:
    from bot.discord_app.client import MoreLike

T = TypeVar("T", bound=Callable[..., Any])
# Discord lets a string option carry 6000 characters unless told otherwise; nothing this bot takes is that long.
# The catalog's longest genre is 15 characters ("science-fiction"), a language code is two letters.
GENRE_MAX = 40
LANGUAGE_MAX = 20


def discord_filters(command: str, filters_type: type[Filters] = Filters) -> tuple[FilterSpec, ...]:
    """The declared filters Discord offers on `command` ("similar": all that have an option, "discover": those
    marked for it), in declaration order."""
    return tuple(
        spec
        for spec in specs(filters_type)
        if spec.discord is not None and (command == "similar" or spec.discord.discover)
    )


def _text(key: str, fallback: str) -> app_commands.locale_str:
    """The catalogue's text for a declaration, else the declaration's own English (a filter not yet translated)."""
    return loc(key) if i18n.has(key) else app_commands.locale_str(fallback[:100])


def _annotation(spec: FilterSpec) -> Any:
    """What discord.py makes of a filter's type: the option's type and its bounds (what the picker enforces and
    the tree's input check, `options.py`, checks again)."""
    base: Any
    if spec.type == "genre":
        base = app_commands.Range[str, 1, GENRE_MAX]
    elif spec.type == "language":
        base = app_commands.Range[str, 2, LANGUAGE_MAX]
    elif spec.type in ("whole", "number"):
        kind = int if spec.type == "whole" else float
        lo, hi = (None if b is None else kind(b) for b in (spec.minimum, spec.maximum))
        base = kind if lo is None and hi is None else app_commands.Range[kind, lo, hi]
    else:
        base = str
    return base | None


def genre_choices(genres: list[str], current: str) -> list[app_commands.Choice[str]]:
    needle = genre_slug(current)
    hits = [g for g in genres if g.startswith(needle)] + [g for g in genres if needle in g and not g.startswith(needle)]
    return [app_commands.Choice(name=genre_label(g).title(), value=g) for g in hits[:25]]


async def genre_autocomplete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    return genre_choices(widgets.bot_of(interaction).engine.genres(), current)


def filter_options(command: str, filters_type: type[Filters] = Filters) -> Callable[[T], T]:
    """A command callback's filter options, made from the declaration (`morelike.engine.filters`): one optional
    parameter per filter Discord offers on `command`, typed and bounded, described and with its choices (texts from
    the catalogue), genres autocompleted. The callback takes them as `**filters` (option name -> value, for
    `make_filters`). discord.py reads a command's options from its callback's signature, so the declared options
    are written into that signature (`__signature__`, which `inspect.signature` honours) after the callback's
    required parameters; descriptions, choices and autocomplete go through discord.py's own decorators."""

    def decorate(func: T) -> T:
        offered = discord_filters(command, filters_type)
        signature = inspect.signature(func)
        own = [p for p in signature.parameters.values() if p.kind is not inspect.Parameter.VAR_KEYWORD]
        required = [p for p in own if p.default is inspect.Parameter.empty]
        options = [
            inspect.Parameter(spec.discord.name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None,
                              annotation=_annotation(spec))
            for spec in offered if spec.discord is not None
        ]  # fmt: skip
        # A function's attribute (Callable does not declare it): what discord.py reads the options from.
        func.__signature__ = signature.replace(parameters=[*required, *options, *own[len(required) :]])  # type: ignore[attr-defined]
        described = {
            s.discord.name: _text(f"option.{s.discord.name}.description", s.help) for s in offered if s.discord
        }
        choices = {
            s.discord.name: [app_commands.Choice(name=_text(f"choice.{v}", v), value=v) for v in s.choices]
            for s in offered
            if s.discord and s.type == "choice"
        }
        genres = {s.discord.name: genre_autocomplete for s in offered if s.discord and s.type == "genre"}
        func = app_commands.describe(**described)(func)
        func = app_commands.choices(**choices)(func) if choices else func
        return app_commands.autocomplete(**genres)(func) if genres else func

    return decorate


def _two_letters(typed: str) -> bool:
    code = typed.strip()
    return len(code) == 2 and code.isascii() and code.isalpha()


def make_filters(
    options: Mapping[str, Any], *, locale: str = ENGLISH, filters_type: type[Filters] = Filters
) -> Filters:
    """The filter options a command got (option name -> value, None when not given) as engine filters; raises
    `widgets.Refusal` (one sentence in `locale`, naming the options as the user's command picker does) on a bad
    combination: the rules between two filters (`at_most`, `disjoint`) are said here in the user's words before the
    engine would say them in its own."""
    declared = specs(filters_type)
    by_option = {s.discord.name: s for s in declared if s.discord is not None}
    given = {by_option[name].field: value for name, value in options.items() if value is not None}
    names = {s.field: option_label(s.discord.name, locale) for s in declared if s.discord is not None}
    for spec in declared:
        value = given.get(spec.field)
        if value is None:
            continue
        other = given.get(spec.at_most) if spec.at_most else None
        if other is not None and value > other:
            # The catalogue's sentence for a lower bound past its upper one (today: Discord's year_from, year_to).
            raise widgets.Refusal(
                tr(
                    locale,
                    "error.years_swapped",
                    year_from=names[spec.field],
                    start=value,
                    year_to=names[spec.at_most],
                    end=other,
                )
            )
        other = given.get(spec.disjoint) if spec.disjoint else None
        if other is not None and genre_slug(value) == genre_slug(other):
            raise widgets.Refusal(
                tr(
                    locale,
                    "error.genre_twice",
                    genre=text.shorten(other, text.ECHO),  # as typed in the option it is required by
                    genre_option=names[spec.disjoint],
                    exclude_option=names[spec.field],
                )
            )
        if spec.type == "language" and not _two_letters(value):  # the picker's bounds let 20 characters through
            raise widgets.Refusal(
                tr(locale, "error.language_code", option=names[spec.field], text=text.shorten(value, text.ECHO))
            )
    values: dict[str, Any] = {f: (v,) if spec_of(filters_type, f).many else v for f, v in given.items()}
    try:
        return filters_type(**values)
    except FilterError as exc:
        raise widgets.Refusal(widgets.user_text(exc, locale)) from None


def check_genres(bot: MoreLike, filters: Filters, locale: str = ENGLISH) -> None:
    """A genre the served build lacks, refused naming the option it came in (the engine's sentence would name its
    own field, in English)."""
    known = set(bot.engine.genres())
    for spec in specs(type(filters)):
        if spec.type == "genre":
            unknown = unknown_genre(getattr(filters, spec.field), known)
            if unknown is not None:
                option = spec.discord.name if spec.discord is not None else spec.name
                raise widgets.Refusal(unknown_genre_text(unknown, option, locale))


def unknown_genre_text(genre: str, option: str, locale: str = ENGLISH) -> str:
    return tr(locale, "error.unknown_genre", genre=text.shorten(genre, text.ECHO), option=option_label(option, locale))


def _shown_value(spec: FilterSpec, value: Any, locale: str) -> object:
    if spec.type == "genre":
        return genre_label(value)
    return number(value, locale) if spec.type == "number" else value


def filters_text(f: Filters, locale: str = ENGLISH) -> str:
    """One short line describing active filters ("" when none), in declaration order, each in the words its
    declaration names (`FilterSpec.shown`); a lower bound with its upper one set too is one range."""
    parts: list[str] = []
    said: set[str] = set()  # upper bounds already said in a range
    for spec in specs(type(f)):
        value = getattr(f, spec.field)
        if spec.shown is None or value == spec.empty or spec.field in said:
            continue
        upper = getattr(f, spec.at_most) if spec.at_most else None
        if spec.shown_range is not None and upper is not None:
            parts.append(tr(locale, spec.shown_range, start=value, end=upper))
            said.add(spec.at_most)
            continue
        for one in values_of(spec, value):
            key = spec.shown[one] if isinstance(spec.shown, Mapping) else spec.shown
            parts.append(tr(locale, key, value=_shown_value(spec, one, locale)))
    return " · ".join(parts)
