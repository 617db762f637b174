"""``modelctx serve`` refuses unsafe bindings; ``modelctx token`` creates, lists and revokes tokens."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from modelctx.api.server import decide_require_tokens
from modelctx.api.tokens import verify_token
from modelctx.cli import main
from modelctx.client import Client
from modelctx.config import Settings
from modelctx.errors import ConfigError
from modelctx.listening import is_loopback


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"])
def test_loopback_runs_without_tokens(host: str) -> None:
    assert is_loopback(host)
    assert decide_require_tokens(host, None, tokens_exist=False) is False
    assert decide_require_tokens(host, None, tokens_exist=True) is False


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.5", "::", "example.org"])
def test_other_addresses_need_tokens(host: str) -> None:
    assert not is_loopback(host)
    with pytest.raises(ConfigError, match=f"no API tokens exist before serving on the non-loopback address {host}"):
        decide_require_tokens(host, None, tokens_exist=False)
    with pytest.raises(ConfigError, match="refusing to serve"):
        decide_require_tokens(host, False, tokens_exist=True)
    assert decide_require_tokens(host, None, tokens_exist=True) is True


def test_require_tokens_on_loopback_needs_a_token() -> None:
    with pytest.raises(ConfigError, match="modelctx token create"):
        decide_require_tokens("127.0.0.1", True, tokens_exist=False)
    assert decide_require_tokens("127.0.0.1", True, tokens_exist=True) is True


def _cli(tmp_path: Path, *args: str) -> tuple[int, str, BaseException | None]:
    store = f"sqlite:///{tmp_path / 'cli.db'}"
    result = CliRunner().invoke(main, ["--store", store, *args])
    return result.exit_code, result.output, result.exception


def test_serve_refuses_a_public_address_without_tokens(tmp_path: Path) -> None:
    code, out, _ = _cli(tmp_path, "serve", "--host", "0.0.0.0", "--port", "1")
    assert code == 9  # ConfigError
    assert "no API tokens exist before serving on the non-loopback address 0.0.0.0" in out


def test_token_commands(tmp_path: Path) -> None:
    code, out, _ = _cli(tmp_path, "token", "create", "--name", "ci", "--role", "writer", "--project", "churn", "--json")
    assert code == 0, out
    created = json.loads(out)
    assert created["role"] == "writer" and created["project"] == "churn" and created["secret"].startswith("mctx_")
    client = Client.open(f"sqlite:///{tmp_path / 'cli.db'}", settings=Settings())
    principal = verify_token(client, created["secret"])
    assert principal is not None
    assert (principal.actor, principal.role, principal.project) == ("token:ci", "writer", "churn")
    code, out, _ = _cli(tmp_path, "token", "create", "--name", "admin", "--role", "admin")
    assert code == 0 and "shown only once" in out
    code, out, _ = _cli(tmp_path, "token", "list")
    assert "ci" in out and "churn" in out and "admin" in out and created["secret"] not in out
    code, out, _ = _cli(tmp_path, "token", "revoke", "ci")
    assert code == 0 and "revoked token 'ci'" in out
    assert verify_token(client, created["secret"]) is None
    listed = json.loads(_cli(tmp_path, "token", "list", "--json")[1])["tokens"]
    assert [(t["name"], t["revoked"]) for t in listed] == [("ci", True), ("admin", False)]
    code, out, _ = _cli(tmp_path, "token", "revoke", "ci")
    assert code == 3 and "no active token named 'ci'" in out  # NotFoundError
    client.close()
