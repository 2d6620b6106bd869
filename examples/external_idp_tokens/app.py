"""Accepting access tokens from an external identity provider: discovery, a cached JWKS
that follows key rotation, and every claim checked."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, TypedDict

import httpx2
from fastapi import FastAPI, Request
from pydantic import BaseModel

from . import idp
from .auth import ISSUER, ReportReader
from .jwks import JWKSCache
from .problems import EXCEPTION_HANDLERS

REPORTS = [
    {"id": 1, "title": "Revenue by region, October"},
    {"id": 2, "title": "Churn, third quarter"},
]


class State(TypedDict):
    keys: JWKSCache


class Reports(BaseModel):
    caller: str
    reports: list[dict[str, Any]]


class KeyCacheStatus(BaseModel):
    kids: list[str]
    fetches: int


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[State]:
    # The provider is reached in process (no network); in production, drop `transport`.
    transport = httpx2.ASGITransport(app=app.state.provider.app)
    async with httpx2.AsyncClient(transport=transport, timeout=httpx2.Timeout(5.0)) as client:
        # OpenID Connect discovery: where the keys are. The document must name the very
        # issuer we trust, or it is someone else's.
        config = (await client.get(f"{ISSUER}/.well-known/openid-configuration")).json()
        if config.get("issuer") != ISSUER:
            raise RuntimeError(f"discovery names issuer {config.get('issuer')!r}, not {ISSUER!r}")
        yield {"keys": JWKSCache(client, config["jwks_uri"])}


def create_app() -> FastAPI:
    app = FastAPI(
        title="Tokens from an external identity provider",
        lifespan=lifespan,
        exception_handlers=EXCEPTION_HANDLERS,
    )
    # The fake provider, mounted so that the page's consoles can ask it for tokens.
    app.state.provider = idp.FakeIdentityProvider()
    app.mount("/fake-idp", app.state.provider.app)

    @app.get("/reports")
    async def list_reports(caller: ReportReader) -> Reports:
        return Reports(caller=caller.sub, reports=REPORTS)

    @app.get("/auth/keys")
    async def key_cache(request: Request) -> KeyCacheStatus:
        """Demo only: which kids this API has cached, and how often it fetched the JWKS."""
        keys: JWKSCache = request.state.keys
        return KeyCacheStatus(kids=sorted(keys.keys), fetches=keys.fetches)

    return app
