"""Draw the top terms of each group (TF-IDF or any score) as bars, one panel a group."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..core.errors import AnalysisError, check_column
from ..stats.counts import table_group_col
from .style import groups_drawn, note_left_out, panel_layout, paper_style, wrap_label

__all__ = ["plot_top_terms"]


def plot_top_terms(
    table: pd.DataFrame,
    *,
    group_col: str | None = None,
    score_col: str = "tfidf",
    n: int = 10,
    ncols: int | None = None,
    groups: Sequence[object] | None = None,
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
    ncols : int, optional
        Panels per row (default from the number of panels: it fits a page).
    groups : sequence, optional
        The groups to draw, in order (a Study passes the largest first); at
        most :data:`~analysis.figures.style.MAX_GROUPS` are drawn, and a note
        says how many are left out.

    Returns
    -------
    matplotlib.figure.Figure
        The small multiples, best term on top in each panel.
    """
    group_col = table_group_col(table, group_col, func="plot_top_terms")
    for col, param in (("term", "table"), (score_col, "score_col")):
        check_column(table, col, param=param, func="plot_top_terms")
    present = list(dict.fromkeys(table[group_col]))
    if not present:
        raise AnalysisError("plot_top_terms got an empty table: there is nothing to draw.")
    shown, left_out = groups_drawn(present, groups)
    rows, cols, size, label_size = panel_layout(len(shown), n, ncols)
    texts = [str(g) for g in shown] + [str(t) for t in table["term"]]
    with paper_style(texts=texts, **{"ytick.labelsize": label_size}):
        fig, axes = plt.subplots(rows, cols, figsize=size, layout="constrained", squeeze=False)
        for i, (ax, group) in enumerate(zip(axes.flat, shown)):
            part = table[table[group_col] == group].nlargest(n, score_col).iloc[::-1]
            ax.barh(np.arange(len(part)), part[score_col], color="#3b6ea8")
            ax.set_yticks(np.arange(len(part)), labels=list(part["term"]))
            ax.set_title(wrap_label(group, 14))
            if i >= len(shown) - cols:  # the bottom panel of each column
                ax.set_xlabel(score_col)
        for ax in list(axes.flat)[len(shown):]:
            ax.set_visible(False)
        note_left_out(fig, left_out, len(present))
    return fig
