"""The term explorer: its tables against the statistics, its page offline, safe and in a browser.

The corpus is nine short documents of three groups whose counts can be read
off by hand; ``j3`` and ``y3`` are one notice reposted by two groups. The
browser tests open the page in headless Chromium (Debian's ``chromium`` and
``chromium-driver``) through selenium and are skipped, saying how to enable
them, where those are missing.
"""

from __future__ import annotations

import base64
import html
import io
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.core.errors import AnalysisError
from analysis.figures.explorer import (
    explorer_data,
    explorer_html,
    methods_text,
    save_explorer,
    show_explorer,
)
from analysis.stats.counts import term_counts
from analysis.stats.keyness import keyness
from analysis.stats.kwic import kwic
from analysis.stats.timeline import keyword_timeline

from .conftest import FIXTURES

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
HOW_TO_ENABLE = ("install Debian's chromium and chromium-driver (apt-get install -y chromium "
                 "chromium-driver, as .ci/run does) and selenium (pip install -e '.[test]')")
WORDS = {  # doc: (group, date, words); a document's text is its words joined by '，'
    "j1": ("甲大学", "2020-01-06", ["停课不停学"] * 3 + ["线上教学", "学生"]),
    "j2": ("甲大学", "2020-01-13", ["停课不停学"] * 2 + ["线上教学", "学生"]),
    "j3": ("甲大学", "2020-01-20", ["停课不停学", "学生", "教师"]),
    "j4": ("甲大学", "2020-02-03", ["停课不停学", "学生"]),
    "y1": ("乙大学", "2020-01-07", ["复工复产"] * 2 + ["学生", "教师"]),
    "y2": ("乙大学", "2020-01-14", ["复工复产", "教师", "线上教学"]),
    "y3": ("乙大学", "2020-01-21", ["停课不停学", "学生", "教师"]),
    "b1": ("丙学院", "2020-01-08", ["学生", "教师", "复工复产"]),
    "b2": ("丙学院", "2020-02-04", ["学生"] * 3 + ["线上教学"]),
}
REPOSTS = {"j3": "c1", "y3": "c1"}  # near-duplicate clusters: j3 and y3 are one notice
EVIL = ('<script>window.__pwned = 1</script>停课不停学</script><img src=x '
        'onerror="window.__pwned = 2"><!-- ')


def _corpus(extra: dict | None = None) -> pd.DataFrame:
    rows = []
    for doc, (group, day, words) in {**WORDS, **(extra or {})}.items():
        rows.append({"doc_id": doc, "institution": group, "date": pd.Timestamp(day),
                     "title": f"{group}新闻{doc}", "url": f"https://news.example.edu.cn/{doc}.html",
                     "text": "，".join(words) + "。", "tokens": " ".join(words)})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def corpus():
    docs = _corpus()
    return docs, term_counts(docs)


@pytest.fixture(scope="module")
def clusters(corpus):
    docs, _ = corpus
    return pd.Series([REPOSTS.get(d, d) for d in docs["doc_id"]], index=docs["doc_id"])


@pytest.fixture(scope="module")
def data(corpus, clusters):
    docs, counts = corpus
    return explorer_data(docs, counts, clusters=clusters, min_freq=2, freq="W")


@pytest.fixture(scope="module")
def page(data):
    return explorer_html(data, corpus={"n_docs": 9, "sha256": "ab" * 32}, title="测试")


def _bulk(page: str) -> dict:
    packed = re.search(r'id="explorer-data">([^<]*)</script>', page).group(1)
    return json.loads(zlib.decompress(base64.b64decode(packed)))


# -- the tables ---------------------------------------------------------------

