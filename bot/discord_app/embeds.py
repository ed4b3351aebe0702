"""Pure builders for what the bot says: message text and embeds, always within Discord's limits.

No Discord I/O here: every function takes engine values (`TitleCard`, `SimilarPage`, `Filters`) and returns
strings or `discord.Embed` objects, so the wording and the limits are tested without a connection.
Discord's limits (developer docs, "Embed Limits"): title 256, description 4096, 25 fields, field name 256 and
value 1024, footer 2048, author 256, 6000 characters over all the embeds of a message, 10 embeds a message;
message content 2000; choice names 100; button labels 80; select option labels and descriptions 100.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import discord

from morelike.echo import ECHO, shorten
from morelike.engine.types import Candidate, Filters, SimilarPage, TitleCard

EMBED_TOTAL = 6000
EMBED_TITLE = 256
FIELD_VALUE = 1024
CONTENT = 2000
CHOICE_NAME = 100
BUTTON_LABEL = 80
OPTION_TEXT = 100
OVERVIEW_IN_LIST = 300  # per result: enough to recognise a title, five of them stay readable
OVERVIEW_ON_CARD = 1500
MAX_EMBEDS = 10  # Discord: embeds per message
# One embed per result, one kept for the "Same series" list: the most results one page (one message) can show.
# `[discord] page_size` must stay within 1..MAX_RESULTS, or pages would skip the results that do not fit.
MAX_RESULTS = MAX_EMBEDS - 1
ACCENT = discord.Colour(0x5865F2)


def kind_label(kind: str) -> str:
    return "Show" if kind == "show" else "Movie"


def title_label(card: TitleCard) -> str:
    return f"{card.title} ({card.year})" if card.year else card.title


def choice_label(card: TitleCard, limit: int = CHOICE_NAME) -> str:
    """`Title (Year) · Movie`, the title shortened when needed so the whole label fits `limit`."""
    tail = (f" ({card.year})" if card.year else "") + f" · {kind_label(card.kind)}"
    return shorten(card.title, max(1, limit - len(tail))) + tail


def runtime_text(minutes: int | None) -> str | None:
    if not minutes:
        return None
    hours, mins = divmod(int(minutes), 60)
    if not hours:
        return f"{mins} min"
    return f"{hours} h {mins:02d} min" if mins else f"{hours} h"


def votes_text(votes: int) -> str:
    if votes >= 1_000_000:
        return f"{votes / 1_000_000:.1f}M".replace(".0M", "M")
    if votes >= 1_000:
        return f"{votes / 1_000:.1f}k".replace(".0k", "k")
    return str(votes)


def rating_text(rating: float | None, votes: int | None) -> str | None:
    if rating is None:
        return None
    text = f"★ {rating:.1f}/10"
    if votes:
        text += f" ({votes_text(votes)} votes)"
    return text


def genres_text(genres: Sequence[str]) -> str | None:
    return ", ".join(g.replace("-", " ").title() for g in genres) or None


def filters_text(f: Filters) -> str:
    """One short line describing active filters ("" when none)."""
    parts: list[str] = []
    if f.kind:
        parts.append("shows only" if f.kind == "show" else "movies only")
    parts += [g.replace("-", " ") for g in f.genres]
    parts += [f"no {g.replace('-', ' ')}" for g in f.exclude_genres]
    if f.year_min is not None and f.year_max is not None:
        parts.append(f"{f.year_min}–{f.year_max}")
    elif f.year_min is not None:
        parts.append(f"from {f.year_min}")
    elif f.year_max is not None:
        parts.append(f"until {f.year_max}")
    if f.runtime_min is not None:
        parts.append(f"≥ {f.runtime_min} min")
    if f.runtime_max is not None:
        parts.append(f"≤ {f.runtime_max} min")
    if f.language:
        parts.append(f"language {f.language}")
    if f.rating_min is not None:
        parts.append(f"rated ≥ {f.rating_min:g}")
    if f.votes_min is not None:
        parts.append(f"≥ {f.votes_min} votes")
    return " · ".join(parts)


def linked(card: TitleCard, limit: int = 200) -> str:
    """Markdown link to the title's page (plain bold without a URL); markdown in titles is escaped."""
    label = discord.utils.escape_markdown(shorten(title_label(card), limit).replace("[", "(").replace("]", ")"))
    return f"[{label}]({card.url})" if card.url else f"**{label}**"


