"""Execute notebooks with papermill: two at a time, each kernel logged apart, unchanged ones kept.

:func:`execute_books` runs the notebooks the runner chose, after the runner
has loaded, segmented and counted the corpus once (:func:`analysis.run.runner.prepare_corpus`),
so the notebooks only read the caches and compute their own statistics:

- ``jobs`` notebooks run at once, each in its own kernel (one thread of the
  runner drives each); every kernel writes its standard error to
  ``OUT/notebooks/NAME.stderr.txt`` and is told its notebook's name
  (:data:`analysis.figures.save.NOTEBOOK_ENV`), which each manifest entry it
  writes records;
- a notebook whose inputs are unchanged since its last run into the same
  folder is not executed again (status ``cached``): its key digests the
  notebook file, the parameters given to it, the documents and load report
  it reads (:attr:`analysis.run.study.Study.inputs_digest`), the files its
  parameters name, the package's code and data and the library versions. The
  run record (``CACHE/runs/``) keeps the key, the SHA-256 of the executed
  notebook and the manifest entries the notebook wrote; the notebook is kept
  only when every one of those files is still there with its SHA-256 (a
  missing manifest entry is written back). ``force=True`` executes every
  notebook.

Decisions:
    Two at a time, not one: with the corpus counted before the notebooks
    start, the two kernels never compute the same thing. On 2 cores, notebooks
    02 and 05 of 20,000 generated documents took 44.3 s cold side by side
    against 57.6 s one after the other (loading, segmenting and counting, 17 s,
    are the same in both), and 10.0 s against 14.1 s when executed again on
    warm caches (``--force``). Memory grows
    with ``jobs`` (each kernel holds the corpus and its statistics), so the
    runner's default is what memory allows (:func:`memory_jobs`): at 100,000
    documents one kernel reached 10.9 GB, and two on a 24 GB machine run one
    at a time. ``--jobs`` overrides.

    Kept, not re-executed: a rerun of the same notebooks on the same corpus
    gives the same figures (the figures are byte-identical by design), so
    executing them again only costs time. Any change of code, data, parameter
    or library executes the notebook again; ``--force`` does regardless.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ..core.config import CACHE_DIR, DATA_DIR
from ..core.engines import default_jobs
from ..core.errors import AnalysisError
from ..core.io import files_digest, write_text
from ..figures.save import (
    NOTEBOOK_ENV,
    file_sha256,
    git_state,
    package_versions,
    read_manifest,
    update_manifest,
)

__all__ = ["RUN_RECORDS", "RunResult", "execute_books", "notebook_key", "package_digest"]

RUN_RECORDS = "runs"
"""The folder of run records inside the cache folder."""

_PACKAGE = Path(__file__).resolve().parents[1]
_LIBRARIES = ("papermill", "nbclient", "ipykernel", "scipy", "scikit-learn", "rjieba",
              "pyarrow", "networkx")
"""Distributions besides the figure's (:func:`analysis.figures.save.package_versions`) whose
version a notebook's key holds."""


BYTES_PER_CHAR = 80
"""Memory a kernel may need per character of the corpus, for the default ``jobs``.

Measured on the 100k benchmark corpus (111 M characters), each notebook run alone: the
largest kernel with its worker processes took 7.2 GB (06, shared phrases; 10.5 GB before
they were counted in parts), then 7.0 GB (05), 6.8 GB (10), 6.2 GB (08): 65 bytes a
character; 80 leaves a margin, and lets two notebooks run at once on 24 GB."""


