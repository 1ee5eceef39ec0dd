"""The notebook runner: parameter checks, exit codes and failure reports."""

from __future__ import annotations

import os
import ast
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from analysis.core.config import NOTEBOOKS_DIR, PROJ_ROOT
from analysis.core.errors import AnalysisError
from analysis.run.runner import check_parameters, list_notebooks, run_notebooks


def _cli(*args: str, cwd: Path = PROJ_ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "analysis", "run", "--no-progress", *args],
                          capture_output=True, text=True, cwd=cwd)


def test_notebooks_are_stored_without_outputs():
    books = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
    assert books, "no notebooks found"
    for book in books:
        nb = nbformat.read(book, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, book.name


def test_every_notebook_has_one_parameters_cell_first_and_no_functions():
    for book in sorted(NOTEBOOKS_DIR.glob("*.ipynb")):
        nb = nbformat.read(book, as_version=4)
        assert nb.cells[0].cell_type == "markdown", f"{book.name} must open with its question"
        tagged = [i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])]
        assert len(tagged) == 1, book.name
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert code[0] is nb.cells[tagged[0]], f"{book.name}: parameters must be the first code cell"
        for cell in code:
            assert "def " not in cell.source and "lambda" not in cell.source, \
                f"{book.name} defines a function: logic belongs in analysis/"
        assert nb.metadata["kernelspec"]["name"] == "python3"


MAX_CODE_LINES = 25  # outside the parameters cell: parameters, a Study, calls, figures


def _code_lines(cell) -> int:
    return sum(1 for line in cell.source.splitlines()
               if line.strip() and not line.strip().startswith("#"))


def test_notebooks_are_thin():
    """Every notebook holds at most 25 lines of code besides its parameters."""
    for book in sorted(NOTEBOOKS_DIR.glob("*.ipynb")):
        nb = nbformat.read(book, as_version=4)
        lines = sum(_code_lines(c) for c in nb.cells if c.cell_type == "code"
                    and "parameters" not in c.metadata.get("tags", []))
        assert lines <= MAX_CODE_LINES, f"{book.name}: {lines} lines of code"


def test_every_notebook_parameter_is_known_to_the_registry():
    """The runner and the Study check every parameter a notebook declares."""
    import papermill as pm

    from analysis.run.params import PARAMETERS, SHARED, check_parameter

    for book in sorted(NOTEBOOKS_DIR.glob("*.ipynb")):
        declared = pm.inspect_notebook(str(book))
        assert set(SHARED) <= set(declared), book.name
        for name, spec in declared.items():
            assert name in PARAMETERS, f"{book.name}: {name} is not in the registry"
            check_parameter(name, ast.literal_eval(spec["default"]))  # defaults pass


def test_papermill_reads_every_parameter_line():
    import papermill as pm

    for book in sorted(NOTEBOOKS_DIR.glob("*.ipynb")):
        nb = nbformat.read(book, as_version=4)
        cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
        assigned = [ln.split("=", 1)[0].strip() for ln in cell.source.splitlines()
                    if "=" in ln and not ln.lstrip().startswith("#")]
        assert sorted(assigned) == sorted(pm.inspect_notebook(str(book))), book.name


def test_readme_documents_every_parameter_with_its_default():
    """Each parameter appears in a README table with the notebook's default."""
    import papermill as pm

    readme = (PROJ_ROOT / "README.md").read_text(encoding="utf-8")
    for book in sorted(NOTEBOOKS_DIR.glob("*.ipynb")):
        for name, spec in pm.inspect_notebook(str(book)).items():
            assert f"| `{name}` | `{spec['default']}` |" in readme, (book.name, name)


def test_unknown_parameter_is_rejected_before_running():
    with pytest.raises(AnalysisError, match=r"Unknown parameter 'colour'.*declare \["):
        check_parameters({"colour": "red"}, list_notebooks())


def test_ill_typed_parameter_is_rejected():
    with pytest.raises(AnalysisError, match=r"parameter 'freq' of 01_corpus_overview must be of type str"):
        check_parameters({"freq": 3}, list_notebooks(only=["01"]))


def test_unknown_notebook_in_only():
    with pytest.raises(AnalysisError, match=r"The '--only' option must name notebooks among"):
        list_notebooks(only=["99_nothing"])


def test_cli_bad_parameter_exits_2_naming_it():
    done = _cli("-p", "colour=red")
    assert done.returncode == 2
    assert "Unknown parameter 'colour'" in done.stderr


def test_cli_missing_corpus_exits_2():
    done = _cli("--corpus", "/nonexistent/corpus")
    assert done.returncode == 2
    assert "The '--corpus' option names '/nonexistent/corpus', which does not exist." in done.stderr


