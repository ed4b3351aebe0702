"""Buttons and selects whose whole state lives in their custom_id (discord.py `DynamicItem`).

Registered once with `bot.add_dynamic_items(*DYNAMIC_ITEMS)`, they answer clicks on any message the bot ever
sent, including messages sent before a restart. A custom_id that no longer decodes (hand-made, or from an
older format), that matches no format at all (`UnknownComponent`), or that names a title a rebuild removed gets
one clear ephemeral message, never a silent failure.

Every item's `interaction_check` (discord.py's hook, run before the callback) lets only the user who ran the
command change a public message: anyone else clicking it gets the same answer as their own ephemeral copy, so
paging someone else's results never changes what the whole channel sees. It also drops a second delivery of an
interaction already answered.
"""

from __future__ import annotations

import re

import discord
from discord import ui

from bot.discord_app import ids
from morelike.engine.types import Filters


class _StatefulItem:
    """Shared by every component: the author check, the reply a click computes, and its delivery.

    Subclasses implement `reply(bot) -> flows.Reply` (sync, like the engine); a bad custom_id is kept as
    `state_error` and answered with the outdated-message sentence."""

    state_error: str | None = None

    @staticmethod
    def _filters(match: re.Match[str]) -> tuple[Filters, str | None]:
        try:
            return ids.decode_filters(match["filters"]), None
        except ids.StateError as exc:
            return Filters(), str(exc)

    def reply(self, bot):  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def _reply(self, bot):
        from bot.discord_app import flows

        return flows.error_reply(flows.OUTDATED_TEXT) if self.state_error else self.reply(bot)

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        from bot.discord_app import flows

        bot = interaction.client
        first = getattr(bot, "first_delivery", None)
        if first is not None and not first(interaction):
            return False
        if flows.may_change(interaction):
            return True
        # Someone else's public message: their own ephemeral copy of what the click shows, to page from there.
        await flows.answer(interaction, lambda: self._reply(bot), ephemeral=True)
        return False

    async def callback(self, interaction: discord.Interaction) -> None:
        from bot.discord_app import flows

        bot = interaction.client
        await flows.answer(interaction, lambda: self._reply(bot), update=True)


class PageButton(_StatefulItem, ui.DynamicItem[ui.Button], template=ids.SIMILAR_TEMPLATE):
    """Previous / Next page of the results for one title."""

    def __init__(self, ref: str, page: int, filters: Filters, *, label: str, disabled: bool = False) -> None:
        super().__init__(
            ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                custom_id=ids.similar_id(ref, page, filters),
                disabled=disabled,
            ),
            row=0,
        )
        self.ref, self.page, self.filters = ref, page, filters

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: ui.Button, match: re.Match[str]):
        filters, error = cls._filters(match)
        obj = cls(match["ref"], int(match["page"]), filters, label=item.label or "Page")
        obj.state_error = error
        return obj

    def reply(self, bot):
        from bot.discord_app import flows

        return flows.similar_for_ref(bot, self.ref, self.page, self.filters)


class RefineSelect(_StatefulItem, ui.DynamicItem[ui.Select], template=ids.REFINE_TEMPLATE):
    """Narrow (or widen) a result list by kind or genre; the chosen option edits the filters."""

    def __init__(
        self,
        ref: str,
        filters: Filters,
        options: list[discord.SelectOption] | None = None,
        select: ui.Select | None = None,
    ) -> None:
        if select is None:
            select = ui.Select(
                custom_id=ids.refine_id(ref, filters),
                placeholder="Refine by kind or genre…",
                options=options or [],
                min_values=1,
                max_values=1,
            )
        super().__init__(select, row=1)
        self.ref, self.filters = ref, filters

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: ui.Select, match: re.Match[str]):
        filters, error = cls._filters(match)
        obj = cls(match["ref"], filters, select=item)
        obj.state_error = error
        return obj

    def reply(self, bot):
        from bot.discord_app import flows

        try:
            filters = ids.apply_refine(self.filters, self.item.values[0])
        except (ids.StateError, ValueError, IndexError):
            return flows.error_reply(flows.OUTDATED_TEXT)
        return flows.similar_for_ref(bot, self.ref, 0, filters)


