"""Versions built by router factories: each version links to itself."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from examples.router_modules import create_app

HEADERS = {"X-Client-Id": "tests"}
NEW_ITEM = {"name": "Difference Engine", "owner_id": 1}


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(create_app()) as client:
        yield client


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_a_created_item_links_to_its_own_version(client: TestClient, version: str) -> None:
    response = client.post(f"/{version}/items", json=NEW_ITEM, headers=HEADERS)

    assert response.status_code == 201
    location = response.headers["location"]
    assert location == f"http://testserver/{version}/items/{response.json()['id']}"
    assert client.get(location, headers=HEADERS).json()["name"] == NEW_ITEM["name"]


def test_each_version_has_route_names_of_its_own() -> None:
    app = create_app()
    assert app.url_path_for("v1:read_item", item_id=1) == "/v1/items/1"
    assert app.url_path_for("v2:read_item", item_id=1) == "/v2/items/1"
