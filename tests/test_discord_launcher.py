"""Starting the bot: missing token, missing index, sharding, and hot-reloading a newly published index."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import shutil
import subprocess
import sys

import discord
import pytest

from bot.discord_app import launcher
from bot.discord_app.client import MoreLikeBot, MoreLikeShardedBot, create_bot
from bot.discord_app.identify import IdentifyGate
from morelike.engine import Engine
from tests.conftest import copy_state, make_config
from tests.fakes import discord_server as fd
from tests.fakes.discord_server import running_client, running_fake

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def state(small_published):
    return small_published


def test_without_a_token_it_says_what_to_set_and_how_to_invite(monkeypatch, capsys, tmp_path):
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    assert launcher.run(make_config(tmp_path)) == 2
    err = capsys.readouterr().err
    assert "export DISCORD_TOKEN=" in err
    assert (
        "https://discord.com/oauth2/authorize?client_id=YOUR_APPLICATION_ID&scope=bot+applications.commands"
        "&permissions=" in err
    )
    monkeypatch.setenv("DISCORD_APPLICATION_ID", "1234")
    assert launcher.run(make_config(tmp_path)) == 2
    err = capsys.readouterr().err
    assert "client_id=1234&scope=bot+applications.commands" in err and "YOUR_APPLICATION_ID" not in err


def test_without_an_index_it_says_so_and_fails(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("DISCORD_TOKEN", "not-a-real-token")
    assert launcher.run(make_config(tmp_path)) == 1
    err = capsys.readouterr().err
    assert err.startswith("Cannot start the Discord bot: No index published yet") and "not-a-real-token" not in err


@pytest.mark.parametrize("page_size", [0, 10])
def test_a_page_size_the_layout_cannot_show_is_refused_when_bot_toml_is_read(state, tmp_path, page_size):
    # Validated once, by morelike.settings, before the bot (or any face) is started: exit 2, one sentence.
    path = tmp_path / "bot.toml"
    path.write_text(f'[paths]\nstate_dir = "{state}"\n[discord]\npage_size = {page_size}\n', encoding="utf-8")
    env = {**os.environ, "DISCORD_TOKEN": "not-a-real-token"}
    command = [sys.executable, "-m", "bot", "--config", str(path), "run"]
    proc = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        f"error: {path}: [discord] page_size = {page_size} is not allowed: it must be a whole number from 1 to 9"
    )


async def test_run_starts_the_bot_serves_and_reports_how_it_stopped(state, tmp_path, monkeypatch, capsys):
    own = copy_state(state, tmp_path)
    config = make_config(own, discord={"guild_id": fd.GUILD_ID, "cooldown_rate": 0}, engine={"reload_interval_s": 0})
    async with running_fake() as fake:
        monkeypatch.setenv("DISCORD_TOKEN", "invalid-token-1234")
        assert await asyncio.to_thread(launcher.run, config) == 1
        assert "Discord refused DISCORD_TOKEN" in capsys.readouterr().err

        monkeypatch.setenv("DISCORD_TOKEN", "good-token-5678")
        running = asyncio.create_task(asyncio.to_thread(launcher.run, config))
        await asyncio.wait_for(fake.commands_synced.wait(), 30)
        await asyncio.wait_for(fake.identified.wait(), 30)
        inter = await fake.command("similar", {"title": "Toy Story"})
        msg = await inter.final()  # right after start the answer may come deferred (the resolver still builds)
        assert "More like [Toy Story (1995)]" in msg["content"]
        assert (own / "discord_commands.json").exists()  # the synced tree's hash, under the state dir
        await fake.disconnect_all(code=4004)
        assert await asyncio.wait_for(running, 30) == 1
        err = capsys.readouterr().err
        assert "closed the gateway connection (code 4004)" in err and "good-token-5678" not in err


async def test_a_refused_command_sync_is_one_sentence_not_a_traceback(state, tmp_path, monkeypatch, capsys):
    config = make_config(copy_state(state, tmp_path), discord={"guild_id": fd.GUILD_ID})
    async with running_fake() as fake:
        fake.refuse_command_sync = True  # Discord: 403 Missing Access (invited without applications.commands)
        monkeypatch.setenv("DISCORD_TOKEN", "good-token-5678")
        assert await asyncio.to_thread(launcher.run, config) == 1
        assert [v.split(": ", 1)[1] for v in fake.take_violations()] == ["403 50001 Missing Access"]  # the refusal
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.strip().count("\n") == 0, err
    assert f"Discord refused to register the slash commands in guild {fd.GUILD_ID} (HTTP 403" in err
    assert "scope=bot+applications.commands" in err and "member of that guild" in err
    assert "good-token-5678" not in err


async def test_sharded_bot_serves_commands_and_never_logs_the_token(state, tmp_path, caplog):
    caplog.set_level(logging.DEBUG, logger="bot")
    caplog.set_level(logging.INFO, logger="discord")
    config = make_config(state, discord={"shard_count": 1, "cooldown_rate": 0}, engine={"reload_interval_s": 0.0})
    bot = create_bot(
        config, Engine.open(config), sync_marker=tmp_path / "sync.json", identify_gate=tmp_path / "identify.json"
    )
    assert isinstance(bot, MoreLikeShardedBot) and bot.shard_count == 1
    assert isinstance(create_bot(make_config(state), None), MoreLikeBot)
    token = "secret-token-6f1e0c"
    async with running_fake() as fake, running_client(fake, bot, token=token):
        assert fake.commands[None]  # no guild id: synced globally
        inter = await fake.command("similar", {"title": "Toy Story"})
        assert "More like [Toy Story (1995)]" in inter.message["content"]
    assert caplog.records and token not in caplog.text


async def test_processes_with_shard_ranges_identify_their_own_shards_and_only_shard_0_syncs(state, tmp_path, caplog):
    """Two processes of one host (one state dir) started together, shards 0-1 and 2-3 of 4: each IDENTIFYs exactly
    its shards, taking turns with the other where Discord's identify limit says so, and only the one with shard 0
    pushes the command tree, even with a sync marker of its own (as on another host) that would make it push."""
    caplog.set_level(logging.INFO, logger="bot")
    own = copy_state(state, tmp_path)
    engine = Engine.open(make_config(own))
    bots = {}
    for name, shards in (("a", "0-1"), ("b", "2-3")):
        config = make_config(own, discord={"shard_count": 4, "shard_ids": shards, "cooldown_rate": 0})
        config.engine.reload_interval_s = 0.0
        bots[name] = create_bot(config, engine, sync_marker=tmp_path / f"sync-{name}.json")
    async with running_fake() as fake, contextlib.AsyncExitStack() as stack:
        # Two buckets: shards 0 and 2 share one, 1 and 3 the other; an IDENTIFY in a bucket < 5 s after another
        # is refused (and fails the test), as Discord refuses it.
        fake.max_concurrency = 2
        await asyncio.gather(
            *(stack.enter_async_context(running_client(fake, bot, token=f"token-{n}")) for n, bot in bots.items())
        )
        identified = {(i.token, i.shard) for i in fake.identifies}
        assert identified == {("token-a", (0, 4)), ("token-a", (1, 4)), ("token-b", (2, 4)), ("token-b", (3, 4))}
        assert len(fake.identifies) == 4 and not any(i.refused for i in fake.identifies)
        assert bots["a"].synced and not bots["b"].synced and fake.command_puts == 1
        # A DM reaches shard 0 (process a); this guild's commands reach shard (guild_id >> 22) % 4, process b's.
        dm = await fake.command("similar", {"title": "Toy Story"}, guild=False)
        in_guild = await fake.command("similar", {"title": "Toy Story"})
        assert dm.gateway is not None and (dm.gateway.token, dm.gateway.shard) == ("token-a", (0, 4))
        assert in_guild.gateway is not None and in_guild.gateway.token == "token-b"
        assert in_guild.gateway.shard == ((fd.GUILD_ID >> 22) % 4, 4) == (3, 4)
        assert all("More like [Toy Story (1995)]" in i.message["content"] for i in (dm, in_guild))
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.discord_app"]
    assert "event=shards shards=0-1 shard_count=4 max_concurrency=2 recommended=1 syncs_commands=true" in lines
    assert "event=shards shards=2-3 shard_count=4 max_concurrency=2 recommended=1 syncs_commands=false" in lines
    assert "event=commands_sync_skipped scope=global shards=2-3 shard_count=4 reason=shard_0_syncs" in lines
    assert any(line.startswith("event=ready shards=2-3 shard_count=4 ") for line in lines)


def test_processes_sharing_a_state_dir_take_turns_to_identify(tmp_path):
    now = [1000.0]
    path = tmp_path / "discord_identify.json"
    first, second = (IdentifyGate(path, max_concurrency=2, clock=lambda: now[0]) for _ in range(2))
    assert first.reserve(0) == 0 and second.reserve(1) == 0  # two buckets (shard % 2): both at once
    assert second.reserve(2) == 6.0  # bucket 0 again, from the other process: 5 s later, and a second spare
    assert first.reserve(4) == 12.0
    now[0] += 20
    assert first.reserve(2) == 0  # long past: at once
    path.write_text('{"0": 10')  # cut short by a crash: every bucket free, never an error
    assert second.reserve(0) == 0 and second.reserve(2) == 6.0


@pytest.mark.parametrize(
    ("discord_settings", "sentence"),
    [
        (
            'shard_count = 4\nshard_ids = "2-4"',
            "shard 4 is not below shard_count = 4 (shards are numbered from 0 to 3)",
        ),
        ('shard_ids = "0-1"', "it needs [discord] shard_count (now 0), the number of shards of all processes together"),
    ],
)
def test_shard_ids_the_shards_cannot_have_are_refused_before_the_bot_starts(
    state, tmp_path, discord_settings, sentence
):
    path = tmp_path / "bot.toml"
    path.write_text(f'[paths]\nstate_dir = "{state}"\n[discord]\n{discord_settings}\n', encoding="utf-8")
    env = {**os.environ, "DISCORD_TOKEN": "not-a-real-token"}
    command = [sys.executable, "-m", "bot", "--config", str(path), "run"]
    proc = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().startswith(f"error: {path}: [discord] shard_ids = ") and proc.stderr.count("\n") == 1
    assert proc.stderr.strip().endswith(f" is not allowed: {sentence}")


async def test_a_newly_published_index_is_hot_loaded_without_dropping_interactions(state, tmp_path):
    own = copy_state(state, tmp_path)
    config = make_config(own, discord={"cooldown_rate": 0}, engine={"reload_interval_s": 0.05})
    engine = Engine.open(config)
    old_build = engine.build_id
    async with running_fake() as fake, running_client(fake, create_bot(config, engine, sync_marker=own / "s.json")):
        # Publish a "new" build the way the indexer does: a new build dir, then an atomic `current` swap.
        builds = own / "published" / "builds"
        new_id = old_build + "-next"
        shutil.copytree(builds / old_build, builds / new_id)
        manifest = json.loads((builds / new_id / "manifest.json").read_text())
        manifest["build_id"] = new_id
        (builds / new_id / "manifest.json").write_text(json.dumps(manifest))
        tmp_link = own / "published" / "current.tmp"
        os.symlink(f"builds/{new_id}", tmp_link)
        os.replace(tmp_link, own / "published" / "current")

        answered = []
        for i in range(200):
            answered.append(await fake.command("similar", {"title": "Toy Story"}, user=fd.DEFAULT_USER_ID + i))
            if engine.build_id == new_id:
                break
            await asyncio.sleep(0.05)
        assert engine.build_id == new_id
        answered.append(await fake.command("similar", {"title": "Toy Story"}))
        assert all(i.acknowledged and "Toy Story (1995)" in i.message["content"] for i in answered)


async def test_a_start_logs_no_warning_about_voice(state, tmp_path, caplog, monkeypatch):
    """The bot never uses voice, so PyNaCl and davey are not installed: discord.py's two WARNINGs saying voice will
    not work are noise on every start, and are silenced (they alone: discord.py's own switches for them)."""
    # discord.py warns from the first client a process makes: make this one that first, whatever ran before.
    monkeypatch.setattr(discord.VoiceClient, "warn_nacl", True)
    monkeypatch.setattr(discord.VoiceClient, "warn_dave", True)
    caplog.set_level(logging.WARNING)
    config = make_config(state, engine={"reload_interval_s": 0.0})
    bot = create_bot(config, Engine.open(config), sync_marker=tmp_path / "sync.json")
    async with running_fake() as fake, running_client(fake, bot):
        assert (await fake.command("help")).message["embeds"][0]["title"].startswith("MoreLike")
    warnings = [f"{r.name}: {r.getMessage()}" for r in caplog.records if r.levelno >= logging.WARNING]
    assert not [w for w in warnings if "PyNaCl" in w or "davey" in w or "voice" in w], warnings
