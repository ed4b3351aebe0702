"""/similar, /discover and "More like this" on a message: titles like one the user picks (or like a description),
as pages of results with filters, paging, refining and "Not for me".

Everything a result page is lives here: the commands, the page's text and embeds, its buttons and selects (state in
their custom_ids, `ids`), and what each click does. A title's card (/title) offers "More like this" through
`SimilarCog.more_like_this_button`; a member's hidden titles are listed by /hidden (cogs/hidden.py).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import discord
from discord import app_commands, ui
from discord.ext import commands

from bot.discord_app import ids, text, widgets
from bot.discord_app.filters import check_genres, filter_options, filters_text, make_filters
from bot.discord_app.translator import command_label, loc, locale_of
from bot.discord_app.widgets import (
    MAX_OPTIONS,
    Refusal,
    Reply,
    StatefulItem,
    answer,
    bot_of,
    chosen_ref,
    error_reply,
    log,
    resolve_card,
    send_error,
    show,
    title_choices,
    trakt_text,
    user_text,
    warming,
    which_one_view,
    with_note,
)
from morelike.engine.resolve import parse_reference
from morelike.engine.types import Candidate, EngineError, Filters, SimilarPage, TitleCard
from morelike.i18n import ENGLISH, tr, why_text
from morelike.settings import DISCORD_MAX_PAGE_SIZE
from morelike.trakt_user import TraktUserError

if TYPE_CHECKING:
    from bot.discord_app.client import MoreLike

Hide = str | None  # the `hide:` typed on /similar for the message clicked (ids.HIDE_CODES); None: the default
OVERVIEW_IN_LIST = 300  # per result: enough to recognise a title, five of them stay readable
# One embed per result, one kept for the "Same series" list, in a message of at most 10: the most results one page
# can show, which `[discord] page_size` is validated against when bot.toml is read (morelike.settings).
MAX_RESULTS = DISCORD_MAX_PAGE_SIZE

# The refine select offers the most relevant genres, not all of them (/similar's genre option reaches every
# genre): a shorter list is easier to scan, and every click re-sends and re-parses the whole select.
MAX_REFINE_OPTIONS = 16
HIDE_CHOICES = tuple(ids.HIDE_CODES)  # /similar hide: watched, watchlist (watched and listed), nothing


# ---- who may use it how often ------------------------------------------------------------------------------------


def _cooldown_for(interaction: discord.Interaction) -> app_commands.Cooldown | None:
    """`[discord] cooldown_rate` uses per `cooldown_per_s` seconds, read from the bot that got the command (so
    each bot follows its own settings); rate 0 turns the cooldown off."""
    settings = bot_of(interaction).config.discord
    if settings.cooldown_rate <= 0:
        return None
    return app_commands.Cooldown(settings.cooldown_rate, settings.cooldown_per_s)


def _cooldown_key(interaction: discord.Interaction) -> tuple[int, int]:
    """Per bot and user. discord.py keeps a decorated command's buckets in the decorator's closure, shared by every
    bot of the process: the bot's `instance_number` keeps them apart (not `id(bot)`, which a later bot can reuse
    once a closed one is garbage-collected, inheriting its buckets)."""
    return bot_of(interaction).instance_number, interaction.user.id


def user_cooldown():
    """App-command check: the per-user cooldown above. Each command decorated with it counts on its own."""
    return app_commands.checks.dynamic_cooldown(_cooldown_for, key=_cooldown_key)


# ---- what a member never wants to see ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Exclusion:
    """What one member's answer leaves out: catalog ids, and the line saying so (None when nothing is said)."""

    ids: frozenset[str] = frozenset()
    note: str | None = None


async def excluded_for(bot: MoreLike, interaction: discord.Interaction, hide: str | None = None) -> Exclusion:
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


# ---- a page of results: its text and embeds ----------------------------------------------------------------------


