"""The request guard: what every request must pass before routing and authentication look at it.

An ASGI middleware, installed by ``create_app`` outside everything else
(``api/app.py``), so a refused request costs no parsing, no token lookup and
no store access. In order:

1. local mode (no tokens): the Host header must name this machine — a
   loopback name (``localhost``, ``127.0.0.1``, ``[::1]``; any port) or a
   configured one (``modelctx serve --allow-host``, MODELCTX_ALLOWED_HOSTS);
   otherwise 421. A web page whose own name resolves to 127.0.0.1 (DNS
   rebinding) therefore cannot read or write the graph;
2. local mode, state-changing methods (POST, PUT, PATCH, DELETE): a browser
   request from another origin (``Sec-Fetch-Site: cross-site``, or an
   ``Origin`` that is not the server's own) gets 403;
3. a declared Content-Length over ``max_body_bytes``: 413 before any byte of
   the body is read;
4. state-changing methods with a body: it must be declared JSON
   (``application/json`` or any ``+json`` type), else 415 — a form or
   ``text/plain`` post, which browsers send cross-site without asking, never
   reaches a route;
5. the body is read, counted as it arrives (chunked bodies have no length):
   413 as soon as it passes the limit, and the connection is closed instead of
   read further;
6. a JSON body may nest ``[``/``{`` at most ``max_json_depth`` levels: 400.
   Bodies with a Content-Encoding (gzip) are passed on as sent, counted as
   sent; the route that takes them decodes with :func:`decode_body`, which
   bounds the decoded size by the same limit and checks the depth.

With tokens on, 1 and 2 do not apply: a browser cannot attach a bearer token
to a cross-site request, and a token-protected server may be reached by any
name. Refusals are the classes of ``modelctx/errors.py`` under
RequestRefusedError (and CrossSiteRequestError, a PermissionDeniedError),
answered like every other error (``api/errors.py``).
"""

from __future__ import annotations

import itertools
import operator
import re
import zlib
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from modelctx.api.errors import error_response
from modelctx.config import Limits
from modelctx.errors import (
    BodyTooLargeError,
    CrossSiteRequestError,
    HostNotAllowedError,
    RequestRefusedError,
    UnsupportedMediaTypeError,
)
from modelctx.listening import is_loopback

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
DEFAULT_PORTS = {"http": 80, "https": 443}

# A JSON string, possessive so it never backtracks; an unterminated one runs to the end of the text.
_STRING = re.compile(rb'"(?:[^"\\]++|\\.?)*+"?', re.DOTALL)
_OPENS_AS_TWO = bytes.maketrans(b"[{]}", b"\x02\x02\x00\x00")
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def json_depth_exceeds(body: bytes, limit: int) -> bool:
    """Whether the JSON text ``body`` nests ``[`` and ``{`` more than ``limit`` levels deep.

    Runs only C-level passes (count, regex, translate, accumulate), and only
    counts brackets when there are too few of them to reach the limit, so an
    ordinary body costs two ``bytes.count`` calls. Brackets inside strings do
    not count. Malformed JSON is left to the parser.
    """
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    steps = _STRING.sub(b"", body).translate(_OPENS_AS_TWO, _NOT_BRACKETS)
    # An opening bracket adds 2, a closing one 0: after the i-th bracket the sum minus i is the depth there.
    return max(map(operator.sub, itertools.accumulate(steps), itertools.count(1)), default=0) > limit


#: Content-Encodings :func:`decode_body` takes, with the zlib window bits that decode each.
BODY_ENCODINGS: dict[str, int] = {"identity": 0, "gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS,
                                  "deflate": zlib.MAX_WBITS}


def decode_body(body: bytes, content_encoding: str | None, limits: Limits) -> bytes:
    """A request body without its Content-Encoding (gzip, deflate), decoded to at most ``max_body_bytes``.

    The guard counted the body as sent; a small gzip body can inflate a
    thousandfold, so decoding stops at the same limit (413) rather than after
    it. The decoded JSON gets the depth check the guard gave plain bodies (400).
    An unknown encoding is 415, a corrupt stream 400.
    """
    encoding = (content_encoding or "identity").strip().lower() or "identity"
    if encoding not in BODY_ENCODINGS:
        raise UnsupportedMediaTypeError(
            f"Content-Encoding {encoding!r} is not supported; send {', '.join(sorted(BODY_ENCODINGS))}")
    limit = limits.max_body_bytes
    if encoding != "identity":
        bits = BODY_ENCODINGS[encoding]
        decoded = b""
        # deflate as sent by most clients is zlib-wrapped; a raw deflate stream is tried when that fails.
        for wbits in (bits, -zlib.MAX_WBITS) if encoding == "deflate" else (bits,):
            decoder = zlib.decompressobj(wbits)
            try:
                decoded = decoder.decompress(body, limit + 1)
            except zlib.error as exc:
                if wbits != -zlib.MAX_WBITS and encoding == "deflate":
                    continue
                raise RequestRefusedError(f"the {encoding} request body cannot be decoded: {exc}") from None
            break
        if len(decoded) > limit:
            raise BodyTooLargeError(
                f"the request body decodes to more than the limit of {limit} bytes (MODELCTX_MAX_BODY_BYTES)")
        body = decoded
    if json_depth_exceeds(body, limits.max_json_depth):
        raise RequestRefusedError(
            f"the JSON body nests deeper than {limits.max_json_depth} levels of lists and objects "
            "(MODELCTX_MAX_JSON_DEPTH)")
    return body


