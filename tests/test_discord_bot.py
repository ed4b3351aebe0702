"""The Discord bot end to end: the real discord.py client over real sockets against the fake Discord, on the
real engine and the real small index (`small_published`)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import threading
import time

import pytest

from bot.discord_app import ids, text
from bot.discord_app.client import create_bot
from morelike.build.reader import open_published
from morelike.engine import Engine
from morelike.engine.snapshot import Snapshot
from tests.conftest import make_config
from tests.fakes import discord_server as fd
from tests.fakes.discord_server import running_client, running_fake

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def state(small_published):
    return small_published


@pytest.fixture(scope="module")
def engine(state):
    return Engine.open(make_config(state))


def bot_config(state, **discord_settings):
    return make_config(
        state,
        discord={"cooldown_rate": 0, **discord_settings},
        engine={"reload_interval_s": 0.0},
    )


@contextlib.asynccontextmanager
async def running_bot(fake, config, engine, marker):
    bot = create_bot(config, engine, sync_marker=marker)
    async with running_client(fake, bot):
        yield bot


@pytest.fixture
async def env(state, engine, tmp_path):
    """A fake Discord with the bot connected (commands synced to the test guild)."""
    config = bot_config(state, guild_id=fd.GUILD_ID)
    async with running_fake() as fake, running_bot(fake, config, engine, tmp_path / "sync.json") as bot:
        yield fake, bot


def titles_in(message: dict) -> list[str]:
    return [e["title"] for e in message["embeds"] if e.get("title") != "Same series"]


def ref_of(engine, title: str, year: int) -> str:
    for c in engine.resolve(title, limit=25).candidates:
        if c.card.title == title and c.card.year == year:
            return c.card.ref
    raise AssertionError(f"{title} ({year}) not in the small index")


def page_buttons(message: dict) -> tuple[str, str]:
    sims = [cid for cid in fd.FakeDiscord.custom_ids(message) if cid.startswith("ml:sim:")]
    assert len(sims) == 2, sims
    return sims[0], sims[1]


async def test_commands_are_synced_to_the_guild_once(state, engine, tmp_path):
    config = bot_config(state, guild_id=fd.GUILD_ID)
    async with running_fake() as fake:
        async with running_bot(fake, config, engine, tmp_path / "sync.json") as bot:
            assert bot.synced
        names = sorted(c["name"] for c in fake.commands[fd.GUILD_ID])
        assert names == ["More like this", "discover", "help", "hidden", "link", "similar", "title", "unlink"]
        assert fake.command_puts == 1 and None not in fake.commands
        async with running_bot(fake, config, engine, tmp_path / "sync.json") as bot:
            assert not bot.synced  # same tree: no second PUT
        assert fake.command_puts == 1
        global_config = bot_config(state)  # no guild id: global sync, a new scope
        async with running_bot(fake, global_config, engine, tmp_path / "sync.json") as bot:
            assert bot.synced
        assert sorted(c["name"] for c in fake.commands[None]) == names


async def test_syncing_to_one_scope_clears_the_other(state, engine, tmp_path):
    marker = tmp_path / "sync.json"
    names = ["More like this", "discover", "help", "hidden", "link", "similar", "title", "unlink"]
    async with running_fake() as fake:
        async with running_bot(fake, bot_config(state), engine, marker):  # global first, as in production
            pass
        assert fake.visible_commands() == names
        async with running_bot(fake, bot_config(state, guild_id=fd.GUILD_ID), engine, marker):
            pass
        # Listed once in the server, not once from the guild scope and once from the global one.
        assert fake.visible_commands() == names and fake.commands[None] == []
        async with running_bot(fake, bot_config(state), engine, marker):  # and back to global
            pass
        assert fake.visible_commands() == names and fake.commands[fd.GUILD_ID] == []
        # A state dir without the marker (a fresh deployment) still finds the global commands to clear.
        marker.unlink()
        async with running_bot(fake, bot_config(state, guild_id=fd.GUILD_ID), engine, marker):
            pass
        assert fake.visible_commands() == names and fake.commands[None] == []


async def test_autocomplete_offers_labelled_titles(env, engine):
    fake, _ = env
    inter = await fake.autocomplete("similar", "title", "hea")
    choices = inter.choices
    assert 1 <= len(choices) <= 25
    assert {"name": "Heat (1995) · Movie", "value": engine.resolve("heat 1995").clear.id} in choices
    assert all(len(c["name"]) <= 100 and len(c["value"]) <= 100 for c in choices)
    # A title whose id is over 100 characters is offered with its ref, and that ref works as the title.
    long_title = next(c for c in engine.suggest("Launching of the New Battleship", 5) if len(c.id) > 100)
    choices = (await fake.autocomplete("similar", "title", "Launching of the New Battleship")).choices
    value = next(c["value"] for c in choices if c["name"].startswith("Launching of the New Battleship"))
    assert value == long_title.ref
    result = await fake.command("similar", {"title": value})
    assert long_title.title[:40] in result.message["content"]
    genres = (await fake.autocomplete("similar", "genre", "sci")).choices
    assert genres == [{"name": "Science Fiction", "value": "science-fiction"}]
    excluded = (await fake.autocomplete("similar", "exclude_genre", "Hor", {"title": "x"})).choices
    assert excluded == [{"name": "Horror", "value": "horror"}, {"name": "Short", "value": "short"}]  # prefix first
    assert len((await fake.autocomplete("similar", "genre", "")).choices) == 25


async def test_one_clear_match_answers_at_once(env):
    fake, _ = env
    inter = await fake.command("similar", {"title": "Toy Story"})
    assert inter.response_type == fd.MESSAGE and not inter.ephemeral
    msg = inter.message
    assert "More like [Toy Story (1995)]" in msg["content"] and "page 1" in msg["content"]
    assert len(titles_in(msg)) == 5 and titles_in(msg)[0].startswith("1. ")
    assert all("Toy Story" not in t for t in titles_in(msg))  # its own series is listed apart, not as results
    series = [e for e in msg["embeds"] if e.get("title") == "Same series"]
    assert series and "Toy Story 2 (1999)" in series[0]["description"]
    prev, nxt = page_buttons(msg)
    assert fd.FakeDiscord.component(msg, prev)["disabled"] and not fd.FakeDiscord.component(msg, nxt).get("disabled")


async def test_same_title_buttons_then_results_in_the_same_message(env, engine):
    fake, _ = env
    inter = await fake.command("similar", {"title": "Heat"})
    msg = inter.message
    assert msg["content"].startswith("Which one?") and not msg["embeds"]
    labels = [c["label"] for row in msg["components"] for c in row["components"]]
    assert sorted(labels) == ["Heat (1972) · Movie", "Heat (1986) · Movie", "Heat (1995) · Movie"]
    pick = ids.pick_id(ref_of(engine, "Heat", 1986), ids.Filters())
    click = await fake.click(msg, pick)
    assert click.response_type == fd.UPDATE_MESSAGE and click.message_id == int(msg["id"])
    now = fake.messages[int(msg["id"])]
    assert "More like [Heat (1986)]" in now["content"] and len(titles_in(now)) == 5


async def test_more_than_five_candidates_get_a_select(env, engine):
    fake, _ = env
    inter = await fake.command("similar", {"title": "Cinderella", "private": True})
    msg = inter.message
    assert inter.ephemeral and msg["content"].startswith("Which one? 11 titles")
    (select,) = [c for row in msg["components"] for c in row["components"]]
    assert select["type"] == 3 and len(select["options"]) == 11
    ref = ref_of(engine, "Cinderella", 1950)
    click = await fake.select(msg, select["custom_id"], [ref])
    now = fake.messages[int(msg["id"])]
    assert click.response_type == fd.UPDATE_MESSAGE and now["flags"] & fd.EPHEMERAL
    assert "More like [Cinderella (1950)]" in now["content"]


async def test_paging_forward_and_back(env):
    fake, _ = env
    msg = (await fake.command("similar", {"title": "The Matrix"})).message
    first = titles_in(msg)
    _, nxt = page_buttons(msg)
    await fake.click(msg, nxt)
    msg = fake.messages[int(msg["id"])]
    second = titles_in(msg)
    assert "page 2" in msg["content"] and second[0].startswith("6. ") and not set(first) & set(second)
    assert not any(e.get("title") == "Same series" for e in msg["embeds"])
    prev, _ = page_buttons(msg)
    await fake.click(msg, prev)
    msg = fake.messages[int(msg["id"])]
    assert titles_in(msg) == first and "page 1" in msg["content"]


async def test_the_largest_page_size_pages_through_every_result(state, engine, tmp_path):
    config = bot_config(state, guild_id=fd.GUILD_ID, page_size=9)
    async with running_fake() as fake, running_bot(fake, config, engine, tmp_path / "sync.json"):
        msg = (await fake.command("similar", {"title": "The Matrix"})).message
        assert [t.split(".")[0] for t in titles_in(msg)] == [str(n) for n in range(1, 10)]
        _, nxt = page_buttons(msg)
        await fake.click(msg, nxt)
        assert [t.split(".")[0] for t in titles_in(msg)] == [str(n) for n in range(10, 19)]


async def test_refine_by_kind_and_genre(env, engine):
    fake, _ = env
    msg = (await fake.command("similar", {"title": "The Matrix"})).message
    refine = next(cid for cid in fd.FakeDiscord.custom_ids(msg) if cid.startswith("ml:ref:"))
    await fake.select(msg, refine, ["k:show"])
    msg = fake.messages[int(msg["id"])]
    assert "shows only" in msg["content"]
    for title in titles_in(msg):
        assert "Show" in next(e["description"] for e in msg["embeds"] if e["title"] == title).split("\n")[0]
    refine = next(cid for cid in fd.FakeDiscord.custom_ids(msg) if cid.startswith("ml:ref:"))
    await fake.select(msg, refine, ["k:any"])
    msg = fake.messages[int(msg["id"])]
    refine = next(cid for cid in fd.FakeDiscord.custom_ids(msg) if cid.startswith("ml:ref:"))
    await fake.select(msg, refine, ["g:comedy"])
    msg = fake.messages[int(msg["id"])]
    assert "Filters: comedy" in msg["content"]
    for e in msg["embeds"]:
        if e.get("title") != "Same series":
            assert "Comedy" in e["description"].split("\n")[0]


async def test_filters_from_options_and_bad_filters(env):
    fake, _ = env
    inter = await fake.command(
        "similar", {"title": "The Matrix", "kind": "movie", "year_from": 1990, "max_runtime": 150}
    )
    assert "movies only · from 1990 · ≤ 150 min" in inter.message["content"]
    bad = await fake.command("similar", {"title": "The Matrix", "year_from": 2000, "year_to": 1990})
    assert bad.ephemeral and "is after year_to" in bad.message["content"]
    unknown = await fake.command("similar", {"title": "The Matrix", "genre": "nonsense"})
    assert unknown.ephemeral and "Unknown genre" in unknown.message["content"]


async def test_same_title_entries_are_the_choices_and_identical_labels_are_told_apart(env):
    fake, _ = env
    msg = (await fake.command("similar", {"title": "The Thing"})).message
    labels = [c["label"] for row in msg["components"] for c in row["components"]]
    # The two films of that exact title, as buttons; no looser match ("Stranger Things") among them.
    assert labels == ["The Thing (1982) · Movie", "The Thing (2011) · Movie"]
    assert msg["content"].startswith("Which one? 2 titles")
    msg = (await fake.command("similar", {"title": "Cinderella"})).message
    (select,) = [c for row in msg["components"] for c in row["components"]]
    option_labels = [o["label"] for o in select["options"]]
    assert len(set(option_labels)) == len(option_labels) == 11
    of_2021 = sorted(label for label in option_labels if label.startswith("Cinderella (2021)"))
    assert len(of_2021) == 4 and all(label != "Cinderella (2021) · Movie" for label in of_2021[1:])
    # Autocomplete tells them apart the same way.
    choices = (await fake.autocomplete("similar", "title", "cinderella")).choices
    names = [c["name"] for c in choices]
    assert len(set(names)) == len(names)


async def test_autocomplete_answers_empty_ids_links_and_year_hints(env, engine):
    fake, _ = env
    first = (await fake.autocomplete("similar", "title", "")).choices  # what Discord sends when the field opens
    assert len(first) == 25
    toy_story = engine.resolve("toy story 1995").clear
    for typed in (
        "toy story 1995",
        "Toy Story (1995)",
        "tt0114709",
        "https://www.imdb.com/title/tt0114709/",
        "https://trakt.tv/movies/toy-story-1995",
    ):
        choices = (await fake.autocomplete("similar", "title", typed)).choices
        assert choices and choices[0] == {"name": "Toy Story (1995) · Movie", "value": toy_story.id}, typed
    assert (await fake.autocomplete("title", "title", "https://www.imdb.com/title/tt1670345/")).choices == []


async def test_an_unknown_id_or_link_is_said_plainly(env):
    fake, _ = env
    for typed, words in (
        ("https://www.imdb.com/title/tt1670345/", "the IMDb id tt1670345"),
        ("tt1670345", "the IMDb id tt1670345"),
        ("https://www.themoviedb.org/movie/999999999", "the TMDB movie 999999999"),
    ):
        inter = await fake.command("similar", {"title": typed})
        content = inter.message["content"]
        assert inter.ephemeral and content.startswith(f"No title in the catalog has {words}."), content
        assert "Did you mean" not in content


async def test_long_option_values_are_bounded_and_echoes_shortened(env):
    fake, _ = env
    # Discord's client enforces each string option's max_length before anything is sent: declare them.
    with pytest.raises(AssertionError, match="length outside its bounds"):
        await fake.command("similar", {"title": "Heat", "genre": "d" * 1990})
    with pytest.raises(AssertionError, match="length outside its bounds"):
        await fake.command("discover", {"description": "heist", "genre": "d" * 1990})
    longest = "d" * 40
    for options in ({"title": "The Matrix", "genre": longest}, {"title": "The Matrix", "exclude_genre": longest}):
        inter = await fake.command("similar", options)
        content = inter.message["content"]
        assert inter.ephemeral and content.startswith("Unknown genre “ddd") and len(content) < 200
    inter = await fake.command("similar", {"title": "q" * 200})
    assert inter.ephemeral and len(inter.message["content"]) <= 2000


async def test_error_texts_use_the_options_people_typed(env):
    fake, _ = env
    cases = [
        ({"year_from": 2000, "year_to": 1990}, "year_from (2000) is after year_to (1990)"),
        ({"genre": "drama", "exclude_genre": "drama"}, "is both the genre and the exclude_genre"),
        ({"language": "english"}, "language takes a two-letter code such as en, fr or ja, not “english”"),
        ({"language": "é1"}, "language takes a two-letter code"),
    ]
    for options, words in cases:
        inter = await fake.command("similar", {"title": "The Matrix", **options})
        content = inter.message["content"]
        assert inter.ephemeral and words in content, content
        for jargon in ("year_min", "year_max", "custom_id", "exclude_genres", "runtime_max"):
            assert jargon not in content


async def test_a_percent_encoded_wikipedia_name_is_linked_once_encoded(env):
    fake, _ = env
    inter = await fake.command("title", {"title": "Don't Tell Everything"})
    assert inter.message["embeds"][0]["url"] == "https://en.wikipedia.org/wiki/Don%27t_Tell_Everything"


async def test_no_match_gets_ephemeral_suggestions(env):
    fake, _ = env
    inter = await fake.command("similar", {"title": "Matrix qqqq wwww eeee"})
    assert inter.ephemeral and inter.message["content"].startswith("No title matches")
    assert "Did you mean:\n• The Matrix (1999) · Movie" in inter.message["content"]
    inter = await fake.command("similar", {"title": "xkcd"})
    assert inter.ephemeral and "No title matches “xkcd”. Check the spelling" in inter.message["content"]


async def test_a_button_still_works_after_a_restart(state, engine, tmp_path):
    config = bot_config(state, guild_id=fd.GUILD_ID)
    marker = tmp_path / "sync.json"
    async with running_fake() as fake:
        async with running_bot(fake, config, engine, marker):
            msg = (await fake.command("similar", {"title": "The Matrix"})).message
        _, nxt = page_buttons(msg)
        # A new bot instance with a fresh engine: nothing in memory is shared with the one that sent the message.
        async with running_bot(fake, config, Engine.open(make_config(state)), marker):
            click = await fake.click(msg, nxt)
        assert click.response_type == fd.UPDATE_MESSAGE
        assert "page 2" in fake.messages[int(msg["id"])]["content"]


async def test_a_stale_button_gets_a_clear_ephemeral_message(env):
    fake, _ = env
    msg = (await fake.command("similar", {"title": "The Matrix"})).message
    _, nxt = page_buttons(msg)
    # The same message as a rebuild would leave it: its title's ref is no longer in the index.
    stale = ids.similar_id("aaaaaaaaaa", 1, ids.Filters())
    fake.forge(msg, nxt, stale)
    click = await fake.click(msg, stale)
    assert click.response_type == fd.MESSAGE and click.ephemeral
    assert click.message["content"] == text.STALE_TEXT
    # A custom_id whose filters no longer decode: the same sentence.
    outdated = "ml:sim:aaaaaaaaaa:1:zz9"
    fake.forge(msg, stale, outdated)
    click = await fake.click(msg, outdated)
    assert click.ephemeral and click.message["content"] == text.STALE_TEXT


@pytest.mark.parametrize(
    "forged",
    [
        "ml:sim:{ref}:1000:",  # an older format: four-digit pages
        "ml:pick:{ref}",  # truncated
        "ml:card:{ref}:x",
        "ml:nope",
        "not-ours-at-all",
    ],
)
async def test_a_custom_id_in_no_known_format_still_gets_an_answer(env, engine, forged):
    fake, _ = env
    msg = (await fake.command("similar", {"title": "The Matrix"})).message
    _, nxt = page_buttons(msg)
    custom_id = forged.format(ref=ref_of(engine, "The Matrix", 1999))
    fake.forge(msg, nxt, custom_id)
    click = await fake.click(msg, custom_id)  # the fake fails the test on an unanswered click
    assert click.response_type == fd.MESSAGE and click.ephemeral
    assert click.message["content"] == text.STALE_TEXT
    assert "page 1" in fake.messages[int(msg["id"])]["content"]  # the results are left as they were


RERUN = "run /similar again and pick or type its value."


@pytest.mark.parametrize(
    ("command", "options", "sentence"),
    [
        ("similar", {"title": 12345}, f"title takes text, not the number 12345: {RERUN}"),
        ("similar", {"title": None}, f"title takes text, not nothing: {RERUN}"),
        ("similar", {"title": ["Heat"]}, f"title takes text, not a list: {RERUN}"),
        ("similar", {"title": {"q": "Heat"}}, f"title takes text, not an object: {RERUN}"),
        ("similar", {"title": "Heat", "private": "yes"}, f"private takes True or False, not the text “yes”: {RERUN}"),
        ("similar", None, "/similar needs its title option: run it again and fill that in."),
        ("similar", {"title": "Heat", "year_from": "1990"}, "year_from takes a whole number, not the text “1990”"),
        ("similar", {"title": "Heat", "year_from": True}, "year_from takes a whole number, not True"),
        # A list for a number crashed inside discord.py itself, before any handler of ours ran.
        ("similar", {"title": "Heat", "min_rating": [7]}, "min_rating takes a number, not a list"),
        (
            "similar",
            {"title": "Heat", "year_from": 1500},
            "year_from takes a whole number from 1800 to 2200, not the number 1500",
        ),
        ("similar", {"title": ""}, "title takes 1 to 200 characters of text, not the text “”"),
        ("similar", {"title": "Heat", "kind": "cartoon"}, "kind takes one of Movies, Shows, not the text “cartoon”"),
        ("similar", {"title": "Heat", "colour": "red"}, "That /similar arrived garbled"),
        ("similar", [{"name": "title", "type": fd.OPT_NUMBER, "value": "Heat"}], "That /similar arrived garbled"),
        ("title", {"title": None}, "title takes text, not nothing: run /title again"),
        ("discover", {"description": 5}, "description takes text, not the number 5: run /discover again"),
        ("help", {"private": 1}, "That /help arrived garbled"),
    ],
)
async def test_option_values_of_the_wrong_type_get_one_sentence_logged_at_info(env, caplog, command, options, sentence):
    """Discord checks option types before sending, but a bot must not trust its input: a hand-made request gets
    one ephemeral sentence naming the option, logged at INFO, never "Something went wrong" and an ERROR."""
    fake, _ = env
    caplog.set_level(logging.INFO, logger="bot.discord_app")
    inter = await fake.raw_command(command, options)
    assert inter.response_type == fd.MESSAGE and inter.ephemeral
    assert inter.message["content"].startswith(sentence), inter.message["content"]
    assert inter.message["content"] != text.ERROR_TEXT
    assert [r.levelname for r in caplog.records if "event=bad_options" in r.getMessage()] == ["INFO"]
    # running_fake fails the test on any ERROR logged (the traceback that was here before)


async def test_autocomplete_with_a_value_of_the_wrong_type_offers_nothing(env, caplog):
    fake, _ = env
    caplog.set_level(logging.INFO, logger="bot.discord_app")
    for options in ({"title": 12345}, {"title": "heat", "genre": ["x"]}):
        inter = await fake.raw_command("similar", options, focused="title")
        assert inter.response_type == fd.AUTOCOMPLETE_RESULT and inter.choices == []
    inter = await fake.raw_command("similar", {"title": "x", "genre": None}, focused="genre")
    assert inter.response_type == fd.AUTOCOMPLETE_RESULT and inter.choices == []
    assert "event=bad_options" in caplog.text
    # What Discord does send still gets its choices.
    assert (await fake.raw_command("similar", {"title": "hea"}, focused="title")).choices


def _cinderella_select(message: dict) -> str:
    (select,) = [c for row in message["components"] for c in row["components"]]
    return select["custom_id"]


@pytest.mark.parametrize(
    "case",
    [
        "select payload on a page button",
        "button on the refine select",
        "button on the which-one select",
        "select payload on a which-one button",
        "button on the card select",
        "a button carrying a select's id",
        "a select carrying a button's id",
    ],
)
async def test_a_component_type_that_does_not_match_its_custom_id_gets_the_stale_message(env, engine, case):
    fake, _ = env
    results = (await fake.command("similar", {"title": "The Matrix"})).message
    _, nxt = page_buttons(results)
    refine = next(cid for cid in fd.FakeDiscord.custom_ids(results) if cid.startswith("ml:ref:"))
    ref = ref_of(engine, "The Matrix", 1999)
    if case == "select payload on a page button":
        message, click = results, fake.raw_click(results, nxt, 3, ["k:show"])
    elif case == "button on the refine select":
        message, click = results, fake.raw_click(results, refine, 2)
    elif case == "button on the which-one select":
        message = (await fake.command("similar", {"title": "Cinderella"})).message
        click = fake.raw_click(message, _cinderella_select(message), 2)
    elif case == "select payload on a which-one button":
        message = (await fake.command("similar", {"title": "Heat"})).message
        pick = ids.pick_id(ref_of(engine, "Heat", 1986), ids.Filters())
        click = fake.raw_click(message, pick, 3, [ref_of(engine, "Heat", 1986)])
    elif case == "button on the card select":
        message = (await fake.command("title", {"title": "Cinderella"})).message
        click = fake.raw_click(message, ids.CARD_SELECT_ID, 2)
    elif case == "a button carrying a select's id":  # discord.py builds the select's item around a button
        fake.forge(results, nxt, ids.refine_id(ref, ids.Filters()))
        message, click = results, fake.click(results, ids.refine_id(ref, ids.Filters()))
    else:  # the page button's item built around a select
        fake.forge(results, refine, ids.similar_id(ref, 2, ids.Filters()))
        message, click = results, fake.select(results, ids.similar_id(ref, 2, ids.Filters()), ["k:show"])
    before = json.dumps(fake.messages[int(message["id"])], sort_keys=True)
    answered = await click  # the fake fails the test on a click left unanswered
    assert answered.response_type == fd.MESSAGE and answered.ephemeral
    assert answered.message["content"] == text.STALE_TEXT
    assert json.dumps(fake.messages[int(message["id"])], sort_keys=True) == before  # the message is left as it was


async def test_heat_offers_only_the_films_titled_heat_and_names_the_heat_apart(heat_published, tmp_path):
    """The same-title buttons are for exactly the title typed (the engine's rule); "The Heat" (2013), which only
    normalises alike, is named in a "did you mean" line instead of being a fourth button."""
    config = bot_config(heat_published, guild_id=fd.GUILD_ID)
    async with running_fake() as fake, running_bot(fake, config, Engine.open(config), tmp_path / "sync.json"):
        for command in ("similar", "title"):
            msg = (await fake.command(command, {"title": "Heat"})).message
            labels = [c["label"] for row in msg["components"] for c in row["components"]]
            assert sorted(labels) == ["Heat (1972) · Movie", "Heat (1986) · Movie", "Heat (1995) · Movie"], command
            first, did_you_mean = msg["content"].split("\n")
            assert first == "Which one? 3 titles match “Heat”."
            assert did_you_mean.startswith("Did you mean The Heat (2013) · Movie")
            assert did_you_mean.endswith("? Type that title to get it.")
        # Typed as it is titled, "The Heat" is that one film: its results at once.
        inter = await fake.command("similar", {"title": "The Heat"})
        assert "More like [The Heat (2013)]" in inter.message["content"]


async def test_a_second_delivery_of_an_interaction_is_dropped_quietly(env, caplog):
    fake, _ = env
    caplog.set_level(logging.INFO, logger="bot.discord_app")
    inter = await fake.command("similar", {"title": "The Matrix"})
    msg = inter.message
    _, nxt = page_buttons(msg)
    click = await fake.click(msg, nxt)
    typed = await fake.autocomplete("similar", "title", "matr")
    for again in (inter, click, typed):
        caplog.clear()
        await fake.redeliver(again)
        for _ in range(200):  # until the bot has seen it (it answers nothing, so wait for its log line)
            if "event=duplicate_interaction" in caplog.text or fake.violations or fake.error_records:
                break
            await asyncio.sleep(0.02)
        assert f"event=duplicate_interaction id={again.id}" in caplog.text
    assert "page 2" in fake.messages[int(msg["id"])]["content"] and len(inter.responses) == 1
    # running_fake fails the test on any 40060 the bot provoked and on any ERROR it logged


async def test_only_the_user_who_asked_changes_a_public_result(env, engine):
    fake, _ = env
    owner, other = fd.DEFAULT_USER_ID, fd.DEFAULT_USER_ID + 7
    msg = (await fake.command("similar", {"title": "The Matrix"}, user=owner)).message
    first = titles_in(msg)
    _, nxt = page_buttons(msg)
    click = await fake.click(msg, nxt, user=other)
    # The other user gets page 2 as their own ephemeral copy; the channel's message stays on page 1.
    assert click.response_type == fd.MESSAGE and click.ephemeral and click.message_id != int(msg["id"])
    assert "page 2" in click.message["content"] and titles_in(click.message)[0].startswith("6. ")
    assert titles_in(fake.messages[int(msg["id"])]) == first
    # ...and can page on from their copy.
    _, their_next = page_buttons(click.message)
    again = await fake.click(click.message, their_next, user=other)
    assert again.response_type == fd.UPDATE_MESSAGE and "page 3" in click.message["content"]
    refine = next(cid for cid in fd.FakeDiscord.custom_ids(msg) if cid.startswith("ml:ref:"))
    picked = await fake.select(msg, refine, ["k:show"], user=other)
    assert picked.ephemeral and "shows only" in picked.message["content"]
    assert titles_in(fake.messages[int(msg["id"])]) == first
    # The user who asked keeps full control of the public message.
    mine = await fake.click(msg, nxt, user=owner)
    assert mine.response_type == fd.UPDATE_MESSAGE and "page 2" in fake.messages[int(msg["id"])]["content"]
    # A public "Which one?": a pick by someone else answers them alone.
    which = (await fake.command("similar", {"title": "Heat"}, user=owner)).message
    pick = ids.pick_id(ref_of(engine, "Heat", 1986), ids.Filters())
    theirs = await fake.click(which, pick, user=other)
    assert theirs.ephemeral and "More like [Heat (1986)]" in theirs.message["content"]
    assert fake.messages[int(which["id"])]["content"].startswith("Which one?")


async def test_discover_is_deferred_then_edited(env):
    fake, _ = env
    inter = await fake.command("discover", {"description": "a heist by a crew of thieves"})
    assert inter.response_type == fd.DEFERRED_MESSAGE
    msg = await inter.final()
    assert msg["content"].startswith("Titles matching “a heist by a crew of thieves”")
    assert len(titles_in(msg)) == 5 and not msg["components"]


async def test_errors_after_a_public_deferral_are_still_ephemeral(env):
    fake, _ = env
    inter = await fake.command("discover", {"description": "space pirates", "genre": "nonsense"})
    assert inter.response_type == fd.DEFERRED_MESSAGE
    await inter.wait_until(lambda i: i.followups, what="followup")
    # The public "thinking…" message is removed and the error is said to the user alone.
    assert inter.message is None
    (followup,) = inter.followups
    assert followup["flags"] & fd.EPHEMERAL and "Unknown genre" in followup["content"]
    private = await fake.command("discover", {"description": "space pirates", "private": True})
    assert private.ephemeral and len(titles_in(await private.final())) == 5


async def test_a_page_past_the_end_is_refused_ephemerally(env, engine):
    fake, _ = env
    msg = (await fake.command("similar", {"title": "Toy Story"})).message
    far = ids.similar_id(ref_of(engine, "Toy Story", 1995), 999, ids.Filters())
    msg["components"][0]["components"][1]["custom_id"] = far
    click = await fake.click(msg, far)
    assert click.ephemeral and "past the first" in click.message["content"]
    assert "page 1" in fake.messages[int(msg["id"])]["content"]  # the results message is left as it was


async def test_title_card_and_more_like_this(env, engine):
    fake, _ = env
    inter = await fake.command("title", {"title": "heat 1995"})
    card = inter.message["embeds"][0]
    assert card["title"] == "Heat (1995)" and any(f["name"] == "Kind" for f in card["fields"])
    (button,) = fd.FakeDiscord.custom_ids(inter.message)
    await fake.click(inter.message, button)
    assert "More like [Heat (1995)]" in fake.messages[int(inter.message["id"])]["content"]
    # Several titles of that name: /title asks "Which one?" and a pick shows that title's card in place.
    which = await fake.command("title", {"title": "Heat"})
    assert which.message["content"].startswith("Which one? 3 titles")
    card_button = ids.card_id(ref_of(engine, "Heat", 1972))
    await fake.click(which.message, card_button)
    now = fake.messages[int(which.message["id"])]
    assert now["content"] == "" and now["embeds"][0]["title"] == "Heat (1972)"
    many = await fake.command("title", {"title": "Cinderella"})
    await fake.select(many.message, ids.CARD_SELECT_ID, [ref_of(engine, "Cinderella", 1997)])
    assert fake.messages[int(many.message["id"])]["embeds"][0]["title"] == "Cinderella (1997)"
    helped = await fake.command("help")
    assert helped.ephemeral and helped.message["embeds"][0]["title"].startswith("MoreLike")


async def test_cooldown_answers_ephemerally(state, engine, tmp_path):
    config = bot_config(state, guild_id=fd.GUILD_ID, cooldown_rate=2, cooldown_per_s=60.0)
    marker = tmp_path / "sync.json"
    async with running_fake() as fake:
        async with running_bot(fake, config, engine, marker):
            for _ in range(2):
                assert not (await fake.command("similar", {"title": "The Matrix"})).ephemeral
            third = await fake.command("similar", {"title": "The Matrix"})
            assert third.ephemeral and re.fullmatch(
                r"Easy there! You can use /similar again in \d+ s\.", third.message["content"]
            )
            other_user = await fake.command("similar", {"title": "The Matrix"}, user=fd.DEFAULT_USER_ID + 1)
            assert not other_user.ephemeral
            # Each command counts on its own: /discover is still open to the user /similar turned away.
            discover = await fake.command("discover", {"description": "a heist by a crew of thieves"})
            assert discover.response_type == fd.DEFERRED_MESSAGE and not discover.ephemeral
            assert (await discover.final())["content"].startswith("Titles matching")
        # Another bot in the same process (tests run several; so may a restart in place): its own buckets.
        async with running_bot(fake, config, engine, marker):
            assert not (await fake.command("similar", {"title": "The Matrix"})).ephemeral
        # cooldown_rate = 0: no cooldown at all.
        async with running_bot(fake, bot_config(state, guild_id=fd.GUILD_ID), engine, marker):
            for _ in range(4):
                assert not (await fake.command("similar", {"title": "The Matrix"})).ephemeral


async def test_an_extension_that_fails_to_load_leaves_the_others_serving(state, engine, tmp_path):
    config = bot_config(state, guild_id=fd.GUILD_ID)
    missing = "bot.discord_app.cogs.no_such_cog"  # a misspelt name
    not_a_cog = "bot.discord_app.text"  # a module without `setup`
    extensions = ("bot.discord_app.cogs.similar", missing, not_a_cog, "bot.discord_app.cogs.help")
    bot = create_bot(config, engine, sync_marker=tmp_path / "sync.json", extensions=extensions)
    async with running_fake() as fake, running_client(fake, bot):
        # The similar feature's commands: /similar, /discover and the "More like this" message menu.
        assert fake.visible_commands() == ["More like this", "discover", "help", "similar"]
        assert (
            "More like [The Matrix (1999)]"
            in (await fake.command("similar", {"title": "The Matrix"})).message["content"]
        )
        assert (await fake.command("help")).message["embeds"][0]["title"].startswith("MoreLike")
        failed = [r.getMessage() for r in fake.error_records]
        assert len(failed) == 2
        assert failed[0].startswith(f"event=extension_failed name={missing} error=ExtensionNotFound(")
        assert failed[1].startswith(f"event=extension_failed name={not_a_cog} error=NoEntryPointError(")
        assert all("\n" not in line for line in failed)  # one line each, for the log
        fake.error_records.clear()  # logged as errors on purpose: a cog that does not load is a real bug


async def test_fifty_concurrent_similar_all_answered_in_time(env):
    fake, _ = env
    titles = ["The Matrix", "heat 1995", "Heat", "Cinderella", "Parasite", "Godzilla"]
    inters = await asyncio.gather(
        *(fake.command("similar", {"title": titles[i % len(titles)]}, user=fd.DEFAULT_USER_ID + i) for i in range(50))
    )
    assert all(i.acknowledged and not i.expired for i in inters)
    assert all(i.response_type == fd.MESSAGE and i.message["content"] for i in inters)


async def test_interactions_arriving_right_at_ready_are_answered_in_time(state, tmp_path, monkeypatch):
    """Users who typed while the bot was starting: their interactions land right behind READY. The title resolver
    is still being built then (on the full catalog it takes seconds); nobody may see "This interaction failed"."""
    config = bot_config(state, guild_id=fd.GUILD_ID)
    snapshot = Snapshot.load(open_published(config.state_dir))  # similar search ready, no resolver yet
    engine = Engine(config, snapshot)
    building = threading.Event()
    hold_s = fd.RESPONSE_DEADLINE_S + 0.5  # a build that outlasts Discord's deadline

    made = Snapshot._build_resolver

    def slow(snap):  # the snapshot's resolver build, only slower
        building.set()
        time.sleep(hold_s)
        return made(snap)

    monkeypatch.setattr(Snapshot, "_build_resolver", slow)
    builder = threading.Thread(target=lambda: snapshot.resolver, daemon=True)  # what Engine.open's thread does
    builder.start()
    building.wait()
    async with running_fake() as fake:
        fake.at_ready(lambda: fake.autocomplete("similar", "title", "toy st", wait=False))
        fake.at_ready(lambda: fake.command("similar", {"title": "Toy Story"}, wait=False))
        fake.at_ready(lambda: fake.command("title", {"title": "Heat"}, wait=False))
        async with running_bot(fake, config, engine, tmp_path / "sync.json"):
            for inter in fake.ready_interactions:
                await fake.wait_acknowledged(inter)
            autocomplete, similar, title = fake.ready_interactions
            assert not any(i.expired for i in fake.ready_interactions)
            assert builder.is_alive()  # connected and answering while the resolver was still being built
            # Autocomplete answers at once with what is ready (nothing yet); the commands defer, then deliver.
            assert autocomplete.response_type == fd.AUTOCOMPLETE_RESULT
            assert similar.response_type == title.response_type == fd.DEFERRED_MESSAGE
            assert "More like [Toy Story (1995)]" in (await similar.final())["content"]
            assert (await title.final())["content"].startswith("Which one? 3 titles")
            builder.join()
            later = await fake.autocomplete("similar", "title", "toy st")
            assert any(c["name"] == "Toy Story (1995) · Movie" for c in later.choices)


async def test_an_unexpected_failure_still_gets_an_ephemeral_answer(state, engine, tmp_path):
    config = bot_config(state, guild_id=fd.GUILD_ID)
    bot = create_bot(config, engine, sync_marker=tmp_path / "sync.json")

    @bot.tree.command(name="broken", description="Fails the way a bug would")
    async def broken(interaction):
        raise RuntimeError("a bug")

    async with running_fake() as fake, running_client(fake, bot):
        inter = await fake.command("broken")
        assert inter.ephemeral and inter.message["content"] == text.ERROR_TEXT
        assert [r.getMessage() for r in fake.error_records] == [
            "event=command_failed command=broken error=RuntimeError('a bug')"
        ]
        fake.error_records.clear()  # logged as an error on purpose: a real bug must show in the logs
        with pytest.raises(AssertionError, match="outside its declared range"):
            await fake.command("similar", {"title": "Heat", "year_from": 1500})
