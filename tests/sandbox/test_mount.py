import json
import re
import socket
import threading
import time
from pathlib import Path

import httpx2
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect
from websockets.exceptions import ConnectionClosedError, InvalidStatus
from websockets.sync.client import connect

from kb.app import create_app
from kb.middleware.security import CONTENT_SECURITY_POLICY
from kb.sandbox import mount
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
        problems = client.get("/healthz?wait=true").json()["problems"]
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


# --- WebSockets ------------------------------------------------------------------------


def test_a_websocket_reaches_the_example_under_its_mount(site_client: TestClient) -> None:
    with site_client.websocket_connect("/examples/greeting/ws/echo?token=t-ann") as websocket:
        websocket.send_text("hi")
        assert websocket.receive_json() == {"from": "ann", "text": "hi", "count": 1}
        websocket.send_text("bye")
        with pytest.raises(WebSocketDisconnect) as closed:
            websocket.receive_text()
    assert (closed.value.code, closed.value.reason) == (1000, "see you")


def test_a_websocket_reaches_the_readers_own_sandbox(site_client: TestClient) -> None:
    site_client.post("/examples/greeting/names", json={"name": "ann"})
    with site_client.websocket_connect("/examples/greeting/ws/echo?token=t-ann") as websocket:
        websocket.send_text("names")
        assert websocket.receive_json() == ["ann"]
    # Another reader (no cookie: the public sandbox) sees none of it.
    with (
        TestClient(site_client.app) as other,
        other.websocket_connect("/examples/greeting/ws/echo?token=t-bob") as websocket,
    ):
        websocket.send_text("names")
        assert websocket.receive_json() == []


def test_the_examples_own_refusal_keeps_its_code(site_client: TestClient) -> None:
    with (
        pytest.raises(WebSocketDisconnect) as refused,
        site_client.websocket_connect("/examples/greeting/ws/echo?token=nope"),
    ):
        pass
    assert (refused.value.code, refused.value.reason) == (1008, "invalid token")


def test_a_websocket_to_no_example_is_closed_with_4404(site_client: TestClient) -> None:
    for path in ("/examples/nothing-here/ws", "/examples/farewell/ws"):  # farewell: no example
        with (
            site_client.websocket_connect(path) as websocket,
            pytest.raises(WebSocketDisconnect) as closed,
        ):
            websocket.receive_text()
        assert closed.value.code == 4404
        assert closed.value.reason == f"No example is running at {path.removesuffix('/ws')}."


def test_an_example_that_raises_in_a_websocket_closes_it_with_1011(
    site_client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with site_client.websocket_connect("/examples/greeting/ws/echo?token=t-a") as websocket:
        websocket.send_text("boom")
        with pytest.raises(WebSocketDisconnect) as closed:
            websocket.receive_text()
    assert closed.value.code == 1011
    [record] = [r for r in caplog.records if "raised in the WebSocket" in r.getMessage()]
    assert record.getMessage() == "example greeting raised in the WebSocket /greeting/ws/echo"
    assert "the socket broke" in str(record.exc_info[1] if record.exc_info else "")


def test_open_websockets_per_client_are_bounded(
    site_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mount, "MAX_SOCKETS_PER_CLIENT", 1)
    with site_client.websocket_connect("/examples/greeting/ws/echo?token=t-a") as first:
        with (
            site_client.websocket_connect("/examples/greeting/ws/echo?token=t-a") as second,
            pytest.raises(WebSocketDisconnect) as closed,
        ):
            second.receive_text()
        assert closed.value.code == 1013
        first.send_text("still here")
        assert first.receive_json()["text"] == "still here"
    # Closed ones no longer count.
    with site_client.websocket_connect("/examples/greeting/ws/echo?token=t-a") as again:
        again.send_text("hi")
        assert again.receive_json()["count"] == 1


def test_cookies_the_example_sets_on_accepting_are_scoped_to_its_mount() -> None:
    message = {
        "type": "websocket.accept",
        "headers": [(b"set-cookie", b"seen=1; Path=/"), (b"x-other", b"1")],
    }
    mount._scope_cookies(message, "/examples/greeting")
    assert message["headers"] == [
        (b"x-other", b"1"),
        (b"set-cookie", b"seen=1; Path=/examples/greeting/"),
    ]


class Server:
    """The KB served by uvicorn with WebSockets on, on a free 127.0.0.1 port."""

    def __init__(self, settings: Settings) -> None:
        self.socket = socket.socket()
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        config = uvicorn.Config(
            create_app(settings), ws="websockets-sansio", log_config=None, lifespan="on"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True
        )

    def __enter__(self) -> "Server":
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        httpx2.get(
            f"http://127.0.0.1:{self.port}/healthz?wait=true", timeout=30
        )  # examples started
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)
        self.socket.close()


def test_a_real_client_round_trip_through_uvicorn(site_settings: Settings) -> None:
    with Server(site_settings) as server:
        base = f"127.0.0.1:{server.port}"
        with httpx2.Client(base_url=f"http://{base}") as http:
            http.get("/")  # the reader cookie, as a browser gets it
            http.post("/examples/greeting/names", json={"name": "ann"})
            cookie = f"kb_reader={http.cookies['kb_reader']}"
        url = f"ws://{base}/examples/greeting/ws/echo"
        with connect(f"{url}?token=t-ann", additional_headers={"Cookie": cookie}) as websocket:
            websocket.send("hi")
            assert json.loads(websocket.recv(timeout=5)) == {
                "from": "ann",
                "text": "hi",
                "count": 1,
            }
            websocket.send("names")  # the reader's own sandbox
            assert json.loads(websocket.recv(timeout=5)) == ["ann"]
        # Refusals as real clients see them: the example's own, before accepting, is an
        # HTTP 403; the mount's, after accepting, keep their code and reason.
        with pytest.raises(InvalidStatus) as refused, connect(f"{url}?token=nope"):
            pass
        assert refused.value.response.status_code == 403
        with (
            connect(f"ws://{base}/examples/nothing/ws") as websocket,
            pytest.raises(ConnectionClosedError) as closed,
        ):
            websocket.recv(timeout=5)
        assert closed.value.rcvd is not None
        assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (
            4404,
            "No example is running at /examples/nothing.",
        )
        with (
            pytest.raises(InvalidStatus) as wrong_host,
            connect(url, additional_headers={"Host": "evil.example"}),
        ):
            pass
        assert wrong_host.value.response.status_code == 400
        assert wrong_host.value.response.body == b"Invalid host header"
