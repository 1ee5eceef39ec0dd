"""Array helpers: the same results as numpy's own functions."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.core.arrays import sorted_distinct


@pytest.mark.parametrize("values", [
    np.array([5, 3, 5, 1, 3, 3], dtype=np.int64),
    np.array([], dtype=np.int64),
    np.array([7], dtype=np.int32),
    np.array([2**63 - 1, -2**63, 0, 2**63 - 1], dtype=np.int64),
    np.array([3, 1, 2], dtype=np.uint64),
    np.random.default_rng(0).integers(0, 1_000, 10_000) * 20_000,
    np.array([0.5, -1.0, 0.5]),
])
def test_sorted_distinct_is_np_unique(values):
    got = sorted_distinct(values)
    want = np.unique(values)
    assert got.dtype == want.dtype and got.tolist() == want.tolist()


def test_sorted_distinct_by_hand():
    assert sorted_distinct(np.array([4, 1, 4, 2, 1])).tolist() == [1, 2, 4]
