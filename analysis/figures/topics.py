"""Draw topic models for a paper: what each topic is, the choice of K, prevalence over time, contrasts.

Each function takes a table of :func:`analysis.stats.topics.fit_topics` first,
draws inside :func:`analysis.figures.style.paper_style` (every label's
characters checked against the font) and returns the Figure; the ``*_drawn``
functions return the rows a figure draws, for its CSV. Topics are named by
their ``label`` column (:func:`analysis.stats.topics.label_topics`). Figures
with a panel per group draw at most :data:`~analysis.figures.style.MAX_GROUPS`
groups, the largest (a Study passes ``groups`` largest first), and say so
under the figure.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..core.errors import AnalysisError, check_column, check_number
from ..stats.counts import table_group_col
from .style import (
    DOUBLE_COLUMN,
    PAGE_HEIGHT,
    colours,
    groups_drawn,
    new_figure,
    note_left_out,
    panel_layout,
    paper_style,
    wrap_label,
)

__all__ = ["plot_topic_contrasts", "plot_topic_sweep", "plot_topic_terms", "plot_topic_time",
           "topic_contrasts_drawn", "topic_time_drawn", "topics_over_time"]


def _need(table: pd.DataFrame, columns: Sequence[str], func: str) -> None:
    if not isinstance(table, pd.DataFrame):
        raise AnalysisError(f"The 'table' parameter of {func} must be a pandas DataFrame; got "
                            f"{type(table).__name__}.")
    for col in columns:
        check_column(table, col, param="table", func=func)
    if table.empty:
        raise AnalysisError(f"{func} got an empty table: there is nothing to draw.")


def _labels(table: pd.DataFrame) -> dict[int, str]:
    """Topic number -> label (the number alone when the table has no label)."""
    if "label" not in table.columns:
        return {int(t): f"T{int(t)}" for t in table["topic"].unique()}
    return dict(zip(table["topic"].astype(int), table["label"].astype(str)))


# -- what each topic is ---------------------------------------------------------------------------


def plot_topic_terms(table: pd.DataFrame, *, n_terms: int = 8, fig: Figure | None = None
                     ) -> Figure:
    """Draw each topic's share of the corpus with its top and FREX terms beside it.

    Parameters
    ----------
    table : pandas.DataFrame
        The ``topics`` table of :func:`analysis.stats.topics.fit_topics`.
    n_terms : int, default 8
        Terms written per list (most probable, FREX).
    fig : matplotlib.figure.Figure, optional
        The (empty) figure to draw into.

    Returns
    -------
    matplotlib.figure.Figure
        One row per topic, T1 (the largest) on top: a bar of its share of the
        corpus's tokens, then its most probable terms and, below them, its
        FREX terms (frequent *and* exclusive: what sets it apart).
    """
    func = "plot_topic_terms"
    _need(table, ("topic", "share", "top_terms", "frex_terms"), func)
    check_number(n_terms, param="n_terms", func=func, low=1, integer=True)
    rows = table.sort_values("topic")
    labels = _labels(rows)
    names = [labels[int(t)] for t in rows["topic"]]
    top = [" ".join(str(s).split()[:n_terms]) for s in rows["top_terms"]]
    frex = [" ".join(str(s).split()[:n_terms]) for s in rows["frex_terms"]]
    k = len(rows)
    row_h = min(0.3, (PAGE_HEIGHT - 0.6) / k)
    size = max(5.0, min(7.0, row_h * 72 * 0.42))
    with paper_style(texts=names + top + frex):
        fig = new_figure(fig, DOUBLE_COLUMN, 0.6 + row_h * k)
        bars, words = fig.subplots(1, 2, width_ratios=[1.1, 3.2], sharey=True)
        y = np.arange(k)
        share = rows["share"].to_numpy(dtype=float) * 100
        bars.barh(y, share, color="#0072B2", height=0.7)
        for yi, v in zip(y, share):
            bars.text(v, yi, f" {v:.1f}", va="center", ha="left", fontsize=size)
        bars.set_yticks(y, labels=names, fontsize=size + 0.5)
        bars.set_ylim(k - 0.5, -0.5)
        bars.set_xlim(0, share.max() * 1.3 if share.max() > 0 else 1)
        bars.set_xlabel("share of the corpus's tokens (%)")
        words.set_axis_off()
        for yi, a, b in zip(y, top, frex):
            words.text(0, yi - 0.18, a, va="center", ha="left", fontsize=size, color="0.1")
            words.text(0, yi + 0.2, b, va="center", ha="left", fontsize=size, color="#D55E00")
        words.set_xlim(0, 1)
        fig.legend(handles=[Patch(color="0.1", label="most probable terms"),
                              Patch(color="#D55E00", label="FREX terms (frequent and exclusive)")],
                     loc="outside lower center", ncols=2, fontsize=6)
    return fig


# -- how many topics ----------------------------------------------------------------------------------


def plot_topic_sweep(table: pd.DataFrame, *, fig: Figure | None = None) -> Figure:
    """Draw held-out fit, coherence and exclusivity against K, the chosen K marked.

    Parameters
    ----------
    table : pandas.DataFrame
        The ``sweep`` table of :func:`analysis.stats.topics.fit_topics` (or
        :func:`~analysis.stats.topics.topic_sweep`).
    fig : matplotlib.figure.Figure, optional
        The (empty) figure to draw into.

    Returns
    -------
    matplotlib.figure.Figure
        Three panels against K (held-out fit, lower is better; coherence and
        exclusivity, higher is better; K outside the held-out tolerance
        hollow) and a fourth of coherence against exclusivity, each K
        written beside its point; the chosen K in red.
    """
    func = "plot_topic_sweep"
    _need(table, ("n_topics", "heldout", "coherence", "exclusivity", "chosen"), func)
    rows = table.sort_values("n_topics")
    ks = rows["n_topics"].to_numpy()
    chosen = rows["chosen"].to_numpy(dtype=bool)
    ok = rows["within_tolerance"].to_numpy(dtype=bool) if "within_tolerance" in rows \
        else np.ones(len(rows), bool)
    measure = str(rows["heldout_measure"].iloc[0]) if "heldout_measure" in rows else "held-out"
    panels = [("heldout", f"held-out {measure}\n(lower is better)"),
              ("coherence", "semantic coherence\n(mean NPMI, higher is better)"),
              ("exclusivity", "exclusivity (stm)\n(higher is better)")]
    with paper_style():
        fig = new_figure(fig, DOUBLE_COLUMN, 2.1)
        axes = fig.subplots(1, 4)
        for ax, (col, title) in zip(axes, panels):
            v = rows[col].to_numpy(dtype=float)
            ax.plot(ks, v, color="0.4", linewidth=0.8, zorder=1)
            ax.scatter(ks[ok], v[ok], color="0.2", s=14, zorder=2)
            ax.scatter(ks[~ok], v[~ok], facecolor="white", edgecolor="0.2", s=14, zorder=2)
            ax.scatter(ks[chosen], v[chosen], color="#D55E00", s=30, zorder=3)
            ax.set_title(title, fontsize=7)
            ax.set_xlabel("K (topics)")
            ax.set_xticks(ks)
            if col == "heldout" and not np.isfinite(v).any():
                ax.text(0.5, 0.5, "not measured\n(one K, or too few documents)",
                        transform=ax.transAxes, ha="center", va="center", fontsize=6)
        ax = axes[3]
        x, y = rows["exclusivity"].to_numpy(dtype=float), rows["coherence"].to_numpy(dtype=float)
        ax.scatter(x[ok], y[ok], color="0.2", s=14)
        ax.scatter(x[~ok], y[~ok], facecolor="white", edgecolor="0.2", s=14)
        ax.scatter(x[chosen], y[chosen], color="#D55E00", s=30, zorder=3)
        for xi, yi, k in zip(x, y, ks):
            ax.annotate(str(k), (xi, yi), xytext=(3, 2), textcoords="offset points",
                        fontsize=6)
        ax.set_xlabel("exclusivity")
        ax.set_ylabel("coherence")
        ax.set_title("coherence against exclusivity", fontsize=7)
        ax.margins(0.15)
        fig.legend(handles=[
            Line2D([], [], marker="o", linestyle="none", color="#D55E00", label="chosen K"),
            Line2D([], [], marker="o", linestyle="none", markerfacecolor="white",
                   markeredgecolor="0.2", label="held-out fit outside the tolerance")],
            loc="outside lower center", ncols=2, fontsize=6)
    return fig


# -- prevalence over time ---------------------------------------------------------------------------


def topics_over_time(table: pd.DataFrame, *, n: int = 6, min_docs: int = 3) -> list[int]:
    """Choose the topics whose prevalence changes most over time.

    Parameters
    ----------
    table : pandas.DataFrame
        The ``prevalence_time`` table of :func:`analysis.stats.topics.fit_topics`.
    n : int, default 6
        How many topics at most.
    min_docs : int, default 3
        Cells (group x period) with fewer documents are not counted.

    Returns
    -------
    list of int
        Topic numbers, the most variable first: by the standard deviation of
        the prevalence over the periods *within* each group (around the
        group's own mean, so a topic one group always writes about does not
        count as change), pooled over groups, weighted by the documents of
        the group-period cells with at least ``min_docs`` documents.
    """
    func = "topics_over_time"
    check_number(n, param="n", func=func, low=1, integer=True)
    group_col = table_group_col(table, None, func=func)
    cells = table[table["n_docs"] >= min_docs]
    if cells.empty:
        cells = table[table["n_docs"] > 0]
    w = cells["n_docs"].to_numpy(dtype=float)
    v = cells["prevalence"].to_numpy(dtype=float)
    keys = [cells[group_col].astype(str).to_numpy(), cells["topic"].to_numpy()]
    frame = pd.DataFrame({"g": keys[0], "t": keys[1], "w": w, "wv": w * v})
    sums = frame.groupby(["g", "t"])[["w", "wv"]].transform("sum")
    dev = (v - sums["wv"].to_numpy() / sums["w"].to_numpy()) ** 2
    spread = pd.DataFrame({"t": keys[1], "w": w, "wd": w * dev}).groupby("t")[["w", "wd"]] \
        .sum()
    spread = np.sqrt(spread["wd"] / spread["w"])
    return sorted((int(t) for t in spread.index), key=lambda t: (-spread[t], t))[:n]


def topic_time_drawn(table: pd.DataFrame, *, topics: Sequence[int] | None = None, n: int = 4,
                     group_col: str | None = None, groups: Sequence[object] | None = None,
                     min_docs: int = 3) -> pd.DataFrame:
    """Select the rows :func:`plot_topic_time` draws: the data behind the figure.

    Parameters
    ----------
    table : pandas.DataFrame
        The ``prevalence_time`` table.
    topics : list of int, optional
        The topics drawn; default the ``n`` that change most (:func:`topics_over_time`).
    n : int, default 4
        How many topics when ``topics`` is None.
    group_col : str, optional
        Default: the one the fit recorded.
    groups : sequence, optional
        Groups in drawing order (largest first); at most 12 are drawn.
    min_docs : int, default 3
        See :func:`topics_over_time`.

    Returns
    -------
    pandas.DataFrame
        The rows of the topics and groups drawn.
    """
    func = "topic_time_drawn"
    group_col = table_group_col(table, group_col, func=func)
    if isinstance(table, pd.DataFrame) and table.empty:  # no dated document: nothing drawn
        return table.copy()
    _need(table, ("period", "topic", "n_docs", "prevalence"), func)
    known = sorted(int(t) for t in table["topic"].unique())
    if topics is None:
        topics = topics_over_time(table, n=n, min_docs=min_docs)
    else:
        bad = [t for t in topics if t not in known]
        if bad or not len(topics):
            raise AnalysisError(f"The 'topics' parameter of {func} must be a non-empty list of "
                                f"topic numbers among 1..{max(known)}; got {list(topics)!r}.")
    present = list(dict.fromkeys(table[group_col]))
    drawn, _ = groups_drawn(present, groups)
    rows = table[table["topic"].isin(list(topics)) & table[group_col].isin(drawn)]
    order = {g: i for i, g in enumerate(drawn)}
    rank = {t: i for i, t in enumerate(topics)}
    rows = rows.assign(_g=rows[group_col].map(order), _t=rows["topic"].map(rank)) \
        .sort_values(["_g", "_t", "period"], kind="stable").drop(columns=["_g", "_t"])
    rows = rows.reset_index(drop=True)
    rows.attrs = {**table.attrs, "topics_drawn": [int(t) for t in topics],
                  "groups_left_out": len(present) - len(drawn)}
    return rows


def plot_topic_time(table: pd.DataFrame, *, topics: Sequence[int] | None = None, n: int = 4,
                    group_col: str | None = None, groups: Sequence[object] | None = None,
                    sparse_docs: int = 3, ncols: int | None = None,
                    fig: Figure | None = None) -> Figure:
    """Draw topic prevalence over time in small multiples, one panel per group.

    Parameters
    ----------
    table : pandas.DataFrame
        The ``prevalence_time`` table of :func:`analysis.stats.topics.fit_topics`.
    topics : list of int, optional
        Topics drawn (one line each); default the ``n`` that change most.
    n : int, default 4
        Topics drawn when ``topics`` is None.
    group_col : str, optional
        Default: the one the fit recorded.
    groups : sequence, optional
        Groups in drawing order (a Study passes the largest first); at most 12.
    sparse_docs : int, default 3
        Periods of a group with fewer documents get hollow markers and no
        band; periods with none are gaps.
    ncols : int, optional
        Panels per row; default 1 to 3 in one row, then 3, then 4.
    fig : matplotlib.figure.Figure, optional
        The (empty) figure to draw into.

    Returns
    -------
    matplotlib.figure.Figure
        Lines of prevalence (mean topic share of the period's documents, %),
        bands of the bootstrap interval, panels sharing both axes.
    """
    func = "plot_topic_time"
    group_col = table_group_col(table, group_col, func=func)
    if table.empty:
        with paper_style():
            fig = new_figure(fig, DOUBLE_COLUMN, 1.0)
            fig.text(0.5, 0.5, "No counted document has a date: no prevalence over time.",
                     ha="center", va="center")
        return fig
    rows = topic_time_drawn(table, topics=topics, n=n, group_col=group_col, groups=groups,
                            min_docs=sparse_docs)
    present = list(dict.fromkeys(table[group_col]))
    drawn = list(dict.fromkeys(rows[group_col]))
    chosen = rows.attrs["topics_drawn"]
    labels = _labels(table)
    names = [labels[t] for t in chosen]
    n_panels = max(1, len(drawn))
    cols = ncols or (n_panels if n_panels <= 3 else 3 if n_panels <= 9 else 4)
    cols = max(1, min(cols, n_panels))
    n_rows = -(-n_panels // cols)
    with paper_style(texts=[str(g) for g in drawn] + names):
        fig = new_figure(fig, DOUBLE_COLUMN, 0.9 + 1.55 * n_rows)
        axes = np.atleast_1d(fig.subplots(n_rows, cols, sharex=True, sharey=True,
                                          squeeze=False)).ravel()
        palette = dict(zip(chosen, colours(len(chosen))))
        top = 0.0
        for ax, group in zip(axes, drawn):
            sub = rows[rows[group_col] == group]
            for i, t in enumerate(chosen):
                part = sub[sub["topic"] == t].sort_values("period")
                x = pd.to_datetime(part["period"]).to_numpy()
                docs = part["n_docs"].to_numpy()
                y = np.where(docs > 0, part["prevalence"].to_numpy(dtype=float) * 100, np.nan)
                steady = docs >= sparse_docs
                if "low" in part and "high" in part:
                    ax.fill_between(x, np.where(steady, part["low"] * 100, np.nan),
                                    np.where(steady, part["high"] * 100, np.nan),
                                    color=palette[t], alpha=0.12, linewidth=0)
                ax.plot(x, y, color=palette[t], linewidth=0.9)
                ax.plot(x[~steady], y[~steady], linestyle="none", marker="o", markersize=2.4,
                        markerfacecolor="white", markeredgecolor=palette[t],
                        markeredgewidth=0.6)
                top = max(top, np.nanmax(np.r_[y, 0.0]))
            ax.set_title(wrap_label(group, 16), fontsize=7)
            ax.xaxis.set_major_locator(locator := mdates.AutoDateLocator(maxticks=5))
            ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
        for ax in axes[len(drawn):]:
            ax.set_visible(False)
        axes[0].set_ylim(0, top * 1.15 if top > 0 else 1)
        for r in range(n_rows):
            axes[r * cols].set_ylabel("prevalence (%)")
        freq = table.attrs.get("freq")
        ci = table.attrs.get("ci", 0.95)
        handles = [Line2D([], [], color=palette[t], label=labels[t]) for t in chosen]
        handles += [Line2D([], [], color="0.3", marker="o", markerfacecolor="white",
                           linestyle="none", markersize=3,
                           label=f"< {sparse_docs} documents in the period"),
                    Patch(facecolor="0.3", alpha=0.15,
                          label=f"{ci:.0%} bootstrap interval")]
        fig.legend(handles=handles, loc="outside lower center", ncols=min(3, len(handles)),
                   fontsize=6, title=f"topics (period: {freq})" if freq else "topics",
                   title_fontsize=6)
        note_left_out(fig, len(present) - len(drawn), len(present))
    return fig


# -- contrasts -------------------------------------------------------------------------------------


def topic_contrasts_drawn(table: pd.DataFrame, *, group_col: str | None = None,
                          groups: Sequence[object] | None = None) -> pd.DataFrame:
    """Select the rows :func:`plot_topic_contrasts` draws (the largest 12 groups).

    Parameters
    ----------
    table : pandas.DataFrame
        The ``contrasts`` table of :func:`analysis.stats.topics.fit_topics`.
    group_col : str, optional
        Default: the one the fit recorded.
    groups : sequence, optional
        Groups in drawing order (largest first).

    Returns
    -------
    pandas.DataFrame
        The rows drawn, in group then topic order.
    """
    func = "topic_contrasts_drawn"
    group_col = table_group_col(table, group_col, func=func)
    _need(table, ("topic", "difference", "low", "high"), func)
    present = list(dict.fromkeys(table[group_col]))
    drawn, _ = groups_drawn(present, groups)
    order = {g: i for i, g in enumerate(drawn)}
    rows = table[table[group_col].isin(drawn)]
    rows = rows.assign(_g=rows[group_col].map(order)).sort_values(
        ["_g", "topic"], kind="stable").drop(columns="_g").reset_index(drop=True)
    rows.attrs = {**table.attrs, "groups_left_out": len(present) - len(drawn)}
    return rows


def plot_topic_contrasts(table: pd.DataFrame, *, group_col: str | None = None,
                         groups: Sequence[object] | None = None,
                         ncols: int | None = None, fig: Figure | None = None) -> Figure:
    """Draw each group's difference of topic prevalence from its reference, with intervals.

    Parameters
    ----------
    table : pandas.DataFrame
        The ``contrasts`` table of :func:`analysis.stats.topics.fit_topics`.
    group_col : str, optional
        Default: the one the fit recorded.
    groups : sequence, optional
        Groups in drawing order (a Study passes the largest first); at most 12.
    ncols : int, optional
        Panels per row.
    fig : matplotlib.figure.Figure, optional
        The (empty) figure to draw into.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per group, one row per topic (T1 on top, the same rows in
        every panel): the difference in percentage points with its bootstrap
        interval; filled red where the Benjamini-Hochberg q is below the
        fit's alpha, hollow otherwise.
    """
    func = "plot_topic_contrasts"
    group_col = table_group_col(table, group_col, func=func)
    rows = topic_contrasts_drawn(table, group_col=group_col, groups=groups)
    present = list(dict.fromkeys(table[group_col]))
    drawn = list(dict.fromkeys(rows[group_col]))
    labels = _labels(table)
    topics = sorted(labels)
    names = [labels[t] for t in topics]
    n_rows, cols, size, label_size = panel_layout(max(1, len(drawn)), len(topics), ncols)
    reference = str(rows["reference"].iloc[0]) if "reference" in rows and len(rows) else "rest"
    alpha = table.attrs.get("alpha", 0.05)
    ci = table.attrs.get("ci", 0.95)
    with paper_style(texts=[str(g) for g in drawn] + names + [reference]):
        fig = new_figure(fig, *size)
        axes = np.atleast_1d(fig.subplots(n_rows, cols, sharex=True, sharey=True,
                                          squeeze=False)).ravel()
        ypos = {t: i for i, t in enumerate(topics)}
        for ax, group in zip(axes, drawn):
            sub = rows[rows[group_col] == group]
            y = sub["topic"].map(ypos).to_numpy()
            d = sub["difference"].to_numpy(dtype=float) * 100
            lo, hi = sub["low"].to_numpy(dtype=float) * 100, sub["high"].to_numpy(dtype=float) * 100
            sig = sub["significant"].to_numpy(dtype=bool) if "significant" in sub \
                else np.zeros(len(sub), bool)
            colour = np.where(sig, "#B2182B", "0.25")
            ax.axvline(0, color="0.5", linewidth=0.5, zorder=0)
            ax.hlines(y, lo, hi, colors=colour, linewidth=0.8)
            ax.scatter(d[sig], y[sig], color="#B2182B", s=9, zorder=3)
            ax.scatter(d[~sig], y[~sig], facecolor="white", edgecolor="0.25", s=9,
                       linewidth=0.6, zorder=3)
            n_docs = int(sub["n_docs"].iloc[0]) if "n_docs" in sub and len(sub) else 0
            ax.set_title(wrap_label(f"{group} (n={n_docs})", 18), fontsize=7)
            ax.grid(axis="y", color="0.92", linewidth=0.4)
        axes[0].set_yticks(range(len(topics)), labels=names)
        axes[0].set_ylim(len(topics) - 0.5, -0.5)
        for ax in axes:
            ax.tick_params(axis="y", labelsize=label_size - 1)
        for ax in axes[len(drawn):]:
            ax.set_visible(False)
        steady = rows[rows["n_docs"] >= 30] if "n_docs" in rows else rows
        steady = steady if len(steady) else rows
        reach = max(np.nanmax(np.abs(rows["difference"].to_numpy(dtype=float))),
                    np.nanmax(np.abs(steady[["low", "high"]].to_numpy(dtype=float))),
                    1e-4) * 100 * 1.08
        axes[0].set_xlim(-reach, reach)  # an interval of a group under 30 documents may run off
        for ax in axes[max(0, len(drawn) - cols):len(drawn)]:
            ax.set_xlabel(f"vs {reference} (points)")
        fig.legend(handles=[
            Line2D([], [], marker="o", color="#B2182B", linestyle="-", markersize=3,
                   label=f"q < {alpha:g} (Benjamini-Hochberg over topics x groups)"),
            Line2D([], [], marker="o", color="0.25", markerfacecolor="white", linestyle="-",
                   markersize=3, label=f"q >= {alpha:g}; lines: {ci:.0%} bootstrap interval")],
            loc="outside lower center", ncols=2, fontsize=6, title_fontsize=6,
            title=f"difference of prevalence from {reference}, in percentage points")
        note_left_out(fig, len(present) - len(drawn), len(present))
    return fig
