"""Project scope on every route: the "Done when" test of the access part of "One truth, applied once".

Every route of the app (enumerated from ``app.routes``, so a new one cannot
escape) is called by a reader and a writer scoped to project alpha, against
``scope_world.py``: a world where alpha's nodes meet only through bravo's,
project-less reviews, commits and environments hang off alpha's work, and
project-less nodes hang off bravo's only. Each answer to alpha must hold no
bravo id, name, flag reason or secret text (body and headers); a bravo id must
be answered exactly like a missing id; what alpha may see must be there (an
oracle computed from the raw store says exactly what); and every write that
reaches into bravo is refused and stores nothing.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from modelctx.api.app import create_app
from modelctx.api.routes.pages import PAGE_PATHS
from modelctx.api.tokens import create_token, list_tokens
from modelctx.client import Client
from modelctx.config import Settings
from modelctx.governance.portfolio import portfolio_plots
from modelctx.graph.history import node_history
from modelctx.graph.ids import node_id
from modelctx.graph.lineage import is_active_deployment
from modelctx.graph.model import LINEAGE_EDGES, EdgeType, NodeKind
from modelctx.graph.store import GraphStore
from tests.api import scope_world as w
from tests.api.indexing import wait_until_indexed

RouteKey = tuple[str, str]
EdgeKey = tuple[str, str, str]

#: Routes the sweep does not call, and why. ``test_route_inventory`` checks that none of them can reach the store.
SKIPPED: dict[RouteKey, str] = {
    ("GET", "/docs"): "the Swagger UI page (api/routes/pages.py): a fixed template, no store, no caller",
    ("GET", "/docs/oauth2-redirect"): "Swagger UI's OAuth2 redirect helper page: a fixed template, no store, no caller",
    ("GET", "/docs/assets/{name}"): "Swagger UI's files from the fastapi-offline package: no store, no caller",
    ("GET", "/static/{path:path}"): "files of the package's static folder (the app's JS, CSS, vendored "
                                    "Cytoscape): no store, no caller",
    **{("GET", path): "the web app's shell (api/routes/pages.py PAGE_PATHS): a fixed file, no store, no caller; "
                      "its data comes from the API routes swept here"
       for path in PAGE_PATHS if path != "/"},
    **{(method, "/mcp"): "the MCP endpoint (modelctx/mcp/http.py): every tool and resource is swept as alpha's "
                         "reader and writer by tests/mcp/test_http.py" for method in ("GET", "POST", "DELETE")},
}
#: The MCP endpoint: an ASGI app, authenticated by api/deps.py like every route, its scope swept in tests/mcp.
MCP_PATH = "/mcp"
READER, WRITER, ADMIN = "alpha-reader", "alpha-writer", "alpha-admin"
SCOPED = (READER, WRITER)
DATA_URI = re.compile(r"data:image/png;base64,[A-Za-z0-9+/=]+")
T0 = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)
#: Inputs of the big event that keeps the OpenLineage writer busy while a group of events queues up.
BULK_INPUTS = 1000
NEEDS_WRITER = {"error": "PermissionDeniedError", "detail": "this needs the writer role; the token has reader"}


def needs_admin(role: str) -> dict[str, str]:
    return {"error": "PermissionDeniedError", "detail": f"this needs the admin role; the token has {role}"}


# -- the routes ---------------------------------------------------------------------------------------


def iter_routes(app: FastAPI) -> Iterable[Any]:
    """The app's routes with included routers flattened (FastAPI >= 0.165 keeps them whole in ``app.routes``)."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # older FastAPI copies every included route into app.routes
        return list(app.routes)
    return list(iter_route_contexts(app.routes))


def app_routes(app: FastAPI) -> dict[RouteKey, Any]:
    """Every (method, path) the app serves, in matching order (HEAD is GET's)."""
    routes: dict[RouteKey, Any] = {}
    for route in iter_routes(app):
        assert route.methods, f"{route.path}: a route without methods (a mount, a websocket) needs a probe here"
        for method in sorted(route.methods - {"HEAD"}):
            routes.setdefault((method, route.path), route)
    return routes


def route_of(routes: dict[RouteKey, Any], method: str, path: str) -> RouteKey:
    """The route a request reaches: the first whose path matches and that takes the method (as Starlette picks)."""
    for key, route in routes.items():
        if key[0] == method and route.path_regex.match(path):
            return key
    raise AssertionError(f"no route serves {method} {path}")


# -- what must never show -----------------------------------------------------------------------------


def leaked(response: httpx.Response, echo: Iterable[str]) -> list[str]:
    """Bravo's strings in the body or headers, once what the caller itself sent (``echo``) is taken out."""
    text = response.content.decode("utf-8", "replace")
    text += "".join(f"\n{name}: {value}" for name, value in response.headers.items())
    for said in sorted(echo, key=len, reverse=True):
        text = text.replace(said, "")
    found = [s for s in w.B_SECRETS if s in text]
    # The marker is short: look for it outside inline images (their base64 is checked through the JSON they plot).
    if w.B_MARKER in DATA_URI.sub("", text).lower():
        found.append(w.B_MARKER)
    return found


def bravo_state(store: GraphStore) -> tuple[int, dict[str, Any], list[Any]]:
    """The change log's head and everything stored of bravo's (nodes and every edge touching them)."""
    nodes = {i: n.properties for i, n in store.get_nodes(sorted(w.B_HIDDEN)).items()}
    edges = sorted((e.source, e.type.value, e.target, json.dumps(e.properties, sort_keys=True))
                   for e in store.get_edges(sorted(w.B_HIDDEN), "both"))
    return store.last_seq(), nodes, edges


@contextmanager
def nothing_stored(store: GraphStore) -> Iterator[None]:
    before = bravo_state(store)
    assert len(before[1]) == len(w.B_HIDDEN)
    yield
    assert bravo_state(store) == before


# -- the oracle: what alpha's view holds, computed from the raw store ---------------------------------


