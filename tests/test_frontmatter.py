"""Front matter: libyaml's parser reads every block as PyYAML's pure-Python SafeLoader does."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml

from analysis.corpus import frontmatter
from analysis.corpus.frontmatter import split_front_matter
from analysis.corpus.textio import decode_bytes, normalize_text

needs_libyaml = pytest.mark.skipif(not getattr(yaml, "__with_libyaml__", False),
                                   reason="PyYAML was built without libyaml")

BLOCKS = {
    "hexo": ("---\ntitle: 南开大学->我校召开会议 | nankai.info\ndate: 2020-02-12 15:44:54\n"
             "tags:\n- 新闻\n- 疫情\n---\n正文。\n"),
    "bracket title read as a list": "---\ntitle: [哈尔滨工程大学]通知\ndate: 2020-03-01\n---\n正文\n",
    "invalid (line 3)": "---\ntitle: 标题\ntags: [a, b\ndate: 2020-01-01\n---\n正文\n",
    "bad indentation": "---\ntitle: 标题\n  date: 2020-01-01\n---\n正文\n",
    "not a mapping": "---\n- 一\n- 二\n---\n正文\n",
    "empty block": "---\n---\n正文\n",
    "quoted and numbers": "---\ntitle: '疫情: 通知'\nviews: 0x1F\nratio: 1.5e3\nok: yes\n---\n正文\n",
}


def _with_loader(monkeypatch, loader, text):
    monkeypatch.setattr(frontmatter, "SAFE_LOADER", loader)
    fm = split_front_matter(text)
    return fm.fields, fm.warnings, fm.body, fm.present


@needs_libyaml
@pytest.mark.parametrize("name", list(BLOCKS))
def test_libyaml_reads_as_the_python_loader(monkeypatch, name):
    fast = _with_loader(monkeypatch, yaml.CSafeLoader, BLOCKS[name])
    slow = _with_loader(monkeypatch, yaml.SafeLoader, BLOCKS[name])
    assert fast == slow
    assert repr(fast) == repr(slow)  # same types (dates, ints), not only equal values


def test_fields_warnings_and_body():
    fm = split_front_matter(BLOCKS["hexo"])
    assert fm.fields == {"title": "南开大学->我校召开会议 | nankai.info",
                         "date": dt.datetime(2020, 2, 12, 15, 44, 54), "tags": ["新闻", "疫情"]}
    assert (fm.body, fm.present, fm.warnings) == ("正文。\n", True, [])
    bad = split_front_matter(BLOCKS["invalid (line 3)"])
    assert bad.warnings == ["invalid YAML front matter (line 4): read line by line instead"]
    assert bad.fields == {"title": "标题", "tags": "[a, b", "date": "2020-01-01"}
    listed = split_front_matter(BLOCKS["not a mapping"])
    assert listed.warnings == ["front matter is not a mapping: read line by line instead"]
    assert split_front_matter("正文").present is False


@needs_libyaml
@pytest.mark.shared
def test_libyaml_on_every_shared_front_matter(shared_corpus):
    texts = [normalize_text(decode_bytes(p.read_bytes()).text)
             for p in sorted(shared_corpus.rglob("*.md"))]
    blocks = [frontmatter._FENCE.match(t) for t in texts]
    blocks = [m.group(1) or "" for m in blocks if m]
    assert len(blocks) == 4730

    def read(loader, block):
        try:
            return repr(yaml.load(block, Loader=loader))  # noqa: S506 (safe loaders)
        except yaml.YAMLError as err:
            return f"error at line {err.problem_mark.line}"

    slow = [read(yaml.SafeLoader, b) for b in blocks]  # the pure-Python parse, once
    differ = [b for b, want in zip(blocks, slow) if read(yaml.CSafeLoader, b) != want]
    assert differ == []
    assert sum(got.startswith("error") for got in slow) == 2
