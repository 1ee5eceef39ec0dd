"""Draw which shared phrase reached which group when, as a dot chart."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..core.errors import AnalysisError, check_column, check_number
from ..stats.counts import table_group_col
from ..stats.phrases import phrase_summary
from .style import (DOUBLE_COLUMN, OTHER_COLOUR, PAGE_HEIGHT, groups_drawn, paper_style,
                    style_of)

__all__ = ["plot_phrase_diffusion"]


def plot_phrase_diffusion(
    table: pd.DataFrame,
    *,
    phrases: Sequence[str] | None = None,
    top: int = 15,
    group_col: str | None = None,
    groups: Sequence[object] | None = None,
    palette: Mapping[str, tuple] | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Draw which shared phrase reached which group when, as a dot chart.

    Parameters
    ----------
    table : pandas.DataFrame
        The output of :func:`analysis.stats.phrases.shared_phrases`.
    phrases : sequence of str, optional
        The phrases to show, top to bottom; default the first ``top`` of the
        table (most groups first, then earliest).
    top : int, default 15
        How many phrases to show when ``phrases`` is omitted.
    group_col : str, optional
        The group column of ``table``; default: the one the statistic recorded
        (``table.attrs["group_col"]``).
    groups : sequence, optional
        The groups with a colour of their own (a Study passes the largest
        first); at most :data:`~analysis.figures.style.MAX_GROUPS`, the others
        drawn as grey dots "other groups".
    palette : mapping, optional
        Group -> (colour, marker), the same in every figure of a run.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when omitted.

    Returns
    -------
    matplotlib.figure.Figure
        One row per phrase, one marker per group at its first use (colour and
        shape by group), a grey line from the first use to the last.
    """
    func = "plot_phrase_diffusion"
    check_number(top, param="top", func=func, low=1, integer=True)
    group_col = table_group_col(table, group_col, func=func)
    for col in ("phrase", "first_date"):
        check_column(table, col, param="table", func=func)
    chosen = _chosen_phrases(table, phrases, top, group_col, func)
    sub = table[table["phrase"].isin(chosen)]
    present = list(dict.fromkeys(sub.sort_values("first_date", kind="stable")[group_col]))
    coloured, _ = groups_drawn(present, groups)
    others = [g for g in present if g not in set(coloured)]
    order = [g for g in present if g in set(coloured)]  # legend by first use
    styles = style_of(palette, order)
    with paper_style(texts=[str(v) for v in chosen + present]):
        if ax is None:
            fig, ax = plt.subplots(figsize=(DOUBLE_COLUMN, min(PAGE_HEIGHT,
                                                               0.9 + 0.28 * len(chosen))),
                                   layout="constrained")
        fig = ax.figure
        y_of = {p: i for i, p in enumerate(chosen)}
        for phrase, part in sub.groupby("phrase", sort=False):
            dates = part["first_date"].dropna()
            if len(dates) > 1:
                ax.plot([dates.min(), dates.max()], [y_of[phrase]] * 2, color="0.75",
                        linewidth=1.0, zorder=1)
        for group in order:
            part = sub[sub[group_col] == group]
            colour, marker = styles[str(group)]
            ax.scatter(part["first_date"], part["phrase"].map(y_of), color=colour,
                       marker=marker, s=22, label=str(group), zorder=2,
                       edgecolors="white", linewidths=0.4)
        if others:
            part = sub[sub[group_col].isin(others).to_numpy()]
            ax.scatter(part["first_date"], part["phrase"].map(y_of), color=OTHER_COLOUR,
                       marker="o", s=10, zorder=1.5,
                       label=f"{len(others)} other group{'s' if len(others) > 1 else ''}")
        ax.set_yticks(range(len(chosen)), labels=chosen)
        ax.set_ylim(len(chosen) - 0.5, -0.5)
        ax.xaxis.set_major_locator(locator := mdates.AutoDateLocator(minticks=3, maxticks=8))
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
        ax.set_xlabel("first use by the group")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), title=group_col)
    return fig


def _chosen_phrases(table: pd.DataFrame, phrases: Sequence[str] | None, top: int,
                    group_col: str, func: str) -> list[str]:
    """Return the phrases to draw, checking those named."""
    if phrases is None:
        chosen = phrase_summary(table, group_col=group_col)["phrase"].head(top).tolist()
    else:
        chosen = [phrases] if isinstance(phrases, str) else list(dict.fromkeys(phrases))
        missing = [p for p in chosen if p not in set(table["phrase"])]
        if missing:
            raise AnalysisError(f"The 'phrases' parameter of {func} must name phrases of the "
                                f"table; got unknown {missing[:5]!r}.")
    if not chosen:
        raise AnalysisError(f"{func} got an empty table: there is nothing to draw.")
    return chosen
