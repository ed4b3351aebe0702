"""The ranking (morelike/engine/rank.py) and the text it ranks, on the small real index: the behaviours the quality
benchmark measured and that could regress."""

from __future__ import annotations

import json

import numpy as np
import pytest

from morelike.catalog.documents import document_text, story_chars, story_names, synopsis
from morelike.catalog.records import parse_record
from morelike.engine import Engine, EngineError, Filters
from morelike.engine.explain import Explainer
from morelike.engine.rank import FEATURES, Profile, Ranker, RankerError, candidates, features, well_known
from tests.conftest import make_config


@pytest.fixture(scope="module")
def engine(small_published):
    return Engine.open(make_config(small_published))


def _key(engine, title, year):
    snap = engine.snapshot
    return next(k for k in range(snap.n) if snap.titles[k] == title and int(snap.years[k]) == year)


def _wiki(overview, title="Nobody's Fool", **extra):
    return parse_record(
        {"id": "wiki-x", "kind": "movie", "title": title, "year": 1936, "overview": overview,
         "genres": ["comedy"], "sources": ["wikipedia"], **extra}
    )  # fmt: skip


# -- the text -------------------------------------------------------------------------------------------------
def test_story_recipe_drops_the_wikipedia_lead_but_keeps_its_descriptor():
    t = _wiki(
        "Nobody's Fool is a 1936 American comedy film directed by Arthur Greville Collins and written by Ralph Block. "
        "A naive country boy goes to New York City where he gets mixed up with real estate swindlers. "
        "It stars Edward Everett Horton and Glenda Farrell."
    )
    text = document_text(t, "story")
    assert text.startswith("A comedy film. A naive country boy goes to New York City")
    assert "Nobody" not in text and "directed" not in text and "1936" not in text and "It stars" not in text
    assert text.endswith("Genres: comedy.")


def test_a_lead_ends_at_its_sentence_not_at_an_initial():
    """ "directed by D.W. Griffith" ended the lead at "D.", and the credits after it were left as the story."""
    t = _wiki(
        "No Living Witness is a 1932 American crime film directed by Albert H. Kelley and starring J. Carrol Naish, "
        "Ferike Boros and Alan Hale Sr. A gang of swindlers sells fake insurance to the widows of a mining town.",
        "No Living Witness",
    )
    assert synopsis(t) == "A crime film. A gang of swindlers sells fake insurance to the widows of a mining town."
    assert story_names([t]) == [""]  # no actor is left to pass for a character


def test_a_lead_with_nothing_after_it_is_no_story():
    t = _wiki("Are You a Failure? is a 1923 American silent comedy film directed by Tom Forman.", "Are You a Failure?")
    assert synopsis(t) == "A silent comedy film."
    assert story_chars(t) == 0


def test_overviews_from_other_sources_are_kept_whole_and_the_title_left_out():
    t = parse_record({"id": "jw-1", "kind": "movie", "title": "Heat", "year": 1995, "genres": ["crime"],
                      "overview": "A group of high-end professional thieves start to feel the heat from the LAPD.",
                      "sources": ["justwatch-netflix"]})  # fmt: skip
    assert document_text(t, "story") == (
        "A group of high-end professional thieves start to feel the heat from the LAPD. Genres: crime."
    )
    assert document_text(t, "flixrec").startswith("Heat: A group")  # FlixRec's recipe, byte for byte
    assert story_chars(t) > 0


def test_a_title_with_neither_story_nor_genres_still_has_a_text():
    t = parse_record({"id": "wiki-y", "kind": "movie", "title": "Lost Reel", "year": 1915, "sources": ["wikipedia"]})
    assert document_text(t, "story") == "Lost Reel"


def _told(title, overview, cast=(), directors=(), tid=None):
    return parse_record({"id": tid or f"jw-{title}", "kind": "movie", "title": title, "year": 2000,
                         "overview": overview, "cast": list(cast), "directors": list(directors),
                         "sources": ["justwatch-netflix"]})  # fmt: skip


