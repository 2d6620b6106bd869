"""Light and dark: the OS decides until the reader toggles; the choice is remembered."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import PLAIN_ENTRY

pytestmark = pytest.mark.browser

LIGHT_BG = "rgb(255, 255, 255)"
DARK_BG = "rgb(13, 17, 23)"


def background(page: Page) -> str:
    return page.evaluate("getComputedStyle(document.body).backgroundColor")


@pytest.mark.parametrize(("scheme", "expected"), [("light", LIGHT_BG), ("dark", DARK_BG)])
def test_the_theme_follows_the_os(open_page, scheme: str, expected: str) -> None:
    page: Page = open_page(color_scheme=scheme)
    page.goto("/")
    assert background(page) == expected
    assert page.evaluate("document.documentElement.getAttribute('data-theme')") is None
    toggle = page.get_by_role("button", name="Switch between light and dark theme")
    expect(toggle).to_have_attribute("aria-pressed", str(scheme == "dark").lower())


def test_the_toggle_switches_and_is_remembered(open_page) -> None:
    page: Page = open_page(color_scheme="light")
    page.goto(PLAIN_ENTRY)
    toggle = page.get_by_role("button", name="Switch between light and dark theme")
    toggle.click()
    assert background(page) == DARK_BG
    expect(toggle).to_have_attribute("aria-pressed", "true")
    # The code follows the page.
    code = page.locator(".prose .highlight").first
    assert code.evaluate("c => getComputedStyle(c).backgroundColor") == "rgb(27, 31, 39)"

    page.reload()
    assert background(page) == DARK_BG  # remembered, and applied before the first paint
    page.goto("/")
    assert background(page) == DARK_BG
    expect(page.locator("#theme-toggle")).to_have_attribute("aria-pressed", "true")

    # By keyboard: the toggle is a button, Enter and Space press it.
    page.locator("#theme-toggle").focus()
    page.keyboard.press("Enter")
    assert background(page) == LIGHT_BG
    page.keyboard.press(" ")
    assert background(page) == DARK_BG
    page.keyboard.press(" ")
    page.reload()
    assert background(page) == LIGHT_BG


def test_a_remembered_choice_beats_the_os(open_page) -> None:
    page: Page = open_page(color_scheme="dark")
    page.goto("/")
    assert background(page) == DARK_BG
    page.locator("#theme-toggle").click()
    assert background(page) == LIGHT_BG
    page.reload()
    assert background(page) == LIGHT_BG
    code_css = page.evaluate(
        """() => {
            const probe = document.createElement("div");
            probe.className = "highlight";
            document.body.appendChild(probe);
            const colour = getComputedStyle(probe).backgroundColor;
            probe.remove();
            return colour;
        }"""
    )
    assert code_css == "rgb(246, 248, 250)"  # light code, though the OS prefers dark
