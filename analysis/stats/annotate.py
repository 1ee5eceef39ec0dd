"""Add to a term table what a reader needs to trust a term: its spread and whether it is a name.

Keyness and TF-IDF tables get, per (group, term): ``n_docs`` (documents of the
group holding the term, reposts once), ``dp`` (Gries' deviation of
proportions within the group, :mod:`analysis.stats.dispersion`) and
``alias`` (the term names one of the compared groups,
:mod:`analysis.stats.aliases`). The tables keep every term; figures use the
columns to choose what to draw.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .aliases import flag_aliases, group_aliases
from .counts import TermCounts
from .dispersion import dispersion

__all__ = ["annotate_terms"]


def annotate_terms(
    table: pd.DataFrame,
    docs: pd.DataFrame,
    counts: TermCounts,
    *,
    group_col: str,
    clusters: pd.Series | None = None,
    aliases: pd.DataFrame | None = None,
    id_col: str = "doc_id",
) -> pd.DataFrame:
    """Add ``n_docs``, ``dp`` and ``alias`` to a table of (group, term) rows.

    Parameters
    ----------
    table : pandas.DataFrame
        Rows with ``group_col`` and ``term``.
    docs : pandas.DataFrame
        The documents.
    counts : TermCounts
        Their counts, aligned with ``docs``.
    group_col : str
        The group column (of both tables).
    clusters : pandas.Series, optional
        Near-duplicate clusters by document id: reposts count once.
    aliases : pandas.DataFrame, optional
        From :func:`analysis.stats.aliases.group_aliases`; default: found now.
    id_col : str, default 'doc_id'
        The document ids.

    Returns
    -------
    pandas.DataFrame
        ``table`` with ``n_docs`` (0 where the group lacks the term), ``dp``
        (NaN there) and ``alias``; attrs kept.
    """
    spread = dispersion(docs, counts, group_col=group_col, clusters=clusters, id_col=id_col)
    spread = spread[[group_col, "term", "n_docs", "dp"]]
    attrs = dict(table.attrs)
    out = table.drop(columns=[c for c in ("n_docs", "dp", "alias") if c in table.columns])
    key = out[group_col].astype(str) + "\x1f" + out["term"].astype(str)
    index = pd.Index(spread[group_col].astype(str) + "\x1f" + spread["term"].astype(str))
    at = index.get_indexer(key)
    found = at >= 0
    out["n_docs"] = np.where(found, spread["n_docs"].to_numpy()[np.maximum(at, 0)], 0)
    out["n_docs"] = out["n_docs"].astype(np.int64)
    out["dp"] = np.where(found, spread["dp"].to_numpy()[np.maximum(at, 0)], np.nan)
    if aliases is None:
        aliases = group_aliases(docs, counts, group_col=group_col, id_col=id_col)
    out = flag_aliases(out, aliases)
    out.attrs = {**attrs, "aliases": sorted(set(aliases["alias"].astype(str)))}
    return out
