import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketTestSession
from starlette.websockets import WebSocketDisconnect

from kb.app import create_app
from kb.consoles.wsrelay import Leave, Say
from kb.sandbox import mount
from kb.settings import Settings
from kb.web.trysocket import RelayInputError, parse_command, parse_open, same_origin
from tests.web.test_tryit import send

SAME_ORIGIN = {"Origin": "http://testserver"}


def opened(
    session: WebSocketTestSession, path: str, headers: list[list[str]] | None = None
) -> None:
    session.send_text(json.dumps({"open": {"path": path, "headers": headers or []}}))


def said(session: WebSocketTestSession, **command: Any) -> None:
    session.send_text(json.dumps(command))


def test_an_open_message_gives_the_path_and_headers() -> None:
    text = json.dumps(
        {"open": {"path": "/ws?ticket=a", "headers": [["Origin", " https://evil.example "]]}}
    )
    assert parse_open(text) == ("/ws?ticket=a", (("Origin", "https://evil.example"),))
    assert parse_open('{"open": {"path": "/ws"}}') == ("/ws", ())


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("not json", "Each message must be a JSON object."),
        ("[1]", "Each message must be a JSON object."),
        ('{"send": "hi"}', 'The first message must be {"open"'),
        ('{"open": {"path": "ws"}}', "The path must start with a single “/”."),
        ('{"open": {"path": "//evil.example/ws"}}', "The path must start with a single “/”."),
        ('{"open": {"path": "/a b"}}', "The path must have no spaces"),
        ('{"open": {"path": "/ws", "headers": {"a": "b"}}}', "Headers must be a list"),
        ('{"open": {"path": "/ws", "headers": [["a"]]}}', "Each header must be [name, value]"),
        ('{"open": {"path": "/ws", "headers": [["a b", "c"]]}}', "'a b' is not a header name."),
        (
            '{"open": {"path": "/ws", "headers": [["a", "b\\r\\nX: y"]]}}',
            "The value of a has a line break",
        ),
    ],
)
def test_an_open_message_that_cannot_be_opened_says_why(text: str, why: str) -> None:
    with pytest.raises(RelayInputError) as caught:
        parse_open(text)
    assert str(caught.value).startswith(why)


def test_commands_are_messages_and_closes_as_a_page_may_send_them() -> None:
    assert parse_command('{"send": "{\\"a\\": 1}"}') == Say('{"a": 1}')
    assert parse_command('{"close": {"code": 4000, "reason": "bye"}}') == Leave(4000, "bye")
    assert parse_command('{"close": {}}') == Leave(1000, "")
    with pytest.raises(RelayInputError, match="1000 or from 3000 to 4999"):
        parse_command('{"close": {"code": 1011}}')
    with pytest.raises(RelayInputError, match="at most 123 bytes"):
        parse_command(json.dumps({"close": {"code": 1000, "reason": "é" * 62}}))
    with pytest.raises(RelayInputError, match=r'Send \{"send"'):
        parse_command('{"send": 1}')


def test_only_a_page_of_this_kb_may_open_the_relay() -> None:
    assert same_origin("http://kb.example:8000", "kb.example:8000")
    assert same_origin("https://KB.example", "kb.example")
    assert not same_origin("https://evil.example", "kb.example")
    assert not same_origin("null", "kb.example")
    assert not same_origin("", "kb.example")


def test_a_handshake_from_another_site_is_refused(site_client: TestClient) -> None:
    for headers in ({"Origin": "https://evil.example"}, {}):
        with (
            pytest.raises(WebSocketDisconnect) as caught,
            site_client.websocket_connect("/try/greeting/ws", headers=headers),
        ):
            pass
        assert caught.value.code == 1008


def test_a_conversation_through_the_relay(site_client: TestClient) -> None:
    with site_client.websocket_connect("/try/greeting/ws", headers=SAME_ORIGIN) as session:
        opened(session, "/ws/echo?token=t-ann")
        assert session.receive_json()["event"] == "opening"
        assert session.receive_json() == {"event": "accepted", "subprotocol": None}
        said(session, send="hi")
        assert session.receive_json() == {
            "event": "received",
            "text": '{"from":"ann","text":"hi","count":1}',
        }
        said(session, nonsense=True)
        assert session.receive_json()["message"].startswith('Send {"send": "text"}')
        said(session, close={"code": 1000, "reason": "done"})
        assert session.receive_json() == {"event": "closed", "code": 1000, "reason": "done"}
        with pytest.raises(WebSocketDisconnect) as caught:
            session.receive_json()
        assert caught.value.code == 1000
    counted = 'kb_requests_total{method="WEBSOCKET",route="/try/{slug}/ws",status="101"} 1.0'
    assert counted in site_client.get("/metrics").text


