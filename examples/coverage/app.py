"""Shipping quotes with a few rules, each one a branch that the tests must take both ways."""

from enum import StrEnum
from typing import Annotated

from fastapi import FastAPI, HTTPException, Query
from pydantic import BaseModel

MAX_WEIGHT_GRAMS = 20_000


class Zone(StrEnum):
    domestic = "domestic"
    eu = "eu"
    world = "world"


BASE_CENTS = {Zone.domestic: 490, Zone.eu: 990, Zone.world: 1990}
PER_KG_CENTS = {Zone.domestic: 100, Zone.eu: 250, Zone.world: 600}


class ShippingQuote(BaseModel):
    zone: Zone
    weight_grams: int
    express: bool
    cents: int


def shipping_cents(zone: Zone, weight_grams: int, express: bool) -> int:
    """The price of one parcel; every started kilogram counts."""
    kilos = -(-weight_grams // 1000)  # ceiling division
    cents = BASE_CENTS[zone] + PER_KG_CENTS[zone] * kilos
    if zone is Zone.world and weight_grams > 5_000:
        cents += 1500  # customs handling for heavy international parcels
    if express:
        cents *= 2
    return cents


def create_app() -> FastAPI:
    app = FastAPI(title="Coverage")

    @app.get("/shipping")
    async def quote(
        zone: Zone,
        weight_grams: Annotated[int, Query(gt=0)],
        express: bool = False,
    ) -> ShippingQuote:
        if weight_grams > MAX_WEIGHT_GRAMS:
            raise HTTPException(422, detail=f"parcels weigh at most {MAX_WEIGHT_GRAMS} g")
        cents = shipping_cents(zone, weight_grams, express)
        return ShippingQuote(zone=zone, weight_grams=weight_grams, express=express, cents=cents)

    return app


if __name__ == "__main__":  # pragma: no cover - a convenience for running the file directly
    import uvicorn

    uvicorn.run(create_app(), port=8000)
