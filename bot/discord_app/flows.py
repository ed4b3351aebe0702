"""What a command or a click does: compute a `Reply` from the engine, then deliver it within Discord's rules.

Computing is synchronous (the engine is). Lookups and similar searches take milliseconds and are answered
directly; free-text work (the model may have to load, seconds) is deferred first, run off the event loop, then
edited in, so Discord's 3-second first-response deadline always holds. Errors are always ephemeral, whatever the
command's `private` setting. Every answer is said in the locale of the interaction it answers (`locale_of`): a
click is answered in the clicker's.

The cogs call the functions here; the buttons and selects (`components`) hand each click to the bot's `Flows`
(`bot.flows`), one method per action, so they need not import this module (it imports them, through `layouts`).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

import discord
from discord import app_commands

from bot.discord_app import embeds, ids, layouts
from bot.discord_app.translator import locale_of, option_label
from morelike import i18n
from morelike.engine.filters import genre_label, genre_slug, specs, unknown_genre
from morelike.engine.resolve import parse_reference
from morelike.engine.types import EngineError, FilterError, Filters, TitleCard
from morelike.i18n import ENGLISH, tr
from morelike.trakt_user import TraktUserError

log = logging.getLogger("bot.discord_app")

MAX_ID_IN_CHOICE = 100
# Discord's option names for the engine's fields: what people typed, so what error messages must say (the filters'
# from their declaration, `DiscordOption.name`).
OPTION_NAMES = {spec.field: spec.discord.name for spec in specs(Filters) if spec.discord is not None} | {
    "q": "description"
}
# Discord error codes that mean "this interaction was already answered, or is gone": nothing left to tell anyone.
ALREADY_ANSWERED, UNKNOWN_INTERACTION = 40060, 10062


def warming(bot) -> bool:
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
        return embeds.shorten(str(exc), 500)
    if isinstance(exc, ids.StateError) and exc.said is not None:  # what a person asked for cannot be carried
        params = {name: str(value) for name, value in exc.said.params.items()}
        if "option" in params:
            params["option"] = option_label(params["option"], locale)
        return embeds.shorten(tr(locale, exc.said.key, **params), 500)
    if isinstance(exc, FilterError) and exc.field == "page":
        return tr(locale, "error.page_too_far")
    if locale != ENGLISH:
        if isinstance(exc, FilterError):
            option = OPTION_NAMES.get(exc.field, exc.field)
            return tr(locale, "error.bad_filter", option=option_label(option, locale))
        log.info("event=engine_refused locale=%s reason=%r", locale, str(exc)[:200])
        return tr(locale, "error.unavailable")
    text = str(exc)
    if isinstance(exc, FilterError):
        for engine_name, option in OPTION_NAMES.items():
            text = re.sub(rf"\b{engine_name}\b", option, text)
    return embeds.shorten(text, 500)


@dataclass
class Reply:
    content: str | None = None
    embeds: list[discord.Embed] = field(default_factory=list)
    view: discord.ui.View | None = None
    error: bool = False  # errors are always ephemeral


def error_reply(text: str) -> Reply:
    return Reply(content=text, error=True)


# ---- computing (sync; `answer` decides where it runs) ---------------------------------------------------------


def results_reply(
    bot,
    card: TitleCard,
    page: int,
    filters: Filters,
    locale: str = ENGLISH,
    exclude: Collection[str] = (),
    hide: str | None = None,
) -> Reply:
    """`exclude`: the catalog ids this member never wants to see (`excluded_for`); `hide`: the `hide:` they typed,
    carried in the page's components so its clicks leave out the same (None: their default)."""
    # No franchise/boost here: the engine applies bot.toml's `[engine]` ones, as for the other faces.
    result = bot.engine.similar(card.id, filters=filters, k=bot.config.discord.page_size, page=page, exclude=exclude)
    return Reply(
        content=embeds.results_header(result, filters, locale=locale),
        embeds=embeds.results_embeds(result, locale=locale),
        view=layouts.results_view(card, result, filters, bot.engine.genres(), locale, hide),
    )


def similar_for_ref(
    bot,
    ref: str,
    page: int,
    filters: Filters,
    locale: str = ENGLISH,
    exclude: Collection[str] = (),
    hide: str | None = None,
) -> Reply:
    card = bot.engine.get(ref)
    if card is None:
        return error_reply(embeds.stale_text(locale))
    return results_reply(bot, card, page, filters, locale, exclude, hide)


