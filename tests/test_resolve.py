"""Title resolution and autocomplete over real bundled rows (pure: no index, no model).

The resolver is built from every bundled title whose normalised title shares a word with the cases below, so
each query meets its real same-title siblings and a few thousand real near-misses ("Red Heat", "Body Heat").
"""

from __future__ import annotations

import dataclasses
import gzip
import json
from pathlib import Path

import pytest

from morelike.catalog.normalize import normalize_title
from morelike.catalog.records import parse_record, title_ref
from morelike.engine.resolve import ResolverRow, TitleResolver, parse_reference

CATALOG = Path(__file__).resolve().parents[1] / "data" / "catalog.jsonl.gz"
WORDS = {
    "heat", "thing", "see", "godfather", "amelie", "cinderella", "1917", "blade", "runner", "alone",
    "taxi", "driver", "haine", "dark", "knight", "interstellar", "shawshank", "harry", "potter",
}  # fmt: skip
# Extra rows a Trakt-sourced build would carry; the bundled catalog has no Trakt ids or original titles.
TRAKT_HEAT = "trakt-movie-1102"


def _row(t, key: int) -> ResolverRow:
    return ResolverRow.from_title(t, key)


@pytest.fixture(scope="module")
def rows() -> list[ResolverRow]:
    out: list[ResolverRow] = []
    with gzip.open(CATALOG, "rt", encoding="utf-8") as fh:
        for line in fh:
            obj = json.loads(line)
            if WORDS.isdisjoint(normalize_title(obj["title"]).split()):
                continue
            out.append(_row(parse_record(obj), len(out)))
    amelie = next(r for r in out if r.title == "Amélie")
    out[amelie.key] = dataclasses.replace(amelie, original_title="Le Fabuleux Destin d'Amélie Poulain")
    out.append(
        ResolverRow(
            key=len(out),
            id=TRAKT_HEAT,
            title="Heat",
            original_title=None,
            year=1995,
            kind="movie",
            popularity=1.0,
            imdb_id=None,
            trakt_id=1102,
            trakt_slug="heat-1995-trakt",
            tmdb_id=None,
        )
    )
    return out


@pytest.fixture(scope="module")
def resolver(rows) -> TitleResolver:
    return TitleResolver(rows)


def key_of(rows, title: str, year: int) -> int:
    (match,) = [r.key for r in rows if r.title == title and r.year == year and r.id != TRAKT_HEAT]
    return match


def titles(rows, result) -> list[tuple[str, int | None]]:
    return [(rows[k].title, rows[k].year) for k, _, _ in result.candidates]


def test_typos_find_the_title_and_a_close_one_is_clear(rows, resolver):
    res = resolver.resolve("now you se me")
    assert titles(rows, res)[:2] == [("Now You See Me", 2013), ("Now You See Me 2", 2016)]
    assert res.clear_key == key_of(rows, "Now You See Me", 2013)
    assert res.candidates[0][2] == "fuzzy"
    res = resolver.resolve("godfahter")
    assert titles(rows, res)[0] == ("The Godfather", 1972)
    assert ("The Godfather Part II", 1974) in titles(rows, res)


def test_exact_title_is_clear_and_its_sequel_is_offered_next(rows, resolver):
    res = resolver.resolve("Now You See Me")
    assert res.candidates[0] == (key_of(rows, "Now You See Me", 2013), 100.0, "title")
    assert res.clear_key == key_of(rows, "Now You See Me", 2013)
    assert titles(rows, res)[1] == ("Now You See Me 2", 2016)
    assert res.candidates[1][1] < 100


def test_missing_accents_and_case(rows, resolver):
    res = resolver.resolve("AMELIE")
    assert res.clear_key == key_of(rows, "Amélie", 2001)
    assert res.candidates[0][2] == "title"


def test_partial_titles(rows, resolver):
    assert titles(rows, resolver.resolve("shawshank"))[0] == ("The Shawshank Redemption", 1994)
    assert titles(rows, resolver.resolve("harry potter philosopher"))[0] == (
        "Harry Potter and the Philosopher's Stone",
        2001,
    )


def test_article_dropped_offers_every_same_title_entry_and_is_not_clear(rows, resolver):
    res = resolver.resolve("thing")
    top = titles(rows, res)[:2]
    assert sorted(top) == [("The Thing", 1982), ("The Thing", 2011)]
    assert all(score == 100.0 and m == "title" for _, score, m in res.candidates[:2])
    assert res.clear_key is None


