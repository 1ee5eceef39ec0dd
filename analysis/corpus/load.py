"""Load a folder of documents (or a table of articles) into a tidy DataFrame.

Every file under the source appears in the load report, loaded or skipped with
a reason; every inferred value carries its provenance in a ``*_source`` column.

Only regular files are read, so a corpus folder can never hang the loader or
stop it on one file: named pipes (FIFOs), sockets and devices are skipped with
their kind (a FIFO would block ``read`` forever); a symbolic link loop, a
dangling link, a file that cannot be opened and a file name that is not valid
UTF-8 are each reported on their own row. A symbolic link whose target lies
outside the corpus folder (``/etc/passwd``) and a linked folder are not followed
unless ``follow_symlinks=True``; the report says so.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
import warnings
from collections import Counter, defaultdict
from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from ..core.engines import check_engine, default_jobs, map_batches
from ..core.progress import progress
from ..core.errors import CorpusError, check_choice, check_number, format_list
from .boilerplate import learn_templates, remove_lines
from .cache import corpus_key, read_corpus_cache, write_corpus_cache
from .dates import EPOCHS, parse_date
from .document import finish_body, parse_document
from .institutions import InstitutionMatcher, load_names
from .sidecar import apply_sidecar, read_sidecar
from .tables import BAD_LINES, TABLE_SUFFIXES, read_table, table_records
from .textio import MAX_BAD_SHARE, decode_bytes, is_binary, normalize_text, undecodable_share

__all__ = ["load_corpus", "DOC_SUFFIXES", "DOC_COLUMNS", "REPORT_COLUMNS"]

DOC_SUFFIXES = (".txt", ".md", ".markdown", ".text")
SIDECAR_NAME = "metadata.csv"
DOC_COLUMNS = [
    "doc_id", "path", "title", "institution", "institution_source", "domain", "date",
    "date_source", "signed_date", "url", "publisher", "editor", "text", "n_chars",
    "duplicate_of", "template_lines",
]
REPORT_COLUMNS = ["path", "status", "reason", "warnings", "n_docs", "encoding"]
PARALLEL_MIN_FILES = 2_000  # below this many documents one process reads faster than two
FILES_PER_TASK = 200  # document files read by a worker at once


def _report(path: str, status: str, reason: str = "", warns: Iterable[str] = (),
            n_docs: int = 0, encoding: str = "") -> dict[str, Any]:
    return {"path": path, "status": status, "reason": reason,
            "warnings": "; ".join(warns), "n_docs": n_docs, "encoding": encoding}


_SPECIAL = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISSOCK, "a socket"),
            (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))


def _special(mode: int) -> str | None:
    """Name the kind of a file that is not a regular file (None for a regular one)."""
    return next((kind for test, kind in _SPECIAL if test(mode)),
                None if stat.S_ISREG(mode) else "not a regular file")


def shown(text: str) -> str:
    """Return a path as text that can be written anywhere (bad bytes as U+FFFD)."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _bad_name(text: str) -> bool:
    return any("\udc80" <= c <= "\udcff" for c in text)


def _link_reason(path: Path, root: Path, follow_symlinks: bool) -> tuple[str | None, int]:
    """Check a path's link and kind: return (why it is not read or None, its mode)."""
    try:
        mode = path.lstat().st_mode
        if stat.S_ISLNK(mode):
            mode = path.stat().st_mode  # follows the link: a loop or a dangling link raises
            target = path.resolve()
            if not follow_symlinks and not target.is_relative_to(root):
                return (f"symbolic link to {shown(str(target))}, outside the corpus folder "
                        f"(not followed; follow_symlinks=True reads it)"), mode
    except (OSError, RuntimeError) as err:  # RuntimeError: resolve() meeting a loop
        if isinstance(err, RuntimeError) or err.errno == errno.ELOOP:
            return "symbolic link loop (too many levels of symbolic links)", 0
        if err.errno == errno.ENOENT and path.is_symlink():
            return (f"broken symbolic link (its target {shown(os.readlink(path))!r} does not "
                    f"exist)"), 0
        return f"cannot be read ({err.strerror or err})", 0
    return None, mode


