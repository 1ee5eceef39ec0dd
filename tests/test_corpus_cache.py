"""The corpus cache: a rerun returns the same frames, any change parses again, no corruption."""

from __future__ import annotations

import os
import shutil
import warnings

import pandas as pd
import pytest

import analysis.corpus.cache as corpus_cache
from analysis import load_corpus
from analysis.core.config import SEEDS_DIR
from analysis.corpus.cache import CorpusCacheWarning
from analysis.core.errors import AnalysisError


@pytest.fixture
def seeds(tmp_path):
    folder = tmp_path / "seeds"
    shutil.copytree(SEEDS_DIR, folder)
    return folder


def _load(folder, cache, **options):
    return load_corpus(folder, return_report=True, use_cache=True, cache_dir=cache, **options)


def _cache_files(cache):
    return sorted(p.name for p in cache.glob("*") if p.is_file())


def test_hit_returns_the_same_frames(seeds, tmp_path):
    cache = tmp_path / "cache"
    fresh, fresh_report = load_corpus(seeds, return_report=True)
    first, first_report = _load(seeds, cache)
    assert len(_cache_files(cache)) == 2
    pd.testing.assert_frame_equal(first, fresh)
    pd.testing.assert_frame_equal(first_report, fresh_report)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a hit parses nothing and warns nothing
        again, again_report = _load(seeds, cache)
    pd.testing.assert_frame_equal(again, fresh, check_exact=True)
    pd.testing.assert_frame_equal(again_report, fresh_report, check_exact=True)
    assert list(again["date"].dt.strftime("%Y-%m-%d")) == \
        list(fresh["date"].dt.strftime("%Y-%m-%d"))


@pytest.mark.parametrize("change", ["edit", "touch", "add", "remove", "sidecar", "option"])
def test_any_change_parses_again(seeds, tmp_path, change):
    cache = tmp_path / "cache"
    _load(seeds, cache)
    doc = sorted(seeds.glob("*.txt"))[0]
    options = {}
    if change == "edit":
        doc.write_text(doc.read_text(encoding="utf-8") + "\n新增一句话。", encoding="utf-8")
    elif change == "touch":
        stat = doc.stat()
        os.utime(doc, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    elif change == "add":
        (seeds / "extra.txt").write_text("新增文档\n\n南开大学召开会议。", encoding="utf-8")
    elif change == "remove":
        doc.unlink()
        sidecar = seeds / "metadata.csv"  # and its sidecar row, which would match nothing
        lines = sidecar.read_text(encoding="utf-8").splitlines(keepends=True)
        sidecar.write_text("".join(ln for ln in lines if not ln.startswith(doc.stem)),
                           encoding="utf-8")
    elif change == "sidecar":
        sidecar = seeds / "metadata.csv"
        sidecar.write_text(sidecar.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    else:
        options = {"strip_templates": False}
    got, _ = _load(seeds, cache, **options)
    fresh, _ = load_corpus(seeds, return_report=True, **options)
    pd.testing.assert_frame_equal(got, fresh)
    assert len(_cache_files(cache)) == 4  # a second key beside the first


def test_loader_code_is_part_of_the_key(seeds, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    _load(seeds, cache)
    key = corpus_cache.corpus_key(seeds, {})
    monkeypatch.setattr(corpus_cache, "SCHEME", corpus_cache.SCHEME + 1)
    assert corpus_cache.corpus_key(seeds, {}) != key


@pytest.mark.parametrize("damage", ["truncate", "garbage", "report_missing"])
def test_damaged_cache_is_parsed_again(seeds, tmp_path, damage):
    cache = tmp_path / "cache"
    fresh, _ = _load(seeds, cache)
    docs_file = next(p for p in cache.glob("*.parquet") if ".report." not in p.name)
    report_file = next(cache.glob("*.report.parquet"))
    if damage == "truncate":
        docs_file.write_bytes(docs_file.read_bytes()[:100])
    elif damage == "garbage":
        docs_file.write_bytes(b"not parquet at all")
    else:
        report_file.unlink()
    if damage == "report_missing":
        got, _ = _load(seeds, cache)  # incomplete: not used, silently rebuilt
    else:
        with pytest.warns(CorpusCacheWarning, match="Discarding the unreadable corpus cache"):
            got, _ = _load(seeds, cache)
    pd.testing.assert_frame_equal(got, fresh)
    assert len(_cache_files(cache)) == 2


def test_interrupted_write_leaves_no_file(seeds, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    real = corpus_cache.pq.write_table

    def interrupted(table, where, **kwargs):
        real(table, where, **kwargs)
        raise KeyboardInterrupt  # Ctrl-C after the temporary file is written

    monkeypatch.setattr(corpus_cache.pq, "write_table", interrupted)
    with pytest.raises(KeyboardInterrupt):
        _load(seeds, cache)
    assert _cache_files(cache) == []  # no temporary file left, no half cache
    monkeypatch.undo()
    got, _ = _load(seeds, cache)
    pd.testing.assert_frame_equal(got, load_corpus(seeds))


def test_use_cache_is_checked(seeds):
    with pytest.raises(AnalysisError, match=r"'use_cache' parameter of load_corpus must be "
                                            r"one of \[True, False\]; got 'yes'"):
        load_corpus(seeds, use_cache="yes")
