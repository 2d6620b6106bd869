"""/contribute in the browser: the preview kept under problems, placeholders flagged, and
the editor and preview as tabs on a phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import (
    DESKTOP,
    PHONE,
    axe_violations,
    describe,
    horizontal_overflow,
    shoot,
)

pytestmark = pytest.mark.browser


def replace_text(page: Page, old: str, new: str) -> None:
    """Edit the entry's text as a reader would: the textarea changes and says so."""
    editor = page.locator("#contribute-markdown")
    editor.evaluate(
        """(area, [old, next]) => {
            area.value = area.value.replace(old, next);
            area.dispatchEvent(new Event("input", {bubbles: true}));
        }""",
        [old, new],
    )


def test_a_front_matter_error_keeps_the_last_good_preview(page: Page) -> None:
    page.goto("/contribute")
    status = page.locator("#preview-status")
    article = page.locator("#preview-article article")
    # The starter text is a fresh scaffold: no problems, its placeholders listed.
    expect(status.locator(".check-placeholders h2")).to_have_text("6 placeholders to fill in")
    expect(status.locator(".check-placeholders li").first).to_contain_text(
        "Line 13: TODO: what goes wrong without this pattern"
    )
    expect(status).not_to_contain_text("No problems found")
    expect(article.locator(".preview-title")).to_have_text("My new pattern")

    # A title typed, then the front matter broken: the preview keeps the title typed.
    replace_text(page, "title: My new pattern", "title: Retry Budgets")
    expect(article.locator(".preview-title")).to_have_text("Retry Budgets")
    replace_text(page, "updated: ", "upd: ")
    problems = status.locator(".check-problems")
    expect(problems).to_be_visible()
    expect(problems.locator("li").first).to_contain_text(
        re.compile(r"^Line \d+: The front matter has .*\(KB104\)$")
    )
    expect(problems).not_to_contain_text("Field required")
    expect(status.locator(".stale-note")).to_be_visible()
    expect(article.locator(".preview-title")).to_have_text("Retry Budgets")
    expect(article).to_be_visible()
    # The problems come above the preview, which is marked as out of date, not gone.
    problems_box, article_box = problems.bounding_box(), article.bounding_box()
    assert problems_box is not None and article_box is not None
    assert problems_box["y"] < article_box["y"]
    expect(page.locator("#preview-article")).to_have_css("border-left-style", "dashed")
    shoot(page, "contribute-stale-preview-light-desktop", full_page=False)

    # Fixed: the preview is up to date again and the note goes.
    replace_text(page, "upd: ", "updated: ")
    expect(status.locator(".check-problems")).to_have_count(0)
    expect(status.locator(".stale-note")).to_have_count(0)
    expect(page.locator("#preview-article")).to_have_css("border-left-style", "solid")


def test_an_edited_scaffold_turns_placeholders_into_problems(page: Page) -> None:
    page.goto("/contribute")
    status = page.locator("#preview-status")
    expect(status.locator(".check-placeholders")).to_be_visible()
    replace_text(page, "TODO: the anti-patterns, and how each one bites.", "Retrying at once.")
    problems = status.locator(".check-problems")
    expect(problems.locator("h2")).to_have_text("5 problems to fix")
    expect(problems.locator("li").first).to_contain_text(
        "The scaffold's placeholder is still here: “TODO: what goes wrong"
    )
    expect(problems.locator("li").first).to_contain_text("(KB701)")
    expect(status.locator(".check-placeholders")).to_have_count(0)


def test_on_a_phone_the_editor_and_preview_are_tabs(open_page) -> None:
    page: Page = open_page(viewport=PHONE, is_mobile=True, has_touch=True)
    page.goto("/contribute")
    assert horizontal_overflow(page) == 0
    tabs = page.get_by_role("tablist", name="Editor and preview")
    expect(tabs).to_be_visible()
    editor_tab = tabs.get_by_role("tab", name="Editor")
    preview_tab = tabs.get_by_role("tab", name=re.compile("^Preview"))
    for tab in (editor_tab, preview_tab):
        box = tab.bounding_box()
        assert box is not None and box["height"] >= 44
    expect(editor_tab).to_have_attribute("aria-selected", "true")
    expect(page.get_by_role("tabpanel")).to_have_count(1)  # the hidden one is not exposed
    expect(page.locator("#contribute-markdown")).to_be_visible()
    expect(page.locator("#preview")).to_be_hidden()
    # The Preview tab says what the check found without opening it.
    expect(preview_tab).to_have_text("Preview · 6 to fill in")
    # The editor fits the screen rather than 30 rows below which the preview hid.
    editor_box = page.locator("#contribute-markdown").bounding_box()
    assert editor_box is not None and editor_box["height"] < PHONE["height"]

    replace_text(page, "updated: ", "upd: ")
    expect(preview_tab).to_have_text("Preview · 1 problem")
    preview_tab.tap()
    expect(preview_tab).to_have_attribute("aria-selected", "true")
    expect(page.locator("#preview")).to_be_visible()
    expect(page.locator("#contribute-markdown")).to_be_hidden()
    expect(page.locator("#preview .check-problems")).to_be_in_viewport()
    expect(page.locator("#preview-article .preview-title")).to_have_text("My new pattern")
    assert horizontal_overflow(page) == 0
    shoot(page, "contribute-preview-tab-light-phone", full_page=False)

    # Arrow keys move between the tabs, as in any tab list.
    preview_tab.focus()
    page.keyboard.press("ArrowLeft")
    expect(editor_tab).to_be_focused()
    expect(editor_tab).to_have_attribute("aria-selected", "true")
    expect(page.locator("#contribute-markdown")).to_be_visible()


def test_on_a_wide_screen_editor_and_preview_are_side_by_side(open_page) -> None:
    page: Page = open_page(viewport=DESKTOP)
    page.goto("/contribute")
    expect(page.get_by_role("tablist")).to_be_hidden()
    expect(page.get_by_role("tabpanel")).to_have_count(0)
    editor, preview = (
        page.locator("#contribute-markdown").bounding_box(),
        page.locator("#preview").bounding_box(),
    )
    assert editor is not None and preview is not None
    assert editor["x"] + editor["width"] < preview["x"]


def test_without_javascript_the_phone_shows_both(browser, live_server) -> None:
    context = browser.new_context(
        base_url=live_server.url, java_script_enabled=False, viewport=PHONE
    )
    try:
        page = context.new_page()
        page.goto("/contribute")
        expect(page.locator(".contribute-tabs")).to_be_hidden()
        expect(page.locator("#contribute-markdown")).to_be_visible()
        expect(page.locator("#preview .check-placeholders")).to_be_attached()
        expect(page.locator("#preview-article .preview-title")).to_have_text("My new pattern")
    finally:
        context.close()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_editor_has_no_serious_accessibility_problems(open_page, viewport) -> None:
    page: Page = open_page(viewport=viewport, bypass_csp=True)
    page.goto("/contribute")
    replace_text(page, "updated: ", "upd: ")
    expect(page.locator("#preview-status .check-problems")).to_be_attached()
    violations = axe_violations(page)
    assert not violations, describe(violations)
