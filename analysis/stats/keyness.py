"""Find the terms a group over- or under-uses against a reference, with tests.

For a term, ``a`` and ``b`` are its counts in the target and the reference,
``c`` and ``d`` the total token counts of the two (every term, also those below
``min_freq``). The scores:

- ``g2``: log-likelihood in the two-corpus form of Rayson & Garside (2000),
  after Dunning (1993): ``E1 = c(a+b)/(c+d)``, ``E2 = d(a+b)/(c+d)``,
  ``G2 = 2(a ln(a/E1) + b ln(b/E2))`` with ``0 ln 0 = 0``. It is the exact
  likelihood-ratio statistic for two Poisson counts (the UCREL calculator's
  value); the four-cell G2 of the 2x2 table (``scipy.stats.chi2_contingency``
  with ``lambda_="log-likelihood"``) adds the two "other words" cells and
  agrees with it only while ``a`` and ``b`` are small beside ``c`` and ``d``.
- ``chi2``: Pearson's chi-square on the full 2x2 table
  ``[[a, b], [c-a, d-b]]``, without Yates' continuity correction.
- ``log_ratio``: Hardie's (2014) effect size ``log2((a/c) / (b/d))``; a zero
  ``a`` or ``b`` is replaced by 0.5 (only in this score), so a term absent from
  one side gets a finite value.

``p_value`` is the upper tail of the chi-square distribution with 1 degree of
freedom at the statistic chosen by ``measure``; ``q_value`` corrects the
p-values of one comparison (Benjamini-Hochberg by default). Terms with
``a + b < min_freq`` are not tested, not reported and not in the family.
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Sequence
from typing import Literal

import numpy as np
import pandas as pd
from scipy.special import erfc, xlogy

from ..core.errors import AnalysisError, check_choice, check_number
from .annotate import annotate_terms
from .counts import TermCounts, counts_of
from .tfidf import unit_counts

__all__ = [
    "KEYNESS_COLUMNS",
    "benjamini_hochberg",
    "chi2_sf",
    "chi_square",
    "compare_counts",
    "keyness",
    "log_likelihood",
    "log_ratio",
]

KEYNESS_COLUMNS = (
    "reference", "term", "freq_target", "freq_reference", "total_target", "total_reference",
    "rate_target_per_10k", "rate_reference_per_10k", "g2", "chi2", "log_ratio",
    "p_value", "q_value", "direction", "significant", "rank", "n_docs", "dp", "alias",
)
_DIRECTIONS = ("over", "under", "equal")


def log_likelihood(a: np.ndarray, b: np.ndarray, c: float, d: float) -> np.ndarray:
    """Compute Rayson & Garside's two-corpus log-likelihood G2.

    Parameters
    ----------
    a, b : array-like
        The term's counts in the target and in the reference (``a + b > 0``).
    c, d : float
        The total token counts of the target and the reference.

    Returns
    -------
    numpy.ndarray
        ``2(a ln(a/E1) + b ln(b/E2))`` with ``0 ln 0 = 0``, never negative.
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    e1, e2 = c * (a + b) / (c + d), d * (a + b) / (c + d)
    return np.maximum(2 * (xlogy(a, a / e1) + xlogy(b, b / e2)), 0.0)


def chi2_sf(scores: np.ndarray) -> np.ndarray:
    """Compute the p-values of chi-square scores with one degree of freedom.

    Parameters
    ----------
    scores : array-like
        G2 or chi-square scores (non-negative).

    Returns
    -------
    numpy.ndarray
        ``P(X >= score)`` for X ~ chi2(1), as ``erfc(sqrt(score / 2))``: the same
        function as ``scipy.stats.chi2.sf(score, 1)`` (within 1e-13 relative), 50x
        faster, which counts when every institution is tested against the rest over a
        vocabulary of 10^5 terms.

    Examples
    --------
    >>> float(chi2_sf(3.841458820694124).round(6))
    0.05
    """
    return erfc(np.sqrt(np.asarray(scores, dtype=float) / 2))


