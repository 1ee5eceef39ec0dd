"""The suite at its edges (issue 17): one test per probe that failed on the previous main.

Bad values stop before any notebook with one line and exit code 2; the loader
never hangs or aborts on one file; outputs go only where asked; the sidecar
never overrides silently; caches heal; bad table rows and bad bytes cost only
themselves. Tests that could hang run under a time limit (``signal.alarm`` or a
subprocess ``timeout``), so a regression fails instead of hanging the suite.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import math
import multiprocessing
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from analysis import CorpusError, load_corpus  # noqa: E402
from analysis.core.config import NOTEBOOKS_DIR, PROJ_ROOT  # noqa: E402
from analysis.core.errors import AnalysisError  # noqa: E402

GOOD = "标题一行\n\n2020年2月16日\n\n第一段正文，南开大学召开会议。\n第二段正文。\n"
ONE_LINE_CLI = 30  # seconds a CLI that stops before any notebook may take


@contextlib.contextmanager
def time_limit(seconds: int):
    """Fail (TimeoutError) instead of hanging when the block takes too long."""
    def stop(signum, frame):
        raise TimeoutError(f"took more than {seconds} s: the loader hangs")

    before = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, before)


def _write(folder: Path, name: str, data: bytes | str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def _report(folder: Path, **kwargs) -> pd.DataFrame:
    with time_limit(20):
        _, report = load_corpus(folder, return_report=True, **kwargs)
    return report.set_index("path")


def _cli(*args: str, cwd: Path = PROJ_ROOT, timeout: int = ONE_LINE_CLI
         ) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "analysis", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=timeout)


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    """``analysis run`` into tmp folders (never the project's figures/), in this process."""
    return _main("run", "--no-progress", "--out", str(tmp_path / "out"), "--cache-dir",
                 str(tmp_path / "cache"), *args)


def _main(*argv: str) -> subprocess.CompletedProcess:
    """Run the command line in this process (as ``python -m analysis`` would)."""
    from analysis.run.cli import main

    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()) as out:
        try:
            code = main(argv)
        except SystemExit as exit_:  # argparse
            code = exit_.code
    return subprocess.CompletedProcess(argv, code, out.getvalue(), err.getvalue())


