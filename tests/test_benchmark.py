"""The benchmark (not timed): clause repetition, the generator, memory sampling, a small run.

The end-to-end run generates 60 documents and times every row on them with one
cheap notebook (01) through the runner; it takes about 40 s.
"""

from __future__ import annotations

import doctest
import json
import subprocess
import sys

import pandas as pd
import pytest

import benchmarks.memory
import benchmarks.notebooks
import benchmarks.repetition
import benchmarks.tally
from analysis import load_corpus
from analysis.core.config import PROJ_ROOT
from analysis.run.runner import RunResult, summary_table
from benchmarks.generate import (
    describe_corpus,
    document_bodies,
    generate_corpus,
    sentence_pool,
)
from benchmarks.memory import TreeMemory, measure
from benchmarks.notebooks import parse_summary
from benchmarks.repetition import clause_repetition, clauses
from benchmarks.run import ROWS, STAGES

SHARED_REPETITION = 0.1056  # clause repetition of the 4,706 loaded shared documents
BAND = 0.03  # generated corpora of 4,000 documents and more stay this close to it


@pytest.mark.parametrize(("texts", "expected"), [
    # 今天下雨 (4) is new, then repeated twice; 我们在家 and 我们出门 (4 each) are new;
    # "OK" holds no Chinese character and is left out: 8 repeated of 20
    (["今天下雨，我们在家。", "今天下雨！我们出门", "OK, 今天下雨"], 8 / 20),
    # within one text too, whatever the punctuation (、 ； line break), spaces stripped
    (["好好学习、好好学习；\n 好好学习 "], 8 / 12),
    # book-title marks and quotes end clauses: 光明日报 (4) and 报道 (2) new, then repeated
    (["《光明日报》报道", "“光明日报”报道"], 6 / 12),
    ([], 0.0),
    (["2019-05-21 10:00", None], 0.0),
])
def test_clause_repetition(texts, expected):
    assert clause_repetition(texts) == pytest.approx(expected, abs=1e-12)


def test_clauses_split_at_chinese_and_ascii_punctuation():
    assert list(clauses("近日，学校召开(扩大)会议:研究部署…工作\n会议现场")) == \
        ["近日", "学校召开", "扩大", "会议", "研究部署", "工作", "会议现场"]


@pytest.mark.parametrize("module", [benchmarks.memory, benchmarks.notebooks,
                                    benchmarks.repetition, benchmarks.tally])
def test_docstring_examples(module):
    assert doctest.testmod(module).failed == 0


@pytest.fixture(scope="module")
def seeds_pool():
    """The generator's material from the seeds only: quick."""
    return sentence_pool(shared=None)


def test_generate_corpus(tmp_path, seeds_pool):
    made = generate_corpus(tmp_path / "corpus", 50, pool=seeds_pool, n_institutions=3)
    folder = made.folder
    files = sorted(p.name for p in folder.glob("*.txt"))
    assert len(files) == 50 and files[0] == "doc000001.txt" and made.n_docs == 50
    meta = pd.read_csv(folder / "metadata.csv", dtype=str)
    assert meta["institution"].nunique() == 3
    assert meta["date"].str[:4].eq("2019").all() and meta["date"].str[5:7].nunique() > 6
    docs = load_corpus(folder)
    assert len(docs) == 50 and docs["institution"].notna().all()
    assert (docs["institution_source"] == "metadata").all()
    # what the generator counted is what clause_repetition measures on the bodies; the
    # loader drops the 来源 line of reposts, hence a slightly different rate
    assert made.repetition == pytest.approx(clause_repetition(document_bodies(folder)))
    assert made.repetition == pytest.approx(clause_repetition(docs["text"]), abs=0.005)
    assert made.target is None and made.joined == 0  # no target without the shared corpus


def test_generate_corpus_is_deterministic(tmp_path, seeds_pool):
    first = generate_corpus(tmp_path / "a", 40, pool=seeds_pool, random_state=3)
    again = generate_corpus(tmp_path / "b", 40, pool=seeds_pool, random_state=3)
    other = generate_corpus(tmp_path / "c", 40, pool=seeds_pool, random_state=4)

    def read(folder):
        return {p.name: p.read_bytes() for p in sorted(folder.glob("*"))}

    assert read(first.folder) == read(again.folder)
    assert read(first.folder) != read(other.folder)


def test_generated_repetition_is_near_the_shared_corpus(tmp_path, shared_corpus):
    pool = sentence_pool(shared=shared_corpus)
    assert pool.shared_docs > 4_000
    assert pool.repetition == pytest.approx(SHARED_REPETITION, abs=0.005)
    made = generate_corpus(tmp_path / "corpus", 4_000, pool=pool)
    assert made.target == pool.repetition
    assert abs(made.repetition - pool.repetition) <= BAND, made
    assert made.joined < 0.05 * made.n_chars / 10  # under 5% of the clauses (~10 characters)
    assert made.repetition == pytest.approx(describe_corpus(made.folder)["repetition"])
    assert 40 < made.reposts < 140  # 2% of the documents


