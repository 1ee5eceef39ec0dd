"""Segment Chinese text into filtered tokens, one space-joined string a document.

Segmentation runs in three steps, the same whatever the backend:

1. the text is put in Unicode NFKC form (full-width letters, digits and
   punctuation become half-width) and URLs, e-mail addresses, bare domains,
   file names, paths and markdown link targets are replaced by a space;
2. the backend cuts it (:mod:`analysis.tokens.backends`): rjieba (jieba-rs, the
   default, about 15 times faster) or a private ``jieba.Tokenizer`` (the
   reference), both loaded with the user dictionaries and giving the same
   tokens (the global ``jieba.dt`` is never touched); ``jieba.posseg`` on
   top of jieba when a POS filter is set, whatever the backend;
3. the filters drop, in this order: whitespace and punctuation; numbers, dates,
   percentages and ordinals (2020, 1.5, 100%, 03-16, 2020-02-11, 第一, 两个; jieba
   already cuts 2020年 into 2020|年) and their fragments (3日至5日 gives 日至, 500余人
   gives 余人), except words of the user dictionary such as
   十三五; URL and file-name fragments (http, www, com, jpg, hex ids); tokens
   shorter than ``min_len`` characters; stop words; and, with ``pos``, words
   whose POS tag starts with none of the given prefixes. ASCII letters are
   lower-cased first.

A :class:`SegmenterConfig` says all of this; its :meth:`~SegmenterConfig.fingerprint`
(a SHA-256 of the jieba version, the dictionary and stop word contents and the
settings) keys the token cache (:mod:`analysis.tokens.cache`). The backend is not in
the fingerprint: every backend must give identical tokens.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import unicodedata
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import jieba

from ..core.errors import AnalysisError, check_choice, check_number, format_list
from .backends import BACKENDS, Backend, backend_versions, make_backend
from .dictionary import (
    DEFAULT_STOPWORDS,
    DEFAULT_USERDICT,
    DictionaryWarning,
    UserWord,
    read_stopwords,
    read_userdict,
)

__all__ = ["BACKENDS", "Segmenter", "SegmenterConfig", "check_dictionary"]

SCHEME = 2  # raise when preprocessing or filters change: it invalidates token caches
SENTENCE_ENDS = frozenset("。！？；!?;…")
"""Words that end a sentence: :meth:`Segmenter.join_many` writes a line break there."""
_BREAKS = re.compile(r"[ \n]*\n[ \n]*")

_URL = re.compile(r"""(?xi)
    (?=[a-z0-9._%+/\]_-])  # the first character of any alternative: a fast reject elsewhere
    (?:(?:https?|ftp)://[^\s\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]*
  | www\.[^\s\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]*
  | (?<![a-z0-9._%+-])[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+
  | (?<![a-z0-9.-])(?:[a-z0-9-]+\.)+(?:com|cn|net|org|edu|gov|info|cc|io)(?![a-z0-9])
    (?::\d+)?(?:/[^\s\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]*)?
  | \]\([^)\s]*\)
  | (?<![a-z0-9._%-])(?:/[a-z0-9._%-]+){2,}/?
  | (?<![a-z0-9_-])[a-z0-9_-]+\.(?:jpe?g|png|gif|bmp|webp|svg|pdf|docx?|xlsx?|pptx?|zip|rar|txt
                  |s?html?|php|aspx?|jsp)(?![a-z0-9]))
""")
_CN = "〇零一二三四五六七八九十百千万亿两"
_NUMBER = re.compile(rf"""(?x)
    第?[0-9]+(?:[.,][0-9]+)*(?:%|‰|[年月日号时点分秒个次届级期名位项天周岁元万亿余多批件篇所家份门场倍人])?
  | [0-9]+(?:[-/.:][0-9]+)+
  | 第?[{_CN}]+[个次届名位项天点月日号种批件篇倍周岁人]?
  | [年月日号时][至晚] | 余[人名家项篇所位次个场件种]
