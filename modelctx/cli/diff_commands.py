"""``modelctx diff A B``: what differs between two model versions or two runs (``governance/diff.py``)."""

from __future__ import annotations

import json
from typing import Any

import click

from modelctx.cli.context import AppContext, emit_json, json_option, pass_app


def _value(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "..."


def _map_lines(title: str, diff: dict[str, Any]) -> list[str]:
    lines = [f"  + {k} = {_value(v)}" for k, v in diff["added"].items()]
    lines += [f"  - {k} = {_value(v)}" for k, v in diff["removed"].items()]
    for key, change in diff["changed"].items():
        delta = f"  ({change['delta']:+.6g})" if "delta" in change else ""
        lines.append(f"  ~ {key}: {_value(change['a'])} -> {_value(change['b'])}{delta}")
    same = diff.get("unchanged", [])
    if not lines:
        return [f"{title}: no differences" + (f" ({len(same)} the same)" if same else "")]
    return [f"{title}:" + (f" ({len(same)} more the same)" if same else ""), *lines]


def render_diff(diff: dict[str, Any]) -> list[str]:
    """The diff as people read it: one section per aspect, differences only."""
    lines = [f"diff {diff['a']['title']} ({diff['a']['id']})", f"  -> {diff['b']['title']} ({diff['b']['id']})"]
    lines += _map_lines("parameters", diff["parameters"])
    lines += _map_lines("metrics", diff["metrics"])
    data = diff["datasets"]
    lines.append("datasets:" if data["added"] or data["removed"] or data["changed"] else "datasets: the same")
    lines += [f"  + {d['title']} ({d['role'] or 'no role'})" for d in data["added"]]
    lines += [f"  - {d['title']} ({d['role'] or 'no role'})" for d in data["removed"]]
    for change in data["changed"]:
        rows = change["rows"]
        moved = f", rows {rows['a']} -> {rows['b']}" if rows["a"] != rows["b"] else ""
        columns = change["columns"]
        cols = "".join(f", {label} {', '.join(columns[key])}" for key, label in
                       (("added", "columns added:"), ("removed", "columns removed:")) if columns[key])
        cols += "".join(f", {c} {t['a']} -> {t['b']}" for c, t in columns["type_changed"].items())
        lines.append(f"  ~ {change['a']['title']} -> {change['b']['title']} ({change['role'] or 'no role'}"
                     f"{moved}{cols})")
    features = diff["features"]
    if features["added"] or features["removed"]:
        lines.append("features:")
        lines += [f"  + {f['title']}" for f in features["added"]] + [f"  - {f['title']}" for f in features["removed"]]
    commits = diff["commits"]
    if commits["same"]:
        lines.append("code: the same commit" if commits["a"] else "code: no commit recorded")
    else:
        lines.append("code: " + ", ".join(c["title"] for c in commits["a"]) + " -> "
                     + ", ".join(c["title"] for c in commits["b"]))
        between = commits["between"]
        if between is not None:
            lines.append(f"  {len(between['commits'])} commit(s) from {between['from']} to {between['to']}"
                         + (" (cut)" if between["truncated"] else "") + ":")
            lines += [f"    {c['title']}" for c in between["commits"]]
    env = diff["environment"]
    packages = env["packages"]
    if env["same"]:
        lines.append("environment: the same" if env["a"] else "environment: none recorded")
    else:
        lines.append(f"environment: python {env['python']['a']} -> {env['python']['b']}")
        lines += [f"  + {k} {v}" for k, v in packages["added"].items()]
        lines += [f"  - {k} {v}" for k, v in packages["removed"].items()]
        lines += [f"  ~ {k} {c['a']} -> {c['b']}" for k, c in packages["changed"].items()]
    reviews = diff["reviews"]
    lines.append(f"review: {reviews['a']['state']} -> {reviews['b']['state']}")
    if diff["truncated"]:
        lines.append(f"(cut at the item limit: {', '.join(diff['truncated'])}; see --json)")
    return lines


@click.command("diff")
@click.argument("a", metavar="A")
@click.argument("b", metavar="B")
@json_option
@pass_app
def diff_command(app: AppContext, a: str, b: str, as_json: bool) -> None:
    """Compare two model versions (or two runs) through their lineage.

    Parameters, metrics, datasets (digest, rows, columns), features, commits
    (and the commits between them), environment packages and reviews. A and B
    take any reference `show` takes (tumour-classifier@1, an id, a prefix).
    """
    from modelctx.governance.diff import diff_nodes
    from modelctx.graph.refs import resolve_ref

    diff = diff_nodes(app.store, resolve_ref(app.store, a), resolve_ref(app.store, b))
    if as_json:
        emit_json(diff)
        return
    for line in render_diff(diff):
        click.echo(line)
