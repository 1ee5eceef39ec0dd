"""Time the notebooks as researchers run them: ``python -m analysis run`` in a fresh process.

:func:`run_notebooks_timed` starts ``python -m analysis run --corpus CORPUS --out OUT
--cache-dir CACHE --no-progress [--only ...]``, samples the memory of the runner
and every process under it (the Jupyter kernels, their worker processes) with
:class:`benchmarks.memory.TreeMemory`, reads the seconds of each notebook from
the summary table the runner prints at the end, and those of each cell from the
executed notebooks (papermill records them).
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .memory import measure

__all__ = ["cell_seconds", "parse_summary", "run_notebooks_timed"]

_ROW = re.compile(r"^(?P<notebook>\S+)\s+(?P<status>ok|failed|cached)\s+(?P<seconds>\d+(?:\.\d+)?)"
                  r"\s+(?P<files>\d+)\s*$")
_FAILED = re.compile(r"^FAILED (?P<notebook>\S+): (?P<error>.*)$")
ROOT = Path(__file__).resolve().parents[1]


def parse_summary(stdout: str) -> dict[str, dict[str, Any]]:
    """Read the summary table that ``python -m analysis run`` prints.

    Parameters
    ----------
    stdout : str
        The runner's standard output.

    Returns
    -------
    dict
        Notebook name -> ``status`` ('ok', 'failed' or 'cached': kept, not
        executed), ``seconds`` (to 0.1 s,
        as printed), ``files`` written and ``error`` ('' when ok), in run order.

    Examples
    --------
    >>> table = "notebook  status  seconds  files\\n01_corpus_overview ok 4.5 4\\n"
    >>> parse_summary(table)["01_corpus_overview"]["seconds"]
    4.5
    """
    rows: dict[str, dict[str, Any]] = {}
    for line in stdout.splitlines():
        if found := _ROW.match(line.strip()):
            rows[found["notebook"]] = {"status": found["status"],
                                       "seconds": float(found["seconds"]),
                                       "files": int(found["files"]), "error": ""}
        elif (failed := _FAILED.match(line.strip())) and failed["notebook"] in rows:
            rows[failed["notebook"]]["error"] = failed["error"]
    return rows


def cell_seconds(path: str | os.PathLike) -> list[dict[str, Any]]:
    """Read how long each code cell of an executed notebook took, from papermill's metadata.

    Parameters
    ----------
    path : path-like
        A notebook executed by papermill (``OUT/notebooks/NAME.ipynb``).

    Returns
    -------
    list of dict
        Per code cell, in order: ``cell`` (execution count), ``seconds`` and
        ``code`` (its first line, up to 80 characters); empty when the file is
        missing or unreadable.
    """
    try:
        cells = json.loads(Path(path).read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError):
        return []
    return [{"cell": c.get("execution_count"),
             "seconds": c.get("metadata", {}).get("papermill", {}).get("duration"),
             "code": "".join(c.get("source", "")).strip().partition("\n")[0][:80]}
            for c in cells if c.get("cell_type") == "code"]


def run_notebooks_timed(corpus: str | os.PathLike, out: str | os.PathLike,
                        cache: str | os.PathLike, *, only: Sequence[str] | None = None,
                        label: str = "runner", force: bool = False) -> dict[str, Any]:
    """Run the notebooks through the runner in a fresh process and time them.

    Parameters
    ----------
    corpus : path-like
        The corpus folder (``--corpus``).
    out : path-like
        Where the figures go (``--out``).
    cache : path-like
        The cache folder (``--cache-dir``): empty for a cold run, the one a
        previous run filled for a warm run.
    only : sequence of str, optional
        Notebooks to run (``--only``), e.g. ``["02", "05"]``; default all.
    label : str, default 'runner'
        The row's name.
    force : bool, default False
        Execute every notebook (``--force``), also those the runner would keep
        because their inputs are unchanged.

    Returns
    -------
    dict
        ``pipeline`` (the label), ``notebooks`` (per notebook: status,
        seconds, files, error), ``total`` (the notebooks' seconds summed),
        ``wall`` (the whole process, start to exit), ``exit_code``,
        ``peak_rss_mb`` (the process tree summed) and ``largest_rss_mb``
        (its largest process), ``max_processes``.

    Raises
    ------
    RuntimeError
        When the runner stops before running the notebooks (exit code 2 or no
        summary table); a failing notebook is reported in its row instead.
    """
    command = [sys.executable, "-m", "analysis", "run", "--corpus", str(corpus),
               "--out", str(out), "--cache-dir", str(cache), "--no-progress"]
    if only:
        command += ["--only", *only]
    if force:
        command.append("--force")
    done = measure(command, cwd=ROOT)
    notebooks = parse_summary(done.stdout)
    if done.returncode not in (0, 1) or not notebooks:
        raise RuntimeError(f"The runner failed (exit code {done.returncode}): "
                           f"{' '.join(command)}\n{done.stderr[-3000:]}")
    for name, row in notebooks.items():  # a kept notebook ran no cell
        row["cells"] = ([] if row["status"] == "cached"
                        else cell_seconds(Path(out) / "notebooks" / f"{name}.ipynb"))
    return {"pipeline": label, "command": command[1:], "notebooks": notebooks,
            "total": sum(n["seconds"] for n in notebooks.values()), "wall": done.wall,
            "exit_code": done.returncode, **done.memory()}
