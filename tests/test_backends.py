"""Tests of analysis.backends: rjieba gives jieba's tokens, token for token."""

from __future__ import annotations

import random
import sys

import jieba
import pytest

from analysis.tokens.backends import (BACKENDS, TOTAL_PAD, JiebaBackend, RjiebaBackend,
                               _jieba_dictionary, make_backend)
from analysis.core.engines import map_in_pool
from analysis.tokens.dictionary import DictionaryWarning, UserWord
from analysis.core.errors import AnalysisError
from analysis.tokens import Segmenter, SegmenterConfig

pytest.importorskip("rjieba")


@pytest.fixture(scope="module")
def words():
    return Segmenter().user_words


@pytest.fixture(scope="module")
def pair(words):
    return JiebaBackend(words), RjiebaBackend(words)


def test_default_backend_is_rjieba():
    assert BACKENDS == ("jieba", "rjieba")
    assert SegmenterConfig().backend == "rjieba"
    assert isinstance(Segmenter().backend, RjiebaBackend)


@pytest.mark.parametrize("text, expected", [
    # jieba's HMM path re-splits runs of non-Chinese characters; jieba-rs keeps them whole
    ("2020-08-05会议", ["2020", "-", "08", "-", "05", "会议"]),
    ("在news.nankai.edu.cn发布", ["在", "news", ".", "nankai", ".", "edu", ".", "cn", "发布"]),
    ("增长3.5%和1.2.3版", ["增长", "3.5%", "和", "1.2", ".", "3", "版"]),
    ("abc-def的a+b", ["abc", "-", "def", "的", "a", "+", "b"]),
    # dictionary words with such characters stay whole
    ("AT&T公司", ["AT&T", "公司"]),
    ("3D打印和T恤衫", ["3D", "打印", "和", "T恤衫"]),
    # the user dictionary, its forced split (暑期社会 0) and its frequencies
    ("暑期社会实践团", ["暑期", "社会实践", "团"]),
    ("我校召开疫情防控工作会议", ["我校", "召开", "疫情防控", "工作", "会议"]),
    # HMM paths of exactly equal probability: jieba's tie-break (jieba-rs gives 召会会|会委)
    ("教_召会会会委4守", ["教", "_", "召会", "会会委", "4", "守"]),
    # characters outside jieba's Chinese range \u4e00-\u9fd5 are cut alone by both
    ("中\u9fd6国㐀人𠀀民", ["中", "\u9fd6", "国", "㐀", "人", "𠀀", "民"]),
    ("\r\n \u3000", ["\r\n", " ", "\u3000"]),
])
def test_cases(pair, text, expected):
    reference, fast = pair
    assert reference.cut(text, hmm=True) == expected
    assert fast.cut(text, hmm=True) == expected


def test_random_strings(pair):
    """Strings of corpus characters, ASCII and punctuation: the DAG and HMM paths."""
    reference, fast = pair
    rng = random.Random(0)
    han = "我校召开疫情防控工作会议要求守土有责尽新冠肺炎学生教师社会实践暑期南开大学党委书记"
    other = "abcXYZ0123456789.-%+#&_ ，。、"
    for _ in range(3000):
        text = "".join(rng.choice(han) if rng.random() < 0.8 else rng.choice(other)
                       for _ in range(rng.randint(1, 30)))
        for hmm in (True, False):
            assert fast.cut(text, hmm=hmm) == reference.cut(text, hmm=hmm), text


def test_seeds_identical(seed_docs, words):
    """Every token of the seeds, raw and filtered, with and without HMM or user words."""
    for user_words in (words, ()):
        reference, fast = JiebaBackend(user_words), RjiebaBackend(user_words)
        for text in seed_docs["text"]:
            pre = Segmenter().preprocess(text)
            for hmm in (True, False):
                assert fast.cut(pre, hmm=hmm) == reference.cut(pre, hmm=hmm)
    cfg = dict(default_stopwords=False, min_len=1)
    jb = Segmenter(SegmenterConfig(backend="jieba", **cfg))
    rj = Segmenter(SegmenterConfig(backend="rjieba", **cfg))
    assert jb.join_many(seed_docs["text"]) == rj.join_many(seed_docs["text"])


