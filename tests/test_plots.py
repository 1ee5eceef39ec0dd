"""Figures of timelines, similarity and phrase diffusion: what they draw, fonts, no global state."""

from __future__ import annotations

import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from analysis.core.errors import AnalysisError  # noqa: E402
from analysis.figures.fonts import check_figure_fonts  # noqa: E402
from analysis.stats.phrases import shared_phrases  # noqa: E402
from analysis.figures import (plot_phrase_diffusion, plot_similarity_heatmap,  # noqa: E402
                            plot_timeline)
from analysis.stats.similarity import group_similarity  # noqa: E402
from analysis.stats.timeline import keyword_timeline  # noqa: E402

DOCS = pd.DataFrame({
    "doc_id": [f"d{i}" for i in range(7)],
    "institution": ["南开大学", "南开大学", "北京科技大学", "北京科技大学", "大连外国语大学",
                    "大连外国语大学", "南开大学"],
    "date": pd.to_datetime(["2020-01-06", "2020-01-20", "2020-01-07", "2020-02-03",
                            "2020-01-27", "2020-02-10", "2020-02-11"]),
    "tokens": ["疫情 防控 守土有责 守土担责", "疫情 开学", "疫情 防控 守土有责 守土担责",
               "复工 开学", "防控 守土有责 守土担责", "疫情 复工 开学", "开学 防控"],
    "text": ["疫情防控要做到守土担责", "疫情之下推迟开学", "疫情防控要做到守土担责",
             "复工复产推迟开学", "防控工作要做到守土担责", "疫情之下复工复产", "推迟开学以后"],
})
EVENTS = pd.DataFrame({"date": pd.to_datetime(["2020-01-23"]), "label": ["武汉封城"]})


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def timeline() -> pd.DataFrame:
    return keyword_timeline(DOCS, terms=["疫情", "防控"], freq="W")


def test_timeline_panels_lines_gaps_and_fonts(timeline):
    before = dict(matplotlib.rcParams)
    fig = plot_timeline(timeline, events=EVENTS)
    assert isinstance(fig, Figure)
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in axes] == ["疫情", "防控"]  # one panel per term
    ax = axes[0]
    # per group: a line and two marker layers (filled, hollow); the event line comes last
    lines = [ln for ln in ax.get_lines() if ln.get_linestyle() == "-"]
    assert len(lines) == 3
    # weeks with no document of the group are gaps (NaN), not zeros
    nankai = lines[[i for i, g in enumerate(["北京科技大学", "南开大学", "大连外国语大学"])
                    if g == "南开大学"][0]]
    y = np.asarray(nankai.get_ydata(), dtype=float)
    assert len(y) == 6  # the weeks of 01-06 to 02-10
    assert np.isnan(y).sum() == 3  # no 南开 document in the weeks of 01-13, 01-27, 02-03
    assert isinstance(ax.xaxis.get_major_formatter(), mdates.ConciseDateFormatter)
    assert any(t.get_text() == "1" for t in ax.texts)  # numbered mark, keyed in the legend
    keys = [t.get_text() for legend in fig.legends for t in legend.get_texts()]
    assert "1  武汉封城 (2020-01-23)" in keys
    fig.draw_without_rendering()
    assert "Noto Sans SC" in check_figure_fonts(fig)
    assert dict(matplotlib.rcParams) == before  # styled inside rc_context only


def test_sparse_bins_have_hollow_markers(timeline):
    fig = plot_timeline(timeline, sparse_docs=2)
    ax = fig.axes[0]
    hollow = [ln for ln in ax.get_lines()
              if ln.get_linestyle() == "None" and ln.get_markerfacecolor() in ("white", "w")]
    # every week holds at most one document per group: all points are hollow
    assert sum(np.isfinite(np.asarray(ln.get_ydata(), float)).sum() for ln in hollow) == 7


def test_timeline_facets_by_group_and_draws_into_a_given_figure(timeline):
    fig = plt.figure()
    out = plot_timeline(timeline, facet="group", value="count", fig=fig)
    assert out is fig
    titles = [ax.get_title() for ax in fig.axes if ax.get_visible()]
    assert titles == ["北京科技大学", "南开大学", "大连外国语大学"]
    assert fig.axes[0].get_ylabel() == "hits"


def test_timeline_errors():
    with pytest.raises(AnalysisError, match="'value' parameter"):
        plot_timeline(pd.DataFrame(), value="share")
    with pytest.raises(AnalysisError, match="'group_col' parameter"):
        plot_timeline(pd.DataFrame({"term": []}), group_col="institution")


