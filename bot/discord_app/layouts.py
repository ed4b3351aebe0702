"""Pure builders for the component layouts (which buttons and selects a message carries).

They build `discord.ui.View` objects from engine values without any I/O; the limits (5 rows, 5 buttons a row,
25 select options, 100-character custom_ids, 80-character labels) hold by construction and are tested through
`view.to_components()`.
"""

from __future__ import annotations

from collections.abc import Sequence

import discord

from bot.discord_app import embeds, ids
from bot.discord_app.components import (
    CardButton,
    CardSelect,
    HiddenPageButton,
    HideSelect,
    PageButton,
    PickButton,
    PickSelect,
    RefineSelect,
    RestoreSelect,
)
from morelike.engine.filters import genre_label
from morelike.engine.types import Candidate, Filters, SimilarPage, TitleCard
from morelike.i18n import ENGLISH, tr
from morelike.members import HiddenTitle

MAX_BUTTONS = 5
MAX_OPTIONS = 25  # Discord's limit for a select


# The refine select offers the most relevant genres, not all of them (/similar's genre option reaches every
# genre): a shorter list is easier to scan, and every click re-sends and re-parses the whole select.
MAX_REFINE_OPTIONS = 16


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
        label = tr(locale, "refine.genre", genre=genre_label(g).title())[:100]
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
        label = f"{start + i + 1}. " + embeds.choice_label(r.card, embeds.OPTION_TEXT - 5, locale)
        options.setdefault(r.card.ref, discord.SelectOption(label=label, value=r.card.ref))
    placeholder = tr(locale, "hide.placeholder")
    return HideSelect(card.ref, page.page, filters, list(options.values()), placeholder=placeholder, hide=hide)


HIDDEN_PAGE_SIZE = MAX_OPTIONS  # /hidden lists as many titles a page as its restore menu can offer


def hidden_list(
    entries: Sequence[HiddenTitle], page: int, total: int, locale: str = ENGLISH
) -> tuple[str, list[discord.Embed], discord.ui.View | None]:
    """/hidden: (content, embeds, view) for one page of a member's hidden titles, with a restore menu and, past
    one page, Previous / Next."""
    if total == 0:
        return tr(locale, "hidden.none"), [], None
    pages = max(1, -(-total // HIDDEN_PAGE_SIZE))
    lines = [f"{page * HIDDEN_PAGE_SIZE + i + 1}. {embeds.shorten(e.label, 150)}" for i, e in enumerate(entries)]
    embed = discord.Embed(
        title=tr(locale, "hidden.title", count=total),
        description=embeds.shorten("\n".join(lines), 4000, keep_lines=True) or None,
        colour=embeds.ACCENT,
    )
    embed.set_footer(text=tr(locale, "hidden.footer", page=page + 1, pages=pages))
    view = discord.ui.View(timeout=None)
    if entries:
        options = [
            discord.SelectOption(
                label=embeds.shorten(f"{page * HIDDEN_PAGE_SIZE + i + 1}. {e.label}", embeds.OPTION_TEXT),
                value=str(e.entry),
            )
            for i, e in enumerate(entries[:MAX_OPTIONS])
        ]
        view.add_item(RestoreSelect(page, options, placeholder=tr(locale, "hidden.restore_placeholder")))
    if pages > 1:
        view.add_item(HiddenPageButton(page - 1, label=tr(locale, "button.previous"), disabled=page == 0))
        view.add_item(HiddenPageButton(page + 1, label=tr(locale, "button.next"), disabled=page + 1 >= pages))
    return tr(locale, "hidden.intro"), [embed], view


def pick_view(
    candidates: Sequence[Candidate],
    filters: Filters,
    *,
    cards: bool = False,
    locale: str = ENGLISH,
    hide: str | None = None,
) -> discord.ui.View:
    """One button per candidate (up to five), else one select of up to 25. A pick shows that title's results
    (under the typed `hide:`), or (`cards`, for /title) its card, in the same message."""
    view = discord.ui.View(timeout=None)
    unique: list[Candidate] = []
    for c in candidates:
        if c.card.ref not in {u.card.ref for u in unique}:
            unique.append(c)
    unique = unique[:MAX_OPTIONS]
    cards_ = [c.card for c in unique]
    if len(unique) <= MAX_BUTTONS:
        for c, label in zip(unique, embeds.distinct_labels(cards_, embeds.BUTTON_LABEL, locale), strict=True):
            view.add_item(
                CardButton(c.card.ref, label=label, row=0)
                if cards
                else PickButton(c.card.ref, filters, label=label, row=0, hide=hide)
            )
    else:
        options = []
        for c, distinct in zip(unique, embeds.distinct_labels(cards_, embeds.OPTION_TEXT, locale), strict=True):
            label, description = embeds.candidate_option(c, distinct, locale)
            options.append(discord.SelectOption(label=label, value=c.card.ref, description=description or None))
        placeholder = tr(locale, "pick.placeholder")
        view.add_item(
            CardSelect(options, placeholder=placeholder)
            if cards
            else PickSelect(filters, options, placeholder=placeholder, hide=hide)
        )
    return view


def card_view(card: TitleCard, locale: str = ENGLISH) -> discord.ui.View:
    """Under a title card: "More like this" (opens the results in the same message)."""
    view = discord.ui.View(timeout=None)
    label = tr(locale, "button.more_like_this")
    view.add_item(PickButton(card.ref, Filters(), label=label, style=discord.ButtonStyle.secondary))
    return view