def test_points_are_the_keyness_rows_of_each_view(corpus, data):
    docs, counts = corpus
    points = data["points"]
    cols = ["term", "freq_target", "freq_reference", "g2", "log_ratio", "q_value", "significant"]
    rest = keyness(docs, counts, min_freq=2)
    for group in ("丙学院", "乙大学", "甲大学"):
        got = points[(points["institution"] == group) & (points["reference"] == "rest")]
        want = rest[rest["institution"] == group]
        assert len(got) == len(want) <= 2000  # every tested term fits in a view here
        pd.testing.assert_frame_equal(got.sort_values("term")[cols].reset_index(drop=True),
                                      want.sort_values("term")[cols].reset_index(drop=True))
    pair = points[(points["institution"] == "乙大学") & (points["reference"] == "甲大学")]
    want = keyness(docs, counts, target="乙大学", reference="甲大学", min_freq=2)
    pd.testing.assert_frame_equal(pair.sort_values("term")[cols].reset_index(drop=True),
                                  want.sort_values("term")[cols].reset_index(drop=True))


def test_a_pair_is_stored_once_and_reads_both_ways(corpus, data):
    docs, counts = corpus
    views = set(map(tuple, data["points"][["institution", "reference"]].drop_duplicates()
                    .to_numpy().tolist()))
    assert views == {(g, "rest") for g in ("丙学院", "乙大学", "甲大学")} | {
        ("丙学院", "乙大学"), ("丙学院", "甲大学"), ("乙大学", "甲大学")}
    stored = keyness(docs, counts, target="乙大学", reference="甲大学", min_freq=2)
    swapped = keyness(docs, counts, target="甲大学", reference="乙大学", min_freq=2)
    both = stored.merge(swapped, on="term", suffixes=("", "_swapped"))
    assert len(both) == len(stored) == len(swapped)
    np.testing.assert_allclose(both["g2"], both["g2_swapped"], rtol=1e-12)
    np.testing.assert_allclose(both["q_value"], both["q_value_swapped"], rtol=1e-12)
    np.testing.assert_allclose(both["log_ratio"], -both["log_ratio_swapped"], rtol=1e-12)


def test_every_view_is_keyness_on_its_part_with_reposts_counted_there(corpus):
    docs, counts = corpus
    # j2 and b1 are one notice too: 甲 serves it first, so 丙 holds it only where 甲 is left out
    clusters = pd.Series({**{d: d for d in docs["doc_id"]}, **REPOSTS, "j2": "c2", "b1": "c2"})
    points = explorer_data(docs, counts, clusters=clusters, min_freq=2)["points"]
    groups = sorted(docs["institution"].unique())
    cols = ["term", "freq_target", "freq_reference", "total_target", "total_reference", "g2",
            "log_ratio", "p_value", "q_value", "direction", "significant", "n_docs", "dp",
            "alias"]
    for i, ref in enumerate([None, *groups[1:]]):
        part = docs if ref is None else docs[docs["institution"].isin(groups[:i + 1])]
        want = keyness(part, counts, reference=ref, min_freq=2, clusters=clusters)
        for target, rows in want.groupby("institution"):
            got = points[(points["institution"] == target)
                         & (points["reference"] == (ref or "rest"))]
            pd.testing.assert_frame_equal(got[cols].reset_index(drop=True),
                                          rows[cols].reset_index(drop=True), check_exact=True)
    xue = points[(points["institution"] == "丙学院") & (points["term"] == "学生")]
    assert xue.set_index("reference")["n_docs"].to_dict() == {"rest": 1, "乙大学": 2, "甲大学": 1}


def test_a_view_shows_the_most_frequent_half_then_the_largest_g2(corpus):
    docs, counts = corpus
    points = explorer_data(docs, counts, min_freq=2, max_terms=2)["points"]
    jia = points[(points["institution"] == "甲大学") & (points["reference"] == "rest")]
    # 学生 occurs 9 times in all, the most; of the others 停课不停学 (7 here, 1 elsewhere)
    # has the largest G2
    assert dict(zip(jia["term"], jia["shown_as"])) == {"学生": "frequent",
                                                       "停课不停学": "distinctive"}


