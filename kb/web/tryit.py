"""``POST /try/{slug}``: send an edited console request to the entry's example app."""

from __future__ import annotations

import re
import secrets
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.types import Receive, Scope, Send

from kb.consoles import console
from kb.consoles.cookies import Jar
from kb.consoles.requests import ConsoleRequest, RequestError, Upload
from kb.consoles.results import MAX_REMEMBERED, ConsoleResult
from kb.content import tryblocks
from kb.content.catalogue import Entry
from kb.knowledge import KnowledgeBase
from kb.middleware.observability import RouteLabel
from kb.sandbox.readers import COOKIE, PUBLIC, reader_cookie_of, reader_of
from kb.web import requestcode
from kb.web.deps import wants_fragment
from kb.web.pages import entry_context, not_found, page

VARIABLE_PREFIX = "var_"
UPLOAD_PREFIX = "upload:"  # a file input's name: upload:<the file part's name>
_SPACE = re.compile(r"\s")
MAX_FIELDS = 1000  # a console has a handful; the body limit bounds the rest
MAX_FILES = 20


class ConsoleInputError(ValueError):
    """A console form that cannot be sent; the message is shown to the reader."""

    def __init__(self, message: str, source: console.Step | None = None) -> None:
        super().__init__(message)
        self.source = source  # the console to send first, when that is the way out


def _parse_form(
    fields: list[tuple[str, str]], uploads: list[Upload], entry: Entry
) -> tuple[int, ConsoleRequest, dict[str, str]]:
    blocks = entry.rendered.try_blocks
    form = dict(fields)
    try:
        index = int(str(form.get("block", "")))
    except ValueError:
        raise ConsoleInputError("The form does not say which request it is.") from None
    if not 0 <= index < len(blocks):
        raise ConsoleInputError(f"This entry has no request number {index + 1}.")
    method = str(form.get("method", "")).upper().strip()
    if method not in tryblocks.METHODS:
        raise ConsoleInputError(
            f"Unknown method {method!r}: use one of {', '.join(tryblocks.METHODS)}."
        )
    path = str(form.get("path", "")).strip()
    if not path.startswith("/") or path.startswith("//") or _SPACE.search(path):
        raise ConsoleInputError("The path must start with a single '/' and contain no spaces.")
    try:
        headers = tryblocks.parse_headers(str(form.get("headers", "")))
    except ValueError as exc:
        raise ConsoleInputError(f"Headers: {exc}.") from None
    # Browsers send a textarea's line breaks as CRLF, whatever the text had (the HTML
    # form submission rules): undone, and only that. A lone CR, or any other character,
    # is sent as typed; exact bytes are what hex,...; and base64,...; bodies are for.
    body = form.get("body", "").replace("\r\n", "\n")
    parts: tuple[tryblocks.Part, ...] = ()
    if "parts" in form:
        parts = _parts(form["parts"].replace("\r\n", "\n"), uploads, headers)
    elif uploads:
        raise ConsoleInputError("Files were chosen for a request that sends no form data.")
    variables = {
        key.removeprefix(VARIABLE_PREFIX): str(value)
        for key, value in fields
        if key.startswith(VARIABLE_PREFIX)
    }
    request = ConsoleRequest(
        method,
        path,
        tuple(headers),
        "" if parts else body,
        parts=parts,
        uploads=tuple(uploads),
        files_dir=entry.files_dir,
    )
    return index, request, variables


def _parts(
    text: str, uploads: list[Upload], headers: list[tuple[str, str]]
) -> tuple[tryblocks.Part, ...]:
    try:
        parts = tryblocks.parse_parts(text)
    except ValueError as exc:
        raise ConsoleInputError(f"Form data, {exc}.") from None
    if not parts:
        raise ConsoleInputError("The form data is empty: give at least one 'name: value' line.")
    if any(name.lower() == "content-type" for name, _ in headers):
        raise ConsoleInputError(
            "Remove the Content-Type header: form data sets its own, with the boundary."
        )
    file_parts = {part.name for part in parts if part.file}
    for upload in uploads:
        if upload.name not in file_parts:
            raise ConsoleInputError(
                f"A file was chosen for {upload.name!r}, but the form data has no file "
                f"part {upload.name!r} ('{upload.name}: file,NAME;')."
            )
    return parts


