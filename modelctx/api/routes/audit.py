"""Audit reports over HTTP: ``GET /api/v1/audit/{id}?format=json|md|html|pdf``."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from modelctx.api.deps import Access, read_access

router = APIRouter(tags=["governance"])


@router.get("/audit/{node_id:path}", summary="Audit report of a model version (impact report of a dataset version)")
def get_audit(
    node_id: str,
    access: Annotated[Access, Depends(read_access)],
    format: Annotated[Literal["json", "md", "html", "pdf"], Query(description="Report format")] = "json",
    as_of: Annotated[str | None, Query(description="ISO 8601 time or date (a date: through its end, UTC): "
                                                       "report the graph as it was then")] = None,
) -> Response:
    from modelctx.governance.audit import build_report
    from modelctx.governance.render import MEDIA_TYPES, render_report

    report = build_report(access.store, node_id, as_of=as_of)
    headers = {"X-Report-Digest": report["digest"], "X-Changelog-Ok": str(report["verification"]["ok"]).lower()}
    if format == "pdf":
        safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in node_id)
        headers["Content-Disposition"] = f'inline; filename="audit-{safe}.pdf"'
    return Response(render_report(report, format), media_type=MEDIA_TYPES[format], headers=headers)
