"""The request-as-code panel of a console (templates/_request_code.html): a try block's
request before it is sent, and what a console actually sent, as curl, HTTPie, httpx and
fetch, with absolute URLs to this server's mount of the example."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from kb.consoles.requests import ConsoleRequest
from kb.content import requestcode, tryblocks


@dataclass(frozen=True)
class RequestCode:
    origin: str  # the KB's URL the snippets use, "http://127.0.0.1:8000"
    snippets: tuple[requestcode.Snippet, ...]
    sent: bool  # what a console sent (values filled in), or the block as written


def from_block(block: tryblocks.TryBlock, base_url: object, mount: str) -> RequestCode:
    """``block``'s request as written, ``{{name}}`` included; ``base_url`` is the KB's, as
    the reader reached it (Starlette's ``request.base_url``, or its text)."""
    origin = str(base_url).rstrip("/")
    request = requestcode.CodeRequest(
        block.method, f"{origin}{mount}{block.path}", block.headers, block.body, block.parts
    )
    return RequestCode(origin, tuple(requestcode.snippets(request)), sent=False)


def from_sent(sent: ConsoleRequest, base_url: str, mount: str, cookie: str = "") -> RequestCode:
    """What a console sent; ``cookie`` (``kb_reader=…``) is the reader's own, so that the
    code reaches the reader's sandbox, with the cookies the console's jar added."""
    origin = base_url.rstrip("/")
    headers = sent.with_cookies(cookie).headers
    chosen = {upload.name: upload for upload in sent.uploads}
    parts = tuple(
        dataclasses.replace(part, file=upload.filename, content_type=upload.content_type)
        if part.file and (upload := chosen.get(part.name)) is not None
        else part
        for part in sent.parts
    )
    request = requestcode.CodeRequest(
        sent.method, f"{origin}{mount}{sent.path}", headers, sent.body, parts
    )
    return RequestCode(origin, tuple(requestcode.snippets(request)), sent=True)
