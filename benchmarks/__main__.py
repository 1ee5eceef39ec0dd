"""Generate a corpus and time the naive recipe, our stages and the notebooks on it.

Usage: ``python -m benchmarks --docs 10000 [--only 02 05] [--naive-docs N]
[--jobs 2] [--pipelines naive,stages,runner] [--json FILE] [--workdir DIR]
[--keep] [--seed 0]``.

The corpus, caches and figures go into a temporary folder, removed at the end
unless ``--keep`` (or ``--workdir``, which also reuses a corpus generated there
before); the table is printed and the report written as JSON.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from .generate import describe_corpus, generate_corpus, sentence_pool, shared_repetition
from .run import PIPELINES, benchmark, markdown_table


def _corpus(corpus: Path, n_docs: int, seed: int) -> dict[str, Any]:
    """Generate the corpus (unless already there) and describe it with the shared corpus."""
    info: dict[str, Any] = {"path": str(corpus)}
    if not (corpus / "metadata.csv").exists():
        start = time.perf_counter()
        pool = sentence_pool()
        info["pool_seconds"] = time.perf_counter() - start
        made = generate_corpus(corpus, n_docs, pool=pool, random_state=seed)
        info |= {"source": made.source, "generate_seconds": made.seconds,
                 "reposts": made.reposts, "joined_clauses": made.joined,
                 "redrawn_sentences": made.redrawn, "target": made.target}
        shared = (pool.repetition, pool.shared_docs) if pool.repetition is not None else None
        print(f"corpus: {n_docs} documents from {made.source} in {corpus} "
              f"({info['pool_seconds']:.1f} s learning, {made.seconds:.1f} s writing)",
              file=sys.stderr)
    else:
        shared = shared_repetition()
        print(f"corpus: reusing {corpus}", file=sys.stderr)
    described = describe_corpus(corpus)
    info |= {"n_docs": described["n_docs"], "n_chars": described["n_chars"],
             "repetition": {"generated": described["repetition"],
                            "shared": shared[0] if shared else None,
                            "shared_docs": shared[1] if shared else 0}}
    return info


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments, run the benchmark, print the table and write the JSON."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--docs", type=int, default=10_000, help="documents to generate")
    parser.add_argument("--only", nargs="+", metavar="NOTEBOOK", default=None,
                        help="notebooks for the runner rows (e.g. 02 05); default all")
    parser.add_argument("--naive-docs", type=int, default=None,
                        help="run the naive recipe on this many documents and extrapolate")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes of the stage rows")
    parser.add_argument("--pipelines", default=",".join(PIPELINES),
                        help="comma-separated subset of naive,stages,runner")
    parser.add_argument("--json", default=None, help="JSON output file "
                        "(default: benchmark-DOCS.json)")
    parser.add_argument("--workdir", default=None, help="folder for the corpus, caches and "
                        "figures (default: a temporary folder, removed afterwards); a corpus "
                        "generated there before is reused")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--seed", type=int, default=0, help="random_state of the generator")
    args = parser.parse_args(argv)
    pipelines = tuple(p for p in args.pipelines.split(",") if p)
    if not pipelines or not set(pipelines) <= set(PIPELINES):
        parser.error(f"--pipelines must name some of {list(PIPELINES)}; got {args.pipelines!r}")
    work = Path(args.workdir or tempfile.mkdtemp(prefix="bench-")).resolve()
    try:
        corpus = _corpus(work / "corpus", args.docs, args.seed)
        shutil.rmtree(work / "runs", ignore_errors=True)  # cold runs start from empty caches
        report = benchmark(work / "corpus", work / "runs", n_jobs=args.jobs,
                           naive_docs=args.naive_docs, pipelines=pipelines, only=args.only)
    finally:
        if args.keep or args.workdir:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    if not (args.keep or args.workdir):
        del corpus["path"]  # removed
    report["corpus"] = corpus
    print(markdown_table(report))
    out = Path(args.json or f"benchmark-{args.docs}.json")
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
