"""Every notebook executed through papermill, on the seeds and on a fixture corpus."""

from __future__ import annotations

import json
from pathlib import Path

import base64
import io

import nbformat
import pandas as pd
import pytest

from analysis.core.config import NOTEBOOKS_DIR
from analysis.run.runner import run_notebooks

from .conftest import FIXTURES

pytestmark = pytest.mark.slow

# notebook -> the figures it must write (each as png, svg, pdf and csv)
FIGURES = {
    "01_corpus_overview": ["01_documents_per_period"],
    "02_terms": ["02_top_terms", "02_wordclouds"],
    "03_keyness": ["03_keyness"],
    "04_timelines": ["04_timeline"],
    "05_similarity": ["05_similarity"],
    "06_phrases": ["06_phrase_diffusion"],
    "07_topics": ["07_topic_sweep", "07_topic_terms", "07_topic_contrasts", "07_topic_time"],
    "08_collocations": ["08_collocations"],
    "09_cowords": ["09_cowords"],
    "10_dictionary": ["10_category_rates", "10_category_periods"],
    "11_explorer": [],  # writes a page, not a figure: PAGES
}
# notebook -> the other files it must write, each with a manifest entry
PAGES = {"11_explorer": ["11_explorer.html"]}
PRESENT = [b.stem for b in sorted(NOTEBOOKS_DIR.glob("*.ipynb"))]
MINI = FIXTURES / "mini_corpus"


def _run(out: Path, params: dict) -> dict[str, object]:
    results = run_notebooks(params=params, output_dir=out, progress=False)
    return {r.notebook: r for r in results}


@pytest.fixture(scope="module")
def seed_run(tmp_path_factory):
    """The notebooks on the seeds with the parameters `make figures` uses."""
    import yaml

    from analysis.core.config import PROJ_ROOT

    params = yaml.safe_load((NOTEBOOKS_DIR / "params" / "seeds.yaml").read_text(encoding="utf-8"))
    params["corpus_dir"] = str(PROJ_ROOT / params["corpus_dir"])
    out = tmp_path_factory.mktemp("seed_figures")
    return out, _run(out, params)


@pytest.fixture(scope="module")
def mini_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("mini_figures")
    params = {"corpus_dir": str(MINI), "freq": "W", "top_n": 5, "min_freq": 2,
              "kwic_term": "停课不停学", "random_state": 7, "formats": ["png", "svg"],
              "date_from": "2020-01-01", "date_to": "2020-06-30"}
    return out, _run(out, params)


def test_known_notebooks_are_listed():
    assert set(PRESENT) <= set(FIGURES), f"add the figures of {set(PRESENT) - set(FIGURES)} here"


@pytest.mark.parametrize("book", PRESENT)
def test_seed_run_writes_every_figure(seed_run, book):
    out, results = seed_run
    assert results[book].status == "ok", results[book].error
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    for name in FIGURES[book]:
        for ext in ("png", "svg", "pdf", "csv"):
            assert (out / f"{name}.{ext}").stat().st_size > 0, f"{name}.{ext}"
        assert manifest[name]["corpus"]["n_docs"] >= 4
    assert (out / "notebooks" / f"{book}.ipynb").is_file()


@pytest.mark.parametrize("book", PRESENT)
def test_mini_run_with_other_parameters(mini_run, book):
    out, results = mini_run
    assert results[book].status == "ok", results[book].error
    for name in FIGURES[book]:
        assert (out / f"{name}.png").is_file() and (out / f"{name}.svg").is_file()
        assert not (out / f"{name}.pdf").exists(), "formats=['png', 'svg'] must skip pdf"


@pytest.mark.parametrize("book", sorted(PAGES))
def test_runs_write_every_page_with_its_manifest_entry(seed_run, mini_run, book):
    for out, results in (seed_run, mini_run):
        assert results[book].status == "ok", results[book].error
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        for file in PAGES[book]:
            name = Path(file).stem
            assert (out / file).stat().st_size > 0, file
            assert file in manifest[name]["files"] and manifest[name]["corpus"]["n_docs"] >= 4


