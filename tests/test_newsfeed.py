"""A corpus of another shape, end to end: one CSV of news from 108 sources.

The aggregator's column names (``content``, ``headline``, ``published`` in epoch
milliseconds, ``source``, ``id``) are mapped on the command line; every notebook
runs with no other step; every figure stays within a page however many groups
there are; English sources do not fill the figures with function words.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pandas as pd
import pytest
from PIL import Image

from analysis.core.config import PROJ_ROOT
from analysis.figures.style import DOUBLE_COLUMN, MAX_GROUPS, PAGE_HEIGHT
from benchmarks.newsfeed import write_newsfeed

from .test_notebooks import FIGURES

pytestmark = pytest.mark.slow

DPI = 300
MAPPING = ["--text-col", "content", "--title-col", "headline", "--date-col", "published",
           "--date-format", "epoch_ms", "--institution-col", "source", "--id-col", "id"]


@pytest.fixture(scope="module")
def news_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("news")
    csv = write_newsfeed(folder / "news.csv", n_rows=600, n_sources=108, n_english=4)
    out = folder / "figures"
    proc = subprocess.run(
        [sys.executable, "-m", "analysis", "run", "--corpus", str(csv), "--out", str(out),
         "--cache-dir", str(folder / "cache"), *MAPPING, "-p", "formats=[png, svg]",
         "--no-progress"],
        cwd=PROJ_ROOT, capture_output=True, text=True, timeout=1800,
        env={**os.environ, "PYTHONWARNINGS": "ignore"})
    return csv, out, proc


def test_every_notebook_runs_on_the_mapped_csv(news_run):
    _, out, proc = news_run
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    for book, names in FIGURES.items():
        assert "ok" in next(line for line in proc.stdout.splitlines() if line.startswith(book))
        for name in names:
            assert (out / f"{name}.png").is_file() and (out / f"{name}.svg").is_file(), name


def test_figures_stay_within_a_page(news_run):
    _, out, _ = news_run
    width, height = round(DOUBLE_COLUMN * DPI) + 2, round(PAGE_HEIGHT * DPI) + 2
    sizes = {}
    for png in sorted(out.glob("*.png")):
        w, h = Image.open(png).size
        sizes[png.stem] = (w, h)
        assert w <= width and h <= height, f"{png.name} is {w} x {h} px"
        assert png.stat().st_size < 6_000_000, png.name
        svg = png.with_suffix(".svg")
        assert svg.stat().st_size < 8_000_000, svg.name
    assert len(sizes) >= sum(len(v) for v in FIGURES.values())


def test_the_tables_keep_every_group_the_figures_leave_out(news_run):
    csv, out, _ = news_run
    sources = pd.read_csv(csv)["source"].nunique()
    assert sources == 108
    overview = pd.read_csv(out / "01_documents_per_period.csv")
    assert overview["institution"].nunique() == sources   # the mapped source column
    similarity = pd.read_csv(out / "05_similarity.csv")
    assert len(similarity) == sources * (sources - 1) // 2
    assert sources > MAX_GROUPS


def test_english_function_words_are_not_terms(news_run):
    _, out, _ = news_run
    top = pd.read_csv(out / "02_top_terms.csv")
    english = {"the", "has", "will", "it", "said", "and", "of", "to", "on", "be", "was", "are"}
    assert not set(top["term"].str.lower()) & english
    assert top["term"].str.fullmatch(r"[a-z]+").any(), "English content words are kept"


def test_the_manifest_records_the_column_mapping(news_run):
    _, out, _ = news_run
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    params = manifest["02_top_terms"]["params"]
    assert params["text_col"] == "content" and params["date_format"] == "epoch_ms"
    assert manifest["02_top_terms"]["corpus"]["n_docs"] >= 500
