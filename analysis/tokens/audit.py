"""Show what the user dictionary changes on a corpus and the words it still misses.

:func:`segmentation_audit` segments a corpus with and without the user
dictionaries and lists the tokens whose counts change, and the frequent
tokens no dictionary holds (person names, new terms guessed by jieba's HMM),
to grow the dictionary.
"""

from __future__ import annotations

import os
import warnings
from collections import Counter
from dataclasses import replace
from typing import Any

import pandas as pd

from ..core.errors import check_number
from .dictionary import DictionaryWarning
from .segment import EmptyDocumentsWarning, tokenize
from .segmenter import Segmenter, SegmenterConfig

__all__ = ["AUDIT_COLUMNS", "segmentation_audit"]

AUDIT_COLUMNS = ("kind", "token", "count", "count_without", "n_docs", "in_userdict",
                 "tag", "pieces")


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
    docs: pd.DataFrame,
    *,
    text_col: str = "text",
    config: SegmenterConfig | None = None,
    min_count: int = 2,
    top: int | None = None,
    cache_dir: str | os.PathLike | None = None,
    use_cache: bool = True,
) -> pd.DataFrame:
    """Show what the user dictionary changes and which words it still misses.

    The docs is segmented (through the token cache) with ``config`` and with
    the same configuration without any user dictionary; with ``hmm=False`` a
    third time with the HMM on, to find the words it would guess.

    Parameters
    ----------
    docs : pandas.DataFrame
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
        Token cache folder (see :func:`analysis.tokens.segment`).
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
    func = "segmentation_audit"
    check_number(min_count, param="min_count", func=func, low=1, integer=True)
    if top is not None:
        check_number(top, param="top", func=func, low=1, integer=True)
    config = SegmenterConfig() if config is None else config
    bare = replace(config, userdict=(), default_userdict=False)
    opts = dict(text_col=text_col, cache_dir=cache_dir, use_cache=use_cache)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EmptyDocumentsWarning)
        with_dict = tokenize(docs, config=config, **opts)["tokens"].tolist()
        warnings.simplefilter("ignore", DictionaryWarning)  # the bare run is only a baseline
        without = tokenize(docs, config=bare, **opts)["tokens"].tolist()
        guessed = (with_dict if config.hmm else
                   tokenize(docs, config=replace(config, hmm=True), **opts)["tokens"].tolist())
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
