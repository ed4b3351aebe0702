"""Buttons and selects whose whole state lives in their custom_id (discord.py `DynamicItem`).

Registered once with `bot.add_dynamic_items(*DYNAMIC_ITEMS)`, they answer clicks on any message the bot ever
sent, including messages sent before a restart. A custom_id that no longer decodes (hand-made, or from an
older format) or that names a title a rebuild removed gets a clear ephemeral message, never a silent failure.
"""

from __future__ import annotations

import re

import discord
from discord import ui

from bot.discord_app import ids
from bot.engine.types import Filters


class _StatefulItem:
    """Shared decoding: a bad custom_id is kept as `state_error` and answered in the callback."""

    state_error: str | None = None

    @staticmethod
    def _filters(match: re.Match[str]) -> tuple[Filters, str | None]:
        try:
            return ids.decode_filters(match["filters"]), None
        except ids.StateError as exc:
            return Filters(), str(exc)


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

    async def callback(self, interaction: discord.Interaction) -> None:
        from bot.discord_app import flows

        if self.state_error:
            await flows.send_error(interaction, flows.OUTDATED_TEXT)
            return
        bot = interaction.client
        await flows.answer(
            interaction, lambda: flows.similar_for_ref(bot, self.ref, self.page, self.filters), update=True
        )


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

    async def callback(self, interaction: discord.Interaction) -> None:
        from bot.discord_app import flows

        try:
            if self.state_error:
                raise ids.StateError(self.state_error)
            filters = ids.apply_refine(self.filters, self.item.values[0])
        except (ids.StateError, ValueError, IndexError):
            await flows.send_error(interaction, flows.OUTDATED_TEXT)
            return
        bot = interaction.client
        await flows.answer(interaction, lambda: flows.similar_for_ref(bot, self.ref, 0, filters), update=True)


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

    async def callback(self, interaction: discord.Interaction) -> None:
        from bot.discord_app import flows

        if self.state_error:
            await flows.send_error(interaction, flows.OUTDATED_TEXT)
            return
        bot = interaction.client
        await flows.answer(interaction, lambda: flows.similar_for_ref(bot, self.ref, 0, self.filters), update=True)


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

    async def callback(self, interaction: discord.Interaction) -> None:
        from bot.discord_app import flows

        values = self.item.values
        if self.state_error or not values or not re.fullmatch(ids.REF, values[0]):
            await flows.send_error(interaction, flows.OUTDATED_TEXT)
            return
        bot = interaction.client
        ref = values[0]
        await flows.answer(interaction, lambda: flows.similar_for_ref(bot, ref, 0, self.filters), update=True)


class CardButton(ui.DynamicItem[ui.Button], template=ids.CARD_TEMPLATE):
    """One candidate of /title's "Which one?": its card, same message."""

    def __init__(self, ref: str, *, label: str, row: int | None = None) -> None:
        super().__init__(ui.Button(label=label, style=discord.ButtonStyle.primary, custom_id=ids.card_id(ref)), row=row)
        self.ref = ref

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: ui.Button, match: re.Match[str]):
        return cls(match["ref"], label=item.label or "Pick")

    async def callback(self, interaction: discord.Interaction) -> None:
        from bot.discord_app import flows

        bot = interaction.client
        await flows.answer(interaction, lambda: flows.card_for_ref(bot, self.ref), update=True)


class CardSelect(ui.DynamicItem[ui.Select], template=ids.CARD_SELECT_TEMPLATE):
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

    async def callback(self, interaction: discord.Interaction) -> None:
        from bot.discord_app import flows

        values = self.item.values
        if not values or not re.fullmatch(ids.REF, values[0]):
            await flows.send_error(interaction, flows.OUTDATED_TEXT)
            return
        bot, ref = interaction.client, values[0]
        await flows.answer(interaction, lambda: flows.card_for_ref(bot, ref), update=True)


DYNAMIC_ITEMS = (PageButton, RefineSelect, PickButton, PickSelect, CardButton, CardSelect)