def _result_embed(
    rank: int, card: TitleCard, why: str, overview_limit: int, *, compact: bool = False, locale: str = ENGLISH
) -> discord.Embed:
    # `compact`: the fallback when nine results with absurdly long titles and reasons would pass 6000 even with
    # no overview at all; each part then has a share small enough that the page always fits, whole.
    title = text.shorten(f"{rank}. {text.title_label(card)}", 120 if compact else text.EMBED_TITLE)
    facts = text.shorten(text.facts_line(card, locale), 150 if compact else 300)
    why_line = f"*{text.shorten(why, 150 if compact else 300)}*" if why else ""
    overview = text.shorten(card.overview, overview_limit) if overview_limit > 0 else ""
    description = "\n".join(p for p in (facts, overview, why_line) if p)
    embed = discord.Embed(title=title, url=card.url or None, description=description, colour=text.ACCENT)
    if card.poster and card.poster.startswith(("https://", "http://")):
        embed.set_thumbnail(url=card.poster)
    return embed


def series_embed(series: Sequence[TitleCard], budget: int = 1000, locale: str = ENGLISH) -> discord.Embed:
    """The query's own series, whole (issue 19: a long franchise is listed, not cut at ten). One linked line per
    title while they fit; a long franchise ("James Bond", 25 films) as one compact line of titles and years; past
    even that, the first ones and how many more."""
    lines: list[str] = []
    used = 0
    for card in series:
        line = f"• {text.linked(card, 120)} · {text.kind_label(card.kind, locale)}"
        if used + len(line) + 1 > budget - 20:
            break
        lines.append(line)
        used += len(line) + 1
    else:
        return discord.Embed(
            title=tr(locale, "series.title"), description="\n".join(lines), colour=discord.Colour.dark_grey()
        )
    compact: list[str] = []
    used = 0
    for card in series:
        item = text.shorten(f"{card.title} ({card.year})" if card.year else card.title, 80)
        if used + len(item) + 3 > budget - 30:
            compact.append(tr(locale, "series.more", count=len(series) - len(compact)))
            break
        compact.append(item)
        used += len(item) + 3
    return discord.Embed(
        title=tr(locale, "series.title_count", count=len(series)),
        description=" · ".join(compact),
        colour=discord.Colour.dark_grey(),
    )


def results_header(page: SimilarPage, filters: Filters, searched: str | None = None, locale: str = ENGLISH) -> str:
    if page.query is not None:
        head = tr(locale, "results.more_like", title=text.linked(page.query))
    else:
        head = tr(locale, "results.matching", text=text.shorten(searched or "", 200))
    head += " · " + tr(locale, "results.page", page=page.page + 1)
    active = filters_text(filters, locale)
    if active:
        head += "\n" + tr(locale, "results.filters", filters=text.shorten(active, 400))
    if not page.items:
        head += "\n" + tr(locale, "results.nothing_on_page" if page.page else "results.nothing")
        if filters.active:
            head += " " + tr(locale, "results.widen")
    return text.shorten(head, text.CONTENT, keep_lines=True)


