"""Progress in a log (`docker logs`, CI, a file) is plain lines every few seconds, not a bar redrawn in place."""

from __future__ import annotations

import asyncio
import io

from tqdm import tqdm as real_tqdm

from indexer import pipeline
from morelike.progress import LineProgress, tqdm
from tests.conftest import make_config


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_log_gets_lines_with_count_rate_and_time_left():
    log = io.StringIO()
    bar = tqdm(total=1000, desc="encode", unit="title", file=log)
    assert isinstance(bar, LineProgress)
    bar.interval = 0.0
    with bar:
        bar.update(250)
        bar.update(250)
    lines = log.getvalue().splitlines()
    assert "\r" not in log.getvalue()
    assert lines[0].startswith("encode: 250/1,000 titles (25%), ") and "titles/s" in lines[0]
    assert "left" in lines[0]
    assert lines[-1].startswith("encode: stopped at 500/1,000 titles after ")  # closed early: says so

    log = io.StringIO()
    with LineProgress(total=2, desc="encode", unit="title", file=log, interval=3600) as bar:
        bar.update(2)
    assert log.getvalue().startswith("encode: 2 titles in ")


def test_lines_are_spaced_by_the_interval():
    log = io.StringIO()
    with LineProgress(total=None, desc="import", unit="title", file=log, interval=3600) as bar:
        for _ in range(1000):
            bar.update()
    assert log.getvalue().splitlines() == [log.getvalue().splitlines()[-1]]  # only the summary line
    assert log.getvalue().startswith("import: 1,000 titles in ")


def test_a_total_learnt_later_is_used(monkeypatch):
    log = io.StringIO()
    bar = LineProgress(total=None, desc="trakt crawl", unit="title", file=log, interval=0)
    bar.total = 200
    bar.refresh()
    bar.update(50)
    assert "50/200 titles (25%)" in log.getvalue()


def test_a_terminal_keeps_the_tqdm_bar_and_the_environment_can_force_either(monkeypatch):
    assert isinstance(tqdm(total=3, file=Terminal()), real_tqdm)
    monkeypatch.setenv("MORELIKE_PROGRESS", "lines")
    assert isinstance(tqdm(total=3, file=Terminal()), LineProgress)
    monkeypatch.setenv("MORELIKE_PROGRESS", "bar")
    assert isinstance(tqdm(total=3, file=io.StringIO()), real_tqdm)
    assert isinstance(tqdm(total=3, file=io.StringIO(), disable=True), real_tqdm)  # disabled: tqdm's no-op


def test_a_build_logs_plain_lines_when_stderr_is_not_a_terminal(
    small_published, small_catalog_path, tmp_path, capsys, monkeypatch
):
    monkeypatch.setenv("MORELIKE_PROGRESS_INTERVAL", "0")
    state = tmp_path / "state"
    state.mkdir(parents=True, exist_ok=True)  # the model caches (static: MORELIKE_STATIC_CACHE), not the vectors
    summary = asyncio.run(pipeline.build(make_config(state), str(small_catalog_path), 40, progress=True))
    assert summary.published == 40 and summary.encoded == 40
    err = capsys.readouterr().err
    assert "\r" not in err
    assert "import: 40 titles in " in err and "encode: 40 titles in " in err and "index: 40/40 titles" in err
