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
from morelike.engine.rank import FEATURES, Profile, Ranker, RankerError, _top_m, features, prior
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


def test_a_franchise_title_among_the_nearest_stories_stays_in_the_top_20_whatever_the_weights(engine):
    """Rocky lost Creed III and Minions: The Rise of Gru lost Despicable Me (full catalog): family, among plain
    cosine's top 20, but era and cast ranked them past 20. Here a ranker that punishes the family feature stands
    for those weights: "Olaf's Frozen Adventure" (Frozen's family through "frozen", not its series list) still
    holds a place in Frozen's first 20, paged or not, and under a filter it passes."""
    snap = engine.snapshot
    frozen, olaf = _key(engine, "Frozen", 2013), _key(engine, "Olaf's Frozen Adventure", 2017)
    weights = engine.ranker.weights.copy()
    weights[FEATURES.index("family")] = -50.0
    hostile = Engine(engine.config, snap, Ranker(weights=weights))
    cosine = Engine(engine.config, snap, Ranker.cosine_only())
    query, wanted = snap.ids[frozen], snap.ids[olaf]
    assert wanted in [r.card.id for r in cosine.similar(query, k=20, franchise=False).items]  # plain cosine shows it
    page = hostile.similar(query, k=20)
    assert wanted not in [c.id for c in page.series] and wanted in [r.card.id for r in page.items]
    # Without franchise handling there is no family rule: the weights alone decide, and they sink it.
    assert wanted not in [r.card.id for r in hostile.similar(query, k=20, franchise=False).items]
    scores = [r.score for r in hostile.similar(query, k=40).items]
    assert scores == sorted(scores, reverse=True)  # the lifted title takes the score of the one it precedes
    paged = [r.card.id for p in range(4) for r in hostile.similar(query, k=5, page=p).items]
    assert paged == [r.card.id for r in page.items]  # still one ranking, sliced
    genre = Filters(genres=tuple(snap.genres_of(olaf)[:1]))
    assert wanted in [r.card.id for r in hostile.similar(query, genre, k=20).items]


def test_the_why_line_names_what_made_a_title_rank(engine):
    snap = engine.snapshot
    page = engine.similar(snap.ids[_key(engine, "Heat", 1995)], k=10)
    whys = [r.why for r in page.items]
    assert all("% alike" in w for w in whys)
    assert any("Shared: " in w or "shared: " in w for w in whys)  # genres in common, by name


def test_the_fast_prior_is_the_feature_definition_and_keys_are_rows_of_the_whole(engine):
    snap = engine.snapshot
    w = engine.ranker.weights.copy()
    w[[FEATURES.index("content"), FEATURES.index("content_sq")]] = 0.0  # the prior is everything but content
    for title, year in (("Inception", 2010), ("Heat", 1995), ("Toy Story", 1995)):
        profile = Profile.of(snap, [_key(engine, title, year)])
        whole = features(snap, profile, None, None)
        keys = np.arange(0, snap.n, 7)
        assert np.allclose(features(snap, profile, keys, None), whole[keys])
        assert np.allclose(prior(snap, engine.ranker, profile), whole @ w, atol=1e-4)


def test_the_prior_over_a_filters_titles_is_the_whole_catalogs_at_those_titles(engine):
    snap = engine.snapshot
    keys = np.flatnonzero(snap.kinds == 1)  # the shows
    for title, year in (("Inception", 2010), ("Heat", 1995)):
        profile = Profile.of(snap, [_key(engine, title, year)])
        whole = prior(snap, engine.ranker, profile, sink=True)
        assert np.allclose(prior(snap, engine.ranker, profile, sink=True, keys=keys), whole[keys])


