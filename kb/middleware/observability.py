"""Request ids, structured access logs and Prometheus metrics.

Every response carries ``X-Request-ID`` (the client's, when it sends a sane one), every
log line written while handling the request carries the same id, and ``/metrics``
exposes requests and latency by route, sandboxes alive and rate-limit rejections.
"""

from __future__ import annotations

import bisect
import contextvars
import datetime as dt
import itertools
import json
import logging
import logging.config
import re
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector
from starlette.types import Scope

REQUEST_ID_HEADER = b"x-request-id"
_VALID_ID = re.compile(rb"^[A-Za-z0-9._-]{1,64}$")
request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
access_log = logging.getLogger("kb.access")


LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)
# The "le" labels as Prometheus' own client writes them: "0.001", ..., "1.0", "+Inf".
_LE = [repr(float(bound)) for bound in LATENCY_BUCKETS] + ["+Inf"]


class _Latency:
    """One route's latency histogram: a count per bucket (the last is +Inf) and the sum."""

    __slots__ = ("counts", "total")

    def __init__(self) -> None:
        self.counts = [0] * (len(LATENCY_BUCKETS) + 1)
        self.total = 0.0


class _RequestCollector(Collector):
    """Requests by route, method and status, and latency by route, counted in plain
    Python and turned into Prometheus families only when scraped.

    prometheus_client's own Counter and Histogram take a lock for every increment and
    look through the buckets in Python: on a page answered from memory that was a fifth
    of the front door's time. The front door runs on the event loop's one thread, so
    plain integers are enough; a scrape reads them in the same thread.
    """

    def __init__(self) -> None:
        self.counts: dict[tuple[str, str, int], int] = {}
        self.latency: dict[str, _Latency] = {}

    def count(self, route: str, method: str, status: int) -> None:
        key = (route, method, status)
        self.counts[key] = self.counts.get(key, 0) + 1

    def record(self, route: str, method: str, status: int, elapsed: float) -> None:
        """Count a request and its latency, in one call: every request answered makes it."""
        key = (route, method, status)
        self.counts[key] = self.counts.get(key, 0) + 1
        latency = self.latency.get(route)
        if latency is None:
            latency = self.latency[route] = _Latency()
        # bisect_left: the first bucket whose bound is >= elapsed, Prometheus' "le".
        latency.counts[bisect.bisect_left(LATENCY_BUCKETS, elapsed)] += 1
        latency.total += elapsed

    def collect(self) -> Iterator[Metric]:
        requests = CounterMetricFamily(
            "kb_requests", "HTTP requests answered.", labels=["route", "method", "status"]
        )
        for (route, method, status), number in list(self.counts.items()):
            requests.add_metric([route, method, str(status)], number)
        yield requests
        durations = HistogramMetricFamily(
            "kb_request_duration_seconds", "Time to answer a request.", labels=["route"]
        )
        for route, latency in list(self.latency.items()):
            cumulative = itertools.accumulate(latency.counts)
            durations.add_metric([route], list(zip(_LE, cumulative, strict=True)), latency.total)
        yield durations


class Metrics:
    """The KB's metrics, in a registry of their own (no process-global state)."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self, sandboxes_alive: Callable[[], int]) -> None:
        self.registry = CollectorRegistry()
        self._requests = _RequestCollector()
        self.registry.register(self._requests)
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

        # Count one answered request and its latency (route, method, status, seconds):
        # the collector's own method, not a call through this one.
        self.record: Callable[[str, str, int, float], None] = self._requests.record

    def count(self, route: str, method: str, status: int) -> None:
        """Count one request whose time is not a latency (a WebSocket's is the connection's)."""
        self._requests.count(route, method, status)

    def render(self) -> bytes:
        return generate_latest(self.registry)


def utc_time(record: logging.LogRecord) -> str:
    """The record's time in UTC, ISO 8601 with milliseconds: ``2026-11-26T09:15:02.041Z``."""
    global _second
    second = int(record.created)
    known = _second  # read once: another thread may write the next second meanwhile
    if known[0] != second:
        # Once a second, not once a line: making and writing a datetime was 0.7 µs a line.
        moment = dt.datetime.fromtimestamp(second, dt.UTC)
        known = _second = (second, moment.strftime("%Y-%m-%dT%H:%M:%S"))
    return f"{known[1]}.{int(record.msecs):03d}Z"


