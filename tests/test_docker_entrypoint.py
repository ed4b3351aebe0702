"""The image's entrypoint (docker/entrypoint.py), run on the host: what it says before anything long, and that a
first-start build it runs as a child stops cleanly on SIGTERM with the build's exit code."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import REPO

ENTRYPOINT = REPO / "docker" / "entrypoint.py"


def entrypoint(args: list[str], config: Path, **env: str) -> subprocess.Popen:
    environ = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"}
    environ.update(PYTHONPATH=str(REPO), MORELIKE_CONFIG=str(config), **env)
    return subprocess.Popen(
        [sys.executable, str(ENTRYPOINT), *args],
        cwd=config.parent,
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def write_config(folder: Path, state_dir: Path) -> Path:
    config = folder / "bot.toml"
    config.write_text(f'[paths]\nstate_dir = "{state_dir}"\ncatalog = "{REPO / "data" / "catalog.jsonl.gz"}"\n')
    return config


def test_the_bot_without_a_token_says_so_before_any_first_start_build(tmp_path):
    state = tmp_path / "var"
    proc = entrypoint([], write_config(tmp_path, state))
    _out, err = proc.communicate(timeout=120)
    assert proc.returncode == 2, err
    assert "DISCORD_TOKEN is not set" in err
    assert "building" not in err and not state.exists()  # nothing was built first


def test_a_state_dir_the_user_cannot_write_is_one_sentence_naming_chown(unwritable_dir, tmp_path):
    proc = entrypoint(["api"], write_config(tmp_path, unwritable_dir))
    _out, err = proc.communicate(timeout=120)
    assert proc.returncode == 2, err
    assert f"chown {os.getuid()}" in err and str(unwritable_dir) in err  # in the image: chown 10001
    assert err.count("\n") == 1 and "Traceback" not in err and "Event loop is closed" not in err


def test_indexer_commands_that_write_the_state_dir_get_the_same_check(unwritable_dir, tmp_path):
    """`docker run … indexer build` on an unwritable mount: the entrypoint's chown sentence, not the indexer's
    traceback; `indexer stats` only reads, so a read-only state dir still answers it."""
    config = write_config(tmp_path, unwritable_dir)
    for command in (["build", "--limit", "3"], ["--config", str(config), "sync"]):
        proc = entrypoint(["indexer", *command], config, TRAKT_CLIENT_ID="unused")
        _out, err = proc.communicate(timeout=120)
        assert proc.returncode == 2, (command, err)
        assert err.startswith(f"morelike: error: {unwritable_dir} is not writable by this container's user"), err
        assert f"chown {os.getuid()} the folder you mounted" in err and err.count("\n") == 1
    proc = entrypoint(["indexer", "stats"], config)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert f"state dir: {unwritable_dir}" in out and "published: none" in out


def test_sigterm_during_a_first_start_build_reaches_the_build_and_its_exit_code_is_returned(tmp_path):
    state = tmp_path / "var"
    proc = entrypoint(["api"], write_config(tmp_path, state), MORELIKE_INDEX_LIMIT="400")
    deadline = time.monotonic() + 120
    while not (state / "morelike.sqlite").exists():  # the child build has started writing
        assert proc.poll() is None, proc.communicate()[1]
        assert time.monotonic() < deadline
        time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    _out, err = proc.communicate(timeout=120)
    assert proc.returncode == 143, err
    assert "no index in" in err and "interrupted: progress so far is saved" in err
    assert "start the container again to resume it" in err and "Traceback" not in err


def test_sigterm_while_the_entrypoint_prepares_stops_it_at_once_with_143(tmp_path):
    """Before the entrypoint runs a build or execs the command, it is PID 1 with nothing else to stop: a SIGTERM
    there had no handler, which PID 1 in a container ignores (docker stop waited 10 s and killed it; outside Docker
    it died by the signal). The config here is a FIFO, so the entrypoint waits in its config read, handlers set."""
    config = tmp_path / "bot.toml"
    os.mkfifo(config)
    proc = entrypoint(["api"], config)
    with open(config, "w"):  # returns once the entrypoint has opened the FIFO to read its config
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err
    assert "Traceback" not in err and not (tmp_path / "var").exists()


def test_ask_json_on_a_first_start_prints_only_the_json_on_stdout(tmp_path):
    """stdout is for answers: the first-start build's summary goes to stderr, with its progress, so
    `docker run … ask --json … | jq` reads the JSON alone."""
    state = tmp_path / "var"
    proc = entrypoint(
        ["ask", "The Lake House", "--json", "--first", "-k", "2"],
        write_config(tmp_path, state),
        MORELIKE_INDEX_LIMIT="400",
    )
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    body = json.loads(out)  # the whole of stdout is the one JSON document
    assert body["picked"]["title"] == "The Lake House" and len(body["items"]) == 2
    assert "no index in" in err and "400 titles" in err  # the build and its summary were said, on stderr
