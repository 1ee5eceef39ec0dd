"""Draw figures in a paper style, only inside ``matplotlib.rc_context``.

Importing this module changes nothing: :func:`paper_style` applies the style
for the duration of a ``with`` block and hands back the settings it applied.
Sizes fit a journal column: :data:`SINGLE_COLUMN` (85 mm) and
:data:`DOUBLE_COLUMN` (174 mm) wide, text at 8 pt and titles at 9 pt, so a
figure printed at 100 % needs no scaling. The CJK font (see
:mod:`analysis.figures.fonts`) comes first in ``font.family``, with DejaVu Sans as the
fallback for any glyph it lacks; the family list is concrete (not the generic
"sans-serif"), so texts keep their font when the figure is saved later,
outside the block.

Examples
--------
>>> import matplotlib.pyplot as plt
>>> with paper_style(**{"font.size": 9}) as rc:     # doctest: +SKIP
...     fig, ax = plt.subplots(figsize=(SINGLE_COLUMN, 2.4))
...     ax.set_title("疫情防控")
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
from cycler import cycler
from matplotlib import font_manager
from matplotlib.figure import Figure

from ..core.errors import AnalysisError, suggest
from .fonts import missing_characters, register_font, resolve_font

__all__ = ["DOUBLE_COLUMN", "FALLBACK_FAMILIES", "GROUP_COLOURS", "MARKERS", "MAX_GROUPS", "MM",
           "OTHER_COLOUR", "PAGE_HEIGHT", "PAPER_RC", "SINGLE_COLUMN", "SVG_HASHSALT", "colours",
           "group_styles", "groups_drawn", "new_figure", "note_left_out", "panel_layout", "paper_rc",
           "paper_style", "style_of", "wrap_label"]

MM: float = 1 / 25.4
"""One millimetre in inches: ``figsize=(120 * MM, 60 * MM)``."""
SINGLE_COLUMN: float = 85 * MM
"""Width of a single-column figure, 85 mm (3.35 in)."""
DOUBLE_COLUMN: float = 174 * MM
"""Width of a double-column (full-page) figure, 174 mm (6.85 in)."""
SVG_HASHSALT = "analysis"
"""Fixed salt for the ids inside SVG files, so reruns give identical bytes."""
FALLBACK_FAMILIES: tuple[str, ...] = ("DejaVu Sans",)
"""Families after the CJK font, for the glyphs it lacks (DejaVu ships with matplotlib)."""

# Okabe & Ito (2008): distinguishable with colour-vision deficiencies and in greyscale order.
_OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442",
              "#000000"]

PAPER_RC: dict[str, Any] = {
    "font.size": 8, "axes.titlesize": 9, "axes.labelsize": 8, "figure.titlesize": 9,
    "xtick.labelsize": 8, "ytick.labelsize": 8, "legend.fontsize": 8,
    "legend.title_fontsize": 8, "legend.frameon": False,
    "figure.figsize": (SINGLE_COLUMN, SINGLE_COLUMN * 0.75), "figure.dpi": 150,
    "figure.constrained_layout.use": True, "savefig.dpi": 300,
    "axes.linewidth": 0.6, "axes.spines.top": False, "axes.spines.right": False,
    "axes.titlepad": 4.0, "axes.labelpad": 2.0, "axes.prop_cycle": cycler(color=_OKABE_ITO),
    "xtick.major.width": 0.6, "ytick.major.width": 0.6, "xtick.minor.width": 0.4,
    "ytick.minor.width": 0.4, "xtick.major.size": 3.0, "ytick.major.size": 3.0,
    "lines.linewidth": 1.2, "lines.markersize": 4.0, "patch.linewidth": 0.6,
    "axes.unicode_minus": True, "pdf.fonttype": 42, "ps.fonttype": 42,
    "svg.fonttype": "path", "svg.hashsalt": SVG_HASHSALT,
}
"""The style without its fonts; :func:`paper_rc` adds them."""


def _check_overrides(overrides: dict[str, Any]) -> dict[str, Any]:
    """Check that every override names a matplotlib rc parameter."""
    for key in overrides:
        if key not in mpl.rcParams:
            raise AnalysisError(f"The overrides of paper_style must be matplotlib rcParams "
                                f"names such as 'font.size', given as **{{'font.size': 9}}; "
                                f"got {key!r}{suggest(key, mpl.rcParams)}.")
    return overrides


def paper_rc(*, texts: str | Iterable[object] = (),
             font_path: str | os.PathLike | None = None) -> dict[str, Any]:
    """Return the paper style settings, with a font that covers the texts.

    Parameters
    ----------
    texts : str or iterable of str, default ()
        Texts the figure will draw (labels, group names). The first font must
        have every character of them that the fallback fonts lack (see
        :func:`analysis.figures.fonts.resolve_font`); by default it is Noto Sans SC.
    font_path : path-like or str, optional
        A font file or installed family to use instead; checked against ``texts``.

    Returns
    -------
    dict
        rcParams names and values; the font is registered with matplotlib.
    """
    need: Iterable[object] = texts
    for fallback in FALLBACK_FAMILIES:  # what a fallback draws, the first font need not
        need = missing_characters(need, font_manager.findfont(font_manager.FontProperties(
            family=[fallback])))
    family = register_font(resolve_font(need, font_path=font_path))
    families = [family, *[f for f in FALLBACK_FAMILIES if f != family]]
    return {**PAPER_RC, "font.family": families, "font.sans-serif": families}


@contextmanager
def paper_style(*, texts: str | Iterable[object] = (),
                font_path: str | os.PathLike | None = None,
                **overrides: Any) -> Iterator[dict[str, Any]]:
    """Apply the paper style inside a ``with`` block and yield the settings applied.

    Parameters
    ----------
    texts : str or iterable of str, default ()
        Texts the figure will draw; the font must cover them.
    font_path : path-like or str, optional
        A font file or installed family to use instead of Noto Sans SC.
    **overrides
        rcParams to change, by their dotted names: ``**{"font.size": 9}``.

    Yields
    ------
    dict
        The rcParams applied (style, font and overrides), for the record.

    Raises
    ------
    AnalysisError
        For an override that is not a matplotlib rc parameter.
    FontError
        When no font covers ``texts``.
    """
    rc = {**paper_rc(texts=texts, font_path=font_path), **_check_overrides(overrides)}
    # The first pyplot figure of a Jupyter kernel loads the inline backend, which turns
    # interactive mode on; rc_context would turn it off again on exit and no later
    # figure of the notebook would be shown. Interactive mode set inside is kept.
    interactive = mpl.is_interactive()
    try:
        with mpl.rc_context(rc):
            try:
                yield rc
            finally:
                interactive = mpl.is_interactive()
    finally:
        mpl.interactive(interactive)



MARKERS = "osD^vP*Xph<>"
"""Marker shapes, one per group in turn."""
GROUP_COLOURS = (*_OKABE_ITO[:7], "#7F3C8D", "#11A579", "#3969AC", "#E73F74", "#80BA5A")
"""Twelve colours for groups: Okabe & Ito's seven (black left for text), then five of
CARTO's Bold set, distinguishable in print."""
OTHER_COLOUR = "#9E9E9E"
"""The colour of groups pooled as "other" or drawn beyond :data:`MAX_GROUPS`."""
MAX_GROUPS = 12
"""Groups drawn in one figure at most; the largest are drawn, the tables keep all."""
PAGE_HEIGHT: float = 230 * MM
"""The tallest figure: the text block of a journal page (230 mm)."""