def _one_line_exit_2(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    lines = [ln for ln in done.stderr.splitlines() if ln.startswith("error: ")]
    assert len(lines) == 1 and done.stderr.rstrip().endswith(lines[0]), done.stderr
    assert "Traceback" not in done.stderr
    return lines[0]


# --- 1. every parameter value is checked before any notebook runs ---------------------

def test_p_date_is_injected_as_iso_text(tmp_path):
    from analysis.run.cli import build_parser
    from analysis.run.runner import check_parameters, list_notebooks, params_from_args

    (tmp_path / "p.yaml").write_text("date_to: 2020-06-30\n", encoding="utf-8")
    args = build_parser().parse_args(["run", "-p", "date_from=2020-01-01", "-f",
                                      str(tmp_path / "p.yaml")])
    params = params_from_args(args)
    assert params["date_from"] == "2020-01-01" and params["date_to"] == "2020-06-30"
    per_book = check_parameters({**params, "date_from": dt.date(2020, 1, 1)},
                                list_notebooks(only=["01"]))
    injected = next(iter(per_book.values()))
    assert (injected["date_from"], injected["date_to"]) == ("2020-01-01", "2020-06-30")
    json.dumps(injected)  # papermill stores parameters as JSON


@pytest.mark.parametrize("value, shown", [
    ("20200101", "got 20200101."),  # a number, not 1970-01-01
    ("2020-13-01", "got '2020-13-01'."),  # an impossible date, not a PyYAML traceback
    ("today", "got 'today'."),  # a bound that moves with the day the notebook runs
])
def test_cli_bad_dates_exit_2_with_one_line(tmp_path, value, shown):
    line = _one_line_exit_2(_run(tmp_path, "--only", "01", "-p", f"date_from={value}"))
    assert "The 'date_from' parameter must be a date such as '2020-02-01'" in line
    assert line.endswith(shown)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("param, value, allowed", [
    ("alpha", ".nan", "a finite number in (0, 1)"),
    ("alpha", "2", "a finite number in (0, 1)"),
    ("top_n", "0", "an integer >= 1"),
    ("freq", "X", "one of ['auto', 'D', 'W', 'M', 'Q', 'Y']"),
    ("n_boot", "-1", "an integer >= 1"),
])
def test_out_of_range_values_are_refused(param, value, allowed):
    import yaml

    from analysis.run.runner import check_parameters, list_notebooks

    with pytest.raises(AnalysisError) as err:
        check_parameters({param: yaml.safe_load(value)}, list_notebooks())
    assert str(err.value).startswith(f"The '{param}' parameter must be {allowed}; got ")


def test_cli_nan_alpha_exits_2(tmp_path):
    line = _one_line_exit_2(_run(tmp_path, "--only", "03", "-p", "alpha=.nan"))
    assert line == "error: The 'alpha' parameter must be a finite number in (0, 1); got nan."


def test_study_refuses_nan_and_reads_date_objects(tmp_path):
    from analysis.run.study import Study

    with pytest.raises(AnalysisError, match=r"'alpha' parameter must be a finite number"):
        Study(parameters={"alpha": math.nan})
    study = Study(date_from=dt.date(2020, 2, 1), date_to="2020-06-30", cache_dir=tmp_path)
    assert study.params.as_dict()["date_from"] == "2020-02-01"


@pytest.mark.parametrize("param, value, start, end", [
    ("institutions", "[Nowhere]", "The 'institutions' parameter must name values of "
                                  "'institution' among ['北京科技大学', ", "got unknown ['Nowhere']."),
    ("group_col", "regoin", "The 'group_col' parameter of Study must be one of the columns "
                            "['doc_id', ", "got 'regoin'."),
])
def test_corpus_values_are_checked_once_before_the_notebooks(tmp_path, param, value, start, end):
    line = _one_line_exit_2(_run(tmp_path, "--only", "01", "-p", f"{param}={value}"))
    assert line.startswith(f"error: {start}") and line.endswith(end)
    assert not (tmp_path / "out" / "notebooks").exists()  # no notebook ran


@pytest.mark.parametrize("args, expected", [
    (["-p", "top_n=[1"], "The '-p' value of 'top_n' is not valid YAML"),
    (["-p", "top_n=&a [*a]"], "The '-p' value of 'top_n' is not valid YAML"),
])
def test_cli_yaml_errors_are_one_line(tmp_path, args, expected):
    assert expected in _one_line_exit_2(_run(tmp_path, "--only", "01", *args))


@pytest.mark.parametrize("text, expected", [
    ("date_from: 2020-13-01\n", "The 'date_from' parameter must be a date such as"),
    ("top_n: 5\nformats: [png\n", "is not valid YAML, line 3"),
])
def test_cli_yaml_errors_in_a_file_are_one_line(tmp_path, text, expected):
    (tmp_path / "bad.yaml").write_text(text, encoding="utf-8")
    assert expected in _one_line_exit_2(_run(tmp_path, "--only", "01", "-f",
                                             str(tmp_path / "bad.yaml")))


def test_null_is_checked_like_any_value():
    from analysis.run.runner import check_parameters, list_notebooks

    with pytest.raises(AnalysisError, match=r"The 'top_n' parameter must be an integer >= 1; "
                                            r"got None."):
        check_parameters({"top_n": None}, list_notebooks())
    check_parameters({"date_from": None, "kwic_term": None}, list_notebooks())


def test_misspelt_option_shows_the_subcommands_usage(tmp_path):
    done = _main("run", "--corpuss", "seeds")
    assert done.returncode == 2
    assert done.stderr.startswith("usage: python -m analysis run ")
    assert "unrecognized arguments: --corpuss (did you mean '--corpus'?)" in done.stderr
    done = _main("load", "seeds", "--out", str(tmp_path), "--text-colum", "x")
    assert done.stderr.startswith("usage: python -m analysis load ")


# --- 2. the loader never hangs and never aborts on one file -----------------------------

def test_fifo_is_skipped_not_read(tmp_path):
    _write(tmp_path, "ok.txt", GOOD)
    os.mkfifo(tmp_path / "pipe.txt")
    row = _report(tmp_path).loc["pipe.txt"]
    assert row["status"] == "skipped"
    assert row["reason"] == "not a regular file: a named pipe (FIFO) (only regular files are read)"


def test_fifo_listed_as_a_file_does_not_hang_the_read(tmp_path):
    from analysis.corpus.load import _read_file

    os.mkfifo(tmp_path / "pipe.txt")
    with time_limit(10):
        record, row = _read_file(tmp_path / "pipe.txt", "pipe.txt", 1000)
    assert record is None and row["reason"].startswith("not a regular file: a named pipe")


def test_fifo_as_the_source_is_an_error_not_a_hang(tmp_path):
    os.mkfifo(tmp_path / "pipe.txt")
    with time_limit(10), pytest.raises(CorpusError, match=r"is not a folder or a regular file "
                                                          r"\(a named pipe \(FIFO\)\)"):
        load_corpus(tmp_path / "pipe.txt")


def test_symlink_loop_and_dangling_link_are_reported_per_file(tmp_path):
    _write(tmp_path, "ok.txt", GOOD)
    os.symlink("loop2.txt", tmp_path / "loop1.txt")
    os.symlink("loop1.txt", tmp_path / "loop2.txt")
    os.symlink("nothere.txt", tmp_path / "dangling.txt")
    report = _report(tmp_path)
    assert report.loc["loop1.txt", "reason"] == \
        "symbolic link loop (too many levels of symbolic links)"
    assert report.loc["dangling.txt", "reason"] == \
        "broken symbolic link (its target 'nothere.txt' does not exist)"
    assert report.loc["ok.txt", "status"] == "loaded"


def test_file_name_that_is_not_utf8_is_reported(tmp_path):
    _write(tmp_path, "ok.txt", GOOD)
    with open(os.path.join(os.fsencode(tmp_path), b"bad\xff\xfename.txt"), "wb") as file:
        file.write(GOOD.encode())
    with time_limit(20):
        docs, report = load_corpus(tmp_path, return_report=True, use_cache=True,
                                   cache_dir=tmp_path / ".cache")
    row = report.set_index("path").loc["bad\ufffd\ufffdname.txt"]
    assert row["reason"].startswith("file name is not valid UTF-8")
    assert list(docs["doc_id"]) == ["ok"]
    report.to_csv(tmp_path / "report.csv")  # writable as UTF-8


def test_symlink_out_of_the_corpus_needs_follow_symlinks(tmp_path):
    corpus, outside = tmp_path / "corpus", tmp_path / "outside"
    _write(corpus, "ok.txt", GOOD)
    _write(outside, "secret.txt", GOOD.replace("第二段", "外面的"))
    _write(outside, "more/b.txt", GOOD.replace("第二段", "文件夹"))
    os.symlink(outside / "secret.txt", corpus / "secret.txt")
    os.symlink(outside / "more", corpus / "linked")
    report = _report(corpus)
    assert report.loc["secret.txt", "reason"].startswith(
        f"symbolic link to {outside / 'secret.txt'}, outside the corpus folder (not followed")
    assert report.loc["linked", "status"] == "skipped"  # a folder link appears in the report
    assert "follow_symlinks=True" in report.loc["linked", "reason"]
    followed = _report(corpus, follow_symlinks=True)
    assert followed.loc[["secret.txt", "linked/b.txt"], "status"].tolist() == ["loaded"] * 2


def test_folder_link_loop_is_not_followed_forever(tmp_path):
    _write(tmp_path, "a/ok.txt", GOOD)
    os.symlink("..", tmp_path / "a" / "up")
    report = _report(tmp_path, follow_symlinks=True)
    assert report.loc["a/up", "status"] == "skipped"
    assert report.loc["a/ok.txt", "status"] == "loaded"


BOMB = "".join(f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n"
               for p, c in zip("abcdefgh", "bcdefghi")).replace("*a", '"lol"')


@pytest.mark.parametrize("field", ["title", "tags"])
def test_yaml_alias_bomb_is_refused_quickly(tmp_path, field):
    text = f"---\n{BOMB}{field}: *i\ndate: 2020-01-02\n---\n南开大学召开会议。\n"
    assert len(text.encode()) < 600
    _write(tmp_path, "bomb.md", text)
    with time_limit(10):
        docs, report = load_corpus(tmp_path, return_report=True)
    assert f"'{field}'" in report.loc[0, "warnings"] and "YAML aliases" in report.loc[0, "warnings"]
    assert docs.loc[0, "date"] == pd.Timestamp("2020-01-02")


def test_impossible_front_matter_date_costs_only_the_date(tmp_path):
    _write(tmp_path, "a.md", "---\ntitle: 标题\ndate: 2020-13-45\n---\n南开大学召开会议。\n")
    docs, report = load_corpus(tmp_path, return_report=True)
    assert pd.isna(docs.loc[0, "date"])
    assert "front matter date '2020-13-45' not understood" in report.loc[0, "warnings"]


# --- 3. outputs go only where asked -------------------------------------------------------

def test_output_dir_parameter_is_not_replaced_by_the_default(tmp_path):
    from analysis.run.runner import output_folder

    assert output_folder(None, str(tmp_path / "mine")) == tmp_path / "mine"
    assert output_folder(tmp_path / "mine", str(tmp_path / "mine")) == tmp_path / "mine"
    with pytest.raises(AnalysisError, match=r"The '--out' option .* and the 'output_dir' "
                                            r"parameter .* name different folders"):
        output_folder(tmp_path / "a", str(tmp_path / "b"))


def test_cli_out_and_output_dir_must_agree(tmp_path):
    line = _one_line_exit_2(_run(tmp_path, "--only", "01", "-p",
                                 f"output_dir={tmp_path / 'other'}"))
    assert "name different folders" in line


@pytest.mark.parametrize("out", [".", "notebooks", "analysis/stats", "seeds"])
def test_run_refuses_to_write_over_the_project_sources(out, monkeypatch):
    monkeypatch.chdir(PROJ_ROOT)
    before = {p: p.stat().st_mtime_ns for p in NOTEBOOKS_DIR.glob("*.ipynb")}
    line = _one_line_exit_2(_main("run", "--no-progress", "--out", out, "--only", "01"))
    assert line.startswith(f"error: The output folder {str((PROJ_ROOT / out).resolve())!r} is ")
    assert {p: p.stat().st_mtime_ns for p in before} == before


def test_run_refuses_an_output_folder_inside_the_corpus(tmp_path):
    from analysis.run.runner import output_folder

    (tmp_path / "corpus").mkdir()
    with pytest.raises(AnalysisError, match="inside the corpus folder"):
        output_folder(tmp_path / "corpus" / "figs", corpus=tmp_path / "corpus")


def test_invalid_manifest_is_reported_before_any_figure_is_written(tmp_path):
    from analysis.figures.save import save_figure

    (tmp_path / "manifest.json").write_text("[1, 2]", encoding="utf-8")
    fig, ax = plt.subplots()
    ax.plot([1, 2])
    with pytest.raises(AnalysisError, match="is not valid JSON for a manifest"):
        save_figure(fig, "demo", output_dir=tmp_path, formats=["png"])
    plt.close(fig)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.json"]


def test_invalid_manifest_stops_the_run_before_any_notebook(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "manifest.json").write_text("{not json", encoding="utf-8")
    line = _one_line_exit_2(_run(tmp_path, "--only", "01"))
    assert "manifest.json' is not valid JSON" in line
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["manifest.json"]


def _add_entries(folder: str, prefix: str, n: int) -> None:
    from analysis.figures.save import update_manifest

    for i in range(n):
        update_manifest(Path(folder), f"{prefix}{i:03d}", {"files": {}, "i": i})


def test_two_processes_updating_one_manifest_lose_nothing(tmp_path):
    ctx = multiprocessing.get_context("fork")
    workers = [ctx.Process(target=_add_entries, args=(str(tmp_path), p, 300)) for p in "ab"]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
        assert w.exitcode == 0
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert len(manifest) == 600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.json"]  # no lock file left


# --- 4. the sidecar never overrides silently -------------------------------------------

def test_sidecar_rows_that_disagree_are_an_error_naming_them(tmp_path):
    _write(tmp_path, "a.txt", GOOD)
    _write(tmp_path, "metadata.csv", "doc_id,institution\na,天津大学\na,南开大学\n")
    with pytest.raises(CorpusError, match=re.escape(
            "gives 1 document value(s) twice, differently: ['a' institution: '天津大学' (line 2) "
            "vs '南开大学' (line 3)]; keep one row per document.")):
        load_corpus(tmp_path)


def test_sidecar_rows_that_agree_are_merged_with_a_note(tmp_path):
    _write(tmp_path, "a.txt", GOOD)
    _write(tmp_path, "metadata.csv", "doc_id,institution,region\na,天津大学,\na,,天津\n")
    with pytest.warns(UserWarning, match="sidecar value"):
        docs, report = load_corpus(tmp_path, return_report=True)
    assert (docs.loc[0, "institution"], docs.loc[0, "region"]) == ("天津大学", "天津")
    assert "2 sidecar rows (lines [2, 3]) name this document: merged" in \
        report.set_index("path").loc["a.txt", "warnings"]


@pytest.mark.parametrize("bad", ["2020-13-45", "yesterday"])
def test_sidecar_date_that_does_not_parse_keeps_the_inferred_one(tmp_path, bad):
    _write(tmp_path, "a.txt", GOOD)
    _write(tmp_path, "metadata.csv", f"doc_id,date\na,{bad}\n")
    with pytest.warns(UserWarning, match="not used as given"):
        docs, report = load_corpus(tmp_path, return_report=True)
    assert (docs.loc[0, "date"], docs.loc[0, "date_source"]) == (pd.Timestamp("2020-02-16"),
                                                                 "header")
    assert f"sidecar date '{bad}' (line 2) is not a date: kept the inferred date" in \
        report.set_index("path").loc["a.txt", "warnings"]


# --- 5. caches heal -----------------------------------------------------------------------

def test_corrupt_font_cache_is_rebuilt(tmp_path):
    from analysis.figures.fonts import FontCacheWarning, cjk_font_path

    good = cjk_font_path(cache_dir=tmp_path)
    good.write_bytes(b"not a font")
    with pytest.warns(FontCacheWarning, match="Discarding the unreadable font cache"):
        again = cjk_font_path(cache_dir=tmp_path)
    assert again == good and again.stat().st_size > 1_000_000


def test_font_cache_follows_the_run_cache_folder(tmp_path, monkeypatch):
    from analysis.figures.fonts import CACHE_ENV, cjk_font_path, font_cache_dir

    with font_cache_dir(tmp_path / "study"):
        assert cjk_font_path().parent == tmp_path / "study"
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "run"))
    assert cjk_font_path().parent == tmp_path / "run"


