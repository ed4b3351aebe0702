"""Buttons and selects whose whole state lives in their custom_id (discord.py `DynamicItem`).

Registered once with `bot.add_dynamic_items(*DYNAMIC_ITEMS)`, they answer clicks on any message the bot ever
sent, including messages sent before a restart. A custom_id that no longer decodes (hand-made, or from an
older format), that matches no format at all (`UnknownComponent`), or that names a title a rebuild removed gets
one clear ephemeral message, never a silent failure.

These items are leaves: they import only the custom_id codec (`ids`). Each one decodes what its click carries
and hands it to one method of the bot's click flows (`interaction.client.flows`, see `ClickFlows`), which
computes and delivers the answer; so the builders of views (`layouts`) can import these classes, and the flows
can import the builders, without a cycle.

Every item's `interaction_check` (discord.py's hook, run before the callback) lets only the user who ran the
command change a public message: anyone else clicking it gets the same answer as their own ephemeral copy, so
paging someone else's results never changes what the whole channel sees. It also drops a second delivery of an
interaction already answered.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import ClassVar, Protocol

import discord
from discord import ui

from bot.discord_app import ids
from morelike.engine.types import Filters

Hide = str | None  # the `hide:` typed on /similar for the message clicked (ids.HIDE_CODES); None: the default


class ClickFlows(Protocol):
    """What a click can ask for, one method per action; `flows.Flows` implements it (the bot's `flows`).

    `copy`: the clicker did not run the command that made this public message, so they get what the click shows
    as their own ephemeral copy, and the message stays as the channel sees it. Otherwise the clicked message is
    edited in place. `hide`: what the message's /similar was told to leave out (`hide:`), None for the clicker's
    stored default."""

    async def page(
        self, interaction: discord.Interaction, ref: str, page: int, filters: Filters, *, copy: bool, hide: Hide = None
    ) -> None: ...

    async def refine(
        self,
        interaction: discord.Interaction,
        ref: str,
        filters: Filters,
        option: str,
        *,
        copy: bool,
        hide: Hide = None,
    ) -> None: ...

    async def pick(
        self, interaction: discord.Interaction, ref: str, filters: Filters, *, copy: bool, hide: Hide = None
    ) -> None: ...

    async def card(self, interaction: discord.Interaction, ref: str, *, copy: bool) -> None: ...

    async def outdated(self, interaction: discord.Interaction, *, copy: bool) -> None: ...

    async def hide(
        self,
        interaction: discord.Interaction,
        ref: str,
        page: int,
        filters: Filters,
        hidden_ref: str,
        *,
        copy: bool,
        hide: Hide = None,
    ) -> None: ...

    async def hidden_page(self, interaction: discord.Interaction, page: int) -> None: ...

    async def restore(self, interaction: discord.Interaction, page: int, entry: int) -> None: ...


def may_change(interaction: discord.Interaction) -> bool:
    """Whether a click may change the message it was made on: its own (ephemeral) copy, or a public message of
    the user who ran the command. Anyone else gets a copy of their own instead."""
    message = interaction.message
    if message is None or message.flags.ephemeral:
        return True
    meta = message.interaction_metadata
    return meta is None or meta.user.id == interaction.user.id


def _walk(components: Iterable[discord.Component]) -> Iterator[discord.Component]:
    for component in components:
        yield component
        yield from _walk(getattr(component, "children", ()) or ())


def reaches_an_item(interaction: discord.Interaction) -> bool:
    """Whether discord.py hands this click to one of the items here. It looks the clicked component up in the
    message by type and custom_id together, and drops the click, silently, when none matches: a select payload
    on a button's id, a button on a select's id. (Every custom_id matches some item: `UnknownComponent` takes
    those in no known format.) The bot answers the clicks this is False for itself (`client.on_interaction`)."""
    message = interaction.message
    if message is None:
        return False
    data = interaction.data or {}
    clicked = (data.get("component_type"), data.get("custom_id"))
    return any((c.type.value, getattr(c, "custom_id", None)) == clicked for c in _walk(message.components))


def _chosen_ref(select: ui.Select) -> str | None:
    """The ref a "Which one?" select's option carries; None for anything else (a forged or emptied option)."""
    values = select.values
    return values[0] if values and re.fullmatch(ids.REF, values[0]) else None


class _StatefulItem:
    """Shared by every component: the author check, and the hand-off of each click to the bot's flows.

    Subclasses implement `hand_off(flows, interaction, copy=...)`: one call of a `ClickFlows` method with what
    the click carries. A custom_id that matched a format but no longer decodes sets `outdated`, and the click is
    answered with the outdated-message sentence; so is a click of another component type than the custom_id's
    format was made for (`component_type`: a button's id on a select, a select's id on a button), which would
    otherwise reach a callback that cannot read it."""

    outdated: bool = False
    component_type: ClassVar[discord.ComponentType | None] = None  # what the format is made for; None: any

    def made_for(self, interaction: discord.Interaction) -> bool:
        made = self.component_type
        return made is None or (interaction.data or {}).get("component_type") == made.value

    @staticmethod
    def _filters(match: re.Match[str]) -> tuple[Filters, Hide, bool]:
        """The filters and the typed `hide:` a custom_id carries, and whether they failed to decode."""
        try:
            return ids.decode_filters(match["filters"]), ids.decode_hide(match["filters"]), False
        except ids.StateError:
            return Filters(), None, True

    async def hand_off(self, flows: ClickFlows, interaction: discord.Interaction, *, copy: bool) -> None:
        raise NotImplementedError  # pragma: no cover - every subclass defines it

    async def _run(self, interaction: discord.Interaction, *, copy: bool) -> None:
        flows: ClickFlows = interaction.client.flows
        if self.outdated or not self.made_for(interaction):
            await flows.outdated(interaction, copy=copy)
        else:
            await self.hand_off(flows, interaction, copy=copy)

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        first = getattr(interaction.client, "first_delivery", None)
        if first is not None and not first(interaction):
            return False
        if may_change(interaction):
            return True
        # Someone else's public message: their own ephemeral copy of what the click shows, to page from there.
        await self._run(interaction, copy=True)
        return False

    async def callback(self, interaction: discord.Interaction) -> None:
        await self._run(interaction, copy=False)


class PageButton(_StatefulItem, ui.DynamicItem[ui.Button], template=ids.SIMILAR_TEMPLATE):
    """Previous / Next page of the results for one title."""

    component_type = discord.ComponentType.button

    def __init__(
        self, ref: str, page: int, filters: Filters, *, label: str, disabled: bool = False, hide: Hide = None
    ) -> None:
        super().__init__(
            ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                custom_id=ids.similar_id(ref, page, filters, hide),
                disabled=disabled,
            ),
            row=0,
        )
        self.ref, self.page, self.filters, self.hide = ref, page, filters, hide

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: ui.Button, match: re.Match[str]):
        filters, hide, outdated = cls._filters(match)
        obj = cls(match["ref"], int(match["page"]), filters, label=getattr(item, "label", None) or "Page", hide=hide)
        obj.outdated = outdated
        return obj

    async def hand_off(self, flows: ClickFlows, interaction: discord.Interaction, *, copy: bool) -> None:
        await flows.page(interaction, self.ref, self.page, self.filters, copy=copy, hide=self.hide)