class PickButton(_StatefulItem, ui.DynamicItem[ui.Button], template=ids.PICK_TEMPLATE):
    """One candidate of "Which one?" (or "More like this" under a title card): its results, same message."""

    def __init__(
        self,
        ref: str,
        filters: Filters,
        *,
        label: str,
        row: int | None = None,
        style: discord.ButtonStyle = discord.ButtonStyle.primary,
    ) -> None:
        super().__init__(ui.Button(label=label, style=style, custom_id=ids.pick_id(ref, filters)), row=row)
        self.ref, self.filters = ref, filters

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: ui.Button, match: re.Match[str]):
        filters, error = cls._filters(match)
        obj = cls(match["ref"], filters, label=item.label or "Pick")
        obj.state_error = error
        return obj

    def reply(self, bot):
        from bot.discord_app import flows

        return flows.similar_for_ref(bot, self.ref, 0, self.filters)


class PickSelect(_StatefulItem, ui.DynamicItem[ui.Select], template=ids.PICK_SELECT_TEMPLATE):
    """ "Which one?" with more than five candidates: a select whose option values are refs."""

    def __init__(
        self, filters: Filters, options: list[discord.SelectOption] | None = None, select: ui.Select | None = None
    ) -> None:
        if select is None:
            select = ui.Select(
                custom_id=ids.pick_select_id(filters),
                placeholder="Pick the title you mean…",
                options=options or [],
                min_values=1,
                max_values=1,
            )
        super().__init__(select, row=0)
        self.filters = filters

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: ui.Select, match: re.Match[str]):
        filters, error = cls._filters(match)
        obj = cls(filters, select=item)
        obj.state_error = error
        return obj

    def reply(self, bot):
        from bot.discord_app import flows

        values = self.item.values
        if not values or not re.fullmatch(ids.REF, values[0]):
            return flows.error_reply(flows.OUTDATED_TEXT)
        return flows.similar_for_ref(bot, values[0], 0, self.filters)


class CardButton(_StatefulItem, ui.DynamicItem[ui.Button], template=ids.CARD_TEMPLATE):
    """One candidate of /title's "Which one?": its card, same message."""

    def __init__(self, ref: str, *, label: str, row: int | None = None) -> None:
        super().__init__(ui.Button(label=label, style=discord.ButtonStyle.primary, custom_id=ids.card_id(ref)), row=row)
        self.ref = ref

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: ui.Button, match: re.Match[str]):
        return cls(match["ref"], label=item.label or "Pick")

    def reply(self, bot):
        from bot.discord_app import flows

        return flows.card_for_ref(bot, self.ref)


class CardSelect(_StatefulItem, ui.DynamicItem[ui.Select], template=ids.CARD_SELECT_TEMPLATE):
    """/title's "Which one?" with more than five candidates (the option values are refs)."""

    def __init__(self, options: list[discord.SelectOption] | None = None, select: ui.Select | None = None) -> None:
        if select is None:
            select = ui.Select(
                custom_id=ids.CARD_SELECT_ID, placeholder="Pick the title you mean…", options=options or []
            )
        super().__init__(select, row=0)

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: ui.Select, match: re.Match[str]):
        return cls(select=item)

    def reply(self, bot):
        from bot.discord_app import flows

        values = self.item.values
        if not values or not re.fullmatch(ids.REF, values[0]):
            return flows.error_reply(flows.OUTDATED_TEXT)
        return flows.card_for_ref(bot, values[0])


class UnknownComponent(_StatefulItem, ui.DynamicItem[ui.Item], template=ids.UNKNOWN_TEMPLATE):
    """Any custom_id in none of the formats above (an older bot version's, a truncated or hand-edited one).
    discord.py calls every dynamic item whose template matches, so this template excludes the known formats:
    each click reaches exactly one handler, and none is left without an answer."""

    def __init__(self, item: ui.Item) -> None:
        super().__init__(item)

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: ui.Item, match: re.Match[str]):
        return cls(item)

    def reply(self, bot):
        from bot.discord_app import flows

        return flows.error_reply(flows.OUTDATED_TEXT)


DYNAMIC_ITEMS = (PageButton, RefineSelect, PickButton, PickSelect, CardButton, CardSelect, UnknownComponent)