@dataclass
class Oracle:
    """Alpha's visible nodes and the edges among them, read from the raw store before any write."""

    edges: set[EdgeKey]
    kinds: dict[str, NodeKind]
    active: set[str]

    @classmethod
    def of(cls, store: GraphStore) -> Oracle:
        nodes = store.get_nodes(sorted(w.A_VISIBLE))
        assert set(nodes) == w.A_VISIBLE
        edges = {(e.source, e.type.value, e.target) for e in store.get_edges(sorted(w.A_VISIBLE), "both")
                 if e.source in w.A_VISIBLE and e.target in w.A_VISIBLE}
        active = {i for i, n in nodes.items() if is_active_deployment(n)}
        return cls(edges, {i: n.kind for i, n in nodes.items()}, active)

    def walk(self, root: str, direction: str, depth: int | None, types: set[str]) -> set[str]:
        seen, frontier, hops = {root}, {root}, 0
        while frontier and (depth is None or hops < depth):
            hops += 1
            frontier = {(t if direction == "up" else s) for s, kind, t in self.edges
                        if kind in types and (s if direction == "up" else t) in frontier} - seen
            seen |= frontier
        return seen

    def lineage(self, root: str, direction: str, depth: int | None, types: set[str]) -> tuple[set[str], set[EdgeKey]]:
        directions = ("up", "down") if direction == "both" else (direction,)
        nodes: set[str] = set()
        edges: set[EdgeKey] = set()
        for way in directions:
            reached = self.walk(root, way, depth, types)
            nodes |= reached
            edges |= {e for e in self.edges if e[1] in types and e[0] in reached and e[2] in reached}
        return nodes, edges

    def impact(self, root: str) -> tuple[set[str], set[str]]:
        down = self.walk(root, "down", None, {t.value for t in LINEAGE_EDGES})
        versions = {i for i in down if self.kinds[i] is NodeKind.MODEL_VERSION}
        return versions, (down - {root}) & self.active


# -- the caller ---------------------------------------------------------------------------------------


@dataclass
class Probe:
    """The app over the scope world with one token per caller; records which route each call reached."""

    http: TestClient
    client: Client
    routes: dict[RouteKey, Any]
    headers: dict[str, dict[str, str]]
    covered: dict[str, set[RouteKey]] = field(default_factory=dict)

    @property
    def store(self) -> GraphStore:
        return self.client.store

    def call(self, who: str, method: str, url: str, *, echo: Iterable[str] = (), **kwargs: Any) -> httpx.Response:
        """One request as ``who``; an answer to an alpha caller must not leak (``echo``: what the caller sent)."""
        self.covered.setdefault(who, set()).add(route_of(self.routes, method, url))
        headers = {**self.headers[who], **kwargs.pop("headers", {})}
        response = self.http.request(method, url, headers=headers, **kwargs)
        if who.startswith("alpha"):
            found = leaked(response, echo)
            assert not found, (who, method, url, kwargs, found, response.text[:2000])
        return response

    def like_missing(
        self, who: str, method: str, url_of: Callable[[str], str], hidden: str,
        json_of: Callable[[str], Any] | None = None, **kwargs: Any,
    ) -> httpx.Response:
        """Call with a hidden id and with a missing id of its kind: the answers must be equal but for the id."""
        missing = f"{hidden.partition(':')[0]}:no-such-node"
        answers = []
        for ident in (hidden, missing):
            extra = {"json": json_of(ident)} if json_of is not None else {}
            answers.append(self.call(who, method, url_of(ident), echo=[ident], **kwargs, **extra))
        got, want = answers
        assert got.status_code == want.status_code, (method, url_of(hidden), got.text, want.text)
        assert got.headers["content-type"] == want.headers["content-type"]
        # "did you mean" differs with the text asked for; what it offers is the caller's (``call`` checks no leak).
        assert (_without_suggestions(got.text).replace(hidden, "<id>")
                == _without_suggestions(want.text).replace(missing, "<id>")), (got.text, want.text)
        return got


def _without_suggestions(text: str) -> str:
    return re.sub(r',"suggestions":\[[^\]]*\]', "", re.sub(r"; did you mean: [^\"]*\?", "", text))


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def probe(store: GraphStore, tmp_path: Path) -> Iterator[Probe]:
    w.build_scope_world(store)
    client = Client(store, Settings(home=tmp_path / "home"), "user:test")
    tokens = {
        READER: ("reader", w.A), WRITER: ("writer", w.A), ADMIN: ("admin", w.A),
        "bravo-reader": ("reader", w.B), "bravo-writer": ("writer", w.B), "root-reader": ("reader", None),
    }
    headers = {name: bearer(create_token(client, name, role, project)[1]) for name, (role, project) in tokens.items()}
    app = create_app(client, require_tokens=True)
    with TestClient(app) as http:
        yield Probe(http, client, app_routes(app), headers)


# -- OpenLineage events, built by the OpenLineage client ----------------------------------------------


def ol_event(
    run_id: str, job: tuple[str, str] = ("alpha-ns", "alpha-etl"), *, state: str = "COMPLETE",
    parent: tuple[str, str, str] | None = None, inputs: Iterable[tuple[str, str]] = (),
    outputs: Iterable[tuple[str, str]] = (), at: datetime = T0,
) -> str:
    """A RunEvent made with openlineage-python's classes, serialised as its HTTP transport sends it."""
    from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
    from openlineage.client.facet_v2 import parent_run
    from openlineage.client.serde import Serde

    facets = {}
    if parent is not None:
        facets["parent"] = parent_run.ParentRunFacet(
            run=parent_run.Run(runId=parent[0]), job=parent_run.Job(namespace=parent[1], name=parent[2]))
    event = RunEvent(
        eventType=RunState[state], eventTime=at.isoformat(), run=Run(runId=run_id, facets=facets),
        job=Job(namespace=job[0], name=job[1]), producer="https://example.com/modelctx/scope-test",
        inputs=[InputDataset(namespace=ns, name=name) for ns, name in inputs],
        outputs=[OutputDataset(namespace=ns, name=name) for ns, name in outputs],
    )
    return str(Serde.to_json(event))


def post_event(probe: Probe, who: str, body: str, echo: Iterable[str] = ()) -> httpx.Response:
    return probe.call(who, "POST", "/api/v1/lineage", content=body, headers={"Content-Type": "application/json"},
                      echo=echo)


def new_run() -> str:
    return str(uuid.uuid4())


# -- the tests ----------------------------------------------------------------------------------------


def test_route_inventory(probe: Probe) -> None:
    """The sweep knows every route; the ones it skips are FastAPI's docs pages and static files, which read nothing,
    and the MCP endpoint, swept tool by tool in tests/mcp/test_http.py."""
    app = probe.http.app
    assert isinstance(app, FastAPI)
    assert set(SKIPPED) <= set(probe.routes), sorted(set(SKIPPED) - set(probe.routes))
    for key in SKIPPED:
        original = getattr(probe.routes[key], "original_route", probe.routes[key])
        dependant = getattr(original, "dependant", None)
        if dependant is None:  # not an APIRoute: only FastAPI's own documentation pages are allowed here
            assert key[1] in {app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url, MCP_PATH}, key
        else:  # an endpoint with no dependency and no Request cannot reach the store or the caller
            assert dependant.dependencies == [] and dependant.request_param_name is None, key
    served = probe.call(READER, "GET", "/static/index.html")
    assert served.status_code == 200 and served.headers["content-type"].startswith("text/html")
    assert len(probe.routes) - len(SKIPPED) >= 22


