"""One writer at a time on a state dir: an advisory lock that names its holder.

Two indexers writing one state dir (two crawls, a crawl and a sync) would each obey only the rate-limit answers
they receive, retry early and interleave their checkpoints. Every writer (`indexer.pipeline.build` / `sync`)
holds `state_dir/indexer.lock` with `fcntl.flock` for its whole run; the kernel drops the lock when the holder
exits, however it exits (a SIGKILL included), so a stale file never blocks anyone. The file records who holds
it (pid, command line, since when) so a second writer is refused with one sentence naming the holder.

Taking the lock is also the first write to the state dir, so a dir this user cannot write (a root-owned bind
mount, a path under a file such as `/dev/null/state`) is found here, before anything else, and said in one
sentence (StateDirError) instead of an OSError traceback.
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

LOCK_FILE = "indexer.lock"


class StateLockedError(RuntimeError):
    """Another process is writing to this state dir; the message names it."""


class StateDirError(RuntimeError):
    """The state dir cannot be created or written by this user; the message says which path and why."""


class StateLock:
    """`with StateLock(state_dir):` — exclusive, non-blocking; StateLockedError when another process holds it."""

    def __init__(self, state_dir: str | os.PathLike) -> None:
        self.state_dir = Path(state_dir)
        self.path = self.state_dir / LOCK_FILE
        self._fd: int | None = None

    def acquire(self) -> StateLock:
        try:
            self.state_dir.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)  # no O_TRUNC: the holder's record must survive
        except OSError as exc:
            raise StateDirError(unwritable(self.state_dir, exc)) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            os.close(fd)
            raise StateLockedError(
                f"Another indexer is writing to {self.state_dir}: {holder}; wait for it to finish (or stop it), "
                "then rerun."
            ) from None
        except BaseException:
            os.close(fd)
            raise
        record = {
            "pid": os.getpid(),
            "command": _command_line(),
            "since": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(record) + "\n").encode(), 0)
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            try:
                os.ftruncate(fd, 0)  # nobody holds it now; the next holder writes its own record
            finally:
                os.close(fd)  # closing the descriptor drops the flock

    def __enter__(self) -> StateLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def unwritable(state_dir: Path, exc: OSError) -> str:
    """One sentence for an OSError on a path in `state_dir`: the path the system refused (the dir itself, a file in
    the way above or inside it, the lock file), why in the system's words, and what to do."""
    where = exc.filename or state_dir
    uid = os.geteuid()
    fix = f"chown {uid} it or " if isinstance(exc, PermissionError) else ""
    return (
        f"The state dir {state_dir} cannot be written by this user (uid {uid}: {where}: {exc.strerror or exc}): "
        f"{fix}set [paths] state_dir in bot.toml to a folder this user can write."
    )


def _command_line() -> str:
    """What the operator typed, near enough: `python -m indexer sync` rather than a path to __main__.py."""
    argv = sys.argv or [""]
    program = Path(argv[0]).name
    if program == "__main__.py":
        program = f"python -m {Path(argv[0]).parent.name}"
    elif program in ("", "-c"):
        program = "python -c ..."
    return " ".join([program, *argv[1:]])


def _read_holder(fd: int) -> str:
    try:
        record = json.loads(os.pread(fd, 4096, 0).decode() or "{}")
        return f"pid {record['pid']} (`{record['command']}`), since {record['since']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "a process that has not written its name yet"
