"""WebSocket blocks: a conversation with an entry's example, in a ```` ```websocket ```` fence.

Hurl has no WebSocket support, so this is a small grammar of our own (CONTRIBUTING.md
has the whole of it)::

    WS /ws/chat?token=ann-token
    > {"text": "hi"}
    < {"from": "ann", "text": "hi"}
    > {"text": "bye"}
    < *
    jsonpath "$.text" == "bye"
    close 1000

``>`` sends a text message, ``<`` expects the next message the example sends (compared
as JSON when the expected text is JSON, else as text), ``< *`` takes any one message,
``jsonpath`` lines assert on the message just received, and ``close CODE`` expects the
example to close the connection with that code. ``{{name}}`` in the path, a header value,
a message or an expected value is a value an earlier try block captured (a login's
token), filled in as the block is played.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from typing import Any, Literal, cast

from kb.content import jsonpath
from kb.content import variables as _variables

_REQUEST_LINE = re.compile(r"^WS\s+(?P<path>\S+)\s*$")
_HEADER = re.compile(r"^(?P<name>[A-Za-z0-9!#$%&'*+.^_`|~-]+):\s*(?P<value>.*)$")
_ASSERT = re.compile(
    r'^jsonpath\s+"(?P<query>[^"]+)"\s+(?:(?P<op>==|!=)\s+(?P<value>.+)|(?P<exists>exists))\s*$'
)
_CLOSE = re.compile(r"^close\s+(?P<code>\d{4})(?:\s+(?P<reason>\".*\"))?\s*$")
ANY = "*"  # ``< *``: any one message
# RFC 6455 7.4: 1004 is reserved, and 1005, 1006 and 1015 are never sent in a close frame.
SENDABLE_CLOSE_CODES = frozenset({1000, 1001, 1002, 1003, *range(1007, 1015)})


class WebSocketBlockError(ValueError):
    """A WebSocket block that does not parse; ``line`` is 0-based within the block."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class MessageAssert:
    """``jsonpath "$.from" == "ann"`` on the message just received."""

    query: str
    op: Literal["==", "!=", "exists"]
    expected: Any = None

    def describe(self) -> str:
        tail = "exists" if self.op == "exists" else f"{self.op} {json.dumps(self.expected)}"
        return f'jsonpath "{self.query}" {tail}'

    def check(self, document: Any) -> str | None:
        """None when it holds for ``document`` (the message as JSON), else why not."""
        try:
            actual = jsonpath.find(document, self.query)
        except jsonpath.NotFound:
            return f"{self.describe()}: nothing there"
        if self.op == "exists":
            return None
        holds = same_json(actual, self.expected) == (self.op == "==")
        return None if holds else f"{self.describe()}: got {json.dumps(actual)}"


@dataclass(frozen=True)
class Send:
    text: str
    line: int  # 0-based within the block


@dataclass(frozen=True)
class Expect:
    text: str  # the expected message, or ANY
    line: int
    asserts: tuple[MessageAssert, ...] = ()

    @property
    def as_json(self) -> tuple[bool, Any]:
        """(True, value) when the expected text is JSON, else (False, None)."""
        return _as_json(self.text)

    def mismatch(self, received: str | bytes) -> str | None:
        """None when ``received`` is the message expected, else what differs."""
        if isinstance(received, bytes):
            try:
                received = received.decode("utf-8")
            except UnicodeDecodeError:
                if self.text == ANY and not self.asserts:
                    return None
                return f"expected {self.text}, got a binary message of {len(received)} bytes"
        is_json, expected = self.as_json
        got_json, document = _as_json(received)
        if self.text != ANY:
            if is_json and not (got_json and same_json(document, expected)):
                return f"expected {self.text}, got {_shown(received)}"
            if not is_json and received != self.text:
                return f"expected {self.text!r}, got {_shown(received)}"
        if self.asserts and not got_json:
            return f"the assertions need a JSON message, got {_shown(received)}"
        for assertion in self.asserts:
            if (why := assertion.check(document)) is not None:
                return why
        return None


@dataclass(frozen=True)
class Close:
    code: int
    line: int
    reason: str | None = None  # None: any reason

    def describe(self) -> str:
        reason = f" {json.dumps(self.reason)}" if self.reason is not None else ""
        return f"close {self.code}{reason}"


Step = Send | Expect | Close


@dataclass(frozen=True)
class WebSocketBlock:
    path: str  # relative to the example's mount, starting with "/"
    steps: tuple[Step, ...]
    headers: tuple[tuple[str, str], ...] = ()
    line: int = 0  # 0-based line of the entry body where the block's fence opens
    source: str = ""  # the block as written, for display

    def line_of(self, step: Step) -> int:
        """The 0-based body line of ``step``."""
        return self.line + 1 + step.line

    @property
    def variables(self) -> list[str]:
        """Names the block uses as ``{{name}}`` (values captured by earlier try blocks),
        in order of first use: in the path, header values, messages and expected values."""
        texts = [self.path, *(value for _, value in self.headers)]
        for step in self.steps:
            if isinstance(step, Send | Expect):
                texts.append(step.text)
            if isinstance(step, Expect):
                texts += [a.expected for a in step.asserts if isinstance(a.expected, str)]
        return _variables.names("\n".join(texts))

    def with_values(self, values: dict[str, str]) -> WebSocketBlock:
        """The block with each ``{{name}}`` replaced by its value (``UnknownVariable``
        for the first without one), as it is played."""

        def fill(text: str) -> str:
            return _variables.substitute(text, values)

        def filled(step: Step) -> Step:
            if isinstance(step, Send):
                return replace(step, text=fill(step.text))
            if isinstance(step, Expect):
                asserts = tuple(
                    replace(a, expected=fill(a.expected)) if isinstance(a.expected, str) else a
                    for a in step.asserts
                )
                return replace(step, text=fill(step.text), asserts=asserts)
            return step

        if not self.variables:
            return self
        return replace(
            self,
            path=fill(self.path),
            headers=tuple((name, fill(value)) for name, value in self.headers),
            steps=tuple(filled(step) for step in self.steps),
        )

    def to_json(self) -> dict[str, Any]:
        """What the page's player needs (static/websocket.js), JSONPaths split into steps."""
        steps: list[dict[str, Any]] = []
        for step in self.steps:
            if isinstance(step, Send):
                steps.append({"send": step.text})
            elif isinstance(step, Expect):
                steps.append(
                    {
                        "expect": step.text,
                        "json": step.as_json[0],
                        "asserts": [
                            {
                                "text": a.describe(),
                                "path": list(jsonpath.parse(a.query)),
                                "op": a.op,
                                "value": a.expected,
                            }
                            for a in step.asserts
                        ],
                    }
                )
            else:
                steps.append({"close": step.code, "reason": step.reason})
        return {
            "path": self.path,
            "headers": [list(h) for h in self.headers],
            "steps": steps,
            "variables": self.variables,
        }


