from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.routing import Mount

from kb.app import create_app
from kb.settings import Settings


def paths(app: FastAPI) -> list[str]:
    """Every path in matching order, included routers' routes in their place (FastAPI keeps
    an included router as one object that holds the original router)."""
    found: list[str] = []
    for route in app.routes:
        inner = getattr(route, "original_router", None)
        routes = inner.routes if inner is not None else [route]
        found.extend(getattr(r, "path", "") for r in routes)
    return found


def test_every_route_and_mount_comes_from_one_install(site_settings: Settings) -> None:
    app = create_app(site_settings).fastapi
    listed = paths(app)
    assert listed[:2] == ["/openapi.json", "/try/{slug}"]  # the console before every page
    for path in ("/", "/patterns/{slug}", "/search", "/docs", "/api/search", "/healthz"):
        assert path in listed
    mounts = [route.path for route in app.routes if isinstance(route, Mount)]
    assert mounts == ["/static", "/examples"]
    assert "/__dev/events" not in listed  # development mode only


def test_development_mode_adds_the_reload_events(site_settings: Settings) -> None:
    site_settings.dev = True
    assert "/__dev/events" in paths(create_app(site_settings).fastapi)


def test_only_the_json_api_is_in_the_schema(site_settings: Settings) -> None:
    with TestClient(create_app(site_settings)) as client:
        schema = client.get("/openapi.json").json()
    assert sorted(schema["paths"]) == [
        "/api/patterns",
        "/api/patterns/{slug}",
        "/api/search",
        "/healthz",
        "/metrics",
    ]


def test_pages_are_html(site_client: TestClient) -> None:
    for path in ("/", "/patterns/greeting", "/search?q=hello", "/contribute", "/docs"):
        response = site_client.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-type"].startswith("text/html"), path
