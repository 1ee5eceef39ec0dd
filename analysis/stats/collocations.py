"""Find the words that keep company: pairs of terms within a window, with association scores.

A collocation here is a pair of terms that occur close to each other, inside a
sentence, more often than their frequencies predict. Every group is scored on
its own and all documents together (group ``"(all)"``).

Decisions:

- **Tokens and sentences.** Pairs are formed from the Study's filtered tokens
  (stop words, punctuation, numbers and single characters already removed), so
  "adjacent" means adjacent among the kept tokens; a pair never crosses a
  sentence break (the line breaks of the ``tokens`` column, at 。！？； and line
  breaks). Nothing is segmented again (:func:`encode_sentences` reads the
  column with Arrow).
- **Adjacent pairs** (``window == 1`` rows) are ordered bigrams: ``a``
  immediately before ``b``. **Window pairs** (``window == n`` rows, ``n > 1``)
  are unordered: two tokens at most ``n`` positions apart in one sentence, each
  pair of positions once, reported with ``term_a < term_b`` in code-point
  order. ``window`` is at most 10: beyond that a window covers most of a
  sentence and the co-word network (:mod:`analysis.stats.cowords`) is the
  tool.
- **Contingency table** (Evert 2008): ``observed`` O11 counts the pair's
  instances, ``R1`` the instances with ``a`` in the first slot, ``C1`` those
  with ``b`` in the second, ``N`` (``n_pairs``) all instances of the group
  and window; ``expected`` E11 = R1 C1 / N. For window pairs the table is
  made symmetric (each instance counted as (a, b) and as (b, a): R1 = the
  instances involving ``a``, N = twice the instances), so the order of the
  two terms changes nothing. A term paired with itself counts in the margins
  and is not tested.
- **Scores.** ``g2``: the log-likelihood ratio of the full 2x2 table
  (Dunning 1993), ``2 sum O ln(O/E)`` over its four cells, computed as the sum
  of two two-corpus log-likelihoods (:func:`analysis.stats.keyness.log_likelihood`
  on the columns of the table); it equals ``scipy.stats.chi2_contingency(...,
  correction=False, lambda_="log-likelihood")`` (``tests/test_collocations.py``).
  ``mi`` = log2(O11 / E11) (Church & Hanks 1990), high for rare pairs;
  ``t_score`` = (O11 - E11) / sqrt(O11) (Church et al. 1991), high for
  frequent ones; ``log_dice`` = 14 + log2(2 O11 / (f_a + f_b)) with f_a, f_b
  the token frequencies of the two terms in the group (Rychlý 2008): it does
  not grow with the corpus, 14 means the two always occur together, each
  point less halves that. Rankings default to ``log_dice``.
- **Tests.** ``p_value`` is the upper tail of chi-square(1) at ``g2`` (as in
  :mod:`analysis.stats.keyness`); ``q_value`` is Benjamini-Hochberg over the
  pairs tested in one group and window: every pair of two different terms
  with ``observed >= min_freq`` (the guard), attracted or repelled. Only
  attracted pairs (O11 > E11) are returned; the repelled ones stay in the
  family and are counted in ``attrs["tests"]``. The table keeps the best
  ``max_pairs`` (2,000) of each group and window by ``score``: the others are
  counted there too (``n_attracted``, ``n_significant``); the best
  ``max_pairs`` by ``log_dice`` are kept as well, for the multi-word candidates.
  Pair instances are not independent (a token takes part in up to ``2n``
  window pairs), so p and q screen and rank rather than test exactly; they
  are closest to exact for adjacent pairs.
- **Reposts.** With ``clusters`` (near-duplicate clusters of documents, e.g.
  :attr:`analysis.run.Study.clusters`), a group keeps the first document of
  each cluster, and ``"(all)"`` keeps one document of each cluster in the
  corpus: a notice reposted ten times counts once. ``n_docs`` counts the
  documents (reposts once) holding the pair.
- **Scale.** Each pair instance becomes one integer (term a, term b,
  document); one sort per group gives every pair's count and its documents.
  "(all)" merges the groups' pairs (sorted runs) minus the second copies of
  reposts kept by two groups, so it costs no second pass. See the README for
  timings at 4.7k and 100k documents.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..core.errors import (
    AnalysisError,
    check_choice,
    check_column,
    check_number,
    format_list,
)
from .counts import TermCounts, counts_of, table_group_col
from .keyness import benjamini_hochberg, chi2_sf, log_likelihood

__all__ = ["ALL_GROUPS", "COLLOCATION_COLUMNS", "MAX_WINDOW", "SCORES", "SentenceTokens",
           "association_scores", "collocations", "encode_sentences", "methods_text",
           "multiword_candidates", "one_per_cluster"]

ALL_GROUPS = "(all)"
"""The group label of the rows computed over all documents together."""
MAX_WINDOW = 10
SCORES = ("log_dice", "g2", "mi", "t_score")
COLLOCATION_COLUMNS = ("window", "term_a", "term_b", "observed", "expected", "freq_a", "freq_b",
                       "n_pairs", "n_docs", "g2", "mi", "t_score", "log_dice", "p_value",
                       "q_value", "significant", "rank")
_ASCII_WORD = re.compile(r"[0-9A-Za-z]")


@dataclass(frozen=True)
class SentenceTokens:
    """The tokens of a documents table as integer codes, with their sentence and document.

    Attributes
    ----------
    codes : numpy.ndarray of int64
        One code per token (an index of :attr:`vocabulary`), in text order.
    sentence : numpy.ndarray of int64
        The sentence of each token: ``0, 1, ...`` numbered over the whole
        table, never shared by two documents; a sentence without tokens has no
        number.
    row : numpy.ndarray of int64
        The document (row position in the table) of each token.
    vocabulary : numpy.ndarray of str
        The terms, in order of first occurrence.
    n_rows : int
        The number of documents read.
    """

    codes: np.ndarray
    sentence: np.ndarray
    row: np.ndarray
    vocabulary: np.ndarray
    n_rows: int

    @property
    def n_sentences(self) -> int:
        """The number of sentences holding at least one token."""
        return int(self.sentence[-1]) + 1 if len(self.sentence) else 0

    def sentence_rows(self) -> np.ndarray:
        """Return the document row of each sentence."""
        starts = np.flatnonzero(np.r_[True, self.sentence[1:] != self.sentence[:-1]]) \
            if len(self.sentence) else np.zeros(0, dtype=np.int64)
        return self.row[starts]

    def take_rows(self, keep: np.ndarray) -> SentenceTokens:
        """Return the tokens of the documents whose row is marked in ``keep`` (bool per row)."""
        mask = np.asarray(keep, dtype=bool)[self.row]
        sentence = self.sentence[mask]
        renumbered = np.cumsum(np.r_[False, sentence[1:] != sentence[:-1]]) if len(sentence) \
            else sentence
        return SentenceTokens(self.codes[mask], renumbered.astype(np.int64), self.row[mask],
                              self.vocabulary, self.n_rows)


def encode_sentences(token_strings: pd.Series | Iterable[str | None], *,
                     batch_size: int = 50_000) -> SentenceTokens:
    """Read space-joined tokens with line breaks between sentences into integer codes.

    Parameters
    ----------
    token_strings : pandas.Series or iterable of str
        One string per document, as the Study's ``tokens`` column holds them
        (tokens separated by spaces, sentences by ``"\\n"``); NA reads as
        no token.
    batch_size : int, default 50000
        Documents read at once by Arrow.

    Returns
    -------
    SentenceTokens

    Examples
    --------
    >>> st = encode_sentences(["疫情 防控\\n停课 不停学", "防控"])
    >>> st.codes.tolist(), st.sentence.tolist(), st.row.tolist()
    ([0, 1, 2, 3, 1], [0, 0, 1, 1, 2], [0, 0, 0, 0, 1])
    """
    check_number(batch_size, param="batch_size", func="encode_sentences", low=1, integer=True)
    if isinstance(token_strings, pd.Series):
        texts = pa.array(token_strings, type=pa.large_string(), from_pandas=True)
    else:
        texts = pa.array([v if isinstance(v, str) else None for v in token_strings],
                         type=pa.large_string())
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks()
    texts = pc.fill_null(texts, "")
    vocabulary: dict[str, int] = {}
    codes, rows, sentences = [], [], []
    n_sentences = 0
    for start in range(0, len(texts), batch_size):
        batch = texts.slice(start, batch_size)
        split = pc.split_pattern(batch, "\n")  # documents -> sentences -> tokens
        doc_of = pc.list_parent_indices(split).to_numpy(zero_copy_only=False)
        tokens = pc.utf8_split_whitespace(pc.list_flatten(split))
        sentence_of = pc.list_parent_indices(tokens).to_numpy(zero_copy_only=False)
        encoded = pc.dictionary_encode(pc.list_flatten(tokens))
        local = encoded.dictionary.to_pylist()
        lut = np.fromiter((vocabulary.setdefault(t, len(vocabulary)) if t else -1
                           for t in local), dtype=np.int64, count=len(local))
        code = lut[encoded.indices.to_numpy(zero_copy_only=False)]
        kept = code >= 0
        codes.append(code[kept])
        sentences.append(sentence_of[kept].astype(np.int64) + n_sentences)
        rows.append(doc_of[sentence_of[kept]].astype(np.int64) + start)
        n_sentences += len(doc_of)
    code = np.concatenate(codes) if codes else np.zeros(0, dtype=np.int64)
    row = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    sentence = np.concatenate(sentences) if sentences else np.zeros(0, dtype=np.int64)
    if len(sentence):  # number the sentences holding a token 0, 1, 2 ...
        sentence = np.cumsum(np.concatenate([[0], sentence[1:] != sentence[:-1]]))
    return SentenceTokens(code, sentence.astype(np.int64), row,
                          np.array(list(vocabulary), dtype=object), len(texts))


def one_per_cluster(docs: pd.DataFrame, clusters: pd.Series | None, *,
                    group_col: str | None = None, id_col: str = "doc_id",
                    func: str = "one_per_cluster") -> np.ndarray:
    """Mark the first document of each near-duplicate cluster (within each group).

    Parameters
    ----------
    docs : pandas.DataFrame
        The documents, in order.
    clusters : pandas.Series or None
        The cluster of each document, indexed by ``id_col``
        (:func:`analysis.stats.duplicates.duplicate_clusters`); None keeps all.
    group_col : str, optional
        Keep one document of a cluster per group (a notice two groups
        reposted stays in both); None: one in the whole table.
    id_col : str, default 'doc_id'
        The document ids.
    func : str
        The public function named in messages.

    Returns
    -------
    numpy.ndarray of bool
        One value per row of ``docs``.
    """
    if clusters is None:
        return np.ones(len(docs), dtype=bool)
    check_column(docs, id_col, param="id_col", func=func)
    found = pd.Series(clusters).reindex(docs[id_col].to_numpy())
    if found.isna().any():
        missing = docs[id_col][found.isna().to_numpy()].tolist()
        raise AnalysisError(f"The 'clusters' parameter of {func} must give a cluster for every "
                            f"document; missing {format_list(missing)}.")
    keys = pd.DataFrame({"cluster": found.to_numpy()})
    if group_col is not None:
        keys["group"] = docs[group_col].astype("string").fillna("\0NA").to_numpy()
    return ~keys.duplicated().to_numpy()


def association_scores(observed: np.ndarray, r1: np.ndarray, c1: np.ndarray, n: np.ndarray,
                       freq_a: np.ndarray, freq_b: np.ndarray) -> dict[str, np.ndarray]:
    """Score pairs from their 2x2 contingency tables.

    Parameters
    ----------
    observed : array-like
        O11, the pair's count.
    r1, c1 : array-like
        The row and column margins: instances with ``a`` first, with ``b`` second.
    n : array-like
        N, all instances.
    freq_a, freq_b : array-like
        The token frequencies of the two terms (for logDice).

    Returns
    -------
    dict of numpy.ndarray
        ``expected``, ``g2``, ``mi``, ``t_score``, ``log_dice``, ``p_value``.

    Examples
    --------
    >>> s = association_scores([10], [20], [15], [1000], [20], [15])
    >>> round(float(s["expected"][0]), 2), round(float(s["log_dice"][0]), 3)
    (0.3, 13.193)
    """
    o11, r1, c1, n = (np.asarray(x, dtype=float) for x in (observed, r1, c1, n))
    fa, fb = np.asarray(freq_a, dtype=float), np.asarray(freq_b, dtype=float)
    r2 = n - r1
    o21, o12 = c1 - o11, r1 - o11
    o22 = n - r1 - c1 + o11
    with np.errstate(divide="ignore", invalid="ignore"):
        # G2 of the 2x2 table = two-corpus log-likelihood of each column (keyness' function)
        left = np.where(r2 > 0, log_likelihood(o11, o21, r1, np.maximum(r2, 1)), 0.0)
        right = np.where((r2 > 0) & (o12 + o22 > 0),
                         log_likelihood(o12, o22, r1, np.maximum(r2, 1)), 0.0)
        expected = r1 * c1 / n
        g2 = np.nan_to_num(left + right, nan=0.0)
        mi = np.log2(o11 / expected)
        t_score = (o11 - expected) / np.sqrt(o11)
        log_dice = 14 + np.log2(2 * o11 / (fa + fb))
    return {"expected": expected, "g2": g2, "mi": mi, "t_score": t_score,
            "log_dice": log_dice, "p_value": chi2_sf(g2)}


def _offsets(window: int) -> list[tuple[int, list[int], bool]]:
    """Return the spans scored: adjacent pairs (ordered), then window pairs (unordered)."""
    return [(1, [1], False)] + ([(window, list(range(1, window + 1)), True)]
                                if window > 1 else [])


@dataclass
class _Pairs:
    """The distinct pairs of some documents: packed keys ``a * V + b`` (sorted) and counts."""

    keys: np.ndarray
    observed: np.ndarray
    n_docs: np.ndarray
    first: np.ndarray
    second: np.ndarray
    freq: np.ndarray


def _run_starts(values: np.ndarray) -> np.ndarray:
    """Return where each run of equal values of a sorted array starts."""
    if not len(values):
        return np.zeros(0, dtype=np.int64)
    return np.concatenate([[0], np.flatnonzero(values[1:] != values[:-1]) + 1])


def _pairs(st: SentenceTokens, tokens: np.ndarray, offsets: list[int], symmetric: bool
           ) -> _Pairs:
    """Count the pairs of the tokens at ``tokens`` (whole documents), with documents and margins.

    Every instance becomes one integer ``(a * V + b) * D + document``; one sort
    of them gives the count of each pair in each document, hence the pair's
    count and its number of documents.
    """
    v, d = len(st.vocabulary), max(st.n_rows, 1)
    codes, sentence, row = st.codes[tokens], st.sentence[tokens], st.row[tokens]
    first, second = np.zeros(v, dtype=np.int64), np.zeros(v, dtype=np.int64)
    keys = []
    for k in offsets:
        if k >= len(codes):
            continue
        same = sentence[:-k] == sentence[k:]
        a, b = codes[:-k][same], codes[k:][same]
        if symmetric:
            a, b = np.minimum(a, b), np.maximum(a, b)
        left, right = np.bincount(a, minlength=v), np.bincount(b, minlength=v)
        first += left + right if symmetric else left
        second += left + right if symmetric else right
        key = a * v
        key += b
        key *= d
        key += row[:-k][same]
        keys.append(key)
        del a, b, same
    key = np.concatenate(keys) if keys else np.zeros(0, dtype=np.int64)
    del keys
    key.sort()
    runs = _run_starts(key)
    in_doc = np.diff(np.append(runs, len(key))).astype(np.int32)
    pair = key[runs] // d
    del key, runs
    starts = _run_starts(pair)
    observed = np.add.reduceat(in_doc, starts).astype(np.int32) if len(starts) else in_doc
    return _Pairs(pair[starts], observed, np.diff(np.append(starts, len(pair))).astype(np.int32),
                  first, second, np.bincount(codes, minlength=v))


def _merge(parts: list[_Pairs], minus: _Pairs | None) -> _Pairs:
    """Add the pairs of several groups (sorted runs), minus those of ``minus``."""
    signed = [(1, p) for p in parts] + ([(-1, minus)] if minus is not None else [])
    keys = np.concatenate([p.keys for _, p in signed])
    order = np.argsort(keys, kind="stable")  # timsort merges the sorted runs
    keys = keys[order]
    starts = _run_starts(keys)
    sums = []
    for name in ("observed", "n_docs"):
        values = np.concatenate([s * getattr(p, name) for s, p in signed])[order]
        sums.append(np.add.reduceat(values, starts).astype(np.int32) if len(starts) else values)
    del order
    kept = sums[0] > 0
    total = [sum(s * getattr(p, f) for s, p in signed) for f in ("first", "second", "freq")]
    return _Pairs(keys[starts][kept], sums[0][kept], sums[1][kept], *total)


def _best(rows: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Return the ``n`` rows with the largest values (ties at the cut included)."""
    if len(rows) <= n:
        return rows
    ranked = values[rows]
    cut = np.partition(ranked, len(ranked) - n)[len(ranked) - n]
    kept = rows[ranked >= cut]
    return kept[np.argsort(-values[kept], kind="stable")[:n]]


