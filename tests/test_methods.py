"""Tests of analysis.methods: the methods paragraph in English and Chinese."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.core.errors import AnalysisError
from analysis.run.methods import methods_paragraph, segmenter_info

CORPUS = {"n_docs": 1200, "n_dated": 1100, "date_min": "2020-01-02", "date_max": "2020-06-30",
          "n_groups": 12, "group_col": "institution", "sha256": "ab" * 32}
SEGMENTER = {"jieba": "0.42.1", "n_userdict": 262, "n_stopwords": 473, "min_len": 2,
             "hmm": True, "pos": None, "keep_numbers": False}
WEIGHTING = {"method": "tfidf", "group_col": "institution", "sublinear_tf": False,
             "norm": "l2", "smooth_idf": True, "min_df": 2, "max_df": 0.9,
             "scikit-learn": "1.9.1"}
FULL = {"corpus": CORPUS, "segmenter_info": SEGMENTER, "weighting": WEIGHTING,
        "keyness_test": {"measure": "g2", "min_freq": 5}, "correction": "fdr_bh",
        "similarity": "cosine"}

EN = (
    "The corpus comprises 1,200 documents from 12 institutions, dated 2020-01-02 to "
    "2020-06-30 (100 undated). Its fingerprint (the SHA-256 of document ids and texts) begins "
    "with abababababab. Texts were normalised to Unicode NFKC, URLs were removed, and the "
    "texts were segmented with jieba 0.42.1 (accurate mode, HMM on) with a user dictionary of "
    "262 entries; punctuation, numbers, dates, percentages and ordinals, tokens shorter than 2 "
    "characters and 473 stop words were removed. Terms were weighted by TF-IDF (scikit-learn "
    "1.9.1) over documents pooled by institution (n and df count groups): the raw term "
    "frequency times idf = ln((1 + n) / (1 + df)) + 1, L2-normalised; the vocabulary keeps "
    "terms found in at least 2 groups and at most 90% of the groups. Keyness was measured "
    "with the log-likelihood statistic G² (Dunning 1993; Rayson and Garside 2000), comparing "
    "each group with all other groups pooled, for terms with a combined frequency of at "
    "least 5; Hardie's (2014) log ratio is reported as the effect size. P-values "
    "(chi-square, 1 df) were adjusted with the Benjamini–Hochberg false discovery rate "
    "procedure; terms with q < 0.05 are reported as significant. Similarity between "
    "documents was measured as the cosine of their TF-IDF vectors."
)
ZH = (
    "语料共 1200 篇文档，来自 12 个机构，时间跨度为 2020年1月2日 至 2020年6月30日（其中 100 "
    "篇日期不详）。语料指纹（文档编号与正文的 SHA-256）前 12 位为 abababababab。文本经 Unicode "
    "NFKC 规范化并去除网址后，用 jieba 0.42.1（精确模式，启用 HMM 新词识别）分词，加载含 262 "
    "个词条的用户词典；剔除标点、数字、日期、百分数和序数词、长度不足 2 个字的词和 473 个停用词。"
    "词语权重采用 TF-IDF（scikit-learn 1.9.1），以按机构合并的文档为单位（n、df 按组计）：权重为 "
    "tf（原始词频） × idf，idf = ln((1 + n) / (1 + df)) + 1，再作 L2 归一化；词表仅保留出现于"
    "不少于 2 个组且不多于 90% 的组中的词。关键性（keyness）以其余各组合并的语料为参照，采用对数"
    "似然比统计量 G²（Dunning 1993；Rayson & Garside 2000），仅检验两者合计频次不少于 5 的词，"
    "效应量为 Hardie（2014）的 log ratio。p 值（自由度为 1 的卡方分布）经 Benjamini–Hochberg "
    "错误发现率（FDR）校正，以 q < 0.05 为显著。文档之间的相似度以 TF-IDF 向量的余弦相似度度量。"
)


@pytest.mark.parametrize(("lang", "expected"), [("en", EN), ("zh", ZH)])
def test_the_full_paragraph(lang, expected):
    assert methods_paragraph(**FULL, lang=lang) == expected


@pytest.mark.parametrize(("changes", "lang", "phrase"), [
    ({"keyness_test": {"measure": "chi2", "reference": "南开大学"}}, "en",
     "Pearson's chi-square test on 2 × 2 tables without Yates' correction, comparing each "
     "group with the group '南开大学'"),
    ({"keyness_test": "chi2"}, "zh", "采用 2×2 列联表的 Pearson 卡方检验"),
    ({"correction": {"method": "none", "alpha": 0.01}}, "en",
     "were not adjusted for multiple comparisons; terms with p < 0.01"),
    ({"correction": "bonferroni"}, "zh", "经 Bonferroni 校正，以 q < 0.05 为显著"),
    ({"weighting": "count"}, "en", "Terms were weighted by their raw counts."),
    ({"weighting": {"method": "tfidf", "sublinear_tf": True, "smooth_idf": False,
                    "norm": None}}, "en",
     "over single documents: the sublinear term frequency 1 + ln(tf) times idf = "
     "ln(n / df) + 1."),
    ({"weighting": {"method": "tfidf", "max_df": 50}}, "zh", "词表仅保留出现于不多于 50 篇文档中的词"),
    ({"similarity": {"measure": "jaccard", "k": 3}}, "en",
     "the Jaccard index of their 3-character shingle sets"),
    ({"similarity": {"measure": "cosine", "representation": "counts", "unit": "institution"}},
     "zh", "机构之间的相似度以 词频 向量的余弦相似度度量。"),
    ({"segmenter_info": {**SEGMENTER, "pos": ["v", "n"], "keep_numbers": True, "hmm": False}},
     "en", "(accurate mode, HMM off) with a user dictionary of 262 entries; punctuation, "
           "tokens shorter than 2 characters and 473 stop words were removed; only words whose "
           "part-of-speech tag starts with n, v were kept."),
    ({"corpus": {"n_docs": 3, "n_dated": 0}}, "zh", "语料共 3 篇文档，均无日期。"),
    ({"corpus": {"n_docs": 3}}, "en", "The corpus comprises 3 documents. Texts"),
])
def test_options_change_their_sentence(changes, lang, phrase):
    assert phrase in methods_paragraph(**{**FULL, **changes}, lang=lang)


def test_parts_given_as_none_are_left_out():
    text = methods_paragraph(corpus={"n_docs": 5}, segmenter_info=None, weighting=None,
                             keyness_test=None, correction=None, similarity=None)
    assert text == "The corpus comprises 5 documents."


def test_a_corpus_dataframe_is_fingerprinted():
    docs = pd.DataFrame({"doc_id": ["a", "b", "c"], "text": ["一", "二", "三"],
                         "institution": ["南开大学", "南开大学", "天津大学"],
                         "date": pd.to_datetime(["2020-02-01", "2020-03-05", None])})
    text = methods_paragraph(**{**FULL, "corpus": docs}, group_col="institution", lang="zh")
    assert text.startswith("语料共 3 篇文档，来自 2 个机构，时间跨度为 2020年2月1日 至 "
                           "2020年3月5日（其中 1 篇日期不详）。语料指纹")


def test_segmenter_info_reads_a_segmenter():
    from analysis.tokens import Segmenter, SegmenterConfig

    seg = Segmenter(SegmenterConfig(default_userdict=False, default_stopwords=False,
                                    stopwords=["的", "了"], min_len=1))
    info = segmenter_info(seg)
    assert (info["n_userdict"], info["n_stopwords"], info["min_len"]) == (0, 2, 1)
    text = methods_paragraph(**{**FULL, "segmenter_info": info})
    assert "a user dictionary of 0 entries" in text and "2 stop words" in text


@pytest.mark.parametrize(("backend", "lang", "phrase"), [
    ("rjieba", "en", "segmented with jieba 0.42.1's dictionary and model, run by rjieba 0.2.2 "
                     "(jieba-rs), whose tokens were checked to be jieba's, token for token, "
                     "(accurate mode, HMM on)"),
    ("rjieba", "zh", "用 jieba 0.42.1 的词典与模型（由 rjieba 0.2.2 即 jieba-rs 运行，经逐词核对与 "
                     "jieba 的结果完全一致）（精确模式"),
    ("jieba", "en", "segmented with jieba 0.42.1 (accurate mode, HMM on)"),
])
def test_the_backend_is_named(backend, lang, phrase):
    info = {**SEGMENTER, "backend": backend, "rjieba": "0.2.2"}
    text = methods_paragraph(**{**FULL, "segmenter_info": info, "lang": lang})
    assert phrase in text
    assert ("rjieba" in text) == (backend == "rjieba")


@pytest.mark.parametrize(("changes", "message"), [
    ({"lang": "fr"}, r"'lang' parameter of methods_paragraph must be one of \['en', 'zh'\]; "
                     r"got 'fr'"),
    ({"weighting": "bm25"}, r"'weighting\[method\]' parameter .* got 'bm25'"),
    ({"weighting": {"norm": "l2"}}, r"'weighting' parameter .* a dict with a 'method' key"),
    ({"keyness_test": 3}, r"'keyness_test' parameter .* \['g2', 'chi2'\]"),
    ({"correction": "holm"}, r"'correction\[method\]' parameter .* got 'holm'"),
    ({"similarity": "euclidean"}, r"\['cosine', 'jaccard'\]; got 'euclidean'"),
    ({"segmenter_info": {"min_len": 2}}, r"'segmenter_info' .* missing \['n_userdict', "
                                         r"'n_stopwords'\]"),
    ({"corpus": {"date_min": "2020-01-01"}}, r"'corpus' .* missing \['n_docs'\]"),
    ({"corpus": [1, 2]}, r"'corpus' parameter .* DataFrame or a dict; got list"),
    ({"group_col": "region", "corpus": pd.DataFrame({"doc_id": ["a"], "text": ["x"]})},
     r"'group_col' parameter of methods_paragraph must be one of the columns"),
])
def test_bad_inputs_are_named(changes, message):
    with pytest.raises(AnalysisError, match=message):
        methods_paragraph(**{**FULL, **changes})


@pytest.mark.parametrize(("lang", "expected"), [
    ("en", "Similarity between institutions was measured as the cosine of their TF-IDF vectors. "
           "A group's vector is the mean of its documents' unit-length TF-IDF vectors (idf over "
           "documents), so that every document weighs the same. Near-duplicate documents (a "
           "Jaccard index of at least 0.9 between their sets of 5-character shingles) were kept "
           "once, the earliest. 90% intervals come from 1,000 bootstrap resamples of the "
           "documents within each group (percentile intervals)."),
    ("zh", "机构之间的相似度以 TF-IDF 向量的余弦相似度度量。组向量为组内各文档单位长度 TF-IDF 向量"
           "（idf 按文档计算）的均值，每篇文档权重相同。近似重复文档（5 字片段集合的 Jaccard 系数不低于 "
           "0.9）只保留最早的一篇。90% 区间由组内文档的 1000 次自助（bootstrap）重抽样得到（百分位区间）。"),
])
def test_the_similarity_sentence_states_pooling_duplicates_and_the_bootstrap(lang, expected):
    sim = {"measure": "cosine", "representation": "tfidf", "unit": "institution",
           "pooling": "mean", "n_boot": 1000, "ci": 0.9, "interval": "percentile",
           "exclude_duplicates": True, "duplicate_threshold": 0.9}
    text = methods_paragraph(**{**FULL, "weighting": None, "keyness_test": None,
                                "correction": None, "similarity": sim}, lang=lang)
    assert text.endswith(expected)
    sublinear = methods_paragraph(**{**FULL, "similarity": {**sim, "sublinear_tf": True}},
                                  lang=lang)
    assert ("enter as 1 + ln(tf)." if lang == "en" else "词频取 1 + ln(tf)。") in sublinear
    groups = methods_paragraph(**{**FULL, "similarity": {**sim, "unit": "region"}}, lang=lang)
    assert ("between groups of region was" if lang == "en" else "region 分组之间") in groups
