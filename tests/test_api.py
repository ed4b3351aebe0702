"""The REST API over a real socket, a real Engine and the real small index (built once with the real model)."""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
import os
import re
import shlex
import shutil
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import aiohttp
import pytest
from aiohttp import web

from bot.rest.app import ROUTES, ApiRunner, build_etag, create_app
from morelike.engine import Engine
from tests.conftest import copy_state, make_config

NYSM, NYSM2 = "tmdb-movie-75656", "tmdb-movie-291805"
HEAT_1995 = "tmdb-movie-949"
REPO = Path(__file__).resolve().parents[1]
HEATS = {"tmdb-movie-949", "wiki-Heat_(1972_film)", "wiki-Heat_(1986_film)"}


@pytest.fixture(scope="module")
def engine(small_published) -> Engine:
    return Engine.open(make_config(small_published))


class Api:
    def __init__(self, base: str, session: aiohttp.ClientSession) -> None:
        self.base, self.session = base, session

    async def get(self, path: str, params=None) -> tuple[int, dict]:
        async with self.session.get(self.base + path, params=params) as resp:
            assert resp.content_type == "application/json"
            return resp.status, await resp.json()


async def start(app: web.Application, **runner_args) -> tuple[web.AppRunner, str]:
    runner = ApiRunner(app, **runner_args)  # what `python -m bot api` serves through
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    return runner, f"http://{host}:{port}"


@pytest.fixture
async def api(engine):
    runner, base = await start(create_app(engine))
    async with aiohttp.ClientSession() as session:
        yield Api(base, session)
    await runner.cleanup()


def ids(items) -> list[str]:
    return [item["title"]["id"] for item in items]


async def test_healthz(api, engine):
    status, body = await api.get("/healthz")
    assert status == 200
    assert body["status"] == "ok"
    assert body["count"] == 402
    assert body["build_id"] == engine.build_id
    assert body["model"] == "static:morelike-story"
    assert body["dimensions"] == 256


async def test_openapi_document_lists_every_route_and_parameter(api, engine):
    status, doc = await api.get("/openapi.json")
    assert status == 200
    assert doc["openapi"].startswith("3.")
    assert doc["info"]["title"] and doc["info"]["version"]
    app_paths = {r.canonical.replace("{id:.+}", "{id}") for r in create_app(engine).router.resources() if r.canonical}
    assert set(doc["paths"]) == app_paths
    assert {
        "/healthz",
        "/openapi.json",
        "/v1/titles/search",
        "/v1/titles/{id}",
        "/v1/titles/{id}/similar",
        "/v1/discover",
        "/v1/blend",
    } <= app_paths
    similar = doc["paths"]["/v1/titles/{id}/similar"]["get"]
    names = {p["name"] for p in similar["parameters"]}
    assert names == {
        "id", "kind", "genre", "exclude_genre", "year_min", "year_max", "runtime_min", "runtime_max", "language",
        "rating_min", "votes_min", "on", "anime", "trakt_user", "k", "page", "franchise", "boost", "lang",
        "Accept-Language",
    }  # fmt: skip
    assert {"400", "404", "200"} <= set(similar["responses"])
    # Every $ref points at a schema that exists, every path parameter is declared required.
    text = json.dumps(doc)
    for ref in {part.split('"')[0] for part in text.split('"$ref": "')[1:]}:
        assert ref.startswith("#/components/schemas/")
        assert ref.rsplit("/", 1)[1] in doc["components"]["schemas"], ref
    for path, item in doc["paths"].items():
        for param in item["get"].get("parameters", []):
            assert param["in"] in ("query", "path", "header")
            if param["in"] == "path":
                assert param["required"] is True and "{" + param["name"] + "}" in path


async def test_search_clear_typo(api):
    status, body = await api.get("/v1/titles/search", {"q": "now you se me"})
    assert status == 200
    assert body["clear"]["id"] == NYSM
    assert ids(body["candidates"])[:2] == [NYSM, NYSM2]
    assert body["candidates"][0]["matched"] == "fuzzy"


async def test_search_same_titles_all_offered(api):
    status, body = await api.get("/v1/titles/search", {"q": "heat"})
    assert status == 200
    assert body["clear"] is None
    assert HEATS <= set(ids(body["candidates"]))
    # The candidates to choose from are said, by the engine's one rule: the three films titled Heat.
    assert {c["title"]["id"] for c in body["candidates"] if c["same_title"]} == HEATS
    status, body = await api.get("/v1/titles/search", {"q": "Heat (1986)", "limit": "3"})
    assert body["clear"]["id"] == "wiki-Heat_(1986_film)"
    assert HEATS <= set(ids(body["candidates"]))


