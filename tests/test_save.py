"""Tests of analysis.save: formats, CSV, manifest, fingerprints and byte-identical reruns."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import zlib
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from analysis.core.config import PROJ_ROOT  # noqa: E402
from analysis.core.errors import AnalysisError, FontError  # noqa: E402
from analysis.corpus.fingerprint import corpus_fingerprint  # noqa: E402
from analysis.figures.save import MANIFEST, save_figure  # noqa: E402
from analysis.figures.style import SINGLE_COLUMN, paper_style  # noqa: E402

DATA = pd.DataFrame({"term": ["疫情防控", "守土有责", "停课不停学", "邴祎龙"],
                     "freq": [12, 7, 3, 1], "group": ["南开大学"] * 4})
CORPUS = pd.DataFrame({
    "doc_id": ["002_b", "001_a", "003_c"],
    "text": ["停课不停学。", "疫情防控，守土有责。", pd.NA],
    "date": pd.to_datetime(["2020-02-11", "2020-01-27", None]),
}).astype({"text": "string"})
FORMATS = ("png", "svg", "pdf")

DRAW = '''
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
from analysis.figures.style import SINGLE_COLUMN, paper_style

def draw(data):
    with paper_style():
        fig, ax = plt.subplots(figsize=(SINGLE_COLUMN, 2.0))
        ax.barh(data["term"], data["freq"])
        ax.set_title("南开大学 · 哈尔滨工程大学 · 大连外国语大学")
        ax.set_xlabel("频次（−1 至 12）")
    return fig
'''


def draw(data: pd.DataFrame = DATA) -> plt.Figure:
    """Draw the sample bar chart (the same code the subprocess rerun uses)."""
    space: dict = {}
    exec(DRAW, space)  # noqa: S102 - one source of truth for both processes
    return space["draw"](data)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _save(folder: Path, name: str = "demo", **kwargs) -> dict:
    kwargs = {"data": DATA, "corpus": CORPUS, "params": {"top": 4}, **kwargs}
    return save_figure(draw(), name, output_dir=folder, **kwargs)


def _bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


# --- what is written ---------------------------------------------------------------------

def test_every_format_and_the_csv_are_written(tmp_path):
    entry = _save(tmp_path)
    names = {"demo.png", "demo.svg", "demo.pdf", "demo.csv", MANIFEST}
    assert {p.name for p in tmp_path.iterdir()} == names
    assert list(entry["files"]) == ["demo.png", "demo.svg", "demo.pdf", "demo.csv"]
    assert (tmp_path / "demo.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "demo.pdf").read_bytes()[:5] == b"%PDF-"


def test_the_csv_beside_the_figure_is_the_data(tmp_path):
    _save(tmp_path)
    text = (tmp_path / "demo.csv").read_text(encoding="utf-8")
    assert text.splitlines()[:2] == ["term,freq,group", "疫情防控,12,南开大学"]
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "demo.csv"), DATA,
                                  check_dtype=False)


def test_no_csv_without_data_and_only_the_formats_asked(tmp_path):
    entry = _save(tmp_path, data=None, formats=["svg"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo.svg", MANIFEST]
    assert entry["data"] is None and list(entry["files"]) == ["demo.svg"]


# --- byte-identical reruns ---------------------------------------------------------------

@pytest.mark.filterwarnings("error:Glyph")
def test_two_renders_give_identical_bytes(tmp_path):
    _save(tmp_path / "a")
    _save(tmp_path / "b")
    first, second = _bytes(tmp_path / "a"), _bytes(tmp_path / "b")
    assert list(first) == ["demo.csv", "demo.pdf", "demo.png", "demo.svg", MANIFEST]
    for name in first:
        assert first[name] == second[name], name


def test_a_rerun_in_a_new_process_gives_identical_bytes(tmp_path):
    _save(tmp_path / "here")
    DATA.to_pickle(tmp_path / "data.pkl")
    CORPUS.to_pickle(tmp_path / "corpus.pkl")
    code = DRAW + f'''
import pandas as pd
from analysis.figures.save import save_figure
data = pd.read_pickle({str(tmp_path / "data.pkl")!r})
save_figure(draw(data), "demo", data=data, corpus=pd.read_pickle({str(tmp_path / "corpus.pkl")!r}),
            params={{"top": 4}}, output_dir={str(tmp_path / "there")!r})
'''
    env = {**os.environ, "PYTHONHASHSEED": "12345", "MPLBACKEND": "Agg"}
    env.pop("ANALYSIS_RECORD_COMMIT", None)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, timeout=600)
    assert done.returncode == 0, done.stderr
    assert _bytes(tmp_path / "here") == _bytes(tmp_path / "there")


def test_files_carry_no_date_or_software_version(tmp_path):
    _save(tmp_path)
    version = matplotlib.__version__.encode()
    for name in ("demo.png", "demo.svg", "demo.pdf"):
        data = (tmp_path / name).read_bytes()
        assert version not in data, name
    assert b"<dc:date>" not in (tmp_path / "demo.svg").read_bytes()
    pdf = (tmp_path / "demo.pdf").read_bytes()
    assert b"/CreationDate" not in pdf and b"/ModDate" not in pdf
    assert b"tEXtSoftware" not in (tmp_path / "demo.png").read_bytes()


# --- Chinese in the PDF stays text -------------------------------------------------------

def _streams(pdf: bytes) -> list[bytes]:
    out = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            out.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return out


def test_the_pdf_embeds_truetype_with_a_unicode_map(tmp_path):
    _save(tmp_path)
    pdf = (tmp_path / "demo.pdf").read_bytes()
    assert b"/Subtype /CIDFontType2" in pdf and b"/FontFile2" in pdf
    assert b"/Type3" not in pdf and b"/FontFile3" not in pdf
    assert re.search(rb"/BaseFont /[A-Z]{6}\+NotoSansSC-Regular", pdf)
    cmaps = b"".join(s for s in _streams(pdf) if b"beginbfrange" in s or b"beginbfchar" in s)
    assert cmaps, "no ToUnicode CMap"
    for char in "南开大学哈尔滨工程疫情防控守土有责停课不停学邴祎龙频次":
        assert f"<{ord(char):04x}>".encode() in cmaps.lower(), char


# --- the manifest ------------------------------------------------------------------------

def test_the_manifest_records_files_params_corpus_and_versions(tmp_path):
    params = {"institutions": {"南开大学", "天津大学"}, "corpus_dir": PROJ_ROOT / "seeds",
              "date_from": pd.Timestamp("2020-01-01"), "top": 4, "missing": pd.NA}
    entry = _save(tmp_path, params=params)
    manifest = json.loads((tmp_path / MANIFEST).read_text(encoding="utf-8"))
    assert manifest == {"demo": entry}
    assert sorted(entry) == ["corpus", "data", "dpi", "files", "fonts", "git_commit",
                             "git_dirty", "params", "size_mm", "versions"]
    for name, digest in entry["files"].items():
        assert hashlib.sha256((tmp_path / name).read_bytes()).hexdigest() == digest
    assert entry["params"] == {"institutions": ["南开大学", "天津大学"], "corpus_dir": "seeds",
                               "date_from": "2020-01-01T00:00:00", "top": 4, "missing": None}
    assert entry["data"] == {"file": "demo.csv", "rows": 4, "columns": ["term", "freq", "group"]}
    assert entry["corpus"] == corpus_fingerprint(CORPUS)
    assert entry["size_mm"] == [85.0, 50.8] and entry["dpi"] == 300
    assert entry["fonts"] == ["DejaVu Sans", "Noto Sans SC"]
    assert {"python", "analysis", "pandas", "numpy", "matplotlib", "jieba", "scikit-learn",
            "wordcloud"} <= set(entry["versions"])
    assert entry["versions"]["matplotlib"] == matplotlib.__version__
    assert entry["git_commit"] is None and entry["git_dirty"] is None


def test_the_manifest_is_sorted_and_independent_of_the_save_order(tmp_path):
    for folder, order in (("a", ["b_fig", "a_fig"]), ("b", ["a_fig", "b_fig"])):
        for name in order:
            _save(tmp_path / folder, name, formats=["svg"])
    text = (tmp_path / "a" / MANIFEST).read_text(encoding="utf-8")
    assert text == (tmp_path / "b" / MANIFEST).read_text(encoding="utf-8")
    assert list(json.loads(text)) == ["a_fig", "b_fig"]
    assert text.endswith("}\n")
    assert not list((tmp_path / "a").glob(".*.tmp"))


def test_saving_again_replaces_one_entry_and_keeps_the_others(tmp_path):
    _save(tmp_path, "one", formats=["svg"])
    _save(tmp_path, "two", params={"top": 4}, formats=["svg"])
    _save(tmp_path, "one", params={"top": 10}, formats=["svg"])
    manifest = json.loads((tmp_path / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["one"]["params"] == {"top": 10} and manifest["two"]["params"] == {"top": 4}


@pytest.mark.parametrize("how", ["argument", "environment"])
def test_the_commit_is_recorded_only_when_asked(tmp_path, monkeypatch, how):
    kwargs = {}
    if how == "argument":
        kwargs["record_commit"] = True
    else:
        monkeypatch.setenv("ANALYSIS_RECORD_COMMIT", "1")
    entry = _save(tmp_path, **kwargs)
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=PROJ_ROOT, capture_output=True,
                          text=True)
    expected = head.stdout.strip() if head.returncode == 0 else None
    assert entry["git_commit"] == expected
    assert entry["git_dirty"] in ((True, False) if expected else (None,))


def test_a_broken_manifest_is_reported(tmp_path):
    (tmp_path / MANIFEST).write_text("{not json", encoding="utf-8")
    with pytest.raises(AnalysisError, match="not valid JSON"):
        _save(tmp_path)


# --- corpus fingerprint ------------------------------------------------------------------

def test_corpus_fingerprint_by_hand():
    lines = ['["001_a", "疫情防控，守土有责。"]\n', '["002_b", "停课不停学。"]\n',
             '["003_c", ""]\n']
    digest = hashlib.sha256("".join(lines).encode("utf-8")).hexdigest()
    assert corpus_fingerprint(CORPUS) == {"sha256": digest, "n_docs": 3, "n_dated": 2,
                                          "date_min": "2020-01-27", "date_max": "2020-02-11"}


def test_corpus_fingerprint_ignores_row_order_and_sees_any_change():
    base = corpus_fingerprint(CORPUS)
    assert corpus_fingerprint(CORPUS.iloc[::-1]) == base
    changed = CORPUS.assign(text=CORPUS["text"].str.replace("守土有责", "守土尽责"))
    assert corpus_fingerprint(changed)["sha256"] != base["sha256"]
    renamed = CORPUS.assign(doc_id=["002_b", "001_x", "003_c"])
    assert corpus_fingerprint(renamed)["sha256"] != base["sha256"]


def test_corpus_fingerprint_without_dates_and_with_other_columns():
    table = pd.DataFrame({"id": ["x"], "body": ["正文"]})
    out = corpus_fingerprint(table, text_col="body", id_col="id", date_col=None)
    assert out["n_docs"] == 1 and out["date_min"] is None and out["n_dated"] is None
    with pytest.raises(AnalysisError, match=r"'text_col' parameter of corpus_fingerprint.*'body'"):
        corpus_fingerprint(table, id_col="id", date_col=None)


# --- arguments ---------------------------------------------------------------------------

@pytest.mark.parametrize(("kwargs", "message"), [
    ({"formats": ["png", "jpg"]}, r"'formats' parameter of save_figure must be one of "
                                  r"\['png', 'svg', 'pdf'\]; got 'jpg'"),
    ({"formats": []}, r"'formats' .* at least one"),
    ({"data": [1, 2]}, r"'data' parameter of save_figure must be a pandas DataFrame"),
    ({"dpi": 0}, r"'dpi' parameter of save_figure must be in the range"),
    ({"name": "sub/fig"}, r"'name' parameter of save_figure .*; got 'sub/fig'"),
    ({"name": ".hidden"}, r"'name' parameter"),
    ({"fig": "figure"}, r"'fig' parameter of save_figure must be a matplotlib Figure"),
])
def test_bad_arguments_are_named(tmp_path, kwargs, message):
    args = {"fig": kwargs.pop("fig", None) or draw(), "name": kwargs.pop("name", "demo")}
    with pytest.raises(AnalysisError, match=message):
        save_figure(args["fig"], args["name"], output_dir=tmp_path, **kwargs)
    assert not list(tmp_path.iterdir())


def test_a_figure_with_boxes_is_not_saved(tmp_path):
    with paper_style():
        fig, ax = plt.subplots(figsize=(SINGLE_COLUMN, 2.0))
        ax.set_title("南开大学 \u0378")
    with pytest.raises(FontError, match=r"U\+0378\) in '南开大学"):
        save_figure(fig, "boxes", output_dir=tmp_path)
    assert not list(tmp_path.iterdir())
