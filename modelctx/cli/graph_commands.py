"""Commands that look at the graph: init, stats, show, nodes, lineage, impact (verify: integrity_commands)."""

from __future__ import annotations

import json
from typing import Any

import click

from modelctx.cli.context import AppContext, emit_json, json_option, pass_app
from modelctx.graph.model import Node
from modelctx.graph.store import GraphStore


@click.command("init")
@json_option
@pass_app
def init_command(app: AppContext, as_json: bool) -> None:
    """Create the store (idempotent) and say where it is."""
    store = app.store
    info = {"store": store.uri, "last_seq": store.last_seq()}
    if as_json:
        emit_json(info)
    else:
        click.echo(f"store ready: {info['store']} (change log at entry {info['last_seq']})")


@click.command("stats")
@json_option
@pass_app
def stats_command(app: AppContext, as_json: bool) -> None:
    """Count nodes by kind and edges by type."""
    counts: dict[str, Any] = {**app.store.counts(), "last_seq": app.store.last_seq()}
    if as_json:
        emit_json(counts)
        return
    click.echo(f"store: {app.store.uri}")
    click.echo(f"nodes: {sum(counts['nodes'].values())}")
    for kind, n in counts["nodes"].items():
        click.echo(f"  {kind:<20} {n:>10}")
    click.echo(f"edges: {sum(counts['edges'].values())}")
    for etype, n in counts["edges"].items():
        click.echo(f"  {etype:<20} {n:>10}")
    click.echo(f"change log entries: {counts['last_seq']}")


def _as_of_option(func: Any) -> Any:
    return click.option("--as-of", "as_of", default=None, metavar="TIME",
                        help="Answer from the graph as it was at this ISO 8601 time or date "
                             "(a date: through its end, UTC; from the change log).")(func)


def _store_as_of(app: AppContext, as_of: str | None) -> GraphStore:
    """The live store, or a read-only replay of its change log up to ``as_of``."""
    return app.store if as_of is None else app.store.as_of(as_of)


def _as_read(node: Node, as_of: str | None = None) -> Node:
    """A node as people are shown it, at ``--as-of`` when given (``as_read`` in ``modelctx/vocabulary.py``)."""
    from modelctx.times import upper_bound
    from modelctx.vocabulary import as_read

    return as_read(node, upper_bound(as_of, "--as-of"))


@click.command("show")
@click.argument("node_id", metavar="REF")
@_as_of_option
@json_option
@pass_app
def show_command(app: AppContext, node_id: str, as_of: str | None, as_json: bool) -> None:
    """Print one node with its properties and its edges.

    REF is an id, NAME@VERSION, NAME@ALIAS, a model NAME (its latest version),
    DATASET@VERSION or a unique id prefix (``graph/refs.py``).
    """
    from modelctx.graph.refs import resolve_ref

    store = _store_as_of(app, as_of)
    node = _as_read(resolve_ref(store, node_id), as_of)
    node_id = node.id
    edges = store.get_edges([node_id], "both")
    if as_json:
        emit_json({**node.to_json(), "edges": [e.to_json() for e in edges]})
        return
    click.echo(f"{node.kind.label} {node.title}")
    click.echo(f"  id: {node.id}")
    for key, value in sorted(node.properties.items()):
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        if len(text) > 200:
            text = text[:197] + "..."
        click.echo(f"  {key}: {text}")
    for edge in edges:
        if edge.source == node_id:
            click.echo(f"  -{edge.type.value}-> {edge.target}")
        else:
            click.echo(f"  <-{edge.type.value}- {edge.source}")


@click.command("nodes")
@click.option("--kind", "kind", required=True, help="Node kind, e.g. model_version.")
@click.option("--where", "where", multiple=True, metavar="KEY=VALUE", help="Property equality filter (repeatable).")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(0, 100_000))
@click.option("--offset", default=0, show_default=True, type=click.IntRange(0))
@json_option
@pass_app
def nodes_command(app: AppContext, kind: str, where: tuple[str, ...], limit: int, offset: int, as_json: bool) -> None:
    """List nodes of one kind, a page at a time (--limit, --offset).

    When more nodes follow, the text output ends with a line on stderr naming
    the --offset of the next page; --json has "next_offset" (null on the last page).
    """
    from modelctx.errors import ValidationError
    from modelctx.graph.model import NodeKind
    from modelctx.graph.values import filter_value_from_text

    filters: dict[str, object] = {}
    for item in where:
        key, sep, value = item.partition("=")
        if not sep:
            raise ValidationError(f"--where {item!r}: expected KEY=VALUE")
        filters[key] = filter_value_from_text(key, value)
    found = app.store.find_nodes(NodeKind.parse(kind), filters, limit=limit + 1, offset=offset)
    nodes = [_as_read(n) for n in found[:limit]]
    next_offset = offset + limit if len(found) > limit else None
    if as_json:
        emit_json({"nodes": [n.to_json() for n in nodes], "limit": limit, "offset": offset,
                   "next_offset": next_offset})
        return
    for node in nodes:
        click.echo(f"{node.id}  {node.title}")
    if not nodes and next_offset is None:
        click.echo(f"no {kind} nodes" + (f" after offset {offset}" if offset else ""))
    if next_offset is not None:
        click.echo(f"(listed {len(nodes)} from offset {offset}; more follow: add --offset {next_offset} "
                   "for the next page, or raise --limit)", err=True)


