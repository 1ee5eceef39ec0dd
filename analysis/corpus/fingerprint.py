"""Summarise a corpus in a few values that change whenever a document does.

The fingerprint goes into every figure's manifest entry and the methods
paragraph, so a figure can be traced to the exact documents behind it.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pandas as pd

from ..core.errors import check_column

__all__ = ["corpus_fingerprint"]


def corpus_fingerprint(docs: pd.DataFrame, *, text_col: str = "text", id_col: str = "doc_id",
                       date_col: str | None = "date") -> dict[str, Any]:
    """Summarise a corpus in a few values that change whenever a document does.

    Parameters
    ----------
    docs : pandas.DataFrame
        One row per document.
    text_col, id_col : str, default 'text' and 'doc_id'
        The texts and document ids.
    date_col : str or None, default 'date'
        The document dates, for the date range; ``None`` to leave it out.

    Returns
    -------
    dict
        ``sha256`` (over the id and text of every document, in id order, so
        row order does not matter), ``n_docs``, ``n_dated`` and ``date_min``,
        ``date_max`` (``YYYY-MM-DD`` or ``None``).
    """
    func = "corpus_fingerprint"
    check_column(docs, text_col, param="text_col", func=func)
    check_column(docs, id_col, param="id_col", func=func)
    ids = docs[id_col].astype("string").fillna("")
    texts = docs[text_col].astype("string").fillna("")
    digest = hashlib.sha256()
    for doc_id, text in sorted(zip(ids, texts)):
        digest.update(json.dumps([doc_id, text], ensure_ascii=False).encode("utf-8") + b"\n")
    out = {"sha256": digest.hexdigest(), "n_docs": len(docs), "n_dated": None,
           "date_min": None, "date_max": None}
    if date_col is not None:
        check_column(docs, date_col, param="date_col", func=func)
        dates = pd.to_datetime(docs[date_col], errors="coerce").dropna()
        out["n_dated"] = len(dates)
        if len(dates):
            out["date_min"], out["date_max"] = (f"{dates.min():%Y-%m-%d}",
                                                f"{dates.max():%Y-%m-%d}")
    return out
