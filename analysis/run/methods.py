"""Write the methods paragraph of a paper from the settings of an analysis.

:func:`methods_paragraph` turns plain dicts and strings, which any module can
produce, into one paragraph in English or Chinese: the corpus (size, date
range, fingerprint), segmentation (jieba version, dictionary and stop word
sizes, filters), term weighting, the keyness test and its correction, and the
similarity measure. A part given as ``None`` is left out.

Expected inputs (keys beyond these are ignored):

``corpus``
    A corpus DataFrame, or the dict of :func:`analysis.corpus.fingerprint.corpus_fingerprint`:
    ``n_docs`` (required), ``date_min``, ``date_max`` (``YYYY-MM-DD``),
    ``n_dated``, ``sha256``; optionally ``n_groups`` and ``group_col``.
``segmenter_info``
    ``n_userdict`` and ``n_stopwords`` (required: entries of the user
    dictionaries and stop words in force), ``min_len`` (default 2), ``hmm``
    (True), ``keep_numbers`` (False), ``pos`` (None or prefixes), ``jieba``
    (version; default the installed one), ``fingerprint``.
    :func:`segmenter_info` builds it from an ``analysis.tokens.segmenter.Segmenter``.
``weighting``
    ``"tfidf"``, ``"count"``, ``"relative"``, or a dict with ``method`` and,
    for TF-IDF, the options of :func:`analysis.stats.tfidf.tfidf`: ``group_col``,
    ``sublinear_tf``, ``norm``, ``smooth_idf``, ``min_df``, ``max_df``.
``keyness_test``
    ``"g2"``, ``"chi2"``, or a dict with ``measure``, ``min_freq`` (5) and
    ``reference`` (None: all other groups pooled).
``correction``
    ``"fdr_bh"``, ``"bonferroni"``, ``"none"``, or a dict with ``method`` and
    ``alpha`` (0.05).
``similarity``
    ``"cosine"``, ``"jaccard"``, or a dict with ``measure``, ``representation``
    (``"tfidf"`` or ``"counts"`` for cosine; ``"shingles"`` with ``k`` for
    Jaccard), ``unit`` (``"documents"``) and, for groups, those of
    :func:`analysis.stats.similarity.bootstrap_similarity` that change what the
    numbers mean: ``pooling``, ``sublinear_tf``, ``n_boot``, ``ci``,
    ``interval``, ``exclude_duplicates`` and ``duplicate_threshold``.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import metadata
from typing import Any, Literal

import pandas as pd

from ..core.errors import AnalysisError, check_choice, check_column
from ..corpus.fingerprint import corpus_fingerprint

__all__ = ["methods_paragraph", "segmenter_info"]

_FUNC = "methods_paragraph"
_WEIGHTINGS = ("tfidf", "count", "relative")
_TESTS = ("g2", "chi2")
_CORRECTIONS = ("fdr_bh", "bonferroni", "none")
_SIMILARITIES = ("cosine", "jaccard")

# One table per language: a translator edits only these.
_T: dict[str, dict[str, str]] = {
    "en": {
        "corpus": "The corpus comprises {n:,} documents{who}{when}{undated}.{sha}",
        "who": " from {k} {noun}", "institution": "institutions", "groups": "groups of {col}",
        "when": ", dated {lo} to {hi}", "none_dated": ", none of them dated",
        "undated": " ({k:,} undated)",
        "sha": " Its fingerprint (the SHA-256 of document ids and texts) begins with {sha}.",
        "segment": "Texts were normalised to Unicode NFKC, URLs were removed, and the texts "
                   "were segmented with jieba {ver}{backend} (accurate mode, HMM {hmm}) with a user "
                   "dictionary of {n_dict:,} entries; punctuation, {numbers}tokens shorter "
                   "than {min_len} characters and {n_stop:,} stop words were removed{pos}.",
        "hmm_on": "on", "hmm_off": "off",
        "backend": "'s dictionary and model, run by rjieba {ver} (jieba-rs), whose tokens were "
                   "checked to be jieba's, token for token,",
        "numbers": "numbers, dates, percentages and ordinals, ",
        "pos": "; only words whose part-of-speech tag starts with {tags} were kept",
        "tfidf": "Terms were weighted by TF-IDF (scikit-learn {ver}) over {where}: {tf} "
                 "times idf = {idf}{norm}{bounds}.",
        "pooled": "documents pooled by {col} (n and df count groups)",
        "single": "single documents",
        "sublinear": "the sublinear term frequency 1 + ln(tf)", "raw": "the raw term frequency",
        "norm": ", {norm}-normalised", "bounds": "; the vocabulary keeps terms found in {parts}",
        "and": " and ", "least": "at least {v}", "most": "at most {v}",
        "n_groups": "{v} groups", "n_docs": "{v} documents",
        "share_groups": "{v:.0%} of the groups", "share_docs": "{v:.0%} of the documents",
        "count": "Terms were weighted by their raw counts.",
        "relative": "Terms were weighted by their relative frequency per 10,000 tokens.",
        "keyness": "Keyness was measured with {test}, comparing each group with {ref}, for "
                   "terms with a combined frequency of at least {min_freq}; Hardie's (2014) "
                   "log ratio is reported as the effect size.",
        "g2": "the log-likelihood statistic G² (Dunning 1993; Rayson and Garside 2000)",
        "chi2": "Pearson's chi-square test on 2 × 2 tables without Yates' correction",
        "rest": "all other groups pooled", "reference": "the group '{ref}'",
        "correction": "P-values (chi-square, 1 df) were {how}; terms with {sig} are "
                      "reported as significant.",
        "fdr_bh": "adjusted with the Benjamini–Hochberg false discovery rate procedure",
        "bonferroni": "adjusted with the Bonferroni correction",
        "none": "not adjusted for multiple comparisons",
        "cosine": "Similarity between {unit} was measured as the cosine of their {rep} vectors.",
        "jaccard": "Similarity between {unit} was measured as the Jaccard index of their "
                   "{k}-character shingle sets.",
        "documents": "documents", "counts": "term-count", "sep": " ",
        "sim_pooled": " A group's vector weights the summed counts of its documents by idf "
                      "over documents.",
        "sim_mean": " A group's vector is the mean of its documents' unit-length TF-IDF "
                    "vectors (idf over documents), so that every document weighs the same.",
        "sim_sublinear": " Term frequencies enter as 1 + ln(tf).",
        "sim_dups": " Near-duplicate documents (a Jaccard index of at least {t:g} between "
                    "their sets of 5-character shingles) were kept once, the earliest.",
        "sim_boot": " {ci:.0%} intervals come from {n:,} bootstrap resamples of the documents "
                    "within each group{how}.",
        "sim_debiased": "; the similarity reported is bias-corrected (twice the sample cosine "
                        "minus the resamples' mean) and the interval is the basic one around "
                        "it, widened by sqrt(m / (m - 1)) for the smaller group's m documents",
        "sim_basic": " (basic intervals)", "sim_percentile": " (percentile intervals)",
    },
    "zh": {
        "corpus": "语料共 {n} 篇文档{who}{when}{undated}。{sha}",
        "who": "，来自 {k} 个{noun}", "institution": "机构", "groups": "{col} 分组",
        "when": "，时间跨度为 {lo} 至 {hi}", "none_dated": "，均无日期",
        "undated": "（其中 {k} 篇日期不详）",
        "sha": "语料指纹（文档编号与正文的 SHA-256）前 12 位为 {sha}。",
        "segment": "文本经 Unicode NFKC 规范化并去除网址后，用 jieba {ver}{backend}（精确模式，{hmm} HMM "
                   "新词识别）分词，加载含 {n_dict} 个词条的用户词典；剔除标点、{numbers}长度不足 "
                   "{min_len} 个字的词和 {n_stop} 个停用词{pos}。",
        "hmm_on": "启用", "hmm_off": "不用",
        "backend": " 的词典与模型（由 rjieba {ver} 即 jieba-rs 运行，经逐词核对与 jieba 的结果完全一致）",
        "numbers": "数字、日期、百分数和序数词、",
        "pos": "；仅保留词性标记以 {tags} 开头的词",
        "tfidf": "词语权重采用 TF-IDF（scikit-learn {ver}），{where}：权重为 {tf} × idf，"
                 "idf = {idf}{norm}{bounds}。",
        "pooled": "以按{col}合并的文档为单位（n、df 按组计）", "single": "以单篇文档为单位",
        "sublinear": "1 + ln(tf)（对数词频）", "raw": "tf（原始词频）",
        "norm": "，再作 {norm} 归一化", "bounds": "；词表仅保留出现于{parts}中的词",
        "and": "且", "least": "不少于 {v}", "most": "不多于 {v}",
        "n_groups": "{v} 个组", "n_docs": "{v} 篇文档",
        "share_groups": "{v:.0%} 的组", "share_docs": "{v:.0%} 的文档",
        "count": "词语权重取原始频次。", "relative": "词语权重取每万词的相对频率。",
        "keyness": "关键性（keyness）以{ref}为参照，采用{test}，仅检验两者合计频次不少于 "
                   "{min_freq} 的词，效应量为 Hardie（2014）的 log ratio。",
        "g2": "对数似然比统计量 G²（Dunning 1993；Rayson & Garside 2000）",
        "chi2": " 2×2 列联表的 Pearson 卡方检验（不作 Yates 连续性校正）",
        "rest": "其余各组合并的语料", "reference": "“{ref}”组",
        "correction": "p 值（自由度为 1 的卡方分布）{how}，以 {sig} 为显著。",
        "fdr_bh": "经 Benjamini–Hochberg 错误发现率（FDR）校正", "bonferroni": "经 Bonferroni 校正",
        "none": "未作多重比较校正",
        "cosine": "{unit}之间的相似度以 {rep} 向量的余弦相似度度量。",
        "jaccard": "{unit}之间的相似度以 {k} 字片段（shingle）集合的 Jaccard 系数度量。",
        "documents": "文档", "counts": "词频", "sep": "",
        "sim_pooled": "组向量为组内文档词频之和乘以按文档计算的 idf。",
        "sim_mean": "组向量为组内各文档单位长度 TF-IDF 向量（idf 按文档计算）的均值，每篇文档权重相同。",
        "sim_sublinear": "词频取 1 + ln(tf)。",
        "sim_dups": "近似重复文档（5 字片段集合的 Jaccard 系数不低于 {t:g}）只保留最早的一篇。",
        "sim_boot": "{ci:.0%} 区间由组内文档的 {n} 次自助（bootstrap）重抽样得到{how}。",
        "sim_debiased": "；报告的相似度经偏差校正（样本余弦的两倍减去重抽样均值），区间为围绕它的基本区间，"
                        "并按较小组的文档数 m 乘以 sqrt(m / (m - 1)) 放宽",
        "sim_basic": "（基本区间）", "sim_percentile": "（百分位区间）",
    },
}
_ZH_LABELS = {"institution": "机构"}


def segmenter_info(segmenter: Any) -> dict[str, Any]:
    """Return the ``segmenter_info`` dict of a segmenter.

    Parameters
    ----------
    segmenter : analysis.tokens.segmenter.Segmenter
        Any object with ``describe()``, ``user_words`` and ``stopwords``.

    Returns
    -------
    dict
        ``segmenter.describe()`` plus ``n_userdict`` and ``n_stopwords``.
    """
    return {**segmenter.describe(), "n_userdict": len(segmenter.user_words),
            "n_stopwords": len(segmenter.stopwords)}


def _as_dict(value: Any, key: str, allowed: tuple[str, ...], param: str) -> dict[str, Any]:
    """Read a part given as a name or a dict, and check its name."""
    part = ({key: value} if isinstance(value, str)
            else dict(value) if isinstance(value, Mapping) else None)
    if part is None or key not in part:
        raise AnalysisError(f"The {param!r} parameter of {_FUNC} must be one of "
                            f"{list(allowed)} or a dict with a {key!r} key; got {value!r}.")
    check_choice(part[key], allowed, param=f"{param}[{key}]", func=_FUNC)
    return part


def _require(part: Mapping[str, Any], keys: tuple[str, ...], param: str) -> None:
    missing = [k for k in keys if part.get(k) is None]
    if missing:
        raise AnalysisError(f"The {param!r} parameter of {_FUNC} must hold the keys "
                            f"{list(keys)}; missing {missing}.")


def _version(dist: str, given: Any = None) -> str:
    if given:
        return str(given)
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "(version unknown)"


def _date(iso: str, lang: str) -> str:
    if lang == "en":
        return iso
    year, month, day = (int(x) for x in iso.split("-"))
    return f"{year}年{month}月{day}日"


def _label(col: str, lang: str) -> str:
    return _ZH_LABELS.get(col, col) if lang == "zh" else col


def _corpus(info: Mapping[str, Any], t: dict[str, str], lang: str) -> str:
    n, dated = info["n_docs"], info.get("n_dated")
    lo, hi = info.get("date_min"), info.get("date_max")
    col, k = info.get("group_col") or "group", info.get("n_groups")
    noun = t["institution"] if col == "institution" else t["groups"].format(col=col)
    return t["corpus"].format(
        n=n, who=t["who"].format(k=k, noun=noun) if k else "",
        when=(t["when"].format(lo=_date(lo, lang), hi=_date(hi, lang)) if lo and hi
              else t["none_dated"] if dated == 0 else ""),
        undated=t["undated"].format(k=n - dated) if lo and dated is not None and dated < n else "",
        sha=t["sha"].format(sha=info["sha256"][:12]) if info.get("sha256") else "")


def _segmentation(info: Mapping[str, Any], t: dict[str, str], lang: str) -> str:
    _require(info, ("n_userdict", "n_stopwords"), "segmenter_info")
    tags = sorted(info["pos"]) if info.get("pos") else None
    return t["segment"].format(
        ver=_version("jieba", info.get("jieba")), n_dict=info["n_userdict"],
        backend=(t["backend"].format(ver=_version("rjieba", info.get("rjieba")))
                 if info.get("backend") == "rjieba" else ""),
        hmm=t["hmm_on"] if info.get("hmm", True) else t["hmm_off"],
        numbers="" if info.get("keep_numbers", False) else t["numbers"],
        min_len=info.get("min_len", 2), n_stop=info["n_stopwords"],
        pos=t["pos"].format(tags=("、" if lang == "zh" else ", ").join(tags)) if tags else "")


def _df_bounds(lo: Any, hi: Any, pooled: bool, t: dict[str, str]) -> str:
    """Describe min_df/max_df (an int counts units, a float is a share of them)."""
    parts = []
    for side, value, default in (("least", lo, 1), ("most", hi, 1.0)):
        if value == default and type(value) is type(default):
            continue
        kind = ("share_" if isinstance(value, float) else "n_") + ("groups" if pooled else "docs")
        parts.append(t[side].format(v=t[kind].format(v=value)))
    return t["bounds"].format(parts=t["and"].join(parts)) if parts else ""


def _weighting(part: Mapping[str, Any], t: dict[str, str], lang: str) -> str:
    if part["method"] != "tfidf":
        return t[part["method"]]
    col, norm = part.get("group_col"), part.get("norm", "l2")
    return t["tfidf"].format(
        ver=_version("scikit-learn", part.get("scikit-learn")),
        where=t["pooled"].format(col=_label(col, lang)) if col else t["single"],
        tf=t["sublinear"] if part.get("sublinear_tf", False) else t["raw"],
        idf="ln((1 + n) / (1 + df)) + 1" if part.get("smooth_idf", True) else "ln(n / df) + 1",
        norm=t["norm"].format(norm=norm.upper()) if norm else "",
        bounds=_df_bounds(part.get("min_df", 1), part.get("max_df", 1.0), bool(col), t))


def _keyness(test: Mapping[str, Any] | None, corr: Mapping[str, Any] | None,
             t: dict[str, str]) -> list[str]:
    out = []
    if test:
        ref = t["reference"].format(ref=test["reference"]) if test.get("reference") else t["rest"]
        out.append(t["keyness"].format(test=t[test["measure"]], ref=ref,
                                       min_freq=test.get("min_freq", 5)))
    if corr:
        sig = ("p" if corr["method"] == "none" else "q") + f" < {corr.get('alpha', 0.05)}"
        out.append(t["correction"].format(how=t[corr["method"]], sig=sig))
    return out


def _similarity(part: Mapping[str, Any], t: dict[str, str], lang: str) -> str:
    unit = part.get("unit", "documents")
    unit = t["documents"] if unit == "documents" else t["institution"] \
        if unit == "institution" else t["groups"].format(col=unit)
    rep = part.get("representation", "tfidf")
    text = t[part["measure"]].format(unit=unit, k=part.get("k", 5),
                                     rep="TF-IDF" if rep == "tfidf" else t["counts"])
    if part.get("pooling") in ("pooled", "mean"):
        text += t[f"sim_{part['pooling']}"]
    if part.get("sublinear_tf"):
        text += t["sim_sublinear"]
    if part.get("exclude_duplicates"):
        text += t["sim_dups"].format(t=part.get("duplicate_threshold", 0.8))
    if part.get("n_boot"):
        interval = part.get("interval", "debiased")
        text += t["sim_boot"].format(ci=part.get("ci", 0.95), n=part["n_boot"],
                                     how=t.get(f"sim_{interval}", ""))
    return text


def methods_paragraph(
    *,
    corpus: pd.DataFrame | Mapping[str, Any],
    segmenter_info: Mapping[str, Any] | None,
    weighting: str | Mapping[str, Any] | None,
    keyness_test: str | Mapping[str, Any] | None,
    correction: str | Mapping[str, Any] | None,
    similarity: str | Mapping[str, Any] | None,
    lang: Literal["en", "zh"] = "en",
    group_col: str | None = None,
) -> str:
    """Write a methods paragraph that a researcher can paste into a paper.

    Parameters
    ----------
    corpus : pandas.DataFrame or dict
        The documents, or their fingerprint dict (see the module notes).
    segmenter_info, weighting, keyness_test, correction, similarity : dict, str or None
        The settings of each step (see the module notes); ``None`` leaves a
        step out.
    lang : {'en', 'zh'}, default 'en'
        English or Chinese.
    group_col : str, optional
        With a corpus DataFrame: the column whose groups are counted.

    Returns
    -------
    str
        One paragraph.

    Raises
    ------
    AnalysisError
        For an unknown language, method or a missing required key.
    """
    check_choice(lang, ("en", "zh"), param="lang", func=_FUNC)
    if isinstance(corpus, pd.DataFrame):
        info = corpus_fingerprint(corpus, date_col="date" if "date" in corpus else None)
        if group_col is not None:
            check_column(corpus, group_col, param="group_col", func=_FUNC)
            info.update(n_groups=int(corpus[group_col].nunique()), group_col=group_col)
    elif isinstance(corpus, Mapping):
        info = dict(corpus)
        _require(info, ("n_docs",), "corpus")
    else:
        raise AnalysisError(f"The 'corpus' parameter of {_FUNC} must be a DataFrame or a dict; "
                            f"got {type(corpus).__name__}.")
    t = _T[lang]
    parts = [_corpus(info, t, lang)]
    if segmenter_info is not None:
        parts.append(_segmentation(segmenter_info, t, lang))
    if weighting is not None:
        parts.append(_weighting(_as_dict(weighting, "method", _WEIGHTINGS, "weighting"), t, lang))
    test = (None if keyness_test is None
            else _as_dict(keyness_test, "measure", _TESTS, "keyness_test"))
    corr = None if correction is None else _as_dict(correction, "method", _CORRECTIONS,
                                                     "correction")
    parts += _keyness(test, corr, t)
    if similarity is not None:
        parts.append(_similarity(_as_dict(similarity, "measure", _SIMILARITIES, "similarity"),
                                 t, lang))
    return t["sep"].join(parts)
