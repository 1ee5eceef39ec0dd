"""Find the themes of a corpus and how much weight each group and period gave them: topic models.

The structural-topic-model question (R ``stm`` + ``estimateEffect``) asked of
the Study's own tokens and counts: :func:`fit_topics` fits LDA or NMF on the
document x term counts (:class:`~analysis.stats.counts.TermCounts`, the same
segmentation, stopwords and filters as every other figure) and returns a dict
of tables, which :meth:`analysis.run.study.Study.run` caches by content;
:func:`topic_sweep` compares numbers of topics; :func:`label_topics` names
them; :func:`topic_documents` goes back from a topic (and a group) to the
documents and sentences that carry it.

Decisions:

- **Reposts once in the fit.** Near-duplicate clusters (``clusters``, doc id ->
  cluster, as :attr:`analysis.run.study.Study.clusters` gives) are collapsed to
  their first document before fitting, so a notice reposted by ten
  institutions is one document, not a topic of its own. Every document then
  gets its topic shares from the fitted model.
- **Vocabulary.** A term enters the model when it is in at least ``min_docs``
  (5) of the fitted documents and at most ``max_doc_share`` (50%) of them,
  as ``CountVectorizer(min_df=5, max_df=0.5)`` would: rarer terms cannot shape
  a topic and cost time, commoner ones end up at the top of every topic.
  At most ``max_terms`` (20,000) are kept, those in most documents. On
  univ-news-2019 (4,649 documents fitted, 57 reposts collapsed) this keeps
  17,463 of 80,871 terms and 89% of the tokens; on 100,000 generated
  documents the cap keeps 20,000 of 83,062. A corpus too small for
  ``min_docs`` (fewer than ``min_docs / max_doc_share`` documents, such as
  the 5 seeds) keeps the terms in at least 2 documents, with a warning.
  ``exclude_terms`` leaves terms out: notebook 07 gives the groups' own
  names (:attr:`analysis.run.study.Study.aliases`), which otherwise become
  topics of their own (on univ-news-2019, K=25: 南开/南开大学/周恩来 and
  中医/中医药/交大医学院 were topics), telling who wrote, not what about.
- **Models.** ``"lda"``: scikit-learn's ``LatentDirichletAllocation``
  (variational Bayes, priors 1/K, 10 batch passes). ``"nmf"``: ``NMF`` (coordinate descent,
  NNDSVDA start, Frobenius loss) on TF-IDF rows of unit length; a document's
  NMF shares are its weights ``W`` times each topic's total weight,
  normalised. On univ-news-2019 NMF fits a K several times faster than LDA
  and its topics are more coherent (mean NPMI 0.26 against
  0.17 at K=25), but its held-out error only falls with K and its shares are
  not proportions of a generative model; LDA, stm's kin, is the default.
  Topics are numbered by their share of the corpus, largest first.
  ``random_state`` makes two runs identical: LDA on 2,000 documents or more
  runs in :data:`JOBS` (2) processes whatever the machine, so the documents
  are split the same way every time; inferring shares does not depend on
  the split at all (each document's inference starts from the same point).
- **Topics from a sample on large corpora.** Above :data:`FIT_MAX_DOCS`
  documents (5,000 for LDA, 20,000 for NMF) the topics are estimated on a
  seeded random sample of that many (the fitted documents, reposts once)
  and the shares of every document are inferred from the fitted model, so
  that the fit stops growing with the corpus but for that inference.
  Measured on 100,000 generated documents (K=25): batch LDA on a sample of
  5,000 left 8 of the 25 topics under 0.5% of the tokens, online LDA
  (mini-batches of 256, two passes; as costly) on 20,000 left 15, on 5,000
  left 21: few online updates let topics die, so LDA stays batch. NMF,
  cheaper per document, takes 10,000.
- **How many topics** (:func:`topic_sweep`; ``n_topics`` a list). For each K,
  on the same documents: *held-out fit*, measured as stm's ``make.heldout``
  does (document completion, Wallach et al. 2009): ``heldout_share`` (10%)
  of the documents are left out of the fit; for LDA half of each one's words
  (a seeded binomial split) infer its topic shares and the other half is
  scored, ``perplexity = exp(-log-likelihood per word)``; for NMF the
  held-out documents' TF-IDF rows are projected on the topics and the
  relative reconstruction error ``||X - WH|| / ||X||`` is reported.
  *Semantic coherence*: the mean NPMI (Bouma 2009) over pairs of each
  topic's ``top_n`` most probable terms, from their document co-occurrence in
  the fitted documents themselves (a pair never together counts -1).
  *Exclusivity*: stm's ``exclusivity()``, the sum over each topic's
  ``top_n`` most probable terms of FREX with weight 0.7 on exclusivity,
  averaged over topics. **Rule**: among the K whose held-out fit is within
  ``heldout_tolerance`` (5%) of the best, the K with the highest mean of
  standardised (z across the K tried) coherence and exclusivity; ties go to
  the smaller K. Coherence alone favours few broad topics and exclusivity
  many narrow ones (Roberts et al. 2014), so they are weighed together, and
  the held-out fit rules out K that predict unseen text clearly worse. At
  most :data:`SWEEP_MAX_DOCS` documents (a seeded sample) enter a sweep.
- **What a topic is.** Its terms by weight (the topic-term distribution
  beta) and by FREX (Roberts et al. 2016: the harmonic mean of the ECDF
  ranks, within the topic, of the term's exclusivity ``beta_kw / sum_j
  beta_jw`` and of its frequency ``beta_kw``, ``frex_weight`` 0.5 on
  exclusivity; stm's ``labelTopics`` also shrinks exclusivity for rare
  words, which the ``min_docs`` filter stands in for); its ``share`` of the
  corpus (of the fitted documents' tokens) and ``prevalence`` (mean share
  over the documents counted below); the ``n_examples`` documents carrying it
  most (largest share, reposts once), each with the sentence of its source
  text holding most of the topic's top terms (whole strings in the text;
  sentences end at 。！？；!?;… and line breaks, as the tokens column's line
  breaks do).
- **Prevalence.** A group's (or a group-period's) prevalence of a topic is the
  mean of its documents' shares, as stm's ``estimateEffect`` estimates the
  expected proportion. Counted documents: those of the group with a share
  (some term in the vocabulary), a near-duplicate cluster once *per group*
  (a notice one university reposted from another counts for both: each
  chose to publish it; posted three times by one, it counts once). Periods
  are calendar bins chosen as the timelines choose them
  (:func:`analysis.stats.overview.choose_freq` for ``freq="auto"``); a
  period without documents has ``n_docs`` 0 and no value (a gap, not a zero).
- **Intervals.** ``n_boot`` (200) bootstrap resamples of documents within
  each group (and within each group-period for the time table); percentile
  intervals at ``ci`` (95%). A cell of one document has no interval.
- **Contrasts.** Each group against the rest (the other groups' documents
  together), or against the group ``reference``: the difference of
  prevalence, its percentile interval from the same resamples (the rest's
  replicate is the document-weighted mean of the other groups' replicates),
  a Wald p-value from the bootstrap standard error (a percentile p-value
  cannot fall below ``2 / (n_boot + 1)``, so with 200 resamples and 260
  tests Benjamini-Hochberg could reject nothing) and the Benjamini-Hochberg
  q over all topics x contrasts
  (:func:`analysis.stats.keyness.benjamini_hochberg`). Groups of one
  document are left out of the contrasts (a warning names them).
"""

from __future__ import annotations

import re
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from numbers import Integral
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.special import erfc

from ..core.errors import (
    AnalysisError,
    EmptyVocabularyError,
    check_choice,
    check_column,
    check_number,
    format_list,
)
from .counts import counts_of, normalize_rows, table_group_col
from .duplicates import repost_codes
from .keyness import benjamini_hochberg
from .overview import FREQ_NAMES, FREQS, choose_freq

__all__ = ["FIT_MAX_DOCS", "JOBS", "SWEEP_MAX_DOCS", "TOPIC_MODELS", "exclusivity",
           "fit_topics", "frex", "label_topics", "methods_text", "npmi_coherence",
           "split_sentences", "strongest_contrasts", "topic_documents", "topic_sweep"]

TOPIC_MODELS = ("lda", "nmf")
FIT_MAX_DOCS = {"lda": 5_000, "nmf": 10_000}
"""Topics are estimated on a seeded sample of at most this many documents, by model."""
SWEEP_MAX_DOCS = 5_000
"""A sweep over K fits each K on at most this many documents (a seeded sample)."""
HELDOUT_MIN_DOCS = 20
"""Below this many documents a sweep holds none out (no held-out fit)."""
JOBS = 2
"""Worker processes of LDA on 2,000 documents or more: always this many, never "all cores",
so that a fit is the same on every machine."""
EXCLUSIVITY_WEIGHT = 0.7
"""stm's ``exclusivity()`` weighs exclusivity 0.7 and frequency 0.3 in FREX."""
ALL = "(all)"
"""The scope of the corpus-wide examples (a group's examples carry its name)."""
_SENTENCE = re.compile(r"[^。！？；!?;…\n]*[。！？；!?;…]+[”’」』）)\]]*|[^。！？；!?;…\n]+")
_MAX_SENTENCE = 160
_HELD_OUT_MEASURE = {"lda": "perplexity", "nmf": "reconstruction error"}