async def test_search_by_url_and_unknown(api):
    status, body = await api.get("/v1/titles/search", {"q": "https://www.themoviedb.org/movie/949-heat"})
    assert (status, body["clear"]["id"]) == (200, HEAT_1995)
    status, body = await api.get("/v1/titles/search", {"q": "tt9999999"})
    assert (status, body["candidates"], body["clear"]) == (200, [], None)


async def test_suggest(api):
    status, body = await api.get("/v1/titles/suggest", {"q": "now you"})
    assert status == 200
    assert [t["id"] for t in body["titles"]][:2] == [NYSM, NYSM2]
    status, body = await api.get("/v1/titles/suggest", {"q": "the", "kind": "show", "limit": "4"})
    assert len(body["titles"]) == 4 and {t["kind"] for t in body["titles"]} == {"show"}


async def test_get_title_by_id_ref_and_encoded_id(api, engine):
    status, body = await api.get(f"/v1/titles/{HEAT_1995}")
    assert status == 200
    assert (body["title"], body["year"], body["kind"], body["label"]) == ("Heat", 1995, "movie", "Heat (1995)")
    status, by_ref = await api.get(f"/v1/titles/{body['ref']}")
    assert (status, by_ref["id"]) == (200, HEAT_1995)
    odd = "wiki-Andy_Hardy%27s_Private_Secretary"  # the id itself contains '%'
    status, body = await api.get("/v1/titles/" + odd.replace("%", "%25"))
    assert (status, body["id"]) == (200, odd)


async def test_unknown_title_route_and_method_are_json_404_405(api):
    status, body = await api.get("/v1/titles/no-such-title")
    assert status == 404
    assert "no-such-title" in body["error"]["message"]
    status, body = await api.get("/v1/titles/no-such-title/similar")
    assert status == 404
    status, body = await api.get("/v2/nothing")
    assert status == 404 and body["error"]["status"] == 404
    async with api.session.post(api.base + "/v1/discover") as resp:
        assert resp.status == 405
        assert (await resp.json())["error"]["status"] == 405


async def test_similar_default_page_and_series(api):
    status, body = await api.get(f"/v1/titles/{NYSM}/similar")
    assert status == 200
    assert body["query"]["id"] == NYSM
    assert body["k"] == 5 and len(body["items"]) == 5 and body["page"] == 0 and body["has_more"] is True
    assert NYSM not in ids(body["items"])
    assert NYSM2 in [t["id"] for t in body["series"]]
    assert NYSM2 not in ids(body["items"])
    assert all(item["why"] for item in body["items"])
    scores = [item["score"] for item in body["items"]]
    assert scores == sorted(scores, reverse=True)
    status, page1 = await api.get(f"/v1/titles/{NYSM}/similar", {"page": "1"})
    assert page1["page"] == 1 and not set(ids(page1["items"])) & set(ids(body["items"]))
    status, mixed = await api.get(f"/v1/titles/{NYSM}/similar", {"franchise": "false", "k": "20"})
    assert mixed["series"] == []
    assert NYSM2 in ids(mixed["items"])


async def test_similar_filters(api, engine):
    status, body = await api.get(f"/v1/titles/{NYSM}/similar", {"kind": "show", "k": "7"})
    assert status == 200 and len(body["items"]) == 7
    assert {item["title"]["kind"] for item in body["items"]} == {"show"}
    status, body = await api.get(
        f"/v1/titles/{NYSM}/similar", {"year_min": "1990", "year_max": "2005", "exclude_genre": "comedy"}
    )
    assert all(1990 <= item["title"]["year"] <= 2005 for item in body["items"])
    assert all("comedy" not in item["title"]["genres"] for item in body["items"])
    repeated = await api.get(f"/v1/titles/{NYSM}/similar?genre=crime&genre=drama")
    commas = await api.get(f"/v1/titles/{NYSM}/similar?genre=crime,drama")
    assert repeated == commas and repeated[0] == 200
    assert all({"crime", "drama"} <= set(item["title"]["genres"]) for item in repeated[1]["items"])
    status, body = await api.get(f"/v1/titles/{NYSM}/similar", {"rating_min": "7.5", "votes_min": "1000"})
    assert all(item["title"]["rating"] >= 7.5 and item["title"]["votes"] >= 1000 for item in body["items"])
    status, body = await api.get(f"/v1/titles/{HEAT_1995}/similar", {"boost": "true", "k": "3"})
    assert status == 200 and len(body["items"]) == 3


