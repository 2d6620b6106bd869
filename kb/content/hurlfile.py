"""An entry's try blocks as one Hurl file, to run with ``hurl --test`` against a KB.

Each block is kept as its author wrote it (comments, sections, captures, asserts and
``{{variables}}``), with two changes that make it Hurl: the path becomes an absolute URL
to the KB's mount of the example, and a body Hurl would not read as written (form text,
broken JSON) becomes one of Hurl's strings, or ``base64,…;``, with the same bytes.

The file starts with a request for the entry's page: its answer gives Hurl a reader
cookie, which Hurl sends with the requests after it, so that each run has a sandbox of
the example of its own, fresh, as a reader's first visit does.
"""

from __future__ import annotations

import base64
import json
import re

from kb.content import render, tryblocks
from kb.content.catalogue import Entry

_REQUEST_LINE = re.compile(r"^(?P<indent>\s*)(?P<method>[A-Z]+)\s+(?P<path>\S+)\s*$")
_STATUS = re.compile(r"^\s*HTTP(?:/[\d.]+)?\s+(?:\d{3}|\*)\s*(?:#.*)?$")
_TEMPLATE = re.compile(r"\{\{[^{}]*\}\}")
_KEPT = ("base64,", "hex,", "file,", "`")  # Hurl's own byte forms and strings, as written


class NoRequests(ValueError):
    """An entry with nothing to run: no example, or no try blocks."""


def sources(entry: Entry) -> list[str]:
    """The text of each of the entry's try blocks, in order, as the entry writes it."""
    by_line = {
        token.map[0]: token.content
        for token in render.markdown().parse(entry.source.body)
        if token.type == "fence" and token.map and _language(token.info) == "hurl"
    }
    return [by_line[block.line] for block in entry.rendered.try_blocks]


def _language(info: str) -> str:
    return info.strip().split(maxsplit=1)[0].lower() if info.strip() else ""


def hurl_file(entry: Entry, base_url: str) -> str:
    """The Hurl file of ``entry``'s try blocks; ``base_url`` is the KB's, as reached."""
    if not entry.meta.example or not entry.rendered.try_blocks:
        raise NoRequests(f"“{entry.meta.title}” has no requests to run")
    origin = base_url.rstrip("/")
    page = f"{origin}{entry.url}"
    lines = [
        f"# {entry.meta.title}: the requests of {page}",
        "# Run them against this KB while it runs: hurl --test "
        + (f"--file-root {entry.files_label} " if _sends_files(entry) else "")
        + f"{entry.slug}.hurl",
    ]
    if _sends_files(entry):
        lines.append(
            f"# The files they send are beside the example, in {entry.files_label} "
            "of the KB's repository."
        )
    lines += [
        "",
        "# A sandbox of the example for this run alone: the KB gives a reader cookie, which",
        "# Hurl sends with every request below.",
        f"GET {page}",
        "HTTP 200",
        "[Asserts]",
        'cookie "kb_reader" exists',
    ]
    for number, (block, text) in enumerate(
        zip(entry.rendered.try_blocks, sources(entry), strict=True), start=1
    ):
        lines += ["", f"# Request {number}, at {page}#try-{number}"]
        lines += _absolute(block, text, f"{origin}{entry.mount}")
    return "\n".join(lines) + "\n"


def _sends_files(entry: Entry) -> bool:
    return any(block.files for block in entry.rendered.try_blocks)


def _absolute(block: tryblocks.TryBlock, text: str, mount_url: str) -> list[str]:
    """The block's lines with an absolute URL and a body Hurl reads as the KB sends it."""
    raw = text.removesuffix("\n").split("\n")
    for index, line in enumerate(raw):
        if line.strip() and not line.strip().startswith("#"):
            request = _REQUEST_LINE.match(line)
            assert request is not None  # the block parsed: its first line is the request
            raw[index] = f"{request['indent']}{request['method']} {mount_url}{request['path']}"
            break
    if not block.body_line:  # no body, or one [FormParams] makes: Hurl reads them as written
        return raw
    end = next(number for number in range(block.body_line, len(raw)) if _STATUS.match(raw[number]))
    written = end
    while written > block.body_line and not raw[written - 1].strip():
        written -= 1
    return [*raw[: block.body_line], *hurl_body(block.body), *raw[written:]]


def hurl_body(body: str) -> list[str]:
    """``body`` (as the KB sends it) as lines of a Hurl body with the same bytes."""
    stripped = body.strip()
    if stripped.startswith(_KEPT) or _json(stripped):
        return body.split("\n")
    if "\n" not in body and "`" not in body and "\\" not in body:
        return [f"`{body}`"]  # Hurl's one-line string: nothing in it is escaped
    if body.endswith("\n") and "```" not in body:
        return ["```", *body.removesuffix("\n").split("\n"), "```"]  # ends with its newline
    if not _TEMPLATE.search(body):
        return [f"base64,{base64.b64encode(body.encode()).decode('ascii')};"]
    # Text with {{variables}} that no Hurl string says exactly: a raw string, whose last
    # line ends with a newline the block did not have.
    return ["# Hurl sends this body with a newline at its end.", "```", *body.split("\n"), "```"]


def _json(text: str) -> bool:
    """An object or array Hurl reads as a JSON body (``{{name}}`` may stand for a value)."""
    if not text.startswith(("{", "[")):
        return False
    try:
        json.loads(_TEMPLATE.sub("0", text))
    except ValueError:
        return False
    return True
