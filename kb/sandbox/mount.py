"""``/examples/{slug}/...``: each entry's example app, mounted under its own prefix.

One ASGI app serves the whole ``/examples`` prefix and picks the app by slug and by
reader, so that each reader reaches their own sandbox, the same one the inline console
uses. The example's documentation pages (``/docs``, ``/redoc``, and those of FastAPI
apps mounted in it) are the KB's own, with local assets. Everything the example answers
goes out under :data:`EXAMPLE_CONTENT_SECURITY_POLICY`.
WebSocket connections reach the reader's sandbox the same way (:meth:`ExamplesMount.websocket`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

from fastapi import FastAPI
from starlette._utils import get_route_path
from starlette.datastructures import MutableHeaders
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount
from starlette.types import Message, Receive, Scope, Send
from starlette.websockets import WebSocket

from kb.sandbox.examples import RunningApp
from kb.sandbox.readers import reader_of

log = logging.getLogger("kb")

_PATH_ATTRIBUTE = re.compile(r";\s*path=[^;]*", re.IGNORECASE)
# The KB's own request state (the reader, their cookie) stays the KB's: an example gets
# its own, from its lifespan.
_KB_ROUTING_KEYS = frozenset(
    {"router", "route", "endpoint", "path_params", "app_root_path", "state"}
)
# Open WebSockets one client address may hold to the examples at once: each holds a
# task and the example's memory for as long as the client likes.
MAX_SOCKETS_PER_CLIENT = 16
NO_EXAMPLE = 4404  # the close code for a WebSocket to an example that is not there

# A page an example serves runs its own inline scripts, but in an opaque origin (`sandbox`
# without allow-same-origin): it reads no cookie of the KB's, and the KB treats its
# requests as coming from another site. With the KB's origin, a script in any example
# page (one that echoes a query parameter, say) could act as the reader on every page of
# the KB. Eval is allowed too: in an opaque origin it can do nothing an inline script
# cannot. SECURITY.md, "Example pages", has the whole trade-off.
EXAMPLE_CONTENT_SECURITY_POLICY = "; ".join(
    [
        "sandbox allow-scripts allow-forms allow-popups allow-modals allow-downloads",
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "media-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# An example page's origin is "null", so its fetch() of its own API is a cross-origin
# request: the mount allows it, never with credentials (no cookie is sent or needed).
_FROM_PAGE = {
    "access-control-allow-origin": "null",
    "access-control-expose-headers": "*",
    "vary": "Origin",
}
_METHODS = "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT"


class OpenSockets:
    """WebSockets open per client address, at most :data:`MAX_SOCKETS_PER_CLIENT` each."""

    def __init__(self) -> None:
        self._by_client: dict[str, int] = {}

    def full(self, client: str) -> bool:
        return self._by_client.get(client, 0) >= MAX_SOCKETS_PER_CLIENT

    @staticmethod
    def refusal() -> str:
        """The reason a socket over the bound is closed with (code 1013, "try again later")."""
        return f"Too many open WebSockets: at most {MAX_SOCKETS_PER_CLIENT} at once."

    @contextmanager
    def held(self, client: str) -> Iterator[None]:
        """Counts one socket of ``client`` while the block runs."""
        self._by_client[client] = self._by_client.get(client, 0) + 1
        try:
            yield
        finally:
            self._by_client[client] -= 1
            if not self._by_client[client]:
                del self._by_client[client]


@dataclass(frozen=True)
class ExampleDocs:
    """A documentation page of an example, or of a FastAPI app mounted in it, which the
    KB serves itself."""

    ui: Literal["swagger", "redoc"]
    app: FastAPI  # the app documented: its title and Swagger UI settings
    openapi_url: str  # its schema, as the browser asks for it


def find_docs(app: FastAPI, path: str, root: str) -> ExampleDocs | None:
    """The documentation page that ``path`` is in ``app`` or in a FastAPI app mounted in it
    (``app.mount("/subapi", subapi)``: ``/subapi/docs``); ``root`` is where ``app`` is served.

    None when ``path`` is no such page, so that a ``docs_url=None`` app answers its own 404.
    """
    if app.openapi_url:
        if path == app.docs_url:
            return ExampleDocs("swagger", app, root + app.openapi_url)
        if path == app.redoc_url:
            return ExampleDocs("redoc", app, root + app.openapi_url)
    for route in app.router.routes:
        if (
            isinstance(route, Mount)
            and isinstance(route.app, FastAPI)
            and path.startswith(f"{route.path}/")
        ):
            return find_docs(route.app, path[len(route.path) :], root + route.path)
    return None


def _header(scope: Scope, name: bytes) -> bytes | None:
    return next((value for key, value in scope["headers"] if key == name), None)


def preflight(scope: Scope) -> Response | None:
    """The answer to an example page's CORS preflight, or None if this is none."""
    if scope["method"] != "OPTIONS" or _header(scope, b"origin") != b"null":
        return None
    if _header(scope, b"access-control-request-method") is None:
        return None
    headers = {**_FROM_PAGE, "access-control-allow-methods": _METHODS}
    requested = _header(scope, b"access-control-request-headers")
    if requested:
        headers["access-control-allow-headers"] = requested.decode("latin-1")
    headers["access-control-max-age"] = "600"
    return Response(status_code=204, headers=headers)


