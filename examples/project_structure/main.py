"""Where the domains meet: the app factory, the lifespan and the error handlers."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TypedDict

from fastapi import FastAPI

from . import errors
from .config import app_settings
from .items.router import router as items_router
from .items.service import ItemStore
from .orders.router import router as orders_router
from .orders.service import OrderStore


class State(TypedDict):
    item_store: ItemStore
    order_store: OrderStore


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[State]:
    yield {"item_store": ItemStore.seeded(), "order_store": OrderStore()}


def create_app() -> FastAPI:
    app = FastAPI(title=app_settings().app_name, lifespan=lifespan)
    errors.install(app)
    app.include_router(items_router)
    app.include_router(orders_router)
    return app
