"""The fake Discord itself: the real discord.py client connects to it, and it enforces Discord's rules."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import discord
import pytest
from discord import app_commands

from tests.fakes import discord_server as fd
from tests.fakes.discord_server import running_client, running_fake


def test_discord_py_still_has_the_hooks_the_fake_patches():
    # The whole recipe rests on these two class attributes; a discord.py upgrade that renames them must fail here.
    assert discord.http.Route.BASE.startswith("https://discord.com/api/v10")
    assert str(discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY).startswith("wss://gateway.discord.gg")


class EchoBot(discord.Client):
    """The smallest app-commands bot: enough to exercise every part of the fake."""

    def __init__(self):
        super().__init__(intents=discord.Intents.default(), guild_ready_timeout=0)
        self.tree = app_commands.CommandTree(self)

        @self.tree.command(description="Say something back")
        async def echo(interaction: discord.Interaction, text: str, private: bool = False):
            view = discord.ui.View()
            view.add_item(discord.ui.Button(label="Again", custom_id="echo:again"))
            view.add_item(discord.ui.Button(label="Off", custom_id="echo:off", disabled=True))
            await interaction.response.send_message(text, ephemeral=private, view=view)

        @self.tree.command(description="Too big to send")
        async def huge(interaction: discord.Interaction):
            await interaction.response.send_message(embed=discord.Embed(description="x" * 4097))

        @self.tree.command(description="Deferred then edited")
        async def slow(interaction: discord.Interaction):
            await interaction.response.defer(thinking=True)
            await asyncio.sleep(0.05)
            await interaction.edit_original_response(content="done")

        @echo.autocomplete("text")
        async def echo_complete(interaction: discord.Interaction, current: str):
            return [app_commands.Choice(name=f"{current} {i}", value=f"{current}{i}") for i in range(30)][:25]

    async def setup_hook(self):
        self.tree.copy_global_to(guild=discord.Object(fd.GUILD_ID))
        await self.tree.sync(guild=discord.Object(fd.GUILD_ID))

    async def on_interaction(self, interaction: discord.Interaction):
        if interaction.type is discord.InteractionType.component and interaction.data["custom_id"] == "echo:again":
            await interaction.response.edit_message(content="again")


async def test_real_client_runs_commands_autocomplete_and_clicks_against_the_fake():
    async with running_fake() as fake, running_client(fake, EchoBot()):
        assert fake.commands[fd.GUILD_ID][0]["name"] in {"echo", "huge", "slow"}
        inter = await fake.command("echo", {"text": "hello", "private": True})
        assert inter.acknowledged and not inter.expired
        assert inter.message["content"] == "hello" and inter.ephemeral

        choices = (await fake.autocomplete("echo", "text", "he")).choices
        assert len(choices) == 25 and choices[0] == {"name": "he 0", "value": "he0"}

        click = await fake.click(inter.message, "echo:again")
        assert click.response_type == fd.UPDATE_MESSAGE
        assert fake.messages[int(inter.message["id"])]["content"] == "again"

        slow = await fake.command("slow")
        assert slow.response_type == fd.DEFERRED_MESSAGE
        assert (await slow.final())["content"] == "done"


async def test_fake_refuses_what_discord_refuses():
    async with running_fake() as fake, running_client(fake, EchoBot()):
        inter = await fake.command("echo", {"text": "hi"})
        with pytest.raises(AssertionError, match="disabled"):
            await fake.click(inter.message, "echo:off")
        with pytest.raises(AssertionError, match="no component"):
            await fake.click(inter.message, "echo:nope")
        with pytest.raises(AssertionError, match="not a registered command"):
            await fake.command("nope")
        with pytest.raises(AssertionError, match="needs option"):
            await fake.command("echo", {})

        # A second response to the same interaction: 40060, straight from the HTTP API.
        url = f"{fake.api_base}/interactions/{inter.id}/{inter.token}/callback"
        async with aiohttp.ClientSession() as http:
            async with http.post(url, json={"type": 4, "data": {"content": "again"}}) as resp:
                assert resp.status == 400 and resp.headers["Content-Type"] == "application/json"
                assert (await resp.json())["code"] == 40060
        assert len(fake.take_violations()) == 1

        # An embed over 4096 characters: 50035 Invalid Form Body, so the bot's handler fails (ERROR logged)
        # and the user is left with "This interaction failed".
        fake.deadline_s = 0.5
        huge = await fake.command("huge")
        assert not huge.acknowledged and huge.expired
        assert any("4096" in v for v in fake.take_violations())
        for _ in range(200):  # the bot logs its failed handler right after the 400; wait for it, not for time
            if any("huge" in r.getMessage() for r in fake.error_records):
                break
            await asyncio.sleep(0.05)
        assert any("huge" in r.getMessage() for r in fake.error_records)
        fake.error_records.clear()


async def test_fake_expires_interactions_not_answered_in_time():
    async with running_fake() as fake:
        fake.deadline_s = 0.2
        client = EchoBot()

        @client.tree.command(description="Answers late")
        async def late(interaction: discord.Interaction):
            await asyncio.sleep(0.4)
            await interaction.response.send_message("too late")

        async with running_client(fake, client):
            inter = await fake.command("late")
            assert inter.expired and not inter.acknowledged
            # The late answer is refused with 10062 and the bot's handler fails on it (logged as an error).
            for _ in range(200):
                if fake.violations and fake.error_records:
                    break
                await asyncio.sleep(0.05)
        violations = fake.take_violations()
        assert any("10062" in v for v in violations)
        assert any("'late') got no response within 0.2 s" in v for v in violations)  # "This interaction failed"
        assert any("late" in r.getMessage() for r in fake.error_records)
        fake.error_records.clear()


async def test_fake_delivers_duplicates_early_interactions_and_metadata_like_discord():
    async with running_fake() as fake:
        fake.at_ready(lambda: fake.command("echo", {"text": "early"}, wait=False))
        async with running_client(fake, EchoBot()):
            # Dispatched right behind READY: the bot answers it like any other.
            (early,) = fake.ready_interactions
            await fake.wait_acknowledged(early)
            assert early.message["content"] == "early"
            # Messages name who ran the command (discord.py reads it as Message.interaction_metadata).
            inter = await fake.command("echo", {"text": "hi"}, user=fd.DEFAULT_USER_ID + 5)
            meta = inter.message["interaction_metadata"]
            assert meta["user"]["id"] == str(fd.DEFAULT_USER_ID + 5) and meta["id"] == str(inter.id)
            # The same INTERACTION_CREATE again: a bot that answers it twice is refused with 40060.
            await fake.redeliver(inter)
            for _ in range(200):
                if fake.violations:
                    break
                await asyncio.sleep(0.02)
            assert any("40060" in v for v in fake.take_violations())
            await asyncio.sleep(0.1)  # EchoBot logs its failed second answer right after the 400
            fake.error_records.clear()
            # A component as an older bot version left it: clicking it sends the forged custom_id.
            fake.forge(inter.message, "echo:again", "echo:old-format")
            with pytest.raises(AssertionError, match="no component 'echo:again'"):
                await fake.click(inter.message, "echo:again")
            assert "echo:old-format" in fd.FakeDiscord.custom_ids(inter.message)
        # What a member sees: guild and global commands together, so a command in both scopes shows twice.
        fake.commands[None] = [dict(fake.commands[fd.GUILD_ID][0])]
        name = fake.commands[None][0]["name"]
        assert fake.visible_commands().count(name) == 2 and fake.visible_commands(None) == [name]


@pytest.mark.parametrize(
    "payload, fragment",
    [
        ({"embeds": [{"title": "t" * 257}]}, "title"),
        ({"embeds": [{"description": "d" * 4000}, {"description": "d" * 2001}]}, "6000"),
        ({"embeds": [{"fields": [{"name": "n", "value": "v"}] * 26}]}, "25 fields"),
        ({"embeds": [{}] * 11}, "10 embeds"),
        (
            {"components": [{"type": 1, "components": [{"type": 2, "style": 1, "label": "b", "custom_id": "x"}]}] * 6},
            "5 action rows",
        ),
        (
            {
                "components": [
                    {
                        "type": 1,
                        "components": [{"type": 2, "style": 1, "label": "b", "custom_id": f"x{i}"} for i in range(6)],
                    }
                ]
            },
            "5 buttons",
        ),
        (
            {
                "components": [
                    {"type": 1, "components": [{"type": 2, "style": 1, "label": "b", "custom_id": "x" * 101}]}
                ]
            },
            "custom_id",
        ),
        (
            {"components": [{"type": 1, "components": [{"type": 2, "style": 1, "label": "b" * 81, "custom_id": "x"}]}]},
            "label",
        ),
        (
            {
                "components": [
                    {"type": 1, "components": [{"type": 2, "style": 1, "label": "a", "custom_id": "x"}]},
                    {"type": 1, "components": [{"type": 2, "style": 1, "label": "b", "custom_id": "x"}]},
                ]
            },
            "duplicated",
        ),
        (
            {
                "components": [
                    {
                        "type": 1,
                        "components": [
                            {
                                "type": 3,
                                "custom_id": "s",
                                "options": [{"label": str(i), "value": str(i)} for i in range(26)],
                            }
                        ],
                    }
                ]
            },
            "1 to 25 options",
        ),
    ],
)
def test_message_limits(payload, fragment):
    with pytest.raises(fd.DiscordError, match=fragment):
        fd.check_message(payload)
    json.dumps(payload)


def test_choice_limits():
    with pytest.raises(fd.DiscordError, match="25 choices"):
        fd.check_choices([{"name": "a", "value": "a"}] * 26)
    with pytest.raises(fd.DiscordError, match="value"):
        fd.check_choices([{"name": "a", "value": "v" * 101}])
    fd.check_choices([{"name": "a" * 100, "value": "v" * 100}])


async def test_fake_records_the_close_frame_a_client_sent_and_none_for_a_dropped_socket():
    # What the SIGTERM test checks: Discord ends a session at once on the client's close frame 1000, however its own
    # reply fares. A client stopping like discord.py (its receive cancelled, then close) shuts the socket right after
    # the frame, and the server's `ws.close_code` then read 1006 whenever its reply lost that race.
    fake = fd.FakeDiscord()
    await fake.start()
    try:
        async with aiohttp.ClientSession() as session:
            ws = await session.ws_connect(fake.gateway_url)
            assert json.loads((await ws.receive()).data)["op"] == 10  # HELLO
            reading = asyncio.create_task(ws.receive())
            await asyncio.sleep(0.01)
            reading.cancel()
            with pytest.raises(asyncio.CancelledError):
                await reading
            await ws.close(code=1000)
            for _ in range(200):
                if fake.client_close_codes:
                    break
                await asyncio.sleep(0.01)
        dropping = aiohttp.ClientSession()
        ws = await dropping.ws_connect(fake.gateway_url)
        await ws.receive()
        await dropping.close()  # the connector shuts every socket: no close frame
        for _ in range(200):
            if len(fake.client_close_codes) == 2:
                break
            await asyncio.sleep(0.01)
    finally:
        await fake.stop()
    assert fake.client_close_codes == [1000, None]


class ShardedEcho(discord.AutoShardedClient):
    """A bare discord.py sharded client, with discord.py's own spacing of its shards' IDENTIFYs."""

    def __init__(self, shard_ids: list[int], shard_count: int):
        super().__init__(intents=discord.Intents.default(), shard_ids=shard_ids, shard_count=shard_count)


async def test_fake_closes_a_session_whose_shard_discord_would_refuse():
    # Discord's rule: shard_id from 0 to num_shards - 1, else close code 4010 "Invalid shard" (not resumable).
    async with running_fake() as fake:
        with pytest.raises(discord.ConnectionClosed) as closed:
            async with running_client(fake, ShardedEcho([4], 4)):
                pass
        assert closed.value.code == fd.INVALID_SHARD
        assert fake.take_violations() == ["IDENTIFY: shard [4, 4]: shard_id must be at least 0 and below num_shards"]
        assert fake.identifies == []


async def test_fake_routes_by_shard_and_refuses_identifies_over_max_concurrency():
    async with running_fake() as fake:
        fake.max_concurrency = 1
        first, second = ShardedEcho([0, 1], 2), ShardedEcho([0, 1], 2)
        async with running_client(fake, first, token="first"):
            # discord.py waits 5 s between its own shards: both accepted, one after the other, in one bucket.
            assert [(i.token, i.shard, i.refused) for i in fake.identifies] == [
                ("first", (0, 2), False),
                ("first", (1, 2), False),
            ]
            assert {g.shard for g in fake.gateways} == {(0, 2), (1, 2)}
            assert fake._gateway_for(None).shard == (0, 2)  # a DM: shard 0
            assert fake._gateway_for(fd.GUILD_ID).shard == ((fd.GUILD_ID >> 22) % 2, 2)
            # Another process's first shard, within 5 s of the last IDENTIFY: Invalid Session (opcode 9).
            start = asyncio.create_task(second.start("second"))
            for _ in range(300):
                if any(i.refused for i in fake.identifies):
                    break
                await asyncio.sleep(0.02)
            start.cancel()
            await second.close()
        assert ("second", (0, 2), True) in [(i.token, i.shard, i.refused) for i in fake.identifies]
        assert fake.take_violations()[0].startswith("IDENTIFY of shard 0 within 5 s of another in its bucket")
