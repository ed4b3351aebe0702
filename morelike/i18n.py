"""What every face says, in the user's locale: the one way to read the message catalogue (`morelike/locales/`).

Discord (its interaction's `locale`, and the command picker through discord.py's `Translator`), the REST API
(`lang`, else `Accept-Language`) and the terminal (`--lang`, else the environment as gettext reads it) all ask
here, with English as the fallback. Only the fixed texts are translated: titles, synopses, genres and names are
catalog data and stay as the catalog has them.

Plain tables rather than gettext .po/.mo files: the same keys feed discord.py's command translator (names and
descriptions with Discord's own limits), the answers and the engine's "why" reasons, there is no compile step to
forget, and tests/test_locale.py checks the tables (every key, every placeholder) directly. Locales are named by
Discord's codes (developer docs, Reference > Locales).
"""

from __future__ import annotations

import os
import re
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final, Literal, cast, get_args

from morelike.catalog.watch import SERVICES, Offer  # services' names are brands, the same in every locale
from morelike.locales import Catalogue, de, en_US, es_ES, fr, ja, pt_BR

Locale = Literal["en-US", "es-ES", "fr", "de", "ja", "pt-BR"]
ENGLISH: Final[Locale] = "en-US"
LOCALES: Final[tuple[Locale, ...]] = get_args(Locale)
CATALOGUES: Final[Mapping[Locale, Catalogue]] = {
    cast(Locale, module.CATALOGUE.code): module.CATALOGUE for module in (en_US, es_ES, fr, de, ja, pt_BR)
}
# A tag of one of these languages in another region, or none, reads that language's catalogue: "fr-CA" and "fr"
# are French, "es-419" and "es-MX" Spanish, "pt" and "pt-PT" Brazilian Portuguese, "en-GB" English.
_BY_LANGUAGE: Final[Mapping[str, Locale]] = {code.split("-")[0].lower(): code for code in LOCALES}
_BY_TAG: Final[Mapping[str, Locale]] = {code.lower(): code for code in LOCALES}
_Q = re.compile(r"q\s*=\s*([01](?:\.\d{0,3})?)\s*$", re.IGNORECASE)
_ACCEPTED_ITEMS = 32  # an Accept-Language list longer than this is someone's test, not a person's preferences


def supported(tag: str | None) -> Locale | None:
    """The catalogue that speaks language tag `tag` (BCP 47 as in HTTP, "fr-CA"; POSIX as in $LANG,
    "fr_FR.UTF-8@euro"; any case), or None when none does (unknown languages, "C", "POSIX", "*", garbage)."""
    if not tag:
        return None
    tag = tag.strip().split(".")[0].split("@")[0].replace("_", "-").lower()
    if tag in _BY_TAG:
        return _BY_TAG[tag]
    return _BY_LANGUAGE.get(tag.split("-")[0])


def pick(tag: str | None) -> Locale:
    """`supported(tag)`, English when no catalogue speaks it."""
    return supported(tag) or ENGLISH


def exact(code: str) -> Locale | None:
    """The catalogue of exactly Discord locale `code` ("fr", "pt-BR"), None for any other. Command localisations
    go to these keys only: Discord itself shows es-ES's to es-419 users, and en-US's default to en-GB users."""
    return code if code in CATALOGUES else None  # type: ignore[return-value]


def negotiate(header: str | None) -> Locale:
    """The best catalogue for an Accept-Language value (RFC 9110 12.5.4): the supported tag of highest q, the
    first of equals; q=0 means "not this one"; `*` (any language) is English. Unparsable items are skipped, and
    anything that names no supported language is English."""
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate((header or "").split(",")[:_ACCEPTED_ITEMS]):
        tag, _, params = item.partition(";")
        q = 1.0
        if params.strip():
            match = _Q.match(params.strip())
            if match is None:
                continue  # a parameter we cannot read: ignoring the item beats guessing its weight
            q = float(match.group(1))
        if tag.strip() and q > 0:
            ranked.append((-q, position, tag.strip()))
    for _, _, tag in sorted(ranked):
        if tag == "*":
            return ENGLISH
        found = supported(tag)
        if found is not None:
            return found
    return ENGLISH


def from_environment(environ: Mapping[str, str] | None = None) -> Locale:
    """The terminal's locale from the environment, in the order gettext reads it: LANGUAGE (a colon-separated
    list, its first supported entry), then LC_ALL, LC_MESSAGES, LANG; "C" and "POSIX" are English."""
    env = os.environ if environ is None else environ
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name)
        if not value:
            continue
        if name == "LANGUAGE":
            found = next((s for s in map(supported, value.split(":")) if s), None)
            if found is None:
                continue
            return found
        return pick(value)  # the first variable set decides, as in gettext
    return ENGLISH