def sweep_reads(probe: Probe, who: str, oracle: Oracle) -> None:
    """Every read route, as ``who``, with alpha's ids, bravo's ids and the parameters that change what is walked."""
    call = probe.call
    hidden = sorted(w.B_HIDDEN)
    visible = sorted(w.A_VISIBLE)
    store = probe.store

    # pages and the schema
    assert call(who, "GET", "/openapi.json").json()["info"]["title"] == "modelctx"
    index = call(who, "GET", "/")
    assert index.status_code == 200 and "<html" in index.text.lower()
    assert call(who, "GET", "/favicon.ico").status_code == 204

    # nodes: one by one
    for ident in visible:
        got = call(who, "GET", f"/api/v1/nodes/{ident}")
        assert got.status_code == 200, got.text
        assert got.json()["properties"] == store.get_node(ident).properties
    for ident in hidden:
        assert probe.like_missing(who, "GET", lambda i: f"/api/v1/nodes/{i}", ident).status_code == 404

    # nodes: listings, filters and pages
    def listed(**params: Any) -> list[str]:
        got = call(who, "GET", "/api/v1/nodes", params=params, echo=[str(v) for v in params.values()])
        assert got.status_code == 200, got.text
        return [n["id"] for n in got.json()["nodes"]]

    everything = listed(limit=1000)
    assert sorted(everything) == visible and len(everything) == len(set(everything))
    for kind in NodeKind:
        assert sorted(listed(kind=kind.value, limit=1000)) == sorted(i for i in visible if oracle.kinds[i] is kind)
    paged: list[str] = []
    for offset in range(0, len(visible) + 3, 4):
        paged += listed(limit=4, offset=offset)
    assert paged == everything
    assert listed(where="project:bravo", limit=1000) == []
    assert sorted(listed(where="project:alpha", limit=1000)) == sorted(w.A_OWN)
    assert sorted(listed(where="project:null", limit=1000)) == sorted(w.A_SHARED)
    assert listed(where="flagged:true", limit=1000) == [w.A_RAW_V1]
    assert listed(kind="review", where="verdict:rejected") == []
    assert listed(kind="review", where="verdict:approved") == [w.A_REVIEW]
    assert listed(where="name:bravo-fraud") == []
    assert listed(kind="commit", where=f"sha:{w.B_COMMIT_SHA}") == []
    assert listed(kind="environment", where="python:3.12") == []
    assert listed(kind="model_version", where="project:bravo") == []

    # context (the explorer's side panel)
    for ident in visible:
        got = call(who, "GET", f"/api/v1/context/{ident}")
        assert got.status_code == 200 and got.json()["node"]["id"] == ident, got.text
    for ident in hidden:
        probe.like_missing(who, "GET", lambda i: f"/api/v1/context/{i}", ident)
    version = call(who, "GET", f"/api/v1/context/{w.A_V1}").json()
    assert [r["id"] for r in version["reviews"]["items"]] == [w.A_REVIEW]
    assert [d["id"] for d in version["deployments"]["items"]] == [w.A_DEPLOY]
    assert {n["id"] for n in version["notes"]["items"]} == {w.A_NOTE, w.A_SHARED_NOTE}
    raw = call(who, "GET", f"/api/v1/context/{w.A_RAW_V1}").json()
    assert raw["downstream"]["items"] == [] and [u["id"] for u in raw["upstream"]["items"]] == [w.A_RAW]
    shared = call(who, "GET", f"/api/v1/context/{w.SHARED_V1}").json()
    assert [d["id"] for d in shared["downstream"]["items"]] == [w.A_TRAIN]

    # diff: a version's lineage as the caller sees it (bravo's feature version is not among its datasets)
    diff = call(who, "GET", "/api/v1/diff", params={"a": w.A_V1, "b": w.A_V1})
    assert diff.status_code == 200, diff.text
    assert [r["id"] for r in diff.json()["runs"]["b"]] == [w.A_TRAIN]
    assert sorted(d["id"] for d in diff.json()["datasets"]["unchanged"]) == sorted([w.A_CLEAN_V1, w.SHARED_V1])
    for ident in (w.B_V1, w.B_TRAIN):
        missing = f"{ident.partition(':')[0]}:no-such-node"
        got, want = (call(who, "GET", "/api/v1/diff", params={"a": w.A_V1, "b": i}, echo=[i]) for i in (ident, missing))
        assert got.status_code == want.status_code == 404
        assert _without_suggestions(got.text).replace(ident, "<id>") == _without_suggestions(want.text).replace(
            missing, "<id>")

    # lineage: every visible node, both directions, with and without depth; then other edge types
    lineage_types = {t.value for t in LINEAGE_EDGES}
    for ident in visible:
        for direction in ("up", "down", "both"):
            for depth in (None, 0, 1, 2):
                params: dict[str, Any] = {"direction": direction} | ({} if depth is None else {"depth": depth})
                got = call(who, "GET", f"/api/v1/lineage/{ident}", params=params)
                assert got.status_code == 200, got.text
                body = got.json()
                nodes = [n["id"] for n in body["nodes"]]
                edges = {(e["source"], e["type"], e["target"]) for e in body["edges"]}
                assert (set(nodes), edges) == oracle.lineage(ident, direction, depth, lineage_types), (ident, params)
                # truncated: more lies beyond the depth (the oracle one hop further finds more); default depth 50
                further = None if depth is None else oracle.lineage(ident, direction, depth + 1, lineage_types)[0]
                beyond = further is not None and further != set(nodes)
                assert len(nodes) == len(set(nodes)) and body["truncated"] is beyond, (ident, params)
                assert (body["depth"], body["truncated_by"]) == (50 if depth is None else depth,
                                                                 "depth" if beyond else None), (ident, params)
    for ident in (w.A_V1, w.A_TRAIN, w.A_RAW_V1, w.SHARED_V1, w.PROJECT_A, w.A_REVIEW, w.A_COMMIT, w.A_TRAINER):
        for types in (["ABOUT"], ["ATTRIBUTED_TO", "REVIEWS"], ["IN_PROJECT"], ["IN_REPO", "USED"],
                      [t.value for t in EdgeType]):
            for direction in ("up", "down", "both"):
                params = {"direction": direction, "edge_type": types}
                body = call(who, "GET", f"/api/v1/lineage/{ident}", params=params).json()
                got_lineage = ({n["id"] for n in body["nodes"]},
                               {(e["source"], e["type"], e["target"]) for e in body["edges"]})
                assert got_lineage == oracle.lineage(ident, direction, None, set(types)), (ident, params)
    # the walks that an unscoped walk would have taken through bravo
    assert oracle.lineage(w.A_RAW_V1, "down", None, lineage_types)[0] == {w.A_RAW_V1}
    assert w.A_RAW_V1 not in oracle.lineage(w.A_V1, "up", None, lineage_types)[0]
    truncated = call(who, "GET", f"/api/v1/lineage/{w.A_V1}", params={"max_nodes": 1, "properties": False}).json()
    assert [n["id"] for n in truncated["nodes"]] == [w.A_V1] and truncated["truncated"] is True
    for ident in hidden:
        for params in ({}, {"direction": "both", "depth": 3}, {"direction": "down", "edge_type": ["ABOUT"]}):
            probe.like_missing(who, "GET", lambda i: f"/api/v1/lineage/{i}", ident, params=params)

    # impact
    for ident in visible:
        got = call(who, "GET", f"/api/v1/impact/{ident}")
        assert got.status_code == 200, got.text
        body = got.json()
        found = ({v["id"] for v in body["model_versions"]}, {d["id"] for d in body["active_deployments"]})
        assert found == oracle.impact(ident), ident
    for ident in hidden:
        probe.like_missing(who, "GET", lambda i: f"/api/v1/impact/{i}", ident)

    # column lineage: alpha's versions answer, bravo's like missing ones
    for ident in (w.A_RAW_V1, w.A_CLEAN_V1):
        got = call(who, "GET", "/api/v1/columns/lineage", params={"column": f"{ident}:id", "direction": "down"})
        assert got.status_code == 200 and got.json()["root"] == {"node": ident, "column": "id"}, got.text
    missing = "dataset_version:no-such-node"
    for ident in (w.B_MID_V1, w.B_FEAT_V1):
        got, want = (call(who, "GET", "/api/v1/columns/lineage", params={"column": f"{i}:id"}, echo=[i])
                     for i in (ident, missing))
        assert got.status_code == want.status_code == 404
        assert got.text.replace(ident, "<id>") == want.text.replace(missing, "<id>")

    # the Marquez-compatible routes: bravo's namespace, jobs and datasets are not there
    names = [n["name"] for n in call(who, "GET", "/api/v1/namespaces").json()["namespaces"]]
    assert w.B_NAMESPACE not in names
    sent = [w.B_NAMESPACE, w.B_ETL_JOB_NAME, w.B_FEAT_NAME]
    for listing, empty in (("jobs", {"jobs": [], "totalCount": 0}), ("datasets", {"datasets": [], "totalCount": 0})):
        got = call(who, "GET", f"/api/v1/namespaces/{w.B_NAMESPACE}/{listing}", echo=sent)
        assert got.status_code == 200 and got.json() == empty, got.text
    for url in (f"/api/v1/namespaces/{w.B_NAMESPACE}/jobs/{w.B_ETL_JOB_NAME}",
                f"/api/v1/namespaces/{w.B_NAMESPACE}/jobs/{w.B_ETL_JOB_NAME}/runs",
                f"/api/v1/namespaces/{w.B_NAMESPACE}/datasets/{w.B_FEAT_NAME}"):
        assert call(who, "GET", url, echo=sent).status_code == 404, url
    for node in (f"job:{w.B_NAMESPACE}:{w.B_ETL_JOB_NAME}", f"dataset:{w.B_NAMESPACE}:{w.B_FEAT_NAME}"):
        got = call(who, "GET", "/api/v1/lineage", params={"nodeId": node}, echo=[node, *sent])
        assert got.status_code == 404, got.text

    # audit reports: alpha's auditable nodes in every format, bravo's like missing ones
    for ident in (w.A_V1, w.A_RAW_V1, w.A_CLEAN_V1, w.SHARED_V1):
        for fmt in ("json", "md", "html", "pdf") if ident == w.A_V1 else ("json", "md", "html"):
            got = call(who, "GET", f"/api/v1/audit/{ident}", params={"format": fmt})
            assert got.status_code == 200, got.text
        today = datetime.now(UTC).date().isoformat()  # the world was written today: the replay of today holds it
        as_of = call(who, "GET", f"/api/v1/audit/{ident}", params={"as_of": today})
        assert as_of.status_code == 200 and as_of.json()["subject"]["id"] == ident, as_of.text
        assert call(who, "GET", f"/api/v1/audit/{ident}", params={"as_of": "2000-01-01"}).status_code == 404
    assert call(who, "GET", f"/api/v1/audit/{w.A_MODEL}").status_code == 422
    for ident in hidden:
        probe.like_missing(who, "GET", lambda i: f"/api/v1/audit/{i}", ident)
    for fmt in ("md", "html", "pdf"):
        probe.like_missing(who, "GET", lambda i: f"/api/v1/audit/{i}", w.B_V1, params={"format": fmt})

    # policy findings and the portfolio
    findings = call(who, "GET", "/api/v1/policy/findings").json()["findings"]
    assert [(f["nodes"], f["project"]) for f in findings if f["rule"] == "no_owner"] == [([w.A_ORPHAN], "alpha")]
    assert {f["rule"] for f in findings}.isdisjoint({"deployed_without_approval", "deployed_after_rejection",
                                                      "trained_on_flagged_data"})
    assert all(set(f["nodes"]) <= w.A_VISIBLE and f["project"] == "alpha" for f in findings)
    portfolio = call(who, "GET", "/api/v1/portfolio").json()
    assert [p["project"] for p in portfolio["projects"]] == ["alpha"]
    alpha = portfolio["projects"][0]
    assert alpha["runs"] == 1 and alpha["compute_hours"] == 2.0
    assert [(m["model_version"], m["review_state"]) for m in alpha["models_in_production"]] == [(w.A_V1, "approved")]
    assert alpha["flagged"] == [{
        "id": w.A_RAW_V1, "name": "alpha-raw v1", "reason": w.A_FLAG_REASON, "flagged_by": "user:alpha-lead",
        "dependent_model_versions": [], "dependent_deployments": []}]
    assert alpha["findings"] == findings
    # the web app's catalogue, history and as-of views, and who the caller is
    assert call(who, "GET", "/healthz").json() == {"status": "ok"}  # public, and it says nothing of the graph
    me = call(who, "GET", "/api/v1/whoami").json()
    assert me == {"actor": f"token:{who}", "role": me["role"], "project": "alpha", "can_write": who == WRITER}
    catalogue = call(who, "GET", "/api/v1/catalogue").json()
    assert [m["id"] for m in catalogue["models"]] == sorted(
        {i for i in w.A_VISIBLE if i.startswith("model:")}, key=lambda i: store.get_node(i).properties["name"])
    assert [v["id"] for v in next(m for m in catalogue["models"] if m["id"] == w.A_MODEL)["versions"]] == [w.A_V1]
    one = call(who, "GET", f"/api/v1/catalogue/{w.A_MODEL}").json()
    assert one["versions"][0]["verdict"] == {"state": "approved", "review": w.A_REVIEW}
    for ident in hidden:
        if ident.startswith("model:"):
            assert probe.like_missing(who, "GET", lambda i: f"/api/v1/catalogue/{i}", ident).status_code == 404
    # a node's history, without the edges to bravo's nodes that the log holds (the unscoped history has them)
    for ident in (w.A_V1, w.A_CLEAN_V1, w.A_RAW_V1):
        mine = call(who, "GET", f"/api/v1/history/{ident}").json()
        full = node_history(store, ident)
        seen = [(e["source"], e["type"], e["target"]) for entry in mine["entries"] for e in entry["edges"]]
        kept = [(e["source"], e["type"], e["target"]) for entry in full["entries"] for e in entry["edges"]
                if {e["source"], e["target"]} <= set(w.A_VISIBLE)]
        assert mine["id"] == ident and seen == kept and mine["total"] >= 1
    assert (w.A_CLEAN_V1, "DERIVED_FROM", w.B_MID_V1) in [
        (e["source"], e["type"], e["target"]) for entry in node_history(store, w.A_CLEAN_V1)["entries"]
        for e in entry["edges"]]
    then = call(who, "GET", f"/api/v1/as-of/{w.A_V1}", params={"at": "2999-01-01"}).json()
    assert then["id"] == w.A_V1 and then["properties"] == store.get_node(w.A_V1).properties
    for ident in hidden[:5]:
        assert probe.like_missing(who, "GET", lambda i: f"/api/v1/history/{i}", ident).status_code == 404
        assert probe.like_missing(who, "GET", lambda i: f"/api/v1/as-of/{i}", ident,
                                  params={"at": "2999-01-01"}).status_code == 404
    page = call(who, "GET", "/portfolio/report")
    assert page.status_code == 200 and w.A_FLAG_REASON in page.text and w.A_ORPHAN in page.text
    # the page's plots are exactly those of the (checked) JSON: a bravo name in a legend would change the bytes
    images = [base64.b64decode(data) for data in re.findall(r"data:image/png;base64,([A-Za-z0-9+/=]+)", page.text)]
    assert images == list(portfolio_plots(portfolio).values())

    # search, in every mode, for bravo's words and alpha's (once the background catch-up has indexed the world)
    wait_until_indexed(probe.http, probe.headers[who])
    queries = ["bravo", w.B_COMMENT, w.B_NOTE_TEXT, w.B_FLAG_REASON, "fraudulent transfers", "vendor feed poisoned",
               "threshold tuned on the test set", "alpha churn", "Calibration fine", "retrain monthly"]
    filters: list[dict[str, Any]] = [{"project": "alpha"}, {"project": "bravo"}, {"kind": "review"},
                                     {"since": "2026-01-01", "until": "2099-12-31"}]
    for q in queries:
        for mode in ("hybrid", "vector", "keyword"):
            for extra in [{}, *(filters if q in (w.B_COMMENT, "alpha churn") else [])]:
                got = call(who, "GET", "/api/v1/search", params={"q": q, "mode": mode, **extra}, echo=[q])
                assert got.status_code == 200, got.text
                hits = got.json()["hits"]
                assert {h["id"] for h in hits} <= w.A_VISIBLE
                if extra.get("project") == "bravo":
                    assert hits == []

    def keyword(q: str) -> list[str]:
        return [h["id"] for h in call(who, "GET", "/api/v1/search", params={"q": q, "mode": "keyword", "limit": 50},
                                      echo=[q]).json()["hits"]]

    assert w.A_V1 in keyword("alpha churn") and w.A_MODEL in keyword("alpha churn")
    assert w.A_REVIEW in keyword("Calibration fine")
    assert w.A_SHARED_NOTE in keyword("retrain monthly")

    # tokens: admin only
    for method, url, kwargs in (("GET", "/api/v1/tokens", {}), ("DELETE", "/api/v1/tokens/bravo-writer", {}),
                                ("POST", "/api/v1/tokens", {"json": {"name": "x", "role": "reader"}})):
        denied = call(who, method, url, echo=["bravo-writer"], **kwargs)
        assert (denied.status_code, denied.json()) == (403, needs_admin(who.partition("-")[2]))


