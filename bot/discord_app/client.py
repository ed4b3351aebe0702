"""The bot object: the engine, the cogs, the dynamic components, command sync and index hot-reload."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
from pathlib import Path

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_app import embeds
from bot.discord_app.cogs import UserCooldowns
from bot.discord_app.cogs.discover import DiscoverCog
from bot.discord_app.cogs.help import HelpCog
from bot.discord_app.cogs.similar import SimilarCog
from bot.discord_app.cogs.title import TitleCog
from bot.discord_app.components import DYNAMIC_ITEMS

log = logging.getLogger("bot.discord_app")

SYNC_MARKER = "discord_commands.json"  # under the state dir: hash of the command tree last synced, per scope


class MoreLikeTree(app_commands.CommandTree):
    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        """Every failure gets an ephemeral sentence; only the unexpected ones are logged as errors."""
        name = interaction.command.name if interaction.command else "that command"
        if isinstance(error, app_commands.CommandOnCooldown):
            text = embeds.cooldown_text(name, error.retry_after)
        elif isinstance(error, app_commands.TransformerError | app_commands.CheckFailure):
            text = str(error) or embeds.ERROR_TEXT
        else:
            original = getattr(error, "original", error)
            log.error("event=command_failed command=%s error=%r", name, original, exc_info=original)
            text = embeds.ERROR_TEXT
        try:
            if interaction.response.is_done():
                await interaction.followup.send(text, ephemeral=True)
            else:
                await interaction.response.send_message(text, ephemeral=True)
        except discord.HTTPException as exc:  # the interaction expired or was already answered
            log.warning("event=error_reply_failed command=%s status=%s", name, exc.status)


class _MoreLike:
    """Shared by the single-shard and the auto-sharded bot."""

    def _init_morelike(self, config, engine, sync_marker: Path | None) -> None:
        self.config = config
        self.engine = engine
        self.sync_marker = sync_marker if sync_marker is not None else config.state_dir / SYNC_MARKER
        self.synced = False  # whether the last start pushed the command tree to Discord
        self._reload_task: asyncio.Task | None = None
        self.cooldowns = UserCooldowns()

    async def setup_hook(self) -> None:
        for cog in (SimilarCog, DiscoverCog, TitleCog, HelpCog):
            await self.add_cog(cog(self))
        self.add_dynamic_items(*DYNAMIC_ITEMS)
        await self.sync_commands()
        interval = self.config.engine.reload_interval_s
        if interval > 0:
            self._reload_task = asyncio.create_task(self._reload_loop(interval))

    def _scope(self) -> tuple[discord.Object | None, str]:
        guild_id = self.config.discord.guild_id
        return (discord.Object(guild_id), f"guild:{guild_id}") if guild_id else (None, "global")

    def tree_digest(self) -> str:
        guild, scope = self._scope()
        payload = [cmd.to_dict(self.tree) for cmd in self.tree.get_commands(guild=guild)]
        blob = json.dumps({"app": self.application_id, "scope": scope, "commands": payload}, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()

    async def sync_commands(self) -> bool:
        """Push the command tree to the guild (instant) or globally, only when it changed since the last push."""
        guild, scope = self._scope()
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        digest = self.tree_digest()
        try:
            marker = json.loads(self.sync_marker.read_text())
        except (OSError, ValueError):
            marker = {}
        if marker.get(scope) == digest:
            log.info("event=commands_unchanged scope=%s", scope)
            self.synced = False
            return False
        await self.tree.sync(guild=guild)
        marker[scope] = digest
        self.sync_marker.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.sync_marker.with_suffix(".tmp")
        tmp.write_text(json.dumps(marker, indent=1))
        tmp.replace(self.sync_marker)
        log.info("event=commands_synced scope=%s count=%d", scope, len(self.tree.get_commands(guild=guild)))
        self.synced = True
        return True

    async def _reload_loop(self, interval: float) -> None:
        """Hot-load a newly published index; interactions keep using the old one until the swap."""
        while True:
            await asyncio.sleep(interval)
            try:
                if await asyncio.to_thread(self.engine.reload_if_changed):
                    log.info("event=index_reloaded")
            except Exception as exc:  # a bad build must not stop the bot; it keeps serving the current one
                log.warning("event=index_reload_failed error=%s", exc)

    async def close(self) -> None:
        if self._reload_task is not None:
            self._reload_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reload_task
        await super().close()


class MoreLikeBot(_MoreLike, commands.Bot):
    def __init__(self, config, engine, *, sync_marker: Path | None = None, **options) -> None:
        super().__init__(**_bot_options(options))
        self._init_morelike(config, engine, sync_marker)


class MoreLikeShardedBot(_MoreLike, commands.AutoShardedBot):
    def __init__(self, config, engine, *, sync_marker: Path | None = None, **options) -> None:
        super().__init__(shard_count=config.discord.shard_count, **_bot_options(options))
        self._init_morelike(config, engine, sync_marker)


def _bot_options(options: dict) -> dict:
    return {
        "command_prefix": commands.when_mentioned,  # app commands only; no message content needed
        "intents": discord.Intents(guilds=True),
        "help_command": None,
        "tree_cls": MoreLikeTree,
        "guild_ready_timeout": 0,
        "allowed_mentions": discord.AllowedMentions.none(),
        **options,
    }


def create_bot(config, engine, *, sync_marker: Path | None = None, **options) -> commands.Bot:
    """AutoShardedBot when `[discord] shard_count` > 0, else a single-shard bot."""
    cls = MoreLikeShardedBot if config.discord.shard_count > 0 else MoreLikeBot
    return cls(config, engine, sync_marker=sync_marker, **options)
