"""Query parameters: declared once per route (`Param`), parsed and typed from that declaration, and described
from the same declaration in the OpenAPI document, so what the server enforces and what it documents agree.

Integers are plain ASCII digits with an optional leading '-' (`k=1_0`, `k=٥`, `k=+5` and `k=5.0` are refused,
although Python's `int()` takes them); numbers add an optional decimal part. Strings are stripped and must not be
empty (so whitespace alone is refused: the document says `pattern: "\\S"`). A route refuses parameters it does not
declare. Paged routes refuse `(page + 1) * k > 1000` with a 400 that names the limit.
Routes whose answers carry fixed text (the `why` lines) take `lang` and read `Accept-Language` (`answer_locale`).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from morelike.engine import FilterError, Filters
from morelike.engine.engine import MAX_K, MAX_RANK, MAX_TEXT
from morelike.engine.filters import FilterSpec, described, spec_of, specs, unknown_genre, values_of
from morelike.engine.languages import iso639_1
from morelike.i18n import LOCALES, Locale, negotiate

MAX_SEARCH = 50
_INTEGER = re.compile(r"-?[0-9]{1,18}")
_NUMBER = re.compile(r"-?(?:[0-9]{1,18}(?:\.[0-9]{0,18})?|\.[0-9]{1,18})")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
# Engine names of what is not a filter -> the query parameter a client sent it as (filters: `param_names`).
_OTHER_NAMES = {"ids": "id"}


class ParamError(Exception):
    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message)
        self.parameter = parameter
        self.message = message


def shown(value: str, limit: int = 40) -> str:
    """A client's value quoted for an error message, shortened: the message must stay one readable line."""
    return repr(value if len(value) <= limit else value[:limit] + "…")


@dataclass(frozen=True)
class Param:
    name: str
    type: str  # "string" | "integer" | "number" | "boolean"
    description: str
    repeat: bool = False  # may be given several times (and, with `commas`, comma-separated)
    commas: bool = True
    required: bool = False
    minimum: float | None = None
    maximum: float | None = None
    max_length: int | None = None
    min_items: int | None = None
    max_items: int | None = None
    enum: tuple[str, ...] | None = None
    genre: bool = False  # the value is a genre of the served build (the document lists them)
    language: bool = False  # an ISO 639-1 code
    default: Any = None
    example: Any = None
    max_rank: bool = False  # one of the two parameters of the RANK_RULE (page, k)
    pattern: str | None = None  # what the (stripped) value must be, whole; the document states it anchored
    pattern_text: str = ""  # the 400's words when it is not


# ---------------------------------------------------------------------------------------------- tables


def _filter_param(spec: FilterSpec, declared: tuple[FilterSpec, ...]) -> Param:
    """A declared filter (`morelike.engine.filters`) as a query parameter: its type, bounds and choices, so what is
    parsed here, what the OpenAPI document states and what `Filters` enforces are the same declaration."""
    kind = {"whole": "integer", "number": "number"}.get(spec.type, "string")
    example = spec.example if spec.example is None or not spec.many else [spec.example]
    description = described(spec, declared, lambda s: s.name)
    if spec.type == "genre":
        description += "; /v1/genres lists them"
    return Param(
        spec.name,
        kind,
        description,
        repeat=spec.many,
        minimum=spec.minimum,
        maximum=spec.maximum,
        enum=spec.offered if spec.type == "choice" else None,
        genre=spec.type == "genre",
        language=spec.type == "language",
        example=example,
    )


def filter_params(filters_type: type[Filters] = Filters) -> tuple[Param, ...]:
    declared = specs(filters_type)
    return tuple(_filter_param(spec, declared) for spec in declared)


def param_names(filters_type: type[Filters] = Filters) -> dict[str, str]:
    """Engine field -> the query parameter a client sent it as (`genres` -> `genre`)."""
    return {spec.field: spec.name for spec in specs(filters_type)} | _OTHER_NAMES


