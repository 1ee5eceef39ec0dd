"""Weight the terms of each group (or document) by TF-IDF, from the document counts.

A *unit* is what gets one row of the weighted matrix: the documents of a
group (institution, month, ...) are pooled into one unit, whose counts are
the sums of its documents' counts (:meth:`~analysis.stats.counts.TermCounts.pool`).
Grouping by the id column (``group_col="doc_id"``) makes every document a
unit. Document frequency ``df`` then counts the *units* that contain a term,
and ``n`` is the number of units, so that with ``smooth_idf=True``

    idf(t) = ln((1 + n) / (1 + df(t))) + 1

and ``idf(t) = ln(n / df(t)) + 1`` without smoothing, exactly as
scikit-learn's ``TfidfTransformer`` computes it on the unit-by-term matrix.
``min_df`` and ``max_df`` are also counted in units (an int is a number of
units, a float a proportion of ``n``).

Units whose tokens are empty are left out (a warning names them) and do not
count in ``n``. Units that the ``min_df``/``max_df`` filters empty still count
in ``n`` (as in scikit-learn) but get no rows; a warning names them.
The counts come from :class:`~analysis.stats.counts.TermCounts` (given, or
counted once from the ``tokens`` column); nothing here splits tokens.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from numbers import Integral, Real
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..core.errors import (
    AnalysisError,
    EmptyVocabularyError,
    check_choice,
    check_column,
    check_number,
    format_list,
)
from .annotate import annotate_terms
from .counts import TermCounts, counts_of, table_group_col, tfidf_weights

__all__ = ["TFIDF_COLUMNS", "tfidf", "top_terms", "unit_counts"]

TFIDF_COLUMNS = ("term", "tf", "df", "idf", "tfidf", "rank", "log_ratio", "n_docs", "dp",
                 "alias")


def check_df_bound(value: Any, param: str, func: str) -> float:
    """Check a min_df/max_df value as scikit-learn does and return it."""
    if isinstance(value, Integral) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, Real) and not isinstance(value, (bool, Integral)) and 0 <= value <= 1:
        return value
    raise AnalysisError(
        f"The {param!r} parameter of {func} must be an int >= 0 (a number of units) "
        f"or a float in [0.0, 1.0] (a proportion of units); got {value!r}."
    )


def _df_filter(counts: TermCounts, min_df: float, max_df: float, func: str) -> np.ndarray:
    """Return the mask of terms whose unit frequency lies within the bounds."""
    n = counts.matrix.shape[0]
    dfs = counts.document_frequency()
    low = min_df if isinstance(min_df, Integral) else min_df * n
    high = max_df if isinstance(max_df, Integral) else max_df * n
    keep = (dfs >= low) & (dfs <= high)
    if not keep.any():
        raise EmptyVocabularyError(
            f"{func}: no term is left in any of the {n} units {format_list(counts.units)} "
            f"after the filters min_df={min_df!r} (terms in at least {low:g} units) and "
            f"max_df={max_df!r} (terms in at most {high:g} units); the terms occur in "
            f"{dfs.min()} to {dfs.max()} units. Lower min_df or raise max_df."
        )
    return keep


def unit_counts(
    docs: pd.DataFrame,
    counts: TermCounts | None = None,
    *,
    group_col: str = "institution",
    tokens_col: str = "tokens",
    id_col: str = "doc_id",
    min_df: float = 1,
    max_df: float = 1.0,
    func: str = "unit_counts",
) -> TermCounts:
    """Pool the document counts into one row per group, filtered by unit frequency.

    Parameters
    ----------
    docs : pandas.DataFrame
        One row per document.
    counts : TermCounts, optional
        The documents' counts (any superset, matched by ``id_col``); default:
        count ``tokens_col``.
    group_col : str, default 'institution'
        The column whose values define the units; documents with NA there are
        left out (a warning gives their count). ``group_col=id_col`` makes
        every document a unit (ids must then be unique).
    tokens_col, id_col : str
        Column names.
    min_df, max_df : int or float, default 1 and 1.0
        Keep the terms found in at least ``min_df`` and at most ``max_df`` units
        (an int is a number of units, a float a proportion of them).
    func : str
        The public function named in messages.

    Returns
    -------
    TermCounts
        One row per unit with tokens (sorted labels, named ``group_col``); the
        rows of units emptied by ``min_df``/``max_df`` are all zero.

    Raises
    ------
    AnalysisError
        If a column is missing, ids repeat, or a bound is out of range.
    EmptyVocabularyError
        If there is no token at all, or the filters leave no term.
    """
    min_df = check_df_bound(min_df, "min_df", func)
    max_df = check_df_bound(max_df, "max_df", func)
    check_column(docs, group_col, param="group_col", func=func)
    if group_col == id_col:
        ids = docs[id_col]
        if ids.isna().any() or ids.duplicated().any():
            dup = ids[ids.duplicated(keep=False) | ids.isna()].unique().tolist()
            raise AnalysisError(
                f"The {id_col!r} column given as 'id_col' of {func} must hold unique, "
                f"non-missing document ids; got repeated or missing {format_list(dup)}.")
    counts = counts_of(docs, counts, tokens_col=tokens_col, id_col=id_col, func=func)
    if group_col == id_col:
        units = TermCounts(counts.matrix, counts.vocabulary,
                           pd.Index(docs[id_col].to_numpy(), name=id_col))
    else:
        n_na = int(docs[group_col].isna().sum())
        if n_na:
            warnings.warn(f"{func}: {n_na} document(s) with NA in {group_col!r} were excluded.",
                          UserWarning, stacklevel=3)
        units = counts.pool(docs[group_col].to_numpy(), name=group_col)
    empty = units.totals() == 0
    if empty.any():
        warnings.warn(f"{func}: {int(empty.sum())} unit(s) with no tokens in {tokens_col!r} "
                      f"were left out: {format_list(units.units[empty])}.", UserWarning,
                      stacklevel=3)
        units = units.take(np.flatnonzero(~empty))
    keep = _df_filter(units, min_df, max_df, func)
    units = TermCounts(units.matrix[:, keep].tocsr(), units.vocabulary[keep], units.units)
    emptied = units.matrix.getnnz(axis=1) == 0
    if emptied.any():
        warnings.warn(f"{func}: min_df={min_df!r} and max_df={max_df!r} left no term in "
                      f"{int(emptied.sum())} unit(s), which get no rows: "
                      f"{format_list(units.units[emptied])}.", UserWarning, stacklevel=3)
    return units


def tfidf(
    docs: pd.DataFrame,
    counts: TermCounts | None = None,
    *,
    group_col: str = "institution",
    tokens_col: str = "tokens",
    id_col: str = "doc_id",
    sublinear_tf: bool = False,
    norm: Literal["l1", "l2"] | None = "l2",
    min_df: float = 1,
    max_df: float = 1.0,
    smooth_idf: bool = True,
    min_log_ratio: float | None = None,
    clusters: pd.Series | None = None,
    aliases: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Weight the terms of each document or group by TF-IDF, in a long table.

    Parameters
    ----------
    docs : pandas.DataFrame
        One row per document.
    counts : TermCounts, optional
        The documents' term counts (a superset is fine: rows are matched by
        ``id_col``); default: count ``tokens_col``.
    group_col : str, default 'institution'
        Pool the documents of each group into one unit (see the module notes:
        ``df`` and ``idf`` then count groups); ``group_col=id_col`` weighs
        each document on its own.
    tokens_col : str, default 'tokens'
        The column of space-joined tokens (only read without ``counts``).
    id_col : str, default 'doc_id'
        The document ids.
    sublinear_tf : bool, default False
        Use ``1 + ln(tf)`` instead of ``tf``.
    norm : {'l2', 'l1', None}, default 'l2'
        Normalise each unit's vector of weights.
    min_df, max_df : int or float, default 1 and 1.0
        Unit-frequency bounds of the vocabulary (int: units; float: proportion).
    smooth_idf : bool, default True
        Add one to ``n`` and ``df`` as if one unit held every term once.
    min_log_ratio : float, optional
        Keep only the terms a unit uses at least ``2 ** min_log_ratio`` times as
        often (per token) as the other units together (``log_ratio`` below);
        ``1.0`` gives the *characteristic terms* of notebook 02 (see the module
        notes). None keeps every term (plain TF-IDF).
    clusters : pandas.Series, optional
        Near-duplicate cluster of each document (by ``id_col``), so that a
        repost counts once in ``n_docs`` and ``dp``.
    aliases : pandas.DataFrame, optional
        The groups' names (:func:`analysis.stats.aliases.group_aliases`);
        default: found from the corpus.

    Returns
    -------
    pandas.DataFrame
        One row per (unit, term) with a non-zero count: the unit (column named
        ``group_col``), ``term``, ``tf`` (raw count in the
        unit), ``df`` (units containing the term), ``idf``, ``tfidf`` and
        ``rank`` (1 = highest tfidf within the unit, ties broken by term),
        ``log_ratio`` (Hardie's, of the unit against the other units, a zero
        count read as 0.5), and ``n_docs``, ``dp`` (Gries' DP within the unit)
        and ``alias`` (:func:`analysis.stats.annotate.annotate_terms`).
        Rows are in unit order, then rank.

    Notes
    -----
    With ``group_col`` the units are the pooled groups: ``tf`` is the count in
    all documents of the group, ``df`` the number of groups whose documents
    contain the term, and ``n`` the number of groups with tokens, so that
    ``idf = ln((1 + n) / (1 + df)) + 1`` (``ln(n / df) + 1`` with
    ``smooth_idf=False``). A term found in every group has the lowest idf
    (1 when not smoothed), however unevenly it is spread among documents.
    Units with no tokens are left out and not counted in ``n``.

    Raises
    ------
    AnalysisError
        If a column is missing or an option is out of range.
    EmptyVocabularyError
        If no term is left, naming the units and the filters.
    """
    func = "tfidf"
    check_choice(norm, ("l2", "l1", None), param="norm", func=func)
    if group_col in TFIDF_COLUMNS:
        raise AnalysisError(f"The 'group_col' parameter of {func} must not be one of the "
                            f"output columns {list(TFIDF_COLUMNS)}; got {group_col!r}.")
    given = counts
    pooled = unit_counts(docs, counts, group_col=group_col, tokens_col=tokens_col,
                         id_col=id_col, min_df=min_df, max_df=max_df, func=func)
    counts, vocabulary, units = pooled.matrix.tocsr(), pooled.vocabulary, pooled.units
    counts.sum_duplicates()
    counts.eliminate_zeros()
    weights, idf = tfidf_weights(counts, norm=norm, smooth_idf=smooth_idf,
                                 sublinear_tf=sublinear_tf)
    # the weights keep the counts' sparsity: read both in CSR order, no fancy indexing
    rows = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))
    cols = counts.indices.astype(np.int64)
    scores = weights.data.astype(float)
    tf = counts.data.astype(np.int64)
    unit_total = np.asarray(counts.sum(axis=1)).ravel().astype(float)
    term_total = np.asarray(counts.sum(axis=0)).ravel().astype(float)
    rest = term_total[cols] - tf
    rest_total = unit_total.sum() - unit_total[rows]
    ratio = np.log2((tf / unit_total[rows]) / (np.where(rest > 0, rest, 0.5)
                                               / np.maximum(rest_total, 1)))
    if min_log_ratio is not None:
        check_number(min_log_ratio, param="min_log_ratio", func=func)
        kept = ratio >= min_log_ratio
        rows, cols, scores, tf, ratio = (rows[kept], cols[kept], scores[kept], tf[kept],
                                         ratio[kept])
    unit_df = np.bincount(counts.indices, minlength=counts.shape[1])
    order = np.lexsort((vocabulary[cols], -scores, rows))
    rows, cols, scores, tf, ratio = rows[order], cols[order], scores[order], tf[order], \
        ratio[order]
    starts = np.searchsorted(rows, rows, side="left")
    table = pd.DataFrame({
        units.name: units.take(rows),
        "term": vocabulary[cols],
        "tf": tf,
        "df": unit_df[cols].astype(np.int64),
        "idf": idf[cols],
        "tfidf": scores,
        "rank": (np.arange(len(rows)) - starts + 1).astype(np.int64),
        "log_ratio": ratio,
    })
    if group_col != id_col:
        used = docs[docs[group_col].notna().to_numpy()]
        table = annotate_terms(table, used, counts_of(used, given, tokens_col=tokens_col,
                                                      id_col=id_col, func=func),
                               group_col=group_col, clusters=clusters, aliases=aliases,
                               id_col=id_col)
    table.attrs = {**table.attrs, "group_col": group_col, "min_log_ratio": min_log_ratio}
    return table


