"""The reader's sandbox of an entry's example, as the consoles' head shows it: ``POST
/try/{slug}/reset`` throws it away; ``/try/{slug}/values`` gives what its consoles captured."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from kb.sandbox.readers import PUBLIC, reader_of
from kb.web.deps import KB, Htmx, Templates
from kb.web.pages import entry_context, not_found, page
from kb.web.tryit import VARIABLE_PREFIX, parse_urlencoded


async def reset(
    slug: str, request: Request, kb: KB, templates: Templates, htmx: Htmx
) -> HTMLResponse:
    """Throw away the reader's sandbox of this example: the next request starts afresh."""
    entry = kb.catalogue.entries.get(slug)
    if entry is None or not entry.meta.example:
        return not_found(request, templates, f"There is no example for “{slug}”.")
    reader = reader_of(request.scope)
    await kb.sandboxes.reset(reader, slug)
    kb.cookie_jars.forget(reader, slug)
    context = {"entry": entry, "variables": {}, "oob": True, "reset": True}
    if htmx:
        return templates.TemplateResponse(request, "_reset.html", context)
    full = entry_context(kb, entry, reset=True)
    return page(templates, request, "entry.html", full)


async def captured_values(
    slug: str, request: Request, kb: KB, templates: Templates
) -> HTMLResponse:
    """What the reader's consoles of this entry captured, while their sandbox lives: for
    a page loaded again (the entry page itself is the same for every reader, and cached).

    Posted, with the page's values (``var_*``) and ``clear``: those values less the one
    cleared, which the sandbox forgets too.
    """
    entry = kb.catalogue.entries.get(slug)
    if entry is None or not entry.meta.example:
        return not_found(request, templates, f"There is no example for “{slug}”.")
    reader = reader_of(request.scope)
    jar = None
    if reader != PUBLIC and kb.sandboxes.running(reader, slug):
        app = await kb.example_app(slug, reader)
        if app is not None:
            jar = kb.cookie_jars.of(reader, slug, app)
    variables = dict(jar.captured) if jar is not None else {}
    if request.method == "POST":
        fields = parse_urlencoded(await request.body())
        variables = {
            key.removeprefix(VARIABLE_PREFIX): value
            for key, value in fields
            if key.startswith(VARIABLE_PREFIX)
        }
        for key, name in fields:
            if key == "clear":
                variables.pop(name, None)
                if jar is not None:
                    jar.captured.pop(name, None)
    context = {"entry": entry, "variables": variables}
    response = templates.TemplateResponse(request, "_variables.html", context)
    response.headers["cache-control"] = "no-store"
    return response
