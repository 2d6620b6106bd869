"""Accessibility: axe-core in both themes, landmarks, labels, and a visible keyboard focus."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import JWT_ENTRY, PLAIN_ENTRY, axe_violations, describe, send

pytestmark = pytest.mark.browser

PAGES = {
    "home": "/",
    "entry": JWT_ENTRY,
    "search": "/search?q=token",
    "console": PLAIN_ENTRY,
}


def prepare(page: Page, name: str) -> None:
    page.goto(PAGES[name])
    if name == "console":
        send(page, 1)
        page.locator("#try-1-result details.response-headers summary").click()
        page.locator("#try-1-result details.request-code summary").click()
        send(page, 3)  # a 4xx, in the warning colour
    if name == "search":
        page.locator("#search-box").fill("pagination")
        page.locator("#search-popup a.hit").first.wait_for()


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("name", list(PAGES))
def test_axe_finds_nothing_serious(open_page, name: str, theme: str) -> None:
    # axe is injected as an inline script, which the KB's CSP forbids: bypass it here only.
    page: Page = open_page(color_scheme=theme, bypass_csp=True)
    prepare(page, name)
    violations = axe_violations(page)
    assert not violations, f"{name} in the {theme} theme:\n{describe(violations)}"


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_contrast_with_the_theme_toggled(open_page, theme: str) -> None:
    """The toggled theme (not the OS's) also passes axe's colour-contrast rule."""
    other = "dark" if theme == "light" else "light"
    page: Page = open_page(color_scheme=other, bypass_csp=True)
    page.goto(JWT_ENTRY)  # highlighted code, tags, consoles
    page.locator("#theme-toggle").click()
    assert page.evaluate("document.documentElement.dataset.theme") == theme
    violations = axe_violations(page, rules=["color-contrast"])
    assert not violations, describe(violations)


def test_landmarks_and_skip_link(page: Page) -> None:
    page.goto(JWT_ENTRY)
    expect(page.get_by_role("banner")).to_have_count(1)
    expect(page.get_by_role("main")).to_have_count(1)
    expect(page.get_by_role("contentinfo")).to_have_count(1)
    expect(page.get_by_role("navigation", name="Sections")).to_be_visible()
    expect(page.get_by_role("navigation", name="Breadcrumbs")).to_be_visible()
    expect(page.get_by_role("search", name="Site search")).to_be_visible()
    expect(page.get_by_role("complementary", name="On this page")).to_be_visible()

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


@pytest.mark.parametrize("path", [JWT_ENTRY, "/search?q=jwt", "/"])
def test_every_field_has_a_label(page: Page, path: str) -> None:
    page.goto(path)
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll("input, select, textarea, button")]
            .filter(el => el.type !== "hidden")
            .filter(el => !(el.labels && el.labels.length) && !el.getAttribute("aria-label")
                          && !(el.tagName === "BUTTON" && el.textContent.trim()))
            .map(el => el.outerHTML.slice(0, 120))"""
    )
    assert not unlabelled


FOCUS_STYLE = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    return {
        what: el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
              + (el.className && typeof el.className === "string" ? "." + el.className : "")
              + " " + (el.textContent || "").trim().slice(0, 30),
        outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2,
        shown: box.width > 0 && box.height > 0 && style.visibility !== "hidden"
               && parseFloat(style.opacity) > 0.5,
    };
}"""


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_every_control_shows_its_keyboard_focus(open_page, theme: str) -> None:
    page: Page = open_page(color_scheme=theme)
    page.goto(PLAIN_ENTRY)
    send(page, 1)
    page.locator(".skip-link").focus()  # the first stop; from there on, the keyboard only
    page.keyboard.press("Tab")
    page.keyboard.press("Shift+Tab")
    seen, problems = [], []
    for _ in range(400):
        focus = page.evaluate(FOCUS_STYLE)
        if focus is None or (seen and focus["what"] == seen[0]):
            break
        seen.append(focus["what"])
        if not (focus["outline"] and focus["shown"]):
            problems.append(focus)
        page.keyboard.press("Tab")
    assert any(what.startswith("input#search-box") for what in seen)
    assert any(what.startswith("button.send") for what in seen)
    assert any(what.startswith("a") and "health" in what for what in seen)  # the footer
    assert not problems
