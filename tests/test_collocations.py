"""Collocations: pair counts by hand, scores against scipy, reposts once, candidates, notebook."""

from __future__ import annotations

import itertools
import json
import math
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2, chi2_contingency

from analysis.core.config import SEEDS_DIR
from analysis.core.errors import AnalysisError
from analysis.stats.collocations import (
    ALL_GROUPS,
    association_scores,
    collocations,
    encode_sentences,
    methods_text,
    multiword_candidates,
    one_per_cluster,
)
from analysis.stats.keyness import benjamini_hochberg

from .conftest import FIXTURES

# group A: two sentences of d1 and one of d3; group B: d2
TINY = pd.DataFrame({
    "doc_id": ["d1", "d2", "d3"],
    "institution": ["A", "B", "A"],
    "tokens": ["停课 不停学 学生\n停课 不停学", "停课 不停学 老师", "学生 老师"],
    "text": ["停课不停学学生。停课不停学。", "停课不停学老师。", "学生，老师。"],
})


def _row(table, group, window, a, b):
    hit = table[(table["institution"] == group) & (table["window"] == window)
                & (table["term_a"] == a) & (table["term_b"] == b)]
    assert len(hit) == 1, (group, window, a, b)
    return hit.iloc[0]


def test_encode_sentences_numbers_sentences_and_skips_empty_ones():
    st = encode_sentences(pd.Series(["a b\nc", None, "", "d\n\ne f"]))
    assert st.codes.tolist() == [0, 1, 2, 3, 4, 5]
    assert st.sentence.tolist() == [0, 0, 1, 2, 3, 3]
    assert st.row.tolist() == [0, 0, 0, 3, 3, 3]
    assert st.vocabulary.tolist() == list("abcdef")
    assert st.n_rows == 4 and st.n_sentences == 4
    assert st.sentence_rows().tolist() == [0, 0, 3, 3]


@pytest.mark.parametrize("o11, r1, c1, n", [(10, 20, 15, 1000), (2, 2, 2, 4), (3, 9, 4, 30),
                                             (50, 400, 300, 20000)])
def test_association_scores_match_scipy_and_the_formulas(o11, r1, c1, n):
    table = np.array([[o11, r1 - o11], [c1 - o11, n - r1 - c1 + o11]])
    g2, p, _, expected = chi2_contingency(table, correction=False, lambda_="log-likelihood")
    got = association_scores([o11], [r1], [c1], [n], [r1], [c1])
    assert got["g2"][0] == pytest.approx(g2, rel=1e-10)
    assert got["p_value"][0] == pytest.approx(p, rel=1e-8)
    assert got["p_value"][0] == pytest.approx(chi2.sf(g2, 1), rel=1e-8)
    assert got["expected"][0] == pytest.approx(expected[0, 0])
    assert got["mi"][0] == pytest.approx(math.log2(o11 / expected[0, 0]))
    assert got["t_score"][0] == pytest.approx((o11 - expected[0, 0]) / math.sqrt(o11))
    assert got["log_dice"][0] == pytest.approx(14 + math.log2(2 * o11 / (r1 + c1)))


def test_adjacent_pairs_by_hand():
    table = collocations(TINY, window=1, min_freq=2, alpha=0.05)
    # A: bigrams 停课>不停学 (twice), 不停学>学生, 学生>老师: N = 4, R1 = C1 = 2, O = 2, E = 1
    row = _row(table, "A", 1, "停课", "不停学")
    assert (row.observed, row.n_pairs, row.n_docs, row.freq_a, row.freq_b) == (2, 4, 1, 2, 2)
    assert row.expected == pytest.approx(1.0)
    assert row.g2 == pytest.approx(8 * math.log(2))  # 2 * (2 ln 2 + 2 ln 2)
    assert row.mi == pytest.approx(1.0)
    assert row.log_dice == pytest.approx(14.0)
    # all documents: d2 adds one: O = 3, N = 6, R1 = C1 = 3
    row = _row(table, ALL_GROUPS, 1, "停课", "不停学")
    assert (row.observed, row.n_pairs, row.n_docs) == (3, 6, 2)
    assert row.g2 == pytest.approx(12 * math.log(2))
    assert set(table["institution"]) == {ALL_GROUPS, "A"}  # B: nothing reaches min_freq
    assert table.attrs["empty_groups"] == ["B"]


def test_window_pairs_are_unordered_and_symmetric():
    table = collocations(TINY, window=2, min_freq=2)
    # A, within 2 tokens: {停课,不停学} x2, {停课,学生}, {不停学,学生}, {学生,老师}: N = 5;
    # symmetric table: N' = 10, R1 = C1 = 3 (each of the two terms is in 3 pairs)
    row = _row(table, "A", 2, "不停学", "停课")  # code-point order: 不 < 停
    assert (row.observed, row.n_pairs) == (2, 5)
    g2, _, _, expected = chi2_contingency([[2, 1], [1, 6]], correction=False,
                                          lambda_="log-likelihood")
    assert row.expected == pytest.approx(expected[0, 0]) == pytest.approx(0.9)
    assert row.g2 == pytest.approx(g2)


