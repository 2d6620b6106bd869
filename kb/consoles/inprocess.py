"""One HTTP request to an ASGI app in this process: a scope in, status, headers and body out.

The console calls the example apps this way. Nothing is sent over a socket, so a
console request cannot reach any other host. It is what httpx's ``ASGITransport`` does,
without building a client, a URL object and request/response models for every call:
on the console's path those cost more than the example app itself.
"""

from __future__ import annotations

import asyncio
import re
import zlib
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote, unquote, urlsplit

from starlette.types import ASGIApp, Message, Scope

# Characters left as they are in a path and a query string: what browsers and httpx
# leave alone, "%" included so that an escape the reader typed is not escaped twice.
_PATH_SAFE = "/!$&'()*+,;=:@%~-._"
_QUERY_SAFE = _PATH_SAFE + "?"
_SAFE = re.compile(r"[A-Za-z0-9/!$&'()*+,;=:@~._-]*")  # needs no quoting in either
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
) -> Scope:
    """The ASGI scope for ``method target`` sent to ``origin``; ``target`` holds the mount."""
    scheme, host, server = _origin(origin)
    path, _, query = target.partition("?")
    raw_path = (path if _SAFE.fullmatch(path) else quote(path, safe=_PATH_SAFE)).encode("ascii")
    raw_headers = [(b"host", host)]
    raw_headers += [(name.lower().encode("latin-1"), _header(value)) for name, value in headers]
    if body:
        raw_headers.append((b"content-length", str(len(body)).encode("ascii")))
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": scheme,
        "path": unquote(raw_path.decode("ascii")),
        "raw_path": raw_path,
        "query_string": (
            query if _SAFE.fullmatch(query) else quote(query, safe=_QUERY_SAFE)
        ).encode("ascii"),
        "root_path": root_path,
        "headers": raw_headers,
        "server": server,
        "client": CLIENT,
    }


@lru_cache(maxsize=64)
def _origin(origin: str) -> tuple[str, bytes, tuple[str, int]]:
    """Scheme, Host header and (host, port) of an origin; the same few on every request."""
    base = urlsplit(origin)
    scheme = base.scheme or "http"
    port = base.port or (443 if scheme == "https" else 80)
    return (
        scheme,
        base.netloc.encode("latin-1", errors="replace"),
        (base.hostname or "testserver", port),
    )


async def call(
    app: ASGIApp, scope: Scope, body: bytes, *, max_body: int = 0, timeout: float = 0.0
) -> Reply:
    """Run ``app`` for one request and collect its response.

    An exception the app raises becomes the 500 it sent (Starlette sends one before
    re-raising) or a bare 500: the console shows what a client would have seen.
    ``max_body`` (0: no limit) keeps at most that many bytes of the body; past ``timeout``
    seconds (0: none) the app is cancelled and :class:`TimeoutError` raised.
    """
    request_sent = False
    complete = False
    finished: asyncio.Event | None = None  # made only for an app that listens on
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
        nonlocal finished
        if not complete:
            finished = finished or asyncio.Event()
            await finished.wait()
        return {"type": "http.disconnect"}

    def _finish() -> None:
        nonlocal complete
        complete = True
        if finished is not None:
            finished.set()

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
                _finish()

    try:
        async with asyncio.timeout(timeout or None):
            await app(scope, receive, send)
    except TimeoutError:
        raise
    except Exception:
        status = status or 500
    finally:
        _finish()
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
