"""Try blocks: the subset of Hurl that declares a request to an entry's example.

A block looks like this (see CONTRIBUTING.md for the whole format)::

    POST /token
    Content-Type: application/x-www-form-urlencoded

    username=alice&password=wonderland
    HTTP 200
    [Captures]
    token: jsonpath "$.access_token"
    [Asserts]
    jsonpath "$.token_type" == "bearer"
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Literal, cast
from urllib.parse import urlencode

from kb.content import eventstream, jsonpath

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
_REQUEST_LINE = re.compile(r"^(?P<method>[A-Z]+)\s+(?P<path>\S+)\s*$")
_HEADER = re.compile(r"^(?P<name>[A-Za-z0-9!#$%&'*+.^_`|~-]+):\s*(?P<value>.*)$")
_STATUS = re.compile(r"^HTTP(?:/[\d.]+)?\s+(?P<status>\d{3})\s*$")
_CAPTURE = re.compile(
    r'^(?P<name>[A-Za-z_]\w*):\s*(?P<source>jsonpath|header)\s+"(?P<query>[^"]+)"\s*$'
)
_ASSERT = re.compile(
    r'^(?P<source>jsonpath|header)\s+"(?P<query>[^"]+)"\s+(?:(?P<op>==|!=)\s+(?P<value>.+)|(?P<exists>exists))\s*$'
)
_VARIABLE = re.compile(r"\{\{\s*([A-Za-z_]\w*)\s*\}\}")

Source = Literal["jsonpath", "header"]


class HurlError(ValueError):
    """A try block that does not parse; ``line`` is 0-based within the block."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


class CaptureFailed(Exception):
    """A capture found nothing to capture; the message says what was looked for."""


class UnknownVariable(LookupError):
    """A ``{{name}}`` with no value."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


@dataclass(frozen=True)
class Capture:
    name: str
    source: Source
    query: str

    def extract(self, response: Response) -> str:
        if self.source == "header":
            if self.query.lower() not in response.headers:
                raise CaptureFailed(f"no header {self.query!r} in the response")
            return response.headers[self.query.lower()]
        try:
            value = jsonpath.find(response.json(), self.query)
        except (jsonpath.NotFound, ValueError):
            raise CaptureFailed(f"nothing at {self.query} in the response body") from None
        return value if isinstance(value, str) else json.dumps(value)


@dataclass(frozen=True)
class Assertion:
    source: Source
    query: str
    op: Literal["==", "!=", "exists"]
    expected: Any = None

    def describe(self) -> str:
        tail = "exists" if self.op == "exists" else f"{self.op} {json.dumps(self.expected)}"
        return f'{self.source} "{self.query}" {tail}'

    def check(self, response: Response) -> str | None:
        """None when it holds, else why not."""
        try:
            if self.source == "header":
                actual: Any = response.headers[self.query.lower()]
            else:
                actual = jsonpath.find(response.json(), self.query)
        except (KeyError, jsonpath.NotFound, ValueError):  # KeyError: no such header
            return f"{self.describe()}: nothing there"
        if self.op == "exists":
            return None
        holds = (actual == self.expected) == (self.op == "==")
        return None if holds else f"{self.describe()}: got {json.dumps(actual)}"


_UNREAD = object()


@dataclass
class Response:
    """What a try request returned, as the checks and captures see it."""

    status: int
    headers: dict[str, str]
    body: bytes
    _document: Any = field(default=_UNREAD, init=False, repr=False, compare=False)

    def json(self) -> Any:
        """The body as JSON, decoded once however many checks read it."""
        if self._document is _UNREAD:
            self._document = _document(self)
        return self._document


def _document(response: Response) -> Any:
    """What ``jsonpath`` queries: the JSON body; of an event stream, its events
    (:func:`kb.content.eventstream.document`)."""
    media_type = response.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type == eventstream.MEDIA_TYPE:
        return eventstream.document(response.body)
    return json.loads(response.body)


@dataclass(frozen=True)
class TryBlock:
    method: str
    path: str
    headers: tuple[tuple[str, str], ...] = ()
    body: str = ""
    status: int | None = None
    captures: tuple[Capture, ...] = ()
    asserts: tuple[Assertion, ...] = field(default=())
    line: int = 0  # 0-based line of the entry body where the block's fence opens

    @property
    def variables(self) -> list[str]:
        """Names this block uses as ``{{name}}``, in order of first use."""
        text = "\n".join([self.path, *(v for _, v in self.headers), self.body])
        return list(dict.fromkeys(_VARIABLE.findall(text)))

    def headers_text(self) -> str:
        return "\n".join(f"{name}: {value}" for name, value in self.headers)


def substitute(text: str, variables: dict[str, str]) -> str:
    """Replace ``{{name}}``; raise :class:`UnknownVariable` for the first unknown one."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in variables:
            raise UnknownVariable(name)
        return variables[name]

    return _VARIABLE.sub(replace, text)