# -- measures ----------------------------------------------------------------------------------


def frex(beta: np.ndarray, *, weight: float = 0.5) -> np.ndarray:
    """Score every term of every topic by FREX (Roberts et al. 2016).

    Parameters
    ----------
    beta : numpy.ndarray, shape (n_topics, n_terms)
        Topic-term distributions (rows sum to 1), or any positive weights.
    weight : float, default 0.5
        The weight of exclusivity (``1 - weight`` goes to frequency).

    Returns
    -------
    numpy.ndarray, shape (n_topics, n_terms)
        ``1 / (weight / E + (1 - weight) / F)`` where, within each topic, ``E``
        is the ECDF rank (``rank / n_terms``, ties averaged) of the term's
        exclusivity ``beta_kw / sum_j beta_jw`` and ``F`` that of ``beta_kw``.

    Examples
    --------
    >>> frex(np.array([[0.5, 0.3, 0.2], [0.1, 0.1, 0.8]])).round(3)
    array([[1.   , 0.8  , 0.333],
           [0.5  , 0.5  , 1.   ]])
    """
    from scipy.stats import rankdata  # here: importing scipy.stats takes 0.5 s

    beta = np.asarray(beta, dtype=float)
    n_terms = beta.shape[1]
    total = beta.sum(axis=0)
    excl = beta / np.where(total > 0, total, 1.0)
    e = rankdata(excl, axis=1) / n_terms
    f = rankdata(beta, axis=1) / n_terms
    return 1.0 / (weight / e + (1.0 - weight) / f)


def exclusivity(beta: np.ndarray, *, n_terms: int = 10,
                weight: float = EXCLUSIVITY_WEIGHT) -> np.ndarray:
    """Compute stm's exclusivity of each topic: FREX summed over its most probable terms.

    Parameters
    ----------
    beta : numpy.ndarray, shape (n_topics, n_terms)
        Topic-term distributions.
    n_terms : int, default 10
        The topic's most probable terms summed over (stm's ``M``).
    weight : float, default 0.7
        The weight of exclusivity in FREX (stm's ``frexw``).

    Returns
    -------
    numpy.ndarray, shape (n_topics,)
        Between ``n_terms / n_vocabulary`` and ``n_terms``.
    """
    beta = np.asarray(beta, dtype=float)
    scores = frex(beta, weight=weight)
    top = _top_columns(beta, n_terms)
    return np.take_along_axis(scores, top, axis=1).sum(axis=1)


def npmi_coherence(presence: sp.spmatrix, top: np.ndarray) -> np.ndarray:
    """Compute each topic's mean NPMI over pairs of its top terms, from document co-occurrence.

    Parameters
    ----------
    presence : scipy.sparse matrix, shape (n_docs, n_terms)
        Which documents hold which terms (any positive value counts as present).
    top : numpy.ndarray of int, shape (n_topics, n)
        The columns of each topic's top terms (``n >= 2``).

    Returns
    -------
    numpy.ndarray, shape (n_topics,)
        ``mean over pairs of log(p_ij / (p_i p_j)) / -log p_ij`` with
        probabilities over documents; a pair never in one document counts -1,
        a pair in every document +1.
    """
    presence = sp.csr_matrix(presence)
    n_docs = presence.shape[0]
    cols = np.unique(top)
    sub = (presence[:, cols] > 0).astype(np.float64)
    co = (sub.T @ sub).toarray()
    where = {c: i for i, c in enumerate(cols)}
    out = np.empty(len(top))
    for k, terms in enumerate(top):
        idx = np.array([where[c] for c in terms])
        i, j = np.triu_indices(len(idx), k=1)
        joint = co[idx[i], idx[j]] / n_docs
        single_i, single_j = co[idx[i], idx[i]] / n_docs, co[idx[j], idx[j]] / n_docs
        with np.errstate(divide="ignore", invalid="ignore"):
            pmi = np.log(joint / (single_i * single_j))
            value = pmi / -np.log(joint)
        value = np.where(joint <= 0, -1.0, np.where(joint >= 1, 1.0, value))
        out[k] = value.mean()
    return out


def split_sentences(text: str) -> list[str]:
    """Split a source text into sentences where the tokens column breaks them.

    Parameters
    ----------
    text : str
        A document's text.

    Returns
    -------
    list of str
        The non-empty sentences, stripped, each ending with its marks
        (。！？；!?;…, a closing quote or bracket after them kept); line breaks
        end a sentence too.
    """
    if not isinstance(text, str):
        return []
    return [s.strip() for s in _SENTENCE.findall(text) if s.strip()]


def _top_columns(weights: np.ndarray, n: int) -> np.ndarray:
    """Return each row's ``n`` largest columns, largest first, ties by column."""
    n = min(n, weights.shape[1])
    order = np.lexsort((np.broadcast_to(np.arange(weights.shape[1]), weights.shape),
                        -weights), axis=1)
    return order[:, :n]


# -- checks ------------------------------------------------------------------------------------


def _check_n_topics(value: Any, func: str) -> list[int]:
    items = [value] if isinstance(value, Integral) and not isinstance(value, bool) else value
    if not isinstance(items, (list, tuple)) or not items or any(
            isinstance(k, bool) or not isinstance(k, Integral) or k < 2 for k in items):
        raise AnalysisError(f"The 'n_topics' parameter of {func} must be an integer >= 2 or a "
                            f"non-empty list of them; got {value!r}.")
    return sorted({int(k) for k in items})


def _check_common(func: str, model: str, min_docs: int, max_doc_share: float,
                  max_terms: int | None, exclude_terms: Any, top_n: int, random_state: int,
                  max_iter: int | None) -> None:
    check_choice(model, TOPIC_MODELS, param="model", func=func)
    check_number(min_docs, param="min_docs", func=func, low=1, integer=True)
    check_number(max_doc_share, param="max_doc_share", func=func, low=0, high=1)
    if max_doc_share <= 0:
        raise AnalysisError(f"The 'max_doc_share' parameter of {func} must be in the range "
                            f"(0, 1]; got {max_doc_share!r}.")
    if max_terms is not None:
        check_number(max_terms, param="max_terms", func=func, low=2, integer=True)
    if exclude_terms is not None and (isinstance(exclude_terms, str) or not all(
            isinstance(t, str) for t in exclude_terms)):
        raise AnalysisError(f"The 'exclude_terms' parameter of {func} must be a list of "
                            f"strings or None; got {exclude_terms!r:.80}.")
    check_number(top_n, param="top_n", func=func, low=2, integer=True)
    check_number(random_state, param="random_state", func=func, low=0, integer=True)
    if max_iter is not None:
        check_number(max_iter, param="max_iter", func=func, low=1, integer=True)


# -- preparing the documents -------------------------------------------------------------------


@dataclass
class _Corpus:
    """The documents as the models see them."""

    ids: np.ndarray            # doc ids, in docs order
    x: sp.csr_matrix           # every document x kept terms (counts)
    terms: np.ndarray          # the kept terms
    n_tokens: np.ndarray       # kept tokens per document
    fit_rows: np.ndarray       # documents fitted: one per cluster, non-empty
    labels: np.ndarray         # cluster label per document (int)
    info: dict


