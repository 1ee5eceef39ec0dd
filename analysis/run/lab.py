"""Keep JupyterLab from writing run outputs into the repository's notebooks.

``make lab`` starts JupyterLab with :func:`strip_shipped_outputs` as the contents
manager's pre-save hook. When one of the shipped notebooks (``notebooks/NN_*.ipynb``)
is saved, its outputs and execution counts are dropped before the file is written, so
``git status`` stays clean after a session and a researcher's edits to the parameters
or the prose are still saved. A copy saved under another name keeps its outputs.

Decisions: a save hook rather than jupytext pairing or nbstripout. Pairing would put a
second file beside every notebook and papermill runs the ``.ipynb``; nbstripout is a git
filter that has to be installed in every clone (``make`` cannot install it for a
colleague who clones by hand), and it leaves the working copy dirty until a commit. The
hook needs nothing but the command ``make lab`` already runs, and the figures a
notebook makes are written to ``figures/lab`` (git-ignored) by default, so nothing of a
run is lost when its outputs are stripped.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ..core.config import NOTEBOOKS_DIR

__all__ = ["SHIPPED_NAME", "is_shipped", "strip_outputs", "strip_shipped_outputs"]

#: The name of a shipped notebook: two digits, an underscore, lower-case words.
#: JupyterLab's copies (``02_terms-Copy1.ipynb``) and ``Untitled.ipynb`` do not match.
SHIPPED_NAME = re.compile(r"^\d\d_[a-z0-9_]+\.ipynb$")

#: Cell metadata JupyterLab or papermill add while a notebook runs.
_RUN_METADATA = ("execution", "papermill", "collapsed", "scrolled")


def is_shipped(path: str | Path, *, root: str | Path = NOTEBOOKS_DIR) -> bool:
    """Tell whether ``path`` (relative to ``root``) is one of the shipped notebooks.

    Parameters
    ----------
    path : str or Path
        The path the contents manager saves, relative to its root directory.
    root : str or Path, default NOTEBOOKS_DIR
        The contents manager's root directory.

    Returns
    -------
    bool
        True when the resolved path is in the notebooks folder and named like
        ``02_terms.ipynb``.
    """
    target = (Path(root) / path).resolve()
    return target.parent == NOTEBOOKS_DIR.resolve() and bool(SHIPPED_NAME.match(target.name))


def strip_outputs(notebook: dict[str, Any]) -> int:
    """Remove outputs, execution counts and run metadata from a notebook in place.

    Parameters
    ----------
    notebook : dict
        An nbformat 4 notebook (a JSON dict or a ``NotebookNode``).

    Returns
    -------
    int
        The number of outputs removed.
    """
    removed = 0
    for cell in notebook.get("cells", []):
        meta = cell.get("metadata", {})
        for key in _RUN_METADATA:
            meta.pop(key, None)
        if cell.get("cell_type") != "code":
            continue
        removed += len(cell.get("outputs", []))
        cell["outputs"] = []
        cell["execution_count"] = None
    notebook.get("metadata", {}).pop("papermill", None)
    return removed


def strip_shipped_outputs(model: dict[str, Any], path: str, contents_manager: Any = None,
                          **kwargs: Any) -> None:
    """Strip outputs from a shipped notebook before JupyterLab saves it.

    The signature is the one ``ContentsManager.pre_save_hook`` calls.

    Parameters
    ----------
    model : dict
        The contents model being saved; only notebooks are touched.
    path : str
        The path relative to the contents manager's root directory.
    contents_manager : ContentsManager, optional
        The server's contents manager; its ``root_dir`` resolves ``path``.
    **kwargs
        Further arguments the server may pass; ignored.
    """
    if model.get("type") != "notebook" or not isinstance(model.get("content"), dict):
        return
    root = getattr(contents_manager, "root_dir", None) or NOTEBOOKS_DIR
    if is_shipped(path, root=root):
        strip_outputs(model["content"])