_second = (-1, "")  # the last second utc_time wrote, and how it wrote it


_JSON = json.JSONEncoder(ensure_ascii=False)  # json.dumps would make one for every line


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with the request id of the request being handled."""

    def format(self, record: logging.LogRecord) -> str:
        data = {
            "time": utc_time(record),
            "level": record.levelname.lower(),
            "logger": record.name,
            "request_id": request_id.get(),
            "message": record.getMessage(),
        }
        data.update(getattr(record, "fields", {}))
        if record.exc_info:
            data["error"] = self.formatException(record.exc_info)
        return _JSON.encode(data)


class TextFormatter(logging.Formatter):
    """One line for a person at a terminal: local time, level, logger and message, the
    request's id and duration when there is a request."""

    def format(self, record: logging.LogRecord) -> str:
        moment = dt.datetime.fromtimestamp(record.created)
        line = f"{moment:%H:%M:%S}.{moment.microsecond // 1000:03d} {record.levelname:<7} "
        line += f"{record.name}: {record.getMessage()}"
        fields = getattr(record, "fields", {})
        if "duration_ms" in fields:
            line += f" {fields['duration_ms']} ms"
        if request_id.get() != "-":
            line += f" [{request_id.get()}]"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


LEVELS = ("critical", "error", "warning", "info", "debug")


def logging_config(*, json_lines: bool, level: str = "info") -> dict[str, Any]:
    """One format for every line the server writes, uvicorn's too: a ``logging.config``
    dictionary, given to uvicorn as its ``log_config`` (it applies it in reload workers too).

    JSON lines (:class:`JsonFormatter`) for machines, or :class:`TextFormatter` for a
    terminal. ``level`` is the KB's, uvicorn's and the examples'; other libraries log
    warnings and worse.
    """
    formatter = JsonFormatter if json_lines else TextFormatter
    chosen = level.upper()
    quieter = max(logging.getLevelNamesMapping()[chosen], logging.WARNING)

    def own() -> dict[str, Any]:
        return {"handlers": ["stderr"], "level": chosen, "propagate": False}

    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"kb": {"()": f"{__name__}.{formatter.__name__}"}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "kb",
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {
            "kb": own(),
            "uvicorn": own(),
            "uvicorn.error": {"level": chosen},  # through "uvicorn"'s handler
            "uvicorn.access": own(),
            # Examples log below kb_examples (each is imported as kb_examples.s<n>.<name>).
            "kb_examples": {"level": chosen},
        },
        "root": {"handlers": ["stderr"], "level": logging.getLevelName(quieter)},
    }


def configure_logging(*, json_lines: bool = True, level: str = "info") -> None:
    """Apply :func:`logging_config` to this process."""
    logging.config.dictConfig(logging_config(json_lines=json_lines, level=level))


# A random prefix per process and a counter: unique like a uuid4, without asking the
# kernel for random bytes on every request.
_ID_PREFIX = secrets.token_hex(8).encode()
_ID_COUNTER = itertools.count()


def new_request_id(incoming: bytes) -> bytes:
    """The client's request id when it sends a sane one, else a new one (32 hex digits),
    as the header's value."""
    if incoming and _VALID_ID.match(incoming):
        return incoming
    return b"%s%016x" % (_ID_PREFIX, next(_ID_COUNTER))


def log_access(
    method: str, path: str, status: int, elapsed: float, client: str, route: str
) -> None:
    if not access_log.isEnabledFor(logging.INFO):
        return
    fields = {
        "method": method,
        "path": path,
        "status": status,
        "duration_ms": round(elapsed * 1000, 2),
        "client": client,
        "route": route,
    }
    # Made and handled as Logger.info() would, less the search of the stack for the
    # caller's file and line, which no access line shows: about 1 µs of the 10 that a
    # line cost on every request (7.4 now, bench/frontdoor_bench.py).
    record = access_log.makeRecord(
        access_log.name,
        logging.INFO,
        "",
        0,
        "%s %s %s",
        (method, path, status),
        None,
        extra={"fields": fields},
    )
    access_log.handle(record)


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
