"""Find phrases shared by several groups and when each group first used them.

Decisions:

- ``mode="tokens"``: a phrase is a run of ``n_min`` to ``n_max`` consecutive
  tokens of the ``tokens`` column. Tokens are *filtered* (stop words,
  punctuation and numbers removed), so the runs are over content tokens: two
  tokens adjacent in the column may have had stop words, punctuation or even
  a sentence end between them in the text. Phrases are shown space-joined.
- ``mode="chars"``: a phrase is a run of at least ``min_chars`` characters
  of the clean text. The text is cut into sentences at ``。！？；!?;…`` and line
  breaks; in each sentence whitespace and punctuation other than the
  enumeration comma ``、`` (``，：“”`` ...) are removed
  (:func:`analysis.stats.duplicates.clean_text`), so a run never crosses a sentence
  end but may cross a comma, and a formula reads as written:
  ``守土有责、守土担责``. Runs have no upper length.
- A phrase is *shared* when documents of at least ``min_groups`` different
  groups hold it. Only **maximal** phrases are kept: a phrase is dropped when
  a longer shared phrase that contains it occurs in exactly the same set of
  documents (checked one token or character longer, which suffices). In token
  mode, maximal means among phrases of at most ``n_max`` tokens.
- Runs are compared by a 64-bit polynomial hash (collisions about ``2**-64``
  per pair) and extended level by level from the shared runs only (a run is
  shared only if both its shorter runs are), so the cost follows the amount
  of shared text, not the square of the corpus. Each distinct sentence (in token
  mode, each distinct document) is searched once, however many documents repeat it.
- Documents with NA in the group column are left out (warning); undated
  documents count, but a group's first use is its earliest *dated* document
  (undated ones only when the group has no dated document with the phrase).
"""

from __future__ import annotations

import re
import warnings
from typing import Literal

import numpy as np
import pandas as pd

from ..core.errors import check_choice, check_column, check_number
from .counts import table_group_col
from .duplicates import clean_text

__all__ = ["PHRASE_COLUMNS", "SENTENCE_ENDS", "phrase_summary", "shared_phrases"]

PHRASE_COLUMNS = ("phrase", "length", "first_date", "first_doc_id", "n_docs", "doc_ids")
SENTENCE_ENDS = re.compile(r"[。！？；!?;…\n\r]+")
# Kept inside character phrases: the enumeration comma joins the parts of a formula
# (守土有责、守土担责、守土尽责), and a phrase reads as written.
KEEP = "、"
_BASE = np.uint64(0x100000001B3)