def chi_square(a: np.ndarray, b: np.ndarray, c: float, d: float) -> np.ndarray:
    """Compute Pearson's chi-square of the 2x2 table, without Yates' correction.

    Parameters
    ----------
    a, b : array-like
        The term's counts in the target and in the reference.
    c, d : float
        The total token counts of the target and the reference.

    Returns
    -------
    numpy.ndarray
        ``N (a(d-b) - b(c-a))^2 / ((a+b)(N-a-b) c d)`` with ``N = c + d``;
        0 where a margin is empty.
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    n = c + d
    num = n * (a * (d - b) - b * (c - a)) ** 2
    den = (a + b) * (n - a - b) * c * d
    return np.divide(num, den, out=np.zeros_like(num), where=den > 0)


def log_ratio(a: np.ndarray, b: np.ndarray, c: float, d: float) -> np.ndarray:
    """Compute Hardie's log ratio, a zero count replaced by 0.5.

    Parameters
    ----------
    a, b : array-like
        The term's counts in the target and in the reference.
    c, d : float
        The total token counts of the target and the reference.

    Returns
    -------
    numpy.ndarray
        ``log2((a/c) / (b/d))``: +1 means twice as frequent in the target.
    """
    a = np.where(np.asarray(a) == 0, 0.5, np.asarray(a, dtype=float))
    b = np.where(np.asarray(b) == 0, 0.5, np.asarray(b, dtype=float))
    return np.log2((a / c) / (b / d))


def benjamini_hochberg(p_values: Sequence[float] | np.ndarray) -> np.ndarray:
    """Adjust p-values for the false discovery rate by Benjamini-Hochberg.

    Parameters
    ----------
    p_values : array-like of float
        One family of p-values in [0, 1].

    Returns
    -------
    numpy.ndarray
        The q-values in the input order: ``min over j >= i of p_(j) m / j``
        (step-up, so monotone in p), capped at 1.
    """
    p = np.asarray(p_values, dtype=float)
    if p.ndim != 1 or np.isnan(p).any() or (p < 0).any() or (p > 1).any():
        raise AnalysisError("The 'p_values' parameter of benjamini_hochberg must be a "
                            f"1-D array of numbers in [0, 1]; got {p_values!r:.80}.")
    m = p.size
    order = np.argsort(p, kind="stable")
    scaled = p[order] * m / np.arange(1, m + 1)
    q = np.empty(m)
    q[order] = np.minimum(np.minimum.accumulate(scaled[::-1])[::-1], 1.0)
    return q


def _correct(p: np.ndarray, correction: str) -> np.ndarray:
    if correction == "fdr_bh":
        return benjamini_hochberg(p)
    if correction == "bonferroni":
        return np.minimum(p * p.size, 1.0)
    return p.copy()


def _position(groups: pd.Index, label: Hashable, param: str) -> int:
    hits = [i for i, g in enumerate(groups) if g == label]
    if not hits:
        raise AnalysisError(
            f"The {param!r} parameter of keyness must be one of the groups with tokens "
            f"{groups.tolist()!r:.400}; got {label!r}.")
    return hits[0]


def _comparisons(
    groups: pd.Index, target: Hashable | None, reference: Hashable | None
) -> list[tuple[int, int | None]]:
    """Return (target, reference) positions; a None reference is the rest."""
    if len(groups) < 2:
        raise AnalysisError(f"keyness needs at least two groups with tokens in "
                            f"{groups.name!r}; got {groups.tolist()!r}.")
    ref = None if reference is None else _position(groups, reference, "reference")
    if target is not None:
        tgt = _position(groups, target, "target")
        if tgt == ref:
            raise AnalysisError("The 'target' and 'reference' parameters of keyness must "
                                f"name different groups; got {target!r} twice.")
        return [(tgt, ref)]
    return [(i, ref) for i in range(len(groups)) if i != ref]


def _group_starts(keys: np.ndarray) -> np.ndarray:
    """Return, for each item of a sorted array, where its run of equal keys starts."""
    new = np.r_[True, keys[1:] != keys[:-1]] if len(keys) else np.zeros(0, dtype=bool)
    return np.maximum.accumulate(np.where(new, np.arange(len(keys)), 0)).astype(np.int64)


def compare_counts(
    a: np.ndarray, b: np.ndarray, terms: np.ndarray, *, min_freq: int = 5, measure: str = "g2",
    alpha: float = 0.05, correction: str = "fdr_bh",
) -> pd.DataFrame:
    """Score, test and rank the terms of one target-reference comparison.

    The arithmetic of :func:`keyness` for one side pair, on pooled counts
    already summed (what a caller comparing many pairs of groups pools once).
    Arguments are not validated here: :func:`keyness` does that.

    Parameters
    ----------
    a, b : numpy.ndarray
        Each term's count in the target and in the reference.
    terms : numpy.ndarray
        The terms (ties in the ranking go by term).
    min_freq : int, default 5
        Test a term when ``a + b`` reaches this.
    measure : {'g2', 'chi2'}, default 'g2'
        The score the ranking uses.
    alpha : float, default 0.05
        ``significant`` is ``q_value < alpha``.
    correction : str, default 'fdr_bh'
        The multiple-test correction of the p-values (as :func:`keyness`).

    Returns
    -------
    pandas.DataFrame
        The tested terms with :func:`keyness`'s score columns (no group column,
        no dispersion), over-used terms first, then under-used, then equal.
    """
    c, d = int(a.sum()), int(b.sum())
    tested = a + b >= min_freq
    a, b, terms = a[tested], b[tested], terms[tested]
    scores = {"g2": log_likelihood(a, b, c, d), "chi2": chi_square(a, b, c, d)}
    p = chi2_sf(scores[measure])
    q = _correct(p, correction)
    code = np.select([a * d > b * c, a * d < b * c], [0, 1], 2)  # over, under, equal
    order = np.lexsort((terms, -scores[measure], code))
    return pd.DataFrame({
        "term": terms[order], "freq_target": a[order], "freq_reference": b[order],
        "total_target": np.full(len(a), c, dtype=np.int64),
        "total_reference": np.full(len(a), d, dtype=np.int64),
        "rate_target_per_10k": a[order] / c * 10_000,
        "rate_reference_per_10k": b[order] / d * 10_000,
        "g2": scores["g2"][order], "chi2": scores["chi2"][order],
        "log_ratio": log_ratio(a, b, c, d)[order], "p_value": p[order], "q_value": q[order],
        "direction": np.array(_DIRECTIONS, dtype=object)[code[order]],
        "significant": q[order] < alpha,
        "rank": np.arange(len(a), dtype=np.int64) - _group_starts(code[order]) + 1,
    })


def keyness(
    docs: pd.DataFrame,
    counts: TermCounts | None = None,
    *,
    group_col: str = "institution",
    tokens_col: str = "tokens",
    id_col: str = "doc_id",
    target: Hashable | None = None,
    reference: Hashable | None = None,
    min_freq: int = 5,
    measure: Literal["g2", "chi2"] = "g2",
    alpha: float = 0.05,
    correction: Literal["fdr_bh", "bonferroni", "none"] = "fdr_bh",
    clusters: pd.Series | None = None,
    aliases: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Compare the term frequencies of groups against a reference, term by term.

    Parameters
    ----------
    docs : pandas.DataFrame
        One row per document, with a group column.
    counts : TermCounts, optional
        The documents' term counts (a superset is fine: rows are matched by
        ``id_col``); default: count ``tokens_col``.
    group_col : str, default 'institution'
        The column whose values define the groups (documents pooled); rows
        with NA there are excluded with a warning.
    tokens_col : str, default 'tokens'
        The column of space-joined tokens (only read without ``counts``).
    id_col : str, default 'doc_id'
        The document ids.
    target : object, optional
        Compare only this group; ``None`` compares every group in turn.
    reference : object, optional
        The reference group; ``None`` pools all the other groups ("rest").
        With ``target=None`` every other group is compared with it.
    min_freq : int, default 5
        Test only terms with ``a + b >= min_freq``; the others are neither
        reported nor counted in the correction's family.
    measure : {'g2', 'chi2'}, default 'g2'
        The statistic behind ``p_value``, ``q_value``, ``significant`` and
        ``rank``; both are always reported.
    alpha : float, default 0.05
        ``significant`` is ``q_value < alpha``.
    correction : {'fdr_bh', 'bonferroni', 'none'}, default 'fdr_bh'
        Multiple-test correction over the tested terms of each comparison.
    clusters : pandas.Series, optional
        Near-duplicate cluster of each document (by ``id_col``): a repost
        counts once in ``n_docs`` and ``dp`` (the test itself uses all counts).
    aliases : pandas.DataFrame, optional
        The groups' names (:func:`analysis.stats.aliases.group_aliases`);
        default: found from the corpus.

    Returns
    -------
    pandas.DataFrame
        One row per comparison and tested term: the target group (column named
        after ``group_col``), ``reference`` (the group, or "rest"), ``term``, the
        counts ``freq_target`` (a), ``freq_reference`` (b), ``total_target`` (c),
        ``total_reference`` (d), the rates per 10,000 tokens, ``g2``, ``chi2``,
        ``log_ratio``, ``p_value``, ``q_value``, ``direction`` ("over" when
        a/c > b/d, "under" when less, "equal" when the rates are equal),
        ``significant`` and ``rank`` (1 = the largest ``measure`` within the
        group and direction; ties broken by term), and, within the target
        group, ``n_docs`` (documents holding the term, reposts once), ``dp``
        (Gries' DP; NaN when the group lacks the term) and ``alias`` (the term
        names a compared group). Rows come by group, then over-used before
        under-used, then rank.

    Raises
    ------
    AnalysisError
        If a column, group or option is invalid, or fewer than two groups have tokens.
    EmptyVocabularyError
        If no document has a token.
    """
    func = "keyness"
    check_choice(measure, ("g2", "chi2"), param="measure", func=func)
    check_choice(correction, ("fdr_bh", "bonferroni", "none"), param="correction", func=func)
    check_number(min_freq, param="min_freq", func=func, low=1, integer=True)
    check_number(alpha, param="alpha", func=func, low=0, high=1)
    if group_col in KEYNESS_COLUMNS:
        raise AnalysisError(f"The 'group_col' parameter of {func} must not be one of the "
                            f"output columns {list(KEYNESS_COLUMNS)}; got {group_col!r}.")
    given = counts
    pooled = unit_counts(docs, counts, group_col=group_col, tokens_col=tokens_col,
                         id_col=id_col, func=func)
    counts, terms, groups = pooled.matrix, pooled.vocabulary, pooled.units
    total = np.asarray(counts.sum(axis=0)).ravel()
    frames = []
    for tgt, ref in _comparisons(groups, target, reference):
        a = counts[tgt].toarray().ravel()
        b = total - a if ref is None else counts[ref].toarray().ravel()
        frame = compare_counts(a, b, terms, min_freq=min_freq, measure=measure, alpha=alpha,
                         correction=correction)
        label = "rest" if ref is None else groups[ref]
        if frame.empty:
            warnings.warn(f"{func}: no term reaches min_freq={min_freq} in {groups[tgt]!r} "
                          f"against {label!r}.", UserWarning, stacklevel=2)
        frame.insert(0, "reference", [label] * len(frame))
        frame.insert(0, group_col, groups.take(np.zeros(len(frame), dtype=np.int64) + tgt))
        frames.append(frame)
    kept = [f for f in frames if not f.empty] or frames[:1]
    table = pd.concat(kept, ignore_index=True)
    used = docs[docs[group_col].notna().to_numpy()]
    table = annotate_terms(table, used, counts_of(used, given, tokens_col=tokens_col,
                                                  id_col=id_col, func=func),
                           group_col=group_col, clusters=clusters, aliases=aliases,
                           id_col=id_col)
    table.attrs = {**table.attrs, "group_col": group_col, "min_freq": min_freq,
                   "measure": measure, "alpha": alpha, "correction": correction}
    return table
