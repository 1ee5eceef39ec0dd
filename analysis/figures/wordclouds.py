"""Draw word clouds weighted by TF-IDF or keyness, with a font that has every glyph.

wordcloud draws a box for a character its font lacks, silently; every word is
therefore checked against the font's character map first
(:func:`analysis.figures.fonts.resolve_font`), which stops with the missing characters
named when no font covers them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..core.errors import AnalysisError, check_column, check_number
from ..stats.counts import table_group_col
from ..core.engines import default_jobs, map_in_pool
from .fonts import resolve_font
from .style import DOUBLE_COLUMN, groups_drawn, note_left_out, paper_style, wrap_label

__all__ = ["wordcloud_image", "plot_wordclouds"]


def wordcloud_image(
    weights: dict[str, float],
    *,
    font_path: str | None = None,
    width: int = 900,
    height: int = 600,
    max_words: int = 100,
    random_state: int = 0,
    colormap: str = "viridis",
    font_step: int = 2,
) -> np.ndarray:
    """Render one word cloud from term weights as an RGB array.

    Parameters
    ----------
    weights : dict of str to float
        Term -> positive weight (a TF-IDF score or a G2 value, not raw counts).
    font_path : str, optional
        A font to use; it is checked to cover every word. Default: the
        resolved CJK font.
    width, height : int, default 900, 600
        Canvas size in pixels (300 dpi at 3 by 2 inches).
    max_words : int, default 100
        Largest number of words drawn.
    random_state : int, default 0
        Seed of the layout: the same seed gives the same image.
    colormap : str, default "viridis"
        A matplotlib colormap name.
    font_step : int, default 2
        Font sizes tried, in steps of this many points (wordcloud's ``font_step``;
        2 lays out a cloud in 0.5 s instead of 0.75 s, with no visible loss).

    Returns
    -------
    numpy.ndarray
        The image, ``height`` × ``width`` × 3, uint8.
    """
    from wordcloud import WordCloud

    check_number(random_state, param="random_state", func="wordcloud_image", low=0, integer=True)
    weights = {str(k): float(v) for k, v in weights.items() if v is not None and v > 0}
    if not weights:
        raise AnalysisError("wordcloud_image got no term with a positive weight: nothing to draw.")
    top = dict(sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[:max_words])
    font = resolve_font(list(top), font_path=font_path)
    cloud = WordCloud(font_path=str(font), width=width, height=height, max_words=max_words,
                      background_color="white", collocations=False, colormap=colormap,
                      random_state=random_state, prefer_horizontal=1.0, margin=4,
                      font_step=font_step)
    return cloud.generate_from_frequencies(top).to_array()


def _cloud(task: tuple) -> np.ndarray:
    """Render one cloud (a task of a worker process)."""
    weights, font, width, height, max_words, random_state = task
    return wordcloud_image(weights, font_path=font, width=width, height=height,
                           max_words=max_words, random_state=random_state)


def plot_wordclouds(
    table: pd.DataFrame,
    *,
    group_col: str | None = None,
    weight_col: str = "tfidf",
    max_words: int = 60,
    ncols: int | None = None,
    random_state: int = 0,
    font_path: str | None = None,
    groups: Sequence[object] | None = None,
) -> Figure:
    """Draw one word cloud per group from a long table of term weights.

    Parameters
    ----------
    table : pandas.DataFrame
        Columns ``group_col``, ``term`` and ``weight_col`` (for example the
        output of :func:`analysis.stats.tfidf.tfidf`, or of
        :func:`analysis.stats.keyness.keyness` filtered to over-used terms with
        ``weight_col="g2"``).
    group_col : str, optional
        The group column, one panel per group; default: the one the statistic
        recorded (``table.attrs["group_col"]``).
    weight_col : str, default "tfidf"
        The weight of a term.
    max_words : int, default 60
        Words per cloud.
    ncols : int, optional
        Panels per row; default 2 up to four groups, 3 up to nine, then 4, so
        that the figure fits a page.
    random_state : int, default 0
        Layout seed, the same for every panel.
    font_path : str, optional
        A font to use instead of the resolved CJK font.
    groups : sequence, optional
        The groups to draw (a Study passes the largest first); at most
        :data:`~analysis.figures.style.MAX_GROUPS`, with a note.

    Returns
    -------
    matplotlib.figure.Figure
        The clouds, each titled with its group.
    """
    group_col = table_group_col(table, group_col, func="plot_wordclouds")
    for col, param in (("term", "table"), (weight_col, "weight_col")):
        check_column(table, col, param=param, func="plot_wordclouds")
    present = list(dict.fromkeys(table[group_col]))
    if not present:
        raise AnalysisError("plot_wordclouds got an empty table: there is nothing to draw.")
    groups, left_out = groups_drawn(present, groups)
    if ncols is None:
        ncols = 2 if len(groups) <= 4 else 3 if len(groups) <= 9 else 4
    ncols = max(1, min(ncols, len(groups)))
    nrows = math.ceil(len(groups) / ncols)
    panel = DOUBLE_COLUMN / ncols  # inches; clouds are drawn at 300 dpi of their panel
    width, height = int(panel * 300), int(panel * 300 * 2 / 3)
    font = str(resolve_font([str(t) for t in table["term"]], font_path=font_path))
    tasks = [(dict(zip(part["term"], part[weight_col])), font, width, height, max_words,
              random_state) for _, part in ((g, table[table[group_col] == g]) for g in groups)]
    images = list(map_in_pool(_cloud, tasks, n_jobs=default_jobs() if len(tasks) > 2 else 1))
    with paper_style(texts=[str(g) for g in groups]):
        fig, axes = plt.subplots(nrows, ncols, squeeze=False, layout="constrained",
                                 figsize=(DOUBLE_COLUMN, panel * 2 / 3 * nrows + 0.25 * nrows))
        for ax, group, image in zip(axes.flat, groups, images):
            ax.imshow(image, interpolation="bilinear")
            ax.set_title(wrap_label(group, 16))
            ax.set_axis_off()
        for ax in list(axes.flat)[len(groups):]:
            ax.set_visible(False)
        note_left_out(fig, left_out, len(present))
    return fig
