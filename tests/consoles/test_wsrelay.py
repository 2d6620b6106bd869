import asyncio
from typing import Any

import pytest
from starlette.types import Receive, Scope, Send

from kb.consoles import inprocess, websocket, wsrelay
from kb.consoles.wsrelay import Command, Event, Handshake, Leave, Say
from kb.content.wsblocks import WebSocketBlock
from kb.sandbox import examples
from tests.consoles.conftest import MOUNT


class Reader:
    """The page's side: each command goes once the relay has said that many events, as a
    reader acts on what they see; None (the reader leaves) once the script is done."""

    def __init__(self, *script: tuple[int, Command | None]) -> None:
        self.script = list(script)
        self.events: list[Event] = []
        self.handshakes: list[Handshake] = []
        self._said = asyncio.Event()

    async def emit(self, event: Event) -> None:
        self.events.append(event)
        self._said.set()

    async def next_command(self) -> Command | None:
        if not self.script:
            await asyncio.Event().wait()  # stays on the page until the example ends it
        after, command = self.script.pop(0)
        while len(self.events) < after:
            self._said.clear()
            await self._said.wait()
        return command


async def relayed(
    app: Any,
    path: str,
    reader: Reader,
    headers: tuple[tuple[str, str], ...] = (),
    timeout: float = 2.0,
) -> inprocess.Failure | None:
    scope = websocket.build_scope(WebSocketBlock(path, (), headers), MOUNT)
    return await wsrelay.relay(
        app,
        scope,
        reader.emit,
        reader.next_command,
        timeout=timeout,
        on_handshake=reader.handshakes.append,
    )


@pytest.mark.anyio
async def test_a_conversation_is_relayed_both_ways_until_the_reader_closes(
    greeter: examples.RunningApp,
) -> None:
    reader = Reader((1, Say("hi")), (2, Say("again")), (3, Leave(3000, "done here")))
    assert await relayed(greeter, "/ws/echo?token=t-ann", reader) is None
    assert reader.events == [
        {"event": "accepted", "subprotocol": None},
        {"event": "received", "text": '{"from":"ann","text":"hi","count":1}'},
        {"event": "received", "text": '{"from":"ann","text":"again","count":2}'},
        {"event": "closed", "code": 3000, "reason": "done here"},
    ]
    assert greeter.app.state.left == "t-ann"  # the example heard the reader go
    assert reader.handshakes == [Handshake(True, ())]


@pytest.mark.anyio
async def test_the_example_closing_ends_the_conversation(greeter: examples.RunningApp) -> None:
    reader = Reader((1, Say("bye")))
    assert await relayed(greeter, "/ws/echo?token=t-ann", reader) is None
    assert reader.events[-1] == {"event": "closed", "code": 1000, "reason": "see you"}


@pytest.mark.anyio
async def test_a_refused_handshake_is_told_with_its_code_and_reason(
    greeter: examples.RunningApp,
) -> None:
    reader = Reader()
    assert await relayed(greeter, "/ws/echo?token=nope", reader) is None
    assert reader.events == [{"event": "refused", "code": 1008, "reason": "invalid token"}]
    assert reader.handshakes == [Handshake(False)]
    unknown = Reader()
    await relayed(greeter, "/ws/nowhere", unknown)
    assert unknown.events == [{"event": "refused", "code": 1000, "reason": ""}]


@pytest.mark.anyio
async def test_the_headers_reach_the_example(greeter: examples.RunningApp) -> None:
    reader = Reader()
    await relayed(greeter, "/ws/whoami", reader, headers=(("Cookie", "sid=s-ann"),))
    assert reader.events[1] == {"event": "received", "text": '{"sid":"s-ann"}'}


@pytest.mark.anyio
async def test_the_reader_leaving_the_page_is_a_going_away(
    greeter: examples.RunningApp,
) -> None:
    reader = Reader((1, Say("hi")), (2, None))
    assert await relayed(greeter, "/ws/echo?token=t-leaver", reader) is None
    assert [event["event"] for event in reader.events] == ["accepted", "received"]
    assert greeter.app.state.left == "t-leaver"


@pytest.mark.anyio
async def test_an_exception_in_the_example_closes_with_1011_and_is_told(
    greeter: examples.RunningApp,
) -> None:
    reader = Reader((1, Say("boom")))
    failure = await relayed(greeter, "/ws/echo?token=t-a", reader)
    assert failure is not None and failure.type == "RuntimeError"
    assert reader.events[1] == {"event": "closed", "code": 1011, "reason": ""}
    assert reader.events[2]["event"] == "failed"
    assert reader.events[2]["message"].startswith("RuntimeError: the socket broke (")
    assert "greeter.py:" in reader.events[2]["message"]


@pytest.mark.anyio
async def test_a_handshake_answered_with_http_and_a_binary_message() -> None:
    async def denier(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.http.response.start", "status": 401, "headers": []})
        await send({"type": "websocket.http.response.body", "body": b"no ", "more_body": True})
        await send({"type": "websocket.http.response.body", "body": b"entry"})

    async def binary(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.accept", "headers": [(b"set-cookie", b"seen=1; Path=/")]})
        await send({"type": "websocket.send", "bytes": b"\x00\x01"})
        await send({"type": "websocket.close", "code": 1000})

    denied = Reader()
    await relayed(denier, "/ws", denied)
    assert denied.events == [{"event": "denied", "status": 401, "body": "no entry"}]
    played = Reader()
    await relayed(binary, "/ws", played)
    assert played.events[1:] == [
        {"event": "received", "binary": 2},
        {"event": "closed", "code": 1000, "reason": ""},
    ]
    assert played.handshakes == [Handshake(True, (("set-cookie", "seen=1; Path=/"),))]


@pytest.mark.anyio
async def test_a_handshake_never_answered_fails_and_the_example_is_cancelled() -> None:
    cancelled = []

    async def silent(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        try:
            await asyncio.sleep(60)
        finally:
            cancelled.append(True)

    reader = Reader()
    await relayed(silent, "/ws", reader, timeout=0.05)
    assert reader.events == [{"event": "failed", "message": "No answer within 0.05 s."}]
    assert cancelled == [True]


@pytest.mark.anyio
async def test_an_app_that_ends_without_answering_is_refused_as_a_server_refuses_it() -> None:
    async def quitter(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()

    async def raiser(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        raise LookupError("no such room")

    # Nothing more can come from an app that has returned: no wait for a denial's body.
    async with asyncio.timeout(10):
        reader = Reader()
        await relayed(quitter, "/ws", reader, timeout=60)
        assert reader.events == [{"event": "denied", "status": 403, "body": ""}]
        raised = Reader()
        failure = await relayed(raiser, "/ws", raised, timeout=60)
    assert failure is not None and failure.short.startswith("LookupError: no such room")
    assert raised.events[0] == {"event": "denied", "status": 500, "body": ""}
    assert raised.events[1]["message"].startswith("LookupError: no such room")