def check_genres(bot, filters: Filters, locale: str = ENGLISH) -> None:
    """A genre the served build lacks, refused naming the option it came in (the engine's sentence would name its
    own field, in English)."""
    known = set(bot.engine.genres())
    for spec in specs(type(filters)):
        if spec.type == "genre":
            unknown = unknown_genre(getattr(filters, spec.field), known)
            if unknown is not None:
                option = spec.discord.name if spec.discord is not None else spec.name
                raise Refusal(embeds.unknown_genre_text(unknown, option, locale))


def resolve_card(
    bot, text: str, filters: Filters, *, cards: bool = False, locale: str = ENGLISH, hide: str | None = None
) -> tuple[TitleCard | None, Reply | None]:
    """The title the user meant, or the reply to send instead: "Which one?", or no match with suggestions."""
    text = text.strip()
    card = bot.engine.get(text)  # a choice picked from autocomplete carries the id (or the ref of a long id)
    if card is not None:
        return card, None
    # The engine decides (`Resolution.pick`): the title, or "Which one?" over the entries of exactly that title
    # ("Heat" 1972, 1986, 1995) as buttons, the looser matches ("The Heat", "Red Heat") named in one line.
    pick = bot.engine.resolve(text, limit=25).pick()
    if pick.title is not None:
        return pick.title, None
    if not pick.asks:
        reference = parse_reference(text)
        if reference is not None:  # an id or link the catalog does not know: no guesses from its letters
            return None, error_reply(embeds.unknown_reference_text(reference, locale))
        suggestions = bot.engine.suggest(text, limit=5)
        if not suggestions and text:
            suggestions = bot.engine.suggest(text.split()[0][:3], limit=5)
        return None, error_reply(embeds.no_match_text(text, suggestions, locale))
    view = layouts.pick_view(pick.offered, filters, cards=cards, locale=locale, hide=hide)
    looser = [c.card for c in pick.looser]
    return None, Reply(content=embeds.which_one_text(text, len(pick.offered), looser, locale), view=view)


def similar_for_text(
    bot, text: str, filters: Filters, locale: str = ENGLISH, exclude: Collection[str] = (), hide: str | None = None
) -> Reply:
    check_genres(bot, filters, locale)
    card, reply = resolve_card(bot, text, filters, locale=locale, hide=hide)
    return results_reply(bot, card, 0, filters, locale, exclude, hide) if card is not None else reply


def card_reply(card: TitleCard, locale: str = ENGLISH) -> Reply:
    return Reply(content="", embeds=[embeds.title_embed(card, locale)], view=layouts.card_view(card, locale))


def title_card_reply(bot, text: str, locale: str = ENGLISH) -> Reply:
    card, reply = resolve_card(bot, text, Filters(), cards=True, locale=locale)
    return card_reply(card, locale) if card is not None else reply


def card_for_ref(bot, ref: str, locale: str = ENGLISH) -> Reply:
    card = bot.engine.get(ref)
    return card_reply(card, locale) if card is not None else error_reply(embeds.stale_text(locale))


def discover_reply(
    bot, description: str, filters: Filters, locale: str = ENGLISH, exclude: Collection[str] = ()
) -> Reply:
    check_genres(bot, filters, locale)
    result = bot.engine.discover(description, filters=filters, k=bot.config.discord.page_size, page=0, exclude=exclude)
    return Reply(
        content=embeds.results_header(result, filters, searched=description, locale=locale),
        embeds=embeds.results_embeds(result, locale=locale),
    )


def title_choices(bot, current: str, locale: str = ENGLISH) -> list[app_commands.Choice[str]]:
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
    for card, label in zip(cards, embeds.distinct_labels(cards, embeds.CHOICE_NAME, locale), strict=True):
        value = card.id if len(card.id) <= MAX_ID_IN_CHOICE else card.ref
        out.append(app_commands.Choice(name=label, value=value))
    return out


def genre_choices(genres: list[str], current: str) -> list[app_commands.Choice[str]]:
    needle = genre_slug(current)
    hits = [g for g in genres if g.startswith(needle)] + [g for g in genres if needle in g and not g.startswith(needle)]
    return [app_commands.Choice(name=genre_label(g).title(), value=g) for g in hits[:25]]


# ---- what a member asked never to see ------------------------------------------------------------------------


HIDE_CHOICES = tuple(ids.HIDE_CODES)  # /similar hide: watched, watchlist (watched and listed), nothing


@dataclass(frozen=True)
class Exclusion:
    """What one member's answer leaves out: catalog ids, and the line saying so (None when nothing is said)."""

    ids: frozenset[str] = frozenset()
    note: str | None = None


