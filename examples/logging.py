"""Structured JSON logs: a request id on every record, and one access line per request."""

import json
import logging
import re
import sys
import time
import uuid
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import FastAPI, HTTPException, Query, Request
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LOGGER_NAME = "shop"
REQUEST_ID_HEADER = "X-Request-ID"
VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
ORDERS = {1: {"id": 1, "item": "Keyboard", "quantity": 1}}

# The id of the request being handled. Each request runs in its own context, so
# concurrent requests never see each other's value.
request_id_var: ContextVar[str] = ContextVar("request_id", default="-")

# Attributes that every LogRecord has; any other attribute came from `extra=`.
STANDARD_ATTRS = frozenset(vars(logging.makeLogRecord({}))) | {"message", "request_id"}

logger = logging.getLogger(LOGGER_NAME)
access_logger = logging.getLogger(f"{LOGGER_NAME}.access")


class RequestIdFilter(logging.Filter):
    """Stamps the current request id on each record that passes through a handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: fixed keys first, then whatever `extra=` added."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        entry.update((k, v) for k, v in vars(record).items() if k not in STANDARD_ATTRS)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class RecentRecords(logging.Handler):
    """Keeps the last `capacity` formatted records in memory, for `GET /logs`."""

    def __init__(self, capacity: int) -> None:
        super().__init__()
        self.lines: deque[str] = deque(maxlen=capacity)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append(self.format(record))
        except Exception:
            self.handleError(record)


class RequestContextMiddleware:
    """Sets the request id for the request's context and logs one access line for it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = Headers(scope=scope).get(REQUEST_ID_HEADER, "")
        request_id = incoming if VALID_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        status = 500  # what the client gets if the app raises before answering
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message).append(REQUEST_ID_HEADER, request_id)
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            access_logger.info(
                "request completed",
                extra={
                    "method": scope["method"],
                    "path": scope["path"],  # no query string: it may hold tokens
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                },
            )
            request_id_var.reset(token)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    recent = RecentRecords(capacity=100)
    stdout = logging.StreamHandler(sys.stdout)
    handlers: list[logging.Handler] = [recent, stdout]
    previous_level, previous_propagate = logger.level, logger.propagate
    for handler in handlers:
        handler.setFormatter(JsonFormatter())
        handler.addFilter(RequestIdFilter())
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False  # these handlers are the app's whole output
    app.state.recent_logs = recent
    try:
        yield
    finally:
        for handler in handlers:  # leave the process-wide logger as we found it
            logger.removeHandler(handler)
            handler.close()
        logger.setLevel(previous_level)  # setLevel, not `.level =`: it clears the level cache
        logger.propagate = previous_propagate


def create_app() -> FastAPI:
    app = FastAPI(title="Logging", lifespan=lifespan)
    app.add_middleware(RequestContextMiddleware)

    @app.get("/orders/{order_id}")
    async def get_order(order_id: int) -> dict[str, int | str]:
        if order_id not in ORDERS:
            logger.warning("order not found", extra={"order_id": order_id})
            raise HTTPException(status_code=404, detail=f"Order {order_id} does not exist.")
        logger.info("order looked up", extra={"order_id": order_id})
        return ORDERS[order_id]

    @app.get("/logs")
    async def recent_logs(
        request: Request,
        request_id: Annotated[str | None, Query(max_length=64)] = None,
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
    ) -> dict[str, list[dict[str, Any]]]:
        """This instance's latest log records, oldest first; a demo stand-in for a log store."""
        records = [json.loads(line) for line in request.app.state.recent_logs.lines]
        if request_id is not None:
            records = [r for r in records if r.get("request_id") == request_id]
        return {"records": records[-limit:]}

    return app
