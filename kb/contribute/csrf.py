"""CSRF protection for forms: a signed token in a cookie and in a hidden field (double submit).

A token is ``nonce.issued.mac``: HMAC-SHA256 of the nonce and the issue time under the
KB's secret key. A POST is accepted when the form's token equals the cookie's, the
signature is right and the token is not older than ``max_age``. Another site can make a
browser send the cookie, but cannot read it to put the same value in the form.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response

COOKIE = "kb_csrf"
FIELD = "csrf_token"
MAX_AGE = 12 * 3600


class CsrfTokens:
    def __init__(
        self, secret: str, max_age: int = MAX_AGE, clock: Callable[[], float] = time.time
    ) -> None:
        self._key = secret.encode()
        self.max_age = max_age
        self.clock = clock

    def issue(self) -> str:
        payload = f"{secrets.token_urlsafe(18)}.{int(self.clock())}"
        return f"{payload}.{self._mac(payload)}"

    def valid(self, token: str) -> bool:
        payload, _, mac = token.rpartition(".")
        _, _, issued = payload.partition(".")
        if not mac or not issued.isdigit() or not hmac.compare_digest(mac, self._mac(payload)):
            return False
        return 0 <= self.clock() - int(issued) <= self.max_age

    def for_request(self, request: Request) -> str:
        """The request's own valid token (so open tabs keep working), or a new one."""
        current = request.cookies.get(COOKIE, "")
        return current if self.valid(current) else self.issue()

    def problem(self, request: Request, submitted: str) -> str | None:
        """Why a POST fails the check, or None when it passes."""
        cookie = request.cookies.get(COOKIE, "")
        if not cookie:
            return (
                "This form has no CSRF cookie: your browser did not send it back. "
                "Allow cookies for this site and reload the page."
            )
        if not submitted or not hmac.compare_digest(cookie, submitted):
            return (
                "This form's CSRF token does not match: it was not sent from this site's page. "
                "Reload the page and send it again."
            )
        if not self.valid(submitted):
            return "This form's CSRF token has expired or is not ours. Reload the page and send it again."
        return None

    def _mac(self, payload: str) -> str:
        return hmac.new(self._key, payload.encode(), hashlib.sha256).hexdigest()[:32]


def set_cookie(response: Response, token: str, request: Request, path: str = "/") -> None:
    response.set_cookie(
        COOKIE,
        token,
        max_age=MAX_AGE,
        path=path,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
