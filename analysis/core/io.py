"""Write files so that a reader never sees half of one: the one atomic-write helper.

Every cache and output file of the package (token, counts, corpus and result
caches, figures' data and manifest) is written through :func:`write_atomically`:
the content goes to a temporary file in the same folder, which then replaces
the target with ``os.replace``. An interruption (an error, Ctrl-C, a killed
process, a full disk) leaves either the old file or the new one, never a
partial file, and the temporary file is removed.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from pathlib import Path

__all__ = ["write_atomically", "write_text"]


def write_atomically(path: str | os.PathLike, write: Callable[[Path], None]) -> Path:
    """Write a file under a temporary name in the same folder, then rename it over ``path``.

    Parameters
    ----------
    path : path-like
        The file to (re)place; its folder must exist.
    write : callable
        Writes the content to the path it is given.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def write_text(path: str | os.PathLike, text: str) -> Path:
    """Write a UTF-8 text file (``\\n`` line ends) atomically.

    Parameters
    ----------
    path : path-like
        The file to (re)place.
    text : str
        Its content.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    return write_atomically(path, lambda tmp: tmp.write_text(text, encoding="utf-8",
                                                             newline="\n"))
