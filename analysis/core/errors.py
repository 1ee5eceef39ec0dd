"""Error types and validation helpers shared by the whole package.

Every message names the parameter, what is allowed and what was given, in the
manner of scikit-learn: "The 'min_df' parameter of tfidf must be ...; got ...".
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Collection, Iterable
from numbers import Integral, Real
from typing import Any

import pandas as pd

__all__ = [
    "AnalysisError",
    "CorpusError",
    "EmptyVocabularyError",
    "FontError",
    "check_choice",
    "check_column",
    "check_number",
    "format_list",
    "suggest",
]


class AnalysisError(ValueError):
    """Base class of the errors this package raises for a user's input."""


class CorpusError(AnalysisError):
    """Raised when a corpus source cannot be read or holds no documents."""


class EmptyVocabularyError(AnalysisError):
    """Raised when filtering leaves a group or a corpus with no terms."""


class FontError(AnalysisError):
    """Raised when no font can draw the characters of a figure."""


def _where(param: str, func: str | None) -> str:
    return f"The {param!r} parameter" + (f" of {func}" if func else "")


def format_list(values: Iterable[Any], *, limit: int = 10,
                item: Callable[[Any], str] = repr, brackets: bool = True) -> str:
    """Format values for a message: the first ``limit``, then how many in all.

    The one list formatter of the package's messages and warnings.

    Parameters
    ----------
    values : iterable
        The values to show.
    limit : int, default 10
        How many to show.
    item : callable, default repr
        Formats one value.
    brackets : bool, default True
        Enclose the list in ``[...]``.

    Returns
    -------
    str

    Examples
    --------
    >>> format_list(["a", "b", "c"], limit=2)
    "['a', 'b', ... (3 in all)]"
    """
    values = list(values)
    text = ", ".join(item(v) for v in values[:limit])
    if len(values) > limit:
        text += f", ... ({len(values)} in all)"
    return f"[{text}]" if brackets else text


def suggest(name: str, known: Iterable[str]) -> str:
    """Return ``" (did you mean 'x'?)"`` for the closest known names, or ``""``.

    The one "did you mean" of the package's messages (``difflib`` closeness
    of at least 0.6, the three closest).

    Examples
    --------
    >>> suggest("min_dff", ["min_df", "max_df", "norm"])
    " (did you mean 'min_df' or 'max_df'?)"
    """
    near = difflib.get_close_matches(name, list(known), n=3, cutoff=0.6)
    return f" (did you mean {' or '.join(map(repr, near))}?)" if near else ""


def check_column(
    df: pd.DataFrame, col: str, *, param: str, func: str | None = None
) -> str:
    """Check that a column exists in a DataFrame and return its name.

    Parameters
    ----------
    df : pandas.DataFrame
        The table that should hold the column.
    col : str
        The column name given by the user.
    param : str
        The name of the parameter that carried ``col``.
    func : str, optional
        The public function the parameter belongs to, for the message.

    Returns
    -------
    str
        ``col`` unchanged.

    Raises
    ------
    AnalysisError
        If ``df`` is not a DataFrame or has no column ``col``.
    """
    if not isinstance(df, pd.DataFrame):
        raise AnalysisError(
            f"{_where('data', func)} must be a pandas DataFrame; got {type(df).__name__}."
        )
    if col not in df.columns:
        raise AnalysisError(
            f"{_where(param, func)} must be one of the columns "
            f"{format_list(map(str, df.columns), limit=40)}; got {col!r}."
        )
    return col


def check_choice(
    value: Any, allowed: Collection[Any], *, param: str, func: str | None = None
) -> Any:
    """Check that a value is one of the allowed choices and return it.

    Parameters
    ----------
    value : object
        The value given by the user.
    allowed : collection
        The accepted values.
    param : str
        The name of the parameter that carried ``value``.
    func : str, optional
        The public function the parameter belongs to, for the message.

    Returns
    -------
    object
        ``value`` unchanged.

    Raises
    ------
    AnalysisError
        If ``value`` is not in ``allowed``.
    """
    if value not in allowed:
        raise AnalysisError(
            f"{_where(param, func)} must be one of {format_list(allowed, limit=20)}; got {value!r}."
        )
    return value


def check_number(
    value: Any,
    *,
    param: str,
    func: str | None = None,
    low: float | None = None,
    high: float | None = None,
    integer: bool = False,
) -> Any:
    """Check that a value is a number within closed bounds and return it.

    Parameters
    ----------
    value : object
        The value given by the user.
    param : str
        The name of the parameter that carried ``value``.
    func : str, optional
        The public function the parameter belongs to, for the message.
    low, high : float, optional
        Inclusive bounds; ``None`` leaves that side open.
    integer : bool, default False
        Require an integer (``bool`` is never accepted).

    Returns
    -------
    int or float
        ``value`` unchanged.

    Raises
    ------
    AnalysisError
        If ``value`` has the wrong type or lies outside the bounds.
    """
    kind = Integral if integer else Real
    if isinstance(value, bool) or not isinstance(value, kind):
        what = "an integer" if integer else "a number"
        raise AnalysisError(f"{_where(param, func)} must be {what}; got {value!r}.")
    if value != value:  # NaN passes every comparison below
        raise AnalysisError(f"{_where(param, func)} must be a number, not NaN; got {value!r}.")
    if (low is not None and value < low) or (high is not None and value > high):
        lo = "-inf" if low is None else low
        hi = "inf" if high is None else high
        raise AnalysisError(
            f"{_where(param, func)} must be in the range [{lo}, {hi}]; got {value!r}."
        )
    return value
