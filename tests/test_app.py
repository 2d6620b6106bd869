import logging
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.exceptions import HTTPException
from starlette.types import Receive, Scope, Send

from kb.app import EXAMPLES_WAIT, KnowledgeBaseApp, create_app
from kb.knowledge import KnowledgeBase
from kb.middleware.security import security_headers
from kb.settings import Settings
from kb.web.tryit import TryEndpoint


def examples_in(kb: KnowledgeBase) -> int:
    return sum(1 for entry in kb.catalogue.entries.values() if entry.meta.example)


def test_examples_start_after_the_first_page(site_settings: Settings) -> None:
    app = create_app(site_settings)
    kb = app.state.kb
    with TestClient(app) as client:
        time.sleep(0.1)
        assert len(kb.sandboxes) == 0  # nothing imported before a reader asks
        assert client.get("/").status_code == 200
        assert client.get("/healthz?wait=true").json()["status"] == "ok"
        assert len(kb.sandboxes) == examples_in(kb)


def test_an_idle_server_starts_its_examples_anyway(site_settings: Settings) -> None:
    app = create_app(site_settings)
    kb = app.state.kb
    with TestClient(app):
        deadline = time.monotonic() + EXAMPLES_WAIT + 5
        while not kb.examples_checked.is_set() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(kb.sandboxes) == examples_in(kb)


def test_start_up_does_not_import_sqlalchemy() -> None:
    """SQLAlchemy is a sixth of the start-up time: it loads when proposals or an examples
    database are first used, not before the first page."""
    import subprocess
    import sys

    code = "import sys, kb.app; kb.app.create_app(); print('sqlalchemy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# Pages and searches already rendered, answered by the front door before any framework
# code runs: each guard must still apply to them. The fixture swaps the FastAPI app for one
# that fails, so that every answer below provably comes from memory.
CACHED = ("/patterns/greeting", "/search?q=greeting", "/api/search?q=greeting")
SEARCH_LIMIT = 3


async def app_not_called(scope: Scope, receive: Receive, send: Send) -> None:
    raise AssertionError(f"the app was called for {scope['path']}: not answered from memory")


def wait_for(condition: Callable[[], bool], seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)
    return condition()


@pytest.fixture
def from_memory(site_settings: Settings) -> Iterator[KnowledgeBaseApp]:
    site_settings.rate_limit_search = SEARCH_LIMIT
    site = create_app(site_settings)
    with TestClient(site, client=("10.0.0.1", 1)) as warming:
        # Pages are rendered again once the examples have started (they say so).
        warming.get("/")
        assert wait_for(site.state.kb.examples_checked.is_set)
        for url in CACHED:
            assert warming.get(url).status_code == 200
        app, gzip_app = site.app, site.gzip_app
        site.app = site.gzip_app = app_not_called
        try:
            yield site
        finally:
            site.app, site.gzip_app = app, gzip_app


@pytest.mark.parametrize("https", [False, True])
def test_a_cached_answer_gets_every_security_header_and_a_request_id(
    from_memory: KnowledgeBaseApp, https: bool
) -> None:
    client = TestClient(
        from_memory, base_url="https://testserver" if https else "http://testserver"
    )
    for url in CACHED:
        client.cookies.clear()
        response = client.get(url)
        assert response.status_code == 200
        for name, value in security_headers(https):
            assert response.headers[name.decode()] == value.decode(), (url, name)
        assert ("strict-transport-security" in response.headers) is https
        assert re.fullmatch("[0-9a-f]{32}", response.headers["x-request-id"])
        assert "kb_reader=" in response.headers["set-cookie"]  # a new reader's cookie
        echoed = client.get(url, headers={"X-Request-ID": "trace-7"})
        assert echoed.headers["x-request-id"] == "trace-7"


def test_a_cached_search_is_rate_limited(from_memory: KnowledgeBaseApp) -> None:
    client = TestClient(from_memory, client=("10.0.0.2", 1))
    statuses = [client.get(CACHED[1]).status_code for _ in range(SEARCH_LIMIT)]
    refused = client.get(CACHED[2])  # the same limit counts both search URLs
    assert statuses == [200] * SEARCH_LIMIT
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
    assert refused.headers["x-content-type-options"] == "nosniff"
    samples = from_memory.metrics.registry.get_sample_value(
        "kb_rate_limited_total", {"limit": "search"}
    )
    assert samples == 1


def test_a_cached_answer_is_refused_to_an_unlisted_host(from_memory: KnowledgeBaseApp) -> None:
    client = TestClient(from_memory, client=("10.0.0.3", 1))
    for url in CACHED:
        response = client.get(url, headers={"host": "evil.example"})
        assert (response.status_code, response.text) == (400, "Invalid host header")