def colours(n: int) -> list:
    """Return n distinguishable colours: the group colours, then tab20.

    Parameters
    ----------
    n : int
        How many colours.

    Returns
    -------
    list
        Matplotlib colours.
    """
    if n <= len(GROUP_COLOURS):
        return list(GROUP_COLOURS[:n])
    return list(GROUP_COLOURS) + [plt.get_cmap("tab20")(i % 20)
                                  for i in range(n - len(GROUP_COLOURS))]


def group_styles(groups: Iterable[object]) -> dict[str, tuple[Any, str]]:
    """Give every group a colour and a marker, the same in every figure of a run.

    Groups are taken in sorted order of their labels: the same set of groups
    gets the same styles in every figure, whatever subset a figure draws.

    Parameters
    ----------
    groups : iterable
        All the groups of the study.

    Returns
    -------
    dict
        Group label (str) -> (colour, marker).
    """
    labels = sorted({str(g) for g in groups})
    palette = colours(len(labels))
    return {g: (palette[i], MARKERS[i % len(MARKERS)]) for i, g in enumerate(labels)}


def style_of(palette: Mapping[str, tuple[Any, str]] | None, groups: Sequence[object]
             ) -> dict[str, tuple[Any, str]]:
    """Return the styles of the groups a figure draws: from the run's palette, else made here."""
    made = group_styles(groups)
    if palette is None:
        return made
    return {str(g): palette.get(str(g), (OTHER_COLOUR, "o")) for g in groups}


