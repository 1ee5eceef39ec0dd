"""Cut text with a segmentation backend: jieba (the reference) or rjieba (jieba-rs).

Every backend gives jieba 0.42.1's tokens for the same dictionary and user
dictionary, token for token; :class:`analysis.tokens.segmenter.Segmenter` picks one by
``SegmenterConfig.backend``. A backend has ``cut(text, *, hmm)`` (the words),
``cut_pos(text, *, hmm)`` (words and ``jieba.posseg`` tags) and ``known(word)``.

- ``"jieba"``: a private ``jieba.Tokenizer`` (the global ``jieba.dt`` is never
  touched), about 1 MB/s; ``jieba.posseg`` on top of it for POS tags.
- ``"rjieba"``: ``rjieba.Jieba`` (jieba-rs) for the route through the
  dictionary, made faithful to jieba by construction; about 8 MB/s, 4 MB/s
  with our preprocessing and filters (jieba: 1.2 and 0.9):

  1. its dictionary is jieba's own ``dict.txt`` loaded into ``Jieba.empty()``,
     then the user words as jieba applies them. jieba never takes a word's old
     frequency out of its total when a user word replaces it (jieba-rs does),
     and its total counts the duplicate lines of ``dict.txt``; an entry
     :data:`TOTAL_PAD` (a private-use character, never inside a block that is
     segmented) makes the two totals, hence every route probability, equal.
     Words of frequency 0 are left out (jieba-rs would make them a route of
     probability 0; jieba ignores them). Entries without a frequency get the
     one jieba's ``suggest_freq`` gives, read from a jieba tokenizer.
  2. the route (``cut(text, hmm=False)``) is cut as jieba's ``__cut_DAG`` does:
     runs of one-character steps are kept, cut into characters (when they
     form a dictionary word) or given to the HMM, whose non-Chinese parts are
     re-split with jieba's ``([a-zA-Z0-9]+(?:\\.\\d+)?%?)`` (``2020-08-05``,
     ``news.nankai.edu.cn``; jieba-rs keeps them whole). The HMM is jieba-rs's
     (the same model) for runs of distinct characters, jieba's own Viterbi for
     runs with a repeated character: only there can two paths have exactly
     the same probability, and the two implementations break such ties
     differently (``召会会会委``).
  3. words of frequency 0 that the HMM joins again are cut into characters,
     as for jieba.

  POS tagging (``cut_pos``) has no jieba-rs counterpart with jieba.posseg's
  tags: it goes to the jieba backend (loaded on first use).

Identity is checked on the seeds and on every token of the shared corpus
(``tests/test_backends.py``); both versions are pinned (jieba==0.42.1,
rjieba==0.2.2, which embeds jieba-rs 0.11.0).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import re
import threading
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from itertools import groupby
from typing import Any, Iterator, Protocol

import jieba
import jieba.finalseg

from ..core.errors import AnalysisError
from .dictionary import UserWord

__all__ = ["BACKENDS", "Backend", "JiebaBackend", "RjiebaBackend", "TOTAL_PAD",
           "backend_versions", "general_frequency", "make_backend"]

BACKENDS = ("jieba", "rjieba")
TOTAL_PAD = "\ue000"  # private use: outside jieba's blocks, so never a route
RJIEBA_PIN = "rjieba==0.2.2"
_RESPLIT = re.compile(r"([a-zA-Z0-9]+(?:\.\d+)?%?)")  # jieba.finalseg.re_skip
_HAN = re.compile("([\u4E00-\u9FD5]+)")  # jieba.finalseg.re_han
# the characters of jieba.re_han_default ([\u4E00-\u9FD5a-zA-Z0-9+#&\._%\-]) outside the Han range
_BLOCK_ASCII = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+#&._%-")

_MEMO_MAX = 500_000  # entries of a backend's memos before they are cleared
_LOCK = threading.RLock()
_JIEBA: dict[str, jieba.Tokenizer] = {}
_POSSEG: dict[str, Any] = {}
_RJIEBA: dict[str, Any] = {}


class Backend(Protocol):
    """What :class:`analysis.tokens.segmenter.Segmenter` needs from a backend."""

    def cut(self, text: str, *, hmm: bool) -> list[str]:
        """Cut a text into words."""

    def cut_pos(self, text: str, *, hmm: bool) -> list[tuple[str, str]]:
        """Cut a text into (word, POS tag) pairs."""

    def known(self, word: str) -> bool:
        """Tell whether a word is in the dictionary with a positive frequency."""


def _key(words: Sequence[UserWord]) -> str:
    return hashlib.sha256(repr([(w.word, w.freq, w.tag) for w in words]).encode()).hexdigest()


def _split_words(words: Sequence[UserWord]) -> frozenset[str]:
    """Return the words with an entry of frequency 0 (force-split words)."""
    return frozenset(w.word for w in words if w.freq == 0)


@contextmanager
def _quiet_jieba() -> Iterator[None]:
    """Silence jieba's "Building prefix dict" messages, restoring its logger level."""
    logger = jieba.default_logger
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def jieba_tokenizer(words: Sequence[UserWord]) -> jieba.Tokenizer:
    """Return a private, initialised jieba tokenizer for these words, cached per process.

    Parameters
    ----------
    words : sequence of UserWord
        The user dictionary entries, applied in order; ``freq 0`` sets the
        word's frequency to 0 without jieba's ``add_word`` (which would also
        change ``jieba.finalseg``'s global force-split set).

    Returns
    -------
    jieba.Tokenizer
        Shared by every caller with the same entries.
    """
    key = _key(words)
    with _LOCK:
        if key not in _JIEBA:
            tokenizer = jieba.Tokenizer()
            with _quiet_jieba():
                tokenizer.initialize()
            for w in words:
                if w.freq == 0:
                    tokenizer.FREQ[w.word] = 0
                else:
                    tokenizer.add_word(w.word, w.freq, w.tag)
            _JIEBA[key] = tokenizer
        return _JIEBA[key]