def sweep_writes(probe: Probe, who: str) -> None:
    """Every write route as ``who``: a reader is refused by role; a writer may write alpha's, never bravo's."""
    call = probe.call
    store = probe.store
    hidden = sorted(w.B_HIDDEN)
    tokens_before = list_tokens(probe.client)
    note = {"nodes": [{"id": f"insight:{who}-note", "kind": "insight", "properties": {"text": "alpha sweep note"}}],
            "edges": [{"source": f"insight:{who}-note", "target": w.A_V1, "type": "ABOUT"}]}
    event = ol_event(new_run())
    if who == READER:
        with nothing_stored(store):
            for method, url, kwargs in (
                ("POST", "/api/v1/nodes", {"json": note}),
                ("POST", f"/api/v1/nodes/{w.A_V1}/notes", {"json": {"text": "hi"}}),
                ("POST", f"/api/v1/nodes/{w.B_V1}/notes", {"json": {"text": "hi"}}),
                ("POST", "/api/v1/notes", {"json": {"node_id": w.A_V1, "text": "hi"}}),
                ("POST", f"/api/v1/flags/{w.A_CLEAN_V1}", {"json": {"reason": "bad"}}),
                ("POST", f"/api/v1/flags/{w.B_FEAT_V1}", {"json": {"reason": "bad"}}),
                ("DELETE", f"/api/v1/flags/{w.A_RAW_V1}", {}),
                ("DELETE", f"/api/v1/flags/{w.B_FEAT_V1}", {}),
                ("POST", f"/api/v1/reviews/{w.A_V1}", {"json": {"verdict": "approved", "comment": "ok"}}),
                ("POST", f"/api/v1/reviews/{w.B_V1}", {"json": {"verdict": "approved", "comment": "ok"}}),
                ("POST", "/api/v1/lineage", {"content": event, "headers": {"Content-Type": "application/json"}}),
            ):
                denied = call(who, method, url, echo=[w.B_V1, w.B_FEAT_V1], **kwargs)
                assert (denied.status_code, denied.json()) == (403, NEEDS_WRITER), (method, url)
        return

    # POST /nodes: alpha's note goes in (into alpha), bravo's node and edges to hidden nodes do not
    written = call(who, "POST", "/api/v1/nodes", json=note)
    assert written.status_code == 200 and written.json()["result"]["nodes_created"] == 1, written.text
    assert store.get_node(f"insight:{who}-note").properties["project"] == "alpha"
    def about(ident: str) -> dict[str, Any]:
        return {"nodes": [{"id": "insight:alpha-probe", "kind": "insight", "properties": {"text": "x"}}],
                "edges": [{"source": "insight:alpha-probe", "target": ident, "type": "ABOUT"}]}

    with nothing_stored(store):
        overwrite = {"nodes": [{"id": w.B_V1, "kind": "model_version", "properties": {"name": "pwned"}}]}
        assert call(who, "POST", "/api/v1/nodes", json=overwrite, echo=[w.B_V1]).status_code == 403
        for target in hidden:
            got = probe.like_missing(who, "POST", lambda i: "/api/v1/nodes", target, json_of=about)
            assert got.status_code == 422

    # notes, on a node in the path and named in the body
    for ident, expected_project in ((w.A_V1, "alpha"), (w.A_REVIEW, "alpha")):
        made = call(who, "POST", f"/api/v1/nodes/{ident}/notes", json={"text": f"{who} path note"})
        assert made.status_code == 201 and made.json()["about"] == ident, made.text
        assert store.get_node(made.json()["id"]).properties["project"] == expected_project
        made = call(who, "POST", "/api/v1/notes", json={"node_id": ident, "text": f"{who} body note"})
        assert made.status_code == 201 and made.json()["about"] == ident, made.text
    with nothing_stored(store):
        for ident in hidden:
            got = probe.like_missing(who, "POST", lambda i: f"/api/v1/nodes/{i}/notes", ident,
                                     json_of=lambda i: {"text": "alpha was here"})
            assert got.status_code == 404
            got = probe.like_missing(who, "POST", lambda i: "/api/v1/notes", ident,
                                     json_of=lambda i: {"node_id": i, "text": "alpha was here"})
            assert got.status_code == 404

    # flags: alpha's, with the impact alpha's view gives (nothing through bravo); bravo's like missing ones
    flagged = call(who, "POST", f"/api/v1/flags/{w.A_RAW_V1}", json={"reason": "alpha raw re-checked"})
    assert flagged.status_code == 200, flagged.text
    assert flagged.json()["impact"]["model_versions"] == [] and flagged.json()["impact"]["active_deployments"] == []
    flagged = call(who, "POST", f"/api/v1/flags/{w.A_CLEAN_V1}", json={"reason": "alpha clean is stale"})
    impact = flagged.json()["impact"]
    assert [v["id"] for v in impact["model_versions"]] == [w.A_V1]
    assert [d["id"] for d in impact["active_deployments"]] == [w.A_DEPLOY]
    assert call(who, "POST", f"/api/v1/flags/{w.A_MODEL}", json={"reason": "x"}).status_code == 422
    cleared = call(who, "DELETE", f"/api/v1/flags/{w.A_CLEAN_V1}")
    assert cleared.status_code == 200 and "flagged" not in cleared.json()["node"]["properties"]
    with nothing_stored(store):
        for ident in hidden:
            got = probe.like_missing(who, "POST", lambda i: f"/api/v1/flags/{i}", ident,
                                     json_of=lambda i: {"reason": "alpha says so"})
            assert got.status_code == 404
            assert probe.like_missing(who, "DELETE", lambda i: f"/api/v1/flags/{i}", ident).status_code == 404
    assert store.get_node(w.B_FEAT_V1).properties["flag_reason"] == w.B_FLAG_REASON

    # reviews: of alpha's version, into alpha; bravo's versions like missing ones
    reviewed = call(who, "POST", f"/api/v1/reviews/{w.A_V1}", json={"verdict": "approved", "comment": f"{who} ok"})
    assert reviewed.status_code == 201, reviewed.text
    assert reviewed.json()["review"]["properties"]["project"] == "alpha"
    assert reviewed.json()["approval"]["state"] == "approved"
    with nothing_stored(store):
        for ident in hidden:
            got = probe.like_missing(who, "POST", lambda i: f"/api/v1/reviews/{i}", ident,
                                     json_of=lambda i: {"verdict": "rejected", "comment": "alpha was here"})
            assert got.status_code == 404

    # OpenLineage: alpha's event goes in; one naming bravo's run is refused
    run = new_run()
    posted = post_event(probe, who, ol_event(run, inputs=[("alpha-ns", "alpha-in")], outputs=[("alpha-ns", "out")]))
    assert posted.status_code == 201, posted.text
    assert store.get_node(node_id(NodeKind.RUN, "openlineage", run)).properties["project"] == "alpha"
    with nothing_stored(store):
        refused = post_event(probe, who, ol_event(w.B_ETL_RUN_UUID), echo=[w.B_ETL])
        assert refused.status_code == 403, refused.text
    assert list_tokens(probe.client) == tokens_before


