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
    two = near_duplicates(docs, method="minhash", threshold=0.5, random_state=3)
    pd.testing.assert_frame_equal(one, two)
    assert not hasattr(duplicates, "_PAIRS")  # nothing is remembered between calls


def _random_text(rng: np.random.Generator, n: int, low: int = 0x4E00, high: int = 0x9FA5) -> str:
    """Draw n CJK characters: two such texts share no 5-character run in practice."""
    return "".join(map(chr, rng.integers(low, high, n)))


def _pair_with(rng: np.random.Generator, shared: int, only_a: int, only_b: int) -> tuple[str, str]:
    """Make two texts whose 5-shingle sets share `shared`, with only_a and only_b their own.

    Both are a common core of shared + 4 characters followed by a tail of their own
    (only_a or only_b characters, from disjoint ranges), so the Jaccard index is
    shared / (shared + only_a + only_b).
    """
    core = _random_text(rng, shared + 4)
    return (core + _random_text(rng, only_a, 0x4E00, 0x6FFF),
            core + _random_text(rng, only_b, 0x7000, 0x9FA5))


def _frame(texts: list[str]) -> pd.DataFrame:
    """Put texts in a documents table (ids p0, p1, ...; five institutions)."""
    return pd.DataFrame({"doc_id": [f"p{i}" for i in range(len(texts))],
                         "institution": [f"g{i % 5}" for i in range(len(texts))], "text": texts})


def _planted_levels(seed: int = 0) -> pd.DataFrame:
    """Plant pairs at Jaccard 0.95, 0.85, 0.8 (exactly) and 0.7 in three sizes, reposts, noise."""
    rng = np.random.default_rng(seed)
    texts = []
    for scale in (1, 4, 20):  # unions of 100, 400 and 2,000 shingles
        for shared, only_a, only_b in [(95, 3, 2), (85, 8, 7), (80, 10, 10), (70, 15, 15)]:
            texts += _pair_with(rng, shared * scale, only_a * scale, only_b * scale)
    notice = _random_text(rng, 300)
    texts += [notice, notice[:150] + "，\n" + notice[150:] + "。", notice]  # 3 pairs of J = 1
    return _frame(texts + [_random_text(rng, int(n)) for n in rng.integers(5, 900, 60)])


def test_minhash_finds_the_exact_pairs_at_several_levels():
    docs = _planted_levels()
    exact = near_duplicates(docs, method="exact")
    assert sorted(set(exact["jaccard"])) == [0.8, 0.85, 0.95, 1.0]  # 0.7 stays out
    assert (exact["jaccard"] == 0.8).sum() == 3 and (exact["jaccard"] == 1).sum() == 3
    for seed in range(3):
        fast = near_duplicates(docs, method="minhash", random_state=seed)
        pd.testing.assert_frame_equal(fast, exact, check_exact=True)


def test_batches_and_pending_limits_do_not_change_the_pairs(monkeypatch):
    docs = _planted_levels(seed=1)
    whole = near_duplicates(docs, method="minhash")
    monkeypatch.setattr(duplicates, "_BATCH_CHARS", 700)  # a batch of a few texts
    monkeypatch.setattr(duplicates, "_MAX_PENDING", 2)  # merge the candidates after each band
    pd.testing.assert_frame_equal(near_duplicates(docs, method="minhash"), whole)


def test_identical_documents_are_all_paired():
    rng = np.random.default_rng(5)
    notice, other = _random_text(rng, 400), _random_text(rng, 400)
    docs = _frame([notice] * 30 + [notice + "附件"] * 4 + [other] * 2 + ["通知"] * 3)
    exact = near_duplicates(docs, method="exact")
    fast = near_duplicates(docs, method="minhash")
    pd.testing.assert_frame_equal(fast, exact)
    assert len(fast) == 34 * 33 // 2 + 1  # the 34 copies of the notice, and the 2 others
    assert fast.attrs["n_without_shingles"] == 3


@pytest.mark.parametrize("text", [
    "守土有责、守土担责！ 2020年\n“战疫”_ok", "ＡＢＣ１２３，全角", "emoji 😀 表情 ①②", "\u3000\t", "",
])
def test_vectorised_cleaning_and_hashes_match_clean_text_and_shingle_matrix(text):
    texts = [text, pd.NA, "甲乙丙丁戊己", text + "庚辛壬"]
    codes, lengths = duplicates._clean_codes(texts)
    assert "".join(map(chr, codes)) == "".join(clean_text(t) for t in texts)
    assert lengths.tolist() == [len(clean_text(t)) for t in texts]
    hashes, counts = duplicates._shingle_hashes(codes, lengths, 3, np.uint64(0))
    _, keys = shingle_matrix(texts, k=3)
    assert np.array_equal(np.unique(hashes), keys)
    assert counts.tolist() == [max(len(clean_text(t)) - 2, 0) for t in texts]