def test_sentence_pool_warns_without_shared_corpus(tmp_path):
    with pytest.warns(UserWarning, match="seed documents only"):
        pool = sentence_pool(shared=tmp_path / "absent")
    assert pool.repetition is None and pool.source == "the 5 seed documents only"


def test_tree_memory_counts_descendants():
    code = ("import subprocess, sys; subprocess.run([sys.executable, '-c', "
            "'import time; x = bytearray(200 * 2**20); time.sleep(1.0)'])")
    done = measure([sys.executable, "-c", code], interval=0.05)
    assert done.returncode == 0 and done.max_processes == 2
    assert done.peak_largest_mb > 200 and done.peak_total_mb > done.peak_largest_mb


def test_tree_memory_of_ended_process():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    with TreeMemory(child.pid) as memory:
        pass
    assert memory.samples == 0 and memory.peak_total_mb == memory.peak_largest_mb == 0


def test_parse_summary():
    # the table exactly as the runner prints it
    stdout = summary_table([RunResult("01_corpus_overview", "ok", 4.54, 4),
                            RunResult("05_similarity", "failed", 12.0, 0,
                                      "cell [7]: ValueError: no documents"),
                            RunResult("06_phrases", "cached", 0.01, 0)])
    rows = parse_summary("[IPKernelApp] WARNING | noise\n" + stdout)
    assert list(rows) == ["01_corpus_overview", "05_similarity", "06_phrases"]
    assert rows["06_phrases"] == {"status": "cached", "seconds": 0.0, "files": 0, "error": ""}
    assert rows["01_corpus_overview"] == {"status": "ok", "seconds": 4.5, "files": 4, "error": ""}
    assert rows["05_similarity"]["error"] == "cell [7]: ValueError: no documents"


def test_benchmark_end_to_end(tmp_path):
    out = tmp_path / "bench.json"
    done = subprocess.run([sys.executable, "-m", "benchmarks", "--docs", "60", "--only", "01",
                           "--naive-docs", "30", "--json", str(out),
                           "--workdir", str(tmp_path / "work")],
                          cwd=PROJ_ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(out.read_text(encoding="utf-8"))
    results = report["results"]
    assert list(results) == list(ROWS) and report["n_docs"] == 60 and report["only"] == ["01"]
    for name, row in results.items():
        assert row["wall"] > 0 and (row["total"] > 0 or name == "runner warm"), name
        assert row["peak_rss_mb"] >= row["largest_rss_mb"] > 50, name
    naive = results["naive"]
    assert naive["extrapolated_from"] == 30 and naive["n_docs"] == 60
    for name in ("naive", "stages cold", "stages warm"):
        assert set(results[name]["seconds"]) >= {"load", "tokens", "tfidf", "similarity"}
    assert set(results["stages cold"]["seconds"]) >= set(STAGES)
    assert results["stages cold"]["cache"] == "miss" and results["stages warm"]["cache"] == "hit"
    identity = results["stages cold"]["identity"]  # every token of the sample, rjieba vs jieba
    assert identity["docs"] == 60 and identity["tokens"] > 1_000
    assert identity["differing_docs"] == 0
    for name in ("runner cold", "runner warm", "runner rerun"):
        runner = results[name]
        assert list(runner["notebooks"]) == ["01_corpus_overview"]
        notebook = runner["notebooks"]["01_corpus_overview"]
        assert runner["exit_code"] == 0 and runner["wall"] > runner["total"]
        if name == "runner warm":  # nothing changed: the notebook is kept, not executed
            assert notebook["status"] == "cached" and notebook["files"] == 0
            assert notebook["cells"] == []
            continue
        assert notebook["status"] == "ok" and notebook["seconds"] > 0
        # cold: every figure drawn; rerun (--force): the same inputs, so nothing drawn again
        assert notebook["files"] > 0 if name == "runner cold" else notebook["files"] == 0
        cells = notebook["cells"]  # from papermill's metadata in the executed notebook
        assert len(cells) > 3 and all(c["seconds"] >= 0 for c in cells)
        assert sum(c["seconds"] for c in cells) < notebook["seconds"] + 0.1
        assert runner["max_processes"] >= 2  # the runner and its Jupyter kernel
    assert set(report["ratios"]) == {f"naive/{name}" for name in ROWS[1:]}
    corpus = report["corpus"]
    assert corpus["n_docs"] == 60 and corpus["n_chars"] > 10_000
    repetition = corpus["repetition"]
    assert 0 < repetition["generated"] < 1
    if repetition["shared"] is not None:
        assert repetition["shared"] == pytest.approx(SHARED_REPETITION, abs=0.005)
        assert repetition["shared_docs"] > 4_000
    table = done.stdout
    assert table.startswith("| pipeline | startup | load |") and "| 01 |" in table
    assert "naive (extrapolated from 30 docs)" in table and "naive/runner warm" in table
    assert "| runner warm |" in table and " kept |" in table
    assert "clause repetition: generated" in table
    assert "slowest cell per notebook (runner cold): 01 [" in table
    assert "60 cold-run documents re-segmented with jieba" in table
    assert ", 0 documents differ" in table
    assert (tmp_path / "work" / "corpus" / "metadata.csv").exists()  # --workdir is kept
