"""A build server that streams: its log as plain text, its progress as Server-Sent Events.

Run alone: ``uvicorn --factory examples.streaming_and_sse:create_app --reload``, then
``curl -N localhost:8000/builds/7/events`` to watch the events arrive.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, FastAPI, Header, HTTPException, Query, Request
from fastapi.responses import StreamingResponse
from fastapi.sse import EventSourceResponse, ServerSentEvent
from pydantic import BaseModel


@dataclass(frozen=True)
class Build:
    id: int
    steps: tuple[str, ...]
    fails_at: str | None = None  # the step that fails, if one does


BUILDS = {
    7: Build(7, ("checkout", "install", "test", "package", "publish")),
    8: Build(8, ("checkout", "install", "test", "package", "publish"), fails_at="test"),
}


class Progress(BaseModel):
    step: str
    number: int
    of: int


class Outcome(BaseModel):
    status: str  # "passed" or "failed"
    failed_step: str | None = None


# A pause between steps, so that the stream is seen arriving; a reader can change it.
Pace = Annotated[float, Query(ge=0, le=2, description="Seconds between steps")]


async def get_build(build_id: int) -> Build:
    """Everything that can refuse the request does so here, before the stream starts:
    once the first byte is out, the status is 200 and cannot change."""
    build = BUILDS.get(build_id)
    if build is None:
        raise HTTPException(status_code=404, detail=f"no build {build_id}")
    return build


def create_app() -> FastAPI:
    app = FastAPI(title="Streaming and Server-Sent Events")

    @app.get("/builds/{build_id}/events", response_class=EventSourceResponse)
    async def build_events(
        build: Annotated[Build, Depends(get_build)],
        request: Request,
        last_event_id: Annotated[int | None, Header()] = None,
        pace: Pace = 0.2,
    ) -> AsyncIterable[ServerSentEvent]:
        # A reconnecting EventSource sends the id of the last event it received.
        start = last_event_id or 0
        if start == 0:
            # Tells the browser to wait 2 s before reconnecting after a drop.
            yield ServerSentEvent(comment=f"build {build.id}", retry=2000)
        for number, step in enumerate(build.steps, start=1):
            if number <= start:
                continue
            if await request.is_disconnected():
                return  # nobody is listening: stop working for them
            await asyncio.sleep(pace)
            if step == build.fails_at:
                outcome = Outcome(status="failed", failed_step=step)
                yield ServerSentEvent(data=outcome, event="done", id=str(number))
                return
            progress = Progress(step=step, number=number, of=len(build.steps))
            yield ServerSentEvent(data=progress, event="progress", id=str(number))
        outcome = Outcome(status="passed")
        yield ServerSentEvent(data=outcome, event="done", id=str(len(build.steps) + 1))

    @app.get("/builds/{build_id}/log")
    async def build_log(
        build: Annotated[Build, Depends(get_build)], pace: Pace = 0.2
    ) -> StreamingResponse:
        async def lines() -> AsyncIterator[str]:
            # Each line is produced when the server asks for the next one, so a slow
            # client slows the generator down instead of filling the server's memory.
            for number, step in enumerate(build.steps, start=1):
                await asyncio.sleep(pace)
                if step == build.fails_at:
                    yield f"[{number}/{len(build.steps)}] {step}: FAILED\n"
                    return
                yield f"[{number}/{len(build.steps)}] {step}: ok\n"

        return StreamingResponse(lines(), media_type="text/plain")

    return app
