"""Token management over HTTP (admin only); a project-scoped admin manages only its project's tokens."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from modelctx.api.deps import Access, admin_access
from modelctx.api.tokens import create_token, list_tokens, revoke_token
from modelctx.errors import PermissionDeniedError

router = APIRouter(tags=["tokens"])


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200, description="Recorded as the actor token:<name>")
    role: Literal["reader", "writer", "admin"]
    project: str | None = Field(default=None, max_length=200, description="Scope: see only this project's nodes")


@router.post("/tokens", status_code=201, summary="Create a token; the secret is returned only now")
def post_token(body: TokenIn, access: Annotated[Access, Depends(admin_access)]) -> dict[str, Any]:
    project = body.project
    if access.project is not None:
        if project not in (None, access.project):
            raise PermissionDeniedError(f"this token may only create tokens for project {access.project!r}")
        project = access.project
    info, secret = create_token(access.client, body.name, body.role, project)
    return {**info.to_json(), "secret": secret}


@router.get("/tokens", summary="List tokens (never their secrets)")
def get_tokens(access: Annotated[Access, Depends(admin_access)]) -> dict[str, Any]:
    tokens = [t for t in list_tokens(access.client) if access.project in (None, t.project)]
    return {"tokens": [t.to_json() for t in tokens]}


@router.delete("/tokens/{name}", summary="Revoke the active token with this name")
def delete_token(name: str, access: Annotated[Access, Depends(admin_access)]) -> dict[str, Any]:
    # A project's admin revokes only its project's tokens: checked in the revoking statement itself.
    return revoke_token(access.client, name, project=access.project).to_json()
