"""An example's own HTML page in Chromium: its inline script runs, in an opaque origin.

The page (tests/fixtures/pages, ``/page``) writes into itself and fetches its example's
``notes``. It is served with the example policy (``sandbox`` without allow-same-origin,
kb.sandbox.mount), so it can neither read the KB's cookies nor call the KB as the reader;
what it can and cannot reach is SECURITY.md's "Example pages".
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Pages

pytestmark = pytest.mark.browser

PAGE = "/examples/pages/page"
RUN = """async ([url, options]) => {
    try {
        const response = await fetch(url, options);
        return `${response.status} ${await response.text()}`;
    } catch (error) { return error.name; }
}"""


def reader_page(pages: Pages) -> Page:
    """A reader's browser, with the KB's cookie, on the example's page."""
    page = pages.open()
    page.goto("/")
    assert [c["name"] for c in page.context.cookies()] == ["kb_reader"]
    page.goto(PAGE)
    return page


def test_an_example_pages_inline_script_runs(fixture_pages: Pages) -> None:
    page = reader_page(fixture_pages)
    expect(page.locator("#script")).to_have_text("the page's script ran")
    expect(page.locator("#notes")).to_have_attribute("data-loaded", "yes")  # its fetch()


def test_an_example_page_has_an_opaque_origin_and_reads_no_kb_cookie(
    fixture_pages: Pages,
) -> None:
    page = reader_page(fixture_pages)
    expect(page.locator("#script")).to_have_text("the page's script ran")
    assert page.evaluate("window.origin") == "null"
    for secret in ("document.cookie", "localStorage.length"):
        outcome = page.evaluate(
            f"() => {{ try {{ {secret}; return 'read'; }} catch (e) {{ return e.name; }} }}"
        )
        assert outcome == "SecurityError", secret


def test_an_example_page_cannot_call_the_kb_as_the_reader(fixture_pages: Pages) -> None:
    page = reader_page(fixture_pages)
    watch = fixture_pages.watch(page)
    watch.allow_console_error(r"from origin 'null' has been blocked by CORS policy")
    watch.allow_console_error(r"Failed to load resource: net::ERR_FAILED")
    for url in ("/api/patterns", "/patterns/pages", "/examples/pages/notes"):
        # With credentials, nothing the KB answers is readable from an opaque origin.
        assert page.evaluate(RUN, [url, {"credentials": "include"}]) == "TypeError", url
    assert page.evaluate(RUN, ["/api/patterns", {}]) == "TypeError"
    expect(page.locator("#script")).to_have_text("the page's script ran")


def test_an_example_pages_own_requests_reach_the_public_sandbox(fixture_pages: Pages) -> None:
    page = reader_page(fixture_pages)
    # The reader adds a note through the KB's origin: their own sandbox.
    added = page.context.request.post("/examples/pages/notes", data={"text": "reader's own"})
    assert added.status == 201
    page.reload()
    expect(page.locator("#notes")).to_have_attribute("data-loaded", "yes")
    assert "reader's own" not in page.locator("#notes").inner_text()
    # A request of the page's (a JSON POST, so a preflight first) works, without cookies.
    body = '{"text": "from the page"}'
    options = {"method": "POST", "headers": {"content-type": "application/json"}, "body": body}
    assert page.evaluate(RUN, ["notes", options]) == '201 {"text":"from the page"}'
    own = page.context.request.get("/examples/pages/notes").json()
    assert own == [{"text": "reader's own"}]
    # A cookie the example sets in answer to such a request is not kept.
    assert page.evaluate(RUN, ["remember", {}]) == '200 {"remembered":true}'
    assert [c["name"] for c in page.context.cookies()] == ["kb_reader"]
    # A link from the page is a top-level GET: the browser sends the reader's cookie.
    with page.expect_navigation():
        page.evaluate("location.href = 'notes'")
    assert "reader's own" in page.inner_text("body")


def test_a_form_posted_from_an_example_page_keeps_the_readers_cookie(
    fixture_pages: Pages,
) -> None:
    page = reader_page(fixture_pages)
    before = page.context.cookies()
    with page.expect_navigation():
        page.evaluate(
            """() => {
                const form = document.createElement("form");
                form.method = "POST";
                form.action = "/examples/greeting/login";
                form.innerHTML = '<input name="username" value="bob">';
                document.body.append(form);
                form.submit();
            }"""
        )
    assert page.inner_text("body") == '{"token":"t-bob"}'
    assert page.context.cookies() == before
