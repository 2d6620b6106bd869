"""OpenTelemetry tracing: one trace per request across the API, its database and the
service it calls, with the trace id in every log line and error response."""

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from http import HTTPStatus
from typing import Annotated, Any, TypedDict

import httpx2
from fastapi import FastAPI, HTTPException, Path, Request, Response, status
from fastapi.responses import JSONResponse
from opentelemetry import trace
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.httpx import HTTPX2ClientInstrumentor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from pydantic import BaseModel
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import String, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.pool import StaticPool
from starlette.exceptions import HTTPException as StarletteHTTPException

from .inventory import create_inventory
from .telemetry import (
    NO_METRICS,
    RecentRecords,
    trace_as_dict,
    trace_engine,
    tracer_provider,
)

log = logging.getLogger(__name__)  # the module's own name: one logger per imported copy
PROBLEM_JSON = "application/problem+json"
TRACE_HEADER = "X-Trace-Id"
DEMO_ORDERS = (
    (1, "KETTLE-01", 2),
    (2, "TEAPOT-02", 1),
    (3, "SAMOVAR-03", 1),
)


class Base(DeclarativeBase):
    pass


class OrderRow(Base):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(32))
    quantity: Mapped[int]


class Order(BaseModel):
    id: int
    sku: str
    quantity: int
    in_stock: bool


class State(TypedDict):
    sessions: async_sessionmaker[AsyncSession]
    inventory: httpx2.AsyncClient


def current_trace_id() -> str | None:
    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else None


def problem(request: Request, status_code: int, detail: str) -> JSONResponse:
    """RFC 9457 problem details, with the trace id as an extension member: the one
    string a user can paste into a support ticket that finds everything about the error."""
    body = {
        "type": "about:blank",
        "title": HTTPStatus(status_code).phrase,
        "status": status_code,
        "detail": detail,
        "instance": request.url.path,
        "trace_id": current_trace_id(),
    }
    return JSONResponse(body, status_code=status_code, media_type=PROBLEM_JSON)


async def http_problem(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    return problem(request, exc.status_code, str(exc.detail))


class DatabaseSettings(BaseSettings):
    """Where the data lives: DATABASE_URL when set (the KB sets it to a PostgreSQL schema of
    this sandbox's own when it has a server), else this example's SQLite default."""

    model_config = SettingsConfigDict(env_ignore_empty=True, hide_input_in_errors=True)

    database_url: str | None = None


def make_engine_url() -> tuple[str, dict[str, Any]]:
    """The database DATABASE_URL names (see .env), else SQLite in memory."""
    if url := DatabaseSettings().database_url:
        return url, {}
    return "sqlite+aiosqlite://", {"poolclass": StaticPool}


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[State]:
    provider = app.state.tracer_provider
    url, options = make_engine_url()
    engine = create_async_engine(url, **options)
    trace_engine(engine.sync_engine, provider)  # events live on the sync core engine
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions.begin() as session:
        session.add_all(OrderRow(id=i, sku=sku, quantity=q) for i, sku, q in DEMO_ORDERS)

    recent = RecentRecords(capacity=200)
    log.addHandler(recent)
    log.setLevel(logging.INFO)
    app.state.recent_logs = recent

    # raise_app_exceptions=False: the inventory's crash reaches us as the 500 it sends.
    transport = httpx2.ASGITransport(app=app.state.inventory, raise_app_exceptions=False)
    timeout = httpx2.Timeout(2.0)
    async with httpx2.AsyncClient(
        transport=transport, base_url="http://inventory.internal", timeout=timeout
    ) as inventory:
        HTTPX2ClientInstrumentor.instrument_client(
            inventory, tracer_provider=provider, meter_provider=NO_METRICS
        )
        try:
            yield {"sessions": sessions, "inventory": inventory}
        finally:
            log.removeHandler(recent)
            await engine.dispose()
            # With a BatchSpanProcessor this flushes the spans still queued for export.
            app.state.inventory_tracer_provider.shutdown()
            provider.shutdown()


def create_app() -> FastAPI:
    app = FastAPI(
        title="OpenTelemetry tracing",
        lifespan=lifespan,
        exception_handlers={StarletteHTTPException: http_problem},
    )
    # One exporter, two services: as both would export to one tracing backend.
    exporter = InMemorySpanExporter()
    app.state.spans = exporter
    app.state.tracer_provider = tracer_provider("orders", exporter)
    app.state.inventory_tracer_provider = tracer_provider("inventory", exporter)
    app.state.inventory = create_inventory(app.state.inventory_tracer_provider)

    @app.middleware("http")
    async def trace_id_header(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        if trace_id := current_trace_id():
            response.headers[TRACE_HEADER] = trace_id
        return response

    @app.get("/orders/{order_id}")
    async def read_order(
        order_id: Annotated[int, Path(ge=1, le=2**31 - 1)], request: Request
    ) -> Order:
        async with request.state.sessions() as session:
            row = await session.scalar(select(OrderRow).where(OrderRow.id == order_id))
        if row is None:
            log.info("order not found", extra={"order_id": order_id})
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"Order {order_id} not found.")
        reply = await request.state.inventory.get(f"/stock/{row.sku}")
        if reply.is_server_error:
            log.error("inventory lookup failed", extra={"sku": row.sku})
            raise HTTPException(status.HTTP_502_BAD_GATEWAY, "The inventory service failed.")
        reply.raise_for_status()
        log.info("order looked up", extra={"order_id": order_id})
        return Order(
            id=row.id, sku=row.sku, quantity=row.quantity, in_stock=reply.json()["available"] > 0
        )

    @app.get("/debug/traces/{trace_id}")
    async def read_trace(
        trace_id: Annotated[str, Path(pattern="^[0-9a-f]{32}$")], request: Request
    ) -> dict[str, Any]:
        """One trace's spans and log lines; what a tracing backend shows, for this demo."""
        spans = trace_as_dict(request.app.state.spans.get_finished_spans(), int(trace_id, 16))
        if not spans:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"No spans for trace {trace_id}.")
        logs = [r for r in request.app.state.recent_logs.records if r["trace_id"] == trace_id]
        return {"trace_id": trace_id, "spans": spans, "logs": logs}

    # Before the app serves: instrument_app wraps the middleware stack that Starlette
    # builds on the first request, so the middleware above runs inside the span.
    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=app.state.tracer_provider,  # this app's, not the global one
        meter_provider=NO_METRICS,
        excluded_urls="/debug/",  # reading traces makes none
        exclude_spans=["receive", "send"],  # one span per request, not one per ASGI message
    )
    return app
