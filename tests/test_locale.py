"""The bot speaks the user's locale (issue 20): the message catalogue, Discord's localised command payloads,
answers in an interaction's locale, REST `lang` / Accept-Language and the terminal's `--lang` / environment."""

from __future__ import annotations

import ast
import contextlib
import copy
import json
import os
import pickle
import re
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from bot.discord_app.client import create_bot
from bot.discord_app.translator import CatalogueTranslator
from bot.rest.app import build_etag, create_app
from bot.rest.http import ApiRunner
from morelike import i18n
from morelike.engine import Engine
from tests.conftest import make_config
from tests.fakes import discord_server as fd
from tests.fakes.discord_server import running_client, running_fake

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

REPO = Path(__file__).resolve().parents[1]
ENGLISH = i18n.CATALOGUES[i18n.ENGLISH].messages
TRANSLATED = [code for code in i18n.LOCALES if code != i18n.ENGLISH]
HEAT_1995 = "tmdb-movie-949"


# ------------------------------------------------------------------------------------------- the catalogue
def test_the_catalogue_has_the_five_locales_the_issue_asks_for_named_as_discord_names_them():
    assert set(TRANSLATED) == {"es-ES", "fr", "de", "ja", "pt-BR"}
    assert set(i18n.LOCALES) <= fd.DISCORD_LOCALES


@pytest.mark.parametrize("locale", TRANSLATED)
def test_every_locale_has_every_key_and_no_other(locale):
    messages = i18n.CATALOGUES[locale].messages
    assert sorted(set(ENGLISH) - set(messages)) == [], "untranslated"
    assert sorted(set(messages) - set(ENGLISH)) == [], "keys English does not have"
    assert all(isinstance(text, str) and text.strip() for text in messages.values())


@pytest.mark.parametrize("locale", TRANSLATED)
def test_every_translation_keeps_the_english_placeholders(locale):
    messages = i18n.CATALOGUES[locale].messages
    wrong = {
        key: (sorted(i18n.placeholders(ENGLISH[key])), sorted(i18n.placeholders(text)))
        for key, text in messages.items()
        if i18n.placeholders(text) != i18n.placeholders(ENGLISH[key])
    }
    assert wrong == {}
    for key, text in messages.items():  # and every template formats with the English values
        text.format_map(dict.fromkeys(i18n.placeholders(ENGLISH[key]), "x"))


def test_the_placeholder_check_can_fail():
    assert i18n.placeholders("Which one? {count} titles match “{text}”.") == {"count", "text"}
    assert i18n.placeholders("¿Cuál? {cuenta} títulos") != i18n.placeholders("Which one? {count} titles")


def _source_strings() -> tuple[set[str], list[re.Pattern[str]]]:
    """Every string constant in the code of the faces and the core (the catalogue's own modules aside), and the
    keys the code builds (f"option.{name}.name") as patterns."""
    constants: set[str] = set()
    built: list[re.Pattern[str]] = []
    for package in ("bot", "morelike"):
        for path in sorted((REPO / package).rglob("*.py")):
            if "locales" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    constants.add(node.value)
                elif isinstance(node, ast.JoinedStr):
                    parts = [re.escape(v.value) if isinstance(v, ast.Constant) else r"[^.\s]+" for v in node.values]
                    pattern = "".join(parts)
                    if re.match(r"[a-z]+\\\.", pattern):  # a dotted key being built
                        built.append(re.compile(pattern))
    return constants, built


def test_every_key_the_code_names_exists_and_every_message_is_used():
    constants, built = _source_strings()
    sections = {key.split(".")[0] for key in ENGLISH if "." in key}
    named = {c for c in constants if re.fullmatch(r"[a-z_]+(\.[a-z_]+)+", c) and c.split(".")[0] in sections}
    assert sorted(named - set(ENGLISH)) == [], "keys the code names that the catalogue lacks"
    unused = [key for key in ENGLISH if key not in constants and not any(p.fullmatch(key) for p in built)]
    assert unused == [], "messages nothing says"


