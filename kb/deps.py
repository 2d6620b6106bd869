"""Dependencies shared by the KB's route handlers.

All are ``async def``: FastAPI runs a plain ``def`` dependency in a worker thread, which
would cost more than the dependency itself on every request.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates
from starlette.datastructures import Headers

from kb.knowledge import KnowledgeBase


async def get_kb(request: Request) -> KnowledgeBase:
    return request.app.state.kb


async def get_templates(request: Request) -> Jinja2Templates:
    return request.app.state.templates


def wants_fragment(headers: Headers) -> bool:
    """True for requests htmx makes that want a fragment rather than a page.

    When the reader goes back to a URL htmx pushed, htmx asks for it again and needs the
    whole page, so a history restore is not a fragment request.
    """
    return (
        headers.get("hx-request") == "true" and headers.get("hx-history-restore-request") != "true"
    )


async def is_htmx(request: Request) -> bool:
    return wants_fragment(request.headers)


KB = Annotated[KnowledgeBase, Depends(get_kb)]
Templates = Annotated[Jinja2Templates, Depends(get_templates)]
Htmx = Annotated[bool, Depends(is_htmx)]
