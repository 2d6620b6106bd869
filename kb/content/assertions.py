"""What a try block expects of a response: Hurl's queries, captures and assertions.

A query reads the status, a header, a cookie the response sets, the body as text, a
JSONPath or a regex's group; an assertion holds a predicate against it; a capture keeps
its value for later blocks (``{{name}}``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from kb.content import eventstream, jsonpath
from kb.content.variables import UnknownVariable, substitute

QueryKind = Literal["status", "header", "cookie", "body", "jsonpath", "regex"]
Predicate = Literal[
    "==",
    "!=",
    ">",
    ">=",
    "<",
    "<=",
    "startsWith",
    "endsWith",
    "contains",
    "includes",
    "matches",
    "exists",
    "isEmpty",
    "isString",
    "isInteger",
    "isFloat",
    "isBoolean",
    "isNumber",
    "isCollection",
]
PREDICATES: tuple[str, ...] = get_args(Predicate)
NEEDS_VALUE = frozenset(PREDICATES[:11])
COOKIE_ATTRIBUTES = (
    "Value",
    "Expires",
    "Max-Age",
    "Domain",
    "Path",
    "Secure",
    "HttpOnly",
    "SameSite",
)
FLAG_ATTRIBUTES = ("Secure", "HttpOnly")  # present or not: only exists / not exists


class CaptureFailed(Exception):
    """A capture found nothing to capture; the message says what was looked for."""


class _Missing(LookupError):
    """A query found nothing; the message says what was looked for."""


_UNREAD = object()


@dataclass
class Response:
    """What a try request returned, as the checks and captures see it."""

    status: int
    headers: Sequence[tuple[str, str]]  # in order, names lower-cased, repeated ones kept
    body: bytes
    _document: Any = field(default=_UNREAD, init=False, repr=False, compare=False)

    def header(self, name: str) -> list[str]:
        """Every value of the header ``name``, in order (Set-Cookie comes many times)."""
        wanted = name.lower()
        return [value for key, value in self.headers if key == wanted]

    def json(self) -> Any:
        """What ``jsonpath`` queries, decoded once however many checks read it: the JSON
        body; of an event stream, its events (:func:`kb.content.eventstream.document`)."""
        if self._document is _UNREAD:
            media_type = next(iter(self.header("content-type")), "").partition(";")[0]
            if media_type.strip().lower() == eventstream.MEDIA_TYPE:
                self._document = eventstream.document(self.body)
            else:
                self._document = json.loads(self.body)
        return self._document

    def text(self) -> str:
        """The body decoded with the charset its Content-Type names (UTF-8 otherwise)."""
        charset = "utf-8"
        for value in self.header("content-type")[:1]:
            for parameter in value.split(";")[1:]:
                key, _, named = parameter.partition("=")
                if key.strip().lower() == "charset" and named.strip():
                    charset = named.strip().strip('"')
        try:
            return self.body.decode(charset, errors="replace")
        except LookupError:  # a charset Python does not know
            return self.body.decode("utf-8", errors="replace")

    def cookie(self, name: str) -> dict[str, str | None] | None:
        """The attributes of the last ``Set-Cookie`` for ``name`` (``Value`` included),
        split as RFC 6265 section 5.2 says; None when the response sets no such cookie."""
        found: dict[str, str | None] | None = None
        for header in self.header("set-cookie"):
            pair, *attributes = header.split(";")
            cookie_name, equals, value = pair.partition("=")
            if not equals or cookie_name.strip() != name:
                continue
            found = {"Value": value.strip()}
            for attribute in attributes:
                key, has_value, attribute_value = attribute.partition("=")
                canonical = next(
                    (a for a in COOKIE_ATTRIBUTES if a.lower() == key.strip().lower()), None
                )
                if canonical is not None:
                    found[canonical] = attribute_value.strip() if has_value else None
        return found


@dataclass(frozen=True)
class Query:
    """What a capture or an assertion reads from a response, as Hurl spells it."""

    kind: QueryKind
    argument: str = ""  # the header or cookie name, the JSONPath or the regex
    count: bool = False  # Hurl's `count` filter

    def describe(self) -> str:
        text: str = self.kind
        if self.kind not in ("status", "body"):
            text = f"{self.kind} {json.dumps(self.argument)}"
        return f"{text} count" if self.count else text

    def values(self, response: Response) -> list[Any]:
        """What the query finds: several values for a header sent several times, else one.

        Raises :class:`_Missing` when there is nothing.
        """
        if self.count and self.kind == "header":
            return [len(response.header(self.argument))]
        found = self._found(response)
        if not self.count:
            return found
        if not isinstance(found[0], list | dict):
            raise _Missing(f"count needs a list, got {_shown(found[0])}")
        return [len(found[0])]

    def _found(self, response: Response) -> list[Any]:
        if self.kind == "status":
            return [response.status]
        if self.kind == "body":
            return [response.text()]
        if self.kind == "header":
            values = response.header(self.argument)
            if not values:
                raise _Missing(f"no header {self.argument!r} in the response")
            return list(values)
        if self.kind == "cookie":
            name, attribute = cookie_path(self.argument)
            cookie = response.cookie(name)
            if cookie is None:
                raise _Missing(f"the response sets no cookie {name!r}")
            if attribute not in cookie:
                raise _Missing(f"the cookie {name!r} has no {attribute} attribute")
            value = cookie[attribute]
            if attribute == "Max-Age" and value is not None and re.fullmatch(r"-?\d+", value):
                return [int(value)]
            return [value if value is not None else True]
        if self.kind == "regex":
            match = re.search(self.argument, response.text())
            if match is None:
                raise _Missing(f"nothing in the body matches /{self.argument}/")
            return [match.group(1)]
        try:
            return [jsonpath.find(response.json(), self.argument)]
        except jsonpath.NotFound:
            raise _Missing(f"nothing at {self.argument} in the response body") from None
        except ValueError:
            raise _Missing(
                f"the response body is not JSON, so nothing at {self.argument}"
            ) from None


def cookie_path(argument: str) -> tuple[str, str]:
    """``"sid[Path]"`` as ``("sid", "Path")``; a plain name reads the ``Value``."""
    match = re.fullmatch(r"(?P<name>[^\[\]]+?)\s*(?:\[\s*(?P<attribute>[^\]]*?)\s*\])?", argument)
    if match is None:
        raise ValueError(f"a cookie query names a cookie, as 'sid' or 'sid[Path]': {argument!r}")
    attribute = match["attribute"]
    if attribute is None:
        return match["name"], "Value"
    canonical = next((a for a in COOKIE_ATTRIBUTES if a.lower() == attribute.lower()), None)
    if canonical is None:
        raise ValueError(
            f"unknown cookie attribute {attribute!r}; Hurl's are {', '.join(COOKIE_ATTRIBUTES)}"
        )
    return match["name"], canonical


@dataclass(frozen=True)
class Capture:
    name: str
    query: Query

    def extract(self, response: Response) -> str:
        """The value as text: strings as they are, anything else as JSON; a header sent
        several times gives its first value."""
        try:
            value = self.query.values(response)[0]
        except _Missing as exc:
            raise CaptureFailed(str(exc)) from None
        return value if isinstance(value, str) else json.dumps(value)


@dataclass(frozen=True)
class Evaluation:
    """An assertion held against a response: what it expected and what was there, in words."""

    holds: bool
    expected: str
    actual: str
    why: str  # when it does not hold: "expected …, actual …"


@dataclass(frozen=True)
class Assertion:
    query: Query
    predicate: Predicate
    expected: Any = None  # for matches, the pattern
    negated: bool = False

    def describe(self) -> str:
        parts = [self.query.describe()]
        if self.negated:
            parts.append("not")
        parts.append(self.predicate)
        if self.predicate == "matches":
            parts.append(f"/{self.expected}/")
        elif self.predicate in NEEDS_VALUE:
            parts.append(json.dumps(self.expected, ensure_ascii=False))
        return " ".join(parts)

    def check(self, response: Response, variables: dict[str, str] | None = None) -> str | None:
        """None when it holds, else why not: what was expected, and what was there."""
        outcome = self.evaluate(response, variables)
        if outcome.holds:
            return None
        return f"{self.describe()}: {outcome.why}"

    def evaluate(self, response: Response, variables: dict[str, str] | None = None) -> Evaluation:
        """Whether it holds, with what was expected and what was there, in words."""
        expected = self.expected
        if isinstance(expected, str) and "{{" in expected:
            try:
                expected = substitute(expected, variables or {})
            except UnknownVariable as exc:
                why = f"uses {{{{{exc.name}}}}}, which no earlier block captures"
                return Evaluation(False, f"{{{{{exc.name}}}}}", "no value", why)
        expectation = self._expectation(expected)
        try:
            values = self.query.values(response)
        except _Missing as exc:
            holds = self.predicate == "exists" and self.negated
            return Evaluation(holds, expectation, str(exc), f"expected {expectation}, but {exc}")
        if self.predicate == "exists":
            holds = True
        else:
            holds = any(_holds(self.predicate, value, expected) for value in values)
        actual = _shown(values[0] if len(values) == 1 else values)
        return Evaluation(
            holds != self.negated, expectation, actual, f"expected {expectation}, actual {actual}"
        )

    def _expectation(self, expected: Any) -> str:
        shown = _shown(expected)
        phrase = {
            "==": shown,
            "!=": f"anything but {shown}",
            ">": f"more than {shown}",
            ">=": f"{shown} or more",
            "<": f"less than {shown}",
            "<=": f"{shown} or less",
            "startsWith": f"text starting with {shown}",
            "endsWith": f"text ending with {shown}",
            "contains": f"text containing {shown}",
            "includes": f"a list including {shown}",
            "matches": f"text matching /{expected}/",
            "exists": "a value",
            "isEmpty": "an empty text, list or object",
            "isString": "a string",
            "isInteger": "an integer",
            "isFloat": "a float",
            "isBoolean": "true or false",
            "isNumber": "a number",
            "isCollection": "a list or an object",
        }[self.predicate]
        if not self.negated:
            return phrase
        return "nothing" if self.predicate == "exists" else f"not {phrase}"


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _same(actual: Any, expected: Any) -> bool:
    # True == 1 in Python, not in JSON or Hurl.
    if isinstance(actual, bool) or isinstance(expected, bool):
        return isinstance(actual, bool) and isinstance(expected, bool) and actual == expected
    return bool(actual == expected)


def _holds(predicate: Predicate, actual: Any, expected: Any) -> bool:
    if predicate == "==":
        return _same(actual, expected)
    if predicate == "!=":
        return not _same(actual, expected)
    if predicate in (">", ">=", "<", "<="):
        comparable = (is_number(actual) and is_number(expected)) or (
            isinstance(actual, str) and isinstance(expected, str)
        )
        if not comparable:
            return False
        return bool(
            {
                ">": actual > expected,
                ">=": actual >= expected,
                "<": actual < expected,
                "<=": actual <= expected,
            }[predicate]
        )
    if predicate in ("startsWith", "endsWith", "contains", "matches"):
        if not isinstance(actual, str):
            return False
        if predicate == "startsWith":
            return actual.startswith(expected)
        if predicate == "endsWith":
            return actual.endswith(expected)
        if predicate == "contains":
            return expected in actual
        return re.search(expected, actual) is not None
    if predicate == "includes":
        return isinstance(actual, list) and any(_same(item, expected) for item in actual)
    if predicate == "isEmpty":
        return isinstance(actual, str | list | dict) and len(actual) == 0
    if predicate == "isString":
        return isinstance(actual, str)
    if predicate == "isInteger":
        return isinstance(actual, int) and not isinstance(actual, bool)
    if predicate == "isFloat":
        return isinstance(actual, float)
    if predicate == "isBoolean":
        return isinstance(actual, bool)
    if predicate == "isNumber":
        return is_number(actual)
    return isinstance(actual, list | dict)  # isCollection


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 160 else text[:160] + "…"
