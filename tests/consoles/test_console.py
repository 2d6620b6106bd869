from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from fastapi import FastAPI

from kb.consoles import bodies, console, inprocess
from kb.consoles.console import ConsoleRequest, ConsoleResult
from kb.content import tryblocks
from kb.sandbox import examples
from kb.settings import Settings

MOUNT = "/examples/greeting"


@pytest.fixture
async def greeter(site_settings: Settings) -> AsyncIterator[FastAPI]:
    running = examples.RunningApps()
    app = await running.start("greeting", examples.build(site_settings.examples_dir, "greeter"))
    yield app
    await running.aclose()


@pytest.mark.anyio
async def test_send_returns_status_headers_and_pretty_json(greeter: FastAPI) -> None:
    request = ConsoleRequest(
        "POST", "/names", (("Content-Type", "application/json"),), '{"name":"bob"}'
    )
    result = await console.send(greeter, MOUNT, request)
    assert (result.status, result.reason, result.status_class) == (201, "Created", "s2xx")
    assert result.media_type == "application/json"
    assert result.body_text == '{\n  "name": "bob"\n}'
    assert result.elapsed_ms > 0
    assert "<span" in result.body_html


@pytest.mark.anyio
async def test_the_example_sees_its_mount_and_the_readers_host(greeter: FastAPI) -> None:
    result = await console.send(
        greeter, MOUNT, ConsoleRequest("GET", "/link"), origin="http://kb.example:8000"
    )
    assert result.as_response().json() == {
        "names": "http://kb.example:8000/examples/greeting/names"
    }


@pytest.mark.anyio
async def test_hop_by_hop_headers_from_the_reader_are_dropped(greeter: FastAPI) -> None:
    request = ConsoleRequest("GET", "/echo-headers", (("Host", "evil"), ("X-Demo", "1")))
    echoed = (await console.send(greeter, MOUNT, request)).as_response().json()
    assert echoed["host"] == "testserver" and echoed["x-demo"] == "1"


@pytest.mark.anyio
async def test_example_errors_are_the_examples_own_responses(greeter: FastAPI) -> None:
    invalid = await console.send(
        greeter,
        MOUNT,
        ConsoleRequest("POST", "/names", (("Content-Type", "application/json"),), "{"),
    )
    assert invalid.status == 422
    crashed = await console.send(greeter, MOUNT, ConsoleRequest("GET", "/boom"))
    assert crashed.status == 500 and crashed.error == ""


@pytest.mark.anyio
async def test_a_slow_example_is_stopped_with_504(greeter: FastAPI) -> None:
    result = await console.send(
        greeter, MOUNT, ConsoleRequest("GET", "/slow?seconds=5"), timeout=0.05
    )
    assert result.status == 504
    assert "did not answer within 0.05 s" in result.error


@pytest.mark.anyio
async def test_large_responses_are_truncated(greeter: FastAPI) -> None:
    result = await console.send(
        greeter, MOUNT, ConsoleRequest("GET", "/big?size=5000"), max_response=1000
    )
    assert result.truncated and len(result.body) == 1000


def test_curl_quotes_everything() -> None:
    request = ConsoleRequest("POST", "/names?a=1&b=2", (("X-Quote", "it's"),), '{"name": "x"}')
    assert request.curl("http://127.0.0.1:8000/", MOUNT) == (
        "curl -i -X POST 'http://127.0.0.1:8000/examples/greeting/names?a=1&b=2' "
        "-H 'X-Quote: it'\"'\"'s' --data-raw '{\"name\": \"x\"}'"
    )


@pytest.mark.anyio
async def test_run_blocks_feeds_captures_forward_and_reports_failures(greeter: FastAPI) -> None:
    blocks = [
        tryblocks.parse(
            'POST /login\n[FormParams]\nusername: ann\nHTTP 200\n[Captures]\ntoken: jsonpath "$.token"'
        ),
        tryblocks.parse(
            'GET /me\nAuthorization: Bearer {{token}}\nHTTP 200\n[Asserts]\njsonpath "$.user" == "ann"'
        ),
        tryblocks.parse("GET /me\nHTTP 200"),
        tryblocks.parse("GET /me\nAuthorization: {{nobody}}\nHTTP 200"),
    ]
    outcomes = await console.run_blocks(greeter, MOUNT, blocks)
    assert outcomes[0].captured == {"token": "t-ann"}
    assert outcomes[1].failures == []
    assert outcomes[2].failures[0].startswith("expected HTTP 200, got 401")
    assert outcomes[3].failures == ["uses {{nobody}}, which no earlier block captures"]


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(40)


def result_of(
    body: bytes,
    content_type: str,
    request: ConsoleRequest | None = None,
    **fields: object,
) -> ConsoleResult:
    return ConsoleResult(
        request or ConsoleRequest("GET", "/thing"),
        200,
        1.0,
        headers=[("content-type", content_type)],
        body=body,
        arrivals=(inprocess.Arrival(len(body), 1.0),),
        **fields,  # type: ignore[arg-type]
    )