def _walk(root: Path, follow_symlinks: bool = False) -> Iterable[tuple[Path, str | None]]:
    """Yield every file under root (sorted) with a skip reason, or None to read it."""
    real_root = root.resolve()
    seen = {real_root}
    errors: list[OSError] = []
    for folder, dirs, files in os.walk(root, onerror=errors.append,
                                       followlinks=follow_symlinks):
        here = Path(folder)
        while errors:
            err = errors.pop(0)
            where = Path(err.filename) if err.filename else here
            yield where, f"folder cannot be read ({err.strerror or err})"
        keep = []
        for d in sorted(dirs):
            path = here / d
            if d.startswith("."):
                yield path, "hidden folder (not searched)"
                continue
            if path.is_symlink():
                why, _ = _link_reason(path, real_root, follow_symlinks)
                real = path.resolve() if why is None else None
                if why is None and not follow_symlinks:
                    why = ("symbolic link to a folder (not searched; follow_symlinks=True "
                           "searches it)")
                elif why is None and real.is_relative_to(real_root):
                    why = "symbolic link to a folder inside the corpus (its files are read there)"
                elif why is None and (real in seen or real_root.is_relative_to(real)):
                    why = "symbolic link to a folder already searched (a loop): not searched again"
                if why is not None:
                    yield path, why
                    continue
                seen.add(real)
            keep.append(d)
        dirs[:] = keep
        for name in sorted(files):
            path = here / name
            if name.startswith("."):
                yield path, "hidden file"
            elif _bad_name(str(path.relative_to(root))):
                yield path, ("file name is not valid UTF-8 (shown with U+FFFD): rename it to "
                             "load it")
            else:
                why, mode = _link_reason(path, real_root, follow_symlinks)
                kind = _special(mode) if why is None else None
                yield path, why or (f"not a regular file: {kind} (only regular files are read)"
                                    if kind else None)
    while errors:
        err = errors.pop(0)
        yield Path(err.filename or root), f"folder cannot be read ({err.strerror or err})"


