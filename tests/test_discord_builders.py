"""Pure builders of the Discord face: wording, Discord's limits, the custom_id state codec (no Discord I/O), and
the layout of the Discord app itself (one module per feature, no feature importing another)."""

from __future__ import annotations

import ast
import gzip
import heapq
import json
import re
from pathlib import Path

import discord
import pytest

from bot.discord_app import filters, ids, text
from bot.discord_app.cogs import help, similar, title
from morelike.catalog.records import title_ref
from morelike.engine.types import Candidate, FilterError, Filters, Recommendation, SimilarPage, TitleCard
from morelike.settings import DISCORD_MAX_PAGE_SIZE
from tests.fakes import discord_server as fd

CATALOG = Path(__file__).resolve().parent.parent / "data" / "catalog.jsonl.gz"


def card_from(row: dict, **over) -> TitleCard:
    values = {
        "id": row["id"],
        "ref": title_ref(row["id"]),
        "kind": row.get("kind", "movie"),
        "title": row["title"],
        "original_title": row.get("original_title"),
        "year": row.get("year"),
        "runtime": row.get("runtime"),
        "genres": tuple(row.get("genres") or ()),
        "rating": row.get("rating"),
        "votes": row.get("votes"),
        "language": row.get("language"),
        "country": row.get("country"),
        "overview": row.get("overview"),
        "cast": tuple(row.get("cast") or ()),
        "directors": tuple(row.get("directors") or ()),
        "url": f"https://www.imdb.com/title/{row['imdb_id']}/" if row.get("imdb_id") else None,
        "poster": row.get("poster"),
    }
    values.update(over)
    return TitleCard(**values)


