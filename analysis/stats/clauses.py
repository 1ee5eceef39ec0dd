"""Cut texts into clauses and code points, for statistics that read characters.

A clause is a maximal run of letters, digits and marks: any punctuation,
``、`` and spaces included, ends it. Phrases (:mod:`analysis.stats.phrases`)
and new-word candidates (:mod:`analysis.stats.newwords`) never cross one.
Each distinct clause is kept once with the documents that hold it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["CLAUSE_BREAK", "code_points", "split_clauses"]

CLAUSE_BREAK = r"[^\p{L}\p{N}\p{M}]+"
"""What ends a clause (RE2 syntax): any character but a letter, a digit or a mark."""


def split_clauses(texts: pd.Series, min_chars: int = 1
                  ) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Cut texts into clauses, with Arrow (no Python list of every clause).

    Parameters
    ----------
    texts : pandas.Series of str
        The texts; NA has no clause.
    min_chars : int, default 1
        Clauses shorter than this are dropped.

    Returns
    -------
    distinct : list of str
        Each distinct clause once.
    clause : numpy.ndarray of int64
        For every (clause occurrence), its index in ``distinct``...
    doc : numpy.ndarray of int64
        ... and the position of its text in ``texts``.
    """
    values = pa.array(texts.tolist(), pa.large_string(), from_pandas=True)
    lists = pc.split_pattern_regex(values, pattern=CLAUSE_BREAK)
    owner = pc.list_parent_indices(lists)
    flat = pc.list_flatten(lists)
    keep = pc.greater_equal(pc.utf8_length(flat), max(min_chars, 1))
    flat, owner = pc.filter(flat, keep), pc.filter(owner, keep)
    encoded = pc.dictionary_encode(flat)
    return (encoded.dictionary.to_pylist(),
            encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64),
            owner.to_numpy(zero_copy_only=False).astype(np.int64))


def code_points(distinct: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the code points of clauses end to end, each position's clause, and clause starts.

    Parameters
    ----------
    distinct : list of str
        The clauses.

    Returns
    -------
    codes : numpy.ndarray of uint32
    piece : numpy.ndarray of int64
        The clause of each code point.
    starts : numpy.ndarray of int64
        Where each clause starts in ``codes``.
    """
    lengths = np.fromiter(map(len, distinct), dtype=np.int64, count=len(distinct))
    codes = np.frombuffer("".join(distinct).encode("utf-32-le"), dtype=np.uint32)
    piece = np.repeat(np.arange(len(distinct), dtype=np.int64), lengths)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]) if len(lengths) else lengths
    return codes, piece, starts.astype(np.int64)
