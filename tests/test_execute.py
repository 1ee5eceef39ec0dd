"""Executing notebooks: two at a time, one log per kernel, unchanged notebooks kept."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from analysis.core.config import PROJ_ROOT
from analysis.core.errors import AnalysisError
from analysis.run.execute import (
    BYTES_PER_CHAR,
    _drop_shutdown_noise,
    memory_jobs,
    notebook_key,
    package_digest,
)
from analysis.run.runner import run_notebooks


def _book(folder: Path, name: str, source: str, params: str = "output_dir = None") -> Path:
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(params)
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [cell, nbformat.v4.new_code_cell(source)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    folder.mkdir(exist_ok=True)
    nbformat.write(nb, folder / f"{name}.ipynb")
    return folder / f"{name}.ipynb"


_TIMED = ("import pathlib, time\n"
          "start = time.time(); time.sleep(1.5)\n"
          "pathlib.Path(output_dir, '{name}.times').write_text(f'{{start}} {{time.time()}}')")

_FIGURE = ("import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\n"
           "from analysis.figures.save import save_figure\n"
           "fig, ax = plt.subplots(); ax.plot([0, 1], [0, top_n])\n"
           "save_figure(fig, '01_line', output_dir=output_dir, formats=['png'])")


def _span(out: Path, name: str) -> tuple[float, float]:
    start, end = (out / f"{name}.times").read_text().split()
    return float(start), float(end)


@pytest.mark.parametrize("jobs, overlap", [(2, True), (1, False)])
def test_notebooks_run_side_by_side_with_two_jobs(tmp_path, jobs, overlap):
    books = tmp_path / "books"
    for name in ("01_a", "02_b"):
        _book(books, name, _TIMED.format(name=name))
    out = tmp_path / "out"
    results = run_notebooks(output_dir=out, notebooks_dir=books, progress=False, jobs=jobs)
    assert [(r.notebook, r.status) for r in results] == [("01_a", "ok"), ("02_b", "ok")]
    (a0, a1), (b0, b1) = _span(out, "01_a"), _span(out, "02_b")
    assert (a0 < b1 and b0 < a1) is overlap


def test_each_kernel_writes_its_own_log_when_two_run_at_once(tmp_path):
    books = tmp_path / "books"
    for name in ("01_a", "02_b"):
        _book(books, name, f"import os, time\nfor _ in range(3):\n"
                           f"    os.write(2, b'{name}\\n'); time.sleep(0.3)\n"
                           f"open(os.path.join(output_dir, '{name}.cwd'), 'w').write(os.getcwd())")
    out = tmp_path / "out"
    here = Path.cwd()
    run_notebooks(output_dir=out, notebooks_dir=books, progress=False, jobs=2)
    assert (out / "notebooks" / "01_a.stderr.txt").read_text() == "01_a\n" * 3
    assert (out / "notebooks" / "02_b.stderr.txt").read_text() == "02_b\n" * 3
    # each kernel runs in the notebooks' folder; the runner's own folder never changes
    assert {(out / f"{n}.cwd").read_text() for n in ("01_a", "02_b")} == {str(books)}
    assert Path.cwd() == here


_ZMQ_TAIL = b"""ERROR:tornado.general:Uncaught exception in ZMQStream callback
Traceback (most recent call last):
  File "/x/zmq/eventloop/zmqstream.py", line 585, in _log_error
    f.result()
  File "/x/ipykernel/iostream.py", line 343, in schedule
    self._event_pipe.send(b"")
            ^^^^^^^^^^^^^^^^^^
