from __future__ import annotations

import re

from fastapi.testclient import TestClient

from kb.middleware.security import REDOC_CONTENT_SECURITY_POLICY


def test_the_kb_docs_page_uses_local_assets_and_its_own_schema(site_client: TestClient) -> None:
    text = site_client.get("/docs").text
    assert "/openapi.json" in text
    assert "cdn.jsdelivr" not in text and "unpkg" not in text


def test_an_examples_docs_page_points_at_the_examples_schema(site_client: TestClient) -> None:
    text = site_client.get("/examples/greeting/docs").text
    assert "/examples/greeting/openapi.json" in text
    assert "cdn.jsdelivr" not in text
    schema = site_client.get("/examples/greeting/openapi.json")
    assert schema.status_code == 200 and schema.json()["info"]["title"] == "Greeter"


def test_an_unknown_example_is_the_not_found_page(site_client: TestClient) -> None:
    response = site_client.get("/examples/nope/docs", headers={"accept": "text/html"})
    assert response.status_code == 404
    assert "Nothing is here." in response.text


def test_an_examples_redoc_page_is_redoc_with_its_own_policy(site_client: TestClient) -> None:
    response = site_client.get("/examples/greeting/redoc")
    assert response.headers["content-security-policy"] == REDOC_CONTENT_SECURITY_POLICY
    assert "<title>Greeter — ReDoc</title>" in response.text
    assert '<redoc spec-url="/examples/greeting/openapi.json"></redoc>' in response.text
    script = re.search(
        r'src="(/static/vendor/redoc/redoc\.standalone\.[0-9a-f]{10}\.js)"', response.text
    )
    assert script
    bundle = site_client.get(script.group(1))
    assert bundle.status_code == 200 and "cdn.redoc.ly" not in bundle.text


def test_swagger_settings_of_the_example_reach_its_page(pages_client: TestClient) -> None:
    text = pages_client.get("/examples/pages/subapi/docs").text
    assert 'data-parameters="{&#34;defaultModelsExpandDepth&#34;: -1}"' in text
    assert "data-parameters" not in pages_client.get("/examples/pages/docs").text


def test_an_examples_docs_pages_lead_back_to_the_pattern(site_client: TestClient) -> None:
    for path, what in (("/docs", "API docs"), ("/redoc", "API reference")):
        text = site_client.get(f"/examples/greeting{path}").text
        assert '<a class="docs-back" href="/patterns/greeting">Greeting People</a>' in text
        assert f"{what} of the pattern’s example" in text
        assert re.search(r'<script src="/static/docs-theme\.[0-9a-f]{10}\.js"></script>', text)
        assert re.search(r'href="/static/docs\.[0-9a-f]{10}\.css"', text)
    redoc = site_client.get("/examples/greeting/redoc").text
    # The theme is chosen after <redoc> is there and before ReDoc's script reads it.
    order = [
        redoc.index("<redoc "),
        redoc.index("/static/redoc-theme."),
        redoc.index("redoc.standalone"),
    ]
    assert order == sorted(order)


def test_the_kbs_own_docs_page_leads_home(site_client: TestClient) -> None:
    text = site_client.get("/docs").text
    assert '<a class="docs-brand" href="/">' in text and "docs-back" not in text
    assert '<span class="docs-what">JSON API</span>' in text
