import json
import re

import httpx2
import pytest
from fastapi.testclient import TestClient
from starlette.types import Message

from kb.web.trylive import LiveResponse

HTMX = {"HX-Request": "true"}
ELAPSED = re.compile(r'<span class="elapsed">[\d.]+ ms</span>')


def console(client: TestClient, url: str, sent: dict[str, str], **fields: str) -> httpx2.Response:
    """POST a console form (``fields`` over the defaults) with the ``sent`` headers."""
    form = {"block": "0", "method": "GET", "path": "/", "headers": "", "body": ""} | fields
    return client.post(url, data=form, headers=sent)


def events_of(text: str) -> list[tuple[str, dict[str, object]]]:
    found = []
    for block in text.split("\n\n"):
        if block.strip():
            name = re.search(r"^event: (.*)$", block, re.M)
            data = re.search(r"^data: (.*)$", block, re.M)
            assert name is not None and data is not None, block
            found.append((name.group(1), json.loads(data.group(1))))
    return found


@pytest.mark.parametrize(
    ("slug", "fields"),
    [
        ("custom-responses", {"path": "/avatars/ann.png"}),
        ("custom-responses", {"path": "/files/nothing-here"}),
        ("custom-responses", {"block": "99"}),  # the console's own 422
        ("streaming-and-sse", {"block": "2", "path": "/builds/99/events"}),
    ],
)
def test_an_answer_that_does_not_stream_is_the_console_endpoints_own(
    project_client: TestClient, slug: str, fields: dict[str, str]
) -> None:
    plain = console(project_client, f"/try/{slug}", HTMX, **fields)
    live = console(project_client, f"/try/{slug}/live", HTMX, **fields)
    assert live.status_code == plain.status_code
    assert (
        live.headers["content-type"] == plain.headers["content-type"] == "text/html; charset=utf-8"
    )
    assert ELAPSED.sub("", live.text) == ELAPSED.sub("", plain.text)


def test_an_event_stream_arrives_as_its_events_then_the_result(project_client: TestClient) -> None:
    response = console(
        project_client,
        "/try/streaming-and-sse/live",
        HTMX,
        path="/builds/7/events?pace=0",
        headers="Accept: text/event-stream",
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert response.headers["x-accel-buffering"] == "no"
    events = events_of(response.text)
    names = [name for name, _ in events]
    assert names[0] == "start" and names[-1] == "result"
    assert set(names[1:-1]) == {"events"}
    start = str(events[0][1]["html"])
    assert "200 OK" in start and 'class="sse-events"' in start
    pieces = "".join(str(data["html"]) for name, data in events[1:-1])
    assert pieces.count('<li class="sse-event">') == 6  # and one comment-only block
    assert '<span class="sse-type">done</span>' in pieces
    sizes = [data["size"] for _, data in events[1:-1]]
    assert sizes == sorted(sizes) and sizes[-1] > 0
    result = events[-1][1]
    assert result["status"] == 200
    assert "as expected" in str(result["html"]) and "6 events" in str(result["html"])


def test_a_text_stream_arrives_escaped(project_client: TestClient) -> None:
    response = console(
        project_client, "/try/streaming-and-sse/live", HTMX, block="3", path="/builds/8/log?pace=0"
    )
    events = events_of(response.text)
    text = "".join(str(data.get("html", "")) for name, data in events if name == "text")
    assert text == "[1/5] checkout: ok\n[2/5] install: ok\n[3/5] test: FAILED\n"
    assert events[-1][0] == "result"


def test_without_htmx_the_answer_is_the_whole_page(project_client: TestClient) -> None:
    response = console(
        project_client,
        "/try/streaming-and-sse/live",
        {},
        path="/builds/7/events?pace=0",
        headers="Accept: text/event-stream",
    )
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "<html" in response.text and "6 events" in response.text


def test_the_live_route_has_its_own_metrics_label(project_client: TestClient) -> None:
    console(project_client, "/try/custom-responses/live", HTMX, path="/ping")
    metrics = project_client.get("/metrics").text
    assert 'route="/try/{slug}/live"' in metrics


@pytest.mark.anyio
async def test_a_reader_who_leaves_stops_the_events_not_the_example(
    project_client: TestClient,
) -> None:
    sent: list[Message] = []

    async def send(message: Message) -> None:
        if len(sent) == 2:
            raise OSError("the reader closed the page")
        sent.append(message)

    live = LiveResponse(send, project_client.app.state.templates)  # type: ignore[attr-defined]
    await live.started(200, [("content-type", "text/plain")])
    await live.body(b"one\n", True, 1.0)  # start, and the first piece: the page is gone
    await live.body(b"two\n", True, 2.0)  # not sent, and nothing raised to the example
    await live.finish()
    assert live.gone and len(sent) == 2
    assert sent[0]["type"] == "http.response.start"


@pytest.mark.anyio
async def test_a_stream_whose_console_answer_never_came_still_ends_with_a_result(
    project_client: TestClient,
) -> None:
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    live = LiveResponse(send, project_client.app.state.templates)  # type: ignore[attr-defined]
    await live.started(200, [("content-type", "text/event-stream")])
    await live.body(b"data: 1\n\n", True, 1.0)
    await live.finish()  # as after an exception in the console endpoint
    last_event = sent[-2]["body"].decode()
    assert last_event.startswith("event: result\n")
    assert '"status":500' in last_event and "could not finish" in last_event
    assert sent[-1] == {"type": "http.response.body", "body": b"", "more_body": False}
