"""Describe a loaded corpus: documents per group and period, provenance, load report."""

from __future__ import annotations

import pandas as pd

from ..core.dates import date_column
from ..core.errors import AnalysisError, check_choice, check_column

__all__ = ["FREQS", "FREQ_NAMES", "choose_freq", "documents_per_period", "provenance_table",
           "report_summary"]

# freq -> (pandas period alias, alias of the periods' first days)
FREQS = {"D": ("D", "D"), "W": ("W-SUN", "W-MON"), "M": ("M", "MS"), "Q": ("Q", "QS"),
         "Y": ("Y", "YS")}
FREQ_NAMES = {"D": "day", "W": "week (starting Monday)", "M": "month", "Q": "quarter",
              "Y": "year"}
_BIN_DAYS = {"D": 1, "W": 7, "M": 30.44, "Q": 91.31, "Y": 365.25}
MIN_BINS, MAX_BINS = 12, 60


def choose_freq(dates: pd.Series) -> str:
    """Choose the calendar bin that gives a line between 12 and 60 points.

    Decisions: a line of ~100 weekly points over two years is spiky and
    unreadable, one of 4 points says nothing. The finest of day, week, month,
    quarter and year whose number of bins over the date span lies in
    [:data:`MIN_BINS`, :data:`MAX_BINS`] is taken; when none does, the one
    closest to that range (finer on a tie). Two years give months (24), five
    months weeks (22), three weeks days (21).

    Parameters
    ----------
    dates : pandas.Series of datetime64
        The dates (NaT ignored).

    Returns
    -------
    str
        One of ``"D"``, ``"W"``, ``"M"``, ``"Q"``, ``"Y"`` (``"M"`` without dates).
    """
    dates = pd.to_datetime(dates).dropna()
    if dates.empty:
        return "M"
    span = (dates.max().normalize() - dates.min().normalize()).days + 1
    best, best_gap = "M", float("inf")
    for freq, days in _BIN_DAYS.items():
        n = span / days
        gap = 0.0 if MIN_BINS <= n <= MAX_BINS else min(abs(n - MIN_BINS), abs(n - MAX_BINS))
        if gap < best_gap:
            best, best_gap = freq, gap
        if gap == 0:
            break
    return best
_UNKNOWN = "(unknown)"


def documents_per_period(
    docs: pd.DataFrame,
    *,
    group_col: str = "institution",
    date_col: str = "date",
    freq: str = "M",
) -> pd.DataFrame:
    """Count documents per group and calendar period, empty periods included.

    Parameters
    ----------
    docs : pandas.DataFrame
        Documents with a group column and a datetime column.
    group_col : str, default "institution"
        The grouping column; missing values are counted as ``"(unknown)"``.
    date_col : str, default "date"
        The date column; documents without a date are left out and counted
        in the result's ``attrs["undated"]``.
    freq : {"D", "W", "M", "Q", "Y", "auto"}, default "M"
        Day, week (starting Monday), month, quarter, year, or the bin that
        gives 12 to 60 points over the date span (:func:`choose_freq`).

    Returns
    -------
    pandas.DataFrame
        Columns ``group_col``, ``period`` (the period's first day) and
        ``n_docs``; every group has a row for every period of the corpus's range.
    """
    check_column(docs, group_col, param="group_col", func="documents_per_period")
    check_choice(freq, [*FREQS, "auto"], param="freq", func="documents_per_period")
    dates = date_column(docs, date_col, func="documents_per_period")
    freq = choose_freq(dates) if freq == "auto" else freq
    dated = docs.loc[dates.notna()].assign(
        _group=docs[group_col].fillna(_UNKNOWN).astype(str),
        period=dates[dates.notna()].dt.to_period(FREQS[freq][0]).dt.start_time,
    )
    if dated.empty:
        raise AnalysisError(f"No document has a date in column {date_col!r}; "
                            f"cannot count documents per period.")
    periods = pd.date_range(dated["period"].min(), dated["period"].max(), freq=FREQS[freq][1])
    counts = dated.groupby(["_group", "period"]).size()
    full = pd.MultiIndex.from_product([sorted(dated["_group"].unique()), periods],
                                      names=["_group", "period"])
    table = counts.reindex(full, fill_value=0).rename("n_docs").reset_index()
    table = table.rename(columns={"_group": group_col})
    table.attrs = {"undated": int(dates.isna().sum()), "group_col": group_col, "freq": freq}
    return table


def provenance_table(docs: pd.DataFrame) -> pd.DataFrame:
    """Count where each inferred field came from.

    Parameters
    ----------
    docs : pandas.DataFrame
        Documents with ``*_source`` columns (``institution_source``, ``date_source``).

    Returns
    -------
    pandas.DataFrame
        Columns ``field``, ``source`` (``"(missing)"`` when the value is
        unknown) and ``n_docs``, sorted by field then count.
    """
    cols = [c for c in docs.columns if c.endswith("_source")]
    if not cols:
        raise AnalysisError("The documents have no '*_source' column; load them with load_corpus.")
    parts = []
    for col in cols:
        counts = docs[col].fillna("(missing)").value_counts()
        parts.append(pd.DataFrame({"field": col.removesuffix("_source"),
                                   "source": counts.index.astype(str), "n_docs": counts.to_numpy()}))
    return pd.concat(parts, ignore_index=True)


def report_summary(report: pd.DataFrame) -> pd.DataFrame:
    """Summarise a load report: files per status and reason.

    Parameters
    ----------
    report : pandas.DataFrame
        The report returned by ``load_corpus(..., return_report=True)``.

    Returns
    -------
    pandas.DataFrame
        Columns ``status``, ``reason`` and ``n_files``.
    """
    check_column(report, "status", param="report", func="report_summary")
    table = (report.assign(reason=report["reason"].replace("", "-"))
             .groupby(["status", "reason"]).size().rename("n_files").reset_index())
    return table.sort_values(["status", "n_files"], ascending=[True, False], ignore_index=True)