def parse_headers(text: str) -> list[tuple[str, str]]:
    """Parse ``Name: value`` lines; raise ``ValueError`` for a line that isn't one."""
    headers = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = _HEADER.match(line.strip())
        if match is None:
            raise ValueError(f"header line {number} is not 'Name: value': {line.strip()[:60]!r}")
        headers.append((match["name"], match["value"].strip()))
    return headers


def parse(text: str, line: int = 0) -> TryBlock:
    """Parse one try block; ``line`` is where its fence opens, kept for error messages."""
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
        raise HurlError("empty try block: start with a request line such as 'GET /items'", 0)
    request = _REQUEST_LINE.match(lines[position].strip())
    if request is None:
        raise HurlError(
            f"expected a request line 'METHOD /path', got {lines[position].strip()[:60]!r}",
            position,
        )
    method, path = request["method"], request["path"]
    if method not in METHODS:
        raise HurlError(f"unknown method {method!r}; use one of {', '.join(METHODS)}", position)
    if not path.startswith("/") or path.startswith("//"):
        raise HurlError(f"the path must start with a single '/': {path!r}", position)
    position += 1

    headers: list[tuple[str, str]] = []
    while position < len(lines) and (match := _HEADER.match(lines[position].strip())):
        headers.append((match["name"], match["value"].strip()))
        position += 1

    body_lines: list[str] = []
    status: int | None = None
    while position < len(lines):
        stripped = lines[position].strip()
        if stripped == "[FormParams]":
            position += 1
            params = []
            while position < len(lines) and (match := _HEADER.match(lines[position].strip())):
                params.append((match["name"], match["value"].strip()))
                position += 1
            body_lines = [urlencode(params, safe="{}")]
            if not any(name.lower() == "content-type" for name, _ in headers):
                headers.append(("Content-Type", "application/x-www-form-urlencoded"))
            continue
        if status_match := _STATUS.match(stripped):
            status = int(status_match["status"])
            position += 1
            break
        body_lines.append(lines[position])
        position += 1
    body = "\n".join(body_lines).strip("\n")

    captures: list[Capture] = []
    asserts: list[Assertion] = []
    section: str | None = None
    while position < len(lines):
        stripped = lines[position].strip()
        if not stripped or stripped.startswith("#"):
            pass
        elif stripped in ("[Captures]", "[Asserts]"):
            section = stripped
        elif section == "[Captures]" and (match := _CAPTURE.match(stripped)):
            _check_query(match["source"], match["query"], position)
            # The pattern's source group matches only "jsonpath" or "header".
            source = cast(Source, match["source"])
            captures.append(Capture(match["name"], source, match["query"]))
        elif section == "[Asserts]" and (match := _ASSERT.match(stripped)):
            _check_query(match["source"], match["query"], position)
            # The pattern's groups match only these literals: source "jsonpath" or
            # "header", op "==" or "!=".
            source = cast(Source, match["source"])
            if match["exists"]:
                asserts.append(Assertion(source, match["query"], "exists"))
            else:
                try:
                    expected = json.loads(match["value"])
                except json.JSONDecodeError:
                    raise HurlError(
                        f"the expected value must be JSON (quote strings): {match['value']!r}",
                        position,
                    ) from None
                op = cast(Literal["==", "!="], match["op"])
                asserts.append(Assertion(source, match["query"], op, expected))
        elif section is None and status is None:
            raise HurlError("expected 'HTTP <status>' after the request", position)
        else:
            what = {
                "[Captures]": "a capture 'name: jsonpath \"$.field\"'",
                "[Asserts]": "an assertion 'jsonpath \"$.field\" == value'",
            }.get(section or "", "[Captures] or [Asserts]")
            raise HurlError(f"expected {what}, got {stripped[:60]!r}", position)
        position += 1

    if status is None:
        raise HurlError("missing the expected status line, e.g. 'HTTP 200'", len(lines) - 1)
    if body and method in ("GET", "HEAD"):
        raise HurlError(f"a {method} request has no body", 0)
    return TryBlock(
        method=method,
        path=path,
        headers=tuple(headers),
        body=body,
        status=status,
        captures=tuple(captures),
        asserts=tuple(asserts),
        line=line,
    )


def _check_query(source: str, query: str, line: int) -> None:
    if source == "jsonpath":
        try:
            jsonpath.parse(query)
        except jsonpath.JSONPathError as exc:
            raise HurlError(str(exc), line) from None
