"""Pure builders for what the bot says: message text and embeds, always within Discord's limits.

No Discord I/O here: every function takes engine values (`TitleCard`, `SimilarPage`, `Filters`) and returns
strings or `discord.Embed` objects, so the wording and the limits are tested without a connection.
Discord's limits (developer docs, "Embed Limits"): title 256, description 4096, 25 fields, field name 256 and
value 1024, footer 2048, author 256, 6000 characters over all the embeds of a message, 10 embeds a message;
message content 2000; choice names 100; button labels 80; select option labels and descriptions 100.
Every fixed text is the catalogue's (`morelike.i18n`), said in `locale` (the interaction's, English by default);
catalog data (titles, synopses, genres, names) is shown as the catalog has it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import discord

from bot.discord_app.translator import command_label, option_label
from morelike.echo import ECHO, shorten
from morelike.engine.filters import FilterSpec, genre_label, specs, values_of
from morelike.engine.resolve import Reference
from morelike.engine.types import Candidate, Filters, SimilarPage, TitleCard
from morelike.i18n import ENGLISH, compact_count, number, or_list, tr, watch_text, why_text
from morelike.settings import DISCORD_MAX_PAGE_SIZE

EMBED_TOTAL = 6000
EMBED_TITLE = 256
FIELD_VALUE = 1024
CONTENT = 2000
CHOICE_NAME = 100
BUTTON_LABEL = 80
OPTION_TEXT = 100
OVERVIEW_IN_LIST = 300  # per result: enough to recognise a title, five of them stay readable
OVERVIEW_ON_CARD = 1500
# One embed per result, one kept for the "Same series" list, in a message of at most 10: the most results one page
# can show, which `[discord] page_size` is validated against when bot.toml is read (morelike.settings).
MAX_RESULTS = DISCORD_MAX_PAGE_SIZE
ACCENT = discord.Colour(0x5865F2)


def kind_label(kind: str, locale: str = ENGLISH) -> str:
    return tr(locale, "kind.show" if kind == "show" else "kind.movie")


def title_label(card: TitleCard) -> str:
    return f"{card.title} ({card.year})" if card.year else card.title


def choice_label(card: TitleCard, limit: int = CHOICE_NAME, locale: str = ENGLISH) -> str:
    """`Title (Year) · Movie`, the title shortened when needed so the whole label fits `limit`."""
    tail = (f" ({card.year})" if card.year else "") + f" · {kind_label(card.kind, locale)}"
    return shorten(card.title, max(1, limit - len(tail))) + tail


def runtime_text(minutes: int | None, locale: str = ENGLISH) -> str | None:
    if not minutes:
        return None
    hours, mins = divmod(int(minutes), 60)
    if not hours:
        return tr(locale, "runtime.minutes", minutes=mins)
    if not mins:
        return tr(locale, "runtime.hours", hours=hours)
    return tr(locale, "runtime.hours_minutes", hours=hours, minutes=f"{mins:02d}")


def votes_text(votes: int, locale: str = ENGLISH) -> str:
    return compact_count(votes, locale)


def rating_text(rating: float | None, votes: int | None, locale: str = ENGLISH) -> str | None:
    if rating is None:
        return None
    shown = number(rating, locale, 1)
    if votes:
        return tr(locale, "rating.votes", rating=shown, votes=votes_text(votes, locale))
    return tr(locale, "rating", rating=shown)


def genres_text(genres: Sequence[str]) -> str | None:
    return ", ".join(genre_label(g).title() for g in genres) or None


def _shown_value(spec: FilterSpec, value: Any, locale: str) -> object:
    if spec.type == "genre":
        return genre_label(value)
    return number(value, locale) if spec.type == "number" else value


def filters_text(f: Filters, locale: str = ENGLISH) -> str:
    """One short line describing active filters ("" when none), in declaration order, each in the words its
    declaration names (`FilterSpec.shown`); a lower bound with its upper one set too is one range."""
    parts: list[str] = []
    said: set[str] = set()  # upper bounds already said in a range
    for spec in specs(type(f)):
        value = getattr(f, spec.field)
        if spec.shown is None or value == spec.empty or spec.field in said:
            continue
        upper = getattr(f, spec.at_most) if spec.at_most else None
        if spec.shown_range is not None and upper is not None:
            parts.append(tr(locale, spec.shown_range, start=value, end=upper))
            said.add(spec.at_most)
            continue
        for one in values_of(spec, value):
            key = spec.shown[one] if isinstance(spec.shown, Mapping) else spec.shown
            parts.append(tr(locale, key, value=_shown_value(spec, one, locale)))
    return " · ".join(parts)


def linked(card: TitleCard, limit: int = 200) -> str:
    """Markdown link to the title's page (plain bold without a URL); markdown in titles is escaped."""
    label = discord.utils.escape_markdown(shorten(title_label(card), limit).replace("[", "(").replace("]", ")"))
    return f"[{label}]({card.url})" if card.url else f"**{label}**"


