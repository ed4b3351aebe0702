"""The indexer's main job with the real model: import, encode, publish, search; resume; rebuild increments."""

import asyncio
import json
import os
import sqlite3
import subprocess
import sys

import numpy as np
import pytest

from indexer import pipeline
from indexer.lock import StateLock, StateLockedError
from morelike.build.reader import open_published
from morelike.build.writer import PublishError
from morelike.settings import ModelSettings
from tests.conftest import REPO, copy_state, make_config

ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "PYTHONPATH": str(REPO)}


# The story model's cached vectors (the free-text model's are cached beside them, one row per title and model).
STORY_VECTORS = f"SELECT COUNT(*) FROM embeddings WHERE model = '{ModelSettings().name}'"


def _neighbours(pub, title: str, k: int = 5) -> list[str]:
    (key,) = pub.db.execute("SELECT key FROM titles WHERE title = ?", (title,)).fetchone()
    hits = pub.index.search(np.asarray(pub.vectors[key], dtype=np.float32), k + 1)
    names = [pub.db.execute("SELECT title FROM titles WHERE key = ?", (int(h),)).fetchone()[0] for h in hits.keys]
    return [n for n in names if n != title][:k]


def test_real_model_index_finds_the_sequel(small_published):
    pub = open_published(small_published, expect_model="static:morelike-story", expect_recipe="story")
    assert pub.manifest["count"] == 402 and pub.manifest["dimensions"] == 256
    assert pub.manifest["text_recipe"] == "story" and pub.manifest["dtype"] == "f16"
    assert pub.manifest["encoder"] == {"backend": "static", "device": "cpu", "precision": "f32", "batch_size": 1024}
    assert np.allclose(np.linalg.norm(np.asarray(pub.vectors[:20], dtype=np.float32), axis=1), 1, atol=1e-2)
    assert "Now You See Me 2" in _neighbours(pub, "Now You See Me", 3)
    assert "Toy Story 2" in _neighbours(pub, "Toy Story", 5)


def test_rebuild_reencodes_only_changed_titles_and_drops_removed_ones(small_published, small_catalog_path, tmp_path):
    state = copy_state(small_published, tmp_path)
    rows = [json.loads(line) for line in small_catalog_path.read_text().splitlines()]
    rows[0]["overview"] = "A completely different synopsis about a lighthouse keeper and a whale."
    removed = rows.pop()
    edited = tmp_path / "edited.jsonl"
    edited.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    summary = asyncio.run(pipeline.build(make_config(state), str(edited), progress=False, allow_shrink=True))
    assert (summary.encoded, summary.reused) == (1, 400)
    assert (summary.upserts.updated, summary.removed, summary.published) == (1, 1, 401)
    pub = open_published(state)
    assert pub.db.execute("SELECT COUNT(*) FROM titles WHERE id = ?", (removed["id"],)).fetchone()[0] == 0


def test_bad_lines_are_counted_and_skipped(small_catalog_path, small_published, tmp_path):
    state = copy_state(small_published, tmp_path)
    lines = small_catalog_path.read_text().splitlines()[:30]
    lines.insert(3, "{broken")
    lines.insert(10, json.dumps({"id": "x", "kind": "tv", "title": "Nope"}))
    lines.append(lines[5])  # a duplicate id
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines) + "\n")
    summary = asyncio.run(pipeline.build(make_config(state), str(path), progress=False, allow_shrink=True))
    assert summary.bad_lines == 3 and summary.published == 30 and summary.encoded == 0
    assert [n for n, _ in summary.bad_examples] == [4, 11, 33]


def test_a_build_never_shrinks_the_published_index_by_surprise(small_catalog_path, small_published, tmp_path):
    state = copy_state(small_published, tmp_path)
    config = make_config(state)
    few = tmp_path / "few.jsonl"
    few.write_text("\n".join(small_catalog_path.read_text().splitlines()[:2]) + "\n")
    before = open_published(state).build_id

    # Another source with fewer titles: refused in one sentence, and nothing is lost meanwhile.
    with pytest.raises(PublishError) as err:
        asyncio.run(pipeline.build(config, str(few), progress=False))
    message = str(err.value)
    assert "402 titles from" in message and "this build has 2 from" in message and "--allow-shrink" in message
    assert open_published(state).build_id == before
    assert sqlite3.connect(state / "morelike.sqlite").execute(STORY_VECTORS).fetchone()[0] == 402

    # --limit on the same source: refused too.
    with pytest.raises(PublishError, match=r"--limit 100 would publish 100 of the 402 titles"):
        asyncio.run(pipeline.build(config, str(small_catalog_path), 100, progress=False))
    assert open_published(state).build_id == before

    # Asked for explicitly: published, and the vectors cached all along are reused.
    summary = asyncio.run(pipeline.build(config, str(small_catalog_path), 100, progress=False, allow_shrink=True))
    assert summary.published == 100 and summary.encoded == 0
    # Growing back needs no flag.
    assert asyncio.run(pipeline.build(config, str(small_catalog_path), progress=False)).published == 402


