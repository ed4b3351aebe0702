"""The bot's locale: commands named and described in the user's language in Discord's command picker (through
discord.py's `app_commands.Translator`), and the locale each interaction's answer is said in.

Every text comes from the core's message catalogue (`morelike.i18n`). Commands declare their descriptions and
choices as `loc(key)`: a `locale_str` whose message is the English text (what Discord shows by default and sends
back) and whose extras carry the catalogue key. Option names carry no key: discord.py makes their `locale_str`
itself from the parameter's name, which is the catalogue's `option.<name>.name`.
"""

from __future__ import annotations

import discord
from discord import app_commands

from morelike import i18n
from morelike.i18n import Locale

_Context = app_commands.TranslationContextLocation


def loc(key: str) -> app_commands.locale_str:
    """Catalogue message `key` as a translatable string for a command's declaration (its English text, keyed)."""
    return app_commands.locale_str(i18n.tr(i18n.ENGLISH, key), key=key)


class CatalogueTranslator(app_commands.Translator):
    """Localisations of the command tree from the catalogue, for the Discord locales it has (`i18n.LOCALES`):
    discord.py asks once per Discord locale and string when it builds the payload it syncs."""

    async def translate(
        self, string: app_commands.locale_str, locale: discord.Locale, context: app_commands.TranslationContextTypes
    ) -> str | None:
        target = i18n.exact(locale.value)
        if target is None or target == i18n.ENGLISH:  # English is the default text itself
            return None
        key = string.extras.get("key")
        if key is None and context.location is _Context.parameter_name:
            key = f"option.{string.message}.name"
        if key is None or not i18n.has(key):
            return None  # not ours to translate (a library default): Discord shows the default
        return i18n.tr(target, key)


def locale_of(interaction: discord.Interaction) -> Locale:
    """The catalogue to answer `interaction` in: the user's Discord locale (or its language), else English."""
    value = getattr(interaction.locale, "value", interaction.locale)
    return i18n.pick(str(value) if value else None)


def command_label(name: str, locale: str) -> str:
    """A command's name as the user's command picker shows it (its English name if the catalogue lacks it)."""
    key = f"command.{name}.name"
    return i18n.tr(locale, key) if i18n.has(key) else name


def option_label(name: str, locale: str) -> str:
    """An option's name as the user's command picker shows it: what an error message must call it."""
    key = f"option.{name}.name"
    return i18n.tr(locale, key) if i18n.has(key) else name
