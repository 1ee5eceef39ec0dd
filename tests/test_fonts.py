"""Tests of analysis.fonts and analysis.style: CJK glyphs, fallbacks, rc_context only."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from fontTools.ttLib import TTFont  # noqa: E402
from matplotlib import font_manager  # noqa: E402

from analysis.core.config import PROJ_ROOT  # noqa: E402
from analysis.core.errors import AnalysisError, FontError  # noqa: E402
from analysis.figures.fonts import (check_figure_fonts, check_font_covers, cjk_font_path,  # noqa: E402
                            font_properties, missing_characters, register_font, resolve_font)
from analysis.figures.style import DOUBLE_COLUMN, PAPER_RC, SINGLE_COLUMN, paper_style  # noqa: E402

TERMS = ["疫情防控", "守土有责", "停课不停学", "南开大学", "哈尔滨工程大学", "大连外国语大学",
         "北京科技大学", "陈宝生", "邴祎龙"]
DEJAVU = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
UNASSIGNED = "\u0378"  # no font has it (matplotlib's Last Resort font is never a candidate)


@pytest.fixture(scope="module")
def noto() -> Path:
    """The static Noto Sans SC instance (built once a machine, about 16 s)."""
    return cjk_font_path()


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# --- the font file -----------------------------------------------------------------------

@pytest.mark.parametrize("term", TERMS)
def test_every_character_of_the_sample_terms_is_in_the_cmap(noto, term):
    cmap = TTFont(noto, lazy=True).getBestCmap()
    assert [c for c in term if ord(c) not in cmap] == []


def test_the_instance_is_a_static_truetype_regular(noto):
    font = TTFont(noto, lazy=True)
    assert font.sfntVersion == "\x00\x01\x00\x00"
    assert "glyf" in font and "CFF " not in font
    assert "fvar" not in font and "gvar" not in font
    assert font["OS/2"].usWeightClass == 400
    assert font["name"].getDebugName(1) == "Noto Sans SC"
    assert font["name"].getDebugName(6) == "NotoSansSC-Regular"


def test_the_instance_is_cached_under_a_versioned_name(noto):
    assert noto.parent == PROJ_ROOT / ".cache" / "fonts"
    assert noto.name.startswith("NotoSansSC-Regular-0.1.0-fonttools")
    before = noto.stat().st_mtime_ns
    assert cjk_font_path() == noto and noto.stat().st_mtime_ns == before
    assert not list(noto.parent.glob(".*.tmp"))


def test_the_licence_travels_with_the_project():
    text = (PROJ_ROOT / "analysis" / "data" / "fonts" / "OFL.txt").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in text


# --- coverage checks ---------------------------------------------------------------------

def test_check_font_covers_names_what_a_latin_font_lacks():
    with pytest.raises(FontError) as err:
        check_font_covers(["Nankai 南开", "大学"], DEJAVU)
    message = str(err.value)
    assert "DejaVuSans.ttf" in message and "4 character(s)" in message
    for char in "南开大学":
        assert f"'{char}' (U+{ord(char):04X})" in message


@pytest.mark.parametrize(("texts", "missing"), [
    ("abc", []),
    (["第一行\n第二行"], ["一", "二", "第", "行"]),
    (["a", None, 12], []),
    ("A\tB", []),
])
def test_missing_characters_skips_control_characters(texts, missing):
    assert missing_characters(texts, DEJAVU) == missing


def test_check_font_covers_passes_and_rejects_a_missing_file(noto, tmp_path):
    check_font_covers(TERMS, noto)
    with pytest.raises(FontError, match="does not exist"):
        check_font_covers("abc", tmp_path / "nope.ttf")


# --- resolving a font --------------------------------------------------------------------

def test_resolve_font_uses_the_noto_instance_by_default(noto):
    assert resolve_font(TERMS) == noto


def test_resolve_font_accepts_a_file_or_an_installed_family():
    assert resolve_font("abc", font_path=DEJAVU) == DEJAVU
    assert resolve_font("abc", font_path="DejaVu Sans").name == "DejaVuSans.ttf"


def test_resolve_font_names_what_it_tried_for_an_unknown_font(tmp_path):
    with pytest.raises(FontError) as err:
        resolve_font("abc", font_path=tmp_path / "SimHei.ttf")
    assert "'font_path'" in str(err.value) and str(tmp_path / "SimHei.ttf") in str(err.value)
    assert "installed families" in str(err.value)


def test_resolve_font_keeps_a_given_font_that_lacks_characters():
    with pytest.raises(FontError, match=r"'邴' \(U\+90B4\)"):
        resolve_font(["邴祎龙"], font_path=DEJAVU)


def test_resolve_font_falls_back_to_an_installed_font():
    path = resolve_font(["Łódź ♔"])  # Noto Sans SC has neither Ł nor the chess king
    assert missing_characters(["Łódź ♔"], path) == []
    assert font_manager.FontProperties(fname=path).get_name() == "DejaVu Sans"


def test_resolve_font_stops_naming_characters_no_font_has():
    with pytest.raises(FontError) as err:
        resolve_font(["南开", UNASSIGNED])
    assert "'\\u0378' (U+0378)" in str(err.value) and "installed fonts" in str(err.value)


def test_register_font_returns_the_family_matplotlib_finds(noto):
    assert register_font(noto) == "Noto Sans SC"
    prop = font_manager.FontProperties(family="Noto Sans SC")
    assert Path(font_manager.findfont(prop)).resolve() == noto.resolve()
    assert Path(font_properties().get_file()) == noto


# --- drawing -----------------------------------------------------------------------------

@pytest.mark.filterwarnings("error:Glyph")
def test_matplotlib_draws_chinese_with_the_resolved_font(noto):
    with paper_style():
        fig, ax = plt.subplots()
        ax.barh(TERMS, range(len(TERMS)))
        ax.set_title("，".join(TERMS[:3]))
        ax.set_xlabel("频次 −1")
    fig.canvas.draw()  # outside the block: the texts keep their fonts
    title = ax.title.get_fontproperties()
    assert Path(font_manager.findfont(title)).resolve() == noto.resolve()
    assert [t.get_text() for t in ax.get_yticklabels()] == TERMS
    assert check_figure_fonts(fig) == ["DejaVu Sans", "Noto Sans SC"]


def test_check_figure_fonts_names_characters_the_default_font_lacks():
    with plt.rc_context({"font.family": ["DejaVu Sans"]}):
        fig, ax = plt.subplots()
        ax.set_title("南开大学 2020")
    with pytest.raises(FontError) as err:
        check_figure_fonts(fig)
    assert "'南' (U+5357) in '南开大学 2020'" in str(err.value)
    assert "paper_style" in str(err.value)


@pytest.mark.filterwarnings("error:Glyph")
def test_check_figure_fonts_checks_the_text_around_math():
    with paper_style():
        fig, ax = plt.subplots()
        ax.set_xlabel(r"$\chi^2$ 统计量")
        ax.set_ylabel(r"$G^2$")
    fig.canvas.draw()
    assert check_figure_fonts(fig) == ["DejaVu Sans", "Noto Sans SC"]
    with plt.rc_context({"font.family": ["DejaVu Sans"]}):
        fig, ax = plt.subplots()
        ax.set_xlabel(r"$\chi^2$ 统计量 $\alpha$")
    with pytest.raises(FontError, match="'统' \\(U\\+7EDF\\)"):
        check_figure_fonts(fig)


# --- the style ---------------------------------------------------------------------------

def test_column_widths_are_85_and_174_mm():
    assert SINGLE_COLUMN * 25.4 == pytest.approx(85)
    assert DOUBLE_COLUMN * 25.4 == pytest.approx(174)


def test_paper_style_yields_what_it_applied_and_restores_the_rest():
    before = dict(matplotlib.rcParams)
    with paper_style(**{"font.size": 9}) as rc:
        assert rc["font.size"] == 9 == matplotlib.rcParams["font.size"]
        assert rc["font.family"] == ["Noto Sans SC", "DejaVu Sans"]
        assert matplotlib.rcParams["pdf.fonttype"] == 42
        assert rc["axes.titlesize"] == PAPER_RC["axes.titlesize"] == 9
    assert dict(matplotlib.rcParams) == before


@pytest.mark.filterwarnings("error:Glyph")
def test_paper_style_counts_the_fallback_font_for_the_texts():
    label = "Łódź ♔ 南开大学"  # Ł and ♔ only in DejaVu Sans, 南开 only in Noto Sans SC
    with paper_style(texts=[label]) as rc:
        assert rc["font.family"] == ["Noto Sans SC", "DejaVu Sans"]
        fig, ax = plt.subplots()
        ax.set_title(label)
    fig.canvas.draw()
    with pytest.raises(FontError, match="U\\+0378"):
        with paper_style(texts=[UNASSIGNED]):
            pass  # pragma: no cover


def test_paper_style_takes_a_font_and_checks_it():
    with paper_style(font_path="DejaVu Serif", texts=["abc"]) as rc:
        assert rc["font.family"] == ["DejaVu Serif", "DejaVu Sans"]
    with pytest.raises(FontError, match="DejaVuSans.ttf has no glyph"):
        with paper_style(font_path=DEJAVU, texts=["南开"]):
            pass  # pragma: no cover


def test_paper_style_rejects_an_unknown_rc_name_with_a_hint():
    with pytest.raises(AnalysisError, match=r"got 'font\.sise' \(did you mean 'font\.size'"):
        with paper_style(**{"font.sise": 9}):
            pass  # pragma: no cover


def test_importing_any_module_changes_no_rc_params():
    code = ("import importlib, pkgutil, matplotlib as mpl; before = dict(mpl.rcParams); "
            "import analysis; "
            "[importlib.import_module(m.name) for m in pkgutil.walk_packages("
            "analysis.__path__, 'analysis.') if m.name != 'analysis.__main__']; "
            "assert dict(mpl.rcParams) == before")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, "MPLBACKEND": "Agg"}, timeout=300)
    assert done.returncode == 0, done.stderr
