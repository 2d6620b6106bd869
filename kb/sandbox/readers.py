"""Who is reading: an anonymous reader id in a signed, HttpOnly, SameSite=Lax cookie.

The id chooses the reader's own sandboxes of the example apps. It carries no personal
data; the signature only stops a reader from picking someone else's id.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from functools import lru_cache

from starlette.types import Scope

COOKIE = "kb_reader"
PUBLIC = "public"  # readers without the cookie (curl, API clients) share one sandbox
_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
MAX_AGE = 30 * 24 * 3600


def sign(reader: str, secret: str) -> str:
    # Keyed BLAKE2b (RFC 7693) is a MAC of its own, with HMAC-SHA256's 128-bit tag here:
    # a browser's first page signs a new id, and HMAC took 2.5 µs of it against 0.7 µs.
    mac = hashlib.blake2b(reader.encode(), key=_key(secret), digest_size=16).hexdigest()
    return f"{reader}.{mac}"


@lru_cache(maxsize=8)
def _key(secret: str) -> bytes:
    """The secret as a BLAKE2b key: keys are at most 64 bytes, a secret may be longer."""
    return hashlib.blake2b(secret.encode(), person=b"kb-reader").digest()


def verify(value: str, secret: str) -> str | None:
    """The reader id in a cookie value, or None when it is not one this KB signed."""
    reader, _, mac = value.partition(".")
    if not _ID.match(reader) or not mac:
        return None
    return reader if hmac.compare_digest(sign(reader, secret), value) else None


def reader_of(scope: Scope) -> str:
    """The reader :class:`kb.middleware.frontdoor.FrontDoor` found for this request."""
    reader: str = scope.get("state", {}).get("reader", PUBLIC)
    return reader


def reader_cookie_of(scope: Scope) -> str:
    """The reader's signed cookie value as the request sent it; "" for the public reader."""
    cookie: str = scope.get("state", {}).get("reader_cookie", "")
    return cookie


def reader_in(headers: list[tuple[bytes, bytes]], secret: str) -> tuple[str, str] | None:
    """The reader id and its signed cookie value from the request's Cookie headers, or
    None when no ``kb_reader`` cookie there is one this KB signed."""
    for name, value in headers:
        if name == b"cookie":
            found = reader_in_cookie_header(value, secret)
            if found is not None:
                return found
    return None


def reader_in_cookie_header(value: bytes, secret: str) -> tuple[str, str] | None:
    """:func:`reader_in` for one Cookie header's value, remembered when it names a reader.

    A browser sends the same header with every request: found once, it costs a dict
    lookup after that. Only headers of at most 1 kB with a cookie this KB signed take a
    place, so forged or stale cookies, however many, push no reader out, and however
    long the headers sent, what is kept stays under 5 MB.
    """
    key = (value, secret)
    known = _known.get(key)
    if known is not None:
        return known
    if _WANTED not in value:
        return None
    cookie = _in_header(value)
    # Longer than any value sign() makes: refused unchecked.
    reader = verify(cookie, secret) if cookie and len(cookie) <= 64 + 1 + 32 else None
    if reader is None:
        return None
    if len(value) <= _KNOWN_HEADER_MAX:
        if len(_known) >= _KNOWN_MAX:
            # Started again rather than the oldest dropped: one step, safe in any thread;
            # the readers still browsing are each verified once more.
            _known.clear()
        _known[key] = (reader, cookie)
    return reader, cookie


_WANTED = COOKIE.encode() + b"="
_KNOWN_MAX = 4096
_KNOWN_HEADER_MAX = 1024
_known: dict[tuple[bytes, str], tuple[str, str]] = {}


def _in_header(value: bytes) -> str:
    for pair in value.split(b";"):
        pair = pair.strip()
        if pair.startswith(_WANTED):
            # The values this KB signs are plain ASCII; anything else is forged.
            return pair[len(_WANTED) :].decode("latin-1")
    return ""


def new_reader() -> str:
    return secrets.token_urlsafe(18)


def set_cookie(reader: str, secret: str, https: bool) -> bytes:
    """The Set-Cookie value that gives a browser its reader id."""
    secure = "; Secure" if https else ""
    return (
        f"{COOKIE}={sign(reader, secret)}; Path=/; Max-Age={MAX_AGE}; HttpOnly; SameSite=Lax{secure}"
    ).encode("latin-1")
