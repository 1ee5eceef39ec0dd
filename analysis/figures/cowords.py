"""Draw co-word networks, one per group, on one shared layout.

Decisions:

- **Shared layout.** Every term drawn in any panel gets one position, from a
  force-directed layout (Fruchterman-Reingold, ``networkx.spring_layout``,
  seeded) of the union of the groups' networks, an edge weighted by how many
  groups hold it and how strongly (each group's weights scaled to its
  strongest): a term sits at the same place in every panel, so the panels
  compare at a glance. The positions are returned (``x``, ``y``) and written
  with the figure's data.
- **Labels.** In each panel, labels are placed one by one, the most
  frequent term first, each on its term or at the nearest free place
  (:func:`place_labels`, boxes measured from the font size and the panel's
  real size), so no two overlap; a label moved away from its term gets a
  thin leader line. ``fig.label_overlaps`` counts the labels that found no
  free place (0 on the shared corpus).
- **Edges** are drawn solid when at least ``stable`` (0.9) of the bootstrap
  resamples kept them, dashed otherwise (and when stability is unknown), their
  width by weight within the group. **Nodes**: area by the units holding the
  term, colour by the group's Louvain community, the seven largest of at
  least three terms coloured and the smaller grey.
- At most twelve groups are drawn (the largest by documents); the figure says
  how many are left out, and the table keeps them all.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib import patheffects
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ..core.errors import AnalysisError, check_column, check_number
from ..stats.counts import table_group_col
from .style import (
    DOUBLE_COLUMN,
    MAX_GROUPS,
    MM,
    PAGE_HEIGHT,
    groups_drawn,
    note_left_out,
    paper_style,
    wrap_label,
)

__all__ = ["coword_layout", "place_labels", "plot_cowords"]

_COMMUNITY_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9",
                      "#7F3C8D")
_SMALL = "#BDBDBD"
LABEL_PT = 5.5


def coword_layout(
    table: pd.DataFrame,
    *,
    group_col: str | None = None,
    groups: Sequence[object] | None = None,
    max_groups: int = MAX_GROUPS,
    random_state: int = 0,
) -> pd.DataFrame:
    """Place every term of the groups drawn at one position shared by all panels.

    Parameters
    ----------
    table : pandas.DataFrame
        The output of :func:`analysis.stats.cowords.cowords`.
    group_col : str, optional
        The group column; default: the one the statistic recorded.
    groups : sequence, optional
        The groups, largest first (a Study passes them); default the table's
        order (largest first).
    max_groups : int, default 12
        Groups drawn at most (the first of ``groups``).
    random_state : int, default 0
        Seed of the layout.

    Returns
    -------
    pandas.DataFrame
        The rows of the groups drawn, with ``x`` and ``y`` (in [0, 1]) on
        every node row. ``attrs`` adds ``groups_drawn`` and ``groups_left_out``.
    """
    import networkx as nx

    func = "coword_layout"
    group_col = table_group_col(table, group_col, func=func)
    for col in ("kind", "term", "source", "target", "weight"):
        check_column(table, col, param="table", func=func)
    check_number(max_groups, param="max_groups", func=func, low=1, integer=True)
    present = list(dict.fromkeys(table[group_col]))
    order = groups if groups is not None else table.attrs.get("groups", present)
    shown, left_out = groups_drawn(present, order, max_groups)
    drawn = table[table[group_col].isin(shown)].copy()
    edges = drawn[drawn["kind"] == "edge"]
    if edges.empty:
        raise AnalysisError(f"{func}: the table has no edge to draw.")
    scaled = edges["weight"] / edges.groupby(group_col)["weight"].transform("max")
    union = (pd.DataFrame({"source": edges["source"], "target": edges["target"], "w": scaled})
             .groupby(["source", "target"], sort=True)["w"].sum())
    graph = nx.Graph()
    graph.add_nodes_from(sorted(set(drawn.loc[drawn["kind"] == "node", "term"])))
    graph.add_weighted_edges_from((s, t, float(w)) for (s, t), w in union.items())
    n = graph.number_of_nodes()
    # a hidden hub tied weakly to every term keeps small components near the others
    # (a force layout flings them to the rim and squeezes the rest in the middle)
    hub = "\0hub"
    held = graph.copy()
    light = 0.05 * float(union.min()) if len(union) else 0.05
    held.add_weighted_edges_from((hub, term, light) for term in graph.nodes)
    pos = nx.spring_layout(held, weight="weight", seed=random_state, iterations=300,
                           k=1.6 / np.sqrt(max(n, 1)))
    xy = np.array([pos[t] for t in graph.nodes])
    xy = (xy - xy.min(axis=0)) / np.where(np.ptp(xy, axis=0) > 0, np.ptp(xy, axis=0), 1)
    terms = list(graph.nodes)
    index = {term: i for i, term in enumerate(terms)}
    together = np.zeros((n, n), dtype=bool)  # two terms drawn in one panel must not collide
    for _, part in drawn[drawn["kind"] == "node"].groupby(group_col, sort=False):
        at = np.array([index[t] for t in part["term"]])
        together[np.ix_(at, at)] = True
    panel = _panel_inches(len(shown))
    boxes = np.array([_label_size(t, panel) for t in terms]).reshape(-1, 2)
    links = np.array([(index[s], index[t]) for s, t in union.index]).reshape(-1, 2)
    xy = _untangle(xy, boxes, together, links)
    place = dict(zip(terms, xy))
    nodes = drawn["kind"] == "node"
    drawn["x"] = np.where(nodes, [place.get(t, (np.nan, np.nan))[0] for t in drawn["term"]],
                          np.nan)
    drawn["y"] = np.where(nodes, [place.get(t, (np.nan, np.nan))[1] for t in drawn["term"]],
                          np.nan)
    drawn.attrs = {**table.attrs, "groups_drawn": [str(g) for g in shown],
                   "groups_left_out": left_out, "n_groups": len(present),
                   "layout": "spring (Fruchterman-Reingold) of the groups' union, seeded, "
                             "then labels of one panel pushed apart",
                   "random_state": random_state}
    return drawn


def _panel_inches(n_panels: int) -> tuple[float, float]:
    """The size of one panel of :func:`plot_cowords` (before its title), in inches."""
    cols = 1 if n_panels == 1 else 2 if n_panels <= 4 else 3
    rows = -(-n_panels // cols)
    side = min(DOUBLE_COLUMN / cols, (PAGE_HEIGHT - 16 * MM) / rows - 7 * MM)
    return side - 4 * MM, side - 9 * MM


def _untangle(xy: np.ndarray, boxes: np.ndarray, together: np.ndarray, links: np.ndarray,
              *, steps: int = 300) -> np.ndarray:
    """Spread a layout so that the labels of terms drawn in one panel do not overlap.

    Each step pushes apart every pair of terms that share a panel and whose
    label boxes (padded by a third) overlap, along the axis of least overlap;
    pulls linked terms towards each other when they are more than three
    label heights apart; and keeps the boxes inside the unit square. Terms
    that never share a panel may overlap: that is what lets twelve networks
    share one layout.
    """
    at = np.asarray(xy, dtype=float) * 0.9 + 0.05
    half = boxes * 0.5 * np.array([1.3, 1.6])
    i, j = np.nonzero(np.triu(together, k=1))
    lo, hi = half, 1 - half
    reach = 3 * boxes[:, 1].mean()
    for step in range(steps):
        d = at[j] - at[i]
        room = half[i] + half[j] - np.abs(d)
        hit = np.flatnonzero((room[:, 0] > 0) & (room[:, 1] > 0))
        if len(links) and step < steps * 0.7:
            a, b = links[:, 0], links[:, 1]
            gap = at[b] - at[a]
            dist = np.hypot(gap[:, 0], gap[:, 1])
            pull = np.where(dist > reach, 0.05 * (dist - reach) / np.maximum(dist, 1e-9), 0.0)
            move = gap * pull[:, None]
            np.add.at(at, a, move)
            np.add.at(at, b, -move)
        if not len(hit) and step >= steps * 0.7:
            break
        if len(hit):
            axis = np.where(room[hit, 0] / (half[i[hit], 0] + half[j[hit], 0])
                            < room[hit, 1] / (half[i[hit], 1] + half[j[hit], 1]), 0, 1)
            sign = np.sign(d[hit, axis])
            sign[sign == 0] = np.where(hit % 2 == 0, 1.0, -1.0)[sign == 0]
            push = np.zeros_like(at)
            shift = (room[hit, axis] / 2 + 1e-4) * sign * 0.8
            np.add.at(push, (j[hit], axis), shift)
            np.add.at(push, (i[hit], axis), -shift)
            at += push
        at = np.clip(at, lo, hi)
    return at


def place_labels(xy: np.ndarray, sizes: np.ndarray, *, priority: np.ndarray | None = None,
                 bounds: tuple[float, float, float, float] = (0.0, 1.0, 0.0, 1.0),
                 reach: float = 4.0) -> tuple[np.ndarray, int]:
    """Place label boxes near their points so that no two overlap (greedy, deterministic).

    Labels are placed one by one, the most important first; each takes the
    free position nearest its point among a grid of offsets (steps of a
    quarter of its width and half its height, up to ``reach`` widths and
    twice ``reach`` heights away), inside ``bounds``. A label with no free
    position stays on its point and is counted.

    Parameters
    ----------
    xy : numpy.ndarray, shape (n, 2)
        The points labelled.
    sizes : numpy.ndarray, shape (n, 2)
        Width and height of each label, in the same units.
    priority : numpy.ndarray, optional
        Larger first (e.g. the term's frequency); ties in input order.
    bounds : tuple, default (0, 1, 0, 1)
        ``xmin, xmax, ymin, ymax`` the boxes must stay in.
    reach : float, default 4.0
        How far a label may move, in label widths.

    Returns
    -------
    centres : numpy.ndarray, shape (n, 2)
        The centre of each label.
    overlaps : int
        Labels that found no free position.
    """
    xy = np.asarray(xy, dtype=float)
    sizes = np.asarray(sizes, dtype=float)
    n = len(xy)
    order = np.arange(n) if priority is None else np.lexsort((np.arange(n), -np.asarray(
        priority, dtype=float)))
    steps_x = np.arange(-4 * reach, 4 * reach + 1) / 4
    steps_y = np.arange(-4 * reach, 4 * reach + 1) / 2
    gx, gy = np.meshgrid(steps_x, steps_y)
    grid = np.column_stack([gx.ravel(), gy.ravel()])
    grid = grid[np.lexsort((grid[:, 0], grid[:, 1], np.hypot(grid[:, 0], grid[:, 1] * 0.5)))]
    placed_at = np.zeros((0, 2))
    placed_half = np.zeros((0, 2))
    out = xy.copy()
    failed = 0
    for i in order:
        half = sizes[i] / 2
        cand = xy[i] + grid * sizes[i]
        inside = (cand[:, 0] - half[0] >= bounds[0]) & (cand[:, 0] + half[0] <= bounds[1]) & \
            (cand[:, 1] - half[1] >= bounds[2]) & (cand[:, 1] + half[1] <= bounds[3])
        cand = cand[inside]
        if len(placed_at) and len(cand):
            gap = np.abs(cand[:, None, :] - placed_at[None, :, :]) - (half + placed_half)[None]
            free = ~((gap[..., 0] < -1e-9) & (gap[..., 1] < -1e-9)).any(axis=1)
            cand = cand[free]
        if len(cand):
            out[i] = cand[0]
        else:
            out[i] = np.clip(xy[i], [bounds[0] + half[0], bounds[2] + half[1]],
                             [bounds[1] - half[0], bounds[3] - half[1]])
            failed += 1
        placed_at = np.vstack([placed_at, out[i]])
        placed_half = np.vstack([placed_half, half])
    return out, failed


def _label_size(term: str, panel: tuple[float, float]) -> tuple[float, float]:
    """The box of a label in axes units: CJK characters 1 em wide, others 0.55 em."""
    em = LABEL_PT / 72
    width = sum(1.0 if ord(c) > 0x2E80 else 0.55 for c in term) * em + 0.5 * em
    return width / panel[0], 1.25 * em / panel[1]


def plot_cowords(
    table: pd.DataFrame,
    *,
    group_col: str | None = None,
    stable: float = 0.9,
    groups: Sequence[object] | None = None,
    max_groups: int = MAX_GROUPS,
    ncols: int | None = None,
    random_state: int = 0,
) -> Figure:
    """Draw one co-word network per group on a shared layout.

    Parameters
    ----------
    table : pandas.DataFrame
        The output of :func:`analysis.stats.cowords.cowords`, or of
        :func:`coword_layout` (with positions); laid out here when it has none.
    group_col : str, optional
        The group column; default: the one the statistic recorded.
    stable : float, default 0.9
        Edges kept in at least this share of bootstrap resamples are solid.
    groups : sequence, optional
        The groups, largest first (a Study passes them).
    max_groups : int, default 12
        Panels at most.
    ncols : int, optional
        Panels per row; default 3 (2 for up to 4 panels, 1 for one).
    random_state : int, default 0
        Seed of the layout (when the table has none).

    Returns
    -------
    matplotlib.figure.Figure
        ``fig.label_overlaps`` is the number of label pairs still overlapping.
    """
    func = "plot_cowords"
    check_number(stable, param="stable", func=func, low=0, high=1)
    group_col = table_group_col(table, group_col, func=func)
    if "x" not in table.columns:
        table = coword_layout(table, group_col=group_col, groups=groups, max_groups=max_groups,
                              random_state=random_state)
    shown = table.attrs.get("groups_drawn") or [str(g) for g in dict.fromkeys(table[group_col])]
    n = len(shown)
    cols = ncols or (1 if n == 1 else 2 if n <= 4 else 3)
    rows = -(-n // cols)
    width = DOUBLE_COLUMN
    side = min(width / cols, (PAGE_HEIGHT - 16 * MM) / rows - 7 * MM)
    height = rows * (side + 7 * MM) + 16 * MM
    labels = sorted(set(table.loc[table["kind"] == "node", "term"].astype(str)))
    overlaps = 0
    with paper_style(texts=[*shown, *labels]):
        fig = plt.figure(figsize=(width, min(height, PAGE_HEIGHT)), layout="constrained")
        axes = fig.subplots(rows, cols, squeeze=False)
        for ax, group in zip(axes.flat, shown):
            units = table.attrs.get("n_units", {}).get(group)
            docs = table.attrs.get("n_docs", {}).get(group)
            unit = table.attrs.get("unit", "unit")
            sub = (f"{docs:,} doc{'s' if docs != 1 else ''}, {units:,} {unit}"
                   f"{'s' if units != 1 else ''}") if units is not None and docs is not None \
                else ""
            ax.set_title(wrap_label(group, 16) + (f"\n{sub}" if sub else ""), fontsize=7,
                         linespacing=1.1)
            _blank(ax)
        for ax in list(axes.flat)[n:]:
            ax.set_visible(False)
        _legend(fig, table, stable)
        note_left_out(fig, table.attrs.get("groups_left_out", 0),
                      table.attrs.get("n_groups", n))
        fig.canvas.draw()  # lay the panels out, so labels are measured on their real size
        for ax, group in zip(axes.flat, shown):
            box = ax.get_position()
            panel = (box.width * fig.get_figwidth(), box.height * fig.get_figheight())
            part = table[table[group_col].astype(str) == group]
            overlaps += _draw_panel(ax, part, stable=stable, panel=panel)
    fig.label_overlaps = overlaps
    return fig


def _draw_panel(ax: plt.Axes, part: pd.DataFrame, *, stable: float,
                panel: tuple[float, float]) -> int:
    """Draw one group's network; return the label pairs still overlapping."""
    nodes = part[part["kind"] == "node"].sort_values("term")
    edges = part[part["kind"] == "edge"]
    where = {t: (x, y) for t, x, y in zip(nodes["term"], nodes["x"], nodes["y"])}
    top = edges["weight"].max() if len(edges) else 1.0
    for row in edges.sort_values("weight").itertuples(index=False):
        (x0, y0), (x1, y1) = where[row.source], where[row.target]
        solid = pd.notna(row.stability) and row.stability >= stable
        ax.plot([x0, x1], [y0, y1], color="0.3" if solid else "0.55",
                linewidth=0.35 + 1.4 * float(row.weight) / top,
                linestyle="-" if solid else (0, (2.0, 1.2)), zorder=1,
                solid_capstyle="round")
    sizes = pd.to_numeric(nodes["n_units"], errors="coerce").fillna(1).to_numpy(dtype=float)
    area = 6 + 60 * np.sqrt(sizes / sizes.max()) if len(sizes) else sizes
    community = pd.to_numeric(nodes["community"], errors="coerce")
    big = community.map(community.value_counts()).fillna(0) >= 3
    rank = {c: k for k, c in enumerate(sorted(community[big].dropna().unique()))}
    colour = [(_COMMUNITY_COLOURS[rank[c]] if b and c in rank and rank[c] < len(
        _COMMUNITY_COLOURS) else _SMALL) for c, b in zip(community, big)]
    ax.scatter(nodes["x"], nodes["y"], s=area, c=colour, alpha=0.45, linewidths=0, zorder=2)
    box = np.array([_label_size(str(t), panel) for t in nodes["term"]]).reshape(-1, 2)
    centres, left = place_labels(nodes[["x", "y"]].to_numpy(dtype=float), box,
                                 priority=sizes)
    halo = [patheffects.withStroke(linewidth=1.5, foreground="white")]
    for (x, y), (lx, ly), term, c in zip(nodes[["x", "y"]].to_numpy(dtype=float), centres,
                                         nodes["term"], colour):
        if np.hypot((lx - x) * panel[0], (ly - y) * panel[1]) > LABEL_PT / 72 * 0.9:
            ax.plot([x, lx], [y, ly], color="0.65", linewidth=0.3, linestyle=":", zorder=2)
        ax.text(lx, ly, str(term), ha="center", va="center", fontsize=LABEL_PT, zorder=3,
                color="0.2" if c == _SMALL else c, path_effects=halo)
    return left


def _blank(ax: plt.Axes) -> None:
    """Make a panel a plain unit square: no ticks, no spines."""
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)


def _legend(fig: Figure, table: pd.DataFrame, stable: float) -> None:
    measure = table.attrs.get("measure", "weight")
    unit = table.attrs.get("unit", "unit")
    n_boot = table.attrs.get("n_boot", 0)
    handles = [Line2D([], [], color="0.3", linewidth=1.0,
                      label=f"edge kept in ≥{stable:.0%} of {n_boot} resamples"),
               Line2D([], [], color="0.55", linewidth=1.0, linestyle=(0, (2.0, 1.2)),
                      label="less stable, or not assessed (< 5 documents)"),
               Line2D([], [], marker="o", linestyle="", color=_COMMUNITY_COLOURS[0], alpha=0.6,
                      label="colour: community (Louvain)"),
               Line2D([], [], marker="o", linestyle="", color=_SMALL,
                      label="grey: community of 2 terms")]
    fig.legend(handles=handles, loc="outside lower center", ncols=2, fontsize=6,
               title=f"Top {table.attrs.get('top_n', '')} edges per group by {measure} of "
                     f"co-occurrence in a {unit}; width: weight; node area: {unit}s with the "
                     f"term; one layout for all panels", title_fontsize=6)