def has(key: str) -> bool:
    return key in CATALOGUES[ENGLISH].messages


def tr(locale: str, key: str, /, **params: object) -> str:
    """Message `key` in `locale` (English when that locale, or its table, lacks it), placeholders filled in.
    A key English lacks is a bug (KeyError); tests/test_locale.py checks every key the code uses."""
    catalogue = CATALOGUES.get(locale, CATALOGUES[ENGLISH])  # type: ignore[call-overload]
    template = catalogue.messages.get(key) or CATALOGUES[ENGLISH].messages[key]
    return template.format_map(params)


def placeholders(template: str) -> set[str]:
    """The named fields of a message template (`{title}` -> "title")."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def number(value: float, locale: str, places: int | None = None) -> str:
    """`value` with the locale's decimal separator: `places` decimals, or as short as exact (`:g`)."""
    text = f"{value:.{places}f}" if places is not None else f"{value:g}"
    return text.replace(".", CATALOGUES.get(locale, CATALOGUES[ENGLISH]).decimal)  # type: ignore[call-overload]


def compact_count(count: int, locale: str) -> str:
    """A large count shortened the locale's way: 712,345 is "712.3k", "712,3 k", "71.2万"."""
    catalogue = CATALOGUES.get(locale, CATALOGUES[ENGLISH])  # type: ignore[call-overload]
    for divisor, template in catalogue.compact:
        if count >= divisor:
            shown = f"{count / divisor:.1f}".removesuffix(".0")
            return template.format(n=shown.replace(".", catalogue.decimal))
    return str(count)


def or_list(items: list[str], locale: str) -> str:
    """ "A, B or C" in the locale ("A, B ou C")."""
    if len(items) < 2:
        return "".join(items)
    return tr(locale, "list.or", items=", ".join(items[:-1]), last=items[-1])


def watch_text(offers: Iterable[Offer], locale: str) -> str:
    """Where a title was, with the data's region and date said every time ("On Netflix, Hulu (US, 2022)"): the
    data is a dated snapshot, and a face must never let it read as what is on a service today. `offers` are
    "" when there are none."""
    groups: dict[tuple[str, str], list[str]] = {}
    for offer in offers:
        groups.setdefault((offer.region, offer.as_of), []).append(SERVICES.get(offer.service, offer.service))
    return " · ".join(
        tr(locale, "watch.on", services=", ".join(names), region=region, date=as_of)
        for (region, as_of), names in groups.items()
    )


# ---- the "why" line: reasons the engine picks, said in any locale ----------------------------------------------
class Count(int):
    """A count a reason shows shortened (`compact_count`): votes."""


@dataclass(frozen=True)
class Reason:
    """One reason a result ranked: a `why.*` message and its values. Floats are shown with one decimal, a
    `Count` shortened, both in the locale's way."""

    key: str
    params: Mapping[str, str | int | float] = field(default_factory=dict)

    def said(self, locale: str) -> str:
        shown: dict[str, str] = {}
        for name, value in self.params.items():
            if isinstance(value, Count):
                shown[name] = compact_count(value, locale)
            elif isinstance(value, float):
                shown[name] = number(value, locale, 1)
            else:
                shown[name] = str(value)
        return tr(locale, self.key, **shown)


def say_reasons(reasons: Iterable[Reason], locale: str) -> str:
    """The reasons as one line, "A · B · C", its first letter capitalised."""
    text = " · ".join(reason.said(locale) for reason in reasons)
    return text[:1].upper() + text[1:]


class Why(str):
    """The "why" of a recommendation: its English line (what `str` gives, so every reader of `why` as text reads
    English) carrying the reasons it was said from, so a face can say them in its user's locale (`why_text`)."""

    reasons: tuple[Reason, ...]

    def __new__(cls, reasons: Iterable[Reason]) -> Why:
        reasons = tuple(reasons)
        made = super().__new__(cls, say_reasons(reasons, ENGLISH))
        made.reasons = reasons
        return made

    def __reduce__(self):  # pickled and copied from its reasons (str's own would pass the text as reasons)
        return Why, (self.reasons,)


def why_text(why: str, locale: str) -> str:
    """A recommendation's why line in `locale`; a plain string (no reasons to say again) as it is."""
    return say_reasons(why.reasons, locale) if isinstance(why, Why) else str(why)
