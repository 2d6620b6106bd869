"""The remote exchange-rate service, simulated in-process so that the example needs no network."""

import time

from fastapi import FastAPI, HTTPException


def create_rates_service(warmup: float) -> FastAPI:
    """A remote that answers 503 for its first ``warmup`` seconds, like one still starting."""
    remote = FastAPI(title="Exchange rates (simulated)")
    ready_at = time.monotonic() + warmup

    @remote.get("/v1/rates")
    async def rates() -> dict[str, object]:
        if time.monotonic() < ready_at:
            raise HTTPException(503, "warming up")
        return {"base": "EUR", "rates": {"USD": "1.08", "GBP": "0.85", "JPY": "162.40"}}

    return remote
