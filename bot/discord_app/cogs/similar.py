"""/similar: titles like one the user picks, with filters, paging and refining."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_app import flows
from bot.discord_app.cogs import HIDE_CHOICES, filter_options, make_filters, user_cooldown
from bot.discord_app.translator import loc, locale_of
from morelike.engine.types import EngineError


class SimilarCog(commands.Cog):
    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    @app_commands.command(name=loc("command.similar.name"), description=loc("command.similar.description"))
    @filter_options("similar")
    @app_commands.describe(
        title=loc("option.title.description"),
        private=loc("option.private.description"),
        hide=loc("option.hide.description"),
    )
    @app_commands.choices(hide=HIDE_CHOICES)
    @user_cooldown()
    async def similar(
        self,
        interaction: discord.Interaction,
        title: app_commands.Range[str, 1, 200],
        private: bool = False,
        hide: str | None = None,
        **filter_values: Any,  # the declared filters' options (`filter_options`), by option name
    ) -> None:
        locale = locale_of(interaction)
        try:
            filters = make_filters(filter_values, locale=locale)
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


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(SimilarCog(bot))