def test_an_image_is_shown_from_a_data_url_and_never_as_text() -> None:
    image = result_of(PNG, "image/png")
    assert image.view.kind == "image"
    assert image.image_url.startswith("data:image/png;base64,iVBORw0KGgo")
    assert image.body_html == "" and image.body_text == ""
    assert image.linkable and image.download_name == "response.png"
    # Cut short, it is no image to show, but what arrived can still be downloaded.
    cut = result_of(PNG, "image/png", truncated=True)
    assert cut.image_url == "" and cut.download_url.startswith("data:image/png;base64,")


def test_other_bytes_get_a_hex_dump_and_a_download() -> None:
    request = ConsoleRequest("POST", "/export", (("Authorization", "Bearer t"),))
    blob = result_of(b"\x00\x01\xfe\xff" * 100, "application/octet-stream", request)
    assert blob.view.kind == "binary" and blob.size_text == "400 bytes"
    assert blob.hex_preview.startswith("00000000  00 01 fe ff 00 01 fe ff  00 01")
    assert "\ufffd" not in blob.hex_preview and blob.body_html == ""
    assert not blob.linkable  # a link cannot send the POST, nor its Authorization header
    assert blob.download_url.startswith("data:application/octet-stream;base64,AAH+/w")
    big = result_of(bytes(bodies.DATA_URL_LIMIT + 1), "application/octet-stream", request)
    assert big.download_url == ""


def test_an_event_stream_is_its_events_each_with_when_it_arrived() -> None:
    body = b"event: a\ndata: 1\n\n: ping\n\nevent: b\ndata: 2\n\n"
    stream = result_of(body, "text/event-stream")
    stream.arrivals = (inprocess.Arrival(18, 5.0), inprocess.Arrival(len(body), 250.0))
    assert stream.streamed
    assert [(event.type, event.dispatched, ms) for event, ms in stream.events] == [
        ("a", True, 5.0),
        ("message", False, 250.0),
        ("b", True, 250.0),
    ]
    assert stream.event_count == 2
    assert "event" in stream.body_text  # the raw stream, shown folded under the events


def test_what_the_work_after_the_response_did_is_told_in_a_sentence() -> None:
    def told(after: float | str | None, failure: inprocess.Failure | None = None) -> str:
        return result_of(b"", "", after_response=after, failure=failure).after_response_text

    assert told(None) == ""
    assert told(212.4) == "Work after the response (background tasks) finished after 212 ms."
    assert told("running") == (
        "Work after the response (background tasks) is still running: "
        "the console stopped waiting for it."
    )
    failed = inprocess.Failure("MailerError", "bounced", "examples/mail.py:3", "...", True)
    assert told(40.0, failed) == (
        "Work after the response (background tasks) failed after 40 ms: MailerError: "
        "bounced (examples/mail.py:3). The response had been sent already, so a client "
        "never learns of it."
    )
    during = inprocess.Failure("KeyError", "x", "", "...", False)
    assert told(None, during) == ""  # raised before the response ended: not after it


STREAMING = """import asyncio

from fastapi import FastAPI
from fastapi.sse import EventSourceResponse, ServerSentEvent


def create_app() -> FastAPI:
    app = FastAPI()

    @app.get("/events", response_class=EventSourceResponse)
    async def events(count: int = 3, pause: float = 0.0):
        for number in range(1, count + 1):
            await asyncio.sleep(pause)
            yield ServerSentEvent(data={"n": number}, event="tick", id=str(number))

    return app
"""


@pytest.fixture
async def streamer(tmp_path: Path) -> AsyncIterator[FastAPI]:
    (tmp_path / "streamer.py").write_text(STREAMING)
    running = examples.RunningApps()
    yield await running.start("streamer", examples.build(tmp_path, "streamer"))
    await running.aclose()


@pytest.mark.anyio
async def test_a_stream_past_the_timeout_is_shown_as_far_as_it_got(streamer: FastAPI) -> None:
    request = ConsoleRequest("GET", "/events?count=50&pause=0.05")
    result = await console.send(streamer, "/examples/streamer", request, timeout=0.3)
    assert result.status == 200 and result.incomplete
    assert result.error == (
        "The stream was still sending after 0.3 s, so the console stopped reading it: "
        "showing what arrived."
    )
    assert 2 <= result.event_count < 50
    # kb check counts it as a failure: an entry's blocks must end.
    block = tryblocks.parse("GET /events?count=50&pause=0.05\nHTTP 200")
    assert console.check(block, result)[0] == [result.error]


@pytest.mark.anyio
async def test_try_blocks_assert_on_the_events_of_a_stream(streamer: FastAPI) -> None:
    block = tryblocks.parse(
        "GET /events?count=3&pause=0.01\nHTTP 200\n[Captures]\n"
        'last: jsonpath "$.events[-1].id"\n[Asserts]\n'
        'jsonpath "$.count" == 3\n'
        'jsonpath "$.events[0].event" == "tick"\n'
        'jsonpath "$.events[-1].json.n" == 3\n'
        'jsonpath "$.events[1].data" == "{\\"n\\": 2}"\n'
        'jsonpath "$.events[-1].event" == "done"'
    )
    result = await console.send(streamer, "/examples/streamer", ConsoleRequest("GET", block.path))
    assert result.streamed and len(result.arrivals) == 3
    failures, captured = console.check(block, result)
    assert failures == ['jsonpath "$.events[-1].event" == "done": got "tick"']
    assert captured == {"last": "3"}