@pytest.mark.parametrize("text", ["The Thing (1982)", "the thing 1982", "thing, 1982"])
def test_year_hint_picks_one_of_the_same_title_set_but_keeps_the_others(rows, resolver, text):
    res = resolver.resolve(text)
    assert res.clear_key == key_of(rows, "The Thing", 1982)
    assert titles(rows, res)[0] == ("The Thing", 1982)
    assert ("The Thing", 2011) in titles(rows, res)


def test_heat_offers_all_three_and_the_year_hint_chooses(rows, resolver):
    heats = {key_of(rows, "Heat", y) for y in (1972, 1986, 1995)}
    res = resolver.resolve("heat")
    assert heats <= {k for k, _, _ in res.candidates}
    assert res.clear_key is None
    res = resolver.resolve("heat 1995")
    assert heats <= {k for k, _, _ in res.candidates}
    # Two rows are "Heat" 1995 (the bundled one and the Trakt one): the year alone cannot choose.
    assert res.clear_key is None
    assert {rows[k].year for k, _, _ in res.candidates[:2]} == {1995}
    res = resolver.resolve("heat 1986")
    assert res.clear_key == key_of(rows, "Heat", 1986)


def test_same_title_set_is_never_cut_by_limit(rows, resolver):
    cinderellas = {r.key for r in rows if r.title == "Cinderella"}
    assert len(cinderellas) >= 10
    res = resolver.resolve("cinderella", limit=3)
    assert {k for k, _, _ in res.candidates} == cinderellas
    assert res.clear_key is None


def test_same_title_same_year_stays_ambiguous(rows, resolver):
    alones = {r.key for r in rows if r.title == "Alone" and r.year == 2020}
    assert len(alones) >= 2
    res = resolver.resolve("Alone (2020)")
    assert alones <= {k for k, _, _ in res.candidates}
    assert res.clear_key is None


def test_titles_that_are_or_end_in_a_year(rows, resolver):
    assert resolver.resolve("1917").clear_key == key_of(rows, "1917", 2019)
    assert resolver.resolve("Blade Runner 2049").clear_key == key_of(rows, "Blade Runner 2049", 2017)
    res = resolver.resolve("blade runner 1982")
    assert res.clear_key == key_of(rows, "Blade Runner", 1982)


def test_original_title(rows, resolver):
    res = resolver.resolve("le fabuleux destin d'amelie poulain")
    assert res.candidates[0][0] == key_of(rows, "Amélie", 2001)
    assert res.candidates[0][2] == "original_title"
    assert res.clear_key == key_of(rows, "Amélie", 2001)


@pytest.mark.parametrize(
    "text",
    [
        "tt0075314",
        "imdb-tt0075314",
        "https://www.imdb.com/title/tt0075314/",
        "imdb.com/title/tt0075314/?ref_=fn_al_tt_1",
        "https://m.imdb.com/title/tt0075314/reviews",
        "https://www.themoviedb.org/movie/103-taxi-driver",
        "tmdb-movie-103",
    ],
)
def test_imdb_and_tmdb_ids_and_urls(rows, resolver, text):
    res = resolver.resolve(text)
    key = key_of(rows, "Taxi Driver", 1976)
    assert res.candidates == [(key, 100.0, "id")]
    assert res.clear_key == key


def test_our_own_ids_and_refs(rows, resolver):
    heat = key_of(rows, "Heat", 1995)
    assert resolver.resolve(rows[heat].id).clear_key == heat
    assert resolver.resolve(rows[heat].id.upper()).clear_key == heat
    assert resolver.resolve(title_ref(rows[heat].id)).clear_key == heat


def test_trakt_ids_slugs_and_urls(rows, resolver):
    trakt_heat = len(rows) - 1
    for text in (
        TRAKT_HEAT,
        "https://trakt.tv/movies/1102",
        "https://trakt.tv/movies/heat-1995-trakt",
        "trakt.tv/movies/heat-1995-trakt/watchers",
    ):
        assert resolver.resolve(text).clear_key == trakt_heat, text
    # An unknown slug is read as Trakt builds slugs: the title, then the year.
    res = resolver.resolve("https://trakt.tv/movies/the-thing-1982")
    assert res.clear_key == key_of(rows, "The Thing", 1982)
    assert resolver.resolve("https://trakt.tv/shows/1102").candidates == []  # show 1102 is another title


@pytest.mark.parametrize("text", ["tt9999999", "https://www.imdb.com/title/tt9999999/", "trakt-movie-424242", ""])
def test_unknown_ids_and_empty_text_give_no_candidates(resolver, text):
    res = resolver.resolve(text)
    assert res.candidates == []
    assert res.clear_key is None