def test_similarity_heatmap_is_ordered_by_the_dendrogram():
    docs = pd.DataFrame({"doc_id": list("abcd"), "institution": ["甲", "乙", "丙", "丁"],
                         "tokens": ["x y", "p q", "x y z", "p q r"]})
    table = group_similarity(docs)
    fig = plot_similarity_heatmap(table)
    dendro, heat = fig.axes[0], fig.axes[1]
    order = [t.get_text() for t in heat.get_yticklabels()]
    # the two clusters {甲, 丙} and {乙, 丁} sit side by side
    assert {frozenset(order[:2]), frozenset(order[2:])} == {frozenset("甲丙"), frozenset("乙丁")}
    image = heat.get_images()[0]
    assert image.get_array().shape == (4, 4) and np.ma.getmaskarray(np.diag(image.get_array())).all()
    assert image.get_clim() == (0.0, pytest.approx(table["similarity"].max()))  # fitted scale
    assert len(heat.texts) == 12  # every pair annotated; the diagonal (1 by definition) left blank
    assert not dendro.axison
    fig.draw_without_rendering()
    check_figure_fonts(fig)


def test_similarity_heatmap_needs_two_groups():
    with pytest.raises(AnalysisError, match="at least 2 groups"):
        plot_similarity_heatmap(pd.DataFrame([[1.0]], index=["a"], columns=["a"]))


def test_phrase_diffusion_dots():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = shared_phrases(DOCS, min_chars=4)
    fig = plot_phrase_diffusion(table)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0] == "做到守土担责"  # three groups: first row
    offsets = np.concatenate([c.get_offsets() for c in ax.collections])
    assert len(offsets) == len(table)  # one marker per (phrase, group)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["南开大学", "北京科技大学", "大连外国语大学"]  # by first use
    fig.draw_without_rendering()
    check_figure_fonts(fig)


def test_phrase_diffusion_on_a_given_axes_and_named_phrases():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = shared_phrases(DOCS, min_chars=4)
    fig, ax = plt.subplots()
    assert plot_phrase_diffusion(table, phrases=["推迟开学"], ax=ax) is fig
    assert [t.get_text() for t in ax.get_yticklabels()] == ["推迟开学"]
    with pytest.raises(AnalysisError, match="'phrases' parameter"):
        plot_phrase_diffusion(table, phrases=["没有"])


def test_event_numbers_never_overlap(timeline):
    dates = pd.to_datetime(["2020-01-20", "2020-01-21", "2020-01-22", "2020-01-23",
                            "2020-01-24", "2020-02-03", "2020-02-04"])
    events = pd.DataFrame({"date": dates, "label": [f"事件{i}" for i in range(7)]})
    fig = plot_timeline(timeline, events=events)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in fig.axes[0].texts]
    assert len(boxes) == 7
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not a.overlaps(b), "two event numbers overlap"


def test_event_levels_by_hand():
    from analysis.figures.timeline import event_levels

    levels = event_levels(np.array([0.1, 0.11, 0.12, 0.5, 0.505]), np.full(5, 0.02))
    assert levels.tolist() == [0, 1, 2, 0, 1]


def test_many_groups_draw_the_largest_twelve_on_one_page():
    from analysis.figures import plot_top_terms
    from analysis.figures.style import PAGE_HEIGHT

    rng = np.random.default_rng(0)
    groups = [f"来源{i:03d}" for i in range(100)]
    table = pd.DataFrame({"source": np.repeat(groups, 15),
                          "term": [f"词{j}" for _ in groups for j in range(15)],
                          "tfidf": rng.random(1500)})
    table.attrs["group_col"] = "source"
    fig = plot_top_terms(table, n=15, groups=groups[::-1])
    titled = [ax.get_title() for ax in fig.axes if ax.get_visible()]
    assert titled[0] == "来源099" and len(titled) == 12
    assert fig.get_figheight() <= PAGE_HEIGHT + 1e-9
    assert any("12 of 100 groups drawn" in t.get_text() for t in fig.texts)


def test_a_group_keeps_its_style_across_figures(timeline):
    from analysis.figures.style import group_styles

    palette = group_styles(["南开大学", "北京科技大学", "大连外国语大学", "哈尔滨工程大学"])
    fig = plot_timeline(timeline, palette=palette)
    lines = {ln.get_label(): ln for ln in fig.legends[0].legend_handles if ln.get_label()}
    for group in ("南开大学", "北京科技大学", "大连外国语大学"):
        assert lines[group].get_color() == palette[group][0]
        assert lines[group].get_marker() == palette[group][1]
