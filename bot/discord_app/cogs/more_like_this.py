""" "More like this" on any message (a message context menu, issue 21): the title the message names, answered
privately the way /similar answers it, "Which one?" included.

Where the title comes from, most certain first: this bot's own result pages and cards name theirs in the custom_ids
of their buttons (the query's `ref`); a message with an IMDb, TMDB or Trakt id or link names that one; otherwise an
embed's title, then the message's text, read as a typed title. Discord sends the target message whole in the
interaction (its content too, without the message-content intent), so nothing is fetched.
"""

from __future__ import annotations

import re

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_app import embeds, flows, ids
from bot.discord_app.translator import command_label, loc, locale_of
from morelike.engine.resolve import parse_reference
from morelike.engine.types import EngineError, Filters
from morelike.i18n import tr

# The custom_ids that carry the title a message is about: a result page's paging and refine (its query), a card's
# "More like this" button. "Which one?" buttons carry several refs: that message names no one title.
_REF_FORMATS = tuple(re.compile(t) for t in (ids.SIMILAR_TEMPLATE, ids.REFINE_TEMPLATE, ids.PICK_TEMPLATE))
_RANK = re.compile(r"^\d{1,3}\.\s+")  # "3. Heat (1995)": a result embed's rank
MAX_TEXT = 200  # what /similar's title option takes: a longer message is talk, not a title


def _refs(message: discord.Message) -> set[str]:
    refs: set[str] = set()
    for row in message.components:
        for item in getattr(row, "children", [row]):
            custom_id = getattr(item, "custom_id", None) or ""
            for pattern in _REF_FORMATS:
                if m := pattern.fullmatch(custom_id):
                    refs.add(m["ref"])
    return refs


def title_in_message(message: discord.Message, own_id: int | None) -> str | None:
    """What in `message` names a title, as text the resolver reads (a ref, an id or link, a title); None when
    nothing does (an image alone, a "Which one?" with several candidates and no text)."""
    if own_id is not None and message.author.id == own_id:
        refs = _refs(message)
        if len(refs) == 1:
            return refs.pop()
    texts = [message.content or ""]
    texts += [e.url or "" for e in message.embeds] + [e.title or "" for e in message.embeds]
    for text in texts:
        for token in text.split():
            token = token.strip("<>()[]")
            if parse_reference(token) is not None:
                return token
    for embed in message.embeds:
        if embed.title:
            return _RANK.sub("", embed.title).strip()[:MAX_TEXT] or None
    text = " ".join((message.content or "").split())
    return text if 0 < len(text) <= MAX_TEXT else None


class MoreLikeThisCog(commands.Cog):
    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot
        # A context menu cannot be declared inside a cog class (discord.py): made here, added on load.
        self.menu = app_commands.ContextMenu(name=loc("command.more_like_this.name"), callback=self.more_like_this)

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.menu)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.menu.name, type=self.menu.type)

    async def more_like_this(self, interaction: discord.Interaction, message: discord.Message) -> None:
        locale = locale_of(interaction)
        text = title_in_message(message, self.bot.user.id if self.bot.user else None)
        if text is None:
            command = command_label("similar", locale)
            await flows.send_error(interaction, tr(locale, "error.no_title_in_message", command=command))
            return
        bot = self.bot
        try:  # the member's "not for me" titles, and what they watched when that is their default, as /similar
            exclude = (await flows.excluded_for(bot, interaction)).ids
        except EngineError as exc:  # a Trakt link that cannot be used: its sentence
            await flows.send_error(interaction, flows.user_text(exc, locale))
            return
        await flows.answer(
            interaction,
            lambda: flows.similar_for_text(bot, embeds.shorten(text, MAX_TEXT), Filters(), locale, exclude),
            ephemeral=True,
            slow=flows.warming(bot),
        )


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(MoreLikeThisCog(bot))
