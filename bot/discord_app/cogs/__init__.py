"""One cog per command, each module an extension (`async def setup(bot)`, loaded by the client with
`load_extension`). Shared here, not in one of the extensions (discord.py re-executes an extension's module on
every load, so extensions should not import each other): the per-user cooldown of /similar and /discover, and
the filter options they both take, made from the filters' declaration in the core.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import discord
from discord import app_commands

from bot.discord_app import embeds, flows
from bot.discord_app.translator import loc, option_label
from morelike import i18n
from morelike.engine.filters import FilterSpec, genre_slug, spec_of, specs
from morelike.engine.types import FilterError, Filters
from morelike.i18n import ENGLISH, tr

T = TypeVar("T", bound=Callable[..., Any])

# /similar hide: what the member watched on Trakt, that and their watchlist, or nothing (over their default).
HIDE_CHOICES = [app_commands.Choice(name=loc(f"choice.{mode}"), value=mode) for mode in flows.HIDE_CHOICES]
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


async def genre_autocomplete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    return flows.genre_choices(interaction.client.engine.genres(), current)


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
        func.__signature__ = signature.replace(parameters=[*required, *options, *own[len(required) :]])
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


def _two_letters(text: str) -> bool:
    code = text.strip()
    return len(code) == 2 and code.isascii() and code.isalpha()


def make_filters(
    options: Mapping[str, Any], *, locale: str = ENGLISH, filters_type: type[Filters] = Filters
) -> Filters:
    """The filter options a command got (option name -> value, None when not given) as engine filters; raises
    `flows.Refusal` (one sentence in `locale`, naming the options as the user's command picker does) on a bad
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
            raise flows.Refusal(
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
            raise flows.Refusal(
                tr(
                    locale,
                    "error.genre_twice",
                    genre=embeds.shorten(other, embeds.ECHO),  # as typed in the option it is required by
                    genre_option=names[spec.disjoint],
                    exclude_option=names[spec.field],
                )
            )
        if spec.type == "language" and not _two_letters(value):  # the picker's bounds let 20 characters through
            raise flows.Refusal(
                tr(locale, "error.language_code", option=names[spec.field], text=embeds.shorten(value, embeds.ECHO))
            )
    try:
        return filters_type(**{f: (v,) if spec_of(filters_type, f).many else v for f, v in given.items()})
    except FilterError as exc:
        raise flows.Refusal(flows.user_text(exc, locale)) from None


def _cooldown_for(interaction: discord.Interaction) -> app_commands.Cooldown | None:
    """`[discord] cooldown_rate` uses per `cooldown_per_s` seconds, read from the bot that got the command (so
    each bot follows its own settings); rate 0 turns the cooldown off."""
    settings = interaction.client.config.discord
    if settings.cooldown_rate <= 0:
        return None
    return app_commands.Cooldown(settings.cooldown_rate, settings.cooldown_per_s)


def _cooldown_key(interaction: discord.Interaction) -> tuple[int, int]:
    """Per bot and user. discord.py keeps a decorated command's buckets in the decorator's closure, shared by every
    bot of the process: the bot's `instance_number` keeps them apart (not `id(bot)`, which a later bot can reuse
    once a closed one is garbage-collected, inheriting its buckets)."""
    return interaction.client.instance_number, interaction.user.id


def user_cooldown():
    """App-command check: the per-user cooldown above. Each command decorated with it counts on its own."""
    return app_commands.checks.dynamic_cooldown(_cooldown_for, key=_cooldown_key)
