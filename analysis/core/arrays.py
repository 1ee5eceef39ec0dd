"""Array helpers the statistics share."""

from __future__ import annotations

import numpy as np

__all__ = ["sorted_distinct"]


def sorted_distinct(values: np.ndarray) -> np.ndarray:
    """Return the distinct values of a 1-d array in ascending order, as ``np.unique`` does.

    Parameters
    ----------
    values : numpy.ndarray
        One dimension: integers, or any orderable dtype without NaN (each NaN
        would stay, where ``np.unique`` keeps one).

    Returns
    -------
    numpy.ndarray
        The same array ``np.unique(values)`` returns.

    Decisions: numpy 2.4's ``np.unique`` finds integers' distinct values with
    a hash table before sorting them: on 1.3 M int64 (the (clause, document)
    pairs of 20,000 documents) it took 0.35 to 0.9 s where a sort and a
    comparison of neighbours take 0.015 s.
    """
    values = np.asarray(values).ravel()
    if not len(values):
        return values.copy()
    ordered = np.sort(values)
    return ordered[np.concatenate([[True], ordered[1:] != ordered[:-1]])]
