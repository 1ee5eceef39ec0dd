"""Keep computed tables on disk, keyed by the content they depend on: the results cache.

A warm rerun should recompute nothing it has: near-duplicate pairs, bootstrap
intervals, neighbours, phrases and later analyses are stored as Parquet
files (zstd, never pickle) named by a SHA-256 of everything they depend on
(:func:`result_key`: the analysis, its settings, the documents' content and
the code that computed it). A file that cannot be read is discarded with a
:class:`ResultCacheWarning` and the table is computed again; a file that
cannot be written is reported the same way and the run goes on. Writes are
atomic (:func:`analysis.core.io.write_atomically`).

``DataFrame.attrs`` travel with the table (as JSON in the file's metadata),
so a cached table reads back exactly as it was returned. A result may also be
a dict of tables (a fitted topic model: its terms, its documents ...): each
is a Parquet file, and a small JSON index written last lists them.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .config import CACHE_DIR
from .io import write_atomically

__all__ = ["DEFAULT_RESULTS_DIR", "ResultCacheWarning", "ResultStore", "result_key"]

DEFAULT_RESULTS_DIR: Path = CACHE_DIR / "results"
SCHEME = 1  # raise when the file layout changes


class ResultCacheWarning(UserWarning):
    """A cached result could not be read (it is recomputed) or written."""


def _plain(value: Any) -> Any:
    """Turn settings into JSON values with a stable text."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_plain(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, (set, frozenset)) else items
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def result_key(name: str, settings: Mapping[str, Any], *depends: str) -> str:
    """Return the hex SHA-256 that names a result.

    Parameters
    ----------
    name : str
        The analysis (e.g. ``"near_duplicates"``).
    settings : mapping
        Its options; JSON-able values (others are written with ``str``).
    *depends : str
        Digests of what else decides the result: the documents, the
        segmenter, the code.

    Returns
    -------
    str
    """
    payload = json.dumps({"scheme": SCHEME, "name": name, "settings": _plain(settings),
                          "depends": list(depends)}, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class ResultStore:
    """Read and write result tables in a folder, by key.

    Parameters
    ----------
    folder : path-like, optional
        Default ``<project root>/.cache/results``; created on first write.
    enabled : bool, default True
        False computes every time and stores nothing.
    """

    def __init__(self, folder: str | os.PathLike | None = None, *, enabled: bool = True) -> None:
        self.folder = DEFAULT_RESULTS_DIR if folder is None else Path(folder).expanduser()
        self.enabled = enabled
        self.hits: list[str] = []
        self.misses: list[str] = []

    def path(self, name: str, key: str) -> Path:
        """Return the file of a result."""
        return self.folder / f"{name}-{key[:24]}.parquet"

    def read(self, name: str, key: str) -> pd.DataFrame | None:
        """Return the stored table, or None when absent or unreadable (then it is deleted)."""
        path = self.path(name, key)
        if not self.enabled or not path.is_file():
            return None
        try:
            table = pq.read_table(path)
            meta = table.schema.metadata or {}
            if meta.get(b"result_key", b"").decode() != key:
                raise ValueError("it belongs to another key")
            attrs = json.loads(meta.get(b"result_attrs", b"{}"))
            frame = table.to_pandas()
            for field in table.schema:  # lists come back as arrays: give back lists
                if pa.types.is_list(field.type) or pa.types.is_large_list(field.type):
                    frame[field.name] = [None if v is None else list(v)
                                         for v in frame[field.name]]
        except Exception as exc:  # noqa: BLE001 - any damaged entry is recomputed, never fatal
            warnings.warn(f"Discarding the unreadable result cache {path} ({exc}); it is "
                          f"computed again.", ResultCacheWarning, stacklevel=3)
            path.unlink(missing_ok=True)
            return None
        frame.attrs = attrs
        return frame

    def write(self, name: str, key: str, frame: pd.DataFrame) -> Path | None:
        """Store a table (and its attrs); return the file, or None when it cannot be written."""
        if not self.enabled:
            return None
        path = self.path(name, key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            table = pa.Table.from_pandas(frame, preserve_index=False)
            meta = {**(table.schema.metadata or {}), b"result_key": key.encode(),
                    b"result_attrs": json.dumps(_plain(frame.attrs), ensure_ascii=False).encode()}
            table = table.replace_schema_metadata(meta)
            write_atomically(path, lambda tmp: pq.write_table(table, tmp, compression="zstd"))
        except (OSError, pa.ArrowException, TypeError, ValueError) as exc:
            warnings.warn(f"Cannot write the result cache {path} ({exc}); it is computed again "
                          f"next time.", ResultCacheWarning, stacklevel=3)
            return None
        return path

    def read_many(self, name: str, key: str) -> dict[str, pd.DataFrame] | None:
        """Return a stored dict of tables, or None when absent or incomplete."""
        index = self.folder / f"{name}-{key[:24]}.json"
        if not self.enabled or not index.is_file():
            return None
        try:
            parts = json.loads(index.read_text(encoding="utf-8"))
            if parts.get("key") != key:
                raise ValueError("the index belongs to another key")
            out = {}
            for part in parts["parts"]:
                frame = self.read(f"{name}-{part}", key)
                if frame is None:
                    raise ValueError(f"its part {part!r} is missing")
                out[part] = frame
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            warnings.warn(f"Discarding the unreadable result cache {index} ({exc}); it is "
                          f"computed again.", ResultCacheWarning, stacklevel=3)
            index.unlink(missing_ok=True)
            return None
        return out

    def write_many(self, name: str, key: str, frames: Mapping[str, pd.DataFrame]) -> None:
        """Store a dict of tables: each part, then the index."""
        if not self.enabled:
            return
        for part, frame in frames.items():
            if self.write(f"{name}-{part}", key, frame) is None:
                return
        index = self.folder / f"{name}-{key[:24]}.json"
        try:
            write_atomically(index, lambda tmp: tmp.write_text(json.dumps(
                {"key": key, "parts": list(frames)}), encoding="utf-8"))
        except OSError as exc:
            warnings.warn(f"Cannot write the result cache {index} ({exc}).", ResultCacheWarning,
                          stacklevel=3)

    def get(self, name: str, key: str, compute: Callable[[], Any]) -> Any:
        """Return the stored result, or compute, store and return it.

        Parameters
        ----------
        name : str
            The analysis, the start of the file name.
        key : str
            From :func:`result_key`.
        compute : callable
            Makes the result when it is not stored: a DataFrame, or a dict of
            DataFrames (other results are returned and not stored).

        Returns
        -------
        pandas.DataFrame or dict of pandas.DataFrame
        """
        found = self.read(name, key)
        if found is None:
            found = self.read_many(name, key)
        if found is not None:
            self.hits.append(name)
            return found
        self.misses.append(name)
        result = compute()
        if isinstance(result, pd.DataFrame):
            self.write(name, key, result)
        elif isinstance(result, Mapping) and result and all(
                isinstance(v, pd.DataFrame) for v in result.values()):
            self.write_many(name, key, result)
        return result
