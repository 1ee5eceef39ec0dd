"""Find which terms co-occur in sentences (or documents): a co-word network per group.

A co-word (co-occurrence) network, KH Coder's signature figure: terms are the
nodes, an edge joins two terms that share many sentences, and communities of
terms show the topics a group writes about together.

Decisions:

- **Units.** ``unit="sentence"`` (the default): two terms co-occur when one
  sentence holds both (sentences are the line breaks of the ``tokens``
  column, at 。！？； and line breaks; nothing is segmented again);
  ``unit="document"``: one document holds both. Presence counts, not
  frequencies: a sentence repeating a term counts once. A group's ``N`` is
  its units holding at least one token.
- **Nodes.** In each group, the ``max_terms`` (150) terms in the most units,
  among those in at least ``min_freq`` units (ties by term). The statistic
  is computed for every group; the figure draws the largest twelve.
- **Edge weights.** With ``n_a``, ``n_b`` the units holding each term and
  ``n_ab`` those holding both: ``jaccard`` = n_ab / (n_a + n_b - n_ab) (KH
  Coder's default); ``ochiai`` = n_ab / sqrt(n_a n_b) (the cosine of the
  presence vectors), kinder to pairs of a frequent and a rarer term;
  ``association`` = the log-likelihood G2 of the 2x2 presence table
  (:func:`analysis.stats.collocations.association_scores`), which grows with
  the evidence and so favours frequent pairs. All three are reported for
  every edge, with ``expected`` = n_a n_b / N and the Benjamini-Hochberg
  ``q_value`` of G2 over the pairs tested in the group.
- **Which edges (the rule).** A pair is eligible when ``n_ab >= min_freq``
  and ``n_ab > expected`` (positively associated); the network of a group is
  its ``top_n`` eligible pairs by the chosen weight (ties: more shared
  units, then the terms' code-point order), and its nodes are their ends.
- **Stability.** Documents are resampled with replacement within each group
  (``n_boot`` times, seeded by ``random_state``; reposts once), the weights
  recomputed on the same candidate terms (from each document's co-occurrence
  counts, so a resample costs one sparse product) and the same rule applied:
  ``stability`` is the share of resamples in which the edge is again among
  the ``top_n``. The figure draws an edge solid when its stability is at
  least 0.9. A group of fewer than 5 documents cannot be resampled
  meaningfully: its stabilities are NaN.
- **Communities.** Louvain modularity (Blondel et al. 2008;
  ``networkx.community.louvain_communities``, weighted, resolution 1, seeded
  by ``random_state``), numbered 1, 2, ... by size (ties by first term).
- **Reposts.** With ``clusters``, a group keeps the first document of each
  near-duplicate cluster.
- A group with no eligible pair has no network: it is named in a warning and
  in ``attrs["skipped"]`` with the reason; when no group has one, an error
  says which parameter to relax.
"""

from __future__ import annotations

import warnings
from typing import Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..core.errors import (
    AnalysisError,
    check_choice,
    check_column,
    check_number,
    format_list,
)
from .collocations import association_scores, encode_sentences, one_per_cluster
from .counts import TermCounts, counts_of
from .keyness import benjamini_hochberg, chi2_sf

__all__ = ["COWORD_COLUMNS", "MAX_TOP_N", "MEASURES", "UNITS", "cowords", "methods_text"]

UNITS = ("sentence", "document")
MEASURES = ("jaccard", "ochiai", "association")
MAX_TOP_N = 300
MIN_BOOT_DOCS = 5
FOLLOWED = 10  # resamples re-rank the 10 * top_n strongest eligible pairs
COWORD_COLUMNS = ("kind", "term", "source", "target", "n_units", "expected", "jaccard",
                  "ochiai", "g2", "q_value", "weight", "rank", "stability", "community",
                  "degree")


