"""The loader on 4,730 real posts (skipped cleanly when ../shared is absent)."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import load_corpus

pytestmark = pytest.mark.shared


@pytest.fixture(scope="module")
def loaded(shared_corpus):
    docs, report = load_corpus(shared_corpus, return_report=True)
    manifest = pd.read_csv(shared_corpus / "manifest.tsv", sep="\t", dtype=str)
    return docs, report, manifest


def test_every_file_is_accounted_for(loaded, shared_corpus):
    docs, report, manifest = loaded
    on_disk = sorted(p.relative_to(shared_corpus).as_posix()
                     for p in shared_corpus.rglob("*") if p.is_file())
    assert sorted(report["path"]) == on_disk
    assert set(manifest["file"]) <= set(report["path"])
    assert (report["status"] == "loaded").sum() == len(docs)
    assert report.loc[report["status"] == "skipped", "reason"].str.len().gt(0).all()


def test_institution_and_date_agree_with_manifest(loaded):
    docs, _, manifest = loaded
    joined = docs.merge(manifest, left_on="path", right_on="file", suffixes=("", "_manifest"))
    assert len(joined) >= 0.99 * len(manifest)
    assert (joined["institution"] == joined["institution_manifest"]).mean() >= 0.99
    assert (joined["date"] == pd.to_datetime(joined["date_manifest"])).mean() >= 0.99
    assert (joined["url"] == joined["source_url"]).mean() >= 0.99


def test_no_markup_left(loaded):
    docs, _, _ = loaded
    assert not docs["text"].str.contains("转入文章首发地址", regex=False).any()
    assert not docs["text"].str.contains("![", regex=False).any()
    assert not docs["text"].str.contains("<!--", regex=False).any()


INVALID_YAML = {
    "cumt.com.cn/73ef52f7e0f88b4b57b6ba08e0edcf29.md": True,
    "cumt.com.cn/f1b53bf8611535bda19e4a99bb28411a.md": True,
    # "新生:  志存高远": the half-width colon after CJK becomes "：" during
    # normalisation, which makes this front matter valid YAML.
    "sufe.cc/6caad61b8fbe204a64c0639bd0997ec3.md": False,
}


def test_invalid_front_matters_are_read(loaded):
    docs, report, manifest = loaded
    rows = report.set_index("path").loc[list(INVALID_YAML)]
    assert (rows["status"] == "loaded").all()
    warned = rows["warnings"].str.contains("invalid YAML front matter").tolist()
    assert warned == list(INVALID_YAML.values())
    got = docs.set_index("path").loc[list(INVALID_YAML), ["institution", "date"]]
    want = manifest.set_index("file").loc[list(INVALID_YAML), ["institution", "date"]]
    assert got["institution"].tolist() == want["institution"].tolist()
    assert got["date"].tolist() == pd.to_datetime(want["date"]).tolist()