def test_nonsense_gives_no_clear_winner(resolver):
    res = resolver.resolve("qzxv wkpj")
    assert res.clear_key is None
    assert all(score < 85 for _, score, _ in res.candidates)


def test_scores_are_sorted_and_limited(resolver):
    res = resolver.resolve("dark night", limit=4)
    assert len(res.candidates) == 4
    scores = [s for _, s, _ in res.candidates]
    assert scores == sorted(scores, reverse=True)
    assert all(0 <= s <= 100 for s in scores)


def test_suggest_prefix_popularity_order(rows, resolver):
    got = resolver.suggest("now you")
    names = [(rows[k].title, rows[k].year) for k, _ in got]
    assert names[:2] == [("Now You See Me", 2013), ("Now You See Me 2", 2016)]
    scores = [s for _, s in got]
    assert scores == sorted(scores, reverse=True)


def test_suggest_caps_at_25_and_exact_first(rows, resolver):
    got = resolver.suggest("heat")
    assert len(got) == 25
    assert len({k for k, _ in got}) == 25
    heats = {r.key for r in rows if normalize_title(r.title) == "heat"}
    assert {k for k, _ in got[: len(heats)]} == heats
    assert len(resolver.suggest("a", limit=7)) == 7


def test_suggest_article_words_and_typos(rows, resolver):
    names = {rows[k].title for k, _ in resolver.suggest("the th")}
    assert "The Thing" in names
    assert "The Thing" in {rows[k].title for k, _ in resolver.suggest("thin")}
    assert "Taxi Driver" in {rows[k].title for k, _ in resolver.suggest("driv")}  # a later word
    assert "The Godfather" in {rows[k].title for k, _ in resolver.suggest("godfah")}  # a typo


def test_suggest_with_nothing_typed_offers_the_best_known_titles(rows, resolver):
    # Discord asks for choices as soon as the field is focused, with an empty value.
    got = resolver.suggest("")
    assert len(got) == 25 and resolver.suggest("   ") == got
    pops = [rows[k].popularity for k, _ in got]
    assert pops == sorted(pops, reverse=True)
    assert pops[0] == max(r.popularity for r in rows)
    assert all(rows[k].kind == "show" for k, _ in resolver.suggest("", kind="show"))


@pytest.mark.parametrize(
    "text", ["tt0075314", "https://www.imdb.com/title/tt0075314/", "https://www.themoviedb.org/movie/103-taxi-driver"]
)
def test_suggest_offers_the_title_an_id_or_link_names(rows, resolver, text):
    assert resolver.suggest(text) == [(key_of(rows, "Taxi Driver", 1976), 100.0)]


def test_suggest_reads_a_trakt_link_and_a_year_hint(rows, resolver):
    assert resolver.suggest("https://trakt.tv/movies/heat-1995-trakt") == [(len(rows) - 1, 100.0)]
    # An unknown slug is the title and year, as Trakt builds slugs.
    assert rows[resolver.suggest("https://trakt.tv/movies/the-thing-1982")[0][0]].year == 1982
    got = resolver.suggest("heat 1986")
    assert got[0] == (key_of(rows, "Heat", 1986), 100.0)
    assert {key_of(rows, "Heat", y) for y in (1972, 1995)} <= {k for k, _ in got}
    assert rows[resolver.suggest("The Thing (1982)")[0][0]].year == 1982
    assert resolver.suggest("tt9999999") == [] and resolver.suggest("https://www.imdb.com/title/tt9999999/") == []


def test_literal_title_ranks_before_one_that_only_normalises_alike(resolver):
    rows = [
        ResolverRow(0, "x-0", "The Heat", None, 2013, "movie", 900.0, None, None, None, None),
        ResolverRow(1, "x-1", "Heat", None, 1995, "movie", 500.0, None, None, None, None),
        ResolverRow(2, "x-2", "Heat", None, 1986, "movie", 5.0, None, None, None, None),
    ]
    res = TitleResolver(rows).resolve("Heat")
    assert [k for k, _, _ in res.candidates] == [1, 2, 0]  # "The Heat" is more popular but is not what was typed
    assert all(score == 100.0 and m == "title" for _, score, m in res.candidates)


