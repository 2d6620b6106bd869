"""Hurl's words in capture and assert lines, and what the KB does not run of Hurl.

Syntax Hurl has and the KB does not run is refused with a :class:`HurlError` that names
it (:func:`not_run`), never read as something else.
"""

from __future__ import annotations

import json
import re
from typing import Any, NoReturn, cast

from kb.content import jsonpath
from kb.content.assertions import (
    FLAG_ATTRIBUTES,
    NEEDS_VALUE,
    PREDICATES,
    Assertion,
    Capture,
    Predicate,
    Query,
    QueryKind,
    cookie_path,
    is_number,
)

_CAPTURE_NAME = re.compile(r"^(?P<name>[^\s:]+)\s*:\s*")
_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9-]*")
_OPERATOR = re.compile(r"==|!=|>=|<=|>|<")
_DECODER = json.JSONDecoder()

# Hurl's constructs the KB does not run, each with what to write instead.
SECTIONS_NOT_RUN = {
    "Options": "each request is sent once, as written; redirects are not followed",
}
QUERIES_NOT_RUN = {
    "xpath": "assert on the text with body contains or body matches",
    "bytes": "assert on the text with body",
    "rawbytes": "assert on the text with body",
    "sha256": "assert on the text with body",
    "md5": "assert on the text with body",
    "url": 'redirects are not followed: assert on header "Location"',
    "redirects": 'redirects are not followed: assert on header "Location"',
    "duration": "the console shows how long a request took",
    "variable": "assert on the response the value came from",
    "certificate": "examples are called in-process, without TLS",
    "ip": "examples are called in-process, without a socket",
    "version": "examples are called in-process over HTTP/1.1",
}
FILTERS_NOT_RUN = frozenset(
    {
        "base64Decode",
        "base64Encode",
        "base64UrlSafeDecode",
        "base64UrlSafeEncode",
        "charsetDecode",
        "dateFormat",
        "daysAfterNow",
        "daysBeforeNow",
        "decode",
        "first",
        "format",
        "htmlEscape",
        "htmlUnescape",
        "jsonpath",
        "last",
        "location",
        "nth",
        "regex",
        "replace",
        "replaceRegex",
        "split",
        "toDate",
        "toFloat",
        "toHex",
        "toInt",
        "toString",
        "urlDecode",
        "urlEncode",
        "urlQueryParam",
        "utf8Decode",
        "utf8Encode",
        "xpath",
    }
)
PREDICATES_NOT_RUN = frozenset(
    {"isDate", "isIsoDate", "isIpv4", "isIpv6", "isUuid", "isList", "isObject"}
)
_OLD_SPELLINGS = {
    "equals": "==",
    "notEquals": "!=",
    "greaterThan": ">",
    "greaterThanOrEquals": ">=",
    "lessThan": "<",
    "lessThanOrEquals": "<=",
}


def not_run(construct: str, instead: str) -> str:
    """The problem for Hurl syntax the KB does not run, naming it."""
    return f"{construct} is Hurl syntax the KB does not run yet; {instead}"


