"""Time the naive recipe, our stages and the notebooks through the runner on one corpus.

Every row runs in a fresh Python process, timed from start to exit, with the
peak memory of the process and all its descendants sampled from /proc
(:mod:`benchmarks.memory`):

- ``naive``: files read with ``open``, ``df["text"].apply(jieba.lcut)``,
  ``TfidfVectorizer`` on the token lists, institution vectors as the mean of
  their documents' TF-IDF rows and their cosine similarities
  (``python -m benchmarks.run naive CORPUS CACHE``, which prints one JSON line
  of seconds per stage);
- ``stages cold`` / ``stages warm`` (empty cache, then the cache it filled):
  :func:`analysis.load_corpus`, :func:`analysis.stats.counts.corpus_counts`
  (segmentation in a fork pool through the token cache, Arrow counts, counts
  cache), TF-IDF (:meth:`~analysis.stats.counts.TermCounts.tfidf`), keyness of
  each institution against the rest (G2 and Benjamini-Hochberg from
  :mod:`analysis.stats.keyness` on pooled counts) and the cosine similarity of
  the institutions' pooled TF-IDF vectors (idf over documents, as
  :func:`analysis.stats.similarity.group_similarity`); the cold run then
  re-segments a sample with jieba and compares every token (in its wall-clock
  time, not in its stage seconds);
- ``runner cold`` / ``runner warm`` / ``runner rerun``: ``python -m analysis
  run`` over the notebooks (all, or ``only``) with an empty ``--cache-dir``,
  then the same again (unchanged notebooks are kept, not executed), then again
  with ``--force`` (every notebook executed, on the warm caches)
  (:mod:`benchmarks.notebooks`), with the seconds of each notebook.

:func:`benchmark` runs them in turn and returns the report that
:func:`markdown_table` prints: the stage rows are compared by their stage
seconds (imports left out), the runner rows by whole-process wall-clock time
against the naive process's (its imports included).
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .memory import measure
from .notebooks import run_notebooks_timed

__all__ = ["PIPELINES", "ROWS", "STAGES", "benchmark", "markdown_table", "run_pipeline"]

PIPELINES = ("naive", "stages", "runner")  # what benchmark() can run; stages twice, runner thrice
ROWS = ("naive", "stages cold", "stages warm", "runner cold", "runner warm", "runner rerun")
STAGES = ("load", "tokens", "tfidf", "keyness", "similarity")
IDENTITY_DOCS = 300  # documents of the cold run re-segmented with jieba to compare tokens


def _peak_rss_mb() -> float:
    """Return this process's peak resident set size in MB (VmHWM)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _identity(tokens: list[str]) -> list[str]:
    return tokens


def _naive(corpus: Path, limit: int | None, timer: Callable) -> dict[str, Any]:
    with timer("startup"):
        import jieba
        import pandas as pd
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.metrics.pairwise import cosine_similarity

    with timer("load"):
        files = sorted(corpus.glob("*.txt"))[:limit]
        df = pd.DataFrame({"doc_id": [f.stem for f in files],
                           "text": [f.read_text(encoding="utf-8") for f in files]})
        meta = pd.read_csv(corpus / "metadata.csv", dtype=str)
        df = df.merge(meta, on="doc_id", how="left")
    with timer("tokens"):
        jieba.setLogLevel(60)
        df["tokens"] = df["text"].apply(jieba.lcut)
    with timer("tfidf"):
        weights = TfidfVectorizer(analyzer=_identity).fit_transform(df["tokens"])
    with timer("similarity"):
        groups = df["institution"].to_numpy()
        vectors = np.vstack([np.asarray(weights[groups == g].mean(axis=0))
                             for g in sorted(set(groups))])
        cosine_similarity(vectors)
    return {"n_docs": len(df), "n_terms": weights.shape[1]}


def _keyness(pooled: Any) -> int:
    """Score every institution against the rest; return the significant terms."""
    from analysis.stats.keyness import benjamini_hochberg, chi2_sf, log_likelihood

    total = np.asarray(pooled.matrix.sum(axis=0)).ravel()
    significant = 0
    for row in range(pooled.matrix.shape[0]):
        a = pooled.matrix[row].toarray().ravel()
        b = total - a
        tested = a + b >= 5
        g2 = log_likelihood(a[tested], b[tested], a.sum(), b.sum())
        significant += int((benjamini_hochberg(chi2_sf(g2)) < 0.05).sum())
    return significant


