"""Coding dictionaries: rules, sentence bounds, whole entries, the audit, rates, KWIC, notebook."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from analysis.core.config import SEEDS_DIR
from analysis.core.errors import AnalysisError
from analysis.run.params import check_parameter
from analysis.stats.coding import (
    DICTIONARIES_DIR,
    apply_dictionary,
    coding_kwic,
    coding_segmenter,
    dictionary_names,
    load_coding_dictionary,
    methods_text,
    parse_rule,
    wilson_interval,
)
from analysis.stats.collocations import ALL_GROUPS
from analysis.stats.counts import term_counts
from analysis.tokens.segmenter import Segmenter, SegmenterConfig

from .conftest import FIXTURES


def _yaml(tmp_path, text: str, name: str = "dict.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _coded(tmp_path, yaml_text: str, texts: list[str], groups: list[str] | None = None,
           **options):
    """Segment texts with the dictionary's words kept whole, then apply the dictionary."""
    coding = load_coding_dictionary(_yaml(tmp_path, yaml_text))
    segmenter = Segmenter(coding_segmenter(coding, cache_dir=tmp_path))
    docs = pd.DataFrame({"doc_id": [f"d{i}" for i in range(len(texts))],
                         "institution": groups or ["甲"] * len(texts), "text": texts,
                         "date": pd.to_datetime("2020-02-03")})
    docs["tokens"] = segmenter.join_many(docs["text"])
    result = apply_dictionary(docs, term_counts(docs), dictionary=coding, segmenter=segmenter,
                              **options)
    return docs, coding, segmenter, result


# -- rules ---------------------------------------------------------------------------


@pytest.mark.parametrize("rule, tree", [
    ("疫情 OR 防控 AND 学生", ("or", ("term", "疫情"), ("and", ("term", "防控"),
                                                       ("term", "学生")))),
    ("NOT 会议 AND 学生", ("and", ("not", ("term", "会议")), ("term", "学生"))),
    ("(线上 OR 在线) NEAR/3 教学", ("near", ("线上", "在线"), ("教学",), 3)),
    ("返校 NEAR 学生", ("near", ("返校",), ("学生",), 5)),
    ('"MOOC" AND 课程', ("and", ("term", "mooc"), ("term", "课程"))),
])
def test_rules_parse_with_not_near_and_or_precedence(rule, tree):
    assert parse_rule(rule).tree == tree


@pytest.mark.parametrize("rule, message", [
    ("疫情 XOR 防控", "unknown operator 'XOR'"),
    ("疫情 & 防控", "unknown operator '&'"),
    ("疫情 and 防控", "unknown operator 'and'"),
    ("疫情 防控", "expected an operator (AND, OR, NOT, NEAR) between '疫情' and '防控'"),
    ("NOT 疫情", "a rule needs a term outside NOT"),
    ("(疫情 AND 防控) NEAR 学生", "NEAR joins terms or parenthesised OR lists"),
    ("疫情 NEAR/0 防控", "the distance of NEAR/0 must be in [1, 50]"),
    ("(疫情 OR 防控", "a '(' is not closed"),
    ("疫情 AND", "the rule ends where a term was expected"),
])
def test_bad_rules_say_what_is_wrong(rule, message):
    with pytest.raises(AnalysisError) as err:
        parse_rule(rule, where="my.yaml, line 4, category 'x'")
    assert message in str(err.value) and "my.yaml, line 4" in str(err.value)


def test_rules_are_evaluated_within_one_sentence(tmp_path):
    yaml_text = """
categories:
  same: {rules: [疫情 AND 学生]}
  both: {rules: [疫情 AND 防控]}
  without: {rules: [疫情 AND NOT 学生]}
  close: {rules: [疫情 NEAR/2 防控]}
  reversed: {rules: [防控 NEAR/2 疫情]}
  too_close: {rules: [疫情 NEAR/1 防控]}
  across: {rules: [防控 NEAR/5 学生]}
  far: {rules: [疫情 NEAR/3 教学]}
  farther: {rules: [疫情 NEAR/4 教学]}
"""
    # sentence 1: 疫情 严重 防控 会议 教学 (防控 2 tokens after 疫情, 教学 4); sentence 2: 学生 线上
    docs, _, _, result = _coded(tmp_path, yaml_text, ["疫情严重，防控会议教学。学生线上。"])
    assert docs["tokens"].iloc[0] == "疫情 严重 防控 会议 教学\n学生 线上"
    hits = result["hits"].set_index("category")["hits"]
    assert hits.get("same", 0) == 0  # the two terms are in different sentences
    assert hits["both"] == 1 and hits["without"] == 1
    assert hits["close"] == 1 and hits["reversed"] == 1  # either order
    assert hits.get("too_close", 0) == 0
    assert hits.get("across", 0) == 0  # NEAR never crosses a sentence break
    assert hits.get("far", 0) == 0 and hits["farther"] == 1


