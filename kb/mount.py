"""``/examples/{slug}/...``: each entry's example app, mounted under its own prefix.

One ASGI app serves the whole ``/examples`` prefix and picks the example by slug, so
examples can be started, replaced and stopped while the KB runs. ``/docs`` of every
example is the KB's own Swagger UI page, with its assets served locally.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette._utils import get_route_path
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send


class ExamplesMount:
    def __init__(
        self,
        app_for: Callable[[str], ASGIApp | None],
        docs_page: Callable[[Scope, str], Response],
        not_found: Callable[[Scope], Response],
    ) -> None:
        self.app_for = app_for
        self.docs_page = docs_page
        self.not_found = not_found

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            return
        route_path = get_route_path(scope)  # "/{slug}/rest" below this mount
        slug, _, rest = route_path.lstrip("/").partition("/")
        app = self.app_for(slug) if slug else None
        if app is None:
            if scope["type"] == "http":
                await self.not_found(scope)(scope, receive, send)
            return
        root_path = scope.get("root_path", "") + f"/{slug}"
        if scope["type"] == "http" and not rest and not route_path.endswith("/"):
            await RedirectResponse(f"{root_path}/")(scope, receive, send)
            return
        if scope["type"] == "http" and f"/{rest}" in ("/docs", "/redoc"):
            await self.docs_page(scope, slug)(scope, receive, send)
            return
        await app({**scope, "root_path": root_path}, receive, send)
