"""Hostile input against a real server: every bound answers a clear 4xx, and the server stays up.

Each test serves the app with uvicorn on 127.0.0.1 (``tests/api/live.py``) and
talks to it with httpx or, where a client library would hide what is sent, a
raw socket. Times are sanity bounds (a refusal that took a minute would mean
the body was read), never performance claims.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from modelctx.api.app import create_app
from modelctx.api.guard import json_depth_exceeds
from modelctx.api.tokens import create_token
from modelctx.client import Client
from modelctx.config import Limits, Settings
from modelctx.graph.model import Edge, EdgeType, Node, NodeKind
from modelctx.graph.store import GraphStore, open_store
from modelctx.graph.values import MAX_DEPTH
from tests.api.bigworld import build_wide_lineage
from tests.api.live import running_server

MB = 1024 * 1024
#: A refusal must come back within this many seconds (sanity only: reading 68 MB first would still pass on loopback).
REFUSAL_SECONDS = 2.0
DEFAULT = Limits()
RAW = "dataset_version:raw/v1"


@pytest.fixture
def sqlite_client(tmp_path: Path) -> Iterator[Client]:
    """A client over a small SQLite store: the guard runs before any store is touched, so one backend suffices."""
    store = open_store(f"sqlite:///{tmp_path / 'guard.db'}")
    store.write([Node("model:churn", NodeKind.MODEL, {"name": "churn"}),
                 Node(RAW, NodeKind.DATASET_VERSION, {"name": "raw v1"})], [])
    client = Client(store, Settings(home=tmp_path / "home"), "user:test")
    try:
        yield client
    finally:
        client.close()


@contextmanager
def serving(client: Client, **options: Any) -> Iterator[httpx.Client]:
    with running_server(create_app(client, **options)) as url, httpx.Client(base_url=url, timeout=60) as http:
        yield http


def port_of(http: httpx.Client) -> int:
    port = http.base_url.port
    assert port is not None
    return port


def raw_exchange(
    port: int, head: str, body_parts: Sequence[bytes] = (), wait: float = 10.0
) -> tuple[str, dict[str, str], bytes]:
    """Send ``head`` and ``body_parts`` (perhaps never finishing the body), read one response: status, headers, body."""
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as sock:
        sock.sendall(head.encode("latin-1"))
        for part in body_parts:
            sock.sendall(part)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            assert chunk, f"connection closed before a response: {data!r}"
            data += chunk
        header_block, _, rest = data.partition(b"\r\n\r\n")
        lines = header_block.decode("latin-1").split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        length = int(headers.get("content-length", "0"))
        while len(rest) < length:
            chunk = sock.recv(65536)
            assert chunk, "connection closed inside the response body"
            rest += chunk
        return lines[0], headers, rest[:length]


def assert_still_serving(http: httpx.Client, headers: dict[str, str] | None = None) -> None:
    """The server answers a normal request after the refusal."""
    response = http.get("/api/v1/nodes/model:churn", headers=headers or {})
    assert (response.status_code, response.json()["id"]) == (200, "model:churn")


# -- request bodies ---------------------------------------------------------------------------------


def test_a_68_mb_body_is_refused_before_it_is_read_and_before_auth(sqlite_client: Client) -> None:
    _, secret = create_token(sqlite_client, "reader", "reader")
    with serving(sqlite_client, require_tokens=True) as http:
        port = port_of(http)
        # Declared 68 MB, none of it sent: the answer cannot have waited for the body.
        started = time.monotonic()
        status, headers, body = raw_exchange(port, (
            f"POST /api/v1/nodes HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {68 * MB}\r\n\r\n"))
        assert time.monotonic() - started < REFUSAL_SECONDS
        assert status == "HTTP/1.1 413 Request Entity Too Large"
        assert headers["connection"] == "close" and headers["content-type"] == "application/json"
        assert json.loads(body) == {
            "error": "BodyTooLargeError",
            "detail": f"the request body of {68 * MB} bytes is over the limit of {DEFAULT.max_body_bytes} bytes "
                      "(MODELCTX_MAX_BODY_BYTES)",
        }
        # Sent in full by an ordinary client, without a token: still 413, not 401.
        started = time.monotonic()
        response = http.post("/api/v1/nodes", content=b"[" * (68 * MB), headers={"Content-Type": "application/json"})
        assert time.monotonic() - started < REFUSAL_SECONDS * 5
        assert response.status_code == 413 and response.json()["error"] == "BodyTooLargeError"
        assert_still_serving(http, {"Authorization": f"Bearer {secret}"})
        assert http.get("/api/v1/nodes/model:churn").status_code == 401  # auth still applies to the rest
    assert sqlite_client.store.last_seq() == 1


def test_a_chunked_body_is_counted_and_cut_at_the_limit(sqlite_client: Client) -> None:
    limit = 64 * 1024
    with serving(sqlite_client, limits=Limits(max_body_bytes=limit)) as http:
        port = port_of(http)
        chunk = b"x" * 16 * 1024
        framed = [f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"] * 5  # 80 KiB, and the body never ends
        status, headers, body = raw_exchange(port, (
            f"POST /api/v1/nodes HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\n\r\n"), framed)
        assert status == "HTTP/1.1 413 Request Entity Too Large" and headers["connection"] == "close"
        assert json.loads(body) == {
            "error": "BodyTooLargeError",
            "detail": f"the request body is over the limit of {limit} bytes (MODELCTX_MAX_BODY_BYTES); "
                      "it was not read further",
        }

        def stream() -> Iterator[bytes]:
            for _ in range(200):  # 3.2 MB offered, 64 KiB allowed
                yield chunk

        response = http.post("/api/v1/nodes", content=stream(), headers={"Content-Type": "application/json"})
        assert response.status_code == 413 and response.json()["error"] == "BodyTooLargeError"
        # Just under the limit is read and handed on (422: not a valid batch, but parsed).
        small = http.post("/api/v1/nodes", content=iter([b'{"nodes": "', b"y" * 1000, b'"}']),
                          headers={"Content-Type": "application/json"})
        assert small.status_code == 422
        assert_still_serving(http)
    assert sqlite_client.store.last_seq() == 1


def nested(levels: int) -> Any:
    value: Any = 1
    for level in range(levels):
        value = [value] if level % 2 else {"k": value}
    return value


def test_deeply_nested_json_is_a_400_naming_the_limit(sqlite_client: Client) -> None:
    with serving(sqlite_client) as http:
        refusal = {"error": "RequestRefusedError",
                   "detail": f"the JSON body nests deeper than {DEFAULT.max_json_depth} levels of lists and objects "
                             "(MODELCTX_MAX_JSON_DEPTH)"}
        deep = b"[" * 200_000 + b"]" * 200_000
        for path in ("/api/v1/nodes", "/api/v1/lineage", "/api/v1/notes"):
            started = time.monotonic()
            response = http.post(path, content=deep, headers={"Content-Type": "application/json"})
            assert time.monotonic() - started < REFUSAL_SECONDS
            assert (response.status_code, response.json()) == (400, refusal), path

        def write(levels: int) -> httpx.Response:
            # The envelope {"nodes": [{"properties": {"v": …}}]} holds four levels of the body's depth.
            node = {"id": "model:deep", "kind": "model", "properties": {"v": nested(levels)}}
            return http.post("/api/v1/nodes", json={"nodes": [node]})

        assert write(MAX_DEPTH).status_code == 200  # the deepest property value the store takes
        too_deep_value = write(DEFAULT.max_json_depth - 4)  # at the body's limit: parsed, then refused by the store
        assert too_deep_value.status_code == 422 and "nest more than" in too_deep_value.json()["detail"]
        too_deep_body = write(DEFAULT.max_json_depth - 3)  # one level past the body's limit: refused unread
        assert (too_deep_body.status_code, too_deep_body.json()) == (400, refusal)
        # Brackets inside strings are text, not nesting.
        text = {"nodes": [{"id": "model:brackets", "kind": "model", "properties": {"t": "[{" * 50_000}}]}
        assert http.post("/api/v1/nodes", json=text).status_code == 200
        assert_still_serving(http)
    assert [n.id for n in sqlite_client.store.find_nodes(NodeKind.MODEL)] == ["model:churn", "model:deep",
                                                                               "model:brackets"]


def test_json_depth_is_measured_outside_strings() -> None:
    assert not json_depth_exceeds(b"[[[]]]", 3) and json_depth_exceeds(b"[[[[]]]]", 3)
    assert not json_depth_exceeds(b'["[[[[[[", {"a": "]]]]{{{{"}]', 2)
    assert json_depth_exceeds(b'[{"a": [[{"b": "\\"[[[["}]]}]', 4)
    assert not json_depth_exceeds(b'[{"a": [[{"b": "\\"[[[["}]]}]', 5)
    assert not json_depth_exceeds(b'"unterminated [[[[[[[[', 2)  # an unterminated string runs to the end
    assert json_depth_exceeds(b"[" * 10 + b"]" * 9, 9)  # unbalanced: the parser refuses it later


def test_writes_must_be_json(sqlite_client: Client) -> None:
    with serving(sqlite_client) as http:
        for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"):
            response = http.post("/api/v1/nodes", content=b'{"nodes": []}', headers={"Content-Type": content_type})
            assert response.status_code == 415, content_type
            assert response.json() == {
                "error": "UnsupportedMediaTypeError",
                "detail": f"POST /api/v1/nodes takes a JSON body (Content-Type: application/json), "
                          f"not {content_type.split(';')[0]}",
            }
        bare = http.send(httpx.Request("POST", http.base_url.join("/api/v1/nodes"), content=b'{"nodes": []}'))
        assert (bare.status_code, bare.json()["detail"][-19:]) == (415, "not no Content-Type")
        for content_type in ("application/json", "application/json; charset=utf-8", "application/vnd.api+json"):
            response = http.post("/api/v1/nodes", content=b'{"nodes": []}', headers={"Content-Type": content_type})
            assert response.status_code == 200, content_type
        assert http.delete(f"/api/v1/flags/{RAW}").status_code == 200  # no body: nothing to check
        assert_still_serving(http)


# -- local mode: Host and origin ---------------------------------------------------------------------


def test_local_mode_answers_only_loopback_host_names(sqlite_client: Client) -> None:
    with serving(sqlite_client) as http:
        port = port_of(http)
        for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}", "localhost", "LOCALHOST.", "127.0.0.2"):
            response = http.get("/api/v1/nodes/model:churn", headers={"Host": host})
            assert response.status_code == 200, host
        for host in ("evil.example", f"evil.example:{port}", "127.0.0.1.evil.example", "localhost.evil.example",
                     "[::1]x", "localhost:x"):
            started = time.monotonic()
            response = http.get("/api/v1/nodes/model:churn", headers={"Host": host})
            assert time.monotonic() - started < REFUSAL_SECONDS
            assert response.status_code == 421, host
            assert response.json() == {
                "error": "HostNotAllowedError",
                "detail": f"Host {host!r} does not name this server: without tokens it answers only loopback names "
                          "(localhost, 127.0.0.1, [::1]) and the hosts allowed with --allow-host or "
                          "MODELCTX_ALLOWED_HOSTS",
            }
        assert http.get("/", headers={"Host": "evil.example"}).status_code == 421  # the page too
        status, _, body = raw_exchange(port, "GET /api/v1/nodes/model:churn HTTP/1.0\r\n\r\n")  # no Host at all
        assert status == "HTTP/1.1 421 Misdirected Request"
        assert json.loads(body)["detail"].startswith("no Host header does not name this server")
        assert_still_serving(http)


def test_the_allow_list_adds_host_names(sqlite_client: Client) -> None:
    with serving(sqlite_client, limits=Limits(allowed_hosts=("models.internal",))) as http:
        assert http.get("/api/v1/nodes/model:churn", headers={"Host": "models.internal:8000"}).status_code == 200
        assert http.get("/api/v1/nodes/model:churn", headers={"Host": "Models.Internal"}).status_code == 200
        assert http.get("/api/v1/nodes/model:churn", headers={"Host": "evil.example"}).status_code == 421
        assert http.get("/api/v1/nodes/model:churn", headers={"Host": "models.internal.evil"}).status_code == 421


def test_with_tokens_any_host_name_is_answered(sqlite_client: Client) -> None:
    _, secret = create_token(sqlite_client, "reader", "reader")
    with serving(sqlite_client, require_tokens=True) as http:
        response = http.get("/api/v1/nodes/model:churn",
                            headers={"Host": "models.example", "Authorization": f"Bearer {secret}"})
        assert response.status_code == 200
        assert http.get("/api/v1/nodes/model:churn", headers={"Host": "models.example"}).status_code == 401


def ol_event() -> dict[str, Any]:
    return {
        "eventType": "COMPLETE", "eventTime": "2026-03-01T12:00:00+00:00",
        "run": {"runId": "3f0b7a52-8c1c-4f39-9c2c-0d4d7c5a3a10"},
        "job": {"namespace": "etl", "name": "nightly"},
        "producer": "https://example.com/bounds-test", "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json",
        "inputs": [], "outputs": [],
    }


def test_a_cross_site_post_writes_nothing(sqlite_client: Client) -> None:
    store = sqlite_client.store
    before = store.last_seq()
    event = json.dumps(ol_event()).encode()
    with serving(sqlite_client) as http:
        own = f"http://127.0.0.1:{port_of(http)}"
        # What a hostile page's <form enctype="text/plain"> or fetch(no-cors) sends: a "simple" request.
        cross = http.post("/api/v1/lineage", content=event, headers={
            "Content-Type": "text/plain", "Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"})
        assert cross.status_code == 403
        assert cross.json() == {
            "error": "CrossSiteRequestError",
            "detail": "cross-site request refused (Sec-Fetch-Site: cross-site, Origin: http://evil.example): "
                      "without tokens this server takes writes only from its own page and from non-browser clients",
        }
        for headers in ({"Origin": "http://evil.example"}, {"Origin": "null"},
                        {"Origin": f"http://localhost:{port_of(http)}"}, {"Origin": "https://127.0.0.1"},
                        {"Sec-Fetch-Site": "cross-site"}):
            response = http.post("/api/v1/lineage", content=event,
                                 headers={"Content-Type": "application/json", **headers})
            assert (response.status_code, response.json()["error"]) == (403, "CrossSiteRequestError"), headers
        plain = http.post("/api/v1/lineage", content=event, headers={"Content-Type": "text/plain"})
        assert (plain.status_code, plain.json()["error"]) == (415, "UnsupportedMediaTypeError")
        assert http.delete(f"/api/v1/flags/{RAW}", headers={"Origin": "http://evil.example"}).status_code == 403
        assert store.last_seq() == before
        # The server's own page (same origin) and non-browser clients (no Origin) still write.
        same = http.post("/api/v1/lineage", content=event, headers={
            "Content-Type": "application/json", "Origin": own, "Sec-Fetch-Site": "same-origin"})
        assert same.status_code == 201, same.text
        assert http.post("/api/v1/lineage", json=ol_event()).status_code == 201
        assert_still_serving(http)
    assert store.last_seq() > before


# -- filters, lineage and audits on every backend -------------------------------------------------------


@pytest.fixture
def store_client(store: GraphStore, tmp_path: Path) -> Client:
    store.write([Node("model:churn", NodeKind.MODEL, {"name": "churn", "n": 3})], [])
    return Client(store, Settings(home=tmp_path / "home"), "user:test")


def test_huge_integer_filters_are_422(store_client: Client) -> None:
    with serving(store_client) as http:
        for text in (str(2**63), str(-(2**63) - 1), "1" + "0" * 30, "9" * 5000, "1e400", "-Infinity"):
            started = time.monotonic()
            response = http.get("/api/v1/nodes", params={"kind": "model", "where": f"n:{text}"})
            assert time.monotonic() - started < REFUSAL_SECONDS
            assert response.status_code == 422, text
            body = response.json()
            assert body["error"] == "ValidationError" and body["detail"].startswith("property filter 'n': "), body
            assert "outside the 64-bit integer range" in body["detail"] or "not a finite number" in body["detail"]
        for text in (str(2**63 - 1), str(-(2**63)), "3", "3.0"):
            response = http.get("/api/v1/nodes", params={"kind": "model", "where": f"n:{text}"})
            assert response.status_code == 200, text
        found = http.get("/api/v1/nodes", params={"where": "n:3.0"}).json()["nodes"]
        assert [n["id"] for n in found] == ["model:churn"]


def build_chain(store: GraphStore, n: int) -> list[str]:
    """``n`` dataset versions, each derived from the one before; the last is returned last."""
    ids = [f"dataset_version:chain/v{i}" for i in range(n)]
    store.write([Node(i, NodeKind.DATASET_VERSION, {"name": i.rpartition("/")[2]}) for i in ids],
                [Edge(ids[i], ids[i - 1], EdgeType.DERIVED_FROM) for i in range(1, n)], actor="test:chain")
    return ids


def test_lineage_without_depth_stops_at_the_default_and_says_so(store_client: Client) -> None:
    chain = build_chain(store_client.store, 5000)
    tip = chain[-1]
    with serving(store_client) as http:
        body = http.get(f"/api/v1/lineage/{tip}", params={"properties": False}).json()
        assert (body["depth"], body["truncated"], body["truncated_by"]) == (DEFAULT.lineage_depth, True, "depth")
        assert [n["id"] for n in body["nodes"]] == chain[::-1][: DEFAULT.lineage_depth + 1]
        assert len(body["edges"]) == DEFAULT.lineage_depth
        deeper = http.get(f"/api/v1/lineage/{tip}", params={"depth": 1000, "properties": False}).json()
        assert (deeper["depth"], deeper["truncated"], len(deeper["nodes"])) == (1000, True, 1001)
        whole = http.get(f"/api/v1/lineage/{chain[40]}", params={"properties": False}).json()
        assert (whole["truncated"], whole["truncated_by"], len(whole["nodes"])) == (False, None, 41)
        capped = http.get(f"/api/v1/lineage/{tip}", params={"max_nodes": 10, "properties": False}).json()
        assert (capped["truncated"], capped["truncated_by"], len(capped["nodes"])) == (True, "max_nodes", 10)


def test_a_lineage_out_of_time_is_a_partial_answer(store_client: Client) -> None:
    chain = build_chain(store_client.store, 300)
    with serving(store_client, limits=Limits(request_seconds=1e-9)) as http:
        body = http.get(f"/api/v1/lineage/{chain[-1]}", params={"depth": 1000}).json()
        assert (body["truncated"], body["truncated_by"]) == (True, "time")
        assert [n["id"] for n in body["nodes"]] == [chain[-1]]
        assert http.get("/api/v1/lineage/dataset_version:chain/none").status_code == 404


def test_an_audit_of_thousands_of_upstream_datasets_summarises(store_client: Client) -> None:
    root = build_wide_lineage(store_client.store, 5000)
    with serving(store_client) as http:
        report = http.get(f"/api/v1/audit/{root}").json()
        rows = DEFAULT.audit_max_rows
        assert report["max_rows"] == rows
        assert report["summarised"] == {"lineage.graph": {"shown": rows, "total": 5001},
                                        "lineage.datasets": {"shown": rows, "total": 4948}}
        assert report["lineage"]["by_kind"] == {"dataset": 50, "dataset_version": 4948, "model": 1,
                                                "model_version": 1, "run": 1}
        assert len(report["lineage"]["datasets"]) == rows and len(report["lineage"]["graph"]["nodes"]) == rows
        assert all(d["dataset"] is not None for d in report["lineage"]["datasets"])
        assert [r["id"] for r in report["runs"]] == ["run:sdk/big-train"]
        markdown = http.get(f"/api/v1/audit/{root}", params={"format": "md"}).text
        assert f"Showing {rows} of 4948: the report's limit is {rows} rows per section" in markdown
        assert "| upstream by kind | dataset 50, dataset_version 4948, model 1, model_version 1, run 1 |" in markdown
    with serving(store_client, limits=Limits(audit_max_rows=100)) as http:
        for fmt in ("html", "pdf"):
            response = http.get(f"/api/v1/audit/{root}", params={"format": fmt})
            assert response.status_code == 200, response.text
        assert "Showing 100 of 4948" in http.get(f"/api/v1/audit/{root}", params={"format": "html"}).text
        report = http.get(f"/api/v1/audit/{root}").json()
        assert report["summarised"]["lineage.datasets"] == {"shown": 100, "total": 4948}
    with serving(store_client, limits=Limits(request_seconds=1e-9)) as http:
        response = http.get(f"/api/v1/audit/{root}", params={"format": "pdf"})
        assert response.status_code == 503
        assert response.json() == {
            "error": "TimeBudgetError",
            "detail": f"audit report of {root} stopped: the time budget of 1e-09 s ran out (MODELCTX_REQUEST_SECONDS)",
        }
        assert http.get(f"/api/v1/nodes/{root}").status_code == 200
