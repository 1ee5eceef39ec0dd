"""Shared phrases and their diffusion, on fixtures worked out by hand and on the seeds."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from analysis.core.errors import AnalysisError
from analysis.stats.phrases import phrase_summary, shared_phrases

D = pd.Timestamp
TOKENS = pd.DataFrame({
    "doc_id": ["d1", "d2", "d3", "d4", "d5"],
    "institution": ["A", "B", "C", "C", "A"],
    "date": pd.to_datetime(["2020-01-01", "2020-01-05", "2020-01-03", "2020-01-02",
                            "2020-01-10"]),
    "tokens": ["守土有责 守土担责 守土尽责 确保 安全",
               "做到 守土有责 守土担责 守土尽责",
               "全面 落实 守土有责 守土担责",
               "守土有责 守土担责 守土尽责 全面 落实",
               "全面 落实 工作"],
})
TRIPLE, PAIR, LUOSHI = "守土有责 守土担责 守土尽责", "守土有责 守土担责", "全面 落实"


def test_token_phrases_are_maximal_by_hand():
    # 守土担责 守土尽责 is in d1, d2, d4 exactly like the triple, so only the triple stays;
    # 守土有责 守土担责 is also in d3, so it stays beside the triple.
    table = shared_phrases(TOKENS)
    assert list(table.columns) == ["phrase", "length", "institution", "first_date",
                                   "first_doc_id", "n_docs", "doc_ids"]
    rows = [(r.phrase, r.institution, r.first_date, r.first_doc_id, r.n_docs, r.doc_ids)
            for r in table.itertuples()]
    assert rows == [
        (PAIR, "A", D("2020-01-01"), "d1", 1, ["d1"]),
        (PAIR, "C", D("2020-01-02"), "d4", 2, ["d3", "d4"]),  # d4 is earlier than d3
        (PAIR, "B", D("2020-01-05"), "d2", 1, ["d2"]),
        (TRIPLE, "A", D("2020-01-01"), "d1", 1, ["d1"]),
        (TRIPLE, "C", D("2020-01-02"), "d4", 1, ["d4"]),
        (TRIPLE, "B", D("2020-01-05"), "d2", 1, ["d2"]),
        (LUOSHI, "C", D("2020-01-02"), "d4", 2, ["d3", "d4"]),
        (LUOSHI, "A", D("2020-01-10"), "d5", 1, ["d5"]),
    ]
    assert table.set_index("phrase")["length"].to_dict() == {PAIR: 2, TRIPLE: 3, LUOSHI: 2}


def test_phrase_summary():
    summary = phrase_summary(shared_phrases(TOKENS))
    assert list(summary.columns) == ["phrase", "length", "n_groups", "n_docs", "first_date",
                                     "first_group", "first_doc_id", "groups"]
    assert summary.values.tolist() == [
        [PAIR, 2, 3, 4, D("2020-01-01"), "A", "d1", ["A", "C", "B"]],
        [TRIPLE, 3, 3, 3, D("2020-01-01"), "A", "d1", ["A", "C", "B"]],
        [LUOSHI, 2, 2, 3, D("2020-01-02"), "C", "d4", ["C", "A"]],
    ]


@pytest.mark.parametrize("kwargs, phrases", [
    ({"min_groups": 3}, {PAIR, TRIPLE}),
    ({"n_max": 2}, {PAIR, "守土担责 守土尽责", LUOSHI}),  # maximal among pairs only
    ({"n_min": 3}, {TRIPLE}),
    ({"min_groups": 4}, set()),
])
def test_token_options(kwargs, phrases):
    assert set(shared_phrases(TOKENS, **kwargs)["phrase"]) == phrases


CHARS = pd.DataFrame({
    "doc_id": ["a", "b", "c"],
    "institution": ["A", "B", "C"],
    "date": pd.to_datetime(["2020-01-01", "2020-01-02", "2020-01-03"]),
    "text": ["我们要守土有责、守土担责。全面落实",
             "守土有责，守土担责！全面落实好工作",
             "全面落实。好工作要守土有责守土担责"],
})


def test_char_runs_skip_commas_but_stop_at_sentence_ends():
    table = shared_phrases(CHARS, mode="chars", min_chars=4)
    summary = phrase_summary(table).set_index("phrase")
    # "，" is dropped (b, c read 守土有责守土担责) but "、" is kept (a reads 守土有责、守土担责),
    # so a shares only the parts; 要守土有责 (a, c) and 守土有责 (a, b, c) differ in documents.
    assert summary["groups"].to_dict() == {"守土有责守土担责": ["B", "C"],
                                           "全面落实": ["A", "B", "C"],
                                           "守土有责": ["A", "B", "C"],
                                           "守土担责": ["A", "B", "C"],
                                           "要守土有责": ["A", "C"]}
    assert summary["length"].to_dict() == {"守土有责守土担责": 8, "全面落实": 4, "守土有责": 4,
                                           "守土担责": 4, "要守土有责": 5}
    # 全面落实好工作 is in b, but c has a full stop after 全面落实.
    assert "全面落实好工作" not in set(table["phrase"])
    assert table.attrs["mode"] == "chars"


def test_min_chars_default_is_six():
    assert set(shared_phrases(CHARS, mode="chars")["phrase"]) == {"守土有责守土担责"}


def test_undated_first_use_falls_back_and_na_groups_are_dropped():
    docs = TOKENS.assign(date=TOKENS["date"].where(TOKENS["doc_id"] != "d1"),
                         institution=TOKENS["institution"].where(TOKENS["doc_id"] != "d5"))
    with pytest.warns(UserWarning, match=r"1 document\(s\) with NA in 'institution'"):
        table = shared_phrases(docs)
    a = table[(table["phrase"] == TRIPLE) & (table["institution"] == "A")].iloc[0]
    assert pd.isna(a["first_date"]) and a["first_doc_id"] == "d1"
    assert LUOSHI not in set(table["phrase"])  # only C is left using it


@pytest.mark.parametrize("kwargs, message", [
    ({"mode": "words"}, "'mode' parameter"), ({"min_groups": 1}, "'min_groups' parameter"),
    ({"n_min": 1}, "'n_min' parameter"), ({"n_min": 3, "n_max": 2}, "'n_max' parameter"),
    ({"group_col": "school"}, "'group_col' parameter"),
    ({"mode": "chars", "text_col": "body"}, "'text_col' parameter"),
])
def test_bad_options_are_named(kwargs, message):
    with pytest.raises(AnalysisError, match=message):
        shared_phrases(TOKENS, **kwargs)


# --- the seed documents: 守土有责、守土担责、守土尽责 across four universities -------------

SEED_FIRST_USE = {"000": "2020-02-12", "001": "2020-02-11", "003": "2020-03-01",
                  "004": "2020-01-27"}


@pytest.fixture(scope="module")
def seed_tokens(seeds_loaded):
    """The seed corpus tokenized."""
    from analysis.tokens import tokenize

    docs, _ = seeds_loaded
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return tokenize(docs, use_cache=False)


@pytest.mark.parametrize("mode", ["tokens", "chars"])
def test_seeds_share_shoutu_youze(seed_tokens, mode):
    table = shared_phrases(seed_tokens, mode=mode)
    hits = table[table["phrase"].str.contains("守土有责")]
    docs = {d[:3] for ids in hits["doc_ids"] for d in ids}
    assert docs == set(SEED_FIRST_USE)
    first = {r.first_doc_id[:3]: r.first_date.strftime("%Y-%m-%d") for r in hits.itertuples()}
    assert first == SEED_FIRST_USE
    full = "守土有责 守土担责 守土尽责" if mode == "tokens" else "守土有责、守土担责、守土尽责"
    carriers = table.loc[table["phrase"] == full, "first_doc_id"].str[:3]
    assert sorted(carriers) == ["000", "001", "003"]  # 004 has only 守土有责、守土尽责
