"""Layout on a 390×844 phone and a wide screen, and screenshots of the main pages.

Every page at 360 px is checked in test_self_contained.py, in the same pass that checks
what the pages load.
"""

from __future__ import annotations

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
    # Sections are one tap away, above the content; the sidebar is no longer a column.
    sections = page.get_by_role("navigation", name="Sections")
    expect(sections.get_by_role("link", name="Core Patterns")).to_be_in_viewport()
    box = page.locator("main").bounding_box()
    assert box is not None and box["x"] == 0 and box["width"] == PHONE["width"]

    # The table of contents comes first, folded; a tap unfolds it.
    toc = page.locator(".toc details")
    expect(toc).not_to_have_attribute("open", "")
    toc_box, article_box = (
        page.locator(".toc").bounding_box(),
        page.locator("article").bounding_box(),
    )
    assert toc_box is not None and article_box is not None and toc_box["y"] < article_box["y"]
    toc.locator("summary").tap()
    expect(toc.get_by_role("link", name="Pitfalls")).to_be_visible()
    toc.get_by_role("link", name="Pitfalls").tap()
    expect(page.locator("h2#pitfalls")).to_be_in_viewport()

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
        page.locator("article").bounding_box(),
    )
    toc = page.locator(".toc").bounding_box()
    assert sidebar and article and toc
    assert sidebar["x"] < article["x"] < toc["x"]
    expect(page.locator(".toc details")).to_have_attribute("open", "")
    page.mouse.wheel(0, 3000)
    expect(page.locator(".toc")).to_be_in_viewport()


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
