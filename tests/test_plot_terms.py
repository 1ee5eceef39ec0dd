"""Term plots draw (and save) exactly the rows they say."""

from __future__ import annotations

import pandas as pd

from analysis.figures import keyness_drawn, plot_keyness, plot_top_terms

KEY = pd.DataFrame({
    "institution": ["A"] * 5 + ["B"] * 3,
    "term": ["甲", "乙", "丙", "丁", "戊", "甲", "乙", "丙"],
    "g2": [9.0, 7.0, 5.0, 4.0, 1.0, 8.0, 6.0, 3.0],
    "log_ratio": [2.0, 1.5, 1.0, -1.0, 0.5, 2.5, -2.0, 1.0],
    "direction": ["over", "over", "over", "under", "over", "over", "under", "over"],
    "freq_target": [9, 7, 5, 1, 2, 8, 0, 3],
    "significant": [True, True, True, True, False, True, True, False],
})


def test_keyness_drawn_picks_top_over_and_under_used_significant_terms():
    drawn = keyness_drawn(KEY, group_col="institution", n=2)
    assert drawn[["institution", "term"]].values.tolist() == [
        ["A", "丁"], ["A", "乙"], ["A", "甲"], ["B", "乙"], ["B", "甲"]]


def test_keyness_drawn_can_keep_non_significant_rows():
    drawn = keyness_drawn(KEY, group_col="institution", n=4, significant_only=False)
    assert set(drawn.loc[drawn["institution"] == "B", "term"]) == {"甲", "乙", "丙"}


def test_plots_draw_one_panel_per_group_with_the_drawn_terms():
    fig = plot_keyness(KEY, group_col="institution", n=2)
    labels = [[t.get_text() for t in ax.get_yticklabels()] for ax in fig.axes if ax.get_visible()]
    assert labels == [["丁", "乙", "甲"], ["乙", "甲"]]
    top = KEY.rename(columns={"g2": "tfidf"})
    fig = plot_top_terms(top, group_col="institution", n=2)
    labels = [[t.get_text() for t in ax.get_yticklabels()] for ax in fig.axes if ax.get_visible()]
    assert labels == [["乙", "甲"], ["乙", "甲"]]
