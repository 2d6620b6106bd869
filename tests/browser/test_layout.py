"""Layout on a 390×844 phone and a wide screen, and screenshots of the main pages.

Every page at 360 px is checked in test_self_contained.py, in the same pass that checks
what the pages load.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import (
    DESKTOP,
    JWT_ENTRY,
    PHONE,
    PLAIN_ENTRY,
    horizontal_overflow,
    send,
    shoot,
)

pytestmark = pytest.mark.browser


def test_a_390x844_phone(open_page) -> None:
    page: Page = open_page(viewport=PHONE, is_mobile=True, has_touch=True)
    page.goto(JWT_ENTRY)
    assert horizontal_overflow(page) == 0
    # The top bar is one row: the brand's mark, search and the theme, each a 44 px target.
    bar = page.locator(".topbar").bounding_box()
    assert bar is not None and bar["height"] <= 60
    for control in (".brand", "#search-box", "#theme-toggle"):
        box = page.locator(control).bounding_box()
        assert box is not None and box["height"] >= 44 and box["width"] >= 44, control
    expect(page.locator(".brand")).to_have_accessible_name("FastAPI Patterns")

    # Sections are one tap away, folded into one row above the page; the sidebar is no
    # longer a column.
    sections = page.get_by_role("navigation", name="Sections")
    fold = sections.locator(".sidebar-fold")
    expect(fold).not_to_have_attribute("open", "")
    summary = fold.locator("> summary")
    expect(summary).to_be_in_viewport()
    summary_box = summary.bounding_box()
    assert summary_box is not None and summary_box["height"] >= 44
    box = page.locator("main").bounding_box()
    assert box is not None and box["x"] == 0 and box["width"] == PHONE["width"]

    # The title comes first, high on the screen; then "On this page", folded.
    title = page.locator("h1#entry-title").bounding_box()
    assert title is not None and title["y"] < 250
    toc = page.locator(".toc details")
    expect(toc).not_to_have_attribute("open", "")
    toc_box = page.locator(".toc").bounding_box()
    assert toc_box is not None and title["y"] < toc_box["y"]
    assert toc_box["y"] < PHONE["height"]  # and still on the first screen
    toc_summary = toc.locator("summary").bounding_box()
    assert toc_summary is not None and toc_summary["height"] >= 44
    toc.locator("summary").tap()
    expect(toc.get_by_role("link", name="Pitfalls")).to_be_visible()
    link_box = toc.get_by_role("link", name="Pitfalls").bounding_box()
    assert link_box is not None and link_box["height"] >= 44
    toc.get_by_role("link", name="Pitfalls").tap()
    expect(page.locator("h2#pitfalls")).to_be_in_viewport()

    # The sections unfold: the current section's pages, the current one marked.
    summary.tap()
    current = sections.locator("a[aria-current=page]")
    expect(current).to_have_text("Token Validation")
    expect(current).to_be_visible()
    current_box = current.bounding_box()
    assert current_box is not None and current_box["height"] >= 44
    summary.tap()

    # A console fits, and its response too.
    console = page.locator("#try-1")
    console.scroll_into_view_if_needed()
    console_box = console.bounding_box()
    assert console_box is not None and console_box["x"] + console_box["width"] <= PHONE["width"]
    page.locator("#try-1 .send").tap()
    expect(page.locator("#try-1-result .status")).to_have_text("200 OK")
    assert horizontal_overflow(page) == 0

    # Search from the phone.
    page.locator("#search-box").tap()
    page.keyboard.type("cors")
    expect(page.locator("#search-popup a.hit").first).to_be_visible()
    popup = page.locator("#search-popup").bounding_box()
    assert popup is not None and popup["x"] >= 0 and popup["x"] + popup["width"] <= PHONE["width"]


def test_a_wide_screen(open_page) -> None:
    page: Page = open_page(viewport={"width": 1920, "height": 1080})
    page.goto(JWT_ENTRY)
    assert horizontal_overflow(page) == 0
    layout = page.locator(".layout").bounding_box()
    assert layout is not None and layout["width"] <= 88 * 16  # a readable measure, centred
    assert layout["x"] == pytest.approx((1920 - layout["width"]) / 2, abs=1)
    # Three columns: sections, the entry, its table of contents (sticky while scrolling).
    sidebar, article = (
        page.locator(".sidebar").bounding_box(),
        page.locator(".entry-body").bounding_box(),
    )
    toc = page.locator(".toc").bounding_box()
    assert sidebar and article and toc
    assert sidebar["x"] < article["x"] < toc["x"]
    # The title heads the text column, level with the table of contents.
    title = page.locator("h1#entry-title").bounding_box()
    assert title is not None and title["x"] == pytest.approx(article["x"], abs=1)
    assert title["y"] < article["y"]
    expect(page.locator(".toc details")).to_have_attribute("open", "")
    # On a wide screen the sidebar has no fold to open: the sections are simply there.
    expect(page.locator(".sidebar-fold > summary")).to_be_hidden()
    expect(
        page.get_by_role("navigation", name="Sections").locator("a[aria-current=page]")
    ).to_be_visible()
    page.mouse.wheel(0, 3000)
    expect(page.locator(".toc")).to_be_in_viewport()


@pytest.mark.parametrize(
    "viewport", [PHONE, {"width": 1366, "height": 900}], ids=["phone", "desktop"]
)
@pytest.mark.parametrize("how", ["link", "toc", "search"])
def test_a_heading_reached_by_anchor_is_below_the_sticky_header(
    open_page, viewport: dict[str, int], how: str
) -> None:
    page: Page = open_page(viewport=viewport, is_mobile=viewport == PHONE)
    if how == "link":
        page.goto(f"{JWT_ENTRY}#pitfalls")
    elif how == "search":
        # A search result's link to a section of another page.
        page.goto("/search?q=pitfalls")
        hit = page.locator('#search-results a[href*="#"]').first
        hit.click()
        page.wait_for_url(re.compile(r"/patterns/[^#]+#.+"))
    else:
        page.goto(JWT_ENTRY)
        details = page.locator(".toc details")
        if details.get_attribute("open") is None:
            details.locator("summary").click()
        page.locator(".toc").get_by_role("link", name="Pitfalls").click()
    anchor = page.evaluate("decodeURIComponent(location.hash.slice(1))")
    heading = page.locator(f"[id='{anchor}']")
    expect(heading).to_be_in_viewport()
    page.wait_for_function("() => new Promise(r => requestAnimationFrame(() => r(true)))")
    bar = page.locator(".topbar").bounding_box()
    box = heading.bounding_box()
    assert bar is not None and box is not None
    assert box["y"] >= bar["y"] + bar["height"], (how, box, bar)
    assert box["y"] < viewport["height"] / 2  # scrolled to, not merely somewhere on screen


def test_the_table_of_contents_follows_the_reader(page: Page) -> None:
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(JWT_ENTRY)
    toc = page.locator(".toc")
    current = toc.locator('a[aria-current="location"]')
    expect(current).to_have_count(1)
    first = toc.locator("a").first
    expect(first).to_have_attribute("aria-current", "location")
    page.locator("h2#pitfalls").evaluate("h => h.scrollIntoView()")
    expect(current).to_have_text("Pitfalls")
    expect(current).to_have_count(1)
    # Scrolled back up, the mark goes back with the reader.
    page.evaluate("window.scrollTo(0, 0)")
    expect(first).to_have_attribute("aria-current", "location")
    colour = current.evaluate("a => getComputedStyle(a).borderLeftColor")
    other = toc.locator("a").nth(1).evaluate("a => getComputedStyle(a).borderLeftColor")
    assert colour != other  # marked for the eye, not only for a screen reader


def test_the_sidebar_lists_the_current_sections_pages(page: Page) -> None:
    page.goto(JWT_ENTRY)
    sections = page.get_by_role("navigation", name="Sections")
    folds = sections.locator("details.sidebar-section")
    expect(folds).to_have_count(6)
    # The current section is open with its pages; the others are folded.
    open_folds = sections.locator("details.sidebar-section[open]")
    expect(open_folds).to_have_count(1)
    expect(open_folds.locator("> summary")).to_have_text("Authentication & Security")
    expect(open_folds.get_by_role("link", name="Refresh Tokens")).to_be_visible()
    expect(sections.locator("a[aria-current]")).to_have_count(1)
    expect(sections.locator("a[aria-current=page]")).to_have_text("Token Validation")
    closed = folds.filter(has=page.locator("> summary", has_text="Core Patterns"))
    expect(closed).not_to_have_attribute("open", "")
    expect(closed.locator("a").first).to_be_hidden()
    closed.locator("> summary").click()
    expect(closed.locator("a").first).to_be_visible()

    # A section page marks its own link; no page of it is current.
    sections.locator("details.sidebar-section[open]").get_by_role(
        "link", name="All of Authentication & Security"
    ).click()
    expect(page.locator("h1")).to_have_text("Authentication & Security")
    expect(sections.locator("a[aria-current=page]")).to_have_text(
        "All of Authentication & Security"
    )
    # The home page opens no section.
    page.goto("/")
    expect(sections.locator("details.sidebar-section[open]")).to_have_count(0)


SHOTS = {
    "home": "/",
    "entry": JWT_ENTRY,
    "search": "/search?q=pagination",
    "console": PLAIN_ENTRY,
}


@pytest.mark.parametrize("device", ["desktop", "phone"])
@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("name", list(SHOTS))
def test_screenshots(open_page, name: str, theme: str, device: str) -> None:
    """Screenshots of the main pages for a human to look at, in test-output/screenshots/.

    Whole pages on the desktop; on the phone, the screen a reader sees first (the console:
    its response).
    """
    viewport = DESKTOP if device == "desktop" else PHONE
    page: Page = open_page(viewport=viewport, color_scheme=theme, is_mobile=device == "phone")
    page.goto(SHOTS[name])
    if name == "console":
        send(page, 1)
        page.locator("#try-1-result details.request-code summary").click()
        page.locator("#try-1").scroll_into_view_if_needed()
    assert horizontal_overflow(page) == 0
    full_page = device == "desktop" and name != "console"
    path = shoot(page, f"{name}-{theme}-{device}", full_page=full_page)
    assert path.stat().st_size > 5_000
