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
import binascii
import json
import mimetypes
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, NoReturn, cast, get_args
from urllib.parse import urlencode

from kb.content import jsonpath

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
_REQUEST_LINE = re.compile(r"^(?P<method>[A-Z]+)\s+(?P<path>\S+)\s*$")
_HEADER = re.compile(r"^(?P<name>[A-Za-z0-9!#$%&'*+.^_`|~-]+):\s*(?P<value>.*)$")
# A section's "name: value" line; names as Hurl's key-string allows them.
_PARAM = re.compile(r"^(?P<name>[A-Za-z0-9_.\[\]@$-]+)\s*:\s*(?P<value>.*)$")
# Hurl's sections are capitalised: a JSON body such as [1, 2] or [true] is no section.
_SECTION = re.compile(r"^\[(?P<name>[A-Z][A-Za-z0-9]*)\]\s*(?:#.*)?$")
_STATUS = re.compile(r"^HTTP(?:/[\d.]+)?\s+(?P<status>\d{3}|\*)\s*(?:#.*)?$")
_BAD_STATUS = re.compile(r"^HTTP(?:/\S*)?\s+\S+\s*$")
_CAPTURE_NAME = re.compile(r"^(?P<name>[^\s:]+)\s*:\s*")
_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9-]*")
_OPERATOR = re.compile(r"==|!=|>=|<=|>|<")
_VARIABLE = re.compile(r"\{\{\s*([A-Za-z_]\w*)\s*\}\}")
_MEDIA_TYPE = re.compile(r"^[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+(?:\s*;.*)?$")

QUERY_SECTIONS = ("QueryStringParams", "Query")
FORM_SECTIONS = ("FormParams", "Form")
MULTIPART_SECTIONS = ("MultipartFormData", "Multipart")
REQUEST_SECTIONS = (*QUERY_SECTIONS, *FORM_SECTIONS, *MULTIPART_SECTIONS, "Cookies", "BasicAuth")
RESPONSE_SECTIONS = ("Captures", "Asserts")

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
_NEEDS_VALUE = frozenset(PREDICATES[:11])
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
_FLAG_ATTRIBUTES = ("Secure", "HttpOnly")  # present or not: only exists / not exists

# Hurl's constructs the KB does not run, each with what to write instead.
_HURL_INSTEAD = "write the request out with its headers and body instead"
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
# Hurl's content types for file parts, by extension; others are guessed, or octet-stream.
_FILE_TYPES = {
    ".gif": "image/gif",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".txt": "text/plain",
    ".htm": "text/html",
    ".html": "text/html",
    ".pdf": "application/pdf",
    ".xml": "application/xml",
}


def not_run(construct: str, instead: str) -> str:
    """The problem for Hurl syntax the KB does not run, naming it."""
    return f"{construct} is Hurl syntax the KB does not run yet; {instead}"


class HurlError(ValueError):
    """A try block that does not parse; ``line`` is 0-based within the block."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


class BodyError(ValueError):
    """A body or form part that cannot be turned into bytes; the message says why."""


class CaptureFailed(Exception):
    """A capture found nothing to capture; the message says what was looked for."""


class UnknownVariable(LookupError):
    """A ``{{name}}`` with no value."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class _Missing(LookupError):
    """A query found nothing; the message says what was looked for."""


# Responses ---------------------------------------------------------------------------


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
        """The body as JSON, decoded once however many checks read it."""
        if self._document is _UNREAD:
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