""")
_HEX = re.compile(r"(?=[a-f]*[0-9])(?=[0-9]*[a-f])[0-9a-f]{6,}")
URL_PARTS = frozenset("""http https ftp www com cn net org edu gov info cc io html htm shtml
    php asp aspx jsp cgi jpg jpeg png gif bmp webp svg pdf doc docx xls xlsx ppt pptx zip
    rar mp3 mp4 index""".split())

_CHECKED: set[str] = set()


def _paths(value: Any, param: str) -> tuple[Path, ...]:
    if value is None:
        return ()
    if isinstance(value, (str, os.PathLike)):
        return (Path(value),)
    items = tuple(value)
    if not all(isinstance(v, (str, os.PathLike)) for v in items):
        raise AnalysisError(f"The {param!r} parameter of SegmenterConfig must be a path or an "
                            f"iterable of paths; got {value!r}.")
    return tuple(Path(v) for v in items)


def _stop_items(value: Any) -> tuple[Path | str, ...]:
    if value is None:
        return ()
    if isinstance(value, (str, os.PathLike)):
        return (Path(value),)
    items = tuple(value)
    bad = [v for v in items if not isinstance(v, (str, os.PathLike)) or (isinstance(v, str)
                                                                        and len(v.split()) != 1)]
    if bad:
        raise AnalysisError(f"The 'stopwords' parameter of SegmenterConfig must be a path or an "
                            f"iterable of words (str) and files (pathlib.Path); got {bad[0]!r}.")
    return tuple(v if isinstance(v, str) else Path(v) for v in items)


@dataclass(frozen=True)
class SegmenterConfig:
    """Say how texts are segmented and filtered (hashable; used as a cache key).

    Parameters
    ----------
    userdict : path-like or iterable of path-like, default ()
        Extra user dictionaries (jieba format, ``#`` comments allowed), loaded
        after the packaged one in the order given.
    stopwords : path-like or iterable, default ()
        Extra stop words: a file path, or an iterable whose ``str`` items are
        words and ``pathlib.Path`` items are files (one word a line).
    default_userdict, default_stopwords : bool, default True
        Use the packaged ``analysis/data/userdict.txt`` and ``stopwords.txt``.
    min_len : int, default 2
        Drop tokens shorter than this many characters.
    keep_numbers : bool, default False
        Keep numbers, dates, percentages and ordinals.
    pos : str or iterable of str, optional
        Keep only words whose ``jieba.posseg`` tag starts with one of these
        prefixes (e.g. ``{"n", "v"}``); segmentation then goes through posseg.
    hmm : bool, default True
        Let jieba's HMM join unknown words (person names, new terms).
    lowercase : bool, default True
        Lower-case the letters of tokens (stop words match in any case).
    backend : {'rjieba', 'jieba'}, default 'rjieba'
        The segmentation backend (:mod:`analysis.tokens.backends`); both give the same
        tokens, rjieba about 15 times faster. ``pos`` always uses jieba.posseg.
    """

    userdict: Any = ()
    stopwords: Any = ()
    default_userdict: bool = True
    default_stopwords: bool = True
    min_len: int = 2
    keep_numbers: bool = False
    pos: Any = None
    hmm: bool = True
    lowercase: bool = True
    backend: str = "rjieba"

    def __post_init__(self) -> None:
        func = "SegmenterConfig"
        for name in ("default_userdict", "default_stopwords", "keep_numbers", "hmm", "lowercase"):
            if not isinstance(getattr(self, name), bool):
                raise AnalysisError(f"The {name!r} parameter of {func} must be True or False; "
                                    f"got {getattr(self, name)!r}.")
        check_number(self.min_len, param="min_len", func=func, low=1, integer=True)
        check_choice(self.backend, BACKENDS, param="backend", func=func)
        object.__setattr__(self, "userdict", _paths(self.userdict, "userdict"))
        object.__setattr__(self, "stopwords", _stop_items(self.stopwords))
        if self.pos is not None:
            pos = frozenset([self.pos] if isinstance(self.pos, str) else self.pos)
            if not pos or not all(isinstance(p, str) and p.isalpha() for p in pos):
                raise AnalysisError(f"The 'pos' parameter of {func} must be None or a set of POS "
                                    f"tag prefixes such as {{'n', 'v'}}; got {self.pos!r}.")
            object.__setattr__(self, "pos", pos)

    def fingerprint(self) -> str:
        """Return the SHA-256 of what decides the tokens (files read now)."""
        return _fingerprint(self, _user_words(self), _stopwords(self))


def _user_words(config: SegmenterConfig) -> tuple[UserWord, ...]:
    paths = ((DEFAULT_USERDICT,) if config.default_userdict else ()) + config.userdict
    return tuple(entry for path in paths for entry in read_userdict(path))


def _stopwords(config: SegmenterConfig) -> frozenset[str]:
    words: set[str] = set(read_stopwords(DEFAULT_STOPWORDS)) if config.default_stopwords else set()
    for item in config.stopwords:
        if isinstance(item, Path):
            words.update(read_stopwords(item))
        else:
            words.add(unicodedata.normalize("NFKC", item).lower())
    return frozenset(words)


def _fingerprint(config: SegmenterConfig, words: tuple[UserWord, ...],
                 stopwords: frozenset[str]) -> str:
    payload = {
        "scheme": SCHEME, "jieba": jieba.__version__, "unicode": unicodedata.unidata_version,
        "userdict": [[w.word, w.freq, w.tag] for w in words], "stopwords": sorted(stopwords),
        "min_len": config.min_len, "keep_numbers": config.keep_numbers, "hmm": config.hmm,
        "pos": None if config.pos is None else sorted(config.pos), "lowercase": config.lowercase,
    }
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Segmenter:
    """Cut texts into filtered tokens as a :class:`SegmenterConfig` says.

    Parameters
    ----------
    config : SegmenterConfig, optional
        Default: ``SegmenterConfig()``. Its files are read now; the backend
        (about 0.4 s for rjieba's, 0.7 s for jieba's dictionary, once a process
        and dictionary) on the first cut,
        when the dictionary is also checked (:func:`check_dictionary`).

    Examples
    --------
    >>> Segmenter().cut("我校召开疫情防控工作会议，要求守土有责、守土尽责。")
    ['召开', '疫情防控', '工作', '会议', '要求', '守土有责', '守土尽责']
    """

    def __init__(self, config: SegmenterConfig | None = None) -> None:
        if config is not None and not isinstance(config, SegmenterConfig):
            raise AnalysisError(f"The 'config' parameter must be a SegmenterConfig or None; "
                                f"got {type(config).__name__}.")
        self.config = SegmenterConfig() if config is None else config
        self.user_words = _user_words(self.config)
        self.stopwords = _stopwords(self.config)
        self.fingerprint = _fingerprint(self.config, self.user_words, self.stopwords)
        self._entries = frozenset(w.word for w in self.user_words if w.freq != 0)
        self._pos = None if self.config.pos is None else tuple(sorted(self.config.pos))
        self._backend: Backend | None = None
        self._kept: dict[str, str | None] = {}  # word -> token, None if filtered out

    def __repr__(self) -> str:
        return f"Segmenter({self.config!r})"

    def __getstate__(self) -> dict[str, Any]:
        """Pickle the configuration, words and stop words, not the loaded backend.

        A Dask worker rebuilds the backend from the words (once a process),
        without reading the dictionary files of this machine.
        """
        return {**self.__dict__, "_backend": None, "_kept": {}}

    @property
    def backend(self) -> Backend:
        """The backend, created on first use (and the dictionary checked once)."""
        if self._backend is None:
            self._backend = make_backend(self.config.backend, self.user_words)
            if self.fingerprint not in _CHECKED:
                _CHECKED.add(self.fingerprint)
                check_dictionary(self)
        return self._backend

    def preprocess(self, text: str) -> str:
        """Return the text in NFKC form with URLs and file names blanked out."""
        return _URL.sub(" ", unicodedata.normalize("NFKC", text))

    def words(self, text: str) -> list[str]:
        """Cut a text into words exactly as written: no normalisation, no filter.

        The words join back into ``text``; phrase boundaries use them.
        """
        return self.backend.cut(text, hmm=self.config.hmm)

    def raw_cut(self, text: str) -> list[str]:
        """Cut a preprocessed text with the backend, without any filter."""
        return [w for w, _ in self._cut(self.preprocess(text), pos=self.config.pos is not None)]

    def _cut(self, text: str, *, pos: bool) -> list[tuple[str, str | None]]:
        if pos:
            return self.backend.cut_pos(text, hmm=self.config.hmm)
        return [(w, None) for w in self.backend.cut(text, hmm=self.config.hmm)]

    def keep(self, token: str) -> bool:
        """Tell whether a (lower-cased) token passes the filters other than POS."""
        cfg = self.config
        if len(token) < cfg.min_len:
            return False
        if (token if cfg.lowercase else token.lower()) in self.stopwords:
            return False
        if all(unicodedata.category(ch)[0] in "PSZC" for ch in token):
            return False
        if not cfg.keep_numbers and _NUMBER.fullmatch(token) and token not in self._entries:
            return False
        return not (token.isascii() and (token.lower() in URL_PARTS or _HEX.fullmatch(token)))

    def cut(self, text: str, *, sentences: bool = False) -> list[str]:
        """Cut one text into filtered tokens.

        With ``sentences=True`` a ``"\n"`` item stands between sentences (at
        。！？；, line breaks), which :meth:`join_many` keeps as line breaks.
        """
        allowed = self._pos
        if allowed is None:  # the filters depend on the word alone: remember them
            return self._cut_known(self.preprocess(text), sentences)
        tokens = []
        for word, tag in self._cut(self.preprocess(text), pos=allowed is not None):
            token = word.lower() if self.config.lowercase else word
            if self.keep(token) and (allowed is None or (tag or "").startswith(allowed)):
                tokens.append(token)
            elif sentences and (word in SENTENCE_ENDS or ("\n" in word and not word.strip())):
                tokens.append("\n")
        return tokens

    def _cut_known(self, text: str, sentences: bool = False) -> list[str]:
        """Cut a preprocessed text, filtering each distinct word once (no POS filter)."""
        kept = self._kept
        words = self.backend.cut(text, hmm=self.config.hmm)
        for word in set(words).difference(kept):
            token = word.lower() if self.config.lowercase else word
            kept[word] = token if self.keep(token) else (
                "\n" if word in SENTENCE_ENDS or ("\n" in word and not word.strip()) else None)
        tokens = [t for t in map(kept.__getitem__, words) if t is not None]
        return tokens if sentences else [t for t in tokens if t != "\n"]

    def cut_many(self, texts: Iterable[str]) -> list[list[str]]:
        """Cut several texts into lists of filtered tokens."""
        return [self.cut(text) for text in texts]

    def join_many(self, texts: Iterable[str]) -> list[str]:
        """Cut several texts into token strings: spaces between tokens, line breaks between sentences.

        Whitespace splitting (what every count does) sees the tokens alone;
        ``text.split("\n")`` gives the sentences, for statistics within a sentence.
        """
        return [_BREAKS.sub("\n", " ".join(self.cut(text, sentences=True))).strip("\n ")
                for text in texts]

    def known(self, word: str) -> bool:
        """Tell whether a word is in the backend's dictionary (jieba's or a user one)."""
        return self.backend.known(word)

    def tag(self, word: str) -> str | None:
        """Return the jieba.posseg tag of a word segmented alone (None if it splits)."""
        pairs = self.backend.cut_pos(self.preprocess(word), hmm=True)
        return pairs[0][1] if len(pairs) == 1 else None

    def describe(self) -> dict[str, Any]:
        """Return the configuration and versions as plain values, for provenance."""
        values = {f.name: getattr(self.config, f.name) for f in fields(self.config)}
        values["userdict"] = [str(p) for p in values["userdict"]]
        values["stopwords"] = [str(p) for p in values["stopwords"]]
        values["pos"] = None if values["pos"] is None else sorted(values["pos"])
        return {"fingerprint": self.fingerprint, **backend_versions(), **values}


def _show(found: dict[str, list[str]]) -> str:
    return format_list(found.items(), item=lambda kv: f"{kv[0]!r} -> {kv[1]}", brackets=False)


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
