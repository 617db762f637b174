"""The team deployment's files agree: docker-compose.yml's replicas, its proxy and deploy/Caddyfile (no Docker here).

Parsed, not run: what is checked is what a user's ``docker compose up`` relies
on — two API replicas on Neo4j with tokens required, each with its own home, a
first-admin-token step they wait for, a proxy on port 8000 that sends requests
to exactly those replicas in turn and probes a route the app has, and health
checks wherever a ``depends_on`` waits for health.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from modelctx.api.app import create_app
from modelctx.cli import main
from modelctx.client import Client

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


def _replicas(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: s for name, s in compose["services"].items() if s.get("command", [])[1:2] == ["serve"]}


def _option(command: list[str], name: str) -> str:
    return command[command.index(name) + 1]


def _caddy_site(text: str) -> tuple[str, list[str], dict[str, str]]:
    """The site address, the reverse_proxy upstreams and its sub-directives (first value) of a one-site Caddyfile."""
    lines = [line.split("#", 1)[0].strip() for line in text.splitlines()]
    lines = [line for line in lines if line]
    site = next(line for line in lines if line.endswith("{") and not line.startswith(("{", "reverse_proxy")))
    start = next(i for i, line in enumerate(lines) if line.startswith("reverse_proxy "))
    upstreams = shlex.split(lines[start])[1:-1]
    options: dict[str, str] = {}
    for line in lines[start + 1:]:
        if line == "}":
            break
        key, *values = shlex.split(line)
        options[key] = values[0]
    return site.removesuffix("{").strip(), upstreams, options


def test_two_replicas_on_neo4j_with_tokens_required(compose: dict[str, Any]) -> None:
    replicas = _replicas(compose)
    assert sorted(replicas) == ["api-1", "api-2"]
    homes = set()
    for service in replicas.values():
        command = service["command"]
        assert command[0] == "modelctx" and "--require-tokens" in command
        assert _option(command, "--host") == "0.0.0.0" and _option(command, "--port") == "8000"
        assert service["environment"]["MODELCTX_STORE"] == "neo4j://neo4j:${NEO4J_PASSWORD:-modelctx-dev}@neo4j:7687"
        assert "ports" not in service and service["expose"] == ["8000"]  # only the proxy is published
        assert service["depends_on"] == {"neo4j": {"condition": "service_healthy"},
                                         "first-admin-token": {"condition": "service_completed_successfully"}}
        assert "/healthz" in " ".join(service["healthcheck"]["test"])
        (volume,) = service["volumes"]
        assert volume.endswith(":" + service["environment"]["MODELCTX_HOME"])
        homes.add(volume.split(":", 1)[0])
    assert len(homes) == 2  # each replica its own home (indexes, caches): nothing shared but Neo4j
    assert homes <= set(compose["volumes"])
    assert compose["services"]["neo4j"]["environment"]["NEO4J_AUTH"] == "neo4j/${NEO4J_PASSWORD:-modelctx-dev}"
    assert "healthcheck" in compose["services"]["neo4j"]


def test_the_proxy_sends_requests_to_both_replicas_in_turn_on_port_8000(compose: dict[str, Any]) -> None:
    proxy = compose["services"]["proxy"]
    assert proxy["image"].startswith("caddy:")
    assert proxy["ports"] == ["127.0.0.1:8000:8000"]
    (mount,) = proxy["volumes"]
    source, target, mode = mount.split(":")
    assert (target, mode) == ("/etc/caddy/Caddyfile", "ro")
    site, upstreams, options = _caddy_site((ROOT / source).read_text())
    assert site == ":8000"
    replicas = _replicas(compose)
    assert upstreams == [f"{name}:{_option(s['command'], '--port')}" for name, s in replicas.items()]
    assert options["lb_policy"] == "round_robin"
    assert proxy["depends_on"] == {name: {"condition": "service_healthy"} for name in replicas}
    assert options["health_uri"] == "/healthz"
    assert "/healthz" in " ".join(proxy["healthcheck"]["test"])


def test_the_probed_route_exists_and_needs_no_token(client: Client) -> None:
    from fastapi.testclient import TestClient

    with TestClient(create_app(client, require_tokens=True)) as http:
        answer = http.get("/healthz")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok"}


def test_the_first_admin_token_step_creates_one_only_when_none_is_active(
    compose: dict[str, Any], tmp_path: Path
) -> None:
    step = compose["services"]["first-admin-token"]
    assert step["restart"] == "no"
    assert step["depends_on"] == {"neo4j": {"condition": "service_healthy"}}
    assert step["environment"]["MODELCTX_STORE"] == _replicas(compose)["api-1"]["environment"]["MODELCTX_STORE"]
    # It mounts the volume the single API of earlier versions kept its tokens.db in, so they are imported first.
    assert step["volumes"] == ["modelctx-data:/data"]
    command = step["command"]
    assert command[:3] == ["modelctx", "token", "create"] and "--if-none" in command
    store = ["--store", f"sqlite:///{tmp_path / 'team.db'}"]
    first = CliRunner().invoke(main, [*store, *command[1:], "--json"])
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["role"] == "admin" and json.loads(first.stdout)["secret"].startswith("mctx_")
    second = CliRunner().invoke(main, [*store, *command[1:], "--json"])
    assert second.exit_code == 0
    assert json.loads(second.stdout) == {"created": False}
    assert "active tokens exist already: none created" in second.stderr
