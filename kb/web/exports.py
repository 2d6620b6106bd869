"""An entry's requests to take elsewhere: ``/patterns/{slug}.hurl``, its try blocks as a
Hurl file with absolute URLs to this KB (kb.content.hurlfile)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from kb.content import hurlfile
from kb.web.deps import KB, Templates
from kb.web.pages import not_found


async def hurl(slug: str, request: Request, kb: KB, templates: Templates) -> Response:
    entry = kb.catalogue.entries.get(slug)
    if entry is None:
        return not_found(request, templates, f"There is no pattern “{slug}”.")
    try:
        text = hurlfile.hurl_file(entry, str(request.base_url))
    except hurlfile.NoRequests as exc:
        return not_found(request, templates, f"{exc}.")
    # Shown in the browser (text/plain), saved under the entry's name when downloaded.
    return Response(
        text,
        media_type="text/plain; charset=utf-8",
        headers={"Content-Disposition": f'inline; filename="{slug}.hurl"'},
    )
