"""API documentation pages with local assets: the KB's own and each example's."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from starlette._utils import get_route_path
from starlette.types import Scope

from kb.middleware.security import REDOC_CONTENT_SECURITY_POLICY
from kb.sandbox.mount import ExampleDocs


async def swagger(request: Request) -> HTMLResponse:
    """``/docs``: the KB's JSON API."""
    app = request.app
    context = {
        "title": f"{app.title} — API",
        "openapi_url": app.openapi_url,
        "pattern": None,
        "docs_what": "JSON API",
    }
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(request, "swagger.html", context)


def example_docs(scope: Scope, docs: ExampleDocs) -> Response:
    """An example's ``/docs`` or ``/redoc`` (or a mounted sub-application's), from its schema."""
    request = Request(scope)
    templates: Jinja2Templates = request.app.state.templates
    app = docs.app
    # The page links back to the pattern: its slug is the first step below /examples.
    slug = get_route_path(scope).lstrip("/").partition("/")[0]
    pattern = request.app.state.kb.catalogue.entries.get(slug)
    if docs.ui == "redoc":
        title = f"{app.title} — ReDoc"
        context = {
            "title": title,
            "openapi_url": docs.openapi_url,
            "pattern": pattern,
            "docs_what": "API reference",
        }
        response = templates.TemplateResponse(request, "redoc.html", context)
        response.headers["content-security-policy"] = REDOC_CONTENT_SECURITY_POLICY
        return response
    # As FastAPI's own page takes them: FastAPI(swagger_ui_parameters=...,
    # swagger_ui_init_oauth=...).
    swagger: dict[str, object] = {
        "title": f"{app.title} — Swagger UI",
        "openapi_url": docs.openapi_url,
        "parameters": app.swagger_ui_parameters or {},
        "init_oauth": app.swagger_ui_init_oauth,
        "pattern": pattern,
        "docs_what": "API docs",
    }
    return templates.TemplateResponse(request, "swagger.html", swagger)
