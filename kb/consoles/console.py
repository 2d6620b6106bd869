"""Sending a console's request to an example app in-process, and reading its response.

Requests never leave the process: :mod:`kb.consoles.inprocess` calls the example app directly,
so a console cannot be used to reach any other host.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import logging
import re
import shlex
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from http import HTTPStatus
from pathlib import Path, PurePosixPath

from starlette.types import ASGIApp

from kb.consoles import cookies, inprocess
from kb.content import sources, tryblocks
from kb.content.highlight import highlight

log = logging.getLogger("kb")

_HOP_BY_HOP = frozenset({"host", "content-length", "transfer-encoding", "connection"})
ORIGIN = "http://testserver"  # where kb check's requests say they come from


class RequestError(ValueError):
    """A request that cannot be built (a file part that is not there, a malformed
    ``hex,`` body); the message says why."""


@dataclass(frozen=True)
class Upload:
    """A file the reader chose in the console for a file part, sent instead of its default."""

    name: str  # of the file part it fills
    filename: str
    content_type: str
    data: bytes = field(repr=False)


@dataclass(frozen=True)
class ConsoleRequest:
    method: str
    path: str  # relative to the example's mount, starting with "/"
    headers: tuple[tuple[str, str], ...] = ()
    body: str = ""
    parts: tuple[tryblocks.Part, ...] = ()  # when set, sent as multipart/form-data
    uploads: tuple[Upload, ...] = ()
    files_dir: Path | None = None  # where file,NAME; parts and bodies are read from

    @classmethod
    def from_block(
        cls, block: tryblocks.TryBlock, variables: dict[str, str], files_dir: Path | None = None
    ) -> ConsoleRequest:
        """The block's request with ``{{name}}`` replaced (``UnknownVariable`` if one has no
        value); ``files_dir`` is the entry's, where the files the block sends are."""
        request = cls(
            block.method, block.path, block.headers, block.body, block.parts, files_dir=files_dir
        )
        return request.substitute(variables)

    def substitute(self, variables: dict[str, str]) -> ConsoleRequest:
        """This request with ``{{name}}`` replaced (``UnknownVariable`` if one has no value)."""
        if not self.uses_variables:
            return self
        return dataclasses.replace(
            self,
            path=tryblocks.substitute(self.path, variables),
            headers=tuple(
                (name, tryblocks.substitute(value, variables)) for name, value in self.headers
            ),
            body=tryblocks.substitute(self.body, variables),
            parts=tuple(
                dataclasses.replace(
                    part,
                    value=tryblocks.substitute(part.value, variables),
                    file=tryblocks.substitute(part.file, variables),
                )
                for part in self.parts
            ),
        )

    @property
    def uses_variables(self) -> bool:
        if "{{" in self.path or "{{" in self.body:
            return True
        if any("{{" in part.value or "{{" in part.file for part in self.parts):
            return True
        return any("{{" in value for _, value in self.headers)

    def with_cookies(self, cookies: str) -> ConsoleRequest:
        """This request with ``cookies`` (``a=1; b=2``) sent too: before the Cookie header
        it has, in that one header, so that the request's own cookies win (the last of a
        name is the one Starlette keeps)."""
        if not cookies:
            return self
        headers = list(self.headers)
        for index, (name, value) in enumerate(headers):
            if name.lower() == "cookie":
                headers[index] = (name, f"{cookies}; {value}")
                break
        else:
            headers.append(("Cookie", cookies))
        return dataclasses.replace(self, headers=tuple(headers))

    def read_file(self, name: str) -> bytes:
        if self.files_dir is None:
            raise RequestError(f"{name!r}: this request has no example folder to read files from")
        try:
            return sources.example_file(self.files_dir, name).read_bytes()
        except ValueError as exc:
            raise RequestError(str(exc)) from None

    def encode(self) -> tuple[list[tuple[str, str]], bytes]:
        """The headers and the body bytes to send; :class:`RequestError` when they cannot
        be made."""
        headers = [(n, v) for n, v in self.headers if n.lower() not in _HOP_BY_HOP]
        if not self.parts:
            try:
                return headers, tryblocks.body_bytes(self.body, self.read_file)
            except tryblocks.BodyError as exc:
                raise RequestError(f"the body: {exc}") from None
        content_type, body = self._multipart()
        headers = [(n, v) for n, v in headers if n.lower() != "content-type"]
        return [*headers, ("Content-Type", content_type)], body

    def _multipart(self) -> tuple[str, bytes]:
        # httpx (a dependency) builds the multipart body and its boundary. Imported here:
        # only an upload needs it, and importing it costs start-up time.
        import httpx

        chosen = {upload.name: upload for upload in self.uploads}
        fields: dict[str, list[str]] = {}
        files: list[tuple[str, tuple[str, bytes, str]]] = []
        for part in self.parts:
            if not part.file:
                fields.setdefault(part.name, []).append(part.value)
            elif (upload := chosen.get(part.name)) is not None:
                kind = upload.content_type or "application/octet-stream"
                files.append((part.name, (upload.filename, upload.data, kind)))
            else:
                data = self.read_file(part.file)
                files.append((part.name, (PurePosixPath(part.file).name, data, part.media_type)))
        built = httpx.Request("POST", "http://example/", data=fields, files=files)
        return built.headers["content-type"], built.read()

    def curl(self, origin: str, mount: str, cookie: str = "") -> str:
        """The same request as a curl command; ``cookie`` is the reader's own, so that
        it reaches the reader's sandbox."""
        words = ["curl", "-i"]
        if self.method != "GET":
            words += ["-X", self.method]
        words.append(f"{origin.rstrip('/')}{mount}{self.path}")
        cookies = [cookie] if cookie else []
        for name, value in self.headers:
            if name.lower() == "cookie":
                cookies.append(value)  # one Cookie header: curl would send two
            elif not (self.parts and name.lower() == "content-type"):
                words += ["-H", f"{name}: {value}"]
        if cookies:
            words += ["--cookie", "; ".join(cookies)]
        chosen = {upload.name: upload for upload in self.uploads}
        for part in self.parts:
            words += _curl_part(part, chosen.get(part.name))
        before = ""
        if self.body and not self.parts:
            before, data = _curl_body(self.body)
            words += data
        return before + " ".join(shlex.quote(word) for word in words)


