"""Cache segmented tokens on disk so that reruns do not segment again.

Layout: one Parquet file (zstd, never pickle) per segmenter fingerprint,
``<cache_dir>/tokens-<fingerprint[:24]>.parquet``, with the columns
``text_sha256`` (SHA-256 of the UTF-8 text) and ``tokens`` (space-joined); the
full fingerprint and the segmenter's description are in the file's metadata.
A change of the configuration, the dictionaries or the stop words changes the
fingerprint, hence the file; a change of one text changes its hash, so only
that text is segmented again.

Writes are atomic: the merged table goes to a temporary file in the same
folder, then replaces the cache file, so an interrupted run never leaves a
corrupt cache. An unreadable cache file is discarded with a
:class:`TokenCacheWarning` and rebuilt. Old entries stay in the file until
:func:`clear_token_cache` removes the files.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import warnings
from collections.abc import Callable, Mapping, Sequence
from itertools import islice
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from ..core.config import CACHE_DIR
from ..core.errors import AnalysisError
from ..core.io import release_arrow_memory, write_atomically

__all__ = ["DEFAULT_CACHE_DIR", "TokenCacheWarning", "cache_path", "cached_tokens",
           "clear_token_cache", "text_sha256"]

DEFAULT_CACHE_DIR: Path = CACHE_DIR / "tokens"
_LOG = logging.getLogger(__name__)
WRITE_ROWS = 10_000  # token cache rows converted and written at once


class TokenCacheWarning(UserWarning):
    """Warned when a token cache file is unreadable (and rebuilt) or cannot be written."""


def text_sha256(text: str) -> str:
    """Return the hex SHA-256 of a text's UTF-8 bytes."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def cache_path(fingerprint: str, cache_dir: str | os.PathLike | None = None) -> Path:
    """Return the cache file of a segmenter fingerprint.

    Parameters
    ----------
    fingerprint : str
        The hex fingerprint of a :class:`analysis.tokens.segmenter.SegmenterConfig`.
    cache_dir : path-like, optional
        The cache folder; default :data:`DEFAULT_CACHE_DIR`.

    Returns
    -------
    pathlib.Path
        ``<cache_dir>/tokens-<fingerprint[:24]>.parquet``.
    """
    folder = DEFAULT_CACHE_DIR if cache_dir is None else Path(cache_dir).expanduser()
    if folder.exists() and not folder.is_dir():
        raise AnalysisError(f"The 'cache_dir' parameter must name a folder; {str(folder)!r} "
                            f"is a file.")
    return folder / f"tokens-{fingerprint[:24]}.parquet"


def _read(path: Path, fingerprint: str) -> dict[str, str]:
    """Return the cached tokens by text hash; discard an unreadable file."""
    if not path.exists():
        return {}
    try:
        table = pq.read_table(path, columns=["text_sha256", "tokens"])
        found = (table.schema.metadata or {}).get(b"fingerprint", b"").decode()
        if found != fingerprint:
            raise ValueError(f"it belongs to fingerprint {found[:24]!r}")
        hashes, tokens = (table.column(c).to_pylist() for c in ("text_sha256", "tokens"))
        if not all(isinstance(h, str) and isinstance(t, str) for h, t in zip(hashes, tokens)):
            raise ValueError("it holds missing values")
        del table
        release_arrow_memory()  # the pages of the decompressed file
    except Exception as exc:  # any damage (truncated, foreign, not Parquet): rebuild
        warnings.warn(f"Discarding the unreadable token cache {path} ({exc}); it is rebuilt.",
                      TokenCacheWarning, stacklevel=4)
        try:
            path.unlink(missing_ok=True)
        except OSError:  # a read-only cache folder: the write below says so
            pass
        return {}
    return dict(zip(hashes, tokens))


