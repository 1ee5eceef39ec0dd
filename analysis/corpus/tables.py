"""Read a table of articles (CSV, JSON Lines, Parquet) with a column mapping.

Bad rows follow pandas' ``on_bad_lines`` idea: with ``"skip"`` a CSV line with
too many fields, a JSON Lines line that is not a JSON object, and a row whose
text or title is not a string are left out and listed (``table.attrs
["bad_lines"]`` and the warnings of :func:`table_records`, which the loader puts
in its report); with ``"error"`` the first one stops the read, naming the line.
A text or title column that holds no string at all (a Parquet column of numbers
or bytes) is an error naming the column and its type, never text like
``12345.0`` or ``b'\\xe5...'``.
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import pandas as pd

from ..core.errors import AnalysisError, check_choice, format_list

__all__ = ["BAD_LINES", "TABLE_SUFFIXES", "read_table", "table_records"]

TABLE_SUFFIXES = (".csv", ".jsonl", ".parquet")
BAD_LINES = ("skip", "error")
"""What a bad row of a table does: skipped and listed, or an error."""
_SKIPPING = re.compile(r"Skipping line (\d+): (.*)")


def read_table(path: Path, *, on_bad_lines: str = "error") -> pd.DataFrame:
    """Read a CSV (UTF-8, UTF-8 with BOM or GB18030), JSON Lines or Parquet file.

    Parameters
    ----------
    path : pathlib.Path
        The table file.
    on_bad_lines : {'error', 'skip'}, default 'error'
        What a CSV line with too many fields or a JSON Lines line that is not
        a JSON object does: stop the read, or be left out and listed in
        ``attrs["bad_lines"]`` (``"line N: why"``).

    Returns
    -------
    pandas.DataFrame
        Every CSV column read as text (JSON Lines and Parquet keep their types).

    Raises
    ------
    AnalysisError
        When the file cannot be parsed, naming the file and the parser's reason.
    """
    check_choice(on_bad_lines, BAD_LINES, param="on_bad_lines", func="load_corpus")
    suffix = path.suffix.lower()
    bad: list[str] = []
    try:
        if suffix == ".parquet":
            table = pd.read_parquet(path)
        elif suffix == ".jsonl":
            table = _read_jsonl(path, on_bad_lines, bad)
        else:
            table = _read_csv(path, on_bad_lines, bad)
    except AnalysisError:
        raise
    except Exception as err:  # parser errors differ per format
        raise AnalysisError(f"{path}: cannot be read as {suffix[1:]}: "
                            f"{str(err).strip()}") from err
    table.attrs["bad_lines"] = bad
    return table


def _decode(path: Path) -> str:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise AnalysisError(f"{path}: not UTF-8 or GB18030 text")


def _read_csv(path: Path, on_bad_lines: str, bad: list[str]) -> pd.DataFrame:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", pd.errors.ParserWarning)
                table = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""],
                                    encoding=encoding,
                                    on_bad_lines="warn" if on_bad_lines == "skip" else "error")
        except UnicodeDecodeError:
            continue
        for warning in caught:
            skipped = _SKIPPING.findall(str(warning.message))
            if skipped and issubclass(warning.category, pd.errors.ParserWarning):
                bad += [f"line {n}: {why.strip()}" for n, why in skipped]
            else:
                warnings.warn_explicit(warning.message, warning.category, warning.filename,
                                       warning.lineno)
        return table
    raise AnalysisError(f"{path}: not UTF-8 or GB18030 text")


def _read_jsonl(path: Path, on_bad_lines: str, bad: list[str]) -> pd.DataFrame:
    rows = []
    for number, line in enumerate(_decode(path).split("\n"), start=1):  # not splitlines():
        # JSON strings may hold U+2028 or U+0085, which splitlines() would break on
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            why = None if isinstance(row, dict) else f"a JSON {type(row).__name__}, not an object"
        except ValueError as err:
            why = f"not JSON ({getattr(err, 'msg', err)})"
        if why is None:
            rows.append(row)
        elif on_bad_lines == "error":
            raise AnalysisError(f"{path}: line {number} is {why} (on_bad_lines='skip' leaves "
                                f"such lines out)")
        else:
            bad.append(f"line {number}: {why}")
    columns = list(dict.fromkeys(k for row in rows for k in row))
    return pd.DataFrame(rows, columns=columns, dtype=object)


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
    on_bad_lines: str = "skip",
    name: str | None = None,
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
    on_bad_lines : {'skip', 'error'}, default 'skip'
        What a row whose text or title is not a string does.
    name : str, optional
        The table's name in messages; default ``stem``.

    Returns
    -------
    tuple of (list of dict, list of str)
        One record per row (``doc_id``, ``text`` and the mapped fields, plus
        the other columns as ``extra``), and warnings about the mapping and
        the bad lines left out (``attrs["bad_lines"]`` of the table included).

    Raises
    ------
    AnalysisError
        When ``text_col``, or another column named otherwise than its default
        (``date_col='published'``), is not a column of the table, when the text or title
        column holds no string at all (naming its type), or for a bad row with
        ``on_bad_lines='error'``.
    """
    if text_col not in table.columns:
        raise AnalysisError(
            f"The 'text_col' parameter of load_corpus must be one of the columns "
            f"{list(map(str, table.columns))}; got {text_col!r}."
        )
    name = name or stem
    mapping = {"title": title_col, "date": date_col, "institution": institution_col,
               "url": url_col}
    for key, col in [*mapping.items(), ("doc_id", id_col)]:
        if col and col not in table.columns and col != key:  # named by the researcher: a typo
            raise AnalysisError(
                f"The '{key.replace('doc_', '')}_col' parameter of load_corpus must be one of "
                f"the columns {list(map(str, table.columns))} of {name}; got {col!r}.")
    notes: list[str] = []
    bad_rows = _untyped_rows(table, {"text_col": text_col, "title_col": title_col}, name)
    if bad_rows and on_bad_lines == "error":
        row, why = next(iter(bad_rows.items()))
        raise AnalysisError(f"{name}: row {row} {why} (on_bad_lines='skip' leaves such rows "
                            f"out)")
    bad_lines = [*table.attrs.get("bad_lines", ()),
                 *(f"row {row}: {why}" for row, why in bad_rows.items())]
    if bad_lines:
        notes.append(f"{len(bad_lines)} bad line(s) skipped: "
                     f"{format_list(bad_lines, limit=5, item=str, brackets=False)}")
    used = {c for c in (text_col, id_col, *mapping.values()) if c in table.columns}
    extra_cols = [c for c in table.columns if c not in used]
    records = []
    for i, row in enumerate(table.to_dict("records")):
        if i + 1 in bad_rows:
            continue
        rid = row.get(id_col) if id_col in table.columns else None
        text = row.get(text_col)
        rec = {"doc_id": str(rid) if rid is not None and not pd.isna(rid) else f"{stem}:{i + 1}",
               "text": None if _missing(text) else str(text), "row": i + 1,
               "extra": {c: row.get(c) for c in extra_cols}}
        for key, col in mapping.items():
            value = row.get(col) if col in table.columns else None
            rec[key] = None if _missing(value) else value
        records.append(rec)
    return records, notes


def _untyped_rows(table: pd.DataFrame, columns: dict[str, str | None], name: str
                  ) -> dict[int, str]:
    """Return the rows (1-based) whose text or title is not a string, with why.

    Raises
    ------
    AnalysisError
        When such a column holds no string at all.
    """
    bad: dict[int, str] = {}
    for param, col in columns.items():
        if not col or col not in table.columns:
            continue
        values = table[col].tolist()
        wrong = [(i, v) for i, v in enumerate(values, start=1)
                 if not _missing(v) and not isinstance(v, str)]
        if not wrong:
            continue
        kinds = sorted({type(v).__name__ for _, v in wrong})
        if len(wrong) == sum(1 for v in values if not _missing(v)):
            dtype = table[col].dtype
            raise AnalysisError(
                f"The {param!r} column {col!r} of {name} must hold text; it holds "
                f"{'/'.join(kinds)} values (dtype {dtype}, e.g. {wrong[0][1]!r:.40}). Convert "
                f"it to strings, or choose another column with {param}.")
        for i, value in wrong:
            bad.setdefault(i, f"{col!r} holds a {type(value).__name__} "
                              f"({value!r:.40}), not text")
    return bad
