"""/hidden: the titles a member hid with "Not for me", paged, each one restorable from a menu."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_app import flows
from bot.discord_app.translator import loc


class HiddenCog(commands.Cog):
    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    @app_commands.command(name=loc("command.hidden.name"), description=loc("command.hidden.description"))
    async def hidden(self, interaction: discord.Interaction) -> None:
        await flows.show_hidden(self.bot, interaction, 0, update=False)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(HiddenCog(bot))
