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
    # One fresh router per version and feature. Including one router object twice would
    # share its route objects and names: url_for would link a /v2 request to /v1, and
    # anything keyed by the matched route would lump the versions together.
    for version in ("v1", "v2"):
        for feature in (users, items):
            app.include_router(
                feature.build_router(version), prefix=f"/{version}", deprecated=version == "v1"
            )

    @app.get("/health", tags=["meta"])
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
