"""Check every notebook parameter, once, before any work: the parameter registry.

Each notebook declares its parameters with literal defaults in its
``parameters`` cell; this module holds what each *name* accepts
(:data:`PARAMETERS`), so that the runner (before any notebook runs) and the
:class:`~analysis.run.study.Study` (before the corpus loads) give the same
one-line message: the parameter, what is allowed, what was given. A name no
notebook knows gets the closest known names ("did you mean ...").

:class:`StudyParams` is the frozen, validated form of the parameters every
notebook shares (corpus, selection, group column, outputs, caches, engine).
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from numbers import Integral, Real
from pathlib import Path
from typing import Any

import pandas as pd

from ..core.config import LAB_FIGURES_DIR, SEEDS_DIR
from ..core.dates import as_date
from ..core.engines import ENGINES, check_engine
from ..core.errors import AnalysisError, suggest
from ..stats.coding import dictionary_parameter
from ..stats.events import event_sets, events_path

__all__ = ["FORMATS", "PARAMETERS", "SHARED", "StudyParams", "check_parameter",
           "validate_parameters"]

FORMATS = ("png", "svg", "pdf")
USERDICT_NAME = "userdict.txt"
"""A user dictionary beside the corpus is read without being named (like metadata.csv)."""


def _fail(name: str, allowed: str, value: Any) -> AnalysisError:
    return AnalysisError(f"The {name!r} parameter must be {allowed}; got {value!r}.")


def _int(low: int, high: int | None = None) -> Callable[[str, Any], int]:
    def check(name: str, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, Integral) \
                or value < low or (high is not None and value > high):
            rng = f">= {low}" if high is None else f"in [{low}, {high}]"
            raise _fail(name, f"an integer {rng}", value)
        return int(value)
    return check


def _real(low: float, high: float, *, open_low: bool = False, open_high: bool = False
          ) -> Callable[[str, Any], float]:
    def check(name: str, value: Any) -> float:
        ok = isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(value)
        ok = ok and (value > low if open_low else value >= low)
        ok = ok and (value < high if open_high else value <= high)
        if not ok:
            left, right = "(" if open_low else "[", ")" if open_high else "]"
            raise _fail(name, f"a finite number in {left}{low}, {high}{right}", value)
        return float(value)
    return check


def _choice(*allowed: Any) -> Callable[[str, Any], Any]:
    def check(name: str, value: Any) -> Any:
        if isinstance(value, bool) or value not in allowed:
            raise _fail(name, f"one of {list(allowed)}", value)
        return value
    return check


def _bool(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise _fail(name, "True or False", value)
    return value


def _text(none: bool) -> Callable[[str, Any], str | None]:
    def check(name: str, value: Any) -> str | None:
        if value is None and none:
            return None
        if not isinstance(value, str) or not value.strip():
            raise _fail(name, "a non-empty string" + (" or None" if none else ""), value)
        return value
    return check


def _texts(name: str, value: Any) -> list[str] | None:
    if value is None:
        return None
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)) or not items \
            or not all(isinstance(v, str) and v.strip() for v in items):
        raise _fail(name, "a non-empty list of strings, e.g. [a, b], or None", value)
    return list(items)


def _path(kind: str) -> Callable[[str, Any], Path | None]:
    def check(name: str, value: Any) -> Path | None:
        if value is None:
            return None
        if not isinstance(value, (str, os.PathLike)) or not str(value).strip():
            raise _fail(name, f"the path of a {kind} or None", value)
        path = Path(value).expanduser()
        if kind == "corpus" and not path.exists():
            raise AnalysisError(f"The {name!r} parameter must name an existing folder or "
                                f".csv/.jsonl/.parquet table; got {str(value)!r} (resolved to "
                                f"{path.resolve()}).")
        if kind == "file" and not path.is_file():
            raise AnalysisError(f"The {name!r} parameter must name an existing CSV file or be "
                                f"None; got {str(value)!r}.")
        if kind == "folder" and path.exists() and not path.is_dir():
            raise AnalysisError(f"The {name!r} parameter must name a folder; {str(value)!r} "
                                f"is a file.")
        return path.resolve()
    return check


def _date(name: str, value: Any) -> pd.Timestamp | None:
    if isinstance(value, str) and not any(c.isdigit() for c in value):
        # 'today', 'now', 'yesterday': a bound that moves with the day the notebook runs
        raise _fail(name, "a date such as '2020-02-01' (text or a date), or None", value)
    return as_date(value, param=name)


def _date_format(name: str, value: Any) -> str | None:
    if value is None or value in ("epoch_s", "epoch_ms") or (isinstance(value, str)
                                                             and "%" in value):
        return value
    raise _fail(name, "None, 'epoch_ms', 'epoch_s' or a strptime pattern such as '%d/%m/%Y'",
                value)


def _formats(name: str, value: Any) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)) or not items or any(f not in FORMATS for f in items):
        raise _fail(name, f"a non-empty list drawn from {list(FORMATS)}", value)
    return tuple(dict.fromkeys(items))


def _min_df(name: str, value: Any) -> float:
    if isinstance(value, Integral) and not isinstance(value, bool) and value >= 0:
        return int(value)
    if isinstance(value, Real) and not isinstance(value, bool) and 0 <= value <= 1:
        return float(value)
    raise _fail(name, "an int >= 0 (a number of groups) or a float in [0.0, 1.0] (a share)",
                value)


def _events(name: str, value: Any) -> Path | None:
    if value is None:
        return None
    try:
        return events_path(value)
    except AnalysisError:
        raise _fail(name, f"one of the shipped event sets {event_sets()}, the path of a YAML "
                          f"file, or None", value) from None


@dataclass(frozen=True)
class _Param:
    check: Callable[[str, Any], Any]
    help: str


PARAMETERS: dict[str, _Param] = {
    # shared by every notebook
    "corpus_dir": _Param(_path("corpus"), "folder of documents or a .csv/.jsonl/.parquet table"),
    "metadata": _Param(_path("file"), "sidecar CSV (doc_id or path + any columns)"),
    "text_col": _Param(_text(False), "the column of texts in a table of articles"),
    "title_col": _Param(_text(True), "the column of titles in a table of articles"),
    "date_col": _Param(_text(True), "the column of dates in a table of articles"),
    "institution_col": _Param(_text(True), "the column of institutions in a table of articles"),
    "id_col": _Param(_text(True), "the column of document ids in a table of articles"),
    "date_format": _Param(_date_format, "how a table writes its dates"),
    "institutions": _Param(_texts, "institutions to keep"),
    "date_from": _Param(_date, "first date kept"),
    "date_to": _Param(_date, "last date kept"),
    "group_col": _Param(_text(False), "column to compare"),
    "output_dir": _Param(_path("folder"), "where figures go"),
    "formats": _Param(_formats, "figure formats"),
    "cache_dir": _Param(_path("folder"), "cache folder"),
    "engine": _Param(_choice(*ENGINES), "where files are read and segmented"),
    "scheduler": _Param(_text(True), "dask scheduler address"),
    "aliases": _Param(_path("file"), "YAML or CSV of names each group goes by"),
    "userdict": _Param(_path("file"), "the corpus's own user dictionary"),
    # per notebook
    "freq": _Param(_choice("auto", "D", "W", "M", "Q", "Y"),
                   "period: auto (12 to 60 bins), D day, W week, M month, Q quarter, Y year"),
    "rolling": _Param(lambda n, v: None if v is None else _int(1)(n, v),
                      "bins of the rolling rate"),
    "drop_names": _Param(_bool, "leave person and place names out of the figures"),
    "min_log_ratio": _Param(lambda n, v: None if v is None else _real(-10, 10)(n, v),
                            "characteristic terms: over-used at least 2**this times"),
    "min_docs": _Param(_int(1), "a term drawn must be in this many documents of the group"),
    "top_n": _Param(_int(1), "items drawn per group"),
    "min_df": _Param(_min_df, "fewest groups (int) or share of groups (float) holding a term"),
    "sublinear_tf": _Param(_bool, "1 + log(tf) instead of tf"),
    "kwic_term": _Param(_text(True), "term whose concordance is shown"),
    "random_state": _Param(_int(0), "seed"),
    "min_freq": _Param(_int(1), "fewest occurrences of a term tested"),
    "alpha": _Param(_real(0, 1, open_low=True, open_high=True), "significance level"),
    "keywords": _Param(_texts, "terms to follow"),
    "value": _Param(_choice("rate", "count"), "drawn value"),
    "events": _Param(_events, "event set or YAML file"),
    "pooling": _Param(_choice("pooled", "mean"), "how documents make a group vector"),
    "duplicate_threshold": _Param(_real(0, 1, open_low=True), "Jaccard threshold of reposts"),
    "n_boot": _Param(_int(1), "bootstrap resamples"),
    "neighbours": _Param(_int(1), "nearest documents per document"),
    "neighbours_max_docs": _Param(_int(1), "documents whose neighbours are listed"),
    "min_chars": _Param(_int(2), "shortest phrase in characters"),
    "max_chars": _Param(_int(2), "longest shared run followed, in characters"),
    "min_groups": _Param(_int(2), "fewest groups using a phrase"),
    # --- 07_topics (topics by group and over time): add entries below this line ---
    "n_topics": _Param(lambda n, v: [_int(2)(n, k) for k in v] if isinstance(v, list) and v
                       else _int(2)(n, v), "numbers of topics tried (a list) or K"),
    "topic_model": _Param(_choice("lda", "nmf"), "topic model: LDA or NMF"),
    "topic_min_docs": _Param(_int(1), "a term enters the topic model if in this many documents"),
    "topic_max_share": _Param(_real(0, 1, open_low=True), "... and in at most this share"),
    "topic_names": _Param(_texts, "names of the topics, T1 first"),
    "topics_over_time": _Param(lambda n, v: None if v is None else [
        _int(1)(n, k) for k in (v if isinstance(v, list) and v else [v])],
        "topics drawn over time (numbers)"),
    # --- 08_collocations, 09_cowords, 10_dictionary: add entries below this line ---
    "window": _Param(_int(1, 10), "collocations: pairs of tokens at most this many apart in "
                                  "a sentence (adjacent pairs always scored too)"),
    "score": _Param(_choice("log_dice", "g2", "mi", "t_score"),
                    "collocations: the association score that ranks the pairs"),
    "n_candidates": _Param(_int(1), "multi-word candidates shown for the user dictionary"),
    "unit": _Param(_choice("sentence", "document"), "co-words: where two terms must meet"),
    "edge_weight": _Param(_choice("jaccard", "ochiai", "association"),
                          "co-words: the edge weight that ranks the pairs"),
    "max_terms": _Param(_int(2, 1000), "co-words: candidate terms per group (the most widespread)"),
    "edge_stability": _Param(_real(0, 1), "co-words: share of bootstrap resamples that keep an "
                                          "edge for it to be drawn solid"),
    "dictionary": _Param(dictionary_parameter, "coding dictionary: a shipped name or a YAML file"),
    "kwic_category": _Param(_text(True), "category whose hits are shown in context; None: the "
                                         "category of the first hit"),
    # --- the term explorer: add entries below this line ---
    "explorer_terms": _Param(_int(2), "terms per view of the explorer"),
    "explorer_groups": _Param(_int(2), "largest groups the explorer compares (rest and pairs)"),
    "explorer_lines": _Param(_int(0), "concordance lines per term in the explorer"),
    "explorer_window": _Param(_int(1), "characters each side of an explorer line"),
}
"""What every notebook parameter accepts, by name."""

SHARED = ("corpus_dir", "metadata", "text_col", "title_col", "date_col", "institution_col",
          "id_col", "date_format", "institutions", "date_from", "date_to", "group_col",
          "aliases", "userdict", "output_dir", "formats", "cache_dir", "engine", "scheduler")
"""The parameters every notebook declares: the fields of :class:`StudyParams`."""


def check_parameter(name: str, value: Any) -> Any:
    """Check one notebook parameter and return its normalised value.

    Parameters
    ----------
    name : str
        A name of :data:`PARAMETERS`.
    value : object
        The value given.

    Returns
    -------
    object
        The value, normalised (paths resolved, dates as Timestamps, lists as lists).

    Raises
    ------
    AnalysisError
        For an unknown name (with the closest known ones) or a value it does not accept.
    """
    if name not in PARAMETERS:
        raise AnalysisError(f"Unknown parameter {name!r}{suggest(name, list(PARAMETERS))}; the "
                            f"notebooks know {sorted(PARAMETERS)}.")
    return PARAMETERS[name].check(name, value)


def validate_parameters(params: Mapping[str, Any]) -> dict[str, Any]:
    """Check a set of notebook parameters together and return them normalised.

    Besides each value (:func:`check_parameter`): ``date_from`` not after
    ``date_to``, ``max_chars`` not below ``min_chars``, a ``scheduler`` only with
    ``engine='dask'``.

    Parameters
    ----------
    params : mapping
        Name -> value.

    Returns
    -------
    dict
        Name -> normalised value, in the given order.

    Raises
    ------
    AnalysisError
        For the first parameter that is wrong.
    """
    out = {name: check_parameter(name, value) for name, value in params.items()}
    lo, hi = out.get("date_from"), out.get("date_to")
    if lo is not None and hi is not None and lo.normalize() > hi.normalize():
        raise AnalysisError(f"The 'date_from' parameter ({lo:%Y-%m-%d}) must not be after "
                            f"'date_to' ({hi:%Y-%m-%d}).")
    if out.get("max_chars") is not None and out.get("min_chars") is not None \
            and out["max_chars"] < out["min_chars"]:
        raise AnalysisError(f"The 'max_chars' parameter must be >= min_chars="
                            f"{out['min_chars']}; got {out['max_chars']}.")
    if "scheduler" in out or "engine" in out:
        check_engine(out.get("engine", "local"), out.get("scheduler"), func="the notebooks")
    return out


def _plain(value: Any) -> Any:
    """Turn a normalised value back into what a notebook parameter holds (JSON-able)."""
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, (pd.Timestamp, dt.date)):
        return f"{value:%Y-%m-%d}" if not getattr(value, "hour", 0) and \
            not getattr(value, "minute", 0) else pd.Timestamp(value).isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


@dataclass(frozen=True)
class StudyParams:
    """The validated parameters every notebook shares.

    Build it with :meth:`from_mapping`, which checks every value
    (:func:`validate_parameters`) and resolves the ``None`` defaults: the
    corpus to ``seeds/`` and the output folder to ``figures/lab/``, which git
    ignores, so a notebook run by hand never rewrites the committed figures
    (the runner passes its ``--out``, ``figures/`` by default). The cache
    folder stays None: each cache then uses its own folder under ``.cache/``.
    """

    corpus_dir: Path = SEEDS_DIR
    metadata: Path | None = None
    text_col: str = "text"
    title_col: str | None = "title"
    date_col: str | None = "date"
    institution_col: str | None = "institution"
    id_col: str | None = "doc_id"
    date_format: str | None = None
    institutions: tuple[str, ...] | None = None
    date_from: pd.Timestamp | None = None
    date_to: pd.Timestamp | None = None
    group_col: str = "institution"
    aliases: Path | None = None
    userdict: Path | None = None
    output_dir: Path = LAB_FIGURES_DIR
    formats: tuple[str, ...] = FORMATS
    cache_dir: Path | None = None
    engine: str = "local"
    scheduler: str | None = None

    @classmethod
    def from_mapping(cls, params: Mapping[str, Any]) -> StudyParams:
        """Validate shared parameters (missing ones take their defaults).

        Parameters
        ----------
        params : mapping
            Any of the fields; other names are an error.

        Returns
        -------
        StudyParams

        Raises
        ------
        AnalysisError
            For an unknown name or a value that is not accepted.
        """
        unknown = [n for n in params if n not in SHARED]
        if unknown:
            name = unknown[0]
            raise AnalysisError(f"Unknown parameter {name!r}{suggest(name, SHARED)}; a Study "
                                f"takes {list(SHARED)}.")
        values = validate_parameters(params)
        values["corpus_dir"] = values.get("corpus_dir") or SEEDS_DIR
        found = values["corpus_dir"] / USERDICT_NAME
        if values.get("userdict") is None and values["corpus_dir"].is_dir() and found.is_file():
            values["userdict"] = found.resolve()  # the corpus's own dictionary, found
        values["output_dir"] = values.get("output_dir") or LAB_FIGURES_DIR
        if values.get("institutions") is not None:
            values["institutions"] = tuple(values["institutions"])
        return cls(**{k: v for k, v in values.items() if v is not None or k in
                      ("metadata", "cache_dir", "scheduler", "date_from", "date_to",
                       "institutions", "aliases", "userdict", "title_col", "date_col",
                       "institution_col", "id_col", "date_format")})

    def as_dict(self) -> dict[str, Any]:
        """Return the parameters as plain values (paths and dates as strings)."""
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self)}
