"""Every response carries the headers; the docs page carries a policy that fits it."""

import base64
import hashlib
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from .app import API_HEADERS, HSTS, create_app

HTTPS = {"X-Forwarded-Proto": "https"}


@pytest.fixture
def client() -> Iterator[TestClient]:
    # TestClient calls from "testclient"; the app trusts proxy headers from 127.0.0.1 only.
    with TestClient(create_app(), client=("127.0.0.1", 50000)) as client:
        yield client


@pytest.mark.parametrize("path", ["/profiles/usr_3c9e1f70", "/profiles/nobody", "/nowhere"])
def test_every_response_has_every_header(client: TestClient, path: str) -> None:
    response = client.get(path)
    for name, value in API_HEADERS.items():
        assert response.headers[name] == value, name


def test_hsts_only_over_https(client: TestClient) -> None:
    assert "strict-transport-security" not in client.get("/profiles/usr_3c9e1f70").headers
    secure = client.get("/profiles/usr_3c9e1f70", headers=HTTPS)
    assert secure.headers["strict-transport-security"] == HSTS


def test_an_untrusted_client_cannot_claim_https(client: TestClient) -> None:
    with TestClient(create_app(), client=("203.0.113.9", 50000)) as outsider:
        response = outsider.get("/profiles/usr_3c9e1f70", headers=HTTPS)
    assert "strict-transport-security" not in response.headers


def test_the_docs_page_allows_exactly_its_own_inline_script(client: TestClient) -> None:
    page = client.get("/docs")
    policy = dict(
        directive.strip().split(" ", 1)
        for directive in page.headers["content-security-policy"].split(";")
    )
    (script,) = re.findall(rb"<script>(.*?)</script>", page.content, re.DOTALL)
    digest = base64.b64encode(hashlib.sha256(script).digest()).decode()
    assert f"'sha256-{digest}'" in policy["script-src"]
    assert "'unsafe-inline'" not in policy["script-src"]
    assert policy["frame-ancestors"] == "'none'"
    # The page's other headers still come from the middleware.
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "no-referrer"


def test_the_docs_page_points_at_the_schema_wherever_the_app_is_mounted() -> None:
    with TestClient(create_app(), root_path="/api") as client:
        page = client.get("/docs")
    assert b"url: '/api/openapi.json'" in page.content
