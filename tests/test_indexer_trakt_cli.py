"""`python -m indexer build --source trakt` and `sync`, end to end against the fake Trakt over a socket."""

import asyncio
import os
import sys
from datetime import UTC, datetime

from morelike.build.reader import open_published
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


def _config(tmp_path, fake, extra: str = "") -> object:
    tmp_path.mkdir(exist_ok=True)
    config_path = tmp_path / "bot.toml"
    config_path.write_text(
        f'[paths]\nstate_dir = "{tmp_path / "state"}"\n'
        f'[trakt]\nbase_url = "{fake.base_url}"\npage_limit = 10\nbackoff_s = 0.01\npeople_top_n = 5\n'
        f"aliases_top_n = 2\n{extra}"
    )
    return config_path


async def test_trakt_build_then_file_build_then_sync_keep_sources_apart(tmp_path, small_catalog_path):
    async with FakeTrakt(make_catalog(24, 8), client_id=KEY) as fake:
        config_path = _config(tmp_path, fake)
        fake.fail("/movies/popular", page=2, status=503)  # a retry logs the path at -vv: the key must not follow
        code, out, err = await _cli(config_path, "-vv", "build", "--source", "trakt")
        assert code == 0, err
        pub = open_published(tmp_path / "state")
        assert pub.manifest["count"] == 32 and pub.manifest["source"] == "trakt"
        ids = {r[0] for r in pub.db.execute("SELECT id FROM titles")}
        assert all(i.startswith(("trakt-movie-", "trakt-show-")) for i in ids)
        assert "trakt retry path=/movies/popular" in err and KEY not in out + err
        # The build's own lines count what the crawl read and stored (they said 0 while the trakt line had them).
        assert "read: 32 titles, 0 malformed items skipped" in out and "store: 32 new, 0 updated, 0 unchanged" in out

        # A rerun (say the first was killed while encoding) does not crawl the finished catalog again.
        served = len(fake.log)
        code, out, err = await _cli(config_path, "build", "--source", "trakt")
        assert code == 0, err
        assert fake.log[served:] == [("/movies/popular", 1)]  # no titles, only the key checked
        assert "trakt crawl already complete" in out and "--recrawl" in out

        # The same rerun with a wrong key: one sentence, before anything is encoded or published.
        code, out, err = await _cli(config_path, "build", "--source", "trakt", key="wrong-key")
        assert code == 2 and err == "error: Trakt rejected the API key (HTTP 403): check TRAKT_CLIENT_ID.\n"
        assert out == "" and fake.log[served + 1 :] == [("/movies/popular", 1)]

        # A file build in the same state dir would replace 32 Trakt titles with 20: refused unless asked for.
        code, out, err = await _cli(config_path, "build", "--source", str(small_catalog_path), "--limit", "20")
        assert code == 2 and "Traceback" not in err and err.strip().count("\n") == 0
        assert "32 titles from trakt" in err and "--allow-shrink" in err
        assert open_published(tmp_path / "state").manifest["count"] == 32
        code, out, err = await _cli(
            config_path, "build", "--source", str(small_catalog_path), "--limit", "20", "--allow-shrink"
        )
        assert code == 0, err
        assert open_published(tmp_path / "state").manifest["count"] == 20

        movie = fake.catalog.touch(
            "movie", 3, at=datetime.now(UTC), title="Renamed By An Editor",
            overview="An editor rewrote this synopsis: a lighthouse keeper befriends a whale.",
        )  # fmt: skip
        code, out, err = await _cli(config_path, "sync")
        assert code == 0, err
        pub = open_published(tmp_path / "state")
        assert pub.manifest["count"] == 32  # the Trakt titles again, not the file's
        (title,) = pub.db.execute("SELECT title FROM titles WHERE id = 'trakt-movie-3'").fetchone()
        assert title == movie["title"] == "Renamed By An Editor"
        assert "encode: 1 encoded" in out  # only the changed title's text (its synopsis) was re-encoded
        assert "read: 1 titles, 0 malformed items skipped" in out and "store: 0 new, 1 updated, 0 unchanged" in out

        # --limit on the full crawl would publish its 10 most popular until the next sync: refused too.
        code, out, err = await _cli(config_path, "build", "--source", "trakt", "--limit", "10")
        assert code == 2 and "--limit 10 would publish 10 of the 32 titles" in err
        assert open_published(tmp_path / "state").manifest["count"] == 32


async def test_no_titles_and_a_cap_too_low_are_said_as_such(tmp_path):
    async with FakeTrakt(make_catalog(0, 0), client_id=KEY) as fake:
        code, _out, err = await _cli(_config(tmp_path, fake), "build", "--source", "trakt")
        assert code == 2 and "Traceback" not in err and "no cached embeddings" not in err
        assert "Nothing to publish: Trakt sent no titles" in err
    async with FakeTrakt(make_catalog(30, 10), client_id=KEY) as fake:
        config_path = _config(tmp_path / "capped", fake, "max_requests = 3\n")
        code, _out, err = await _cli(config_path, "build", "--source", "trakt")
        assert code == 2 and "no cached embeddings" not in err and fake.hits.total() == 0
        # A page of 10, people for 5, other names (two requests each) for 2: 1 + 5 + 4.
        assert "[trakt] max_requests = 3 is too low to store even one page" in err and "at least 10" in err


async def test_a_second_writer_is_refused_naming_the_first(tmp_path):
    async with FakeTrakt(make_catalog(24, 8), client_id=KEY) as fake:
        config_path = _config(tmp_path, fake)
        fake.fail("/movies/popular", "hang", page=1)  # the first crawl holds the state dir, waiting on Trakt
        first = asyncio.ensure_future(_cli(config_path, "build", "--source", "trakt"))
        await asyncio.wait_for(fake.hung.wait(), 60)
        code, _out, err = await _cli(config_path, "sync")
        assert code == 2 and "Traceback" not in err and err.strip().count("\n") == 0
        assert f"Another indexer is writing to {tmp_path / 'state'}: pid " in err
        assert "(`python -m indexer --config" in err and "build --source trakt`), since " in err
        assert fake.hits["/movies/popular"] == 1  # the second writer sent nothing to Trakt
        fake.release.set()
        code, _out, err = await first
        assert code == 0, err


async def test_a_rejected_key_is_one_sentence(tmp_path):
    async with FakeTrakt(make_catalog(3, 1), client_id=KEY) as fake:
        config_path = tmp_path / "bot.toml"
        config_path.write_text(f'[paths]\nstate_dir = "{tmp_path / "s"}"\n[trakt]\nbase_url = "{fake.base_url}"\n')
        code, _out, err = await _cli(config_path, "build", "--source", "trakt", key="wrong-key")
        assert code == 2 and "Traceback" not in err
        assert "Trakt rejected the API key" in err and "wrong-key" not in err
