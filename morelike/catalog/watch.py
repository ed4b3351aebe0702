"""Where a title could be watched, and whether it is anime: two facts a catalog row carries in its source tags and
genres, read here once for the build, the engine and every face.

Where to watch comes from `Title.sources`. The bundled catalog's JustWatch tags (`justwatch-netflix`, …) say a
title was on that service in the US in mid-2022 (data/README.md): a snapshot, not what is on it today, so every
offer carries its region and date and every face says them. A later provider source (TMDB's watch/providers for a
configured region, say) adds tags `watch:<service>:<REGION>:<date>` to the rows it fetches; they are read the same
way, so nothing downstream changes. A Trakt crawl has no availability data (its rows carry only `trakt`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Offer:
    """A title was on `service` in `region` (ISO 3166-1) as of `as_of` (a year, or YYYY-MM[-DD]): when the data was
    taken, never a claim about today."""

    service: str  # a key of SERVICES
    region: str
    as_of: str


# The services a filter may name, in the order cards list them, with the name a card shows. At most 16: the
# engine keeps each title's services as bits of a uint16.
SERVICES: dict[str, str] = {
    "netflix": "Netflix",
    "hbo-max": "HBO Max",
    "hulu": "Hulu",
    "disney-plus": "Disney+",
    "prime-video": "Prime Video",
}
SERVICE_BIT = {service: 1 << i for i, service in enumerate(SERVICES)}
# The bundled catalog's tags: Victor Soeiro's JustWatch datasets, US catalogs as of mid-2022.
_LEGACY = {
    "justwatch-netflix": "netflix",
    "justwatch-hbo": "hbo-max",
    "justwatch-hulu": "hulu",
    "justwatch-disney": "disney-plus",
    "justwatch-prime": "prime-video",
}
_LEGACY_REGION, _LEGACY_AS_OF = "US", "2022"
_TAG = re.compile(r"watch:(?P<service>[a-z0-9-]+):(?P<region>[A-Z]{2}):(?P<as_of>\d{4}(?:-\d{2}){0,2})")


def offers(sources: Iterable[str]) -> tuple[Offer, ...]:
    """The services a title's source tags say it was on, in `SERVICES` order; unknown services are left out."""
    found: dict[str, Offer] = {}
    for tag in sources:
        if tag in _LEGACY:
            found.setdefault(_LEGACY[tag], Offer(_LEGACY[tag], _LEGACY_REGION, _LEGACY_AS_OF))
        elif (m := _TAG.fullmatch(tag)) and m["service"] in SERVICES:
            found.setdefault(m["service"], Offer(m["service"], m["region"], m["as_of"]))
    return tuple(found[s] for s in SERVICES if s in found)


def service_bits(sources: Iterable[str]) -> int:
    """`offers` as the bit mask the engine filters on."""
    bits = 0
    for offer in offers(sources):
        bits |= SERVICE_BIT[offer.service]
    return bits


ANIME_GENRE = "anime"  # Trakt's genre slug
ANIMATION_GENRE = "animation"


def is_anime(genres: Iterable[str], country: str | None, language: str | None) -> bool:
    """Whether a title is anime: Trakt says so with its `anime` genre; the bundled catalog has no such genre, so
    there it is Japanese animation, by production country or original language where either is known (696 titles:
    "Cowboy Bebop" 1998 and "Your Name.", not the live-action "Cowboy Bebop" 2021 or "Death Note" 2006)."""
    genres = set(genres)
    if ANIME_GENRE in genres:
        return True
    return ANIMATION_GENRE in genres and ((country or "").upper() == "JP" or (language or "").lower() == "ja")
