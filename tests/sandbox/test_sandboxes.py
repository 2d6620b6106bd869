from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from kb.app import create_app
from kb.sandbox import examples
from kb.sandbox.sandboxes import Sandboxes
from kb.settings import Settings


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def greeter_builder(settings: Settings) -> Callable[[str], FastAPI]:
    return lambda slug: examples.build(settings.examples_dir, "greeter")


@pytest.mark.anyio
async def test_each_reader_gets_their_own_started_instance(site_settings: Settings) -> None:
    sandboxes = Sandboxes(greeter_builder(site_settings))
    ann = await sandboxes.get("ann", "greeting")
    bob = await sandboxes.get("bob", "greeting")
    assert ann is not bob and ann.app.state.started and bob.app.state.started
    assert await sandboxes.get("ann", "greeting") is ann
    assert len(sandboxes) == 2
    await sandboxes.aclose()
    assert not ann.app.state.started and len(sandboxes) == 0


@pytest.mark.anyio
async def test_the_least_recently_used_is_closed_past_the_cap(site_settings: Settings) -> None:
    sandboxes = Sandboxes(greeter_builder(site_settings), max_per_example=2)
    first = await sandboxes.get("a", "greeting")
    await sandboxes.get("b", "greeting")
    await sandboxes.get("a", "greeting")  # "a" is now more recent than "b"
    await sandboxes.get("c", "greeting")
    assert len(sandboxes) == 2
    assert first.app.state.started  # "b" went, not "a"
    assert await sandboxes.get("a", "greeting") is first
    await sandboxes.aclose()


@pytest.mark.anyio
async def test_idle_sandboxes_are_swept(site_settings: Settings) -> None:
    clock = Clock()
    sandboxes = Sandboxes(greeter_builder(site_settings), idle_seconds=60, clock=clock)
    old = await sandboxes.get("a", "greeting")
    clock.now = 50
    await sandboxes.get("b", "greeting")
    clock.now = 100
    assert await sandboxes.sweep() == 1
    assert not old.app.state.started and len(sandboxes) == 1
    await sandboxes.aclose()


@pytest.mark.anyio
async def test_reset_gives_a_fresh_instance(site_settings: Settings) -> None:
    sandboxes = Sandboxes(greeter_builder(site_settings))
    first = await sandboxes.get("a", "greeting")
    first.app.state.names.append("x")
    assert await sandboxes.reset("a", "greeting")
    assert not await sandboxes.reset("a", "greeting")
    assert (await sandboxes.get("a", "greeting")).app.state.names == []
    await sandboxes.aclose()


def test_two_readers_never_see_each_others_data(site_settings: Settings) -> None:
    # One server, two browsers: one lifespan and one event loop, as in production, and a
    # cookie jar for each reader (two TestClients would be two servers of one KB at once).
    # The jar is of the TestClient's own class, httpx2's since Starlette 1.2 and httpx's
    # before, so that the test also runs with Starlette at its floor (make check-lowest).
    with TestClient(create_app(site_settings)) as client:
        jars = {}
        for reader in ("ann", "bob"):
            client.cookies = type(client.cookies)()
            client.get("/")
            jars[reader] = client.cookies

        def as_reader(reader: str) -> TestClient:
            client.cookies = jars[reader]
            return client

        created = as_reader("ann").post(
            "/try/greeting",
            data={
                "block": "0",
                "method": "POST",
                "path": "/names",
                "headers": "Content-Type: application/json",
                "body": '{"name": "ann-secret"}',
            },
            headers={"HX-Request": "true"},
        )
        assert "201 Created" in created.text
        # The same sandbox answers the reader's direct calls (and Swagger UI's "Try it out").
        assert as_reader("ann").get("/examples/greeting/names").json() == ["ann-secret"]
        assert as_reader("bob").get("/examples/greeting/names").json() == []
        seen_by_bob = as_reader("bob").post(
            "/try/greeting",
            data={"block": "0", "method": "GET", "path": "/names"},
            headers={"HX-Request": "true"},
        )
        assert "200 OK" in seen_by_bob.text and "ann-secret" not in seen_by_bob.text


def test_the_reset_button_starts_the_example_afresh(site_client: TestClient) -> None:
    site_client.post("/examples/greeting/names", json={"name": "x"})
    response = site_client.post("/try/greeting/reset", headers={"HX-Request": "true"})
    assert response.status_code == 200 and "was reset" in response.text
    assert site_client.get("/examples/greeting/names").json() == []
    page = site_client.post("/try/greeting/reset")
    assert "<html" in page.text and "was reset" in page.text
    assert site_client.post("/try/nope/reset", headers={"accept": "text/html"}).status_code == 404


def test_the_console_form_has_a_reset_button(site_client: TestClient) -> None:
    text = site_client.get("/patterns/greeting").text
    assert 'hx-post="/try/greeting/reset"' in text and "Reset sandbox" in text


@pytest.mark.anyio
async def test_running_says_whether_a_readers_sandbox_is_up(site_settings: Settings) -> None:
    sandboxes = Sandboxes(greeter_builder(site_settings))
    assert not sandboxes.running("ann", "greeting")
    await sandboxes.get("ann", "greeting")
    assert sandboxes.running("ann", "greeting") and not sandboxes.running("bob", "greeting")
    await sandboxes.reset("ann", "greeting")
    assert not sandboxes.running("ann", "greeting")