def results_embeds(
    page: SimilarPage, *, overview_limit: int = OVERVIEW_IN_LIST, locale: str = ENGLISH
) -> list[discord.Embed]:
    """One embed per recommendation (numbered across pages), plus "Same series" on the first page.

    Overviews shrink until the message fits Discord's 6000-character total, so long overviews and long titles
    never make a send fail. Every result of the page is shown: a page holds at most MAX_RESULTS (the page size is
    checked at start), so none is dropped to fit and the next page starts right after this one's last.
    """
    items = page.items
    if len(items) > MAX_RESULTS:
        raise ValueError(f"a result page shows at most {MAX_RESULTS} titles, got {len(items)}")
    series = page.series if page.page == 0 else []
    start = page.page * page.k
    limit = overview_limit
    compact = False
    while True:
        embeds = [
            _result_embed(start + i + 1, r.card, why_text(r.why, locale), limit, compact=compact, locale=locale)
            for i, r in enumerate(items)
        ]
        if series:
            embeds.append(series_embed(series, locale=locale))
        total = sum(text.embed_length(e) for e in embeds)
        if total <= text.EMBED_TOTAL or compact:
            break
        if limit == 0:
            compact = True  # 9 x (120 + 150 + 152) + the series' 1000 stays under 6000
        else:
            limit = max(0, limit - max(20, (total - text.EMBED_TOTAL) // max(1, len(items)) + 1))
    return embeds


# ---- its buttons and selects -------------------------------------------------------------------------------------


def refine_options(
    page: SimilarPage, filters: Filters, all_genres: Sequence[str], locale: str = ENGLISH
) -> list[discord.SelectOption]:
    """Kind switches, then genres: the searched title's first, then those of the results, then the rest."""
    options: list[discord.SelectOption] = []
    for value, key in (("movie", "refine.movies"), ("show", "refine.shows")):
        if filters.kind != value:
            options.append(discord.SelectOption(label=tr(locale, key), value=ids.refine_value("k", value)))
    if filters.kind:
        options.append(discord.SelectOption(label=tr(locale, "refine.both"), value=ids.refine_value("k", "any")))
    if filters.genres:
        options.append(discord.SelectOption(label=tr(locale, "refine.any_genre"), value=ids.refine_value("g", "")))
    skip = {*filters.genres, *filters.exclude_genres}
    ordered: dict[str, None] = {}  # insertion-ordered set
    sources = [page.query.genres if page.query else ()] + [r.card.genres for r in page.items] + [all_genres]
    for genres in sources:
        for g in genres:
            if g not in skip:
                ordered.setdefault(g)
    for g in ordered:
        if len(options) >= MAX_REFINE_OPTIONS:
            break
        if not ids.FILTERS_VALUE.match(g):
            continue  # a genre that cannot be carried in a custom_id is not offered
        label = tr(locale, "refine.genre", genre=text.genres_text((g,)))[:100]
        options.append(discord.SelectOption(label=label, value=ids.refine_value("g", g)))
    return options


def results_view(
    card: TitleCard,
    page: SimilarPage,
    filters: Filters,
    all_genres: Sequence[str],
    locale: str = ENGLISH,
    hide: str | None = None,
) -> discord.ui.View:
    """`hide`: the `hide:` typed on /similar, carried by every component so clicks follow it (None: the default)."""
    view = discord.ui.View(timeout=None)
    previous, following = tr(locale, "button.previous"), tr(locale, "button.next")
    view.add_item(PageButton(card.ref, page.page - 1, filters, label=previous, disabled=page.page == 0, hide=hide))
    view.add_item(PageButton(card.ref, page.page + 1, filters, label=following, disabled=not page.has_more, hide=hide))
    options = refine_options(page, filters, all_genres, locale)
    if options:
        placeholder = tr(locale, "refine.placeholder")
        view.add_item(RefineSelect(card.ref, filters, options, placeholder=placeholder, hide=hide))
    not_for_me = hide_select(card, page, filters, locale, hide)
    if not_for_me is not None:
        view.add_item(not_for_me)
    return view


def hide_select(
    card: TitleCard, page: SimilarPage, filters: Filters, locale: str = ENGLISH, hide: str | None = None
) -> HideSelect | None:
    """ "Not for me": one option per title of the page, numbered as the embeds are. None for an empty page, or
    when the page's state cannot be carried (the same limit the page buttons hit first)."""
    if not page.items:
        return None
    try:
        ids.hide_id(card.ref, page.page, filters, hide)
    except ids.StateError:
        return None
    start = page.page * page.k
    options: dict[str, discord.SelectOption] = {}  # by ref: Discord refuses two options of one value
    for i, r in enumerate(page.items[:MAX_OPTIONS]):
        label = f"{start + i + 1}. " + text.choice_label(r.card, text.OPTION_TEXT - 5, locale)
        options.setdefault(r.card.ref, discord.SelectOption(label=label, value=r.card.ref))
    placeholder = tr(locale, "hide.placeholder")
    return HideSelect(card.ref, page.page, filters, list(options.values()), placeholder=placeholder, hide=hide)


def which_one(
    candidates: Sequence[Candidate], filters: Filters, locale: str = ENGLISH, hide: Hide = None
) -> discord.ui.View:
    """ "Which one?" for /similar: a pick shows that title's results (under the typed `hide:`) in the same message."""
    return which_one_view(
        candidates,
        lambda c, label: PickButton(c.card.ref, filters, label=label, row=0, hide=hide),
        lambda options, placeholder: PickSelect(filters, options, placeholder=placeholder, hide=hide),
        locale,
    )


# ---- computing an answer (sync; `widgets.answer` decides where it runs) ------------------------------------------


def results_reply(
    bot: MoreLike,
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
        content=results_header(result, filters, locale=locale),
        embeds=results_embeds(result, locale=locale),
        view=results_view(card, result, filters, bot.engine.genres(), locale, hide),
    )


def similar_for_ref(
    bot: MoreLike,
    ref: str,
    page: int,
    filters: Filters,
    locale: str = ENGLISH,
    exclude: Collection[str] = (),
    hide: str | None = None,
) -> Reply:
    card = bot.engine.get(ref)
    if card is None:
        return error_reply(text.stale_text(locale))
    return results_reply(bot, card, page, filters, locale, exclude, hide)


def similar_for_text(
    bot: MoreLike,
    typed: str,
    filters: Filters,
    locale: str = ENGLISH,
    exclude: Collection[str] = (),
    hide: str | None = None,
) -> Reply:
    """/similar's answer to what was typed: the title's first page, or "Which one?", or no match."""
    check_genres(bot, filters, locale)
    found = resolve_card(bot, typed, lambda offered: which_one(offered, filters, locale, hide), locale)
    return results_reply(bot, found, 0, filters, locale, exclude, hide) if isinstance(found, TitleCard) else found


def discover_reply(
    bot: MoreLike, description: str, filters: Filters, locale: str = ENGLISH, exclude: Collection[str] = ()
) -> Reply:
    check_genres(bot, filters, locale)
    result = bot.engine.discover(description, filters=filters, k=bot.config.discord.page_size, page=0, exclude=exclude)
    return Reply(
        content=results_header(result, filters, searched=description, locale=locale),
        embeds=results_embeds(result, locale=locale),
    )


# ---- the title a message names (More like this) ------------------------------------------------------------------


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
    for said in texts:
        for token in said.split():
            token = token.strip("<>()[]")
            if parse_reference(token) is not None:
                return token
    for embed in message.embeds:
        if embed.title:
            return _RANK.sub("", embed.title).strip()[:MAX_TEXT] or None
    typed = " ".join((message.content or "").split())
    return typed if 0 < len(typed) <= MAX_TEXT else None


# ---- clicks: each button and select does what it carries ---------------------------------------------------------


def _state(match: re.Match[str]) -> tuple[Filters, Hide, bool]:
    """The filters and the typed `hide:` a custom_id carries, and whether they failed to decode."""
    try:
        return ids.decode_filters(match["filters"]), ids.decode_hide(match["filters"]), False
    except ids.StateError:
        return Filters(), None, True


async def _excluded(interaction: discord.Interaction, hide: Hide) -> frozenset[str] | None:
    """What the clicker's pages leave out: the `hide:` typed on the clicked message's /similar, else their default
    for what they watched; None when that cannot be known, the reason already said to them."""
    try:
        return (await excluded_for(bot_of(interaction), interaction, hide)).ids
    except Refusal as exc:
        await send_error(interaction, str(exc))
        return None


async def show_results(
    interaction: discord.Interaction,
    ref: str,
    page: int,
    filters: Filters,
    *,
    copy: bool,
    hide: Hide = None,
    note: str | None = None,
) -> None:
    """What a click on a result page or a "Which one?" shows: that page of the title's results, for the clicker
    (`widgets.show`: in place, or their own copy), with `note` under the header."""
    locale = locale_of(interaction)
    exclude = await _excluded(interaction, hide)
    if exclude is None:
        return
    bot = bot_of(interaction)
    await show(
        interaction,
        lambda: with_note(similar_for_ref(bot, ref, page, filters, locale, exclude, hide), note),
        copy=copy,
    )


class PageButton(StatefulItem, ui.DynamicItem[ui.Button], template=ids.SIMILAR_TEMPLATE):
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
    async def from_custom_id(cls, interaction: discord.Interaction, item: ui.Item[Any], match: re.Match[str]):
        filters, hide, outdated = _state(match)
        obj = cls(match["ref"], int(match["page"]), filters, label=getattr(item, "label", None) or "Page", hide=hide)
        obj.outdated = outdated
        return obj

    async def hand_off(self, interaction: discord.Interaction, *, copy: bool) -> None:
        await show_results(interaction, self.ref, self.page, self.filters, copy=copy, hide=self.hide)


class RefineSelect(StatefulItem, ui.DynamicItem[ui.Select], template=ids.REFINE_TEMPLATE):
    """Narrow (or widen) a result list by kind or genre: the first page under the filters the option picked makes."""

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
    async def from_custom_id(cls, interaction: discord.Interaction, item: ui.Item[Any], match: re.Match[str]):
        filters, hide, outdated = _state(match)
        obj = cls(match["ref"], filters, select=cast(ui.Select, item), hide=hide)
        obj.outdated = outdated
        return obj

    async def hand_off(self, interaction: discord.Interaction, *, copy: bool) -> None:
        values = self.item.values
        if not values:
            await widgets.outdated(interaction, copy=copy)
            return
        locale = locale_of(interaction)
        exclude = await _excluded(interaction, self.hide)
        if exclude is None:
            return
        bot = bot_of(interaction)

        def compute() -> Reply:
            try:
                refined = ids.apply_refine(self.filters, values[0])
            except ValueError:  # StateError and FilterError included: an option this bot never offered
                return error_reply(text.stale_text(locale))
            return similar_for_ref(bot, self.ref, 0, refined, locale, exclude, self.hide)

        await show(interaction, compute, copy=copy)


class PickButton(StatefulItem, ui.DynamicItem[ui.Button], template=ids.PICK_TEMPLATE):
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
    async def from_custom_id(cls, interaction: discord.Interaction, item: ui.Item[Any], match: re.Match[str]):
        filters, hide, outdated = _state(match)
        obj = cls(match["ref"], filters, label=getattr(item, "label", None) or "Pick", hide=hide)
        obj.outdated = outdated
        return obj

    async def hand_off(self, interaction: discord.Interaction, *, copy: bool) -> None:
        await show_results(interaction, self.ref, 0, self.filters, copy=copy, hide=self.hide)


class PickSelect(StatefulItem, ui.DynamicItem[ui.Select], template=ids.PICK_SELECT_TEMPLATE):
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
    async def from_custom_id(cls, interaction: discord.Interaction, item: ui.Item[Any], match: re.Match[str]):
        filters, hide, outdated = _state(match)
        obj = cls(filters, select=cast(ui.Select, item), hide=hide)
        obj.outdated = outdated
        return obj

    async def hand_off(self, interaction: discord.Interaction, *, copy: bool) -> None:
        ref = chosen_ref(self.item)
        if ref is None:
            await widgets.outdated(interaction, copy=copy)
        else:
            await show_results(interaction, ref, 0, self.filters, copy=copy, hide=self.hide)


class HideSelect(StatefulItem, ui.DynamicItem[ui.Select], template=ids.HIDE_TEMPLATE):
    """ "Not for me": the page's titles as options (values are refs). The one picked is hidden for the clicker (by
    its catalog id, so it outlives rebuilds), then the page they were on is shown again without it; a title a
    rebuild removed gets the outdated-message sentence."""

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
    async def from_custom_id(cls, interaction: discord.Interaction, item: ui.Item[Any], match: re.Match[str]):
        filters, hide, outdated = _state(match)
        obj = cls(match["ref"], int(match["page"]), filters, select=cast(ui.Select, item), hide=hide)
        obj.outdated = outdated
        return obj

    async def hand_off(self, interaction: discord.Interaction, *, copy: bool) -> None:
        hidden = chosen_ref(self.item)
        card = bot_of(interaction).engine.get(hidden) if hidden is not None else None
        if card is None:
            await widgets.outdated(interaction, copy=copy)
            return
        locale = locale_of(interaction)
        try:
            await bot_of(interaction).members.hide(interaction.user.id, card.id, text.title_label(card))
        except Exception as exc:  # the store cannot be written: say so, change nothing
            log.warning("event=hide_failed error=%r", exc)
            await send_error(interaction, text.error_text(locale))
            return
        note = tr(locale, "hide.done", title=text.shorten(text.title_label(card), 200))
        await show_results(interaction, self.ref, self.page, self.filters, copy=copy, hide=self.hide, note=note)


# What this feature answers clicks on (registered when the cog loads: `SimilarCog.cog_load`).
ITEMS = (PageButton, RefineSelect, PickButton, PickSelect, HideSelect)


def more_like_this_button(card: TitleCard, locale: str = ENGLISH) -> PickButton:
    """Under a title card (/title): "More like this" opens the title's results in the same message."""
    label = tr(locale, "button.more_like_this")
    return PickButton(card.ref, Filters(), label=label, style=discord.ButtonStyle.secondary)


# ---- the commands ------------------------------------------------------------------------------------------------


class SimilarCog(commands.Cog):
    def __init__(self, bot: MoreLike) -> None:
        self.bot = bot
        # A context menu cannot be declared inside a cog class (discord.py): made here, added on load.
        self.menu = app_commands.ContextMenu(name=loc("command.more_like_this.name"), callback=self.more_like_this)

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.menu)
        self.bot.add_dynamic_items(*ITEMS)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.menu.name, type=self.menu.type)
        self.bot.remove_dynamic_items(*ITEMS)

    def more_like_this_button(self, card: TitleCard, locale: str = ENGLISH) -> ui.Item:
        """What /title puts under a card (it reaches this cog through `bot.get_cog`, not an import)."""
        return more_like_this_button(card, locale)

    @app_commands.command(name=loc("command.similar.name"), description=loc("command.similar.description"))
    @filter_options("similar")
    @app_commands.describe(
        title=loc("option.title.description"),
        private=loc("option.private.description"),
        hide=loc("option.hide.description"),
    )
    @app_commands.choices(hide=[app_commands.Choice(name=loc(f"choice.{mode}"), value=mode) for mode in HIDE_CHOICES])
    @user_cooldown()
    async def similar(
        self,
        interaction: discord.Interaction,
        title: app_commands.Range[str, 1, 200],
        private: bool = False,
        hide: str | None = None,
        **filter_values: Any,  # the declared filters' options (`filter_options`), by option name
    ) -> None:
        locale = locale_of(interaction)
        bot = self.bot
        try:
            filters = make_filters(filter_values, locale=locale)
            # the member's "not for me" titles, and what they watched on Trakt when asked
            excluded = await excluded_for(bot, interaction, hide)
        except EngineError as exc:
            await send_error(interaction, user_text(exc, locale))
            return
        await answer(
            interaction,
            lambda: with_note(similar_for_text(bot, title, filters, locale, excluded.ids, hide), excluded.note),
            ephemeral=private,
            slow=warming(bot),
        )

    @similar.autocomplete("title")
    async def title_autocomplete(self, interaction: discord.Interaction, current: str):
        return title_choices(self.bot, current, locale_of(interaction))

    @app_commands.command(name=loc("command.discover.name"), description=loc("command.discover.description"))
    @filter_options("discover")
    @app_commands.describe(description=loc("option.description.description"), private=loc("option.private.description"))
    @user_cooldown()
    async def discover(
        self,
        interaction: discord.Interaction,
        description: app_commands.Range[str, 3, 300],
        private: bool = False,
        **filter_values: Any,  # the declared filters' options (`filter_options`), by option name
    ) -> None:
        locale = locale_of(interaction)
        bot = self.bot
        try:
            filters = make_filters(filter_values, locale=locale)
            # the member's "not for me" titles, and what they watched when that is their default
            exclude = (await excluded_for(bot, interaction)).ids
        except EngineError as exc:
            await send_error(interaction, user_text(exc, locale))
            return
        # The model may have to load first (seconds): always defer, then edit.
        await answer(
            interaction,
            lambda: discover_reply(bot, description, filters, locale, exclude),
            ephemeral=private,
            slow=True,
        )

    async def more_like_this(self, interaction: discord.Interaction, message: discord.Message) -> None:
        """ "More like this" on any message (a message context menu): the title the message names, answered
        privately the way /similar answers it, "Which one?" included (`title_in_message` says where it comes from)."""
        locale = locale_of(interaction)
        named = title_in_message(message, self.bot.user.id if self.bot.user else None)
        if named is None:
            command = command_label("similar", locale)
            await send_error(interaction, tr(locale, "error.no_title_in_message", command=command))
            return
        bot = self.bot
        try:  # the member's "not for me" titles, and what they watched when that is their default, as /similar
            exclude = (await excluded_for(bot, interaction)).ids
        except EngineError as exc:  # a Trakt link that cannot be used: its sentence
            await send_error(interaction, user_text(exc, locale))
            return
        await answer(
            interaction,
            lambda: similar_for_text(bot, text.shorten(named, MAX_TEXT), Filters(), locale, exclude),
            ephemeral=True,
            slow=warming(bot),
        )


async def setup(bot: MoreLike) -> None:
    await bot.add_cog(SimilarCog(bot))
