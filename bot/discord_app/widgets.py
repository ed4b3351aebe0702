"""Shared widgets of the Discord features (cogs/): how an answer is computed and delivered within Discord's rules,
the "Which one?" picker, and the base of every button and select whose state lives in its custom_id.

Computing is synchronous (the engine is). Lookups and similar searches take milliseconds and are answered
directly; free-text work (the model may have to load, seconds) is deferred first, run off the event loop, then
edited in, so Discord's 3-second first-response deadline always holds. Errors are always ephemeral, whatever the
command's `private` setting. Every answer is said in the locale of the interaction it answers (`locale_of`): a
click is answered in the clicker's.

Buttons and selects are discord.py `DynamicItem`s (`StatefulItem` here): registered by the feature that owns them
(`bot.add_dynamic_items` in its cog's `cog_load`), they answer clicks on any message the bot ever sent, including
messages sent before a restart. Each decodes what its click carries and does what the click asks itself
(`hand_off`). A custom_id that no longer decodes (hand-made, or from an older format), that matches no format at all
(`UnknownComponent`, the client's), or that names a title a rebuild removed gets one clear ephemeral message, never
a silent failure. Every item's `interaction_check` (discord.py's hook, run before the callback) lets only the user
who ran the command change a public message: anyone else clicking it gets the same answer as their own ephemeral
copy, so paging someone else's results never changes what the whole channel sees. It also drops a second delivery
of an interaction already answered.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, cast

import discord
from discord import app_commands, ui

from bot.discord_app import ids, text
from bot.discord_app.translator import locale_of, option_label
from morelike import i18n
from morelike.engine.filters import specs
from morelike.engine.resolve import parse_reference
from morelike.engine.types import Candidate, EngineError, FilterError, Filters, TitleCard
from morelike.i18n import ENGLISH, tr
from morelike.trakt_user import TraktUserError

if TYPE_CHECKING:
    from bot.discord_app.client import MoreLike

log = logging.getLogger("bot.discord_app")

MAX_ID_IN_CHOICE = 100
MAX_BUTTONS = 5  # a row of buttons
MAX_OPTIONS = 25  # Discord's limit for a select
# Discord's option names for the engine's fields: what people typed, so what error messages must say (the filters'
# from their declaration, `DiscordOption.name`).
OPTION_NAMES = {spec.field: spec.discord.name for spec in specs(Filters) if spec.discord is not None} | {
    "q": "description"
}
# Discord error codes that mean "this interaction was already answered, or is gone": nothing left to tell anyone.
ALREADY_ANSWERED, UNKNOWN_INTERACTION = 40060, 10062


# ---- bad input, said in the user's words -------------------------------------------------------------------------


def bot_of(interaction: discord.Interaction) -> MoreLike:
    """The bot an interaction reached: discord.py types `interaction.client` as any client, and here it is ours."""
    return cast("MoreLike", interaction.client)


def warming(bot: MoreLike) -> bool:
    """True while the engine's title resolver is still being built (the first seconds after start): work that
    resolves typed titles must then run off the event loop, deferred, or not at all (autocomplete)."""
    ready = getattr(bot, "resolver_ready", None)
    return ready is not None and not ready.is_set()


class Refusal(EngineError):
    """Bad input the bot itself refuses (a filter combination, an unknown genre), its one sentence already said in
    the user's locale."""


