"""A WebSocket conversation with an ASGI app in this process: how ``kb check`` plays a
```` ```websocket ```` block (:mod:`kb.content.wsblocks`).

The app is called as an ASGI server would call it for a WebSocket: ``websocket.connect``,
then the block's messages as ``websocket.receive``, and what the app sends is compared
with what the block expects. Nothing goes over a socket. Every wait has a timeout, so an
example that never answers fails the block instead of hanging the check.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import Literal

from starlette.types import ASGIApp, Message, Scope
from starlette.websockets import WebSocketDisconnect

from kb.consoles import inprocess
from kb.content.wsblocks import Close, Expect, Send, Step, WebSocketBlock

EventKind = Literal["accepted", "refused", "sent", "received", "closed"]
# How long the app may take to finish after the client has gone.
WIND_DOWN = 1.0


@dataclass(frozen=True)
class Event:
    """One thing that happened on the connection, ``at_ms`` after it was opened."""

    kind: EventKind
    at_ms: float
    text: str = ""  # a message, or why the connection was refused or closed
    code: int | None = None  # a close code, or the HTTP status of a refused handshake


@dataclass
class Conversation:
    block: WebSocketBlock
    events: list[Event] = field(default_factory=list)
    # Each failure with the step it belongs to (None: the handshake, before any step).
    failures: list[tuple[Step | None, str]] = field(default_factory=list)
    failure: inprocess.Failure | None = None  # an exception raised inside the example

    def transcript(self) -> str:
        """The conversation as a person reads it, one event a line."""
        arrows = {"sent": ">", "received": "<"}
        lines = []
        for event in self.events:
            when = f"{event.at_ms:7.1f} ms"
            if event.kind in arrows:
                lines.append(f"{when} {arrows[event.kind]} {event.text}")
            else:
                detail = f" {event.code}" if event.code is not None else ""
                reason = f" {event.text}" if event.text else ""
                lines.append(f"{when} {event.kind}{detail}{reason}")
        return "\n".join(lines)


def build_scope(block: WebSocketBlock, mount: str, *, origin: str = "http://testserver") -> Scope:
    """The scope of the handshake, as a browser on ``origin`` would open it."""
    headers = list(block.headers)
    names = {name.lower() for name, _ in headers}
    if "origin" not in names:
        headers.append(("Origin", origin))  # browsers always send it on a WebSocket
    protocols = [
        protocol.strip()
        for name, value in headers
        if name.lower() == "sec-websocket-protocol"
        for protocol in value.split(",")
        if protocol.strip()
    ]
    http = inprocess.build_scope(
        "GET", f"{mount}{block.path}", headers, b"", origin=origin, root_path=mount
    )
    scope = {key: value for key, value in http.items() if key != "method"}
    return {
        **scope,
        "type": "websocket",
        "scheme": "wss" if http["scheme"] == "https" else "ws",
        "subprotocols": protocols,
        # uvicorn offers it too: an app may answer the handshake with an HTTP response.
        "extensions": {"websocket.http.response": {}},
    }


async def converse(
    app: ASGIApp,
    mount: str,
    block: WebSocketBlock,
    *,
    origin: str = "http://testserver",
    timeout: float = 5.0,
) -> Conversation:
    """Open the block's WebSocket on ``app`` (mounted at ``mount``) and play its steps.

    ``timeout`` (seconds, 0: none) bounds each wait for the app: the handshake, each
    expected message, the expected close. A message that differs from the one expected
    is a failure and the conversation goes on; anything else that fails ends it.
    """
    conversation = Conversation(block)
    loop = asyncio.get_running_loop()
    started = loop.time()
    to_app: asyncio.Queue[Message] = asyncio.Queue()
    from_app: asyncio.Queue[Message | None] = asyncio.Queue()  # None: the app returned
    to_app.put_nowait({"type": "websocket.connect"})
    ending = Ending()

    def record(kind: EventKind, text: str = "", code: int | None = None) -> None:
        conversation.events.append(Event(kind, (loop.time() - started) * 1000, text, code))

    async def run() -> None:
        try:
            await app(build_scope(block, mount, origin=origin), to_app.get, from_app.put)
        except WebSocketDisconnect as exc:
            # An endpoint that reads in a loop, as FastAPI's tutorial writes one, hears the
            # client leave as this exception: after the client left, that is no failure.
            if not ending.client_left:
                conversation.failure = inprocess.Failure.of(exc, after_response=False)
        except Exception as exc:
            conversation.failure = inprocess.Failure.of(exc, after_response=False)
        finally:
            from_app.put_nowait(None)

    async def next_from_app(waiting_for: str) -> Message:
        try:
            async with asyncio.timeout(timeout or None):
                message = await from_app.get()
        except TimeoutError:
            raise _Stop(f"{waiting_for}, nothing came within {timeout:g} s") from None
        if message is None:
            # What an ASGI server does when the app returns or raises: HTTP 403 (500 on an
            # exception) before accepting, a close with 1000 (1011) after.
            failed = conversation.failure is not None
            if ending.accepted:
                return {"type": "websocket.close", "code": 1011 if failed else 1000}
            return {"type": "websocket.http.response.start", "status": 500 if failed else 403}
        return message

    def ended(message: Message) -> None:
        ending.took(message)
        record("closed" if ending.state == "closed" else "refused", ending.reason, ending.code)
        # An app that reads on after closing hears that the client has gone.
        ending.client_left = True
        to_app.put_nowait({"type": "websocket.disconnect", "code": ending.code})

    task = loop.create_task(run())
    step: Step | None = None
    try:
        handshake = await next_from_app("expected the example to accept the connection")
        if handshake["type"] == "websocket.accept":
            ending.accepted = True
            record("accepted", str(handshake.get("subprotocol") or ""))
        else:
            ended(handshake)
        for step in block.steps:
            if isinstance(step, Close):
                if ending.state == "open":
                    message = await next_from_app(f"expected {step.describe()}")
                    if message["type"] == "websocket.send":
                        record("received", _shown(message))
                        raise _Stop(f"expected {step.describe()}, got {_shown(message)}")
                    ended(message)
                if (why := ending.differs(step)) is not None:
                    conversation.failures.append((step, why))
                break
            if ending.state != "open":
                raise _Stop(ending.gone(step))
            if isinstance(step, Send):
                await to_app.put({"type": "websocket.receive", "text": step.text})
                record("sent", step.text)
                continue
            message = await next_from_app(f"expected {step.text}")
            if message["type"] != "websocket.send":
                ended(message)
                raise _Stop(ending.gone(step))
            record("received", _shown(message))
            if (why := step.mismatch(received_data(message))) is not None:
                conversation.failures.append((step, why))
    except _Stop as stop:
        conversation.failures.append((step, str(stop)))
    finally:
        if ending.state == "open" and not task.done():
            # The client leaves, as a browser leaving the page does ("going away").
            ending.client_left = True
            await to_app.put({"type": "websocket.disconnect", "code": 1001})
        await wind_down(task)
    if conversation.failure is not None:
        conversation.failures.append((step, f"the example raised {conversation.failure.short}"))
    return conversation


class _Stop(Exception):
    """The conversation cannot go on; the message says why."""


@dataclass
class Ending:
    """Whether the connection was accepted, and how it ended once it has."""

    accepted: bool = False
    # "refused": closed before it was accepted; "denied": answered with an HTTP response.
    state: Literal["open", "refused", "denied", "closed"] = "open"
    code: int = 0  # the close code, or the HTTP status of a denied handshake
    reason: str = ""
    client_left: bool = False  # the client said websocket.disconnect to the app

    def took(self, message: Message) -> None:
        if message["type"] == "websocket.http.response.start":
            self.state, self.code = "denied", int(message.get("status", 0))
            self.reason = "an HTTP response instead of a WebSocket"
            return
        self.state = "closed" if self.accepted else "refused"
        self.code = int(message.get("code", 1000))
        self.reason = str(message.get("reason") or "")

    def describe(self) -> str:
        because = f" ({self.reason})" if self.reason else ""
        if self.state == "denied":
            return f"the example answered the handshake with HTTP {self.code}"
        if self.state == "refused":
            return f"the example refused the connection with {self.code}{because}"
        return f"the example closed the connection with {self.code}{because}"

    def gone(self, step: Send | Expect) -> str:
        if isinstance(step, Expect):
            return f"expected {step.text}: {self.describe()}"
        return f"could not send {step.text}: {self.describe()}"

    def differs(self, step: Close) -> str | None:
        if self.state == "open":
            return f"expected {step.describe()}, the connection is still open"
        if self.state == "denied" or self.code != step.code:
            return f"expected {step.describe()}: {self.describe()}"
        if step.reason is not None and step.reason != self.reason:
            return f"expected {step.describe()}: {self.describe()}"
        return None


async def wind_down(task: asyncio.Task[None]) -> None:
    """Let the app finish after the client has gone; cancel it if it does not."""
    await asyncio.wait({task}, timeout=WIND_DOWN)
    if not task.done():
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def received_data(message: Message) -> str | bytes:
    if message.get("text") is not None:
        return str(message["text"])
    return bytes(message.get("bytes") or b"")


def _shown(message: Message) -> str:
    received = received_data(message)
    if isinstance(received, bytes):
        return f"(binary, {len(received)} bytes)"
    return received
