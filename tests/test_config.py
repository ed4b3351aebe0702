import re
import subprocess
import sys
import tomllib
from dataclasses import asdict, fields
from pathlib import Path

import pytest

from morelike.settings import Config, ConfigError, load_config

REPO = Path(__file__).resolve().parent.parent


def test_bot_toml_documents_every_setting_with_its_default():
    config = load_config(REPO / "bot.toml")
    defaults = Config()
    documented = tomllib.loads((REPO / "bot.toml").read_text())
    for section in fields(Config):
        if section.name == "base_dir":
            continue
        expected = asdict(getattr(defaults, section.name))
        assert documented.get(section.name) == expected, f"[{section.name}] in bot.toml differs from the defaults"
        assert asdict(getattr(config, section.name)) == expected


def test_relative_paths_resolve_against_the_config_folder(tmp_path):
    (tmp_path / "custom.toml").write_text('[paths]\nstate_dir = "state"\n')
    config = load_config(tmp_path / "custom.toml")
    assert config.state_dir == tmp_path / "state"
    assert config.store_path == tmp_path / "state" / "morelike.sqlite"


@pytest.mark.parametrize(
    ("text", "sentence"),
    [
        ("[model]\nnmae = 'x'\n", "[model] has no setting 'nmae' (known: name, backend,"),
        ("[modle]\nname = 'x'\n", "has an unknown section [modle] (known: paths, model,"),
        ("[model\n", "is not valid TOML"),
        ("model = 3\n", "[model] must be a table"),
        # types
        (
            '[model]\nbatch_size = "big"\n',
            '[model] batch_size = "big" is not allowed: it must be a whole number from 0',
        ),
        ("[model]\nbatch_size = true\n", "[model] batch_size = true is not allowed: it must be a whole number"),
        ("[engine]\nfranchise = 1\n", "[engine] franchise = 1 is not allowed: it must be true or false"),
        ('[engine]\nboost_weight = "0.2"\n', '[engine] boost_weight = "0.2" is not allowed: it must be a number'),
        ("[paths]\nstate_dir = 7\n", "[paths] state_dir = 7 is not allowed: it must be a non-empty string"),
        # choices
        ('[log]\nlevel = "LOUD"\n', '[log] level = "LOUD" is not allowed: it must be one of "DEBUG", "INFO"'),
        ('[model]\nbackend = "tensorflow"\n', 'backend = "tensorflow" is not allowed: it must be one of "auto"'),
        ('[index]\ndtype = "f64"\n', '[index] dtype = "f64" is not allowed: it must be one of "f16", "f32", "i8"'),
        # ranges
        (
            "[discord]\npage_size = 10\n",
            "[discord] page_size = 10 is not allowed: it must be a whole number from 1 to 9",
        ),
        ("[discord]\npage_size = 0\n", "page_size = 0 is not allowed: it must be a whole number from 1 to 9"),
        ("[api]\nport = -1\n", "[api] port = -1 is not allowed: it must be a whole number from 0 to 65535"),
        ("[api]\nport = 70000\n", "[api] port = 70000 is not allowed"),
        ('[api]\nhost = "my host"\n', '[api] host = "my host" is not allowed: it must be a host name or IP address'),
        (
            "[engine]\nboost_weight = -0.1\n",
            "[engine] boost_weight = -0.1 is not allowed: it must be a number from 0 to 1",
        ),
        ("[engine]\nreload_interval_s = -1\n", "reload_interval_s = -1 is not allowed: it must be a number from 0"),
        ("[model]\nbatch_size = -1\n", "[model] batch_size = -1 is not allowed: it must be a whole number from 0 to"),
        ("[index]\nkeep_builds = 0\n", "[index] keep_builds = 0 is not allowed: it must be a whole number from 1"),
        ("[index]\nexpansion_search = 0\n", "[index] expansion_search = 0 is not allowed"),
        ("[trakt]\npage_limit = 0\n", "[trakt] page_limit = 0 is not allowed: it must be a whole number from 1 to 250"),
        ("[trakt]\ntimeout_s = 0\n", "[trakt] timeout_s = 0 is not allowed: it must be a number greater than 0"),
        ("[trakt]\nmax_requests = 0\n", "[trakt] max_requests = 0 is not allowed"),
        ("[trakt]\nbackoff_s = nan\n", "[trakt] backoff_s = nan is not allowed"),
        ("[discord]\ncooldown_per_s = inf\n", "[discord] cooldown_per_s = inf is not allowed"),
        # shard ranges: their form, then what shard_count allows
        (
            '[discord]\nshard_count = 4\nshard_ids = "3-1"\n',
            '[discord] shard_ids = "3-1" is not allowed: it must be shard ids as a range or a list, such as "0-3"',
        ),
        (
            '[discord]\nshard_count = 4\nshard_ids = "first half"\n',
            'shard_ids = "first half" is not allowed: it must be shard ids',
        ),
        (
            '[discord]\nshard_count = 4\nshard_ids = "0-2,2"\n',
            '[discord] shard_ids = "0-2,2" is not allowed: it must be shard',
        ),
        ("[discord]\nshard_count = 4\nshard_ids = 3\n", "[discord] shard_ids = 3 is not allowed: it must be shard ids"),
        (
            '[discord]\nshard_count = 4\nshard_ids = "2-4"\n',
            '[discord] shard_ids = "2-4" is not allowed: shard 4 is not below shard_count = 4 (shards are numbered',
        ),
        (
            '[discord]\nshard_ids = "0-1"\n',
            '[discord] shard_ids = "0-1" is not allowed: it needs [discord] shard_count (now 0), the number of shards',
        ),
        # a URL Trakt can be reached at
        (
            '[trakt]\nbase_url = "api.trakt.tv"\n',
            '[trakt] base_url = "api.trakt.tv" is not allowed: it must be an http',
        ),
        ('[trakt]\nbase_url = "ftp://api.trakt.tv"\n', '[trakt] base_url = "ftp://api.trakt.tv" is not allowed'),
        ('[trakt]\nbase_url = "https://"\n', '[trakt] base_url = "https://" is not allowed'),
    ],
)
def test_bad_settings_are_refused_with_one_sentence(tmp_path, text, sentence):
    path = tmp_path / "bot.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    message = str(err.value)
    assert sentence in message and "\n" not in message.strip()
    if " = " in sentence:  # a value: the file is named, so the operator knows which one to edit
        assert message.startswith(f"{path}: [")


