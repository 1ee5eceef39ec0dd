"""The Study: parameters checked before work, one load and one count, cached results, records."""

from __future__ import annotations

import shutil
import warnings

import pandas as pd
import pytest

from analysis import Study
from analysis.core.config import SEEDS_DIR
from analysis.core.errors import AnalysisError
from analysis.stats import keyness, tfidf
from analysis.tokens import tokenize

from .conftest import FIXTURES

MINI = FIXTURES / "mini_corpus"


@pytest.fixture()
def study(tmp_path) -> Study:
    return Study(MINI, cache_dir=tmp_path / "cache", output_dir=tmp_path / "out")


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"corpus_dir": "/no/such/folder"}, r"'corpus_dir' parameter must name an existing folder"),
    ({"date_from": 20200101}, r"'date_from' parameter must be a date such as '2020-02-01'"),
    ({"date_from": "2020-13-01"}, r"'date_from' parameter must be a date .*got '2020-13-01'"),
    ({"date_from": "2020-03-01", "date_to": "2020-02-01"}, r"must not be after 'date_to'"),
    ({"formats": ["png", "gif"]}, r"'formats' parameter must be a non-empty list drawn from"),
    ({"engine": "gpu"}, r"'engine' parameter must be one of \['local', 'dask'\]; got 'gpu'"),
    ({"institutions": []}, r"'institutions' parameter must be a non-empty list of strings"),
    ({"parameters": {"top_n": 0}}, r"'top_n' parameter must be an integer >= 1; got 0"),
    ({"parameters": {"alpha": float("nan")}}, r"'alpha' parameter must be a finite number"),
    ({"parameters": {"topn": 3}}, r"Unknown parameter 'topn' \(did you mean 'top_n'\?\)"),
])
def test_bad_parameters_stop_before_any_work(kwargs, message):
    with pytest.raises(AnalysisError, match=message):
        Study(**kwargs)


def test_group_col_is_checked_against_the_loaded_columns(tmp_path):
    study = Study(MINI, group_col="regoin", cache_dir=tmp_path)
    with pytest.raises(AnalysisError, match=r"'group_col' parameter of Study must be one of the "
                                            r"columns .*got 'regoin'"):
        study.docs


def test_from_parameters_picks_the_notebook_names(tmp_path):
    namespace = {"corpus_dir": str(MINI), "group_col": "institution", "top_n": 4,
                 "cache_dir": str(tmp_path), "display": print, "unrelated": 1}
    study = Study.from_parameters(namespace)
    assert study.parameters == {"top_n": 4}
    assert study.params.cache_dir == tmp_path.resolve()
    with pytest.raises(AnalysisError, match=r"'top_n' parameter must be an integer"):
        Study.from_parameters({**namespace, "top_n": "5"})


def test_counts_are_made_once_and_every_statistic_takes_them(study):
    docs, counts = study.docs, study.counts
    assert counts.units.tolist() == docs["doc_id"].tolist()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tokens = tokenize(docs, use_cache=False)
    pd.testing.assert_frame_equal(study.tfidf(), tfidf(tokens))
    pd.testing.assert_frame_equal(study.keyness(min_freq=2), keyness(tokens, min_freq=2))
    assert study.counts is counts  # a property made once


def test_a_second_study_reads_the_cached_results(tmp_path):
    first = Study(MINI, cache_dir=tmp_path)
    pairs = first.near_duplicates(threshold=0.5)
    sims = first.similarity(n_boot=20, without_reposts=True)
    near = first.neighbours(k=2)
    assert first.results.hits == [] and set(first.results.misses) == {
        "near_duplicates", "similarity", "neighbours"}
    second = Study(MINI, cache_dir=tmp_path)
    pd.testing.assert_frame_equal(second.near_duplicates(threshold=0.5), pairs)
    pd.testing.assert_frame_equal(second.similarity(n_boot=20, without_reposts=True), sims)
    pd.testing.assert_frame_equal(second.neighbours(k=2), near)
    assert second.results.misses == []
    third = Study(MINI, cache_dir=tmp_path, date_to="2020-03-01")  # other documents: recomputed
    third.near_duplicates(threshold=0.5)
    assert third.results.misses == ["near_duplicates"]


