from __future__ import annotations

import re

import pytest

from kb.content import wsblocks
from kb.content.variables import UnknownVariable
from kb.content.wsblocks import Close, Expect, MessageAssert, Send, WebSocketBlockError

CHAT = """\
# say hello, then leave
WS /ws/chat?token=ann-token
Origin: http://testserver

> {"text": "hi"}
< {"from": "ann", "text": "hi"}
> {"text": "bye"}
< *
jsonpath "$.text" == "bye"
jsonpath "$.at" exists
close 1000
"""


def test_a_conversation_parses_into_its_steps_with_their_lines() -> None:
    block = wsblocks.parse(CHAT, line=10)
    assert block.path == "/ws/chat?token=ann-token"
    assert block.headers == (("Origin", "http://testserver"),)
    assert block.steps == (
        Send('{"text": "hi"}', 4),
        Expect('{"from": "ann", "text": "hi"}', 5),
        Send('{"text": "bye"}', 6),
        Expect(
            "*",
            7,
            (MessageAssert("$.text", "==", "bye"), MessageAssert("$.at", "exists")),
        ),
        Close(1000, 10),
    )
    assert block.line == 10
    assert block.line_of(block.steps[1]) == 16  # fence at 10, content from 11
    assert block.source == CHAT


def test_a_close_may_name_its_reason() -> None:
    block = wsblocks.parse('WS /ws\nclose 1008 "invalid token"')
    assert block.steps == (Close(1008, 1, "invalid token"),)
    assert block.steps[0].describe() == 'close 1008 "invalid token"'  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("", 0, "empty WebSocket block"),
        ("GET /ws\n> hi", 0, "expected 'WS /path'"),
        ("WS ws\n> hi", 0, "must start with a single '/'"),
        ("WS /ws", 0, "needs at least one"),
        ("WS /ws\n>", 1, "'>' needs the message"),
        ("WS /ws\n<  ", 1, "'<' needs the expected message"),
        ('WS /ws\njsonpath "$.a" == 1', 1, "put it after a '<' line"),
        ('WS /ws\n> a\njsonpath "$.a" == 1', 2, "put it after a '<' line"),
        ('WS /ws\n< *\njsonpath "$.a" == one', 2, "must be JSON"),
        ('WS /ws\n< *\njsonpath "a" == 1', 2, "starts with '$'"),
        ("WS /ws\nclose 1006", 1, "not a code an app closes with"),
        ("WS /ws\nclose 1000\n> late", 2, "nothing can follow 'close'"),
        ("WS /ws\nclose 1000 'why'", 1, "expected '> message'"),
        ("WS /ws\nhello", 1, "expected '> message' (send)"),
    ],
)
def test_what_does_not_parse_says_why_and_where(text: str, line: int, message: str) -> None:
    with pytest.raises(WebSocketBlockError, match=re.escape(message)) as caught:
        wsblocks.parse(text)
    assert caught.value.line == line


@pytest.mark.parametrize(
    ("expected", "received"),
    [
        ('{"a": 1, "b": [true]}', '{"b":[true],"a":1}'),
        ("42", "42.0"),
        ("hello there", "hello there"),
        ("*", "anything"),
        ("*", b"\x00\xff"),
        ('{"a": 1}', b'{"a": 1}'),
    ],
)
def test_messages_that_match(expected: str, received: str | bytes) -> None:
    assert Expect(expected, 0).mismatch(received) is None


@pytest.mark.parametrize(
    ("expected", "received", "why"),
    [
        ('{"a": 1}', '{"a": true}', 'expected {"a": 1}, got \'{"a": true}\''),
        ('{"a": 1}', "a: 1", "expected {\"a\": 1}, got 'a: 1'"),
        ("hello", "Hello", "expected 'hello', got 'Hello'"),
        ('{"a": 1}', b"\xff", 'expected {"a": 1}, got a binary message of 1 bytes'),
    ],
)
def test_messages_that_do_not_match_say_what_came(
    expected: str, received: str | bytes, why: str
) -> None:
    assert Expect(expected, 0).mismatch(received) == why


def test_assertions_check_the_message_received() -> None:
    step = Expect("*", 0, (MessageAssert("$.n", "==", 2), MessageAssert("$.m", "!=", None)))
    assert step.mismatch('{"n": 2, "m": 1}') is None
    assert step.mismatch('{"n": 3, "m": 1}') == 'jsonpath "$.n" == 2: got 3'
    assert step.mismatch('{"n": 2}') == 'jsonpath "$.m" != null: nothing there'
    assert step.mismatch("plain") == "the assertions need a JSON message, got 'plain'"


def test_json_equality_tells_booleans_from_numbers() -> None:
    assert wsblocks.same_json({"a": [1, 2.0]}, {"a": [1.0, 2]})
    assert not wsblocks.same_json(True, 1)
    assert not wsblocks.same_json([0], [False])
    assert not wsblocks.same_json("1", 1)
    assert not wsblocks.same_json({"a": 1}, {"a": 1, "b": 2})


def test_the_players_data_has_every_step_and_split_paths() -> None:
    data = wsblocks.parse(CHAT).to_json()
    assert data["path"] == "/ws/chat?token=ann-token"
    assert data["headers"] == [["Origin", "http://testserver"]]
    assert data["steps"][0] == {"send": '{"text": "hi"}'}
    assert data["steps"][1]["expect"] == '{"from": "ann", "text": "hi"}'
    assert data["steps"][1]["json"] is True
    assert data["steps"][3]["asserts"][0] == {
        "text": 'jsonpath "$.text" == "bye"',
        "path": ["text"],
        "op": "==",
        "value": "bye",
    }
    assert data["steps"][4] == {"close": 1000, "reason": None}
    assert data["variables"] == []


def test_captured_values_fill_the_path_headers_messages_and_expectations() -> None:
    block = wsblocks.parse(
        "WS /ws/echo?token={{token}}\n"
        "X-User: {{user}}\n"
        '> {"text": "hi {{user}}"}\n'
        '< {"from": "{{user}}", "id": {{id}}}\n'
        'jsonpath "$.from" == "{{user}}"\n'
        "close 1000\n"
    )
    assert block.variables == ["token", "user", "id"]
    assert block.to_json()["variables"] == ["token", "user", "id"]
    filled = block.with_values({"token": "t-ann", "user": "ann", "id": "7"})
    assert filled.path == "/ws/echo?token=t-ann"
    assert filled.headers == (("X-User", "ann"),)
    send, expect, close = filled.steps
    assert isinstance(send, Send) and send.text == '{"text": "hi ann"}'
    assert isinstance(expect, Expect) and expect.as_json == (True, {"from": "ann", "id": 7})
    assert expect.mismatch('{"id": 7, "from": "ann"}') is None
    assert expect.asserts[0].expected == "ann"
    assert close == block.steps[2] and filled.line == block.line and filled.source == block.source
    with pytest.raises(UnknownVariable) as caught:
        block.with_values({"token": "t-ann"})
    assert caught.value.name == "user"


def test_a_block_without_variables_is_played_as_it_is() -> None:
    block = wsblocks.parse(CHAT)
    assert block.variables == [] and block.with_values({}) is block
