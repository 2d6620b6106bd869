import asyncio
import gzip
import json
from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI, Request, Response
from fastapi.responses import StreamingResponse

from kb.consoles import inprocess


def echo_app() -> FastAPI:
    app = FastAPI()

    @app.api_route("/echo/{rest:path}", methods=["GET", "POST", "HEAD"])
    async def echo(rest: str, request: Request) -> dict:
        return {
            "rest": rest,
            "path": request.url.path,
            "raw_path": request.scope["raw_path"].decode(),
            "query": dict(request.query_params),
            "root_path": request.scope["root_path"],
            "url": str(request.url),
            "headers": dict(request.headers),
            "body": (await request.body()).decode(),
        }

    @app.get("/stream")
    async def stream() -> StreamingResponse:
        async def chunks() -> AsyncIterator[bytes]:
            for number in range(5):
                yield b"%d" % number * 10

        return StreamingResponse(chunks(), media_type="text/plain")

    @app.get("/zipped")
    async def zipped() -> Response:
        body = gzip.compress(b"hello " * 100)
        return Response(body, media_type="text/plain", headers={"content-encoding": "gzip"})

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("the example failed")

    return app


def scope(target: str, body: bytes = b"", headers: list[tuple[str, str]] | None = None) -> dict:
    return inprocess.build_scope(
        "POST" if body else "GET",
        f"/examples/demo{target}",
        headers or [],
        body,
        origin="http://kb.example:8000",
        root_path="/examples/demo",
    )


@pytest.mark.anyio
async def test_the_app_sees_its_mount_query_host_and_body() -> None:
    body = b'{"a": 1}'
    reply = await inprocess.call(
        echo_app(), scope("/echo/x?genre=sci-fi&q=a%20b", body, [("X-Demo", "1")]), body
    )
    echoed = json.loads(reply.body)
    assert reply.status == 200
    assert echoed["rest"] == "x" and echoed["query"] == {"genre": "sci-fi", "q": "a b"}
    assert echoed["root_path"] == "/examples/demo"
    assert echoed["url"] == "http://kb.example:8000/examples/demo/echo/x?genre=sci-fi&q=a%20b"
    assert echoed["headers"]["host"] == "kb.example:8000"
    assert echoed["headers"]["x-demo"] == "1" and echoed["headers"]["content-length"] == "8"
    assert echoed["body"] == '{"a": 1}'


@pytest.mark.anyio
async def test_paths_are_percent_encoded_once() -> None:
    reply = await inprocess.call(echo_app(), scope("/echo/caf%C3%A9 é"), b"")
    echoed = json.loads(reply.body)
    assert echoed["raw_path"] == "/examples/demo/echo/caf%C3%A9%20%C3%A9"
    assert echoed["rest"] == "café é"


@pytest.mark.anyio
async def test_streamed_bodies_are_collected_and_cut_at_the_limit() -> None:
    whole = await inprocess.call(echo_app(), scope("/stream"), b"")
    assert whole.body == b"0000000000111111111122222222223333333333" + b"4" * 10
    assert not whole.truncated
    cut = await inprocess.call(echo_app(), scope("/stream"), b"", max_body=25)
    assert cut.truncated and cut.body == b"0000000000111111111122222"


@pytest.mark.anyio
async def test_a_gzipped_body_is_shown_decoded() -> None:
    reply = await inprocess.call(echo_app(), scope("/zipped"), b"")
    assert reply.body == b"hello " * 100


@pytest.mark.anyio
async def test_an_exception_is_the_500_a_client_would_see() -> None:
    reply = await inprocess.call(echo_app(), scope("/boom"), b"")
    assert reply.status == 500 and reply.body == b"Internal Server Error"


@pytest.mark.anyio
async def test_head_has_no_body() -> None:
    head = scope("/echo/x")
    head["method"] = "HEAD"
    reply = await inprocess.call(echo_app(), head, b"")
    assert reply.status == 200 and reply.body == b""


def slow_app(swallow: bool) -> FastAPI:
    app = FastAPI()

    @app.get("/slow")
    async def slow() -> dict:
        try:
            await asyncio.sleep(5)
        except asyncio.CancelledError:
            if not swallow:
                raise
        return {"late": True}

    return app


@pytest.mark.anyio
async def test_past_the_timeout_the_app_is_cancelled() -> None:
    task = asyncio.current_task()
    assert task is not None
    with pytest.raises(TimeoutError):
        await inprocess.call(slow_app(swallow=False), scope("/slow"), b"", timeout=0.05)
    assert task.cancelling() == 0  # nothing left over for the caller's own timeouts
    reply = await inprocess.call(slow_app(swallow=True), scope("/slow"), b"", timeout=0.05)
    assert reply.status == 200 and task.cancelling() == 0


@pytest.mark.anyio
async def test_someone_elses_cancellation_goes_on() -> None:
    inner = asyncio.create_task(
        inprocess.call(slow_app(swallow=False), scope("/slow"), b"", timeout=5)
    )
    await asyncio.sleep(0.01)
    inner.cancel()
    with pytest.raises(asyncio.CancelledError):
        await inner
