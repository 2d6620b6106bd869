"""One HTTP request to an ASGI app in this process: a scope in, status, headers and body out.

The console calls the example apps this way. Nothing is sent over a socket, so a
console request cannot reach any other host. It is what httpx's ``ASGITransport`` does,
without building a client, a URL object and request/response models for every call:
on the console's path those cost more than the example app itself.
"""

from __future__ import annotations

import asyncio
import zlib
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit

from starlette.types import ASGIApp, Message

# Characters left as they are in a path and a query string: what browsers and httpx
# leave alone, "%" included so that an escape the reader typed is not escaped twice.
_PATH_SAFE = "/!$&'()*+,;=:@%~-._"
_QUERY_SAFE = _PATH_SAFE + "?"
CLIENT = ("127.0.0.1", 123)


@dataclass
class Reply:
    status: int
    headers: list[tuple[str, str]]  # names lower-cased, as ASGI sends them
    body: bytes
    truncated: bool = False


def _header(value: str) -> bytes:
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode()


def build_scope(
    method: str,
    target: str,
    headers: list[tuple[str, str]],
    body: bytes,
    *,
    origin: str,
    root_path: str,
) -> dict:
    """The ASGI scope for ``method target`` sent to ``origin``; ``target`` holds the mount."""
    base = urlsplit(origin)
    path, _, query = target.partition("?")
    raw_path = quote(path, safe=_PATH_SAFE).encode("ascii")
    default_port = 443 if base.scheme == "https" else 80
    raw_headers = [(b"host", base.netloc.encode("ascii"))]
    raw_headers += [(name.lower().encode("latin-1"), _header(value)) for name, value in headers]
    if body:
        raw_headers.append((b"content-length", str(len(body)).encode("ascii")))
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": base.scheme or "http",
        "path": unquote(raw_path.decode("ascii")),
        "raw_path": raw_path,
        "query_string": quote(query, safe=_QUERY_SAFE).encode("ascii"),
        "root_path": root_path,
        "headers": raw_headers,
        "server": (base.hostname or "testserver", base.port or default_port),
        "client": CLIENT,
    }


async def call(app: ASGIApp, scope: dict, body: bytes, *, max_body: int = 0) -> Reply:
    """Run ``app`` for one request and collect its response.

    An exception the app raises becomes the 500 it sent (Starlette sends one before
    re-raising) or a bare 500: the console shows what a client would have seen.
    ``max_body`` (0: no limit) keeps at most that many bytes of the body.
    """
    request_sent = False
    finished = asyncio.Event()
    status = 0
    headers: list[tuple[str, str]] = []
    chunks: list[bytes] = []
    size = 0
    truncated = False

    async def receive() -> Message:
        nonlocal request_sent
        if not request_sent:
            request_sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        # Until the response is complete the client is still there: streaming responses
        # listen for a disconnect while they send.
        await finished.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        nonlocal status, headers, size, truncated
        if message["type"] == "http.response.start":
            status = message["status"]
            headers = [
                (name.decode("latin-1").lower(), value.decode("latin-1"))
                for name, value in message.get("headers", [])
            ]
        elif message["type"] == "http.response.body":
            chunk = message.get("body", b"")
            if chunk and scope["method"] != "HEAD" and not truncated:
                if max_body and size + len(chunk) > max_body:
                    chunk = chunk[: max_body - size]
                    truncated = True
                chunks.append(chunk)
                size += len(chunk)
            if not message.get("more_body", False):
                finished.set()

    try:
        await app(scope, receive, send)
    except Exception:
        status = status or 500
    finally:
        finished.set()
    data = b"".join(chunks)
    if not truncated:
        data = _decoded(data, headers)
    return Reply(status, headers, data, truncated)


def _decoded(body: bytes, headers: list[tuple[str, str]]) -> bytes:
    """The body without a gzip or deflate content-encoding (as a client would show it)."""
    encoding = next(
        (value.strip().lower() for name, value in headers if name == "content-encoding"), ""
    )
    if encoding not in ("gzip", "deflate") or not body:
        return body
    try:
        return zlib.decompress(body, wbits=47 if encoding == "gzip" else 15)
    except zlib.error:
        return body
