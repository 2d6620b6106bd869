import re
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.testclient import TestClient

from kb.app import create_app
from kb.middleware.security import CONTENT_SECURITY_POLICY
from kb.sandbox.mount import EXAMPLE_CONTENT_SECURITY_POLICY, find_docs
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


# --- documentation pages: the example's own and its sub-applications' ----------------------


def documented_app() -> FastAPI:
    app = FastAPI(title="Outer")
    inner = FastAPI(title="Inner", docs_url="/documentation", redoc_url=None)
    innermost = FastAPI(title="Innermost")
    inner.mount("/deeper", innermost)
    app.mount("/inner", inner)
    app.mount("/hidden", FastAPI(docs_url=None, redoc_url=None))
    app.mount("/schemaless", FastAPI(openapi_url=None))
    app.mount("/static", StaticFiles(directory=Path(__file__).parent))
    return app


@pytest.mark.parametrize(
    ("path", "ui", "title", "openapi_url"),
    [
        ("/docs", "swagger", "Outer", "/ex/openapi.json"),
        ("/redoc", "redoc", "Outer", "/ex/openapi.json"),
        ("/inner/documentation", "swagger", "Inner", "/ex/inner/openapi.json"),
        ("/inner/deeper/redoc", "redoc", "Innermost", "/ex/inner/deeper/openapi.json"),
    ],
)
def test_find_docs_names_the_app_documented_and_its_schema(
    path: str, ui: str, title: str, openapi_url: str
) -> None:
    docs = find_docs(documented_app(), path, "/ex")
    assert docs is not None
    assert (docs.ui, docs.app.title, docs.openapi_url) == (ui, title, openapi_url)


@pytest.mark.parametrize(
    "path",
    [
        "/inner/docs",  # the inner app moved its docs to /documentation
        "/inner/redoc",  # and has no ReDoc
        "/hidden/docs",
        "/schemaless/docs",  # docs need a schema
        "/static/docs",  # not a FastAPI app
        "/innerdocs",
        "/docs/",
        "/items",
    ],
)
def test_find_docs_leaves_every_other_path_to_the_example(path: str) -> None:
    assert find_docs(documented_app(), path, "/ex") is None


def test_a_sub_applications_docs_are_the_kbs_page_for_its_schema(
    pages_client: TestClient,
) -> None:
    text = pages_client.get("/examples/pages/subapi/docs").text
    assert 'data-openapi-url="/examples/pages/subapi/openapi.json"' in text
    assert "<title>Sub API — Swagger UI</title>" in text
    assert "defaultModelsExpandDepth" in text  # its swagger_ui_parameters
    assert re.search(r'src="/static/vendor/swagger-ui/swagger-ui-bundle\.[0-9a-f]{10}\.js"', text)
    # The schema it loads sends "Try it out" to the sub-application, below the mount.
    schema = pages_client.get("/examples/pages/subapi/openapi.json").json()
    assert schema["servers"] == [{"url": "/examples/pages/subapi"}]
    assert list(schema["paths"]) == ["/sub"]
    assert pages_client.get("/examples/pages/subapi/sub").json() == {
        "message": "Hello World from sub API"
    }


@pytest.mark.parametrize(
    ("path", "schema"),
    [
        ("/examples/pages/redoc", "/examples/pages/openapi.json"),
        ("/examples/pages/subapi/redoc", "/examples/pages/subapi/openapi.json"),
    ],
)
def test_redoc_is_redoc_from_local_assets(pages_client: TestClient, path: str, schema: str) -> None:
    text = pages_client.get(path).text
    assert f'<redoc spec-url="{schema}"></redoc>' in text
    assert re.search(r'src="/static/vendor/redoc/redoc\.standalone\.[0-9a-f]{10}\.js"', text)
    assert "swagger" not in text.lower() and "cdn" not in text


def test_docs_an_app_does_not_publish_are_its_own_404(pages_client: TestClient) -> None:
    for path in ("/examples/pages/hidden/docs", "/examples/pages/hidden/redoc"):
        response = pages_client.get(path)
        assert (response.status_code, response.json()) == (404, {"detail": "Not Found"})
    assert pages_client.get("/examples/pages/hidden/ping").json() == {"ping": "pong"}


def test_only_get_and_head_reach_the_docs_page(pages_client: TestClient) -> None:
    assert pages_client.head("/examples/pages/docs").status_code == 200
    assert pages_client.post("/examples/pages/docs").status_code == 405  # the example's


# --- what an example answers: its own policy, and CORS for its pages ----------------------


def test_what_an_example_answers_runs_sandboxed(pages_client: TestClient) -> None:
    response = pages_client.get("/examples/pages/page")
    assert "<script>" in response.text
    assert response.headers.get_list("content-security-policy") == [EXAMPLE_CONTENT_SECURITY_POLICY]
    assert response.headers["x-content-type-options"] == "nosniff"  # the KB's others stay


def test_the_kbs_pages_under_the_mount_keep_the_kbs_policy(pages_client: TestClient) -> None:
    for path in ("/examples/pages/docs", "/examples/pages/subapi/docs", "/examples/nope/"):
        policy = pages_client.get(path, headers={"accept": "text/html"}).headers
        assert policy.get_list("content-security-policy") == [CONTENT_SECURITY_POLICY], path


def test_an_examples_own_policy_is_kept_beside_the_sandbox(pages_client: TestClient) -> None:
    policies = pages_client.get("/examples/pages/strict").headers
    assert policies.get_list("content-security-policy") == [
        "default-src 'none'",
        EXAMPLE_CONTENT_SECURITY_POLICY,
    ]


def test_an_example_pages_preflight_is_allowed_without_credentials(
    pages_client: TestClient,
) -> None:
    request = {
        "origin": "null",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type",
    }
    response = pages_client.options("/examples/pages/notes", headers=request)
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "null"
    assert "POST" in response.headers["access-control-allow-methods"]
    assert response.headers["access-control-allow-headers"] == "content-type"
    assert "access-control-allow-credentials" not in response.headers


def test_an_example_pages_requests_may_read_the_answer(pages_client: TestClient) -> None:
    from_page = pages_client.post(
        "/examples/pages/notes", json={"text": "hi"}, headers={"origin": "null"}
    )
    assert from_page.status_code == 201
    assert from_page.headers["access-control-allow-origin"] == "null"
    assert "access-control-allow-credentials" not in from_page.headers


@pytest.mark.parametrize(
    ("path", "origin"),
    [
        ("/examples/pages/notes", None),
        ("/examples/pages/notes", "https://elsewhere.example"),
        ("/api/patterns", "null"),  # the KB's own API: never
        ("/patterns/pages", "null"),
    ],
)
def test_no_one_else_gets_cors(pages_client: TestClient, path: str, origin: str | None) -> None:
    headers = {"origin": origin} if origin else {}
    assert "access-control-allow-origin" not in pages_client.get(path, headers=headers).headers
    preflight = pages_client.options(
        path, headers={**headers, "access-control-request-method": "POST"}
    )
    assert "access-control-allow-origin" not in preflight.headers