def user_text(exc: EngineError, locale: str = ENGLISH) -> str:
    """An engine error as one sentence in Discord's terms: the option names people typed, not the engine's.
    The engine words its own errors in English: another locale gets the catalogue's sentence for the option at
    fault (a filter), or that the bot cannot answer now (anything else; the log has the engine's words)."""
    if isinstance(exc, Refusal):
        return text.shorten(str(exc), 500)
    if isinstance(exc, ids.StateError) and exc.said is not None:  # what a person asked for cannot be carried
        params = {name: str(value) for name, value in exc.said.params.items()}
        if "option" in params:
            params["option"] = option_label(params["option"], locale)
        return text.shorten(tr(locale, exc.said.key, **params), 500)
    if isinstance(exc, FilterError) and exc.field == "page":
        return tr(locale, "error.page_too_far")
    if locale != ENGLISH:
        if isinstance(exc, FilterError):
            option = OPTION_NAMES.get(exc.field, exc.field)
            return tr(locale, "error.bad_filter", option=option_label(option, locale))
        log.info("event=engine_refused locale=%s reason=%r", locale, str(exc)[:200])
        return tr(locale, "error.unavailable")
    sentence = str(exc)
    if isinstance(exc, FilterError):
        for engine_name, option in OPTION_NAMES.items():
            sentence = re.sub(rf"\b{engine_name}\b", option, sentence)
    return text.shorten(sentence, 500)


# ---- a reply, and delivering it (async, on the loop) -------------------------------------------------------------


@dataclass
class Reply:
    content: str | None = None
    embeds: list[discord.Embed] = field(default_factory=list)
    view: discord.ui.View | None = None
    error: bool = False  # errors are always ephemeral


def error_reply(sentence: str) -> Reply:
    return Reply(content=sentence, error=True)


def with_note(reply: Reply, note: str | None) -> Reply:
    """The reply with one more line under its header (what a click just did, what was left out)."""
    if reply.error or not note:
        return reply
    return Reply(_fit(f"{reply.content or ''}\n{note}"), reply.embeds, reply.view)


def trakt_text(exc: TraktUserError, locale: str) -> str:
    """A Trakt failure as one sentence in the member's language (the catalogue's `trakt.error.<reason>`)."""
    key = f"link.error.{exc.reason}"
    return tr(locale, key) if i18n.has(key) else tr(locale, "link.error.unavailable")


def _fit(content: str | None) -> str | None:
    """Message content within Discord's 2000 characters, whatever was echoed into it."""
    return None if content is None else text.shorten(content, text.CONTENT, keep_lines=True)


async def send_error(interaction: discord.Interaction, sentence: str) -> None:
    """An ephemeral message, whatever state the interaction is in."""
    sentence = _fit(sentence) or text.error_text(locale_of(interaction))
    if not interaction.response.is_done():
        await interaction.response.send_message(sentence, ephemeral=True)
    else:
        await interaction.followup.send(sentence, ephemeral=True)


async def answer(
    interaction: discord.Interaction,
    compute: Callable[[], Reply],
    *,
    update: bool = False,
    ephemeral: bool = False,
    slow: bool = False,
) -> None:
    """Compute the reply and deliver it: a new message, or (update) the clicked message edited in place.

    Fast work (lookups, similar search on stored vectors: milliseconds) runs inline: handing it to a thread
    costs more than the work, as the worker then waits for the GIL behind the event loop. `slow` work (free
    text: the model may have to load) is deferred first, then computed off the loop, then edited in.
    """
    try:
        if slow:
            if update:
                await interaction.response.defer()
            else:
                await interaction.response.defer(ephemeral=ephemeral, thinking=True)
        try:
            reply = await asyncio.to_thread(compute) if slow else compute()
        except EngineError as exc:  # FilterError included: one sentence a person can act on
            reply = error_reply(user_text(exc, locale_of(interaction)))
        except Exception:
            log.exception("event=answer_failed interaction=%s", interaction.id)
            reply = error_reply(text.error_text(locale_of(interaction)))
        await deliver(interaction, reply, update=update, ephemeral=ephemeral, deferred=slow)
    except discord.HTTPException as exc:
        if exc.code not in (ALREADY_ANSWERED, UNKNOWN_INTERACTION):
            raise
        # Answered already (a second delivery of the same interaction) or expired: nobody is waiting for this.
        log.warning("event=answer_dropped interaction=%s code=%s", interaction.id, exc.code)


