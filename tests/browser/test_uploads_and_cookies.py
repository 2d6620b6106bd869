"""The file picker of a multipart console, and a cookie session across consoles."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Pages
from tests.browser.support import PHONE, axe_violations, describe, horizontal_overflow, send

pytestmark = pytest.mark.browser

UPLOADS = "/patterns/file-uploads"
COOKIES = "/patterns/cookies-and-sessions"
PNG = (Path(__file__).parents[2] / "examples" / "file_uploads" / "pixels.png").read_bytes()


def body_of(page: Page, number: int) -> object:
    return json.loads(page.locator(f"#try-{number}-result .response-body pre").text_content() or "")


def test_the_file_picker_uploads_the_readers_own_file(page: Page, tmp_path: Path) -> None:
    page.goto(UPLOADS)
    console = page.locator("#try-1")
    expect(console.locator("#try-1-parts")).to_have_value(
        "description: Test card\nfile: file,pixels.png; image/png"
    )
    picker = console.locator("input[type=file]")
    expect(console.locator("label[for=try-1-upload-1]")).to_contain_text("pixels.png")

    # Nothing chosen: the file beside the example goes, and the entry's expectation holds.
    assert re.fullmatch(r"201 Created\s+[\d.]+ ms\s+as expected", send(page, 1))
    assert body_of(page, 1)["filename"] == "pixels.png"  # type: ignore[index]

    # The reader's own file, picked in the page, goes instead: the example's response says so.
    mine = tmp_path / "my photo.png"
    mine.write_bytes(PNG + b"\0" * 25)
    picker.set_input_files(str(mine))
    page.locator("#try-1-parts").fill("description: Mine\nfile: file,pixels.png; image/png")
    assert send(page, 1).startswith("201 Created")
    stored = body_of(page, 1)
    assert stored == {  # type: ignore[comparison-overlap]
        **stored,  # type: ignore[dict-item]
        "filename": "my_photo.png",
        "size": len(PNG) + 25,
        "description": "Mine",
    }
    expect(page.locator("#try-1-result .verdict")).to_have_text(
        "differs from the entry’s expectation"
    )
    curl = page.locator("#try-1-sent-code-curl pre").text_content() or ""
    assert "-F 'file=@my photo.png;type=image/png'" in curl
    assert "-F description=Mine" in curl


def test_a_file_over_the_upload_limit_is_refused_before_it_is_sent(
    page: Page, tmp_path: Path
) -> None:
    page.goto(UPLOADS)
    limit = int(page.locator("#try-1 input[type=file]").get_attribute("data-max-bytes") or "0")
    big = tmp_path / "big.png"
    big.write_bytes(PNG + b"\0" * limit)
    sent: list[str] = []
    page.on("request", lambda request: sent.append(request.url) if "/try/" in request.url else None)
    page.locator("#try-1 input[type=file]").set_input_files(str(big))
    note = page.locator("#try-1 .console-file .console-error")
    expect(note).to_have_text(
        re.compile(r"^big\.png is [\d.]+ MiB: an upload may be 4 MiB at most\.$")
    )
    page.locator("#try-1 .send").click()
    page.wait_for_timeout(300)
    assert sent == []  # the browser refused to submit the form
    page.locator("#try-1 input[type=file]").set_input_files([])
    expect(note).to_have_count(0)


def test_a_cookie_session_across_consoles(pages: Pages) -> None:
    page = pages.open()
    page.goto(COOKIES)
    pages.watch(page).allow_console_error(r"status of 40[13]")
    assert send(page, 1).startswith("200 OK")  # log in: both cookies set, token captured
    result = page.locator("#try-1-result")
    result.locator("details.response-headers summary").click()
    expect(result.locator("dt", has_text="set-cookie")).to_have_count(2)
    assert send(page, 2).startswith("200 OK")  # the session cookie came from the jar
    expect(page.locator("#try-2-result .cookies-sent")).to_contain_text("session")
    assert send(page, 3).startswith("403 ")  # no token
    assert send(page, 4).startswith("201 Created")  # the captured token

    # Reset empties the jar along with the sandbox: anonymous again.
    page.locator(".try-bar .reset").click()
    expect(page.locator(".try-bar")).to_contain_text("was reset")
    assert send(page, 2).startswith("401 ")

    # Logged in again, a fresh token is captured; logging out deletes the cookie.
    assert send(page, 1).startswith("200 OK")
    assert send(page, 6).startswith("204 ")
    assert send(page, 7).startswith("401 ")  # the jar dropped the deleted cookie


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_upload_console_is_accessible_and_fits_a_phone(open_page, theme: str) -> None:  # type: ignore[no-untyped-def]
    page: Page = open_page(color_scheme=theme, bypass_csp=True, viewport=PHONE)
    page.goto(UPLOADS)
    assert send(page, 1).startswith("201 Created")
    page.locator("#try-1 input[type=file]").scroll_into_view_if_needed()
    assert horizontal_overflow(page) == 0
    violations = axe_violations(page)
    assert violations == [], describe(violations)