def test_unwritable_font_cache_says_so_and_figures_still_draw(tmp_path):
    from analysis.figures.fonts import FontCacheWarning, cjk_font_path

    (tmp_path / "a_file").write_text("x")
    with pytest.warns(FontCacheWarning, match=r"Cannot write the font cache .*a_file/fonts.* "
                                              r"\(NotADirectoryError"):
        path = cjk_font_path(cache_dir=tmp_path / "a_file" / "fonts")
    assert path.is_file()


def test_counts_cache_that_is_not_a_zip_is_rebuilt(tmp_path):
    from analysis.stats.counts import corpus_counts
    from analysis.tokens.cache import TokenCacheWarning

    docs = pd.DataFrame({"doc_id": ["a", "b"], "text": ["南开大学召开会议", "天津大学发布通知"]})
    first = corpus_counts(docs, cache_dir=tmp_path)
    npz = Path(first.info["path"])
    npz.write_bytes(b"PK\x03\x04 truncated")
    with pytest.warns(TokenCacheWarning, match="Discarding the unreadable counts cache"):
        again = corpus_counts(docs, cache_dir=tmp_path)
    assert again.info["counts_cache"] == "miss"
    assert (again.matrix != first.matrix).nnz == 0
    assert corpus_counts(docs, cache_dir=tmp_path).info["counts_cache"] == "hit"


