"""The portfolio as JSON: ``GET /api/v1/portfolio`` (the page is in portfolio_page)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from modelctx.api.deps import Access, read_access

router = APIRouter(tags=["governance"])


@router.get("/portfolio", summary="Per-project activity, production models, findings and flagged data")
def get_portfolio(access: Annotated[Access, Depends(read_access)]) -> dict[str, Any]:
    from modelctx.governance.portfolio import build_portfolio

    return build_portfolio(access.store)
