"""/title: one title's card, with a "More like this" button."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_app import flows
from bot.discord_app.translator import loc, locale_of


class TitleCog(commands.Cog):
    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    @app_commands.command(name=loc("command.title.name"), description=loc("command.title.description"))
    @app_commands.describe(title=loc("option.card_title.description"), private=loc("option.private.description"))
    async def title(
        self, interaction: discord.Interaction, title: app_commands.Range[str, 1, 200], private: bool = False
    ) -> None:
        bot = self.bot
        locale = locale_of(interaction)
        await flows.answer(
            interaction, lambda: flows.title_card_reply(bot, title, locale), ephemeral=private, slow=flows.warming(bot)
        )

    @title.autocomplete("title")
    async def title_autocomplete(self, interaction: discord.Interaction, current: str):
        return flows.title_choices(self.bot, current, locale_of(interaction))


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(TitleCog(bot))
