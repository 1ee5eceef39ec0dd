"""Tests of analysis.cache and of the token cache as tokenize() uses it."""

from __future__ import annotations

import re
import warnings

import pandas as pd
import pyarrow.parquet as pq
import pytest

import analysis.tokens.cache as cache
from analysis.tokens.cache import (DEFAULT_CACHE_DIR, TokenCacheWarning, cache_path, cached_tokens,
                            clear_token_cache, text_sha256)
from analysis.core.config import PROJ_ROOT
from analysis.core.errors import AnalysisError
from analysis.tokens import Segmenter, SegmenterConfig, tokenize


class Counting:
    """A fake segmenter that records the texts it is asked to segment."""

    def __init__(self):
        self.calls: list[list[str]] = []

    def __call__(self, texts: list[str]) -> list[str]:
        self.calls.append(list(texts))
        return [" ".join(text) for text in texts]  # one token a character


FP = "ab" * 32


def test_hit_miss_and_changed_text(tmp_path):
    seg = Counting()
    tokens, stats = cached_tokens(["甲乙", "丙丁", "甲乙"], seg, fingerprint=FP, cache_dir=tmp_path)
    assert tokens == ["甲 乙", "丙 丁", "甲 乙"]
    assert (stats["hits"], stats["misses"], stats["n_texts"]) == (0, 2, 3)
    assert seg.calls == [["甲乙", "丙丁"]]  # equal texts segmented once
    tokens, stats = cached_tokens(["甲乙", "丙丁"], seg, fingerprint=FP, cache_dir=tmp_path)
    assert (stats["hits"], stats["misses"]) == (2, 0) and len(seg.calls) == 1
    tokens, stats = cached_tokens(["甲乙", "丙戊"], seg, fingerprint=FP, cache_dir=tmp_path)
    assert tokens == ["甲 乙", "丙 戊"]
    assert (stats["hits"], stats["misses"]) == (1, 1) and seg.calls[-1] == ["丙戊"]
    assert stats["path"] == str(tmp_path / f"tokens-{FP[:24]}.parquet")


def test_other_fingerprint_other_file(tmp_path):
    seg = Counting()
    cached_tokens(["甲乙"], seg, fingerprint=FP, cache_dir=tmp_path)
    _, stats = cached_tokens(["甲乙"], seg, fingerprint="cd" * 32, cache_dir=tmp_path)
    assert stats["misses"] == 1
    assert len(list(tmp_path.glob("tokens-*.parquet"))) == 2


def test_no_cache(tmp_path):
    seg = Counting()
    for _ in range(2):
        tokens, stats = cached_tokens(["甲乙"], seg, fingerprint=FP, cache_dir=tmp_path,
                                      use_cache=False)
        assert stats == {"hits": 0, "misses": 1, "n_texts": 1, "path": None}
    assert len(seg.calls) == 2 and list(tmp_path.iterdir()) == []


def test_file_format(tmp_path):
    cached_tokens(["甲乙", "丙"], Counting(), fingerprint=FP, cache_dir=tmp_path,
                  metadata={"jieba": "0.42.1"})
    path = cache_path(FP, tmp_path)
    table = pq.read_table(path)
    assert table.column_names == ["text_sha256", "tokens"]
    assert table.column("text_sha256").to_pylist() == [text_sha256("甲乙"), text_sha256("丙")]
    assert table.schema.metadata[b"fingerprint"] == FP.encode()
    assert b'"jieba": "0.42.1"' in table.schema.metadata[b"segmenter"]
    assert pq.ParquetFile(path).metadata.row_group(0).column(1).compression == "ZSTD"
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left


def _wrong_columns(path):
    import pyarrow as pa

    pq.write_table(pa.table({"a": [1]}).replace_schema_metadata({"fingerprint": FP}), path)


@pytest.mark.parametrize("damage", [
    lambda p: p.write_bytes(b"not a parquet file"),
    lambda p: p.write_bytes(p.read_bytes()[:40]),  # truncated
    _wrong_columns,
])
def test_corrupt_cache_is_rebuilt(tmp_path, damage):
    seg = Counting()
    cached_tokens(["甲乙", "丙丁"], seg, fingerprint=FP, cache_dir=tmp_path)
    path = cache_path(FP, tmp_path)
    damage(path)
    with pytest.warns(TokenCacheWarning, match=r"Discarding the unreadable token cache .*rebuilt"):
        tokens, stats = cached_tokens(["甲乙", "丙丁"], seg, fingerprint=FP, cache_dir=tmp_path)
    assert tokens == ["甲 乙", "丙 丁"] and stats["misses"] == 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _, stats = cached_tokens(["甲乙", "丙丁"], seg, fingerprint=FP, cache_dir=tmp_path)
    assert stats["hits"] == 2


def test_cache_of_another_fingerprint_is_discarded(tmp_path):
    cached_tokens(["甲乙"], Counting(), fingerprint="cd" * 32, cache_dir=tmp_path)
    cache_path("cd" * 32, tmp_path).rename(cache_path(FP, tmp_path))
    with pytest.warns(TokenCacheWarning, match="belongs to fingerprint 'cdcd"):
        _, stats = cached_tokens(["甲乙"], Counting(), fingerprint=FP, cache_dir=tmp_path)
    assert stats["misses"] == 1


