"""Cut texts into clauses and code points, for statistics that read characters.

A clause is a maximal run of letters, digits and marks: any punctuation,
``、`` and spaces included, ends it. Phrases (:mod:`analysis.stats.phrases`)
and new-word candidates (:mod:`analysis.stats.newwords`) never cross one.
Each distinct clause is kept once with the documents that hold it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import overload

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..core.io import release_arrow_memory

__all__ = ["CLAUSE_BREAK", "Clauses", "code_points", "split_clauses"]

CLAUSE_BREAK = r"[^\p{L}\p{N}\p{M}]+"
"""What ends a clause (RE2 syntax): any character but a letter, a digit or a mark."""


class Clauses(Sequence[str]):
    """Hold distinct clauses in one Arrow string array; ``len`` and ``[i]`` as for a list of str.

    A Python string per clause would cost about 60 bytes of overhead each (a
    few million clauses at 100,000 documents), and joining them again for
    :func:`code_points` a copy of the whole text: the array keeps them end to
    end, as Arrow cut them.
    """

    def __init__(self, values: pa.Array) -> None:
        self.values = values

    def __len__(self) -> int:
        return len(self.values)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return self.values[index].to_pylist()
        return self.values[index].as_py()


def split_clauses(texts: pd.Series, min_chars: int = 1
                  ) -> tuple[Clauses, np.ndarray, np.ndarray]:
    """Cut texts into clauses, with Arrow (no Python string for any text or clause).

    Parameters
    ----------
    texts : pandas.Series of str
        The texts; NA has no clause.
    min_chars : int, default 1
        Clauses shorter than this are dropped.

    Returns
    -------
    distinct : Clauses
        Each distinct clause once (a sequence of str).
    clause : numpy.ndarray of int64
        For every (clause occurrence), its index in ``distinct``...
    doc : numpy.ndarray of int64
        ... and the position of its text in ``texts``.
    """
    values = pa.array(texts, type=pa.large_string(), from_pandas=True)  # Arrow-backed: no copy
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    lists = pc.split_pattern_regex(values, pattern=CLAUSE_BREAK)
    owner = pc.list_parent_indices(lists)
    flat = pc.list_flatten(lists)
    keep = pc.greater_equal(pc.utf8_length(flat), max(min_chars, 1))
    flat, owner = pc.filter(flat, keep), pc.filter(owner, keep)
    encoded = pc.dictionary_encode(flat)
    found = (Clauses(encoded.dictionary),
             encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64),
             owner.to_numpy(zero_copy_only=False).astype(np.int64))
    del values, lists, owner, flat, keep, encoded
    release_arrow_memory()  # what the cuts used
    return found


def code_points(distinct: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the code points of clauses end to end, each position's clause, and clause starts.

    Parameters
    ----------
    distinct : Clauses or sequence of str
        The clauses.

    Returns
    -------
    codes : numpy.ndarray of uint32
    piece : numpy.ndarray of int32
        The clause of each code point.
    starts : numpy.ndarray of int64
        Where each clause starts in ``codes``.
    """
    if isinstance(distinct, Clauses):
        values = distinct.values.cast(pa.large_string())  # int64 offsets
        lengths = pc.utf8_length(values).to_numpy(zero_copy_only=False).astype(np.int64)
        text = ""
        if len(values):  # the clauses end to end are one slice of the UTF-8 buffer
            offsets = np.frombuffer(values.buffers()[1], dtype=np.int64,
                                    count=len(values) + 1, offset=8 * values.offset)
            text = str(memoryview(values.buffers()[2])[offsets[0]:offsets[-1]], "utf-8")
    else:
        lengths = np.fromiter(map(len, distinct), dtype=np.int64, count=len(distinct))
        text = "".join(distinct)
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    piece = np.repeat(np.arange(len(lengths), dtype=np.int32), lengths)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]) if len(lengths) else lengths
    return codes, piece, starts.astype(np.int64)