def test_same_dictionary(words):
    """Every word of jieba's dict.txt and the user dictionary is known alike."""
    entries, total = _jieba_dictionary()
    reference, fast = JiebaBackend(words), RjiebaBackend(words)
    assert total == jieba.Tokenizer().gen_pfdict(jieba.Tokenizer().get_dict_file())[1]
    vocabulary = list(entries) + [w.word for w in words] + [TOTAL_PAD, "不是词语"]
    assert [fast.known(w) for w in vocabulary] == [reference.known(w) for w in vocabulary]
    assert not fast.known("暑期社会") and reference.tokenizer.FREQ["暑期社会"] == 0


def test_user_words_without_freq_and_repeated(tmp_path):
    """Entries without a frequency get jieba's suggest_freq; the last entry of a word wins."""
    userdict = tmp_path / "words.txt"
    userdict.write_text("视频调度\n调度会 5\n调度会 0\n守土 0\n守土 9 v\n北京天气\n",
                        encoding="utf-8")
    config = dict(userdict=userdict, default_userdict=False, min_len=1, default_stopwords=False)
    jb = Segmenter(SegmenterConfig(backend="jieba", **config))
    rj = Segmenter(SegmenterConfig(backend="rjieba", **config))
    # freq 9 is too low for jieba to keep 守土 whole: the dictionary check says so once,
    # and rjieba must split it as jieba does
    with pytest.warns(DictionaryWarning, match="'守土' -> \\['守', '土'\\]"):
        jb.cut("守土")
    for text in ("召开视频调度会议", "视频调度会", "守土有责", "北京天气很好", "调度会议"):
        assert rj.cut(text) == jb.cut(text), text


def test_pos_goes_through_jieba():
    config = dict(pos={"n"})
    rj = Segmenter(SegmenterConfig(backend="rjieba", **config))
    jb = Segmenter(SegmenterConfig(backend="jieba", **config))
    text = "校长曹雪涛出席疫情防控工作会议"
    assert rj.cut(text) == jb.cut(text) == ["校长", "曹雪涛", "疫情防控", "会议"]
    assert rj.tag("疫情防控") == jb.tag("疫情防控")


def test_jieba_global_state_untouched(words):
    initialized, freq = jieba.dt.initialized, dict(jieba.dt.FREQ)
    RjiebaBackend(words).cut("暑期社会实践", hmm=True)
    assert jieba.dt.initialized == initialized and jieba.dt.FREQ == freq


def test_backend_errors(monkeypatch):
    with pytest.raises(AnalysisError, match=r"must be one of \['jieba', 'rjieba'\]; got 'x'"):
        make_backend("x", ())
    monkeypatch.setitem(sys.modules, "rjieba", None)
    monkeypatch.setattr("analysis.tokens.backends._RJIEBA", {})
    with pytest.raises(ImportError, match=r"pip install rjieba==0\.2\.2"):
        make_backend("rjieba", (UserWord("甲乙", 3),))


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_map_in_pool(n_jobs):
    offset = 10  # a closure: inherited by the forked workers, never pickled
    batches = [[1, 2], [3], [], [4, 5, 6]]
    assert list(map_in_pool(lambda b: [x + offset for x in b], batches, n_jobs=n_jobs)) == \
        [[11, 12], [13], [], [14, 15, 16]]


def test_segmenter_in_pool(seed_docs):
    seg = Segmenter()
    texts = list(seed_docs["text"]) * 3
    seg.backend  # loaded in the parent
    parts = list(map_in_pool(seg.join_many, [texts[i:i + 4] for i in range(0, len(texts), 4)],
                             n_jobs=2))
    assert [t for part in parts for t in part] == seg.join_many(texts)


@pytest.mark.shared
def test_shared_corpus_identical(shared_corpus, words):
    """Every token of every body of the shared corpus: rjieba == jieba."""
    from analysis import load_corpus

    docs = load_corpus(shared_corpus, keep_raw=False)
    seg = Segmenter()
    reference, fast = JiebaBackend(words), RjiebaBackend(words)
    compared = differing = 0
    for text in docs["text"]:
        pre = seg.preprocess(text)
        expected = reference.cut(pre, hmm=True)
        compared += len(expected)
        differing += fast.cut(pre, hmm=True) != expected
    assert len(docs) > 4000 and compared > 2_500_000
    assert differing == 0
