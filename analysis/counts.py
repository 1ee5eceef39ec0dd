"""Count terms per document in a sparse matrix, in batches, cached on disk.

For a big corpus the tokens are never held as Python lists: the space-joined
token strings are split, dictionary-encoded and counted by Arrow a batch at a
time into a CSR document-by-term matrix (:func:`count_tokens`, the one way
:func:`analysis.tfidf.count_matrix` builds counts too). :func:`corpus_counts`
goes from texts to counts: texts already segmented come from the token cache
(:mod:`analysis.cache`), the others are segmented by
:func:`analysis.tokens.segment_texts` (forked worker processes that inherit
the dictionary loaded in the parent, or a Dask cluster), and the result is
cached next to the token cache as ``counts-<key>.npz`` (the matrix, scipy's
format, read without pickle) and ``counts-<key>.parquet`` (the vocabulary),
where the key is a SHA-256 of the segmenter fingerprint and the texts in
order. Both files are written under a temporary name and renamed, so an
interrupted run never leaves a corrupt cache.

A :class:`TermCounts` (matrix, vocabulary, row labels) gives group vectors
(:meth:`~TermCounts.pool`), TF-IDF weights (:meth:`~TermCounts.tfidf`), the
counts of chosen terms for timelines (:meth:`~TermCounts.columns`) and row
totals; pooled rows are the ``a``, ``b``, ``c``, ``d`` of
:func:`analysis.keyness.log_likelihood`.

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
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import scipy.sparse as sp

from .cache import (DEFAULT_CACHE_DIR, TokenCacheWarning, cached_tokens, text_sha256,
                    write_atomically)
from .engines import check_engine
from .errors import AnalysisError, check_choice, check_column, check_number

if TYPE_CHECKING:
    from .tokens import Segmenter, SegmenterConfig

__all__ = ["TermCounts", "corpus_counts", "count_tokens", "counts_key", "load_counts",
           "save_counts"]

COUNTS_SCHEME = 1  # raise when the file layout changes


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

    def totals(self) -> np.ndarray:
        """Return the number of tokens of each unit."""
        return np.asarray(self.matrix.sum(axis=1)).ravel()

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
            One row per distinct key, in sorted order.
        """
        keys = pd.Series(np.asarray(keys, dtype=object))
        if len(keys) != self.matrix.shape[0]:
            raise AnalysisError(f"The 'keys' parameter of TermCounts.pool must give one key per "
                                f"unit ({self.matrix.shape[0]}); got {len(keys)}.")
        codes, labels = pd.factorize(keys, sort=True)
        used = np.flatnonzero(codes >= 0)
        pool = sp.csr_matrix((np.ones(len(used), dtype=np.int64), (codes[used], used)),
                             shape=(len(labels), len(codes)))
        return TermCounts((pool @ self.matrix).tocsr(), self.vocabulary,
                          pd.Index(labels, name=name))

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
        from sklearn.feature_extraction.text import TfidfTransformer

        check_choice(norm, ("l2", "l1", None), param="norm", func="TermCounts.tfidf")
        transformer = TfidfTransformer(norm=norm, smooth_idf=smooth_idf,
                                       sublinear_tf=sublinear_tf)
        return transformer.fit_transform(self.matrix).tocsr()

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
        position = {t: i for i, t in enumerate(self.vocabulary)}
        where = np.array([position.get(t, -1) for t in terms], dtype=np.int64)
        out = np.zeros((self.matrix.shape[0], len(where)), dtype=np.int64)
        found = where >= 0
        if found.any():
            out[:, found] = self.matrix[:, where[found]].toarray()
        return out


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
    except (OSError, ValueError, KeyError, pa.ArrowException) as exc:
        warnings.warn(f"Discarding the unreadable counts cache {npz} ({exc}); it is rebuilt.",
                      TokenCacheWarning, stacklevel=3)
        npz.unlink(missing_ok=True)
        vocab.unlink(missing_ok=True)
        return None
    matrix.data = matrix.data.astype(np.int64)
    return matrix, np.array(table.column("term").to_pylist(), dtype=object)


def corpus_counts(
    corpus: pd.DataFrame,
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
    """Segment a corpus (through the token cache) and count terms per document.

    Parameters
    ----------
    corpus : pandas.DataFrame
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
    engine : {'local', 'dask'}, default 'local'
        Where the texts missing from the token cache are segmented: worker
        processes of this machine or a Dask cluster (:mod:`analysis.engines`);
        the counts are made here, the same whatever the engine.
    n_jobs : int, optional
        Worker processes for segmentation; default 2 (or the cores available,
        if fewer) when there are more than about 2 MB of texts to segment.
    scheduler : str, optional
        A Dask scheduler address; default a local cluster (``engine='dask'`` only).
    batch_size : int, default 5000
        Documents counted at once.

    Returns
    -------
    TermCounts
        One row per document, in order, labelled by ``id_col``; ``info`` holds
        ``counts_cache`` ("hit", "miss" or None), ``path``, and the token
        cache's ``hits`` and ``misses`` on a counts cache miss.
    """
    from .tokens import Segmenter, _texts, segment_texts

    func = "corpus_counts"
    check_column(corpus, text_col, param="text_col", func=func)
    check_choice(use_cache, (True, False), param="use_cache", func=func)
    check_engine(engine, scheduler, func=func)
    if n_jobs is not None:
        check_number(n_jobs, param="n_jobs", func=func, low=1, integer=True)
    segmenter = Segmenter(config)
    texts = _texts(corpus[text_col], text_col)
    units = pd.Index(corpus[id_col] if id_col in corpus.columns else corpus.index,
                     name=id_col)
    key = counts_key(segmenter.fingerprint, map(text_sha256, texts))
    found = load_counts(key, cache_dir=cache_dir) if use_cache else None
    if found is not None:
        return TermCounts(found[0], found[1], units,
                          {"counts_cache": "hit", "path": str(_paths(key, cache_dir)[0])})
    def segment(missing: list[str]) -> list[str]:
        return segment_texts(segmenter, missing, engine=engine, n_jobs=n_jobs,
                             scheduler=scheduler, caller=func)

    tokens, stats = cached_tokens(texts, segment,
                              fingerprint=segmenter.fingerprint, cache_dir=cache_dir,
                              use_cache=use_cache, metadata=segmenter.describe())
    del texts  # 10^5 document strings not held while counting
    matrix, vocabulary = count_tokens(tokens, batch_size=batch_size)
    del tokens
    counts = TermCounts(matrix, vocabulary, units,
                        {"counts_cache": "miss" if use_cache else None,
                         "path": str(_paths(key, cache_dir)[0]) if use_cache else None,
                         "hits": stats["hits"], "misses": stats["misses"]})
    if use_cache:
        try:
            save_counts(counts, key, cache_dir=cache_dir)
        except OSError as exc:
            warnings.warn(f"Cannot write the counts cache ({exc}).", TokenCacheWarning,
                          stacklevel=2)
    return counts
