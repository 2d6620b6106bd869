"""What a try block sends besides its headers: its body, as bytes, and multipart parts.

A body is sent byte for byte as written, unless it is one of Hurl's byte forms:
``base64,...;``, ``hex,...;``, ``file,NAME;`` (a file beside the example) or a raw string
between backticks. A ``[MultipartFormData]`` line is a :class:`Part`: a field, or a file.
"""

from __future__ import annotations

import base64
import binascii
import mimetypes
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from kb.content.hurl import HurlError, not_run

# A section's "name: value" line; names as Hurl's key-string allows them.
PARAM = re.compile(r"^(?P<name>[A-Za-z0-9_.\[\]@$-]+)\s*:\s*(?P<value>.*)$")
_MEDIA_TYPE = re.compile(r"^[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+(?:\s*;.*)?$")
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


class BodyError(ValueError):
    """A body or form part that cannot be turned into bytes; the message says why."""


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


def parse_parts(text: str) -> tuple[Part, ...]:
    """``[MultipartFormData]`` lines (``name: value``, ``name: file,NAME; TYPE``), as the
    console's form data; ``ValueError`` says which line is wrong and why."""
    parts = []
    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        try:
            parts.append(parse_part(stripped, number - 1))
        except HurlError as exc:
            raise ValueError(f"line {number}: {exc}") from None
    return tuple(parts)


def parse_part(line: str, number: int) -> Part:
    """One ``[MultipartFormData]`` line; ``number`` (in the block) for the error."""
    match = PARAM.match(line)
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
