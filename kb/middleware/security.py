"""Security headers, trusted hosts and request-size limits (applied by :mod:`kb.middleware.frontdoor`)."""

from __future__ import annotations

from starlette.types import Message, Receive

# Scripts only from this origin, never inline or eval'd. Styles may be inline: Swagger UI
# sets style attributes, and a style cannot run code.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# ReDoc's page (an example's /redoc) also runs ReDoc's search in a worker that ReDoc's
# own script makes from a blob: URL; only script already running can make one.
REDOC_CONTENT_SECURITY_POLICY = f"{CONTENT_SECURITY_POLICY}; worker-src 'self' blob:"
HSTS = "max-age=31536000; includeSubDomains"

# On every response unless the app set the header itself (an example may have its own).
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"x-frame-options", b"DENY"),
)
HTTPS_HEADERS = (*SECURITY_HEADERS, (b"strict-transport-security", HSTS.encode()))


def security_headers(https: bool) -> tuple[tuple[bytes, bytes], ...]:
    return HTTPS_HEADERS if https else SECURITY_HEADERS


class TrustedHosts:
    """Host names the KB answers to: exact names, ``*.example.com`` and ``*`` for any."""

    def __init__(self, allowed: list[str]) -> None:
        self.any = "*" in allowed
        self.exact = frozenset(host.lower() for host in allowed if not host.startswith("*."))
        self.suffixes = tuple(host[1:].lower() for host in allowed if host.startswith("*."))
        # Host headers exactly as browsers send them for an allowed name: checked by one
        # set lookup. Other spellings (case, a port) take the long way.
        self.exact_headers = frozenset(host.encode("latin-1") for host in self.exact)
        self._seen: dict[bytes, bool] = {}

    def allows(self, host_header: bytes) -> bool:
        if self.any or host_header in self.exact_headers:
            return True
        known = self._seen.get(host_header)
        if known is None:
            known = self._allows(host_header)
            if len(self._seen) < 1024:  # the few Host headers a server sees, not all sent
                self._seen[host_header] = known
        return known

    def _allows(self, host_header: bytes) -> bool:
        host = host_header.decode("latin-1").lower()
        # "[::1]:8000" names the host "[::1]"; "example.com:8000", "example.com".
        host = host[: host.index("]") + 1] if host.startswith("[") and "]" in host else host
        host = host if host.startswith("[") else host.partition(":")[0]
        return host in self.exact or (bool(host) and host.endswith(self.suffixes))


class BodyTooLarge(Exception):
    pass


class BodyLimit:
    """A request body over ``max_bytes`` under the given path prefixes is refused (413);
    an upload (``multipart/form-data``) may have ``max_upload`` bytes instead.

    A declared Content-Length is checked before anything is read. A body of unknown
    length (chunked) is read first, up to the limit, and replayed to the app: the
    example apps behind /examples must never see a half-read body.
    """

    def __init__(self, max_bytes: int, prefixes: tuple[str, ...], max_upload: int = 0) -> None:
        self.max_bytes = max_bytes
        self.max_upload = max_upload
        self.prefixes = prefixes

    def applies(self, path: str) -> bool:
        return bool(self.max_bytes or self.max_upload) and path.startswith(self.prefixes)

    def for_type(self, content_type: bytes) -> BodyLimit:
        """The limit for a body of ``content_type``: ``max_upload`` for a multipart one."""
        if not content_type.lower().startswith(b"multipart/form-data"):
            return self
        return BodyLimit(self.max_upload, self.prefixes)

    @property
    def message(self) -> str:
        size = self.max_bytes
        if size % (1024 * 1024) == 0:
            limit = f"{size // (1024 * 1024)} MiB"
        else:
            limit = f"{size // 1024} KiB" if size % 1024 == 0 else f"{size:,} bytes"
        return f"Request body too large: the limit is {limit}."

    def declared_too_large(self, content_length: bytes) -> bool:
        if not content_length.isdigit():
            return True
        return bool(self.max_bytes) and int(content_length) > self.max_bytes

    async def buffered(self, receive: Receive) -> Receive:
        """A ``receive`` that replays the whole body; :class:`BodyTooLarge` past the limit."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if self.max_bytes and size > self.max_bytes:
                raise BodyTooLarge
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        return replay
