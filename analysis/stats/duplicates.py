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
- ``method="minhash"`` proposes candidate pairs by MinHash signatures
  (``num_perm`` multiply-shift hash functions ``(a * x + b) >> 32`` on the
  64-bit shingle hashes, ``a`` odd; seeded by ``random_state``) and LSH
  banding: ``bands`` bands of ``rows`` signature rows; two documents become
  a candidate pair when all rows of some band agree. :func:`lsh_bands`
  takes the most selective split that still catches a pair lying exactly at
  ``threshold`` with probability >= :data:`MIN_RECALL` (0.99). Every
  candidate is then checked with its *exact* Jaccard index, so a reported
  pair is never a false positive; a true pair of index ``J`` is missed with
  probability ``(1 - J**rows)**bands``. With the defaults (128 functions,
  threshold 0.8) that is 21 bands of 6 rows: misses 0.17% at J = 0.8,
  1e-7 at J = 0.9; a pair of J = 0.5 is still a candidate 28% of the time
  (checked and dropped).
- ``method="auto"`` is exact up to :data:`EXACT_MAX_DOCS` (5000) documents:
  on 4,706 news posts (4.8 million characters) the exact method took 2.6 s
  and MinHash 6.5 s (mostly the 128 signature passes), but the exact cost
  grows with the square of the number of documents and MinHash's linearly.
"""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from typing import Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from ..core.errors import AnalysisError, check_choice, check_column, check_number

__all__ = [
    "DUPLICATE_COLUMNS",
    "EXACT_MAX_DOCS",
    "clean_text",
    "drop_near_duplicates",
    "duplicate_clusters",
    "lsh_bands",
    "near_duplicates",
    "shingle_matrix",
]

EXACT_MAX_DOCS = 5000
DUPLICATE_COLUMNS = ("doc_a", "doc_b", "group_a", "group_b", "jaccard")
_STRIP = re.compile(r"[\W_]+")
_BASE = np.uint64(0x100000001B3)
_BLOCK = 512
# The pairs of the last few computations, by a digest of the texts and the options:
# notebook 05 asks for the reposts across institutions, then drops all near-duplicates
# of the same documents, and MinHash over 10^5 documents takes minutes.
_PAIRS: OrderedDict[str, tuple] = OrderedDict()
_PAIRS_KEPT = 2
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


def _signatures(x: sp.csr_matrix, keys: np.ndarray, num_perm: int,
                rng: np.random.Generator) -> np.ndarray:
    """Compute the MinHash signature (n_docs, num_perm) of non-empty rows of x."""
    a = rng.integers(0, 2**64, size=num_perm, dtype=np.uint64) | np.uint64(1)
    b = rng.integers(0, 2**64, size=num_perm, dtype=np.uint64)
    sig = np.empty((x.shape[0], num_perm), dtype=np.uint32)
    starts = x.indptr[:-1]
    for i in range(num_perm):
        values = ((keys * a[i] + b[i]) >> np.uint64(32)).astype(np.uint32)
        sig[:, i] = np.minimum.reduceat(values[x.indices], starts)
    return sig


def _bucket_pairs(band: np.ndarray) -> np.ndarray:
    """Return the pairs (i, j), i < j, of rows whose band values are all equal."""
    key = np.zeros(band.shape[0], dtype=np.uint64)
    for col in band.T:
        key = _mix(key * _BASE + col.astype(np.uint64))
    order = np.argsort(key, kind="stable")
    bounds = np.flatnonzero(np.diff(key[order])) + 1
    pairs = [np.column_stack([grp[i], grp[j]]) for grp in np.split(order, bounds)
             if len(grp) > 1 for i, j in [np.triu_indices(len(grp), 1)]]
    return np.concatenate(pairs) if pairs else np.empty((0, 2), dtype=np.int64)


def _minhash_pairs(x: sp.csr_matrix, keys: np.ndarray, threshold: float, num_perm: int,
                   random_state: int | None) -> tuple[tuple[np.ndarray, ...], tuple[int, int]]:
    """Return (a, b, jaccard) of the LSH candidates at or above the threshold."""
    live = np.flatnonzero(np.diff(x.indptr) > 0)
    bands, rows = lsh_bands(threshold, num_perm)
    sig = _signatures(x[live], keys, num_perm, np.random.default_rng(random_state))
    found = [_bucket_pairs(sig[:, i * rows:(i + 1) * rows]) for i in range(bands)]
    cand = np.unique(np.concatenate(found), axis=0) if found else np.empty((0, 2), int)
    a, b = live[cand[:, 0]], live[cand[:, 1]]
    a, b = np.minimum(a, b), np.maximum(a, b)
    inter = np.asarray(x[a].multiply(x[b]).sum(axis=1)).ravel().astype(float)
    sizes = np.diff(x.indptr)
    jac = inter / np.maximum(sizes[a] + sizes[b] - inter, 1)
    keep = jac >= threshold
    return (a[keep], b[keep], jac[keep]), (bands, rows)


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
        Exact Jaccard of every pair, or MinHash + LSH candidates checked
        exactly; 'auto' is exact up to ``EXACT_MAX_DOCS`` documents.
    cross_group_only : bool, default False
        Keep only pairs from different groups (a pair is dropped when both
        groups are equal and known).
    num_perm : int, default 128
        MinHash functions (``method='minhash'``); the bands follow from it.
    random_state : int or None, default 0
        Seed of the MinHash functions.

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
    texts = docs[text_col].tolist()
    used = method if method != "auto" else ("exact" if len(docs) <= EXACT_MAX_DOCS else "minhash")
    key = _pairs_key(texts, k=k, threshold=threshold, method=used, num_perm=num_perm,
                     random_state=random_state)
    if key in _PAIRS:
        _PAIRS.move_to_end(key)
        a, b, jac, attrs = _PAIRS[key]
        return _pair_table(docs, a, b, jac, id_col, group_col, cross_group_only, dict(attrs))
    x, keys = shingle_matrix(texts, k=k)
    attrs = {"method": used, "k": k, "threshold": threshold, "n_docs": len(docs),
             "n_without_shingles": int((np.diff(x.indptr) == 0).sum())}
    if used == "exact":
        a, b, jac = _exact_pairs(x, threshold)
    else:
        (a, b, jac), (bands, rows) = _minhash_pairs(x, keys, threshold, num_perm, random_state)
        attrs |= {"num_perm": num_perm, "bands": bands, "rows": rows}
    if random_state is not None or used == "exact":  # a seedless MinHash is not repeatable
        _PAIRS[key] = (a, b, jac, dict(attrs))
        while len(_PAIRS) > _PAIRS_KEPT:
            _PAIRS.popitem(last=False)
    return _pair_table(docs, a, b, jac, id_col, group_col, cross_group_only, attrs)


def _pairs_key(texts: list, **options: object) -> str:
    """Return a digest of the texts (in order) and the options of a pair computation."""
    digest = hashlib.sha256(repr(sorted(options.items())).encode())
    for text in texts:
        encoded = (text.encode("utf-8", "surrogatepass") if isinstance(text, str)
                   else b"\0" + repr(text).encode())
        digest.update(len(encoded).to_bytes(8, "little"))
        digest.update(encoded)
    return digest.hexdigest()


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
        check_column(docs, date_col, param="date_col", func=func)
        dates = pd.to_datetime(docs[date_col]).reset_index(drop=True)
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
