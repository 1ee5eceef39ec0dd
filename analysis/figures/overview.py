"""Draw the corpus overview: documents per group and period."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..stats.counts import table_group_col
from ..stats.overview import FREQ_NAMES
from .style import DOUBLE_COLUMN, MAX_GROUPS, paper_style, wrap_label

__all__ = ["plot_documents_per_period"]


def plot_documents_per_period(
    table: pd.DataFrame,
    *,
    group_col: str | None = None,
    freq: str | None = None,
    max_groups: int = MAX_GROUPS,
    ax: Axes | None = None,
) -> Figure:
    """Draw a heatmap of documents per group (rows) and period (columns).

    Parameters
    ----------
    table : pandas.DataFrame
        The output of :func:`analysis.stats.overview.documents_per_period`.
    group_col : str, optional
        The group column of ``table``; default: the one the statistic recorded
        (``table.attrs["group_col"]``).
    freq : {"D", "W", "M", "Q", "Y"}, optional
        The period length, for the axis labels; default: the one recorded
        (``table.attrs["freq"]``), else "M".
    max_groups : int, default 12
        Rows drawn at most: the largest groups, the others summed in one row
        "other (N groups)".
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when omitted.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on. Every cell shows its count (when the grid is
        small enough to read them); empty cells are blank, so sparse periods
        are visible as such.
    """
    group_col = table_group_col(table, group_col, func="plot_documents_per_period")
    freq = freq or table.attrs.get("freq", "M")
    grid = table.pivot(index=group_col, columns="period", values="n_docs").fillna(0)
    grid = grid.loc[grid.sum(axis=1).sort_values(ascending=False, kind="stable").index]
    if len(grid) > max_groups:
        rest = grid.iloc[max_groups - 1:]
        grid = pd.concat([grid.iloc[:max_groups - 1],
                          rest.sum().to_frame(f"other ({len(rest)} groups)").T])
    fmt = {"D": "%Y-%m-%d", "W": "%Y-%m-%d", "M": "%Y-%m", "Q": "%Y-%m", "Y": "%Y"}.get(
        freq, "%Y-%m-%d")
    with paper_style(texts=[str(g) for g in grid.index]):
        if ax is None:
            height = min(9.0, 0.9 + 0.28 * len(grid))
            fig, ax = plt.subplots(figsize=(DOUBLE_COLUMN, height), layout="constrained")
        else:
            fig = ax.figure
        values = grid.to_numpy(dtype=float)
        shown = np.where(values > 0, values, np.nan)
        image = ax.imshow(shown, aspect="auto", cmap="Blues", interpolation="nearest",
                          vmin=0, vmax=max(1.0, np.nanmax(values)))
        ax.set_yticks(range(len(grid)), labels=[wrap_label(g, 16) for g in grid.index])
        step = max(1, len(grid.columns) // 14)
        ticks = range(0, len(grid.columns), step)
        ax.set_xticks(list(ticks), labels=[grid.columns[i].strftime(fmt) for i in ticks],
                      rotation=45, ha="right")
        if values.size <= 400:
            for (i, j), v in np.ndenumerate(values):
                if v:
                    ax.text(j, i, f"{int(v)}", ha="center", va="center", fontsize=6,
                            color="white" if v > 0.6 * values.max() else "black")
        ax.set_xlabel(FREQ_NAMES.get(freq, freq))
        ax.set_title(f"Documents per {group_col} and {FREQ_NAMES.get(freq, 'period').split()[0]} "
                     f"(n = {int(values.sum())})")
        fig.colorbar(image, ax=ax, label="documents", shrink=0.8)
    return fig
