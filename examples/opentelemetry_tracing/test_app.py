"""One trace per request across the API, its database and the inventory; none shared
between two instances of the app; the trace id in logs and in error responses."""

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider

from .app import create_app


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(create_app()) as client:
        yield client


def trace_of(client: TestClient, path: str) -> tuple[int, dict[str, Any]]:
    response = client.get(path)
    found = client.get(f"/debug/traces/{response.headers['x-trace-id']}")
    assert found.status_code == 200
    return response.status_code, found.json()


def test_a_request_is_one_trace_through_the_database_and_the_inventory(
    client: TestClient,
) -> None:
    status, found = trace_of(client, "/orders/1")
    assert status == 200
    spans = {span["name"]: span for span in found["spans"]}
    assert list(spans) == ["GET /orders/{order_id}", "SELECT orders", "GET", "GET /stock/{sku}"]
    request, query, call, remote = spans.values()
    assert request["parent_id"] is None and request["kind"] == "SERVER"
    assert query["parent_id"] == request["span_id"]
    assert query["attributes"]["db.collection.name"] == "orders"
    assert (
        "?" in query["attributes"]["db.query.text"] or "%(" in query["attributes"]["db.query.text"]
    )
    assert call["parent_id"] == request["span_id"] and call["kind"] == "CLIENT"
    # The inventory runs without the caller's context: it joined the trace through the
    # traceparent header that the instrumented client sent, as a remote service does.
    assert remote["service"] == "inventory" and remote["kind"] == "SERVER"
    assert remote["parent_id"] == call["span_id"]


def test_log_records_carry_the_trace_and_span_ids(client: TestClient) -> None:
    _, found = trace_of(client, "/orders/2")
    request = found["spans"][0]
    assert found["logs"] == [
        {
            "level": "INFO",
            "message": "order looked up",
            "trace_id": found["trace_id"],
            "span_id": request["span_id"],
        }
    ]


def test_a_failed_dependency_marks_the_trace_and_the_problem_names_it(
    client: TestClient,
) -> None:
    response = client.get("/orders/3")
    assert response.status_code == 502
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["trace_id"] == response.headers["x-trace-id"]
    found = client.get(f"/debug/traces/{response.json()['trace_id']}").json()
    assert [span["status"] for span in found["spans"]] == ["ERROR", "UNSET", "ERROR", "ERROR"]
    assert found["logs"][0]["level"] == "ERROR"


def test_a_client_error_is_not_a_server_error(client: TestClient) -> None:
    status, found = trace_of(client, "/orders/99")
    assert status == 404
    # Semantic conventions: a 4xx is the client's mistake; the server span stays unset.
    assert found["spans"][0]["status"] == "UNSET"


def test_reading_traces_is_not_traced(client: TestClient) -> None:
    _, found = trace_of(client, "/orders/1")
    exported = client.app.state.spans.get_finished_spans()  # type: ignore[attr-defined]
    assert not any("/debug/" in span.name for span in exported)
    assert len(found["spans"]) == 4


def test_two_apps_trace_apart_and_the_global_provider_is_untouched() -> None:
    with TestClient(create_app()) as first, TestClient(create_app()) as second:
        one = first.get("/orders/1").headers["x-trace-id"]
        two = second.get("/orders/1").headers["x-trace-id"]
        assert first.get(f"/debug/traces/{two}").status_code == 404
        assert second.get(f"/debug/traces/{one}").status_code == 404
        for client in (first, second):
            exported = client.app.state.spans.get_finished_spans()  # type: ignore[attr-defined]
            trace_ids = {format(span.context.trace_id, "032x") for span in exported if span.parent}
            assert trace_ids == {one if client is first else two}
    # Nothing was registered process-wide: the global provider is still the default proxy.
    assert not isinstance(trace.get_tracer_provider(), TracerProvider)


def test_an_unknown_trace_is_a_404(client: TestClient) -> None:
    response = client.get(f"/debug/traces/{'0' * 32}")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
