"""API versioning: one router factory per feature, one router per version, both spellings
of a version (URL and header), and deprecation announced in headers and in OpenAPI."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from . import orders
from .problems import http_problem
from .versions import SERVED, VERSIONS, ApiVersioning, Status

# What each served version shows an order as.
REPRESENTATIONS: dict[str, type[orders.Representation]] = {
    "v1": orders.OrderV1,
    "v2": orders.OrderV2,
}


class VersionInfo(BaseModel):
    version: str
    status: Status
    successor: str | None
    deprecated_at: datetime | None
    sunset_at: datetime | None
    openapi: str | None


def build_version(name: str) -> APIRouter:
    """Everything under /{name}: each feature's router, built for this version."""
    version = VERSIONS[name]
    router = APIRouter(prefix=f"/{name}", deprecated=version.status is Status.deprecated)
    router.include_router(orders.build_router(name, REPRESENTATIONS[name]))

    @router.get("/openapi.json", include_in_schema=False, name=f"{name}:openapi")
    async def openapi(request: Request) -> dict[str, Any]:
        """This version's own document: its paths and its schemas, nobody else's."""
        documents: dict[str, dict[str, Any]] = request.app.state.openapi_by_version
        if name not in documents:
            documents[name] = get_openapi(
                title=f"{request.app.title} {name}",
                version=name.removeprefix("v"),
                routes=router.routes,
            )
        return documents[name]

    return router


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.orders = {order.id: order for order in orders.SEED}
    app.state.openapi_by_version = {}
    yield


def create_app() -> FastAPI:
    app = FastAPI(
        title="API versioning",
        lifespan=lifespan,
        exception_handlers={StarletteHTTPException: http_problem},
    )
    app.add_middleware(ApiVersioning)
    for name in SERVED:
        app.include_router(build_version(name))

    @app.get("/versions")
    async def list_versions(request: Request) -> list[VersionInfo]:
        """Every version, served or retired, with its dates: the deprecation policy."""
        return [
            VersionInfo(
                version=version.name,
                status=version.status,
                successor=version.successor,
                deprecated_at=version.deprecated_at,
                sunset_at=version.sunset_at,
                openapi=str(request.url_for(f"{version.name}:openapi"))
                if version.name in SERVED
                else None,
            )
            for version in VERSIONS.values()
        ]

    return app
