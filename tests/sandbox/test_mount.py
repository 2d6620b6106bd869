import re

import pytest
from fastapi.testclient import TestClient

from kb.app import create_app
from kb.settings import Settings


def test_the_example_answers_under_its_mount(site_client: TestClient) -> None:
    assert site_client.post("/examples/greeting/names", json={"name": "x"}).status_code == 201
    assert site_client.get("/examples/greeting/names").json() == ["x"]


def test_the_examples_lifespan_ran(site_client: TestClient) -> None:
    # The greeter's /names reads state made in its lifespan; without it this would be a 500.
    assert site_client.get("/examples/greeting/names").status_code == 200


def test_openapi_under_the_mount_names_its_server(site_client: TestClient) -> None:
    schema = site_client.get("/examples/greeting/openapi.json").json()
    assert schema["info"]["title"] == "Greeter"
    assert schema["servers"] == [{"url": "/examples/greeting"}]


def test_docs_are_local_swagger_ui_for_the_example(site_client: TestClient) -> None:
    text = site_client.get("/examples/greeting/docs").text
    assert 'data-openapi-url="/examples/greeting/openapi.json"' in text
    assert re.search(r'src="/static/vendor/swagger-ui/swagger-ui-bundle\.[0-9a-f]{10}\.js"', text)
    assert "cdn" not in text


def test_the_bare_mount_redirects_to_its_slash(site_client: TestClient) -> None:
    response = site_client.get("/examples/greeting", follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == "/examples/greeting/"


@pytest.mark.example_fails
def test_an_example_that_fails_is_reported_not_served(site_settings: Settings) -> None:
    path = site_settings.content_dir / "greeting.md"
    path.write_text(path.read_text().replace("example: greeter", "example: not_an_app"))
    with TestClient(create_app(site_settings)) as client:
        response = client.get("/examples/greeting/names", headers={"accept": "text/html"})
        assert response.status_code == 404
        page = client.get("/patterns/greeting").text
        assert "This example failed to start" in page
        problems = client.get("/healthz").json()["problems"]
    assert any("KB501" in p and "not a FastAPI app" in p for p in problems)


def test_url_for_inside_an_example_names_the_examples_own_routes(site_client: TestClient) -> None:
    response = site_client.get("/examples/greeting/link")
    assert response.status_code == 200
    assert response.json() == {"names": "http://testserver/examples/greeting/names"}
