"""The message catalogue: one module per locale, each a `Catalogue` of the same keys (`en_US` is the source).

A locale module holds data only; `morelike.i18n` is the one way to read it. Messages are `str.format` templates
with named placeholders (`{title}`); a translation keeps exactly the English placeholders (tests/test_locale.py
checks every key and every placeholder of every locale). Messages are phrased so that no count needs a plural
form: a count is always 2 or more where a noun follows it ("{count} titles match"), or nothing inflects with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Catalogue:
    """One locale's texts and number conventions."""

    code: str  # Discord's locale code (developer docs, Reference > Locales): what interactions carry
    decimal: str  # the decimal separator ("8.3" / "8,3")
    # Large counts shown short, largest unit first: (divisor, template of the shortened number `{n}`), after
    # CLDR's "short" compact decimal formats for the locale ("712.3k", "1,2 Mio.", "71.2万").
    compact: tuple[tuple[int, str], ...]
    messages: Mapping[str, str]
