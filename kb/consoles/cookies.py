"""Cookie jars: the cookies an example sets, sent back by the next request as a browser would.

One jar serves an entry's try blocks, in ``kb check`` (one per run) and in the console
(one per reader and entry, kept while the reader's sandbox of the example lives, emptied
by the entry's Reset). The rules are the standard library's :mod:`http.cookiejar`:
paths, expiry, ``Max-Age=0`` deleting a cookie. The console's requests never leave the
process, so the jar treats them as a browser treats ``localhost``: ``Secure`` cookies are
kept and sent even though the example is called over plain HTTP.
"""

from __future__ import annotations

import urllib.request
import weakref
from collections.abc import Sequence
from http.cookiejar import Cookie, CookieJar, DefaultCookiePolicy
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from kb.lru import LRU

if TYPE_CHECKING:
    from kb.consoles.requests import ConsoleRequest

# A jar is bounded as a browser bounds one site's cookies (fewer: an example needs few).
MAX_COOKIES = 50
MAX_COOKIE_BYTES = 4096  # name and value together, as browsers count one cookie


class _Policy(DefaultCookiePolicy):
    def __init__(self, jar: Jar) -> None:
        super().__init__()
        self._jar = jar

    def set_ok(self, cookie: Cookie, request: urllib.request.Request) -> bool:
        if len(cookie.name) + len(cookie.value or "") > MAX_COOKIE_BYTES:
            return False
        if len(self._jar) >= MAX_COOKIES and not self._jar.holds(cookie):
            return False
        return bool(super().set_ok(cookie, request))


class _Headers:
    """The ``info()`` of a response as :meth:`CookieJar.extract_cookies` reads it."""

    def __init__(self, set_cookies: list[str]) -> None:
        self._set_cookies = set_cookies

    def get_all(self, name: str, default: list[str]) -> list[str]:
        return self._set_cookies if name.lower() == "set-cookie" else default


class _Reply:
    def __init__(self, set_cookies: list[str]) -> None:
        self._headers = _Headers(set_cookies)

    def info(self) -> _Headers:
        return self._headers


def _request(origin: str, path: str) -> urllib.request.Request:
    # https: the console is a secure context, as localhost is to a browser (see above).
    return urllib.request.Request(f"https://{urlsplit(origin).netloc}{path}")


class Jar:
    def __init__(self) -> None:
        self._cookies = CookieJar(_Policy(self))
        # What the reader's consoles captured ({{name}}), for a page loaded again.
        self.captured: dict[str, str] = {}

    def __len__(self) -> int:
        return len(self._cookies)

    def holds(self, cookie: Cookie) -> bool:
        """Whether the jar has a cookie that ``cookie`` replaces (same name, domain, path)."""
        return any(
            (kept.name, kept.domain, kept.path) == (cookie.name, cookie.domain, cookie.path)
            for kept in self._cookies
        )

    def names(self) -> list[str]:
        return sorted({cookie.name for cookie in self._cookies})

    def header(self, origin: str, path: str) -> str:
        """The Cookie header a browser sends with a request for ``path``: ``a=1; b=2``."""
        if not len(self._cookies):
            return ""
        request = _request(origin, path)
        self._cookies.add_cookie_header(request)
        return request.get_header("Cookie") or ""

    def send_with(self, request: ConsoleRequest, origin: str) -> ConsoleRequest:
        """``request`` with the cookies the jar has for it."""
        return request.with_cookies(self.header(origin, request.path))

    def keep(
        self, request: ConsoleRequest, headers: Sequence[tuple[str, str]], origin: str
    ) -> None:
        """Keep the cookies of a response (its headers) to ``request``."""
        set_cookies = [value for name, value in headers if name.lower() == "set-cookie"]
        if set_cookies:
            self._cookies.extract_cookies(_Reply(set_cookies), _request(origin, request.path))  # type: ignore[arg-type]

    def clear(self) -> None:
        self._cookies.clear()
        self.captured.clear()


class Jars:
    """Each reader's jar for each entry, for as long as the reader's sandbox lives: a
    new sandbox (after a Reset, an eviction or a restart) starts with an empty jar, as
    the sessions the old cookies named are gone with it. So do the values the reader's
    consoles captured (``Jar.captured``): the tokens and ids they hold name the old
    sandbox's data."""

    def __init__(self, max_jars: int = 4096) -> None:
        self._jars: LRU[tuple[str, str], tuple[weakref.ref[object], Jar]] = LRU(max_jars)

    def of(self, reader: str, slug: str, sandbox: object) -> Jar:
        key = (reader, slug)
        kept = self._jars.get(key)
        if kept is not None and kept[0]() is sandbox:
            return kept[1]
        jar = Jar()
        self._jars.put(key, (weakref.ref(sandbox), jar))
        return jar

    def forget(self, reader: str, slug: str) -> None:
        self._jars.pop((reader, slug))
