"""The bot object: the engine, the cogs (extensions), the dynamic components, command sync and index hot-reload.

Start-up and Discord's 3-second deadline: `Engine.open` returns with similar search ready while the title
resolver (autocomplete, typed titles) goes on building in a thread, seconds on the full catalog. The bot connects
at once and never waits for it on the event loop: until `resolver_ready` is set, /similar and /title defer and
resolve in a worker thread, and autocomplete answers with no choices (the next keystroke asks again).
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.discord_app import text, widgets
from bot.discord_app.identify import GATE_FILE, IDENTIFY_WINDOW_S, IdentifyGate
from bot.discord_app.options import garbled_options, leaf_options, option_problem
from bot.discord_app.translator import CatalogueTranslator, locale_of
from bot.discord_app.widgets import ALREADY_ANSWERED, UNKNOWN_INTERACTION, UnknownComponent, reaches_an_item, send_error
from morelike.members import MemberStore
from morelike.settings import shard_ranges, trakt_client_id, trakt_client_secret
from morelike.trakt_user import MemberLinks, TokenBox, TraktUser, TraktUserError

if TYPE_CHECKING:
    from morelike.engine import Engine
    from morelike.settings import Config

    # What the shared class below is mixed into (for the checker: the commands.Bot it reads `tree` etc. from).
    _Bot = commands.Bot
else:
    _Bot = object

log = logging.getLogger("bot.discord_app")

SYNC_MARKER = "discord_commands.json"  # under the state dir: hash of the command tree last synced, per scope
SEEN_INTERACTIONS = 4096  # interaction ids remembered to drop a second delivery (they arrive seconds apart)
# The features, one cog and extension each (a module with `async def setup(bot)`: its commands, texts, buttons and
# what their clicks do), loaded by name at start the way discord.py's own bots (Rapptz/RoboDanny) do: one that fails
# to load is logged and the others still serve.
EXTENSIONS = (
    "bot.discord_app.cogs.similar",
    "bot.discord_app.cogs.title",
    "bot.discord_app.cogs.help",
    "bot.discord_app.cogs.hidden",
    "bot.discord_app.cogs.trakt",
)
# A number no other bot of this process has, or will have: what keeps the bots' cooldown buckets apart (cogs).
_INSTANCE_NUMBERS = itertools.count(1)


class MoreLikeTree(app_commands.CommandTree):
    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Commands and autocomplete run once per interaction, however often Discord delivers it, and only with
        options of the types and bounds the command declares: anything else gets one ephemeral sentence (no
        choices, in autocomplete), logged at INFO, as the bad input it is rather than an error of ours."""
        first = getattr(self.client, "first_delivery", None)
        if first is not None and not first(interaction):
            return False
        problem = self._option_problem(interaction)
        if problem is None:
            return True
        data: Mapping[str, Any] = interaction.data or {}
        name = data.get("name")
        log.info("event=bad_options command=%s problem=%r", str(name)[:40], problem)
        try:
            if interaction.type is discord.InteractionType.autocomplete:
                await interaction.response.autocomplete([])  # a prompt cannot show a sentence: no choices
            else:
                await send_error(interaction, problem)
        except discord.HTTPException as exc:  # the interaction expired or was already answered
            log.warning("event=error_reply_failed command=%s status=%s", str(name)[:40], exc.status)
        return False

    def _option_problem(self, interaction: discord.Interaction) -> str | None:
        if interaction.type not in (discord.InteractionType.application_command, discord.InteractionType.autocomplete):
            return None
        data: Mapping[str, Any] = interaction.data or {}
        if data.get("type", 1) != 1:  # a context-menu command: no options
            return None
        options = leaf_options(data)
        autocomplete = interaction.type is discord.InteractionType.autocomplete
        locale = locale_of(interaction)
        if garbled_options(options):  # before `interaction.command`: its lookup walks the options, and would raise
            return text.garbled_options_text(str(data.get("name")), locale)
        command = interaction.command
        if not isinstance(command, app_commands.Command):  # unknown to this tree: discord.py says so itself
            return None
        return option_problem(command, options, autocomplete=autocomplete, locale=locale)

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        """Every failure gets an ephemeral sentence; only the unexpected ones are logged as errors."""
        name = interaction.command.name if interaction.command else "that command"
        original = getattr(error, "original", error)
        if isinstance(original, discord.HTTPException) and original.code in (ALREADY_ANSWERED, UNKNOWN_INTERACTION):
            # Already answered or expired: there is no one left to tell, and nothing is broken.
            log.warning("event=answer_dropped command=%s code=%s", name, original.code)
            return
        locale = locale_of(interaction)
        if isinstance(error, app_commands.CommandOnCooldown):
            sentence = text.cooldown_text(name, error.retry_after, locale)
        elif isinstance(error, app_commands.TransformerError | app_commands.CheckFailure):
            # discord.py's own sentence (English): ours never reach it, the tree's check answers bad options first
            sentence = str(error) or text.error_text(locale)
        else:
            log.error("event=command_failed command=%s error=%r", name, original, exc_info=original)
            sentence = text.error_text(locale)
        try:
            if interaction.response.is_done():
                await interaction.followup.send(sentence, ephemeral=True)
            else:
                await interaction.response.send_message(sentence, ephemeral=True)
        except discord.HTTPException as exc:  # the interaction expired or was already answered
            log.warning("event=error_reply_failed command=%s status=%s", name, exc.status)


