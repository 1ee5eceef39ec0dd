"""Find the formulae several groups wrote, whole words only, and when each group first used them.

Decisions:

- **Clauses.** A document's text is cut into clauses at every character that
  is not a letter, a digit or a mark (punctuation of any kind, ``、`` and
  spaces included), so a phrase never spans punctuation: ``例，其中重症1例``
  gives no ``例其中重症1``. Clauses shorter than ``min_chars`` are dropped.
  Each distinct clause is searched once, however many documents repeat it.
- **Shared runs.** A run of characters is *shared* when documents of at least
  ``min_groups`` groups hold it inside a clause. Runs are compared by a 64-bit
  polynomial hash (collisions about ``2**-64`` per pair) and extended one
  character a level from the shared runs only, up to ``max_chars``: a run
  reaching ``max_chars`` is a reposted sentence, not a formula, and is left to
  :mod:`analysis.stats.duplicates`. A run is dropped when a run one character
  longer that contains it is held by exactly the same documents (checked on
  both sides, which suffices for maximality among runs).
- **Whole words.** The best ``5 * top`` runs (by groups, then documents) are
  cut by the segmenter where they occur (up to 20 clauses each, exactly as
  written): a run's start moves right and its end left to the nearest place
  that is a word boundary in most of those clauses, so ``院党委副书记`` and
  ``党委副书记刘`` both become ``党委副书记``; then words the segmenter's
  filters drop (stop words, numbers, single characters) are trimmed from both
  ends (``了自己的``, ``2019年`` go). A phrase must keep at least ``min_chars``
  characters (5 by default: a formula rather than a common word; one long
  dictionary word such as ``停课不停学`` counts). The documents of each phrase are
  then found again, exactly, for the trimmed text (a trimmed phrase often
  occurs in more documents than the run it came from), so every document
  listed holds the phrase as written: :func:`analysis.stats.kwic.kwic` finds it.
- **Maximal and distinct.** A phrase inside a longer phrase held by at least
  ``containment`` (0.9) of its documents is dropped (``中华民族伟大``, 262
  documents, inside ``中华民族伟大复兴``, 261). The phrases are then ranked
  by spread: groups, then sources (documents, a near-duplicate cluster
  counting once when ``clusters`` is given), then length; and, going down the
  ranking, a phrase that contains or is contained in one already kept is
  skipped, so no phrase of the table is a substring of another.
- Documents with NA in the group column are left out (warning); undated
  documents count, but a group's first use is its earliest *dated* document
  (undated ones only when the group has no dated document with the phrase).

- **Memory.** The positions of a level are counted in parts of about 4 M,
  split by the top bits of their hash (a hash falls in one part), and held as
  32-bit starts; the clauses stay in one Arrow array. Measured at 100,000
  generated documents (111 M characters, about 10**8 positions at
  ``min_chars``): the notebook's kernel peaked at 7.2 GB instead of 10.5 GB,
  and took 158 s instead of 190 s; the tables are the same (20,000 documents
  and the shared corpus, ``min_groups`` 2 and 3).

Measured on the 4,706 posts of ``univ-news-2019`` (13 universities), see the
README for timings at scale.
"""

from __future__ import annotations

import warnings
from itertools import pairwise

import numpy as np
import pandas as pd

from ..core.arrays import sorted_distinct
from ..core.dates import date_column
from ..core.errors import AnalysisError, check_column, check_number
from ..tokens.segmenter import Segmenter
from .clauses import code_points, split_clauses
from .counts import table_group_col
from .duplicates import repost_codes

__all__ = ["PHRASE_COLUMNS", "phrase_summary", "shared_phrases"]

PHRASE_COLUMNS = ("phrase", "length", "n_words", "first_date", "first_doc_id", "n_docs",
                  "doc_ids")
