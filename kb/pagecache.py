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

MIN_GZIP = 512  # bytes: below this, compressing costs more than it saves


@dataclass(frozen=True)
class Page:
    body: bytes
    gzipped: bytes | None
    etag: str
    media_type: str

    @classmethod
    def of(cls, body: bytes, media_type: str) -> Page:
        etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
        gzipped = gzip.compress(body, compresslevel=6, mtime=0) if len(body) >= MIN_GZIP else None
        return cls(body, gzipped, etag, media_type)

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

    def get(self, key: str, render: Callable[[], str | bytes], media_type: str) -> Page:
        page = self._pages.get(key)
        if page is None:
            rendered = render()
            body = rendered.encode() if isinstance(rendered, str) else rendered
            page = self._pages[key] = Page.of(body, media_type)
        return page

    def clear(self) -> None:
        self._pages.clear()


def _etags(header: str) -> set[str]:
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}
