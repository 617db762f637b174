"""Drive the MCP server with the SDK's real client: over stdio (a ``modelctx mcp`` process) or streamable HTTP.

Each helper runs one coroutine against one session with ``anyio.run``, so tests stay plain functions. The
CLI is run as a process too (``python -m modelctx ... --json``), so its answers are compared as a user gets them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import anyio
import httpx2
from mcp import ClientSession, StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client

T = TypeVar("T")
TOOLS = {"search", "show", "lineage", "impact", "diff", "audit", "policy_check", "note", "flag"}
#: Bounds on waiting for a server or a command: sanity limits, not speed claims.
CALL_SECONDS = 300.0


def env_for(store_uri: str, home: str, **extra: str) -> dict[str, str]:
    """The environment of a ``modelctx`` process on ``store_uri`` (PYTHONPATH: this worktree first)."""
    env = {"PYTHONPATH": os.environ.get("PYTHONPATH", os.getcwd()), "MODELCTX_STORE": store_uri,
           "MODELCTX_HOME": home, "HF_HUB_OFFLINE": "1", **extra}
    return env


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``modelctx ARGS`` in a process with ``env`` (on top of this process's PATH and HOME)."""
    full = {**{k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "USER", "LOGNAME")}, **env}
    return subprocess.run([sys.executable, "-m", "modelctx", *args], env=full, capture_output=True, text=True,
                          timeout=CALL_SECONDS, check=False)


def cli_json(env: dict[str, str], *args: str) -> Any:
    done = cli(env, *args)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@dataclass
class Answer:
    """One tool call's result: whether it is an MCP tool error, its text and its structured content."""

    is_error: bool
    text: str
    data: Any

    @property
    def json(self) -> Any:
        return json.loads(self.text)


class Session:
    """A connected, initialised client session with shortcuts for tools and resources."""

    def __init__(self, session: ClientSession) -> None:
        self.raw = session

    async def call(self, tool: str, **arguments: Any) -> Answer:
        result = await self.raw.call_tool(tool, arguments)
        (block,) = result.content
        assert block.type == "text"
        return Answer(bool(result.is_error), block.text, result.structured_content)

    async def read(self, uri: str) -> str:
        result = await self.raw.read_resource(uri)
        (content,) = result.contents
        text: str = content.text  # type: ignore[union-attr]
        return text


@asynccontextmanager
async def stdio_session(env: dict[str, str]) -> AsyncIterator[Session]:
    """A ``python -m modelctx mcp`` process and a session with it."""
    params = StdioServerParameters(command=sys.executable, args=["-m", "modelctx", "mcp"], env=env)
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        with anyio.fail_after(CALL_SECONDS):
            await session.initialize()
        yield Session(session)


@asynccontextmanager
async def http_session(url: str, token: str | None = None) -> AsyncIterator[Session]:
    """A session with the MCP endpoint at ``url`` (``Authorization: Bearer <token>`` when given)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with (httpx2.AsyncClient(headers=headers, timeout=CALL_SECONDS) as http,
                streamable_http_client(url, http_client=http) as (read, write),
                ClientSession(read, write) as session):
        with anyio.fail_after(CALL_SECONDS):
            await session.initialize()
        yield Session(session)


def run(opened: Callable[[], Any], body: Callable[[Session], Awaitable[T]]) -> T:
    """Open a session (``opened()``: one of the context managers above), run ``body`` with it, close it."""

    async def main() -> T:
        async with opened() as session:
            with anyio.fail_after(CALL_SECONDS * 2):
                return await body(session)

    return anyio.run(main)