@pytest.mark.parametrize("damage", [b"", b"PAR1 garbage PAR1", b"\x00" * 64])
def test_token_and_corpus_caches_that_fail_to_read_are_rebuilt(tmp_path, damage):
    from analysis.corpus.cache import CorpusCacheWarning
    from analysis.tokens.cache import TokenCacheWarning, cached_tokens

    path = tmp_path / f"tokens-{'ab' * 12}.parquet"
    path.write_bytes(damage)
    with pytest.warns(TokenCacheWarning, match="Discarding"):
        tokens, _ = cached_tokens(["甲乙"], lambda ts: [" ".join(t) for t in ts],
                                  fingerprint="ab" * 32, cache_dir=tmp_path)
    assert tokens == ["甲 乙"]
    _write(tmp_path / "corpus", "a.txt", GOOD)
    load_corpus(tmp_path / "corpus", use_cache=True, cache_dir=tmp_path / "c")
    for cached in (tmp_path / "c").glob("corpus-*.parquet"):
        cached.write_bytes(damage)
    with pytest.warns(CorpusCacheWarning, match="Discarding"):
        docs = load_corpus(tmp_path / "corpus", use_cache=True, cache_dir=tmp_path / "c")
    assert list(docs["doc_id"]) == ["a"]


# --- 6. tables: bad rows cost only themselves -------------------------------------------