def _reference(docs: pd.DataFrame, window: int, min_freq: int) -> pd.DataFrame:
    """Count every pair with Python loops, score and correct them: an independent reference."""
    rows = []
    for group, part in docs.groupby("institution"):
        pairs, docs_of, freq = Counter(), {}, Counter()
        for doc_id, tokens in zip(part["doc_id"], part["tokens"]):
            for sentence in tokens.split("\n"):
                words = sentence.split()
                freq.update(words)
                for i, j in itertools.combinations(range(len(words)), 2):
                    if j - i > window:
                        continue
                    a, b = words[i], words[j]
                    key = (a, b) if window == 1 else tuple(sorted((a, b)))
                    pairs[key] += 1
                    docs_of.setdefault(key, set()).add(doc_id)
        n = sum(pairs.values())
        first, second = Counter(), Counter()
        for (a, b), k in pairs.items():
            first[a] += k
            second[b] += k
            if window > 1:
                first[b] += k
                second[a] += k
        tested = [(a, b) for (a, b), k in pairs.items() if k >= min_freq and a != b]
        scores = association_scores([pairs[t] for t in tested], [first[a] for a, _ in tested],
                                    [second[b] for _, b in tested],
                                    [n * (2 if window > 1 else 1)] * len(tested),
                                    [freq[a] for a, _ in tested], [freq[b] for _, b in tested])
        q = benjamini_hochberg(scores["p_value"]) if tested else []
        for k, (a, b) in enumerate(tested):
            if pairs[(a, b)] > scores["expected"][k]:
                rows.append((group, a, b, pairs[(a, b)], len(docs_of[(a, b)]),
                             scores["g2"][k], q[k]))
    return pd.DataFrame(rows, columns=["institution", "term_a", "term_b", "observed",
                                       "n_docs", "g2", "q_value"])


@pytest.mark.parametrize("window", [1, 3])
def test_every_pair_agrees_with_a_brute_force_reference(window):
    rng = np.random.default_rng(4)
    words = ["疫情", "防控", "学生", "教学", "线上", "返校", "党员", "会议"]
    texts = ["\n".join(" ".join(rng.choice(words, rng.integers(1, 7))) for _ in range(3))
             for _ in range(30)]
    docs = pd.DataFrame({"doc_id": [f"d{i}" for i in range(30)],
                         "institution": rng.choice(["甲", "乙"], 30), "tokens": texts})
    got = collocations(docs, window=window, min_freq=3, overall=False, score="g2")
    got = got[got["window"] == window]
    want = _reference(docs, window, 3)
    keys = ["institution", "term_a", "term_b"]
    merged = want.merge(got, on=keys, suffixes=("", "_got"), how="outer", indicator=True)
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"]
    assert (merged["observed"] == merged["observed_got"]).all()
    assert (merged["n_docs"] == merged["n_docs_got"]).all()
    np.testing.assert_allclose(merged["g2"], merged["g2_got"], rtol=1e-10)
    np.testing.assert_allclose(merged["q_value"], merged["q_value_got"], rtol=1e-10)
    for group in ("甲", "乙"):  # rank 1 is the largest g2 of its group
        part = got[got["institution"] == group]
        assert part.sort_values("rank")["g2"].is_monotonic_decreasing


def test_reposts_count_once_in_their_group_and_in_all_documents():
    copy_a = TINY.iloc[[0]].assign(doc_id="d4")
    copy_b = TINY.iloc[[0]].assign(doc_id="d5", institution="B")
    docs = pd.concat([TINY, copy_a, copy_b], ignore_index=True)
    clusters = pd.Series([0, 1, 2, 0, 0], index=docs["doc_id"])
    once = collocations(docs, window=1, min_freq=2, clusters=clusters)
    row = _row(once, "A", 1, "停课", "不停学")
    assert (row.observed, row.n_docs) == (2, 1)  # d4 is d1's repost
    row = _row(once, "B", 1, "停课", "不停学")
    assert (row.observed, row.n_docs) == (3, 2)  # d2 and d5 (the first of cluster 0 in B)
    row = _row(once, ALL_GROUPS, 1, "停课", "不停学")
    assert (row.observed, row.n_docs) == (3, 2)  # d1 and d2: the cluster once in all documents
    every = collocations(docs, window=1, min_freq=2)
    assert _row(every, ALL_GROUPS, 1, "停课", "不停学").observed == 7
    assert once.attrs["n_reposts_dropped"] == 1


def test_one_per_cluster_keeps_the_first_of_each_cluster():
    docs = pd.DataFrame({"doc_id": list("abcd"), "g": ["x", "y", "x", "x"]})
    clusters = pd.Series([0, 0, 1, 0], index=list("abcd"))
    assert one_per_cluster(docs, clusters).tolist() == [True, False, True, False]
    assert one_per_cluster(docs, clusters, group_col="g").tolist() == [True, True, True, False]
    with pytest.raises(AnalysisError, match="cluster for every document"):
        one_per_cluster(docs, clusters.iloc[:2])


