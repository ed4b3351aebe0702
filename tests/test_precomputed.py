"""What the build computes once for the snapshot (format 7, morelike/build/precomputed.py): the franchise graph,
the works and fame are stored with the build, loaded instead of recomputed, equal to what every load computed
before, and an older build is refused with a sentence."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

import morelike.build.precomputed as precomputed_module
from morelike.build.layout import FORMAT_VERSION, MANIFEST_FILE, PRECOMPUTED_DIR
from morelike.build.precomputed import STEMS, Precomputed
from morelike.build.reader import PublishedError, open_published
from morelike.engine.franchise import sample_vectors
from morelike.engine.snapshot import Snapshot
from morelike.franchise.graph import FranchiseGraph
from morelike.vectors import catalog_sample
from tests.conftest import copy_state


def _flat(snap: Snapshot) -> dict[str, np.ndarray]:
    """Every catalog-wide array a snapshot holds, by name."""
    out = {name: getattr(snap, name) for name in ("stem_codes", "series_stem", "groups", "named_groups", "nodes")}
    out |= {"works": snap.works, "fame": snap.fame, "numbered_stems": np.asarray(sorted(snap.numbered_stems))}
    for name in ("kin", "named_members", "group_members", "work_members"):
        out[f"{name}.ptr"], out[f"{name}.ids"] = getattr(snap, name).ptr, getattr(snap, name).ids
    out["named_count"] = np.asarray([snap._named_count])
    return out


def test_the_stored_arrays_are_what_the_load_computed_before(small_published):
    """The writer reads its columns off the records; the snapshot read them back from the build's catalog. Both must
    give the same graph: the build's arrays against the ones computed from the loaded columns, as every load did."""
    with open_published(small_published) as pub:
        assert pub.manifest["format"] == FORMAT_VERSION == 7
        assert sorted(p.name for p in (pub.build_dir / PRECOMPUTED_DIR).iterdir()) == sorted(f"{s}.npy" for s in STEMS)
        stored = Snapshot.load(pub)
    with open_published(small_published) as pub:
        pub.precomputed = None  # the snapshot computes them from its own columns
        computed = Snapshot.load(pub)
    want, got = _flat(computed), _flat(stored)
    assert want.keys() == got.keys()
    for name in want:
        assert got[name].dtype == want[name].dtype and np.array_equal(got[name], want[name]), name
    # The small catalog holds what each array is for: series, named series, family links, numbered stems, fame.
    assert (stored.groups >= 0).sum() > 20 and (stored.named_groups >= 0).any() and len(stored.kin.ids)
    assert stored.numbered_stems and (stored.series_stem >= 0).any() and (stored.fame > 0).any()


def test_a_load_reads_the_graph_and_fame_instead_of_computing_them(small_published, monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("computed at load")

    monkeypatch.setattr(FranchiseGraph, "compute", never)
    monkeypatch.setattr(precomputed_module, "fame", never)
    with open_published(small_published) as pub:
        snap = Snapshot.load(pub)
    assert snap.n == 402 and (snap.groups >= 0).any()


def test_a_change_to_the_rules_republishes_the_same_catalog_and_the_snapshot_serves_the_build(tmp_path, monkeypatch):
    """The arrays are part of the build's content: a rule change with the catalog unchanged publishes a new build
    (it was skipped as "already current" and would have kept serving the old graph), and a snapshot takes the
    build's arrays as they were made, whatever the code it runs."""
    from morelike.catalog.records import parse_record
    from tests.conftest import publish_test_build

    titles = [parse_record({"id": f"t-{i}", "kind": "movie", "title": f"Title {i}", "votes": i + 1, "year": 2000})
              for i in range(40)]  # fmt: skip
    vectors = np.random.default_rng(3).normal(size=(40, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    first = publish_test_build(tmp_path, titles, vectors)
    assert publish_test_build(tmp_path, titles, vectors).skipped
    monkeypatch.setattr(precomputed_module, "fame", lambda votes, sources: np.full(len(votes), 0.5, np.float32))
    second = publish_test_build(tmp_path, titles, vectors)
    assert not second.skipped and second.build_id != first.build_id
    monkeypatch.undo()
    with open_published(tmp_path) as pub:
        assert np.array_equal(Snapshot.load(pub).fame, np.full(40, 0.5, np.float32))


def test_a_build_of_format_6_is_refused_with_a_sentence(small_published, tmp_path):
    """A format 6 build has no precomputed arrays: the reader says to rebuild rather than compute them at load."""
    state = copy_state(small_published, tmp_path)
    with open_published(state) as pub:
        build = pub.build_dir
    manifest = json.loads((build / MANIFEST_FILE).read_text())
    (build / MANIFEST_FILE).write_text(json.dumps({**manifest, "format": 6}))
    shutil.rmtree(build / PRECOMPUTED_DIR)
    with pytest.raises(PublishedError) as refused:
        open_published(state)
    assert str(refused.value) == (
        f"The published build {build.name} has format 6, this code reads 7: rebuild with `python -m indexer build`."
    )


@pytest.mark.parametrize(
    ("stem", "array", "says"),
    [
        ("groups", None, "No such file"),
        ("groups", np.zeros(401, np.int32), "groups.npy does not hold one int32 per title"),
        ("fame", np.zeros(402, np.float64), "fame.npy does not hold one f32 per title"),
        ("kin.ids", np.zeros(1, np.int32), "kin.ptr.npy and kin.ids.npy do not fit each other"),
    ],
)
def test_a_missing_or_damaged_precomputed_file_is_refused(small_published, tmp_path, stem, array, says):
    state = copy_state(small_published, tmp_path)
    with open_published(state) as pub:
        folder = pub.build_dir / PRECOMPUTED_DIR
    if array is None:
        (folder / f"{stem}.npy").unlink()
    else:
        np.save(folder / f"{stem}.npy", array)
    with pytest.raises(PublishedError, match=f"cannot be read .*{says}.*; rebuild it"):
        open_published(state)


def test_precomputed_arrays_survive_a_save_and_load(tmp_path, small_published):
    with open_published(small_published) as pub:
        made = pub.precomputed
    made.save(tmp_path / "p")
    again = Precomputed.load(tmp_path / "p", len(made.fame))
    assert again.digest() == made.digest() and again.graph.named_count == made.graph.named_count


def test_the_free_text_view_keeps_caches_of_its_own(small_published):
    """The snapshot's caches (the catalog sample, the filter planner's state) live on the snapshot (`derived`); the
    free-text view searches other vectors, so it must not share them: its sample is of its own vectors."""
    with open_published(small_published) as pub:
        snap = Snapshot.load(pub)
    view = snap.free_text_view()
    assert view is not snap and view.derived is not snap.derived and view.key_by_id is snap.key_by_id
    rows = catalog_sample(snap.n)
    assert np.array_equal(sample_vectors(snap), np.asarray(snap.vectors[rows], np.float32))
    assert np.array_equal(sample_vectors(view), np.asarray(view.vectors[rows], np.float32))
    assert sample_vectors(snap) is sample_vectors(snap)  # made once
