"""A console's result as the page shows it (templates/_try_result.html), beyond JSON."""

from html import unescape
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kb.consoles import inprocess
from kb.consoles.requests import ConsoleRequest
from kb.consoles.results import ConsoleResult

HTMX = {"HX-Request": "true"}


def render(client: TestClient, result: ConsoleResult, **context: Any) -> str:
    template = client.app.state.templates.get_template("_try_result.html")  # type: ignore[attr-defined]
    entry = SimpleNamespace(slug="demo", mount="/examples/demo")
    return str(
        template.render(
            entry=entry,
            result=result,
            captured={},
            failures=[],
            error=result.error,
            curl="",
            elapsed="1.0",
            dev=False,
            **context,
        )
    )


def result_of(body: bytes, content_type: str, **fields: Any) -> ConsoleResult:
    return ConsoleResult(
        fields.pop("request", ConsoleRequest("GET", "/report")),
        fields.pop("status", 200),
        1.0,
        headers=[("content-type", content_type)],
        body=body,
        arrivals=(inprocess.Arrival(len(body), 1.0),),
        **fields,
    )


def test_a_png_from_the_console_endpoint_is_an_img(project_client: TestClient) -> None:
    form = {"block": "0", "method": "GET", "path": "/avatars/ann.png", "headers": "", "body": ""}
    html = project_client.post("/try/custom-responses", data=form, headers=HTMX).text
    assert '<img src="data:image/png;base64,iVBORw0KGgo' in html
    assert 'href="/examples/custom-responses/avatars/ann.png" download="ann.png"' in html
    assert "\ufffd" not in html and "IHDR" not in html


def test_bytes_are_a_hex_dump_with_a_download(project_client: TestClient) -> None:
    body = bytes(range(256)) * 2
    html = render(project_client, result_of(body, "application/octet-stream"))
    assert "Binary body: <code>application/octet-stream</code>, 512 bytes." in html
    assert "00000000  00 01 02 03 04 05 06 07  08 09 0a 0b 0c 0d 0e 0f  |................|" in html
    assert "000000f0  f0 f1" in html and "00000100" not in html  # the first 256 bytes
    assert "The first 256 bytes" in html
    # A GET with no headers of its own: the same request, as a link.
    assert 'href="/examples/demo/report" download="response.bin"' in html


def test_bytes_from_a_post_are_offered_as_a_data_url(project_client: TestClient) -> None:
    request = ConsoleRequest("POST", "/exports")
    pdf = result_of(b"%PDF-1.7 \x00\xff", "application/pdf", request=request)
    html = render(project_client, pdf)
    assert 'href="data:application/pdf;base64,JVBERi0xLjcgAP8=" download="response.pdf"' in html


def test_svg_is_shown_as_an_image_never_as_markup(project_client: TestClient) -> None:
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    html = render(project_client, result_of(svg, "image/svg+xml"))
    assert '<img src="data:image/svg+xml;base64,' in html
    assert "<svg" not in html and "<script" not in html


def test_text_that_does_not_decode_is_bytes_not_replacement_characters(
    project_client: TestClient,
) -> None:
    html = render(project_client, result_of(b"caf\xe9 \x80\x81", "text/plain"))
    assert "\ufffd" not in unescape(html) and "Binary body" in html


def test_an_event_stream_is_listed_event_by_event(project_client: TestClient) -> None:
    body = (
        b'retry: 500\n: hello\n\nevent: progress\nid: 1\ndata: {"p": 1}\n\ndata: <b>\n\ndata: cut'
    )
    html = render(project_client, result_of(body, "text/event-stream"))
    assert "2 events in a <code>text/event-stream</code>" in html
    assert (
        '<span class="sse-type">progress</span> <span class="sse-field">id <code>1</code>' in html
    )
    assert "retry <code>500 ms</code>" in html and "<code>: hello</code>" in html
    assert "&lt;b&gt;" in html and "<b>" not in html  # data is escaped
    assert '<span class="sse-type">unfinished block</span>' in html
    assert "Raw stream (" in html


@pytest.mark.parametrize(
    ("after", "failure", "shown"),
    [
        (212.0, None, "Work after the response (background tasks) finished after 212 ms."),
        ("running", None, "is still running: the console stopped waiting for it."),
        (
            40.0,
            inprocess.Failure("MailerError", "bounced", "examples/m.py:3", "tb", True),
            "failed after 40 ms: <code>MailerError: bounced (examples/m.py:3)</code>.",
        ),
    ],
)
def test_work_after_the_response_is_told_apart_from_the_response(
    project_client: TestClient, after: float | str, failure: inprocess.Failure | None, shown: str
) -> None:
    result = result_of(b"{}", "application/json", status=202, after_response=after, failure=failure)
    html = render(project_client, result)
    assert shown in html
    assert "202 Accepted" in html and "The example raised" not in html
    assert ('class="after-response failed"' in html) == (failure is not None)


def test_a_stream_cut_by_the_timeout_is_marked_not_an_error(project_client: TestClient) -> None:
    result = result_of(
        b"tick\n",
        "text/plain",
        incomplete=True,
        error="The stream was still sending after 5 s, so the console stopped reading it: "
        "showing what arrived.",
    )
    html = render(project_client, result)
    assert '<p class="stream-cut" role="status">The stream was still sending' in html
    assert "console-error" not in html and "first byte after" in html
