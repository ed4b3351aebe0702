"""/link trakt, /unlink and /similar hide: (issue 21 item 1), end to end: the real discord.py client against the fake
Discord, the real Trakt client against the fake Trakt, real SQLite, the real small index. The device flow's polling
runs on an injected clock, so no test waits out Trakt's interval."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re

import pytest
from cryptography.fernet import Fernet

from bot.discord_app.client import create_bot
from morelike.engine import Engine
from morelike.members import MemberStore
from morelike.trakt_user import HISTORY_TTL_S, MemberLinks, TokenBox, TraktUser
from tests.conftest import make_config
from tests.fakes import discord_server as fd
from tests.fakes.discord_server import running_client, running_fake
from tests.fakes.trakt_server import FakeTrakt

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

MEMBER, OTHER = fd.DEFAULT_USER_ID, fd.DEFAULT_USER_ID + 77
SECRET = "fake-client-secret-for-the-log-grep"


class Clock:
    """Trakt time that moves only when the device flow sleeps; each sleep yields to the event loop once."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0
        self.sleeps = 0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps += 1
        self.now += seconds
        await asyncio.sleep(0.01)


@pytest.fixture(scope="module")
def engine(small_published):
    return Engine.open(make_config(small_published))


@contextlib.asynccontextmanager
async def running(small_published, engine, tmp_path, *, key: bool = True):
    config = make_config(
        small_published, discord={"cooldown_rate": 0, "guild_id": fd.GUILD_ID}, engine={"reload_interval_s": 0.0}
    )
    clock = Clock()
    async with FakeTrakt(client_secret=SECRET) as trakt, running_fake() as fake:
        members = MemberStore(tmp_path / "members.sqlite")
        bot = create_bot(config, engine, sync_marker=tmp_path / "sync.json", members=members)
        client = TraktUser(trakt.client_id, SECRET, base_url=trakt.base_url, clock=clock, sleep=clock.sleep)
        bot.trakt_links = MemberLinks(client, TokenBox(Fernet.generate_key()) if key else None, members)
        async with running_client(fake, bot):
            yield fake, trakt, bot, clock


def titles_in(message: dict) -> list[str]:
    return [re.sub(r"^\d+\. ", "", e["title"]) for e in message["embeds"] if e.get("title") != "Same series"]


def trakt_ids(catalog_id: str) -> dict:
    """The Trakt ids of a title this catalog keys by IMDb or TMDB id."""
    if catalog_id.startswith("imdb-"):
        return {"trakt": 1, "imdb": catalog_id.removeprefix("imdb-")}
    return {"trakt": 1, "tmdb": int(catalog_id.rsplit("-", 1)[1])}


async def link(fake, trakt: FakeTrakt, user: int = MEMBER, options: dict | None = None) -> fd.FakeInteraction:
    inter = await fake.command("link", {"trakt": options or {}}, user=user)
    assert inter.ephemeral
    code = re.search(r"\*\*(\w+)\*\*", inter.message["content"])[1]
    assert "https://trakt.tv/activate" in inter.message["content"]
    trakt.accounts.approve(code, "alice")
    await inter.wait_until(lambda i: "linked" in i.message["content"], what="the linked message")
    return inter


async def test_link_then_similar_leaves_out_what_was_watched_and_unlink_revokes(
    small_published, engine, tmp_path, caplog
):
    caplog.set_level(logging.DEBUG)
    matrix = engine.resolve("The Matrix").clear
    first = next(r.card for r in engine.similar(matrix.id, k=5).items if r.card.id.startswith(("imdb-", "tmdb-movie-")))
    async with running(small_published, engine, tmp_path) as (fake, trakt, bot, _clock):
        before = (await fake.command("similar", {"title": "The Matrix"}, user=MEMBER)).message
        assert first.title in " ".join(titles_in(before))
        trakt.accounts.account("alice").movies = [
            {"title": first.title, "year": first.year, "ids": trakt_ids(first.id)}
        ]
        linked = await link(fake, trakt)
        assert "left out of your answers from now on" in linked.message["content"]
        assert await bot.members.hide_watched(MEMBER)  # linking with the default on
        sealed = await bot.members.link(MEMBER)
        [token] = list(trakt.accounts.access)
        assert sealed is not None and token.encode() not in sealed.sealed
        # The default: what they watched is left out, said in one line; the page still fills.
        answer = (await fake.command("similar", {"title": "The Matrix"}, user=MEMBER)).message
        assert first.title not in titles_in(answer) and len(titles_in(answer)) == 5
        assert "Titles left out as watched on Trakt: 1." in answer["content"]
        assert token not in answer["content"]
        # Clicks follow it too; another member is not touched by this member's link.
        nxt = [c for c in fd.FakeDiscord.custom_ids(answer) if c.startswith("ml:sim:")][1]
        await fake.click(answer, nxt, user=MEMBER)
        await fake.click(answer, next(c for c in fd.FakeDiscord.custom_ids(answer) if c.startswith("ml:sim:")))
        assert first.title not in titles_in(fake.messages[int(answer["id"])])
        theirs = (await fake.command("similar", {"title": "The Matrix"}, user=OTHER)).message
        assert first.title in " ".join(titles_in(theirs))
        mine_not = await fake.command("similar", {"title": "The Matrix", "hide": "watched"}, user=OTHER)
        assert mine_not.ephemeral and "no Trakt account linked" in mine_not.message["content"]
        # hide: nothing overrides the default; the history was fetched once (cached).
        shown = (await fake.command("similar", {"title": "The Matrix", "hide": "nothing"}, user=MEMBER)).message
        assert first.title in " ".join(titles_in(shown))
        assert trakt.hits["/sync/history/movies"] == 1
        # /unlink revokes on Trakt and deletes the link here.
        gone = await fake.command("unlink", {}, user=MEMBER)
        assert gone.ephemeral and "unlinked" in gone.message["content"]
        assert token in trakt.accounts.revoked and await bot.members.link(MEMBER) is None
        again = await fake.command("unlink", {}, user=MEMBER)
        assert "no Trakt account linked" in again.message["content"]
    logged = caplog.text + "".join(repr(r.args) for r in caplog.records)
    assert token not in logged and SECRET not in logged


