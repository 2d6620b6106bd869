"""Static files under content-hashed names, cached by browsers for a year.

Templates ask for ``asset("site.css")`` and get ``/static/site.3f2a1b9c.css``: the name
changes whenever the file does, so the response can be ``immutable``. The plain name
still works (revalidated on each use), for links from outside.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from pathlib import Path

from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from kb.content.highlight import stylesheet

IMMUTABLE = "public, max-age=31536000, immutable"
_HASHED = re.compile(r"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{10})(?P<suffix>\.[A-Za-z0-9]+)$")


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:10]


class Assets:
    """Every file under ``static_dir`` with its hashed name."""

    def __init__(self, static_dir: Path, prefix: str = "/static") -> None:
        self.prefix = prefix
        self.hashed: dict[str, str] = {}  # "site.css" -> "site.3f2a1b9c0d.css"
        self.original: dict[str, str] = {}  # and back
        for path in sorted(static_dir.rglob("*")):
            if path.is_file():
                name = path.relative_to(static_dir).as_posix()
                stem, dot, suffix = name.rpartition(".")
                hashed = f"{stem}.{digest(path.read_bytes())}.{suffix}" if dot else name
                self.hashed[name] = hashed
                self.original[hashed] = name

    def url(self, name: str) -> str:
        """The URL of a static file under its hashed name (KeyError if there is none)."""
        return f"{self.prefix}/{self.hashed[name]}"

    def resolve(self, requested: str) -> tuple[str, bool]:
        """The file to serve for a requested name, and whether the name was hashed."""
        if requested in self.original and _HASHED.match(requested):
            return self.original[requested], True
        return requested, False


class HashedStaticFiles(StaticFiles):
    def __init__(self, *, assets: Assets, directory: Path) -> None:
        super().__init__(directory=directory)
        self.assets = assets

    async def get_response(self, path: str, scope: Scope) -> Response:
        name, immutable = self.assets.resolve(path)
        response = await super().get_response(name, scope)
        if response.status_code in (200, 304):
            response.headers["Cache-Control"] = IMMUTABLE if immutable else "no-cache"
        return response


@lru_cache(maxsize=1)
def stylesheet_url() -> str:
    """The stylesheet's URL, versioned by its content so that it can be cached for good."""
    return f"/highlight.css?v={digest(stylesheet().encode())}"
