from dataclasses import asdict, fields
from pathlib import Path

import pytest

from indexer.config import Config, ConfigError, load_config

REPO = Path(__file__).resolve().parent.parent


def test_bot_toml_documents_every_setting_with_its_default():
    config = load_config(REPO / "bot.toml")
    defaults = Config()
    documented = __import__("tomllib").loads((REPO / "bot.toml").read_text())
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
    ("text", "fragment"),
    [
        ("[model]\nnmae = 'x'\n", "[model] has no setting 'nmae'"),
        ("[modle]\nname = 'x'\n", "unknown section [modle]"),
        ("[model]\nbatch_size = 'big'\n", "[model] batch_size must be int"),
        ("[engine]\nfranchise = 1\n", "[engine] franchise must be bool"),
        ("[model\n", "not valid TOML"),
    ],
)
def test_bad_settings_are_refused_with_one_sentence(tmp_path, text, fragment):
    path = tmp_path / "bot.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=__import__("re").escape(fragment)):
        load_config(path)


def test_an_explicit_missing_config_file_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setenv("MORELIKE_CONFIG", str(tmp_path / "nope.toml"))
    with pytest.raises(ConfigError, match="does not exist"):
        load_config()


def test_integers_are_accepted_for_float_settings(tmp_path):
    path = tmp_path / "bot.toml"
    path.write_text("[engine]\nboost_weight = 1\n")
    assert load_config(path).engine.boost_weight == 1.0
