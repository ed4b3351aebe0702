""" "Not for me" (issue 21 item 2): a member hides a title from all their later answers, kept in SQLite by catalog id
(real aiosqlite file), through restarts and rebuilds; /hidden lists and restores. The engine's `exclude` keeps pages
full. The real discord.py client against the fake Discord, on the real small index."""

from __future__ import annotations

import contextlib
import re

import pytest

from bot.discord_app import ids
from bot.discord_app.client import create_bot
from bot.discord_app.cogs.hidden import HIDDEN_PAGE_SIZE
from morelike.engine import Engine
from morelike.members import MemberStore
from tests.conftest import make_config
from tests.fakes import discord_server as fd
from tests.fakes.discord_server import running_client, running_fake

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

MEMBER, OTHER = fd.DEFAULT_USER_ID, fd.DEFAULT_USER_ID + 41


@pytest.fixture(scope="module")
def engine(small_published):
    return Engine.open(make_config(small_published))


def bot_config(state):
    return make_config(state, discord={"cooldown_rate": 0, "guild_id": fd.GUILD_ID}, engine={"reload_interval_s": 0.0})


@contextlib.asynccontextmanager
async def running_bot(fake, state, engine, tmp_path):
    members = MemberStore(tmp_path / "members.sqlite")  # its own file: the shared state dir stays untouched
    bot = create_bot(bot_config(state), engine, sync_marker=tmp_path / "sync.json", members=members)
    async with running_client(fake, bot):
        yield bot


def titles_in(message: dict) -> list[str]:
    return [re.sub(r"^\d+\. ", "", e["title"]) for e in message["embeds"] if e.get("title") != "Same series"]


def hide_select(message: dict) -> dict:
    [cid] = [c for c in fd.FakeDiscord.custom_ids(message) if c.startswith("ml:hide:")]
    return fd.FakeDiscord.component(message, cid)


# ---- the store -----------------------------------------------------------------------------------------------
async def test_the_store_keeps_hidden_titles_per_member_across_a_reopen(tmp_path):
    store = MemberStore(tmp_path / "members.sqlite", clock=iter(range(100)).__next__)
    await store.hide(MEMBER, "tmdb-movie-949", "Heat (1995)")
    await store.hide(MEMBER, "tmdb-movie-603", "The Matrix (1999)")
    await store.hide(MEMBER, "tmdb-movie-949", "Heat (1995)")  # twice: once
    await store.hide(OTHER, "tmdb-movie-862", "Toy Story (1995)")
    assert await store.hidden_ids(MEMBER) == {"tmdb-movie-949", "tmdb-movie-603"}
    entries, total = await store.hidden_page(MEMBER, 0, 10)
    assert total == 2 and [e.label for e in entries] == ["The Matrix (1999)", "Heat (1995)"]  # latest first
    # Another member's entry number restores nothing of theirs, and nothing of this member's either.
    [theirs], _ = await store.hidden_page(OTHER, 0, 10)
    assert await store.restore(MEMBER, theirs.entry) is None
    assert await store.hidden_ids(OTHER) == {"tmdb-movie-862"}
    await store.close()
    reopened = MemberStore(tmp_path / "members.sqlite")  # a restart
    assert await reopened.hidden_ids(MEMBER) == {"tmdb-movie-949", "tmdb-movie-603"}
    restored = await reopened.restore(MEMBER, entries[1].entry)
    assert restored is not None and restored.title_id == "tmdb-movie-949"
    assert await reopened.hidden_ids(MEMBER) == {"tmdb-movie-603"}
    await reopened.close()


# ---- the engine ----------------------------------------------------------------------------------------------
def test_similar_leaves_out_excluded_ids_and_still_fills_the_page(engine):
    matrix = engine.resolve("The Matrix").clear
    plain = engine.similar(matrix.id, k=5)
    gone = [r.card.id for r in plain.items[:2]]
    page = engine.similar(matrix.id, k=5, exclude=[*gone, "no-such-id-any-more"])
    assert len(page.items) == 5 and not {r.card.id for r in page.items} & set(gone)
    # The rest moves up, in order; a title the one-per-series rule held back behind a hidden sibling may join them
    # ("Jurassic Park" once "The Lost World" is hidden).
    kept = [r.card.id for r in page.items if r.card.id in {p.card.id for p in plain.items}]
    assert kept == [r.card.id for r in plain.items[2:5]]
    # A title of its own series is left out of the series list too.
    toy = engine.resolve("Toy Story").clear
    series = engine.similar(toy.id, k=5).series
    assert series
    assert series[0].id not in {c.id for c in engine.similar(toy.id, k=5, exclude=[series[0].id]).series}


def test_exclude_takes_a_list_not_one_string(engine):
    matrix = engine.resolve("The Matrix").clear
    with pytest.raises(ValueError, match="exclude takes a list"):
        engine.similar(matrix.id, exclude="tmdb-movie-949")


