"""Draw the top terms of each group (TF-IDF or any score) as bars, one panel a group."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..core.errors import AnalysisError, check_column
from ..stats.counts import table_group_col
from .style import DOUBLE_COLUMN, paper_style

__all__ = ["grid_shape", "plot_top_terms"]


def grid_shape(n: int, ncols: int) -> tuple[int, int]:
    """Return (rows, columns) of a grid of ``n`` panels at most ``ncols`` wide."""
    ncols = max(1, min(ncols, n))
    return math.ceil(n / ncols), ncols


def plot_top_terms(
    table: pd.DataFrame,
    *,
    group_col: str | None = None,
    score_col: str = "tfidf",
    n: int = 10,
    ncols: int = 3,
) -> Figure:
    """Draw one horizontal bar panel of top terms per group.

    Parameters
    ----------
    table : pandas.DataFrame
        A long table with ``group_col``, ``term`` and ``score_col`` (the
        output of :func:`analysis.stats.tfidf.tfidf` or :func:`analysis.stats.tfidf.top_terms`).
    group_col : str, optional
        The group column, one panel per group; default: the one the statistic
        recorded (``table.attrs["group_col"]``).
    score_col : str, default "tfidf"
        The score drawn as bar length.
    n : int, default 10
        Terms per panel.
    ncols : int, default 3
        Panels per row.

    Returns
    -------
    matplotlib.figure.Figure
        The small multiples, best term on top in each panel.
    """
    group_col = table_group_col(table, group_col, func="plot_top_terms")
    for col, param in (("term", "table"), (score_col, "score_col")):
        check_column(table, col, param=param, func="plot_top_terms")
    groups = list(dict.fromkeys(table[group_col]))
    if not groups:
        raise AnalysisError("plot_top_terms got an empty table: there is nothing to draw.")
    rows, cols = grid_shape(len(groups), ncols)
    with paper_style():
        fig, axes = plt.subplots(rows, cols, figsize=(DOUBLE_COLUMN, 0.25 * n * rows + 0.6),
                                 layout="constrained", squeeze=False)
        for ax, group in zip(axes.flat, groups):
            part = table[table[group_col] == group].nlargest(n, score_col).iloc[::-1]
            ax.barh(np.arange(len(part)), part[score_col], color="#3b6ea8")
            ax.set_yticks(np.arange(len(part)), labels=list(part["term"]))
            ax.set_title(str(group))
            ax.set_xlabel(score_col)
        for ax in list(axes.flat)[len(groups):]:
            ax.set_visible(False)
    return fig
