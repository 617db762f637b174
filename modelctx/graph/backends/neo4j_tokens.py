"""API tokens in the Neo4j store: nodes of their own label, outside the graph (``graph/credentials.py``).

A token is ``(:ApiToken {id, name, digest, role, project, created_at,
revoked_at, active_name})``. It never carries the ``Node`` label, so no graph
statement of ``neo4j_cypher`` matches it: nothing exports it, counts it,
verifies it or indexes it for search, and the change log never mentions it.
``active_name`` is the name while the token is active and absent once it is
revoked, so the uniqueness constraint on it is "one active token per name"
(Neo4j has no partial constraints; a missing property is not checked). The
digest and the id are unique too. Ids come from the single
``(:ApiTokenCounter)`` node, which each creation writes first, so concurrent
creations (other API replicas) queue there.

These statements are the token label's own; ``neo4j_cypher`` holds the graph's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from modelctx.graph.credentials import TokenInfo, TokenTable

if TYPE_CHECKING:
    from neo4j import ManagedTransaction

    from modelctx.graph.backends.neo4j import Neo4jGraphStore

COUNTER_KEY = "tokens"

#: name -> statement, added to the store's schema (``neo4j_cypher.SCHEMA``) and created with it.
SCHEMA: dict[str, str] = {
    "modelctx_api_token_digest": (
        "CREATE CONSTRAINT modelctx_api_token_digest IF NOT EXISTS FOR (t:ApiToken) REQUIRE t.digest IS UNIQUE"
    ),
    "modelctx_api_token_active_name": (
        "CREATE CONSTRAINT modelctx_api_token_active_name IF NOT EXISTS "
        "FOR (t:ApiToken) REQUIRE t.active_name IS UNIQUE"
    ),
    "modelctx_api_token_id": (
        "CREATE CONSTRAINT modelctx_api_token_id IF NOT EXISTS FOR (t:ApiToken) REQUIRE t.id IS UNIQUE"
    ),
    "modelctx_api_token_counter": (
        "CREATE CONSTRAINT modelctx_api_token_counter IF NOT EXISTS "
        "FOR (c:ApiTokenCounter) REQUIRE c.key IS UNIQUE"
    ),
}

_RETURN = (
    "RETURN t.id AS id, t.name AS name, t.role AS role, t.project AS project, "
    "t.created_at AS created_at, t.revoked_at AS revoked_at"
)
#: Takes the counter's lock and the next id in one statement.
NEXT_ID = (
    "MERGE (c:ApiTokenCounter {key: $key}) ON CREATE SET c.next_id = 1 "
    "SET c.next_id = c.next_id + 1 RETURN c.next_id - 1 AS id"
)
CREATE = (
    "CREATE (t:ApiToken {id: $id, name: $name, digest: $digest, role: $role, project: $project, "
    "created_at: $created_at, revoked_at: $revoked_at, active_name: CASE WHEN $revoked_at IS NULL "
    f"THEN $name END}}) {_RETURN}"
)
FIND_BY_DIGEST = f"MATCH (t:ApiToken {{digest: $digest}}) {_RETURN}"
LIST = f"MATCH (t:ApiToken) {_RETURN} ORDER BY id"
REVOKE = (
    "MATCH (t:ApiToken {active_name: $name}) WHERE $project IS NULL OR t.project = $project "
    f"SET t.revoked_at = $at REMOVE t.active_name {_RETURN}"
)
COUNT_ACTIVE = "MATCH (t:ApiToken) WHERE t.active_name IS NOT NULL RETURN count(t) AS n"


def _info(record: Any) -> TokenInfo:
    return TokenInfo(int(record["id"]), str(record["name"]), str(record["role"]), record["project"],
                     str(record["created_at"]), record["revoked_at"])


class Neo4jTokenTable(TokenTable):
    """The tokens of one Neo4j database, through the store's driver, sessions and error translation."""

    def __init__(self, store: Neo4jGraphStore) -> None:
        self._store = store

    def add(
        self, name: str, digest: str, role: str, project: str | None, created_at: str, revoked_at: str | None = None
    ) -> TokenInfo:
        def create(tx: ManagedTransaction) -> TokenInfo:
            token_id = tx.run(NEXT_ID, key=COUNTER_KEY).single(strict=True)["id"]
            record = tx.run(CREATE, id=token_id, name=name, digest=digest, role=role, project=project,
                            created_at=created_at, revoked_at=revoked_at).single(strict=True)
            return _info(record)

        # A taken digest or active name fails a constraint: ConflictError (Neo4jGraphStore._translate).
        return self._store._run_write("storing a token", create)

    def find_by_digest(self, digest: str) -> TokenInfo | None:
        records = self._store._read("looking a token up", FIND_BY_DIGEST, digest=digest)
        return _info(records[0]) if records else None

    def list_all(self) -> list[TokenInfo]:
        return [_info(r) for r in self._store._read("listing tokens", LIST)]

    def revoke(self, name: str, at: str, *, project: str | None = None) -> TokenInfo | None:
        def revoke(tx: ManagedTransaction) -> TokenInfo | None:
            record = tx.run(REVOKE, name=name, at=at, project=project).single()
            return _info(record) if record is not None else None

        return self._store._run_write("revoking a token", revoke)

    def count_active(self) -> int:
        return int(self._store._read("counting tokens", COUNT_ACTIVE)[0]["n"])
