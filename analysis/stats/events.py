"""Read dated events (a lockdown, a ministry notice) to mark on timelines.

An event file is a small YAML list of ``date``, ``label`` and optionally
``source`` (where the date comes from). The package ships sets in
``analysis/data/events/`` (:func:`event_sets`, :func:`events_path`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from ..core.config import DATA_DIR
from ..core.errors import AnalysisError

__all__ = ["event_sets", "events_path", "load_events"]


class _EventLoader(yaml.SafeLoader):
    """A safe YAML loader that leaves dates as strings, to check them one by one."""


_EventLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def event_sets() -> list[str]:
    """Return the names of the event sets shipped with the package."""
    return sorted(p.stem for p in (DATA_DIR / "events").glob("*.yaml"))


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
    shipped = event_sets()
    if isinstance(value, str) and value in shipped:
        return DATA_DIR / "events" / f"{value}.yaml"
    if not isinstance(value, (str, os.PathLike)) or not Path(value).expanduser().is_file():
        raise AnalysisError(f"The 'events' parameter must be one of the shipped event sets "
                            f"{shipped} or the path of a YAML file; got {value!r}.")
    return Path(value).expanduser().resolve()


def _event_date(value: object, where: str) -> pd.Timestamp:
    """Read one event's date, or raise naming the file and entry."""
    try:
        if not isinstance(value, str):
            raise ValueError
        return pd.Timestamp(pd.to_datetime(value, format="ISO8601"))
    except (ValueError, TypeError) as err:
        raise AnalysisError(f"{where}: 'date' must be a date such as 2020-01-23; "
                            f"got {value!r}.") from err


def load_events(path: str | os.PathLike) -> pd.DataFrame:
    """Read dated events (to annotate timelines) from a small YAML file.

    The file holds a list of mappings with keys ``date`` (YYYY-MM-DD),
    ``label`` and optionally ``source`` (where the date comes from)::

        - date: 2020-01-23
          label: Wuhan lockdown
          source: https://...

    Parameters
    ----------
    path : str or path-like
        The YAML file.

    Returns
    -------
    pandas.DataFrame
        ``date`` (datetime64), ``label`` and ``source`` (NA when absent), sorted by
        date (file order within a date).

    Raises
    ------
    AnalysisError
        If the file is missing or not YAML, or an entry is malformed; the
        message names the file and the entry (1-based) with its label.
    """
    if not os.path.isfile(path):
        raise AnalysisError(f"The 'path' parameter of load_events must be an existing YAML "
                            f"file; got {str(path)!r}.")
    name = os.path.basename(path)
    try:
        with open(path, encoding="utf-8") as fh:
            data = yaml.load(fh, Loader=_EventLoader)  # noqa: S506 (a SafeLoader)
    except (yaml.YAMLError, UnicodeDecodeError) as err:
        raise AnalysisError(f"{name}: not a readable YAML file ({err}).") from err
    if not isinstance(data, list):
        raise AnalysisError(f"{name}: must hold a list of events (- date: ..., label: ...); "
                            f"got a {type(data).__name__}.")
    rows = [_event(entry, f"{name}, entry {i}") for i, entry in enumerate(data, start=1)]
    table = pd.DataFrame(rows, columns=["date", "label", "source"])
    table["date"] = pd.to_datetime(table["date"])
    return table.sort_values("date", kind="stable").reset_index(drop=True)


def _event(entry: object, where: str) -> dict:
    """Check one event mapping and return it as a row."""
    if not isinstance(entry, dict):
        raise AnalysisError(f"{where}: must be a mapping with 'date' and 'label'; "
                            f"got {entry!r:.60}.")
    if "label" in entry:
        where = f"{where} (label {entry['label']!r})"
    unknown = sorted(set(map(str, entry)) - {"date", "label", "source"})
    missing = [k for k in ("date", "label") if entry.get(k) in (None, "")]
    if unknown or missing:
        raise AnalysisError(f"{where}: keys must be 'date', 'label' and optionally 'source'; "
                            f"missing {missing}, unknown {unknown}.")
    source = entry.get("source")
    return {"date": _event_date(entry["date"], where), "label": str(entry["label"]),
            "source": pd.NA if source is None else str(source)}