def _ours(corpus: Path, cache: Path, n_jobs: int, limit: int | None,
          timer: Callable) -> dict[str, Any]:
    with timer("startup"):
        import scipy.sparse as sp
        from sklearn.preprocessing import normalize

        from analysis import load_corpus
        from analysis.stats.counts import corpus_counts
        from analysis.stats.keyness import log_likelihood  # noqa: F401

    with timer("load"):
        docs = load_corpus(corpus, keep_raw=False, use_cache=True, cache_dir=cache,
                           n_jobs=n_jobs)
        docs = docs.iloc[:limit] if limit else docs
    with timer("tokens"):
        counts = corpus_counts(docs, cache_dir=cache, n_jobs=n_jobs)
    with timer("tfidf"):
        counts.tfidf()
    with timer("keyness"):
        pooled = counts.pool(docs["institution"], name="institution")
        significant = _keyness(pooled)
    with timer("similarity"):
        n = counts.matrix.shape[0]
        df = np.bincount(counts.matrix.indices, minlength=counts.matrix.shape[1])
        idf = np.log((1 + n) / (1 + df)) + 1
        vectors = normalize(pooled.matrix @ sp.diags(idf))
        (vectors @ vectors.T).toarray()
    identical = _check_identity(docs, cache) if counts.info.get("counts_cache") == "miss" else None
    return {"n_docs": n, "n_terms": len(counts.vocabulary), "significant": significant,
            "cache": counts.info.get("counts_cache"), "identity": identical}


def _check_identity(docs: Any, cache: Path, n: int = IDENTITY_DOCS) -> dict[str, int]:
    """Compare the cached tokens of a sample with jieba's (not timed): every token."""
    from analysis.tokens import SegmenterConfig, tokenize

    sample = docs.sample(min(n, len(docs)), random_state=0)
    fast = tokenize(sample, cache_dir=cache)["tokens"].tolist()  # from the cold run's cache
    reference = tokenize(sample, config=SegmenterConfig(backend="jieba"), use_cache=False,
                         n_jobs=1)["tokens"].tolist()
    differing = sum(a != b for a, b in zip(fast, reference, strict=True))
    return {"docs": len(sample), "tokens": sum(len(t.split()) for t in reference),
            "differing_docs": differing}


def run_pipeline(name: str, corpus: str | os.PathLike, cache: str | os.PathLike, *,
                 n_jobs: int = 2, limit: int | None = None) -> dict[str, Any]:
    """Run one pipeline in this process and return its timings.

    Parameters
    ----------
    name : {'naive', 'cold', 'warm'}
        The pipeline; ``cold`` and ``warm`` differ only by the cache they find.
    corpus : path-like
        A folder written by :func:`benchmarks.generate.generate_corpus`.
    cache : path-like
        The token and counts cache folder of ours.
    n_jobs : int, default 2
        Worker processes for our segmentation.
    limit : int, optional
        Use only the first ``limit`` documents (the naive pipeline on a sample).

    Returns
    -------
    dict
        ``seconds`` per stage (and ``startup``, the imports, not in the
        total), ``total``, ``n_docs``, ``self_peak_rss_mb`` (this process's
        ``VmHWM``) and ``workers_peak_rss_mb`` (the largest of its ended
        worker processes, ``RUSAGE_CHILDREN``).
    """
    seconds: dict[str, float] = {}

    class timer:
        def __init__(self, stage: str) -> None:
            self.stage = stage

        def __enter__(self) -> None:
            self.start = time.perf_counter()

        def __exit__(self, *exc: object) -> None:
            seconds[self.stage] = time.perf_counter() - self.start

    corpus, cache = Path(corpus), Path(cache)
    if name == "naive":
        extra = _naive(corpus, limit, timer)
    else:
        extra = _ours(corpus, cache, n_jobs, limit, timer)
    total = sum(v for k, v in seconds.items() if k in STAGES)
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"pipeline": name, "seconds": seconds, "total": total, **extra,
            "self_peak_rss_mb": _peak_rss_mb(), "workers_peak_rss_mb": workers}


