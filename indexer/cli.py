"""`python -m indexer build|sync|stats`: the standalone batch indexer.

Every expected failure (bad config, unreadable file, missing API key, wrong model) ends in one sentence on
stderr and exit code 2, never a traceback. Ctrl-C (or a kill) is safe: rerunning resumes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from morelike.logs import configure_logging
from morelike.settings import Config, ConfigError, load_config, trakt_client_id
from morelike.shutdown import handles_sigterm

if TYPE_CHECKING:
    from indexer.pipeline import BuildSummary

EXIT_USAGE = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m indexer", description="Build and publish the MoreLike index.")
    parser.add_argument("--config", help="path to bot.toml (default: ./bot.toml or $MORELIKE_CONFIG)")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more logging (-v info, -vv debug)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="import a catalog, encode what changed, publish a new index")
    build.add_argument(
        "--source", default="bundled", help="bundled (default), trakt, or a path to a .jsonl/.csv catalog"
    )
    build.add_argument("--limit", type=int, help="only the first N titles (N most popular for trakt)")
    build.add_argument(
        "--recrawl", action="store_true", help="trakt: crawl again from the start even though a crawl completed"
    )
    shrink_help = "publish even if the index shrinks (another source than the published one, or --limit)"
    build.add_argument("--allow-shrink", action="store_true", help=shrink_help)
    sync = sub.add_parser("sync", help="Trakt incremental sync since the last crawl, then publish")
    sync.add_argument("--allow-shrink", action="store_true", help=shrink_help)
    stats = sub.add_parser("stats", help="what the working store and the published index hold")
    stats.add_argument("--json", action="store_true")
    return parser


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return EXIT_USAGE


@handles_sigterm  # SIGTERM (docker stop) is Ctrl-C: the current write commits, exit 143
def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        return _fail(str(exc))
    configure_logging(config.log.level, args.verbose)
    if getattr(args, "limit", None) is not None and args.limit < 1:
        return _fail("--limit must be a positive number of titles")
    if getattr(args, "recrawl", False) and args.source != "trakt":
        return _fail("--recrawl applies to --source trakt only")
    try:
        return asyncio.run(_run(args, config))
    except KeyboardInterrupt:
        print("interrupted: progress so far is saved; rerun the same command to resume", file=sys.stderr)
        return 130


async def _run(args: argparse.Namespace, config: Config) -> int:
    from indexer.lock import StateDirError, StateLockedError, unwritable
    from indexer.pipeline import BuildRefused
    from indexer.sources import SourceError
    from indexer.store import StoreError
    from indexer.trakt import TraktError
    from morelike.build.reader import PublishedError
    from morelike.build.writer import PublishError
    from morelike.encoders import ModelError

    expected = (
        SourceError,
        StoreError,
        ModelError,
        TraktError,
        PublishError,
        PublishedError,
        ConfigError,
        StateLockedError,
        StateDirError,
    )
    try:
        if args.command == "stats":
            return await _stats(config, args.json)
        from indexer import pipeline

        progress = not args.no_progress
        if args.command in ("sync",) or args.source == "trakt":
            key = trakt_client_id()
            if not key:
                return _fail(
                    "the Trakt source needs an API key: set TRAKT_CLIENT_ID to your app's Client ID "
                    "(https://trakt.tv/oauth/applications)"
                )
            if args.command == "sync":
                summary = await pipeline.sync(
                    config, progress=progress, trakt_client_id=key, allow_shrink=args.allow_shrink
                )
            else:
                summary = await pipeline.build(
                    config,
                    "trakt",
                    args.limit,
                    progress=progress,
                    trakt_client_id=key,
                    recrawl=args.recrawl,
                    allow_shrink=args.allow_shrink,
                )
        else:
            summary = await pipeline.build(
                config, args.source, args.limit, progress=progress, allow_shrink=args.allow_shrink
            )
    except expected as exc:
        if isinstance(exc, BuildRefused):
            _report_bad_lines(exc.summary)  # what it read, all the same: the lines to fix before a rerun
        return _fail(str(exc))
    except OSError as exc:
        # The state dir failed past the lock (a file where a folder goes, a mount turned read-only): said like an
        # unwritable one. Any other OSError is a bug, worth its traceback.
        if exc.filename is None or not Path(exc.filename).is_relative_to(config.state_dir):
            raise
        return _fail(unwritable(config.state_dir, exc))
    _report_bad_lines(summary)
    print("\n".join(summary.lines()))
    return 0


def _report_bad_lines(summary: BuildSummary) -> None:
    # The skipped catalog lines, once (the log has them only at -v).
    for line_no, reason in summary.bad_examples:
        print(f"  line {line_no}: {reason}", file=sys.stderr)
    if summary.bad_lines > len(summary.bad_examples):
        print(f"  … and {summary.bad_lines - len(summary.bad_examples)} more bad lines", file=sys.stderr)


async def _stats(config: Config, as_json: bool) -> int:
    from indexer.store import Store
    from indexer.trakt import SEEN_PREFIX
    from morelike.build.reader import PublishedError, open_published

    report: dict = {"state_dir": str(config.state_dir)}
    if config.store_path.exists():
        store = await Store.open(config.store_path)
        try:
            report["store"] = {
                "titles": await store.count(),
                "movies": await store.count("movie"),
                "shows": await store.count("show"),
                "schema_version": await store.schema_version(),
                "sync_state": {
                    k: v
                    for k, v in (await store.all_state()).items()
                    if "key" not in k.lower() and not k.startswith(SEEN_PREFIX)  # drift bookkeeping of a sync
                },
            }
        finally:
            await store.close()
    else:
        report["store"] = None
    try:
        with open_published(config.state_dir) as published:
            report["published"] = published.manifest
    except PublishedError as exc:
        report["published"] = None
        report["published_error"] = str(exc)
    if as_json:
        print(json.dumps(report, indent=2))
        return 0
    store = report["store"]
    print(f"state dir: {report['state_dir']}")
    if store:
        print(
            f"store: {store['titles']} titles ({store['movies']} movies, {store['shows']} shows), "
            f"schema v{store['schema_version']}"
        )
    else:
        print("store: none (no catalog imported into this state dir; serving needs only the published index)")
    pub = report["published"]
    if pub:
        print(
            f"published: build {pub['build_id']}, {pub['count']} titles, model {pub['model']} "
            f"({pub['dimensions']}d, {pub['dtype']}), text recipe {pub.get('text_recipe')}, built {pub['built_at']}"
        )
        enc = pub.get("encoder")
        if enc:
            print(f"encoded by: {enc['backend']} on {enc['device']} ({enc['precision']}, batch {enc['batch_size']})")
    else:
        print(f"published: none — {report['published_error']}")
    return 0