@pytest.fixture(scope="module")
def extreme_cards() -> list[TitleCard]:
    """The bundled catalog's longest overviews and longest titles: the worst cases for the limits."""
    longest_overview: list[tuple[int, str]] = []
    longest_title: list[tuple[int, str]] = []
    with gzip.open(CATALOG, "rt", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            heapq.heappush(longest_overview, (len(row.get("overview") or ""), line))
            heapq.heappush(longest_title, (len(row["title"]), line))
            if len(longest_overview) > 6:
                heapq.heappop(longest_overview)
            if len(longest_title) > 6:
                heapq.heappop(longest_title)
    rows = [json.loads(line) for _, line in longest_overview + longest_title]
    assert max(len(r.get("overview") or "") for r in rows) > 1000 and max(len(r["title"]) for r in rows) > 100
    return [card_from(r) for r in rows]


def simple_card(title="Heat", year=1995, kind="movie", **over) -> TitleCard:
    row = {
        "id": f"imdb-tt{abs(hash((title, year))) % 10**7:07d}",
        "title": title,
        "year": year,
        "kind": kind,
        "genres": ["crime", "drama"],
        "runtime": 170,
        "rating": 8.3,
        "votes": 712345,
        "imdb_id": "tt0113277",
        "overview": "A group of high-end professional thieves start to feel the heat from the LAPD.",
    }
    return card_from(row, **over)


def message_of(content, embed_list, view=None) -> dict:
    return {
        "content": content or "",
        "embeds": [e.to_dict() for e in embed_list],
        "components": view.to_components() if view else [],
    }


# ---- text helpers --------------------------------------------------------------------------------------------


def test_shorten_cuts_at_a_word_boundary_with_an_ellipsis():
    said = "The quick brown fox jumps over the lazy dog."
    assert text.shorten(said, 100) == said
    cut = text.shorten(said, 20)
    assert cut == "The quick brown fox…" and len(cut) <= 20
    assert text.shorten("word " * 3 + "x" * 50, 30).endswith("…")
    assert len(text.shorten("x" * 500, 30)) == 30  # one huge word: cut inside it
    assert text.shorten("a,  b\n\n c", 100) == "a, b c"
    assert text.shorten("line one\nline  two", 100, keep_lines=True) == "line one\nline two"


def test_labels_and_facts():
    card = simple_card()
    assert text.choice_label(card) == "Heat (1995) · Movie"
    assert text.choice_label(simple_card(kind="show", year=None)) == "Heat · Show"
    long = simple_card(title="A " * 80)
    assert len(text.choice_label(long)) <= 100 and text.choice_label(long).endswith("… (1995) · Movie")
    assert len(text.choice_label(long, text.BUTTON_LABEL)) <= 80
    assert text.facts_line(card) == "Movie · 2 h 50 min · ★ 8.3/10 (712.3k votes) · Crime, Drama"
    assert text.runtime_text(45) == "45 min" and text.runtime_text(120) == "2 h" and text.runtime_text(None) is None
    assert text.rating_text(7.0, 1_200_000) == "★ 7.0/10 (1.2M votes)"
    f = Filters(
        kind="show",
        genres=("science-fiction",),
        exclude_genres=("horror",),
        year_min=1990,
        year_max=2000,
        runtime_max=120,
        language="fr",
        rating_min=7.5,
    )
    assert filters.filters_text(f) == (
        "shows only · science fiction · no horror · 1990–2000 · ≤ 120 min · language fr · rated ≥ 7.5"
    )
    assert filters.filters_text(Filters()) == ""


# ---- result pages --------------------------------------------------------------------------------------------


def page_of(cards, *, query=None, page=0, k=5, series=(), has_more=True, why="Shared genres: crime · 47% similar"):
    items = [Recommendation(c, 0.5, why) for c in cards]
    return SimilarPage(
        query=query or simple_card(), items=items, page=page, k=k, has_more=has_more, series=list(series)
    )


def test_result_page_names_the_title_and_shows_each_result():
    query = simple_card()
    cards = [simple_card(title=f"Film {i}", year=2000 + i) for i in range(5)]
    page = page_of(cards, query=query, series=[simple_card(title="Heat 2", year=2030)])
    header = similar.results_header(page, Filters(kind="movie"))
    assert header.startswith("More like [Heat (1995)](https://www.imdb.com/title/tt0113277/) · page 1")
    assert "Filters: movies only" in header
    built = similar.results_embeds(page)
    assert [e.title for e in built] == [f"{i + 1}. Film {i} ({2000 + i})" for i in range(5)] + ["Same series"]
    first = built[0].to_dict()
    assert first["url"] == cards[0].url
    assert first["description"].split("\n") == [
        "Movie · 2 h 50 min · ★ 8.3/10 (712.3k votes) · Crime, Drama",
        cards[0].overview,
        "*Shared genres: crime · 47% similar*",
    ]
    assert "thumbnail" not in first
    with_poster = similar.results_embeds(page_of([simple_card(poster="https://img.example/p.jpg")]))
    assert with_poster[0].to_dict()["thumbnail"]["url"] == "https://img.example/p.jpg"
    assert "thumbnail" not in similar.results_embeds(page_of([simple_card(poster="posters/p.jpg")]))[0].to_dict()
    marked = similar.results_header(page_of(cards, query=simple_card(title="M*A*S*H [TV]", url=None)), Filters())
    assert marked.startswith("More like **M\\*A\\*S\\*H (TV) (1995)**")
    # Later pages number on, and the series is shown once, on the first page.
    later = similar.results_embeds(page_of(cards, page=2, series=[simple_card(title="Heat 2")]))
    assert later[0].title.startswith("11. ") and all(e.title != "Same series" for e in later)


def test_a_page_shows_every_result_it_is_given_and_page_size_is_bounded_by_the_layout():
    cards = [simple_card(title=f"Film {i}", year=2000 + i) for i in range(10)]
    # The largest page the layout holds: every result numbered, plus the series list, in 10 embeds.
    built = similar.results_embeds(page_of(cards[:9], k=9, page=1, series=[]))
    assert [e.title.split(".")[0] for e in built] == [str(n) for n in range(10, 19)]
    full = similar.results_embeds(page_of(cards[:9], k=9, series=[simple_card(title="Heat 2")]))
    assert len(full) == 10 and full[-1].title == "Same series"
    with pytest.raises(ValueError, match="at most 9"):  # never a silent cut that the next page would skip
        similar.results_embeds(page_of(cards, k=10))
    # `[discord] page_size` is validated against the layout when bot.toml is read (tests/test_config.py).
    assert similar.MAX_RESULTS == DISCORD_MAX_PAGE_SIZE == 9


def test_identical_labels_gain_what_tells_the_entries_apart():
    base = {"title": "Cinderella", "year": 2021, "kind": "movie"}
    cards = [
        card_from({**base, "id": "imdb-tt10155932", "runtime": 113}),
        card_from({**base, "id": "imdb-tt8907882", "runtime": 122}),
        card_from({**base, "id": "wiki-Cinderella_(2021_American_film)", "cast": ["screenwriter)", "Camila Cabello"]}),
        card_from({**base, "id": "tmdb-movie-593910"}),
        card_from({**base, "id": "tmdb-movie-1", "title": "Cinderella", "year": 1950}),
    ]
    labels = text.distinct_labels(cards, text.BUTTON_LABEL)
    assert labels == [
        "Cinderella (2021) · Movie · 1 h 53 min",
        "Cinderella (2021) · Movie · 2 h 02 min",
        "Cinderella (2021) · Movie · with Camila Cabello",
        "Cinderella (2021) · Movie",
        "Cinderella (1950) · Movie",
    ]
    twins = [card_from({**base, "id": "imdb-tt1"}), card_from({**base, "id": "imdb-tt2"})]
    assert text.distinct_labels(twins, 80) == [
        "Cinderella (2021) · Movie · entry 1",
        "Cinderella (2021) · Movie · entry 2",
    ]
    long = [card_from({**base, "id": f"tmdb-movie-{i}", "title": "A " * 60, "runtime": 90 + i}) for i in range(2)]
    assert all(len(label) <= 80 for label in text.distinct_labels(long, 80))
    assert text.distinct_labels([], 80) == []


def test_a_long_series_is_listed_whole_in_one_compact_embed():
    """A franchise of 25 films (the James Bond films) was cut at ten; every title now shows, compactly, within
    the series embed's budget and Discord's limits."""
    bond = [
        card_from({"id": f"tmdb-movie-{700 + i}", "title": f"Bond Film Number {i}", "year": 1962 + 2 * i,
                   "imdb_id": f"tt{1000000 + i}"})
        for i in range(25)
    ]  # fmt: skip
    embed = similar.series_embed(bond)
    assert embed.title == "Same series · 25 titles"
    assert all(f"Bond Film Number {i} ({1962 + 2 * i})" in embed.description for i in range(25))
    assert len(embed.description) <= 1000 and text.embed_length(embed) <= 6000
    short = similar.series_embed(bond[:3])  # a short series keeps its linked lines
    assert short.title == "Same series" and short.description.count("\n") == 2
    huge = similar.series_embed(bond * 8)  # 200 titles: the first ones, and how many more
    assert "more" in huge.description and len(huge.description) <= 1000


def test_empty_page_says_so():
    page = page_of([], has_more=False)
    assert "Nothing matches these filters." in similar.results_header(page, Filters(genres=("war",)))
    assert similar.results_embeds(page) == []


def test_limits_hold_with_the_catalogs_longest_overviews_and_titles(extreme_cards):
    for start in range(0, len(extreme_cards), 5):
        cards = extreme_cards[start : start + 5]
        for k in (5, 9):
            page = page_of((cards * 2)[:k], query=cards[0], series=extreme_cards, why="w" * 500)
            content = similar.results_header(page, Filters(genres=("drama",)))
            built = similar.results_embeds(page)
            fd.check_message(message_of(content, built, similar.results_view(cards[0], page, Filters(), ["drama"])))
            assert sum(len(e) for e in built) <= 6000
            for e in built[:-1]:
                assert e.description.split("\n")[1].endswith("…") or len(e.description) < 2000
        card = title.title_embed(cards[0])
        fd.check_message(message_of("", [card], title.card_view(cards[0], similar.more_like_this_button(cards[0]))))


def test_overviews_shrink_to_fit_6000_but_keep_whole_words(extreme_cards):
    long = [c for c in extreme_cards if len(c.overview or "") > 1000][:1] * 9
    page = page_of(long, series=[])
    built = similar.results_embeds(page, overview_limit=4000)
    assert sum(len(e) for e in built) <= 6000 and len(built) == 9
    overview = built[0].description.split("\n")[1]
    assert overview.endswith("…") and long[0].overview.startswith(overview[:-1])


# ---- custom_id state -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "filters",
    [
        Filters(),
        Filters(kind="movie"),
        Filters(
            kind="show",
            genres=("science-fiction",),
            exclude_genres=("documentary",),
            year_min=1900,
            year_max=2030,
            runtime_max=100000,
            language="abcdefgh",
            rating_min=7.5,
        ),
        Filters(rating_min=0.0, year_max=1950),
    ],
)
def test_custom_id_round_trip(filters):
    ref = title_ref("imdb-tt0113277")
    for make, template in (
        (lambda: ids.similar_id(ref, 999, filters), ids.SIMILAR_TEMPLATE),
        (lambda: ids.refine_id(ref, filters), ids.REFINE_TEMPLATE),
        (lambda: ids.pick_id(ref, filters), ids.PICK_TEMPLATE),
        (lambda: ids.pick_select_id(filters), ids.PICK_SELECT_TEMPLATE),
    ):
        custom_id = make()
        assert len(custom_id) <= 100
        match = re.fullmatch(template, custom_id)
        assert match and ids.decode_filters(match["filters"]) == filters
        if "ref" in match.groupdict():
            assert match["ref"] == ref
    assert re.fullmatch(ids.SIMILAR_TEMPLATE, ids.similar_id(ref, 3, filters))["page"] == "3"


