"""Execute the parameterised notebooks with papermill, two at a time, and report.

``python -m analysis run [--corpus DIR] [--metadata CSV] [--out DIR]
[-p NAME=VALUE ...] [-f PARAMS.yaml] [--only NOTEBOOK ...] [--cache-dir DIR]
[--text-col C] [--title-col C] [--date-col C] [--institution-col C] [--id-col C]
[--date-format F] [--engine {local,dask}] [--scheduler ADDRESS] [--jobs N] [--force]``

The column options map a table of articles (``--corpus news.csv --text-col
summary --date-col published --date-format epoch_ms``) onto the notebook
parameters of the same names.

With ``--engine dask`` the notebooks read and segment on a Dask cluster: the
one at ``--scheduler``, or a local cluster that the runner starts once for
all the notebooks and stops at the end.

Parameters are checked against the ``parameters`` cell of every selected
notebook before any notebook runs: a name no notebook declares, or a value of
another type than the declared default, stops the run with a message. A
failing notebook is reported with its cell and error, and the others still run.

Everything a researcher can get wrong is stopped before the first notebook,
with one line and exit code 2 (:mod:`analysis.run.cli`):

- every value is checked by the registry (:func:`analysis.run.params.validate_parameters`);
  ``-p``/``-f`` values are read as YAML without its dates, so ``date_from=2020-01-01``
  is the text ``'2020-01-01'`` (which the registry reads) and ``2020-13-01`` is
  a bad date, not a YAML traceback; dates go to papermill as ISO text;
- the corpus is loaded once, through its cache, with the run's parameters, and
  the column mapping, ``institutions`` and ``group_col`` are checked against it;
  it is then segmented and counted once, and the notebooks, two at a time
  (``--jobs``), read the caches;
- a notebook whose inputs are unchanged since its last run into the same
  folder is not executed again (``cached``; ``--force`` executes it), see
  :mod:`analysis.run.execute`;
- outputs go only where asked: ``--out`` and ``-p output_dir=`` must agree, and
  a folder that would put figures or executed notebooks over the project's
  sources (the project root, ``notebooks/``, ``analysis/``, ``tests/``,
  ``seeds/``) or into the corpus folder is refused; an invalid
  ``manifest.json`` there is reported before anything is written.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from ..core.config import FIGURES_DIR, NOTEBOOKS_DIR, PROJ_ROOT
from ..core.engines import ENGINES, check_engine, default_jobs
from ..core.errors import AnalysisError, suggest
from ..core.io import file_lock
from ..figures.fonts import CACHE_ENV
from ..figures.save import MANIFEST, read_manifest
from .execute import BYTES_PER_CHAR, RunResult, execute_books, memory_jobs
from .params import SHARED, validate_parameters

__all__ = ["run_notebooks", "notebook_parameters", "check_parameters", "add_run_arguments",
           "run_from_args", "RunResult"]

_CLI_PARAMS = {"corpus": "corpus_dir", "metadata": "metadata", "cache_dir": "cache_dir",
               "engine": "engine", "scheduler": "scheduler", "text_col": "text_col",
               "title_col": "title_col", "date_col": "date_col",
               "institution_col": "institution_col", "id_col": "id_col",
               "date_format": "date_format"}
# Parameters holding paths: resolved against the folder the runner is started from,
# since notebooks execute in notebooks/.
PATH_PARAMS = ("corpus_dir", "metadata", "cache_dir", "events", "output_dir", "aliases",
               "userdict")
PROTECTED = ("analysis", "notebooks", "tests", "seeds", "benchmarks", ".git")
"""Folders of the project no run writes into (nor the project root itself)."""


class _ParamLoader(yaml.SafeLoader):
    """YAML for parameter values, without its dates: 2020-01-01 stays text for the registry."""


_ParamLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def _read_yaml(text: str) -> Any:
    """Read a parameter value or file as YAML, without dates and without aliases."""
    loader = _ParamLoader(text)
    try:
        node = loader.get_single_node()
        if node is not None and _has_alias(node):
            raise yaml.YAMLError("aliases (*name) are not read in parameters")
        return None if node is None else loader.construct_document(node)
    finally:
        loader.dispose()


def _has_alias(node: yaml.Node) -> bool:
    seen, stack = set(), [node]
    while stack:
        item = stack.pop()
        if id(item) in seen:
            return True
        seen.add(id(item))
        if isinstance(item, yaml.SequenceNode):
            stack += item.value
        elif isinstance(item, yaml.MappingNode):
            stack += [x for pair in item.value for x in pair]
    return False


def _yaml_problem(err: Exception) -> str:
    problem = getattr(err, "problem", None) or getattr(err, "context", None) or str(err)
    return " ".join(str(problem).split())
_TYPES = {"str": (str,), "int": (int,), "float": (int, float), "bool": (bool,),
          "list": (list, tuple), "dict": (dict,)}


def list_notebooks(folder: Path = NOTEBOOKS_DIR, only: list[str] | None = None) -> list[Path]:
    """List the notebooks to run, in name order, optionally a chosen few.

    Parameters
    ----------
    folder : pathlib.Path
        The notebooks folder.
    only : list of str, optional
        Names (``02_terms``, ``02_terms.ipynb``) or numbers (``02``) to keep.

    Returns
    -------
    list of pathlib.Path
        The selected notebooks.

    Raises
    ------
    AnalysisError
        When a name in ``only`` matches no notebook (the message lists them).
    """
    books = sorted(p for p in folder.glob("*.ipynb") if not p.name.startswith("."))
    if not only:
        return books
    chosen = []
    for name in only:
        stem = name.removesuffix(".ipynb")
        hits = [b for b in books if b.stem == stem or b.stem.split("_", 1)[0] == stem]
        if not hits:
            raise AnalysisError(f"The '--only' option must name notebooks among "
                                f"{[b.stem for b in books]}; got {name!r}.")
        chosen += [h for h in hits if h not in chosen]
    return sorted(chosen)


def notebook_parameters(path: Path) -> dict[str, dict[str, Any]]:
    """Read the parameters a notebook declares in its ``parameters`` cell.

    Parameters
    ----------
    path : pathlib.Path
        The notebook.

    Returns
    -------
    dict
        Name -> papermill's description (``default``, ``inferred_type_name``, ``help``).
    """
    import papermill as pm

    return pm.inspect_notebook(str(path))


def declared_type(spec: dict[str, Any]) -> str | None:
    """Return the type a notebook parameter declares: its annotation or its default's type.

    Parameters
    ----------
    spec : dict
        papermill's description of one parameter.

    Returns
    -------
    str or None
        ``"str"``, ``"int"``, ``"float"``, ``"bool"``, ``"list"``, ``"dict"``,
        or None when the default is ``None`` (any type is accepted).
    """
    if spec.get("inferred_type_name") not in (None, "None", ""):
        return spec["inferred_type_name"]
    try:
        value = ast.literal_eval(spec["default"])
    except (ValueError, SyntaxError):
        return None
    return None if value is None else type(value).__name__.replace("tuple", "list")


def _type_ok(value: Any, declared: str | None) -> bool:
    if declared is None or value is None:
        return True
    allowed = _TYPES.get(declared)
    if allowed is None:
        return True
    if declared in ("int", "float") and isinstance(value, bool):
        return False
    return isinstance(value, allowed)


def check_parameters(params: dict[str, Any], books: list[Path],
                     all_books: list[Path] | None = None) -> dict[Path, dict[str, Any]]:
    """Check parameters against the notebooks and split them per notebook.

    A name must be declared by one of ``all_books`` (every notebook of the
    folder: a parameter set written for all of them still runs with
    ``--only``); each notebook of ``books`` gets the ones it declares.

    Parameters
    ----------
    params : dict
        Name -> value, from ``-p``, ``-f`` and the named options.
    books : list of pathlib.Path
        The notebooks to run.
    all_books : list of pathlib.Path, optional
        The notebooks whose parameters are known; default ``books``.

    Returns
    -------
    dict
        Notebook -> the parameters it declares among ``params``.

    Raises
    ------
    AnalysisError
        For a name no notebook declares or a value of the wrong type.
    """
    declared = {b: notebook_parameters(b) for b in books}
    every = {b: declared.get(b) or notebook_parameters(b) for b in (all_books or books)}
    known = sorted({n for d in every.values() for n in d})
    for name, value in params.items():
        if name not in known:
            raise AnalysisError(f"Unknown parameter {name!r}{suggest(name, known)}: the "
                                f"notebooks declare {known}.")
        for book, spec in declared.items():
            if name in spec and not _type_ok(value, declared_type(spec[name])):
                raise AnalysisError(
                    f"The parameter {name!r} of {book.stem} must be of type "
                    f"{declared_type(spec[name])} (default {spec[name]['default']}); "
                    f"got {value!r} ({type(value).__name__}).")
    checked = validate_parameters(params)  # None too: top_n=null is not a number of terms
    plain = {k: _injectable(checked.get(k, v)) for k, v in params.items()}
    return {b: {k: v for k, v in plain.items() if k in d} for b, d in declared.items()}


def _injectable(value: Any) -> Any:
    """Turn a checked value into what papermill can write into a notebook (JSON)."""
    import datetime as dt

    import pandas as pd

    if isinstance(value, Path):
        return str(value)
    if isinstance(value, (pd.Timestamp, dt.date)):
        stamp = pd.Timestamp(value)
        return f"{stamp:%Y-%m-%d}" if stamp == stamp.normalize() else stamp.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


def run_notebooks(
    *,
    params: dict[str, Any] | None = None,
    output_dir: str | Path | None = None,
    only: list[str] | None = None,
    notebooks_dir: Path = NOTEBOOKS_DIR,
    progress: bool = True,
    jobs: int | None = None,
    force: bool = False,
) -> list[RunResult]:
    """Execute the notebooks with papermill, two at a time, and collect their outcomes.

    The corpus is loaded, segmented and counted once before the first
    notebook (:func:`prepare_corpus`); the notebooks then read the caches. A
    notebook whose inputs are unchanged since its last run into the same
    folder is kept, not executed (status ``cached``; see
    :mod:`analysis.run.execute`).

    Parameters
    ----------
    params : dict, optional
        Parameters for the notebooks (each gets the ones it declares).
        ``output_dir`` is always passed. With ``engine='dask'`` and no
        ``scheduler``, a local Dask cluster is started for the run and its
        address passed to every notebook.
    output_dir : path-like, optional
        Where figures go; executed notebooks go to ``output_dir/notebooks/``
        (with what each kernel wrote to standard error, ``NAME.stderr.txt``, when
        it wrote more than its start-up warning).
        Default ``params["output_dir"]``, else ``figures/``; given both, they
        must name the same folder.
    only : list of str, optional
        Run only these notebooks (their manifest entries are updated in place);
        without it, ``output_dir/manifest.json`` is rebuilt from scratch.
    notebooks_dir : pathlib.Path, default ``notebooks/``
        Where the notebooks are.
    progress : bool, default True
        Show a progress bar on standard error.
    jobs : int, optional
        Notebooks executed at once; default one per core, at most 2, as
        memory allows (:func:`analysis.run.execute.memory_jobs`: each kernel
        holds the corpus and its statistics).
    force : bool, default False
        Execute every notebook, even those whose inputs are unchanged.

    Returns
    -------
    list of RunResult
        One result per notebook, in name order; failures do not stop the others.

    Raises
    ------
    AnalysisError
        Before any notebook runs: for a bad parameter, an output folder over
        the project's sources or the corpus, an invalid manifest there, a
        corpus that does not load, or a column, group column or institution
        the corpus does not have.
    """
    params = dict(params or {})
    if jobs is not None and (isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1):
        raise AnalysisError(f"The 'jobs' parameter of run_notebooks (--jobs) must be a whole "
                            f"number of notebooks run at once, at least 1; got {jobs!r}.")
    out = output_folder(output_dir, params.get("output_dir"), notebooks_dir=notebooks_dir,
                        corpus=params.get("corpus_dir"))
    books = list_notebooks(notebooks_dir, only)
    check_engine(params.get("engine", "local"), params.get("scheduler"), func="run_notebooks")
    per_book = check_parameters({**params, "output_dir": str(out)}, books,
                                list_notebooks(notebooks_dir))
    read_manifest(out)  # an invalid manifest stops the run before any file is written
    cluster = None
    if params.get("engine") == "dask" and not params.get("scheduler"):
        # one local cluster for every notebook: each kernel connects to its scheduler
        from ..core.engines import dask_client

        cluster = dask_client(None)
        address = cluster.scheduler.address
        per_book = {b: {**p, "scheduler": address} if "engine" in p else p
                    for b, p in per_book.items()}
    try:
        with _kernel_environment(params.get("cache_dir")):
            inputs, n_chars, count = prepare_corpus(books, per_book)
            if jobs is None:
                jobs = memory_jobs(n_chars)
                if jobs < default_jobs():
                    print(f"Running one notebook at a time: a kernel may need "
                          f"{BYTES_PER_CHAR * n_chars / 2**30:.1f} GB for "
                          f"{n_chars:,} characters (--jobs overrides).", file=sys.stderr)
            return _run_books(books, per_book, out, inputs=inputs,
                              cache_dir=params.get("cache_dir"), jobs=jobs, force=force,
                              prepare=count, progress=progress)
    finally:
        if cluster is not None:
            from ..core.engines import shutdown_clients

            shutdown_clients()


def output_folder(output_dir: str | os.PathLike | None, param: Any = None, *,
                  notebooks_dir: Path = NOTEBOOKS_DIR, corpus: Any = None) -> Path:
    """Return the folder a run writes to, refusing one over the project's sources.

    Parameters
    ----------
    output_dir : path-like, optional
        The folder asked for (``--out``).
    param : path-like, optional
        The ``output_dir`` parameter (``-p output_dir=``); must agree with
        ``output_dir`` when both are given.
    notebooks_dir : pathlib.Path
        The notebooks run (never written over).
    corpus : path-like, optional
        The corpus (its folder is never written into).

    Returns
    -------
    pathlib.Path
        The resolved folder; default ``figures/``.

    Raises
    ------
    AnalysisError
        When the two disagree, or the folder is the project root, one of
        :data:`PROTECTED`, the notebooks folder or inside the corpus folder.
    """
    if param is not None and not isinstance(param, (str, os.PathLike)):
        raise AnalysisError(f"The 'output_dir' parameter must be the path of a folder or None; "
                            f"got {param!r}.")
    given = [Path(p).expanduser().resolve() for p in (output_dir, param) if p is not None]
    if len(given) == 2 and given[0] != given[1]:
        raise AnalysisError(f"The '--out' option ({given[0]}) and the 'output_dir' parameter "
                            f"({given[1]}) name different folders; give one of them.")
    out = given[0] if given else FIGURES_DIR.resolve()
    books = Path(notebooks_dir).resolve()
    sources = [PROJ_ROOT / name for name in PROTECTED] + [books]
    clash = None
    if out == PROJ_ROOT or out / "notebooks" == books:
        clash = "the project root: executed notebooks would overwrite notebooks/"
    elif any(out == src or out.is_relative_to(src) for src in sources):
        clash = "a folder of the project's sources"
    elif corpus is not None and Path(corpus).expanduser().is_dir() and \
            out.is_relative_to(Path(corpus).expanduser().resolve()):
        clash = "inside the corpus folder: the next run would read its tables as documents"
    if clash:
        raise AnalysisError(f"The output folder {str(out)!r} is {clash}; choose another with "
                            f"--out (default: figures/).")
    if out.exists() and not out.is_dir():
        raise AnalysisError(f"The output folder {str(out)!r} is a file; choose a folder with "
                            f"--out.")
    return out


@contextmanager
def _kernel_environment(cache_dir: Any) -> Iterator[None]:
    """Set what the notebooks' kernels inherit while they run.

    The CJK font instance goes to the run's cache folder, and the notebooks show
    no progress bars of their own (``ANALYSIS_PROGRESS=0``): the runner's bar
    counts the notebooks, and a bar would be written into every executed notebook.
    """
    settings = {"ANALYSIS_PROGRESS": "0"}
    if cache_dir is not None:
        settings[CACHE_ENV] = str(Path(cache_dir).expanduser().resolve())
    before = {k: os.environ.get(k) for k in settings}
    os.environ.update(settings)
    try:
        yield
    finally:
        for key, value in before.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def prepare_corpus(books: list[Path], per_book: dict[Path, dict[str, Any]]
                   ) -> tuple[dict[Path, str], int, Callable[[], None]]:
    """Load and check the corpus once as the notebooks will read it; count it on demand.

    Each notebook that declares the shared parameters makes a
    :class:`~analysis.run.study.Study` of its defaults and the run's values;
    the distinct ones are built here: the corpus is loaded and its documents
    selected (which checks the column mapping, ``group_col`` and
    ``institutions``), through the corpus cache. The returned ``count``
    segments and counts them, through the caches, so that the notebooks, run
    side by side, only read them; the runner calls it before the first
    notebook it executes (not when every notebook is kept).

    Parameters
    ----------
    books : list of pathlib.Path
        The notebooks to run.
    per_book : dict
        Notebook -> its parameters (:func:`check_parameters`).

    Returns
    -------
    inputs : dict
        Notebook -> :attr:`~analysis.run.study.Study.inputs_digest` of the
        corpus it reads ('' for a notebook without the shared parameters).
    n_chars : int
        Characters of the largest selection of documents (for the default ``jobs``).
    count : callable
        Segments and counts every selection (no argument, no result).

    Raises
    ------
    AnalysisError
        Naming the parameter, what the corpus has and what was given.
    """
    from .study import Study

    studies: dict[str, Study] = {}
    inputs: dict[Path, str] = {}
    for book in books:
        declared = notebook_parameters(book)
        inputs[book] = ""
        if not set(SHARED) <= set(declared):
            continue
        try:
            shared = {name: ast.literal_eval(declared[name]["default"]) for name in SHARED}
        except (ValueError, SyntaxError):  # a default that is not a literal: the notebook checks
            continue
        shared.update({k: v for k, v in per_book[book].items() if k in SHARED})
        key = json.dumps(shared, sort_keys=True, default=str)
        if key not in studies:
            studies[key] = Study(**shared)
            studies[key].docs  # noqa: B018 (loads, checks and caches the corpus)
        inputs[book] = key
    def count() -> None:
        for study in studies.values():
            study.counts  # noqa: B018 (segments and counts once, into the caches)

    digests = {key: study.inputs_digest for key, study in studies.items()}
    n_chars = max((int(study.docs["text"].str.len().sum()) for study in studies.values()),
                  default=0)
    return {book: digests.get(key, "") for book, key in inputs.items()}, n_chars, count


def _run_books(books: list[Path], per_book: dict[Path, dict[str, Any]], out: Path, *,
               inputs: dict[Path, str], cache_dir: Any, jobs: int | None, force: bool,
               prepare: Callable[[], Any], progress: bool) -> list[RunResult]:
    """Execute the notebooks (:func:`analysis.run.execute.execute_books`) under a progress bar."""
    from tqdm.auto import tqdm

    with tqdm(total=len(books), desc="notebooks", disable=not progress, file=sys.stderr) as bar:
        results = execute_books(books, per_book, out, inputs=inputs, cache_dir=cache_dir,
                                jobs=jobs, force=force, prepare=prepare,
                                on_done=lambda _: bar.update())
    _prune_manifest(out)
    return results


def _prune_manifest(folder: Path) -> None:
    """Drop the manifest entries whose files are gone: no entry outlives its figure."""
    from ..core.io import write_text

    path = folder / MANIFEST
    if not path.is_file():
        return
    with file_lock(path):
        try:
            manifest = read_manifest(folder)
        except AnalysisError:
            return
        kept = {name: entry for name, entry in manifest.items()
                if isinstance(entry, dict)
                and all((folder / f).is_file() for f in (entry.get("files") or {}))}
        if kept != manifest:
            write_text(path, json.dumps(kept, ensure_ascii=False, indent=2,
                                        sort_keys=True) + "\n")


def summary_table(results: list[RunResult]) -> str:
    """Format run results as a plain-text table.

    Parameters
    ----------
    results : list of RunResult
        The outcomes of :func:`run_notebooks`.

    Returns
    -------
    str
        One line per notebook: name, status, seconds, files written.
    """
    lines = [f"{'notebook':<22} {'status':<7} {'seconds':>8} {'files':>6}"]
    for r in results:
        lines.append(f"{r.notebook:<22} {r.status:<7} {r.seconds:>8.1f} {r.figures:>6}")
    for r in results:
        if r.error:
            lines.append(f"FAILED {r.notebook}: {r.error}")
    return "\n".join(lines)


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``python -m analysis run`` to a parser.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The ``run`` sub-command parser.
    """
    parser.add_argument("--corpus", help="corpus folder or table (notebook parameter corpus_dir)")
    parser.add_argument("--metadata", help="sidecar CSV (notebook parameter metadata)")
    parser.add_argument("--out", help="output folder for figures (default: figures/; the "
                                      "notebook parameter output_dir)")
    parser.add_argument("--cache-dir", dest="cache_dir",
                        help="cache folder of the parsed corpus, tokens, counts and font")
    add_mapping_arguments(parser)
    parser.add_argument("--engine", choices=ENGINES, default=None,
                        help="where files are read and segmented: local (worker processes "
                             "of this machine, the default) or dask")
    parser.add_argument("--scheduler", metavar="ADDRESS", default=None,
                        help="a Dask scheduler, e.g. tcp://10.0.0.5:8786 (with --engine dask; "
                             "default: a local cluster of 2 workers started by the runner)")
    parser.add_argument("-p", dest="param", action="append", default=[], metavar="NAME=VALUE",
                        help="a notebook parameter; VALUE is read as YAML (3, 0.5, [a, b], null)")
    parser.add_argument("-f", dest="param_file", metavar="PARAMS.yaml",
                        help="a YAML file of notebook parameters")
    parser.add_argument("--only", nargs="+", metavar="NOTEBOOK", help="run only these notebooks")
    parser.add_argument("--jobs", type=int, default=None, metavar="N",
                        help="notebooks executed at once (default: one per core, at most 2, "
                             "as memory allows: each kernel holds the corpus)")
    parser.add_argument("--force", action="store_true",
                        help="execute every notebook, also those whose inputs are unchanged "
                             "since their last run into --out")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def add_mapping_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the column mapping of a table of articles (``--text-col`` ...) to a parser.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The ``run`` or ``load`` sub-command parser.
    """
    group = parser.add_argument_group(
        "table columns", "for a .csv/.jsonl/.parquet corpus: which columns hold what")
    for name, what in (("text", "texts (default: text)"), ("title", "titles (default: title)"),
                       ("date", "dates (default: date)"),
                       ("institution", "institutions (default: institution)"),
                       ("id", "document ids (default: doc_id)")):
        group.add_argument(f"--{name}-col", dest=f"{name}_col", metavar="COLUMN",
                           help=f"the column of {what}")
    group.add_argument("--date-format", dest="date_format", metavar="FORMAT",
                       help="how the dates are written: epoch_ms, epoch_s or a strptime "
                            "pattern such as %%d/%%m/%%Y (default: usual written dates)")


def params_from_args(args: argparse.Namespace) -> dict[str, Any]:
    """Collect notebook parameters from a file, ``-p`` options and named options.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed ``run`` arguments.

    Returns
    -------
    dict
        Parameters; later sources override earlier ones (file, then ``-p``,
        then ``--corpus``/``--metadata``/``--cache-dir``); path parameters
        are made absolute against the current folder.

    Raises
    ------
    AnalysisError
        For a missing or malformed parameter file or a ``-p`` without ``=``.
    """
    params: dict[str, Any] = {}
    if args.param_file:
        path = Path(args.param_file)
        if not path.is_file():
            raise AnalysisError(f"The '-f' option names {str(path)!r}, which is not a file.")
        try:
            loaded = _read_yaml(path.read_text(encoding="utf-8")) or {}
        except UnicodeDecodeError as err:
            raise AnalysisError(f"The parameter file {str(path)!r} is not UTF-8 text ({err.reason} "
                                f"at byte {err.start}).") from None
        except (yaml.YAMLError, ValueError, TypeError, OverflowError, RecursionError) as err:
            mark = getattr(err, "problem_mark", None)
            where = f", line {mark.line + 1}" if mark is not None else ""
            raise AnalysisError(f"The parameter file {str(path)!r} is not valid YAML{where}: "
                                f"{_yaml_problem(err)}.") from None
        if not isinstance(loaded, dict):
            raise AnalysisError(f"The parameter file {str(path)!r} must hold a mapping of "
                                f"NAME: VALUE; got {type(loaded).__name__}.")
        params.update(loaded)
    for item in args.param:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise AnalysisError(f"The '-p' option must be NAME=VALUE; got {item!r}.")
        try:
            params[name.strip()] = _read_yaml(value)
        except (yaml.YAMLError, ValueError, TypeError, OverflowError, RecursionError) as err:
            raise AnalysisError(f"The '-p' value of {name.strip()!r} is not valid YAML "
                                f"({_yaml_problem(err)}): {value!r}; quote "
                                f"text, e.g. -p '{name.strip()}=\"...\"'.") from None
    for opt, name in _CLI_PARAMS.items():
        if getattr(args, opt, None) is not None:
            params[name] = getattr(args, opt)
    for name in PATH_PARAMS:
        value = params.get(name)
        is_name = name == "events" and isinstance(value, str) and "/" not in value \
            and not value.endswith((".yaml", ".yml"))  # a shipped event set
        if isinstance(value, str) and not is_name:
            params[name] = str(Path(value).expanduser().resolve())
    return params


def run_from_args(args: argparse.Namespace) -> int:
    """Run the notebooks for parsed command-line arguments and print a summary.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed ``run`` arguments.

    Returns
    -------
    int
        0 when every notebook succeeded, 1 when one failed.

    Raises
    ------
    AnalysisError
        For bad parameters or a missing corpus, before any notebook runs.
    """
    params = params_from_args(args)
    corpus = params.get("corpus_dir")
    if isinstance(corpus, str) and not Path(corpus).exists():
        raise AnalysisError(f"The '--corpus' option names {corpus!r}, which does not exist.")
    results = run_notebooks(params=params, output_dir=args.out, only=args.only,
                            progress=not args.no_progress, jobs=args.jobs, force=args.force)
    print(summary_table(results))
    return 0 if all(r.status in ("ok", "cached") for r in results) else 1
