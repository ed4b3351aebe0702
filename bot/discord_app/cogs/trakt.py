"""/link trakt and /unlink: a member's own Trakt account, linked with Trakt's OAuth device flow.

Everything here is ephemeral: the code, the result, every error. The bot shows the code and the address, polls in
the background (morelike.trakt_user does the polling, at Trakt's interval), and edits its answer when the member
has approved, denied, or let the code expire. Tokens never appear in a message or a log line.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_app import widgets
from bot.discord_app.translator import loc, locale_of
from morelike.i18n import tr
from morelike.trakt_user import DeviceCode, MemberLinks, TraktUserError

if TYPE_CHECKING:
    from bot.discord_app.client import MoreLike

log = logging.getLogger("bot.discord_app")


class TraktCog(commands.Cog):
    link = app_commands.Group(name=loc("command.link.name"), description=loc("command.link.description"))

    def __init__(self, bot: MoreLike) -> None:
        self.bot = bot

    @link.command(name=loc("command.link_trakt.name"), description=loc("command.link_trakt.description"))
    @app_commands.describe(hide_watched=loc("option.hide_watched.description"))
    async def link_trakt(self, interaction: discord.Interaction, hide_watched: bool = True) -> None:
        locale = locale_of(interaction)
        links = getattr(self.bot, "trakt_links", None)
        if links is None:
            await widgets.send_error(interaction, tr(locale, "link.not_configured"))
            return
        if links.box is None:  # no key: tokens could not be stored encrypted, so none are asked for
            await widgets.send_error(interaction, tr(locale, "link.error.no_key"))
            return
        try:
            code = await links.trakt.device_code()
        except TraktUserError as exc:
            await widgets.send_error(interaction, widgets.trakt_text(exc, locale))
            return
        minutes = max(1, code.expires_in // 60)
        text = tr(locale, "link.instructions", url=code.verification_url, code=code.user_code, minutes=minutes)
        await interaction.response.send_message(text, ephemeral=True)
        member = interaction.user.id
        task = asyncio.create_task(self._finish(interaction, links, code, member, hide_watched, locale))
        self.bot.link_tasks.add(task)
        task.add_done_callback(self.bot.link_tasks.discard)

    async def _finish(
        self,
        interaction: discord.Interaction,
        links: MemberLinks,
        code: DeviceCode,
        member: int,
        hide_watched: bool,
        locale: str,
    ) -> None:
        try:
            tokens = await links.trakt.poll(code)
            await links.save(member, tokens)
            await self.bot.members.set_hide_watched(member, hide_watched)
            text = tr(locale, "link.linked_hiding" if hide_watched else "link.linked")
        except TraktUserError as exc:
            log.info("event=trakt_link_failed reason=%s", exc.reason)
            text = widgets.trakt_text(exc, locale)
        except Exception as exc:  # the member is told; the log has the kind of failure, never a token
            log.warning("event=trakt_link_failed error=%s", type(exc).__name__)
            text = tr(locale, "link.error.unavailable")
        try:
            await interaction.edit_original_response(content=text)
        except discord.HTTPException as exc:  # the interaction's 15 minutes ran out: nothing left to edit
            log.info("event=trakt_link_unsaid status=%s", exc.status)

    @app_commands.command(name=loc("command.unlink.name"), description=loc("command.unlink.description"))
    async def unlink(self, interaction: discord.Interaction) -> None:
        locale = locale_of(interaction)
        links = getattr(self.bot, "trakt_links", None)
        removed = await links.unlink(interaction.user.id) if links is not None else False
        if removed:
            await self.bot.members.set_hide_watched(interaction.user.id, False)
        await interaction.response.send_message(
            tr(locale, "link.unlinked" if removed else "link.not_linked"), ephemeral=True
        )


async def setup(bot: MoreLike) -> None:
    await bot.add_cog(TraktCog(bot))