@pytest.mark.parametrize(
    ("query", "parameter", "words"),
    [
        ("year_min=abc", "year_min", "must be a whole number"),
        ("rating_min=high", "rating_min", "must be a number"),
        ("rating_min=nan", "rating_min", "plain digits"),
        ("rating_min=11", "rating_min", "at most 10"),
        ("kind=cartoon", "kind", "must be one of"),
        ("genre=notagenre", "genre", "unknown genre"),
        ("exclude_genre=comedy,nope", "exclude_genre", "unknown genre"),
        ("genre=drama&exclude_genre=drama", "exclude_genre", "both required and excluded"),
        ("k=0", "k", "at least 1"),
        ("k=51", "k", "at most 50"),
        ("page=-1", "page", "at least 0"),
        ("page=999", "page", "past the first"),
        ("franchise=maybe", "franchise", "true or false"),
        ("year_min=2010&year_max=1990", "year_min", "greater than"),
        ("year_min=1990&year_min=2000", "year_min", "once"),
        ("genres=drama", "genres", "unknown parameter"),
        ("language=", "language", "must not be empty"),
        ("language=e1", "language", "ISO 639-1"),
    ],
)
async def test_similar_bad_parameters_are_400_naming_the_parameter(api, query, parameter, words):
    status, body = await api.get(f"/v1/titles/{NYSM}/similar?{query}")
    assert status == 400
    assert body["error"]["parameter"] == parameter
    assert words in body["error"]["message"]
    assert "Traceback" not in json.dumps(body)


@pytest.mark.parametrize(
    ("path", "query", "k"),
    [
        (f"/v1/titles/{NYSM}/similar", [], 6),
        ("/v1/discover", [("q", "heist")], 50),
        ("/v1/blend", [("id", NYSM), ("id", HEAT_1995)], 3),
    ],
)
async def test_paging_past_the_first_1000_results_is_a_400_that_names_the_limit(api, path, query, k):
    last = 1000 // k - 1  # the last page inside the first 1000 results
    status, _ = await api.get(path, [*query, ("k", str(k)), ("page", str(last))])
    assert status == 200
    status, body = await api.get(path, [*query, ("k", str(k)), ("page", str(last + 1))])
    assert status == 400 and body["error"]["parameter"] == "page"
    assert body["error"]["message"] == (
        f"page {last + 1} with k {k} reaches result {(last + 2) * k}, past the first 1000 results: "
        "(page + 1) * k <= 1000"
    )


async def test_whitespace_alone_is_refused_and_the_document_says_so(api):
    _, doc = await api.get("/openapi.json")
    for path in ("/v1/titles/search", "/v1/titles/suggest", "/v1/discover"):
        q = next(p for p in doc["paths"][path]["get"]["parameters"] if p["name"] == "q")
        assert q["schema"]["pattern"] == "\\S" and q["schema"]["minLength"] == 1, path  # one non-space character
        status, body = await api.get(path, {"q": " \t "})
        assert (status, body["error"]["parameter"]) == (400, "q"), path


async def test_discover(api):
    status, body = await api.get("/v1/discover", {"q": "a heist by stage magicians", "k": "5"})
    assert status == 200
    assert body["query"] is None and len(body["items"]) == 5
    assert NYSM in ids(body["items"])
    status, body = await api.get("/v1/discover", {"q": "a heist by stage magicians", "kind": "show", "k": "3"})
    assert {item["title"]["kind"] for item in body["items"]} == {"show"}
    status, body = await api.get("/v1/discover")
    assert (status, body["error"]["parameter"]) == (400, "q")
    status, body = await api.get("/v1/discover", {"q": "x" * 2000})
    assert (status, body["error"]["parameter"]) == (400, "q")


async def test_blend(api):
    status, body = await api.get(f"/v1/blend?id={NYSM}&id={HEAT_1995}&k=4")
    assert status == 200
    assert [t["id"] for t in body["inputs"]] == [NYSM, HEAT_1995]
    assert len(body["items"]) == 4
    assert not {NYSM, HEAT_1995, NYSM2} & set(ids(body["items"]))
    status, body = await api.get(f"/v1/blend?id={NYSM}")
    assert (status, body["error"]["parameter"]) == (400, "id")
    status, body = await api.get(f"/v1/blend?id={NYSM},{NYSM2},{HEAT_1995},tmdb-movie-238")
    assert (status, body["error"]["parameter"]) == (400, "id")
    status, body = await api.get(f"/v1/blend?id={NYSM}&id=nope")
    assert status == 404


async def test_genres(api, engine):
    status, body = await api.get("/v1/genres")
    assert status == 200 and body["genres"] == engine.genres() and "drama" in body["genres"]


async def test_unexpected_failure_is_a_json_500_without_traceback(small_published, tmp_path):
    # A build whose catalog connection is gone under a running server: a real failure, not a patched one.
    state = copy_state(small_published, tmp_path)
    broken = Engine.open(make_config(state))
    broken.snapshot.close()
    runner, base = await start(create_app(broken))
    try:
        async with aiohttp.ClientSession() as session, session.get(f"{base}/v1/titles/{HEAT_1995}") as resp:
            body = await resp.json()
            assert resp.status == 500
            assert body == {"error": {"status": 500, "message": "Internal error; the server log has the details."}}
    finally:
        await runner.cleanup()


