"""Count terms per document or group and weight them by TF-IDF.

A *unit* is what gets one row of the count matrix. With ``group_col=None``
every document (row) is a unit, labelled by ``id_col``. With a ``group_col``
(institution, month, ...) the documents of a group are pooled into one unit:
its counts are the sums of its documents' counts. Document frequency ``df``
then counts the *units* (groups) that contain a term, and ``n`` is the number
of units, so that with ``smooth_idf=True``

    idf(t) = ln((1 + n) / (1 + df(t))) + 1

and ``idf(t) = ln(n / df(t)) + 1`` without smoothing, exactly as
scikit-learn's ``TfidfTransformer`` computes it on the unit-by-term matrix.
``min_df`` and ``max_df`` are also counted in units (an int is a number of
units, a float a proportion of ``n``).

Units whose tokens are empty are left out (a warning names them) and do not
count in ``n``. Units that the ``min_df``/``max_df`` filters empty still count
in ``n`` (as in scikit-learn) but get no rows; a warning names them.
The tokens are split once, into a sparse document-by-term matrix
(:func:`analysis.counts.count_tokens`, Arrow, a batch at a time) that
:func:`count_matrix` pools and filters; other modules (keyness, similarity)
reuse it.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from numbers import Integral, Real
from typing import Any, Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfTransformer

from .counts import count_tokens
from .errors import AnalysisError, EmptyVocabularyError, check_choice, check_column, check_number

__all__ = ["TFIDF_COLUMNS", "count_matrix", "tfidf", "top_terms"]

TFIDF_COLUMNS = ("term", "tf", "df", "idf", "tfidf", "rank")


def _names(values: Iterable[Any], limit: int = 10) -> str:
    values = list(values)
    text = ", ".join(repr(v) for v in values[:limit])
    more = f", ... ({len(values)} in all)" if len(values) > limit else ""
    return f"[{text}{more}]"


def _stacklevel(caller: str) -> int:
    """Point a warning of count_matrix at the user's call, direct or through caller."""
    return 2 if caller == "count_matrix" else 3


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and value != value)


def _check_df_bound(value: Any, param: str, func: str) -> float:
    """Check a min_df/max_df value as scikit-learn does and return it."""
    if isinstance(value, Integral) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, Real) and not isinstance(value, (bool, Integral)) and 0 <= value <= 1:
        return value
    raise AnalysisError(
        f"The {param!r} parameter of {func} must be an int >= 0 (a number of units) "
        f"or a float in [0.0, 1.0] (a proportion of units); got {value!r}."
    )


def _tokens(df: pd.DataFrame, tokens_col: str, func: str) -> list[str]:
    """Return the tokens column as a list of str, NA read as no tokens."""
    values = df[tokens_col].tolist()
    bad = [v for v in values if not isinstance(v, str) and not _missing(v)]
    if bad:
        raise AnalysisError(
            f"The {tokens_col!r} column given as 'tokens_col' of {func} must hold "
            f"space-joined token strings; got a {type(bad[0]).__name__}: {bad[0]!r:.60}."
        )
    return [v if isinstance(v, str) else "" for v in values]


def _unit_codes(
    df: pd.DataFrame, group_col: str | None, id_col: str, func: str
) -> tuple[np.ndarray, pd.Index]:
    """Return each row's unit code (-1 = excluded) and the unit labels."""
    if group_col is None:
        check_column(df, id_col, param="id_col", func=func)
        ids = df[id_col]
        if ids.isna().any() or ids.duplicated().any():
            dup = ids[ids.duplicated(keep=False) | ids.isna()].unique().tolist()
            raise AnalysisError(
                f"The {id_col!r} column given as 'id_col' of {func} must hold unique, "
                f"non-missing document ids; got repeated or missing {_names(dup)}."
            )
        return np.arange(len(df)), pd.Index(ids, name=id_col)
    check_column(df, group_col, param="group_col", func=func)
    keys = df[group_col]
    n_na = int(keys.isna().sum())
    if n_na:
        warnings.warn(f"{func}: {n_na} document(s) with NA in {group_col!r} were excluded.",
                      UserWarning, stacklevel=_stacklevel(func) + 1)
    try:
        codes, uniques = pd.factorize(keys, sort=True)
    except TypeError:  # labels of mixed types cannot be sorted
        codes, uniques = pd.factorize(keys, sort=False)
    return codes, pd.Index(uniques, name=group_col)


