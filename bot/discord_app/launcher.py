"""`run(config) -> exit code`: start the Discord bot (what `python -m bot run` calls).

Without `DISCORD_TOKEN` it says exactly what to set and how to invite the bot, and returns 2. The token is read
from the environment only and never logged or printed.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import time

import discord

from bot.discord_app.client import create_bot
from morelike.engine import Engine, EngineError
from morelike.settings import Config, discord_token

log = logging.getLogger("bot.discord_app")

# Send Messages + Embed Links + Read Message History: what answering in a channel can need. Slash-command
# answers are interaction responses, so the bot works even with fewer.
PERMISSIONS = 2048 | 16384 | 65536
APP_ID_PLACEHOLDER = "YOUR_APPLICATION_ID"


def invite_url(application_id: int | None) -> str:
    client_id = application_id or APP_ID_PLACEHOLDER
    return (
        f"https://discord.com/oauth2/authorize?client_id={client_id}"
        f"&scope=bot+applications.commands&permissions={PERMISSIONS}"
    )


def missing_token_help(application_id: int | None) -> str:
    return (
        "DISCORD_TOKEN is not set, so the Discord bot cannot start.\n"
        "  1. Create an application at https://discord.com/developers/applications, add a Bot, copy its token.\n"
        "  2. export DISCORD_TOKEN=<the bot token>   (environment only; never put it in bot.toml)\n"
        "  3. Invite the bot to your server with:\n"
        f"     {invite_url(application_id)}\n"
        + (
            ""
            if application_id
            else "     (replace YOUR_APPLICATION_ID with the Application ID, or set DISCORD_APPLICATION_ID)\n"
        )
        + "  Optional: [discord] guild_id = <your server id> in bot.toml makes the commands appear instantly there."
    )


def application_id() -> int | None:
    """The application id for the invite URL, from DISCORD_APPLICATION_ID (not a secret; optional)."""
    value = os.environ.get("DISCORD_APPLICATION_ID", "").strip()
    return int(value) if value.isdigit() else None


def run(config: Config) -> int:
    """Run the bot until interrupted. Exit codes: 0 clean stop, 1 cannot start, 2 DISCORD_TOKEN missing."""
    token = discord_token()
    if not token:
        print(missing_token_help(application_id()), file=sys.stderr)
        return 2
    started = time.perf_counter()
    try:
        # Similar search is ready on return; the title resolver goes on building in a thread while the bot logs
        # in, syncs its commands and connects (client.warm_up): until it is built, commands that need it defer.
        engine = Engine.open(config)
    except EngineError as exc:
        print(f"Cannot start the Discord bot: {exc}", file=sys.stderr)
        return 1
    log.info("event=engine_ready seconds=%.2f", time.perf_counter() - started)
    try:
        asyncio.run(_serve(config, engine, token, started))
    except KeyboardInterrupt:
        return 0
    except discord.LoginFailure:
        print("Discord refused DISCORD_TOKEN: check that it is the bot token of your application.", file=sys.stderr)
        return 1
    except discord.PrivilegedIntentsRequired:
        print("Discord refused the requested gateway intents for this bot.", file=sys.stderr)
        return 1
    except discord.Forbidden as exc:
        # Raised while the bot starts: syncing the slash commands is the only call that can be refused there.
        where = f"in guild {config.discord.guild_id}" if config.discord.guild_id else "globally"
        print(
            f"Discord refused to register the slash commands {where} (HTTP 403: {exc.text or 'Missing Access'}): "
            "invite the bot with the applications.commands scope "
            f"({invite_url(application_id())}), check that DISCORD_TOKEN is the bot token of that application"
            + (", and that the bot is a member of that guild." if config.discord.guild_id else "."),
            file=sys.stderr,
        )
        return 1
    except discord.HTTPException as exc:
        print(
            f"Discord answered HTTP {exc.status} while the bot started ({exc.text}); the bot stopped.", file=sys.stderr
        )
        return 1
    except discord.ConnectionClosed as exc:
        print(f"Discord closed the gateway connection (code {exc.code}); the bot stopped.", file=sys.stderr)
        return 1
    except (discord.GatewayNotFound, OSError) as exc:
        print(f"Cannot reach Discord: {exc}", file=sys.stderr)
        return 1
    return 0


async def _serve(config: Config, engine: Engine, token: str, launched_at: float) -> None:
    bot = create_bot(config, engine, launched_at=launched_at)
    async with bot:  # closes the bot (gateway code 1000: the session ends, the bot shows offline at once)
        running = asyncio.create_task(bot.start(token))
        try:
            await asyncio.shield(running)
        except asyncio.CancelledError:  # Ctrl-C or SIGTERM
            await _stop(running)
            raise


async def _stop(running: asyncio.Task) -> None:
    """Cancel `bot.start()` and wait for it to end, delivering the cancellation again until it does (as anyio's
    cancel scopes do). On Python 3.11 `asyncio.wait_for` swallows a cancellation that lands just as the call it
    waits on returns (CPython gh-86296), and discord.py opens the gateway inside one: a stop right at connect then
    left the gateway loop running, and the bot either never stopped or, closed under that loop, ended its session
    with 4000 (resumable: listed online a while longer) instead of 1000."""
    while not running.done():
        running.cancel()
        await asyncio.wait({running}, timeout=0.1)
    if not running.cancelled() and running.exception() is not None:
        log.warning("event=stop_error error=%r", running.exception())
