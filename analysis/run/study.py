"""One object a notebook makes from its parameters: load, count once, analyse, save.

A :class:`Study` validates the parameters before any work
(:class:`~analysis.run.params.StudyParams`), then, when first asked:

- loads the corpus through the corpus cache and selects the documents
  (:attr:`Study.docs`; the group column is checked against the loaded columns);
- counts their terms once, through the token and counts caches
  (:attr:`Study.counts`, the :class:`~analysis.stats.counts.TermCounts` every
  statistic takes), and segments them into a ``tokens`` column only for the
  analyses that read tokens (:attr:`Study.tokens`);
- runs the analyses of :mod:`analysis.stats` on them, caching the expensive
  ones by content (:class:`~analysis.core.store.ResultStore`: near-duplicate
  pairs, bootstrap intervals, neighbours, phrases), and records each one with
  its settings (:attr:`Study.records`);
- saves figures with their data and provenance (:meth:`Study.save`) and writes
  the methods paragraph from its records only (:meth:`Study.methods_paragraph`).

The caches live on disk, so the notebooks of a run, each with its own Study,
share the loaded corpus, the tokens, the counts and the results.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import sys
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..core.config import DATA_DIR
from ..core.errors import (
    AnalysisError,
    check_column,
    check_number,
    format_list,
    suggest,
)
from ..core.io import files_digest
from ..core.store import ResultStore, result_key
from ..corpus.fingerprint import corpus_fingerprint
from ..corpus.load import load_corpus
from ..corpus.select import select_documents
from ..figures.explorer import (
    UNRECORDED_PARAMS,
    explorer_html,
    save_explorer,
    show_explorer,
)
from ..figures.fonts import font_cache_dir
from ..figures.save import package_versions, portable, save_figure, saved_entry
from ..figures.style import group_styles
from ..stats import duplicates as _duplicates_module
from ..stats.aliases import flag_names, group_aliases, read_aliases
from ..stats.counts import TermCounts, corpus_counts
from ..stats.duplicates import duplicate_clusters, near_duplicates
from ..stats.events import event_sets, load_events
from ..stats.keyness import keyness
from ..stats.kwic import kwic
from ..stats.newwords import new_word_candidates
from ..stats.overview import FREQS, choose_freq, documents_per_period
from ..stats.phrases import shared_phrases
from ..stats.similarity import (
    bootstrap_similarity,
    group_similarity,
    nearest_neighbours,
)
from ..stats.tfidf import tfidf, top_terms
from ..stats.timeline import first_appearance, keyword_timeline
from ..tokens.segment import tokenize
from ..tokens.segmenter import Segmenter, SegmenterConfig
from .methods import methods_paragraph, segmenter_info
from .params import PARAMETERS, SHARED, StudyParams, validate_parameters

__all__ = ["SavedFigure", "Study"]

_STATS = Path(_duplicates_module.__file__).resolve().parent


def _notes_not_tracebacks() -> None:
    """In a notebook, show warnings as one line, ``note: ...``, without the kernel's file path.

    Warnings are notes for the researcher (documents left out, terms never
    found); the default display, a pink box naming a temporary file, hides them.
    """
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover
        return
    if get_ipython() is None:
        return

    def show(message, category, filename, lineno, file=None, line=None) -> None:
        print(f"note: {message}", file=sys.stdout)

    warnings.showwarning = show


def _show_saved(folder: Path, name: str, entry: Mapping[str, Any]) -> None:
    """Show a saved figure inline when running in IPython (its PNG, else nothing)."""
    png = f"{name}.png"
    if png not in entry.get("files", {}):
        return
    try:
        from IPython import get_ipython
        from IPython.display import Image, display
    except ImportError:  # pragma: no cover - IPython ships with the notebooks' kernel
        return
    if get_ipython() is not None:
        display(Image(filename=str(folder / png), width=900))


def _source_digest(func: Callable[..., Any]) -> str:
    """Return a digest of the source file of ``func``'s module ('' when it has none)."""
    try:
        path = inspect.getsourcefile(func)
    except TypeError:  # a builtin or a C function
        path = None
    if not path or not Path(path).is_file():
        return ""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _code_digest() -> str:
    """Return a digest of the statistics' source: a code change invalidates cached results."""
    return files_digest([*_STATS.glob("*.py"), *(_STATS.parent / "core").glob("*.py"),
                         Path(__file__).resolve()])


_FIGURES = Path(save_figure.__code__.co_filename).resolve().parent


def _figures_digest() -> str:
    """Return a digest of the figure code: a change redraws every figure."""
    return files_digest(_FIGURES.glob("*.py"))


def _digest(value: Any) -> str:
    """Return a stable text for what a figure is drawn from (tables by their content)."""
    if isinstance(value, pd.DataFrame):
        # columns and their kinds (text is text whether held as object or str)
        digest = hashlib.sha256(json.dumps(
            [[str(c), t.kind] for c, t in value.dtypes.items()], ensure_ascii=False).encode())
        try:  # row hashes: 280,670 keyness rows in 0.1 s, against 3.2 s as CSV text
            digest.update(pd.util.hash_pandas_object(value, index=False).to_numpy().tobytes())
        except (TypeError, ValueError):  # cells pandas cannot hash (lists): their text
            digest.update(value.to_csv(index=False, lineterminator="\n").encode())
        digest.update(json.dumps(portable(value.attrs), sort_keys=True, default=str,
                                 ensure_ascii=False).encode())
        return digest.hexdigest()
    if isinstance(value, Mapping):
        return json.dumps({str(k): _digest(v) for k, v in sorted(value.items(),
                                                                  key=lambda kv: str(kv[0]))})
    if isinstance(value, (list, tuple)):
        return json.dumps([_digest(v) for v in value])
    return json.dumps(portable(value), sort_keys=True, default=str, ensure_ascii=False)


_FILLED = ("docs", "counts", "group_col", "clusters")  # what a Study passes its statistics


