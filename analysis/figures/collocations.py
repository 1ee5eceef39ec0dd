"""Draw the strongest collocations of each group: one dot per pair, its score and counts."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from ..core.errors import AnalysisError, check_choice, check_column, check_number
from ..stats.collocations import ALL_GROUPS, SCORES
from ..stats.counts import table_group_col
from .style import (
    MAX_GROUPS,
    groups_drawn,
    note_left_out,
    panel_layout,
    paper_style,
    wrap_label,
)

__all__ = ["collocations_drawn", "plot_collocations"]

_LABELS = {"log_dice": "logDice", "g2": "G²", "mi": "MI (log2 O/E)", "t_score": "t-score"}


def _short(value: float, _: object = None) -> str:
    """Write a tick value briefly: 12000 as 12k."""
    if abs(value) >= 1000:
        return f"{value / 1000:g}k"
    return f"{value:g}"


def collocations_drawn(
    table: pd.DataFrame,
    *,
    group_col: str | None = None,
    window: int | None = None,
    n: int = 10,
    by: str = "log_dice",
    min_docs: int = 3,
    significant_only: bool = True,
    cjk_only: bool = True,
    groups: Sequence[object] | None = None,
    max_groups: int = MAX_GROUPS,
) -> pd.DataFrame:
    """Select the pairs :func:`plot_collocations` draws: the data behind the figure.

    Parameters
    ----------
    table : pandas.DataFrame
        The output of :func:`analysis.stats.collocations.collocations`.
    group_col : str, optional
        The group column; default: the one the statistic recorded.
    window : int, optional
        The rows of this window; default the widest in the table.
    n : int, default 10
        Pairs per group, the best by ``by``.
    by : {'log_dice', 'g2', 'mi', 't_score'}, default 'log_dice'
        The score that ranks them.
    min_docs : int, default 3
        A pair drawn is in at least this many documents of the group (reposts
        once): one document repeating a name is not a collocation.
    significant_only : bool, default True
        Keep only pairs with ``q_value < alpha``.
    cjk_only : bool, default True
        Leave out pairs holding a term without Chinese characters (names in
        Latin letters, units): the table keeps them.
    groups : sequence, optional
        The groups, largest first (a Study passes them); ``"(all)"`` comes
        first, then as many as make ``max_groups`` panels.
    max_groups : int, default 12
        Panels at most.

    Returns
    -------
    pandas.DataFrame
        The rows drawn, by panel, best first.
    """
    func = "collocations_drawn"
    group_col = table_group_col(table, group_col, func=func)
    for col in ("window", "term_a", "term_b", "n_docs", by):
        check_column(table, col, param="table", func=func)
    check_choice(by, SCORES, param="by", func=func)
    check_number(n, param="n", func=func, low=1, integer=True)
    check_number(min_docs, param="min_docs", func=func, low=1, integer=True)
    windows = sorted(table["window"].unique())
    window = windows[-1] if window is None and windows else window
    if window not in windows:
        raise AnalysisError(f"The 'window' parameter of {func} must be one of the table's "
                            f"windows {[int(w) for w in windows]}; got {window!r}.")
    rows = table[(table["window"] == window).to_numpy() & (table["n_docs"] >= min_docs)
                 .to_numpy()]
    if significant_only and "significant" in rows:
        rows = rows[rows["significant"].to_numpy(dtype=bool)]
    if cjk_only:
        cjk = rows["term_a"].str.contains(r"[\u3400-\u9fff]") & \
            rows["term_b"].str.contains(r"[\u3400-\u9fff]")
        rows = rows[cjk.to_numpy(dtype=bool)]
    present = list(dict.fromkeys(table[group_col]))
    order = [g for g in present if g == ALL_GROUPS] + \
        [g for g in (groups if groups is not None else present) if g != ALL_GROUPS]
    shown, _ = groups_drawn(present, order, max_groups)
    parts = []
    for group in shown:
        part = rows[rows[group_col] == group]
        parts.append(part.sort_values([by, "observed"], ascending=False, kind="stable").head(n))
    drawn = pd.concat(parts, ignore_index=True) if parts else rows.iloc[:0]
    real = [g for g in present if g != ALL_GROUPS]
    drawn.attrs = {**table.attrs, "drawn_window": int(window), "by": by, "min_docs": min_docs,
                   "groups_drawn": [str(g) for g in shown], "n_groups": len(real),
                   "groups_left_out": len(present) - len(shown)}
    return drawn


def plot_collocations(
    table: pd.DataFrame,
    *,
    group_col: str | None = None,
    window: int | None = None,
    n: int = 10,
    by: str = "log_dice",
    min_docs: int = 3,
    significant_only: bool = True,
    cjk_only: bool = True,
    groups: Sequence[object] | None = None,
    max_groups: int = MAX_GROUPS,
    ncols: int | None = None,
) -> Figure:
    """Draw each group's strongest collocations as dots on their score.

    One panel per group (``"(all)"`` first, then the largest groups, at most
    ``max_groups`` panels), one row per pair: the dot is its score, the
    number beside it ``occurrences / documents``. The pairs are
    :func:`collocations_drawn` (same options).

    Returns
    -------
    matplotlib.figure.Figure
    """
    group_col = table_group_col(table, group_col, func="plot_collocations")
    drawn = collocations_drawn(table, group_col=group_col, window=window, n=n, by=by,
                               min_docs=min_docs, significant_only=significant_only,
                               cjk_only=cjk_only, groups=groups, max_groups=max_groups)
    shown = drawn.attrs["groups_drawn"]
    span = drawn.attrs["drawn_window"]
    joint = " " if span == 1 else " · "
    pair = drawn["term_a"] + joint + drawn["term_b"]
    panels = drawn[group_col].astype(str)
    # a pair among the best of half the panels or more says what every group wrote: grey
    spread = pair[panels != ALL_GROUPS].groupby(pair[panels != ALL_GROUPS]).size()
    common = set(spread[spread * 2 >= max(2, (panels != ALL_GROUPS).groupby(panels).size()
                                          .shape[0])].index)
    rows, cols, size, label_size = panel_layout(max(1, len(shown)), n, ncols)
    with paper_style(texts=[*shown, *pair], **{"ytick.labelsize": label_size}):
        fig, axes = plt.subplots(rows, cols, figsize=size, layout="constrained", squeeze=False)
        for i, (ax, group) in enumerate(zip(axes.flat, shown)):
            mine = (panels == str(group)).to_numpy()
            part, labels = drawn[mine].iloc[::-1], pair[mine].iloc[::-1]
            y = np.arange(len(part))
            colour = ["0.6" if p in common else "#0072B2" for p in labels]
            low = 0.0 if by in ("g2", "t_score") else float(part[by].min()) - 0.5 \
                if len(part) else 0.0
            high = float(part[by].max()) if len(part) else 1.0
            ax.hlines(y, low, part[by], color="0.88", linewidth=0.6)
            ax.scatter(part[by], y, s=9, c=colour, zorder=3, linewidths=0)
            for yy, x, o, d in zip(y, part[by], part["observed"], part["n_docs"]):
                ax.text(x, yy, f" {int(o)}/{int(d)}", va="center", ha="left", fontsize=5.5,
                        color="0.3")
            ax.set_yticks(y, labels=list(labels))
            for tick, c in zip(ax.get_yticklabels(), colour):
                tick.set_color("0.45" if c == "0.6" else "black")
            ax.set_xlim(low, high + (high - low) * 0.6 + 1e-9)
            ax.set_ylim(-0.7, max(len(part), 1) - 0.3)
            ticks = MaxNLocator(nbins=2, min_n_ticks=2).tick_values(low, high)
            ax.set_xticks([x for x in ticks if low < x <= high] or [high])  # no crowded 0
            ax.xaxis.set_major_formatter(FuncFormatter(_short))
            ax.set_title(wrap_label("all documents" if group == ALL_GROUPS else group, 14),
                         loc="right")
            if part.empty:
                ax.text(0.5, 0.5, f"no pair in {min_docs}+ documents", transform=ax.transAxes,
                        ha="center", fontsize=6)
            if i >= len(shown) - cols:
                ax.set_xlabel(_LABELS.get(by, by))
        for ax in list(axes.flat)[len(shown):]:
            ax.set_visible(False)
        what = "adjacent tokens" if span == 1 else f"tokens at most {span} apart in a sentence"
        fig.supxlabel(f"Pairs of {what}, significant (BH), in {min_docs}+ documents; "
                      f"number: occurrences/documents; grey: among the best of half the "
                      f"groups or more.", fontsize=6, color="0.35")
        note_left_out(fig, drawn.attrs["groups_left_out"], drawn.attrs["n_groups"])
    return fig
