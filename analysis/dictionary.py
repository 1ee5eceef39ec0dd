"""Read, check and grow the user dictionary and the stop word lists.

The segmenter (:mod:`analysis.tokens`) reads two kinds of plain UTF-8 files,
both with ``#`` comment lines and blank lines ignored:

- a *user dictionary* in jieba's format, ``word [freq] [tag]`` a line; a bad
  line raises :class:`DictionaryError` naming the file and the line number.
  ``freq 0`` makes jieba split a word of its own dictionary.
- a *stop word list*, one word a line.

Entries are read in Unicode NFKC form, like the text the segmenter sees, and
stop words are lower-cased. The packaged defaults are :data:`DEFAULT_USERDICT`
and :data:`DEFAULT_STOPWORDS` (their headers say what they hold and where it
comes from).

Like scikit-learn's ``_check_stop_words_consistency``, :func:`check_dictionary`
warns (:class:`DictionaryWarning`) about entries that do not come out of the
segmenter whole and stop words whose pieces survive the filters.
:func:`segmentation_audit` shows what the user dictionary changes on a corpus
and the frequent words the dictionary does not know, to grow it.
"""

from __future__ import annotations

import os
import re
import unicodedata
import warnings
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .config import DATA_DIR
from .errors import AnalysisError, check_number

if TYPE_CHECKING:
    from .tokens import Segmenter, SegmenterConfig

__all__ = [
    "AUDIT_COLUMNS",
    "DEFAULT_STOPWORDS",
    "DEFAULT_USERDICT",
    "DictionaryError",
    "DictionaryWarning",
    "UserWord",
    "check_dictionary",
    "read_stopwords",
    "read_userdict",
    "segmentation_audit",
]

DEFAULT_USERDICT: Path = DATA_DIR / "userdict.txt"
DEFAULT_STOPWORDS: Path = DATA_DIR / "stopwords.txt"
AUDIT_COLUMNS = ("kind", "token", "count", "count_without", "n_docs", "in_userdict",
                 "tag", "pieces")

_ENTRY = re.compile(r"(\S+)(?:\s+(\d+))?(?:\s+([A-Za-z]+))?")


class DictionaryError(AnalysisError):
    """Raised when a user dictionary or stop word file is missing or has a bad line."""


class DictionaryWarning(UserWarning):
    """Warned when dictionary entries or stop words do not survive segmentation."""


@dataclass(frozen=True)
class UserWord:
    """One user dictionary entry: the word, its jieba frequency and POS tag."""

    word: str
    freq: int | None = None
    tag: str | None = None


