"""What each MCP tool answers: one package call each, its output cut to the tool's bounds.

These functions take the caller's view of the store (an ``Access``'s store,
``api/deps.py``) and plain arguments, call the package function the CLI and
the API call for the same question, and shape a compact answer: node
summaries (id, kind, title) instead of whole property bags where a list can
grow, every list capped with its total alongside, so an assistant's context
is never flooded and every id can be passed to a later call. They run in a
worker thread (``mcp/server.py``); the rules they rely on live where the
comments say.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from modelctx.budget import Budget
from modelctx.graph.model import Node
from modelctx.graph.refs import resolve_ref
from modelctx.graph.store import GraphStore
from modelctx.vocabulary import as_read

#: Default and largest number of search hits a call returns.
SEARCH_LIMIT, SEARCH_MAX = 10, 50
#: Default and largest number of edges ``show`` lists.
EDGES_LIMIT, EDGES_MAX = 50, 500
#: Default and largest lineage depth (hops) and node count.
LINEAGE_DEPTH, LINEAGE_MAX_DEPTH = 3, 20
LINEAGE_NODES, LINEAGE_MAX_NODES = 100, 1000
#: Default and largest number of model versions and deployments ``impact`` and ``flag`` list.
IMPACT_LIMIT, IMPACT_MAX = 50, 500
#: Default and largest rows per audit-report section (the report counts the rest: ``governance/audit.py``).
AUDIT_ROWS, AUDIT_MAX_ROWS = 50, 500
#: Default and largest number of policy findings listed.
FINDINGS_LIMIT, FINDINGS_MAX = 50, 500


def resolve(store: GraphStore, ref: str) -> Node:
    """The node ``ref`` names in the caller's view; every id argument of every tool goes through here.

    Any human form the CLI takes (``graph/refs.py``: an id, NAME@VERSION, an
    alias, a unique prefix). NotFoundError with the CLI's message when the
    view has no such node: a hidden node reads like a missing one
    (``graph/scoped.py``), and is never suggested.
    """
    return resolve_ref(store, ref)


def brief(node: Node) -> dict[str, Any]:
    """A node as a list shows it: enough to name it and to ask about it in a later call."""
    return {"id": node.id, "kind": node.kind.value, "title": node.title}


def capped(items: Sequence[dict[str, Any]], limit: int) -> dict[str, Any]:
    """The first ``limit`` items with the total, so an assistant knows what it was not shown."""
    return {"items": list(items[:limit]), "total": len(items), "truncated": len(items) > limit}


def show(store: GraphStore, ref: str, edges_limit: int) -> dict[str, Any]:
    """One node with its properties (as people are shown them, ``vocabulary.as_read``) and its edges, capped."""
    node = as_read(resolve(store, ref))
    edges = store.get_edges([node.id], "both")
    return {
        **node.to_json(), "title": node.title,
        "edges": [e.to_json() for e in edges[:edges_limit]],
        "edges_total": len(edges), "truncated": len(edges) > edges_limit,
    }


def lineage(store: GraphStore, ref: str, direction: str, depth: int, max_nodes: int,
            edge_types: list[str] | None, properties: bool, budget: Budget) -> dict[str, Any]:
    """A bounded lineage walk (``graph/lineage.py`` ``walk_lineage``, the API's): what cut it is said."""
    from modelctx.graph.lineage import walk_lineage
    from modelctx.graph.model import parse_edge_types

    root = resolve(store, ref)
    walk = walk_lineage(store, root.id, direction,  # type: ignore[arg-type]  # checked by walk_lineage
                        depth=depth, edge_types=parse_edge_types(edge_types) if edge_types else None,
                        max_nodes=max_nodes, budget=budget)
    return walk.to_json(direction, properties=properties)


def _impact(store: GraphStore, node_id: str, limit: int) -> dict[str, Any]:
    from modelctx.graph.lineage import impact

    result = impact(store, node_id)
    deployments = [{**brief(d), "environment": d.properties.get("environment"),
                    "endpoint": d.properties.get("endpoint")} for d in result.deployments]
    return {
        "node": brief(result.node),
        "model_versions": capped([brief(v) for v in result.model_versions], limit),
        "active_deployments": capped(deployments, limit),
    }


def impact(store: GraphStore, ref: str, limit: int) -> dict[str, Any]:
    """Model versions and active deployments downstream of a node (``graph/lineage.py`` ``impact``), capped."""
    return _impact(store, resolve(store, ref).id, limit)


def audit(store: GraphStore, ref: str, fmt: str, max_rows: int, as_of: str | None,
          budget: Budget) -> dict[str, Any] | str:
    """The audit report (``governance/audit.py``): its JSON data, or its Markdown (``governance/render.py``)."""
    from modelctx.governance.audit import build_report
    from modelctx.governance.render import render_report

    node = resolve(store, ref)
    report = build_report(store, node.id, as_of=as_of, max_rows=max_rows, budget=budget)
    if fmt == "json":
        return report
    return render_report(report, "md", budget).decode()


def policy_check(store: GraphStore, limit: int) -> dict[str, Any]:
    """The built-in policy rules on the caller's view (``governance/policies.py``), findings capped."""
    from modelctx.governance.policies import check_policies

    findings = [f.to_json() for f in check_policies(store)]
    return {"findings": findings[:limit], "count": len(findings), "truncated": len(findings) > limit}


def note(store: GraphStore, ref: str, text: str, actor: str) -> dict[str, Any]:
    """Attach an Insight to a node (``search/notes.py``), written to the change log as ``actor``."""
    from modelctx.search.notes import attach_note

    target = resolve(store, ref)
    insight = attach_note(store, target.id, text, actor=actor)
    return {**insight.to_json(), "about": target.id}


def flag(store: GraphStore, ref: str, reason: str | None, clear: bool, actor: str, limit: int) -> dict[str, Any]:
    """Flag (or clear the flag of) a dataset or model version (``governance/flags.py``), with what it affects."""
    from modelctx.governance.flags import clear_flag, flag_node

    target = resolve(store, ref)
    node = clear_flag(store, target.id, actor=actor) if clear else flag_node(store, target.id, reason or "",
                                                                             actor=actor)
    return {"node": node.to_json(), "impact": _impact(store, target.id, limit)}


def search(service: Any, store: GraphStore, query: str, *, kind: str | None, limit: int, mode: str,
           project: str | None, since: str | None, until: str | None, catch_up: bool) -> dict[str, Any]:
    """Hits with their graph context (``search/service.py``, the CLI's and the API's), from the caller's view.

    ``pending_changes`` counts the writes the index does not cover yet (0 when it is current).
    """
    from modelctx.search.service import time_window

    since_at, until_at = time_window(since, until)
    hits = service.search(query, store=store, kind=kind, limit=limit, mode=mode, project=project,
                          since=since_at, until=until_at, catch_up=catch_up)
    return dict(service.answer(query, mode, hits))


def diff(store: GraphStore, a: str, b: str) -> dict[str, Any]:
    """What differs between two model versions or two runs (``governance/diff.py``, the CLI's and the API's).

    Bounded there: every list at ``MAX_ITEMS``, the sections it cut named in ``truncated``.
    """
    from modelctx.governance.diff import diff_nodes

    return diff_nodes(store, resolve(store, a), resolve(store, b))