def test_numbers_and_counts_are_written_the_locales_way():
    assert i18n.number(8.3, "en-US", 1) == "8.3" and i18n.number(8.3, "fr", 1) == "8,3"
    assert i18n.number(7.5, "de") == "7,5" and i18n.number(7.0, "ja") == "7"
    assert i18n.compact_count(712_300, "en-US") == "712.3k" and i18n.compact_count(1_200_000, "en-US") == "1.2M"
    assert i18n.compact_count(1_000_000, "en-US") == "1M" and i18n.compact_count(999, "de") == "999"
    assert i18n.compact_count(712_300, "de") == "712,3 Tsd." and i18n.compact_count(712_300, "ja") == "71.2万"
    assert i18n.compact_count(712_300, "pt-BR") == "712,3 mil" and i18n.compact_count(2_500_000, "fr") == "2,5 M"
    assert i18n.or_list(["A", "B", "C"], "fr") == "A, B ou C" and i18n.or_list(["A"], "de") == "A"


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("fr", "fr"), ("FR", "fr"), ("fr-CA", "fr"), ("es-419", "es-ES"), ("es_MX", "es-ES"), ("pt", "pt-BR"),
        ("pt-PT", "pt-BR"), ("en-GB", "en-US"), ("de_DE.UTF-8", "de"), ("ja_JP.eucJP@x", "ja"), ("ko", None),
        ("C", None), ("C.UTF-8", None), ("POSIX", None), ("*", None), ("", None), (None, None), ("??", None),
    ],
)  # fmt: skip
def test_a_language_tag_finds_its_catalogue(tag, expected):
    assert i18n.supported(tag) == expected
    assert i18n.pick(tag) == (expected or "en-US")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("fr-CA, en;q=0.8", "fr"),
        ("de;q=0.5, ja;q=0.9", "ja"),  # the highest q wins, not the first listed
        ("ko, fr;q=0.7, de;q=0.7", "fr"),  # unsupported skipped; equal q: the first listed
        ("fr;q=0, de;q=0.1", "de"),  # q=0: "not this one"
        ("*", "en-US"),
        ("ko;q=1, *;q=0.5, fr;q=0.1", "en-US"),  # any language (English) before French
        ("ko, zh-TW", "en-US"),
        ("", "en-US"),
        (None, "en-US"),
        ("fr;q=nope, pt-BR;q=0.3", "pt-BR"),  # an unreadable weight: that item is skipped
        ("!!!,;;;,==", "en-US"),
        ("es-419;q=0.9, en-GB;q=0.8", "es-ES"),
    ],
)
def test_accept_language_picks_the_best_supported_locale_by_q(header, expected):
    assert i18n.negotiate(header) == expected


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"LANG": "fr_FR.UTF-8"}, "fr"),
        ({"LANG": "C.UTF-8"}, "en-US"),
        ({"LC_ALL": "de_DE.UTF-8", "LANG": "fr_FR.UTF-8"}, "de"),  # LC_ALL before LANG, as gettext reads them
        ({"LC_MESSAGES": "ja_JP.UTF-8", "LANG": "fr_FR.UTF-8"}, "ja"),
        ({"LANGUAGE": "ko:pt_BR", "LANG": "fr_FR.UTF-8"}, "pt-BR"),  # LANGUAGE: its first supported entry
        ({"LANGUAGE": "ko", "LANG": "es_ES.UTF-8"}, "es-ES"),
        ({"LANGUAGE": "", "LC_ALL": "", "LANG": "ja_JP"}, "ja"),  # set but empty: not set
        ({}, "en-US"),
    ],
)
def test_the_terminal_reads_the_environment_as_gettext_does(environ, expected):
    assert i18n.from_environment(environ) == expected


