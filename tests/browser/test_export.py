"""Taking requests elsewhere: each console's request as code (tabs, Copy, no-JS), the
entry's .hurl link, and the examples' API docs pages (a bar back to the pattern, dark)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import JWT_ENTRY, PLAIN_ENTRY, send, shoot

pytestmark = pytest.mark.browser

DARK_BG = "rgb(13, 17, 23)"
LIGHT_BG = "rgb(255, 255, 255)"
LANGUAGES = ["curl", "httpie", "python", "javascript"]


def background(page: Page) -> str:
    return page.evaluate("getComputedStyle(document.body).backgroundColor")


def lightness(page: Page, selector: str) -> float:
    """The text colour's mean channel of the first element ``selector`` finds, 0 to 255."""
    page.locator(selector).first.wait_for()
    colour = page.locator(selector).first.evaluate("e => getComputedStyle(e).color")
    channels = [int(c) for c in re.findall(r"\d+", colour)[:3]]
    return sum(channels) / 3


def expect_light_text(page: Page, selector: str) -> None:
    # Swagger UI's and ReDoc's own dark palettes: text near white, whatever the exact tint.
    assert lightness(page, selector) > 190, selector


def test_the_code_is_tabs_with_a_copy_button_each(open_page) -> None:
    page: Page = open_page(permissions=["clipboard-read", "clipboard-write"])
    page.evaluate("() => { try { localStorage.clear(); } catch (e) {} }")
    page.goto(PLAIN_ENTRY)
    code = page.locator("#try-1-code")
    code.locator("summary").click()
    tabs = code.get_by_role("tab")
    expect(tabs).to_have_text(["curl", "HTTPie", "Python (httpx)", "JavaScript (fetch)"])
    expect(code.get_by_role("tab", name="curl")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#try-1-code-curl pre")).to_be_visible()
    expect(page.locator("#try-1-code-python pre")).to_be_hidden()
    origin = page.url.split("/patterns/")[0]
    curl = page.locator("#try-1-code-curl pre").inner_text()
    assert curl.startswith(f"curl -i '{origin}/examples/query-parameters/books?")

    code.get_by_role("tab", name="Python (httpx)").click()
    expect(page.locator("#try-1-code-python pre")).to_be_visible()
    expect(page.locator("#try-1-code-curl pre")).to_be_hidden()
    expect(code.get_by_role("tab", name="Python (httpx)")).to_have_attribute(
        "aria-selected", "true"
    )
    # Every console follows the choice.
    expect(page.locator("#try-2-code-python")).not_to_have_attribute("data-inactive", "")

    # The arrow keys move between the tabs, as in any tab list.
    page.keyboard.press("ArrowRight")
    javascript = code.get_by_role("tab", name="JavaScript (fetch)")
    expect(javascript).to_be_focused()
    expect(javascript).to_have_attribute("aria-selected", "true")
    panel = page.locator("#try-1-code-javascript")
    expect(panel.locator("pre")).to_be_visible()

    # Copy sits beside the code, never over it, and copies exactly the code.
    expect(page.locator(".request-code pre button")).to_have_count(0)
    copy = panel.get_by_role("button", name="Copy the JavaScript (fetch) code")
    copy.click()
    expect(copy).to_have_text("Copied")
    text = panel.locator("pre").inner_text()
    assert text.startswith(f'const response = await fetch("{origin}/examples/query-parameters/')
    assert page.evaluate("navigator.clipboard.readText()") == text
    copy_box = copy.bounding_box()
    code_box = panel.locator("pre").bounding_box()
    assert copy_box and code_box and copy_box["y"] + copy_box["height"] <= code_box["y"]
    assert copy_box["height"] >= 44

    # The choice is remembered, for what was sent as well.
    send(page, 1)
    sent = page.locator("#try-1-sent-code")
    sent.locator("summary").click()
    expect(page.locator("#try-1-sent-code-javascript pre")).to_be_visible()
    page.reload()
    page.locator("#try-1-code summary").click()
    expect(page.locator("#try-1-code-javascript pre")).to_be_visible()
    page.locator("#try-1-code").scroll_into_view_if_needed()
    shoot(page, "request-code-light-desktop", full_page=False)


def test_without_javascript_every_language_is_readable_code(open_page) -> None:
    page: Page = open_page(java_script_enabled=False)
    page.goto(JWT_ENTRY)
    code = page.locator("#try-2-code")
    code.locator("summary").click()
    expect(code.get_by_role("tab").first).to_be_hidden()
    for language in LANGUAGES:
        expect(page.locator(f"#try-2-code-{language} pre")).to_be_visible()
    expect(page.locator("#try-2-code-curl pre")).to_contain_text("Bearer {{token}}")
    expect(code.locator(".request-code-label")).to_have_text(
        ["curl", "HTTPie", "Python (httpx)", "JavaScript (fetch)"]
    )


def test_the_entry_links_its_hurl_file(page: Page) -> None:
    page.goto(JWT_ENTRY)
    link = page.get_by_role("link", name="Download as .hurl")
    expect(link).to_have_attribute("href", "/patterns/jwt-token-validation.hurl")
    response = page.request.get("/patterns/jwt-token-validation.hurl")
    assert response.ok and response.headers["content-type"] == "text/plain; charset=utf-8"
    assert "Authorization: Bearer {{token}}" in response.text()


def test_an_examples_swagger_page_leads_back_to_its_pattern(page: Page) -> None:
    page.goto("/examples/jwt-token-validation/docs")
    expect(page.locator(".swagger-ui .info .title")).to_be_visible()
    bar = page.locator("header.docs-bar")
    expect(bar.get_by_role("link", name="FastAPI Patterns")).to_have_attribute("href", "/")
    back = bar.get_by_role("link", name="Token Validation")
    expect(back).to_be_visible()
    back.click()
    expect(page).to_have_url(re.compile(re.escape(JWT_ENTRY) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Token Validation")


@pytest.mark.parametrize("path", ["/examples/jwt-token-validation/docs", "/docs"])
def test_swagger_is_dark_when_the_system_is(open_page, path: str) -> None:
    page: Page = open_page(color_scheme="dark")
    page.goto(path)
    title = page.locator(".swagger-ui .info .title")
    expect(title).to_be_visible()
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    assert background(page) == DARK_BG
    for selector in (
        ".swagger-ui .info .title",
        ".swagger-ui .opblock-tag",
        ".models-control span",
    ):
        expect_light_text(page, selector)
    if path != "/docs":
        shoot(page, "swagger-dark-desktop")


def test_swagger_and_redoc_follow_the_theme_chosen_on_the_site(open_page) -> None:
    page: Page = open_page(color_scheme="light")
    page.goto(PLAIN_ENTRY)
    page.get_by_role("button", name="Switch between light and dark theme").click()
    page.goto("/examples/query-parameters/docs")
    expect_light_text(page, ".swagger-ui .info .title")
    assert background(page) == DARK_BG

    page.goto("/examples/query-parameters/redoc")
    heading = page.locator(".api-info h1")
    expect(heading).to_be_visible()
    expect_light_text(page, ".api-info h1")
    expect_light_text(page, ".menu-content [role=menuitem]")
    assert background(page) == DARK_BG
    expect(page.get_by_role("link", name="Query Parameters")).to_be_visible()

    page.evaluate("localStorage.setItem('kb-theme', 'light')")
    page.goto("/examples/query-parameters/docs")
    expect(page.locator(".swagger-ui .info .title")).to_be_visible()
    assert background(page) == LIGHT_BG
    assert lightness(page, ".swagger-ui .info .title") < 80


def test_the_code_names_the_host_the_page_was_reached_by(browser, live_server) -> None:
    """Entry pages are rendered once: reached by another name, the code follows it. (Not
    the ``pages`` fixture: it counts a request to another name as a leak.)"""
    other = live_server.url.replace("127.0.0.1", "localhost")
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(live_server.url + PLAIN_ENTRY)  # rendered for 127.0.0.1, and kept
        page.goto(other + PLAIN_ENTRY)
        page.locator("#try-1-code summary").click()
        for language in LANGUAGES:
            text = page.locator(f"#try-1-code-{language} pre").text_content() or ""
            assert f"{other}/examples/query-parameters/books?" in text, language
            assert "127.0.0.1" not in text, language
    finally:
        context.close()