@pytest.mark.parametrize(
    "text, words",
    [
        ("https://www.imdb.com/title/tt1670345/", "the IMDb id tt1670345"),
        ("TT1670345", "the IMDb id tt1670345"),
        ("https://m.imdb.com/name/nm0000134/", "the IMDb page https://m.imdb.com/name/nm0000134/"),
        ("https://trakt.tv/shows/1102", "the Trakt show 1102"),
        ("trakt.tv/movies/heat-1995/watchers", "the Trakt movie heat-1995"),
        ("tmdb-movie-949", "the TMDB movie 949"),
    ],
)
def test_references_are_told_apart_from_titles(text, words):
    assert str(parse_reference(text)) == words


@pytest.mark.parametrize("text", ["Heat", "heat 1995", "AC/DC: Let There Be Rock", "https://example.com/heat", ""])
def test_plain_titles_and_other_links_are_no_reference(text):
    assert parse_reference(text) is None


def test_suggest_kind_filter(rows, resolver):
    shows = resolver.suggest("dark", kind="show")
    assert shows
    assert all(rows[k].kind == "show" for k, _ in shows)
    assert any(rows[k].kind == "movie" for k, _ in resolver.suggest("dark"))
    assert resolver.suggest("dark", kind="both") == resolver.suggest("dark")


def test_empty_catalog_answers_nothing():
    empty = TitleResolver([])
    assert empty.resolve("heat").candidates == []
    assert empty.resolve("tt0075314").candidates == []
    assert empty.suggest("hea") == []


def test_a_popular_sequel_never_outranks_the_exact_title():
    rows = [
        ResolverRow(0, "x-0", "Now You See Me", None, 2013, "movie", 10.0, None, None, None, None),
        ResolverRow(1, "x-1", "Now You See Me 2", None, 2016, "movie", 1e6, None, None, None, None),
    ]
    res = TitleResolver(rows).resolve("Now You See Me")
    assert res.candidates[0] == (0, 100.0, "title") and res.candidates[1][1] < 100


@pytest.fixture(scope="module")
def named(rows) -> tuple[list[ResolverRow], TitleResolver]:
    """The rows with other names (issue 20): Amélie's translated titles, and "Red Heat" given the alias "Heat" (an
    alias that is another film's title)."""
    out = list(rows)
    amelie, red_heat = key_of(rows, "Amélie", 2001), key_of(rows, "Red Heat", 1988)
    names = ("Die fabelhafte Welt der Amélie", "アメリ", "Амели", "AMELIE", "Le Fabuleux Destin d'Amélie Poulain")
    out[amelie] = dataclasses.replace(rows[amelie], aliases=names)  # the last two fold like its title, original title
    out[red_heat] = dataclasses.replace(rows[red_heat], aliases=("Heat",))
    return out, TitleResolver(out)


@pytest.mark.parametrize(
    "text", ["Die fabelhafte Welt der Amélie", "die fabelhafte welt der amelie", "アメリ", "АМЕЛИ"]
)
def test_other_names_find_the_title_in_any_script(named, text):
    rows, resolver = named
    amelie = key_of(rows, "Amélie", 2001)
    res = resolver.resolve(text)
    assert res.candidates[0] == (amelie, 100.0, "alias")
    assert res.clear_key == amelie and res.same_title == (amelie,)


def test_a_typo_in_a_latin_alias_still_finds_the_title(named):
    rows, resolver = named
    res = resolver.resolve("die fabelhafte welt der amelei")
    assert res.candidates[0][0] == key_of(rows, "Amélie", 2001) and res.candidates[0][2] == "fuzzy"
    assert res.clear_key == key_of(rows, "Amélie", 2001)


@pytest.mark.parametrize("typed", ["die fabel", "アメ", "амел", "welt der am"])
def test_autocomplete_offers_the_title_by_its_other_names(named, typed):
    rows, resolver = named
    assert resolver.suggest(typed)[0][0] == key_of(rows, "Amélie", 2001)


def test_a_title_comes_before_another_titles_alias(named):
    """ "Heat" is still the films titled Heat (the one rule of "Which one?"): Red Heat, whose alias is "Heat", is a
    looser match, offered after them; and the year still picks one Heat."""
    rows, resolver = named
    heats = {r.key for r in rows if r.title == "Heat"}
    red_heat = key_of(rows, "Red Heat", 1988)
    res = resolver.resolve("heat")
    assert set(res.same_title) == heats and red_heat not in res.same_title
    assert (red_heat, 100.0, "alias") in res.candidates
    assert [k for k, _, _ in res.candidates].index(red_heat) >= len(heats)
    assert resolver.resolve("heat 1986").clear_key == key_of(rows, "Heat", 1986)
    assert resolver.resolve("Red Heat").clear_key == red_heat
