"""Rendered pages kept in memory, with ETags, 304s and gzip done once per page.

A page's HTML depends only on the catalogue (not on the reader: the reader cookie is a
header), so it is rendered on first request and served from memory until the content
is reloaded. Its gzip-compressed bytes and ETag are computed at the same time.
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

MIN_GZIP = 512  # bytes: below this, compressing costs more than it saves


@dataclass(frozen=True)
class Page:
    body: bytes
    gzipped: bytes | None
    etag: str
    media_type: str
    route: str = ""  # the route template that made it, for metrics and logs

    @classmethod
    def of(cls, body: bytes, media_type: str, route: str = "") -> Page:
        etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
        gzipped = gzip.compress(body, compresslevel=6, mtime=0) if len(body) >= MIN_GZIP else None
        return cls(body, gzipped, etag, media_type, route)

    def respond(self, request: Request, cache_control: str = "no-cache") -> Response:
        """200 with the (compressed, when accepted) body, or 304 when the ETag matches."""
        headers = {"ETag": self.etag, "Cache-Control": cache_control, "Vary": "Accept-Encoding"}
        if self.etag in _etags(request.headers.get("if-none-match", "")):
            return Response(status_code=304, headers=headers)
        if self.gzipped is not None and "gzip" in request.headers.get("accept-encoding", ""):
            headers["Content-Encoding"] = "gzip"
            return Response(self.gzipped, media_type=self.media_type, headers=headers)
        return Response(self.body, media_type=self.media_type, headers=headers)


class PageCache:
    def __init__(self) -> None:
        self._pages: dict[str, Page] = {}

    def __len__(self) -> int:
        return len(self._pages)

    def get(
        self, key: str, render: Callable[[], str | bytes], media_type: str, route: str = ""
    ) -> Page:
        page = self._pages.get(key)
        if page is None:
            rendered = render()
            body = rendered.encode() if isinstance(rendered, str) else rendered
            page = self._pages[key] = Page.of(body, media_type, route)
        return page

    def peek(self, key: str) -> Page | None:
        return self._pages.get(key)

    def clear(self) -> None:
        self._pages.clear()


def _etags(header: str) -> set[str]:
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}


@dataclass(frozen=True)
class RouteLabel:
    """Stands in for the route in the scope when the router was skipped."""

    path: str


class CachedPagesMiddleware:
    """Answers a GET for an HTML page already in the cache without routing the request.

    It sits inside the security, rate-limit and reader middleware, so a cached page gets
    the same headers as any other response; only FastAPI's routing and dependency
    injection, which would produce the same bytes, are skipped.
    """

    def __init__(self, app: ASGIApp, pages: PageCache) -> None:
        self.app = app
        self.pages = pages

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            page = self.pages.peek(scope["path"])
            if page is not None and page.media_type.startswith("text/html"):
                scope["route"] = RouteLabel(page.route)
                await page.respond(Request(scope))(scope, receive, send)
                return
        await self.app(scope, receive, send)
