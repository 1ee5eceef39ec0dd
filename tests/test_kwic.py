"""Keyword in context on short Chinese texts whose offsets can be counted by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.core.errors import AnalysisError
from analysis.stats.kwic import kwic

#          0 1 2 3 4 5 6 7 8 9 10 11 12 13
TEXT_A = "北京大学和清华大学都是大学。"
CORPUS = pd.DataFrame({
    "doc_id": ["b", "a", "c"],  # row order, not id order, decides the output order
    "institution": ["清华", "北大", None],
    "date": pd.to_datetime(["2019-01-02", "2019-03-04", None]),
    "text": ["大学生\n活动", TEXT_A, None],
})


def test_offsets_and_windows():
    table = kwic(CORPUS, "大学", window=2)
    assert list(table.columns) == ["doc_id", "institution", "date",
                                   "left", "match", "right", "offset"]
    assert table[["doc_id", "left", "match", "right", "offset"]].values.tolist() == [
        ["b", "", "大学", "生 ", 0],  # the line break shows as a space
        ["a", "北京", "大学", "和清", 2],
        ["a", "清华", "大学", "都是", 7],
        ["a", "都是", "大学", "。", 11],  # cut at the end of the text
    ]
    assert table["institution"].tolist() == ["清华", "北大", "北大", "北大"]
    assert table["date"].iloc[1] == pd.Timestamp("2019-03-04")
    for _, row in table[table["doc_id"] == "a"].iterrows():
        assert TEXT_A[row["offset"]:row["offset"] + 2] == "大学"
        assert TEXT_A[row["offset"] - len(row["left"]):row["offset"]] == row["left"]


def test_window_zero_and_wide():
    assert set(kwic(CORPUS, "大学", window=0)["left"]) == {""}
    wide = kwic(CORPUS, "清华", window=50)
    assert wide[["left", "right"]].values.tolist() == [["北京大学和", "大学都是大学。"]]


def test_occurrences_do_not_overlap():
    corpus = pd.DataFrame({"doc_id": ["h"], "text": ["哈哈哈哈哈"]})
    assert kwic(corpus, "哈哈")["offset"].tolist() == [0, 2]


def test_literal_by_default_and_regex_on_request():
    corpus = pd.DataFrame({"doc_id": ["r"], "text": ["a.b axb 北京 清华"]})
    assert kwic(corpus, "a.b")["offset"].tolist() == [0]
    assert kwic(corpus, "a.b", regex=True)["match"].tolist() == ["a.b", "axb"]
    table = kwic(corpus, "[清北][京华]", regex=True, window=1)
    assert table[["left", "match", "right", "offset"]].values.tolist() == [
        [" ", "北京", " ", 8], [" ", "清华", "", 11]]


def test_absent_term_gives_empty_table_and_note():
    with pytest.warns(UserWarning, match="'医院' does not occur"):
        table = kwic(CORPUS, "医院")
    assert table.empty
    assert list(table.columns) == ["doc_id", "institution", "date",
                                   "left", "match", "right", "offset"]
    assert "'医院' does not occur in column 'text' of the 3 documents" in table.attrs["note"]


def test_default_meta_cols_use_what_exists():
    corpus = CORPUS.drop(columns=["date"])
    columns = ["doc_id", "institution", "left", "match", "right", "offset"]
    assert list(kwic(corpus, "大学").columns) == columns


@pytest.mark.parametrize(("term", "options", "match"), [
    ("", {}, r"'term' parameter of kwic must be a non-empty string; got ''"),
    (None, {}, r"'term' parameter of kwic must be a non-empty string; got None"),
    ("(", {"regex": True}, r"'term' parameter of kwic must be a valid regular expression"),
    ("x*", {"regex": True}, r"'term' parameter of kwic must not match the empty string"),
    ("大学", {"window": -1}, r"'window' parameter of kwic"),
    ("大学", {"text_col": "body"}, r"'text_col' parameter of kwic must be one of the columns"),
    ("大学", {"meta_cols": ("institution", "publisher")},
     r"'meta_cols' parameter of kwic must name columns of the corpus "
     r"\['doc_id', 'institution', 'date', 'text'\]; got missing \['publisher'\]"),
])
def test_errors_name_the_parameter(term, options, match):
    with pytest.raises(AnalysisError, match=match):
        kwic(CORPUS, term, **options)