async def excluded_for(bot, interaction: discord.Interaction, hide: str | None = None) -> Exclusion:
    """What the member behind `interaction` never wants to see: the titles they hid ("Not for me") and, when `hide`
    asks for it (or, without `hide`, when their default says so), what they watched on Trakt. A member store that
    cannot be read leaves nothing out rather than failing the answer (logged); a Trakt link that cannot be used is
    a `Refusal` with its sentence (revoked, expired, not linked)."""
    member = interaction.user.id
    try:
        hidden = await bot.members.hidden_ids(member)
        if hide is None:
            hide = "watched" if await bot.members.hide_watched(member) else "nothing"
    except Exception as exc:  # sqlite errors of any kind: the answer is still worth giving
        log.warning("event=members_unreadable error=%r", exc)
        return Exclusion()
    if hide == "nothing":
        return Exclusion(hidden)
    locale = locale_of(interaction)
    links = getattr(bot, "trakt_links", None)
    if links is None:
        raise Refusal(tr(locale, "link.not_configured"))
    try:
        watched = await links.watched(member, watchlist=hide == "watchlist")
    except TraktUserError as exc:
        log.info("event=trakt_history_refused member_link=%s", exc.reason)  # the reason only: never a token
        raise Refusal(trakt_text(exc, locale)) from None
    if watched is None:
        raise Refusal(tr(locale, "link.not_linked"))
    known = watched.in_catalog(bot.engine.get)
    note = tr(locale, "link.hidden_count", count=len(known)) if known else tr(locale, "link.hidden_none")
    return Exclusion(hidden | known, note)


def trakt_text(exc: TraktUserError, locale: str) -> str:
    """A Trakt failure as one sentence in the member's language (the catalogue's `trakt.error.<reason>`)."""
    key = f"link.error.{exc.reason}"
    return tr(locale, key) if i18n.has(key) else tr(locale, "link.error.unavailable")


def with_note(reply: Reply, note: str | None) -> Reply:
    """The reply with one more line under its header (what a click just did, what was left out)."""
    if reply.error or not note:
        return reply
    return Reply(_fit(f"{reply.content or ''}\n{note}"), reply.embeds, reply.view)


# ---- delivering (async, on the loop) -------------------------------------------------------------------------


def _fit(text: str | None) -> str | None:
    """Message content within Discord's 2000 characters, whatever was echoed into it."""
    return None if text is None else embeds.shorten(text, embeds.CONTENT, keep_lines=True)


async def send_error(interaction: discord.Interaction, text: str) -> None:
    """An ephemeral message, whatever state the interaction is in."""
    text = _fit(text) or embeds.error_text(locale_of(interaction))
    if not interaction.response.is_done():
        await interaction.response.send_message(text, ephemeral=True)
    else:
        await interaction.followup.send(text, ephemeral=True)


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
            reply = error_reply(embeds.error_text(locale_of(interaction)))
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
        await send_error(interaction, content or embeds.error_text(locale_of(interaction)))
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


# ---- clicks (what `components` hand off to) ------------------------------------------------------------------