class TryEndpoint:
    """``POST /try/{slug}``: send one console's request; the result as a fragment (htmx)
    or, without JavaScript, the whole entry page.

    A plain ASGI endpoint, not a FastAPI one: it is the console's hot path, where
    dependency injection, Request and Response objects and the multipart-capable form
    parser each cost more than the KB's own work, and its form has fields named by the
    entry (``var_*``) that a signature cannot declare. It reads the request's headers
    once, and the urlencoded body that browsers send with a small parser.
    """

    path = "/try/{slug}"
    _label = RouteLabel(path)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope["route"] = self._label  # FastAPI's router sets none for a plain route
        kb: KnowledgeBase = scope["app"].state.kb
        templates: Jinja2Templates = scope["app"].state.templates
        headers = dict(scope["headers"])
        htmx = wants_fragment(headers)
        slug = scope["path_params"]["slug"]
        entry = kb.catalogue.entries.get(slug)
        if entry is None:
            response = not_found(Request(scope), templates, f"There is no pattern “{slug}”.")
            await response(scope, receive, send)
            return
        problem: ConsoleInputError | None = None
        fields: Fields = []
        uploads: list[Upload] = []
        try:
            fields, uploads = await _form_fields(scope, receive, headers)
        except ConsoleInputError as exc:
            problem = exc
        outcome = await _run(kb, entry, (fields, uploads), problem, scope, headers, htmx)
        if isinstance(outcome, bytes):  # a fragment rendered before
            await _send_html(send, outcome, 200)
            return
        context, status_code, remember = outcome
        if htmx:
            context.update(oob=True, elapsed=ELAPSED)
            # Kept encoded: the same fragment goes out again, and encoding it costs more
            # than the rest of a remembered answer.
            fragment = templates.get_template("_try_result.html").render(context).encode()
            if remember is not None:
                kb.fragments.put(remember, fragment)
            await _send_html(send, _timed(fragment, context["result"]), status_code)
            return
        results = {context["index"]: context}
        full = entry_context(kb, entry, results=results, variables=context["variables"])
        response = page(templates, Request(scope), "entry.html", full, status_code=status_code)
        await response(scope, receive, send)


try_request = TryEndpoint()


