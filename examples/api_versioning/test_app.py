"""Both spellings of a version reach the same routes; deprecation is announced correctly."""

from collections.abc import Iterator
from email.utils import parsedate_to_datetime

import pytest
from fastapi.testclient import TestClient

from .app import create_app
from .versions import VERSIONS


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(create_app()) as client:
        yield client


def test_v1_announces_its_deprecation_in_the_rfc_formats(client: TestClient) -> None:
    response = client.get("/v1/orders/1")
    v1 = VERSIONS["v1"]
    assert v1.deprecated_at is not None and v1.sunset_at is not None
    assert response.headers["deprecation"] == f"@{int(v1.deprecated_at.timestamp())}"
    sunset = parsedate_to_datetime(response.headers["sunset"])
    assert sunset == v1.sunset_at
    assert sunset >= v1.deprecated_at  # RFC 9745: never earlier than the deprecation
    assert response.headers["link"] == (
        '</v2/orders/1>; rel="successor-version", </versions>; rel="deprecation"'
    )


def test_v2_is_current_and_says_nothing_of_deprecation(client: TestClient) -> None:
    response = client.get("/v2/orders/1")
    assert response.headers["api-version"] == "2"
    for name in ("deprecation", "sunset", "link"):
        assert name not in response.headers


def test_the_header_reaches_the_same_routes_as_the_url(client: TestClient) -> None:
    for number in ("1", "2"):
        by_url = client.get(f"/v{number}/orders/1")
        by_header = client.get("/orders/1", headers={"API-Version": number})
        assert by_header.json() == by_url.json()
        assert by_header.headers["api-version"] == number
        assert by_header.headers["vary"] == "API-Version"  # caches keep the versions apart


def test_an_unknown_version_is_a_404_in_the_url_and_a_400_in_the_header(
    client: TestClient,
) -> None:
    assert client.get("/v9/orders").status_code == 404
    response = client.get("/orders", headers={"API-Version": "9"})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"


def test_a_retired_version_is_gone_and_points_at_its_successor(client: TestClient) -> None:
    for response in (client.get("/v0/orders"), client.get("/orders", headers={"API-Version": "0"})):
        assert response.status_code == 410
        assert '</v2/orders>; rel="successor-version"' in response.headers["link"]


def test_every_successor_link_leads_somewhere(client: TestClient) -> None:
    v1_paths = client.get("/v1/openapi.json").json()["paths"]
    v2_paths = client.get("/v2/openapi.json").json()["paths"]
    assert {path.replace("/v1/", "/v2/", 1) for path in v1_paths} <= set(v2_paths)


def test_each_version_has_its_own_openapi_document(client: TestClient) -> None:
    v1 = client.get("/v1/openapi.json").json()
    v2 = client.get("/v2/openapi.json").json()
    assert set(v1["paths"]) == {"/v1/orders", "/v1/orders/{order_id}"}
    assert "OrderV1" in v1["components"]["schemas"]
    assert "OrderV2" not in v1["components"]["schemas"]
    assert v1["paths"]["/v1/orders"]["get"]["deprecated"] is True
    assert "deprecated" not in v2["paths"]["/v2/orders"]["get"]


def test_links_include_where_the_app_is_mounted() -> None:
    with TestClient(create_app(), root_path="/shop") as client:
        response = client.get("/shop/orders/1", headers={"API-Version": "1"})
    assert response.status_code == 200
    assert response.headers["link"].startswith('</shop/v2/orders/1>; rel="successor-version"')
