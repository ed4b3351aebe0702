"""The terminal takes a Trakt username (a public profile) or a token file and leaves out what it watched (issue 21
item 1): the real CLI in a subprocess against the fake Trakt, on the real small index."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

import aiohttp
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


# ------------------------------------------------------------------------------------------------ REST API
@contextlib.asynccontextmanager
async def api_with_trakt(small_published, monkeypatch, client_id: str | None = "fake"):
    """The real API over the small index, its Trakt the fake one; TRAKT_CLIENT_ID the fake's (or unset)."""
    from bot.rest.app import create_app
    from tests.test_api import start

    async with FakeTrakt() as trakt:
        if client_id is None:
            monkeypatch.delenv("TRAKT_CLIENT_ID", raising=False)
        else:
            monkeypatch.setenv("TRAKT_CLIENT_ID", trakt.client_id)
        engine = Engine.open(make_config(small_published, trakt={"base_url": trakt.base_url}))
        runner, base = await start(create_app(engine))
        try:
            async with aiohttp.ClientSession() as session:
                yield trakt, base, session, engine
        finally:
            await runner.cleanup()


async def get(session, url, params, headers=None) -> tuple[int, dict, Any]:
    async with session.get(url, params=params, headers=headers or {}) as resp:
        assert resp.content_type == "application/json"
        return resp.status, await resp.json(), resp.headers.copy()


def check_against_document(engine, path: str, query: list, status: int, body: dict, headers: dict) -> None:
    from openapi_core import OpenAPI
    from openapi_core.testing import MockRequest, MockResponse
    from werkzeug.datastructures import ImmutableMultiDict

    from bot.rest.app import openapi_document

    spec = OpenAPI.from_dict(openapi_document(engine))
    request = MockRequest("http://127.0.0.1:8080", "get", path, args=ImmutableMultiDict(query))
    if status == 200:
        spec.validate_request(request)
    data = json.dumps(body).encode()
    spec.validate_response(request, MockResponse(data, status, headers=headers, content_type="application/json"))


async def test_the_api_leaves_out_what_a_trakt_user_watched_and_never_confirms_it_from_the_build_etag(
    small_published, monkeypatch, watched_first
):
    card, item = watched_first
    async with api_with_trakt(small_published, monkeypatch) as (trakt, base, session, engine):
        trakt.accounts.account("bob").movies = [item]
        matrix = engine.resolve("The Matrix").clear
        path = f"/v1/titles/{matrix.id}/similar"
        status, plain, headers = await get(session, base + path, {"k": "5"})
        assert status == 200 and card.id in [i["title"]["id"] for i in plain["items"]]
        assert "hidden_watched" not in plain
        build_etag = headers["ETag"]
        query = [("k", "5"), ("trakt_user", "bob")]
        status, body, headers = await get(session, base + path, query, {"If-None-Match": build_etag})
        assert status == 200, body  # never a 304 from the index-only tag: the answer depends on bob's history
        assert card.id not in [i["title"]["id"] for i in body["items"]] and len(body["items"]) == 5
        assert body["hidden_watched"] == 1
        assert "ETag" not in headers and headers["Cache-Control"] == "private, no-store"
        check_against_document(engine, path, query, status, body, headers)
        # /v1/discover takes it too; bob's history was fetched once (cached by the server).
        status, found, headers = await get(session, base + "/v1/discover", {"q": "hackers", "trakt_user": "bob"})
        assert status == 200 and found["hidden_watched"] == 1 and "ETag" not in headers
        assert trakt.hits["/users/bob/history/movies"] == 1


@pytest.mark.parametrize(
    ("user", "setup", "status", "said"),
    [
        ("nobody", None, 404, "Trakt has no user by that name."),
        ("carol", "private", 400, "That Trakt profile is private."),
        ("dave", "rate_limited", 503, "Trakt asks to slow down: try again in a few minutes."),
        ("erin", "down", 502, "Trakt cannot list the history right now: try again in a moment."),
        ("bob", "no_client_id", 503, "Reading a Trakt history needs TRAKT_CLIENT_ID set."),
        ("bob/../x", None, 400, "is not a Trakt username"),
    ],
)
async def test_a_trakt_user_the_api_cannot_read_is_one_json_sentence(
    small_published, monkeypatch, user, setup, status, said
):
    client_id = None if setup == "no_client_id" else "fake"
    async with api_with_trakt(small_published, monkeypatch, client_id) as (trakt, base, session, engine):
        trakt.accounts.account("carol").private = True
        trakt.accounts.account("dave")
        trakt.accounts.account("erin")
        if setup == "rate_limited":
            trakt.fail("/users/dave/history/*", status=429, retry_after=0, times=10)
        if setup == "down":
            trakt.fail("/users/erin/history/*", status=500, times=10)
        query = [("q", "hackers"), ("trakt_user", user)]
        got, body, headers = await get(session, base + "/v1/discover", query)
        assert got == status and said in body["error"]["message"], body
        assert body["error"]["parameter"] == "trakt_user" and "Traceback" not in json.dumps(body)
        assert "ETag" not in headers
        check_against_document(engine, "/v1/discover", query, got, body, headers)
