"""The WebSocket player: a conversation played live against the reader's own sandbox."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from kb.settings import Settings
from tests.browser.conftest import LiveServer, Pages, served, watched_pages
from tests.browser.support import axe_violations, describe, send
from tests.conftest import FIXTURES

pytestmark = pytest.mark.browser

ENTRY = "/patterns/websockets"


def get_ticket(page: Page) -> None:
    """Send the entry's first request, which captures the ticket ws-1 opens the socket with."""
    assert send(page, 1).startswith("200 OK")


def test_play_the_conversation_then_keep_talking(pages: Pages) -> None:
    page = pages.open()
    page.goto(ENTRY)
    player = page.locator("#ws-1")
    # The block's source gives way to the player: path, steps, and the sent ones editable.
    expect(player.locator(".ws-source")).to_be_hidden()
    expect(player.get_by_role("button", name="Copy code")).to_be_hidden()
    expect(player.get_by_label("WebSocket path")).to_have_value("/ws/lobby?ticket={{ticket}}")
    expect(player.locator(".ws-step-send input")).to_have_count(2)

    get_ticket(page)
    player.get_by_role("button", name="Play").click()
    status = player.locator(".ws-status")
    expect(status).to_have_text(
        "Played: 3 of 3 expected answers as written. Still connected: send more below."
    )
    transcript = player.get_by_role("list", name="Transcript")
    expect(transcript).to_have_attribute("aria-live", "polite")
    received = transcript.locator(".ws-received")
    expect(received).to_have_count(3)
    expect(received.nth(0)).to_contain_text('{"type":"joined","user":"ann","members":["ann"]}')
    expect(received.nth(1)).to_contain_text('"text":"Hello, lobby!"')
    expect(transcript.locator(".ws-verdict.ok")).to_have_count(3)
    expect(transcript.locator(".ws-sent")).to_have_count(2)
    stamp = transcript.locator("time").first
    expect(stamp).to_have_text(re.compile(r"^\d\d:\d\d:\d\d\.\d{3}$"))
    expect(stamp).to_have_attribute("datetime", re.compile(r"^\d{4}-\d\d-\d\dT"))

    # The reader types more, from the keyboard: Enter sends.
    message = player.get_by_label("Message")
    message.fill('{"text": "typed by hand"}')
    message.press("Enter")
    expect(received).to_have_count(4)
    expect(received.nth(3)).to_contain_text('"text":"typed by hand"')
    expect(message).to_have_value("")

    # The socket reached this reader's own sandbox: its HTTP console sees ann in the room.
    assert send(page, 2).startswith("200 OK")
    expect(page.locator("#try-2-result .response-body")).to_contain_text('"ann"')

    player.get_by_role("button", name="Close").click()
    closed = transcript.locator(".ws-event .ws-event-text").last
    expect(closed).to_have_text('closed 1000 "closed by the reader"')
    expect(player.get_by_role("button", name="Play")).to_be_enabled()
    expect(message).to_be_disabled()


def test_a_spent_ticket_is_refused_and_the_player_says_what_to_do(pages: Pages) -> None:
    page = pages.open()
    page.goto(ENTRY)
    player = page.locator("#ws-1")
    status = player.locator(".ws-status")
    get_ticket(page)
    player.get_by_role("button", name="Play").click()
    expect(status).to_contain_text("Played: 3 of 3")
    player.get_by_role("button", name="Close").click()
    player.get_by_role("button", name="Play").click()  # the same ticket, spent by now
    expect(status).to_have_text(
        "Played: 0 of 1 expected answer as written. The handshake used {{ticket}}, which may"
        " be spent or out of date: send the request that captures it again, then Play."
    )
    get_ticket(page)
    player.get_by_role("button", name="Play").click()
    expect(status).to_contain_text("Played: 3 of 3")


def test_reset_sandbox_ends_the_conversation_and_clears_the_transcript(pages: Pages) -> None:
    page = pages.open()
    page.goto(ENTRY)
    player = page.locator("#ws-1")
    get_ticket(page)
    player.get_by_role("button", name="Play").click()
    transcript = player.get_by_role("list", name="Transcript")
    expect(transcript.locator(".ws-received")).to_have_count(3)
    expect(player.get_by_role("button", name="Close")).to_be_enabled()

    page.get_by_role("button", name="Reset sandbox").click()
    expect(player.locator(".ws-status")).to_have_text(
        "The sandbox was reset: Play starts a new conversation."
    )
    expect(transcript.locator(".ws-received")).to_have_count(0)
    expect(player.get_by_role("button", name="Close")).to_be_disabled()
    expect(player.get_by_role("button", name="Play")).to_be_enabled()


def test_an_edited_message_that_gets_another_answer_is_marked(pages: Pages) -> None:
    page = pages.open()
    page.goto(ENTRY)
    player = page.locator("#ws-1")
    get_ticket(page)
    player.locator(".ws-step-send input").first.fill('{"text": "Changed my mind"}')
    play = player.get_by_role("button", name="Play")
    play.focus()
    page.keyboard.press("Enter")
    expect(player.locator(".ws-status")).to_have_text(re.compile(r"^Played: 2 of 3 expected"))
    differs = player.locator(".ws-verdict.differs")
    expect(differs).to_have_count(1)
    expect(differs).to_contain_text('expected {"type": "message", "from": "ann"')
    expect(player.locator(".ws-sent").first).to_contain_text("Changed my mind")