def test_story_names_are_the_characters_a_synopsis_names_not_its_credits_or_common_words():
    """The names that tie 'Pitch Black' to 'Riddick': a character's name, possessive or not. Not a sentence's first
    word, not the title's own cast, not a name after "directed by", not a word most synopses write lowercase
    ("Minions" is a common word too), nor the surname of more credited people than synopses that use it."""
    titles = [
        _told(
            "Pitch Black",
            "Stranded on a desert planet, the convict Riddick hunts with the survivors.",
            cast=["Vin Diesel"],
        ),
        _told(
            "Riddick",
            "Left for dead, Riddick's fight for survival begins. Vin Diesel returns, directed by David Twohy.",
            cast=["Vin Diesel"],
            directors=["David Twohy"],
        ),
        _told("Minions", "Evil henchmen, the Minions look for a master."),
        _told("Henchmen", "A villain and his minions plot. The minions fail, the minions sing."),
        _told("Old Film", "A widow meets Byington at the fair.", cast=["Spring Byington"]),
        _told("Older Film", "A banker and Byington's aunt.", cast=["Mary Byington"]),
        _told("Oldest Film", "A clerk, with Spring Byington, at sea.", cast=["Jane Byington"]),
        _told("Baker Street", "Once more Arthur Conan Doyle's detective Sherlock takes a case."),
    ]
    names = dict(zip([t.title for t in titles], story_names(titles), strict=True))
    assert names["Pitch Black"] == "Riddick"  # "Stranded" opens the sentence: no name
    assert names["Riddick"] == "Riddick"  # possessive stripped; "Vin Diesel" is its cast, "David Twohy" credited
    assert names["Minions"] == ""  # written lowercase in more synopses than capitalised
    assert names["Old Film"] == names["Older Film"] == ""  # an actor's surname: more credits than synopses
    assert names["Baker Street"] == "Sherlock"  # a run of three names is an author ("Conan" is no character here)


def test_story_names_read_unicode_letters_and_drop_a_whole_credit_list():
    """Two defects that tied unrelated films into one family: "Skarsgård" was read as a name "Skarsg" (ASCII
    letters), which no credit matched ("John Wick: Chapter 4" and "Dune: Part Two" shared it); and only the first
    name after "produced by" was dropped, so a producer further down the list ("Douglas Wick") became a character
    that tied "Insurgent" to "John Wick"."""
    titles = [
        _told("Chapter Four", "The assassin faces the Marquis, played by a cold Skarsgård, and the man Caine.",
              cast=["Keanu Reeves", "Bill Skarsgård"]),
        _told("Part Two", "The desert war goes on while the emperor and Baron Harkonnen plot; Skarsgård rules.",
              cast=["Timothée Chalamet", "Stellan Skarsgård"]),
        _told("Sequel", "It was produced by Lucy Fisher, Pouya Shabazian and Douglas Wick, with a screenplay "
              "by Brian Duffield, Akiva Goldsman and Mark Bomback. The rebel Tris runs beside Amélie."),
        _told("Wick", "The retired hitman Wick wants revenge, and Amélie helps."),
    ]  # fmt: skip
    names = dict(zip([t.title for t in titles], story_names(titles), strict=True))
    assert names["Chapter Four"] == "Caine Marquis"  # not "Skarsg": the cast's Skarsgård, whole
    assert names["Part Two"] == "Baron Harkonnen"
    assert names["Sequel"] == "Amélie Tris"  # no producer or writer of the lists after "by"
    assert names["Wick"] == "Amélie Wick"


