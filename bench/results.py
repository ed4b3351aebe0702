"""Shared by the bench scripts: the results files they write into, and where they keep their indexes."""

from __future__ import annotations

import os
from pathlib import Path


def state_root() -> Path:
    """Where the benchmarks build and keep their indexes: `$MORELIKE_BENCH_STATE`, else the user's cache folder
    (`~/.cache/morelike/bench`). Outside the clone on purpose: the transformer baseline (all-MiniLM-L6-v2 over the
    whole catalog) takes 12-16 minutes to encode on a 2-core CPU, and a fresh clone on a machine that has run the
    benchmark once reuses it (the indexer re-encodes only titles whose text changed)."""
    explicit = os.environ.get("MORELIKE_BENCH_STATE")
    if explicit:
        return Path(explicit).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache).expanduser() / "morelike" / "bench"


def write_section(path: Path, name: str, text: str) -> None:
    """Replace this script's section of the results file, keeping the other scripts' sections."""
    begin, end = f"<!-- begin:{name} -->", f"<!-- end:{name} -->"
    old = path.read_text() if path.exists() else ""
    block = f"{begin}\n{text}\n{end}"
    if begin in old and end in old:
        new = old[: old.index(begin)] + block + old[old.index(end) + len(end) :]
    else:
        new = (old.rstrip() + "\n\n" if old.strip() else "") + block + "\n"
    path.write_text(new)