def _subprocess(name: str, corpus: Path, cache: Path, n_jobs: int, limit: int | None
                ) -> dict[str, Any]:
    """Run a pipeline in a fresh Python process; read its JSON line, add time and memory."""
    command = [sys.executable, "-m", "benchmarks.run", name, str(corpus), str(cache),
               "--jobs", str(n_jobs)] + (["--limit", str(limit)] if limit else [])
    done = measure(command, cwd=Path(__file__).resolve().parents[1])
    if done.returncode != 0:
        raise RuntimeError(f"The {name} pipeline failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1]) | {"wall": done.wall,
                                                                **done.memory()}


def _extrapolate(result: dict[str, Any], n_docs: int) -> dict[str, Any]:
    """Scale a naive run on the first documents to the whole corpus (stages only)."""
    scale = n_docs / result["n_docs"]
    total = result["total"] * scale
    return result | {"extrapolated_from": result["n_docs"], "n_docs": n_docs,
                     "seconds": {k: v * scale if k in STAGES else v
                                 for k, v in result["seconds"].items()},
                     "total": total, "wall": result["wall"] - result["total"] + total}


def benchmark(corpus: str | os.PathLike, work: str | os.PathLike, *, n_jobs: int = 2,
              naive_docs: int | None = None, pipelines: Sequence[str] = PIPELINES,
              only: Sequence[str] | None = None) -> dict[str, Any]:
    """Run the rows one after the other, each in a fresh process, on one corpus.

    Parameters
    ----------
    corpus : path-like
        The generated corpus folder.
    work : path-like
        A folder for the caches and figures of the runs (created; the stage
        pipeline and the runner each start from an empty cache of their own).
    n_jobs : int, default 2
        Worker processes for our segmentation in the stage rows.
    naive_docs : int, optional
        Run the naive recipe on the first ``naive_docs`` documents only and
        extrapolate its stage times linearly to the whole corpus (marked so).
    pipelines : sequence of str, default ('naive', 'stages', 'runner')
        Which to run; ``stages`` runs cold, then warm; ``runner`` cold, warm
        (unchanged notebooks kept) and rerun (``--force``: all executed again).
    only : sequence of str, optional
        Notebooks for the runner (``--only``), e.g. ``["02", "05"]``; default all.

    Returns
    -------
    dict
        ``n_docs``, ``n_jobs``, ``only``, ``results`` (one dict per row of
        :data:`ROWS` run: ``seconds`` per stage or ``notebooks``, ``total``,
        ``wall``, ``peak_rss_mb`` of the process tree, ``largest_rss_mb``) and
        ``ratios``: naive over each other row, on stage seconds for the stage
        rows and on whole-process wall-clock time for the runner rows.
    """
    corpus, work = Path(corpus).resolve(), Path(work).resolve()
    work.mkdir(parents=True, exist_ok=True)
    n_docs = sum(1 for _ in corpus.glob("*.txt"))
    results: dict[str, dict[str, Any]] = {}
    if "naive" in pipelines:
        limit = naive_docs if naive_docs and naive_docs < n_docs else None
        result = _subprocess("naive", corpus, work / "cache-naive", n_jobs, limit)
        results["naive"] = _extrapolate(result, n_docs) if limit else result
    if "stages" in pipelines:
        for name in ("cold", "warm"):
            result = _subprocess(name, corpus, work / "cache-stages", n_jobs, None)
            results[f"stages {name}"] = result | {"pipeline": f"stages {name}"}
    if "runner" in pipelines:
        for name in ("cold", "warm", "rerun"):
            results[f"runner {name}"] = run_notebooks_timed(
                corpus, work / "figures-runner", work / "cache-runner", only=only,
                label=f"runner {name}", force=name == "rerun")
    for result in results.values():
        result["n_docs"] = n_docs
        result["docs_per_second"] = n_docs / result["total"] if result["total"] else None
    ratios = {}
    if "naive" in results:
        naive = results["naive"]
        for name, result in results.items():
            if name.startswith("stages"):
                ratios[f"naive/{name}"] = naive["total"] / result["total"]
            elif name.startswith("runner"):
                ratios[f"naive/{name}"] = naive["wall"] / result["wall"]
    return {"n_docs": n_docs, "n_jobs": n_jobs, "only": list(only) if only else None,
            "results": results, "ratios": ratios}


