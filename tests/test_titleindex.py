"""The string columns the title resolver's index is made of (morelike.titleindex): a sorted column is searched
by bisect as a list of str would be, in any script, and survives names the blob format cannot hold as they are."""

from bisect import bisect_left

import numpy as np
import pytest

from morelike.titleindex import Strings, StringTable

NAMES = sorted(["amélie", "the thing", "thing", "千と千尋の神隠し", "москва", "heat", "heat 2", "", "ゴジラ", "ab"])


def test_a_sorted_column_reads_and_searches_like_the_list_it_was_made_of():
    col = Strings.of(NAMES)
    assert len(col) == len(NAMES) and list(col) == NAMES and col[-1] == NAMES[-1]
    assert [col[i] for i in range(len(col))] == NAMES and col[2:5] == NAMES[2:5] and col.decode(3, 3) == []
    for text in [*NAMES, "a", "heat 1", "th", "zz", "ゴ", "мос"]:
        assert bisect_left(col, text) == bisect_left(NAMES, text), text
        assert col.find(text) == (NAMES.index(text) if text in NAMES else -1), text
        lo, hi = col.prefixed(text)
        assert col[lo:hi] == [n for n in NAMES if n.startswith(text)], text
    with pytest.raises(IndexError):
        col[len(NAMES)]


def test_a_column_round_trips_through_its_arrays_and_refuses_arrays_that_do_not_fit():
    col = Strings.of(["x\x00y", "ok", "\ud800 lone"])  # a NUL (broken data) is dropped; a lone surrogate is kept
    again = Strings.from_arrays(col.arrays("c"), "c")
    assert list(again) == ["xy", "ok", "\ud800 lone"]
    assert list(Strings.of([])) == [] and Strings.of([]).find("a") == -1
    with pytest.raises(ValueError, match="do not fit"):
        Strings(col.blob, col.offsets[:-1])


def test_a_table_finds_each_strings_key_and_a_later_pair_wins():
    table = StringTable.of([("heat", 1), ("thing", 2), ("heat", 3), ("москва", 4)])
    assert [table.get(t) for t in ("heat", "thing", "москва", "hea", "zzz")] == [3, 2, 4, None, None]
    assert table.keys.dtype == np.int32