def _read_bytes(path: Path, max_bytes: int) -> bytes | str:
    """Read a regular file whole; return its bytes, or why it is not read.

    The file is opened without blocking and checked on the open descriptor, so
    a FIFO put in place of a file after the folder was listed cannot hang the read.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, "rb") as file:
        info = os.fstat(fd)
        kind = _special(info.st_mode)
        if kind:
            return f"not a regular file: {kind} (only regular files are read)"
        if info.st_size > max_bytes:
            return f"too large ({info.st_size} bytes > max_bytes={max_bytes})"
        return file.read(max_bytes + 1)


def _read_file(path: Path, rel: str, max_bytes: int, keep_raw: bool = True
               ) -> tuple[dict | None, dict]:
    """Read and parse one document file; return (record or None, report row)."""
    try:
        data = _read_bytes(path, max_bytes)
    except OSError as err:
        return None, _report(rel, "skipped", f"cannot be read ({err.strerror or err})")
    if isinstance(data, str):
        return None, _report(rel, "skipped", data)
    if len(data) > max_bytes:  # grew since it was listed
        return None, _report(rel, "skipped", f"too large (> max_bytes={max_bytes})")
    try:
        return _parse_file(data, path, rel, keep_raw)
    except Exception as err:  # a parser bug must cost one file, not the corpus
        return None, _report(rel, "skipped", f"could not be parsed ({type(err).__name__}: "
                                             f"{str(err)[:200]})")


def _parse_file(data: bytes, path: Path, rel: str, keep_raw: bool) -> tuple[dict | None, dict]:
    """Decode and parse the bytes of one document file."""
    if not data:
        return None, _report(rel, "skipped", "empty file")
    if is_binary(data):
        return None, _report(rel, "skipped", "binary file (NUL bytes)")
    decoded = decode_bytes(data)
    if decoded is None:
        share = undecodable_share(data)
        return None, _report(rel, "skipped", f"undecodable bytes (not UTF-8, UTF-16 or GB18030): "
                                             f"{share:.0%} of the bytes are invalid (the limit "
                                             f"is {MAX_BAD_SHARE:.0%})")
    text = normalize_text(decoded.text)
    if not text.strip():
        return None, _report(rel, "skipped", "whitespace only", encoding=decoded.encoding)
    rec = parse_document(text)
    warns = decoded.warnings + rec.pop("warnings")
    if not rec["text"]:
        reason = ("front matter with no body" if rec["front_matter"] and not rec["raw_text"].strip()
                  else "no text left after removing boilerplate")
        return None, _report(rel, "skipped", reason, warns, encoding=decoded.encoding)
    if not keep_raw:  # not held for 10^5 documents until the frame drops it
        del rec["raw_text"]
    rec.update(doc_id=path.stem, path=rel, warnings=warns)
    return rec, _report(rel, "loaded", "", warns, 1, decoded.encoding)


def _read_table(path: Path, rel: str, mapping: dict[str, str | None],
                date_format: str | None = None, on_bad_lines: str = "skip"
                ) -> tuple[list[dict], dict]:
    """Read an article table; return (records, report row)."""
    try:
        table = read_table(path, on_bad_lines=on_bad_lines)
        rows, warns = table_records(table, stem=path.stem, on_bad_lines=on_bad_lines,
                                    name=rel, **mapping)
    except CorpusError:
        raise
    except Exception as err:  # AnalysisError from the mapping or the parser
        if on_bad_lines == "error":
            raise CorpusError(str(err)) from None
        return [], _report(rel, "skipped", str(err))
    records, empty = [], 0
    for row in rows:
        text = normalize_text(str(row["text"])) if row["text"] is not None else ""
        rec = {"title": row["title"], "institution": row["institution"],
               "institution_source": "metadata" if row["institution"] else None,
               "domain": None, "date": parse_date(row["date"], date_format),
               "url": row["url"], "publisher": None, "warnings": [],
               "doc_id": row["doc_id"], "path": f"{rel}#{row['row']}", **row["extra"]}
        rec["date_source"] = "metadata" if rec["date"] is not None else None
        finish_body(rec, text)
        if rec["text"]:
            records.append(rec)
        else:
            empty += 1
    warns = warns + ([f"{empty} rows without text skipped"] if empty else [])
    status = "loaded" if records else "skipped"
    return records, _report(rel, status, "" if records else "no rows with text", warns, len(records))


def _read_files(batch: list[tuple[str, str]], max_bytes: int, keep_raw: bool = True
                ) -> list[tuple[dict | None, dict]]:
    """Read and parse a batch of document files (a task of a worker process)."""
    return [_read_file(Path(path), rel, max_bytes, keep_raw) for path, rel in batch]


def _collect(src: Path, *, max_bytes: int, mapping: dict, sidecar: Path | None,
             date_format: str | None = None,
             keep_raw: bool = True, follow_symlinks: bool = False, on_bad_lines: str = "skip",
             engine: str = "local", n_jobs: int | None = None, scheduler: str | None = None
             ) -> tuple[list[dict], list[dict]]:
    """Read every file under ``src``: documents in parallel batches, in file order."""
    plan: list[tuple[list[dict], dict] | int] = []  # (records, report row) or a document's index
    docs: list[tuple[str, str]] = []
    files = [(src, None)] if src.is_file() else _walk(src, follow_symlinks)
    sidecar_path = sidecar.resolve() if sidecar is not None else None
    for path, skip in files:
        rel = shown(path.name if src.is_file() or not path.is_relative_to(src)
                    else path.relative_to(src).as_posix())
        suffix = path.suffix.lower()
        if skip:
            plan.append(([], _report(rel, "skipped", skip)))
        elif path.stem.upper() in ("README", "LICENSE", "LICENCE") and not src.is_file():
            plan.append(([], _report(rel, "skipped",
                                     "documentation file (README/LICENSE), not a document")))
        elif sidecar_path is not None and path.name == sidecar_path.name \
                and path.resolve() == sidecar_path:
            plan.append(([], _report(rel, "skipped", "metadata sidecar (read as metadata)")))
        elif suffix in TABLE_SUFFIXES:
            plan.append(_read_table(path, rel, mapping, date_format, on_bad_lines))
        elif suffix in DOC_SUFFIXES:
            plan.append(len(docs))
            docs.append((str(path), rel))
        else:
            plan.append(([], _report(rel, "skipped", f"unsupported file type {suffix or '(none)'!r} "
                                     f"(documents: {', '.join(DOC_SUFFIXES)}; tables: "
                                     f"{', '.join(TABLE_SUFFIXES)})")))
    if engine == "local" and n_jobs is None:
        n_jobs = default_jobs() if len(docs) >= PARALLEL_MIN_FILES else 1
    batches = [docs[i:i + FILES_PER_TASK] for i in range(0, len(docs), FILES_PER_TASK)]
    task = partial(_read_files, max_bytes=max_bytes, keep_raw=keep_raw)
    parts = map_batches(task, batches, engine=engine, n_jobs=n_jobs, scheduler=scheduler,
                        caller="load_corpus")
    read = [pair for part in progress(parts, total=len(batches), desc="reading files",
                                      unit="batch") for pair in part]
    records, report = [], []
    for step in plan:
        if isinstance(step, int):
            rec, row = read[step]
            recs = [rec] if rec else []
        else:
            recs, row = step
        records += recs
        report.append(row)
    return records, report


def _file_of(path: str) -> tuple[str, str]:
    """Split a document's path into its file (the report row) and its table row, if any."""
    file, sep, row = path.rpartition("#")
    if sep and row.isdigit() and file.lower().endswith(TABLE_SUFFIXES):
        return file, row
    return path, ""


