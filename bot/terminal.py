"""The terminal face: `python -m bot ask "Now You See Me"` and `python -m bot discover "a heist by stage magicians"`.

Results go to stdout (plain text, or JSON with --json); the conversation (the picker, "taking the best match")
goes to stderr, so `--json | jq` stays clean. When a title is ambiguous ("Heat"), a numbered picker reads the
answer from stdin, piped or typed; with --first, or when stdin has nothing to say (closed, /dev/null, no TTY
and no input), the best candidate is taken and the note says so.

What it says is in `--lang`'s language, else the environment's as gettext reads it (LANGUAGE, LC_ALL,
LC_MESSAGES, LANG), English when that is none of the catalogue's; usage errors, which name the flags typed, stay
English like argparse's own.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import textwrap
from collections.abc import Collection
from typing import Any, TextIO

from morelike.echo import ECHO, shorten
from morelike.engine import Engine, FilterError, Filters, Resolution, SimilarPage, TitleCard
from morelike.engine.filters import FilterSpec, described, specs, unknown_genre
from morelike.engine.languages import iso639_1
from morelike.i18n import ENGLISH, Locale, from_environment, or_list, pick, tr, watch_text, why_text

EXIT_OK, EXIT_NOT_FOUND, EXIT_USAGE = 0, 1, 2
PICKER_LIMIT = 9
DID_YOU_MEAN = 3  # looser matches named under the picker, as Discord names them under its buttons
# What an engine error calls a parameter that is not a filter, as this face names it (filters: their flags).
_OTHER_NAMES = {"k": "-k", "page": "--page", "q": "the description"}


def flag_names(filters_type: type[Filters] = Filters) -> dict[str, str]:
    """Engine field -> the flag typed for it (`--year-min`), from the filters' declaration."""
    return {spec.field: spec.flag for spec in specs(filters_type)} | _OTHER_NAMES


class UsageError(Exception):
    """Bad input from the command line; one sentence."""


def echo(text: str) -> str:
    """What was typed, quoted for a sentence on stderr: shortened as the Discord face does (a pasted page or a
    100,000-character argument would bury the sentence)."""
    return repr(shorten(text, ECHO))


def in_flags(exc: FilterError, filters_type: type[Filters] = Filters) -> str:
    """An engine filter error in the flags typed: "--year-min (2000) is greater than --year-max (1990)", not the
    engine's field names; prefixed with the flag when the sentence does not name it."""
    text = str(exc)
    flags = flag_names(filters_type)
    for field_name, flag in flags.items():  # whole words only, never inside a quoted value ('page')
        text = re.sub(rf"(?<![\w'\"“-]){field_name}(?![\w'\"”-])", flag, text)
    flag = flags.get(exc.field, exc.field)
    return text if flag in text else f"{flag}: {text}"


_INTEGER = re.compile(r"-?[0-9]{1,18}")
_NUMBER = re.compile(r"-?(?:[0-9]{1,18}(?:\.[0-9]{0,18})?|\.[0-9]{1,18})")


def whole_number(text: str) -> int:
    """An argparse type: plain ASCII digits with an optional '-' (Python's int() also takes '1_0', '٥', '+5')."""
    if not _INTEGER.fullmatch(text.strip()):
        raise argparse.ArgumentTypeError(f"must be a whole number in plain digits, got {echo(text)}")
    return int(text)


def plain_number(text: str) -> float:
    """An argparse type: a decimal number in plain ASCII digits (no '1e3', 'nan', 'inf', '٥')."""
    if not _NUMBER.fullmatch(text.strip()):
        raise argparse.ArgumentTypeError(f"must be a number in plain digits (e.g. 7.5), got {echo(text)}")
    return float(text)