async def test_hot_reload_serves_a_newly_published_build(small_published, small_catalog_path, tmp_path):
    from indexer import pipeline

    state = copy_state(small_published, tmp_path)
    config = make_config(state, engine={"reload_interval_s": 0.05})
    engine = Engine.open(config)
    runner, base = await start(create_app(engine, config))
    try:
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{base}/healthz") as resp:
                before = await resp.json()
                old_tag = resp.headers["ETag"]
            assert before["count"] == 402
            extra = tmp_path / "extra.jsonl"
            shutil.copy(small_catalog_path, extra)
            with extra.open("a", encoding="utf-8") as fh:
                fh.write(
                    json.dumps(
                        {"id": "test-new-title", "kind": "movie", "title": "A Brand New Test Title", "year": 2024}
                    )
                    + "\n"
                )
            await pipeline.build(config, str(extra), progress=False)
            for _ in range(400):  # wait for the background reload (bounded; not a timing assertion)
                async with session.get(f"{base}/healthz") as resp:
                    after = await resp.json()
                if after["count"] == 403:
                    break
                await asyncio.sleep(0.05)
            assert after["count"] == 403
            assert after["build_id"] != before["build_id"]
            async with session.get(f"{base}/healthz", headers={"If-None-Match": old_tag}) as resp:
                assert resp.status == 200  # the old build's tag confirms nothing now
                assert resp.headers["ETag"] != old_tag and after["build_id"] in resp.headers["ETag"]
            async with session.get(f"{base}/v1/titles/test-new-title") as resp:
                assert resp.status == 200
    finally:
        await runner.cleanup()


def test_routes_table_matches_issue():
    paths = {r.path for r in ROUTES}
    assert "/v1/titles/{id:.+}/similar" in paths
    # The similar route must be registered before the plain title route, or '{id:.+}' would swallow it.
    order = [r.path for r in ROUTES]
    assert order.index("/v1/titles/{id:.+}/similar") < order.index("/v1/titles/{id:.+}")


# ------------------------------------------------------------------------------- HTTP: methods, HEAD, 405
async def test_head_is_answered_and_405_says_what_is_allowed(api):
    async with api.session.head(api.base + "/healthz") as resp:
        assert resp.status == 200
        assert resp.content_type == "application/json"
        assert await resp.read() == b""
    async with api.session.head(api.base + f"/v1/titles/{HEAT_1995}/similar", params={"k": "2"}) as resp:
        assert resp.status == 200 and await resp.read() == b""
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        async with api.session.request(method, api.base + "/v1/discover") as resp:
            assert resp.status == 405
            assert set(resp.headers["Allow"].replace(" ", "").split(",")) == {"GET", "HEAD"}
            body = await resp.json()
            assert body["error"]["status"] == 405 and "GET" in body["error"]["message"]


@pytest.mark.parametrize(
    "request_line",
    [
        b"CONNECT 127.0.0.1:8080 HTTP/1.1",  # authority-form: a target with no path at all
        b"CONNECT /v1/discover HTTP/1.1",
        b"FOO /v1/discover HTTP/1.1",  # any token is a method to HTTP
        b"FOO /nowhere HTTP/1.1",
        b"POST /nowhere HTTP/1.1",
        b"OPTIONS /healthz HTTP/1.1",
    ],
    ids=lambda line: line.decode().rsplit(" ", 1)[0],
)
async def test_any_method_but_get_and_head_is_a_json_405_with_allow(api, request_line):
    status, headers, body = split_http(
        await raw_exchange(api.base, request_line + b"\r\nHost: a\r\nConnection: close\r\n\r\n")
    )
    assert status == 405
    assert set(headers["allow"].replace(" ", "").split(",")) == {"GET", "HEAD"}
    assert headers["content-type"].startswith("application/json")
    error = json.loads(body)["error"]
    method = request_line.split()[0].decode()
    assert error == {"status": 405, "message": f"{method} is not allowed here; this API answers GET,HEAD."}


# ----------------------------------------------------------------------- HTTP: requests aiohttp cannot parse
async def raw_exchange(base: str, data: bytes, wait_s: float = 30) -> bytes:
    """Send raw bytes on a fresh connection; everything the server answers until it closes."""
    host, port = base.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        writer.write(data)
        await writer.drain()
        return await asyncio.wait_for(reader.read(), wait_s)
    finally:
        writer.close()


