"""Keep the documents of chosen groups and a date range."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..core.dates import as_date, date_mask
from ..core.errors import AnalysisError, check_column, format_list

__all__ = ["select_documents"]


def _day(value: pd.Timestamp | None) -> str:
    return "None" if value is None else f"{value:%Y-%m-%d}"


def select_documents(
    docs: pd.DataFrame,
    *,
    institutions: list[str] | None = None,
    date_from: Any = None,
    date_to: Any = None,
    institution_col: str = "institution",
    date_col: str = "date",
) -> pd.DataFrame:
    """Keep the documents of the chosen institutions and date range.

    Parameters
    ----------
    docs : pandas.DataFrame
        Loaded documents.
    institutions : list of str, optional
        Values of ``institution_col`` to keep; None keeps all.
    date_from, date_to : date-like, optional
        Bounds on ``date_col``: whole days, both inclusive (the package's one
        rule, :func:`analysis.core.dates.date_mask`); documents without a date
        are dropped when a bound is given.
    institution_col, date_col : str
        Column names.

    Returns
    -------
    pandas.DataFrame
        The selected documents, with a fresh index.

    Raises
    ------
    AnalysisError
        When a named institution does not exist (the message lists those that
        do) or the range holds no document (the message gives the corpus's range).
    """
    func = "select_documents"
    if institutions is not None:
        check_column(docs, institution_col, param="institution_col", func=func)
        present = sorted(docs[institution_col].dropna().astype(str).unique())
        missing = [i for i in institutions if i not in present]
        if missing:
            raise AnalysisError(f"The 'institutions' parameter must name values of "
                                f"{institution_col!r} among {format_list(present, limit=40)}; "
                                f"got unknown {missing}.")
        docs = docs[docs[institution_col].isin(institutions).to_numpy()]
    if date_from is not None or date_to is not None:
        check_column(docs, date_col, param="date_col", func=func)
        lo = as_date(date_from, param="date_from", func=func)
        hi = as_date(date_to, param="date_to", func=func)
        keep = date_mask(docs[date_col], lo, hi)
        if not keep.any():
            dates = docs[date_col]
            first, last = dates.min(), dates.max()
            raise AnalysisError(
                f"No document lies between date_from={_day(lo)} and date_to={_day(hi)}; "
                f"the corpus runs from {first:%Y-%m-%d} to {last:%Y-%m-%d}." if pd.notna(first)
                else "No document has a date; remove date_from/date_to.")
        docs = docs[keep]
    return docs.reset_index(drop=True)
