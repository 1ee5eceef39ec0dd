"""Draw the comparison tables: keyword timelines, group similarity, phrase diffusion.

Every function draws inside :func:`analysis.style.paper_style` (so importing
or calling it never changes global matplotlib settings), takes a ``fig`` or
``ax`` to draw into, and returns the :class:`~matplotlib.figure.Figure`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from scipy.cluster.hierarchy import dendrogram, linkage
from scipy.spatial.distance import squareform

from .errors import AnalysisError, check_choice, check_column, check_number
from .phrases import phrase_summary
from .similarity import similarity_matrix
from .style import DOUBLE_COLUMN, SINGLE_COLUMN, paper_style

__all__ = ["plot_phrase_diffusion", "plot_similarity_heatmap", "plot_timeline"]

_MARKERS = "osD^vP*Xph<>"


def _colours(n: int) -> list:
    """Return n distinguishable colours: the style's cycle, then tab20."""
    cycle = plt.rcParams["axes.prop_cycle"].by_key().get("color", [])
    return list(cycle[:n]) if n <= len(cycle) else list(plt.get_cmap("tab20").colors[:n]) + [
        plt.get_cmap("tab20b")(i % 20) for i in range(max(0, n - 20))]


def _new_figure(fig: Figure | None, width: float, height: float) -> Figure:
    return fig if fig is not None else plt.figure(figsize=(width, height), layout="constrained")


def _facets(table: pd.DataFrame, group_col: str, facet: str, max_lines: int
            ) -> tuple[str, str]:
    """Return (panel column, line column) for the timeline."""
    if facet == "auto":
        facet = "term" if table[group_col].nunique() <= max_lines else "group"
    return ("term", group_col) if facet == "term" else (group_col, "term")


def _draw_events(ax: Axes, events: pd.DataFrame | None, label: bool) -> None:
    """Mark dated events with dashed lines, numbered at the top when ``label``.

    The numbers refer to the event key in the figure legend, which stays
    readable when several events fall within a few days.
    """
    if events is None or events.empty:
        return
    lo, hi = ax.get_xlim()
    for number, (_, event) in enumerate(events.iterrows(), start=1):
        x = mdates.date2num(pd.Timestamp(event["date"]))
        if lo <= x <= hi:
            ax.axvline(x, color="0.45", linestyle="--", linewidth=0.7, zorder=0)
            if label:
                ax.annotate(str(number), (x, 1), xycoords=("data", "axes fraction"),
                            xytext=(0, 1 + 5 * (number % 2)), textcoords="offset points",
                            ha="center", va="bottom", fontsize=5.5, color="0.3")


def _event_key(events: pd.DataFrame | None) -> list[Line2D]:
    """Return legend entries 'n  label (date)' for numbered events."""
    if events is None or events.empty:
        return []
    return [Line2D([], [], color="0.45", linestyle="--", linewidth=0.7,
                   label=f"{n}  {e['label']} ({pd.Timestamp(e['date']):%Y-%m-%d})")
            for n, (_, e) in enumerate(events.iterrows(), start=1)]


def _draw_series(ax: Axes, part: pd.DataFrame, value: str, colour, marker: str,
                 sparse_docs: int) -> None:
    """Draw one line, with hollow markers where the bin holds few documents."""
    part = part.sort_values("period")
    x, y = part["period"].to_numpy(), part[value].to_numpy(dtype=float)
    y = np.where(part["n_docs"].to_numpy() > 0, y, np.nan)  # no document: a gap, not a zero
    ax.plot(x, y, color=colour, linewidth=1.0)
    sparse = part["n_docs"].to_numpy() < sparse_docs
    ax.plot(x[~sparse], y[~sparse], linestyle="none", marker=marker, color=colour,
            markersize=3.5)
    ax.plot(x[sparse], y[sparse], linestyle="none", marker=marker, markersize=3.5,
            markerfacecolor="white", markeredgecolor=colour, markeredgewidth=0.8)


