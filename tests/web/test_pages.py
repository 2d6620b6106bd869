import re

import pytest
from fastapi.testclient import TestClient

from kb.app import create_app
from kb.settings import Settings


def test_home_lists_sections_and_entries(site_client: TestClient) -> None:
    response = site_client.get("/")
    assert response.status_code == 200
    assert "text/html" in response.headers["content-type"]
    assert 'href="/sections/core-patterns"' in response.text
    assert 'href="/patterns/greeting"' in response.text
    assert "2 patterns" in response.text


def test_a_section_page_lists_its_groups(site_client: TestClient) -> None:
    text = site_client.get("/sections/core-patterns").text
    assert "Route Organization" in text and "Greeting People" in text
    assert "Saying Farewell" not in text


def test_an_entry_page_has_everything_a_reader_needs(site_client: TestClient) -> None:
    text = site_client.get("/patterns/greeting").text
    assert '<h1 id="entry-title">Greeting People</h1>' in text
    assert 'href="/sections/core-patterns"' in text  # breadcrumbs
    assert 'href="#adding-names"' in text  # table of contents
    assert 'class="header-anchor"' in text  # permalinks
    assert 'class="hll"' in text  # highlighted included lines
    assert text.count('<section class="console"') == 7
    assert 'hx-post="/try/greeting"' in text and 'action="/try/greeting#try-1"' in text
    assert "uvicorn --factory examples.greeter:create_app" in text
    assert 'href="/examples/greeting/docs"' in text
    assert 'href="/patterns/farewell"' in text  # related
    assert 'href="/tags/fixture"' in text


def test_rendered_markdown_is_wrapped_in_hx_disable(site_client: TestClient) -> None:
    text = site_client.get("/patterns/greeting").text
    assert text.count('class="prose" hx-disable') >= 2


def test_tag_page(site_client: TestClient) -> None:
    assert "Greeting People" in site_client.get("/tags/greeting").text
    assert site_client.get("/tags/nothing", headers={"accept": "text/html"}).status_code == 404


@pytest.mark.parametrize("path", ["/patterns/nope", "/sections/nope", "/nope", "/examples/nope/x"])
def test_unknown_pages_are_404_pages_with_a_search_box(site_client: TestClient, path: str) -> None:
    response = site_client.get(path, headers={"accept": "text/html"})
    assert response.status_code == 404
    assert 'name="q"' in response.text and "Not found" in response.text


def test_search_page_works_without_javascript(site_client: TestClient) -> None:
    response = site_client.get("/search", params={"q": "farew"})
    assert response.status_code == 200
    assert "<html" in response.text and 'href="/patterns/farewell?hl=farew' in response.text
    assert "HX-Request" in response.headers["vary"]


def test_search_as_you_type_returns_a_fragment(site_client: TestClient) -> None:
    response = site_client.get("/search", params={"q": "farew"}, headers={"HX-Request": "true"})
    assert "<html" not in response.text
    assert "<mark>Farew" in response.text or "<mark>farew" in response.text.lower()


@pytest.mark.parametrize("query", ["", '"', "AND", "-", "*", ":", "C++", "x" * 1000, "<script>"])
def test_search_any_input_is_200(site_client: TestClient, query: str) -> None:
    response = site_client.get("/search", params={"q": query})
    assert response.status_code == 200
    assert "<script>" not in response.text.split("<main", 1)[1]


def test_no_results_says_so(site_client: TestClient) -> None:
    text = site_client.get("/search", params={"q": "zzzzqqq"}, headers={"HX-Request": "true"}).text
    assert "No pattern matches" in text


def test_pages_load_nothing_from_other_origins(site_client: TestClient) -> None:
    for path in ["/", "/patterns/greeting", "/search?q=x", "/docs", "/examples/greeting/docs"]:
        text = site_client.get(path).text
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", text), path


def test_static_assets_are_served(site_client: TestClient) -> None:
    for path in [
        "/static/site.css",
        "/static/site.js",
        "/static/vendor/htmx.min.js",
        "/static/vendor/swagger-ui/swagger-ui-bundle.js",
        "/highlight.css",
    ]:
        assert site_client.get(path).status_code == 200, path
    assert 'html[data-theme="dark"] .highlight' in site_client.get("/highlight.css").text


def test_a_broken_entry_does_not_stop_the_site(site_settings: Settings) -> None:
    (site_settings.content_dir / "broken.md").write_text("no front matter\n")
    with TestClient(create_app(site_settings)) as client:
        assert client.get("/patterns/greeting").status_code == 200
        health = client.get("/healthz").json()
    assert health["status"] == "degraded"
    assert any("broken.md:1:1: KB102" in p for p in health["problems"])


def test_going_back_to_a_pushed_search_url_gets_the_whole_page(site_client: TestClient) -> None:
    headers = {"HX-Request": "true", "HX-History-Restore-Request": "true"}
    response = site_client.get("/search", params={"q": "farew"}, headers=headers)
    assert "<html" in response.text


def test_search_page_keeps_filters_while_typing(site_client: TestClient) -> None:
    text = site_client.get("/search", params={"q": "fixture", "section": "Core Patterns"}).text
    assert 'name="section" value="Core Patterns"' in text
    assert 'hx-include="closest form"' in text
    assert "Clear filters" in text
