"""Tests of analysis.tokens: exact tokens, filters, configuration, tokenize()."""

from __future__ import annotations

import re
import warnings

import jieba
import jieba.finalseg
import pandas as pd
import pytest

from analysis.tokens.dictionary import DictionaryWarning
from analysis.core.errors import AnalysisError
from analysis.tokens import EmptyDocumentsWarning, Segmenter, SegmenterConfig, tokenize


@pytest.fixture(scope="module")
def seg() -> Segmenter:
    return Segmenter()


@pytest.mark.parametrize("text, expected", [
    ("我校召开疫情防控工作会议，要求守土有责、守土尽责。",
     ["召开", "疫情防控", "工作", "会议", "要求", "守土有责", "守土尽责"]),
    ("要增强“四个意识”、坚定“四个自信”、做到“两个维护”。",
     ["增强", "四个意识", "坚定", "四个自信", "做到", "两个维护"]),
    ("坚决打赢新冠肺炎疫情防控阻击战！", ["坚决", "打赢", "新冠肺炎", "疫情防控", "阻击战"]),
    ("各校要做到停课不停教、停课不停学。", ["各校", "做到", "停课不停教", "停课不停学"]),
    ("工业和信息化部召开部属高校视频会议", ["工业和信息化部", "召开", "部属", "高校", "视频会议"]),
    ("教育部党组书记、部长陈宝生出席会议并讲话。",
     ["教育部", "党组书记", "部长", "陈宝生", "出席会议", "讲话"]),
    ("南开新闻网讯（记者 吴军辉 摄影报道）校党委书记杨庆山、校长曹雪涛出席。",
     ["吴军辉", "党委书记", "杨庆山", "校长", "曹雪涛", "出席"]),
    ("习近平新时代中国特色社会主义思想", ["习近平新时代中国特色社会主义思想"]),
    ("暑期社会实践团", ["暑期", "社会实践"]),  # 暑期社会 is force-split (freq 0)
])
def test_exact_tokens(seg, text, expected):
    assert seg.cut(text) == expected


@pytest.mark.parametrize("text, expected", [
    # numbers, dates, percentages, ordinals; words of the user dictionary stay
    ("2020年2月16日召开", ["召开"]),
    ("03-16 2020-02-11 18:30 会议", ["会议"]),
    ("第一，第十八次，两个，三个100%", []),
    ("1.5万人参加", ["参加"]),
    ("3日至5日，500余人参加", ["参加"]),
    ("十三五规划", ["十三五", "规划"]),
    # URLs, e-mail, domains, file names and their fragments
    ("详见http://news.nankai.edu.cn/ywsd/system/2020/02/08/030037528.shtml", ["详见"]),
    ("照片1.jpg，附件.pdf", ["照片", "附件"]),
    ("www.hrbeu.edu.cn/info/1234.htm", []),
    ("![](/news/UploadFiles_4906/201909/2019090918582627.jpg)会议", ["会议"]),
    ("SCI/SSCI论文", ["sci", "ssci", "论文"]),
    ("邮箱abc@nankai.edu.cn", ["邮箱"]),
    ("http www com cn edu shtml jpg png 40ed95e3 附件", ["附件"]),
    # punctuation, symbols, whitespace, full width; ASCII lower-cased
    ("（）《》——……“”【】！？", []),
    ("ＡＢＣ，１２３！", ["abc"]),
    ("Hello, World! 5G", ["hello", "world", "5g"]),
    ("在\u3000全角空格\t和\n换行", ["全角", "空格", "换行"]),
    # single characters and stop words
    ("我和你去看海", ["看海"]),
    ("a b c 的 了", []),
])
def test_filters(seg, text, expected):
    assert seg.cut(text) == expected


@pytest.mark.parametrize("options, text, expected", [
    ({"keep_numbers": True}, "2020年2月16日我校召开会议", ["2020", "16", "召开", "会议"]),
    ({"keep_numbers": True}, "第一，100%", ["第一", "100%"]),
    ({"min_len": 1}, "2020年召开会议", ["年", "召开", "会议"]),
    ({"lowercase": False}, "Hello ABC", ["Hello", "ABC"]),
    ({"lowercase": False, "stopwords": ["abc"]}, "Hello ABC", ["Hello"]),
    ({"pos": {"n"}}, "我校召开疫情防控工作会议", ["疫情防控", "会议"]),
    ({"pos": "n"}, "校长曹雪涛出席会议", ["校长", "曹雪涛"]),
    ({"pos": ("v",)}, "我校召开疫情防控工作会议", ["召开", "工作"]),
    ({"hmm": False}, "校长曹雪涛出席会议", ["校长", "出席会议"]),
    ({"default_userdict": False}, "我校召开疫情防控工作会议", ["召开", "疫情", "防控", "工作", "会议"]),
    ({"default_stopwords": False}, "我校召开会议", ["我校", "召开", "会议"]),
    ({"stopwords": ["会议", "Hello"]}, "Hello，我校召开会议", ["召开"]),
])
def test_options(options, text, expected):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DictionaryWarning)  # e.g. 南开新闻网 without userdict
        assert Segmenter(SegmenterConfig(**options)).cut(text) == expected


