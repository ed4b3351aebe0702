"""Title folding across scripts: what a person types meets a title in its own language (issue 20).

Both sides go through `normalize_title`, so a fold that loses a distinction only adds look-alikes; one that keeps a
distinction people do not type (an accent, case, a full-width letter) loses the title.
"""

from __future__ import annotations

import pytest

from morelike.catalog.normalize import normalize_title


@pytest.mark.parametrize(
    ("typed", "title"),
    [
        ("la vita e bella", "La vita è bella"),  # accents fold
        ("Y TU MAMA TAMBIEN", "Y tu mamá también"),
        ("le fabuleux destin d’amelie poulain", "Le fabuleux destin d'Amélie Poulain"),  # curly apostrophe too
        ("das leben der anderen", "Das Leben der Anderen"),
        ("МОСКВА СЛЕЗАМ НЕ ВЕРИТ", "Москва слезам не верит"),  # Cyrillic case
        ("москва слёзам не верит", "Москва слезам не верит"),  # ё is written е as often as not
        ("千と千尋の神隠し", "千と千尋の神隠し"),  # hanzi/kanji and kana kept, not stripped
        ("기생충", "기생충"),
        ("ｺﾞｼﾞﾗ", "ゴジラ"),  # half-width katakana, voiced mark included
        ("ＡＭＥＬＩＥ", "Amélie"),  # full-width Latin
        ("straße", "STRASSE"),  # casefold, not lower
    ],
)
def test_what_people_type_folds_to_the_title(typed, title):
    assert normalize_title(typed) == normalize_title(title) != ""


@pytest.mark.parametrize(
    ("text", "norm"),
    [
        ("千と千尋の神隠し", "千と千尋の神隠し"),
        ("기생충", "기생충"),  # composed syllables (NFC), not the jamo NFKD leaves: three characters
        ("ゴジラ", "ゴジラ"),
        ("ｺﾞｼﾞﾗ", "ゴジラ"),
        ("Москва слезам не верит", "москва слезам не верит"),
        ("La vita è bella", "vita e bella"),
        ("Ⅻ Monkeys", "xii monkeys"),  # compatibility forms unfold, then fold case
    ],
)
def test_folded_forms_are_composed_text_in_their_own_script(text, norm):
    assert normalize_title(text) == norm


def test_kana_voicing_marks_are_letters_not_accents():
    """ゴジラ (Godzilla) is not コシラ: the voiced-sound mark makes another kana, unlike an accent on a Latin letter."""
    assert normalize_title("ゴジラ") != normalize_title("コシラ")
    assert normalize_title("バス") != normalize_title("パス") != normalize_title("ハス")


def test_marks_that_are_letters_in_their_script_are_kept():
    """A Devanagari vowel sign is a combining mark, but it is the vowel: dropping it would make other words alike."""
    assert normalize_title("कुछ") != normalize_title("कछ")
