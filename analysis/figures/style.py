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

import difflib
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
from cycler import cycler
from matplotlib import font_manager
from matplotlib.figure import Figure

from ..core.errors import AnalysisError
from .fonts import missing_characters, register_font, resolve_font

__all__ = ["DOUBLE_COLUMN", "FALLBACK_FAMILIES", "MARKERS", "MM", "PAPER_RC", "SINGLE_COLUMN",
           "SVG_HASHSALT", "colours", "new_figure", "paper_rc", "paper_style"]

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
    "figure.figsize": (SINGLE_COLUMN, SINGLE_COLUMN * 0.75), "figure.dpi": 100,
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
            near = difflib.get_close_matches(key, list(mpl.rcParams), n=3)
            hint = f" (did you mean {', '.join(map(repr, near))}?)" if near else ""
            raise AnalysisError(f"The overrides of paper_style must be matplotlib rcParams "
                                f"names such as 'font.size', given as **{{'font.size': 9}}; "
                                f"got {key!r}{hint}.")
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
    with mpl.rc_context(rc):
        yield rc


MARKERS = "osD^vP*Xph<>"
"""Marker shapes, one per group in turn."""


def colours(n: int) -> list:
    """Return n distinguishable colours: the style's cycle, then tab20.

    Parameters
    ----------
    n : int
        How many colours.

    Returns
    -------
    list
        Matplotlib colours; call inside :func:`paper_style` to get its cycle first.
    """
    cycle = plt.rcParams["axes.prop_cycle"].by_key().get("color", [])
    return list(cycle[:n]) if n <= len(cycle) else list(plt.get_cmap("tab20").colors[:n]) + [
        plt.get_cmap("tab20b")(i % 20) for i in range(max(0, n - 20))]


def new_figure(fig: Figure | None, width: float, height: float) -> Figure:
    """Return ``fig``, or a new constrained-layout figure of the given size in inches."""
    return fig if fig is not None else plt.figure(figsize=(width, height), layout="constrained")
