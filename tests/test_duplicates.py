"""Near-duplicate detection: shingles, exact Jaccard, MinHash + LSH, clusters."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from analysis.stats.duplicates import (clean_text, drop_near_duplicates, duplicate_clusters,
                                 lsh_bands, near_duplicates, shingle_matrix)
from analysis.stats import duplicates
from analysis.core.errors import AnalysisError

NOTICE = ("各学院、各部门：为切实做好新型冠状病毒感染的肺炎疫情防控工作，确保广大师生员工生命安全和"
          "身体健康，根据上级有关要求，经学校研究决定，推迟2020年春季学期开学时间，具体返校时间另行"
          "通知。请各单位做好学生的宣传解释工作。")

# d1 is d0 reposted by another institution: a new header line, other punctuation and spaces.
CORPUS = pd.DataFrame({
    "doc_id": ["d0", "d1", "d2", "d3"],
    "institution": ["南开大学", "北京科技大学", "南开大学", "大连外国语大学"],
    "date": pd.to_datetime(["2020-01-27", "2020-01-28", "2020-02-01", None]),
    "text": [NOTICE, "转发：\n" + NOTICE.replace("，", ", ").replace("。", ". "),
             "我校举行2020年春季学期线上教学工作部署会，校长出席会议并讲话。",
             "学校图书馆开通校外访问服务，师生可在家使用电子资源。"],
})


def test_clean_text_removes_whitespace_and_punctuation():
    assert clean_text("守土有责、守土担责！ 2020年\n“战疫”_ok") == "守土有责守土担责2020年战疫ok"
    assert clean_text(pd.NA) == ""


def test_shingle_matrix_by_hand():
    # 甲乙丙丁戊己庚辛 has 8 - 5 + 1 = 4 shingles; the second text adds 壬 (5 shingles).
    matrix, keys = shingle_matrix(["甲乙丙丁戊己庚辛", "甲乙丙、丁戊己庚辛壬", "甲乙"], k=5)
    assert matrix.shape == (3, 5) and len(keys) == 5
    assert matrix.sum(axis=1).ravel().tolist() == [[4, 5, 0]]
    assert (matrix.multiply(matrix[1]).sum(axis=1).ravel().tolist()) == [[4, 5, 0]]


@pytest.mark.parametrize("method", ["exact", "minhash"])
def test_planted_repost_is_found(method):
    pairs = near_duplicates(CORPUS, method=method)
    assert list(pairs.columns) == ["doc_a", "doc_b", "group_a", "group_b", "jaccard"]
    assert pairs[["doc_a", "doc_b", "group_a", "group_b"]].values.tolist() == [
        ["d0", "d1", "南开大学", "北京科技大学"]]
    # the header 转发 adds 2 shingles (转发各学院, 发各学院各) to the notice's n shingles
    n = len(clean_text(NOTICE)) - 4
    assert pairs["jaccard"].iloc[0] == pytest.approx(n / (n + 2))
    assert pairs.attrs["method"] == method


@pytest.mark.parametrize("threshold, expected", [(0.8, 1), (0.81, 0)])
def test_threshold_is_inclusive(threshold, expected):
    # 4 shared shingles out of 5: Jaccard exactly 0.8.
    docs = pd.DataFrame({"doc_id": ["a", "b"], "institution": ["X", "Y"],
                         "text": ["甲乙丙丁戊己庚辛", "甲乙丙丁戊己庚辛壬"]})
    pairs = near_duplicates(docs, threshold=threshold)
    assert len(pairs) == expected
    if expected:
        assert pairs["jaccard"].iloc[0] == 0.8


def test_cross_group_only_drops_pairs_within_a_group():
    docs = CORPUS.assign(institution=["南开大学", "南开大学", "南开大学", "x"])
    assert len(near_duplicates(docs)) == 1
    assert near_duplicates(docs, cross_group_only=True).empty


def _synthetic(n_base: int = 30, seed: int = 0) -> pd.DataFrame:
    """Random texts, some copied with a few edits (clearly above or below 0.8)."""
    rng = np.random.default_rng(seed)
    alphabet = np.array(list("的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会"))
    texts = ["".join(rng.choice(alphabet, size=300)) for _ in range(n_base)]
    for i in range(10):  # near copies: 3 edits (J about 0.9) or 25 edits (J about 0.4)
        chars = list(texts[i])
        for pos in rng.choice(300, size=3 if i < 6 else 25, replace=False):
            chars[pos] = "〇"
        texts.append("".join(chars))
    return pd.DataFrame({"doc_id": [f"t{i}" for i in range(len(texts))],
                         "institution": [f"g{i % 4}" for i in range(len(texts))], "text": texts})


def test_minhash_agrees_with_exact_on_a_small_corpus():
    docs = _synthetic()
    exact = near_duplicates(docs, method="exact")
    minhash = near_duplicates(docs, method="minhash", random_state=0)
    pd.testing.assert_frame_equal(exact, minhash, check_like=False, check_exact=True)
    assert len(exact) == 6 and set(exact["doc_a"]) == {f"t{i}" for i in range(6)}
    assert minhash.attrs["bands"] == 21 and minhash.attrs["rows"] == 6


def test_minhash_is_deterministic_with_random_state():
    docs = _synthetic(seed=1)
    one = near_duplicates(docs, method="minhash", threshold=0.5, random_state=3)
    duplicates._PAIRS.clear()  # computed again, not remembered
    two = near_duplicates(docs, method="minhash", threshold=0.5, random_state=3)
    pd.testing.assert_frame_equal(one, two)


def test_pairs_are_remembered_for_the_same_texts_and_options(monkeypatch):
    docs = _synthetic(seed=2)
    duplicates._PAIRS.clear()
    first = near_duplicates(docs, method="minhash", random_state=0)
    across = near_duplicates(docs, method="minhash", random_state=0, cross_group_only=True)

    def fail(*args, **kwargs):
        raise AssertionError("MinHash computed again")

    monkeypatch.setattr(duplicates, "_minhash_pairs", fail)
    pd.testing.assert_frame_equal(near_duplicates(docs, method="minhash", random_state=0), first)
    assert (across["group_a"] != across["group_b"]).all()
    assert len(across) == (first["group_a"] != first["group_b"]).sum()
    edited = docs.assign(text=docs["text"].str.replace("的", "地", n=1))  # other texts
    with pytest.raises(AssertionError, match="computed again"):
        near_duplicates(edited, method="minhash", random_state=0)
    with pytest.raises(AssertionError, match="computed again"):
        near_duplicates(docs, method="minhash", random_state=1)  # other options
    with pytest.raises(AssertionError, match="computed again"):  # no seed: never remembered
        near_duplicates(docs, method="minhash", random_state=None)


@pytest.mark.parametrize("threshold, num_perm, expected", [
    (0.8, 128, (21, 6)), (0.9, 128, (12, 10)), (0.5, 64, (32, 2)),
])
def test_lsh_bands(threshold, num_perm, expected):
    bands, rows = lsh_bands(threshold, num_perm)
    assert (bands, rows) == expected
    assert 1 - (1 - threshold**rows) ** bands >= 0.99
    assert 1 - (1 - threshold ** (rows + 1)) ** (num_perm // (rows + 1)) < 0.99


def test_short_texts_have_no_shingles_and_no_duplicates():
    docs = pd.DataFrame({"doc_id": ["a", "b"], "institution": ["X", "Y"], "text": ["通知", "通知"]})
    pairs = near_duplicates(docs)
    assert pairs.empty and pairs.attrs["n_without_shingles"] == 2


def test_clusters_are_connected_components_with_earliest_representative():
    # a ~ b ~ c form a chain (a and c differ more), d stands alone; b is dated first.
    base = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉"
    docs = pd.DataFrame({
        "doc_id": ["a", "b", "c", "d"], "institution": ["X", "Y", "Z", "X"],
        "date": pd.to_datetime(["2020-02-03", "2020-02-01", None, "2020-01-01"]),
        "text": [base, base + "戌", base + "戌亥", "完全不同的一篇新闻稿件内容"]})
    pairs = near_duplicates(docs, threshold=0.9)  # J(a,b) = 16/17, J(b,c) = 17/18, J(a,c) = 16/18
    assert set(zip(pairs["doc_a"], pairs["doc_b"])) == {("a", "b"), ("b", "c")}
    clusters = duplicate_clusters(docs, pairs=pairs)
    assert clusters["cluster"].tolist() == [0, 0, 0, 1]
    assert clusters["cluster_size"].tolist() == [3, 3, 3, 1]
    assert clusters["representative"].tolist() == [False, True, False, True]
    kept = drop_near_duplicates(docs, threshold=0.9)
    assert kept["doc_id"].tolist() == ["b", "d"] and kept.attrs["n_dropped"] == 2
    assert kept.attrs["dropped"] == ["a", "c"]


def test_undated_documents_are_never_representatives_before_dated_ones():
    docs = CORPUS.assign(date=pd.to_datetime([None, "2020-03-01", None, None]))
    clusters = duplicate_clusters(docs)
    assert clusters["representative"].tolist() == [False, True, True, True]


@pytest.mark.parametrize("kwargs, message", [
    ({"threshold": 0}, "'threshold' parameter"), ({"threshold": 1.5}, "'threshold' parameter"),
    ({"k": 0}, "'k' parameter"), ({"method": "simhash"}, "'method' parameter"),
    ({"text_col": "body"}, "'text_col' parameter"),
    ({"group_col": None, "cross_group_only": True}, "needs a group_col"),
])
def test_bad_options_are_named(kwargs, message):
    with pytest.raises(AnalysisError, match=message):
        near_duplicates(CORPUS, **kwargs)


def test_repeated_ids_are_an_error():
    with pytest.raises(AnalysisError, match="unique, non-missing document ids"):
        near_duplicates(CORPUS.assign(doc_id=["x", "x", "y", "z"]))


@pytest.mark.shared
def test_minhash_agrees_with_exact_on_the_shared_corpus(shared_corpus):
    from analysis import load_corpus

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        docs = load_corpus(shared_corpus)
    exact = near_duplicates(docs, method="exact")
    minhash = near_duplicates(docs, method="minhash")
    assert len(exact) > 0
    pd.testing.assert_frame_equal(exact, minhash)
