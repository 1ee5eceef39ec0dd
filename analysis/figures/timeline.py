"""Draw keyword timelines: rates over calendar dates, with events, in small multiples.

Every function draws inside :func:`analysis.figures.style.paper_style` (so
importing or calling it never changes global matplotlib settings), takes a
``fig`` to draw into, and returns the :class:`~matplotlib.figure.Figure`.
"""

from __future__ import annotations

import math
from typing import Literal

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ..core.errors import AnalysisError, check_choice, check_column, check_number
from ..stats.counts import table_group_col
from .style import (
    DOUBLE_COLUMN,
    MARKERS,
    SINGLE_COLUMN,
    colours,
    new_figure,
    paper_style,
)

__all__ = ["plot_timeline"]


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
        The output of :func:`analysis.stats.timeline.keyword_timeline`.
    events : pandas.DataFrame, optional
        Events to mark (``date`` and ``label``, as from
        :func:`analysis.stats.events.load_events`); labels appear in the first panel.
    value : {'rate', 'count'}, default 'rate'
        What the y axis shows.
    group_col : str, optional
        The group column of ``table``; default: the one the statistic recorded
        (``table.attrs["group_col"]``).
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
    group_col = table_group_col(table, group_col, func=func)
    for col in ("term", "period", "n_docs", value):
        check_column(table, col, param="table", func=func)
    if table.empty:
        raise AnalysisError(f"{func} got an empty table: there is nothing to draw.")
    panel_col, line_col = _facets(table, group_col, facet, max_lines)
    panels, lines = list(dict.fromkeys(table[panel_col])), list(dict.fromkeys(table[line_col]))
    labels = [str(v) for v in panels + lines] + ([] if events is None else
                                                  [str(v) for v in events["label"]])
    with paper_style(texts=labels):
        rows, cols = math.ceil(len(panels) / min(ncols, len(panels))), min(ncols, len(panels))
        fig = new_figure(fig, DOUBLE_COLUMN if cols > 1 else SINGLE_COLUMN * 1.4,
                          0.6 + 1.9 * rows)
        axes = np.atleast_1d(fig.subplots(rows, cols, sharex=True, squeeze=False)).ravel()
        palette = dict(zip(lines, colours(len(lines))))
        markers = {k: MARKERS[i % len(MARKERS)] for i, k in enumerate(lines)}
        for i, (ax, panel) in enumerate(zip(axes, panels)):
            sub = table[table[panel_col] == panel]
            for line in lines:
                _draw_series(ax, sub[sub[line_col] == line], value, palette[line],
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
        handles = [Line2D([], [], color=palette[k], marker=markers[k], label=str(k))
                   for k in lines]
        handles.append(Line2D([], [], color="0.3", marker="o", markerfacecolor="white",
                              linestyle="none", label=f"< {sparse_docs} documents in bin"))
        fig.legend(handles=handles, loc="outside lower center",
                   ncols=min(4, len(handles)), title=line_col if line_col != "term" else None)
        key = _event_key(events)
        if key:
            fig.legend(handles=key, loc="outside right upper", title="events", fontsize=6)
    return fig