_MARKS = {"ok": "", "cached": " kept", "failed": " failed"}


def _cell(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def markdown_table(report: dict[str, Any]) -> str:
    """Format a benchmark report as one markdown table and notes below it.

    Parameters
    ----------
    report : dict
        What :func:`benchmark` returns, with the ``corpus`` entry that
        ``python -m benchmarks`` adds (documents, characters, clause repetition).

    Returns
    -------
    str
        A row per pipeline: stage seconds (naive and stage rows), each
        notebook's seconds (runner rows), total and wall-clock seconds,
        documents a second, peak RSS of the process tree and of its largest
        process; then the ratios, the clause repetition and the token check.
    """
    results = report["results"]
    books = list(dict.fromkeys(b for r in results.values() for b in r.get("notebooks", {})))
    head = ["pipeline", "startup", *STAGES, *(b.split("_", 1)[0] for b in books), "total s",
            "wall s", "docs/s", "peak RSS MB", "largest MB"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, res in results.items():
        label = name + (f" (extrapolated from {res['extrapolated_from']} docs)"
                        if res.get("extrapolated_from") else "")
        seconds = res.get("seconds", {})
        notebooks = res.get("notebooks", {})
        cells = [_cell(seconds.get(s)) for s in ("startup", *STAGES)]
        cells += [_cell(notebooks[b]["seconds"], 1) + _MARKS[notebooks[b]["status"]]
                  if b in notebooks else "-" for b in books]
        cells += [_cell(res["total"]), _cell(res["wall"]), _cell(res["docs_per_second"], 0),
                  _cell(res["peak_rss_mb"], 0), _cell(res["largest_rss_mb"], 0)]
        lines.append("| " + " | ".join([label, *cells]) + " |")
    corpus = report.get("corpus", {})
    notes = [f"{report['n_docs']:,} documents"
             + (f", {corpus['n_chars'] / 1e6:.1f} million characters" if corpus else "")
             + (f"; notebooks: {', '.join(books)}" if books else "")]
    if report["ratios"]:
        notes.append(", ".join(f"{k} = {v:.1f}x" for k, v in report["ratios"].items())
                     + " (stage rows: stage seconds; runner rows: wall-clock, whole processes)")
    rep = corpus.get("repetition", {})
    if rep:
        shared = (f", shared corpus {rep['shared']:.1%} ({rep['shared_docs']:,} documents)"
                  if rep.get("shared") is not None else ", shared corpus absent")
        learnt = f"; the generator learnt from {corpus['source']}" if corpus.get("source") else ""
        notes.append(f"clause repetition: generated {rep['generated']:.1%}{shared}{learnt}")
    cold = results.get("stages cold", {}).get("identity")
    if cold:
        notes.append(f"tokens of {cold['docs']} cold-run documents re-segmented with jieba: "
                     f"{cold['tokens']:,} tokens, {cold['differing_docs']} documents differ")
    slowest = [f"{book.split('_', 1)[0]} [{cell['cell']}] `{cell['code']}` {cell['seconds']:.1f} s"
               for book, nb in results.get("runner cold", {}).get("notebooks", {}).items()
               for cell in sorted((c for c in nb.get("cells", []) if c["seconds"] is not None),
                                  key=lambda c: -c["seconds"])[:1]]
    if slowest:
        notes.append("slowest cell per notebook (runner cold): " + "; ".join(slowest))
    failed = [f"{name} {book}: {nb['error']}" for name, res in results.items()
              for book, nb in res.get("notebooks", {}).items() if nb["status"] == "failed"]
    notes += [f"FAILED {line}" for line in failed]
    return "\n".join(lines) + "\n\n" + "\n".join(notes)


def main(argv: list[str] | None = None) -> int:
    """Run one pipeline (the child process side) and print its JSON line."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m benchmarks.run")
    parser.add_argument("pipeline", choices=("naive", "cold", "warm"))
    parser.add_argument("corpus")
    parser.add_argument("cache")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args(argv)
    result = run_pipeline(args.pipeline, args.corpus, args.cache, n_jobs=args.jobs,
                          limit=args.limit)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