def test_the_hide_typed_on_similar_rides_in_the_custom_id_and_older_ids_still_decode():
    ref = title_ref("imdb-tt0113277")
    filters = Filters(kind="show", genres=("science-fiction",), rating_min=7.5)
    for hide in (*ids.HIDE_CODES, None):  # watched, watchlist, nothing; None: the member's default
        for custom_id, template in (
            (ids.similar_id(ref, 3, filters, hide), ids.SIMILAR_TEMPLATE),
            (ids.refine_id(ref, filters, hide), ids.REFINE_TEMPLATE),
            (ids.pick_id(ref, filters, hide), ids.PICK_TEMPLATE),
            (ids.pick_select_id(filters, hide), ids.PICK_SELECT_TEMPLATE),
            (ids.hide_id(ref, 3, filters, hide), ids.HIDE_TEMPLATE),
        ):
            match = re.fullmatch(template, custom_id)
            assert match and ids.decode_filters(match["filters"]) == filters
            assert ids.decode_hide(match["filters"]) == hide
    # A custom_id sent before the hide state existed: the same filters, the member's default.
    old = re.fullmatch(ids.SIMILAR_TEMPLATE, f"ml:sim:{ref}:3:ks,gscience-fiction,r7.5")
    assert ids.decode_filters(old["filters"]) == filters and ids.decode_hide(old["filters"]) is None
    for state in ("hq", "h", "ks,hw,hn"):
        with pytest.raises(ids.StateError):
            ids.decode_hide(state)


