"""Where to watch and anime apart (issue 21 items 3 and 4): the facts read from catalog rows, stored in the build,
shown on cards and filtered on by the engine, the REST API and the terminal (Discord: tests/test_discord_bot.py)."""

from __future__ import annotations

import json
import sqlite3

import pytest

from morelike.build.layout import DB_FILE, current_build
from morelike.catalog.watch import Offer, is_anime, offers
from morelike.engine import Engine, FilterError, Filters
from tests.conftest import make_config

SPIRITED_AWAY = "imdb-tt0245429"  # JP animation: anime
RAGNAROK = "imdb-tt13676344"  # Record of Ragnarok, JP animated show: anime
TOY_STORY = "imdb-tt0114709"  # US animation
BREAKING_BAD = "imdb-tt0903747"  # US live action, on Netflix (US, 2022)
INCEPTION = "imdb-tt1375666"  # on Netflix and HBO Max


@pytest.fixture(scope="module")
def engine(small_published):
    return Engine.open(make_config(small_published))


def test_offers_read_the_bundled_tags_and_a_provider_sources_tags():
    assert offers(["justwatch-hbo", "wikipedia", "justwatch-netflix"]) == (
        Offer("netflix", "US", "2022"),
        Offer("hbo-max", "US", "2022"),
    )
    assert offers(["watch:hulu:GB:2025-06", "watch:nope:GB:2025", "watch:hulu:gb:2025", "trakt"]) == (
        Offer("hulu", "GB", "2025-06"),
    )


@pytest.mark.parametrize(
    ("genres", "country", "language", "expected"),
    [
        (["animation", "fantasy"], "JP", None, True),  # Cowboy Bebop 1998: country only
        (["animation", "romance"], None, "ja", True),  # Your Name.: language only
        (["fantasy", "thriller"], None, "ja", False),  # Death Note 2006, live action
        (["animation", "family"], "US", "en", False),  # Toy Story
        (["anime", "action"], None, None, True),  # Trakt's genre
    ],
)
def test_anime_is_japanese_animation_or_trakts_anime_genre(genres, country, language, expected):
    assert is_anime(genres, country, language) is expected


def test_the_build_stores_the_anime_flag(small_published):
    con = sqlite3.connect(current_build(small_published / "published") / DB_FILE)
    flagged = {row[0] for row in con.execute("SELECT id FROM titles WHERE anime = 1")}
    con.close()
    assert {SPIRITED_AWAY, RAGNAROK} <= flagged and TOY_STORY not in flagged and BREAKING_BAD not in flagged


def test_cards_say_where_it_was_and_whether_it_is_anime(engine):
    card = engine.get(INCEPTION)
    assert card.watch == (Offer("netflix", "US", "2022"), Offer("hbo-max", "US", "2022")) and not card.anime
    assert engine.get(SPIRITED_AWAY).anime


def test_on_keeps_titles_on_any_service_named(engine):
    page = engine.similar(BREAKING_BAD, Filters(on=("netflix", "hulu"), anime="include"), k=20)
    assert page.items
    for rec in page.items:
        assert {o.service for o in rec.card.watch} & {"netflix", "hulu"}, rec.card.label
    netflix_only = engine.similar(BREAKING_BAD, Filters(on=("netflix",), anime="include"), k=20)
    assert all("netflix" in {o.service for o in r.card.watch} for r in netflix_only.items)
    # several services: any of them (a title on Hulu alone answers netflix,hulu)
    assert any({o.service for o in r.card.watch} & {"netflix", "hulu"} == {"hulu"} for r in page.items)


def test_a_service_no_one_offers_is_a_filter_error():
    with pytest.raises(FilterError, match="on must name services among netflix"):
        Filters(on=("crunchyroll",))
    with pytest.raises(FilterError, match="anime must be one of only, exclude, include"):
        Filters(anime="sometimes")


def _kinds(page) -> tuple[int, int, int]:
    """(anime, other animation, live action) among the results."""
    anime = sum(r.card.anime for r in page.items)
    drawn = sum(not r.card.anime and "animation" in r.card.genres for r in page.items)
    return anime, drawn, len(page.items) - anime - drawn


