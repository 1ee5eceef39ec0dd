"""Topic models: planted topics and prevalences recovered, FREX and NPMI by hand, bad input."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from analysis.core.config import SEEDS_DIR
from analysis.core.errors import AnalysisError
from analysis.figures.topics import (
    plot_topic_contrasts,
    plot_topic_sweep,
    plot_topic_terms,
    plot_topic_time,
    topic_contrasts_drawn,
    topic_time_drawn,
    topics_over_time,
)
from analysis.stats.topics import (
    exclusivity,
    fit_topics,
    frex,
    label_topics,
    methods_text,
    npmi_coherence,
    split_sentences,
    strongest_contrasts,
    topic_documents,
    topic_sweep,
)

from .conftest import FIXTURES

# -- a corpus with planted topics -------------------------------------------------------------

TOPIC_WORDS = {
    "farm": ["苹果", "小麦", "果园", "灌溉", "种植", "农机", "化肥", "玉米"],
    "party": ["党员", "支部", "党课", "初心", "使命", "学习会", "党建", "组织生活"],
    "sport": ["比赛", "球队", "冠军", "运动会", "田径", "篮球", "体育馆", "教练"],
}
BACKGROUND = ["学校", "工作", "开展", "活动"]  # in nearly every document: above max_doc_share
MONTHS = ["2020-01-15", "2020-02-15", "2020-03-15"]
# planted topic shares per group and month: farm falls in 甲, sport steady in 乙, party rises
PLANTED = {
    "甲": [{"farm": 0.7, "party": 0.2, "sport": 0.1}, {"farm": 0.6, "party": 0.3, "sport": 0.1},
          {"farm": 0.5, "party": 0.4, "sport": 0.1}],
    "乙": [{"farm": 0.3, "party": 0.2, "sport": 0.5}, {"farm": 0.2, "party": 0.3, "sport": 0.5},
          {"farm": 0.1, "party": 0.4, "sport": 0.5}],
}
PER_CELL = 40


def _planted_docs() -> pd.DataFrame:
    """Single-topic documents, exactly the planted share of each topic in each group-month."""
    rng = np.random.default_rng(11)
    rows = []
    for group, months in PLANTED.items():
        for month, shares in zip(MONTHS, months):
            topics = [t for t, p in shares.items() for _ in range(round(p * PER_CELL))]
            for i, topic in enumerate(topics):
                sentences = []
                for _ in range(5):
                    words = list(rng.choice(TOPIC_WORDS[topic], size=10))
                    if rng.random() < 0.8:
                        words.append(str(rng.choice(BACKGROUND)))
                    sentences.append(words)
                rows.append({
                    "doc_id": f"{group}-{month}-{i:02d}", "institution": group,
                    "date": pd.Timestamp(month), "title": f"{topic} {i}", "url": None,
                    "topic_planted": topic,
                    "tokens": "\n".join(" ".join(s) for s in sentences),
                    "text": "。".join("".join(s) for s in sentences) + "。"})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def planted() -> pd.DataFrame:
    return _planted_docs()


@pytest.fixture(scope="module")
def lda_fit(planted):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a clean corpus gives no warning
        return fit_topics(planted, n_topics=3, n_boot=300, random_state=3, freq="M")


def _match(fit) -> dict[str, int]:
    """Planted topic -> fitted topic whose 8 most probable terms are the planted words."""
    out = {}
    for row in fit["topics"].itertuples():
        top = set(row.top_terms.split()[:8])
        for name, words in TOPIC_WORDS.items():
            if top == set(words):
                out[name] = row.topic
    return out


def test_planted_topics_are_recovered_by_their_terms(lda_fit):
    assert set(_match(lda_fit)) == set(TOPIC_WORDS)
    assert not set(lda_fit["terms"]["term"]) & set(BACKGROUND), "max_doc_share drops them"
    info = lda_fit["topics"].attrs
    assert info["n_terms"] == 24 and info["n_fit_docs"] == 240 and info["freq"] == "M"


@pytest.mark.parametrize("model", ["lda", "nmf"])
def test_planted_prevalence_per_group_is_covered(planted, model):
    fit = lda_fit_of(planted, model)
    match = _match(fit)
    table = fit["prevalence"].set_index(["institution", "topic"])
    for group, months in PLANTED.items():
        for name, topic in match.items():
            truth = np.mean([m[name] for m in months])
            row = table.loc[(group, topic)]
            assert row["low"] <= truth <= row["high"], (model, group, name, row.to_dict())
            assert row["prevalence"] == pytest.approx(truth, abs=0.03)
            assert row["n_docs"] == 120


_FITS: dict[str, dict] = {}


def lda_fit_of(planted: pd.DataFrame, model: str) -> dict:
    if model not in _FITS:
        _FITS[model] = fit_topics(planted, n_topics=3, model=model, n_boot=300,
                                  random_state=3, freq="M")
    return _FITS[model]


def test_planted_differences_between_groups_are_found(planted):
    fit = lda_fit_of(planted, "lda")
    match = _match(fit)
    table = fit["contrasts"].set_index(["institution", "topic"])
    for name, truth in {"farm": 0.4, "party": 0.0, "sport": -0.4}.items():
        row = table.loc[("甲", match[name])]
        assert row["low"] <= truth <= row["high"], (name, row.to_dict())
        assert row["difference"] == pytest.approx(truth, abs=0.03)
        assert row["reference"] == "rest" and row["n_docs_reference"] == 120
        assert bool(row["significant"]) == (truth != 0), name
    assert (fit["contrasts"]["q_value"] >= fit["contrasts"]["p_value"] - 1e-12).all()


def test_planted_change_over_time_is_covered(planted):
    fit = lda_fit_of(planted, "lda")
    match = _match(fit)
    table = fit["prevalence_time"]
    assert sorted(table["period"].dt.strftime("%Y-%m").unique()) == ["2020-01", "2020-02",
                                                                     "2020-03"]
    for group, months in PLANTED.items():
        for m, shares in enumerate(months):
            for name, truth in shares.items():
                row = table[(table["institution"] == group) & (table["topic"] == match[name])
                            & (table["period"] == pd.Timestamp(MONTHS[m][:8] + "01"))].iloc[0]
                assert row["n_docs"] == PER_CELL
                assert row["low"] - 0.005 <= truth <= row["high"] + 0.005, (group, m, name)


def test_reference_group_contrast(planted):
    fit = fit_topics(planted, n_topics=3, reference="乙", n_boot=100, random_state=3,
                     freq="M")
    assert set(fit["contrasts"]["institution"]) == {"甲"}
    assert set(fit["contrasts"]["reference"]) == {"乙"}


def test_two_runs_are_identical(planted, lda_fit):
    again = fit_topics(planted, n_topics=3, n_boot=300, random_state=3, freq="M")
    assert list(again) == list(lda_fit)
    for name in lda_fit:
        pd.testing.assert_frame_equal(again[name], lda_fit[name], check_exact=True)
        assert json.dumps(again[name].attrs, sort_keys=True, default=str) == \
            json.dumps(lda_fit[name].attrs, sort_keys=True, default=str)


def test_examples_give_sentences_with_the_topic_terms(planted, lda_fit):
    match = _match(lda_fit)
    examples = lda_fit["examples"]
    overall = examples[(examples["scope"] == "(all)") & (examples["topic"] == match["farm"])]
    assert list(overall["rank"]) == [1, 2, 3]
    assert (overall["share"].diff().dropna() <= 0).all()
    assert set(planted.set_index("doc_id").loc[overall["doc_id"], "topic_planted"]) == {"farm"}
    for sentence, terms in zip(overall["sentence"], overall["terms"]):
        assert sentence.endswith("。") and terms and all(t in sentence for t in terms.split())
    per_group = examples[(examples["scope"] == "乙") & (examples["topic"] == match["sport"])]
    assert set(per_group["institution"]) == {"乙"} and len(per_group) == 3
    docs = topic_documents(lda_fit, planted, topic=match["party"], group="甲", n=4)
    assert len(docs) == 4 and set(docs["institution"]) == {"甲"}
    assert set(planted.set_index("doc_id").loc[docs["doc_id"], "topic_planted"]) == {"party"}
    assert docs["sentence"].str.len().gt(0).all()
    read_back = {**lda_fit, "documents": lda_fit["documents"].copy()}
    read_back["documents"].attrs = {}  # as read from a CSV: no group column recorded
    with pytest.raises(AnalysisError, match=r"^The 'group_col' parameter of topic_documents "
                                            r"must name the table's group column"):
        topic_documents(read_back, planted, topic=match["party"], group="甲")
    assert len(topic_documents(read_back, planted, topic=match["party"], group="甲", n=4,
                               group_col="institution")) == 4


def test_label_topics_names_every_table(lda_fit):
    names = ["一", "二", "三"]
    named = label_topics(lda_fit, names)
    assert list(named["topics"]["label"]) == ["T1 一", "T2 二", "T3 三"]
    for part in ("terms", "prevalence", "prevalence_time", "contrasts", "examples"):
        assert set(named[part]["label"]) <= {"T1 一", "T2 二", "T3 三"}, part
    assert "label" not in named["documents"]
    assert lda_fit["topics"]["label"].iloc[0].startswith("T1 ")  # the fit is not changed
    with pytest.raises(AnalysisError, match=r"The 'topic_names' parameter of label_topics "
                                            r"must be a list of 3 non-empty strings"):
        label_topics(lda_fit, ["一", "二"])


def test_the_index_of_docs_does_not_matter(planted, lda_fit):
    shuffled = planted.set_axis([7] * len(planted))   # a repeated label, positions rule
    again = fit_topics(shuffled, n_topics=3, n_boot=300, random_state=3, freq="M")
    for name in ("prevalence", "prevalence_time", "contrasts", "examples"):
        pd.testing.assert_frame_equal(again[name], lda_fit[name])


def test_excluded_terms_stay_out_of_the_model(planted):
    fit = fit_topics(planted, n_topics=3, n_boot=20, random_state=3, freq="M",
                     exclude_terms=["苹果", "党员", "不在语料"])
    assert not {"苹果", "党员"} & set(fit["terms"]["term"])
    assert fit["topics"].attrs["n_terms"] == 22 and fit["topics"].attrs["n_terms_excluded"] == 2
    assert set(_match_partial(fit)) == set(TOPIC_WORDS)
    text = methods_text({"analysis": "topics.fit_topics", "n_topics": 3,
                         "group_col": "institution", "exclude_terms": ["苹果", "党员"]})
    assert "but for 2 names of the institutions" in text
    with pytest.raises(AnalysisError, match=r"The 'exclude_terms' parameter of fit_topics must "
                                            r"be a list of strings or None; got '苹果'"):
        fit_topics(planted, n_topics=3, exclude_terms="苹果")


def _match_partial(fit) -> dict[str, int]:
    out = {}
    for row in fit["topics"].itertuples():
        top = set(row.top_terms.split()[:7])
        for name, words in TOPIC_WORDS.items():
            if top <= set(words):
                out[name] = row.topic
    return out


def test_documents_table_flags_and_shares(planted, lda_fit):
    docs = lda_fit["documents"]
    shares = docs[[c for c in docs.columns if c.startswith("topic_")]]
    assert shares.shape == (240, 3)
    assert np.allclose(shares.sum(axis=1), 1.0)
    assert docs["fitted"].all() and docs["counted"].all()
    assert list(docs["doc_id"]) == list(planted["doc_id"])


# -- reposts ------------------------------------------------------------------------------------


def test_reposts_are_fitted_once_and_counted_once_per_group(planted):
    docs = planted.copy()
    clusters = pd.Series(range(len(docs)), index=docs["doc_id"])
    # three copies of one 甲 document: two more in 甲, one in 乙
    first = docs.index[0]
    copies = docs.loc[[first] * 3].assign(doc_id=["c1", "c2", "c3"],
                                          institution=["甲", "甲", "乙"])
    docs = pd.concat([docs, copies], ignore_index=True)
    clusters = pd.concat([clusters, pd.Series([clusters.iloc[0]] * 3, index=["c1", "c2", "c3"])])
    fit = fit_topics(docs, n_topics=3, n_boot=20, random_state=3, clusters=clusters)
    table = fit["documents"].set_index("doc_id")
    assert fit["topics"].attrs["n_fit_docs"] == 240
    assert fit["topics"].attrs["n_reposts_collapsed"] == 3
    assert not table.loc[["c1", "c2", "c3"], "fitted"].any()
    assert list(table.loc[["c1", "c2", "c3"], "counted"]) == [False, False, True]
    sizes = fit["prevalence"].groupby("institution")["n_docs"].first().to_dict()
    assert sizes == {"甲": 120, "乙": 121}


# -- the measures, by hand ------------------------------------------------------------------------


def test_frex_by_hand():
    beta = np.array([[0.5, 0.3, 0.2], [0.1, 0.1, 0.8]])
    # exclusivity: row 0 [5/6, 3/4, 1/5] ranks 3,2,1; row 1 [1/6, 1/4, 4/5] ranks 1,2,3
    # frequency ranks: row 0 3,2,1; row 1 1.5,1.5,3 (a tie averaged); ECDF = rank / 3
    expected = np.array([[1.0, 2 / 3, 1 / 3],
                         [1 / (0.5 * 3 + 0.5 / 0.5), 1 / (0.5 * 1.5 + 0.5 / 0.5), 1.0]])
    np.testing.assert_allclose(frex(beta), expected)
    np.testing.assert_allclose(frex(beta)[1], [0.4, 4 / 7, 1.0])
    # weight 0.7 on exclusivity: row 1, term 0: 1 / (0.7 * 3 + 0.3 * 2) = 1 / 2.7
    assert frex(beta, weight=0.7)[1, 0] == pytest.approx(1 / 2.7)


def test_stm_exclusivity_by_hand():
    beta = np.array([[0.5, 0.3, 0.2], [0.1, 0.1, 0.8]])
    # topic 0: its two most probable terms 0 and 1, FREX(0.7) 1 and 2/3
    # topic 1: terms 2 (FREX 1) and 0 (first of the tie; FREX 1 / 2.7)
    np.testing.assert_allclose(exclusivity(beta, n_terms=2), [1 + 2 / 3, 1 + 1 / 2.7])


def test_npmi_by_hand():
    import scipy.sparse as sp

    # four documents; term a in 0,1; b in 0,1,2; c in 3; d in 0,1
    presence = sp.csr_matrix(np.array([[1, 1, 0, 2], [3, 1, 0, 1], [0, 1, 0, 0],
                                       [0, 0, 1, 0]]))
    ab = np.log(0.5 / (0.5 * 0.75)) / -np.log(0.5)   # 0.41504
    ad = 1.0                                         # always together: log(2) / log(2)
    bd = np.log(0.5 / (0.75 * 0.5)) / -np.log(0.5)
    got = npmi_coherence(presence, np.array([[0, 1], [0, 2], [0, 1], [1, 3]]))
    np.testing.assert_allclose(got, [ab, -1.0, ab, bd])
    assert ab == pytest.approx(0.4150375)
    three = npmi_coherence(presence, np.array([[0, 1, 3]]))
    np.testing.assert_allclose(three, [(ab + ad + bd) / 3])


def test_split_sentences_breaks_where_the_tokens_do():
    text = "第一句。第二句！第三句？\n第四句；第五句……第六句"
    assert split_sentences(text) == ["第一句。", "第二句！", "第三句？", "第四句；", "第五句……",
                                     "第六句"]
    assert split_sentences("他说：“好。”然后走了") == ["他说：“好。”", "然后走了"]
    assert split_sentences(None) == []


# -- the sweep -----------------------------------------------------------------------------------


def test_sweep_picks_the_planted_number_of_topics(planted):
    table = topic_sweep(planted, n_topics=[2, 3, 5], random_state=3)
    assert list(table["n_topics"]) == [2, 3, 5]
    assert table.attrs["chosen"] == 3 and table["chosen"].sum() == 1
    assert table.attrs["n_heldout"] == 24 and table.attrs["n_train"] == 216
    assert "within 5% of the best" in table.attrs["rule"]
    assert table["heldout"].notna().all() and (table["heldout_measure"] == "perplexity").all()
    nmf = topic_sweep(planted, n_topics=[2, 3], model="nmf", random_state=3)
    assert (nmf["heldout_measure"] == "reconstruction error").all()
    assert nmf["heldout"].between(0, 1).all()


def test_fit_with_a_list_runs_the_sweep(planted):
    fit = fit_topics(planted, n_topics=[2, 3], n_boot=20, random_state=3, freq="M")
    assert list(fit["sweep"]["n_topics"]) == [2, 3]
    assert len(fit["topics"]) == fit["sweep"].attrs["chosen"] == 3
    assert fit["topics"].attrs["sweep"] == [2, 3]


# -- bad input: one clear message each ------------------------------------------------------------


@pytest.mark.parametrize("options, message", [
    ({"n_topics": 1}, r"The 'n_topics' parameter of fit_topics must be an integer >= 2"),
    ({"n_topics": [3, 1]}, r"The 'n_topics' parameter of fit_topics must be an integer >= 2"),
    ({"n_topics": 241}, (r"The 'n_topics' parameter of fit_topics must be at most the number "
                         r"of documents fitted .*\(240\) and of terms kept \(24\); got 241")),
    ({"model": "lsa"}, r"The 'model' parameter of fit_topics must be one of \['lda', 'nmf'\]"),
    ({"min_docs": 0}, r"The 'min_docs' parameter of fit_topics must be in the range"),
    ({"max_doc_share": 0}, r"The 'max_doc_share' parameter of fit_topics must be in the range"),
    ({"freq": "fortnight"}, r"The 'freq' parameter of fit_topics must be one of"),
    ({"n_boot": 0}, r"The 'n_boot' parameter of fit_topics must be in the range"),
    ({"reference": "丙"}, (r"The 'reference' parameter of fit_topics must be one of the groups "
                          r"\['乙', '甲'\] or None; got '丙'")),
    ({"group_col": "region"}, (r"The 'group_col' parameter of fit_topics must be one of the "
                               r"columns")),
])
def test_bad_options_get_one_clear_message(planted, options, message):
    with pytest.raises(AnalysisError, match=message):
        fit_topics(planted, **{"n_topics": 3, **options})


def test_a_vocabulary_left_empty_says_which_parameters(planted):
    docs = planted.assign(tokens=" ".join(BACKGROUND))  # every term in every document
    with pytest.raises(AnalysisError, match=r"no term is in at least 5 and at most 50% of the "
                                            r"240 documents.*lower 'min_docs' or raise "
                                            r"'max_doc_share'"):
        fit_topics(docs, n_topics=3)
    with pytest.raises(AnalysisError, match=r"fit_topics: no document holds a token"):
        fit_topics(planted.assign(tokens=""), n_topics=3)


def test_sweep_leaves_out_k_above_the_documents(planted):
    small = planted.groupby(["institution", "topic_planted"]).head(4)   # 24 documents
    with pytest.warns(UserWarning, match=r"n_topics \[30\] left out"):
        table = topic_sweep(small, n_topics=[2, 3, 30], min_docs=2, random_state=1)
    assert list(table["n_topics"]) == [2, 3]
    with pytest.raises(AnalysisError, match=r"The 'n_topics' parameter of topic_sweep must be "
                                            r"at most the number of training documents"):
        topic_sweep(small, n_topics=[100], min_docs=2)


def test_a_group_of_one_document_is_named(planted):
    docs = pd.concat([planted, planted.iloc[[0]].assign(doc_id="solo", institution="丙")],
                     ignore_index=True)
    with pytest.warns(UserWarning, match=r"the group\(s\) \['丙'\] of 'institution' have a "
                                         r"single document"):
        fit = fit_topics(docs, n_topics=3, n_boot=20, random_state=3, freq="M")
    solo = fit["prevalence"][fit["prevalence"]["institution"] == "丙"]
    assert solo["low"].isna().all() and (solo["n_docs"] == 1).all()
    assert "丙" not in set(fit["contrasts"]["institution"])


def test_a_period_with_no_documents_is_a_gap_and_a_note(planted):
    docs = planted[~planted["date"].dt.month.eq(2)]
    with pytest.warns(UserWarning, match=r"no document falls in 1 period\(s\) of freq='M' "
                                         r"\(\['2020-02-01'\]\)"):
        fit = fit_topics(docs, n_topics=3, n_boot=20, random_state=3, freq="M")
    feb = fit["prevalence_time"][fit["prevalence_time"]["period"] == "2020-02-01"]
    assert len(feb) == 6 and (feb["n_docs"] == 0).all() and feb["prevalence"].isna().all()


def test_undated_documents_give_no_time_table_but_a_note(planted):
    with pytest.warns(UserWarning, match=r"no counted document has a date in 'date'"):
        fit = fit_topics(planted.assign(date=pd.NaT), n_topics=3, n_boot=10, random_state=3)
    assert fit["prevalence_time"].empty and len(fit["prevalence"]) == 6
    assert topic_time_drawn(fit["prevalence_time"]).empty
    fig = plot_topic_time(fit["prevalence_time"])
    assert "no prevalence over time" in fig.texts[0].get_text()


def test_a_tiny_corpus_relaxes_min_docs_with_a_note(planted):
    tiny = planted.groupby(["institution", "topic_planted"]).head(1)   # 6 documents
    with pytest.warns(UserWarning, match=r"6 documents \(reposts once\) are too few for "
                                         r"min_docs=5"):
        fit = fit_topics(tiny, n_topics=2, n_boot=10, random_state=0)
    assert fit["topics"].attrs["min_docs_used"] == 2


# -- methods ---------------------------------------------------------------------------------------


def test_methods_text_states_model_k_rule_and_intervals():
    fit = methods_text({"analysis": "topics.fit_topics", "group_col": "institution",
                        "n_topics": 25, "model": "lda", "n_boot": 200, "min_docs": 5,
                        "max_doc_share": 0.5, "random_state": 0})
    assert "latent Dirichlet allocation" in fit and "K = 25" in fit
    assert "at least 5 documents and at most 50%" in fit
    assert "200 bootstrap resamples" in fit and "Benjamini–Hochberg" in fit
    sweep = methods_text({"analysis": "topics.topic_sweep", "n_topics": [5, 10, 15],
                          "model": "nmf"})
    assert "{5, 10, 15}" in sweep and "reconstruction error" in sweep
    assert "within 5% of the best" in sweep
    zh = methods_text({"analysis": "topics.fit_topics", "n_topics": 25, "model": "nmf"}, "zh")
    assert "非负矩阵分解" in zh and "K = 25" in zh and "自助" in zh
    assert "{5, 10, 15}" in methods_text({"analysis": "topics.topic_sweep",
                                          "n_topics": [5, 10, 15]}, "zh")


# -- figures ----------------------------------------------------------------------------------------


def test_figures_draw_and_select_their_rows(lda_fit):
    named = label_topics(lda_fit, ["农业", "党建", "体育"])
    for fig in (plot_topic_terms(named["topics"]), plot_topic_sweep(named["sweep"]),
                plot_topic_time(named["prevalence_time"]),
                plot_topic_contrasts(named["contrasts"])):
        assert fig.get_figwidth() == pytest.approx(174 / 25.4)
        assert fig.get_figheight() <= 230 / 25.4 + 1e-9
    drawn = topic_time_drawn(named["prevalence_time"], topics=[2, 1], groups=["乙", "甲"])
    assert list(dict.fromkeys(drawn["institution"])) == ["乙", "甲"]
    assert list(dict.fromkeys(drawn["topic"])) == [2, 1]
    rows = topic_contrasts_drawn(named["contrasts"], groups=["甲"])
    assert set(rows["institution"]) == {"甲"}
    with pytest.raises(AnalysisError, match=r"The 'topics' parameter of topic_time_drawn"):
        topic_time_drawn(named["prevalence_time"], topics=[9])


def test_topics_over_time_picks_the_topics_that_change_within_groups(planted, lda_fit):
    match = _match(lda_fit)
    # farm and party move within each group by 0.2; sport never moves (but differs by group)
    chosen = topics_over_time(lda_fit["prevalence_time"], n=2)
    assert set(chosen) == {match["farm"], match["party"]}


def test_figures_at_most_twelve_groups(planted):
    docs = planted.assign(institution=[f"g{i % 14:02d}" for i in range(len(planted))])
    fit = fit_topics(docs, n_topics=3, n_boot=10, random_state=0, freq="M")
    groups = sorted(set(docs["institution"]))
    fig = plot_topic_contrasts(fit["contrasts"], groups=groups)
    assert len([ax for ax in fig.axes if ax.get_visible()]) == 12
    assert any("12 of 14 groups drawn" in t.get_text() for t in fig.texts)
    assert len(topic_contrasts_drawn(fit["contrasts"], groups=groups)) == 12 * 3


def test_strongest_contrasts(lda_fit):
    top = strongest_contrasts(lda_fit["contrasts"], n=3)
    assert len(top) == 3 and top["significant"].all()
    assert (top["difference"].abs().diff().dropna() <= 0).all()


# -- through a Study, and the notebook ---------------------------------------------------------


def test_study_caches_the_fit_as_tables(tmp_path):
    from analysis import Study

    study = Study(FIXTURES / "mini_corpus", cache_dir=tmp_path / "cache",
                  output_dir=tmp_path / "out")
    options = {"reposts_once": True, "n_topics": 2, "min_docs": 2, "n_boot": 20,
               "random_state": 1}
    first = study.run(fit_topics, **options)
    again = Study(FIXTURES / "mini_corpus", cache_dir=tmp_path / "cache",
                  output_dir=tmp_path / "out")
    second = again.run(fit_topics, **options)
    assert again.results.hits == ["topics.fit_topics"]
    for name in first:
        pd.testing.assert_frame_equal(second[name], first[name], check_dtype=False)
    text = again.methods_paragraph("en")
    assert "K = 2" in text and "latent Dirichlet allocation" in text


@pytest.mark.slow
@pytest.mark.parametrize("corpus, params", [
    (SEEDS_DIR, {}),
    (FIXTURES / "mini_corpus", {"n_topics": [2, 3], "topic_model": "nmf", "topic_min_docs": 2,
                                "topic_names": ["甲", "乙", "丙"], "freq": "M", "n_boot": 50,
                                "topics_over_time": [1], "random_state": 7,
                                "formats": ["png", "svg"]}),
])
def test_notebook_runs_and_writes_its_tables(tmp_path, corpus, params):
    from analysis.run.runner import run_notebooks

    out = tmp_path / "figures"
    results = run_notebooks(params={"corpus_dir": str(corpus), "cache_dir": str(tmp_path / "c"),
                                    **params}, output_dir=out, only=["07"], progress=False)
    assert results[0].status == "ok", results[0].error
    names = ["07_topic_sweep", "07_topic_terms", "07_topic_contrasts", "07_topic_time"]
    for name in names:
        for ext in params.get("formats", ["png", "svg", "pdf"]):
            assert (out / f"{name}.{ext}").stat().st_size > 0
    sweep = pd.read_csv(out / "07_topic_sweep.csv")
    terms = pd.read_csv(out / "07_topic_terms.csv")
    time_rows = pd.read_csv(out / "07_topic_time.csv")
    contrasts = pd.read_csv(out / "07_topic_contrasts.csv")
    assert sweep["chosen"].sum() == 1 and len(terms) == int(sweep.loc[sweep["chosen"],
                                                                     "n_topics"].iloc[0])
    assert terms["share"].sum() == pytest.approx(1.0)
    assert {"top_terms", "frex_terms", "coherence", "exclusivity"} <= set(terms.columns)
    assert {"period", "prevalence", "low", "high", "n_docs"} <= set(time_rows.columns)
    assert {"difference", "low", "high", "q_value"} <= set(contrasts.columns)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    if params:
        assert list(sweep["n_topics"]) == [2, 3]
        assert (sweep["heldout_measure"] == "reconstruction error").all()
        assert terms["label"].str.match(r"T\d (甲|乙|丙)$").all()
        assert set(time_rows["topic"]) == {1}
        assert pd.to_datetime(time_rows["period"]).dt.day.eq(1).all()
        assert manifest["07_topic_terms"]["params"]["topic_model"] == "nmf"
        assert not (out / "07_topic_terms.pdf").exists()
    else:
        assert list(sweep["n_topics"]) == [5]   # 5 documents: the larger K are left out
        assert manifest["07_topic_terms"]["corpus"]["n_docs"] == 5