def test_bad_state_is_refused_cleanly():
    for state in ("zz", "k", "kq", "a19x", "r11", "a2000,b1990", "gbad genre"):
        with pytest.raises(ids.StateError):
            ids.decode_filters(state)
    with pytest.raises(ids.StateError):
        ids.encode_filters(Filters(genres=("sci:fi",)))
    assert ids.apply_refine(Filters(genres=("war",)), "k:show") == Filters(kind="show", genres=("war",))
    assert ids.apply_refine(Filters(kind="show"), "k:any") == Filters()
    assert ids.apply_refine(Filters(exclude_genres=("war",)), "g:war") == Filters(genres=("war",))
    assert ids.apply_refine(Filters(genres=("war",)), "g:") == Filters()
    with pytest.raises(FilterError):
        Filters(year_min=2000, year_max=1990)


# ---- layouts -------------------------------------------------------------------------------------------------


def test_results_view_buttons_and_refine_options():
    query = simple_card()
    page = page_of([simple_card(title=f"F{i}") for i in range(5)], query=query, page=0, has_more=True)
    genres = [f"genre-{i}" for i in range(40)]
    view = similar.results_view(query, page, Filters(), genres)
    rows = view.to_components()
    fd.check_components(rows)
    prev, nxt = rows[0]["components"]
    assert prev["disabled"] and not nxt["disabled"]
    assert prev["custom_id"] == ids.similar_id(query.ref, 0, Filters())
    assert nxt["custom_id"] == ids.similar_id(query.ref, 1, Filters())
    options = rows[1]["components"][0]["options"]
    values = [o["value"] for o in options]
    assert len(options) == similar.MAX_REFINE_OPTIONS and values[:4] == ["k:movie", "k:show", "g:crime", "g:drama"]
    assert values[4:6] == ["g:genre-0", "g:genre-1"]
    last = similar.results_view(
        query, page_of([], page=3, has_more=False), Filters(kind="movie", genres=("crime",)), genres
    )
    prev, nxt = last.to_components()[0]["components"]
    assert not prev["disabled"] and nxt["disabled"]
    values = [o["value"] for o in last.to_components()[1]["components"][0]["options"]]
    assert "k:movie" not in values and "k:any" in values and "g:" in values and "g:crime" not in values


