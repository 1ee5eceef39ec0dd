"""Groups' names found and flagged, so that comparisons do not report them."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.core.errors import AnalysisError
from analysis.stats.aliases import (flag_aliases, flag_names, group_aliases, is_subsequence,
                                    read_aliases)
from analysis.stats.keyness import keyness
from analysis.figures import keyness_drawn

# Two universities: each writes its short form; 中医药 is a word of one name, not a name.
DOCS = pd.DataFrame({
    "doc_id": [f"d{i}" for i in range(8)],
    "institution": ["四川农业大学"] * 4 + ["上海中医药大学"] * 4,
    "region": ["西南"] * 4 + ["华东"] * 4,
    "tokens": ["川农大 川农 师生 动物 科学", "川农大 川农 动物 小麦", "川农大 动物 学生", "川农 小麦 动物",
               "中医药 上海 中医药 学生 上海大学", "中医药 上海 治疗 上中医 上中医大学",
               "中医药 治疗 上中医 护理 上中医大学", "中医药 上中医 护理 上海 上中医大学"],
})


def test_short_forms_are_found_and_words_of_the_name_are_not():
    table = group_aliases(DOCS)
    found = table.groupby("institution")["alias"].apply(set).to_dict()
    assert found["四川农业大学"] == {"四川农业大学", "川农大", "川农"}
    # 上中医 takes characters from two words of the name; 中医药 and 上海 are words of it;
    # a short form with the label's ending is one too, a word with it (上海大学) is not
    assert found["上海中医药大学"] == {"上海中医药大学", "上中医", "上中医大学"}
    assert set(table["source"]) == {"label", "short form"}


def test_a_region_takes_its_institutions_names():
    table = group_aliases(DOCS, group_col="region")
    west = set(table.loc[table["region"] == "西南", "alias"])
    assert {"西南", "四川农业大学", "川农大", "川农"} <= west
    assert "上中医" in set(table.loc[table["region"] == "华东", "alias"])


def test_given_aliases_are_added(tmp_path):
    path = tmp_path / "aliases.yaml"
    path.write_text("四川农业大学: [SICAU, 川农人]\n", encoding="utf-8")
    table = group_aliases(DOCS, extra=read_aliases(path))
    assert {("SICAU", "given"), ("川农人", "given")} <= set(zip(table["alias"], table["source"]))
    csv = tmp_path / "aliases.csv"
    csv.write_text("group,alias\n上海中医药大学,上中医大\n", encoding="utf-8")
    assert read_aliases(csv) == {"上海中医药大学": ["上中医大"]}
    bad = tmp_path / "bad.yaml"
    bad.write_text("- 川农\n", encoding="utf-8")
    with pytest.raises(AnalysisError, match="bad.yaml: must map each group"):
        read_aliases(bad)


def test_keyness_flags_names_and_the_figure_leaves_them_out():
    table = keyness(DOCS, group_col="institution", min_freq=2, alpha=0.99)
    flagged = table.loc[table["alias"], "term"].tolist()
    assert {"川农大", "川农", "上中医"} <= set(flagged)
    drawn = keyness_drawn(table, n=10, min_docs=1, significant_only=False)
    assert not set(drawn["term"]) & {"川农大", "川农", "上中医"}
    kept = keyness_drawn(table, n=10, min_docs=1, significant_only=False, keep_aliases=True)
    assert "川农大" in set(kept["term"])


def test_flag_helpers():
    assert is_subsequence("哈工程", "哈尔滨工程大学") and not is_subsequence("工哈", "哈尔滨工程大学")
    table = pd.DataFrame({"term": ["川农", "动物"]})
    out = flag_aliases(table, pd.DataFrame({"alias": ["川农"]}))
    assert out["alias"].tolist() == [True, False]
    named = flag_names(pd.DataFrame({"term": ["北京", "防控", "王明玉"]}))
    assert named["name"].tolist()[:2] == [True, False]  # 北京: ns