def plot_timeline(
    table: pd.DataFrame,
    *,
    events: pd.DataFrame | None = None,
    value: Literal["rate", "count"] = "rate",
    group_col: str | None = None,
    facet: Literal["auto", "term", "group"] = "auto",
    max_lines: int = 8,
    sparse_docs: int = 3,
    ncols: int = 2,
    fig: Figure | None = None,
) -> Figure:
    """Draw keyword timelines as lines over calendar dates, in small multiples.

    Parameters
    ----------
    table : pandas.DataFrame
        The output of :func:`analysis.timeline.keyword_timeline`.
    events : pandas.DataFrame, optional
        Events to mark (``date`` and ``label``, as from
        :func:`analysis.timeline.load_events`); labels appear in the first panel.
    value : {'rate', 'count'}, default 'rate'
        What the y axis shows.
    group_col : str, optional
        The group column of ``table``; default from ``table.attrs`` (else the
        first column).
    facet : {'auto', 'term', 'group'}, default 'auto'
        One panel per term (lines are groups) or per group (lines are terms);
        'auto' makes panels per term unless there are more than ``max_lines``
        groups.
    max_lines : int, default 8
        Most lines in a panel for ``facet='auto'``.
    sparse_docs : int, default 3
        Bins with fewer documents get hollow markers; bins with none are gaps.
    ncols : int, default 2
        Panels per row.
    fig : matplotlib.figure.Figure, optional
        The figure to draw into (it should be empty); a new one when omitted.

    Returns
    -------
    matplotlib.figure.Figure
        The figure, panels sharing the date axis (concise date labels).
    """
    func = "plot_timeline"
    check_choice(value, ("rate", "count"), param="value", func=func)
    check_choice(facet, ("auto", "term", "group"), param="facet", func=func)
    check_number(sparse_docs, param="sparse_docs", func=func, low=0, integer=True)
    group_col = group_col or table.attrs.get("group_col") or table.columns[0]
    for col in (group_col, "term", "period", "n_docs", value):
        check_column(table, col, param="table" if col != group_col else "group_col", func=func)
    if table.empty:
        raise AnalysisError(f"{func} got an empty table: there is nothing to draw.")
    panel_col, line_col = _facets(table, group_col, facet, max_lines)
    panels, lines = list(dict.fromkeys(table[panel_col])), list(dict.fromkeys(table[line_col]))
    labels = [str(v) for v in panels + lines] + ([] if events is None else
                                                  [str(v) for v in events["label"]])
    with paper_style(texts=labels):
        rows, cols = math.ceil(len(panels) / min(ncols, len(panels))), min(ncols, len(panels))
        fig = _new_figure(fig, DOUBLE_COLUMN if cols > 1 else SINGLE_COLUMN * 1.4,
                          0.6 + 1.9 * rows)
        axes = np.atleast_1d(fig.subplots(rows, cols, sharex=True, squeeze=False)).ravel()
        colours = dict(zip(lines, _colours(len(lines))))
        markers = {k: _MARKERS[i % len(_MARKERS)] for i, k in enumerate(lines)}
        for i, (ax, panel) in enumerate(zip(axes, panels)):
            sub = table[table[panel_col] == panel]
            for line in lines:
                _draw_series(ax, sub[sub[line_col] == line], value, colours[line],
                             markers[line], sparse_docs)
            ax.set_title(str(panel))
            ax.set_ylim(bottom=0)
            ax.xaxis.set_major_locator(locator := mdates.AutoDateLocator())
            ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
            _draw_events(ax, events, label=i == 0)
        for ax in axes[len(panels):]:
            ax.set_visible(False)
        per = table.attrs.get("per", 10_000)
        axes[0].set_ylabel(f"hits per {per:,.0f} tokens" if value == "rate" else "hits")
        handles = [Line2D([], [], color=colours[k], marker=markers[k], label=str(k))
                   for k in lines]
        handles.append(Line2D([], [], color="0.3", marker="o", markerfacecolor="white",
                              linestyle="none", label=f"< {sparse_docs} documents in bin"))
        fig.legend(handles=handles, loc="outside lower center",
                   ncols=min(4, len(handles)), title=line_col if line_col != "term" else None)
        key = _event_key(events)
        if key:
            fig.legend(handles=key, loc="outside right upper", title="events", fontsize=6)
    return fig


def plot_similarity_heatmap(
    table: pd.DataFrame,
    *,
    value: str = "similarity",
    method: str = "average",
    annotate: bool | None = None,
    cmap: str = "viridis",
    fig: Figure | None = None,
) -> Figure:
    """Draw a group similarity heatmap ordered by clustering, with its dendrogram.

    Groups are clustered by ``scipy.cluster.hierarchy.linkage`` (``method``,
    default average linkage) on the distance ``1 - similarity``; the
    dendrogram above the heatmap shows the merge heights.

    Parameters
    ----------
    table : pandas.DataFrame
        A long table (``group_a``, ``group_b``, ``value``) from
        :func:`analysis.similarity.group_similarity` or
        :func:`~analysis.similarity.bootstrap_similarity`, or a square matrix
        from :func:`~analysis.similarity.similarity_matrix`.
    value : str, default 'similarity'
        The column drawn (long tables only).
    method : str, default 'average'
        The linkage method ('average', 'complete', 'single', ...).
    annotate : bool, optional
        Write each value in its cell; default when there are at most 12 groups.
    cmap : str, default 'viridis'
        The colour map, from 0 to 1.
    fig : matplotlib.figure.Figure, optional
        The (empty) figure to draw into.

    Returns
    -------
    matplotlib.figure.Figure
        The figure: dendrogram on top, heatmap and colour bar below.
    """
    func = "plot_similarity_heatmap"
    check_choice(method, ("average", "complete", "single", "weighted"), param="method",
                 func=func)
    matrix = table if "group_a" not in table.columns else similarity_matrix(table, value=value)
    if matrix.shape[0] < 2 or matrix.shape[0] != matrix.shape[1]:
        raise AnalysisError(f"{func} needs a square matrix of at least 2 groups; got shape "
                            f"{matrix.shape}.")
    dist = np.clip(1 - matrix.to_numpy(dtype=float), 0, None)
    dist = (dist + dist.T) / 2
    np.fill_diagonal(dist, 0)
    tree = linkage(squareform(dist, checks=False), method=method)
    labels = [str(g) for g in matrix.index]
    n = len(labels)
    with paper_style(texts=labels + [value]):
        size = min(DOUBLE_COLUMN, 1.6 + 0.32 * n)
        fig = _new_figure(fig, size + 0.6, size + 0.9)
        top, heat = fig.subplots(2, 1, height_ratios=[1, 4])
        leaves = dendrogram(tree, ax=top, no_labels=True, color_threshold=0,
                            above_threshold_color="0.3")["leaves"]
        top.set_axis_off()
        ordered = matrix.to_numpy(dtype=float)[np.ix_(leaves, leaves)]
        image = heat.imshow(ordered, cmap=cmap, vmin=0, vmax=1, aspect="auto")
        names = [labels[i] for i in leaves]
        heat.set_xticks(range(n), labels=names, rotation=90)
        heat.set_yticks(range(n), labels=names)
        heat.spines[:].set_visible(False)
        if annotate or (annotate is None and n <= 12):
            for (i, j), v in np.ndenumerate(ordered):
                heat.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=6,
                          color="white" if v < 0.6 else "black")
        fig.colorbar(image, ax=heat, label=f"{value} (cosine)", shrink=0.8)
        top.set_title(f"{value}, clustered by {method} linkage on 1 - {value}")
    return fig


