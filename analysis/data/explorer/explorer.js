// The term explorer of analysis.figures.explorer: plain DOM and SVG, no library.
// Every string from the corpus goes through textContent or a plain attribute, never innerHTML.
(function () {
  "use strict";
  var SVGNS = "http://www.w3.org/2000/svg";
  var PER = 10000;
  var LR_MAX = 4;
  var meta = JSON.parse(document.getElementById("explorer-meta").textContent);
  var settings = meta.settings || {};
  var app = document.getElementById("app");
  var status = document.getElementById("status");

  // -- small DOM helpers ------------------------------------------------------
  function el(tag, attrs) {
    var node = document.createElement(tag);
    setAll(node, attrs);
    for (var i = 2; i < arguments.length; i++) add(node, arguments[i]);
    return node;
  }
  function sv(tag, attrs) {
    var node = document.createElementNS(SVGNS, tag);
    setAll(node, attrs);
    for (var i = 2; i < arguments.length; i++) add(node, arguments[i]);
    return node;
  }
  function setAll(node, attrs) {
    if (!attrs) return;
    Object.keys(attrs).forEach(function (key) {
      var value = attrs[key];
      if (value === null || value === undefined || value === false) return;
      if (key === "text") node.textContent = String(value);
      else node.setAttribute(key, String(value));
    });
  }
  function add(node, child) {
    if (child === null || child === undefined || child === false) return;
    if (Array.isArray(child)) { child.forEach(function (c) { add(node, c); }); return; }
    node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function fmt(value, digits) {
    if (value === null || value === undefined || !isFinite(value)) return "–";
    return Number(value).toFixed(digits);
  }
  function fmtInt(value) { return Number(value).toLocaleString("en-US"); }
  function fmtQ(q) {
    if (q === null || q === undefined) return "–";
    if (q === 0) return "< 1e-300";
    return q < 0.001 ? q.toExponential(2) : String(q);
  }
  function signed(value, digits) { return (value > 0 ? "+" : "") + fmt(value, digits); }

  // -- the data ---------------------------------------------------------------
  function inflate(b64) {
    var bin = atob(b64);
    var bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
    return new Response(stream).text();
  }

  function prepare(D) {
    var G = D.groups.length;
    D.G = G;
    D.termIndex = new Map();
    D.terms.forEach(function (t, i) { D.termIndex.set(t, i); });
    D.aliasSet = new Set(D.alias);
    D.viewMap = new Map();
    D.views.forEach(function (v) {
      var idx = new Array(v.i.length), at = 0;
      for (var k = 0; k < v.i.length; k++) { at += v.i[k]; idx[k] = at; }
      v.idx = idx;
      v.pos = new Map();
      idx.forEach(function (t, k) { v.pos.set(t, k); });
      D.viewMap.set(v.t + "|" + v.r, v);
    });
    D.order = D.groups.map(function (_, g) { return g; }).sort(function (a, b) {
      return D.groupDocs[b] - D.groupDocs[a] || (D.groups[a] < D.groups[b] ? -1 : 1);
    });
    return D;
  }

  // The view of target against ref (-1: the rest); a pair is stored once, B|A drawn from A|B.
  function findView(D, target, ref) {
    var v = D.viewMap.get(target + "|" + ref);
    if (v) return { v: v, flip: false };
    v = D.viewMap.get(ref + "|" + target);
    return v && ref >= 0 ? { v: v, flip: true } : null;
  }

  // One term of a view: counts, rates and tests, oriented as the reader picked them.
  function item(D, found, target, ref, k) {
    var v = found.v, t = v.idx[k], G = D.G;
    var a = D.count[t * G + target];
    var b = ref < 0 ? D.total[t] - a : D.count[t * G + ref];
    var c = found.flip ? v.d : v.c, d = found.flip ? v.c : v.d;
    return {
      t: t, term: D.terms[t], a: a, b: b, c: c, d: d,
      ra: a / c * PER, rb: b / d * PER,
      lr: found.flip ? -v.lr[k] : v.lr[k], g2: v.g2[k], q: v.q[k], sig: v.s[k] === 1,
      frequent: v.f[k] === 1, alias: D.aliasSet.has(t),
      ndocs: D.ndocs[t * G + target], dp: D.dp[t * G + target]
    };
  }

  function colour(lr) {
    var x = Math.max(-1, Math.min(1, (lr || 0) / LR_MAX));
    var mid = [186, 186, 186], hi = [178, 24, 43], lo = [33, 102, 172];
    var end = x >= 0 ? hi : lo, w = Math.abs(x);
    var rgb = mid.map(function (m, i) { return Math.round(m + (end[i] - m) * w); });
    return "rgb(" + rgb.join(",") + ")";
  }

  // -- the page ---------------------------------------------------------------
  function build(D) {
    var state = { target: D.order[0], ref: -1, scale: "log", sigOnly: false, selected: -1 };
    var groupCol = settings.group_col || "group";
    clear(app);

    var header = el("header", null,
      el("h1", { text: meta.title }),
      el("p", { "class": "summary", text: summaryText(D) }));
    var target = el("select", { id: "target", "aria-label": "group compared" });
    D.order.forEach(function (g) {
      add(target, el("option", { value: g, text: D.groups[g] + " (" + fmtInt(D.groupDocs[g]) + " docs)" }));
    });
    var reference = el("select", { id: "reference", "aria-label": "reference" });
    var scale = el("select", { id: "scale", "aria-label": "axis scale" },
      el("option", { value: "log", text: "log rate per 10,000 tokens" }),
      el("option", { value: "rank", text: "rank of frequency" }));
    var sigOnly = el("input", { type: "checkbox", id: "sig-only" });
    var search = el("input", { id: "search", type: "search", autocomplete: "off", spellcheck: "false",
      placeholder: "Find a term…", "aria-label": "find a term" });
    var results = el("ul", { id: "results", hidden: "hidden" });
    var controls = el("div", { "class": "controls" },
      el("label", null, "Compare ", target),
      el("label", null, "against ", reference),
      el("label", null, "Axes ", scale),
      el("label", null, sigOnly, " significant only"),
      el("span", { "class": "search" }, search, results));

    var scatter = sv("svg", { id: "scatter", viewBox: "0 0 640 600", role: "img",
      "aria-label": "terms: frequency in the group against frequency in the reference" });
    var viewNote = el("p", { "class": "note", id: "view-note" });
    var legend = legendBlock();
    var panel = el("section", { "class": "panel", id: "panel" },
      el("p", { "class": "hint", text: "Click a term in the plot, or find one above, to read " +
        "where and when it was used." }));
    var main = el("div", { "class": "main" },
      el("section", { "class": "plot" }, scatter, legend, viewNote), panel);
    var tooltip = el("div", { id: "tooltip", hidden: "hidden" });
    add(app, [header, controls, main, footerBlock(D), tooltip]);

    function fillReference() {
      clear(reference);
      add(reference, el("option", { value: -1, text: "the rest (all other groups)" }));
      D.order.forEach(function (g) {
        if (g !== state.target && findView(D, state.target, g)) {
          add(reference, el("option", { value: g, text: D.groups[g] }));
        }
      });
      if (state.ref === state.target || !findView(D, state.target, state.ref)) state.ref = -1;
      reference.value = String(state.ref);
    }

    function current() {
      var found = findView(D, state.target, state.ref);
      if (!found) return { found: null, items: [] };
      var items = found.v.idx.map(function (_, k) { return item(D, found, state.target, state.ref, k); });
      return { found: found, items: items };
    }

    var view = null;
    function redraw() {
      view = current();
      drawScatter(D, scatter, view.items, state, tooltip, select);
      var label = state.ref < 0 ? "the rest" : D.groups[state.ref];
      var nSig = view.items.filter(function (it) { return it.sig; }).length;
      viewNote.textContent = D.groups[state.target] + " against " + label + ": " +
        fmtInt(view.items.length) + " terms shown (" + fmtInt(nSig) + " significant, BH q < " +
        settings.alpha + "); the " + fmtInt(Math.floor(settings.max_terms / 2)) +
        " most frequent in the two sides together, then the largest G² up to " +
        fmtInt(settings.max_terms) + ". Every tested term: study.keyness().";
      if (state.selected >= 0) select(state.selected, true);
      runSearch();
    }

    function select(t, keep) {
      state.selected = t;
      var it = null;
      if (view && view.found) {
        var k = view.found.v.pos.get(t);
        if (k !== undefined) it = item(D, view.found, state.target, state.ref, k);
      }
      markSelected(scatter, t);
      drawPanel(D, panel, t, it, state);
      if (!keep) panel.scrollTop = 0;
    }

    function runSearch() {
      var query = search.value.trim();
      clear(results);
      if (!query) { results.hidden = true; return; }
      var lower = query.toLowerCase();
      var hits = view.items.filter(function (it) { return it.term.toLowerCase().indexOf(lower) >= 0; });
      hits.sort(function (x, y) {
        var ex = x.term.toLowerCase() === lower ? 0 : 1, ey = y.term.toLowerCase() === lower ? 0 : 1;
        if (ex !== ey) return ex - ey;
        var sx = x.term.toLowerCase().indexOf(lower) === 0 ? 0 : 1;
        var sy = y.term.toLowerCase().indexOf(lower) === 0 ? 0 : 1;
        return sx - sy || y.g2 - x.g2;
      });
      hits.slice(0, 30).forEach(function (it) {
        add(results, el("li", { "data-term": it.term, "data-idx": it.t, tabindex: 0,
          "class": it.sig ? "sig" : null },
          el("span", { "class": "swatch", style: "background:" + colour(it.lr) }),
          el("span", { "class": "t", text: it.term }),
          el("span", { "class": "lr", text: signed(it.lr, 2) })));
      });
      var inView = hits.some(function (it) { return it.term.toLowerCase() === lower; });
      var t = D.termIndex.get(query);
      if (!inView && t !== undefined) {
        add(results, el("li", { "data-term": query, "data-idx": t, tabindex: 0, "class": "elsewhere",
          text: "「" + query + "」 is not among the terms of this view: show its lines and timeline" }));
      } else if (!inView && !hits.length) {
        add(results, el("li", { "class": "none", text: "「" + query + "」 is not in this page " +
          "(bounded); in Python: study.kwic(\"" + query + "\"), study.keyness()" }));
      }
      results.hidden = false;
    }

    results.addEventListener("click", function (event) {
      var li = event.target.closest("li[data-idx]");
      if (!li) return;
      select(Number(li.getAttribute("data-idx")));
      results.hidden = true;
    });
    results.addEventListener("keydown", function (event) {
      if (event.key !== "Enter") return;
      var li = event.target.closest("li[data-idx]");
      if (li) { select(Number(li.getAttribute("data-idx"))); results.hidden = true; }
    });
    search.addEventListener("input", runSearch);
    search.addEventListener("keydown", function (event) {
      if (event.key !== "Enter") return;
      var first = results.querySelector("li[data-idx]");
      if (first) { select(Number(first.getAttribute("data-idx"))); results.hidden = true; }
    });
    target.addEventListener("change", function () {
      state.target = Number(target.value);
      fillReference();
      redraw();
    });
    reference.addEventListener("change", function () { state.ref = Number(reference.value); redraw(); });
    scale.addEventListener("change", function () { state.scale = scale.value; redraw(); });
    sigOnly.addEventListener("change", function () { state.sigOnly = sigOnly.checked; redraw(); });

    target.value = String(state.target);
    fillReference();
    redraw();
    document.body.setAttribute("data-ready-ms", String(Math.round(performance.now())));
    document.body.setAttribute("data-ready", "true");
  }

  function summaryText(D) {
    var c = meta.corpus || {};
    var parts = [];
    if (c.n_docs !== undefined) parts.push(fmtInt(c.n_docs) + " documents");
    parts.push(D.groups.length + " groups compared in '" + (settings.group_col || "") + "'");
    if (c.date_min || c.date_max) parts.push((c.date_min || "?") + " to " + (c.date_max || "?"));
    if (c.sha256) parts.push("corpus fingerprint " + String(c.sha256).slice(0, 12));
    return parts.join(" · ");
  }

  function legendBlock() {
    var svg = sv("svg", { viewBox: "0 0 640 34", "class": "legend", "aria-hidden": "true" });
    for (var i = 0; i <= 40; i++) {
      var lr = -LR_MAX + (2 * LR_MAX * i) / 40;
      add(svg, sv("rect", { x: 150 + i * 6, y: 4, width: 6.5, height: 10, fill: colour(lr) }));
    }
    add(svg, [
      sv("text", { x: 146, y: 13, "text-anchor": "end", text: "reference ≤ −4" }),
      sv("text", { x: 400, y: 13, text: "≥ +4 group  (log ratio, log2)" }),
      sv("circle", { cx: 156, cy: 26, r: 4, fill: colour(2), stroke: "#222", "stroke-width": 1 }),
      sv("text", { x: 164, y: 30, text: "significant (BH q < α)" }),
      sv("circle", { cx: 320, cy: 26, r: 3, fill: colour(2), "fill-opacity": 0.45 }),
      sv("text", { x: 328, y: 30, text: "not significant" }),
      sv("rect", { x: 430, y: 22, width: 8, height: 8, fill: "#fff", stroke: "#222" }),
      sv("text", { x: 442, y: 30, text: "names a compared group" })
    ]);
    return svg;
  }

  function footerBlock(D) {
    var s = settings;
    var bounds = "This page is bounded so that it stays small: each view shows up to " +
      fmtInt(s.max_terms) + " terms (the " + fmtInt(Math.floor(s.max_terms / 2)) +
      " most frequent in the two sides together, then the largest G²; terms need " + s.min_freq +
      " occurrences in the two sides to be tested); the " + s.max_groups +
      " largest groups are compared, each against the rest and each pair; each term has up to " +
      s.max_lines + " concordance lines (" + s.window + " characters each side), one per " +
      "document, a reposted notice once, shared among the groups in turn (the group using the " +
      "term at the highest rate first), spread over time within a group. The rest is in " +
      "Python: study.keyness() (every term tested), study.kwic(term) (every line), " +
      "study.timeline([term], freq=\"" + s.freq + "\") (the rates of the timeline).";
    var read = "How to read it: each point is a term; across, its frequency in the reference; " +
      "up, its frequency in the group (per 10,000 tokens on log axes, with 0 at the edge; or " +
      "the rank of the frequency, as scattertext draws it). Red: used more by the group, blue: " +
      "by the reference (log ratio; +1 = twice as often). Outlined points are significant " +
      "after the Benjamini–Hochberg correction over every term tested (G², q < " + s.alpha +
      "); squares name one of the compared groups. DP (Gries' deviation of proportions, 0 = " +
      "spread evenly over the group's documents, near 1 = in a few) is on hover.";
    var prov = el("details", null, el("summary", { text: "Provenance" }),
      el("pre", { text: JSON.stringify({ corpus: meta.corpus, settings: meta.settings,
        params: meta.params, versions: meta.versions }, null, 2) }));
    var font = meta.font || {};
    var licence = el("details", null,
      el("summary", { text: "Font: Noto Sans SC, subset of " + fmtInt(font.glyphs || 0) +
        " characters, SIL Open Font License 1.1" }),
      el("pre", { text: font.licence || "" }));
    return el("footer", null, el("p", { text: read }), el("p", { text: bounds }), prov, licence);
  }

  // -- the scatter --------------------------------------------------------------
  var W = 640, H = 600, M = { l: 58, r: 14, t: 14, b: 48 };

  function scaleFns(items, state) {
    var x0 = M.l, x1 = W - M.r, y0 = H - M.b, y1 = M.t;
    if (state.scale === "rank") {
      var rank = function (values) {
        var uniq = Array.from(new Set(values)).sort(function (p, q) { return p - q; });
        var at = new Map();
        uniq.forEach(function (v, i) { at.set(v, uniq.length > 1 ? i / (uniq.length - 1) : 0.5); });
        return at;
      };
      var rx = rank(items.map(function (it) { return it.b; }));
      var ry = rank(items.map(function (it) { return it.a; }));
      return {
        x: function (it) { return x0 + rx.get(it.b) * (x1 - x0); },
        y: function (it) { return y0 + ry.get(it.a) * (y1 - y0); },
        ticks: [0, 0.25, 0.5, 0.75, 1].map(function (f) {
          return { f: f, label: Math.round(f * 100) + "%" };
        }),
        pos: function (f, axis) { return axis === "x" ? x0 + f * (x1 - x0) : y0 + f * (y1 - y0); },
        kind: "rank of frequency (0% rarest)"
      };
    }
    var lo = Infinity, hi = 0;
    items.forEach(function (it) {
      [it.ra, it.rb].forEach(function (r) { if (r > 0) { lo = Math.min(lo, r); hi = Math.max(hi, r); } });
    });
    if (!isFinite(lo)) { lo = 0.1; hi = 1; }
    var l0 = Math.floor(Math.log10(lo) * 4) / 4, l1 = Math.ceil(Math.log10(hi) * 4) / 4;
    if (l1 <= l0) l1 = l0 + 1;
    var zero = 0.05;  // the band where 0 is drawn, as a share of the axis
    var f = function (r) { return r > 0 ? zero + (1 - zero) * (Math.log10(r) - l0) / (l1 - l0) : 0; };
    var ticks = [{ f: 0, label: "0" }];
    for (var p = Math.ceil(l0); p <= Math.floor(l1); p++) {
      ticks.push({ f: f(Math.pow(10, p)), label: p >= 0 ? fmtInt(Math.pow(10, p)) : String(Math.pow(10, p)) });
    }
    return {
      x: function (it) { return x0 + f(it.rb) * (x1 - x0); },
      y: function (it) { return y0 + f(it.ra) * (y1 - y0); },
      ticks: ticks, diag: [f(Math.pow(10, l0)), 1],
      pos: function (v, axis) { return axis === "x" ? x0 + v * (x1 - x0) : y0 + v * (y1 - y0); },
      kind: "per 10,000 tokens"
    };
  }

  function drawScatter(D, svg, items, state, tooltip, select) {
    clear(svg);
    var s = scaleFns(items, state);
    var axes = sv("g", { "class": "axes" });
    s.ticks.forEach(function (tk) {
      var x = s.pos(tk.f, "x"), y = s.pos(tk.f, "y");
      add(axes, [
        sv("line", { x1: x, x2: x, y1: M.t, y2: H - M.b, "class": "grid" }),
        sv("line", { x1: M.l, x2: W - M.r, y1: y, y2: y, "class": "grid" }),
        sv("text", { x: x, y: H - M.b + 14, "text-anchor": "middle", text: tk.label }),
        sv("text", { x: M.l - 5, y: y + 4, "text-anchor": "end", text: tk.label })
      ]);
    });
    if (s.diag) {
      add(axes, sv("line", { x1: s.pos(s.diag[0], "x"), y1: s.pos(s.diag[0], "y"),
        x2: s.pos(s.diag[1], "x"), y2: s.pos(s.diag[1], "y"), "class": "diagonal" }));
    }
    var refLabel = state.ref < 0 ? "the rest" : D.groups[state.ref];
    add(axes, [
      sv("text", { x: (M.l + W - M.r) / 2, y: H - 8, "text-anchor": "middle", "class": "title",
        text: refLabel + ": " + s.kind }),
      sv("text", { x: 14, y: (M.t + H - M.b) / 2, "text-anchor": "middle", "class": "title",
        transform: "rotate(-90 14 " + (M.t + H - M.b) / 2 + ")",
        text: D.groups[state.target] + ": " + s.kind })
    ]);
    add(svg, axes);
    var shown = items.filter(function (it) { return it.sig || !state.sigOnly; });
    shown.sort(function (p, q) {
      return (p.sig - q.sig) || (Math.abs(p.lr) - Math.abs(q.lr)) || (p.t - q.t);
    });
    var points = sv("g", { "class": "points" });
    shown.forEach(function (it) {
      var x = s.x(it), y = s.y(it), attrs = {
        "data-term": it.term, "data-idx": it.t, fill: colour(it.lr),
        "class": "pt" + (it.sig ? " sig" : "") + (it.alias ? " alias" : "")
      };
      var node;
      if (it.alias) {
        attrs.x = (x - 3.5).toFixed(1); attrs.y = (y - 3.5).toFixed(1); attrs.width = 7; attrs.height = 7;
        node = sv("rect", attrs);
      } else {
        attrs.cx = x.toFixed(1); attrs.cy = y.toFixed(1); attrs.r = it.sig ? 3.6 : 2.6;
        node = sv("circle", attrs);
      }
      add(points, node);
    });
    add(svg, points);
    add(svg, labels(shown, s));
    add(svg, sv("g", { id: "selected-mark" }));
    markSelected(svg, state.selected);
    var byIdx = new Map(items.map(function (it) { return [it.t, it]; }));
    svg.onmousemove = function (event) {
      var node = event.target.closest ? event.target.closest(".pt") : null;
      if (!node) { tooltip.hidden = true; return; }
      showTip(D, tooltip, byIdx.get(Number(node.getAttribute("data-idx"))), state, event);
    };
    svg.onmouseleave = function () { tooltip.hidden = true; };
    svg.onclick = function (event) {
      var node = event.target.closest ? event.target.closest(".pt") : null;
      if (node) select(Number(node.getAttribute("data-idx")));
    };
  }

  function labels(shown, s) {
    var g = sv("g", { "class": "labels" });
    var sig = shown.filter(function (it) { return it.sig && !it.alias; });
    var over = sig.filter(function (it) { return it.lr > 0; }).sort(function (p, q) { return q.g2 - p.g2; });
    var under = sig.filter(function (it) { return it.lr < 0; }).sort(function (p, q) { return q.g2 - p.g2; });
    var placed = [];
    over.slice(0, 12).concat(under.slice(0, 8)).forEach(function (it) {
      var x = s.x(it) + 5, y = s.y(it) + 4, w = it.term.length * 11 + 2, h = 13;
      if (x + w > W - M.r) x = s.x(it) - 5 - w;
      var box = [x, y - h + 2, x + w, y + 2];
      var hit = placed.some(function (b) { return !(box[2] < b[0] || box[0] > b[2] || box[3] < b[1] || box[1] > b[3]); });
      if (hit) return;
      placed.push(box);
      add(g, sv("text", { x: x.toFixed(1), y: y.toFixed(1), text: it.term }));
    });
    return g;
  }

  function markSelected(svg, t) {
    var mark = svg.querySelector("#selected-mark");
    if (!mark) return;
    clear(mark);
    if (t < 0) return;
    var node = svg.querySelector('.pt[data-idx="' + t + '"]');
    if (!node) return;
    var x = Number(node.getAttribute("cx") || Number(node.getAttribute("x")) + 3.5);
    var y = Number(node.getAttribute("cy") || Number(node.getAttribute("y")) + 3.5);
    add(mark, [sv("circle", { cx: x, cy: y, r: 4.2, fill: node.getAttribute("fill"), "class": "chosen" }),
      sv("circle", { cx: x, cy: y, r: 8.5, "class": "ring" })]);
  }

  function showTip(D, tooltip, it, state, event) {
    if (!it) return;
    var refLabel = state.ref < 0 ? "the rest" : D.groups[state.ref];
    clear(tooltip);
    add(tooltip, [
      el("strong", { text: it.term }),
      el("div", { text: D.groups[state.target] + ": " + fmtInt(it.a) + " (" + fmt(it.ra, 2) + " per 10k)" }),
      el("div", { text: refLabel + ": " + fmtInt(it.b) + " (" + fmt(it.rb, 2) + " per 10k)" }),
      el("div", { text: "log ratio " + signed(it.lr, 2) + " · G² " + fmt(it.g2, 1) + " · q " + fmtQ(it.q) +
        (it.sig ? " · significant" : " · not significant") }),
      el("div", { text: "in " + fmtInt(it.ndocs) + " documents of " + D.groups[state.target] +
        " (reposts once) · DP " + (it.dp === null ? "–" : fmt(it.dp / 1000, 2)) }),
      it.alias ? el("div", { "class": "alias", text: "names a compared group" }) : null
    ]);
    tooltip.hidden = false;
    var box = tooltip.getBoundingClientRect();
    var x = event.clientX + 14, y = event.clientY + 14;
    if (x + box.width > window.innerWidth) x = event.clientX - box.width - 14;
    if (y + box.height > window.innerHeight) y = event.clientY - box.height - 14;
    tooltip.style.left = Math.max(0, x) + "px";
    tooltip.style.top = Math.max(0, y) + "px";
  }

  // -- the panel: statistics, timeline, concordance ------------------------------
  function drawPanel(D, panel, t, it, state) {
    clear(panel);
    var term = D.terms[t];
    var refLabel = state.ref < 0 ? "the rest" : D.groups[state.ref];
    var head = el("h2", { "class": "term", id: "panel-term", text: term });
    if (D.aliasSet.has(t)) add(head, el("span", { "class": "badge", text: "names a compared group" }));
    add(panel, head);
    if (it) {
      add(panel, el("table", { "class": "stats" }, el("tbody", null,
        row(D.groups[state.target], fmtInt(it.a) + " (" + fmt(it.ra, 2) + " per 10,000 tokens)"),
        row(refLabel, fmtInt(it.b) + " (" + fmt(it.rb, 2) + " per 10,000 tokens)"),
        row("log ratio", signed(it.lr, 2) + (it.lr > 0 ? " (more in " + D.groups[state.target] + ")" :
          it.lr < 0 ? " (more in " + refLabel + ")" : "")),
        row("G² · q (BH)", fmt(it.g2, 1) + " · " + fmtQ(it.q) + (it.sig ? " · significant" : " · not significant")),
        row("documents", fmtInt(it.ndocs) + " of " + D.groups[state.target] + " (reposts once) · DP " +
          (it.dp === null ? "–" : fmt(it.dp / 1000, 2))))));
    } else {
      add(panel, el("p", { "class": "note", text: "Not among the terms of this view: its lines and " +
        "timeline follow; its test in this view: study.keyness()." }));
    }
    add(panel, el("h3", { text: "Rate over time" }));
    add(panel, timelineBlock(D, t, state));
    add(panel, el("h3", { text: "In context" }));
    add(panel, kwicBlock(D, t, state));
  }

  function row(label, value) {
    return el("tr", null, el("th", { text: label }), el("td", { text: value }));
  }

  function groupRates(D, t, g) {
    var P = D.periods.length, counts = null;
    (D.series[t] || []).forEach(function (s) { if (s[0] === g) counts = s; });
    var out = [];
    for (var p = 0; p < P; p++) {
      var n = D.binTokens[g * P + p], c = counts ? counts[p + 1] : 0;
      out.push({ p: p, count: c, tokens: n, docs: D.binDocs[g * P + p], rate: n > 0 ? c / n * PER : NaN });
    }
    return out;
  }

  function timelineBlock(D, t, state) {
    var P = D.periods.length;
    var box = el("div", { "class": "timeline" });
    if (!P) { add(box, el("p", { "class": "note", text: "No dated document." })); return box; }
    var Wt = 560, Ht = 220, m = { l: 44, r: 22, t: 10, b: 34 };
    var drawn = [state.target].concat(state.ref >= 0 ? [state.ref] : []);
    var others = state.ref < 0 ? D.order.filter(function (g) { return g !== state.target; }) : [];
    var rates = new Map();
    drawn.concat(others).forEach(function (g) { rates.set(g, groupRates(D, t, g)); });
    var top = 0;
    rates.forEach(function (rs) { rs.forEach(function (r) { if (r.rate > top) top = r.rate; }); });
    if (!(top > 0)) top = 1;
    var step = nice(top / 4), ymax = Math.ceil(top / step) * step;
    var X = function (p) { return m.l + (P === 1 ? 0.5 : p / (P - 1)) * (Wt - m.l - m.r); };
    var Y = function (r) { return Ht - m.b - (r / ymax) * (Ht - m.t - m.b); };
    var svg = sv("svg", { id: "timeline", viewBox: "0 0 " + Wt + " " + Ht, role: "img",
      "aria-label": "rate per 10,000 tokens per period" });
    for (var v = 0; v <= ymax + step / 2; v += step) {
      add(svg, [sv("line", { x1: m.l, x2: Wt - m.r, y1: Y(v), y2: Y(v), "class": "grid" }),
        sv("text", { x: m.l - 4, y: Y(v) + 4, "text-anchor": "end", text: fmtTick(v) })]);
    }
    var every = Math.max(1, Math.ceil(P / 6));
    for (var p = 0; p < P; p += every) {
      add(svg, sv("text", { x: X(p), y: Ht - m.b + 14, "text-anchor": "middle", text: periodLabel(D.periods[p]) }));
    }
    add(svg, sv("text", { x: m.l, y: Ht - 4, "class": "title", text: "per 10,000 tokens; bins: " +
      freqName(settings.freq) + "; gaps: no document" }));
    var path = function (rs) {
      var d = "", pen = false;
      rs.forEach(function (r) {
        if (!(r.tokens > 0)) { pen = false; return; }
        d += (pen ? "L" : "M") + X(r.p).toFixed(1) + "," + Y(r.rate).toFixed(1);
        pen = true;
      });
      return d;
    };
    others.forEach(function (g) {
      add(svg, sv("path", { d: path(rates.get(g)), "class": "line other" },
        sv("title", { text: D.groups[g] })));
    });
    drawn.forEach(function (g, i) {
      var cls = i === 0 ? "target" : "reference";
      add(svg, sv("path", { d: path(rates.get(g)), "class": "line " + cls }));
      rates.get(g).forEach(function (r) {
        if (!(r.tokens > 0)) return;
        add(svg, sv("circle", { cx: X(r.p).toFixed(1), cy: Y(r.rate).toFixed(1), r: 2.6,
          "class": "tp " + cls, "data-group": D.groups[g], "data-period": D.periods[r.p],
          "data-rate": String(r.rate), "data-count": r.count, "data-tokens": r.tokens },
          sv("title", { text: D.groups[g] + " · " + D.periods[r.p] + ": " + fmtInt(r.count) + " in " +
            fmtInt(r.tokens) + " tokens of " + fmtInt(r.docs) + " documents = " + fmt(r.rate, 2) +
            " per 10,000" })));
      });
    });
    add(box, svg);
    var keys = el("p", { "class": "keys" },
      el("span", { "class": "key target", text: D.groups[state.target] }));
    if (state.ref >= 0) add(keys, el("span", { "class": "key reference", text: D.groups[state.ref] }));
    else add(keys, el("span", { "class": "key other", text: "each other group (hover for its name)" }));
    add(box, keys);
    return box;
  }

  function nice(x) {
    var p = Math.pow(10, Math.floor(Math.log10(x))), f = x / p;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
  }
  function fmtTick(v) { return Math.abs(v) >= 10 ? fmtInt(Math.round(v)) : String(Number(v.toPrecision(3))); }
  function periodLabel(p) {
    var f = settings.freq;
    return f === "Y" ? p.slice(0, 4) : (f === "M" || f === "Q") ? p.slice(0, 7) : p.slice(5);
  }
  function freqName(f) {
    return { D: "days", W: "weeks (from Monday)", M: "months", Q: "quarters", Y: "years" }[f] || f;
  }

  function kwicBlock(D, t, state) {
    var box = el("div", { id: "kwic" });
    var data = D.lines[t] || [];
    var byGroup = new Map();
    for (var i = 0; i < data.length; i += 4) {
      var d = data[i];
      var g = D.docs.g[d];
      if (!byGroup.has(g)) byGroup.set(g, []);
      byGroup.get(g).push({ doc: d, left: data[i + 1], match: data[i + 2] || D.terms[t], right: data[i + 3] });
    }
    var order = [state.target];
    if (state.ref >= 0) order.push(state.ref);
    var rest = D.order.filter(function (g) { return order.indexOf(g) < 0 && byGroup.has(g); });
    rest.sort(function (a, b) {
      return D.count[t * D.G + b] / D.groupTokens[b] - D.count[t * D.G + a] / D.groupTokens[a];
    });
    var shown = 0;
    order.concat(rest).forEach(function (g, i) {
      var lines = byGroup.get(g) || [];
      var n = D.ndocs[t * D.G + g];
      var role = i === 0 ? "target" : (state.ref >= 0 && i === 1) ? "reference" : "other";
      var section = el("section", { "class": "kwic-group " + role, "data-group": D.groups[g] },
        el("h4", null, el("span", { "class": "key " + role, text: D.groups[g] }),
          " " + lines.length + " of " + fmtInt(n) + " documents holding it (reposts once)" +
          (lines.length < n ? "; all: study.kwic(\"" + D.terms[t] + "\")" : "")));
      if (!lines.length && n > 0) {
        add(section, el("p", { "class": "note", text: "No line of its own in this page: up to " +
          settings.max_lines + " lines a term, the groups using it most first, and a reposted " +
          "notice once (its copies fold under the line shown)." }));
      }
      var list = el("ol", { "class": "lines" });
      lines.forEach(function (ln) { add(list, lineItem(D, ln)); shown++; });
      add(section, list);
      if (lines.length || n > 0 || i < order.length) add(box, section);
    });
    add(box, el("p", { "class": "note", text: shown + " lines shown; up to " + settings.max_lines +
      " lines a term in this page, one per document, a reposted notice once (↻: its copies fold " +
      "below it), " + settings.window + " characters each side." }));
    return box;
  }

  function docLink(D, d) {
    var title = D.docs.title[d] || D.docs.id[d];
    var url = D.docs.url[d];
    if (url && /^https?:\/\//i.test(url)) {
      return el("a", { href: url, target: "_blank", rel: "noopener noreferrer", text: title });
    }
    return el("span", { "class": "title", text: title });
  }

  function lineItem(D, ln) {
    var d = ln.doc;
    var copies = D.docs.copies[d];
    var metaLine = el("div", { "class": "meta" },
      el("span", { "class": "group", text: D.docGroups[D.docs.g[d]] || "" }), " ",
      el("span", { "class": "date", text: D.docs.date[d] || "undated" }), " ",
      docLink(D, d));
    if (copies > 1) add(metaLine, el("span", { "class": "repost", text: " ↻ reposted: " + copies + " copies" }));
    var li = el("li", { "class": "line", "data-doc": D.docs.id[d] }, metaLine,
      el("div", { "class": "text" },
        el("span", { "class": "left", text: ln.left }),
        el("mark", { text: ln.match }),
        el("span", { "class": "right", text: ln.right })));
    if (copies > 1) {
      var members = (D.folds[String(D.docs.cl[d])] || []).filter(function (m) { return m !== d; });
      var list = el("ul", null);
      members.forEach(function (m) {
        add(list, el("li", { "data-doc": D.docs.id[m] },
          el("span", { "class": "group", text: D.docGroups[D.docs.g[m]] || "" }), " ",
          el("span", { "class": "date", text: D.docs.date[m] || "undated" }), " ", docLink(D, m)));
      });
      if (copies - 1 > members.length) {
        add(list, el("li", { "class": "note", text: "and " + (copies - 1 - members.length) + " more" }));
      }
      add(li, el("details", { "class": "fold" },
        el("summary", { text: (copies - 1) + " other " + (copies === 2 ? "copy" : "copies") +
          " of this document (near-duplicates)" }), list));
    }
    return li;
  }

  // -- start ------------------------------------------------------------------
  if (typeof DecompressionStream === "undefined") {
    status.textContent = "This page needs a browser from 2023 or later (DecompressionStream).";
    return;
  }
  inflate(document.getElementById("explorer-data").textContent.trim())
    .then(function (text) { build(prepare(JSON.parse(text))); })
    .catch(function (err) { status.textContent = "The explorer could not start: " + err; });
})();
