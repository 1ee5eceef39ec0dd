"""Follow chosen terms through time, per group, and read dated events.

Decisions:

- A term is matched as a *whole token*: it is counted where it equals an
  element of the space-joined ``tokens`` column. Only what the tokenizer kept
  can be found: a multi-word expression is found only if the segmenter's
  dictionary keeps it as one token (add it to the user dictionary), stop
  words are never found, and ASCII letters are lower-cased by the tokenizer.
  A term holding whitespace can never match and is an error. To find any
  string in the raw text, use :func:`analysis.kwic.kwic`.
- Bins are calendar days, weeks starting on Monday, or months (``freq`` as in
  :func:`analysis.overview.documents_per_period`), labelled by their first day.
  Every group gets every bin from the first to the last (of the data, or of
  ``date_from``/``date_to`` when given), so a bin with no document appears
  with ``n_docs`` 0 and ``rate`` NaN, and a line drawn from the table has a
  real gap there; a bin with documents but no hit has ``count`` 0.
- ``rate`` is ``count / n_tokens * per``: hits per ``per`` tokens of the bin.
- Undated documents are left out (a warning gives their count); so are
  documents whose group is NA.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
import yaml
from sklearn.feature_extraction.text import CountVectorizer

from .errors import AnalysisError, check_choice, check_column, check_number
from .overview import FREQS
from .tokens import token_lengths

__all__ = ["TIMELINE_COLUMNS", "first_appearance", "keyword_timeline", "load_events"]

TIMELINE_COLUMNS = ("term", "period", "count", "docs_with_term", "n_docs", "n_tokens", "rate")
_ALL = "all"


class _EventLoader(yaml.SafeLoader):
    """A safe YAML loader that leaves dates as strings, to check them one by one."""


_EventLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


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


def _dated(df: pd.DataFrame, *, group_col: str | None, tokens_col: str, date_col: str,
           func: str, id_col: str | None = None) -> pd.DataFrame:
    """Return group, date, tokens (and id) of the dated documents with a known group."""
    check_column(df, tokens_col, param="tokens_col", func=func)
    check_column(df, date_col, param="date_col", func=func)
    try:
        dates = pd.to_datetime(df[date_col])
    except (ValueError, TypeError) as err:
        raise AnalysisError(f"The {date_col!r} column given as 'date_col' of {func} must hold "
                            f"dates; {err}.") from err
    if group_col is None:
        groups = pd.Series(_ALL, index=df.index)
    else:
        groups = df[check_column(df, group_col, param="group_col", func=func)]
    out = pd.DataFrame({"group": groups, "date": dates,
                        "tokens": df[tokens_col].fillna("").astype(str)})
    if id_col is not None:
        out["doc_id"] = df[check_column(df, id_col, param="id_col", func=func)]
    keep = np.ones(len(out), dtype=bool)
    for what, bad in ((f"undated (NaT in {date_col!r})", out["date"].isna().to_numpy()),
                      (f"with NA in {group_col!r}", out["group"].isna().to_numpy())):
        if bad.any():
            warnings.warn(f"{func}: {int(bad.sum())} document(s) {what} were excluded.",
                          UserWarning, stacklevel=3)
        keep &= ~bad
    return out.iloc[np.flatnonzero(keep)]


def _bounds(value: object, param: str, func: str) -> pd.Timestamp | None:
    if value is None:
        return None
    try:
        return pd.Timestamp(value)
    except (ValueError, TypeError) as err:
        raise AnalysisError(f"The {param!r} parameter of {func} must be a date such as "
                            f"'2020-01-23'; got {value!r}.") from err


def _in_range(docs: pd.DataFrame, date_from: object, date_to: object, func: str
              ) -> tuple[pd.DataFrame, pd.Timestamp, pd.Timestamp]:
    """Keep the documents within the inclusive range; return them and the bounds."""
    lo, hi = _bounds(date_from, "date_from", func), _bounds(date_to, "date_to", func)
    if docs.empty:
        raise AnalysisError(f"{func}: no document has both a date and a group.")
    first, last = docs["date"].min(), docs["date"].max()
    end = hi.normalize() + pd.Timedelta(days=1) if hi is not None else None
    dates = docs["date"].to_numpy()
    keep = np.ones(len(docs), dtype=bool)
    if lo is not None:
        keep &= dates >= lo.to_datetime64()
    if end is not None:
        keep &= dates < end.to_datetime64()
    kept = docs.iloc[np.flatnonzero(keep)]
    if kept.empty:
        raise AnalysisError(
            f"{func}: no document lies between date_from={date_from!r} and "
            f"date_to={date_to!r}; the corpus runs from {first:%Y-%m-%d} to {last:%Y-%m-%d}.")
    return kept, lo if lo is not None else first, hi if hi is not None else last


def keyword_timeline(
    df: pd.DataFrame,
    terms: str | Sequence[str],
    *,
    freq: str = "W",
    group_col: str | None = "institution",
    tokens_col: str = "tokens",
    date_col: str = "date",
    per: float = 10_000,
    date_from: str | pd.Timestamp | None = None,
    date_to: str | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Count chosen terms per group and calendar bin, with rates and bin sizes.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per document, with space-joined tokens, dates and groups.
    terms : str or sequence of str
        Single tokens to count (matched as whole tokens; see the module notes).
    freq : {'D', 'W', 'M'}, default 'W'
        Day, week (starting Monday) or month.
    group_col : str or None, default 'institution'
        One series per value; ``None`` makes one series named ``'all'`` in a
        column ``group``.
    tokens_col, date_col : str, default 'tokens' and 'date'
        Column names.
    per : float, default 10000
        The rate is given per this many tokens.
    date_from, date_to : str or Timestamp, optional
        Inclusive bounds (whole days); the bins then span exactly this range.

    Returns
    -------
    pandas.DataFrame
        One row per (group, term, period): the group column, ``term``,
        ``period`` (first day of the bin), ``count`` (hits), ``docs_with_term``,
        ``n_docs``, ``n_tokens`` and ``rate`` (NaN where ``n_tokens`` is 0).
        ``attrs`` holds ``freq``, ``per``, ``missing_terms`` (terms with no
        hit) and ``notes`` (messages also given as warnings).

    Raises
    ------
    AnalysisError
        If a column or option is invalid, or no document lies in the range
        (the message gives the corpus's real range).
    """
    func = "keyword_timeline"
    terms = _terms(terms, func)
    check_choice(freq, FREQS, param="freq", func=func)
    check_number(per, param="per", func=func, low=0)
    if per == 0:
        raise AnalysisError(f"The 'per' parameter of {func} must be a number > 0; got 0.")
    docs = _dated(df, group_col=group_col, tokens_col=tokens_col, date_col=date_col, func=func)
    docs, lo, hi = _in_range(docs, date_from, date_to, func)
    alias, start_alias = FREQS[freq]
    vectorizer = CountVectorizer(analyzer=str.split, vocabulary=terms, lowercase=False)
    hits = vectorizer.transform(docs["tokens"]).toarray()
    per_doc = pd.DataFrame({
        "group": docs["group"].to_numpy(),
        "period": docs["date"].dt.to_period(alias).dt.start_time.to_numpy(),
        "n_tokens": token_lengths(docs["tokens"]),
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
    table["rate"] = (table["count"] / table["n_tokens"].where(table["n_tokens"] > 0) * per)
    table = table.rename(columns={"group": group_col or "group"})
    table.attrs = {"freq": freq, "per": per, "group_col": group_col or "group",
                   **_missing_note(terms, hits, func)}
    return table


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
    df: pd.DataFrame,
    terms: str | Sequence[str],
    *,
    group_col: str | None = "institution",
    tokens_col: str = "tokens",
    date_col: str = "date",
    id_col: str = "doc_id",
) -> pd.DataFrame:
    """Find the first dated document of each group that uses each term.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per document, with space-joined tokens, dates and groups.
    terms : str or sequence of str
        Single tokens, matched as whole tokens (as in :func:`keyword_timeline`).
    group_col : str or None, default 'institution'
        ``None`` looks over the whole corpus (group ``'all'``).
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
    docs = _dated(df, group_col=group_col, tokens_col=tokens_col, date_col=date_col, func=func,
                  id_col=id_col)
    vectorizer = CountVectorizer(analyzer=str.split, vocabulary=terms, lowercase=False)
    hits = vectorizer.transform(docs["tokens"]).toarray() > 0
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
    table.attrs = _missing_note(terms, hits, func)
    return table.rename(columns={"group": group_col or "group"})


def _event_date(value: object, where: str) -> pd.Timestamp:
    """Read one event's date, or raise naming the file and entry."""
    try:
        if not isinstance(value, str):
            raise ValueError
        return pd.Timestamp(pd.to_datetime(value, format="ISO8601"))
    except (ValueError, TypeError) as err:
        raise AnalysisError(f"{where}: 'date' must be a date such as 2020-01-23; "
                            f"got {value!r}.") from err


def load_events(path: str | os.PathLike) -> pd.DataFrame:
    """Read dated events (to annotate timelines) from a small YAML file.

    The file holds a list of mappings with keys ``date`` (YYYY-MM-DD),
    ``label`` and optionally ``source`` (where the date comes from)::

        - date: 2020-01-23
          label: Wuhan lockdown
          source: https://...

    Parameters
    ----------
    path : str or path-like
        The YAML file.

    Returns
    -------
    pandas.DataFrame
        ``date`` (datetime64), ``label`` and ``source`` (NA when absent), sorted by
        date (file order within a date).

    Raises
    ------
    AnalysisError
        If the file is missing or not YAML, or an entry is malformed; the
        message names the file and the entry (1-based) with its label.
    """
    if not os.path.isfile(path):
        raise AnalysisError(f"The 'path' parameter of load_events must be an existing YAML "
                            f"file; got {str(path)!r}.")
    name = os.path.basename(path)
    try:
        with open(path, encoding="utf-8") as fh:
            data = yaml.load(fh, Loader=_EventLoader)  # noqa: S506 (a SafeLoader)
    except (yaml.YAMLError, UnicodeDecodeError) as err:
        raise AnalysisError(f"{name}: not a readable YAML file ({err}).") from err
    if not isinstance(data, list):
        raise AnalysisError(f"{name}: must hold a list of events (- date: ..., label: ...); "
                            f"got a {type(data).__name__}.")
    rows = [_event(entry, f"{name}, entry {i}") for i, entry in enumerate(data, start=1)]
    table = pd.DataFrame(rows, columns=["date", "label", "source"])
    table["date"] = pd.to_datetime(table["date"])
    return table.sort_values("date", kind="stable").reset_index(drop=True)


def _event(entry: object, where: str) -> dict:
    """Check one event mapping and return it as a row."""
    if not isinstance(entry, dict):
        raise AnalysisError(f"{where}: must be a mapping with 'date' and 'label'; "
                            f"got {entry!r:.60}.")
    if "label" in entry:
        where = f"{where} (label {entry['label']!r})"
    unknown = sorted(set(map(str, entry)) - {"date", "label", "source"})
    missing = [k for k in ("date", "label") if entry.get(k) in (None, "")]
    if unknown or missing:
        raise AnalysisError(f"{where}: keys must be 'date', 'label' and optionally 'source'; "
                            f"missing {missing}, unknown {unknown}.")
    source = entry.get("source")
    return {"date": _event_date(entry["date"], where), "label": str(entry["label"]),
            "source": pd.NA if source is None else str(source)}
