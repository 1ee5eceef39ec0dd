"""Draw the rates of a coding dictionary's categories: per group, and through time."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..core.errors import AnalysisError, check_choice, check_column
from ..stats.collocations import ALL_GROUPS
from ..stats.counts import table_group_col
from .style import (
    DOUBLE_COLUMN,
    MAX_GROUPS,
    MM,
    PAGE_HEIGHT,
    groups_drawn,
    note_left_out,
    paper_style,
    wrap_label,
)

__all__ = ["plot_category_periods", "plot_category_rates"]

_VALUES = {"share": ("share", "share_low", "share_high", "documents coded (%)", 100.0),
           "rate": ("rate_per_10k", "rate_low", "rate_high", "hits per 10,000 tokens", 1.0)}


def _grid(n: int, ncols: int | None) -> tuple[int, int]:
    cols = ncols or (min(n, 3))
    return -(-n // max(cols, 1)), max(cols, 1)


def plot_category_rates(
    table: pd.DataFrame,
    *,
    group_col: str | None = None,
    value: str = "share",
    groups: Sequence[object] | None = None,
    max_groups: int = MAX_GROUPS,
    ncols: int | None = None,
) -> Figure:
    """Draw each category's rate per group, with its interval: one panel per category.

    Parameters
    ----------
    table : pandas.DataFrame
        The ``groups`` table of :func:`analysis.stats.coding.apply_dictionary`.
    group_col : str, optional
        The group column; default: the one the statistic recorded.
    value : {'share', 'rate'}, default 'share'
        Documents coded (Wilson interval) or hits per 10,000 tokens (interval
        over documents).
    groups : sequence, optional
        The groups, largest first (a Study passes them); ``"(all)"`` is drawn
        on top, then at most ``max_groups`` groups.
    max_groups : int, default 12
        Groups drawn at most (the largest).
    ncols : int, optional
        Panels per row; default 3.

    Returns
    -------
    matplotlib.figure.Figure
    """
    func = "plot_category_rates"
    check_choice(value, tuple(_VALUES), param="value", func=func)
    group_col = table_group_col(table, group_col, func=func)
    col, low, high, label, scale = _VALUES[value]
    for name in ("category", col, low, high, "n_docs"):
        check_column(table, name, param="table", func=func)
    categories = list(dict.fromkeys(table["category"]))
    if not categories:
        raise AnalysisError(f"{func}: the table has no category.")
    present = [g for g in dict.fromkeys(table[group_col]) if g != ALL_GROUPS]
    shown, left_out = groups_drawn(present, groups, max_groups)
    order = ([ALL_GROUPS] if (table[group_col] == ALL_GROUPS).any() else []) + list(shown)
    sizes = table.drop_duplicates(group_col).set_index(group_col)["n_docs"]
    names = [f"{'all documents' if g == ALL_GROUPS else g} ({int(sizes[g]):,})" for g in order]
    rows, cols = _grid(len(categories), ncols)
    height = min(PAGE_HEIGHT, rows * (0.5 + 0.14 * len(order)) + 0.5)
    with paper_style(texts=[*names, *categories]):
        fig, axes = plt.subplots(rows, cols, figsize=(DOUBLE_COLUMN, height), sharey=True,
                                 layout="constrained", squeeze=False)
        y = np.arange(len(order))[::-1]
        for i, (ax, cat) in enumerate(zip(axes.flat, categories)):
            part = table[table["category"] == cat].set_index(group_col).reindex(order)
            mid = part[col].to_numpy(dtype=float) * scale
            err = np.vstack([mid - part[low].to_numpy(dtype=float) * scale,
                             part[high].to_numpy(dtype=float) * scale - mid])
            colour = ["black" if g == ALL_GROUPS else "#0072B2" for g in order]
            ax.errorbar(mid, y, xerr=np.nan_to_num(np.clip(err, 0, None)), fmt="none",
                        ecolor="0.6", elinewidth=0.8, capsize=0)
            ax.scatter(mid, y, s=12, c=colour, zorder=3, linewidths=0)
            if len(order) and order[0] == ALL_GROUPS:
                ax.axvline(mid[0], color="0.8", linewidth=0.6, zorder=0)
            ax.set_title(wrap_label(cat, 16))
            ax.set_xlim(left=0)
            ax.set_yticks(y, labels=names)
            if i >= len(categories) - cols:
                ax.set_xlabel(label)
        for ax in list(axes.flat)[len(categories):]:
            ax.set_visible(False)
        what = ("Wilson 95% interval" if value == "share" else "95% interval over documents")
        fig.supxlabel(f"Dot: the group's value; line: {what}; grey rule: all documents; "
                      f"(n): documents counted, reposts once.", fontsize=6, color="0.35")
        note_left_out(fig, left_out, len(present))
    return fig


def plot_category_periods(
    table: pd.DataFrame,
    *,
    group_col: str | None = None,
    value: str = "share",
    group: object = ALL_GROUPS,
    ncols: int | None = None,
) -> Figure:
    """Draw each category's rate per period with its interval band: one panel per category.

    Parameters
    ----------
    table : pandas.DataFrame
        The ``periods`` table of :func:`analysis.stats.coding.apply_dictionary`.
    group_col : str, optional
        The group column; default: the one the statistic recorded.
    value : {'share', 'rate'}, default 'share'
        Documents coded or hits per 10,000 tokens.
    group : object, default '(all)'
        The group drawn (all documents by default).
    ncols : int, optional
        Panels per row; default 3.

    Returns
    -------
    matplotlib.figure.Figure
    """
    func = "plot_category_periods"
    check_choice(value, tuple(_VALUES), param="value", func=func)
    group_col = table_group_col(table, group_col, func=func)
    col, low, high, label, scale = _VALUES[value]
    for name in ("category", "period", col, low, high, "n_docs"):
        check_column(table, name, param="table", func=func)
    part = table[table[group_col] == group]
    if part.empty:
        raise AnalysisError(f"The 'group' parameter of {func} must be a group of the table "
                            f"{sorted(map(str, set(table[group_col])))!r:.300}; got {group!r}.")
    categories = list(dict.fromkeys(part["category"]))
    rows, cols = _grid(len(categories), ncols)
    title = "all documents" if group == ALL_GROUPS else str(group)
    with paper_style(texts=[*categories, title]):
        fig, axes = plt.subplots(rows, cols, figsize=(DOUBLE_COLUMN, rows * 38 * MM + 12 * MM),
                                 sharex=True, layout="constrained", squeeze=False)
        for i, (ax, cat) in enumerate(zip(axes.flat, categories)):
            line = part[part["category"] == cat].sort_values("period")
            x = pd.to_datetime(line["period"])
            ax.fill_between(x, line[low] * scale, line[high] * scale, color="#0072B2",
                            alpha=0.18, linewidth=0, step="mid")
            ax.plot(x, line[col] * scale, color="#0072B2", drawstyle="steps-mid",
                    linewidth=1.0)
            ax.set_title(wrap_label(cat, 16))
            ax.set_ylim(bottom=0)
            if i % cols == 0:
                ax.set_ylabel(label)
            ax.tick_params(axis="x", labelrotation=30, labelsize=6)
        for ax in list(axes.flat)[len(categories):]:
            ax.set_visible(False)
        freq = table.attrs.get("freq", "")
        fig.supxlabel(f"{title}: one step per period ({freq}); band: 95% interval; "
                      f"periods without documents are left blank.", fontsize=6, color="0.35")
    return fig
