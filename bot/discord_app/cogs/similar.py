"""/similar: titles like one the user picks, with filters, paging and refining."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_app import flows
from bot.discord_app.cogs import KIND_CHOICES, Genre, Language, make_filters, user_cooldown
from morelike.engine.types import EngineError


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


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(SimilarCog(bot))