def test_why_reasons_are_english_text_and_said_again_in_any_locale():
    reasons = [
        i18n.Reason("why.director", {"name": "Michael Mann"}),
        i18n.Reason("why.known", {"votes": i18n.Count(712_300), "rating": 8.3}),
        i18n.Reason("why.story", {"pct": 47}),
    ]
    why = i18n.Why(reasons)
    assert why == "Same director: Michael Mann · well known (712.3k votes, 8.3/10) · story 47% alike"
    assert i18n.why_text(why, "en-US") == why
    assert i18n.why_text(why, "fr") == (
        "Même réalisation : Michael Mann · très connu (712,3 k votes, 8,3/10) · histoire proche à 47 %"
    )
    assert i18n.why_text(why, "ja") == "同じ監督：Michael Mann · 有名作（71.2万票、8.3/10） · ストーリーの類似度47%"
    for locale in TRANSLATED:
        said = i18n.why_text(why, locale)
        assert said != why and "Michael Mann" in said and said[0] == said[0].upper()
    assert i18n.why_text("a plain line", "de") == "a plain line"  # no reasons to say again
    for again in (pickle.loads(pickle.dumps(why)), copy.deepcopy(why)):
        assert again == why and i18n.why_text(again, "fr") == i18n.why_text(why, "fr")


# ------------------------------------------------------------------------- Discord: the command payloads
async def translated_payload(tmp_path) -> list[dict]:
    """What the bot syncs: its command tree with every localisation, as discord.py builds it."""
    bot = create_bot(make_config(tmp_path), None)
    try:
        await bot.tree.set_translator(CatalogueTranslator())
        await bot.load_extensions()
        return [await cmd.get_translated_payload(bot.tree, bot.tree.translator) for cmd in bot.tree.get_commands()]
    finally:
        await bot.close()


def _named(payload: list[dict]):
    """Every command, option and choice of a payload, with what kind of thing it is."""
    for cmd in payload:
        yield "command", cmd
        for opt in cmd.get("options") or []:
            yield "option", opt
            for choice in opt.get("choices") or []:
                yield "choice", choice


# Every application command the bot registers, by its English name (sorted): the two payload tests read this.
COMMAND_NAMES = ["More like this", "discover", "help", "hidden", "link", "similar", "title", "unlink"]


async def test_localised_command_payloads_are_within_discords_limits(tmp_path):
    payload = await translated_payload(tmp_path)
    fd.check_commands(payload)  # the fake's checks, from Discord's documentation: raises on any broken rule
    assert sorted(c["name"] for c in payload) == COMMAND_NAMES
    for kind, item in _named(payload):
        names = item.get("name_localizations") or {}
        assert set(names) == set(TRANSLATED), (kind, item["name"], sorted(names))
        menu = kind == "command" and item.get("type") == 3  # a message command: its own name rule, no description
        for locale, name in names.items():
            if kind == "choice":
                assert 1 <= len(name) <= 100
            elif menu:
                assert fd.valid_menu_name(name), (locale, name)
            else:  # Discord's name rule, lowercase wherever a letter has a lowercase form
                assert fd.NAME_RE.fullmatch(name) and name == name.lower() and len(name) <= 32, (locale, name)
        if kind != "choice" and not menu:
            descriptions = item.get("description_localizations") or {}
            assert set(descriptions) == set(TRANSLATED), (kind, item["name"])
            assert all(1 <= len(d) <= 100 for d in descriptions.values())
            assert all(d != item["description"] for d in descriptions.values())  # translated, not copied
    for locale in TRANSLATED:  # two commands, or two options of one command, never share a name
        assert len({c["name_localizations"][locale] for c in payload}) == len(payload)
        for cmd in payload:
            names = [o["name_localizations"][locale] for o in cmd.get("options") or []]
            assert len(set(names)) == len(names), (locale, cmd["name"], names)
    similar = next(c for c in payload if c["name"] == "similar")
    assert similar["name_localizations"]["fr"] == "similaires" and similar["name_localizations"]["ja"] == "似た作品"
    options = {o["name"]: o for o in similar["options"]}
    assert options["year_from"]["name_localizations"]["de"] == "ab_jahr"
    assert [c["name_localizations"]["pt-BR"] for c in options["kind"]["choices"]] == ["Filmes", "Séries"]


