"""HTTPS behind a TLS-terminating proxy: trusted proxy headers, redirects, HSTS, hosts."""

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response
from starlette.datastructures import MutableHeaders
from starlette.middleware.httpsredirect import HTTPSRedirectMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

# The proxies whose X-Forwarded-* headers are believed, and the names the API answers to.
TRUSTED_PROXIES = ["127.0.0.1"]
ALLOWED_HOSTS = ["api.example.com", "localhost", "127.0.0.1"]
# Two years, every subdomain: browsers use https:// for the host without asking first.
HSTS = "max-age=63072000; includeSubDomains"
# Answered over plain http too: the API's description, which carries no secret.
PLAIN_HTTP_PATHS = frozenset({"/openapi.json"})


class HTTPSRedirect(HTTPSRedirectMiddleware):
    """Starlette's redirect to https, except for reading the paths in ``exempt``.

    Tools read the schema from inside the network, often over plain http: a docs page,
    a client generator in CI, a gateway. Only GET and HEAD pass, and only there.
    """

    def __init__(self, app: ASGIApp, exempt: frozenset[str] = PLAIN_HTTP_PATHS) -> None:
        super().__init__(app)
        self.exempt = exempt

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] in ("GET", "HEAD")
            and route_path(scope) in self.exempt
        ):
            await self.app(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def route_path(scope: Scope) -> str:
    """The path within the app, also when it is served under a prefix (``root_path``)."""
    path, root = scope["path"], scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


class HSTSMiddleware:
    """Add Strict-Transport-Security to responses that went out over HTTPS."""

    def __init__(self, app: ASGIApp, value: str = HSTS) -> None:
        self.app = app
        self.value = value

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["scheme"] != "https":
            await self.app(scope, receive, send)  # browsers ignore HSTS sent over http
            return

        async def send_with_hsts(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["Strict-Transport-Security"] = self.value
            await send(message)

        await self.app(scope, receive, send_with_hsts)


class ForwardedHostMiddleware:
    """Use X-Forwarded-Host as the Host when a trusted proxy sends it.

    Needed only for proxies that rewrite Host; most pass it through unchanged.
    """

    def __init__(self, app: ASGIApp, trusted_hosts: list[str]) -> None:
        self.app = app
        self.trusted_hosts = set(trusted_hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        if scope["type"] == "http" and client and client[0] in self.trusted_hosts:
            forwarded = dict(scope["headers"]).get(b"x-forwarded-host")
            if forwarded:
                headers = [(k, v) for k, v in scope["headers"] if k != b"host"]
                scope = {**scope, "headers": [*headers, (b"host", forwarded)]}
        await self.app(scope, receive, send)


def add_https_middleware(app: FastAPI) -> None:
    """The last one added runs first: read proxy headers, check the host, then redirect."""
    app.add_middleware(HSTSMiddleware)
    app.add_middleware(HTTPSRedirect)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=ALLOWED_HOSTS)
    app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=TRUSTED_PROXIES)
    app.add_middleware(ForwardedHostMiddleware, trusted_hosts=TRUSTED_PROXIES)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.items = ["Notebook", "Fountain pen"]
    yield


def create_app() -> FastAPI:
    app = FastAPI(title="HTTPS", lifespan=lifespan)
    add_https_middleware(app)

    @app.get("/items")
    async def list_items(request: Request) -> dict[str, object]:
        return {
            "items": request.app.state.items,
            "self": str(request.url_for("list_items")),  # https://, from X-Forwarded-Proto
        }

    @app.post("/session")
    async def start_session(response: Response) -> dict[str, str]:
        # __Host- cookies must be Secure, have Path=/ and no Domain: browsers enforce it.
        response.set_cookie(
            "__Host-session",
            secrets.token_urlsafe(32),
            secure=True,  # never sent over plain http
            httponly=True,  # not readable from JavaScript
            samesite="lax",
            path="/",
        )
        return {"status": "signed in"}

    return app