def _split_pieces(tokens: list[str], split: frozenset[str]) -> list[str]:
    if split.isdisjoint(tokens):
        return tokens
    return [piece for t in tokens for piece in (t if t in split else (t,))]


class JiebaBackend:
    """Cut text with a private jieba tokenizer (and jieba.posseg on top of it).

    Words of freq 0 never come out of the dictionary; when jieba's HMM joins one
    again, it is cut into characters here (jieba's own ``add_word(w, 0)`` would do
    that through a set global to all tokenizers).

    Parameters
    ----------
    words : sequence of UserWord
        The user dictionary entries, in order.
    """

    name = "jieba"

    def __init__(self, words: Sequence[UserWord]) -> None:
        self.key = _key(words)
        self.tokenizer = jieba_tokenizer(words)
        self.split = _split_words(words)

    def cut(self, text: str, *, hmm: bool) -> list[str]:
        """Cut a text into words."""
        return _split_pieces(self.tokenizer.lcut(text, HMM=hmm), self.split)

    def cut_pos(self, text: str, *, hmm: bool) -> list[tuple[str, str]]:
        """Cut a text into (word, POS tag) pairs with jieba.posseg."""
        with _LOCK:
            if self.key not in _POSSEG:
                import jieba.posseg

                _POSSEG[self.key] = jieba.posseg.POSTokenizer(self.tokenizer)
        pos = _POSSEG[self.key]
        pairs = [(p.word, p.flag) for p in pos.lcut(text, HMM=hmm)]
        return [piece for w, f in pairs for piece in
                ([(c, pos.word_tag_tab.get(c, "x")) for c in w] if w in self.split else [(w, f)])]

    def known(self, word: str) -> bool:
        """Tell whether a word is in the dictionary with a positive frequency."""
        return bool(self.tokenizer.FREQ.get(word))


def _import_rjieba() -> Any:
    try:
        import rjieba
    except ImportError:
        raise ImportError(f"The 'rjieba' backend of SegmenterConfig needs the rjieba package: "
                          f"pip install {RJIEBA_PIN} (or use backend='jieba').") from None
    return rjieba


