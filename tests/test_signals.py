"""SIGTERM (what `docker stop`, systemd and Kubernetes send) stops the bot, the API and the indexer like Ctrl-C.

Real processes get a real SIGTERM: the REST API on 127.0.0.1, the Discord bot against the fake Discord, and an
indexer build of the small catalog stopped mid-encode (the store stays intact and a rerun resumes).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from morelike.settings import ModelSettings
from morelike.shutdown import EXIT_INTERRUPTED, EXIT_TERMINATED, finish, handles_sigterm, interruptible
from tests.conftest import REPO
from tests.fakes import discord_server as fd

STOP_WITHIN_S = 30  # generous: a stop that hangs is what fails, not a slow machine


def write_config(path: Path, state_dir: Path, extra: str = "") -> Path:
    path.write_text(f'[paths]\nstate_dir = "{state_dir}"\ncatalog = "{REPO / "data" / "catalog.jsonl.gz"}"\n{extra}')
    return path


def child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"}
    env.update(PYTHONPATH=str(REPO), **extra)
    return env


class Lines:
    """Collects a pipe's lines on a thread; `wait_for` a line containing some text."""

    def __init__(self, stream) -> None:
        self.lines: list[str] = []
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream) -> None:
        for line in iter(stream.readline, ""):
            with self._cond:
                self.lines.append(line)
                self._cond.notify_all()

    def wait_for(self, text: str, timeout: float = 120) -> str:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for line in self.lines:
                    if text in line:
                        return line
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no line with {text!r} in {timeout} s; got: {''.join(self.lines)[-2000:]}")
                self._cond.wait(left)

    def text(self) -> str:
        self._thread.join(10)
        return "".join(self.lines)


