"""Save a figure with the data behind it and a record of how it was made.

:func:`save_figure` writes ``NAME.png``, ``NAME.svg``, ``NAME.pdf`` and
``NAME.csv`` (the tidy table drawn) into the output folder and an entry
``NAME`` in ``manifest.json`` beside them: the files and their SHA-256, the
parameters, the corpus fingerprint (:func:`analysis.corpus.fingerprint.corpus_fingerprint`), the fonts,
and the versions of Python and the packages that decide the output.

Reruns are byte-identical, so committed figures can be checked with
``make figures && git diff --exit-code figures/``: the SVG ids use a fixed
salt, no file carries a date or a software version (the manifest records the
versions), PDF fonts are embedded as TrueType (Type 42) subsets, the manifest
has sorted keys, relative paths and no timestamp.

The git commit is *not* recorded by default. Figures and manifest are
committed together, so git already ties them to the commit that holds them;
the HEAD seen while drawing is the commit *before* that one, and storing it
would make every rerun after any new commit differ from the committed
manifest. Set ``record_commit=True`` (or the environment variable
``ANALYSIS_RECORD_COMMIT=1``) for figures that are not committed, e.g. a run
on another corpus into another folder: the entry then holds ``git_commit``
(``git rev-parse HEAD`` in the project, ``None`` outside a repository) and
``git_dirty`` (uncommitted changes present).
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import subprocess
import warnings
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from importlib import metadata
from pathlib import Path, PurePath
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..core.config import FIGURES_DIR, PROJ_ROOT
from ..core.errors import AnalysisError, check_choice, check_number
from ..core.io import file_lock, write_atomically, write_text
from ..corpus.fingerprint import corpus_fingerprint
from .fonts import check_figure_fonts
from .style import SVG_HASHSALT

__all__ = [
    "FORMATS",
    "MANIFEST",
    "NOTEBOOK_ENV",
    "file_sha256",
    "git_state",
    "package_versions",
    "portable",
    "read_manifest",
    "save_figure",
    "saved_entry",
    "update_manifest",
]

NOTEBOOK_ENV = "ANALYSIS_NOTEBOOK"
"""The environment variable the runner sets in a notebook's kernel: the notebook's name."""

FORMATS = ("png", "svg", "pdf")
MANIFEST = "manifest.json"
VERSIONED = ("pandas", "numpy", "matplotlib", "jieba", "scikit-learn", "wordcloud",
             "fonttools", "pillow", "justmytype-intl-cjk")
"""Distributions whose versions the manifest records (when installed)."""

_SAVE_RC = {"svg.hashsalt": SVG_HASHSALT, "svg.fonttype": "path", "pdf.fonttype": 42,
            "ps.fonttype": 42}
_METADATA: dict[str, dict[str, None]] = {
    "png": {"Software": None},
    "svg": {"Date": None, "Creator": None},
    "pdf": {"Creator": None, "Producer": None, "CreationDate": None, "ModDate": None},
}
_NAME = re.compile(r"[^\s/\\.][^\s/\\]*")


def package_versions(extra: Sequence[str] = ()) -> dict[str, str]:
    """Return the versions of Python, this package and the libraries behind a figure.

    Parameters
    ----------
    extra : sequence of str, default ()
        More distributions to report besides :data:`VERSIONED`.

    Returns
    -------
    dict
        ``python``, ``analysis`` and each installed distribution of
        :data:`VERSIONED` and ``extra``; uninstalled ones are left out.
    """
    from ..core.config import VERSION as __version__

    versions = {"python": platform.python_version(), "analysis": __version__}
    for name in (*VERSIONED, *extra):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def git_state(record_commit: bool | None = None) -> dict[str, Any]:
    """Return the HEAD commit of the project and whether the tree is dirty, when recorded.

    ``record_commit`` defaults to ``ANALYSIS_RECORD_COMMIT=1``; unrecorded (and
    outside git) both values are None.
    """
    if record_commit is None:
        record_commit = os.environ.get("ANALYSIS_RECORD_COMMIT", "") == "1"
    if not record_commit:
        return {"git_commit": None, "git_dirty": None}

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(["git", *args], cwd=PROJ_ROOT, capture_output=True,
                                  text=True, timeout=30, check=True)
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout.strip()

    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain") if commit else None
    return {"git_commit": commit, "git_dirty": None if status is None else bool(status)}


def portable(value: Any) -> Any:
    """Turn parameters into JSON values that do not depend on the machine.

    Paths inside the project (given as paths or, as the runner passes them,
    as absolute text) become relative to it, so a manifest and the cache keys
    read the same in every clone; dates become ISO text; NaN and infinities
    become None.
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, Mapping):
        return {str(k): portable(v) for k, v in value.items()}
    if isinstance(value, (set, frozenset)):
        return sorted((portable(v) for v in value), key=str)
    if isinstance(value, (list, tuple, np.ndarray, pd.Index, pd.Series)):
        return [portable(v) for v in value]
    if isinstance(value, str) and os.path.isabs(value) and Path(value).exists():
        value = Path(value)  # a path the runner resolved (events, aliases ...) as text
    if isinstance(value, PurePath):
        path = Path(value).resolve()
        inside = path.is_relative_to(PROJ_ROOT)
        return path.relative_to(PROJ_ROOT).as_posix() if inside else str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value if isinstance(value, (str, int, float, bool)) else str(value)


