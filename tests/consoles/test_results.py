from __future__ import annotations

import json

from kb.consoles import bodies, inprocess
from kb.consoles.requests import ConsoleRequest
from kb.consoles.results import ConsoleResult

MOUNT = "/examples/greeting"


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


def test_short_arrays_of_plain_values_are_one_line_long_ones_one_item_a_line() -> None:
    from kb.consoles.results import _pretty

    body = {
        "detail": [{"loc": ["body", "name"], "input": None}],
        "mixed": [1, 2.5, -3e5, True, None, 'a "quoted", with commas'],
        "long": ["x" * 30, "y" * 30],
        "nested": [[1, 2], [3]],
        "empty": [],
    }
    pretty = _pretty(json.dumps(body), "application/json", False)
    assert '"loc": ["body", "name"],' in pretty
    assert '"mixed": [1, 2.5, -300000.0, true, null, "a \\"quoted\\", with commas"],' in pretty
    assert '"long": [\n    "xxx' in pretty
    assert '"nested": [\n    [1, 2],\n    [3]\n  ],' in pretty
    assert json.loads(pretty) == json.loads(json.dumps(body))