def memory_jobs(n_chars: int, *, cores: int | None = None) -> int:
    """Return how many notebooks can run at once: one per core, as memory allows.

    Parameters
    ----------
    n_chars : int
        Characters of the corpus the notebooks read.
    cores : int, optional
        The cap; default :func:`analysis.core.engines.default_jobs` (at most 2).

    Returns
    -------
    int
        ``min(cores, available memory // (BYTES_PER_CHAR * n_chars))``, at least 1
        (available memory: ``MemAvailable`` of ``/proc/meminfo``; without it, ``cores``).
    """
    cores = default_jobs() if cores is None else cores
    try:
        with open("/proc/meminfo", encoding="ascii") as info:
            available = next(int(line.split()[1]) * 1024 for line in info
                             if line.startswith("MemAvailable:"))
    except (OSError, StopIteration, ValueError, IndexError):
        return cores
    return max(1, min(cores, available // max(1, BYTES_PER_CHAR * n_chars)))


@dataclass
class RunResult:
    """Hold the outcome of one notebook run.

    ``status`` is ``ok``, ``failed`` or ``cached`` (inputs unchanged since the
    last run into the folder: not executed, its files verified).
    """

    notebook: str
    status: str
    seconds: float
    figures: int
    error: str = ""


def package_digest() -> str:
    """Return the SHA-256 of the package's code and data files (``analysis/``).

    Returns
    -------
    str
        Over every ``.py`` file of the package and every file of its data
        folder, by path relative to the package (:func:`analysis.core.io.files_digest`).
    """
    paths = [*_PACKAGE.rglob("*.py"), *(p for p in DATA_DIR.rglob("*") if p.is_file())]
    return files_digest((p for p in paths if "__pycache__" not in p.parts),
                        name=lambda p: p.relative_to(_PACKAGE).as_posix())


def _named_files(params: dict[str, Any]) -> dict[str, str]:
    """Digest the files the parameters name (events, aliases, userdict, dictionary, a table).

    A text that names an existing file, as given or from the runner's folder, is digested by
    content: a changed coding dictionary executes its notebook again.
    """
    found = {}
    for name, value in sorted(params.items()):
        if name in ("output_dir", "cache_dir") or not isinstance(value, str) or not value:
            continue
        path = Path(value).expanduser()
        try:
            if path.is_file():
                found[name] = file_sha256(path)
        except OSError:
            continue
    return found


def notebook_key(book: Path, params: dict[str, Any], inputs: str, *, code: str) -> str:
    """Return the digest of everything a notebook's outputs depend on.

    Parameters
    ----------
    book : pathlib.Path
        The notebook (its bytes count).
    params : dict
        The parameters injected into it.
    inputs : str
        :attr:`analysis.run.study.Study.inputs_digest` of the corpus it reads
        ('' for a notebook without the shared parameters).
    code : str
        :func:`package_digest`.

    Returns
    -------
    str
        A SHA-256 hex digest.
    """
    record_commit = os.environ.get("ANALYSIS_RECORD_COMMIT", "") == "1"
    parts = {"notebook": file_sha256(book), "params": params, "inputs": inputs, "code": code,
             "files": _named_files(params), "versions": package_versions(extra=_LIBRARIES),
             "git": git_state(True) if record_commit else None}
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str,
                                     ensure_ascii=False).encode()).hexdigest()


def _record_path(cache_dir: Any, out: Path, book: Path) -> Path:
    root = Path(cache_dir).expanduser().resolve() if cache_dir is not None else CACHE_DIR
    folder = hashlib.sha256(str(out.resolve()).encode()).hexdigest()[:16]
    return root / RUN_RECORDS / folder / f"{book.stem}.json"