def _at_threshold(threshold: float, n_pairs: int, seed: int) -> pd.DataFrame:
    """Plant independent pairs whose Jaccard index is exactly the threshold (unions 20-1,000)."""
    rng = np.random.default_rng(seed)
    texts = []
    for n in np.resize([20, 40, 100, 200, 500, 1000], n_pairs):
        shared = round(threshold * n)
        texts += _pair_with(rng, shared, (n - shared) // 2, n - shared - (n - shared) // 2)
    return _frame(texts)


@pytest.mark.parametrize("threshold", [0.8, 0.9])
def test_pairs_at_the_threshold_are_found_at_least_99_percent_of_the_time(threshold):
    # 24 seeds x 200 pairs = 4,800 trials, of which 1% (48) may be missed. The miss
    # rate is about 0.2% (10 +- 3 misses expected), so 48 lies 12 standard deviations
    # out: not only these fixed seeds, any seeds pass. Even at the module's bound,
    # 0.64% (0.8) or 0.56% (0.9), 48 is 3 standard deviations out. (Seeds 0-23: 6 and 4.)
    docs = _at_threshold(threshold, 200, seed=0)
    exact = near_duplicates(docs, method="exact", threshold=threshold)
    assert len(exact) == 200 and (exact["jaccard"] == threshold).all()
    planted = set(zip(exact["doc_a"], exact["doc_b"]))
    found = 0
    for seed in range(24):
        fast = near_duplicates(docs, method="minhash", threshold=threshold, random_state=seed)
        assert set(zip(fast["doc_a"], fast["doc_b"])) <= planted
        found += len(fast)
    assert found >= 0.99 * 24 * 200


def _miss_bound_at(n: int, threshold: float, bands: int, rows: int, sims: int) -> float:
    """Compute the module's miss bound for a union of n shingles (before n -> infinity).

    Monte Carlo over which bins the union fills (K' of them, c_i in band i),
    exact over G ~ Hypergeometric(n, m, K'):
    E[ prod_i (1 - h_{c_i}(K', G) * (G / K')**(rows - c_i)) ].
    """
    from scipy.stats import hypergeom

    rng = np.random.default_rng(0)
    n_bins, m = bands * rows, round(threshold * n)
    total = 0.0
    for _ in range(sims):
        filled = np.zeros(n_bins, dtype=bool)
        filled[rng.integers(0, n_bins, n)] = True
        k_filled = filled.sum()
        good = np.arange(k_filled + 1)
        miss = np.ones(k_filled + 1)
        for band in filled.reshape(bands, rows):
            c = band.sum()
            all_good = np.prod([np.clip(good - s, 0, None) / (k_filled - s) for s in range(c)],
                               axis=0)
            miss *= 1 - all_good * (good / k_filled) ** (rows - c)
        total += hypergeom(n, m, k_filled).pmf(good) @ miss
    return total / sims


@pytest.mark.parametrize("threshold", [0.8, 0.9])
def test_the_miss_bound_grows_with_the_union_to_its_limit(threshold):
    bands, rows = duplicates._oph_bands(threshold, 128)
    limit = duplicates._oph_miss_bound(threshold, bands, rows)
    assert limit <= 1 - duplicates.MIN_RECALL
    # unions whose threshold share is a whole number of shingles: m / n is exactly the threshold
    bounds = [_miss_bound_at(n, threshold, bands, rows, sims=100) for n in (20, 40, 160, 600, 5000)]
    assert all(b <= limit * 1.001 for b in bounds)
    assert bounds[-1] == pytest.approx(limit, rel=0.05)


@pytest.mark.parametrize("n, p", [(126, 0.8), (128, 0.9), (1, 0.5), (1000, 0.3), (64, 1.0)])
def test_binomial_pmf_matches_scipy(n, p):
    from scipy.stats import binom

    np.testing.assert_allclose(duplicates._binomial_pmf(n, p), binom.pmf(np.arange(n + 1), n, p),
                               rtol=1e-9, atol=1e-15)


@pytest.mark.parametrize("threshold, num_perm", [
    (0.5, 64), (0.7, 128), (0.8, 128), (0.85, 128), (0.9, 128), (0.95, 256), (1.0, 128),
])
def test_oph_bands_meet_the_recall_with_the_oph_bound(threshold, num_perm):
    bands, rows = duplicates._oph_bands(threshold, num_perm)
    assert duplicates._oph_miss_bound(threshold, bands, rows) <= 0.01
    _, classic_rows = lsh_bands(threshold, num_perm)
    assert rows <= classic_rows  # the OPH bound is never below the MinHash miss
    if rows < num_perm:  # the next more selective split misses too often
        assert duplicates._oph_miss_bound(threshold, num_perm // (rows + 1), rows + 1) > 0.01


def test_speed_smoke():
    # 3,000 texts of 700 characters (2 million): seconds at most, nowhere near a
    # timing limit. Five texts are reposted twice with a new header.
    rng = np.random.default_rng(7)
    texts = [_random_text(rng, 700) for _ in range(3000)]
    texts += ["转发：" + texts[i] for i in range(5) for _ in range(2)]
    pairs = near_duplicates(_frame(texts), method="minhash")
    assert len(pairs) == 15 and (pairs["jaccard"] >= 0.99).all()


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
    codes, lengths = duplicates._clean_codes(docs["text"].tolist())
    assert lengths.tolist() == [len(clean_text(t)) for t in docs["text"]]
    assert "".join(map(chr, codes)) == "".join(map(clean_text, docs["text"]))
    exact = near_duplicates(docs, method="exact")
    minhash = near_duplicates(docs, method="minhash")
    assert len(exact) > 0
    pd.testing.assert_frame_equal(exact, minhash)


def test_repost_codes_share_a_number_within_a_cluster_and_stand_alone_otherwise():
    from analysis.stats.duplicates import repost_codes

    clusters = pd.Series({"a": "c1", "c": "c1", "d": "c2", "e": None})
    codes = repost_codes(["a", "b", "c", "d", "e"], clusters)
    assert codes.tolist() == [0, -2, 0, 1, -5]
    assert codes.dtype == np.int64
    assert repost_codes(["a", "b"], None).tolist() == [-1, -2]