FILTER_PARAMS = filter_params()
FIELD_TO_PARAM = param_names()
# Pages reach the first MAX_RANK results: a rule across two parameters that no JSON Schema keyword can state, so
# the document says it in both descriptions and, for clients that read it, in an `x-max-rank` extension on both.
RANK_RULE = f"(page + 1) * k <= {MAX_RANK}"
PAGE_PARAMS = (
    Param(
        "k",
        "integer",
        f"results per page; pages reach the first {MAX_RANK} results, so (page + 1) * k is at most {MAX_RANK}",
        minimum=1,
        maximum=MAX_K,
        default=5,
        max_rank=True,
    ),
    Param(
        "page",
        "integer",
        f"page number, from 0; pages reach the first {MAX_RANK} results, so (page + 1) * k is at most {MAX_RANK}",
        minimum=0,
        maximum=MAX_RANK - 1,
        default=0,
        max_rank=True,
    ),
)
SEARCH_PARAMS = (
    Param(
        "q",
        "string",
        "what was typed: a title (typos, missing accents, a year hint) or an id/URL",
        required=True,
        max_length=MAX_TEXT,
        example="heat",
    ),
    Param(
        "limit",
        "integer",
        "most candidates (same-title entries are all kept)",
        minimum=1,
        maximum=MAX_SEARCH,
        default=10,
    ),
)
SUGGEST_PARAMS = (
    Param("q", "string", "the prefix typed so far", required=True, max_length=MAX_TEXT, example="now you"),
    Param("limit", "integer", "most suggestions", minimum=1, maximum=MAX_SEARCH, default=25),
    Param("kind", "string", "movie or show only", enum=spec_of(Filters, "kind").offered),
)
# The language of the answer's fixed text: a tag ("fr", "pt-BR", "es-419") or a list as Accept-Language has it
# ("ko, fr;q=0.8"). Anything that names no supported language is English, never a 400: a client's wish, not input.
LANG_PARAM = Param(
    "lang",
    "string",
    f"language of the `why` lines: a language tag or an Accept-Language list, the best of {', '.join(LOCALES)} "
    "is used (another language, or none, is English); overrides the Accept-Language header",
    max_length=200,
    example="fr",
)
# The terminal's --trakt-user: leave out what this Trakt user watched (a public profile, read with the server's
# TRAKT_CLIENT_ID). Such an answer depends on a person's history: `routes.leave_out_watched` says how.
TRAKT_USER_PARAM = Param(
    "trakt_user",
    "string",
    "leave out what this Trakt user watched (movies and shows of a public profile's history, read with the "
    "server's TRAKT_CLIENT_ID); the answer says how many titles of the catalog that was (`hidden_watched`) and is "
    "never cached (Cache-Control: private, no-store; no ETag)",
    pattern=r"[A-Za-z0-9._-]{1,64}",
    pattern_text="is not a Trakt username (1-64 letters, digits, '.', '_' or '-')",
    example="sean",
)
SIMILAR_PARAMS = (
    *FILTER_PARAMS,
    TRAKT_USER_PARAM,
    *PAGE_PARAMS,
    Param("franchise", "boolean", "the title's own series as a separate list, one title per other series"),
    Param("boost", "boolean", "rank titles sharing the director or lead cast higher"),
    LANG_PARAM,
)
DISCOVER_PARAMS = (
    Param(
        "q",
        "string",
        "a description of what to watch",
        required=True,
        max_length=MAX_TEXT,
        example="a heist by stage magicians",
    ),
    *FILTER_PARAMS,
    TRAKT_USER_PARAM,
    *PAGE_PARAMS,
    LANG_PARAM,
)
BLEND_PARAMS = (
    Param(
        "id",
        "string",
        "two or three different titles, by id or ref (repeat the parameter; a value that is not an id is also "
        "read as a comma-separated list)",
        repeat=True,
        commas=False,
        required=True,
        min_items=2,
        max_items=3,
        example=["tmdb-movie-75656", "tmdb-movie-949"],
    ),
    *FILTER_PARAMS,
    *PAGE_PARAMS,
    LANG_PARAM,
)


# ------------------------------------------------------------------------------------------------- parse
def _values(request: web.Request, spec: Param) -> list[str]:
    raw = request.query.getall(spec.name, [])
    if spec.repeat:
        if any(not value.strip() for value in raw):  # `genre=`: a value was meant and none given
            raise ParamError(spec.name, "must not be empty")
        parts = (part for value in raw for part in (value.split(",") if spec.commas else [value]))
        return [part.strip() for part in parts if part.strip()]
    if len(raw) > 1:
        raise ParamError(spec.name, "must be given once")
    return [raw[0].strip()] if raw else []