def _unique_ids(records: list[dict], notes: dict[str, list[str]]) -> None:
    """Make doc_id unique, noting each change for the report.

    A file stem shared by several files becomes the file's path without its
    suffix; an id shared by rows of a table becomes ``id#row``; an id still
    shared after that is numbered (``~2``).
    """
    counts = Counter(r["doc_id"] for r in records)
    for rec in records:
        if counts[rec["doc_id"]] > 1:
            file, row = _file_of(rec["path"])
            new = f"{rec['doc_id']}#{row}" if row else file.rsplit(".", 1)[0]
            what = f"row {row}: id" if row else "file stem"
            notes[file].append(f"{what} {rec['doc_id']!r} is not unique: doc_id is {new!r}")
            rec["doc_id"] = new
    taken = Counter(r["doc_id"] for r in records)
    for rec in records:  # still shared (a path id equal to another stem): number them
        if taken[rec["doc_id"]] > 1:
            base, n = rec["doc_id"], 2
            while f"{base}~{n}" in taken:
                n += 1
            taken[base] -= 1
            rec["doc_id"] = f"{base}~{n}"
            taken[rec["doc_id"]] += 1
            notes[_file_of(rec["path"])[0]].append(
                f"doc_id {base!r} is not unique: doc_id is {rec['doc_id']!r}")


def _infer_institutions(records: list[dict], extra_names: Iterable[str | Path]) -> None:
    """Fill institutions from the learned domain mapping, then from the body."""
    votes: dict[str, Counter] = defaultdict(Counter)
    for rec in records:
        if rec.get("domain") and rec.get("institution"):
            votes[rec["domain"]][rec["institution"]] += 1
    by_domain = {d: c.most_common(1)[0][0] for d, c in votes.items()}
    known = {r["institution"] for r in records if r.get("institution")}
    matcher = InstitutionMatcher([*load_names(extra_names), *known])
    for rec in records:
        if rec.get("institution"):
            continue
        if rec.get("domain") in by_domain:
            rec["institution"], rec["institution_source"] = by_domain[rec["domain"]], "domain"
            continue
        name = matcher.most_named(rec.get("title") or "", rec["text"])
        if name:
            rec["institution"], rec["institution_source"] = name, "body"


def _strip_templates(records: list[dict]) -> None:
    """Drop lines that repeat across many documents of one institution or portal."""
    groups: dict[str, list[dict]] = defaultdict(list)
    for rec in records:
        key = rec.get("institution") or rec.get("domain") or str(Path(rec["path"]).parent)
        groups[key].append(rec)
    for recs in groups.values():
        lines = learn_templates(r["text"] for r in recs) if len(recs) >= 5 else set()
        for rec in recs:
            rec["text"], rec["template_lines"] = remove_lines(rec["text"], lines)


