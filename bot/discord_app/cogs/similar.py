"""/similar: titles like one the user picks, with filters, paging and refining."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_app import flows
from bot.discord_app.cogs import (
    ANIME_CHOICES,
    HIDE_CHOICES,
    KIND_CHOICES,
    SERVICE_CHOICES,
    Genre,
    Language,
    make_filters,
    user_cooldown,
)
from bot.discord_app.translator import loc, locale_of
from morelike.engine.types import EngineError


class SimilarCog(commands.Cog):
    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    @app_commands.command(name=loc("command.similar.name"), description=loc("command.similar.description"))
    @app_commands.describe(
        title=loc("option.title.description"),
        kind=loc("option.kind.description"),
        genre=loc("option.genre.description"),
        exclude_genre=loc("option.exclude_genre.description"),
        year_from=loc("option.year_from.description"),
        year_to=loc("option.year_to.description"),
        max_runtime=loc("option.max_runtime.description"),
        language=loc("option.language.description"),
        min_rating=loc("option.min_rating.description"),
        on=loc("option.on.description"),
        anime=loc("option.anime.description"),
        private=loc("option.private.description"),
        hide=loc("option.hide.description"),
    )
    @app_commands.choices(kind=KIND_CHOICES, on=SERVICE_CHOICES, anime=ANIME_CHOICES, hide=HIDE_CHOICES)
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
        on: str | None = None,
        anime: str | None = None,
        private: bool = False,
        hide: str | None = None,
    ) -> None:
        locale = locale_of(interaction)
        try:
            filters = make_filters(
                kind, genre, exclude_genre, year_from, year_to, max_runtime, language, min_rating,
                on=on, anime=anime, locale=locale,
            )  # fmt: skip
        except EngineError as exc:
            await flows.send_error(interaction, flows.user_text(exc, locale))
            return
        bot = self.bot
        try:  # the member's "not for me" titles, and what they watched on Trakt when asked
            excluded = await flows.excluded_for(bot, interaction, hide)
        except EngineError as exc:
            await flows.send_error(interaction, flows.user_text(exc, locale))
            return
        await flows.answer(
            interaction,
            lambda: flows.with_note(
                flows.similar_for_text(bot, title, filters, locale, excluded.ids, hide), excluded.note
            ),
            ephemeral=private,
            slow=flows.warming(bot),
        )

    @similar.autocomplete("title")
    async def title_autocomplete(self, interaction: discord.Interaction, current: str):
        return flows.title_choices(self.bot, current, locale_of(interaction))

    @similar.autocomplete("genre")
    @similar.autocomplete("exclude_genre")
    async def genre_autocomplete(self, interaction: discord.Interaction, current: str):
        return flows.genre_choices(self.bot.engine.genres(), current)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(SimilarCog(bot))
