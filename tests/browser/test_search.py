"""Search as you type, from the keyboard: `/` or Ctrl-K, arrows, Enter, Escape."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import PLAIN_ENTRY

pytestmark = pytest.mark.browser


def focused(page: Page) -> str:
    """The focused element, as `tag#id` or `tag[href]`."""
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            return el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
                + (el.getAttribute("href") ? "[" + el.getAttribute("href") + "]" : "");
        }"""
    )


def type_query(page: Page, text: str) -> None:
    """Type ``text`` into the focused box, key by key; wait until its own results are in."""

    def answers(response) -> bool:  # type: ignore[no-untyped-def]
        parts = urlsplit(response.url)
        return parts.path == "/search" and parse_qs(parts.query).get("q") == [text]

    with page.expect_response(answers):
        page.keyboard.type(text, delay=20)
    page.wait_for_function("() => !document.querySelector('.htmx-request')")


def test_search_as_you_type_with_the_keyboard(page: Page) -> None:
    page.goto(PLAIN_ENTRY)
    page.keyboard.press("/")
    assert focused(page) == "input#search-box"

    type_query(page, "pagination")
    hits = page.locator("#search-popup a.hit")
    expect(hits.first).to_be_visible()
    expect(page.locator("#search-popup .hit-title").first).to_have_text("Pagination")
    expect(page.locator("#search-popup mark").first).to_be_visible()  # matched words

    page.keyboard.press("ArrowDown")
    first = hits.first.get_attribute("href")
    assert focused(page) == f"a[{first}]"
    page.keyboard.press("ArrowDown")
    assert focused(page) == f"a[{hits.nth(1).get_attribute('href')}]"
    page.keyboard.press("ArrowUp")
    assert focused(page) == f"a[{first}]"
    page.keyboard.press("ArrowUp")
    assert focused(page) == "input#search-box"  # back to the box, and on to the page
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(re.escape(str(first)) + "$"))
    expect(page.locator("h1")).to_have_text("Pagination")

    # Escape clears the box and closes the results.
    page.keyboard.press("Control+k")
    assert focused(page) == "input#search-box"
    type_query(page, "jwt")
    expect(hits.first).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#search-box")).to_have_value("")
    expect(page.locator("#search-popup")).to_be_empty()
    expect(page.locator("#search-popup")).to_be_hidden()


def test_enter_in_the_box_opens_the_first_result(page: Page) -> None:
    page.goto("/")
    page.keyboard.press("/")
    type_query(page, "rate limit")
    first = page.locator("#search-popup a.hit").first
    expect(first).to_be_visible()
    href = first.get_attribute("href")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(re.escape(str(href)) + "$"))


def test_the_slash_key_types_a_slash_in_a_field(page: Page) -> None:
    page.goto(PLAIN_ENTRY)
    path = page.locator("#try-1-path")
    path.fill("")
    path.focus()
    page.keyboard.type("/books")
    expect(path).to_have_value("/books")
    assert focused(page) == "input#try-1-path"


def test_search_page_updates_as_you_type(page: Page) -> None:
    page.goto("/search?q=jwt")
    expect(page.locator("#search-results a.hit").first).to_be_visible()
    expect(page.get_by_role("complementary", name="Filters")).to_be_visible()

    # On the search page, `/` goes to the page's own box.
    page.locator("h1").click()
    page.keyboard.press("/")
    assert focused(page) == "input#page-search"
    type_query(page, "refresh token")
    expect(page).to_have_url(re.compile(r"q=refresh(\+|%20)token"))
    titles = page.locator("#search-results .hit-title")
    expect(titles.first).to_be_visible()
    assert titles.first.inner_text() == "Refresh Tokens"

    page.keyboard.press("ArrowDown")
    first = page.locator("#search-results a.hit").first.get_attribute("href")
    assert focused(page) == f"a[{first}]"
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(re.escape(str(first)) + "$"))

    # Back restores the whole search page.
    page.go_back()
    expect(page.locator("h1")).to_have_text("Search")
    expect(page.locator("#page-search")).to_have_value("refresh token")


def test_a_search_without_results_suggests_entries(page: Page) -> None:
    page.goto("/")
    page.keyboard.press("/")
    type_query(page, "qqqzzzxxx")
    expect(page.locator("#search-popup .no-results")).to_contain_text("No pattern matches")
    page.keyboard.press("ArrowDown")  # to the suggestions
    assert focused(page).startswith("a[/patterns/")