class RefineSelect(_StatefulItem, ui.DynamicItem[ui.Select], template=ids.REFINE_TEMPLATE):
    """Narrow (or widen) a result list by kind or genre; the chosen option edits the filters."""

    component_type = discord.ComponentType.string_select

    def __init__(
        self,
        ref: str,
        filters: Filters,
        options: list[discord.SelectOption] | None = None,
        select: ui.Select | None = None,
        *,
        placeholder: str | None = None,
        hide: Hide = None,
    ) -> None:
        # `placeholder`: said in the user's locale by the layout that builds it (a select rebuilt from a click
        # keeps the one it was sent with).
        if select is None:
            select = ui.Select(
                custom_id=ids.refine_id(ref, filters, hide),
                placeholder=placeholder,
                options=options or [],
                min_values=1,
                max_values=1,
            )
        super().__init__(select, row=1)
        self.ref, self.filters, self.hide = ref, filters, hide

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: ui.Select, match: re.Match[str]):
        filters, hide, outdated = cls._filters(match)
        obj = cls(match["ref"], filters, select=item, hide=hide)
        obj.outdated = outdated
        return obj

    async def hand_off(self, flows: ClickFlows, interaction: discord.Interaction, *, copy: bool) -> None:
        values = self.item.values
        if not values:
            await flows.outdated(interaction, copy=copy)
        else:
            await flows.refine(interaction, self.ref, self.filters, values[0], copy=copy, hide=self.hide)


