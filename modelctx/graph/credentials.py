"""API tokens as a store keeps them: credentials beside the provenance graph, never in it.

Every API process on one store must know the same tokens, so the store keeps
them (``GraphStore.tokens``). They are not provenance: a token record is not a
node, writing one appends nothing to the change log, and nothing that reads the
graph through its public methods (copy, PROV export, the as-of view, search)
can see one. Each backend keeps them its own way, in ``graph/backends/``
(``sqlite_tokens.py``: a table of the store's file; ``neo4j_tokens.py``: nodes
of their own label). Views have none: a project's view or the past cannot
manage credentials.

This module is the storage contract only. What a valid token is (its name, its
role, its scope, how its secret is made and hashed) is decided once, in
``modelctx/api/tokens.py``; the backends enforce the two rules that must hold
however many processes race: a digest is stored once, and a name is held by at
most one active token (a unique index or constraint, not a read before a write).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """What is known about a token apart from its secret."""

    id: int
    name: str
    role: str
    project: str | None
    created_at: str
    revoked_at: str | None = None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def actor(self) -> str:
        """Who the change log records for a write made with this token."""
        return f"token:{self.name}"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "role": self.role,
            "project": self.project,
            "created_at": self.created_at,
            "revoked": self.revoked,
            "revoked_at": self.revoked_at,
        }


class TokenTable(ABC):
    """A store's API tokens, by SHA-256 digest of their secret (the secret itself is never stored).

    Arguments arrive validated (``modelctx/api/tokens.py``); any method may raise BackendError.
    """

    @abstractmethod
    def add(
        self, name: str, digest: str, role: str, project: str | None, created_at: str, revoked_at: str | None = None
    ) -> TokenInfo:
        """Store a token and return it with its id (ids grow with each token added).

        ConflictError when the digest is stored already, or when the token is
        active (``revoked_at`` None) and an active token holds ``name``;
        then nothing is stored.
        """

    @abstractmethod
    def find_by_digest(self, digest: str) -> TokenInfo | None:
        """The token (active or revoked) whose secret has this digest, or None."""

    @abstractmethod
    def list_all(self) -> list[TokenInfo]:
        """Every token, revoked ones too, oldest (lowest id) first."""

    @abstractmethod
    def revoke(self, name: str, at: str, *, project: str | None = None) -> TokenInfo | None:
        """Revoke the active token called ``name`` as of ``at``; the revoked record, or None if none is active.

        ``project``: revoke it only if it is scoped to that project (a project's admin), checked in the same
        statement, so a token of another project is never revoked by a race.
        """

    @abstractmethod
    def count_active(self) -> int:
        """How many tokens are not revoked."""
