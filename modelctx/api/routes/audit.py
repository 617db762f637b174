"""Audit reports over HTTP: ``GET /api/v1/audit/{id}?format=json|md|html|pdf``.

Bounded like the CLI's (``governance/audit.py``: at most ``audit_max_rows``
rows per section, the rest counted per kind), and in time: the report is
built and rendered in a worker thread under the request's budget
(``request_seconds``), which also stops when the client disconnects or the
server shuts down (``api/work.py``). A report stopped that way is a 503
TimeBudgetError; a thread cannot be interrupted mid-section, so it ends at
the next section boundary.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from modelctx.api.deps import Access, read_access, read_node, request_limits
from modelctx.api.work import run_bounded
from modelctx.budget import Budget
from modelctx.graph.model import Node

router = APIRouter(tags=["governance"])


@router.get("/audit/{node_id:path}", summary="Audit report of a model version (impact report of a dataset version)")
async def get_audit(
    node: Annotated[Node, Depends(read_node)],
    request: Request,
    access: Annotated[Access, Depends(read_access)],
    format: Annotated[Literal["json", "md", "html", "pdf"], Query(description="Report format")] = "json",
    as_of: Annotated[str | None, Query(description="ISO 8601 time or date (a date: through its end, UTC): "
                                                       "report the graph as it was then")] = None,
) -> Response:
    from modelctx.governance.audit import build_report
    from modelctx.governance.render import MEDIA_TYPES, render_report

    node_id = node.id
    limits = request_limits(request)
    budget = Budget(limits.request_seconds)

    def build() -> tuple[dict[str, Any], bytes]:
        report = build_report(access.store, node_id, as_of=as_of, max_rows=limits.audit_max_rows, budget=budget)
        return report, render_report(report, format, budget)

    report, body = await run_bounded(request, build, budget, f"audit report of {node_id}")
    headers = {"X-Report-Digest": report["digest"], "X-Changelog-Ok": str(report["verification"]["ok"]).lower()}
    if format == "pdf":
        safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in node_id)
        headers["Content-Disposition"] = f'inline; filename="audit-{safe}.pdf"'
    return Response(body, media_type=MEDIA_TYPES[format], headers=headers)
