"""Time the naive pipeline and ours (cold and warm cache) on one generated corpus.

Each pipeline runs in a fresh Python process (``python -m benchmarks.run
PIPELINE CORPUS CACHE``), which prints one JSON line: seconds per stage and
the peak resident memory of the process (``VmHWM``) and of its worker
processes (``RUSAGE_CHILDREN``). :func:`benchmark` runs the three in turn on
the same corpus and returns the table.

- ``naive``: files read with ``open``, ``df["text"].apply(jieba.lcut)``,
  ``TfidfVectorizer`` on the token lists, institution vectors as the mean of
  their documents' TF-IDF rows and their cosine similarities.
- ``cold`` / ``warm`` (ours, empty cache then the cache it filled):
  :func:`analysis.load_corpus`, :func:`analysis.counts.corpus_counts`
  (segmentation in a fork pool through the token cache, Arrow counts, counts
  cache), TF-IDF (:meth:`~analysis.counts.TermCounts.tfidf`), keyness of each
  institution against the rest (G2 and Benjamini-Hochberg from
  :mod:`analysis.keyness` on pooled counts) and the cosine similarity of the
  institutions' pooled TF-IDF vectors (idf over documents, as
  :func:`analysis.similarity.group_similarity`).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["PIPELINES", "STAGES", "benchmark", "markdown_table", "run_pipeline"]

PIPELINES = ("naive", "cold", "warm")
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
    differing = sum(a != b for a, b in zip(fast, reference))
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
        total), ``total``, ``n_docs``, ``peak_rss_mb`` and ``workers_peak_rss_mb``.
    """
    seconds: dict[str, float] = {}

    class timer:  # noqa: N801 - used as a context manager
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
            "peak_rss_mb": _peak_rss_mb(), "workers_peak_rss_mb": workers}


def _subprocess(name: str, corpus: Path, cache: Path, n_jobs: int, limit: int | None
                ) -> dict[str, Any]:
    """Run a pipeline in a fresh Python process and read its JSON line."""
    command = [sys.executable, "-m", "benchmarks.run", name, str(corpus), str(cache),
               "--jobs", str(n_jobs)] + (["--limit", str(limit)] if limit else [])
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(command, capture_output=True, text=True, cwd=root, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"The {name} pipeline failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def benchmark(corpus: str | os.PathLike, cache: str | os.PathLike, *, n_jobs: int = 2,
              naive_docs: int | None = None, pipelines: tuple[str, ...] = PIPELINES
              ) -> dict[str, Any]:
    """Run the pipelines one after the other, each in a fresh process.

    Parameters
    ----------
    corpus : path-like
        The generated corpus folder.
    cache : path-like
        An empty folder for our caches (``cold`` fills it, ``warm`` reads it).
    n_jobs : int, default 2
        Worker processes for our segmentation.
    naive_docs : int, optional
        Run the naive pipeline on the first ``naive_docs`` documents only and
        extrapolate its times linearly to the whole corpus (marked so).
    pipelines : tuple of str, default ('naive', 'cold', 'warm')
        Which to run.

    Returns
    -------
    dict
        ``results`` (one dict per pipeline) and ``ratios`` (naive/cold and
        naive/warm wall-time ratios, per stage and in total).
    """
    corpus, cache = Path(corpus), Path(cache)
    n_docs = len(list(corpus.glob("*.txt")))
    results = {}
    for name in pipelines:
        limit = naive_docs if name == "naive" and naive_docs and naive_docs < n_docs else None
        result = _subprocess(name, corpus, cache, n_jobs, limit)
        if limit:
            scale = n_docs / result["n_docs"]
            result |= {"extrapolated_from": result["n_docs"], "n_docs": n_docs,
                       "seconds": {k: v * scale if k in STAGES else v
                                   for k, v in result["seconds"].items()},
                       "total": result["total"] * scale}
        result["docs_per_second"] = result["n_docs"] / result["total"]
        results[name] = result
    ratios = {}
    if "naive" in results:
        for name in ("cold", "warm"):
            if name in results:
                ratios[f"naive/{name}"] = results["naive"]["total"] / results[name]["total"]
    n_chars = sum(len(p.read_text(encoding="utf-8")) for p in corpus.glob("*.txt"))
    return {"n_docs": n_docs, "n_chars": n_chars, "n_jobs": n_jobs, "results": results,
            "ratios": ratios}


def markdown_table(report: dict[str, Any]) -> str:
    """Format a :func:`benchmark` report as a markdown table."""
    head = ["pipeline", "startup", *STAGES, "total s", "docs/s", "peak RSS MB", "workers RSS MB"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, res in report["results"].items():
        label = name + (f" (extrapolated from {res['extrapolated_from']} docs)"
                        if res.get("extrapolated_from") else "")
        cells = [f"{res['seconds'][s]:.2f}" if s in res["seconds"] else "-"
                 for s in ("startup", *STAGES)]
        lines.append("| " + " | ".join([label, *cells, f"{res['total']:.2f}",
                                        f"{res['docs_per_second']:.0f}",
                                        f"{res['peak_rss_mb']:.0f}",
                                        f"{res['workers_peak_rss_mb']:.0f}"]) + " |")
    ratios = ", ".join(f"{k} = {v:.1f}x" for k, v in report["ratios"].items())
    notes = [f"{report['n_docs']} documents, {report.get('n_chars', 0) / 1e6:.1f} million "
             f"characters" + (f"; {ratios}" if ratios else "")]
    cold = report["results"].get("cold", {}).get("identity")
    if cold:
        notes.append(f"tokens of {cold['docs']} cold-run documents re-segmented with jieba: "
                     f"{cold['tokens']} tokens, {cold['differing_docs']} documents differ")
    return "\n".join(lines) + "\n\n" + "\n".join(notes)


def main(argv: list[str] | None = None) -> int:
    """Run one pipeline (the child process side) and print its JSON line."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m benchmarks.run")
    parser.add_argument("pipeline", choices=PIPELINES)
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
