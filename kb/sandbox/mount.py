"""``/examples/{slug}/...``: each entry's example app, mounted under its own prefix.

One ASGI app serves the whole ``/examples`` prefix and picks the app by slug and by
reader, so that each reader reaches their own sandbox, the same one the inline console
uses. ``/docs`` of every example is the KB's own Swagger UI page, with local assets.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable

from starlette._utils import get_route_path
from starlette.datastructures import MutableHeaders
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kb.sandbox.readers import reader_of

log = logging.getLogger("kb")

_PATH_ATTRIBUTE = re.compile(r";\s*path=[^;]*", re.IGNORECASE)
# The KB's own request state (the reader, their cookie) stays the KB's: an example gets
# its own, from its lifespan.
_KB_ROUTING_KEYS = frozenset(
    {"router", "route", "endpoint", "path_params", "app_root_path", "state"}
)


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
        app_for: Callable[[str, str], Awaitable[ASGIApp | None]],
        docs_page: Callable[[Scope, str], Awaitable[Response | None]],
        not_found: Callable[[Scope], Response],
    ) -> None:
        """``app_for(slug, reader)`` gives the reader's sandbox of the entry's example."""
        self.app_for = app_for
        self.docs_page = docs_page
        self.not_found = not_found

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
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
        if f"/{rest}" in ("/docs", "/redoc"):
            page = await self.docs_page(scope, slug)
            if page is not None:
                await page(scope, receive, send)
                return

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