def test_terms_table_counts_documents_and_dispersion_per_group(data):
    terms = data["terms"].set_index(["institution", "term"])
    assert terms.loc[("甲大学", "停课不停学"), "count"] == 7
    assert terms.loc[("甲大学", "停课不停学"), "total"] == 8
    assert terms.loc[("甲大学", "停课不停学"), "n_docs"] == 4
    # y3, 乙's only document holding it, is a repost of j3, which stands for the notice
    assert terms.loc[("乙大学", "停课不停学"), "n_docs"] == 0
    assert terms.loc[("乙大学", "停课不停学"), "count"] == 1
    assert terms.loc[("丙学院", "停课不停学"), "count"] == 0
    assert np.isnan(terms.loc[("丙学院", "停课不停学"), "dp"])
    assert data["groups"].set_index("institution")["n_docs"].to_dict() == {
        "丙学院": 2, "乙大学": 3, "甲大学": 4}


def test_lines_fold_a_repost_once_and_are_kwic_lines(corpus, data):
    docs, _ = corpus
    lines = data["lines"]
    tingke = lines[lines["term"] == "停课不停学"]
    # 甲 over-uses the term: its four documents; y3 is a copy of j3, shown once
    assert tingke["doc_id"].tolist() == ["j1", "j2", "j3", "j4"]
    by_doc = data["docs"].set_index("doc_id")
    assert by_doc.loc["j3", "copies"] == 2 and by_doc.loc["y3", "copies"] == 2
    assert by_doc.loc["j3", "cluster"] == by_doc.loc["y3", "cluster"]
    assert by_doc.loc["j1", "copies"] == 1
    for _, line in lines.iterrows():
        first = kwic(docs[docs["doc_id"] == line["doc_id"]], line["term"], window=15).iloc[0]
        assert (line["left"], line["match"], line["right"], line["offset"]) == (
            first["left"], first["match"], first["right"], first["offset"])


def test_half_the_lines_go_to_the_groups_over_using_a_term(corpus, clusters):
    docs, counts = corpus
    lines = explorer_data(docs, counts, clusters=clusters, min_freq=2, max_lines=2)["lines"]
    # one line for 甲 (over-uses it; its earliest document, j1), one for 乙 (y3: j3 not shown)
    assert lines[lines["term"] == "停课不停学"]["doc_id"].tolist() == ["j1", "y3"]
    assert lines.groupby("term").size().max() <= 2


def test_timeline_is_notebook_04s(corpus, data):
    docs, counts = corpus
    terms = sorted(data["terms"]["term"].unique())
    want = keyword_timeline(docs, counts, terms=terms, freq="W")
    hits = want[want["count"] > 0].sort_values(["institution", "term", "period"])
    got = data["timeline"].sort_values(["institution", "term", "period"])
    assert got[["institution", "term", "period", "count"]].values.tolist() == \
        hits[["institution", "term", "period", "count"]].values.tolist()
    assert got["rate"].tolist() == hits["rate"].tolist()  # the same floats, not close ones
    bins = want.drop_duplicates(["institution", "period"]).set_index(["institution", "period"])
    mine = data["bins"].set_index(["institution", "period"])
    assert mine["n_tokens"].to_dict() == bins["n_tokens"].to_dict()
    assert mine["n_docs"].to_dict() == bins["n_docs"].to_dict()


@pytest.mark.parametrize(("option", "value", "message"), [
    ("max_terms", 1, "The 'max_terms' parameter of explorer_data must be in the range [2, "),
    ("max_lines", -1, "The 'max_lines' parameter of explorer_data"),
    ("freq", "H", "The 'freq' parameter of explorer_data"),
    ("group_col", "region", "'group_col'"),
])
def test_options_are_checked_before_any_work(corpus, option, value, message):
    docs, counts = corpus
    with pytest.raises(AnalysisError, match=re.escape(message)):
        explorer_data(docs, counts, **{option: value})


# -- the page -----------------------------------------------------------------

def test_page_is_one_offline_file(page):
    assert page.startswith("<!DOCTYPE html>")
    assert "default-src 'none'" in page  # no request can leave the page
    assert not re.search(r"<(link|img|iframe)\b", page)
    assert not re.search(r"""\bsrc\s*=\s*["']?(https?:)?//""", page)
    assert "data:font/woff;base64," in page
    bulk = _bulk(page)
    assert bulk["groups"] == ["丙学院", "乙大学", "甲大学"]
    assert "停课不停学" in bulk["terms"]


