"""Request ids, structured access logs and Prometheus metrics.

Every response carries ``X-Request-ID`` (the client's, when it sends a sane one), every
log line written while handling the request carries the same id, and ``/metrics``
exposes requests and latency by route, sandboxes alive and rate-limit rejections.
"""

from __future__ import annotations

import contextvars
import itertools
import json
import logging
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from starlette.types import Scope

REQUEST_ID_HEADER = b"x-request-id"
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
        self._children: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}

    def record(self, route: str, method: str, status: int, elapsed: float) -> None:
        """Count one answered request and its latency."""
        key = (route, method, status)
        children = self._children.get(key)
        if children is None:
            # labels() takes a lock and builds a key on every call: look each child up once.
            children = (
                self.requests.labels(route, method, str(status)),
                self.latency.labels(route),
            )
            self._children[key] = children
        children[0].inc()
        children[1].observe(elapsed)

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


# A random prefix per process and a counter: unique like a uuid4, without asking the
# kernel for random bytes on every request.
_ID_PREFIX = secrets.token_hex(8)
_ID_COUNTER = itertools.count()


def new_request_id(incoming: bytes) -> str:
    """The client's request id when it sends a sane one, else a new one (32 hex digits)."""
    if incoming:
        text = incoming.decode("latin-1")
        if _VALID_ID.match(text):
            return text
    return f"{_ID_PREFIX}{next(_ID_COUNTER):016x}"


def log_access(
    method: str, path: str, status: int, elapsed: float, client: str, route: str
) -> None:
    if not access_log.isEnabledFor(logging.INFO):
        return
    access_log.info(
        "%s %s %s",
        method,
        path,
        status,
        extra={
            "fields": {
                "method": method,
                "path": path,
                "status": status,
                "duration_ms": round(elapsed * 1000, 2),
                "client": client,
                "route": route,
            }
        },
    )


MOUNTS = ("/examples", "/static")


@dataclass(frozen=True)
class RouteLabel:
    """Stands in for the route in the scope where the router sets none (plain ASGI routes)."""

    path: str


def route_label(scope: Scope) -> str:
    """The route's template (``/patterns/{slug}``), never the raw path: one label each."""
    path: str | None = getattr(scope.get("route"), "path", None)
    if path:
        return path
    for mount in MOUNTS:
        if scope["path"] == mount or scope["path"].startswith(f"{mount}/"):
            return mount
    return "unmatched"
