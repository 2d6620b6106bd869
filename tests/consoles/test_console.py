from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from fastapi import FastAPI

from kb.consoles import console
from kb.consoles.requests import ConsoleRequest, Upload
from kb.consoles.results import ConsoleResult
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


# Bodies, uploads and cookies ---------------------------------------------------------------


@pytest.mark.anyio
async def test_a_body_reaches_the_example_byte_for_byte(greeter: FastAPI) -> None:
    for body, sent in [
        ("a\r\nb\u2028c\x0c", "a\r\nb\u2028c\x0c".encode()),
        ("hex,00ff0d0a;", b"\x00\xff\r\n"),
        ("base64,AP8NCg==;", b"\x00\xff\r\n"),
    ]:
        result = await console.send(greeter, MOUNT, ConsoleRequest("POST", "/echo-body", body=body))
        assert result.as_response().json() == {"hex": sent.hex()}


@pytest.mark.anyio
async def test_multipart_parts_send_fields_and_files_beside_the_example(
    greeter: FastAPI, site_settings: Settings
) -> None:
    parts = tryblocks.parse_parts("note: hi there\nfile: file,hello.txt; text/plain")
    request = ConsoleRequest("POST", "/upload", parts=parts, files_dir=site_settings.examples_dir)
    headers, body = request.encode()
    [content_type] = [value for name, value in headers if name == "Content-Type"]
    assert content_type.startswith("multipart/form-data; boundary=")
    assert b'filename="hello.txt"' in body and b"\r\nhello\n\r\n" in body
    result = await console.send(greeter, MOUNT, request)
    assert result.as_response().json() == {
        "filename": "hello.txt",
        "content_type": "text/plain",
        "text": "hello\n",
        "note": "hi there",
    }


@pytest.mark.anyio
async def test_a_chosen_file_replaces_the_default_one(
    greeter: FastAPI, site_settings: Settings
) -> None:
    parts = tryblocks.parse_parts("file: file,hello.txt;")
    upload = Upload("file", "mine.csv", "text/csv", b"a,b\r\n1,2\r\n")
    request = ConsoleRequest(
        "POST", "/upload", parts=parts, uploads=(upload,), files_dir=site_settings.examples_dir
    )
    reply = (await console.send(greeter, MOUNT, request)).as_response().json()
    assert (reply["filename"], reply["content_type"], reply["text"]) == (
        "mine.csv",
        "text/csv",
        "a,b\r\n1,2\r\n",
    )


@pytest.mark.anyio
async def test_every_set_cookie_is_kept_in_the_result(greeter: FastAPI) -> None:
    request = ConsoleRequest(
        "POST",
        "/session",
        (("Content-Type", "application/x-www-form-urlencoded"),),
        "username=ann",
    )
    result = await console.send(greeter, MOUNT, request)
    cookies = [value for name, value in result.headers if name == "set-cookie"]
    assert [c.split(";")[0] for c in cookies] == ["sid=s-ann", "theme=dark"]
    assert result.as_response().header("Set-Cookie") == cookies


@pytest.mark.anyio
async def test_run_blocks_shares_one_cookie_jar_as_a_browser_does(greeter: FastAPI) -> None:
    login = 'POST /session\n[FormParams]\nusername: ann\nHTTP 200\n[Captures]\nsid: cookie "sid"'
    whoami = 'GET /whoami\nHTTP 200\n[Asserts]\njsonpath "$.user" == "ann"'
    blocks = [
        tryblocks.parse(login),
        tryblocks.parse(whoami),
        tryblocks.parse(
            'GET /whoami\nCookie: sid=s-bob\nHTTP 200\n[Asserts]\njsonpath "$.user" == "bob"'
        ),
        tryblocks.parse('POST /logout\nHTTP 200\n[Asserts]\ncookie "sid[Max-Age]" == 0'),
        tryblocks.parse("GET /whoami\nHTTP 401"),
    ]
    outcomes = await console.run_blocks(greeter, MOUNT, blocks)
    assert [o.failures for o in outcomes] == [[], [], [], [], []]
    assert outcomes[0].captured == {"sid": "s-ann"}
    # The request's own Cookie header wins over the jar's cookie of the same name.
    assert outcomes[2].result is not None
    sent = dict(outcomes[2].result.request.headers)["Cookie"]
    assert sent == "sid=s-ann; theme=dark; sid=s-bob"


@pytest.mark.anyio
async def test_run_blocks_reports_a_request_that_cannot_be_built(greeter: FastAPI) -> None:
    blocks = [tryblocks.parse("POST /upload\n[MultipartFormData]\nfile: file,gone.txt;\nHTTP 200")]
    [outcome] = await console.run_blocks(greeter, MOUNT, blocks)
    assert outcome.result is None
    assert outcome.failures == ["'gone.txt': this request has no example folder to read files from"]


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
    assert failures == ['jsonpath "$.events[-1].event" == "done": expected "done", actual "tick"']
    assert captured == {"last": "3"}


def test_a_verdict_lists_every_check_passed_or_not() -> None:
    block = tryblocks.parse(
        'GET /me\nHTTP 200\n[Captures]\nuser: jsonpath "$.user"\nmissing: header "x-id"\n'
        '[Asserts]\njsonpath "$.user" == "ann"\njsonpath "$.n" > 2\njsonpath "$.gone" exists'
    )
    result = ConsoleResult(
        ConsoleRequest("GET", "/me"),
        201,
        1.0,
        headers=[("content-type", "application/json")],
        body=b'{"user": "ann", "n": 1}',
    )
    found = console.verdict(block, result)
    assert [(c.label, c.ok, c.expected, c.actual) for c in found.checks] == [
        ("status", False, "200", "201"),
        ('jsonpath "$.user" == "ann"', True, '"ann"', '"ann"'),
        ('jsonpath "$.n" > 2', False, "more than 2", "1"),
        ('jsonpath "$.gone" exists', False, "a value", "nothing at $.gone in the response body"),
        ("capture user", True, 'jsonpath "$.user"', "ann"),
        ("capture missing", False, 'header "x-id"', "no header 'x-id' in the response"),
    ]
    assert found.captured == {"user": "ann"}
    # What kb check prints is what it printed before the checks were listed.
    assert found.failures == console.check(block, result)[0]
    assert found.failures[1] == 'jsonpath "$.n" > 2: expected more than 2, actual 1'
    assert found.failures[0].startswith('expected HTTP 200, got 201: {"user"')