def test_good_values_at_the_edges_are_accepted(tmp_path):
    path = tmp_path / "bot.toml"
    path.write_text(
        '[discord]\npage_size = 9\ncooldown_rate = 0\n[api]\nport = 65535\nhost = "0.0.0.0"\n'
        '[trakt]\npage_limit = 250\nbase_url = "http://127.0.0.1:8765/"\nmax_retries = 0\n'
        '[engine]\nboost_weight = 1\nreload_interval_s = 0\n[log]\nlevel = "info"\n'
    )
    config = load_config(path)
    assert (config.discord.page_size, config.api.port, config.trakt.page_limit) == (9, 65535, 250)
    assert config.engine.boost_weight == 1.0 and isinstance(config.engine.boost_weight, float)  # an int for a float
    assert config.log.level == "INFO"  # case does not matter; the logging module gets the canonical name
    # shard ranges, up to the last shard; "" (the default): every shard of shard_count
    for shard_ids, ids in (("", None), ("0-3", [0, 1, 2, 3]), ("3", [3]), (" 0 , 2-3", [0, 2, 3])):
        path.write_text(f'[discord]\nshard_count = 4\nshard_ids = "{shard_ids}"\n')
        assert load_config(path).discord.shards() == ids


def test_an_explicit_missing_config_file_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setenv("MORELIKE_CONFIG", str(tmp_path / "nope.toml"))
    with pytest.raises(ConfigError, match="does not exist"):
        load_config()


@pytest.mark.parametrize("program", ["indexer", "bot"])
def test_the_commands_refuse_a_bad_setting_with_one_sentence_and_exit_2(tmp_path, program):
    path = tmp_path / "bot.toml"
    path.write_text(f'[paths]\nstate_dir = "{tmp_path}"\n[log]\nlevel = "LOUD"\n')
    args = ["stats"] if program == "indexer" else ["ask", "heat"]
    result = subprocess.run(
        [sys.executable, "-m", program, "--config", str(path), *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and result.stderr.strip().count("\n") == 0
    assert re.search(r'\[log\] level = "LOUD" is not allowed: it must be one of', result.stderr)


async def test_every_face_answers_with_the_engine_settings_bot_toml_gives(small_published, tmp_path):
    # bot.toml is read (and validated) once; the engine applies its `[engine]` franchise and boost for every face,
    # so Discord and the REST API, asked with no say of their own, answer as the engine does with those values
    # (the terminal's side: tests/test_ask.py).
    from types import SimpleNamespace

    import aiohttp
    from aiohttp import web

    from bot.discord_app.cogs import similar
    from bot.rest.app import create_app
    from morelike.engine import Engine, Filters

    path = tmp_path / "bot.toml"
    path.write_text(
        f'[paths]\nstate_dir = "{small_published}"\n[engine]\nfranchise = false\nboost = true\n', encoding="utf-8"
    )
    config = load_config(path)
    engine = Engine.open(config)
    runner = web.AppRunner(create_app(engine, config))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    base = "http://{}:{}".format(*runner.addresses[0][:2])
    try:
        for title_id in ("tmdb-movie-75656", "tmdb-movie-348"):  # Now You See Me (a series), Alien (boost moves it)
            k = config.discord.page_size
            want = engine.similar(title_id, Filters(), k=k, franchise=False, boost=True)
            assert want.series == [] and want != engine.similar(title_id, Filters(), k=k, franchise=True, boost=False)
            ids = [r.card.id for r in want.items]

            reply = similar.results_reply(
                SimpleNamespace(config=config, engine=engine), engine.get(title_id), 0, Filters()
            )
            assert [e.url for e in reply.embeds] == [r.card.url for r in want.items]  # no "Same series" embed

            async with aiohttp.ClientSession() as http:
                async with http.get(f"{base}/v1/titles/{title_id}/similar", params={"k": str(k)}) as resp:
                    body = await resp.json()
            assert resp.status == 200 and body["series"] == []
            assert [item["title"]["id"] for item in body["items"]] == ids
    finally:
        await runner.cleanup()
