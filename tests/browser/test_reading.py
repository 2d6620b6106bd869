"""Reading: home → section → entry, and everything an entry page offers around its text."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import JWT_ENTRY

pytestmark = pytest.mark.browser


def test_home_to_section_to_entry(page: Page) -> None:
    page.goto("/")
    expect(page.locator("h1")).to_have_text("FastAPI patterns you can run")
    nav = page.get_by_role("navigation", name="Sections")
    sections = nav.locator("details.sidebar-section > summary")
    expect(sections).to_have_count(6)

    sections.filter(has_text="Authentication & Security").click()
    nav.get_by_role("link", name="All of Authentication & Security").click()
    expect(page).to_have_url(re.compile(r"/sections/authentication-security$"))
    expect(page.locator("h1")).to_have_text("Authentication & Security")
    current = nav.locator("[aria-current]")
    expect(current).to_have_text("All of Authentication & Security")
    expect(page.get_by_role("navigation", name="Breadcrumbs")).to_contain_text("Home")

    page.locator(".entry-card a", has_text="Token Validation").click()
    expect(page).to_have_url(re.compile(r"/patterns/jwt-token-validation$"))
    expect(page.locator("h1")).to_have_text("Token Validation")
    crumbs = page.get_by_role("navigation", name="Breadcrumbs")
    expect(crumbs).to_contain_text("Authentication & Security")
    expect(crumbs).to_contain_text("JWT Implementation")
    crumbs.get_by_role("link", name="Authentication & Security").click()
    expect(page).to_have_url(re.compile(r"/sections/authentication-security$"))


def test_table_of_contents_and_heading_permalinks(page: Page) -> None:
    page.goto(JWT_ENTRY)
    toc = page.locator(".toc")
    expect(toc.get_by_role("heading", name="On this page")).to_be_visible()
    link = toc.get_by_role("link", name="Pitfalls")
    link.click()
    expect(page).to_have_url(re.compile(r"#pitfalls$"))
    heading = page.locator("h2#pitfalls")
    expect(heading).to_be_in_viewport()
    # Below the sticky top bar, not hidden under it.
    top_bar = page.locator(".topbar").bounding_box()
    box = heading.bounding_box()
    assert top_bar is not None and box is not None
    assert box["y"] >= top_bar["y"] + top_bar["height"] - 1

    anchor = heading.locator(".header-anchor")
    expect(anchor).to_have_attribute("href", "#pitfalls")
    assert anchor.evaluate("a => getComputedStyle(a).opacity") == "0"
    heading.hover()
    expect(anchor).to_have_css("opacity", "1")


def test_previous_next_related_and_tags(page: Page) -> None:
    page.goto(JWT_ENTRY)
    pager = page.get_by_role("navigation", name=re.compile("^Previous and next in"))
    expect(pager).to_have_accessible_name("Previous and next in Authentication & Security")
    previous = pager.locator("a[rel=prev]")
    expect(previous).to_contain_text("JWT Token Generation")
    pager.locator("a[rel=next]").click()
    expect(page.locator("h1")).to_have_text("Refresh Tokens")
    crumbs = page.get_by_role("navigation", name="Breadcrumbs")
    expect(crumbs).to_contain_text("Authentication & Security")  # still the same section
    page.go_back()

    related = page.locator(".related .entry-card a")
    assert related.count() >= 2
    first = related.first.get_attribute("href")
    assert first and first.startswith("/patterns/")

    tag = page.locator(".entry-header a.tag", has_text="jwt")
    tag.click()
    expect(page).to_have_url(re.compile(r"/tags/jwt$"))
    expect(page.locator("h1")).to_contain_text("jwt")
    expect(page.locator(".entry-card a", has_text="Token Validation")).to_be_visible()


def test_copy_buttons_copy_the_code_only(open_page) -> None:
    page: Page = open_page(permissions=["clipboard-read", "clipboard-write"])
    page.goto(JWT_ENTRY)
    included = page.locator("figure.include").first
    included.locator(".copy").click()
    expect(included.locator(".copy")).to_have_text("Copied")
    copied = page.evaluate("navigator.clipboard.readText()")
    code = included.locator("td.code pre").text_content()
    assert copied == code
    first_line = included.locator("td.linenos pre").text_content().split()[0]
    assert not copied.lstrip().startswith(first_line)  # no line numbers

    shell = page.locator(".run-alone .code-wrap")
    shell.locator(".copy").click()
    assert page.evaluate("navigator.clipboard.readText()").startswith("uvicorn --factory ")

    # A shell block with prompts: the prompts are not copied.
    page.evaluate(
        """() => {
            const section = document.querySelector(".run-alone");
            const pre = document.createElement("pre");
            pre.className = "shell";
            pre.innerHTML = "<code>$ pip install fastapi\\n$ fastapi dev app.py</code>";
            section.appendChild(pre);
            section.dispatchEvent(new CustomEvent("htmx:afterSwap", {bubbles: true}));
        }"""
    )
    page.locator(".run-alone .code-wrap").last.locator(".copy").click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == "pip install fastapi\nfastapi dev app.py"


# What a page on a plain-http origin other than localhost has: no Clipboard API (it is
# for secure contexts only). The spy records what document.execCommand("copy") copies.
WITHOUT_CLIPBOARD = """
Object.defineProperty(Navigator.prototype, "clipboard", {get: () => undefined});
window.copiedByCommand = [];
const execCommand = Document.prototype.execCommand;
Document.prototype.execCommand = function (command, ...rest) {
  const active = document.activeElement;
  window.copiedByCommand.push([command, active && active.value]);
  return window.commandFails ? false : execCommand.call(this, command, ...rest);
};
"""


def test_copy_works_without_the_clipboard_api(page: Page) -> None:
    page.add_init_script(WITHOUT_CLIPBOARD)
    page.goto(JWT_ENTRY)
    assert page.evaluate("navigator.clipboard") is None
    included = page.locator("figure.include").first
    button = included.locator(".copy")
    button.click()
    expect(button).to_have_text("Copied")
    code = included.locator("td.code pre").text_content()
    assert page.evaluate("window.copiedByCommand") == [["copy", code]]
    expect(button).to_be_focused()  # the hidden textarea is gone, focus is back
    assert page.locator("textarea[aria-hidden=true]").count() == 0


def test_copy_selects_the_code_when_nothing_can_copy_it(page: Page) -> None:
    page.add_init_script(WITHOUT_CLIPBOARD + "window.commandFails = true;")
    page.goto(JWT_ENTRY)
    included = page.locator("figure.include").first
    button = included.locator(".copy")
    button.click()
    expect(button).to_have_text(re.compile(r"^Press (Ctrl\+C|⌘C)$"))
    expect(button).to_have_attribute("aria-label", re.compile(r"^Selected: press "))
    code = included.locator("td.code pre").text_content() or ""
    # The selection is the code (a browser leaves out the last line's newline).
    assert page.evaluate("window.getSelection().toString()") == code.rstrip("\n")


def test_copy_button_stays_put_when_code_scrolls(page: Page) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(JWT_ENTRY)
    block = page.locator("figure.include .highlight").first
    button = page.locator("figure.include .copy").first
    assert block.evaluate("b => b.scrollWidth > b.clientWidth")  # long lines on a phone
    expect(block).to_have_attribute("tabindex", "0")  # the keyboard can scroll it
    before = button.bounding_box()
    block.evaluate("b => { b.scrollLeft = 200; }")
    after = button.bounding_box()
    assert before is not None and after is not None
    assert after["x"] == pytest.approx(before["x"], abs=1)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_highlighted_lines_stand_out_in_both_themes(open_page, theme: str) -> None:
    page: Page = open_page(color_scheme=theme)
    page.goto(JWT_ENTRY)
    line = page.locator(".highlight .hll").first
    expect(line).to_be_visible()
    colours = line.evaluate(
        """hll => {
            const block = hll.closest(".highlight");
            const style = getComputedStyle(hll);
            return {
                line: style.backgroundColor,
                block: getComputedStyle(block).backgroundColor,
                bar: style.boxShadow,
                page: getComputedStyle(document.body).backgroundColor,
            };
        }"""
    )
    assert colours["line"] != colours["block"]
    assert "inset" in colours["bar"]
    expected_page = "rgb(255, 255, 255)" if theme == "light" else "rgb(13, 17, 23)"
    assert colours["page"] == expected_page
