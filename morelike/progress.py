"""Progress that reads well wherever it goes: a tqdm bar on a terminal, plain lines in a log.

A bar redrawn in place is right on a terminal and wrong in `docker logs`, a CI log or a file: there it is one
endless line of carriage returns, or nothing at all until the phase ends. `tqdm(...)` here takes the arguments the
indexer passes to tqdm and returns a real tqdm bar when the stream is a terminal, and otherwise a `LineProgress`
that prints one plain line every few seconds (`MORELIKE_PROGRESS_INTERVAL`, default 5 s) with the count, the rate
and, when the total is known, the percentage and an estimate of the time left:

    encode: 1,536/57,210 titles (3%), 71 titles/s, about 13 min left

`MORELIKE_PROGRESS=lines` forces lines on a terminal too; `bar` forces the bar.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any, Protocol, Self, TextIO

from tqdm import tqdm as _tqdm

DEFAULT_INTERVAL_S = 5.0


class Progress(Protocol):
    """What `tqdm` here returns, a tqdm bar or a `LineProgress`: the calls the indexer makes on either."""

    total: int | None
    n: int  # counted so far

    def update(self, n: int = 1) -> object: ...

    def refresh(self) -> object: ...

    def set_description(self, desc: str | None = None, refresh: bool = True) -> object: ...

    def close(self) -> None: ...

    def __enter__(self) -> Self: ...

    def __exit__(self, *exc: object) -> object: ...


def tqdm(
    iterable: Any = None,
    *,
    total: int | None = None,
    desc: str = "",
    unit: str = "it",
    disable: bool = False,
    file: TextIO | None = None,
    **kwargs: Any,
) -> Progress:
    """A tqdm bar on a terminal, a `LineProgress` elsewhere (same calls: update, refresh, close, `with`)."""
    stream = file if file is not None else sys.stderr
    if disable or _wants_bar(stream):
        return _tqdm(iterable, total=total, desc=desc, unit=unit, disable=disable, file=file, **kwargs)
    return LineProgress(total=total, desc=desc, unit=unit, file=stream, interval=_interval())


def _wants_bar(stream: TextIO) -> bool:
    mode = os.environ.get("MORELIKE_PROGRESS", "").strip().lower()
    if mode in ("bar", "lines"):
        return mode == "bar"
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except (OSError, ValueError):
        return False


def _interval() -> float:
    try:
        return max(0.0, float(os.environ.get("MORELIKE_PROGRESS_INTERVAL", DEFAULT_INTERVAL_S)))
    except ValueError:
        return DEFAULT_INTERVAL_S


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


class LineProgress:
    """Plain progress lines at most every `interval` seconds, and one summary line at the end."""

    def __init__(
        self, total: int | None, desc: str, unit: str, file: TextIO, interval: float = DEFAULT_INTERVAL_S
    ) -> None:
        self.total = total
        self.desc = desc
        self.unit = unit
        self.n = 0
        self.file = file
        self.interval = interval
        self._started = time.monotonic()
        self._last = self._started
        self._closed = False

    def __enter__(self) -> LineProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def update(self, n: int = 1) -> None:
        self.n += n
        now = time.monotonic()
        if now - self._last >= self.interval:
            self._last = now
            self._write(self.line(now))

    def refresh(self) -> None:
        """Nothing to redraw: the next line carries any new total."""

    def set_description(self, desc: str | None = None, refresh: bool = True) -> None:
        """What the next lines are labelled with (tqdm's call: a count in the label, say)."""
        self.desc = desc or ""

    def set_postfix(self, *args, **kwargs) -> None:
        """Accepted for tqdm compatibility; lines stay short."""

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        elapsed = time.monotonic() - self._started
        rate = self.n / elapsed if elapsed > 0 else 0.0
        if self.total and self.n < self.total:  # stopped early (Ctrl-C, SIGTERM, an error)
            done = f"stopped at {self.n:,}/{self.total:,} {self.unit}s after {_duration(elapsed)}"
        else:
            done = f"{self.n:,} {self.unit}s in {_duration(elapsed)}"
        self._write(f"{self._label()}{done} ({rate:,.0f} {self.unit}s/s)")

    def line(self, now: float | None = None) -> str:
        elapsed = (time.monotonic() if now is None else now) - self._started
        rate = self.n / elapsed if elapsed > 0 else 0.0
        if self.total:
            text = f"{self._label()}{self.n:,}/{self.total:,} {self.unit}s ({100 * self.n / self.total:.0f}%)"
        else:
            text = f"{self._label()}{self.n:,} {self.unit}s"
        text += f", {rate:,.0f} {self.unit}s/s"
        if self.total and rate > 0 and self.n < self.total:
            text += f", about {_duration((self.total - self.n) / rate)} left"
        return text

    def _label(self) -> str:
        return f"{self.desc}: " if self.desc else ""

    def _write(self, text: str) -> None:
        try:
            print(text, file=self.file, flush=True)
        except (OSError, ValueError):
            pass  # a closed or broken log stream never stops the work
