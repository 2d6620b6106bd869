"""The WebSocket chat with more than one client: broadcasts, leaving, and a slow client."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from fastapi.testclient import TestClient

from examples import websocket_chat
from examples.websocket_chat import Rooms, create_app


def test_everyone_in_the_room_hears_a_message_and_who_left() -> None:
    with (
        TestClient(create_app()) as client,
        client.websocket_connect("/ws/lobby?token=ann-token") as ann,
    ):
        assert ann.receive_json()["members"] == ["ann"]
        with client.websocket_connect("/ws/lobby", headers={"cookie": "session=bob-token"}) as bob:
            joined = {"type": "joined", "user": "bob", "members": ["ann", "bob"]}
            assert ann.receive_json() == joined
            assert bob.receive_json() == joined
            bob.send_json({"text": "hi ann"})
            said = {"type": "message", "from": "bob", "text": "hi ann"}
            assert ann.receive_json() == said
            assert bob.receive_json() == said
            assert client.get("/rooms/lobby").json()["members"] == ["ann", "bob"]
            # Closed inside the block: leaving it would also cancel bob's handler.
            bob.close(1001)
            assert ann.receive_json() == {"type": "left", "user": "bob", "members": ["ann"]}
        assert client.get("/rooms/lobby").json()["members"] == ["ann"]
        # Another room hears nothing of the lobby.
        assert client.get("/rooms/garden").json() == {"room": "garden", "members": []}


class Socket:
    """Stands in for a WebSocket: records what it is sent, or takes forever to send."""

    def __init__(self, slow: bool = False) -> None:
        self.slow = slow
        self.sent: list[dict[str, Any]] = []

    async def send_json(self, message: dict[str, Any]) -> None:
        if self.slow:
            await asyncio.sleep(60)
        self.sent.append(message)


@pytest.mark.anyio
async def test_a_slow_client_is_dropped_instead_of_holding_up_the_room(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(websocket_chat, "SEND_TIMEOUT", 0.05)
    rooms = Rooms()
    fast, slow = Socket(), Socket(slow=True)
    rooms.sockets["lobby"] = {fast: "ann", slow: "bob"}  # type: ignore[dict-item]
    await asyncio.wait_for(rooms.broadcast("lobby", {"text": "hi"}), timeout=1)
    assert fast.sent == [{"text": "hi"}]
    assert rooms.members("lobby") == ["ann"]
    assert not rooms.is_in("lobby", slow)  # type: ignore[arg-type]
