"""Tests of analysis.engines: forked processes and a Dask cluster give the local results."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.corpus import load as corpus_module
from analysis import load_corpus, tokenize
import analysis.tokens.segment as tokens_module
from analysis.stats.counts import corpus_counts
from analysis.core.engines import check_engine, map_batches
from analysis.core.errors import AnalysisError
from analysis.run.params import validate_parameters
from benchmarks.generate import generate_corpus, sentence_pool

pytest.importorskip("distributed")


def test_check_engine_messages():
    with pytest.raises(AnalysisError, match=r"'engine' parameter of f must be one of "
                                            r"\['local', 'dask'\]; got 'spark'"):
        check_engine("spark", None, func="f")
    with pytest.raises(AnalysisError, match=r"only used with engine='dask'; got "
                                            r"scheduler='tcp://h:1' with engine='local'"):
        check_engine("local", "tcp://h:1", func="f")
    with pytest.raises(AnalysisError, match=r"'scheduler' parameter of f must be a Dask "
                                            r"scheduler address .*; got 8786"):
        check_engine("dask", 8786, func="f")
    with pytest.raises(AnalysisError, match=r"'engine' parameter of load_corpus"):
        load_corpus("seeds", engine="threads")
    with pytest.raises(AnalysisError, match=r"'n_jobs' parameter of tokenize"):
        tokenize(pd.DataFrame({"text": ["一"]}), n_jobs=0)
    with pytest.raises(AnalysisError, match=r"'engine' parameter must be one of"):
        validate_parameters({"engine": "gpu", "scheduler": None})


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_local_engine_in_order(n_jobs):
    offset = 100  # a closure: inherited by the forked workers, never pickled
    items = [[i, i + 1] for i in range(0, 40, 2)]
    assert list(map_batches(lambda b: [x + offset for x in b], items, n_jobs=n_jobs)) == \
        [[x + offset for x in b] for b in items]


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory) -> Path:
    """60 generated documents of 4 institutions (from the seeds' sentences)."""
    folder = tmp_path_factory.mktemp("engines") / "corpus"
    return generate_corpus(folder, 60, pool=sentence_pool(shared=None), n_institutions=4).folder


@pytest.fixture
def small_batches(monkeypatch):
    """Cut the work into many small batches, so that both workers get some."""
    monkeypatch.setattr(corpus_module, "FILES_PER_TASK", 7)
    monkeypatch.setattr(tokens_module, "TEXTS_PER_TASK", 5)


def test_local_parallel_load_and_tokens_identical(corpus_dir, small_batches, tmp_path):
    one, report_one = load_corpus(corpus_dir, n_jobs=1, return_report=True)
    two, report_two = load_corpus(corpus_dir, n_jobs=2, return_report=True)
    pd.testing.assert_frame_equal(one, two)
    pd.testing.assert_frame_equal(report_one, report_two)
    serial = tokenize(one, use_cache=False, n_jobs=1)["tokens"]
    forked = tokenize(one, use_cache=False, n_jobs=2)["tokens"]
    pd.testing.assert_series_equal(serial, forked)


@pytest.fixture(scope="module")
def dask_cluster():
    """A LocalCluster of two worker processes on 127.0.0.1, shared by the Dask tests."""
    from analysis.core.engines import dask_client, shutdown_clients

    client = dask_client(None, n_workers=2)
    assert len(client.scheduler_info()["workers"]) == 2
    assert client.scheduler.address.startswith("tcp://127.0.0.1:")
    yield client
    shutdown_clients()


@pytest.mark.slow
def test_dask_engine_identical(dask_cluster, corpus_dir, small_batches, tmp_path):
    """Load, tokens and counts on the cluster equal the local engine's, byte for byte."""
    address = dask_cluster.scheduler.address
    local, local_report = load_corpus(corpus_dir, return_report=True)
    remote, remote_report = load_corpus(corpus_dir, return_report=True, engine="dask",
                                        scheduler=address)
    pd.testing.assert_frame_equal(local, remote)
    pd.testing.assert_frame_equal(local_report, remote_report)
    # the workers did the reading: each one unpickled tasks of analysis.corpus
    loaded = dask_cluster.run(lambda: "analysis.corpus" in sys.modules)
    assert list(loaded.values()) == [True, True]

    expected = tokenize(local, use_cache=False, n_jobs=1)["tokens"]
    got = tokenize(remote, use_cache=False, engine="dask", scheduler=address)["tokens"]
    pd.testing.assert_series_equal(expected, got)

    a = corpus_counts(local, use_cache=False, n_jobs=1)
    b = corpus_counts(remote, cache_dir=tmp_path, engine="dask")  # local cluster by default
    assert b.info["counts_cache"] == "miss" and b.info["misses"] == len(remote)
    assert np.array_equal(a.vocabulary, b.vocabulary) and a.units.equals(b.units)
    assert (a.matrix != b.matrix).nnz == 0 and a.matrix.shape == b.matrix.shape
    assert a.matrix.sum() == sum(len(t.split()) for t in expected)


def _die_once(batch: list[int], marker: str) -> list[int]:
    """Kill the worker process the first time any task runs (the marker file records it)."""
    if not os.path.exists(marker):
        with open(marker, "w", encoding="utf-8") as file:
            file.write(str(os.getpid()))
        os._exit(1)  # noqa: SLF001 - a worker dying mid-task, as from the OOM killer
    return [x * x for x in batch]


@pytest.mark.slow
def test_dask_worker_death_is_retried(dask_cluster, tmp_path):
    from functools import partial

    marker = tmp_path / "died"
    items = [[i] for i in range(12)]
    got = list(map_batches(partial(_die_once, marker=str(marker)), items, engine="dask",
                           scheduler=dask_cluster.scheduler.address))
    assert marker.exists()  # a worker did die
    assert got == [[i * i] for i in range(12)]
