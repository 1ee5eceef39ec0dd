"""Segment a corpus into a column of tokens, through the token cache and in parallel.

:func:`tokenize` adds to a documents table a column of space-joined tokens
(one string a document: 10^5 documents cost one Arrow string array, not 10^7
Python strings), cut by a :class:`~analysis.tokens.segmenter.Segmenter`.
Texts already segmented with the same configuration come from the token cache
(:mod:`analysis.tokens.cache`); the others are segmented by
:func:`segment_texts`, in forked worker processes or on a Dask cluster where
it pays (:mod:`analysis.core.engines`). :func:`token_lengths` counts the
tokens of each string with Arrow.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..core.engines import check_engine, default_jobs, map_batches
from ..core.progress import progress
from ..core.errors import AnalysisError, check_choice, check_column, check_number, format_list
from .cache import cached_tokens
from .segmenter import Segmenter, SegmenterConfig

__all__ = ["EmptyDocumentsWarning", "PARALLEL_MIN_CHARS", "as_texts", "segment_texts",
           "token_lengths", "tokenize"]

PARALLEL_MIN_CHARS = 700_000  # about 2 MB of Chinese text: below it one process is faster
TEXTS_PER_TASK = 256  # texts sent to a worker at once


class EmptyDocumentsWarning(UserWarning):
    """Warned when documents have no token left after filtering."""


def as_texts(values: pd.Series, text_col: str, *, func: str = "tokenize") -> list[str]:
    """Return a column of texts as a list of str, NA read as an empty text.

    Parameters
    ----------
    values : pandas.Series
        The column.
    text_col : str
        Its name, for the message.
    func : str, default 'tokenize'
        The public function named in the message.

    Returns
    -------
    list of str

    Raises
    ------
    AnalysisError
        When a value is neither a string nor missing (the message names the row).
    """
    texts = []
    for label, value in values.items():
        if isinstance(value, str):
            texts.append(value)
        elif value is None or value is pd.NA or (isinstance(value, float) and value != value):
            texts.append("")
        else:
            raise AnalysisError(f"The {text_col!r} column given as 'text_col' of {func} must "
                                f"hold strings; row {label!r} holds a {type(value).__name__}: "
                                f"{value!r:.60}.")
    return texts


def segment_texts(segmenter: Segmenter, texts: list[str], *, engine: str = "local",
                  n_jobs: int | None = None, scheduler: str | None = None,
                  caller: str = "segment_texts") -> list[str]:
    """Segment texts into space-joined token strings, in parallel where it pays.

    Parameters
    ----------
    segmenter : Segmenter
        The segmenter; with the local engine its dictionary is loaded here
        first, so that the forked workers inherit it.
    texts : list of str
        The texts.
    engine : {'local', 'dask'}, default 'local'
        Forked processes of this machine or a Dask cluster (:mod:`analysis.core.engines`).
    n_jobs : int, optional
        Worker processes. Default for the local engine: :func:`analysis.core.engines.default_jobs`
        from :data:`PARALLEL_MIN_CHARS` characters of text on (below that,
        forking costs more than it saves), else 1.
    scheduler : str, optional
        A Dask scheduler address; default a local cluster (``engine='dask'`` only).
    caller : str, default 'segment_texts'
        The public function named in error messages.

    Returns
    -------
    list of str
        One string per text, in order.
    """
    check_engine(engine, scheduler, func=caller)
    if n_jobs is not None:
        check_number(n_jobs, param="n_jobs", func=caller, low=1, integer=True)
    if engine == "local":
        if n_jobs is None:
            n_jobs = default_jobs() if sum(map(len, texts)) >= PARALLEL_MIN_CHARS else 1
        if n_jobs <= 1 or len(texts) <= TEXTS_PER_TASK:
            return segmenter.join_many(texts)
        segmenter.backend  # loaded in the parent: the forked workers inherit it
    batches = [texts[i:i + TEXTS_PER_TASK] for i in range(0, len(texts), TEXTS_PER_TASK)]
    parts = map_batches(segmenter.join_many, batches, engine=engine, n_jobs=n_jobs,
                        scheduler=scheduler, caller=caller)
    return [t for part in progress(parts, total=len(batches), desc="segmenting",
                                   unit="batch") for t in part]


def tokenize(
    docs: pd.DataFrame,
    *,
    text_col: str = "text",
    tokens_col: str = "tokens",
    config: SegmenterConfig | None = None,
    cache_dir: str | os.PathLike | None = None,
    use_cache: bool = True,
    engine: str = "local",
    n_jobs: int | None = None,
    scheduler: str | None = None,
) -> pd.DataFrame:
    """Add a column of space-joined tokens to a copy of the documents.

    Parameters
    ----------
    docs : pandas.DataFrame
        One row per document.
    text_col : str, default 'text'
        The column of texts; NA reads as an empty text.
    tokens_col : str, default 'tokens'
        The column to write (replaced if present; must differ from ``text_col``).
    config : SegmenterConfig, optional
        Segmentation and filters; default ``SegmenterConfig()``.
    cache_dir : path-like, optional
        Token cache folder; default ``<project root>/.cache/tokens``.
    use_cache : bool, default True
        Read and write the token cache; False segments everything.
    engine : {'local', 'dask'}, default 'local'
        Where the texts missing from the cache are segmented: worker processes
        of this machine, or a Dask cluster (:mod:`analysis.core.engines`). The
        tokens are the same.
    n_jobs : int, optional
        Worker processes; default 2 (or fewer cores) from about 2 MB of text
        to segment, else 1 (see :func:`segment_texts`).
    scheduler : str, optional
        A Dask scheduler address such as ``tcp://10.0.0.5:8786``; default a
        local cluster on this machine (``engine='dask'`` only).

    Returns
    -------
    pandas.DataFrame
        A copy of ``docs`` with ``tokens_col`` (str; ``""`` for a document
        with no token). ``attrs["token_cache"]`` holds the cache ``hits`` and
        ``misses`` (distinct texts) and the cache ``path``;
        ``attrs["empty_documents"]`` the ids (``doc_id`` or index) of documents
        with no token, also named in an :class:`EmptyDocumentsWarning`;
        ``attrs["segmenter"]`` the configuration and its fingerprint.
    """
    func = "tokenize"
    check_column(docs, text_col, param="text_col", func=func)
    if not isinstance(tokens_col, str) or not tokens_col or tokens_col == text_col:
        raise AnalysisError(f"The 'tokens_col' parameter of {func} must be a non-empty column "
                            f"name other than text_col={text_col!r}; got {tokens_col!r}.")
    check_choice(use_cache, (True, False), param="use_cache", func=func)
    check_engine(engine, scheduler, func=func)
    if n_jobs is not None:
        check_number(n_jobs, param="n_jobs", func=func, low=1, integer=True)
    segmenter = Segmenter(config)
    texts = as_texts(docs[text_col], text_col, func=func)

    def segment(missing: list[str]) -> list[str]:
        return segment_texts(segmenter, missing, engine=engine, n_jobs=n_jobs,
                             scheduler=scheduler, caller=func)

    tokens, stats = cached_tokens(texts, segment, fingerprint=segmenter.fingerprint,
                                  cache_dir=cache_dir, use_cache=use_cache,
                                  metadata=segmenter.describe())
    out = docs.copy()
    out[tokens_col] = pd.Series(tokens, index=docs.index, dtype="str")
    ids = docs["doc_id"].tolist() if "doc_id" in docs.columns else docs.index.tolist()
    empty = [ids[i] for i, t in enumerate(tokens) if not t]
    if empty:
        warnings.warn(f"{func}: {len(empty)} document(s) have no token left after filtering "
                      f"(empty, or only stop words, numbers and punctuation): "
                      f"{format_list(empty)}; they "
                      f"get an empty {tokens_col!r} string.", EmptyDocumentsWarning, stacklevel=2)
    out.attrs = {**docs.attrs, "token_cache": stats, "empty_documents": empty,
                 "segmenter": segmenter.describe()}
    return out


def token_lengths(tokens: pd.Series | Iterable[str]) -> np.ndarray:
    """Count the tokens of each space-joined token string, with Arrow.

    ``tokens.str.split().str.len()`` builds a Python list per document: 7 s and
    gigabytes for 10^5 documents; this takes about 1.5 s.

    Parameters
    ----------
    tokens : pandas.Series or iterable of str
        Space-joined tokens (the ``tokens`` column of :func:`tokenize`); NA counts 0.

    Returns
    -------
    numpy.ndarray of int64
        The number of tokens of each string, in order.

    Examples
    --------
    >>> token_lengths(["防控 疫情 工作", "", " 开学 ", None]).tolist()
    [3, 0, 1, 0]
    """
    values = (pa.array(tokens, from_pandas=True) if isinstance(tokens, pd.Series)
              else pa.array(list(tokens), pa.large_string()))
    lists = pc.utf8_split_whitespace(values)
    parent = pc.list_parent_indices(lists).to_numpy(zero_copy_only=False)
    real = pc.not_equal(pc.binary_length(pc.list_flatten(lists)), 0)  # "" from edge spaces
    return np.bincount(parent[real.to_numpy(zero_copy_only=False)],
                       minlength=len(values)).astype(np.int64)