def test_a_shared_character_makes_a_family_a_feature_of_its_own_beside_the_named_series(engine):
    """'The Empire Strikes Back' shares no title word with 'Star Wars' but Skywalker, Leia and Han: it is the
    query's family (`family`), not its named series (`series`, as 'Toy Story 2' is Toy Story's), and it answers."""
    snap = engine.snapshot
    star_wars, empire = _key(engine, "Star Wars", 1977), _key(engine, "The Empire Strikes Back", 1980)
    toy, toy2 = _key(engine, "Toy Story", 1995), _key(engine, "Toy Story 2", 1999)
    assert "Skywalker" in snap.story_names[star_wars].split() and "Skywalker" in snap.story_names[empire].split()
    row = features(snap, Profile.of(snap, [star_wars]), np.asarray([empire]), None)[0]
    assert (row[FEATURES.index("family")], row[FEATURES.index("series")]) == (1.0, 0.0)
    row = features(snap, Profile.of(snap, [toy]), np.asarray([toy2]), None)[0]
    assert (row[FEATURES.index("family")], row[FEATURES.index("series")]) == (0.0, 1.0)
    page = engine.similar(snap.ids[star_wars], k=10)
    assert snap.ids[empire] in [c.id for c in page.series] + [r.card.id for r in page.items]
    # The why line claims "same series" only for the named series; a family link says less.
    assert "same franchise" in Explainer(snap, [star_wars]).why(empire, 0.5, {"series": 1.0})
    assert "same series" in Explainer(snap, [toy]).why(toy2, 0.5, {"series": 1.0})


# -- the ranking ----------------------------------------------------------------------------------------------
def test_pages_are_consecutive_slices_of_one_ranking(engine):
    """Deep pages repeated and skipped titles (issue: "Hard Tide" was #95 and #96)."""
    snap = engine.snapshot
    for title, year in (("Now You See Me", 2013), ("Inception", 2010), ("Toy Story", 1995), ("Heat", 1995)):
        qid = snap.ids[_key(engine, title, year)]
        whole = [r.card.id for r in engine.similar(qid, k=50).items]
        paged = []
        for page in range(10):
            paged += [r.card.id for r in engine.similar(qid, k=5, page=page).items]
        assert paged == whole
        assert len(set(paged)) == len(paged)


def test_no_title_without_a_story_answers_a_title_that_has_one(engine):
    snap = engine.snapshot
    assert not snap.story.all(), "the small catalog must hold synopsis-less rows for this test to mean anything"
    for key in np.flatnonzero(snap.story)[::10].tolist():
        page = engine.similar(snap.ids[key], k=10)
        assert all(snap.story[snap.key_of(r.card.id)] for r in page.items), snap.titles[key]


def test_series_list_and_top_20_hold_every_sibling_plain_cosine_finds(engine):
    snap = engine.snapshot
    cosine = Engine(engine.config, snap, Ranker.cosine_only())
    for title, year in (("Toy Story", 1995), ("Now You See Me", 2013), ("The Godfather", 1972)):
        qk = _key(engine, title, year)
        stem = title.split()[-1] if title != "Now You See Me" else "Now You See"
        siblings = {k for k in range(snap.n) if stem in snap.titles[k] and k != qk}
        plain = {snap.key_of(r.card.id) for r in cosine.similar(snap.ids[qk], k=20, franchise=False).items}
        page = engine.similar(snap.ids[qk], k=20)
        union = {snap.key_of(c.id) for c in page.series} | {snap.key_of(r.card.id) for r in page.items}
        assert (plain & siblings) <= union, title


def test_a_franchise_title_among_the_nearest_stories_is_in_the_series_list_whatever_the_weights(engine):
    """Rocky lost Creed III and Minions: The Rise of Gru lost Despicable Me (full catalog): family, among plain
    cosine's top 20, but era and cast ranked them past 20; and The Matrix Reloaded sat in the main list while
    Revolutions was in the series list. A family title among the query's 20 nearest stories now joins the series
    list, whatever the weights (a ranker that punishes the family feature stands for them): "Godzilla" (1998) for
    "Godzilla" (2014), and never the main list, on any page or under a filter."""
    snap = engine.snapshot
    query_key, wanted_key = _key(engine, "Godzilla", 2014), _key(engine, "Godzilla", 1998)
    weights = engine.ranker.weights.copy()
    weights[FEATURES.index("family")] = -50.0
    hostile = Engine(engine.config, snap, Ranker(weights=weights))
    cosine = Engine(engine.config, snap, Ranker.cosine_only())
    query, wanted = snap.ids[query_key], snap.ids[wanted_key]
    from morelike.engine.franchise import siblings

    assert wanted_key in snap.kin_keys(query_key) and wanted_key not in siblings(snap, query_key)  # family only
    assert wanted in [r.card.id for r in cosine.similar(query, k=20, franchise=False).items]  # plain cosine shows it
    for eng in (engine, hostile):
        page = eng.similar(query, k=20)
        assert wanted in [c.id for c in page.series]
        assert wanted not in [r.card.id for p in range(3) for r in eng.similar(query, k=10, page=p).items]
    # Without franchise handling there is no family rule: the weights alone decide, and they sink it.
    assert wanted not in [r.card.id for r in hostile.similar(query, k=20, franchise=False).items]


