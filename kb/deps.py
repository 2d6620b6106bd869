"""Dependencies shared by the KB's route handlers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates

from kb.knowledge import KnowledgeBase


def get_kb(request: Request) -> KnowledgeBase:
    return request.app.state.kb


def get_templates(request: Request) -> Jinja2Templates:
    return request.app.state.templates


def is_htmx(request: Request) -> bool:
    """True for requests htmx makes that want a fragment rather than a page.

    When the reader goes back to a URL htmx pushed, htmx asks for it again and needs the
    whole page, so a history restore is not a fragment request.
    """
    headers = request.headers
    return (
        headers.get("hx-request") == "true" and headers.get("hx-history-restore-request") != "true"
    )


KB = Annotated[KnowledgeBase, Depends(get_kb)]
Templates = Annotated[Jinja2Templates, Depends(get_templates)]
Htmx = Annotated[bool, Depends(is_htmx)]
