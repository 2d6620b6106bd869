from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI

from kb.consoles import console
from kb.consoles.console import ConsoleRequest
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
    upload = console.Upload("file", "mine.csv", "text/csv", b"a,b\r\n1,2\r\n")
    request = ConsoleRequest(
        "POST", "/upload", parts=parts, uploads=(upload,), files_dir=site_settings.examples_dir
    )
    reply = (await console.send(greeter, MOUNT, request)).as_response().json()
    assert (reply["filename"], reply["content_type"], reply["text"]) == (
        "mine.csv",
        "text/csv",
        "a,b\r\n1,2\r\n",
    )


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (
            ConsoleRequest("POST", "/upload", parts=(tryblocks.Part("f", file="nope.txt"),)),
            "no example folder",
        ),
        (ConsoleRequest("POST", "/echo-body", body="file,nope.bin;"), "no example folder"),
        (ConsoleRequest("POST", "/echo-body", body="hex,0;"), "the body: the hex"),
    ],
)
def test_a_request_that_cannot_be_built_says_why(request_: ConsoleRequest, message: str) -> None:
    with pytest.raises(console.RequestError, match=message):
        request_.encode()


def test_a_missing_file_beside_the_example_is_named(site_settings: Settings) -> None:
    request = ConsoleRequest(
        "POST",
        "/upload",
        parts=(tryblocks.Part("f", file="nope.txt"),),
        files_dir=site_settings.examples_dir,
    )
    with pytest.raises(console.RequestError, match=r"no file 'nope\.txt' beside the example"):
        request.encode()


def test_curl_sends_multipart_with_dash_f_and_cookies_in_one_header() -> None:
    parts = tryblocks.parse_parts("note: @home\nphoto: file,pixel.png; image/png\nraw: file,a.bin;")
    upload = console.Upload("raw", "my;file.bin", "application/x-thing", b"")
    request = ConsoleRequest(
        "POST", "/files", (("Cookie", "sid=abc"),), parts=parts, uploads=(upload,)
    )
    assert request.curl("http://kb", MOUNT, "kb_reader=r.1") == (
        "curl -i -X POST http://kb/examples/greeting/files --cookie 'kb_reader=r.1; sid=abc' "
        "--form-string note=@home -F 'photo=@pixel.png;type=image/png' "
        "-F 'raw=@\"my;file.bin\";type=application/x-thing'"
    )


@pytest.mark.parametrize(
    ("body", "tail"),
    [
        ("file,data.bin;", "--data-binary @data.bin"),
        ("hex,68690a;", "--data-raw 'hi\n'"),
        ("hex,000d0a;", "--data-binary @-"),
    ],
)
def test_curl_sends_exactly_the_bodys_bytes(body: str, tail: str) -> None:
    command = ConsoleRequest("POST", "/x", body=body).curl("http://kb", MOUNT)
    assert command.endswith(tail)
    if tail.endswith("@-"):
        assert command.startswith("printf %s AA0K | base64 -d | curl ")


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