def add_filter_arguments(parser: argparse.ArgumentParser, filters_type: type[Filters] = Filters) -> None:
    """The filters' flags, one per declared filter (`morelike.engine.filters`), then the other search flags."""
    declared = specs(filters_type)
    for spec in declared:
        options: dict = {"help": described(spec, declared, lambda s: s.flag)}
        if spec.metavar:
            options["metavar"] = spec.metavar
        if spec.many:  # repeat or comma-separate (`_split`): choices are checked there, not by argparse
            options.update(action="append", default=[])
            if spec.type == "choice":
                options["help"] += f" ({', '.join(spec.choices)})"
        elif spec.type == "choice":
            options["choices"] = spec.offered
        elif spec.type == "whole":
            options["type"] = whole_number
        elif spec.type == "number":
            options["type"] = plain_number
        parser.add_argument(spec.flag, **options)
    parser.add_argument(
        "--trakt-user", metavar="NAME", help="leave out what this Trakt user watched (public profile; TRAKT_CLIENT_ID)"
    )
    parser.add_argument(
        "--trakt-token-file",
        metavar="PATH",
        help="leave out what the owner of this Trakt token watched (Trakt's token JSON; TRAKT_CLIENT_ID)",
    )
    parser.add_argument("-k", type=whole_number, default=5, metavar="N", help="results per page (default 5)")
    parser.add_argument("--page", type=whole_number, default=0, metavar="N", help="page number from 0")
    parser.add_argument("--json", action="store_true", help="print JSON (the REST API's shapes)")
    parser.add_argument(
        "--lang",
        metavar="TAG",
        help="language of what is said: en-US, es-ES, fr, de, ja or pt-BR (default: $LANGUAGE, $LC_ALL, "
        "$LC_MESSAGES or $LANG, else English)",
    )


def add_ask_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("title", nargs="+", help="a title as you would type it, or an IMDb/Trakt id or URL")
    add_filter_arguments(parser)
    # Unset, each is bot.toml's `[engine]` value, which the engine applies for every face (the one place defaults
    # are applied): a flag only overrides it, either way.
    parser.add_argument(
        "--franchise",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="the title's own series as a separate list, one title per other series (default: [engine] franchise)",
    )
    parser.add_argument(
        "--boost",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="rank titles sharing director or lead cast higher (default: [engine] boost)",
    )
    parser.add_argument("--first", action="store_true", help="never ask: take the best match")


def add_discover_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("text", nargs="+", help="what you want to watch, in your own words")
    add_filter_arguments(parser)


def answer_locale(args: argparse.Namespace, environ: dict[str, str] | None = None) -> Locale:
    """--lang when given (a tag no catalogue speaks is English), else the environment's locale."""
    lang = getattr(args, "lang", None)
    return pick(lang) if lang else from_environment(environ)


def _split(values: list[str]) -> tuple[str, ...]:
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


def _typed(spec: FilterSpec, given: Any, known_genres: Collection[str]) -> Any:
    """One filter's flag value as `Filters` takes it: a repeated flag's values split at commas; genres checked
    against the build's, choices against the declared ones, a language against the ISO 639-1 codes."""
    if given is None:
        return None
    values: tuple[Any, ...] = _split(given) if spec.many else (given,)  # argparse's: a list when repeated
    if spec.type == "genre":
        unknown = unknown_genre(values, known_genres)
        if unknown is not None:
            known = ", ".join(sorted(known_genres))
            raise UsageError(f"{spec.flag}: unknown genre {echo(unknown)} (known: {known})")
    elif spec.type == "choice" and spec.many:
        values = tuple(v.lower() for v in values)
        unknown = next((v for v in values if v not in spec.choices), None)
        if unknown is not None:
            raise UsageError(f"{spec.flag}: unknown {spec.what} {echo(unknown)} (known: {', '.join(spec.choices)})")
    elif spec.type == "language":
        values = tuple(iso639_1(v, spec.field) for v in values)
    return values if spec.many else values[0]


def filters_from_args(
    args: argparse.Namespace, known_genres: Collection[str], filters_type: type[Filters] = Filters
) -> Filters:
    try:
        values = {spec.field: _typed(spec, getattr(args, spec.name), known_genres) for spec in specs(filters_type)}
        return filters_type(**values)
    except FilterError as exc:
        raise UsageError(in_flags(exc, filters_type)) from None


