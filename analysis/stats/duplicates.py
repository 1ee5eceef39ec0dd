"""Find near-duplicate documents (reposted notices) by character shingles.

Decisions:

- A document's *clean characters* are its text with whitespace, punctuation and
  symbols removed (regex ``[\\W_]``: letters, digits and CJK characters stay);
  its shingles are the set of all runs of ``k`` consecutive clean characters.
  Each shingle is identified by a 64-bit hash (a polynomial hash of its code
  points, bit-mixed); two different shingles collide with probability about
  ``2**-64``, so the Jaccard values below are exact in practice. Documents
  with fewer than ``k`` clean characters have no shingle and no duplicate.
- ``method="exact"`` computes the Jaccard index of every pair of documents
  from a sparse document-by-shingle matrix, in blocks of rows.
- ``method="minhash"`` proposes candidate pairs by one-permutation MinHash
  (OPH; Li, Owen and Zhang 2012) and LSH banding, then checks each candidate
  exactly. Every shingle is hashed once (the hash above, its polynomial
  offset by a seed drawn from ``random_state``); the top 32 bits pick one of
  ``K = bands * rows`` bins and a document's *sketch* keeps the smallest hash
  of each bin. A bin left empty (a document of fewer than about
  ``K * ln(K)``, some 600, shingles has some) copies the first non-empty bin
  of a probe sequence shared by all documents, "optimal densification"
  (Shrivastava 2017). Texts are sketched about 10**6 characters at a time in
  a few whole-array passes (one hash, one ``np.minimum.at``). Two documents
  are a candidate pair when all ``rows`` values of some band agree; the pairs
  of each run of equal band keys come from index arithmetic, not a loop per
  bucket. Documents with the same multiset of shingles (same count, same sums
  of hashes and of squared hashes modulo 2**64) are sketched and checked as
  one unit and paired with Jaccard 1 at the end, so a notice reposted 1,000
  times is one sketch, not a 500,000-pair bucket. Candidates are checked by
  rebuilding the shingle sets of their documents only and counting the
  shared shingles by binary search (pairs whose set sizes alone keep the
  index below the threshold, ``J <= min / max``, are skipped): reported values
  are the exact method's to the bit, and no pair is a false positive.
- Recall of ``method="minhash"``, under ideal hashing. Let a pair have ``n``
  shingles in its union and ``m`` in common (``J = m / n``); the union fills
  ``K'`` bins, ``c_i`` of them in band ``i``, and ``X_j = 1`` when the
  smallest union hash of filled bin ``j`` is a shared shingle. The sketches
  agree on a filled bin iff ``X_j = 1``, and on a bin empty in the union iff
  ``X_p = 1`` for the first filled bin ``p`` its probes reach, which is
  uniform over the filled bins and independent from one empty bin to
  another. Given ``G = sum(X_j)``, the bins with ``X_j = 1`` are a uniform
  draw of ``G`` of the ``K'``, negatively associated, so the bands' failures
  multiply into a bound::

      P(miss) <= E[prod_i (1 - h(c_i; K', G) * (G / K')**(rows - c_i))],
      h(c; K', G) = prod_{s < c} (G - s) / (K' - s),  G ~ Hypergeom(n, m, K').

  Evaluated (in the tests at thresholds 0.8 and 0.9, n = 20 to 5,000), it
  grows with ``n`` to its value when every bin is filled and
  ``G ~ Binomial(K, J)``: ``B = sum_g P(G = g) (1 - h(rows; K, g))**bands``.
  The split is the most selective whose ``B`` at ``J = threshold`` is at most
  ``1 - MIN_RECALL`` (:data:`MIN_RECALL` = 0.99). :func:`lsh_bands`'s
  ``(1 - J**rows)**bands`` (independent hash functions) is the exact miss
  probability only as ``n`` grows and lies below ``B``; it gives the first
  split tried. Defaults (``num_perm=128``, threshold 0.8): 21 bands of 6 rows
  as before, ``B = 0.64%``; the exact miss probability of the model is
  0.06-0.25% depending on ``n``, and 0.15% of 102,000 planted pairs exactly at
  0.8 were missed (0.23% for unions of 20 shingles, 0.09-0.12% for 500 to
  1,000). At 0.9: 14 bands of 9 rows (12 of 10 for MinHash), ``B = 0.56%``.
- Speed, on 2 cores shared with other jobs, in one process: 4,706 news posts
  (4.8 million characters) 0.2-0.3 s (exact: 3.1-3.3 s); 20,000 generated
  documents (21 million) 0.6-0.7 s (exact: 70 s), and with 1,500 edited
  reposts added 1.1-1.4 s (exact: 59 s), the same 483 pairs; 99,997 generated
  documents (106 million characters) 3.2-4.7 s, 224 MB above the loaded
  corpus (the former 128-function MinHash: 74 s at 20,000 and 244 s at
  100,000); with 5,000 edited reposts added 4.9-5.7 s, and all 1,628 planted
  pairs at 0.8 or more found. Sketching is most of it: a pool of 2 forked
  workers (:func:`analysis.core.engines.map_in_pool`) sketched the 100,000
  documents in 2.1 s instead of 2.5-2.9 s when the other core was idle and in
  3.9-4.7 s when it was busy, for 1 s more CPU, so there is no pool. Nothing
  is remembered between calls: :class:`analysis.run.Study` caches the pairs.
- ``method="auto"`` is exact up to :data:`EXACT_MAX_DOCS` (5000) documents,
  kept after measuring: exact 0.3 s at 1,000 generated documents, 1.0 s at
  2,000, 5.2 s at 5,000, 13.6 s at 10,000 and 70 s at 20,000 (MinHash 0.04 to
  0.7 s). Up to 5,000 the reference costs seconds, once (results are cached),
  and its answer is certain; beyond, its square cost rules it out.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import Any, Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from ..core.arrays import sorted_distinct
from ..core.dates import date_column
from ..core.errors import AnalysisError, check_choice, check_column, check_number

__all__ = [
    "DUPLICATE_COLUMNS",
    "EXACT_MAX_DOCS",
    "clean_text",
    "drop_near_duplicates",
    "duplicate_clusters",
    "lsh_bands",
    "near_duplicates",
    "repost_codes",
    "shingle_matrix",
]

EXACT_MAX_DOCS = 5000
DUPLICATE_COLUMNS = ("doc_a", "doc_b", "group_a", "group_b", "jaccard")
_STRIP = re.compile(r"[\W_]+")
_BASE = np.uint64(0x100000001B3)
_BLOCK = 512
_BATCH_CHARS = 1_000_000  # characters sketched (or verified) at a time
_MAX_PENDING = 20_000_000  # candidate pairs held before duplicates across bands are merged
_EMPTY = np.uint64(2**64 - 1)
_LOW32 = np.uint64(2**32 - 1)
MIN_RECALL = 0.99


def clean_text(text: str, *, keep: str = "") -> str:
    """Remove whitespace, punctuation and symbols from a text.

    Parameters
    ----------
    text : str
        Any text; a non-string (NA) gives ``""``.
    keep : str, default ""
        Punctuation characters to keep (for example ``"、"``).

    Returns
    -------
    str
        The letters, digits and CJK characters of ``text`` (and the ``keep``
        characters), in order.
    """
    if not isinstance(text, str):
        return ""
    if not keep:
        return _STRIP.sub("", text)
    return re.sub(rf"[^\w{re.escape(keep)}]+|_+", "", text)


def _mix(x: np.ndarray) -> np.ndarray:
    """Scramble the bits of uint64 values (the splitmix64 finaliser)."""
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def _window_hashes(texts: list[str], k: int) -> tuple[np.ndarray, np.ndarray]:
    """Return the 64-bit hash of every run of k characters, and the text of each run."""
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    codes = np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    n_runs = np.maximum(lengths - k + 1, 0)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    owner = np.repeat(np.arange(len(texts)), n_runs)
    pos = np.arange(int(n_runs.sum())) - np.repeat(np.cumsum(n_runs) - n_runs, n_runs)
    pos = pos + starts[owner]
    h = np.zeros(len(pos), dtype=np.uint64)
    for j in range(k):
        h = h * _BASE + codes[pos + j]
    return _mix(h), owner


def shingle_matrix(texts: list[str], *, k: int = 5) -> tuple[sp.csr_matrix, np.ndarray]:
    """Build the binary document-by-shingle matrix of some texts.

    Parameters
    ----------
    texts : list of str
        The raw texts; each is cleaned with :func:`clean_text` first.
    k : int, default 5
        The shingle length in clean characters.

    Returns
    -------
    matrix : scipy.sparse.csr_matrix of int32, shape (n_texts, n_shingles)
        1 where a text holds a shingle.
    keys : numpy.ndarray of uint64, shape (n_shingles,)
        The 64-bit hash of each column's shingle, sorted.
    """
    hashes, owner = _window_hashes([clean_text(t) for t in texts], k)
    keys, cols = np.unique(hashes, return_inverse=True)
    matrix = sp.csr_matrix((np.ones(len(cols), dtype=np.int32), (owner, cols.ravel())),
                           shape=(len(texts), len(keys)))
    matrix.sum_duplicates()
    matrix.data[:] = 1
    return matrix, keys


def _exact_pairs(x: sp.csr_matrix, threshold: float) -> tuple[np.ndarray, ...]:
    """Return (a, b, jaccard) for every pair a < b at or above the threshold."""
    sizes = np.asarray(x.sum(axis=1)).ravel()
    xt = x.T.tocsc()
    found = []
    for i0 in range(0, x.shape[0], _BLOCK):
        inter = (x[i0:i0 + _BLOCK] @ xt).tocoo()
        a, b = inter.row + i0, inter.col
        keep = b > a
        a, b, n = a[keep], b[keep], inter.data[keep].astype(float)
        jac = n / (sizes[a] + sizes[b] - n)
        keep = jac >= threshold
        found.append((a[keep], b[keep], jac[keep]))
    return tuple(np.concatenate(parts) for parts in zip(*found)) if found else (
        np.empty(0, int), np.empty(0, int), np.empty(0))


def lsh_bands(threshold: float, num_perm: int, *, recall: float = MIN_RECALL) -> tuple[int, int]:
    """Choose the LSH bands and rows per band for a Jaccard threshold.

    Parameters
    ----------
    threshold : float
        The Jaccard index that pairs must reach.
    num_perm : int
        The number of MinHash functions; ``bands * rows <= num_perm``.
    recall : float, default MIN_RECALL
        The smallest probability that a pair exactly at the threshold becomes
        a candidate.

    Returns
    -------
    bands, rows : int
        The most selective split (largest ``rows``, ``bands = num_perm // rows``)
        whose candidate probability ``1 - (1 - threshold**rows)**bands``
        reaches ``recall``; ``(num_perm, 1)`` if none does.
    """
    for rows in range(num_perm, 0, -1):
        bands = num_perm // rows
        if 1 - (1 - threshold**rows) ** bands >= recall:
            return bands, rows
    return num_perm, 1


@lru_cache(maxsize=1)
def _word_chars() -> np.ndarray:
    """Tabulate which code points :func:`clean_text` keeps (built once, by its own regex)."""
    kept = _STRIP.sub("", "".join(map(chr, range(0x110000))))
    table = np.zeros(0x110000, dtype=bool)
    table[np.frombuffer(kept.encode("utf-32-le"), dtype=np.uint32)] = True
    return table


def _segment_sums(values: np.ndarray, sizes: np.ndarray, dtype: type) -> np.ndarray:
    """Sum consecutive segments of the given sizes (0 for an empty segment)."""
    sums = np.zeros(len(sizes), dtype=dtype)
    full = sizes > 0
    if full.any():
        sums[full] = np.add.reduceat(values, (np.cumsum(sizes) - sizes)[full], dtype=dtype)
    return sums


def _clean_codes(texts: list) -> tuple[np.ndarray, np.ndarray]:
    """Return the code points of the cleaned texts, concatenated, and each clean length."""
    texts = [t if isinstance(t, str) else "" for t in texts]
    raw = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    codes = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    keep = _word_chars()[codes]
    return codes[keep], _segment_sums(keep, raw, np.int64)


def _shingle_hashes(codes: np.ndarray, lengths: np.ndarray, k: int,
                    salt: np.uint64) -> tuple[np.ndarray, np.ndarray]:
    """Return the hash of every shingle (seeded by salt; 0 gives shingle_matrix's keys).

    The polynomial hash is rolled over the concatenated texts in k whole-array
    steps; the windows that run into the next text are then dropped.
    """
    counts = np.maximum(lengths - k + 1, 0)
    total = len(codes) - k + 1
    if counts.sum() == 0:
        return np.empty(0, dtype=np.uint64), counts
    h = codes[:total].astype(np.uint64)
    for j in range(1, k):
        h *= _BASE
        np.add(h, codes[j:total + j], out=h, casting="unsafe")
    bad = (np.cumsum(lengths)[:, None] - np.arange(1, k)).ravel()
    valid = np.ones(total, dtype=bool)
    valid[bad[(bad >= 0) & (bad < total)]] = False
    h = h[valid]
    h += salt
    return _mix(h), counts


def _bins(h: np.ndarray, n_bins: int) -> np.ndarray:
    """Map 64-bit hashes to bins 0..n_bins-1 by their top 32 bits (order-preserving)."""
    return (((h >> np.uint64(32)) * np.uint64(n_bins)) >> np.uint64(32)).astype(np.int64)


def _sketch(texts: list, k: int, n_bins: int, salt: np.uint64) -> tuple[np.ndarray, ...]:
    """Compute the one-permutation sketch of some texts.

    Returns
    -------
    sketch : numpy.ndarray of uint64, shape (n_texts, n_bins)
        The smallest shingle hash of each bin; ``_EMPTY`` for an empty bin.
    counts : numpy.ndarray of int64
        The shingles (with repeats) of each text.
    sums, squares : numpy.ndarray of uint64
        The sums of each text's shingle hashes and of their squares, modulo
        2**64: with ``counts``, a fingerprint of the multiset of shingles.
    """
    h, counts = _shingle_hashes(*_clean_codes(texts), k, salt)
    cell = np.repeat(np.arange(len(texts), dtype=np.int64) * n_bins, counts) + _bins(h, n_bins)
    sketch = np.full(len(texts) * n_bins, _EMPTY)
    np.minimum.at(sketch, cell, h)
    return (sketch.reshape(len(texts), n_bins), counts, _segment_sums(h, counts, np.uint64),
            _segment_sums(h * h, counts, np.uint64))


def _batches(lengths: np.ndarray) -> list[tuple[int, int]]:
    """Cut a run of texts into consecutive slices of about _BATCH_CHARS characters."""
    chars = np.cumsum(lengths)
    cuts = np.searchsorted(chars, np.arange(_BATCH_CHARS, chars[-1] if len(chars) else 0,
                                            _BATCH_CHARS), side="right")
    bounds = np.unique(np.concatenate([[0], cuts, [len(lengths)]]))
    return list(zip(bounds[:-1].tolist(), bounds[1:].tolist()))


def _text_lengths(texts: pd.Series) -> np.ndarray:
    """Return the length of each text (0 for NA), only to cut batches."""
    try:
        return texts.str.len().fillna(0).to_numpy(dtype=np.int64)
    except AttributeError:  # not a single string
        return np.zeros(len(texts), dtype=np.int64)


def _sketch_all(texts: pd.Series, lengths: np.ndarray, k: int, n_bins: int,
                salt: np.uint64) -> tuple[np.ndarray, ...]:
    """Sketch all texts (see :func:`_sketch`), turning only a batch at a time into str."""
    n = len(texts)
    out = (np.empty((n, n_bins), dtype=np.uint64), np.empty(n, dtype=np.int64),
           np.empty(n, dtype=np.uint64), np.empty(n, dtype=np.uint64))
    for lo, hi in _batches(lengths):
        for whole, part in zip(out, _sketch(texts.iloc[lo:hi].tolist(), k, n_bins, salt)):
            whole[lo:hi] = part
    return out


def _densify(sketch: np.ndarray, rows: np.ndarray, salt: np.uint64) -> None:
    """Fill the empty bins of some rows in place by optimal densification (Shrivastava 2017).

    Empty bin ``j`` probes the bins ``p(j, 0), p(j, 1), ...`` (a hash of ``j``
    and the attempt, the same for every document) and copies the first bin
    that was non-empty before filling. Every row needs a non-empty bin.
    """
    empty = sketch[rows] == _EMPTY
    at, cols = np.nonzero(empty)
    attempt = 0
    while len(at):
        probe = _bins(_mix((cols.astype(np.uint64) << np.uint64(32)) + np.uint64(attempt) + salt),
                      sketch.shape[1])
        hit = ~empty[at, probe]
        sketch[rows[at[hit]], cols[hit]] = sketch[rows[at[hit]], probe[hit]]
        at, cols = at[~hit], cols[~hit]
        attempt += 1


def _run_pairs(sorted_keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the positions (i, j), i < j, of every two elements in a run of equal keys."""
    n = len(sorted_keys)
    new = np.ones(n, dtype=bool)
    new[1:] = sorted_keys[1:] != sorted_keys[:-1]
    start = np.flatnonzero(new)
    size = np.diff(np.append(start, n))
    after = np.repeat(start + size, size) - 1 - np.arange(n)  # later elements of the run
    left = np.repeat(np.arange(n), after)
    step = np.arange(len(left)) - np.repeat(np.cumsum(after) - after, after)
    return left, left + 1 + step


def _band_pairs(sketch: np.ndarray, rows_of: np.ndarray, bands: int,
                rows: int) -> tuple[np.ndarray, np.ndarray]:
    """Return the pairs (i, j), i < j, of units whose sketches agree on a whole band.

    ``rows_of[i]`` is the sketch row of unit ``i``; a band's values are hashed
    to one key and every two units in a run of equal keys make a pair.
    """
    n = len(rows_of)
    found = []
    for band in range(bands):
        key = np.zeros(n, dtype=np.uint64)
        for col in sketch[rows_of, band * rows:(band + 1) * rows].T:
            key = _mix(key * _BASE + col)
        order = np.argsort(key)
        left, right = _run_pairs(key[order])
        a, b = order[left], order[right]
        found.append(np.minimum(a, b) * n + np.maximum(a, b))
        if sum(map(len, found)) > _MAX_PENDING:  # the same pairs recur in many bands
            found = [sorted_distinct(np.concatenate(found))]
    codes = sorted_distinct(np.concatenate(found)) if found else np.empty(0, dtype=np.int64)
    return codes // max(n, 1), codes % max(n, 1)


def _shingle_sets(texts: list, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the shingle sets of some texts: ``text << 32 | shingle id`` sorted, starts, sizes."""
    h, counts = _shingle_hashes(*_clean_codes(texts), k, np.uint64(0))
    _, ids = np.unique(h, return_inverse=True)
    owner = np.repeat(np.arange(len(texts), dtype=np.uint64), counts)
    keys = sorted_distinct((owner << np.uint64(32)) | ids.ravel().astype(np.uint64))
    sizes = np.bincount((keys >> np.uint64(32)).astype(np.int64), minlength=len(texts))
    return keys, np.cumsum(sizes) - sizes, sizes


def _intersections(keys: np.ndarray, starts: np.ndarray, sizes: np.ndarray, a: np.ndarray,
                   b: np.ndarray) -> np.ndarray:
    """Count the shingles shared by texts a and b (indices into a _shingle_sets result)."""
    small, big = np.where(sizes[a] <= sizes[b], a, b), np.where(sizes[a] <= sizes[b], b, a)
    n_query = sizes[small]
    pair = np.repeat(np.arange(len(a)), n_query)
    pos = np.arange(n_query.sum()) + np.repeat(starts[small] - (np.cumsum(n_query) - n_query),
                                               n_query)
    query = (big[pair].astype(np.uint64) << np.uint64(32)) | (keys[pos] & _LOW32)
    where = np.minimum(np.searchsorted(keys, query), len(keys) - 1)
    return np.bincount(pair, weights=keys[where] == query, minlength=len(a))


def _verify(texts: pd.Series, lengths: np.ndarray, a: np.ndarray, b: np.ndarray, k: int,
            threshold: float) -> tuple[np.ndarray, ...]:
    """Return (a, b, jaccard) of the candidate pairs at or above the threshold, exactly."""
    found = []
    for lo, hi in _batches(lengths[a] + lengths[b]):
        docs, local = np.unique(np.concatenate([a[lo:hi], b[lo:hi]]), return_inverse=True)
        # (one by one: a take from a chunked Arrow column first copies all its chunks)
        keys, starts, sizes = _shingle_sets([texts.iat[i] for i in docs], k)
        la, lb = local[:hi - lo], local[hi - lo:]
        # J <= min/max: pairs of very different sizes need no counting
        near = (np.minimum(sizes[la], sizes[lb])
                >= threshold * np.maximum(sizes[la], sizes[lb]) * (1 - 1e-9))
        la, lb = la[near], lb[near]
        n = _intersections(keys, starts, sizes, la, lb)
        jac = n / (sizes[la] + sizes[lb] - n)
        keep = jac >= threshold
        found.append((docs[la[keep]], docs[lb[keep]], jac[keep]))
    return tuple(np.concatenate(parts) for parts in zip(*found)) if found else (
        np.empty(0, int), np.empty(0, int), np.empty(0))


def _binomial_pmf(n: int, p: float) -> np.ndarray:
    """Return P(X = 0), ..., P(X = n) for X ~ Binomial(n, p), 0 < p <= 1."""
    if p >= 1:
        return np.eye(1, n + 1, n).ravel()
    log_comb = [math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1)
                for i in range(n + 1)]
    x = np.arange(n + 1)
    return np.exp(np.array(log_comb) + x * math.log(p) + (n - x) * math.log1p(-p))


def _oph_miss_bound(threshold: float, bands: int, rows: int) -> float:
    """Bound the chance that OPH + LSH misses a pair exactly at the threshold (module notes)."""
    n_bins = bands * rows
    good = np.arange(n_bins + 1)
    all_good = np.ones(n_bins + 1)
    for s in range(rows):
        all_good *= np.clip(good - s, 0, None) / (n_bins - s)
    return float(_binomial_pmf(n_bins, threshold) @ (1 - all_good) ** bands)


def _oph_bands(threshold: float, num_perm: int, *, recall: float = MIN_RECALL) -> tuple[int, int]:
    """Choose the most selective bands x rows whose OPH miss bound is at most 1 - recall."""
    _, most = lsh_bands(threshold, num_perm, recall=recall)  # the bound is >= the MinHash miss
    for rows in range(most, 0, -1):
        if _oph_miss_bound(threshold, num_perm // rows, rows) <= 1 - recall:
            return num_perm // rows, rows
    return num_perm, 1


def _minhash_pairs(texts: pd.Series, threshold: float, k: int, num_perm: int,
                   random_state: int | None
                   ) -> tuple[tuple[np.ndarray, ...], tuple[int, int], int]:
    """Find the pairs by OPH + LSH: ((a, b, jaccard), (bands, rows), n_without_shingles)."""
    bands, rows = _oph_bands(threshold, num_perm)
    salt, probe_salt = np.random.default_rng(random_state).integers(
        0, 2**64, size=2, dtype=np.uint64)
    lengths = _text_lengths(texts)
    sketch, counts, sums, squares = _sketch_all(texts, lengths, k, bands * rows, salt)
    live = np.flatnonzero(counts > 0)
    # documents with the same multiset of shingles form one unit, compared once
    fingerprint = np.column_stack([counts.astype(np.uint64), sums, squares])[live]
    _, first, unit = np.unique(fingerprint, axis=0, return_index=True, return_inverse=True)
    reps = live[first]
    _densify(sketch, reps, probe_salt)
    ua, ub = _band_pairs(sketch, reps, bands, rows)
    del sketch
    a, b, jac = _verify(texts, lengths, reps[ua], reps[ub], k, threshold)
    return _unit_pairs(live, unit.ravel(), a, b, jac), (bands, rows), len(texts) - len(live)


def _unit_pairs(live: np.ndarray, unit: np.ndarray, a: np.ndarray, b: np.ndarray,
                jac: np.ndarray) -> tuple[np.ndarray, ...]:
    """Expand pairs of unit representatives to all their documents; add the pairs in a unit.

    ``unit[i]`` is the unit of document ``live[i]``; the pairs inside a unit have
    the same multiset of shingles, Jaccard 1.
    """
    order = np.argsort(unit, kind="stable")
    size = np.bincount(unit)
    start = np.cumsum(size) - size
    ua, ub = unit[np.searchsorted(live, a)], unit[np.searchsorted(live, b)]
    many = size[ua] * size[ub]
    pair = np.repeat(np.arange(len(ua)), many)
    step = np.arange(many.sum()) - np.repeat(np.cumsum(many) - many, many)
    left, right = _run_pairs(unit[order])
    da = live[np.concatenate([order[start[ua][pair] + step // size[ub][pair]], order[left]])]
    db = live[np.concatenate([order[start[ub][pair] + step % size[ub][pair]], order[right]])]
    jac = np.concatenate([jac[pair], np.ones(len(left))])
    return np.minimum(da, db), np.maximum(da, db), jac


def _check_ids(docs: pd.DataFrame, id_col: str, func: str) -> None:
    check_column(docs, id_col, param="id_col", func=func)
    if docs[id_col].isna().any() or docs[id_col].duplicated().any():
        raise AnalysisError(f"The {id_col!r} column given as 'id_col' of {func} must hold "
                            f"unique, non-missing document ids.")


def near_duplicates(
    docs: pd.DataFrame,
    *,
    text_col: str = "text",
    group_col: str | None = "institution",
    id_col: str = "doc_id",
    threshold: float = 0.8,
    k: int = 5,
    method: Literal["auto", "exact", "minhash"] = "auto",
    cross_group_only: bool = False,
    num_perm: int = 128,
    random_state: int | None = 0,
) -> pd.DataFrame:
    """List the pairs of documents whose character shingles nearly coincide.

    Parameters
    ----------
    docs : pandas.DataFrame
        One row per document.
    text_col : str, default 'text'
        The clean text; NA reads as empty.
    group_col : str or None, default 'institution'
        The group of each document, copied as ``group_a``/``group_b``;
        ``None`` leaves these columns out.
    id_col : str, default 'doc_id'
        Unique document ids.
    threshold : float, default 0.8
        The smallest Jaccard index of the shingle sets reported, in (0, 1].
    k : int, default 5
        The shingle length in clean characters (see the module notes).
    method : {'auto', 'exact', 'minhash'}, default 'auto'
        Exact Jaccard of every pair, or one-permutation MinHash + LSH
        candidates checked exactly (see the module notes); 'auto' is exact
        up to ``EXACT_MAX_DOCS`` documents.
    cross_group_only : bool, default False
        Keep only pairs from different groups (a pair is dropped when both
        groups are equal and known).
    num_perm : int, default 128
        MinHash bins (``method='minhash'``): ``bands * rows <= num_perm`` of
        them are used, the split chosen for the threshold (module notes).
    random_state : int or None, default 0
        Seed of the MinHash shingle hash and densification; a seed gives
        the same table every time.

    Returns
    -------
    pandas.DataFrame
        ``doc_a``, ``doc_b`` (``doc_a`` comes first in ``docs``), ``group_a``,
        ``group_b`` and the exact ``jaccard``, sorted by decreasing Jaccard,
        then row order. ``attrs`` holds ``method`` (the one used), ``k``,
        ``threshold``, ``n_docs``, ``n_without_shingles`` and, for MinHash,
        ``num_perm``, ``bands`` and ``rows``.
    """
    func = "near_duplicates"
    check_column(docs, text_col, param="text_col", func=func)
    _check_ids(docs, id_col, func)
    if group_col is not None:
        check_column(docs, group_col, param="group_col", func=func)
    elif cross_group_only:
        raise AnalysisError(f"The 'cross_group_only' parameter of {func} needs a group_col; "
                            f"got group_col=None.")
    check_number(threshold, param="threshold", func=func, low=0, high=1)
    if threshold == 0:
        raise AnalysisError(f"The 'threshold' parameter of {func} must be in (0, 1]; got 0.")
    check_number(k, param="k", func=func, low=1, integer=True)
    check_choice(method, ("auto", "exact", "minhash"), param="method", func=func)
    check_number(num_perm, param="num_perm", func=func, low=1, integer=True)
    texts = docs[text_col].reset_index(drop=True)
    used = method if method != "auto" else ("exact" if len(docs) <= EXACT_MAX_DOCS else "minhash")
    if used == "exact":
        x, _ = shingle_matrix(texts.tolist(), k=k)
        n_without = int((np.diff(x.indptr) == 0).sum())
        a, b, jac = _exact_pairs(x, threshold)
    else:
        (a, b, jac), (bands, rows), n_without = _minhash_pairs(texts, threshold, k, num_perm,
                                                               random_state)
    attrs = {"method": used, "k": k, "threshold": threshold, "n_docs": len(docs),
             "n_without_shingles": n_without}
    if used != "exact":
        attrs |= {"num_perm": num_perm, "bands": bands, "rows": rows}
    return _pair_table(docs, a, b, jac, id_col, group_col, cross_group_only, attrs)


def _pair_table(docs: pd.DataFrame, a: np.ndarray, b: np.ndarray, jac: np.ndarray, id_col: str,
                group_col: str | None, cross_group_only: bool, attrs: dict) -> pd.DataFrame:
    """Assemble, filter and sort the pairs table."""
    order = np.lexsort((b, a, -jac))
    a, b, jac = a[order], b[order], jac[order]
    ids = docs[id_col].to_numpy()
    table = pd.DataFrame({"doc_a": ids[a], "doc_b": ids[b]})
    if group_col is not None:
        groups = docs[group_col].reset_index(drop=True)
        table["group_a"] = groups.take(a).to_numpy()
        table["group_b"] = groups.take(b).to_numpy()
    table["jaccard"] = jac.astype(float)
    if cross_group_only:
        same = (table["group_a"] == table["group_b"]).fillna(False).astype(bool)
        table = table.loc[~same].reset_index(drop=True)
    table.attrs = attrs
    return table


def repost_codes(ids: Any, clusters: pd.Series | None) -> np.ndarray:
    """Number the documents so that the reposts of one notice share a number.

    Parameters
    ----------
    ids : array-like
        The documents' ids, in order.
    clusters : pandas.Series or None
        Near-duplicate cluster of each document, indexed by id
        (:func:`duplicate_clusters`); ids it lacks, or maps to NA, stand alone.

    Returns
    -------
    numpy.ndarray of int64
        A cluster's code (0, 1, ... in order of first appearance) for the
        documents of a cluster, and ``-1 - i`` for document ``i`` standing
        alone (every document alone when ``clusters`` is None), so that
        ``pd.Series(codes).duplicated()`` marks every copy after the first.
    """
    alone = -1 - np.arange(len(ids), dtype=np.int64)
    if clusters is None:
        return alone
    found = pd.Series(clusters).reindex(pd.Index(ids)).to_numpy()
    return np.where(pd.isna(found), alone, pd.factorize(found)[0]).astype(np.int64)


def duplicate_clusters(
    docs: pd.DataFrame,
    *,
    pairs: pd.DataFrame | None = None,
    text_col: str = "text",
    group_col: str | None = "institution",
    id_col: str = "doc_id",
    date_col: str | None = "date",
    threshold: float = 0.8,
    k: int = 5,
    method: Literal["auto", "exact", "minhash"] = "auto",
    random_state: int | None = 0,
) -> pd.DataFrame:
    """Give each document the id of its near-duplicate cluster.

    Clusters are the connected components of the near-duplicate pairs, so a
    chain A~B~C is one cluster even when A and C differ more.

    Parameters
    ----------
    docs : pandas.DataFrame
        One row per document.
    pairs : pandas.DataFrame, optional
        The output of :func:`near_duplicates` on ``docs``; computed when omitted
        (with all pairs, also within groups).
    text_col, group_col, id_col : str
        Column names, as in :func:`near_duplicates`.
    date_col : str or None, default 'date'
        Dates choosing each cluster's representative (the earliest; undated
        documents last, ties by row order); ``None`` takes the first row.
    threshold, k, method, random_state
        Passed to :func:`near_duplicates` when ``pairs`` is omitted.

    Returns
    -------
    pandas.DataFrame
        One row per document in ``docs`` order: ``id_col``, ``cluster`` (0, 1, ...
        in order of first row), ``cluster_size`` and ``representative`` (True
        for one document a cluster; every singleton is its own representative).
    """
    func = "duplicate_clusters"
    _check_ids(docs, id_col, func)
    if pairs is None:
        pairs = near_duplicates(docs, text_col=text_col, group_col=group_col, id_col=id_col,
                                threshold=threshold, k=k, method=method,
                                random_state=random_state)
    check_column(pairs, "doc_a", param="pairs", func=func)
    index = pd.Index(docs[id_col])
    a, b = index.get_indexer(pairs["doc_a"]), index.get_indexer(pairs["doc_b"])
    if (a < 0).any() or (b < 0).any():
        raise AnalysisError(f"The 'pairs' parameter of {func} names documents that are not in "
                            f"the {id_col!r} column of df; compute pairs on the same df.")
    n = len(docs)
    graph = sp.coo_matrix((np.ones(len(a)), (a, b)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    size = np.bincount(labels, minlength=n)[labels] if n else labels
    order = np.arange(n)
    if date_col is not None:
        dates = date_column(docs, date_col, func=func).reset_index(drop=True)
        undated = dates.isna().to_numpy()
        order = np.lexsort((order, dates.fillna(dates.min()).to_numpy(), undated))
    first = pd.Series(labels[order]).duplicated().to_numpy()
    representative = np.zeros(n, dtype=bool)
    representative[order[~first]] = True
    return pd.DataFrame({id_col: docs[id_col].to_numpy(), "cluster": labels.astype(np.int64),
                         "cluster_size": size.astype(np.int64), "representative": representative})


def drop_near_duplicates(
    docs: pd.DataFrame,
    *,
    pairs: pd.DataFrame | None = None,
    text_col: str = "text",
    id_col: str = "doc_id",
    date_col: str | None = "date",
    threshold: float = 0.8,
    k: int = 5,
    method: Literal["auto", "exact", "minhash"] = "auto",
    random_state: int | None = 0,
) -> pd.DataFrame:
    """Keep one document a near-duplicate cluster: the earliest dated.

    Parameters
    ----------
    docs : pandas.DataFrame
        One row per document.
    pairs : pandas.DataFrame, optional
        The near-duplicate pairs of ``docs`` (all pairs, within groups too), as
        from :func:`near_duplicates`; computed when omitted.
    text_col, id_col, date_col : str
        Column names, as in :func:`duplicate_clusters`.
    threshold, k, method, random_state
        Options of :func:`near_duplicates` when ``pairs`` is omitted.

    Returns
    -------
    pandas.DataFrame
        The representatives, in ``docs`` order; ``attrs["n_dropped"]`` counts
        the documents left out and ``attrs["dropped"]`` lists their ids.
    """
    if pairs is not None and len(pairs):  # pairs of documents left out of df do not count
        ids = pd.Index(docs[id_col])
        pairs = pairs[ids.get_indexer(pairs["doc_a"]) >= 0]
        pairs = pairs[ids.get_indexer(pairs["doc_b"]) >= 0]
    clusters = duplicate_clusters(docs, pairs=pairs, text_col=text_col, group_col=None,
                                  id_col=id_col,
                                  date_col=date_col, threshold=threshold, k=k,
                                  method=method, random_state=random_state)
    keep = clusters["representative"].to_numpy()
    kept = docs.loc[keep]
    kept.attrs = {**docs.attrs, "n_dropped": int((~keep).sum()),
                  "dropped": docs[id_col].to_numpy()[~keep].tolist()}
    return kept
