"""New-word candidates: a planted word found, compounds and fragments not; the dictionary learns."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from analysis.core.config import PROJ_ROOT
from analysis.core.errors import AnalysisError
from analysis.stats.newwords import new_word_candidates
from analysis.tokens import Segmenter, SegmenterConfig
from analysis.tokens.dictionary import DictionaryError, add_user_words, read_userdict

NAME = "王明玉"  # a person's name jieba cuts into 王明 + 玉
CONTEXT = ["校长", "教授", "院长", "同志", "老师", "书记", "主任", "专家"]
AFTER = ["出席", "主持", "指出", "表示", "介绍", "强调", "讲话", "参加"]


@pytest.fixture(scope="module")
def corpus() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    texts = []
    for i in range(40):
        before, after = CONTEXT[i % 8], AFTER[(i * 3) % 8]
        texts.append(f"今天{before}{NAME}{after}会议。学校管理学院举行活动，师生代表参加。"
                     + "".join(rng.choice(list("春夏秋冬天地日月山水风云"), size=8)))
    return pd.DataFrame({"doc_id": [f"d{i}" for i in range(40)], "text": texts})


def test_a_planted_name_is_found_and_a_compound_is_not(corpus):
    segmenter = Segmenter()
    assert NAME not in segmenter.words(f"校长{NAME}出席")  # the dictionary cuts it
    table = new_word_candidates(corpus, segmenter=segmenter, min_count=5)
    words = table["word"].tolist()
    assert NAME in words
    row = table[table["word"] == NAME].iloc[0]
    assert row["count"] == 8 and row["n_docs"] == 40  # 8 distinct clauses (counted once each)
    # before it: 长 (校长, 院长) 2 of 8, six others 1 of 8 each: 2.75 bits; after it: 8 of 8 kinds
    assert row["left_entropy"] == pytest.approx(2.75) and row["right_entropy"] == pytest.approx(3.0)
    assert NAME in row["example"] and len(row["pieces"].split()) >= 2
    assert "管理学院" not in words  # two known words side by side: a compound
    assert not any(w.startswith(NAME[1:]) or w.endswith(NAME[:2]) for w in words if w != NAME)


def test_add_user_words_and_the_segmenter_learns(tmp_path, corpus):
    path = tmp_path / "userdict.txt"
    assert add_user_words([NAME, NAME], path, tag="nr") == [NAME]
    assert add_user_words([NAME], path) == []  # once each
    assert [w.word for w in read_userdict(path)] == [NAME]
    learned = Segmenter(SegmenterConfig(userdict=path))
    assert NAME in learned.words(f"校长{NAME}出席")
    table = new_word_candidates(corpus, segmenter=learned, min_count=5)
    assert NAME not in set(table["word"])  # known now: no longer a candidate
    with pytest.raises(DictionaryError, match="single words without spaces"):
        add_user_words(["两 个"], path)


def test_bad_options_are_named(corpus):
    with pytest.raises(AnalysisError, match="'max_len' parameter"):
        new_word_candidates(corpus, max_len=1)


@pytest.mark.slow
def test_cli_words_accepts_into_the_corpus_dictionary(tmp_path, corpus):
    folder = tmp_path / "corpus"
    folder.mkdir()
    for doc_id, text in zip(corpus["doc_id"], corpus["text"]):
        (folder / f"{doc_id}.txt").write_text(f"标题{doc_id}\n{text}\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "analysis", "words", "--corpus", str(folder),
                           "--cache-dir", str(tmp_path / "cache"), "--top", "5"],
                          capture_output=True, text=True, cwd=PROJ_ROOT)
    assert done.returncode == 0, done.stderr
    assert NAME in done.stdout
    done = subprocess.run([sys.executable, "-m", "analysis", "words", "--corpus", str(folder),
                           "--cache-dir", str(tmp_path / "cache"), "--accept", NAME,
                           "--tag", "nr"], capture_output=True, text=True, cwd=PROJ_ROOT)
    assert done.returncode == 0, done.stderr
    assert [w.word for w in read_userdict(folder / "userdict.txt")] == [NAME]
