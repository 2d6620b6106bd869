"""A small pricing API whose rules live in a pure function, tested apart from HTTP."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import FastAPI, HTTPException, Query, Request
from pydantic import BaseModel

PRICES = {"notebook": 450, "pen": 120, "backpack": 3999}  # cents
COUPONS = {"SAVE10": 10, "HALF": 50}  # percent off


class Quote(BaseModel):
    sku: str
    quantity: int
    subtotal: int
    discount: int
    total: int


def apply_discount(amount: int, percent: int) -> int:
    """The amount in cents after taking ``percent`` off, rounding in the shop's favour."""
    if not 0 <= percent <= 100:
        raise ValueError(f"percent must be between 0 and 100, got {percent}")
    return amount - amount * percent // 100


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.prices = dict(PRICES)
    app.state.coupons = dict(COUPONS)
    yield


def create_app() -> FastAPI:
    app = FastAPI(title="pytest basics", lifespan=lifespan)

    @app.get("/quote")
    async def quote(
        request: Request,
        sku: Annotated[str, Query(min_length=1, max_length=30)],
        quantity: Annotated[int, Query(ge=1, le=100)] = 1,
        coupon: Annotated[str | None, Query(max_length=20)] = None,
    ) -> Quote:
        price = request.app.state.prices.get(sku)
        if price is None:
            raise HTTPException(status_code=404, detail=f"unknown sku {sku!r}")
        percent = 0
        if coupon is not None:
            if coupon not in request.app.state.coupons:
                raise HTTPException(status_code=422, detail=f"unknown coupon {coupon!r}")
            percent = request.app.state.coupons[coupon]
        subtotal = price * quantity
        total = apply_discount(subtotal, percent)
        return Quote(
            sku=sku, quantity=quantity, subtotal=subtotal, discount=subtotal - total, total=total
        )

    return app
