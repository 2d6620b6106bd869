"""The consoles: send a request, read the response, follow a login through captured values."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Pages
from tests.browser.support import JWT_ENTRY, PLAIN_ENTRY, send

pytestmark = pytest.mark.browser


def css_var(page: Page, name: str) -> str:
    """A custom property of the page as the browser resolves it, as `rgb(...)`."""
    return page.evaluate(
        """name => {
            const probe = document.createElement("span");
            probe.style.color = `var(${name})`;
            document.body.appendChild(probe);
            const colour = getComputedStyle(probe).color;
            probe.remove();
            return colour;
        }""",
        name,
    )


def test_send_a_request_and_read_the_response(open_page) -> None:
    page: Page = open_page(permissions=["clipboard-read", "clipboard-write"])
    page.goto(PLAIN_ENTRY)
    console = page.locator("#try-1")
    expect(console.locator("#try-1-method")).to_have_value("GET")
    expect(console.locator("#try-1-path")).to_have_value(re.compile(r"^/books\?"))

    status = send(page, 1)
    assert re.fullmatch(r"200 OK\s+[\d.]+ ms\s+as expected", status)
    result = page.locator("#try-1-result")
    response = result.locator(".response")
    expect(response).to_have_class(re.compile(r"\bs2xx\b"))
    expect(result.locator(".status")).to_have_css("color", css_var(page, "--ok"))
    expect(result.locator(".elapsed")).to_have_text(re.compile(r"^\d+\.\d ms$"))

    # Headers: folded, and unfold on demand.
    headers = result.locator("details.response-headers")
    expect(headers.locator("dl")).to_be_hidden()
    headers.locator("summary").click()
    expect(headers.locator("dl")).to_be_visible()
    expect(headers.locator("dt", has_text="content-type")).to_be_visible()

    # The JSON body, pretty-printed and highlighted.
    body = result.locator(".response-body pre").text_content() or ""
    assert body.startswith("{\n  ")
    assert json.loads(body)["total"] == 3
    expect(result.locator(".response-body .highlight .nt").first).to_be_visible()

    # What was sent, as code: the same request against this server.
    result.locator("details.request-code summary").click()
    curl = result.locator("#try-1-sent-code-curl")
    command = curl.locator("pre").text_content() or ""
    origin = page.url.split("/patterns/")[0]
    assert command.startswith(f"curl -i '{origin}/examples/query-parameters/books?")
    curl.get_by_role("button", name="Copy the curl code").click()
    assert page.evaluate("navigator.clipboard.readText()") == command

    # The example's own API docs, served locally, linked from the head of the consoles.
    docs = page.locator(".try-bar").get_by_role("link", name="Example API docs")
    expect(docs).to_have_attribute("href", "/examples/query-parameters/docs")
    docs.click()
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Query")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()


def test_status_is_coloured_by_class(page: Page) -> None:
    page.goto(PLAIN_ENTRY)
    assert send(page, 3).startswith("422 Unprocessable")
    result = page.locator("#try-3-result")
    expect(result.locator(".response")).to_have_class(re.compile(r"\bs4xx\b"))
    expect(result.locator(".status")).to_have_css("color", css_var(page, "--warn"))
    assert css_var(page, "--warn") != css_var(page, "--ok")
    expect(result.locator(".verdict")).to_have_text("as expected")


def test_an_edited_request_that_differs_from_the_entry(page: Page) -> None:
    page.goto(PLAIN_ENTRY)
    path = page.locator("#try-1-path")
    path.fill("/books?limit=0")
    status = send(page, 1)
    assert status.startswith("422 ")
    expect(page.locator("#try-1-result .verdict")).to_have_text(
        "differs from the entry’s expectation"
    )


def test_the_jwt_flow(pages: Pages) -> None:
    page = pages.open()
    page.goto(JWT_ENTRY)
    vars_box = page.locator(".console-vars").first
    expect(vars_box).to_contain_text("none yet")

    # The protected call first: it needs the token that the login captures.
    pages.watch(page).allow_console_error(r"status of 422")
    assert "Send request 1 (POST /token) first" in send(page, 2)
    expect(page.locator("#try-2-result .console-error")).to_contain_text("{{token}}")

    # Log in: the token is captured, shown, and used by the next requests.
    assert send(page, 1).startswith("200 OK")
    result = page.locator("#try-1-result")
    expect(result.locator(".captured")).to_contain_text("token")
    expect(vars_box).to_be_visible()
    token = vars_box.locator(".var[data-name=token] .var-value")
    expect(token).to_have_attribute("data-value", re.compile(r"^eyJ[\w-]+\.[\w-]+\.[\w-]+$"))
    body = json.loads(result.locator(".response-body pre").text_content() or "")
    expect(token).to_have_attribute("data-value", body["access_token"])

    assert send(page, 2).startswith("200 OK")
    orders = json.loads(page.locator("#try-2-result .response-body pre").text_content() or "")
    assert orders[0]["owner_id"] == "usr_3c9e1f70"  # alice's id: orders belong to the sub
    curl = page.locator("#try-2-sent-code-curl pre").text_content() or ""
    assert f"Authorization: Bearer {body['access_token']}" in curl  # the captured value

    # A forged token is refused; a valid one without the scope is forbidden.
    assert send(page, 3).startswith("401 ")
    assert send(page, 6).startswith("403 ")
    expect(page.locator("#try-6-result .response")).to_have_class(re.compile(r"\bs4xx\b"))


def test_a_console_by_keyboard_only(page: Page) -> None:
    page.goto(PLAIN_ENTRY)
    path = page.locator("#try-2-path")
    path.focus()
    page.keyboard.press("Control+a")
    page.keyboard.type("/books?sort=year&limit=1")
    page.keyboard.press("Tab")
    send_button = page.locator("#try-2 .send")
    expect(send_button).to_be_focused()
    outline = send_button.evaluate("b => getComputedStyle(b).outlineStyle")
    assert outline != "none"  # the focus is visible
    page.keyboard.press("Enter")
    status = page.locator("#try-2-result .status")
    expect(status).to_have_text("200 OK")
    body = json.loads(page.locator("#try-2-result .response-body pre").text_content() or "")
    assert len(body["items"]) == 1

    # The method is a select the keyboard can change; headers unfold with Enter.
    method = page.locator("#try-2-method")
    method.focus()
    page.keyboard.press("ArrowDown")  # GET → POST
    expect(method).to_have_value("POST")
    summary = page.locator("#try-2 .console-headers summary")
    summary.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#try-2-headers")).to_be_visible()