def test_bad_csv_row_is_skipped_and_listed(tmp_path):
    _write(tmp_path, "t.csv", "doc_id,text\na,南开大学召开会议。\nb,天津大学,多一列\nc,发布通知。\n")
    docs, report = load_corpus(tmp_path / "t.csv", return_report=True)
    assert list(docs["doc_id"]) == ["a", "c"]
    assert "1 bad line(s) skipped: line 3: expected 2 fields, saw 3" in report.loc[0, "warnings"]
    with pytest.raises(CorpusError, match=r"Expected 2 fields in line 3, saw 3"):
        load_corpus(tmp_path / "t.csv", on_bad_lines="error")


def test_bad_jsonl_line_is_skipped_and_listed(tmp_path):
    lines = ['{"doc_id": "a", "text": "南开大学召开会议。"}', '{"doc_id": "b", "text": ',
             '["not", "an", "object"]', '{"doc_id": "c", "text": "天津大学发布通知。"}']
    _write(tmp_path, "t.jsonl", "\n".join(lines))
    docs, report = load_corpus(tmp_path / "t.jsonl", return_report=True)
    assert list(docs["doc_id"]) == ["a", "c"]
    warns = report.loc[0, "warnings"]
    assert "2 bad line(s) skipped: line 2: not JSON" in warns
    assert "line 3: a JSON list, not an object" in warns
    with pytest.raises(CorpusError, match=r"t.jsonl: line 2 is not JSON"):
        load_corpus(tmp_path / "t.jsonl", on_bad_lines="error")


