"""Rate-limit buckets are keyed by the full route template, include prefixes and all."""

from __future__ import annotations

import pytest
from fastapi import APIRouter, Depends, FastAPI
from fastapi.testclient import TestClient

from examples.rate_limiting import create_app, rate_limit


def build_router() -> APIRouter:
    router = APIRouter(dependencies=[Depends(rate_limit("1/minute"))])

    @router.get("/search")
    async def search() -> dict[str, str]:
        return {"results": "none"}

    return router


def test_each_version_of_a_route_has_its_own_bucket() -> None:
    app = create_app()
    app.include_router(build_router(), prefix="/v1")
    app.include_router(build_router(), prefix="/v2")

    with TestClient(app) as client:
        assert client.get("/v1/search").status_code == 200
        assert client.get("/v1/search").status_code == 429
        assert client.get("/v2/search").status_code == 200


def test_one_router_under_two_prefixes_is_refused_at_startup() -> None:
    app: FastAPI = create_app()
    shared = build_router()
    app.include_router(shared, prefix="/v1")
    app.include_router(shared, prefix="/v2")

    refused = pytest.raises(RuntimeError, match="build a fresh router for each prefix")
    with refused, TestClient(app):
        pass