def test_seed_overview_counts(seed_run):
    out, _ = seed_run
    table = pd.read_csv(out / "01_documents_per_period.csv")
    assert table["n_docs"].sum() == 5
    assert table.groupby("institution")["n_docs"].sum().to_dict() == {
        "北京科技大学": 1, "南开大学": 2, "哈尔滨工程大学": 1, "大连外国语大学": 1}


def test_mini_overview_is_weekly_and_complete(mini_run):
    out, _ = mini_run
    table = pd.read_csv(out / "01_documents_per_period.csv", parse_dates=["period"])
    assert table["n_docs"].sum() == 9
    assert (table["period"].dt.day_of_week == 0).all()
    assert table.groupby("institution")["n_docs"].sum().to_dict() == {"丙学院": 3, "乙大学": 3, "甲大学": 3}
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["01_documents_per_period"]["params"]["freq"] == "W"


def test_seed_002_top_terms_quality_bar(seed_run):
    out, _ = seed_run
    top = pd.read_csv(out / "02_top_terms.csv")
    nankai = top[top["institution"] == "南开大学"]
    assert "安全" in set(nankai["term"])


def test_mini_keyness_table_has_counts_and_q_values(mini_run):
    out, _ = mini_run
    table = pd.read_csv(out / "03_keyness.csv")
    assert {"freq_target", "freq_reference", "g2", "log_ratio", "q_value"} <= set(table.columns)
    assert (table["freq_target"] + table["freq_reference"] >= 2).all()


def test_the_manifest_names_no_path_of_this_clone(seed_run):
    """Paths the runner resolved (events, corpus) are recorded relative to the project.

    The manifest and the figure keys must read the same in every clone of the
    project, or a fresh clone's seed run differs from the committed figures/.
    """
    from analysis.core.config import PROJ_ROOT

    out, _ = seed_run
    manifest = (out / "manifest.json").read_text(encoding="utf-8")
    assert str(PROJ_ROOT) not in manifest
    params = json.loads(manifest)["04_timeline"]["params"]
    assert params["events"] == "analysis/data/events/covid19-education.yaml"


def test_seed_run_reproduces_the_committed_figures_byte_for_byte(seed_run):
    """A fresh run on seeds/ gives exactly the files committed in figures/."""
    from analysis.core.config import FIGURES_DIR

    out, _ = seed_run
    committed = sorted(p.name for p in FIGURES_DIR.iterdir()
                       if p.is_file() and not p.name.startswith("."))
    assert committed, "figures/ holds no committed figure: run `make figures`"
    produced = sorted(p.name for p in out.iterdir() if p.is_file())
    assert produced == committed
    differ = [n for n in committed if (out / n).read_bytes() != (FIGURES_DIR / n).read_bytes()]
    assert not differ, f"rerun differs from figures/ in {differ}: run `make figures` and commit"


def _png_width(data: str) -> int:
    from PIL import Image

    return Image.open(io.BytesIO(base64.b64decode(data))).size[0]


@pytest.mark.parametrize("book", PRESENT)
def test_notebooks_show_only_what_their_cells_ask_for(seed_run, book):
    """No manifest dicts, no stderr, no kernel warnings; each figure inline and readable."""
    out, results = seed_run
    assert results[book].status == "ok", results[book].error
    nb = nbformat.read(out / "notebooks" / f"{book}.ipynb", as_version=4)
    images = 0
    for cell in (c for c in nb.cells if c.cell_type == "code"):
        for output in cell.outputs:
            kind = output.output_type
            assert kind != "error", output.get("evalue")
            if kind == "stream":
                assert output.name == "stdout", f"stderr in {book}: {output.text[:200]!r}"
                for line in output.text.splitlines():
                    assert "print(" in cell.source or line.startswith("note: "), \
                        f"{book} printed {line!r} from a cell that prints nothing"
                continue
            data = output.get("data", {})
            if "image/png" in data:
                images += 1
                assert _png_width(data["image/png"]) >= 500, f"{book}: a figure too small inline"
            elif set(data) == {"text/plain"}:   # a bare repr: only the saved-figure line
                text = data["text/plain"]
                assert text.startswith(("saved: ", "unchanged: ")) and "\n" not in text, \
                    f"{book} shows {text[:120]!r}"
    assert images >= len(FIGURES[book]), f"{book} shows {images} of {len(FIGURES[book])} figures"