@pytest.mark.parametrize(("call", "message"), [
    (lambda s: s.tfidf(min_dff=2), r"^Study.tfidf got an unknown option 'min_dff' \(did you "
                                    r"mean 'min_df' or 'max_df'\?\); it takes \['tokens_col', "
                                    r"'id_col', 'sublinear_tf', 'norm', 'min_df', 'max_df', "
                                    r"'smooth_idf', 'min_log_ratio'\]\.$"),
    (lambda s: s.keyness(group_col="x"), r"^The 'group_col' option of Study.keyness is set by "
                                          r"the Study"),
    (lambda s: s.similarity(n_boot=0, ci=0.9), r"^Study.similarity got an unknown option 'ci'"),
    (lambda s: s.run(tfidf, min_log_ratioo=1), r"^Study.run\(tfidf\) got an unknown option "
                                                r"'min_log_ratioo' \(did you mean 'min_log_ratio'"),
    (lambda s: s.kwic("疫情", windw=5), r"^Study.kwic got an unknown option 'windw'"),
])
def test_an_unknown_option_stops_before_any_work(tmp_path, call, message):
    study = Study(MINI, cache_dir=tmp_path)
    with pytest.raises(AnalysisError, match=message):
        call(study)
    assert "counts" not in vars(study) and study.results.misses == []  # nothing counted or run


def test_a_table_option_keys_the_result_by_its_content(study):
    aliases = pd.DataFrame({"group": [f"g{i}" for i in range(100)],
                            "alias": [f"a{i}" for i in range(100)]})
    changed = aliases.copy()
    changed.loc[50, "alias"] = "other"  # str() of both tables is the same: rows elided
    assert str(aliases) == str(changed)

    def rows(docs, counts, *, group_col, table):
        return pd.DataFrame({"n": [len(table)], "last": [table["alias"].iloc[50]]})

    assert study.run(rows, table=aliases)["last"].iloc[0] == "a50"
    assert study.run(rows, table=changed)["last"].iloc[0] == "other"
    assert study.results.misses == ["test_study.rows"] * 2
    study.run(rows, table=aliases.copy())
    assert study.results.hits == ["test_study.rows"]


