"""Keyword timelines, first appearances and event files, on a corpus counted by hand."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

from analysis.core.errors import AnalysisError
from analysis.stats.events import load_events
from analysis.stats.timeline import first_appearance, keyword_timeline

# Three institutions over January-March 2020, one undated document.
DOCS = pd.DataFrame({
    "doc_id": ["a1", "a2", "a3", "b1", "b2", "c1", "c2", "c3"],
    "institution": ["A", "A", "A", "B", "B", "C", "C", "C"],
    "date": pd.to_datetime(["2020-01-05", "2020-01-20 18:30", "2020-03-10", "2020-01-15",
                            "2020-02-02", "2020-02-28", "2020-03-31", None], format="ISO8601"),
    "tokens": [
        "疫情 防控 疫情 学校",  # 4 tokens: 疫情 2, 防控 1
        "学校 开学",  # 2 tokens
        "疫情 复工",  # 2 tokens: 疫情 1
        "防控 疫情",  # 2 tokens: 疫情 1, 防控 1
        "疫情 疫情 疫情 防控 学校 学校",  # 6 tokens: 疫情 3, 防控 1
        "开学 复工 学校 学生",  # 4 tokens: 疫情 0
        "疫情 学生",  # 2 tokens: 疫情 1
        "疫情",  # undated: excluded
    ],
})
NAN = float("nan")
JAN, FEB, MAR = (pd.Timestamp(f"2020-{m:02d}-01") for m in (1, 2, 3))


def _timeline(*args, **kwargs) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return keyword_timeline(*args, **kwargs)


@pytest.mark.parametrize("group, period, count, with_term, n_docs, n_tokens, rate", [
    ("A", JAN, 2, 1, 2, 6, 2 / 6 * 10_000),  # a1 + a2
    ("A", FEB, 0, 0, 0, 0, NAN),  # no document: a real gap
    ("A", MAR, 1, 1, 1, 2, 5000.0),
    ("B", JAN, 1, 1, 1, 2, 5000.0),
    ("B", FEB, 3, 1, 1, 6, 5000.0),
    ("B", MAR, 0, 0, 0, 0, NAN),
    ("C", JAN, 0, 0, 0, 0, NAN),
    ("C", FEB, 0, 0, 1, 4, 0.0),  # a document without the term: rate 0, not NaN
    ("C", MAR, 1, 1, 1, 2, 5000.0),  # c3 (undated) is not counted
])
def test_monthly_counts_by_hand(group, period, count, with_term, n_docs, n_tokens, rate):
    table = _timeline(DOCS, terms="疫情", freq="M")
    row = table[(table["institution"] == group) & (table["period"] == period)]
    assert len(row) == 1
    row = row.iloc[0]
    assert (row["count"], row["docs_with_term"], row["n_docs"], row["n_tokens"]) == (
        count, with_term, n_docs, n_tokens)
    assert (math.isnan(rate) and math.isnan(row["rate"])) or row["rate"] == pytest.approx(rate)


def test_table_shape_columns_and_order():
    table = _timeline(DOCS, terms=["疫情", "防控"], freq="M")
    assert list(table.columns) == ["institution", "term", "period", "count", "docs_with_term",
                                   "n_docs", "n_tokens", "rate", "rate_low", "rate_high"]
    assert len(table) == 3 * 2 * 3  # every group x term x month
    assert table["term"].tolist()[:6] == ["疫情"] * 3 + ["防控"] * 3  # terms in given order
    assert table.groupby("term")["count"].sum().to_dict() == {"疫情": 8, "防控": 3}
    assert table.attrs["freq"] == "M" and table.attrs["missing_terms"] == []


def test_weeks_start_on_monday_and_span_the_whole_range():
    table = _timeline(DOCS, terms="疫情", freq="W")
    weeks = sorted(table["period"].unique())
    assert weeks[0] == pd.Timestamp("2019-12-30")  # 2020-01-05 is a Sunday
    assert weeks[-1] == pd.Timestamp("2020-03-30")  # 2020-03-31 is a Tuesday
    assert len(weeks) == 14 and all(w.day_of_week == 0 for w in weeks)
    assert table["count"].sum() == 8


def test_undated_documents_are_excluded_with_their_count():
    with pytest.warns(UserWarning, match=r"1 document\(s\) undated"):
        keyword_timeline(DOCS, terms="疫情", freq="M")


def test_na_groups_are_excluded_with_a_warning():
    docs = DOCS.assign(institution=DOCS["institution"].where(DOCS["doc_id"] != "b2"))
    with pytest.warns(UserWarning, match=r"1 document\(s\) with NA in 'institution'"):
        table = keyword_timeline(docs.iloc[:7], terms="疫情", freq="M")
    assert table.loc[table["institution"] == "B", "count"].sum() == 1


def test_a_term_that_never_occurs_gives_zeros_and_a_note():
    with pytest.warns(UserWarning, match="no document holds the token"):
        table = keyword_timeline(DOCS.iloc[:7], terms=["口罩", "疫情"], freq="M")
    masks = table[table["term"] == "口罩"]
    assert len(masks) == 9 and masks["count"].sum() == 0
    assert table.attrs["missing_terms"] == ["口罩"]
    assert "user dictionary" in table.attrs["notes"][0]


def test_date_range_is_inclusive_by_whole_days():
    table = _timeline(DOCS, terms="疫情", freq="D", date_from="2020-02-01", date_to="2020-02-28")
    assert sorted(table["institution"].unique()) == ["B", "C"]
    days = sorted(table["period"].unique())
    assert days[0] == pd.Timestamp("2020-02-01") and days[-1] == pd.Timestamp("2020-02-28")
    assert len(days) == 28
    assert table["n_docs"].sum() == 2  # b2 and c1 (c1 on the last day)
    assert table["count"].sum() == 3


def test_empty_date_range_names_the_range_and_the_corpus_range():
    with pytest.raises(AnalysisError, match=r"date_from='2021-01-01'.*runs from 2020-01-05 "
                                            r"to 2020-03-31"):
        _timeline(DOCS, terms="疫情", date_from="2021-01-01")


def test_one_series_for_the_whole_corpus():
    table = _timeline(DOCS.assign(all="all"), terms="疫情", freq="M", group_col="all")
    assert table["all"].unique().tolist() == ["all"]
    assert table["count"].tolist() == [3, 3, 2]
    assert table["n_tokens"].tolist() == [8, 10, 4]  # Jan: a1 4 + a2 2 + b1 2


@pytest.mark.parametrize("kwargs, message", [
    ({"terms": "守土 有责"}, "without whitespace"),
    ({"terms": []}, "'terms' parameter"),
    ({"terms": "疫情", "freq": "H"}, "'freq' parameter"),
    ({"terms": "疫情", "group_col": "school"}, "'group_col' parameter"),
    ({"terms": "疫情", "per": 0}, "'per' parameter"),
    ({"terms": "疫情", "date_from": "not a date"}, "'date_from' parameter"),
])
def test_bad_options_are_named(kwargs, message):
    terms = kwargs.pop("terms")
    with pytest.raises(AnalysisError, match=message):
        _timeline(DOCS, terms=terms, **kwargs)


def test_first_appearance_by_hand():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        table = first_appearance(DOCS, terms=["疫情", "开学"])
    got = {(r.institution, r.term): (r.first_date, r.first_doc_id, r.docs_with_term)
           for r in table.itertuples()}
    assert got[("A", "疫情")] == (pd.Timestamp("2020-01-05"), "a1", 2)
    assert got[("B", "疫情")] == (pd.Timestamp("2020-01-15"), "b1", 2)
    assert got[("C", "疫情")] == (pd.Timestamp("2020-03-31"), "c2", 1)  # c3 undated
    assert got[("A", "开学")] == (pd.Timestamp("2020-01-20 18:30"), "a2", 1)
    assert got[("C", "开学")] == (pd.Timestamp("2020-02-28"), "c1", 1)
    date, doc, n = got[("B", "开学")]
    assert pd.isna(date) and pd.isna(doc) and n == 0
    assert len(table) == 6


def test_load_events(tmp_path):
    path = tmp_path / "events.yaml"
    path.write_text("- date: 2020-01-23\n  label: 武汉封城\n  source: https://example.org\n"
                    "- date: '2020-01-20'\n  label: 钟南山确认人传人\n", encoding="utf-8")
    events = load_events(path)
    assert events["date"].tolist() == [pd.Timestamp("2020-01-20"), pd.Timestamp("2020-01-23")]
    assert events["label"].tolist() == ["钟南山确认人传人", "武汉封城"]
    assert pd.isna(events.loc[0, "source"]) and events.loc[1, "source"] == "https://example.org"
    assert str(events["date"].dtype).startswith("datetime64")


@pytest.mark.parametrize("text, message", [
    ("- date: 2020-13-45\n  label: x\n", r"events\.yaml, entry 1 \(label 'x'\): 'date' must "
                                           r"be a date"),
    ("- date: 2020-01-01\n  label: ok\n- date: soon\n  label: y\n", r"entry 2 \(label 'y'\)"),
    ("- date: 2020-01-01\n", r"entry 1: keys must be .*missing \['label'\]"),
    ("- date: 2020-01-01\n  label: x\n  lable: typo\n", r"unknown \['lable'\]"),
    ("date: 2020-01-01\n", "must hold a list of events"),
    ("- [unclosed\n", "not a readable YAML file"),
])
def test_load_events_names_file_and_entry(tmp_path, text, message):
    path = tmp_path / "events.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(AnalysisError, match=message):
        load_events(path)


def test_load_events_missing_file(tmp_path):
    with pytest.raises(AnalysisError, match="existing YAML file"):
        load_events(tmp_path / "nope.yaml")


def test_input_is_not_modified():
    before = DOCS.copy()
    _timeline(DOCS, terms="疫情", freq="W")
    pd.testing.assert_frame_equal(DOCS, before)
    assert np.isnan(_timeline(DOCS, terms="疫情", freq="M")["rate"]).sum() == 3


def test_poisson_interval_matches_scipy():
    from scipy.stats import chi2

    from analysis.stats.timeline import poisson_interval

    counts = np.array([0, 1, 2, 5, 17, 300])
    low, high = poisson_interval(counts, 0.9)
    expected_low = np.where(counts > 0, chi2.ppf(0.05, 2 * counts) / 2, 0)
    np.testing.assert_allclose(low, expected_low, rtol=1e-9)
    np.testing.assert_allclose(high, chi2.ppf(0.95, 2 * counts + 2) / 2, rtol=1e-9)


def test_rates_have_intervals_and_a_rolling_rate():
    table = _timeline(DOCS, terms="疫情", freq="M", rolling=2)
    a = table[table["institution"] == "A"].reset_index(drop=True)
    # January: 2 hits in 6 tokens; March: 1 hit in 2 tokens; February empty.
    assert a["rate_low"][0] < a["rate"][0] < a["rate_high"][0]
    assert a["rate_rolling"].tolist()[:3] == [pytest.approx(2 / 6 * 10_000), pytest.approx(
        2 / 6 * 10_000), pytest.approx(1 / 2 * 10_000)]  # Jan; Jan+Feb; Feb+Mar
    assert np.isnan(a["rate_low"][1])  # no document in February
    assert table.attrs["rolling"] == 2


@pytest.mark.parametrize("days, freq", [(21, "D"), (150, "W"), (730, "M"), (3650, "Q"),
                                        (70, "W"), (40000, "Y")])
def test_the_bin_gives_12_to_60_points_a_line(days, freq):
    from analysis.stats.overview import choose_freq

    dates = pd.Series([pd.Timestamp("2019-01-01"), pd.Timestamp("2019-01-01")
                       + pd.Timedelta(days=days - 1)])
    assert choose_freq(dates) == freq


def test_auto_freq_is_recorded():
    table = _timeline(DOCS, terms="疫情")  # 2020-01-05 to 2020-03-31: 87 days, weeks
    assert table.attrs["freq"] == "W"
