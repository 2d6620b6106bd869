"""The one ASGI callable every request passes through, once: the outermost, which uvicorn
serves, in front of the FastAPI app (:func:`kb.app.create_app`). A page or search answered
from memory here runs no framework code at all.

:meth:`FrontDoor.__call__` lists the steps in order: arrive (a request id and the
headers every answer gets), check the host, the rate and the body size, identify the
reader, answer from memory (pages and search answers already rendered), or pass to the
app (through gzip when the client accepts it); last, record metrics and the access log.
A WebSocket handshake takes the same steps where they apply (:meth:`FrontDoor.open_websocket`).
Each concern lives in its own module (:mod:`kb.middleware.observability`, :mod:`kb.middleware.security`,
:mod:`kb.middleware.ratelimit`, :mod:`kb.sandbox.readers`, :mod:`kb.middleware.pagecache`); they run here in one pass
rather than as six nested middlewares, because each layer cost a coroutine, a wrapped
``send`` and another look through the headers on every request: on a page served from
memory, that was a fifth of the server's time.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from time import perf_counter

from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kb.middleware.observability import (
    REQUEST_ID_HEADER,
    Metrics,
    access_log,
    log_access,
    new_request_id,
    request_id,
    route_label,
)
from kb.middleware.pagecache import PageCache, request_key
from kb.middleware.ratelimit import RateLimiter
from kb.middleware.security import BodyLimit, BodyTooLarge, TrustedHosts, security_headers
from kb.sandbox import readers

_TEXT = (b"content-type", b"text/plain; charset=utf-8")
# An answer from memory: its two messages, its route and its request id (FrontDoor.from_memory).
_Quick = tuple[Message, Message, str, bytes]


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


@dataclass(slots=True)
class Visit:
    """One request on its way through the front door, and what is known of it so far."""

    scope: Scope
    receive: Receive
    send: Send
    headers: dict[bytes, bytes]
    started: float
    https: bool
    request_id: str
    outgoing: list[tuple[bytes, bytes]]  # added to whatever answer goes out
    status: int = 500  # until an answer says otherwise
    route: str = ""
    answered: bool = False  # whether the app has started its answer


class FrontDoor:
    """Every request's steps, in the order :meth:`__call__` lists them."""

    def __init__(
        self,
        app: ASGIApp,
        guards: Guards,
        cached: Cached,
        metrics: Metrics,
        gzip_minimum_size: int = 1024,
        first_request: threading.Event | None = None,
        heads_kept: tuple[str, ...] = (),
    ) -> None:
        """``first_request`` is set when the first HTTP request comes in; under the
        ``heads_kept`` path prefixes the app answers HEAD itself."""
        self.app = app
        self.heads_kept = heads_kept
        self.first_request = first_request
        self.arrived = False  # whether a request has come in: first_request is set once
        # Only a client that accepts gzip goes through the compressing layer: for the
        # others (curl, API clients) it would look through every response for nothing.
        self.gzip_minimum_size = gzip_minimum_size
        self.gzip_app = GZipMiddleware(app, minimum_size=gzip_minimum_size)
        self.guards = guards
        self.cached = cached
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            if scope["type"] == "websocket":
                await self.open_websocket(scope, receive, send)
            else:
                await self.app(scope, receive, send)
            return
        started = perf_counter()
        headers = dict(scope["headers"])
        method = scope["method"]
        if method == "GET" or method == "HEAD":
            answer = self.from_memory(scope, headers, method)
            if answer is not None:
                # A page or search already rendered, the most frequent request by far:
                # the same steps as below, written out flat (see from_memory).
                start, body, route, rid = answer
                try:
                    await send(start)
                    await send(body)
                finally:
                    status = start["status"]
                    elapsed = perf_counter() - started
                    self.metrics.record(route, method, status, elapsed)
                    if access_log.isEnabledFor(logging.INFO):
                        self.log_quick(scope, status, elapsed, route, rid)
                return
        visit = self.arrive(scope, receive, send, headers, started)
        token = request_id.set(visit.request_id)
        try:
            refused = self.check_host(visit) or self.check_rate(visit)
            if refused is None and self.guards.body_limit.applies(scope["path"]):
                refused = await self.check_body_size(visit)
            if refused is not None:
                await self.refuse(visit, refused)
                return
            self.identify_reader(visit)
            await self.pass_to_app(visit)
        finally:
            self.record(visit)
            request_id.reset(token)

    def from_memory(self, scope: Scope, headers: dict[bytes, bytes], method: str) -> _Quick | None:
        """A GET (or HEAD) answered from memory, every guard applied, ready to send:
        its ``http.response.start`` and ``http.response.body`` messages, its route and
        its request id.

        None when the request takes the long way: nothing cached for it, or a guard
        refuses it (the long way refuses it again, and answers; a refused hit of the rate
        limiter counts nothing).
        """
        # The long way's steps, written out flat for the request that comes most, with
        # no Visit, context variable or coroutine of its own: a page from memory took
        # 4.2 µs of front door the long way, 2.4 µs this way (bench/frontdoor_bench.py),
        # where the raw ASGI peer's whole request is 9 µs of Python (bench/peer_bench.py).
        # tests/test_app.py proves each guard on this path.
        if not self.arrived:
            self.note_first_request()
        path = scope["path"]
        if path in self.cached.response_paths:
            page = self.cached.responses.peek(request_key(scope, headers))
        else:
            page = self.cached.pages.peek(path)
            if page is not None and not page.html:
                page = None
        if page is None or not self.guards.hosts.allows(headers.get(b"host", b"")):
            return None
        client = (scope.get("client") or ("unknown", 0))[0]
        if self.guards.limiter.hit(path, method, client) is not None:
            return None
        https = scope.get("scheme") == "https"
        status, head, body = page.answer(
            headers.get(b"if-none-match", b""), headers.get(b"accept-encoding", b"")
        )
        rid = new_request_id(headers.get(REQUEST_ID_HEADER, b""))
        outgoing = [*head, *security_headers(https), (REQUEST_ID_HEADER, rid)]
        if self.reader(scope, headers) is None and headers.get(b"origin") != b"null":
            outgoing.append((b"set-cookie", self.new_reader_cookie(https)))
        return (
            {"type": "http.response.start", "status": status, "headers": outgoing},
            {"type": "http.response.body", "body": b"" if method == "HEAD" else body},
            page.route,
            rid,
        )

    def log_quick(
        self,
        scope: Scope,
        status: int,
        elapsed: float,
        route: str,
        rid: bytes,
    ) -> None:
        """The access log line of an answer from memory, with its request id."""
        token = request_id.set(rid.decode("latin-1"))
        try:
            client = (scope.get("client") or ("-", 0))[0]
            log_access(scope["method"], scope["path"], status, elapsed, client, route)
        finally:
            request_id.reset(token)

    async def open_websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A WebSocket handshake: the host, the rate and the reader, as for a request.

        A refusal answers the handshake with the same HTTP response a request gets (a
        server without ASGI's denial-response extension closes it with a code instead).
        Nothing is cached or compressed, and no reader cookie is given: the handshake's
        answer carries no headers of ours.
        """
        visit = self.arrive(scope, receive, send, dict(scope["headers"]), perf_counter())
        token = request_id.set(visit.request_id)
        try:
            refused = self.check_host(visit) or self.check_rate(visit)
            if refused is not None:
                await self.refuse_websocket(visit, refused)
                return
            self.identify_reader(visit, give_cookie=False)
            answered = False

            async def send_noting_status(message: Message) -> None:
                nonlocal answered
                if not answered:
                    # The status the client saw: 101 Switching Protocols, an HTTP answer,
                    # or the 403 that ASGI servers answer a close before accepting with.
                    answered = True
                    if message["type"] == "websocket.accept":
                        visit.status = 101
                    else:
                        visit.status = message.get("status", 403)
                await send(message)

            await self.app(scope, receive, send_noting_status)
        finally:
            self.record(visit)
            request_id.reset(token)

    async def refuse_websocket(self, visit: Visit, refused: Refused) -> None:
        visit.status = refused.status
        if "websocket.http.response" in visit.scope.get("extensions", {}):
            await self.refuse(visit, refused, prefix="websocket.http")
            return
        code = 1013 if refused.status == 429 else 1008  # "try again later", "policy"
        await visit.send({"type": "websocket.close", "code": code, "reason": refused.message})

    def arrive(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        headers: dict[bytes, bytes],
        started: float,
    ) -> Visit:
        """A request id (the client's, if well formed) and the headers every answer gets."""
        if not self.arrived:
            self.note_first_request()
        rid = new_request_id(headers.get(REQUEST_ID_HEADER, b""))
        https = scope.get("scheme") == "https"
        outgoing = [*security_headers(https), (REQUEST_ID_HEADER, rid)]
        return Visit(scope, receive, send, headers, started, https, rid.decode("latin-1"), outgoing)

    def note_first_request(self) -> None:
        self.arrived = True
        if self.first_request is not None:
            self.first_request.set()

    def check_host(self, visit: Visit) -> Refused | None:
        if self.guards.hosts.allows(visit.headers.get(b"host", b"")):
            return None
        return Refused(400, "Invalid host header")

    def check_rate(self, visit: Visit) -> Refused | None:
        scope = visit.scope
        client = (scope.get("client") or ("unknown", 0))[0]
        # A WebSocket handshake is a GET.
        over = self.guards.limiter.hit(scope["path"], scope.get("method", "GET"), client)
        if over is None:
            return None
        self.metrics.rate_limited.labels(over.rule.name).inc()
        return Refused(429, over.message, ((b"retry-after", b"%d" % over.retry_after),))

    async def check_body_size(self, visit: Visit) -> Refused | None:
        """For a path the body limit applies to: a declared length past the limit is
        refused at once; a body of unknown length is read up to the limit and replayed
        to the app."""
        limit = self.guards.body_limit.for_type(visit.headers.get(b"content-type", b""))
        if not limit.max_bytes:
            return None
        declared = visit.headers.get(b"content-length")
        if declared is not None:
            return Refused(413, limit.message) if limit.declared_too_large(declared) else None
        try:
            visit.receive = await limit.buffered(visit.receive)
        except BodyTooLarge:
            return Refused(413, limit.message)
        return None

    async def refuse(self, visit: Visit, refused: Refused, prefix: str = "http") -> None:
        visit.status = refused.status
        body = refused.message.encode()
        head = [_TEXT, (b"content-length", b"%d" % len(body)), *refused.headers]
        await _respond(visit.send, visit.status, head + visit.outgoing, body, prefix)

    def identify_reader(self, visit: Visit, give_cookie: bool = True) -> None:
        """The reader from a signed cookie; without one, the public sandbox, and a cookie
        on this answer gives the next request (a browser's) a sandbox of its own."""
        state = visit.scope.setdefault("state", {})
        found = self.reader(visit.scope, visit.headers)
        state["reader"], state["reader_cookie"] = found or (readers.PUBLIC, "")
        # A page an example serves runs in an opaque origin (kb.sandbox.mount), and its
        # requests carry no cookie of ours even when the reader has one: a new cookie in
        # the answer to its form's POST (a top-level page, whose cookies the browser
        # keeps) would replace the reader's own.
        if found is None and give_cookie and visit.headers.get(b"origin") != b"null":
            visit.outgoing.append((b"set-cookie", self.new_reader_cookie(visit.https)))

    def reader(self, scope: Scope, headers: dict[bytes, bytes]) -> tuple[str, str] | None:
        """The reader id and signed cookie value the request's cookies name, if any."""
        cookie = headers.get(b"cookie")
        if cookie is None:
            return None
        # The one Cookie header a browser sends; then (rarely) each of several.
        found = readers.reader_in_cookie_header(cookie, self.guards.secret)
        return found or readers.reader_in(scope["headers"], self.guards.secret)

    def new_reader_cookie(self, https: bool) -> bytes:
        return readers.set_cookie(readers.new_reader(), self.guards.secret, https)

    async def pass_to_app(
        self, visit: Visit, app: ASGIApp | None = None, gzip_app: ASGIApp | None = None
    ) -> None:
        """The app (or ``app``, with ``gzip_app`` its compressing twin) answers, through
        gzip for clients that accept it, with our headers added.

        A HEAD is answered as the GET it asks about, without the body, except under the
        paths that answer HEAD themselves (``heads_kept``, the examples): FastAPI answers
        HEAD on a GET route with 405, and ``curl -I`` or a link checker would find every
        page of the KB missing."""
        send = visit.send
        scope = visit.scope
        head_as_get = scope["method"] == "HEAD" and not scope["path"].startswith(self.heads_kept)
        if head_as_get:
            scope = {**scope, "method": "GET"}

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                visit.status = message["status"]
                visit.answered = True
                message["headers"] = _merged(message.get("headers", []), visit.outgoing)
            elif head_as_get and message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        if b"gzip" in visit.headers.get(b"accept-encoding", b""):
            chosen = gzip_app or self.gzip_app
        else:
            chosen = app or self.app
        try:
            await chosen(scope, visit.receive, send_with_headers)
        finally:
            if scope is not visit.scope and "route" in scope:
                visit.scope["route"] = scope["route"]  # for the metrics and the log line

    def record(self, visit: Visit) -> None:
        """Metrics and the access log, for every request however it ended."""
        scope = visit.scope
        elapsed = perf_counter() - visit.started
        route = visit.route or route_label(scope)
        method = scope.get("method", "WEBSOCKET")
        if method == "WEBSOCKET":
            # Counted, but its time is the connection's, not a latency: kept out of those.
            self.metrics.count(route, method, visit.status)
        else:
            self.metrics.record(route, method, visit.status, elapsed)
        client = (scope.get("client") or ("-", 0))[0]
        log_access(method, scope["path"], visit.status, elapsed, client, route)


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


async def _respond(
    send: Send, status: int, head: list[tuple[bytes, bytes]], body: bytes, prefix: str = "http"
) -> None:
    """An answer in one piece; ``prefix`` "websocket.http" answers a WebSocket handshake."""
    await send({"type": f"{prefix}.response.start", "status": status, "headers": head})
    await send({"type": f"{prefix}.response.body", "body": body})
