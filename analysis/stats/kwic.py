"""Show each occurrence of a term in its context (keyword in context).

Matching works on the clean text, character by character, so it needs no
tokenizer and finds a word whatever the segmentation made of it. Decisions:

- The term is literal (``re.escape``) and case-sensitive unless ``regex=True``
  (then ``(?i)`` gives case-insensitivity).
- Occurrences do not overlap: the text is scanned left to right and resumes
  after each match, like ``str.count`` and ``re.finditer`` (``哈哈`` occurs
  once in ``哈哈哈``). A pattern that matches the empty string is an error.
- ``offset`` is the character (code point) offset of the match in the text;
  ``window`` counts characters; ``left`` and ``right`` are cut at the text's
  ends. Line breaks and tabs in ``left``, ``match`` and ``right`` are shown as
  one space each, so their lengths still agree with the offsets.
- ``meta_cols`` left at its default (institution, date) uses those of the
  two that exist; meta columns named explicitly must all exist.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..core.errors import AnalysisError, check_column, check_number

__all__ = ["DEFAULT_META_COLS", "KWIC_COLUMNS", "kwic"]

DEFAULT_META_COLS = ("institution", "date")
KWIC_COLUMNS = ("left", "match", "right", "offset")
_FLAT = str.maketrans({"\n": " ", "\r": " ", "\t": " ", "\v": " ", "\f": " "})


def _pattern(term: str, regex: bool) -> re.Pattern[str]:
    """Compile the term, literal unless regex is true."""
    if not isinstance(term, str) or not term:
        raise AnalysisError("The 'term' parameter of kwic must be a non-empty string; "
                            f"got {term!r}.")
    try:
        return re.compile(term if regex else re.escape(term))
    except re.error as err:
        raise AnalysisError(f"The 'term' parameter of kwic must be a valid regular "
                            f"expression when regex=True; got {term!r} ({err}).") from err


def _meta(docs: pd.DataFrame, meta_cols: Sequence[str] | str, id_col: str) -> list[str]:
    """Return the meta columns to show, checking those named explicitly."""
    cols = [meta_cols] if isinstance(meta_cols, str) else list(meta_cols)
    if tuple(cols) == DEFAULT_META_COLS:
        return [c for c in cols if c in docs.columns]
    missing = [c for c in cols if c not in docs.columns]
    if missing:
        raise AnalysisError(
            f"The 'meta_cols' parameter of kwic must name columns of the corpus "
            f"{[str(c) for c in docs.columns]!r:.600}; got missing {missing!r}.")
    clash = [c for c in cols if c in KWIC_COLUMNS]
    if clash:
        raise AnalysisError(f"The 'meta_cols' parameter of kwic must not name the output "
                            f"columns {list(KWIC_COLUMNS)}; got {clash!r}.")
    return [c for c in dict.fromkeys(cols) if c != id_col]


def _occurrences(
    texts: list, pattern: re.Pattern[str], window: int, term: str
) -> list[tuple[int, int, str, str, str]]:
    """Return (row, offset, left, match, right) for every match, in text order."""
    found = []
    for row, text in enumerate(texts):
        if not isinstance(text, str):
            continue
        for m in pattern.finditer(text):
            start, end = m.span()
            if start == end:
                raise AnalysisError(f"The 'term' parameter of kwic must not match the "
                                    f"empty string; got {term!r}.")
            found.append((row, start, text[max(0, start - window):start].translate(_FLAT),
                          m.group().translate(_FLAT), text[end:end + window].translate(_FLAT)))
    return found


def kwic(
    docs: pd.DataFrame,
    term: str,
    *,
    window: int = 20,
    text_col: str = "text",
    id_col: str = "doc_id",
    meta_cols: Sequence[str] = DEFAULT_META_COLS,
    regex: bool = False,
) -> pd.DataFrame:
    """List every occurrence of a term with the characters around it.

    Parameters
    ----------
    docs : pandas.DataFrame
        One row per document, with its clean text.
    term : str
        The string to find, literally unless ``regex=True``.
    window : int, default 20
        How many characters of context to show on each side.
    text_col : str, default 'text'
        The column of text to search; NA (or other non-text) values have no occurrence.
    id_col : str, default 'doc_id'
        The document ids.
    meta_cols : sequence of str, default ('institution', 'date')
        Columns copied beside each occurrence. At the default, the ones that
        exist are used; columns named explicitly must exist.
    regex : bool, default False
        Read ``term`` as a regular expression.

    Returns
    -------
    pandas.DataFrame
        One row per occurrence: ``id_col``, the meta columns, ``left``,
        ``match`` (the matched text), ``right`` and ``offset`` (character
        offset of the match in the text), in corpus row order, then offset.
        When nothing matches, the table is empty with these columns, a
        warning is issued and ``result.attrs["note"]`` says so.

    Raises
    ------
    AnalysisError
        If the term is empty or an invalid pattern, a column is missing or
        ``window`` is not an integer >= 0.
    """
    func = "kwic"
    pattern = _pattern(term, regex)
    check_number(window, param="window", func=func, low=0, integer=True)
    check_column(docs, text_col, param="text_col", func=func)
    check_column(docs, id_col, param="id_col", func=func)
    meta = _meta(docs, meta_cols, id_col)
    found = _occurrences(docs[text_col].tolist(), pattern, window, term)
    rows, offsets, left, match, right = zip(*found) if found else ((),) * 5
    table = docs[[id_col, *meta]].iloc[list(rows)].reset_index(drop=True)
    for col, values in (("left", left), ("match", match), ("right", right)):
        table[col] = pd.Series(values, dtype="str")
    table["offset"] = np.array(offsets, dtype=np.int64)
    if not found:
        note = (f"The term {term!r} does not occur in column {text_col!r} of the "
                f"{len(docs)} documents" + (" (as a regular expression)." if regex else "."))
        warnings.warn(f"kwic: {note}", UserWarning, stacklevel=2)
        table.attrs["note"] = note
    return table