@pytest.mark.parametrize("m", [1, 7, 400, 2_999, 3_000])
def test_the_sampled_top_m_is_exactly_the_m_largest_finite_scores(m):
    rng = np.random.default_rng(m)
    scores = rng.normal(size=20_000).astype(np.float32)
    scores[rng.choice(20_000, 17_000, replace=False)] = -np.inf  # a filter: most of the catalog is out
    picked = _top_m(scores, m)
    finite = np.flatnonzero(np.isfinite(scores))
    want = finite[np.argsort(-scores[finite])[:m]]
    assert sorted(picked.tolist()) == sorted(want.tolist())
    # Skewed scores (a few huge, the sample's threshold far too high): still the exact answer.
    skewed = np.zeros(50_000, np.float32)
    skewed[:m] = 100.0 + np.arange(m)
    assert sorted(_top_m(skewed, m).tolist()) == list(range(m))


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


def test_candidate_pool_gives_the_same_top_as_scoring_every_title(engine):
    """The two-stage pool (nearest vectors + best prior) must not lose what scoring the whole catalog finds."""
    snap = engine.snapshot
    everything = Engine(engine.config, snap, Ranker(engine.ranker.weights, pool_content=snap.n, pool_prior=snap.n))
    for key in range(0, snap.n, 40):
        a = [r.card.id for r in engine.similar(snap.ids[key], k=20).items]
        b = [r.card.id for r in everything.similar(snap.ids[key], k=20).items]
        assert a == b, snap.titles[key]


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
def test_filtered_answers_are_the_whole_catalog_ranking_under_the_filter(engine, f):
    snap = engine.snapshot
    everything = Engine(engine.config, snap, Ranker(engine.ranker.weights, pool_content=snap.n, pool_prior=snap.n))
    qid = snap.ids[_key(engine, "Heat", 1995)]
    a = engine.similar(qid, f, k=10)
    b = everything.similar(qid, f, k=10)
    assert [r.card.id for r in a.items] == [r.card.id for r in b.items]
    assert len(a.items) >= 2


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


def test_a_long_series_keeps_its_siblings_past_the_series_list_in_the_main_list(tmp_path):
    """The series list holds MAX_SERIES titles; the other siblings were dropped from the main list as well, so of
    a long franchise the films most like the query were nowhere. Now the list shows the closest ones and the
    rest compete in the main list."""
    from morelike.engine.franchise import MAX_SERIES
    from morelike.engine.snapshot import Snapshot

    rng = np.random.default_rng(8)
    saga = ["Saga"] + [f"Saga {n}" for n in range(2, 13)]  # 12 films: more than one series list holds
    base = rng.standard_normal(24)
    rows = [base + 0.3 * rng.standard_normal(24) for _ in saga] + list(rng.standard_normal((300, 24)))
    vecs = np.asarray(rows, dtype=np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    titles = saga + [f"Other {i} Zx{i}" for i in range(300)]
    snap = Snapshot.synthetic(vecs.astype(np.float16), None, titles=titles)
    eng = Engine(make_config(tmp_path), snap)
    page = eng.similar(snap.ids[0], k=20)
    series = [c.title for c in page.series]
    listed = [r.card.title for r in page.items]
    assert len(series) == MAX_SERIES
    assert set(series) | set(listed) >= set(saga[1:])  # every sibling is somewhere the user sees
    cos = vecs[1:12] @ vecs[0]
    closest = {saga[1 + i] for i in np.argsort(-cos)[:MAX_SERIES]}
    assert set(series) == closest  # of a long series, the list holds the films closest to the query


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


def test_cached_cards_are_plain_tuples_the_cyclic_gc_does_not_walk(engine):
    """A full collection walked every cached card object (milliseconds inside a query, bench/README.md)."""
    import gc

    snap = engine.snapshot
    snap.resolver  # noqa: B018  (its build ends with gc.freeze(): frozen objects are never looked at again)
    for k in range(20):
        snap._cards.pop(k, None)
    snap.cards(list(range(20)))
    gc.collect()  # untracks the inner tuples (genres, cast) ...
    gc.collect()  # ... and then the card's own
    cached = [snap._cards[k] for k in range(20)]
    assert all(type(c) is tuple and not gc.is_tracked(c) for c in cached)
    assert snap.cards([3])[0] == snap.cards([3])[0] and snap.cards([3])[0].id == snap.ids[3]