def test_every_route_as_scoped_reader_and_writer(probe: Probe) -> None:
    oracle = Oracle.of(probe.store)
    for who in SCOPED:
        sweep_reads(probe, who, oracle)
    for who in SCOPED:
        sweep_writes(probe, who)
    expected = set(probe.routes) - set(SKIPPED)
    for who in SCOPED:
        assert sorted(expected - probe.covered[who]) == [], f"routes {who} never called"


def test_scoped_admin_sees_and_revokes_only_its_project_tokens(probe: Probe) -> None:
    listed = probe.call(ADMIN, "GET", "/api/v1/tokens").json()["tokens"]
    assert sorted(t["name"] for t in listed) == [ADMIN, READER, WRITER]
    probe_missing = probe.call(ADMIN, "DELETE", "/api/v1/tokens/no-such-token", echo=["no-such-token"])
    probe_bravo = probe.call(ADMIN, "DELETE", "/api/v1/tokens/bravo-writer", echo=["bravo-writer"])
    assert probe_bravo.status_code == probe_missing.status_code == 404
    assert probe_bravo.text.replace("bravo-writer", "<name>") == probe_missing.text.replace("no-such-token", "<name>")
    other = probe.call(ADMIN, "POST", "/api/v1/tokens", json={"name": "sneak", "role": "reader", "project": "bravo"},
                       echo=["bravo"])
    assert other.status_code == 403
    assert probe.call("bravo-writer", "GET", f"/api/v1/nodes/{w.B_V1}").status_code == 200
    assert "sneak" not in {t.name for t in list_tokens(probe.client)}


