"""Tests of analysis.counts: streaming sparse counts, their cache and derived values."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer

from analysis.tokens.cache import TokenCacheWarning
from analysis.stats.counts import (TermCounts, corpus_counts, count_tokens, counts_key, load_counts,
                             save_counts)
from analysis.tokens import EmptyDocumentsWarning, tokenize

TOKENS = ["疫情 防控 疫情", "", "  会议 b  a ", "防控\t会议\u3000B", "疫情"]


@pytest.mark.parametrize("batch_size", [1, 2, 5_000])
def test_count_tokens_exact(batch_size):
    counts, vocabulary = count_tokens(iter(TOKENS), batch_size=batch_size)
    assert vocabulary.tolist() == ["B", "a", "b", "会议", "疫情", "防控"]  # code-point order
    assert counts.dtype == np.int64 and counts.has_sorted_indices
    assert counts.toarray().tolist() == [
        [0, 0, 0, 0, 2, 1],
        [0, 0, 0, 0, 0, 0],
        [0, 1, 1, 1, 0, 0],
        [1, 0, 0, 1, 0, 1],
        [0, 0, 0, 0, 1, 0],
    ]


def test_count_tokens_as_count_vectorizer(seed_docs):
    texts = tokenize(seed_docs.reset_index(drop=True), use_cache=False)["tokens"].tolist()
    vectorizer = CountVectorizer(analyzer=str.split, lowercase=False, dtype=np.int64)
    expected = vectorizer.fit_transform(texts * 3 + TOKENS)
    counts, vocabulary = count_tokens(texts * 3 + TOKENS, batch_size=4)
    assert vocabulary.tolist() == vectorizer.get_feature_names_out().tolist()
    assert (counts != expected).nnz == 0


def test_count_tokens_empty():
    counts, vocabulary = count_tokens([])
    assert counts.shape == (0, 0) and vocabulary.tolist() == []


@pytest.fixture
def counts() -> TermCounts:
    matrix, vocabulary = count_tokens(TOKENS)
    return TermCounts(matrix, vocabulary, pd.Index(list("vwxyz"), name="doc_id"))


def test_pool_and_totals(counts):
    pooled = counts.pool(["g", "h", None, "g", "h"], name="group")
    assert pooled.units.tolist() == ["g", "h"] and pooled.units.name == "group"
    assert pooled.matrix.toarray().tolist() == [[1, 0, 0, 1, 2, 2], [0, 0, 0, 0, 1, 0]]
    assert counts.totals().tolist() == [3, 0, 3, 3, 1]
    with pytest.raises(ValueError, match="one key per unit \\(5\\); got 2"):
        counts.pool(["g", "h"])


def test_tfidf_and_columns(counts):
    expected = TfidfTransformer().fit_transform(counts.matrix)
    assert np.allclose(counts.tfidf().toarray(), expected.toarray())
    assert np.allclose(counts.tfidf(norm=None, sublinear_tf=True).toarray(),
                       TfidfTransformer(norm=None, sublinear_tf=True)
                       .fit_transform(counts.matrix).toarray())
    assert counts.columns(["疫情", "无", "B"]).tolist() == [[2, 0, 0], [0, 0, 0], [0, 0, 0],
                                                          [0, 0, 1], [1, 0, 0]]


@pytest.fixture
def corpus() -> pd.DataFrame:
    return pd.DataFrame({
        "doc_id": ["a", "b", "c", "d"],
        "text": ["我校召开疫情防控工作会议。", "要求守土有责、守土尽责。", None,
                 "我校召开疫情防控工作会议，守土有责。"],
    })


def test_corpus_counts_cold_and_warm(corpus, tmp_path):
    cold = corpus_counts(corpus, cache_dir=tmp_path)
    assert cold.info["counts_cache"] == "miss" and cold.info["misses"] == 4
    assert cold.units.tolist() == ["a", "b", "c", "d"]
    assert dict(zip(cold.vocabulary, cold.matrix.toarray()[3])) == {
        "召开": 1, "守土尽责": 0, "守土有责": 1, "工作": 1, "会议": 1, "疫情防控": 1, "要求": 0}
    assert sorted(p.name for p in tmp_path.iterdir())[:2] == [
        f"counts-{cold.info['path'].split('counts-')[1][:24]}.npz",
        f"counts-{cold.info['path'].split('counts-')[1][:24]}.parquet"]
    assert not list(tmp_path.glob(".*.tmp"))
    warm = corpus_counts(corpus.assign(doc_id=list("ABCD")), cache_dir=tmp_path)
    assert warm.info["counts_cache"] == "hit" and warm.units.tolist() == list("ABCD")
    assert (warm.matrix != cold.matrix).nnz == 0 and warm.matrix.dtype == np.int64
    assert warm.vocabulary.tolist() == cold.vocabulary.tolist()
    # the token cache is shared with tokenize
    with pytest.warns(EmptyDocumentsWarning):
        out = tokenize(corpus, cache_dir=tmp_path)
    assert out.attrs["token_cache"]["misses"] == 0
    ours, _ = count_tokens(out["tokens"])
    assert (ours != cold.matrix).nnz == 0


def test_corpus_counts_parallel_equals_serial(seed_docs, tmp_path):
    docs = pd.concat([seed_docs] * 4, ignore_index=True)
    docs["doc_id"] = [f"d{i}" for i in range(len(docs))]
    serial = corpus_counts(docs, use_cache=False, n_jobs=1)
    parallel = corpus_counts(docs, cache_dir=tmp_path, n_jobs=2)
    assert parallel.vocabulary.tolist() == serial.vocabulary.tolist()
    assert (parallel.matrix != serial.matrix).nnz == 0


def test_interrupted_write_leaves_no_cache(corpus, tmp_path, monkeypatch):
    def interrupted(file, matrix, compressed):
        file.write(b"PK\x03\x04 half a file")
        raise KeyboardInterrupt

    monkeypatch.setattr(sp, "save_npz", interrupted)
    with pytest.raises(KeyboardInterrupt):
        corpus_counts(corpus, cache_dir=tmp_path)
    assert not list(tmp_path.glob("counts-*.npz")) and not list(tmp_path.glob(".*.tmp"))
    monkeypatch.undo()
    again = corpus_counts(corpus, cache_dir=tmp_path)  # the vocabulary file alone is ignored
    assert again.info["counts_cache"] == "miss"
    assert corpus_counts(corpus, cache_dir=tmp_path).info["counts_cache"] == "hit"


def test_corrupt_cache_is_rebuilt(corpus, tmp_path):
    first = corpus_counts(corpus, cache_dir=tmp_path)
    npz = next(tmp_path.glob("counts-*.npz"))
    npz.write_bytes(b"not a zip file")
    with pytest.warns(TokenCacheWarning, match="Discarding the unreadable counts cache"):
        second = corpus_counts(corpus, cache_dir=tmp_path)
    assert second.info["counts_cache"] == "miss"
    assert (second.matrix != first.matrix).nnz == 0


def test_save_and_load_mismatch(counts, tmp_path):
    key = counts_key("f" * 64, ["h1", "h2"])
    save_counts(counts, key, cache_dir=tmp_path)
    matrix, vocabulary = load_counts(key, cache_dir=tmp_path)
    assert (matrix != counts.matrix).nnz == 0 and vocabulary.tolist() == counts.vocabulary.tolist()
    assert load_counts(counts_key("f" * 64, ["h1"]), cache_dir=tmp_path) is None
    other, _ = count_tokens(["甲 乙"])
    save_counts(TermCounts(other, np.array(["甲", "乙"], dtype=object), pd.Index([0])),
                counts_key("e" * 64, []), cache_dir=tmp_path)
    npz = next(p for p in tmp_path.glob("counts-*.npz") if key[:24] in p.name)
    npz.write_bytes(next(p for p in tmp_path.glob("counts-*.npz")
                         if key[:24] not in p.name).read_bytes())
    with pytest.warns(TokenCacheWarning, match="do not match"):
        assert load_counts(key, cache_dir=tmp_path) is None


def test_corpus_counts_errors(corpus):
    with pytest.raises(ValueError, match="The 'text_col' parameter of corpus_counts"):
        corpus_counts(corpus, text_col="body", use_cache=False)
    with pytest.raises(ValueError, match="The 'n_jobs' parameter of corpus_counts"):
        corpus_counts(corpus, n_jobs=0, use_cache=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        corpus_counts(corpus, use_cache=False)  # no EmptyDocumentsWarning from counting
