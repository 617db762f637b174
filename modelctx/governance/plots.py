"""Pictures for reports and the portfolio: lineage diagrams and metric plots as PNG bytes.

matplotlib (Agg, no display) draws; the lineage is laid out left to right in
columns by longest path from its inputs (networkx), which stays readable and
fast for a thousand nodes where a force layout would take seconds.
"""

from __future__ import annotations

import io
from collections import deque
from collections.abc import Mapping, Sequence
from typing import Any

KIND_COLOURS = {
    "model_version": "#d62728", "model": "#ff9896", "run": "#1f77b4", "job": "#aec7e8",
    "dataset_version": "#2ca02c", "dataset": "#98df8a", "feature": "#bcbd22", "commit": "#9467bd",
    "environment": "#8c564b", "review": "#e377c2", "deployment": "#ff7f0e", "monitoring_report": "#7f7f7f",
    "person": "#17becf",
}



def _figure(width: float, height: float) -> Any:
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=80)


def _png(fig: Any) -> bytes:
    buffer = io.BytesIO()
    # Fast zlib level: these pictures are flat colours, so size barely changes and encoding is ~10x faster;
    # no bbox_inches="tight", which would draw the figure twice.
    fig.savefig(buffer, format="png", pil_kwargs={"compress_level": 1})
    return buffer.getvalue()


#: Page-shaped figure (inches): the usable area of a landscape A4 page, so the PDF fits it without blank space.
DIAGRAM_SIZE = (10.4, 6.4)
#: Up to this many nodes the diagram draws labelled boxes, arrows and edge labels; beyond, coloured dots.
MAX_BOXES = 40
#: Labels on a diagram past MAX_BOXES nodes.
MAX_BIG_LABELS = 12


def _layers(nodes: Mapping[str, Any], edges: list[tuple[str, str, str]], root: str) -> dict[str, int]:
    """Column of each node, inputs left: longest path from the inputs along input → consumer arrows.

    Nodes on a cycle or unreachable from it fall back to their hop distance from ``root``.
    """
    import networkx as nx

    flow = nx.DiGraph()
    flow.add_nodes_from(nodes)
    flow.add_edges_from((target, source) for source, target, _label in edges)  # input → what used it
    if nx.is_directed_acyclic_graph(flow):
        column: dict[str, int] = {}
        for node in nx.topological_sort(flow):
            column[node] = max((column[p] + 1 for p in flow.predecessors(node)), default=0)
        for node in flow:  # an input with no inputs of its own sits just left of its first consumer
            if flow.in_degree(node) == 0 and flow.out_degree(node) > 0:
                column[node] = min(column[c] for c in flow.successors(node)) - 1
        return column
    hops = {root: 0}
    queue = deque([root])
    undirected = flow.to_undirected()
    while queue:
        current = queue.popleft()
        for other in undirected.neighbors(current) if current in undirected else []:
            if other not in hops:
                hops[other] = hops[current] + 1
                queue.append(other)
    deepest = max(hops.values(), default=0)
    return {n: deepest - hops.get(n, deepest + 1) for n in nodes}


def _positions(layers: dict[str, int], edges: list[tuple[str, str, str]]) -> dict[str, tuple[float, float]]:
    """x = column; y spreads each column evenly, ordered by the mean y of its inputs (fewer crossings)."""
    columns: dict[int, list[str]] = {}
    for node, column in layers.items():
        columns.setdefault(column, []).append(node)
    inputs: dict[str, list[str]] = {}
    for source, target, _label in edges:
        inputs.setdefault(source, []).append(target)
    pos: dict[str, tuple[float, float]] = {}
    for column in sorted(columns):
        members = sorted(columns[column])
        def weight(node: str) -> float:
            known = [pos[i][1] for i in inputs.get(node, []) if i in pos]
            return sum(known) / len(known) if known else 0.5
        members.sort(key=weight)
        count = len(members)
        for index, node in enumerate(members):
            pos[node] = (float(column), 1.0 - (index + 1) / (count + 1))
    return pos