def _pool(counts: sp.csr_matrix, codes: np.ndarray, n_units: int) -> sp.csr_matrix:
    """Sum the rows of a document-by-term matrix into one row per unit code."""
    pool = sp.csr_matrix((np.ones(len(codes), dtype=np.int64), (codes, np.arange(len(codes)))),
                         shape=(n_units, len(codes)))
    return (pool @ counts).tocsr()


def _df_filter(
    counts: sp.csr_matrix, min_df: float, max_df: float, labels: pd.Index, func: str
) -> np.ndarray:
    """Return the mask of terms whose unit frequency lies within the bounds."""
    n = counts.shape[0]
    dfs = np.bincount(counts.indices, minlength=counts.shape[1])
    low = min_df if isinstance(min_df, Integral) else min_df * n
    high = max_df if isinstance(max_df, Integral) else max_df * n
    keep = (dfs >= low) & (dfs <= high)
    if not keep.any():
        raise EmptyVocabularyError(
            f"{func}: no term is left in any of the {n} units {_names(labels)} after the "
            f"filters min_df={min_df!r} (terms in at least {low:g} units) and "
            f"max_df={max_df!r} (terms in at most {high:g} units); the terms occur in "
            f"{dfs.min()} to {dfs.max()} units. Lower min_df or raise max_df."
        )
    return keep


def count_matrix(
    df: pd.DataFrame,
    *,
    tokens_col: str = "tokens",
    group_col: str | None = None,
    id_col: str = "doc_id",
    min_df: float = 1,
    max_df: float = 1.0,
    caller: str = "count_matrix",
) -> tuple[sp.csr_matrix, np.ndarray, pd.Index]:
    """Count the terms of each unit (document or pooled group) in a sparse matrix.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per document, with a column of space-joined tokens.
    tokens_col : str, default 'tokens'
        The column of space-joined tokens; NA reads as no tokens.
    group_col : str, optional
        Pool the documents of each value of this column into one unit;
        documents with NA there are excluded (a warning gives their count).
        ``None`` makes every document a unit.
    id_col : str, default 'doc_id'
        The unique document ids that label the units when ``group_col=None``.
    min_df, max_df : int or float, default 1 and 1.0
        Keep the terms found in at least ``min_df`` and at most ``max_df`` units
        (an int is a number of units, a float a proportion of them).
    caller : str, default 'count_matrix'
        The public function named in messages (for modules built on this one).

    Returns
    -------
    counts : scipy.sparse.csr_matrix of int64, shape (n_units, n_terms)
        Raw counts. Units with no tokens are left out (a warning names them);
        the rows of units emptied by ``min_df``/``max_df`` are all zero.
    vocabulary : numpy.ndarray of str, shape (n_terms,)
        The terms in code-point order.
    units : pandas.Index
        The unit labels (sorted group values, or the ids in row order), named
        after ``group_col`` or ``id_col``.

    Raises
    ------
    AnalysisError
        If a column is missing, ids repeat, or a bound is out of range.
    EmptyVocabularyError
        If there is no token at all, or the filters leave no term.
    """
    min_df = _check_df_bound(min_df, "min_df", caller)
    max_df = _check_df_bound(max_df, "max_df", caller)
    check_column(df, tokens_col, param="tokens_col", func=caller)
    codes, labels = _unit_codes(df, group_col, id_col, caller)
    rows = np.flatnonzero(codes >= 0)
    texts = _tokens(df.iloc[rows], tokens_col, caller)
    if not any(t and not t.isspace() for t in texts):
        raise EmptyVocabularyError(
            f"{caller}: the {tokens_col!r} column holds no token in any of the "
            f"{len(texts)} documents used; tokenize the corpus first or relax the "
            f"tokenizer's filters (stop words, minimum length)."
        )
    counts, vocabulary = count_tokens(texts)
    if group_col is not None:
        counts = _pool(counts, codes[rows], len(labels))
    empty = np.asarray(counts.sum(axis=1)).ravel() == 0
    if empty.any():
        warnings.warn(f"{caller}: {int(empty.sum())} unit(s) with no tokens in {tokens_col!r} "
                      f"were left out: {_names(labels[empty])}.", UserWarning,
                      stacklevel=_stacklevel(caller))
        counts, labels = counts[~empty], labels[~empty]
    keep = _df_filter(counts, min_df, max_df, labels, caller)
    counts, vocabulary = counts[:, keep].tocsr(), vocabulary[keep]
    emptied = counts.getnnz(axis=1) == 0
    if emptied.any():
        warnings.warn(f"{caller}: min_df={min_df!r} and max_df={max_df!r} left no term in "
                      f"{int(emptied.sum())} unit(s), which get no rows: "
                      f"{_names(labels[emptied])}.", UserWarning,
                      stacklevel=_stacklevel(caller))
    return counts, vocabulary, labels


