"""Read date bounds and apply them: the one date-range rule of the package.

The rule (:func:`date_mask`): bounds are whole calendar days and both are
inclusive. A document dated ``d`` is kept when ``day(date_from) <= d <
day(date_to) + 1 day``, where ``day`` drops the time of day; so
``date_to="2020-06-30"`` keeps everything on 30 June, whatever its hour, and
nothing of 1 July. Undated documents are never inside a range (they are kept
only when no bound is given).

Bounds are read by :func:`as_date`: a ``str`` written as a date
(``2020-02-01``, ``2020/2/1``, ``2020-02-01 08:00``), a ``datetime.date`` or
``datetime`` (what YAML makes of ``2020-02-01``), a ``pandas.Timestamp`` or
``numpy.datetime64``. Numbers are refused: ``20200101`` read as an epoch
would silently become 1970-01-01.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from .errors import AnalysisError, check_column

__all__ = ["as_date", "date_mask"]


def as_date(value: Any, *, param: str, func: str | None = None) -> pd.Timestamp | None:
    """Read a date bound given as text or a date object; None passes through.

    Parameters
    ----------
    value : str, datetime.date, pandas.Timestamp, numpy.datetime64 or None
        The value given by the user.
    param : str
        The parameter that carried it, for the message.
    func : str, optional
        The public function the parameter belongs to, for the message.

    Returns
    -------
    pandas.Timestamp or None

    Raises
    ------
    AnalysisError
        For a number, an impossible date (``2020-13-01``) or text that is not a date.
    """
    if value is None:
        return None
    where = f"The {param!r} parameter" + (f" of {func}" if func else "")
    ok = isinstance(value, (str, dt.date, np.datetime64, pd.Timestamp))
    stamp = None
    if ok:
        try:
            stamp = pd.Timestamp(value.strip() if isinstance(value, str) else value)
        except (ValueError, TypeError, OverflowError):
            stamp = None
    if stamp is None or stamp is pd.NaT:
        raise AnalysisError(f"{where} must be a date such as '2020-02-01' (text or a date), "
                            f"or None; got {value!r}.")
    return stamp.tz_localize(None) if stamp.tzinfo is not None else stamp


def date_mask(dates: pd.Series, date_from: Any = None, date_to: Any = None) -> np.ndarray:
    """Return which dates lie in the whole-day range ``[date_from, date_to]``.

    Parameters
    ----------
    dates : pandas.Series of datetime64
        The dates; NaT is outside any range.
    date_from, date_to : date-like, optional
        Inclusive bounds (read by :func:`as_date`); None leaves that side open.

    Returns
    -------
    numpy.ndarray of bool
        True where the date is kept; all True when both bounds are None.

    Examples
    --------
    >>> s = pd.Series(pd.to_datetime(["2020-06-30 23:00", "2020-07-01", None]))
    >>> date_mask(s, None, "2020-06-30").tolist()
    [True, False, False]
    """
    lo, hi = as_date(date_from, param="date_from"), as_date(date_to, param="date_to")
    values = pd.to_datetime(dates).to_numpy(dtype="datetime64[ns]")
    if lo is None and hi is None:
        return np.ones(len(values), dtype=bool)
    keep = ~np.isnat(values)
    if lo is not None:
        keep &= values >= lo.normalize().to_datetime64()
    if hi is not None:
        keep &= values < (hi.normalize() + pd.Timedelta(days=1)).to_datetime64()
    return keep


def date_column(docs: pd.DataFrame, date_col: str, *, func: str) -> pd.Series:
    """Return a documents table's date column as datetimes, or one line saying why not.

    Parameters
    ----------
    docs : pandas.DataFrame
        The documents.
    date_col : str
        Their date column (missing dates may be None or NaT).
    func : str
        The public function named in the message.

    Returns
    -------
    pandas.Series of datetime64
        The dates, with the index of ``docs``.

    Raises
    ------
    AnalysisError
        When the column is absent or holds values that are not dates.
    """
    check_column(docs, date_col, param="date_col", func=func)
    try:
        return pd.to_datetime(docs[date_col])
    except (ValueError, TypeError, OverflowError) as err:
        raise AnalysisError(f"The {date_col!r} column given as 'date_col' of {func} must hold "
                            f"dates; {err}.") from None
