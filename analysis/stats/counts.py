"""The one representation of counts: a sparse document-by-term matrix, and its cache.

Every statistic of :mod:`analysis.stats` (TF-IDF, keyness, timelines,
similarity and its bootstrap, neighbours) takes a :class:`TermCounts`: the
documents' term counts (CSR, int64), the vocabulary (code-point order) and
the documents' ids. None of them splits token strings again.

- :func:`term_counts` counts the ``tokens`` column of a documents table:
  the space-joined token strings are split, dictionary-encoded and counted by
  Arrow a batch at a time (:func:`count_tokens`), never as Python lists.
- :func:`corpus_counts` goes from texts to counts for a segmenter
  configuration, through a cache kept beside the token cache:
  ``counts-<key>.npz`` (the matrix, scipy's format, read without pickle) and
  ``counts-<key>.parquet`` (the vocabulary), where the key is a SHA-256 of
  the segmenter fingerprint and the texts in order. On a hit nothing is
  segmented or counted; on a miss it calls :func:`analysis.tokens.segment`
  (the token cache, the engines) and :func:`term_counts`. Both files are
  written atomically (:func:`analysis.core.io.write_atomically`).
- :meth:`TermCounts.pool` sums documents into groups (:func:`pool_rows`, the
  one pooling function); :meth:`TermCounts.align` takes the rows of a
  documents table, so counts made once for a whole corpus serve any
  selection of it.

Parallelism: segmentation pays from about 2 MB of new text (fork and
transfer cost about 0.1 s); counting does not (Arrow counts faster than the
results could be sent back), nor does anything on a warm cache.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import scipy.sparse as sp

from ..core.engines import check_engine
from ..core.errors import (
    AnalysisError,
    EmptyVocabularyError,
    check_choice,
    check_column,
    check_number,
    format_list,
)
from ..core.io import write_atomically
from ..tokens.cache import DEFAULT_CACHE_DIR, TokenCacheWarning, text_sha256
from ..tokens.segment import EmptyDocumentsWarning, as_texts, tokenize
from ..tokens.segmenter import Segmenter, SegmenterConfig

__all__ = ["TermCounts", "corpus_counts", "count_tokens", "counts_key", "load_counts",
           "counts_of", "normalize_rows", "pool_rows", "save_counts", "table_group_col",
           "term_counts", "tfidf_weights"]

COUNTS_SCHEME = 1  # raise when the file layout changes


def normalize_rows(matrix: sp.spmatrix, norm: Literal["l2", "l1"] | None = "l2"
                   ) -> sp.csr_matrix:
    """Scale each row to unit length, as ``sklearn.preprocessing.normalize`` does.

    Parameters
    ----------
    matrix : scipy.sparse matrix
        Non-negative weights.
    norm : {'l2', 'l1', None}, default 'l2'
        The length; None returns the matrix (as CSR, float64).

    Returns
    -------
    scipy.sparse.csr_matrix of float64
        Rows of length 1; an all-zero row stays zero.
    """
    out = sp.csr_matrix(matrix, dtype=np.float64, copy=True)
    if norm is None:
        return out
    squared = out.multiply(out) if norm == "l2" else abs(out)
    length = np.asarray(squared.sum(axis=1)).ravel()
    length = np.sqrt(length) if norm == "l2" else length
    length[length == 0] = 1.0
    out.data /= np.repeat(length, np.diff(out.indptr))
    return out


def tfidf_weights(matrix: sp.spmatrix, *, norm: Literal["l2", "l1"] | None = "l2",
                  smooth_idf: bool = True, sublinear_tf: bool = False
                  ) -> tuple[sp.csr_matrix, np.ndarray]:
    """Weight a count matrix by TF-IDF exactly as scikit-learn's ``TfidfTransformer``.

    ``idf = ln((1 + n) / (1 + df)) + 1`` (``ln(n / df) + 1`` without smoothing),
    ``tf`` raw or ``1 + ln(tf)``, rows normalised. Written here so that the
    statistics need no scikit-learn import (0.4 s a notebook); the tests
    compare it with scikit-learn.

    Parameters
    ----------
    matrix : scipy.sparse matrix, shape (n_units, n_terms)
        Counts.
    norm : {'l2', 'l1', None}, default 'l2'
        Row normalisation.
    smooth_idf : bool, default True
        Add one to ``n`` and ``df``.
    sublinear_tf : bool, default False
        Use ``1 + ln(tf)``.

    Returns
    -------
    weights : scipy.sparse.csr_matrix of float64
    idf : numpy.ndarray of float64, shape (n_terms,)
    """
    tf = sp.csr_matrix(matrix, dtype=np.float64, copy=True)
    if sublinear_tf:
        tf.data = np.log(tf.data) + 1
    n = tf.shape[0] + int(smooth_idf)
    df = np.bincount(tf.indices, minlength=tf.shape[1]) + int(smooth_idf)
    idf = np.log(n / df) + 1
    tf.data *= idf[tf.indices]
    return normalize_rows(tf, norm), idf


def pool_rows(matrix: sp.spmatrix, codes: np.ndarray, n_groups: int,
              weights: np.ndarray | None = None) -> sp.csr_matrix:
    """Sum the rows of a matrix into one row per group code: the one pooling function.

    Parameters
    ----------
    matrix : scipy.sparse matrix, shape (n_rows, n_terms)
        Counts or weights per document.
    codes : numpy.ndarray of int, shape (n_rows,)
        The group of each row, ``0 .. n_groups - 1``; a negative code leaves the row out.
    n_groups : int
        The number of groups.
    weights : numpy.ndarray, optional
        A multiplier per row (a bootstrap's multiplicities); default 1.

    Returns
    -------
    scipy.sparse.csr_matrix, shape (n_groups, n_terms)
        Row ``g`` is the (weighted) sum of the rows coded ``g``.
    """
    codes = np.asarray(codes)
    used = np.flatnonzero(codes >= 0)
    values = np.ones(len(used), dtype=matrix.dtype) if weights is None else \
        np.asarray(weights)[used]
    pool = sp.csr_matrix((values, (codes[used], used)), shape=(n_groups, len(codes)))
    return (pool @ matrix).tocsr()


@dataclass(frozen=True)
class TermCounts:
    """A sparse unit-by-term count matrix with its vocabulary and unit labels.

    Attributes
    ----------
    matrix : scipy.sparse.csr_matrix of int64, shape (n_units, n_terms)
        Raw counts; rows are documents (or groups after :meth:`pool`).
    vocabulary : numpy.ndarray of str, shape (n_terms,)
        The terms in code-point order.
    units : pandas.Index
        The row labels (document ids or group values).
    info : dict
        How the counts were made (cache hits, file), for provenance.
    """

    matrix: sp.csr_matrix
    vocabulary: np.ndarray
    units: pd.Index
    info: dict = field(default_factory=dict, compare=False)

    @property
    def shape(self) -> tuple[int, int]:
        """The (units, terms) shape of the matrix."""
        return self.matrix.shape

    def totals(self) -> np.ndarray:
        """Return the number of tokens of each unit."""
        return np.asarray(self.matrix.sum(axis=1)).ravel().astype(np.int64)

    def document_frequency(self) -> np.ndarray:
        """Return, for each term, the number of units holding it."""
        return np.bincount(self.matrix.indices, minlength=self.matrix.shape[1]).astype(np.int64)

    def pool(self, keys: Sequence[Hashable] | pd.Series | np.ndarray, *,
             name: str | None = None) -> TermCounts:
        """Sum the rows of each key into one row (group vectors).

        Parameters
        ----------
        keys : sequence
            One key per unit (an institution, a month); NA keys are left out.
        name : str, optional
            The name of the new units index.

        Returns
        -------
        TermCounts
            One row per distinct key, in sorted order (first-seen order when
            the keys cannot be sorted).
        """
        keys = pd.Series(np.asarray(keys, dtype=object))
        if len(keys) != self.matrix.shape[0]:
            raise AnalysisError(f"The 'keys' parameter of TermCounts.pool must give one key per "
                                f"unit ({self.matrix.shape[0]}); got {len(keys)}.")
        try:
            codes, labels = pd.factorize(keys, sort=True)
        except TypeError:  # labels of mixed types cannot be sorted
            codes, labels = pd.factorize(keys, sort=False)
        return TermCounts(pool_rows(self.matrix, codes, len(labels)), self.vocabulary,
                          pd.Index(labels, name=name), dict(self.info))

    def take(self, rows: Sequence[int] | np.ndarray) -> TermCounts:
        """Return the counts of the given row positions, in that order."""
        rows = np.asarray(rows, dtype=np.int64)
        return TermCounts(self.matrix[rows], self.vocabulary, self.units[rows], dict(self.info))

    def align(self, docs: pd.DataFrame, *, id_col: str = "doc_id",
              func: str = "TermCounts.align") -> TermCounts:
        """Return the rows of the documents of a table, in its order.

        Counts made once for a whole corpus serve every selection of it.

        Parameters
        ----------
        docs : pandas.DataFrame
            Documents whose ids are among :attr:`units`.
        id_col : str, default 'doc_id'
            Their id column; without it, the index (as :func:`term_counts` labels rows).
        func : str
            The public function named in messages.

        Returns
        -------
        TermCounts
            One row per document of ``docs``; ``self`` when already aligned.

        Raises
        ------
        AnalysisError
            When a document of ``docs`` has no row in these counts.
        """
        if id_col not in docs.columns and not isinstance(docs, pd.DataFrame):
            check_column(docs, id_col, param="id_col", func=func)
        ids = pd.Index(docs[id_col] if id_col in docs.columns else docs.index)
        if ids.equals(self.units):
            return self
        rows = self.units.get_indexer(ids) if self.units.is_unique else None
        if rows is None or (rows < 0).any():
            missing = [] if rows is None else ids[rows < 0].tolist()
            raise AnalysisError(
                f"The 'counts' parameter of {func} must hold a row for every document of "
                f"'docs' (by {id_col!r}); "
                + (f"missing {format_list(missing)}." if missing else
                   "its units are not unique.")
                + " Count these documents: term_counts(docs) or corpus_counts(docs).")
        return self.take(rows)

    def tfidf(self, *, norm: Literal["l2", "l1"] | None = "l2", smooth_idf: bool = True,
              sublinear_tf: bool = False) -> sp.csr_matrix:
        """Weight the counts by TF-IDF as scikit-learn's ``TfidfTransformer`` does.

        Parameters
        ----------
        norm : {'l2', 'l1', None}, default 'l2'
            Normalise each row.
        smooth_idf : bool, default True
            ``idf = ln((1 + n) / (1 + df)) + 1`` (else ``ln(n / df) + 1``).
        sublinear_tf : bool, default False
            Use ``1 + ln(tf)``.

        Returns
        -------
        scipy.sparse.csr_matrix of float64
            The weights, shaped like :attr:`matrix`.
        """
        check_choice(norm, ("l2", "l1", None), param="norm", func="TermCounts.tfidf")
        return tfidf_weights(self.matrix, norm=norm, smooth_idf=smooth_idf,
                             sublinear_tf=sublinear_tf)[0]

    def columns(self, terms: Sequence[str]) -> np.ndarray:
        """Return the counts of the given terms in each unit (0 for unknown terms).

        Parameters
        ----------
        terms : sequence of str
            The terms, e.g. the keywords of a timeline.

        Returns
        -------
        numpy.ndarray of int64, shape (n_units, len(terms))
        """
        where = self.positions(terms)
        out = np.zeros((self.matrix.shape[0], len(where)), dtype=np.int64)
        found = where >= 0
        if found.any():
            out[:, found] = self.matrix[:, where[found]].toarray()
        return out

    def positions(self, terms: Sequence[str]) -> np.ndarray:
        """Return the column of each term in the vocabulary, -1 for unknown terms."""
        terms = list(terms)
        at = np.searchsorted(self.vocabulary, terms) if len(self.vocabulary) else \
            np.zeros(len(terms), dtype=np.int64)
        at = np.minimum(at, max(len(self.vocabulary) - 1, 0))
        hit = np.array([len(self.vocabulary) > 0 and self.vocabulary[i] == t
                        for i, t in zip(at, terms)], dtype=bool)
        return np.where(hit, at, -1).astype(np.int64)


def _batches(values: Iterable[str], size: int) -> Iterable[list[str]]:
    iterator = iter(values)
    while batch := list(islice(iterator, size)):
        yield batch


def _count_batch(batch: list[str], vocabulary: dict[str, int]
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Return the (row, column) of every token of a batch, growing the vocabulary."""
    lists = pc.utf8_split_whitespace(pa.array(batch, pa.large_string()))
    rows = pc.list_parent_indices(lists)
    flat = pc.list_flatten(lists)
    real = pc.not_equal(pc.binary_length(flat), 0)  # leading/trailing spaces give ""
    flat, rows = pc.filter(flat, real), pc.filter(rows, real)
    encoded = pc.dictionary_encode(flat)
    local = encoded.dictionary.to_pylist()
    codes = np.fromiter((vocabulary.setdefault(t, len(vocabulary)) for t in local),
                        dtype=np.int32, count=len(local))
    return rows.to_numpy(zero_copy_only=False), codes[encoded.indices.to_numpy(
        zero_copy_only=False)]


def count_tokens(token_strings: Iterable[str], *, batch_size: int = 5_000
                 ) -> tuple[sp.csr_matrix, np.ndarray]:
    """Count the tokens of space-joined token strings, a batch at a time.

    Gives what ``CountVectorizer(analyzer=str.split, lowercase=False,
    dtype=np.int64)`` gives, without a Python list of tokens.

    Parameters
    ----------
    token_strings : iterable of str
        One string of whitespace-separated tokens per document (may be a
        generator; it is read once, ``batch_size`` documents at a time).
    batch_size : int, default 5000
        Documents split and counted at once.

    Returns
    -------
    counts : scipy.sparse.csr_matrix of int64, shape (n_docs, n_terms)
        Sorted indices, no explicit zeros.
    vocabulary : numpy.ndarray of str (object), shape (n_terms,)
        The terms in code-point order.
    """
    check_number(batch_size, param="batch_size", func="count_tokens", low=1, integer=True)
    vocabulary: dict[str, int] = {}
    indptr, indices, data, n_docs = [np.zeros(1, dtype=np.int64)], [], [], 0
    for batch in _batches(token_strings, batch_size):
        rows, cols = _count_batch(batch, vocabulary)
        part = sp.csr_matrix((np.ones(len(rows), dtype=np.int64), (rows, cols)),
                             shape=(len(batch), len(vocabulary)))
        part.sum_duplicates()
        indptr.append(part.indptr[1:].astype(np.int64) + indptr[-1][-1])
        indices.append(part.indices.astype(np.int32, copy=False))  # term codes < 2^31
        data.append(part.data)
        n_docs += len(batch)
    terms = np.array(list(vocabulary), dtype=object)
    order = pc.array_sort_indices(pa.array(terms.tolist(), pa.large_string())).to_numpy()
    rank = np.empty(len(order), dtype=np.int32)
    rank[order] = np.arange(len(order), dtype=np.int32)
    # int32 indices while they fit, as scipy would choose: no int64 copies of 10^7 entries
    cols = rank[np.concatenate(indices)] if indices else np.zeros(0, dtype=np.int32)
    indices.clear()
    values = np.concatenate(data) if data else np.zeros(0, dtype=np.int64)
    data.clear()
    starts = np.concatenate(indptr)
    if starts[-1] < np.iinfo(np.int32).max:
        starts = starts.astype(np.int32)
    else:
        cols = cols.astype(np.int64)
    matrix = sp.csr_matrix((values, cols, starts), shape=(n_docs, len(terms)), copy=False)
    matrix.has_sorted_indices = False
    matrix.sort_indices()
    return matrix, terms[order]


def counts_key(fingerprint: str, hashes: Iterable[str]) -> str:
    """Return the cache key of the counts of these texts (in order) for a segmenter."""
    digest = hashlib.sha256(f"counts {COUNTS_SCHEME} {fingerprint}\n".encode())
    for h in hashes:
        digest.update(h.encode())
    return digest.hexdigest()


def _paths(key: str, cache_dir: str | os.PathLike | None) -> tuple[Path, Path]:
    folder = DEFAULT_CACHE_DIR if cache_dir is None else Path(cache_dir).expanduser()
    stem = f"counts-{key[:24]}"
    return folder / f"{stem}.npz", folder / f"{stem}.parquet"


def save_counts(counts: TermCounts, key: str, *,
                cache_dir: str | os.PathLike | None = None) -> Path:
    """Write counts to the cache atomically: the vocabulary first, then the matrix.

    Parameters
    ----------
    counts : TermCounts
        The document counts (the unit labels are not stored).
    key : str
        The hex key (:func:`counts_key`), stored in both files.
    cache_dir : path-like, optional
        Default: the token cache folder.

    Returns
    -------
    pathlib.Path
        The ``.npz`` file.
    """
    npz, vocab = _paths(key, cache_dir)
    npz.parent.mkdir(parents=True, exist_ok=True)
    matrix = counts.matrix
    meta = {"key": key, "shape": list(matrix.shape), "nnz": int(matrix.nnz)}
    table = pa.table({"term": pa.array(counts.vocabulary.tolist(), pa.large_string())})
    table = table.replace_schema_metadata({"counts": json.dumps(meta)})
    write_atomically(vocab, lambda p: pq.write_table(table, p, compression="zstd"))
    small = sp.csr_matrix((matrix.data.astype(np.int32), matrix.indices.astype(np.int32),
                           matrix.indptr.astype(np.int64)), shape=matrix.shape)

    def write_npz(tmp: Path) -> None:
        with open(tmp, "wb") as file:  # a file object: save_npz would add ".npz" to a name
            sp.save_npz(file, small, compressed=False)

    write_atomically(npz, write_npz)
    return npz


def load_counts(key: str, *, cache_dir: str | os.PathLike | None = None
                ) -> tuple[sp.csr_matrix, np.ndarray] | None:
    """Read cached counts, or return None when absent, incomplete or unreadable.

    Parameters
    ----------
    key : str
        The hex key (:func:`counts_key`).
    cache_dir : path-like, optional
        Default: the token cache folder.

    Returns
    -------
    tuple of (scipy.sparse.csr_matrix of int64, numpy.ndarray of str) or None
    """
    npz, vocab = _paths(key, cache_dir)
    if not (npz.exists() and vocab.exists()):
        return None
    try:
        table = pq.read_table(vocab)
        meta = json.loads((table.schema.metadata or {}).get(b"counts", b"{}"))
        matrix = sp.load_npz(npz).tocsr()
        if meta.get("key") != key or list(matrix.shape) != meta.get("shape") \
                or matrix.nnz != meta.get("nnz") or table.num_rows != matrix.shape[1]:
            raise ValueError("the matrix and the vocabulary do not match")
    except Exception as exc:  # any damage: BadZipFile, a truncated array, a foreign file
        warnings.warn(f"Discarding the unreadable counts cache {npz} ({exc}); it is rebuilt.",
                      TokenCacheWarning, stacklevel=3)
        for path in (npz, vocab):
            try:
                path.unlink(missing_ok=True)
            except OSError:  # a read-only cache folder: save_counts says so
                pass
        return None
    matrix.data = matrix.data.astype(np.int64)
    return matrix, np.array(table.column("term").to_pylist(), dtype=object)


def term_counts(docs: pd.DataFrame, *, tokens_col: str = "tokens", id_col: str = "doc_id",
                batch_size: int = 5_000) -> TermCounts:
    """Count the tokens column of a documents table into a :class:`TermCounts`.

    Parameters
    ----------
    docs : pandas.DataFrame
        One row per document, with space-joined tokens (:func:`analysis.tokenize`).
    tokens_col : str, default 'tokens'
        The column of space-joined tokens; NA reads as no tokens.
    id_col : str, default 'doc_id'
        The row labels of the result (the index when absent).
    batch_size : int, default 5000
        Documents counted at once.

    Returns
    -------
    TermCounts
        One row per document, in order.

    Raises
    ------
    AnalysisError
        When the column is missing or holds something other than strings.
    """
    func = "term_counts"
    check_column(docs, tokens_col, param="tokens_col", func=func)
    texts = as_texts(docs[tokens_col], tokens_col, func=func)
    matrix, vocabulary = count_tokens(texts, batch_size=batch_size)
    units = pd.Index(docs[id_col] if id_col in docs.columns else docs.index, name=id_col)
    return TermCounts(matrix, vocabulary, units)


def table_group_col(table: pd.DataFrame, group_col: str | None, *, func: str) -> str:
    """Return the group column of a statistic's table: given, or the one it recorded.

    Every statistic of :mod:`analysis.stats` records its group column in
    ``table.attrs["group_col"]``; functions that take such a table (top terms,
    figures) use it unless ``group_col`` is given.

    Parameters
    ----------
    table : pandas.DataFrame
        A table made by a statistic (or read back from its CSV).
    group_col : str or None
        The column given by the caller.
    func : str
        The public function named in messages.

    Returns
    -------
    str
        A column of ``table``.

    Raises
    ------
    AnalysisError
        When none is given or recorded, or the column is absent.
    """
    if not isinstance(table, pd.DataFrame):
        raise AnalysisError(f"The 'table' parameter of {func} must be a pandas DataFrame; "
                            f"got {type(table).__name__}.")
    group_col = group_col if group_col is not None else table.attrs.get("group_col")
    if group_col is None:
        raise AnalysisError(f"The 'group_col' parameter of {func} must name the table's group "
                            f"column (the table records none, e.g. it was read from a CSV); "
                            f"got None.")
    return check_column(table, group_col, param="group_col", func=func)


def counts_of(docs: pd.DataFrame, counts: TermCounts | None, *, tokens_col: str = "tokens",
              id_col: str = "doc_id", func: str) -> TermCounts:
    """Return the counts of a documents table: ``counts`` aligned to it, or its tokens counted.

    The entry point of every statistic: given counts are only re-ordered
    (:meth:`TermCounts.align`), never recounted.

    Parameters
    ----------
    docs : pandas.DataFrame
        The documents.
    counts : TermCounts or None
        Counts holding every document of ``docs``; None counts ``tokens_col``.
    tokens_col, id_col : str
        Column names.
    func : str
        The public function named in messages.

    Returns
    -------
    TermCounts
        One row per document of ``docs``, in order.

    Raises
    ------
    EmptyVocabularyError
        When no document has a token.
    """
    if counts is None:
        check_column(docs, tokens_col, param="tokens_col", func=func)
        counts = term_counts(docs, tokens_col=tokens_col, id_col=id_col)
    elif not isinstance(counts, TermCounts):
        raise AnalysisError(f"The 'counts' parameter of {func} must be a TermCounts or None; "
                            f"got {type(counts).__name__}.")
    else:
        counts = counts.align(docs, id_col=id_col, func=func)
    if counts.matrix.nnz == 0:
        raise EmptyVocabularyError(
            f"{func}: no document holds a token (of {counts.matrix.shape[0]} documents used); "
            f"tokenize the corpus first or relax the tokenizer's filters (stop words, "
            f"minimum length).")
    return counts


def corpus_counts(
    docs: pd.DataFrame,
    *,
    text_col: str = "text",
    id_col: str = "doc_id",
    config: SegmenterConfig | None = None,
    cache_dir: str | os.PathLike | None = None,
    use_cache: bool = True,
    engine: str = "local",
    n_jobs: int | None = None,
    scheduler: str | None = None,
    batch_size: int = 5_000,
) -> TermCounts:
    """Segment a corpus (through the token cache) and count terms per document, cached.

    Parameters
    ----------
    docs : pandas.DataFrame
        One row per document.
    text_col : str, default 'text'
        The texts; NA reads as an empty text.
    id_col : str, default 'doc_id'
        The row labels of the result (the index when absent).
    config : SegmenterConfig, optional
        Segmentation and filters; default ``SegmenterConfig()``.
    cache_dir : path-like, optional
        Token and counts cache folder; default ``<project root>/.cache/tokens``.
    use_cache : bool, default True
        Read and write both caches.
    engine, n_jobs, scheduler
        Where texts missing from the token cache are segmented
        (:func:`analysis.tokens.segment`); the counts are the same whatever the engine.
    batch_size : int, default 5000
        Documents counted at once.

    Returns
    -------
    TermCounts
        One row per document, in order, labelled by ``id_col``; ``info`` holds
        ``counts_cache`` ("hit", "miss" or None), ``path``, and the token
        cache's ``hits`` and ``misses`` on a counts cache miss.
    """
    func = "corpus_counts"
    check_column(docs, text_col, param="text_col", func=func)
    check_choice(use_cache, (True, False), param="use_cache", func=func)
    check_engine(engine, scheduler, func=func)
    if n_jobs is not None:
        check_number(n_jobs, param="n_jobs", func=func, low=1, integer=True)
    check_number(batch_size, param="batch_size", func=func, low=1, integer=True)
    segmenter = Segmenter(config)
    units = pd.Index(docs[id_col] if id_col in docs.columns else docs.index, name=id_col)
    key = counts_key(segmenter.fingerprint,
                     map(text_sha256, as_texts(docs[text_col], text_col, func=func)))
    path = str(_paths(key, cache_dir)[0]) if use_cache else None
    found = load_counts(key, cache_dir=cache_dir) if use_cache else None
    if found is not None:
        return TermCounts(found[0], found[1], units, {"counts_cache": "hit", "path": path})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EmptyDocumentsWarning)  # an empty row is a count too
        tokens = tokenize(docs[[text_col]], text_col=text_col, config=segmenter.config,
                          cache_dir=cache_dir, use_cache=use_cache, engine=engine,
                          n_jobs=n_jobs, scheduler=scheduler)
    stats = tokens.attrs["token_cache"]
    matrix, vocabulary = count_tokens(tokens["tokens"], batch_size=batch_size)
    del tokens
    counts = TermCounts(matrix, vocabulary, units,
                        {"counts_cache": "miss" if use_cache else None, "path": path,
                         "hits": stats["hits"], "misses": stats["misses"]})
    if use_cache:
        try:
            save_counts(counts, key, cache_dir=cache_dir)
        except OSError as exc:
            warnings.warn(f"Cannot write the counts cache ({exc}).", TokenCacheWarning,
                          stacklevel=2)
    return counts
