"""Try blocks: the subset of Hurl that declares a request to an entry's example.

A block looks like this (CONTRIBUTING.md has the whole grammar)::

    POST /token
    Content-Type: application/x-www-form-urlencoded

    username=alice&password=wonderland
    HTTP 200
    [Captures]
    token: jsonpath "$.access_token"
    [Asserts]
    jsonpath "$.token_type" == "bearer"

Everything is spelled as Hurl spells it. What Hurl has and the KB does not run (xpath,
[Options], most filters...) is refused with a problem that names it, never sent as
something else. A body keeps its bytes: the parser splits lines on "\\n" only.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NoReturn
from urllib.parse import urlencode

from kb.content import variables as _variables
from kb.content.assertions import Assertion, Capture, CaptureFailed, Query, Response
from kb.content.bodies import (
    PARAM,
    BodyError,
    Part,
    body_bytes,
    body_file,
    file_name_problem,
    parse_part,
    parse_parts,
)
from kb.content.hurl import (
    SECTIONS_NOT_RUN,
    HurlError,
    assertion_line,
    capture_line,
    not_run,
)
from kb.content.variables import UnknownVariable, substitute

# What the rest of the KB reads from here: the grammar's parts, named in one place.
__all__ = [
    "METHODS",
    "Assertion",
    "BodyError",
    "Capture",
    "CaptureFailed",
    "HurlError",
    "Part",
    "Query",
    "Response",
    "TryBlock",
    "UnknownVariable",
    "body_bytes",
    "body_file",
    "file_name_problem",
    "not_run",
    "parse",
    "parse_headers",
    "parse_parts",
    "substitute",
]

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
_REQUEST_LINE = re.compile(r"^(?P<method>[A-Z]+)\s+(?P<path>\S+)\s*$")
_HEADER = re.compile(r"^(?P<name>[A-Za-z0-9!#$%&'*+.^_`|~-]+):\s*(?P<value>.*)$")
# Hurl's sections are capitalised: a JSON body such as [1, 2] or [true] is no section.
_SECTION = re.compile(r"^\[(?P<name>[A-Z][A-Za-z0-9]*)\]\s*(?:#.*)?$")
_STATUS = re.compile(r"^HTTP(?:/[\d.]+)?\s+(?P<status>\d{3}|\*)\s*(?:#.*)?$")
_BAD_STATUS = re.compile(r"^HTTP(?:/\S*)?\s+\S+\s*$")

QUERY_SECTIONS = ("QueryStringParams", "Query")
FORM_SECTIONS = ("FormParams", "Form")
MULTIPART_SECTIONS = ("MultipartFormData", "Multipart")
REQUEST_SECTIONS = (*QUERY_SECTIONS, *FORM_SECTIONS, *MULTIPART_SECTIONS, "Cookies", "BasicAuth")
RESPONSE_SECTIONS = ("Captures", "Asserts")


@dataclass(frozen=True)
class TryBlock:
    method: str
    path: str
    headers: tuple[tuple[str, str], ...] = ()
    body: str = ""
    status: int | None = None  # None: any status (HTTP *)
    captures: tuple[Capture, ...] = ()
    asserts: tuple[Assertion, ...] = field(default=())
    line: int = 0  # 0-based line of the entry body where the block's fence opens
    parts: tuple[Part, ...] = ()  # [MultipartFormData]: sent as multipart/form-data
    body_line: int = 0  # 0-based within the block, where the body starts

    @property
    def variables(self) -> list[str]:
        """Names this block uses as ``{{name}}``, in order of first use."""
        texts = [self.path, *(v for _, v in self.headers), self.body]
        texts += [f"{p.value} {p.file}" for p in self.parts]
        texts += [a.expected for a in self.asserts if isinstance(a.expected, str)]
        return _variables.names("\n".join(texts))

    @property
    def files(self) -> list[tuple[str, int]]:
        """The files beside the example this block sends, with their 0-based block line."""
        found = [(part.file, part.line) for part in self.parts if part.file]
        name = body_file(self.body)
        if name is not None:
            found.append((name, self.body_line))
        return found

    def headers_text(self) -> str:
        return "\n".join(f"{name}: {value}" for name, value in self.headers)

    def parts_text(self) -> str:
        return "\n".join(part.text() for part in self.parts)


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
    return _Parser(text, line).parse()


class _Parser:
    def __init__(self, text: str, fence_line: int) -> None:
        # "\n" only: splitlines() would also split at form feeds, U+2028 and the like,
        # which a body may hold and must keep.
        self.raw = text.split("\n")
        self.lines = [line.strip() for line in self.raw]
        self.fence_line = fence_line
        self.position = 0
        self.headers: list[tuple[str, str]] = []
        self.query: list[tuple[str, str]] = []
        self.form: list[tuple[str, str]] | None = None
        self.parts: list[Part] | None = None
        self.cookies: list[tuple[str, str]] = []
        self.sections: set[str] = set()
        self.captures: list[Capture] = []
        self.asserts: list[Assertion] = []

    def fail(self, message: str, at: int | None = None) -> NoReturn:
        raise HurlError(message, self.position if at is None else at)

    def parse(self) -> TryBlock:
        self.skip_blank_and_comments()
        if self.position == len(self.lines):
            self.fail("empty try block: start with a request line such as 'GET /items'", 0)
        request_line = self.position
        method, path = self.request_line()
        self.position += 1
        self.request_headers()
        body, body_line = self.request_sections_and_body()
        if self.position == len(self.lines):
            self.fail("missing the expected status line, e.g. 'HTTP 200'", len(self.lines) - 1)
        status_text = _STATUS.match(self.lines[self.position])
        assert status_text is not None
        status = None if status_text["status"] == "*" else int(status_text["status"])
        self.position += 1
        self.response()
        if self.form is not None:
            body = urlencode(self.form, safe="{}")
            if not any(name.lower() == "content-type" for name, _ in self.headers):
                self.headers.append(("Content-Type", "application/x-www-form-urlencoded"))
        if self.query:
            separator = "&" if "?" in path else "?"
            path = f"{path}{separator}{urlencode(self.query, safe='{}')}"
        if self.cookies:
            self.add_cookies()
        if (body or self.parts) and method in ("GET", "HEAD"):
            self.fail(f"a {method} request has no body", request_line)
        return TryBlock(
            method=method,
            path=path,
            headers=tuple(self.headers),
            body=body,
            status=status,
            captures=tuple(self.captures),
            asserts=tuple(self.asserts),
            line=self.fence_line,
            parts=tuple(self.parts or ()),
            body_line=body_line,
        )

    def skip_blank_and_comments(self) -> None:
        while self.position < len(self.lines) and (
            not self.lines[self.position] or self.lines[self.position].startswith("#")
        ):
            self.position += 1

    def request_line(self) -> tuple[str, str]:
        text = self.lines[self.position]
        request = _REQUEST_LINE.match(text)
        if request is None:
            self.fail(f"expected a request line 'METHOD /path', got {text[:60]!r}")
        method, path = request["method"], request["path"]
        if method in ("CONNECT", "TRACE"):
            self.fail(not_run(f"the {method} method", f"use one of {', '.join(METHODS)}"))
        if method not in METHODS:
            self.fail(f"unknown method {method!r}; use one of {', '.join(METHODS)}")
        if path.startswith(("http://", "https://")):
            self.fail(
                f"the path is relative to the example's mount, so it starts with '/': {path!r}"
            )
        if not path.startswith("/") or path.startswith("//"):
            self.fail(f"the path must start with a single '/': {path!r}")
        return method, path

    def request_headers(self) -> None:
        # Right after the request line, up to a blank line; comments may sit between.
        while self.position < len(self.lines):
            text = self.lines[self.position]
            if text.startswith("#"):
                self.position += 1
                continue
            match = _HEADER.match(text)
            if not text or match is None:
                return
            self.headers.append((match["name"], match["value"].strip()))
            self.position += 1

    def request_sections_and_body(self) -> tuple[str, int]:
        last_section = ""
        while self.position < len(self.lines):
            text = self.lines[self.position]
            if not text or text.startswith("#"):
                self.position += 1
            elif _STATUS.match(text):
                return "", 0
            elif section := _SECTION.match(text):
                last_section = section["name"]
                self.request_section(last_section)
            elif _BAD_STATUS.match(text):
                self.fail(f"the status line is 'HTTP' and a three-digit status: {text[:60]!r}")
            else:
                if self.form is not None or self.parts is not None:
                    if last_section in (*FORM_SECTIONS, *MULTIPART_SECTIONS):
                        self.fail(
                            f"expected 'name: value' in [{last_section}] or the status line, "
                            f"got {text[:60]!r}"
                        )
                    self.fail("a request has a body, or [FormParams] or [MultipartFormData]")
                return self.body()
        return "", 0

    def request_section(self, name: str) -> None:
        at = self.position
        if name in SECTIONS_NOT_RUN:
            self.fail(not_run(f"[{name}]", SECTIONS_NOT_RUN[name]))
        if name in RESPONSE_SECTIONS:
            self.fail(f"[{name}] comes after the status line, e.g. 'HTTP 200'")
        if name not in REQUEST_SECTIONS:
            self.fail(
                f"unknown section [{name}]; a request may have "
                + ", ".join(f"[{s}]" for s in REQUEST_SECTIONS)
            )
        kind = "multipart" if name in MULTIPART_SECTIONS else name
        kind = "form" if name in FORM_SECTIONS else "query" if name in QUERY_SECTIONS else kind
        if kind in self.sections:
            self.fail(f"[{name}] comes once in a request")
        self.sections.add(kind)
        if {"form", "multipart"} <= self.sections:
            self.fail("a request has [FormParams] or [MultipartFormData], not both")
        self.position += 1
        if kind == "multipart":
            if any(header.lower() == "content-type" for header, _ in self.headers):
                self.fail(
                    f"[{name}] sets the Content-Type itself, with the boundary: "
                    "remove the Content-Type header",
                    at,
                )
            self.parts = []
            for number in self.section_lines():
                self.parts.append(parse_part(self.lines[number], number))
            return
        pairs = [self.param(number) for number in self.section_lines()]
        if kind == "form":
            self.form = pairs
        elif kind == "query":
            self.query = pairs
        elif kind == "Cookies":
            self.cookies = pairs
        else:
            self.basic_auth(pairs, at)

    def section_lines(self) -> Iterable[int]:
        """The lines of the section that starts here: up to a section, the status line or
        anything that is not ``name: value`` (a body, or a mistake said later)."""
        while self.position < len(self.lines):
            text = self.lines[self.position]
            if text and not text.startswith("#"):
                if _SECTION.match(text) or _STATUS.match(text) or not PARAM.match(text):
                    return
                yield self.position
            self.position += 1

    def param(self, number: int) -> tuple[str, str]:
        match = PARAM.match(self.lines[number])
        assert match is not None
        return match["name"], match["value"].strip()

    def basic_auth(self, pairs: list[tuple[str, str]], at: int) -> None:
        if len(pairs) != 1:
            self.fail("[BasicAuth] has one line, 'user: password'", at)
        user, password = pairs[0]
        if "{{" in user + password:
            self.fail(
                "[BasicAuth] with {{variables}} is not run: write the Authorization header", at
            )
        token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
        self.headers.append(("Authorization", f"Basic {token}"))

    def add_cookies(self) -> None:
        pairs = "; ".join(f"{name}={value}" for name, value in self.cookies)
        for index, (name, value) in enumerate(self.headers):
            if name.lower() == "cookie":
                self.headers[index] = (name, f"{value}; {pairs}")
                return
        self.headers.append(("Cookie", pairs))

    def body(self) -> tuple[str, int]:
        """Every line up to the status line, as written; blank lines around it dropped."""
        start = self.position
        while self.position < len(self.lines) and not _STATUS.match(self.lines[self.position]):
            self.position += 1
        end = self.position
        while end > start and not self.lines[end - 1]:
            end -= 1
        lines = self.raw[start:end]
        if end < len(self.raw) and lines[-1].endswith("\r"):
            lines[-1] = lines[-1][:-1]  # the "\r" of the "\r\n" that ends the body
        body = "\n".join(lines)
        try:
            body_bytes(body, lambda name: b"")
        except BodyError as exc:
            self.fail(str(exc), start)
        return body, start

    def response(self) -> None:
        # Headers right after the status line are Hurl's implicit header asserts.
        while self.position < len(self.lines):
            text = self.lines[self.position]
            if text.startswith("#") or not text:
                self.position += 1
                continue
            match = _HEADER.match(text)
            if match is None:
                break
            value = match["value"].strip()
            self.asserts.append(Assertion(Query("header", match["name"]), "==", value))
            self.position += 1
        section: str | None = None
        while self.position < len(self.lines):
            text = self.lines[self.position]
            if not text or text.startswith("#"):
                pass
            elif named := _SECTION.match(text):
                section = self.response_section(named["name"])
            elif section is None or (_REQUEST_LINE.match(text) and text.split()[0] in METHODS):
                self.not_a_response_line(text)
            else:
                if section == "Captures":
                    self.captures.append(capture_line(text, self.position))
                else:
                    self.asserts.append(assertion_line(text, self.position))
            self.position += 1

    def response_section(self, name: str) -> str:
        if name in RESPONSE_SECTIONS:
            return name
        if name in SECTIONS_NOT_RUN or name in REQUEST_SECTIONS:
            self.fail(f"[{name}] belongs to the request, before the status line")
        self.fail(f"unknown section [{name}]; after the status line come [Captures] and [Asserts]")

    def not_a_response_line(self, text: str) -> NoReturn:
        request = _REQUEST_LINE.match(text)
        if request and request["method"] in METHODS:
            self.fail(
                f"a try block holds one request: put {text[:60]!r} in a ```hurl block of its own"
            )
        self.fail(
            not_run(
                "an expected response body after the status line",
                'assert on it in [Asserts], e.g. body == "..." or body contains "..."',
            )
        )
