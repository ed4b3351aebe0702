"""One cog per command, each module an extension (`async def setup(bot)`, loaded by the client with
`load_extension`). Shared here, not in one of the extensions (discord.py re-executes an extension's module on
every load, so extensions should not import each other): the per-user cooldown of /similar and /discover, and
the options and filters they both take.
"""

from __future__ import annotations

import discord
from discord import app_commands

from bot.discord_app import embeds, flows
from bot.discord_app.translator import loc, option_label
from morelike.catalog.watch import SERVICES
from morelike.engine.types import ANIME_CHOICES as ANIME_MODES
from morelike.engine.types import FilterError, Filters
from morelike.i18n import ENGLISH, tr

KIND_CHOICES = [
    app_commands.Choice(name=loc("choice.movie"), value="movie"),
    app_commands.Choice(name=loc("choice.show"), value="show"),
]
# Declared once in the core (morelike.catalog.watch.SERVICES, morelike.engine.types.ANIME_CHOICES): one choice each.
SERVICE_CHOICES = [app_commands.Choice(name=loc(f"choice.{service}"), value=service) for service in SERVICES]
ANIME_CHOICES = [app_commands.Choice(name=loc(f"choice.{mode}"), value=mode) for mode in ANIME_MODES]
# /similar hide: what the member watched on Trakt, that and their watchlist, or nothing (over their default).
HIDE_CHOICES = [app_commands.Choice(name=loc(f"choice.{mode}"), value=mode) for mode in flows.HIDE_CHOICES]
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
    *,
    on: str | None = None,
    anime: str | None = None,
    locale: str = ENGLISH,
) -> Filters:
    """The command options as engine filters; raises `flows.Refusal` (one sentence in `locale`, naming the options
    as the user's command picker does) on a bad combination."""

    def option(name: str) -> str:
        return option_label(name, locale)

    if year_from is not None and year_to is not None and year_from > year_to:
        raise flows.Refusal(
            tr(
                locale,
                "error.years_swapped",
                year_from=option("year_from"),
                start=year_from,
                year_to=option("year_to"),
                end=year_to,
            )
        )
    if genre and exclude_genre and genre.strip().lower() == exclude_genre.strip().lower():
        raise flows.Refusal(
            tr(
                locale,
                "error.genre_twice",
                genre=embeds.shorten(genre, embeds.ECHO),
                genre_option=option("genre"),
                exclude_option=option("exclude_genre"),
            )
        )
    if language is not None and not (
        len(language.strip()) == 2 and language.strip().isascii() and language.strip().isalpha()
    ):
        raise flows.Refusal(
            tr(locale, "error.language_code", option=option("language"), text=embeds.shorten(language, embeds.ECHO))
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
            on=(on,) if on else (),
            anime=anime,
        )
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
