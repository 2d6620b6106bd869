"""Rendered pages kept in memory, with ETags, 304s and gzip done once per page.

A page's HTML depends only on the catalogue (not on the reader: the reader cookie is a
header), so it is rendered on first request and served from memory until the content
is reloaded. Its gzip-compressed bytes and ETag are computed at the same time.
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Scope

from kb.lru import LRU

MIN_GZIP = 512  # bytes: below this, compressing costs more than it saves


@dataclass(frozen=True)
class Page:
    body: bytes
    gzipped: bytes | None
    etag: str
    media_type: str
    route: str = ""  # the route template that made it, for metrics and logs
    vary: str = "Accept-Encoding"
    cache_control: str = "no-cache"
    _plain: list[tuple[bytes, bytes]] = field(init=False, repr=False, compare=False)
    _zipped: list[tuple[bytes, bytes]] | None = field(init=False, repr=False, compare=False)
    _not_modified: list[tuple[bytes, bytes]] = field(init=False, repr=False, compare=False)
    html: bool = field(init=False, repr=False, compare=False)

    @classmethod
    def of(
        cls,
        body: bytes,
        media_type: str,
        route: str = "",
        vary: str = "",
        cache_control: str = "no-cache",
    ) -> Page:
        etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
        gzipped = gzip.compress(body, compresslevel=6, mtime=0) if len(body) >= MIN_GZIP else None
        vary = ", ".join(filter(None, [vary, "Accept-Encoding"]))
        return cls(body, gzipped, etag, media_type, route, vary, cache_control)

    def __post_init__(self) -> None:
        # The raw headers of each answer, built once: the front door sends a page from
        # memory with no header made or looked up per request.
        common = [
            (b"etag", self.etag.encode()),
            (b"cache-control", self.cache_control.encode()),
            (b"vary", self.vary.encode()),
        ]
        content_type = (b"content-type", _content_type(self.media_type))
        plain = [content_type, (b"content-length", b"%d" % len(self.body)), *common]
        zipped = None
        if self.gzipped is not None:
            zipped = [
                content_type,
                (b"content-length", b"%d" % len(self.gzipped)),
                (b"content-encoding", b"gzip"),
                *common,
            ]
        object.__setattr__(self, "_plain", plain)
        object.__setattr__(self, "_zipped", zipped)
        object.__setattr__(self, "_not_modified", common)
        object.__setattr__(self, "html", self.media_type.startswith("text/html"))

    def answer(
        self, if_none_match: bytes, accept_encoding: bytes
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        """Status, raw headers and body for a request with these two headers."""
        if if_none_match and self.etag in _etags(if_none_match.decode("latin-1")):
            return 304, self._not_modified, b""
        if self._zipped is not None and b"gzip" in accept_encoding:
            return 200, self._zipped, self.gzipped or b""
        return 200, self._plain, self.body

    def respond(self, request: Request, cache_control: str | None = None) -> Response:
        """200 with the (compressed, when accepted) body, or 304 when the ETag matches."""
        status, headers, body = self.answer(
            request.headers.get("if-none-match", "").encode("latin-1"),
            request.headers.get("accept-encoding", "").encode("latin-1"),
        )
        if cache_control is not None:
            headers = [
                (name, cache_control.encode() if name == b"cache-control" else value)
                for name, value in headers
            ]
        response = Response(status_code=status)
        response.body = body
        response.raw_headers = list(headers)
        return response


class PageCache:
    """Responses by key; with ``max_size``, the least recently used go first."""

    def __init__(self, max_size: int = 0) -> None:
        self._pages: LRU[str, Page] = LRU(max_size)

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
        return self._pages.put(key, page)

    def peek(self, key: str) -> Page | None:
        return self._pages.get(key)

    def clear(self) -> None:
        self._pages.clear()


def request_key(scope: Scope, headers: Mapping[bytes, bytes] | None = None) -> str:
    """What a search response depends on: the URL, the host (absolute URLs in the JSON)
    and whether htmx asked for a fragment or a whole page. ``headers``: the request's,
    as a dict already made (the front door has one)."""
    if headers is None:
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


def _content_type(media_type: str) -> bytes:
    if media_type.startswith("text/") and "charset" not in media_type:
        media_type += "; charset=utf-8"
    return media_type.encode("latin-1")
