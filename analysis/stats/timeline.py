"""Follow chosen terms through time, per group, and read dated events.

Decisions:

- A term is matched as a *whole token*: it is counted where it equals an
  element of the space-joined ``tokens`` column. Only what the tokenizer kept
  can be found: a multi-word expression is found only if the segmenter's
  dictionary keeps it as one token (add it to the user dictionary), stop
  words are never found, and ASCII letters are lower-cased by the tokenizer.
  A term holding whitespace can never match and is an error. To find any
  string in the raw text, use :func:`analysis.stats.kwic.kwic`.
- Bins are calendar days, weeks starting on Monday, months, quarters or years
  (``freq`` as in :func:`analysis.stats.overview.documents_per_period`),
  labelled by their first day; ``freq="auto"`` (the default) takes the bin
  that gives 12 to 60 points a line (:func:`analysis.stats.overview.choose_freq`).
  Every group gets every bin from the first to the last (of the data, or of
  ``date_from``/``date_to`` when given), so a bin with no document appears
  with ``n_docs`` 0 and ``rate`` NaN, and a line drawn from the table has a
  real gap there; a bin with documents but no hit has ``count`` 0.
- ``rate`` is ``count / n_tokens * per``: hits per ``per`` tokens of the bin.
  ``rate_low`` and ``rate_high`` bound it with the exact Poisson interval of
  the count (Garwood 1936; ``ci``, 0.95 by default): the hits of a bin are
  few, and a rate from one short document is fragile. With ``rolling=k``,
  ``rate_rolling`` is the rate of the ``k`` bins ending at each bin (their
  counts over their tokens, not a mean of rates).
- Undated documents are left out (a warning gives their count); so are
  documents whose group is NA.
- The hits and token totals come from the documents' term counts
  (:class:`~analysis.stats.counts.TermCounts`): a term's count in a document
  is its column of the count matrix, a document's size its row total.
- Date bounds follow the package's one rule (:func:`analysis.core.dates.date_mask`):
  whole days, both inclusive.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
from scipy.special import gammaincinv

from ..core.dates import as_date, date_column, date_mask
from ..core.errors import AnalysisError, check_choice, check_column, check_number
from .counts import TermCounts, counts_of
from .overview import FREQS, choose_freq

__all__ = ["TIMELINE_COLUMNS", "first_appearance", "keyword_timeline", "poisson_interval"]

TIMELINE_COLUMNS = ("term", "period", "count", "docs_with_term", "n_docs", "n_tokens", "rate")


def _terms(terms: str | Sequence[str], func: str) -> list[str]:
    """Return the terms as a list of distinct non-empty single tokens."""
    items = [terms] if isinstance(terms, str) else list(terms)
    bad = [t for t in items if not isinstance(t, str) or not t or t != "".join(t.split())]
    if not items or bad:
        raise AnalysisError(
            f"The 'terms' parameter of {func} must be a token or a list of tokens (non-empty "
            f"strings without whitespace; tokens never hold spaces); got "
            f"{bad[0] if bad else terms!r}.")
    return list(dict.fromkeys(items))


def _dated(docs: pd.DataFrame, counts: TermCounts | None, terms: list[str], *,
           group_col: str, tokens_col: str, date_col: str, id_col: str, func: str,
           match: str = "tokens", text_col: str = "text"
           ) -> tuple[pd.DataFrame, np.ndarray, list[str]]:
    """Return group, date, id and token total per dated document, each term's hits, and
    the terms counted in the text."""
    dates = date_column(docs, date_col, func=func)
    check_column(docs, group_col, param="group_col", func=func)
    counts = counts_of(docs, counts, tokens_col=tokens_col, id_col=id_col, func=func)
    out = pd.DataFrame({"group": docs[group_col].to_numpy(), "date": dates.to_numpy(),
                        "doc_id": docs[id_col].to_numpy() if id_col in docs else docs.index,
                        "n_tokens": counts.totals()})
    hits = counts.columns(terms)
    in_text = []
    if match == "auto" and text_col in docs.columns:
        texts = docs[text_col].fillna("").astype(str)
        for j, term in enumerate(terms):
            if hits[:, j].sum() == 0:  # the segmenter cuts it: count it as written
                found = texts.str.count(re.escape(term)).to_numpy(dtype=np.int64)
                if found.sum():
                    hits[:, j] = found
                    in_text.append(term)
    keep = np.ones(len(out), dtype=bool)
    for what, bad in ((f"undated (NaT in {date_col!r})", out["date"].isna().to_numpy()),
                      (f"with NA in {group_col!r}", out["group"].isna().to_numpy())):
        if bad.any():
            warnings.warn(f"{func}: {int(bad.sum())} document(s) {what} were excluded.",
                          UserWarning, stacklevel=3)
        keep &= ~bad
    rows = np.flatnonzero(keep)
    return out.iloc[rows].reset_index(drop=True), hits[rows], in_text


def _in_range(docs: pd.DataFrame, hits: np.ndarray, date_from: object, date_to: object,
              func: str) -> tuple[pd.DataFrame, np.ndarray, pd.Timestamp, pd.Timestamp]:
    """Keep the documents within the whole-day range; return them and the bounds."""
    lo = as_date(date_from, param="date_from", func=func)
    hi = as_date(date_to, param="date_to", func=func)
    if docs.empty:
        raise AnalysisError(f"{func}: no document has both a date and a group.")
    first, last = docs["date"].min(), docs["date"].max()
    keep = np.flatnonzero(date_mask(docs["date"], lo, hi))
    kept = docs.iloc[keep].reset_index(drop=True)
    if kept.empty:
        raise AnalysisError(
            f"{func}: no document lies between date_from={date_from!r} and "
            f"date_to={date_to!r}; the corpus runs from {first:%Y-%m-%d} to {last:%Y-%m-%d}.")
    return kept, hits[keep], lo if lo is not None else first, hi if hi is not None else last


def keyword_timeline(
    docs: pd.DataFrame,
    counts: TermCounts | None = None,
    *,
    terms: str | Sequence[str],
    freq: str = "auto",
    group_col: str = "institution",
    tokens_col: str = "tokens",
    id_col: str = "doc_id",
    date_col: str = "date",
    per: float = 10_000,
    date_from: str | pd.Timestamp | None = None,
    date_to: str | pd.Timestamp | None = None,
    ci: float = 0.95,
    rolling: int | None = None,
    match: Literal["tokens", "auto"] = "tokens",
    text_col: str = "text",
) -> pd.DataFrame:
    """Count chosen terms per group and calendar bin, with rates, intervals and bin sizes.

    Parameters
    ----------
    docs : pandas.DataFrame
        One row per document, with dates and groups.
    counts : TermCounts, optional
        The documents' term counts (a superset is fine: rows are matched by
        ``id_col``); default: count ``tokens_col``.
    terms : str or sequence of str
        Single tokens to count (matched as whole tokens; see the module notes).
    freq : {'auto', 'D', 'W', 'M', 'Q', 'Y'}, default 'auto'
        Day, week (starting Monday), month, quarter, year, or 12 to 60 bins a line.
    group_col : str, default 'institution'
        One series per value of this column.
    tokens_col, id_col, date_col : str, default 'tokens', 'doc_id' and 'date'
        Column names (``tokens_col`` is only read without ``counts``).
    per : float, default 10000
        The rate is given per this many tokens.
    date_from, date_to : str or Timestamp, optional
        Inclusive bounds (whole days); the bins then span exactly this range.
    ci : float, default 0.95
        Coverage of ``rate_low`` and ``rate_high``.
    rolling : int, optional
        Add ``rate_rolling`` over this many bins.
    match : {'tokens', 'auto'}, default 'tokens'
        ``'tokens'``: whole tokens only (see the module notes). ``'auto'``: a
        term the segmenter never gives whole (境外输入 cut in two) is counted
        where it is written in ``text_col``, and ``attrs["counted_in_text"]``
        names it.
    text_col : str, default 'text'
        The texts, for ``match='auto'``.

    Returns
    -------
    pandas.DataFrame
        One row per (group, term, period): the group column, ``term``,
        ``period`` (first day of the bin), ``count`` (hits), ``docs_with_term``,
        ``n_docs``, ``n_tokens``, ``rate``, ``rate_low`` and ``rate_high`` (NaN
        where ``n_tokens`` is 0), and ``rate_rolling`` with ``rolling``.
        ``attrs`` holds ``freq`` (the bin used), ``per``, ``ci``,
        ``missing_terms`` (terms with no hit) and ``notes``.

    Raises
    ------
    AnalysisError
        If a column or option is invalid, or no document lies in the range
        (the message gives the corpus's real range).
    """
    func = "keyword_timeline"
    terms = _terms(terms, func)
    check_choice(freq, [*FREQS, "auto"], param="freq", func=func)
    check_number(per, param="per", func=func, low=0)
    if per == 0:
        raise AnalysisError(f"The 'per' parameter of {func} must be a number > 0; got 0.")
    check_number(ci, param="ci", func=func, low=0, high=1)
    if rolling is not None:
        check_number(rolling, param="rolling", func=func, low=1, integer=True)
    check_choice(match, ("tokens", "auto"), param="match", func=func)
    docs, hits, in_text = _dated(docs, counts, terms, group_col=group_col,
                                 tokens_col=tokens_col, date_col=date_col, id_col=id_col,
                                 func=func, match=match, text_col=text_col)
    docs, hits, lo, hi = _in_range(docs, hits, date_from, date_to, func)
    if freq == "auto":
        freq = choose_freq(pd.Series([lo, hi]))
    alias, start_alias = FREQS[freq]
    per_doc = pd.DataFrame({
        "group": docs["group"].to_numpy(),
        "period": docs["date"].dt.to_period(alias).dt.start_time.to_numpy(),
        "n_tokens": docs["n_tokens"].to_numpy(),
    })
    long = per_doc.loc[np.repeat(np.arange(len(docs)), len(terms))].assign(
        term=np.tile(terms, len(docs)), count=hits.ravel(), hit=hits.ravel() > 0)
    table = long.groupby(["group", "term", "period"]).agg(
        count=("count", "sum"), docs_with_term=("hit", "sum"),
        n_docs=("n_tokens", "size"), n_tokens=("n_tokens", "sum"))
    periods = pd.date_range(pd.Period(lo, alias).start_time, pd.Period(hi, alias).start_time,
                            freq=start_alias)
    full = pd.MultiIndex.from_product([sorted(docs["group"].unique()), terms, periods],
                                      names=["group", "term", "period"])
    table = table.reindex(full, fill_value=0).reset_index().astype(
        {c: np.int64 for c in ("count", "docs_with_term", "n_docs", "n_tokens")})
    tokens = table["n_tokens"].where(table["n_tokens"] > 0)
    table["rate"] = table["count"] / tokens * per
    low, high = poisson_interval(table["count"].to_numpy(), ci)
    table["rate_low"], table["rate_high"] = low / tokens * per, high / tokens * per
    if rolling is not None:
        sums = table.groupby(["group", "term"], sort=False)[["count", "n_tokens"]].transform(
            lambda s: s.rolling(rolling, min_periods=1).sum())
        table["rate_rolling"] = sums["count"] / sums["n_tokens"].where(sums["n_tokens"] > 0) \
            * per
    table = table.rename(columns={"group": group_col})
    table.attrs = {"freq": freq, "per": per, "ci": ci, "rolling": rolling,
                   "group_col": group_col, "counted_in_text": in_text,
                   **_missing_note(terms, hits, func)}
    return table


def poisson_interval(counts: np.ndarray, ci: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Return the exact (Garwood) Poisson interval of counts.

    Parameters
    ----------
    counts : array-like of int
        Observed counts.
    ci : float, default 0.95
        Coverage.

    Returns
    -------
    low, high : numpy.ndarray
        ``gammaincinv(k, (1 - ci) / 2)`` (0 for ``k = 0``) and
        ``gammaincinv(k + 1, (1 + ci) / 2)``, the same as
        ``chi2.ppf(tail, 2k) / 2`` and ``chi2.ppf(1 - tail, 2k + 2) / 2``.

    Examples
    --------
    >>> low, high = poisson_interval([0, 3])
    >>> [round(float(x), 3) for x in (*low, *high)]
    [0.0, 0.619, 3.689, 8.767]
    """
    k = np.asarray(counts, dtype=float)
    tail = (1 - ci) / 2
    low = np.where(k > 0, gammaincinv(np.maximum(k, 1e-300), tail), 0.0)
    return low, gammaincinv(k + 1, 1 - tail)


def _missing_note(terms: list[str], hits: np.ndarray, func: str) -> dict:
    """Warn about the terms that never occur; return the attrs to record."""
    missing = [t for t, n in zip(terms, hits.sum(axis=0)) if n == 0]
    notes = []
    if missing:
        notes.append(f"{func}: no document holds the token(s) {missing}; their counts are 0. "
                     f"Terms match whole tokens: check the segmentation (a word cut in "
                     f"pieces needs the user dictionary), stop words and lower-case ASCII.")
        warnings.warn(notes[-1], UserWarning, stacklevel=3)
    return {"missing_terms": missing, "notes": notes}


def first_appearance(
    docs: pd.DataFrame,
    counts: TermCounts | None = None,
    *,
    terms: str | Sequence[str],
    group_col: str = "institution",
    tokens_col: str = "tokens",
    date_col: str = "date",
    id_col: str = "doc_id",
) -> pd.DataFrame:
    """Find the first dated document of each group that uses each term.

    Parameters
    ----------
    docs : pandas.DataFrame
        One row per document, with dates and groups.
    counts : TermCounts, optional
        The documents' term counts (a superset is fine); default: count ``tokens_col``.
    terms : str or sequence of str
        Single tokens, matched as whole tokens (as in :func:`keyword_timeline`).
    group_col : str, default 'institution'
        The groups.
    tokens_col, date_col, id_col : str
        Column names.

    Returns
    -------
    pandas.DataFrame
        One row per (group, term): the group column, ``term``, ``first_date``,
        ``first_doc_id`` (ties on the date go to the first row) and
        ``docs_with_term``; NaT, NA and 0 where the group never uses the term.
        Undated documents are left out (warning).
    """
    func = "first_appearance"
    terms = _terms(terms, func)
    docs, hits, _ = _dated(docs, counts, terms, group_col=group_col, tokens_col=tokens_col,
                           date_col=date_col, id_col=id_col, func=func)
    hits = hits > 0
    rows, cols = np.nonzero(hits)
    found = pd.DataFrame({"group": docs["group"].to_numpy()[rows], "term": np.asarray(terms)[cols],
                          "first_date": docs["date"].to_numpy()[rows],
                          "first_doc_id": docs["doc_id"].to_numpy()[rows],
                          "row": rows})
    found = found.sort_values(["first_date", "row"], kind="stable")
    first = found.groupby(["group", "term"]).agg(
        first_date=("first_date", "first"), first_doc_id=("first_doc_id", "first"),
        docs_with_term=("row", "size"))
    full = pd.MultiIndex.from_product([sorted(docs["group"].unique()), terms],
                                      names=["group", "term"])
    table = first.reindex(full).reset_index()
    table["docs_with_term"] = table["docs_with_term"].fillna(0).astype(np.int64)
    table.attrs = {**_missing_note(terms, hits, func), "group_col": group_col}
    return table.rename(columns={"group": group_col})