def file_sha256(path: Path) -> str:
    """Return the SHA-256 of a file's bytes (hex), as manifest entries record them."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_manifest(folder: str | os.PathLike) -> dict[str, Any]:
    """Read ``folder/manifest.json``: an empty dict when absent, else its entries.

    Parameters
    ----------
    folder : path-like
        The figures folder.

    Returns
    -------
    dict
        Figure name -> entry.

    Raises
    ------
    AnalysisError
        When the file is not a JSON object (one line naming the file and the fix).
    """
    path = Path(folder) / MANIFEST
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as err:
        raise AnalysisError(f"The manifest {str(path)!r} cannot be read ({err.strerror or err})."
                            ) from None
    try:
        manifest = json.loads(text)
    except (ValueError, UnicodeDecodeError) as err:
        raise AnalysisError(f"The manifest {str(path)!r} is not valid JSON ({err}); delete it "
                            "and rerun the notebooks.") from None
    if not isinstance(manifest, dict):
        raise AnalysisError(f"The manifest {str(path)!r} is not valid JSON for a manifest (a "
                            f"{type(manifest).__name__}, not an object of figures); delete it "
                            "and rerun the notebooks.")
    return manifest


def update_manifest(folder: Path, name: str, entry: dict[str, Any]) -> None:
    """Set one entry of ``folder/manifest.json``, keeping the others.

    Under the runner the entry also names the notebook that wrote it
    (``notebook``, from :data:`NOTEBOOK_ENV`), so that the runner knows which
    files each notebook owns (:mod:`analysis.run.execute`).

    Read, change and write happen under :func:`analysis.core.io.file_lock`, so
    processes saving figures into one folder at once keep each other's entries.
    """
    path = folder / MANIFEST
    if os.environ.get(NOTEBOOK_ENV):  # the runner names the notebook that made the entry
        entry = {**entry, "notebook": os.environ[NOTEBOOK_ENV]}
    with file_lock(path):
        manifest = read_manifest(folder)
        manifest[name] = entry
        write_text(path, json.dumps(manifest, ensure_ascii=False, indent=2,
                                    sort_keys=True) + "\n")


def _check_args(fig: Any, name: Any, data: Any, formats: Any, dpi: Any) -> tuple[str, ...]:
    func = "save_figure"
    if not isinstance(fig, Figure):
        raise AnalysisError(f"The 'fig' parameter of {func} must be a matplotlib Figure; "
                            f"got {type(fig).__name__}.")
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise AnalysisError(f"The 'name' parameter of {func} must be a file stem without "
                            f"folders, spaces or a leading dot, e.g. '02_keyness'; got {name!r}.")
    if data is not None and not isinstance(data, pd.DataFrame):
        raise AnalysisError(f"The 'data' parameter of {func} must be a pandas DataFrame or "
                            f"None; got {type(data).__name__}.")
    formats = (formats,) if isinstance(formats, str) else tuple(formats)
    if not formats:
        raise AnalysisError(f"The 'formats' parameter of {func} must name at least one of "
                            f"{list(FORMATS)}; got an empty list.")
    for fmt in formats:
        check_choice(fmt, FORMATS, param="formats", func=func)
    check_number(dpi, param="dpi", func=func, low=1)
    return tuple(dict.fromkeys(formats))


def save_figure(
    fig: Figure,
    name: str,
    *,
    data: pd.DataFrame | None = None,
    formats: Sequence[str] = FORMATS,
    output_dir: str | os.PathLike | None = None,
    params: Mapping[str, Any] | None = None,
    corpus: pd.DataFrame | Mapping[str, Any] | None = None,
    text_col: str = "text",
    dpi: float = 300,
    record_commit: bool | None = None,
    key: str | None = None,
) -> dict[str, Any]:
    """Write a figure in several formats, its data as CSV, and its manifest entry.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure (a word cloud too: draw it with ``ax.imshow``).
    name : str
        The file stem, e.g. ``"02_keyness"``; the manifest key.
    data : pandas.DataFrame, optional
        The table drawn, written as ``name.csv`` (UTF-8, no index).
    formats : sequence of {'png', 'svg', 'pdf'}, default all three
        The formats to write.
    output_dir : path-like, optional
        Default: the project's ``figures/`` folder; created when absent.
    params : mapping, optional
        The parameters that made the figure, recorded as given (paths inside
        the project made relative, so the record does not depend on the clone).
    corpus : pandas.DataFrame or dict, optional
        The documents behind the figure, recorded by
        :func:`analysis.corpus.fingerprint.corpus_fingerprint`, or that fingerprint
        already computed (a Study computes it once for all its figures).
    text_col : str, default 'text'
        The text column of ``corpus``.
    dpi : float, default 300
        Resolution of the PNG (and of images inside SVG and PDF).
    record_commit : bool, optional
        Record the git commit; default: only when ``ANALYSIS_RECORD_COMMIT=1``
        (see the module notes for why committed figures do not).
    key : str, optional
        A digest of everything the figure was drawn from, recorded as ``key``
        so that :func:`saved_entry` can tell a rerun that it is already saved.

    Returns
    -------
    dict
        The manifest entry written.

    Raises
    ------
    AnalysisError
        For a bad argument or a manifest that is not valid JSON;
        :class:`~analysis.errors.FontError` when a text of the figure has
        characters its fonts lack (both before any file is written).
    """
    formats = _check_args(fig, name, data, formats, dpi)
    folder = Path(output_dir) if output_dir is not None else FIGURES_DIR
    folder.mkdir(parents=True, exist_ok=True)
    read_manifest(folder)  # a broken manifest stops the save before any file is written
    with warnings.catch_warnings():  # check_figure_fonts says it better, naming the text
        warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        fig.draw_without_rendering()
    fonts = check_figure_fonts(fig)
    files = []
    with mpl.rc_context(_SAVE_RC):
        for fmt in formats:
            write_atomically(folder / f"{name}.{fmt}", lambda tmp, fmt=fmt: fig.savefig(
                tmp, format=fmt, dpi=dpi, metadata=_METADATA[fmt]))
            files.append(f"{name}.{fmt}")
    if data is not None:
        write_atomically(folder / f"{name}.csv", lambda tmp: data.to_csv(
            tmp, index=False, encoding="utf-8", lineterminator="\n"))
        files.append(f"{name}.csv")
    entry = {
        "files": {f: file_sha256(folder / f) for f in files},
        "data": None if data is None else {"file": f"{name}.csv", "rows": len(data),
                                           "columns": [str(c) for c in data.columns]},
        "size_mm": [round(v * 25.4, 1) for v in fig.get_size_inches()], "dpi": dpi,
        "fonts": fonts, "params": portable(dict(params or {})),
        "corpus": None if corpus is None else dict(corpus) if isinstance(corpus, Mapping)
        else corpus_fingerprint(corpus, text_col=text_col,
                                date_col="date" if "date" in corpus else None),
        "versions": package_versions(),
        **git_state(record_commit),
        **({"key": key} if key is not None else {}),
    }
    update_manifest(folder, name, entry)
    return entry


def saved_entry(output_dir: str | os.PathLike | None, name: str, key: str
                ) -> dict[str, Any] | None:
    """Return a figure's manifest entry if it was saved from the same inputs and is intact.

    Parameters
    ----------
    output_dir : path-like, optional
        The figures folder; default the project's ``figures/``.
    name : str
        The figure's name.
    key : str
        The digest of its inputs (see :func:`save_figure`).

    Returns
    -------
    dict or None
        The entry, when it records ``key`` and every file it lists exists with
        its SHA-256; otherwise None (the figure must be drawn).
    """
    folder = Path(output_dir) if output_dir is not None else FIGURES_DIR
    try:
        entry = json.loads((folder / MANIFEST).read_text(encoding="utf-8")).get(name)
    except (OSError, ValueError, UnicodeDecodeError, AttributeError):
        return None
    if not isinstance(entry, dict) or entry.get("key") != key:
        return None
    files = entry.get("files") or {}
    try:
        intact = all(file_sha256(folder / f) == digest for f, digest in files.items())
    except OSError:
        return None
    if not (intact and files):
        return None
    if os.environ.get(NOTEBOOK_ENV) and entry.get("notebook") != os.environ[NOTEBOOK_ENV]:
        update_manifest(folder, name, entry)  # kept by this notebook now: it owns the files
    return entry