async def test_the_english_catalogue_names_are_the_declared_names(tmp_path):
    """Discord sends the default names back in every interaction: the catalogue's English names must be the
    commands' and options' own, or error messages would name options nobody sees."""
    for cmd in await translated_payload(tmp_path):
        if cmd.get("type") == 3:  # the message command: named like people talk, so its key is not its name
            assert cmd["name"] == i18n.tr("en-US", "command.more_like_this.name")
            continue
        assert i18n.tr("en-US", f"command.{cmd['name']}.name") == cmd["name"]
        assert i18n.tr("en-US", f"command.{cmd['name']}.description") == cmd["description"]
        for opt in cmd["options"]:
            if opt.get("type") == 1:  # a subcommand (/link trakt): keyed by its command and its own name
                assert i18n.tr("en-US", f"command.{cmd['name']}_{opt['name']}.name") == opt["name"]
                for sub in opt.get("options") or []:
                    assert i18n.tr("en-US", f"option.{sub['name']}.name") == sub["name"]
                continue
            assert i18n.tr("en-US", f"option.{opt['name']}.name") == opt["name"]


@pytest.mark.parametrize("locale", i18n.LOCALES)
def test_component_texts_and_help_fit_discords_limits_in_every_locale(locale):
    from bot.discord_app import text
    from bot.discord_app.cogs.help import help_embed

    for key in ("button.previous", "button.next", "button.more_like_this"):
        assert 1 <= len(i18n.tr(locale, key)) <= text.BUTTON_LABEL  # button labels: 80
    for key in ("refine.movies", "refine.shows", "refine.both", "refine.any_genre"):
        assert 1 <= len(i18n.tr(locale, key)) <= text.OPTION_TEXT  # select option labels: 100
    for key in ("refine.placeholder", "pick.placeholder"):
        assert 1 <= len(i18n.tr(locale, key)) <= 150  # select placeholders
    fd.check_embeds([help_embed(9, locale).to_dict()])


def _command(**over) -> dict:
    cmd = {
        "name": "similar",
        "description": "Movies and shows like a title you pick",
        "type": 1,
        "name_localizations": {"fr": "similaires"},
        "description_localizations": {"fr": "Films et séries proches"},
        "options": [
            {"name": "title", "description": "The title", "type": 3, "required": True},
            {"name": "kind", "description": "Kind", "type": 3, "choices": [{"name": "Movies", "value": "movie"}]},
        ],
    }
    return {**cmd, **over}


@pytest.mark.parametrize(
    ("command", "fragment"),
    [
        (_command(name_localizations={"fr-FR": "similaires"}), "Invalid Locale"),
        (_command(name_localizations={"fr": "Similaires"}), "is invalid"),  # uppercase
        (_command(name_localizations={"fr": "films similaires"}), "is invalid"),  # a space
        (_command(name_localizations={"ja": "似た・作品"}), "is invalid"),  # punctuation outside the pattern
        (_command(name_localizations={"de": "x" * 33}), "is invalid"),
        (_command(description_localizations={"de": "x" * 101}), "is invalid"),
        (_command(description_localizations={"de": ""}), "is invalid"),
        (_command(name_localizations=["fr"]), "must be an object"),
        (
            _command(
                options=[
                    {"name": "title", "description": "t", "type": 3, "name_localizations": {"fr": "titre"}},
                    {"name": "kind", "description": "k", "type": 3, "name_localizations": {"fr": "titre"}},
                ]
            ),
            "unique in locale fr",
        ),
        (
            _command(
                options=[
                    {
                        "name": "kind",
                        "description": "k",
                        "type": 3,
                        "choices": [{"name": "Movies", "value": "movie", "name_localizations": {"es-ES": "x" * 101}}],
                    }
                ]
            ),
            "is invalid",
        ),
    ],
)
def test_the_fake_refuses_localisations_discord_refuses(command, fragment):
    fd.check_commands([_command()])  # the same command, well formed, is accepted
    with pytest.raises(fd.DiscordError, match=fragment):
        fd.check_commands([command])