def test_page_embeds_a_font_subset_covering_its_text(page):
    from fontTools.ttLib import TTFont

    blob = base64.b64decode(re.search(r"base64,([A-Za-z0-9+/=]+)\) format", page).group(1))
    font = TTFont(io.BytesIO(blob))
    assert font.flavor == "woff"
    cmap = font.getBestCmap()
    bulk = _bulk(page)
    wanted = set("".join(bulk["terms"]) + "".join(bulk["groups"]) + "".join(bulk["docs"]["title"]))
    assert {c for c in wanted if ord(c) not in cmap} == set()
    assert len(cmap) < 400  # a subset, not the 30,000 characters of Noto Sans SC


def test_page_is_byte_identical_from_the_same_tables(data, page):
    again = explorer_html(data, corpus={"n_docs": 9, "sha256": "ab" * 32}, title="测试")
    assert again == page


def test_strings_in_the_script_tag_cannot_end_it(data):
    nasty = "</script><script>alert(1)</script><!--"
    text = explorer_html(data, title=nasty, params={"note": nasty})
    meta = re.search(r'id="explorer-meta">(.*?)</script>', text, re.DOTALL).group(1)
    assert "<" not in meta and ">" not in meta
    assert json.loads(meta)["title"] == nasty
    assert f"<title>{html.escape(nasty)}</title>" in text


def test_save_writes_the_page_and_a_manifest_entry(page, tmp_path):
    (tmp_path / "manifest.json").write_text('{"other": {"files": {}}}', encoding="utf-8")
    entry = save_explorer(page, "11_explorer", output_dir=tmp_path,
                          params={"corpus_dir": "x", "min_freq": 2, "output_dir": tmp_path},
                          corpus={"n_docs": 9})
    first = (tmp_path / "11_explorer.html").read_bytes()
    assert first == page.encode("utf-8")
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest) == {"other", "11_explorer"}
    assert manifest["11_explorer"] == entry
    assert entry["params"] == {"corpus_dir": "x", "min_freq": 2}  # output_dir: not recorded
    assert entry["corpus"] == {"n_docs": 9} and "fonttools" in entry["versions"]
    import hashlib

    assert entry["files"] == {"11_explorer.html": hashlib.sha256(first).hexdigest()}
    save_explorer(page, "11_explorer", output_dir=tmp_path, corpus={"n_docs": 9},
                  params={"corpus_dir": "x", "min_freq": 2})
    assert (tmp_path / "11_explorer.html").read_bytes() == first
    with pytest.raises(AnalysisError, match="'name' parameter of save_explorer"):
        save_explorer(page, "../x", output_dir=tmp_path)


def test_study_builds_the_page_once_per_content(data, tmp_path, monkeypatch):
    """A rerun from the same tables reads the saved page; new tables build it again."""
    from analysis import Study
    from analysis.core.config import SEEDS_DIR
    from analysis.run import study as study_module

    study = Study(SEEDS_DIR, output_dir=tmp_path, formats=["png"], cache_dir=tmp_path / "c")
    built = []
    real = study_module.explorer_html

    def counting(*args, **kwargs):
        built.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(study_module, "explorer_html", counting)
    first = study.explorer(data, "demo")
    entry = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))["demo"]
    again = study.explorer(data, "demo")
    assert len(built) == 1 and again.data == first.data and entry["key"]
    changed = {**data, "points": data["points"].iloc[:-1]}
    study.explorer(changed, "demo")
    assert len(built) == 2
    (tmp_path / "demo.html").write_text("<!DOCTYPE html>damaged", encoding="utf-8")
    study.explorer(changed, "demo")  # a damaged file is built again, not shown
    assert len(built) == 3
    with pytest.raises(AnalysisError, match="'data' parameter of Study.explorer"):
        study.explorer(data["points"], "demo")


