"""Bad and unusual input: every file is loaded or reported with a reason."""

from __future__ import annotations

import codecs
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from analysis import CorpusError, load_corpus
from analysis.core.config import PROJ_ROOT

GOOD = "标题一行\n\n2020年2月16日\n\n第一段正文，南开大学召开会议。\n第二段正文。\n"


def _write(folder: Path, name: str, data: bytes | str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def _report_for(folder: Path, name: str, data: bytes | str, **kwargs) -> pd.Series:
    _write(folder, "ok.txt", GOOD)
    _write(folder, name, data)
    _, report = load_corpus(folder, return_report=True, **kwargs)
    return report.set_index("path").loc[name]


@pytest.mark.parametrize("name, data, reason", [
    ("empty.txt", b"", "empty file"),
    ("blank.txt", " \n\u3000\n\t\n", "whitespace only"),
    ("binary.txt", b"abc\x00\x01\x02def", "binary file (NUL bytes)"),
    ("bad.txt", b"\xff\xfe\xfa" * 0 + b"\x80\x81\xfe\xff\x80" * 3, "undecodable bytes (not UTF-8, UTF-16 or GB18030)"),
    ("photo.jpg", b"\xff\xd8\xff\xe0", "unsupported file type '.jpg'"),
    ("paper.pdf", b"%PDF-1.4", "unsupported file type '.pdf'"),
    ("notes.docx", b"PK\x03\x04", "unsupported file type '.docx'"),
    (".hidden.txt", GOOD, "hidden file"),
    ("fm_only.md", "---\ntitle: 只有标题\ndate: 2020-01-01\n---\n\n", "front matter with no body"),
])
def test_bad_input_is_reported(tmp_path, name, data, reason):
    row = _report_for(tmp_path, name, data)
    assert row["status"] == "skipped"
    assert row["reason"].startswith(reason)


def test_too_large_file_is_skipped_with_sizes(tmp_path):
    row = _report_for(tmp_path, "big.txt", GOOD * 50, max_bytes=1000)
    assert row["status"] == "skipped"
    assert row["reason"] == f"too large ({len((GOOD * 50).encode())} bytes > max_bytes=1000)"


@pytest.mark.parametrize("encoding, prefix", [
    ("utf-8", b""), ("utf-8", codecs.BOM_UTF8), ("gb18030", b""), ("gbk", b""),
    ("utf-16-le", codecs.BOM_UTF16_LE), ("utf-16-be", codecs.BOM_UTF16_BE),
])
def test_encodings_decode_to_the_same_text(tmp_path, encoding, prefix):
    _write(tmp_path, "doc.txt", prefix + GOOD.replace("\n", "\r\n").encode(encoding))
    docs = load_corpus(tmp_path)
    assert docs.loc[0, "text"] == "第一段正文，南开大学召开会议。\n第二段正文。"
    assert docs.loc[0, "date"] == pd.Timestamp("2020-02-16")
    assert docs.loc[0, "institution"] == "南开大学"


def test_truncated_multibyte_character_at_end(tmp_path):
    _write(tmp_path, "cut.txt", GOOD.encode("utf-8") + "疫".encode("utf-8")[:2])
    docs, report = load_corpus(tmp_path, return_report=True)
    assert docs.loc[0, "text"].endswith("第二段正文。")
    assert "truncated multibyte character" in report.loc[0, "warnings"]


def test_spaces_nbsp_and_fullwidth_are_normalised(tmp_path):
    _write(tmp_path, "sp.txt", "标题\n\n正文\u00a0有\u3000空格,以及(括号)和ＡＢＣ１２３。\n")
    assert load_corpus(tmp_path).loc[0, "text"] == "正文 有 空格，以及（括号）和ABC123。"


def test_invalid_yaml_falls_back_with_warning(tmp_path):
    text = "---\ntitle: [南开大学]标题: 冒号 | nankai.info\ndate: 2019-05-01 10:00:00\n---\n\n正文一句。\n"
    row = _report_for(tmp_path, "yaml.md", text)
    assert row["status"] == "loaded" and "invalid YAML front matter" in row["warnings"]
    docs = load_corpus(tmp_path).set_index("doc_id")
    assert docs.loc["yaml", "institution"] == "南开大学"
    assert docs.loc["yaml", "date"] == pd.Timestamp("2019-05-01 10:00:00")


def test_names_with_spaces_and_chinese_and_subfolders(tmp_path):
    _write(tmp_path, "子 目录/新闻 稿 一.txt", GOOD)
    _write(tmp_path, "a/b/c.md", GOOD)
    docs = load_corpus(tmp_path).set_index("doc_id")
    assert docs.loc["新闻 稿 一", "path"] == "子 目录/新闻 稿 一.txt"
    assert docs.loc["c", "path"] == "a/b/c.md"


def test_duplicate_stems_get_path_ids(tmp_path):
    _write(tmp_path, "x/doc.txt", GOOD)
    _write(tmp_path, "y/doc.txt", GOOD.replace("第二段", "另一段"))
    assert sorted(load_corpus(tmp_path)["doc_id"]) == ["x/doc", "y/doc"]


def test_exact_duplicates_are_marked_not_dropped(tmp_path):
    _write(tmp_path, "a.txt", GOOD)
    _write(tmp_path, "b.txt", GOOD.replace("2020年2月16日", "2020年2月18日"))
    docs = load_corpus(tmp_path).set_index("doc_id")
    assert pd.isna(docs.loc["a", "duplicate_of"]) and docs.loc["b", "duplicate_of"] == "a"


def test_missing_source_names_what_was_looked_for(tmp_path):
    with pytest.raises(CorpusError, match=r"does not exist .*expected a folder of \.txt"):
        load_corpus(tmp_path / "nowhere")


def test_empty_folder_says_what_was_looked_at(tmp_path):
    _write(tmp_path, "a.jpg", b"\xff\xd8")
    with pytest.raises(CorpusError, match=r"No document could be loaded .*1 files looked at .*unsupported"):
        load_corpus(tmp_path)


def test_max_bytes_is_validated(tmp_path):
    with pytest.raises(ValueError, match="The 'max_bytes' parameter of load_corpus"):
        load_corpus(tmp_path, max_bytes=0)


def test_templates_learned_per_institution(tmp_path):
    for i in range(6):
        _write(tmp_path, f"d{i}.md", f"---\ntitle: 南开大学->标题{i} | nankai.info\ndate: 2019-05-0{i + 1}\n---\n"
               f"第{i}篇正文，内容不同。\n扫码关注南开大学官方微信\n")
    docs = load_corpus(tmp_path)
    assert (docs["template_lines"] == 1).all()
    assert not docs["text"].str.contains("扫码关注").any()
    assert docs["raw_text"].str.contains("扫码关注").all()


def test_domain_mapping_is_learned(tmp_path):
    _write(tmp_path, "a.md", "---\ntitle: 南开大学->标题 | nankai.info\ndate: 2019-05-01\n---\n正文甲。\n")
    _write(tmp_path, "b.md", "---\ntitle: 无前缀的标题 | nankai.info\ndate: 2019-05-02\n---\n正文乙。\n")
    docs = load_corpus(tmp_path).set_index("doc_id")
    assert docs.loc["b", "institution"] == "南开大学"
    assert docs.loc["b", "institution_source"] == "domain"


def test_unknown_institution_and_date_are_reported(tmp_path):
    _write(tmp_path, "x.txt", "标题\n\n没有日期也没有学校的正文。\n")
    docs, report = load_corpus(tmp_path, return_report=True)
    assert pd.isna(docs.loc[0, "institution"]) and pd.isna(docs.loc[0, "date"])
    assert report.loc[0, "warnings"] == "institution unknown; date unknown"


def test_sidecar_overrides_and_unmatched_rows_warn(tmp_path):
    _write(tmp_path, "a.txt", GOOD)
    _write(tmp_path, "meta.csv", "doc_id,institution,date,region\na,天津大学,2021-01-02,天津\nzzz,X大学,,\n")
    with pytest.warns(UserWarning, match=r"1 sidecar rows match no document: \['zzz'\]"):
        docs, report = load_corpus(tmp_path, metadata=tmp_path / "meta.csv", return_report=True)
    row = docs.iloc[0]
    assert (row["institution"], row["institution_source"]) == ("天津大学", "metadata")
    assert (row["date"], row["date_source"]) == (pd.Timestamp("2021-01-02"), "metadata")
    assert row["region"] == "天津"
    assert report.set_index("path").loc["meta.csv", "reason"] == "metadata sidecar (read as metadata)"


def test_sidecar_without_key_column(tmp_path):
    _write(tmp_path, "a.txt", GOOD)
    _write(tmp_path, "metadata.csv", "name,institution\na,天津大学\n")
    with pytest.raises(CorpusError, match="must have a 'doc_id' or a 'path' column"):
        load_corpus(tmp_path)


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_article_tables_load_with_a_column_mapping(tmp_path, suffix):
    table = pd.DataFrame({"id": ["a1", "a2", "a3"], "正文": ["南开大学召开会议。", "天津大学发布通知。", None],
                          "标题": ["会议", "通知", "空"], "日期": ["2020年2月1日", "2020-03-05", "2020-01-01"],
                          "学校": ["南开大学", None, "南开大学"], "类型": ["news", "notice", "news"]})
    path = tmp_path / f"articles{suffix}"
    if suffix == ".csv":
        table.to_csv(path, index=False)
    elif suffix == ".jsonl":
        path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in table.to_dict("records")),
                        encoding="utf-8")
    else:
        table.to_parquet(path)
    docs, report = load_corpus(path, text_col="正文", title_col="标题", date_col="日期",
                               institution_col="学校", id_col="id", return_report=True)
    docs = docs.set_index("doc_id")
    assert list(docs.index) == ["a1", "a2"]
    assert docs.loc["a1", "institution_source"] == "metadata"
    assert docs.loc["a2", "institution"] == "天津大学" and docs.loc["a2", "institution_source"] == "body"
    assert docs.loc["a1", "date"] == pd.Timestamp("2020-02-01")
    assert docs.loc["a2", "类型"] == "notice"
    assert report.loc[0, "warnings"] == "1 rows without text skipped"


def test_table_with_wrong_text_column_is_named(tmp_path):
    pd.DataFrame({"body": ["文本"]}).to_csv(tmp_path / "t.csv", index=False)
    _write(tmp_path, "ok.txt", GOOD)
    _, report = load_corpus(tmp_path, return_report=True)
    row = report.set_index("path").loc["t.csv"]
    assert row["status"] == "skipped"
    assert "The 'text_col' parameter of load_corpus must be one of the columns ['body']; got 'text'." in row["reason"]


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "analysis", *args], capture_output=True,
                          text=True, cwd=PROJ_ROOT)


def test_cli_load_writes_both_tables(tmp_path):
    done = _cli("load", "seeds", "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "loaded 5 documents" in done.stdout
    docs = pd.read_csv(tmp_path / "documents.csv")
    assert len(docs) == 5 and {"doc_id", "institution_source", "signed_date"} <= set(docs.columns)
    assert len(pd.read_csv(tmp_path / "load_report.csv")) == 6


def test_cli_load_exit_2_with_one_line(tmp_path):
    done = _cli("load", str(tmp_path / "missing"))
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("error: The corpus source")
