"""``modelctx search`` asks a running ``modelctx serve`` of the same store, and prints what it would have printed.

Real processes throughout: ``modelctx serve`` started by ``tests/serve_pair.py``
and the CLI as a subprocess. Which way a search went shows on stderr: a search
in the CLI's own process loads the embedding model and says so; one answered
by the server loads nothing and prints nothing there.

SQLite only: the endpoint file lives in the store's data folder
(``api/endpoint.py``), which for a SQLite store sits beside the database file
whatever MODELCTX_HOME each process has.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from modelctx.api.endpoint import INSTANCE_HEADER, endpoints_dir, local_endpoints
from modelctx.config import data_dir_for
from modelctx.graph.store import open_store
from tests.api.indexing import wait_until_indexed
from tests.search import world as w
from tests.serve_pair import Served, free_port, serve_processes

MODELCTX = str(Path(sys.executable).with_name("modelctx"))
LOADING = "modelctx: loading the embedding model (ONNX Runtime)"
QUERIES = ("isotonic", "customers who cancel their subscription", "xqzv blorf")


@pytest.fixture
def store_uri(tmp_path: Path) -> str:
    uri = f"sqlite:///{tmp_path / 'world' / 'modelctx.db'}"
    (tmp_path / "world").mkdir()
    store = open_store(uri)
    w.write_world(store)
    store.close()
    return uri


def cli(store_uri: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if key != "MODELCTX_TOKEN"}
    environment.update(env or {})
    return subprocess.run([MODELCTX, "--store", store_uri, *args], capture_output=True, text=True, env=environment,
                          timeout=300)


def searched_here(result: subprocess.CompletedProcess[str]) -> bool:
    assert result.returncode == 0, result.stderr
    return LOADING in result.stderr


@pytest.fixture
def served(store_uri: str, tmp_path: Path) -> Iterator[Served]:
    with serve_processes(store_uri, tmp_path, count=1) as (server,):
        with httpx.Client(base_url=server.url, timeout=60) as http:
            wait_until_indexed(http)
        yield server


def test_the_cli_prints_the_servers_answer_byte_for_byte(store_uri: str, served: Served) -> None:
    data_dir = data_dir_for(store_uri, Path(os.environ["MODELCTX_HOME"]))
    (entry,) = local_endpoints(data_dir)
    assert entry.port == int(served.url.rsplit(":", 1)[1]) and entry.pid == served.process.pid
    assert entry.require_tokens is False and entry.host == "127.0.0.1"
    for query in QUERIES:
        for output in (["--json"], []):
            remote = cli(store_uri, "search", query, *output)
            local = cli(store_uri, "search", query, *output, "--local")
            assert not searched_here(remote) and remote.stderr == ""
            assert searched_here(local)
            assert remote.stdout == local.stdout, (query, output)
    answer = json.loads(cli(store_uri, "search", "isotonic", "--json").stdout)
    assert [h["id"] for h in answer["hits"]][:2] == [w.ONC_REVIEW_NEW, w.ONC_MV]
    assert answer["pending_changes"] == 0
    # Filters go to the server too; --no-context is answered here (the API always adds context).
    kind = cli(store_uri, "search", "isotonic", "--kind", "review", "--json")
    assert not searched_here(kind) and [h["kind"] for h in json.loads(kind.stdout)["hits"]] == ["review"] * len(
        json.loads(kind.stdout)["hits"])
    assert searched_here(cli(store_uri, "search", "isotonic", "--no-context"))
    # A bad option value is refused in the CLI's own words, as without a server.
    bad = cli(store_uri, "search", "isotonic", "--kind", "nonsense")
    assert bad.returncode != 0 and bad.stderr.startswith("error: ") and bad.stdout == ""


def test_stale_and_foreign_endpoint_files_are_ignored(store_uri: str, served: Served) -> None:
    data_dir = data_dir_for(store_uri, Path(os.environ["MODELCTX_HOME"]))
    folder = endpoints_dir(data_dir)
    (real,) = folder.glob("*.json")
    entry = json.loads(real.read_text())
    expected = cli(store_uri, "search", "isotonic", "--json", "--local").stdout
    real.unlink()  # only impostors left: each must be passed over for an in-process search
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)
    impostors = {
        "dead.json": {**entry, "pid": dead_pid},  # the process is gone (its file is removed)
        "closed.json": {**entry, "pid": os.getpid(), "port": free_port()},  # alive, but nothing listens
        "foreign.json": {**entry, "pid": os.getpid(), "instance": "another-instance"},  # the port answers as another
        "elsewhere.json": {**entry, "pid": os.getpid(), "data_dir": "/somewhere/else.d"},  # another store
        "remote.json": {**entry, "pid": os.getpid(), "host": "192.0.2.1"},  # not loopback: never asked
        "garbled.json": "{not json",
    }
    for name, content in impostors.items():
        (folder / name).write_text(content if isinstance(content, str) else json.dumps(content))
    result = cli(store_uri, "search", "isotonic", "--json")
    assert searched_here(result)
    assert result.stdout == expected
    assert not (folder / "dead.json").exists()
    assert sorted(p.name for p in folder.glob("*.json")) == sorted(set(impostors) - {"dead.json"})
    # The server itself still answers for its instance id.
    response = httpx.get(f"{served.url}/api/v1/search", params={"q": "isotonic"})
    assert response.headers[INSTANCE_HEADER] == entry["instance"]


def test_a_server_that_requires_tokens_is_asked_only_with_one(store_uri: str, tmp_path: Path) -> None:
    created = cli(store_uri, "token", "create", "--name", "cli", "--role", "reader", "--json")
    assert created.returncode == 0, created.stderr
    token = json.loads(created.stdout)["secret"]
    with serve_processes(store_uri, tmp_path, count=1, extra_args=["--require-tokens"]) as (server,):
        with httpx.Client(base_url=server.url, timeout=60) as http:
            wait_until_indexed(http, headers={"Authorization": f"Bearer {token}"})
        (entry,) = local_endpoints(data_dir_for(store_uri, Path(os.environ["MODELCTX_HOME"])))
        assert entry.require_tokens is True
        with_token = cli(store_uri, "search", "isotonic", "--json", env={"MODELCTX_TOKEN": token})
        without = cli(store_uri, "search", "isotonic", "--json")
        wrong = cli(store_uri, "search", "isotonic", "--json", env={"MODELCTX_TOKEN": "mctx_not-a-token"})
        assert not searched_here(with_token)
        assert searched_here(without) and searched_here(wrong)
        assert with_token.stdout == without.stdout == wrong.stdout
    folder = endpoints_dir(data_dir_for(store_uri, Path(os.environ["MODELCTX_HOME"])))
    assert list(folder.glob("*.json")) == []  # removed when the server stopped