def test_inline_view_is_a_sandboxed_frame(page):
    shown = show_explorer(page, path="figures/11_explorer.html").data
    assert shown.startswith('<iframe class="analysis-explorer"')
    assert 'sandbox="allow-scripts allow-popups allow-popups-to-escape-sandbox"' in shown
    frame = re.search(r'srcdoc="([^"]*)"', shown).group(1)
    assert "<" not in frame and html.unescape(frame) == page


def test_methods_text_in_both_languages():
    record = {"max_terms": 2000, "max_lines": 10, "window": 15}
    assert "up to 2,000 terms" in methods_text(record, "en")
    assert "至多2000个术语" in methods_text(record, "zh")


# -- in a browser ---------------------------------------------------------------

@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """Headless Chromium driven by selenium, or skip saying how to enable it."""
    if not (CHROMIUM.is_file() and CHROMEDRIVER.exists()):
        pytest.skip(f"no Chromium at {CHROMIUM} and {CHROMEDRIVER}: {HOW_TO_ENABLE}")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.skip(f"selenium is not installed: {HOW_TO_ENABLE}")
    os.environ["SE_AVOID_STATS"] = "true"  # selenium-manager: no network
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--window-size=1400,1000",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)),
                              options=options)
    driver.set_page_load_timeout(120)
    yield driver
    driver.quit()


def _open(driver, path: Path) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(path.as_uri())
    WebDriverWait(driver, 60).until(
        lambda d: d.execute_script("return document.body.getAttribute('data-ready')") == "true")


