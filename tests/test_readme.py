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


def test_readme_says_which_ids_find_the_bundled_rows():
    """The README promised lookup by IMDb id or URL, yet "Now You See Me" has no IMDb id in the bundled catalog:
    it says which ids each kind of row carries, with the catalog's own counts."""
    import gzip
    import json
    from collections import Counter

    counts: Counter = Counter()
    with gzip.open(REPO / "data" / "catalog.jsonl.gz", "rt", encoding="utf-8") as catalog:
        for line in catalog:
            row = json.loads(line)
            prefix = "tmdb-movie" if row["id"].startswith("tmdb-movie-") else row["id"].split("-", 1)[0]
            counts[prefix] += 1
            for field in ("imdb_id", "tmdb_id", "trakt_id", "trakt_slug", "tvdb_id"):
                if row.get(field):
                    counts[prefix, field] += 1
            if row["id"] == "tmdb-movie-75656":
                assert row["title"] == "Now You See Me" and not row.get("imdb_id") and row["tmdb_id"] == 75656
    text = " ".join((REPO / "README.md").read_text().split())  # the lines unwrapped
    assert "#### Which ids find a title" in (REPO / "README.md").read_text()
    assert counts["imdb", "imdb_id"] == counts["imdb"] and counts["tmdb-movie", "tmdb_id"] == counts["tmdb-movie"]
    assert f"the {counts['imdb']:,} `imdb-tt…` rows carry their IMDb id ({counts['imdb', 'tmdb_id']:,} of" in text
    assert counts["tmdb-movie", "imdb_id"] == 0
    assert f"the {counts['tmdb-movie']:,} `tmdb-movie-N` rows their TMDB id and no IMDb id" in text
    assert "*Now You See Me* (`tmdb-movie-75656`) is found by its TMDB id or URL, not by its IMDb one" in text
    for prefix, name in (("wiki", "`wiki-…`"), ("jw", "`jw-…`")):
        assert not any(counts[prefix, field] for field in ("imdb_id", "tmdb_id", "trakt_id", "trakt_slug"))
        assert f"{counts[prefix]:,} {name}" in text
    assert f"the {counts['wiki']:,} `wiki-…` and {counts['jw']:,} `jw-…` rows answer to their own id only" in text
    assert sum(counts[prefix] for prefix in ("imdb", "tmdb-movie", "wiki", "jw")) == sum(
        n for key, n in counts.items() if isinstance(key, str)
    )  # no other kind of row to describe
    assert not any(n for key, n in counts.items() if isinstance(key, tuple) and key[1] in ("trakt_id", "trakt_slug"))
    assert "no bundled row has a Trakt id" in text
