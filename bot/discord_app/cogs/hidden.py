"""/hidden: the titles a member hid with "Not for me", paged, each one restorable from a menu.

The list, its restore menu and paging buttons, and what their clicks do live here; "Not for me" itself is on a
result page (cogs/similar.py). Everything here is ephemeral: nobody else sees a member's list.
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
from bot.discord_app.widgets import Reply, StatefulItem, bot_of
from morelike.i18n import ENGLISH, tr
from morelike.members import HiddenTitle

if TYPE_CHECKING:
    from bot.discord_app.client import MoreLike

HIDDEN_PAGE_SIZE = widgets.MAX_OPTIONS  # /hidden lists as many titles a page as its restore menu can offer


def hidden_list(
    entries: Sequence[HiddenTitle], page: int, total: int, locale: str = ENGLISH
) -> tuple[str, list[discord.Embed], discord.ui.View | None]:
    """/hidden: (content, embeds, view) for one page of a member's hidden titles, with a restore menu and, past
    one page, Previous / Next."""
    if total == 0:
        return tr(locale, "hidden.none"), [], None
    pages = max(1, -(-total // HIDDEN_PAGE_SIZE))
    lines = [f"{page * HIDDEN_PAGE_SIZE + i + 1}. {text.shorten(e.label, 150)}" for i, e in enumerate(entries)]
    embed = discord.Embed(
        title=tr(locale, "hidden.title", count=total),
        description=text.shorten("\n".join(lines), 4000, keep_lines=True) or None,
        colour=text.ACCENT,
    )
    embed.set_footer(text=tr(locale, "hidden.footer", page=page + 1, pages=pages))
    view = discord.ui.View(timeout=None)
    if entries:
        options = [
            discord.SelectOption(
                label=text.shorten(f"{page * HIDDEN_PAGE_SIZE + i + 1}. {e.label}", text.OPTION_TEXT),
                value=str(e.entry),
            )
            for i, e in enumerate(entries[: widgets.MAX_OPTIONS])
        ]
        view.add_item(RestoreSelect(page, options, placeholder=tr(locale, "hidden.restore_placeholder")))
    if pages > 1:
        view.add_item(HiddenPageButton(page - 1, label=tr(locale, "button.previous"), disabled=page == 0))
        view.add_item(HiddenPageButton(page + 1, label=tr(locale, "button.next"), disabled=page + 1 >= pages))
    return tr(locale, "hidden.intro"), [embed], view


async def show_hidden(
    bot: MoreLike, interaction: discord.Interaction, page: int, *, update: bool, note: str | None = None
) -> None:
    """A member's hidden titles, one page (`HIDDEN_PAGE_SIZE`), always ephemeral: nobody else sees them."""
    locale = locale_of(interaction)
    member = interaction.user.id
    size = HIDDEN_PAGE_SIZE
    entries, total = await bot.members.hidden_page(member, page, size)
    if not entries and total:  # past the end (titles restored meanwhile): the last page
        page = (total - 1) // size
        entries, total = await bot.members.hidden_page(member, page, size)
    content, embeds_, view = hidden_list(entries, page, total, locale)
    if note:
        content = f"{note}\n{content}"
    await widgets.answer(interaction, lambda: Reply(content, embeds_, view), update=update, ephemeral=True)


class HiddenPageButton(StatefulItem, ui.DynamicItem[ui.Button], template=ids.HIDDEN_PAGE_TEMPLATE):
    """Previous / Next page of /hidden (always the member's own ephemeral message): that page of their list."""

    component_type = discord.ComponentType.button

    def __init__(self, page: int, *, label: str, disabled: bool = False) -> None:
        button: ui.Button[ui.View] = ui.Button(
            label=label, style=discord.ButtonStyle.secondary, custom_id=ids.hidden_page_id(page), disabled=disabled
        )
        super().__init__(button, row=1)
        self.page = page

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: ui.Item[Any], match: re.Match[str]):
        return cls(int(match["page"]), label=getattr(item, "label", None) or "Page")

    async def hand_off(self, interaction: discord.Interaction, *, copy: bool) -> None:
        await show_hidden(bot_of(interaction), interaction, self.page, update=True)


class RestoreSelect(StatefulItem, ui.DynamicItem[ui.Select], template=ids.RESTORE_TEMPLATE):
    """/hidden's restore menu: un-hide one of the clicker's titles, then show their list again. The option values
    are the member's own entry numbers (a value naming someone else's entry restores nothing: the store looks
    entries up by member)."""

    component_type = discord.ComponentType.string_select

    def __init__(
        self,
        page: int,
        options: list[discord.SelectOption] | None = None,
        select: ui.Select | None = None,
        *,
        placeholder: str | None = None,
    ) -> None:
        if select is None:
            select = ui.Select(custom_id=ids.restore_id(page), placeholder=placeholder, options=options or [])
        super().__init__(select, row=0)
        self.page = page

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: ui.Item[Any], match: re.Match[str]):
        return cls(int(match["page"]), select=cast(ui.Select, item))

    async def hand_off(self, interaction: discord.Interaction, *, copy: bool) -> None:
        values = self.item.values
        if not values or not re.fullmatch(r"\d{1,18}", values[0]):
            await widgets.outdated(interaction, copy=copy)
            return
        locale = locale_of(interaction)
        restored = await bot_of(interaction).members.restore(interaction.user.id, int(values[0]))
        note = (
            tr(locale, "hidden.restored", title=text.shorten(restored.label, 200))
            if restored is not None
            else text.stale_text(locale)  # not theirs, or restored already from another copy of the list
        )
        await show_hidden(bot_of(interaction), interaction, self.page, update=True, note=note)


ITEMS = (HiddenPageButton, RestoreSelect)


class HiddenCog(commands.Cog):
    def __init__(self, bot: MoreLike) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*ITEMS)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*ITEMS)

    @app_commands.command(name=loc("command.hidden.name"), description=loc("command.hidden.description"))
    async def hidden(self, interaction: discord.Interaction) -> None:
        await show_hidden(self.bot, interaction, 0, update=False)


async def setup(bot: MoreLike) -> None:
    await bot.add_cog(HiddenCog(bot))
