"""Cache a loaded corpus on disk so that a rerun does not parse its files again.

Parsing 100,000 files takes most of a minute; reading the same documents
back from Parquet takes a second or two. The cache key is a SHA-256 of:

- every file under the source (its relative path, size and modification
  time in nanoseconds), the sidecar and the extra institution files alike, so
  that adding, removing, editing or touching any of them makes a new key;
- the options of :func:`analysis.load_corpus` that change the result;
- the source code and data of the loader itself (:data:`LOADER_FILES`), so
  that a new version of the parser never serves documents parsed by the old one.

Layout: ``<cache_dir>/corpus-<key[:24]>.parquet`` (the documents) and
``corpus-<key[:24]>.report.parquet`` (the load report), zstd, never pickle,
each written under a temporary name and renamed (the report last: a
documents file without its report is not used). A file that cannot be read
is discarded with a :class:`CorpusCacheWarning` and the corpus is parsed again.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..core.config import CACHE_DIR
from ..core.io import release_arrow_memory, write_atomically

__all__ = ["CorpusCacheWarning", "DEFAULT_CORPUS_CACHE_DIR", "LOADER_FILES", "corpus_key",
           "read_corpus_cache", "write_corpus_cache"]

DEFAULT_CORPUS_CACHE_DIR: Path = CACHE_DIR / "corpus"
SCHEME = 1  # raise when the cached layout changes
_PACKAGE = Path(__file__).resolve().parents[1]
LOADER_FILES = ("corpus/load.py", "corpus/cache.py", "corpus/document.py",
                "corpus/boilerplate.py", "corpus/dates.py", "corpus/frontmatter.py",
                "corpus/institutions.py", "corpus/sidecar.py", "corpus/tables.py",
                "corpus/textio.py", "data/institutions.txt")


class CorpusCacheWarning(UserWarning):
    """A corpus cache file could not be read or written (the corpus is parsed instead)."""


def _stat_rows(paths: Iterable[Path], root: Path) -> list[tuple[str, int, int]]:
    rows = []
    for path in paths:
        try:
            stat = path.stat()
        except OSError:  # a broken link or a file removed meanwhile: keyed as missing
            rows.append((path.relative_to(root).as_posix() if path.is_relative_to(root)
                         else str(path), -1, -1))
            continue
        rel = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
        rows.append((rel, stat.st_size, stat.st_mtime_ns))
    return rows


def _files(src: Path, follow_symlinks: bool = False) -> list[Path]:
    """Return every file and folder under src (hidden ones too), sorted.

    With ``follow_symlinks``, linked folders are searched too, each real folder once.
    """
    if src.is_file():
        return [src]
    found, seen = [], {src.resolve()}
    for folder, dirs, files in os.walk(src, followlinks=follow_symlinks):
        dirs.sort()
        here = Path(folder)
        found += [here / d for d in dirs] + [here / f for f in sorted(files)]
        if follow_symlinks:
            keep = []
            for d in dirs:
                real = (here / d).resolve()
                if real not in seen:
                    seen.add(real)
                    keep.append(d)
            dirs[:] = keep
    return found


def corpus_key(src: Path, options: Mapping[str, Any], *, extra_files: Iterable[Path] = (),
               follow_symlinks: bool = False) -> str:
    """Return the cache key of loading ``src`` with these options.

    Parameters
    ----------
    src : pathlib.Path
        The corpus folder or file.
    options : mapping
        The options of :func:`analysis.load_corpus` that change its result
        (JSON-serialisable, paths as strings).
    extra_files : iterable of pathlib.Path
        Other inputs (the sidecar, institution name files).
    follow_symlinks : bool, default False
        Key the files of linked folders too (as the loader reads them).

    Returns
    -------
    str
        A hex SHA-256.
    """
    digest = hashlib.sha256(f"corpus {SCHEME}\n".encode())
    for name in LOADER_FILES:
        digest.update(name.encode() + b"\0" + (_PACKAGE / name).read_bytes())
    digest.update(json.dumps(dict(options), sort_keys=True, default=str).encode())
    root = src.resolve()
    digest.update(str(root).encode("utf-8", "surrogateescape"))
    for rows in (_stat_rows(_files(root, follow_symlinks), root), _stat_rows(
            [Path(p).resolve() for p in extra_files], root)):
        for rel, size, mtime in rows:  # a name that is not UTF-8 keys by its bytes
            digest.update(f"\n{rel}\0{size}\0{mtime}".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def _paths(key: str, cache_dir: str | os.PathLike | None) -> tuple[Path, Path]:
    folder = DEFAULT_CORPUS_CACHE_DIR if cache_dir is None else Path(cache_dir).expanduser()
    stem = f"corpus-{key[:24]}"
    return folder / f"{stem}.parquet", folder / f"{stem}.report.parquet"


def write_corpus_cache(docs: pd.DataFrame, report: pd.DataFrame, key: str, *,
                       cache_dir: str | os.PathLike | None = None) -> Path | None:
    """Write a loaded corpus and its report to the cache, atomically.

    Parameters
    ----------
    docs, report : pandas.DataFrame
        What :func:`analysis.load_corpus` returns.
    key : str
        From :func:`corpus_key`.
    cache_dir : path-like, optional
        Default ``<project root>/.cache/corpus``.

    Returns
    -------
    pathlib.Path or None
        The documents file, or None when the frame could not be stored
        (a :class:`CorpusCacheWarning` says why).
    """
    docs_path, report_path = _paths(key, cache_dir)
    try:
        docs_path.parent.mkdir(parents=True, exist_ok=True)
        tables = []
        for frame in (docs, report):
            table = pa.Table.from_pandas(frame, preserve_index=False)
            meta = {**(table.schema.metadata or {}), b"corpus_key": key.encode()}
            tables.append(table.replace_schema_metadata(meta))
        for table, path in zip(tables, (docs_path, report_path)):
            write_atomically(path, lambda tmp, t=table: pq.write_table(t, tmp,
                                                                        compression="zstd"))
    except Exception as exc:  # a read-only folder, a full disk, an unstorable column
        warnings.warn(f"Cannot write the corpus cache {docs_path} ({exc}); the corpus is "
                      f"parsed again next time.", CorpusCacheWarning, stacklevel=3)
        return None
    return docs_path


def read_corpus_cache(key: str, *, cache_dir: str | os.PathLike | None = None
                      ) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """Read a cached corpus and its report, or return None when absent or unreadable.

    Parameters
    ----------
    key : str
        From :func:`corpus_key`.
    cache_dir : path-like, optional
        Default ``<project root>/.cache/corpus``.

    Returns
    -------
    tuple of (pandas.DataFrame, pandas.DataFrame) or None
    """
    docs_path, report_path = _paths(key, cache_dir)
    if not (docs_path.exists() and report_path.exists()):
        return None
    try:
        frames = []
        for path in (docs_path, report_path):
            table = pq.read_table(path)
            if (table.schema.metadata or {}).get(b"corpus_key") != key.encode():
                raise ValueError("the file belongs to another key")
            frames.append(table.to_pandas())
        del table
        release_arrow_memory()  # the pages of the decompressed file
    except Exception as exc:  # any damage (truncated, foreign, not Parquet): parse again
        warnings.warn(f"Discarding the unreadable corpus cache {docs_path} ({exc}); the corpus "
                      f"is parsed again.", CorpusCacheWarning, stacklevel=3)
        for path in (docs_path, report_path):
            try:
                path.unlink(missing_ok=True)
            except OSError:  # a read-only cache: it stays, and is read (and refused) again
                pass
        return None
    return frames[0], frames[1]
