"""XSS payloads in every place a page shows text from outside, rendered in Chromium.

Payloads go into an entry's body and front matter, into search queries, and into an
example app's responses (JSON, HTML and headers). Each payload would set ``window.__xss``
or open a dialog if it ran; the test also looks for the dangerous markup itself in the
DOM, so that a missed escape fails even where the Content-Security-Policy would block it.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from kb.app import create_app
from kb.settings import Settings
from tests.browser.conftest import LiveServer, Pages

pytestmark = pytest.mark.browser

FIXTURES = Path(__file__).parent.parent / "fixtures"
RUN = "window.__xss=1"
PAYLOADS = [
    f"<script>{RUN}</script>",
    f"<img src=x onerror={RUN}>",
    f'<svg onload="{RUN}"><circle r=1 /></svg>',
    f'<a href="javascript:{RUN}">click</a>',
    f'<div hx-get="/search?q=x" hx-trigger="load" hx-on::after-request="{RUN}">hx</div>',
    f"<iframe srcdoc='<script>parent.{RUN}</script>'></iframe>",
    f'"><script>{RUN}</script>',
    "'-alert(1)-'",
]
MARKDOWN_LINKS = [
    f"[plain](javascript:{RUN})",
    f"[entity](&#106;avascript:{RUN})",
    f"[encoded](jav&#x09;ascript:{RUN})",
    f"![image](javascript:{RUN})",
    f"<javascript:{RUN}>",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
]

ENTRY = f"""---
title: "Payloads <img src=x onerror={RUN}>"
summary: "A summary with <script>{RUN}</script> in it, to be shown as text."
section: Core Patterns
group: Route Organization
tags: [fixture]
example: echo
related: [greeting]
updated: 2026-11-26
---

## Payloads in prose

{chr(10).join(f"- {p}" for p in PAYLOADS)}

## Payloads in links

{chr(10).join(f"- {link}" for link in MARKDOWN_LINKS)}

## Payloads in code

```html
{chr(10).join(PAYLOADS)}
```

## Payloads from the example

```hurl
GET /json
HTTP 200
```

```hurl
GET /html
HTTP 200
```
"""

EXAMPLE = f"""
from fastapi import FastAPI
from fastapi.responses import HTMLResponse

PAYLOADS = {PAYLOADS!r}


def create_app() -> FastAPI:
    app = FastAPI(title="Echo <script>{RUN}</script>")

    @app.get("/json")
    def as_json() -> dict[str, list[str]]:
        return {{"payloads": PAYLOADS}}

    @app.get("/html", response_class=HTMLResponse)
    def as_html() -> HTMLResponse:
        return HTMLResponse("".join(PAYLOADS), headers={{"X-Payload": "<script>{RUN}</script>"}})

    return app
"""

DANGEROUS = """() => {
    const found = [];
    for (const element of document.querySelectorAll("*")) {
        for (const attribute of element.attributes) {
            const name = attribute.name.toLowerCase();
            const value = attribute.value.trim().toLowerCase();
            if (name.startsWith("on")) found.push(`${element.tagName} ${name}`);
            if ((name === "href" || name === "src") && /^(javascript|data|vbscript):/.test(value))
                found.push(`${element.tagName} ${name}=${value.slice(0, 30)}`);
            if (name.startsWith("hx-") && name !== "hx-disable" && element.closest(".prose, .console-result, .search-results"))
                found.push(`${element.tagName} ${name} in content`);
        }
    }
    for (const script of document.querySelectorAll("script")) {
        if (!script.src || new URL(script.src).origin !== location.origin)
            found.push("SCRIPT " + (script.src || script.textContent.slice(0, 40)));
    }
    for (const tag of ["iframe", "svg", "img", "object", "embed"])
        for (const element of document.querySelectorAll(`.prose ${tag}, .console-result ${tag}, .search-results ${tag}`))
            found.push(`${tag} in content`);
    return found;
}"""


@pytest.fixture(scope="module")
def xss_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    root = tmp_path_factory.mktemp("xss") / "site"
    shutil.copytree(FIXTURES / "site", root)
    (root / "content" / "payloads.md").write_text(ENTRY)
    (root / "examples" / "echo.py").write_text(EXAMPLE)
    settings = Settings(content_dir=root / "content", examples_dir=root / "examples")
    server = LiveServer(create_app(settings))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def xss_page(browser: Browser, xss_server: LiveServer) -> Iterator[Page]:
    pages = Pages(browser, xss_server)
    page = pages.open()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    yield page
    problems = pages.close()
    assert dialogs == [], f"a dialog opened: {dialogs}"
    assert problems == [], "\n".join(problems)


def assert_nothing_ran(page: Page) -> None:
    page.wait_for_timeout(300)  # let any hx-trigger="load" or onerror fire
    assert page.evaluate("window.__xss") is None
    assert page.evaluate(DANGEROUS) == []


def test_payloads_in_an_entry_are_text(xss_page: Page) -> None:
    xss_page.goto("/patterns/payloads")
    assert_nothing_ran(xss_page)
    title = xss_page.locator("#entry-title").inner_text()
    assert title == f"Payloads <img src=x onerror={RUN}>"  # shown, as text
    assert f"<script>{RUN}</script>" in xss_page.locator(".lead").first.inner_text()
    assert xss_page.get_by_text(f"[plain](javascript:{RUN})").count() == 1  # not a link


def test_payloads_in_search_queries_are_text(xss_page: Page) -> None:
    for payload in PAYLOADS:
        xss_page.goto(f"/search?q={payload}")
        assert_nothing_ran(xss_page)
    xss_page.goto("/")
    xss_page.locator("#search-box").fill(f"payloads <img src=x onerror={RUN}>")
    xss_page.locator("#search-popup .no-results, #search-popup .search-results").first.wait_for()
    assert_nothing_ran(xss_page)


def test_payloads_in_example_responses_are_text(xss_page: Page) -> None:
    xss_page.goto("/patterns/payloads")
    for number in (1, 2):
        xss_page.locator(f"#try-{number} .send").click()
        xss_page.locator(f"#try-{number}-result .status-line").wait_for()
        xss_page.locator(f"#try-{number}-result details.response-headers summary").click()
    assert_nothing_ran(xss_page)
    shown = xss_page.locator("#try-2-result .response-body").inner_text()
    assert f"<script>{RUN}</script>" in shown


def test_the_examples_own_docs_page_runs_no_injected_script(xss_page: Page) -> None:
    xss_page.goto("/examples/payloads/docs")
    xss_page.locator(".swagger-ui .title").first.wait_for()
    assert xss_page.evaluate("window.__xss") is None
