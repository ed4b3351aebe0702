"""`python -m bot ask` / `discover`: the real CLI in a subprocess over the real small index, stdin piped."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def config_file(small_published, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("ask") / "bot.toml"
    path.write_text(f'[paths]\nstate_dir = "{small_published}"\n', encoding="utf-8")
    return path


def bot(
    config_file: Path, *args: str | bytes, stdin: str | None = None, env_extra: dict | None = None
) -> subprocess.CompletedProcess:
    # The terminal speaks the environment's language: English here, whatever the machine's locale, unless a test
    # says otherwise.
    english = {"LANGUAGE": "", "LC_ALL": "", "LC_MESSAGES": "", "LANG": "C.UTF-8"}
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", **english, **(env_extra or {})}
    env.pop("DISCORD_TOKEN", None)
    return subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(config_file), *args],
        input=stdin,
        stdin=subprocess.DEVNULL if stdin is None else None,
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=300,
    )


def result_lines(stdout: str) -> list[str]:
    return [line.strip() for line in stdout.splitlines() if line[:4].strip().rstrip(".").isdigit()]


def test_clear_title_with_a_typo_prints_results_and_series(config_file):
    proc = bot(config_file, "ask", "now you se me", "-k", "3")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("More like Now You See Me (2013)")
    assert len(result_lines(proc.stdout)) == 3
    assert "score" not in result_lines(proc.stdout)[0]  # a raw ranking score means nothing to a reader...
    after_first = proc.stdout.split(result_lines(proc.stdout)[0], 1)[1].splitlines()[1]
    assert "% alike" in after_first  # ... the why line under each title says what made it rank
    assert "Same series:" in proc.stdout
    series = proc.stdout.split("Same series:")[1]
    assert "Now You See Me 2 (2016)" in series
    assert "Which one?" not in proc.stderr  # clear: no picker


def test_ambiguous_title_picker_reads_the_answer_from_stdin(config_file):
    proc = bot(config_file, "ask", "heat", "-k", "2", stdin="2\n")
    assert proc.returncode == 0, proc.stderr
    assert "Which one? [1-3]" in proc.stderr
    picker = proc.stderr.split("Which one?")[0]
    assert "1. Heat (1995)" in picker and "Heat (1972)" in picker and "Heat (1986)" in picker
    second = next(line for line in picker.splitlines() if line.strip().startswith("2."))
    chosen = second.split("2.", 1)[1].split(" — ")[0].strip()
    assert proc.stdout.splitlines()[0].startswith(f"More like {chosen}")


def test_no_answer_on_stdin_takes_the_best_and_says_so(config_file):
    proc = bot(config_file, "ask", "heat", "-k", "2")  # stdin is /dev/null
    assert proc.returncode == 0, proc.stderr
    assert "taking the best match, Heat (1995)" in proc.stderr
    assert proc.stdout.startswith("More like Heat (1995)")


def test_first_flag_never_asks(config_file):
    proc = bot(config_file, "ask", "heat", "--first", "-k", "2", stdin="3\n")
    assert proc.returncode == 0, proc.stderr
    assert "Which one?" not in proc.stderr
    assert "Taking the best match" in proc.stderr
    assert proc.stdout.startswith("More like Heat (1995)")


def test_an_answer_out_of_range_is_refused_in_one_line(config_file):
    proc = bot(config_file, "ask", "heat", stdin="7\n")
    assert proc.returncode == 2
    assert "error: '7' is not one of the choices 1-3" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""


def test_year_hint_and_id_need_no_picker(config_file):
    proc = bot(config_file, "ask", "Heat", "(1986)", "-k", "1")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("More like Heat (1986)")
    proc = bot(config_file, "ask", "https://www.themoviedb.org/movie/949-heat", "-k", "1")
    assert proc.stdout.startswith("More like Heat (1995)")


def test_filters_and_no_franchise(config_file):
    proc = bot(config_file, "ask", "Now You See Me", "--kind", "show", "-k", "4", "--no-franchise")
    assert proc.returncode == 0, proc.stderr
    lines = result_lines(proc.stdout)
    assert len(lines) == 4 and all("[show]" in line for line in lines)
    assert "Same series:" not in proc.stdout


def test_json_output(config_file):
    proc = bot(
        config_file, "ask", "Now You See Me", "--json", "-k", "3", "--genre", "crime,drama", "--year-min", "1990"
    )
    assert proc.returncode == 0, proc.stderr
    body = json.loads(proc.stdout)
    assert body["picked"]["id"] == "tmdb-movie-75656"
    assert body["resolution"]["clear"]["id"] == "tmdb-movie-75656"
    assert len(body["items"]) == 3
    for item in body["items"]:
        assert {"crime", "drama"} <= set(item["title"]["genres"]) and item["title"]["year"] >= 1990
        assert item["why"]
    assert "tmdb-movie-291805" in [c["id"] for c in body["series"]]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--year-min", "2010", "--year-max", "1990"], "error: --year-min (2010) is greater than --year-max (1990)\n"),
        (["--runtime-min", "100", "--runtime-max", "90"], "error: --runtime-min (100) is greater than --runtime-max"),
        (["--genre", "notagenre"], "error: --genre: unknown genre 'notagenre'"),
        (["--genre", "drama", "--exclude-genre", "drama"], "error: --exclude-genre: genre 'drama' is both required"),
        (["--language", "e1"], "error: --language must be a two-letter ISO 639-1 code such as 'en' or 'fr', got 'e1'"),
        (["--language", "english"], "error: --language must be a two-letter ISO 639-1 code"),
        (["-k", "0"], "error: -k must be a whole number from 1 to 50, got 0"),
        (["--rating-min", "12"], "error: --rating-min must be between 0 and 10, got 12.0"),
        (["--page", "999"], "error: --page 999 is past the first 1000 results"),
    ],
)
def test_bad_filters_are_one_sentence_in_the_flags_typed_exit_2(config_file, args, message):
    proc = bot(config_file, "ask", "Now You See Me", *args)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    for engine_name in ("year_min", "year_max", "runtime_min", "runtime_max", "rating_min", "exclude_genres"):
        assert engine_name not in proc.stderr  # the engine's field names mean nothing to whoever typed the flags


@pytest.mark.parametrize(
    ("args", "stdin"),
    [
        (["q" * 100_000], None),  # no title matches it
        (["heat " * 20_000], None),  # it could be several titles: the picker, then the best match taken
        (["heat", "--genre", "g" * 100_000], None),
        (["heat", "--year-min", "9" * 100_000], None),
        (["heat"], "x" * 100_000 + "\n"),  # an answer to the picker that is no choice
    ],
    ids=["title", "ambiguous-title", "genre", "year", "answer"],
)
def test_a_100000_character_input_is_shortened_when_echoed(config_file, args, stdin):
    proc = bot(config_file, "ask", *args, stdin=stdin)
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr) < 2000, proc.stderr[:3000]
    assert "…" in proc.stderr  # shortened as the Discord face shortens echoes


def test_the_picker_offers_the_same_title_and_names_looser_matches(heat_published, tmp_path):
    """The engine's rule, as Discord follows it: the films titled exactly "Heat" to pick from, and "The Heat"
    (2013), which only normalises alike, named on a "did you mean" line."""
    config = tmp_path / "bot.toml"
    config.write_text(f'[paths]\nstate_dir = "{heat_published}"\n', encoding="utf-8")
    proc = bot(config, "ask", "heat", "-k", "1", stdin="3\n")
    assert proc.returncode == 0, proc.stderr
    picker = proc.stderr.split("Which one?")[0]
    numbered = [line.split(" — ")[0].strip() for line in picker.splitlines() if line[:4].strip()[:1].isdigit()]
    assert sorted(n.split(". ", 1)[1] for n in numbered) == ["Heat (1972)", "Heat (1986)", "Heat (1995)"]
    assert "Did you mean The Heat (2013)" in picker and "Which one? [1-3]" in proc.stderr
    assert proc.stdout.startswith("More like " + numbered[2].split(". ", 1)[1])
    proc = bot(config, "ask", "The Heat", "-k", "1")
    assert proc.stdout.startswith("More like The Heat (2013)") and "Which one?" not in proc.stderr


def test_unknown_title_exit_1(config_file):
    proc = bot(config_file, "ask", "tt9999999")
    assert proc.returncode == 1
    assert "No title matches 'tt9999999'" in proc.stderr


def test_discover(config_file):
    proc = bot(config_file, "discover", "a heist by stage magicians", "-k", "5")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("Titles for 'a heist by stage magicians':")
    lines = result_lines(proc.stdout)
    assert len(lines) == 5
    assert any("Now You See Me" in line for line in lines)
    proc = bot(config_file, "discover", "a heist by stage magicians", "--json", "-k", "2", "--kind", "show")
    body = json.loads(proc.stdout)
    assert len(body["items"]) == 2 and {i["title"]["kind"] for i in body["items"]} == {"show"}


def test_json_with_the_picker_keeps_stdout_pure_json(config_file):
    proc = bot(config_file, "ask", "heat", "--json", "-k", "1", stdin="3\n")
    assert proc.returncode == 0, proc.stderr
    body = json.loads(proc.stdout)
    candidates = body["resolution"]["candidates"]
    assert body["resolution"]["clear"] is None
    assert body["picked"]["id"] == candidates[2]["title"]["id"]
    assert body["query"]["id"] == candidates[2]["title"]["id"]
    assert "Which one? [1-3] 3" in proc.stderr


def test_argv_that_is_not_utf8_still_answers(config_file):
    proc = bot(config_file, "discover", b"heist\xff", "-k", "2")  # $'heist\xff' in a shell
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stdout.startswith("Titles for 'heist\ufffd':") and len(result_lines(proc.stdout)) == 2


def test_a_stdout_that_cannot_show_the_text_gets_question_marks_not_a_crash(config_file):
    ascii_out = {"PYTHONIOENCODING": "ascii"}
    proc = bot(config_file, "ask", "Now You See Me", "-k", "2", env_extra=ascii_out)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0].startswith("More like Now You See Me (2013) ? movie ? ")
    # JSON stays exact: what the encoding cannot carry is escaped, not replaced.
    utf8 = json.loads(bot(config_file, "ask", "Amelie", "--json", "-k", "3").stdout)
    proc = bot(config_file, "ask", "Amelie", "--json", "-k", "3", env_extra=ascii_out)
    assert proc.returncode == 0 and proc.stdout.isascii()
    assert json.loads(proc.stdout) == utf8
    assert not json.dumps(utf8, ensure_ascii=False).isascii()  # the answer does hold non-ASCII text


def readme_terminal_examples() -> list[list[str]]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme.split("### REST API and terminal", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    lines = [line.split("  #", 1)[0] for line in block.splitlines()]
    return [shlex.split(line)[3:] for line in lines if line.startswith(("python -m bot ask", "python -m bot discover"))]


def test_the_readme_shows_both_terminal_commands():
    assert {args[0] for args in readme_terminal_examples()} == {"ask", "discover"}


@pytest.mark.parametrize("args", readme_terminal_examples(), ids=" ".join)
def test_readme_terminal_examples_run(config_file, args):
    proc = bot(config_file, *args)
    assert proc.returncode == 0, proc.stderr
    assert result_lines(proc.stdout) and "Traceback" not in proc.stderr


def test_ask_answers_with_the_engine_settings_of_bot_toml(small_published, tmp_path):
    # `[engine] franchise` and `boost` are the defaults of every face: the terminal's flags only override them, so
    # bot.toml saying franchise = false is the same answer as --no-franchise, and boost = true as --boost.
    def config(engine: str) -> Path:
        path = tmp_path / f"bot{len(list(tmp_path.iterdir()))}.toml"
        path.write_text(f'[paths]\nstate_dir = "{small_published}"\n[engine]\n{engine}\n', encoding="utf-8")
        return path

    def ask(path: Path, *args: str) -> dict:
        proc = bot(path, "ask", "--first", "--json", "-k", "5", *args)
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)

    plain = config("")
    no_series = config("franchise = false")
    assert ask(plain, "Now You See Me")["series"]  # the default: the title's own series apart
    assert ask(no_series, "Now You See Me")["series"] == []
    assert ask(no_series, "Now You See Me") == ask(plain, "Now You See Me", "--no-franchise")
    assert ask(no_series, "Now You See Me", "--franchise") == ask(plain, "Now You See Me")  # a flag still wins

    boosted = config("boost = true")
    assert ask(boosted, "Alien") == ask(plain, "Alien", "--boost") != ask(plain, "Alien")
    assert ask(boosted, "Alien", "--no-boost") == ask(plain, "Alien")