def start(args: list[str], **env: str) -> tuple[subprocess.Popen, Lines, Lines]:
    proc = subprocess.Popen(
        [sys.executable, *args],
        cwd=REPO,
        env=child_env(**env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return proc, Lines(proc.stdout), Lines(proc.stderr)


def stop(proc: subprocess.Popen) -> int:
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout=STOP_WITHIN_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise AssertionError(f"still running {STOP_WITHIN_S} s after SIGTERM") from None


# ---- the decorator and finish() ---------------------------------------------------------------------------------


def test_sigterm_during_asyncio_run_cancels_the_main_task_like_ctrl_c_and_exits_143():
    cleaned = []

    async def serve():
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            await asyncio.sleep(30)
        finally:
            await asyncio.sleep(0)  # an async cleanup step still runs
            cleaned.append(True)

    @handles_sigterm
    def main() -> int:
        try:
            asyncio.run(serve())
        except KeyboardInterrupt:
            return EXIT_INTERRUPTED
        return 0

    before = signal.getsignal(signal.SIGTERM)
    assert main() == EXIT_TERMINATED
    assert cleaned == [True]
    assert signal.getsignal(signal.SIGTERM) is before  # restored


def test_a_clean_exit_stays_0_and_ctrl_c_stays_130():
    @handles_sigterm
    def clean() -> int:
        return 0

    @handles_sigterm
    def interrupted() -> int:
        raise KeyboardInterrupt

    assert clean() == 0
    assert interrupted() == EXIT_INTERRUPTED


async def test_finish_lets_a_write_commit_when_its_caller_is_cancelled():
    done: list[str] = []

    async def write(name: str) -> None:
        await asyncio.sleep(0.2)
        done.append(name)

    async def caller(wrapped: bool) -> None:
        await (finish(write("kept")) if wrapped else write("lost"))

    for wrapped in (True, False):
        task = asyncio.create_task(caller(wrapped))
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    await asyncio.sleep(0.3)
    assert done == ["kept"]  # the unwrapped write was cut short: that is what finish() prevents


def test_sigterm_in_an_interruptible_stretch_stops_it_where_it_is_and_async_cleanup_still_runs():
    """A synchronous stretch of an async main (the indexer's publish: a minute on two cores) used to run to its end
    after SIGTERM, since the cancellation lands only at the next await: docker stop waited 10 s and killed it."""
    steps: list[int] = []
    cleaned = []

    def long_synchronous_work() -> None:
        for step in range(200):
            if step == 10:
                os.kill(os.getpid(), signal.SIGTERM)
            steps.append(step)
            time.sleep(0.005)

    async def work():
        try:
            with interruptible():
                long_synchronous_work()
            await asyncio.sleep(30)  # not reached
        finally:
            await asyncio.sleep(0)  # an async cleanup step still runs (the indexer closes its store here)
            cleaned.append(True)

    @handles_sigterm
    def main() -> int:
        try:
            asyncio.run(work())
        except KeyboardInterrupt:
            return EXIT_INTERRUPTED
        return 0

    before = signal.getsignal(signal.SIGINT)
    assert main() == EXIT_TERMINATED
    assert len(steps) <= 12  # stopped where it was, not after the 190 steps left
    assert cleaned == [True]
    assert signal.getsignal(signal.SIGINT) is before


def test_outside_an_interruptible_stretch_a_stop_still_waits_for_the_next_await():
    """The stretches are opted into: elsewhere SIGTERM cancels the main task as before, so a store write under
    finish() is never cut short by it."""
    steps: list[int] = []

    async def work():
        with interruptible():
            pass
        for step in range(20):
            if step == 5:
                os.kill(os.getpid(), signal.SIGTERM)
            steps.append(step)
        await asyncio.sleep(30)

    @handles_sigterm
    def main() -> int:
        try:
            asyncio.run(work())
        except KeyboardInterrupt:
            return EXIT_INTERRUPTED
        return 0

    assert main() == EXIT_TERMINATED
    assert len(steps) == 20


def test_an_extension_that_stops_on_the_signal_with_its_own_error_is_a_keyboard_interrupt():
    """usearch checks for signals while it adds vectors and stops with "RuntimeError: Operation has been
    terminated": inside an interruptible stretch that is the stop itself (exit 143), not a crash with a traceback."""
    import numpy as np
    from usearch.index import Index

    count = 50_000
    vectors = np.random.default_rng(0).standard_normal((count, 32)).astype(np.float32)
    index = Index(ndim=32, metric="cos")

    @handles_sigterm
    def main() -> int:
        timer = threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGTERM))
        timer.start()
        try:
            with interruptible():
                index.add(np.arange(count), vectors)
        except KeyboardInterrupt:
            return EXIT_INTERRUPTED
        finally:
            timer.cancel()
        return 0

    assert main() == EXIT_TERMINATED
    assert 0 < len(index) < count  # stopped inside the one add() call


# ---- real processes ---------------------------------------------------------------------------------------------


def test_the_api_server_stops_cleanly_on_sigterm(small_published, tmp_path):
    config = write_config(tmp_path / "bot.toml", small_published)
    proc, out, err = start(["-m", "bot", "--config", str(config), "api", "--port", "0"])
    line = out.wait_for("MoreLike API on http://127.0.0.1:")
    port = int(line.split("http://127.0.0.1:")[1].split("/")[0])
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/titles/search?q=heat", timeout=30) as response:
        assert response.status == 200
    code = stop(proc)
    stderr = err.text()
    assert code in (0, EXIT_TERMINATED), stderr
    assert "Traceback" not in stderr


BOT_CHILD = """
import sys, discord, yarl
discord.http.Route.BASE = sys.argv[1]
discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(sys.argv[2])
from bot.cli import main
sys.exit(main(["--config", sys.argv[3], "run"]))
"""


