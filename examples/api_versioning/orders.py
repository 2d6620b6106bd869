"""The orders feature. One router factory; each version passes the representation it serves."""

from dataclasses import dataclass
from typing import Annotated, Protocol, Self

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel


@dataclass(frozen=True)
class Order:
    """The stored order: one model inside, whatever each version shows outside."""

    id: int
    item: str
    price_cents: int
    currency: str


SEED = (
    Order(1, "Tea set", 4_500, "EUR"),
    Order(2, "Jam tarts", 450, "EUR"),
)


class OrderV1(BaseModel):
    """Version 1 showed the price as a decimal string, and only ever in euros."""

    id: int
    item: str
    price: str

    @classmethod
    def of(cls, order: Order) -> Self:
        return cls(id=order.id, item=order.item, price=f"{order.price_cents / 100:.2f}")


class Money(BaseModel):
    amount_cents: int
    currency: str


class OrderV2(BaseModel):
    """Version 2's breaking change: money as integer cents with its currency."""

    id: int
    item: str
    price: Money

    @classmethod
    def of(cls, order: Order) -> Self:
        price = Money(amount_cents=order.price_cents, currency=order.currency)
        return cls(id=order.id, item=order.item, price=price)


class Representation(Protocol):
    @classmethod
    def of(cls, order: Order) -> BaseModel: ...


def get_orders(request: Request) -> dict[int, Order]:
    return request.app.state.orders


Orders = Annotated[dict[int, Order], Depends(get_orders)]


def build_router(version: str, shown_as: type[Representation]) -> APIRouter:
    """A fresh router for one version: its own routes, route names and response models."""
    router = APIRouter(prefix="/orders", tags=["orders"])

    @router.get("", name=f"{version}:list_orders", response_model=list[shown_as])
    async def list_orders(orders: Orders) -> list[BaseModel]:
        return [shown_as.of(order) for order in orders.values()]

    @router.get("/{order_id}", name=f"{version}:read_order", response_model=shown_as)
    async def read_order(order_id: int, orders: Orders) -> BaseModel:
        if order_id not in orders:
            raise HTTPException(404, f"Order {order_id} not found.")
        return shown_as.of(orders[order_id])

    return router