def test_stopword_and_userdict_files(tmp_path):
    stops = tmp_path / "stops.txt"
    stops.write_text("# my stop words\n会议\n\n工作\n", encoding="utf-8")
    words = tmp_path / "words.txt"
    words.write_text("# my terms\n视频调度会 5 n\n", encoding="utf-8")
    cfg = SegmenterConfig(userdict=words, stopwords=[stops, "召开"])
    assert Segmenter(cfg).cut("召开视频调度会和工作会议") == ["视频调度会"]
    assert Segmenter(SegmenterConfig(stopwords=stops)).cut("工作会议") == []


def test_freq_zero_splits_even_through_hmm(tmp_path):
    words = tmp_path / "w.txt"
    words.write_text("疫情 0\n", encoding="utf-8")
    config = SegmenterConfig(userdict=words, min_len=1, default_stopwords=False)
    assert Segmenter(config).cut("疫情") == ["疫", "情"]  # jieba's HMM alone would join them
    assert Segmenter(SegmenterConfig(min_len=1, default_stopwords=False)).cut("疫情") == ["疫情"]
    pos = SegmenterConfig(userdict=words, min_len=1, default_stopwords=False, pos={"n", "x"})
    assert Segmenter(pos).cut("疫情") == ["疫", "情"]


def test_jieba_global_state_untouched():
    """Private tokenizers: jieba.dt, finalseg and jieba's logger level are unchanged."""
    initialized, freq = jieba.dt.initialized, dict(jieba.dt.FREQ)
    force_split = set(jieba.finalseg.Force_Split_Words)
    level = jieba.default_logger.level
    seg = Segmenter(SegmenterConfig(pos={"l"}))  # jieba.posseg, with the userdict's tags
    assert seg.cut("守土担责，停课不停学") == ["守土担责", "停课不停学"]
    Segmenter().cut("暑期社会实践")
    assert jieba.dt.initialized == initialized
    assert jieba.dt.FREQ == freq
    assert "守土担责" not in jieba.dt.FREQ and "停课不停学" not in jieba.dt.FREQ
    assert set(jieba.finalseg.Force_Split_Words) == force_split
    assert jieba.default_logger.level == level


def test_tokenizer_cached_per_dictionary(tmp_path):
    one, two = Segmenter(), Segmenter(SegmenterConfig(min_len=1))
    assert one.backend.tokenizer is two.backend.tokenizer  # same dictionaries
    words = tmp_path / "w.txt"
    words.write_text("甲乙丙丁 3 n\n", encoding="utf-8")
    other = Segmenter(SegmenterConfig(userdict=words))
    assert other.backend.tokenizer is not one.backend.tokenizer


def test_fingerprint(tmp_path):
    words = tmp_path / "w.txt"
    words.write_text("# one comment\n甲乙丙丁 3 n\n", encoding="utf-8")
    base = SegmenterConfig(userdict=words)
    first = base.fingerprint()
    assert re.fullmatch(r"[0-9a-f]{64}", first)
    assert SegmenterConfig(userdict=[words]).fingerprint() == first
    words.write_text("# another comment\n\n甲乙丙丁 3 n\n", encoding="utf-8")
    assert base.fingerprint() == first  # comments do not count
    words.write_text("甲乙丙丁 4 n\n", encoding="utf-8")
    assert base.fingerprint() != first  # contents do
    fps = {SegmenterConfig(**o).fingerprint() for o in
           ({}, {"min_len": 1}, {"keep_numbers": True}, {"pos": {"n"}}, {"hmm": False},
            {"lowercase": False}, {"stopwords": ["会议"]}, {"default_stopwords": False})}
    assert len(fps) == 8
    assert hash(SegmenterConfig(stopwords=["会议"])) == hash(SegmenterConfig(stopwords=("会议",)))


@pytest.mark.parametrize("options, message", [
    ({"min_len": 0}, "'min_len' parameter of SegmenterConfig must be in the range [1, inf]; got 0"),
    ({"min_len": 1.5}, "'min_len' parameter of SegmenterConfig must be an integer"),
    ({"backend": "pkuseg"}, "'backend' parameter of SegmenterConfig must be one of ['jieba', 'rjieba']"),
    ({"hmm": "yes"}, "'hmm' parameter of SegmenterConfig must be True or False; got 'yes'"),
    ({"pos": ""}, "'pos' parameter of SegmenterConfig must be None or a set of POS tag prefixes"),
    ({"stopwords": [1]}, "'stopwords' parameter of SegmenterConfig must be a path or an iterable"),
    ({"stopwords": ["两 个"]}, "'stopwords' parameter of SegmenterConfig"),
    ({"userdict": [3]}, "'userdict' parameter of SegmenterConfig must be a path"),
])
def test_config_errors(options, message):
    with pytest.raises(AnalysisError, match=re.escape(message)):
        SegmenterConfig(**options)