def _table(found: _Pairs, vocabulary: np.ndarray, term_rank: np.ndarray, *, window: int,
           symmetric: bool, min_freq: int, alpha: float, score: str, max_pairs: int
           ) -> tuple[pd.DataFrame, dict[str, int]]:
    """Test and score one group's pairs; keep the ``max_pairs`` best attracted ones."""
    v = len(vocabulary)
    a, b = found.keys // v, found.keys % v
    tested = (found.observed >= min_freq) & (a != b)
    a, b = a[tested], b[tested]
    observed, n_docs = found.observed[tested].astype(np.int64), found.n_docs[tested]
    n_pairs = int(found.first.sum())  # symmetric: both slots, 2N
    scores = association_scores(observed, found.first[a], found.second[b],
                                np.full(len(a), n_pairs), found.freq[a], found.freq[b])
    q = benjamini_hochberg(scores["p_value"]) if len(a) else np.zeros(0)
    attracted = np.flatnonzero(observed > scores["expected"])
    n_repelled = len(a) - len(attracted)
    n_significant = int((q[attracted] < alpha).sum())
    if symmetric:  # report the pair in code-point order
        swap = term_rank[a] > term_rank[b]
        a, b = np.where(swap, b, a), np.where(swap, a, b)
    best = np.union1d(_best(attracted, scores[score], max_pairs),
                      _best(attracted, scores["log_dice"], max_pairs))
    best = best[np.lexsort((term_rank[b][best], term_rank[a][best], -observed[best],
                            -scores[score][best]))]
    table = pd.DataFrame({
        "window": np.full(len(best), window, dtype=np.int64),
        "term_a": vocabulary[a[best]], "term_b": vocabulary[b[best]],
        "observed": observed[best], "expected": scores["expected"][best],
        "freq_a": found.freq[a[best]], "freq_b": found.freq[b[best]],
        "n_pairs": np.full(len(best), n_pairs // 2 if symmetric else n_pairs, dtype=np.int64),
        "n_docs": n_docs[best].astype(np.int64),
        **{name: scores[name][best] for name in ("g2", "mi", "t_score", "log_dice",
                                                 "p_value")},
        "q_value": q[best], "significant": q[best] < alpha,
        "rank": np.arange(1, len(best) + 1, dtype=np.int64)})
    info = {"n_pairs": n_pairs // 2 if symmetric else n_pairs, "n_tested": len(a),
            "n_repelled": n_repelled, "n_attracted": len(a) - n_repelled,
            "n_significant": n_significant}
    return table, info


def collocations(
    docs: pd.DataFrame,
    counts: TermCounts | None = None,
    *,
    group_col: str = "institution",
    window: int = 5,
    min_freq: int = 5,
    alpha: float = 0.05,
    score: Literal["log_dice", "g2", "mi", "t_score"] = "log_dice",
    clusters: pd.Series | None = None,
    overall: bool = True,
    max_pairs: int = 2000,
    id_col: str = "doc_id",
    tokens_col: str = "tokens",
) -> pd.DataFrame:
    """Score the pairs of terms that occur together in sentences, per group and overall.

    Parameters
    ----------
    docs : pandas.DataFrame
        One row per document with its ``tokens_col`` (space-joined tokens, a
        line break between sentences: :attr:`analysis.run.Study.tokens`) and
        the group column.
    counts : TermCounts, optional
        The documents' term counts; only checked against ``docs`` (pairs are
        counted from the tokens).
    group_col : str, default 'institution'
        The groups; documents with NA there are left out (warning).
    window : int, default 5
        Pairs of tokens at most this many positions apart in a sentence,
        1 to 10; adjacent pairs (``window == 1`` rows) are always scored too.
    min_freq : int, default 5
        Test only pairs that occur at least this many times in the group.
    alpha : float, default 0.05
        ``significant`` is ``q_value < alpha``.
    score : {'log_dice', 'g2', 'mi', 't_score'}, default 'log_dice'
        The score behind ``rank`` (1 = the strongest in its group and window).
    clusters : pandas.Series, optional
        The near-duplicate cluster of each document, by ``id_col``: reposts
        count once (``Study.run(..., reposts_once=True)`` passes it).
    overall : bool, default True
        Add the rows of all documents together, as group ``"(all)"``.
    max_pairs : int, default 2000
        Rows kept per group and window: the best by ``score`` and the best by
        ``log_dice`` (the multi-word candidates' ranking); every tested pair
        is in the BH family, and ``attrs["tests"]`` counts them all.
    id_col, tokens_col : str
        Column names.

    Returns
    -------
    pandas.DataFrame
        One row per attracted pair tested: the group (column named after
        ``group_col``; ``"(all)"`` first), ``window``, ``term_a``, ``term_b``,
        ``observed``, ``expected``, ``freq_a``, ``freq_b`` (token frequencies),
        ``n_pairs`` (instances of the group and window), ``n_docs``, ``g2``,
        ``mi``, ``t_score``, ``log_dice``, ``p_value``, ``q_value``,
        ``significant`` and ``rank``; at most ``max_pairs`` rows per group
        and window. ``attrs`` holds the settings and, per window and group,
        ``n_pairs``, ``n_tested``, ``n_repelled``, ``n_attracted`` and
        ``n_significant``.

    Raises
    ------
    AnalysisError
        For an option out of range, a missing column, or a group named "(all)".
    """
    func = "collocations"
    check_number(window, param="window", func=func, low=1, high=MAX_WINDOW, integer=True)
    check_number(min_freq, param="min_freq", func=func, low=1, integer=True)
    check_number(alpha, param="alpha", func=func, low=0, high=1)
    check_choice(score, SCORES, param="score", func=func)
    check_number(max_pairs, param="max_pairs", func=func, low=1, integer=True)
    check_column(docs, group_col, param="group_col", func=func)
    check_column(docs, tokens_col, param="tokens_col", func=func)
    if counts is not None:
        counts_of(docs, counts, tokens_col=tokens_col, id_col=id_col, func=func)
    grouped = docs[group_col].notna().to_numpy()
    if not grouped.all():
        warnings.warn(f"{func}: {int((~grouped).sum())} documents with no {group_col!r} are "
                      f"left out.", UserWarning, stacklevel=2)
    labels = sorted(docs.loc[grouped, group_col].unique().tolist(), key=str)
    if ALL_GROUPS in labels:
        raise AnalysisError(f"The 'group_col' parameter of {func} names a column holding the "
                            f"group {ALL_GROUPS!r}, the label of all documents together; "
                            f"rename that group.")
    st = encode_sentences(docs[tokens_col])
    if (len(st.vocabulary) ** 2) * max(st.n_rows, 1) >= 2 ** 62:
        raise AnalysisError(f"{func}: {st.n_rows} documents x {len(st.vocabulary)} terms are "
                            f"too many to count pairs; select fewer documents.")
    codes = pd.Categorical(docs[group_col], categories=labels).codes.astype(np.int64)
    keep = one_per_cluster(docs, clusters, group_col=group_col, id_col=id_col, func=func)
    doc_group = np.where(keep & grouped, codes, -1)
    # a repost kept in two groups is counted once in "(all)": the second copy is "extra"
    keep_all = np.zeros(len(docs), dtype=bool)
    keep_all[grouped] = one_per_cluster(docs[grouped], clusters, id_col=id_col, func=func)
    extra = (keep & grouped) & ~keep_all
    token_group = doc_group[st.row]
    term_rank = np.empty(len(st.vocabulary), dtype=np.int64)
    term_rank[np.argsort(st.vocabulary.astype(str), kind="stable")] = \
        np.arange(len(st.vocabulary))
    frames, info = [], {}
    for span, offsets, symmetric in _offsets(window):
        parts, info[str(span)] = [], {}
        for index, label in enumerate(labels):
            parts.append(_pairs(st, np.flatnonzero(token_group == index), offsets, symmetric))
        if overall:
            minus = _pairs(st, np.flatnonzero(extra[st.row]), offsets, symmetric) \
                if extra.any() else None
            parts.insert(0, _merge(parts, minus))
        names = ([ALL_GROUPS] if overall else []) + labels
        for label, found in zip(names, parts):
            table, found_info = _table(found, st.vocabulary, term_rank, window=span,
                                       symmetric=symmetric,
                                       min_freq=min_freq, alpha=alpha, score=score,
                                       max_pairs=max_pairs)
            table.insert(0, "_g", -1 if label == ALL_GROUPS else labels.index(label))
            frames.append(table)
            for name, value in found_info.items():
                info[str(span)].setdefault(name, {})[str(label)] = value
        del parts
    names = np.array([ALL_GROUPS, *labels], dtype=object)
    if frames:
        table = pd.concat(frames, ignore_index=True)
    else:
        table = pd.DataFrame({c: pd.Series(dtype=object) for c in ["_g", *COLLOCATION_COLUMNS]})
    table = table.sort_values(["_g", "window", "rank"], kind="stable").reset_index(drop=True)
    table.insert(0, group_col, names[table["_g"].to_numpy(dtype=np.int64) + 1])
    table = table.drop(columns="_g")
    n_kept = int((keep & grouped).sum())
    empty = [str(g) for g in labels if not (table[group_col] == g).any()]
    if empty:
        warnings.warn(f"{func}: no pair reaches min_freq={min_freq} in "
                      f"{format_list(empty)}; lower 'min_freq' to score them.", UserWarning,
                      stacklevel=2)
    table.attrs = {"group_col": group_col, "window": window, "min_freq": min_freq,
                   "alpha": alpha, "score": score, "overall": overall, "max_pairs": max_pairs,
                   "reposts_once": clusters is not None,
                   "n_docs": n_kept, "n_reposts_dropped": int(grouped.sum()) - n_kept,
                   "empty_groups": empty, "tests": info}
    return table


def multiword_candidates(
    table: pd.DataFrame,
    docs: pd.DataFrame,
    counts: TermCounts | None = None,
    *,
    n: int = 20,
    group: str | None = ALL_GROUPS,
    min_freq: int = 5,
    min_literal_share: float = 0.5,
    min_log_dice: float = 12.0,
    text_col: str = "text",
    id_col: str = "doc_id",
    tokens_col: str = "tokens",
) -> pd.DataFrame:
    """Offer strongly associated adjacent pairs as words for the user dictionary.

    A candidate is a significant adjacent pair (``window == 1``) of two
    Chinese terms (no ASCII letter or digit), with logDice at least
    ``min_log_dice``, whose concatenation is written
    as such in the texts: at least ``min_freq`` times and for at least
    ``min_literal_share`` of the pair's occurrences (adjacent tokens can stand
    on both sides of a removed stop word or punctuation mark, and then are
    not one word). Ranked by ``log_dice``, then ``g2``.

    Parameters
    ----------
    table : pandas.DataFrame
        The output of :func:`collocations`.
    docs : pandas.DataFrame
        The documents it was computed from, with their texts.
    counts : TermCounts, optional
        Their term counts (to find the documents holding both terms); default:
        counted from ``tokens_col``.
    n : int, default 20
        Candidates returned.
    group : str or None, default '(all)'
        The rows used: one group, or None for every group (the best row of each pair).
    min_freq : int, default 5
        Fewest literal occurrences.
    min_literal_share : float, default 0.5
        Fewest literal occurrences per adjacent occurrence of the pair.
    min_log_dice : float, default 12.0
        Weakest association: logDice 12 means the pair makes a quarter of the
        two terms' mean frequency (each point more doubles that share).
    text_col, id_col, tokens_col : str
        Column names.

    Returns
    -------
    pandas.DataFrame
        ``word``, ``term_a``, ``term_b``, ``observed`` (adjacent as tokens),
        ``literal`` (the word written in the texts), ``n_docs``, ``log_dice``,
        ``g2``, ``q_value`` and ``example`` (the first occurrence in context).
        ``attrs["command"]`` is the command that adds them to the corpus's
        user dictionary (``python -m analysis words --accept ...``).
    """
    func = "multiword_candidates"
    check_number(n, param="n", func=func, low=1, integer=True)
    check_number(min_freq, param="min_freq", func=func, low=1, integer=True)
    check_number(min_literal_share, param="min_literal_share", func=func, low=0, high=1)
    check_column(docs, text_col, param="text_col", func=func)
    group_col = table_group_col(table, None, func=func)
    rows = table[(table["window"] == 1) & table["significant"].astype(bool)]
    if group is not None:
        rows = rows[rows[group_col] == group]
    rows = rows[rows["log_dice"].to_numpy() >= min_log_dice]
    rows = rows.sort_values(["log_dice", "g2"], ascending=False, kind="stable")
    rows = rows.drop_duplicates(["term_a", "term_b"])
    cjk = ~(rows["term_a"].str.contains(_ASCII_WORD) | rows["term_b"].str.contains(_ASCII_WORD))
    rows = rows[cjk.to_numpy(dtype=bool)]
    rows = rows.head(max(10 * n, 200))  # literal checks stop at n candidates
    found = counts_of(docs, counts, tokens_col=tokens_col, id_col=id_col, func=func)
    terms = sorted(set(rows["term_a"]) | set(rows["term_b"]))
    where = found.positions(terms)
    present = found.matrix[:, np.maximum(where, 0)].tocsc()
    holders = {t: set(present.indices[present.indptr[i]:present.indptr[i + 1]].tolist())
               if where[i] >= 0 else set() for i, t in enumerate(terms)}
    texts = docs[text_col].fillna("").astype(str).to_numpy()
    out = []
    for row in rows.itertuples(index=False):
        if len(out) >= n:
            break
        word = row.term_a + row.term_b
        both = sorted(holders[row.term_a] & holders[row.term_b])
        hits = [(i, texts[i].count(word)) for i in both]
        literal = sum(c for _, c in hits)
        if literal < min_freq or literal < min_literal_share * row.observed:
            continue
        first = next(i for i, c in hits if c)
        at = texts[first].find(word)
        example = texts[first][max(0, at - 12):at + len(word) + 12].replace("\n", " ")
        out.append({"word": word, "term_a": row.term_a, "term_b": row.term_b,
                    "observed": int(row.observed), "literal": int(literal),
                    "n_docs": int(sum(1 for _, c in hits if c)), "log_dice": row.log_dice,
                    "g2": row.g2, "q_value": row.q_value, "example": example})
    result = pd.DataFrame(out, columns=["word", "term_a", "term_b", "observed", "literal",
                                        "n_docs", "log_dice", "g2", "q_value", "example"])
    result.attrs = {"group": group, "min_freq": min_freq,
                    "min_literal_share": min_literal_share, "min_log_dice": min_log_dice,
                    "command": "python -m analysis words --corpus CORPUS --accept "
                               + " ".join(result["word"])}
    return result


def methods_text(record: dict, lang: str = "en") -> str:
    """Describe a :func:`collocations` run for the methods paragraph.

    Parameters
    ----------
    record : dict
        The options it ran with (``window``, ``min_freq``, ``alpha``, ``score``).
    lang : {'en', 'zh'}, default 'en'

    Returns
    -------
    str
    """
    window = record.get("window", 5)
    min_freq = record.get("min_freq", 5)
    alpha = record.get("alpha", 0.05)
    score = record.get("score", "log_dice")
    once = record.get("reposts_once", False)
    names = {"log_dice": "logDice", "g2": "G2", "mi": "MI", "t_score": "t-score"}
    if lang == "zh":
        return (f"搭配以句内相邻词对及相距不超过{window}个词的词对计算（不跨句，停用词已去除），"
                f"按2×2列联表计算对数似然比G²（Dunning 1993）、互信息MI、t值与logDice"
                f"（Rychlý 2008），仅检验出现不少于{min_freq}次的词对，p值经"
                f"Benjamini–Hochberg校正（q < {alpha}），按{names.get(score, score)}排序"
                + ("；近似重复文档（转载）只计一次" if once else "") + "。")
    return (f"Collocations were counted as adjacent token pairs and as pairs at most {window} "
            f"tokens apart within a sentence (stop words removed), scored from their 2x2 "
            f"contingency tables by the log-likelihood ratio G2 (Dunning 1993), mutual "
            f"information, the t-score and logDice (Rychlý 2008); pairs occurring at least "
            f"{min_freq} times were tested, p-values were adjusted by the Benjamini–Hochberg "
            f"procedure (q < {alpha}), and pairs were ranked by {names.get(score, score)}"
            + ("; near-duplicate documents (reposts) were counted once" if once else "") + ".")