def split_http(answer: bytes) -> tuple[int, dict[str, str], bytes]:
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split()[1]), headers, body


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"GET /v1/titles/search?q=" + b"x" * 9000 + b" HTTP/1.1\r\nHost: a\r\n\r\n",  # URL over 8,190 bytes
        b"GET /healthz HTTP/1.1\r\nHost: a\r\nX-Big: " + b"y" * 9000 + b"\r\n\r\n",  # one huge header
        b"GET /healthz HTTP/1.1\r\nHost: a\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(200)) + b"\r\n",
        b"G(T /healthz HTTP/1.1\r\nHost: a\r\n\r\n",  # a bad method
        b"GET /healthz HTTP/1.1\r\nHost: a\r\nContent-Length: abc\r\n\r\n",
        b"GET /healthz HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 not http at all\r\n\r\n",  # TLS to a plain port
    ],
    ids=["long-url", "big-header", "many-headers", "bad-method", "bad-content-length", "two-lengths", "tls"],
)
async def test_unparsable_requests_get_a_json_400_and_one_quiet_log_line(api, caplog, request_bytes):
    caplog.set_level(logging.DEBUG)
    status, headers, body = split_http(await raw_exchange(api.base, request_bytes))
    assert status == 400
    assert headers["content-type"].startswith("application/json")
    error = json.loads(body)["error"]
    assert error["status"] == 400 and error["message"].endswith(".") and "\n" not in error["message"]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info]
    lines = [r for r in caplog.records if r.name.startswith(("morelike", "aiohttp")) and r.levelno >= logging.INFO]
    assert len(lines) == 1 and "event=api_unparsable_request" in lines[0].getMessage()


# ------------------------------------------------------------------------------ HTTP: connection limits
async def test_idle_and_header_dribbling_connections_are_closed(engine):
    runner, base = await start(create_app(engine), keepalive_timeout=0.5)
    host, port = base.removeprefix("http://").split(":")
    try:
        reader, writer = await asyncio.open_connection(host, int(port))  # idle: never sends a byte
        assert await asyncio.wait_for(reader.read(), 30) == b""
        writer.close()
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: a\r\n")
        closed = False
        for i in range(300):  # one more header line every 0.1 s: never a complete request
            try:
                writer.write(b"X-%d: 1\r\n" % i)
                await writer.drain()
                closed = await asyncio.wait_for(reader.read(1), 0.1) == b""
            except TimeoutError:
                continue
            except ConnectionError:
                closed = True
            if closed:
                break
        assert closed, "a client dribbling its headers kept the connection for 30 s"
        writer.close()
    finally:
        await runner.cleanup()


def test_production_defaults_time_connections_out():
    from bot.rest import http

    assert 0 < http.KEEPALIVE_TIMEOUT_S <= 60
    assert ApiRunner.__init__.__kwdefaults__["keepalive_timeout"] == http.KEEPALIVE_TIMEOUT_S


@pytest.mark.parametrize(
    ("hosts", "exposed"),
    [
        (["127.0.0.1"], False),
        (["::1", "127.0.0.1"], False),
        (["localhost"], False),
        (["127.0.0.2"], False),
        (["0.0.0.0"], True),
        (["::"], True),
        (["192.0.2.7"], True),
        (["127.0.0.1", "0.0.0.0"], True),
        ([""], True),
    ],
)
def test_a_non_local_bind_logs_one_warning(caplog, hosts, exposed):
    from bot.rest.http import warn_if_exposed

    caplog.set_level(logging.INFO, "morelike.api")
    assert warn_if_exposed(hosts) is exposed
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == int(exposed)
    if exposed:
        assert "no authentication" in warnings[0].getMessage()


# ---------------------------------------------------------------------------------------- HTTP: caching
async def test_get_answers_carry_a_build_etag_and_304_on_a_match(api, engine):
    url = api.base + f"/v1/titles/{HEAT_1995}/similar?k=3"
    async with api.session.get(url) as resp:
        assert resp.status == 200
        etag = resp.headers["ETag"]
        assert etag == f'"{build_etag(engine.build_id)}"' and engine.build_id in etag
        assert resp.headers["Cache-Control"] == "no-cache"
        first = await resp.read()
    async with api.session.get(url, headers={"If-None-Match": etag}) as resp:
        assert resp.status == 304 and await resp.read() == b""
        assert resp.headers["ETag"] == etag
    async with api.session.get(url, headers={"If-None-Match": '"someone-else"'}) as resp:
        assert resp.status == 200 and await resp.read() == first
    async with api.session.head(api.base + "/healthz") as resp:
        assert resp.headers["ETag"] == etag
    async with api.session.get(api.base + "/v1/titles/nope") as resp:  # errors are never cached
        assert resp.status == 404 and "ETag" not in resp.headers and resp.headers["Cache-Control"] == "no-store"
    async with api.session.get(api.base + "/v1/titles/nope", headers={"If-None-Match": etag}) as resp:
        assert resp.status == 404  # RFC 9110: a precondition never hides an error
    async with api.session.get(api.base + "/v2/nothing", headers={"If-None-Match": "*"}) as resp:
        assert resp.status == 404
    async with api.session.get(url, headers={"If-None-Match": "*"}) as resp:
        assert resp.status == 304