def facts_line(card: TitleCard, locale: str = ENGLISH) -> str:
    parts = [
        kind_label(card.kind, locale),
        runtime_text(card.runtime, locale),
        rating_text(card.rating, card.votes, locale),
    ]
    genres = genres_text(card.genres[:4])
    if genres:
        parts.append(genres)
    parts.append(tr(locale, "card.anime") if card.anime else None)
    parts.append(watch_text(card.watch, locale))
    return " · ".join(p for p in parts if p)


def embed_length(embed: discord.Embed) -> int:
    """Characters Discord counts toward the 6000 limit (title, description, fields, footer, author)."""
    return len(embed)


def _result_embed(
    rank: int, card: TitleCard, why: str, overview_limit: int, *, compact: bool = False, locale: str = ENGLISH
) -> discord.Embed:
    # `compact`: the fallback when nine results with absurdly long titles and reasons would pass 6000 even with
    # no overview at all; each part then has a share small enough that the page always fits, whole.
    title = shorten(f"{rank}. {title_label(card)}", 120 if compact else EMBED_TITLE)
    facts = shorten(facts_line(card, locale), 150 if compact else 300)
    why_line = f"*{shorten(why, 150 if compact else 300)}*" if why else ""
    overview = shorten(card.overview, overview_limit) if overview_limit > 0 else ""
    description = "\n".join(p for p in (facts, overview, why_line) if p)
    embed = discord.Embed(title=title, url=card.url or None, description=description, colour=ACCENT)
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
        line = f"• {linked(card, 120)} · {kind_label(card.kind, locale)}"
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
        item = shorten(f"{card.title} ({card.year})" if card.year else card.title, 80)
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
        head = tr(locale, "results.more_like", title=linked(page.query))
    else:
        head = tr(locale, "results.matching", text=shorten(searched or "", 200))
    head += " · " + tr(locale, "results.page", page=page.page + 1)
    active = filters_text(filters, locale)
    if active:
        head += "\n" + tr(locale, "results.filters", filters=shorten(active, 400))
    if not page.items:
        head += "\n" + tr(locale, "results.nothing_on_page" if page.page else "results.nothing")
        if filters.active:
            head += " " + tr(locale, "results.widen")
    return shorten(head, CONTENT, keep_lines=True)


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
        total = sum(embed_length(e) for e in embeds)
        if total <= EMBED_TOTAL or compact:
            break
        if limit == 0:
            compact = True  # 9 x (120 + 150 + 152) + the series' 1000 stays under 6000
        else:
            limit = max(0, limit - max(20, (total - EMBED_TOTAL) // max(1, len(items)) + 1))
    return embeds


def title_embed(card: TitleCard, locale: str = ENGLISH) -> discord.Embed:
    """The card of one title (/title)."""
    embed = discord.Embed(
        title=shorten(title_label(card), EMBED_TITLE),
        url=card.url or None,
        description=shorten(card.overview, OVERVIEW_ON_CARD) or tr(locale, "card.no_overview"),
        colour=ACCENT,
    )
    embed.add_field(name=tr(locale, "card.kind"), value=kind_label(card.kind, locale))
    for key, value in (
        ("card.runtime", runtime_text(card.runtime, locale)),
        ("card.rating", rating_text(card.rating, card.votes, locale)),
        ("card.genres", genres_text(card.genres)),
        ("card.directors", ", ".join(card.directors[:5])),
        ("card.cast", ", ".join(card.cast[:8])),
        ("card.original_title", card.original_title if card.original_title != card.title else None),
        ("card.language", card.language),
        ("card.country", card.country),
        ("card.watch", watch_text(card.watch, locale)),
    ):
        if value:  # the cast list is long: a full-width field of its own
            embed.add_field(name=tr(locale, key), value=shorten(value, FIELD_VALUE), inline=key != "card.cast")
    if card.poster and card.poster.startswith(("https://", "http://")):
        embed.set_thumbnail(url=card.poster)
    return embed


DID_YOU_MEAN = 3  # looser matches named under "Which one?": enough to catch "The Heat", few enough to read


def which_one_text(text: str, count: int, looser: Sequence[TitleCard] = (), locale: str = ENGLISH) -> str:
    """ "Which one?" over the same-title entries (the buttons), and the looser matches in one "did you mean"
    line: they are not the title typed ("The Heat" for "Heat"), so they get no button, but they are named."""
    out = tr(locale, "which.one", count=count, text=shorten(text, 200))
    named = [shorten(choice_label(c, locale=locale), 150) for c in looser[:DID_YOU_MEAN]]
    if named:
        out += "\n" + tr(locale, "which.did_you_mean", titles=or_list(named, locale))
    return shorten(out, CONTENT, keep_lines=True)


def _lead(card: TitleCard) -> str | None:
    """The first billed name that reads as a name (scraped cast lists carry stray words like "screenwriter)")."""
    for name in card.cast[:3]:
        if name[:1].isupper() and not any(ch in name for ch in "()[]"):
            return name
    return None


SOURCE_NAMES = {"imdb": "IMDb", "tmdb": "TMDB", "wiki": "Wikipedia", "jw": "JustWatch", "trakt": "Trakt"}


def _facets(card: TitleCard, locale: str) -> list[str | None]:
    """What can tell two entries of one label apart, in the order a person would look: director, lead, runtime,
    then where the entry comes from (the id's prefix: imdb-, tmdb-, wiki-, jw-, trakt-)."""
    director = card.directors[0] if card.directors else None
    lead = _lead(card)
    return [
        tr(locale, "facet.director", name=director) if director else None,
        tr(locale, "facet.lead", name=lead) if lead else None,
        runtime_text(card.runtime, locale),
        SOURCE_NAMES.get(card.id.split("-", 1)[0], None),
    ]


def distinct_labels(cards: Sequence[TitleCard], limit: int, locale: str = ENGLISH) -> list[str]:
    """`choice_label`s, with what tells entries apart added where labels collide: four "Cinderella (2021) ·
    Movie" become "… · 1 h 53 min", "… · 2 h 02 min", "… · with Camila Cabello" and one left bare. A facet is
    added to a group of still-equal labels only when it differs inside that group; each label fits `limit`."""
    n = len(cards)
    bases = [choice_label(c, limit, locale) for c in cards]
    facets = [_facets(c, locale) for c in cards]
    extras: list[list[str]] = [[] for _ in range(n)]

    def groups() -> list[list[int]]:
        out: dict[tuple, list[int]] = defaultdict(list)
        for i in range(n):
            out[(bases[i], *extras[i])].append(i)
        return [members for members in out.values() if len(members) > 1]

    for f in range(len(facets[0]) if n else 0):
        for members in groups():
            if len({facets[i][f] for i in members}) > 1:
                for i in members:
                    if facets[i][f]:
                        extras[i].append(facets[i][f])
    for members in groups():  # true duplicates: nothing in the data tells them apart
        for nth, i in enumerate(members, 1):
            extras[i].append(tr(locale, "facet.entry", number=nth))
    labels = []
    for card, base, extra in zip(cards, bases, extras, strict=True):
        tail = "".join(f" · {e}" for e in extra)
        labels.append(
            base + tail if len(base) + len(tail) <= limit else choice_label(card, limit - len(tail), locale) + tail
        )
    return labels


def candidate_option(candidate: Candidate, label: str | None = None, locale: str = ENGLISH) -> tuple[str, str]:
    """(label, description) of a "Which one?" select option (`label`: one made distinct from its neighbours)."""
    card = candidate.card
    label = label or choice_label(card, OPTION_TEXT, locale)
    extra = [p for p in (runtime_text(card.runtime, locale), genres_text(card.genres[:3])) if p]
    description = shorten(" · ".join(extra) or (card.overview or ""), OPTION_TEXT)
    return label, description


def reference_text(reference: Reference, locale: str = ENGLISH) -> str:
    """How a sentence names an id or link to another site: "the IMDb id tt1670345", "the Trakt movie heat-1995"."""
    if reference.source == "imdb":
        is_id = reference.value.startswith("tt") and reference.value[2:].isdigit()
        return tr(locale, "reference.imdb_id" if is_id else "reference.imdb_page", value=reference.value)
    site = SOURCE_NAMES.get(reference.source, reference.source)
    key = {"movie": "reference.movie", "show": "reference.show"}.get(reference.kind or "", "reference.title")
    return tr(locale, key, site=site, value=reference.value)


def unknown_reference_text(reference: Reference | str, locale: str = ENGLISH) -> str:
    """An id or link that names no title: said plainly, no guesses built from the letters of a URL."""
    named = reference if isinstance(reference, str) else reference_text(reference, locale)
    return tr(locale, "error.unknown_reference", reference=shorten(named, 150))


def unknown_genre_text(genre: str, option: str, locale: str = ENGLISH) -> str:
    return tr(locale, "error.unknown_genre", genre=shorten(genre, ECHO), option=option_label(option, locale))


def no_match_text(text: str, suggestions: Sequence[TitleCard], locale: str = ENGLISH) -> str:
    out = tr(locale, "error.no_match", text=shorten(text, 200))
    if suggestions:
        listed = "\n".join(f"• {shorten(choice_label(c, locale=locale), 150)}" for c in suggestions[:5])
        out += " " + tr(locale, "error.no_match_suggest") + "\n" + listed
        out += "\n" + tr(locale, "error.no_match_pick")
    else:
        out += " " + tr(locale, "error.no_match_spelling")
    return shorten(out, CONTENT, keep_lines=True)


def stale_text(locale: str = ENGLISH) -> str:
    """One sentence for every button or menu the bot can no longer follow: its title left the catalog in a
    rebuild, or it comes from an older version of the bot, or its custom_id was edited by hand."""
    return tr(locale, "error.stale")


STALE_TEXT = stale_text()


def described(value: object, locale: str = ENGLISH) -> str:
    """A value an option arrived with, as a sentence names it ("the number 12345", "a list", "nothing")."""
    if value is None:
        return tr(locale, "value.nothing")
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        shown = number(value, locale) if isinstance(value, float) else str(value)
        return tr(locale, "value.number", number=shown)
    if isinstance(value, str):
        if len(value) > ECHO:
            return tr(locale, "value.long_text", text=shorten(value, ECHO), length=f"{len(value):,}")
        return tr(locale, "value.text", text=shorten(value, ECHO))
    if isinstance(value, list | tuple):
        return tr(locale, "value.list")
    return tr(locale, "value.object" if isinstance(value, dict) else "value.unknown")


def wrong_option_text(command: str, option: str, wants: str, value: object, locale: str = ENGLISH) -> str:
    """An option whose value is not what the command declares (Discord checks types and bounds, but a hand-made
    request can send anything). `command` and `option` are the declared (English) names, said as the user's
    command picker shows them; `wants` is already said in `locale`."""
    return tr(
        locale,
        "error.wrong_option",
        option=option_label(option, locale),
        wants=wants,
        value=described(value, locale),
        command=command_label(command, locale),
    )


def missing_option_text(command: str, option: str, locale: str = ENGLISH) -> str:
    return tr(
        locale, "error.missing_option", command=command_label(command, locale), option=option_label(option, locale)
    )


def garbled_options_text(command: str, locale: str = ENGLISH) -> str:
    return tr(locale, "error.garbled", command=shorten(command_label(command, locale), ECHO))


def cooldown_text(command: str, retry_after: float, locale: str = ENGLISH) -> str:
    return tr(locale, "error.cooldown", command=command_label(command, locale), seconds=max(1, round(retry_after)))


def error_text(locale: str = ENGLISH) -> str:
    """Something failed on the bot's side: what the user is told (the details go to the log)."""
    return tr(locale, "error.internal")


ERROR_TEXT = error_text()


def similar_filters() -> list[str]:
    """What /help lists as /similar's filters: its filter options, in their order (the declaration's)."""
    return [spec.discord.name for spec in specs(Filters) if spec.discord is not None]


def help_embed(page_size: int, locale: str = ENGLISH) -> discord.Embed:
    def usage(command: str, option: str) -> str:
        return f"/{command_label(command, locale)} {option_label(option, locale)}"

    embed = discord.Embed(title=tr(locale, "help.title"), description=tr(locale, "help.description"), colour=ACCENT)
    filters = ", ".join(option_label(name, locale) for name in similar_filters())
    similar = tr(
        locale,
        "help.similar",
        filters=filters,
        page_size=page_size,
        previous=tr(locale, "button.previous"),
        next=tr(locale, "button.next"),
        private=option_label("private", locale),
    )
    embed.add_field(name=usage("similar", "title"), value=similar, inline=False)
    embed.add_field(name=usage("discover", "description"), value=tr(locale, "help.discover"), inline=False)
    embed.add_field(name=usage("title", "title"), value=tr(locale, "help.title_card"), inline=False)
    embed.set_footer(text=tr(locale, "help.footer"))
    return embed
