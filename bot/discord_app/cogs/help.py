"""/help: what the bot does and how to use it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_app import text
from bot.discord_app.filters import discord_filters
from bot.discord_app.translator import command_label, loc, locale_of, option_label
from morelike.i18n import ENGLISH, tr

if TYPE_CHECKING:
    from bot.discord_app.client import MoreLike


def similar_options() -> list[str]:
    """What /help lists as /similar's filters: its filter options, in their order (the filters' declaration)."""
    return [spec.discord.name for spec in discord_filters("similar") if spec.discord is not None]


def help_embed(page_size: int, locale: str = ENGLISH) -> discord.Embed:
    def usage(command: str, option: str) -> str:
        return f"/{command_label(command, locale)} {option_label(option, locale)}"

    embed = discord.Embed(
        title=tr(locale, "help.title"), description=tr(locale, "help.description"), colour=text.ACCENT
    )
    filters = ", ".join(option_label(name, locale) for name in similar_options())
    similar = tr(
        locale,
        "help.similar",
        filters=filters,
        page_size=page_size,
        previous=tr(locale, "button.previous"),
        next=tr(locale, "button.next"),
        private=option_label("private", locale),
    )
    embed.add_field(name=usage("similar", "title"), value=similar, inline=False)
    embed.add_field(name=usage("discover", "description"), value=tr(locale, "help.discover"), inline=False)
    embed.add_field(name=usage("title", "title"), value=tr(locale, "help.title_card"), inline=False)
    embed.set_footer(text=tr(locale, "help.footer"))
    return embed


class HelpCog(commands.Cog):
    def __init__(self, bot: MoreLike) -> None:
        self.bot = bot

    @app_commands.command(name=loc("command.help.name"), description=loc("command.help.description"))
    async def help(self, interaction: discord.Interaction) -> None:
        embed = help_embed(self.bot.config.discord.page_size, locale_of(interaction))
        await interaction.response.send_message(embed=embed, ephemeral=True)


async def setup(bot: MoreLike) -> None:
    await bot.add_cog(HelpCog(bot))
