"""Who is reading: an anonymous reader id in a signed, HttpOnly, SameSite=Lax cookie.

The id chooses the reader's own sandboxes of the example apps. It carries no personal
data; the signature only stops a reader from picking someone else's id.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from http.cookies import SimpleCookie

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

COOKIE = "kb_reader"
PUBLIC = "public"  # readers without the cookie (curl, API clients) share one sandbox
_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
MAX_AGE = 30 * 24 * 3600


def sign(reader: str, secret: str) -> str:
    mac = hmac.new(secret.encode(), reader.encode(), hashlib.sha256).hexdigest()[:32]
    return f"{reader}.{mac}"


def verify(value: str, secret: str) -> str | None:
    """The reader id in a cookie value, or None when it is not one this KB signed."""
    reader, _, mac = value.partition(".")
    if not _ID.match(reader) or not mac:
        return None
    return reader if hmac.compare_digest(sign(reader, secret), value) else None


def reader_of(scope: Scope) -> str:
    return scope.get("state", {}).get("reader", PUBLIC)


class ReaderMiddleware:
    """Puts the reader id in ``scope["state"]["reader"]``; gives new browsers a cookie."""

    def __init__(self, app: ASGIApp, secret: str) -> None:
        self.app = app
        self.secret = secret

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cookie = _cookie(scope)
        reader = verify(cookie, self.secret) if cookie else None
        new = reader is None
        state = scope.setdefault("state", {})
        # Without a cookie a request shares the public sandbox; the cookie set on this
        # response gives the next request (a browser's) a sandbox of its own.
        state["reader"] = reader or PUBLIC
        if new:
            state["new_reader"] = secrets.token_urlsafe(18)

        async def send_with_cookie(message: Message) -> None:
            if new and message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                secure = "; Secure" if scope.get("scheme") == "https" else ""
                headers.append(
                    "set-cookie",
                    f"{COOKIE}={sign(state['new_reader'], self.secret)}; Path=/; "
                    f"Max-Age={MAX_AGE}; HttpOnly; SameSite=Lax{secure}",
                )
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def _cookie(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            parsed: SimpleCookie = SimpleCookie()
            try:
                parsed.load(value.decode("latin-1"))
            except Exception:
                return ""
            if COOKIE in parsed:
                return parsed[COOKIE].value
    return ""