@click.command("lineage")
@click.argument("node_id", metavar="REF", required=False)
@click.option("--column", "column", default=None, metavar="REF:COLUMN",
              help="Column lineage of one column of a dataset or dataset version (REF: an id, NAME@VERSION, a "
                   "name or a unique prefix) instead of a node's lineage.")
@click.option("--direction", type=click.Choice(["up", "down"]), default="up", show_default=True)
@click.option("--depth", type=click.IntRange(0), default=None, help="Maximum hops (default: all).")
@click.option("--edge-type", "edge_types", multiple=True, help="Edge types to follow (default: lineage edges).")
@_as_of_option
@json_option
@pass_app
def lineage_command(app: AppContext, node_id: str | None, column: str | None, direction: str, depth: int | None,
                    edge_types: tuple[str, ...], as_of: str | None, as_json: bool) -> None:
    """Show what a node came from (up) or what came from it (down).

    Without --depth the whole lineage is walked (unlike the API, which stops at
    its lineage_depth limit): on a terminal a progress line counts the nodes
    found, and Ctrl-C stops a walk that is too long. With --column, the
    columns one column came from or fed (``graph/column_lineage.py``).
    """
    from modelctx.errors import ValidationError

    if (node_id is None) == (column is None):
        raise ValidationError("give a NODE_ID or --column REF:COLUMN (one of them)")
    if column is not None:
        _column_lineage(app, column, direction, depth, as_of, as_json)
        return
    assert node_id is not None
    from modelctx.cli.progress import progress_bar
    from modelctx.graph.lineage import render_tree, walk_lineage
    from modelctx.graph.model import parse_edge_types
    from modelctx.graph.refs import resolve_ref
    from modelctx.graph.store import check_direction

    types = parse_edge_types(edge_types) if edge_types else None
    store = _store_as_of(app, as_of)
    node_id = resolve_ref(store, node_id).id
    with progress_bar("walking lineage (nodes found)", enabled=not as_json) as bar:
        shown = 1

        def found(hops: int, nodes: int) -> None:
            nonlocal shown
            bar.advance(nodes - shown)
            shown = nodes

        walk = walk_lineage(store, node_id, check_direction(direction), depth=depth, edge_types=types,
                            progress=found)
    if as_json:
        emit_json(walk.to_json(check_direction(direction)))
        return
    for line in render_tree(walk.subgraph, node_id, check_direction(direction)):
        click.echo(line)
    if walk.declared.edges:
        click.echo("declared by JobEvents (static, not observed by a run):")
        for job, dataset, role in walk.declared.edges:
            click.echo(f"  {job} {'reads' if role == 'input' else 'writes'} {dataset}")


def _column_lineage(app: AppContext, column: str, direction: str, depth: int | None, as_of: str | None,
                    as_json: bool) -> None:
    from modelctx.graph.column_lineage import column_lineage, resolve_column

    store = _store_as_of(app, as_of)
    node, name = resolve_column(store, column)
    answer = column_lineage(store, node, name, direction, depth=depth)
    if as_json:
        emit_json(answer)
        return
    click.echo(f"{node} column {name} ({'came from' if direction == 'up' else 'fed'}):")
    for hop in answer["columns"]:
        how = ", ".join("/".join(filter(None, (t.get("type"), t.get("subtype")))) for t in hop["transformations"])
        click.echo(f"{'  ' * hop['depth']}{hop['column']}  [{hop['node']}]{f'  ({how})' if how else ''}")


@click.command("impact")
@click.argument("node_id", metavar="REF")
@json_option
@pass_app
def impact_command(app: AppContext, node_id: str, as_json: bool) -> None:
    """Model versions and active deployments downstream of a node."""
    from modelctx.graph.lineage import impact
    from modelctx.graph.refs import resolve_ref

    result = impact(app.store, resolve_ref(app.store, node_id).id)
    if as_json:
        emit_json(result.to_json())
        return
    click.echo(f"impact of {result.node.kind.label} {result.node.title}:")
    click.echo(f"  model versions ({len(result.model_versions)}):")
    for node in result.model_versions:
        click.echo(f"    {node.id}  {node.title}")
    click.echo(f"  active deployments ({len(result.deployments)}):")
    for node in result.deployments:
        props = node.properties
        click.echo(f"    {node.id}  {props.get('environment', '')} {props.get('endpoint', '')}".rstrip())
