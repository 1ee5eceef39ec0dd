"""Co-word networks: Jaccard and Ochiai by hand, the edge rule, stability, communities, figure."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2_contingency

from analysis.core.config import SEEDS_DIR
from analysis.core.errors import AnalysisError
from analysis.figures.cowords import coword_layout, place_labels, plot_cowords
from analysis.stats.counts import term_counts
from analysis.stats.cowords import cowords, methods_text

from .conftest import FIXTURES

# five sentences of group 甲: 疫情 in 4, 防控 in 4, 学生 in 2, 教学 in 2
SENTENCES = ["疫情 防控 学生", "疫情 防控", "疫情 学生", "防控 教学", "疫情 防控 教学"]


def _docs(per_doc: list[str], group: str = "甲", start: int = 0) -> pd.DataFrame:
    return pd.DataFrame({"doc_id": [f"{group}{start + i}" for i in range(len(per_doc))],
                         "institution": group, "tokens": per_doc})


def _edges(table: pd.DataFrame, group: str = "甲") -> dict[frozenset, pd.Series]:
    part = table[(table["institution"] == group) & (table["kind"] == "edge")]
    return {frozenset((r.source, r.target)): r for r in part.itertuples(index=False)}


def test_jaccard_ochiai_and_the_edge_rule_by_hand():
    docs = _docs(["\n".join(SENTENCES)])
    table = cowords(docs, min_freq=2, n_boot=0, top_n=10)
    edges = _edges(table)
    # 疫情 & 防控 share 3 of 5 sentences but expected 4 * 4 / 5 = 3.2: not an edge
    assert frozenset(("疫情", "防控")) not in edges
    assert set(edges) == {frozenset(("疫情", "学生")), frozenset(("防控", "教学"))}
    row = edges[frozenset(("疫情", "学生"))]
    assert row.n_units == 2 and row.expected == pytest.approx(4 * 2 / 5)
    assert row.jaccard == pytest.approx(2 / (4 + 2 - 2))
    assert row.ochiai == pytest.approx(2 / np.sqrt(4 * 2))
    g2 = chi2_contingency([[2, 2], [0, 1]], correction=False, lambda_="log-likelihood")[0]
    assert row.g2 == pytest.approx(g2)
    assert row.weight == row.jaccard
    nodes = table[table["kind"] == "node"].set_index("term")
    assert nodes.loc["疫情", "n_units"] == 4 and nodes.loc["学生", "n_units"] == 2
    assert table.attrs["n_units"] == {"甲": 5} and table.attrs["n_docs"] == {"甲": 1}


def test_documents_as_units_give_the_same_counts_as_one_sentence_documents():
    by_sentence = cowords(_docs(["\n".join(SENTENCES)]), min_freq=2, n_boot=0)
    by_document = cowords(_docs(SENTENCES), unit="document", min_freq=2, n_boot=0)
    cols = ["source", "target", "n_units", "jaccard", "ochiai", "g2"]
    left = by_sentence[by_sentence["kind"] == "edge"][cols].reset_index(drop=True)
    right = by_document[by_document["kind"] == "edge"][cols].reset_index(drop=True)
    pd.testing.assert_frame_equal(left, right)


def test_documents_as_units_read_the_counts_not_the_token_strings():
    docs = _docs(SENTENCES)
    counts = term_counts(docs)
    blank = docs.assign(tokens="")  # were the strings read again, there would be no pair
    pd.testing.assert_frame_equal(cowords(blank, counts, unit="document", min_freq=2, n_boot=0),
                                  cowords(docs, unit="document", min_freq=2, n_boot=0))
    with pytest.raises(AnalysisError, match=r"lower 'min_freq'\.$"), \
            pytest.warns(UserWarning, match=r"lower 'min_freq' to draw them"):  # no unit hint
        cowords(docs, unit="document", min_freq=9)


@pytest.mark.parametrize("measure, column", [("ochiai", "ochiai"), ("association", "g2")])
def test_the_measure_chooses_the_weight(measure, column):
    table = cowords(_docs(["\n".join(SENTENCES)]), min_freq=2, n_boot=0, measure=measure)
    edges = table[table["kind"] == "edge"]
    np.testing.assert_allclose(edges["weight"], edges[column])
    assert edges["weight"].is_monotonic_decreasing


def test_top_n_keeps_the_strongest_and_breaks_ties_by_shared_units_then_terms():
    docs = _docs(["甲 乙\n甲 乙\n甲 乙\n丙 丁\n丙 丁\n戊 己\n戊 己\n庚 辛"])
    table = cowords(docs.assign(institution="g"), min_freq=2, n_boot=0, top_n=2,
                    group_col="institution")
    edges = table[table["kind"] == "edge"]
    # three pairs have Jaccard 1; 甲乙 shares 3 sentences, the others 2: 丙丁 before 戊己
    assert [frozenset(p) for p in zip(edges["source"], edges["target"])] == \
        [frozenset("甲乙"), frozenset("丙丁")]
    assert edges["rank"].tolist() == [1, 2]


@pytest.mark.parametrize("options, message", [
    ({"top_n": 301}, "'top_n' parameter of cowords must be in the range [1, 300]; got 301"),
    ({"top_n": 0}, "'top_n' parameter of cowords must be in the range [1, 300]; got 0"),
    ({"unit": "paragraph"}, "'unit' parameter of cowords must be one of"),
    ({"measure": "cosine"}, "'measure' parameter of cowords must be one of"),
    ({"max_terms": 1}, "'max_terms' parameter of cowords must be in the range [2, 1000]"),
])
def test_bad_options_give_one_clear_line(options, message):
    with pytest.raises(AnalysisError) as err:
        cowords(_docs(SENTENCES), **options)
    assert message in str(err.value)


def test_a_group_too_small_is_named_and_all_too_small_is_an_error():
    docs = pd.concat([_docs(["\n".join(SENTENCES)]), _docs(["疫情 学生"], group="乙")])
    with pytest.warns(UserWarning, match="no network for \\['乙'\\].*lower 'min_freq'"):
        table = cowords(docs, min_freq=2, n_boot=0)
    assert "乙" in table.attrs["skipped"] and "乙" not in set(table["institution"])
    with pytest.raises(AnalysisError, match="no group has a pair.*min_freq=9.*lower 'min_freq'"), \
            warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        cowords(docs, min_freq=9)


def test_stability_is_high_for_edges_every_document_holds():
    common = ["疫情 防控 学生", "教学 课程", "疫情 防控", "教学 课程 线上"]
    fragile = ["党员 先锋\n党员 先锋\n党员 先锋\n党员 先锋"]  # one document only
    docs = _docs(["\n".join(common)] * 12 + fragile + ["会议 召开"] * 3)
    table = cowords(docs, min_freq=3, n_boot=50, top_n=5, random_state=3)
    edges = _edges(table)
    assert edges[frozenset(("疫情", "防控"))].stability == 1.0
    assert edges[frozenset(("党员", "先锋"))].stability < 0.9
    again = cowords(docs, min_freq=3, n_boot=50, top_n=5, random_state=3)
    pd.testing.assert_frame_equal(table, again)
    few = cowords(_docs(["\n".join(common)] * 3), min_freq=3, n_boot=50)
    assert few.loc[few["kind"] == "edge", "stability"].isna().all()  # < 5 documents


def test_communities_split_two_separate_topics():
    docs = _docs(["\n".join(["疫情 防控 隔离"] * 3 + ["线上 教学"] * 3)])
    table = cowords(docs, min_freq=2, n_boot=0)
    nodes = table[table["kind"] == "node"].set_index("term")["community"]
    assert nodes["疫情"] == nodes["防控"] == nodes["隔离"] == 1  # the larger community first
    assert nodes["线上"] == nodes["教学"] == 2


def test_reposts_count_once():
    docs = _docs(["\n".join(SENTENCES), "\n".join(SENTENCES), "疫情 学生"])
    clusters = pd.Series([0, 0, 1], index=docs["doc_id"])
    once = cowords(docs, min_freq=2, n_boot=0, clusters=clusters)
    assert once.attrs["n_units"] == {"甲": 6} and once.attrs["n_docs"] == {"甲": 2}


def test_layout_is_shared_and_labels_never_collide():
    docs = pd.concat([_docs(["\n".join(SENTENCES)] * 6),
                      _docs(["疫情 学生 线上\n疫情 学生\n线上 教学\n线上 教学"] * 6, group="乙")])
    table = cowords(docs, min_freq=2, n_boot=10)
    drawn = coword_layout(table)
    nodes = drawn[drawn["kind"] == "node"]
    assert nodes.groupby("term")[["x", "y"]].nunique().max().max() == 1  # one place a term
    assert nodes[["x", "y"]].stack().between(0, 1).all()
    fig = plot_cowords(drawn)
    assert fig.label_overlaps == 0
    titles = [ax.get_title().split("\n")[0] for ax in fig.axes if ax.get_visible()]
    assert sorted(titles) == ["乙", "甲"]


def test_the_figure_is_the_same_on_every_run():
    import io

    docs = pd.concat([_docs(["\n".join(SENTENCES)] * 6),
                      _docs(["疫情 学生 线上\n疫情 学生\n线上 教学\n线上 教学"] * 6, group="乙")])
    table = cowords(docs, min_freq=2, n_boot=10, random_state=2)
    first, second = coword_layout(table, random_state=2), coword_layout(table, random_state=2)
    pd.testing.assert_frame_equal(first, second)
    images = []
    for drawn in (first, second):
        buffer = io.BytesIO()
        plot_cowords(drawn).savefig(buffer, format="png", metadata={"Software": None})
        images.append(buffer.getvalue())
    assert images[0] == images[1]


def test_place_labels_separates_crowded_labels():
    rng = np.random.default_rng(0)
    xy = rng.normal(0.5, 0.08, (60, 2)).clip(0.1, 0.9)
    sizes = np.tile([0.09, 0.035], (60, 1))
    at, failed = place_labels(xy, sizes, priority=rng.random(60))
    assert failed == 0
    gap = np.abs(at[:, None, :] - at[None, :, :]) - (sizes[:, None, :] + sizes[None, :, :]) / 2
    overlap = (gap[..., 0] < -1e-9) & (gap[..., 1] < -1e-9)
    assert not overlap[~np.eye(60, dtype=bool)].any()


def test_methods_text_in_both_languages():
    record = {"unit": "document", "measure": "ochiai", "top_n": 40, "min_freq": 3,
              "n_boot": 50, "max_terms": 120}
    en, zh = methods_text(record, "en"), methods_text(record, "zh")
    assert "same document" in en and "Ochiai" in en and "50 bootstrap" in en and "Louvain" in en
    assert "同篇文档" in zh and "Ochiai" in zh and "50次" in zh


@pytest.mark.slow
@pytest.mark.parametrize("corpus, params", [
    (SEEDS_DIR, {}),
    (FIXTURES / "mini_corpus", {"unit": "document", "edge_weight": "ochiai", "top_n": 6,
                                "min_freq": 2, "n_boot": 20, "random_state": 3,
                                "formats": ["png"]}),
])
def test_notebook_writes_nodes_and_edges_with_positions(tmp_path, corpus, params):
    from analysis.run.runner import run_notebooks

    results = run_notebooks(params={"corpus_dir": str(corpus), **params}, output_dir=tmp_path,
                            only=["09"], progress=False)
    assert results[0].status == "ok", results[0].error
    data = pd.read_csv(tmp_path / "09_cowords.csv")
    assert set(data["kind"]) == {"node", "edge"}
    nodes, edges = data[data["kind"] == "node"], data[data["kind"] == "edge"]
    assert nodes[["x", "y"]].notna().all().all() and nodes["community"].notna().all()
    column = {"jaccard": "jaccard", "ochiai": "ochiai"}[params.get("edge_weight", "jaccard")]
    np.testing.assert_allclose(edges["weight"], edges[column])
    assert (edges.groupby("institution").size() <= params.get("top_n", 30)).all()
    assert (edges["n_units"] >= params.get("min_freq", 5)).all()
    ends = set(edges["source"]) | set(edges["target"])
    assert ends == set(nodes["term"])
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert "09_cowords.png" in manifest["09_cowords"]["files"]


@pytest.mark.slow
def test_shared_corpus_networks(shared_corpus, tmp_path):
    from analysis import Study

    study = Study(shared_corpus, cache_dir=tmp_path / "cache", output_dir=tmp_path)
    network = study.run(cowords, tokens=True, reposts_once=True, top_n=30)
    assert len(network.attrs["groups"]) == 13 and not network.attrs["skipped"]
    edges = _edges(network, "西北农林科技大学")
    assert edges[frozenset(("不忘初心", "牢记使命"))].stability >= 0.9
    fig = plot_cowords(coword_layout(network, groups=study.groups_by_size))
    assert fig.label_overlaps == 0 and len([a for a in fig.axes if a.get_visible()]) == 12
