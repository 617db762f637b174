// The modelctx web app: one page, a client-side router (history.pushState), views drawn from the API.
// Plain JS, no build step. Graph data reaches the DOM through textContent (el()), never innerHTML.
// Every page path is answered by the server with this shell (modelctx/api/routes/pages.py PAGE_PATHS).
"use strict";

(function () {
  const API = "/api/v1";
  // One colour and one icon per kind (the lineage cards, the badges, the legend).
  const KINDS = {
    project: ["#6b7280", "▣"], person: ["#9333ea", "☺"], code_repo: ["#334155", "⌂"], commit: ["#0f766e", "⎇"],
    dataset: ["#0e7490", "▤"], dataset_version: ["#0891b2", "▦"], feature: ["#65a30d", "ƒ"],
    experiment: ["#a16207", "⚗"], job: ["#92400e", "⚙"], run: ["#d97706", "▶"], environment: ["#78716c", "⬡"],
    model: ["#1e3a8a", "◆"], model_version: ["#4f46e5", "◇"], review: ["#16a34a", "✎"],
    deployment: ["#dc2626", "⇪"], monitoring_report: ["#db2777", "∿"], insight: ["#7c3aed", "✦"],
  };
  // Edges point from the later thing to what it came from (docs/design.md). The graph is drawn left to right
  // in the order things happened, so each edge is drawn from its "left" end and labelled as read that way.
  // [drawn from the edge's target?, label as read left to right]
  const EDGE_READING = {
    USED: [true, "used by"], GENERATED_BY: [true, "generated"], DERIVED_FROM: [true, "derived into"],
    VERSION_OF: [false, "version of"], INSTANCE_OF: [false, "instance of"], REVIEWS: [true, "reviewed in"],
    DEPLOYS: [true, "deployed as"], MONITORS: [true, "monitored by"], ABOUT: [true, "noted in"],
    PART_OF: [false, "part of"], CHILD_OF: [true, "parent of"], PARENT: [true, "parent of"],
    IN_REPO: [false, "in repo"], ATTRIBUTED_TO: [false, "by"], IN_PROJECT: [false, "in project"],
  };
  const STRUCTURE_EDGES = ["IN_PROJECT", "IN_REPO", "ATTRIBUTED_TO", "PART_OF", "CHILD_OF", "PARENT", "ABOUT"];
  // Up to DAGRE_MAX_NODES cards dagre lays out (its crossing minimisation is worth its cost); above, the linear
  // layered layout places cards (bench/web_bench.py: dagre took 2.4 s for 200 cards); above CARD_MAX_NODES
  // cards become plain marks, so 1,000-node lineages stay fast to draw.
  const DAGRE_MAX_NODES = 60;
  const CARD_MAX_NODES = 250;
  const state = { token: localStorage.getItem("modelctx.token"), me: null, layoutMs: null, cy: null };
  const $ = (sel, root) => (root || document).querySelector(sel);
  const view = $("#view");

  // ------------------------------------------------------------------ helpers

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === "class") node.className = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  // replaceChildren/append that take what el() takes: nested arrays, null and text.
  function add(node, ...children) {
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }
  function fill(node, ...children) { node.replaceChildren(); return add(node, ...children); }

  function svgEl(tag, attrs, ...children) {
    const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
    for (const child of children.flat()) if (child !== null && child !== undefined) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    return node;
  }

  // Ids contain ':' and '/'; URLs take them as a path, so encode everything but '/', ':' and '@'.
  const idPath = (id) => encodeURIComponent(id).replace(/%2F/g, "/").replace(/%3A/g, ":").replace(/%40/g, "@");
  const kindOf = (id) => String(id || "").split(":")[0];
  const color = (kind) => (KINDS[kind] || ["#667085"])[0];
  const icon = (kind) => (KINDS[kind] || ["", "•"])[1];
  const words = (kind) => String(kind || "").replace(/_/g, " ");

  function fmt(value) {
    if (value === null || value === undefined) return "";
    if (typeof value === "number") return Number.isInteger(value) ? String(value) : String(Math.round(value * 10000) / 10000);
    const text = typeof value === "string" ? value : JSON.stringify(value);
    return text.length > 400 ? text.slice(0, 397) + "…" : text;
  }

  function when(value) {
    if (!value) return "";
    const text = String(value);
    return text.length > 19 ? text.slice(0, 19).replace("T", " ") : text;
  }

  async function api(path, options) {
    const headers = Object.assign({ Accept: "application/json" }, (options && options.headers) || {});
    if (state.token) headers.Authorization = "Bearer " + state.token;
    const response = await fetch(API + path, Object.assign({}, options, { headers }));
    const body = (response.headers.get("content-type") || "").includes("json") ? await response.json() : null;
    if (!response.ok) {
      const detail = body && (body.detail || body.error);
      const message = typeof detail === "string" ? detail : Array.isArray(detail) ? detail.map((d) => d.msg).join("; ")
        : `${response.status} ${response.statusText}`;
      const error = new Error(response.status === 401 ? `${message} — set a token with the Token button` : message);
      error.status = response.status;
      // A ref to nothing answers its nearest refs, an ambiguous one its candidates (modelctx/api/errors.py).
      error.refs = (body && (body.suggestions || body.candidates)) || [];
      throw error;
    }
    return body;
  }

  function kindBadge(kind) {
    return el("span", { class: "kind", style: `background:${color(kind)}` }, `${icon(kind)} ${words(kind)}`);
  }

  // Every id shown anywhere is a link to its page.
  function idLink(id, title, attrs) {
    return el("a", Object.assign({ href: `/nodes/${idPath(id)}`, title: id }, attrs || {}), title || id);
  }

  const ID_IN_TEXT = new RegExp(`\\b((?:${Object.keys(KINDS).join("|")}):[^\\s,;()\\[\\]]*[^\\s,;()\\[\\].])`, "g");

  // Text with the ids in it turned into links (finding messages, notes, snippets).
  function linkify(text) {
    const parts = [];
    let last = 0;
    for (const match of String(text).matchAll(ID_IN_TEXT)) {
      parts.push(String(text).slice(last, match.index), idLink(match[1]));
      last = match.index + match[1].length;
    }
    parts.push(String(text).slice(last));
    return parts;
  }

  function nodeRef(item) {
    return el("span", {}, kindBadge(item.kind || kindOf(item.id)), idLink(item.id, item.title || item.id));
  }

  function table(headers, rows, attrs) {
    return el("div", { class: "table-wrap" }, el("table", attrs || {},
      el("thead", {}, el("tr", {}, headers.map((h) => el("th", {}, h)))),
      el("tbody", {}, rows.map((row) => row instanceof Node ? row : el("tr", {}, row.map((c) => el("td", {}, c)))))));
  }

  function factsTable(props) {
    const entries = Object.entries(props).filter(([, v]) => v !== null && v !== undefined && v !== "")
      .sort(([a], [b]) => a.localeCompare(b));
    const shown = (v) => {
      if (typeof v === "string" && /^[a-z_]+:[^\s]+$/.test(v) && KINDS[kindOf(v)]) return idLink(v);
      // Small objects (params, metrics, tags) read better as their own key/value table.
      if (v && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length && Object.keys(v).length <= 30
        && Object.values(v).every((x) => x === null || typeof x !== "object")) return factsTable(v);
      return fmt(v);
    };
    return el("table", { class: "facts" }, entries.map(([k, v]) => el("tr", { "data-key": k }, el("td", {}, k), el("td", {}, shown(v)))));
  }

  function severityChip(severity) {
    return severity ? el("span", { class: `chip sev-${severity}` }, `drift ${severity}`) : null;
  }

  function verdictChip(state) {
    if (!state) return null;
    const cls = state === "approved" ? "ok" : state === "rejected" ? "bad" : state === "changes_requested" ? "warn" : "";
    return el("span", { class: `chip ${cls} verdict-${state}` }, words(state));
  }

  function setTitle(text) { document.title = text ? `${text} · modelctx` : "modelctx"; }

  function loading(text) { fill(view, el("p", { class: "notice" }, text || "loading…")); }

  // A miss names the nearest refs, an ambiguous ref its candidates (graph/refs.py): each one is a link.
  function failed(error) {
    const refs = error.refs || [];
    const head = refs.length ? String(error.message).split("; did you mean: ")[0] : error.message;
    fill(view, el("h1", {}, error.status === 404 ? "Not found" : "Something went wrong"),
      el("p", { class: "error", id: "page-error" }, refs.length ? head : linkify(error.message)),
      refs.length ? el("p", { id: "did-you-mean" }, "Did you mean ", refs.map((r, i) => [i ? ", " : "",
        el("a", { href: `/nodes/${idPath(r)}` }, r)]), "?") : null);
  }

  // ------------------------------------------------------------------ router

  const ROUTES = [
    // "/?node=ID&depth=N" and "/?q=…" were the links of the earlier single-view page: they still open their view.
    [/^\/$/, (m, params) => navigate(params.get("node")
      ? `/lineage/${idPath(params.get("node"))}?direction=both&depth=${params.get("depth") || "2"}`
      : params.get("q") ? `/search?${new URLSearchParams({ q: params.get("q") })}` : "/models", { replace: true })],
    [/^\/models\/?$/, viewCatalogue],
    [/^\/models\/(.+)$/, (m) => viewModel(decodeURIComponent(m[1]))],
    [/^\/nodes\/(.+)$/, (m, params) => viewNode(decodeURIComponent(m[1]), params)],
    [/^\/search\/?$/, (m, params) => viewSearch(params)],
    [/^\/lineage\/(.+)$/, (m, params) => viewLineage(decodeURIComponent(m[1]), params)],
    [/^\/diff\/?$/, (m, params) => viewDiff(params)],
    [/^\/portfolio\/?$/, viewPortfolio],
    [/^\/findings\/?$/, viewFindings],
  ];

  function navigate(url, options) {
    if (options && options.replace) history.replaceState(null, "", url);
    else history.pushState(null, "", url);
    return render();
  }

  async function render() {
    const params = new URLSearchParams(location.search);
    if (state.cy) { state.cy.destroy(); state.cy = null; window.cy = null; }
    view.classList.remove("wide");
    document.querySelectorAll("header nav a").forEach((a) =>
      a.classList.toggle("current", location.pathname.startsWith(a.getAttribute("href"))));
    document.body.dataset.state = "loading";
    for (const [pattern, handler] of ROUTES) {
      const match = location.pathname.match(pattern);
      if (!match) continue;
      try {
        await handler(match, params);
        if (document.body.dataset.state === "loading") document.body.dataset.state = "ready";
      } catch (error) {
        failed(error);
        document.body.dataset.state = "error";
      }
      return;
    }
    failed(Object.assign(new Error(`no page at ${location.pathname}`), { status: 404 }));
    document.body.dataset.state = "error";
  }

  // Same-origin links to app pages navigate in place; everything else (API, docs, downloads) is left alone.
  document.addEventListener("click", (event) => {
    const a = event.target.closest("a");
    if (!a || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
    if (a.target || a.hasAttribute("download")) return;
    const url = new URL(a.href, location.href);
    if (url.origin !== location.origin || !ROUTES.some(([p]) => p.test(url.pathname))) return;
    event.preventDefault();
    navigate(url.pathname + url.search);
  });
  window.addEventListener("popstate", render);

  // ------------------------------------------------------------------ catalogue

  function deploymentChips(deployments) {
    return Object.entries(deployments || {}).sort().map(([env, list]) => {
      const active = list.filter((d) => d.active);
      const shown = active[0] || list[0];
      return el("a", { href: `/nodes/${idPath(shown.id)}`, title: shown.id,
        class: `chip ${list.some((d) => d.in_production) ? "ok" : ""}` },
        `${env}${active.length ? "" : " (retired)"}${list.length > 1 ? ` ×${list.length}` : ""}`);
    });
  }

  function versionRows(versions) {
    return versions.map((v) => [
      idLink(v.id, v.title, { class: "version-link" }),
      v.aliases.map((a) => el("span", { class: "chip" }, `@${a}`)),
      v.verdict.review ? el("a", { href: `/nodes/${idPath(v.verdict.review)}` }, verdictChip(v.verdict.state)) : verdictChip(v.verdict.state),
      deploymentChips(v.deployments),
      v.drift ? el("a", { href: `/nodes/${idPath(v.drift.report)}`, title: v.drift.report }, severityChip(v.drift.severity)) : el("span", { class: "empty" }, "—"),
      Object.entries(v.metrics).map(([k, x]) => el("span", { class: "chip" }, `${k} ${fmt(x)}`)),
      [when(v.created), v.flagged ? el("span", { class: "chip bad" }, "⚑ flagged") : null],
    ]);
  }
  const VERSION_HEADERS = ["version", "aliases", "latest verdict", "deployments", "latest drift", "key metrics", "created"];

  async function viewCatalogue() {
    setTitle("Models");
    loading();
    const data = await api("/catalogue");
    fill(view, 
      el("h1", {}, "Models"),
      el("p", { class: "sub" }, `${data.models.length} model(s)${data.truncated ? " (list cut: more exist)" : ""}. `,
        "Each row is a version: its aliases, the verdict in force, where it is deployed, its latest drift and metrics."),
      data.models.length ? null : el("p", { class: "empty" }, "No models recorded yet."),
      data.models.map((m) => el("section", { class: "card model-card", "data-model": m.name },
        el("h2", {}, kindBadge("model"), el("a", { href: `/models/${idPath(m.name)}`, class: "model-link" }, m.name),
          m.project ? el("span", { class: "chip" }, m.project) : null),
        m.description ? el("p", { class: "sub" }, m.description) : null,
        m.versions.length ? table(VERSION_HEADERS, versionRows(m.versions), { class: "versions" })
          : el("p", { class: "empty" }, "no versions"),
        m.versions_total > m.versions.length ? el("p", { class: "notice" }, `${m.versions_total - m.versions.length} older version(s) on the model's page`) : null)));
  }

  async function viewModel(name) {
    setTitle(name);
    loading();
    const m = await api(`/catalogue/${idPath(name)}`);
    fill(view, 
      el("p", { class: "notice" }, el("a", { href: "/models" }, "Models"), " / ", m.name),
      el("h1", {}, kindBadge("model"), m.name),
      el("div", { class: "node-id" }, idLink(m.id)),
      m.description ? el("p", { class: "sub" }, m.description) : null,
      el("div", { class: "actions" },
        el("a", { href: `/nodes/${idPath(m.id)}` }, "Model page"), " · ",
        el("a", { href: `/lineage/${idPath(m.id)}?direction=both&depth=2` }, "Lineage"),
        m.versions.length > 1 ? [" · ", el("a", { href: `/diff?a=${encodeURIComponent(m.versions[1].id)}&b=${encodeURIComponent(m.versions[0].id)}`, id: "compare-latest" }, "Compare the latest two versions")] : null),
      el("h2", {}, `Versions (${m.versions_total})`),
      table(VERSION_HEADERS, versionRows(m.versions), { class: "versions" }));
  }

  // ------------------------------------------------------------------ search (keyboard: ↑ ↓ Enter, / to focus)

  function normaliseHit(hit) {
    const node = hit.node || {};
    const id = hit.id || hit.node_id || node.id;
    const props = hit.properties || node.properties || {};
    return { id, kind: hit.kind || node.kind || kindOf(id), title: hit.title || node.title || props.name || id,
      snippet: hit.snippet || hit.text || props.description || "", answer: hit.answer || "" };
  }

  async function viewSearch(params) {
    const q = params.get("q") || "";
    const kind = params.get("kind") || "";
    setTitle(q ? `Search: ${q}` : "Search");
    $("#q").value = q;
    const kindSelect = el("select", { id: "kind-filter", "aria-label": "Kind" }, el("option", { value: "" }, "all kinds"),
      Object.keys(KINDS).map((k) => el("option", { value: k, selected: k === kind }, words(k))));
    kindSelect.addEventListener("change", () => navigate(`/search?${new URLSearchParams({ q, kind: kindSelect.value })}`));
    const list = el("ol", { id: "hits", role: "listbox", "aria-label": "Search hits" });
    fill(view, el("h1", {}, "Search"),
      el("div", { class: "actions" }, kindSelect, el("span", { class: "notice" }, "↑ ↓ to move, Enter to open, / to search")),
      list);
    if (!q.trim()) { add(list, el("li", { class: "empty" }, "Type what you look for in the search box.")); return; }
    add(list, el("li", { class: "empty" }, "searching…"));
    const query = new URLSearchParams({ q, limit: "25" });
    if (kind) query.set("kind", kind);
    const body = await api(`/search?${query}`);
    const hits = (body.hits || []).map(normaliseHit);
    fill(list, ...hits.map((hit, i) => el("li", { "data-id": hit.id, role: "option", class: i === 0 ? "active" : "" },
      el("a", { href: `/nodes/${idPath(hit.id)}`, tabindex: "-1" },
        el("div", { class: "hit-title" }, kindBadge(hit.kind), hit.title),
        el("div", { class: "node-id" }, hit.id),
        // A question about structure is answered from the graph (search/questions/): the answer comes first.
        hit.answer ? el("div", { class: "hit-answer" }, linkify(hit.answer)) : null,
        hit.snippet ? el("div", { class: "hit-snippet" }, fmt(hit.snippet).slice(0, 240)) : null))));
    // The answer's note says why there are no hits, or that a question about structure has no answer in the
    // graph (so the ranked hits below are not its answers): SearchService.answer in search/service.py.
    if (body.note) list.before(el("p", { class: "notice", id: "search-note" }, body.note));
    else if (!hits.length) add(list, el("li", { class: "empty" }, "no hits"));
    if (body.pending_changes) list.after(el("p", { class: "notice" }, `${body.pending_changes} recent change(s) not indexed yet`));
  }

  function moveActive(step) {
    const items = [...document.querySelectorAll("#hits li[data-id]")];
    if (!items.length) return false;
    const at = items.findIndex((li) => li.classList.contains("active"));
    const next = Math.max(0, Math.min(items.length - 1, (at < 0 ? -1 : at) + step));
    items.forEach((li, i) => li.classList.toggle("active", i === next));
    items[next].scrollIntoView({ block: "nearest" });
    return true;
  }

  document.addEventListener("keydown", (event) => {
    const typing = ["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement.tagName);
    if (event.key === "/" && !typing) { event.preventDefault(); $("#q").focus(); $("#q").select(); return; }
    if (!$("#hits") || (typing && document.activeElement.id !== "q")) return;
    if (event.key === "ArrowDown" || (!typing && event.key === "j")) { if (moveActive(1)) event.preventDefault(); }
    else if (event.key === "ArrowUp" || (!typing && event.key === "k")) { if (moveActive(-1)) event.preventDefault(); }
    else if (event.key === "Enter" && (!typing || location.pathname === "/search") && document.activeElement.id !== "q") {
      const active = $("#hits li.active a");
      if (active) { event.preventDefault(); active.click(); }
    }
  });

  $("#search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const q = $("#q").value.trim();
    const onSearch = location.pathname === "/search";
    const current = new URLSearchParams(location.search);
    // Enter on an unchanged query opens the highlighted hit; a new query searches.
    if (onSearch && current.get("q") === q && $("#hits li.active a")) { $("#hits li.active a").click(); return; }
    const params = new URLSearchParams({ q });
    if (onSearch && current.get("kind")) params.set("kind", current.get("kind"));
    navigate(`/search?${params}`);
  });

  // ------------------------------------------------------------------ charts (SVG, only with enough points)

  function lineChart(title, xs, ys, options) {
    const w = 380, h = 180, pad = 38;
    const minY = Math.min(...ys), maxY = Math.max(...ys), minX = Math.min(...xs), maxX = Math.max(...xs);
    const sx = (x) => pad + (maxX === minX ? 0.5 : (x - minX) / (maxX - minX)) * (w - pad - 12);
    const sy = (y) => h - pad + 10 - (maxY === minY ? 0.5 : (y - minY) / (maxY - minY)) * (h - pad - 20);
    const points = xs.map((x, i) => `${sx(x).toFixed(1)},${sy(ys[i]).toFixed(1)}`).join(" ");
    return svgEl("svg", { class: "chart", width: w, height: h, viewBox: `0 0 ${w} ${h}`, role: "img", "aria-label": title, "data-metric": title },
      svgEl("text", { x: pad, y: 14 }, title),
      svgEl("line", { class: "axis", x1: pad, y1: h - pad + 10, x2: w - 12, y2: h - pad + 10 }),
      svgEl("line", { class: "axis", x1: pad, y1: 20, x2: pad, y2: h - pad + 10 }),
      svgEl("text", { x: 2, y: sy(maxY) + 4 }, fmt(maxY)), svgEl("text", { x: 2, y: sy(minY) + 4 }, fmt(minY)),
      svgEl("text", { x: pad, y: h - 6 }, `${(options && options.xLabel) || "step"} ${minX}`),
      svgEl("text", { x: w - 80, y: h - 6 }, String(maxX)),
      svgEl("polyline", { class: "line", points }));
  }

  // Integer counts per category (weeks): bars with whole-number axis labels.
  function barChart(title, labels, values) {
    const w = Math.max(300, labels.length * 44 + 60), h = 180, pad = 34;
    const max = Math.max(1, ...values);
    const bw = (w - pad - 10) / labels.length;
    return svgEl("svg", { class: "chart", width: w, height: h, role: "img", "aria-label": title },
      svgEl("text", { x: pad, y: 14 }, title),
      svgEl("text", { x: 4, y: 28 }, String(max)), svgEl("text", { x: 4, y: h - pad }, "0"),
      svgEl("line", { class: "axis", x1: pad, y1: h - pad, x2: w - 8, y2: h - pad }),
      labels.map((label, i) => {
        const bh = (values[i] / max) * (h - pad - 28);
        return [svgEl("rect", { class: "bar", x: pad + i * bw + 4, y: h - pad - bh, width: bw - 8, height: bh }),
          svgEl("text", { x: pad + i * bw + 4, y: h - pad + 14 }, label.replace(/^\d{4}-/, ""))];
      }));
  }

  // ------------------------------------------------------------------ entity pages

  function runCharts(props) {
    const history = props.metric_history || {};
    const charts = Object.entries(history).filter(([, h]) => h && Array.isArray(h.values) && h.values.length >= 3)
      .map(([name, h]) => lineChart(name, h.steps || h.values.map((_, i) => i), h.values));
    return charts.length ? el("div", { class: "charts", id: "metric-charts" }, charts) : null;
  }

  function schemaTable(props) {
    const stats = props.column_stats && typeof props.column_stats === "object" ? props.column_stats : {};
    const columns = Array.isArray(props.columns) ? props.columns : Object.keys(stats).map((name) => ({ name }));
    if (!columns.length) return null;
    const statKeys = ["null_fraction", "min", "max", "mean", "std", "distinct"];
    const used = statKeys.filter((k) => columns.some((c) => stats[c.name] && stats[c.name][k] !== undefined));
    return table(["column", "type", ...used.map(words)], columns.map((c) => {
      const s = stats[c.name] || {};
      return [c.name, c.dtype || s.dtype || "", ...used.map((k) => el("span", { class: "num" }, fmt(s[k])))];
    }), { id: "schema" });
  }

  // Column lineage, where OpenLineage's columnLineage facet recorded it (modelctx/ingest/openlineage.py):
  // DERIVED_FROM edges carrying {columns: {output column: [input columns]}, transformations: {output column: text}}.
  function columnRows(edges, id) {
    const rowsOut = [];
    for (const e of edges) {
      const columns = e.type === "DERIVED_FROM" && e.properties && e.properties.columns;
      if (!columns || typeof columns !== "object") continue;
      const transforms = e.properties.transformations || {};
      for (const [out, inputs] of Object.entries(columns).sort()) {
        rowsOut.push({ from: e.target, to: e.source, out, inputs: Array.isArray(inputs) ? inputs : [inputs], how: transforms[out] || "", incoming: e.source === id });
      }
    }
    return rowsOut;
  }

  async function columnLineage(id) {
    const body = await api(`/lineage/${idPath(id)}?direction=both&depth=1&edge_type=DERIVED_FROM`).catch(() => null);
    const found = body ? columnRows(body.edges, id) : [];
    if (!found.length) return null;
    return [el("h2", {}, "Column lineage"), table(["column", "comes from", "in", "transformation"],
      found.map((r) => [r.incoming ? r.out : el("span", {}, r.out, el("span", { class: "meta" }, " (downstream)")),
        r.inputs.join(", "), idLink(r.incoming ? r.from : r.to), r.how]), { id: "column-lineage" })];
  }

  function driftTable(report) {
    const drift = Array.isArray(report.properties.drift) ? report.properties.drift : [];
    if (!drift.length) return null;
    return table(["feature", "severity", "PSI", "KS statistic", "KS p-value", "reference mean", "current mean"],
      drift.map((d) => [d.feature, el("span", { class: `sev-${d.severity}` }, d.severity || ""), fmt(d.psi), fmt(d.ks_statistic),
        fmt(d.ks_pvalue), fmt(d.reference_mean), fmt(d.current_mean)]), { class: "drift" });
  }

  function statusChips(node) {
    const p = node.properties || {};
    const chips = [];
    if (p.flagged === true) chips.push(el("span", { class: "chip bad", title: p.flag_reason || "" }, `⚑ flagged: ${p.flag_reason || ""}`));
    if (node.kind === "review" && p.verdict) chips.push(verdictChip(p.verdict));
    if (node.kind === "monitoring_report" && p.severity) chips.push(severityChip(p.severity));
    if (node.kind === "deployment") chips.push(el("span", { class: `chip ${p.retired_at || p.status === "retired" ? "" : "ok"}` }, p.retired_at || p.status === "retired" ? "retired" : "active"));
    if (p.governance_override && p.governance_override.reason) chips.push(el("span", { class: "chip warn" }, `override: ${p.governance_override.reason}`));
    if (Array.isArray(p.aliases)) p.aliases.forEach((a) => chips.push(el("span", { class: "chip" }, `@${a}`)));
    return chips;
  }

  const TAB_NAMES = { overview: "Overview", versions: "Versions", lineage: "Lineage", reviews: "Reviews",
    deployments: "Deployments", monitoring: "Monitoring", notes: "Notes", related: "Related", history: "History" };

  async function viewNode(ref, params) {
    loading();
    const ctx = await api(`/context/${idPath(ref)}`);
    const node = ctx.node;
    const id = node.id;
    if (id !== ref && !params.get("tab")) history.replaceState(null, "", `/nodes/${idPath(id)}${location.search}`);
    setTitle(node.title);
    const related = await api(`/lineage/${idPath(id)}?direction=both&depth=1&max_nodes=300&properties=false&${STRUCTURE_EDGES.map((t) => `edge_type=${t}`).join("&")}`)
      .catch(() => ({ nodes: [], edges: [] }));
    const relatedNodes = related.nodes.filter((n) => n.id !== id);
    const catalogue = node.kind === "model" ? await api(`/catalogue/${idPath(id)}`).catch(() => null) : null;
    const tabs = { overview: 1 };
    if (catalogue && catalogue.versions.length) tabs.versions = catalogue.versions_total;
    if (ctx.upstream.total + ctx.downstream.total) tabs.lineage = ctx.upstream.total + ctx.downstream.total;
    if (ctx.reviews.total || node.kind === "model_version") tabs.reviews = ctx.reviews.total;
    if (ctx.deployments.total) tabs.deployments = ctx.deployments.total;
    if (ctx.monitoring.total || node.kind === "monitoring_report") tabs.monitoring = ctx.monitoring.total || 1;
    tabs.notes = ctx.notes.total;
    if (relatedNodes.length) tabs.related = relatedNodes.length;
    tabs.history = "";
    const tab = tabs[params.get("tab")] !== undefined ? params.get("tab") : "overview";
    const base = `/nodes/${idPath(id)}`;
    const header = [
      el("p", { class: "notice" }, node.kind === "model_version" && node.properties.model
        ? [el("a", { href: "/models" }, "Models"), " / ", el("a", { href: `/models/${idPath(node.properties.model)}` }, node.properties.model), " / ", node.title]
        : [words(node.kind)]),
      el("h1", {}, kindBadge(node.kind), node.title),
      el("div", { class: "node-id", id: "node-id" }, id),
      el("div", { class: "actions" }, statusChips(node),
        el("a", { href: `/lineage/${idPath(id)}?direction=both&depth=2`, id: "open-lineage" }, "Lineage graph"),
        ctx.links && ctx.links.audit ? [el("a", { href: `${ctx.links.audit}?format=html`, target: "_blank", id: "audit-link" }, "Audit report"),
          el("a", { href: `${ctx.links.audit}?format=pdf`, target: "_blank" }, "PDF")] : null,
        ["model_version", "run"].includes(node.kind) ? el("a", { href: `/diff?a=${encodeURIComponent(id)}` }, "Compare…") : null,
        el("a", { href: `${API}/nodes/${idPath(id)}`, target: "_blank" }, "JSON")),
      el("nav", { class: "tabs", "aria-label": "Sections" }, Object.entries(tabs).map(([name, count]) =>
        el("a", { href: name === "overview" ? base : `${base}?tab=${name}`, class: name === tab ? "current" : "", "data-tab": name },
          TAB_NAMES[name], count !== "" && name !== "overview" ? el("span", { class: "count" }, String(count)) : null))),
    ];
    const body = el("section", { id: "tab-body", "data-tab": tab });
    fill(view, ...header, body);
    const item = (x, extra) => el("li", {}, nodeRef(x), " ", statusChips(x), extra ? [" ", el("span", { class: "meta" }, extra)] : null);
    if (tab === "overview") {
      const props = node.properties;
      add(body, 
        node.kind === "run" ? runCharts(props) : null,
        node.kind === "dataset_version" ? [el("h2", {}, `Schema and column statistics${props.rows !== undefined ? ` (${props.rows} rows)` : ""}`), schemaTable(props)] : null,
        node.kind === "dataset_version" ? await columnLineage(id) : null,
        node.kind === "monitoring_report" ? [el("h2", {}, "Drift per feature"), driftTable(node)] : null,
        el("h2", {}, "Facts"), factsTable(Object.fromEntries(Object.entries(props).filter(([k]) =>
          !["metric_history", "column_stats", "columns", "drift"].includes(k)))),
        writerActions(node));
    } else if (tab === "versions") {
      add(body, table(VERSION_HEADERS, versionRows(catalogue.versions), { class: "versions" }));
    } else if (tab === "lineage") {
      const graph = el("div", { class: "graph embedded", id: "cy" });
      add(body, el("div", { class: "grid2" },
        el("div", {}, el("h2", {}, `Upstream (${ctx.upstream.total})`), el("ul", { class: "plain" }, ctx.upstream.items.map((u) => item(u, reading(u.edge, false))))),
        el("div", {}, el("h2", {}, `Downstream (${ctx.downstream.total})`), el("ul", { class: "plain" }, ctx.downstream.items.map((u) => item(u, reading(u.edge, true)))))),
        el("h2", {}, "Graph (one hop each way)"), graph);
      await drawLineage(graph, id, "both", 1);
    } else if (tab === "reviews") {
      add(body, el("ul", { class: "plain", id: "reviews" }, ctx.reviews.items.map((r) => el("li", {},
        verdictChip(r.properties.verdict || "comment"), " ", idLink(r.id, r.title),
        el("div", { class: "meta" }, [r.properties.reviewer, when(r.properties.at || r.properties.reviewed_at)].filter(Boolean).join(" · ")),
        r.properties.comment ? el("div", {}, fmt(r.properties.comment)) : null))),
        node.kind === "model_version" ? reviewForm(node) : null);
    } else if (tab === "deployments") {
      add(body, table(["deployment", "environment", "status", "endpoint", "deployed", "retired"],
        ctx.deployments.items.map((d) => [idLink(d.id, d.title), d.properties.environment || "", statusChips(d),
          d.properties.endpoint || "", when(d.properties.deployed_at), when(d.properties.retired_at)]), { id: "deployments" }));
    } else if (tab === "monitoring") {
      const reports = node.kind === "monitoring_report" ? [node] : ctx.monitoring.items;
      for (const report of reports) {
        add(body, el("h2", {}, idLink(report.id, report.title), " ", severityChip(report.properties.severity)),
          el("p", { class: "meta" }, when(report.properties.window_end || report.properties.at)),
          driftTable(report) || el("p", { class: "empty" }, "no per-feature drift in this report"));
      }
    } else if (tab === "notes") {
      add(body, ctx.notes.total ? el("ul", { class: "plain", id: "notes" }, ctx.notes.items.map((n) => el("li", {},
        linkify(fmt(n.properties.text || n.title)),
        el("div", { class: "meta" }, [n.properties.author || n.properties.created_by, when(n.properties.at)].filter(Boolean).join(" · "), " · ", idLink(n.id, "note")))))
        : el("p", { class: "empty" }, "No notes yet."), noteForm(node));
    } else if (tab === "related") {
      const byEdge = {};
      for (const e of related.edges) {
        const other = e.source === id ? e.target : e.source;
        const key = reading(e.type, e.source === id ? !EDGE_READING[e.type]?.[0] : EDGE_READING[e.type]?.[0]);
        (byEdge[key] = byEdge[key] || new Set()).add(other);
      }
      const known = Object.fromEntries(related.nodes.map((n) => [n.id, n]));
      add(body, el("div", { id: "related" }, Object.entries(byEdge).sort().map(([label, ids]) => [el("h2", {}, `${label} (${ids.size})`),
        el("ul", { class: "plain" }, [...ids].filter((x) => known[x]).sort().map((x) => item(known[x])))])),
        related.truncated ? el("p", { class: "notice" }, "list cut at 300") : null);
    } else if (tab === "history") {
      await historyTab(body, id, params);
    }
  }

  // How an edge reads from this node's side: "outgoing" means this node is drawn on the edge's left.
  function reading(type, outgoing) {
    const r = EDGE_READING[type];
    if (!r) return type;
    return outgoing ? r[1] : ({ "used by": "uses", generated: "generated by", "derived into": "derived from",
      "version of": "has version", "instance of": "has instance", "reviewed in": "reviews", "deployed as": "deploys",
      "monitored by": "monitors", "noted in": "note about", "part of": "contains", "parent of": "child of",
      "in repo": "holds", by: "attributed", "in project": "holds" })[r[1]] || r[1];
  }

  async function historyTab(body, id, params) {
    let data;
    try { data = await api(`/history/${idPath(id)}`); } catch (error) {
      add(body, el("p", { class: "error" }, error.message)); return;
    }
    const asOf = params.get("as_of") || "";
    const select = el("select", { id: "as-of", "aria-label": "As of" }, el("option", { value: "" }, "now"),
      data.entries.filter((e) => e.changed && Object.keys(e.changed).length).map((e) => el("option", { value: e.at, selected: e.at === asOf }, `${when(e.at)} (entry ${e.seq})`)));
    select.addEventListener("change", () => navigate(`/nodes/${idPath(id)}?tab=history${select.value ? `&as_of=${encodeURIComponent(select.value)}` : ""}`));
    add(body, el("div", { class: "actions" }, el("label", {}, "Show the node as of ", select)));
    if (asOf) {
      const then = await api(`/as-of/${idPath(id)}?at=${encodeURIComponent(asOf)}`);
      add(body, el("h2", {}, `As of ${when(asOf)}`), el("div", { id: "as-of-facts" }, factsTable(then.properties)));
    }
    add(body, el("h2", {}, `Changes (${data.total})`), table(["entry", "when", "by", "what changed"],
      data.entries.slice().reverse().map((e) => [String(e.seq), when(e.at), e.actor,
        [e.created ? el("div", {}, "created") : null,
          Object.entries(e.changed || {}).filter(() => !e.created).map(([k, c]) => el("div", {}, `${k}: ${fmt(c.from)} → ${fmt(c.to)}`)),
          (e.edges || []).map((x) => el("div", {}, `${x.type} `, idLink(x.source === id ? x.target : x.source)))]]), { id: "history" }),
      data.truncated ? el("p", { class: "notice" }, `only the newest ${data.entries.length} of ${data.total} entries`) : null);
  }

  // ------------------------------------------------------------------ writers act from the page

  function actionResult() { return el("p", { class: "notice", id: "action-result", "aria-live": "polite" }); }

  function noteForm(node) {
    const text = el("textarea", { id: "note-text", "aria-label": "Note", maxlength: "20000", placeholder: "Add a note about this…" });
    const result = actionResult();
    return el("div", { class: "card" }, el("h3", {}, "Add a note"), el("div", { class: "actions" }, text,
      el("button", { type: "button", class: "primary", id: "add-note", onclick: async () => {
        result.className = "notice"; result.textContent = "saving…";
        try {
          await api(`/nodes/${idPath(node.id)}/notes`, { method: "POST", headers: { "Content-Type": "application/json" },
            body: JSON.stringify({ text: text.value }) });
          navigate(`/nodes/${idPath(node.id)}?tab=notes`, { replace: true });
        } catch (error) { result.className = "error"; result.textContent = error.message; }
      } }, "Add note")), result);
  }

  function reviewForm(node) {
    const verdict = el("select", { id: "review-verdict", "aria-label": "Verdict" },
      [["approved", "approve"], ["changes_requested", "request changes"], ["rejected", "reject"]].map(([v, t]) => el("option", { value: v }, t)));
    const comment = el("textarea", { id: "review-comment", "aria-label": "Review comment", maxlength: "20000", placeholder: "What you checked and why" });
    const result = actionResult();
    return el("div", { class: "card" }, el("h3", {}, "Record a review"),
      el("div", { class: "actions" }, verdict, comment, el("button", { type: "button", class: "primary", id: "record-review", onclick: async () => {
        result.className = "notice"; result.textContent = "saving…";
        try {
          await api(`/reviews/${idPath(node.id)}`, { method: "POST", headers: { "Content-Type": "application/json" },
            body: JSON.stringify({ verdict: verdict.value, comment: comment.value }) });
          navigate(`/nodes/${idPath(node.id)}?tab=reviews`, { replace: true });
        } catch (error) { result.className = "error"; result.textContent = error.message; }
      } }, "Record review")), result);
  }

  function writerActions(node) {
    const flaggable = ["dataset", "dataset_version", "model_version"].includes(node.kind);
    const result = actionResult();
    const reason = el("input", { type: "text", id: "flag-reason", placeholder: "why it is bad", "aria-label": "Flag reason" });
    const act = (call) => async () => {
      result.className = "notice"; result.textContent = "saving…";
      try { await call(); navigate(location.pathname + location.search, { replace: true }); } catch (error) {
        result.className = "error"; result.textContent = error.message;
      }
    };
    const flagged = node.properties.flagged === true;
    return el("div", { class: "card", id: "writer-actions" }, el("h3", {}, "Act on this"),
      el("p", { class: "notice" }, state.me ? `as ${state.me.actor} (${state.me.role})` : ""),
      flaggable ? el("div", { class: "actions" }, flagged
        ? el("button", { type: "button", id: "unflag", onclick: act(() => api(`/flags/${idPath(node.id)}`, { method: "DELETE" })) }, "Remove the flag")
        : [reason, el("button", { type: "button", id: "flag", onclick: act(() => api(`/flags/${idPath(node.id)}`, {
          method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ reason: reason.value }) })) }, "⚑ Flag as bad")]) : null,
      el("p", {}, el("a", { href: `/nodes/${idPath(node.id)}?tab=notes` }, "Add a note…"),
        node.kind === "model_version" ? [" · ", el("a", { href: `/nodes/${idPath(node.id)}?tab=reviews` }, "Record a review…")] : null),
      result);
  }

  // ------------------------------------------------------------------ lineage graph

  function badges(n) {
    const p = n.properties || {};
    const out = [];
    if (p.flagged === true) out.push("⚑ flagged");
    if (n.kind === "monitoring_report" && p.severity) out.push(`drift ${p.severity}`);
    if (n.kind === "review" && p.verdict) out.push(p.verdict === "approved" ? "✔ approved" : p.verdict === "rejected" ? "✘ rejected" : words(p.verdict));
    if (n.kind === "deployment" && (p.retired_at || p.status === "retired")) out.push("retired");
    if (p.governance_override) out.push("override");
    return out;
  }

  function tone(n) {
    const p = n.properties || {};
    if (p.flagged === true || ["critical", "high"].includes(p.severity) || p.verdict === "rejected") return "bad";
    if (p.severity === "medium" || p.verdict === "changes_requested" || p.governance_override) return "warn";
    if (n.kind === "deployment" && (p.retired_at || p.status === "retired")) return "retired";
    return "";
  }

  function cardLabel(n) {
    const title = n.title.length > 48 ? n.title.slice(0, 46) + "…" : n.title;
    const b = badges(n);
    return `${icon(n.kind)} ${words(n.kind)}\n${title}${b.length ? "\n" + b.join(" · ") : ""}`;
  }

  // Title lines wrap at about 24 characters of the card's width; the card grows to hold them.
  function cardHeight(n) {
    const lines = cardLabel(n).split("\n");
    return 22 + 18 * lines.reduce((sum, line, i) => sum + (i === 1 ? Math.max(1, Math.ceil(line.length / 24)) : 1), 0);
  }

  function graphStyle() {
    const dark = matchMedia("(prefers-color-scheme: dark)").matches;
    const edgeText = dark ? "#9aa5b4" : "#475467", bg = dark ? "#161c25" : "#ffffff", line = dark ? "#56637a" : "#98a2b3";
    return [
      { selector: "node", style: {
        shape: "round-rectangle", width: 214, height: "data(h)", "background-color": "data(color)", "border-width": 0,
        label: "data(label)", color: "#ffffff", "font-size": 14, "font-weight": 600, "text-wrap": "wrap", "text-max-width": 204,
        "text-valign": "center", "text-halign": "center", "line-height": 1.25, "min-zoomed-font-size": 6 } },
      { selector: "node[?root]", style: { "border-width": 4, "border-color": dark ? "#f8fafc" : "#111827" } },
      { selector: "node.bad", style: { "border-width": 5, "border-color": "#ef4444" } },
      { selector: "node.warn", style: { "border-width": 5, "border-color": "#f59e0b" } },
      { selector: "node.retired", style: { opacity: 0.55, "border-width": 3, "border-style": "dashed", "border-color": line } },
      { selector: "node:selected", style: { "border-width": 5, "border-color": "#facc15" } },
      { selector: "edge", style: {
        width: 1.6, "line-color": line, "curve-style": "bezier", "target-arrow-shape": "triangle", "target-arrow-color": line,
        label: "data(label)", "font-size": 11, color: edgeText, "text-background-color": bg, "text-background-opacity": 1,
        "text-background-padding": 2, "text-rotation": "none" } },
      { selector: "node.plain", style: { label: "", width: 40, height: 14 } },
      { selector: "node.plain:selected, node.plain[?root]", style: { label: "data(title)", color: edgeText, "text-valign": "bottom" } },
      { selector: "edge.plain", style: { "curve-style": "haystack", "haystack-radius": 0, "target-arrow-shape": "none", label: "", width: 0.8 } },
      { selector: ".hidden", style: { display: "none" } },
    ];
  }

  function addSubgraph(cy, body, root) {
    cy.batch(() => {
      for (const n of body.nodes) {
        if (cy.getElementById(n.id).nonempty()) continue;
        cy.add({ group: "nodes", data: { id: n.id, kind: n.kind, title: n.title, label: cardLabel(n), color: color(n.kind),
          root: n.id === root, badges: badges(n).join(" · "), h: cardHeight(n) }, classes: tone(n) });
      }
      for (const e of body.edges) {
        const [fromTarget, label] = EDGE_READING[e.type] || [true, e.type];
        const from = fromTarget ? e.target : e.source, to = fromTarget ? e.source : e.target;
        const id = `${e.source}|${e.type}|${e.target}`;
        if (cy.getElementById(id).nonempty() || cy.getElementById(from).empty() || cy.getElementById(to).empty()) continue;
        const role = e.properties && e.properties.role ? ` (${e.properties.role})` : "";
        const columns = e.properties && e.properties.columns && typeof e.properties.columns === "object" ? Object.keys(e.properties.columns).length : 0;
        cy.add({ group: "edges", data: { id, source: from, target: to, type: e.type, label: label + role + (columns ? ` (${columns} columns)` : ""),
          edge: e } });
      }
      const big = cy.nodes().length > CARD_MAX_NODES;
      cy.edges().toggleClass("plain", big);
      cy.nodes().toggleClass("plain", big);
    });
  }

  // Longest-path layering, linear in nodes + edges: each drawn edge goes one rank or more to the right.
  // Within a rank, cards are ordered by the mean row of what feeds them (one barycentre sweep), which
  // keeps related cards side by side without dagre's cost.
  function layeredPositions(nodes, edges, cards) {
    const ids = nodes.map((n) => n.id());
    const indegree = new Map(ids.map((id) => [id, 0]));
    const next = new Map(ids.map((id) => [id, []]));
    const prev = new Map(ids.map((id) => [id, []]));
    edges.forEach((e) => {
      const from = e.data("source"), to = e.data("target");
      if (!indegree.has(from) || !indegree.has(to) || from === to) return;
      next.get(from).push(to);
      prev.get(to).push(from);
      indegree.set(to, indegree.get(to) + 1);
    });
    const rank = new Map(ids.map((id) => [id, 0]));
    const queue = ids.filter((id) => indegree.get(id) === 0);
    for (let i = 0; i < queue.length; i++) {
      for (const to of next.get(queue[i])) {
        rank.set(to, Math.max(rank.get(to), rank.get(queue[i]) + 1));
        indegree.set(to, indegree.get(to) - 1);
        if (indegree.get(to) === 0) queue.push(to);
      }
    }
    const columns = new Map();
    nodes.forEach((n) => { const r = rank.get(n.id()); if (!columns.has(r)) columns.set(r, []); columns.get(r).push(n); });
    const positions = {};
    const row = new Map();
    const perColumn = cards ? 30 : 40;
    const rowHeight = cards ? 96 : 46, columnWidth = cards ? 240 : 80, gap = cards ? 110 : 180;
    let x = 0;
    for (const r of [...columns.keys()].sort((a, b) => a - b)) {
      const column = columns.get(r);
      const weight = (n) => {
        const from = prev.get(n.id()).filter((p) => row.has(p));
        return from.length ? from.reduce((sum, p) => sum + row.get(p), 0) / from.length : Infinity;
      };
      const keyed = column.map((n) => [weight(n), n.data("kind") + n.id(), n]);
      keyed.sort((a, b) => (a[0] - b[0]) || a[1].localeCompare(b[1]));
      const rows = Math.min(column.length, perColumn);
      keyed.forEach(([, , n], i) => {
        row.set(n.id(), i % perColumn);
        positions[n.id()] = { x: x + Math.floor(i / perColumn) * columnWidth, y: (i % perColumn) * rowHeight - (rows * rowHeight) / 2 };
      });
      x += Math.ceil(column.length / perColumn) * columnWidth + gap;
    }
    return positions;
  }

  function fitPositions(cy, points, padding) {
    if (!points.length) return;
    const xs = points.map((p) => p.x), ys = points.map((p) => p.y);
    const x1 = Math.min(...xs) - 20, x2 = Math.max(...xs) + 20, y1 = Math.min(...ys) - 20, y2 = Math.max(...ys) + 30;
    const zoom = Math.max(cy.minZoom(), Math.min(cy.maxZoom(), 1.5, (cy.width() - 2 * padding) / (x2 - x1), (cy.height() - 2 * padding) / (y2 - y1)));
    cy.viewport({ zoom, pan: { x: (cy.width() - zoom * (x1 + x2)) / 2, y: (cy.height() - zoom * (y1 + y2)) / 2 } });
  }

  // Cards stay readable: the view is never zoomed out below READABLE_ZOOM (the rest is a pan away).
  const READABLE_ZOOM = 0.72;

  function runLayout(cy) {
    const visible = cy.elements().not(".hidden");
    const nodes = visible.nodes();
    const started = performance.now();
    if (nodes.length <= DAGRE_MAX_NODES) {
      visible.layout({ name: "dagre", rankDir: "LR", nodeSep: 28, rankSep: 100, edgeSep: 10, animate: false, fit: false }).run();
      cy.fit(visible, 30);
      if (cy.zoom() < READABLE_ZOOM) {
        const root = cy.nodes("[?root]");
        cy.zoom(READABLE_ZOOM);
        cy.center(root.nonempty() ? root : visible);
      }
    } else {
      const cards = nodes.length <= CARD_MAX_NODES;
      const positions = layeredPositions(nodes, visible.edges(), cards);
      visible.layout({ name: "preset", positions: (n) => positions[n.id()], animate: false, fit: false }).run();
      fitPositions(cy, Object.values(positions), 30);
      if (cards && cy.zoom() < READABLE_ZOOM) {
        const root = cy.nodes("[?root]");
        cy.zoom(READABLE_ZOOM);
        cy.center(root.nonempty() ? root : visible);
      }
    }
    state.layoutMs = Math.round(performance.now() - started);
    const status = $("#status");
    if (status) status.textContent = `${cy.nodes().length} nodes, ${cy.edges().length} edges · layout ${state.layoutMs} ms`;
    return state.layoutMs;
  }

  async function drawLineage(container, id, direction, depth) {
    const query = new URLSearchParams({ direction });
    if (depth !== "" && depth !== null && depth !== undefined && depth !== "all") query.set("depth", String(depth));
    const body = await api(`/lineage/${idPath(id)}?${query}`);
    const cy = cytoscape({ container, minZoom: 0.05, maxZoom: 2.5, style: graphStyle() });
    state.cy = cy;
    window.cy = cy;
    addSubgraph(cy, body, id);
    runLayout(cy);
    cy.getElementById(id).select();
    cy.on("dbltap", "node", (event) => navigate(`/nodes/${idPath(event.target.id())}`));
    return { cy, body };
  }

  async function viewLineage(ref, params) {
    const direction = ["up", "down", "both"].includes(params.get("direction")) ? params.get("direction") : "both";
    const depth = params.get("depth") || "2";
    const node = await api(`/nodes/${idPath(ref)}`);
    const id = node.id;
    setTitle(`Lineage of ${node.title}`);
    view.classList.add("wide");
    const go = (d, dep) => navigate(`/lineage/${idPath(id)}?direction=${d}&depth=${dep}`);
    const dirSelect = el("select", { id: "direction", "aria-label": "Direction" }, [["up", "upstream (what it came from)"], ["down", "downstream (what came from it)"], ["both", "both ways"]]
      .map(([v, t]) => el("option", { value: v, selected: v === direction }, t)));
    const depthSelect = el("select", { id: "depth", "aria-label": "Depth" }, ["1", "2", "3", "5", "all"].map((v) => el("option", { value: v, selected: v === depth }, `depth ${v}`)));
    dirSelect.addEventListener("change", () => go(dirSelect.value, depthSelect.value));
    depthSelect.addEventListener("change", () => go(dirSelect.value, depthSelect.value));
    const graph = el("div", { class: "graph", id: "cy" });
    const drawer = el("aside", { id: "drawer", "aria-label": "Selected node" });
    const legend = el("div", { class: "legend", id: "legend" });
    fill(view, el("div", { class: "lineage-layout" },
      el("section", { class: "lineage-main" },
        el("div", { class: "toolbar" }, el("span", { class: "title" }, kindBadge(node.kind), idLink(id, node.title)), dirSelect, depthSelect,
          el("button", { type: "button", id: "fit", onclick: () => state.cy && state.cy.fit(state.cy.elements().not(".hidden"), 30) }, "Fit"),
          el("button", { type: "button", id: "export-png", onclick: () => exportPng() }, "PNG"),
          el("button", { type: "button", id: "export-svg", onclick: () => exportSvg() }, "SVG"),
          el("span", { id: "status", role: "status" })),
        legend, graph),
      drawer));
    const { cy, body } = await drawLineage(graph, id, direction, depth);
    const cut = { depth: ` at depth ${body.depth}`, max_nodes: " at its node limit", time: ": partial, out of time" };
    if (body.truncated) $("#status").textContent += ` (truncated${cut[body.truncated_by] || ""})`;
    renderLegend(cy, legend);
    cy.on("tap", "node", (event) => showDrawer(drawer, event.target.id()));
    cy.on("tap", "edge", (event) => showEdge(drawer, event.target.data("edge")));
    await showDrawer(drawer, id);
  }

  function renderLegend(cy, legend) {
    const counts = {};
    cy.nodes().forEach((n) => { counts[n.data("kind")] = (counts[n.data("kind")] || 0) + 1; });
    fill(legend, ...Object.keys(counts).sort().map((kind) => {
      const box = el("input", { type: "checkbox", "data-kind": kind, checked: true });
      box.addEventListener("change", () => {
        cy.batch(() => {
          cy.elements().removeClass("hidden");
          legend.querySelectorAll("input:not(:checked)").forEach((b) => cy.nodes(`[kind = "${b.dataset.kind}"]`).addClass("hidden"));
          cy.nodes(".hidden").connectedEdges().addClass("hidden");
        });
        runLayout(cy);
      });
      return el("label", { title: `show or hide ${words(kind)} cards` }, box, el("span", { class: "swatch", style: `background:${color(kind)}` }), `${icon(kind)} ${words(kind)} (${counts[kind]})`);
    }), el("span", { class: "notice" }, "badges: ⚑ flagged · drift severity · verdict · override · retired (dashed)"));
  }

  async function showDrawer(drawer, id) {
    fill(drawer, el("p", { class: "notice" }, "loading…"));
    let ctx;
    try { ctx = await api(`/context/${idPath(id)}`); } catch (error) {
      fill(drawer, el("p", { class: "error" }, error.message)); return;
    }
    const n = ctx.node;
    const list = (title, items) => items.total ? [el("h3", {}, `${title} (${items.total})`),
      el("ul", { class: "plain" }, items.items.slice(0, 12).map((x) => el("li", {}, nodeRef(x), " ", statusChips(x))))] : null;
    fill(drawer, 
      el("h2", { class: "drawer-title" }, kindBadge(n.kind), n.title),
      el("div", { class: "node-id drawer-id" }, n.id),
      el("div", { class: "actions" }, statusChips(n)),
      el("p", {}, el("a", { href: `/nodes/${idPath(n.id)}`, id: "drawer-open" }, "Open page"), " · ",
        el("a", { href: `/lineage/${idPath(n.id)}?direction=both&depth=2` }, "Centre lineage here")),
      list("Reviews", ctx.reviews), list("Deployments", ctx.deployments), list("Monitoring", ctx.monitoring), list("Notes", ctx.notes),
      el("h3", {}, "Facts"), factsTable(Object.fromEntries(Object.entries(n.properties).filter(([k]) =>
        !["metric_history", "column_stats", "columns", "drift", "signature", "text"].includes(k)).slice(0, 30))));
  }

  function showEdge(drawer, e) {
    const [fromTarget, label] = EDGE_READING[e.type] || [true, e.type];
    const from = fromTarget ? e.target : e.source, to = fromTarget ? e.source : e.target;
    const found = columnRows([e], e.source);
    fill(drawer, el("h2", { class: "drawer-title" }, label),
      el("p", {}, idLink(from), ` ${label} `, idLink(to)),
      found.length ? [el("h3", {}, "Column lineage"), table(["column", "comes from", "transformation"],
        found.map((r) => [r.out, r.inputs.join(", "), r.how]), { id: "edge-columns" })] : null,
      Object.keys(e.properties || {}).length ? [el("h3", {}, "Edge properties"), factsTable(Object.fromEntries(Object.entries(e.properties).filter(([k]) => !["columns", "transformations"].includes(k))))] : null);
  }

  function download(name, blob) {
    const a = el("a", { href: URL.createObjectURL(blob), download: name });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  }

  function exportName(ext) {
    const root = state.cy && state.cy.nodes("[?root]").first();
    return `lineage-${(root && root.nonempty() ? root.id() : "graph").replace(/[^A-Za-z0-9._-]+/g, "_").slice(0, 80)}.${ext}`;
  }

  function exportPng() {
    const cy = state.cy;
    if (!cy) return null;
    const bg = getComputedStyle(document.documentElement).getPropertyValue("--panel").trim() || "#ffffff";
    const blob = cy.png({ output: "blob", full: true, scale: 2, bg, maxWidth: 8000, maxHeight: 8000 });
    download(exportName("png"), blob);
    return blob;
  }

  // SVG built from the laid-out positions: the same cards, colours, labels and edges as on screen.
  function lineageSvg(cy) {
    const nodes = cy.nodes().not(".hidden");
    const box = nodes.boundingBox({ includeLabels: false });
    const pad = 40, w = Math.ceil(box.w + 2 * pad), h = Math.ceil(box.h + 2 * pad);
    const X = (x) => (x - box.x1 + pad).toFixed(1), Y = (y) => (y - box.y1 + pad).toFixed(1);
    const parts = [svgEl("defs", {}, svgEl("marker", { id: "arrow", viewBox: "0 0 10 10", refX: "10", refY: "5", markerWidth: "8", markerHeight: "8", orient: "auto-start-reverse" },
      svgEl("path", { d: "M0,0 L10,5 L0,10 z", fill: "#98a2b3" }))), svgEl("rect", { width: w, height: h, fill: "#ffffff" })];
    cy.edges().not(".hidden").forEach((e) => {
      const s = e.source(), t = e.target();
      const x1 = s.position("x") + s.width() / 2, y1 = s.position("y"), x2 = t.position("x") - t.width() / 2, y2 = t.position("y");
      const mx = (x1 + x2) / 2;
      parts.push(svgEl("path", { d: `M${X(x1)},${Y(y1)} C${X(mx)},${Y(y1)} ${X(mx)},${Y(y2)} ${X(x2)},${Y(y2)}`, fill: "none", stroke: "#98a2b3", "stroke-width": "1.6", "marker-end": "url(#arrow)", "data-type": e.data("type") }));
      parts.push(svgEl("text", { x: X(mx), y: Y((y1 + y2) / 2 - 4), "text-anchor": "middle", "font-size": "11", fill: "#475467", "paint-order": "stroke", stroke: "#ffffff", "stroke-width": "4" }, e.data("label")));
    });
    nodes.forEach((n) => {
      const cls = n.classes();
      const border = cls.includes("bad") ? "#ef4444" : cls.includes("warn") ? "#f59e0b" : n.data("root") ? "#111827" : "none";
      const lines = n.data("label").split("\n");
      parts.push(svgEl("g", { "data-id": n.id(), opacity: cls.includes("retired") ? "0.55" : "1" },
        svgEl("rect", { x: X(n.position("x") - n.width() / 2), y: Y(n.position("y") - n.height() / 2), width: n.width(), height: n.height(), rx: "8",
          fill: n.data("color"), stroke: border, "stroke-width": border === "none" ? "0" : "4" }),
        lines.map((line, i) => svgEl("text", { x: X(n.position("x")), y: Y(n.position("y") + (i - (lines.length - 1) / 2) * 17 + 5), "text-anchor": "middle",
          "font-size": "14", "font-weight": "600", fill: "#ffffff", "font-family": "system-ui, sans-serif" }, line))));
    });
    const svg = svgEl("svg", { xmlns: "http://www.w3.org/2000/svg", width: w, height: h, viewBox: `0 0 ${w} ${h}` }, parts);
    return new XMLSerializer().serializeToString(svg);
  }

  function exportSvg() {
    if (!state.cy) return null;
    const text = lineageSvg(state.cy);
    download(exportName("svg"), new Blob([text], { type: "image/svg+xml" }));
    return text;
  }

  // ------------------------------------------------------------------ compare two versions or runs

  async function viewDiff(params) {
    const a = params.get("a") || "", b = params.get("b") || "";
    setTitle(a && b ? `Compare ${a} and ${b}` : "Compare");
    const inA = el("input", { id: "diff-a", name: "a", value: a, placeholder: "e.g. tumour-classifier@1", "aria-label": "First" });
    const inB = el("input", { id: "diff-b", name: "b", value: b, placeholder: "e.g. tumour-classifier@2", "aria-label": "Second" });
    const form = el("form", { class: "diff-form", id: "diff-form" }, inA, el("span", {}, "→"), inB, el("button", { type: "submit", class: "primary" }, "Compare"));
    form.addEventListener("submit", (event) => { event.preventDefault(); navigate(`/diff?${new URLSearchParams({ a: inA.value.trim(), b: inB.value.trim() })}`); });
    const out = el("section", { id: "diff" });
    fill(view, el("h1", {}, "Compare two model versions or runs"),
      el("p", { class: "sub" }, "Ids, name@version, model@alias or unique id prefixes."), form, out);
    if (!a || !b) return;
    add(out, el("p", { class: "notice" }, "comparing…"));
    let data;
    try { data = await api(`/diff?${new URLSearchParams({ a, b })}`); } catch (error) {
      fill(out, el("p", { class: "error", id: "diff-error" }, error.message)); return;
    }
    fill(out, ...renderDiff(data));
  }

  function isIdLike(v) { return typeof v === "string" && /^[a-z_]+:\S+$/.test(v) && KINDS[kindOf(v)]; }

  function cell(v) {
    if (v === null || v === undefined) return el("span", { class: "empty" }, "—");
    if (isIdLike(v)) return idLink(v);
    if (Array.isArray(v)) return v.map((x) => el("div", {}, cell(x)));
    if (typeof v === "object") {
      if (v.id && isIdLike(v.id)) return [idLink(v.id, v.title || v.name || v.id), Object.entries(v).filter(([k]) => !["id", "title", "name", "kind"].includes(k)).map(([k, x]) => el("div", { class: "meta" }, `${k}: ${fmt(x)}`))];
      return Object.entries(v).map(([k, x]) => el("div", {}, `${k}: `, cell(x)));
    }
    return fmt(v);
  }

  // The diff API's answer (modelctx/governance/diff.py diff_nodes), section by section.
  // MAPDIFF = {added: {k: b}, removed: {k: a}, changed: {k: {a, b, delta?}}, unchanged: [k]}
  function mapDiffTable(diff, id) {
    const rowsOut = [];
    for (const [k, c] of Object.entries(diff.changed || {}).sort()) {
      rowsOut.push(el("tr", { class: "changed" }, el("td", {}, k), el("td", {}, cell(c.a)), el("td", {}, cell(c.b)),
        el("td", { class: "num" }, c.delta === undefined || c.delta === null ? "" : `${c.delta > 0 ? "+" : ""}${fmt(c.delta)}`)));
    }
    for (const [k, v] of Object.entries(diff.added || {}).sort()) rowsOut.push(el("tr", { class: "changed" }, el("td", {}, k), el("td", {}, cell(null)), el("td", {}, cell(v)), el("td", {}, "added")));
    for (const [k, v] of Object.entries(diff.removed || {}).sort()) rowsOut.push(el("tr", { class: "changed" }, el("td", {}, k), el("td", {}, cell(v)), el("td", {}, cell(null)), el("td", {}, "removed")));
    const same = Array.isArray(diff.unchanged) ? diff.unchanged.length : diff.unchanged_count || 0;
    return [rowsOut.length ? table(["", "A", "B", "change"], rowsOut, { id }) : el("p", { class: "empty" }, "no difference"),
      same ? el("p", { class: "notice" }, `${same} unchanged${Array.isArray(diff.unchanged) ? `: ${diff.unchanged.join(", ")}` : ""}`) : null];
  }

  function nodeList(items) {
    return items && items.length ? el("ul", { class: "plain" }, items.map((x) => el("li", {}, nodeRef(x), x.role ? el("span", { class: "meta" }, ` (${x.role})`) : null,
      x.message ? el("div", { class: "meta" }, [x.author, when(x.authored_at), x.message].filter(Boolean).join(" · ")) : null))) : el("span", { class: "empty" }, "—");
  }

  function setDiff(section, labels) {
    return el("div", { class: "grid2" }, labels.filter(([key]) => section[key] && section[key].length).map(([key, label]) =>
      el("div", {}, el("h3", {}, `${label} (${section[key].length})`), nodeList(section[key]))));
  }

  function renderDiff(data) {
    const side = (x, runs) => [el("div", {}, kindBadge(x.kind), idLink(x.id, x.title)), el("div", { class: "node-id" }, x.id),
      runs && runs.length && x.kind !== "run" ? el("div", { class: "meta" }, "trained by ", runs.map((r) => idLink(r.id, r.title))) : null];
    const out = [el("div", { class: "grid2" },
      el("div", { class: "card", id: "diff-side-a" }, el("h3", {}, "A"), side(data.a, data.runs && data.runs.a)),
      el("div", { class: "card", id: "diff-side-b" }, el("h3", {}, "B"), side(data.b, data.runs && data.runs.b)))];
    out.push(el("h2", {}, "Parameters"), mapDiffTable(data.parameters || {}, "diff-parameters"));
    out.push(el("h2", {}, "Metrics"), mapDiffTable(data.metrics || {}, "diff-metrics"));
    const ds = data.datasets || {};
    out.push(el("h2", {}, "Datasets"));
    if ((ds.changed || []).length) {
      out.push(table(["dataset", "A", "B", "digest", "rows", "schema"], ds.changed.map((c) => el("tr", { class: "changed" },
        el("td", {}, `${c.dataset || ""}${c.role ? ` (${c.role})` : ""}`), el("td", {}, idLink(c.a.id, c.a.title)), el("td", {}, idLink(c.b.id, c.b.title)),
        el("td", {}, c.digest_changed ? "changed" : "same"),
        el("td", { class: "num" }, c.rows ? `${fmt(c.rows.a)} → ${fmt(c.rows.b)}${c.rows.delta ? ` (${c.rows.delta > 0 ? "+" : ""}${c.rows.delta})` : ""}` : ""),
        el("td", {}, c.columns ? [
          (c.columns.added || []).length ? el("div", {}, `+ ${c.columns.added.join(", ")}`) : null,
          (c.columns.removed || []).length ? el("div", {}, `− ${c.columns.removed.join(", ")}`) : null,
          Object.entries(c.columns.type_changed || {}).map(([name, t]) => el("div", {}, `${name}: ${t.a} → ${t.b}`))] : ""))), { id: "diff-datasets" }));
    }
    out.push(setDiff(ds, [["added", "only in B"], ["removed", "only in A"], ["unchanged", "the same"]]));
    const features = data.features || {};
    if (["added", "removed", "unchanged"].some((k) => (features[k] || []).length)) {
      out.push(el("h2", {}, "Features"), setDiff(features, [["added", "only in B"], ["removed", "only in A"], ["unchanged", "the same"]]));
    }
    const commits = data.commits || {};
    out.push(el("h2", {}, "Code"), commits.same ? [el("p", { class: "notice" }, "the same commit"), nodeList(commits.a)] : el("div", { class: "grid2", id: "diff-commits" },
      el("div", {}, el("h3", {}, "A"), nodeList(commits.a)), el("div", {}, el("h3", {}, "B"), nodeList(commits.b))));
    if (commits.between) {
      out.push(el("h3", {}, `Commits between (${commits.between.commits.length}${commits.between.truncated ? "+" : ""})`), nodeList(commits.between.commits));
    }
    const env = data.environment || {};
    out.push(el("h2", {}, "Environment"));
    if (env.same) out.push(el("p", { class: "notice" }, "the same environment: ", (env.a || []).map((x) => idLink(x))));
    else {
      if (env.python && env.python.a !== env.python.b) out.push(el("p", {}, `Python ${env.python.a || "?"} → ${env.python.b || "?"}`));
      out.push(mapDiffTable(env.packages || {}, "diff-packages"));
    }
    const reviews = data.reviews || {};
    out.push(el("h2", {}, "Reviews"), el("div", { class: "grid2", id: "diff-reviews" }, ["a", "b"].map((k) => reviews[k] ? el("div", { class: "card" },
      el("h3", {}, k.toUpperCase()), verdictChip(reviews[k].state), el("p", { class: "meta" }, linkify(reviews[k].reason || ""))) : null)));
    if (data.truncated && data.truncated.length) out.push(el("p", { class: "notice" }, `lists cut: ${data.truncated.join(", ")}`));
    return out;
  }

  // ------------------------------------------------------------------ findings and portfolio

  async function viewFindings() {
    setTitle("Policy findings");
    loading();
    const data = await api("/policy/findings");
    fill(view, el("h1", {}, "Policy findings"),
      el("p", { class: "sub" }, `${data.count} open finding(s) from the built-in rules on what you can see.`),
      data.count ? table(["severity", "rule", "finding", "about", "project"], data.findings.map((f) => [
        el("span", { class: `sev-${f.severity}` }, f.severity), f.rule, el("span", {}, linkify(f.message)),
        f.nodes.map((n) => el("div", {}, idLink(n))), f.project || ""]), { id: "findings" })
        : el("p", { class: "empty" }, "No findings: every rule passes."));
  }

  async function viewPortfolio() {
    setTitle("Portfolio");
    loading();
    const data = await api("/portfolio");
    const t = data.totals;
    const total = (label, value, cls) => el("div", { class: "card" }, el("div", { class: `big ${cls || ""}` }, fmt(value)), el("div", { class: "meta" }, label));
    const weeks = {};
    data.projects.forEach((p) => Object.entries(p.runs_per_week || {}).forEach(([w, n]) => { weeks[w] = (weeks[w] || 0) + n; }));
    const weekKeys = Object.keys(weeks).sort();
    fill(view, el("h1", {}, "Portfolio"),
      el("p", { class: "sub" }, "Per project: activity, what is deployed to production, open findings and flagged data. ",
        el("a", { href: "/portfolio/report", target: "_blank" }, "Printable report")),
      el("div", { class: "totals", id: "totals" }, total("runs", t.runs), total("compute hours", t.compute_hours),
        total("models in production", t.models_in_production), total("open findings", t.open_findings, t.open_findings ? "sev-high" : ""),
        total("flagged", t.flagged, t.flagged ? "sev-high" : "")),
      // A trend needs a few weeks: with fewer, the counts above say it all.
      weekKeys.length >= 3 ? el("div", { class: "charts", id: "portfolio-charts" }, barChart("runs per week", weekKeys, weekKeys.map((w) => weeks[w])))
        : el("p", { class: "notice", id: "no-charts" }, `Runs span ${weekKeys.length} week(s): a weekly chart needs at least 3.`),
      data.projects.map((p) => el("section", { class: "card", "data-project": p.project },
        el("h2", {}, p.project, " ", p.open_findings ? el("span", { class: "chip bad" }, `${p.open_findings} finding(s)`) : el("span", { class: "chip ok" }, "no findings")),
        el("p", { class: "meta" }, `${p.runs} runs · ${fmt(p.compute_hours)} compute hours`),
        p.models_in_production.length ? [el("h3", {}, "Models in production"), table(["model version", "deployment", "environment", "review", "latest drift"],
          p.models_in_production.map((m) => [idLink(m.model_version, m.name), idLink(m.deployment, m.environment ? `${m.environment} deployment` : m.deployment),
            m.environment || "", verdictChip(m.review_state),
            m.latest_report ? el("a", { href: `/nodes/${idPath(m.latest_report)}` }, severityChip(m.latest_severity)) : el("span", { class: "empty" }, "no report")]), { class: "production" })] : null,
        p.findings.length ? [el("h3", {}, "Open policy findings"), table(["severity", "rule", "finding", "about"], p.findings.map((f) => [
          el("span", { class: `sev-${f.severity}` }, f.severity), f.rule, el("span", {}, linkify(f.message)), f.nodes.map((n) => el("div", {}, idLink(n)))]))] : null,
        p.flagged.length ? [el("h3", {}, "Flagged data and what depends on it"), table(["flagged", "reason", "model versions", "deployments"],
          p.flagged.map((f) => [idLink(f.id, f.name), f.reason || "", f.dependent_model_versions.map((v) => el("div", {}, idLink(v))),
            f.dependent_deployments.map((d) => el("div", {}, idLink(d)))]))] : null)));
  }

  // ------------------------------------------------------------------ start

  async function whoami() {
    try { state.me = await api("/whoami"); } catch (error) { state.me = null; }
    $("#auth").textContent = state.me ? `${state.me.actor} · ${state.me.role}${state.me.project ? ` · ${state.me.project}` : ""}` : (state.token ? "token refused" : "no token");
  }

  $("#token-button").addEventListener("click", async () => {
    const token = window.prompt("API token for this browser (modelctx token create); empty to clear:", "");
    if (token === null) return;
    state.token = token.trim() || null;
    if (state.token) localStorage.setItem("modelctx.token", state.token); else localStorage.removeItem("modelctx.token");
    await whoami();
    render();
  });

  window.modelctx = { state, navigate, render, exportPng, exportSvg, lineageSvg: () => state.cy && lineageSvg(state.cy), runLayout: () => state.cy && runLayout(state.cy) };
  whoami().then(render);
})();