def _prepare(docs: pd.DataFrame, counts: Any, *, clusters: pd.Series | None, min_docs: int,
             max_doc_share: float, max_terms: int | None, exclude_terms: Sequence[str] | None,
             id_col: str, tokens_col: str, func: str) -> _Corpus:
    """Align the counts, collapse reposts, keep the vocabulary; raise for what cannot fit."""
    counts = counts_of(docs, counts, tokens_col=tokens_col, id_col=id_col, func=func)
    ids = np.asarray(docs[id_col] if id_col in docs.columns else docs.index, dtype=object)
    labels = repost_codes(ids, clusters)
    first = ~pd.Series(labels).duplicated().to_numpy()
    matrix = counts.matrix
    candidates = np.flatnonzero(first & (counts.totals() > 0))
    n = len(candidates)
    low, high = min_docs, max_doc_share * n
    if low > high:
        if high < 2:
            raise AnalysisError(
                f"{func} needs more documents: {n} non-empty documents (reposts once) leave no "
                f"term in at least 2 documents and at most max_doc_share={max_doc_share} of "
                f"them; raise 'max_doc_share' or add documents.")
        warnings.warn(f"{func}: {n} documents (reposts once) are too few for min_docs="
                      f"{min_docs} with max_doc_share={max_doc_share}; terms in at least 2 "
                      f"documents are kept instead.", UserWarning, stacklevel=3)
        low = 2
    df = np.bincount(matrix[candidates].indices, minlength=matrix.shape[1])
    allowed = np.ones(matrix.shape[1], dtype=bool)
    if exclude_terms:
        where = counts.positions(sorted(set(exclude_terms)))
        allowed[where[where >= 0]] = False
    keep = np.flatnonzero((df >= low) & (df <= high) & allowed)
    if max_terms is not None and len(keep) > max_terms:  # the most widespread, ties by term
        keep = np.sort(keep[np.lexsort((keep, -df[keep]))][:max_terms])
    if not len(keep):
        raise EmptyVocabularyError(
            f"{func}: no term is in at least {low} and at most {max_doc_share:.0%} of the {n} "
            f"documents (reposts once); lower 'min_docs' or raise 'max_doc_share'.")
    x = matrix[:, keep].tocsr().astype(np.float64)
    n_tokens = np.asarray(x.sum(axis=1)).ravel()
    fit_rows = candidates[n_tokens[candidates] > 0]
    if not len(fit_rows):
        raise EmptyVocabularyError(f"{func}: every document is empty once the vocabulary is "
                                   f"kept to {len(keep)} terms; lower 'min_docs'.")
    kept_tokens = n_tokens[fit_rows].sum()
    info = {"n_docs": len(ids), "n_fit_docs": len(fit_rows),
            "n_reposts_collapsed": int((~first).sum()),
            "n_terms": len(keep), "n_terms_counted": int(matrix.shape[1]),
            "min_docs_used": int(low), "max_doc_share": float(max_doc_share),
            "max_terms": max_terms, "n_terms_excluded": int((~allowed).sum()),
            "token_share_kept": float(kept_tokens / max(counts.totals()[fit_rows].sum(), 1)),
            "n_empty_docs": int((n_tokens == 0).sum())}
    return _Corpus(ids, x, np.asarray(counts.vocabulary[keep], dtype=object), n_tokens,
                   fit_rows, labels, info)