def test_the_why_line_names_what_made_a_title_rank(engine):
    snap = engine.snapshot
    page = engine.similar(snap.ids[_key(engine, "Heat", 1995)], k=10)
    whys = [r.why for r in page.items]
    assert all("% alike" in w for w in whys)
    assert any("Shared: " in w or "shared: " in w for w in whys)  # genres in common, by name


def test_stored_nearest_titles_give_the_same_answers_as_the_hnsw_walk(engine):
    """The build's neighbours.npy stands in for the per-query walk over the index; the answers must not change."""
    snap = engine.snapshot
    assert snap.neighbours is not None
    walk = Engine(engine.config, snap, engine.ranker)
    stored, snap.neighbours = snap.neighbours, None
    try:
        expected = {key: [r.card.id for r in walk.similar(snap.ids[key], k=10).items] for key in range(0, snap.n, 37)}
    finally:
        snap.neighbours = stored
    for key, ids in expected.items():
        assert [r.card.id for r in engine.similar(snap.ids[key], k=10).items] == ids, snap.titles[key]


def test_every_answer_comes_from_the_nearest_stories(engine):
    """Candidates are the nearest stories (of all titles, and of the well-known ones), never the best titles by
    era, people or popularity from anywhere in the catalog: those re-order what the story found (issue 19)."""
    snap = engine.snapshot
    ranker = engine.ranker
    vecs = np.asarray(snap.vectors, dtype=np.float32)
    known = well_known(snap)
    for key in range(0, snap.n, 23):
        cos = vecs @ vecs[key]
        cos[snap.same_work(key)] = -np.inf
        allowed = set(np.argsort(-cos)[: ranker.pool_content + ranker.pool_known].tolist())
        allowed |= set(known[np.argsort(-cos[known])[: ranker.pool_known]].tolist())
        if snap.free_text is not None:  # the second reading of the story: its nearest well-known titles
            text = np.asarray(snap.free_text.vectors, dtype=np.float32)
            by_text = text[known] @ text[key]
            by_text[np.isin(known, snap.same_work(key))] = -np.inf
            allowed |= set(known[np.argsort(-by_text)[: ranker.pool_text]].tolist())
        page = engine.similar(snap.ids[key], k=20)
        assert {snap.key_of(r.card.id) for r in page.items} <= allowed, snap.titles[key]


def test_the_free_text_reading_of_a_story_is_a_feature_and_brings_candidates(engine):
    """The build's free-text space reads each story a second time (another teacher, issue 20): its cosine is the
    `content_text` feature, and its nearest well-known titles join the pool (issue 19)."""
    snap = engine.snapshot
    assert snap.free_text is not None  # the small build has the default free-text space
    text = np.asarray(snap.free_text.vectors, dtype=np.float32)
    key = next(k for k in range(snap.n) if snap.titles[k] == "Heat" and int(snap.years[k]) == 1995)
    keys = np.arange(snap.n)
    row = features(snap, Profile.of(snap, [key]), keys, None)[:, FEATURES.index("content_text")]
    q = text[key] / np.linalg.norm(text[key])
    np.testing.assert_allclose(row, text @ q, atol=1e-5)
    # A pool of one story neighbour and one known title, plus the five nearest known titles in the free-text space.
    ranker = Ranker(weights=engine.ranker.weights, pool_content=1, pool_known=1, pool_text=5)
    excluded = np.asarray([key], dtype=np.int64)
    got, _ = candidates(snap, ranker, snap.vector(key), None, excluded, snap.n - 1, None, (key,))
    known = well_known(snap)
    known = known[known != key]
    want = known[np.argsort(-(text[known] @ q))[:5]]
    assert set(want.tolist()) <= set(got.tolist())
    assert len(got) <= 2 + 5
    without, _ = candidates(snap, ranker, snap.vector(key), None, excluded, snap.n - 1, None, ())
    assert len(without) <= 2


