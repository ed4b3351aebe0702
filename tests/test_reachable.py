"""Every published title is reachable: an HNSW search of its own vector finds it.

Hundreds of titles can share one vector (synopsis-less rows whose text is only their genres). usearch never prunes
identical vectors from each other's neighbour lists, so such a group linked only to itself and the searches lost
them, and unrelated titles with them: 1,298 of the bundled catalog's 56,995 titles could never be found.
"""

import json
import logging

import numpy as np

from morelike.build import writer
from morelike.build.reader import open_published
from morelike.catalog.records import parse_record
from morelike.engine.search import top_k
from morelike.engine.snapshot import Snapshot
from tests.conftest import publish_test_build

GROUPS = (600, 300, 40, 5)  # titles sharing one vector, beside 2,000 titles with a vector of their own


def _catalog(seed: int = 1, randoms: int = 2_000, dim: int = 64):
    rng = np.random.default_rng(seed)
    base = rng.normal(size=(randoms + len(GROUPS), dim)).astype(np.float32)
    base /= np.linalg.norm(base, axis=1, keepdims=True)
    parts = [base[:randoms]] + [np.repeat(base[randoms + i][None], size, axis=0) for i, size in enumerate(GROUPS)]
    vectors = np.concatenate(parts)[rng.permutation(randoms + sum(GROUPS))]
    titles = [
        parse_record({"id": f"r-{i:05d}", "kind": "movie", "title": f"Title {i}", "year": 2000})
        for i in range(len(vectors))
    ]
    return titles, vectors


def _self_search_misses(pub) -> np.ndarray:
    """The titles a search of their own published vector does not return: 10 results wide, one more per other title
    with the same vector (each takes a place), as broad as the build's expansion_search (what a reader uses)."""
    vectors = np.asarray(pub.vectors)
    _, first, group, sizes = np.unique(vectors, axis=0, return_index=True, return_inverse=True, return_counts=True)
    group = group.ravel()
    breadth = pub.manifest["index"]["expansion_search"]
    missed = []
    for k in np.unique(10 + sizes - 1):
        ids = np.flatnonzero(10 + sizes - 1 == k)
        pub.index.expansion_search = max(breadth, int(k))
        found = pub.index.search(vectors[first[ids]].astype(np.float32), int(k))
        keys = np.asarray(found.keys).reshape(len(ids), -1)
        for g, got in zip(ids, keys, strict=True):
            members = np.flatnonzero(group == g)
            missed.extend(members[~np.isin(members, got)].tolist())
    return np.sort(np.asarray(missed, dtype=np.int64))


def test_every_title_is_found_by_a_search_of_its_own_vector(tmp_path):
    titles, vectors = _catalog()
    result = publish_test_build(tmp_path, titles, vectors)
    with open_published(tmp_path) as pub:
        missed = _self_search_misses(pub)
        assert len(missed) == 0, f"{len(missed)} of {len(titles)} titles are not found by their own vector"
        assert pub.manifest["unreachable"] == 0 and result.unreachable == 0
        # Only the graph holds the copies apart: the published vectors (every score) are the catalog's, copies alike.
        assert np.array_equal(np.asarray(pub.vectors), vectors.astype(np.float16))
        snap = Snapshot.load(pub)
    # What a reader gets: the walk for the 600 titles' shared vector returns every one of them, at cosine 1.
    shared = np.unique(vectors, axis=0, return_inverse=True, return_counts=True)
    biggest = int(np.argmax(shared[2]))
    members = np.flatnonzero(shared[1].ravel() == biggest)
    found = top_k(snap, shared[0][biggest], len(members), force="hnsw")
    assert sorted(found.keys.tolist()) == members.tolist() and found.scores.min() > 0.999


def test_a_build_that_leaves_titles_unreachable_says_so(tmp_path, monkeypatch, caplog):
    """With the copies left identical and no repair, titles stay lost: the build counts them, in the manifest, in
    its result and in a warning that names them. Every title it counts is lost; copies of a shared vector are
    counted exactly, a title with a vector of its own only where the quick pass missed it too (a reader-wide search
    of every title would take 18 minutes at 1.3M titles), so the count may fall short by the few a wider walk
    loses in a graph this degenerate (no spread at all between 600 copies)."""
    monkeypatch.setattr(writer, "DUPLICATE_SPREAD", 0.0)
    monkeypatch.setattr(writer, "CHECK_PASSES", 1)
    titles, vectors = _catalog()
    with caplog.at_level(logging.INFO, logger="morelike.build.writer"):
        result = publish_test_build(tmp_path, titles, vectors)
    with open_published(tmp_path) as pub:
        missed = _self_search_misses(pub)
        assert len(missed) > 0  # the failure this guards against, reproduced
        counted = result.unreachable
        assert pub.manifest["unreachable"] == counted and 0.97 * len(missed) <= counted <= len(missed)
        copies = np.unique(np.asarray(pub.vectors), axis=0, return_inverse=True, return_counts=True)
        shared = copies[2][copies[1].ravel()] > 1
        assert counted >= np.count_nonzero(shared[missed])  # every lost copy is counted
    warning = next(r.getMessage() for r in caplog.records if "event=unreachable_titles" in r.getMessage())
    assert f"count={counted} of={len(titles)}" in warning
    named = warning.split(" ids=")[1].split(" ")[0].rstrip(",…").split(",")
    assert set(named) <= {titles[int(key)].id for key in missed}  # it names lost titles only
    assert any(f"unreachable={counted}" in r.getMessage() for r in caplog.records if r.levelno == logging.INFO)


def test_a_build_made_before_the_check_is_published_again(tmp_path):
    """An unchanged catalog is not published twice, unless its build was never checked (no count in its manifest):
    that one may hide titles."""
    titles, vectors = _catalog(randoms=300)
    first = publish_test_build(tmp_path, titles, vectors)
    again = publish_test_build(tmp_path, titles, vectors)
    assert again.skipped and again.unreachable == 0 and again.build_id == first.build_id
    manifest_path = tmp_path / "published" / "current" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    del manifest["unreachable"]
    manifest_path.write_text(json.dumps(manifest))
    rebuilt = publish_test_build(tmp_path, titles, vectors)
    assert not rebuilt.skipped and rebuilt.build_id != first.build_id
    with open_published(tmp_path) as pub:
        assert pub.manifest["unreachable"] == 0 and len(_self_search_misses(pub)) == 0
