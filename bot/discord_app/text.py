"""What the bot says, within Discord's limits: the words every feature uses (labels, facts, error sentences).

Pure: engine values (`TitleCard`, `Candidate`, a `Reference`) in, strings out, so the wording and the limits are
tested without a connection. Each feature's own texts and embeds live with it (cogs/); these are the shared ones.
Discord's limits (developer docs, "Embed Limits"): title 256, description 4096, 25 fields, field name 256 and
value 1024, footer 2048, author 256, 6000 characters over all the embeds of a message, 10 embeds a message;
message content 2000; choice names 100; button labels 80; select option labels and descriptions 100.
Every fixed text is the catalogue's (`morelike.i18n`), said in `locale` (the interaction's, English by default);
catalog data (titles, synopses, genres, names) is shown as the catalog has it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import discord

from bot.discord_app.translator import command_label, option_label
from morelike.echo import ECHO, shorten  # the features cut what they echo through here: one way (morelike.echo)
from morelike.engine.filters import genre_label
from morelike.engine.resolve import Reference
from morelike.engine.types import Candidate, TitleCard
from morelike.i18n import ENGLISH, compact_count, number, or_list, tr, watch_text

EMBED_TOTAL = 6000
EMBED_TITLE = 256
FIELD_VALUE = 1024
CONTENT = 2000
CHOICE_NAME = 100
BUTTON_LABEL = 80
OPTION_TEXT = 100
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
                    if facet := facets[i][f]:
                        extras[i].append(facet)
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
