// The modelctx page: search, lineage explorer (Cytoscape.js, vendored) and a side panel.
// Plain JS, no build step. Every piece of graph data reaches the DOM through textContent, never innerHTML.
"use strict";

(function () {
  const API = "/api/v1";
  const KINDS = {
    project: "#6b7280", person: "#9333ea", code_repo: "#475569", commit: "#64748b", dataset: "#0e7490",
    dataset_version: "#0891b2", feature: "#0d9488", experiment: "#a16207", job: "#92400e", run: "#d97706",
    environment: "#78716c", model: "#1d4ed8", model_version: "#2563eb", review: "#16a34a", deployment: "#dc2626",
    monitoring_report: "#db2777", insight: "#7c3aed",
  };
  // Above this many nodes dagre's crossing minimisation costs more than a second: use the linear layered layout.
  const DAGRE_MAX_NODES = 250;
  const state = { root: null, selected: null, hiddenKinds: new Set(), token: localStorage.getItem("modelctx.token") };
  const $ = (sel) => document.querySelector(sel);

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null) continue;
      if (key === "class") node.className = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function nodePath(id) {
    // Ids contain ':' and '/'; the API takes them as a path, so encode everything but '/'.
    return encodeURIComponent(id).replace(/%2F/g, "/");
  }

  async function api(path, options) {
    const headers = Object.assign({ Accept: "application/json" }, (options && options.headers) || {});
    if (state.token) headers.Authorization = "Bearer " + state.token;
    const response = await fetch(API + path, Object.assign({}, options, { headers }));
    if (response.status === 401) {
      const token = window.prompt("This server needs an API token (modelctx token create). Token:");
      if (token) {
        state.token = token.trim();
        localStorage.setItem("modelctx.token", state.token);
        return api(path, options);
      }
    }
    const body = (response.headers.get("content-type") || "").includes("json") ? await response.json() : null;
    if (!response.ok) {
      const detail = body && (body.detail || body.error);
      const error = new Error(typeof detail === "string" ? detail : `${response.status} ${response.statusText}`);
      error.status = response.status;
      throw error;
    }
    return body;
  }

  function kindBadge(kind) {
    return el("span", { class: "kind", style: `background:${KINDS[kind] || "#667085"}` }, kind);
  }

  function fmt(value) {
    if (value === null || value === undefined) return "";
    const text = typeof value === "string" ? value : JSON.stringify(value);
    return text.length > 400 ? text.slice(0, 397) + "…" : text;
  }

  // ---------------------------------------------------------------- search

  function normaliseHit(hit) {
    const node = hit.node || {};
    const props = hit.properties || node.properties || {};
    const id = hit.id || hit.node_id || node.id;
    return {
      id,
      kind: hit.kind || node.kind || (id ? id.split(":")[0] : ""),
      title: hit.title || hit.name || node.title || props.name || (id ? id.split(":").slice(1).join(":") : ""),
      snippet: hit.snippet || hit.text || props.description || props.text || "",
      context: hit.context || [],
      answer: hit.answer || "",
    };
  }

  function contextChips(context) {
    // Search context may be a list of nodes or an object of lists ({runs: [...], datasets: [...]}).
    const items = Array.isArray(context) ? context : Object.values(context || {}).flat();
    return items.slice(0, 8).map((item) => {
      if (item && typeof item === "object") {
        const kind = item.kind || (item.id ? item.id.split(":")[0] : "");
        return el("span", { class: "chip", title: item.id || "" }, `${kind}: ${item.title || item.name || item.id || ""}`);
      }
      return el("span", { class: "chip" }, String(item));
    });
  }

  async function searchHits(q, kind) {
    const params = new URLSearchParams({ q, limit: "25" });
    if (kind) params.set("kind", kind);
    if (q) try {
      const body = await api(`/search?${params}`);
      const hits = Array.isArray(body) ? body : body.hits || body.results || [];
      return hits.map(normaliseHit);
    } catch (error) {
      if (error.status !== 404 && error.status !== 405) throw error;
    }
    // No query, or no search route on this server: list nodes, filtered by title and id.
    const kinds = kind ? [kind] : ["model", "model_version", "dataset", "dataset_version", "run", "review", "deployment", "insight"];
    const needle = q.toLowerCase();
    const lists = await Promise.all(kinds.map((k) => api(`/nodes?kind=${k}&limit=1000`)));
    return lists.flatMap((body) => body.nodes)
      .filter((n) => !needle || n.title.toLowerCase().includes(needle) || n.id.toLowerCase().includes(needle))
      .slice(0, 50)
      .map((n) => normaliseHit(n));
  }

  async function runSearch(event) {
    if (event) event.preventDefault();
    const q = $("#q").value.trim();
    const hitsList = $("#hits");
    hitsList.replaceChildren(el("li", { class: "empty" }, "searching…"));
    try {
      const hits = await searchHits(q, $("#kind-filter").value);
      hitsList.replaceChildren(...hits.map((hit) => el("li", {
        "data-id": hit.id,
        onclick: (e) => { markActive(e.currentTarget); openExplorer(hit.id); },
      },
        el("div", { class: "hit-title" }, kindBadge(hit.kind), hit.title),
        hit.answer ? el("div", { class: "hit-answer" }, hit.answer) : null,
        hit.snippet ? el("div", { class: "hit-snippet" }, fmt(hit.snippet).slice(0, 240)) : null,
        el("div", { class: "hit-context" }, contextChips(hit.context)),
      )));
      if (!hits.length) hitsList.replaceChildren(el("li", { class: "empty" }, "no hits"));
    } catch (error) {
      hitsList.replaceChildren(el("li", { class: "error" }, error.message));
    }
  }

  function markActive(li) {
    document.querySelectorAll("#hits li.active").forEach((n) => n.classList.remove("active"));
    li.classList.add("active");
  }

  // ---------------------------------------------------------------- explorer

  const cy = cytoscape({
    container: $("#cy"),
    minZoom: 0.05,
    maxZoom: 3,
    style: [
      { selector: "node", style: {
        "background-color": "data(color)", label: "data(label)", "font-size": 10, color: "#1d2430",
        "text-valign": "bottom", "text-margin-y": 3, "text-max-width": 130, "text-wrap": "ellipsis",
        width: 22, height: 22, "border-width": 0, "min-zoomed-font-size": 7 } },
      { selector: "node[?root]", style: { width: 32, height: 32, "border-width": 3, "border-color": "#111827" } },
      { selector: "node:selected", style: { "border-width": 3, "border-color": "#f59e0b" } },
      { selector: "node.expanded-up, node.expanded-down", style: { shape: "round-rectangle" } },
      { selector: "edge", style: {
        width: 1.3, "line-color": "#98a2b3", "curve-style": "bezier",
        // Edges point from the later thing to what it came from; draw the arrow the way data flows.
        "source-arrow-shape": "triangle", "source-arrow-color": "#98a2b3", "arrow-scale": 0.8 } },
      { selector: "edge.labelled", style: { label: "data(type)", "font-size": 8, color: "#667085", "text-rotation": "autorotate" } },
      { selector: "node.plain", style: { label: "" } },
      { selector: "node.plain:selected, node.plain[?root]", style: { label: "data(label)" } },
      { selector: "edge.plain", style: { "curve-style": "haystack", "haystack-radius": 0, "source-arrow-shape": "none", width: 0.8 } },
      { selector: ".hidden", style: { display: "none" } },
    ],
  });
  window.cy = cy;

  function addSubgraph(body) {
    const added = [];
    cy.batch(() => {
      for (const n of body.nodes) {
        if (cy.getElementById(n.id).nonempty()) continue;
        added.push(cy.add({ group: "nodes", data: {
          id: n.id, kind: n.kind, label: n.title.length > 40 ? n.title.slice(0, 38) + "…" : n.title,
          color: KINDS[n.kind] || "#667085", root: n.id === state.root,
        } }));
      }
      for (const e of body.edges) {
        const id = `${e.source}|${e.type}|${e.target}`;
        if (cy.getElementById(id).nonempty()) continue;
        if (cy.getElementById(e.source).empty() || cy.getElementById(e.target).empty()) continue;
        cy.add({ group: "edges", data: { id, source: e.source, target: e.target, type: e.type } });
      }
      cy.edges().toggleClass("labelled", cy.edges().length <= 120);
      // Bezier edges with arrows are the costliest thing to draw; big graphs get plain haystack lines.
      // Measuring a thousand labels is most of the first draw: big graphs label only the root and the selection.
      const big = cy.nodes().length > DAGRE_MAX_NODES;
      cy.edges().toggleClass("plain", big);
      cy.nodes().toggleClass("plain", big);
    });
    return added;
  }

  // Longest-path layering, linear in nodes + edges: earlier things (edge targets) left, later ones right.
  function layeredPositions(nodes, edges) {
    const ids = nodes.map((n) => n.id());
    const indegree = new Map(ids.map((id) => [id, 0]));
    const next = new Map(ids.map((id) => [id, []]));
    edges.forEach((e) => {
      const from = e.data("target"), to = e.data("source");
      if (!indegree.has(from) || !indegree.has(to) || from === to) return;
      next.get(from).push(to);
      indegree.set(to, indegree.get(to) + 1);
    });
    const rank = new Map(ids.map((id) => [id, 0]));
    const queue = ids.filter((id) => indegree.get(id) === 0);
    for (let i = 0; i < queue.length; i++) {
      const id = queue[i];
      for (const to of next.get(id)) {
        rank.set(to, Math.max(rank.get(to), rank.get(id) + 1));
        indegree.set(to, indegree.get(to) - 1);
        if (indegree.get(to) === 0) queue.push(to);
      }
    }
    const columns = new Map();
    nodes.forEach((n) => {
      const r = rank.get(n.id());
      if (!columns.has(r)) columns.set(r, []);
      columns.get(r).push(n);
    });
    const positions = {};
    const perColumn = 40;  // wrap tall ranks into sub-columns so 1,000 nodes stay readable
    let x = 0;
    for (const r of [...columns.keys()].sort((a, b) => a - b)) {
      const column = columns.get(r);
      column.sort((a, b) => (a.data("kind") + a.id()).localeCompare(b.data("kind") + b.id()));
      const rows = Math.min(column.length, perColumn);
      column.forEach((n, i) => {
        positions[n.id()] = { x: x + Math.floor(i / perColumn) * 80, y: (i % perColumn) * 46 - rows * 23 };
      });
      x += Math.ceil(column.length / perColumn) * 80 + 180;
    }
    return positions;
  }

  // cy.fit() measures every label (hundreds of ms at 1,000 nodes); positions alone are enough to frame the graph.
  function fitPositions(points, padding) {
    if (!points.length) return;
    const xs = points.map((p) => p.x), ys = points.map((p) => p.y);
    const x1 = Math.min(...xs) - 20, x2 = Math.max(...xs) + 20, y1 = Math.min(...ys) - 20, y2 = Math.max(...ys) + 30;
    const zoom = Math.max(cy.minZoom(), Math.min(cy.maxZoom(), 1.5,
      (cy.width() - 2 * padding) / (x2 - x1), (cy.height() - 2 * padding) / (y2 - y1)));
    cy.viewport({ zoom, pan: { x: (cy.width() - zoom * (x1 + x2)) / 2, y: (cy.height() - zoom * (y1 + y2)) / 2 } });
  }

  function runLayout() {
    const visible = cy.elements().not(".hidden");
    const nodes = visible.nodes();
    const started = performance.now();
    if (nodes.length <= DAGRE_MAX_NODES) {
      visible.layout({ name: "dagre", rankDir: "RL", nodeSep: 40, rankSep: 120, animate: false, fit: true, padding: 30 }).run();
    } else {
      const positions = layeredPositions(nodes, visible.edges());
      visible.layout({ name: "preset", positions: (n) => positions[n.id()], animate: false, fit: false }).run();
      fitPositions(Object.values(positions), 30);
    }
    const ms = Math.round(performance.now() - started);
    state.layoutMs = ms;
    $("#status").textContent = `${cy.nodes().length} nodes, ${cy.edges().length} edges · layout ${ms} ms`;
    return ms;
  }

  function renderKindToggles() {
    const counts = {};
    cy.nodes().forEach((n) => { counts[n.data("kind")] = (counts[n.data("kind")] || 0) + 1; });
    $("#kinds").replaceChildren(...Object.keys(counts).sort().map((kind) => {
      const box = el("input", { type: "checkbox", "data-kind": kind });
      box.checked = !state.hiddenKinds.has(kind);
      box.addEventListener("change", () => setKindHidden(kind, !box.checked));
      return el("label", { class: state.hiddenKinds.has(kind) ? "off" : "", title: `show or hide ${kind} nodes` },
        box, el("span", { class: "swatch", style: `background:${KINDS[kind] || "#667085"}` }), `${kind} (${counts[kind]})`);
    }));
    // The toggle bar may wrap and move the canvas; Cytoscape caches the canvas offset, so tell it.
    cy.resize();
  }

  function setKindHidden(kind, hidden) {
    if (hidden) state.hiddenKinds.add(kind); else state.hiddenKinds.delete(kind);
    applyHidden();
    renderKindToggles();
    runLayout();
  }

  function applyHidden() {
    cy.batch(() => {
      cy.elements().removeClass("hidden");
      cy.nodes().filter((n) => state.hiddenKinds.has(n.data("kind"))).addClass("hidden");
      cy.nodes(".hidden").connectedEdges().addClass("hidden");
    });
  }

  function depthParam() {
    const depth = $("#depth").value;
    return depth ? `&depth=${depth}` : "";
  }

  async function openExplorer(id) {
    document.body.dataset.state = "loading";
    state.root = id;
    $("#root-label").textContent = id;
    try {
      const t0 = performance.now();
      const body = await api(`/lineage/${nodePath(id)}?direction=both${depthParam()}&properties=false`);
      const t1 = performance.now();
      cy.elements().remove();
      addSubgraph(body);
      applyHidden();
      renderKindToggles();
      const t2 = performance.now();
      runLayout();
      state.timings = { fetch: Math.round(t1 - t0), build: Math.round(t2 - t1), layout: state.layoutMs };
      // "all" is the server's lineage_depth bound: say where the answer was cut (docs/guide/web.md).
      const cut = { depth: ` at depth ${body.depth}`, max_nodes: " at its node limit", time: ": partial, out of time" };
      $("#status").textContent += body.truncated ? ` (truncated${cut[body.truncated_by] || ""})` : "";
      cy.getElementById(id).select();
      await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
      state.timings.draw = Math.round(performance.now() - t2 - state.layoutMs);
      const t3 = performance.now();
      await showPanel(id);
      state.timings.panel = Math.round(performance.now() - t3);
      document.body.dataset.state = "ready";
    } catch (error) {
      $("#status").textContent = error.message;
      document.body.dataset.state = "error";
    }
  }

  async function expand(id, direction) {
    document.body.dataset.state = "loading";
    try {
      const body = await api(`/lineage/${nodePath(id)}?direction=${direction}&depth=1&properties=false`);
      const added = addSubgraph(body);
      cy.getElementById(id).addClass(`expanded-${direction}`);
      applyHidden();
      renderKindToggles();
      runLayout();
      $("#status").textContent += ` · +${added.length} ${direction === "up" ? "upstream" : "downstream"}`;
      document.body.dataset.state = "ready";
      return added.map((n) => n.id());
    } catch (error) {
      $("#status").textContent = error.message;
      document.body.dataset.state = "error";
      return [];
    }
  }

  cy.on("tap", "node", (event) => { state.selected = event.target.id(); showPanel(event.target.id()); });
  cy.on("dbltap", "node", (event) => { expand(event.target.id(), "up").then(() => expand(event.target.id(), "down")); });
  $("#fit").addEventListener("click", () => cy.fit(cy.elements().not(".hidden"), 30));
  $("#relayout").addEventListener("click", runLayout);
  $("#depth").addEventListener("change", () => state.root && openExplorer(state.root));

  // ---------------------------------------------------------------- side panel

  function section(title, items, render) {
    return [el("h3", {}, `${title} (${items.total ?? items.length})`),
      (items.items || items).length ? el("ul", {}, (items.items || items).map(render)) : el("p", { class: "empty" }, "none")];
  }

  function nodeLink(item) {
    return el("a", { onclick: () => { cy.getElementById(item.id).select(); showPanel(item.id); }, title: item.id }, item.title);
  }

  async function showPanel(id) {
    const panel = $("#panel");
    state.selected = id;
    let ctx;
    try {
      ctx = await api(`/context/${nodePath(id)}`);
    } catch (error) {
      panel.replaceChildren(el("p", { class: "error" }, error.message));
      return;
    }
    const node = ctx.node;
    const links = [el("a", { href: `${API}/nodes/${nodePath(id)}`, target: "_blank" }, "JSON")];
    if (ctx.links && ctx.links.audit) {
      links.unshift(el("a", { href: `${ctx.links.audit}?format=html`, target: "_blank", id: "audit-link" }, "Audit report"),
        el("a", { href: `${ctx.links.audit}?format=pdf`, target: "_blank" }, "PDF"));
    }
    const props = Object.entries(node.properties).sort(([a], [b]) => a.localeCompare(b));
    panel.replaceChildren(
      el("h2", {}, kindBadge(node.kind), node.title),
      el("div", { class: "node-id" }, node.id),
      el("div", { class: "actions" },
        el("button", { type: "button", id: "expand-up", onclick: () => expand(id, "up") }, "▲ Expand upstream"),
        el("button", { type: "button", id: "expand-down", onclick: () => expand(id, "down") }, "▼ Expand downstream"),
        id !== state.root ? el("button", { type: "button", onclick: () => openExplorer(id) }, "Open as root") : null),
      el("div", { class: "links" }, links),
      ...section("Reviews", ctx.reviews, (r) => el("li", {},
        el("span", { class: `verdict-${r.properties.verdict}` }, r.properties.verdict || "review"), " ",
        el("span", { class: "meta" }, [r.properties.reviewer, r.properties.at].filter(Boolean).join(" · ")),
        r.properties.comment ? el("div", {}, fmt(r.properties.comment)) : null)),
      ...section("Deployments", ctx.deployments, (d) => el("li", {}, nodeLink(d), " ",
        el("span", { class: "meta" }, [d.properties.environment, d.properties.status || (d.properties.retired_at ? "retired" : "active"),
          d.properties.endpoint].filter(Boolean).join(" · ")))),
      ...(ctx.monitoring.total ? section("Monitoring", ctx.monitoring, (m) => el("li", {}, nodeLink(m), " ",
        el("span", { class: "meta" }, fmt(m.properties.severity || "")))) : []),
      ...section("Notes", ctx.notes, (n) => el("li", {}, fmt(n.properties.text || n.title),
        el("div", { class: "meta" }, [n.properties.author, n.properties.at].filter(Boolean).join(" · ")))),
      el("h3", {}, "Properties"),
      el("table", {}, props.map(([k, v]) => el("tr", {}, el("td", {}, k), el("td", {}, fmt(v))))),
      ...section("Upstream", ctx.upstream, (u) => el("li", {}, kindBadge(u.kind), nodeLink(u), el("span", { class: "meta" }, ` ${u.edge}`))),
      ...section("Downstream", ctx.downstream, (u) => el("li", {}, kindBadge(u.kind), nodeLink(u), el("span", { class: "meta" }, ` ${u.edge}`))),
    );
  }

  // ---------------------------------------------------------------- start

  for (const kind of Object.keys(KINDS)) $("#kind-filter").append(el("option", { value: kind }, kind));
  $("#search-form").addEventListener("submit", runSearch);
  if (state.token) $("#auth").textContent = "token set";
  window.addEventListener("resize", () => cy.resize());
  window.modelctx = { state, openExplorer, expand, runLayout, setKindHidden };
  const params = new URLSearchParams(location.search);
  if (params.has("depth")) $("#depth").value = params.get("depth") === "all" ? "" : params.get("depth");
  if (params.get("node")) openExplorer(params.get("node"));
  if (params.get("q")) { $("#q").value = params.get("q"); runSearch(); }
})();
