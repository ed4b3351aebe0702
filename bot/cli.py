"""`python -m bot [--config PATH] [run|api|ask|discover]`: the bot's command line.

`run` (the default) starts the Discord bot through `bot.discord_app.launcher`; `api` serves the REST API;
`ask` and `discover` answer in the terminal. Every expected failure (bad bot.toml, nothing published yet, a bad
filter) ends in one sentence on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

from indexer.config import ConfigError, load_config
from indexer.logs import configure_logging
from indexer.shutdown import handles_sigterm

EXIT_USAGE = 2
COMMANDS = ("run", "api", "ask", "discover")


def _parser() -> argparse.ArgumentParser:
    from bot.ask import add_ask_arguments, add_discover_arguments

    parser = argparse.ArgumentParser(
        prog="python -m bot", description="MoreLike: 'more like this' for movies and TV shows."
    )
    parser.add_argument("--config", help="path to bot.toml (default: ./bot.toml or $MORELIKE_CONFIG)")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more logging (-v info, -vv debug)")
    # --config and -v are accepted after the subcommand too ("python -m bot ask Heat --config x.toml").
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    common.add_argument("-v", "--verbose", action="count", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", metavar="{run,api,ask,discover}")
    sub.add_parser("run", parents=[common], help="run the Discord bot (the default; needs DISCORD_TOKEN)")
    api = sub.add_parser("api", parents=[common], help="serve the REST API (OpenAPI at /openapi.json)")
    api.add_argument("--host", help="address to listen on (default: [api] host in bot.toml, 127.0.0.1)")
    api.add_argument("--port", type=int, help="port (default: [api] port in bot.toml, 8080)")
    ask = sub.add_parser("ask", parents=[common], help='titles like one title: ask "Now You See Me"')
    add_ask_arguments(ask)
    discover = sub.add_parser(
        "discover", parents=[common], help='titles matching a description: discover "a heist by stage magicians"'
    )
    add_discover_arguments(discover)
    return parser


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return EXIT_USAGE


def _open_engine(config):
    from bot.engine import Engine, EngineError

    try:
        return Engine.open(config)
    except EngineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None


@handles_sigterm  # SIGTERM (docker stop) is Ctrl-C: the gateway is closed, exit 0 or 143
def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = _parser()
    args = parser.parse_args(argv)
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
            from bot.api import serve

            asyncio.run(serve(engine, config, args.host, args.port))
            return 0
        engine = _open_engine(config)
        if engine is None:
            return EXIT_USAGE
        from bot.ask import run_ask, run_discover

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
