"""Sample the resident memory of a process and all its descendants, from /proc.

The runner starts a Jupyter kernel per notebook, and the kernels fork worker
processes: the memory a researcher needs is that of the whole process tree at
its peak. :class:`TreeMemory` samples it in a background thread.

Decisions: the resident set of each process (``VmRSS``, read from
``/proc/<pid>/statm``) is summed over the tree, so pages that forked workers
still share with their parent count once per process: the sum is an upper
bound of the memory used, the largest single process a lower bound. Samples
are taken every ``interval`` seconds: a peak shorter than that can be missed.
Children are found from the parent pid of every process (``/proc/<pid>/stat``),
which works also where the kernel has no ``/proc/<pid>/task/<tid>/children``.
Linux only: elsewhere both peaks stay 0.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

__all__ = ["Measured", "TreeMemory", "measure", "process_tree", "resident_bytes"]

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
_PROC = Path("/proc")


def _parents() -> dict[int, int]:
    """Map every visible process id to its parent's."""
    parents = {}
    for entry in _PROC.iterdir() if _PROC.is_dir() else ():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # the process ended meanwhile
            continue
        fields = stat.rpartition(")")[2].split()  # the command name may hold spaces
        parents[int(entry.name)] = int(fields[1])
    return parents


def process_tree(root: int) -> list[int]:
    """List a process and all its descendants.

    Parameters
    ----------
    root : int
        The process id.

    Returns
    -------
    list of int
        ``root`` first, then its descendants (empty when ``root`` has ended).
    """
    children: dict[int, list[int]] = {}
    parents = _parents()
    for pid, parent in parents.items():
        children.setdefault(parent, []).append(pid)
    if root not in parents:
        return []
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, ()))
    return tree


def resident_bytes(pid: int) -> int:
    """Return the resident set size of a process in bytes (0 once it has ended).

    Parameters
    ----------
    pid : int
        The process id.

    Returns
    -------
    int
        ``VmRSS``: resident pages times the page size.
    """
    try:
        return int((_PROC / str(pid) / "statm").read_text().split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        return 0


class TreeMemory:
    """Record the peak summed and largest resident memory of a process tree.

    Parameters
    ----------
    pid : int
        The root process.
    interval : float, default 0.2
        Seconds between samples.

    Examples
    --------
    >>> import subprocess, sys
    >>> child = subprocess.Popen([sys.executable, "-c", "pass"])
    >>> with TreeMemory(child.pid) as memory:
    ...     _ = child.wait()
    >>> memory.peak_total_mb >= memory.peak_largest_mb >= 0
    True
    """

    def __init__(self, pid: int, *, interval: float = 0.2) -> None:
        self.pid = pid
        self.interval = interval
        self.peak_total = 0
        self.peak_largest = 0
        self.max_processes = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tree-memory", daemon=True)

    def sample(self) -> None:
        """Take one sample of the tree and update the peaks."""
        sizes = [resident_bytes(pid) for pid in process_tree(self.pid)]
        if sizes:
            self.peak_total = max(self.peak_total, sum(sizes))
            self.peak_largest = max(self.peak_largest, max(sizes))
            self.max_processes = max(self.max_processes, len(sizes))
            self.samples += 1

    def _run(self) -> None:
        while True:
            self.sample()
            if self._stop.wait(self.interval):
                return

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def peak_total_mb(self) -> float:
        """Return the peak of the summed resident memory of the tree, in MB."""
        return self.peak_total / 2**20

    @property
    def peak_largest_mb(self) -> float:
        """Return the peak resident memory of the largest single process, in MB."""
        return self.peak_largest / 2**20


@dataclass(frozen=True)
class Measured:
    """Hold what :func:`measure` saw of a command: its outputs, time and memory."""

    returncode: int
    stdout: str
    stderr: str
    wall: float
    peak_total_mb: float
    peak_largest_mb: float
    max_processes: int

    def memory(self) -> dict[str, Any]:
        """Return the memory fields of a benchmark row."""
        return {"peak_rss_mb": self.peak_total_mb, "largest_rss_mb": self.peak_largest_mb,
                "max_processes": self.max_processes}


def measure(command: Sequence[str], *, cwd: str | os.PathLike | None = None,
            interval: float = 0.2) -> Measured:
    """Run a command to its end, timing it and sampling the memory of its process tree.

    Parameters
    ----------
    command : sequence of str
        The program and its arguments.
    cwd : path-like, optional
        Its working folder.
    interval : float, default 0.2
        Seconds between memory samples (:class:`TreeMemory`).

    Returns
    -------
    Measured
        Exit code, standard output and error (text), wall-clock seconds from
        start to exit, and the peak resident memory of the tree (summed) and
        of its largest process, in MB.
    """
    start = time.perf_counter()
    with subprocess.Popen(list(command), cwd=cwd, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True) as process:
        with TreeMemory(process.pid, interval=interval) as memory:
            stdout, stderr = process.communicate()
        wall = time.perf_counter() - start
    return Measured(process.returncode, stdout, stderr, wall, memory.peak_total_mb,
                    memory.peak_largest_mb, memory.max_processes)
