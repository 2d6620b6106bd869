"""What the entries say FastAPI does, checked against the installed FastAPI.

Each test pins one behaviour that an entry's prose states, so an upgrade that changes it
fails here and names the entry to revise, instead of leaving the entry wrong.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, TypedDict

import pytest
from fastapi import (
    Depends,
    FastAPI,
    HTTPException,
    Query,
    Request,
    Response,
    WebSocket,
    WebSocketDisconnect,
    WebSocketException,
    status,
)
from fastapi.exceptions import FastAPIError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.testclient import TestClient
from pydantic import BaseModel, field_validator

from kb.sandbox import examples
from kb.settings import PROJECT_DIR


class Name(BaseModel):
    name: str

    @field_validator("name")
    @classmethod
    def known(cls, value: str) -> str:
        if value == "http":
            raise HTTPException(status_code=400, detail="unknown name")
        if value == "value":
            raise ValueError("unknown name")
        if value == "type":
            raise TypeError("a bug")
        return value


def app_with_routes() -> FastAPI:
    app = FastAPI()

    @app.post("/names")
    async def create_name(body: Name) -> Name:
        return body

    @app.delete("/dict", status_code=204)
    async def delete_returning_a_dict():  # no return annotation, so no response model
        return {"deleted": True}

    @app.put("/maybe")
    async def put_sometimes_empty(response: Response) -> dict[str, bool]:
        response.status_code = 204
        return {"changed": False}

    @app.delete("/built")
    async def delete_with_built_response() -> Response:
        return Response(content=b"gone", status_code=204)

    return app


@pytest.fixture
def client() -> TestClient:
    return TestClient(app_with_routes(), raise_server_exceptions=False)


def test_pydantic_models_an_http_exception_in_a_validator_is_sent_as_is(
    client: TestClient,
) -> None:
    """pydantic-models.md: not a 500, not a 422 — the exception's own status, no location."""
    response = client.post("/names", json={"name": "http"})
    assert (response.status_code, response.json()) == (400, {"detail": "unknown name"})
    with pytest.raises(HTTPException):
        Name(name="http")  # outside a request, the model raises an HTTP error


def test_pydantic_models_value_error_is_a_422_and_other_errors_a_500(client: TestClient) -> None:
    invalid = client.post("/names", json={"name": "value"})
    assert invalid.status_code == 422
    assert invalid.json()["detail"][0]["loc"] == ["body", "name"]
    assert client.post("/names", json={"name": "type"}).status_code == 500


