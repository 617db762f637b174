"""Policy findings and flags over HTTP."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from modelctx.api.deps import Principal, get_client, reader, visible_node, writer
from modelctx.client import Client

router = APIRouter(tags=["governance"])


class FlagRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, description="Why the dataset or model version is bad.")


@router.get("/policy/findings", summary="Run the built-in policy rules; findings in the caller's scope")
def policy_findings(
    principal: Annotated[Principal, Depends(reader)],
    client: Annotated[Client, Depends(get_client)],
) -> dict[str, Any]:
    from modelctx.governance.policies import check_policies

    findings = [f.to_json() for f in check_policies(client.store)
                if principal.project is None or f.project == principal.project]
    return {"findings": findings, "count": len(findings)}


@router.post("/flags/{node_id:path}", summary="Flag a dataset or model version as bad")
def flag(
    node_id: str,
    body: FlagRequest,
    principal: Annotated[Principal, Depends(writer)],
    client: Annotated[Client, Depends(get_client)],
) -> dict[str, Any]:
    from modelctx.governance.flags import flag_node
    from modelctx.graph.lineage import impact

    visible_node(client, principal, node_id)
    node = flag_node(client.store, node_id, body.reason, actor=principal.actor)
    return {"node": node.to_json(), "impact": impact(client.store, node_id).to_json()}


@router.delete("/flags/{node_id:path}", summary="Remove a flag")
def unflag(
    node_id: str,
    principal: Annotated[Principal, Depends(writer)],
    client: Annotated[Client, Depends(get_client)],
) -> dict[str, Any]:
    from modelctx.governance.flags import clear_flag

    visible_node(client, principal, node_id)
    return {"node": clear_flag(client.store, node_id, actor=principal.actor).to_json()}