def _incidence(unit: np.ndarray, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the distinct (unit, term) pairs: which units hold which terms."""
    if not len(unit):
        return unit, codes
    v = int(codes.max()) + 1
    key = np.sort(unit * v + codes)  # a sort: hashing mostly distinct keys is far slower
    key = key[np.concatenate([[True], key[1:] != key[:-1]])]
    return key // v, key % v


def _pair_scores(n_ab: np.ndarray, n_a: np.ndarray, n_b: np.ndarray, n_units: float, *,
                 min_freq: int, measure: str) -> dict[str, np.ndarray]:
    """Score pairs of terms from the units holding both and each: weights and eligibility."""
    with np.errstate(divide="ignore", invalid="ignore"):
        jaccard = n_ab / (n_a + n_b - n_ab)
        ochiai = n_ab / np.sqrt(n_a * n_b)
    out = {"n_ab": n_ab, "jaccard": jaccard, "ochiai": ochiai,
           "expected": n_a * n_b / n_units}
    out["eligible"] = (n_ab >= min_freq) & (n_ab > out["expected"])
    if measure == "association":
        ones = np.ones(len(n_ab))
        out["association"] = association_scores(n_ab, n_a, n_b, np.full(len(n_ab), n_units),
                                                ones, ones)["g2"]
    return out


def _top(scored: dict[str, np.ndarray], measure: str, top_n: int, order_key: np.ndarray
         ) -> np.ndarray:
    """Return the positions of the top_n eligible pairs by weight, then n_ab, then terms."""
    pos = np.flatnonzero(scored["eligible"])
    ranked = np.lexsort((order_key[pos], -scored["n_ab"][pos], -scored[measure][pos]))
    return pos[ranked[:top_n]]


def _stability(x: sp.csr_matrix, unit_doc: np.ndarray, n_docs: int, pairs: np.ndarray,
               i: np.ndarray, j: np.ndarray, top: np.ndarray, order_key: np.ndarray, *,
               min_freq: int, measure: str, top_n: int, n_boot: int,
               rng: np.random.Generator) -> np.ndarray:
    """Share of document resamples in which each of ``top`` is again among the top_n.

    ``pairs`` are the pairs followed (the strongest eligible ones, ``top``
    among them); each document's counts of them, of each term and of units
    are summed once, so a resample is one product with its weights.
    """
    docs = sp.csr_matrix((np.ones(len(unit_doc)), (unit_doc, np.arange(len(unit_doc)))),
                         shape=(n_docs, len(unit_doc)))
    both = x[:, i[pairs]].multiply(x[:, j[pairs]]).tocsc()
    per_doc = sp.hstack([docs @ both, docs @ x]).tocsc()
    weights = rng.multinomial(n_docs, np.full(n_docs, 1 / n_docs), size=n_boot)
    sums = (per_doc.T @ weights.T.astype(float)).T  # resamples x (pairs, terms)
    units = weights @ np.bincount(unit_doc, minlength=n_docs)
    k = len(pairs)
    mine = np.searchsorted(pairs, top)
    hits = np.zeros(len(top))
    for b in range(n_boot):
        terms = sums[b, k:]
        scored = _pair_scores(sums[b, :k], terms[i[pairs]], terms[j[pairs]], float(units[b]),
                              min_freq=min_freq, measure=measure)
        chosen = _top(scored, measure, top_n, order_key[pairs])
        hits += (mine[:, None] == chosen[None, :]).any(axis=1)
    return hits / n_boot


def _communities(nodes: list[str], edges: list[tuple[str, str, float]], seed: int
                 ) -> dict[str, int]:
    import networkx as nx

    graph = nx.Graph()
    graph.add_nodes_from(sorted(nodes))
    graph.add_weighted_edges_from(sorted(edges))
    found = nx.community.louvain_communities(graph, weight="weight", resolution=1,
                                             seed=seed)
    ordered = sorted((sorted(c) for c in found), key=lambda c: (-len(c), c[0]))
    return {term: k for k, members in enumerate(ordered, start=1) for term in members}


def _group_network(x: sp.csr_matrix, unit_doc: np.ndarray, n_docs: int, n_units: int,
                   terms: np.ndarray, *, min_freq: int, measure: str, top_n: int, n_boot: int,
                   rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray] | None:
    """Build one group's top edges with their stability, or None when none is eligible."""
    c = (x.T @ x).toarray()
    i, j = np.triu_indices(c.shape[0], k=1)
    df = np.diag(c)
    scored = _pair_scores(c[i, j], df[i], df[j], n_units, min_freq=min_freq,
                          measure="association")
    names = np.char.add(np.char.add(terms[i].astype(str), " "), terms[j].astype(str))
    order_key = np.argsort(np.argsort(names, kind="stable"), kind="stable")
    top = _top(scored, measure, top_n, order_key)
    if not len(top):
        return None
    g2 = scored["association"]
    tested = scored["n_ab"] >= min_freq
    q = np.ones(len(g2))
    if tested.any():
        q[tested] = benjamini_hochberg(chi2_sf(g2[tested]))
    stability = np.full(len(top), np.nan)
    if n_docs >= MIN_BOOT_DOCS and n_boot:
        followed = np.sort(_top(scored, measure, FOLLOWED * top_n, order_key))
        stability = _stability(x, unit_doc, n_docs, followed, i, j, top, order_key,
                               min_freq=min_freq, measure=measure, top_n=top_n,
                               n_boot=n_boot, rng=rng)
    edges = pd.DataFrame({
        "kind": "edge", "source": terms[i[top]], "target": terms[j[top]],
        "n_units": scored["n_ab"][top].astype(np.int64), "expected": scored["expected"][top],
        "jaccard": scored["jaccard"][top], "ochiai": scored["ochiai"][top], "g2": g2[top],
        "q_value": q[top], "weight": scored[measure][top],
        "rank": np.arange(1, len(top) + 1, dtype=np.int64), "stability": stability})
    return edges, df


def cowords(
    docs: pd.DataFrame,
    counts: TermCounts | None = None,
    *,
    group_col: str = "institution",
    unit: Literal["sentence", "document"] = "sentence",
    measure: Literal["jaccard", "ochiai", "association"] = "jaccard",
    top_n: int = 60,
    min_freq: int = 5,
    max_terms: int = 150,
    n_boot: int = 100,
    random_state: int = 0,
    clusters: pd.Series | None = None,
    id_col: str = "doc_id",
    tokens_col: str = "tokens",
) -> pd.DataFrame:
    """Build each group's co-word network: top edges, their stability, and communities.

    Parameters
    ----------
    docs : pandas.DataFrame
        One row per document with its ``tokens_col`` (space-joined tokens, a
        line break between sentences: :attr:`analysis.run.Study.tokens`) and
        the group column.
    counts : TermCounts, optional
        The documents' term counts (default: the tokens counted). Document
        units are read from them; sentence units need the tokens in order,
        so they are only checked against ``docs`` then.
    group_col : str, default 'institution'
        The groups; documents with NA there are left out (warning).
    unit : {'sentence', 'document'}, default 'sentence'
        Where two terms must meet to co-occur.
    measure : {'jaccard', 'ochiai', 'association'}, default 'jaccard'
        The edge weight that ranks the pairs (``weight``).
    top_n : int, default 60
        Edges per group, 1 to 300.
    min_freq : int, default 5
        A term must be in, and a pair must share, at least this many units.
    max_terms : int, default 150
        Candidate terms per group (the most widespread), 2 to 1000.
    n_boot : int, default 100
        Bootstrap resamples of documents for ``stability`` (0: none).
    random_state : int, default 0
        Seed of the resampling and of Louvain.
    clusters : pandas.Series, optional
        The near-duplicate cluster of each document, by ``id_col``: reposts
        count once.
    id_col, tokens_col : str
        Column names.

    Returns
    -------
    pandas.DataFrame
        A long table, groups by size (documents, then name): per group, its
        ``kind == "node"`` rows (``term``, ``n_units`` holding it,
        ``community``, ``degree``) and ``kind == "edge"`` rows (``source``,
        ``target``, ``n_units`` shared, ``expected``, ``jaccard``, ``ochiai``,
        ``g2``, ``q_value``, ``weight`` (the chosen measure), ``rank``,
        ``stability`` and ``community`` when both ends share one). ``attrs``
        holds the settings, ``n_docs`` and ``n_units`` per group and ``skipped``
        (group -> reason).

    Raises
    ------
    AnalysisError
        For an option out of range, a missing column, or when no group has a network.
    """
    func = "cowords"
    check_choice(unit, UNITS, param="unit", func=func)
    check_choice(measure, MEASURES, param="measure", func=func)
    check_number(top_n, param="top_n", func=func, low=1, high=MAX_TOP_N, integer=True)
    check_number(min_freq, param="min_freq", func=func, low=1, integer=True)
    check_number(max_terms, param="max_terms", func=func, low=2, high=1000, integer=True)
    check_number(n_boot, param="n_boot", func=func, low=0, high=10_000, integer=True)
    check_number(random_state, param="random_state", func=func, low=0, integer=True)
    check_column(docs, group_col, param="group_col", func=func)
    check_column(docs, tokens_col, param="tokens_col", func=func)
    if counts is not None or unit == "document":
        counts = counts_of(docs, counts, tokens_col=tokens_col, id_col=id_col, func=func)
    grouped = docs[group_col].notna().to_numpy()
    if not grouped.all():
        warnings.warn(f"{func}: {int((~grouped).sum())} documents with no {group_col!r} are "
                      f"left out.", UserWarning, stacklevel=2)
    keep = one_per_cluster(docs, clusters, group_col=group_col, id_col=id_col,
                           func=func) & grouped
    if unit == "sentence":  # which sentence holds which term needs the tokens in order
        st = encode_sentences(docs[tokens_col])
        vocabulary = st.vocabulary
        unit_ids, term_ids = _incidence(st.sentence, st.codes)
        unit_row = st.sentence_rows()[unit_ids] if len(unit_ids) else unit_ids
    else:  # which document holds which term: the counts' non-zero cells, row by row
        matrix = sp.csr_matrix(counts.matrix)
        held = matrix.data > 0
        unit_ids = np.repeat(np.arange(matrix.shape[0], dtype=np.int64),
                             np.diff(matrix.indptr))[held]
        term_ids = matrix.indices.astype(np.int64)[held]
        vocabulary = np.asarray(counts.vocabulary)
        unit_row = unit_ids
    groups = docs[group_col].to_numpy()
    sizes = pd.Series(groups[keep]).value_counts()
    order = sorted(sizes.index, key=lambda g: (-sizes[g], str(g)))
    row_group = np.full(len(docs), -1, dtype=np.int64)
    for index, group in enumerate(order):
        row_group[keep & (groups == group)] = index
    unit_group = row_group[unit_row]
    frames, skipped, n_units_of, n_docs_of = [], {}, {}, {}
    for index, group in enumerate(order):
        rows = np.flatnonzero(keep & (groups == group))
        mine = unit_group == index
        u, t = unit_ids[mine], term_ids[mine]
        n_docs_of[str(group)] = len(rows)
        uniq_units, unit_pos = np.unique(u, return_inverse=True)
        n_units = len(uniq_units)
        n_units_of[str(group)] = n_units
        df = np.bincount(t, minlength=len(vocabulary))
        candidates = np.flatnonzero(df >= min_freq)
        if len(candidates) < 2:
            skipped[str(group)] = (f"{len(candidates)} term(s) in {min_freq} or more of its "
                                   f"{n_units} {unit}s")
            continue
        names = vocabulary[candidates].astype(str)
        best = np.lexsort((names, -df[candidates]))[:max_terms]
        candidates = candidates[best]
        column = np.full(len(vocabulary), -1, dtype=np.int64)
        column[candidates] = np.arange(len(candidates))
        hit = column[t] >= 0
        x = sp.csr_matrix((np.ones(int(hit.sum())), (unit_pos[hit], column[t][hit])),
                          shape=(n_units, len(candidates)))
        doc_pos = np.searchsorted(rows, unit_row[mine][np.r_[True, np.diff(unit_pos) != 0]])
        rng = np.random.default_rng([random_state, index])
        built = _group_network(x, doc_pos, len(rows), n_units, vocabulary[candidates],
                               min_freq=min_freq, measure=measure, top_n=top_n,
                               n_boot=n_boot, rng=rng)
        if built is None:
            skipped[str(group)] = (f"no pair of terms shares {min_freq} or more of its "
                                   f"{n_units} {unit}s more often than expected")
            continue
        edges, node_df = built
        nodes = sorted(set(edges["source"]) | set(edges["target"]))
        community = _communities(nodes, list(zip(edges["source"], edges["target"],
                                                 edges["weight"])), random_state)
        degree = pd.concat([edges["source"], edges["target"]]).value_counts()
        where = {term: i for i, term in enumerate(vocabulary[candidates])}
        node_rows = pd.DataFrame({
            "kind": "node", "term": nodes,
            "n_units": [int(node_df[where[n]]) for n in nodes],
            "community": [community[n] for n in nodes],
            "degree": [int(degree[n]) for n in nodes]})
        same = [community[s] if community[s] == community[t] else pd.NA
                for s, t in zip(edges["source"], edges["target"])]
        edges["community"] = pd.array(same, dtype="Int64")
        part = pd.concat([node_rows, edges], ignore_index=True)
        part.insert(0, group_col, group)
        frames.append(part)
    hint = " or use unit='document'" if unit == "sentence" else ""
    if skipped:
        warnings.warn(f"{func}: no network for {format_list(skipped, limit=12)} "
                      f"({'; '.join(f'{g}: {r}' for g, r in list(skipped.items())[:5])}); "
                      f"lower 'min_freq'{hint} to draw them.", UserWarning, stacklevel=2)
    if not frames:
        raise AnalysisError(f"{func}: no group has a pair of terms sharing min_freq={min_freq} "
                            f"or more {unit}s more often than expected "
                            f"({'; '.join(f'{g}: {r}' for g, r in list(skipped.items())[:5])}); "
                            f"lower 'min_freq'{hint}.")
    table = pd.concat(frames, ignore_index=True)
    columns = [group_col, *COWORD_COLUMNS]
    for col in columns:
        if col not in table:
            table[col] = pd.NA
    table = table[columns]
    table["community"] = table["community"].astype("Int64")
    table["degree"] = table["degree"].astype("Int64")
    table["rank"] = table["rank"].astype("Int64")
    table.attrs = {"group_col": group_col, "unit": unit, "measure": measure, "top_n": top_n,
                   "min_freq": min_freq, "max_terms": max_terms, "n_boot": n_boot,
                   "random_state": random_state, "reposts_once": clusters is not None,
                   "n_docs": n_docs_of, "n_units": n_units_of, "skipped": skipped,
                   "groups": [str(g) for g in order]}
    return table


def methods_text(record: dict, lang: str = "en") -> str:
    """Describe a :func:`cowords` run for the methods paragraph.

    Parameters
    ----------
    record : dict
        The options it ran with.
    lang : {'en', 'zh'}, default 'en'

    Returns
    -------
    str
    """
    unit = record.get("unit", "sentence")
    measure = record.get("measure", "jaccard")
    top_n, min_freq = record.get("top_n", 60), record.get("min_freq", 5)
    n_boot, max_terms = record.get("n_boot", 100), record.get("max_terms", 150)
    once = record.get("reposts_once", False)
    if lang == "zh":
        unit_zh = {"sentence": "句", "document": "篇文档"}[unit]
        measure_zh = {"jaccard": "Jaccard系数", "ochiai": "Ochiai系数",
                      "association": "对数似然比G²"}[measure]
        return (f"共词网络以同{unit_zh}共现计算：每组取覆盖单位最多的{max_terms}个词（至少出现于"
                f"{min_freq}个单位），以{measure_zh}为边权，保留共现不少于{min_freq}次且高于期望值的"
                f"前{top_n}条边；对文档进行{n_boot}次自助重抽样，记录各边仍入选的比例（≥90%视为稳定），"
                f"并以Louvain算法（Blondel等 2008）划分社群"
                + ("；转载文档只计一次" if once else "") + "。")
    unit_en = {"sentence": "sentence", "document": "document"}[unit]
    measure_en = {"jaccard": "the Jaccard coefficient", "ochiai": "the Ochiai coefficient",
                  "association": "the log-likelihood ratio G2"}[measure]
    return (f"Co-word networks were built from co-occurrence in the same {unit_en}: in each "
            f"group, the {max_terms} terms found in the most {unit_en}s (at least {min_freq}) "
            f"were candidates, pairs were weighted by {measure_en}, and the {top_n} strongest "
            f"pairs sharing at least {min_freq} {unit_en}s more often than expected were kept; "
            f"edge stability is the share of {n_boot} bootstrap resamples of documents in which "
            f"an edge was kept again (drawn solid at 90% or more), and communities were found "
            f"by Louvain modularity (Blondel et al. 2008)"
            + ("; near-duplicate documents (reposts) were counted once" if once else "") + ".")
