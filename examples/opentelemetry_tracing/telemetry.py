"""Tracing set-up that belongs to one app instance: its provider, its exporter, its logs.

Nothing here touches OpenTelemetry's process-wide state (``trace.set_tracer_provider``,
the instrumentors' ``instrument()``): every provider is passed explicitly, so two apps in
one process (two tests, two readers of the KB) never trace into each other's exporter.
"""

import logging
from collections import deque
from typing import Any

from opentelemetry import trace
from opentelemetry.metrics import NoOpMeterProvider
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter
from opentelemetry.semconv.attributes import db_attributes
from sqlalchemy import Delete, Engine, Insert, Select, Update, event
from sqlalchemy.engine import Connection, ExecutionContext

# The instrumentors also record metrics; this example exports none. Passing a no-op
# provider keeps them off the process-wide (global) meter provider as well.
NO_METRICS = NoOpMeterProvider()


def tracer_provider(service: str, exporter: SpanExporter) -> TracerProvider:
    """A provider for one service. SimpleSpanProcessor exports each span as it ends, which
    the in-memory exporter needs; a real exporter goes behind a BatchSpanProcessor."""
    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: service}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider


def _summary(statement: str, context: ExecutionContext | None) -> tuple[str, str | None]:
    """The operation (SELECT, INSERT...) and, when SQLAlchemy compiled it, the table."""
    operation = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else "SQL"
    compiled = getattr(context, "compiled", None)
    construct = getattr(compiled, "statement", None)
    table = None
    if isinstance(construct, Insert | Update | Delete):
        table = construct.table.name  # type: ignore[union-attr]
    elif isinstance(construct, Select):
        froms = construct.get_final_froms()
        table = getattr(froms[0], "name", None) if len(froms) == 1 else None
    return operation, table


def trace_engine(engine: Engine, provider: TracerProvider) -> None:
    """One CLIENT span per statement this engine sends, named as the database semantic
    conventions say (``SELECT orders``), a child of whatever span is current."""
    tracer = provider.get_tracer("opentelemetry_tracing.sql")
    system = engine.dialect.name  # "sqlite", "postgresql": db.system.name's values

    @event.listens_for(engine, "before_cursor_execute")
    def start_span(
        conn: Connection,
        cursor: Any,
        statement: str,
        parameters: Any,
        context: ExecutionContext | None,
        executemany: bool,
    ) -> None:
        operation, table = _summary(statement, context)
        attributes = {
            db_attributes.DB_SYSTEM_NAME: system,
            db_attributes.DB_OPERATION_NAME: operation,
            # The statement with its placeholders: never the parameters, which hold user data.
            db_attributes.DB_QUERY_TEXT: statement,
        }
        if table is not None:
            attributes[db_attributes.DB_COLLECTION_NAME] = table
        name = f"{operation} {table}" if table else operation
        span = tracer.start_span(name, kind=trace.SpanKind.CLIENT, attributes=attributes)
        conn.info.setdefault("otel_spans", []).append(span)

    @event.listens_for(engine, "after_cursor_execute")
    def end_span(conn: Connection, *args: Any) -> None:
        conn.info["otel_spans"].pop().end()

    @event.listens_for(engine, "handle_error")
    def fail_span(context: Any) -> None:
        spans = context.connection.info.get("otel_spans") if context.connection else None
        if spans:
            span = spans.pop()
            span.record_exception(context.original_exception)
            span.set_status(trace.StatusCode.ERROR, type(context.original_exception).__name__)
            span.end()


class TraceContextFilter(logging.Filter):
    """Stamps the current trace and span ids on every record, so a log line leads to its
    trace and a trace to its log lines. Ids are hex, as trace backends show them."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = trace.get_current_span().get_span_context()
        record.trace_id = format(context.trace_id, "032x") if context.is_valid else None
        record.span_id = format(context.span_id, "016x") if context.is_valid else None
        return True


class RecentRecords(logging.Handler):
    """The last ``capacity`` records, for ``GET /debug/traces/{trace_id}``; a demo stand-in
    for a log store that can search by trace id."""

    def __init__(self, capacity: int) -> None:
        super().__init__()
        self.records: deque[dict[str, Any]] = deque(maxlen=capacity)
        self.addFilter(TraceContextFilter())

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(
            {
                "level": record.levelname,
                "message": record.getMessage(),
                "trace_id": getattr(record, "trace_id", None),
                "span_id": getattr(record, "span_id", None),
            }
        )


def span_as_dict(span: ReadableSpan, names: dict[int, str]) -> dict[str, Any]:
    context = span.get_span_context()
    parent = span.parent.span_id if span.parent else None
    return {
        "name": span.name,
        "service": span.resource.attributes.get(SERVICE_NAME),
        "kind": span.kind.name,
        "span_id": format(context.span_id, "016x") if context else None,
        "parent_id": format(parent, "016x") if parent else None,
        "parent": names.get(parent) if parent else None,
        "status": span.status.status_code.name,
        "attributes": dict(span.attributes or {}),
    }


def trace_as_dict(spans: tuple[ReadableSpan, ...], trace_id: int) -> list[dict[str, Any]]:
    """The spans of one trace, in the order they started: the request's own span first."""
    mine = sorted(
        (s for s in spans if s.context and s.context.trace_id == trace_id),
        key=lambda s: s.start_time or 0,
    )
    names = {s.context.span_id: s.name for s in mine if s.context}
    return [span_as_dict(span, names) for span in mine]
