"""ISO 639-1 language codes, the form the catalog's `language` field and every face's language filter use.

`Filters` itself only checks the shape of a code; the faces (REST API, terminal) call `iso639_1` so that
`language=english` is a clear error naming the code to use rather than a filter that silently matches nothing.
The code list comes from pycountry (the ISO 639-3 tables, whose 184 two-letter entries are ISO 639-1).
"""

from __future__ import annotations

from functools import cache

from morelike.engine.types import FilterError


@cache
def codes() -> frozenset[str]:
    import pycountry  # loaded on the first language filter only: its tables take ~0.1 s to read

    return frozenset(lang.alpha_2 for lang in pycountry.languages if hasattr(lang, "alpha_2"))


def iso639_1(value: str, field: str = "language") -> str:
    """`value` as a lower-case ISO 639-1 code ('FR' -> 'fr'); FilterError(field) otherwise, suggesting the code
    when `value` is a language's English name ('english' -> "did you mean 'en'?")."""
    code = value.strip().lower() if isinstance(value, str) else ""
    if len(code) == 2 and code in codes():
        return code
    hint = ""
    if isinstance(value, str) and value.strip():
        import pycountry

        try:
            found = pycountry.languages.lookup(value.strip())
        except LookupError:
            found = None
        if found is not None and hasattr(found, "alpha_2"):
            hint = f" ({found.name} is {found.alpha_2!r})"
    shown = value if not isinstance(value, str) or len(value) <= 40 else value[:40] + "…"
    raise FilterError(field, f"{field} must be a two-letter ISO 639-1 code such as 'en' or 'fr', got {shown!r}{hint}")