def _lines(path: str | os.PathLike, what: str) -> Iterator[tuple[int, str]]:
    """Yield (line number, stripped line) of a UTF-8 file, skipping comments."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise DictionaryError(f"The {what} file {str(path)!r} does not exist "
                              f"(resolved to {path.resolve()}).") from None
    except UnicodeDecodeError as exc:
        line = path.read_bytes().count(b"\n", 0, exc.start) + 1
        raise DictionaryError(f"{path}, line {line}: the {what} file is not UTF-8 "
                              f"({exc.reason}).") from None
    except OSError as exc:
        raise DictionaryError(f"The {what} file {str(path)!r} cannot be read: {exc}.") from None
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if line and not line.startswith("#"):
            yield number, unicodedata.normalize("NFKC", line)


def read_userdict(path: str | os.PathLike) -> tuple[UserWord, ...]:
    """Read a user dictionary in jieba's format, comments allowed.

    Parameters
    ----------
    path : path-like
        A UTF-8 file, one ``word [freq] [tag]`` entry a line (fields separated
        by spaces; ``freq`` a non-negative integer, ``tag`` letters). Lines
        starting with ``#`` and blank lines are skipped.

    Returns
    -------
    tuple of UserWord
        The entries in file order, NFKC-normalised.

    Raises
    ------
    DictionaryError
        If the file is missing or not UTF-8, or a line is not an entry; the
        message names the file and the line number.
    """
    entries = []
    for number, line in _lines(path, "user dictionary"):
        match = _ENTRY.fullmatch(line)
        if match is None:
            raise DictionaryError(
                f"{path}, line {number}: invalid user dictionary entry {line!r}; expected "
                f"'word [freq] [tag]' with freq a non-negative integer and tag letters, "
                f"e.g. '疫情防控 10 n'.")
        word, freq, tag = match.groups()
        entries.append(UserWord(word, None if freq is None else int(freq), tag))
    return tuple(entries)


def read_stopwords(path: str | os.PathLike) -> tuple[str, ...]:
    """Read a stop word list, one word a line, comments allowed.

    Parameters
    ----------
    path : path-like
        A UTF-8 file; lines starting with ``#`` and blank lines are skipped.

    Returns
    -------
    tuple of str
        The words in file order, NFKC-normalised and lower-cased.

    Raises
    ------
    DictionaryError
        If the file is missing or not UTF-8, or a line holds more than one word.
    """
    words = []
    for number, line in _lines(path, "stop word"):
        if len(line.split()) != 1:
            raise DictionaryError(f"{path}, line {number}: expected one stop word a line; "
                                  f"got {line!r}.")
        words.append(line.lower())
    return tuple(words)


def _show(found: dict[str, list[str]], limit: int = 10) -> str:
    items = [f"{word!r} -> {pieces}" for word, pieces in list(found.items())[:limit]]
    more = f", ... ({len(found)} in all)" if len(found) > limit else ""
    return ", ".join(items) + more


def check_dictionary(segmenter: Segmenter | SegmenterConfig | None = None,
                     *, warn: bool = True) -> dict[str, dict[str, list[str]]]:
    """Find user dictionary entries and stop words the segmenter cannot honour.

    A user dictionary entry is inconsistent when, segmented alone, it does not
    come out as one token (an entry with ``freq 0`` when it does); a stop word
    when segmenting it gives pieces that are neither stop words nor dropped by
    the filters, so that it can never be removed.

    Parameters
    ----------
    segmenter : Segmenter or SegmenterConfig, optional
        What to check; default: the default configuration.
    warn : bool, default True
        Warn a :class:`DictionaryWarning` naming the inconsistent words.

    Returns
    -------
    dict
        ``{"userdict": {entry: pieces}, "stopwords": {word: surviving pieces}}``.
    """
    from .tokens import Segmenter  # imported here: analysis.tokens imports this module

    seg = segmenter if isinstance(segmenter, Segmenter) else Segmenter(segmenter)
    entries: dict[str, list[str]] = {}
    for entry in {e.word: e for e in seg.user_words}.values():  # the last entry of a word wins
        pieces = seg.raw_cut(entry.word)
        if (pieces == [entry.word]) != (entry.freq != 0):
            entries[entry.word] = pieces
    stops: dict[str, list[str]] = {}
    for word in sorted(seg.stopwords):
        pieces = [p.lower() if seg.config.lowercase else p for p in seg.raw_cut(word)]
        left = [p for p in pieces if seg.keep(p) and p != word]
        if left:
            stops[word] = left
    if warn and entries:
        some = "1 entry does" if len(entries) == 1 else f"{len(entries)} entries do"
        warnings.warn(f"Your user dictionary may be inconsistent with the segmenter: {some} "
                      f"not come out whole (or, with freq 0, not split): {_show(entries)}. "
                      f"Raise their frequency or remove them.",
                      DictionaryWarning, stacklevel=2)
    if warn and stops:
        warnings.warn(f"Your stop words may be inconsistent with the segmenter: segmenting "
                      f"{len(stops)} of them gives tokens that are not stop words: "
                      f"{_show(stops)}. Add the pieces or the word to the user dictionary.",
                      DictionaryWarning, stacklevel=2)
    return {"userdict": entries, "stopwords": stops}


def _counts(token_strings: list[str]) -> tuple[Counter, Counter]:
    """Return token counts and document counts of space-joined token strings."""
    counts: Counter = Counter()
    docs: Counter = Counter()
    for text in token_strings:
        tokens = text.split()
        counts.update(tokens)
        docs.update(set(tokens))
    return counts, docs


def _rows(kind: str, tokens: list[str], counts: Counter, without: Counter, docs: Counter,
          seg: Segmenter, base: Segmenter, tags: dict[str, str | None]) -> list[dict[str, Any]]:
    words = {w.word for w in seg.user_words}
    return [{"kind": kind, "token": t, "count": counts[t], "count_without": without[t],
             "n_docs": docs[t], "in_userdict": t in words, "tag": tags.get(t),
             "pieces": " ".join(base.raw_cut(t)) if kind == "changed" and t in words else None}
            for t in tokens]


def segmentation_audit(
    corpus: pd.DataFrame,
    *,
    text_col: str = "text",
    config: SegmenterConfig | None = None,
    min_count: int = 2,
    top: int | None = None,
    cache_dir: str | os.PathLike | None = None,
    use_cache: bool = True,
) -> pd.DataFrame:
    """Show what the user dictionary changes and which words it still misses.

    The corpus is segmented (through the token cache) with ``config`` and with
    the same configuration without any user dictionary; with ``hmm=False`` a
    third time with the HMM on, to find the words it would guess.

    Parameters
    ----------
    corpus : pandas.DataFrame
        One row per document.
    text_col : str, default 'text'
        The column of texts.
    config : SegmenterConfig, optional
        The configuration to audit; default: the default configuration.
    min_count : int, default 2
        Out-of-vocabulary candidates must occur at least this often.
    top : int, optional
        Keep at most this many rows of each kind.
    cache_dir : path-like, optional
        Token cache folder (see :func:`analysis.tokens.tokenize`).
    use_cache : bool, default True
        Read and write the token cache.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`AUDIT_COLUMNS`. ``kind="changed"``: every token whose
        count differs with and without the user dictionary (``count``,
        ``count_without``; ``pieces`` shows how jieba splits an entry without
        it), largest change first. ``kind="oov"``: tokens of the segmentation
        that are in no dictionary (words guessed by jieba's HMM, e.g. person
        names), with their ``tag`` from ``jieba.posseg`` (``nr`` person,
        ``ns`` place, ...), most frequent first.
    """
    from dataclasses import replace

    from .tokens import EmptyDocumentsWarning, Segmenter, SegmenterConfig, tokenize

    func = "segmentation_audit"
    check_number(min_count, param="min_count", func=func, low=1, integer=True)
    if top is not None:
        check_number(top, param="top", func=func, low=1, integer=True)
    config = SegmenterConfig() if config is None else config
    bare = replace(config, userdict=(), default_userdict=False)
    opts = dict(text_col=text_col, cache_dir=cache_dir, use_cache=use_cache)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EmptyDocumentsWarning)
        with_dict = tokenize(corpus, config=config, **opts)["tokens"].tolist()
        warnings.simplefilter("ignore", DictionaryWarning)  # the bare run is only a baseline
        without = tokenize(corpus, config=bare, **opts)["tokens"].tolist()
        guessed = (with_dict if config.hmm else
                   tokenize(corpus, config=replace(config, hmm=True), **opts)["tokens"].tolist())
    counts, docs = _counts(with_dict)
    base_counts, _ = _counts(without)
    seg, base = Segmenter(config), Segmenter(bare)
    changed = sorted((t for t in counts.keys() | base_counts.keys() if counts[t] != base_counts[t]),
                     key=lambda t: (-abs(counts[t] - base_counts[t]), t))
    guess_counts, guess_docs = _counts(guessed)
    oov = sorted((t for t, n in guess_counts.items() if n >= min_count and not seg.known(t)),
                 key=lambda t: (-guess_counts[t], t))
    tags = {w.word: w.tag for w in seg.user_words}
    oov_tags = {t: seg.tag(t) for t in oov[:top]}
    rows = (_rows("changed", changed[:top], counts, base_counts, docs, seg, base, tags)
            + _rows("oov", oov[:top], guess_counts, base_counts, guess_docs, seg, base, oov_tags))
    table = pd.DataFrame(rows, columns=list(AUDIT_COLUMNS))
    table.attrs["segmenter"] = seg.describe()
    return table