def _store_rows(state) -> list[tuple]:
    with sqlite3.connect(state / "morelike.sqlite") as con:
        return con.execute("SELECT * FROM titles ORDER BY id").fetchall()  # updated_at included: not even rewritten


def test_a_refused_file_build_changes_nothing_and_still_reports_its_bad_lines(
    small_catalog_path, small_published, tmp_path
):
    state = copy_state(small_published, tmp_path)
    config_path = tmp_path / "bot.toml"
    config_path.write_text(f'[paths]\nstate_dir = "{state}"\n')
    rows = [json.loads(line) for line in small_catalog_path.read_text().splitlines()[:3]]
    rows[0]["overview"] = "An edit the refused build must not write."
    rows[1] = {**rows[1], "id": "x-new-title"}  # a row the store does not hold yet
    few = tmp_path / "few.jsonl"
    few.write_text("\n".join([json.dumps(rows[0]), "{broken", json.dumps(rows[1]), json.dumps(rows[2])]) + "\n")
    only_bad = tmp_path / "only-bad.jsonl"
    only_bad.write_text('{"id": "x", "kind": "tv", "title": "Nope"}\n')
    before = _store_rows(state)
    build_id = open_published(state).build_id

    for catalog, refusal, bad_line in ((few, "this build has 3 from", 2), (only_bad, "has no valid titles", 1)):
        result = _run_cli(["build", "--source", str(catalog)], config_path)
        assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
        report, error = result.stderr.rstrip("\n").split("\n")  # its bad line, then the one-sentence refusal
        assert report.startswith(f"  line {bad_line}: ") and error.startswith("error: ") and refusal in error
        assert _store_rows(state) == before and open_published(state).build_id == build_id


def test_a_catalog_without_a_valid_title_says_so(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "kind": "tv", "title": "Nope"}\n{broken\n')
    with pytest.raises(PublishError, match=r"^Nothing to publish: .*bad\.jsonl has no valid titles \(2 bad lines\)"):
        asyncio.run(pipeline.build(make_config(tmp_path / "state"), str(bad), progress=False))


def test_one_writer_at_a_time_and_the_second_is_told_who(small_catalog_path, tmp_path):
    state = tmp_path / "state"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(state)], env=ENV, cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(StateLockedError) as err:
            asyncio.run(pipeline.build(make_config(state), str(small_catalog_path), progress=False))
        message = str(err.value)
        assert f"Another indexer is writing to {state}: pid {holder.pid} (`python -c ... {state}`), since 20" in message
        assert not (state / "morelike.sqlite").exists()  # refused before it touched anything
    finally:
        holder.kill()
        holder.wait()
    # The kernel dropped the lock with its holder (killed, not cleaned up): the next writer just goes.
    with StateLock(state):
        pass


HOLD_LOCK = """
import sys, time
from indexer.lock import StateLock
with StateLock(sys.argv[1]):
    print("locked", flush=True)
    time.sleep(120)
"""


def _run_cli(args, config_path, **kw):
    return subprocess.run(
        [sys.executable, "-m", "indexer", "--config", str(config_path), "--no-progress", *args],
        capture_output=True,
        text=True,
        env={**ENV, **kw.pop("env", {})},
        timeout=300,
        cwd=REPO,
        **kw,
    )


def test_cli_errors_are_one_sentence_and_nonzero(tmp_path):
    config_path = tmp_path / "bot.toml"
    config_path.write_text(f'[paths]\nstate_dir = "{tmp_path / "state"}"\n')
    cases = [
        (["build", "--source", str(tmp_path / "missing.jsonl")], {}, "does not exist"),
        (["build", "--source", "trakt"], {"TRAKT_CLIENT_ID": ""}, "set TRAKT_CLIENT_ID"),
        (["sync"], {"TRAKT_CLIENT_ID": ""}, "set TRAKT_CLIENT_ID"),
        (["build", "--limit", "0"], {}, "--limit must be a positive"),
    ]
    for args, env, message in cases:
        result = _run_cli(args, config_path, env=env)
        assert result.returncode == 2, (args, result.stderr)
        assert message in result.stderr and "Traceback" not in result.stderr
        assert result.stderr.strip().count("\n") == 0, result.stderr