def _curl_body(body: str) -> tuple[str, list[str]]:
    """What comes before curl (a pipe) and curl's data arguments, for the same bytes."""
    name = tryblocks.body_file(body)
    if name is not None:
        return "", ["--data-binary", f"@{name}"]
    try:
        data = tryblocks.body_bytes(body, lambda name: b"")
    except tryblocks.BodyError:
        return "", ["--data-raw", body]
    try:
        text = data.decode()
    except UnicodeDecodeError:
        text = "\0"
    if "\0" not in text and "\r" not in text:
        return "", ["--data-raw", text]
    # Bytes a shell argument cannot carry (NUL; CR that copying may lose): piped in.
    encoded = base64.b64encode(data).decode("ascii")
    return f"printf %s {encoded} | base64 -d | ", ["--data-binary", "@-"]


def _curl_part(part: tryblocks.Part, upload: Upload | None) -> list[str]:
    if not part.file:
        # curl -F reads a value starting with @ or < as a file: --form-string never does.
        flag = "--form-string" if part.value.startswith(("@", "<")) else "-F"
        return [flag, f"{part.name}={part.value}"]
    name = upload.filename if upload else part.file
    kind = (upload.content_type if upload else part.content_type) or ""
    if re.search(r'[;,"]', name):
        name = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return ["-F", f"{part.name}=@{name}" + (f";type={kind}" if kind else "")]


@dataclass
class ConsoleResult:
    request: ConsoleRequest
    status: int
    elapsed_ms: float
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    truncated: bool = False
    error: str = ""  # set when the KB, not the example, stopped the request
    failure: inprocess.Failure | None = None  # an exception raised inside the example
    first_byte_ms: float = 0.0
    # Work after the response (background tasks): ms it took, "running", or None.
    after_response: float | str | None = None

    @property
    def after_response_text(self) -> str:
        if self.after_response is None:
            return ""
        if self.after_response == "running":
            return "Work after the response (background tasks) is still running."
        return f"Work after the response (background tasks) finished after {self.after_response:.0f} ms."

    @property
    def reason(self) -> str:
        try:
            return HTTPStatus(self.status).phrase
        except ValueError:
            return ""

    @property
    def status_class(self) -> str:
        return f"s{self.status // 100}xx"

    @property
    def media_type(self) -> str:
        for name, value in self.headers:
            if name.lower() == "content-type":
                return value.split(";")[0].strip().lower()
        return ""

    def as_response(self) -> tryblocks.Response:
        # A list, not a dict: every Set-Cookie counts.
        return tryblocks.Response(
            self.status, [(name.lower(), value) for name, value in self.headers], self.body
        )

    @property
    def body_text(self) -> str:
        return _pretty(self.body, self.media_type, self.truncated)

    @property
    def body_html(self) -> str:
        """The body pretty-printed and highlighted; Pygments escapes every character."""
        if len(self.body) > MAX_REMEMBERED:
            return _body_html(self.body, self.media_type, self.truncated)
        return _remembered_body_html(self.body, self.media_type, self.truncated)


# Readers send the same few requests again and again, and get the same bodies back:
# short bodies are highlighted once. The bound keeps the memory this takes small.
MAX_REMEMBERED = 4096  # bytes