def _mark_duplicates(docs: pd.DataFrame) -> pd.Series:
    """Return, per document, the doc_id of the earliest document with the same text."""
    digest = docs["text"].map(lambda t: hashlib.sha256(t.encode("utf-8")).hexdigest())
    order = docs.assign(_h=digest).sort_values(["date", "doc_id"], na_position="last")
    first = order.groupby("_h", sort=False)["doc_id"].transform("first")
    dup = first.where(first != order["doc_id"])
    return dup.reindex(docs.index)


def load_corpus(
    source: str | os.PathLike,
    *,
    metadata: str | os.PathLike | None = None,
    text_col: str = "text",
    title_col: str | None = "title",
    date_col: str | None = "date",
    institution_col: str | None = "institution",
    id_col: str | None = "doc_id",
    url_col: str | None = "url",
    date_format: str | None = None,
    institutions: Iterable[str | os.PathLike] = (),
    max_bytes: int = 20_000_000,
    strip_templates: bool = True,
    keep_raw: bool = True,
    follow_symlinks: bool = False,
    on_bad_lines: str = "skip",
    return_report: bool = False,
    engine: str = "local",
    n_jobs: int | None = None,
    scheduler: str | None = None,
    use_cache: bool = False,
    cache_dir: str | os.PathLike | None = None,
) -> pd.DataFrame | tuple[pd.DataFrame, pd.DataFrame]:
    """Load a corpus folder or article table into one row per document.

    Parameters
    ----------
    source : path-like
        A folder (searched recursively; hidden files and folders are reported
        and skipped), a single document, or a ``.csv``/``.jsonl``/``.parquet``
        table of articles.
    metadata : path-like, optional
        A sidecar CSV matched to documents by ``doc_id`` or ``path``; its
        values override inferred ones (``*_source`` = ``"metadata"``). By
        default ``metadata.csv`` at the root of ``source`` is used when present.
    text_col, title_col, date_col, institution_col, id_col, url_col : str
        Column mapping for article tables; a name no table has is an error
        naming the columns that exist.
    date_format : str, optional
        How the table's dates are written: ``"epoch_ms"``, ``"epoch_s"``
        (numbers since 1970) or a ``strptime`` pattern such as ``"%d/%m/%Y"``;
        default: any written form the loader knows (2020-02-11, 2020年2月11日 ...).
    institutions : iterable of path-like, default ()
        Extra files of institution names (one a line) to recognise in bodies.
    max_bytes : int, default 20_000_000
        Files larger than this are skipped with the reason.
    strip_templates : bool, default True
        Drop lines repeated across many documents of one institution.
    keep_raw : bool, default True
        Keep the decoded body before cleaning in a ``raw_text`` column.
    follow_symlinks : bool, default False
        Read files that symbolic links point to outside the corpus folder, and
        search linked folders (each once: a loop is reported, not followed).
        By default those links are skipped with the reason in the report.
    on_bad_lines : {'skip', 'error'}, default 'skip'
        In a table of articles, a bad row (a CSV line with too many fields, a
        JSON Lines line that is not an object, a text that is not a string) is
        left out and listed in the report, or (``'error'``) stops the load.
    return_report : bool, default False
        Also return the load report (``path``, ``status``, ``reason``,
        ``warnings``, ``n_docs``, ``encoding``), one row per file.
    engine : {'local', 'dask'}, default 'local'
        Where document files are read and parsed, in batches of
        :data:`FILES_PER_TASK`: worker processes of this machine, or the
        workers of a Dask cluster, which must see the files at the same path
        (:mod:`analysis.core.engines`). The steps across documents (templates,
        institutions, the sidecar, duplicates) run here. The result is the same.
    n_jobs : int, optional
        Worker processes; default 2 (or fewer cores) from
        :data:`PARALLEL_MIN_FILES` document files on, else 1.
    scheduler : str, optional
        A Dask scheduler address such as ``tcp://10.0.0.5:8786``; default a
        local cluster on this machine (``engine='dask'`` only).
    use_cache : bool, default False
        Keep the result on disk (:mod:`analysis.corpus.cache`) and return it
        while no file under ``source``, the sidecar, the options or the loader
        changed: a rerun on 100,000 files takes seconds instead of a minute.
        Warnings of the first load are not repeated; the report keeps them.
    cache_dir : path-like, optional
        Folder of the corpus cache; default ``<project root>/.cache/corpus``.

    Returns
    -------
    pandas.DataFrame or tuple of (pandas.DataFrame, pandas.DataFrame)
        The documents (columns :data:`DOC_COLUMNS`, sidecar columns, and
        ``raw_text``), and the report when ``return_report`` is true.

    Raises
    ------
    CorpusError
        When ``source`` does not exist or no document could be loaded.
    """
    check_number(max_bytes, param="max_bytes", func="load_corpus", low=1, integer=True)
    check_choice(follow_symlinks, (True, False), param="follow_symlinks", func="load_corpus")
    check_choice(on_bad_lines, BAD_LINES, param="on_bad_lines", func="load_corpus")
    if date_format is not None and date_format not in EPOCHS and (
            not isinstance(date_format, str) or "%" not in date_format):
        raise CorpusError(f"The 'date_format' parameter of load_corpus must be None, "
                          f"{list(EPOCHS)} or a strptime pattern such as '%d/%m/%Y'; "
                          f"got {date_format!r}.")
    check_engine(engine, scheduler, func="load_corpus")
    if n_jobs is not None:
        check_number(n_jobs, param="n_jobs", func="load_corpus", low=1, integer=True)
    src = Path(source).expanduser()
    if not src.exists():
        raise CorpusError(
            f"The corpus source {str(source)!r} does not exist (resolved to {src.resolve()}); "
            f"expected a folder of {'/'.join(DOC_SUFFIXES)} files or a "
            f"{'/'.join(TABLE_SUFFIXES)} table."
        )
    if not src.is_dir() and not src.is_file():
        try:
            kind = _special(src.stat().st_mode)
        except OSError as err:
            kind = err.strerror or str(err)
        raise CorpusError(f"The corpus source {str(source)!r} is not a folder or a regular file "
                          f"({kind}).")
    sidecar = Path(metadata).expanduser() if metadata is not None else (
        src / SIDECAR_NAME if src.is_dir() and (src / SIDECAR_NAME).is_file() else None)
    check_choice(use_cache, (True, False), param="use_cache", func="load_corpus")
    key = None
    if use_cache:
        options = dict(metadata=None if sidecar is None else str(sidecar.resolve()),
                       text_col=text_col, title_col=title_col, date_col=date_col,
                       institution_col=institution_col, id_col=id_col, url_col=url_col,
                       date_format=date_format,
                       institutions=[str(Path(p).resolve()) for p in institutions],
                       max_bytes=max_bytes, strip_templates=strip_templates, keep_raw=keep_raw,
                       follow_symlinks=follow_symlinks, on_bad_lines=on_bad_lines)
        extra = [p for p in [sidecar, *map(Path, options["institutions"])] if p is not None]
        key = corpus_key(src, options, extra_files=extra, follow_symlinks=follow_symlinks)
        found = read_corpus_cache(key, cache_dir=cache_dir)
        if found is not None:
            return found if return_report else found[0]
    meta = read_sidecar(sidecar) if sidecar is not None else None
    mapping = dict(text_col=text_col, title_col=title_col, date_col=date_col,
                   institution_col=institution_col, id_col=id_col, url_col=url_col)
    records, report = _collect(src, max_bytes=max_bytes, mapping=mapping, sidecar=sidecar,
                               date_format=date_format, keep_raw=keep_raw,
                               follow_symlinks=follow_symlinks, on_bad_lines=on_bad_lines,
                               engine=engine, n_jobs=n_jobs, scheduler=scheduler)
    if not records:
        reasons = Counter(r["reason"] for r in report if r["status"] == "skipped")
        detail = "; ".join(f"{n} × {why}" for why, n in reasons.most_common(5)) or "no files"
        raise CorpusError(f"No document could be loaded from {str(source)!r} ({src.resolve()}): "
                          f"{len(report)} files looked at ({detail}).")
    notes: dict[str, list[str]] = defaultdict(list)
    _unique_ids(records, notes)
    if strip_templates:
        _strip_templates(records)
    _infer_institutions(records, institutions)
    docs = _frame(records, keep_raw)
    del records  # the strings now live in the frame's Arrow arrays
    report_df = pd.DataFrame(report, columns=REPORT_COLUMNS)
    if meta is not None:
        docs, unmatched, sidecar_notes = apply_sidecar(docs, meta)
        note = (f"{len(unmatched)} sidecar rows match no document: {unmatched[:10]}"
                if unmatched else "")
        if note:
            warnings.warn(f"{sidecar}: {note}", UserWarning, stacklevel=2)
        if sidecar_notes:
            said = [f"{path}: {n}" for path, ns in sidecar_notes.items() for n in ns]
            warnings.warn(f"{sidecar}: {len(said)} sidecar value(s) not used as given (the load "
                          f"report lists them per document): "
                          f"{format_list(said, limit=3, item=str)}", UserWarning, stacklevel=2)
            for path, ns in sidecar_notes.items():
                file, row = _file_of(path)
                notes[file] += [f"{n} ({path})" if row else n for n in ns]
        rel = (sidecar.name if src.is_dir() and sidecar.resolve().parent == src.resolve()
               else str(sidecar))
        row = _report(rel, "skipped", "metadata sidecar (read as metadata)", [note] if note else [])
        report_df = pd.concat([report_df[report_df["path"] != rel], pd.DataFrame([row])],
                              ignore_index=True)
    report_df = _add_unknown_warnings(report_df, docs, notes)
    docs = docs.assign(duplicate_of=_mark_duplicates(docs))
    if key is not None:
        write_corpus_cache(docs, report_df, key, cache_dir=cache_dir)
    return (docs, report_df) if return_report else docs