def _still_current(record_file: Path, key: str, out: Path, book: Path) -> bool:
    """Tell whether the last run of ``book`` into ``out`` had this key and its files are intact.

    Manifest entries the notebook wrote and that are gone from the manifest
    (a rebuilt manifest) are written back from the record.
    """
    try:
        record = json.loads(record_file.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return False
    if not isinstance(record, dict) or record.get("key") != key:
        return False
    executed = out / "notebooks" / book.name
    entries = record.get("entries")
    if not isinstance(entries, dict):
        return False
    try:
        if file_sha256(executed) != record.get("executed"):
            return False
        for entry in entries.values():
            files = entry.get("files") if isinstance(entry, dict) else None
            if not isinstance(files, dict) or not all(
                    file_sha256(out / f) == digest for f, digest in files.items()):
                return False
    except OSError:
        return False
    try:
        manifest = read_manifest(out)
    except AnalysisError:  # an unreadable manifest: execute again, which reports it
        return False
    for name, entry in entries.items():
        if manifest.get(name) != entry:
            update_manifest(out, name, entry)
    return True


def _write_record(record_file: Path, key: str, out: Path, book: Path) -> None:
    """Keep what a successful run wrote: the key, the executed notebook, the entries it owns."""
    try:
        manifest = read_manifest(out)
        executed = file_sha256(out / "notebooks" / book.name)
    except (AnalysisError, OSError):  # nothing to keep: the next run executes it again
        return
    entries = {name: entry for name, entry in manifest.items()
               if isinstance(entry, dict) and entry.get("notebook") == book.stem}
    record_file.parent.mkdir(parents=True, exist_ok=True)
    write_text(record_file, json.dumps({"key": key, "notebook": book.stem,
                                        "executed": executed, "entries": entries},
                                       ensure_ascii=False, indent=1, sort_keys=True) + "\n")


class _Kernels:
    """The kernels running now, so that Ctrl-C reaches every one of them.

    jupyter_client starts each kernel in a session of its own, so the
    researcher's Ctrl-C reaches the runner alone; the runner passes it on
    (SIGINT to the kernel's process group, as ``KernelManager.interrupt_kernel``
    does), and the cell running stops with ``KeyboardInterrupt``.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: set[Any] = set()

    def started(self, manager: Any) -> None:
        """Hold a kernel that is up."""
        with self._lock:
            self._running.add(manager)

    def stopped(self, manager: Any) -> None:
        """Forget a kernel that is stopping."""
        with self._lock:
            self._running.discard(manager)

    def interrupt(self) -> None:
        """Interrupt every running kernel."""
        with self._lock:
            running = list(self._running)
        for manager in running:
            _interrupt(manager)


def _interrupt(manager: Any) -> None:
    """Send SIGINT to a kernel's process group (else its process), as its provisioner does."""
    provisioner = getattr(manager, "provisioner", None)
    process = getattr(provisioner, "process", None)
    if process is None or process.poll() is not None:
        return
    try:
        pgid = getattr(provisioner, "pgid", None)
        if pgid and hasattr(os, "killpg") and pgid != os.getpgrp():  # never the runner's group
            os.killpg(pgid, signal.SIGINT)
        else:
            process.send_signal(signal.SIGINT)
    except OSError:  # it ended meanwhile
        pass


def _kernel_manager(env: dict[str, str], stderr: IO[bytes], cwd: Path, kernels: _Kernels
                    ) -> type:
    """Return a kernel manager class whose kernel starts in ``cwd`` with ``env``, logging to ``stderr``.

    The kernel's folder is given to the kernel process, never set with
    ``chdir`` in the runner: papermill's ``cwd`` changes the folder of the
    whole process, which two notebooks run from two threads would race on.
    The kernel is held in ``kernels`` while it runs.
    """
    from jupyter_client.manager import AsyncKernelManager

    class RunKernelManager(AsyncKernelManager):
        async def start_kernel(self, **kw: Any) -> None:  # type: ignore[override]
            kw.setdefault("env", env)
            kw.setdefault("stderr", stderr)
            kw.setdefault("cwd", str(cwd))
            await AsyncKernelManager._async_start_kernel(self, **kw)
            kernels.started(self)

        async def shutdown_kernel(self, now: bool = False,  # type: ignore[override]
                                  restart: bool = False) -> None:
            kernels.stopped(self)
            try:
                offset = os.fstat(stderr.fileno()).st_size
            except (OSError, ValueError):
                offset = None
            await AsyncKernelManager._async_shutdown_kernel(self, now=now, restart=restart)
            if offset is not None:
                _drop_shutdown_noise(stderr, offset)

    return RunKernelManager


_SHUTDOWN_NOISE = re.compile(
    rb"(KeyboardInterrupt caught in kernel.*"
    rb"|ERROR:tornado\.general:Uncaught exception in ZMQStream callback"
    rb"|Traceback \(most recent call last\):"
    rb"|[ \t].*|\s*"
    rb"|zmq\.error\.ZMQError: .*)")
"""Lines an ipykernel writes while it stops: jupyter_client interrupts it first
(``KernelManager.shutdown_kernel``), and ipykernel 7 may then flush to an I/O pipe
already closed (a ``ZMQError`` traceback from its control handler, about one run in
a few hundred side by side). Anything else written while the kernel stops is kept."""


def _drop_shutdown_noise(stderr: IO[bytes], offset: int) -> None:
    """Cut what the kernel wrote to ``stderr`` after ``offset`` if it is only shutdown noise."""
    try:
        with open(stderr.name, "rb") as raw:  # the kernel's file is open for writing only
            raw.seek(offset)
            tail = raw.read()
        if tail and all(_SHUTDOWN_NOISE.fullmatch(line) for line in tail.splitlines()):
            os.truncate(stderr.fileno(), offset)
            stderr.seek(offset)
    except (OSError, ValueError):
        pass


_CHATTER = (b"Kernel is running over TCP without encryption",
            b"KeyboardInterrupt caught in kernel")
"""Lines every kernel writes: at start (ipykernel on 127.0.0.1), and at shutdown, which
jupyter_client begins with an interrupt (``KernelManager.shutdown_kernel``). Not news, never
kept; a Ctrl-C of the researcher stops the run and its traceback stays."""


def _drop_known_chatter(path: Path) -> None:
    """Remove the kernel's start-up warnings from its stderr file; no file when nothing is left."""
    try:
        lines = path.read_bytes().splitlines(keepends=True)
    except OSError:
        return
    kept = [line for line in lines if not any(c in line for c in _CHATTER)]
    try:
        if not b"".join(kept).strip():
            path.unlink()
        elif len(kept) != len(lines):
            path.write_bytes(b"".join(kept))
    except OSError:
        pass


def _error_of(err: Exception) -> str:
    """Name the failing cell and error of a papermill execution error."""
    cell = getattr(err, "exec_count", None)
    ename, evalue = getattr(err, "ename", type(err).__name__), getattr(err, "evalue", str(err))
    where = f"cell [{cell}]" if cell is not None else "a cell"
    return f"{where}: {ename}: {evalue}".strip()


class _Interrupted(Exception):
    """Ctrl-C reached a kernel: the run stops."""


def _execute(book: Path, params: dict[str, Any], out: Path, env: dict[str, str],
             kernels: _Kernels) -> RunResult:
    """Execute one notebook into ``out/notebooks/`` and count the files it wrote."""
    import papermill as pm

    before = {p.name: p.stat().st_mtime_ns for p in out.glob("*")
              if p.is_file() and not p.name.startswith(".")}
    start = time.perf_counter()
    log_path = out / "notebooks" / f"{book.stem}.stderr.txt"
    try:
        with open(log_path, "wb") as log:
            pm.execute_notebook(str(book), str(out / "notebooks" / book.name),
                                parameters=params, kernel_name="python3",
                                progress_bar=False,
                                kernel_manager_class=_kernel_manager(
                                    {**env, NOTEBOOK_ENV: book.stem}, log, book.parent,
                                    kernels))
        status, error = "ok", ""
    except Exception as err:  # noqa: BLE001 (PapermillExecutionError, kernel failures)
        if getattr(err, "ename", None) == "KeyboardInterrupt":
            raise _Interrupted from None
        status, error = "failed", _error_of(err)
    finally:
        _drop_known_chatter(log_path)
    return RunResult(book.stem, status, time.perf_counter() - start,
                     _written(out, book, before), error)


def _written(out: Path, book: Path, before: dict[str, int]) -> int:
    """Count the files of the notebook's manifest entries that its run wrote."""
    try:
        manifest = read_manifest(out)
    except AnalysisError:
        return 0
    count = 0
    for entry in manifest.values():
        if isinstance(entry, dict) and entry.get("notebook") == book.stem:
            for name in entry.get("files") or {}:
                try:
                    count += before.get(name) != (out / name).stat().st_mtime_ns
                except OSError:
                    continue
    return count


def execute_books(books: list[Path], per_book: dict[Path, dict[str, Any]], out: Path, *,
                  inputs: dict[Path, str], cache_dir: Any = None, jobs: int | None = None,
                  force: bool = False, prepare: Callable[[], Any] | None = None,
                  on_done: Callable[[RunResult], None] | None = None) -> list[RunResult]:
    """Execute the notebooks, ``jobs`` at a time, keeping those whose inputs are unchanged.

    Parameters
    ----------
    books : list of pathlib.Path
        The notebooks, in the order of the results.
    per_book : dict
        Notebook -> the parameters injected into it.
    out : pathlib.Path
        The output folder (executed notebooks go to ``out/notebooks/``).
    inputs : dict
        Notebook -> :attr:`analysis.run.study.Study.inputs_digest` of what it
        reads ('' when it makes no Study of the shared parameters).
    cache_dir : path-like, optional
        The run's cache folder, where the run records are; default ``.cache/``.
    jobs : int, optional
        Notebooks executed at once; default one per core, at most 2.
    force : bool, default False
        Execute every notebook, even one whose inputs are unchanged.
    prepare : callable, optional
        Called once before the first notebook is executed (not when all are
        kept): the runner segments and counts the corpus there.
    on_done : callable, optional
        Called with each result as it comes (a progress bar).

    Returns
    -------
    list of RunResult
        In the order of ``books``; a failure does not stop the others.

    Raises
    ------
    KeyboardInterrupt
        When Ctrl-C stopped a kernel (the others are stopped with it).
    """
    (out / "notebooks").mkdir(parents=True, exist_ok=True)
    code = package_digest()
    env = dict(os.environ)
    results: dict[Path, RunResult] = {}
    keys = {book: notebook_key(book, per_book[book], inputs.get(book, ""), code=code)
            for book in books}
    for book in books:  # kept ones first, one at a time (they may write manifest entries back)
        start = time.perf_counter()
        if not force and _still_current(_record_path(cache_dir, out, book), keys[book], out,
                                        book):
            results[book] = RunResult(book.stem, "cached", time.perf_counter() - start, 0)
            if on_done is not None:
                on_done(results[book])
    stale = [book for book in books if book not in results]
    if stale and prepare is not None:
        prepare()
    jobs = default_jobs() if jobs is None else jobs
    kernels = _Kernels()

    def run(book: Path) -> RunResult:
        record = _record_path(cache_dir, out, book)
        result = _execute(book, per_book[book], out, env, kernels)
        if result.status == "ok":
            _write_record(record, keys[book], out, book)
        else:
            record.unlink(missing_ok=True)
        return result

    with ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="notebook") as pool:
        pending: dict[Future, Path] = {pool.submit(run, book): book for book in stale}
        try:
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    book = pending.pop(future)
                    results[book] = future.result()
                    if on_done is not None:
                        on_done(results[book])
        except (_Interrupted, KeyboardInterrupt):
            for future in pending:
                future.cancel()
            running = {future for future in pending if not future.cancelled()}
            while running:  # until each running notebook stops (an idle kernel ignores SIGINT)
                kernels.interrupt()
                _, running = wait(running, timeout=1)
            raise KeyboardInterrupt from None
    return [results[book] for book in books]