def _jieba_dictionary() -> tuple[dict[str, tuple[int, str]], int]:
    """Read jieba's default dictionary as jieba does: {word: (freq, tag)} and the total.

    As in ``jieba.Tokenizer.gen_pfdict``, the last line of a word wins and the
    total adds the frequency of every line.
    """
    path = os.path.join(os.path.dirname(jieba.__file__), jieba.DEFAULT_DICT_NAME)
    with open(path, "rb") as file:
        lines = file.read().decode("utf-8").splitlines()
    entries: dict[str, tuple[int, str]] = {}
    total = 0
    for number, line in enumerate(lines, start=1):
        fields = line.strip().split(" ")
        if len(fields) < 2 or not fields[1].isdigit():
            raise AnalysisError(f"{path}, line {number}: not a jieba dictionary entry: {line!r}.")
        freq = int(fields[1])
        entries[fields[0]] = (freq, fields[2] if len(fields) > 2 else "")
        total += freq
    return entries, total


@functools.lru_cache(maxsize=1)
def _jieba_entries() -> tuple[dict[str, tuple[int, str]], int]:
    """Return :func:`_jieba_dictionary`, read once a process (0.6 s); never change the dict."""
    return _jieba_dictionary()


def general_frequency(word: str) -> int:
    """Return a word's frequency in jieba's general dictionary (0 when absent).

    The general dictionary, not the user dictionaries: it tells a common word
    (上海 16377, 医学 3433) from a coined short form (南开 155, 矿大 absent).
    """
    entry = _jieba_entries()[0].get(word)
    return entry[0] if entry else 0


def _final_entries(words: Sequence[UserWord], base_total: int
                   ) -> tuple[dict[str, tuple[int, str]], int]:
    """Return jieba's final (freq, tag) of each user word and its final total.

    jieba's ``add_word`` adds each frequency to the total (never removing the
    one it replaces); ``freq 0`` entries only set the word's frequency. An
    entry without a frequency gets ``suggest_freq`` of the state at that
    point: then the values are read from a jieba tokenizer with these words.
    """
    if any(w.freq is None for w in words):
        reference = jieba_tokenizer(words)
        return ({w.word: (reference.FREQ[w.word], w.tag or "") for w in words},
                reference.total)
    final = {w.word: (w.freq, w.tag or "") for w in words}
    return final, base_total + sum(w.freq for w in words if w.freq)


def _rjieba_tokenizer(words: Sequence[UserWord]) -> Any:
    """Return an rjieba.Jieba holding jieba's dictionary as jieba would, cached per process."""
    key = _key(words)
    with _LOCK:
        if key not in _RJIEBA:
            rjieba = _import_rjieba()
            shared, base_total = _jieba_entries()
            entries = dict(shared)
            final, total = _final_entries(words, base_total)
            entries.update(final)
            tokenizer = rjieba.Jieba.empty()
            add = tokenizer.add_word
            kept = 0
            for word, (freq, tag) in entries.items():
                if freq:
                    add(word, freq, tag)
                    kept += freq
            if total < kept:
                raise AnalysisError(f"Cannot reproduce jieba's total frequency {total} with "
                                    f"rjieba (dictionary total {kept}).")
            add(TOTAL_PAD, total - kept, "x")
            _RJIEBA[key] = tokenizer
        return _RJIEBA[key]


def _viterbi_cut(block: str) -> list[str]:
    """Cut a run of Chinese characters with jieba's HMM (``jieba.finalseg.__cut``)."""
    return list(getattr(jieba.finalseg, "__cut")(block))


def _hmm_only() -> Any:
    """Return an rjieba.Jieba with an empty dictionary: its cut is its HMM alone."""
    with _LOCK:
        if "" not in _RJIEBA:
            _RJIEBA[""] = _import_rjieba().Jieba.empty()
        return _RJIEBA[""]


class _Memo(dict):
    """A dictionary that computes a missing value with ``compute`` and keeps it."""

    def __init__(self, compute: Callable[[str], Any]) -> None:
        super().__init__()
        self.compute = compute

    def __missing__(self, key: str) -> Any:
        value = self[key] = self.compute(key)
        return value