# -- the dictionary file ---------------------------------------------------------------


@pytest.mark.parametrize("text, message", [
    ("categories:\n  a: [疫情\n  b: [x]\n", "dict.yaml, line 3: not valid YAML"),
    ("categories:\n  a: []\n", "category 'a' (line 2) has no entries"),
    ("categories:\n  a:\n", "category 'a' (line 2) has no entries"),
    ("categories:\n  a: {words: [疫情], rule: [x]}\n", "line 2: unknown field 'rule'"),
    ("categories:\n  a: [疫情 防控]\n", "line 2: the word '疫情 防控' of category 'a' holds a space"),
    ("categories:\n  a: {rules: [疫情 OR]}\n", "dict.yaml, line 2, category 'a': the rule ends"),
    ("categories:\n  a:\n    rules:\n      - 疫情 XOR 防控\n",
     "dict.yaml, line 4, category 'a': unknown operator 'XOR'"),
    ("near: 0\ncategories:\n  a: [疫情]\n", "line 1: near must be an integer in [1, 50]"),
    ("words: [疫情]\n", "line 1: unknown field 'words'"),
    ("categories:\n  a: [疫情]\n  a: [防控]\n", "line 3: the category 'a' is defined twice"),
])
def test_bad_dictionary_files_name_the_file_and_line(tmp_path, text, message):
    with pytest.raises(AnalysisError) as err:
        load_coding_dictionary(_yaml(tmp_path, text))
    assert message in str(err.value)
    assert "dict.yaml" in str(err.value)


def test_a_missing_dictionary_names_the_shipped_ones():
    with pytest.raises(AnalysisError, match="shipped dictionaries \\['covid19-education'\\]"):
        load_coding_dictionary("no-such-dictionary")
    with pytest.raises(AnalysisError, match="'dictionary' parameter must be one of"):
        check_parameter("dictionary", "no-such-dictionary")
    assert check_parameter("dictionary", "covid19-education").name == "covid19-education.yaml"


def test_entries_are_normalised_and_listed():
    coding = load_coding_dictionary("covid19-education")
    assert "mooc" in coding.categories[1].words  # NFKC, lower case: as the tokens
    table = coding.table()
    assert set(table["kind"]) == {"word", "rule"}
    assert len(coding.words) == len(set(coding.words))


def test_an_entry_jieba_would_split_comes_out_whole(tmp_path):
    coding = load_coding_dictionary(_yaml(tmp_path, "categories:\n  a: [云端课堂, 停课不停学]\n"))
    plain = Segmenter(SegmenterConfig(default_userdict=False))
    assert plain.cut("学校开设云端课堂，停课不停学") == ["学校", "开设", "云端", "课堂", "停课",
                                                      "不停"]
    config = coding_segmenter(coding, cache_dir=tmp_path,
                              config=SegmenterConfig(default_userdict=False))
    assert Segmenter(config).cut("学校开设云端课堂，停课不停学") == ["学校", "开设", "云端课堂",
                                                                  "停课不停学"]


# -- the audit -------------------------------------------------------------------------