class Flows:
    """What each click does, one method per action: the `components.ClickFlows` the buttons and selects call.

    The bot owns one (`bot.flows`), reached from a click as `interaction.client.flows`. A click answers in place:
    the clicked message is edited; with `copy` (someone else's public message) the clicker gets what the click
    shows as a new ephemeral message instead. Stale refs, states that no longer decode and custom_ids in no known
    format all get the one outdated-message sentence, ephemeral."""

    def __init__(self, bot) -> None:
        self.bot = bot

    async def _excluded(self, interaction: discord.Interaction, hide: str | None) -> frozenset[str] | None:
        """What this member's pages leave out: the `hide:` typed on the clicked message's /similar, else their
        default for what they watched; None when that cannot be known, the reason already said to them."""
        try:
            return (await excluded_for(self.bot, interaction, hide)).ids
        except Refusal as exc:
            await send_error(interaction, str(exc))
            return None

    async def _show(self, interaction: discord.Interaction, compute: Callable[[], Reply], *, copy: bool) -> None:
        await answer(interaction, compute, update=not copy, ephemeral=copy)

    async def page(
        self,
        interaction: discord.Interaction,
        ref: str,
        page: int,
        filters: Filters,
        *,
        copy: bool,
        hide: str | None = None,
    ) -> None:
        """Previous / Next: that page of the title's results."""
        locale = locale_of(interaction)
        exclude = await self._excluded(interaction, hide)
        if exclude is None:
            return
        await self._show(
            interaction, lambda: similar_for_ref(self.bot, ref, page, filters, locale, exclude, hide), copy=copy
        )

    async def refine(
        self,
        interaction: discord.Interaction,
        ref: str,
        filters: Filters,
        option: str,
        *,
        copy: bool,
        hide: str | None = None,
    ) -> None:
        """A refine option picked: the first page of the results under the filters that option makes."""
        locale = locale_of(interaction)
        exclude = await self._excluded(interaction, hide)
        if exclude is None:
            return

        def compute() -> Reply:
            try:
                refined = ids.apply_refine(filters, option)
            except ValueError:  # StateError and FilterError included: an option this bot never offered
                return error_reply(embeds.stale_text(locale))
            return similar_for_ref(self.bot, ref, 0, refined, locale, exclude, hide)

        await self._show(interaction, compute, copy=copy)

    async def pick(
        self, interaction: discord.Interaction, ref: str, filters: Filters, *, copy: bool, hide: str | None = None
    ) -> None:
        """A "Which one?" candidate, or "More like this" under a card: the first page of that title's results."""
        locale = locale_of(interaction)
        exclude = await self._excluded(interaction, hide)
        if exclude is None:
            return
        await self._show(
            interaction, lambda: similar_for_ref(self.bot, ref, 0, filters, locale, exclude, hide), copy=copy
        )

    async def card(self, interaction: discord.Interaction, ref: str, *, copy: bool) -> None:
        """A /title "Which one?" candidate: that title's card."""
        locale = locale_of(interaction)
        await self._show(interaction, lambda: card_for_ref(self.bot, ref, locale), copy=copy)

    async def outdated(self, interaction: discord.Interaction, *, copy: bool) -> None:
        """A click this bot can no longer follow: the outdated-message sentence, ephemeral."""
        text = embeds.stale_text(locale_of(interaction))
        await self._show(interaction, lambda: error_reply(text), copy=copy)

    async def hide(
        self,
        interaction: discord.Interaction,
        ref: str,
        page: int,
        filters: Filters,
        hidden_ref: str,
        *,
        copy: bool,
        hide: str | None = None,
    ) -> None:
        """ "Not for me": hide the picked title for the clicker (by its catalog id, so it outlives rebuilds), then
        show the page they were on without it; a title a rebuild removed gets the outdated-message sentence."""
        locale = locale_of(interaction)
        card = self.bot.engine.get(hidden_ref)
        if card is None:
            await self.outdated(interaction, copy=copy)
            return
        try:
            await self.bot.members.hide(interaction.user.id, card.id, embeds.title_label(card))
        except Exception as exc:  # the store cannot be written: say so, change nothing
            log.warning("event=hide_failed error=%r", exc)
            await send_error(interaction, embeds.error_text(locale))
            return
        exclude = await self._excluded(interaction, hide)
        if exclude is None:
            return
        note = tr(locale, "hide.done", title=embeds.shorten(embeds.title_label(card), 200))

        def compute() -> Reply:
            return with_note(similar_for_ref(self.bot, ref, page, filters, locale, exclude, hide), note)

        await self._show(interaction, compute, copy=copy)

    async def hidden_page(self, interaction: discord.Interaction, page: int) -> None:
        """/hidden's Previous / Next: that page of the clicker's own list."""
        await show_hidden(self.bot, interaction, page, update=True)

    async def restore(self, interaction: discord.Interaction, page: int, entry: int) -> None:
        """/hidden's restore menu: un-hide one of the clicker's titles, then show their list again."""
        locale = locale_of(interaction)
        restored = await self.bot.members.restore(interaction.user.id, entry)
        note = (
            tr(locale, "hidden.restored", title=embeds.shorten(restored.label, 200))
            if restored is not None
            else embeds.stale_text(locale)  # not theirs, or restored already from another copy of the list
        )
        await show_hidden(self.bot, interaction, page, update=True, note=note)


async def show_hidden(
    bot, interaction: discord.Interaction, page: int, *, update: bool, note: str | None = None
) -> None:
    """A member's hidden titles, one page (`layouts.HIDDEN_PAGE_SIZE`), always ephemeral: nobody else sees them."""
    locale = locale_of(interaction)
    member = interaction.user.id
    size = layouts.HIDDEN_PAGE_SIZE
    entries, total = await bot.members.hidden_page(member, page, size)
    if not entries and total:  # past the end (titles restored meanwhile): the last page
        page = (total - 1) // size
        entries, total = await bot.members.hidden_page(member, page, size)
    content, embeds_, view = layouts.hidden_list(entries, page, total, locale)
    if note:
        content = f"{note}\n{content}"
    await answer(interaction, lambda: Reply(content, embeds_, view), update=update, ephemeral=True)
