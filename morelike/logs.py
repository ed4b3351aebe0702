"""Structured, quiet-by-default logging shared by the indexer and the bot.

Lines are `ts level logger message` with `key=value` pairs in the message, so they grep and parse well.
Secrets never reach a log line: nothing here formats request headers, and `redact` scrubs known secret
values from any message as a last line of defence.
"""

from __future__ import annotations

import logging
import os
import sys

_SECRET_ENV = ("DISCORD_TOKEN", "TRAKT_CLIENT_ID")


class _RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def redact(text: str) -> str:
    for name in _SECRET_ENV:
        secret = os.environ.get(name)
        if secret and len(secret) >= 6:
            text = text.replace(secret, "[redacted]")
    return text


def configure_logging(level: str = "WARNING", verbose: int = 0) -> None:
    if verbose:
        level = "INFO" if verbose == 1 else "DEBUG"
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_RedactingFormatter("%(asctime)s %(levelname)s %(name)s %(message)s", "%Y-%m-%dT%H:%M:%S"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
