import inspect

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from kb.web import deps
from kb.web.deps import KB, Htmx, Templates, wants_fragment


@pytest.mark.parametrize(
    ("headers", "fragment"),
    [
        ({b"hx-request": b"true"}, True),
        ({}, False),
        ({b"hx-request": b"false"}, False),
        # Going back to a URL htmx pushed: htmx asks again, and needs the whole page.
        ({b"hx-request": b"true", b"hx-history-restore-request": b"true"}, False),
    ],
)
def test_wants_fragment(headers: dict[bytes, bytes], fragment: bool) -> None:
    assert wants_fragment(headers) is fragment


def test_handlers_get_the_apps_knowledge_base_templates_and_htmx() -> None:
    app = FastAPI()
    app.state.kb = object()
    app.state.templates = object()

    @app.get("/")
    async def handler(kb: KB, templates: Templates, htmx: Htmx) -> dict[str, bool]:
        return {
            "kb": kb is app.state.kb,
            "templates": templates is app.state.templates,
            "htmx": htmx,
        }

    client = TestClient(app)
    assert client.get("/").json() == {"kb": True, "templates": True, "htmx": False}
    assert client.get("/", headers={"HX-Request": "true"}).json()["htmx"] is True
    restore = {"HX-Request": "true", "HX-History-Restore-Request": "true"}
    assert client.get("/", headers=restore).json()["htmx"] is False


@pytest.mark.parametrize("dependency", [deps.get_kb, deps.get_templates, deps.is_htmx])
def test_dependencies_run_on_the_event_loop_not_in_a_worker_thread(dependency: object) -> None:
    # FastAPI sends a plain def dependency to a worker thread, at a cost on every request.
    assert inspect.iscoroutinefunction(dependency)
