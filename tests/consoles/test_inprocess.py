import asyncio
import gzip
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated

import pytest
from fastapi import BackgroundTasks, Depends, FastAPI, Request, Response
from fastapi.responses import StreamingResponse

from kb.consoles import inprocess
from kb.sandbox import examples


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


def test_each_request_gets_a_scope_of_its_own() -> None:
    first = scope("/echo/x", b"{}", [("X-Demo", "1")])
    first["state"] = {"user": "ann"}
    first["headers"].append((b"x-added", b"by a middleware"))
    first["asgi"]["spec_version"] = "2.4"
    second = scope("/echo/x", b"{}", [("X-Demo", "1")])
    assert "state" not in second and second["asgi"] == {"version": "3.0"}
    assert second["headers"] == [
        (b"host", b"kb.example:8000"),
        (b"x-demo", b"1"),
        (b"content-length", b"2"),
    ]
    assert scope("/echo/x", b"{1}")["headers"][-1] == (b"content-length", b"3")


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


RAISER = """from fastapi import FastAPI


def create_app() -> FastAPI:
    app = FastAPI()

    @app.get("/divide")
    async def divide() -> float:
        return 1 / 0

    return app
"""


def background_app(seconds: float, fail: bool = False) -> FastAPI:
    app = FastAPI()

    async def work() -> None:
        await asyncio.sleep(seconds)
        if fail:
            raise ValueError("the background task failed")

    @app.post("/jobs", status_code=202)
    async def start(tasks: BackgroundTasks) -> dict[str, str]:
        tasks.add_task(work)
        return {"status": "accepted"}

    return app


@pytest.mark.anyio
async def test_background_work_is_timed_apart_from_the_response() -> None:
    reply = await inprocess.call(background_app(0.2), scope("/jobs", b"{}"), b"{}", timeout=5)
    assert reply.status == 202 and reply.failure is None
    assert reply.response_ms < 150
    assert isinstance(reply.after_response, float) and reply.after_response >= 150


@pytest.mark.anyio
async def test_background_work_past_the_timeout_never_turns_a_response_into_an_error() -> None:
    reply = await inprocess.call(
        background_app(2.0), scope("/jobs", b"{}"), b"{}", timeout=0.2, background_wait=0.05
    )
    assert reply.status == 202 and json.loads(reply.body) == {"status": "accepted"}
    assert reply.after_response == "running"


@pytest.mark.anyio
async def test_a_failing_background_task_is_reported_after_a_sent_response() -> None:
    reply = await inprocess.call(
        background_app(0.0, fail=True), scope("/jobs", b"{}"), b"{}", timeout=5
    )
    assert reply.status == 202
    assert reply.failure is not None and reply.failure.after_response
    assert reply.failure.short.startswith("ValueError: the background task failed")


@pytest.mark.anyio
async def test_an_exception_is_kept_with_its_type_message_and_traceback() -> None:
    reply = await inprocess.call(echo_app(), scope("/boom"), b"")
    assert reply.status == 500
    assert reply.failure is not None and not reply.failure.after_response
    assert (reply.failure.type, reply.failure.message) == ("RuntimeError", "the example failed")
    assert "raise RuntimeError" in reply.failure.traceback
    assert reply.failure.where == ""  # not an example's own code


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("files", "name", "where"),
    [
        ({"raiser.py": RAISER}, "raiser", "examples/raiser.py:9"),
        (
            {"pkg/__init__.py": "from .app import create_app\n", "pkg/app.py": RAISER},
            "pkg",
            "examples/pkg/app.py:9",
        ),
    ],
)
async def test_the_failure_names_the_examples_own_line(
    tmp_path: Path, files: dict[str, str], name: str, where: str
) -> None:
    for relative, text in files.items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(text)
    app = examples.build(tmp_path, name)
    reply = await inprocess.call(app, scope("/divide"), b"")
    assert reply.status == 500 and reply.failure is not None
    assert reply.failure.where == where
    assert reply.failure.short == f"ZeroDivisionError: division by zero ({where})"


