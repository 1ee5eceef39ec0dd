"""Smoke test of the benchmark (not timed): 50 generated documents, three pipelines."""

from __future__ import annotations

import json

import pandas as pd

from analysis import load_corpus
from benchmarks.generate import generate_corpus, sentence_pool
from benchmarks.run import PIPELINES, benchmark, markdown_table


def test_generate_corpus(tmp_path):
    pool = sentence_pool(shared=None)  # the seeds only: quick
    folder = generate_corpus(tmp_path / "corpus", 50, pool=pool, n_institutions=3)
    again = generate_corpus(tmp_path / "again", 50, pool=pool, n_institutions=3)
    files = sorted(p.name for p in folder.glob("*.txt"))
    assert len(files) == 50 and files[0] == "doc000001.txt"
    assert (folder / "doc000007.txt").read_text(encoding="utf-8") == \
        (again / "doc000007.txt").read_text(encoding="utf-8")  # random_state
    meta = pd.read_csv(folder / "metadata.csv", dtype=str)
    assert meta["institution"].nunique() == 3
    assert meta["date"].str[:4].eq("2019").all() and meta["date"].str[5:7].nunique() > 6
    docs = load_corpus(folder)
    assert len(docs) == 50 and docs["institution"].notna().all()
    assert (docs["institution_source"] == "metadata").all()


def test_benchmark_smoke(tmp_path):
    corpus = generate_corpus(tmp_path / "corpus", 50, pool=sentence_pool(shared=None),
                             n_institutions=3)
    report = benchmark(corpus, tmp_path / "cache", n_jobs=2, naive_docs=25)
    results = report["results"]
    assert list(results) == list(PIPELINES) and report["n_docs"] == 50
    assert results["naive"]["extrapolated_from"] == 25 and results["naive"]["n_docs"] == 50
    assert results["cold"]["cache"] == "miss" and results["warm"]["cache"] == "hit"
    assert results["cold"]["n_terms"] == results["warm"]["n_terms"] > 100
    identity = results["cold"]["identity"]  # every token of the sample, rjieba against jieba
    assert identity["docs"] == 50 and identity["tokens"] > 1000
    assert identity["differing_docs"] == 0 and results["warm"]["identity"] is None
    for name, result in results.items():
        assert set(result["seconds"]) >= {"load", "tokens", "tfidf", "similarity"}, name
        assert result["peak_rss_mb"] > 0 and result["docs_per_second"] > 0
    assert set(report["ratios"]) == {"naive/cold", "naive/warm"}
    table = markdown_table(report)
    assert table.startswith("| pipeline | startup | load |")
    assert "naive (extrapolated from 25 docs)" in table and "naive/warm" in table
    assert "50 cold-run documents re-segmented with jieba" in table and ", 0 documents differ" in table
    json.dumps(report)
