"""The MCP server: the tools and resources an assistant sees, over whichever transport carries them.

:func:`build_server` registers each tool with its description and JSON
schema (from the typed parameters: every bound is in the schema) and answers
it with one function of ``mcp/tools.py``. Where the server runs is a
:class:`Host`: over stdio the local store and the OS user (``mcp/stdio.py``),
inside ``modelctx serve`` the caller of each HTTP request (``mcp/http.py``).
The host hands every call the caller's Access (``api/deps.py`` ``access_for``:
the one role check and the one project view), so a reader cannot write and a
project-scoped token sees only its project, through every tool and resource.

Errors: a modelctx error (``modelctx/errors.py``) becomes an MCP tool error
whose text is the CLI's line, ``error: <message>``; arguments outside a
tool's schema become one such line too, naming the argument. Answers are
compact JSON (also given as structured content).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from typing import Annotated, Any, Literal, Protocol, TypeVar

import anyio.to_thread
import pydantic
from mcp.server.mcpserver import Context, MCPServer, ResourceSecurity
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError, ToolError
from mcp.types import CallToolResult, TextContent, ToolAnnotations
from pydantic import Field

from modelctx.api.deps import Access
from modelctx.api.errors import error_body
from modelctx.budget import Budget
from modelctx.cli.context import one_line
from modelctx.config import Limits
from modelctx.errors import ModelctxError, NotFoundError, ValidationError
from modelctx.graph.refs import MAX_REF_CHARS
from modelctx.mcp import tools as t
from modelctx.search.notes import MAX_NOTE_CHARS

T = TypeVar("T")

INSTRUCTIONS = (
    "modelctx is the system of record of ML models: a provenance graph of datasets, runs, model versions, "
    "reviews, deployments and notes. Ask it instead of guessing: `search` finds nodes by meaning and words; "
    "every answer carries node ids (kind:key, e.g. model_version:churn/3) to pass to `show`, `lineage` "
    "(what a node came from, or what came from it), `impact` (model versions and deployments downstream), "
    "`diff` (what changed between two model versions), `audit` (who trained and approved a model version, "
    "on which data) and `policy_check`. Ids may also be human: churn@3, churn@production, a unique prefix. "
    "Writers may add a `note` or `flag` bad data; both are recorded in the change log with the caller as "
    "actor. Lists are capped: `total` and `truncated` say what was left out."
)


class Host(Protocol):
    """Where the server runs: who is calling, what a call may cost, and the search service."""

    @property
    def limits(self) -> Limits:
        """The time budget of a walk or a report (``request_seconds``) comes from here."""
        ...

    def access(self, request: Any | None, role: str) -> Access:
        """The caller's Access for ``role`` (``request``: the HTTP request, None over stdio), or the error."""
        ...

    def search_service(self) -> tuple[Any, bool]:
        """The SearchService, and whether a search first catches its index up (the CLI's way) or not (the API's)."""
        ...


def compact(data: Any) -> str:
    """JSON without spaces: what an assistant reads costs its context."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)


def answer(data: dict[str, Any] | str) -> CallToolResult:
    """A tool's answer: compact JSON as text and as structured content (Markdown stays text)."""
    if isinstance(data, str):
        return CallToolResult(content=[TextContent(type="text", text=data)])
    return CallToolResult(content=[TextContent(type="text", text=compact(data))], structured_content=data)


def error_answer(exc: ModelctxError) -> CallToolResult:
    """An MCP tool error: the CLI's one line as text (``cli/context.py`` ``handle_errors``), the API's error
    body as structured content (``api/errors.py``: the class, the detail, any suggestions or candidates)."""
    return CallToolResult(content=[TextContent(type="text", text=f"error: {one_line(exc)}")], is_error=True,
                          structured_content=error_body(exc))


def argument_error(tool: str, exc: pydantic.ValidationError) -> ValidationError:
    """Arguments outside a tool's schema, as one line naming the first bad argument."""
    errors = exc.errors()
    first = errors[0]
    where = ".".join(str(part) for part in first["loc"]) or "arguments"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return ValidationError(f"{tool}: argument {where}: {first['msg']}{more}")