def lineage_diagram(graph: Mapping[str, Any], root: str) -> bytes:
    """A PNG of a lineage graph (``{"nodes": [...], "edges": [...]}``), inputs left, ``root``'s consumers right.

    Each arrow goes from an input to what used or came from it (the stored edge points the other way) and is
    labelled with the edge type (and its role); names sit in boxes coloured by kind. The figure has the shape of
    a landscape page. Past MAX_BOXES nodes it draws dots and lines (a thousand arrows would take seconds and be
    unreadable), labelling the nodes nearest ``root``.
    """
    from matplotlib.collections import LineCollection
    from matplotlib.patches import FancyArrowPatch

    nodes = {n["id"]: n for n in graph["nodes"]}
    if root not in nodes:
        nodes[root] = {"id": root, "kind": root.split(":", 1)[0], "name": root}
    edges = [(e["source"], e["target"], e["type"] + (f" ({e['role']})" if e.get("role") else ""))
             for e in graph["edges"] if e["source"] in nodes and e["target"] in nodes and e["source"] != e["target"]]
    layers = _layers(nodes, edges, root)
    pos = _positions(layers, edges)
    fig = _figure(*DIAGRAM_SIZE)
    ax = fig.add_subplot(1, 1, 1)
    ax.set_axis_off()
    depth = max(layers.values(), default=0)
    ax.set_xlim(-0.5, depth + 0.5)
    ax.set_ylim(0.0, 1.0)
    fig.subplots_adjust(left=0.01, right=0.99, top=0.95, bottom=0.07)  # before measuring boxes in data units
    ids = list(nodes)
    boxes = len(ids) <= MAX_BOXES
    if boxes:
        font = 9 if len(ids) <= 12 else 7 if len(ids) <= 24 else 6
        width = max(14, int(110 / (depth + 1)))  # characters a box may hold in its column
        texts = {}
        for node_id in ids:
            x, y = pos[node_id]
            label = str(nodes[node_id]["name"])
            label = label if len(label) <= width else label[: width - 1] + "…"
            texts[node_id] = ax.text(
                x, y, label, ha="center", va="center", fontsize=font, zorder=3,
                fontweight="bold" if node_id == root else "normal",
                bbox={"boxstyle": "round,pad=0.35", "fc": KIND_COLOURS.get(nodes[node_id]["kind"], "#ddd"),
                      "ec": "#333333", "lw": 1.2 if node_id == root else 0.5, "alpha": 0.9})
        # Arrows run from the right edge of the input's box to the left edge of its consumer's box: measure them.
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        renderer = FigureCanvasAgg(fig).get_renderer()
        to_data = ax.transData.inverted()
        pad = 0.35 * font * fig.dpi / 72 + 2
        half: dict[str, float] = {}
        for node_id, text in texts.items():
            box = text.get_window_extent(renderer)
            (left, _), (right, _) = to_data.transform([(box.x0 - pad, 0), (box.x1 + pad, 0)])
            half[node_id] = (right - left) / 2
        for source, target, label in edges:
            (x0, y0), (x1, y1) = pos[target], pos[source]
            start = (x0 + half[target], y0) if x1 > x0 else (x0, y0)
            end = (x1 - half[source], y1) if x1 > x0 else (x1, y1)
            ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=10, lw=0.8,
                                         color="#444444", zorder=2, shrinkA=0, shrinkB=1))
            ax.text((start[0] + end[0]) / 2, (start[1] + end[1]) / 2, label, fontsize=font - 1.5, ha="center",
                    va="center", color="#222222", zorder=4,
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.85})
    else:
        segments = [(pos[target], pos[source]) for source, target, _label in edges]
        # No antialiasing on the edges: a thousand thin grey lines draw several times faster and look the same.
        ax.add_collection(LineCollection(segments, colors="#bbbbbb", linewidths=0.6, zorder=1, antialiaseds=False))
        ax.scatter([pos[i][0] for i in ids], [pos[i][1] for i in ids], s=40 if len(ids) < 200 else 10,
                   c=[KIND_COLOURS.get(nodes[i]["kind"], "#333333") for i in ids], zorder=2)
        # Only the subject and its direct neighbours are named: each label costs a text layout at draw time.
        nearest = sorted((i for i in ids if abs(layers[i] - layers[root]) <= 1),
                         key=lambda i: (abs(layers[i] - layers[root]), i))[:MAX_BIG_LABELS]
        for node_id in nearest:
            x, y = pos[node_id]
            ax.annotate(str(nodes[node_id]["name"])[:28], (x, y), xytext=(4, 3), textcoords="offset points",
                        fontsize=6)
    kinds = sorted({nodes[i]["kind"] for i in ids})
    for kind in kinds:
        ax.scatter([], [], c=KIND_COLOURS.get(kind, "#333333"), label=kind, marker="s")
    fig.legend(loc="lower center", ncol=min(len(kinds), 8), fontsize=7, frameon=False)
    # A figure title, not an axes title: placing an axes title measures every tick label first.
    fig.text(0.5, 0.985, f"lineage of {nodes[root]['name']} ({len(ids)} nodes; inputs left, arrows show what was "
             "used or derived)", ha="center", va="top", fontsize=9)
    return _png(fig)