def facts_line(card: TitleCard) -> str:
    parts = [kind_label(card.kind), runtime_text(card.runtime), rating_text(card.rating, card.votes)]
    genres = genres_text(card.genres[:4])
    if genres:
        parts.append(genres)
    return " · ".join(p for p in parts if p)


def embed_length(embed: discord.Embed) -> int:
    """Characters Discord counts toward the 6000 limit (title, description, fields, footer, author)."""
    return len(embed)


def _result_embed(
    number: int, card: TitleCard, why: str, overview_limit: int, *, compact: bool = False
) -> discord.Embed:
    # `compact`: the fallback when nine results with absurdly long titles and reasons would pass 6000 even with
    # no overview at all; each part then has a share small enough that the page always fits, whole.
    title = shorten(f"{number}. {title_label(card)}", 120 if compact else EMBED_TITLE)
    facts = shorten(facts_line(card), 150 if compact else 300)
    why_line = f"*{shorten(why, 150 if compact else 300)}*" if why else ""
    overview = shorten(card.overview, overview_limit) if overview_limit > 0 else ""
    description = "\n".join(p for p in (facts, overview, why_line) if p)
    embed = discord.Embed(title=title, url=card.url or None, description=description, colour=ACCENT)
    if card.poster and card.poster.startswith(("https://", "http://")):
        embed.set_thumbnail(url=card.poster)
    return embed


def series_embed(series: Sequence[TitleCard], budget: int = 1000) -> discord.Embed:
    """The query's own series, whole (issue 19: a long franchise is listed, not cut at ten). One linked line per
    title while they fit; a long franchise ("James Bond", 25 films) as one compact line of titles and years; past
    even that, the first ones and how many more."""
    lines: list[str] = []
    used = 0
    for card in series:
        line = f"• {linked(card, 120)} · {kind_label(card.kind)}"
        if used + len(line) + 1 > budget - 20:
            break
        lines.append(line)
        used += len(line) + 1
    else:
        return discord.Embed(title="Same series", description="\n".join(lines), colour=discord.Colour.dark_grey())
    compact: list[str] = []
    used = 0
    for card in series:
        item = shorten(f"{card.title} ({card.year})" if card.year else card.title, 80)
        if used + len(item) + 3 > budget - 30:
            compact.append(f"…and {len(series) - len(compact)} more")
            break
        compact.append(item)
        used += len(item) + 3
    return discord.Embed(
        title=f"Same series · {len(series)} titles", description=" · ".join(compact), colour=discord.Colour.dark_grey()
    )


def results_header(page: SimilarPage, filters: Filters, searched: str | None = None) -> str:
    if page.query is not None:
        head = f"More like {linked(page.query)}"
    else:
        head = f"Titles matching “{shorten(searched or '', 200)}”"
    head += f" · page {page.page + 1}"
    active = filters_text(filters)
    if active:
        head += f"\nFilters: {shorten(active, 400)}"
    if not page.items:
        head += "\nNothing matches these filters" + (" on this page." if page.page else ".")
        if filters.active:
            head += " Refine below to widen the search."
    return shorten(head, CONTENT, keep_lines=True)