def test_the_fake_refuses_two_commands_sharing_a_localised_name():
    other = _command(name="discover", name_localizations={"fr": "similaires"})
    with pytest.raises(fd.DiscordError, match="unique in locale fr"):
        fd.check_commands([_command(), other])


# ---------------------------------------------------------------------- Discord: end to end, in a locale
@pytest.fixture(scope="module")
def engine(small_published):
    return Engine.open(make_config(small_published))


@pytest.fixture
async def env(small_published, engine, tmp_path):
    config = make_config(
        small_published,
        discord={"cooldown_rate": 0, "guild_id": fd.GUILD_ID},
        engine={"reload_interval_s": 0.0},
    )
    async with running_fake() as fake:
        bot = create_bot(config, engine, sync_marker=tmp_path / "sync.json")
        async with running_client(fake, bot):
            yield fake, bot


def labels(message: dict) -> list[str]:
    return [c.get("label") or c.get("placeholder") for row in message["components"] for c in row["components"]]


async def test_commands_registered_with_the_fake_carry_every_localisation(env):
    fake, _ = env
    registered = fake.commands[fd.GUILD_ID]
    assert sorted(c["name"] for c in registered) == COMMAND_NAMES
    for kind, item in _named(registered):
        assert set(item.get("name_localizations") or {}) == set(TRANSLATED), (kind, item["name"])
    by_name = {c["name"]: c for c in registered}
    assert by_name["help"]["name_localizations"]["es-ES"] == "ayuda"
    assert by_name["title"]["description_localizations"]["de"].startswith("Steckbrief")
    assert not fake.take_violations()


async def test_a_french_user_gets_french_fixed_texts_and_catalog_text_as_it_is(env):
    fake, _ = env
    inter = await fake.command("similar", {"title": "Toy Story"}, locale="fr")
    msg = inter.message
    assert msg["content"].startswith("Titres proches de [Toy Story (1995)]") and "page 1" in msg["content"]
    results = [e for e in msg["embeds"] if e.get("title") != "Même saga"]
    assert len(results) == 5 and any(e.get("title") == "Même saga" for e in msg["embeds"])
    for e in results:
        facts, *_, why = e["description"].split("\n")
        assert facts.split(" · ")[0] in ("Film", "Série")
        assert "histoire proche à" in why.lower() and "alike" not in why
    assert labels(msg) == [
        "◀ Précédent",
        "Suivant ▶",
        "Affiner par type ou par genre…",
        "Pas pour moi : masquer un titre de mes réponses…",
    ]
    refine = next(c for row in msg["components"] for c in row["components"] if c["type"] == 3)
    assert [o["label"] for o in refine["options"][:2]] == ["Films uniquement", "Séries uniquement"]
    assert any(o["label"].startswith("Genre : ") for o in refine["options"])
    # A click is answered in the clicker's language: the message is French again on page 2.
    nxt = fd.FakeDiscord.custom_ids(msg)[1]
    await fake.click(msg, nxt, locale="fr")
    assert "page 2" in fake.messages[int(msg["id"])]["content"]
    assert fake.messages[int(msg["id"])]["content"].startswith("Titres proches de")
    # The same button clicked by an English user gives English.
    await fake.click(msg, fd.FakeDiscord.custom_ids(fake.messages[int(msg["id"])])[0])
    assert fake.messages[int(msg["id"])]["content"].startswith("More like [Toy Story (1995)]")


