"""Request ids, structured access logs and Prometheus metrics.

Every response carries ``X-Request-ID`` (the client's, when it sends a sane one), every
log line written while handling the request carries the same id, and ``/metrics``
exposes requests and latency by route, sandboxes alive and rate-limit rejections.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import time
import uuid
from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = "x-request-id"
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
access_log = logging.getLogger("kb.access")


class Metrics:
    """The KB's metrics, in a registry of their own (no process-global state)."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self, sandboxes_alive: Callable[[], int]) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "kb_requests",
            "HTTP requests answered.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "kb_request_duration_seconds",
            "Time to answer a request.",
            ["route"],
            registry=self.registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
        )
        self.rate_limited = Counter(
            "kb_rate_limited",
            "Requests refused by a rate limit.",
            ["limit"],
            registry=self.registry,
        )
        self.sandboxes = Gauge(
            "kb_sandboxes_alive", "Readers' example sandboxes running.", registry=self.registry
        )
        self.sandboxes.set_function(sandboxes_alive)

    def render(self) -> bytes:
        return generate_latest(self.registry)


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with the request id of the request being handled."""

    def format(self, record: logging.LogRecord) -> str:
        data = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "request_id": request_id.get(),
            "message": record.getMessage(),
        }
        data.update(getattr(record, "fields", {}))
        if record.exc_info:
            data["error"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False)


def configure_logging(level: int = logging.INFO) -> None:
    """Structured logs on stderr for the KB's loggers (``kb serve`` calls this)."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("kb")
    logger.handlers[:] = [handler]
    logger.setLevel(level)
    logger.propagate = False


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(REQUEST_ID_HEADER.encode(), b"").decode("latin-1")
        rid = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex
        token = request_id.set(rid)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = rid
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = _route_label(scope)
            self.metrics.requests.labels(route, scope["method"], str(status)).inc()
            self.metrics.latency.labels(route).observe(elapsed)
            client = (scope.get("client") or ("-", 0))[0]
            access_log.info(
                "%s %s %s",
                scope["method"],
                scope["path"],
                status,
                extra={
                    "fields": {
                        "method": scope["method"],
                        "path": scope["path"],
                        "status": status,
                        "duration_ms": round(elapsed * 1000, 2),
                        "client": client,
                        "route": route,
                    }
                },
            )
            request_id.reset(token)


MOUNTS = ("/examples", "/static")


def _route_label(scope: Scope) -> str:
    """The route's template (``/patterns/{slug}``), never the raw path: one label each."""
    path = getattr(scope.get("route"), "path", None)
    if path:
        return path
    for mount in MOUNTS:
        if scope["path"] == mount or scope["path"].startswith(f"{mount}/"):
            return mount
    return "unmatched"