def results_embeds(page: SimilarPage, *, overview_limit: int = OVERVIEW_IN_LIST) -> list[discord.Embed]:
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
        embeds = [_result_embed(start + i + 1, r.card, r.why, limit, compact=compact) for i, r in enumerate(items)]
        if series:
            embeds.append(series_embed(series))
        total = sum(embed_length(e) for e in embeds)
        if total <= EMBED_TOTAL or compact:
            break
        if limit == 0:
            compact = True  # 9 x (120 + 150 + 152) + the series' 1000 stays under 6000
        else:
            limit = max(0, limit - max(20, (total - EMBED_TOTAL) // max(1, len(items)) + 1))
    return embeds


def title_embed(card: TitleCard) -> discord.Embed:
    """The card of one title (/title)."""
    embed = discord.Embed(
        title=shorten(title_label(card), EMBED_TITLE),
        url=card.url or None,
        description=shorten(card.overview, OVERVIEW_ON_CARD) or "No overview in the catalog.",
        colour=ACCENT,
    )
    embed.add_field(name="Kind", value=kind_label(card.kind))
    for name, value in (
        ("Runtime", runtime_text(card.runtime)),
        ("Rating", rating_text(card.rating, card.votes)),
        ("Genres", genres_text(card.genres)),
        ("Directed by", ", ".join(card.directors[:5])),
        ("Cast", ", ".join(card.cast[:8])),
        ("Original title", card.original_title if card.original_title != card.title else None),
        ("Language", card.language),
        ("Country", card.country),
    ):
        if value:
            embed.add_field(name=name, value=shorten(value, FIELD_VALUE), inline=name not in ("Cast",))
    if card.poster and card.poster.startswith(("https://", "http://")):
        embed.set_thumbnail(url=card.poster)
    return embed


DID_YOU_MEAN = 3  # looser matches named under "Which one?": enough to catch "The Heat", few enough to read


def which_one_text(text: str, count: int, looser: Sequence[TitleCard] = ()) -> str:
    """ "Which one?" over the same-title entries (the buttons), and the looser matches in one "did you mean"
    line: they are not the title typed ("The Heat" for "Heat"), so they get no button, but they are named."""
    out = f"Which one? {count} titles match “{shorten(text, 200)}”."
    named = [shorten(choice_label(c), 150) for c in looser[:DID_YOU_MEAN]]
    if named:
        listed = named[0] if len(named) == 1 else ", ".join(named[:-1]) + " or " + named[-1]
        out += f"\nDid you mean {listed}? Type that title to get it."
    return shorten(out, CONTENT, keep_lines=True)


def _lead(card: TitleCard) -> str | None:
    """The first billed name that reads as a name (scraped cast lists carry stray words like "screenwriter)")."""
    for name in card.cast[:3]:
        if name[:1].isupper() and not any(ch in name for ch in "()[]"):
            return name
    return None


SOURCE_NAMES = {"imdb": "IMDb", "tmdb": "TMDB", "wiki": "Wikipedia", "jw": "JustWatch", "trakt": "Trakt"}


def _facets(card: TitleCard) -> list[str | None]:
    """What can tell two entries of one label apart, in the order a person would look: director, lead, runtime,
    then where the entry comes from (the id's prefix: imdb-, tmdb-, wiki-, jw-, trakt-)."""
    director = card.directors[0] if card.directors else None
    lead = _lead(card)
    return [
        f"dir. {director}" if director else None,
        f"with {lead}" if lead else None,
        runtime_text(card.runtime),
        SOURCE_NAMES.get(card.id.split("-", 1)[0], None),
    ]


def distinct_labels(cards: Sequence[TitleCard], limit: int) -> list[str]:
    """`choice_label`s, with what tells entries apart added where labels collide: four "Cinderella (2021) ·
    Movie" become "… · 1 h 53 min", "… · 2 h 02 min", "… · with Camila Cabello" and one left bare. A facet is
    added to a group of still-equal labels only when it differs inside that group; each label fits `limit`."""
    n = len(cards)
    bases = [choice_label(c, limit) for c in cards]
    facets = [_facets(c) for c in cards]
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
        for number, i in enumerate(members, 1):
            extras[i].append(f"entry {number}")
    labels = []
    for card, base, extra in zip(cards, bases, extras, strict=True):
        tail = "".join(f" · {e}" for e in extra)
        labels.append(base + tail if len(base) + len(tail) <= limit else choice_label(card, limit - len(tail)) + tail)
    return labels


def candidate_option(candidate: Candidate, label: str | None = None) -> tuple[str, str]:
    """(label, description) of a "Which one?" select option (`label`: one made distinct from its neighbours)."""
    card = candidate.card
    label = label or choice_label(card, OPTION_TEXT)
    extra = [p for p in (runtime_text(card.runtime), genres_text(card.genres[:3])) if p]
    description = shorten(" · ".join(extra) or (card.overview or ""), OPTION_TEXT)
    return label, description


def unknown_reference_text(reference: str) -> str:
    """An id or link that names no title: said plainly, no guesses built from the letters of a URL."""
    return (
        f"No title in the catalog has {shorten(reference, 150)}. The catalog may know that title under another "
        "source: type its name instead."
    )


def unknown_genre_text(genre: str, option: str) -> str:
    return f"Unknown genre “{shorten(genre, ECHO)}” in {option}. Pick one from the list that appears while you type."


def no_match_text(text: str, suggestions: Sequence[TitleCard]) -> str:
    out = f"No title matches “{shorten(text, 200)}”."
    if suggestions:
        out += " Did you mean:\n" + "\n".join(f"• {shorten(choice_label(c), 150)}" for c in suggestions[:5])
        out += "\nPick one from the list that appears while you type the title."
    else:
        out += " Check the spelling, or pick a title from the list that appears while you type."
    return shorten(out, CONTENT, keep_lines=True)


# One sentence for every button or menu the bot can no longer follow: its title left the catalog in a rebuild, or
# it comes from an older version of the bot, or its custom_id was edited by hand.
STALE_TEXT = (
    "This message is out of date: the catalog or the bot has changed since it was sent. "
    "Run the command again for fresh results."
)


def described(value: object) -> str:
    """A value an option arrived with, as a sentence names it ("the number 12345", "a list", "nothing")."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return f"the number {value:g}" if isinstance(value, float) else f"the number {value}"
    if isinstance(value, str):
        size = f" ({len(value):,} characters)" if len(value) > ECHO else ""
        return f"the text “{shorten(value, ECHO)}”{size}"
    if isinstance(value, list | tuple):
        return "a list"
    return "an object" if isinstance(value, dict) else "a value of no known kind"


def wrong_option_text(command: str, option: str, wants: str, value: object) -> str:
    """An option whose value is not what the command declares (Discord checks types and bounds, but a hand-made
    request can send anything)."""
    return f"{option} takes {wants}, not {described(value)}: run /{command} again and pick or type its value."


def missing_option_text(command: str, option: str) -> str:
    return f"/{command} needs its {option} option: run it again and fill that in."


def garbled_options_text(command: str) -> str:
    return f"That /{shorten(command, ECHO)} arrived garbled: run it again from Discord's command list."


def cooldown_text(command: str, retry_after: float) -> str:
    return f"Easy there! You can use /{command} again in {max(1, round(retry_after))} s."


ERROR_TEXT = "Something went wrong on my side while answering. Please try again in a moment."


def help_embed(page_size: int) -> discord.Embed:
    embed = discord.Embed(
        title="MoreLike: more like this",
        description="Find movies and shows like one you enjoyed. Results are based on what titles are about.",
        colour=ACCENT,
    )
    embed.add_field(
        name="/similar title",
        value=(
            "Titles like the one you pick (choose from the list while typing). Optional filters: kind, genre, "
            f"exclude_genre, year_from, year_to, max_runtime, language, min_rating. {page_size} results a page: "
            "use Previous / Next and the Refine menu. `private: True` shows the answer to you only."
        ),
        inline=False,
    )
    embed.add_field(
        name="/discover description", value="Titles matching a description in your own words.", inline=False
    )
    embed.add_field(name="/title title", value="One title's card: overview, rating, cast.", inline=False)
    embed.set_footer(text="Several titles share a name? You get a “Which one?” choice.")
    return embed