def host_name(header: str) -> str | None:
    """The host of a Host header without its port, lower case (``[::1]:8000`` → ``::1``); None if malformed."""
    text = header.strip().lower()
    if text.startswith("["):
        end = text.find("]")
        name, rest = text[1:end], text[end + 1 :]
        if end < 0 or (rest and not (rest.startswith(":") and rest[1:].isdigit())):
            return None
        return name
    name, colon, port = text.rpartition(":")
    if not colon:
        name = text
    elif not port.isdigit() or ":" in name:
        return None
    name = name.removesuffix(".")
    return name or None


def _media_type(value: str) -> str:
    return value.split(";", 1)[0].strip().lower()


def is_json_media_type(value: str) -> bool:
    """``application/json`` or any structured ``+json`` type (``application/merge-patch+json``)."""
    media = _media_type(value)
    return media == "application/json" or (media.endswith("+json") and "/" in media)


def _origin_key(scheme: str, host: str | None, port: int | None) -> tuple[str, str | None, int | None]:
    return scheme, host, port if port is not None else DEFAULT_PORTS.get(scheme)


class RequestGuard:
    """ASGI middleware applying the bounds of ``limits``; ``local_mode`` adds the Host and cross-site checks."""

    def __init__(self, app: ASGIApp, *, limits: Limits, local_mode: bool) -> None:
        self.app = app
        self.limits = limits
        self.local_mode = local_mode
        self.allowed_hosts = frozenset(h.lower().removesuffix(".") for h in limits.allowed_hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            admitted = await self._admit(scope, receive)
        except (RequestRefusedError, CrossSiteRequestError) as exc:
            response = error_response(exc)
            # The body may still be arriving: close rather than read (and discard) the rest of it.
            response.headers["connection"] = "close"
            await response(scope, receive, send)
            return
        if admitted is not None:  # None: the client left while sending its body
            await self.app(scope, admitted, send)

    async def _admit(self, scope: Scope, receive: Receive) -> Receive | None:
        """The receive channel to hand on (the body replayed from memory); raises the refusal otherwise."""
        headers: dict[str, str] = {}
        for raw_name, raw_value in scope["headers"]:
            headers.setdefault(raw_name.decode("latin-1"), raw_value.decode("latin-1"))
        method = scope["method"]
        if self.local_mode:
            self._check_host(headers.get("host"))
            if method in STATE_CHANGING:
                self._check_same_origin(scope, headers)
        declared = headers.get("content-length")
        length = int(declared) if declared is not None and declared.strip().isdigit() else None
        limit = self.limits.max_body_bytes
        if length is not None and length > limit:
            raise BodyTooLargeError(
                f"the request body of {length} bytes is over the limit of {limit} bytes (MODELCTX_MAX_BODY_BYTES)"
            )
        if not length and "transfer-encoding" not in headers:
            return receive  # no body
        content_type = headers.get("content-type", "")
        if method in STATE_CHANGING and not is_json_media_type(content_type):
            shown = _media_type(content_type) or "no Content-Type"
            raise UnsupportedMediaTypeError(
                f"{method} {scope['path']} takes a JSON body (Content-Type: application/json), not {shown}"
            )
        body = await self._read_body(receive, limit)
        if body is None:
            return None
        encoded = headers.get("content-encoding", "identity").strip().lower() not in ("", "identity")
        depth = self.limits.max_json_depth
        if is_json_media_type(content_type) and not encoded and json_depth_exceeds(body, depth):
            raise RequestRefusedError(
                f"the JSON body nests deeper than {depth} levels of lists and objects (MODELCTX_MAX_JSON_DEPTH)"
            )
        return _replay(body, receive)

    @staticmethod
    async def _read_body(receive: Receive, limit: int) -> bytes | None:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise BodyTooLargeError(
                    f"the request body is over the limit of {limit} bytes (MODELCTX_MAX_BODY_BYTES); "
                    "it was not read further"
                )
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    def _check_host(self, header: str | None) -> None:
        name = host_name(header) if header is not None else None
        if name is not None and (is_loopback(name) or name in self.allowed_hosts):
            return
        shown = "no Host header" if header is None else f"Host {header!r}"
        raise HostNotAllowedError(
            f"{shown} does not name this server: without tokens it answers only loopback names "
            "(localhost, 127.0.0.1, [::1]) and the hosts allowed with --allow-host or MODELCTX_ALLOWED_HOSTS"
        )

    @staticmethod
    def _check_same_origin(scope: Scope, headers: dict[str, str]) -> None:
        site = headers.get("sec-fetch-site", "").strip().lower()
        origin = headers.get("origin")
        if site == "cross-site":
            raise CrossSiteRequestError(
                f"cross-site request refused (Sec-Fetch-Site: cross-site{f', Origin: {origin}' if origin else ''}): "
                "without tokens this server takes writes only from its own page and from non-browser clients"
            )
        if origin is None:
            return  # not a browser's cross-origin request: curl, SDKs, OpenLineage clients
        scheme = str(scope.get("scheme", "http"))
        host = headers.get("host", "")
        own = _origin_key(scheme, host_name(host), _port_of(host))
        try:
            parts = urlsplit(origin.strip())
            theirs = _origin_key(parts.scheme.lower(), parts.hostname, parts.port)
        except ValueError:
            theirs = ("", None, None)
        if theirs != own:
            raise CrossSiteRequestError(
                f"cross-site request refused: Origin {origin!r} is not this server's ({scheme}://{host}); "
                "without tokens this server takes writes only from its own page and from non-browser clients"
            )


def _port_of(host: str) -> int | None:
    tail = host.rsplit("]", 1)[-1] if host.startswith("[") else host
    _, colon, port = tail.rpartition(":")
    return int(port) if colon and port.isdigit() else None


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive channel that yields ``body`` once, then whatever the connection says (its disconnect)."""
    pending = True

    async def replay() -> Message:
        nonlocal pending
        if pending:
            pending = False
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