async def test_which_one_card_help_and_autocomplete_in_the_users_locale(env):
    fake, _ = env
    heat = (await fake.command("similar", {"title": "Heat"}, locale="de")).message
    assert heat["content"].startswith("Welcher? 3 Titel passen zu „Heat“.")
    assert sorted(labels(heat)) == ["Heat (1972) · Film", "Heat (1986) · Film", "Heat (1995) · Film"]
    cinderella = (await fake.command("similar", {"title": "Cinderella"}, locale="pt-BR")).message
    assert labels(cinderella) == ["Escolha o título que você procura…"]
    card = (await fake.command("title", {"title": "Toy Story"}, locale="es-ES")).message
    fields = [f["name"] for f in card["embeds"][0]["fields"]]
    spanish = {"Tipo", "Duración", "Valoración", "Géneros", "Dirección", "Reparto", "Título original", "Idioma", "País"}
    spanish.add("Dónde estaba")
    assert fields[0] == "Tipo" and set(fields) <= spanish and labels(card) == ["Más como este"]
    help_ = (await fake.command("help", locale="ja")).message["embeds"][0]
    assert help_["title"] == "MoreLike：似た作品を探す"
    assert help_["fields"][0]["name"] == "/似た作品 作品" and "開始年" in help_["fields"][0]["value"]
    choices = (await fake.autocomplete("similar", "title", "toy sto", locale="fr")).choices
    assert choices and all(" · Film" in c["name"] or " · Série" in c["name"] for c in choices)
    assert not any(" · Movie" in c["name"] or " · Show" in c["name"] for c in choices)


async def test_bad_input_is_one_ephemeral_sentence_in_the_users_locale(env):
    fake, _ = env
    swapped = await fake.command("similar", {"title": "The Matrix", "year_from": 2000, "year_to": 1990}, locale="fr")
    assert swapped.ephemeral
    assert swapped.message["content"] == (
        "année_min (2000) est après année_max (1990) : inversez-les, ou laissez l'une des deux vide."
    )
    genre = await fake.command("similar", {"title": "The Matrix", "genre": "nonsense"}, locale="es-ES")
    assert genre.ephemeral and genre.message["content"].startswith("Género desconocido «nonsense» en género.")
    wrong = await fake.raw_command("similar", {"title": 12345}, locale="de")
    assert wrong.ephemeral and wrong.message["content"] == (
        "titel erwartet Text, bekam aber die Zahl 12345: Führe /ähnlich erneut aus und wähle oder tippe den Wert."
    )
    missing = await fake.raw_command("similar", None, locale="pt-BR")
    assert missing.message["content"] == "/semelhantes precisa da opção título: use o comando de novo e preencha-a."
    kind = await fake.raw_command("similar", {"title": "Heat", "kind": "cartoon"}, locale="ja")
    assert "次のいずれか（映画, TV番組）" in kind.message["content"]
    nothing = await fake.command("similar", {"title": "xkcd"}, locale="fr")
    assert nothing.ephemeral and nothing.message["content"].startswith(
        "Aucun titre ne correspond à « xkcd ». Vérifiez l'orthographe"
    )
    close = await fake.command("similar", {"title": "Matrix qqqq wwww eeee"}, locale="fr")
    assert "Vouliez-vous dire :\n• The Matrix (1999) · Film" in close.message["content"]
    imdb = await fake.command("similar", {"title": "tt9999999"}, locale="de")
    assert imdb.message["content"].startswith("Kein Titel im Katalog passt zu der IMDb-ID tt9999999.")


