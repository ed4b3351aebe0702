"""One cog per command, each module an extension (`async def setup(bot)`, loaded by the client with
`load_extension`). Shared here, not in one of the extensions (discord.py re-executes an extension's module on
every load, so extensions should not import each other): the per-user cooldown of /similar and /discover, and
the options and filters they both take.
"""

from __future__ import annotations

import discord
from discord import app_commands

from bot.discord_app import embeds, flows
from morelike.engine.types import EngineError, FilterError, Filters

KIND_CHOICES = [app_commands.Choice(name="Movies", value="movie"), app_commands.Choice(name="Shows", value="show")]
# Discord lets a string option carry 6000 characters unless told otherwise; nothing this bot takes is that long.
# The catalog's longest genre is 15 characters ("science-fiction"), a language code is two letters.
GENRE_MAX = 40
Genre = app_commands.Range[str, 1, GENRE_MAX]
Language = app_commands.Range[str, 2, 20]


def make_filters(
    kind: str | None = None,
    genre: str | None = None,
    exclude_genre: str | None = None,
    year_from: int | None = None,
    year_to: int | None = None,
    max_runtime: int | None = None,
    language: str | None = None,
    min_rating: float | None = None,
) -> Filters:
    """The command options as engine filters; raises EngineError (one sentence, in the options' own names) on a
    bad combination."""
    if year_from is not None and year_to is not None and year_from > year_to:
        raise EngineError(f"year_from ({year_from}) is after year_to ({year_to}): swap them, or leave one of them out.")
    if genre and exclude_genre and genre.strip().lower() == exclude_genre.strip().lower():
        raise EngineError(
            f"“{embeds.shorten(genre, embeds.ECHO)}” is both the genre and the exclude_genre: keep one of them."
        )
    if language is not None and not (
        len(language.strip()) == 2 and language.strip().isascii() and language.strip().isalpha()
    ):
        raise EngineError(
            f"language takes a two-letter code such as en, fr or ja, not “{embeds.shorten(language, embeds.ECHO)}”."
        )
    try:
        return Filters(
            kind=kind,
            genres=(genre,) if genre else (),
            exclude_genres=(exclude_genre,) if exclude_genre else (),
            year_min=year_from,
            year_max=year_to,
            runtime_max=max_runtime,
            language=language,
            rating_min=min_rating,
        )
    except FilterError as exc:
        raise EngineError(flows.user_text(exc)) from None


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