def same_json(a: Any, b: Any) -> bool:
    """JSON equality: ``true`` is not ``1`` (as Python's ``==`` would have it)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_json(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_json(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    return type(a) is type(b) and bool(a == b)


def _as_json(text: str) -> tuple[bool, Any]:
    try:
        return True, json.loads(text)
    except ValueError:
        return False, None


def _shown(text: str) -> str:
    return repr(text) if len(text) <= 200 else repr(text[:200]) + "…"


def parse(text: str, line: int = 0) -> WebSocketBlock:
    """Parse one WebSocket block; ``line`` is where its fence opens, kept for messages."""
    lines = text.splitlines()
    position = 0

    def skip_blank_and_comments() -> None:
        nonlocal position
        while position < len(lines) and (
            not lines[position].strip() or lines[position].lstrip().startswith("#")
        ):
            position += 1

    skip_blank_and_comments()
    if position == len(lines):
        raise WebSocketBlockError(
            "empty WebSocket block: start with a line such as 'WS /ws/chat'", 0
        )
    request = _REQUEST_LINE.match(lines[position].strip())
    if request is None:
        raise WebSocketBlockError(
            f"expected 'WS /path', got {lines[position].strip()[:60]!r}", position
        )
    path = request["path"]
    if not path.startswith("/") or path.startswith("//"):
        raise WebSocketBlockError(f"the path must start with a single '/': {path!r}", position)
    position += 1

    headers: list[tuple[str, str]] = []
    while position < len(lines) and (match := _HEADER.match(lines[position].strip())):
        headers.append((match["name"], match["value"].strip()))
        position += 1

    steps: list[Step] = []
    while position < len(lines):
        stripped = lines[position].strip()
        if not stripped or stripped.startswith("#"):
            position += 1
            continue
        if steps and isinstance(steps[-1], Close):
            raise WebSocketBlockError(
                "nothing can follow 'close': the connection is closed by then", position
            )
        if match := _ASSERT.match(stripped):
            last = steps[-1] if steps else None
            if not isinstance(last, Expect):
                raise WebSocketBlockError(
                    "a jsonpath assertion checks the message just received: "
                    "put it after a '<' line",
                    position,
                )
            steps[-1] = replace(last, asserts=(*last.asserts, _assertion(match, position)))
        else:
            steps.append(_step(stripped, position))
        position += 1
    if not steps:
        raise WebSocketBlockError(
            "a WebSocket block needs at least one '> message', '< message' or 'close CODE'",
            len(lines) - 1,
        )
    return WebSocketBlock(
        path=path, steps=tuple(steps), headers=tuple(headers), line=line, source=text
    )


def _step(stripped: str, position: int) -> Step:
    if stripped.startswith(">"):
        message = stripped[1:].strip()
        if not message:
            raise WebSocketBlockError("'>' needs the message to send: '> hello'", position)
        return Send(message, position)
    if stripped.startswith("<"):
        message = stripped[1:].strip()
        if not message:
            raise WebSocketBlockError(
                "'<' needs the expected message, or '*' for any one: '< hello'", position
            )
        return Expect(message, position)
    if match := _CLOSE.match(stripped):
        code = int(match["code"])
        if code not in SENDABLE_CLOSE_CODES and not 3000 <= code <= 4999:
            raise WebSocketBlockError(
                f"{code} is not a code an app closes with (1000-1003, 1007-1014, 3000-4999)",
                position,
            )
        reason = None
        if match["reason"] is not None:
            try:
                reason = json.loads(match["reason"])
            except ValueError:
                raise WebSocketBlockError(
                    f"the close reason must be a quoted string: {match['reason']}", position
                ) from None
        return Close(code, position, reason)
    raise WebSocketBlockError(
        "expected '> message' (send), '< message' (expect), "
        f"'jsonpath \"$.field\" == value' or 'close CODE', got {stripped[:60]!r}",
        position,
    )


def _assertion(match: re.Match[str], position: int) -> MessageAssert:
    query = match["query"]
    try:
        jsonpath.parse(query)
    except jsonpath.JSONPathError as exc:
        raise WebSocketBlockError(str(exc), position) from None
    if match["exists"]:
        return MessageAssert(query, "exists")
    try:
        expected = json.loads(match["value"])
    except ValueError:
        raise WebSocketBlockError(
            f"the expected value must be JSON (quote strings): {match['value']!r}", position
        ) from None
    return MessageAssert(query, cast(Literal["==", "!="], match["op"]), expected)