async def deliver(
    interaction: discord.Interaction, reply: Reply, *, update: bool, ephemeral: bool, deferred: bool
) -> None:
    content = _fit(reply.content)
    if reply.error:
        if deferred and not update:
            if ephemeral:
                await interaction.edit_original_response(content=content, embeds=[], view=None)
                return
            await interaction.delete_original_response()  # a public "thinking…" must not become a public error
        await send_error(interaction, content or text.error_text(locale_of(interaction)))
        return
    if deferred:
        await interaction.edit_original_response(content=content, embeds=reply.embeds, view=reply.view)
    elif update:
        await interaction.response.edit_message(content=content, embeds=reply.embeds, view=reply.view)
    else:
        kwargs: dict = {"ephemeral": ephemeral}
        if reply.embeds:
            kwargs["embeds"] = reply.embeds
        if reply.view is not None:
            kwargs["view"] = reply.view
        await interaction.response.send_message(content, **kwargs)


async def show(interaction: discord.Interaction, compute: Callable[[], Reply], *, copy: bool) -> None:
    """What a click shows: the clicked message edited in place, or, with `copy` (someone else's public message), a
    new ephemeral message for the clicker."""
    await answer(interaction, compute, update=not copy, ephemeral=copy)


async def outdated(interaction: discord.Interaction, *, copy: bool) -> None:
    """A click this bot can no longer follow: the outdated-message sentence, ephemeral."""
    sentence = text.stale_text(locale_of(interaction))
    await show(interaction, lambda: error_reply(sentence), copy=copy)


# ---- which title the user means ----------------------------------------------------------------------------------


def title_choices(bot: MoreLike, current: str, locale: str = ENGLISH) -> list[app_commands.Choice[str]]:
    """Autocomplete: at most 25 `Title (Year) · Movie|Show` choices; value = id, or ref for ids over 100 chars.
    None while the resolver is still being built: an empty list now beats "This interaction failed"."""
    if warming(bot):
        return []
    engine = bot.engine
    try:
        cards = engine.suggest(current.strip(), limit=25)
    except Exception as exc:  # no choices beats "Loading options failed"; the command still resolves typed text
        log.warning("event=autocomplete_failed error=%r", exc)
        return []
    cards = cards[:25]
    out: list[app_commands.Choice[str]] = []
    for card, label in zip(cards, text.distinct_labels(cards, text.CHOICE_NAME, locale), strict=True):
        value = card.id if len(card.id) <= MAX_ID_IN_CHOICE else card.ref
        out.append(app_commands.Choice(name=label, value=value))
    return out


def resolve_card(
    bot: MoreLike, typed: str, which_one: Callable[[list[Candidate]], discord.ui.View], locale: str = ENGLISH
) -> TitleCard | Reply:
    """The title the user meant, or the reply to send instead: "Which one?" (its buttons from `which_one`, the
    feature's own: a title's results, a title's card), or no match with suggestions."""
    typed = typed.strip()
    card = bot.engine.get(typed)  # a choice picked from autocomplete carries the id (or the ref of a long id)
    if card is not None:
        return card
    # The engine decides (`Resolution.pick`): the title, or "Which one?" over the entries of exactly that title
    # ("Heat" 1972, 1986, 1995) as buttons, the looser matches ("The Heat", "Red Heat") named in one line.
    pick = bot.engine.resolve(typed, limit=25).pick()
    if pick.title is not None:
        return pick.title
    if not pick.asks:
        reference = parse_reference(typed)
        if reference is not None:  # an id or link the catalog does not know: no guesses from its letters
            return error_reply(text.unknown_reference_text(reference, locale))
        suggestions = bot.engine.suggest(typed, limit=5)
        if not suggestions and typed:
            suggestions = bot.engine.suggest(typed.split()[0][:3], limit=5)
        return error_reply(text.no_match_text(typed, suggestions, locale))
    looser = [c.card for c in pick.looser]
    which = text.which_one_text(typed, len(pick.offered), looser, locale)
    return Reply(content=which, view=which_one(pick.offered))


