"""Validate the parameters notebooks share and select the documents they name.

Each notebook's ``parameters`` cell holds literal defaults; the next cell calls
:func:`check_params`, which resolves ``None`` defaults to the project's folders
and stops with a message naming the parameter, what is allowed and what was given.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd

from .config import DATA_DIR, FIGURES_DIR, SEEDS_DIR
from .engines import check_engine
from .errors import AnalysisError, check_number

__all__ = ["check_params", "events_path", "select_documents", "FORMATS"]

FORMATS = ("png", "svg", "pdf")


def _date(value: Any, name: str) -> pd.Timestamp | None:
    if value is None:
        return None
    try:
        return pd.Timestamp(value)
    except (ValueError, TypeError) as err:
        raise AnalysisError(f"The {name!r} parameter must be a date such as '2020-02-01' or None; "
                            f"got {value!r}.") from err


def _str_list(value: Any, name: str) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value) or not value:
        raise AnalysisError(f"The {name!r} parameter must be a non-empty list of strings or None; "
                            f"got {value!r}.")
    return list(value)


def check_params(**params: Any) -> SimpleNamespace:
    """Validate notebook parameters and resolve their ``None`` defaults.

    Parameters
    ----------
    **params
        Any of ``corpus_dir``, ``metadata``, ``output_dir``, ``cache_dir``
        (paths or None), ``formats`` (subset of png/svg/pdf), ``institutions``
        and ``keywords`` (lists of str or None), ``date_from``/``date_to``
        (dates or None), ``top_n`` (int >= 1), ``random_state`` (int >= 0),
        ``events`` (a shipped event set's name or a YAML path, see :func:`events_path`),
        ``engine`` and ``scheduler`` (see :func:`analysis.engines.check_engine`).
        Other names are passed through unchanged.

    Returns
    -------
    types.SimpleNamespace
        The values, with paths resolved (``corpus_dir`` defaults to
        ``seeds/``, ``output_dir`` to ``figures/``; ``cache_dir=None`` stays None so
        each cache uses its own folder under ``.cache/``).

    Raises
    ------
    AnalysisError
        For a missing corpus or metadata file, unknown formats, a reversed
        date range, or a value of the wrong type.
    """
    out = dict(params)
    if "corpus_dir" in params:
        corpus = Path(params["corpus_dir"] or SEEDS_DIR).expanduser()
        if not corpus.exists():
            raise AnalysisError(f"The 'corpus_dir' parameter must name an existing folder or table; "
                                f"got {str(corpus)!r} (resolved to {corpus.resolve()}).")
        out["corpus_dir"] = corpus.resolve()
    if params.get("metadata") is not None:
        meta = Path(params["metadata"]).expanduser()
        if not meta.is_file():
            raise AnalysisError(f"The 'metadata' parameter must name a CSV file or be None; "
                                f"got {str(meta)!r}.")
        out["metadata"] = meta.resolve()
    if "output_dir" in params:
        out["output_dir"] = Path(params["output_dir"] or FIGURES_DIR).expanduser().resolve()
        out["output_dir"].mkdir(parents=True, exist_ok=True)
    if params.get("cache_dir") is not None:
        out["cache_dir"] = Path(params["cache_dir"]).expanduser().resolve()
    if "engine" in params or "scheduler" in params:
        out["engine"] = params.get("engine", "local")
        out["scheduler"] = params.get("scheduler")
        check_engine(out["engine"], out["scheduler"], func="the notebook")
    if params.get("events") is not None:
        out["events"] = events_path(params["events"])
    if "formats" in params:
        formats = _str_list(params["formats"], "formats") or []
        bad = [f for f in formats if f not in FORMATS]
        if bad or not formats:
            raise AnalysisError(f"The 'formats' parameter must be a non-empty list drawn from "
                                f"{list(FORMATS)}; got {params['formats']!r}.")
        out["formats"] = tuple(formats)
    for name in ("institutions", "keywords"):
        if name in params:
            out[name] = _str_list(params[name], name)
    for name in ("date_from", "date_to"):
        if name in params:
            out[name] = _date(params[name], name)
    if out.get("date_from") is not None and out.get("date_to") is not None \
            and out["date_from"] > out["date_to"]:
        raise AnalysisError(f"The 'date_from' parameter ({params['date_from']}) must not be after "
                            f"'date_to' ({params['date_to']}).")
    if "top_n" in params:
        check_number(params["top_n"], param="top_n", low=1, integer=True)
    if "random_state" in params:
        check_number(params["random_state"], param="random_state", low=0, integer=True)
    return SimpleNamespace(**out)


def events_path(value: Any) -> Path:
    """Resolve an ``events`` parameter: a shipped events set's name, or a YAML path.

    Parameters
    ----------
    value : str or path-like
        A name such as ``"covid19-education"`` (a file in ``analysis/data/events/``)
        or the path of a YAML file of ``date``, ``label``, ``source`` entries.

    Returns
    -------
    pathlib.Path
        The events file.

    Raises
    ------
    AnalysisError
        When neither a shipped set nor a file of that name exists.
    """
    shipped = sorted(p.stem for p in (DATA_DIR / "events").glob("*.yaml"))
    if isinstance(value, str) and value in shipped:
        return DATA_DIR / "events" / f"{value}.yaml"
    path = Path(value).expanduser()
    if not path.is_file():
        raise AnalysisError(f"The 'events' parameter must be one of the shipped event sets "
                            f"{shipped} or the path of a YAML file; got {value!r}.")
    return path.resolve()


def select_documents(
    docs: pd.DataFrame,
    *,
    institutions: list[str] | None = None,
    date_from: pd.Timestamp | None = None,
    date_to: pd.Timestamp | None = None,
    group_col: str = "institution",
    date_col: str = "date",
) -> pd.DataFrame:
    """Keep the documents of the chosen groups and date range.

    Parameters
    ----------
    docs : pandas.DataFrame
        Loaded documents.
    institutions : list of str, optional
        Values of ``group_col`` to keep; None keeps all.
    date_from, date_to : pandas.Timestamp, optional
        Inclusive bounds on ``date_col``; documents without a date are
        dropped when a bound is given.
    group_col, date_col : str
        Column names.

    Returns
    -------
    pandas.DataFrame
        The selected documents.

    Raises
    ------
    AnalysisError
        When a named group does not exist (the message lists those that do)
        or the range holds no document (the message gives the corpus's range).
    """
    if institutions is not None:
        present = sorted(docs[group_col].dropna().astype(str).unique())
        missing = [i for i in institutions if i not in present]
        if missing:
            raise AnalysisError(f"The 'institutions' parameter must name values of {group_col!r} "
                                f"among {present}; got unknown {missing}.")
        docs = docs[docs[group_col].isin(institutions)]
    if date_from is not None or date_to is not None:
        dates = docs[date_col]
        keep = dates.notna()
        keep &= dates >= date_from if date_from is not None else keep
        keep &= dates <= date_to + pd.Timedelta(days=1) - pd.Timedelta(1) if date_to is not None else keep
        if not keep.any():
            lo, hi = dates.min(), dates.max()
            raise AnalysisError(
                f"No document lies between date_from={date_from} and date_to={date_to}; "
                f"the corpus runs from {lo:%Y-%m-%d} to {hi:%Y-%m-%d}." if pd.notna(lo)
                else "No document has a date; remove date_from/date_to.")
        docs = docs[keep]
    return docs.reset_index(drop=True)
