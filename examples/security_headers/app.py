"""Security headers on every response, from one pure ASGI middleware, with per-route overrides."""

import base64
import hashlib
import re
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from http import HTTPStatus

from fastapi import FastAPI, HTTPException, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

# For a JSON API: nothing on a response may load anything, run anything or be framed.
API_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",  # for browsers older than CSP's frame-ancestors
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}
# Two years, every subdomain; browsers ignore it when it arrives over plain http.
HSTS = "max-age=63072000; includeSubDomains"
# The proxies whose X-Forwarded-Proto is believed: the scheme decides whether HSTS is sent.
TRUSTED_PROXIES = ["127.0.0.1"]

SWAGGER_CDN = "https://cdn.jsdelivr.net"
INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)


class SecurityHeadersMiddleware:
    """Add the security headers to every HTTP response that has not set its own."""

    def __init__(
        self, app: ASGIApp, headers: Mapping[str, str] = API_HEADERS, hsts: str = HSTS
    ) -> None:
        self.app = app
        self.headers = dict(headers)
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = scope["scheme"] == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    headers.setdefault(name, value)  # a route's own value wins
                if https:
                    headers.setdefault("Strict-Transport-Security", self.hsts)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def script_hashes(html: bytes) -> str:
    """CSP source expressions that allow exactly the inline scripts of this page."""
    digests = (hashlib.sha256(script).digest() for script in INLINE_SCRIPT.findall(html))
    return " ".join(f"'sha256-{base64.b64encode(digest).decode()}'" for digest in digests)


def docs_policy(html: bytes) -> str:
    """What Swagger UI needs: its files from the CDN, its one inline script, calls to us."""
    return "; ".join(
        [
            "default-src 'none'",
            f"script-src {SWAGGER_CDN} {script_hashes(html)}",
            # Swagger UI sets style attributes; a style cannot run code.
            f"style-src {SWAGGER_CDN} 'unsafe-inline'",
            "img-src 'self' data: https://fastapi.tiangolo.com",
            "connect-src 'self'",  # "Try it out" calls this API
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "form-action 'none'",
        ]
    )


class Profile(BaseModel):
    id: str
    display_name: str


async def http_problem(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    body = {
        "type": "about:blank",
        "title": HTTPStatus(exc.status_code).phrase,
        "status": exc.status_code,
        "detail": str(exc.detail),
        "instance": request.url.path,
    }
    return JSONResponse(
        body, exc.status_code, headers=exc.headers, media_type="application/problem+json"
    )


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.profiles = {"usr_3c9e1f70": Profile(id="usr_3c9e1f70", display_name="Alice")}
    yield


def create_app() -> FastAPI:
    # docs_url=None: the docs page below replaces FastAPI's, to send its own policy.
    app = FastAPI(
        title="Security headers",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        exception_handlers={StarletteHTTPException: http_problem},
    )
    # The last added runs first: the proxy headers set the scheme the headers look at.
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=TRUSTED_PROXIES)

    @app.get("/profiles/{profile_id}")
    async def read_profile(profile_id: str, request: Request) -> Profile:
        profile = request.app.state.profiles.get(profile_id)
        if profile is None:
            raise HTTPException(404, f"Profile {profile_id} not found.")
        return profile

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root_path = request.scope.get("root_path", "").rstrip("/")
        page = get_swagger_ui_html(
            openapi_url=f"{root_path}{app.openapi_url}", title=f"{app.title} - Swagger UI"
        )
        # Set here, so the middleware leaves it alone; every other header still applies.
        page.headers["Content-Security-Policy"] = docs_policy(bytes(page.body))
        return page

    return app