zmq.error.ZMQError: Socket operation on non-socket
"""


@pytest.mark.parametrize("tail, kept", [
    (_ZMQ_TAIL, b""),
    (b"KeyboardInterrupt caught in kernel\n", b""),
    (b"KeyboardInterrupt caught in kernel\n" + _ZMQ_TAIL, b""),
    (b"saving results.h5 failed: disk full\n" + _ZMQ_TAIL,
     b"saving results.h5 failed: disk full\n" + _ZMQ_TAIL),
    (b"", b""),
])
def test_what_a_kernel_writes_while_it_stops_is_cut_only_when_it_is_noise(tmp_path, tail, kept):
    path = tmp_path / "log"
    with open(path, "wb") as log:
        log.write(b"02_b\n" * 3)
        log.flush()
        offset = log.tell()
        log.write(tail)
        log.flush()
        _drop_shutdown_noise(log, offset)
        log.write(b"after\n")
    assert path.read_bytes() == b"02_b\n" * 3 + kept + b"after\n"


def test_the_runner_cuts_shutdown_noise_and_keeps_other_lines_of_a_stopping_kernel(tmp_path):
    books = tmp_path / "books"
    for name, last in (("01_a", "zmq.error.ZMQError: Socket operation on non-socket"),
                       ("02_b", "cache not flushed")):
        _book(books, name, f"import atexit, os\nos.write(2, b'{name}\\n')\n"
                           f"atexit.register(os.write, 2, b'{last}\\n')")
    out = tmp_path / "out"
    run_notebooks(output_dir=out, notebooks_dir=books, progress=False, jobs=1)
    assert (out / "notebooks" / "01_a.stderr.txt").read_text() == "01_a\n"
    assert (out / "notebooks" / "02_b.stderr.txt").read_text() == "02_b\ncache not flushed\n"


def test_an_unchanged_notebook_is_kept_and_a_changed_one_executed(tmp_path):
    books = tmp_path / "books"
    _book(books, "01_fig", _FIGURE, params="output_dir = None\ntop_n = 1")
    out = tmp_path / "out"

    def run(**kw):
        return [(r.status, r.figures) for r in run_notebooks(
            output_dir=out, notebooks_dir=books, progress=False, **kw)]

    assert run(params={"top_n": 1}) == [("ok", 1)]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["01_line"]["notebook"] == "01_fig"   # the entry names its notebook
    executed = (out / "notebooks" / "01_fig.ipynb").read_bytes()

    assert run(params={"top_n": 1}) == [("cached", 0)]   # nothing changed: kept
    assert (out / "notebooks" / "01_fig.ipynb").read_bytes() == executed

    (out / "manifest.json").write_text("{}")              # a rebuilt manifest gets it back
    assert run(params={"top_n": 1}) == [("cached", 0)]
    assert json.loads((out / "manifest.json").read_text()) == manifest

    assert run(params={"top_n": 2}) == [("ok", 1)]       # a parameter changed
    assert run(params={"top_n": 2}) == [("cached", 0)]
    (out / "01_line.png").unlink()                        # a file it wrote is gone
    assert run(params={"top_n": 2}) == [("ok", 1)]
    (out / "01_line.png").write_bytes(b"edited")          # or changed
    assert run(params={"top_n": 2}) == [("ok", 1)]
    assert run(params={"top_n": 2}, force=True)[0][0] == "ok"
    _book(books, "01_fig", _FIGURE + "\nplt.close(fig)", params="output_dir = None\ntop_n = 1")
    assert run(params={"top_n": 2})[0][0] == "ok"          # the notebook changed


def test_a_failed_notebook_is_executed_again(tmp_path):
    books = tmp_path / "books"
    _book(books, "01_fails", "raise ValueError('planted')")
    out = tmp_path / "out"
    for _ in range(2):
        results = run_notebooks(output_dir=out, notebooks_dir=books, progress=False)
        assert results[0].status == "failed"


def test_key_follows_notebook_parameters_inputs_and_code(tmp_path, monkeypatch):
    book = _book(tmp_path, "01_x", "x = 1")
    base = notebook_key(book, {"a": 1}, "inputs", code="code")
    assert base == notebook_key(book, {"a": 1}, "inputs", code="code")
    assert base != notebook_key(book, {"a": 2}, "inputs", code="code")
    assert base != notebook_key(book, {"a": 1}, "other inputs", code="code")
    assert base != notebook_key(book, {"a": 1}, "inputs", code="other code")
    named = tmp_path / "events.yaml"
    named.write_text("a: 1\n")
    with_file = notebook_key(book, {"events": str(named)}, "inputs", code="code")
    named.write_text("a: 2\n")                            # a named file's content counts
    assert with_file != notebook_key(book, {"events": str(named)}, "inputs", code="code")
    monkeypatch.chdir(tmp_path)                           # named from the runner's folder too
    relative = notebook_key(book, {"dictionary": "events.yaml"}, "inputs", code="code")
    named.write_text("a: 3\n")
    assert relative != notebook_key(book, {"dictionary": "events.yaml"}, "inputs", code="code")
    _book(tmp_path, "01_x", "x = 2")
    assert base != notebook_key(book, {"a": 1}, "inputs", code="code")
    assert len(package_digest()) == 64


@pytest.mark.parametrize("jobs", [0, -1, 1.5, True])
def test_bad_jobs_is_refused_before_running(tmp_path, jobs):
    with pytest.raises(AnalysisError, match=r"'jobs'.*at least 1; got"):
        run_notebooks(output_dir=tmp_path / "out", notebooks_dir=tmp_path, jobs=jobs)


def test_cli_jobs_must_be_a_number():
    done = subprocess.run([sys.executable, "-m", "analysis", "run", "--no-progress", "--jobs",
                           "0"], capture_output=True, text=True, cwd=PROJ_ROOT)
    assert done.returncode == 2
    assert "'jobs'" in done.stderr and "got 0" in done.stderr
    assert "Traceback" not in done.stderr


def test_default_jobs_follow_memory(monkeypatch, tmp_path):
    meminfo = tmp_path / "meminfo"
    meminfo.write_text(f"MemTotal: 25000000 kB\nMemAvailable: {20 * 2**20} kB\n")
    real_open = open
    monkeypatch.setattr("builtins.open", lambda path, *a, **k: real_open(
        meminfo if path == "/proc/meminfo" else path, *a, **k))
    per_gb = 2**30 // BYTES_PER_CHAR                     # characters a GB holds
    assert memory_jobs(5 * per_gb, cores=2) == 2         # 20 GB free, 5 GB a kernel
    assert memory_jobs(11 * per_gb, cores=2) == 1        # 11 GB a kernel: one at a time
    assert memory_jobs(40 * per_gb, cores=2) == 1        # never fewer than one
    assert memory_jobs(1, cores=1) == 1


def test_files_digest_follows_names_and_bytes_not_order(tmp_path):
    import hashlib

    from analysis.core.io import files_digest

    a, b = tmp_path / "a.py", tmp_path / "b.py"
    a.write_bytes(b"x = 1\n")
    b.write_bytes(b"y = 2\n")
    expected = hashlib.sha256(b"a.py\0x = 1\nb.py\0y = 2\n").hexdigest()  # by hand
    assert files_digest([b, a]) == files_digest([a, b]) == expected
    assert files_digest([a, b], name=lambda p: p.stem) != expected
    b.write_bytes(b"y = 3\n")
    assert files_digest([a, b]) != expected
