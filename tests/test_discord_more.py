"""Issue 21 items 3-5 in Discord, end to end (the real discord.py client against the fake Discord, the real small
index): where to watch on cards and the `on` filter, the `anime` filter, and the "More like this" message command."""

from __future__ import annotations

import pytest

from bot.discord_app.client import create_bot
from morelike.engine import Engine
from tests.conftest import make_config
from tests.fakes import discord_server as fd
from tests.fakes.discord_server import running_client, running_fake

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
MENU = "More like this"


@pytest.fixture(scope="module")
def engine(small_published):
    return Engine.open(make_config(small_published))


@pytest.fixture
async def env(small_published, engine, tmp_path):
    config = make_config(
        small_published, discord={"cooldown_rate": 0, "guild_id": fd.GUILD_ID}, engine={"reload_interval_s": 0.0}
    )
    async with running_fake() as fake:
        bot = create_bot(config, engine, sync_marker=tmp_path / "sync.json")
        async with running_client(fake, bot):
            yield fake, bot


def on_hulu(embed: dict) -> bool:
    """The facts line (the description's first) says the title was on Hulu, with the data's country and date."""
    facts = embed["description"].split("\n")[0]
    return "Hulu" in facts.rsplit(" · On ", 1)[-1] and facts.endswith("(US, 2022)")


def results(message: dict) -> list[dict]:
    return [e for e in message["embeds"] if e.get("title") != "Same series"]


async def test_cards_say_where_it_was_with_country_and_date(env):
    fake, _ = env
    inter = await fake.command("title", {"title": "Inception"})
    fields = {f["name"]: f["value"] for f in inter.message["embeds"][0]["fields"]}
    assert fields["Where it streamed"] == "On Netflix, HBO Max (US, 2022)"
    french = await fake.command("title", {"title": "Inception"}, locale="fr")
    assert {f["value"] for f in french.message["embeds"][0]["fields"]} >= {"Sur Netflix, HBO Max (US, 2022)"}


async def test_the_on_filter_keeps_titles_on_that_service_and_survives_paging(env):
    fake, _ = env
    inter = await fake.command("similar", {"title": "Breaking Bad", "on": "hulu", "anime": "include"})
    shown = results(inter.message)
    assert shown and all(on_hulu(e) for e in shown)
    nexts = [c for c in fd.FakeDiscord.custom_ids(inter.message) if c.startswith("ml:sim:") and ":ohulu," in c]
    assert nexts, fd.FakeDiscord.custom_ids(inter.message)
    await fake.click(inter.message, nexts[-1])
    page2 = results(fake.messages[int(inter.message["id"])])
    assert page2 and all(on_hulu(e) for e in page2)


async def test_anime_apart_by_default_and_on_request(env):
    fake, _ = env
    default = await fake.command("similar", {"title": "Breaking Bad"})
    assert not any("· Anime ·" in e["description"] or "· Anime\n" in e["description"] for e in results(default.message))
    only = await fake.command("similar", {"title": "Breaking Bad", "anime": "only"})
    assert results(only.message) and all("Anime" in e["description"] for e in results(only.message))


async def test_the_message_command_is_registered_with_its_localised_names(env):
    fake, _ = env
    menu = next(c for c in fake.commands[fd.GUILD_ID] if c["name"] == MENU)
    assert menu["type"] == 3 and not menu.get("options")
    assert menu["name_localizations"]["fr"] == "Plus comme ça" and menu["name_localizations"]["ja"] == "似た作品を探す"
    assert all(1 <= len(name) <= 32 for name in menu["name_localizations"].values())


async def test_more_like_this_on_the_bots_own_card(env):
    fake, _ = env
    card = await fake.command("title", {"title": "Spirited Away"})
    inter = await fake.message_command(MENU, card.message)
    assert inter.ephemeral
    assert "More like [Spirited Away (2001)]" in inter.message["content"] and results(inter.message)


async def test_more_like_this_on_a_result_page_takes_its_query(env):
    fake, _ = env
    page = await fake.command("similar", {"title": "Toy Story"})
    inter = await fake.message_command(MENU, page.message)
    assert inter.ephemeral and "More like [Toy Story (1995)]" in inter.message["content"]


async def test_more_like_this_on_a_members_link_or_title(env):
    fake, _ = env
    linked = fd.FakeDiscord.member_message("you have to see this <https://www.imdb.com/title/tt0903747/> tonight")
    inter = await fake.message_command(MENU, linked)
    assert inter.ephemeral and "More like [Breaking Bad (2008)]" in inter.message["content"]
    named = await fake.message_command(MENU, fd.FakeDiscord.member_message("Cinderella"))
    assert named.ephemeral and named.message["content"].startswith("Which one?")
    assert any(c.startswith("ml:pick") for c in fd.FakeDiscord.custom_ids(named.message))


@pytest.mark.parametrize("content", ["", "   ", "x" * 1500])
async def test_a_message_naming_no_title_gets_one_ephemeral_sentence(env, content):
    fake, _ = env
    inter = await fake.message_command(MENU, fd.FakeDiscord.member_message(content))
    assert inter.ephemeral
    assert inter.message["content"] == "I found no title in that message: try /similar with the title's name."
    german = await fake.message_command(MENU, fd.FakeDiscord.member_message(content), locale="de")
    assert german.message["content"].startswith("Keinen Titel in dieser Nachricht gefunden")


async def test_a_bot_picker_with_several_titles_is_read_as_its_text(env):
    fake, _ = env
    which = await fake.command("similar", {"title": "Cinderella"})
    inter = await fake.message_command(MENU, which.message)
    assert inter.ephemeral and inter.message["content"]  # one answer, never "This interaction failed"