def test_duplicate_table_ids_get_unique_ids_and_a_warning(tmp_path):
    pd.DataFrame({"doc_id": ["x", "x", "y"], "text": ["南开大学召开会议。", "天津大学发布通知。",
                                                    "北京大学举办活动。"]}).to_csv(tmp_path / "t.csv",
                                                                               index=False)
    docs, report = load_corpus(tmp_path / "t.csv", return_report=True)
    assert list(docs["doc_id"]) == ["x#1", "x#2", "y"]
    assert "row 1: id 'x' is not unique: doc_id is 'x#1'" in report.loc[0, "warnings"]


@pytest.mark.parametrize("column, kind", [
    (pd.Series([12345.0, 678.0]), "float values (dtype float64, e.g. 12345.0)"),
    (pd.Series(["南开".encode(), "天津".encode()]), "bytes values (dtype object, e.g. b'\\xe5"),
])
def test_parquet_text_column_that_is_not_text_is_an_error(tmp_path, column, kind):
    pd.DataFrame({"doc_id": ["a", "b"], "text": column}).to_parquet(tmp_path / "t.parquet")
    with pytest.raises(CorpusError, match=re.escape(
            f"The 'text_col' column 'text' of t.parquet must hold text; it holds {kind}")):
        load_corpus(tmp_path / "t.parquet")


def test_mixed_jsonl_text_types_are_bad_rows(tmp_path):
    _write(tmp_path, "t.jsonl", '{"doc_id": "a", "text": "南开大学召开会议。"}\n'
                                '{"doc_id": "b", "text": 12345}\n')
    docs, report = load_corpus(tmp_path / "t.jsonl", return_report=True)
    assert list(docs["doc_id"]) == ["a"]
    assert "row 2: 'text' holds a int (12345), not text" in report.loc[0, "warnings"]


# --- 7. text: bad bytes and markdown emphasis ------------------------------------------

def test_three_invalid_bytes_cost_three_characters_not_the_file(tmp_path):
    body = GOOD.encode("utf-8")
    cut = body.index("南开".encode())
    _write(tmp_path, "a.txt", body[:cut] + b"\xff\xfe\x80" + body[cut:])
    docs, report = load_corpus(tmp_path, return_report=True)
    assert docs.loc[0, "text"] == "第一段正文，\ufffd南开大学召开会议。\n第二段正文。"
    assert "3 invalid UTF-8 byte(s) replaced by U+FFFD" in report.loc[0, "warnings"]


def test_mostly_undecodable_file_is_skipped_with_the_share(tmp_path):
    _write(tmp_path, "ok.txt", GOOD)
    _write(tmp_path, "bad.txt", b"\x80\x81\xfe\xff\x80" * 3)
    row = _report(tmp_path).loc["bad.txt"]
    assert row["reason"] == ("undecodable bytes (not UTF-8, UTF-16 or GB18030): 60% of the "
                             "bytes are invalid (the limit is 50%)")