def groups_drawn(present: Sequence[object], groups: Sequence[object] | None,
                 max_groups: int = MAX_GROUPS) -> tuple[list, int]:
    """Choose the groups a figure draws: the given order, capped at ``max_groups``.

    Parameters
    ----------
    present : sequence
        The groups of the table, in its order.
    groups : sequence, optional
        The groups to draw, largest first (a Study passes them); default ``present``.
    max_groups : int, default MAX_GROUPS
        At most this many are drawn.

    Returns
    -------
    drawn : list
        The groups drawn, in the order given.
    left_out : int
        How many of ``present`` are not drawn.
    """
    have = {str(g): g for g in present}
    order = [have[str(g)] for g in groups if str(g) in have] if groups is not None \
        else list(present)
    drawn = order[:max_groups]
    return drawn, len(have) - len(drawn)


def note_left_out(fig: Figure, left_out: int, total: int) -> None:
    """Say above a figure how many groups it leaves out (the tables keep them).

    The note is the figure's suptitle, small and left-aligned, so constrained
    layout keeps room for it and it never overlaps a legend below or right of
    the panels.
    """
    if left_out > 0:
        fig.suptitle(f"{total - left_out} of {total} groups drawn (the largest); "
                     f"the CSV holds all.", x=0.01, ha="left", fontsize=6, color="0.35")


def wrap_label(text: object, width: int = 12) -> str:
    """Break a long label (a panel title) into lines of at most ``width`` characters."""
    text = str(text)
    return "\n".join(text[i:i + width] for i in range(0, len(text), width)) if len(text) > width \
        else text


def panel_layout(n_panels: int, rows_per_panel: int, ncols: int | None = None
                 ) -> tuple[int, int, tuple[float, float], float]:
    """Lay out small multiples of horizontal bars on one page.

    Parameters
    ----------
    n_panels : int
        Panels (groups), at most :data:`MAX_GROUPS` usually.
    rows_per_panel : int
        Bars in the fullest panel.
    ncols : int, optional
        Panels per row; default 1 to 3 panels in one row, 3 up to 9, then 4.

    Returns
    -------
    rows, cols : int
    figsize : tuple of float
        174 mm wide, as tall as the bars need, never taller than a page.
    label_size : float
        The tick label size (8 pt, down to 6 pt when the page is short).
    """
    cols = ncols or (n_panels if n_panels <= 3 else 3 if n_panels <= 9 else 4)
    cols = max(1, min(cols, n_panels))
    rows = -(-n_panels // cols)
    per_bar = 0.16
    height = rows * (0.55 + per_bar * rows_per_panel) + 0.3
    if height <= PAGE_HEIGHT:
        return rows, cols, (DOUBLE_COLUMN, height), 8.0
    per_bar = max(0.085, ((PAGE_HEIGHT - 0.3) / rows - 0.55) / max(rows_per_panel, 1))
    return rows, cols, (DOUBLE_COLUMN, PAGE_HEIGHT), max(6.0, min(8.0, per_bar * 72 * 0.8))


def new_figure(fig: Figure | None, width: float, height: float) -> Figure:
    """Return ``fig``, or a new constrained-layout figure of the given size in inches."""
    return fig if fig is not None else plt.figure(figsize=(width, min(height, PAGE_HEIGHT)),
                                                  layout="constrained")