# ----------------------------------------------------------------------------------------------- output
def _facts(card: TitleCard, locale: str = ENGLISH) -> str:
    # The kind and genres as the flags take them (--kind show, --genre crime): values to type back, not prose.
    parts = [card.kind]
    if card.genres:
        parts.append(", ".join(card.genres[:3]))
    if card.directors:
        parts.append(tr(locale, "facet.director", name=", ".join(card.directors[:2])))
    elif card.cast:
        parts.append(", ".join(card.cast[:2]))
    return " · ".join(parts)


def _snippet(text: str | None, width: int = 90) -> str:
    return textwrap.shorten(text, width, placeholder=" …") if text else ""


def render_page(page: SimilarPage, out: TextIO, locale: str = ENGLISH) -> None:
    if page.query is not None:
        print(tr(locale, "terminal.more_like", title=page.query.label, facts=_facts(page.query, locale)), file=out)
    if not page.items:
        print("  " + tr(locale, "results.nothing"), file=out)
    for i, rec in enumerate(page.items, start=page.page * page.k + 1):
        kind = f"{rec.card.kind}, anime" if rec.card.anime else rec.card.kind
        watch = watch_text(rec.card.watch, locale)  # always with the data's country and date
        print(f"{i:>3}. {rec.card.label}  [{kind}]" + (f"  {watch}" if watch else ""), file=out)
        print(f"     {why_text(rec.why, locale)}", file=out)
    if page.has_more:
        print("  " + tr(locale, "terminal.more", page=page.page + 1), file=out)
    if page.series:
        print(tr(locale, "terminal.series"), file=out)
        for card in page.series:
            print(f"     {card.label}  [{card.kind}]", file=out)


# ----------------------------------------------------------------------------------------------- picker
def choose(
    res: Resolution, text: str, *, first: bool, stdin: TextIO | None, err: TextIO, locale: str = ENGLISH
) -> TitleCard | None:
    """The title the user means: the clear one, the best (--first / nothing on stdin), or a picked one.

    What is offered is the engine's decision (`Resolution.pick`), as for Discord's buttons: the same-title entries
    ("Heat" 1972, 1986, 1995), with looser matches ("The Heat") named on one "did you mean" line."""
    pick = res.pick()
    if not pick.asks:
        return pick.title
    offered, looser = pick.offered, pick.looser
    best = offered[0].card  # `pick.best` when asking: the first choice
    if first:
        print(tr(locale, "terminal.taking_best", text=echo(text), title=best.label), file=err)
        return best
    shown = offered[:PICKER_LIMIT]
    print(tr(locale, "terminal.could_be", text=echo(text)), file=err)
    for i, cand in enumerate(shown, 1):
        print(f"  {i}. {cand.card.label} — {_facts(cand.card, locale)}", file=err)
        if cand.card.overview:
            print(f"     {_snippet(cand.card.overview)}", file=err)
    if looser:
        named = or_list([c.card.label for c in looser[:DID_YOU_MEAN]], locale)
        print("  " + tr(locale, "terminal.did_you_mean", titles=named), file=err)
    interactive = stdin is not None and not stdin.closed and stdin.isatty()
    while True:
        print(tr(locale, "terminal.which_one", count=len(shown)), end="", file=err, flush=True)
        line = stdin.readline() if stdin is not None and not stdin.closed else ""
        if not line:  # EOF: nobody to ask
            print("\n" + tr(locale, "terminal.no_answer", title=best.label), file=err)
            return best
        answer = line.strip()
        if not interactive:  # a piped answer is not echoed by a terminal: show it so the transcript reads right
            print(shorten(answer, ECHO), file=err)
        if answer.isdigit() and 1 <= int(answer) <= len(shown):
            return shown[int(answer) - 1].card
        if not interactive:
            raise UsageError(tr(locale, "terminal.not_a_choice", answer=echo(answer), count=len(shown)))
        print(tr(locale, "terminal.answer_with_number", count=len(shown)), file=err)