def test_one_reading_of_the_story_ranks_with_its_own_fit(engine, tmp_path):
    """The weights fitted with both readings of the story lean on the second one (content_text): a description (one
    reading, the free-text space) and a build without that space rank with the fit of one reading, shipped beside
    them; a weights file without it still loads, with its one set of weights."""
    shipped = Ranker.load()
    assert shipped.one_reading is not None
    ct = FEATURES.index("content_text")
    assert shipped.one_reading[ct] == 0.0 and shipped.weights[ct] > 0
    free = shipped.for_free_text()
    assert free.weights[FEATURES.index("content")] == shipped.one_reading[FEATURES.index("content")]
    assert free.weights[ct] == 0.0 and free.weights[FEATURES.index("genres")] == 0.0
    assert shipped.weights_for(engine.snapshot) is shipped.weights  # the small build has the free-text space
    assert shipped.weights_for(engine.snapshot.free_text_view()) is shipped.one_reading
    again = tmp_path / "w.json"
    again.write_text(json.dumps(shipped.to_json()))
    np.testing.assert_array_equal(Ranker.load(again).one_reading, shipped.one_reading)
    older = shipped.to_json()
    del older["one_reading_weights"]
    again.write_text(json.dumps(older))
    assert Ranker.load(again).one_reading is None
    assert Ranker.load(again).weights_for(engine.snapshot.free_text_view()) is not None


def test_a_story_far_title_never_outranks_a_story_near_one_on_people_alone(tmp_path):
    """ "Now You See Me" answered with other Morgan Freeman films: the same director, the same leads and the same
    year brought in stories unlike the query's. People re-order titles whose stories are alike; they bring in
    none."""
    from morelike.engine.snapshot import Snapshot

    rng = np.random.default_rng(11)
    n, dim = 400, 24
    story = rng.standard_normal(dim)
    vecs = rng.standard_normal((n, dim)).astype(np.float32)
    vecs[:6] = story + 0.35 * rng.standard_normal((6, dim))  # the query (0) and five close stories
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    vecs[300:] -= np.outer(vecs[300:] @ vecs[0], vecs[0])  # 100 stories unlike the query's (cosine 0) ...
    vecs[300:] += 0.1 * vecs[0]  # ... or nearly: still far outside its nearest stories
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    stars = ["Morgan Freeman", "Isla Fisher", "Mark Ruffalo"]
    cast = [stars if k == 0 or k >= 300 else [f"Actor {k}"] for k in range(n)]  # 100 far titles share all leads
    directors = [["Louis Leterrier"] if k == 0 or k >= 300 else [] for k in range(n)]
    years = np.full(n, 2013, np.int16)
    votes = np.full(n, 5_000, np.int64)
    titles = [f"Story {k} Qx{k}" for k in range(n)]  # unrelated titles: no title makes a series here
    snap = Snapshot.synthetic(
        vecs.astype(np.float16), None, titles=titles, years=years, votes=votes, cast=cast, directors=directors
    )
    eng = Engine(make_config(tmp_path), snap)
    for boost in (False, True):
        shown = [snap.key_of(r.card.id) for r in eng.similar(snap.ids[0], k=10, boost=boost).items]
        near = [shown.index(k) for k in range(1, 6)]
        far = [i for i, k in enumerate(shown) if k >= 300]
        assert max(near) < min(far, default=len(shown)), (boost, shown)