def test_the_audit_flags_planted_faults(tmp_path):
    yaml_text = """
categories:
  外交: [印度, 疫情, 疫情]
  防控: [疫情, 隔离, 我们, 火星人]
  空: [月球车]
  规则: {rules: [隔离 AND 火星人, 隔离 NEAR 学生]}
"""
    _, _, _, result = _coded(tmp_path, yaml_text, [
        "印度尼西亚的学生隔离观察，学生隔离。我们关注疫情。", "疫情防控，学生隔离。"])
    audit = result["audit"].set_index(["category", "entry"])["issues"]
    assert "never matched" in audit[("外交", "印度")]
    assert "inside longer tokens (印度尼西亚 ×1" in audit[("外交", "印度")]
    assert "also in 防控" in audit[("外交", "疫情")]
    assert "listed twice in this category" in audit[("外交", "疫情")]
    assert "removed by the segmenter's filters" in audit[("防控", "我们")]
    assert "never matched" in audit[("防控", "火星人")]
    assert "empty category" in audit[("空", "")]
    assert "never matched" in audit[("规则", "隔离 AND 火星人")]
    assert "term never found: 火星人" in audit[("规则", "隔离 AND 火星人")]
    assert audit[("规则", "隔离 NEAR 学生")] == ""
    assert audit[("防控", "隔离")] == "" or "inside longer" in audit[("防控", "隔离")]


# -- rates -----------------------------------------------------------------------------


def test_wilson_interval_by_hand():
    z = 1.959963984540054
    for k, n in ((3, 10), (0, 7), (5, 5)):
        p = k / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
        low, high = wilson_interval([k], [n])
        assert (low[0], high[0]) == pytest.approx((centre - half, centre + half))


def test_rates_per_group_and_period_with_intervals(tmp_path):
    texts = ["学生返校。", "学生返校。学生返校。", "教师开会。", "教师开会。", "学生开学。"]
    docs, _, _, result = _coded(tmp_path, "categories:\n  返校: [返校]\n", texts,
                                groups=["甲", "甲", "甲", "乙", "乙"], freq="W")
    groups = result["groups"].set_index("institution")
    jia = groups.loc["甲"]
    assert (jia["n_docs"], jia["docs_coded"], jia["hits"]) == (3, 2, 3)
    low, high = wilson_interval([2], [3])
    assert (jia["share"], jia["share_low"], jia["share_high"]) == pytest.approx(
        (2 / 3, low[0], high[0]))
    tokens = term_counts(docs).totals()[:3].astype(float)  # hits per document: 1, 2, 0
    hits = np.array([1.0, 2.0, 0.0])
    rate = hits.sum() / tokens.sum()
    se = math.sqrt(((hits - rate * tokens) ** 2).sum() / (3 * 2)) / tokens.mean()
    assert jia["rate_per_10k"] == pytest.approx(rate * 10_000)
    assert jia["rate_high"] == pytest.approx((rate + 1.959963984540054 * se) * 10_000)
    assert groups.loc[ALL_GROUPS, "n_docs"] == 5
    assert result["groups"]["institution"].tolist()[0] == ALL_GROUPS
    periods = result["periods"]
    assert set(periods["period"]) == {pd.Timestamp("2020-02-03")}
    assert periods.attrs["freq"] == "W"


def test_reposts_count_once_in_the_rates_and_stay_in_the_hits(tmp_path):
    coding = load_coding_dictionary(_yaml(tmp_path, "categories:\n  返校: [返校]\n"))
    segmenter = Segmenter(coding_segmenter(coding, cache_dir=tmp_path))
    docs = pd.DataFrame({"doc_id": ["a", "b", "c"], "institution": "甲",
                         "text": ["学生返校。", "学生返校。", "教师开会。"]})
    docs["tokens"] = segmenter.join_many(docs["text"])
    clusters = pd.Series([0, 0, 1], index=docs["doc_id"])
    result = apply_dictionary(docs, dictionary=coding, clusters=clusters)
    row = result["groups"].set_index("institution").loc["甲"]
    assert (row["n_docs"], row["docs_coded"]) == (2, 1)
    assert result["hits"]["counted"].tolist() == [True, False]


# -- KWIC ------------------------------------------------------------------------------


