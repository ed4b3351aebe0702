"""/title: one title's card (overview, rating, cast, where it streamed), with "More like this" under it.

The card, its "Which one?" buttons and what their clicks do live here. "More like this" opens the title's results,
which are /similar's (cogs/similar.py): the button comes from that cog (`bot.get_cog`), so this module imports no
other feature; without it loaded the card has no such button.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

import discord
from discord import app_commands, ui
from discord.ext import commands

from bot.discord_app import ids, text, widgets
from bot.discord_app.translator import loc, locale_of
from bot.discord_app.widgets import (
    Reply,
    StatefulItem,
    bot_of,
    chosen_ref,
    error_reply,
    resolve_card,
    which_one_view,
)
from morelike.engine.types import Candidate, TitleCard
from morelike.i18n import ENGLISH, tr, watch_text

if TYPE_CHECKING:  # the similar cog is reached through the bot, never imported (each cog is its own extension)
    from bot.discord_app.client import MoreLike
    from bot.discord_app.cogs.similar import SimilarCog

OVERVIEW_ON_CARD = 1500


def title_embed(card: TitleCard, locale: str = ENGLISH) -> discord.Embed:
    """The card of one title (/title)."""
    embed = discord.Embed(
        title=text.shorten(text.title_label(card), text.EMBED_TITLE),
        url=card.url or None,
        description=text.shorten(card.overview, OVERVIEW_ON_CARD) or tr(locale, "card.no_overview"),
        colour=text.ACCENT,
    )
    embed.add_field(name=tr(locale, "card.kind"), value=text.kind_label(card.kind, locale))
    for key, value in (
        ("card.runtime", text.runtime_text(card.runtime, locale)),
        ("card.rating", text.rating_text(card.rating, card.votes, locale)),
        ("card.genres", text.genres_text(card.genres)),
        ("card.directors", ", ".join(card.directors[:5])),
        ("card.cast", ", ".join(card.cast[:8])),
        ("card.original_title", card.original_title if card.original_title != card.title else None),
        ("card.language", card.language),
        ("card.country", card.country),
        ("card.watch", watch_text(card.watch, locale)),
    ):
        if value:  # the cast list is long: a full-width field of its own
            embed.add_field(
                name=tr(locale, key), value=text.shorten(value, text.FIELD_VALUE), inline=key != "card.cast"
            )
    if card.poster and card.poster.startswith(("https://", "http://")):
        embed.set_thumbnail(url=card.poster)
    return embed


def card_view(card: TitleCard, more_like_this: ui.Item | None = None) -> discord.ui.View | None:
    """Under a title card: "More like this" (the similar cog's button: it opens the results in the same message)."""
    if more_like_this is None:
        return None
    view = discord.ui.View(timeout=None)
    view.add_item(more_like_this)
    return view


def card_reply(bot: MoreLike, card: TitleCard, locale: str = ENGLISH) -> Reply:
    similar = cast("SimilarCog | None", bot.get_cog("SimilarCog"))
    more = similar.more_like_this_button(card, locale) if similar is not None else None
    return Reply(content="", embeds=[title_embed(card, locale)], view=card_view(card, more))


def which_one(candidates: Sequence[Candidate], locale: str = ENGLISH) -> discord.ui.View:
    """ "Which one?" for /title: a pick shows that title's card in the same message."""
    return which_one_view(
        candidates,
        lambda c, label: CardButton(c.card.ref, label=label, row=0),
        lambda options, placeholder: CardSelect(options, placeholder=placeholder),
        locale,
    )


def title_card_reply(bot: MoreLike, typed: str, locale: str = ENGLISH) -> Reply:
    found = resolve_card(bot, typed, lambda offered: which_one(offered, locale), locale)
    return card_reply(bot, found, locale) if isinstance(found, TitleCard) else found


def card_for_ref(bot: MoreLike, ref: str, locale: str = ENGLISH) -> Reply:
    card = bot.engine.get(ref)
    return card_reply(bot, card, locale) if card is not None else error_reply(text.stale_text(locale))


async def show_card(interaction: discord.Interaction, ref: str, *, copy: bool) -> None:
    """A /title "Which one?" candidate picked: that title's card."""
    locale = locale_of(interaction)
    bot = bot_of(interaction)
    await widgets.show(interaction, lambda: card_for_ref(bot, ref, locale), copy=copy)


class CardButton(StatefulItem, ui.DynamicItem[ui.Button], template=ids.CARD_TEMPLATE):
    """One candidate of /title's "Which one?": its card, same message."""

    component_type = discord.ComponentType.button

    def __init__(self, ref: str, *, label: str, row: int | None = None) -> None:
        super().__init__(ui.Button(label=label, style=discord.ButtonStyle.primary, custom_id=ids.card_id(ref)), row=row)
        self.ref = ref

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: ui.Item[Any], match: re.Match[str]):
        return cls(match["ref"], label=getattr(item, "label", None) or "Pick")

    async def hand_off(self, interaction: discord.Interaction, *, copy: bool) -> None:
        await show_card(interaction, self.ref, copy=copy)


class CardSelect(StatefulItem, ui.DynamicItem[ui.Select], template=ids.CARD_SELECT_TEMPLATE):
    """/title's "Which one?" with more than five candidates (the option values are refs)."""

    component_type = discord.ComponentType.string_select

    def __init__(
        self,
        options: list[discord.SelectOption] | None = None,
        select: ui.Select | None = None,
        *,
        placeholder: str | None = None,
    ) -> None:
        if select is None:
            select = ui.Select(custom_id=ids.CARD_SELECT_ID, placeholder=placeholder, options=options or [])
        super().__init__(select, row=0)

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: ui.Item[Any], match: re.Match[str]):
        return cls(select=cast(ui.Select, item))

    async def hand_off(self, interaction: discord.Interaction, *, copy: bool) -> None:
        ref = chosen_ref(self.item)
        if ref is None:
            await widgets.outdated(interaction, copy=copy)
        else:
            await show_card(interaction, ref, copy=copy)


ITEMS = (CardButton, CardSelect)


class TitleCog(commands.Cog):
    def __init__(self, bot: MoreLike) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*ITEMS)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*ITEMS)

    @app_commands.command(name=loc("command.title.name"), description=loc("command.title.description"))
    @app_commands.describe(title=loc("option.card_title.description"), private=loc("option.private.description"))
    async def title(
        self, interaction: discord.Interaction, title: app_commands.Range[str, 1, 200], private: bool = False
    ) -> None:
        bot = self.bot
        locale = locale_of(interaction)
        await widgets.answer(
            interaction,
            lambda: title_card_reply(bot, title, locale),
            ephemeral=private,
            slow=widgets.warming(bot),
        )

    @title.autocomplete("title")
    async def title_autocomplete(self, interaction: discord.Interaction, current: str):
        return widgets.title_choices(self.bot, current, locale_of(interaction))


async def setup(bot: MoreLike) -> None:
    await bot.add_cog(TitleCog(bot))