def test_engine_and_codec_refusals_are_said_in_the_users_locale():
    """What the bot refuses beyond the options' own checks: the engine's filter errors (worded in English by the
    engine: another locale gets the catalogue's sentence naming the option) and a filter the buttons cannot carry."""
    from bot.discord_app import ids, widgets
    from morelike.engine.types import EngineError, FilterError, Filters

    english = widgets.user_text(FilterError("year_min", "year_min (2000) is greater than year_max (1990)"))
    assert english == "year_from (2000) is greater than year_to (1990)"  # the engine's words, the options' names
    assert widgets.user_text(FilterError("year_min", "x"), "fr").startswith("année_min a une valeur que cette")
    assert widgets.user_text(FilterError("page", "page 300 is past"), "ja").startswith("そのページは最初の1,000件")
    assert widgets.user_text(EngineError("The model cannot be loaded"), "de").startswith("MoreLike kann das gerade")
    with pytest.raises(ids.StateError) as bad_value:
        ids.encode_filters(Filters(genres=("sci fi!",)))
    assert str(bad_value.value).startswith("genre cannot filter by “sci-fi!”")
    assert widgets.user_text(bad_value.value, "pt-BR").startswith("gênero não consegue filtrar por “sci-fi!”")
    with pytest.raises(ids.StateError) as too_many:
        ids.similar_id("a" * 10, 0, Filters(genres=("g" * 40,), exclude_genres=("x" * 40,)))
    assert widgets.user_text(too_many.value) == ENGLISH["error.too_many_filters"]
    assert widgets.user_text(too_many.value, "es-ES").startswith("Son más filtros de los que caben")


@pytest.mark.parametrize("locale", ["ko", "xx-YY", "en-GB"])
async def test_a_locale_without_a_catalogue_gets_english(env, locale):
    fake, _ = env
    msg = (await fake.command("similar", {"title": "Toy Story"}, locale=locale)).message
    assert msg["content"].startswith("More like [Toy Story (1995)]")
    assert labels(msg)[:2] == ["◀ Previous", "Next ▶"]
    assert any(e.get("title") == "Same series" for e in msg["embeds"])
    bad = await fake.command("similar", {"title": "The Matrix", "year_from": 2000, "year_to": 1990}, locale=locale)
    assert bad.message["content"].startswith("year_from (2000) is after year_to (1990)")


# ------------------------------------------------------------------------------------- REST: lang and header
@contextlib.asynccontextmanager
async def serving(engine):
    runner = ApiRunner(create_app(engine))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        async with aiohttp.ClientSession() as session:
            yield session, f"http://{host}:{port}"
    finally:
        await runner.cleanup()


async def test_rest_lang_and_accept_language_choose_the_why_language(engine):
    url = f"/v1/titles/{HEAT_1995}/similar"
    async with serving(engine) as (session, base):

        async def get(params=None, headers=None):
            async with session.get(base + url, params=params, headers=headers) as resp:
                assert resp.status == 200
                return resp.headers, await resp.json()

        headers, english = await get()
        assert headers["Content-Language"] == "en-US" and headers["Vary"] == "Accept-Language"
        assert all(item["why"].endswith("% alike") for item in english["items"])
        headers, french = await get({"lang": "fr"})
        assert headers["Content-Language"] == "fr"
        assert all("histoire proche à" in item["why"] for item in french["items"])
        assert [i["title"] for i in french["items"]] == [i["title"] for i in english["items"]]  # catalog data as is
        assert headers["ETag"] == f'"{build_etag(engine.build_id, "fr")}"' != f'"{build_etag(engine.build_id)}"'
        headers, german = await get(headers={"Accept-Language": "ko, de;q=0.9, fr;q=0.5"})
        assert headers["Content-Language"] == "de" and "Handlung zu" in german["items"][0]["why"]
        headers, _ = await get({"lang": "ja"}, {"Accept-Language": "de"})  # lang wins
        assert headers["Content-Language"] == "ja"
        headers, unknown = await get({"lang": "ko"}, {"Accept-Language": "de"})  # lang wins, even unsupported
        assert headers["Content-Language"] == "en-US" and unknown == english
        headers, _ = await get({"lang": "xx-nope, pt;q=0.2"})  # lang takes a list too
        assert headers["Content-Language"] == "pt-BR"
        # Each language has its own ETag: the French one confirms French, never English.
        french_tag = f'"{build_etag(engine.build_id, "fr")}"'
        async with session.get(base + url, params={"lang": "fr"}, headers={"If-None-Match": french_tag}) as resp:
            assert resp.status == 304 and resp.headers["Vary"] == "Accept-Language"
        async with session.get(base + url, headers={"If-None-Match": french_tag}) as resp:
            assert resp.status == 200
        async with session.get(base + "/v1/discover", params={"q": "a heist by stage magicians", "lang": "es"}) as r:
            assert r.headers["Content-Language"] == "es-ES"
            assert all("con tu descripción" in item["why"] for item in (await r.json())["items"])
        async with session.get(base + "/v1/genres", params={"lang": "fr"}) as resp:  # no fixed text: no lang
            assert resp.status == 400 and (await resp.json())["error"]["parameter"] == "lang"