class PickButton(_StatefulItem, ui.DynamicItem[ui.Button], template=ids.PICK_TEMPLATE):
    """One candidate of "Which one?" (or "More like this" under a title card): its results, same message."""

    component_type = discord.ComponentType.button

    def __init__(
        self,
        ref: str,
        filters: Filters,
        *,
        label: str,
        row: int | None = None,
        style: discord.ButtonStyle = discord.ButtonStyle.primary,
        hide: Hide = None,
    ) -> None:
        super().__init__(ui.Button(label=label, style=style, custom_id=ids.pick_id(ref, filters, hide)), row=row)
        self.ref, self.filters, self.hide = ref, filters, hide

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: ui.Button, match: re.Match[str]):
        filters, hide, outdated = cls._filters(match)
        obj = cls(match["ref"], filters, label=getattr(item, "label", None) or "Pick", hide=hide)
        obj.outdated = outdated
        return obj

    async def hand_off(self, flows: ClickFlows, interaction: discord.Interaction, *, copy: bool) -> None:
        await flows.pick(interaction, self.ref, self.filters, copy=copy, hide=self.hide)


class PickSelect(_StatefulItem, ui.DynamicItem[ui.Select], template=ids.PICK_SELECT_TEMPLATE):
    """ "Which one?" with more than five candidates: a select whose option values are refs."""

    component_type = discord.ComponentType.string_select

    def __init__(
        self,
        filters: Filters,
        options: list[discord.SelectOption] | None = None,
        select: ui.Select | None = None,
        *,
        placeholder: str | None = None,
        hide: Hide = None,
    ) -> None:
        if select is None:
            select = ui.Select(
                custom_id=ids.pick_select_id(filters, hide),
                placeholder=placeholder,
                options=options or [],
                min_values=1,
                max_values=1,
            )
        super().__init__(select, row=0)
        self.filters, self.hide = filters, hide

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: ui.Select, match: re.Match[str]):
        filters, hide, outdated = cls._filters(match)
        obj = cls(filters, select=item, hide=hide)
        obj.outdated = outdated
        return obj

    async def hand_off(self, flows: ClickFlows, interaction: discord.Interaction, *, copy: bool) -> None:
        ref = _chosen_ref(self.item)
        if ref is None:
            await flows.outdated(interaction, copy=copy)
        else:
            await flows.pick(interaction, ref, self.filters, copy=copy, hide=self.hide)


class CardButton(_StatefulItem, ui.DynamicItem[ui.Button], template=ids.CARD_TEMPLATE):
    """One candidate of /title's "Which one?": its card, same message."""

    component_type = discord.ComponentType.button

    def __init__(self, ref: str, *, label: str, row: int | None = None) -> None:
        super().__init__(ui.Button(label=label, style=discord.ButtonStyle.primary, custom_id=ids.card_id(ref)), row=row)
        self.ref = ref

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: ui.Button, match: re.Match[str]):
        return cls(match["ref"], label=getattr(item, "label", None) or "Pick")

    async def hand_off(self, flows: ClickFlows, interaction: discord.Interaction, *, copy: bool) -> None:
        await flows.card(interaction, self.ref, copy=copy)


class CardSelect(_StatefulItem, ui.DynamicItem[ui.Select], template=ids.CARD_SELECT_TEMPLATE):
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
    async def from_custom_id(cls, interaction: discord.Interaction, item: ui.Select, match: re.Match[str]):
        return cls(select=item)

    async def hand_off(self, flows: ClickFlows, interaction: discord.Interaction, *, copy: bool) -> None:
        ref = _chosen_ref(self.item)
        if ref is None:
            await flows.outdated(interaction, copy=copy)
        else:
            await flows.card(interaction, ref, copy=copy)


