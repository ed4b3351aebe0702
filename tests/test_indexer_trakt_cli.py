"""`python -m indexer build --source trakt` and `sync`, end to end against the fake Trakt over a socket."""

import asyncio
import os
import sys
from datetime import UTC, datetime

from indexer.published import open_published
from tests.conftest import REPO
from tests.fakes.trakt_server import FakeTrakt, make_catalog

KEY = "cli-test-client-id"


async def _cli(config_path, *args, key=KEY):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRAKT_CLIENT_ID": key, "PYTHONPATH": str(REPO)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "indexer",
        "--config",
        str(config_path),
        "--no-progress",
        *args,
        cwd=REPO,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 300)
    return proc.returncode, out.decode(), err.decode()


async def test_trakt_build_then_file_build_then_sync_keep_sources_apart(tmp_path, small_catalog_path):
    async with FakeTrakt(make_catalog(24, 8), client_id=KEY) as fake:
        config_path = tmp_path / "bot.toml"
        config_path.write_text(
            f'[paths]\nstate_dir = "{tmp_path / "state"}"\n'
            f'[trakt]\nbase_url = "{fake.base_url}"\npage_limit = 10\nbackoff_s = 0.01\npeople_top_n = 5\n'
        )
        code, out, err = await _cli(config_path, "build", "--source", "trakt")
        assert code == 0, err
        pub = open_published(tmp_path / "state")
        assert pub.manifest["count"] == 32 and pub.manifest["source"] == "trakt"
        ids = {r[0] for r in pub.db.execute("SELECT id FROM titles")}
        assert all(i.startswith(("trakt-movie-", "trakt-show-")) for i in ids)
        assert "secret" not in err and KEY not in out + err

        # An operator's file build in the same state dir publishes the file alone and keeps the crawl's rows.
        code, out, err = await _cli(config_path, "build", "--source", str(small_catalog_path), "--limit", "20")
        assert code == 0, err
        assert open_published(tmp_path / "state").manifest["count"] == 20

        movie = fake.catalog.touch("movie", 3, at=datetime.now(UTC), title="Renamed By An Editor")
        code, out, err = await _cli(config_path, "sync")
        assert code == 0, err
        pub = open_published(tmp_path / "state")
        assert pub.manifest["count"] == 32  # the Trakt titles again, not the file's
        (title,) = pub.db.execute("SELECT title FROM titles WHERE id = 'trakt-movie-3'").fetchone()
        assert title == movie["title"] == "Renamed By An Editor"
        assert "encode: 1 encoded" in out  # only the changed title's text was re-encoded


async def test_a_rejected_key_is_one_sentence(tmp_path):
    async with FakeTrakt(make_catalog(3, 1), client_id=KEY) as fake:
        config_path = tmp_path / "bot.toml"
        config_path.write_text(f'[paths]\nstate_dir = "{tmp_path / "s"}"\n[trakt]\nbase_url = "{fake.base_url}"\n')
        code, _out, err = await _cli(config_path, "build", "--source", "trakt", key="wrong-key")
        assert code == 2 and "Traceback" not in err
        assert "Trakt rejected the API key" in err and "wrong-key" not in err