def test_pick_view_buttons_up_to_five_then_a_select():
    cands = [Candidate(simple_card(title="Cinderella", year=1900 + i), 90.0, "Cinderella") for i in range(30)]
    few = similar.which_one(cands[:5], Filters()).to_components()
    fd.check_components(few)
    assert [c["type"] for c in few[0]["components"]] == [2] * 5
    assert few[0]["components"][0]["label"] == "Cinderella (1900) · Movie"
    many = similar.which_one(cands, Filters(kind="movie")).to_components()
    fd.check_components(many)
    (select,) = many[0]["components"]
    assert select["type"] == 3 and len(select["options"]) == 25
    assert select["options"][0]["value"] == cands[0].card.ref
    assert select["custom_id"] == ids.pick_select_id(Filters(kind="movie"))
    cards_few = title.which_one(cands[:2]).to_components()
    assert [c["custom_id"] for c in cards_few[0]["components"]] == [ids.card_id(c.card.ref) for c in cands[:2]]
    (cards_select,) = title.which_one(cands).to_components()[0]["components"]
    assert cards_select["custom_id"] == ids.CARD_SELECT_ID and len(cards_select["options"]) == 25


PACKAGE = Path(__file__).resolve().parent.parent / "bot" / "discord_app"
COGS = "bot.discord_app.cogs."
SHARED = ("widgets", "text", "filters", "ids", "translator")  # what the features share, beside them


def _typing_only(tree: ast.Module) -> set[int]:
    """The nodes under `if TYPE_CHECKING:` (imports for annotations: they never run)."""
    blocks = [n for n in ast.walk(tree) if isinstance(n, ast.If) and getattr(n.test, "id", None) == "TYPE_CHECKING"]
    return {id(n) for block in blocks for stmt in block.body for n in ast.walk(stmt)}


def discord_app_imports() -> dict[str, list[tuple[str, bool]]]:
    """For each module of bot/discord_app: the bot.discord_app modules it imports when it runs (typing-only imports
    left out), and whether at module level."""
    modules = {
        ".".join(("bot", "discord_app", *path.relative_to(PACKAGE).with_suffix("").parts)).removesuffix(
            ".__init__"
        ): path
        for path in PACKAGE.rglob("*.py")
    }
    out: dict[str, list[tuple[str, bool]]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text())
        top = {id(node) for node in tree.body}
        typing_only = _typing_only(tree)
        found: list[tuple[str, bool]] = []
        for node in ast.walk(tree):
            if id(node) in typing_only:
                continue
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                # `from bot.discord_app import widgets` imports the module bot.discord_app.widgets
                targets = [
                    f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in modules else node.module
                    for a in node.names
                ]
            else:
                continue
            found += [(t, id(node) in top) for t in targets if t in modules and t != name]
        out[name] = found
    return out