def test_a_state_dir_that_cannot_be_written_is_one_sentence_for_every_writing_command(
    tmp_path, unwritable_dir, small_catalog_path
):
    """An impossible or unwritable state dir: one sentence naming the path and why, exit 2, before any work.
    Root writes anywhere, so the unwritable cases are a path under a regular file (`/dev/null/state` alike), a
    lock file that is a folder, and an immutable folder (the PermissionError of a root-owned bind mount)."""
    (tmp_path / "a-file").write_text("")
    (tmp_path / "lock-is-a-folder" / "indexer.lock").mkdir(parents=True)
    cases = [
        (tmp_path / "a-file" / "state", tmp_path / "a-file" / "state", "Not a directory"),
        (tmp_path / "lock-is-a-folder", tmp_path / "lock-is-a-folder" / "indexer.lock", "Is a directory"),
        (unwritable_dir, unwritable_dir / "indexer.lock", f"chown {os.geteuid()} it"),
    ]
    commands = (["build", "--limit", "3"], ["build", "--source", "trakt"], ["sync"])
    for state, refused, why in cases:
        config_path = tmp_path / "bot.toml"
        # An unreachable Trakt: the state dir must be refused before any request could be tried.
        config_path.write_text(f'[paths]\nstate_dir = "{state}"\n[trakt]\nbase_url = "http://127.0.0.1:9"\n')
        for args in commands:
            result = _run_cli(args, config_path, env={"TRAKT_CLIENT_ID": "unused"})
            assert result.returncode == 2, (args, result.stderr)
            assert result.stderr.startswith(f"error: The state dir {state} cannot be written by this user"), args
            assert f"{refused}: " in result.stderr and why in result.stderr and "[paths] state_dir" in result.stderr
            assert result.stderr.strip().count("\n") == 0 and "Traceback" not in result.stderr

    # Past the lock: a file where the published folder goes is said the same way, naming it.
    state = tmp_path / "published-is-a-file"
    (state / "published").parent.mkdir()
    (state / "published").write_text("")
    config_path.write_text(f'[paths]\nstate_dir = "{state}"\ncatalog = "{small_catalog_path}"\n')
    result = _run_cli(["build", "--limit", "3"], config_path)
    assert result.returncode == 2 and result.stderr.strip().count("\n") == 0, result.stderr
    assert f"{state / 'published'}: File exists" in result.stderr and "[paths] state_dir" in result.stderr


def test_wrong_model_is_one_sentence(small_catalog_path, tmp_path):
    config_path = tmp_path / "bot.toml"
    config_path.write_text(f'[paths]\nstate_dir = "{tmp_path / "state"}"\n[model]\nname = "{tmp_path / "no-model"}"\n')
    result = _run_cli(["build", "--source", str(small_catalog_path), "--limit", "3"], config_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "no-model" in result.stderr and result.stderr.startswith("error: ")


def test_stats_reports_store_and_published_build(small_published, tmp_path):
    config_path = tmp_path / "bot.toml"
    config_path.write_text(f'[paths]\nstate_dir = "{small_published}"\n')
    result = _run_cli(["stats", "--json"], config_path)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["store"]["titles"] == 402 and report["published"]["count"] == 402
    plain = _run_cli(["stats"], config_path)
    assert "402 titles" in plain.stdout and "model static:morelike-story" in plain.stdout
    assert "text recipe story" in plain.stdout and "encoded by: static on cpu (f32, batch 1024)" in plain.stdout


def test_a_bad_catalog_line_is_reported_once(small_catalog_path, small_published, tmp_path):
    state = copy_state(small_published, tmp_path)
    config_path = tmp_path / "bot.toml"
    config_path.write_text(f'[paths]\nstate_dir = "{state}"\n')
    catalog = tmp_path / "with-a-bad-line.jsonl"
    catalog.write_text(small_catalog_path.read_text() + '{"id": "x-1", "kind": "tv", "title": "Nope"}\n')
    result = _run_cli(["build", "--source", str(catalog)], config_path)
    assert result.returncode == 0, result.stderr
    assert "1 bad lines skipped" in result.stdout
    assert result.stderr.count("line 403:") == 1 and result.stderr.count("'kind'") == 1, result.stderr


def test_a_build_stores_the_catalog_as_it_reads_it_so_a_stop_keeps_what_was_read(
    small_catalog_path, tmp_path, monkeypatch
):
    """A file is stored a batch at a time as it is read, not read whole first (a list of 1.3M titles was 5 GB:
    issue 24): a stop in the middle of the file keeps the batches before it, and the rerun stores the rest once."""
    from indexer import sources

    monkeypatch.setattr(pipeline, "IMPORT_BATCH", 100)
    real = sources.read_catalog

    def stopped_after_250(path):
        for n, item in enumerate(real(path)):
            if n == 250:
                raise KeyboardInterrupt  # what a stop (SIGTERM, Ctrl-C) raises inside a read
            yield item

    config = make_config(tmp_path / "state")
    monkeypatch.setattr(pipeline, "read_catalog", stopped_after_250)
    with pytest.raises(KeyboardInterrupt):
        asyncio.run(pipeline.build(config, str(small_catalog_path), progress=False))
    con = sqlite3.connect(config.store_path)
    assert con.execute("SELECT COUNT(*) FROM titles").fetchone()[0] == 200
    monkeypatch.setattr(pipeline, "read_catalog", real)
    summary = asyncio.run(pipeline.build(config, str(small_catalog_path), progress=False))
    assert (summary.upserts.inserted, summary.upserts.unchanged) == (summary.read - 200, 200)
    assert con.execute("SELECT COUNT(*) FROM titles").fetchone()[0] == summary.read == summary.published
