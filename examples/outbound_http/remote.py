"""The shipping-rates service this API calls, in process, with a switch to break it.

In production it is another company's API on the internet. Here it is a FastAPI app
behind an ``httpx2.ASGITransport``, so the example needs no network, and ``Remote.mode``
makes it slow or failing on demand so that the timeouts, retries and the circuit
breaker can be seen working.
"""

import asyncio
import itertools
from enum import StrEnum

import httpx2
from fastapi import FastAPI, HTTPException, status
from pydantic import BaseModel

RATES_CENTS = {"FR": 1250, "DE": 1100, "JP": 4800}
SLOW_SECONDS = 5.0  # far beyond any timeout the client sets
FLAKY_FAILURES = 2  # in "flaky" mode, this many calls fail before it recovers


class Mode(StrEnum):
    ok = "ok"
    flaky = "flaky"  # the next FLAKY_FAILURES calls answer 503, then it works again
    slow = "slow"  # every call hangs
    failing = "failing"  # every call answers 503


class Rate(BaseModel):
    country: str
    cents: int


class ShipmentOrder(BaseModel):
    country: str


class Shipment(BaseModel):
    id: int
    country: str


class Remote:
    """The remote service and the switch that breaks it; counts the calls it receives."""

    def __init__(self) -> None:
        self.mode = Mode.ok
        self.calls = 0
        self.flaky_left = 0
        self.app = self._build()

    def set_mode(self, mode: Mode) -> None:
        self.mode = mode
        self.flaky_left = FLAKY_FAILURES if mode is Mode.flaky else 0

    async def _misbehave(self) -> None:
        self.calls += 1
        if self.mode is Mode.slow:
            await asyncio.sleep(SLOW_SECONDS)
        if self.mode is Mode.failing or (self.mode is Mode.flaky and self.flaky_left > 0):
            self.flaky_left = max(0, self.flaky_left - 1)
            raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "overloaded")

    def _build(self) -> FastAPI:
        app = FastAPI(title="Shipping rates (remote)")
        ids = itertools.count(1)

        @app.get("/rates/{country}")
        async def read_rate(country: str) -> Rate:
            await self._misbehave()
            if country not in RATES_CENTS:
                raise HTTPException(status.HTTP_404_NOT_FOUND, f"no rate for {country}")
            return Rate(country=country, cents=RATES_CENTS[country])

        @app.post("/shipments", status_code=status.HTTP_201_CREATED)
        async def create_shipment(order: ShipmentOrder) -> Shipment:
            await self._misbehave()
            return Shipment(id=next(ids), country=order.country)

        return app


class TimedASGITransport(httpx2.ASGITransport):
    """ASGITransport with httpx2's read timeout enforced, as a socket would enforce it.

    httpx2 applies ``Timeout`` in its network layer, which an in-process transport
    bypasses: without this, a slow in-process app would be awaited for ever.
    """

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        read_timeout = request.extensions.get("timeout", {}).get("read")
        try:
            async with asyncio.timeout(read_timeout):
                return await super().handle_async_request(request)
        except TimeoutError:
            raise httpx2.ReadTimeout("the remote did not answer in time", request=request) from None