def _write(path: Path, entries: Mapping[str, str], fingerprint: str,
           metadata: Mapping[str, Any]) -> None:
    """Write the entries to a temporary file and move it over the cache file.

    The entries are converted and written ``WRITE_ROWS`` at a time (one row
    group each), so that no second copy of 10^5 token strings is built.
    """
    schema = pa.schema([("text_sha256", pa.string()), ("tokens", pa.large_string())])
    schema = schema.with_metadata({
        "fingerprint": fingerprint,
        "segmenter": json.dumps(dict(metadata), ensure_ascii=False, default=str)})

    def write(tmp: Path) -> None:
        with pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
            items = iter(entries.items())
            while chunk := list(islice(items, WRITE_ROWS)):
                hashes, tokens = zip(*chunk)
                writer.write_table(pa.table([pa.array(hashes, pa.string()),
                                             pa.array(tokens, pa.large_string())], schema=schema))

    write_atomically(path, write)


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


def cached_tokens(
    texts: Sequence[str],
    segment: Callable[[list[str]], list[str]],
    *,
    fingerprint: str,
    cache_dir: str | os.PathLike | None = None,
    use_cache: bool = True,
    metadata: Mapping[str, Any] | None = None,
) -> tuple[list[str], dict[str, Any]]:
    """Return the tokens of each text, segmenting only texts not in the cache.

    Parameters
    ----------
    texts : sequence of str
        The texts; equal texts are segmented once.
    segment : callable
        Maps a list of texts to a list of space-joined token strings.
    fingerprint : str
        The segmenter fingerprint that keys the cache file.
    cache_dir : path-like, optional
        The cache folder; default :data:`DEFAULT_CACHE_DIR` (created if needed).
    use_cache : bool, default True
        False segments every text and neither reads nor writes the cache.
    metadata : mapping, optional
        Description of the segmenter, stored in the file's metadata.

    Returns
    -------
    tokens : list of str
        The space-joined tokens of each text, in order.
    stats : dict
        ``hits`` and ``misses`` (distinct texts found in the cache and
        segmented), ``n_texts`` and ``path`` (str, or None without cache).
    """
    hashes = [text_sha256(t) for t in texts]
    distinct = dict(zip(hashes, texts))
    path = cache_path(fingerprint, cache_dir) if use_cache else None
    known: dict[str, str] = {}
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            warnings.warn(f"Cannot create the token cache folder {path.parent} ({exc}); "
                          f"segmenting without cache.", TokenCacheWarning, stacklevel=3)
            path = None
    stamp = None
    if path is not None:
        known = _read(path, fingerprint)
        stamp = _stamp(path)
    missing = [h for h in distinct if h not in known]
    new = dict(zip(missing, segment([distinct[h] for h in missing]))) if missing else {}
    if path is not None and new:
        merged = (_read(path, fingerprint) if _stamp(path) != stamp else known) | new
        try:
            _write(path, merged, fingerprint, metadata or {})
        except (OSError, pa.ArrowException) as exc:
            warnings.warn(f"Cannot write the token cache {path} ({exc}); the texts are "
                          f"segmented again next time.", TokenCacheWarning, stacklevel=3)
    stats = {"hits": len(distinct) - len(missing), "misses": len(missing),
             "n_texts": len(texts), "path": None if path is None else str(path)}
    _LOG.info("token cache %s: %d hits, %d misses", stats["path"], stats["hits"],
              stats["misses"])
    found = known | new
    return [found[h] for h in hashes], stats


def clear_token_cache(cache_dir: str | os.PathLike | None = None) -> int:
    """Delete the token cache files of a folder.

    Parameters
    ----------
    cache_dir : path-like, optional
        The cache folder; default :data:`DEFAULT_CACHE_DIR`.

    Returns
    -------
    int
        The number of files deleted.
    """
    folder = DEFAULT_CACHE_DIR if cache_dir is None else Path(cache_dir).expanduser()
    files = list(folder.glob("tokens-*.parquet")) + list(folder.glob(".tokens-*.tmp"))
    for file in files:
        file.unlink(missing_ok=True)
    return len(files)