def test_shipped_weights_cover_every_feature_and_a_broken_file_is_one_sentence(tmp_path):
    ranker = Ranker.load()
    assert len(ranker.weights) == len(FEATURES) and np.isfinite(ranker.weights).all()
    assert ranker.weights[FEATURES.index("content")] > 0
    bad = tmp_path / "w.json"
    bad.write_text(json.dumps({"weights": {"content": 1.0}}))
    with pytest.raises(RankerError, match="lacks weights for content_sq"):
        Ranker.load(bad)
    bad.write_text("{not json")
    with pytest.raises(RankerError, match="cannot be read"):
        Ranker.load(bad)


def test_an_index_built_with_another_text_recipe_is_refused(small_published):
    with pytest.raises(EngineError, match=r"text recipe 'story' but bot\.toml sets 'flixrec'"):
        Engine.open(make_config(small_published, model={"text_recipe": "flixrec"}))


@pytest.mark.parametrize(
    "f",
    [Filters(kind="show"), Filters(genres=("crime",)), Filters(year_min=1980, year_max=1999), Filters(language="fr")],
    ids=lambda f: repr(f)[8:50],
)
def test_filtered_answers_pass_the_filter_and_fill_the_page(engine, f):
    """Under a filter the pool is the nearest stories that pass it (the stored neighbours that pass, and the
    well-known titles that pass): the page is full and every answer passes."""
    from morelike.engine.search import filter_mask

    snap = engine.snapshot
    qid = snap.ids[_key(engine, "Heat", 1995)]
    page = engine.similar(qid, f, k=10)
    mask = filter_mask(snap, f)
    passing = int(np.count_nonzero(mask & snap.story)) - int(mask[_key(engine, "Heat", 1995)])
    assert len(page.items) == min(10, passing)
    assert all(mask[snap.key_of(r.card.id)] for r in page.items)


def test_deep_pages_are_one_ranking_on_an_index_big_enough_for_hnsw(tmp_path):
    """The defect as it was seen on the full catalog: each page asked the HNSW walk for a different number of
    results, so page 19 and page 20 could both hold "Hard Tide". A synthetic 20k-title index takes that path."""
    from usearch.index import Index

    from morelike.engine.snapshot import Snapshot

    rng = np.random.default_rng(3)
    n, dim = 20_000, 64
    vecs = rng.standard_normal((n, dim)).astype(np.float32)  # no clusters: hard for a graph walk, like real text
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    index = Index(ndim=dim, metric="cos", dtype="f16", connectivity=4, expansion_add=16)  # a sparse graph
    index.add(np.arange(n, dtype=np.uint64), vecs)
    snap = Snapshot.synthetic(vecs.astype(np.float16), index)
    eng = Engine(make_config(tmp_path), snap)
    for q in rng.choice(n, 3, replace=False).tolist():
        whole = []  # past the HNSW walk's minimum breadth (300), where each page's walk differed
        for page in range(8):
            whole += [r.card.id for r in eng.similar(snap.ids[q], k=50, page=page, franchise=False).items]
        paged = []
        for page in range(80):
            paged += [r.card.id for r in eng.similar(snap.ids[q], k=5, page=page, franchise=False).items]
        assert paged == whole
        assert len(set(paged)) == len(paged) == 400


