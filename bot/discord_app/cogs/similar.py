"""/similar: titles like one the user picks, with filters, paging and refining."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_app import embeds, flows
from bot.discord_app.cogs import user_cooldown
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


class SimilarCog(commands.Cog):
    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    @app_commands.command(name="similar", description="Movies and shows like a title you pick")
    @app_commands.describe(
        title="The title you liked (pick from the list, or type it)",
        kind="Only movies or only shows",
        genre="Only titles with this genre",
        exclude_genre="No titles with this genre",
        year_from="Released in or after this year",
        year_to="Released in or before this year",
        max_runtime="At most this many minutes",
        language="Original language, a code such as en, fr, ja",
        min_rating="Rated at least this (0 to 10)",
        private="Show the answer to you only",
    )
    @app_commands.choices(kind=KIND_CHOICES)
    @user_cooldown()
    async def similar(
        self,
        interaction: discord.Interaction,
        title: app_commands.Range[str, 1, 200],
        kind: str | None = None,
        genre: Genre | None = None,
        exclude_genre: Genre | None = None,
        year_from: app_commands.Range[int, 1870, 2100] | None = None,
        year_to: app_commands.Range[int, 1870, 2100] | None = None,
        max_runtime: app_commands.Range[int, 1, 10000] | None = None,
        language: Language | None = None,
        min_rating: app_commands.Range[float, 0, 10] | None = None,
        private: bool = False,
    ) -> None:
        try:
            filters = make_filters(kind, genre, exclude_genre, year_from, year_to, max_runtime, language, min_rating)
        except EngineError as exc:
            await flows.send_error(interaction, flows.user_text(exc))
            return
        bot = self.bot
        await flows.answer(
            interaction, lambda: flows.similar_for_text(bot, title, filters), ephemeral=private, slow=flows.warming(bot)
        )

    @similar.autocomplete("title")
    async def title_autocomplete(self, interaction: discord.Interaction, current: str):
        return flows.title_choices(self.bot, current)

    @similar.autocomplete("genre")
    @similar.autocomplete("exclude_genre")
    async def genre_autocomplete(self, interaction: discord.Interaction, current: str):
        return flows.genre_choices(self.bot.engine.genres(), current)
