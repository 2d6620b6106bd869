"""Outbound HTTP: one AsyncClient for the app's life, timeouts, retries, a circuit breaker."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, TypedDict

import httpx2
from fastapi import Depends, FastAPI, HTTPException, Path, Request, status
from pydantic import BaseModel

from .problems import EXCEPTION_HANDLERS
from .remote import Mode, Remote, TimedASGITransport
from .upstream import TIMEOUT, CircuitBreaker, Retry, Upstream


class State(TypedDict):
    upstream: Upstream
    remote: Remote


class Quote(BaseModel):
    country: str
    cents: int


class ShipmentIn(BaseModel):
    country: str


class Shipment(BaseModel):
    id: int
    country: str


class UpstreamStatus(BaseModel):
    breaker: str
    consecutive_failures: int
    remote_mode: Mode
    remote_calls: int


class ModeIn(BaseModel):
    mode: Mode


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[State]:
    remote = Remote()  # in production: nothing here, the remote runs elsewhere
    # One client for the app's whole life: it keeps connections open and reuses them
    # (keep-alive, TLS sessions) across requests; `async with` closes them at shutdown.
    async with httpx2.AsyncClient(
        base_url="https://rates.example",
        timeout=TIMEOUT,
        transport=TimedASGITransport(app=remote.app),  # in production: leave it out
        headers={"User-Agent": "shop-api/1.0"},
    ) as client:
        upstream = Upstream(client, Retry(attempts=3), CircuitBreaker(threshold=3, cooldown=30))
        yield {"upstream": upstream, "remote": remote}


def get_upstream(request: Request) -> Upstream:
    upstream: Upstream = request.state.upstream
    return upstream


UpstreamDep = Annotated[Upstream, Depends(get_upstream)]
Country = Annotated[str, Path(pattern="^[A-Z]{2}$", description="ISO 3166-1 alpha-2 code.")]


def create_app() -> FastAPI:
    app = FastAPI(
        title="Outbound HTTP clients", lifespan=lifespan, exception_handlers=EXCEPTION_HANDLERS
    )

    @app.get("/quotes/{country}")
    async def read_quote(country: Country, upstream: UpstreamDep) -> Quote:
        response = await upstream.request("GET", f"/rates/{country}")
        if response.status_code == status.HTTP_404_NOT_FOUND:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"No shipping rate for {country}.")
        response.raise_for_status()  # anything else unexpected is our bug: a 500
        return Quote.model_validate(response.json())

    @app.post("/shipments", status_code=status.HTTP_201_CREATED)
    async def create_shipment(shipment: ShipmentIn, upstream: UpstreamDep) -> Shipment:
        # A POST is sent once: if it times out, it may still have been created.
        response = await upstream.request("POST", "/shipments", json=shipment.model_dump())
        response.raise_for_status()
        return Shipment.model_validate(response.json())

    @app.get("/upstream")
    async def read_upstream(request: Request) -> UpstreamStatus:
        """The breaker's state and the remote's call count: what you would put on a dashboard."""
        upstream: Upstream = request.state.upstream
        remote: Remote = request.state.remote
        return UpstreamStatus(
            breaker=upstream.breaker.state,
            consecutive_failures=upstream.breaker.failures,
            remote_mode=remote.mode,
            remote_calls=remote.calls,
        )

    @app.put("/upstream/mode")
    async def set_remote_mode(change: ModeIn, request: Request) -> UpstreamStatus:
        """Demo only: make the remote slow or failing."""
        request.state.remote.set_mode(change.mode)
        return await read_upstream(request)

    return app
