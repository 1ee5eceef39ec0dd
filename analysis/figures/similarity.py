"""Draw the similarity of groups: a heatmap ordered by clustering, with its dendrogram."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from scipy.cluster.hierarchy import dendrogram, linkage
from scipy.spatial.distance import squareform

from ..core.errors import AnalysisError, check_choice
from ..stats.similarity import similarity_matrix
from .style import DOUBLE_COLUMN, groups_drawn, new_figure, note_left_out, paper_style, wrap_label

__all__ = ["plot_similarity_heatmap"]


def plot_similarity_heatmap(
    table: pd.DataFrame,
    *,
    value: str = "similarity",
    method: str = "average",
    annotate: bool | None = None,
    cmap: str = "viridis",
    groups: Sequence[object] | None = None,
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
        :func:`analysis.stats.similarity.group_similarity` or
        :func:`~analysis.stats.similarity.bootstrap_similarity`, or a square matrix
        from :func:`~analysis.stats.similarity.similarity_matrix`.
    value : str, default 'similarity'
        The column drawn (long tables only).
    method : str, default 'average'
        The linkage method ('average', 'complete', 'single', ...).
    annotate : bool, optional
        Write each value in its cell (and the half-width of its interval below
        it, when the table has ``low`` and ``high``); default when there are at
        most 12 groups.
    cmap : str, default 'viridis'
        The colour map, stretched over the values drawn (not 0 to 1: the
        differences that matter are often within a few hundredths).
    groups : sequence, optional
        The groups to draw (a Study passes the largest first); at most
        :data:`~analysis.figures.style.MAX_GROUPS`, with a note.
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
    half = None
    if "group_a" in table.columns and {"low", "high"} <= set(table.columns):
        half = ((similarity_matrix(table, value="high", diagonal=1.0)
                 - similarity_matrix(table, value="low", diagonal=1.0)) / 2)
    present = list(matrix.index)
    kept, left_out = groups_drawn(present, groups)
    matrix = matrix.loc[kept, kept]
    half = None if half is None else half.loc[kept, kept]
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
        fig = new_figure(fig, size + 0.6, size + 0.9)
        top, heat = fig.subplots(2, 1, height_ratios=[1, 4])
        leaves = dendrogram(tree, ax=top, no_labels=True, color_threshold=0,
                            above_threshold_color="0.3")["leaves"]
        top.set_axis_off()
        ordered = matrix.to_numpy(dtype=float)[np.ix_(leaves, leaves)]
        off = ordered[~np.eye(n, dtype=bool)]
        lo, hi = float(np.nanmin(off)), float(np.nanmax(off))
        if hi - lo < 0.05:
            lo, hi = max(0.0, (lo + hi) / 2 - 0.025), min(1.0, (lo + hi) / 2 + 0.025)
        shown = np.where(np.eye(n, dtype=bool), np.nan, ordered)  # the diagonal is 1 by definition
        image = heat.imshow(shown, cmap=cmap, vmin=lo, vmax=hi, aspect="auto")
        names = [labels[i] for i in leaves]
        heat.set_xticks(range(n), labels=[wrap_label(x, 10) for x in names], rotation=90)
        heat.set_yticks(range(n), labels=[wrap_label(x, 10) for x in names])
        heat.spines[:].set_visible(False)
        if annotate or (annotate is None and n <= 12):
            widths = None if half is None else half.to_numpy(dtype=float)[np.ix_(leaves, leaves)]
            middle = (lo + hi) / 2
            for (i, j), v in np.ndenumerate(ordered):
                if i == j:
                    continue
                if widths is None:
                    text = f"{v:.2f}"
                elif np.isfinite(widths[i, j]):
                    text = f"{v:.2f}\n±{widths[i, j]:.2f}"
                else:  # no interval: a group of one document
                    text = f"{v:.2f}\nn=1"
                heat.text(j, i, text, ha="center", va="center", fontsize=5.5 if n > 8 else 6,
                          linespacing=0.9, color="white" if v < middle else "black")
        fig.colorbar(image, ax=heat, label=f"{value} (cosine)", shrink=0.8)
        # a narrow figure (few groups) takes one part a line, so the title is never clipped
        caption = f"{value}, clustered by {method} linkage on 1 - {value}"
        if half is not None:
            caption += ("; " if size >= 4.5 else "\n") + "± half the interval"
            if np.isnan(half.to_numpy(dtype=float)[~np.eye(n, dtype=bool)]).any():
                caption += "\nn=1: no interval, a group of one document"
        top.set_title(caption, fontsize=8)
        note_left_out(fig, left_out, len(present))
    return fig
