"""How the orders domain's objects reach a handler."""

from typing import Annotated

from fastapi import Depends, Request

from ..items.dependencies import ItemServiceDep
from .config import OrdersSettings, orders_settings
from .service import OrderService


async def get_orders_settings() -> OrdersSettings:
    return orders_settings()


async def get_order_service(
    request: Request,
    items: ItemServiceDep,  # another domain's public seam, never its store
    settings: Annotated[OrdersSettings, Depends(get_orders_settings)],
) -> OrderService:
    return OrderService(request.state.order_store, items, settings)


OrderServiceDep = Annotated[OrderService, Depends(get_order_service)]