def _sample(rows: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """Return ``size`` of ``rows`` at random, in their order (all when fewer)."""
    if len(rows) <= size:
        return rows
    return np.sort(rng.choice(rows, size=size, replace=False))


def _check_k(ks: list[int], limit: int, n_terms: int, what: str, func: str,
             drop: bool) -> list[int]:
    cap = min(limit, n_terms)
    over = [k for k in ks if k > cap]
    if not over:
        return ks
    reason = f"at most the number of {what} ({limit}) and of terms kept ({n_terms})"
    kept = [k for k in ks if k <= cap]
    if not drop or not kept:
        raise AnalysisError(f"The 'n_topics' parameter of {func} must be {reason}; got "
                            f"{ks[0] if len(ks) == 1 else ks}. Use fewer topics, or lower "
                            f"'min_docs' to keep more terms.")
    warnings.warn(f"{func}: n_topics {over} left out: n_topics must be {reason}.",
                  UserWarning, stacklevel=3)
    return kept


# -- models -------------------------------------------------------------------------------------


@dataclass
class _Fitted:
    beta: np.ndarray            # (K, V), rows sum to 1
    estimator: Any
    model: str
    idf: np.ndarray | None      # NMF: the idf of its TF-IDF rows
    scale: np.ndarray | None    # NMF: each topic's total weight
    seconds: float
    n_iter: int


def _tfidf(x: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
    return normalize_rows(sp.csr_matrix(x.multiply(idf[None, :])), "l2")


def _fit(x: sp.csr_matrix, k: int, model: str, random_state: int,
         max_iter: int | None) -> _Fitted:
    """Fit one model on documents x terms counts (no empty row)."""
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*(did not converge|Maximum number).*")
        if model == "lda":
            from sklearn.decomposition import LatentDirichletAllocation

            est = LatentDirichletAllocation(n_components=k, learning_method="batch",
                                            max_iter=max_iter or 10, random_state=random_state,
                                            n_jobs=JOBS if x.shape[0] >= 2_000 else 1)
            est.fit(x)
            comp = est.components_
            return _Fitted(comp / comp.sum(axis=1, keepdims=True), est, model, None, None,
                           time.perf_counter() - start, int(est.n_iter_))
        from sklearn.decomposition import NMF

        df = np.bincount(x.indices, minlength=x.shape[1])
        idf = np.log((1 + x.shape[0]) / (1 + df)) + 1
        est = NMF(n_components=k, init="nndsvda", solver="cd", max_iter=max_iter or 400,
                  random_state=random_state)
        est.fit(_tfidf(x, idf))
        comp = np.maximum(est.components_, 0)
        scale = comp.sum(axis=1)
        beta = np.where(scale[:, None] > 0, comp / np.where(scale > 0, scale, 1)[:, None],
                        1.0 / comp.shape[1])
        return _Fitted(beta, est, model, idf, scale, time.perf_counter() - start,
                       int(est.n_iter_))


def _shares(fitted: _Fitted, x: sp.csr_matrix) -> np.ndarray:
    """Return each row's topic shares (rows sum to 1; NaN for an empty row)."""
    out = np.full((x.shape[0], fitted.beta.shape[0]), np.nan)
    rows = np.flatnonzero(np.diff(x.indptr) > 0)
    for lo in range(0, len(rows), 20_000):
        part = rows[lo:lo + 20_000]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if fitted.model == "lda":
                fitted.estimator.n_jobs = JOBS if len(part) >= 2_000 else 1
                theta = fitted.estimator.transform(x[part])
            else:
                w = fitted.estimator.transform(_tfidf(x[part], fitted.idf)) * fitted.scale
                total = w.sum(axis=1, keepdims=True)
                theta = np.where(total > 0, w / np.where(total > 0, total, 1),
                                 1.0 / w.shape[1])
        out[part] = theta
    return out


def _heldout(fitted: _Fitted, x: sp.csr_matrix, rng: np.random.Generator) -> float:
    """Score held-out documents: LDA perplexity by document completion, NMF relative error."""
    if fitted.model == "nmf":
        t = _tfidf(x, fitted.idf)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            w = fitted.estimator.transform(t)
        h = fitted.estimator.components_
        norm = float(t.multiply(t).sum())
        cross = float(np.sum(w * (t @ h.T)))
        recon = float(np.sum((w.T @ w) * (h @ h.T)))
        return float(np.sqrt(max(norm - 2 * cross + recon, 0.0) / norm)) if norm else np.nan
    x = sp.csr_matrix(x)
    first = x.copy()
    first.data = rng.binomial(x.data.astype(np.int64), 0.5).astype(np.float64)
    second = x - first
    first.eliminate_zeros()
    second.eliminate_zeros()
    rows = np.flatnonzero((np.diff(first.indptr) > 0) & (np.diff(second.indptr) > 0))
    if not len(rows):
        return np.nan
    theta = _shares(fitted, first[rows])
    scored = second[rows].tocoo()
    loglik = 0.0
    for lo in range(0, scored.nnz, 500_000):
        r, c = scored.row[lo:lo + 500_000], scored.col[lo:lo + 500_000]
        p = np.einsum("ij,ji->i", theta[r], fitted.beta[:, c])
        loglik += float(np.sum(scored.data[lo:lo + 500_000] * np.log(np.maximum(p, 1e-300))))
    return float(np.exp(-loglik / scored.data.sum()))


# -- the sweep ------------------------------------------------------------------------------------


def _sweep(corpus: _Corpus, ks: list[int], *, model: str, top_n: int, heldout_share: float,
           heldout_tolerance: float, random_state: int, max_iter: int | None,
           func: str) -> pd.DataFrame:
    """Fit each K on the training documents; score held-out fit, coherence, exclusivity."""
    rng = np.random.default_rng(random_state)
    rows = _sample(corpus.fit_rows, SWEEP_MAX_DOCS, rng)
    if len(rows) < HELDOUT_MIN_DOCS:
        warnings.warn(f"{func}: {len(rows)} documents are too few to hold some out (fewer "
                      f"than {HELDOUT_MIN_DOCS}): K is chosen by coherence and exclusivity "
                      f"alone.", UserWarning, stacklevel=3)
        held = rows[:0]
    else:
        n_hold = max(1, round(heldout_share * len(rows)))
        held = np.sort(rng.choice(rows, size=n_hold, replace=False))
    train = np.setdiff1d(rows, held)
    ks = _check_k(ks, len(train), len(corpus.terms),
                  "training documents (those not held out)" if len(held) else "documents",
                  func, drop=True)
    presence = corpus.x[rows]
    records = []
    for k in ks:
        fitted = _fit(corpus.x[train], k, model, random_state, max_iter)
        top = _top_columns(fitted.beta, top_n)
        records.append({
            "n_topics": k,
            "heldout": _heldout(fitted, corpus.x[held], np.random.default_rng(random_state))
            if len(held) else np.nan,
            "coherence": float(npmi_coherence(presence, top).mean()),
            "exclusivity": float(exclusivity(fitted.beta, n_terms=top_n).mean()),
        })
    table = pd.DataFrame(records)
    for col in ("coherence", "exclusivity"):
        values = table[col].to_numpy(dtype=float)
        sd = values.std()
        table[f"{col}_z"] = (values - values.mean()) / sd if sd > 0 else 0.0
    table["score"] = (table["coherence_z"] + table["exclusivity_z"]) / 2
    best = table["heldout"].min()
    table["within_tolerance"] = (table["heldout"] <= best * (1 + heldout_tolerance)) \
        if np.isfinite(best) else True
    eligible = table[table["within_tolerance"]]
    chosen = int(eligible.sort_values(["score", "n_topics"], ascending=[False, True],
                                      kind="stable")["n_topics"].iloc[0])
    table["chosen"] = table["n_topics"] == chosen
    table.insert(2, "heldout_measure", _HELD_OUT_MEASURE[model])
    rule = (f"the K with the highest mean of standardised coherence and exclusivity among "
            f"those whose held-out {_HELD_OUT_MEASURE[model]} is within "
            f"{heldout_tolerance:.0%} of the best (lowest); ties go to the smaller K")
    reason = (f"K={chosen}: " + (
        "the only K tried" if len(table) == 1 else
        f"held-out {_HELD_OUT_MEASURE[model]} {table.loc[table['chosen'], 'heldout'].iloc[0]:.4g}"
        f" (best {best:.4g}), coherence {table.loc[table['chosen'], 'coherence'].iloc[0]:.3f}, "
        f"exclusivity {table.loc[table['chosen'], 'exclusivity'].iloc[0]:.2f}, "
        f"mean z {table.loc[table['chosen'], 'score'].iloc[0]:.2f}, the best of "
        f"{int(table['within_tolerance'].sum())} K within tolerance"))
    if len(table) > 1 and chosen == table["n_topics"].max():
        reason += "; it is the largest K tried: a larger one may score better"
    table.attrs = {"model": model, "chosen": chosen, "rule": rule, "reason": reason,
                   "heldout_measure": _HELD_OUT_MEASURE[model], "n_train": len(train),
                   "n_heldout": len(held), "heldout_share": heldout_share,
                   "heldout_tolerance": heldout_tolerance, "top_n": top_n,
                   "random_state": random_state, **corpus.info}
    return table


def topic_sweep(
    docs: pd.DataFrame,
    counts: Any = None,
    *,
    group_col: str = "institution",
    n_topics: Sequence[int] | int = (5, 10, 15, 20, 30),
    model: str = "lda",
    min_docs: int = 5,
    max_doc_share: float = 0.5,
    max_terms: int | None = 20_000,
    exclude_terms: Sequence[str] | None = None,
    top_n: int = 10,
    heldout_share: float = 0.1,
    heldout_tolerance: float = 0.05,
    random_state: int = 0,
    max_iter: int | None = None,
    clusters: pd.Series | None = None,
    id_col: str = "doc_id",
    tokens_col: str = "tokens",
) -> pd.DataFrame:
    """Compare numbers of topics by held-out fit, coherence and exclusivity, and pick one.

    Parameters
    ----------
    docs : pandas.DataFrame
        One row per document.
    counts : TermCounts, optional
        Their term counts (rows matched by ``id_col``); default: count ``tokens_col``.
    group_col : str, default 'institution'
        Unused here (the sweep ignores groups); accepted so that
        :meth:`~analysis.run.study.Study.run` can call it.
    n_topics : int or list of int, default (5, 10, 15, 20, 30)
        The numbers of topics K to try (each >= 2); those above the number of
        training documents are left out with a warning.
    model : {'lda', 'nmf'}, default 'lda'
        The model (see the module notes).
    min_docs : int, default 5
        A term must be in at least this many of the fitted documents.
    max_doc_share : float, default 0.5
        ... and in at most this share of them.
    max_terms : int or None, default 20000
        Keep at most this many terms, those in most documents; None: all.
    exclude_terms : list of str, optional
        Terms left out of the model, e.g. the groups' own names
        (``study.aliases["alias"]``), which would otherwise make topics of
        who wrote rather than of what was written.
    top_n : int, default 10
        The top terms whose coherence and exclusivity are measured.
    heldout_share : float, default 0.1
        Share of the documents held out (at least one).
    heldout_tolerance : float, default 0.05
        A K is eligible when its held-out measure is at most ``1 + this``
        times the best.
    random_state : int, default 0
        Seed of the samples, the split and the models.
    max_iter : int, optional
        Passes (LDA) or iterations (NMF); default 20 batch passes, 2 online
        passes, 400 NMF or 20 MiniBatchNMF iterations.
    clusters : pandas.Series, optional
        Near-duplicate cluster of each document by id: a cluster is fitted once.
    id_col, tokens_col : str
        Column names.

    Returns
    -------
    pandas.DataFrame
        One row per K: ``n_topics``, ``heldout`` (perplexity for LDA, relative
        reconstruction error for NMF; lower is better), ``heldout_measure``,
        ``coherence`` (mean NPMI), ``exclusivity`` (stm's, mean over
        topics), their z-scores, ``score`` (mean of
        the two z), ``within_tolerance``, ``chosen``. ``attrs`` hold
        ``chosen``, ``rule`` and ``reason`` (a sentence), the training and
        held-out sizes and the vocabulary's.

    Raises
    ------
    AnalysisError
        For an option out of range, too few documents or an empty vocabulary.
    """
    func = "topic_sweep"
    ks = _check_n_topics(n_topics, func)
    _check_common(func, model, min_docs, max_doc_share, max_terms, exclude_terms, top_n,
                  random_state, max_iter)
    check_number(heldout_share, param="heldout_share", func=func, low=0.01, high=0.5)
    check_number(heldout_tolerance, param="heldout_tolerance", func=func, low=0)
    corpus = _prepare(docs, counts, clusters=clusters, min_docs=min_docs,
                      max_doc_share=max_doc_share, max_terms=max_terms,
                      exclude_terms=exclude_terms, id_col=id_col,
                      tokens_col=tokens_col,
                      func=func)
    table = _sweep(corpus, ks, model=model, top_n=top_n, heldout_share=heldout_share,
                   heldout_tolerance=heldout_tolerance, random_state=random_state,
                   max_iter=max_iter, func=func)
    table.attrs["group_col"] = group_col
    return table


# -- describing topics -----------------------------------------------------------------------------


def _terms_table(beta: np.ndarray, terms: np.ndarray, frex_weight: float,
                 keep: int) -> pd.DataFrame:
    scores = frex(beta, weight=frex_weight)
    total = beta.sum(axis=0)
    excl = beta / np.where(total > 0, total, 1.0)
    by_weight, by_frex = _top_columns(beta, beta.shape[1]), _top_columns(scores, beta.shape[1])
    parts = []
    for k in range(beta.shape[0]):
        rank_w = np.empty(beta.shape[1], dtype=np.int64)
        rank_w[by_weight[k]] = np.arange(1, beta.shape[1] + 1)
        rank_f = np.empty(beta.shape[1], dtype=np.int64)
        rank_f[by_frex[k]] = np.arange(1, beta.shape[1] + 1)
        cols = np.flatnonzero((rank_w <= keep) | (rank_f <= keep))
        cols = cols[np.lexsort((rank_f[cols], rank_w[cols]))]
        parts.append(pd.DataFrame({"topic": k + 1, "term": terms[cols], "weight": beta[k, cols],
                                   "exclusivity": excl[k, cols], "frex": scores[k, cols],
                                   "rank_weight": rank_w[cols], "rank_frex": rank_f[cols]}))
    return pd.concat(parts, ignore_index=True)


def _best_sentence(text: Any, terms: list[str]) -> tuple[str, str]:
    """Return the sentence holding most of the terms (first on ties) and the terms it holds."""
    best, best_hits = "", []
    for sentence in split_sentences(text if isinstance(text, str) else ""):
        hits = [t for t in terms if t in sentence]
        if len(hits) > len(best_hits):
            best, best_hits = sentence, hits
    if not best:
        sentences = split_sentences(text if isinstance(text, str) else "")
        best = sentences[0] if sentences else ""
    if len(best) > _MAX_SENTENCE:
        at = min((best.find(t) for t in best_hits), default=0)
        lo = max(0, min(at - _MAX_SENTENCE // 3, len(best) - _MAX_SENTENCE))
        best = ("…" if lo else "") + best[lo:lo + _MAX_SENTENCE] + \
            ("…" if lo + _MAX_SENTENCE < len(best) else "")
    return best, " ".join(best_hits)


def _column(docs: pd.DataFrame, col: str | None, rows: np.ndarray) -> np.ndarray:
    """Return a column's values at row positions (taken first: a text column is large)."""
    if col is None or col not in docs.columns:
        return np.full(len(rows), None, dtype=object)
    return docs[col].take(rows).to_numpy()


def _examples(docs: pd.DataFrame, rows: np.ndarray, shares: np.ndarray, topic: int,
              terms: list[str], *, group_col: str, text_col: str, title_col: str | None,
              date_col: str | None, url_col: str | None, id_col: str) -> pd.DataFrame:
    """Describe documents (positions ``rows``) with their share of a topic and best sentence."""
    found = [_best_sentence(t, terms) for t in _column(docs, text_col, rows)]
    ids = _column(docs, id_col, rows) if id_col in docs.columns else docs.index.to_numpy()[rows]
    return pd.DataFrame({
        "topic": topic, "rank": np.arange(1, len(rows) + 1), "doc_id": ids,
        group_col: _column(docs, group_col, rows),
        "date": pd.to_datetime(pd.Series(_column(docs, date_col, rows)), errors="coerce"),
        "title": _column(docs, title_col, rows), "url": _column(docs, url_col, rows),
        "share": shares, "sentence": [f[0] for f in found], "terms": [f[1] for f in found]})


def _default_labels(frex_top: list[list[str]]) -> list[str]:
    return [f"T{k + 1} " + "/".join(t[:3]) for k, t in enumerate(frex_top)]


# -- prevalence ---------------------------------------------------------------------------------------


def _boot_means(theta: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """Return ``n_boot`` bootstrap means of the rows of ``theta`` (shape n_boot x K)."""
    n = theta.shape[0]
    out = np.empty((n_boot, theta.shape[1]))
    step = max(1, 4_000_000 // max(n, 1))
    p = np.full(n, 1.0 / n)
    for lo in range(0, n_boot, step):
        draws = rng.multinomial(n, p, size=min(step, n_boot - lo))
        out[lo:lo + len(draws)] = draws @ theta / n
    return out


def _interval(reps: np.ndarray, ci: float) -> tuple[np.ndarray, np.ndarray]:
    tail = (1 - ci) / 2
    return np.quantile(reps, tail, axis=0), np.quantile(reps, 1 - tail, axis=0)


def _prevalence(theta: np.ndarray, groups: np.ndarray, names: list, *, n_boot: int, ci: float,
                rng: np.random.Generator) -> tuple[list[dict], dict]:
    """Return rows of prevalence per group and the bootstrap replicates of each group."""
    rows, reps = [], {}
    for code, name in enumerate(names):
        part = theta[groups == code]
        n = len(part)
        mean = part.mean(axis=0)
        rep = _boot_means(part, n_boot, rng)
        reps[code] = rep
        low, high = _interval(rep, ci) if n > 1 else (np.full(len(mean), np.nan),) * 2
        for k in range(theta.shape[1]):
            rows.append({"_group": name, "topic": k + 1, "n_docs": n, "prevalence": mean[k],
                         "low": low[k], "high": high[k]})
    return rows, reps


def _contrasts(theta: np.ndarray, groups: np.ndarray, names: list, reps: dict, *,
               reference: Any, ci: float, alpha: float) -> pd.DataFrame:
    sizes = np.bincount(groups, minlength=len(names))
    means = np.vstack([theta[groups == c].mean(axis=0) for c in range(len(names))])
    rep_sum = sum(reps[c] * sizes[c] for c in range(len(names)))
    rows = []
    ref_code = None if reference is None else names.index(reference)
    for code, name in enumerate(names):
        if sizes[code] < 2 or code == ref_code:
            continue
        if ref_code is None:
            n_ref = sizes.sum() - sizes[code]
            if n_ref == 0:
                continue
            ref_mean = (means.T @ sizes - means[code] * sizes[code]) / n_ref
            ref_rep = (rep_sum - reps[code] * sizes[code]) / n_ref
            ref_name = "rest"
        else:
            n_ref, ref_mean, ref_rep, ref_name = sizes[ref_code], means[ref_code], \
                reps[ref_code], str(reference)
        diff = means[code] - ref_mean
        diff_rep = reps[code] - ref_rep
        low, high = _interval(diff_rep, ci)
        se = diff_rep.std(axis=0, ddof=1) if len(diff_rep) > 1 else np.zeros(len(diff))
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.where(se > 0, diff / se, np.where(diff == 0, 0.0, np.inf))
        p = erfc(np.abs(z) / np.sqrt(2))
        for k in range(theta.shape[1]):
            rows.append({"_group": name, "reference": ref_name, "topic": k + 1,
                         "prevalence": means[code, k], "prevalence_reference": ref_mean[k],
                         "difference": diff[k], "low": low[k], "high": high[k], "se": se[k],
                         "z": z[k], "p_value": p[k], "n_docs": int(sizes[code]),
                         "n_docs_reference": int(n_ref)})
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    table["q_value"] = benjamini_hochberg(np.clip(table["p_value"].to_numpy(), 0, 1))
    table["significant"] = table["q_value"] < alpha
    return table


# -- the fit -------------------------------------------------------------------------------------------


def fit_topics(
    docs: pd.DataFrame,
    counts: Any = None,
    *,
    group_col: str = "institution",
    n_topics: int | Sequence[int] = 10,
    model: str = "lda",
    min_docs: int = 5,
    max_doc_share: float = 0.5,
    max_terms: int | None = 20_000,
    exclude_terms: Sequence[str] | None = None,
    top_n: int = 10,
    frex_weight: float = 0.5,
    n_examples: int = 3,
    freq: str = "auto",
    n_boot: int = 200,
    ci: float = 0.95,
    alpha: float = 0.05,
    reference: Any = None,
    heldout_share: float = 0.1,
    heldout_tolerance: float = 0.05,
    random_state: int = 0,
    max_iter: int | None = None,
    clusters: pd.Series | None = None,
    date_col: str | None = "date",
    text_col: str = "text",
    title_col: str | None = "title",
    url_col: str | None = "url",
    id_col: str = "doc_id",
    tokens_col: str = "tokens",
) -> dict[str, pd.DataFrame]:
    """Fit a topic model and measure each topic's prevalence per group and period.

    Parameters
    ----------
    docs : pandas.DataFrame
        One row per document, with the group column, dates and texts.
    counts : TermCounts, optional
        Their term counts (a superset is fine: rows matched by ``id_col``);
        default: count ``tokens_col``.
    group_col : str, default 'institution'
        The groups compared.
    n_topics : int or list of int, default 10
        K; a list runs :func:`topic_sweep` and fits the K it picks.
    model : {'lda', 'nmf'}, default 'lda'
        Latent Dirichlet allocation or non-negative matrix factorisation.
    min_docs : int, default 5
        A term must be in at least this many fitted documents (reposts once).
    max_doc_share : float, default 0.5
        ... and in at most this share of them.
    max_terms : int or None, default 20000
        Keep at most this many terms, those in most documents; None: all.
    exclude_terms : list of str, optional
        Terms left out of the model, e.g. the groups' own names
        (``study.aliases["alias"]``), which would otherwise make topics of
        who wrote rather than of what was written.
    top_n : int, default 10
        Top terms listed per topic (by weight and by FREX), and measured for
        coherence and exclusivity.
    frex_weight : float, default 0.5
        Weight of exclusivity in FREX.
    n_examples : int, default 3
        Documents listed per topic (and per topic and group).
    freq : {'auto', 'D', 'W', 'M', 'Q', 'Y'}, default 'auto'
        Period of the prevalence over time; auto: 12 to 60 bins.
    n_boot : int, default 200
        Bootstrap resamples of documents within groups (and periods).
    ci : float, default 0.95
        Level of the percentile intervals.
    alpha : float, default 0.05
        A contrast is ``significant`` when its q-value is below this.
    reference : optional
        A group every other group is compared with; default: each group
        against the rest.
    heldout_share, heldout_tolerance : float
        The sweep's held-out documents and tolerance (:func:`topic_sweep`).
    random_state : int, default 0
        Seed of the model, the samples and the bootstrap.
    max_iter : int, optional
        Passes or iterations of the model (see :func:`topic_sweep`).
    clusters : pandas.Series, optional
        Near-duplicate cluster of each document (by id): a cluster is fitted
        once and counted once per group.
    date_col, text_col, title_col, url_col : str or None
        Columns of dates, source texts, titles and links (absent ones are left empty).
    id_col, tokens_col : str
        Columns of ids and (without ``counts``) space-joined tokens.

    Returns
    -------
    dict of pandas.DataFrame
        ``topics`` (one row per topic: ``label``, ``share`` of the corpus's
        tokens, ``prevalence``, ``top_terms``, ``frex_terms``, ``coherence``,
        ``exclusivity``, ``n_docs_top``), ``terms`` (per topic its 30 best
        terms by weight and by FREX: ``weight``, ``exclusivity``, ``frex``
        and both ranks), ``documents`` (each document's group, date, period,
        kept tokens, ``fitted`` and ``counted`` flags and shares
        ``topic_1`` ...), ``prevalence`` (per group and topic, with
        ``low``/``high``), ``prevalence_time`` (per group, period and topic),
        ``contrasts`` (``difference``, interval, ``se``, ``z``, ``p_value``,
        ``q_value``, ``significant``), ``examples`` (per topic, overall and
        per group, the documents carrying it most with their best sentence)
        and ``sweep`` (:func:`topic_sweep`'s table; one row without held-out
        fit when ``n_topics`` is an int). Every table records ``group_col``
        and the fit's settings in ``attrs``.

    Raises
    ------
    AnalysisError
        For an option out of range (naming it), K above the documents or
        terms, a vocabulary left empty, an unknown ``reference`` group.
    """
    func = "fit_topics"
    ks = _check_n_topics(n_topics, func)
    sweep_asked = not (isinstance(n_topics, Integral) and not isinstance(n_topics, bool))
    _check_common(func, model, min_docs, max_doc_share, max_terms, exclude_terms, top_n,
                  random_state, max_iter)
    check_number(frex_weight, param="frex_weight", func=func, low=0, high=1)
    check_number(n_examples, param="n_examples", func=func, low=1, integer=True)
    check_choice(freq, [*FREQS, "auto"], param="freq", func=func)
    check_number(n_boot, param="n_boot", func=func, low=1, integer=True)
    for name, value in (("ci", ci), ("alpha", alpha)):
        check_number(value, param=name, func=func, low=0, high=1)
        if not 0 < value < 1:
            raise AnalysisError(f"The {name!r} parameter of {func} must be in the range "
                                f"(0, 1); got {value!r}.")
    check_number(heldout_share, param="heldout_share", func=func, low=0.01, high=0.5)
    check_number(heldout_tolerance, param="heldout_tolerance", func=func, low=0)
    check_column(docs, group_col, param="group_col", func=func)
    check_column(docs, text_col, param="text_col", func=func)
    if date_col is not None:
        check_column(docs, date_col, param="date_col", func=func)
    present = sorted(docs[group_col].dropna().unique(), key=str)
    if reference is not None and reference not in present:
        raise AnalysisError(f"The 'reference' parameter of {func} must be one of the groups "
                            f"{format_list(present)} or None; got {reference!r}.")
    corpus = _prepare(docs, counts, clusters=clusters, min_docs=min_docs,
                      max_doc_share=max_doc_share, max_terms=max_terms,
                      exclude_terms=exclude_terms, id_col=id_col,
                      tokens_col=tokens_col,
                      func=func)
    settings = {"group_col": group_col, "model": model, "top_n": top_n,
                "frex_weight": frex_weight, "n_boot": n_boot, "ci": ci, "alpha": alpha,
                "random_state": random_state, **corpus.info}

    # how many topics
    if sweep_asked:
        sweep = _sweep(corpus, ks, model=model, top_n=top_n, heldout_share=heldout_share,
                       heldout_tolerance=heldout_tolerance, random_state=random_state,
                       max_iter=max_iter, func=func)
        k = int(sweep.attrs["chosen"])
    else:
        k = _check_k(ks, len(corpus.fit_rows), len(corpus.terms),
                     "documents fitted (reposts once, non-empty)", func, drop=False)[0]
        sweep = None

    # the model
    rng = np.random.default_rng(random_state)
    train = _sample(corpus.fit_rows, FIT_MAX_DOCS[model], rng)
    fitted = _fit(corpus.x[train], k, model, random_state, max_iter)
    theta = _shares(fitted, corpus.x)
    fit_theta = theta[corpus.fit_rows]
    weights = corpus.n_tokens[corpus.fit_rows]
    share = weights @ fit_theta / weights.sum()
    order = np.argsort(-share, kind="stable")  # topics numbered by share, largest first
    beta, theta, share, fit_theta = fitted.beta[order], theta[:, order], share[order], \
        fit_theta[:, order]
    top = _top_columns(beta, top_n)
    frex_scores = frex(beta, weight=frex_weight)
    frex_top = _top_columns(frex_scores, top_n)
    top_terms = [list(corpus.terms[t]) for t in top]
    frex_terms = [list(corpus.terms[t]) for t in frex_top]
    labels = _default_labels(frex_terms)
    coherence = npmi_coherence(corpus.x[corpus.fit_rows], top)
    excl = exclusivity(beta, n_terms=top_n)
    if sweep is None:
        sweep = pd.DataFrame({"n_topics": [k], "heldout": [np.nan],
                              "heldout_measure": [_HELD_OUT_MEASURE[model]],
                              "coherence": [float(coherence.mean())],
                              "exclusivity": [float(excl.mean())], "coherence_z": [0.0],
                              "exclusivity_z": [0.0], "score": [0.0],
                              "within_tolerance": [True], "chosen": [True]})
        sweep.attrs = {"chosen": k, "rule": "K given (no sweep)",
                       "reason": f"K={k}: given", "heldout_measure": _HELD_OUT_MEASURE[model]}

    # documents: groups, periods, what is counted
    n = len(docs)
    has_share = ~np.isnan(theta[:, 0])
    group_values = docs[group_col].to_numpy()
    has_group = pd.notna(group_values)
    pair = pd.Series(list(zip(corpus.labels, pd.Series(group_values).astype(str))))
    counted = has_share & has_group & ~pair.duplicated().to_numpy()
    fitted_flag = np.zeros(n, dtype=bool)
    fitted_flag[corpus.fit_rows] = True
    dates = pd.to_datetime(docs[date_col], errors="coerce") if date_col is not None \
        else pd.Series(pd.NaT, index=docs.index)
    dated = dates.notna().to_numpy()
    used_freq = choose_freq(dates[counted & dated]) if freq == "auto" else freq
    period = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    if dated.any():
        period[dated] = dates[dated].dt.to_period(FREQS[used_freq][0]).dt.start_time \
            .to_numpy(dtype="datetime64[ns]")
    period = pd.Series(period)
    documents = pd.DataFrame({"doc_id": corpus.ids, group_col: group_values,
                              "date": dates.to_numpy(), "period": period.to_numpy(),
                              "n_tokens": corpus.n_tokens.astype(np.int64),
                              "fitted": fitted_flag, "counted": counted})
    documents = pd.concat([documents, pd.DataFrame(
        theta, columns=[f"topic_{j + 1}" for j in range(k)])], axis=1)

    # prevalence per group
    names = present
    codes = pd.Categorical(group_values, categories=names).codes
    sizes = np.bincount(codes[counted], minlength=len(names))
    lonely = [g for g, s in zip(names, sizes) if s == 1]
    if lonely:
        warnings.warn(f"{func}: the group(s) {format_list(lonely)} of {group_col!r} have a "
                      f"single document: no interval, and no contrast with the others.",
                      UserWarning, stacklevel=2)
    absent = [g for g, s in zip(names, sizes) if s == 0]
    names_used = [g for g, s in zip(names, sizes) if s > 0]
    if reference is not None and reference not in names_used:
        raise AnalysisError(f"The 'reference' parameter of {func} must be a group with "
                            f"documents in the model; {reference!r} has none (its documents "
                            f"hold no term of the vocabulary).")
    codes = pd.Categorical(group_values, categories=names_used).codes
    boot = np.random.default_rng([random_state, 1])
    rows, reps = _prevalence(theta[counted], codes[counted], names_used, n_boot=n_boot,
                             ci=ci, rng=boot)
    prevalence = pd.DataFrame(rows).rename(columns={"_group": group_col})
    contrasts = _contrasts(theta[counted], codes[counted], names_used, reps,
                           reference=reference, ci=ci, alpha=alpha)
    if not contrasts.empty:
        contrasts = contrasts.rename(columns={"_group": group_col})
    else:
        warnings.warn(f"{func}: no contrast: it needs two groups of {group_col!r} and one with "
                      f"at least 2 documents.", UserWarning, stacklevel=2)
        contrasts = pd.DataFrame(columns=[group_col, "reference", "topic", "prevalence",
                                          "prevalence_reference", "difference", "low", "high",
                                          "se", "z", "p_value", "n_docs", "n_docs_reference",
                                          "q_value", "significant"])

    # prevalence per group and period
    prevalence_time, empty_periods = _prevalence_time(
        theta, codes, counted & dated, period, names_used, used_freq, n_boot=n_boot, ci=ci,
        rng=np.random.default_rng([random_state, 2]), group_col=group_col)
    if empty_periods:
        warnings.warn(f"{func}: no document falls in {len(empty_periods)} period(s) of "
                      f"freq={used_freq!r} ({format_list(empty_periods, limit=5)}): they are "
                      f"gaps in the prevalence over time; a coarser 'freq' closes them.",
                      UserWarning, stacklevel=2)
    if not (counted & dated).any():
        warnings.warn(f"{func}: no counted document has a date in {date_col!r}: there is no "
                      f"prevalence over time.", UserWarning, stacklevel=2)

    # examples: overall, and per group
    example_terms = [list(dict.fromkeys(top_terms[j] + frex_terms[j])) for j in range(k)]
    parts = []
    fit_pos = corpus.fit_rows
    for j in range(k):
        best = fit_pos[np.lexsort((fit_pos, -theta[fit_pos, j]))][:n_examples]
        parts.append(_examples(docs, best, theta[best, j], j + 1, example_terms[j],
                               group_col=group_col, text_col=text_col, title_col=title_col,
                               date_col=date_col, url_col=url_col, id_col=id_col)
                     .assign(scope=ALL))
        for code, name in enumerate(names_used):
            pos = np.flatnonzero(counted & (codes == code))
            best = pos[np.lexsort((pos, -theta[pos, j]))][:n_examples]
            parts.append(_examples(docs, best, theta[best, j], j + 1, example_terms[j],
                                   group_col=group_col, text_col=text_col,
                                   title_col=title_col, date_col=date_col, url_col=url_col,
                                   id_col=id_col).assign(scope=str(name)))
    examples = pd.concat(parts, ignore_index=True)
    examples = examples[["topic", "scope", *[c for c in examples.columns
                                             if c not in ("topic", "scope")]]]

    topics = pd.DataFrame({
        "topic": np.arange(1, k + 1), "label": labels, "share": share,
        "prevalence": theta[counted].mean(axis=0) if counted.any() else np.nan,
        "top_terms": [" ".join(t) for t in top_terms],
        "frex_terms": [" ".join(t) for t in frex_terms],
        "coherence": coherence, "exclusivity": excl,
        "n_docs_top": np.bincount(fit_theta.argmax(axis=1), minlength=k)})
    terms = _terms_table(beta, corpus.terms, frex_weight, max(30, top_n))
    attrs = {**settings, "n_topics": k, "freq": used_freq, "reference": reference,
             "sweep": ks if sweep_asked else None,
             "n_fit_sample": len(train), "n_iter": fitted.n_iter,
             "n_counted": int(counted.sum()), "groups_absent": [str(g) for g in absent],
             "rule": sweep.attrs.get("rule"), "reason": sweep.attrs.get("reason")}
    out = {"topics": topics, "terms": terms, "documents": documents, "prevalence": prevalence,
           "prevalence_time": prevalence_time, "contrasts": contrasts, "examples": examples,
           "sweep": sweep}
    out = label_topics(out, None)
    for table in out.values():
        table.attrs = {**table.attrs, **attrs}
    return out


def _prevalence_time(theta: np.ndarray, codes: np.ndarray, use: np.ndarray, period: pd.Series,
                     names: list, freq: str, *, n_boot: int, ci: float,
                     rng: np.random.Generator, group_col: str) -> tuple[pd.DataFrame, list]:
    """Return the prevalence per group, period and topic, every period of the span included."""
    k = theta.shape[1]
    columns = [group_col, "period", "topic", "n_docs", "prevalence", "low", "high"]
    if not use.any():
        return pd.DataFrame(columns=columns), []
    when = period.to_numpy()[use]
    periods = pd.date_range(when.min(), when.max(), freq=FREQS[freq][1])
    empty = [f"{p:%Y-%m-%d}" for p in periods.difference(pd.DatetimeIndex(np.unique(when)))]
    slot = periods.get_indexer(pd.DatetimeIndex(when))
    th, gc = theta[use], codes[use]
    blocks = []
    for code, name in enumerate(names):
        for s, start in enumerate(periods):
            part = th[(gc == code) & (slot == s)]
            n = len(part)
            mean = part.mean(axis=0) if n else np.full(k, np.nan)
            if n > 1:
                low, high = _interval(_boot_means(part, n_boot, rng), ci)
            else:
                low = high = np.full(k, np.nan)
            blocks.append(pd.DataFrame({group_col: [name] * k, "period": start,
                                        "topic": np.arange(1, k + 1), "n_docs": n,
                                        "prevalence": mean, "low": low, "high": high}))
    return pd.concat(blocks, ignore_index=True), empty


# -- naming and provenance -------------------------------------------------------------------------


def label_topics(fit: Mapping[str, pd.DataFrame],
                 topic_names: Sequence[str] | None) -> dict[str, pd.DataFrame]:
    """Name the topics of a fit in every table (a ``label`` column beside ``topic``).

    Parameters
    ----------
    fit : dict of pandas.DataFrame
        The output of :func:`fit_topics`.
    topic_names : list of str or None
        One name per topic, in topic order (T1 first); None: each topic is
        labelled by its number and its three best FREX terms. A name is
        written after the number (``"T3 返校"``) so that it stays traceable.

    Returns
    -------
    dict of pandas.DataFrame
        The same tables (copies), each with its ``label`` column set.

    Raises
    ------
    AnalysisError
        When ``topic_names`` does not hold one non-empty string per topic.
    """
    func = "label_topics"
    if not isinstance(fit, Mapping) or "topics" not in fit:
        raise AnalysisError(f"The 'fit' parameter of {func} must be the dict fit_topics "
                            f"returns; got {type(fit).__name__}.")
    topics = fit["topics"]
    k = len(topics)
    if topic_names is None:
        labels = _default_labels([str(t).split() for t in topics["frex_terms"]])
    else:
        names = [topic_names] if isinstance(topic_names, str) else topic_names
        if not isinstance(names, (list, tuple)) or len(names) != k or not all(
                isinstance(x, str) and x.strip() for x in names):
            raise AnalysisError(f"The 'topic_names' parameter of {func} must be a list of "
                                f"{k} non-empty strings (one per topic, T1 first) or None; "
                                f"got {topic_names!r}.")
        labels = [f"T{j + 1} {x.strip()}" for j, x in enumerate(names)]
    mapping = dict(zip(topics["topic"], labels))
    out = {}
    for name, table in fit.items():
        attrs = dict(table.attrs)
        if "topic" in table.columns and name != "documents":
            table = table.drop(columns=["label"], errors="ignore")
            table.insert(int(table.columns.get_loc("topic")) + 1, "label",
                         table["topic"].map(mapping))
        else:
            table = table.copy()
        table.attrs = {**attrs, "topic_names": None if topic_names is None else list(labels)}
        out[name] = table
    return out


def topic_documents(
    fit: Mapping[str, pd.DataFrame],
    docs: pd.DataFrame,
    *,
    topic: int,
    group: Any = None,
    n: int = 10,
    counted_only: bool = True,
    group_col: str | None = None,
    text_col: str = "text",
    title_col: str | None = "title",
    date_col: str | None = "date",
    url_col: str | None = "url",
    id_col: str = "doc_id",
) -> pd.DataFrame:
    """List the documents that carry a topic most, in a group or overall, with their best sentence.

    Parameters
    ----------
    fit : dict of pandas.DataFrame
        The output of :func:`fit_topics` (its ``documents`` and ``terms``).
    docs : pandas.DataFrame
        The documents it was fitted on (texts, titles, dates, links).
    topic : int
        The topic number (1 = the largest).
    group : optional
        A value of the group column; None: every group.
    n : int, default 10
        How many documents.
    counted_only : bool, default True
        Only the documents counted in the prevalence (reposts once per group).
    group_col : str, optional
        Default: the one the fit recorded.
    text_col, title_col, date_col, url_col, id_col : str
        Columns of ``docs``.

    Returns
    -------
    pandas.DataFrame
        ``topic``, ``scope``, ``rank``, ``doc_id``, the group, ``date``,
        ``title``, ``url``, ``share`` (the document's share of the topic),
        ``sentence`` (its sentence holding most of the topic's top terms) and
        ``terms`` (those terms), largest share first.
    """
    func = "topic_documents"
    if not isinstance(fit, Mapping) or "documents" not in fit:
        raise AnalysisError(f"The 'fit' parameter of {func} must be the dict fit_topics "
                            f"returns; got {type(fit).__name__}.")
    table = fit["documents"]
    k = int(sum(c.startswith("topic_") for c in table.columns))
    check_number(topic, param="topic", func=func, low=1, high=k, integer=True)
    check_number(n, param="n", func=func, low=1, integer=True)
    group_col = table_group_col(table, group_col, func=func)
    check_column(docs, id_col, param="id_col", func=func)
    use = table["counted"].to_numpy(dtype=bool, copy=True) if counted_only else \
        table[f"topic_{topic}"].notna().to_numpy(copy=True)
    if group is not None:
        groups = sorted(table[group_col].dropna().unique(), key=str)
        if group not in groups:
            raise AnalysisError(f"The 'group' parameter of {func} must be one of "
                                f"{format_list(groups)} or None; got {group!r}.")
        use &= (table[group_col] == group).to_numpy()
    pos = np.flatnonzero(use)
    share = table[f"topic_{topic}"].to_numpy()
    best = pos[np.lexsort((pos, -share[pos]))][:n]
    rows = pd.Index(docs[id_col]).get_indexer(table["doc_id"].to_numpy()[best])
    if (rows < 0).any():
        raise AnalysisError(f"The 'docs' parameter of {func} must hold the documents of the "
                            f"fit; {int((rows < 0).sum())} are missing.")
    terms = fit["terms"] if "terms" in fit else pd.DataFrame(columns=["topic", "term"])
    mine = terms[terms["topic"] == topic]
    top_n = int(table.attrs.get("top_n", 10))
    words = list(dict.fromkeys(
        list(mine.sort_values("rank_weight")["term"][:top_n])
        + list(mine.sort_values("rank_frex")["term"][:top_n]))) if len(mine) else []
    out = _examples(docs, rows, share[best], topic, words, group_col=group_col,
                    text_col=text_col, title_col=title_col, date_col=date_col,
                    url_col=url_col, id_col=id_col)
    out.insert(1, "scope", ALL if group is None else str(group))
    if "topics" in fit and "label" in fit["topics"]:
        out.insert(1, "label", fit["topics"].set_index("topic")["label"].get(topic))
    out.attrs = {"group_col": group_col}
    return out


def strongest_contrasts(table: pd.DataFrame, *, n: int = 10,
                        significant_only: bool = True) -> pd.DataFrame:
    """Keep the largest differences of prevalence between groups.

    Parameters
    ----------
    table : pandas.DataFrame
        The ``contrasts`` table of :func:`fit_topics`.
    n : int, default 10
        How many rows.
    significant_only : bool, default True
        Only rows whose Benjamini-Hochberg q is below the fit's alpha.

    Returns
    -------
    pandas.DataFrame
        The rows, largest absolute difference first (ties by group, then
        topic); empty when none qualifies.
    """
    func = "strongest_contrasts"
    check_number(n, param="n", func=func, low=1, integer=True)
    check_column(table, "difference", param="table", func=func)
    rows = table[table["significant"].astype(bool)] if significant_only and \
        "significant" in table else table
    size = rows["difference"].abs()
    order = np.lexsort((rows["topic"].to_numpy(), rows.iloc[:, 0].astype(str).to_numpy(),
                        -size.to_numpy(dtype=float)))
    out = rows.iloc[order[:n]].reset_index(drop=True)
    out.attrs = dict(table.attrs)
    return out


# -- the methods sentence ---------------------------------------------------------------------------


_GROUP_ZH = {"institution": "机构", "region": "地区", "university_type": "高校类型"}


def _model_name(model: str, lang: str) -> str:
    if lang == "zh":
        return "潜在狄利克雷分配 LDA" if model == "lda" else "TF-IDF 加权的非负矩阵分解 NMF"
    return ("latent Dirichlet allocation (LDA; variational Bayes, priors 1/K)" if model == "lda"
            else "non-negative matrix factorisation (NMF) of TF-IDF weights")


def methods_text(record: Mapping[str, Any], lang: str = "en") -> str:
    """Write the methods sentence of a topic model or a sweep over K, from its recorded options.

    Parameters
    ----------
    record : mapping
        What :meth:`analysis.run.study.Study.run` recorded: ``analysis``
        (``topics.fit_topics`` or ``topics.topic_sweep``) and the options given.
    lang : {'en', 'zh'}, default 'en'
        English or Chinese.

    Returns
    -------
    str
    """
    check_choice(lang, ("en", "zh"), param="lang", func="methods_text")
    try:
        from sklearn import __version__ as sklearn_version
    except ImportError:  # pragma: no cover - scikit-learn is a dependency
        sklearn_version = "?"
    model = record.get("model", "lda")
    min_docs = record.get("min_docs", 5)
    share = record.get("max_doc_share", 0.5)
    top_n = record.get("top_n", 10)
    seed = record.get("random_state", 0)
    group = record.get("group_col", "institution")
    measure = _HELD_OUT_MEASURE[model]
    tol = record.get("heldout_tolerance", 0.05)
    held = record.get("heldout_share", 0.1)
    if str(record.get("analysis", "")).endswith("topic_sweep"):
        ks = _check_n_topics(record.get("n_topics", (5, 10, 15, 20, 30)), "methods_text")
        if lang == "zh":
            return (f"主题数 K 在 {{{', '.join(map(str, ks))}}} 中选择：对每个 K，留出 {held:.0%} 的文档"
                    + ("，用其一半词语推断主题构成、以另一半计算困惑度（文档补全法）"
                       if model == "lda" else "，计算其相对重构误差")
                    + f"；以每个主题概率最高的 {top_n} 个词在文档中的共现计算语义一致性（NPMI），"
                    f"并按 stm 计算排他性（FREX 权重 0.7）；在留出指标不差于最优值 {tol:.0%} 的 K 中，"
                    f"取一致性与排他性标准化得分均值最高者。")
        how = ("the perplexity of half of the words of held-out documents after inferring their "
               "topics from the other half (document completion)" if model == "lda" else
               "the relative reconstruction error of held-out documents")
        return (f"The number of topics K was chosen among {{{', '.join(map(str, ks))}}}: for "
                f"each K, {held:.0%} of the documents were held out and scored by {how}; "
                f"semantic coherence was the mean NPMI of the {top_n} most probable terms of "
                f"each topic over their document co-occurrence, and exclusivity that of stm "
                f"(FREX weight 0.7); the K with the highest mean of standardised coherence and "
                f"exclusivity among those whose held-out {measure} was within {tol:.0%} of the "
                f"best was kept.")
    k = record.get("n_topics", 10)
    k_text = str(k) if isinstance(k, Integral) else \
        f"chosen among {{{', '.join(map(str, _check_n_topics(k, 'methods_text')))}}}"
    n_boot = record.get("n_boot", 200)
    ci = record.get("ci", 0.95)
    freq = record.get("freq", "auto")
    frex_weight = record.get("frex_weight", 0.5)
    reposts = bool(record.get("reposts_once", False))
    excluded = list(record.get("exclude_terms") or [])
    if lang == "zh":
        period = "自动选择的日历区间，每条线 12 至 60 个" if freq == "auto" else \
            {"D": "日", "W": "周", "M": "月", "Q": "季度", "Y": "年"}[freq]
        unit = _GROUP_ZH.get(group, f"“{group}”")
        return (f"主题模型采用{_model_name(model, lang)}（scikit-learn {sklearn_version}，"
                f"K = {k_text}，随机种子 {seed}），"
                + ("近似重复的转载文档只拟合一次，" if reposts else "")
                + f"词表保留出现在至少 {min_docs} 篇、至多 {share:.0%} 文档中的词"
                + (f"（不含各{unit}自身的 {len(excluded)} 个名称）" if excluded else "") + "。"
                f"每个主题以概率最高的词和 FREX 词（Roberts 等 2016，排他性权重 {frex_weight}）"
                f"描述，并列出最具代表性的文档及其句子。各{unit}及各时段（{period}）的主题流行度"
                f"为文档主题比例的均值，{ci:.0%} 区间来自每个{unit}内文档的 {n_boot} 次自助"
                f"重抽样；组间差异的 p 值基于自助标准误，并对主题 × 对比用 Benjamini–Hochberg "
                f"法校正。")
    period = "calendar bins chosen to give 12 to 60 per line" if freq == "auto" else \
        FREQ_NAMES[freq] + "s"
    return (f"Topics were modelled by {_model_name(model, lang)} with scikit-learn "
            f"{sklearn_version} (K = {k_text}, seed {seed}) on the document-term counts"
            + (", near-duplicate reposts fitted once" if reposts else "")
            + f", keeping the terms found in at least {min_docs} documents and at most "
            f"{share:.0%} of them" + (f" but for {len(excluded)} names of the {group}s"
                                      if excluded else "") + ". Each topic is described by its most probable terms, its "
            f"FREX terms (Roberts et al. 2016; weight {frex_weight} on exclusivity) and the "
            f"documents and sentences that carry it most. The prevalence of a topic per "
            f"{group} and per period ({period}) is the mean of the documents' topic shares, "
            f"with {ci:.0%} percentile intervals from {n_boot} bootstrap resamples of "
            f"documents within each {group}; differences between groups have Wald p-values "
            f"from the bootstrap standard error, adjusted by Benjamini–Hochberg over topics × "
            f"contrasts.")
