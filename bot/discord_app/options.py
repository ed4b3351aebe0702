"""What a command's options must be, checked against what an interaction carries (the tree's `interaction_check`
in `client.py` asks before any command or autocomplete runs).

Discord's client checks option types, bounds and choices before it sends anything, but a bot must not trust its
input: a hand-made request can carry `title: 12345`, `null`, a list or `private: "yes"`, or leave a required option
out, and discord.py hands such values to the command as they are (a list where a number is declared even crashes
its namespace, before any handler of ours runs). The answer to each is one sentence naming the option, from
`text`, in the user's locale. Pure: a payload and a command's declared parameters in, a sentence or None out.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, TypeGuard, cast

import discord
from discord import app_commands

from bot.discord_app import text
from morelike import i18n
from morelike.i18n import ENGLISH, number, tr

OptionType = discord.AppCommandOptionType
# What each option type's value must be in the payload, and how a sentence names it (a catalogue key). bool is an
# int in Python: the checks below refuse it where a number is declared.
_OPTION_VALUES: dict[OptionType, tuple[tuple[type, ...], str]] = {
    OptionType.string: ((str,), "wants.text"),
    OptionType.integer: ((int,), "wants.whole_number"),
    OptionType.number: ((int, float), "wants.number"),
    OptionType.boolean: ((bool,), "wants.boolean"),
}
_SUBCOMMAND_TYPES = (OptionType.subcommand.value, OptionType.subcommand_group.value)


def leaf_options(data: Mapping[str, Any]) -> object:
    """The options of the command actually run (under its subcommand, when it is one), as the payload has them."""
    options = data.get("options", [])
    while (
        isinstance(options, list)
        and len(options) == 1
        and isinstance(options[0], dict)
        and options[0].get("type") in _SUBCOMMAND_TYPES
    ):
        options = options[0].get("options", [])
    return options


def _choice_name(choice: app_commands.Choice, locale: str) -> str:
    """A declared choice as the user's picker shows it (`choice.<value>` in the catalogue, else its own name)."""
    key = f"choice.{choice.value}"
    return tr(locale, key) if i18n.has(key) else choice.name


def _value_problem(command: str, param: app_commands.Parameter, value: object, locale: str) -> str | None:
    """Why `value` cannot be `param`'s (its type, bounds or choices), as one sentence; None when it can."""
    types_, wants_key = _OPTION_VALUES.get(param.type, ((str,), "wants.id"))
    wants = tr(locale, wants_key)
    if param.type is not OptionType.boolean and isinstance(value, bool):
        return text.wrong_option_text(command, param.display_name, wants, value, locale)
    if not isinstance(value, types_) or (isinstance(value, float) and not math.isfinite(value)):
        return text.wrong_option_text(command, param.display_name, wants, value, locale)
    if param.choices and value not in [c.value for c in param.choices]:
        names = ", ".join(_choice_name(c, locale) for c in param.choices)
        return text.wrong_option_text(
            command, param.display_name, tr(locale, "wants.one_of", choices=names), value, locale
        )
    # For text, discord.py keeps the declared length bounds in min_value/max_value too.
    lo = param.min_value if param.min_value is not None else -math.inf
    hi = param.max_value if param.max_value is not None else math.inf
    # A number here: text is measured by its length, and any other value was refused above.
    if not lo <= (len(value) if isinstance(value, str) else cast(float, value)) <= hi:
        low, high = number(lo, locale), number(hi, locale)
        if isinstance(value, str):
            wants = tr(locale, "wants.characters", low=low, high=high)
        else:
            wants = tr(locale, "wants.range", wants=wants, low=low, high=high)
        return text.wrong_option_text(command, param.display_name, wants, value, locale)
    return None


def _option_objects(options: object) -> TypeGuard[list[dict[str, Any]]]:
    return isinstance(options, list) and all(isinstance(o, dict) and "name" in o for o in options)


def garbled_options(options: object) -> bool:
    """Whether the options array is not even a list of option objects (no command reads such a payload)."""
    return not _option_objects(options)


def option_problem(
    command: app_commands.Command, options: object, *, autocomplete: bool = False, locale: str = ENGLISH
) -> str | None:
    """Why the options of an interaction cannot be what `command` declares, as one sentence in `locale`; None when
    they can. In autocomplete, the option being typed is text whatever its type, and required options may still
    be empty."""
    name = command.qualified_name
    if not _option_objects(options):  # garbled
        return text.garbled_options_text(name, locale)
    params = {p.display_name: p for p in command.parameters}
    given: dict[str, dict[str, Any]] = {}
    for option in options:
        if option["name"] not in params or option["name"] in given:
            return text.garbled_options_text(name, locale)
        given[option["name"]] = option
    for option_name, param in params.items():
        found = given.get(option_name)
        if found is None:
            if param.required and not autocomplete:
                return text.missing_option_text(name, option_name, locale)
            continue
        value = found.get("value")
        if autocomplete and found.get("focused"):
            if not isinstance(value, str):
                return text.wrong_option_text(name, option_name, tr(locale, "wants.text"), value, locale)
            continue
        if found.get("type") != param.type.value:  # discord.py reads the value by the type the payload gives
            return text.garbled_options_text(name, locale)
        problem = _value_problem(name, param, value, locale)
        if problem is not None:
            return problem
    return None
