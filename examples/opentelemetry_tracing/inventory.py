"""The inventory service this API calls: another FastAPI app, reached in process.

In production it runs in another process on another host; here it is mounted behind an
``httpx2.ASGITransport`` so the example needs no network. It has its own tracer provider
(its own ``service.name``) and shares only the exporter, as two services share a backend.
"""

import asyncio
import contextvars

from fastapi import FastAPI, HTTPException, status
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.sdk.trace import TracerProvider
from pydantic import BaseModel
from starlette.types import ASGIApp, Receive, Scope, Send

from .telemetry import NO_METRICS

STOCK = {"KETTLE-01": 12, "TEAPOT-02": 0}
BROKEN = "SAMOVAR-03"  # a SKU whose lookup fails: the inventory's database is down


class Stock(BaseModel):
    sku: str
    available: int


class InAnotherProcess:
    """Runs the wrapped app with none of the caller's context variables.

    A call through ASGITransport runs in the caller's task, so the caller's current span
    would leak in through contextvars. A real service only learns about the trace from
    the ``traceparent`` header; starting from an empty context makes this one do the same.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await asyncio.create_task(self.app(scope, receive, send), context=contextvars.Context())


def create_inventory(provider: TracerProvider) -> ASGIApp:
    inventory = FastAPI(title="Inventory")

    @inventory.get("/stock/{sku}")
    async def read_stock(sku: str) -> Stock:
        if sku == BROKEN:
            raise RuntimeError("inventory database unavailable")
        if sku not in STOCK:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"unknown SKU {sku}")
        return Stock(sku=sku, available=STOCK[sku])

    FastAPIInstrumentor.instrument_app(
        inventory,
        tracer_provider=provider,
        meter_provider=NO_METRICS,
        exclude_spans=["receive", "send"],
    )
    return InAnotherProcess(inventory)
