"""async def vs def, never blocking the loop, threads for blocking code, fan-out and timeouts."""

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, NamedTuple

import anyio
from fastapi import FastAPI, HTTPException, Query, Request, status
from pydantic import BaseModel


class Supplier(NamedTuple):
    """A simulated upstream API: fixed latency, fixed prices (in cents)."""

    name: str
    latency: float  # seconds
    prices: tuple[tuple[str, int], ...]


SUPPLIERS = (
    Supplier("acme", 0.010, (("widget", 1250), ("gadget", 4000))),
    Supplier("globex", 0.020, (("widget", 1190), ("gadget", 4150))),
    Supplier("initech", 0.030, (("widget", 1320), ("gadget", 3990))),
)
SKUS = frozenset(sku for supplier in SUPPLIERS for sku, _ in supplier.prices)


class Quote(BaseModel):
    supplier: str
    price_cents: int


class QuoteSet(BaseModel):
    sku: str
    quotes: list[Quote]
    best: Quote
    elapsed_ms: float  # measured, so it varies from run to run


class Report(BaseModel):
    sku: str
    lines: int
    elapsed_ms: float


async def ask_supplier(supplier: Supplier, sku: str) -> Quote:
    """A non-blocking upstream call: while it waits, the event loop serves other requests."""
    await asyncio.sleep(supplier.latency)  # stands in for `await client.get(...)`
    return Quote(supplier=supplier.name, price_cents=dict(supplier.prices)[sku])


def render_report(sku: str) -> int:
    """Blocking work, e.g. a sync SDK or file I/O. Never call it directly from `async def`."""
    time.sleep(0.01)
    return len(sku) * 10


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    # At most 4 threads run the blocking SDK at once, whatever the request load.
    app.state.report_limiter = anyio.CapacityLimiter(4)
    yield


def create_app() -> FastAPI:
    app = FastAPI(title="Async/await", lifespan=lifespan)

    @app.get("/quotes/{sku}")
    async def get_quotes(
        sku: str,
        budget_ms: Annotated[int, Query(ge=1, le=1000, description="Time allowed.")] = 500,
    ) -> QuoteSet:
        if sku not in SKUS:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"Unknown SKU {sku!r}.")
        started = time.perf_counter()
        try:
            async with asyncio.timeout(budget_ms / 1000):
                quotes = await asyncio.gather(*(ask_supplier(s, sku) for s in SUPPLIERS))
        except TimeoutError:
            raise HTTPException(
                status.HTTP_504_GATEWAY_TIMEOUT,
                f"Suppliers did not answer within {budget_ms} ms.",
            ) from None
        elapsed_ms = (time.perf_counter() - started) * 1000
        best = min(quotes, key=lambda quote: quote.price_cents)
        return QuoteSet(sku=sku, quotes=quotes, best=best, elapsed_ms=round(elapsed_ms, 1))

    @app.get("/reports/{sku}")
    async def get_report(sku: str, request: Request) -> Report:
        # Offload blocking work to a worker thread; the event loop stays free meanwhile.
        started = time.perf_counter()
        lines = await anyio.to_thread.run_sync(
            render_report, sku, limiter=request.app.state.report_limiter
        )
        elapsed_ms = (time.perf_counter() - started) * 1000
        return Report(sku=sku, lines=lines, elapsed_ms=round(elapsed_ms, 1))

    @app.get("/legacy/{sku}")
    def get_legacy_report(sku: str) -> Report:
        # A plain `def` endpoint: FastAPI already runs it in a worker thread.
        started = time.perf_counter()
        lines = render_report(sku)
        elapsed_ms = (time.perf_counter() - started) * 1000
        return Report(sku=sku, lines=lines, elapsed_ms=round(elapsed_ms, 1))

    return app
