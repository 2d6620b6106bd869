"""``POST /try/{slug}``: send an edited console request to the entry's example app."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from kb import console, tryblocks
from kb.deps import KB, Htmx, Templates
from kb.pages import entry_context, not_found, page
from kb.readers import COOKIE, reader_of

VARIABLE_PREFIX = "var_"


class ConsoleInputError(ValueError):
    """A console form that cannot be sent; the message is shown to the reader."""


def _parse_form(form: Any, block_count: int) -> tuple[int, console.ConsoleRequest, dict[str, str]]:
    try:
        index = int(str(form.get("block", "")))
    except ValueError:
        raise ConsoleInputError("The form does not say which request it is.") from None
    if not 0 <= index < block_count:
        raise ConsoleInputError(f"This entry has no request number {index + 1}.")
    method = str(form.get("method", "")).upper().strip()
    if method not in tryblocks.METHODS:
        raise ConsoleInputError(
            f"Unknown method {method!r}: use one of {', '.join(tryblocks.METHODS)}."
        )
    path = str(form.get("path", "")).strip()
    if not path.startswith("/") or path.startswith("//") or any(c.isspace() for c in path):
        raise ConsoleInputError("The path must start with a single '/' and contain no spaces.")
    try:
        headers = tryblocks.parse_headers(str(form.get("headers", "")))
    except ValueError as exc:
        raise ConsoleInputError(f"Headers: {exc}.") from None
    body = str(form.get("body", "")).replace("\r\n", "\n")
    variables = {
        key.removeprefix(VARIABLE_PREFIX): str(value)
        for key, value in form.multi_items()
        if key.startswith(VARIABLE_PREFIX)
    }
    return index, console.ConsoleRequest(method, path, tuple(headers), body), variables


async def try_request(
    slug: str, request: Request, kb: KB, templates: Templates, htmx: Htmx
) -> HTMLResponse:
    entry = kb.catalogue.entries.get(slug)
    if entry is None:
        return not_found(request, templates, f"There is no pattern “{slug}”.")
    blocks = entry.rendered.try_blocks
    form = await request.form()
    index = 0
    context: dict[str, Any] = {"entry": entry, "result": None, "captured": {}, "failures": []}
    status_code = 200
    variables: dict[str, str] = {}
    try:
        index, edited, variables = _parse_form(form, len(blocks))
        context["index"] = index
        try:
            sent = edited.substitute(variables)
        except KeyError as exc:
            name = exc.args[0]
            source = _capturing_block(blocks, name)
            hint = (
                f" Send request {source + 1} first: it captures it." if source is not None else ""
            )
            raise ConsoleInputError(
                f"This request uses {{{{{name}}}}}, which has no value yet.{hint}"
            ) from None
        app = await kb.example_app(slug, reader_of(request.scope))
        if app is None:
            status_code = 503
            context["error"] = "This entry's example app is not running; see /healthz."
        else:
            result = await console.send(
                app,
                entry.mount,
                sent,
                origin=str(request.base_url).rstrip("/"),
                timeout=kb.settings.try_timeout,
                max_response=kb.settings.try_max_response,
            )
            failures, captured = console.check(blocks[index], result)
            variables.update(captured)
            context.update(
                result=result,
                captured=captured,
                failures=failures,
                curl=sent.curl(str(request.base_url), entry.mount, _reader_cookie(request)),
                error=result.error,
            )
            if result.error:
                status_code = result.status
    except ConsoleInputError as exc:
        status_code = 422
        context["error"] = str(exc)
    context["variables"] = variables
    context.setdefault("index", index)
    context.setdefault("error", "")
    if htmx:
        context["oob"] = True
        return templates.TemplateResponse(
            request, "_try_result.html", context, status_code=status_code
        )
    full = entry_context(kb, entry, results={context["index"]: context}, variables=variables)
    return page(templates, request, "entry.html", full, status_code=status_code)


def _capturing_block(blocks: list[tryblocks.TryBlock], name: str) -> int | None:
    for number, block in enumerate(blocks):
        if any(capture.name == name for capture in block.captures):
            return number
    return None


def _reader_cookie(request: Request) -> str:
    """The reader's cookie, so that "copy as curl" reaches the reader's own sandbox."""
    value = request.cookies.get(COOKIE, "")
    return f"{COOKIE}={value}" if value and reader_of(request.scope) != "public" else ""


async def reset(
    slug: str, request: Request, kb: KB, templates: Templates, htmx: Htmx
) -> HTMLResponse:
    """Throw away the reader's sandbox of this example: the next request starts afresh."""
    entry = kb.catalogue.entries.get(slug)
    if entry is None or not entry.meta.example:
        return not_found(request, templates, f"There is no example for “{slug}”.")
    await kb.sandboxes.reset(reader_of(request.scope), slug)
    context = {"entry": entry, "variables": {}, "oob": True}
    if htmx:
        return templates.TemplateResponse(request, "_reset.html", context)
    full = entry_context(kb, entry, reset=True)
    return page(templates, request, "entry.html", full)
