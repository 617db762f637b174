"""The portfolio as JSON: ``GET /api/v1/portfolio`` (the page is in portfolio_page)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from modelctx.api.deps import Principal, get_client, reader
from modelctx.client import Client

router = APIRouter(tags=["governance"])


def scoped_portfolio(client: Client, principal: Principal) -> dict[str, Any]:
    """The portfolio, cut to the caller's project when the token is project-scoped."""
    from modelctx.governance.portfolio import build_portfolio, totals_of

    data = build_portfolio(client.store)
    if principal.project is not None:
        projects = [p for p in data["projects"] if p["project"] == principal.project]
        data = {"projects": projects, "totals": totals_of(projects)}
    return data


@router.get("/portfolio", summary="Per-project activity, production models, findings and flagged data")
def get_portfolio(
    principal: Annotated[Principal, Depends(reader)],
    client: Annotated[Client, Depends(get_client)],
) -> dict[str, Any]:
    return scoped_portfolio(client, principal)
