"""`python -m bot [--config PATH] [run|api|ask|discover]`: the bot's command line.

`run` (the default) starts the Discord bot through `bot.discord_app.launcher`; `api` serves the REST API;
`ask` and `discover` answer in the terminal. Every expected failure (bad bot.toml, nothing published yet, a bad
filter, a mistyped option, nothing published yet for `api`, `ask` or `discover`) ends in one sentence on stderr
and exit code 2, never a traceback. `ask` exits 1 when no title matches the text typed; `run` exits with the
launcher's code (0 a clean stop, SIGTERM included; 1 the bot cannot start; 2 no DISCORD_TOKEN); Ctrl-C is 130
elsewhere, SIGTERM 143.

Options are never abbreviated (`--k 10` is not `--kind 10`, `--rating 5` is not `--rating-min 5`): a typo is an
error, not a different option. Input that is not UTF-8 never crashes: argv bytes that do not decode become U+FFFD,
and a terminal or pipe whose encoding cannot show a character gets '?' instead of a UnicodeEncodeError.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import sys
from typing import TYPE_CHECKING, NoReturn

from morelike.logs import configure_logging
from morelike.settings import Config, ConfigError, load_config
from morelike.shutdown import handles_sigterm

if TYPE_CHECKING:
    from morelike.engine import Engine  # imported when a command needs it (torch is slow to import)

EXIT_USAGE = 2


class Parser(argparse.ArgumentParser):
    """argparse without abbreviations, whose usage errors are one line: the sentence and where help is."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs["allow_abbrev"] = False
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"error: {message} (see {self.prog} --help)\n")


def _parser() -> argparse.ArgumentParser:
    from bot.terminal import add_ask_arguments, add_discover_arguments, whole_number

    parser = Parser(prog="python -m bot", description="MoreLike: 'more like this' for movies and TV shows.")
    parser.add_argument("--config", help="path to bot.toml (default: ./bot.toml or $MORELIKE_CONFIG)")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more logging (-v info, -vv debug)")
    # --config and -v are accepted after the subcommand too ("python -m bot ask Heat --config x.toml").
    common = Parser(add_help=False)
    common.add_argument("--config", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    common.add_argument("-v", "--verbose", action="count", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", metavar="{run,api,ask,discover}")
    run = sub.add_parser("run", parents=[common], help="run the Discord bot (the default; needs DISCORD_TOKEN)")
    api = sub.add_parser("api", parents=[common], help="serve the REST API (OpenAPI at /openapi.json)")
    api.add_argument("--host", help="address to listen on (default: [api] host in bot.toml, 127.0.0.1)")
    api.add_argument("--port", type=whole_number, help="port (default: [api] port in bot.toml, 8080)")
    ask = sub.add_parser("ask", parents=[common], help='titles like one title: ask "Now You See Me"')
    add_ask_arguments(ask)
    discover = sub.add_parser(
        "discover", parents=[common], help='titles matching a description: discover "a heist by stage magicians"'
    )
    add_discover_arguments(discover)
    parser.set_defaults(_commands={"run": run, "api": api, "ask": ask, "discover": discover})
    return parser


def _parse(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace:
    """`parse_args`, but an unknown option is reported by the subcommand it was given to, so the hint names
    that subcommand's --help (argparse would report it from the top-level parser)."""
    args, extra = parser.parse_known_args(argv)
    if extra:
        (args._commands.get(args.command) or parser).error(f"unrecognized arguments: {' '.join(extra)}")
    return args


def _decoded(arg: str) -> str:
    """An argv item as text: Python keeps bytes that do not decode as lone surrogates ('heist\\udcff'), which
    crash whatever later encodes them (the tokenizer, print); they become U+FFFD here."""
    if any("\udc80" <= ch <= "\udcff" for ch in arg):
        return os.fsencode(arg).decode("utf-8", "replace")
    return arg


def _tolerant_streams() -> None:
    """Output that the terminal's encoding cannot show becomes '?', input that does not decode U+FFFD."""
    for stream in (sys.stdout, sys.stderr, sys.stdin):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="replace")


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return EXIT_USAGE


def _open_engine(config: Config) -> Engine | None:
    from morelike.engine import Engine, EngineError

    try:
        return Engine.open(config)
    except EngineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None


@handles_sigterm  # SIGTERM (docker stop) is Ctrl-C: the gateway is closed, exit 0 or 143
def main(argv: list[str] | None = None) -> int:
    _tolerant_streams()
    argv = [_decoded(arg) for arg in (sys.argv[1:] if argv is None else argv)]
    args = _parse(_parser(), argv)
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        return _fail(str(exc))
    configure_logging(config.log.level, args.verbose)
    command = args.command or "run"
    try:
        if command == "run":
            from bot.discord_app.launcher import run as launch  # discord.py is only imported for the bot

            code = launch(config)
            return int(code or 0)
        if command == "api":
            if args.port is not None and not 0 <= args.port <= 65535:
                return _fail(f"--port must be 0-65535, got {args.port}")
            engine = _open_engine(config)
            if engine is None:
                return EXIT_USAGE
            from bot.rest.app import serve

            asyncio.run(serve(engine, config, args.host, args.port))
            return 0
        engine = _open_engine(config)
        if engine is None:
            return EXIT_USAGE
        from bot.terminal import run_ask, run_discover

        if command == "ask":
            return run_ask(engine, args, sys.stdin, sys.stdout, sys.stderr)
        return run_discover(engine, args, sys.stdout, sys.stderr)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `python -m bot ask … | head`: the reader left; that is not an error
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except OSError as exc:  # e.g. the API port is taken
        return _fail(str(exc))
