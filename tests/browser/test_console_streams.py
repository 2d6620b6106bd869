"""Consoles beyond JSON: a stream shown while it arrives, an image shown as an image."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import axe_violations, describe, send, shoot

pytestmark = pytest.mark.browser

STREAMS = "/patterns/streaming-and-sse"
RESPONSES = "/patterns/custom-responses"


def test_a_streamed_response_shows_its_first_events_before_it_ends(page: Page) -> None:
    page.goto(STREAMS)
    # Six events 0.4 s apart: well inside the console's 5 s.
    page.fill("#try-1-path", "/builds/7/events?pace=0.4")
    result = page.locator("#try-1-result")
    page.locator("#try-1 .send").click()

    live = result.locator(".stream-live")
    expect(live.locator(".sse-event:not(.sse-quiet)").first).to_be_visible(timeout=5_000)
    # The first event is on the page, the stream still open: the final result is not.
    assert live.locator(".sse-event:not(.sse-quiet)").count() < 6
    expect(live.locator(".status")).to_have_text("200 OK")
    expect(result).to_have_attribute("aria-busy", "true")
    first = live.locator(".sse-event:not(.sse-quiet)").first
    expect(first.locator(".sse-type")).to_have_text("progress")
    expect(first.locator(".sse-data")).to_contain_text('"step":"checkout"')
    shoot(page, "console-stream-live", full_page=False)

    # Then the whole result replaces it: the same events, timed, with the verdict.
    verdict = result.locator(".response:not(.stream-live) .verdict")
    expect(verdict).to_have_text("as expected", timeout=10_000)
    expect(result).not_to_have_attribute("aria-busy", "true")
    events = result.locator(".sse-events > .sse-event:not(.sse-quiet)")
    expect(events).to_have_count(6)
    expect(events.last.locator(".sse-type")).to_have_text("done")
    expect(events.last.locator(".sse-at")).to_have_text(re.compile(r"^\+\d+ ms$"))
    expect(result.locator(".timing")).to_contain_text("first byte after")
    shoot(page, "console-stream-done", full_page=False)


def test_an_unstreamed_response_is_the_ordinary_result(page: Page) -> None:
    page.goto(STREAMS)
    assert send(page, 3).startswith("404 Not Found")
    expect(page.locator("#try-3-result .stream-live")).to_have_count(0)
    expect(page.locator("#try-3-result .response-body")).to_contain_text("no build 99")


def test_a_png_in_the_console_is_shown_as_an_image(page: Page) -> None:
    page.goto(RESPONSES)
    assert send(page, 1).startswith("200 OK")
    image = page.locator("#try-1-result .response-image img")
    expect(image).to_be_visible()
    expect(image).to_have_attribute("src", re.compile(r"^data:image/png;base64,iVBORw0KGgo"))
    size = image.evaluate("img => [img.complete, img.naturalWidth, img.naturalHeight]")
    assert size == [True, 80, 80]
    download = page.locator("#try-1-result .response-image a.download")
    expect(download).to_have_attribute("href", "/examples/custom-responses/avatars/alice.png")
    expect(download).to_have_attribute("download", "alice.png")
    # Nothing of the body is shown as text, so no replacement character either.
    assert "\ufffd" not in (page.locator("#try-1-result").text_content() or "")
    shoot(page, "console-image", full_page=False)


def test_an_svg_file_is_an_image_too_and_never_inline_markup(page: Page) -> None:
    page.goto(RESPONSES)
    assert send(page, 3).startswith("200 OK")
    result = page.locator("#try-3-result")
    expect(result.locator(".response-image img")).to_have_attribute(
        "src", re.compile(r"^data:image/svg\+xml;base64,")
    )
    expect(result.locator("svg")).to_have_count(0)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_results_beyond_json_pass_axe(open_page, theme: str) -> None:
    # axe is injected as an inline script, which the KB's CSP forbids: bypass it here only.
    page: Page = open_page(color_scheme=theme, bypass_csp=True)
    page.goto(STREAMS)
    page.fill("#try-1-path", "/builds/8/events?pace=0")
    page.locator("#try-1 .send").click()
    expect(page.locator("#try-1-result .response:not(.stream-live) .verdict")).to_be_visible()
    page.locator("#try-1-result details.raw-stream summary").click()
    violations = axe_violations(page)
    assert not violations, f"event stream, {theme}:\n{describe(violations)}"

    page.goto(RESPONSES)
    assert send(page, 1).startswith("200 OK")  # an image
    page.fill("#try-2-path", "/avatars/alice.png?scale=1")
    page.locator("#try-2 .console-headers summary").click()
    page.fill("#try-2-headers", "X-Trace: 1")  # a link would not send it: a data: URL then
    assert send(page, 2).startswith("200 OK")
    expect(page.locator("#try-2-result a.download")).to_have_attribute(
        "href", re.compile(r"^data:image/png;base64,")
    )
    violations = axe_violations(page)
    assert not violations, f"image results, {theme}:\n{describe(violations)}"
