"""Dependencies shared by the KB's route handlers.

All are ``async def``: FastAPI runs a plain ``def`` dependency in a worker thread, which
would cost more than the dependency itself on every request.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates

from kb.knowledge import KnowledgeBase


async def get_kb(request: Request) -> KnowledgeBase:
    kb: KnowledgeBase = request.app.state.kb
    return kb


async def get_templates(request: Request) -> Jinja2Templates:
    templates: Jinja2Templates = request.app.state.templates
    return templates


def wants_fragment(headers: Mapping[bytes, bytes]) -> bool:
    """True for requests htmx makes that want a fragment rather than a page.

    ``headers`` are the raw ones, as ``dict(scope["headers"])`` gives them. When the reader
    goes back to a URL htmx pushed, htmx asks for it again and needs the whole page, so
    a history restore is not a fragment request.
    """
    return (
        headers.get(b"hx-request") == b"true"
        and headers.get(b"hx-history-restore-request") != b"true"
    )


async def is_htmx(request: Request) -> bool:
    return wants_fragment(dict(request.scope["headers"]))


KB = Annotated[KnowledgeBase, Depends(get_kb)]
Templates = Annotated[Jinja2Templates, Depends(get_templates)]
Htmx = Annotated[bool, Depends(is_htmx)]
