"""A bigger application split into modules: one ``APIRouter`` per feature."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from .routers import items, users
from .store import Store


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.store = Store.seeded()
    yield


def create_app() -> FastAPI:
    app = FastAPI(
        title="Router modules",
        lifespan=lifespan,
        openapi_tags=[
            {"name": "users", "description": "People who own items."},
            {"name": "items", "description": "Needs an `X-Client-Id` header."},
        ],
    )
    app.include_router(users.router, prefix="/v1")
    app.include_router(items.router, prefix="/v1")

    @app.get("/health", tags=["meta"])
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
