"""Read the user dictionary and the stop word lists.

The segmenter (:mod:`analysis.tokens.segmenter`) reads two kinds of plain UTF-8 files,
both with ``#`` comment lines and blank lines ignored:

- a *user dictionary* in jieba's format, ``word [freq] [tag]`` a line; a bad
  line raises :class:`DictionaryError` naming the file and the line number.
  ``freq 0`` makes jieba split a word of its own dictionary.
- a *stop word list*, one word a line.

Entries are read in Unicode NFKC form, like the text the segmenter sees, and
stop words are lower-cased. The packaged defaults are :data:`DEFAULT_USERDICT`
and :data:`DEFAULT_STOPWORDS` (their headers say what they hold and where it
comes from).

Whether the segmenter honours the entries is checked by
:func:`analysis.tokens.segmenter.check_dictionary`; what they change on a
corpus, by :func:`analysis.tokens.audit.segmentation_audit`.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..core.config import DATA_DIR
from ..core.errors import AnalysisError
from ..core.io import write_text

__all__ = [
    "DEFAULT_STOPWORDS",
    "DEFAULT_USERDICT",
    "DictionaryError",
    "DictionaryWarning",
    "USERDICT_HEADER",
    "UserWord",
    "add_user_words",
    "read_stopwords",
    "read_userdict",
]

DEFAULT_USERDICT: Path = DATA_DIR / "userdict.txt"
DEFAULT_STOPWORDS: Path = DATA_DIR / "stopwords.txt"

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


USERDICT_HEADER = """\
# Words this corpus uses that jieba's dictionary cut in pieces (jieba's user dictionary
# format: word [freq] [tag]; written by `python -m analysis words --accept ...` or
# analysis.tokens.dictionary.add_user_words). The segmenter reads it when a Study is
# given `userdict`, or finds it as userdict.txt beside the corpus. Edit freely.
"""


def add_user_words(words: list[str] | tuple[str, ...], path: str | os.PathLike, *,
                   tag: str | None = None) -> list[str]:
    """Append words to a user dictionary file, once each; return those added.

    Parameters
    ----------
    words : list of str
        The words accepted (e.g. from :func:`analysis.stats.newwords.new_word_candidates`).
    path : path-like
        The dictionary file; created with a header when absent.
    tag : str, optional
        A POS tag for every word (``nr`` for person names).

    Returns
    -------
    list of str
        The words written (those already in the file are skipped).

    Raises
    ------
    DictionaryError
        For a word with whitespace, an empty word, a bad tag, or an unreadable file.
    """
    path = Path(path)
    bad = [w for w in words if not isinstance(w, str) or not w.strip() or len(w.split()) != 1]
    if bad:
        raise DictionaryError(f"The 'words' parameter of add_user_words must hold single words "
                              f"without spaces; got {bad[0]!r}.")
    if tag is not None and not (isinstance(tag, str) and tag.isalpha()):
        raise DictionaryError(f"The 'tag' parameter of add_user_words must be letters such as "
                              f"'nr' or None; got {tag!r}.")
    present = {e.word for e in read_userdict(path)} if path.exists() else set()
    new = [unicodedata.normalize("NFKC", w.strip()) for w in dict.fromkeys(words)]
    new = [w for w in new if w not in present]
    if new:
        path.parent.mkdir(parents=True, exist_ok=True)
        text = path.read_text(encoding="utf-8") if path.exists() else USERDICT_HEADER
        text = text + ("" if text.endswith("\n") else "\n")
        text += "".join(f"{w}{' ' + tag if tag else ''}\n" for w in new)
        write_text(path, text)
    return new
