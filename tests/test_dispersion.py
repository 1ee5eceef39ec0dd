"""Gries' DP against the worked example of Gries (2008), and reposts counted once."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.stats.counts import term_counts
from analysis.stats.dispersion import dispersion, gries_dp

# Gries (2008: 406), five corpus parts of 9, 10, 10, 10 and 11 words:
GRIES = ["b a m n i b e u p", "b a s a t b e w q n", "b c a g a b e s t a",
         "b a g h a b e a a t", "b a h a a b e a x a t"]


def test_gries_worked_example():
    dp, norm = gries_dp([1, 2, 3, 4, 5], [9, 10, 10, 10, 11])
    assert dp == pytest.approx(0.18)  # Gries (2008)
    assert norm == pytest.approx(0.18 / 0.82)  # Lijffijt & Gries (2012): 0.2195


def test_dispersion_table_on_the_worked_example():
    docs = pd.DataFrame({"doc_id": list("12345"), "g": "corpus", "tokens": GRIES})
    table = dispersion(docs, group_col="g").set_index("term")
    assert table.loc["a", "freq"] == 15 and table.loc["a", "n_docs"] == 5
    assert table.loc["a", "dp"] == pytest.approx(0.18)
    assert table.loc["a", "dp_norm"] == pytest.approx(0.18 / 0.82)
    # b is in every part, twice: observed shares 0.2 each against 0.18 .. 0.22
    assert table.loc["b", "dp"] == pytest.approx(0.5 * (0.02 + 0 + 0 + 0 + 0.02))
    # x is only in the last part (11 of 50 words): DP = 1 - 0.22
    assert table.loc["x", "dp"] == pytest.approx(0.78) and table.loc["x", "n_docs"] == 1
    assert table.loc["x", "dp_norm"] == pytest.approx(0.78 / 0.82)


def test_reposts_count_once():
    docs = pd.DataFrame({"doc_id": ["p", "q", "r", "s"], "g": ["A"] * 4,
                         "tokens": ["停课 不停学", "停课 不停学", "停课 不停学", "开学 返校"]})
    plain = dispersion(docs, group_col="g").set_index("term")
    assert plain.loc["停课", "n_docs"] == 3
    once = dispersion(docs, group_col="g",
                      clusters=pd.Series({"p": 0, "q": 0, "r": 0, "s": 1})).set_index("term")
    assert once.loc["停课", "n_docs"] == 1 and once.loc["停课", "freq"] == 1
    assert once.loc["停课", "dp"] == pytest.approx(0.5)  # one of two equal parts


def test_groups_are_measured_apart_and_counts_are_reused():
    docs = pd.DataFrame({"doc_id": list("abcd"), "g": ["A", "A", "B", "B"],
                         "tokens": ["x y", "y y", "x", "z"]})
    counts = term_counts(docs)
    table = dispersion(docs.drop(columns="tokens"), counts, group_col="g")
    assert table[["g", "term", "freq", "n_docs"]].values.tolist() == [
        ["A", "x", 1, 1], ["A", "y", 3, 2], ["B", "x", 1, 1], ["B", "z", 1, 1]]