class RjiebaBackend:
    """Cut text with rjieba (jieba-rs), giving exactly jieba's tokens.

    Parameters
    ----------
    words : sequence of UserWord
        The user dictionary entries, in order.
    """

    name = "rjieba"

    def __init__(self, words: Sequence[UserWord]) -> None:
        self.words = tuple(words)
        self.tokenizer = _rjieba_tokenizer(self.words)
        self.split = _split_words(self.words)
        self._jieba: JiebaBackend | None = None
        self._kind = _Memo(self._buffered)  # route step -> cut with its neighbours
        self._memo = _Memo(self._cut_run)  # run of steps -> its words

    def cut(self, text: str, *, hmm: bool) -> list[str]:
        """Cut a text into words, as jieba does."""
        steps = self.tokenizer.cut(text, False)  # the route through the dictionary
        return _split_pieces(self._join_steps(steps) if hmm else steps, self.split)

    def _join_steps(self, steps: list[str]) -> list[str]:
        """Cut the runs of one-character steps as jieba's ``__cut_DAG`` does.

        Each distinct step is classified once (buffered or not) and each
        distinct run cut once (memos of the backend, in C dictionaries:
        ``groupby`` finds the runs, so no Python code runs per step).
        """
        kind, memo = self._kind, self._memo
        if len(kind) > _MEMO_MAX:
            kind.clear()
        if len(memo) > _MEMO_MAX:
            memo.clear()
        out: list[str] = []
        for buffered, run in groupby(steps, kind.__getitem__):
            if buffered:
                out.extend(memo["".join(run)])
            else:
                out.extend(run)  # dictionary words, or characters outside jieba's blocks
        return out

    def _buffered(self, step: str) -> bool:
        """Tell whether jieba would step through this route step one character at a time."""
        if len(step) == 1:
            return "\u4e00" <= step <= "\u9fd5" or step in _BLOCK_ASCII
        # jieba-rs joins letters and digits that jieba steps through one by one
        return step.isascii() and step.isalnum() and not self.tokenizer.has_word(step)

    def _cut_run(self, buf: str) -> tuple[str, ...]:
        """Cut consecutive one-character steps: whole, by characters or by the HMM."""
        if len(buf) == 1:
            return (buf,)
        if self.tokenizer.has_word(buf):
            return tuple(buf)
        out: list[str] = []
        for block in _HAN.split(buf):  # as jieba.finalseg.cut
            if not block:
                continue
            if not _HAN.match(block):
                out.extend(piece for piece in _RESPLIT.split(block) if piece)
            elif len(set(block)) < len(block):  # paths may tie: jieba's own Viterbi decides
                out.extend(_viterbi_cut(block))
            else:
                out.extend(_hmm_only().cut(block, True))
        return tuple(out)

    @property
    def jieba(self) -> JiebaBackend:
        """The jieba backend of the same words, for POS tags (created on first use)."""
        if self._jieba is None:
            self._jieba = JiebaBackend(self.words)
        return self._jieba

    def cut_pos(self, text: str, *, hmm: bool) -> list[tuple[str, str]]:
        """Cut a text into (word, POS tag) pairs with jieba.posseg (no jieba-rs equivalent)."""
        return self.jieba.cut_pos(text, hmm=hmm)

    def known(self, word: str) -> bool:
        """Tell whether a word is in the dictionary with a positive frequency."""
        return word != TOTAL_PAD and bool(self.tokenizer.has_word(word))


_CLASSES: dict[str, Callable[[Sequence[UserWord]], Backend]] = {
    "jieba": JiebaBackend, "rjieba": RjiebaBackend}


def make_backend(name: str, words: Sequence[UserWord]) -> Backend:
    """Create (or reuse, per dictionary) the backend called ``name``.

    Parameters
    ----------
    name : {'jieba', 'rjieba'}
        The backend.
    words : sequence of UserWord
        The user dictionary entries, in order.

    Returns
    -------
    Backend
        An object with ``cut``, ``cut_pos`` and ``known``.
    """
    if name not in _CLASSES:
        raise AnalysisError(f"The 'backend' parameter of SegmenterConfig must be one of "
                            f"{list(BACKENDS)}; got {name!r}.")
    return _CLASSES[name](words)


def backend_versions() -> dict[str, str | None]:
    """Return the versions of jieba and rjieba (None when rjieba is not installed)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        rjieba = version("rjieba")
    except PackageNotFoundError:
        rjieba = None
    return {"jieba": jieba.__version__, "rjieba": rjieba}
