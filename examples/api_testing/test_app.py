"""End-to-end tests through HTTP only: the client sees what a real consumer sees."""

from collections.abc import AsyncIterator, Iterator

import httpx2
import pytest
from fastapi.testclient import TestClient

from .app import create_app

DOCS = {"title": "FastAPI docs", "url": "https://fastapi.tiangolo.com/"}


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(create_app()) as client:
        yield client


def test_bookmark_lifecycle(client: TestClient) -> None:
    created = client.post("/bookmarks", json=DOCS)
    assert created.status_code == 201
    location = created.headers["location"]
    assert location == "http://testserver/bookmarks/1"

    fetched = client.get(location)
    assert fetched.status_code == 200
    assert fetched.json() == created.json()

    replaced = client.put(location, json={**DOCS, "title": "FastAPI"})
    assert replaced.status_code == 200
    assert client.get(location).json()["title"] == "FastAPI"

    deleted = client.delete(location)
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert client.get(location).status_code == 404


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"url": "https://example.com/"}, "title"),
        ({"title": "", "url": "https://example.com/"}, "title"),
        ({"title": "No scheme", "url": "example.com"}, "url"),
    ],
)
def test_invalid_bookmarks_are_422(client: TestClient, payload: dict, field: str) -> None:
    response = client.post("/bookmarks", json=payload)

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", field]


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_unknown_id_is_404_for_every_method(client: TestClient, method: str) -> None:
    response = client.request(method, "/bookmarks/42", json=DOCS)

    assert response.status_code == 404
    assert response.json() == {"detail": "bookmark not found"}


def test_openapi_documents_every_operation(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()

    operations = {
        (method.upper(), path) for path, item in schema["paths"].items() for method in item
    }
    assert operations == {
        ("GET", "/bookmarks"),
        ("POST", "/bookmarks"),
        ("GET", "/bookmarks/{bookmark_id}"),
        ("PUT", "/bookmarks/{bookmark_id}"),
        ("DELETE", "/bookmarks/{bookmark_id}"),
    }
    assert "404" in schema["paths"]["/bookmarks/{bookmark_id}"]["get"]["responses"]


def test_every_documented_read_answers_200(client: TestClient) -> None:
    client.post("/bookmarks", json=DOCS)
    paths = client.get("/openapi.json").json()["paths"]

    for path, item in paths.items():
        if "get" in item:
            url = path.format(bookmark_id=1)
            assert client.get(url).status_code == 200, url


def test_responses_match_the_documented_schema(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    bookmark_schema = schema["components"]["schemas"]["Bookmark"]
    body = client.post("/bookmarks", json=DOCS).json()

    assert set(body) == set(bookmark_schema["properties"])
    assert set(bookmark_schema["required"]) <= set(body)
    for name, prop in bookmark_schema["properties"].items():
        expected = {"integer": int, "string": str}[prop["type"]]
        assert isinstance(body[name], expected), name


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def async_client() -> AsyncIterator[httpx2.AsyncClient]:
    app = create_app()
    # ASGITransport sends no lifespan events: enter the app's lifespan ourselves.
    async with app.router.lifespan_context(app):
        transport = httpx2.ASGITransport(app=app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


@pytest.mark.anyio
async def test_async_create_then_list(async_client: httpx2.AsyncClient) -> None:
    created = await async_client.post("/bookmarks", json=DOCS)
    assert created.status_code == 201
    assert created.headers["location"] == "http://test/bookmarks/1"

    listed = await async_client.get("/bookmarks")
    assert listed.json() == [created.json()]
