"""Swagger UI pages with local assets: the KB's own API and each example's."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.types import Scope

from kb.knowledge import KnowledgeBase


async def swagger(request: Request) -> HTMLResponse:
    """``/docs``: the KB's JSON API."""
    app = request.app
    context = {"title": f"{app.title} — API", "openapi_url": app.openapi_url}
    templates: Jinja2Templates = app.state.templates
    return templates.TemplateResponse(request, "swagger.html", context)


async def example_docs(scope: Scope, slug: str) -> Response | None:
    """``/examples/{slug}/docs``: the example's API, or None when it publishes no schema."""
    request = Request(scope)
    kb: KnowledgeBase = request.app.state.kb
    running = await kb.example_app(slug)
    example = running.app if running is not None else None
    if example is None or example.openapi_url is None:
        return None
    root = f"{scope.get('root_path', '')}/{slug}"
    context = {
        "title": f"{example.title} — Swagger UI",
        "openapi_url": f"{root}{example.openapi_url}",
    }
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(request, "swagger.html", context)