def test_a_cached_answer_is_counted_and_logged(
    from_memory: KnowledgeBaseApp, caplog: pytest.LogCaptureFixture
) -> None:
    client = TestClient(from_memory, client=("10.0.0.4", 1))
    registry = from_memory.metrics.registry
    routes = {CACHED[0]: "/patterns/{slug}", CACHED[1]: "/search", CACHED[2]: "/api/search"}
    for url, route in routes.items():
        labels = {"route": route, "method": "GET", "status": "200"}
        before = registry.get_sample_value("kb_requests_total", labels) or 0
        with caplog.at_level(logging.INFO, logger="kb.access"):
            client.get(url, headers={"X-Request-ID": f"log-{route.count('/')}"})
        assert registry.get_sample_value("kb_requests_total", labels) == before + 1
        latency = {"route": route}
        assert registry.get_sample_value("kb_request_duration_seconds_count", latency)
        line = caplog.records[-1]
        assert line.name == "kb.access"
        assert line.getMessage() == f"GET {url.split('?')[0]} 200"
        assert line.fields["route"] == route and line.fields["client"] == "10.0.0.4"  # type: ignore[attr-defined]


def test_an_error_in_the_app_still_gets_fastapis_answer_and_our_headers(
    site_settings: Settings,
) -> None:
    site = create_app(site_settings)

    @site.fastapi.get("/boom")
    async def boom() -> None:
        raise RuntimeError("boom")

    with TestClient(site, raise_server_exceptions=False) as client:
        response = client.get("/boom")
        missing = client.get("/api/nothing-here")
    assert (response.status_code, response.text) == (500, "Internal Server Error")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert len(response.headers["x-request-id"]) == 32
    assert missing.status_code == 404 and missing.json() == {"detail": "Not Found"}
    assert missing.headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize(
    ("error", "accept"),
    [
        (RuntimeError("boom"), "*/*"),
        (HTTPException(404, "gone"), "text/html"),
        (HTTPException(409, "conflict"), "application/json"),
    ],
)
def test_the_console_called_directly_answers_errors_as_fastapis_stack_does(
    site_settings: Settings, monkeypatch: pytest.MonkeyPatch, error: Exception, accept: str
) -> None:
    """The front door calls the console's endpoint itself, past FastAPI's middleware:
    an exception in it must get the answer that stack would have given."""

    async def failing(self: TryEndpoint, scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["app"] is site.fastapi and scope["path_params"] == {"slug": "greeting"}
        raise error

    site = create_app(site_settings)
    monkeypatch.setattr(TryEndpoint, "__call__", failing)
    answers = []
    for app in (site, site.fastapi):
        with TestClient(app, raise_server_exceptions=False) as client:
            answers.append(client.post("/try/greeting", headers={"accept": accept}))
    direct, framework = answers
    assert direct.status_code == framework.status_code == getattr(error, "status_code", 500)
    assert direct.content == framework.content
    assert direct.headers["content-type"] == framework.headers["content-type"]
    assert direct.headers["x-content-type-options"] == "nosniff"  # and the front door's headers


def test_the_console_is_called_past_the_framework(
    site_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []

    async def counted(self: FastAPI, scope: Scope, receive: Receive, send: Send) -> None:
        calls.append(scope["path"])
        await original(self, scope, receive, send)

    original = FastAPI.__call__
    monkeypatch.setattr(FastAPI, "__call__", counted)
    form = {"block": "0", "method": "GET", "path": "/names"}
    response = site_client.post("/try/greeting", data=form, headers={"HX-Request": "true"})
    assert response.status_code == 200 and "200 OK" in response.text
    assert "/try/greeting" not in calls  # the KB's own FastAPI app was not entered
    assert site_client.get("/patterns/nothing").status_code == 404
    assert "/patterns/nothing" in calls


GC_PROBE = """
import gc
import kb.app

build = kb.app._create_app
collecting_while_built = []

def spy(settings):
    collecting_while_built.append(gc.isenabled())
    return build(settings)

kb.app._create_app = spy
frozen = gc.get_freeze_count()
kb.app.create_app()
print(collecting_while_built, gc.isenabled(), gc.get_freeze_count() == frozen)
gc.disable()  # as kb serve does before uvicorn imports the KB
kb.app.create_app()
print(collecting_while_built, gc.isenabled(), gc.get_freeze_count() > frozen)
"""


def test_the_garbage_collector_rests_while_the_app_is_built(site_settings: Settings) -> None:
    """The collector is off while create_app() builds and on again afterwards,
    and an app built for a whole process (kb serve) is frozen out of later collections.
    In a process of its own: the suite's other threads collect and freeze too."""
    env = {
        **os.environ,
        "KB_CONTENT_DIR": str(site_settings.content_dir),
        "KB_EXAMPLES_DIR": str(site_settings.examples_dir),
    }
    out = subprocess.run(
        [sys.executable, "-c", GC_PROBE], capture_output=True, text=True, check=True, env=env
    )
    assert out.stdout.split("\n")[:2] == ["[False] True True", "[False, False] True True"]


def test_head_is_answered_on_the_kbs_pages_and_as_fastapi_does_on_examples(
    site_settings: Settings,
) -> None:
    with TestClient(create_app(site_settings)) as client:
        for url in ("/", "/patterns/greeting", "/api/search?q=greeting", "/static/site.js"):
            first = client.head(url)  # before the page is in memory, then from memory
            got = client.get(url, headers={"accept-encoding": "identity"})
            again = client.head(url, headers={"accept-encoding": "identity"})
            for head in (first, again):
                assert (head.status_code, head.content) == (200, b""), url
                assert head.headers["content-type"] == got.headers["content-type"]
            assert again.headers["content-length"] == str(len(got.content))
        assert client.get("/examples/greeting/names").status_code == 200
        assert client.head("/examples/greeting/names").status_code == 405
