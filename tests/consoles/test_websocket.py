import asyncio

import pytest
from starlette.types import Message, Receive, Scope, Send

from kb.consoles import websocket
from kb.content import wsblocks
from kb.sandbox import examples
from tests.consoles.conftest import MOUNT


async def play(app: examples.RunningApp, text: str, timeout: float = 2.0) -> list[str]:
    """The failures of the block ``text``, each with its step's line in the block."""
    conversation = await websocket.converse(app, MOUNT, wsblocks.parse(text), timeout=timeout)
    return [
        f"{step.line if step is not None else '-'}: {message}"
        for step, message in conversation.failures
    ]


@pytest.mark.anyio
async def test_a_conversation_that_goes_as_written_has_no_failures(
    greeter: examples.RunningApp,
) -> None:
    block = wsblocks.parse(
        "WS /ws/echo?token=t-ann\n"
        "> hi\n"
        '< {"from": "ann", "text": "hi", "count": 1}\n'
        "> again\n"
        "< *\n"
        'jsonpath "$.count" == 2\n'
        "> bye\n"
        'close 1000 "see you"\n'
    )
    conversation = await websocket.converse(greeter, MOUNT, block)
    assert conversation.failures == []
    assert [(e.kind, e.text, e.code) for e in conversation.events] == [
        ("accepted", "", None),
        ("sent", "hi", None),
        ("received", '{"from":"ann","text":"hi","count":1}', None),
        ("sent", "again", None),
        ("received", '{"from":"ann","text":"again","count":2}', None),
        ("sent", "bye", None),
        ("closed", "see you", 1000),
    ]
    times = [event.at_ms for event in conversation.events]
    assert times == sorted(times)
    assert "> hi" in conversation.transcript()
    assert "closed 1000 see you" in conversation.transcript()


@pytest.mark.anyio
async def test_the_example_sees_its_mount_and_a_browsers_origin(
    greeter: examples.RunningApp,
) -> None:
    scope = websocket.build_scope(wsblocks.parse("WS /ws/echo?token=t-a\n> x"), MOUNT)
    assert (scope["type"], scope["scheme"]) == ("websocket", "ws")
    assert (scope["path"], scope["root_path"]) == ("/examples/greeting/ws/echo", MOUNT)
    assert scope["query_string"] == b"token=t-a"
    assert (b"origin", b"http://testserver") in scope["headers"]
    assert "method" not in scope
    own = websocket.build_scope(
        wsblocks.parse("WS /ws\nOrigin: https://evil.example\nSec-WebSocket-Protocol: a, b\n> x"),
        MOUNT,
        origin="https://kb.example",
    )
    assert own["scheme"] == "wss"
    assert [v for n, v in own["headers"] if n == b"origin"] == [b"https://evil.example"]
    assert own["subprotocols"] == ["a", "b"]


@pytest.mark.anyio
async def test_a_message_that_differs_is_named_and_the_conversation_goes_on(
    greeter: examples.RunningApp,
) -> None:
    failures = await play(
        greeter,
        "WS /ws/echo?token=t-ann\n"
        "> hi\n"
        '< {"from": "bob", "text": "hi", "count": 1}\n'
        "> again\n"
        "< *\n"
        'jsonpath "$.count" == 3\n',
    )
    assert failures == [
        '2: expected {"from": "bob", "text": "hi", "count": 1}, '
        'got \'{"from":"ann","text":"hi","count":1}\'',
        '4: jsonpath "$.count" == 3: got 2',
    ]


@pytest.mark.anyio
async def test_a_refused_connection_matches_its_close_code(
    greeter: examples.RunningApp,
) -> None:
    assert await play(greeter, 'WS /ws/echo?token=nope\nclose 1008 "invalid token"') == []
    assert await play(greeter, "WS /ws/echo?token=nope\nclose 1000") == [
        "1: expected close 1000: the example refused the connection with 1008 (invalid token)"
    ]
    assert await play(greeter, "WS /ws/echo?token=nope\n> hi\n< hi") == [
        "1: could not send hi: the example refused the connection with 1008 (invalid token)"
    ]


@pytest.mark.anyio
async def test_an_unknown_path_is_refused_as_the_router_refuses_it(
    greeter: examples.RunningApp,
) -> None:
    assert await play(greeter, "WS /ws/nowhere\n> hi") == [
        "1: could not send hi: the example refused the connection with 1000"
    ]


@pytest.mark.anyio
async def test_a_message_that_never_comes_times_out(greeter: examples.RunningApp) -> None:
    failures = await play(greeter, "WS /ws/echo?token=t-a\n> quiet\n< hi", timeout=0.05)
    assert failures == ["2: expected hi, nothing came within 0.05 s"]


@pytest.mark.anyio
async def test_a_close_where_a_message_was_expected(greeter: examples.RunningApp) -> None:
    assert await play(greeter, "WS /ws/echo?token=t-a\n> bye\n< hi") == [
        "2: expected hi: the example closed the connection with 1000 (see you)"
    ]
    assert await play(greeter, "WS /ws/echo?token=t-a\n> hi\nclose 1000") == [
        '2: expected close 1000, got {"from":"a","text":"hi","count":1}'
    ]


@pytest.mark.anyio
async def test_an_exception_in_the_example_is_reported_with_its_line(
    greeter: examples.RunningApp,
) -> None:
    failures = await play(greeter, "WS /ws/echo?token=t-a\n> boom\n< hi\n")
    assert failures[0] == "2: expected hi: the example closed the connection with 1011"
    assert failures[1].startswith("2: the example raised RuntimeError: the socket broke (")
    assert "greeter.py:" in failures[1]


@pytest.mark.anyio
async def test_the_example_hears_the_client_leave(greeter: examples.RunningApp) -> None:
    assert await play(greeter, "WS /ws/echo?token=t-leaver\n> hi\n< *") == []
    assert greeter.app.state.left == "t-leaver"


@pytest.mark.anyio
async def test_an_example_that_hangs_is_cancelled() -> None:
    cancelled = []

    async def stubborn(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        try:
            while True:  # never reads the disconnect, never ends
                await asyncio.sleep(0.01)
        finally:
            cancelled.append(True)

    block = wsblocks.parse("WS /ws\n< hi")
    conversation = await websocket.converse(stubborn, MOUNT, block, timeout=0.05)
    assert [m for _, m in conversation.failures] == ["expected hi, nothing came within 0.05 s"]
    assert cancelled == [True]


@pytest.mark.anyio
async def test_a_handshake_answered_with_http_and_a_binary_message() -> None:
    async def denier(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.http.response.start", "status": 401, "headers": []})
        await send({"type": "websocket.http.response.body", "body": b"no"})

    async def binary(scope: Scope, receive: Receive, send: Send) -> None:
        message: Message = await receive()
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.send", "bytes": b"\x00\x01"})
        await send({"type": "websocket.close", "code": 1000})
        assert message["type"] == "websocket.connect"

    denied = await websocket.converse(denier, MOUNT, wsblocks.parse("WS /ws\nclose 1008"))
    assert [m for _, m in denied.failures] == [
        "expected close 1008: the example answered the handshake with HTTP 401"
    ]
    played = await websocket.converse(binary, MOUNT, wsblocks.parse("WS /ws\n< *\nclose 1000"))
    assert played.failures == []
    assert played.events[1].text == "(binary, 2 bytes)"
