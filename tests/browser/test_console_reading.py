"""Reading a console: its checks, the sandbox's one Reset and captured values, feedback
while sending, history and shared links, on a desktop and on a phone, light and dark;
and screenshots of the main states in test-output/screenshots/."""

from __future__ import annotations

import contextlib
import json
import re
from urllib.parse import quote

import pytest
from playwright.sync_api import Page, Route, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.browser.conftest import Pages
from tests.browser.support import JWT_ENTRY, PHONE, PLAIN_ENTRY, send, shoot

pytestmark = pytest.mark.browser

REFRESH_ENTRY = "/patterns/refresh-tokens"
DESKTOP = {"width": 1366, "height": 900}
DEVICES = {"desktop": DESKTOP, "phone": PHONE}


@pytest.fixture(params=["desktop", "phone"])
def device(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def open_on(pages: Pages, device: str, theme: str = "light", **options: object) -> Page:
    page = pages.open(viewport=DEVICES[device], color_scheme=theme, **options)
    return page


def test_a_failed_check_shows_expected_and_actual_without_hovering(
    pages: Pages, device: str
) -> None:
    page = open_on(pages, device)
    page.goto(PLAIN_ENTRY)
    path = page.locator("#try-1-path")
    original = path.input_value()
    path.fill("/books?genre=sci-fi&published_after=1960&sort=year&limit=2&offset=1")
    assert "differs from the entry’s expectation" in send(page, 1)
    result = page.locator("#try-1-result")
    failed = result.locator(".check.failed")
    expect(failed).to_have_count(1)
    expect(failed).to_be_visible()  # in plain view: no tooltip, no hover
    expect(failed.locator(".check-label")).to_have_text('jsonpath "$.items[0].title" == "Dune"')
    expect(failed.locator(".check-expected")).to_have_text('"Dune"')
    expect(failed.locator(".check-got")).not_to_have_text('"Dune"')
    expect(result.locator("[title]")).to_have_count(0)
    passed = result.locator(".check.ok")
    expect(passed.first).to_be_visible()
    expect(passed.filter(has_text="status")).to_contain_text("200")
    expect(passed.filter(has_text="$.total")).to_contain_text("3")
    changed = result.locator(".changed")
    expect(changed).to_contain_text("You changed this request — the entry expected HTTP 200")
    shoot(page, f"console-failed-check-edited-{device}", full_page=False)

    # Restore request: the entry's own request again, and every check passes.
    changed.get_by_role("button", name="Restore request").click()
    expect(path).to_have_value(original)
    assert "as expected" in send(page, 1)
    expect(result.locator(".check.failed")).to_have_count(0)
    expect(result.locator(".changed")).to_have_count(0)


def test_a_replayed_step_names_the_step_whose_value_it_spent(page: Page) -> None:
    page.goto(REFRESH_ENTRY)
    assert send(page, 1).startswith("200 ")
    assert send(page, 5).startswith("200 ")
    # The refresh token was spent by that exchange: sending it again is refused.
    assert send(page, 5).startswith("401 ")
    hint = page.locator("#try-5-result .chain-hint")
    expect(hint).to_be_visible()
    expect(hint).to_contain_text("{{refresh}}")
    link = hint.get_by_role("link", name="request 1 (POST /token)")
    expect(link).to_have_attribute("href", "#try-1")


def test_a_missing_value_names_the_console_that_captures_it(pages: Pages) -> None:
    page = pages.open()
    pages.watch(page).allow_console_error(r"status of 422")
    page.goto(JWT_ENTRY)
    assert "Send request 1 (POST /token) first" in send(page, 2)
    page.locator("#try-2-result").get_by_role("link", name="Go to request 1").click()
    expect(page).to_have_url(re.compile(r"#try-1$"))


def test_one_reset_clears_every_console_and_captured_value(pages: Pages, device: str) -> None:
    page = open_on(pages, device)
    page.goto(JWT_ENTRY)
    expect(page.get_by_role("button", name="Reset sandbox")).to_have_count(1)
    expect(page.locator(".console-reset, button", has_text="Reset example")).to_have_count(0)
    send(page, 1)
    send(page, 2)
    send(page, 3)
    bar = page.locator(".try-bar")
    expect(bar.locator(".var")).to_have_count(1)
    expect(page.locator(".console-result .response")).to_have_count(3)
    bar.get_by_role("button", name="Reset sandbox").click()
    expect(bar.locator(".reset-note")).to_contain_text("was reset")
    expect(page.locator(".console-result > *")).to_have_count(0)
    expect(bar.locator(".var")).to_have_count(0)
    expect(bar.locator(".vars-title")).to_contain_text("none yet")
    # The token is gone with the sandbox: the protected call asks for a new one.
    pages.watch(page).allow_console_error(r"status of 422")
    assert "no value yet" in send(page, 2)


def test_captured_values_head_the_consoles_shortened_copyable_and_resolved(
    pages: Pages,
) -> None:
    page = pages.open(permissions=["clipboard-read", "clipboard-write"])
    page.goto(JWT_ENTRY)
    send(page, 1)
    token = json.loads(page.locator("#try-1-result .response-body pre").text_content() or "")[
        "access_token"
    ]
    bar = page.locator(".try-bar")
    value = bar.locator(".var[data-name=token] .var-value")
    expect(value).to_have_text(token[:12] + "…")
    bar.get_by_role("button", name="Copy token").click()
    assert page.evaluate("navigator.clipboard.readText()") == token
    # The bar stays in view while the consoles are read.
    page.locator("#try-6").scroll_into_view_if_needed()
    box = bar.bounding_box()
    assert box is not None and 0 <= box["y"] < 200
    # What was sent shows {{token}} filled in.
    send(page, 2)
    sent = page.locator("#try-2-result .sent-request")
    expect(sent).to_contain_text(f"Authorization: Bearer {token}")
    # Clear: the value goes, here and in the sandbox.
    bar.get_by_role("button", name="Clear token").click()
    expect(bar.locator(".var")).to_have_count(0)
    pages.watch(page).allow_console_error(r"status of 422")
    assert "no value yet" in send(page, 2)


def test_a_reload_keeps_the_captured_token(page: Page) -> None:
    page.goto(JWT_ENTRY)
    send(page, 1)
    token = page.locator(".try-bar .var[data-name=token] .var-value").get_attribute("data-value")
    page.reload()
    value = page.locator(".try-bar .var[data-name=token] .var-value")
    expect(value).to_have_attribute("data-value", token or "")
    assert send(page, 2).startswith("200 ")
    expect(page.locator("#try-2-result .sent-request")).to_contain_text(f"Bearer {token}")


def test_responses_are_readable(page: Page) -> None:
    page.goto(PLAIN_ENTRY)
    send(page, 3)
    body = page.locator("#try-3-result .response-body pre").text_content() or ""
    assert '"loc": ["query", "limit"]' in body  # a short array on one line
    announce = page.locator("#try-3-announce")
    expect(announce).to_have_text(re.compile(r"^422 Unprocessable \w+, as expected$"))
    expect(announce).to_have_attribute("aria-live", "polite")
    expect(page.locator("#try-3-result")).not_to_have_attribute("aria-live", re.compile("."))
    # A long body is capped, and shown whole on demand.
    page.goto(REFRESH_ENTRY)
    send(page, 8)
    result = page.locator("#try-8-result")
    capped = result.locator(".response-body.capped")
    height = capped.evaluate("e => e.getBoundingClientRect().height")
    rem = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    assert height <= 24 * rem + 1
    more = result.locator("button.show-all")
    expect(more).to_have_text(re.compile(r"^Show all \(\d+ lines\)$"))
    more.click()
    expect(more).to_have_attribute("aria-expanded", "true")
    expect(more).to_have_text("Show less")
    assert capped.evaluate("e => e.getBoundingClientRect().height") > height
    # Headers the entry checks are shown open, marked.
    page.goto(JWT_ENTRY)
    send(page, 3)
    headers = page.locator("#try-3-result details.response-headers")
    expect(headers.locator("dt.asserted", has_text="www-authenticate")).to_be_visible()


def test_sending_shows_progress_and_ctrl_enter_sends(pages: Pages, device: str) -> None:
    page = open_on(pages, device)
    page.goto(PLAIN_ENTRY)
    held: list[Route] = []
    page.route("**/try/*/live", lambda route: held.append(route))
    console = page.locator("#try-1")
    page.locator("#try-1-path").focus()
    page.keyboard.press("Control+Enter")
    page.wait_for_timeout(200)
    assert len(held) == 1
    send_button = console.locator(".send")
    expect(send_button).to_be_disabled()
    expect(send_button).to_contain_text("Sending…")
    expect(console.locator(".send .spinner")).to_be_visible()
    expect(console).to_have_attribute("aria-busy", "true")
    shoot(page, f"console-sending-light-{device}", full_page=False)
    page.emulate_media(color_scheme="dark")
    shoot(page, f"console-sending-dark-{device}", full_page=False)
    page.emulate_media(color_scheme="light")
    held[0].continue_()
    expect(page.locator("#try-1-result .status")).to_have_text("200 OK")
    expect(send_button).to_be_enabled()
    expect(send_button.locator(".send-label")).to_be_visible()
    expect(send_button.locator(".sending-label")).to_be_hidden()
    expect(console).not_to_have_attribute("aria-busy", "true")
    if device == "phone":
        # The result is brought into view on a small screen.
        page.wait_for_function(
            """() => {
                const top = document.getElementById("try-1-result").getBoundingClientRect().top;
                const bar = document.querySelector(".topbar").getBoundingClientRect().bottom;
                return bar <= top && top < innerHeight;
            }"""
        )
    # Ctrl-Enter from the headers field too.
    page.unroute("**/try/*/live")
    console.locator(".console-headers summary").click()
    page.locator("#try-1-headers").focus()
    page.keyboard.press("Control+Enter")
    expect(page.locator("#try-1-announce")).to_have_text("200 OK, as expected")


def test_choosing_a_method_with_a_body_shows_the_body_field(page: Page) -> None:
    page.goto(PLAIN_ENTRY)
    body = page.locator("#try-1 .console-body")
    expect(body).to_be_hidden()
    page.locator("#try-1-method").select_option("POST")
    expect(body).to_be_visible()
    page.locator("#try-1-method").select_option("DELETE")
    expect(body).to_be_hidden()
    page.locator("#try-1-method").select_option("PATCH")
    page.locator("#try-1-body").fill('{"a": 1}')
    page.locator("#try-1-method").select_option("GET")
    expect(body).to_be_visible()  # typed text is never hidden
    page.locator("#try-1 .console-tools").get_by_role("button", name="Restore request").click()
    expect(page.locator("#try-1-method")).to_have_value("GET")
    expect(body).to_be_hidden()


def test_history_keeps_the_last_requests_and_sends_them_again(page: Page) -> None:
    page.goto(PLAIN_ENTRY)
    history = page.locator("#try-2 .history")
    expect(history).to_be_hidden()
    send(page, 2)
    page.locator("#try-2-path").fill("/books?limit=1")
    send(page, 2)
    page.reload()  # kept in this browser
    expect(history.locator("summary")).to_have_text("History (2)")
    history.locator("summary").click()
    items = history.locator(".history-list button")
    expect(items).to_have_text(["GET /books?limit=1", re.compile(r"^GET /books\?genre=")])
    items.nth(0).click()
    expect(page.locator("#try-2-path")).to_have_value("/books?limit=1")
    expect(page.locator("#try-2-result .status")).to_have_text("200 OK")


def test_a_shared_link_opens_a_filled_unsent_console(pages: Pages, device: str) -> None:
    page = open_on(pages, device, permissions=["clipboard-read", "clipboard-write"])
    page.goto(JWT_ENTRY)
    page.locator("#try-5-path").fill("/users/me?verbose=1")
    page.locator("#try-5-headers").fill("Authorization: Bearer abc\nX-Trace: 1")
    page.locator("#try-5").get_by_role("button", name="Copy link").click()
    link = page.evaluate("navigator.clipboard.readText()")
    assert link.startswith(page.url.split("#")[0] + "#try=5&")

    other = open_on(pages, device)
    sent: list[str] = []
    other.on("request", lambda r: sent.append(r.url) if "/try/" in r.url else None)
    other.goto(link)
    console = other.locator("#try-5")
    expect(other.locator("#try-5-method")).to_have_value("GET")
    expect(other.locator("#try-5-path")).to_have_value("/users/me?verbose=1")
    expect(other.locator("#try-5-headers")).to_have_value("Authorization: Bearer abc\nX-Trace: 1")
    expect(console.locator(".share-note")).to_contain_text("nothing has been sent")
    expect(other.locator("#try-5-result > *")).to_have_count(0)
    box = console.bounding_box()
    assert box is not None and box["y"] < DEVICES[device]["height"]
    assert not [url for url in sent if not url.endswith("/values")]
    shoot(other, f"console-shared-link-light-{device}", full_page=False)
    dark = open_on(pages, device, theme="dark")
    dark.goto(link)
    expect(dark.locator("#try-5 .share-note")).to_contain_text("nothing has been sent")
    shoot(dark, f"console-shared-link-dark-{device}", full_page=False)

    # A bad link fills nothing it should not, and says so.
    bad = open_on(pages, device)
    bad.goto(f"{JWT_ENTRY}#try=99&method=BREW")
    expect(bad.locator(".share-note.problem")).to_contain_text("does not have")
    bad.goto(f"{JWT_ENTRY}#try=2&method=BREW&path={quote('/x y')}")
    expect(bad.locator("#try-2-method")).to_have_value("GET")
    expect(bad.locator("#try-2-path")).to_have_value("/orders")
    expect(bad.locator("#try-2 .share-note.problem")).to_contain_text("Ignored the method BREW")


CONTROLS = (
    "section.console button, section.console select, section.console input, "
    "section.console summary, .try-bar button, .try-bar a"
)
SMALL = """sel => [...document.querySelectorAll(sel)]
    .filter(e => e.checkVisibility() && e.getBoundingClientRect().height < 44)
    .map(e => [e.className || e.tagName, e.getBoundingClientRect().height])"""


def small_controls(page: Page) -> list[list[object]]:
    """The visible console controls under 44 px tall, once the page has settled (a
    loaded machine may still be laying out what a swap brought)."""
    with contextlib.suppress(PlaywrightTimeout):
        page.wait_for_function(f"({SMALL})({CONTROLS!r}).length === 0", timeout=5000)
    return page.evaluate(SMALL, CONTROLS)


def test_every_console_control_is_a_44px_target_on_a_phone(pages: Pages) -> None:
    page = pages.open(viewport=PHONE)
    page.goto("/patterns/file-uploads")  # file pickers
    assert page.locator("section.console input[type=file]").count() > 0
    small = small_controls(page)
    assert not small, small
    page.goto(JWT_ENTRY)
    send(page, 1)
    send(page, 2)
    console = page.locator("#try-2")
    # Measured at one moment: the page scrolls to the result after the swap.
    tops = console.evaluate(
        """c => ["select.method", "input.path", ".send"]
                .map(s => c.querySelector(s).getBoundingClientRect().top)"""
    )
    assert max(tops) - min(tops) < 4, "method, path and Send share one row"
    page.locator("#try-2-result details.response-headers summary").click()
    small = small_controls(page)
    assert not small, small
    # Copy sits outside the code it copies: it never covers the first line.
    copy_bottom, code_top = page.locator("#try-2-result .code-wrap").first.evaluate(
        """w => [w.querySelector(".copy").getBoundingClientRect().bottom,
                 w.querySelector(".highlight").getBoundingClientRect().top]"""
    )
    assert copy_bottom <= code_top + 1


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_screenshots_of_the_console_states(pages: Pages, theme: str) -> None:
    for device in DEVICES:
        page = open_on(pages, device, theme)
        page.goto(JWT_ENTRY)
        console = page.locator("#try-1")
        console.scroll_into_view_if_needed()
        shoot(page, f"console-idle-{theme}-{device}", full_page=False)
        send(page, 1)
        page.locator("#try-1").evaluate("e => e.scrollIntoView()")
        shoot(page, f"console-passed-captured-{theme}-{device}", full_page=False)
        page.locator("#try-2-path").fill("/orders?limit=1")
        page.locator("#try-2-method").select_option("POST")
        send(page, 2)
        page.locator("#try-2").evaluate("e => e.scrollIntoView()")
        shoot(page, f"console-failed-check-{theme}-{device}", full_page=False)
