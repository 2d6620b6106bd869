"""Self-contained: nothing from another origin, no console error, and light entry pages."""

from __future__ import annotations

import gzip
import re

import httpx2
import pytest
from playwright.sync_api import Page, Response, expect

from tests.browser.conftest import LiveServer, Pages
from tests.browser.support import JWT_ENTRY, send

pytestmark = pytest.mark.browser

BUDGET = 60 * 1024  # gzip bytes of an entry page: its HTML and every CSS and JS it loads


def gzipped(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=9))


def every_page(server: LiveServer) -> list[str]:
    """Home, search, every section, a tag and every entry."""
    with httpx2.Client(base_url=server.url) as client:
        slugs = [entry["slug"] for entry in client.get("/api/patterns").json()]
        sections = set(re.findall(r'href="(/sections/[a-z0-9-]+)"', client.get("/").text))
        tags = re.findall(r'href="(/tags/[a-z0-9-]+)"', client.get(f"/patterns/{slugs[0]}").text)
    assert len(sections) == 6 and tags
    entries = [f"/patterns/{slug}" for slug in slugs]
    return ["/", "/search", "/search?q=token", *sorted(sections), tags[0], *entries]


def test_every_page_loads_only_from_its_origin_and_fits_a_phone(
    pages: Pages, live_server: LiveServer
) -> None:
    """Every page at 360 px: no request elsewhere, no console error, no sideways scroll."""
    page = pages.open(viewport={"width": 360, "height": 740})
    loaded: set[str] = set()
    page.on("request", lambda request: loaded.add(request.url))
    too_wide = {}
    paths = every_page(live_server)
    for path in paths:
        page.goto(path, wait_until="domcontentloaded")  # after the stylesheets and site.js
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        if overflow > 0:
            too_wide[path] = overflow
    assert len(paths) > 50
    assert not too_wide, f"pages wider than 360 px (by so many px): {too_wide}"
    watch = pages.watch(page)
    assert not watch.foreign_requests
    assert not watch.console_errors
    assert all(url.startswith(live_server.url + "/") for url in loaded)
    assert any(re.search(r"/static/site\.(\w+\.)?css$", url) for url in loaded)


def expect_api_docs(page: Page, path: str) -> None:
    """Swagger UI or ReDoc, started, with the operations of the schema it loaded."""
    if path.endswith("/redoc"):
        expect(page.locator(".api-info h1")).to_be_visible()
        expect(page.locator(".menu-content [role=menuitem]").first).to_be_visible()
        expect(page.get_by_role("link", name="API docs by Redocly")).to_be_visible()
    else:
        expect(page.locator(".swagger-ui .info .title")).to_be_visible()
        expect(page.locator(".swagger-ui .opblock").first).to_be_visible()


@pytest.mark.parametrize(
    "path",
    [
        "/docs",
        "/examples/jwt-token-validation/docs",
        "/examples/jwt-token-validation/redoc",
        # An example that redirects http to https still has its docs on a plain-http KB.
        "/examples/https/docs",
        "/examples/https/redoc",
        "/no-such-page",
        "/patterns/no-such-entry",
    ],
)
def test_api_docs_and_not_found_pages_are_self_contained(pages: Pages, path: str) -> None:
    page = pages.open()
    watch = pages.watch(page)
    if "no-such" in path:
        watch.allow_console_error(r"status of 404")
    response = page.goto(path)
    assert response is not None
    if "no-such" in path:
        assert response.status == 404
        expect(page.get_by_role("heading", name="Not found")).to_be_visible()
        expect(page.get_by_role("search")).to_have_count(2)
    else:
        expect_api_docs(page, path)
    assert not watch.foreign_requests


@pytest.mark.parametrize(
    ("path", "title"),
    [
        ("/examples/pages/subapi/docs", "Sub API"),
        ("/examples/pages/subapi/redoc", "Sub API"),
        ("/examples/pages/redoc", "Pages"),
    ],
)
def test_sub_applications_docs_and_redoc_are_self_contained(
    fixture_pages: Pages, path: str, title: str
) -> None:
    """A mounted sub-application's docs, and ReDoc, load nothing from elsewhere."""
    page = fixture_pages.open()
    loaded: list[str] = []
    page.on("request", lambda request: loaded.append(request.url))
    page.goto(path)
    expect_api_docs(page, path)
    page.wait_for_load_state("networkidle")
    expect(page.get_by_text(title, exact=False).first).to_be_visible()
    assert not fixture_pages.watch(page).foreign_requests
    assert not fixture_pages.watch(page).console_errors
    schema = path.rsplit("/", 1)[0] + "/openapi.json"
    assert any(url.endswith(schema) for url in loaded), loaded


def test_try_it_out_on_a_sub_applications_docs_reaches_it(fixture_pages: Pages) -> None:
    page = fixture_pages.open()
    page.goto("/examples/pages/subapi/docs")
    page.locator(".opblock-summary").first.click()
    page.get_by_role("button", name="Try it out").click()
    with page.expect_response(lambda r: r.url.endswith("/examples/pages/subapi/sub")) as sent:
        page.get_by_role("button", name="Execute").click()
    assert sent.value.status == 200
    expect(page.locator(".live-responses-table")).to_contain_text("Hello World from sub API")


def test_a_console_response_loads_nothing_from_elsewhere(pages: Pages) -> None:
    page = pages.open()
    page.goto(JWT_ENTRY)
    for number in (1, 2, 3):
        send(page, number)
    assert not pages.watch(page).foreign_requests
    assert not pages.watch(page).console_errors


def test_entry_pages_gzip_under_60_kb(pages: Pages, live_server: LiveServer) -> None:
    # The heaviest entry, by its HTML.
    with httpx2.Client(base_url=live_server.url) as client:
        slugs = [entry["slug"] for entry in client.get("/api/patterns").json()]
        html = {slug: client.get(f"/patterns/{slug}").content for slug in slugs}
    heaviest = max(slugs, key=lambda slug: gzipped(html[slug]))

    page = pages.open()
    responses: list[Response] = []
    page.on("response", lambda response: responses.append(response))
    page.goto(f"/patterns/{heaviest}")
    page.wait_for_load_state("networkidle")
    kinds = {"document", "stylesheet", "script"}
    loaded = {r.url: r for r in responses if r.request.resource_type in kinds}
    sizes = {url: gzipped(response.body()) for url, response in loaded.items()}
    types = {r.request.resource_type for r in loaded.values()}
    assert types == kinds, f"expected HTML, CSS and JS, got {types}"
    assert sum(1 for r in loaded.values() if r.request.resource_type == "stylesheet") >= 2
    total = sum(sizes.values())
    report = "\n".join(f"{size:>7} {url}" for url, size in sorted(sizes.items()))
    assert total < BUDGET, f"/patterns/{heaviest}: {total} gzip bytes in all\n{report}"

    # Every other entry is lighter: only its HTML differs.
    assets = total - sizes[page.url]
    for slug in slugs:
        assert gzipped(html[slug]) + assets < BUDGET, slug


def test_axe_is_not_served_by_the_kb(page: Page) -> None:
    """axe-core belongs to the tests: no page loads it."""
    page.goto(JWT_ENTRY)
    scripts = page.evaluate("[...document.scripts].map(s => s.src)")
    assert scripts and not any("axe" in src for src in scripts)
    assert page.evaluate("typeof window.axe") == "undefined"