def _with_defaults(function: Callable[..., Any], options: Mapping[str, Any],
                   filled: Sequence[str] = _FILLED) -> dict[str, Any]:
    """Return every keyword of ``function`` the Study does not fill: its default or as given.

    Records hold the settings a statistic ran with, not only those given, so
    that the methods paragraph never restates a default of its own.
    """
    params = inspect.signature(function).parameters
    out = {n: p.default for n, p in params.items() if n not in filled
           and p.kind is p.KEYWORD_ONLY and p.default is not p.empty}
    return {**out, **options}


def _setting(value: Any) -> Any:
    """Return a setting as the results cache keys it: tables and arrays by their content.

    ``str`` of a table or a long array elides its middle rows, so two aliases
    tables differing in one row would share a key; their digest does not.
    """
    if isinstance(value, pd.Series):
        value = value.to_frame()
    if isinstance(value, pd.DataFrame):
        return _digest(value)
    if isinstance(value, np.ndarray):
        digest = hashlib.sha256(f"{value.dtype.str}{value.shape}".encode())
        digest.update(np.ascontiguousarray(value).tobytes() if value.dtype != object
                      else json.dumps(value.tolist(), default=str).encode())
        return digest.hexdigest()
    return value


def _check_options(function: Callable[..., Any], options: Mapping[str, Any], *, method: str,
                   filled: Sequence[str] = ()) -> None:
    """Reject an option ``function`` does not take, before any work, in one line.

    Parameters
    ----------
    function : callable
        The statistic the options go to.
    options : mapping
        The options given.
    method : str
        The Study method, named in the message (e.g. ``"Study.tfidf"``).
    filled : sequence of str
        The arguments the Study passes itself (the documents, ``group_col`` ...).
    """
    params = inspect.signature(function).parameters
    if any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return
    allowed = [n for n, p in params.items() if n not in filled
               and p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)]
    for name in options:
        if name in filled:
            raise AnalysisError(f"The {name!r} option of {method} is set by the Study "
                                f"(from its parameters and documents); leave it out.")
        if name not in allowed:
            raise AnalysisError(f"{method} got an unknown option {name!r}"
                                f"{suggest(name, allowed)}; it takes "
                                f"{format_list(allowed, limit=len(allowed))}.")


@dataclass(frozen=True)
class SavedFigure:
    """What :meth:`Study.save` or :meth:`Study.figure` wrote: the files and their manifest entry.

    ``cached`` is True when the figure was already saved from the same inputs
    and was not drawn again.
    """

    name: str
    folder: Path
    files: tuple[str, ...]
    entry: dict
    cached: bool = False

    def __repr__(self) -> str:
        how = "unchanged" if self.cached else "saved"
        return f"{how}: {self.name} ({', '.join(self.files)}) in {self.folder}"


