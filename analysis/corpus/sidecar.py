"""Read a researcher's metadata sheet and let it override inferred values."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..core.errors import CorpusError
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


def apply_sidecar(docs: pd.DataFrame, sheet: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
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
    tuple of (pandas.DataFrame, list of str)
        The updated documents and the keys of sidecar rows that match none.
    """
    docs = docs.copy()
    index_of = {v: i for i, v in enumerate(docs["doc_id"])}
    index_of.update({v: i for i, v in enumerate(docs["path"])})
    unmatched: list[str] = []
    values = [c for c in sheet.columns if c not in KEYS]
    for col in values:
        if col not in docs.columns:
            docs[col] = pd.Series([None] * len(docs), dtype="object" if col in _DATES else "str")
    columns = {c: docs[c].tolist() for c in [*values, *_SOURCED.values()]}
    for row in sheet.to_dict("records"):
        keys = [str(row[k]) for k in KEYS if k in row and not pd.isna(row[k])]
        hit = next((index_of[k] for k in keys if k in index_of), None)
        if hit is None:
            unmatched.append(keys[0] if keys else "(row without doc_id/path)")
            continue
        for col in values:
            value = row[col]
            if value is None or (not isinstance(value, str) and pd.isna(value)) or value == "":
                continue
            columns[col][hit] = parse_date(value) if col in _DATES else value
            if col in _SOURCED:
                columns[_SOURCED[col]][hit] = "metadata"
    for col, vals in columns.items():
        if col in _DATES:
            docs[col] = pd.to_datetime(pd.Series(vals, index=docs.index)).astype("datetime64[ns]")
        else:
            docs[col] = pd.Series(vals, index=docs.index, dtype=docs[col].dtype)
    return docs, unmatched
