"""/discover: titles matching a free-text description (needs the model, so it is deferred first)."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_app import flows
from bot.discord_app.cogs import filter_options, make_filters, user_cooldown
from bot.discord_app.translator import loc, locale_of
from morelike.engine.types import EngineError


class DiscoverCog(commands.Cog):
    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    @app_commands.command(name=loc("command.discover.name"), description=loc("command.discover.description"))
    @filter_options("discover")
    @app_commands.describe(description=loc("option.description.description"), private=loc("option.private.description"))
    @user_cooldown()
    async def discover(
        self,
        interaction: discord.Interaction,
        description: app_commands.Range[str, 3, 300],
        private: bool = False,
        **filter_values: Any,  # the declared filters' options (`filter_options`), by option name
    ) -> None:
        locale = locale_of(interaction)
        try:
            filters = make_filters(filter_values, locale=locale)
        except EngineError as exc:
            await flows.send_error(interaction, flows.user_text(exc, locale))
            return
        bot = self.bot
        try:  # the member's "not for me" titles, and what they watched when that is their default
            exclude = (await flows.excluded_for(bot, interaction)).ids
        except EngineError as exc:
            await flows.send_error(interaction, flows.user_text(exc, locale))
            return
        # The model may have to load first (seconds): always defer, then edit.
        await flows.answer(
            interaction,
            lambda: flows.discover_reply(bot, description, filters, locale, exclude),
            ephemeral=private,
            slow=True,
        )


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(DiscoverCog(bot))