async def test_a_revoked_token_gets_one_ephemeral_sentence_and_the_link_goes(small_published, engine, tmp_path):
    async with running(small_published, engine, tmp_path) as (fake, trakt, bot, clock):
        await link(fake, trakt)
        [token] = list(trakt.accounts.access)
        trakt.accounts.expire_token(token)  # revoked on trakt.tv
        clock.now += HISTORY_TTL_S + 1
        answer = await fake.command("similar", {"title": "The Matrix", "hide": "watched"}, user=MEMBER)
        assert answer.ephemeral
        assert answer.message["content"] == "Your Trakt link was revoked or has expired: run /link trakt again."
        assert await bot.members.link(MEMBER) is None


async def test_a_denied_link_and_a_bot_without_a_key_say_so(small_published, engine, tmp_path):
    async with running(small_published, engine, tmp_path) as (fake, trakt, bot, _clock):
        inter = await fake.command("link", {"trakt": {"hide_watched": False}}, user=MEMBER)
        code = re.search(r"\*\*(\w+)\*\*", inter.message["content"])[1]
        trakt.accounts.deny(code)
        await inter.wait_until(lambda i: "denied" in i.message["content"], what="the denied message")
        assert await bot.members.link(MEMBER) is None
    async with running(small_published, engine, tmp_path / "nokey", key=False) as (fake, trakt, bot, _clock):
        refused = await fake.command("link", {"trakt": {}}, user=MEMBER)
        assert refused.ephemeral and "MORELIKE_SECRET_KEY" in refused.message["content"]
        assert trakt.hits["/oauth/device/code"] == 0


def page_buttons(message: dict) -> list[str]:
    return [c for c in fd.FakeDiscord.custom_ids(message) if c.startswith("ml:sim:")]


@pytest.mark.parametrize(
    ("default_hides", "typed", "left_out"),
    [(True, "nothing", False), (False, "watched", True)],
    ids=["default-hides-typed-nothing", "default-shows-typed-watched"],
)
async def test_paging_follows_the_hide_typed_on_similar_not_the_default(
    small_published, engine, tmp_path, default_hides, typed, left_out
):
    """Next, then Previous, after `/similar … hide:` keeps what was typed for that message (carried in the
    custom_id), whatever the member's default; a refine pick too."""
    matrix = engine.resolve("The Matrix").clear
    first = next(r.card for r in engine.similar(matrix.id, k=5).items if r.card.id.startswith(("imdb-", "tmdb-movie-")))
    async with running(small_published, engine, tmp_path) as (fake, trakt, bot, _clock):
        trakt.accounts.account("alice").movies = [
            {"title": first.title, "year": first.year, "ids": trakt_ids(first.id)}
        ]
        await link(fake, trakt, options={"hide_watched": default_hides})
        assert await bot.members.hide_watched(MEMBER) is default_hides
        answer = (await fake.command("similar", {"title": "The Matrix", "hide": typed}, user=MEMBER)).message
        assert (first.title in " ".join(titles_in(answer))) is not left_out
        await fake.click(answer, page_buttons(answer)[1], user=MEMBER)  # Next
        await fake.click(answer, page_buttons(fake.messages[int(answer["id"])])[0], user=MEMBER)  # Previous
        back = fake.messages[int(answer["id"])]
        assert (first.title in " ".join(titles_in(back))) is not left_out, titles_in(back)
        refine = next(c for c in fd.FakeDiscord.custom_ids(back) if c.startswith("ml:ref:"))
        await fake.select(back, refine, ["k:movie"], user=MEMBER)
        refined = fake.messages[int(answer["id"])]
        assert (first.title in " ".join(titles_in(refined))) is not left_out, titles_in(refined)