def _series(values: Any) -> tuple[list[float], list[float]] | None:
    """Steps and values from the shapes a metric history may take."""
    if isinstance(values, Mapping) and isinstance(values.get("values"), list):
        points_only = values["values"]
        steps_given = values.get("steps")
        if not isinstance(steps_given, list) or len(steps_given) != len(points_only):
            steps_given = list(range(len(points_only)))
        values = [[step, value] for step, value in zip(steps_given, points_only, strict=True)]
    if not isinstance(values, list) or not values:
        return None
    steps: list[float] = []
    points: list[float] = []
    for i, item in enumerate(values):
        if isinstance(item, (int, float)) and not isinstance(item, bool):
            steps.append(i)
            points.append(float(item))
        elif isinstance(item, (list, tuple)) and len(item) >= 2:
            steps.append(float(item[0]))
            points.append(float(item[1]))
        elif isinstance(item, dict) and "value" in item:
            steps.append(float(item.get("step", i)))
            points.append(float(item["value"]))
        else:
            return None
    return steps, points


def metric_history_plot(history: Any, title: str) -> bytes | None:
    """A PNG with one line per metric, or None when the history has no plottable series."""
    if isinstance(history, list):  # [{"key": name, "step": s, "value": v}, ...]
        grouped: dict[str, list[Any]] = {}
        for item in history:
            if isinstance(item, dict) and "key" in item:
                grouped.setdefault(str(item["key"]), []).append(item)
        history = grouped
    if not isinstance(history, Mapping):
        return None
    series = {name: s for name, values in history.items() if (s := _series(values)) is not None}
    if not series:
        return None
    fig = _figure(6, 3)
    ax = fig.add_subplot(1, 1, 1)
    for name, (steps, points) in sorted(series.items())[:8]:
        ax.plot(steps, points, label=name, marker="o" if len(points) < 30 else None, markersize=3)
    ax.set_xlabel("step")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    fig.subplots_adjust(left=0.1, right=0.97, top=0.9, bottom=0.16)
    return _png(fig)


def bar_chart(counts: Mapping[str, Mapping[str, int]], title: str, ylabel: str) -> bytes:
    """Grouped bars: outer keys are groups (projects), inner keys the bars (states)."""
    fig = _figure(7, 3.5)
    ax = fig.add_subplot(1, 1, 1)
    groups = sorted(counts)
    bars = sorted({k for inner in counts.values() for k in inner})
    width = 0.8 / max(len(bars), 1)
    for i, bar in enumerate(bars):
        ax.bar([g + i * width for g in range(len(groups))], [counts[p].get(bar, 0) for p in groups],
               width=width, label=bar)
    ax.set_xticks([g + 0.4 - width / 2 for g in range(len(groups))], groups, fontsize=8)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=9)
    if bars:
        ax.legend(fontsize=7)
    fig.subplots_adjust(left=0.1, right=0.97, top=0.9, bottom=0.15)
    return _png(fig)


def line_chart(series: Mapping[str, Sequence[tuple[str, float]]], title: str, ylabel: str) -> bytes:
    """One line per key over shared string x-values (weeks), sorted."""
    fig = _figure(7, 3.5)
    ax = fig.add_subplot(1, 1, 1)
    xs = sorted({x for points in series.values() for x, _ in points})
    index = {x: i for i, x in enumerate(xs)}
    for name, points in sorted(series.items()):
        ordered = sorted(points)
        ax.plot([index[x] for x, _ in ordered], [y for _, y in ordered], marker="o", markersize=3, label=name)
    step = max(1, len(xs) // 12)
    ax.set_xticks(range(0, len(xs), step), xs[::step], rotation=45, fontsize=7)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=9)
    if series:
        ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    fig.subplots_adjust(left=0.1, right=0.97, top=0.9, bottom=0.25)
    return _png(fig)
