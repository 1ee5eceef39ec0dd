"""TF-IDF and the shared count matrix, on a three-document corpus checked by hand."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from analysis.core.errors import AnalysisError, EmptyVocabularyError
from analysis.stats.counts import term_counts
from analysis.stats.tfidf import tfidf, top_terms, unit_counts

# d1 = "a b b", d2 = "b c", d3 = "c c d"; d1 and d2 form group x, d3 group y.
DOCS = pd.DataFrame({
    "doc_id": ["d1", "d2", "d3"],
    "tokens": ["a b b", "b c", "c c d"],
    "inst": ["x", "x", "y"],
})


def _row(table: pd.DataFrame, unit: str, term: str, unit_col: str = "doc_id") -> pd.Series:
    hit = table[(table[unit_col] == unit) & (table["term"] == term)]
    assert len(hit) == 1
    return hit.iloc[0]


def test_unit_counts_per_document():
    units = unit_counts(DOCS, group_col="doc_id")
    assert units.vocabulary.tolist() == ["a", "b", "c", "d"]
    assert units.units.tolist() == ["d1", "d2", "d3"] and units.units.name == "doc_id"
    assert units.matrix.toarray().tolist() == [[1, 2, 0, 0], [0, 1, 1, 0], [0, 0, 2, 1]]


def test_unit_counts_pools_groups():
    units = unit_counts(DOCS, group_col="inst")
    assert units.units.tolist() == ["x", "y"] and units.units.name == "inst"
    assert units.matrix.toarray().tolist() == [[1, 3, 1, 0], [0, 0, 2, 1]]


def test_given_counts_are_used_not_the_tokens():
    """Counts made once for a bigger corpus serve a selection; the tokens are not read."""
    bigger = pd.concat([DOCS, pd.DataFrame({"doc_id": ["d9"], "tokens": ["z z"], "inst": ["y"]})],
                       ignore_index=True)
    counts = term_counts(bigger)
    table = tfidf(DOCS.iloc[::-1].drop(columns="tokens"), counts, group_col="inst")
    pd.testing.assert_frame_equal(table, tfidf(DOCS, group_col="inst"))
    with pytest.raises(AnalysisError, match=r"'counts' parameter of tfidf must hold a row for "
                                            r"every document .*missing \['d7'\]"):
        tfidf(DOCS.assign(doc_id=["d1", "d2", "d7"]), counts, group_col="inst")


def test_tfidf_per_document_by_hand():
    # n = 3 documents; df: a 1, b 2, c 2, d 1; smooth idf = ln((1 + n) / (1 + df)) + 1.
    idf1 = math.log(4 / 2) + 1  # 1.693147 (a, d)
    idf2 = math.log(4 / 3) + 1  # 1.287682 (b, c)
    norm = math.sqrt((1 * idf1) ** 2 + (2 * idf2) ** 2)  # d1 and d3: 3.082087
    expected = {  # (doc, term): (tf, df, idf, tfidf, rank)
        ("d1", "b"): (2, 2, idf2, 2 * idf2 / norm, 1),  # 0.835592
        ("d1", "a"): (1, 1, idf1, idf1 / norm, 2),  # 0.549351
        ("d2", "b"): (1, 2, idf2, 1 / math.sqrt(2), 1),  # tie with c: b first by term
        ("d2", "c"): (1, 2, idf2, 1 / math.sqrt(2), 2),
        ("d3", "c"): (2, 2, idf2, 2 * idf2 / norm, 1),
        ("d3", "d"): (1, 1, idf1, idf1 / norm, 2),
    }
    table = tfidf(DOCS, group_col="doc_id")
    assert list(table.columns) == ["doc_id", "term", "tf", "df", "idf", "tfidf", "rank",
                                   "log_ratio"]
    assert list(zip(table["doc_id"], table["term"])) == list(expected)
    for (doc, term), (tf, df, idf, score, rank) in expected.items():
        row = _row(table, doc, term)
        assert (row["tf"], row["df"], row["rank"]) == (tf, df, rank)
        assert row["idf"] == pytest.approx(idf, abs=1e-12)
        assert row["tfidf"] == pytest.approx(score, abs=1e-12)
    assert _row(table, "d1", "b")["tfidf"] == pytest.approx(0.835592, abs=1e-6)


def test_tfidf_pools_groups_by_hand():
    # Units are the groups: x = "a b b b c", y = "c c d"; n = 2; df: a 1, b 1, c 2, d 1.
    idf1, idf2 = math.log(3 / 2) + 1, math.log(3 / 3) + 1
    norm_x = math.sqrt(idf1**2 + (3 * idf1) ** 2 + idf2**2)
    table = tfidf(DOCS, group_col="inst")
    assert list(table.columns[:2]) == ["inst", "term"]
    assert table[table["inst"] == "x"]["term"].tolist() == ["b", "a", "c"]
    row = _row(table, "x", "b", "inst")
    assert (row["tf"], row["df"]) == (3, 1)
    assert row["tfidf"] == pytest.approx(3 * idf1 / norm_x, abs=1e-12)
    row = _row(table, "x", "c", "inst")
    assert (row["tf"], row["df"], row["idf"]) == (1, 2, pytest.approx(1.0))


@pytest.mark.parametrize("options", [
    {},
    {"sublinear_tf": True},
    {"norm": "l1"},
    {"norm": None, "smooth_idf": False},
    {"min_df": 2},
    {"max_df": 0.5},
])
def test_tfidf_matches_scikit_learn(options):
    vectorizer = TfidfVectorizer(analyzer=str.split, lowercase=False, **options)
    expected = vectorizer.fit_transform(DOCS["tokens"]).toarray()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # max_df=0.5 empties d2, which gets no rows
        table = tfidf(DOCS, group_col="doc_id", **options)
    got = table.pivot(index="doc_id", columns="term", values="tfidf")
    got = got.reindex(index=DOCS["doc_id"], columns=vectorizer.get_feature_names_out())
    got = got.fillna(0.0)
    np.testing.assert_allclose(got.to_numpy(), expected, atol=1e-12)


@pytest.mark.parametrize(("min_df", "max_df", "terms"), [
    (2, 1.0, ["b", "c"]),  # in at least 2 documents
    (0.5, 1.0, ["b", "c"]),  # at least 1.5 of 3 documents
    (1, 1, ["a", "d"]),  # in at most 1 document
    (1, 0.5, ["a", "d"]),  # at most 1.5 of 3 documents
])
def test_min_df_max_df(min_df, max_df, terms):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # d2 loses every term when only a and d remain
        table = tfidf(DOCS, group_col="doc_id", min_df=min_df, max_df=max_df)
    assert sorted(table["term"].unique()) == terms


def test_unit_emptied_by_filters_is_named_and_still_counts_in_idf():
    with pytest.warns(UserWarning, match=r"left no term in 1 unit\(s\).*'d2'"):
        table = tfidf(DOCS, group_col="doc_id", max_df=1)
    assert table["doc_id"].tolist() == ["d1", "d3"]
    assert table["idf"].tolist() == [pytest.approx(math.log(4 / 2) + 1)] * 2  # n = 3


@pytest.mark.parametrize(("options", "match"), [
    ({"min_df": 3}, r"3 units \['d1', 'd2', 'd3'\].*min_df=3 \(terms in at least 3 units\)"),
    ({"min_df": 2, "max_df": 1}, r"min_df=2 .* max_df=1 \(terms in at most 1 units\)"),
])
def test_empty_vocabulary_names_filters_and_units(options, match):
    with pytest.raises(EmptyVocabularyError, match=match):
        tfidf(DOCS, group_col="doc_id", **options)


def test_empty_vocabulary_when_no_tokens():
    docs = DOCS.assign(tokens=["", " ", None])
    with pytest.raises(EmptyVocabularyError, match="no document holds a token"):
        tfidf(docs, group_col="inst")


def test_unit_without_tokens_is_left_out_with_warning():
    docs = pd.concat([DOCS, pd.DataFrame({"doc_id": ["d4"], "tokens": [""], "inst": ["z"]})],
                     ignore_index=True)
    with pytest.warns(UserWarning, match=r"1 unit\(s\) with no tokens .*\['d4'\]"):
        table = tfidf(docs, group_col="doc_id")
    assert "d4" not in set(table["doc_id"])
    assert _row(table, "d1", "a")["idf"] == pytest.approx(math.log(4 / 2) + 1)  # n = 3


def test_na_groups_are_excluded_with_count():
    docs = DOCS.assign(inst=["x", None, "y"])
    with pytest.warns(UserWarning, match=r"1 document\(s\) with NA in 'inst' were excluded"):
        table = tfidf(docs, group_col="inst")
    assert sorted(table[table["inst"] == "x"]["term"]) == ["a", "b"]  # d2 left out


@pytest.mark.parametrize(("options", "match"), [
    ({"group_col": "nope"},
     r"The 'group_col' parameter of tfidf must be one of the columns "
     r"\['doc_id', 'tokens', 'inst'\]; got 'nope'\."),
    ({"tokens_col": "words"}, r"'tokens_col' parameter of tfidf .* got 'words'"),
    ({"min_df": 1.5}, r"'min_df' parameter of tfidf must be an int >= 0 .*; got 1\.5"),
    ({"max_df": -1}, r"'max_df' parameter of tfidf"),
    ({"norm": "l3"}, r"'norm' parameter of tfidf must be one of \['l2', 'l1', None\]"),
])
def test_invalid_options_are_named(options, match):
    with pytest.raises(AnalysisError, match=match):
        tfidf(DOCS, **{"group_col": "inst", **options})


def test_repeated_ids_are_an_error():
    with pytest.raises(AnalysisError, match=r"'id_col' of tfidf must hold unique.*'d1'"):
        tfidf(DOCS.assign(doc_id=["d1", "d1", "d3"]), group_col="doc_id")


def test_top_terms_per_unit():
    table = tfidf(DOCS, group_col="doc_id")
    top = top_terms(table, n=1)
    assert list(zip(top["doc_id"], top["term"])) == [("d1", "b"), ("d2", "b"), ("d3", "c")]
    assert len(top_terms(table, n=5)) == len(table)
    with pytest.raises(AnalysisError, match="'n' parameter of top_terms"):
        top_terms(table, n=0)


def test_log_ratio_and_characteristic_terms_by_hand():
    # x = "a b b b c" (5 tokens), y = "c c d" (3 tokens).
    table = tfidf(DOCS, group_col="inst")
    row = _row(table, "x", "b", "inst")  # 3/5 against 0 (read 0.5)/3
    assert row["log_ratio"] == pytest.approx(math.log2((3 / 5) / (0.5 / 3)))
    row = _row(table, "x", "c", "inst")  # 1/5 against 2/3
    assert row["log_ratio"] == pytest.approx(math.log2((1 / 5) / (2 / 3)))
    kept = tfidf(DOCS, group_col="inst", min_log_ratio=1)
    # a: (1/5) / (0.5/3) = 1.2 times, below 2; c is under-used in x
    assert kept.loc[kept["inst"] == "x", "term"].tolist() == ["b"]
    assert kept.loc[kept["inst"] == "y", "term"].tolist() == ["c", "d"]  # 3.3 times each
    assert kept.groupby("inst")["rank"].apply(list).to_dict() == {"x": [1], "y": [1, 2]}
    assert {"n_docs", "dp", "alias"} <= set(kept.columns)


def test_min_docs_asks_a_small_group_for_all_its_documents():
    # group x has 2 documents (b in both, a and c in one), y has 1 (c, d)
    table = tfidf(DOCS, group_col="inst")
    assert top_terms(table, n=9, min_docs=2)["term"].tolist() == ["b"]   # y left empty
    capped = top_terms(table, n=9, min_docs=3, group_docs={"x": 2, "y": 1})
    assert sorted(zip(capped["inst"], capped["term"])) == [("x", "b"), ("y", "c"), ("y", "d")]
    with pytest.raises(AnalysisError, match=r"^The 'min_docs' parameter of top_terms needs the "
                                            r"table's 'n_docs' column.*got min_docs=2\.$"):
        top_terms(table.drop(columns="n_docs"), n=9, min_docs=2)  # never ignored silently
