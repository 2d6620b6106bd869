"""The HTTPS example redirects everything to https but a read of its schema."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from kb.sandbox import examples
from kb.settings import PROJECT_DIR

FROM_PROXY = {"X-Forwarded-Proto": "http", "X-Forwarded-Host": "api.example.com"}


@pytest.fixture
def client() -> Iterator[TestClient]:
    app = examples.build(PROJECT_DIR / "examples", "https")
    # TestClient's address is "testclient": make it the trusted proxy, as the KB is.
    with TestClient(app, base_url="http://api.example.com", client=("127.0.0.1", 50000)) as client:
        yield client


def test_the_schema_is_read_over_plain_http(client: TestClient) -> None:
    response = client.get("/openapi.json", headers=FROM_PROXY)
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "HTTPS"
    assert "strict-transport-security" not in response.headers  # HSTS is for https only
    assert client.head("/openapi.json", headers=FROM_PROXY).status_code == 200


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/items"), ("POST", "/openapi.json"), ("GET", "/docs"), ("POST", "/session")],
)
def test_everything_else_is_redirected(client: TestClient, method: str, path: str) -> None:
    response = client.request(method, path, headers=FROM_PROXY, follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == f"https://api.example.com{path}"


def test_the_exemption_holds_under_a_prefix() -> None:
    """As the KB serves it: the path includes the root_path, /examples/https."""
    app = examples.build(PROJECT_DIR / "examples", "https")
    with TestClient(
        app,
        base_url="http://api.example.com/examples/https",
        root_path="/examples/https",
        client=("127.0.0.1", 50000),
    ) as prefixed:
        schema = prefixed.get("openapi.json", headers=FROM_PROXY)
        items = prefixed.get("items", headers=FROM_PROXY, follow_redirects=False)
    assert schema.status_code == 200
    assert schema.request.url.path == "/examples/https/openapi.json"
    assert items.status_code == 307
