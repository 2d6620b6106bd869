"""Search from the browser: the header's dropdown (an ARIA combobox: `/` or Ctrl-K, arrows,
Enter, Escape, Tab), the search page and its pages, and the words searched for highlighted
on the entry a result opens. On a desktop and on a phone."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import PHONE, PLAIN_ENTRY, axe_violations, describe, horizontal_overflow

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


def open_dropdown(page: Page, text: str) -> None:
    page.keyboard.press("/")
    assert focused(page) == "input#search-box"
    type_query(page, text)
    expect(page.locator("#search-popup")).to_be_visible()


def search_url(page: Page) -> dict[str, list[str]]:
    """The query of the page's URL, which must be the search page's."""
    parts = urlsplit(page.url)
    assert parts.path == "/search", page.url
    return parse_qs(parts.query)


# --- the dropdown: a combobox --------------------------------------------------------------


def test_the_arrows_move_the_active_option_while_the_focus_stays_in_the_box(
    page: Page,
) -> None:
    page.goto(PLAIN_ENTRY)
    box = page.locator("#search-box")
    expect(box).to_have_attribute("role", "combobox")
    expect(box).to_have_attribute("aria-expanded", "false")
    open_dropdown(page, "pagination")
    expect(box).to_have_attribute("aria-expanded", "true")
    listbox = page.get_by_role("listbox")
    expect(listbox).to_be_visible()
    expect(box).to_have_attribute("aria-controls", str(listbox.get_attribute("id")))
    options = listbox.get_by_role("option")
    expect(options.first).to_contain_text("Pagination")
    expect(page.locator("#search-popup mark").first).to_be_visible()  # matched words
    expect(box).not_to_have_attribute("aria-activedescendant", re.compile("."))

    def active_is(index: int) -> None:
        option = options.nth(index)
        expect(box).to_have_attribute("aria-activedescendant", str(option.get_attribute("id")))
        expect(option).to_have_attribute("aria-selected", "true")
        expect(page.locator('#search-popup [aria-selected="true"]')).to_have_count(1)
        expect(option).to_be_in_viewport()
        assert focused(page) == "input#search-box"

    page.keyboard.press("ArrowDown")
    active_is(0)
    # The active option is visibly marked: not the popup's own background.
    popup_bg = page.locator("#search-popup").evaluate("e => getComputedStyle(e).backgroundColor")
    active_bg = options.first.evaluate("e => getComputedStyle(e).backgroundColor")
    assert active_bg != popup_bg
    page.keyboard.press("ArrowDown")
    active_is(1)
    page.keyboard.press("ArrowUp")
    active_is(0)
    page.keyboard.press("ArrowUp")  # back to the box alone
    expect(box).not_to_have_attribute("aria-activedescendant", re.compile("."))
    expect(page.locator('#search-popup [aria-selected="true"]')).to_have_count(0)

    # Far down the list, the active option is scrolled into the popup's view.
    count = options.count()
    assert count > 5
    for _ in range(count):
        page.keyboard.press("ArrowDown")
    active_is(count - 1)

    page.keyboard.press("ArrowUp")
    chosen = options.nth(count - 2).get_attribute("href")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(re.escape(str(chosen)) + "$"))


def test_the_open_dropdown_passes_axe(open_page: Callable[..., Page]) -> None:
    page = open_page(bypass_csp=True)  # axe is injected as a script
    page.goto(PLAIN_ENTRY)
    open_dropdown(page, "pagination")
    page.keyboard.press("ArrowDown")
    violations = axe_violations(page)
    assert not violations, describe(violations)


def test_escape_closes_the_popup_then_clears_the_box(page: Page) -> None:
    page.goto(PLAIN_ENTRY)
    box = page.locator("#search-box")
    open_dropdown(page, "jwt")
    page.keyboard.press("ArrowDown")

    page.keyboard.press("Escape")
    expect(page.locator("#search-popup")).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).not_to_have_attribute("aria-activedescendant", re.compile("."))
    expect(box).to_have_value("jwt")
    assert focused(page) == "input#search-box"

    # The arrows open it again.
    page.keyboard.press("ArrowDown")
    expect(page.locator("#search-popup")).to_be_visible()
    page.keyboard.press("Escape")

    page.keyboard.press("Escape")
    expect(box).to_have_value("")
    expect(page.locator("#search-popup")).to_be_empty()
    expect(page.locator("#search-popup")).to_be_hidden()
    assert focused(page) == "input#search-box"


def test_tab_leaves_the_box_and_closes_the_popup(page: Page) -> None:
    page.goto(PLAIN_ENTRY)
    open_dropdown(page, "jwt")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    assert not focused(page).startswith("input#search-box")
    assert not focused(page).startswith("a[/patterns/")  # the options are not tab stops
    expect(page.locator("#search-popup")).to_be_hidden()
    expect(page.locator("#search-box")).to_have_attribute("aria-expanded", "false")


def test_enter_opens_the_first_result_when_it_has_every_word(page: Page) -> None:
    page.goto("/")
    open_dropdown(page, "rate limit")
    first = page.locator("#search-popup a.hit").first
    expect(first).to_have_attribute("data-match", "all")
    href = first.get_attribute("href")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(re.escape(str(href)) + "$"))


def test_enter_after_escape_closed_the_popup_opens_the_results_page(page: Page) -> None:
    page.goto("/")
    open_dropdown(page, "pagination")
    expect(page.locator("#search-popup a.hit").first).to_have_attribute("data-match", "all")
    page.keyboard.press("Escape")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Search")
    assert search_url(page)["q"] == ["pagination"]


def test_enter_on_a_question_opens_the_entry_with_every_topic_word(page: Page) -> None:
    # "vs" is filler: HTTP Methods has both topic words, so it is a real hit.
    page.goto(PLAIN_ENTRY)
    open_dropdown(page, "PUT vs PATCH")
    expect(page.locator("#search-popup a.hit").first).to_have_attribute("data-match", "all")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/patterns/http-methods\b"))


@pytest.mark.parametrize("query", ["graphql pagination", "cors react", "zzzz qqqq"])
def test_enter_without_a_real_hit_opens_the_results_page(page: Page, query: str) -> None:
    page.goto(PLAIN_ENTRY)
    open_dropdown(page, query)
    first = page.locator("#search-popup a.hit").first
    if first.count():
        expect(first).not_to_have_attribute("data-match", "all")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Search")
    assert search_url(page)["q"] == [query]
    expect(page.locator("#page-search")).to_have_value(query)


def test_enter_opens_a_suggestion_the_arrows_chose(page: Page) -> None:
    page.goto("/")
    open_dropdown(page, "qqqzzzxxx")
    expect(page.locator("#search-popup .no-results")).to_contain_text("No pattern matches")
    page.keyboard.press("ArrowDown")  # to the suggestions
    assert focused(page) == "input#search-box"
    chosen = page.locator('#search-popup [aria-selected="true"]')
    href = str(chosen.get_attribute("href"))
    assert href.startswith("/patterns/")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(re.escape(href) + "$"))


def test_the_slash_key_types_a_slash_in_a_field(page: Page) -> None:
    page.goto(PLAIN_ENTRY)
    path = page.locator("#try-1-path")
    path.fill("")
    path.focus()
    page.keyboard.type("/books")
    expect(path).to_have_value("/books")
    assert focused(page) == "input#try-1-path"


def test_the_dropdown_on_a_phone_is_compact(open_page: Callable[..., Page]) -> None:
    page = open_page(viewport=PHONE, is_mobile=True, has_touch=True)
    page.goto(PLAIN_ENTRY)
    page.locator("#search-box").tap()
    type_query(page, "request body")
    popup = page.locator("#search-popup")
    expect(popup.get_by_role("option").first).to_be_visible()
    box = popup.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert popup.evaluate("e => e.scrollWidth - e.clientWidth") == 0
    assert horizontal_overflow(page) == 0
    # Each snippet is cut to two lines; the sections' snippets are left out.
    lines = popup.locator(".hit-snippet:visible").evaluate_all(
        """els => els.map(e => e.getBoundingClientRect().height
                           / parseFloat(getComputedStyle(e).lineHeight))"""
    )
    assert lines and max(lines) <= 2.1, lines
    tall = popup.locator("a.hit").first.bounding_box()
    assert tall is not None and tall["height"] < 120


# --- the search page and its pages -----------------------------------------------------------


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


def entries_on_the_page(page: Page) -> list[str]:
    links = page.locator("#search-results ol.search-results > li > a.hit")
    return [str(href) for href in links.evaluate_all("els => els.map(e => e.getAttribute('href'))")]


def pages_in_all(page: Page) -> tuple[int, int]:
    """The total of results and the number of pages, as the page says them."""
    text = page.locator(".result-range").inner_text()
    total = int(re.search(r"of (\d+)", text).group(1))  # type: ignore[union-attr]
    numbers = page.locator(".pager a[aria-label^='Page']").all_inner_texts()
    return total, max(int(n) for n in numbers)


def test_paging_through_every_result_with_htmx(page: Page) -> None:
    page.goto("/search?q=request")
    expect(page.locator(".result-range")).to_have_text(re.compile(r"^Results 1–20 of \d+$"))
    total, last = pages_in_all(page)
    assert total > 20 and last == -(-total // 20)
    expect(page.locator("head link[rel=next]")).to_have_attribute(
        "href", "/search?q=request&page=2"
    )
    expect(page.locator(".pager [aria-disabled=true]")).to_have_text("← Previous")

    seen = entries_on_the_page(page)
    for number in range(2, last + 1):
        with page.expect_response(
            lambda r: "page=" in r.url and r.request.headers.get("hx-request") == "true"
        ):
            page.locator(".pager a[rel=next]").click()
        expect(page).to_have_url(re.compile(rf"[?&]page={number}$"))
        expect(page.locator(".pager a[aria-current=page]")).to_have_text(str(number))
        expect(page.locator(".pager a[rel=prev]")).to_be_visible()
        assert focused(page).startswith("p")  # the new page's first line, for the keyboard
        seen += entries_on_the_page(page)
    # The last page: no Next, and every result was on exactly one page.
    expect(page.locator(".pager a[rel=next]")).to_have_count(0)
    expect(page.locator(".pager [aria-disabled=true]")).to_have_text("Next →")
    first_result = (last - 1) * 20 + 1
    expect(page.locator(".result-range")).to_have_text(f"Results {first_result}–{total} of {total}")
    assert len(seen) == total and len(set(seen)) == total

    # Back goes to the page before, whole.
    page.go_back()
    expect(page).to_have_url(re.compile(rf"[?&]page={last - 1}$"))
    expect(page.locator(".pager a[aria-current=page]")).to_have_text(str(last - 1))


def test_paging_without_javascript(open_page: Callable[..., Page]) -> None:
    page = open_page(java_script_enabled=False)
    page.goto("/search?q=request")
    total, last = pages_in_all(page)
    page.locator(".pager").get_by_role("link", name=f"Page {last}").click()
    expect(page).to_have_url(re.compile(rf"[?&]page={last}$"))
    expect(page.locator(".pager a[aria-current=page]")).to_have_text(str(last))
    expect(page.locator("head link[rel=prev]")).to_have_attribute(
        "href", f"/search?q=request&page={last - 1}"
    )
    expect(page.locator("head link[rel=next]")).to_have_count(0)
    page.locator(".pager a[rel=prev]").click()
    expect(page).to_have_url(re.compile(rf"[?&]page={last - 1}$"))

    # A page past the end says where the results end, and leads there.
    response = page.goto(f"/search?q=request&page={last + 5}")
    assert response is not None and response.status == 200
    expect(page.locator(".past-end")).to_contain_text(
        f"There is no page {last + 5}: the {total} results for “request” end on page {last}."
    )
    page.get_by_role("link", name="Go to the last page").click()
    expect(page.locator(".pager a[aria-current=page]")).to_have_text(str(last))
    expect(page.locator("#search-results a.hit").first).to_be_visible()


def test_an_empty_facet_shows_no_heading(page: Page) -> None:
    page.goto("/search?q=jwt")
    filters = page.get_by_role("complementary", name="Filters")
    expect(filters.get_by_role("heading", name="Section")).to_be_visible()
    expect(filters.get_by_role("heading", name="Tag")).to_be_visible()
    # No entry of that section matches: its tags are none, and so no "Tag" heading.
    page.goto("/search?q=jwt&section=Nowhere")
    expect(filters.get_by_role("heading", name="Section")).to_be_visible()
    expect(filters.get_by_role("heading", name="Tag")).to_have_count(0)
    expect(filters.locator("h2 + ul:empty")).to_have_count(0)


# --- the words searched for, on the entry ---------------------------------------------------


def test_a_result_opens_its_entry_with_the_words_highlighted(page: Page) -> None:
    page.goto("/search?q=cursor+pagination")
    page.locator("#search-results a.hit").first.click()
    expect(page).to_have_url(re.compile(r"/patterns/[\w-]+\?hl=[^#]*cursor"))
    marks = page.locator("article mark.search-hl")
    expect(marks.first).to_be_visible()
    assert marks.count() > 3
    words = {w.lower() for w in marks.all_inner_texts()}
    assert all(w.startswith(("cursor", "paginat")) for w in words), words
    expect(marks.first).to_be_in_viewport()  # scrolled to the first
    assert page.locator(".console mark.search-hl").count() == 0  # consoles are left alone

    clear = page.get_by_role("button", name="Clear highlights")
    expect(clear).to_be_in_viewport()
    clear.click()
    expect(marks).to_have_count(0)
    expect(clear).to_have_count(0)
    assert "hl=" not in page.url
    assert focused(page) == "h1#entry-title"
    # The text is as it was: no word split where a mark was.
    expect(page.locator("article .prose").first).to_contain_text("ursor")


def test_a_section_result_scrolls_to_its_first_highlight(page: Page) -> None:
    page.goto("/")
    open_dropdown(page, "cursor")
    section_hit = page.locator("#search-popup .hit-sections a.hit").first
    href = str(section_hit.get_attribute("href"))
    anchor = href.split("#", 1)[1]
    section_hit.click()
    expect(page).to_have_url(re.compile(re.escape(href) + "$"))
    expect(page.locator("article mark.search-hl").first).to_be_attached()
    # The mark in view is at or after the section the result named.
    follows = page.evaluate(
        """(anchor) => {
            const target = document.getElementById(anchor);
            const inView = [...document.querySelectorAll("mark.search-hl")].find(m => {
                const r = m.getBoundingClientRect();
                return r.top >= 0 && r.bottom <= innerHeight;
            });
            return !!inView && !!(target.compareDocumentPosition(inView)
                                  & Node.DOCUMENT_POSITION_FOLLOWING);
        }""",
        anchor,
    )
    assert follows


def test_highlighting_on_a_phone(open_page: Callable[..., Page]) -> None:
    page = open_page(viewport=PHONE, is_mobile=True, has_touch=True)
    page.goto("/patterns/pagination?hl=cursor")
    clear = page.get_by_role("button", name="Clear highlights")
    expect(clear).to_be_in_viewport()
    bar = page.locator(".hl-bar").bounding_box()
    assert bar is not None and bar["x"] >= 0 and bar["x"] + bar["width"] <= PHONE["width"]
    assert horizontal_overflow(page) == 0
    clear.tap()
    expect(page.locator("mark.search-hl")).to_have_count(0)


def test_the_highlight_parameter_is_words_only(page: Page) -> None:
    page.goto("/patterns/pagination?hl=%3Cimg%20src%3Dx%3E%20cursor%20(.*)%2B")
    expect(page.locator("article mark.search-hl").first).to_be_visible()
    words = {w.lower() for w in page.locator("article mark.search-hl").all_inner_texts()}
    assert "cursor" in words and all(w.startswith(("cursor", "img", "src")) for w in words)
    expect(page.locator(".hl-bar img, article img[src=x]")).to_have_count(0)
    # Words the entry does not have: nothing to mark, nothing to clear.
    page.goto("/patterns/pagination?hl=zzzqqq")
    expect(page.locator("article h1")).to_be_visible()
    expect(page.locator("mark.search-hl")).to_have_count(0)
    expect(page.get_by_role("button", name="Clear highlights")).to_have_count(0)
