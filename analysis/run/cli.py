"""Command line: ``python -m analysis load SOURCE`` and ``python -m analysis run``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from ..core.errors import AnalysisError

__all__ = ["main", "build_parser"]


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser of the ``analysis`` command.

    Returns
    -------
    argparse.ArgumentParser
        The parser with its ``load`` and ``run`` sub-commands.
    """
    parser = argparse.ArgumentParser(prog="python -m analysis",
                                     description="Comparative text analytics for Chinese documents.")
    sub = parser.add_subparsers(dest="command", required=True)
    load = sub.add_parser("load", help="load a corpus; write documents.csv and load_report.csv")
    load.add_argument("source", help="a folder of documents or a .csv/.jsonl/.parquet table")
    load.add_argument("--metadata", help="a sidecar CSV matched by doc_id or path")
    load.add_argument("--out", default="corpus_out", help="output folder (default: corpus_out)")
    run = sub.add_parser("run", help="execute the notebooks with papermill")
    from .runner import add_run_arguments

    add_run_arguments(run)
    return parser


def _load(args: argparse.Namespace) -> int:
    from ..corpus.load import load_corpus

    docs, report = load_corpus(args.source, metadata=args.metadata, return_report=True)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    docs.to_csv(out / "documents.csv", index=False, encoding="utf-8")
    report.to_csv(out / "load_report.csv", index=False, encoding="utf-8")
    skipped = report[report["status"] == "skipped"]["reason"].value_counts()
    print(f"loaded {len(docs)} documents from {args.source}; "
          f"skipped {int(skipped.sum())} files")
    for reason, n in skipped.items():
        print(f"  skipped {n:>5} × {reason}")
    print(f"  without institution: {int(docs['institution'].isna().sum())}; "
          f"without date: {int(docs['date'].isna().sum())}; "
          f"exact duplicates: {int(docs['duplicate_of'].notna().sum())}")
    print(f"wrote {out / 'documents.csv'} and {out / 'load_report.csv'}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit code.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success, 2 when the input is wrong (a one-line message is printed
        to standard error), 1 when a notebook failed.
    """
    args = build_parser().parse_args(argv)
    try:
        if args.command == "load":
            return _load(args)
        from .runner import run_from_args

        return run_from_args(args)
    except AnalysisError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
