"""Generate a corpus and time the naive pipeline and ours on it.

Usage: ``python -m benchmarks --docs 10000 [--naive-docs 10000] [--jobs 2]
[--json results.json] [--workdir DIR] [--keep]``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from .generate import generate_corpus, sentence_pool
from .run import PIPELINES, benchmark, markdown_table


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments, run the benchmark, print the table and write the JSON."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--docs", type=int, default=10_000, help="documents to generate")
    parser.add_argument("--naive-docs", type=int, default=None,
                        help="run the naive pipeline on this many documents and extrapolate")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes of ours")
    parser.add_argument("--pipelines", default=",".join(PIPELINES),
                        help="comma-separated subset of naive,cold,warm")
    parser.add_argument("--json", default="benchmark-results.json", help="JSON output file")
    parser.add_argument("--workdir", default=None, help="folder for the corpus and cache "
                        "(default: a temporary folder, removed afterwards)")
    parser.add_argument("--keep", action="store_true", help="keep the generated corpus")
    parser.add_argument("--seed", type=int, default=0, help="random_state of the generator")
    args = parser.parse_args(argv)
    pipelines = tuple(p for p in args.pipelines.split(",") if p)
    if not set(pipelines) <= set(PIPELINES):
        parser.error(f"--pipelines must name some of {list(PIPELINES)}; got {args.pipelines!r}")
    work = Path(args.workdir or tempfile.mkdtemp(prefix="bench-"))
    corpus, cache = work / "corpus", work / "cache"
    try:
        start = time.perf_counter()
        if not (corpus / "metadata.csv").exists():
            generate_corpus(corpus, args.docs, pool=sentence_pool(), random_state=args.seed)
        print(f"corpus: {args.docs} documents in {corpus} "
              f"({time.perf_counter() - start:.1f} s)", file=sys.stderr)
        shutil.rmtree(cache, ignore_errors=True)
        report = benchmark(corpus, cache, n_jobs=args.jobs, naive_docs=args.naive_docs,
                           pipelines=pipelines)
    finally:
        if not args.keep and args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    print(markdown_table(report))
    Path(args.json).write_text(json.dumps(report, indent=2, ensure_ascii=False),
                               encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