class ModelctxMCP(MCPServer[Any]):
    """MCPServer whose tool failures read like the CLI's (``error: <message>``), never a traceback."""

    async def call_tool(self, name: str, arguments: dict[str, Any], context: Any = None) -> Any:
        try:
            return await super().call_tool(name, arguments, context)
        except ToolError as exc:
            cause = exc.__cause__
            if isinstance(cause, ModelctxError):
                return error_answer(cause)
            if isinstance(cause, pydantic.ValidationError):
                return error_answer(argument_error(name, cause))
            raise


def _request(ctx: Context) -> Any | None:
    return ctx.request_context.request


REF_FORMS = ("an id as other answers give it (kind:key, e.g. model_version:churn/3), NAME@VERSION "
             "(churn@3), NAME@ALIAS (churn@production), a model NAME (its latest version), DATASET@VERSION "
             "or a unique id prefix")
Id = Annotated[str, Field(min_length=1, max_length=MAX_REF_CHARS, description=f"The node: {REF_FORMS}.")]
READ_ONLY = ToolAnnotations(read_only_hint=True, open_world_hint=False)
WRITES = ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=False, open_world_hint=False)


def build_server(host: Host) -> ModelctxMCP:
    """The MCP server over ``host``: tools ``search``, ``show``, ``lineage``, ``impact``, ``diff``, ``audit``,
    ``policy_check``, ``note`` and ``flag``; resources ``modelctx://node/{id}`` and ``modelctx://audit/{id}``."""
    from modelctx import __version__

    server = ModelctxMCP("modelctx", title="modelctx", version=__version__, instructions=INSTRUCTIONS,
                         log_level="WARNING")

    async def run(ctx: Context, role: str, work: Callable[[Access], T]) -> T:
        access = host.access(_request(ctx), role)
        return await anyio.to_thread.run_sync(partial(work, access))

    def budget() -> Budget:
        return Budget(host.limits.request_seconds)

    @server.tool(annotations=READ_ONLY, structured_output=False)
    async def search(
        ctx: Context,
        query: Annotated[str, Field(min_length=1, max_length=2000, description="What to look for, in words.")],
        kind: Annotated[str | None, Field(description="Only nodes of this kind: model, model_version, run, "
                                                      "dataset, dataset_version, review, deployment, insight, "
                                                      "person, project, ...")] = None,
        limit: Annotated[int, Field(ge=1, le=t.SEARCH_MAX, description="How many hits.")] = t.SEARCH_LIMIT,
        mode: Annotated[Literal["hybrid", "vector", "keyword"],
                        Field(description="hybrid (meaning and words), vector (meaning) or keyword (words).")]
        = "hybrid",
        project: Annotated[str | None, Field(description="Only nodes of this project.")] = None,
        since: Annotated[str | None, Field(description="Only nodes at or after this ISO date/time "
                                                       "(a date: from its start, UTC).")] = None,
        until: Annotated[str | None, Field(description="Only nodes at or before this ISO date/time "
                                                       "(a date: through its end, UTC).")] = None,
    ) -> CallToolResult:
        """Find nodes of the provenance graph by meaning and by words. Each hit has its id, kind, title, a
        snippet, its project and its nearest graph context (model, training data, reviews, deployments).
        `pending_changes` counts recent writes not yet searchable. Pass hit ids to show, lineage or audit.
        Questions about structure are answered from the graph, each answer with the path that makes it one in
        `answer` ("runs that used X", "model versions trained on X", "what did PERSON change last month",
        "deployed models without an approval", "which models are drifting", "latest version of X", "what
        changed between A and B"; the list: docs/guide/search.md); `question` says how the query was read."""
        def searching(access: Access) -> dict[str, Any]:
            service, catch_up = host.search_service()  # after the access check: loading the model takes seconds
            return t.search(service, access.store, query, kind=kind, limit=limit, mode=mode, project=project,
                            since=since, until=until, catch_up=catch_up)

        return answer(await run(ctx, "reader", searching))

    @server.tool(annotations=READ_ONLY, structured_output=False)
    async def show(
        ctx: Context,
        id: Id,
        edges_limit: Annotated[int, Field(ge=0, le=t.EDGES_MAX, description="How many of its edges to list.")]
        = t.EDGES_LIMIT,
    ) -> CallToolResult:
        """One node: its id, kind, title, all its properties and its edges (source -TYPE-> target; an edge
        points from the later thing to what it came from). `edges_total` counts every edge."""
        return answer(await run(ctx, "reader", lambda a: t.show(a.store, id, edges_limit)))

    @server.tool(annotations=READ_ONLY, structured_output=False)
    async def lineage(
        ctx: Context,
        id: Id,
        direction: Annotated[Literal["up", "down", "both"],
                             Field(description="up: what it came from (data, runs, code); down: what came from "
                                               "it (models, deployments); both.")] = "up",
        depth: Annotated[int, Field(ge=0, le=t.LINEAGE_MAX_DEPTH, description="Maximum hops.")] = t.LINEAGE_DEPTH,
        max_nodes: Annotated[int, Field(ge=1, le=t.LINEAGE_MAX_NODES, description="Most nodes returned.")]
        = t.LINEAGE_NODES,
        edge_types: Annotated[list[str] | None, Field(max_length=20, description="Edge types to follow, e.g. "
                                                      "USED, GENERATED_BY, DERIVED_FROM (default: lineage edges).")]
        = None,
        properties: Annotated[bool, Field(description="Include each node's properties.")] = False,
    ) -> CallToolResult:
        """The lineage of a node, nearest first: nodes (id, kind, title) and edges. `truncated` and
        `truncated_by` (depth, max_nodes or time) say whether more lies beyond; `found` and `by_kind` count
        what the walk saw."""
        limit_budget = budget()
        return answer(await run(ctx, "reader", lambda a: t.lineage(
            a.store, id, direction, depth, max_nodes, edge_types, properties, limit_budget)))

    @server.tool(annotations=READ_ONLY, structured_output=False)
    async def impact(
        ctx: Context,
        id: Id,
        limit: Annotated[int, Field(ge=1, le=t.IMPACT_MAX, description="Most model versions and deployments "
                                                                        "listed.")] = t.IMPACT_LIMIT,
    ) -> CallToolResult:
        """What a change to a node affects: the model versions downstream of it and their active
        deployments (environment, endpoint). Each list has `total` and `truncated`."""
        return answer(await run(ctx, "reader", lambda a: t.impact(a.store, id, limit)))

    @server.tool(annotations=READ_ONLY, structured_output=False)
    async def diff(
        ctx: Context,
        a: Annotated[str, Field(min_length=1, max_length=MAX_REF_CHARS,
                                description=f"The earlier model version (or run): {REF_FORMS}.")],
        b: Annotated[str, Field(min_length=1, max_length=MAX_REF_CHARS,
                                description=f"The later model version (or run): {REF_FORMS}.")],
    ) -> CallToolResult:
        """What changed between two model versions (or two runs) through their lineage: parameters, metrics
        (with deltas), training datasets (digest, rows, columns), features, code commits (and the commits
        between them), environment packages and review state. Long lists are cut; `truncated` names them."""
        return answer(await run(ctx, "reader", lambda access: t.diff(access.store, a, b)))

    @server.tool(annotations=READ_ONLY, structured_output=False)
    async def audit(
        ctx: Context,
        id: Annotated[str, Field(min_length=1, max_length=MAX_REF_CHARS,
                                 description=f"A model version (audit report) or dataset version (impact report): "
                                             f"{REF_FORMS}.")],
        format: Annotated[Literal["json", "md"], Field(description="json (data) or md (Markdown to read).")]
        = "md",
        max_rows: Annotated[int, Field(ge=1, le=t.AUDIT_MAX_ROWS, description="Rows per section; the report "
                                                                             "counts the rest.")] = t.AUDIT_ROWS,
        as_of: Annotated[str | None, Field(description="Report the graph as it was at this ISO time or date "
                                                       "(a date: through its end, UTC).")] = None,
    ) -> CallToolResult:
        """The audit report of a model version: who trained it, from which code and data (with their flags),
        reviews and approvals, deployments, monitoring, policy findings, and whether the change log's hash
        chain verifies. For a dataset version: the models and deployments it reaches."""
        limit_budget = budget()
        return answer(await run(ctx, "reader", lambda a: t.audit(a.store, id, format, max_rows, as_of,
                                                                 limit_budget)))

    @server.tool(annotations=READ_ONLY, structured_output=False)
    async def policy_check(
        ctx: Context,
        limit: Annotated[int, Field(ge=1, le=t.FINDINGS_MAX, description="Most findings listed.")]
        = t.FINDINGS_LIMIT,
    ) -> CallToolResult:
        """Run the built-in governance rules (deployed without approval, trained on flagged data, no owner,
        ...) over the graph the caller may see. Each finding has its rule, severity, message, node ids and
        evidence edges; `count` counts all of them."""
        return answer(await run(ctx, "reader", lambda a: t.policy_check(a.store, limit)))

    @server.tool(annotations=WRITES, structured_output=False)
    async def note(
        ctx: Context,
        id: Id,
        text: Annotated[str, Field(min_length=1, max_length=MAX_NOTE_CHARS, description="The note, in words.")],
    ) -> CallToolResult:
        """Attach a note (an Insight) to a node; search finds it and its node. Needs the writer role; the
        change log records the caller as its author."""
        return answer(await run(ctx, "writer", lambda a: t.note(a.store, id, text, a.actor)))

    @server.tool(annotations=WRITES, structured_output=False)
    async def flag(
        ctx: Context,
        id: Annotated[str, Field(min_length=1, max_length=MAX_REF_CHARS,
                                 description=f"A dataset, dataset version or model version: {REF_FORMS}.")],
        reason: Annotated[str | None, Field(max_length=2000, description="Why it is bad (needed unless clear).")]
        = None,
        clear: Annotated[bool, Field(description="Remove the flag instead.")] = False,
        limit: Annotated[int, Field(ge=1, le=t.IMPACT_MAX, description="Most affected model versions and "
                                                                        "deployments listed.")] = t.IMPACT_LIMIT,
    ) -> CallToolResult:
        """Flag a dataset or model version as bad (or clear the flag), and list the model versions and active
        deployments it affects. Needs the writer role; recorded in the change log with the caller as actor."""
        return answer(await run(ctx, "writer", lambda a: t.flag(a.store, id, reason, clear, a.actor, limit)))

    any_id = ResourceSecurity(exempt_params={"id"})  # graph ids, never file paths

    @server.resource("modelctx://node/{+id}", name="node", mime_type="application/json", security=any_id,
                     description="A node with its properties and edges (as the show tool gives it).")
    async def node_resource(id: str, ctx: Context) -> str:
        return compact(await _read(lambda: run(ctx, "reader", lambda a: t.show(a.store, id, t.EDGES_LIMIT))))

    @server.resource("modelctx://audit/{+id}", name="audit", mime_type="text/markdown", security=any_id,
                     description="The audit report of a model version (or dataset version), in Markdown.")
    async def audit_resource(id: str, ctx: Context) -> str:
        limit_budget = budget()
        report = await _read(lambda: run(ctx, "reader", lambda a: t.audit(a.store, id, "md", t.AUDIT_ROWS, None,
                                                                           limit_budget)))
        assert isinstance(report, str)
        return report

    return server


async def _read(reading: Callable[[], Any]) -> Any:
    """A resource's content; a modelctx error becomes a resource error with the CLI's line."""
    try:
        return await reading()
    except NotFoundError as exc:
        raise ResourceNotFoundError(f"error: {one_line(exc)}") from None
    except ModelctxError as exc:
        raise ResourceError(f"error: {one_line(exc)}") from None