def test_every_hit_is_reachable_in_context_and_substrings_are_told_apart(tmp_path):
    yaml_text = "categories:\n  外交: {words: [印度], rules: [印度 AND 学生]}\n"
    docs, coding, segmenter, result = _coded(
        tmp_path, yaml_text, ["印度尼西亚和印度的学生。", "印度学生来访。"])
    hits = result["hits"]
    assert hits.groupby("kind")["hits"].sum().to_dict() == {"rule": 2, "word": 2}
    shown = coding_kwic(docs, hits, dictionary=coding, category="外交", segmenter=segmenter)
    words = shown[shown["entry"] == "印度"]
    assert words["offset"].tolist() == [0, 6, 0]
    assert words["whole_token"].tolist() == [False, True, True]  # 印度 in 印度尼西亚
    rules = shown[shown["entry"] == "印度 AND 学生"]
    assert set(rules["match"]) == {"印度", "学生"}
    guessed = coding_kwic(docs, hits, dictionary=coding, entry="印度")  # no segmenter
    assert guessed["whole_token"].tolist() == [False, True, True]
    with pytest.raises(AnalysisError, match="'category' parameter of coding_kwic"):
        coding_kwic(docs, hits, category="没有")


def test_methods_text_in_both_languages():
    record = {"dictionary": load_coding_dictionary("covid19-education"), "ci": 0.9}
    en, zh = methods_text(record, "en"), methods_text(record, "zh")
    assert "'covid19-education' (6 categories" in en and "90% Wilson" in en
    assert "6个类目" in zh and "90% Wilson" in zh


# -- the shipped dictionary and the notebook -------------------------------------------


def test_the_shipped_dictionary_has_a_header_and_six_categories():
    assert dictionary_names() == ["covid19-education"]
    text = (DICTIONARIES_DIR / "covid19-education.yaml").read_text(encoding="utf-8")
    assert text.startswith("# A starter coding dictionary")
    coding = load_coding_dictionary("covid19-education")
    assert [c.name for c in coding.categories] == ["防控措施", "在线教学", "政治动员", "学生关怀",
                                                   "卫生医疗", "返校开学"]


@pytest.mark.slow
def test_every_shipped_entry_occurs_in_the_seeds_or_the_shared_corpus(shared_corpus, tmp_path):
    from analysis import Study

    coding = load_coding_dictionary("covid19-education")
    found = None
    for corpus in (SEEDS_DIR, shared_corpus):
        study = Study(corpus, cache_dir=tmp_path, segmenter=coding_segmenter(
            coding, cache_dir=tmp_path))
        with pytest.warns(UserWarning):  # some entries match in one corpus only
            audit = apply_dictionary(study.tokens, study.counts, dictionary=coding,
                                     segmenter=study.segmenter)["audit"]
        hits = audit.set_index(["category", "entry"])["hits"]
        found = hits if found is None else found + hits
        assert not audit["issues"].str.contains("split by|filters").any()
    assert not (found == 0).any(), list(found[found == 0].index)


@pytest.mark.slow
@pytest.mark.parametrize("corpus, own", [(SEEDS_DIR, False), (FIXTURES / "mini_corpus", True)])
def test_notebook_codes_with_a_shipped_or_own_dictionary(tmp_path, corpus, own):
    from analysis.run.runner import run_notebooks

    params = {"corpus_dir": str(corpus)}
    if own:
        path = _yaml(tmp_path, "categories:\n  防控: {words: [疫情防控], rules: [返校 NEAR 学生]}\n"
                                "  教学: [线上教学, 停课不停学]\n", name="mine.yaml")
        params |= {"dictionary": str(path), "freq": "M", "kwic_category": "教学",
                   "formats": ["png", "svg"]}
    results = run_notebooks(params=params, output_dir=tmp_path / "out", only=["10"],
                            progress=False)
    assert results[0].status == "ok", results[0].error
    groups = pd.read_csv(tmp_path / "out" / "10_category_rates.csv")
    periods = pd.read_csv(tmp_path / "out" / "10_category_periods.csv", parse_dates=["period"])
    expected = ["防控", "教学"] if own else ["防控措施", "在线教学", "政治动员", "学生关怀",
                                             "卫生医疗", "返校开学"]
    assert list(dict.fromkeys(groups["category"])) == expected
    assert groups["share"].between(0, 1).all()
    assert (groups["share_low"] <= groups["share"]).all()
    assert (groups["share"] <= groups["share_high"]).all()
    if own:
        assert (periods["period"].dt.day == 1).all()  # months
        mini = groups.set_index(["institution", "category"])
        assert mini.loc[(ALL_GROUPS, "防控"), "n_docs"] == 9
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert {"10_category_rates", "10_category_periods"} <= set(manifest)
