#!/usr/bin/env python3
"""The image's entrypoint: check what is missing at once, build the index on a first start, then exec the command.

    morelike-entrypoint [run]                  the Discord bot (the default)
    morelike-entrypoint api --host 0.0.0.0     the REST API
    morelike-entrypoint ask "Taxi Driver"      the terminal face (also: discover)
    morelike-entrypoint indexer stats          the indexer (build, sync, stats)
    morelike-entrypoint id -u                  anything else is run as given

Why a program and not a shell script: as PID 1 a shell ignores SIGTERM and SIGINT, so `docker stop` waited 10 s and
SIGKILLed a first-start build. Here the command is exec'd (it becomes PID 1 and handles SIGTERM itself, see
morelike/shutdown.py), and a first-start build runs as a child to which SIGTERM and SIGINT are forwarded; the
entrypoint then exits with the build's code (143 after a SIGTERM), the store intact, and the next start resumes.
The build stops within the second in every phase (import, encode, publish). Before any child runs, a SIGTERM
stops the entrypoint at once (143).

Before anything long: the bot without DISCORD_TOKEN says so and how to get one (exit 2) instead of first building
for half an hour, and a state dir the container's user cannot write says "chown" in one sentence (exit 2), for a
first-start build and for the indexer commands that write it (`indexer build`, `indexer sync`) alike.
MORELIKE_INDEX_LIMIT=N makes a first-start build index only the first N catalog titles (a quick trial).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

BOT_COMMANDS = ("run", "api", "ask", "discover")
INDEXER_WRITERS = ("build", "sync")  # `indexer stats` only reads: a read-only volume serves it
EXIT_USAGE = 2


def say(message: str) -> None:
    print(f"morelike: {message}", file=sys.stderr, flush=True)


def bot_command(args: list[str]) -> str:
    """The bot subcommand in `args` (`run` when none is given, as `python -m bot` does)."""
    return next((a for a in args if a in BOT_COMMANDS), "run")


def config_path(args: list[str]) -> str | None:
    for i, arg in enumerate(args):
        if arg == "--config" and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith("--config="):
            return arg.split("=", 1)[1]
    return None


def not_writable(state_dir: Path) -> str | None:
    """Why the container's user cannot write `state_dir`, or None when it can."""
    try:
        state_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=state_dir):
            pass
    except OSError as exc:
        return exc.strerror or str(exc)
    return None


def indexer_command(args: list[str]) -> str | None:
    """The indexer subcommand in `args` (those after `indexer`): the first word that is not an option or its value."""
    words = iter(args)
    for arg in words:
        if arg == "--config":
            next(words, None)
        elif not arg.startswith("-"):
            return arg
    return None


def refuse_unwritable(state_dir: Path) -> int:
    """0 when the container's user can write `state_dir`; else says how to fix it and returns the exit code."""
    reason = not_writable(state_dir)
    if reason is None:
        return 0
    uid = os.getuid()
    say(
        f"error: {state_dir} is not writable by this container's user (uid {uid}: {reason}), so the index "
        f"cannot be built there: on the host, chown {uid} the folder you mounted there (chown -R {uid} if it "
        "already holds files), or mount a named volume instead."
    )
    return EXIT_USAGE


def check_indexer(args: list[str]) -> int:
    """Before `indexer build|sync`: the same writability check as a first start (0: go on)."""
    if indexer_command(args) not in INDEXER_WRITERS:
        return 0
    from morelike.settings import ConfigError, load_config

    try:
        config = load_config(config_path(args))
    except ConfigError:
        return 0  # the indexer says what is wrong with the config, in its own words
    return refuse_unwritable(config.state_dir)


def run_build(limit: str) -> int:
    """`python -m indexer build` as a child that gets our SIGTERM/SIGINT; its exit code (143 after a SIGTERM)."""
    command = [sys.executable, "-m", "indexer", "build"]
    if limit:
        command += ["--limit", limit]
    # Its own process group: a terminal's Ctrl-C reaches it once (forwarded by us), not twice (a forced stop).
    # Its stdout (the build summary) goes to our stderr: stdout belongs to the command exec'd next, whose answer
    # (`ask --json`) must be the only thing there.
    child = subprocess.Popen(command, process_group=0, stdout=sys.stderr.fileno())

    def forward(signum, frame) -> None:
        if child.poll() is None:
            child.send_signal(signum)

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        code = child.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 128 - code if code < 0 else code  # killed by a signal: the shell's 128 + N


def ensure_index(args: list[str]) -> int:
    """0 when a published index is there (or was just built); otherwise the exit code to stop with."""
    from morelike.settings import ConfigError, load_config

    try:
        config = load_config(config_path(args))
    except ConfigError as exc:
        say(f"error: {exc}")
        return EXIT_USAGE
    state_dir = config.state_dir
    if (config.published_dir / "current").exists():
        return 0
    code = refuse_unwritable(state_dir)
    if code != 0:
        return code
    limit = os.environ.get("MORELIKE_INDEX_LIMIT", "").strip()
    what = f"the first {limit} titles of the bundled catalog" if limit else "the bundled catalog"
    say(
        f"no index in {state_dir} yet: building it from {what} (once; progress lines follow; "
        "a volume at that path keeps it for the next start)"
    )
    code = run_build(limit)
    if code != 0:
        say(f"the index build stopped (exit {code}); start the container again to resume it")
    return code


def stop_now(signum, frame) -> None:
    """SIGTERM or Ctrl-C before any child runs: stop at once (as PID 1 an unhandled SIGTERM would be ignored)."""
    raise SystemExit(128 + signum)


def main(argv: list[str]) -> int:
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, stop_now)
    args = argv or ["run"]
    if args[0] == "indexer":
        code = check_indexer(args[1:])
        if code != 0:
            return code
        os.execv(sys.executable, [sys.executable, "-m", "indexer", *args[1:]])
    if args[0] not in BOT_COMMANDS and not args[0].startswith("-"):
        os.execvp(args[0], args)  # e.g. `docker run morelike id -u`, `... sh`
    if bot_command(args) == "run" and not os.environ.get("DISCORD_TOKEN", "").strip():
        # The bot says what to set and how to invite it, in a second, instead of after a first-start build.
        os.execv(sys.executable, [sys.executable, "-m", "bot", *args])
    code = ensure_index(args)
    if code != 0:
        return code
    os.execv(sys.executable, [sys.executable, "-m", "bot", *args])
    return 0  # not reached: exec replaced this process


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