# ---- Discord -------------------------------------------------------------------------------------------------
async def test_not_for_me_hides_a_title_from_every_later_answer_and_hidden_restores_it(
    small_published, engine, tmp_path
):
    async with running_fake() as fake:
        async with running_bot(fake, small_published, engine, tmp_path):
            msg = (await fake.command("similar", {"title": "The Matrix"}, user=MEMBER)).message
            first = titles_in(msg)
            select = hide_select(msg)
            assert len(select["options"]) == 5 and all(len(o["label"]) <= 100 for o in select["options"])
            victim = select["options"][1]
            assert victim["label"].startswith("2. ") and first[1] in victim["label"]
            click = await fake.select(msg, select["custom_id"], [victim["value"]], user=MEMBER)
            assert click.response_type == fd.UPDATE_MESSAGE  # the page they see, re-rendered in place
            msg = fake.messages[int(msg["id"])]
            assert first[1] not in titles_in(msg) and len(titles_in(msg)) == 5
            # The rest keep their order (a sibling the hidden title stood for in the one-per-series rule may join).
            assert [t for t in titles_in(msg) if t in first] == [first[0], *first[2:5]]
            assert "/hidden brings it back" in msg["content"] and first[1] in msg["content"]
            # Every later answer of that member leaves it out; another member still gets it.
            again = (await fake.command("similar", {"title": "The Matrix"}, user=MEMBER)).message
            assert first[1] not in titles_in(again)
            nxt = [c for c in fd.FakeDiscord.custom_ids(again) if c.startswith("ml:sim:")][1]
            await fake.click(again, nxt, user=MEMBER)
            assert first[1] not in titles_in(fake.messages[int(again["id"])])
            theirs = (await fake.command("similar", {"title": "The Matrix"}, user=OTHER)).message
            assert titles_in(theirs) == first

        # A restart: a new bot and a fresh engine on the same member file.
        fresh = Engine.open(make_config(small_published))
        async with running_bot(fake, small_published, fresh, tmp_path):
            again = (await fake.command("similar", {"title": "The Matrix"}, user=MEMBER)).message
            assert first[1] not in titles_in(again)
            listed = await fake.command("hidden", {}, user=MEMBER)
            assert listed.ephemeral
            embed = listed.message["embeds"][0]
            assert embed["title"] == "Hidden from your answers: 1" and first[1] in embed["description"]
            [restore] = [c for c in fd.FakeDiscord.custom_ids(listed.message) if c.startswith("ml:unhide:")]
            option = fd.FakeDiscord.component(listed.message, restore)["options"][0]
            click = await fake.select(listed.message, restore, [option["value"]], user=MEMBER)
            assert click.response_type == fd.UPDATE_MESSAGE
            now = fake.messages[int(listed.message["id"])]
            assert "is back in your answers" in now["content"] and "You have hidden no titles" in now["content"]
            back = (await fake.command("similar", {"title": "The Matrix"}, user=MEMBER)).message
            assert titles_in(back) == first


async def test_someone_elses_public_page_hides_for_the_clicker_only(small_published, engine, tmp_path):
    async with running_fake() as fake, running_bot(fake, small_published, engine, tmp_path) as bot:
        msg = (await fake.command("similar", {"title": "The Matrix"}, user=MEMBER)).message
        first = titles_in(msg)
        select = hide_select(msg)
        click = await fake.select(msg, select["custom_id"], [select["options"][0]["value"]], user=OTHER)
        assert click.ephemeral and first[0] not in titles_in(click.message)
        assert titles_in(fake.messages[int(msg["id"])]) == first  # the channel's message is unchanged
        assert len(await bot.members.hidden_ids(OTHER)) == 1 and await bot.members.hidden_ids(MEMBER) == set()


async def test_hidden_pages_and_bad_clicks_get_one_sentence(small_published, engine, tmp_path):
    async with running_fake() as fake, running_bot(fake, small_published, engine, tmp_path) as bot:
        empty = await fake.command("hidden", {}, user=MEMBER)
        assert empty.ephemeral and empty.message["content"].startswith("You have hidden no titles")
        for n in range(HIDDEN_PAGE_SIZE + 3):
            await bot.members.hide(MEMBER, f"gone-{n}", f"Gone {n} (19{n:02d})")  # titles a rebuild dropped
        listed = (await fake.command("hidden", {}, user=MEMBER)).message
        assert listed["embeds"][0]["title"] == f"Hidden from your answers: {HIDDEN_PAGE_SIZE + 3}"
        assert listed["embeds"][0]["footer"]["text"] == "Page 1 of 2"
        restore = fake.component(listed, ids.restore_id(0))
        assert len(restore["options"]) == HIDDEN_PAGE_SIZE
        await fake.click(listed, ids.hidden_page_id(1), user=MEMBER)
        assert listed["embeds"][0]["footer"]["text"] == "Page 2 of 2"
        assert len(fake.component(listed, ids.restore_id(1))["options"]) == 3
        # A forged option value: another member's entry, or no number at all. Nothing changes, one sentence.
        await bot.members.hide(OTHER, "tmdb-movie-949", "Heat (1995)")
        [theirs], _ = await bot.members.hidden_page(OTHER, 0, 5)
        click = await fake.raw_click(listed, ids.restore_id(1), 3, [str(theirs.entry)], user=MEMBER)  # hand-made
        assert "out of date" in click.message["content"] and await bot.members.hidden_ids(OTHER) == {"tmdb-movie-949"}
        # A "Not for me" pick naming a title no longer in the index: the outdated-message sentence.
        msg = (await fake.command("similar", {"title": "The Matrix"}, user=MEMBER)).message
        select = hide_select(msg)
        bad = await fake.raw_click(msg, select["custom_id"], 3, ["aaaaaaaaaa"], user=MEMBER)
        assert bad.ephemeral and "out of date" in bad.message["content"]