@pytest.mark.parametrize("line, clean", [
    ("****", None), ("**", None), ("## ****", None),
    ("****有人说，教学永远不老。", "有人说，教学永远不老。"),
    ("**编者按：**党的十九大报告。", "编者按：党的十九大报告。"),
    ("活动**参观生产线**凯盛集团座谈。**", "活动参观生产线凯盛集团座谈。"),
    ("***重要***、*强调*、__加粗__、_斜体_和~~删除~~都去掉标记。",
     "重要、强调、加粗、斜体和删除都去掉标记。"),
    ("3*4*5=60，链接 https://x.cn/__local/a_b.mp4 保留。",
     "3*4*5=60，链接 https://x.cn/__local/a_b.mp4 保留。"),
])
def test_markdown_emphasis_is_stripped_in_all_its_forms(line, clean):
    from analysis.corpus.boilerplate import clean_body

    want = "正文第一行。" + (f"\n{clean}" if clean else "")
    assert clean_body(f"正文第一行。\n{line}\n").text == want


# --- 8. Ctrl-C ends with one line ---------------------------------------------------------

SLEEPER = """
import signal, sys
from pathlib import Path
from analysis.run import runner
from analysis.run.cli import main
found = runner.list_notebooks
runner.list_notebooks = lambda folder=None, only=None: found(Path(sys.argv[1]), only)
sys.exit(main(["run", "--no-progress", "--out", sys.argv[2]]))
"""


@pytest.mark.slow
def test_ctrl_c_ends_with_one_line_and_exit_130(tmp_path):
    books = tmp_path / "books"
    books.mkdir()
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("output_dir = None")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell("# t"), params,
                nbformat.v4.new_code_cell("import time\ntime.sleep(600)")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    for name in ("01_sleep", "02_sleep"):  # two kernels side by side: both must stop
        nbformat.write(nb, books / f"{name}.ipynb")
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-c", SLEEPER, str(books), str(out)], cwd=PROJ_ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 60
    logs = [out / "notebooks" / f"{name}.stderr.txt" for name in ("01_sleep", "02_sleep")]
    while not all(log.exists() for log in logs) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert all(log.exists() for log in logs)  # both kernels started
    time.sleep(3)  # the kernels are running the cell
    proc.send_signal(signal.SIGINT)
    try:  # the kernel runs in a session of its own: the runner must pass Ctrl-C on to it
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130, stderr
    assert stderr.strip().splitlines() == [
        "interrupted: stopped by Ctrl-C (finished files and caches are kept; rerun to continue)"]


# --- 9. the column mapping as runner and load options ---------------------------------

