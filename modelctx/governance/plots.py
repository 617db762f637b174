"""Pictures for reports and the portfolio: lineage diagrams and metric plots as PNG bytes.

matplotlib (Agg, no display) draws; networkx lays the lineage out in layers by
distance from the subject, which stays readable and fast for a thousand nodes
where a force layout would take seconds.
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

MAX_LABELS = 40


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


def lineage_diagram(graph: Mapping[str, Any], root: str) -> bytes:
    """A PNG of a lineage graph (``{"nodes": [...], "edges": [...]}``), layered by hops from ``root``."""
    import networkx as nx
    from matplotlib.collections import LineCollection

    nodes = {n["id"]: n for n in graph["nodes"]}
    neighbours: dict[str, list[str]] = {}
    for edge in graph["edges"]:
        neighbours.setdefault(edge["source"], []).append(edge["target"])
        neighbours.setdefault(edge["target"], []).append(edge["source"])
    layer = {root: 0}
    queue = deque([root])
    while queue:
        current = queue.popleft()
        for other in neighbours.get(current, []):
            if other not in layer:
                layer[other] = layer[current] + 1
                queue.append(other)
    g = nx.DiGraph()
    unreached = max(layer.values(), default=0) + 1
    for node_id in nodes:
        g.add_node(node_id, layer=layer.get(node_id, unreached))
    g.add_edges_from(
        (e["source"], e["target"]) for e in graph["edges"] if e["source"] in nodes and e["target"] in nodes
    )
    pos = nx.multipartite_layout(g, subset_key="layer", align="vertical") if len(g) > 1 else {root: (0.0, 0.0)}
    widest = max((sum(1 for v in layer.values() if v == d) for d in set(layer.values())), default=1)
    depth = max(layer.values(), default=0) + 1
    fig = _figure(min(5 + 2.0 * depth, 14), min(3 + 0.3 * widest, 10))
    ax = fig.add_subplot(1, 1, 1)
    ax.set_axis_off()
    segments = [(pos[a], pos[b]) for a, b in g.edges]
    # No antialiasing on the edges: a thousand thin grey lines draw several times faster and look the same.
    ax.add_collection(LineCollection(segments, colors="#bbbbbb", linewidths=0.6, zorder=1, antialiaseds=False))
    ids = list(g.nodes)
    ax.scatter([pos[i][0] for i in ids], [pos[i][1] for i in ids], s=60 if len(ids) < 200 else 12,
               c=[KIND_COLOURS.get(nodes[i]["kind"], "#333333") for i in ids], zorder=2)
    labelled = ids if len(ids) <= MAX_LABELS else [i for i in ids if layer.get(i, 99) <= 1][:MAX_LABELS]
    for node_id in labelled:
        x, y = pos[node_id]
        ax.annotate(str(nodes[node_id]["name"])[:32], (x, y), xytext=(4, 4), textcoords="offset points", fontsize=7)
    kinds = sorted({nodes[i]["kind"] for i in ids})
    for kind in kinds:
        ax.scatter([], [], c=KIND_COLOURS.get(kind, "#333333"), label=kind)
    fig.legend(loc="lower center", ncol=min(len(kinds), 7), fontsize=7, frameon=False)
    # A figure title, not an axes title: placing an axes title measures every tick label first.
    fig.text(0.5, 0.97, f"lineage of {nodes[root]['name'] if root in nodes else root} ({len(ids)} nodes)",
             ha="center", va="top", fontsize=9)
    ax.autoscale()
    ax.margins(x=0.12, y=0.08)  # room for the labels right of the last layer
    fig.subplots_adjust(left=0.02, right=0.98, top=0.93, bottom=0.12)
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