def test_cross_project_node_writes_are_refused(probe: Probe) -> None:
    """POST /nodes that reaches into bravo: 403 for bravo's nodes and for moves, 422 (like missing) for hidden ends."""
    store = probe.store

    def node(ident: str, **props: Any) -> dict[str, Any]:
        return {"id": ident, "kind": ident.partition(":")[0], "properties": props}

    def edge(source: str, target: str, etype: str) -> dict[str, Any]:
        return {"source": source, "target": target, "type": etype}

    forbidden = {
        "overwrite bravo's model version": {"nodes": [node(w.B_V1, name="pwned")]},
        "overwrite bravo's flag": {"nodes": [node(w.B_FEAT_V1, flagged=None, flag_reason=None)]},
        "bravo's project node": {"nodes": [node(w.PROJECT_B, name="pwned")]},
        "a new node in project bravo": {"nodes": [node("insight:alpha-into-bravo", text="x", project="bravo")]},
        "move alpha's node into bravo": {"nodes": [node(w.A_V1, project="bravo")]},
        "adopt a shared node into bravo": {"nodes": [node(w.A_COMMIT, project="bravo")]},
        "a project-less node of bravo's": {"nodes": [node(w.B_REVIEW, comment="rewritten")]},
        "a bravo-only review re-pointed at alpha": {
            "nodes": [node(w.B_REVIEW, verdict="approved")], "edges": [edge(w.B_REVIEW, w.A_V1, "REVIEWS")]},
        "alpha's valid note with bravo's node in one batch": {
            "nodes": [node("insight:alpha-ok", text="fine"), node(w.B_MID_V1, rows=1)],
            "edges": [edge("insight:alpha-ok", w.A_V1, "ABOUT")]},
    }
    for name, batch in forbidden.items():
        echo = [n["id"] for n in batch["nodes"]] + ["bravo"]
        with nothing_stored(store):
            got = probe.call(WRITER, "POST", "/api/v1/nodes", json=batch, echo=echo)
            assert got.status_code == 403 and got.json()["error"] == "PermissionDeniedError", (name, got.text)
    assert not store.has_node("insight:alpha-ok") and not store.has_node("insight:alpha-into-bravo")

    # edges that touch a hidden node are refused exactly as if the node did not exist
    hidden_ends: dict[str, Callable[[str], dict[str, Any]]] = {
        "alpha's run used bravo's data": lambda i: {"edges": [edge(w.A_TRAIN, i, "USED")]},
        "bravo's data derived from alpha's": lambda i: {"edges": [edge(i, w.A_CLEAN_V1, "DERIVED_FROM")]},
        "alpha's note about bravo's node": lambda i: {"nodes": [node("insight:alpha-n", text="x")],
                                                      "edges": [edge("insight:alpha-n", i, "ABOUT")]},
        "bravo's review of alpha's version": lambda i: {"edges": [edge(i, w.A_V1, "REVIEWS")]},
    }
    targets = {
        "alpha's run used bravo's data": [w.B_MID_V1, w.B_FEAT_V1],
        "bravo's data derived from alpha's": [w.B_MID_V1, w.B_FEAT_V1],
        "alpha's note about bravo's node": sorted(w.B_HIDDEN),
        "bravo's review of alpha's version": [w.B_REVIEW],
    }
    for name, batch_of in hidden_ends.items():
        for target in targets[name]:
            with nothing_stored(store):
                got = probe.like_missing(WRITER, "POST", lambda i: "/api/v1/nodes", target, json_of=batch_of)
                assert got.status_code == 422 and got.json()["error"] == "ValidationError", (name, got.text)
    assert probe.call("bravo-reader", "GET", f"/api/v1/nodes/{w.B_V1}").json()["properties"]["name"] == "bravo fraud v1"