def test_a_refused_handshake_shows_the_examples_own_code(pages: Pages) -> None:
    page = pages.open()
    page.goto(ENTRY)
    refused = page.locator("#ws-2")
    refused.get_by_role("button", name="Play").click()
    expect(refused.locator(".ws-status")).to_have_text("Played: 1 of 1 expected answer as written.")
    # What a page's own WebSocket never learns (it sees 1006): the relay tells it.
    expect(refused.locator(".ws-event .ws-event-text")).to_have_text(
        'refused 1008 "not authenticated"'
    )
    expect(refused.locator(".ws-event .ws-verdict.ok")).to_be_visible()


def test_a_block_with_headers_is_played_with_them_and_they_can_be_edited(pages: Pages) -> None:
    page = pages.open()
    page.goto(ENTRY)
    origin = page.locator("#ws-3")
    headers = origin.get_by_label("Headers")
    expect(headers).to_have_value("Cookie: session=ann-token\nOrigin: https://evil.example")
    play = origin.get_by_role("button", name="Play")
    play.click()
    status = origin.locator(".ws-status")
    expect(status).to_have_text("Played: 1 of 1 expected answer as written.")
    expect(origin.locator(".ws-event .ws-event-text")).to_have_text('refused 1008 "cross-origin"')
    expect(origin.locator(".ws-handshake")).to_contain_text(
        "handshake /examples/websockets/ws/lobby · Cookie: session=ann-token · Origin: https://evil.example"
    )

    # Without the foreign Origin, the relay sends this page's own: the example lets ann in.
    headers.fill("Cookie: session=ann-token")
    play.click()
    expect(status).to_have_text(
        "Played: 0 of 1 expected answer as written. Still connected: send more below."
    )
    expect(origin.locator(".ws-received")).to_contain_text('"type":"joined","user":"ann"')
    expect(origin.locator(".ws-verdict.differs")).to_have_text(
        '✗ expected close 1008 "cross-origin"'
    )

    origin.get_by_role("button", name="Close").click()
    headers.fill("Cookie session")
    play.click()
    expect(status).to_have_text("Header line 1 is not “Name: value”.")


def test_without_javascript_the_block_is_code_with_a_note(pages: Pages) -> None:
    page = pages.open(java_script_enabled=False)
    page.goto(ENTRY)
    block = page.locator("#ws-1")
    expect(block.locator(".highlight")).to_contain_text('> {"text": "Hello, lobby!"}')
    expect(block.locator(".ws-nojs")).to_contain_text("With JavaScript on")
    expect(block.locator(".ws-player")).to_have_count(0)


def test_entries_without_websocket_blocks_do_not_load_the_player(page: Page) -> None:
    page.goto("/patterns/query-parameters")
    expect(page.locator('script[src*="websocket"]')).to_have_count(0)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_played_conversation_passes_axe(pages: Pages, theme: str) -> None:
    page = pages.open(color_scheme=theme, bypass_csp=True)
    page.goto(ENTRY)
    get_ticket(page)
    page.locator("#ws-1").get_by_role("button", name="Play").click()
    expect(page.locator("#ws-1 .ws-status")).to_contain_text("Played")
    violations = axe_violations(page)
    assert not violations, describe(violations)


# A conversation that opens with the token the entry's login captures (try block 3 of the
# fixture site's greeting entry) and sends it back.
TOKEN_SOCKET = """
```websocket
WS /ws/echo?token={{token}}
> hello {{token}}
< *
jsonpath "$.text" == "hello {{token}}"
jsonpath "$.from" == "alice"
```
"""


@pytest.fixture(scope="module")
def token_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    root = tmp_path_factory.mktemp("token") / "site"
    shutil.copytree(FIXTURES / "site", root)
    with (root / "content" / "greeting.md").open("a") as entry:
        entry.write(TOKEN_SOCKET)
    yield from served(Settings(content_dir=root / "content", examples_dir=root / "examples"))


@pytest.fixture
def token_pages(browser: Browser, token_server: LiveServer) -> Iterator[Pages]:
    yield from watched_pages(browser, token_server)


def test_a_conversation_uses_the_values_the_consoles_captured(token_pages: Pages) -> None:
    page = token_pages.open()
    page.goto("/patterns/greeting")
    player = page.locator("#ws-1")
    path = player.get_by_label("WebSocket path")
    expect(path).to_have_value("/ws/echo?token={{token}}")  # as the entry writes it
    status = player.locator(".ws-status")

    player.get_by_role("button", name="Play").click()  # before the login: nothing is opened
    expect(status).to_have_text(
        "{{token}} has no value yet: send the request above that captures it, then Play."
    )
    expect(player.get_by_role("list", name="Transcript").locator("li")).to_have_count(0)

    assert send(page, 3).startswith("200 OK")  # the login, which captures token = t-alice
    player.get_by_role("button", name="Play").click()
    expect(status).to_have_text(
        "Played: 1 of 1 expected answer as written. Still connected: send more below."
    )
    transcript = player.get_by_role("list", name="Transcript")
    expect(transcript.locator(".ws-sent .ws-message")).to_have_text("hello t-alice")
    expect(transcript.locator(".ws-received")).to_contain_text('"from":"alice"')
    expect(transcript.locator(".ws-verdict.ok")).to_have_count(1)
    expect(path).to_have_value("/ws/echo?token={{token}}")
    player.get_by_role("button", name="Close").click()
    expect(player.get_by_role("button", name="Play")).to_be_enabled()