def parse_params(request: web.Request, specs: tuple[Param, ...]) -> dict[str, Any]:
    """Query parameters by `specs`, typed; ParamError names the first bad one."""
    known = {s.name for s in specs}
    for name in request.query:
        if name not in known:
            takes = f"this route takes: {', '.join(sorted(known))}" if known else "this route takes none"
            raise ParamError(name[:40], f"unknown parameter ({takes})")
    out: dict[str, Any] = {}
    for spec in specs:
        values = _values(request, spec)
        if not values:
            if spec.required:
                raise ParamError(spec.name, "is required")
            out[spec.name] = [] if spec.repeat else spec.default
            continue
        typed = [convert(spec, v) for v in values]
        out[spec.name] = typed if spec.repeat else typed[0]
    if any(spec.max_rank for spec in specs):
        check_rank(out["page"], out["k"])
    return out


def check_rank(page: int, k: int) -> None:
    """The RANK_RULE, checked here so the 400 names the limit and both parameters (the engine would refuse it
    too, in its own words)."""
    if (page + 1) * k > MAX_RANK:
        raise ParamError(
            "page",
            f"page {page} with k {k} reaches result {(page + 1) * k}, past the first {MAX_RANK} results: {RANK_RULE}",
        )


def convert(spec: Param, value: str) -> Any:
    number: Any
    if spec.type == "integer":
        if not _INTEGER.fullmatch(value):
            raise ParamError(spec.name, f"must be a whole number in plain digits, got {shown(value)}")
        number = int(value)
    elif spec.type == "number":
        if not _NUMBER.fullmatch(value):
            raise ParamError(spec.name, f"must be a number in plain digits (e.g. 7.5), got {shown(value)}")
        number = float(value)
    elif spec.type == "boolean":
        folded = value.lower()
        if folded in _TRUE:
            return True
        if folded in _FALSE:
            return False
        raise ParamError(spec.name, f"must be true or false, got {shown(value)}")
    else:
        if not value:
            raise ParamError(spec.name, "must not be empty")
        if spec.max_length is not None and len(value) > spec.max_length:
            raise ParamError(spec.name, f"is {len(value)} characters long; the most is {spec.max_length}")
        if spec.enum:
            if value.lower() not in spec.enum:
                raise ParamError(spec.name, f"must be one of {', '.join(spec.enum)}, got {shown(value)}")
            return value.lower()
        if spec.pattern is not None and not re.fullmatch(spec.pattern, value):
            raise ParamError(spec.name, f"{spec.pattern_text}, got {shown(value)}")
        if spec.language:
            try:
                return iso639_1(value, spec.name)
            except FilterError as exc:
                raise ParamError(spec.name, str(exc)) from None
        return value
    if spec.minimum is not None and number < spec.minimum:
        raise ParamError(spec.name, f"must be at least {spec.minimum:g}, got {value}")
    if spec.maximum is not None and number > spec.maximum:
        raise ParamError(spec.name, f"must be at most {spec.maximum:g}, got {value}")
    return number


def answer_locale(request: web.Request, params: dict[str, Any]) -> Locale:
    """The locale of the answer: `lang` when given (it wins), else the request's Accept-Language; English when
    neither names a supported language."""
    if params.get("lang"):
        return negotiate(params["lang"])
    return negotiate(request.headers.get("Accept-Language"))


def filters_from(
    params: dict[str, Any], known_genres: Collection[str], filters_type: type[Filters] = Filters
) -> Filters:
    """The filters a request's parsed parameters ask for; ParamError names the parameter of a genre the build does
    not have, or of a value `Filters` refuses."""
    declared = specs(filters_type)
    for spec in declared:
        if spec.type == "genre":
            unknown = unknown_genre(values_of(spec, params[spec.name]), known_genres)
            if unknown is not None:
                known = ", ".join(sorted(known_genres))
                raise ParamError(spec.name, f"unknown genre {shown(unknown)} (known: {known})")
    try:
        return filters_type(**{spec.field: params[spec.name] for spec in declared})
    except FilterError as exc:
        raise ParamError(param_names(filters_type).get(exc.field, exc.field), str(exc)) from None