def test_a_live_action_query_leaves_anime_out_unless_asked(engine):
    default = engine.similar(BREAKING_BAD, k=40)
    assert _kinds(default)[0] == 0
    included = engine.similar(BREAKING_BAD, Filters(anime="include"), k=40)
    only = engine.similar(BREAKING_BAD, Filters(anime="only"), k=5)
    assert only.items and all(r.card.anime for r in only.items)
    assert _kinds(included)[0] > 0  # the small catalog's anime are near enough to show when mixed in


def test_an_anime_query_keeps_anime_and_animation_and_leaves_live_action_out(engine):
    page = engine.similar(RAGNAROK, k=30)
    anime, drawn, live = _kinds(page)
    assert live == 0 and anime > 0 and drawn > 0
    mixed = engine.similar(RAGNAROK, Filters(anime="include"), k=30)
    assert _kinds(mixed)[2] > 0
    excluded = engine.similar(RAGNAROK, Filters(anime="exclude"), k=30)
    assert _kinds(excluded)[0] == 0


def test_discover_mixes_everything_unless_asked(engine):
    only = engine.discover("a girl in a world of spirits", Filters(anime="only"), k=5)
    assert only.items and all(r.card.anime for r in only.items)


def test_cards_carry_the_new_fields_in_json(engine):
    from morelike.answers import card_json

    data = card_json(engine.get(INCEPTION))
    assert data["anime"] is False
    assert data["watch"][0] == {"service": "netflix", "region": "US", "as_of": "2022"}
    json.dumps(data)


# ------------------------------------------------------------------------------------------ REST and terminal
async def test_rest_on_and_anime(engine):
    import aiohttp
    from aiohttp import web

    from bot.rest.app import create_app

    runner = web.AppRunner(create_app(engine))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    base = "http://{}:{}".format(*runner.addresses[0][:2])
    try:
        async with aiohttp.ClientSession() as http:
            url = f"{base}/v1/titles/{BREAKING_BAD}/similar"
            async with http.get(url, params=[("on", "netflix,hulu"), ("anime", "include"), ("k", "20")]) as resp:
                body = await resp.json()
            assert resp.status == 200 and body["items"]
            for item in body["items"]:
                assert {w["service"] for w in item["title"]["watch"]} & {"netflix", "hulu"}
            async with http.get(url, params={"anime": "only"}) as resp:
                body = await resp.json()
            assert resp.status == 200 and body["items"] and all(i["title"]["anime"] for i in body["items"])
            async with http.get(url, params={"on": "crunchyroll"}) as resp:
                body = await resp.json()
            assert resp.status == 400 and body["error"]["parameter"] == "on"
            assert "netflix, hbo-max, hulu, disney-plus, prime-video" in body["error"]["message"]
            async with http.get(f"{base}/openapi.json") as resp:
                doc = await resp.json()
            params = {p["name"]: p for p in doc["paths"]["/v1/discover"]["get"]["parameters"]}
            assert params["on"]["schema"]["items"]["enum"] == [
                "netflix",
                "hbo-max",
                "hulu",
                "disney-plus",
                "prime-video",
            ]
            assert params["anime"]["schema"]["enum"] == ["only", "exclude", "include"]
    finally:
        await runner.cleanup()


def test_terminal_on_and_anime(small_published, capsys):
    from bot import terminal

    parser = __import__("argparse").ArgumentParser()
    terminal.add_ask_arguments(parser)
    args = parser.parse_args(["Breaking Bad", "--on", "hulu", "--on", "netflix", "--anime", "only"])
    assert terminal.filters_from_args(args, ["drama"]) == Filters(on=("hulu", "netflix"), anime="only")
    bad = parser.parse_args(["Breaking Bad", "--on", "crunchyroll"])
    with pytest.raises(terminal.UsageError, match=r"--on: unknown service 'crunchyroll' \(known: netflix"):
        terminal.filters_from_args(bad, ["drama"])
    with pytest.raises(SystemExit):
        parser.parse_args(["Breaking Bad", "--anime", "sometimes"])
    assert "invalid choice: 'sometimes'" in capsys.readouterr().err
