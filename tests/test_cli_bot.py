"""`python -m bot`: the dispatcher's failures are one sentence and an exit code; `api` serves over a real socket."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def env_without_token() -> dict[str, str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    env.pop("DISCORD_TOKEN", None)
    env.pop("MORELIKE_CONFIG", None)
    return env


def bot(*args: str | bytes, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**env_without_token(), "PYTHONPATH": str(REPO)},
        timeout=300,
    )


@pytest.fixture
def empty_config(tmp_path) -> Path:
    path = tmp_path / "bot.toml"
    path.write_text(f'[paths]\nstate_dir = "{tmp_path / "var"}"\n', encoding="utf-8")
    return path


@pytest.mark.parametrize("command", [["ask", "Heat"], ["discover", "a heist"], ["api", "--port", "0"]])
def test_missing_index_is_one_sentence_and_exit_2(empty_config, tmp_path, command):
    proc = bot("--config", str(empty_config), *command)
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        f"error: No index published yet in {tmp_path / 'var' / 'published'}: run `python -m indexer build` first."
    )
    assert proc.stdout == ""


def test_bad_config_is_one_sentence_and_exit_2(tmp_path):
    path = tmp_path / "bot.toml"
    path.write_text("[api]\nport = 'eighty'\n", encoding="utf-8")
    proc = bot("--config", str(path), "ask", "Heat")
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        f'error: {path}: [api] port = "eighty" is not allowed: it must be a whole number from 0 to 65535'
    )
    proc = bot("ask", "Heat", "--config", str(path))  # --config after the subcommand works too
    assert proc.stderr.strip() == (
        f'error: {path}: [api] port = "eighty" is not allowed: it must be a whole number from 0 to 65535'
    )
    proc = bot("--config", str(tmp_path / "missing.toml"), "ask", "Heat")
    assert proc.returncode == 2
    assert "does not exist" in proc.stderr and "Traceback" not in proc.stderr


def test_default_command_is_run_and_without_a_token_says_what_to_set(empty_config):
    proc = bot("--config", str(empty_config))
    assert proc.returncode != 0
    assert "DISCORD_TOKEN" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_usage_errors_come_from_argparse_with_exit_2(empty_config):
    proc = bot("--config", str(empty_config), "nosuchcommand")
    assert proc.returncode == 2
    assert "invalid choice" in proc.stderr
    assert proc.stderr.endswith("(see python -m bot --help)\n") and len(proc.stderr.splitlines()) == 1
    proc = bot("--config", str(empty_config), "api", "--port", "70000")
    assert proc.returncode == 2
    assert proc.stderr.strip() == "error: --port must be 0-65535, got 70000"


def test_api_command_serves_until_stopped(small_published, tmp_path):
    config = tmp_path / "bot.toml"
    config.write_text(f'[paths]\nstate_dir = "{small_published}"\n[api]\nport = 0\n', encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "--config", str(config), "api"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env=env_without_token(),
    )
    try:
        line = proc.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert match, (line, proc.stderr.read() if proc.poll() is not None else "")
        with urllib.request.urlopen(f"http://127.0.0.1:{match.group(1)}/healthz", timeout=30) as resp:
            body = json.load(resp)
        assert body["status"] == "ok" and body["count"] == 402
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        proc.stdout.close()
        proc.stderr.close()


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["ask", "heat", "--k", "10"], "error: unrecognized arguments: --k 10 (see python -m bot ask --help)"),
        (["ask", "heat", "--ki", "movie"], "error: unrecognized arguments: --ki movie (see python -m bot ask --help)"),
        (["ask", "heat", "--rating", "5"], "error: unrecognized arguments: --rating 5 (see python -m bot ask --help)"),
        (
            ["discover", "a heist", "--year", "1990"],
            "error: unrecognized arguments: --year 1990 (see python -m bot discover --help)",
        ),
        (["api", "--ho", "0.0.0.0"], "error: unrecognized arguments: --ho 0.0.0.0 (see python -m bot api --help)"),
        (
            ["ask", "heat", "--kind", "film"],
            "error: argument --kind: invalid choice: 'film' (choose from 'movie', "
            "'show', 'both') (see python -m bot ask --help)",
        ),
        (
            ["ask", "heat", "-k", "1_0"],
            "error: argument -k: must be a whole number in plain digits, got '1_0' (see python -m bot ask --help)",
        ),
        (
            ["ask", "heat", "-k", "\u0665"],
            "error: argument -k: must be a whole number in plain digits, got '\u0665' (see python -m bot ask --help)",
        ),
        (
            ["ask", "heat", "-k", "+5"],
            "error: argument -k: must be a whole number in plain digits, got '+5' (see python -m bot ask --help)",
        ),
        (
            ["ask", "heat", "--rating-min", "nan"],
            "error: argument --rating-min: must be a number in plain digits "
            "(e.g. 7.5), got 'nan' (see python -m bot ask --help)",
        ),
        (
            ["api", "--port", "8O80"],
            "error: argument --port: must be a whole number in plain digits, got '8O80' (see python -m bot api --help)",
        ),
        (["ask"], "error: the following arguments are required: title (see python -m bot ask --help)"),
    ],
)
def test_options_are_never_abbreviated_and_usage_errors_are_one_line(empty_config, args, error):
    proc = bot("--config", str(empty_config), *args)
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [error]
    assert proc.stdout == ""


def test_argv_that_is_not_utf8_is_no_traceback(empty_config):
    proc = bot("--config", str(empty_config), "ask", b"heist\xff", "--kind", b"mo\xffvie")
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        "error: argument --kind: invalid choice: 'mo\ufffdvie' (choose from 'movie', 'show', 'both') "
        "(see python -m bot ask --help)"
    ]
