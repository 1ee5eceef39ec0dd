"""Group similarity, bootstrap intervals and nearest neighbours, checked by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import analysis.stats.similarity as similarity
from analysis.core.errors import AnalysisError
from analysis.stats.similarity import (bootstrap_similarity, group_similarity, nearest_neighbours,
                                 similarity_matrix)


def _corpus(groups: list[str], tokens: list[str], **extra) -> pd.DataFrame:
    return pd.DataFrame({"doc_id": [f"d{i}" for i in range(len(tokens))],
                         "institution": groups, "tokens": tokens, **extra})


def _pair(table: pd.DataFrame, a: str, b: str, col: str = "similarity") -> float:
    return float(table.loc[(table["group_a"] == a) & (table["group_b"] == b), col].iloc[0])


# X and Y hold the same documents; Z shares no term with them.
SAME_AND_DISJOINT = _corpus(["X", "X", "Y", "Y", "Z"], ["a b", "b c c", "a b", "b c c", "d e"])


@pytest.mark.parametrize("pooling", ["pooled", "mean"])
def test_identical_groups_are_1_and_disjoint_groups_0(pooling):
    table = group_similarity(SAME_AND_DISJOINT, pooling=pooling)
    assert _pair(table, "X", "Y") == pytest.approx(1.0)
    assert _pair(table, "X", "Z") == 0.0 and _pair(table, "Y", "Z") == 0.0
    assert list(table.columns) == ["group_a", "group_b", "similarity", "n_docs_a", "n_docs_b"]
    assert len(table) == 6  # ordered pairs, no diagonal
    assert table.attrs["pooling"] == pooling and table.attrs["idf"] == "documents"


def test_pooled_by_hand():
    # n = 2 documents; idf(a) = ln(3/3) + 1 = 1, idf(b) = idf(c) = ln(3/2) + 1 = 1.405465.
    # X = (1, 1.405465, 0), Y = (1, 0, 1.405465): cosine = 1 / (1 + 1.405465^2) = 0.336097.
    table = group_similarity(_corpus(["X", "Y"], ["a b", "a c"]))
    idf = math.log(3 / 2) + 1
    assert _pair(table, "X", "Y") == pytest.approx(1 / (1 + idf**2))
    assert _pair(table, "X", "Y") == pytest.approx(0.336097, abs=1e-6)


def test_pooled_and_mean_differ_as_documented():
    # X = {"a", "b"}, Y = {"a"}; n = 3, idf(a) = ln(4/3) + 1, idf(b) = ln(4/2) + 1.
    docs = _corpus(["X", "X", "Y"], ["a", "b", "a"])
    ia, ib = math.log(4 / 3) + 1, math.log(2) + 1
    pooled = group_similarity(docs, pooling="pooled")
    mean = group_similarity(docs, pooling="mean")
    assert _pair(pooled, "X", "Y") == pytest.approx(ia / math.hypot(ia, ib))  # 0.605349
    assert _pair(mean, "X", "Y") == pytest.approx(1 / math.sqrt(2))  # mean of (1,0), (0,1)
    assert _pair(pooled, "X", "Y") == pytest.approx(0.605349, abs=1e-6)


def test_document_counts_and_symmetry():
    table = group_similarity(SAME_AND_DISJOINT)
    assert table.set_index(["group_a", "group_b"])["n_docs_a"].to_dict() == {
        ("X", "Y"): 2, ("X", "Z"): 2, ("Y", "X"): 2, ("Y", "Z"): 2, ("Z", "X"): 1, ("Z", "Y"): 1}
    matrix = similarity_matrix(table)
    assert list(matrix.index) == ["X", "Y", "Z"] and list(matrix.columns) == ["X", "Y", "Z"]
    np.testing.assert_allclose(matrix.to_numpy(), matrix.to_numpy().T)
    np.testing.assert_allclose(np.diag(matrix), 1.0)
    np.testing.assert_allclose(matrix.to_numpy(), [[1, 1, 0], [1, 1, 0], [0, 0, 1]], atol=1e-12)


def test_one_group_is_a_clear_error():
    docs = _corpus(["南开大学"] * 3, ["a b", "b c", "c"])
    with pytest.raises(AnalysisError, match=r"'institution' column given as 'group_col'.*at "
                                            r"least 2 groups.*found only '南开大学' \(3 documents\)"):
        group_similarity(docs)


def test_one_group_left_after_na_is_an_error_too():
    docs = _corpus(["X", None, None], ["a", "b", "c"])
    with pytest.warns(UserWarning, match=r"2 document\(s\) with NA"):
        with pytest.raises(AnalysisError, match="found only 'X'"):
            group_similarity(docs)


@pytest.mark.parametrize("kwargs, message", [
    ({"pooling": "sum"}, "'pooling' parameter of group_similarity must be one of"),
    ({"group_col": "school"}, "'group_col' parameter"),
    ({"tokens_col": "words"}, "'tokens_col' parameter"),
    ({"min_df": -1, "exclude_duplicates": True}, r"^The 'min_df' parameter of group_similarity "
                                                 r"must be an int >= 0"),
    ({"max_df": 1.5}, r"^The 'max_df' parameter of group_similarity must be an int >= 0 "
                      r".*got 1\.5\.$"),
    ({"sublinear_tf": "yes"}, r"^The 'sublinear_tf' parameter of group_similarity must be one "
                              r"of \[True, False\]; got 'yes'\.$"),
])
def test_bad_options_are_named(kwargs, message):
    with pytest.raises(AnalysisError, match=message):
        group_similarity(SAME_AND_DISJOINT, **kwargs)


def test_exclude_duplicates_keeps_the_earliest_copy():
    # d1 (Y) reposts the notice of d0 (X) a day later; Y's own document shares nothing with X.
    notice = "关于做好新型冠状病毒感染的肺炎疫情防控工作的通知"
    docs = _corpus(["X", "Y", "Y"], ["通知 疫情 防控", "通知 疫情 防控", "招生 考试"],
                   text=[notice, notice + "。", "研究生招生考试安排"],
                   date=pd.to_datetime(["2020-01-25", "2020-01-26", "2020-01-27"]))
    with_copies = group_similarity(docs)
    without = group_similarity(docs, exclude_duplicates=True)
    assert _pair(with_copies, "X", "Y") > 0.5
    assert _pair(without, "X", "Y") == 0.0
    assert without.attrs["n_duplicates_dropped"] == 1
    assert _pair(without, "X", "Y", "n_docs_b") == 1


def test_bootstrap_is_deterministic_with_random_state():
    rng = np.random.default_rng(1)
    words = list("abcdefghij")
    docs = _corpus([g for g in "XYZ" for _ in range(6)],
                   [" ".join(rng.choice(words, size=8)) for _ in range(18)])
    one = bootstrap_similarity(docs, n_boot=30, random_state=7)
    two = bootstrap_similarity(docs, n_boot=30, random_state=7)
    other = bootstrap_similarity(docs, n_boot=30, random_state=8)
    pd.testing.assert_frame_equal(one, two)
    assert not np.allclose(one["low"], other["low"])
    assert list(one.columns) == ["group_a", "group_b", "similarity", "low", "high", "se",
                                 "bias", "similarity_raw", "n_docs_a", "n_docs_b", "n_boot"]
    assert (one["low"] <= one["similarity"]).all() and (one["similarity"] <= one["high"]).all()
    pd.testing.assert_series_equal(one["similarity_raw"], group_similarity(docs)["similarity"],
                                   check_names=False)
    np.testing.assert_allclose(one["similarity"],
                               np.clip(one["similarity_raw"] - one["bias"], 0, 1))
    assert one.attrs["small_groups"] == ["X", "Y", "Z"]  # six documents each


def test_bootstrap_of_single_documents_gives_no_interval():
    # One document per group: every resample is the sample itself, so there is no
    # sampling variation to measure; a zero-width interval would claim certainty.
    table = bootstrap_similarity(_corpus(["X", "Y"], ["a b", "a c"]), n_boot=5)
    assert table[["low", "high", "se"]].isna().all().all()
    # 0 to rounding: the replicates are computed in batches, the estimate on its own
    np.testing.assert_allclose(table["bias"], 0, atol=1e-15)
    np.testing.assert_allclose(table["similarity"],
                               group_similarity(_corpus(["X", "Y"], ["a b", "a c"]))["similarity"])
    # a group of one beside a group of two: still none (one side cannot vary)
    table = bootstrap_similarity(_corpus(["X", "Y", "Y"], ["a b", "a c", "a d"]), n_boot=5)
    assert table[["low", "high", "se"]].isna().all().all()


def test_bootstrap_of_disjoint_groups_stays_0():
    table = bootstrap_similarity(SAME_AND_DISJOINT, n_boot=20, pooling="mean")
    z = table[(table["group_a"] == "Z") | (table["group_b"] == "Z")]
    assert (z["similarity"] == 0).all() and z[["low", "high"]].isna().all().all()  # Z: 1 doc
    two = _corpus(["X", "X", "Z", "Z"], ["a b", "b c c", "d e", "e f"])
    table = bootstrap_similarity(two, n_boot=20, pooling="mean")
    assert (table[["similarity", "low", "high"]] == 0).all().all()


def test_basic_interval_reflects_the_percentiles():
    rng = np.random.default_rng(3)
    docs = _corpus([g for g in "XY" for _ in range(8)],
                   [" ".join(rng.choice(list("abcdef"), size=5)) for _ in range(16)])
    pct = bootstrap_similarity(docs, n_boot=40, interval="percentile")
    basic = bootstrap_similarity(docs, n_boot=40, interval="basic")
    expected_low = np.clip(2 * pct["similarity"] - pct["high"], 0, 1)
    np.testing.assert_allclose(basic["low"], expected_low)


@pytest.mark.parametrize("kwargs, message", [
    ({"ci": 1.0}, "'ci' parameter"), ({"n_boot": 0}, "'n_boot' parameter"),
    ({"interval": "bca"}, "'interval' parameter"),
])
def test_bootstrap_bad_options(kwargs, message):
    with pytest.raises(AnalysisError, match=message):
        bootstrap_similarity(SAME_AND_DISJOINT, **kwargs)


# --- the batched bootstrap against the plain loop, one resample at a time ----------------------

def _varied_corpus(small: bool) -> pd.DataFrame:
    """Four groups of 6 to 15 documents (40 terms, repeated); ``small`` adds groups of 2 and 1."""
    rng = np.random.default_rng(5)
    words = [f"w{i}" for i in range(40)]
    groups = [g for g, n in zip("ABCD", (12, 9, 15, 6)) for _ in range(n)]
    if small:
        groups += ["E", "E", "F"]
    probs = 1 / np.arange(1, 41)
    return _corpus(groups, [" ".join(rng.choice(words, size=rng.integers(3, 25),
                                                p=probs / probs.sum())) for _ in groups])


def _prepared(docs: pd.DataFrame, sublinear_tf: bool):
    return similarity._prepare(docs, None, group_col="institution", tokens_col="tokens",
                               id_col="doc_id", min_df=1, max_df=1.0, exclude_duplicates=False,
                               duplicates=None, text_col="text", date_col=None,
                               duplicate_threshold=0.8, sublinear_tf=sublinear_tf, func="test")


def _reference_weights(prep, n_boot: int, random_state: int) -> np.ndarray:
    """The multiplicities of the documents in each resample, drawn as bootstrap_similarity does."""
    order = np.argsort(prep.codes, kind="stable")
    sizes = np.bincount(prep.codes)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    rng = np.random.default_rng(random_state)
    draws = [starts[prep.codes[order]] + rng.integers(0, sizes[prep.codes[order]])
             for _ in range(n_boot)]
    return np.stack([np.bincount(order[d], minlength=prep.tf.shape[0]) for d in draws]
                    ).astype(float)


def _reference_replicates(prep, weights: np.ndarray, pooling: str) -> np.ndarray:
    """The cosines of each resample, one sparse computation each (the code before batching)."""
    from analysis.stats.counts import normalize_rows, pool_rows

    n_groups = len(prep.groups)
    reps = []
    for w in weights:
        idf = sp.diags(np.log((1 + w.sum()) / (1 + prep.present_t @ w)) + 1)
        if pooling == "pooled":
            vectors = normalize_rows(pool_rows(prep.tf, prep.codes, n_groups, w) @ idf)
        else:
            per_group = np.bincount(prep.codes, weights=w, minlength=n_groups)
            vectors = normalize_rows(pool_rows(normalize_rows(prep.tf @ idf), prep.codes,
                                               n_groups, w / per_group[prep.codes]))
        reps.append(np.clip((vectors @ vectors.T).toarray(), 0.0, 1.0))
    return np.stack(reps)


@pytest.mark.parametrize("small", [False, True])
@pytest.mark.parametrize("sublinear_tf", [False, True])
@pytest.mark.parametrize("pooling", ["pooled", "mean"])
def test_batched_bootstrap_equals_one_resample_at_a_time(monkeypatch, pooling, sublinear_tf,
                                                         small):
    docs = _varied_corpus(small)
    prep = _prepared(docs, sublinear_tf)
    weights = _reference_weights(prep, 40, random_state=3)
    expected = _reference_replicates(prep, weights, pooling)
    assert expected.std(axis=0).max() > 0.01  # the resamples differ
    # several slices of terms (40 terms), and batches of every size up to all 40
    monkeypatch.setattr(similarity, "_TERM_SLICE", 7)
    split = similarity._split(prep, pooling)
    for size in (1, 3, 40):
        got = np.concatenate([similarity._batch_cosines(prep, split, weights[i:i + size].T,
                                                        pooling) for i in range(0, 40, size)])
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)
    # the same resamples (draws) in bootstrap_similarity, batches of 3 on worker processes
    monkeypatch.setattr(similarity, "_MAX_BATCH", 3)
    monkeypatch.setattr(similarity, "_PARALLEL_WORK", 0)
    table = bootstrap_similarity(docs, n_boot=40, random_state=3, pooling=pooling,
                                 sublinear_tf=sublinear_tf, interval="percentile")
    a, b = (prep.groups.get_indexer(table[c]) for c in ("group_a", "group_b"))
    point = similarity._cosines(prep, np.ones(prep.tf.shape[0]), pooling)[a, b]
    alone = np.minimum(table["n_docs_a"], table["n_docs_b"]).to_numpy() < 2
    for col, values in [("low", np.quantile(expected, 0.025, axis=0)[a, b]),
                        ("high", np.quantile(expected, 0.975, axis=0)[a, b]),
                        ("se", expected.std(axis=0, ddof=1)[a, b]),
                        ("bias", expected.mean(axis=0)[a, b] - point)]:
        if col != "bias":
            values = np.where(alone, np.nan, values)
        np.testing.assert_allclose(table[col], values, rtol=0, atol=1e-12, err_msg=col)
    assert alone.any() == small


def test_bootstrap_does_not_depend_on_batches_or_workers(monkeypatch):
    docs = _varied_corpus(small=True)
    tables = []
    for max_batch, parallel_work in [(24, 10**18), (1, 10**18), (4, 0), (7, 0)]:
        monkeypatch.setattr(similarity, "_MAX_BATCH", max_batch)
        monkeypatch.setattr(similarity, "_PARALLEL_WORK", parallel_work)
        tables.append(bootstrap_similarity(docs, n_boot=30, random_state=1, pooling="mean"))
    for table in tables[1:]:
        pd.testing.assert_frame_equal(table, tables[0], check_exact=True)


def test_nearest_neighbours_by_hand():
    docs = _corpus(["X", "X", "Y", "Y", "Z"], ["a b", "c", "a b", "c d", "e"])
    table = nearest_neighbours(docs, k=2)
    assert list(table.columns) == ["doc_id", "institution", "neighbour_doc_id",
                                   "neighbour_institution", "similarity", "rank"]
    got = {(r.doc_id, r.rank): (r.neighbour_doc_id, round(r.similarity, 6))
           for r in table.itertuples()}
    # d1 = "c" and d3 = "c d": idf(c) = ln(6/3) + 1, idf(d) = ln(6/2) + 1.
    ic, id_ = math.log(2) + 1, math.log(3) + 1
    c_cd = round(ic / math.hypot(ic, id_), 6)
    # zero cosines are left out: d4 has no neighbour, the others one each
    assert got == {("d0", 1): ("d2", 1.0), ("d1", 1): ("d3", c_cd),
                   ("d2", 1): ("d0", 1.0), ("d3", 1): ("d1", c_cd)}


def test_nearest_neighbours_in_blocks_match_brute_force(monkeypatch):
    rng = np.random.default_rng(0)
    docs = _corpus([g for g in "ABCD" for _ in range(10)],
                   [" ".join(rng.choice(list("abcdefghijklmnop"), size=6)) for _ in range(40)])
    full = nearest_neighbours(docs, k=3)
    monkeypatch.setattr(similarity, "_CELLS", 25)  # blocks of one document
    pd.testing.assert_frame_equal(nearest_neighbours(docs, k=3), full)
    # brute force: dense document TF-IDF as scikit-learn computes it
    from sklearn.feature_extraction.text import TfidfVectorizer
    x = TfidfVectorizer(analyzer=str.split).fit_transform(docs["tokens"]).toarray()
    sims, groups = x @ x.T, docs["institution"].to_numpy()
    for i in range(len(docs)):
        other = np.flatnonzero(groups != groups[i])
        best = other[np.argsort(-sims[i, other], kind="stable")[:3]]
        mine = full[full["doc_id"] == f"d{i}"]
        np.testing.assert_allclose(mine["similarity"], sims[i, best][sims[i, best] > 0])
        assert (mine["neighbour_institution"] != groups[i]).all()



def test_top_k_is_a_stable_argsort():
    rng = np.random.default_rng(1)
    for shape, top in [((30, 50), 3), ((5, 4), 4), ((8, 9), 1), ((6, 20), 7)]:
        sims = rng.integers(0, 4, size=shape).astype(float)  # many ties
        expected = np.argsort(-sims, axis=1, kind="stable")[:, :top]
        np.testing.assert_array_equal(similarity._top_k(sims, top), expected)


def test_nearest_neighbours_of_a_sample():
    rng = np.random.default_rng(0)
    docs = _corpus([g for g in "ABCD" for _ in range(10)],
                   [" ".join(rng.choice(list("abcdefghijklmnop"), size=6)) for _ in range(40)])
    full = nearest_neighbours(docs, k=3)
    assert full.attrs["query_docs"] == 40
    sample = nearest_neighbours(docs, k=3, max_docs=7, random_state=3)
    assert sample.attrs["query_docs"] == 7 and sample["doc_id"].nunique() <= 7
    expected = full[full["doc_id"].isin(sample["doc_id"])].reset_index(drop=True)
    pd.testing.assert_frame_equal(sample.reset_index(drop=True), expected)
    assert nearest_neighbours(docs, k=3, max_docs=40).equals(full)
    with pytest.raises(AnalysisError, match="'max_docs' parameter of nearest_neighbours"):
        nearest_neighbours(docs, max_docs=0)


# --- intervals that hold: coverage on a synthetic population of known similarity ---------------

def _population(n_terms: int, corr: float, rng: np.random.Generator):
    base = 1 / np.arange(1, n_terms + 1) ** 1.05
    shared = rng.normal(size=n_terms)
    own = [corr * shared + np.sqrt(1 - corr**2) * rng.normal(size=n_terms) for _ in "ab"]
    probs = [base * np.exp(z) for z in own]
    return [p / p.sum() for p in probs]


def _truth(pa, pb, length, share_a):
    """The cosine the estimator tends to: pooled expected counts, idf of the population."""
    holds = share_a * (1 - np.exp(-length * pa)) + (1 - share_a) * (1 - np.exp(-length * pb))
    idf = np.log(1 / holds) + 1
    va, vb = pa * idf, pb * idf
    return float(va @ vb / np.linalg.norm(va) / np.linalg.norm(vb))


@pytest.mark.slow
def test_debiased_intervals_cover_the_truth_and_hold_their_estimate():
    from analysis.stats.counts import TermCounts

    rng = np.random.default_rng(0)
    pa, pb = _population(800, 0.6, rng)
    n_a, n_b, length = 30, 60, 250
    truth = _truth(pa, pb, length, n_a / (n_a + n_b))
    ids = [f"d{i}" for i in range(n_a + n_b)]
    docs = pd.DataFrame({"doc_id": ids, "g": ["a"] * n_a + ["b"] * n_b})
    covered, inside, samples = 0, 0, 200
    for r in range(samples):
        rows = [rng.multinomial(max(rng.poisson(length), 1), p)
                for p, n in ((pa, n_a), (pb, n_b)) for _ in range(n)]
        counts = TermCounts(sp.csr_matrix(np.array(rows)),
                            np.array([f"t{i:04d}" for i in range(800)], dtype=object),
                            pd.Index(ids, name="doc_id"))
        row = bootstrap_similarity(docs, counts, group_col="g", n_boot=100,
                                   random_state=r).iloc[0]
        covered += row["low"] <= truth <= row["high"]
        inside += row["low"] <= row["similarity"] <= row["high"]
    assert inside == samples  # the estimate is never outside its interval
    assert 0.90 <= covered / samples <= 0.99, covered / samples


def test_a_bad_df_bound_stops_before_near_duplicates_are_looked_for(monkeypatch):
    def looked(*args, **kwargs):
        raise AssertionError("near-duplicates looked for before min_df was checked")

    monkeypatch.setattr("analysis.stats.similarity.drop_near_duplicates", looked)
    with pytest.raises(AnalysisError, match=r"^The 'min_df' parameter of group_similarity"):
        group_similarity(SAME_AND_DISJOINT, min_df=-1, exclude_duplicates=True)
