"""The orders domain's HTTP surface."""

from typing import Annotated

from fastapi import APIRouter, Path, status

from .dependencies import OrderServiceDep
from .schemas import Order, OrderIn

router = APIRouter(prefix="/orders", tags=["orders"])


@router.post("", status_code=status.HTTP_201_CREATED)
async def place_order(new: OrderIn, service: OrderServiceDep) -> Order:
    return service.place(new)


@router.get("/{order_id}")
async def read_order(order_id: Annotated[int, Path(ge=1)], service: OrderServiceDep) -> Order:
    return service.get(order_id)


@router.post("/{order_id}/cancel")
async def cancel_order(order_id: Annotated[int, Path(ge=1)], service: OrderServiceDep) -> Order:
    return service.cancel(order_id)