class Study:
    """Load a corpus once, count its terms once, run analyses and save their figures.

    Parameters
    ----------
    corpus_dir : path-like, optional
        A folder of documents or a .csv/.jsonl/.parquet table; default the
        project's ``seeds/``.
    metadata : path-like, optional
        A sidecar CSV; default ``corpus_dir/metadata.csv`` when present.
    text_col, title_col, date_col, institution_col, id_col : str
        For a table of articles (.csv/.jsonl/.parquet): which columns hold
        the texts, titles, dates, institutions and ids (defaults: ``text``,
        ``title``, ``date``, ``institution``, ``doc_id``). The documents
        always have the standard names.
    date_format : str, optional
        How the table writes dates: ``"epoch_ms"``, ``"epoch_s"`` or a
        ``strptime`` pattern; default: any usual written form.
    institutions : list of str, optional
        Institutions to keep (values of the ``institution`` column).
    date_from, date_to : date-like, optional
        Whole days, both inclusive (:func:`analysis.core.dates.date_mask`).
    group_col : str, default 'institution'
        The column whose values are compared: ``institution`` or any column of
        the sidecar; checked against the loaded columns.
    aliases : path-like, optional
        A YAML (``group: [alias, ...]``) or CSV (group, alias) file of names the
        groups go by, added to those found (:func:`analysis.stats.aliases.group_aliases`).
    userdict : path-like, optional
        The corpus's own user dictionary (jieba format), read after the
        packaged one; default ``corpus_dir/userdict.txt`` when present. Grow it
        with :meth:`new_words` and ``python -m analysis words --accept``.
    output_dir : path-like, optional
        Where figures go; default the project's ``figures/``.
    formats : sequence of {'png', 'svg', 'pdf'}, default all three
        Figure formats.
    cache_dir : path-like, optional
        One folder for every cache (corpus, tokens, counts, results); default
        ``.cache/`` in the project, a sub-folder per cache.
    engine : {'local', 'dask'}, default 'local'
        Where files are read and segmented.
    scheduler : str, optional
        A Dask scheduler address (``engine='dask'`` only).
    segmenter : SegmenterConfig, optional
        Segmentation and filters; default ``SegmenterConfig()``.
    parameters : mapping, optional
        The notebook's own parameters (``top_n``, ``alpha`` ...), checked
        against :data:`analysis.run.params.PARAMETERS` and recorded with every
        figure.

    Raises
    ------
    AnalysisError
        For any parameter that is wrong, before anything is loaded.

    Examples
    --------
    >>> study = Study("seeds", group_col="institution")      # doctest: +SKIP
    >>> table = study.keyness(min_freq=5)                    # doctest: +SKIP
    """

    def __init__(
        self,
        corpus_dir: str | Path | None = None,
        *,
        metadata: str | Path | None = None,
        text_col: str = "text",
        title_col: str | None = "title",
        date_col: str | None = "date",
        institution_col: str | None = "institution",
        id_col: str | None = "doc_id",
        date_format: str | None = None,
        institutions: Sequence[str] | None = None,
        date_from: Any = None,
        date_to: Any = None,
        group_col: str = "institution",
        aliases: str | Path | None = None,
        userdict: str | Path | None = None,
        output_dir: str | Path | None = None,
        formats: Sequence[str] = ("png", "svg", "pdf"),
        cache_dir: str | Path | None = None,
        engine: str = "local",
        scheduler: str | None = None,
        segmenter: SegmenterConfig | None = None,
        parameters: Mapping[str, Any] | None = None,
    ) -> None:
        self.params = StudyParams.from_mapping(dict(
            corpus_dir=corpus_dir, metadata=metadata, text_col=text_col, title_col=title_col,
            date_col=date_col, institution_col=institution_col, id_col=id_col,
            date_format=date_format,
            institutions=list(institutions) if isinstance(institutions, tuple) else institutions,
            date_from=date_from, date_to=date_to, group_col=group_col, aliases=aliases,
            userdict=userdict, output_dir=output_dir,
            formats=list(formats) if isinstance(formats, tuple) else formats,
            cache_dir=cache_dir, engine=engine, scheduler=scheduler))
        if segmenter is not None and not isinstance(segmenter, SegmenterConfig):
            raise AnalysisError(f"The 'segmenter' parameter of Study must be a SegmenterConfig "
                                f"or None; got {type(segmenter).__name__}.")
        config = segmenter or SegmenterConfig()
        if self.params.userdict is not None:
            config = replace(config, userdict=(*config.userdict, self.params.userdict))
        self.segmenter = Segmenter(config)
        extra = dict(parameters or {})
        shared = [n for n in extra if n in SHARED]
        if shared:
            raise AnalysisError(f"The 'parameters' of Study are the notebook's own; pass "
                                f"{shared} as arguments of Study.")
        self.parameters: dict[str, Any] = validate_parameters(extra)
        self._given = {"institutions": institutions, "date_from": date_from, "date_to": date_to,
                       "group_col": group_col, "aliases": self.params.aliases,
                       "userdict": self.params.userdict,
                       # how a table was read: which column held what, how dates were written
                       **{name: getattr(self.params, name) for name in (
                           "text_col", "title_col", "date_col", "institution_col", "id_col",
                           "date_format")},
                       **extra}  # recorded as given
        self.records: list[dict[str, Any]] = []
        cache = self.params.cache_dir
        self.results = ResultStore(None if cache is None else cache)

    @classmethod
    def from_parameters(cls, namespace: Mapping[str, Any], **options: Any) -> Study:
        """Make a Study from a notebook's parameters (its ``globals()``).

        Every name of :data:`analysis.run.params.PARAMETERS` found in
        ``namespace`` is checked; the shared ones configure the Study, the
        others are recorded (:attr:`parameters`).

        Parameters
        ----------
        namespace : mapping
            Usually ``globals()`` after the ``parameters`` cell.
        **options
            Other arguments of :class:`Study` (``segmenter``).

        Returns
        -------
        Study
        """
        found = {name: namespace[name] for name in PARAMETERS if name in namespace}
        shared = {k: v for k, v in found.items() if k in SHARED}
        own = {k: v for k, v in found.items() if k not in SHARED}
        _notes_not_tracebacks()
        return cls(**shared, parameters=own, **options)

    def __repr__(self) -> str:
        return (f"Study(corpus_dir={str(self.params.corpus_dir)!r}, "
                f"group_col={self.params.group_col!r})")

    # -- data ------------------------------------------------------------------

    def _cache(self, sub: str) -> Path | None:
        return self.params.cache_dir  # None: each cache picks its own folder under .cache/

    @cached_property
    def _loaded(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        p = self.params
        return load_corpus(p.corpus_dir, metadata=p.metadata, return_report=True,
                           text_col=p.text_col, title_col=p.title_col, date_col=p.date_col,
                           institution_col=p.institution_col, id_col=p.id_col,
                           date_format=p.date_format, keep_raw=False, use_cache=True,
                           cache_dir=self._cache("corpus"), engine=p.engine,
                           scheduler=p.scheduler)

    @property
    def report(self) -> pd.DataFrame:
        """The load report: one row per file under the corpus, loaded or skipped with its reason."""
        return self._loaded[1]

    @cached_property
    def docs(self) -> pd.DataFrame:
        """The selected documents, one row each (no tokens column).

        Without ``raw_text``, the body before cleaning that
        :func:`~analysis.corpus.load.load_corpus` keeps for audit: no statistic
        reads it, and on 100,000 documents it doubled the corpus cache (372
        against 186 MB) and held 315 MB more in every notebook's kernel.
        """
        p = self.params
        loaded = self._loaded[0]
        check_column(loaded, p.group_col, param="group_col", func="Study")
        docs = select_documents(loaded, institutions=None if p.institutions is None
                                else list(p.institutions), date_from=p.date_from,
                                date_to=p.date_to)
        return docs

    @cached_property
    def counts(self) -> TermCounts:
        """The documents' term counts, made once through the token and counts caches."""
        p = self.params
        return corpus_counts(self.docs, config=self.segmenter.config,
                             cache_dir=self._cache("tokens"), engine=p.engine,
                             scheduler=p.scheduler)

    @cached_property
    def tokens(self) -> pd.DataFrame:
        """The documents with a ``tokens`` column (space-joined), for analyses that read tokens."""
        p = self.params
        return tokenize(self.docs, config=self.segmenter.config,
                        cache_dir=self._cache("tokens"), engine=p.engine,
                        scheduler=p.scheduler)

    @cached_property
    def aliases(self) -> pd.DataFrame:
        """The names each group goes by: found in the corpus, plus the ``aliases`` file."""
        extra = read_aliases(self.params.aliases) if self.params.aliases else None
        return self._cached("aliases", {"extra": None if extra is None else _digest(extra)},
                            lambda: group_aliases(self.docs, self.counts,
                                                  group_col=self.group_col, extra=extra,
                                                  segmenter=self.segmenter))

    @cached_property
    def clusters(self) -> pd.Series:
        """Each document's near-duplicate cluster (reposts), by ``doc_id``; cached pairs."""
        pairs = self.near_duplicates()
        table = duplicate_clusters(self.docs, pairs=pairs, group_col=None)
        return table.set_index("doc_id")["cluster"]

    @cached_property
    def fingerprint(self) -> dict[str, Any]:
        """The corpus fingerprint of the selected documents (in every manifest entry)."""
        return corpus_fingerprint(self.docs, date_col="date" if "date" in self.docs else None)

    @cached_property
    def inputs_digest(self) -> str:
        """A digest of all a notebook reads through this Study: documents, load report, segmenter.

        Every column of the selected documents and of the load report counts
        (a changed title or a newly skipped file changes it), and so does the
        segmenter's fingerprint (dictionaries, stopwords, filters). The runner
        keys a notebook's execution on it (:mod:`analysis.run.execute`).
        """
        digest = hashlib.sha256()
        for table in (self.docs, self.report):
            digest.update(_digest(table).encode())
        digest.update(self.segmenter.fingerprint.encode())
        return digest.hexdigest()

    @property
    def group_col(self) -> str:
        """The column compared."""
        return self.params.group_col

    @cached_property
    def groups_by_size(self) -> list:
        """The groups, most documents first (ties by label): figures draw the first 12."""
        sizes = self.docs[self.group_col].value_counts()
        return sorted(sizes.index, key=lambda g: (-sizes[g], str(g)))

    @cached_property
    def palette(self) -> dict[str, tuple]:
        """Each group's colour and marker, the same in every figure of every notebook."""
        return group_styles(self.docs[self.group_col].dropna().unique())

    @cached_property
    def _content(self) -> str:
        """A digest of what results depend on besides their settings.

        The texts (by the corpus fingerprint) and every other column of the
        documents: a statistic that shows titles or links (topic examples,
        the explorer) is recomputed when a sidecar changes them (0.06 s for
        100,000 documents).
        """
        digest = hashlib.sha256(self.fingerprint["sha256"].encode())
        digest.update(_digest(self.docs.drop(columns="text")).encode())
        digest.update(self.segmenter.fingerprint.encode())
        digest.update(_code_digest().encode())
        return digest.hexdigest()

    def _cached(self, name: str, settings: Mapping[str, Any],
                compute: Callable[[], pd.DataFrame]) -> pd.DataFrame:
        key = result_key(name, {**{k: _setting(v) for k, v in settings.items()},
                                "group_col": self.group_col}, self._content)
        return self.results.get(name, key, compute)

    def _record(self, analysis: str, **settings: Any) -> None:
        self.records.append({"analysis": analysis, "group_col": self.group_col, **settings})

    # -- analyses --------------------------------------------------------------

    def overview(self, *, freq: str = "M") -> pd.DataFrame:
        """Count documents per group and period (:func:`analysis.stats.overview.documents_per_period`)."""
        table = documents_per_period(self.docs, group_col=self.group_col, freq=freq)
        self._record("overview", freq=freq)
        return table

    def tfidf(self, *, names: bool = False, **options: Any) -> pd.DataFrame:
        """Weight terms per group by TF-IDF (:func:`analysis.stats.tfidf.tfidf`).

        Reposts count once in ``n_docs`` and ``dp``; ``alias`` flags the groups'
        names; ``names=True`` adds ``name`` (person and place names,
        :func:`analysis.stats.aliases.flag_names`).
        """
        _check_options(tfidf, options, method="Study.tfidf", filled=_FILLED + ("aliases",))
        table = self._cached("tfidf", {**options, "aliases": _digest(self.aliases)},
                             lambda: tfidf(self.docs, self.counts, group_col=self.group_col,
                                           clusters=self.clusters, aliases=self.aliases,
                                           **options))
        self._record("tfidf", **_with_defaults(tfidf, options, _FILLED + ("aliases",)))
        return flag_names(table, segmenter=self.segmenter) if names else table

    def top_terms(self, table: pd.DataFrame, *, n: int = 10, by: str = "tfidf",
                  keep_aliases: bool = False, min_docs: int = 1,
                  keep_names: bool = True) -> pd.DataFrame:
        """Keep each group's ``n`` best terms of a table (:func:`analysis.stats.tfidf.top_terms`).

        The groups' names are left out unless ``keep_aliases``; a term must be
        in ``min_docs`` documents of the group (reposts once), or in all of them
        when the group has fewer; ``keep_names=False`` leaves out person and
        place names (needs the ``name`` column).
        """
        if not keep_names:
            table = flag_names(table, segmenter=self.segmenter) if "name" not in table \
                else table
            table = table[~table["name"].to_numpy(dtype=bool)]
        sizes = self.clusters.reindex(self.docs["doc_id"]).groupby(
            self.docs[self.group_col].to_numpy()).nunique() if min_docs > 1 else None
        return top_terms(table, n=n, group_col=self.group_col, by=by,
                         keep_aliases=keep_aliases, min_docs=min_docs, group_docs=sizes)

    def keyness(self, *, names: bool = False, **options: Any) -> pd.DataFrame:
        """Compare each group with the rest, term by term (:func:`analysis.stats.keyness.keyness`).

        Reposts count once in ``n_docs`` and ``dp``; ``alias`` flags the groups'
        names; ``names=True`` adds ``name`` (person and place names).
        """
        _check_options(keyness, options, method="Study.keyness", filled=_FILLED + ("aliases",))
        table = self._cached("keyness", {**options, "aliases": _digest(self.aliases)},
                             lambda: keyness(self.docs, self.counts, group_col=self.group_col,
                                             clusters=self.clusters, aliases=self.aliases,
                                             **options))
        self._record("keyness", **_with_defaults(keyness, options, _FILLED + ("aliases",)))
        return flag_names(table, segmenter=self.segmenter) if names else table

    def timeline(self, terms: str | Sequence[str] | None, **options: Any) -> pd.DataFrame:
        """Follow terms per group and period (:func:`analysis.stats.timeline.keyword_timeline`).

        ``terms=None`` follows the corpus's own :meth:`keywords`; a term the
        segmenter cuts (境外输入) is counted as written (``match="auto"``).
        """
        _check_options(keyword_timeline, options, method="Study.timeline",
                       filled=_FILLED + ("terms",))
        terms = self.keywords() if terms is None else terms
        table = keyword_timeline(self.docs, self.counts, terms=terms, group_col=self.group_col,
                                 **{"match": "auto", **options})
        self._record("timeline", terms=list([terms] if isinstance(terms, str) else terms),
                     **options)
        return table

    def keywords(self, n: int = 4) -> list[str]:
        """Choose terms worth following over time: the ones each period uses most unusually.

        Each period (bins of :func:`analysis.stats.overview.choose_freq`) is
        compared with the rest by keyness (G2, BH q); among the significant
        over-used terms found in at least 3 documents (reposts once),
        naming no group and used by groups that hold at least half of the
        documents (so the lines compare; a term of one group is that group's,
        not the period's; a hundred sources of a few articles each do not veto), the
        strongest of the periods are taken in turn, so the terms mark different
        moments (a campaign, an anniversary, a lockdown) rather than the
        corpus's everyday words.

        Parameters
        ----------
        n : int, default 4
            How many terms.

        Returns
        -------
        list of str
        """
        dated = self.docs[self.docs["date"].notna().to_numpy()]
        if dated.empty:
            raise AnalysisError("The corpus has no dated document: give 'keywords' to follow.")
        alias, _ = FREQS[choose_freq(dated["date"])]
        periods = dated.assign(_period=dated["date"].dt.to_period(alias).astype(str))

        def compute() -> pd.DataFrame:
            if periods["_period"].nunique() < 2:
                return pd.DataFrame({"term": [], "g2": [], "_period": []})
            table = keyness(periods, self.counts, group_col="_period", min_freq=10,
                            clusters=self.clusters, aliases=self.aliases)
            chosen = table[table["significant"].to_numpy() & (table["direction"] == "over")
                           .to_numpy() & (table["n_docs"] >= 3).to_numpy()
                           & ~table["alias"].to_numpy(dtype=bool)]
            terms = chosen["term"].unique().tolist()
            chosen = chosen[chosen["term"].isin(self._spread_terms(terms)).to_numpy()]
            return chosen[["_period", "term", "g2"]].reset_index(drop=True)

        found = self._cached("keywords", {"n": n}, compute)
        by_period = [part.sort_values("g2", ascending=False, kind="stable")["term"].tolist()
                     for _, part in found.groupby("_period", sort=True)]
        by_period.sort(key=lambda terms: -len(terms))
        picked: list[str] = []
        for depth in range(max(map(len, by_period), default=0)):
            for terms in by_period:
                if depth < len(terms) and terms[depth] not in picked and len(picked) < n:
                    picked.append(terms[depth])
        if not picked:
            picked = self._widespread_terms(n)
            warnings.warn(f"No term stands out in any period of the corpus; following the "
                          f"{len(picked)} terms in most documents instead: {picked}. Give "
                          f"'keywords' to choose.", UserWarning, stacklevel=2)
        return picked

    def _spread_terms(self, terms: Sequence[str]) -> list[str]:
        """Keep the terms used by groups that hold at least half of the documents."""
        groups = self.docs[self.group_col].to_numpy()
        known = pd.notna(groups)
        if not len(terms) or not known.any():
            return []
        used = self.counts.align(self.docs).columns(list(terms))[known] > 0
        sizes = pd.Series(groups[known]).value_counts()
        by_group = pd.DataFrame(used, columns=list(terms)).groupby(groups[known]).any()
        covered = by_group.mul(sizes.reindex(by_group.index).to_numpy(), axis=0).sum(axis=0)
        return [t for t in terms if covered[t] * 2 >= known.sum()]

    def _widespread_terms(self, n: int) -> list[str]:
        """Return the ``n`` terms in most documents (then most often), spread, naming no group."""
        counts = self.counts.align(self.docs)
        names = set(self.aliases["alias"]) if len(self.aliases) else set()
        df = counts.document_frequency()
        freq = np.asarray(counts.matrix.sum(axis=0)).ravel()
        order = np.lexsort((-freq, -df))   # most documents, then most occurrences
        candidates = [str(counts.vocabulary[at]) for at in order[: 50 * n] if df[at] > 0]
        candidates = [t for t in candidates if len(t) >= 2 and t not in names]
        picked = self._spread_terms(candidates)[:n]
        if not picked:
            raise AnalysisError("The corpus has no term to follow: give 'keywords'.")
        return picked

    def first_appearance(self, terms: str | Sequence[str]) -> pd.DataFrame:
        """Find each group's first document using each term (:func:`analysis.stats.timeline.first_appearance`)."""
        return first_appearance(self.docs, self.counts, terms=terms, group_col=self.group_col)

    def events(self, events: Any) -> pd.DataFrame | None:
        """Read an event set or YAML file (:func:`analysis.stats.events.load_events`).

        A shipped set none of whose dates falls within the corpus's dates is
        left out (with a note): the COVID-19 events say nothing about 2019
        news. A file the researcher names is always drawn. None gives None.
        """
        from .params import check_parameter

        path = check_parameter("events", events)
        if path is None:
            return None
        table = load_events(path)
        dates = self.docs["date"].dropna()
        if isinstance(events, str) and events in event_sets() and len(dates) and not (
                table["date"].between(dates.min(), dates.max()).any()):
            warnings.warn(f"the event set {events!r} ({table['date'].min():%Y-%m-%d} to "
                          f"{table['date'].max():%Y-%m-%d}) lies outside the corpus's dates "
                          f"({dates.min():%Y-%m-%d} to {dates.max():%Y-%m-%d}); it is not "
                          f"drawn.", UserWarning, stacklevel=2)
            return None
        return table

    def near_duplicates(self, *, threshold: float = 0.8, cross_group_only: bool = False,
                        random_state: int = 0) -> pd.DataFrame:
        """List near-duplicate pairs, cached (:func:`analysis.stats.duplicates.near_duplicates`).

        All pairs are computed once (and cached); ``cross_group_only`` filters them.
        """
        pairs = self._cached("near_duplicates", {"threshold": threshold,
                                                 "random_state": random_state},
                             lambda: near_duplicates(self.docs, group_col=self.group_col,
                                                     threshold=threshold,
                                                     random_state=random_state))
        self._record("near_duplicates", threshold=threshold, k=pairs.attrs.get("k", 5),
                     method=pairs.attrs.get("method"))
        if cross_group_only:
            same = (pairs["group_a"] == pairs["group_b"]).fillna(False).to_numpy(dtype=bool)
            attrs = pairs.attrs
            pairs = pairs.loc[~same].reset_index(drop=True)
            pairs.attrs = attrs
        return pairs

    def similarity(self, *, pooling: str = "pooled", n_boot: int = 200, random_state: int = 0,
                   interval: str = "debiased", exclude_duplicates: bool = False,
                   duplicate_threshold: float = 0.8, without_reposts: bool = False,
                   **options: Any) -> pd.DataFrame:
        """Compare groups by cosine with bootstrap intervals, cached.

        See :func:`analysis.stats.similarity.bootstrap_similarity` (``n_boot=0``:
        :func:`~analysis.stats.similarity.group_similarity`, no interval). With
        ``exclude_duplicates`` the cached near-duplicate pairs are reused; with
        ``without_reposts`` a column ``similarity_without_reposts`` gives each
        pair's cosine once near-duplicates are dropped (one document a cluster).
        """
        _check_options(bootstrap_similarity if n_boot else group_similarity, options,
                       method="Study.similarity", filled=_FILLED + (
                           "pooling", "n_boot", "random_state", "interval",
                           "exclude_duplicates", "duplicates", "duplicate_threshold"))
        settings = dict(pooling=pooling, n_boot=n_boot, random_state=random_state,
                        interval=interval, exclude_duplicates=exclude_duplicates,
                        duplicate_threshold=duplicate_threshold, **options)
        pairs = (self.near_duplicates(threshold=duplicate_threshold, random_state=random_state)
                 if exclude_duplicates else None)
        if n_boot:
            table = self._cached("similarity", settings, lambda: bootstrap_similarity(
                self.docs, self.counts, group_col=self.group_col, pooling=pooling,
                n_boot=n_boot, random_state=random_state, interval=interval,
                exclude_duplicates=exclude_duplicates, duplicates=pairs,
                duplicate_threshold=duplicate_threshold, **options))
        else:
            table = group_similarity(self.docs, self.counts, group_col=self.group_col,
                                     pooling=pooling, exclude_duplicates=exclude_duplicates,
                                     duplicates=pairs, duplicate_threshold=duplicate_threshold,
                                     **options)
        if without_reposts:
            pairs = self.near_duplicates(threshold=duplicate_threshold, random_state=random_state)
            taken = inspect.signature(group_similarity).parameters  # not the bootstrap's ci
            without = group_similarity(self.docs, self.counts, group_col=self.group_col,
                                       pooling=pooling, exclude_duplicates=True, duplicates=pairs,
                                       duplicate_threshold=duplicate_threshold,
                                       **{k: v for k, v in options.items() if k in taken})
            attrs = table.attrs
            table = table.merge(without[["group_a", "group_b", "similarity"]].rename(
                columns={"similarity": "similarity_without_reposts"}),
                on=["group_a", "group_b"], how="left")
            table.attrs = {**attrs, "n_duplicates_dropped": without.attrs["n_duplicates_dropped"]}
        self._record("similarity", **_with_defaults(
            bootstrap_similarity if n_boot else group_similarity, settings,
            _FILLED + ("duplicates",)), without_reposts=without_reposts)
        return table

    def neighbours(self, *, k: int = 3, max_docs: int | None = 2000,
                   random_state: int = 0) -> pd.DataFrame:
        """List each document's nearest documents in other groups, cached.

        See :func:`analysis.stats.similarity.nearest_neighbours`.
        """
        table = self._cached("neighbours", {"k": k, "max_docs": max_docs,
                                            "random_state": random_state},
                             lambda: nearest_neighbours(self.docs, self.counts,
                                                        group_col=self.group_col, k=k,
                                                        max_docs=max_docs,
                                                        random_state=random_state))
        self._record("neighbours", k=k, max_docs=max_docs, random_state=random_state)
        if "title" in self.docs.columns:  # titles beside the ids, for a reader
            titles = self.docs.set_index("doc_id")["title"]
            attrs = table.attrs
            table = table.assign(title=titles.reindex(table["doc_id"]).to_numpy(),
                                 neighbour_title=titles.reindex(
                                     table["neighbour_doc_id"]).to_numpy())
            table.attrs = attrs
        return table

    def phrases(self, *, duplicate_threshold: float = 0.8, **options: Any) -> pd.DataFrame:
        """List the phrases groups share, reposts counted once, cached.

        See :func:`analysis.stats.phrases.shared_phrases`; near-duplicate
        clusters come from :meth:`near_duplicates` (``duplicate_threshold``).
        """
        _check_options(shared_phrases, options, method="Study.phrases",
                       filled=_FILLED + ("segmenter",))

        def compute() -> pd.DataFrame:
            pairs = self.near_duplicates(threshold=duplicate_threshold)
            clusters = duplicate_clusters(self.docs, pairs=pairs, group_col=None)
            return shared_phrases(self.docs, group_col=self.group_col,
                                  segmenter=self.segmenter,
                                  clusters=clusters.set_index("doc_id")["cluster"], **options)

        table = self._cached("phrases", {**options, "duplicate_threshold": duplicate_threshold},
                             compute)
        self._record("phrases", duplicate_threshold=duplicate_threshold,
                     **_with_defaults(shared_phrases, options, _FILLED + ("segmenter",)))
        return table

    def run(self, analysis: Callable[..., Any], *, cache: bool = True,
            tokens: bool = False, reposts_once: bool = False, **options: Any) -> Any:
        """Run any statistic written as ``analysis(docs, counts, *, group_col, **options)``.

        The documents, their counts and the group column are passed; the
        result is cached by content (when ``cache`` and it is a DataFrame, or
        a dict of DataFrames) and recorded for the methods paragraph, which
        adds the sentence ``analysis``'s module writes with its
        ``methods_text(record, lang)`` function, when it has one.

        Parameters
        ----------
        analysis : callable
            A statistic of :mod:`analysis.stats` (or any function of that shape).
        cache : bool, default True
            Keep the result in the results cache.
        tokens : bool, default False
            Pass the documents with their ``tokens`` column.
        reposts_once : bool, default False
            Pass ``clusters=`` the near-duplicate cluster of each document
            (:attr:`clusters`), for statistics that count a repost once.
        **options
            Passed on.

        Returns
        -------
        object
            What ``analysis`` returns.
        """
        name = f"{analysis.__module__.rsplit('.', 1)[-1]}.{analysis.__name__}"
        first_two = tuple(list(inspect.signature(analysis).parameters)[:2])  # documents, counts
        _check_options(analysis, options, method=f"Study.run({analysis.__name__})",
                       filled=first_two + ("group_col",) + (("clusters",) if reposts_once else ()))
        docs = self.tokens if tokens else self.docs

        def compute() -> Any:
            extra = {"clusters": self.clusters} if reposts_once else {}
            return analysis(docs, self.counts, group_col=self.group_col, **extra, **options)

        settings = {**options, "tokens": tokens, "reposts_once": reposts_once,
                    "source": _source_digest(analysis)}  # a change to its code recomputes
        result = self._cached(name, settings, compute) if cache else compute()
        self._record(name, _function=analysis, reposts_once=reposts_once, **options)
        return result

    def new_words(self, **options: Any) -> pd.DataFrame:
        """Propose words the dictionary cuts, with evidence, cached.

        See :func:`analysis.stats.newwords.new_word_candidates`; accept them with
        ``python -m analysis words --corpus ... --accept WORD ...`` (or
        :func:`analysis.tokens.dictionary.add_user_words`).
        """
        _check_options(new_word_candidates, options, method="Study.new_words",
                       filled=("docs", "segmenter"))
        return self._cached("new_words", options, lambda: new_word_candidates(
            self.docs, segmenter=self.segmenter, **options))

    def kwic(self, term: str, **options: Any) -> pd.DataFrame:
        """Show each occurrence of a term in context (:func:`analysis.stats.kwic.kwic`)."""
        _check_options(kwic, options, method="Study.kwic", filled=("docs", "term"))
        return kwic(self.docs, term, **options)

    # -- output ----------------------------------------------------------------

    def figure(self, name: str, plot: Callable[..., Figure], table: pd.DataFrame, *,
               data: pd.DataFrame | None = None, params: Mapping[str, Any] | None = None,
               **options: Any) -> SavedFigure:
        """Draw ``plot(table, **options)`` and save it, unless it is saved already.

        The figure is keyed by everything it is drawn from: the plotting
        function and its options, the table, the data written beside it, the
        notebook's parameters, the corpus fingerprint, the formats, the figure
        code and the package versions. When ``output_dir/manifest.json`` holds
        that key and every file is intact, nothing is drawn (a warm rerun of
        twelve word clouds takes no time) and the saved PNG is shown instead.

        Parameters
        ----------
        name : str
            The file stem, e.g. ``"02_wordclouds"``.
        plot : callable
            A function of :mod:`analysis.figures` taking the table first.
        table : pandas.DataFrame
            What is drawn.
        data : pandas.DataFrame, optional
            The table written beside the figure as CSV; default ``table``.
        params : mapping, optional
            Settings to record besides the notebook's parameters.
        **options
            Passed to ``plot``.

        Returns
        -------
        SavedFigure
        """
        data = table if data is None else data
        accepts = inspect.signature(plot).parameters
        if "groups" in accepts and "groups" not in options:
            options["groups"] = self.groups_by_size
        if "palette" in accepts and "palette" not in options:
            options["palette"] = self.palette
        record = self._record_params(params)
        key = hashlib.sha256("\n".join([
            f"{plot.__module__}.{plot.__qualname__}", _digest(options), _digest(table),
            _digest(data), _digest(record), _digest(self.fingerprint),
            _digest(list(self.params.formats)), _figures_digest(),
            _digest(package_versions())]).encode()).hexdigest()
        entry = saved_entry(self.params.output_dir, name, key)
        if entry is not None:
            _show_saved(self.params.output_dir, name, entry)
            return SavedFigure(name, self.params.output_dir, tuple(entry["files"]), entry,
                               cached=True)
        with font_cache_dir(self.params.cache_dir):  # the font instance follows cache_dir
            return self.save(plot(table, **options), name, data=data, params=params, key=key)

    def _record_params(self, params: Mapping[str, Any] | None) -> dict[str, Any]:
        return portable({"corpus_dir": self.params.corpus_dir, "metadata": self.params.metadata,
                         **self._given, **dict(params or {})})

    def save(self, fig: Figure, name: str, *, data: pd.DataFrame | None = None,
             params: Mapping[str, Any] | None = None, key: str | None = None) -> SavedFigure:
        """Write a figure, its data and its manifest entry (:func:`analysis.figures.save.save_figure`).

        The entry records every parameter of the notebook (the Study's and
        :attr:`parameters`), ``params`` on top, and the corpus fingerprint.

        Parameters
        ----------
        fig : matplotlib.figure.Figure
            The figure.
        name : str
            The file stem, e.g. ``"03_keyness"``.
        data : pandas.DataFrame, optional
            The table drawn, written beside it as CSV.
        params : mapping, optional
            Settings to record besides the notebook's parameters.
        key : str, optional
            The digest of the figure's inputs (:meth:`figure` passes it).

        Returns
        -------
        SavedFigure
        """
        entry = save_figure(fig, name, data=data, formats=self.params.formats,
                            output_dir=self.params.output_dir,
                            params=self._record_params(params), corpus=self.fingerprint,
                            key=key)
        return SavedFigure(name, self.params.output_dir, tuple(entry["files"]), entry)

    def explorer(self, data: Mapping[str, pd.DataFrame], name: str = "11_explorer", *,
                 height: int = 860) -> Any:
        """Write the term explorer page of ``data`` unless it is saved already, and show it.

        The page (:func:`analysis.figures.explorer.explorer_html`) is keyed like
        a figure: the tables, the notebook's parameters, the corpus fingerprint,
        the figure code and assets and the package versions. When
        ``output_dir/manifest.json`` holds that key and the file is intact, the
        saved page is read instead of built again (building it takes 19 s on
        the shared corpus: its tables made into JSON, a font subset, compression).

        Parameters
        ----------
        data : mapping of str to DataFrame
            What :func:`analysis.figures.explorer.explorer_data` returned
            (through :meth:`run`).
        name : str, default '11_explorer'
            The file stem and manifest key.
        height : int, default 860
            Height of the inline frame, in pixels.

        Returns
        -------
        IPython.display.HTML
            The page in a sandboxed frame (:func:`analysis.figures.explorer.show_explorer`).
        """
        if not isinstance(data, Mapping) or not all(isinstance(v, pd.DataFrame)
                                                    for v in data.values()):
            raise AnalysisError(f"The 'data' parameter of Study.explorer must be what "
                                f"explorer_data returns (a dict of DataFrames); got "
                                f"{type(data).__name__}.")
        check_number(height, param="height", func="Study.explorer", low=200, integer=True)
        record = {**vars(self.params), **self.parameters}
        kept = {k: v for k, v in record.items() if k not in UNRECORDED_PARAMS}
        key = hashlib.sha256("\n".join([
            "explorer", _digest(dict(data)), _digest(kept), _digest(self.fingerprint),
            _figures_digest(), files_digest((DATA_DIR / "explorer").glob("*")),
            _digest(package_versions())]).encode()
        ).hexdigest()
        folder = self.params.output_dir
        path = Path(folder) / f"{name}.html"
        if saved_entry(folder, name, key) is not None:
            page = path.read_text(encoding="utf-8")
        else:
            page = explorer_html(data, corpus=self.fingerprint, params=record)
            save_explorer(page, name, output_dir=folder, params=record,
                          corpus=self.fingerprint, key=key)
        return show_explorer(page, height=height, path=path)

    def methods_paragraph(self, lang: str = "en") -> str:
        """Write the methods paragraph of what this Study ran, from its records only.

        Parameters
        ----------
        lang : {'en', 'zh'}, default 'en'
            English or Chinese.

        Returns
        -------
        str
        """
        done = {r["analysis"]: r for r in self.records}
        counted = any(a in done for a in ("tfidf", "keyness", "timeline", "similarity",
                                          "neighbours")) or \
            "phrases" in done
        weighting = None
        if "tfidf" in done:
            r = done["tfidf"]
            weighting = {"method": "tfidf", "group_col": self.group_col,
                         **{k: r[k] for k in ("sublinear_tf", "norm", "smooth_idf", "min_df",
                                              "max_df") if k in r}}
        test = corr = sim = None
        if "keyness" in done:
            r = done["keyness"]
            test = {"measure": r["measure"], "min_freq": r["min_freq"],
                    "reference": r["reference"]}
            corr = {"method": r["correction"], "alpha": r["alpha"]}
        if "similarity" in done:
            r = done["similarity"]
            sim = {"measure": "cosine", "representation": "tfidf", "unit": self.group_col,
                   **{k: r[k] for k in ("pooling", "sublinear_tf", "n_boot", "ci", "interval",
                                        "exclude_duplicates", "duplicate_threshold") if k in r}}
        corpus = {**self.fingerprint, "group_col": self.group_col,
                  "n_groups": int(self.docs[self.group_col].nunique())}
        counted = counted or any("_function" in r for r in self.records)
        text = methods_paragraph(corpus=corpus,
                                 segmenter_info=segmenter_info(self.segmenter) if counted
                                 else None,
                                 weighting=weighting, keyness_test=test, correction=corr,
                                 similarity=sim, lang=lang)
        extra = []
        for record in done.values():
            module = sys.modules.get(getattr(record.get("_function"), "__module__", ""))
            describe = getattr(module, "methods_text", None)
            if describe is not None:
                extra.append(describe({k: v for k, v in record.items() if k != "_function"},
                                      lang))
        return (" " if lang == "en" else "").join([text, *filter(None, extra)])

    @staticmethod
    def show(table: pd.DataFrame, columns: Sequence[str] | None = None, *, n: int = 20,
             width: int = 24) -> None:
        """Display the first rows of a table for reading, long texts cut short.

        Titles and sentences of 60 characters squeeze a notebook's table into
        one character a line; here each text is cut to ``width`` characters
        (ending in "…"). The table itself keeps every character (and the CSV
        beside a figure too).

        Parameters
        ----------
        table : pandas.DataFrame
            The table.
        columns : sequence of str, optional
            The columns to show, in order; default all.
        n : int, default 20
            Rows shown.
        width : int, default 24
            Characters kept of each text.
        """
        check_number(n, param="n", func="Study.show", low=1, integer=True)
        check_number(width, param="width", func="Study.show", low=2, integer=True)
        for col in columns or []:
            check_column(table, col, param="columns", func="Study.show")
        part = table.loc[:, list(columns)] if columns else table
        part = part.head(n).copy()
        for col in part.columns:
            if pd.api.types.is_string_dtype(part[col]) or part[col].dtype == object:
                text = part[col].astype("string")
                long = text.str.len() > width
                part[col] = text.where(~long.fillna(False), text.str.slice(0, width - 1) + "…")
        try:
            from IPython import get_ipython
            from IPython.display import display
        except ImportError:  # pragma: no cover - IPython ships with the notebooks' kernel
            get_ipython = None
        if get_ipython is not None and get_ipython() is not None:
            display(part)
        else:
            print(part.to_string())

    def summary(self) -> str:
        """Describe the selected documents in one line."""
        docs = self.docs
        dates = docs["date"].dropna() if "date" in docs else pd.Series(dtype="datetime64[ns]")
        span = f", {dates.min():%Y-%m-%d} to {dates.max():%Y-%m-%d}" if len(dates) else ""
        groups = docs[self.group_col].dropna()
        return (f"{len(docs):,} documents, {groups.nunique()} groups in "
                f"{self.group_col!r} ({format_list(sorted(map(str, groups.unique())), limit=6)})"
                f"{span}")

