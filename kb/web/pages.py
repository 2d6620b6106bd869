"""HTML pages: home, sections, entries, tags, search, and the 404 page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.types import Scope

from kb.content import sources
from kb.content.catalogue import Entry
from kb.content.highlight import stylesheet
from kb.knowledge import KnowledgeBase
from kb.middleware.pagecache import Page, request_key
from kb.web.assets import IMMUTABLE, stylesheet_url
from kb.web.deps import KB, Htmx, Templates

SearchQuery = Annotated[str, Query()]


def page(
    templates: Jinja2Templates,
    request: Request,
    name: str,
    context: dict[str, Any],
    status_code: int = 200,
) -> HTMLResponse:
    kb: KnowledgeBase = request.app.state.kb
    context = {**base_context(kb), **context}
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def base_context(kb: KnowledgeBase) -> dict[str, Any]:
    """What base.html needs on every page."""
    return {"catalogue": kb.catalogue, "edit_url": kb.settings.edit_url, "q": ""}


def not_found(request: Request, templates: Jinja2Templates, what: str) -> HTMLResponse:
    return page(templates, request, "not_found.html", {"what": what}, status_code=404)


def not_found_page(scope: Scope) -> Response:
    """The 404 page for a path nothing answers (the router's, and /examples' own)."""
    request = Request(scope)
    return not_found(request, request.app.state.templates, "Nothing is here.")


def cached_page(
    request: Request, templates: Jinja2Templates, name: str, context: Callable[[], dict[str, Any]]
) -> Response:
    """A page that depends on the catalogue alone: rendered once, then served from memory."""
    kb: KnowledgeBase = request.app.state.kb

    def render() -> str:
        return templates.get_template(name).render(
            {**base_context(kb), **context(), "request": request}
        )

    route = getattr(request.scope.get("route"), "path", "")
    page = kb.pages.get(request.url.path, render, "text/html; charset=utf-8", route)
    return page.respond(request)


async def home(request: Request, kb: KB, templates: Templates) -> Response:
    return cached_page(request, templates, "home.html", lambda: {"sections": kb.catalogue.sections})


async def section(slug: str, request: Request, kb: KB, templates: Templates) -> Response:
    found = kb.catalogue.section_by_slug(slug)
    if found is None:
        return not_found(request, templates, f"There is no section “{slug}”.")
    return cached_page(request, templates, "section.html", lambda: {"section": found})


async def entry(slug: str, request: Request, kb: KB, templates: Templates) -> Response:
    found = kb.catalogue.entries.get(slug)
    if found is None:
        return not_found(request, templates, f"There is no pattern “{slug}”.")
    return cached_page(request, templates, "entry.html", lambda: entry_context(kb, found))


def entry_context(kb: KnowledgeBase, entry: Entry, **extra: Any) -> dict[str, Any]:
    before, after = kb.catalogue.neighbours(entry)
    source = sources.find(kb.settings.examples_dir, entry.meta.example or "")
    return {
        "entry": entry,
        "section": kb.catalogue.section_of(entry),
        "before": before,
        "after": after,
        "related": kb.catalogue.related(entry),
        "example_source": source,
        "example_error": kb.example_errors.get(entry.slug),
        "results": {},
        "variables": {},
        "max_upload": kb.settings.max_upload,
        **extra,
    }


async def tag(name: str, request: Request, kb: KB, templates: Templates) -> Response:
    entries = kb.catalogue.tags.get(name)
    if not entries:
        return not_found(request, templates, f"No pattern is tagged “{name}”.")
    return cached_page(request, templates, "tag.html", lambda: {"tag": name, "entries": entries})


async def search(
    request: Request,
    kb: KB,
    templates: Templates,
    htmx: Htmx,
    q: SearchQuery = "",
    section: Annotated[str, Query()] = "",
    tag: Annotated[str, Query()] = "",
    exact: Annotated[bool, Query()] = False,
) -> Response:
    results = kb.index.search(
        q,
        kb.settings.search_limit,
        section=section,
        tag=tag,
        correct=not exact,
        # As-you-type results show no facets and deep links for the first few hits only.
        facets=not htmx,
        deep_links=5 if htmx else kb.settings.search_limit,
    )
    context = {
        "q": q,
        "results": results,
        "section_filter": section,
        "tag_filter": tag,
    }
    name = "_search_results.html" if htmx else "search.html"
    html = templates.get_template(name).render({**base_context(kb), **context, "request": request})
    found = Page.of(html.encode(), "text/html; charset=utf-8", "/search", vary="HX-Request")
    if not results.timed_out and kb.settings.search_cache:
        kb.responses.put(request_key(request.scope), found)
    return found.respond(request)


async def highlight_css(request: Request, kb: KB) -> Response:
    """Pygments' stylesheet; immutable when asked for by its versioned URL."""
    page = kb.pages.get("/highlight.css", stylesheet, "text/css; charset=utf-8")
    versioned = f"/highlight.css?{request.url.query}" == stylesheet_url()
    return page.respond(request, IMMUTABLE if versioned else "no-cache")