class HurlError(ValueError):
    """A try block that does not parse; ``line`` is 0-based within the block."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


def capture_line(text: str, line: int) -> Capture:
    """A ``[Captures]`` line, ``name: QUERY``; ``line`` (in the block) for the error."""
    return _Line(text, line).capture()


def assertion_line(text: str, line: int) -> Assertion:
    """An ``[Asserts]`` line, ``QUERY [not] PREDICATE [VALUE]``."""
    return _Line(text, line).assertion()


class _Line:
    """One capture or assertion line, read left to right."""

    def __init__(self, text: str, line: int) -> None:
        self.text = text
        self.position = 0
        self.line = line

    def fail(self, message: str) -> NoReturn:
        raise HurlError(message, self.line)

    def spaces(self) -> bool:
        start = self.position
        while self.position < len(self.text) and self.text[self.position] in " \t":
            self.position += 1
        return self.position > start

    def at_end(self) -> bool:
        self.spaces()
        return self.position == len(self.text) or self.text[self.position] == "#"

    def rest(self) -> str:
        return self.text[self.position :][:60]

    def word(self) -> str:
        match = _WORD.match(self.text, self.position)
        if match is None:
            return ""
        self.position = match.end()
        return match.group()

    def quoted(self, what: str) -> str:
        if self.text[self.position : self.position + 1] != '"':
            self.fail(f'{what} is a quoted string, e.g. "...": got {self.rest()!r}')
        value = self.json_value()
        if not isinstance(value, str):  # pragma: no cover - a '"' always starts a string
            self.fail(f"{what} is a quoted string")
        return value

    def json_value(self) -> Any:
        try:
            value, end = _DECODER.raw_decode(self.text, self.position)
        except json.JSONDecodeError:
            self.fail(self.value_problem())
        self.position = end
        return value

    def value_problem(self) -> str:
        rest = self.text[self.position :]
        for start, construct in (
            ("hex,", "a hex,...; value"),
            ("base64,", "a base64,...; value"),
            ("file,", "a file,...; value"),
            ("`", "a `raw string` value"),
            ("{{", "a {{variable}} value outside quotes"),
        ):
            if rest.startswith(start):
                instead = 'write a quoted string, a number, true, false or null ("{{x}}" works)'
                return not_run(construct, instead)
        return (
            "the expected value is a quoted string, a number, true, false or null "
            f"(as JSON): {rest[:60]!r}"
        )

    def regex(self) -> str:
        if self.text[self.position : self.position + 1] == "/":
            end = self.position + 1
            while end < len(self.text) and self.text[end] != "/":
                end += 2 if self.text[end] == "\\" else 1
            if end >= len(self.text):
                self.fail(f"a /regex/ ends with '/': {self.rest()!r}")
            pattern = self.text[self.position + 1 : end].replace("\\/", "/")
            self.position = end + 1
        else:
            pattern = self.quoted("a regex")
        try:
            re.compile(pattern)
        except re.error as exc:
            self.fail(f"the regex {pattern!r} does not compile: {exc}")
        return pattern

    def query(self) -> Query:
        start = self.position
        kind = self.word()
        argument = ""
        if kind in QUERIES_NOT_RUN:
            self.fail(not_run(f"the {kind} query", QUERIES_NOT_RUN[kind]))
        if kind in ("header", "cookie", "jsonpath", "regex"):
            if not self.spaces():
                self.fail(f'{kind} is followed by a space and a quoted string: {kind} "..."')
            if kind == "regex":
                argument = self.regex()
                if re.compile(argument).groups < 1:
                    self.fail(f'a regex query captures a group, e.g. "id=(\\\\d+)": {argument!r}')
            else:
                argument = self.quoted(f"the {kind} query's argument")
            self.check_argument(kind, argument)
        elif kind not in ("status", "body"):
            self.position = start
            what = "a capture's query" if self.position else "an assertion, a query"
            self.fail(
                f'expected {what} (status, header "Name", cookie "name", body, '
                f'jsonpath "$.path" or regex "(...)"), got {self.rest()!r}'
            )
        count = False
        while True:
            before = self.position
            if not self.spaces():
                break
            name = _WORD.match(self.text, self.position)
            if name is None:
                self.position = before
                break
            if name.group() == "count":
                if count:
                    self.fail("count comes once after a query")
                count = True
                self.position = name.end()
            elif name.group() in FILTERS_NOT_RUN:
                self.fail(not_run(f"the {name.group()} filter", "count is the filter the KB runs"))
            else:
                self.position = before
                break
        return Query(cast(QueryKind, kind), argument, count)

    def check_argument(self, kind: str, argument: str) -> None:
        try:
            if kind == "jsonpath":
                jsonpath.parse(argument)
            elif kind == "cookie":
                cookie_path(argument)
        except ValueError as exc:
            self.fail(str(exc))

    def capture(self) -> Capture:
        match = _CAPTURE_NAME.match(self.text)
        if match is None:
            self.fail(f"expected a capture 'name: jsonpath \"$.field\"', got {self.text[:60]!r}")
        name = match["name"]
        if not _IDENTIFIER.fullmatch(name):
            self.fail(
                f"a capture's name is letters, digits and '_' (it is used as {{{{name}}}}): {name!r}"
            )
        self.position = match.end()
        query = self.query()
        if not self.at_end():
            if self.word() == "redact":
                self.fail(not_run("redact", "captured values are shown in the console"))
            self.fail(f"unexpected {self.rest()!r} after the capture's query")
        return Capture(name, query)

    def assertion(self) -> Assertion:
        query = self.query()
        if not self.spaces():
            self.fail(f"expected a predicate after {query.describe()}, e.g. == or exists")
        negated = False
        before = self.position
        if self.word() == "not" and self.spaces():
            negated = True
        else:
            self.position = before
        operator = _OPERATOR.match(self.text, self.position)
        if operator is not None:
            predicate = operator.group()
            self.position = operator.end()
        else:
            predicate = self.word()
        if predicate in _OLD_SPELLINGS:
            self.fail(f"{predicate!r} is Hurl's old spelling: write {_OLD_SPELLINGS[predicate]}")
        if predicate in PREDICATES_NOT_RUN:
            self.fail(not_run(f"the {predicate} predicate", "use matches with a pattern"))
        if predicate not in PREDICATES:
            self.fail(
                f"expected a predicate ({', '.join(PREDICATES)}), got {self.rest() or 'nothing'!r}"
            )
        expected: Any = None
        if predicate in NEEDS_VALUE:
            self.spaces()
            if self.position == len(self.text):
                self.fail(f"{predicate} needs a value")
            expected = self.regex() if predicate == "matches" else self.json_value()
            self.check_value(predicate, expected)
        if not self.at_end():
            self.fail(f"unexpected {self.rest()!r} after the assertion")
        self.check_flag(query, predicate)
        return Assertion(query, cast(Predicate, predicate), expected, negated)

    def check_value(self, predicate: str, expected: Any) -> None:
        if predicate in ("startsWith", "endsWith", "contains") and not isinstance(expected, str):
            self.fail(f"{predicate} takes a quoted string, got {json.dumps(expected)}")
        if predicate in (">", ">=", "<", "<=") and not (
            is_number(expected) or isinstance(expected, str)
        ):
            self.fail(f"{predicate} takes a number or a string, got {json.dumps(expected)}")

    def check_flag(self, query: Query, predicate: str) -> None:
        if query.kind == "cookie" and not query.count and predicate != "exists":
            attribute = cookie_path(query.argument)[1]
            if attribute in FLAG_ATTRIBUTES:
                self.fail(f"a cookie's {attribute} is there or not: use exists or not exists")