def test_a_changed_title_recomputes_a_result_that_shows_titles(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(MINI, corpus)

    def titles(docs, counts, *, group_col):
        return docs[["doc_id", "title"]].reset_index(drop=True)

    first = Study(corpus, cache_dir=tmp_path / "cache")
    assert first.run(titles).set_index("doc_id").loc["b01", "title"] != "新标题"
    sidecar = corpus / "metadata.csv"
    sidecar.write_text(sidecar.read_text(encoding="utf-8").replace(
        "doc_id,institution,region\nb01,乙大学,华北", "doc_id,institution,region,title\n"
        "b01,乙大学,华北,新标题"), encoding="utf-8")
    second = Study(corpus, cache_dir=tmp_path / "cache")
    assert second.fingerprint["sha256"] == first.fingerprint["sha256"]  # the same texts
    assert second.run(titles).set_index("doc_id").loc["b01", "title"] == "新标题"
    assert second.results.misses == ["test_study.titles"]


def test_the_methods_paragraph_states_only_what_ran(study):
    study.similarity(n_boot=5)
    text = study.methods_paragraph()
    assert "cosine" in text and "jieba" in text
    assert "Keyness" not in text and "Benjamini" not in text
    study.keyness(min_freq=3)
    text = study.methods_paragraph()
    assert "Keyness" in text and "at least 3" in text


def test_records_hold_the_defaults_a_statistic_ran_with(study, monkeypatch):
    import analysis.run.study as study_module

    study.tfidf(min_df=2)
    record = study.records[-1]
    assert record["min_df"] == 2 and record["norm"] == "l2" and record["sublinear_tf"] is False
    original = keyness

    def stricter(docs, counts=None, *, group_col="institution", tokens_col="tokens",
                 id_col="doc_id", target=None, reference=None, min_freq=5, measure="g2",
                 alpha=0.01, correction="fdr_bh", clusters=None, aliases=None):
        return original(docs, counts, group_col=group_col, min_freq=min_freq, alpha=alpha,
                        clusters=clusters, aliases=aliases)

    monkeypatch.setattr(study_module, "keyness", stricter)  # a default changed: recorded
    study.keyness(min_freq=3)
    assert study.records[-1]["alpha"] == 0.01 and study.records[-1]["min_freq"] == 3
    assert "q < 0.01" in study.methods_paragraph()


def test_the_overview_needs_no_segmentation(tmp_path):
    study = Study(MINI, cache_dir=tmp_path)
    study.overview(freq="W")
    assert "counts" not in study.__dict__ and "tokens" not in study.__dict__
    assert study.methods_paragraph().count("jieba") == 0


def test_save_records_every_parameter_with_relative_paths(tmp_path):
    import matplotlib.pyplot as plt

    study = Study(SEEDS_DIR, output_dir=tmp_path, formats=["png"], cache_dir=tmp_path / "c",
                  parameters={"top_n": 3})
    fig, ax = plt.subplots()
    ax.plot([0, 1])
    saved = study.save(fig, "demo", data=pd.DataFrame({"x": [1]}))
    plt.close(fig)
    params = saved.entry["params"]
    assert params["corpus_dir"] == "seeds" and params["top_n"] == 3
    assert params["group_col"] == "institution"
    assert saved.entry["corpus"]["n_docs"] == 5
    assert repr(saved).startswith("saved: demo (demo.png, demo.csv)")


def test_a_figure_key_does_not_depend_on_where_the_project_is(tmp_path):
    """Paths inside the project (absolute text, Path, table attrs) key a figure as relative."""
    from analysis.core.config import PROJ_ROOT
    from analysis.figures.tfidf import plot_top_terms

    study = Study(SEEDS_DIR, output_dir=tmp_path, formats=["png"], cache_dir=tmp_path / "c")
    table = study.top_terms(study.tfidf(), n=2)
    relative = "analysis/data/events/covid19-education.yaml"
    keys = []
    for path in (relative, str(PROJ_ROOT / relative), PROJ_ROOT / relative):
        table.attrs["source"] = path
        saved = study.figure("demo", plot_top_terms, table, params={"events": path})
        keys.append(saved.entry["key"])
        assert saved.entry["params"]["events"] == relative
    assert keys[0] == keys[1] == keys[2]


def test_a_table_keys_a_figure_by_its_values_not_how_pandas_holds_them():
    """A table read back from the results cache (str columns) keys a figure as the fresh one
    (object columns) did; a changed value or column changes the key."""
    from analysis.run.study import _digest

    fresh = pd.DataFrame({"term": pd.Series(["疫情", "防控"], dtype=object), "n": [3, 1]})
    cached = fresh.astype({"term": "str"})
    assert _digest(fresh) == _digest(cached)
    assert _digest(fresh) != _digest(fresh.assign(n=[3, 2]))
    assert _digest(fresh) != _digest(fresh.assign(n=[3.0, 1.0]))
    assert _digest(fresh) != _digest(fresh.rename(columns={"n": "count"}))
    listed = fresh.assign(pieces=[["疫", "情"], ["防控"]])  # cells pandas cannot hash
    assert _digest(listed) != _digest(listed.assign(pieces=[["疫情"], ["防控"]]))


def _legend_styles(fig) -> dict[str, tuple]:
    """Label -> (RGBA colour, marker) of every legend entry in a figure."""
    from matplotlib.colors import to_rgba

    legends = list(fig.legends) + [ax.get_legend() for ax in fig.axes if ax.get_legend()]
    styles = {}
    for legend in legends:
        for handle, text in zip(legend.legend_handles, legend.get_texts()):
            if hasattr(handle, "get_marker"):                      # Line2D
                styles[text.get_text()] = (to_rgba(handle.get_color()), handle.get_marker())
            else:                                                  # PathCollection
                styles[text.get_text()] = (to_rgba(handle.get_facecolor()[0]), None)
    return styles


def test_a_group_keeps_its_colour_and_marker_in_every_figure(tmp_path):
    """The timeline (04) and the phrase diffusion (06) draw each group as the palette says."""
    import functools

    from matplotlib.colors import to_rgba

    from analysis.figures import plot_phrase_diffusion, plot_timeline

    drawn = {}

    def keep(plot):
        @functools.wraps(plot)
        def wrapped(table, **options):
            drawn[plot.__name__] = fig = plot(table, **options)
            return fig
        return wrapped

    runs = [Study(SEEDS_DIR, cache_dir=tmp_path / "cache", output_dir=tmp_path / "out")
            for _ in range(2)]
    # two Studies, as two notebooks make them: the palette is a function of the corpus
    assert runs[0].palette == runs[1].palette
    first, second = runs
    first.figure("04_timeline", keep(plot_timeline),
                 first.timeline(["疫情", "防控"], freq="M"), value="count")
    phrases = second.phrases(min_chars=2, min_groups=2)
    second.figure("06_phrase_diffusion", keep(plot_phrase_diffusion), phrases, top=10)
    timeline, diffusion = (_legend_styles(drawn[n]) for n in ("plot_timeline",
                                                               "plot_phrase_diffusion"))
    both = set(timeline) & set(diffusion) & set(first.palette)
    assert "哈尔滨工程大学" in both   # the group the issue saw change colour
    for group in both:
        colour, marker = first.palette[group]
        assert timeline[group] == (to_rgba(colour), marker)
        assert diffusion[group][0] == to_rgba(colour)
