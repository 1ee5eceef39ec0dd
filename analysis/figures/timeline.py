"""Draw keyword timelines: rates over calendar dates, with events, in small multiples.

Every function draws inside :func:`analysis.figures.style.paper_style` (so
importing or calling it never changes global matplotlib settings), takes a
``fig`` to draw into, and returns the :class:`~matplotlib.figure.Figure`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Literal

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..core.errors import AnalysisError, check_choice, check_column, check_number
from ..stats.counts import table_group_col
from .style import (
    DOUBLE_COLUMN,
    MARKERS,
    SINGLE_COLUMN,
    colours,
    groups_drawn,
    new_figure,
    note_left_out,
    paper_style,
    style_of,
    wrap_label,
)

__all__ = ["event_levels", "plot_timeline"]


def _facets(table: pd.DataFrame, group_col: str, facet: str, max_lines: int
            ) -> tuple[str, str]:
    """Return (panel column, line column) for the timeline."""
    if facet == "auto":
        facet = "term" if table[group_col].nunique() <= max_lines else "group"
    return ("term", group_col) if facet == "term" else (group_col, "term")


def event_levels(positions: np.ndarray, widths: np.ndarray) -> np.ndarray:
    """Stack labels into levels so that no two on one level overlap.

    Parameters
    ----------
    positions : numpy.ndarray
        Label centres along the axis, in date order.
    widths : numpy.ndarray
        Label widths, same units.

    Returns
    -------
    numpy.ndarray of int
        The level of each label: 0 at the bottom; a label goes to the lowest
        level whose last label ends before it starts (with a quarter-width gap).
    """
    ends: list[float] = []
    levels = np.zeros(len(positions), dtype=np.int64)
    for i, (x, w) in enumerate(zip(positions, widths)):
        start = x - 0.625 * w
        for level, end in enumerate(ends):
            if end <= start:
                ends[level], levels[i] = x + 0.625 * w, level
                break
        else:
            levels[i] = len(ends)
            ends.append(x + 0.625 * w)
    return levels


def _draw_events(ax: Axes, events: pd.DataFrame | None, label: bool) -> None:
    """Mark dated events with dashed lines, numbered at the top when ``label``.

    The numbers refer to the event key in the figure legend, which stays
    readable when several events fall within a few days; numbers close
    together are stacked (:func:`event_levels`), so none covers another.
    """
    if events is None or events.empty:
        return
    lo, hi = ax.get_xlim()
    x = np.array([mdates.date2num(pd.Timestamp(d)) for d in events["date"]])
    inside = (lo <= x) & (x <= hi)
    for xi in x[inside]:
        ax.axvline(xi, color="0.45", linestyle="--", linewidth=0.7, zorder=0)
    if not label or not inside.any():
        return
    fontsize = 5.5
    width_pt = ax.get_position().width * ax.figure.get_figwidth() * 72
    numbers = np.flatnonzero(inside) + 1
    frac = (x[inside] - lo) / (hi - lo)
    widths = np.array([(0.62 * len(str(n)) * fontsize + 2) / width_pt for n in numbers])
    for number, xi, level in zip(numbers, x[inside], event_levels(frac, widths)):
        ax.annotate(str(number), (xi, 1), xycoords=("data", "axes fraction"),
                    xytext=(0, -1.5 - (fontsize + 1.5) * level), textcoords="offset points",
                    ha="center", va="top", fontsize=fontsize, color="0.25", zorder=6,
                    bbox={"boxstyle": "round,pad=0.1", "facecolor": "white",
                          "edgecolor": "none", "alpha": 0.8})


def _event_key(events: pd.DataFrame | None, lo: pd.Timestamp, hi: pd.Timestamp
               ) -> list[Line2D]:
    """Return legend entries 'n  label (date)' for the numbered events within the dates drawn."""
    if events is None or events.empty:
        return []
    return [Line2D([], [], color="0.45", linestyle="--", linewidth=0.7,
                   label=f"{n}  {e['label']} ({pd.Timestamp(e['date']):%Y-%m-%d})")
            for n, (_, e) in enumerate(events.iterrows(), start=1)
            if lo <= pd.Timestamp(e["date"]) <= hi]


def _draw_series(ax: Axes, part: pd.DataFrame, value: str, colour, marker: str,
                 sparse_docs: int) -> None:
    """Draw one line, its interval band, hollow markers where the bin holds few documents.

    With a ``rate_rolling`` column the line is the rolling rate and the bins'
    own rates are small markers.
    """
    part = part.sort_values("period")
    has_docs = part["n_docs"].to_numpy() > 0
    x, y = part["period"].to_numpy(), part[value].to_numpy(dtype=float)
    y = np.where(has_docs, y, np.nan)  # no document: a gap, not a zero
    if value == "rate" and {"rate_low", "rate_high"} <= set(part.columns):
        # sparse bins: hollow markers say it; bins without the term: a zero's band (up
        # to 3.7 occurrences' rate) over every empty bin of every term hid the lines
        steady = (part["n_docs"].to_numpy() >= sparse_docs) & (part["count"].to_numpy() > 0)
        ax.fill_between(x, np.where(steady, part["rate_low"], np.nan),
                        np.where(steady, part["rate_high"], np.nan), color=colour,
                        alpha=0.12, linewidth=0, zorder=1)
    rolled = value == "rate" and "rate_rolling" in part.columns
    line = np.where(has_docs, part["rate_rolling"], np.nan) if rolled else y
    ax.plot(x, line, color=colour, linewidth=1.0, zorder=3)
    size = 2.2 if rolled else 3.5
    sparse = part["n_docs"].to_numpy() < sparse_docs
    ax.plot(x[~sparse], y[~sparse], linestyle="none", marker=marker, color=colour,
            markersize=size, zorder=4)
    ax.plot(x[sparse], y[sparse], linestyle="none", marker=marker, markersize=size,
            markerfacecolor="white", markeredgecolor=colour, markeredgewidth=0.8, zorder=4)


def plot_timeline(
    table: pd.DataFrame,
    *,
    events: pd.DataFrame | None = None,
    value: Literal["rate", "count"] = "rate",
    group_col: str | None = None,
    facet: Literal["auto", "term", "group"] = "auto",
    max_lines: int = 8,
    sparse_docs: int = 3,
    ncols: int | None = None,
    groups: Sequence[object] | None = None,
    palette: Mapping[str, tuple] | None = None,
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
    ncols : int, optional
        Panels per row; default 2, or 3 beyond six panels (the figure fits a page).
    groups : sequence, optional
        The groups to draw, in order (a Study passes the largest first); at
        most :data:`~analysis.figures.style.MAX_GROUPS`, with a note.
    palette : mapping, optional
        Group -> (colour, marker), the same in every figure of a run
        (:func:`analysis.figures.style.group_styles`); default made from the groups drawn.
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
    present = list(dict.fromkeys(table[group_col]))
    drawn, left_out = groups_drawn(present, groups)
    table = table[table[group_col].isin(drawn).to_numpy()]
    panel_col, line_col = _facets(table, group_col, facet, max_lines)
    panels, lines = list(dict.fromkeys(table[panel_col])), list(dict.fromkeys(table[line_col]))
    if panel_col == group_col:
        panels = [g for g in drawn if g in set(panels)]
    else:
        lines = [g for g in drawn if g in set(lines)]
    labels = [str(v) for v in panels + lines] + ([] if events is None else
                                                  [str(v) for v in events["label"]])
    with paper_style(texts=labels):
        ncols = ncols or (2 if len(panels) <= 6 else 3)
        rows, cols = math.ceil(len(panels) / min(ncols, len(panels))), min(ncols, len(panels))
        fig = new_figure(fig, DOUBLE_COLUMN if cols > 1 else SINGLE_COLUMN * 1.4,
                         0.9 + 1.8 * rows)
        axes = np.atleast_1d(fig.subplots(rows, cols, sharex=True, squeeze=False)).ravel()
        if line_col == group_col:
            styles = style_of(palette, lines)
        else:  # lines are terms: their own colours and markers
            styles = {str(k): (c, MARKERS[i % len(MARKERS)])
                      for i, (k, c) in enumerate(zip(lines, colours(len(lines))))}
        palette = {k: styles[str(k)][0] for k in lines}
        markers = {k: styles[str(k)][1] for k in lines}
        for i, (ax, panel) in enumerate(zip(axes, panels)):
            sub = table[table[panel_col] == panel]
            for line in lines:
                _draw_series(ax, sub[sub[line_col] == line], value, palette[line],
                             markers[line], sparse_docs)
            ax.set_title(wrap_label(panel, 18))
            shown = sub["rate_rolling" if value == "rate" and "rate_rolling" in sub else value]
            top = np.nanmax(np.r_[shown.to_numpy(dtype=float), sub[value].to_numpy(dtype=float),
                                  0.0])
            ax.set_ylim(0, top * 1.25 if top > 0 else 1)  # bands of sparse bins are clipped
            ax.xaxis.set_major_locator(locator := mdates.AutoDateLocator(
                minticks=3, maxticks=7 if cols < 3 else 5))
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
        if value == "rate" and "rate_low" in table.columns:
            ci = table.attrs.get("ci", 0.95)
            handles.append(Patch(facecolor="0.3", alpha=0.15, label=f"{ci:.0%} Poisson interval"))
        if value == "rate" and "rate_rolling" in table.columns:
            handles.append(Line2D([], [], color="0.3", label=f"rolling over "
                                  f"{table.attrs.get('rolling')} bins"))
        fig.legend(handles=handles, loc="outside lower center",
                   ncols=min(4, len(handles)), title=line_col if line_col != "term" else None)
        lo, hi = (mdates.num2date(v).replace(tzinfo=None) for v in axes[0].get_xlim())
        key = _event_key(events, pd.Timestamp(lo), pd.Timestamp(hi))
        if key:
            fig.legend(handles=key, loc="outside right upper", title="events", fontsize=6)
        note_left_out(fig, left_out, len(present))
    return fig
