"""Rendered pages kept in memory, with ETags, 304s and gzip done once per page.

A page's HTML depends only on the catalogue (not on the reader: the reader cookie is a
header), so it is rendered on first request and served from memory until the content
is reloaded. Its gzip-compressed bytes and ETag are computed at the same time.
"""

from __future__ import annotations

import gzip
import hashlib
from collections import OrderedDict
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
    vary: str = "Accept-Encoding"

    @classmethod
    def of(cls, body: bytes, media_type: str, route: str = "", vary: str = "") -> Page:
        etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
        gzipped = gzip.compress(body, compresslevel=6, mtime=0) if len(body) >= MIN_GZIP else None
        vary = ", ".join(filter(None, [vary, "Accept-Encoding"]))
        return cls(body, gzipped, etag, media_type, route, vary)

    def respond(self, request: Request, cache_control: str = "no-cache") -> Response:
        """200 with the (compressed, when accepted) body, or 304 when the ETag matches."""
        headers = {"ETag": self.etag, "Cache-Control": cache_control, "Vary": self.vary}
        if self.etag in _etags(request.headers.get("if-none-match", "")):
            return Response(status_code=304, headers=headers)
        if self.gzipped is not None and "gzip" in request.headers.get("accept-encoding", ""):
            headers["Content-Encoding"] = "gzip"
            return Response(self.gzipped, media_type=self.media_type, headers=headers)
        return Response(self.body, media_type=self.media_type, headers=headers)


class PageCache:
    """Responses by key; with ``max_size``, the least recently used go first."""

    def __init__(self, max_size: int = 0) -> None:
        self._pages: OrderedDict[str, Page] = OrderedDict()
        self.max_size = max_size

    def __len__(self) -> int:
        return len(self._pages)

    def get(
        self, key: str, render: Callable[[], str | bytes], media_type: str, route: str = ""
    ) -> Page:
        page = self._pages.get(key)
        if page is None:
            rendered = render()
            body = rendered.encode() if isinstance(rendered, str) else rendered
            page = self.put(key, Page.of(body, media_type, route))
        return page

    def put(self, key: str, page: Page) -> Page:
        self._pages[key] = page
        if self.max_size and len(self._pages) > self.max_size:
            self._pages.popitem(last=False)
        return page

    def peek(self, key: str) -> Page | None:
        page = self._pages.get(key)
        if page is not None and self.max_size:
            self._pages.move_to_end(key)
        return page

    def clear(self) -> None:
        self._pages.clear()


def request_key(scope: Scope) -> str:
    """What a search response depends on: the URL, the host (absolute URLs in the JSON)
    and whether htmx asked for a fragment or a whole page."""
    headers = dict(scope["headers"])
    return "|".join(
        [
            scope["path"],
            scope.get("query_string", b"").decode("latin-1"),
            headers.get(b"host", b"").decode("latin-1"),
            headers.get(b"hx-request", b"").decode("latin-1"),
            headers.get(b"hx-history-restore-request", b"").decode("latin-1"),
        ]
    )


def _etags(header: str) -> set[str]:
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}


@dataclass(frozen=True)
class RouteLabel:
    """Stands in for the route in the scope when the router was skipped."""

    path: str


class CachedPagesMiddleware:
    """Answers a GET for a page or a search already in memory without routing the request.

    It sits inside the security, rate-limit and reader middleware, so a cached response
    gets the same headers as any other; only FastAPI's routing, dependency injection and
    rendering, which would produce the same bytes, are skipped.
    """

    def __init__(
        self, app: ASGIApp, pages: PageCache, responses: PageCache, paths: tuple[str, ...]
    ) -> None:
        """``responses`` holds answers keyed by :func:`request_key` for ``paths``."""
        self.app = app
        self.pages = pages
        self.responses = responses
        self.paths = paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            if scope["path"] in self.paths:
                page = self.responses.peek(request_key(scope))
            else:
                page = self.pages.peek(scope["path"])
                page = (
                    page if page is not None and page.media_type.startswith("text/html") else None
                )
            if page is not None:
                scope["route"] = RouteLabel(page.route)
                await page.respond(Request(scope))(scope, receive, send)
                return
        await self.app(scope, receive, send)