# Queries, captures, assertions ------------------------------------------------------


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
        elif self.predicate in _NEEDS_VALUE:
            parts.append(json.dumps(self.expected, ensure_ascii=False))
        return " ".join(parts)

    def check(self, response: Response, variables: dict[str, str] | None = None) -> str | None:
        """None when it holds, else why not: what was expected, and what was there."""
        expected = self.expected
        if isinstance(expected, str) and "{{" in expected:
            try:
                expected = substitute(expected, variables or {})
            except UnknownVariable as exc:
                return (
                    f"{self.describe()}: uses {{{{{exc.name}}}}}, which no earlier block captures"
                )
        try:
            values = self.query.values(response)
        except _Missing as exc:
            if self.predicate == "exists" and self.negated:
                return None
            return f"{self.describe()}: expected {self._expectation(expected)}, but {exc}"
        if self.predicate == "exists":
            holds = True
        else:
            holds = any(_holds(self.predicate, value, expected) for value in values)
        if holds != self.negated:
            return None
        actual = values[0] if len(values) == 1 else values
        return f"{self.describe()}: expected {self._expectation(expected)}, actual {_shown(actual)}"

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


def _number(value: Any) -> bool:
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
        comparable = (_number(actual) and _number(expected)) or (
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
        return _number(actual)
    return isinstance(actual, list | dict)  # isCollection


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 160 else text[:160] + "…"


# Requests ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    """One line of a ``[MultipartFormData]`` section: a field, or a file beside the example."""

    name: str
    value: str = ""  # a field's value
    file: str = ""  # a file part's file name, relative to the example's folder
    content_type: str = ""  # as written after the file name; "" to infer it from the name
    line: int = field(default=0, compare=False)  # 0-based within the block

    @property
    def media_type(self) -> str:
        """The file's content type: as written, else from its extension, as Hurl infers it."""
        if self.content_type:
            return self.content_type
        suffix = "." + self.file.rpartition(".")[2].lower() if "." in self.file else ""
        guessed = _FILE_TYPES.get(suffix) or mimetypes.guess_type(self.file)[0]
        return guessed or "application/octet-stream"

    def text(self) -> str:
        """The part as its Hurl line."""
        if not self.file:
            return f"{self.name}: {self.value}"
        kind = f" {self.content_type}" if self.content_type else ""
        return f"{self.name}: file,{self.file};{kind}"


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
        return list(dict.fromkeys(_VARIABLE.findall("\n".join(texts))))

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


def parse_parts(text: str) -> tuple[Part, ...]:
    """``[MultipartFormData]`` lines (``name: value``, ``name: file,NAME; TYPE``), as the
    console's form data; ``ValueError`` says which line is wrong and why."""
    parts = []
    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        try:
            parts.append(_part(stripped, number - 1))
        except HurlError as exc:
            raise ValueError(f"line {number}: {exc}") from None
    return tuple(parts)


def _part(line: str, number: int) -> Part:
    match = _PARAM.match(line)
    if match is None:
        raise HurlError(
            f"expected 'name: value' or 'name: file,NAME; TYPE', got {line[:60]!r}", number
        )
    name, value = match["name"], match["value"].strip()
    if not value.startswith("file,"):
        return Part(name, value, line=number)
    file_match = re.fullmatch(r"file,\s*(?P<file>[^;]*?)\s*;\s*(?P<type>.*?)", value)
    if file_match is None:
        raise HurlError(f"a file part is 'file,NAME;' with the ';': {value[:60]!r}", number)
    problem = file_name_problem(file_match["file"])
    if problem is not None:
        raise HurlError(problem, number)
    content_type = file_match["type"]
    if content_type and not _MEDIA_TYPE.match(content_type):
        raise HurlError(f"{content_type!r} is not a content type such as image/png", number)
    return Part(name, file=file_match["file"], content_type=content_type, line=number)


def file_name_problem(name: str) -> str | None:
    """Why ``name`` cannot name a file beside the example, or None when it can."""
    if not name:
        return "the file name is empty"
    if "\\" in name:
        return f"write file names with '/', not '\\': {name!r}"
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return f"a file name is relative to the example's folder: {name!r}"
    pieces = name.split("/")
    if ".." in pieces:
        return f"a file must be beside the example, not above it ('..'): {name!r}"
    if any(piece.startswith(".") or not piece for piece in pieces):
        return f"a file name has no empty or hidden (dot) parts: {name!r}"
    return None


# Bodies ------------------------------------------------------------------------------

_BODY_FILE = re.compile(r"^file,\s*(?P<file>[^;\n]*?)\s*;$")
_BYTE_FORM = re.compile(r"\s*(?:base64,|hex,|file,|`)")


def body_file(body: str) -> str | None:
    """The file name of a ``file,NAME;`` body, or None for any other body."""
    stripped = body.strip()
    if not stripped.startswith("file,"):
        return None
    match = _BODY_FILE.match(stripped)
    return match["file"] if match else None


def body_bytes(body: str, read_file: Callable[[str], bytes]) -> bytes:
    """The bytes a body sends: its text as UTF-8, exactly, unless it is one of Hurl's
    byte forms (``base64,...;``, ``hex,...;``, ``file,NAME;``) or a raw string between
    backticks. :class:`BodyError` says what is wrong with a malformed one."""
    if not _BYTE_FORM.match(body):  # most bodies: JSON or form text, sent as they are
        return body.encode()
    stripped = body.strip()
    if stripped.startswith("base64,") and stripped.endswith(";"):
        try:
            return base64.b64decode("".join(stripped[7:-1].split()), validate=True)
        except binascii.Error:
            raise BodyError("the base64,...; body is not valid base64") from None
    if stripped.startswith("hex,") and stripped.endswith(";"):
        try:
            return bytes.fromhex("".join(stripped[4:-1].split()))
        except ValueError:
            raise BodyError("the hex,...; body is not an even number of hex digits") from None
    if stripped.startswith("file,"):
        name = body_file(body)
        if name is None:
            raise BodyError("a file body is 'file,NAME;', on one line")
        problem = file_name_problem(name)
        if problem is not None:
            raise BodyError(problem)
        return read_file(name)
    if stripped.startswith("```"):
        return _multiline(stripped).encode()
    if stripped.startswith("`") and stripped.endswith("`") and "\n" not in stripped:
        return stripped[1:-1].encode()
    return body.encode()


def _multiline(text: str) -> str:
    # Hurl: ```\nline1\nline2\n``` is "line1\nline2\n"; ```one``` is "one".
    if "\n" not in text:
        if len(text) < 6 or not text.endswith("```"):
            raise BodyError("a one-line raw string is ```text```")
        return text[3:-3]
    first, _, rest = text.partition("\n")
    hint = first[3:].strip()
    if hint == "graphql":
        raise BodyError(not_run("a ```graphql body", "write the JSON of the GraphQL request"))
    if hint and not re.fullmatch(r"[A-Za-z0-9_-]+", hint):
        raise BodyError(f"a raw string starts with ``` and a language hint at most: {first!r}")
    if not rest.endswith("```") or (rest != "```" and not rest.endswith("\n```")):
        raise BodyError("a raw string body ends with a line of ```")
    return rest[:-3]


# Parsing -----------------------------------------------------------------------------


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
                self.parts.append(_part(self.lines[number], number))
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
                if _SECTION.match(text) or _STATUS.match(text) or not _PARAM.match(text):
                    return
                yield self.position
            self.position += 1

    def param(self, number: int) -> tuple[str, str]:
        match = _PARAM.match(self.lines[number])
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
                line = _Line(text, self.position)
                if section == "Captures":
                    self.captures.append(line.capture())
                else:
                    self.asserts.append(line.assertion())
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
        if predicate in _NEEDS_VALUE:
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
            _number(expected) or isinstance(expected, str)
        ):
            self.fail(f"{predicate} takes a number or a string, got {json.dumps(expected)}")

    def check_flag(self, query: Query, predicate: str) -> None:
        if query.kind == "cookie" and not query.count and predicate != "exists":
            attribute = cookie_path(query.argument)[1]
            if attribute in _FLAG_ATTRIBUTES:
                self.fail(f"a cookie's {attribute} is there or not: use exists or not exists")


_DECODER = json.JSONDecoder()
