"""Explore distinctive terms: one self-contained HTML page, offline and inline in JupyterLab.

A researcher picks a comparison (one group against the rest, or two groups),
scans a scatter of terms (frequency in the group against frequency in the
reference, rank or log scaled, coloured by log ratio, significant terms
marked), finds a term with the search box, clicks it and reads where it was
used (concordance lines with institution, date, title and a link to the
source; reposts folded) and when (its rate per group and period, the numbers
of notebook 04). :func:`explorer_data` computes the tables with the
statistics of :mod:`analysis.stats` (keyness, keyword_timeline; the lines as
:func:`~analysis.stats.kwic.kwic` writes them);
:func:`explorer_html` writes them into one HTML file; :func:`save_explorer`
writes the file with a manifest entry; :func:`show_explorer` shows it inline.

Decisions:

- **Library: hand-written JavaScript and SVG** (``analysis/data/explorer/``,
  39 KB with its CSS, no dependency). Embedded offline, plotly.js adds about
  3.5 MB and bokeh's runtime about 1 MB to every page before any data, and
  plotly names each figure's element with a random uuid (a rerun is not
  byte-identical unless every id is passed in); vega-lite needs
  vega, vega-lite and vega-embed (about 800 KB) and a hover or click that opens
  a concordance is hard to express in its grammar; anywidget needs a running
  kernel, so the saved page would not work alone. A scatter of 2,000 points,
  a line chart and a concordance list are a few hundred lines of plain DOM
  code that modern browsers will run unchanged for years, with nothing to
  update and every string set through ``textContent``.
- **Views.** Every compared group against the rest (all other groups pooled,
  as :func:`~analysis.stats.keyness.keyness` does by default) and every pair
  of compared groups (``target=A, reference=B``). The compared groups are the
  ``max_groups`` largest by documents (15 by default; 13 in the shared corpus);
  the rest of a view pools every other group. A pair is stored once: B
  against A is the same test with the sides swapped (same G2, p and q, log
  ratio negated), and the page draws it so.
- **Terms per view: ``max_terms`` (2,000).** Among the terms tested
  (``min_freq`` occurrences in the two sides together), the ``max_terms // 2``
  most frequent in the two sides together (the shared vocabulary, along the
  diagonal) and then the largest G2 (the most distinctive, off the diagonal)
  up to ``max_terms``; ties by code point. The statistics are those of the
  whole family tested (BH q over every tested term, not only those shown).
  ``study.keyness()`` keeps every term.
- **Concordance lines per term: ``max_lines`` (10).** One line per document
  (its first occurrence; ``window`` = 15 characters each side), a reposted
  notice once (the near-duplicate clusters of
  :attr:`analysis.run.study.Study.clusters`: one copy stands for its cluster,
  under the first group served, and lists the others, in any group). Half
  the lines go to the groups that use the term at a higher rate than the
  compared groups together, the other half to
  the other groups, one line each in rounds, the highest rate first (lines
  one half cannot use go to the other); within a group the documents are
  spread evenly over time. So the group a term distinguishes gets several
  lines, and the others one each for contrast. On the shared corpus the union
  of the views' terms is about 11,000 terms and their lines, at 10 a term and
  15 characters a side, 4 MB once compressed: most of the file.
  ``study.kwic(term)`` gives every line.
- **Timeline.** Counts per group and period of every term shown, those
  :func:`~analysis.stats.timeline.keyword_timeline` gives on the documents
  pooled by (group, period), each pooled row dated by its first document
  (read here from the pooled counts directly; tests compare the two): the
  bins (``freq``, ``"auto"`` choosing from the dated documents' span as
  notebook 04 does), counts, token totals and rates are those of
  ``study.timeline(term, freq=freq)``, and the page computes each rate as
  ``count / n_tokens * 10000`` in IEEE double arithmetic, the same operations
  in the same order as pandas, so the numbers are bit for bit the same.
- **Size.** The bulk data are JSON compressed with zlib (level 9) and embedded
  as base64; the page inflates them with the browser's ``DecompressionStream``
  (Chromium 80, Firefox 113, Safari 16.4 and later). Deflate shrinks the
  concordance text about 2.2x and the count arrays 4 to 8x. Measured: the
  4,706 posts of the shared corpus give 9.3 MB (11,100 terms in 91 views)
  that headless Chromium opens in 0.6-0.9 s; 100,000 generated documents give
  15.4 MB (13,138 terms in 78 views), open in 1.4-2.0 s.
- **Font.** Noto Sans SC (SIL Open Font License 1.1, :func:`analysis.figures.fonts.cjk_font_path`)
  subset with fontTools to the characters of the page and embedded as WOFF
  (zlib): WOFF2 needs brotli, which the project does not install. Hints are
  dropped; the name table (copyright, licence) is kept and the licence is in
  the page's footer. Without it, a machine with no CJK font shows boxes.
- **Safety.** Every string from the corpus is set with ``textContent`` or
  ``setAttribute`` of a plain attribute, never as HTML; the metadata JSON in
  its script tag has every ``<``, ``>`` and ``&`` written as ``\\u003c``,
  ``\\u003e``, ``\\u0026`` (so ``</script>`` and ``<!--`` cannot end it); the
  bulk data are base64; links are made only from ``http(s)://`` URLs and open
  with ``rel="noopener noreferrer"``; a Content-Security-Policy forbids any
  network request, so the page is offline by construction. Inline in
  JupyterLab it runs in a sandboxed ``iframe`` (scripts, no same origin): a
  document cannot reach the notebook.
- **Determinism.** No clock, no random id: the same tables give the same
  bytes (sorted keys, fixed rounding, zlib at a fixed level, the font's
  timestamps kept).
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import json
import os
import re
import warnings
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..core.config import DATA_DIR, FIGURES_DIR
from ..core.dates import as_date
from ..core.errors import AnalysisError, check_choice, check_column, check_number
from ..core.io import write_text
from ..stats.aliases import group_aliases
from ..stats.counts import TermCounts, counts_of
from ..stats.duplicates import repost_codes
from ..stats.keyness import KEYNESS_COLUMNS, compare_counts, keyness
from ..stats.overview import FREQS, choose_freq
from .fonts import cjk_font_path
from .save import file_sha256, git_state, package_versions, portable, update_manifest

__all__ = ["EXPLORER_TABLES", "explorer_data", "explorer_html", "methods_text",
           "save_explorer", "show_explorer"]

EXPLORER_TABLES = ("groups", "points", "terms", "lines", "docs", "timeline", "bins")
"""The tables :func:`explorer_data` returns, by key."""

ASSETS = DATA_DIR / "explorer"
REST = "rest"
_PER = 10_000
_NAME = re.compile(r"[^\s/\\.][^\s/\\]*")
_URL = re.compile(r"https?://\S+", re.IGNORECASE)
_ASCII_LETTER = re.compile(r"[A-Za-z]")
_FLAT = str.maketrans({"\n": " ", "\r": " ", "\t": " ", "\v": " ", "\f": " "})
_MAX_FOLD = 20  # copies of a reposted document listed under its line


# -- the tables ---------------------------------------------------------------

def _check_options(min_freq: Any, alpha: Any, max_terms: Any, max_groups: Any,
                   max_lines: Any, window: Any, freq: Any) -> None:
    func = "explorer_data"
    check_number(min_freq, param="min_freq", func=func, low=1, integer=True)
    check_number(alpha, param="alpha", func=func, low=0, high=1)
    check_number(max_terms, param="max_terms", func=func, low=2, integer=True)
    check_number(max_groups, param="max_groups", func=func, low=2, integer=True)
    check_number(max_lines, param="max_lines", func=func, low=0, integer=True)
    check_number(window, param="window", func=func, low=1, integer=True)
    check_choice(freq, [*FREQS, "auto"], param="freq", func=func)


def _compared(used: pd.DataFrame, group_col: str, max_groups: int) -> list:
    """Return the ``max_groups`` largest groups (by documents; ties by label), in label order."""
    sizes = used[group_col].value_counts()
    biggest = sorted(sizes.index, key=lambda g: (-sizes[g], str(g)))[:max_groups]
    return sorted(biggest, key=str)


def _shown(frame: pd.DataFrame, max_terms: int) -> pd.DataFrame:
    """Keep the terms a view shows: the most frequent half, then the largest G2.

    ``frame["term"]`` may hold the terms or their code-point ranks (the
    columns of a sorted vocabulary): ties are broken the same way.
    """
    total = frame["freq_target"].to_numpy() + frame["freq_reference"].to_numpy()
    terms = frame["term"].to_numpy()
    by_freq = np.lexsort((terms, -total))[:max_terms // 2]
    frequent = np.zeros(len(frame), dtype=bool)
    frequent[by_freq] = True
    rest = np.flatnonzero(~frequent)
    by_g2 = rest[np.lexsort((terms[rest], -frame["g2"].to_numpy()[rest]))]
    keep = np.sort(np.concatenate([by_freq, by_g2[:max_terms - len(by_freq)]]))
    out = frame.iloc[keep].copy()
    out["shown_as"] = np.where(frequent[keep], "frequent", "distinctive")
    return out


def _first_copies(codes: np.ndarray | None, inside: np.ndarray) -> np.ndarray:
    """Return which documents of ``inside`` (a mask) count: a repost once, its first copy there.

    ``codes`` from :func:`~analysis.stats.duplicates.repost_codes` (None: no
    clusters); as :func:`~analysis.stats.dispersion.dispersion` keeps the
    documents of a table holding those of ``inside``.
    """
    if codes is None:
        return inside
    rows = np.flatnonzero(inside)
    _, first = np.unique(codes[rows], return_index=True)
    keep = np.zeros(len(inside), dtype=bool)
    keep[rows[first]] = True
    return keep


def _spread_of(counts: TermCounts, sizes: np.ndarray, rows: np.ndarray, cols: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
    """Return ``n_docs`` and DP of some terms in the documents of one group.

    The operations of :func:`analysis.stats.dispersion.dispersion` on those
    documents (``rows``: a repost once; ``sizes``: every document's tokens),
    restricted to the columns asked for, in the same order: the same floats.
    ``n_docs`` is 0 and DP NaN where no document holds the term.
    """
    sub = counts.matrix[rows][:, cols].tocsc()
    sub.sort_indices()
    n_docs = np.diff(sub.indptr).astype(np.int64)
    dp = np.full(len(cols), np.nan)
    held = np.flatnonzero(n_docs)
    if len(held):
        share = sizes[rows] / sizes[rows].sum()  # s_i within the group
        value = sub.data.astype(float)
        starts = sub.indptr[:-1][held]
        v = value / np.repeat(np.add.reduceat(value, starts), n_docs[held])
        s = share[sub.indices]
        dp[held] = np.clip(0.5 * (1 + np.add.reduceat(np.abs(v - s) - s, starts)), 0.0, 1.0)
    return n_docs, dp


def _alias_names(used: pd.DataFrame, counts: TermCounts, aliases: pd.DataFrame | None, *,
                 group_col: str, id_col: str) -> set[str]:
    """Return the names that flag a term as an alias, as keyness finds them for ``used``."""
    if aliases is None:
        counted = counts_of(used, counts, id_col=id_col, func="explorer_data")
        aliases = group_aliases(used, counted, group_col=group_col, id_col=id_col)
    return set(aliases["alias"].astype(str))


def _views(used: pd.DataFrame, counts: TermCounts, groups: list, *, group_col: str,
           id_col: str, clusters: pd.Series | None, aliases: pd.DataFrame | None,
           min_freq: int, alpha: float, max_terms: int
           ) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Return the points of every view, and ``n_docs``, ``dp`` and ``alias`` of their terms.

    A group against the rest is its rows of ``keyness(used)``; a pair
    ``(A, B)`` is the rows of ``keyness(part, reference=B)`` on the documents
    of the compared groups up to ``B`` (so a repost counts in ``n_docs`` and
    ``dp`` under the first group of that part serving it). Both are computed
    here as keyness computes them, without its call for every part: the
    pooled counts once, each comparison with keyness's own test, and
    ``n_docs``, ``dp`` and ``alias`` (:func:`_spread_of`, the names of
    :func:`_alias_names`) only for the terms shown, not for the vocabulary of
    every group of every part. The second value holds them for each compared
    group (rows) against the rest and each shown term (columns, sorted).
    """
    options = {"group_col": group_col, "id_col": id_col, "min_freq": min_freq, "alpha": alpha,
               "clusters": clusters, "aliases": aliases}
    pooled = counts.pool(used[group_col].to_numpy(), name=group_col)
    units, matrix = pooled.units, pooled.matrix
    has_tokens = pooled.totals() > 0
    unit_of = units.get_indexer(pd.Index(groups, dtype=object))
    rank = pd.Categorical(used[group_col], categories=groups).codes
    row_unit = np.where(rank >= 0, unit_of[rank], -1)
    sizes = counts.totals().astype(float)
    reposts = None if clusters is None else repost_codes(used[id_col], clusters)
    # the terms as their columns: the vocabulary is in code-point order (as
    # TermCounts.positions assumes), so ties between terms break as in keyness
    codes = np.arange(len(counts.vocabulary))

    def view(target: int, reference: int | None, b: np.ndarray, keep: np.ndarray,
             names: set[str]) -> pd.DataFrame | None:
        frame = compare_counts(matrix[target].toarray().ravel(), b, codes, min_freq=min_freq,
                               measure="g2", alpha=alpha, correction="fdr_bh")
        if frame.empty:
            return None
        out = _shown(frame, max_terms)
        out.insert(0, "reference", [REST if reference is None else units[reference]] * len(out))
        out.insert(0, group_col, units.take(np.zeros(len(out), dtype=np.int64) + target))
        cols = out["term"].to_numpy()
        n_docs, dp = _spread_of(counts, sizes, np.flatnonzero(keep & (row_unit == target)), cols)
        terms = pd.Series(counts.vocabulary[cols], dtype=object)
        return out.assign(term=terms.to_numpy(), n_docs=n_docs, dp=dp,
                          alias=terms.astype(str).isin(names).to_numpy())

    views = []
    with warnings.catch_warnings():  # a pair with no term tested is simply empty
        warnings.simplefilter("ignore", UserWarning)
        if has_tokens.sum() < 2 or group_col in KEYNESS_COLUMNS:
            keyness(used, counts, **options)  # raises, saying why
        keep_all = _first_copies(reposts, np.ones(len(used), dtype=bool))
        names_all = _alias_names(used, counts, aliases, group_col=group_col, id_col=id_col)
        total = np.asarray(matrix.sum(axis=0)).ravel()
        for t in sorted(t for t in unit_of if has_tokens[t]):
            a = matrix[t].toarray().ravel()
            views.append(view(t, None, total - a, keep_all, names_all))
        for i, label in enumerate(groups[1:], 1):
            inside = used[group_col].isin(groups[:i + 1]).to_numpy()
            ref = unit_of[i]
            targets = sorted(t for t in unit_of[:i] if has_tokens[t])
            if not has_tokens[ref] or not targets:  # keyness says why they cannot be compared
                frame = keyness(used[inside], counts, reference=label, **options)
                views += [_shown(v, max_terms) for _, v in
                          frame.groupby([group_col, "reference"], sort=True)]
                continue
            keep = _first_copies(reposts, inside)
            names = names_all if aliases is not None else _alias_names(  # found in the part
                used[inside], counts, None, group_col=group_col, id_col=id_col)
            b = matrix[ref].toarray().ravel()
            views += [view(t, ref, b, keep, names) for t in targets]
    points = pd.concat([v for v in views if v is not None], ignore_index=True)
    cols = [group_col, "reference", "term", "freq_target", "freq_reference", "total_target",
            "total_reference", "rate_target_per_10k", "rate_reference_per_10k", "g2",
            "log_ratio", "p_value", "q_value", "direction", "significant", "n_docs", "dp",
            "alias", "shown_as"]
    points = points[cols].reset_index(drop=True)
    terms = np.array(sorted(set(points["term"])), dtype=object)
    at = counts.positions(terms)
    spread = {"n_docs": np.zeros((len(groups), len(terms)), dtype=np.int64),
              "dp": np.full((len(groups), len(terms)), np.nan),
              "alias": np.zeros((len(groups), len(terms)), dtype=bool)}
    alias = pd.Series(terms).astype(str).isin(names_all).to_numpy()
    for k, t in enumerate(unit_of):
        if has_tokens[t]:  # a group without tokens is in no keyness table
            spread["n_docs"][k], spread["dp"][k] = _spread_of(
                counts, sizes, np.flatnonzero(keep_all & (row_unit == t)), at)
            spread["alias"][k] = alias
    return points, spread


def _term_table(terms: np.ndarray, used: pd.DataFrame, counts: TermCounts, groups: list,
                spread: dict[str, np.ndarray], group_col: str) -> pd.DataFrame:
    """Return each shown term's count, documents (reposts once) and DP in each compared group."""
    cols = counts.positions(terms)
    pooled = counts.pool(used[group_col].to_numpy())
    where = pooled.units.get_indexer(pd.Index(groups, dtype=object))
    matrix = pooled.matrix[where][:, cols].toarray()
    table = pd.DataFrame({group_col: np.repeat(np.asarray(groups, dtype=object), len(terms)),
                          "term": np.tile(terms, len(groups)), "count": matrix.ravel()})
    table["total"] = np.tile(np.asarray(counts.matrix[:, cols].sum(axis=0)).ravel()
                             .astype(np.int64), len(groups))
    for name in ("n_docs", "dp", "alias"):
        table[name] = spread[name].ravel()
    return table


def _pooled_timeline(used: pd.DataFrame, counts: TermCounts, terms: np.ndarray, *,
                     group_col: str, freq: str, groups: list
                     ) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """Count the terms per group and period as keyword_timeline does, on pooled documents.

    keyword_timeline, called on one pooled document per (group, period) for
    500 terms at a time, gives every (group, term, period) of the grid; here
    the same counts, token totals and rates (``count / n_tokens * 10000``, the
    same operations) come from the pooled matrix's non-zero cells, in the
    order the calls gave them (by 500 terms, then group, term and period);
    tests/test_explorer.py compares them with keyword_timeline.
    """
    dated = used[used["date"].notna().to_numpy() & used[group_col].isin(groups).to_numpy()]
    if dated.empty:
        empty = pd.DataFrame({group_col: [], "term": [], "period": [], "count": [], "rate": []})
        return empty, pd.DataFrame({group_col: [], "period": [], "n_docs": [], "n_tokens": []}), \
            freq
    dates = pd.to_datetime(dated["date"])
    lo, hi = dates.min(), dates.max()
    freq = choose_freq(pd.Series([lo, hi])) if freq == "auto" else freq
    alias, start_alias = FREQS[freq]
    period = dates.dt.to_period(alias).dt.start_time
    keys = dated[group_col].astype(str).to_numpy() + "\x1f" + period.dt.strftime("%Y-%m-%d")
    pooled = counts.take(dated.index.to_numpy()).pool(keys)
    first = pd.DataFrame({"key": keys, "date": dates.to_numpy(),
                          "group": dated[group_col].to_numpy()}).groupby("key", sort=True).agg(
        date=("date", "min"), group=("group", "first"))
    pooled = pooled.align(pd.DataFrame({"doc_id": first.index.to_numpy()}))
    starts = pd.date_range(pd.Period(as_date(lo, param="date_from"), alias).start_time,
                           pd.Period(as_date(hi, param="date_to"), alias).start_time,
                           freq=start_alias)
    labels = pd.Index(sorted(first["group"].unique()))
    g = labels.get_indexer(first["group"].to_numpy())  # each pooled document's bin
    p = starts.get_indexer(pd.to_datetime(first["date"]).dt.to_period(alias).dt.start_time)
    n_tokens = np.zeros((len(labels), len(starts)), dtype=np.int64)
    np.add.at(n_tokens, (g, p), pooled.totals())
    n_docs = np.zeros_like(n_tokens)
    np.add.at(n_docs, (labels.get_indexer(dated[group_col].to_numpy()),
                       starts.get_indexer(period)), 1)
    hits = pooled.matrix[:, counts.positions(terms)].tocoo()
    row, col, count = hits.row, hits.col.astype(np.int64), hits.data.astype(np.int64)
    found = count > 0
    row, col, count = row[found], col[found], count[found]
    order = np.argsort((((col // 500) * len(labels) + g[row]) * len(terms) + col) * len(starts)
                       + p[row])  # as keyword_timeline gave them, 500 terms a call
    row, col, count = row[order], col[order], count[order]
    table = pd.DataFrame({group_col: labels.take(g[row]), "term": pd.Index(list(terms)).take(col),
                          "period": starts.take(p[row]), "count": count,
                          "rate": count / n_tokens[g[row], p[row]].astype(float) * _PER})
    cells = pd.MultiIndex.from_product([labels, starts])
    bins = pd.DataFrame({group_col: cells.get_level_values(0), "period": cells.get_level_values(1),
                         "n_docs": n_docs.ravel(), "n_tokens": n_tokens.ravel()})
    return table, bins, freq


def _allot(rates: np.ndarray, available: np.ndarray, ranked: np.ndarray, budget: int,
           overall: float) -> np.ndarray:
    """Share ``budget`` lines: half to the groups over-using the term, half to the others.

    ``ranked`` lists the groups by rate, the highest first (ties by label).
    Within each half the groups take one line each in rounds, in that order;
    lines one half cannot use go to the other.
    """
    over = [g for g in ranked if rates[g] > overall and available[g]]
    rest = [g for g in ranked if rates[g] <= overall and available[g]]
    got = np.zeros(len(rates), dtype=np.int64)

    def give(groups: list[int], n: int) -> int:
        while n > 0:
            gave = 0
            for g in groups:
                if n > gave and got[g] < available[g]:
                    got[g] += 1
                    gave += 1
            if not gave:
                break
            n -= gave
        return n

    left = give(over, (budget + 1) // 2)
    left = give(rest, budget // 2 + left)
    give(over, left)
    return got


def _spread(n: int, m: int) -> np.ndarray:
    """Return ``m`` positions spread evenly over ``0 .. n-1`` (all when ``m >= n``)."""
    if m >= n:
        return np.arange(n)
    return np.unique(np.round(np.linspace(0, n - 1, m)).astype(np.int64))


def _choose_documents(used: pd.DataFrame, counts: TermCounts, terms: np.ndarray, groups: list,
                      *, group_col: str, id_col: str, cluster: np.ndarray,
                      max_lines: int) -> list[tuple[int, np.ndarray]]:
    """Return, per term, the rows (of ``used``) whose first occurrence is shown.

    A term's candidates in a group are its documents there, a repost once
    (the first copy, by date then id); the rates and candidates of every
    (term, group) are found at once from the hits, and only the sharing of
    the lines (:func:`_allot`, at most ``max_lines`` a term) runs per term.
    """
    codes = pd.Categorical(used[group_col], categories=groups).codes.astype(np.int64)
    dates = pd.to_datetime(used["date"]) if "date" in used else pd.Series(pd.NaT, index=used.index)
    day = dates.to_numpy(dtype="datetime64[ns]").astype(np.int64)
    day = np.where(dates.isna().to_numpy(), np.iinfo(np.int64).max, day)
    ids = used[id_col].astype(str).to_numpy()
    order = np.lexsort((ids, day, codes))
    order = order[codes[order] >= 0]
    sub = counts.matrix[order][:, counts.positions(terms)].tocsc()
    sub.sort_indices()
    sorted_codes = codes[order]
    bounds = np.searchsorted(sorted_codes, np.arange(len(groups) + 1))
    tokens = np.asarray(counts.matrix[order].sum(axis=1)).ravel()
    group_tokens = np.add.reduceat(tokens, bounds[:-1]) if len(order) else np.zeros(len(groups))
    group_tokens = np.where(np.diff(bounds) > 0, group_tokens, 0)
    n_terms, n_groups = len(terms), len(groups)
    # every hit, by term then row of ``order`` (so by group); cell = (term, group)
    rows = sub.indices.astype(np.int64)
    cell = np.repeat(np.arange(n_terms, dtype=np.int64), np.diff(sub.indptr)) * n_groups \
        + sorted_codes[rows]
    hits = np.bincount(cell, weights=sub.data, minlength=n_terms * n_groups).astype(np.int64)
    rates = hits.reshape(n_terms, n_groups) / np.maximum(group_tokens, 1)
    overall = np.asarray(sub.sum(axis=0)).ravel().astype(np.int64) / max(group_tokens.sum(), 1)
    ranked = np.argsort(-rates, axis=1, kind="stable")  # groups are in label order
    # a term's candidates in a group: the first hit of each cluster, in row order
    repost = cluster[order[rows]]
    shared = np.bincount(cluster)[repost] > 1  # a document alone is always first
    first = np.ones(len(rows), dtype=bool)
    copies = np.flatnonzero(shared)
    _, head = np.unique(cell[copies] * (int(cluster.max(initial=0)) + 1) + repost[copies],
                        return_index=True)
    first[copies] = False
    first[copies[head]] = True
    reps, rep_cluster, rep_shared = rows[first], repost[first], shared[first]
    available = np.bincount(cell[first], minlength=n_terms * n_groups)
    begin = (np.cumsum(available) - available).reshape(n_terms, n_groups)
    available = available.reshape(n_terms, n_groups)
    spreads: dict[tuple[int, int], np.ndarray] = {}
    chosen = []
    for j in range(n_terms):
        got = _allot(rates[j], available[j], ranked[j], max_lines, overall[j])
        picked, seen = [], set()  # the reposts shown, each once
        for g in ranked[j][got[ranked[j]] > 0].tolist():
            lo = begin[j, g]
            block = np.arange(lo, lo + available[j, g])
            if seen:
                block = block[[c not in seen for c in rep_cluster[block].tolist()]]
            m = int(got[g])
            if (len(block), m) not in spreads:
                spreads[len(block), m] = _spread(len(block), m)
            take = block[spreads[len(block), m]]
            picked.append(reps[take])
            seen.update(rep_cluster[take[rep_shared[take]]].tolist())
        chosen.append((j, order[np.concatenate(picked)] if picked else np.zeros(0, np.int64)))
    return chosen


def _first_occurrence(text: str, term: str, window: int, *, any_case: bool | None = None
                      ) -> tuple[str, str, str, int] | None:
    """Return (left, match, right, offset) of a term's first occurrence, as kwic writes them.

    ``any_case`` (whether the term holds an ASCII letter) may be given by a
    caller that looks for the same term in many texts.
    """
    if _ASCII_LETTER.search(term) if any_case is None else any_case:
        # tokens are lower-cased: find the term in any case
        found = re.search(re.escape(term), text, flags=re.IGNORECASE)
        if found is None:
            return None
        start, end = found.span()
    else:
        start = text.find(term)
        if start < 0:
            return None
        end = start + len(term)
    lo = max(0, start - window)
    seen = text[lo:end + window].translate(_FLAT)  # one character for one: the cuts hold
    return seen[:start - lo], seen[start - lo:end - lo], seen[end - lo:], start


def _lines(used: pd.DataFrame, chosen: list[tuple[int, np.ndarray]], terms: np.ndarray, *,
           group_col: str, id_col: str, window: int, cluster: np.ndarray) -> pd.DataFrame:
    """Return the first occurrence of each term in each chosen document.

    The same line as the first one :func:`analysis.stats.kwic.kwic` gives for
    the document (tests/test_explorer.py compares them); found here directly
    because calling kwic for each of 10,000 terms costs two minutes of pandas.
    """
    texts = used["text"].to_numpy()
    found = []
    for j, rows in chosen:
        term = str(terms[j])
        any_case = _ASCII_LETTER.search(term) is not None
        for row in rows.tolist():
            text = texts[row]
            hit = _first_occurrence(text, term, window, any_case=any_case) \
                if isinstance(text, str) else None
            if hit is not None:  # a token the text writes otherwise has no line
                found.append((term, row, *hit))
    columns = ["term", group_col, id_col, "left", "match", "right", "offset", "cluster"]
    if not found:
        return pd.DataFrame({c: [] for c in columns})
    term, row, left, match, right, offset = (list(x) for x in zip(*found))
    row = np.asarray(row, dtype=np.int64)
    lines = pd.DataFrame({"term": term, group_col: used[group_col].to_numpy()[row],
                          id_col: used[id_col].to_numpy()[row], "left": left, "match": match,
                          "right": right, "offset": np.asarray(offset, dtype=np.int64),
                          "cluster": cluster[row]})
    return lines[columns]


def _clusters(used: pd.DataFrame, clusters: pd.Series | None, id_col: str) -> np.ndarray:
    """Return a cluster code per document: reposts share one, every other document its own."""
    if clusters is None:
        return np.arange(len(used), dtype=np.int64)
    labels = pd.Series(clusters).reindex(used[id_col].to_numpy())
    codes = pd.factorize(labels.astype("string").fillna(pd.NA), use_na_sentinel=True)[0]
    alone = codes < 0
    codes = codes.astype(np.int64)
    codes[alone] = codes.max(initial=-1) + 1 + np.arange(int(alone.sum()))
    return codes


def _documents(used: pd.DataFrame, lines: pd.DataFrame, cluster: np.ndarray, *,
               group_col: str, id_col: str) -> pd.DataFrame:
    """Return the documents of the lines and the copies listed under reposted ones."""
    size = np.bincount(cluster)
    frame = pd.DataFrame({"row": np.arange(len(used)), "cluster": cluster,
                          "date": pd.to_datetime(used["date"]).to_numpy()
                          if "date" in used else pd.NaT,
                          "doc_id": used[id_col].astype(str).to_numpy()})
    shown = pd.Index(used[id_col]).get_indexer(lines[id_col])
    folded = np.unique(cluster[shown][size[cluster[shown]] > 1])
    members = frame[np.isin(cluster, folded)].sort_values(["cluster", "date", "doc_id"],
                                                          na_position="last", kind="stable")
    members = members.groupby("cluster", sort=False).head(_MAX_FOLD + 1)
    rows = np.union1d(shown, members["row"].to_numpy())
    take = used.iloc[rows]
    out = pd.DataFrame({id_col: take[id_col].to_numpy(), group_col: take[group_col].to_numpy()})
    for col in ("date", "title", "url"):
        out[col] = take[col].to_numpy() if col in take else None
    out["cluster"] = cluster[rows]
    out["copies"] = size[cluster[rows]]
    return out


def explorer_data(
    docs: pd.DataFrame,
    counts: TermCounts | None = None,
    *,
    group_col: str = "institution",
    tokens_col: str = "tokens",
    id_col: str = "doc_id",
    clusters: pd.Series | None = None,
    aliases: pd.DataFrame | None = None,
    min_freq: int = 5,
    alpha: float = 0.05,
    max_terms: int = 2000,
    max_groups: int = 15,
    max_lines: int = 10,
    window: int = 15,
    freq: str = "auto",
) -> dict[str, pd.DataFrame]:
    """Compute what the term explorer shows: views, terms, concordance lines and timelines.

    Parameters
    ----------
    docs : pandas.DataFrame
        One row per document, with ``text``, the group column and, for lines
        and timelines, ``date`` (``title`` and ``url`` are shown when present).
    counts : TermCounts, optional
        The documents' term counts (a superset is fine); default: count ``tokens_col``.
    group_col : str, default 'institution'
        The column whose values are compared; rows with NA there are left out.
    tokens_col, id_col : str, default 'tokens' and 'doc_id'
        Column names (``tokens_col`` is only read without ``counts``).
    clusters : pandas.Series, optional
        Near-duplicate cluster of each document, by id (``study.clusters``): a
        reposted notice gives one line, with its copies listed, and counts once
        in ``n_docs`` and ``dp``. Default: every document alone.
    aliases : pandas.DataFrame, optional
        The groups' names (``study.aliases``); default: found from the corpus.
    min_freq : int, default 5
        Test a term when it occurs this often in the two sides together.
    alpha : float, default 0.05
        ``significant`` is ``q_value < alpha`` (Benjamini-Hochberg).
    max_terms : int, default 2000
        Terms per view: the ``max_terms // 2`` most frequent, then the
        largest G2 (see the module notes).
    max_groups : int, default 15
        Compare the largest groups (by documents), each against the rest and
        each pair; the rest of a view still pools every other group.
    max_lines : int, default 10
        Concordance lines per term: half to the groups over-using it, half to
        the others (see the module notes).
    window : int, default 15
        Characters of context on each side of a line.
    freq : {'auto', 'D', 'W', 'M', 'Q', 'Y'}, default 'auto'
        The timeline's bin, chosen as notebook 04 chooses it.

    Returns
    -------
    dict of pandas.DataFrame
        ``groups`` (group, ``n_docs``, ``n_tokens``), ``points`` (one row per
        view and term shown: the keyness columns, ``shown_as``), ``terms``
        (each shown term's ``count``, ``n_docs``, ``dp`` and ``alias`` per
        compared group, ``total`` in all groups), ``lines`` (term, group, document, ``left``,
        ``match``, ``right``, ``offset``, ``cluster``), ``docs`` (the
        documents of the lines and the copies of reposted ones: date, title,
        url, ``cluster``, ``copies``), ``timeline`` (group, term, period,
        ``count``, ``rate``; rows with a count only) and ``bins`` (group,
        period, ``n_docs``, ``n_tokens``: every bin). Each table's ``attrs``
        hold the settings and ``group_col``.

    Raises
    ------
    AnalysisError
        For an invalid option or column, or fewer than two groups with tokens.
    """
    func = "explorer_data"
    _check_options(min_freq, alpha, max_terms, max_groups, max_lines, window, freq)
    check_column(docs, group_col, param="group_col", func=func)
    check_column(docs, "text", param="docs", func=func)
    check_column(docs, id_col, param="id_col", func=func)
    used = docs[docs[group_col].notna().to_numpy()].reset_index(drop=True)
    counts = counts_of(used, counts, tokens_col=tokens_col, id_col=id_col, func=func)
    groups = _compared(used, group_col, max_groups)
    points, spread = _views(used, counts, groups, group_col=group_col, id_col=id_col,
                            clusters=clusters, aliases=aliases, min_freq=min_freq, alpha=alpha,
                            max_terms=max_terms)
    terms = np.array(sorted(set(points["term"])), dtype=object)
    term_table = _term_table(terms, used, counts, groups, spread, group_col)
    if "date" not in used:
        used = used.assign(date=pd.NaT)
    timeline, bins, freq_used = _pooled_timeline(used, counts, terms, group_col=group_col,
                                                 freq=freq, groups=groups)
    cluster = _clusters(used, clusters, id_col)
    chosen = _choose_documents(used, counts, terms, groups, group_col=group_col, id_col=id_col,
                               cluster=cluster, max_lines=max_lines)
    lines = _lines(used, chosen, terms, group_col=group_col, id_col=id_col, window=window,
                   cluster=cluster)
    documents = _documents(used, lines, cluster, group_col=group_col, id_col=id_col)
    sizes = used.groupby(group_col, sort=False).size()
    tokens = pd.Series(counts.totals(), index=used.index).groupby(
        used[group_col].to_numpy(), sort=False).sum()
    group_table = pd.DataFrame({group_col: groups, "n_docs": sizes.reindex(groups).to_numpy(),
                                "n_tokens": tokens.reindex(groups).to_numpy()})
    settings = {"group_col": group_col, "id_col": id_col, "min_freq": min_freq, "alpha": alpha,
                "max_terms": max_terms, "max_groups": max_groups, "max_lines": max_lines,
                "window": window, "freq": freq_used, "n_docs": len(used),
                "n_groups": int(used[group_col].nunique()),
                "reposts_folded": clusters is not None,
                "measure": "g2", "correction": "fdr_bh"}  # keyness's defaults
    out = {"groups": group_table, "points": points, "terms": term_table, "lines": lines,
           "docs": documents, "timeline": timeline, "bins": bins}
    for table in out.values():
        table.attrs = dict(settings)
    return out


# -- the page -----------------------------------------------------------------

def _round(values: Any, digits: int) -> list:
    """Round floats for the page (NaN and infinities become None)."""
    arr = np.asarray(values, dtype=float)
    out = np.round(arr, digits)
    return [None if not np.isfinite(v) else (int(v) if digits == 0 else float(v)) for v in out]


def _significant3(values: Any) -> list:
    """Write q-values with 3 significant digits (0 stays 0)."""
    return [None if not np.isfinite(v) else float(f"{v:.3g}") for v in
            np.asarray(values, dtype=float)]


def _date_text(values: Any) -> list[str]:
    dates = pd.to_datetime(pd.Series(values), errors="coerce")
    return ["" if pd.isna(d) else f"{d:%Y-%m-%d}" for d in dates]


def _text(values: Any) -> list[str]:
    return ["" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v) for v in values]


def _safe_url(value: str) -> str:
    """Keep a link only when it is a plain http(s) URL (no ``javascript:``)."""
    value = value.strip()
    return value if _URL.fullmatch(value) else ""


def _payload(data: Mapping[str, pd.DataFrame]) -> dict[str, Any]:
    """Turn the tables of :func:`explorer_data` into the page's compact, columnar JSON."""
    missing = [k for k in EXPLORER_TABLES if k not in data]
    if missing:
        raise AnalysisError(f"The 'data' parameter of explorer_html must be the dict "
                            f"explorer_data returns; it lacks {missing}.")
    settings = dict(data["points"].attrs)
    group_col = settings.get("group_col", "institution")
    groups_table = data["groups"]
    groups = groups_table[group_col].tolist()
    gindex = {g: i for i, g in enumerate(groups)}
    terms_table = data["terms"]
    terms = sorted(set(terms_table["term"].astype(str)))
    tindex = {t: i for i, t in enumerate(terms)}
    n_t, n_g = len(terms), len(groups)

    def grid(column: str, fill: float) -> np.ndarray:
        out = np.full((n_t, n_g), fill, dtype=float)
        rows = terms_table["term"].map(tindex).to_numpy()
        cols = terms_table[group_col].map(gindex).to_numpy()
        out[rows, cols] = terms_table[column].to_numpy(dtype=float)
        return out

    first = terms_table.drop_duplicates("term").set_index("term")
    total = first["total"].reindex(terms).to_numpy(dtype=np.int64)
    alias = [tindex[t] for t in terms if bool(first.at[t, "alias"])]
    dp = grid("dp", np.nan)
    views = []
    points = data["points"]
    for (target, ref), view in points.groupby([group_col, "reference"], sort=False):
        idx = view["term"].map(tindex).to_numpy()
        order = np.argsort(idx, kind="stable")
        view, idx = view.iloc[order], idx[order]
        views.append({
            "t": gindex[target], "r": -1 if ref == REST else gindex[ref],
            "c": int(view["total_target"].iloc[0]), "d": int(view["total_reference"].iloc[0]),
            "i": np.diff(idx, prepend=0).tolist(),
            "g2": _round(view["g2"], 1), "lr": _round(view["log_ratio"], 2),
            "q": _significant3(view["q_value"]),
            "s": view["significant"].to_numpy(dtype=np.int8).tolist(),
            "f": (view["shown_as"] == "frequent").to_numpy(dtype=np.int8).tolist()})
    bins = data["bins"]
    periods = sorted(set(pd.to_datetime(bins["period"])))
    pindex = {p: i for i, p in enumerate(periods)}
    bin_tokens = np.zeros((n_g, len(periods)), dtype=np.int64)
    bin_docs = np.zeros((n_g, len(periods)), dtype=np.int64)
    if len(bins):
        r = bins[group_col].map(gindex).to_numpy()
        c = pd.to_datetime(bins["period"]).map(pindex).to_numpy()
        bin_tokens[r, c] = bins["n_tokens"].to_numpy()
        bin_docs[r, c] = bins["n_docs"].to_numpy()
    series: list[list] = [[] for _ in terms]
    timeline = data["timeline"]
    if len(timeline):
        tl = pd.DataFrame({"t": timeline["term"].map(tindex).to_numpy(),
                           "g": timeline[group_col].map(gindex).to_numpy(),
                           "p": pd.to_datetime(timeline["period"]).map(pindex).to_numpy(),
                           "n": timeline["count"].to_numpy(dtype=np.int64)})
        for (t, g), part in tl.groupby(["t", "g"], sort=True):
            dense = np.zeros(len(periods), dtype=np.int64)
            dense[part["p"].to_numpy()] = part["n"].to_numpy()
            series[t].append([int(g), *dense.tolist()])
    docs = data["docs"]
    id_col = settings.get("id_col", "doc_id")
    docs = docs.assign(_date=pd.to_datetime(docs["date"], errors="coerce")).sort_values(
        ["_date", id_col], na_position="last", kind="stable").reset_index(drop=True)
    dindex = {d: i for i, d in enumerate(docs[id_col].astype(str))}
    doc_groups = [str(g) for g in groups] + sorted(
        {str(g) for g in docs[group_col] if g not in gindex})
    dgindex = {g: i for i, g in enumerate(doc_groups)}
    cluster_codes, _ = pd.factorize(docs["cluster"], sort=True)
    folds: dict[str, list[int]] = {}
    for code, size, i in zip(cluster_codes, docs["copies"].to_numpy(), range(len(docs))):
        if size > 1:
            folds.setdefault(str(code), []).append(i)
    lines: list[list] = [[] for _ in terms]
    line_table = data["lines"]
    for term, doc_id, left, match, right in zip(
            line_table["term"].astype(str), line_table[id_col].astype(str),
            _text(line_table["left"]), _text(line_table["match"]), _text(line_table["right"])):
        lines[tindex[term]].extend([dindex[doc_id], left, "" if match == term else match, right])
    return {
        "groups": [str(g) for g in groups],
        "groupDocs": groups_table["n_docs"].astype(int).tolist(),
        "groupTokens": groups_table["n_tokens"].astype(int).tolist(),
        "terms": terms, "total": total.tolist(),
        "count": grid("count", 0).astype(np.int64).ravel().tolist(),
        "ndocs": grid("n_docs", 0).astype(np.int64).ravel().tolist(),
        "dp": [None if not np.isfinite(v) else round(v * 1000) for v in dp.ravel()],
        "alias": alias, "views": views,
        "periods": [f"{p:%Y-%m-%d}" for p in periods],
        "binTokens": bin_tokens.ravel().tolist(), "binDocs": bin_docs.ravel().tolist(),
        "series": series,
        "docGroups": doc_groups,
        "docs": {"id": docs[id_col].astype(str).tolist(),
                 "g": [dgindex[str(g)] for g in docs[group_col]],
                 "date": _date_text(docs["date"]), "title": _text(docs["title"]),
                 "url": [_safe_url(u) for u in _text(docs["url"])],
                 "cl": cluster_codes.tolist(), "copies": docs["copies"].astype(int).tolist()},
        "folds": folds, "lines": lines,
    }


def _script_json(value: Any) -> str:
    """Write JSON that is safe inside a ``<script>`` element: no ``<``, ``>`` or ``&``."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      allow_nan=False)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _font_face(chars: set[str], font_path: str | os.PathLike | None) -> tuple[str, dict]:
    """Subset the CJK font to the page's characters; return the @font-face rule and a record."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    path = Path(font_path) if font_path is not None else cjk_font_path()
    font = TTFont(path, recalcTimestamp=False, recalcBBoxes=True)
    cmap = font.getBestCmap()
    wanted = sorted(ord(c) for c in chars if ord(c) in cmap)
    options = subset.Options()
    options.flavor = "woff"
    options.hinting = False
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.name_legacy = True
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=wanted)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        subsetter.subset(font)
    font.flavor = "woff"
    buffer = io.BytesIO()
    font.save(buffer, reorderTables=True)
    blob = buffer.getvalue()
    rule = ('@font-face{font-family:"Explorer Noto Sans SC";font-style:normal;font-weight:400;'
            f'src:url(data:font/woff;base64,{base64.b64encode(blob).decode("ascii")}) '
            'format("woff");}')
    licence = path.parent / "OFL.txt"
    record = {"file": path.name, "glyphs": len(wanted), "woff_bytes": len(blob),
              "sha256": hashlib.sha256(blob).hexdigest(),
              "licence": licence.read_text(encoding="utf-8") if licence.is_file() else
              "SIL Open Font License 1.1 (https://openfontlicense.org)"}
    return rule, record


def _asset(name: str) -> str:
    return (ASSETS / name).read_text(encoding="utf-8")


def explorer_html(
    data: Mapping[str, pd.DataFrame],
    *,
    title: str | None = None,
    corpus: Mapping[str, Any] | None = None,
    params: Mapping[str, Any] | None = None,
    font_path: str | os.PathLike | None = None,
) -> str:
    """Write the term explorer as one self-contained HTML page.

    Parameters
    ----------
    data : dict of pandas.DataFrame
        What :func:`explorer_data` returns.
    title : str, optional
        The page's heading; default "Term explorer: <group column>".
    corpus : dict, optional
        The corpus fingerprint (``study.fingerprint``), shown in the page.
    params : mapping, optional
        The parameters that made it, shown in the page.
    font_path : path-like, optional
        The CJK font to subset and embed; default :func:`~analysis.figures.fonts.cjk_font_path`.

    Returns
    -------
    str
        The page: HTML with its CSS, JavaScript, data and font inside; no
        request leaves it. The same inputs give the same text.
    """
    bulk = _payload(data)
    settings = dict(data["points"].attrs)
    group_col = str(settings.get("group_col", "institution"))
    title = title if title is not None else f"Term explorer: {group_col}"
    if not isinstance(title, str):
        raise AnalysisError(f"The 'title' parameter of explorer_html must be a string; "
                            f"got {type(title).__name__}.")
    bulk_text = json.dumps(bulk, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                           allow_nan=False)
    meta = {"title": title, "settings": portable(settings),
            "corpus": portable(dict(corpus or {})), "params": portable(_recorded(params)),
            "versions": package_versions()}
    script, style = _asset("explorer.js"), _asset("explorer.css")
    chars = set(bulk_text) | set(json.dumps(meta, ensure_ascii=False)) | set(script) | \
        set(style) | set(title)
    face, font = _font_face({c for c in chars if c >= " "}, font_path)
    meta["font"] = font
    packed = base64.b64encode(zlib.compress(bulk_text.encode("utf-8"), 9)).decode("ascii")
    csp = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
           "font-src data:; img-src data:; base-uri 'none'; form-action 'none'")
    return "".join([
        "<!DOCTYPE html>\n<html lang=\"zh-Hans\">\n<head>\n<meta charset=\"utf-8\">\n",
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">\n',
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
        f"<title>{html.escape(title)}</title>\n<style>\n", face, "\n", style, "</style>\n",
        "</head>\n<body>\n",
        '<div id="app"><p id="status">Loading the explorer…</p>',
        "<noscript>The explorer needs JavaScript.</noscript></div>\n",
        '<script type="application/json" id="explorer-meta">', _script_json(meta),
        "</script>\n",
        '<script type="application/octet-stream" id="explorer-data">', packed, "</script>\n",
        "<script>\n", script, "</script>\n</body>\n</html>\n",
    ])


# -- saving and showing -------------------------------------------------------

UNRECORDED_PARAMS = ("output_dir", "cache_dir", "formats", "engine", "scheduler")
"""Parameters that do not change the page: where it goes and how the work was done."""


def _recorded(params: Mapping[str, Any] | None) -> dict[str, Any]:
    return {k: v for k, v in dict(params or {}).items() if k not in UNRECORDED_PARAMS}


def save_explorer(
    page: str,
    name: str,
    *,
    data: pd.DataFrame | None = None,
    output_dir: str | os.PathLike | None = None,
    params: Mapping[str, Any] | None = None,
    corpus: Mapping[str, Any] | None = None,
    record_commit: bool | None = None,
    key: str | None = None,
) -> dict[str, Any]:
    """Write the explorer page (and the points it shows as CSV) with a manifest entry.

    Parameters
    ----------
    page : str
        What :func:`explorer_html` returned.
    name : str
        The file stem, e.g. ``"11_explorer"``; the manifest key.
    data : pandas.DataFrame, optional
        A table written beside it as ``name.csv`` (the ``points`` table).
    output_dir : path-like, optional
        Default: the project's ``figures/``.
    params : mapping, optional
        The parameters that made it (paths inside the project made relative;
        ``output_dir``, ``cache_dir``, ``formats``, ``engine`` and ``scheduler``
        left out: they do not change the page).
    corpus : dict, optional
        The corpus fingerprint (``study.fingerprint``).
    record_commit : bool, optional
        Record the git commit; default only when ``ANALYSIS_RECORD_COMMIT=1``.
    key : str, optional
        A digest of what made the page, recorded so that a rerun from the same
        inputs can keep it (:func:`analysis.figures.save.saved_entry`,
        :meth:`analysis.run.Study.explorer`).

    Returns
    -------
    dict
        The manifest entry: files and SHA-256, data, parameters, corpus,
        versions, as for a figure (:func:`analysis.figures.save.save_figure`).
    """
    func = "save_explorer"
    if not isinstance(page, str) or not page.startswith("<!DOCTYPE html>"):
        raise AnalysisError(f"The 'page' parameter of {func} must be the HTML text "
                            f"explorer_html returns; got {type(page).__name__}.")
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise AnalysisError(f"The 'name' parameter of {func} must be a file stem without "
                            f"folders, spaces or a leading dot, e.g. '11_explorer'; got {name!r}.")
    if data is not None and not isinstance(data, pd.DataFrame):
        raise AnalysisError(f"The 'data' parameter of {func} must be a pandas DataFrame or "
                            f"None; got {type(data).__name__}.")
    folder = Path(output_dir) if output_dir is not None else FIGURES_DIR
    folder.mkdir(parents=True, exist_ok=True)
    files = [f"{name}.html"]
    write_text(folder / files[0], page)
    if data is not None:
        text = data.to_csv(index=False, lineterminator="\n")
        write_text(folder / f"{name}.csv", text)
        files.append(f"{name}.csv")
    entry = {
        "kind": "page",
        "files": {f: file_sha256(folder / f) for f in files},
        "data": None if data is None else {"file": f"{name}.csv", "rows": len(data),
                                           "columns": [str(c) for c in data.columns]},
        "bytes": len(page.encode("utf-8")),
        "params": portable(_recorded(params)), "corpus": portable(dict(corpus or {})) or None,
        "versions": package_versions(),
        **git_state(record_commit),
        **({} if key is None else {"key": key}),
    }
    update_manifest(folder, name, entry)  # under the manifest's lock, as a figure's entry
    return entry


def show_explorer(page: str, *, height: int = 860, path: str | os.PathLike | None = None) -> Any:
    """Show the explorer inline (JupyterLab, Jupyter, VS Code): the page in a sandboxed iframe.

    Parameters
    ----------
    page : str
        What :func:`explorer_html` returned.
    height : int, default 860
        The frame's height in pixels.
    path : path-like, optional
        The saved file, named under the frame (the same page opens in any browser).

    Returns
    -------
    IPython.display.HTML
        Display it (the last expression of a cell is displayed).
    """
    from IPython.display import HTML

    check_number(height, param="height", func="show_explorer", low=200, integer=True)
    where = (f"the same page, offline in any browser: <code>{html.escape(str(path))}</code>"
             if path is not None else "the same page saved by save_explorer opens in any browser")
    return HTML(
        '<iframe class="analysis-explorer" title="Term explorer" '
        'sandbox="allow-scripts allow-popups allow-popups-to-escape-sandbox" '
        f'style="width:100%;height:{int(height)}px;border:1px solid #ccc" '
        f'srcdoc="{html.escape(page, quote=True)}"></iframe>'
        f'<p style="font-size:12px;color:#555">Term explorer: {where}. No explorer above? '
        "The notebook is not trusted (File ▸ Trust Notebook shows it).</p>")


def methods_text(record: dict, lang: str = "en") -> str:
    """Describe an :func:`explorer_data` run for the methods paragraph.

    Parameters
    ----------
    record : dict
        The options it ran with (``max_terms``, ``max_lines``, ``window``, ...).
    lang : {'en', 'zh'}, default 'en'

    Returns
    -------
    str
    """
    terms = int(record.get("max_terms", 2000))
    lines = int(record.get("max_lines", 10))
    window = int(record.get("window", 15))
    min_freq = int(record.get("min_freq", 5))
    alpha = record.get("alpha", 0.05)
    if lang == "zh":
        return (f"术语浏览页面（交互式 HTML）对每一比较（各组对其余组、两组之间）显示至多"
                f"{terms}个术语（两侧合计最常见的一半，其余按 G2 最大者；两侧合计出现不少于"
                f"{min_freq}次的术语参与检验），以对数比着色并标出 Benjamini-Hochberg 校正后"
                f" q < {alpha} 者；每个术语附至多{lines}条语境行（左右各{window}字，转载只示一次）"
                f"及各组各时期的每万词频率。")
    return (f"An interactive HTML term explorer shows, for each comparison (each group against "
            f"the rest and each pair of groups), up to {terms:,} terms (the most frequent half of "
            f"the two sides together, then those with the largest G2, among the terms tested: "
            f"{min_freq} occurrences or more in the two sides), coloured by log ratio with "
            f"those of Benjamini-Hochberg q < {alpha} marked, and for each term up to {lines} "
            f"concordance lines ({window} characters each side, a reposted notice once) and its "
            f"rate per 10,000 tokens per group and period.")