def test_missing_userdict_file_is_named(tmp_path):
    with pytest.raises(AnalysisError, match="nope.txt"):
        Segmenter(SegmenterConfig(userdict=tmp_path / "nope.txt"))


@pytest.fixture
def small_corpus() -> pd.DataFrame:
    return pd.DataFrame({
        "doc_id": ["a", "b", "c", "d"],
        "text": ["我校召开疫情防控工作会议。", "，。！2020年", None, "要求守土有责、守土尽责。"],
        "group": ["x", "x", "y", "y"],
    })


def test_tokenize(small_corpus, tmp_path):
    with pytest.warns(EmptyDocumentsWarning, match=r"2 document\(s\) .*\['b', 'c'\]"):
        out = tokenize(small_corpus, cache_dir=tmp_path)
    assert out["tokens"].tolist() == ["召开 疫情防控 工作 会议", "", "", "要求 守土有责 守土尽责"]
    assert list(out.columns) == ["doc_id", "text", "group", "tokens"]
    assert "tokens" not in small_corpus.columns  # a copy
    assert out.attrs["empty_documents"] == ["b", "c"]
    assert out.attrs["token_cache"]["misses"] == 4
    assert out.attrs["segmenter"]["fingerprint"] == SegmenterConfig().fingerprint()
    assert all(" " not in t for t in " ".join(out["tokens"]).split(" "))


def test_tokenize_columns_and_index(tmp_path):
    df = pd.DataFrame({"body": ["疫情防控", "守土有责"]}, index=[10, 20])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = tokenize(df, text_col="body", tokens_col="words", cache_dir=tmp_path)
    assert out["words"].to_dict() == {10: "疫情防控", 20: "守土有责"}
    with pytest.warns(EmptyDocumentsWarning, match=r"\[20\]"):
        tokenize(pd.DataFrame({"text": ["疫情", "的"]}, index=[10, 20]), cache_dir=tmp_path)


@pytest.mark.parametrize("kwargs, message", [
    ({"text_col": "body"}, "The 'text_col' parameter of tokenize must be one of the columns"),
    ({"tokens_col": "text"}, "The 'tokens_col' parameter of tokenize must be a non-empty"),
    ({"use_cache": "no"}, "The 'use_cache' parameter of tokenize must be one of"),
    ({"config": {"min_len": 1}}, "The 'config' parameter must be a SegmenterConfig or None"),
])
def test_tokenize_errors(small_corpus, kwargs, message, tmp_path):
    with pytest.raises(AnalysisError, match=re.escape(message)):
        tokenize(small_corpus, cache_dir=tmp_path, **kwargs)


def test_tokenize_non_string_text(tmp_path):
    df = pd.DataFrame({"text": ["疫情防控", 5]}, dtype=object)
    with pytest.raises(AnalysisError, match=r"must hold strings; row 1 holds a int: 5"):
        tokenize(df, cache_dir=tmp_path)


# -- the quality bar on the seeds (the lead's loader cleans the text) ---------------

@pytest.fixture(scope="module")
def seed_tokens(seeds_loaded, tmp_path_factory):
    docs, _ = seeds_loaded
    out = tokenize(docs, cache_dir=tmp_path_factory.mktemp("cache"))
    return out.set_index(out["doc_id"].str[:3])


def test_seed_terms_whole(seed_tokens):
    tokens = {t for text in seed_tokens["tokens"] for t in text.split()}
    assert {"疫情防控", "守土有责", "守土担责", "守土尽责", "新型冠状病毒", "四个意识"} <= tokens
    assert not {"守土", "尽责", "担责", "四个", "新型", "冠状病毒"} & tokens


def test_seed_tokens_filtered(seed_tokens):
    seg = Segmenter()
    for text in seed_tokens["tokens"]:
        for token in text.split():
            assert token not in seg.stopwords
            assert seg.keep(token), token
            assert not re.fullmatch(r"[\d.%-]+", token), token
            assert not re.search(r"http|www|\.(com|cn|jpg|png)|nankai|edu", token), token


def test_seed_002_top_terms(seed_tokens):
    from analysis.stats.tfidf import tfidf

    scores = tfidf(seed_tokens.reset_index(drop=True), group_col="doc_id")
    top = scores[scores["doc_id"].str.startswith("002")].nsmallest(10, "rank")["term"].tolist()
    assert "安全" in top
    assert not {"招生", "章程", "本科生", "nankai", "http"} & set(top)
    assert not any(re.search(r"\d", t) for t in top)