def test_cross_project_openlineage_events_are_refused(probe: Probe) -> None:
    """RunEvents naming bravo's run, job, parent run or datasets are refused whole; bravo keeps its nodes."""
    store = probe.store
    parent = (w.B_PARENT_RUN_UUID, w.B_NAMESPACE, w.B_PARENT_JOB_NAME)
    cases = {
        "bravo's run": (ol_event(w.B_ETL_RUN_UUID), [w.B_ETL]),
        "bravo's run, START": (ol_event(w.B_ETL_RUN_UUID, state="START"), [w.B_ETL]),
        "bravo's run under bravo's job": (ol_event(w.B_ETL_RUN_UUID, (w.B_NAMESPACE, w.B_ETL_JOB_NAME)), [w.B_ETL]),
        "bravo's job": (ol_event(new_run(), (w.B_NAMESPACE, w.B_ETL_JOB_NAME)), [w.B_JOB]),
        "bravo's parent run": (ol_event(new_run(), parent=parent), [w.B_PARENT]),
        "bravo's parent run under alpha's job": (
            ol_event(new_run(), parent=(w.B_PARENT_RUN_UUID, "alpha-ns", "alpha-nightly")), [w.B_PARENT]),
        "bravo's dataset as input": (ol_event(new_run(), inputs=[(w.B_NAMESPACE, w.B_FEAT_NAME)]), [w.B_FEAT_V1]),
        "bravo's dataset as output": (ol_event(new_run(), outputs=[(w.B_NAMESPACE, w.B_FEAT_NAME)]), [w.B_FEAT_V1]),
    }
    for name, (body, named) in cases.items():
        echo = [*named, *(n.partition(":")[2] for n in named), w.B_NAMESPACE, w.B_ETL_JOB_NAME, w.B_PARENT_JOB_NAME,
                w.B_FEAT_NAME, w.B_FEAT_URI, w.B_FEAT, w.B_PARENT_RUN_UUID, w.B_ETL_RUN_UUID]
        with nothing_stored(store):
            got = post_event(probe, WRITER, body, echo=echo)
            assert got.status_code == 403, (name, got.text)
            assert got.json()["error"] == "PermissionDeniedError", (name, got.text)
    # bravo still sees its run, its job and its parent, in bravo (the old leak moved them into alpha: 404 for bravo)
    for ident in (w.B_ETL, w.B_JOB, w.B_PARENT, w.B_PARENT_JOB, w.B_FEAT_V1):
        got = probe.call("bravo-reader", "GET", f"/api/v1/nodes/{ident}")
        assert got.status_code == 200 and got.json()["properties"]["project"] == "bravo", (ident, got.text)
        assert probe.call(READER, "GET", f"/api/v1/nodes/{ident}", echo=[ident]).status_code == 404
    # the same events in alpha's own names go in, into alpha
    run = new_run()
    good = ol_event(run, parent=(new_run(), "alpha-ns", "alpha-nightly"), inputs=[("alpha-ns", "alpha-in")],
                    outputs=[("alpha-ns", "alpha-out")])
    assert post_event(probe, WRITER, good).status_code == 201
    made = store.get_edges([node_id(NodeKind.RUN, "openlineage", run)], "both")
    assert {e.type for e in made} >= {EdgeType.INSTANCE_OF, EdgeType.CHILD_OF, EdgeType.USED, EdgeType.GENERATED_BY}
    ends = store.get_nodes({i for e in made for i in (e.source, e.target)})
    assert {n.properties.get("project") for n in ends.values()} == {"alpha"}


