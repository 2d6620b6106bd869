from __future__ import annotations

import pytest

from kb.consoles.requests import ConsoleRequest, RequestError, Upload
from kb.content import tryblocks
from kb.settings import Settings

MOUNT = "/examples/greeting"


def test_curl_quotes_everything() -> None:
    request = ConsoleRequest("POST", "/names?a=1&b=2", (("X-Quote", "it's"),), '{"name": "x"}')
    assert request.curl("http://127.0.0.1:8000/", MOUNT) == (
        "curl -i -X POST 'http://127.0.0.1:8000/examples/greeting/names?a=1&b=2' "
        "-H 'X-Quote: it'\"'\"'s' --data-raw '{\"name\": \"x\"}'"
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
    with pytest.raises(RequestError, match=message):
        request_.encode()


def test_a_missing_file_beside_the_example_is_named(site_settings: Settings) -> None:
    request = ConsoleRequest(
        "POST",
        "/upload",
        parts=(tryblocks.Part("f", file="nope.txt"),),
        files_dir=site_settings.examples_dir,
    )
    with pytest.raises(RequestError, match=r"no file 'nope\.txt' beside the example"):
        request.encode()


def test_curl_sends_multipart_with_dash_f_and_cookies_in_one_header() -> None:
    parts = tryblocks.parse_parts("note: @home\nphoto: file,pixel.png; image/png\nraw: file,a.bin;")
    upload = Upload("raw", "my;file.bin", "application/x-thing", b"")
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
