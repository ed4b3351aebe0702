from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_ci_runs_the_readme_test_command():
    readme = (REPO / "README.md").read_text()
    commands = [line for line in readme.splitlines() if line.startswith("python3 -m venv .venv")]
    assert len(commands) >= 2, "the README must open with the setup+run and the test commands"
    test_command = commands[1]
    assert "pytest" in test_command
    assert test_command in (REPO / ".ci" / "run").read_text()


def test_readme_main_command_builds_the_bundled_index_and_answers():
    first = next(line for line in (REPO / "README.md").read_text().splitlines() if line.startswith("python3 -m venv"))
    assert "-m indexer build" in first and "-m bot ask" in first and "DISCORD_TOKEN" in first
