"""Prometheus metrics per route template, plus liveness and readiness probes."""

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from pydantic import BaseModel
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.pool import StaticPool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

ITEMS = {1: "Keyboard", 2: "Mouse", 3: "Monitor"}
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


@dataclass(frozen=True)
class HttpMetrics:
    registry: CollectorRegistry
    requests: Counter
    latency: Histogram


def http_metrics() -> HttpMetrics:
    """Metrics in a registry of their own: one per app instance, never the global one."""
    registry = CollectorRegistry()
    requests = Counter(
        "http_requests",  # exposed as http_requests_total
        "HTTP requests handled, by method, route template and status.",
        ["method", "route", "status"],
        registry=registry,
    )
    latency = Histogram(
        "http_request_duration_seconds",
        "Time to answer an HTTP request, by method and route template.",
        ["method", "route"],
        buckets=LATENCY_BUCKETS,
        registry=registry,
    )
    return HttpMetrics(registry, requests, latency)


def route_templates(app: FastAPI) -> dict[int, str]:
    """The full path template of every route, keyed by the route object's id.

    An included router's routes are not copied into the app (FastAPI 0.137+), so the
    matched route's own `path` lacks the prefix given to `include_router`; its route
    context has the full template. One router object included under two prefixes would
    put both under one key, so it is refused.
    """
    templates: dict[int, str] = {}
    for context in iter_route_contexts(app.routes):
        if not context.path:
            continue
        template = templates.setdefault(id(context.original_route), context.path)
        if template != context.path:
            raise RuntimeError(
                f"one route object serves both {template} and {context.path}: build a "
                "fresh router for each prefix, or their metrics would share one series"
            )
    return templates


def route_label(scope: Scope) -> str:
    """`/items/{item_id}`, not `/items/42`: one time series per route, not per URL."""
    route = scope.get("route")  # set by the router once it has matched a route
    if route is None:
        return "unmatched"  # scanners' random 404s must not each create a series
    return scope["app"].state.route_templates.get(id(route), "unmatched")


class MetricsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        started = time.perf_counter()

        async def send_and_record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_record_status)
        finally:
            metrics: HttpMetrics = scope["app"].state.metrics
            method, route = scope["method"], route_label(scope)
            metrics.requests.labels(method, route, str(status)).inc()
            metrics.latency.labels(method, route).observe(time.perf_counter() - started)


class Maintenance(BaseModel):
    enabled: bool


def database_ok(engine: Engine) -> bool:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:
        return False
    return True


def get_metrics(request: Request) -> HttpMetrics:
    return request.app.state.metrics


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.metrics = http_metrics()
    app.state.route_templates = route_templates(app)  # every route is registered by now
    app.state.engine = create_engine(
        "sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False}
    )
    app.state.maintenance = False
    try:
        yield
    finally:
        app.state.engine.dispose()


def create_app() -> FastAPI:
    app = FastAPI(title="Monitoring", lifespan=lifespan)
    app.add_middleware(MetricsMiddleware)

    items = APIRouter(prefix="/items")

    @items.get("/{item_id}")
    def get_item(item_id: int) -> dict[str, int | str]:
        if item_id not in ITEMS:
            raise HTTPException(status_code=404, detail=f"Item {item_id} does not exist.")
        return {"id": item_id, "name": ITEMS[item_id]}

    app.include_router(items)

    @app.get("/metrics", include_in_schema=False)
    def metrics(m: Annotated[HttpMetrics, Depends(get_metrics)]) -> Response:
        return Response(generate_latest(m.registry), media_type=CONTENT_TYPE_LATEST)

    @app.get("/healthz")
    def liveness() -> dict[str, str]:
        """The process is up and serving. Checks nothing else: a failing database must
        not get every replica restarted."""
        return {"status": "alive"}

    @app.get("/readyz")
    def readiness(request: Request) -> JSONResponse:
        """Should this replica get traffic? Checks what it needs to answer requests."""
        checks = {
            "database": "ok" if database_ok(request.app.state.engine) else "failing",
            "maintenance": "on" if request.app.state.maintenance else "off",
        }
        ready = checks == {"database": "ok", "maintenance": "off"}
        body = {"status": "ready" if ready else "not ready", "checks": checks}
        return JSONResponse(body, status_code=200 if ready else 503)

    @app.post("/admin/maintenance")
    def set_maintenance(change: Maintenance, request: Request) -> Maintenance:
        """Take this replica out of rotation (drain it) without stopping it."""
        request.app.state.maintenance = change.enabled
        return change

    @app.get("/admin/request-counts")
    def request_counts(m: Annotated[HttpMetrics, Depends(get_metrics)]) -> dict[str, Any]:
        """The request counter as JSON, read back from the registry (handy in tests)."""
        counts = [
            {**sample.labels, "count": int(sample.value)}
            for metric in m.registry.collect()
            for sample in metric.samples
            if sample.name == "http_requests_total"
        ]
        counts.sort(key=lambda c: (c["route"], c["method"], c["status"]))
        return {"counts": counts}

    return app
