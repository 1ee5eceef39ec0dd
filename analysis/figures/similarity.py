"""Draw the similarity of groups: a heatmap ordered by clustering, with its dendrogram."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from scipy.cluster.hierarchy import dendrogram, linkage
from scipy.spatial.distance import squareform

from ..core.errors import AnalysisError, check_choice
from ..stats.similarity import similarity_matrix
from .style import DOUBLE_COLUMN, new_figure, paper_style

__all__ = ["plot_similarity_heatmap"]


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
        :func:`analysis.stats.similarity.group_similarity` or
        :func:`~analysis.stats.similarity.bootstrap_similarity`, or a square matrix
        from :func:`~analysis.stats.similarity.similarity_matrix`.
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
        fig = new_figure(fig, size + 0.6, size + 0.9)
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