# ----------------------------------------------------------------------------- parameters: strict forms
@pytest.mark.parametrize(
    ("path", "query", "parameter", "words"),
    [
        (f"/v1/titles/{NYSM}/similar", "language=english", "language", "English is 'en'"),
        (f"/v1/titles/{NYSM}/similar", "language=xx", "language", "ISO 639-1"),
        (f"/v1/titles/{NYSM}/similar", "language=eng", "language", "ISO 639-1"),
        (f"/v1/titles/{NYSM}/similar", "k=1_0", "k", "plain digits"),
        (f"/v1/titles/{NYSM}/similar", "k=%D9%A5", "k", "plain digits"),  # Arabic-Indic five
        (f"/v1/titles/{NYSM}/similar", "k=%2B5", "k", "plain digits"),  # +5
        (f"/v1/titles/{NYSM}/similar", "k=5.0", "k", "plain digits"),
        (f"/v1/titles/{NYSM}/similar", "page=1e2", "page", "plain digits"),
        (f"/v1/titles/{NYSM}/similar", "page=1000", "page", "at most 999"),
        (f"/v1/titles/{NYSM}/similar", "page=" + "9" * 40, "page", "plain digits"),
        (f"/v1/titles/{NYSM}/similar", "rating_min=%D9%A5", "rating_min", "plain digits"),
        (f"/v1/titles/{NYSM}/similar", "rating_min=1_0", "rating_min", "plain digits"),
        (f"/v1/titles/{NYSM}/similar", "rating_min=inf", "rating_min", "plain digits"),
        (f"/v1/titles/{NYSM}/similar", "runtime_max=100001", "runtime_max", "at most 100000"),
        ("/v1/titles/search", "q=x&limit=%EF%BC%95", "limit", "plain digits"),  # full-width five
        ("/v1/discover", "q=heist&genre=", "genre", "must not be empty"),  # found by schemathesis
        ("/v1/blend", "id=&id=tmdb-movie-949", "id", "must not be empty"),
        ("/healthz", "verbose=1", "verbose", "unknown parameter"),
        ("/openapi.json", "format=yaml", "format", "unknown parameter"),
        ("/v1/genres", "x=1", "x", "unknown parameter"),
    ],
)
async def test_parameters_are_read_strictly(api, path, query, parameter, words):
    status, body = await api.get(f"{path}?{query}")
    assert status == 400
    assert body["error"]["parameter"] == parameter
    assert words in body["error"]["message"]


async def test_language_codes_in_any_case_and_negative_numbers_still_read(api):
    status, body = await api.get(f"/v1/titles/{NYSM}/similar", {"language": "EN", "k": "3"})
    assert status == 200 and {item["title"]["language"] for item in body["items"]} == {"en"}
    status, body = await api.get(f"/v1/titles/{NYSM}/similar", {"page": "-1"})
    assert (status, body["error"]["message"]) == (400, "must be at least 0, got -1")


async def test_blend_takes_ids_that_contain_commas(api):
    comma_id = "wiki-All_This,_and_Heaven_Too"
    status, body = await api.get("/v1/blend", [("id", comma_id), ("id", HEAT_1995), ("k", "2")])
    assert status == 200, body
    assert [t["id"] for t in body["inputs"]] == [comma_id, HEAT_1995]
    status, body = await api.get("/v1/blend", {"id": f"{NYSM},{HEAT_1995}", "k": "2"})
    assert status == 200 and [t["id"] for t in body["inputs"]] == [NYSM, HEAT_1995]
    status, body = await api.get("/v1/blend", [("id", HEAT_1995), ("id", HEAT_1995)])
    assert (status, body["error"]["parameter"]) == (400, "id")