class _Units:
    """Distinct pieces of text (sentences, or documents' token sequences) and their documents.

    A piece repeated by many documents (a reposted notice, a slogan, a template
    sentence) is searched once; the documents and groups holding a run are
    found through the pieces that hold it.
    """

    def __init__(self, unit: np.ndarray, doc: np.ndarray, group: np.ndarray, n_docs: int
                 ) -> None:
        self.n_units = int(unit.max()) + 1 if len(unit) else 0
        self.n_docs = n_docs
        self.n_groups = int(group.max()) + 1 if len(group) else 1
        pairs = np.unique(unit.astype(np.int64) * n_docs + doc)
        self.doc_ptr, self.docs = self._csr(pairs // n_docs, pairs % n_docs)
        pairs = np.unique(pairs // n_docs * self.n_groups + group[pairs % n_docs])
        self.group_ptr, self.groups = self._csr(pairs // self.n_groups, pairs % self.n_groups)
        self.doc_keys = np.random.default_rng(0).integers(0, 2**64, n_docs, dtype=np.uint64)
        self.key_sum = np.zeros(self.n_units, dtype=np.uint64)  # of each piece's documents
        np.add.at(self.key_sum, np.repeat(np.arange(self.n_units), np.diff(self.doc_ptr)),
                  self.doc_keys[self.docs])

    def _csr(self, rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ptr = np.zeros(self.n_units + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=self.n_units), out=ptr[1:])
        return ptr, cols

    def expand(self, units: np.ndarray, by: str) -> tuple[np.ndarray, np.ndarray]:
        """Return (index into ``units``, label) for every document or group of each unit."""
        ptr, labels = (self.doc_ptr, self.docs) if by == "doc" else (self.group_ptr, self.groups)
        sizes = ptr[units + 1] - ptr[units]
        owner = np.repeat(np.arange(len(units)), sizes)
        offset = np.arange(len(owner)) - np.repeat(np.cumsum(sizes) - sizes, sizes)
        return owner, labels[ptr[units][owner] + offset]


def _sequences(docs: pd.DataFrame, mode: str, col: str, group: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray, _Units, list | None]:
    """Return the codes of the distinct pieces, the piece of each code, the pieces' documents
    and the alphabet."""
    values = [v if isinstance(v, str) else "" for v in docs[col].tolist()]
    if mode == "tokens":
        owner = np.arange(len(values))
        unit, distinct = pd.factorize(pd.Series(values, dtype=object))
        pieces = [v.split() for v in distinct]
        codes, alphabet = pd.factorize(pd.Series([t for p in pieces for t in p], dtype=object))
        lengths = [len(p) for p in pieces]
    else:
        cut = [[s for s in (clean_text(s, keep=KEEP) for s in SENTENCE_ENDS.split(v)) if s]
               for v in values]
        owner = np.repeat(np.arange(len(values)), [len(c) for c in cut])
        unit, distinct = pd.factorize(pd.Series([s for c in cut for s in c], dtype=object))
        text = "".join(distinct)
        codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
        alphabet, lengths = None, [len(s) for s in distinct]
    piece = np.repeat(np.arange(len(lengths)), lengths)
    units = _Units(np.asarray(unit, dtype=np.int64), owner, group, len(values))
    return np.asarray(codes, dtype=np.uint64), piece, units, alphabet


def _per_hash(h: np.ndarray, unit: np.ndarray, units: _Units, by: str
              ) -> tuple[np.ndarray, np.ndarray]:
    """Count the distinct documents or groups holding each hash (and sum the documents' keys).

    The labels of a position are those of its piece; results are broadcast to
    each position. A hash found in one piece only (most long runs) takes the
    piece's own count and key sum.
    """
    inv, uniq = pd.factorize(h)  # a hash table, not a sort: order does not matter here
    piece_of = np.empty(len(uniq), dtype=np.int64)
    piece_of[inv] = unit
    multi = np.zeros(len(uniq), dtype=bool)
    multi[inv[piece_of[inv] != unit]] = True
    ptr = units.doc_ptr if by == "doc" else units.group_ptr
    counts = np.diff(ptr)[piece_of]
    sums = units.key_sum[piece_of] if by == "doc" else np.zeros(len(uniq), dtype=np.uint64)
    if multi.any():
        n_labels = units.n_docs if by == "doc" else units.n_groups
        n_units = max(units.n_units, 1)
        at = multi[inv]
        hu = pd.unique(inv[at].astype(np.int64) * n_units + unit[at])  # distinct (hash, piece)
        owner, label = units.expand(hu % n_units, by)
        pairs = pd.unique(hu[owner] // n_units * n_labels + label)
        hash_of, label = pairs // n_labels, pairs % n_labels
        counts[multi] = 0
        counts += np.bincount(hash_of, minlength=len(uniq))
        if by == "doc":
            sums[multi] = 0
            np.add.at(sums, hash_of, units.doc_keys[label])
    return counts[inv], sums[inv]


def _levels(codes: np.ndarray, piece: np.ndarray, units: _Units,
            n_min: int, n_max: int | None, min_groups: int
            ) -> list[tuple[int, np.ndarray, np.ndarray]]:
    """Return (length, start positions, hashes) of the maximal shared runs, level by level."""
    n_starts = max(0, len(piece) - n_min + 1)
    starts = np.flatnonzero(piece[:n_starts] == piece[n_min - 1:n_min - 1 + n_starts])
    h = np.zeros(len(starts), dtype=np.uint64)
    for j in range(n_min):
        h = h * _BASE + codes[starts + j]
    found, prev, level = [], None, n_min
    while len(starts) and (n_max is None or level <= n_max):
        n_grp, _ = _per_hash(h, piece[starts], units, "group")
        starts, h = starts[n_grp >= min_groups], h[n_grp >= min_groups]
        _, fp = _per_hash(h, piece[starts], units, "doc")
        if prev is not None:
            found.append(_maximal(prev, starts, fp))
        prev = (level, starts, h, fp)
        at = np.searchsorted(starts, starts + 1)  # starts are sorted
        nxt = (at < len(starts)) & (starts[np.minimum(at, len(starts) - 1)] == starts + 1)
        nxt &= starts + level < len(piece)
        nxt[nxt] &= piece[starts[nxt]] == piece[starts[nxt] + level]
        starts, h = starts[nxt], h[nxt] * _BASE + codes[starts[nxt] + level]
        level += 1
    if prev is not None:
        found.append(prev[:3])
    return found


def _maximal(prev: tuple, starts: np.ndarray, fp: np.ndarray
             ) -> tuple[int, np.ndarray, np.ndarray]:
    """Drop the runs of ``prev`` that a one-longer run extends in the same documents."""
    level, p_starts, p_h, p_fp = prev
    covered = np.zeros(len(p_starts), dtype=bool)
    for shift in (0, 1):  # the longer run starts at i (right extension) or i - 1 (left)
        at = np.searchsorted(starts, p_starts - shift)
        at_ok = at < len(starts)
        hit = at_ok & (starts[np.minimum(at, len(starts) - 1)] == p_starts - shift)
        covered[hit] |= fp[at[hit]] == p_fp[hit]
    keep = ~pd.Index(p_h).isin(p_h[covered])
    return level, p_starts[keep], p_h[keep]


def _check(docs: pd.DataFrame, group_col: str, date_col: str, id_col: str, col: str,
           mode: str, func: str) -> pd.DataFrame:
    """Check the columns and drop documents with NA groups."""
    for name, param in ((group_col, "group_col"), (date_col, "date_col"), (id_col, "id_col")):
        check_column(docs, name, param=param, func=func)
    check_column(docs, col, param="tokens_col" if mode == "tokens" else "text_col", func=func)
    na = docs[group_col].isna()
    if na.any():
        warnings.warn(f"{func}: {int(na.sum())} document(s) with NA in {group_col!r} were "
                      f"excluded.", UserWarning, stacklevel=3)
    return docs.loc[~na]


def shared_phrases(
    docs: pd.DataFrame,
    *,
    group_col: str = "institution",
    date_col: str = "date",
    tokens_col: str = "tokens",
    text_col: str = "text",
    id_col: str = "doc_id",
    n_min: int = 2,
    n_max: int = 6,
    min_groups: int = 2,
    mode: Literal["tokens", "chars"] = "tokens",
    min_chars: int = 6,
) -> pd.DataFrame:
    """List the maximal phrases used by several groups, with each group's first use.

    Parameters
    ----------
    docs : pandas.DataFrame
        One row per document.
    group_col : str, default 'institution'
        The groups (NA excluded with a warning).
    date_col : str, default 'date'
        The dates that order first uses.
    tokens_col : str, default 'tokens'
        Space-joined tokens (``mode='tokens'``).
    text_col : str, default 'text'
        Clean text (``mode='chars'``).
    id_col : str, default 'doc_id'
        Document ids.
    n_min, n_max : int, default 2 and 6
        Phrase length in tokens (``mode='tokens'``).
    min_groups : int, default 2
        The fewest groups that must use a phrase.
    mode : {'tokens', 'chars'}, default 'tokens'
        Runs of tokens or of clean characters (see the module notes).
    min_chars : int, default 6
        The shortest run of characters (``mode='chars'``).

    Returns
    -------
    pandas.DataFrame
        One row per (phrase, group using it): ``phrase``, ``length`` (tokens or
        characters), the group column, ``first_date`` and ``first_doc_id`` (the
        group's earliest dated document holding it; ties by row order),
        ``n_docs`` and ``doc_ids`` (a list, in row order). Phrases are ordered
        by decreasing number of groups, then first date and phrase; groups by
        first date. Summarise with :func:`phrase_summary`.
    """
    func = "shared_phrases"
    check_choice(mode, ("tokens", "chars"), param="mode", func=func)
    check_number(min_groups, param="min_groups", func=func, low=2, integer=True)
    if mode == "tokens":
        check_number(n_min, param="n_min", func=func, low=2, integer=True)
        check_number(n_max, param="n_max", func=func, low=n_min, integer=True)
        low, high = n_min, n_max
    else:
        low, high = check_number(min_chars, param="min_chars", func=func, low=2,
                                 integer=True), None
    col = tokens_col if mode == "tokens" else text_col
    docs = _check(docs, group_col, date_col, id_col, col, mode, func)
    group_codes, _ = pd.factorize(docs[group_col])
    codes, piece, units, alphabet = _sequences(docs, mode, col, group_codes)
    runs = _levels(codes, piece, units, low, high, min_groups) if len(codes) else []
    return _table(docs, runs, codes, piece, units, alphabet, group_col=group_col,
                  date_col=date_col, id_col=id_col, mode=mode)


def _text_of(codes: np.ndarray, start: int, length: int, alphabet: list | None) -> str:
    window = codes[start:start + length]
    if alphabet is None:
        return window.astype(np.uint32).tobytes().decode("utf-32-le")
    return " ".join(alphabet[int(c)] for c in window)


def _occurrences(runs: list, codes: np.ndarray, piece: np.ndarray, units: _Units, alphabet
                 ) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """Return phrase texts and lengths, and the distinct (phrase index, row) pairs."""
    texts, lengths, phrase_idx, rows = [], [], [], []
    n_units = max(units.n_units, 1)
    for length, starts, h in runs:
        _, first_at, inv = np.unique(h, return_index=True, return_inverse=True)
        hu = np.unique(inv.ravel().astype(np.int64) * n_units + piece[starts])
        owner, doc = units.expand(hu % n_units, "doc")
        pairs = np.unique(hu[owner] // n_units * units.n_docs + doc)
        phrase_idx.append(pairs // units.n_docs + len(texts))
        rows.append(pairs % units.n_docs)
        texts.extend(_text_of(codes, starts[i], length, alphabet) for i in first_at)
        lengths.extend([length] * len(first_at))
    empty = np.empty(0, dtype=np.int64)
    return (texts, np.asarray(lengths, dtype=np.int64),
            np.concatenate(phrase_idx) if phrase_idx else empty,
            np.concatenate(rows) if rows else empty)


def _table(docs: pd.DataFrame, runs: list, codes: np.ndarray, piece: np.ndarray, units: _Units,
           alphabet, *, group_col: str, date_col: str, id_col: str, mode: str) -> pd.DataFrame:
    """Turn the runs into the long (phrase, group) table."""
    texts, lengths, phrase, row = _occurrences(runs, codes, piece, units, alphabet)
    group_codes, group_labels = pd.factorize(docs[group_col])
    dates = pd.to_datetime(docs[date_col]).to_numpy()
    ids = docs[id_col].astype(str).to_numpy()
    grp, when = group_codes[row], dates[row]
    undated = np.isnat(when)
    by_row = np.lexsort((row, grp, phrase))
    by_date = np.lexsort((row, np.where(undated, np.datetime64(0, "ns"), when), undated,
                          grp, phrase))
    cut = np.flatnonzero((np.diff(phrase[by_row]) != 0) | (np.diff(grp[by_row]) != 0)) + 1
    starts = np.concatenate([[0], cut]).astype(np.int64) if len(row) else cut
    first = by_date[starts]
    table = pd.DataFrame({
        "phrase": np.asarray(texts, dtype=object)[phrase[first]] if len(texts) else [],
        "length": lengths[phrase[first]] if len(texts) else [],
        group_col: group_labels.take(grp[first]),
        "first_date": when[first], "first_doc_id": ids[row[first]],
        "n_docs": np.diff(np.append(starts, len(row))),
        "doc_ids": [list(x) for x in np.split(ids[row[by_row]], cut)] if len(row) else [],
    })
    table["phrase"] = table["phrase"].astype("str")
    n_groups = table.groupby("phrase")[group_col].transform("size")
    start = table.groupby("phrase")["first_date"].transform("min")
    table = table.assign(_n=-n_groups, _start=start).sort_values(
        ["_n", "_start", "phrase", "first_date"], kind="stable", na_position="last")
    table = table.drop(columns=["_n", "_start"]).reset_index(drop=True)
    table.attrs = {"mode": mode, "group_col": group_col}
    return table


def phrase_summary(table: pd.DataFrame, *, group_col: str | None = None) -> pd.DataFrame:
    """Summarise a shared-phrase table with one row per phrase.

    Parameters
    ----------
    table : pandas.DataFrame
        The output of :func:`shared_phrases`.
    group_col : str, optional
        Its group column; by default the one recorded in ``table.attrs`` (else
        the third column).

    Returns
    -------
    pandas.DataFrame
        ``phrase``, ``length``, ``n_groups``, ``n_docs``, ``first_date``,
        ``first_group``, ``first_doc_id`` and ``groups`` (a list, in order of
        first use), in the order of ``table``.
    """
    func = "phrase_summary"
    group_col = table_group_col(table, group_col, func=func)
    for col in ("phrase", "first_date", "first_doc_id", "n_docs"):
        check_column(table, col, param="table", func=func)
    ordered = table.sort_values(["first_date"], kind="stable", na_position="last")
    summary = ordered.groupby("phrase", sort=False).agg(
        length=("length", "first"), n_groups=(group_col, "size"), n_docs=("n_docs", "sum"),
        first_date=("first_date", "first"), first_group=(group_col, "first"),
        first_doc_id=("first_doc_id", "first"), groups=(group_col, list))
    order = pd.Index(table["phrase"].unique(), name="phrase")
    return summary.reindex(order).reset_index()
