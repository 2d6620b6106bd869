import json
import logging
import logging.config
import re

import pytest
from fastapi.testclient import TestClient

from kb.middleware.observability import (
    JsonFormatter,
    TextFormatter,
    configure_logging,
    logging_config,
    request_id,
)


def test_every_response_has_a_request_id(site_client: TestClient) -> None:
    generated = site_client.get("/").headers["x-request-id"]
    assert len(generated) == 32
    assert (
        site_client.get("/", headers={"X-Request-ID": "abc-123"}).headers["x-request-id"]
        == "abc-123"
    )
    replaced = site_client.get("/", headers={"X-Request-ID": "bad id <script>"}).headers[
        "x-request-id"
    ]
    assert replaced != "bad id <script>" and len(replaced) == 32
    assert "x-request-id" in site_client.get("/nope").headers


def test_access_log_lines_are_structured_with_the_request_id(
    site_client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="kb.access"):
        site_client.get("/patterns/greeting", headers={"X-Request-ID": "trace-1"})
    record = next(r for r in caplog.records if r.name == "kb.access")
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "GET /patterns/greeting 200"
    assert line["route"] == "/patterns/{slug}" and line["status"] == 200
    assert line["duration_ms"] >= 0


def test_the_formatter_includes_the_current_request_id() -> None:
    token = request_id.set("r-1")
    try:
        record = logging.LogRecord("kb", logging.WARNING, __file__, 1, "hello %s", ("you",), None)
        line = json.loads(JsonFormatter().format(record))
    finally:
        request_id.reset(token)
    assert (line["request_id"], line["level"], line["message"]) == ("r-1", "warning", "hello you")


def test_metrics_count_requests_by_route_and_report_sandboxes(site_client: TestClient) -> None:
    site_client.get("/patterns/greeting")
    site_client.get("/patterns/farewell")
    site_client.get("/examples/greeting/names")
    response = site_client.get("/metrics")
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert 'kb_requests_total{method="GET",route="/patterns/{slug}",status="200"} 2.0' in text
    assert 'kb_request_duration_seconds_count{route="/patterns/{slug}"} 2.0' in text
    assert 'route="/examples"' in text
    assert "kb_sandboxes_alive 2.0" in text  # the public one and this reader's


def test_healthz_reports_entries_and_broken_entries(site_client: TestClient) -> None:
    health = site_client.get("/healthz").json()
    assert (health["entries"], health["broken_entries"], health["status"]) == (2, 0, "ok")


def test_the_console_is_counted_under_its_route(site_client: TestClient) -> None:
    site_client.post(
        "/try/greeting",
        data={"block": "0", "method": "GET", "path": "/names"},
        headers={"HX-Request": "true"},
    )
    text = site_client.get("/metrics").text
    assert 'kb_requests_total{method="POST",route="/try/{slug}",status="200"} 1.0' in text
    assert 'route="unmatched"' not in text


def record_at(created: float, message: str = "hello") -> logging.LogRecord:
    record = logging.LogRecord("kb", logging.INFO, __file__, 1, message, (), None)
    record.created = created
    record.msecs = (created % 1) * 1000
    return record


def test_json_times_are_utc_iso_8601_with_milliseconds() -> None:
    line = json.loads(JsonFormatter().format(record_at(1_796_000_000.0421)))
    assert line["time"] == "2026-11-30T00:53:20.042Z"


def test_json_times_are_right_from_one_second_to_the_next_and_back() -> None:
    times = {
        1_796_000_000.0421: "2026-11-30T00:53:20.042Z",
        1_796_000_000.9999: "2026-11-30T00:53:20.999Z",
        1_796_000_001.5: "2026-11-30T00:53:21.500Z",
        1_796_000_000.25: "2026-11-30T00:53:20.250Z",  # a record made earlier, written later
        1_796_086_400.0: "2026-12-01T00:53:20.000Z",
    }
    for created, expected in times.items():
        assert json.loads(JsonFormatter().format(record_at(created)))["time"] == expected


def test_text_lines_are_for_a_person_with_the_request_and_its_duration() -> None:
    record = record_at(1_796_000_000.5, "GET / 200")
    record.fields = {"duration_ms": 3.25}
    token = request_id.set("r-9")
    try:
        line = TextFormatter().format(record)
    finally:
        request_id.reset(token)
    assert re.fullmatch(r"\d\d:\d\d:\d\d\.500 INFO    kb: GET / 200 3\.25 ms \[r-9\]", line)
    plain = TextFormatter().format(record_at(1_796_000_000.0))
    assert plain.endswith("INFO    kb: hello")


@pytest.mark.parametrize(
    ("level", "root"), [("debug", "WARNING"), ("info", "WARNING"), ("error", "ERROR")]
)
def test_the_logging_config_covers_uvicorn_the_kb_and_the_examples(level: str, root: str) -> None:
    config = logging_config(json_lines=True, level=level)
    assert config["formatters"]["kb"]["()"] == "kb.middleware.observability.JsonFormatter"
    loggers = config["loggers"]
    for name in ("kb", "uvicorn", "uvicorn.access"):
        assert loggers[name] == {"handlers": ["stderr"], "level": level.upper(), "propagate": False}
    assert loggers["kb_examples"]["level"] == level.upper()  # to the root's handler
    # Other libraries: warnings and worse, whatever the KB's level.
    assert config["root"] == {"handlers": ["stderr"], "level": root}
    text = logging_config(json_lines=False)
    assert text["formatters"]["kb"]["()"] == "kb.middleware.observability.TextFormatter"


def test_configure_logging_applies_the_config(monkeypatch: pytest.MonkeyPatch) -> None:
    applied: list[dict[str, object]] = []
    monkeypatch.setattr(logging.config, "dictConfig", applied.append)
    configure_logging(json_lines=False, level="warning")
    assert applied == [logging_config(json_lines=False, level="warning")]