async def test_the_discord_bot_closes_the_gateway_and_exits_0_on_sigterm(small_published, tmp_path):
    state = tmp_path / "state"
    shutil.copytree(small_published, state, symlinks=True)
    config = write_config(tmp_path / "bot.toml", state, f"[discord]\nguild_id = {fd.GUILD_ID}\n")
    fake = fd.FakeDiscord()
    await fake.start()
    try:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            BOT_CHILD,
            fake.api_base,
            fake.gateway_url,
            str(config),
            cwd=REPO,
            env=child_env(DISCORD_TOKEN="good-token-5678"),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        ready = asyncio.create_task(asyncio.wait_for(fake.identified.wait(), 180))
        exited = asyncio.create_task(proc.wait())
        await asyncio.wait({ready, exited}, return_when=asyncio.FIRST_COMPLETED)
        if not ready.done() or ready.exception() is not None:
            ready.cancel()
            if proc.returncode is None:
                proc.kill()
            raise AssertionError(f"the bot never synced its commands: {(await proc.communicate())[1].decode()[-2000:]}")
        assert fake.commands_synced.is_set()  # setup finished before the gateway connection
        proc.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(proc.communicate(), STOP_WITHIN_S)
        for _ in range(100):  # the fake's handler records the close once its side has finished
            if fake.client_close_codes:
                break
            await asyncio.sleep(0.05)
    finally:
        await fake.stop()
    text = stderr.decode()
    assert proc.returncode == 0, text
    assert fake.client_close_codes == [1000], text  # closed by the client (session ended), not dropped with the process
    assert "Traceback" not in text


def count_embeddings(store: Path) -> int:
    if not store.exists():
        return 0
    db = sqlite3.connect(f"file:{store}?mode=ro", uri=True, timeout=10)
    try:
        # the story space's vectors: the free-text model's are cached beside them, one row per title and model
        free_text = ModelSettings().free_text
        return db.execute("SELECT count(*) FROM embeddings WHERE model != ?", (free_text,)).fetchone()[0]
    except sqlite3.OperationalError:  # the schema is not there yet
        return 0
    finally:
        db.close()