def test_interrupted_write_keeps_old_cache(tmp_path, monkeypatch):
    seg = Counting()
    cached_tokens(["甲乙"], seg, fingerprint=FP, cache_dir=tmp_path)
    before = cache_path(FP, tmp_path).read_bytes()

    class Crashing(cache.pq.ParquetWriter):
        def write_table(self, table, *args, **kwargs):  # the file is open, half written
            super().write_table(table, *args, **kwargs)
            raise KeyboardInterrupt

    monkeypatch.setattr(cache.pq, "ParquetWriter", Crashing)
    with pytest.raises(KeyboardInterrupt):
        cached_tokens(["甲乙", "丙丁"], seg, fingerprint=FP, cache_dir=tmp_path)
    assert cache_path(FP, tmp_path).read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == [cache_path(FP, tmp_path).name]


def test_cache_paths(tmp_path):
    assert DEFAULT_CACHE_DIR == PROJ_ROOT / ".cache" / "tokens"
    assert cache_path(FP) == DEFAULT_CACHE_DIR / f"tokens-{FP[:24]}.parquet"
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(AnalysisError, match="'cache_dir' parameter must name a folder"):
        cache_path(FP, blocker)
    cached_tokens(["甲乙"], Counting(), fingerprint=FP, cache_dir=tmp_path / "new" / "dir")
    assert clear_token_cache(tmp_path / "new" / "dir") == 1
    assert list((tmp_path / "new" / "dir").iterdir()) == []


# -- through tokenize() --------------------------------------------------------------

@pytest.fixture
def corpus() -> pd.DataFrame:
    return pd.DataFrame({"doc_id": ["a", "b", "c"],
                         "text": ["我校召开疫情防控工作会议。", "要求守土有责、守土尽责。",
                                  "各校停课不停学。"]})


@pytest.fixture
def counted(monkeypatch):
    """Count the texts the segmenter really segments."""
    seen: list[str] = []
    original = Segmenter.join_many

    def join_many(self, texts):
        texts = list(texts)
        seen.extend(texts)
        return original(self, texts)

    monkeypatch.setattr(Segmenter, "join_many", join_many)
    return seen


def test_tokenize_uses_cache(corpus, counted, tmp_path):
    first = tokenize(corpus, cache_dir=tmp_path)
    assert first.attrs["token_cache"]["misses"] == 3 and len(counted) == 3
    second = tokenize(corpus, cache_dir=tmp_path)
    assert second.attrs["token_cache"]["hits"] == 3 and len(counted) == 3
    pd.testing.assert_frame_equal(first, second)


def test_one_changed_document_is_segmented_again(corpus, counted, tmp_path):
    tokenize(corpus, cache_dir=tmp_path)
    changed = corpus.assign(text=corpus["text"].where(corpus["doc_id"] != "b", "坚持联防联控。"))
    out = tokenize(changed, cache_dir=tmp_path)
    assert out.attrs["token_cache"]["hits"] == 2 and out.attrs["token_cache"]["misses"] == 1
    assert counted[3:] == ["坚持联防联控。"]
    assert out["tokens"].tolist()[1] == "坚持 联防联控"


def test_stopword_file_change_invalidates(corpus, counted, tmp_path):
    stops = tmp_path / "stops.txt"
    stops.write_text("工作\n", encoding="utf-8")
    config = SegmenterConfig(stopwords=stops)
    first = tokenize(corpus, config=config, cache_dir=tmp_path / "c")
    stops.write_text("工作\n会议\n", encoding="utf-8")
    second = tokenize(corpus, config=config, cache_dir=tmp_path / "c")
    assert second.attrs["token_cache"]["misses"] == 3 and len(counted) == 6
    assert first["tokens"][0] == "召开 疫情防控 会议" and second["tokens"][0] == "召开 疫情防控"
    assert second.attrs["token_cache"]["path"] != first.attrs["token_cache"]["path"]
    stops.write_text("# a comment only changes nothing\n工作\n会议\n", encoding="utf-8")
    third = tokenize(corpus, config=config, cache_dir=tmp_path / "c")
    assert third.attrs["token_cache"]["hits"] == 3


def test_tokenize_without_cache(corpus, counted, tmp_path):
    out = tokenize(corpus, cache_dir=tmp_path, use_cache=False)
    assert out.attrs["token_cache"]["path"] is None and list(tmp_path.iterdir()) == []
    assert re.fullmatch(r"[0-9a-f]{64}", out.attrs["segmenter"]["fingerprint"])


def test_cache_written_in_row_groups_reads_back(tmp_path, monkeypatch):
    monkeypatch.setattr(cache, "WRITE_ROWS", 2)
    texts = ["甲乙", "丙丁", "戊", "己庚辛", "壬"]
    seg = Counting()
    cached_tokens(texts, seg, fingerprint=FP, cache_dir=tmp_path)
    assert cache.pq.ParquetFile(cache_path(FP, tmp_path)).num_row_groups == 3
    again = Counting()
    tokens, stats = cached_tokens(texts, again, fingerprint=FP, cache_dir=tmp_path)
    assert tokens == ["甲 乙", "丙 丁", "戊", "己 庚 辛", "壬"]
    assert again.calls == [] and stats["hits"] == 5