def streaming_app(pieces: int, pause: float) -> FastAPI:
    app = FastAPI()

    @app.get("/ticks")
    async def ticks() -> StreamingResponse:
        async def tick() -> AsyncIterator[str]:
            for number in range(pieces):
                await asyncio.sleep(pause)
                yield f"tick {number}\n"

        return StreamingResponse(tick(), media_type="text/plain")

    return app


@pytest.mark.anyio
async def test_each_piece_of_a_stream_is_timed_as_it_arrives() -> None:
    reply = await inprocess.call(streaming_app(3, 0.05), scope("/ticks"), b"", timeout=5)
    assert reply.body == b"tick 0\ntick 1\ntick 2\n" and not reply.incomplete
    assert [arrival.end for arrival in reply.arrivals] == [7, 14, 21]
    times = [arrival.ms for arrival in reply.arrivals]
    assert times == sorted(times) and times[0] >= 40 and times[2] - times[0] >= 80
    assert reply.first_byte_ms < times[0] <= reply.response_ms


@pytest.mark.anyio
async def test_a_response_in_one_piece_has_one_arrival() -> None:
    reply = await inprocess.call(echo_app(), scope("/echo/x"), b"")
    assert len(reply.arrivals) == 1 and reply.arrivals[0].end == len(reply.body)


@pytest.mark.anyio
async def test_a_stream_still_sending_at_the_timeout_is_kept_as_far_as_it_got() -> None:
    reply = await inprocess.call(streaming_app(100, 0.04), scope("/ticks"), b"", timeout=0.3)
    assert reply.status == 200 and reply.incomplete and reply.failure is None
    assert reply.body.startswith(b"tick 0\ntick 1\n") and b"tick 99" not in reply.body
    assert 250 <= reply.response_ms < 1000
    assert reply.after_response is None


class Recorder:
    def __init__(self) -> None:
        self.seen: list[tuple[str, object]] = []

    async def started(self, status: int, headers: list[tuple[str, str]]) -> None:
        self.seen.append(("started", status))

    async def body(self, chunk: bytes, more: bool, ms: float) -> None:
        self.seen.append(("body", (chunk, more)))


@pytest.mark.anyio
async def test_a_watcher_is_told_of_the_response_as_it_arrives() -> None:
    recorder = Recorder()
    token = inprocess.WATCHER.set(recorder)
    try:
        await inprocess.call(streaming_app(2, 0.0), scope("/ticks"), b"", timeout=5)
    finally:
        inprocess.WATCHER.reset(token)
    assert recorder.seen == [
        ("started", 200),
        ("body", (b"tick 0\n", True)),
        ("body", (b"tick 1\n", True)),
    ]
    # Unset, nobody is told.
    await inprocess.call(streaming_app(2, 0.0), scope("/ticks"), b"", timeout=5)
    assert len(recorder.seen) == 3


def cleanup_app() -> FastAPI:
    app = FastAPI()

    async def resource() -> AsyncIterator[str]:
        yield "connection"
        await asyncio.sleep(0.05)  # closing it, after the response

    def note(what: str) -> None:
        time.sleep(0.05)  # a plain def task: run in a worker thread

    @app.get("/cleanup")
    async def with_cleanup(held: Annotated[str, Depends(resource)]) -> dict[str, str]:
        return {"held": held}

    @app.get("/threaded")
    async def threaded(tasks: BackgroundTasks) -> dict[str, str]:
        tasks.add_task(note, "x")
        return {"queued": "x"}

    return app


@pytest.mark.anyio
async def test_cleanup_after_the_response_is_no_background_task() -> None:
    reply = await inprocess.call(cleanup_app(), scope("/cleanup"), b"", timeout=5)
    assert reply.status == 200 and reply.after_response is None


@pytest.mark.anyio
async def test_a_plain_def_task_run_in_a_thread_is_a_background_task() -> None:
    reply = await inprocess.call(cleanup_app(), scope("/threaded"), b"", timeout=5)
    assert isinstance(reply.after_response, float) and reply.after_response >= 40