@pytest.fixture
def news_csv(tmp_path) -> Path:
    """A table with non-standard column names and dates in epoch milliseconds."""
    texts = {"南开大学": ["南开大学召开疫情防控工作会议，部署开学工作。",
                      "南开大学举行线上毕业典礼，师生云端相聚。"],
             "天津大学": ["天津大学召开党委常委会，研究疫情防控工作。",
                      "天津大学举办云端招聘会，助力毕业生就业。"]}
    rows = [{"uid": f"n{i}{j}", "headline": t[:8], "summary": t, "source": inst,
             "published": int(pd.Timestamp(f"2020-0{2 + j}-1{i}").value // 10**6)}
            for i, (inst, ts) in enumerate(texts.items()) for j, t in enumerate(ts)]
    pd.DataFrame(rows).to_csv(tmp_path / "news.csv", index=False)
    return tmp_path / "news.csv"


MAPPING = ["--text-col", "summary", "--title-col", "headline", "--date-col", "published",
           "--date-format", "epoch_ms", "--institution-col", "source", "--id-col", "uid"]


def test_mapping_options_become_notebook_parameters(news_csv):
    from analysis.run.cli import build_parser
    from analysis.run.runner import params_from_args

    params = params_from_args(build_parser().parse_args(["run", "--corpus", str(news_csv),
                                                         *MAPPING]))
    assert {k: params[k] for k in ("text_col", "title_col", "date_col", "date_format",
                                   "institution_col", "id_col")} == {
        "text_col": "summary", "title_col": "headline", "date_col": "published",
        "date_format": "epoch_ms", "institution_col": "source", "id_col": "uid"}


def test_cli_load_takes_the_mapping(news_csv, tmp_path):
    done = _cli("load", str(news_csv), "--out", str(tmp_path / "loaded"), *MAPPING)
    assert done.returncode == 0, done.stderr
    docs = pd.read_csv(tmp_path / "loaded" / "documents.csv")
    assert docs["doc_id"].tolist() == ["n00", "n01", "n10", "n11"]
    assert docs["date"].tolist()[:2] == ["2020-02-10", "2020-03-10"]


def test_wrong_mapping_names_the_columns_before_any_notebook(news_csv, tmp_path):
    line = _one_line_exit_2(_run(tmp_path, "--only", "01", "--corpus", str(news_csv),
                                 "--text-col", "summary",
                                 "--date-col", "pubished"))
    assert ("The 'date_col' parameter of load_corpus must be one of the columns ['uid', "
            "'headline', 'summary', 'source', 'published'] of news.csv; got 'pubished'.") in line
    assert not (tmp_path / "out" / "notebooks").exists()


@pytest.mark.slow
def test_runner_on_a_table_with_other_column_names(news_csv, tmp_path):
    done = _run(tmp_path, "--corpus", str(news_csv), *MAPPING, "--only", "01", "-p",
                "formats=[png]", "-p", "freq=M")
    assert done.returncode == 0, done.stdout + done.stderr
    table = pd.read_csv(tmp_path / "out" / "01_documents_per_period.csv")
    assert table.groupby("institution")["n_docs"].sum().to_dict() == {"南开大学": 2, "天津大学": 2}
    assert sorted(table.loc[table["n_docs"] > 0, "period"].unique()) == ["2020-02-01",
                                                                         "2020-03-01"]


@pytest.mark.parametrize("index", ["[1, 2]", "{\"key\": 3}", "not json", "{\"parts\": 5}"])
def test_a_damaged_results_index_is_recomputed_not_fatal(tmp_path, index):
    import warnings

    from analysis.core.store import ResultCacheWarning, ResultStore

    store = ResultStore(tmp_path)
    key = "k" * 64
    frames = {"a": pd.DataFrame({"x": [1, 2]})}
    store.write_many("r", key, frames)
    (tmp_path / f"r-{key[:24]}.json").write_text(index, encoding="utf-8")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert store.read_many("r", key) is None
    assert any(issubclass(w.category, ResultCacheWarning) for w in caught)
    assert not (tmp_path / f"r-{key[:24]}.json").exists()


def test_nan_is_refused_by_the_statistics_api():
    from analysis.core.errors import AnalysisError
    from analysis.stats import keyness

    docs = pd.DataFrame({"doc_id": ["a", "b"], "institution": ["x", "y"],
                         "tokens": ["甲 乙", "乙 丙"]})
    with pytest.raises(AnalysisError, match=r"'alpha' parameter of keyness must be a number, "
                                            r"not NaN; got nan"):
        keyness(docs, alpha=float("nan"))


@pytest.mark.parametrize("call", [
    "documents_per_period", "duplicate_clusters", "keyword_timeline", "apply_dictionary",
    "shared_phrases"])
def test_a_date_column_that_holds_no_dates_is_one_line(call):
    from analysis.stats import (
        apply_dictionary,
        documents_per_period,
        duplicate_clusters,
        keyword_timeline,
        shared_phrases,
    )

    docs = pd.DataFrame({"doc_id": ["a", "b"], "institution": ["X", "Y"],
                         "date": ["2020-01-05", "not a date"],
                         "text": ["疫情防控工作通知", "疫情防控工作安排"],
                         "tokens": ["疫情 防控 工作 通知", "疫情 防控 工作 安排"]})
    calls = {
        "documents_per_period": lambda: documents_per_period(docs),
        "duplicate_clusters": lambda: duplicate_clusters(docs, pairs=docs.iloc[:0].assign(
            doc_a=[], doc_b=[]), group_col=None),
        "keyword_timeline": lambda: keyword_timeline(docs, terms=["疫情"]),
        "apply_dictionary": lambda: apply_dictionary(docs, dictionary="covid19-education"),
        "shared_phrases": lambda: shared_phrases(docs),
    }
    with pytest.raises(AnalysisError, match=rf"^The 'date' column given as 'date_col' of {call} "
                                            r"must hold dates; .*not a date"):
        calls[call]()