def test_max_pairs_keeps_the_best_and_counts_all():
    rng = np.random.default_rng(1)
    words = [f"词{i}" for i in range(12)]
    texts = [" ".join(rng.choice(words, 8)) for _ in range(40)]
    docs = pd.DataFrame({"doc_id": range(40), "institution": "甲", "tokens": texts})
    full = collocations(docs, window=2, min_freq=2, overall=False, score="g2")
    cut = collocations(docs, window=2, min_freq=2, overall=False, max_pairs=3, score="g2")
    for span in (1, 2):
        mine = cut[cut["window"] == span]
        assert len(mine) <= 6  # the 3 best by g2 and the 3 best by logDice
        best = full[full["window"] == span].nlargest(3, "g2")
        assert set(zip(best["term_a"], best["term_b"])) <= set(zip(mine["term_a"],
                                                                   mine["term_b"]))
        assert cut.attrs["tests"][str(span)]["n_attracted"]["甲"] == \
            (full["window"] == span).sum()


@pytest.mark.parametrize("options, message", [
    ({"window": 0}, "'window' parameter of collocations must be in the range [1, 10]; got 0"),
    ({"window": 11}, "'window' parameter of collocations must be in the range [1, 10]; got 11"),
    ({"score": "dice"}, "'score' parameter of collocations must be one of"),
    ({"min_freq": 0}, "'min_freq' parameter of collocations must be in the range"),
    ({"group_col": "region"}, "'group_col' parameter of collocations must be one of the columns"),
])
def test_bad_options_give_one_clear_line(options, message):
    with pytest.raises(AnalysisError) as err:
        collocations(TINY, **options)
    assert message in str(err.value)


def test_a_group_named_all_is_refused():
    docs = TINY.assign(institution=[ALL_GROUPS, "B", "A"])
    with pytest.raises(AnalysisError, match="rename that group"):
        collocations(docs)


def test_multiword_candidates_need_the_literal_string():
    docs = pd.DataFrame({
        "doc_id": [f"d{i}" for i in range(6)], "institution": "甲",
        "tokens": ["停课 不停学 学生 老师"] * 6,
        "text": ["停课不停学，学生，老师。"] * 6})
    table = collocations(docs, window=1, min_freq=3, alpha=0.5)
    found = multiword_candidates(table, docs, n=5, min_freq=3)
    assert found["word"].tolist() == ["停课不停学"]  # 学生 老师 are never written together
    row = found.iloc[0]
    assert (row.observed, row.literal, row.n_docs) == (6, 6, 6)
    assert "停课不停学" in row.example
    assert found.attrs["command"] == "python -m analysis words --corpus CORPUS --accept 停课不停学"


def test_methods_text_in_both_languages():
    record = {"window": 4, "min_freq": 7, "alpha": 0.01, "score": "log_dice"}
    en, zh = methods_text(record, "en"), methods_text(record, "zh")
    assert "at most 4 tokens apart" in en and "at least 7 times" in en and "logDice" in en
    assert "相距不超过4个词" in zh and "不少于7次" in zh and "q < 0.01" in zh


@pytest.mark.slow
@pytest.mark.parametrize("corpus, params", [
    (SEEDS_DIR, {}),
    (FIXTURES / "mini_corpus", {"window": 3, "score": "log_dice", "min_freq": 2, "top_n": 4,
                                "min_docs": 2, "n_candidates": 5, "formats": ["png", "svg"]}),
])
def test_notebook_writes_the_pairs_it_draws(tmp_path, corpus, params):
    from analysis.run.runner import run_notebooks

    results = run_notebooks(params={"corpus_dir": str(corpus), **params}, output_dir=tmp_path,
                            only=["08"], progress=False)
    assert results[0].status == "ok", results[0].error
    drawn = pd.read_csv(tmp_path / "08_collocations.csv")
    window, min_docs = params.get("window", 5), params.get("min_docs", 3)
    assert (drawn["window"] == window).all()
    assert (drawn["n_docs"] >= min_docs).all() and drawn["significant"].all()
    assert (drawn["observed"] >= params.get("min_freq", 5)).all()
    for _, part in drawn.groupby("institution"):
        assert len(part) <= params.get("top_n", 10)
        assert part[params.get("score", "g2")].is_monotonic_decreasing
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["08_collocations"]["params"].get("window", 5) == window
    for ext in params.get("formats", ["png", "svg", "pdf"]):
        assert (tmp_path / f"08_collocations.{ext}").stat().st_size > 0


@pytest.mark.slow
def test_shared_corpus_collocations(shared_corpus, tmp_path):
    from analysis import Study

    study = Study(shared_corpus, cache_dir=tmp_path / "cache", output_dir=tmp_path)
    table = study.run(collocations, tokens=True, reposts_once=True, window=5, score="g2")
    best = table[(table["institution"] == ALL_GROUPS) & (table["window"] == 5)].head(5)
    assert ("不忘初心", "牢记使命") in set(zip(best["term_a"], best["term_b"]))
    found = multiword_candidates(table, study.tokens, study.counts, n=20)
    assert {"扫黑除恶", "林田湖草"} <= set(found["word"])
