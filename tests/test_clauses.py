"""Clauses and code points: cut by Arrow, held without a Python string per clause; by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from analysis.stats.clauses import Clauses, code_points, split_clauses

# 𠀀 (U+20000) is outside the Basic Multilingual Plane: four bytes in UTF-8, one code point
TEXTS = pd.Series(["近日，学校召开会议", None, "学校召开会议。𠀀字 x"], dtype="str")


def test_distinct_clauses_with_their_documents():
    distinct, clause, doc = split_clauses(TEXTS, min_chars=2)
    assert isinstance(distinct, Clauses)
    assert len(distinct) == 3 and list(distinct) == ["近日", "学校召开会议", "𠀀字"]
    assert distinct[1] == "学校召开会议" and distinct[1:] == ["学校召开会议", "𠀀字"]
    assert clause.tolist() == [0, 1, 1, 2] and doc.tolist() == [0, 0, 2, 2]  # x is too short


def test_texts_as_python_objects_give_the_same_clauses():
    as_objects = split_clauses(TEXTS.astype(object), min_chars=2)
    as_arrow = split_clauses(TEXTS, min_chars=2)
    assert list(as_objects[0]) == list(as_arrow[0])
    assert all(np.array_equal(a, b) for a, b in zip(as_objects[1:], as_arrow[1:], strict=True))


def test_code_points_of_clauses_end_to_end():
    distinct, _, _ = split_clauses(TEXTS, min_chars=2)
    codes, piece, starts = code_points(distinct)
    assert codes.tolist() == [ord(c) for c in "近日学校召开会议𠀀字"]
    assert piece.tolist() == [0, 0, 1, 1, 1, 1, 1, 1, 2, 2]
    assert starts.tolist() == [0, 2, 8]
    from_list = code_points(["近日", "学校召开会议", "𠀀字"])
    assert all(np.array_equal(a, b) for a, b in zip(from_list, (codes, piece, starts),
                                                    strict=True))


@pytest.mark.parametrize("kind", [pa.large_string(), pa.string()])
def test_code_points_of_a_slice_start_at_its_first_clause(kind):
    """An Arrow slice keeps its parent's buffers: the offsets say where it starts."""
    clauses = Clauses(pa.array(["第一句", "第二句话", "三"], kind).slice(1))
    codes, piece, starts = code_points(clauses)
    assert codes.tobytes().decode("utf-32-le") == "第二句话三"
    assert piece.tolist() == [0, 0, 0, 0, 1] and starts.tolist() == [0, 4]
    assert code_points(Clauses(pa.array([], pa.large_string())))[0].tolist() == []
