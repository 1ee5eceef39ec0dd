"""Command line: ``python -m analysis load SOURCE`` and ``python -m analysis run``."""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from ..core.errors import AnalysisError, suggest
from ..core.io import write_atomically

__all__ = ["main", "build_parser"]

EXIT_INTERRUPTED = 130
"""The exit code after Ctrl-C (128 + SIGINT), as shells report it."""


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
    load.add_argument("--follow-symlinks", dest="follow_symlinks", action="store_true",
                      help="read links that point outside the corpus folder and linked folders")
    load.add_argument("--on-bad-lines", dest="on_bad_lines", choices=("skip", "error"),
                      default="skip", help="a bad row of a table: skip and list it (default) "
                                           "or stop")
    run = sub.add_parser("run", help="execute the notebooks with papermill")
    from .runner import add_mapping_arguments, add_run_arguments

    add_mapping_arguments(load)
    add_run_arguments(run)
    words = sub.add_parser(
        "words", help="propose words the dictionary cuts; --accept writes them to the "
                      "corpus's user dictionary")
    words.add_argument("--corpus", help="corpus folder or table (default: seeds/)")
    words.add_argument("--metadata", help="sidecar CSV")
    words.add_argument("--userdict", help="the user dictionary to read and grow (default: "
                                          "CORPUS/userdict.txt)")
    words.add_argument("--cache-dir", dest="cache_dir", help="cache folder")
    words.add_argument("--top", type=int, default=30, help="candidates shown (default 30)")
    words.add_argument("--min-count", dest="min_count", type=int, default=5,
                       help="fewest occurrences (default 5)")
    words.add_argument("--accept", nargs="+", metavar="WORD",
                       help="words to add to the user dictionary")
    words.add_argument("--accept-top", dest="accept_top", type=int, metavar="N",
                       help="add the N best candidates")
    words.add_argument("--tag", help="POS tag of the accepted words, e.g. nr for names")
    return parser


def _words(args: argparse.Namespace) -> int:
    from ..tokens.dictionary import add_user_words
    from .params import USERDICT_NAME
    from .study import Study

    study = Study(args.corpus, metadata=args.metadata, userdict=args.userdict,
                  cache_dir=args.cache_dir)
    target = Path(args.userdict) if args.userdict else (
        study.params.userdict or study.params.corpus_dir / USERDICT_NAME)
    accepted = list(args.accept or [])
    if args.accept_top or not accepted:
        table = study.new_words(min_count=args.min_count,
                                top=max(args.top, args.accept_top or 0))
        if not accepted and table.empty:
            print(f"no candidate: no unknown word occurs {args.min_count} times or more in "
                  f"varied contexts (lower --min-count on a small corpus)")
        elif not accepted:
            with pd.option_context("display.width", 160, "display.max_colwidth", 40):
                print(table.head(args.top)[["word", "count", "n_docs", "pmi",
                                            "left_entropy", "right_entropy", "pieces",
                                            "example"]].to_string(index=False))
        accepted += table["word"].head(args.accept_top or 0).tolist()
    if accepted:
        added = add_user_words(accepted, target, tag=args.tag)
        print(f"added {len(added)} word(s) to {target}: {' '.join(added)}"
              + (f" ({len(accepted) - len(added)} were there already)"
                 if len(added) < len(accepted) else ""))
    else:
        print(f"accept words with: python -m analysis words --corpus ... --accept WORD ... "
              f"(they go to {target})")
    return 0


def _load(args: argparse.Namespace) -> int:
    from ..corpus.load import load_corpus, shown
    from .params import check_parameter

    mapping = {name: check_parameter(name, getattr(args, name))
               for name in ("text_col", "title_col", "date_col", "institution_col", "id_col",
                            "date_format") if getattr(args, name) is not None}
    docs, report = load_corpus(args.source, metadata=args.metadata, return_report=True,
                               follow_symlinks=args.follow_symlinks,
                               on_bad_lines=args.on_bad_lines, **mapping)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for table, file in ((docs, "documents.csv"), (report, "load_report.csv")):
        write_atomically(out / file, lambda tmp, table=table: table.to_csv(
            tmp, index=False, encoding="utf-8"))
    skipped = report[report["status"] == "skipped"]["reason"].map(shown).value_counts()
    print(f"loaded {len(docs)} documents from {args.source}; "
          f"skipped {int(skipped.sum())} files")
    for reason, n in skipped.items():
        print(f"  skipped {n:>5} × {reason}")
    print(f"  without institution: {int(docs['institution'].isna().sum())}; "
          f"without date: {int(docs['date'].isna().sum())}; "
          f"exact duplicates: {int(docs['duplicate_of'].notna().sum())}")
    print(f"wrote {out / 'documents.csv'} and {out / 'load_report.csv'}")
    return 0


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse the command line; an unknown option shows the sub-command's usage."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        command = sub.choices[args.command]
        known = [o for a in command._actions for o in a.option_strings if o.startswith("--")]
        hints = [f"{x}{suggest(x.split('=', 1)[0], known)}" for x in extra]
        command.error(f"unrecognized arguments: {' '.join(hints)}")
    return args


def _one_line_warning(message: Warning | str, category: type[Warning], filename: str,
                      lineno: int, line: str | None = None) -> str:
    return f"warning: {' '.join(str(message).split())}\n"


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
        to standard error; an unknown option shows the sub-command's usage),
        1 when a notebook failed, 130 after Ctrl-C (one line; caches and
        outputs are written atomically, so they hold the old or the new file).
    """
    args = _parse(argv)
    before, warnings.formatwarning = warnings.formatwarning, _one_line_warning
    try:
        if args.command == "load":
            return _load(args)
        if args.command == "words":
            return _words(args)
        from .runner import run_from_args

        return run_from_args(args)
    except AnalysisError as err:
        print(f"error: {' '.join(str(err).split())}", file=sys.stderr)
        return 2
    except OSError as err:  # a folder that cannot be made or written, a file that vanished
        where = f": {err.filename}" if err.filename else ""
        print(f"error: {err.strerror or err}{where}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: stopped by Ctrl-C (finished files and caches are kept; rerun to "
              "continue)", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        warnings.formatwarning = before
