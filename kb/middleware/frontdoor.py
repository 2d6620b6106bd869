"""The one middleware every request passes through, once.

In order: a request id, the host check, the rate limits, the body-size limit, the reader
cookie, and pages and search answers already in memory; then the app, through gzip when
the client accepts it; on the way out, the security headers, the request id and a new
reader's cookie; last, the metrics and the access log.
Each concern lives in its own module (:mod:`kb.middleware.observability`, :mod:`kb.middleware.security`,
:mod:`kb.middleware.ratelimit`, :mod:`kb.sandbox.readers`, :mod:`kb.middleware.pagecache`); they run here in one pass
rather than as six nested middlewares, because each layer cost a coroutine, a wrapped
``send`` and another look through the headers on every request: on a page served from
memory, that was a fifth of the server's time.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kb.middleware.observability import (
    REQUEST_ID_HEADER,
    Metrics,
    log_access,
    new_request_id,
    request_id,
    route_label,
)
from kb.middleware.pagecache import Page, PageCache, request_key
from kb.middleware.ratelimit import RateLimiter
from kb.middleware.security import BodyLimit, BodyTooLarge, TrustedHosts, security_headers
from kb.sandbox import readers

_TEXT = (b"content-type", b"text/plain; charset=utf-8")


@dataclass(frozen=True)
class Guards:
    hosts: TrustedHosts
    limiter: RateLimiter
    body_limit: BodyLimit
    secret: str  # signs reader cookies


@dataclass(frozen=True)
class Cached:
    pages: PageCache  # whole pages by path (only text/html ones are answered here)
    responses: PageCache  # search answers by kb.middleware.pagecache.request_key
    response_paths: tuple[str, ...]


@dataclass(frozen=True)
class Refused:
    status: int
    message: str
    headers: tuple[tuple[bytes, bytes], ...] = ()


class FrontDoor:
    def __init__(
        self,
        app: ASGIApp,
        guards: Guards,
        cached: Cached,
        metrics: Metrics,
        gzip_minimum_size: int = 1024,
        first_request: threading.Event | None = None,
    ) -> None:
        """``first_request`` is set when the first HTTP request comes in."""
        self.app = app
        self.first_request = first_request
        # Only a client that accepts gzip goes through the compressing layer: for the
        # others (curl, API clients) it would look through every response for nothing.
        self.gzip_app = GZipMiddleware(app, minimum_size=gzip_minimum_size)
        self.guards = guards
        self.cached = cached
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        if self.first_request is not None and not self.first_request.is_set():
            self.first_request.set()
        headers = dict(scope["headers"])
        rid = new_request_id(headers.get(REQUEST_ID_HEADER, b""))
        token = request_id.set(rid)
        method, path = scope["method"], scope["path"]
        https = scope.get("scheme") == "https"
        outgoing = [*security_headers(https), (REQUEST_ID_HEADER, rid.encode())]
        status = 500
        route = ""
        try:
            refused = self._refuse(scope, headers)
            limit = self.guards.body_limit
            if refused is None and limit.applies(path):
                declared = headers.get(b"content-length")
                if declared is None:
                    refused, receive = await self._buffer_body(receive)
                elif limit.declared_too_large(declared):
                    refused = Refused(413, limit.message)
            if refused is not None:
                status = refused.status
                body = refused.message.encode()
                head = [_TEXT, (b"content-length", b"%d" % len(body)), *refused.headers]
                await _respond(send, status, head + outgoing, body)
                return

            state = scope.setdefault("state", {})
            cookie = readers.cookie_value(scope["headers"]) if b"cookie" in headers else ""
            reader = readers.verify_cached(cookie, self.guards.secret) if cookie else None
            # Without a cookie a request shares the public sandbox; the cookie set on this
            # response gives the next request (a browser's) a sandbox of its own.
            state["reader"] = reader or readers.PUBLIC
            state["reader_cookie"] = cookie if reader else ""
            if reader is None:
                new = readers.set_cookie(readers.new_reader(), self.guards.secret, https)
                outgoing.append((b"set-cookie", new))

            page = self._cached(scope) if method == "GET" else None
            if page is not None:
                route = page.route
                status, head, body = page.answer(
                    headers.get(b"if-none-match", b""), headers.get(b"accept-encoding", b"")
                )
                await _respond(send, status, head + outgoing, body)
                return

            async def send_with_headers(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = message["status"]
                    message["headers"] = _merged(message.get("headers", []), outgoing)
                await send(message)

            accepts_gzip = b"gzip" in headers.get(b"accept-encoding", b"")
            app = self.gzip_app if accepts_gzip else self.app
            await app(scope, receive, send_with_headers)
        finally:
            elapsed = time.perf_counter() - started
            route = route or route_label(scope)
            self.metrics.record(route, method, status, elapsed)
            client = (scope.get("client") or ("-", 0))[0]
            log_access(method, path, status, elapsed, client, route)
            request_id.reset(token)

    def _refuse(self, scope: Scope, headers: dict[bytes, bytes]) -> Refused | None:
        if not self.guards.hosts.allows(headers.get(b"host", b"")):
            return Refused(400, "Invalid host header")
        client = (scope.get("client") or ("unknown", 0))[0]
        over = self.guards.limiter.hit(scope["path"], scope["method"], client)
        if over is not None:
            self.metrics.rate_limited.labels(over.rule.name).inc()
            return Refused(429, over.message, ((b"retry-after", b"%d" % over.retry_after),))
        return None

    async def _buffer_body(self, receive: Receive) -> tuple[Refused | None, Receive]:
        """A body of unknown length, read up to the limit and replayed to the app."""
        limit = self.guards.body_limit
        try:
            return None, await limit.buffered(receive)
        except BodyTooLarge:
            return Refused(413, limit.message), receive

    def _cached(self, scope: Scope) -> Page | None:
        path = scope["path"]
        if path in self.cached.response_paths:
            return self.cached.responses.peek(request_key(scope))
        page = self.cached.pages.peek(path)
        if page is not None and page.media_type.startswith("text/html"):
            return page
        return None


_OURS = frozenset(name for name, _ in security_headers(True)) | {REQUEST_ID_HEADER, b"set-cookie"}


def _merged(
    own: list[tuple[bytes, bytes]], ours: list[tuple[bytes, bytes]]
) -> list[tuple[bytes, bytes]]:
    """The app's headers plus ours: its own security headers win, our request id wins,
    and cookies add up."""
    if not any(name.lower() in _OURS for name, _ in own):
        return [*own, *ours]
    names = {name.lower() for name, _ in own}
    kept = [(name, value) for name, value in own if name.lower() != REQUEST_ID_HEADER]
    return kept + [
        (name, value)
        for name, value in ours
        if name not in names or name in (REQUEST_ID_HEADER, b"set-cookie")
    ]


async def _respond(send: Send, status: int, head: list[tuple[bytes, bytes]], body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": head})
    await send({"type": "http.response.body", "body": body})