async def _run(
    kb: KnowledgeBase,
    entry: Entry,
    form: tuple[Fields, list[Upload]],
    problem: ConsoleInputError | None,
    scope: Scope,
    headers: dict[bytes, bytes],
    htmx: bool,
) -> tuple[dict[str, Any], int, tuple[Any, ...] | None] | bytes:
    """The context to render the result with, its status code and the key to remember the
    fragment by; or, when this very result was rendered before, the fragment."""
    blocks = entry.rendered.try_blocks
    index = 0
    context: dict[str, Any] = {
        "entry": entry,
        "result": None,
        "captured": {},
        "failures": [],
        "sent_cookies": [],
        "dev": kb.settings.dev,
    }
    status_code = 200
    variables: dict[str, str] = {}
    remember: tuple[Any, ...] | None = None
    try:
        if problem is not None:
            raise problem
        fields, uploads = form
        if isinstance(fields, bytes):
            index, edited, variables = _urlencoded_form(kb, fields, entry)
        else:
            index, edited, variables = _parse_form(fields, uploads, entry)
        context["index"] = index
        reader = reader_of(scope)
        app = await kb.example_app(entry.slug, reader)
        # Readers without a cookie share one sandbox: they get no jar to share.
        jar = None
        if app is not None and reader != PUBLIC:
            jar = kb.cookie_jars.of(reader, entry.slug, app)
        sent = _substituted(edited, variables, blocks, jar)
        if app is None:
            status_code = 503
            context["error"] = "This entry's example app is not running; see /healthz."
        else:
            base_url = _base_url(scope, headers)
            origin = base_url.rstrip("/")
            if jar is not None and (cookies := jar.header(origin, sent.path)):
                sent = sent.with_cookies(cookies)
                context["sent_cookies"] = [pair.partition("=")[0] for pair in cookies.split("; ")]
            try:
                result = await console.send(
                    app,
                    entry.mount,
                    sent,
                    origin=origin,
                    timeout=kb.settings.try_timeout,
                    max_response=kb.settings.try_max_response,
                )
            except RequestError as exc:
                raise ConsoleInputError(f"This request cannot be sent: {exc}.") from None
            if jar is not None:
                jar.keep(sent, result.headers, origin)
            cookie = _reader_cookie(scope)
            block = blocks[index]
            plain = not result.error and result.failure is None and result.after_response is None
            # An upload's files and a stream's piece times are not in the key: render anew.
            # Nor is what a capture keeps for the page's next load: a capturing block's
            # answer (a fresh token, a new id) seldom repeats anyway.
            plain = plain and not sent.uploads and not result.streamed and not block.captures
            if htmx and plain and len(result.body) <= MAX_REMEMBERED:
                # Everything the fragment shows but the time taken: the same response to
                # the same request renders the same, so it is rendered once.
                # ``sent`` is ``edited`` unless variables or cookies went in: hashed once.
                same = sent is edited
                remember = (entry.slug, index, edited, None if same else sent, base_url)
                remember += (tuple(variables.items()),)
                remember += (cookie, result.status, tuple(result.headers), result.body)
                remember += (result.truncated,)
                fragment = kb.fragments.get(remember)
                if fragment is not None:
                    return _timed(fragment, result)
            sent_code = requestcode.from_sent(sent, base_url, entry.mount, cookie)
            found = console.verdict(block, result, variables)
            variables.update(found.captured)
            if jar is not None and found.captured:
                jar.captured.update(found.captured)
            failed = any(not check.ok for check in found.checks)
            context.update(
                result=result,
                captured=found.captured,
                checks=found.checks,
                failures=found.failures,
                sent_code=sent_code,
                error=result.error,
                changed=failed and console.changed(edited, block),
                sources=console.sources(blocks, index, edited) if failed else [],
                sent=sent if edited.uses_variables else None,
                asserted=console.asserted_headers(block),
            )
            if result.error:
                status_code = result.status
    except ConsoleInputError as exc:
        status_code = 422
        context["error"] = str(exc)
        context["source"] = exc.source
    context["variables"] = variables
    context.setdefault("index", index)
    context.setdefault("error", "")
    return context, status_code, remember


# Stands in for the time a request took in a rendered fragment: the one thing that
# differs between two identical responses. Random, so that no response body holds it.
ELAPSED = f"elapsed-{secrets.token_hex(8)}"
_ELAPSED = ELAPSED.encode()


def _timed(fragment: bytes, result: ConsoleResult | None) -> bytes:
    # The time is shown before the response's own headers and body: the first is ours.
    elapsed = b"%.1f" % result.elapsed_ms if result is not None else b""
    return fragment.replace(_ELAPSED, elapsed, 1)