def test_the_openapi_document_describes_lang_and_accept_language(engine):
    from bot.rest.app import openapi_document

    doc = openapi_document(engine)
    for path in ("/v1/titles/{id}/similar", "/v1/discover", "/v1/blend"):
        operation = doc["paths"][path]["get"]
        params = {p["name"]: p for p in operation["parameters"]}
        assert params["lang"]["in"] == "query" and "Accept-Language" in params["lang"]["description"]
        assert params["lang"]["schema"]["type"] == "string"
        assert params["Accept-Language"]["in"] == "header" and "q" in params["Accept-Language"]["description"]
        ok = operation["responses"]["200"]["headers"]
        assert ok["Content-Language"]["schema"]["enum"] == list(i18n.LOCALES) and "Vary" in ok
        assert "Vary" in operation["responses"]["304"]["headers"]
    genres = doc["paths"]["/v1/genres"]["get"]
    assert "parameters" not in genres and "Content-Language" not in genres["responses"]["200"]["headers"]


# ---------------------------------------------------------------------------------- terminal: --lang, LANG
@pytest.fixture(scope="module")
def config_file(small_published, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("lang") / "bot.toml"
    path.write_text(f'[paths]\nstate_dir = "{small_published}"\n', encoding="utf-8")
    return path


def terminal(config_file: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")}
    return subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(config_file), *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**clean, "HF_HUB_OFFLINE": "1", "PYTHONIOENCODING": "utf-8", **env},
        timeout=300,
    )


def test_the_terminal_speaks_lang_then_the_environment(config_file):
    proc = terminal(config_file, "ask", "Now You See Me", "-k", "2", "--lang", "ja")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("Now You See Me (2013)に似た作品 — movie")
    assert "ストーリーの類似度" in proc.stdout and "同じシリーズ：" in proc.stdout
    proc = terminal(config_file, "ask", "heat", "-k", "1", LANG="fr_FR.UTF-8")  # no --lang: $LANG
    assert proc.returncode == 0, proc.stderr
    assert "'heat' peut désigner plusieurs titres :" in proc.stderr and "Lequel ? [1-3]" in proc.stderr
    assert "Pas de réponse sur stdin : meilleure correspondance retenue, Heat (1995)." in proc.stderr
    assert proc.stdout.startswith("Titres proches de Heat (1995)")
    proc = terminal(config_file, "ask", "heat", "-k", "1", "--lang", "en", LANG="fr_FR.UTF-8")  # --lang wins
    assert proc.stdout.startswith("More like Heat (1995)")
    proc = terminal(config_file, "discover", "a heist by stage magicians", "-k", "2", "--json", "--lang", "pt-BR")
    assert proc.returncode == 0, proc.stderr
    assert all("de correspondência com sua descrição" in i["why"] for i in json.loads(proc.stdout)["items"])
    proc = terminal(config_file, "ask", "qqqqzzzz", LANG="de_DE.UTF-8")
    assert proc.returncode == 1 and "Kein Titel passt zu 'qqqqzzzz'." in proc.stderr