_BASE = np.uint64(0x100000001B3)
_ALIGN_CLAUSES = 20  # clauses cut per candidate to find its word boundaries
_DENSE_PAIRS = 50_000_000  # (hash, label) pairs counted in a table of booleans up to this many
_PART = 1 << 22  # positions of a level counted at once (see _shared_level)


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
        pairs = sorted_distinct(unit.astype(np.int64) * n_docs + doc)
        self.doc_ptr, self.docs = self._csr(pairs // n_docs, pairs % n_docs)
        pairs = sorted_distinct(pairs // n_docs * self.n_groups + group[pairs % n_docs])
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


def _label_counts(inv: np.ndarray, n_hashes: int, unit: np.ndarray, units: _Units, by: str
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Count the distinct documents or groups holding each hash (and sum the documents' keys).

    ``inv`` numbers the hash of each position (``0 .. n_hashes - 1``) and
    ``unit`` gives its piece; the labels of a position are those of its piece.
    A hash found in one piece only (most long runs) takes the piece's own count
    and key sum; the others count the distinct (hash, label) pairs of their
    pieces, in a table of booleans when it is small (groups), else by hashing.
    Returns one value per hash.
    """
    piece_of = np.empty(n_hashes, dtype=np.int64)
    piece_of[inv] = unit
    multi = np.zeros(n_hashes, dtype=bool)
    multi[inv[piece_of[inv] != unit]] = True
    ptr = units.doc_ptr if by == "doc" else units.group_ptr
    counts = np.diff(ptr)[piece_of]
    sums = units.key_sum[piece_of] if by == "doc" else np.zeros(n_hashes, dtype=np.uint64)
    if not multi.any():
        return counts, sums
    n_labels = units.n_docs if by == "doc" else units.n_groups
    at = multi[inv]
    owner, label = units.expand(unit[at], by)  # a (hash, piece) pair twice only repeats labels
    flat = inv[at][owner] * n_labels + label
    counts[multi] = 0
    if n_hashes * n_labels <= _DENSE_PAIRS:
        seen = np.zeros(n_hashes * n_labels, dtype=bool)
        seen[flat] = True
        pairs = np.flatnonzero(seen)
    else:
        pairs = pd.unique(flat)
    hash_of, label = pairs // n_labels, pairs % n_labels
    counts += np.bincount(hash_of, minlength=n_hashes)
    if by == "doc":
        sums[multi] = 0
        np.add.at(sums, hash_of, units.doc_keys[label])
    return counts, sums


def _hash_at(codes: np.ndarray, starts: np.ndarray, length: int) -> np.ndarray:
    h = np.zeros(len(starts), dtype=np.uint64)
    for j in range(length):
        h = h * _BASE + codes[starts + j].astype(np.uint64)
    return h


def _hash_text(text: str) -> np.uint64:
    return _hash_at(np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32),
                    np.zeros(1, dtype=np.int64), len(text))[0]


def _runs(codes: np.ndarray, piece: np.ndarray, units: _Units, min_chars: int,
          max_chars: int, min_groups: int) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Return the maximal shared runs, and the positions (and hashes) of the shared min-runs.

    The runs table has one row per distinct run: ``length``, ``start`` (one
    position), ``n_groups`` and ``n_docs``.
    """
    n_starts = max(0, len(piece) - min_chars + 1)
    starts = np.flatnonzero(piece[:n_starts] == piece[min_chars - 1:min_chars - 1 + n_starts])
    if len(piece) < 2**31:
        starts = starts.astype(np.int32)  # half the memory of the largest arrays
    h = _hash_at(codes, starts, min_chars)
    found, prev, level, first = [], None, min_chars, None
    present = np.zeros(len(piece) + 1, dtype=bool)  # the starts of a level, for the next one
    while len(starts):
        starts, h, n_grp, n_doc, fp = _shared_level(starts, h, piece, units, min_groups)
        if first is None:
            first = (starts, h)
        if prev is not None:
            found.append(_maximal(prev, starts, fp))
        if level > max_chars:  # longer: a repeated sentence, dropped with what it covers
            prev = None
            break
        prev = (level, starts, h, fp, n_grp, n_doc)
        present[starts] = True
        nxt = present[starts + 1]  # the run one position on is shared too
        present[starts] = False
        nxt &= starts + level < len(piece)
        nxt[nxt] &= piece[starts[nxt]] == piece[starts[nxt] + level]
        starts, h = starts[nxt], h[nxt] * _BASE + codes[starts[nxt] + level].astype(np.uint64)
        level += 1
    if prev is not None:
        level, p_starts, p_h, _, p_grp, p_doc = prev
        found.append((level, p_starts, p_h, p_grp, p_doc))
    rows = []
    for length, at, hashes, n_grp, n_doc in found:
        first_at = _first_of_each(hashes)
        rows.append(pd.DataFrame({"length": length, "start": at[first_at],
                                  "n_groups": n_grp[first_at], "n_docs": n_doc[first_at]}))
    empty = pd.DataFrame({c: np.zeros(0, np.int64)
                          for c in ("length", "start", "n_groups", "n_docs")})
    runs = pd.concat(rows, ignore_index=True) if rows else empty
    empty_h = (np.zeros(0, np.int64), np.zeros(0, np.uint64))
    return runs, *(empty_h if first is None else first)


def _shared_level(starts: np.ndarray, h: np.ndarray, piece: np.ndarray, units: _Units,
                  min_groups: int) -> tuple[np.ndarray, ...]:
    """Keep the positions whose run is shared, with its groups, documents and their key sum.

    Everything is counted by hash, so the positions are counted in parts of
    about ``_PART``, split by the top bits of their hash: all positions of a
    hash fall in one part, and the hash tables and label pairs stay that size
    (at 100,000 documents the level of ``min_chars`` holds about 10**8
    positions). Returns ``starts``, ``h``, ``n_grp``, ``n_doc`` and ``fp`` of
    the kept positions, in position order.
    """
    n_parts = 1 << min(16, max(0, int(np.ceil(np.log2(max(len(h), 1) / _PART)))))
    if n_parts == 1:
        idx, n_grp, n_doc, fp = _count_part(starts, h, piece, units, min_groups)
        return starts[idx], h[idx], n_grp, n_doc, fp
    part = (h >> np.uint64(64 - (n_parts.bit_length() - 1))).astype(np.uint16)
    order = np.argsort(part, kind="stable")  # radix sort: positions ascending in each part
    bounds = np.concatenate([[0], np.cumsum(np.bincount(part, minlength=n_parts))])
    del part
    found = []
    for lo, hi in pairwise(bounds):
        at = order[lo:hi]
        idx, n_grp, n_doc, fp = _count_part(starts[at], h[at], piece, units, min_groups)
        found.append((at[idx], n_grp, n_doc, fp))
    del order
    keep = np.zeros(len(h), dtype=bool)
    for at, *_ in found:
        keep[at] = True
    rank = np.cumsum(keep, dtype=np.int64) - 1
    out = [np.empty(int(keep.sum()), dtype=found[0][k].dtype) for k in (1, 2, 3)]
    for at, *values in found:
        for column, value in zip(out, values, strict=True):
            column[rank[at]] = value
    return starts[keep], h[keep], *out


def _count_part(starts: np.ndarray, h: np.ndarray, piece: np.ndarray, units: _Units,
                min_groups: int) -> tuple[np.ndarray, ...]:
    """Return the indices of the shared positions of one part, and their counts (in order)."""
    inv, uniq = pd.factorize(h)  # a hash table, not a sort: order does not matter here
    n_grp, _ = _label_counts(inv, len(uniq), piece[starts], units, "group")
    shared = n_grp >= min_groups
    idx = np.flatnonzero(shared[inv])
    inv = (np.cumsum(shared) - 1)[inv[idx]]  # the kept hashes, numbered again
    n_doc, fp = _label_counts(inv, int(shared.sum()), piece[starts[idx]], units, "doc")
    return idx, n_grp[shared][inv], n_doc[inv], fp[inv]


def _first_of_each(values: np.ndarray) -> np.ndarray:
    """Return the first index of each distinct value, in ascending order of value.

    What ``np.unique(values, return_index=True)[1]`` gives, sorting the
    distinct values only.
    """
    inv, uniq = pd.factorize(values)
    first = np.full(len(uniq), len(values), dtype=np.int64)
    np.minimum.at(first, inv, np.arange(len(values), dtype=np.int64))
    return first[np.argsort(uniq, kind="stable")]


def _maximal(prev: tuple, starts: np.ndarray, fp: np.ndarray) -> tuple:
    """Drop the runs of ``prev`` that a one-longer run extends in the same documents."""
    level, p_starts, p_h, p_fp, p_grp, p_doc = prev
    covered = np.zeros(len(p_starts), dtype=bool)
    for shift in (0, 1):  # the longer run starts at i (right extension) or i - 1 (left)
        at = np.searchsorted(starts, p_starts - shift)
        at_ok = at < len(starts)
        hit = at_ok & (starts[np.minimum(at, len(starts) - 1)] == p_starts - shift)
        covered[hit] |= fp[at[hit]] == p_fp[hit]
    keep = ~pd.Index(p_h).isin(p_h[covered])
    return level, p_starts[keep], p_h[keep], p_grp[keep], p_doc[keep]


def _text(codes: np.ndarray, start: int, length: int) -> str:
    return codes[start:start + length].tobytes().decode("utf-32-le")


def _positions(phrases: list[str], codes: np.ndarray, piece: np.ndarray, starts: np.ndarray,
               start_h: np.ndarray, min_chars: int, n_units: int
               ) -> tuple[np.ndarray, np.ndarray]:
    """Return the distinct (phrase index, clause) pairs where each phrase occurs exactly.

    Every occurrence of a shared phrase starts with a shared run of
    ``min_chars``: the positions ``starts`` with hashes ``start_h``. Only the
    positions whose first ``min_chars`` characters match a phrase's are checked.
    """
    n_units = max(n_units, 1)
    empty = np.zeros(0, np.int64)
    if not phrases or not len(starts):
        return empty, empty
    inv, uniq = pd.factorize(start_h)
    order = np.argsort(inv, kind="stable")
    ptr = np.concatenate([[0], np.cumsum(np.bincount(inv, minlength=len(uniq)))])
    prefix = np.array([_hash_text(p[:min_chars]) for p in phrases], dtype=np.uint64)
    slot = pd.Index(uniq).get_indexer(prefix)
    sizes = np.where(slot >= 0, ptr[slot + 1] - ptr[np.maximum(slot, 0)], 0)
    owner = np.repeat(np.arange(len(phrases)), sizes)
    offset = np.arange(len(owner)) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    pos = starts[order[ptr[slot[owner]] + offset]] if len(owner) else empty
    lengths = np.fromiter(map(len, phrases), dtype=np.int64, count=len(phrases))
    full = np.array([_hash_text(p) for p in phrases], dtype=np.uint64)
    found = []
    for length in sorted_distinct(lengths[sizes > 0]):  # those of the phrases in ``owner``
        at = np.flatnonzero(lengths[owner] == length)
        p, o = pos[at], owner[at]
        ok = p + length <= len(piece)
        p, o = p[ok], o[ok]
        ok = piece[p] == piece[p + length - 1]
        p, o = p[ok], o[ok]
        hit = _hash_at(codes, p, int(length)) == full[o]
        found.append(pd.unique(o[hit] * n_units + piece[p[hit]]))
    flat = sorted_distinct(np.concatenate(found)) if found else empty
    return flat // n_units, flat % n_units


def _documents(phrase_of: np.ndarray, clause: np.ndarray, units: _Units
               ) -> tuple[np.ndarray, np.ndarray]:
    """Turn (phrase, clause) pairs into distinct (phrase, document) pairs."""
    owner, doc = units.expand(clause, "doc")
    flat = sorted_distinct(phrase_of[owner] * units.n_docs + doc)
    return flat // units.n_docs, flat % units.n_docs


def _align(phrase: str, clauses: list[str], segmenter: Segmenter) -> list[str]:
    """Trim a run to whole words that most of its clauses agree on, content words at both ends.

    Returns the words of the trimmed phrase (empty when nothing is left).
    """
    votes = np.zeros(len(phrase) + 1)
    cuts = []
    for clause in clauses:
        at = clause.find(phrase)
        if at < 0:
            continue
        words = segmenter.words(clause)
        bounds = np.cumsum([0, *map(len, words)])
        inside = bounds[(bounds >= at) & (bounds <= at + len(phrase))] - at
        votes[inside] += 1
        cuts.append(set(inside.tolist()))
    agreed = np.flatnonzero(votes * 2 > len(cuts)) if cuts else np.zeros(0, np.int64)
    if len(agreed) < 2:
        return []
    words = [phrase[a:b] for a, b in zip(agreed[:-1], agreed[1:])]
    while words and not segmenter.keep(words[0].lower()):
        words.pop(0)
    while words and not segmenter.keep(words[-1].lower()):
        words.pop()
    return words


def _check(docs: pd.DataFrame, group_col: str, date_col: str, id_col: str, text_col: str,
           func: str) -> pd.DataFrame:
    """Check the columns and drop documents with NA groups."""
    for name, param in ((group_col, "group_col"), (date_col, "date_col"), (id_col, "id_col"),
                        (text_col, "text_col")):
        check_column(docs, name, param=param, func=func)
    date_column(docs, date_col, func=func)  # dates, or one line before any work
    na = docs[group_col].isna()
    if na.any():
        warnings.warn(f"{func}: {int(na.sum())} document(s) with NA in {group_col!r} were "
                      f"excluded.", UserWarning, stacklevel=3)
    return docs.loc[~na.to_numpy()]


def shared_phrases(
    docs: pd.DataFrame,
    *,
    group_col: str = "institution",
    date_col: str = "date",
    text_col: str = "text",
    id_col: str = "doc_id",
    min_chars: int = 5,
    max_chars: int = 30,
    min_groups: int = 2,
    top: int = 100,
    containment: float = 0.9,
    segmenter: Segmenter | None = None,
    clusters: pd.Series | None = None,
) -> pd.DataFrame:
    """List the phrases several groups wrote, whole words, with each group's first use.

    Parameters
    ----------
    docs : pandas.DataFrame
        One row per document, with its clean text.
    group_col : str, default 'institution'
        The groups (NA excluded with a warning).
    date_col, text_col, id_col : str
        Dates (order first uses), clean texts, document ids.
    min_chars : int, default 5
        The shortest phrase, in characters (with content words at both ends).
    max_chars : int, default 30
        The longest run followed; longer shared runs are repeated sentences
        (see the module notes) and left out.
    min_groups : int, default 2
        The fewest groups that must use a phrase.
    top : int, default 100
        How many phrases to return, best first (see the module notes for the ranking).
    containment : float, default 0.9
        A phrase inside a longer one held by at least this share of its
        documents is dropped.
    segmenter : Segmenter, optional
        Cuts clauses into words for the boundaries; default ``Segmenter()``.
    clusters : pandas.Series, optional
        Near-duplicate cluster of each document (indexed by ``id_col`` values),
        so that reposts count once in the ranking (``n_sources``).

    Returns
    -------
    pandas.DataFrame
        One row per (phrase, group using it): ``phrase``, ``length``
        (characters), ``n_words``, the group column, ``first_date`` and
        ``first_doc_id`` (the group's earliest dated document holding it; ties
        by row order), ``n_docs`` and ``doc_ids`` (a list, in row order).
        Phrases come in rank order; groups by first date. ``attrs`` hold
        ``group_col``, ``ranking`` and the options. Summarise with
        :func:`phrase_summary`.
    """
    func = "shared_phrases"
    check_number(min_chars, param="min_chars", func=func, low=2, integer=True)
    check_number(max_chars, param="max_chars", func=func, low=min_chars, integer=True)
    check_number(min_groups, param="min_groups", func=func, low=2, integer=True)
    check_number(top, param="top", func=func, low=1, integer=True)
    check_number(containment, param="containment", func=func, low=0, high=1)
    if segmenter is not None and not isinstance(segmenter, Segmenter):
        raise AnalysisError(f"The 'segmenter' parameter of {func} must be a Segmenter or None; "
                            f"got {type(segmenter).__name__}.")
    docs = _check(docs, group_col, date_col, id_col, text_col, func)
    segmenter = segmenter or Segmenter()
    group_codes, _ = pd.factorize(docs[group_col])
    distinct, clause_of, doc_of = split_clauses(docs[text_col], min_chars)
    units = _Units(clause_of, doc_of, np.asarray(group_codes, dtype=np.int64), len(docs))
    codes, piece, _ = code_points(distinct)
    runs, shared, shared_h = _runs(codes, piece, units, min_chars, max_chars, min_groups)
    candidates = _candidates(runs, codes, top)
    found, clause = _positions(candidates, codes, piece, shared, shared_h, min_chars,
                               units.n_units)
    holding = pd.Series(clause).groupby(found).head(_ALIGN_CLAUSES)
    by_phrase = holding.groupby(found[holding.index]).agg(list)
    words: dict[str, int] = {}
    for i, text in enumerate(candidates):
        kept = _align(text, [distinct[c] for c in by_phrase.get(i, [])], segmenter)
        trimmed = "".join(kept)
        if len(trimmed) >= min_chars:
            words.setdefault(trimmed, len(kept))
    aligned = list(words)
    phrase_of, doc = _documents(*_positions(aligned, codes, piece, shared, shared_h, min_chars,
                                             units.n_units), units)
    table = _long(docs, aligned, phrase_of, doc, group_col=group_col, date_col=date_col,
                  id_col=id_col, min_groups=min_groups, containment=containment, top=top,
                  clusters=clusters, n_words=words)
    table.attrs = {"group_col": group_col, "min_chars": min_chars, "max_chars": max_chars,
                   "min_groups": min_groups, "containment": containment,
                   "ranking": "groups, then sources, then length",
                   "n_clauses": len(distinct)}
    return table


def _candidates(runs: pd.DataFrame, codes: np.ndarray, top: int) -> list[str]:
    """Return the texts of the best ``5 * top`` runs by groups, then documents, then length."""
    if runs.empty:
        return []
    order = np.lexsort((-runs["length"].to_numpy(), -runs["n_docs"].to_numpy(),
                        -runs["n_groups"].to_numpy()))[: 5 * top]
    return [_text(codes, int(runs["start"].iat[i]), int(runs["length"].iat[i])) for i in order]


def _long(docs: pd.DataFrame, phrases: list[str], phrase_of: np.ndarray, doc: np.ndarray, *,
          group_col: str, date_col: str, id_col: str, min_groups: int, containment: float,
          top: int, clusters: pd.Series | None, n_words: dict[str, int]) -> pd.DataFrame:
    """Rank the phrases, keep the maximal and distinct ones, and build the long table."""
    group_codes, group_labels = pd.factorize(docs[group_col])
    ids = docs[id_col].astype(str).to_numpy()
    source = repost_codes(docs[id_col], clusters)
    stats = pd.DataFrame({"p": phrase_of, "g": group_codes[doc], "s": source[doc]})
    n_groups = stats.groupby("p")["g"].nunique().reindex(range(len(phrases)), fill_value=0)
    n_sources = stats.groupby("p")["s"].nunique().reindex(range(len(phrases)), fill_value=0)
    n_docs = np.bincount(phrase_of, minlength=len(phrases))
    alive = n_groups.to_numpy() >= min_groups
    for i, p in enumerate(phrases):  # inside a longer phrase with nearly the same documents
        if alive[i] and any(alive[j] and j != i and p in q and n_docs[j] >= containment * n_docs[i]
                            for j, q in enumerate(phrases)):
            alive[i] = False
    lengths = np.fromiter(map(len, phrases), dtype=np.int64, count=len(phrases))
    order = [i for i in np.lexsort((np.asarray(phrases, dtype=object), -lengths,
                                    -n_sources.to_numpy(), -n_groups.to_numpy())) if alive[i]]
    kept: list[int] = []
    for i in order:
        if not any(phrases[i] in phrases[k] or phrases[k] in phrases[i] for k in kept):
            kept.append(i)
        if len(kept) == top:
            break
    rank = {p: r for r, p in enumerate(kept)}
    mask = np.isin(phrase_of, kept)
    p_of, row = phrase_of[mask], doc[mask]
    dates = pd.to_datetime(docs[date_col]).to_numpy()  # checked by _check
    grp, when = group_codes[row], dates[row]
    undated = np.isnat(when)
    by_row = np.lexsort((row, grp, p_of))
    by_date = np.lexsort((row, np.where(undated, np.datetime64(0, "ns"), when), undated,
                          grp, p_of))
    cut = np.flatnonzero((np.diff(p_of[by_row]) != 0) | (np.diff(grp[by_row]) != 0)) + 1
    starts = np.concatenate([[0], cut]).astype(np.int64) if len(row) else cut
    first = by_date[starts]
    text = np.asarray(phrases, dtype=object)
    table = pd.DataFrame({
        "phrase": text[p_of[first]] if len(row) else [],
        "length": lengths[p_of[first]] if len(row) else [],
        "n_words": [n_words[t] for t in text[p_of[first]]] if len(row) else [],
        group_col: group_labels.take(grp[first]),
        "first_date": when[first], "first_doc_id": ids[row[first]],
        "n_docs": np.diff(np.append(starts, len(row))),
        "doc_ids": [list(x) for x in np.split(ids[row[by_row]], cut)] if len(row) else [],
    })
    table["phrase"] = table["phrase"].astype("str")
    table["n_words"] = table["n_words"].astype(np.int64)
    table["_rank"] = table["phrase"].map({phrases[i]: r for i, r in rank.items()})
    table = table.sort_values(["_rank", "first_date"], kind="stable", na_position="last")
    return table.drop(columns="_rank").reset_index(drop=True)


def phrase_summary(table: pd.DataFrame, *, group_col: str | None = None) -> pd.DataFrame:
    """Summarise a shared-phrase table with one row per phrase, in its rank order.

    Parameters
    ----------
    table : pandas.DataFrame
        The output of :func:`shared_phrases`.
    group_col : str, optional
        Its group column; default: the one the statistic recorded
        (``table.attrs["group_col"]``).

    Returns
    -------
    pandas.DataFrame
        ``phrase``, ``length``, ``n_words``, ``n_groups``, ``n_docs``,
        ``first_date``, ``first_group``, ``first_doc_id`` and ``groups`` (a
        list, in order of first use), in the order of ``table``.
    """
    func = "phrase_summary"
    group_col = table_group_col(table, group_col, func=func)
    for col in ("phrase", "first_date", "first_doc_id", "n_docs"):
        check_column(table, col, param="table", func=func)
    ordered = table.sort_values(["first_date"], kind="stable", na_position="last")
    summary = ordered.groupby("phrase", sort=False).agg(
        length=("length", "first"), n_words=("n_words", "first"), n_groups=(group_col, "size"),
        n_docs=("n_docs", "sum"), first_date=("first_date", "first"),
        first_group=(group_col, "first"), first_doc_id=("first_doc_id", "first"),
        groups=(group_col, list))
    order = pd.Index(table["phrase"].unique(), name="phrase")
    return summary.reindex(order).reset_index()