def which_one_view(
    candidates: Sequence[Candidate],
    button: Callable[[Candidate, str], ui.Item],
    select: Callable[[list[discord.SelectOption], str], ui.Item],
    locale: str = ENGLISH,
) -> discord.ui.View:
    """ "Which one?": one button per candidate (up to five, made by `button` from the candidate and its label),
    else one select of up to 25 (`select`, from the options and the placeholder). Labels tell same-named entries
    apart (`text.distinct_labels`); a ref offered twice is offered once."""
    view = discord.ui.View(timeout=None)
    unique: list[Candidate] = []
    for c in candidates:
        if c.card.ref not in {u.card.ref for u in unique}:
            unique.append(c)
    unique = unique[:MAX_OPTIONS]
    cards = [c.card for c in unique]
    if len(unique) <= MAX_BUTTONS:
        for c, label in zip(unique, text.distinct_labels(cards, text.BUTTON_LABEL, locale), strict=True):
            view.add_item(button(c, label))
    else:
        options = []
        for c, distinct in zip(unique, text.distinct_labels(cards, text.OPTION_TEXT, locale), strict=True):
            label, description = text.candidate_option(c, distinct, locale)
            options.append(discord.SelectOption(label=label, value=c.card.ref, description=description or None))
        view.add_item(select(options, tr(locale, "pick.placeholder")))
    return view


# ---- buttons and selects whose state lives in their custom_id ----------------------------------------------------


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
    data: Mapping[str, Any] = interaction.data or {}
    clicked = (data.get("component_type"), data.get("custom_id"))
    return any((c.type.value, getattr(c, "custom_id", None)) == clicked for c in _walk(message.components))


def chosen_ref(select: ui.Select) -> str | None:
    """The ref a select's option carries ("Which one?", "Not for me"); None for anything else (a forged or emptied
    option)."""
    values = select.values
    return values[0] if values and re.fullmatch(ids.REF, values[0]) else None


class StatefulItem:
    """Shared by every button and select: the author check, then the click handed to `hand_off`.

    Subclasses (with discord.py's `DynamicItem`) implement `hand_off(interaction, copy=...)`: what the click does,
    from what its custom_id carries (`copy`: the clicker gets their own ephemeral copy, see `show`). A custom_id that
    matched a format but no longer decodes sets `outdated`, and the click is answered with the outdated-message
    sentence; so is a click of another component type than the custom_id's format was made for (`component_type`:
    a button's id on a select, a select's id on a button), which would otherwise reach a callback that cannot read
    it. That is why each `from_custom_id` takes the clicked component as any `ui.Item` (discord.py's signature) and a
    select's casts it to the `ui.Select` it is made for: a forged one is never read (`made_for`)."""

    outdated: bool = False
    component_type: ClassVar[discord.ComponentType | None] = None  # what the format is made for; None: any

    def made_for(self, interaction: discord.Interaction) -> bool:
        made = self.component_type
        data: Mapping[str, Any] = interaction.data or {}
        return made is None or data.get("component_type") == made.value

    async def hand_off(self, interaction: discord.Interaction, *, copy: bool) -> None:
        raise NotImplementedError  # pragma: no cover - every subclass defines it

    async def _run(self, interaction: discord.Interaction, *, copy: bool) -> None:
        if self.outdated or not self.made_for(interaction):
            await outdated(interaction, copy=copy)
        else:
            await self.hand_off(interaction, copy=copy)

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


class UnknownComponent(StatefulItem, ui.DynamicItem[ui.Item], template=ids.UNKNOWN_TEMPLATE):
    """Any custom_id in none of the formats (`ids`: an older bot version's, a truncated or hand-edited one).
    discord.py calls every dynamic item whose template matches, so this template excludes the known formats: each
    click reaches exactly one handler, and none is left without an answer. The client registers it; each feature
    registers its own items."""

    outdated = True  # whatever it carried, this bot cannot follow it

    def __init__(self, item: ui.Item) -> None:
        super().__init__(item)

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: ui.Item, match: re.Match[str]):
        return cls(item)
