"""Metrics are labelled by the full route template, include prefixes and all."""

from __future__ import annotations

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from examples.monitoring import create_app


def build_router() -> APIRouter:
    router = APIRouter(prefix="/things")

    @router.get("/{thing_id}")
    async def read_thing(thing_id: int) -> dict[str, int]:
        return {"id": thing_id}

    return router


def test_each_version_of_a_route_has_its_own_label() -> None:
    app = create_app()
    app.include_router(build_router(), prefix="/v1")
    app.include_router(build_router(), prefix="/v2")

    with TestClient(app) as client:
        client.get("/v1/things/1")
        client.get("/v2/things/2")
        client.get("/v2/things/3")
        counts = client.get("/admin/request-counts").json()["counts"]

    by_route = {c["route"]: c["count"] for c in counts if c["route"].endswith("{thing_id}")}
    assert by_route == {"/v1/things/{thing_id}": 1, "/v2/things/{thing_id}": 2}


def test_one_router_under_two_prefixes_is_refused_at_startup() -> None:
    app: FastAPI = create_app()
    shared = build_router()
    app.include_router(shared, prefix="/v1")
    app.include_router(shared, prefix="/v2")

    refused = pytest.raises(RuntimeError, match="build a fresh router for each prefix")
    with refused, TestClient(app):
        pass