def scope_cookie(header: str, mount: str) -> str:
    """A Set-Cookie value whose Path is moved under the example's mount.

    Example apps are written as if served at "/"; a cookie they set for "/" must not
    reach the KB or the other examples.
    """
    match = re.search(r";\s*path=([^;]*)", header, re.IGNORECASE)
    path = match.group(1).strip() if match else "/"
    inner = path if path.startswith("/") else "/"
    scoped = f"{mount}{inner}" if inner != "/" else f"{mount}/"
    return _PATH_ATTRIBUTE.sub("", header) + f"; Path={scoped}"


class ExamplesMount:
    def __init__(
        self,
        app_for: Callable[[str, str], Awaitable[RunningApp | None]],
        docs_page: Callable[[Scope, ExampleDocs], Response],
        not_found: Callable[[Scope], Response],
    ) -> None:
        """``app_for(slug, reader)`` gives the reader's sandbox of the entry's example."""
        self.app_for = app_for
        self.docs_page = docs_page
        self.not_found = not_found
        self.sockets = OpenSockets()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await self.websocket(scope, receive, send)
            return
        if scope["type"] != "http":
            return
        route_path = get_route_path(scope)  # "/{slug}/rest" below this mount
        slug, _, rest = route_path.lstrip("/").partition("/")
        app = await self.app_for(slug, reader_of(scope)) if slug else None
        if app is None:
            await self.not_found(scope)(scope, receive, send)
            return
        root_path = scope.get("root_path", "") + f"/{slug}"
        if not rest and not route_path.endswith("/"):
            await RedirectResponse(f"{root_path}/")(scope, receive, send)
            return
        if scope["method"] in ("GET", "HEAD"):
            docs = find_docs(app.app, f"/{rest}", root_path)
            if docs is not None:
                await self.docs_page(scope, docs)(scope, receive, send)
                return
        answer = preflight(scope)
        if answer is not None:
            await answer(scope, receive, send)
            return
        from_page = _header(scope, b"origin") == b"null"

        started = False

        async def send_scoped(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = MutableHeaders(scope=message)
                cookies = headers.getlist("set-cookie")
                if cookies:
                    del headers["set-cookie"]
                    for cookie in cookies:
                        headers.append("set-cookie", scope_cookie(cookie, root_path))
                # Added to the example's own policy, if it has one: a browser enforces both.
                headers.append("content-security-policy", EXAMPLE_CONTENT_SECURITY_POLICY)
                if from_page and "access-control-allow-origin" not in headers:
                    for name, value in _FROM_PAGE.items():
                        headers.append(name, value)
            await send(message)

        # The example is an app of its own: it must not see the KB's router, route or
        # path parameters (its url_for() would look its route names up in the KB).
        child = {key: value for key, value in scope.items() if key not in _KB_ROUTING_KEYS}
        try:
            await app({**child, "root_path": root_path}, receive, send_scoped)
        except Exception:
            # Logged here, with the request id, as the example's own error: the KB's
            # error handling has nothing to add, and the 500 has been sent (Starlette's
            # error middleware sends it before re-raising) unless nothing was.
            log.exception("example %s raised while answering %s", slug, route_path)
            if not started:
                await PlainTextResponse("Internal Server Error", 500)(scope, receive, send)

    async def websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A WebSocket to ``/examples/{slug}/...``: into the reader's sandbox, scoped as a
        request is. The mount's own refusals accept and then close with a code and a
        reason, because a browser is told nothing about a handshake refused outright."""
        route_path = get_route_path(scope)
        slug, _, _ = route_path.lstrip("/").partition("/")
        client = (scope.get("client") or ("unknown", 0))[0]
        if self.sockets.full(client):
            await _accept_and_close(scope, receive, send, 1013, self.sockets.refusal())
            return
        app = await self.app_for(slug, reader_of(scope)) if slug else None
        if app is None:
            reason = f"No example is running at /examples/{slug}."[:123]  # a close frame's room
            await _accept_and_close(scope, receive, send, NO_EXAMPLE, reason)
            return
        root_path = scope.get("root_path", "") + f"/{slug}"
        state = "connecting"

        async def send_scoped(message: Message) -> None:
            nonlocal state
            kind = message["type"]
            if kind == "websocket.accept":
                state = "open"
                _scope_cookies(message, root_path)
            elif kind in ("websocket.close", "websocket.http.response.start"):
                state = "closed"
            await send(message)

        child = {key: value for key, value in scope.items() if key not in _KB_ROUTING_KEYS}
        with self.sockets.held(client):
            try:
                await app({**child, "root_path": root_path}, receive, send_scoped)
            except Exception:
                log.exception("example %s raised in the WebSocket %s", slug, route_path)
                if state != "closed":  # 1011 "internal error"; before accepting, a refusal
                    await send({"type": "websocket.close", "code": 1011, "reason": ""})


def _scope_cookies(message: Message, mount: str) -> None:
    headers = MutableHeaders(raw=list(message.get("headers") or []))
    cookies = headers.getlist("set-cookie")
    if cookies:
        del headers["set-cookie"]
        for cookie in cookies:
            headers.append("set-cookie", scope_cookie(cookie, mount))
        message["headers"] = headers.raw


async def _accept_and_close(
    scope: Scope, receive: Receive, send: Send, code: int, reason: str
) -> None:
    websocket = WebSocket(scope, receive, send)
    await websocket.accept()
    await websocket.close(code, reason)