def test_a_long_series_is_listed_whole_and_never_split_into_the_main_list(tmp_path):
    """The series list held ten titles and the other siblings competed in the main list, so one franchise was
    split between the two lists ("The Matrix Reloaded" ranked while "Revolutions" was in the series list; the
    Fast & Furious films likewise). Now the series list holds every sibling, oldest first, and none is in the
    main list, on any page."""
    from morelike.engine.snapshot import Snapshot

    rng = np.random.default_rng(8)
    saga = ["Saga"] + [f"Saga {n}" for n in range(2, 13)]  # 12 films: more than the old list's ten
    base = rng.standard_normal(24)
    rows = [base + 0.3 * rng.standard_normal(24) for _ in saga] + list(rng.standard_normal((300, 24)))
    vecs = np.asarray(rows, dtype=np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    titles = saga + [f"Other {i} Zx{i}" for i in range(300)]
    years = np.asarray([1990 + i for i in range(len(saga))] + [2000] * 300, dtype=np.int16)
    snap = Snapshot.synthetic(vecs.astype(np.float16), None, titles=titles, years=years)
    eng = Engine(make_config(tmp_path), snap)
    page = eng.similar(snap.ids[3], k=20)
    assert [c.title for c in page.series] == [t for t in saga if t != "Saga 4"]  # whole, oldest first
    for p in range(3):
        listed = {r.card.title for r in eng.similar(snap.ids[3], k=20, page=p).items}
        assert not listed & set(saga)


def test_no_answer_is_the_query_a_duplicate_of_it_or_a_second_row_of_one_work(tmp_path):
    """The catalog lists some works twice ("Titanic" 1997 three times): Titanic's answers held Titanic, and a
    film listed twice filled two places of one page."""
    from morelike.engine.snapshot import Snapshot

    rng = np.random.default_rng(21)
    base = rng.standard_normal(16)
    rows = [base + 0.05 * rng.standard_normal(16) for _ in range(6)] + list(rng.standard_normal((100, 16)))
    vecs = np.asarray(rows, dtype=np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    # rows 0-2: one work listed three times; rows 3-4: another work listed twice; row 5 a distinct near story
    titles = ["Big Ship", "Big Ship", "The Big Ship", "Ice Field", "Ice Field", "Cold Sea"] + [
        f"Zq{i}" for i in range(100)
    ]
    years = np.asarray([1997, 1997, 1997, 1990, 1990, 1991] + [1950] * 100, dtype=np.int16)
    snap = Snapshot.synthetic(vecs.astype(np.float16), None, titles=titles, years=years)
    eng = Engine(make_config(tmp_path), snap)
    for franchise in (True, False):
        page = eng.similar(snap.ids[0], k=10, franchise=franchise)
        shown = [snap.key_of(c.id) for c in page.series] + [snap.key_of(r.card.id) for r in page.items]
        assert not {0, 1, 2} & set(shown)
        assert sum(k in (3, 4) for k in shown) == 1
        assert 5 in shown


def test_a_namesake_as_close_as_the_rest_of_its_genre_is_no_remake(tmp_path):
    """A static model puts most films of a genre near cosine 0.5 of each other, so "The Heat" (2013) was a remake
    of "Heat" (1995) and "Parasite" (1982) of "Parasite" (2019). A remake must be among the query's nearest
    0.5 % as well; a true remake ("The Thing", same story) still is."""
    from morelike.engine.franchise import siblings
    from morelike.engine.snapshot import Snapshot

    rng = np.random.default_rng(4)
    genre = rng.standard_normal(32)
    crowd = [genre + 1.0 * rng.standard_normal(32) for _ in range(1_500)]  # one genre, loosely alike
    story = genre + 1.0 * rng.standard_normal(32)
    heat, namesake = genre + 1.0 * rng.standard_normal(32), genre + 1.0 * rng.standard_normal(32)
    rows = np.asarray([heat, namesake, story, story + 0.1 * rng.standard_normal(32), *crowd], dtype=np.float32)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    titles = ["Heat", "The Heat", "The Thing", "The Thing", *[f"Crowd {i} Qz{i}" for i in range(len(crowd))]]
    years = np.asarray([1995, 2013, 1982, 2011, *[2000] * len(crowd)], dtype=np.int16)
    snap = Snapshot.synthetic(rows.astype(np.float16), None, titles=titles, years=years)
    assert float(rows[0] @ rows[1]) >= 0.5  # as close as the old rule asked…
    assert siblings(snap, 0) == []  # … but no closer than the crowd: a namesake
    assert siblings(snap, 2) == [3]  # the same story told again: a remake


def test_people_in_common_counts_each_shared_director_or_lead_once(engine):
    """The series check's vectorised count against the plain set arithmetic it replaced, over every group."""
    # Private on purpose: siblings() reads this count only through thresholds, so an off-by-one there hides.
    from morelike.engine.franchise import _people_in_common

    snap = engine.snapshot
    checked = 0
    for key in np.flatnonzero(snap.groups >= 0).tolist():
        members = [int(m) for m in snap.group_members.of(int(snap.groups[key])) if m != key]
        people = set(snap.directors.of(key).tolist()) | set(snap.lead_cast(key).tolist())
        want = [len(people & (set(snap.directors.of(m).tolist()) | set(snap.lead_cast(m).tolist()))) for m in members]
        assert _people_in_common(snap, np.asarray(members, dtype=np.int64), people).tolist() == want
        checked += any(want)
    assert checked > 0  # the small catalog has titles sharing people with their group


def test_cached_cards_are_plain_tuples_the_cyclic_gc_does_not_walk(small_published):
    """A full collection walked every cached card object (milliseconds inside a query, bench/README.md)."""
    import gc

    snap = Engine.open(make_config(small_published)).snapshot  # its own: no card cached yet
    snap.resolver  # noqa: B018  (its build ends with gc.freeze(): frozen objects are never looked at again)
    keys = list(range(min(snap.n, 200)))
    gc.collect()
    before = len(gc.get_objects())  # what a full collection walks
    snap.cards(keys)  # the cards themselves are dropped: only the cache keeps them
    gc.collect()  # untracks the inner tuples (genres, cast) ...
    gc.collect()  # ... and then the card's own
    assert len(gc.get_objects()) - before < len(keys) // 4  # not one tracked object per cached card
    assert snap.cards([3])[0] == snap.cards([3])[0] and snap.cards([3])[0].id == snap.ids[3]


def test_the_well_known_pool_is_the_exact_nearest_whatever_the_scan_rounds():
    """The well-known titles are scanned in int8 for speed; the pool must still be their exact nearest, with exact
    cosines. Vectors here have the shape of the real ones (a few principal axes carry most of the length), where a
    scan rounded without per-axis scales, or cut at exactly the pool's size, loses titles at the pool's edge."""
    from morelike.engine.rank import _pool
    from morelike.engine.snapshot import Snapshot

    rng = np.random.default_rng(11)
    n, dim = 6_000, 64
    vecs = rng.standard_normal((n, dim)) * np.geomspace(1.0, 0.02, dim)  # decaying variance, like PCA axes
    vecs = (vecs / np.linalg.norm(vecs, axis=1, keepdims=True)).astype(np.float16)
    snap = Snapshot.synthetic(vecs, None, votes=rng.integers(1, 100_000, n))
    known = well_known(snap)
    assert 1_000 < len(known) < n
    exact = np.asarray(vecs, dtype=np.float32)
    ranker = Ranker(weights=np.zeros(len(FEATURES), np.float32), pool_content=1, pool_known=400, pool_text=0)
    for key in rng.choice(n, 25, replace=False).tolist():
        q = exact[key]
        excluded = np.asarray([key], dtype=np.int64)
        keys, cos, _ = _pool(snap, ranker, q, None, excluded, n - 1, None, ())
        by_known = exact[known] @ q
        by_known[known == key] = -np.inf
        want = set(known[np.argsort(-by_known)[: ranker.pool_known]].tolist())
        assert want <= set(keys.tolist())
        np.testing.assert_allclose(cos, exact[keys] @ q, atol=1e-3)


def test_the_well_known_titles_are_capped_at_the_best_known(monkeypatch):
    """At Trakt's size half of every rating source is 302k titles, scanned on every query: the well-known set keeps
    the KNOWN_MAX best known (by fame, then votes), and a catalog under the cap keeps every title past KNOWN_FAME."""
    from morelike.engine import rank
    from morelike.engine.snapshot import Snapshot

    rng = np.random.default_rng(5)
    n = 2_000
    vecs = rng.standard_normal((n, 16)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    votes = rng.permutation(np.arange(1, n + 1) * 10)
    snap = Snapshot.synthetic(vecs.astype(np.float16), None, votes=votes)
    everyone = np.flatnonzero(snap.fame >= rank.KNOWN_FAME)
    assert len(everyone) > 100
    assert np.array_equal(well_known(snap), everyone)
    monkeypatch.setattr(rank, "KNOWN_MAX", 100)
    capped = well_known(snap)
    assert len(capped) == 100 and np.all(np.diff(capped) > 0)
    assert set(capped.tolist()) == set(np.argsort(-votes)[:100].tolist())