def tfidf(
    df: pd.DataFrame,
    *,
    group_col: str | None = None,
    tokens_col: str = "tokens",
    id_col: str = "doc_id",
    sublinear_tf: bool = False,
    norm: Literal["l1", "l2"] | None = "l2",
    min_df: float = 1,
    max_df: float = 1.0,
    smooth_idf: bool = True,
) -> pd.DataFrame:
    """Weight the terms of each document or group by TF-IDF, in a long table.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per document, with a column of space-joined tokens.
    group_col : str, optional
        Pool the documents of each group into one unit (see the module notes:
        ``df`` and ``idf`` then count groups). ``None``: one unit per document.
    tokens_col : str, default 'tokens'
        The column of space-joined tokens.
    id_col : str, default 'doc_id'
        The document ids, used when ``group_col=None``.
    sublinear_tf : bool, default False
        Use ``1 + ln(tf)`` instead of ``tf``.
    norm : {'l2', 'l1', None}, default 'l2'
        Normalise each unit's vector of weights.
    min_df, max_df : int or float, default 1 and 1.0
        Unit-frequency bounds of the vocabulary (int: units; float: proportion).
    smooth_idf : bool, default True
        Add one to ``n`` and ``df`` as if one unit held every term once.

    Returns
    -------
    pandas.DataFrame
        One row per (unit, term) with a non-zero count: the unit (column named
        after ``group_col`` or ``id_col``), ``term``, ``tf`` (raw count in the
        unit), ``df`` (units containing the term), ``idf``, ``tfidf`` and
        ``rank`` (1 = highest tfidf within the unit, ties broken by term).
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
    counts, vocabulary, units = count_matrix(
        df, tokens_col=tokens_col, group_col=group_col, id_col=id_col,
        min_df=min_df, max_df=max_df, caller=func)
    if units.name in TFIDF_COLUMNS:
        raise AnalysisError(f"The 'group_col' parameter of {func} must not be one of the "
                            f"output columns {list(TFIDF_COLUMNS)}; got {units.name!r}.")
    transformer = TfidfTransformer(norm=norm, smooth_idf=smooth_idf, sublinear_tf=sublinear_tf)
    weights = transformer.fit_transform(counts).tocsr()
    rows, cols = counts.nonzero()
    scores = np.asarray(weights[rows, cols]).ravel()
    unit_df = np.bincount(counts.indices, minlength=counts.shape[1])
    order = np.lexsort((vocabulary[cols], -scores, rows))
    rows, cols, scores = rows[order], cols[order], scores[order]
    starts = np.searchsorted(rows, rows, side="left")
    return pd.DataFrame({
        units.name: units.take(rows),
        "term": vocabulary[cols],
        "tf": np.asarray(counts[rows, cols]).ravel().astype(np.int64),
        "df": unit_df[cols].astype(np.int64),
        "idf": transformer.idf_[cols],
        "tfidf": scores,
        "rank": (np.arange(len(rows)) - starts + 1).astype(np.int64),
    })


def top_terms(
    table: pd.DataFrame, *, n: int = 10, group_col: str | None = None, by: str = "tfidf"
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
        The group column; ``None`` uses the table's first column (the unit
        column of :func:`tfidf`).
    by : str, default 'tfidf'
        The score column; higher is better, ties broken by term.

    Returns
    -------
    pandas.DataFrame
        The kept rows, in group order (first appearance), then score.
    """
    func = "top_terms"
    check_number(n, param="n", func=func, low=1, integer=True)
    group_col = table.columns[0] if group_col is None else group_col
    check_column(table, group_col, param="group_col", func=func)
    check_column(table, by, param="by", func=func)
    keys = [by, "term"] if "term" in table.columns else [by]
    ordered = table.sort_values(keys, ascending=[False, True][: len(keys)], kind="stable")
    kept = ordered.groupby(group_col, sort=False, dropna=False).head(n)
    position = pd.Index(table[group_col].unique()).get_indexer(kept[group_col])
    return kept.iloc[np.argsort(position, kind="stable")].reset_index(drop=True)