def _pick(driver, select_id: str, label: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    select = Select(driver.find_element(By.ID, select_id))
    value = next(o.get_attribute("value") for o in select.options
                 if o.text == label or o.text.startswith(label + " ("))
    select.select_by_value(value)


def _find_and_click(driver, term: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    box = driver.find_element(By.ID, "search")
    box.clear()
    box.send_keys(term)
    hit = WebDriverWait(driver, 10).until(
        lambda d: d.find_element(By.CSS_SELECTOR, f'#results li[data-term="{term}"]'))
    hit.click()
    WebDriverWait(driver, 10).until(
        lambda d: d.find_element(By.ID, "panel-term").text.startswith(term))


@pytest.mark.slow
def test_browser_search_click_lines_and_timeline(browser, corpus, data, page, tmp_path):
    from selenium.webdriver.common.by import By

    docs, counts = corpus
    path = tmp_path / "explorer.html"
    path.write_text(page, encoding="utf-8")
    _open(browser, path)
    _pick(browser, "target", "甲大学")
    _find_and_click(browser, "停课不停学")
    section = browser.find_element(By.CSS_SELECTOR, '#kwic section[data-group="甲大学"]')
    shown = [li.get_attribute("data-doc") for li in section.find_elements(By.CSS_SELECTOR,
                                                                          "li.line")]
    lines = data["lines"]
    assert shown == lines[(lines["term"] == "停课不停学")
                          & (lines["institution"] == "甲大学")]["doc_id"].tolist()
    j3 = section.find_element(By.CSS_SELECTOR, 'li.line[data-doc="j3"]')
    assert "reposted: 2 copies" in j3.text
    assert j3.find_element(By.CSS_SELECTOR, 'details.fold li[data-doc="y3"]')  # folded copy
    link = j3.find_element(By.CSS_SELECTOR, ".meta a")
    assert link.get_attribute("href") == "https://news.example.edu.cn/j3.html"
    assert link.text == "甲大学新闻j3"
    points = browser.find_elements(By.CSS_SELECTOR, "#timeline circle.tp.target")
    got = {(p.get_attribute("data-period"), float(p.get_attribute("data-rate")))
           for p in points}
    want = keyword_timeline(docs, counts, terms="停课不停学", freq="W")
    want = want[(want["institution"] == "甲大学") & (want["n_tokens"] > 0)]
    assert got == {(f"{p:%Y-%m-%d}", r) for p, r in zip(want["period"], want["rate"])}
    # the same term against one group: 甲大学 7, 乙大学 1
    _pick(browser, "reference", "乙大学")
    _find_and_click(browser, "停课不停学")
    stats = browser.find_element(By.CSS_SELECTOR, "#panel table.stats").text
    assert "甲大学 7 (" in stats and "乙大学 1 (" in stats
    assert browser.find_element(By.CSS_SELECTOR, '#scatter .pt[data-term="停课不停学"]')


@pytest.mark.slow
def test_browser_a_script_in_a_document_shows_as_text(browser, tmp_path):
    from selenium.webdriver.common.by import By

    docs = _corpus({"y4": ("乙大学", "2020-01-28", ["停课不停学", "学生"])})
    evil = docs["doc_id"] == "y4"
    docs.loc[evil, "text"] = EVIL
    docs.loc[evil, "title"] = "<script>window.__pwned = 3</script><b>标题</b>"
    docs.loc[evil, "url"] = "javascript:window.__pwned = 4"
    data = explorer_data(docs, term_counts(docs), min_freq=2, freq="W")
    path = tmp_path / "evil.html"
    path.write_text(explorer_html(data, title="<script>window.__pwned = 5</script>"),
                    encoding="utf-8")
    _open(browser, path)
    _pick(browser, "target", "乙大学")
    _find_and_click(browser, "停课不停学")
    line = browser.find_element(By.CSS_SELECTOR, 'li.line[data-doc="y4"]')
    at = EVIL.index("停课不停学")  # 15 characters each side, as text
    assert EVIL[at - 15:at + 20] in line.text and "</script>停课不停学</script><img" in line.text
    assert "<b>标题</b>" in line.text
    assert not line.find_elements(By.CSS_SELECTOR, "a")  # javascript: is no link
    assert browser.execute_script("return typeof window.__pwned") == "undefined"
    assert not browser.find_elements(By.CSS_SELECTOR, "#app script, #app img, #app b")
    assert browser.title == "<script>window.__pwned = 5</script>"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_jupyterlab_shows_the_explorer_of_the_executed_notebook(browser, tmp_path):
    """The runner's executed notebook, opened in JupyterLab itself: the explorer is in it."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from analysis.run.runner import run_notebooks

    out = tmp_path / "out"
    result, = run_notebooks(params={"corpus_dir": str(FIXTURES / "mini_corpus"), "min_freq": 2,
                                    "formats": ["png"], "cache_dir": str(tmp_path / "cache")},
                            output_dir=out, only=["11_explorer"], progress=False)
    assert result.status == "ok", result.error
    assert (out / "11_explorer.html").is_file()
    root = tmp_path / "lab"
    root.mkdir()
    shutil.copy(out / "notebooks" / "11_explorer.ipynb", root / "11_explorer.ipynb")
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
           "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
           "JUPYTER_DATA_DIR": str(tmp_path / "data")}
    # outputs made in one's own session are trusted; the runner's file is signed as such
    subprocess.run([sys.executable, "-m", "jupyter", "trust", str(root / "11_explorer.ipynb")],
                   env=env, check=True, capture_output=True, timeout=120)
    port, token = _free_port(), secrets.token_hex(16)
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
         "--ServerApp.port_retries=0", "--LabApp.news_url=",
         *(["--allow-root"] if os.geteuid() == 0 else [])],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}/lab/tree/11_explorer.ipynb?token={token}"
        deadline = time.monotonic() + 90
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail("JupyterLab did not start within 90 s")
                time.sleep(0.5)
        browser.get(url)
        frame = WebDriverWait(browser, 180).until(
            lambda d: d.find_element(By.CSS_SELECTOR, "iframe.analysis-explorer"))
        browser.switch_to.frame(frame)
        WebDriverWait(browser, 60).until(lambda d: d.execute_script(
            "return document.body.getAttribute('data-ready')") == "true")
        assert len(browser.find_elements(By.CSS_SELECTOR, "#scatter .pt")) > 10
        groups = [o.text for o in browser.find_elements(By.CSS_SELECTOR, "#target option")]
        assert {g.split(" (")[0] for g in groups} == {"丙学院", "乙大学", "甲大学"}
    finally:
        browser.switch_to.default_content()
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