# ------------------------------------------------------------------------ the OpenAPI document, validated
# Every route, its answers of interest (`clear: null`, `query: null`, a blend's `inputs`) and its errors.
EXCHANGES = [
    ("get", "/healthz", [], 200),
    ("get", "/openapi.json", [], 200),
    ("get", "/v1/genres", [], 200),
    ("get", "/v1/titles/search", [("q", "heat")], 200),
    ("get", "/v1/titles/search", [("q", "now you se me"), ("limit", "3")], 200),
    ("get", "/v1/titles/search", [("q", "tt9999999")], 200),
    ("get", "/v1/titles/suggest", [("q", "now you"), ("kind", "movie")], 200),
    ("get", f"/v1/titles/{HEAT_1995}", [], 200),
    ("get", f"/v1/titles/{HEAT_1995}/similar", [("k", "3"), ("boost", "true")], 200),
    ("get", f"/v1/titles/{NYSM}/similar", [("genre", "crime"), ("language", "en"), ("page", "1")], 200),
    ("get", "/v1/discover", [("q", "a heist by stage magicians"), ("kind", "movie")], 200),
    ("get", "/v1/blend", [("id", NYSM), ("id", HEAT_1995), ("k", "2")], 200),
    ("head", "/healthz", [], 200),
    ("head", f"/v1/titles/{HEAT_1995}/similar", [], 200),
    ("get", "/v1/titles/no-such-title", [], 404),
    ("get", "/v1/titles/no-such-title/similar", [], 404),
    ("get", "/v1/titles/search", [], 400),
    ("get", "/v1/titles/search", [("q", " ")], 400),
    ("get", "/v1/discover", [("q", "heist"), ("k", "50"), ("page", "20")], 400),
    ("get", "/v1/discover", [("q", "heist"), ("k", "0")], 400),
    ("get", "/v1/blend", [("id", NYSM)], 400),
    ("get", "/v1/blend", [("id", NYSM), ("id", "nope")], 404),
    ("get", "/healthz", [("x", "1")], 400),
]


@pytest.fixture(scope="module")
def spec(engine):
    from openapi_core import OpenAPI

    from bot.rest.app import openapi_document

    return OpenAPI.from_dict(openapi_document(engine))


def test_the_document_is_valid_openapi_3_1(engine):
    from openapi_spec_validator import OpenAPIV31SpecValidator, validate

    from bot.rest.app import openapi_document

    doc = openapi_document(engine)
    validate(doc, cls=OpenAPIV31SpecValidator)
    assert "nullable" not in json.dumps(doc)  # an OAS 3.0 word, ignored beside $ref: 3.1 says null as a type


@pytest.mark.parametrize(("method", "path", "query", "status"), EXCHANGES, ids=lambda v: str(v)[:40])
async def test_every_answer_matches_the_document(api, spec, method, path, query, status):
    from openapi_core.testing import MockRequest, MockResponse
    from werkzeug.datastructures import ImmutableMultiDict

    async with api.session.request(method, api.base + path, params=query) as resp:
        assert resp.status == status
        data, headers, content_type = await resp.read(), dict(resp.headers), resp.content_type
    request = MockRequest("http://127.0.0.1:8080", method, path, args=ImmutableMultiDict(query))
    if status == 200:
        spec.validate_request(request)  # what the server accepted, the document accepts
    spec.validate_response(request, MockResponse(data, status, headers=headers, content_type=content_type))


def test_the_document_states_what_the_server_enforces(engine):
    from bot.rest.app import openapi_document

    doc = openapi_document(engine)
    similar = {p["name"]: p for p in doc["paths"]["/v1/titles/{id}/similar"]["get"]["parameters"]}
    assert similar["page"]["schema"]["maximum"] == 999 and "(page + 1) * k" in similar["page"]["description"]
    # The rule across page and k, said where a client reads each of them: the description and an extension.
    for route in ("/v1/titles/{id}/similar", "/v1/discover", "/v1/blend"):
        params = {p["name"]: p for p in doc["paths"][route]["get"]["parameters"]}
        for name in ("page", "k"):
            assert "(page + 1) * k is at most 1000" in params[name]["description"], (route, name)
            assert params[name]["x-max-rank"] == {
                "rule": "(page + 1) * k <= 1000",
                "max_rank": 1000,
                "description": "pages reach the first max_rank results; a request past them is a 400 on page",
            }
    # Whitespace alone is refused like nothing at all (test_whitespace_alone_is_refused_and_the_document_says_so).
    blend_id = next(p for p in doc["paths"]["/v1/blend"]["get"]["parameters"] if p["name"] == "id")
    assert blend_id["schema"]["items"]["pattern"] == "\\S"
    assert similar["runtime_max"]["schema"]["maximum"] == 100_000
    assert similar["votes_min"]["schema"]["maximum"] == 10**12
    assert "year_max" in similar["year_min"]["description"]
    assert similar["genre"]["schema"]["items"] == {"$ref": "#/components/schemas/Genre"}
    assert doc["components"]["schemas"]["Genre"]["enum"] == engine.genres()
    assert "fr" in doc["components"]["schemas"]["Language"]["enum"]
    assert "english" not in doc["components"]["schemas"]["Language"]["enum"]
    assert similar["id"]["example"] == HEAT_1995 and similar["id"]["schema"]["minLength"] == 1
    blend_ids = next(p for p in doc["paths"]["/v1/blend"]["get"]["parameters"] if p["name"] == "id")
    assert blend_ids["schema"] | {"items": None} == {
        "type": "array", "items": None, "minItems": 2, "maxItems": 3, "uniqueItems": True
    }  # fmt: skip
    for item in doc["components"]["schemas"].values():
        if item.get("type") == "object" and "properties" in item:
            assert item["additionalProperties"] is False and item["required"], item
    title = doc["components"]["schemas"]["Title"]
    assert set(title["required"]) == set(title["properties"])
    assert title["properties"]["year"]["type"] == ["integer", "null"]


