"""The terminal takes a Trakt username (a public profile) or a token file and leaves out what it watched (issue 21
item 1): the real CLI in a subprocess against the fake Trakt, on the real small index."""

from __future__ import annotations

import asyncio
import json

import pytest

from morelike.engine import Engine
from tests.conftest import make_config
from tests.fakes.trakt_server import FakeTrakt
from tests.test_ask import bot


@pytest.fixture(scope="module")
def watched_first(small_published):
    """The first title `ask "The Matrix"` gives that the catalog keys by IMDb id, as Trakt names it."""
    engine = Engine.open(make_config(small_published))
    matrix = engine.resolve("The Matrix").clear
    card = next(r.card for r in engine.similar(matrix.id, k=5).items if r.card.id.startswith("imdb-"))
    return card, {"title": card.title, "year": card.year, "ids": {"trakt": 5, "imdb": card.id.removeprefix("imdb-")}}


def config_for(small_published, tmp_path, trakt: FakeTrakt):
    path = tmp_path / "bot.toml"
    path.write_text(f'[paths]\nstate_dir = "{small_published}"\n[trakt]\nbase_url = "{trakt.base_url}"\n')
    return path


async def ask(config, *args, env=None):
    return await asyncio.to_thread(bot, config, "ask", "The Matrix", "--first", "--json", *args, env_extra=env)


async def test_ask_leaves_out_a_public_profiles_history_and_a_token_files(small_published, tmp_path, watched_first):
    card, item = watched_first
    async with FakeTrakt() as trakt:
        config = config_for(small_published, tmp_path, trakt)
        env = {"TRAKT_CLIENT_ID": trakt.client_id}
        trakt.accounts.account("bob").movies = [item]
        plain = json.loads((await ask(config, env=env)).stdout)
        assert card.id in [i["title"]["id"] for i in plain["items"]] and "hidden_watched" not in plain
        proc = await ask(config, "--trakt-user", "bob", env=env)
        assert proc.returncode == 0, proc.stderr
        body = json.loads(proc.stdout)
        assert card.id not in [i["title"]["id"] for i in body["items"]] and len(body["items"]) == 5
        assert body["hidden_watched"] == 1 and "Titles left out as watched on Trakt: 1." in proc.stderr
        # A token file (Trakt's own token JSON), read with the token's owner's history.
        trakt.accounts.access["file-token"] = "bob"
        token_file = tmp_path / "token.json"
        token_file.write_text(json.dumps({"access_token": "file-token", "expires_in": 86400, "created_at": 0}))
        body = json.loads((await ask(config, "--trakt-token-file", str(token_file), env=env)).stdout)
        assert card.id not in [i["title"]["id"] for i in body["items"]]
        assert trakt.hits["/sync/history/movies"] == 1
        # Bad input: one sentence, exit 2, no traceback; the token never echoed.
        trakt.accounts.account("carol").private = True
        for args, said in (
            (("--trakt-user", "carol"), "error: --trakt-user: That Trakt profile is private."),
            (("--trakt-user", "nobody"), "error: --trakt-user: Trakt has no user by that name."),
            (("--trakt-token-file", str(tmp_path / "missing.json")), "error: --trakt-token-file: The token file"),
        ):
            proc = await ask(config, *args, env=env)
            assert proc.returncode == 2 and proc.stderr.startswith(said) and "Traceback" not in proc.stderr
        trakt.accounts.expire_token("file-token")
        proc = await ask(config, "--trakt-token-file", str(token_file), env=env)
        assert proc.returncode == 2 and "revoked or has expired" in proc.stderr and "file-token" not in proc.stderr
        proc = await ask(config, "--trakt-user", "bob", env={"TRAKT_CLIENT_ID": ""})
        assert proc.returncode == 2 and "needs TRAKT_CLIENT_ID" in proc.stderr
