"""Show progress in a notebook for the steps that take more than a few seconds.

A researcher running a notebook by hand on 10^5 documents sees the files read
and the texts segmented advance. Nowhere else: the runner sets
``ANALYSIS_PROGRESS=0`` for the notebooks it runs (its own bar counts the
notebooks), and plain scripts and tests get nothing.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from typing import Any

__all__ = ["progress", "showing_progress"]


def showing_progress() -> bool:
    """Tell whether progress bars are shown: in an IPython kernel, unless ANALYSIS_PROGRESS=0."""
    if os.environ.get("ANALYSIS_PROGRESS", "1") == "0":
        return False
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with the notebooks' kernel
        return False
    shell = get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def progress(items: Iterable[Any], *, total: int | None = None, desc: str = "",
             unit: str = "it") -> Iterator[Any]:
    """Iterate over ``items`` with a progress bar when :func:`showing_progress`.

    Parameters
    ----------
    items : iterable
        What to iterate over.
    total : int, optional
        How many items (for the bar's length).
    desc : str, default ""
        The bar's label.
    unit : str, default "it"
        What an item is.

    Yields
    ------
    object
        The items, unchanged.
    """
    if not showing_progress():
        yield from items
        return
    from tqdm.auto import tqdm

    yield from tqdm(items, total=total, desc=desc, unit=unit, file=sys.stdout, leave=False)