async def test_schemathesis_fuzzes_the_live_server(engine, small_published, tmp_path, monkeypatch):
    """The OpenAPI fuzzer against the real server: no 5xx, and every status, content type, header and body as
    the document says. By hand, against `python -m bot api`:
    schemathesis run http://127.0.0.1:8080/openapi.json --checks all --exclude-checks positive_data_acceptance
    (positive_data_acceptance is left out: the cross-parameter rules the document can only describe, such as
    year_min <= year_max and (page + 1) * k <= 1000, refuse some schema-valid requests, as they should)."""
    import sys

    from tests.fakes.trakt_server import FakeTrakt

    await asyncio.to_thread(engine.discover, "warm the model up", None, 1, 0)  # not timed by the fuzzer
    # trakt_user is read from the fake Trakt (it knows no users: a 404 each), never from the network.
    trakt = FakeTrakt()
    await trakt.start()
    monkeypatch.setenv("TRAKT_CLIENT_ID", trakt.client_id)
    runner, base = await start(create_app(engine, make_config(small_published, trakt={"base_url": trakt.base_url})))
    try:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "schemathesis.cli", "run", f"{base}/openapi.json",
            "--checks", "all", "--exclude-checks", "positive_data_acceptance",
            "--max-examples", "8", "--seed", "7", "--workers", "2", "--request-timeout", "60",
            "--phases", "examples,coverage,fuzzing", "--generation-database", "none",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, cwd=tmp_path,
            env={**os.environ, "NO_COLOR": "1"},
        )  # fmt: skip
        out, _ = await asyncio.wait_for(proc.communicate(), 420)
    finally:
        await runner.cleanup()
        await trakt.stop()
    text = out.decode(errors="replace")
    assert proc.returncode == 0, text[-6000:]
    selected = re.search(r"Selected: (\d+)/(\d+)", text)
    tested = re.search(r"Tested: (\d+)", text)
    assert selected and tested and int(tested[1]) == int(selected[2]) >= 17, text[-3000:]


# ------------------------------------------------------------------------------- the README's examples
def readme_examples(prefix: str) -> list[str]:
    """The lines starting with `prefix` in the README's "REST API and terminal" code block."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme.split("### REST API and terminal", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    return [line.split("  #", 1)[0].strip() for line in block.splitlines() if line.startswith(prefix)]


@pytest.fixture(scope="module")
def bundled_ids() -> set[str]:
    with gzip.open(REPO / "data" / "catalog.jsonl.gz", "rt", encoding="utf-8") as fh:
        return {json.loads(line)["id"] for line in fh}


def curl_request(line: str) -> tuple[str, str, list[tuple[str, str]]]:
    args = shlex.split(line)[1:]
    method = "head" if "-I" in args else "get"
    url = urlsplit("http://" + next(a for a in args if a.startswith("localhost:")))
    return method, url.path, parse_qsl(url.query)


def test_the_readme_shows_every_kind_of_call():
    requests = [curl_request(line) for line in readme_examples("curl ")]
    paths = [path for _, path, _ in requests]
    assert any(p.endswith("/similar") for p in paths) and {"/v1/discover", "/v1/blend"} <= set(paths)
    assert ("head", "/healthz", []) in requests


@pytest.mark.parametrize("line", readme_examples("curl "))
async def test_readme_curl_examples_run(api, bundled_ids, line):
    """Each README call names titles the bundled catalog has, and answers 200 with results on the test index
    (whose catalog is a slice of the bundled one, Heat and Now You See Me included)."""
    method, path, query = curl_request(line)
    named = [v for k, v in query if k == "id"]
    if path.startswith("/v1/titles/") and path.count("/") >= 3 and not path.endswith(("/search", "/suggest")):
        named.append(path.split("/")[3])
    assert set(named) <= bundled_ids, f"{line}: ids not in data/catalog.jsonl.gz"
    async with api.session.request(method, api.base + path, params=query) as resp:
        assert resp.status == 200, line
        if method == "get":
            body = await resp.json()
            if "items" in body:
                assert body["items"], line
            if "candidates" in body:
                assert body["candidates"], line
