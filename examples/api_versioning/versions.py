"""The versions this API has had, and the middleware that resolves and announces them."""

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from enum import StrEnum
from urllib.parse import quote

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .problems import problem

VERSION_HEADER = "API-Version"
URL_VERSION = re.compile(r"^/(v\d+)(/.*)?$")  # "/v2/orders/1" → "v2", "/orders/1"
HEADER_VERSION = re.compile(r"^v?(\d+)$")  # "API-Version: 2", or "v2"


class Status(StrEnum):
    current = "current"
    deprecated = "deprecated"  # still served, with Deprecation and Sunset headers
    retired = "retired"  # past its sunset: 410 Gone, with a link to its successor


@dataclass(frozen=True)
class ApiVersion:
    name: str
    status: Status
    successor: str | None = None
    deprecated_at: datetime | None = None
    sunset_at: datetime | None = None

    def deprecation_headers(self, successor_url: str, policy_url: str) -> dict[str, str]:
        headers = {"Link": f'<{successor_url}>; rel="successor-version"'}
        if self.deprecated_at is not None:
            # RFC 9745: a structured-field Date, "@" and seconds since the epoch.
            headers["Deprecation"] = f"@{int(self.deprecated_at.timestamp())}"
            headers["Link"] += f', <{policy_url}>; rel="deprecation"'
        if self.sunset_at is not None:
            # RFC 8594: an HTTP-date, as in Expires or Last-Modified.
            headers["Sunset"] = format_datetime(self.sunset_at, usegmt=True)
        return headers


VERSIONS = {
    version.name: version
    for version in (
        ApiVersion(
            "v0",
            Status.retired,
            successor="v2",
            deprecated_at=datetime(2025, 6, 30, 23, 59, 59, tzinfo=UTC),
            sunset_at=datetime(2026, 6, 30, 23, 59, 59, tzinfo=UTC),
        ),
        ApiVersion(
            "v1",
            Status.deprecated,
            successor="v2",
            deprecated_at=datetime(2026, 6, 30, 23, 59, 59, tzinfo=UTC),
            sunset_at=datetime(2027, 6, 30, 23, 59, 59, tzinfo=UTC),
        ),
        ApiVersion("v2", Status.current),
    )
}
SERVED = [name for name, version in VERSIONS.items() if version.status is not Status.retired]


class ApiVersioning:
    """Resolve the version of each request, from its URL or its API-Version header, and
    announce it on the response.

    `/v1/orders` names its version in the URL. `/orders` with `API-Version: 1` is rewritten
    to `/v1/orders` before routing, so both spellings reach the same routes. Paths without
    a version and without the header (`/versions`, `/openapi.json`) pass through as they are.
    """

    def __init__(self, app: ASGIApp, versions: dict[str, ApiVersion] = VERSIONS) -> None:
        self.app = app
        self.versions = versions

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        root_path: str = scope.get("root_path", "")
        path: str = scope["path"].removeprefix(root_path)
        requested = Headers(scope=scope).get(VERSION_HEADER)
        negotiated = False
        if match := URL_VERSION.match(path):
            name, rest = match[1], match[2] or ""
        elif requested is not None:
            number = HEADER_VERSION.match(requested.strip())
            name, rest = (f"v{number[1]}" if number else requested), path
            if name not in self.versions:
                supported = ", ".join(v.removeprefix("v") for v in SERVED)
                detail = f"Unknown {VERSION_HEADER} {requested!r}; this API serves {supported}."
                await problem(400, detail, scope["path"])(scope, receive, send)
                return
            scope = rewritten(scope, f"{root_path}/{name}{path}")
            negotiated = True
        else:
            await self.app(scope, receive, send)
            return
        version = self.versions.get(name)
        if version is None:  # /v9/...: no such routes, the router answers 404
            await self.app(scope, receive, send)
            return
        extra = {VERSION_HEADER: name.removeprefix("v")}
        if version.successor is not None:
            successor_url = f"{root_path}/{version.successor}{rest}"
            extra |= version.deprecation_headers(successor_url, f"{root_path}/versions")
        if version.status is Status.retired:
            detail = f"API version {name} was retired; use {version.successor}."
            await problem(410, detail, scope["path"], extra)(scope, receive, send)
            return

        async def send_with_version(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.update(extra)
                if negotiated:  # the same URL answers differently per header: tell caches
                    headers.add_vary_header(VERSION_HEADER)
            await send(message)

        await self.app(scope, receive, send_with_version)


def rewritten(scope: Scope, path: str) -> Scope:
    """The same request, routed as if it had been sent to `path`."""
    return {**scope, "path": path, "raw_path": quote(path).encode()}