def test_a_refusal_is_told_with_the_examples_code(site_client: TestClient) -> None:
    with site_client.websocket_connect("/try/greeting/ws", headers=SAME_ORIGIN) as session:
        opened(session, "/ws/echo?token=nope")
        assert session.receive_json()["event"] == "opening"
        assert session.receive_json() == {
            "event": "refused",
            "code": 1008,
            "reason": "invalid token",
        }


def test_the_block_headers_and_the_readers_cookie_jar_reach_the_example(
    site_client: TestClient,
) -> None:
    with site_client.websocket_connect("/try/greeting/ws", headers=SAME_ORIGIN) as session:
        opened(session, "/ws/whoami", [["Cookie", "sid=s-own"]])
        assert session.receive_json()["event"] == "opening"
        assert session.receive_json()["event"] == "accepted"
        assert session.receive_json()["text"] == '{"sid":"s-own"}'
    # A console's request sets the session cookie in this reader's jar for the entry.
    login = send(
        site_client,
        block="5",
        path="/session",
        headers="Content-Type: application/x-www-form-urlencoded",
        body="username=ann",
    )
    assert "200 OK" in login.text
    with site_client.websocket_connect("/try/greeting/ws", headers=SAME_ORIGIN) as session:
        opened(session, "/ws/whoami")
        assert session.receive_json() == {
            "event": "opening",
            "path": "/examples/greeting/ws/whoami",
            "headers": [["Origin", "http://testserver"]],
            "cookies": ["sid", "theme"],
        }
        session.receive_json()
        assert session.receive_json()["text"] == '{"sid":"s-ann"}'


def test_what_cannot_be_opened_is_told_and_the_relay_closes(site_client: TestClient) -> None:
    cases = [
        ("/try/nope/ws", "/ws", "There is no such pattern."),
        ("/try/greeting/ws", "ws", "The path must start with a single “/”."),
    ]
    for url, path, message in cases:
        with site_client.websocket_connect(url, headers=SAME_ORIGIN) as session:
            opened(session, path)
            assert session.receive_json() == {"event": "failed", "message": message}
            with pytest.raises(WebSocketDisconnect):
                session.receive_json()


def test_an_exception_in_the_example_is_told_and_logged(
    site_client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with (
        caplog.at_level(logging.ERROR, logger="kb"),
        site_client.websocket_connect("/try/greeting/ws", headers=SAME_ORIGIN) as session,
    ):
        opened(session, "/ws/echo?token=t-a")
        assert session.receive_json()["event"] == "opening"
        session.receive_json()
        said(session, send="boom")
        assert session.receive_json() == {"event": "closed", "code": 1011, "reason": ""}
        failed = session.receive_json()
        assert failed["message"].startswith("RuntimeError: the socket broke (")
    assert "example greeting raised in the WebSocket /ws/echo?token=t-a" in caplog.text
    assert "RuntimeError: the socket broke" in caplog.text


@pytest.fixture
def limited_client(site_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(site_settings.model_copy(update={"rate_limit_try": 1}))) as client:
        client.get("/healthz?wait=true")
        client.get("/")
        yield client


def test_each_conversation_counts_against_the_consoles_rate_limit(
    limited_client: TestClient,
) -> None:
    with limited_client.websocket_connect("/try/greeting/ws", headers=SAME_ORIGIN) as session:
        opened(session, "/ws/echo?token=t-a")
        assert session.receive_json()["event"] == "opening"
        assert session.receive_json()["event"] == "accepted"
    with limited_client.websocket_connect("/try/greeting/ws", headers=SAME_ORIGIN) as session:
        opened(session, "/ws/echo?token=t-a")
        refused = session.receive_json()
    assert refused["event"] == "failed"
    assert refused["message"].startswith("Too many")


def test_a_client_holds_a_bounded_number_of_relays(
    site_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mount, "MAX_SOCKETS_PER_CLIENT", 1)
    with site_client.websocket_connect("/try/greeting/ws", headers=SAME_ORIGIN) as first:
        opened(first, "/ws/echo?token=t-a")
        assert first.receive_json()["event"] == "opening"
        assert first.receive_json()["event"] == "accepted"
        with (
            site_client.websocket_connect("/try/greeting/ws", headers=SAME_ORIGIN) as second,
            pytest.raises(WebSocketDisconnect) as caught,
        ):
            second.receive_json()
        assert caught.value.code == 1013
        assert "at most 1 at once" in caught.value.reason
    with site_client.websocket_connect("/try/greeting/ws", headers=SAME_ORIGIN) as third:
        opened(third, "/ws/echo?token=t-a")
        assert third.receive_json()["event"] == "opening"
        assert third.receive_json()["event"] == "accepted"
