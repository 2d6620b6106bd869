import asyncio
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
import uvicorn
from fastapi.testclient import TestClient

from kb.app import create_app
from kb.dev.reload import DevReloader, Reload
from kb.knowledge import KnowledgeBase
from kb.settings import Settings


@pytest.fixture
def dev_settings(site_settings: Settings) -> Settings:
    return site_settings.model_copy(update={"dev": True})


def retitle(settings: Settings, title: str) -> Path:
    path = settings.content_dir / "greeting.md"
    path.write_text(path.read_text().replace("title: Greeting People", f"title: {title}"))
    return path


@pytest.mark.anyio
async def test_an_entry_change_reloads_the_catalogue_and_the_index(dev_settings: Settings) -> None:
    kb = KnowledgeBase(dev_settings)
    reloader = DevReloader(kb)
    path = retitle(dev_settings, "Welcoming Guests")
    result = await reloader.apply([path])
    assert result is not None
    assert result.paths == ["content/greeting.md"] and result.content
    assert result.restarted == []  # the example did not change
    assert kb.catalogue.entries["greeting"].meta.title == "Welcoming Guests"
    assert kb.index.search("welcoming").hits[0].slug == "greeting"
    await kb.aclose()


@pytest.mark.anyio
async def test_an_example_change_reimports_only_that_example(dev_settings: Settings) -> None:
    kb = KnowledgeBase(dev_settings)
    await kb.start_examples()
    before = await kb.example_app("greeting")
    example = dev_settings.examples_dir / "greeter.py"
    example.write_text(
        example.read_text().replace(
            "    return app\n",
            '    @app.get("/added")\n    def added() -> dict[str, bool]:\n'
            '        return {"added": True}\n\n    return app\n',
        )
    )
    result = await DevReloader(kb).apply([example])
    assert result is not None
    assert (result.examples, result.restarted) == (["greeter"], ["greeting"])
    after = await kb.example_app("greeting")
    assert after is not before
    assert "/added" in {getattr(route, "path", "") for route in after.app.routes}  # type: ignore[union-attr]
    await kb.aclose()


@pytest.mark.anyio
async def test_new_and_removed_entries(dev_settings: Settings) -> None:
    kb = KnowledgeBase(dev_settings)
    reloader = DevReloader(kb)
    greeting = dev_settings.content_dir / "greeting.md"
    copy = dev_settings.content_dir / "greeting-again.md"
    copy.write_text(greeting.read_text())
    result = await reloader.apply([copy])
    assert result is not None and result.restarted == ["greeting-again"]
    assert "greeting-again" in kb.catalogue.entries
    copy.unlink()
    result = await reloader.apply([copy])
    assert result is not None and result.stopped == ["greeting-again"]
    assert "greeting-again" not in kb.catalogue.entries
    await kb.aclose()


@pytest.mark.anyio
async def test_unrelated_files_change_nothing(dev_settings: Settings, tmp_path: Path) -> None:
    kb = KnowledgeBase(dev_settings)
    assert await DevReloader(kb).apply([tmp_path / "elsewhere.txt"]) is None
    await kb.aclose()


@pytest.mark.anyio
async def test_the_watcher_reloads_and_tells_subscribers(dev_settings: Settings) -> None:
    kb = KnowledgeBase(dev_settings)
    reloader = DevReloader(kb)
    received: list[Reload | None] = []

    async def listen() -> None:
        async for event in reloader.subscribe():
            received.append(event)
            return

    listener = asyncio.create_task(listen())
    reloader.start()
    await asyncio.sleep(0.3)  # the watcher is up
    retitle(dev_settings, "Saved In An Editor")
    await asyncio.wait_for(listener, timeout=10)
    assert received[0] is not None and "content/greeting.md" in received[0].paths
    assert kb.catalogue.entries["greeting"].meta.title == "Saved In An Editor"
    await reloader.aclose()
    await kb.aclose()


def test_production_neither_routes_nor_loads_the_dev_reload(site_client: TestClient) -> None:
    assert "dev-reload" not in site_client.get("/").text
    events = site_client.get("/__dev/events", headers={"accept": "text/event-stream"})
    assert events.status_code == 404


def test_development_pages_load_the_dev_reload_script(dev_settings: Settings) -> None:
    with TestClient(create_app(dev_settings)) as client:
        script = re.search(
            r'<script src="(/static/dev-reload[^"]*\.js)" defer></script>', client.get("/").text
        )
        assert script is not None
        assert client.get(script[1]).status_code == 200
        # The editor opts out: a reload would throw away what is being written.
        assert 'data-dev-reload="off"' in client.get("/contribute").text


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def dev_server(dev_settings: Settings) -> Iterator[str]:
    """The KB in development mode under uvicorn, in a thread, as ``kb serve --reload`` runs it."""
    port = _free_port()
    config = uvicorn.Config(
        create_app(dev_settings),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=15)
    assert not thread.is_alive()


def test_an_open_page_hears_reload_when_an_entry_is_saved(
    dev_server: str, dev_settings: Settings
) -> None:
    with httpx2.Client(base_url=dev_server, timeout=10) as client:
        assert "Greeting People" in client.get("/patterns/greeting").text
        with client.stream("GET", "/__dev/events") as events:
            assert events.headers["content-type"].startswith("text/event-stream")
            lines = events.iter_lines()
            ready = _next_event(lines)
            assert ready[0] == "event: ready" and "retry: 1000" in ready
            time.sleep(0.3)  # the watcher is up
            retitle(dev_settings, "Live Greetings")
            reload = _next_event(lines)
            assert reload[0] == "event: reload"
            assert any(
                '"content/greeting.md"' in line for line in reload if line.startswith("data:")
            )
        assert "Live Greetings" in client.get("/patterns/greeting").text
        assert client.get("/search", params={"q": "live greetings"}).text.count("Live Greetings")


def _next_event(lines: Iterator[str]) -> list[str]:
    """The lines of the next server-sent event, keep-alive comments skipped."""
    event: list[str] = []
    for line in lines:
        if line and not line.startswith(":"):
            event.append(line)
        elif not line and event:
            return event
    return event


@pytest.mark.anyio
async def test_a_stop_signal_ends_open_event_streams_then_reaches_the_server(
    dev_settings: Settings,
) -> None:
    import signal

    seen: list[int] = []
    original = signal.signal(signal.SIGTERM, lambda number, frame: seen.append(number))
    try:
        kb = KnowledgeBase(dev_settings)
        reloader = DevReloader(kb)
        reloader.start()  # as uvicorn's lifespan does, after it installed its handlers

        async def listen() -> list[Reload | None]:
            return [event async for event in reloader.subscribe()]

        listener = asyncio.create_task(listen())
        await asyncio.sleep(0)
        handler = signal.getsignal(signal.SIGTERM)
        assert callable(handler)
        handler(signal.SIGTERM, None)  # what the process receives on Ctrl-C or a reload
        assert await asyncio.wait_for(listener, timeout=5) == []  # the stream ended
        assert seen == [signal.SIGTERM]  # and the server's own handler ran
        await reloader.aclose()
        assert signal.getsignal(signal.SIGTERM) is not handler  # put back
        await kb.aclose()
    finally:
        signal.signal(signal.SIGTERM, original)
