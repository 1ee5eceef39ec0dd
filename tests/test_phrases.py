"""Shared phrases: clauses, whole words, maximal and distinct, ranked by spread; checked by hand."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from analysis.core.errors import AnalysisError
from analysis.stats.kwic import kwic
from analysis.stats.phrases import phrase_summary, shared_phrases
from analysis.tokens import Segmenter, SegmenterConfig

D = pd.Timestamp


@pytest.fixture(scope="module")
def segmenter() -> Segmenter:
    return Segmenter(SegmenterConfig())


def _docs(texts: dict[str, tuple[str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame([{"doc_id": k, "institution": g, "date": D(d), "text": t}
                         for k, (g, d, t) in texts.items()])


# Three universities write the same formula in different sentences; punctuation differs.
FORMULA = _docs({
    "a1": ("甲", "2020-02-03", "我校坚持停课不停学，全面落实防控措施。"),
    "a2": ("甲", "2020-02-10", "学院党委副书记刘明出席会议。"),
    "b1": ("乙", "2020-02-05", "各学院要做到停课不停学，教学不断线。"),
    "b2": ("乙", "2020-02-12", "会议由学院党委副书记王芳主持。"),
    "c1": ("丙", "2020-02-01", "停课不停学；全面落实防控措施！"),
    "c2": ("丙", "2020-03-01", "确诊病例1例，其中重症1例。"),
    "a3": ("甲", "2020-03-02", "新增病例2例，其中重症1例。"),
})


def test_phrases_are_whole_words_and_never_span_punctuation(segmenter):
    table = shared_phrases(FORMULA, segmenter=segmenter, min_chars=4)
    summary = phrase_summary(table).set_index("phrase")
    # 学院党委副书记刘 / 院党委副书记王: the runs are cut to the words all clauses share
    assert "学院党委副书记" in summary.index
    assert not any("刘" in p or "王" in p for p in summary.index)
    # 其中重症1例 never joins across the comma into 例其中重症1
    assert not any(p.startswith("例") for p in summary.index)
    assert summary.loc["停课不停学", "groups"] == ["丙", "甲", "乙"]  # by first use
    assert summary.loc["全面落实防控措施", "groups"] == ["丙", "甲"]
    assert summary.loc["停课不停学", "n_words"] == 1  # one dictionary word of 5 characters


def test_every_listed_document_holds_the_phrase_as_written(segmenter):
    table = shared_phrases(FORMULA, segmenter=segmenter, min_chars=4)
    for row in table.itertuples():
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # kwic warns when a term does not occur
            found = set(kwic(FORMULA[FORMULA["doc_id"].isin(row.doc_ids)], row.phrase)["doc_id"])
        assert found == set(row.doc_ids), row.phrase


def test_first_use_and_columns(segmenter):
    table = shared_phrases(FORMULA, segmenter=segmenter, min_chars=4)
    assert list(table.columns) == ["phrase", "length", "n_words", "institution", "first_date",
                                   "first_doc_id", "n_docs", "doc_ids"]
    rows = table[table["phrase"] == "停课不停学"]
    assert list(zip(rows["institution"], rows["first_date"], rows["first_doc_id"])) == [
        ("丙", D("2020-02-01"), "c1"), ("甲", D("2020-02-03"), "a1"), ("乙", D("2020-02-05"), "b1")]
    assert table.attrs["group_col"] == "institution"


NESTED = _docs({
    # 中华民族伟大复兴 in four documents; 中华民族伟大 alone never: the shorter run is not drawn.
    # 实现中华民族伟大复兴 in two of them only: kept as a table row? No: it contains a
    # phrase ranked above it, so the table stays free of substrings.
    "a": ("甲", "2020-01-01", "为实现中华民族伟大复兴而奋斗"),
    "b": ("乙", "2020-01-02", "实现中华民族伟大复兴的中国梦"),
    "c": ("丙", "2020-01-03", "走向中华民族伟大复兴"),
    "d": ("丁", "2020-01-04", "推进中华民族伟大复兴"),
})


def test_a_nested_run_with_the_same_documents_is_not_a_phrase(segmenter):
    table = shared_phrases(NESTED, segmenter=segmenter, min_chars=5)
    phrases = phrase_summary(table)["phrase"].tolist()
    assert phrases[0] == "中华民族伟大复兴"
    assert "中华民族伟大" not in phrases and "民族伟大复兴" not in phrases
    for p in phrases:  # no phrase is inside another
        assert not any(p != q and p in q for q in phrases)


def test_containment_keeps_a_longer_phrase_with_nearly_the_same_documents(segmenter):
    docs = _docs({k: (g, "2020-01-01", "推进师资队伍建设") for k, g in
                  [("a", "甲"), ("b", "乙"), ("c", "丙")]})
    docs.loc[3] = ["d", "丁", D("2020-01-02"), "师资队伍建设水平"]
    # 师资队伍建设 (4 documents) lies in 推进师资队伍建设 (3 documents): 3 < 0.9 * 4 keeps
    # both as phrases, and the ranking by groups keeps the shorter, more spread one.
    table = shared_phrases(docs, segmenter=segmenter, min_chars=4)
    assert phrase_summary(table)["phrase"].tolist() == ["师资队伍建设"]
    table = shared_phrases(docs, segmenter=segmenter, min_chars=4, containment=0.7)
    assert phrase_summary(table)["phrase"].tolist() == ["推进师资队伍建设"]


def test_reposts_count_once_in_the_ranking(segmenter):
    docs = _docs({
        "a1": ("甲", "2020-01-01", "坚持立德树人根本任务"), "b1": ("乙", "2020-01-02", "坚持立德树人根本任务"),
        "b2": ("乙", "2020-01-03", "坚持立德树人根本任务"),
        "a2": ("甲", "2020-01-04", "推进一流学科建设"), "b3": ("乙", "2020-01-05", "加强一流学科建设"),
    })
    plain = phrase_summary(shared_phrases(docs, segmenter=segmenter, min_chars=4))
    assert plain["phrase"].tolist()[0] == "坚持立德树人根本任务"  # 3 documents
    clusters = pd.Series({"a1": 0, "b1": 0, "b2": 0, "a2": 1, "b3": 2})  # one reposted notice
    once = phrase_summary(shared_phrases(docs, segmenter=segmenter, min_chars=4,
                                         clusters=clusters))
    assert once["phrase"].tolist()[0] == "一流学科建设"  # 2 sources against 1


def test_a_repeated_long_sentence_is_not_a_phrase(segmenter):
    sentence = "学校召开新学期工作部署会议全面部署本学期各项重点工作任务"
    docs = _docs({"a": ("甲", "2020-01-01", sentence), "b": ("乙", "2020-01-02", sentence)})
    assert shared_phrases(docs, segmenter=segmenter, max_chars=20).empty
    assert phrase_summary(shared_phrases(docs, segmenter=segmenter, max_chars=40))[
        "phrase"].tolist() == [sentence]


def test_na_groups_are_dropped_and_undated_first_use_falls_back(segmenter):
    docs = FORMULA.assign(date=FORMULA["date"].where(FORMULA["doc_id"] != "c1"),
                          institution=FORMULA["institution"].where(FORMULA["doc_id"] != "b1"))
    with pytest.warns(UserWarning, match=r"1 document\(s\) with NA in 'institution'"):
        table = shared_phrases(docs, segmenter=segmenter, min_chars=4)
    rows = table[table["phrase"] == "停课不停学"]
    assert rows["institution"].tolist() == ["甲", "丙"]  # 丙's only use is undated: last
    assert pd.isna(rows["first_date"].iloc[1]) and rows["first_doc_id"].iloc[1] == "c1"


@pytest.mark.parametrize("kwargs, message", [
    ({"min_groups": 1}, "'min_groups' parameter"), ({"min_chars": 1}, "'min_chars' parameter"),
    ({"min_chars": 8, "max_chars": 6}, "'max_chars' parameter"),
    ({"top": 0}, "'top' parameter"), ({"containment": 2}, "'containment' parameter"),
    ({"group_col": "school"}, "'group_col' parameter"), ({"text_col": "body"}, "'text_col'"),
    ({"segmenter": "jieba"}, "'segmenter' parameter"),
])
def test_bad_options_are_named(kwargs, message):
    with pytest.raises(AnalysisError, match=message):
        shared_phrases(FORMULA, **kwargs)


# --- the seed documents: 做到守土有责 across four universities ----------------------------------

SEED_FIRST_USE = {"000": "2020-02-12", "001": "2020-02-11", "003": "2020-03-01",
                  "004": "2020-01-27"}


def test_seeds_share_shoutu_youze(seeds_loaded, segmenter):
    docs, _ = seeds_loaded
    table = shared_phrases(docs, segmenter=segmenter, min_chars=4)
    hits = table[table["phrase"] == "做到守土有责"]  # 守土有责 is always after 做到 here
    assert {d[:3] for ids in hits["doc_ids"] for d in ids} == set(SEED_FIRST_USE)
    first = {r.first_doc_id[:3]: r.first_date.strftime("%Y-%m-%d") for r in hits.itertuples()}
    assert first == SEED_FIRST_USE


@pytest.mark.shared
def test_shared_corpus_phrases_hold_the_promises(shared_corpus, segmenter):
    """On 4,706 real posts: whole words, in the listed documents, no substring drawn."""
    from analysis import load_corpus

    docs = load_corpus(shared_corpus)
    table = shared_phrases(docs, segmenter=segmenter)
    summary = phrase_summary(table)
    phrases = summary["phrase"].tolist()
    assert len(phrases) == 100
    assert not [p for p in phrases if any(p != q and p in q for q in phrases)]
    assert (summary["n_groups"] >= 2).all() and (summary["length"] >= 5).all()
    texts = docs.set_index("doc_id")["text"]
    for row in table.head(200).itertuples():
        assert all(row.phrase in texts[d] for d in row.doc_ids), row.phrase
    assert "中华民族伟大复兴" in phrases and "中华民族伟大" not in phrases


def test_counting_by_table_and_by_hashing_give_the_same_phrases(seeds_loaded, segmenter,
                                                                monkeypatch):
    """Distinct (run, label) pairs in a table of booleans or by hashing: the same table."""
    import analysis.stats.phrases as phrases_module

    docs, _ = seeds_loaded
    docs = pd.concat([docs, FORMULA.assign(institution=FORMULA["institution"] + "校")],
                     ignore_index=True)
    by_table = shared_phrases(docs, segmenter=segmenter, min_chars=4)
    monkeypatch.setattr(phrases_module, "_DENSE_PAIRS", 0)
    by_hashing = shared_phrases(docs, segmenter=segmenter, min_chars=4)
    assert len(by_table) > 5
    pd.testing.assert_frame_equal(by_table, by_hashing)


@pytest.mark.parametrize("dense_pairs", [50_000_000, 0])
def test_documents_and_groups_of_each_run_by_hand(monkeypatch, dense_pairs):
    """Four runs in three clauses of four documents: distinct documents and groups counted."""
    import numpy as np

    import analysis.stats.phrases as phrases_module

    monkeypatch.setattr(phrases_module, "_DENSE_PAIRS", dense_pairs)
    # clause 0 is in documents 0 and 1, clause 1 in 1 and 2, clause 2 in 3; groups 0 0 1 1
    units = phrases_module._Units(np.array([0, 0, 1, 1, 2]), np.array([0, 1, 1, 2, 3]),
                                  np.array([0, 0, 1, 1]), 4)
    # run 0 in clauses 0 and 1; run 1 twice in clause 0; run 2 in clause 2; run 3 in 0 and 2
    inv, unit = np.array([0, 0, 1, 1, 2, 3, 3]), np.array([0, 1, 0, 0, 2, 0, 2])
    n_docs, keys = phrases_module._label_counts(inv, 4, unit, units, "doc")
    n_groups, _ = phrases_module._label_counts(inv, 4, unit, units, "group")
    assert n_docs.tolist() == [3, 2, 1, 3]
    assert n_groups.tolist() == [2, 1, 1, 2]
    k = [int(v) for v in units.doc_keys]  # sums modulo 2**64, as in uint64
    assert keys.tolist() == [(k[0] + k[1] + k[2]) % 2**64, (k[0] + k[1]) % 2**64, k[3],
                             (k[0] + k[1] + k[3]) % 2**64]


def test_counting_in_parts_gives_the_same_phrases(seeds_loaded, segmenter, monkeypatch):
    """Positions counted in parts split by hash (as at 100k documents): the same table."""
    import analysis.stats.phrases as phrases_module

    docs, _ = seeds_loaded
    docs = pd.concat([docs, FORMULA.assign(institution=FORMULA["institution"] + "校")],
                     ignore_index=True)
    whole = shared_phrases(docs, segmenter=segmenter, min_chars=4)
    monkeypatch.setattr(phrases_module, "_PART", 16)  # hundreds of parts
    in_parts = shared_phrases(docs, segmenter=segmenter, min_chars=4)
    assert len(whole) > 5
    pd.testing.assert_frame_equal(whole, in_parts)


@pytest.mark.parametrize("part", [1 << 22, 1])
def test_shared_positions_of_a_level_by_hand(monkeypatch, part):
    """Five positions, three hashes in three parts: the shared ones kept, in position order."""
    import numpy as np

    import analysis.stats.phrases as phrases_module

    monkeypatch.setattr(phrases_module, "_PART", part)  # 1: 8 parts by the top 3 bits
    # clause 0 in documents 0 and 1 (group 0), clause 1 in document 2 (group 1),
    # clause 2 in document 3 (group 1)
    units = phrases_module._Units(np.array([0, 0, 1, 2]), np.array([0, 1, 2, 3]),
                                  np.array([0, 0, 1, 1]), 4)
    a, b, c = (np.uint64(top << 61 | 5) for top in (1, 4, 6))  # top bits 001, 100, 110
    h = np.array([a, b, a, c, b], dtype=np.uint64)
    piece = np.array([0, 0, 1, 2, 2], dtype=np.int32)  # the clause of each position
    starts, kept_h, n_grp, n_doc, fp = phrases_module._shared_level(
        np.arange(5, dtype=np.int32), h, piece, units, 2)
    # a: clauses 0 and 1, groups 0 and 1, documents 0 1 2; b: clauses 0 and 2, documents 0 1 3;
    # c: clause 2 alone, one group: dropped
    assert starts.tolist() == [0, 1, 2, 4] and kept_h.tolist() == [a, b, a, b]
    assert n_grp.tolist() == [2, 2, 2, 2] and n_doc.tolist() == [3, 3, 3, 3]
    k = [int(v) for v in units.doc_keys]
    sum_a, sum_b = (k[0] + k[1] + k[2]) % 2**64, (k[0] + k[1] + k[3]) % 2**64
    assert fp.tolist() == [sum_a, sum_b, sum_a, sum_b]
