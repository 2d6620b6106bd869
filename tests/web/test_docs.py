from __future__ import annotations

from fastapi.testclient import TestClient


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
