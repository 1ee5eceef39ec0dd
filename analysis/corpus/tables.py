"""Read a table of articles (CSV, JSON Lines, Parquet) with a column mapping."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..core.errors import AnalysisError

__all__ = ["TABLE_SUFFIXES", "read_table", "table_records"]

TABLE_SUFFIXES = (".csv", ".jsonl", ".parquet")


def read_table(path: Path) -> pd.DataFrame:
    """Read a CSV (UTF-8, UTF-8 with BOM or GB18030), JSON Lines or Parquet file.

    Parameters
    ----------
    path : pathlib.Path
        The table file.

    Returns
    -------
    pandas.DataFrame
        Every column read as text (Parquet keeps its types).

    Raises
    ------
    AnalysisError
        When the file cannot be parsed, naming the file and the parser's reason.
    """
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            return pd.read_parquet(path)
        if suffix == ".jsonl":
            return pd.read_json(path, lines=True, dtype=False)
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                return pd.read_csv(path, dtype=str, keep_default_na=False,
                                   na_values=[""], encoding=encoding)
            except UnicodeDecodeError:
                continue
        raise AnalysisError(f"{path}: not UTF-8 or GB18030 text")
    except AnalysisError:
        raise
    except Exception as err:  # parser errors differ per format
        raise AnalysisError(f"{path}: cannot be read as {suffix[1:]}: {err}") from err


def _missing(value: object) -> bool:
    return value is None or (not isinstance(value, (str, list, dict)) and bool(pd.isna(value)))


def table_records(
    table: pd.DataFrame,
    *,
    stem: str,
    text_col: str = "text",
    title_col: str | None = "title",
    date_col: str | None = "date",
    institution_col: str | None = "institution",
    id_col: str | None = "doc_id",
    url_col: str | None = "url",
) -> tuple[list[dict], list[str]]:
    """Turn the rows of an article table into raw document records.

    Parameters
    ----------
    table : pandas.DataFrame
        The table as read.
    stem : str
        The table file's stem; row ids are ``stem:row`` without ``id_col``.
    text_col, title_col, date_col, institution_col, id_col, url_col : str
        Column names; optional columns that are absent are ignored.

    Returns
    -------
    tuple of (list of dict, list of str)
        One record per row (``doc_id``, ``text`` and the mapped fields, plus
        the other columns as ``extra``), and warnings about the mapping.

    Raises
    ------
    AnalysisError
        When ``text_col`` is not a column of the table.
    """
    if text_col not in table.columns:
        raise AnalysisError(
            f"The 'text_col' parameter of load_corpus must be one of the columns "
            f"{list(map(str, table.columns))}; got {text_col!r}."
        )
    mapping = {"title": title_col, "date": date_col, "institution": institution_col,
               "url": url_col}
    warnings = [f"column {col!r} for {key} not found; {key} left empty"
                for key, col in mapping.items()
                if col and col not in table.columns and col != key]
    used = {c for c in (text_col, id_col, *mapping.values()) if c in table.columns}
    extra_cols = [c for c in table.columns if c not in used]
    records = []
    for i, row in enumerate(table.to_dict("records")):
        rid = row.get(id_col) if id_col in table.columns else None
        text = row.get(text_col)
        rec = {"doc_id": str(rid) if rid is not None and not pd.isna(rid) else f"{stem}:{i + 1}",
               "text": None if _missing(text) else str(text), "row": i + 1,
               "extra": {c: row.get(c) for c in extra_cols}}
        for key, col in mapping.items():
            value = row.get(col) if col in table.columns else None
            rec[key] = None if _missing(value) else value
        records.append(rec)
    return records, warnings