def top_terms(
    table: pd.DataFrame, *, n: int = 10, group_col: str | None = None, by: str = "tfidf",
    keep_aliases: bool = False, min_docs: int = 1,
    group_docs: Mapping[Any, int] | None = None
) -> pd.DataFrame:
    """Keep the ``n`` highest-scoring terms of each group of a long table.

    Parameters
    ----------
    table : pandas.DataFrame
        A long table with a group column, ``term`` and a score column, such as
        the output of :func:`tfidf`.
    n : int, default 10
        How many terms to keep per group (fewer when a group has fewer).
    group_col : str, optional
        The group column; default: the one the statistic recorded
        (``table.attrs["group_col"]``).
    by : str, default 'tfidf'
        The score column; higher is better, ties broken by term.
    keep_aliases : bool, default False
        Keep terms flagged as a group's name (column ``alias``, when present).
    min_docs : int, default 1
        Keep terms found in at least this many documents of the group
        (column ``n_docs``, reposts once; above 1 the table must have it).
    group_docs : mapping, optional
        Group -> its number of documents (reposts once). A group with fewer
        documents than ``min_docs`` keeps the terms found in all of them, so a
        small group is drawn rather than left empty.

    Returns
    -------
    pandas.DataFrame
        The kept rows, in group order (first appearance), then score.
    """
    func = "top_terms"
    check_number(n, param="n", func=func, low=1, integer=True)
    group_col = table_group_col(table, group_col, func=func)
    check_number(min_docs, param="min_docs", func=func, low=1, integer=True)
    if min_docs > 1 and "n_docs" not in table.columns:
        raise AnalysisError(f"The 'min_docs' parameter of {func} needs the table's 'n_docs' "
                            f"column (documents of the group holding the term), which this "
                            f"table lacks; give min_docs=1 or a table with it; got "
                            f"min_docs={min_docs!r}.")
    if not keep_aliases and "alias" in table.columns:
        table = table[~table["alias"].to_numpy(dtype=bool)]
    if min_docs > 1 and "n_docs" in table.columns:
        need = np.full(len(table), min_docs)
        if group_docs is not None:
            sizes = table[group_col].map(dict(group_docs)).to_numpy(dtype=float, na_value=np.inf)
            need = np.minimum(need, sizes)
        table = table[table["n_docs"].to_numpy() >= need]
    check_column(table, by, param="by", func=func)
    keys = [by, "term"] if "term" in table.columns else [by]
    ordered = table.sort_values(keys, ascending=[False, True][: len(keys)], kind="stable")
    kept = ordered.groupby(group_col, sort=False, dropna=False).head(n)
    position = pd.Index(table[group_col].unique()).get_indexer(kept[group_col])
    out = kept.iloc[np.argsort(position, kind="stable")].reset_index(drop=True)
    out.attrs = {**table.attrs, "group_col": group_col}
    return out