def outside_what_features_share(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    """(feature, module) for each import of a feature's that is not one of the shared modules (another feature, the
    client), and (module, feature) for each module outside the features importing one."""
    wrong = [
        (m, t)
        for m in graph
        if m.startswith(COGS)
        for t in graph[m]
        if t.removeprefix("bot.discord_app.") not in SHARED
    ]
    return wrong + [(m, t) for m in graph if not m.startswith(COGS) for t in graph[m] if t.startswith(COGS)]


def test_the_discord_app_is_grouped_by_feature_and_no_feature_imports_another():
    imports = discord_app_imports()
    graph = {m: {t for t, _ in found} for m, found in imports.items()}
    # No import tucked inside a function to dodge a cycle.
    assert [(m, t) for m, found in imports.items() for t, at_top in found if not at_top] == []
    features = sorted(m for m in graph if m.startswith(COGS))
    assert features == [COGS + f for f in ("help", "hidden", "similar", "title", "trakt")]
    # A feature reads in one place: it imports only what the features share, never another feature (discord.py
    # loads each as its own extension; /title reaches /similar's "More like this" through the bot), and nothing
    # imports a feature (the client loads them by name).
    assert outside_what_features_share(graph) == []
    # The shared modules stack one way: ids and text at the bottom, then widgets, then filters.
    shared = {m: {t.removeprefix("bot.discord_app.") for t in graph["bot.discord_app." + m]} for m in SHARED}
    assert shared["ids"] == set() and shared["text"] == {"translator"}
    assert shared["widgets"] <= {"ids", "text", "translator"} and "filters" not in shared["widgets"]
    done: set[str] = set()

    def visit(module: str, path: tuple[str, ...]) -> None:
        assert module not in path, "import cycle: " + " -> ".join((*path, module))
        if module not in done:
            for target in graph[module]:
                visit(target, (*path, module))
            done.add(module)

    for module in graph:
        visit(module, ())


def test_the_feature_check_can_fail():
    graph = {COGS + "title": {COGS + "similar", "bot.discord_app.widgets"}, "bot.discord_app.client": {COGS + "help"}}
    assert outside_what_features_share(graph) == [
        (COGS + "title", COGS + "similar"),
        ("bot.discord_app.client", COGS + "help"),
    ]
    # An import for annotations only is not one: it never runs (how /title names the similar cog's type).
    typing_only = ast.parse(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from bot.discord_app.cogs import x\n"
    )
    assert {type(n) for n in ast.walk(typing_only) if id(n) in _typing_only(typing_only)} >= {ast.ImportFrom}


def test_each_custom_id_format_is_answered_by_one_features_item():
    """Every format a component's custom_id can have is answered by exactly one button or select, registered by
    the feature that sends it; anything else by the client's `UnknownComponent`."""
    from bot.discord_app.cogs import hidden
    from bot.discord_app.widgets import UnknownComponent

    items = [*similar.ITEMS, *title.ITEMS, *hidden.ITEMS]
    assert sorted(item.__discord_ui_compiled_template__.pattern for item in items) == sorted(ids.FORMATS)
    assert UnknownComponent.__discord_ui_compiled_template__.pattern == ids.UNKNOWN_TEMPLATE


def test_no_match_and_help_texts():
    said = text.no_match_text("Heatt", [simple_card()])
    assert said.startswith("No title matches “Heatt”. Did you mean:\n• Heat (1995) · Movie")
    assert "Check the spelling" in text.no_match_text("qq", [])
    assert text.cooldown_text("similar", 12.4) == "Easy there! You can use /similar again in 12 s."
    fd.check_embeds([help.help_embed(5).to_dict()])
    assert isinstance(help.help_embed(5), discord.Embed)