def test_status_codes_a_body_that_is_not_json_is_a_422(client: TestClient) -> None:
    """status-codes.md: FastAPI answers malformed JSON with 422 json_invalid, not 400."""
    response = client.post(
        "/names", content=b'{"name": ', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "json_invalid"


@pytest.mark.parametrize(("method", "path"), [("DELETE", "/dict"), ("PUT", "/maybe")])
def test_status_codes_fastapi_drops_the_body_of_a_204(
    client: TestClient, method: str, path: str
) -> None:
    response = client.request(method, path)
    assert (response.status_code, response.content) == (204, b"")


def test_status_codes_a_built_response_keeps_its_body(client: TestClient) -> None:
    """…which is why the entry says to build a 204 Response without content."""
    assert client.delete("/built").content == b"gone"


def test_status_codes_a_204_route_that_declares_a_body_is_refused() -> None:
    app = FastAPI()
    with pytest.raises(AssertionError, match="204 must not have a response body"):

        @app.delete("/declared", status_code=204)
        async def delete_declaring_a_body() -> dict[str, bool]:
            return {"deleted": True}


def test_openapi_the_default_schema_notices_routes_added_later() -> None:
    """openapi.md: FastAPI's own openapi() rebuilds after new routes (since 0.137)."""
    app = FastAPI()
    assert app.openapi()["paths"] == {}

    @app.get("/later")
    async def added_later() -> dict[str, str]:
        return {}

    assert "/later" in app.openapi()["paths"]


def test_openapi_an_override_with_its_own_cache_does_not() -> None:
    """…while the example's override, which caches in app.openapi_schema, keeps the first."""
    app = examples.build(PROJECT_DIR / "examples", "openapi")
    before = set(app.openapi()["paths"])

    @app.get("/later")
    async def added_later() -> dict[str, str]:
        return {}

    assert set(app.openapi()["paths"]) == before


def good_token(token: Annotated[str, Query()] = "") -> str:
    if token != "good":
        raise WebSocketException(status.WS_1008_POLICY_VIOLATION, reason="invalid token")
    return token


def socket_app() -> FastAPI:
    app = FastAPI()
    app.add_middleware(
        CORSMiddleware, allow_origins=["https://app.example"], allow_credentials=True
    )

    @app.websocket("/ws")
    async def socket(websocket: WebSocket, token: Annotated[str, Depends(good_token)]) -> None:
        await websocket.accept()
        await websocket.send_text(websocket.headers.get("origin", ""))
        await websocket.close()

    return app


def test_websockets_a_dependency_refuses_with_its_close_code_before_accepting() -> None:
    """websockets.md: WebSocketException in a dependency closes with its code and reason."""
    with (
        TestClient(socket_app()) as client,
        pytest.raises(WebSocketDisconnect) as refused,
        client.websocket_connect("/ws?token=bad"),
    ):
        pass
    assert (refused.value.code, refused.value.reason) == (1008, "invalid token")


def test_websockets_cors_middleware_does_not_guard_a_websocket() -> None:
    """websockets.md: CORSMiddleware lets a handshake from any Origin through."""
    with (
        TestClient(socket_app()) as client,
        client.websocket_connect(
            "/ws?token=good", headers={"origin": "https://evil.example"}
        ) as websocket,
    ):
        assert websocket.receive_text() == "https://evil.example"


class LifespanState(TypedDict):
    visits: list[str]


@asynccontextmanager
async def state_lifespan(app: FastAPI) -> AsyncIterator[LifespanState]:
    yield {"visits": []}


def test_lifespan_fastapi_cannot_take_request_of_state_as_a_parameter() -> None:
    """lifespan.md: Starlette types ``Request[State]``, but FastAPI refuses the annotation,
    so the example hands each resource over through a dependency typed by its return."""
    app = FastAPI(lifespan=state_lifespan)
    with pytest.raises(FastAPIError, match=r"Request\[.*LifespanState\]"):

        @app.get("/typed")
        async def typed(request: Request[LifespanState]) -> int:
            return len(request.state["visits"])


def test_lifespan_each_request_gets_a_shallow_copy_of_the_state() -> None:
    """lifespan.md: rebinding a name on request.state stays in that request; mutating the
    object the lifespan yielded is seen by every later request."""
    app = FastAPI(lifespan=state_lifespan)

    @app.post("/visit/{name}")
    async def visit(name: str, request: Request) -> list[str]:
        request.state.visits.append(name)  # the shared list
        request.state.note = name  # this request's copy only
        return list(request.state.visits)

    @app.get("/note")
    async def note(request: Request) -> bool:
        return hasattr(request.state, "note")

    with TestClient(app) as client:
        client.post("/visit/a")
        assert client.post("/visit/b").json() == ["a", "b"]
        assert client.get("/note").json() is False


def test_lifespan_on_event_is_deprecated_and_ignored_beside_a_lifespan() -> None:
    """lifespan.md: once an app has a lifespan, its startup handlers are silently skipped."""
    calls: list[str] = []

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        calls.append("lifespan")
        yield

    app = FastAPI(lifespan=lifespan)
    with pytest.warns(DeprecationWarning, match="on_event is deprecated"):

        @app.on_event("startup")
        async def startup() -> None:
            calls.append("startup")

    with TestClient(app):
        pass
    assert calls == ["lifespan"]
