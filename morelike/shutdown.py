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
"""

from __future__ import annotations

import asyncio
import functools
import signal
import threading
from collections.abc import Awaitable, Callable
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
    raise KeyboardInterrupt  # SIGINT ignored (a background job of a script) or not set from Python


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