# The indexer with its story encoder held on its second chunk until stdin closes: the first chunk is in the store
# then, and the test stops the build exactly there (no polling, however fast the model encodes).
HELD_BUILD = """
import sys
import morelike.encoders as encoders
from indexer.cli import main

class Held:
    def __init__(self, encoder):
        self.encoder, self.calls = encoder, 0

    def __getattr__(self, name):
        return getattr(self.encoder, name)

    def encode(self, texts, *args, **kwargs):
        self.calls += 1
        if self.calls == 2:
            print("holding the second chunk", flush=True)
            sys.stdin.read()
        return self.encoder.encode(texts, *args, **kwargs)

load, loaded = encoders.load_encoder, []

def held(*args, **kwargs):
    encoder = load(*args, **kwargs)
    loaded.append(encoder)
    return Held(encoder) if len(loaded) == 1 else encoder  # the story encoder only

encoders.load_encoder = held
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL])
def test_an_indexer_build_stopped_mid_encode_keeps_its_chunks_and_a_rerun_resumes(how, small_catalog_path, tmp_path):
    """The one test of a build stopped mid-encode: SIGTERM (docker stop) finishes the chunk under way and exits 143;
    SIGKILL (no clean-up at all) loses only that chunk. Either way nothing is published, the store is intact, and a
    rerun encodes only what is missing, without duplicates."""
    state = tmp_path / "state"
    state.mkdir()
    # batch size 1: 16 titles a saved chunk, so the 402 titles take many chunks.
    config = write_config(tmp_path / "bot.toml", state, "[model]\nbatch_size = 1\n")
    store = state / "morelike.sqlite"
    args = ["-m", "indexer", "--config", str(config), "build", "--source", str(small_catalog_path)]
    proc = subprocess.Popen(
        [sys.executable, "-c", HELD_BUILD, *args[2:]],
        cwd=REPO,
        env=child_env(MORELIKE_PROGRESS_INTERVAL="0"),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    out, err = Lines(proc.stdout), Lines(proc.stderr)
    try:
        out.wait_for("holding the second chunk", timeout=300)
        first_chunk = count_embeddings(store)
        proc.send_signal(how)
    finally:
        proc.stdin.close()  # lets the held chunk go on (a SIGTERM stop keeps it)
    code = proc.wait(timeout=STOP_WITHIN_S)
    stderr = err.text()
    assert 0 < first_chunk < 402
    saved = count_embeddings(store)
    if how == signal.SIGTERM:
        assert code == EXIT_TERMINATED, stderr
        assert "interrupted: progress so far is saved" in stderr and "Traceback" not in stderr
        assert "\r" not in stderr and "encode: " in stderr  # plain progress lines when stderr is not a terminal
        assert first_chunk < saved < 402  # the chunk under way finished and was kept
    else:
        assert code == -signal.SIGKILL
        assert saved == first_chunk
    db = sqlite3.connect(store)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()
    assert not (state / "published" / "current").exists()  # nothing half-built was published

    rerun = subprocess.run(
        [sys.executable, *args],
        cwd=REPO,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert rerun.returncode == 0, rerun.stderr
    assert f"encode: {402 - saved} encoded" in rerun.stdout and f"{saved} reused from cache" in rerun.stdout
    assert "publish: 402 titles" in rerun.stdout
    db = sqlite3.connect(store)
    assert db.execute("SELECT COUNT(*), COUNT(DISTINCT id) FROM titles").fetchone() == (402, 402)
    db.close()
    assert count_embeddings(store) == 402


def test_an_indexer_build_stops_at_once_on_sigterm_mid_publish_and_a_rerun_publishes(tmp_path):
    """The publish (index, reachability, neighbours) was deaf to SIGTERM: docker stop waited 10 s and killed it.
    Now it stops where it is, leaves no temporary build behind, and the next run publishes."""
    state = tmp_path / "state"
    config = write_config(tmp_path / "bot.toml", state)
    args = ["-m", "indexer", "--config", str(config), "build", "--limit", "5000"]
    proc, _out, err = start(args, MORELIKE_PROGRESS_INTERVAL="0")
    err.wait_for("index: ", timeout=300)  # the first batch is in the HNSW graph: the publish has seconds to go
    code = stop(proc)
    stderr = err.text()
    assert code == EXIT_TERMINATED, stderr
    assert "interrupted: progress so far is saved" in stderr and "Traceback" not in stderr
    assert not (state / "published" / "current").exists()  # stopped inside the publish, not after it
    assert [p.name for p in (state / "published" / "builds").iterdir()] == []  # its temporary build is gone

    rerun = subprocess.run([sys.executable, *args], cwd=REPO, env=child_env(), capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    assert "5000 reused from cache" in rerun.stdout and "publish: 5000 titles" in rerun.stdout


class ClockedEncoder:
    """A stand-in encoder whose every batch takes `per_batch` seconds on a fake clock (no real waiting)."""

    def __init__(self, per_batch: float, clock: list[float], batch_size: int = 1) -> None:
        self.batch_size = batch_size
        self.dimensions = 4
        self.per_batch = per_batch
        self.clock = clock
        self.chunks: list[int] = []

    def encode(self, texts):
        import numpy as np

        self.chunks.append(len(texts))
        self.clock[0] += self.per_batch * -(-len(texts) // self.batch_size)
        return np.ones((len(texts), self.dimensions), dtype=np.float32)


@pytest.mark.parametrize(("per_batch", "expected"), [(0.25, 4), (0.01, 16), (5.0, 2)])
async def test_encode_chunks_are_sized_so_a_stop_waits_about_one_second(
    per_batch, expected, small_catalog_path, tmp_path, monkeypatch
):
    from indexer import pipeline
    from indexer.store import Store
    from tests.conftest import make_config

    clock = [0.0]
    monkeypatch.setattr(pipeline.time, "perf_counter", lambda: clock[0])
    store = await Store.open(tmp_path / "store.sqlite")
    try:
        summary = pipeline.BuildSummary(source="test")
        await pipeline.import_file(store, small_catalog_path, 60, summary)
        titles = [t async for t in store.iter_titles()]
        encoder = ClockedEncoder(per_batch, clock)
        await pipeline.encode_missing(store, titles, make_config(tmp_path), summary, lambda: encoder)
    finally:
        await store.close()
    assert summary.encoded == 60 and sum(encoder.chunks) == 60
    assert encoder.chunks[0] == pipeline.ENCODE_MIN_BATCHES_PER_CHUNK  # the first chunk measures the speed
    assert set(encoder.chunks[1:-1]) == {expected}  # then about ENCODE_CHUNK_TARGET_S of work per chunk