def _frame(records: list[dict], keep_raw: bool) -> pd.DataFrame:
    """Build the documents DataFrame with fixed column order and dtypes."""
    base = set(DOC_COLUMNS) | {"raw_text", "warnings", "removed", "front_matter", "row"}
    extra = sorted({k for r in records for k in r} - base)
    rows = [{**{c: r.get(c) for c in DOC_COLUMNS}, "raw_text": r.get("raw_text"),
             **{c: r.get(c) for c in extra}} for r in records]
    docs = pd.DataFrame(rows, columns=[*DOC_COLUMNS, "raw_text", *extra])
    docs["date"] = pd.to_datetime(docs["date"]).astype("datetime64[ns]")
    docs["signed_date"] = pd.to_datetime(docs["signed_date"]).astype("datetime64[ns]")
    docs["n_chars"] = docs["text"].str.len().astype("int64")
    docs["template_lines"] = docs["template_lines"].fillna(0).astype("int64")
    if not keep_raw:
        docs = docs.drop(columns="raw_text")
    return docs


def _add_unknown_warnings(report: pd.DataFrame, docs: pd.DataFrame,
                          notes: dict[str, list[str]] | None = None) -> pd.DataFrame:
    """Add notes made after reading ('institution unknown', 'date unknown', ids, sidecar).

    ``notes`` maps a report path to notes already written; they come first.
    """
    notes = defaultdict(list, {k: list(v) for k, v in (notes or {}).items()})
    for path, inst, date in zip(docs["path"], docs["institution"], docs["date"]):
        file = path.split("#", 1)[0]
        if pd.isna(inst):
            notes[file].append(f"institution unknown ({path})" if "#" in path else "institution unknown")
        if pd.isna(date):
            notes[file].append(f"date unknown ({path})" if "#" in path else "date unknown")
    if not any(notes.values()):
        return report
    extra = report["path"].map(lambda p: "; ".join(notes.get(p, [])))
    joined = report["warnings"].str.cat(extra, sep="; ").str.strip("; ")
    return report.assign(warnings=joined)