# -------------------------------------------------------------------------------------------- commands
def _json_out(body: dict, out: TextIO) -> None:
    """JSON as UTF-8 text where `out` can carry it; else \\u escapes, still the same JSON (never '?' in data)."""
    text = json.dumps(body, ensure_ascii=False, indent=2)
    try:
        text.encode(getattr(out, "encoding", None) or "utf-8")
    except (UnicodeEncodeError, LookupError):
        text = json.dumps(body, ensure_ascii=True, indent=2)
    print(text, file=out)


def watched_ids(
    engine: Engine, args: argparse.Namespace, err: TextIO, locale: str
) -> tuple[frozenset[str], int | None]:
    """The catalog ids `--trakt-user` / `--trakt-token-file` leave out, and how many titles of the catalog that is
    (None without either flag); the count is said on stderr, with the conversation."""
    if args.trakt_user is None and args.trakt_token_file is None:
        return frozenset(), None
    if args.trakt_user is not None and args.trakt_token_file is not None:
        raise UsageError("give --trakt-user or --trakt-token-file, not both")
    from morelike.trakt_user import TraktUserError, watched_for_face

    try:
        watched = asyncio.run(
            watched_for_face(
                str(engine.config.trakt.base_url), username=args.trakt_user, token_file=args.trakt_token_file
            )
        )
    except TraktUserError as exc:
        flag = "--trakt-token-file" if args.trakt_token_file is not None else "--trakt-user"
        raise UsageError(f"{flag}: {exc}") from None
    known = watched.in_catalog(engine.get)
    print(tr(locale, "link.hidden_count", count=len(known)), file=err)
    return known, len(known)


def run_ask(engine: Engine, args: argparse.Namespace, stdin: TextIO | None, out: TextIO, err: TextIO) -> int:
    from morelike.answers import card_json, page_json, resolution_json

    text = " ".join(args.title).strip()
    locale = answer_locale(args)
    try:
        filters = filters_from_args(args, engine.genres())
        if not text:
            raise UsageError('give a title, e.g. python -m bot ask "Now You See Me"')
        res = engine.resolve(text)
        card = choose(res, text, first=args.first, stdin=stdin, err=err, locale=locale)
        if card is None:
            print(tr(locale, "terminal.no_match", text=echo(text)), file=err)
            return EXIT_NOT_FOUND
        exclude, hidden = watched_ids(engine, args, err, locale)
        page = engine.similar(
            card.id,
            filters,
            k=args.k,
            page=args.page,
            franchise=args.franchise,
            boost=args.boost,
            exclude=exclude,
        )
    except (UsageError, FilterError) as exc:
        return _usage_error(exc, err)
    if args.json:
        body = page_json(page, locale)
        if hidden is not None:
            body["hidden_watched"] = hidden
        body["resolution"] = resolution_json(text, res)
        body["picked"] = card_json(card)
        _json_out(body, out)
    else:
        render_page(page, out, locale)
    return EXIT_OK


def _usage_error(exc: UsageError | FilterError, err: TextIO) -> int:
    """One sentence naming the command-line option at fault, and the usage exit code."""
    message = in_flags(exc) if isinstance(exc, FilterError) else str(exc)
    print(f"error: {message}", file=err)
    return EXIT_USAGE


def run_discover(engine: Engine, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from morelike.answers import page_json

    text = " ".join(args.text).strip()
    locale = answer_locale(args)
    try:
        filters = filters_from_args(args, engine.genres())
        if not text:
            raise UsageError('describe what you want to watch, e.g. "a heist by stage magicians"')
        exclude, hidden = watched_ids(engine, args, err, locale)
        page = engine.discover(text, filters, k=args.k, page=args.page, exclude=exclude)
    except (UsageError, FilterError) as exc:
        return _usage_error(exc, err)
    if args.json:
        body = page_json(page, locale)
        if hidden is not None:
            body["hidden_watched"] = hidden
        body["text"] = text
        _json_out(body, out)
    else:
        print(tr(locale, "terminal.titles_for", text=repr(text)), file=out)
        render_page(page, out, locale)
    return EXIT_OK