def test_failing_cell_is_named_and_others_still_run(tmp_path):
    books = tmp_path / "books"
    books.mkdir()
    for name, source in [("01_fails", "raise ValueError('planted failure')"),
                         ("02_works", "x = 1"),
                         ("03_speaks", "import os; os.write(2, b'kernel says this\\n')")]:
        nb = nbformat.v4.new_notebook()
        params = nbformat.v4.new_code_cell("output_dir = None")
        params.metadata["tags"] = ["parameters"]
        nb.cells = [nbformat.v4.new_markdown_cell("# test"), params, nbformat.v4.new_code_cell(source)]
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(nb, books / f"{name}.ipynb")
    results = run_notebooks(output_dir=tmp_path / "out", notebooks_dir=books, progress=False)
    assert [(r.notebook, r.status) for r in results] == [
        ("01_fails", "failed"), ("02_works", "ok"), ("03_speaks", "ok")]
    assert "ValueError: planted failure" in results[0].error
    assert results[0].error.startswith("cell [")
    logs = tmp_path / "out" / "notebooks"
    assert (logs / "02_works.ipynb").is_file()
    # a kernel's start-up warning is not kept: nothing else written, no file at all
    assert not (logs / "02_works.stderr.txt").exists()
    assert (logs / "03_speaks.stderr.txt").read_text() == "kernel says this\n"


def test_param_file_paths_resolve_against_the_callers_folder(tmp_path, monkeypatch):
    from analysis.run.cli import build_parser
    from analysis.run.runner import params_from_args

    (tmp_path / "p.yaml").write_text("corpus_dir: corpus\ntop_n: 5\nformats: [png]\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    args = build_parser().parse_args(["run", "-f", "p.yaml", "-p", "top_n=7", "-p", "keywords=[守土有责]"])
    params = params_from_args(args)
    assert params == {"corpus_dir": str(tmp_path / "corpus"), "top_n": 7, "formats": ["png"],
                      "keywords": ["守土有责"]}


@pytest.mark.parametrize("path", sorted((NOTEBOOKS_DIR / "params").glob("*.yaml")), ids=lambda p: p.name)
def test_named_parameter_sets_are_valid(path):
    import yaml

    params = yaml.safe_load(path.read_text(encoding="utf-8"))
    check_parameters(params, list_notebooks())


def test_cli_scheduler_needs_the_dask_engine():
    done = _cli("--scheduler", "tcp://127.0.0.1:1", "--only", "01")
    assert done.returncode == 2
    assert "only used with engine='dask'" in done.stderr


def test_cli_engine_choices():
    done = _cli("--engine", "spark")
    assert done.returncode == 2 and "invalid choice: 'spark'" in done.stderr


@pytest.mark.slow
def test_runner_dask_engine_matches_local(tmp_path):
    """--engine dask without --scheduler: a local cluster for the run, the same tables."""
    pytest.importorskip("distributed")
    outputs = {}
    for engine in ("local", "dask"):
        out = tmp_path / engine
        results = run_notebooks(params={"engine": engine, "cache_dir": str(tmp_path / engine / "c")},
                                output_dir=out, only=["03"], progress=False)
        assert [(r.notebook, r.status, r.error) for r in results] == [("03_keyness", "ok", "")]
        outputs[engine] = sorted(p.name for p in out.glob("*.csv"))
        executed = nbformat.read(out / "notebooks" / "03_keyness.ipynb", 4)
        injected = [c.source for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])]
        assert f'engine = "{engine}"' in injected[0]
        if engine == "dask":
            assert 'scheduler = "tcp://127.0.0.1:' in injected[0]
    assert outputs["local"] == outputs["dask"] != []
    for name in outputs["local"]:
        assert (tmp_path / "local" / name).read_bytes() == (tmp_path / "dask" / name).read_bytes(), name
    from analysis.core.engines import _CLIENTS

    assert _CLIENTS == {}  # the runner stopped its cluster


def test_kernels_run_without_progress_bars_of_their_own(tmp_path, monkeypatch):
    """The runner's bar counts the notebooks; a kernel's bar would be written into each."""
    monkeypatch.delenv("ANALYSIS_PROGRESS", raising=False)
    books = tmp_path / "books"
    books.mkdir()
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("output_dir = None        # where figures go")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(
        "import os, pathlib\n"
        "pathlib.Path(output_dir, 'env.txt').write_text(os.environ.get('ANALYSIS_PROGRESS', '-'))")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, books / "01_env.ipynb")
    out = tmp_path / "out"
    results = run_notebooks(params={}, output_dir=out, notebooks_dir=books, progress=False)
    assert [r.status for r in results] == ["ok"]
    assert (out / "env.txt").read_text() == "0"
    assert "ANALYSIS_PROGRESS" not in os.environ   # set for the kernels only
