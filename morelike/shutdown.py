"""SIGTERM handled like Ctrl-C, for every entry point (the bot, the REST API, the indexer).

`docker stop`, systemd and Kubernetes stop a process with SIGTERM. Python's default for SIGTERM is to die on the
spot (no `finally`, no gateway close, a write cut short), and as PID 1 in a container a process without a handler
ignores it, so `docker stop` waits 10 s and SIGKILLs. `@handles_sigterm` on a `main()` makes SIGTERM take the
exact path Ctrl-C takes:

- inside `asyncio.run` (the bot, the API, the indexer) the main task is cancelled, as asyncio does for Ctrl-C:
  `finally` blocks and `async with` exits run (the Discord gateway is closed, the HTTP server stops, the store is
  closed), then `KeyboardInterrupt` leaves `asyncio.run`;
- elsewhere `KeyboardInterrupt` is raised, as for Ctrl-C.

A second SIGTERM (or Ctrl-C) forces the stop, as a second Ctrl-C does. A process stopped by SIGTERM exits 143
(128 + 15, what the shell and Docker report for it) where an interrupt would have exited 130; a clean 0 stays 0.
`finish(write)` lets a store write that is under way commit before a cancellation lands, so a stop never wastes it.

A cancellation lands only where the main task next awaits, so a long synchronous stretch inside `asyncio.run` (the
indexer reading a catalog, preparing its texts or publishing an index: a minute on two cores) would run to its end
first, past `docker stop`'s 10 s. `with interruptible():` around such a stretch makes SIGTERM and Ctrl-C raise
`KeyboardInterrupt` right where the code is, as plain Python does for Ctrl-C: at once between Python steps, or as
soon as the C call under way (one batch) returns. Only for code that may stop anywhere: it writes nothing, or only
what an atomic rename makes visible (the published-build writer), and its `finally` blocks clean up.
"""

from __future__ import annotations

import asyncio
import functools
import signal
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

EXIT_INTERRUPTED = 130  # 128 + SIGINT
EXIT_TERMINATED = 128 + signal.SIGTERM  # 143

T = TypeVar("T")

_terminated = False  # whether a SIGTERM arrived in this process


def terminated() -> bool:
    return _terminated


def _on_sigterm(signum, frame) -> None:
    global _terminated
    _terminated = True
    handler = signal.getsignal(signal.SIGINT)
    if callable(handler):
        # default_int_handler raises KeyboardInterrupt; asyncio.Runner's handler cancels the main task.
        handler(signal.SIGINT, frame)
        return
    _stop_here(signum, frame)  # SIGINT ignored (a background job of a script) or not set from Python: raises


def handles_sigterm(main: Callable[..., int]) -> Callable[..., int]:
    """Decorate a `main() -> exit code`: SIGTERM is Ctrl-C while it runs; 130 becomes 143 after a SIGTERM."""

    @functools.wraps(main)
    def wrapper(*args, **kwargs) -> int:
        global _terminated
        if threading.current_thread() is not threading.main_thread():
            return main(*args, **kwargs)  # signal handlers can only be set from the main thread
        _terminated = False
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
        try:
            try:
                code = main(*args, **kwargs)
            except KeyboardInterrupt:
                code = EXIT_INTERRUPTED
        finally:
            signal.signal(signal.SIGTERM, previous)
        if _terminated and code == EXIT_INTERRUPTED:
            return EXIT_TERMINATED
        return code

    return wrapper


async def finish(write: Awaitable[T]) -> T:
    """Await `write` to its end even if the caller is cancelled meanwhile (Ctrl-C, SIGTERM), then re-raise."""
    task = asyncio.ensure_future(write)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        if not task.done():
            await asyncio.wait([task])  # a second cancellation here still stops at once
        if not task.cancelled():
            task.exception()  # retrieved: the cancellation is what the caller sees
        raise


_stops_in_sections = 0  # stop signals that arrived inside `interruptible()` sections


def _stop_here(signum, frame) -> None:
    global _stops_in_sections
    _stops_in_sections += 1
    raise KeyboardInterrupt


@contextmanager
def interruptible() -> Iterator[None]:
    """A synchronous stretch in which SIGTERM and Ctrl-C raise KeyboardInterrupt at once (see the module docstring).

    Inside `asyncio.run` the KeyboardInterrupt leaves the main task through its `finally` blocks (async ones
    included: the store is closed) and then `asyncio.run`, as Ctrl-C does outside asyncio; `handles_sigterm` turns
    it into exit 143. A C extension that checks for signals while it works (usearch does, between the vectors of a
    batch) stops at once too, but raises its own error ("RuntimeError: Operation has been terminated"): whatever
    leaves the block after a stop signal arrived in it is a KeyboardInterrupt. Outside the main thread it changes
    nothing (signals reach only the main thread); where SIGINT is ignored, SIGTERM raises at once anyway."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    # asyncio.Runner's SIGINT handler cancels the main task (which waits for the next await); SIGTERM goes through
    # the SIGINT handler (_on_sigterm), so setting that one covers both.
    previous = signal.getsignal(signal.SIGINT)
    swap = callable(previous)
    if swap:
        signal.signal(signal.SIGINT, _stop_here)
    stops = _stops_in_sections
    try:
        yield
    except Exception as exc:
        if _stops_in_sections != stops:
            raise KeyboardInterrupt from exc
        raise
    finally:
        if swap and signal.getsignal(signal.SIGINT) is _stop_here:
            signal.signal(signal.SIGINT, previous)
