"""Policy findings and flags over HTTP."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from modelctx.api.deps import Access, read_access, write_access, write_node
from modelctx.graph.model import Node

router = APIRouter(tags=["governance"])


class FlagRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, description="Why the dataset or model version is bad.")


@router.get("/policy/findings", summary="Run the built-in policy rules on the caller's view of the graph")
def policy_findings(access: Annotated[Access, Depends(read_access)]) -> dict[str, Any]:
    from modelctx.governance.policies import check_policies

    findings = [f.to_json() for f in check_policies(access.store)]
    return {"findings": findings, "count": len(findings)}


@router.post("/flags/{node_id:path}", summary="Flag a dataset or model version as bad")
def flag(target: Annotated[Node, Depends(write_node)], body: FlagRequest,
         access: Annotated[Access, Depends(write_access)]) -> dict[str, Any]:
    from modelctx.governance.flags import flag_node
    from modelctx.graph.lineage import impact

    node = flag_node(access.store, target.id, body.reason, actor=access.actor)
    return {"node": node.to_json(), "impact": impact(access.store, target.id).to_json()}


@router.delete("/flags/{node_id:path}", summary="Remove a flag")
def unflag(target: Annotated[Node, Depends(write_node)], access: Annotated[Access, Depends(write_access)],
           ) -> dict[str, Any]:
    from modelctx.governance.flags import clear_flag

    return {"node": clear_flag(access.store, target.id, actor=access.actor).to_json()}
