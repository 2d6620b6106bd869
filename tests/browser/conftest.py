"""Browser tests: the KB served by uvicorn on 127.0.0.1, driven by Debian's Chromium.

Fixtures:

- ``live_server``: the KB app (real catalogue) run by uvicorn in a thread, started once;
  ``pages_server``, the same for the fixture site with the example of tests/fixtures/pages.
- ``browser``: Chromium launched once from the system's ``chromium``; never a browser that
  Playwright downloads. Missing chromium fails the tests when ``CI`` is set and skips them
  otherwise.
- ``open_page(**context_options)``: a new page in a new context (own cookies, so its own
  example sandboxes); ``page`` is one with the defaults. Every page opened this way is
  watched: a console error, an uncaught exception or a request to another origin fails
  the test.

The server and the browser live for the whole browser-test session, which is this package
(``scope="package"``): they stop when the last browser test is done. Playwright's sync API
keeps an event loop marked as running in the main thread while it is open, and the tests
that run after this package (``asyncio.run`` in test_cli.py, for one) must not see it.

Helpers (axe-core, screenshots, consoles) are in ``support.py``.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx2
import pytest
import uvicorn
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from kb.app import create_app
from kb.settings import PROJECT_DIR, Settings
from tests.browser.support import DESKTOP
from tests.conftest import copy_pages_site

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]

# --- the live server ---------------------------------------------------------------------


class LiveServer:
    """uvicorn serving ``app`` on a free 127.0.0.1 port, in a background thread."""

    def __init__(self, app: Any) -> None:
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app,
            log_config=None,
            access_log=False,
            ws="websockets-sansio",  # the WebSocket player (tests/browser/test_websocket.py)
            lifespan="on",
            timeout_notify=5,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True
        )

    def start(self, timeout: float = 60.0) -> None:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.thread.is_alive():
                raise RuntimeError("the KB server stopped while starting; see the log above")
            if self.server.started:
                try:
                    # Once every example has started: none is built while a test runs.
                    health = httpx2.get(f"{self.url}/healthz?wait=true", timeout=timeout)
                    if health.status_code < 500:
                        return
                except httpx2.TransportError:
                    pass
            time.sleep(0.05)
        raise RuntimeError(f"the KB server did not answer on {self.url} within {timeout:.0f} s")

    def wait_idle(self, timeout: float = 10.0) -> None:
        """Wait until no request is being answered.

        A page closed mid-request leaves the server answering it, perhaps starting a
        reader's example; an app being built must not straddle the end of a test, where
        pytest swaps the process-wide warning filters (see kb.sandbox.examples).
        """
        deadline = time.monotonic() + timeout
        while self.server.server_state.tasks and time.monotonic() < deadline:
            time.sleep(0.01)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)
        self.socket.close()


@pytest.fixture(scope="package")
def live_server() -> Iterator[LiveServer]:
    settings = Settings(
        content_dir=PROJECT_DIR / "content",
        examples_dir=PROJECT_DIR / "examples",
        # Every test's browser is a client at 127.0.0.1: together they are not one reader,
        # and the per-client limits (tested in test_ratelimit.py) would make them flaky.
        rate_limit_try=0,
        rate_limit_examples=0,
        rate_limit_search=0,
    )
    yield from served(settings)


@pytest.fixture(scope="package")
def pages_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The fixture site plus the example with pages of its own and sub-applications
    (tests/fixtures/pages)."""
    yield from served(copy_pages_site(tmp_path_factory.mktemp("pages") / "site"))


def served(settings: Settings) -> Iterator[LiveServer]:
    """The KB of ``settings`` on a live server, for a fixture to yield from."""
    server = LiveServer(create_app(settings))
    server.start()
    try:
        yield server
    finally:
        server.stop()


# --- the browser -------------------------------------------------------------------------


def chromium_path() -> str | None:
    found = shutil.which("chromium")
    if found:
        return found
    return CHROMIUM if Path(CHROMIUM).is_file() else None


@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    path = chromium_path()
    if path is None:
        message = (
            "Debian's chromium is not installed (no `chromium` on PATH, no /usr/bin/chromium). "
            "Install it with `apt-get install -y chromium` (.ci/run does); the browser tests "
            "never use a browser downloaded by `playwright install`."
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    launched = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
    yield launched
    launched.close()


# --- pages, watched ------------------------------------------------------------------------


@dataclass
class Watch:
    """What a page did that it should not: console errors and requests to other origins."""

    origin: str
    console_errors: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)
    allowed: list[re.Pattern[str]] = field(default_factory=list)

    def allow_console_error(self, pattern: str) -> None:
        """Expect a console error matching ``pattern`` (a request the test makes fail)."""
        self.allowed.append(re.compile(pattern))

    def on_console(self, message: Any) -> None:
        if message.type == "error":
            self.console_errors.append(f"{message.text} ({message.location.get('url', '')})")

    def on_page_error(self, error: Any) -> None:
        self.console_errors.append(f"uncaught: {error}")

    def on_request(self, request: Any) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in ("data", "blob", "about"):
            return
        if f"{parts.scheme}://{parts.netloc}" != self.origin:
            self.foreign_requests.append(request.url)

    def problems(self) -> list[str]:
        errors = [e for e in self.console_errors if not any(p.search(e) for p in self.allowed)]
        return [f"console error: {e}" for e in errors] + [
            f"request to another origin: {url}" for url in self.foreign_requests
        ]


class Pages:
    """Opens watched pages, each in its own context; checks and closes them all."""

    def __init__(self, browser: Browser, server: LiveServer) -> None:
        self.browser = browser
        self.server = server
        self.contexts: list[BrowserContext] = []
        self.watches: dict[Page, Watch] = {}

    def open(self, **options: Any) -> Page:
        options.setdefault("viewport", DESKTOP)
        options.setdefault("color_scheme", "light")
        context = self.browser.new_context(base_url=self.server.url, **options)
        context.set_default_timeout(10_000)
        self.contexts.append(context)
        watch = Watch(self.server.url)
        context.on("request", watch.on_request)
        page = context.new_page()
        page.on("console", watch.on_console)
        page.on("pageerror", watch.on_page_error)
        self.watches[page] = watch
        return page

    def watch(self, page: Page) -> Watch:
        return self.watches[page]

    def close(self) -> list[str]:
        problems = []
        for page, watch in self.watches.items():
            problems += [f"{page.url}: {p}" for p in watch.problems()]
        for context in self.contexts:
            context.close()
        return problems


def watched_pages(browser: Browser, server: LiveServer) -> Iterator[Pages]:
    opened = Pages(browser, server)
    yield opened
    problems = opened.close()
    server.wait_idle()
    if problems:
        pytest.fail("the pages misbehaved:\n" + "\n".join(problems), pytrace=False)


@pytest.fixture
def pages(browser: Browser, live_server: LiveServer) -> Iterator[Pages]:
    yield from watched_pages(browser, live_server)


@pytest.fixture
def fixture_pages(browser: Browser, pages_server: LiveServer) -> Iterator[Pages]:
    """Like ``pages``, on ``pages_server``."""
    yield from watched_pages(browser, pages_server)


@pytest.fixture
def open_page(pages: Pages) -> Callable[..., Page]:
    return pages.open


@pytest.fixture
def page(pages: Pages) -> Page:
    return pages.open()
