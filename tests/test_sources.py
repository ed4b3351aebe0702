import gzip
import json

import pytest

from indexer.sources import SourceError, read_catalog
from morelike.catalog.records import RecordError, parse_record, title_ref

GOOD = {"id": "a1", "kind": "movie", "title": "Heat", "year": 1995, "genres": ["Crime", "drama"]}


def test_bad_jsonl_lines_are_reported_with_their_line_numbers(tmp_path):
    path = tmp_path / "c.jsonl"
    lines = [
        json.dumps(GOOD),
        "{not json",
        json.dumps({**GOOD, "id": "a2", "kind": "film"}),
        "",
        json.dumps({**GOOD, "id": "a3", "year": "nineteen"}),
        json.dumps([1, 2]),
        json.dumps({**GOOD, "id": "a4", "title": "  "}),
        json.dumps({**GOOD, "id": "a5", "rating": 11}),
        json.dumps({**GOOD, "id": "a6"}),
    ]
    path.write_text("\n".join(lines) + "\n")
    items = list(read_catalog(path))
    bad = {n: str(item) for n, item in items if isinstance(item, RecordError)}
    good = [item.id for _, item in items if not isinstance(item, RecordError)]
    assert good == ["a1", "a6"]
    assert set(bad) == {2, 3, 5, 6, 7, 8}
    assert "not valid JSON" in bad[2]
    assert "'kind' must be 'movie' or 'show'" in bad[3]
    assert "'year'" in bad[5]
    assert "expected a JSON object" in bad[6]
    assert "'title' is missing" in bad[7]
    assert "'rating' is 11.0, outside 0..10" in bad[8]


def test_csv_catalog_with_list_cells(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text(
        "id,kind,title,year,genres,cast,runtime\n"
        'm1,movie,The Thing,1982,"horror|science-fiction","Kurt Russell|Wilford Brimley",109\n'
        'm2,movie,The Thing,2011,"[""horror""]",,103\n'
        "m3,show,Bad,,,,not-a-number\n"
    )
    items = list(read_catalog(path))
    assert items[0][1].genres == ("horror", "science-fiction")
    assert items[0][1].cast == ("Kurt Russell", "Wilford Brimley")
    assert items[1][1].genres == ("horror",) and items[1][1].year == 2011
    assert isinstance(items[2][1], RecordError) and items[2][0] == 4


def test_gzipped_bundled_catalog_reads_every_row():
    n = sum(1 for _, item in read_catalog("data/catalog.jsonl.gz") if not isinstance(item, RecordError))
    assert n == 56_995


@pytest.mark.parametrize("name", ["missing.jsonl", "catalog.txt"])
def test_unreadable_files_are_one_sentence(tmp_path, name):
    if name.endswith(".txt"):
        (tmp_path / name).write_text("x")
    with pytest.raises(SourceError) as err:
        list(read_catalog(tmp_path / name))
    assert str(tmp_path / name) in str(err.value)


def test_corrupt_gzip_is_a_source_error(tmp_path):
    path = tmp_path / "c.jsonl.gz"
    path.write_bytes(gzip.compress(json.dumps(GOOD).encode())[:20])
    with pytest.raises(SourceError, match="cannot read"):
        list(read_catalog(path))


def test_refs_are_short_stable_and_distinct():
    long_id = "wiki-" + "x" * 150
    assert title_ref(long_id) == title_ref(long_id) and len(title_ref(long_id)) == 10
    assert title_ref("imdb-tt0113277") != title_ref("imdb-tt0113278")
    assert parse_record({**GOOD, "genres": "Crime, Drama"}).genres == ("crime", "drama")
