"""Keyness: G2, chi-square, log ratio and BH q-values against hand computations."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2, chi2_contingency, false_discovery_control, power_divergence

from analysis.core.errors import AnalysisError
from analysis.stats.keyness import (
    benjamini_hochberg,
    chi2_sf,
    chi_square,
    keyness,
    log_likelihood,
    log_ratio,
)

# A pools "x x x y" + "x z": x 4, y 1, z 1 (6 tokens).
# B pools "y y z z" + "x y z w": x 1, y 3, z 3, w 1 (8 tokens).
TWO = pd.DataFrame({
    "doc_id": ["1", "2", "3", "4"],
    "tokens": ["x x x y", "x z", "y y z z", "x y z w"],
    "inst": ["A", "A", "B", "B"],
})
# C adds "x w w w": x 1, w 3 (4 tokens).
THREE = pd.concat([TWO, pd.DataFrame({"doc_id": ["5"], "tokens": ["x w w w"], "inst": ["C"]})],
                  ignore_index=True)

TABLES = [(4, 1, 6, 8), (1, 3, 6, 8), (0, 1, 6, 8), (3, 1, 8, 6), (30, 10, 100_000, 120_000)]


def g2_by_hand(a: int, b: int, c: int, d: int) -> float:
    """Rayson & Garside: E1 = c(a+b)/(c+d), E2 = d(a+b)/(c+d), 0 ln 0 = 0."""
    e1, e2 = c * (a + b) / (c + d), d * (a + b) / (c + d)
    return 2 * sum(o * math.log(o / e) for o, e in ((a, e1), (b, e2)) if o > 0)


def chi2_by_hand(a: int, b: int, c: int, d: int) -> float:
    """Pearson on [[a, b], [c-a, d-b]]: sum of (O - E)^2 / E, E = row * column / N."""
    table = [[a, b], [c - a, d - b]]
    n = c + d
    rows, cols = [a + b, n - a - b], [c, d]
    return sum((table[i][j] - rows[i] * cols[j] / n) ** 2 / (rows[i] * cols[j] / n)
               for i in range(2) for j in range(2))


def test_g2_and_chi2_worked_example():
    # x in A vs B: a=4, b=1, c=6, d=8; E1 = 6*5/14 = 2.142857, E2 = 8*5/14 = 2.857143.
    # G2 = 2 (4 ln(4/2.142857) + 1 ln(1/2.857143)) = 2 (2.496617 - 1.049822) = 2.893590.
    assert log_likelihood(4, 1, 6, 8) == pytest.approx(2.893590, abs=1e-6)
    # chi2 = N (a(d-b) - b(c-a))^2 / (row1 row2 c d) = 14 * 26^2 / (5 * 9 * 6 * 8) = 4.381481.
    assert chi_square(4, 1, 6, 8) == pytest.approx(14 * 26**2 / 2160, abs=1e-12)
    # log ratio = log2((4/6) / (1/8)) = log2(16/3) = 2.415037.
    assert log_ratio(4, 1, 6, 8) == pytest.approx(math.log2(16 / 3), abs=1e-12)


@pytest.mark.parametrize(("a", "b", "c", "d"), TABLES)
def test_scores_against_hand_formulas_and_scipy(a, b, c, d):
    assert log_likelihood(a, b, c, d) == pytest.approx(g2_by_hand(a, b, c, d), rel=1e-12)
    assert chi_square(a, b, c, d) == pytest.approx(chi2_by_hand(a, b, c, d), rel=1e-12)
    table = np.array([[a, b], [c - a, d - b]])
    pearson = chi2_contingency(table, correction=False)[0]
    assert chi_square(a, b, c, d) == pytest.approx(pearson, rel=1e-12)
    # The two-cell G2 is power divergence of (a, b) from (E1, E2) ...
    e1, e2 = c * (a + b) / (c + d), d * (a + b) / (c + d)
    two_cell = power_divergence([a, b], f_exp=[e1, e2], lambda_="log-likelihood")[0]
    assert log_likelihood(a, b, c, d) == pytest.approx(two_cell, rel=1e-12)


def test_g2_close_to_four_cell_g2_at_corpus_scale():
    # ... and the four-cell G2 of scipy differs by the "other words" cells, which
    # vanish when a, b << c, d (here by 0.02 %), but not for toy tables.
    for (a, b, c, d), rel in [((30, 10, 100_000, 120_000), 5e-4), ((4, 1, 6, 8), 0.5)]:
        table = np.array([[a, b], [c - a, d - b]])
        four_cell = chi2_contingency(table, correction=False, lambda_="log-likelihood")[0]
        assert log_likelihood(a, b, c, d) == pytest.approx(four_cell, rel=rel)
    assert log_likelihood(4, 1, 6, 8) < 0.7 * 4.582691  # scipy's four-cell value


def test_log_ratio_replaces_zero_by_half():
    # w: a=0 -> 0.5: log2((0.5/6) / (1/8)) = log2(2/3) = -0.584963.
    assert log_ratio(0, 1, 6, 8) == pytest.approx(math.log2(2 / 3), abs=1e-12)
    assert log_ratio(1, 0, 8, 6) == pytest.approx(math.log2(3 / 2), abs=1e-12)


@pytest.mark.parametrize(("p", "q"), [
    # sorted 0.005, 0.01, 0.03, 0.04 -> p m / rank = 0.02, 0.02, 0.04, 0.04
    ([0.01, 0.04, 0.03, 0.005], [0.02, 0.04, 0.04, 0.02]),
    # 0.02 * 2 / 1 = 0.04 > 0.03 * 2 / 2 = 0.03: step-up makes q monotone
    ([0.02, 0.03], [0.03, 0.03]),
    ([0.01, 0.02, 0.03, 0.04, 0.05], [0.05] * 5),
    ([0.9, 0.8], [0.9, 0.9]),
    ([0.5], [0.5]),
    ([], []),
])
def test_benjamini_hochberg_hand_examples(p, q):
    np.testing.assert_allclose(benjamini_hochberg(p), q, atol=1e-15)
    if p:
        np.testing.assert_allclose(benjamini_hochberg(p), false_discovery_control(p))


def test_benjamini_hochberg_rejects_bad_p():
    with pytest.raises(AnalysisError, match="'p_values' parameter of benjamini_hochberg"):
        benjamini_hochberg([0.1, 1.5])


def test_keyness_table_each_group_against_rest():
    table = keyness(TWO, group_col="inst", min_freq=1)
    assert list(table.columns) == [
        "inst", "reference", "term", "freq_target", "freq_reference", "total_target",
        "total_reference", "rate_target_per_10k", "rate_reference_per_10k", "g2", "chi2",
        "log_ratio", "p_value", "q_value", "direction", "significant", "rank", "n_docs", "dp",
        "alias"]
    a = table[table["inst"] == "A"]
    # over-used first; within under-used, y and z tie on g2 and go by term.
    assert list(zip(a["term"], a["direction"], a["rank"])) == [
        ("x", "over", 1), ("w", "under", 1), ("y", "under", 2), ("z", "under", 3)]
    x = a.iloc[0]
    assert (x["reference"], x["freq_target"], x["freq_reference"]) == ("rest", 4, 1)
    assert (x["total_target"], x["total_reference"]) == (6, 8)
    assert x["rate_target_per_10k"] == pytest.approx(4 / 6 * 10_000)
    assert x["rate_reference_per_10k"] == pytest.approx(1250.0)
    assert x["g2"] == pytest.approx(g2_by_hand(4, 1, 6, 8), rel=1e-12)
    assert x["chi2"] == pytest.approx(chi2_by_hand(4, 1, 6, 8), rel=1e-12)
    assert x["p_value"] == pytest.approx(chi2.sf(g2_by_hand(4, 1, 6, 8), 1), rel=1e-12)
    assert table.loc[table["inst"] == "B", "term"].tolist() == ["w", "y", "z", "x"]


def test_min_freq_guard_limits_the_bh_family():
    # min_freq=2 drops w (a + b = 1): the family is x, y, z only.
    table = keyness(TWO, group_col="inst", target="A", min_freq=2)
    assert sorted(table["term"]) == ["x", "y", "z"]
    p = [chi2.sf(g2_by_hand(*t), 1) for t in [(4, 1, 6, 8), (1, 3, 6, 8), (1, 3, 6, 8)]]
    q = dict(zip(["x", "y", "z"], benjamini_hochberg(p)))
    for term, value in zip(table["term"], table["q_value"]):
        assert value == pytest.approx(q[term], rel=1e-12)
    assert table["significant"].tolist() == (table["q_value"] < 0.05).tolist()


def test_target_against_reference_group():
    table = keyness(THREE, group_col="inst", target="A", reference="B", min_freq=1)
    assert set(table["inst"]) == {"A"} and set(table["reference"]) == {"B"}
    x = table[table["term"] == "x"].iloc[0]
    assert (x["freq_target"], x["freq_reference"], x["total_reference"]) == (4, 1, 8)


def test_target_against_rest_pools_the_others():
    table = keyness(THREE, group_col="inst", target="A", min_freq=1)
    x = table[table["term"] == "x"].iloc[0]
    assert (x["reference"], x["freq_reference"], x["total_reference"]) == ("rest", 2, 12)


def test_every_group_against_one_reference():
    table = keyness(THREE, group_col="inst", reference="B", min_freq=1)
    assert table["inst"].unique().tolist() == ["A", "C"]
    assert set(table["reference"]) == {"B"}


def test_equal_rates_have_direction_equal():
    docs = pd.DataFrame({"tokens": ["p q", "p q"], "g": ["A", "B"]})
    table = keyness(docs, group_col="g", target="A", min_freq=1)
    assert table["direction"].tolist() == ["equal", "equal"]
    assert table["g2"].tolist() == [0.0, 0.0]


def test_measure_chi2_drives_p_and_rank():
    table = keyness(TWO, group_col="inst", target="A", min_freq=1, measure="chi2")
    np.testing.assert_allclose(table["p_value"], chi2.sf(table["chi2"], 1))


def test_na_groups_are_excluded_with_count():
    docs = TWO.assign(inst=["A", None, "B", "B"])
    with pytest.warns(UserWarning, match=r"1 document\(s\) with NA in 'inst'"):
        table = keyness(docs, group_col="inst", target="A", min_freq=1)
    assert table["total_target"].iloc[0] == 4


@pytest.mark.parametrize(("options", "match"), [
    ({"group_col": "nope"}, r"'group_col' parameter of keyness must be one of the columns "
                            r"\['doc_id', 'tokens', 'inst'\]; got 'nope'"),
    ({"group_col": "inst", "target": "Q"},
     r"'target' parameter of keyness must be one of the groups .*\['A', 'B', 'C'\]; got 'Q'"),
    ({"group_col": "inst", "target": "A", "reference": "A"}, "must name different groups"),
    ({"group_col": "inst", "measure": "pmi"}, r"'measure' parameter .* got 'pmi'"),
    ({"group_col": "inst", "correction": "holm"}, r"'correction' parameter"),
    ({"group_col": "inst", "min_freq": 0}, r"'min_freq' parameter"),
    ({"group_col": "doc_id", "target": "1", "reference": "9"}, r"'reference' parameter"),
])
def test_invalid_options_are_named(options, match):
    with pytest.raises(AnalysisError, match=match):
        keyness(THREE, **options)


def test_one_group_is_an_error():
    with pytest.raises(AnalysisError, match="at least two groups"):
        keyness(TWO.assign(inst="A"), group_col="inst")


def test_nothing_above_min_freq_gives_empty_table_and_warning():
    with pytest.warns(UserWarning, match="no term reaches min_freq=100"):
        table = keyness(TWO, group_col="inst", target="A", min_freq=100)
    assert table.empty and "q_value" in table.columns


def test_chi2_sf_is_scipys_chi2_sf_with_one_degree_of_freedom():
    scores = np.concatenate([[0.0, 1e-12, 3.841458820694124, 10.827566170662733],
                             np.geomspace(1e-6, 700, 2000)])
    np.testing.assert_allclose(chi2_sf(scores), chi2.sf(scores, 1), rtol=1e-12, atol=0)
    assert chi2_sf(0.0) == 1.0
