"""The WebSocket chat with more than one client: broadcasts, leaving, and a slow client."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from examples import websocket_chat
from examples.websocket_chat import Rooms, create_app


def ticket(client: TestClient, token: str = "ann-token") -> str:
    response = client.post("/tickets", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    value: str = response.json()["ticket"]
    return value


def test_everyone_in_the_room_hears_a_message_and_who_left() -> None:
    with (
        TestClient(create_app()) as client,
        client.websocket_connect(f"/ws/lobby?ticket={ticket(client)}") as ann,
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


def test_a_ticket_opens_one_socket_and_only_for_a_while(monkeypatch: pytest.MonkeyPatch) -> None:
    with TestClient(create_app()) as client:
        first = ticket(client)
        with client.websocket_connect(f"/ws/lobby?ticket={first}") as ann:
            assert ann.receive_json()["user"] == "ann"
        for refused in (f"/ws/lobby?ticket={first}", "/ws/lobby?ticket=forged", "/ws/lobby"):
            with pytest.raises(WebSocketDisconnect) as caught, client.websocket_connect(refused):
                pass
            assert (caught.value.code, caught.value.reason) == (1008, "not authenticated")
        issued = client.post("/tickets", headers={"Authorization": "Bearer bob-token"})
        assert issued.json()["expires_in"] == 30
        monkeypatch.setattr(websocket_chat, "TICKET_SECONDS", 0)  # expired as soon as made
        late = ticket(client, "bob-token")
        with (
            pytest.raises(WebSocketDisconnect),
            client.websocket_connect(f"/ws/lobby?ticket={late}"),
        ):
            pass


def test_another_sites_page_is_refused_before_its_ticket_is_spent() -> None:
    with TestClient(create_app()) as client:
        good = ticket(client)
        evil = {"origin": "https://evil.example"}
        with (
            pytest.raises(WebSocketDisconnect) as caught,
            client.websocket_connect(f"/ws/lobby?ticket={good}", headers=evil),
        ):
            pass
        assert caught.value.reason == "cross-origin"
        with client.websocket_connect(f"/ws/lobby?ticket={good}") as ann:
            assert ann.receive_json()["user"] == "ann"


def test_only_an_api_token_gets_a_ticket() -> None:
    with TestClient(create_app()) as client:
        for headers in ({}, {"Authorization": "Bearer forged"}, {"Authorization": "ann-token"}):
            refused = client.post("/tickets", headers=headers)
            assert refused.status_code == 401 and refused.json() == {"detail": "invalid token"}
            assert refused.headers["www-authenticate"] == 'Bearer error="invalid_token"'


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