class UnknownComponent(_StatefulItem, ui.DynamicItem[ui.Item], template=ids.UNKNOWN_TEMPLATE):
    """Any custom_id in none of the formats above (an older bot version's, a truncated or hand-edited one).
    discord.py calls every dynamic item whose template matches, so this template excludes the known formats:
    each click reaches exactly one handler, and none is left without an answer."""

    outdated = True  # whatever it carried, this bot cannot follow it

    def __init__(self, item: ui.Item) -> None:
        super().__init__(item)

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: ui.Item, match: re.Match[str]):
        return cls(item)


class HideSelect(_StatefulItem, ui.DynamicItem[ui.Select], template=ids.HIDE_TEMPLATE):
    """ "Not for me": the page's titles as options (values are refs); the one picked is hidden for the clicker,
    and the page they see is shown again without it."""

    component_type = discord.ComponentType.string_select

    def __init__(
        self,
        ref: str,
        page: int,
        filters: Filters,
        options: list[discord.SelectOption] | None = None,
        select: ui.Select | None = None,
        *,
        placeholder: str | None = None,
        hide: Hide = None,
    ) -> None:
        if select is None:
            select = ui.Select(
                custom_id=ids.hide_id(ref, page, filters, hide), placeholder=placeholder, options=options or []
            )
        super().__init__(select, row=2)
        self.ref, self.page, self.filters, self.hide = ref, page, filters, hide

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: ui.Select, match: re.Match[str]):
        filters, hide, outdated = cls._filters(match)
        obj = cls(match["ref"], int(match["page"]), filters, select=item, hide=hide)
        obj.outdated = outdated
        return obj

    async def hand_off(self, flows: ClickFlows, interaction: discord.Interaction, *, copy: bool) -> None:
        hidden = _chosen_ref(self.item)
        if hidden is None:
            await flows.outdated(interaction, copy=copy)
        else:
            await flows.hide(interaction, self.ref, self.page, self.filters, hidden, copy=copy, hide=self.hide)


class HiddenPageButton(_StatefulItem, ui.DynamicItem[ui.Button], template=ids.HIDDEN_PAGE_TEMPLATE):
    """Previous / Next page of /hidden (always the member's own ephemeral message)."""

    component_type = discord.ComponentType.button

    def __init__(self, page: int, *, label: str, disabled: bool = False) -> None:
        button = ui.Button(
            label=label, style=discord.ButtonStyle.secondary, custom_id=ids.hidden_page_id(page), disabled=disabled
        )
        super().__init__(button, row=1)
        self.page = page

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: ui.Button, match: re.Match[str]):
        return cls(int(match["page"]), label=getattr(item, "label", None) or "Page")

    async def hand_off(self, flows: ClickFlows, interaction: discord.Interaction, *, copy: bool) -> None:
        await flows.hidden_page(interaction, self.page)


class RestoreSelect(_StatefulItem, ui.DynamicItem[ui.Select], template=ids.RESTORE_TEMPLATE):
    """/hidden's restore menu: the option values are the member's own entry numbers (a value naming someone
    else's entry restores nothing: the store looks entries up by member)."""

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
    async def from_custom_id(cls, interaction: discord.Interaction, item: ui.Select, match: re.Match[str]):
        return cls(int(match["page"]), select=item)

    async def hand_off(self, flows: ClickFlows, interaction: discord.Interaction, *, copy: bool) -> None:
        values = self.item.values
        if not values or not re.fullmatch(r"\d{1,18}", values[0]):
            await flows.outdated(interaction, copy=copy)
        else:
            await flows.restore(interaction, self.page, int(values[0]))


DYNAMIC_ITEMS = (
    PageButton,
    RefineSelect,
    PickButton,
    PickSelect,
    CardButton,
    CardSelect,
    HideSelect,
    HiddenPageButton,
    RestoreSelect,
    UnknownComponent,
)