def plot_phrase_diffusion(
    table: pd.DataFrame,
    *,
    phrases: Sequence[str] | None = None,
    top: int = 15,
    group_col: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Draw which shared phrase reached which group when, as a dot chart.

    Parameters
    ----------
    table : pandas.DataFrame
        The output of :func:`analysis.phrases.shared_phrases`.
    phrases : sequence of str, optional
        The phrases to show, top to bottom; default the first ``top`` of the
        table (most groups first, then earliest).
    top : int, default 15
        How many phrases to show when ``phrases`` is omitted.
    group_col : str, optional
        The group column of ``table``; default from ``table.attrs``.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when omitted.

    Returns
    -------
    matplotlib.figure.Figure
        One row per phrase, one marker per group at its first use (colour and
        shape by group), a grey line from the first use to the last.
    """
    func = "plot_phrase_diffusion"
    check_number(top, param="top", func=func, low=1, integer=True)
    group_col = group_col or table.attrs.get("group_col") or table.columns[2]
    for col in ("phrase", group_col, "first_date"):
        check_column(table, col, param="table" if col != group_col else "group_col", func=func)
    chosen = _chosen_phrases(table, phrases, top, group_col, func)
    sub = table[table["phrase"].isin(chosen)]
    groups = list(dict.fromkeys(sub.sort_values("first_date", kind="stable")[group_col]))
    with paper_style(texts=[str(v) for v in chosen + groups]):
        if ax is None:
            fig, ax = plt.subplots(figsize=(DOUBLE_COLUMN, 0.8 + 0.28 * len(chosen)),
                                   layout="constrained")
        fig = ax.figure
        colours = dict(zip(groups, _colours(len(groups))))
        y_of = {p: i for i, p in enumerate(chosen)}
        for phrase, part in sub.groupby("phrase", sort=False):
            dates = part["first_date"].dropna()
            if len(dates) > 1:
                ax.plot([dates.min(), dates.max()], [y_of[phrase]] * 2, color="0.75",
                        linewidth=1.0, zorder=1)
        for i, group in enumerate(groups):
            part = sub[sub[group_col] == group]
            ax.scatter(part["first_date"], part["phrase"].map(y_of), color=colours[group],
                       marker=_MARKERS[i % len(_MARKERS)], s=22, label=str(group), zorder=2,
                       edgecolors="white", linewidths=0.4)
        ax.set_yticks(range(len(chosen)), labels=chosen)
        ax.set_ylim(len(chosen) - 0.5, -0.5)
        ax.xaxis.set_major_locator(locator := mdates.AutoDateLocator())
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
        ax.set_xlabel("first use by the group")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), title=group_col)
    return fig


def _chosen_phrases(table: pd.DataFrame, phrases: Sequence[str] | None, top: int,
                    group_col: str, func: str) -> list[str]:
    """Return the phrases to draw, checking those named."""
    if phrases is None:
        chosen = phrase_summary(table, group_col=group_col)["phrase"].head(top).tolist()
    else:
        chosen = [phrases] if isinstance(phrases, str) else list(dict.fromkeys(phrases))
        missing = [p for p in chosen if p not in set(table["phrase"])]
        if missing:
            raise AnalysisError(f"The 'phrases' parameter of {func} must name phrases of the "
                                f"table; got unknown {missing[:5]!r}.")
    if not chosen:
        raise AnalysisError(f"{func} got an empty table: there is nothing to draw.")
    return chosen