async def _send_html(send: Send, body: bytes, status_code: int) -> None:
    headers = [
        (b"content-type", b"text/html; charset=utf-8"),
        (b"content-length", b"%d" % len(body)),
    ]
    await send({"type": "http.response.start", "status": status_code, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _substituted(
    edited: ConsoleRequest,
    variables: dict[str, str],
    blocks: list[tryblocks.TryBlock],
    jar: Jar | None,
) -> ConsoleRequest:
    try:
        return edited.substitute(variables)
    except tryblocks.UnknownVariable as exc:
        # A page loaded afresh (or without JavaScript) sends none of the values its
        # consoles captured before; the reader's sandbox still has them.
        if jar is not None and exc.name in jar.captured:
            variables.update({k: v for k, v in jar.captured.items() if k not in variables})
            return _substituted(edited, variables, blocks, None)
        name = exc.name
        source = console.capturing_step(blocks, name)
        hint = f" Send {source.title} first: it captures it." if source is not None else ""
        raise ConsoleInputError(
            f"This request uses {{{{{name}}}}}, which has no value yet.{hint}", source
        ) from None


# A form's fields, or an urlencoded form's body as it came (read by _urlencoded_form).
Fields = list[tuple[str, str]] | bytes


async def _form_fields(
    scope: Scope, receive: Receive, headers: dict[bytes, bytes]
) -> tuple[Fields, list[Upload]]:
    """The form's fields, and the files chosen in it (a multipart form only)."""
    content_type = headers.get(b"content-type", b"").partition(b";")[0].strip().lower()
    if content_type != b"application/x-www-form-urlencoded":
        return await _multipart_fields(Request(scope, receive))
    message = await receive()
    body = message.get("body", b"")
    if message.get("more_body", False):  # a body in pieces: rare for a form this small
        chunks = [body]
        while message.get("more_body", False):
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
        body = b"".join(chunks)
    return body, []


# A reader sends the same console's form again and again: what it asks for is read once.
MAX_REMEMBERED_FORM = 2048  # bytes of form; longer ones (a big body) are read each time


def _urlencoded_form(
    kb: KnowledgeBase, body: bytes, entry: Entry
) -> tuple[int, ConsoleRequest, dict[str, str]]:
    """:func:`_parse_form` of an urlencoded form's body, remembered while the entry is
    the same (a reload in development makes a new one)."""
    if len(body) > MAX_REMEMBERED_FORM:
        return _parse_form(parse_urlencoded(body), [], entry)
    key = (entry.slug, body)
    kept = kb.forms.get(key)
    if kept is not None and kept[0] is entry:
        return kept[1], kept[2], dict(kept[3])  # the caller adds captured values to its own
    index, request, variables = _parse_form(parse_urlencoded(body), [], entry)
    kb.forms.put(key, (entry, index, request, dict(variables)))
    return index, request, variables


async def _multipart_fields(
    request: Request,
) -> tuple[list[tuple[str, str]], list[Upload]]:
    fields: list[tuple[str, str]] = []
    uploads: list[Upload] = []
    try:
        async with request.form(max_fields=MAX_FIELDS, max_files=MAX_FILES) as form:
            for name, value in form.multi_items():
                if isinstance(value, str):
                    fields.append((name, value))
                elif name.startswith(UPLOAD_PREFIX) and value.filename:  # a file was chosen
                    uploads.append(
                        Upload(
                            name.removeprefix(UPLOAD_PREFIX),
                            value.filename,
                            value.content_type or "",
                            await value.read(),
                        )
                    )
    except (HTTPException, MultiPartException) as exc:  # Starlette's, for a broken form
        detail = exc.detail if isinstance(exc, HTTPException) else exc.message
        raise ConsoleInputError(f"The form could not be read: {detail}") from None
    return fields, uploads


def parse_urlencoded(body: bytes) -> list[tuple[str, str]]:
    """``a=1&b=x+y`` as ``[("a", "1"), ("b", "x y")]``, the way browsers encode a form."""
    try:
        return parse_qsl(
            body.decode("utf-8", errors="replace"),
            keep_blank_values=True,
            max_num_fields=MAX_FIELDS,
            encoding="utf-8",
            errors="replace",
        )
    except ValueError:
        raise ConsoleInputError(f"The form has more than {MAX_FIELDS} fields.") from None


@lru_cache(maxsize=64)
def _origin(scheme: str, host: str, root_path: str) -> str:
    return f"{scheme}://{host}{root_path}/"


def _base_url(scope: Scope, headers: dict[bytes, bytes]) -> str:
    """The KB's URL as the reader reached it, as Starlette's ``request.base_url`` gives it."""
    host = headers.get(b"host", b"").decode("latin-1")
    if not host:
        server_host, port = scope.get("server") or ("localhost", 80)
        host = f"{server_host}:{port}"
    return _origin(scope.get("scheme", "http"), host, scope.get("root_path", ""))


def _reader_cookie(scope: Scope) -> str:
    """The reader's cookie, so that the request as code reaches the reader's own sandbox."""
    value = reader_cookie_of(scope)
    return f"{COOKIE}={value}" if value else ""
