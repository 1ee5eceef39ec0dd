"""Read a researcher's metadata sheet and let it override inferred values.

The sheet never overrides silently:

- Rows naming the same document (by ``doc_id`` or ``path``) are merged when
  they agree on every value both give, with a warning; when they give two
  different values for one column, that is an error naming the document, the
  column and both values (which one is right, only the researcher knows).
- A date that does not parse (``2020-13-45``, ``yesterday``) keeps the value the
  loader inferred, with a note for that document in the load report.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..core.errors import CorpusError, format_list
from .dates import parse_date
from .tables import read_table

__all__ = ["read_sidecar", "apply_sidecar", "KEYS"]

KEYS = ("doc_id", "path")
_DATES = ("date", "signed_date")
_SOURCED = {"institution": "institution_source", "date": "date_source"}


def read_sidecar(path: Path) -> pd.DataFrame:
    """Read a metadata sidecar CSV that names documents by ``doc_id`` or ``path``.

    Parameters
    ----------
    path : pathlib.Path
        The CSV file (UTF-8, UTF-8 with BOM or GB18030).

    Returns
    -------
    pandas.DataFrame
        The sheet, every column as text.

    Raises
    ------
    CorpusError
        When the file is missing or has neither a ``doc_id`` nor a ``path`` column.
    """
    if not path.is_file():
        raise CorpusError(f"The 'metadata' parameter of load_corpus names {str(path)!r}, "
                          f"which is not a file.")
    try:
        sheet = read_table(path)
    except Exception as err:
        raise CorpusError(str(err)) from err
    if not any(k in sheet.columns for k in KEYS):
        raise CorpusError(f"The metadata sidecar {str(path)!r} must have a 'doc_id' or a 'path' "
                          f"column to match documents; got columns {list(sheet.columns)}.")
    return sheet


def apply_sidecar(docs: pd.DataFrame, sheet: pd.DataFrame
                  ) -> tuple[pd.DataFrame, list[str], dict[str, list[str]]]:
    """Override document values with the sidecar's, recording the source.

    Parameters
    ----------
    docs : pandas.DataFrame
        Loaded documents with ``doc_id`` and ``path`` columns.
    sheet : pandas.DataFrame
        The sidecar; empty cells leave the inferred value in place. Columns
        the documents do not have (a note, a document type, a region) are added.

    Returns
    -------
    tuple of (pandas.DataFrame, list of str, dict)
        The updated documents, the keys of sidecar rows that match none, and
        notes per document ``path``: values that did not parse and were not
        used, rows merged.

    Raises
    ------
    CorpusError
        When two rows of the sheet give one document different values.
    """
    docs = docs.copy()
    index_of = {v: i for i, v in enumerate(docs["doc_id"])}
    index_of.update({v: i for i, v in enumerate(docs["path"])})
    unmatched: list[str] = []
    notes: dict[str, list[str]] = {}
    values = [c for c in sheet.columns if c not in KEYS]
    for col in values:
        if col not in docs.columns:
            docs[col] = pd.Series([None] * len(docs), dtype="object" if col in _DATES else "str")
    rows_of: dict[int, list[dict]] = {}
    for number, row in enumerate(sheet.to_dict("records"), start=2):  # line 1 is the header
        keys = [str(row[k]) for k in KEYS if k in row and not _empty(row[k])]
        hit = next((index_of[k] for k in keys if k in index_of), None)
        if hit is None:
            unmatched.append(keys[0] if keys else "(row without doc_id/path)")
        else:
            rows_of.setdefault(hit, []).append({**row, "_line": number})
    _check_repeats(docs, rows_of, values, notes)
    columns = {c: docs[c].tolist() for c in [*values, *_SOURCED.values()]}
    for hit, rows in rows_of.items():
        for row in rows:
            for col in values:
                value = row[col]
                if _empty(value):
                    continue
                if col in _DATES:
                    when = parse_date(value)
                    if when is None:
                        notes.setdefault(docs["path"].iat[hit], []).append(
                            f"sidecar {col} {value!r} (line {row['_line']}) is not a date: "
                            f"kept the inferred {col}")
                        continue
                    value = when
                columns[col][hit] = value
                if col in _SOURCED:
                    columns[_SOURCED[col]][hit] = "metadata"
    for col, vals in columns.items():
        if col in _DATES:
            docs[col] = pd.to_datetime(pd.Series(vals, index=docs.index)).astype("datetime64[ns]")
        else:
            docs[col] = pd.Series(vals, index=docs.index, dtype=docs[col].dtype)
    return docs, unmatched, notes


def _empty(value: object) -> bool:
    return value is None or value == "" or (not isinstance(value, str) and bool(pd.isna(value)))


def _check_repeats(docs: pd.DataFrame, rows_of: dict[int, list[dict]], values: list[str],
                   notes: dict[str, list[str]]) -> None:
    """Stop on rows that give one document two values; note the rows merged."""
    conflicts = []
    for hit, rows in rows_of.items():
        if len(rows) < 2:
            continue
        doc = docs["doc_id"].iat[hit]
        for col in values:
            given = {str(r[col]): r["_line"] for r in rows if not _empty(r[col])}
            if len(given) > 1:
                conflicts.append(f"{doc!r} {col}: " + " vs ".join(
                    f"{v!r} (line {n})" for v, n in given.items()))
        notes.setdefault(docs["path"].iat[hit], []).append(
            f"{len(rows)} sidecar rows (lines {[r['_line'] for r in rows]}) name this "
            f"document: merged")
    if conflicts:
        raise CorpusError(f"The metadata sidecar gives {len(conflicts)} document value(s) twice, "
                          f"differently: {format_list(conflicts, limit=5, item=str)}; keep one "
                          f"row per document.")