class MoreLike(_Bot):
    """Shared by the single-shard and the auto-sharded bot: one constructor, the client class's own options from
    `_client_options`. What the features (cogs/) get as their bot, and an interaction's client (`widgets.bot_of`)."""

    def __init__(
        self,
        config: Config,
        engine: Engine,
        *,
        sync_marker: Path | None = None,
        launched_at: float | None = None,
        extensions: Sequence[str] = EXTENSIONS,
        members: MemberStore | None = None,
        identify_gate: Path | None = None,
        **options: Any,
    ) -> None:
        super().__init__(**self._client_options(config), **_bot_options(options))
        self.config = config
        self.engine = engine
        # Each member's hidden titles, settings and Trakt link (under the state dir unless a test gives its own).
        self.members = members if members is not None else MemberStore.in_state_dir(config.state_dir)
        self.trakt_links = member_links(config, self.members)  # None: no TRAKT_CLIENT_ID, no /link trakt
        self.link_tasks: set[asyncio.Task] = set()  # device flows being polled (/link trakt)
        self.extension_names = tuple(extensions)
        self.instance_number = next(_INSTANCE_NUMBERS)
        self.sync_marker = sync_marker if sync_marker is not None else config.state_dir / SYNC_MARKER
        # Shared by the bot processes of a host, like the state dir: whose shard may IDENTIFY when (identify.py)
        self.identify_gate = IdentifyGate(identify_gate if identify_gate is not None else config.state_dir / GATE_FILE)
        self.synced = False  # whether the last start pushed the command tree to Discord
        self.launched_at = launched_at if launched_at is not None else time.perf_counter()
        self._seen: OrderedDict[int, None] = OrderedDict()
        self.resolver_ready = asyncio.Event()  # set once the engine's title resolver is built (see warm_up)
        self._warm_task: asyncio.Task | None = None
        self._reload = tasks.loop(seconds=max(config.engine.reload_interval_s, 0.01))(self._reload_once)

    def _client_options(self, config: Config) -> dict[str, Any]:
        """Options of the discord.py client class beside the shared ones (`_bot_options`)."""
        return {}

    @property
    def syncs_commands(self) -> bool:
        """Whether this process pushes the command tree to Discord: the one that runs shard 0 (a single-connection
        bot runs it). The tree is the application's, not a shard's, so one push serves every shard; the others
        would only repeat it, each costing requests against Discord's rate limit on command updates."""
        return True

    def shard_fields(self) -> str:
        """The shards this process runs, as log fields: " shards=0-1 shard_count=4" ("" when not sharded)."""
        return ""

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """A click that reaches no component gets the outdated-message sentence, never silence: discord.py drops,
        unanswered, a click whose component type is not the type of the component with that custom_id (a select
        payload on a button, a button on a select's id), so no item's callback runs for it. (A click that does
        reach an item of another type than its format is made for is answered by the item, the same way.)"""
        if interaction.type is not discord.InteractionType.component or reaches_an_item(interaction):
            return
        if not self.first_delivery(interaction):
            return
        data: Mapping[str, Any] = interaction.data or {}
        log.info(
            "event=unanswerable_click custom_id=%r component_type=%r",
            str(data.get("custom_id"))[:100],
            data.get("component_type"),
        )
        await widgets.outdated(interaction, copy=True)

    def first_delivery(self, interaction: discord.Interaction) -> bool:
        """False for an interaction already delivered (Discord may send one twice, e.g. replayed after a resume):
        its answer was given the first time, and a second would only be refused as already acknowledged."""
        if interaction.id in self._seen:
            log.info("event=duplicate_interaction id=%s", interaction.id)
            return False
        self._seen[interaction.id] = None
        if len(self._seen) > SEEN_INTERACTIONS:
            self._seen.popitem(last=False)
        return True

    async def setup_hook(self) -> None:
        # Before the commands are synced: their names, descriptions and choices go out in every catalogue locale.
        await self.tree.set_translator(CatalogueTranslator())
        await self.load_extensions()  # each feature registers its own buttons and selects (its cog's cog_load)
        self.add_dynamic_items(UnknownComponent)  # and a custom_id in no known format gets an answer too
        self._warm_task = asyncio.create_task(self.warm_up())  # runs on while the bot connects
        await self.sync_commands()
        if self.config.engine.reload_interval_s > 0:
            self._reload.start()

    async def load_extensions(self) -> None:
        """Load every extension; one that fails (a bug in a cog, a misspelt name) is logged on one line and skipped,
        so the other commands still start and are synced."""
        for name in self.extension_names:
            try:
                await self.load_extension(name)
            except Exception as exc:  # any failure of one extension is isolated from the others
                original = getattr(exc, "original", None) or exc  # ExtensionFailed wraps the module's own error
                log.error("event=extension_failed name=%s error=%r", name, original)

    async def warm_up(self) -> None:
        """Wait, in a worker thread, for what handlers need beyond similar search: the title resolver, which
        `Engine.open` started building in the background. A hot reload swaps in snapshots whose resolver is
        already built, so once set, `resolver_ready` stays true."""
        await asyncio.to_thread(lambda: self.engine.snapshot.resolver)
        self.resolver_ready.set()
        log.info("event=engine_warm seconds_since_launch=%.2f", time.perf_counter() - self.launched_at)

    async def on_ready(self) -> None:
        log.info("event=ready%s seconds_since_launch=%.2f", self.shard_fields(), time.perf_counter() - self.launched_at)

    def _scope(self) -> tuple[discord.Object | None, str]:
        guild_id = self.config.discord.guild_id
        return (discord.Object(guild_id), f"guild:{guild_id}") if guild_id else (None, "global")

    async def tree_digest(self) -> str:
        """A hash of what a sync would send, localisations included: a changed translation is synced too."""
        guild, scope = self._scope()
        translator = self.tree.translator
        commands_ = self.tree.get_commands(guild=guild)
        if translator is None:
            payload = [cmd.to_dict(self.tree) for cmd in commands_]
        else:
            payload = [await cmd.get_translated_payload(self.tree, translator) for cmd in commands_]
        blob = json.dumps({"app": self.application_id, "scope": scope, "commands": payload}, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()

    async def sync_commands(self) -> bool:
        """Push the command tree to the guild (instant) or globally, only when it changed since the last push,
        and clear it from every other scope: a server that sees the commands both from its own scope and
        globally lists each one twice."""
        guild, scope = self._scope()
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
            self.tree.clear_commands(guild=None)  # the guild copy serves; the global scope must stay empty
        if not self.syncs_commands:
            log.info("event=commands_sync_skipped scope=%s%s reason=shard_0_syncs", scope, self.shard_fields())
            self.synced = False
            return False
        try:
            marker = json.loads(self.sync_marker.read_text())
        except (OSError, ValueError):
            marker = {}
        stale = [s for s in marker if s != scope]
        if guild is not None and "global" not in stale and await self.tree.fetch_commands():
            stale.append("global")  # synced globally by a run that left no marker here
        for other in stale:
            target = None if other == "global" else discord.Object(int(other.removeprefix("guild:")))
            try:
                await self.tree.sync(guild=target)  # nothing registered there in this tree: clears it
                log.info("event=commands_cleared scope=%s", other)
            except discord.HTTPException as exc:  # e.g. the bot was removed from that server
                log.warning("event=commands_clear_failed scope=%s status=%s", other, exc.status)
            marker.pop(other, None)
        digest = await self.tree_digest()
        if marker.get(scope) == digest:
            log.info("event=commands_unchanged scope=%s", scope)
            self.synced = False
            if stale:
                self._write_marker(marker)
            return False
        await self.tree.sync(guild=guild)
        marker[scope] = digest
        self._write_marker(marker)
        log.info("event=commands_synced scope=%s count=%d", scope, len(self.tree.get_commands(guild=guild)))
        self.synced = True
        return True

    def _write_marker(self, marker: dict) -> None:
        self.sync_marker.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.sync_marker.with_suffix(".tmp")
        tmp.write_text(json.dumps(marker, indent=1))
        tmp.replace(self.sync_marker)

    async def _reload_once(self) -> None:
        """Hot-load a newly published index; interactions keep using the old one until the swap."""
        try:
            if await asyncio.to_thread(self.engine.reload_if_changed):
                log.info("event=index_reloaded")
        except Exception as exc:  # a bad build must not stop the bot; it keeps serving the current one
            log.warning("event=index_reload_failed error=%s", exc)

    async def close(self) -> None:
        self._reload.cancel()
        if self._warm_task is not None and not self._warm_task.done():
            self._warm_task.cancel()  # its worker thread finishes the build on its own
        # A stop between READY and discord.py's delayed "ready" dispatch (it waits for guilds to stream in) left that
        # task to dispatch on a closed client: "'_MissingSentinel' object has no attribute 'create_task'" and a
        # traceback on SIGTERM. discord.py cancels it itself only on the next READY; cancel it here.
        ready_task = getattr(self._connection, "_ready_task", None)
        if ready_task is not None and not ready_task.done():
            ready_task.cancel()
        for task in list(self.link_tasks):
            task.cancel()
        await super().close()
        await self.members.close()


class MoreLikeBot(MoreLike, commands.Bot):
    """The bot on one gateway connection."""


class MoreLikeShardedBot(MoreLike, commands.AutoShardedBot):
    """The bot over `[discord] shard_count` gateway shards, all of them or the `[discord] shard_ids` of this process
    (the way the largest bots run discord.py: one AutoShardedBot per process, each with its range of shards)."""

    def _client_options(self, config: Config) -> dict[str, Any]:
        return {
            "shard_count": config.discord.shard_count,
            "shard_ids": config.discord.shards(),  # None: all of them
            # discord.py gives a shard 180 s to connect, its wait for an IDENTIFY slot included: with the host's
            # other processes ahead of it in its bucket, a shard may wait up to one window per shard.
            "shard_connect_timeout": 180.0 + IDENTIFY_WINDOW_S * config.discord.shard_count,
        }

    @property
    def syncs_commands(self) -> bool:
        return self.shard_ids is None or 0 in self.shard_ids

    def shard_fields(self) -> str:
        ids = self.shard_ids if self.shard_ids is not None else range(self.shard_count or 0)
        return f" shards={shard_ranges(list(ids))} shard_count={self.shard_count or 0}"

    async def setup_hook(self) -> None:
        # Discord's session start limit says how many shards may IDENTIFY at once (1 unless raised for a large bot).
        try:
            recommended, _, limits = await self.http.get_bot_gateway()
            self.identify_gate.max_concurrency = max(1, int(limits.get("max_concurrency") or 1))
        except discord.GatewayNotFound:  # not answered: one at a time, the limit every bot has
            recommended = None
        log.info(
            "event=shards%s max_concurrency=%d recommended=%s syncs_commands=%s",
            self.shard_fields(),
            self.identify_gate.max_concurrency,
            recommended,
            str(self.syncs_commands).lower(),
        )
        if recommended is not None and (self.shard_count or 0) < recommended:
            # Discord closes a session that would handle more than 2,500 guilds (4011, sharding required).
            log.warning("event=too_few_shards shard_count=%d recommended=%d", self.shard_count or 0, recommended)
        await super().setup_hook()

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Instead of discord.py's 5 s between this process's own shards: a slot shared with the host's other
        bot processes (identify.py), so processes started together are not refused."""
        try:
            await self.identify_gate.wait_turn(shard_id or 0)
        except OSError as exc:  # the state dir is not writable: discord.py's own spacing, this process only
            log.warning("event=identify_gate_unusable error=%r", exc)
            await super().before_identify_hook(shard_id, initial=initial)

    async def on_shard_ready(self, shard_id: int) -> None:
        log.info("event=shard_ready shard=%d shard_count=%d", shard_id, self.shard_count or 0)


def member_links(config: Config, members: MemberStore) -> MemberLinks | None:
    """Members' Trakt links when the bot has a Trakt app (TRAKT_CLIENT_ID, TRAKT_CLIENT_SECRET); the tokens' key
    from MORELIKE_SECRET_KEY (without it, or with a bad one, linking is refused with a sentence saying why)."""
    client_id = trakt_client_id()
    if not client_id:
        return None
    try:
        box = TokenBox.from_env()
    except TraktUserError as exc:
        log.warning("event=secret_key_unusable reason=%s", exc.reason)  # never the key itself
        box = None
    trakt = TraktUser(client_id, trakt_client_secret() or "", base_url=str(config.trakt.base_url))
    return MemberLinks(trakt, box, members)


def _bot_options(options: dict[str, Any]) -> dict[str, Any]:
    return {
        "command_prefix": commands.when_mentioned,  # app commands only; no message content needed
        "intents": discord.Intents(guilds=True),
        "help_command": None,
        "tree_cls": MoreLikeTree,
        "guild_ready_timeout": 0,
        "allowed_mentions": discord.AllowedMentions.none(),
        **options,
    }


def create_bot(
    config: Config,
    engine: Engine,
    *,
    sync_marker: Path | None = None,
    launched_at: float | None = None,
    extensions: Sequence[str] = EXTENSIONS,
    members: MemberStore | None = None,
    identify_gate: Path | None = None,
    **options: Any,
) -> MoreLike:
    """AutoShardedBot when `[discord] shard_count` > 0 (over `[discord] shard_ids`, or all shards), else a
    single-shard bot. `launched_at`: the `time.perf_counter()` of the process start, for the READY time logged once
    connected; `extensions`: the cog modules to load (all of them unless a test says otherwise); `sync_marker` and
    `identify_gate`: files under the state dir unless a test gives its own."""
    # The bot never joins a voice channel, so PyNaCl and davey (voice encryption) are not installed: discord.py's
    # two WARNINGs that voice will not work would only be noise on every start. These are its own switches for
    # exactly those warnings (class-wide: they are logged once, by the first client made).
    discord.VoiceClient.warn_nacl = False
    discord.VoiceClient.warn_dave = False
    cls = MoreLikeShardedBot if config.discord.shard_count > 0 else MoreLikeBot
    return cls(
        config,
        engine,
        sync_marker=sync_marker,
        launched_at=launched_at,
        extensions=extensions,
        members=members,
        identify_gate=identify_gate,
        **options,
    )
