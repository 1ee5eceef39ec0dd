"""Draw the terms that set each group apart: signed log ratios, over- and under-use."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from ..core.errors import check_column
from ..stats.counts import table_group_col
from .style import groups_drawn, note_left_out, panel_layout, paper_style, wrap_label

__all__ = ["keyness_drawn", "plot_keyness"]


def keyness_drawn(
    table: pd.DataFrame, *, group_col: str | None = None, n: int = 10,
    significant_only: bool = True, keep_aliases: bool = False, min_docs: int = 3,
    keep_names: bool = True
) -> pd.DataFrame:
    """Select the keyness rows :func:`plot_keyness` draws: the data behind the figure.

    Parameters
    ----------
    table : pandas.DataFrame
        The output of :func:`analysis.stats.keyness.keyness`.
    group_col : str, optional
        The group column; default: the one the statistic recorded.
    n : int, default 10
        Over-used terms per group (and up to ``n // 2`` under-used ones), by G2.
    significant_only : bool, default True
        Keep only rows whose ``significant`` flag is set.
    keep_aliases : bool, default False
        Draw terms that name a compared group (column ``alias``): they are
        true and useless, so they are left out unless asked for.
    min_docs : int, default 3
        An over-used term must be spread: in at least this many documents of
        the group, reposts once (column ``n_docs``).
    keep_names : bool, default True
        False leaves out person and place names (column ``name``, from
        :func:`analysis.stats.aliases.flag_names`).

    Returns
    -------
    pandas.DataFrame
        The selected rows, per group: under-used (weakest first) then over-used.
    """
    group_col = table_group_col(table, group_col, func="keyness_drawn")
    for col in ("term", "log_ratio", "g2", "direction", "freq_target"):
        check_column(table, col, param="table", func="keyness_drawn")
    data = table[table["significant"]] if significant_only and "significant" in table else table
    if not keep_aliases and "alias" in data.columns:
        data = data[~data["alias"].to_numpy(dtype=bool)]
    if not keep_names and "name" in data.columns:
        data = data[~data["name"].to_numpy(dtype=bool)]
    spread = data["n_docs"].to_numpy() >= min_docs if "n_docs" in data.columns else True
    data = data[(data["direction"] != "over").to_numpy() | spread]
    parts = []
    for group in dict.fromkeys(table[group_col]):
        part = data[data[group_col] == group]
        over = part[part["direction"] == "over"].nlargest(n, "g2")
        under = part[part["direction"] == "under"].nlargest(n // 2, "g2")
        parts.append(pd.concat([under.iloc[::-1], over.iloc[::-1]]))
    return pd.concat(parts, ignore_index=True) if parts else data.iloc[:0]


def plot_keyness(
    table: pd.DataFrame,
    *,
    group_col: str | None = None,
    n: int = 10,
    ncols: int | None = None,
    significant_only: bool = True,
    keep_aliases: bool = False,
    min_docs: int = 3,
    keep_names: bool = True,
    groups: Sequence[object] | None = None,
) -> Figure:
    """Draw the most over- and under-used terms per group as signed log ratios.

    Parameters
    ----------
    table : pandas.DataFrame
        The output of :func:`analysis.stats.keyness.keyness`.
    group_col : str, optional
        The group column, one panel per group; default: the one the statistic recorded.
    n : int, default 10
        Over-used terms per panel (and up to ``n // 2`` under-used ones).
    ncols : int, optional
        Panels per row (default from the number of panels: it fits a page).
    significant_only : bool, default True
        Draw only terms whose ``q_value`` is below the table's alpha.
    keep_aliases, min_docs, keep_names
        Which terms may be drawn, as in :func:`keyness_drawn`.
    groups : sequence, optional
        The groups to draw, in order (a Study passes the largest first); at
        most :data:`~analysis.figures.style.MAX_GROUPS`, with a note.

    Returns
    -------
    matplotlib.figure.Figure
        Bars of log ratio (log2 of the rate ratio), over-use to the right;
        each bar is labelled with its raw frequency in the group. The rows
        drawn are :func:`keyness_drawn`.
    """
    group_col = table_group_col(table, group_col, func="plot_keyness")
    drawn = keyness_drawn(table, group_col=group_col, n=n, significant_only=significant_only,
                          keep_aliases=keep_aliases, min_docs=min_docs, keep_names=keep_names)
    present = list(dict.fromkeys(table[group_col]))
    shown_groups, left_out = groups_drawn(present, groups)
    rows, cols, size, label_size = panel_layout(max(1, len(shown_groups)), n + n // 2, ncols)
    texts = [str(g) for g in shown_groups] + [str(t) for t in drawn["term"]]
    with paper_style(texts=texts, **{"ytick.labelsize": label_size}):
        fig, axes = plt.subplots(rows, cols, figsize=size, layout="constrained", squeeze=False)
        for i, (ax, group) in enumerate(zip(axes.flat, shown_groups)):
            shown = drawn[drawn[group_col] == group]
            colors = np.where(shown["direction"] == "over", "#b2182b", "#2166ac")
            ax.barh(np.arange(len(shown)), shown["log_ratio"], color=colors)
            ax.set_yticks(np.arange(len(shown)), labels=list(shown["term"]))
            # one bar height in every panel, bars from the top (the first row is at the bottom)
            ax.set_ylim(len(shown) - 0.5 - (n + n // 2), len(shown) - 0.5)
            for y, (x, f) in enumerate(zip(shown["log_ratio"], shown["freq_target"])):
                # over-used: at the end of the bar; under-used: right of the zero line,
                # clear of the term labels whatever the bar's length
                ax.text(max(x, 0.0), y, f" {int(f)}", va="center", ha="left", fontsize=5.5,
                        color="black" if x >= 0 else "#2166ac")
            ax.axvline(0, color="black", linewidth=0.5)
            ax.set_title(wrap_label(group, 14))
            if i >= len(shown_groups) - cols:  # the bottom panel of each column
                ax.set_xlabel("log2 ratio")
            if shown.empty:
                ax.text(0.5, 0.5, "no significant term", transform=ax.transAxes, ha="center")
        for ax in list(axes.flat)[len(shown_groups):]:
            ax.set_visible(False)
        fig.legend(handles=[Patch(color="#b2182b", label="over-used"),
                            Patch(color="#2166ac", label="under-used")],
                   loc="outside lower center", ncols=3,
                   title="bar: log2 of the group's rate over the rest's; number: occurrences in the group")
        note_left_out(fig, left_out, len(present))
    return fig
