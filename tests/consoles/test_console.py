from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI

from kb.consoles import console
from kb.consoles.console import ConsoleRequest
from kb.content import tryblocks
from kb.sandbox import examples
from kb.settings import Settings

MOUNT = "/examples/greeting"


@pytest.fixture
async def greeter(site_settings: Settings) -> AsyncIterator[FastAPI]:
    running = examples.RunningApps()
    app = await running.start("greeting", examples.build(site_settings.examples_dir, "greeter"))
    yield app
    await running.aclose()


@pytest.mark.anyio
async def test_send_returns_status_headers_and_pretty_json(greeter: FastAPI) -> None:
    request = ConsoleRequest(
        "POST", "/names", (("Content-Type", "application/json"),), '{"name":"bob"}'
    )
    result = await console.send(greeter, MOUNT, request)
    assert (result.status, result.reason, result.status_class) == (201, "Created", "s2xx")
    assert result.media_type == "application/json"
    assert result.body_text == '{\n  "name": "bob"\n}'
    assert result.elapsed_ms > 0
    assert "<span" in result.body_html


@pytest.mark.anyio
async def test_the_example_sees_its_mount_and_the_readers_host(greeter: FastAPI) -> None:
    result = await console.send(
        greeter, MOUNT, ConsoleRequest("GET", "/link"), origin="http://kb.example:8000"
    )
    assert result.as_response().json() == {
        "names": "http://kb.example:8000/examples/greeting/names"
    }


@pytest.mark.anyio
async def test_hop_by_hop_headers_from_the_reader_are_dropped(greeter: FastAPI) -> None:
    request = ConsoleRequest("GET", "/echo-headers", (("Host", "evil"), ("X-Demo", "1")))
    echoed = (await console.send(greeter, MOUNT, request)).as_response().json()
    assert echoed["host"] == "testserver" and echoed["x-demo"] == "1"


@pytest.mark.anyio
async def test_example_errors_are_the_examples_own_responses(greeter: FastAPI) -> None:
    invalid = await console.send(
        greeter,
        MOUNT,
        ConsoleRequest("POST", "/names", (("Content-Type", "application/json"),), "{"),
    )
    assert invalid.status == 422
    crashed = await console.send(greeter, MOUNT, ConsoleRequest("GET", "/boom"))
    assert crashed.status == 500 and crashed.error == ""


@pytest.mark.anyio
async def test_a_slow_example_is_stopped_with_504(greeter: FastAPI) -> None:
    result = await console.send(
        greeter, MOUNT, ConsoleRequest("GET", "/slow?seconds=5"), timeout=0.05
    )
    assert result.status == 504
    assert "did not answer within 0.05 s" in result.error


@pytest.mark.anyio
async def test_large_responses_are_truncated(greeter: FastAPI) -> None:
    result = await console.send(
        greeter, MOUNT, ConsoleRequest("GET", "/big?size=5000"), max_response=1000
    )
    assert result.truncated and len(result.body) == 1000


def test_curl_quotes_everything() -> None:
    request = ConsoleRequest("POST", "/names?a=1&b=2", (("X-Quote", "it's"),), '{"name": "x"}')
    assert request.curl("http://127.0.0.1:8000/", MOUNT) == (
        "curl -i -X POST 'http://127.0.0.1:8000/examples/greeting/names?a=1&b=2' "
        "-H 'X-Quote: it'\"'\"'s' --data-raw '{\"name\": \"x\"}'"
    )


@pytest.mark.anyio
async def test_run_blocks_feeds_captures_forward_and_reports_failures(greeter: FastAPI) -> None:
    blocks = [
        tryblocks.parse(
            'POST /login\n[FormParams]\nusername: ann\nHTTP 200\n[Captures]\ntoken: jsonpath "$.token"'
        ),
        tryblocks.parse(
            'GET /me\nAuthorization: Bearer {{token}}\nHTTP 200\n[Asserts]\njsonpath "$.user" == "ann"'
        ),
        tryblocks.parse("GET /me\nHTTP 200"),
        tryblocks.parse("GET /me\nAuthorization: {{nobody}}\nHTTP 200"),
    ]
    outcomes = await console.run_blocks(greeter, MOUNT, blocks)
    assert outcomes[0].captured == {"token": "t-ann"}
    assert outcomes[1].failures == []
    assert outcomes[2].failures[0].startswith("expected HTTP 200, got 401")
    assert outcomes[3].failures == ["uses {{nobody}}, which no earlier block captures"]
