"""The image's entrypoint (docker/entrypoint.py), run on the host: what it says before anything long, and that a
first-start build it runs as a child stops cleanly on SIGTERM with the build's exit code."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

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


@pytest.fixture
def unwritable_dir(tmp_path):
    """A folder this process's user cannot create files in (for root: an immutable folder, as root bypasses modes)."""
    folder = tmp_path / "var"
    folder.mkdir()
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i", str(folder)], check=True)
    else:
        folder.chmod(0o555)
    yield folder
    if os.geteuid() == 0:
        subprocess.run(["chattr", "-i", str(folder)], check=True)
    else:
        folder.chmod(0o755)


def test_a_state_dir_the_user_cannot_write_is_one_sentence_naming_chown(unwritable_dir, tmp_path):
    proc = entrypoint(["api"], write_config(tmp_path, unwritable_dir))
    _out, err = proc.communicate(timeout=120)
    assert proc.returncode == 2, err
    assert f"chown {os.getuid()}" in err and str(unwritable_dir) in err  # in the image: chown 10001
    assert err.count("\n") == 1 and "Traceback" not in err and "Event loop is closed" not in err


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