def _pretty(body: bytes, media_type: str, truncated: bool) -> str:
    text = body.decode("utf-8", errors="replace")
    if media_type.endswith("json") and not truncated:
        try:
            return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
        except ValueError:
            return text
    return text


def _body_html(body: bytes, media_type: str, truncated: bool) -> str:
    language = "json" if media_type.endswith("json") else "text"
    if media_type in ("text/html", "application/xml", "text/xml"):
        language = "html"
    return highlight(_pretty(body, media_type, truncated), language)


_remembered_body_html = lru_cache(maxsize=256)(_body_html)


async def send(
    app: ASGIApp,
    mount: str,
    request: ConsoleRequest,
    *,
    origin: str = ORIGIN,
    timeout: float = 5.0,
    max_response: int = 1024 * 1024,
) -> ConsoleResult:
    """Call ``app`` (mounted at ``mount``) with ``request`` and collect its response.

    :class:`RequestError` when the request cannot be built (a file it sends is missing).
    """
    headers, body = request.encode()
    if not any(name.lower() == "accept" for name, _ in headers):
        headers.append(("accept", "*/*"))  # as curl and httpx send
    scope = inprocess.build_scope(
        request.method, f"{mount}{request.path}", headers, body, origin=origin, root_path=mount
    )
    started = time.perf_counter()
    try:
        reply = await inprocess.call(app, scope, body, max_body=max_response, timeout=timeout)
    except TimeoutError:
        return ConsoleResult(
            request,
            504,
            (time.perf_counter() - started) * 1000,
            error=f"The example did not answer within {timeout:g} s, so the request was stopped.",
        )
    if reply.failure is not None:
        # With the request id of the console's request (the log's formatter adds it).
        log.error(
            "example at %s raised %s\n%s", mount, reply.failure.short, reply.failure.traceback
        )
    return ConsoleResult(
        request=request,
        status=reply.status,
        elapsed_ms=reply.response_ms,
        headers=reply.headers,
        body=reply.body,
        truncated=reply.truncated,
        failure=reply.failure,
        first_byte_ms=reply.first_byte_ms,
        after_response=reply.after_response,
    )


@dataclass
class BlockOutcome:
    """A try block run as the docs-as-tests harness runs it."""

    block: tryblocks.TryBlock
    result: ConsoleResult | None
    failures: list[str]
    captured: dict[str, str]


def check(
    block: tryblocks.TryBlock, result: ConsoleResult, variables: dict[str, str] | None = None
) -> tuple[list[str], dict[str, str]]:
    """What failed (expected status, asserts, captures) and what was captured;
    ``variables`` are the values captured before, for ``{{name}}`` in assertions."""
    failures = []
    if result.error:
        failures.append(result.error)
    if block.status is not None and result.status != block.status:
        # An exception the entry expects (its block says HTTP 500) is no failure; one
        # that changed the status is named, with the example's own line.
        if result.failure is not None and not result.failure.after_response:
            got = f"the example raised {result.failure.short}"
        else:
            got = result.body[:300].decode("utf-8", errors="replace").replace("\n", " ")
        failures.append(f"expected HTTP {block.status}, got {result.status}: {got}")
    response = result.as_response()
    for assertion in block.asserts:
        if (why := assertion.check(response, variables)) is not None:
            failures.append(why)
    captured = {}
    for capture in block.captures:
        try:
            captured[capture.name] = capture.extract(response)
        except tryblocks.CaptureFailed as exc:
            failures.append(f"capture {capture.name}: {exc}")
    return failures, captured


async def run_blocks(
    app: ASGIApp,
    mount: str,
    blocks: Sequence[tryblocks.TryBlock],
    *,
    timeout: float = 5.0,
    files_dir: Path | None = None,
    variables: dict[str, str] | None = None,
    jar: cookies.Jar | None = None,
) -> list[BlockOutcome]:
    """Run an entry's try blocks in order, feeding captures forward, with one cookie jar
    shared by the blocks as a browser's is. A caller running the blocks a few at a time
    passes its own ``variables`` and ``jar``, so that both carry over."""
    variables = {} if variables is None else variables
    jar = cookies.Jar() if jar is None else jar
    outcomes = []
    for block in blocks:
        try:
            request = ConsoleRequest.from_block(block, variables, files_dir)
        except tryblocks.UnknownVariable as exc:
            failure = f"uses {{{{{exc.name}}}}}, which no earlier block captures"
            outcomes.append(BlockOutcome(block, None, [failure], {}))
            continue
        request = jar.send_with(request, ORIGIN)
        try:
            result = await send(app, mount, request, timeout=timeout)
        except RequestError as exc:
            outcomes.append(BlockOutcome(block, None, [str(exc)], {}))
            continue
        jar.keep(request, result.headers, ORIGIN)
        failures, captured = check(block, result, variables)
        variables.update(captured)
        outcomes.append(BlockOutcome(block, result, failures, captured))
    return outcomes