def send_at_once(probe: Probe, bodies: list[str]) -> list[httpx.Response]:
    """Post events from parallel threads while the app's writer is busy with a big one, so that they queue up
    and the writer takes them as one group (``api/routes/openlineage.py``)."""
    bulk = ol_event(new_run(), ("alpha-ns", "alpha-bulk"),
                    inputs=[("alpha-ns", f"alpha-bulk-{i}") for i in range(BULK_INPUTS)])
    results: dict[int, httpx.Response] = {}
    start = threading.Barrier(len(bodies))

    def send(i: int, body: str) -> None:
        if i >= 0:
            start.wait()
        results[i] = post_event(probe, WRITER, body, echo=[w.B_ETL])

    threads = [threading.Thread(target=send, args=(-1, bulk))]
    threads[0].start()
    time.sleep(0.05)  # the big event reaches the writer first (it only makes a group likelier; nothing relies on it)
    threads += [threading.Thread(target=send, args=(i, body)) for i, body in enumerate(bodies)]
    for thread in threads[1:]:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert results[-1].status_code == 201, results[-1].text
    return [results[i] for i in range(len(bodies))]


def test_concurrent_openlineage_events_only_the_cross_project_one_fails(probe: Probe) -> None:
    """Events sent at once are written in groups; the one naming bravo's run fails alone, the others go in."""
    store = probe.store

    def events(tag: str, count: int) -> tuple[list[str], list[str]]:
        runs = [new_run() for _ in range(count)]
        return runs, [ol_event(r, ("alpha-ns", f"alpha-job-{tag}{i}"), inputs=[("alpha-ns", "alpha-in")],
                               outputs=[("alpha-ns", f"alpha-out-{tag}{i}")], at=T0 + timedelta(minutes=i))
                      for i, r in enumerate(runs)]

    # the control: good events sent this way are written together (their answers share a transaction's seqs)
    _, bodies = events("control", 6)
    answers = send_at_once(probe, bodies)
    assert [a.status_code for a in answers] == [201] * len(bodies), [a.text for a in answers]
    assert len({tuple(a.json()["changes"]["seqs"]) for a in answers}) < len(bodies)

    runs, bodies = events("", 11)
    bad = 5
    bodies.insert(bad, ol_event(w.B_ETL_RUN_UUID, outputs=[("alpha-ns", "alpha-out-bad")]))
    before = bravo_state(store)
    answers = send_at_once(probe, bodies)
    statuses = [a.status_code for a in answers]
    assert statuses == [201] * bad + [403] + [201] * (len(bodies) - bad - 1), [a.text for a in answers]
    assert answers[bad].json()["error"] == "PermissionDeniedError"
    assert bravo_state(store)[1:] == before[1:]
    for run in runs:
        assert store.get_node(node_id(NodeKind.RUN, "openlineage", run)).properties["project"] == "alpha"
    assert store.has_node(w.ol_written_version("alpha-ns", "alpha-out-0", runs[0]))
    assert not store.has_node(w.ol_written_version("alpha-ns", "alpha-out-bad", w.B_ETL_RUN_UUID))


def test_scoped_audit_counts_the_shared_nodes_of_alpha_and_nothing_of_bravo(probe: Probe) -> None:
    """The audit of alpha's version, through alpha's view: its project-less review, commit, environment and people."""
    report = probe.call(READER, "GET", f"/api/v1/audit/{w.A_V1}").json()
    assert [r["id"] for r in report["reviews"]] == [w.A_REVIEW]
    assert [p["id"] for p in report["reviews"][0]["people"]] == [w.A_REVIEWER]
    assert report["approval"]["state"] == "approved" and report["approval"]["review"] == w.A_REVIEW
    assert [c["id"] for c in report["lineage"]["commits"]] == [w.A_COMMIT]
    assert [e["id"] for e in report["lineage"]["environments"]] == [w.A_ENV]
    assert sorted(d["id"] for d in report["lineage"]["datasets"]) == sorted([w.A_CLEAN_V1, w.SHARED_V1])
    assert [r["id"] for r in report["runs"]] == [w.A_TRAIN]
    assert [p["id"] for p in report["runs"][0]["people"]] == [w.A_TRAINER]
    assert [d["id"] for d in report["deployments"]] == [w.A_DEPLOY]
    assert [m["id"] for m in report["deployments"][0]["monitoring"]] == [w.A_MONITOR]
    rules = {f["rule"] for f in report["policy_findings"]}
    assert rules.isdisjoint({"deployed_without_approval", "deployed_after_rejection", "serving_without_approval"})
    assert {n["id"] for n in report["lineage"]["graph"]["nodes"]} == {
        w.A_V1, w.A_MODEL, w.A_TRAIN, w.A_CLEAN_V1, w.A_CLEAN, w.SHARED_V1, w.SHARED, w.A_COMMIT, w.A_ENV}
    for fmt in ("md", "html"):
        text = probe.call(READER, "GET", f"/api/v1/audit/{w.A_V1}", params={"format": fmt}).text
        assert all(i in text for i in (w.A_REVIEW, w.A_COMMIT, w.A_ENV)), fmt
        assert "deployed_without_approval" not in text


def test_unscoped_caller_sees_what_the_probes_look_for(probe: Probe) -> None:
    """The control: without a scope the same answers do hold bravo's ids and secrets, so the probes can find them."""
    root = "root-reader"
    findings = probe.call(root, "GET", "/api/v1/policy/findings").text
    assert w.B_DEPLOY in findings and w.B_MODEL in findings and w.B_FLAG_REASON in findings
    portfolio = probe.call(root, "GET", "/api/v1/portfolio")
    assert leaked(portfolio, []) and w.B_FLAG_REASON in portfolio.text
    assert w.B_FLAG_REASON in probe.call(root, "GET", "/portfolio/report").text
    down = probe.call(root, "GET", f"/api/v1/lineage/{w.A_RAW_V1}", params={"direction": "down", "depth": 2}).json()
    assert {w.B_MID_V1, w.A_CLEAN_V1, w.B_ETL, w.B_FEAT_V1} <= {n["id"] for n in down["nodes"]}
    audit = probe.call(root, "GET", f"/api/v1/audit/{w.A_V1}").json()
    assert w.A_RAW_V1 in {d["id"] for d in audit["lineage"]["datasets"]}
    assert w.B_FEAT_V1 in {d["id"] for d in audit["lineage"]["datasets"]}
    context = probe.call(root, "GET", f"/api/v1/context/{w.B_V1}").text
    assert w.B_COMMENT in context
    wait_until_indexed(probe.http, probe.headers[root])
    hits = probe.call(root, "GET", "/api/v1/search", params={"q": "threshold tuned", "mode": "keyword"}).json()
    assert w.B_REVIEW in {h["id"] for h in hits["hits"]}
