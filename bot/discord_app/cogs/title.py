"""/title: one title's card, with a "More like this" button."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_app import flows


class TitleCog(commands.Cog):
    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    @app_commands.command(name="title", description="One title's card: overview, rating, cast")
    @app_commands.describe(title="The title (pick from the list, or type it)", private="Show the answer to you only")
    async def title(
        self, interaction: discord.Interaction, title: app_commands.Range[str, 1, 200], private: bool = False
    ) -> None:
        bot = self.bot
        await flows.answer(
            interaction, lambda: flows.title_card_reply(bot, title), ephemeral=private, slow=flows.warming(bot)
        )

    @title.autocomplete("title")
    async def title_autocomplete(self, interaction: discord.Interaction, current: str):
        return flows.title_choices(self.bot, current)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(TitleCog(bot))
